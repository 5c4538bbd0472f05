//! Starting the shards: one pinned glommio executor each, joined by the channel meshes, each
//! accepting client connections on the shared service port (SO_REUSEPORT).

use std::cell::RefCell;
use std::rc::Rc;
use std::sync::mpsc;
use std::sync::Arc;
use std::time::Duration;

use glommio::channels::channel_mesh::{Full, MeshBuilder};
use glommio::channels::shared_channel::ConnectedReceiver;
use glommio::net::TcpListener;
use glommio::{LocalExecutorBuilder, Placement};
use scramjet_engine::NamespaceStore;

use super::mesh::{Envelope, ShardReply, ShardRequest, CHANNEL_CAPACITY};
use super::routing::partitions_of_shard;
use super::{HostedNamespace, Peers, Shard, ShardState};
use crate::config::schema::StorageEngine;
use crate::log;
use crate::node::NodeContext;
use crate::stats::{ConnectionStats, TxnStats};
use crate::storage::{self, layout};

/// A listening socket on `address:port` with SO_REUSEADDR, and SO_REUSEPORT if `shared` (every
/// shard listens on the port). glommio's own bind sets only SO_REUSEPORT, so the connections it
/// accepted lacked SO_REUSEADDR and, after a crash, their TIME_WAIT remains kept the node from
/// listening on its port again for a minute.
pub fn listen(address: std::net::IpAddr, port: u16, shared: bool) -> std::io::Result<TcpListener> {
    use std::os::fd::{FromRawFd, IntoRawFd};
    let address = std::net::SocketAddr::new(address, port);
    let domain = if address.is_ipv4() { libc::AF_INET } else { libc::AF_INET6 };
    // SAFETY: socket() takes no pointers; a negative return is checked before the fd is used.
    let fd = unsafe { libc::socket(domain, libc::SOCK_STREAM | libc::SOCK_CLOEXEC | libc::SOCK_NONBLOCK, 0) };
    if fd < 0 {
        return Err(std::io::Error::last_os_error());
    }
    // SAFETY: `fd` is a fresh socket we own; the std listener closes it on every path below.
    let owned = unsafe { std::net::TcpListener::from_raw_fd(fd) };
    let check = |rc: libc::c_int| if rc < 0 { Err(std::io::Error::last_os_error()) } else { Ok(()) };
    let one: libc::c_int = 1;
    let mut options = vec![libc::SO_REUSEADDR];
    if shared {
        options.push(libc::SO_REUSEPORT);
    }
    for option in options {
        // SAFETY: passes a pointer to a live c_int and its exact size.
        check(unsafe {
            libc::setsockopt(
                fd,
                libc::SOL_SOCKET,
                option,
                (&one as *const libc::c_int).cast(),
                std::mem::size_of::<libc::c_int>() as libc::socklen_t,
            )
        })?;
    }
    let rc = match address {
        std::net::SocketAddr::V4(a) => {
            let sin = libc::sockaddr_in {
                sin_family: libc::AF_INET as libc::sa_family_t,
                sin_port: a.port().to_be(),
                sin_addr: libc::in_addr { s_addr: u32::from(*a.ip()).to_be() },
                sin_zero: [0; 8],
            };
            // SAFETY: `sin` is a valid sockaddr_in and the length is its size.
            unsafe {
                libc::bind(
                    fd,
                    (&sin as *const libc::sockaddr_in).cast(),
                    std::mem::size_of::<libc::sockaddr_in>() as libc::socklen_t,
                )
            }
        }
        std::net::SocketAddr::V6(a) => {
            let sin6 = libc::sockaddr_in6 {
                sin6_family: libc::AF_INET6 as libc::sa_family_t,
                sin6_port: a.port().to_be(),
                sin6_flowinfo: 0,
                sin6_addr: libc::in6_addr { s6_addr: a.ip().octets() },
                sin6_scope_id: a.scope_id(),
            };
            // SAFETY: `sin6` is a valid sockaddr_in6 and the length is its size.
            unsafe {
                libc::bind(
                    fd,
                    (&sin6 as *const libc::sockaddr_in6).cast(),
                    std::mem::size_of::<libc::sockaddr_in6>() as libc::socklen_t,
                )
            }
        }
    };
    check(rc)?;
    // SAFETY: listen on the socket we own.
    check(unsafe { libc::listen(fd, 1024) })?;
    // SAFETY: the descriptor comes from a listener we own and give up here.
    Ok(unsafe { TcpListener::from_raw_fd(owned.into_raw_fd()) })
}

/// Least io_uring buffer memory glommio accepts per executor.
pub const IO_MEMORY_MIN_BYTES: usize = 512 << 10;
/// io_uring buffer memory given to each executor when the locked-memory limit allows it.
pub const IO_MEMORY_MAX_BYTES: usize = 2 << 20;

/// Why the shards could not start.
#[derive(Debug)]
pub enum StartError {
    /// The locked-memory limit is too low for the executors.
    MemlockTooLow {
        /// The limit in bytes.
        limit_bytes: u64,
        /// What the shards need.
        needed_bytes: u64,
    },
    /// An executor failed to start or to listen.
    Shard(String),
}

impl std::fmt::Display for StartError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            StartError::MemlockTooLow { limit_bytes, needed_bytes } => write!(
                f,
                "the locked-memory limit (ulimit -l) is {} KiB but the shards need at least {} KiB \
                 ({} KiB each): raise it (ulimit -l, or LimitMEMLOCK= in a systemd unit) or lower service-threads",
                limit_bytes / 1024,
                needed_bytes / 1024,
                IO_MEMORY_MIN_BYTES / 1024
            ),
            StartError::Shard(reason) => write!(f, "{reason}"),
        }
    }
}

/// io_uring memory per executor within the process's locked-memory limit, keeping a quarter of
/// the limit for everything else that locks memory.
pub fn io_memory_per_shard(n_shards: usize) -> Result<usize, StartError> {
    let mut limit = libc::rlimit { rlim_cur: 0, rlim_max: 0 };
    // SAFETY: getrlimit writes into the struct we pass and reads nothing else.
    let rc = unsafe { libc::getrlimit(libc::RLIMIT_MEMLOCK, &mut limit) };
    if rc != 0 || limit.rlim_cur == libc::RLIM_INFINITY {
        return Ok(IO_MEMORY_MAX_BYTES);
    }
    let usable = limit.rlim_cur / 4 * 3;
    let per_shard = (usable / n_shards as u64) as usize;
    if per_shard < IO_MEMORY_MIN_BYTES {
        return Err(StartError::MemlockTooLow {
            limit_bytes: limit.rlim_cur,
            needed_bytes: (IO_MEMORY_MIN_BYTES * n_shards) as u64 * 4 / 3,
        });
    }
    Ok(per_shard.min(IO_MEMORY_MAX_BYTES))
}

/// Starts every shard and returns once all of them accept connections.
pub fn start(node: Arc<NodeContext>) -> Result<Vec<glommio::ExecutorJoinHandle<()>>, StartError> {
    let n = node.n_shards;
    let io_memory = io_memory_per_shard(n)?;
    let cpus = std::thread::available_parallelism().map_or(1, |c| c.get());
    let requests: MeshBuilder<Envelope<ShardRequest>, Full> = MeshBuilder::full(n, CHANNEL_CAPACITY);
    let replies: MeshBuilder<Envelope<ShardReply>, Full> = MeshBuilder::full(n, CHANNEL_CAPACITY);
    let (ready_tx, ready_rx) = mpsc::channel::<Result<usize, String>>();
    let mut handles = Vec::with_capacity(n);
    for index in 0..n {
        let (node, requests, replies, ready) = (node.clone(), requests.clone(), replies.clone(), ready_tx.clone());
        let placement = if node.config.service.auto_pin { Placement::Fixed(index % cpus) } else { Placement::Unbound };
        let handle = LocalExecutorBuilder::new(placement)
            .name(&format!("shard-{index}"))
            .io_memory(io_memory)
            .spawn(move || async move { run_shard(node, requests, replies, ready).await })
            .map_err(|e| StartError::Shard(format!("cannot start shard executor {index}: {e}")))?;
        handles.push(handle);
    }
    drop(ready_tx);
    for _ in 0..n {
        match ready_rx.recv() {
            Ok(Ok(_)) => {}
            Ok(Err(reason)) => return Err(StartError::Shard(reason)),
            Err(_) => return Err(StartError::Shard("a shard stopped while starting".into())),
        }
    }
    Ok(handles)
}

async fn run_shard(
    node: Arc<NodeContext>,
    requests: MeshBuilder<Envelope<ShardRequest>, Full>,
    replies: MeshBuilder<Envelope<ShardReply>, Full>,
    ready: mpsc::Sender<Result<usize, String>>,
) {
    let (request_tx, mut request_rx) = requests.join().await.expect("join the request mesh");
    let (reply_tx, mut reply_rx) = replies.join().await.expect("join the reply mesh");
    // The mesh orders peers by executor id; that order is the shard order, the same in both.
    let id = request_tx.peer_id();
    assert_eq!(id, reply_tx.peer_id(), "both meshes order shards alike");

    let n = node.n_shards;
    let namespaces = node
        .config
        .namespaces
        .iter()
        .zip(&node.devices)
        .zip(&node.routes)
        .map(|((ns, devices), route)| {
            let stores = route
                .stores_of_executor(id, n)
                .map(|r| {
                    let pids = partitions_of_shard(r, route.n_stores);
                    NamespaceStore::new(ns.engine.clone(), pids, layout::space_config(ns, devices, r, route.n_stores))
                })
                .collect();
            HostedNamespace::new(ns.engine.clone(), route.clone(), stores, n)
        })
        .collect::<Vec<_>>();
    let commit_to_device = node
        .config
        .namespaces
        .iter()
        .map(|ns| matches!(&ns.storage, StorageEngine::Device(d) if d.commit_to_device))
        .collect();
    let state = ShardState {
        txn_stats: vec![TxnStats::default(); namespaces.len()],
        namespaces,
        service: node.config.service.clone(),
        connections: ConnectionStats::default(),
        n_shards: n,
        routes: node.routes.clone(),
        commit_to_device,
        sweep_requested: vec![false; node.namespaces.len()],
        finished_jobs: Default::default(),
        running_jobs: Vec::new(),
        map: {
            let factors: Vec<u32> = node.config.namespaces.iter().map(|ns| ns.engine.replication_factor).collect();
            Arc::new(if node.config.heartbeat.mesh {
                crate::cluster::map::ClusterMap::orphan(node.node_id, &factors)
            } else {
                crate::cluster::map::ClusterMap::alone(node.node_id, &factors)
            })
        },
        migration: crate::cluster::migrate::Migration::new(node.namespaces.len()),
    };
    let shard = Rc::new(Shard {
        id,
        node: node.clone(),
        state: RefCell::new(state),
        peers: Peers { requests: request_tx, replies: reply_tx, pending: Default::default() },
        io: Default::default(),
        fabric: Default::default(),
    });

    for (from, stream) in request_rx.streams() {
        glommio::spawn_local(serve_requests(shard.clone(), from, stream)).detach();
    }
    for (_, stream) in reply_rx.streams() {
        glommio::spawn_local(receive_replies(shard.clone(), stream)).detach();
    }
    // Cold start before serving: every record on the devices is back in the index first.
    match storage::start(&shard, &node.devices).await {
        Ok(io) => {
            let _ = shard.io.set(io);
        }
        Err(reason) => {
            let _ = ready.send(Err(format!("shard {id}: {reason}")));
            return;
        }
    }
    storage::spawn_tasks(&shard);
    glommio::spawn_local(crate::nsup::run(shard.clone())).detach();

    let endpoint = &node.config.service_endpoint;
    let listener = match listen(endpoint.address, endpoint.port, true) {
        Ok(listener) => listener,
        Err(e) => {
            let _ = ready.send(Err(format!("shard {id} cannot listen on {}:{}: {e}", endpoint.address, endpoint.port)));
            return;
        }
    };
    if endpoint.shard_ports {
        let port = if endpoint.shard_port_base == 0 { 0 } else { u32::from(endpoint.shard_port_base) + id as u32 };
        let Ok(port) = u16::try_from(port) else {
            let _ = ready
                .send(Err(format!("shard {id}: shard-port-base {} + {id} is past 65535", endpoint.shard_port_base)));
            return;
        };
        // No SO_REUSEPORT here: the port is this shard's alone.
        let own = match listen(endpoint.address, port, false).and_then(|l| {
            let port = l.local_addr().map_err(std::io::Error::from)?.port();
            Ok((l, port))
        }) {
            Ok(own) => own,
            Err(e) => {
                let _ = ready.send(Err(format!("shard {id} cannot listen on {}:{port}: {e}", endpoint.address)));
                return;
            }
        };
        node.shard_ports[id].store(own.1, std::sync::atomic::Ordering::Release);
        glommio::spawn_local(accept_loop(shard.clone(), own.0)).detach();
    }
    if node.config.heartbeat.mesh {
        // Every shard takes fabric connections on the one port, like the service port.
        let fabric = &node.config.fabric_endpoint;
        match listen(fabric.address, fabric.port, true) {
            Ok(listener) => {
                glommio::spawn_local(crate::fabric::listen(shard.clone(), listener)).detach();
            }
            Err(e) => {
                let _ = ready.send(Err(format!(
                    "shard {id} cannot listen on the fabric port {}:{}: {e}",
                    fabric.address, fabric.port
                )));
                return;
            }
        }
    }
    if id == 0 && node.config.heartbeat.mesh {
        match crate::cluster::coordinator::bind(&node) {
            Ok((socket, seeds)) => {
                glommio::spawn_local(crate::cluster::coordinator::run(shard.clone(), socket, seeds)).detach();
            }
            Err(reason) => {
                let _ = ready.send(Err(reason));
                return;
            }
        }
    }
    log!(Debug, "shard", "shard {id} accepts clients");
    let _ = ready.send(Ok(id));
    drop(ready);
    accept_loop(shard, listener).await;
}

async fn accept_loop(shard: Rc<Shard>, listener: TcpListener) {
    loop {
        let stream = match listener.accept().await {
            Ok(stream) => stream,
            Err(e) => {
                // Typically out of file descriptors: back off instead of spinning.
                log!(Warning, "service", "shard {} accept failed: {e}", shard.id);
                glommio::timer::Timer::new(Duration::from_millis(50)).await;
                continue;
            }
        };
        let over_cap = {
            let mut state = shard.state.borrow_mut();
            let over = !shard.node.admit_connection(u64::from(state.service.proto_fd_max));
            if over {
                state.connections.client_connections_refused += 1;
            }
            over
        };
        if over_cap {
            log!(Debug, "service", "shard {} refused a connection: proto-fd-max reached", shard.id);
            drop(stream);
            continue;
        }
        glommio::spawn_local(crate::service::serve(shard.clone(), stream)).detach();
    }
}

/// Serves another shard's requests; the replies go back on the reply mesh. A write that must
/// be durable first is answered from its own task, so that it does not hold up the others.
async fn serve_requests(shard: Rc<Shard>, from: usize, stream: ConnectedReceiver<Envelope<ShardRequest>>) {
    while let Some(Envelope { tag, body }) = stream.recv().await {
        // Batch rows may read from the device and wait for durability: their own task.
        if let ShardRequest::Batch(rows) = body {
            let shard = shard.clone();
            glommio::spawn_local(async move {
                let mut results = Vec::new();
                crate::transaction::batch::run_rows(&shard, &rows, &mut results).await;
                let _ = shard.peers.replies.send_to(from, Envelope { tag, body: ShardReply::Batch(results) }).await;
            })
            .detach();
            continue;
        }
        if let ShardRequest::Background(job) = body {
            let shard = shard.clone();
            glommio::spawn_local(async move {
                let written = crate::transaction::scan::run_background(&shard, &job).await;
                let _ = shard.peers.replies.send_to(from, Envelope { tag, body: ShardReply::Count(written) }).await;
            })
            .detach();
            continue;
        }
        if let ShardRequest::Scan(chunk) = body {
            let shard = shard.clone();
            glommio::spawn_local(async move {
                let result = crate::transaction::scan::scan_chunk(&shard, *chunk).await;
                let _ =
                    shard.peers.replies.send_to(from, Envelope { tag, body: ShardReply::Scan(Box::new(result)) }).await;
            })
            .detach();
            continue;
        }
        if let ShardRequest::Map(map) = body {
            crate::cluster::migrate::install(&shard, map);
            if shard.peers.replies.send_to(from, Envelope { tag, body: ShardReply::Done }).await.is_err() {
                return;
            }
            continue;
        }
        if let ShardRequest::Fabric(frame) = body {
            let shard = shard.clone();
            glommio::spawn_local(async move {
                let reply = crate::cluster::replica::run_frame(&shard, &frame).await;
                let _ = shard.peers.replies.send_to(from, Envelope { tag, body: ShardReply::Fabric(reply) }).await;
            })
            .detach();
            continue;
        }
        // In a cluster a write waits for its replicas: its own task.
        if let ShardRequest::Transaction(bytes) = &body {
            if shard.state.borrow().map.is_clustered() {
                let (shard, bytes) = (shard.clone(), bytes.clone());
                glommio::spawn_local(async move {
                    let mut out = Vec::new();
                    crate::cluster::replica::run_owned(&shard, &bytes, &mut out).await;
                    let _ =
                        shard.peers.replies.send_to(from, Envelope { tag, body: ShardReply::Transaction(out) }).await;
                })
                .detach();
                continue;
            }
        }
        // A transaction whose record must first be read from the device runs in its own task.
        if let ShardRequest::Transaction(bytes) = &body {
            if needs_fetch(&shard, bytes) {
                let shard = shard.clone();
                glommio::spawn_local(async move {
                    let reply = crate::storage::run_forwarded(&shard, body).await;
                    let _ = shard.peers.replies.send_to(from, Envelope { tag, body: reply }).await;
                })
                .detach();
                continue;
            }
        }
        let (reply, waits) = shard.state.borrow_mut().handle(body);
        if waits.is_empty() {
            if shard.peers.replies.send_to(from, Envelope { tag, body: reply }).await.is_err() {
                return;
            }
            continue;
        }
        let shard = shard.clone();
        glommio::spawn_local(async move {
            for d in waits {
                storage::wait_durable(&shard, d).await;
            }
            let _ = shard.peers.replies.send_to(from, Envelope { tag, body: reply }).await;
        })
        .detach();
    }
}

/// True if a forwarded transaction's record is on the device and not in memory.
fn needs_fetch(shard: &Shard, body: &[u8]) -> bool {
    let state = shard.state.borrow();
    match crate::transaction::prepare(body, &state.routes, state.n_shards) {
        crate::transaction::Route::Record { txn, .. } => {
            state.namespaces[txn.ns_index()].store(txn.digest().partition_id()).read_needed(txn.digest()).is_some()
        }
        _ => false,
    }
}

/// Delivers replies to the tasks waiting for them. Never blocks (see `mesh`).
async fn receive_replies(shard: Rc<Shard>, stream: ConnectedReceiver<Envelope<ShardReply>>) {
    while let Some(Envelope { tag, body }) = stream.recv().await {
        shard.peers.pending.complete(tag, body);
    }
}

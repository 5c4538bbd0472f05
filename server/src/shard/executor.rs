//! Starting the shards: one pinned glommio executor each, joined by the channel meshes, each
//! with the state it owns; what a shard then runs is given by the layer that starts it.

use std::cell::RefCell;
use std::future::Future;
use std::rc::Rc;
use std::sync::mpsc;
use std::sync::Arc;

use glommio::channels::channel_mesh::{Full, MeshBuilder};
use glommio::{LocalExecutorBuilder, Placement};
use scramjet_engine::NamespaceStore;

use super::mesh::{self, Envelope, Job, Peers, Reply, CHANNEL_CAPACITY};
use super::{Shard, ShardState};
use crate::ground::config::schema::StorageEngine;
use crate::ground::node::NodeContext;
use crate::ground::routing::partitions_of_shard;
use crate::ground::stats::{ConnectionStats, TxnStats};
use crate::log;
use crate::partition::map::ClusterMap;
use crate::partition::migration::Migration;
use crate::storage::{layout, HostedNamespace};

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

/// Starts every shard: joins them in the channel meshes, builds each one's state, then runs
/// `init` on each (cold start, listeners, background tasks: the caller decides). Returns once
/// every shard's `init` has succeeded, or with the first failure.
pub fn start<I, Fut>(node: Arc<NodeContext>, init: I) -> Result<Vec<glommio::ExecutorJoinHandle<()>>, StartError>
where
    I: Fn(Rc<Shard>) -> Fut + Send + Clone + 'static,
    Fut: Future<Output = Result<(), String>>,
{
    let n = node.n_shards;
    let io_memory = io_memory_per_shard(n)?;
    let cpus = std::thread::available_parallelism().map_or(1, |c| c.get());
    let requests: MeshBuilder<Envelope<Job>, Full> = MeshBuilder::full(n, CHANNEL_CAPACITY);
    let replies: MeshBuilder<Envelope<Reply>, Full> = MeshBuilder::full(n, CHANNEL_CAPACITY);
    let (ready_tx, ready_rx) = mpsc::channel::<Result<usize, String>>();
    let mut handles = Vec::with_capacity(n);
    for index in 0..n {
        let (node, requests, replies, ready) = (node.clone(), requests.clone(), replies.clone(), ready_tx.clone());
        let init = init.clone();
        let placement = if node.config.service.auto_pin { Placement::Fixed(index % cpus) } else { Placement::Unbound };
        let handle = LocalExecutorBuilder::new(placement)
            .name(&format!("shard-{index}"))
            .io_memory(io_memory)
            .spawn(move || async move { run_shard(node, requests, replies, ready, init).await })
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

async fn run_shard<I, Fut>(
    node: Arc<NodeContext>,
    requests: MeshBuilder<Envelope<Job>, Full>,
    replies: MeshBuilder<Envelope<Reply>, Full>,
    ready: mpsc::Sender<Result<usize, String>>,
    init: I,
) where
    I: Fn(Rc<Shard>) -> Fut,
    Fut: Future<Output = Result<(), String>>,
{
    let (request_tx, mut request_rx) = requests.join().await.expect("join the request mesh");
    let (reply_tx, mut reply_rx) = replies.join().await.expect("join the reply mesh");
    // The mesh orders peers by executor id; that order is the shard order, the same in both.
    let id = request_tx.peer_id();
    assert_eq!(id, reply_tx.peer_id(), "both meshes order shards alike");

    let shard = Rc::new(Shard {
        id,
        node: node.clone(),
        state: RefCell::new(initial_state(&node, id)),
        peers: Peers::new(request_tx, reply_tx),
        io: Default::default(),
        fabric: Default::default(),
    });
    for (from, stream) in request_rx.streams() {
        glommio::spawn_local(mesh::serve_requests(shard.clone(), from, stream)).detach();
    }
    for (_, stream) in reply_rx.streams() {
        glommio::spawn_local(mesh::receive_replies(shard.clone(), stream)).detach();
    }
    if let Err(reason) = init(shard).await {
        let _ = ready.send(Err(reason));
        return;
    }
    log!(Debug, "shard", "shard {id} started");
    let _ = ready.send(Ok(id));
    drop(ready);
    // The shard's work runs in the tasks `init` and the meshes spawned, until the process ends.
    futures_lite::future::pending::<()>().await;
}

/// The state shard `id` starts with: the stores of the storage shards it hosts (empty until
/// cold start fills those on devices), its settings, and the map of a node in no cluster yet.
fn initial_state(node: &NodeContext, id: usize) -> ShardState {
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
            let commit_to_device = matches!(&ns.storage, StorageEngine::Device(d) if d.commit_to_device);
            HostedNamespace::new(ns.engine.clone(), route.clone(), stores, n, commit_to_device)
        })
        .collect::<Vec<_>>();
    let factors: Vec<u32> = node.config.namespaces.iter().map(|ns| ns.engine.replication_factor).collect();
    ShardState {
        txn_stats: vec![TxnStats::default(); namespaces.len()],
        benchmarks: node.config.namespaces.iter().map(|ns| ns.benchmarks).collect(),
        namespaces,
        service: node.config.service.clone(),
        connections: ConnectionStats::default(),
        n_shards: n,
        routes: node.routes.clone(),
        jobs: Default::default(),
        map: Arc::new(if node.config.heartbeat.mesh {
            ClusterMap::orphan(node.node_id, &factors)
        } else {
            ClusterMap::alone(node.node_id, &factors)
        }),
        migration: Migration::new(node.namespaces.len()),
        smd: None,
        udf_modules: Default::default(),
        latencies: Vec::new(),
        security: Default::default(),
        security_config: node.config.security.clone(),
    }
}

//! The fabric transport: TCP connections between the nodes of a cluster, carrying the frames
//! of `scramjet_net::fabric` (replica writes, proxies, migrations, duplicate reads).
//!
//! Every shard listens on the fabric port (SO_REUSEPORT, like the service port) and keeps its
//! own pool of outgoing connections per peer, so no connection is shared between cores. A
//! connection carries one request at a time: the caller takes an idle connection (or opens
//! one), writes its frame, reads the reply and puts the connection back. A frame that arrives
//! on a shard that does not own its partition crosses to the owner over the channel mesh.

use std::cell::{Cell, RefCell};
use std::collections::HashMap;
use std::net::SocketAddr;
use std::rc::Rc;
use std::time::Duration;

use futures_lite::AsyncWriteExt;
use glommio::net::{TcpListener, TcpStream};
use scramjet_net::fabric::{self, FabricMessage};
use scramjet_net::ResultCode;

use crate::cluster::balance::NodeId;
use crate::log;
use crate::readbuf::{Filled, ReadBuf};
use crate::shard::mesh::{ShardReply, ShardRequest};
use crate::shard::Shard;

/// How long a connection to a peer may take to open.
const CONNECT_TIMEOUT: Duration = Duration::from_millis(500);
/// How long a peer may take to answer a request (a migration batch is the slowest). A replica
/// write that takes longer is of no use to a client waiting on it anyway.
const REPLY_TIMEOUT: Duration = Duration::from_secs(2);
/// Idle connections kept per peer and shard.
const IDLE_KEPT: usize = 32;

/// Why a fabric request failed.
#[derive(Debug)]
pub enum FabricError {
    /// The peer is not in this node's map.
    UnknownNode(NodeId),
    /// The connection could not be opened, or broke.
    Io(std::io::Error),
    /// The peer answered with something that is not a reply frame.
    Protocol(String),
}

impl std::fmt::Display for FabricError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            FabricError::UnknownNode(node) => write!(f, "node {node:X} is not in the cluster map"),
            FabricError::Io(e) => write!(f, "{e}"),
            FabricError::Protocol(what) => write!(f, "{what}"),
        }
    }
}

/// A shard's outgoing fabric connections.
#[derive(Default)]
pub struct FabricPool {
    idle: RefCell<HashMap<SocketAddr, Vec<(TcpStream, ReadBuf)>>>,
    next_id: Cell<u64>,
}

/// Bytes asked of the socket per read: a whole small frame comes in one read.
const READ_CHUNK: usize = 16 << 10;

/// Reads one whole frame into `frame` (cleared first). Bytes read past it stay in `input`
/// for the next call. `Ok(false)` if the peer closed the connection between frames.
async fn read_frame(stream: &mut TcpStream, input: &mut ReadBuf, frame: &mut Vec<u8>) -> Result<bool, FabricError> {
    frame.clear();
    loop {
        let size = fabric::frame_size(input.available()).map_err(|e| FabricError::Protocol(e.to_string()))?;
        if let Some(size) = size.filter(|&size| input.available().len() >= size) {
            frame.extend_from_slice(&input.available()[..size]);
            input.consume(size);
            return Ok(true);
        }
        // The length first, then the rest of the frame.
        match input.fill(stream, size.unwrap_or(4)).await.map_err(FabricError::Io)? {
            Filled::Ready => {}
            Filled::Closed => return Ok(false),
            Filled::ClosedMidMessage(_) => return Err(FabricError::Protocol("connection closed mid-frame".into())),
        }
    }
}

/// Sends `message` to node `to` and returns its reply frame.
pub async fn call(shard: &Shard, to: NodeId, message: &FabricMessage<'_>) -> Result<Vec<u8>, FabricError> {
    let address = {
        let state = shard.state.borrow();
        state.map.address(to).map(|a| a.fabric).ok_or(FabricError::UnknownNode(to))?
    };
    let id = shard.fabric.next_id.get().wrapping_add(1);
    shard.fabric.next_id.set(id);
    let mut frame = Vec::with_capacity(256);
    fabric::encode(&mut frame, id, shard.node.node_id, message);
    // One retry on a fresh connection: an idle pooled one may have been closed by the peer.
    let mut last_error = None;
    for _ in 0..2 {
        let pooled = shard.fabric.idle.borrow_mut().get_mut(&address).and_then(Vec::pop);
        let fresh = pooled.is_none();
        let (mut stream, mut input) = match pooled {
            Some(pooled) => pooled,
            None => {
                let stream = TcpStream::connect_timeout(address, CONNECT_TIMEOUT)
                    .await
                    .map_err(|e| FabricError::Io(e.into()))?;
                let _ = stream.set_nodelay(true);
                stream.set_read_timeout(Some(REPLY_TIMEOUT)).map_err(|e| FabricError::Io(e.into()))?;
                stream.set_write_timeout(Some(REPLY_TIMEOUT)).map_err(|e| FabricError::Io(e.into()))?;
                (stream, ReadBuf::new(READ_CHUNK))
            }
        };
        let mut reply = Vec::new();
        let result = async {
            stream.write_all(&frame).await.map_err(FabricError::Io)?;
            if !read_frame(&mut stream, &mut input, &mut reply).await? {
                return Err(FabricError::Protocol("peer closed the connection".into()));
            }
            if !input.available().is_empty() {
                return Err(FabricError::Protocol("bytes after a reply".into()));
            }
            match fabric::decode(&reply) {
                Ok((reply_id, _)) if reply_id == id => Ok(()),
                Ok(_) => Err(FabricError::Protocol("reply to another request".into())),
                Err(e) => Err(FabricError::Protocol(e.to_string())),
            }
        }
        .await;
        match result {
            Ok(()) => {
                let mut idle = shard.fabric.idle.borrow_mut();
                let list = idle.entry(address).or_default();
                if list.len() < IDLE_KEPT {
                    list.push((stream, input));
                }
                return Ok(reply);
            }
            Err(e) => {
                last_error = Some(e);
                if fresh {
                    break;
                }
            }
        }
    }
    Err(last_error.expect("an attempt was made"))
}

/// Forgets the idle connections to peers no longer in the map.
pub fn prune(shard: &Shard, keep: &[SocketAddr]) {
    shard.fabric.idle.borrow_mut().retain(|address, _| keep.contains(address));
}

/// Accepts fabric connections on this shard until the node stops.
pub async fn listen(shard: Rc<Shard>, listener: TcpListener) {
    loop {
        match listener.accept().await {
            Ok(stream) => {
                glommio::spawn_local(serve(shard.clone(), stream)).detach();
            }
            Err(e) => {
                log!(Warning, "fabric", "shard {} accept failed: {e}", shard.id);
                glommio::timer::Timer::new(Duration::from_millis(50)).await;
            }
        }
    }
}

/// Serves one peer's connection: a frame in, its reply out, until it closes.
async fn serve(shard: Rc<Shard>, mut stream: TcpStream) {
    let _ = stream.set_nodelay(true);
    let peer = stream.peer_addr().map(|a| a.to_string()).unwrap_or_default();
    let (mut frame, mut input) = (Vec::new(), ReadBuf::new(READ_CHUNK));
    loop {
        match read_frame(&mut stream, &mut input, &mut frame).await {
            Ok(true) => {}
            Ok(false) => return,
            Err(e) => {
                log!(Debug, "fabric", "connection from {peer} ended: {e}");
                return;
            }
        }
        let reply = match fabric::decode(&frame) {
            Ok((id, message)) => {
                // Any fabric message proves its sender alive (a passive heartbeat).
                shard.node.fabric_heard.heard(fabric::sender(&frame), shard.node.started.elapsed().as_millis() as u64);
                handle(&shard, id, message, &frame).await
            }
            Err(e) => {
                log!(Warning, "fabric", "closing connection from {peer}: {e}");
                return;
            }
        };
        if stream.write_all(&reply).await.is_err() {
            return;
        }
    }
}

/// Answers one request frame (decoded as `message`) on the shard that received it.
async fn handle(shard: &Rc<Shard>, id: u64, message: FabricMessage<'_>, frame: &[u8]) -> Vec<u8> {
    let mut reply = Vec::new();
    match message {
        FabricMessage::Proxy { hops, body } => {
            let mut out = Vec::new();
            crate::service::run_proxied(shard, body, hops, &mut out).await;
            fabric::encode(&mut reply, id, shard.node.node_id, &FabricMessage::ProxyReply(&out));
        }
        FabricMessage::Done { .. } => {
            crate::cluster::migrate::done_received(shard, frame).await;
            fabric::encode(&mut reply, id, shard.node.node_id, &FabricMessage::Ack(0));
        }
        FabricMessage::Replica { ns, image, .. } => {
            return to_owner(shard, ns, image.digest.partition_id(), frame).await
        }
        FabricMessage::Migrate { ns, pid, .. } => return to_owner(shard, ns, pid, frame).await,
        FabricMessage::DupRead { ns, digest } => return to_owner(shard, ns, digest.partition_id(), frame).await,
        FabricMessage::Pull { ns, pid, .. } => return to_owner(shard, ns, pid, frame).await,
        FabricMessage::Command(text) => {
            let answer = crate::info::truncate::from_peer(shard, &String::from_utf8_lossy(text)).await;
            fabric::encode(&mut reply, id, shard.node.node_id, &FabricMessage::CommandReply(answer.as_bytes()));
        }
        FabricMessage::ProxyReply(_)
        | FabricMessage::Ack(_)
        | FabricMessage::DupRecord(_)
        | FabricMessage::PullReply { .. }
        | FabricMessage::CommandReply(_) => {
            fabric::encode(&mut reply, id, shard.node.node_id, &FabricMessage::Ack(ResultCode::Parameter.as_u8()));
        }
    }
    reply
}

/// Runs a record-level frame on the shard that owns partition `pid` of `ns`.
async fn to_owner(shard: &Rc<Shard>, ns: &[u8], pid: u16, frame: &[u8]) -> Vec<u8> {
    let owner = {
        let state = shard.state.borrow();
        state
            .routes
            .iter()
            .position(|r| r.name.as_bytes() == ns)
            .map(|i| state.routes[i].executor_of(pid, state.n_shards))
    };
    let Some(owner) = owner else {
        let (id, _) = fabric::decode(frame).expect("decoded before");
        let mut reply = Vec::new();
        fabric::encode(&mut reply, id, shard.node.node_id, &FabricMessage::Ack(ResultCode::Namespace.as_u8()));
        return reply;
    };
    if owner == shard.id {
        return crate::cluster::replica::run_frame(shard, frame).await;
    }
    match shard.call(owner, ShardRequest::Fabric(frame.to_vec())).await {
        Ok(ShardReply::Fabric(reply)) => reply,
        Ok(other) => panic!("fabric frame answered with {other:?}"),
        Err(_) => {
            let (id, _) = fabric::decode(frame).expect("decoded before");
            let mut reply = Vec::new();
            fabric::encode(&mut reply, id, shard.node.node_id, &FabricMessage::Ack(ResultCode::Timeout.as_u8()));
            reply
        }
    }
}

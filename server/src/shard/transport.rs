//! The fabric transport: TCP connections from this shard to the other nodes of the cluster,
//! carrying the frames of `scramjet_net::fabric` (replica writes, proxies, migrations,
//! duplicate reads, pulls, commands).
//!
//! Every shard keeps its own pool of outgoing connections per peer, so no connection is shared
//! between cores. A connection carries one request at a time: the caller takes an idle
//! connection (or opens one), writes its frame, reads the reply and puts the connection back.
//! Arriving frames are answered by `crate::edge::fabric`.

use std::cell::{Cell, RefCell};
use std::collections::HashMap;
use std::net::SocketAddr;
use std::time::Duration;

use futures_lite::AsyncWriteExt;
use glommio::net::TcpStream;
use scramjet_net::fabric::{self, FabricMessage};

use super::Shard;
use crate::ground::node::NodeId;
use crate::ground::readbuf::{Filled, ReadBuf};

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
pub const READ_CHUNK: usize = 16 << 10;

/// Reads one whole frame into `frame` (cleared first). Bytes read past it stay in `input`
/// for the next call. `Ok(false)` if the peer closed the connection between frames.
pub async fn read_frame(stream: &mut TcpStream, input: &mut ReadBuf, frame: &mut Vec<u8>) -> Result<bool, FabricError> {
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

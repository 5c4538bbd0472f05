//! The fabric's arriving side: every shard listens on the fabric port (SO_REUSEPORT, like the
//! service port), reads each peer's frames and answers them. It parses and dispatches: a
//! record-level frame runs on the shard that owns its partition (crossing the channel mesh if
//! that is another shard), through the handler of the layer it belongs to (replica writes,
//! duplicate reads and pulls in `transaction::replica`, migration batches and done notices in
//! `cluster::migrate`, proxied commands in `transaction::placement`, truncates in
//! `edge::info::truncate`). The sending side (pooled connections, `call`) is
//! `crate::shard::transport`.

use std::rc::Rc;
use std::time::Duration;

use futures_lite::AsyncWriteExt;
use glommio::net::{TcpListener, TcpStream};
use scramjet_net::fabric::{self, FabricMessage};
use scramjet_net::ResultCode;

use crate::cluster::migrate;
use crate::ground::readbuf::ReadBuf;
use crate::log;
use crate::shard::transport::{read_frame, READ_CHUNK};
use crate::shard::Shard;
use crate::transaction::{placement, replica};

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
            placement::run_proxied(shard, body, hops, &mut out).await;
            fabric::encode(&mut reply, id, shard.node.node_id, &FabricMessage::ProxyReply(&out));
        }
        FabricMessage::Done { .. } => {
            migrate::done_received(shard, frame).await;
            fabric::encode(&mut reply, id, shard.node.node_id, &FabricMessage::Ack(0));
        }
        FabricMessage::Replica { ns, image, .. } => {
            return on_owner(shard, ns, image.digest.partition_id(), frame).await
        }
        FabricMessage::Migrate { ns, pid, .. } => return on_owner(shard, ns, pid, frame).await,
        FabricMessage::DupRead { ns, digest } => return on_owner(shard, ns, digest.partition_id(), frame).await,
        FabricMessage::Pull { ns, pid, .. } => return on_owner(shard, ns, pid, frame).await,
        FabricMessage::Command(text) => {
            let text = String::from_utf8_lossy(text);
            let answer = if crate::cluster::smd::is_command(&text) {
                crate::cluster::smd::from_peer(shard, &text).await
            } else {
                super::info::truncate::from_peer(shard, &text).await
            };
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
async fn on_owner(shard: &Rc<Shard>, ns: &[u8], pid: u16, frame: &[u8]) -> Vec<u8> {
    let owner = {
        let state = shard.state.borrow();
        state
            .routes
            .iter()
            .position(|r| r.name.as_bytes() == ns)
            .map(|i| state.routes[i].executor_of(pid, state.n_shards))
    };
    let Some(owner) = owner else {
        return ack(shard, frame, ResultCode::Namespace);
    };
    if owner == shard.id {
        return run_record_frame(shard, frame).await;
    }
    let bytes = frame.to_vec();
    match shard.run_on(owner, move |owner| async move { run_record_frame(&owner, &bytes).await }).await {
        Ok(reply) => reply,
        Err(_) => ack(shard, frame, ResultCode::Timeout),
    }
}

/// Runs a record-level frame on the shard that owns its partition; returns the reply frame.
async fn run_record_frame(shard: &Rc<Shard>, frame: &[u8]) -> Vec<u8> {
    let Ok((id, message)) = fabric::decode(frame) else {
        let mut reply = Vec::new();
        fabric::encode(&mut reply, 0, shard.node.node_id, &FabricMessage::Ack(ResultCode::Parameter.as_u8()));
        return reply;
    };
    let mut reply = Vec::new();
    match message {
        FabricMessage::Replica { key, ns, image } => {
            let code = replica::apply_replica_write(shard, key, ns, &image).await;
            fabric::encode(&mut reply, id, shard.node.node_id, &FabricMessage::Ack(code));
        }
        FabricMessage::DupRead { ns, digest } => replica::answer_dup_read(shard, id, ns, &digest, &mut reply).await,
        FabricMessage::Pull { ns, pid, after, max } => {
            replica::answer_pull(shard, id, ns, pid, after, max, &mut reply).await
        }
        FabricMessage::Migrate { key, ns, pid, from, images } => {
            let code = migrate::receive_batch(shard, key, ns, pid, from, &images);
            fabric::encode(&mut reply, id, shard.node.node_id, &FabricMessage::Ack(code));
        }
        FabricMessage::Done { .. } => {
            let code = migrate::mark_done_frame(shard, frame);
            fabric::encode(&mut reply, id, shard.node.node_id, &FabricMessage::Ack(code));
        }
        _ => fabric::encode(&mut reply, id, shard.node.node_id, &FabricMessage::Ack(ResultCode::Parameter.as_u8())),
    }
    reply
}

/// An acknowledgement of `frame` with `code`.
fn ack(shard: &Shard, frame: &[u8], code: ResultCode) -> Vec<u8> {
    let (id, _) = fabric::decode(frame).expect("decoded before");
    let mut reply = Vec::new();
    fabric::encode(&mut reply, id, shard.node.node_id, &FabricMessage::Ack(code.as_u8()));
    reply
}

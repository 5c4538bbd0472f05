//! Where a single-record command runs, and running it there: on this node or proxied to the
//! partition's master over the fabric; on this shard or handed to the shard that owns the
//! record over the channel mesh. Client connections, batch rows, background jobs and proxied
//! commands all come through here.

use std::rc::Rc;

use scramjet_net::fabric::FabricMessage;
use scramjet_net::response::write_status;
use scramjet_net::ResultCode;

use super::{Route, Txn};
use crate::ground::bench::{Arrival, Bench, Phase};
use crate::ground::node::NodeId;
use crate::log;
use crate::shard::mesh::PeerGone;
use crate::shard::Shard;
use crate::storage;

/// Where a single-record command runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Placement {
    /// On this node.
    Here,
    /// On the partition's master, this node being neither it nor (for a read) a replica.
    Proxy(NodeId),
    /// Nowhere yet: this node is in no cluster (result 11, the client tries again).
    Unavailable,
}

/// Where a single-record command runs, from this shard's partition map.
pub fn placement(shard: &Shard, txn: &Txn<'_>) -> Placement {
    let state = shard.state.borrow();
    let map = &state.map;
    if !map.serving {
        return Placement::Unavailable;
    }
    if !map.is_clustered() {
        return Placement::Here;
    }
    let pid = txn.digest().partition_id();
    let is_write = txn.header().info2 & scramjet_net::message::info2::WRITE != 0;
    match map.my_role(txn.ns_index(), pid) {
        Some(0) => Placement::Here,
        Some(_) if !is_write => Placement::Here,
        _ => Placement::Proxy(map.master(txn.ns_index(), pid)),
    }
}

/// Sends a client's message (of namespace `ns`) to node `to` over the fabric and appends its
/// response; its round trip counts in `{ns}-proxy` if `enable-hist-proxy` is on.
pub async fn proxy(shard: &Rc<Shard>, ns: usize, to: NodeId, body: &[u8], hops: u8, out: &mut Vec<u8>) {
    shard.state.borrow_mut().connections.proxied_requests += 1;
    let sent = std::time::Instant::now();
    let reply = crate::shard::transport::call(shard, to, &FabricMessage::Proxy { hops, body }).await;
    {
        let mut state = shard.state.borrow_mut();
        let state = &mut *state;
        crate::ground::bench::proxied(&state.benchmarks[ns], sent, &mut state.txn_stats[ns].bench);
    }
    match reply.as_deref().map(scramjet_net::fabric::decode) {
        Ok(Ok((_, FabricMessage::ProxyReply(response)))) => out.extend_from_slice(response),
        Ok(_) => write_status(out, ResultCode::Timeout, 0, 0),
        Err(e) => {
            log!(Debug, "proxy", "to node {to:X}: {e}");
            // The master is unreachable: the client retries (after the map changes).
            write_status(out, ResultCode::Timeout, 0, 0);
        }
    }
}

/// Runs a client's message that another node proxied here (single-record commands only).
pub async fn run_proxied(shard: &Rc<Shard>, body: &[u8], hops: u8, out: &mut Vec<u8>) {
    match super::prepare(body, &shard.node.routes, shard.node.n_shards) {
        Route::Record { shard: owner, txn } => {
            // The node is shutting down: the peer's request times out.
            let _ = run_record(shard, body, owner, &txn, hops.saturating_add(1), None, out).await;
        }
        Route::Reject(code) => write_status(out, code, 0, 0),
        _ => write_status(out, ResultCode::Parameter, 0, 0),
    }
}

/// Runs a single-record command: proxied to the master if this node must not run it, run here
/// if this shard owns the record, else handed to the owning shard. `arrival` starts its
/// benchmark clock, returned to count the response once it is sent.
pub async fn run_record(
    shard: &Rc<Shard>,
    body: &[u8],
    owner: usize,
    txn: &Txn<'_>,
    hops: u8,
    arrival: Option<Arrival>,
    out: &mut Vec<u8>,
) -> Result<Option<Bench>, PeerGone> {
    match placement(shard, txn) {
        Placement::Here => {}
        Placement::Unavailable => {
            write_status(out, ResultCode::Unavailable, 0, 0);
            return Ok(None);
        }
        // The nodes' maps disagree: the client retries once they settle.
        Placement::Proxy(_) if hops >= 2 => {
            write_status(out, ResultCode::Timeout, 0, 0);
            return Ok(None);
        }
        Placement::Proxy(to) => {
            proxy(shard, txn.ns_index(), to, body, hops, out).await;
            return Ok(None);
        }
    }
    if owner == shard.id {
        return Ok(run_here(shard, body, txn, arrival, out).await);
    }
    shard.state.borrow_mut().connections.shard_forwarded_requests += 1;
    let body = body.to_vec();
    let (response, bench) =
        shard.run_on(owner, move |owner| async move { run_owned(&owner, &body, arrival).await }).await?;
    out.extend_from_slice(&response);
    Ok(bench)
}

/// Runs a single-record message on this shard, which owns its record (a message another shard
/// forwarded, a batch row, a background job's write); returns the response and the benchmark
/// clock `arrival` started, if its histograms are on.
pub async fn run_owned(shard: &Rc<Shard>, body: &[u8], arrival: Option<Arrival>) -> (Vec<u8>, Option<Bench>) {
    let mut out = Vec::with_capacity(256);
    let bench = match super::prepare(body, &shard.node.routes, shard.node.n_shards) {
        Route::Record { txn, .. } => run_here(shard, body, &txn, arrival, &mut out).await,
        Route::Reject(code) => {
            write_status(&mut out, code, 0, 0);
            None
        }
        // A nested batch or a keyless row is malformed.
        Route::Unsupported | Route::Batch(_) | Route::Scan(_) => {
            write_status(&mut out, ResultCode::Parameter, 0, 0);
            None
        }
    };
    (out, bench)
}

/// Runs a single-record command whose record this shard owns. In a cluster: duplicate
/// resolution, the command, replica writes ([`super::replica`]). Alone: the record is read
/// from the device if it is not in memory, the command runs, and the reply waits until the
/// write is durable (commit-to-device). A command on a record in memory never suspends.
/// Returns the command's benchmark clock, if `arrival` started one.
async fn run_here(
    shard: &Rc<Shard>,
    body: &[u8],
    txn: &Txn<'_>,
    arrival: Option<Arrival>,
    out: &mut Vec<u8>,
) -> Option<Bench> {
    let mut bench = super::bench_begin(shard, txn, arrival);
    if shard.state.borrow().map.is_clustered() {
        super::replica::run_clustered(shard, body, &mut bench, out).await;
        return bench;
    }
    for attempt in 0..super::udf::apply::MAX_ATTEMPTS {
        if attempt > 0 {
            super::bench_point(shard, &mut bench, Phase::Restart);
        }
        if let Err(reason) = storage::fetch(shard, txn.ns_index(), txn.digest()).await {
            log!(Warning, "storage", "{{{}}} {reason}", shard.node.namespaces[txn.ns_index()]);
            write_status(out, ResultCode::Unknown, 0, 0);
            return bench;
        }
        // A record UDF runs its function first; if it yielded, the record is read again.
        let udf = super::udf::apply::call(shard, txn).await;
        if udf.as_ref().is_some_and(|c| c.yielded()) {
            if let Err(reason) = storage::fetch(shard, txn.ns_index(), txn.digest()).await {
                log!(Warning, "storage", "{{{}}} {reason}", shard.node.namespaces[txn.ns_index()]);
                write_status(out, ResultCode::Unknown, 0, 0);
                return bench;
            }
        }
        let result = {
            let mut state = shard.state.borrow_mut();
            let result = super::execute(&mut state, txn, udf.as_ref(), crate::ground::clock::now(), out);
            state.namespaces[txn.ns_index()].store_mut(txn.digest().partition_id()).clear_provided();
            result
        };
        match result {
            Ok(durability) => {
                if let Some(d) = durability {
                    storage::wait_durable(shard, d).await;
                }
                super::bench_point(shard, &mut bench, Phase::Local);
                return bench;
            }
            Err(super::udf::apply::Stale) => continue,
        }
    }
    // The record kept changing under a long UDF.
    write_status(out, ResultCode::KeyBusy, 0, 0);
    bench
}

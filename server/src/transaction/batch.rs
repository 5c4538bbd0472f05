//! Batch-index requests (PROTOCOL.md §8): many keys in one request, each row answered with its
//! own result and its index, then a LAST message.
//!
//! Each row becomes the single-record message it stands for (`BatchRow::to_message`) and runs
//! through the same code as a single command. Rows are grouped by the shard that owns their
//! record; every other shard gets its rows in one message and runs them while this shard runs
//! its own, so the shards work in parallel. In a cluster, where rows wait on replicas, on
//! duplicate resolution or on the master they are proxied to, a shard runs up to 32 rows at
//! once, the rows of one record in batch order.

use std::collections::{HashSet, VecDeque};
use std::rc::Rc;
use std::time::Instant;

use scramjet_net::batch::BatchRequest;
use scramjet_net::field::field_type;
use scramjet_net::frame::{patch_size, ProtoType};
use scramjet_net::message::{info2, info3, MessageWriter, MsgHeader};
use scramjet_net::{Digest, Message, ResultCode, PROTO_HEADER_SIZE};

use super::placement::{self, Placement};
use super::Route;
use crate::ground::bench::{Arrival, Origin, Phase};
use crate::ground::node::NodeId;
use crate::shard::Shard;

/// Most rows one batch request may hold (Aerospike's `batch-max-requests` default).
pub const BATCH_MAX_REQUESTS: u32 = 5000;
/// Most bytes of row responses in one proto message of the response stream.
const RESPONSE_CHUNK_BYTES: usize = 128 * 1024;

/// Offset of `transaction_ttl` (the row index in batch responses) in an `as_msg`.
const ROW_INDEX_OFFSET: usize = 14;

/// Runs a batch request (read at `arrived`) and appends the whole response stream to `out`.
///
/// With security on, `access` is what the connection's user may do: a row it may not run is
/// answered with 81 (role violation), as Aerospike checks each row.
pub async fn run(
    shard: &Rc<Shard>,
    msg: &Message<'_>,
    arrived: Instant,
    access: Option<&crate::ground::security::Access>,
    out: &mut Vec<u8>,
) {
    let payload = msg.field(field_type::BATCH_INDEX).or_else(|| msg.field(field_type::BATCH_INDEX_WITH_SET));
    let rows = match payload.map(BatchRequest::parse) {
        Some(Ok(batch)) if batch.n_rows == 0 => return write_last(out, ResultCode::Parameter),
        Some(Ok(batch)) if batch.n_rows > BATCH_MAX_REQUESTS => return write_last(out, ResultCode::BatchMaxRequests),
        Some(Ok(batch)) => match batch.rows() {
            Ok(rows) => rows,
            Err(_) => return write_last(out, ResultCode::Parameter),
        },
        _ => return write_last(out, ResultCode::Parameter),
    };

    // A filter on the whole batch applies to every row that has none of its own.
    let filter = msg.field(field_type::FILTER);
    if filter.is_some_and(|f| super::filter::Filter::predicate(f).is_err()) {
        return write_last(out, ResultCode::Parameter);
    }
    // Group the rows by owning shard; rows that cannot run are answered at once.
    let n_shards = shard.node.n_shards;
    let mut per_shard: Vec<Vec<(u32, Vec<u8>)>> = vec![Vec::new(); n_shards];
    // In a cluster, rows whose record this node must not run go to the master.
    let mut proxied: Vec<Row<(usize, NodeId)>> = Vec::new();
    let mut results = Vec::new();
    for row in &rows {
        let mut body = Vec::with_capacity(64 + row.fields.len() + row.ops.len());
        row.to_message(&mut body, filter);
        let target = match super::prepare(&body, &shard.node.routes, n_shards) {
            Route::Record { txn, .. }
                if access.is_some_and(|a| !a.allows(txn.ns_index(), txn.set(), super::required_perms(&txn))) =>
            {
                Err(ResultCode::RoleViolation)
            }
            Route::Record { txn, .. } if access.is_some_and(|a| !a.within_quota(super::is_write(&txn))) => {
                Err(ResultCode::QuotaExceeded)
            }
            Route::Record { shard: owner, txn } => match placement::placement(shard, &txn) {
                Placement::Here => Ok((owner, None)),
                Placement::Proxy(to) => Ok((owner, Some((*txn.digest(), (txn.ns_index(), to))))),
                Placement::Unavailable => Err(ResultCode::Unavailable),
            },
            Route::Reject(code) => Err(code),
            // A row is a single-record command: a nested batch or a keyless row is malformed.
            Route::Unsupported | Route::Batch(_) | Route::Scan(_) => Err(ResultCode::Parameter),
        };
        match target {
            Ok((_, Some((digest, to)))) => proxied.push((row.index, body, Some(digest), to)),
            Ok((owner, None)) => per_shard[owner].push((row.index, body)),
            Err(code) => write_row_status(&mut results, code, row.index),
        }
    }

    // Hand the other shards their rows first, run ours meanwhile, then collect theirs.
    let mut waiting = Vec::new();
    for (owner, rows) in per_shard.iter_mut().enumerate() {
        if owner == shard.id || rows.is_empty() {
            continue;
        }
        let rows = std::mem::take(rows);
        let indexes: Vec<u32> = rows.iter().map(|(index, _)| *index).collect();
        let work = move |owner: Rc<Shard>| async move {
            let mut results = Vec::new();
            run_rows(&owner, &rows, &mut results, Rows::Batch(arrived)).await;
            results
        };
        match shard.submit(owner, work).await {
            Ok(reply) => waiting.push(reply),
            Err(_) => indexes.iter().for_each(|&i| write_row_status(&mut results, ResultCode::Unknown, i)),
        }
    }
    let local = std::mem::take(&mut per_shard[shard.id]);
    run_rows(shard, &local, &mut results, Rows::Batch(arrived)).await;
    for reply in waiting {
        results.extend_from_slice(&reply.await);
    }
    run_concurrently(shard, proxied, &mut results, |shard, body, (ns, to)| async move {
        let mut response = Vec::with_capacity(256);
        placement::proxy(&shard, ns, to, &body, 0, &mut response).await;
        response
    })
    .await;
    write_stream(out, &results);
    write_last(out, ResultCode::Ok);
}

/// Whose rows [`run_rows`] runs.
#[derive(Debug, Clone, Copy)]
pub enum Rows {
    /// A batch's, read at this instant: they count in the `batch-sub-*` latency and benchmark
    /// histograms.
    Batch(Instant),
    /// A background job's (`Origin::OpsSub` or `Origin::UdfSub`): they count in its benchmark
    /// histograms.
    Job(Origin),
}

/// Runs rows whose records this shard owns and appends their responses (`as_msg`s carrying
/// the row index). Used for this shard's rows and for rows sent by another shard, and for
/// background jobs' rows.
pub async fn run_rows(shard: &Rc<Shard>, rows: &[(u32, Vec<u8>)], results: &mut Vec<u8>, whose: Rows) {
    // Reads seldom wait: they run one after another, without the cost of a task each. In a
    // cluster writes wait on their replicas (and commands on duplicate resolution), so rows
    // run side by side when there are writes among them. (`info2` is the third byte.)
    let all_reads = rows.iter().all(|(_, body)| body.get(2).is_some_and(|info2| info2 & info2::WRITE == 0));
    if all_reads || !shard.state.borrow().map.is_clustered() {
        for (index, body) in rows {
            push_row(results, &run_row(shard, body, whose).await, *index);
        }
        return;
    }
    let rows = rows.iter().map(|(index, body)| (*index, body.clone(), row_digest(shard, body), ())).collect();
    run_concurrently(shard, rows, results, |shard, body, ()| async move { run_row(&shard, &body, whose).await }).await;
}

/// Runs one row, counting its latency if it is a batch's, and its benchmark phases.
async fn run_row(shard: &Rc<Shard>, body: &[u8], rows: Rows) -> Vec<u8> {
    let started = Instant::now();
    let batch = match rows {
        Rows::Batch(arrived) => arrived,
        Rows::Job(origin) => {
            let (response, mut bench) = placement::run_owned(shard, body, Some(Arrival { at: started, origin })).await;
            super::bench_point(shard, &mut bench, Phase::Response);
            return response;
        }
    };
    let arrival = Arrival { at: started, origin: Origin::Batch };
    let (response, mut bench) = placement::run_owned(shard, body, Some(arrival)).await;
    if let Route::Record { txn, .. } = super::prepare(body, &shard.node.routes, shard.node.n_shards) {
        use crate::ground::stats::LatencyKind;
        let kind = match super::latency_kind(&txn) {
            LatencyKind::Read => LatencyKind::BatchSubRead,
            LatencyKind::Udf => LatencyKind::BatchSubUdf,
            _ => LatencyKind::BatchSubWrite,
        };
        let ns = txn.ns_index();
        let mut state = shard.state.borrow_mut();
        let state = &mut *state;
        let stats = &mut state.txn_stats[ns];
        stats.latency[kind as usize].record(started.elapsed());
        if let Some(bench) = &mut bench {
            crate::ground::bench::prestart(&state.benchmarks[ns], batch, started, &mut stats.bench);
            bench.point(Phase::Response, &mut stats.bench);
        }
    }
    response
}

/// Rows of one batch in flight at once on a shard, when they wait on other nodes (about the
/// fabric connections a shard keeps per peer).
const ROWS_IN_FLIGHT: usize = 32;

/// A batch row to run: its index, its message, its record's digest (`None` if the message
/// names none: it fails on its own) and what else running it needs.
type Row<T> = (u32, Vec<u8>, Option<Digest>, T);

/// The digest of the record a row's message names.
fn row_digest(shard: &Shard, body: &[u8]) -> Option<Digest> {
    match super::prepare(body, &shard.node.routes, shard.node.n_shards) {
        Route::Record { txn, .. } => Some(*txn.digest()),
        _ => None,
    }
}

/// Runs `run` for every row, up to [`ROWS_IN_FLIGHT`] at once, and appends the answers. Rows
/// of one record run one after another, in batch order: each wave takes at most one row per
/// record.
async fn run_concurrently<T, F, Fut>(shard: &Rc<Shard>, rows: Vec<Row<T>>, results: &mut Vec<u8>, run: F)
where
    F: Fn(Rc<Shard>, Vec<u8>, T) -> Fut,
    Fut: std::future::Future<Output = Vec<u8>> + 'static,
{
    let mut pending: VecDeque<Row<T>> = rows.into();
    while !pending.is_empty() {
        let mut seen = HashSet::new();
        let mut wave = Vec::new();
        let mut later = VecDeque::new();
        for row in pending.drain(..) {
            let first = row.2.is_none_or(|digest| seen.insert(digest));
            if first && wave.len() < ROWS_IN_FLIGHT {
                wave.push(row);
            } else {
                later.push_back(row);
            }
        }
        let tasks: Vec<_> = wave
            .into_iter()
            .map(|(index, body, _, extra)| (index, glommio::spawn_local(run(shard.clone(), body, extra))))
            .collect();
        for (index, task) in tasks {
            push_row(results, &task.await, index);
        }
        pending = later;
    }
}

/// Appends a single-record response as a row answer: without its proto header, with the row's
/// index.
fn push_row(results: &mut Vec<u8>, response: &[u8], index: u32) {
    let start = results.len();
    results.extend_from_slice(&response[PROTO_HEADER_SIZE..]);
    results[start + ROW_INDEX_OFFSET..start + ROW_INDEX_OFFSET + 4].copy_from_slice(&index.to_be_bytes());
}

/// Appends a row answer with no bins.
fn write_row_status(results: &mut Vec<u8>, code: ResultCode, index: u32) {
    let header = MsgHeader { result_code: code.as_u8(), transaction_ttl: index, ..Default::default() };
    let start = results.len();
    MessageWriter::begin(results, &header).finish();
    results.drain(start..start + PROTO_HEADER_SIZE);
}

/// Appends the row answers as proto messages of at most about 128 KiB each.
fn write_stream(out: &mut Vec<u8>, results: &[u8]) {
    let mut rest = results;
    while !rest.is_empty() {
        // Cut at an as_msg boundary: walk whole messages until the chunk is full.
        let mut cut = 0;
        while cut < rest.len() && (cut == 0 || cut < RESPONSE_CHUNK_BYTES) {
            cut += as_msg_len(&rest[cut..]);
        }
        let start = out.len();
        out.extend_from_slice(&[0; PROTO_HEADER_SIZE]);
        out.extend_from_slice(&rest[..cut]);
        patch_size(out, start, ProtoType::Message);
        rest = &rest[cut..];
    }
}

/// Length of the `as_msg` at the start of `bytes` (produced by this server, so well formed).
fn as_msg_len(bytes: &[u8]) -> usize {
    let (_, rest) = Message::split(bytes).expect("row responses are well formed");
    bytes.len() - rest.len()
}

/// Appends the LAST message that ends a batch response, with the batch's overall result.
pub fn write_last(out: &mut Vec<u8>, code: ResultCode) {
    let header = MsgHeader { info3: info3::LAST, result_code: code.as_u8(), ..Default::default() };
    MessageWriter::begin(out, &header).finish();
}

//! Batch-index requests (PROTOCOL.md §8): many keys in one request, each row answered with its
//! own result and its index, then a LAST message.
//!
//! Each row becomes the single-record message it stands for (`BatchRow::to_message`) and runs
//! through the same code as a single command. Rows are grouped by the shard that owns their
//! record; every other shard gets its rows in one message and runs them while this shard runs
//! its own, so the shards work in parallel.

use std::rc::Rc;

use scramjet_net::batch::BatchRequest;
use scramjet_net::field::field_type;
use scramjet_net::frame::{patch_size, ProtoType};
use scramjet_net::message::{info3, MessageWriter, MsgHeader};
use scramjet_net::{Message, ResultCode, PROTO_HEADER_SIZE};

use super::Route;
use crate::shard::mesh::{ShardReply, ShardRequest};
use crate::shard::Shard;

/// Most rows one batch request may hold (Aerospike's `batch-max-requests` default).
pub const BATCH_MAX_REQUESTS: u32 = 5000;
/// Most bytes of row responses in one proto message of the response stream.
const RESPONSE_CHUNK_BYTES: usize = 128 * 1024;

/// Offset of `transaction_ttl` (the row index in batch responses) in an `as_msg`.
const ROW_INDEX_OFFSET: usize = 14;

/// Runs a batch request and appends the whole response stream to `out`.
pub async fn run(shard: &Rc<Shard>, msg: &Message<'_>, out: &mut Vec<u8>) {
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
    if filter.is_some_and(|f| scramjet_net::expression::parse(f).is_err()) {
        return write_last(out, ResultCode::Parameter);
    }
    // Group the rows by owning shard; rows that cannot run are answered at once.
    let n_shards = shard.node.n_shards;
    let mut per_shard: Vec<Vec<(u32, Vec<u8>)>> = vec![Vec::new(); n_shards];
    // In a cluster, rows whose record this node must not run go to the master, one by one.
    let mut proxied: Vec<(u32, Vec<u8>, crate::cluster::balance::NodeId)> = Vec::new();
    let mut results = Vec::new();
    for row in &rows {
        let mut body = Vec::with_capacity(64 + row.fields.len() + row.ops.len());
        row.to_message(&mut body, filter);
        let target = match super::prepare(&body, &shard.node.routes, n_shards) {
            Route::Record { shard: owner, txn } => match crate::service::placement(shard, &txn) {
                crate::service::Placement::Here => Ok((owner, None)),
                crate::service::Placement::Proxy(to) => Ok((owner, Some(to))),
                crate::service::Placement::Unavailable => Err(ResultCode::Unavailable),
            },
            Route::Reject(code) => Err(code),
            // A row is a single-record command: a nested batch or a keyless row is malformed.
            Route::Unsupported | Route::Batch(_) | Route::Scan(_) => Err(ResultCode::Parameter),
        };
        match target {
            Ok((_, Some(to))) => proxied.push((row.index, body, to)),
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
        match shard.send(owner, ShardRequest::Batch(rows)).await {
            Ok(reply) => waiting.push((reply, indexes)),
            Err(_) => indexes.iter().for_each(|&i| write_row_status(&mut results, ResultCode::Unknown, i)),
        }
    }
    let local = std::mem::take(&mut per_shard[shard.id]);
    run_rows(shard, &local, &mut results).await;
    for (reply, indexes) in waiting {
        match reply.await {
            ShardReply::Batch(bytes) => results.extend_from_slice(&bytes),
            _ => indexes.iter().for_each(|&i| write_row_status(&mut results, ResultCode::Unknown, i)),
        }
    }
    for (index, body, to) in proxied {
        let mut response = Vec::with_capacity(256);
        crate::service::proxy(shard, to, &body, 0, &mut response).await;
        push_row(&mut results, &response, index);
    }
    write_stream(out, &results);
    write_last(out, ResultCode::Ok);
}

/// Runs rows whose records this shard owns and appends their responses (`as_msg`s carrying
/// the row index). Used for this shard's rows and for rows sent by another shard.
pub async fn run_rows(shard: &Rc<Shard>, rows: &[(u32, Vec<u8>)], results: &mut Vec<u8>) {
    for (index, body) in rows {
        let mut response = Vec::with_capacity(256);
        if shard.state.borrow().map.is_clustered() {
            // Duplicate resolution and replica writes, as for a single command.
            crate::cluster::replica::run_owned(shard, body, &mut response).await;
            push_row(results, &response, *index);
            continue;
        }
        let txn = {
            let state = shard.state.borrow();
            match super::prepare(body, &state.routes, state.n_shards) {
                Route::Record { txn, .. } => Some((txn.ns_index(), *txn.digest())),
                _ => None,
            }
        };
        let Some((ns_index, digest)) = txn else {
            write_row_status(results, ResultCode::Parameter, *index);
            continue;
        };
        if crate::storage::fetch(shard, ns_index, &digest).await.is_err() {
            write_row_status(results, ResultCode::Unknown, *index);
            continue;
        }
        let durability = {
            let mut state = shard.state.borrow_mut();
            let durability = super::execute_forwarded(&mut state, body, crate::clock::now(), &mut response);
            state.namespaces[ns_index].store_mut(digest.partition_id()).clear_provided();
            durability
        };
        if let Some(d) = durability {
            crate::storage::wait_durable(shard, d).await;
        }
        push_row(results, &response, *index);
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

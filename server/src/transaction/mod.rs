//! Single-record transactions: decode, route to the owning shard, run, answer.
//!
//! [`prepare`] runs on the shard that accepted the connection and says which shard owns the
//! record; [`execute`] runs on the owner, over its own namespace stores. Both are synchronous:
//! an in-memory transaction never waits, so no borrow of shard state crosses an `await`.

pub mod delete;
pub mod error;
pub mod read;
pub mod write;

pub use error::TxnError;

use scramjet_engine::Now;
use scramjet_net::message::{info1, info2, info3, MessageWriter, MsgHeader};
use scramjet_net::response::write_status;
use scramjet_net::{Digest, Message, ResultCode};

use crate::shard::routing::shard_of_partition;
use crate::shard::ShardState;
use crate::stats::TxnKind;

/// Where a message goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Route {
    /// A single-record command for the record's owning shard.
    Record {
        /// The owning shard.
        shard: usize,
    },
    /// Answer at once with this result (the message cannot be run).
    Reject(ResultCode),
    /// A multi-record command this server does not run yet; answer with a LAST message.
    Unsupported,
}

/// Looks at a message just enough to route it.
pub fn prepare(body: &[u8], namespaces: &[String], n_shards: usize) -> Route {
    let msg = match Message::parse(body) {
        Ok(msg) => msg,
        Err(_) => return Route::Reject(ResultCode::Parameter),
    };
    if msg.header.info1 & info1::BATCH != 0 {
        return Route::Unsupported;
    }
    let key = msg.key_fields();
    let digest = match key.digest() {
        Ok(Some(digest)) => digest,
        Ok(None) => return Route::Unsupported,
        Err(_) => return Route::Reject(ResultCode::Parameter),
    };
    match key.namespace {
        Some(name) if namespaces.iter().any(|n| n.as_bytes() == name) => {}
        _ => return Route::Reject(ResultCode::Namespace),
    }
    Route::Record {
        shard: shard_of_partition(digest.partition_id(), n_shards),
    }
}

/// Appends the answer to a scan, query or batch request, which this server does not run yet:
/// a LAST message with result 16, so clients end the command cleanly.
pub fn write_unsupported(out: &mut Vec<u8>) {
    let header = MsgHeader {
        info3: info3::LAST,
        result_code: ResultCode::UnsupportedFeature.as_u8(),
        ..Default::default()
    };
    MessageWriter::begin(out, &header).finish();
}

/// Runs a routed single-record message on its owning shard and appends the response.
pub fn execute(state: &mut ShardState, body: &[u8], now: Now, out: &mut Vec<u8>) {
    let start = out.len();
    let (kind, ns_index, result) = run(state, body, now, out);
    let code = match result {
        Ok(()) => ResultCode::Ok,
        Err(e) => {
            out.truncate(start);
            write_status(out, e.result_code(), 0, 0);
            e.result_code()
        }
    };
    if let Some(ns_index) = ns_index {
        state.txn_stats[ns_index].count(kind, code);
    }
}

fn run(
    state: &mut ShardState,
    body: &[u8],
    now: Now,
    out: &mut Vec<u8>,
) -> (TxnKind, Option<usize>, Result<(), TxnError>) {
    let msg = match Message::parse(body) {
        Ok(msg) => msg,
        Err(e) => return (TxnKind::Read, None, Err(e.into())),
    };
    let header = msg.header;
    let kind = if header.info2 & info2::WRITE == 0 {
        TxnKind::Read
    } else if header.info2 & info2::DELETE != 0 {
        TxnKind::Delete
    } else {
        TxnKind::Write
    };
    let key = msg.key_fields();
    let ns_index = key.namespace.and_then(|name| {
        state
            .namespaces
            .iter()
            .position(|n| n.config().name.as_bytes() == name)
    });
    let Some(ns_index) = ns_index else {
        return (kind, None, Err(TxnError::Namespace));
    };
    let digest: Digest = match key.digest() {
        Ok(Some(d)) => d,
        Ok(None) => return (kind, Some(ns_index), Err(TxnError::Parameter("no digest"))),
        Err(e) => return (kind, Some(ns_index), Err(e.into())),
    };
    let ns = &mut state.namespaces[ns_index];
    let result = match kind {
        TxnKind::Delete => delete::run(ns, &msg, &digest, now, out),
        TxnKind::Write => write::run(ns, &msg, &key, &digest, now, out).map(|_| ()),
        TxnKind::Read if header.info1 & info1::READ != 0 => read::run(ns, &msg, &digest, now, out),
        TxnKind::Read => Err(TxnError::Parameter("neither read nor write")),
    };
    (kind, Some(ns_index), result)
}

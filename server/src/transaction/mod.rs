//! Layer 4, transactions: everything a client's message asks of records. Single-record
//! commands ([`read`], [`write`], [`delete`], with [`filter`] expressions), where they run
//! ([`placement`]: this shard, another shard, or the master node), in a cluster with duplicate
//! resolution and replica writes ([`replica`]); batches ([`batch`]); scans and background jobs
//! ([`scan`]).
//!
//! [`prepare`] runs on the shard that accepted the connection: it parses the message once and
//! says which shard owns the record; [`execute`] runs on the owner, over its own namespace
//! stores (a forwarded message is parsed again there, from the bytes that crossed). Both are
//! synchronous: an in-memory transaction never waits, so no borrow of shard state crosses an
//! `await`.

pub mod batch;
pub mod delete;
pub mod error;
pub mod exp_op;
pub mod filter;
pub mod path;
pub mod placement;
pub mod query;
pub mod read;
pub mod regex;
pub mod replica;
pub mod scan;
pub mod sindex;
pub mod udf;
pub mod write;

pub use error::TxnError;

use scramjet_engine::Now;
use scramjet_net::message::KeyFields;
use scramjet_net::message::{info1, info2, info3, MessageWriter, MsgHeader};
use scramjet_net::response::write_status;
use scramjet_net::{Digest, Message, ResultCode};

use crate::ground::bench::{Arrival, Bench, Phase};
use crate::ground::routing::NamespaceRoute;
use crate::ground::stats::TxnKind;
use crate::shard::{Shard, ShardState};
use crate::storage::Durability;

/// Appends a bin's value to a response as a read op. A list or map goes out as Aerospike sends
/// it, without the index flag only the server keeps (see
/// `scramjet_engine::cdt::msgpack::strip_index_flag`).
pub(crate) fn put_bin(w: &mut MessageWriter<'_>, particle: u8, name: &[u8], value: &[u8]) {
    use scramjet_net::op::OpType;
    use scramjet_net::ParticleType;
    let stripped = if particle == ParticleType::Map as u8 || particle == ParticleType::List as u8 {
        scramjet_engine::cdt::msgpack::strip_index_flag(value)
    } else {
        None
    };
    w.op(OpType::Read as u8, particle, name, stripped.as_deref().unwrap_or(value));
}

/// A single-record message, parsed and checked enough to run.
#[derive(Debug, Clone, Copy)]
pub struct Txn<'a> {
    msg: Message<'a>,
    key: KeyFields<'a>,
    ns_index: usize,
    digest: Digest,
}

/// Where a message goes.
#[derive(Debug, Clone, Copy)]
pub enum Route<'a> {
    /// A single-record command for the record's owning shard.
    Record {
        /// The owning shard.
        shard: usize,
        /// The parsed command.
        txn: Txn<'a>,
    },
    /// A batch-index request (many keys; see [`batch`]).
    Batch(Message<'a>),
    /// A scan (a message without a digest; see [`scan`]).
    Scan(Message<'a>),
    /// Answer at once with this result (the message cannot be run).
    Reject(ResultCode),
    /// A scan or query with an unknown UDF_OP; answer with a LAST message.
    Unsupported,
}

/// Parses a message and finds the shard that owns its record.
pub fn prepare<'a>(body: &'a [u8], routes: &[NamespaceRoute], n_shards: usize) -> Route<'a> {
    let msg = match Message::parse(body) {
        Ok(msg) => msg,
        Err(_) => return Route::Reject(ResultCode::Parameter),
    };
    if msg.header.info1 & info1::BATCH != 0 {
        return Route::Batch(msg);
    }
    let key = msg.key_fields();
    let digest = match key.digest() {
        Ok(Some(digest)) => digest,
        // No digest: a scan, or a query (a scan with a where clause), maybe with a UDF (an
        // aggregation, or a background UDF); no other use of UDF_OP exists.
        Ok(None)
            if msg
                .field(scramjet_net::field::field_type::UDF_OP)
                .is_some_and(|op| op != [scan::UDF_OP_AGGREGATE] && op != [scan::UDF_OP_BACKGROUND]) =>
        {
            return Route::Unsupported
        }
        Ok(None) => return Route::Scan(msg),
        Err(_) => return Route::Reject(ResultCode::Parameter),
    };
    let ns_index = key.namespace.and_then(|name| routes.iter().position(|r| r.name.as_bytes() == name));
    let Some(ns_index) = ns_index else {
        return Route::Reject(ResultCode::Namespace);
    };
    let shard = routes[ns_index].executor_of(digest.partition_id(), n_shards);
    Route::Record { shard, txn: Txn { msg, key, ns_index, digest } }
}

/// The latency histogram a single-record command counts in: a record UDF, a write (or
/// delete), or a read.
pub fn latency_kind(txn: &Txn<'_>) -> crate::ground::stats::LatencyKind {
    use crate::ground::stats::LatencyKind;
    if udf::apply::has_udf_fields(&txn.msg) {
        LatencyKind::Udf
    } else if txn.msg.header.info2 & info2::WRITE != 0 {
        LatencyKind::Write
    } else {
        LatencyKind::Read
    }
}

/// Starts a command's benchmark clock (`ground/bench.rs`) on the shard that runs it, if the
/// histograms of its kind are on; `arrival` is `None` for commands that count in none
/// (proxied in, background jobs' rows).
pub fn bench_begin(shard: &Shard, txn: &Txn<'_>, arrival: Option<Arrival>) -> Option<Bench> {
    let arrival = arrival?;
    let ns = txn.ns_index();
    let mut state = shard.state.borrow_mut();
    let state = &mut *state;
    if !state.benchmarks[ns].any_transaction() {
        return None;
    }
    Bench::begin(&state.benchmarks[ns], ns, arrival, latency_kind(txn), &mut state.txn_stats[ns].bench)
}

/// Ends a phase of a command's benchmark clock, if it has one.
pub fn bench_point(shard: &Shard, bench: &mut Option<Bench>, phase: Phase) {
    if let Some(bench) = bench {
        bench.point(phase, &mut shard.state.borrow_mut().txn_stats[bench.ns].bench);
    }
}

impl Txn<'_> {
    /// Index of the namespace.
    pub fn ns_index(&self) -> usize {
        self.ns_index
    }

    /// The record's digest.
    pub fn digest(&self) -> &Digest {
        &self.digest
    }

    /// The message header (info bits).
    pub fn header(&self) -> MsgHeader {
        self.msg.header
    }

    /// The record's set name (empty for none).
    pub fn set(&self) -> &[u8] {
        self.key.set.unwrap_or_default()
    }
}

/// Whether a single-record command counts against a write quota (anything that may change the
/// record), not a read quota.
pub fn is_write(txn: &Txn<'_>) -> bool {
    txn.msg.header.info2 & info2::WRITE != 0 || udf::apply::has_udf_fields(&txn.msg)
}

/// The permissions a single-record command needs (`ground/security.rs`; Aerospike's
/// `thr_tsvc.c`: a write needs write, and read too if it also reads; a delete and a record UDF
/// need their own).
pub fn required_perms(txn: &Txn<'_>) -> u64 {
    use crate::ground::security::perm;
    let header = txn.msg.header;
    if udf::apply::has_udf_fields(&txn.msg) {
        perm::UDF_APPLY
    } else if header.info2 & info2::WRITE != 0 {
        let base = if header.info2 & info2::DELETE != 0 { perm::DELETE } else { perm::WRITE };
        base | if header.info1 & scramjet_net::message::info1::READ != 0 { perm::READ } else { 0 }
    } else {
        perm::READ
    }
}

/// Appends the answer to a scan or query with an unknown UDF_OP: a LAST message with result
/// 16, so clients end the command cleanly.
pub fn write_unsupported(out: &mut Vec<u8>) {
    let header =
        MsgHeader { info3: info3::LAST, result_code: ResultCode::UnsupportedFeature.as_u8(), ..Default::default() };
    MessageWriter::begin(out, &header).finish();
}

/// Runs a single-record command on its owning shard and appends the response. Returns what
/// must be durable before the response is sent, for commit-to-device namespaces. A record UDF
/// comes with what its function did (`udf`, from [`udf::apply::call`]); [`udf::apply::Stale`]
/// if the record changed while it ran, and it must run again.
pub fn execute(
    state: &mut ShardState,
    txn: &Txn<'_>,
    udf: Option<&udf::apply::Called>,
    now: Now,
    out: &mut Vec<u8>,
) -> Result<Option<Durability>, udf::apply::Stale> {
    if let Some(called) = udf {
        let pid = txn.digest.partition_id();
        let local = state.namespaces[txn.ns_index].local_of(pid);
        let ns = state.namespaces[txn.ns_index].store_mut(pid);
        let done = udf::apply::commit(ns, txn, called, now, out)?;
        let stats = &mut state.txn_stats[txn.ns_index];
        stats.count(TxnKind::Udf, done.code);
        if let Some(lang) = done.lang {
            stats.count_lang(lang);
        }
        let seq = done.seq.filter(|_| state.namespaces[txn.ns_index].commit_to_device);
        return Ok(seq.map(|seq| Durability { ns_index: txn.ns_index, local, seq }));
    }
    Ok(execute_plain(state, txn, now, out))
}

/// [`execute`] for every command but a record UDF.
fn execute_plain(state: &mut ShardState, txn: &Txn<'_>, now: Now, out: &mut Vec<u8>) -> Option<Durability> {
    let header = txn.msg.header;
    let kind = if header.info2 & info2::WRITE == 0 {
        TxnKind::Read
    } else if header.info2 & info2::DELETE != 0 {
        TxnKind::Delete
    } else {
        TxnKind::Write
    };
    let start = out.len();
    let pid = txn.digest.partition_id();
    // Only the master touches on a read (a replica's copy changes only through the master).
    let may_touch = !state.map.is_clustered() || state.map.my_role(txn.ns_index, pid) == Some(0);
    let local = state.namespaces[txn.ns_index].local_of(pid);
    let ns = state.namespaces[txn.ns_index].store_mut(pid);
    let filter = match txn.msg.field(scramjet_net::field::field_type::FILTER).map(filter::Filter::predicate) {
        None => Ok(None),
        Some(Ok(exp)) => Ok(Some(exp)),
        Some(Err(_)) => Err(TxnError::Parameter("filter expression not understood")),
    };
    let result = filter.and_then(|filter| {
        let filter = filter.as_ref();
        match kind {
            TxnKind::Delete => delete::run(ns, &txn.msg, &txn.digest, now, out, filter).map(Some),
            TxnKind::Write => {
                write::run(ns, &txn.msg, &txn.key, &txn.digest, now, out, filter).map(|(_, seq)| Some(seq))
            }
            TxnKind::Read if header.info1 & info1::READ != 0 => {
                read::run(ns, &txn.msg, &txn.digest, now, out, filter)?;
                if !may_touch {
                    return Ok(None);
                }
                read::touch_if_due(ns, &header, &txn.digest, now)
            }
            TxnKind::Read => Err(TxnError::Parameter("neither read nor write")),
            // Record UDFs come with what their function did (see `execute`).
            TxnKind::Udf => Err(TxnError::Parameter("UDF without its call")),
        }
    });
    let (code, seq) = match result {
        Ok(seq) => (ResultCode::Ok, seq),
        Err(e) => {
            out.truncate(start);
            write_status(out, e.result_code(), 0, 0);
            (e.result_code(), None)
        }
    };
    state.txn_stats[txn.ns_index].count(kind, code);
    let seq = seq.filter(|_| state.namespaces[txn.ns_index].commit_to_device)?;
    Some(Durability { ns_index: txn.ns_index, local, seq })
}

//! Partition scans (primary-index queries, PROTOCOL.md §9): every live record of the asked
//! partitions (optionally of one set), each answered as an `as_msg` with namespace, digest, set
//! and key fields and the selected bins, then a LAST message.
//!
//! Within a partition records come in descending digest order, and a resume digest returns only
//! records after it in that order, so a resumed scan misses and repeats nothing. The scan runs on
//! the shards that own the partitions, a bounded chunk of records at a time, and the accepting
//! shard streams each chunk to the client as it arrives: memory stays bounded whatever the scan's
//! size, and the owning shards serve other requests between chunks.

use std::rc::Rc;

use futures_lite::{AsyncWrite, AsyncWriteExt};
use scramjet_net::field::field_type;
use scramjet_net::message::{info1, info2, MessageWriter, MsgHeader};
use scramjet_net::op::OpType;
use scramjet_net::{Digest, Message, ResultCode, N_PARTITIONS, PROTO_HEADER_SIZE};

use crate::ground::bench::Origin;
use crate::ground::stats::{JobInfo, JobKind, JobStatus};

use crate::shard::mesh::PeerGone;
use crate::shard::Shard;

/// Records one shard sends per chunk.
const CHUNK_RECORDS: usize = 1000;
/// How long a background job works before it lets the shard's other traffic in.
const YIELD_AFTER: std::time::Duration = std::time::Duration::from_micros(500);
/// Bytes of responses gathered before they are written to the client.
const WRITE_THRESHOLD: usize = 128 * 1024;
/// Finished background jobs a shard remembers (for `query-show`).
pub const FINISHED_JOBS_KEPT: usize = 100;

/// Holds a scan or background job to a records-per-second limit: chunks of at most that many
/// records, each started only when the records done so far are due, so the rate holds on
/// average.
struct Pacer {
    records_per_sec: u32,
    started: std::time::Instant,
    done: u64,
}

impl Pacer {
    fn new(records_per_sec: u32) -> Self {
        Pacer { records_per_sec, started: std::time::Instant::now(), done: 0 }
    }

    /// Records per chunk.
    fn chunk_records(&self) -> usize {
        match self.records_per_sec {
            0 => CHUNK_RECORDS,
            rps => CHUNK_RECORDS.min(rps as usize),
        }
    }

    /// Waits until the next chunk may start.
    async fn wait(&self) {
        if self.records_per_sec == 0 {
            return;
        }
        let due = std::time::Duration::from_secs_f64(self.done as f64 / f64::from(self.records_per_sec));
        if let Some(wait) = due.checked_sub(self.started.elapsed()) {
            glommio::timer::Timer::new(wait).await;
        }
    }

    /// Counts records a chunk went through.
    fn record(&mut self, n: usize) {
        self.done += n as u64;
    }
}

/// Where a partition's scan resumes: after this digest (and, in a query, this index key).
pub type Resume = Option<(Digest, i64)>;

/// A scan's work on one shard: which partitions (with resume points) and what to return.
#[derive(Debug, Clone)]
pub struct ScanChunk {
    /// Namespace index.
    pub ns_index: usize,
    /// Only this set, or every set.
    pub set: Option<Vec<u8>>,
    /// Partitions still to scan, each with where to resume.
    pub parts: Vec<(u16, Resume)>,
    /// Bins to return (`None`: all).
    pub bins: Option<Vec<Vec<u8>>>,
    /// Metadata only.
    pub no_bins: bool,
    /// Most records to return in this chunk.
    pub limit: usize,
    /// Filter expression (packed), if any: records that do not pass are skipped.
    pub filter: Option<Vec<u8>>,
    /// A secondary index query: its records instead of every record.
    pub query: Option<super::query::Query>,
    /// A stream UDF the records go through (an aggregation): its output values are answered
    /// instead of the records.
    pub aggregate: Option<Aggregate>,
}

/// The stream UDF of an aggregation (UDF_OP 1).
#[derive(Debug, Clone)]
pub struct Aggregate {
    /// The module's file name (`name.lua`).
    pub file: String,
    /// The stream function.
    pub function: String,
    /// Its arguments (msgpack array).
    pub arglist: Vec<u8>,
}

/// What a chunk produced: the records and the partitions still to scan.
#[derive(Debug)]
pub struct ScanResult {
    /// Record `as_msg`s, concatenated.
    pub records: Vec<u8>,
    /// How many records.
    pub count: usize,
    /// Partitions not finished, with where to resume.
    pub remaining: Vec<(u16, Resume)>,
    /// Partitions that cannot be scanned here now (a member still migrating them in did not
    /// answer): the client asks again.
    pub unavailable: Vec<u16>,
    /// Why the chunk stopped, if it failed (a query's index went meanwhile, an aggregation's
    /// Lua failed).
    pub error: Option<ResultCode>,
    /// An aggregation's Lua error message.
    pub failure: Option<String>,
}

/// Why a scan request is refused (answered by a LAST message with this code).
fn request(shard: &Shard, msg: &Message<'_>) -> Result<(ScanChunk, u64, u32), ResultCode> {
    let key = msg.key_fields();
    let ns_index = key
        .namespace
        .and_then(|name| shard.node.namespaces.iter().position(|n| n.as_bytes() == name))
        .ok_or(ResultCode::Namespace)?;
    let set = key.set.filter(|s| !s.is_empty()).map(<[u8]>::to_vec);
    let mut parts: Vec<(u16, Resume)> = Vec::new();
    if let Some(pids) = msg.field(field_type::PID_ARRAY) {
        if pids.len() % 2 != 0 {
            return Err(ResultCode::Parameter);
        }
        parts.extend(pids.chunks(2).map(|p| (u16::from_le_bytes([p[0], p[1]]), None)));
    }
    if let Some(digests) = msg.field(field_type::DIGEST_ARRAY) {
        if digests.len() % 20 != 0 {
            return Err(ResultCode::Parameter);
        }
        // A query resumes after (key, digest): one 8-byte little-endian key per digest.
        let bvals = msg.field(field_type::BVAL_ARRAY);
        let is_query = msg.field(field_type::INDEX_RANGE).is_some();
        if is_query && bvals.is_none_or(|b| b.len() != digests.len() / 20 * 8) {
            return Err(ResultCode::Parameter);
        }
        for (i, d) in digests.chunks(20).enumerate() {
            let digest = Digest::from_slice(d).ok_or(ResultCode::Parameter)?;
            let bval = match bvals {
                Some(b) if is_query => i64::from_le_bytes(b[i * 8..i * 8 + 8].try_into().expect("8 bytes")),
                _ => 0,
            };
            parts.push((digest.partition_id(), Some((digest, bval))));
        }
    } else if msg.field(field_type::BVAL_ARRAY).is_some() {
        return Err(ResultCode::Parameter);
    }
    if parts.is_empty() {
        if msg.field(field_type::PID_ARRAY).is_some() || msg.field(field_type::DIGEST_ARRAY).is_some() {
            return Err(ResultCode::Parameter);
        }
        parts = (0..N_PARTITIONS as u16).map(|p| (p, None)).collect();
    }
    let mut seen = vec![false; N_PARTITIONS];
    for (pid, _) in &parts {
        let slot = seen.get_mut(usize::from(*pid)).ok_or(ResultCode::Parameter)?;
        if std::mem::replace(slot, true) {
            return Err(ResultCode::Parameter); // a partition asked twice
        }
    }
    let max_records = match msg.field(field_type::MAX_RECORDS) {
        Some(bytes) => u64::from_be_bytes(bytes.try_into().map_err(|_| ResultCode::Parameter)?),
        None => 0,
    };
    let names: Vec<Vec<u8>> =
        msg.ops().filter(|op| op.op_type == OpType::Read as u8).map(|op| op.name.to_vec()).collect();
    let bins = (!names.is_empty()).then_some(names);
    let no_bins = msg.header.info1 & info1::GET_NO_BINS != 0;
    let filter = msg.field(field_type::FILTER).map(<[u8]>::to_vec);
    if filter.as_deref().is_some_and(|f| super::filter::Filter::predicate(f).is_err()) {
        return Err(ResultCode::Parameter);
    }
    let records_per_sec = match msg.field(field_type::RPS) {
        Some(bytes) => u32::from_be_bytes(bytes.try_into().map_err(|_| ResultCode::Parameter)?),
        None => 0,
    };
    let aggregate = match msg.field(field_type::UDF_OP) {
        Some([UDF_OP_AGGREGATE]) => match super::udf::apply::call_of(msg) {
            Some(Ok(call)) => Some(Aggregate {
                file: call.file(),
                function: String::from_utf8_lossy(call.function).into_owned(),
                arglist: call.arglist.to_vec(),
            }),
            _ => return Err(ResultCode::Parameter),
        },
        _ => None,
    };
    let chunk = ScanChunk { ns_index, set, parts, bins, no_bins, limit: 0, filter, query: None, aggregate };
    Ok((chunk, max_records, records_per_sec))
}

/// A background scan's work on one shard: apply a write (header and ops) to every record of
/// the chunk's partitions.
#[derive(Debug, Clone)]
pub struct BackgroundJob {
    /// What to scan (bins and limit unused).
    pub chunk: ScanChunk,
    /// Header of the write each record gets.
    pub header: MsgHeader,
    /// The write's ops, encoded.
    pub ops: Vec<u8>,
    /// Number of ops.
    pub n_ops: u16,
    /// A background UDF's fields instead (module, function, arguments and UDF_OP 2, encoded,
    /// and how many): each record gets that record UDF, which never creates a record.
    pub udf: Option<(Vec<u8>, u16)>,
    /// This shard's share of the job's records-per-second limit (0: none).
    pub records_per_sec: u32,
    /// The job's task id.
    pub trid: u64,
    /// This part's number (see `JobInfo::part`).
    pub part: usize,
}

/// Runs a scan, writing the records to the client as they come, then the LAST message.
pub async fn run(
    shard: &Rc<Shard>,
    msg: &Message<'_>,
    stream: &mut (impl AsyncWrite + Unpin),
    out: &mut Vec<u8>,
) -> std::io::Result<()> {
    let (mut template, max_records, records_per_sec) = match request(shard, msg) {
        Ok(parsed) => parsed,
        Err(code) => {
            super::batch::write_last(out, code);
            return Ok(());
        }
    };
    if msg.field(field_type::INDEX_RANGE).is_some() {
        // A query's start-up errors are one plain message with the code (Aerospike's
        // `as_multi_rec_transaction_error`); the client retries 201 and 203 elsewhere.
        // Aggregations are answered with values, not records: they need no partition tracking.
        let foreground = msg.header.info2 & info2::WRITE == 0 && template.aggregate.is_none();
        let parsed = if foreground && msg.header.info3 & scramjet_net::message::info3::PARTITION_DONE == 0 {
            Err(ResultCode::UnsupportedFeature)
        } else {
            super::query::parse(shard, msg, template.ns_index, template.set.as_deref()).await
        };
        match parsed {
            Ok(query) => template.query = Some(query),
            Err(code) => {
                let header = MsgHeader { result_code: code.as_u8(), ..Default::default() };
                MessageWriter::begin(out, &header).finish();
                return Ok(());
            }
        }
    }
    // In a cluster only the master answers for a partition: the others are marked unavailable,
    // and the client asks again where its next map says.
    let unavailable = keep_mastered(shard, &mut template);
    // A scan with write ops is a background job: its ops (or its UDF) are applied to every
    // record.
    if msg.header.info2 & info2::WRITE != 0 || background_udf(msg).is_some() {
        return background(shard, msg, template, records_per_sec, out).await;
    }
    // An aggregation has no partition tracking (clients send it to every node, each answering
    // for the partitions it masters, as Aerospike's node-wide queries do): nothing to retry.
    if template.aggregate.is_none() {
        for pid in unavailable {
            write_unavailable(out, pid);
        }
    }
    let trid = task_id(msg);
    let (ns_index, sindex) = (template.ns_index, template.query.is_some());
    let kind = if template.aggregate.is_some() { JobKind::Aggregation } else { JobKind::Basic };
    job_start(shard, new_job(shard, &template, trid, 0, kind, records_per_sec, template.parts.len()));
    let status = if template.aggregate.is_some() {
        Ok(aggregate_everywhere(shard, template, trid, records_per_sec, out).await)
    } else {
        foreground(shard, template, trid, max_records, records_per_sec, stream, out).await
    };
    let ended = job_end(shard, trid, 0, status.as_ref().map_or(JobStatus::Failed(ResultCode::Unknown.as_u8()), |s| *s));
    shard.state.borrow_mut().txn_stats[ns_index].jobs.count(sindex, kind, ended.0, ended.1);
    status.map(|_| ())
}

/// The latency histogram a scan or query counts in (namespace index, kind): foreground ones
/// only, as Aerospike's `{ns}-pi-query` and `{ns}-si-query`.
pub fn latency_kind(shard: &Shard, msg: &Message<'_>) -> Option<(usize, crate::ground::stats::LatencyKind)> {
    use crate::ground::stats::LatencyKind;
    if msg.header.info2 & info2::WRITE != 0 || msg.field(field_type::UDF_OP) == Some(&[UDF_OP_BACKGROUND]) {
        return None;
    }
    let name = msg.key_fields().namespace?;
    let ns = shard.node.namespaces.iter().position(|n| n.as_bytes() == name)?;
    let kind = if msg.field(field_type::INDEX_RANGE).is_some() { LatencyKind::SiQuery } else { LatencyKind::PiQuery };
    Some((ns, kind))
}

/// The permission a scan or query needs (Aerospike's `query_perm`): one with a UDF (an
/// aggregation or a background UDF) `udf-query`, a background one with write ops `ops-query`,
/// any other `query`.
pub fn required_perms(msg: &Message<'_>) -> u64 {
    use crate::ground::security::perm;
    if msg.field(field_type::UDF_OP).is_some() {
        perm::UDF_QUERY
    } else if msg.header.info2 & info2::WRITE != 0 {
        perm::OPS_QUERY
    } else {
        perm::QUERY
    }
}

/// UDF_OP of an aggregation (a stream UDF over a scan or query).
pub const UDF_OP_AGGREGATE: u8 = 1;
/// UDF_OP of a background UDF scan or query.
pub const UDF_OP_BACKGROUND: u8 = 2;

/// The UDF fields of a background UDF scan or query (UDF_OP 2), encoded for its rows, and
/// how many.
fn background_udf(msg: &Message<'_>) -> Option<(Vec<u8>, u16)> {
    if msg.field(field_type::UDF_OP) != Some(&[UDF_OP_BACKGROUND]) {
        return None;
    }
    let (mut fields, mut n) = (Vec::new(), 0);
    for t in [field_type::UDF_PACKAGE_NAME, field_type::UDF_FUNCTION, field_type::UDF_ARGLIST, field_type::UDF_OP] {
        if let Some(data) = msg.field(t) {
            scramjet_net::field::write_field(&mut fields, t, data);
            n += 1;
        }
    }
    Some((fields, n))
}

/// The job id a scan or query carries (TASK_ID), or one of ours.
fn task_id(msg: &Message<'_>) -> u64 {
    msg.field(field_type::TASK_ID)
        .and_then(|b| b.try_into().ok())
        .map(u64::from_be_bytes)
        .unwrap_or_else(crate::ground::node::random_u64)
}

/// A job (part `part`) of `chunk`'s scan or query, starting now.
fn new_job(
    shard: &Shard,
    chunk: &ScanChunk,
    trid: u64,
    part: usize,
    kind: JobKind,
    rps: u32,
    n_pids: usize,
) -> JobInfo {
    JobInfo {
        trid,
        part,
        ns: shard.node.namespaces[chunk.ns_index].clone(),
        set: chunk.set.as_deref().map(|s| String::from_utf8_lossy(s).into_owned()).unwrap_or_default(),
        sindex: chunk.query.as_ref().map(|q| q.index.clone()),
        kind,
        rps,
        n_pids,
        pids_done: 0,
        started: std::time::Instant::now(),
        ended: None,
        recs_succeeded: 0,
        recs_failed: 0,
        status: JobStatus::Active,
    }
}

/// Registers a job (part) on this shard, replacing a finished one with the same id.
fn job_start(shard: &Shard, job: JobInfo) {
    let mut state = shard.state.borrow_mut();
    state.jobs.retain(|j| !(j.trid == job.trid && j.part == job.part && j.ended.is_some()));
    state.jobs.push_back(job);
    let finished = state.jobs.iter().filter(|j| j.ended.is_some()).count();
    if finished > FINISHED_JOBS_KEPT {
        if let Some(oldest) = state.jobs.iter().position(|j| j.ended.is_some()) {
            state.jobs.remove(oldest);
        }
    }
}

/// Changes part `part` of job `trid` on this shard while it runs.
fn job_update(shard: &Shard, trid: u64, part: usize, change: impl FnOnce(&mut JobInfo)) {
    let mut state = shard.state.borrow_mut();
    if let Some(job) = state.jobs.iter_mut().find(|j| j.trid == trid && j.part == part && j.ended.is_none()) {
        change(job);
    }
}

/// True if part `part` of job `trid` on this shard was aborted (by `query-abort`).
fn job_aborted(shard: &Shard, trid: u64, part: usize) -> bool {
    let state = shard.state.borrow();
    state.jobs.iter().any(|j| j.trid == trid && j.part == part && j.ended.is_none() && j.status == JobStatus::Aborted)
}

/// Ends part `part` of job `trid` on this shard with `status` (an abort stays an abort);
/// returns how it ended and the records it answered or wrote.
fn job_end(shard: &Shard, trid: u64, part: usize, status: JobStatus) -> (JobStatus, u64) {
    let mut state = shard.state.borrow_mut();
    let Some(job) = state.jobs.iter_mut().find(|j| j.trid == trid && j.part == part && j.ended.is_none()) else {
        return (status, 0);
    };
    if job.status != JobStatus::Aborted {
        job.status = status;
    }
    job.ended = Some(std::time::Instant::now());
    (job.status, job.recs_succeeded)
}

/// Marks every active part of job `trid` on this shard aborted; true if there was one.
pub fn abort_job(shard: &Shard, trid: u64) -> bool {
    let mut found = false;
    for job in shard.state.borrow_mut().jobs.iter_mut() {
        if job.trid == trid && job.status == JobStatus::Active {
            job.status = JobStatus::Aborted;
            found = true;
        }
    }
    found
}

/// Why an owner's part of an aggregation stopped early: the code, and Lua's message if it
/// failed there.
type AggregateFailure = (ResultCode, Option<String>);

/// Runs an aggregation on every shard that owns some of its partitions at once (each runs the
/// stream over its own chunks; the values are small) and appends the values, then LAST.
async fn aggregate_everywhere(
    shard: &Rc<Shard>,
    template: ScanChunk,
    trid: u64,
    records_per_sec: u32,
    out: &mut Vec<u8>,
) -> JobStatus {
    let per_shard = parts_by_owner(shard, &template);
    let owners = per_shard.iter().filter(|parts| !parts.is_empty()).count().max(1) as u32;
    let share = if records_per_sec == 0 { 0 } else { records_per_sec.div_ceil(owners) };
    let tasks: Vec<_> = per_shard
        .into_iter()
        .enumerate()
        .filter(|(_, parts)| !parts.is_empty())
        .map(|(owner, parts)| {
            let (shard, template) = (shard.clone(), template.clone());
            glommio::spawn_local(async move { aggregate_owner(&shard, template, owner, parts, trid, share).await })
        })
        .collect();
    let mut values = Vec::new();
    let mut failure: Option<AggregateFailure> = None;
    for task in tasks {
        match task.await {
            Ok(part) => values.extend_from_slice(&part),
            Err(e) => {
                failure.get_or_insert(e);
            }
        }
    }
    write_records(out, &values);
    match failure {
        None => {
            super::batch::write_last(out, ResultCode::Ok);
            JobStatus::Done
        }
        Some((ResultCode::QueryAbort, _)) => {
            super::batch::write_last(out, ResultCode::QueryAbort);
            JobStatus::Aborted
        }
        Some((code, Some(message))) => {
            write_failure(out, code, &message);
            JobStatus::Failed(code.as_u8())
        }
        Some((code, None)) => {
            super::batch::write_last(out, code);
            JobStatus::Failed(code.as_u8())
        }
    }
}

/// One owner's part of an aggregation: its partitions a chunk at a time; the values produced.
async fn aggregate_owner(
    shard: &Rc<Shard>,
    template: ScanChunk,
    owner: usize,
    mut parts: Vec<(u16, Resume)>,
    trid: u64,
    records_per_sec: u32,
) -> Result<Vec<u8>, AggregateFailure> {
    let mut pacer = Pacer::new(records_per_sec);
    let mut values = Vec::new();
    while !parts.is_empty() {
        pacer.wait().await;
        if job_aborted(shard, trid, 0) {
            return Err((ResultCode::QueryAbort, None));
        }
        let before = parts.len();
        let chunk = ScanChunk { parts, limit: pacer.chunk_records(), ..template.clone() };
        let Ok(result) = chunk_on(shard, owner, chunk).await else { return Err((ResultCode::Unknown, None)) };
        if let Some(code) = result.error {
            return Err((code, result.failure));
        }
        let done = before - result.remaining.len();
        job_update(shard, trid, 0, |job| {
            job.recs_succeeded += result.count as u64;
            job.pids_done += done;
        });
        pacer.record(result.count);
        values.extend_from_slice(&result.records);
        parts = result.remaining;
        // A chunk of this shard's own partitions never suspends: let its other work run.
        crate::ground::task::yield_to_io().await;
    }
    Ok(values)
}

/// Scans `chunk` on shard `owner`: here if it is this shard, else handed over the mesh.
async fn chunk_on(shard: &Rc<Shard>, owner: usize, chunk: ScanChunk) -> Result<ScanResult, PeerGone> {
    if owner == shard.id {
        return Ok(scan_chunk(shard, chunk).await);
    }
    shard.run_on(owner, move |owner| async move { scan_chunk(&owner, chunk).await }).await
}

/// Runs a foreground scan or query's chunks, streaming the records; returns how it ended.
async fn foreground(
    shard: &Rc<Shard>,
    template: ScanChunk,
    trid: u64,
    max_records: u64,
    records_per_sec: u32,
    stream: &mut (impl AsyncWrite + Unpin),
    out: &mut Vec<u8>,
) -> std::io::Result<JobStatus> {
    let per_shard = parts_by_owner(shard, &template);
    let mut left = if max_records == 0 { u64::MAX } else { max_records };
    let mut records = Vec::new();
    let mut pacer = Pacer::new(records_per_sec);
    for (owner, mut parts) in per_shard.into_iter().enumerate() {
        while !parts.is_empty() && left > 0 {
            pacer.wait().await;
            if job_aborted(shard, trid, 0) {
                write_records(out, &records);
                super::batch::write_last(out, ResultCode::QueryAbort);
                return Ok(JobStatus::Aborted);
            }
            let before = parts.len();
            let chunk = ScanChunk { parts, limit: pacer.chunk_records().min(left as usize), ..template.clone() };
            let Ok(result) = chunk_on(shard, owner, chunk).await else {
                super::batch::write_last(out, ResultCode::Unknown);
                return Ok(JobStatus::Failed(ResultCode::Unknown.as_u8()));
            };
            if let Some(code) = result.error {
                write_records(out, &records);
                super::batch::write_last(out, code);
                return Ok(JobStatus::Failed(code.as_u8()));
            }
            let done = before - result.remaining.len();
            job_update(shard, trid, 0, |job| {
                job.recs_succeeded += result.count as u64;
                job.pids_done += done;
            });
            left -= result.count as u64;
            pacer.record(result.count);
            records.extend_from_slice(&result.records);
            for &pid in &result.unavailable {
                write_unavailable(out, pid);
            }
            parts = result.remaining;
            // A chunk of this shard's own partitions never suspends: let its other work run.
            crate::ground::task::yield_to_io().await;
            if records.len() >= WRITE_THRESHOLD {
                write_records(out, &records);
                records.clear();
                stream.write_all(out).await?;
                // TLS takes the bytes before they are sent: push them out (free on plain TCP).
                stream.flush().await?;
                out.clear();
            }
        }
    }
    write_records(out, &records);
    super::batch::write_last(out, ResultCode::Ok);
    Ok(JobStatus::Done)
}

/// Appends the end of an aggregation whose Lua failed, as Aerospike ends it
/// (`aggr_query_job_slice`): a value message with result `code` and a `FAILURE` bin holding the
/// message, then the job abandoned (LAST with result 1).
fn write_failure(out: &mut Vec<u8>, code: ResultCode, message: &str) {
    let header = MsgHeader { result_code: code.as_u8(), ..Default::default() };
    let mut w = MessageWriter::begin(out, &header);
    w.op(OpType::Read as u8, scramjet_net::ParticleType::String as u8, b"FAILURE", message.as_bytes());
    w.finish();
    super::batch::write_last(out, ResultCode::Unknown);
}

/// Appends a "partition done, unavailable" message: the client asks for `pid` again.
fn write_unavailable(out: &mut Vec<u8>, pid: u16) {
    let header = MsgHeader {
        info3: scramjet_net::message::info3::PARTITION_DONE,
        result_code: ResultCode::Unavailable.as_u8(),
        generation: u32::from(pid),
        ..Default::default()
    };
    MessageWriter::begin(out, &header).finish();
}

/// Removes from a scan the partitions this node does not master (in a cluster); returns them.
fn keep_mastered(shard: &Shard, template: &mut ScanChunk) -> Vec<u16> {
    let state = shard.state.borrow();
    if state.map.serving && !state.map.is_clustered() {
        return Vec::new();
    }
    let mut unavailable = Vec::new();
    template.parts.retain(|&(pid, _)| {
        let mine = state.map.serving && state.map.my_role(template.ns_index, pid) == Some(0);
        if !mine {
            unavailable.push(pid);
        }
        mine
    });
    unavailable
}

/// The scan's partitions (with their resume points) grouped by the shard that owns them.
fn parts_by_owner(shard: &Shard, template: &ScanChunk) -> Vec<Vec<(u16, Resume)>> {
    let route = &shard.node.routes[template.ns_index];
    let n_shards = shard.node.n_shards;
    let mut per_shard = vec![Vec::new(); n_shards];
    for part in &template.parts {
        per_shard[route.executor_of(part.0, n_shards)].push(*part);
    }
    per_shard
}

/// Starts a background job on every shard that owns some of its partitions and answers at
/// once, as Aerospike does; `query-show` reports the job active until every shard is done.
async fn background(
    shard: &Rc<Shard>,
    msg: &Message<'_>,
    template: ScanChunk,
    records_per_sec: u32,
    out: &mut Vec<u8>,
) -> std::io::Result<()> {
    let trid = task_id(msg);
    let ops: Vec<u8> = msg.ops().fold(Vec::new(), |mut buf, op| {
        scramjet_net::op::write_op(&mut buf, op.op_type, op.particle_type, op.name, op.value);
        buf
    });
    let udf = background_udf(msg);
    if udf.is_some() {
        // The record UDF checks its own fields (4 if they are incomplete).
        if let Some(Err(_)) = super::udf::apply::call_of(msg) {
            super::batch::write_last(out, ResultCode::Parameter);
            return Ok(());
        }
    }
    let kind = if udf.is_some() { JobKind::BackgroundUdf } else { JobKind::BackgroundOps };
    let n_ops = if udf.is_some() { 0 } else { msg.header.n_ops };
    let ops = if udf.is_some() { Vec::new() } else { ops };
    let header = MsgHeader {
        info2: msg.header.info2 | info2::WRITE,
        info3: msg.header.info3 & !scramjet_net::message::info3::PARTITION_DONE,
        n_ops,
        ..msg.header
    };
    let per_shard = parts_by_owner(shard, &template);
    // The shards run in parallel, so each gets an equal share of the rate.
    let owners = per_shard.iter().filter(|parts| !parts.is_empty()).count().max(1) as u32;
    let share = if records_per_sec == 0 { 0 } else { records_per_sec.div_ceil(owners) };
    let jobs: Vec<(usize, BackgroundJob)> = per_shard
        .into_iter()
        .enumerate()
        .filter(|(_, parts)| !parts.is_empty())
        .map(|(owner, parts)| {
            let chunk = ScanChunk { parts, ..template.clone() };
            let job = BackgroundJob {
                chunk,
                header,
                ops: ops.clone(),
                n_ops,
                udf: udf.clone(),
                records_per_sec: share,
                trid,
                part: owner + 1,
            };
            (owner, job)
        })
        .collect();
    // Registered before the answer, so a `query-show` right after it finds the job; its parts
    // count the partitions and records.
    let (ns_index, sindex) = (template.ns_index, template.query.is_some());
    job_start(shard, new_job(shard, &template, trid, 0, kind, records_per_sec, 0));
    let shard = shard.clone();
    glommio::spawn_local(async move {
        let written = run_everywhere(&shard, jobs).await;
        let (status, _) = job_end(&shard, trid, 0, JobStatus::Done);
        shard.state.borrow_mut().txn_stats[ns_index].jobs.count(sindex, kind, status, written);
    })
    .detach();
    super::batch::write_last(out, ResultCode::Ok);
    Ok(())
}

/// Runs each shard's part of a background job, in parallel; returns how many records it wrote.
async fn run_everywhere(shard: &Rc<Shard>, jobs: Vec<(usize, BackgroundJob)>) -> u64 {
    let mut waiting = Vec::new();
    let mut local = None;
    for (owner, job) in jobs {
        if owner == shard.id {
            local = Some(job);
        } else if let Ok(reply) =
            shard.submit(owner, move |owner| async move { run_background(&owner, &job).await }).await
        {
            waiting.push(reply);
        }
    }
    let mut written = match local {
        Some(job) => run_background(shard, &job).await,
        None => 0,
    };
    for reply in waiting {
        written += reply.await;
    }
    written
}

/// Applies a background job's write to every record of its partitions on this shard; returns
/// how many records it wrote.
pub async fn run_background(shard: &Rc<Shard>, job: &BackgroundJob) -> u64 {
    let info = new_job(
        shard,
        &job.chunk,
        job.trid,
        job.part,
        if job.udf.is_some() { JobKind::BackgroundUdf } else { JobKind::BackgroundOps },
        job.records_per_sec,
        job.chunk.parts.len(),
    );
    job_start(shard, info);
    let written = background_part(shard, job).await;
    job_end(shard, job.trid, job.part, JobStatus::Done);
    written
}

/// The work of [`run_background`], stopping early if the job is aborted.
async fn background_part(shard: &Rc<Shard>, job: &BackgroundJob) -> u64 {
    let namespace = shard.node.namespaces[job.chunk.ns_index].as_bytes();
    let mut written = 0;
    let mut pacer = Pacer::new(job.records_per_sec);
    let chunk_records = pacer.chunk_records();
    let mut last_yield = std::time::Instant::now();
    for &(pid, after) in &job.chunk.parts {
        if !super::replica::pull_partition(shard, job.chunk.ns_index, pid).await {
            crate::log!(
                Warning,
                "scan",
                "{{{}}} background job: partition {pid} is still migrating in and a member did not answer; \
                 its records not here yet miss the job",
                shard.node.namespaces[job.chunk.ns_index]
            );
        }
        let mut after = after;
        loop {
            pacer.wait().await;
            if job_aborted(shard, job.trid, job.part) {
                return written;
            }
            let Some(page) = page(shard, &job.chunk, pid, after, chunk_records) else { break };
            pacer.record(page.len());
            let mut digests = Vec::with_capacity(page.len());
            for &(digest, _) in &page {
                if query_matches(shard, &job.chunk, &digest).await {
                    digests.push(digest);
                }
            }
            let rows: Vec<(u32, Vec<u8>)> = digests
                .iter()
                .map(|digest| {
                    let mut body = Vec::new();
                    let mut w = MessageWriter::begin(&mut body, &job.header);
                    w.field(field_type::NAMESPACE, namespace);
                    if let Some(set) = &job.chunk.set {
                        w.field(field_type::SET, set);
                    }
                    w.field(field_type::DIGEST, &digest.0);
                    if let Some(filter) = &job.chunk.filter {
                        w.field(field_type::FILTER, filter);
                    }
                    if let Some((fields, n)) = &job.udf {
                        w.raw_fields(fields, *n);
                    }
                    w.raw_ops(&job.ops, job.n_ops);
                    w.finish();
                    body.drain(..PROTO_HEADER_SIZE);
                    (0, body)
                })
                .collect();
            let mut results = Vec::new();
            let origin = if job.udf.is_some() { Origin::UdfSub } else { Origin::OpsSub };
            super::batch::run_rows(shard, &rows, &mut results, super::batch::Rows::Job(origin)).await;
            let ok = count_ok(&results);
            written += ok;
            job_update(shard, job.trid, job.part, |j| {
                j.recs_succeeded += ok;
                j.recs_failed += rows.len() as u64 - ok;
            });
            // Partitions are small: pausing after each would cost more than the work itself.
            if last_yield.elapsed() >= YIELD_AFTER {
                crate::ground::task::yield_to_io().await;
                last_yield = std::time::Instant::now();
            }
            if page.len() < chunk_records {
                break;
            }
            after = page.last().copied();
        }
        job_update(shard, job.trid, job.part, |j| j.pids_done += 1);
    }
    written
}

/// Up to `limit` records of partition `pid` after `after`, with their index keys (0 for a
/// scan): a scan's in descending digest order, a query's candidates in (key, digest) order.
/// `None` if the query's index is gone.
fn page(shard: &Shard, chunk: &ScanChunk, pid: u16, after: Resume, limit: usize) -> Option<Vec<(Digest, i64)>> {
    let state = shard.state.borrow();
    let store = state.namespaces[chunk.ns_index].store(pid);
    let now = crate::ground::clock::now();
    match &chunk.query {
        None => {
            let digests = store.scan_partition(pid, chunk.set.as_deref(), after.map(|(d, _)| d).as_ref(), limit, now);
            Some(digests.into_iter().map(|d| (d, 0)).collect())
        }
        Some(query) => {
            let from = after.map(|(d, key)| (key, d));
            let found = super::query::candidates(store, query, pid, from, limit)?;
            Some(found.into_iter().map(|(key, d)| (d, key)).collect())
        }
    }
}

/// True if `digest` is a record the chunk's query selects (always, for a scan): live, of the
/// query's set, and still holding a value the query asks for.
async fn query_matches(shard: &Shard, chunk: &ScanChunk, digest: &Digest) -> bool {
    let Some(query) = &chunk.query else { return true };
    if crate::storage::fetch(shard, chunk.ns_index, digest).await.is_err() {
        return false;
    }
    let mut state = shard.state.borrow_mut();
    let store = state.namespaces[chunk.ns_index].store_mut(digest.partition_id());
    let now = crate::ground::clock::now();
    let matched = store.get(digest, now).is_some_and(|record| {
        let in_set = chunk.set.as_deref().is_none_or(|set| store.sets().name(record.meta.set_id) == set);
        in_set
            && record.view().is_some_and(|view| super::query::record_matches(store, query, digest, &record.meta, &view))
    });
    store.clear_provided();
    matched
}

/// Number of successful answers among concatenated `as_msg`s.
fn count_ok(mut results: &[u8]) -> u64 {
    let mut ok = 0;
    while let Ok((msg, rest)) = Message::split(results) {
        ok += u64::from(msg.header.result_code == ResultCode::Ok.as_u8());
        results = rest;
    }
    ok
}

fn write_records(out: &mut Vec<u8>, records: &[u8]) {
    if records.is_empty() {
        return;
    }
    let start = out.len();
    out.extend_from_slice(&[0; PROTO_HEADER_SIZE]);
    out.extend_from_slice(records);
    scramjet_net::frame::patch_size(out, start, scramjet_net::frame::ProtoType::Message);
}

/// Scans up to `chunk.limit` records of partitions this shard owns.
pub async fn scan_chunk(shard: &Shard, mut chunk: ScanChunk) -> ScanResult {
    let mut result = ScanResult {
        records: Vec::new(),
        count: 0,
        remaining: Vec::new(),
        unavailable: Vec::new(),
        error: None,
        failure: None,
    };
    // An aggregation's records, for its stream UDF at the end of the chunk.
    let mut inputs = Vec::new();
    let filter = chunk.filter.as_deref().and_then(|f| super::filter::Filter::predicate(f).ok());
    let parts = std::mem::take(&mut chunk.parts);
    let mut slice = crate::ground::task::Slice::new();
    for (pid, after) in parts {
        let wanted = chunk.limit - result.count;
        if wanted == 0 {
            result.remaining.push((pid, after));
            continue;
        }
        // A partition still migrating in is complete here only with the records of the
        // members that have not sent it yet.
        if !super::replica::pull_partition(shard, chunk.ns_index, pid).await {
            result.unavailable.push(pid);
            continue;
        }
        let Some(page) = page(shard, &chunk, pid, after, wanted) else {
            result.error = Some(ResultCode::IndexNotFound);
            return result;
        };
        let full = page.len() == wanted;
        // A record may have several entries in a collection index: it is answered once per
        // partition page (pages resumed after one of its entries may meet it again, as in
        // Aerospike).
        let mut answered = std::collections::HashSet::new();
        for &(digest, key) in &page {
            let digest = &digest;
            if chunk.query.as_ref().is_some_and(|q| q.collection != scramjet_engine::sindex::Collection::Default)
                && !answered.insert(*digest)
            {
                continue;
            }
            if let Err(reason) = crate::storage::fetch(shard, chunk.ns_index, digest).await {
                crate::log!(
                    Warning,
                    "scan",
                    "{{{}}} skipped a record: {reason}",
                    shard.node.namespaces[chunk.ns_index]
                );
                continue;
            }
            let mut state = shard.state.borrow_mut();
            let store = state.namespaces[chunk.ns_index].store_mut(pid);
            let now = crate::ground::clock::now();
            if let Some(record) = store.get(digest, now) {
                let selected = match &chunk.query {
                    None => true,
                    Some(query) => {
                        let in_set =
                            chunk.set.as_deref().is_none_or(|set| store.sets().name(record.meta.set_id) == set);
                        in_set
                            && record.view().is_some_and(|view| {
                                super::query::record_matches(store, query, digest, &record.meta, &view)
                            })
                    }
                };
                // Records the filter excludes are skipped, not answered.
                if selected && super::filter::check(filter.as_ref(), store, digest, &record, now).is_ok() {
                    if chunk.aggregate.is_some() {
                        let set = store.sets().name(record.meta.set_id);
                        inputs.extend(super::udf::record::RecordData::stored(&record, set, digest, now.clepoch_secs));
                    } else {
                        let namespace = &shard.node.namespaces[chunk.ns_index];
                        let bval = chunk.query.is_some().then_some(key);
                        write_record(&mut result.records, namespace, store, digest, &record, &chunk, bval);
                    }
                    result.count += 1;
                }
            }
            store.clear_provided();
        }
        slice.yield_if_spent().await;
        if full {
            // The partition may have more: resume after the last one returned.
            result.remaining.push((pid, page.last().copied()));
        }
    }
    if let Some(aggregate) = &chunk.aggregate {
        if let Err(message) = super::udf::stream::run(shard, aggregate, inputs, &mut result.records).await {
            result.error = Some(ResultCode::UdfExecution);
            result.failure = Some(message);
        }
    }
    result
}

fn write_record(
    out: &mut Vec<u8>,
    namespace: &str,
    store: &scramjet_engine::NamespaceStore,
    digest: &Digest,
    record: &scramjet_engine::namespace::RecordRef<'_>,
    chunk: &ScanChunk,
    bval: Option<i64>,
) {
    let Some(view) = record.view() else { return };
    let header = MsgHeader {
        info1: if chunk.no_bins { info1::GET_NO_BINS } else { 0 },
        generation: u32::from(record.meta.generation),
        record_ttl: record.meta.void_time,
        ..Default::default()
    };
    let start = out.len();
    let mut w = MessageWriter::begin(out, &header);
    w.field(field_type::NAMESPACE, namespace.as_bytes());
    w.field(field_type::DIGEST, &digest.0);
    let set = store.sets().name(record.meta.set_id);
    if !set.is_empty() {
        w.field(field_type::SET, set);
    }
    if let Some(key) = view.key {
        w.field(field_type::KEY, key);
    }
    if let Some(bval) = bval {
        w.field(field_type::BVAL_ARRAY, &bval.to_le_bytes());
    }
    if !chunk.no_bins {
        for bin in view.bins() {
            if chunk.bins.as_ref().is_none_or(|names| names.iter().any(|n| n == bin.name)) {
                super::put_bin(&mut w, bin.particle as u8, bin.name, bin.value);
            }
        }
    }
    w.finish();
    out.drain(start..start + PROTO_HEADER_SIZE);
}

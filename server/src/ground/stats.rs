//! Counters a shard keeps, and the snapshot it sends when info asks for statistics.
//!
//! Names follow Aerospike's statistics so that existing tools and dashboards read them.

use scramjet_engine::{NamespaceStats, SetStats};
use scramjet_net::ResultCode;

/// The kind of a client transaction, for counting.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TxnKind {
    /// get, exists, read-only operate.
    Read,
    /// put, touch, operate with writes.
    Write,
    /// delete.
    Delete,
    /// A record UDF ("apply").
    Udf,
}

/// What a record UDF that ran did, for Aerospike's `client_lang_*` counters.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LangOutcome {
    /// It only read.
    Read,
    /// It wrote the record.
    Write,
    /// It deleted the record.
    Delete,
    /// Lua failed (result 100).
    Error,
}

/// Transaction counters of one namespace on one shard.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct TxnStats {
    /// Reads that found the record.
    pub client_read_success: u64,
    /// Reads of missing records.
    pub client_read_not_found: u64,
    /// Reads that failed otherwise.
    pub client_read_error: u64,
    /// Writes that succeeded.
    pub client_write_success: u64,
    /// Writes that failed (other than the `fail_*` reasons below).
    pub client_write_error: u64,
    /// Deletes that removed a record.
    pub client_delete_success: u64,
    /// Deletes of missing records.
    pub client_delete_not_found: u64,
    /// Deletes that failed otherwise.
    pub client_delete_error: u64,
    /// Transactions refused by the generation check.
    pub fail_generation: u64,
    /// Writes refused for size.
    pub fail_record_too_big: u64,
    /// Reads a filter expression excluded.
    pub client_read_filtered_out: u64,
    /// Writes a filter expression excluded.
    pub client_write_filtered_out: u64,
    /// Deletes a filter expression excluded.
    pub client_delete_filtered_out: u64,
    /// Record UDFs that succeeded.
    pub client_udf_complete: u64,
    /// Record UDFs that failed (Lua errors included).
    pub client_udf_error: u64,
    /// Record UDFs a filter expression excluded.
    pub client_udf_filtered_out: u64,
    /// Record UDFs that only read.
    pub client_lang_read_success: u64,
    /// Record UDFs that wrote.
    pub client_lang_write_success: u64,
    /// Record UDFs that deleted.
    pub client_lang_delete_success: u64,
    /// Record UDFs whose Lua failed.
    pub client_lang_error: u64,
    /// Scan and query jobs by how they ended (see [`JobCounters`]).
    pub jobs: JobCounters,
    /// Latency histograms, by [`LatencyKind`].
    pub latency: [LatencyHist; LatencyKind::COUNT],
    /// Benchmark histograms, as [`super::bench::HISTOGRAMS`] lists them.
    pub bench: super::bench::BenchHists,
}

/// Aerospike's latency histogram (`cf/src/hist.c`): operations counted by elapsed whole
/// milliseconds in power-of-two buckets: bucket 0 under 1 ms, bucket b in [2^(b-1), 2^b) ms.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LatencyHist {
    /// Counts per bucket.
    pub counts: [u64; LatencyHist::BUCKETS],
}

impl Default for LatencyHist {
    fn default() -> Self {
        LatencyHist { counts: [0; LatencyHist::BUCKETS] }
    }
}

impl LatencyHist {
    /// Buckets (Aerospike's `N_BUCKETS`).
    pub const BUCKETS: usize = 65;
    /// Columns of `latencies:`: the shares at or over 1, 2, 4, ... 65536 ms.
    pub const COLUMNS: usize = 17;

    /// Counts one operation that took `elapsed`.
    pub fn record(&mut self, elapsed: std::time::Duration) {
        let ms = u64::try_from(elapsed.as_millis()).unwrap_or(u64::MAX);
        self.counts[(64 - ms.leading_zeros()) as usize] += 1;
    }

    /// Operations counted.
    pub fn total(&self) -> u64 {
        self.counts.iter().sum()
    }

    /// Operations that took at least 2^column ms, per column.
    pub fn overs(&self) -> [u64; LatencyHist::COLUMNS] {
        let mut out = [0; LatencyHist::COLUMNS];
        let mut below = 0;
        let total = self.total();
        for (column, over) in out.iter_mut().enumerate() {
            below += self.counts[column];
            *over = total - below;
        }
        out
    }

    /// Adds another histogram's counts.
    pub fn add(&mut self, other: &LatencyHist) {
        for (mine, theirs) in self.counts.iter_mut().zip(&other.counts) {
            *mine += theirs;
        }
    }
}

/// The namespace latency histograms, as `latencies:` names them (`{ns}-read`, ...).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LatencyKind {
    /// Single-record reads.
    Read = 0,
    /// Single-record writes and deletes.
    Write,
    /// Record UDFs.
    Udf,
    /// Batch rows that read.
    BatchSubRead,
    /// Batch rows that write.
    BatchSubWrite,
    /// Batch rows that call a UDF.
    BatchSubUdf,
    /// Scans (primary-index queries).
    PiQuery,
    /// Secondary-index queries.
    SiQuery,
}

impl LatencyKind {
    /// How many kinds.
    pub const COUNT: usize = 8;
    /// Every kind, in `latencies:` order.
    pub const ALL: [LatencyKind; LatencyKind::COUNT] = [
        LatencyKind::Read,
        LatencyKind::Write,
        LatencyKind::Udf,
        LatencyKind::BatchSubRead,
        LatencyKind::BatchSubWrite,
        LatencyKind::BatchSubUdf,
        LatencyKind::PiQuery,
        LatencyKind::SiQuery,
    ];

    /// The histogram's name after `{ns}-`.
    pub fn name(self) -> &'static str {
        match self {
            LatencyKind::Read => "read",
            LatencyKind::Write => "write",
            LatencyKind::Udf => "udf",
            LatencyKind::BatchSubRead => "batch-sub-read",
            LatencyKind::BatchSubWrite => "batch-sub-write",
            LatencyKind::BatchSubUdf => "batch-sub-udf",
            LatencyKind::PiQuery => "pi-query",
            LatencyKind::SiQuery => "si-query",
        }
    }
}

/// What `latencies:` shows of one histogram: the rate and the shares over each threshold
/// between the last two ticker dumps (Aerospike's `histogram_dump` tracking part).
#[derive(Debug, Clone, Default)]
pub struct LatencyTrack {
    /// When the last dump was made.
    at: Option<std::time::Instant>,
    /// Total and overs at the last dump.
    total: u64,
    overs: [u64; LatencyHist::COLUMNS],
    /// The text after `name:` (`msec,TPS,pct,...;`), or `;` before two dumps.
    pub output: String,
}

impl LatencyTrack {
    /// A dump of `hist` (node totals) at `now`.
    pub fn dump(&mut self, hist: &LatencyHist, now: std::time::Instant) {
        use std::fmt::Write;
        let total = hist.total();
        let overs = hist.overs();
        self.output.clear();
        if let Some(at) = self.at {
            let secs = now.duration_since(at).as_secs_f64().max(1e-9);
            let diff = total - self.total;
            let _ = write!(self.output, "msec,{:.1}", diff as f64 / secs);
            for (over, before) in overs.iter().zip(&self.overs) {
                let pct = if diff == 0 { 0.0 } else { (over - before) as f64 * 100.0 / diff as f64 };
                let _ = write!(self.output, ",{pct:.2}");
            }
        }
        self.output.push(';');
        self.at = Some(now);
        self.total = total;
        self.overs = overs;
    }
}

/// Scan and query jobs that ended, as Aerospike counts them per namespace: primary-index
/// queries (scans) and secondary-index queries, each foreground ("long basic") and background
/// ("ops bg"), by outcome; and the records they answered or wrote.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct JobCounters {
    /// `[sindex][kind][outcome]`: sindex 0 = scan (`pi_`), 1 = query (`si_`); kind 0 =
    /// `long_basic`, 1 = `ops_bg`, 2 = `udf_bg`, 3 = `aggr`; outcome 0 = complete, 1 = error,
    /// 2 = abort.
    pub ended: [[[u64; 3]; 4]; 2],
    /// Records answered or written, `[sindex]`.
    pub records: [u64; 2],
}

impl JobCounters {
    /// Counts a job that ended.
    pub fn count(&mut self, sindex: bool, kind: JobKind, status: JobStatus, records: u64) {
        let outcome = match status {
            JobStatus::Active | JobStatus::Done => 0,
            JobStatus::Failed(_) => 1,
            JobStatus::Aborted => 2,
        };
        let kind = match kind {
            JobKind::Basic => 0,
            JobKind::BackgroundOps => 1,
            JobKind::BackgroundUdf => 2,
            JobKind::Aggregation => 3,
        };
        self.ended[usize::from(sindex)][kind][outcome] += 1;
        self.records[usize::from(sindex)] += records;
    }

    fn add(&mut self, other: &JobCounters) {
        for i in 0..2 {
            for k in 0..4 {
                for o in 0..3 {
                    self.ended[i][k][o] += other.ended[i][k][o];
                }
            }
            self.records[i] += other.records[i];
        }
    }

    /// `name=value` pairs in Aerospike's names (`si_query_long_basic_complete`, ...), then
    /// ours for records (`si_query_recs_succeeded`, `pi_query_recs_succeeded`).
    pub fn pairs(&self) -> Vec<(String, u64)> {
        let mut out = Vec::new();
        for (i, prefix) in ["pi", "si"].iter().enumerate() {
            for (k, kind) in ["long_basic", "ops_bg", "udf_bg", "aggr"].iter().enumerate() {
                for (o, outcome) in ["complete", "error", "abort"].iter().enumerate() {
                    out.push((format!("{prefix}_query_{kind}_{outcome}"), self.ended[i][k][o]));
                }
            }
            out.push((format!("{prefix}_query_recs_succeeded"), self.records[i]));
        }
        out
    }
}

impl TxnStats {
    /// Counts one transaction's outcome.
    pub fn count(&mut self, kind: TxnKind, code: ResultCode) {
        match code {
            ResultCode::Generation => self.fail_generation += 1,
            ResultCode::RecordTooBig => self.fail_record_too_big += 1,
            _ => {}
        }
        let counter = match (kind, code) {
            (TxnKind::Read, ResultCode::FilteredOut) => &mut self.client_read_filtered_out,
            (TxnKind::Write, ResultCode::FilteredOut) => &mut self.client_write_filtered_out,
            (TxnKind::Delete, ResultCode::FilteredOut) => &mut self.client_delete_filtered_out,
            (TxnKind::Read, ResultCode::Ok) => &mut self.client_read_success,
            (TxnKind::Read, ResultCode::NotFound) => &mut self.client_read_not_found,
            (TxnKind::Read, _) => &mut self.client_read_error,
            (TxnKind::Write, ResultCode::Ok) => &mut self.client_write_success,
            (TxnKind::Write, ResultCode::Generation | ResultCode::RecordTooBig) => return,
            (TxnKind::Write, _) => &mut self.client_write_error,
            (TxnKind::Delete, ResultCode::Ok) => &mut self.client_delete_success,
            (TxnKind::Delete, ResultCode::NotFound) => &mut self.client_delete_not_found,
            (TxnKind::Delete, ResultCode::Generation) => return,
            (TxnKind::Delete, _) => &mut self.client_delete_error,
            (TxnKind::Udf, ResultCode::Ok) => &mut self.client_udf_complete,
            (TxnKind::Udf, ResultCode::FilteredOut) => &mut self.client_udf_filtered_out,
            (TxnKind::Udf, _) => &mut self.client_udf_error,
        };
        *counter += 1;
    }

    /// Counts what a record UDF that ran did.
    pub fn count_lang(&mut self, outcome: LangOutcome) {
        *match outcome {
            LangOutcome::Read => &mut self.client_lang_read_success,
            LangOutcome::Write => &mut self.client_lang_write_success,
            LangOutcome::Delete => &mut self.client_lang_delete_success,
            LangOutcome::Error => &mut self.client_lang_error,
        } += 1;
    }

    /// Adds another shard's counters.
    pub fn add(&mut self, other: &TxnStats) {
        self.client_read_success += other.client_read_success;
        self.client_read_not_found += other.client_read_not_found;
        self.client_read_error += other.client_read_error;
        self.client_write_success += other.client_write_success;
        self.client_write_error += other.client_write_error;
        self.client_delete_success += other.client_delete_success;
        self.client_delete_not_found += other.client_delete_not_found;
        self.client_delete_error += other.client_delete_error;
        self.fail_generation += other.fail_generation;
        self.fail_record_too_big += other.fail_record_too_big;
        self.client_read_filtered_out += other.client_read_filtered_out;
        self.client_write_filtered_out += other.client_write_filtered_out;
        self.client_delete_filtered_out += other.client_delete_filtered_out;
        self.client_udf_complete += other.client_udf_complete;
        self.client_udf_error += other.client_udf_error;
        self.client_udf_filtered_out += other.client_udf_filtered_out;
        self.client_lang_read_success += other.client_lang_read_success;
        self.client_lang_write_success += other.client_lang_write_success;
        self.client_lang_delete_success += other.client_lang_delete_success;
        self.client_lang_error += other.client_lang_error;
        self.jobs.add(&other.jobs);
        for (mine, theirs) in self.latency.iter_mut().zip(&other.latency) {
            mine.add(theirs);
        }
        self.bench.add(&other.bench);
    }

    /// `name=value` pairs in Aerospike's names.
    pub fn pairs(&self) -> [(&'static str, u64); 20] {
        [
            ("client_read_success", self.client_read_success),
            ("client_read_not_found", self.client_read_not_found),
            ("client_read_error", self.client_read_error),
            ("client_write_success", self.client_write_success),
            ("client_write_error", self.client_write_error),
            ("client_delete_success", self.client_delete_success),
            ("client_delete_not_found", self.client_delete_not_found),
            ("client_delete_error", self.client_delete_error),
            ("fail_generation", self.fail_generation),
            ("fail_record_too_big", self.fail_record_too_big),
            ("client_read_filtered_out", self.client_read_filtered_out),
            ("client_write_filtered_out", self.client_write_filtered_out),
            ("client_delete_filtered_out", self.client_delete_filtered_out),
            ("client_udf_complete", self.client_udf_complete),
            ("client_udf_error", self.client_udf_error),
            ("client_udf_filtered_out", self.client_udf_filtered_out),
            ("client_lang_read_success", self.client_lang_read_success),
            ("client_lang_write_success", self.client_lang_write_success),
            ("client_lang_delete_success", self.client_lang_delete_success),
            ("client_lang_error", self.client_lang_error),
        ]
    }
}

/// Connection counters of one shard.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ConnectionStats {
    /// Open client connections.
    pub client_connections: u64,
    /// Client connections accepted since start.
    pub client_connections_opened: u64,
    /// Client connections closed since start.
    pub client_connections_closed: u64,
    /// Connections refused because of `proto-fd-max`.
    pub client_connections_refused: u64,
    /// Connections closed for bad protocol input.
    pub client_proto_errors: u64,
    /// Connections closed for idleness.
    pub client_connections_idle_closed: u64,
    /// Single-record requests that arrived on a shard not owning the record and were passed
    /// to the owner over the mesh (zero when clients route to the shard ports).
    pub shard_forwarded_requests: u64,
    /// Client requests sent on to the node that holds their partition (a client's map was
    /// stale).
    pub proxied_requests: u64,
    /// Latency of whole batch requests (`batch-index` in `latencies:`).
    pub batch_index_latency: LatencyHist,
    /// Latency of info commands (`info`, with `enable-hist-info`).
    pub info_latency: LatencyHist,
}

impl ConnectionStats {
    /// Adds another shard's counters.
    pub fn add(&mut self, other: &ConnectionStats) {
        self.client_connections += other.client_connections;
        self.client_connections_opened += other.client_connections_opened;
        self.client_connections_closed += other.client_connections_closed;
        self.client_connections_refused += other.client_connections_refused;
        self.shard_forwarded_requests += other.shard_forwarded_requests;
        self.proxied_requests += other.proxied_requests;
        self.client_proto_errors += other.client_proto_errors;
        self.client_connections_idle_closed += other.client_connections_idle_closed;
        self.batch_index_latency.add(&other.batch_index_latency);
        self.info_latency.add(&other.info_latency);
    }
}

/// Migration and replication counters of one namespace on one shard.
#[derive(Debug, Clone, Copy, Default)]
pub struct MigrationStats {
    /// Partitions still to send.
    pub tx_remaining: u64,
    /// Partitions still waiting for other members.
    pub rx_remaining: u64,
    /// Records sent by migrations.
    pub records_transmitted: u64,
    /// Record bytes sent by migrations.
    pub bytes_transmitted: u64,
    /// Records received by migrations.
    pub records_received: u64,
    /// Versions asked of other members for duplicate resolution.
    pub dup_res_asked: u64,
    /// Records pulled from members not done migrating a partition, before scanning it.
    pub scan_pulled_records: u64,
    /// Replica writes sent.
    pub replica_writes: u64,
    /// Replica writes that failed.
    pub replica_write_errors: u64,
    /// Records in partitions this node masters (counted when asked).
    pub master_objects: u64,
}

impl MigrationStats {
    /// Adds another shard's counters.
    pub fn add(&mut self, other: &MigrationStats) {
        self.tx_remaining += other.tx_remaining;
        self.rx_remaining += other.rx_remaining;
        self.records_transmitted += other.records_transmitted;
        self.bytes_transmitted += other.bytes_transmitted;
        self.records_received += other.records_received;
        self.dup_res_asked += other.dup_res_asked;
        self.scan_pulled_records += other.scan_pulled_records;
        self.replica_writes += other.replica_writes;
        self.replica_write_errors += other.replica_write_errors;
        self.master_objects += other.master_objects;
    }
}

/// One namespace's counters on one shard.
#[derive(Debug, Clone, Default)]
pub struct NamespaceSnapshot {
    /// Engine counters.
    pub engine: NamespaceStats,
    /// Bytes written but not yet durable on the device.
    pub unflushed_bytes: u64,
    /// Bytes the primary index holds.
    pub index_bytes: u64,
    /// Bytes the secondary indexes hold (approximate).
    pub sindex_bytes: u64,
    /// Transaction counters.
    pub txn: TxnStats,
    /// Sets by name, with their truncate time (citrusleaf-epoch ms, 0 if never).
    pub sets: Vec<(Vec<u8>, SetStats, u64)>,
    /// Migration and replication counters.
    pub cluster: MigrationStats,
}

impl NamespaceSnapshot {
    /// Adds another shard's snapshot of the same namespace.
    pub fn add(&mut self, other: &NamespaceSnapshot) {
        let (mine, theirs) = (&mut self.engine, &other.engine);
        mine.objects += theirs.objects;
        mine.tombstones += theirs.tombstones;
        mine.data_used_bytes += theirs.data_used_bytes;
        mine.data_total_bytes += theirs.data_total_bytes;
        mine.expired_objects += theirs.expired_objects;
        mine.stop_writes_refusals += theirs.stop_writes_refusals;
        mine.cold_start_corrupt += theirs.cold_start_corrupt;
        mine.defrag_corrupt += theirs.defrag_corrupt;
        mine.cold_start_misplaced += theirs.cold_start_misplaced;
        let (a, b) = (&mut mine.space, &theirs.space);
        a.total_blocks += b.total_blocks;
        a.free_blocks += b.free_blocks;
        a.live_bytes += b.live_bytes;
        a.defrag_blocks += b.defrag_blocks;
        a.defrag_records += b.defrag_records;
        a.client_bytes += b.client_bytes;
        a.defrag_bytes += b.defrag_bytes;
        a.flushed_bytes += b.flushed_bytes;
        self.unflushed_bytes += other.unflushed_bytes;
        self.index_bytes += other.index_bytes;
        self.sindex_bytes += other.sindex_bytes;
        self.txn.add(&other.txn);
        self.cluster.add(&other.cluster);
        for (name, stats, truncate_lut) in &other.sets {
            match self.sets.iter_mut().find(|(n, _, _)| n == name) {
                Some((_, mine, lut)) => {
                    mine.objects += stats.objects;
                    mine.data_used_bytes += stats.data_used_bytes;
                    *lut = (*lut).max(*truncate_lut);
                }
                None => self.sets.push((name.clone(), *stats, *truncate_lut)),
            }
        }
        self.engine.truncated_objects += other.engine.truncated_objects;
        self.engine.evicted_objects += other.engine.evicted_objects;
        self.engine.device_read_records += other.engine.device_read_records;
        self.engine.evict_void_time = self.engine.evict_void_time.max(other.engine.evict_void_time);
    }
}

/// What a scan or query job is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum JobKind {
    /// A foreground scan or query, answering records.
    Basic,
    /// A background job applying write ops.
    BackgroundOps,
    /// A background job applying a record UDF.
    BackgroundUdf,
    /// A foreground scan or query running a stream UDF (an aggregation).
    Aggregation,
}

/// How a job stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum JobStatus {
    /// Running.
    Active,
    /// Finished normally.
    Done,
    /// Stopped by `query-abort`.
    Aborted,
    /// Stopped by an error (its result code).
    Failed(u8),
}

/// A scan or query job, as `query-show` reports it (Aerospike's `as_query_job_info`). A
/// background job has one part on each shard that owns some of its partitions; `query-show`
/// adds the parts up by task id.
#[derive(Debug, Clone, PartialEq)]
pub struct JobInfo {
    /// The client's task id.
    pub trid: u64,
    /// Which part of the job this is on its shard: 0 for the whole job (where it was asked
    /// for), `1 + owner shard` for a background job's part on a shard that owns partitions.
    pub part: usize,
    /// Namespace and set (empty: all).
    pub ns: String,
    /// Set name.
    pub set: String,
    /// The secondary index a query uses; `None` for a scan.
    pub sindex: Option<String>,
    /// Kind.
    pub kind: JobKind,
    /// Records-per-second limit (0: none).
    pub rps: u32,
    /// Partitions asked for.
    pub n_pids: usize,
    /// Partitions finished.
    pub pids_done: usize,
    /// When it started.
    pub started: std::time::Instant,
    /// When it ended.
    pub ended: Option<std::time::Instant>,
    /// Records answered (or written).
    pub recs_succeeded: u64,
    /// Records a write failed on.
    pub recs_failed: u64,
    /// Status.
    pub status: JobStatus,
}

impl JobInfo {
    /// Adds another part of the same job.
    pub fn merge(&mut self, other: &JobInfo) {
        self.n_pids += other.n_pids;
        self.pids_done += other.pids_done;
        self.recs_succeeded += other.recs_succeeded;
        self.recs_failed += other.recs_failed;
        self.started = self.started.min(other.started);
        self.ended = match (self.ended, other.ended) {
            (Some(a), Some(b)) => Some(a.max(b)),
            _ => None,
        };
        if self.status == JobStatus::Active || other.status != JobStatus::Done {
            self.status = match (self.status, other.status) {
                (JobStatus::Active, _) | (_, JobStatus::Active) => JobStatus::Active,
                (JobStatus::Done, s) => s,
                (s, _) => s,
            };
        }
    }
}

/// Adds a job (part) to `jobs`, merged with the entry of the same task id.
pub fn add_job(jobs: &mut Vec<JobInfo>, job: &JobInfo) {
    match jobs.iter_mut().find(|j| j.trid == job.trid) {
        Some(mine) => mine.merge(job),
        None => jobs.push(job.clone()),
    }
}

/// Everything a shard reports for statistics.
#[derive(Debug, Clone, Default)]
pub struct ShardSnapshot {
    /// Connection counters.
    pub connections: ConnectionStats,
    /// Per namespace, in configuration order.
    pub namespaces: Vec<NamespaceSnapshot>,
    /// True if the shard's slice of a namespace is at stop-writes, per namespace.
    pub stop_writes: Vec<bool>,
    /// Scan and query jobs (and parts of background jobs) this shard runs or ran.
    pub jobs: Vec<JobInfo>,
}

impl ShardSnapshot {
    /// Adds another shard's snapshot.
    pub fn add(&mut self, other: &ShardSnapshot) {
        self.connections.add(&other.connections);
        if self.namespaces.is_empty() {
            self.namespaces = vec![NamespaceSnapshot::default(); other.namespaces.len()];
            self.stop_writes = vec![false; other.namespaces.len()];
        }
        for (mine, theirs) in self.namespaces.iter_mut().zip(&other.namespaces) {
            mine.add(theirs);
        }
        for (mine, theirs) in self.stop_writes.iter_mut().zip(&other.stop_writes) {
            *mine |= *theirs;
        }
        for job in &other.jobs {
            add_job(&mut self.jobs, job);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn latency_buckets_and_dumps_follow_aerospike() {
        use std::time::{Duration, Instant};
        let mut h = LatencyHist::default();
        for ms in [0, 0, 1, 3, 5, 2000] {
            h.record(Duration::from_micros(ms * 1000 + 500));
        }
        assert_eq!(&h.counts[..4], &[2, 1, 1, 1]);
        assert_eq!(h.counts[11], 1);
        assert_eq!(&h.overs()[..4], &[4, 3, 2, 1]);
        let mut track = LatencyTrack::default();
        let start = Instant::now();
        track.dump(&LatencyHist::default(), start);
        assert_eq!(track.output, ";");
        track.dump(&h, start + Duration::from_secs(2));
        let expected =
            "msec,3.0,66.67,50.00,33.33,16.67,16.67,16.67,16.67,16.67,16.67,16.67,16.67,0.00,0.00,0.00,0.00,0.00,0.00;";
        assert_eq!(track.output, expected);
    }

    #[test]
    fn counts_by_kind_and_code() {
        let mut stats = TxnStats::default();
        stats.count(TxnKind::Read, ResultCode::Ok);
        stats.count(TxnKind::Read, ResultCode::NotFound);
        stats.count(TxnKind::Write, ResultCode::Generation);
        stats.count(TxnKind::Write, ResultCode::OutOfSpace);
        stats.count(TxnKind::Delete, ResultCode::NotFound);
        assert_eq!(stats.client_read_success, 1);
        assert_eq!(stats.client_read_not_found, 1);
        assert_eq!(stats.fail_generation, 1);
        assert_eq!(stats.client_write_error, 1);
        assert_eq!(stats.client_delete_not_found, 1);
    }
}

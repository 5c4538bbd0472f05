//! Aerospike's benchmark histograms (`enable-benchmarks-read`, `-write`, `-udf`, `-batch-sub`,
//! `-ops-sub`, `-udf-sub` and `enable-hist-proxy` in a namespace): where a transaction's time
//! goes, phase by phase.
//! Off by default; when a group is off, a transaction pays one flag test for it.
//!
//! A transaction carries a [`Bench`] clock from where it arrived to where its response is sent:
//! each phase it ends records the time since the previous one (Aerospike's
//! `BENCHMARK_NEXT_DATA_POINT`, `as/include/base/transaction.h`). The phases, as Scramjet runs a
//! transaction:
//!
//! | phase | from | to |
//! |---|---|---|
//! | `prestart` (batch rows) | the batch request read | the row starting on its shard |
//! | `start` | the request read (a row: its start) | the command starting on the owning shard (the shard hop included) |
//! | `restart` | the previous attempt | a UDF's attempt again after its record changed under it |
//! | `dup-res` | start | duplicate resolution done (only while the partition migrates in) |
//! | `local` / `master` | the previous phase | the command run, its write durable if commit-to-device |
//! | `repl-write` | master | every replica acknowledged |
//! | `response` | the last phase | the response written to the socket (a row: back in its batch or job) |
//!
//! The rows of background jobs (`ops-sub`: operations, `udf-sub`: a record UDF) start on the
//! shard that owns their record, so their `start` is near zero.
//!
//! `repl-ping` (linearized reads) never counts: Scramjet has no strong consistency.

use std::time::Instant;

use super::stats::{LatencyHist, LatencyKind};

/// A namespace's benchmark switches (dynamic, by `set-config`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Benchmarks {
    /// `enable-benchmarks-read`.
    pub read: bool,
    /// `enable-benchmarks-write`.
    pub write: bool,
    /// `enable-benchmarks-udf`.
    pub udf: bool,
    /// `enable-benchmarks-batch-sub`.
    pub batch_sub: bool,
    /// `enable-benchmarks-ops-sub`.
    pub ops_sub: bool,
    /// `enable-benchmarks-udf-sub`.
    pub udf_sub: bool,
    /// `enable-hist-proxy`.
    pub proxy: bool,
}

impl Benchmarks {
    /// Applies `name value` if it is a benchmark item: `None` if it is not one.
    pub fn apply(&mut self, name: &str, value: &str) -> Option<Result<(), String>> {
        let slot = match name {
            "enable-benchmarks-read" => &mut self.read,
            "enable-benchmarks-write" => &mut self.write,
            "enable-benchmarks-udf" => &mut self.udf,
            "enable-benchmarks-batch-sub" => &mut self.batch_sub,
            "enable-benchmarks-ops-sub" => &mut self.ops_sub,
            "enable-benchmarks-udf-sub" => &mut self.udf_sub,
            "enable-hist-proxy" => &mut self.proxy,
            _ => return None,
        };
        Some(super::config::value::parse_bool(value).map(|on| *slot = on).map_err(|e| format!("{name}: {e}")))
    }

    /// The items as `get-config` shows them.
    pub fn items(&self) -> [(&'static str, bool); 7] {
        [
            ("enable-benchmarks-batch-sub", self.batch_sub),
            ("enable-benchmarks-ops-sub", self.ops_sub),
            ("enable-benchmarks-read", self.read),
            ("enable-benchmarks-udf", self.udf),
            ("enable-benchmarks-udf-sub", self.udf_sub),
            ("enable-benchmarks-write", self.write),
            ("enable-hist-proxy", self.proxy),
        ]
    }

    /// Whether any transaction histograms count (`enable-hist-proxy` aside).
    pub fn any_transaction(&self) -> bool {
        self.read || self.write || self.udf || self.batch_sub || self.ops_sub || self.udf_sub
    }

    /// Whether the histograms of `group` count.
    pub fn enabled(&self, group: Group) -> bool {
        match group {
            Group::Read => self.read,
            Group::Write => self.write,
            Group::Udf => self.udf,
            Group::BatchSub => self.batch_sub,
            Group::OpsSub => self.ops_sub,
            Group::UdfSub => self.udf_sub,
            Group::Proxy => self.proxy,
        }
    }
}

/// A group of benchmark histograms, as `latencies:hist={ns}-benchmarks-<group>` shows it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Group {
    /// Single-record reads.
    Read,
    /// Single-record writes and deletes.
    Write,
    /// Record UDFs.
    Udf,
    /// Batch rows.
    BatchSub,
    /// Rows of background operation jobs.
    OpsSub,
    /// Rows of background UDF jobs.
    UdfSub,
    /// Proxied commands (`{ns}-proxy`).
    Proxy,
}

/// A phase of a transaction (see the module table).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Phase {
    /// From arrival to the owning shard.
    Start,
    /// A UDF's attempt again.
    Restart,
    /// Duplicate resolution.
    DupRes,
    /// The command (`local` for reads, `master` for writes and UDFs).
    Local,
    /// Replica writes.
    ReplWrite,
    /// Sending the response.
    Response,
}

/// Every benchmark histogram of a namespace, with its group, in `latencies:` order (the name
/// after `{ns}-`).
pub const HISTOGRAMS: [(Group, &str); COUNT] = [
    (Group::Read, "read-start"),
    (Group::Read, "read-restart"),
    (Group::Read, "read-dup-res"),
    (Group::Read, "read-repl-ping"),
    (Group::Read, "read-local"),
    (Group::Read, "read-response"),
    (Group::Write, "write-start"),
    (Group::Write, "write-restart"),
    (Group::Write, "write-dup-res"),
    (Group::Write, "write-master"),
    (Group::Write, "write-repl-write"),
    (Group::Write, "write-response"),
    (Group::Udf, "udf-start"),
    (Group::Udf, "udf-restart"),
    (Group::Udf, "udf-dup-res"),
    (Group::Udf, "udf-master"),
    (Group::Udf, "udf-repl-write"),
    (Group::Udf, "udf-response"),
    (Group::BatchSub, "batch-sub-prestart"),
    (Group::BatchSub, "batch-sub-start"),
    (Group::BatchSub, "batch-sub-restart"),
    (Group::BatchSub, "batch-sub-dup-res"),
    (Group::BatchSub, "batch-sub-repl-ping"),
    (Group::BatchSub, "batch-sub-read-local"),
    (Group::BatchSub, "batch-sub-write-master"),
    (Group::BatchSub, "batch-sub-udf-master"),
    (Group::BatchSub, "batch-sub-repl-write"),
    (Group::BatchSub, "batch-sub-response"),
    (Group::Proxy, "proxy"),
    (Group::UdfSub, "udf-sub-start"),
    (Group::UdfSub, "udf-sub-restart"),
    (Group::UdfSub, "udf-sub-dup-res"),
    (Group::UdfSub, "udf-sub-master"),
    (Group::UdfSub, "udf-sub-repl-write"),
    (Group::UdfSub, "udf-sub-response"),
    (Group::OpsSub, "ops-sub-start"),
    (Group::OpsSub, "ops-sub-restart"),
    (Group::OpsSub, "ops-sub-dup-res"),
    (Group::OpsSub, "ops-sub-master"),
    (Group::OpsSub, "ops-sub-repl-write"),
    (Group::OpsSub, "ops-sub-response"),
];

/// How many benchmark histograms a namespace has.
pub const COUNT: usize = 41;

/// Where `proxy` is in [`HISTOGRAMS`].
const PROXY: usize = 28;

/// Where `batch-sub-prestart` is in [`HISTOGRAMS`].
const PRESTART: usize = 18;

/// The `latencies:hist=` name of a group, after `{ns}-` (`proxy` is a histogram of its own).
pub fn group_name(group: Group) -> &'static str {
    match group {
        Group::Read => "benchmarks-read",
        Group::Write => "benchmarks-write",
        Group::Udf => "benchmarks-udf",
        Group::BatchSub => "benchmarks-batch-sub",
        Group::OpsSub => "benchmarks-ops-sub",
        Group::UdfSub => "benchmarks-udf-sub",
        Group::Proxy => "proxy",
    }
}

/// Where a transaction came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Origin {
    /// A client's single-record command.
    Client,
    /// A batch row.
    Batch,
    /// A row of a background operations job.
    OpsSub,
    /// A row of a background UDF job.
    UdfSub,
}

/// Where a transaction came from, and when: the start of its benchmark clock.
#[derive(Debug, Clone, Copy)]
pub struct Arrival {
    /// When the request was read (a row: when the row started).
    pub at: Instant,
    /// Where it came from.
    pub origin: Origin,
}

impl Arrival {
    /// A client's request read at `at`.
    pub fn client(at: Instant) -> Arrival {
        Arrival { at, origin: Origin::Client }
    }
}

/// A namespace's benchmark histograms, as [`HISTOGRAMS`] lists them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BenchHists(pub [LatencyHist; COUNT]);

impl Default for BenchHists {
    fn default() -> Self {
        BenchHists([LatencyHist::default(); COUNT])
    }
}

impl BenchHists {
    /// Adds another shard's counts.
    pub fn add(&mut self, other: &BenchHists) {
        for (mine, theirs) in self.0.iter_mut().zip(&other.0) {
            mine.add(theirs);
        }
    }
}

/// A transaction's benchmark clock: its namespace, which histograms it counts in, and when
/// its last phase ended. Exists only while its group is enabled.
#[derive(Debug, Clone, Copy)]
pub struct Bench {
    /// The namespace's index.
    pub ns: usize,
    group: Group,
    kind: LatencyKind,
    mark: Instant,
}

impl Bench {
    /// Starts the clock of a transaction of `kind` (read, write or UDF) in namespace `ns`, if
    /// its group is enabled in `on`, counting its `start` phase in `hists`.
    pub fn begin(
        on: &Benchmarks,
        ns: usize,
        arrival: Arrival,
        kind: LatencyKind,
        hists: &mut BenchHists,
    ) -> Option<Bench> {
        let group = match (arrival.origin, kind) {
            (Origin::Batch, _) => Group::BatchSub,
            (Origin::OpsSub, _) => Group::OpsSub,
            (Origin::UdfSub, _) => Group::UdfSub,
            (Origin::Client, LatencyKind::Udf) => Group::Udf,
            (Origin::Client, LatencyKind::Write) => Group::Write,
            (Origin::Client, _) => Group::Read,
        };
        if !on.enabled(group) {
            return None;
        }
        let mut bench = Bench { ns, group, kind, mark: arrival.at };
        bench.point(Phase::Start, hists);
        Some(bench)
    }

    /// Ends `phase` now: counts the time since the previous phase in its histogram.
    pub fn point(&mut self, phase: Phase, hists: &mut BenchHists) {
        let now = Instant::now();
        if let Some(index) = index(self.group, self.kind, phase) {
            hists.0[index].record(now.saturating_duration_since(self.mark));
        }
        self.mark = now;
    }
}

/// Counts a batch row's `prestart` (from its batch's arrival to the row's start) if batch-sub
/// benchmarks are on.
pub fn prestart(on: &Benchmarks, batch_arrival: Instant, row_start: Instant, hists: &mut BenchHists) {
    if on.batch_sub {
        hists.0[PRESTART].record(row_start.saturating_duration_since(batch_arrival));
    }
}

/// Counts a proxied command's round trip, from `since`, if `enable-hist-proxy` is on.
pub fn proxied(on: &Benchmarks, since: Instant, hists: &mut BenchHists) {
    if on.proxy {
        hists.0[PROXY].record(since.elapsed());
    }
}

/// The histogram of `phase` for a transaction of `group` and `kind`, if it has one.
fn index(group: Group, kind: LatencyKind, phase: Phase) -> Option<usize> {
    let base = match group {
        Group::Read => {
            return match phase {
                Phase::Start => Some(0),
                Phase::Restart => Some(1),
                Phase::DupRes => Some(2),
                Phase::Local => Some(4),
                Phase::Response => Some(5),
                Phase::ReplWrite => None,
            }
        }
        Group::Write => 6,
        Group::Udf => 12,
        Group::UdfSub => 29,
        Group::OpsSub => 35,
        Group::BatchSub => {
            return Some(match phase {
                Phase::Start => 19,
                Phase::Restart => 20,
                Phase::DupRes => 21,
                Phase::Local => match kind {
                    LatencyKind::Write => 24,
                    LatencyKind::Udf => 25,
                    _ => 23,
                },
                Phase::ReplWrite => 26,
                Phase::Response => 27,
            })
        }
        Group::Proxy => return None,
    };
    match phase {
        Phase::Start => Some(base),
        Phase::Restart => Some(base + 1),
        Phase::DupRes => Some(base + 2),
        Phase::Local => Some(base + 3),
        Phase::ReplWrite => Some(base + 4),
        Phase::Response => Some(base + 5),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn phases_land_in_their_named_histograms() {
        let cases = [
            (Group::Read, LatencyKind::Read, Phase::Local, "read-local"),
            (Group::Read, LatencyKind::Read, Phase::Response, "read-response"),
            (Group::Write, LatencyKind::Write, Phase::Local, "write-master"),
            (Group::Write, LatencyKind::Write, Phase::ReplWrite, "write-repl-write"),
            (Group::Udf, LatencyKind::Udf, Phase::Restart, "udf-restart"),
            (Group::Udf, LatencyKind::Udf, Phase::Local, "udf-master"),
            (Group::BatchSub, LatencyKind::Read, Phase::Local, "batch-sub-read-local"),
            (Group::BatchSub, LatencyKind::Write, Phase::Local, "batch-sub-write-master"),
            (Group::BatchSub, LatencyKind::Udf, Phase::Local, "batch-sub-udf-master"),
            (Group::BatchSub, LatencyKind::Read, Phase::Response, "batch-sub-response"),
        ];
        for (group, kind, phase, name) in cases {
            let i = index(group, kind, phase).unwrap();
            assert_eq!(HISTOGRAMS[i], (group, name));
        }
        assert_eq!(index(Group::Read, LatencyKind::Read, Phase::ReplWrite), None);
        assert_eq!(HISTOGRAMS[PRESTART], (Group::BatchSub, "batch-sub-prestart"));
        assert_eq!(HISTOGRAMS[PROXY], (Group::Proxy, "proxy"));
        assert_eq!(HISTOGRAMS[index(Group::OpsSub, LatencyKind::Write, Phase::Local).unwrap()].1, "ops-sub-master");
        assert_eq!(HISTOGRAMS[index(Group::UdfSub, LatencyKind::Udf, Phase::Response).unwrap()].1, "udf-sub-response");
        assert_eq!(HISTOGRAMS.len(), COUNT);
    }

    #[test]
    fn a_disabled_group_starts_no_clock() {
        let mut hists = BenchHists::default();
        let at = Instant::now();
        let on = Benchmarks { write: true, ..Benchmarks::default() };
        assert!(Bench::begin(&on, 0, Arrival::client(at), LatencyKind::Read, &mut hists).is_none());
        let mut bench = Bench::begin(&on, 0, Arrival::client(at), LatencyKind::Write, &mut hists).unwrap();
        bench.point(Phase::Local, &mut hists);
        bench.point(Phase::Response, &mut hists);
        let counted: Vec<&str> =
            HISTOGRAMS.iter().zip(&hists.0).filter(|(_, h)| h.total() > 0).map(|((_, name), _)| *name).collect();
        assert_eq!(counted, ["write-start", "write-master", "write-response"]);
    }

    #[test]
    fn items_parse_as_booleans() {
        let mut on = Benchmarks::default();
        assert_eq!(on.apply("enable-benchmarks-read", "true"), Some(Ok(())));
        assert!(on.read);
        assert!(on.apply("enable-benchmarks-read", "maybe").unwrap().is_err());
        assert_eq!(on.apply("default-ttl", "0"), None);
    }
}

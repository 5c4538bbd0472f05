//! Latency histograms and counters: each executor records into its own [`Recorder`] (no
//! sharing); once a second it hands over an [`Interval`], and at the end its totals, which the
//! main thread merges into the progress lines and the final [`Report`].

use std::collections::BTreeMap;

use hdrhistogram::Histogram;
use serde_json::{json, Value as Json};

/// Operation types, as reported.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum OpKind {
    /// Single-record reads.
    Read,
    /// Writes (inserts, updates, replaces).
    Write,
    /// Batch reads (one operation per batch).
    Batch,
    /// Deletes.
    Delete,
    /// Echo round trips (`--echo`).
    Echo,
}

impl OpKind {
    /// Every kind, in report order.
    pub const ALL: [OpKind; 5] = [OpKind::Read, OpKind::Write, OpKind::Batch, OpKind::Delete, OpKind::Echo];

    /// The report's name.
    pub fn name(self) -> &'static str {
        match self {
            OpKind::Read => "read",
            OpKind::Write => "write",
            OpKind::Batch => "batch",
            OpKind::Delete => "delete",
            OpKind::Echo => "echo",
        }
    }
}

/// Highest latency recorded exactly: 60 s, in microseconds.
const MAX_US: u64 = 60_000_000;

fn histogram() -> Histogram<u64> {
    Histogram::new_with_bounds(1, MAX_US, 3).expect("valid bounds")
}

/// Counts and latencies of one kind.
#[derive(Debug, Clone)]
pub struct KindStats {
    /// Latencies (µs) of successful operations.
    pub latency: Histogram<u64>,
    /// Operations that failed, by result code (timeouts are code 9).
    pub errors: BTreeMap<i32, u64>,
    /// Reads and deletes that found no record (not errors).
    pub not_found: u64,
}

impl Default for KindStats {
    fn default() -> Self {
        KindStats { latency: histogram(), errors: BTreeMap::new(), not_found: 0 }
    }
}

impl KindStats {
    /// Successful operations.
    pub fn ok(&self) -> u64 {
        self.latency.len()
    }

    /// Failed operations.
    pub fn error_count(&self) -> u64 {
        self.errors.values().sum()
    }

    fn add(&mut self, other: &KindStats) {
        self.latency.add(&other.latency).expect("same bounds");
        for (code, n) in &other.errors {
            *self.errors.entry(*code).or_default() += n;
        }
        self.not_found += other.not_found;
    }
}

/// Stats of every kind.
#[derive(Debug, Clone, Default)]
pub struct Stats {
    /// By kind.
    pub kinds: BTreeMap<OpKind, KindStats>,
}

impl Stats {
    /// Records a success taking `micros`.
    pub fn ok(&mut self, kind: OpKind, micros: u64) {
        let stats = self.kinds.entry(kind).or_default();
        stats.latency.saturating_record(micros.clamp(1, MAX_US));
    }

    /// Records a not-found answer taking `micros` (a success for latency purposes).
    pub fn not_found(&mut self, kind: OpKind, micros: u64) {
        self.ok(kind, micros);
        self.kinds.entry(kind).or_default().not_found += 1;
    }

    /// Records a failure with result `code`.
    pub fn error(&mut self, kind: OpKind, code: i32) {
        *self.kinds.entry(kind).or_default().errors.entry(code).or_default() += 1;
    }

    /// Adds `other` into this.
    pub fn merge(&mut self, other: &Stats) {
        for (kind, s) in &other.kinds {
            self.kinds.entry(*kind).or_default().add(s);
        }
    }

    /// Operations finished (successes and failures).
    pub fn ops(&self) -> u64 {
        self.kinds.values().map(|k| k.ok() + k.error_count()).sum()
    }

    /// Failed operations.
    pub fn errors(&self) -> u64 {
        self.kinds.values().map(KindStats::error_count).sum()
    }

    /// Failures with code 9.
    pub fn timeouts(&self) -> u64 {
        self.kinds.values().map(|k| k.errors.get(&9).copied().unwrap_or(0)).sum()
    }

    /// All successful latencies together.
    pub fn all_latencies(&self) -> Histogram<u64> {
        let mut h = histogram();
        for k in self.kinds.values() {
            h.add(&k.latency).expect("same bounds");
        }
        h
    }
}

fn latency_json(h: &Histogram<u64>) -> Json {
    if h.is_empty() {
        return json!({"p50": 0, "p90": 0, "p99": 0, "p999": 0, "max": 0, "mean": 0.0});
    }
    json!({
        "p50": h.value_at_quantile(0.50),
        "p90": h.value_at_quantile(0.90),
        "p99": h.value_at_quantile(0.99),
        "p999": h.value_at_quantile(0.999),
        "max": h.max(),
        "mean": (h.mean() * 10.0).round() / 10.0,
    })
}

fn errors_json(errors: &BTreeMap<i32, u64>) -> Json {
    Json::Object(errors.iter().map(|(c, n)| (c.to_string(), json!(n))).collect())
}

/// One progress line: `elapsed` seconds in, `stats` for the last `seconds`.
pub fn progress_line(elapsed: u64, stats: &Stats, seconds: f64) -> String {
    let mut line = format!("{elapsed:>4}s");
    let mut any = false;
    for kind in OpKind::ALL {
        let Some(k) = stats.kinds.get(&kind) else { continue };
        let n = k.ok() + k.error_count();
        if n == 0 {
            continue;
        }
        any = true;
        line.push_str(&format!(
            " | {} {:.0}/s p50 {} p99 {} max {} us",
            kind.name(),
            n as f64 / seconds,
            k.latency.value_at_quantile(0.5),
            k.latency.value_at_quantile(0.99),
            k.latency.max()
        ));
    }
    if !any {
        line.push_str(" | no operations");
    }
    line.push_str(&format!(" | errors {} timeouts {}", stats.errors() - stats.timeouts(), stats.timeouts()));
    line
}

/// One second of a run: its operations, errors and latency percentiles (µs, successes).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Second {
    /// Seconds since the start (1 = the first second).
    pub second: u64,
    /// Operations finished in it (successes and failures).
    pub ops: u64,
    /// Failed operations.
    pub errors: u64,
    /// Median latency.
    pub p50: u64,
    /// 99th percentile.
    pub p99: u64,
    /// 99.9th percentile.
    pub p999: u64,
}

impl Second {
    /// The summary of one second's merged stats.
    pub fn of(second: u64, stats: &Stats) -> Second {
        let latencies = stats.all_latencies();
        let at = |q: f64| if latencies.is_empty() { 0 } else { latencies.value_at_quantile(q) };
        Second { second, ops: stats.ops(), errors: stats.errors(), p50: at(0.5), p99: at(0.99), p999: at(0.999) }
    }

    fn to_json(self) -> Json {
        json!({"second": self.second, "ops": self.ops, "errors": self.errors,
               "p50_us": self.p50, "p99_us": self.p99, "p999_us": self.p999})
    }
}

/// The outcome of a run.
#[derive(Debug)]
pub struct Report {
    /// Everything recorded.
    pub stats: Stats,
    /// Wall time of the measured part, in seconds.
    pub seconds: f64,
    /// CPU time this process used meanwhile (user + system), in seconds.
    pub cpu_seconds: f64,
    /// The run's settings, echoed in the JSON.
    pub config: Json,
    /// Each second of the run.
    pub per_second: Vec<Second>,
}

impl Report {
    /// Operations per second.
    pub fn throughput(&self) -> f64 {
        self.stats.ops() as f64 / self.seconds.max(1e-9)
    }

    /// The tool's own CPU time per operation, in microseconds.
    pub fn cpu_us_per_op(&self) -> f64 {
        self.cpu_seconds * 1e6 / self.stats.ops().max(1) as f64
    }

    /// The `--json` report.
    pub fn to_json(&self) -> Json {
        let by_op: serde_json::Map<String, Json> = self
            .stats
            .kinds
            .iter()
            .map(|(kind, k)| {
                let n = k.ok() + k.error_count();
                (
                    kind.name().to_string(),
                    json!({
                        "ops": n,
                        "throughput": n as f64 / self.seconds.max(1e-9),
                        "errors": k.error_count(),
                        "errors_by_code": errors_json(&k.errors),
                        "not_found": k.not_found,
                        "latency_us": latency_json(&k.latency),
                    }),
                )
            })
            .collect();
        let mut all_errors = BTreeMap::new();
        for k in self.stats.kinds.values() {
            for (c, n) in &k.errors {
                *all_errors.entry(*c).or_default() += n;
            }
        }
        json!({
            "ops": self.stats.ops(),
            "throughput": self.throughput(),
            "errors": self.stats.errors(),
            "timeouts": self.stats.timeouts(),
            "errors_by_code": errors_json(&all_errors),
            "duration_s": self.seconds,
            "latency_us": latency_json(&self.stats.all_latencies()),
            "by_op": by_op,
            "tool_cpu": {
                "cpu_s": self.cpu_seconds,
                "us_per_op": self.cpu_us_per_op(),
                "cores_used": self.cpu_seconds / self.seconds.max(1e-9),
            },
            "config": self.config,
            "per_second": self.per_second.iter().map(|s| s.to_json()).collect::<Vec<_>>(),
        })
    }

    /// The summary printed at the end.
    pub fn summary(&self) -> String {
        let mut out = format!(
            "total: {} ops in {:.2} s = {:.0} ops/s, {} errors ({} timeouts); tool CPU {:.2} us/op ({:.2} cores)\n",
            self.stats.ops(),
            self.seconds,
            self.throughput(),
            self.stats.errors(),
            self.stats.timeouts(),
            self.cpu_us_per_op(),
            self.cpu_seconds / self.seconds.max(1e-9)
        );
        out.push_str("op       ops/s       p50us   p90us   p99us  p99.9us   maxus   errors\n");
        let mut rows: Vec<(String, &Histogram<u64>, u64, u64)> = Vec::new();
        for (kind, k) in &self.stats.kinds {
            rows.push((kind.name().into(), &k.latency, k.ok() + k.error_count(), k.error_count()));
        }
        let all = self.stats.all_latencies();
        rows.push(("all".into(), &all, self.stats.ops(), self.stats.errors()));
        for (name, h, n, e) in rows {
            out.push_str(&format!(
                "{name:<8} {:>9.0} {:>9} {:>7} {:>7} {:>8} {:>7} {:>8}\n",
                n as f64 / self.seconds.max(1e-9),
                h.value_at_quantile(0.5),
                h.value_at_quantile(0.9),
                h.value_at_quantile(0.99),
                h.value_at_quantile(0.999),
                h.max(),
                e
            ));
        }
        for (kind, k) in &self.stats.kinds {
            for (code, n) in &k.errors {
                out.push_str(&format!(
                    "  {} error {code} ({}): {n}\n",
                    kind.name(),
                    scramjet::error::result_name_any(*code)
                ));
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentiles_of_a_known_distribution() {
        let mut s = Stats::default();
        for us in 1..=10_000 {
            s.ok(OpKind::Read, us);
        }
        let h = &s.kinds[&OpKind::Read].latency;
        let near = |q: f64, want: u64| {
            let got = h.value_at_quantile(q);
            assert!(got.abs_diff(want) <= want / 500 + 1, "q{q}: {got} vs {want}");
        };
        near(0.5, 5_000);
        near(0.9, 9_000);
        near(0.99, 9_900);
        near(0.999, 9_990);
        assert!(h.equivalent(h.max(), 10_000), "max {} (to 3 significant digits)", h.max());
    }

    #[test]
    fn merged_counts_and_json_fields() {
        let mut a = Stats::default();
        let mut b = Stats::default();
        a.ok(OpKind::Read, 100);
        a.not_found(OpKind::Read, 50);
        b.ok(OpKind::Write, 200);
        b.error(OpKind::Write, 9);
        b.error(OpKind::Write, 13);
        a.merge(&b);
        assert_eq!((a.ops(), a.errors(), a.timeouts()), (5, 2, 1));
        let second = Second::of(1, &a);
        let report = Report { stats: a, seconds: 2.0, cpu_seconds: 0.5, config: json!({}), per_second: vec![second] };
        let j = report.to_json();
        assert_eq!(j["ops"], 5);
        assert_eq!(j["throughput"], 2.5);
        assert_eq!(j["errors"], 2);
        assert_eq!(j["by_op"]["read"]["not_found"], 1);
        assert_eq!(j["by_op"]["write"]["errors_by_code"]["13"], 1);
        for field in ["p50", "p90", "p99", "p999", "max"] {
            assert!(j["latency_us"][field].is_u64(), "{field}");
            assert!(j["by_op"]["write"]["latency_us"][field].is_u64(), "{field}");
        }
        assert_eq!(j["tool_cpu"]["us_per_op"], 100_000.0);
        assert!(report.summary().contains("write error 13 (record too big): 1"));
        let second = &j["per_second"][0];
        assert_eq!(
            (second["second"].as_u64(), second["ops"].as_u64(), second["errors"].as_u64()),
            (Some(1), Some(5), Some(2))
        );
        assert_eq!(second["p50_us"], 100);
        assert_eq!(second["p999_us"], 200);
    }
}

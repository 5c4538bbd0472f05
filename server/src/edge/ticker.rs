//! The ticker (Aerospike's `base/ticker.c`): every `ticker-interval` seconds shard 0 gathers the
//! node's counters from every shard's snapshot (nothing on the data path is locked or waited
//! on), dumps the latency histograms for `latencies:` (rates and shares over thresholds since
//! the previous dump), and logs one compact block: the node and its cluster, client
//! connections, per namespace its objects, memory and device use, transaction rates, migrations
//! and defrag, then the histograms that saw operations.

use std::rc::Rc;
use std::time::{Duration, Instant};

use crate::ground::bench::{self, Benchmarks};
use crate::ground::stats::{LatencyHist, LatencyKind, LatencyTrack, ShardSnapshot};
use crate::log;
use crate::shard::Shard;

/// One of the node's latency histograms: its `latencies:` name, its counts, and whether it is
/// on (canonical histograms always; `info` and the benchmark ones when switched on).
pub struct Histogram {
    /// Its `latencies:` name.
    pub name: String,
    /// Node totals.
    pub hist: LatencyHist,
    /// Whether it counts (and so is dumped).
    pub on: bool,
}

/// The names of the node's canonical histograms, in `latencies:` order: `batch-index`, then
/// per namespace `{ns}-read`, `{ns}-write`, ...
fn canonical_names(namespaces: &[String]) -> Vec<String> {
    let mut out = vec!["batch-index".to_string()];
    for name in namespaces {
        out.extend(LatencyKind::ALL.iter().map(|kind| format!("{{{name}}}-{}", kind.name())));
    }
    out
}

/// Every latency histogram of a node snapshot: the canonical ones (in `latencies:` order),
/// then `info`, then each namespace's benchmark histograms. `benchmarks` (per namespace) and
/// `hist_info` say which of the others are on.
pub fn histograms(
    shard: &Shard,
    snapshot: &ShardSnapshot,
    benchmarks: &[Benchmarks],
    hist_info: bool,
) -> Vec<Histogram> {
    let namespaces = &shard.node.namespaces;
    let canonical = std::iter::once(snapshot.connections.batch_index_latency)
        .chain(snapshot.namespaces.iter().flat_map(|ns| ns.txn.latency));
    let mut out: Vec<Histogram> = canonical_names(namespaces)
        .into_iter()
        .zip(canonical)
        .map(|(name, hist)| Histogram { name, hist, on: true })
        .collect();
    out.push(Histogram { name: "info".into(), hist: snapshot.connections.info_latency, on: hist_info });
    for ((name, ns), on) in namespaces.iter().zip(&snapshot.namespaces).zip(benchmarks) {
        for ((group, hist_name), hist) in bench::HISTOGRAMS.iter().zip(ns.txn.bench.0) {
            out.push(Histogram { name: format!("{{{name}}}-{hist_name}"), hist, on: on.enabled(*group) });
        }
    }
    out
}

/// The histograms `latencies:[hist=NAME]` answers with: without a name the canonical ones;
/// `batch-index`, `info`, `{ns}-read` (...), `{ns}-proxy`, or a namespace's benchmark group
/// (`{ns}-benchmarks-read`, `-write`, `-udf`, `-batch-sub`). `None` for an unknown name.
pub fn latency_names(namespaces: &[String], wanted: Option<&str>) -> Option<Vec<String>> {
    let canonical = canonical_names(namespaces);
    let Some(wanted) = wanted else { return Some(canonical) };
    if wanted == "info" || canonical.iter().any(|n| n == wanted) {
        return Some(vec![wanted.to_string()]);
    }
    let (ns, rest) = wanted.strip_prefix('{')?.split_once("}-")?;
    if !namespaces.iter().any(|n| n == ns) {
        return None;
    }
    let group = bench::HISTOGRAMS.iter().map(|(g, _)| *g).find(|g| bench::group_name(*g) == rest)?;
    let names = bench::HISTOGRAMS.iter().filter(|(g, _)| *g == group).map(|(_, name)| format!("{{{ns}}}-{name}"));
    Some(names.collect())
}

/// Runs the ticker on shard 0, until the node stops.
pub async fn run(shard: Rc<Shard>) {
    let mut previous: Option<(Instant, ShardSnapshot)> = None;
    let mut cpu = crate::ground::process::sample();
    let mut last = Instant::now();
    loop {
        // Wakes each second to see the interval `set-config` may have changed.
        let interval = Duration::from_secs(shard.state.borrow().service.ticker_interval_secs);
        let due = last + interval;
        let now = Instant::now();
        if now < due {
            glommio::timer::sleep((due - now).min(Duration::from_secs(1))).await;
            continue;
        }
        last = now;
        let Ok(snapshot) = shard.node_snapshot().await else { return };
        let now = Instant::now();
        let sample = crate::ground::process::sample();
        shard.node.cpu.update(&cpu, &sample);
        cpu = sample;
        let hists = node_histograms(&shard, &snapshot);
        dump_latencies(&shard, &hists, now);
        log_block(&shard, &snapshot, &hists, previous.as_ref().map(|(at, p)| (now.duration_since(*at), p)));
        previous = Some((now, snapshot));
    }
}

/// The node's histograms, with what this shard's settings switch on.
fn node_histograms(shard: &Shard, snapshot: &ShardSnapshot) -> Vec<Histogram> {
    let (benchmarks, hist_info) = {
        let state = shard.state.borrow();
        (state.benchmarks.clone(), state.service.enable_hist_info)
    };
    histograms(shard, snapshot, &benchmarks, hist_info)
}

/// Updates the `latencies:` dumps kept on this shard (of the histograms that are on; one
/// switched off keeps its last dump, as in Aerospike).
fn dump_latencies(shard: &Shard, hists: &[Histogram], now: Instant) {
    let mut state = shard.state.borrow_mut();
    if state.latencies.len() != hists.len() {
        state.latencies = hists.iter().map(|h| (h.name.clone(), LatencyTrack::default())).collect();
    }
    for ((_, track), h) in state.latencies.iter_mut().zip(hists) {
        if h.on {
            track.dump(&h.hist, now);
        }
    }
}

fn rate(now: u64, before: Option<u64>, over: Option<Duration>) -> f64 {
    match (before, over) {
        (Some(b), Some(d)) if !d.is_zero() => now.saturating_sub(b) as f64 / d.as_secs_f64(),
        _ => 0.0,
    }
}

fn log_block(
    shard: &Shard,
    snapshot: &ShardSnapshot,
    hists: &[Histogram],
    previous: Option<(Duration, &ShardSnapshot)>,
) {
    let node = &shard.node;
    let cluster = node.cluster.read().unwrap_or_else(|p| p.into_inner()).clone();
    let c = &snapshot.connections;
    log!(
        Info,
        "info",
        "NODE-ID {:X} CLUSTER-SIZE {} CLUSTER-KEY {:X}",
        node.node_id,
        cluster.succession.len(),
        crate::edge::info::cluster::cluster_key(node)
    );
    log!(
        Info,
        "info",
        "   fds: proto ({},{},{}) open {} shards {}",
        c.client_connections,
        c.client_connections_opened,
        c.client_connections_closed,
        crate::ground::process::open_fds(),
        node.n_shards
    );
    let (free_kib, free_pct) = crate::ground::process::free_memory();
    log!(
        Info,
        "info",
        "   system: total-cpu-pct {} user-cpu-pct {} kernel-cpu-pct {} free-mem-kbytes {free_kib} free-mem-pct {free_pct}",
        node.cpu.system_user.load(std::sync::atomic::Ordering::Relaxed)
            + node.cpu.system_kernel.load(std::sync::atomic::Ordering::Relaxed),
        node.cpu.system_user.load(std::sync::atomic::Ordering::Relaxed),
        node.cpu.system_kernel.load(std::sync::atomic::Ordering::Relaxed),
    );
    log!(
        Info,
        "info",
        "   process: cpu-pct {} rss-bytes {}",
        node.cpu.process.load(std::sync::atomic::Ordering::Relaxed),
        crate::ground::process::rss_bytes()
    );
    let interval = previous.map(|(d, _)| d);
    for (i, (ns, name)) in snapshot.namespaces.iter().zip(&node.namespaces).enumerate() {
        let before = previous.and_then(|(_, p)| p.namespaces.get(i));
        let e = &ns.engine;
        log!(
            Info,
            "info",
            "{{{name}}} objects: all {} master {} tombstones {} expired {} evicted {}",
            e.objects,
            ns.cluster.master_objects,
            e.tombstones,
            e.expired_objects,
            e.evicted_objects
        );
        log!(
            Info,
            "info",
            "{{{name}}} data-usage: used-bytes {} total-bytes {} index-bytes {} sindex-bytes {}",
            e.data_used_bytes,
            e.data_total_bytes,
            ns.index_bytes,
            ns.sindex_bytes
        );
        if e.space.total_blocks > 0 {
            log!(
                Info,
                "info",
                "{{{name}}} device-usage: blocks {} free {} defrag-blocks {} defrag-records {}",
                e.space.total_blocks,
                e.space.free_blocks,
                e.space.defrag_blocks,
                e.space.defrag_records
            );
        }
        let t = &ns.txn;
        let r = |now: u64, was: fn(&crate::ground::stats::TxnStats) -> u64| {
            rate(now, before.map(|b| was(&b.txn)), interval)
        };
        log!(
            Info,
            "info",
            "{{{name}}} client: read ({},{},{}) write ({},{}) delete ({},{},{}) udf ({},{}) per-sec read {:.1} write {:.1}",
            t.client_read_success,
            t.client_read_error,
            t.client_read_not_found,
            t.client_write_success,
            t.client_write_error,
            t.client_delete_success,
            t.client_delete_error,
            t.client_delete_not_found,
            t.client_udf_complete,
            t.client_udf_error,
            r(t.client_read_success + t.client_read_not_found, |b| b.client_read_success + b.client_read_not_found),
            r(t.client_write_success, |b| b.client_write_success),
        );
        if ns.cluster.tx_remaining + ns.cluster.rx_remaining > 0 {
            log!(
                Info,
                "info",
                "{{{name}}} migrations: remaining ({},{})",
                ns.cluster.tx_remaining,
                ns.cluster.rx_remaining
            );
        }
    }
    // The histograms that saw operations, as Aerospike dumps them: their total, then the
    // non-empty buckets, four to a line.
    for Histogram { name, hist, on } in hists {
        let total = hist.total();
        if total == 0 || !on {
            continue;
        }
        log!(Info, "info", "histogram dump: {name} ({total} total) msec");
        let mut line = String::new();
        let mut columns = 0;
        for (b, &count) in hist.counts.iter().enumerate().filter(|(_, &c)| c > 0) {
            line.push_str(&format!(" ({b:02}: {count:010})"));
            columns += 1;
            if columns % 4 == 0 {
                log!(Info, "info", "{line}");
                line.clear();
            }
        }
        if !line.is_empty() {
            log!(Info, "info", "{line}");
        }
    }
    // Over the interval, per histogram that saw operations: the rate and the shares over 1, 8
    // and 64 ms (the columns `asadm show latencies` shows by default).
    let state = shard.state.borrow();
    for ((name, track), Histogram { on, .. }) in state.latencies.iter().zip(hists) {
        let Some(values) = track.output.strip_prefix("msec,").filter(|_| *on) else { continue };
        let values: Vec<&str> = values.trim_end_matches(';').split(',').collect();
        if let [tps, over1, _, _, over8, _, _, over64, ..] = values[..] {
            if tps.parse::<f64>().is_ok_and(|t| t > 0.0) {
                log!(Info, "info", "latency: {name} ops/sec {tps} >1ms {over1}% >8ms {over8}% >64ms {over64}%");
            }
        }
    }
}

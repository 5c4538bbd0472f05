//! The ticker (Aerospike's `base/ticker.c`): every `ticker-interval` seconds shard 0 gathers the
//! node's counters from every shard's snapshot (nothing on the data path is locked or waited
//! on), dumps the latency histograms for `latencies:` (rates and shares over thresholds since
//! the previous dump), and logs one compact block: the node and its cluster, client
//! connections, per namespace its objects, memory and device use, transaction rates, migrations
//! and defrag, then the histograms that saw operations.

use std::rc::Rc;
use std::time::{Duration, Instant};

use crate::ground::stats::{LatencyHist, LatencyKind, LatencyTrack, ShardSnapshot};
use crate::log;
use crate::shard::Shard;

/// The names of the node's latency histograms, in `latencies:` order.
pub fn histogram_names(namespaces: &[String]) -> Vec<String> {
    let mut out = vec!["batch-index".to_string()];
    for name in namespaces {
        out.extend(LatencyKind::ALL.iter().map(|kind| format!("{{{name}}}-{}", kind.name())));
    }
    out
}

/// The latency histograms of a node snapshot, by their `latencies:` names, in that order.
pub fn histograms(shard: &Shard, snapshot: &ShardSnapshot) -> Vec<(String, LatencyHist)> {
    let hists = std::iter::once(snapshot.connections.batch_index_latency)
        .chain(snapshot.namespaces.iter().flat_map(|ns| ns.txn.latency));
    histogram_names(&shard.node.namespaces).into_iter().zip(hists).collect()
}

/// Runs the ticker on shard 0, until the node stops.
pub async fn run(shard: Rc<Shard>) {
    let mut previous: Option<(Instant, ShardSnapshot)> = None;
    let mut cpu = crate::ground::process::sample();
    loop {
        let secs = shard.state.borrow().service.ticker_interval_secs;
        glommio::timer::sleep(Duration::from_secs(secs)).await;
        let Ok(snapshot) = shard.node_snapshot().await else { return };
        let now = Instant::now();
        let sample = crate::ground::process::sample();
        shard.node.cpu.update(&cpu, &sample);
        cpu = sample;
        dump_latencies(&shard, &snapshot, now);
        log_block(&shard, &snapshot, previous.as_ref().map(|(at, p)| (now.duration_since(*at), p)));
        previous = Some((now, snapshot));
    }
}

/// Updates the `latencies:` dumps kept on this shard.
fn dump_latencies(shard: &Shard, snapshot: &ShardSnapshot, now: Instant) {
    let hists = histograms(shard, snapshot);
    let mut state = shard.state.borrow_mut();
    if state.latencies.len() != hists.len() {
        state.latencies = hists.iter().map(|(name, _)| (name.clone(), LatencyTrack::default())).collect();
    }
    for ((_, track), (_, hist)) in state.latencies.iter_mut().zip(&hists) {
        track.dump(hist, now);
    }
}

fn rate(now: u64, before: Option<u64>, over: Option<Duration>) -> f64 {
    match (before, over) {
        (Some(b), Some(d)) if !d.is_zero() => now.saturating_sub(b) as f64 / d.as_secs_f64(),
        _ => 0.0,
    }
}

fn log_block(shard: &Shard, snapshot: &ShardSnapshot, previous: Option<(Duration, &ShardSnapshot)>) {
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
        crate::edge::info::stats::rss_bytes()
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
    for (name, hist) in histograms(shard, snapshot) {
        let total = hist.total();
        if total == 0 {
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
}

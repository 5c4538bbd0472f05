//! `statistics`, `namespace/<ns>` and `sets` answers, in Aerospike's names and formats.

use std::fmt::Write;

use crate::ground::stats::{JobInfo, JobKind, JobStatus, ShardSnapshot};
use crate::shard::Shard;

fn push(out: &mut String, key: &str, value: impl std::fmt::Display) {
    if !out.is_empty() {
        out.push(';');
    }
    let _ = write!(out, "{key}={value}");
}

/// `statistics`: node-wide counters.
pub fn statistics(shard: &Shard, snapshot: &ShardSnapshot) -> String {
    let node = &shard.node;
    let c = &snapshot.connections;
    let mut out = String::new();
    let cluster = node.cluster.read().unwrap_or_else(|p| p.into_inner()).clone();
    let in_cluster = !cluster.heartbeats || cluster.key != 0;
    push(&mut out, "cluster_size", cluster.succession.len());
    push(&mut out, "cluster_key", format!("{:X}", crate::edge::info::cluster::cluster_key(node)));
    push(&mut out, "cluster_integrity", in_cluster);
    push(&mut out, "cluster_is_member", in_cluster);
    push(&mut out, "cluster_principal", format!("{:X}", cluster.succession[0]));
    let succession: Vec<String> = cluster.succession.iter().map(|id| format!("{id:X}")).collect();
    push(&mut out, "cluster_succession", succession.join(","));
    // Per peer heard by heartbeats: id, health (share of heartbeats that arrive), alive.
    let peers: Vec<String> = cluster
        .peers
        .iter()
        .map(|(id, health, alive)| format!("{id:X}:{:.0}:{}", health, if *alive { "alive" } else { "gone" }))
        .collect();
    push(&mut out, "cluster_peers", peers.join(","));
    push(&mut out, "cluster_min_compatibility_id", 1);
    push(&mut out, "uptime", node.started.elapsed().as_secs());
    push(&mut out, "objects", snapshot.namespaces.iter().map(|n| n.engine.objects).sum::<u64>());
    push(&mut out, "client_connections", c.client_connections);
    push(&mut out, "client_connections_opened", c.client_connections_opened);
    push(&mut out, "client_connections_closed", c.client_connections_closed);
    push(&mut out, "client_connections_refused", c.client_connections_refused);
    push(&mut out, "shard_forwarded_requests", c.shard_forwarded_requests);
    push(&mut out, "proxied_requests", c.proxied_requests);
    let remaining: u64 = snapshot.namespaces.iter().map(|n| n.cluster.tx_remaining + n.cluster.rx_remaining).sum();
    push(&mut out, "migrate_partitions_remaining", remaining);
    push(&mut out, "migrate_allowed", true);
    push(&mut out, "client_connections_idle_closed", c.client_connections_idle_closed);
    push(&mut out, "client_proto_errors", c.client_proto_errors);
    push(&mut out, "service_threads", node.n_shards);
    push(&mut out, "process_rss_bytes", crate::ground::process::rss_bytes());
    // CPU shares of the last ticker interval; memory and descriptors now.
    use std::sync::atomic::Ordering::Relaxed;
    let (user, kernel) = (node.cpu.system_user.load(Relaxed), node.cpu.system_kernel.load(Relaxed));
    push(&mut out, "process_cpu_pct", node.cpu.process.load(Relaxed));
    push(&mut out, "system_total_cpu_pct", user + kernel);
    push(&mut out, "system_user_cpu_pct", user);
    push(&mut out, "system_kernel_cpu_pct", kernel);
    let (free_kib, free_pct) = crate::ground::process::free_memory();
    push(&mut out, "system_free_mem_kbytes", free_kib);
    push(&mut out, "system_free_mem_pct", free_pct);
    push(&mut out, "process_open_fds", crate::ground::process::open_fds());
    out
}

/// `namespace/<ns>`: the namespace's counters and settings.
pub fn namespace(shard: &Shard, index: usize, snapshot: &ShardSnapshot) -> String {
    let settings = &shard.node.config.namespaces[index];
    let ns = &snapshot.namespaces[index];
    let engine = &ns.engine;
    let space = &engine.space;
    // Settings may have changed at run time: read this shard's copy.
    let config = shard.state.borrow().namespaces[index].config.clone();
    let total = engine.data_total_bytes;
    let used = engine.data_used_bytes;
    let used_pct = (used * 100).checked_div(total).unwrap_or(0);
    let avail_pct = (space.free_blocks * 100).checked_div(space.total_blocks).unwrap_or(0);
    let mut out = String::new();
    let (cluster_size, replication_factor) = {
        let state = shard.state.borrow();
        (state.map.succession.len(), state.map.namespaces[index].replication_factor)
    };
    push(&mut out, "ns_cluster_size", cluster_size);
    push(&mut out, "effective_replication_factor", replication_factor);
    push(&mut out, "objects", engine.objects);
    push(&mut out, "tombstones", engine.tombstones);
    push(&mut out, "master_objects", ns.cluster.master_objects);
    push(&mut out, "master_tombstones", engine.tombstones);
    push(&mut out, "prole_objects", engine.objects - ns.cluster.master_objects.min(engine.objects));
    let c = &ns.cluster;
    push(&mut out, "migrate_tx_partitions_remaining", c.tx_remaining);
    push(&mut out, "migrate_rx_partitions_remaining", c.rx_remaining);
    push(&mut out, "migrate_records_transmitted", c.records_transmitted);
    push(&mut out, "migrate_records_received", c.records_received);
    push(&mut out, "migrate_bytes_transmitted", c.bytes_transmitted);
    push(&mut out, "dup_res_asked", c.dup_res_asked);
    push(&mut out, "scan_pulled_records", c.scan_pulled_records);
    push(&mut out, "replica_writes", c.replica_writes);
    push(&mut out, "replica_write_errors", c.replica_write_errors);
    push(&mut out, "expired_objects", engine.expired_objects);
    push(&mut out, "truncated_records", engine.truncated_objects);
    push(&mut out, "evicted_objects", engine.evicted_objects);
    push(&mut out, "evict_void_time", engine.evict_void_time);
    push(&mut out, "index_used_bytes", ns.index_bytes);
    push(&mut out, "sindex_used_bytes", ns.sindex_bytes);
    push(&mut out, "data_used_bytes", used);
    push(&mut out, "data_total_bytes", total);
    push(&mut out, "data_used_pct", used_pct);
    push(&mut out, "data_avail_pct", avail_pct);
    if matches!(settings.storage, crate::ground::config::schema::StorageEngine::Device(_)) {
        push(&mut out, "device_used_bytes", used);
        push(&mut out, "device_total_bytes", total);
        push(&mut out, "device_free_pct", 100 - used_pct.min(100));
        push(&mut out, "device_available_pct", avail_pct);
        push(&mut out, "device_unflushed_bytes", ns.unflushed_bytes);
        push(&mut out, "device_write_bytes", space.flushed_bytes);
        push(&mut out, "device_read_records", engine.device_read_records);
        push(&mut out, "cold_start_corrupt_blocks", engine.cold_start_corrupt);
        push(&mut out, "defrag_corrupt_records", engine.defrag_corrupt);
    }
    push(&mut out, "defrag_blocks", space.defrag_blocks);
    push(&mut out, "defrag_records", space.defrag_records);
    push(&mut out, "defrag_write_bytes", space.defrag_bytes);
    push(&mut out, "client_write_bytes", space.client_bytes);
    let amplification = (space.client_bytes + space.defrag_bytes) as f64 / space.client_bytes.max(1) as f64;
    push(&mut out, "write_amplification", format!("{amplification:.2}"));
    push(&mut out, "stop_writes", snapshot.stop_writes[index]);
    push(&mut out, "stop_writes_refusals", engine.stop_writes_refusals);
    for (key, value) in ns.txn.jobs.pairs() {
        push(&mut out, &key, value);
    }
    for (key, value) in ns.txn.pairs() {
        push(&mut out, key, value);
    }
    push(&mut out, "storage-engine", settings.storage.name());
    for (key, value) in super::config::namespace_items(&config) {
        push(&mut out, &key, value);
    }
    out
}

/// `sets`, `sets/<ns>`, `sets/<ns>/<set>`: one `:`-separated record per set, each ending `;`.
pub fn sets(shard: &Shard, snapshot: &ShardSnapshot, ns_filter: Option<&str>, set_filter: Option<&str>) -> String {
    let mut out = String::new();
    for (index, name) in shard.node.namespaces.iter().enumerate() {
        if ns_filter.is_some_and(|f| f != name) {
            continue;
        }
        let mut sets = snapshot.namespaces[index].sets.clone();
        sets.sort_by(|a, b| a.0.cmp(&b.0));
        for (set, stats, truncate_lut) in sets {
            // Every shard holds every index: this one's first store says which are on the set.
            let sindexes = shard.state.borrow().namespaces[index].stores.first().map_or(0, |store| {
                store.sindexes().iter().filter(|(_, i)| i.def.set.as_deref() == Some(&set[..])).count()
            });
            let set = String::from_utf8_lossy(&set);
            if set_filter.is_some_and(|f| f != set) {
                continue;
            }
            let _ = write!(
                out,
                "ns={name}:set={set}:objects={}:tombstones=0:data_used_bytes={}:truncate_lut={truncate_lut}:sindexes={sindexes}:\
                 index_populating=false:truncating=false:disable-eviction=false:enable-index=false:\
                 stop-writes-count=0:stop-writes-size=0;",
                stats.objects, stats.data_used_bytes
            );
        }
    }
    out
}

/// `query-show` (every job: running ones, then finished ones, newest first) and
/// `query-show:id=ID` (or `trid=`): scan and query jobs as Aerospike reports them
/// (`as_query_job_info`).
pub fn job(command: &scramjet_net::info::InfoCommand<'_>, snapshot: &ShardSnapshot) -> String {
    let id = command.param("id").or_else(|| command.param("trid"));
    let Some(id) = id else {
        let mut jobs: Vec<&JobInfo> = snapshot.jobs.iter().collect();
        jobs.sort_by_key(|j| (j.status != JobStatus::Active, std::cmp::Reverse(j.started)));
        return jobs.into_iter().map(job_text).collect::<Vec<_>>().join(";");
    };
    let Ok(id) = id.parse::<u64>() else {
        return scramjet_net::info::error_value(4, "bad id");
    };
    match snapshot.jobs.iter().find(|j| j.trid == id) {
        Some(job) => job_text(job),
        None => scramjet_net::info::error_value(2, "job not found"),
    }
}

/// `query-abort:id=ID` (or `trid=`): stops a running job on every shard; `query-abort-all`
/// stops them all and says how many.
pub async fn abort(shard: &Shard, command: &scramjet_net::info::InfoCommand<'_>, all: bool) -> String {
    let id = if all {
        None
    } else {
        match command.param("id").or_else(|| command.param("trid")).map(str::parse::<u64>) {
            Some(Ok(id)) => Some(id),
            _ => return scramjet_net::info::error_value(4, "bad id"),
        }
    };
    fn abort_here(shard: &Shard, id: Option<u64>) -> Vec<u64> {
        let ids: Vec<u64> = match id {
            Some(id) => vec![id],
            None => {
                let state = shard.state.borrow();
                state.jobs.iter().filter(|j| j.status == JobStatus::Active).map(|j| j.trid).collect()
            }
        };
        ids.into_iter().filter(|&trid| crate::transaction::scan::abort_job(shard, trid)).collect()
    }
    let mut stopped = abort_here(shard, id);
    if let Ok(others) =
        shard.run_on_others(|| move |shard: std::rc::Rc<Shard>| async move { abort_here(&shard, id) }).await
    {
        stopped.extend(others.into_iter().flatten());
    }
    stopped.sort_unstable();
    stopped.dedup();
    match id {
        None => format!("number-of-queries-killed:{}", stopped.len()),
        Some(_) if stopped.is_empty() => scramjet_net::info::error_value(2, "id not active"),
        Some(_) => "ok".into(),
    }
}

fn job_text(job: &JobInfo) -> String {
    let now = std::time::Instant::now();
    // "active" until every part has ended (an aborted job winds down first), as Aerospike.
    let state = if job.ended.is_none() { "active" } else { "done" };
    let status = match job.status {
        JobStatus::Active | JobStatus::Done => format!("{state}(ok)"),
        JobStatus::Aborted => format!("{state}(user-aborted)"),
        JobStatus::Failed(code) => format!("{state}(abandoned-{code})"),
    };
    let progress = if job.status == JobStatus::Done {
        100.0
    } else if job.n_pids == 0 {
        0.0
    } else {
        job.pids_done as f64 * 100.0 / job.n_pids as f64
    };
    let run_time = job.ended.unwrap_or(now).duration_since(job.started).as_millis();
    let since_done = job.ended.map_or(0, |e| now.duration_since(e).as_millis());
    let mut text = format!("trid={}:ns={}", job.trid, job.ns);
    if !job.set.is_empty() {
        text.push_str(&format!(":set={}", job.set));
    }
    if let Some(name) = &job.sindex {
        text.push_str(&format!(":sindex-name={name}"));
    }
    let active = usize::from(job.status == JobStatus::Active && job.ended.is_none());
    text.push_str(&format!(
        ":n-pids-requested={}:rps={}:active-threads={active}:status={status}:job-progress={progress:.2}:run-time={run_time}\
         :time-since-done={since_done}:recs-throttled=0:recs-filtered-meta=0:recs-filtered-bins=0\
         :recs-succeeded={}:recs-failed={}:job-type={}",
        job.n_pids,
        job.rps,
        job.recs_succeeded,
        job.recs_failed,
        match job.kind {
            JobKind::Basic => "basic",
            JobKind::BackgroundOps => "background-ops",
            JobKind::BackgroundUdf => "background-udf",
            JobKind::Aggregation => "aggregation",
        }
    ));
    text
}

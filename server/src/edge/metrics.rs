//! The Prometheus endpoint (`network { metrics { address; port } }`, off unless configured):
//! `GET /metrics` on shard 0 answers the text exposition format with the metrics named as
//! Aerospike's Prometheus exporter names them, so its Grafana dashboards read them unchanged:
//! `aerospike_node_stats_<stat>{cluster_name,service}` from `statistics`,
//! `aerospike_namespace_<stat>{cluster_name,service,ns}` from `namespace/<ns>`,
//! `aerospike_sets_<stat>{cluster_name,service,ns,set}` from `sets`, and
//! `aerospike_latencies_<hist>_ms_bucket{cluster_name,service,ns,le}` with `_ms_count` from
//! `latencies:` (the exporter's conversion: `+Inf` is the rate, `le=2^k` the rate less the share
//! at or over 2^k ms). Values are the info answers' numbers (`true`/`false` as 1/0); the
//! answer is built from the shards' snapshots, as the info commands build theirs, so serving it
//! never touches the data path.

use std::fmt::Write as _;
use std::rc::Rc;
use std::time::Duration;

use futures_lite::{AsyncReadExt, AsyncWriteExt};
use glommio::net::{TcpListener, TcpStream};

use crate::edge::info::stats;
use crate::ground::stats::ShardSnapshot;
use crate::log;
use crate::shard::Shard;

/// Longest request head read.
const MAX_REQUEST: usize = 8 * 1024;

/// Accepts scrapes until the node stops.
pub async fn serve(shard: Rc<Shard>, listener: TcpListener) {
    loop {
        match listener.accept().await {
            Ok(stream) => {
                glommio::spawn_local(answer(shard.clone(), stream)).detach();
            }
            Err(e) => {
                log!(Warning, "metrics", "accept failed: {e}");
                glommio::timer::Timer::new(Duration::from_millis(50)).await;
            }
        }
    }
}

/// Reads one request and answers it, then closes the connection.
async fn answer(shard: Rc<Shard>, mut stream: TcpStream) {
    let _ = stream.set_read_timeout(Some(Duration::from_secs(10)));
    let mut head = Vec::with_capacity(512);
    let mut buf = [0u8; 1024];
    while !head.windows(4).any(|w| w == b"\r\n\r\n") {
        match stream.read(&mut buf).await {
            Ok(0) | Err(_) => return,
            Ok(n) => head.extend_from_slice(&buf[..n]),
        }
        if head.len() > MAX_REQUEST {
            return;
        }
    }
    let line = head.split(|&b| b == b'\r').next().unwrap_or_default();
    let mut parts = line.split(|&b| b == b' ');
    let (method, path) = (parts.next().unwrap_or_default(), parts.next().unwrap_or_default());
    let path = path.split(|&b| b == b'?').next().unwrap_or_default();
    let (status, body) = match (method, path) {
        (b"GET", b"/metrics") => match shard.node_snapshot().await {
            Ok(snapshot) => ("200 OK", exposition(&shard, &snapshot)),
            Err(_) => ("503 Service Unavailable", "node is shutting down\n".to_string()),
        },
        (b"GET", _) => ("404 Not Found", "the metrics are at /metrics\n".to_string()),
        _ => ("405 Method Not Allowed", "GET /metrics\n".to_string()),
    };
    let response = format!(
        "HTTP/1.1 {status}\r\nContent-Type: text/plain; version=0.0.4; charset=utf-8\r\nContent-Length: {}\r\n\
         Connection: close\r\n\r\n{body}",
        body.len()
    );
    let _ = stream.write_all(response.as_bytes()).await;
    let _ = stream.close().await;
}

/// A metric name part as Prometheus allows it (`-`, `.` and the like become `_`).
fn sanitize(name: &str) -> String {
    name.chars().map(|c| if c.is_ascii_alphanumeric() || c == '_' { c } else { '_' }).collect()
}

/// A label value, escaped.
fn label(value: &str) -> String {
    value.replace('\\', "\\\\").replace('"', "\\\"").replace('\n', "\\n")
}

/// The numeric value of an info item (`true`/`false` as 1/0); `None` for text.
fn number(value: &str) -> Option<f64> {
    match value {
        "true" => Some(1.0),
        "false" => Some(0.0),
        _ => value.parse::<f64>().ok().filter(|v| v.is_finite()),
    }
}

/// Every metric, grouped by name with one `# TYPE` line each.
struct Exposition {
    /// name -> lines (`name{labels} value`).
    metrics: Vec<(String, Vec<String>)>,
}

impl Exposition {
    fn add(&mut self, name: String, labels: &[(&str, &str)], value: f64) {
        let labels: Vec<String> = labels.iter().map(|(k, v)| format!("{k}=\"{}\"", label(v))).collect();
        let line = format!("{name}{{{}}} {value}", labels.join(","));
        match self.metrics.iter_mut().find(|(n, _)| *n == name) {
            Some((_, lines)) => lines.push(line),
            None => self.metrics.push((name, vec![line])),
        }
    }

    fn render(self) -> String {
        let mut out = String::new();
        for (name, lines) in self.metrics {
            let _ = writeln!(out, "# TYPE {name} {}", metric_type(&name));
            for line in lines {
                out.push_str(&line);
                out.push('\n');
            }
        }
        out
    }
}

/// A metric's type as the exporter gives it: a gauge if its statistic is on the exporter's
/// gauge list for its context (`configs/gauge_stats_list.toml` of
/// `aerospike-prometheus-exporter`), else a counter; the latency buckets are gauges (rates).
fn metric_type(name: &str) -> &'static str {
    let (list, stat) = if let Some(stat) = name.strip_prefix("aerospike_node_stats_") {
        (NODE_GAUGES, stat)
    } else if let Some(stat) = name.strip_prefix("aerospike_namespace_") {
        (NAMESPACE_GAUGES, stat)
    } else if let Some(stat) = name.strip_prefix("aerospike_sets_") {
        (SET_GAUGES, stat)
    } else {
        return "gauge";
    };
    if list.binary_search(&stat).is_ok() {
        "gauge"
    } else {
        "counter"
    }
}

/// The exporter's gauges among node statistics (sorted).
const NODE_GAUGES: &[&str] = &[
    "admin_connections",
    "batch_index_proto_compression_ratio",
    "batch_index_proto_uncompressed_pct",
    "batch_index_queue",
    "batch_index_unused_buffers",
    "checkpoint_files_completed",
    "checkpoint_files_total",
    "checkpoint_is_parked",
    "checkpoint_park_ms",
    "client_connections",
    "cluster_clock_skew_ms",
    "cluster_clock_skew_stop_writes_sec",
    "cluster_integrity",
    "cluster_is_member",
    "cluster_key",
    "cluster_max_compatibility_id",
    "cluster_min_compatibility_id",
    "cluster_principal",
    "cluster_size",
    "entries_per_bval",
    "entries_per_rec",
    "fabric_bulk_recv_rate",
    "fabric_bulk_send_rate",
    "fabric_connections",
    "fabric_ctrl_recv_rate",
    "fabric_ctrl_send_rate",
    "fabric_meta_recv_rate",
    "fabric_meta_send_rate",
    "fabric_rw_recv_rate",
    "fabric_rw_send_rate",
    "failed_best_practices",
    "heap_active_kbytes",
    "heap_allocated_kbytes",
    "heap_efficiency_pct",
    "heap_mapped_kbytes",
    "heap_site_count",
    "heartbeat_connections",
    "host_free_mem_kbytes",
    "host_free_mem_pct",
    "info_queue",
    "long_queries_active",
    "migrate_allowed",
    "migrate_partitions_remaining",
    "objects",
    "paxos_principal",
    "process_cpu_pct",
    "process_rss_bytes",
    "proxy_in_progress",
    "queries_active",
    "rw_in_progress",
    "scans_active",
    "sindex_gc_list_creation_time",
    "sindex_gc_list_deletion_time",
    "smd_compression_hit_pct",
    "smd_evict_settled",
    "smd_initial_sync_done",
    "smd_masking_settled",
    "smd_mixed_cluster",
    "smd_n_events",
    "smd_n_nodes",
    "smd_n_pending_sets",
    "smd_roster_settled",
    "smd_security_settled",
    "smd_sindex_settled",
    "smd_truncate_settled",
    "smd_udf_settled",
    "smd_xdr_settled",
    "system_free_mem_kbytes",
    "system_free_mem_pct",
    "system_kernel_cpu_pct",
    "system_thp_mem_kbytes",
    "system_total_cpu_pct",
    "system_user_cpu_pct",
    "threads_detached",
    "threads_joinable",
    "threads_pool_active",
    "threads_pool_total",
    "time_since_rebalance",
    "tombstones",
    "tree_gc_queue",
    "tsvc_queue",
    "uptime",
    "wire_comp_apply_patch_cpu_pct",
    "wire_comp_compress_cpu_pct",
    "wire_comp_cpu_pct",
    "wire_comp_decompress_cpu_pct",
    "wire_comp_make_patch_cpu_pct",
];

/// The exporter's gauges among namespace statistics (sorted).
const NAMESPACE_GAUGES: &[&str] = &[
    "appeals_rx_active",
    "appeals_tx_active",
    "appeals_tx_remaining",
    "auto_revived_partitions",
    "available_bin_names",
    "cache_read_pct",
    "clock_skew_stop_writes",
    "current_time",
    "data_avail_pct",
    "data_compression_ratio",
    "data_total_bytes",
    "data_used_bytes",
    "data_used_pct",
    "dead_partitions",
    "defrag_q",
    "device_available_pct",
    "device_compression_ratio",
    "device_free_pct",
    "device_total_bytes",
    "device_used_bytes",
    "effective_active_rack",
    "effective_is_quiesced",
    "effective_prefer_uniform_balance",
    "effective_replication_factor",
    "evict_ttl",
    "evict_void_time",
    "fail_mrt_blocked",
    "fail_mrt_version_mismatch",
    "geo_region_query_falsepos",
    "geo_region_query_points",
    "hwm_breached",
    "index_flash_alloc_bytes",
    "index_flash_alloc_pct",
    "index_flash_used_bytes",
    "index_flash_used_pct",
    "index_local_mount",
    "index_mounts_used_pct",
    "index_pmem_used_bytes",
    "index_pmem_used_pct",
    "index_shmem_alloc_bytes",
    "index_shmem_tail_bytes",
    "index_used_bytes",
    "indexes_memory_used_pct",
    "master_objects",
    "master_tombstones",
    "memory_free_pct",
    "memory_used_bytes",
    "memory_used_data_bytes",
    "memory_used_index_bytes",
    "memory_used_set_index_bytes",
    "memory_used_sindex_bytes",
    "migrate_fresh_partitions",
    "migrate_rx_instances",
    "migrate_rx_partitions_active",
    "migrate_rx_partitions_initial",
    "migrate_rx_partitions_remaining",
    "migrate_signals_active",
    "migrate_signals_remaining",
    "migrate_tx_instances",
    "migrate_tx_partitions_active",
    "migrate_tx_partitions_imbalance",
    "migrate_tx_partitions_initial",
    "migrate_tx_partitions_lead_remaining",
    "migrate_tx_partitions_remaining",
    "n_nodes_quiesced",
    "nodes_quiesced",
    "non_expirable_objects",
    "non_replica_objects",
    "non_replica_tombstones",
    "ns_cluster_size",
    "nsup_cycle_deleted_pct",
    "nsup_cycle_duration",
    "nsup_cycle_sleep_pct",
    "objects",
    "pending_quiesce",
    "prole_objects",
    "prole_tombstones",
    "query_aggr_avg_rec_count",
    "query_basic_avg_rec_count",
    "set_index_alloc_bytes",
    "set_index_used_bytes",
    "shadow_write_q",
    "sindex_mounts_used_pct",
    "sindex_used_bytes",
    "smd_evict_void_time",
    "stop_writes",
    "tombstones",
    "truncate_lut",
    "truncating",
    "ttl_reductions_applied",
    "ttl_reductions_ignored",
    "unavailable_partitions",
    "unreplicated_records",
    "write_q",
    "xdr_bin_cemeteries",
    "xdr_tombstones",
    "xmem_id",
];

/// The exporter's gauges among set statistics (sorted).
const SET_GAUGES: &[&str] = &[
    "data_used_bytes",
    "device_data_bytes",
    "index_populating",
    "memory_data_bytes",
    "objects",
    "sindexes",
    "tombstones",
    "truncate_lut",
    "truncating",
];

/// The exposition text of a node snapshot.
pub fn exposition(shard: &Shard, snapshot: &ShardSnapshot) -> String {
    let node = &shard.node;
    let cluster_name = shard.state.borrow().service.cluster_name.clone().unwrap_or_else(|| "null".to_string());
    let endpoint = &node.config.service_endpoint;
    let service = format!("{}:{}", endpoint.access_address.unwrap_or(endpoint.address), endpoint.port);
    let base = [("cluster_name", cluster_name.as_str()), ("service", service.as_str())];
    let mut out = Exposition { metrics: Vec::new() };
    for (key, value) in items(&stats::statistics(shard, snapshot), ';') {
        if let Some(v) = number(value) {
            out.add(format!("aerospike_node_stats_{}", sanitize(key)), &base, v);
        }
    }
    for (index, ns) in node.namespaces.iter().enumerate() {
        let labels = [base[0], base[1], ("ns", ns.as_str())];
        for (key, value) in items(&stats::namespace(shard, index, snapshot), ';') {
            if let Some(v) = number(value) {
                out.add(format!("aerospike_namespace_{}", sanitize(key)), &labels, v);
            }
        }
    }
    for set in stats::sets(shard, snapshot, None, None).split(';').filter(|s| !s.is_empty()) {
        let fields: Vec<(&str, &str)> = items(set, ':').collect();
        let find = |k: &str| fields.iter().find(|(key, _)| *key == k).map_or("", |(_, v)| *v);
        let (ns, set_name) = (find("ns"), find("set"));
        let labels = [base[0], base[1], ("ns", ns), ("set", set_name)];
        for (key, value) in &fields {
            if let Some(v) = number(value).filter(|_| *key != "ns" && *key != "set") {
                out.add(format!("aerospike_sets_{}", sanitize(key)), &labels, v);
            }
        }
    }
    latencies(shard, &base, &mut out);
    out.render()
}

/// `key=value` items of an info answer.
fn items(text: &str, separator: char) -> impl Iterator<Item = (&str, &str)> {
    text.split(separator).filter_map(|item| item.split_once('='))
}

/// The latency histograms of the last ticker dump, as the exporter turns `latencies:` into
/// Prometheus buckets.
fn latencies(shard: &Shard, base: &[(&str, &str); 2], out: &mut Exposition) {
    let state = shard.state.borrow();
    for (name, track) in &state.latencies {
        let Some(values) = track.output.strip_prefix("msec,") else { continue };
        let values: Vec<f64> = values.trim_end_matches(';').split(',').filter_map(|v| v.parse().ok()).collect();
        let Some((&tps, shares)) = values.split_first() else { continue };
        let (ns, hist) = match name.strip_prefix('{').and_then(|rest| rest.split_once("}-")) {
            Some((ns, hist)) => (ns, hist),
            None => ("", name.as_str()),
        };
        let metric = format!("aerospike_latencies_{}_ms", sanitize(hist));
        let labels = [base[0], base[1], ("ns", ns)];
        out.add(format!("{metric}_bucket"), &[labels[0], labels[1], labels[2], ("le", "+Inf")], tps);
        for (k, share) in shares.iter().enumerate() {
            let le = (1u64 << k).to_string();
            out.add(
                format!("{metric}_bucket"),
                &[labels[0], labels[1], labels[2], ("le", &le)],
                tps - share * tps / 100.0,
            );
        }
        out.add(format!("{metric}_count"), &labels, tps);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn types_follow_the_exporter_gauge_lists() {
        for list in [NODE_GAUGES, NAMESPACE_GAUGES, SET_GAUGES] {
            assert!(list.windows(2).all(|w| w[0] < w[1]), "sorted for binary search");
        }
        assert_eq!(metric_type("aerospike_namespace_stop_writes"), "gauge");
        assert_eq!(metric_type("aerospike_namespace_client_write_success"), "counter");
        assert_eq!(metric_type("aerospike_node_stats_client_connections"), "gauge");
        assert_eq!(metric_type("aerospike_sets_objects"), "gauge");
        assert_eq!(metric_type("aerospike_latencies_read_ms_bucket"), "gauge");
    }
}

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

/// Whether a metric only grows (a counter: operations, errors, bytes moved since start) or goes
/// up and down (a gauge: sizes, connections, rates, shares), by its name.
fn metric_type(name: &str) -> &'static str {
    const COUNTER_ENDINGS: [&str; 22] = [
        "_success",
        "_error",
        "_errors",
        "_not_found",
        "_filtered_out",
        "_complete",
        "_abort",
        "_timeout",
        "_opened",
        "_closed",
        "_refused",
        "_requests",
        "_transmitted",
        "_received",
        "_asked",
        "_writes",
        "_succeeded",
        "_pulled_records",
        "expired_objects",
        "evicted_objects",
        "truncated_objects",
        "_proto_errors",
    ];
    let stat = name.rsplit_once("_stats_").map_or(name, |(_, s)| s);
    if name.starts_with("aerospike_latencies_") {
        return "gauge"; // the exporter's buckets are rates, not counts
    }
    if stat.contains("fail_") || COUNTER_ENDINGS.iter().any(|e| stat.ends_with(e)) {
        "counter"
    } else {
        "gauge"
    }
}

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

//! Info commands (PROTOCOL.md §7): each request line is answered in order as
//! `line\tvalue\n`; unknown commands answer `ERROR:4:unrecognized command`.
//!
//! Commands that need every shard's counters gather them once per request.

pub mod cluster;
pub mod config;
pub mod sindex;
pub mod stats;
pub mod truncate;
pub mod udf;

use std::rc::Rc;

use scramjet_net::frame::{patch_size, ProtoType};
use scramjet_net::info::{error_value, parse_request, write_line, InfoCommand};
use scramjet_net::PROTO_HEADER_SIZE;

use crate::edge::admin::Session;
use crate::ground::node::{BUILD_VERSION, COMPATIBILITY_ID, EDITION};
use crate::ground::security::{perm, Access};
use crate::ground::stats::ShardSnapshot;
use crate::shard::Shard;

/// Answers an info request and appends the response message to `out`. With security on,
/// `caller` is the connection's user and session: commands that change the node need their
/// permission (Aerospike's `thr_info.c` table), others only an authenticated connection.
pub async fn handle(shard: &Rc<Shard>, body: &[u8], caller: Option<(&Access, &Session)>, out: &mut Vec<u8>) {
    let mut text = String::new();
    if body.is_empty() {
        // No command: Aerospike's summary (thr_info.c, `info_summary`), the commands marked
        // for it, in its order, as `name\tvalue` lines.
        let mut snapshot = None;
        for name in SUMMARY {
            let command = InfoCommand::parse(name);
            let value = answer(shard, &command, &mut snapshot).await;
            write_line(&mut text, name, &value);
        }
    }
    match parse_request(body) {
        _ if body.is_empty() => {}
        None => text.push_str(&error_value(4, "request is not UTF-8 text")),
        Some(commands) => {
            let mut snapshot = None;
            for command in &commands {
                if let Some(refused) = caller.and_then(|(access, session)| authorize(shard, access, session, command)) {
                    write_line(&mut text, command.line, &refused);
                    continue;
                }
                let value = answer(shard, command, &mut snapshot).await;
                write_line(&mut text, command.line, &value);
            }
        }
    }
    let start = out.len();
    out.extend_from_slice(&[0; PROTO_HEADER_SIZE]);
    out.extend_from_slice(text.as_bytes());
    patch_size(out, start, ProtoType::Info);
}

/// The answer to an info request on a connection that has not authenticated (security on):
/// one line, no command echoed (Aerospike's `thr_info.c`, `authenticate`).
pub fn not_authenticated(out: &mut Vec<u8>) {
    let start = out.len();
    out.extend_from_slice(&[0; PROTO_HEADER_SIZE]);
    out.extend_from_slice(error_value(80, "not authenticated").as_bytes());
    out.push(b'\n');
    patch_size(out, start, ProtoType::Info);
}

/// The permission an info command needs, if any (Aerospike's `thr_info.c` command table).
fn required_perm(name: &str) -> Option<u64> {
    Some(match name {
        "set-config" | "config-set" => perm::SET_CONFIG,
        "log-set" | "set-log" | "log-message" => perm::LOGGING_CTRL,
        "recluster" | "tip" | "tip-clear" | "services-alumni-reset" => perm::SERVICE_CTRL,
        "sindex-create" | "sindex-delete" | "sindex-exists" => perm::SINDEX_ADMIN,
        "truncate" | "truncate-namespace" | "truncate-undo" | "truncate-namespace-undo" => perm::TRUNCATE,
        "udf-put" | "udf-remove" | "udf-clear-cache" => perm::UDF_ADMIN,
        "query-abort" | "query-abort-all" | "scan-abort" | "scan-abort-all" => perm::QUERY_ADMIN,
        "eviction-reset" => perm::EVICT_ADMIN,
        _ => return None,
    })
}

/// `None` if the caller may run `command`, or the error value to answer instead. Truncation
/// may be granted on a namespace or a set; the others are global.
fn authorize(shard: &Shard, access: &Access, session: &Session, command: &InfoCommand<'_>) -> Option<String> {
    let needed = required_perm(command.name)?;
    let config = shard.state.borrow().security_config.clone()?;
    let allowed = if needed == perm::TRUNCATE {
        let ns = command.param("namespace").and_then(|ns| shard.node.namespaces.iter().position(|n| n == ns));
        // `truncate-namespace` empties the whole namespace whatever set it names.
        let set = if command.name.starts_with("truncate-namespace") { None } else { command.param("set") };
        match (ns, set) {
            (Some(ns), Some(set)) => access.allows(ns, set.as_bytes(), needed),
            (Some(ns), None) => access.allows_namespace(ns, needed),
            (None, _) => access.allows_global(needed),
        }
    } else {
        access.allows_global(needed)
    };
    if allowed {
        crate::edge::admin::audit(config.report_sys_admin, session, 0, command.name, command.line);
        return None;
    }
    crate::edge::admin::audit(config.report_violation, session, 81, command.name, command.line);
    Some(error_value(81, &format!("role violation - requires permission '{}'", perm::name(needed))))
}

/// The commands an empty info request answers, in Aerospike's order.
const SUMMARY: [&str; 15] = [
    "features",
    "node",
    "compatibility-id",
    "edition",
    "build_ee_sha",
    "build_sha",
    "build_arch",
    "build_time",
    "build_os",
    "build",
    "version",
    "statistics",
    "services-alumni",
    "services",
    "partition-generation",
];

/// The node's counters, gathered from every shard at most once per request.
async fn gathered<'s>(shard: &Shard, snapshot: &'s mut Option<ShardSnapshot>) -> Option<&'s ShardSnapshot> {
    if snapshot.is_none() {
        *snapshot = shard.node_snapshot().await.ok();
    }
    snapshot.as_ref()
}

const SHUTTING_DOWN: &str = "ERROR::node is shutting down";

async fn answer(shard: &Rc<Shard>, command: &InfoCommand<'_>, snapshot: &mut Option<ShardSnapshot>) -> String {
    let node = &shard.node;
    match command.name {
        "node" => node.node_name(),
        "build" => BUILD_VERSION.to_string(),
        "version" => format!("{EDITION} build {BUILD_VERSION}"),
        "edition" => EDITION.to_string(),
        "scramjet-version" => env!("CARGO_PKG_VERSION").to_string(),
        // The exchange compatibility id of the Aerospike release whose dialect we speak.
        "compatibility-id" => COMPATIBILITY_ID.to_string(),
        "build_ee_sha" => String::new(),
        "build_sha" => format!("scramjet-{}", env!("CARGO_PKG_VERSION")),
        "build_arch" => std::env::consts::ARCH.to_string(),
        "build_os" => std::env::consts::OS.to_string(),
        "build_time" => String::new(),
        "status" => "ok".to_string(),
        "cluster-name" => node.config.service.cluster_name.clone().unwrap_or_else(|| "null".to_string()),
        "user-agent-set" => "ok".to_string(),
        "namespaces" => node.namespaces.join(";"),
        "features" => cluster::FEATURES.to_string(),
        "partition-generation" | "peers-generation" | "rebalance-generation" => cluster::generation(shard).to_string(),
        "peers-clear-std" | "peers-clear-alt" => cluster::peers(shard),
        "peers-tls-std" | "peers-tls-alt" => cluster::tls_peers(shard),
        "service-tls-std" | "service-tls-alt" => cluster::tls_service_addresses(shard),
        "service-clear-std" | "service-clear-alt" => cluster::service_addresses(shard, ","),
        "service" => cluster::service_addresses(shard, ";"),
        "services" | "services-alumni" | "services-alternate" => String::new(),
        "replicas" => cluster::replicas(shard, cluster::ReplicasForm::WithRegime),
        "replicas-all" => cluster::replicas(shard, cluster::ReplicasForm::All),
        "replicas-master" => cluster::replicas(shard, cluster::ReplicasForm::Master),
        "scramjet-shards" => cluster::shards(shard),
        "cluster-stable" => match gathered(shard, snapshot).await {
            Some(s) => cluster::stable(shard, command, s),
            None => SHUTTING_DOWN.into(),
        },
        "statistics" => match gathered(shard, snapshot).await {
            Some(s) => stats::statistics(shard, s),
            None => SHUTTING_DOWN.to_string(),
        },
        "namespace" => {
            let Some(name) = command.path_args().next() else {
                return error_value(4, "namespace name required, e.g. namespace/test");
            };
            let Some(index) = node.namespaces.iter().position(|n| n == name) else {
                return error_value(20, "namespace not found");
            };
            match gathered(shard, snapshot).await {
                Some(s) => stats::namespace(shard, index, s),
                None => SHUTTING_DOWN.to_string(),
            }
        }
        "sets" => {
            let mut args = command.path_args();
            let (ns, set) = (args.next(), args.next());
            if let Some(ns) = ns {
                if !node.namespaces.iter().any(|n| n == ns) {
                    return error_value(20, "namespace not found");
                }
            }
            match gathered(shard, snapshot).await {
                Some(s) => stats::sets(shard, s, ns, set),
                None => SHUTTING_DOWN.to_string(),
            }
        }
        "truncate" => truncate::truncate(shard, command, false).await,
        "truncate-namespace" => truncate::truncate(shard, command, true).await,
        "query-show" | "scan-show" => match gathered(shard, snapshot).await {
            Some(s) => stats::job(command, s),
            None => SHUTTING_DOWN.to_string(),
        },
        "query-abort" | "scan-abort" => stats::abort(shard, command, false).await,
        "query-abort-all" | "scan-abort-all" => stats::abort(shard, command, true).await,
        "sindex-create" => sindex::create(shard, command).await,
        "sindex-delete" => sindex::delete(shard, command).await,
        "sindex-exists" => sindex::exists(shard, command).await,
        "sindex-list" => sindex::list(shard, command).await,
        "sindex-stat" => sindex::stat(shard, command).await,
        "sindex" => sindex::old(shard, command).await,
        "smd-show" => sindex::smd_show(shard, command).await,
        "udf-put" => udf::put(shard, command).await,
        "udf-get" => udf::get(shard, command),
        "udf-list" => udf::list(shard),
        "udf-remove" => udf::remove(shard, command).await,
        "udf-clear-cache" => udf::clear_cache(shard).await,
        "latencies" => latencies(shard, command).await,
        "get-config" => config::get(shard, command),
        "set-config" => config::set(shard, command).await,
        _ => error_value(4, "unrecognized command"),
    }
}

/// `latencies:[hist=NAME]`: the histograms' last ticker dumps, `name:msec,TPS,pct,...;` each
/// (Aerospike's `cmd_latencies`, `histogram_get_latencies`): every canonical one, or the one
/// named (`batch-index`, `{ns}-read`, `{ns}-write`, `{ns}-udf`, `{ns}-batch-sub-read`,
/// `-batch-sub-write`, `-batch-sub-udf`, `{ns}-pi-query`, `{ns}-si-query`). Before two dumps a
/// histogram shows nothing after its name (`name:;`).
async fn latencies(shard: &Rc<Shard>, command: &InfoCommand<'_>) -> String {
    let wanted = command.param("hist").map(str::to_string);
    let work = move |shard: Rc<Shard>| async move {
        let state = shard.state.borrow();
        let output = |name: &str| {
            state.latencies.iter().find(|(n, _)| n == name).map_or(";".to_string(), |(_, t)| t.output.clone())
        };
        match crate::edge::ticker::latency_names(&shard.node.namespaces, wanted.as_deref()) {
            Some(names) => names.iter().map(|name| format!("{name}:{}", output(name))).collect::<String>(),
            None => error_value(4, "bad hist name"),
        }
    };
    if shard.id == 0 {
        return work(shard.clone()).await;
    }
    shard.run_on(0, work).await.unwrap_or_else(|_| error_value(1, "node is shutting down"))
}

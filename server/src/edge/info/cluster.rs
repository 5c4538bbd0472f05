//! What clients learn about the cluster: peers, service addresses, the partition map.
//!
//! The answers come from the partition map the asking shard holds: a node on its own masters
//! every partition and has no peers.

use base64::engine::general_purpose::STANDARD as BASE64;
use base64::Engine;

use crate::shard::Shard;

/// Feature tokens clients test for (`pscans` is required by the Java and Go clients).
pub const FEATURES: &str = "batch-any;batch-index;blob-bits;cdt-list;cdt-map;cluster-stable;float;geo;\
peers;pipelining;pquery;pscans;query-show;relaxed-sc;replicas;replicas-all;replicas-master;replicas-max;\
truncate-namespace;udf";

/// The forms of the `replicas` family.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReplicasForm {
    /// `replicas`: `ns:regime,n_replicas,bitmap…`.
    WithRegime,
    /// `replicas-all`: `ns:n_replicas,bitmap…`.
    All,
    /// `replicas-master`: `ns:bitmap`.
    Master,
}

/// The partition map answer: for each namespace, a bitmap per replica index of the partitions
/// this node holds in that role, from the partition map this shard acts on.
pub fn replicas(shard: &Shard, form: ReplicasForm) -> String {
    let map = shard.state.borrow().map.clone();
    let mut out = String::new();
    for (i, ns) in shard.node.config.namespaces.iter().enumerate() {
        let bitmaps = map.role_bitmaps(i);
        if i > 0 {
            out.push(';');
        }
        out.push_str(&ns.engine.name);
        out.push(':');
        let shown = if form == ReplicasForm::Master { &bitmaps[..1] } else { &bitmaps[..] };
        match form {
            ReplicasForm::WithRegime => out.push_str(&format!("0,{},", shown.len())),
            ReplicasForm::All => out.push_str(&format!("{},", shown.len())),
            ReplicasForm::Master => {}
        }
        for (r, bitmap) in shown.iter().enumerate() {
            if r > 0 {
                out.push(',');
            }
            BASE64.encode_string(bitmap, &mut out);
        }
    }
    out
}

/// `partition-generation` (and `peers-generation`, `rebalance-generation`): moves with every
/// new partition map, so clients re-read the map and the peers.
/// An orphan (heartbeats on, in no cluster yet) answers -1, which clients take as "do not use
/// this node yet".
pub fn generation(shard: &Shard) -> i64 {
    let state = shard.state.borrow();
    if state.map.serving {
        i64::from(state.map.generation)
    } else {
        -1
    }
}

/// The cluster key clients and tools see: the agreed one when heartbeats run, else the key
/// this lone node made up at start.
pub fn cluster_key(node: &crate::ground::node::NodeContext) -> u64 {
    let cluster = node.cluster.read().unwrap_or_else(|p| p.into_inner());
    if cluster.heartbeats {
        cluster.key
    } else {
        node.cluster_key
    }
}

/// `cluster-stable[:size=N;ignore-migrations=BOOL;namespace=NS]`: the cluster key when this
/// node is in a cluster (of `size` nodes, if given) whose partition map it has installed and,
/// unless migrations are ignored, with none left (for `namespace`, if given). Otherwise an
/// error, as Aerospike answers, so that tools can wait for a settled cluster.
pub fn stable(
    shard: &Shard,
    command: &scramjet_net::info::InfoCommand<'_>,
    snapshot: &crate::ground::stats::ShardSnapshot,
) -> String {
    let map = shard.state.borrow().map.clone();
    let agreed = shard.node.cluster.read().unwrap_or_else(|p| p.into_inner()).clone();
    if !map.serving || (agreed.heartbeats && (agreed.key != map.key || agreed.succession != map.succession)) {
        return scramjet_net::info::error_value(1, "unstable-cluster");
    }
    if let Some(size) = command.param("size") {
        match size.parse::<usize>() {
            Ok(n) if n == map.succession.len() => {}
            Ok(_) => return scramjet_net::info::error_value(1, "cluster-not-specified-size"),
            Err(_) => return scramjet_net::info::error_value(4, "size must be a number"),
        }
    }
    let ignore = matches!(command.param("ignore-migrations"), Some("true" | "yes"));
    let namespaces: Vec<usize> = match command.param("namespace") {
        Some(name) => match shard.node.namespaces.iter().position(|n| n == name) {
            Some(i) => vec![i],
            None => return scramjet_net::info::error_value(20, "namespace not found"),
        },
        None => (0..shard.node.namespaces.len()).collect(),
    };
    let migrating = namespaces.iter().any(|&i| {
        let c = &snapshot.namespaces[i].cluster;
        c.tx_remaining + c.rx_remaining > 0
    });
    if migrating && !ignore {
        return scramjet_net::info::error_value(1, "unstable-cluster");
    }
    format!("{:X}", cluster_key(&shard.node))
}

/// `peers-clear-std`: generation, default port, and each other member of the cluster as
/// `[node-id,,[address:port]]`.
pub fn peers(shard: &Shard) -> String {
    let map = shard.state.borrow().map.clone();
    let peers: Vec<String> = map.peers.iter().map(|p| format!("[{:X},,[{}]]", p.id, p.service)).collect();
    format!("{},{},[{}]", map.generation, shard.node.service_port(), peers.join(","))
}

/// `peers-tls-std` and `-alt`: the peers' TLS endpoints, at each peer's service address with
/// this node's `tls-port` and `tls-name` (the nodes of a cluster are expected to share them;
/// peers do not tell each other their TLS settings). Without a TLS port, no peers.
pub fn tls_peers(shard: &Shard) -> String {
    let map = shard.state.borrow().map.clone();
    let Some(tls) = &shard.node.config.service_tls else { return format!("{},,[]", map.generation) };
    let peers: Vec<String> = map
        .peers
        .iter()
        .map(|p| format!("[{:X},{},[{}]]", p.id, tls.name, std::net::SocketAddr::new(p.service.ip(), tls.port)))
        .collect();
    format!("{},{},[{}]", map.generation, tls.port, peers.join(","))
}

/// `service-tls-std`: this node's TLS endpoints, if it has a TLS port.
pub fn tls_service_addresses(shard: &Shard) -> String {
    let Some(tls) = &shard.node.config.service_tls else { return String::new() };
    shard
        .node
        .service_addresses
        .iter()
        .map(|a| std::net::SocketAddr::new(a.ip(), tls.port).to_string())
        .collect::<Vec<_>>()
        .join(",")
}

/// `service-clear-std`: the addresses clients may use for this node.
pub fn service_addresses(shard: &Shard, separator: &str) -> String {
    shard.node.service_addresses.iter().map(|a| a.to_string()).collect::<Vec<_>>().join(separator)
}

/// `scramjet-shards` (ours; Aerospike answers `ERROR:4`): the port of each shard, in shard
/// order, and each namespace's number of storage shards, e.g. `ports=41000,41001;namespaces=test:2`.
/// Partition `pid` of a namespace with `s` storage shards is served by shard
/// `(pid * s / 4096) % n_ports`, so a client that connects to that port reaches the owning
/// core without a hop between cores (docs/wire-protocol.md).
pub fn shards(shard: &Shard) -> String {
    let node = &shard.node;
    let ports: Vec<u16> = node.shard_ports.iter().map(|p| p.load(std::sync::atomic::Ordering::Acquire)).collect();
    if ports.contains(&0) {
        return scramjet_net::info::error_value(4, "shard ports are off");
    }
    let ports = ports.iter().map(u16::to_string).collect::<Vec<_>>().join(",");
    let namespaces = node.routes.iter().map(|r| format!("{}:{}", r.name, r.n_stores)).collect::<Vec<_>>().join(",");
    format!("ports={ports};namespaces={namespaces}")
}

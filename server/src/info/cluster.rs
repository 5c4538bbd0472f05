//! What clients learn about the cluster: peers, service addresses, the partition map.
//!
//! A single node is the whole cluster: it masters all 4096 partitions of every namespace and
//! has no peers. The clustering work replaces these answers with the published partition map.

use scramjet_net::base64;
use scramjet_net::N_PARTITIONS;

use crate::cluster::balance::Balance;
use crate::shard::Shard;

/// Partition, peers and rebalance generation of a single node: balanced once at start.
pub const GENERATION: u32 = 1;

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
/// this node holds in that role, from the partition balance over the succession list (this
/// node alone until clustering runs, so it masters everything).
pub fn replicas(shard: &Shard, form: ReplicasForm) -> String {
    let node = &shard.node;
    let succession = [node.node_id];
    let mut out = String::new();
    for (i, ns) in node.config.namespaces.iter().enumerate() {
        let balance = Balance::compute(&succession, ns.engine.replication_factor as usize);
        let mut bitmaps = vec![[0u8; N_PARTITIONS / 8]; balance.replication_factor];
        for pid in 0..N_PARTITIONS as u16 {
            if let Some(role) = balance.role_of(pid, node.node_id) {
                bitmaps[role][usize::from(pid >> 3)] |= 0x80 >> (pid & 7);
            }
        }
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
            base64::encode_into(bitmap, &mut out);
        }
    }
    out
}

/// The cluster key clients and tools see: the agreed one when heartbeats run, else the key
/// this lone node made up at start.
pub fn cluster_key(node: &crate::node::NodeContext) -> u64 {
    let cluster = node.cluster.read().unwrap_or_else(|p| p.into_inner());
    if cluster.heartbeats {
        cluster.key
    } else {
        node.cluster_key
    }
}

/// `peers-clear-std`: generation, default port, no peers.
pub fn peers(shard: &Shard) -> String {
    format!("{GENERATION},{},[]", shard.node.service_port())
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

//! Clustering (issue 7, in progress): partition balance, which already computes the `replicas`
//! answer (over a one-node succession list); membership consensus, a sans-IO state machine
//! tested on its own under message loss, duplication and link cuts; the heartbeat datagram
//! with the peer table (liveness, health, mesh discovery); and the coordinator, which runs
//! heartbeats and the consensus over UDP on shard 0 when `heartbeat { mode mesh }` is set and
//! publishes the agreed membership to info. Membership only, so far: partitions and records
//! stay with the node that has them: the fabric, replication, migration and proxying are not
//! built yet (docs/ARCHITECTURE.md, "Not built yet").

pub mod balance;
pub mod consensus;
pub mod coordinator;
pub mod heartbeat;
pub mod map;
pub mod migrate;
pub mod replica;

use balance::NodeId;

/// What info reports of the cluster.
#[derive(Debug, Clone, PartialEq)]
pub struct ClusterState {
    /// Cluster key (0 while the node is in no cluster).
    pub key: u64,
    /// Members, the principal first.
    pub succession: Vec<NodeId>,
    /// Peers heard by heartbeats: id, health (0 to 100) and whether it is alive now.
    pub peers: Vec<(NodeId, f64, bool)>,
    /// Heartbeats run (`mode mesh`).
    pub heartbeats: bool,
}

impl ClusterState {
    /// A node on its own (no heartbeat stanza): a cluster of one.
    pub fn alone(node: NodeId) -> ClusterState {
        ClusterState { key: 0, succession: vec![node], peers: Vec::new(), heartbeats: false }
    }
}

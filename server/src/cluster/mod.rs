//! Clustering: heartbeats and the peer table ([`heartbeat`]), membership consensus
//! ([`consensus`], sans-IO), both run over UDP by the [`coordinator`] on shard 0; partition
//! balance ([`balance`]) and the partition map every shard acts on ([`map`]); replica writes
//! and duplicate resolution on the data path ([`replica`]); migrations ([`migrate`]). The
//! fabric transport is `crate::fabric`. docs/ARCHITECTURE.md ("Cluster") has the whole picture.

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

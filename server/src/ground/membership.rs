//! What the node knows of its cluster, shared between threads: the membership as last agreed
//! (written by the coordinator, read by info) and when each peer was last heard on the fabric
//! (written by any shard, read by the coordinator). Neither is touched per request.

use crate::ground::node::NodeId;

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

/// When each peer last sent this node a fabric message, for the coordinator's passive
/// liveness. Written by whichever shard receives a frame, read by the coordinator: a small
/// fixed table of atomics (a slot per peer, claimed once), so no shard ever waits.
#[derive(Debug)]
pub struct FabricHeard {
    slots: [(std::sync::atomic::AtomicU64, std::sync::atomic::AtomicU64); FABRIC_HEARD_SLOTS],
}

/// Peers whose fabric messages count as heartbeats (more still heartbeat by UDP).
pub const FABRIC_HEARD_SLOTS: usize = 64;

impl Default for FabricHeard {
    fn default() -> FabricHeard {
        FabricHeard { slots: std::array::from_fn(|_| Default::default()) }
    }
}

impl FabricHeard {
    /// `node` sent a fabric message at `ms` (node uptime milliseconds).
    pub fn heard(&self, node: NodeId, ms: u64) {
        use std::sync::atomic::Ordering;
        if node == 0 {
            return;
        }
        for (id, at) in &self.slots {
            let mut current = id.load(Ordering::Acquire);
            if current == 0 {
                // Claim the first free slot; if another thread claimed it first, it holds
                // that thread's peer (maybe this one).
                current =
                    id.compare_exchange(0, node, Ordering::AcqRel, Ordering::Acquire).map_or_else(|v| v, |_| node);
            }
            if current == node {
                at.fetch_max(ms, Ordering::AcqRel);
                return;
            }
        }
    }

    /// Every peer heard on the fabric, with when it last was.
    pub fn entries(&self) -> Vec<(NodeId, u64)> {
        use std::sync::atomic::Ordering;
        self.slots
            .iter()
            .map(|(id, at)| (id.load(Ordering::Acquire), at.load(Ordering::Acquire)))
            .filter(|&(id, at)| id != 0 && at != 0)
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fabric_heard_keeps_the_latest_time_per_peer() {
        let heard = FabricHeard::default();
        heard.heard(0xA1, 50);
        heard.heard(0xA2, 70);
        heard.heard(0xA1, 40); // older: kept 50
        heard.heard(0, 99); // no sender: ignored
        let mut entries = heard.entries();
        entries.sort();
        assert_eq!(entries, vec![(0xA1, 50), (0xA2, 70)]);
        let threads: Vec<_> = (0..4u64)
            .map(|t| {
                let heard = std::sync::Arc::new(FabricHeard::default());
                let h = heard.clone();
                (std::thread::spawn(move || (1..=100).for_each(|i| h.heard(0xB0 + i % 8, i * 10 + t))), heard)
            })
            .collect();
        for (thread, heard) in threads {
            thread.join().unwrap();
            assert_eq!(heard.entries().len(), 8, "one slot per peer, even when claimed concurrently");
        }
    }
}

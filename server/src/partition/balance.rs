//! Partition balance: the order of the cluster's nodes for each partition (PROTOCOL.md §11),
//! the same hash Aerospike uses, so that our maps are comparable with Aerospike's. Position 0
//! is the master, positions 1..RF are the replicas, the rest hold no copy.

use scramjet_net::N_PARTITIONS;

use crate::ground::node::NodeId;

/// Low bits of a partition/node hash replaced by the node's succession index (Aerospike CE's
/// `AS_CLUSTER_SZ`): they only break ties.
const CLUSTER_SZ: u64 = 8;

pub use scramjet_net::digest::fnv1a64;

/// Jenkins one-at-a-time, 64-bit arithmetic, over `bytes`.
pub fn jenkins_oat64(bytes: &[u8]) -> u64 {
    let mut h: u64 = 0;
    for &b in bytes {
        h = h.wrapping_add(u64::from(b));
        h = h.wrapping_add(h << 10);
        h ^= h >> 6;
    }
    h = h.wrapping_add(h << 3);
    h ^= h >> 11;
    h.wrapping_add(h << 15)
}

/// The succession list: node ids sorted descending (the principal first).
pub fn succession(mut nodes: Vec<NodeId>) -> Vec<NodeId> {
    nodes.sort_unstable_by(|a, b| b.cmp(a));
    nodes.dedup();
    nodes
}

/// The node order of partition `pid` for `succession` (sorted descending, as from
/// [`succession`]): `order[0]` is the master.
pub fn node_order(pid: u16, succession: &[NodeId]) -> Vec<NodeId> {
    let hashed_pid = fnv1a64(&u32::from(pid).to_le_bytes());
    let mut keyed: Vec<(u64, NodeId)> = succession
        .iter()
        .enumerate()
        .map(|(index, &node)| {
            let mut bytes = [0u8; 16];
            bytes[..8].copy_from_slice(&fnv1a64(&node.to_le_bytes()).to_le_bytes());
            bytes[8..].copy_from_slice(&hashed_pid.to_le_bytes());
            let v = jenkins_oat64(&bytes);
            ((v & !(CLUSTER_SZ - 1)).wrapping_add(index as u64), node)
        })
        .collect();
    keyed.sort_unstable_by_key(|&(v, _)| std::cmp::Reverse(v));
    keyed.into_iter().map(|(_, node)| node).collect()
}

/// One namespace's ownership across the cluster.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Balance {
    /// Copies kept: the configured replication factor capped by the cluster size.
    pub replication_factor: usize,
    /// For each partition, its nodes in order (master first), all of the succession list.
    pub orders: Vec<Vec<NodeId>>,
}

impl Balance {
    /// The balance of every partition over `succession` with `replication_factor` copies.
    pub fn compute(succession: &[NodeId], replication_factor: usize) -> Balance {
        Balance {
            replication_factor: replication_factor.clamp(1, succession.len().max(1)),
            orders: (0..N_PARTITIONS as u16).map(|pid| node_order(pid, succession)).collect(),
        }
    }

    /// The replica index (0 = master) `node` holds `pid` as, if it holds a copy.
    pub fn role_of(&self, pid: u16, node: NodeId) -> Option<usize> {
        self.orders[usize::from(pid)].iter().take(self.replication_factor).position(|&n| n == node)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const A: NodeId = 0xBB9_0200_11AC_4202;
    const B: NodeId = 0xBB9_0300_11AC_4202;
    const C: NodeId = 0xBB9_0400_11AC_4202;

    #[test]
    fn hashes_match_their_definitions() {
        assert_eq!(fnv1a64(&0u32.to_le_bytes()), 0x4d25_767f_9dce_13f5);
        assert_eq!(fnv1a64(&A.to_le_bytes()), 0x5b9d_0038_b91d_d6e8);
        assert_eq!(jenkins_oat64(b"a"), 0x6_ca2e_9442);
    }

    /// Orders computed by hand from PROTOCOL.md §11 (FNV-1a of the pid and node ids, Jenkins
    /// one-at-a-time of both, low 3 bits replaced by the succession index, sorted descending).
    #[test]
    fn orders_of_a_three_node_cluster() {
        let s = succession(vec![A, C, B]);
        assert_eq!(s, [C, B, A]);
        assert_eq!(node_order(0, &s), [B, C, A]);
        assert_eq!(node_order(1, &s), [B, A, C]);
        assert_eq!(node_order(2, &s), [C, A, B]);
        assert_eq!(node_order(100, &s), [A, B, C]);
        assert_eq!(node_order(4095, &s), [A, B, C]);
    }

    #[test]
    fn masters_are_spread_and_replication_is_capped() {
        let balance = Balance::compute(&succession(vec![A, B, C]), 2);
        let masters = |n| balance.orders.iter().filter(|order| order[0] == n).count();
        assert_eq!((masters(A), masters(B), masters(C)), (1344, 1377, 1375));
        for pid in 0..4096u16 {
            let roles: Vec<_> = [A, B, C].iter().filter_map(|&n| balance.role_of(pid, n)).collect();
            assert_eq!(roles.len(), 2, "two copies of {pid}");
        }
        assert_eq!(Balance::compute(&[A], 3).replication_factor, 1);
    }

    #[test]
    fn removing_a_node_moves_only_its_partitions_up() {
        // The order of the remaining nodes is unchanged: a node's departure promotes the next
        // node in each of its partitions and moves nothing else.
        let before = Balance::compute(&succession(vec![A, B, C]), 3);
        let after = Balance::compute(&succession(vec![A, B]), 3);
        for pid in 0..4096u16 {
            let kept: Vec<_> = before.orders[usize::from(pid)].iter().copied().filter(|&n| n != C).collect();
            assert_eq!(kept, after.orders[usize::from(pid)], "pid {pid}");
        }
    }
}

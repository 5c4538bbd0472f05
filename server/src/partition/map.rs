//! The partition map: an immutable, versioned snapshot of who holds which partition, made by
//! the coordinator from each agreed succession list and pushed to every shard over the channel
//! mesh (invariant 3: shards act on the snapshot they hold, never on membership itself).

use std::net::SocketAddr;

use scramjet_net::N_PARTITIONS;

use super::balance::Balance;
use crate::ground::node::NodeId;

/// Where a member of the cluster is reached.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NodeAddress {
    /// The node.
    pub id: NodeId,
    /// Its service address, as clients are told (`peers-clear-std`).
    pub service: SocketAddr,
    /// Its fabric address, for replica writes, proxies and migrations.
    pub fabric: SocketAddr,
}

/// Who holds each partition of each namespace under one cluster key.
#[derive(Debug, Clone, PartialEq)]
pub struct ClusterMap {
    /// This node.
    pub me: NodeId,
    /// The cluster key the map was made for (0: a node on its own).
    pub key: u64,
    /// Bumped on every new map; clients re-read `replicas` when it moves.
    pub generation: u32,
    /// Members, the principal first.
    pub succession: Vec<NodeId>,
    /// How to reach the other members (this node is not listed).
    pub peers: Vec<NodeAddress>,
    /// Per namespace (configuration order), the partition balance.
    pub namespaces: Vec<Balance>,
    /// False while a node with heartbeats is in no cluster yet (an orphan): it claims no
    /// partition and refuses commands with result 11, so that nothing is written outside a
    /// cluster's map.
    pub serving: bool,
    /// Each member's incarnation (a random number per start, from its heartbeats): a member
    /// whose incarnation differs from the previous map's restarted and may have lost records.
    pub incarnations: Vec<(NodeId, u64)>,
}

impl ClusterMap {
    /// The map of a node alone: it holds every partition of every namespace as master.
    pub fn alone(me: NodeId, replication_factors: &[u32]) -> ClusterMap {
        ClusterMap::new(me, 0, 1, vec![me], Vec::new(), replication_factors)
    }

    /// The map of a node with heartbeats that has joined no cluster yet: it serves nothing.
    pub fn orphan(me: NodeId, replication_factors: &[u32]) -> ClusterMap {
        ClusterMap { serving: false, ..ClusterMap::alone(me, replication_factors) }
    }

    /// The map for `succession` under `key`.
    pub fn new(
        me: NodeId,
        key: u64,
        generation: u32,
        succession: Vec<NodeId>,
        peers: Vec<NodeAddress>,
        replication_factors: &[u32],
    ) -> ClusterMap {
        let namespaces = replication_factors.iter().map(|&rf| Balance::compute(&succession, rf as usize)).collect();
        ClusterMap { me, key, generation, succession, peers, namespaces, serving: true, incarnations: Vec::new() }
    }

    /// True when other nodes are in the cluster (replicas, proxies and migrations happen).
    pub fn is_clustered(&self) -> bool {
        self.succession.len() > 1
    }

    /// The nodes holding a copy of partition `pid` of namespace `ns`, the master first.
    pub fn owners(&self, ns: usize, pid: u16) -> &[NodeId] {
        let balance = &self.namespaces[ns];
        &balance.orders[usize::from(pid)][..balance.replication_factor]
    }

    /// The master of partition `pid` of namespace `ns`.
    pub fn master(&self, ns: usize, pid: u16) -> NodeId {
        self.owners(ns, pid)[0]
    }

    /// The role (0 = master, 1.. = replica) this node holds `pid` in, if it holds a copy.
    pub fn my_role(&self, ns: usize, pid: u16) -> Option<usize> {
        self.namespaces[ns].role_of(pid, self.me)
    }

    /// Member `node`'s incarnation, if the map knows it.
    pub fn incarnation(&self, node: NodeId) -> Option<u64> {
        self.incarnations.iter().find(|(n, _)| *n == node).map(|&(_, i)| i)
    }

    /// Where to reach member `node`.
    pub fn address(&self, node: NodeId) -> Option<&NodeAddress> {
        self.peers.iter().find(|p| p.id == node)
    }

    /// For `replicas`: one bitmap per replica index of the partitions of `ns` this node holds
    /// in that role.
    pub fn role_bitmaps(&self, ns: usize) -> Vec<[u8; N_PARTITIONS / 8]> {
        let balance = &self.namespaces[ns];
        let mut bitmaps = vec![[0u8; N_PARTITIONS / 8]; balance.replication_factor];
        if !self.serving {
            return bitmaps;
        }
        for pid in 0..N_PARTITIONS as u16 {
            if let Some(role) = self.my_role(ns, pid) {
                bitmaps[role][usize::from(pid >> 3)] |= 0x80 >> (pid & 7);
            }
        }
        bitmaps
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_lone_node_masters_everything() {
        let map = ClusterMap::alone(7, &[2]);
        assert!(!map.is_clustered());
        assert!((0..N_PARTITIONS as u16).all(|p| map.my_role(0, p) == Some(0)));
        assert_eq!(map.role_bitmaps(0).len(), 1, "the replication factor is capped by the cluster size");
        let orphan = ClusterMap::orphan(7, &[2]);
        assert!(orphan.role_bitmaps(0).iter().all(|b| b.iter().all(|&x| x == 0)), "an orphan claims nothing");
    }

    #[test]
    fn three_nodes_split_roles_and_every_partition_has_two_copies() {
        let succession = crate::partition::balance::succession(vec![0xA1, 0xA2, 0xA3]);
        let maps: Vec<_> = [0xA1, 0xA2, 0xA3]
            .iter()
            .map(|&me| ClusterMap::new(me, 9, 2, succession.clone(), Vec::new(), &[2]))
            .collect();
        for pid in 0..N_PARTITIONS as u16 {
            let roles: Vec<_> = maps.iter().filter_map(|m| m.my_role(0, pid)).collect();
            assert_eq!(roles.len(), 2, "partition {pid}");
            assert!(roles.contains(&0) && roles.contains(&1));
        }
        let masters: usize =
            maps.iter().map(|m| m.role_bitmaps(0)[0].iter().map(|b| b.count_ones() as usize).sum::<usize>()).sum();
        assert_eq!(masters, N_PARTITIONS);
    }
}

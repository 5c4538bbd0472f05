//! What a shard keeps track of while partitions migrate: per partition it holds, the members
//! whose records may still arrive; the batches being received; done notices that came before
//! their map; and the counters. Plain bookkeeping, changed by `crate::cluster::migrate` (which
//! moves the records) and read by transactions (duplicate resolution, scans that pull).

use std::collections::{HashMap, HashSet, VecDeque};

use crate::ground::node::NodeId;
use crate::ground::stats::MigrationStats;

/// A shard's migration state, per namespace.
#[derive(Debug, Default)]
pub struct Migration {
    /// Per namespace: partitions held here that some members have not finished sending, with
    /// those members.
    pub rx_waiting: Vec<HashMap<u16, Vec<NodeId>>>,
    /// Per namespace: counters.
    pub stats: Vec<MigrationStats>,
    /// Done notices for a cluster key not installed yet: (key, namespace, sender, bitmap).
    pub early_dones: VecDeque<(u64, usize, NodeId, Vec<u8>)>,
    /// Partitions being received now: (namespace, partition, sender), at most
    /// `migrate-max-num-incoming`.
    pub incoming: Vec<(usize, u16, NodeId)>,
    /// Per namespace: (partition, member) whose versions were pulled for a scan under the
    /// current map (a member that is not the master gets no writes but the master's after it).
    pub pulled: Vec<HashSet<(u16, NodeId)>>,
}

impl Migration {
    /// State for `n_namespaces` namespaces, with nothing to migrate.
    pub fn new(n_namespaces: usize) -> Migration {
        Migration {
            rx_waiting: vec![HashMap::new(); n_namespaces],
            stats: vec![MigrationStats::default(); n_namespaces],
            early_dones: VecDeque::new(),
            incoming: Vec::new(),
            pulled: vec![HashSet::new(); n_namespaces],
        }
    }

    /// True when nothing is being sent or received.
    pub fn is_settled(&self) -> bool {
        self.rx_waiting.iter().all(HashMap::is_empty) && self.stats.iter().all(|s| s.tx_remaining == 0)
    }

    /// The members whose version of partition `pid` of `ns` this node may still lack.
    pub fn waiting_on(&self, ns: usize, pid: u16) -> Option<&[NodeId]> {
        self.rx_waiting[ns].get(&pid).map(Vec::as_slice)
    }

    /// Admits a migration batch of partition `pid` from `from`: false while as many other
    /// partitions as `max` are being received (the sender waits and tries again).
    pub fn admit_incoming(&mut self, ns: usize, pid: u16, from: NodeId, max: usize) -> bool {
        if self.incoming.contains(&(ns, pid, from)) {
            return true;
        }
        if self.incoming.len() >= max {
            return false;
        }
        self.incoming.push((ns, pid, from));
        true
    }

    /// Notes that `from` sent everything it had of the partitions in `bitmap`; returns the
    /// partitions that now have every member's records.
    pub fn mark_done(&mut self, ns: usize, from: NodeId, bitmap: &[u8]) -> Vec<u16> {
        let has = |pid: u16| bitmap[usize::from(pid >> 3)] & (0x80 >> (pid & 7)) != 0;
        self.incoming.retain(|&(n, pid, f)| !(n == ns && f == from && has(pid)));
        let waiting = &mut self.rx_waiting[ns];
        let mut complete = Vec::new();
        waiting.retain(|&pid, nodes| {
            if has(pid) {
                nodes.retain(|&n| n != from);
            }
            if nodes.is_empty() {
                complete.push(pid);
            }
            !nodes.is_empty()
        });
        self.stats[ns].rx_remaining = waiting.len() as u64;
        complete
    }
}

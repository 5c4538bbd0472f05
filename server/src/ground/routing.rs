//! The partition → shard mapping: one function in one place (ARCHITECTURE.md invariant 2).
//!
//! Shard `s` of `n` owns the contiguous partitions `[ceil(s·4096/n), ceil((s+1)·4096/n))`, so
//! `shard_of_partition(pid) = pid·n / 4096`. The mapping depends only on `n`; records carry
//! their digests, so a restart with another `n` re-derives every owner.

use std::ops::Range;

use scramjet_net::N_PARTITIONS;

use crate::ground::node::DeviceInfo;

/// The shard that owns partition `pid` when there are `n_shards` shards.
pub fn shard_of_partition(pid: u16, n_shards: usize) -> usize {
    assert!(usize::from(pid) < N_PARTITIONS && n_shards > 0);
    usize::from(pid) * n_shards / N_PARTITIONS
}

/// How one namespace's partitions map to shards. A namespace on devices keeps the storage
/// shards its devices were formatted for (each with its own region, index and space); when the
/// node runs another number of executors, storage shard `r` is hosted by executor
/// `r % n_shards`, so data never moves between regions when the core count changes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NamespaceRoute {
    /// Namespace name.
    pub name: String,
    /// Storage shards of the namespace.
    pub n_stores: usize,
}

impl NamespaceRoute {
    /// The storage shard that owns partition `pid`.
    pub fn store_of(&self, pid: u16) -> usize {
        shard_of_partition(pid, self.n_stores)
    }

    /// The executor that hosts partition `pid`.
    pub fn executor_of(&self, pid: u16, n_shards: usize) -> usize {
        self.store_of(pid) % n_shards
    }

    /// The storage shards executor `shard` hosts, in local order (local index = r / n_shards).
    pub fn stores_of_executor(&self, shard: usize, n_shards: usize) -> impl Iterator<Item = usize> {
        (shard..self.n_stores).step_by(n_shards)
    }
}

/// Storage shards of a namespace: what its devices were formatted for, else one per executor.
pub fn n_stores(devices: &[DeviceInfo], n_shards: usize) -> usize {
    devices.first().map_or(n_shards, |d| d.n_regions)
}

/// The partitions shard `shard` owns (the inverse of [`shard_of_partition`]).
pub fn partitions_of_shard(shard: usize, n_shards: usize) -> Range<u16> {
    assert!(shard < n_shards);
    let start = (shard * N_PARTITIONS).div_ceil(n_shards);
    let end = ((shard + 1) * N_PARTITIONS).div_ceil(n_shards);
    start as u16..end as u16
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn storage_shards_spread_over_executors() {
        let route = NamespaceRoute { name: "t".into(), n_stores: 5 };
        let hosted: Vec<Vec<usize>> = (0..2).map(|e| route.stores_of_executor(e, 2).collect()).collect();
        assert_eq!(hosted, [vec![0, 2, 4], vec![1, 3]]);
        for pid in 0..N_PARTITIONS as u16 {
            let r = route.store_of(pid);
            assert_eq!(route.executor_of(pid, 2), r % 2);
            assert!(hosted[r % 2].contains(&r));
        }
    }

    #[test]
    fn ranges_are_the_inverse_and_cover_everything() {
        for n in [1, 2, 3, 7, 8, 64, 100, 256] {
            let mut next = 0u16;
            for shard in 0..n {
                let range = partitions_of_shard(shard, n);
                assert_eq!(range.start, next, "contiguous for n={n}");
                for pid in range.clone() {
                    assert_eq!(shard_of_partition(pid, n), shard, "pid {pid} n={n}");
                }
                let len = range.len();
                assert!(len == N_PARTITIONS / n || len == N_PARTITIONS / n + 1, "balanced for n={n}");
                next = range.end;
            }
            assert_eq!(usize::from(next), N_PARTITIONS);
        }
    }
}

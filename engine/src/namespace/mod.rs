//! A shard's slice of one namespace: the primary index of the partitions the shard owns, its
//! log-structured space (RAM or this shard's region of each device), its set table, its
//! stop-writes limits and the expiry sweep.
//!
//! Every method is a synchronous state transition; the shard that owns the store is the only
//! caller (ARCHITECTURE.md invariant 1), so nothing here locks. Device I/O is requested through
//! [`NamespaceStore::next_io`] and reported back with [`NamespaceStore::io_complete`].
//!
//! The store's state and its small accessors are here; the rest, one concern per file:
//! `config` (settings), `stats` (counters), `records` (reads, writes, deletes, tombstones),
//! `scan` (a partition's digests, a page at a time), `device` (records read from the device,
//! the write queue), `expiry` (expiry, truncate, eviction), `defrag` and `cold_start`.

mod cold_start;
mod config;
mod defrag;
mod device;
mod expiry;
mod records;
mod scan;
mod stats;
#[cfg(test)]
mod test_support;

use std::collections::HashMap;
use std::ops::Range;

use crate::index::{Index, Location};
use crate::set::SetTable;
use crate::sindex::SecondaryIndexes;
use crate::storage::{Medium, Space, SpaceConfig};
use expiry::MarkerEntry;

pub use config::{ConflictResolution, NamespaceConfig, MAX_TTL_SECS};
pub use defrag::DefragStep;
pub use device::{ReadError, ReadIntent};
pub use records::{Applied, PutOutcome, RecordRef};
pub use stats::NamespaceStats;

/// A shard's slice of one namespace.
pub struct NamespaceStore {
    config: NamespaceConfig,
    index: Index,
    space: Space,
    sets: SetTable,
    stats: NamespaceStats,
    /// Records of every set last updated before this are truncated.
    truncate_lut_ms: u64,
    /// Records whose void time is not after this were evicted.
    evict_void_time: u32,
    /// The newest marker of each kind and set name, kept live on the device.
    markers: Vec<MarkerEntry>,
    /// Records read from the device for the transaction being run.
    provided: HashMap<Location, Vec<u8>>,
    /// Per partition (by local index): deletes leave a tombstone even in memory, and defrag
    /// keeps them. Set while the partition migrates in, so that an older copy arriving after
    /// a delete does not bring the record back.
    keep_tombstones: Vec<bool>,
    /// The secondary indexes of these partitions, kept exact by every store and removal.
    sindexes: SecondaryIndexes,
}

impl std::fmt::Debug for NamespaceStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("NamespaceStore").field("name", &self.config.name).field("index", &self.index).finish()
    }
}

impl NamespaceStore {
    /// A store for the partitions `pids` over a space of the given shape.
    pub fn new(config: NamespaceConfig, pids: Range<u16>, space: SpaceConfig) -> NamespaceStore {
        assert!(pids.start <= pids.end && usize::from(pids.end) <= scramjet_net::N_PARTITIONS);
        let medium = space.medium;
        let space = Space::new(space);
        let data_total_bytes = space.stats().total_blocks * space.config().write_block_bytes as u64;
        NamespaceStore {
            config,
            index: Index::new(pids.clone()),
            space,
            sets: SetTable::default(),
            stats: NamespaceStats { data_total_bytes, ..Default::default() },
            truncate_lut_ms: 0,
            evict_void_time: 0,
            markers: Vec::new(),
            provided: HashMap::new(),
            keep_tombstones: vec![false; usize::from(pids.end - pids.start)],
            sindexes: SecondaryIndexes::new(pids.clone(), medium == Medium::Device),
        }
    }

    /// The namespace's settings.
    pub fn config(&self) -> &NamespaceConfig {
        &self.config
    }

    /// Replaces the settings that may change at run time.
    pub fn set_config(&mut self, config: NamespaceConfig) {
        assert_eq!(config.name, self.config.name, "a store keeps its namespace");
        self.space.set_defrag_lwm_pct(config.defrag_lwm_pct);
        self.config = config;
    }

    /// The partitions this store holds.
    pub fn pids(&self) -> Range<u16> {
        self.index.pids()
    }

    /// The storage medium.
    pub fn medium(&self) -> Medium {
        self.space.config().medium
    }

    /// Counters.
    pub fn stats(&self) -> NamespaceStats {
        let space = self.space.stats();
        NamespaceStats { data_used_bytes: space.live_bytes, space, evict_void_time: self.evict_void_time, ..self.stats }
    }

    /// Bytes the primary index holds.
    pub fn index_memory_bytes(&self) -> usize {
        self.index.memory_bytes()
    }

    /// The secondary indexes.
    pub fn sindexes(&self) -> &SecondaryIndexes {
        &self.sindexes
    }

    /// The secondary indexes, to add, drop or rename one.
    pub fn sindexes_mut(&mut self) -> &mut SecondaryIndexes {
        &mut self.sindexes
    }

    /// The set table.
    pub fn sets(&self) -> &SetTable {
        &self.sets
    }

    /// The set table, to add sets.
    pub fn sets_mut(&mut self) -> &mut SetTable {
        &mut self.sets
    }

    /// True when client writes that add data are refused (result 8): live data past
    /// `stop-writes-used-pct` of the space, or free blocks under `stop-writes-avail-pct`.
    pub fn is_stop_writes(&self) -> bool {
        let space = self.space.stats();
        let total = self.stats.data_total_bytes;
        let used_limit = total / 100 * u64::from(self.config.stop_writes_used_pct);
        let avail_limit = space.total_blocks * u64::from(self.config.stop_writes_avail_pct) / 100;
        // At least two free blocks stay in reserve: one a write may open, one for defrag.
        space.live_bytes >= used_limit || space.free_blocks < avail_limit.max(2)
    }

    fn local_of(&self, pid: u16) -> usize {
        usize::from(pid - self.index.pids().start)
    }

    /// Number of index entries (records, expired ones not yet reaped, and tombstones) of
    /// partition `pid`: cheap, for statistics and for skipping empty partitions.
    pub fn partition_len(&self, pid: u16) -> usize {
        self.index.partition_len(usize::from(pid - self.index.pids().start))
    }

    /// Number of partitions, for sweeps that go one partition at a time.
    pub fn n_partitions(&self) -> usize {
        self.index.n_partitions()
    }
}

#[cfg(test)]
mod tests {
    use crate::namespace::test_support::{digest_in, meta, record, store};
    use crate::{Now, StorageError};

    #[test]
    fn stop_writes_refuses_growth_but_not_deletes() {
        let mut ns = store(16);
        let now = Now::from_clepoch_secs(1);
        let mut written = Vec::new();
        let mut salt = 0;
        let err = loop {
            salt += 1;
            let d = digest_in(1, salt);
            match ns.put(d, meta(0, 0), record(50_000), now) {
                Ok(_) => written.push(d),
                Err(e) => break e,
            }
        };
        assert_eq!(err, StorageError::OutOfSpace);
        assert!(ns.is_stop_writes());
        assert!(ns.stats().data_used_bytes <= ns.stats().data_total_bytes * 70 / 100 + 60_000);
        for d in &written {
            assert!(ns.remove(d, now, false).unwrap().is_some(), "deletes go on at stop-writes");
        }
        assert!(ns.put(digest_in(1, 250), meta(0, 0), record(50_000), now).is_ok());
    }
}

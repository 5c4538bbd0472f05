//! A shard's slice of one namespace: the indexes of the partitions the shard owns, its set
//! table, its share of the memory budget, and the expiry sweep.
//!
//! Every method is a synchronous state transition; the shard that owns the store is the only
//! caller (ARCHITECTURE.md invariant 1), so nothing here locks.

use std::ops::Range;

use scramjet_net::Digest;

use crate::index::{IndexEntry, PartitionIndex};
use crate::record::{RecordMeta, StoredRecord};
use crate::set::SetTable;
use crate::{Now, StorageError};

/// Longest TTL a write may ask for: 10 years, in seconds.
pub const MAX_TTL_SECS: u32 = 315_360_000;

/// The settings of a namespace that the engine acts on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NamespaceConfig {
    /// Namespace name (at most 31 bytes).
    pub name: String,
    /// Copies of each record in a cluster.
    pub replication_factor: u32,
    /// TTL given to records written with TTL 0; 0 = never expire.
    pub default_ttl_secs: u32,
    /// Largest TTL a write may set; 0 = no limit beyond the 10-year cap.
    pub max_ttl_secs: u32,
    /// Period of the expiry sweep; 0 = no sweep.
    pub nsup_period_secs: u32,
    /// Allow TTLs when `nsup-period` is 0.
    pub allow_ttl_without_nsup: bool,
    /// Largest stored record.
    pub max_record_size_bytes: u64,
    /// Memory budget of the namespace's record data (all shards together).
    pub data_size_bytes: u64,
    /// Share of `data_size_bytes` past which writes fail with stop-writes.
    pub stop_writes_used_pct: u32,
}

impl NamespaceConfig {
    /// Aerospike's defaults for a namespace called `name`, stored in memory.
    pub fn with_defaults(name: &str) -> NamespaceConfig {
        NamespaceConfig {
            name: name.to_string(),
            replication_factor: 2,
            default_ttl_secs: 0,
            max_ttl_secs: MAX_TTL_SECS,
            nsup_period_secs: 0,
            allow_ttl_without_nsup: false,
            max_record_size_bytes: 1024 * 1024,
            data_size_bytes: 4 * 1024 * 1024 * 1024,
            stop_writes_used_pct: 70,
        }
    }
}

/// Counters of a shard's slice of a namespace.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct NamespaceStats {
    /// Live records (expired ones count until reaped).
    pub objects: u64,
    /// Bytes of stored records.
    pub data_used_bytes: u64,
    /// Records removed by the expiry sweep.
    pub expired_objects: u64,
    /// Writes refused by stop-writes.
    pub stop_writes_refusals: u64,
}

/// What a successful put replaced.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PutOutcome {
    /// The record is new (or replaced an expired one).
    Created,
    /// The record replaced a live one.
    Updated,
}

/// A shard's slice of one namespace.
#[derive(Debug)]
pub struct NamespaceStore {
    config: NamespaceConfig,
    budget_bytes: u64,
    pids: Range<u16>,
    partitions: Vec<PartitionIndex>,
    sets: SetTable,
    stats: NamespaceStats,
}

impl NamespaceStore {
    /// A store for the partitions `pids`, with `budget_bytes` of the namespace's data-size.
    pub fn new(config: NamespaceConfig, pids: Range<u16>, budget_bytes: u64) -> NamespaceStore {
        assert!(pids.start <= pids.end && usize::from(pids.end) <= scramjet_net::N_PARTITIONS);
        let partitions = (pids.start..pids.end)
            .map(|_| PartitionIndex::default())
            .collect();
        NamespaceStore {
            config,
            budget_bytes,
            pids,
            partitions,
            sets: SetTable::default(),
            stats: NamespaceStats::default(),
        }
    }

    /// The namespace's settings.
    pub fn config(&self) -> &NamespaceConfig {
        &self.config
    }

    /// Replaces the settings (run-time `set-config`); `budget_bytes` is this shard's share.
    pub fn set_config(&mut self, config: NamespaceConfig, budget_bytes: u64) {
        assert_eq!(config.name, self.config.name, "a store keeps its namespace");
        self.config = config;
        self.budget_bytes = budget_bytes;
    }

    /// The partitions this store holds.
    pub fn pids(&self) -> Range<u16> {
        self.pids.clone()
    }

    /// Counters.
    pub fn stats(&self) -> NamespaceStats {
        self.stats
    }

    /// The set table.
    pub fn sets(&self) -> &SetTable {
        &self.sets
    }

    /// The set table, to add sets.
    pub fn sets_mut(&mut self) -> &mut SetTable {
        &mut self.sets
    }

    /// Bytes past which writes that grow the data are refused.
    pub fn stop_writes_bytes(&self) -> u64 {
        self.budget_bytes / 100 * u64::from(self.config.stop_writes_used_pct)
    }

    /// True when the store is at its stop-writes limit.
    pub fn is_stop_writes(&self) -> bool {
        self.stats.data_used_bytes >= self.stop_writes_bytes()
    }

    fn partition(&self, digest: &Digest) -> &PartitionIndex {
        &self.partitions[self.local_index(digest)]
    }

    fn local_index(&self, digest: &Digest) -> usize {
        let pid = digest.partition_id();
        assert!(
            self.pids.contains(&pid),
            "partition {pid} routed to the wrong shard"
        );
        usize::from(pid - self.pids.start)
    }

    /// The live record for `digest` at `now` (expired records are invisible at once).
    pub fn get(&self, digest: &Digest, now: Now) -> Option<&IndexEntry> {
        self.partition(digest)
            .get(digest)
            .filter(|e| !e.meta.is_expired(now.clepoch_secs))
    }

    /// Stores a record, replacing any previous version.
    pub fn put(
        &mut self,
        digest: Digest,
        meta: RecordMeta,
        record: StoredRecord,
        now: Now,
    ) -> Result<PutOutcome, StorageError> {
        if record.len() as u64 > self.config.max_record_size_bytes {
            return Err(StorageError::RecordTooBig);
        }
        let index = self.local_index(&digest);
        let old = self.partitions[index].get(&digest);
        let old_len = old.map_or(0, |e| e.record.len() as u64);
        let new_len = record.len() as u64;
        let used_after = self.stats.data_used_bytes - old_len + new_len;
        if new_len > old_len && used_after > self.stop_writes_bytes() {
            self.stats.stop_writes_refusals += 1;
            return Err(StorageError::OutOfSpace);
        }
        let new_set = meta.set_id;
        let entry = IndexEntry { meta, record };
        let outcome = match self.partitions[index].insert(digest, entry) {
            Some(old) => {
                self.sets
                    .account(old.meta.set_id, -1, -(old.record.len() as i64));
                if old.meta.is_expired(now.clepoch_secs) {
                    PutOutcome::Created
                } else {
                    PutOutcome::Updated
                }
            }
            None => {
                self.stats.objects += 1;
                PutOutcome::Created
            }
        };
        self.sets.account(new_set, 1, new_len as i64);
        self.stats.data_used_bytes = used_after;
        Ok(outcome)
    }

    /// Removes the record for `digest`; returns it if it was live at `now`.
    pub fn remove(&mut self, digest: &Digest, now: Now) -> Option<IndexEntry> {
        let index = self.local_index(digest);
        let old = self.partitions[index].remove(digest)?;
        self.forget(&old);
        (!old.meta.is_expired(now.clepoch_secs)).then_some(old)
    }

    fn forget(&mut self, old: &IndexEntry) {
        self.stats.objects -= 1;
        self.stats.data_used_bytes -= old.record.len() as u64;
        self.sets
            .account(old.meta.set_id, -1, -(old.record.len() as i64));
    }

    /// Number of partitions, for sweeps that go one partition at a time.
    pub fn n_partitions(&self) -> usize {
        self.partitions.len()
    }

    /// Reaps the expired records of the `local`-th partition; returns how many.
    pub fn reap_expired(&mut self, local: usize, now: Now) -> u64 {
        let mut reaped = Vec::new();
        self.partitions[local].reap(|_, entry| {
            let expired = entry.meta.is_expired(now.clepoch_secs);
            if expired {
                reaped.push((entry.meta.set_id, entry.record.len() as u64));
            }
            expired
        });
        for &(set_id, len) in &reaped {
            self.stats.objects -= 1;
            self.stats.data_used_bytes -= len;
            self.sets.account(set_id, -1, -(len as i64));
        }
        self.stats.expired_objects += reaped.len() as u64;
        reaped.len() as u64
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::BinRef;
    use scramjet_net::ParticleType;

    fn digest_in(pid: u16, salt: u8) -> Digest {
        let mut d = [salt; 20];
        d[0] = (pid & 0xFF) as u8;
        d[1] = (pid >> 8) as u8;
        Digest(d)
    }

    fn record(size: usize) -> StoredRecord {
        let value = vec![7u8; size];
        StoredRecord::encode(
            None,
            [BinRef {
                name: b"b",
                particle: ParticleType::Blob,
                value: &value,
            }]
            .into_iter(),
        )
        .unwrap()
    }

    fn meta(void_time: u32, set_id: u16) -> RecordMeta {
        RecordMeta {
            generation: 1,
            void_time,
            last_update_ms: 0,
            set_id,
        }
    }

    fn store(budget: u64) -> NamespaceStore {
        NamespaceStore::new(NamespaceConfig::with_defaults("test"), 0..16, budget)
    }

    #[test]
    fn put_get_remove_keep_counters_true() {
        let mut ns = store(1 << 20);
        let now = Now::from_clepoch_secs(1000);
        let set = ns.sets_mut().id_for(b"s").unwrap();
        let d = digest_in(3, 1);
        assert_eq!(
            ns.put(d, meta(0, set), record(10), now),
            Ok(PutOutcome::Created)
        );
        assert_eq!(
            ns.put(d, meta(0, set), record(20), now),
            Ok(PutOutcome::Updated)
        );
        assert_eq!(ns.stats().objects, 1);
        assert_eq!(ns.stats().data_used_bytes, record(20).len() as u64);
        assert_eq!(ns.sets().iter().next().unwrap().1.objects, 1);
        assert!(ns.get(&d, now).is_some());
        assert!(ns.remove(&d, now).is_some());
        assert!(ns.get(&d, now).is_none());
        assert_eq!(ns.stats(), NamespaceStats::default());
        assert_eq!(ns.sets().iter().next().unwrap().1.objects, 0);
    }

    #[test]
    fn expired_records_are_invisible_then_reaped() {
        let mut ns = store(1 << 20);
        let d = digest_in(5, 2);
        ns.put(d, meta(100, 0), record(10), Now::from_clepoch_secs(50))
            .unwrap();
        assert!(ns.get(&d, Now::from_clepoch_secs(100)).is_some());
        assert!(ns.get(&d, Now::from_clepoch_secs(101)).is_none());
        // A write over an expired record creates it anew.
        let later = Now::from_clepoch_secs(200);
        let outcome = ns.put(d, meta(0, 0), record(10), later).unwrap();
        assert_eq!(outcome, PutOutcome::Created);
        ns.put(digest_in(5, 3), meta(150, 0), record(10), later)
            .unwrap();
        assert_eq!(ns.reap_expired(5, later), 1);
        assert_eq!(ns.stats().objects, 1);
        assert_eq!(ns.stats().expired_objects, 1);
    }

    #[test]
    fn stop_writes_refuses_growth_but_not_shrinking_or_deletes() {
        // Budget 10_000 bytes, stop-writes at 70%: 7_000 bytes.
        let mut ns = store(10_000);
        let now = Now::from_clepoch_secs(1);
        let mut written = Vec::new();
        let mut salt = 0;
        let err = loop {
            salt += 1;
            let d = digest_in(1, salt);
            match ns.put(d, meta(0, 0), record(1000), now) {
                Ok(_) => written.push(d),
                Err(e) => break e,
            }
        };
        assert_eq!(err, StorageError::OutOfSpace);
        assert!(ns.stats().data_used_bytes <= ns.stop_writes_bytes());
        assert!(
            ns.put(written[0], meta(0, 0), record(10), now).is_ok(),
            "shrinking is allowed"
        );
        assert!(ns.remove(&written[1], now).is_some());
        assert!(ns
            .put(digest_in(1, 200), meta(0, 0), record(1000), now)
            .is_ok());
    }

    #[test]
    fn record_size_limit() {
        let mut config = NamespaceConfig::with_defaults("test");
        config.max_record_size_bytes = 100;
        let mut ns = NamespaceStore::new(config, 0..16, 1 << 20);
        let now = Now::from_clepoch_secs(1);
        assert_eq!(
            ns.put(digest_in(0, 1), meta(0, 0), record(200), now),
            Err(StorageError::RecordTooBig)
        );
        assert!(ns.put(digest_in(0, 1), meta(0, 0), record(50), now).is_ok());
    }

    #[test]
    #[should_panic(expected = "routed to the wrong shard")]
    fn foreign_partition_is_a_programmer_error() {
        let ns = store(1 << 20);
        ns.get(&digest_in(100, 1), Now::from_clepoch_secs(1));
    }
}

//! Records that go without a delete: expiry, truncate and eviction, the markers that keep
//! truncates and evictions across a restart, and the sweep that reaps what they cover.

use scramjet_net::Digest;

use super::NamespaceStore;
use crate::index::{IndexEntry, Location};
use crate::record::RecordMeta;
use crate::storage::format::{DeviceRecord, Marker};
use crate::{Now, StorageError};

/// A marker on the device: a truncate of a set ("" for the namespace), or an eviction.
#[derive(Debug, Clone)]
pub(super) struct MarkerEntry {
    pub(super) kind: Marker,
    pub(super) set_name: Vec<u8>,
    pub(super) value: u64,
    pub(super) location: Location,
}

impl NamespaceStore {
    /// True if a record (not a tombstone) has expired, was evicted or was truncated.
    pub(super) fn is_gone(&self, entry: &IndexEntry, now: Now) -> bool {
        let meta = entry.meta();
        meta.is_expired(now.clepoch_secs) || self.is_evicted(&meta) || self.is_truncated(&meta)
    }

    fn is_evicted(&self, meta: &RecordMeta) -> bool {
        meta.void_time != 0 && meta.void_time <= self.evict_void_time
    }

    fn is_truncated(&self, meta: &RecordMeta) -> bool {
        let threshold = self.truncate_lut_ms.max(self.sets.truncate_lut_ms(meta.set_id));
        meta.last_update_ms < threshold
    }

    /// The truncate time of set `set_id` (the namespace's if later), for `sets` statistics.
    pub fn truncate_lut_ms(&self, set_id: u16) -> u64 {
        self.truncate_lut_ms.max(self.sets.truncate_lut_ms(set_id))
    }

    // ---- Expiry ----

    /// Reaps the expired and truncated records of the `local`-th partition, and in memory the
    /// tombstones the tomb raider may drop; returns how many records it reaped.
    pub fn reap_expired(&mut self, local: usize, now: Now) -> u64 {
        let mut reaped = 0;
        // Memory keeps durable deletes' tombstones until they are old enough, and not while the
        // partition migrates in (a copy from before the delete could still arrive).
        let raid_before_ms = (self.medium() == crate::storage::Medium::Memory && !self.keep_tombstones[local])
            .then(|| now.clepoch_ms.saturating_sub(u64::from(self.config.tomb_raider_eligible_age_secs) * 1000));
        for entry in self.index.partition_entries(local) {
            if entry.is_tombstone() {
                if raid_before_ms.is_some_and(|before| entry.meta().last_update_ms < before) {
                    self.index.remove(&entry.digest());
                    self.forget_old(Some(entry), now);
                }
                continue;
            }
            if !self.is_gone(&entry, now) {
                continue;
            }
            // No tombstone is needed: the void time, or a marker, keeps them dead.
            let meta = entry.meta();
            if self.is_truncated(&meta) {
                self.stats.truncated_objects += 1;
            } else if meta.is_expired(now.clepoch_secs) {
                self.stats.expired_objects += 1;
            } else {
                self.stats.evicted_objects += 1;
            }
            let old_entries = self.sindex_entries_of(Some(&entry));
            self.index.remove(&entry.digest());
            self.sindexes.remove(&entry.digest(), old_entries);
            self.forget_old(Some(entry), now);
            reaped += 1;
        }
        reaped
    }

    // ---- Truncate ----

    /// Truncates the records of set `set_name` (every set if `None`) last updated before
    /// `lut_ms`: they are invisible at once, reaped by the sweep, and stay gone after a
    /// restart (a marker is written). Returns the marker's append sequence.
    pub fn truncate(&mut self, set_name: Option<&[u8]>, lut_ms: u64) -> Result<u64, StorageError> {
        let name = set_name.unwrap_or_default().to_vec();
        let meta = RecordMeta { generation: 1, void_time: 0, last_update_ms: lut_ms, set_id: 0 };
        let marker = DeviceRecord {
            digest: Digest([0; 20]),
            meta,
            set_name: &name,
            tombstone: false,
            reborn: false,
            marker: Some(Marker::Truncate),
            body: &[],
        };
        let (location, seq) = self.append_with_defrag(&marker)?;
        self.apply_marker(Marker::Truncate, name, lut_ms, location)?;
        Ok(seq)
    }

    /// Records a marker; returns an error only for a set the table cannot hold.
    pub(super) fn apply_marker(
        &mut self,
        kind: Marker,
        set_name: Vec<u8>,
        value: u64,
        location: Location,
    ) -> Result<(), StorageError> {
        match kind {
            Marker::Truncate if set_name.is_empty() => self.truncate_lut_ms = self.truncate_lut_ms.max(value),
            Marker::Truncate => {
                let id = self.sets.id_for(&set_name)?;
                self.sets.set_truncate_lut_ms(id, value);
            }
            Marker::Evict => {
                self.evict_void_time = self.evict_void_time.max(u32::try_from(value).unwrap_or(u32::MAX));
            }
        }
        // Keep only the newest marker per kind and set: it covers the older ones.
        match self.markers.iter_mut().find(|m| m.kind == kind && m.set_name == set_name) {
            Some(old) if old.value >= value => self.space.release(location),
            Some(old) => {
                self.space.release(old.location);
                old.value = value;
                old.location = location;
            }
            None => self.markers.push(MarkerEntry { kind, set_name, value, location }),
        }
        Ok(())
    }

    // ---- Eviction ----

    /// Evicts, nearest their expiry first, about `tenths_pct` thousandths of the records that
    /// have a void time, if live data is at or past `used_pct` of the space. Records without a
    /// TTL are never evicted. Returns how many records went.
    pub fn evict(&mut self, used_pct: u32, tenths_pct: u32, now: Now) -> Result<u64, StorageError> {
        let stats = self.space.stats();
        let total = self.stats.data_total_bytes;
        if used_pct == 0 || stats.live_bytes * 100 < total * u64::from(used_pct) {
            return Ok(0);
        }
        let mut void_times: Vec<u32> = Vec::new();
        for local in 0..self.index.n_partitions() {
            for entry in self.index.partition_entries(local) {
                let meta = entry.meta();
                if !entry.is_tombstone() && meta.void_time != 0 && !self.is_gone(&entry, now) {
                    void_times.push(meta.void_time);
                }
            }
        }
        if void_times.is_empty() {
            return Ok(0);
        }
        let len = void_times.len();
        let n = ((len as u64 * u64::from(tenths_pct)).div_ceil(1000).max(1) as usize).min(len);
        let (_, threshold, _) = void_times.select_nth_unstable(n - 1);
        let threshold = *threshold;
        let meta = RecordMeta { generation: 1, void_time: 0, last_update_ms: u64::from(threshold), set_id: 0 };
        let marker = DeviceRecord {
            digest: Digest([0; 20]),
            meta,
            set_name: &[],
            tombstone: false,
            reborn: false,
            marker: Some(Marker::Evict),
            body: &[],
        };
        let (location, _) = self.append_with_defrag(&marker)?;
        self.apply_marker(Marker::Evict, Vec::new(), u64::from(threshold), location)?;
        let before = self.stats.evicted_objects;
        for local in 0..self.index.n_partitions() {
            self.reap_expired(local, now);
        }
        Ok(self.stats.evicted_objects - before)
    }
}

#[cfg(test)]
mod tests {
    use crate::namespace::test_support::{digest_in, meta, record, store};
    use crate::namespace::PutOutcome;
    use crate::Now;

    #[test]
    fn expired_records_are_invisible_then_reaped() {
        let mut ns = store(16);
        let d = digest_in(5, 2);
        ns.put(d, meta(100, 0), record(10), Now::from_clepoch_secs(50)).unwrap();
        assert!(ns.get(&d, Now::from_clepoch_secs(100)).is_some());
        assert!(ns.get(&d, Now::from_clepoch_secs(101)).is_none());
        let later = Now::from_clepoch_secs(200);
        assert_eq!(ns.put(d, meta(0, 0), record(10), later).unwrap().0, PutOutcome::Created);
        ns.put(digest_in(5, 3), meta(150, 0), record(10), later).unwrap();
        assert_eq!(ns.reap_expired(5, later), 1);
        assert_eq!(ns.stats().objects, 1);
        assert_eq!(ns.stats().expired_objects, 1);
    }

    #[test]
    fn eviction_takes_the_records_nearest_expiry_and_spares_those_without_ttl() {
        let mut ns = store(16);
        let now = Now::from_clepoch_secs(10);
        for k in 0..200u16 {
            let d = digest_in(k % 16, k as u8);
            let void_time = if k < 100 { 0 } else { 1_000 + u32::from(k) };
            ns.put(d, meta(void_time, 0), record(100), now).unwrap();
        }
        // Not past the threshold: nothing goes.
        assert_eq!(ns.evict(90, 50, now), Ok(0));
        // 5% of the 100 records with a TTL: the five nearest their expiry.
        assert_eq!(ns.evict(1, 50, now), Ok(5));
        for k in 0..200u16 {
            let gone = ns.get(&digest_in(k % 16, k as u8), now).is_none();
            assert_eq!(gone, (100..105).contains(&k), "key {k}");
        }
        assert_eq!(ns.stats().evicted_objects, 5);
        assert_eq!(ns.stats().evict_void_time, 1_104);
    }
}

//! Reads and writes of records: lookups, puts, versions from other nodes, deletes and the
//! tombstones they leave.

use scramjet_net::Digest;

use super::{ConflictResolution, NamespaceStore};
use crate::index::IndexEntry;
use crate::record::{RecordMeta, RecordView, StoredRecord};
use crate::storage::format::{self, DeviceRecord};
use crate::storage::{Medium, Space};
use crate::{Now, StorageError};

/// What [`NamespaceStore::apply_version`] did with a version from another node.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Applied {
    /// It is stored now.
    Stored,
    /// The version here is as new or newer (or the incoming one has expired): kept.
    Kept,
}

/// What a successful put replaced.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PutOutcome {
    /// The record is new (or replaced an expired one or a tombstone).
    Created,
    /// The record replaced a live one.
    Updated,
}

/// A live record as the store holds it.
#[derive(Debug, Clone, Copy)]
pub struct RecordRef<'a> {
    /// Generation, void time, last-update time, set.
    pub meta: RecordMeta,
    /// The stored record (key and bins).
    pub body: &'a [u8],
}

impl<'a> RecordRef<'a> {
    /// The parsed record; `None` if its bytes are corrupt.
    pub fn view(&self) -> Option<RecordView<'a>> {
        RecordView::parse(self.body)
    }
}

impl NamespaceStore {
    /// The live record for `digest` at `now` (expired records and tombstones are invisible).
    pub fn get(&self, digest: &Digest, now: Now) -> Option<RecordRef<'_>> {
        let entry = self.index.get(digest)?;
        if entry.is_tombstone() || self.is_gone(entry, now) {
            return None;
        }
        Some(self.record_ref(entry))
    }

    fn record_ref(&self, entry: &IndexEntry) -> RecordRef<'_> {
        let location = entry.location();
        let bytes = self.space.record_bytes(location).or_else(|| self.provided.get(&location).map(|b| &b[..]));
        // The caller fetched the record first (see `read_needed`): not doing so is a bug.
        let bytes = bytes.expect("record fetched from the device before use");
        // Its checksum was checked when it was read back (or it was written here): not again
        // on every read.
        match format::resident_body(bytes) {
            Some(body) => RecordRef { meta: entry.meta(), body },
            None => panic!("index points at a bad record at {location:?}"),
        }
    }

    /// The generation a tombstone left for `digest`: the deleted version's after a durable
    /// delete, so that a re-created record continues from it (Aerospike Enterprise); 0 after a
    /// delete without the durable-delete flag, so that it starts again at 1 (Aerospike).
    fn tombstone_generation(&self, digest: &Digest) -> Option<u16> {
        self.index.get(digest).filter(|e| e.is_tombstone()).map(|e| e.meta().generation)
    }

    /// The generation a new record for `digest` starts at.
    pub fn first_generation(&self, digest: &Digest) -> u16 {
        self.tombstone_generation(digest).map_or(1, crate::record::next_generation)
    }

    /// Stores a record, replacing any previous version. Returns its append sequence too (see
    /// [`NamespaceStore::durable`]).
    pub fn put(
        &mut self,
        digest: Digest,
        meta: RecordMeta,
        record: StoredRecord,
        now: Now,
    ) -> Result<(PutOutcome, u64), StorageError> {
        // A record created over a non-durable delete's tombstone is reborn; an update keeps the
        // mark of the live version it replaces.
        let reborn = self.index.get(&digest).is_some_and(|e| {
            if e.is_tombstone() {
                e.meta().generation == NON_DURABLE_TOMBSTONE_GENERATION
            } else {
                e.is_reborn() && !self.is_gone(e, now)
            }
        });
        self.put_marked(digest, meta, record, reborn, now)
    }

    /// [`NamespaceStore::put`] with the reborn mark given (a version another node sent).
    fn put_marked(
        &mut self,
        digest: Digest,
        meta: RecordMeta,
        record: StoredRecord,
        reborn: bool,
        now: Now,
    ) -> Result<(PutOutcome, u64), StorageError> {
        if record.len() as u64 > self.config.max_record_size_bytes {
            return Err(StorageError::RecordTooBig);
        }
        if self.space.is_write_cache_full() {
            return Err(StorageError::DeviceOverload);
        }
        // A write after a truncate survives it, even within the truncate's millisecond.
        let meta = RecordMeta { last_update_ms: meta.last_update_ms.max(self.truncate_lut_ms(meta.set_id)), ..meta };
        let old = self.index.get(&digest).copied();
        let old_entries = self.sindex_entries_of(old.as_ref());
        let old_size = old.filter(|e| !e.is_tombstone()).map_or(0, |e| e.location().size_bytes());
        let set_name = self.sets.name(meta.set_id).to_vec();
        let new_size = Space::record_size(set_name.len(), record.len());
        if new_size > old_size && self.is_stop_writes() {
            self.make_room();
        }
        if new_size > old_size && self.is_stop_writes() {
            self.stats.stop_writes_refusals += 1;
            return Err(StorageError::OutOfSpace);
        }
        let device_record = DeviceRecord {
            digest,
            meta,
            set_name: &set_name,
            tombstone: false,
            reborn,
            marker: None,
            body: record.bytes(),
        };
        let (location, seq) = self.append_with_defrag(&device_record)?;
        self.index.insert(IndexEntry::new(digest, meta, location, false).with_reborn(reborn));
        self.sindexes.update(&digest, &set_name, &meta, record.bytes(), old_entries);
        let outcome = self.forget_old(old, now);
        self.sets.account(meta.set_id, 1, new_size as i64);
        self.stats.objects += 1;
        Ok((outcome, seq))
    }

    /// Applies a version of a record that another node sent (a replica write, a migration, a
    /// duplicate). Unless `force` (a replica write: the master's version is the truth), it is
    /// stored only if newer than the version here (see [`newer_version`]). A tombstone (`body`
    /// `None`) deletes; `reborn` is the version's reborn mark (see `IndexEntry::is_reborn`).
    // The version's parts are its fields on the wire and on the device; a struct around them
    // would be built at each of the two call sites only to be taken apart here.
    #[allow(clippy::too_many_arguments)]
    pub fn apply_version(
        &mut self,
        digest: Digest,
        meta: RecordMeta,
        set_name: &[u8],
        body: Option<&[u8]>,
        reborn: bool,
        force: bool,
        now: Now,
    ) -> Result<Applied, StorageError> {
        if body.is_some() && meta.is_expired(now.clepoch_secs) {
            return Ok(Applied::Kept);
        }
        if !force {
            if let Some(entry) = self.index.get(&digest) {
                let here = entry.meta();
                let live = entry.is_tombstone() || !self.is_gone(entry, now);
                let new = Side { meta: &meta, tombstone: body.is_none(), reborn };
                let old = Side { meta: &here, tombstone: entry.is_tombstone(), reborn: entry.is_reborn() };
                if live && !newer_version(self.config.conflict_resolution, new, old) {
                    return Ok(Applied::Kept);
                }
            }
        }
        let Some(body) = body else {
            let old = self.index.get(&digest).copied();
            let durable = meta.generation != NON_DURABLE_TOMBSTONE_GENERATION;
            if self.keeps_tombstones(&digest) || durable {
                let set_id = old.map_or(0, |e| e.meta().set_id);
                self.write_tombstone(digest, RecordMeta { void_time: 0, set_id, ..meta }, old, now)?;
            } else {
                self.remove(&digest, now, false)?;
            }
            return Ok(Applied::Stored);
        };
        if RecordView::parse(body).is_none() {
            return Err(StorageError::BadRecord);
        }
        let set_id = if set_name.is_empty() { 0 } else { self.sets.id_for(set_name)? };
        let record = StoredRecord::from_bytes(body.into());
        self.put_marked(digest, RecordMeta { set_id, ..meta }, record, reborn, now)?;
        Ok(Applied::Stored)
    }

    /// Accounts for the version a write or delete replaced.
    pub(super) fn forget_old(&mut self, old: Option<IndexEntry>, now: Now) -> PutOutcome {
        let Some(old) = old else { return PutOutcome::Created };
        self.space.release(old.location());
        if old.is_tombstone() {
            self.stats.tombstones -= 1;
            return PutOutcome::Created;
        }
        self.stats.objects -= 1;
        self.sets.account(old.meta().set_id, -1, -(old.location().size_bytes() as i64));
        if self.is_gone(&old, now) {
            PutOutcome::Created
        } else {
            PutOutcome::Updated
        }
    }

    /// Deletes the record for `digest`; returns its metadata if it was live at `now`. On a
    /// device, or in a partition migrating in, a tombstone is written (so that neither a cold
    /// start nor an older copy from another node brings the record back).
    /// `durable` (the durable-delete flag) decides the tombstone's generation (see
    /// [`NamespaceStore::tombstone_meta`]).
    pub fn remove(
        &mut self,
        digest: &Digest,
        now: Now,
        durable: bool,
    ) -> Result<Option<(RecordMeta, u64)>, StorageError> {
        let Some(old) = self.index.get(digest).copied() else { return Ok(None) };
        if old.is_tombstone() {
            return Ok(None);
        }
        let live = !self.is_gone(&old, now);
        // A durable delete leaves a tombstone in memory too, until the tomb raider
        // (`reap_expired`) lets it go.
        if !self.keeps_tombstones(digest) && !durable {
            let seq = self.space.appended();
            let old_entries = self.sindex_entries_of(Some(&old));
            self.index.remove(digest);
            self.sindexes.remove(digest, old_entries);
            self.forget_old(Some(old), now);
            return Ok(live.then_some((old.meta(), seq)));
        }
        let seq = self.write_tombstone(*digest, Self::tombstone_meta(old.meta(), now, durable), Some(old), now)?;
        Ok(live.then_some((old.meta(), seq)))
    }

    /// The metadata of the tombstone that deletes a version with `meta` at `now`, updated
    /// strictly after it. A durable delete keeps the version's generation, so the delete wins
    /// against that version under either conflict resolution and a re-created record continues
    /// the count. Any other delete gets generation 0: a re-created record starts at 1, as in
    /// Aerospike, and such a tombstone is ordered against live versions by last-update time
    /// alone (see [`newer_version`]), so it still beats the version it deleted and any older copy.
    pub fn tombstone_meta(meta: RecordMeta, now: Now, durable: bool) -> RecordMeta {
        RecordMeta {
            last_update_ms: now.clepoch_ms.max(meta.last_update_ms.saturating_add(1)),
            void_time: 0,
            generation: if durable { meta.generation } else { NON_DURABLE_TOMBSTONE_GENERATION },
            ..meta
        }
    }

    /// Replaces `old` (if any) with a tombstone for `digest`; returns its append sequence.
    fn write_tombstone(
        &mut self,
        digest: Digest,
        meta: RecordMeta,
        old: Option<IndexEntry>,
        now: Now,
    ) -> Result<u64, StorageError> {
        let set_name = self.sets.name(meta.set_id).to_vec();
        let old_entries = self.sindex_entries_of(old.as_ref());
        let tombstone =
            DeviceRecord { digest, meta, set_name: &set_name, tombstone: true, reborn: false, marker: None, body: &[] };
        let (location, seq) = self.append_with_defrag(&tombstone)?;
        self.index.insert(IndexEntry::new(digest, meta, location, true));
        self.sindexes.remove(&digest, old_entries);
        self.forget_old(old, now);
        self.stats.tombstones += 1;
        Ok(seq)
    }

    /// True if a delete of `digest` leaves a tombstone: always on a device, and in memory while
    /// its partition migrates in.
    fn keeps_tombstones(&self, digest: &Digest) -> bool {
        self.medium() == Medium::Device || self.keep_tombstones[self.local_of(digest.partition_id())]
    }

    /// Makes deletes in partition `pid` leave tombstones in memory too (`keep`), or stops that
    /// and drops the partition's tombstones (a memory namespace's tombstones are only needed
    /// while other copies may still arrive). Returns how many tombstones were dropped.
    pub fn set_keep_tombstones(&mut self, pid: u16, keep: bool) -> u64 {
        let local = self.local_of(pid);
        let was = std::mem::replace(&mut self.keep_tombstones[local], keep);
        if keep || !was || self.medium() == Medium::Device {
            return 0;
        }
        let mut dropped = 0;
        for entry in self.index.partition_entries(local) {
            // A durable delete's tombstone stays for the tomb raider (`reap_expired`).
            if entry.is_tombstone() && entry.meta().generation == NON_DURABLE_TOMBSTONE_GENERATION {
                self.index.remove(&entry.digest());
                self.space.release(entry.location());
                self.stats.tombstones -= 1;
                dropped += 1;
            }
        }
        dropped
    }

    /// The secondary-index entries of the version `entry` (nothing for a tombstone), when the
    /// indexes need them given (in memory, where the version is always at hand; see
    /// `SecondaryIndexes::keeps_entries`).
    pub(super) fn sindex_entries_of(&self, entry: Option<&IndexEntry>) -> Option<crate::sindex::Entries> {
        if self.sindexes.keeps_entries() || self.sindexes.is_empty() {
            return None;
        }
        let entry = entry.filter(|e| !e.is_tombstone())?;
        let record = self.record_ref(entry);
        let set_name = self.sets.name(record.meta.set_id);
        Some(self.sindexes.entries(&entry.digest(), set_name, &record.meta, record.body))
    }

    /// Adds the live record `digest` to the secondary index in `slot` (building it over the
    /// records already here); a record on a device must have been fetched first. False if
    /// there is no such live record.
    pub fn sindex_add_record(&mut self, slot: u16, digest: &Digest, now: Now) -> bool {
        let Some(record) = self.get(digest, now) else { return false };
        let (meta, body) = (record.meta, record.body.to_vec());
        let set_name = self.sets.name(meta.set_id).to_vec();
        self.sindexes.add_record(slot, digest, &set_name, &meta, &body);
        true
    }

    /// True if the version of `digest` here carries the reborn mark (see `IndexEntry::is_reborn`).
    pub fn is_reborn(&self, digest: &Digest) -> bool {
        self.index.get(digest).is_some_and(IndexEntry::is_reborn)
    }

    /// The version of `digest` here to send another node: the live record, or a tombstone with
    /// its metadata (`None` body); `None` if there is neither. Expired records count as absent.
    /// A live record on a device must have been fetched first.
    pub fn version(&self, digest: &Digest, now: Now) -> Option<(RecordMeta, Option<RecordRef<'_>>)> {
        let entry = self.index.get(digest)?;
        if entry.is_tombstone() {
            return Some((entry.meta(), None));
        }
        if self.is_gone(entry, now) {
            return None;
        }
        Some((entry.meta(), Some(self.record_ref(entry))))
    }

    /// The metadata of the version of `digest` here, live record or tombstone.
    pub fn version_meta(&self, digest: &Digest, now: Now) -> Option<RecordMeta> {
        let entry = self.index.get(digest)?;
        (entry.is_tombstone() || !self.is_gone(entry, now)).then(|| entry.meta())
    }
}

/// The generation of the tombstone of a delete without the durable-delete flag.
pub const NON_DURABLE_TOMBSTONE_GENERATION: u16 = 0;

/// One side of a comparison of versions: its metadata, whether it is a tombstone, and whether it
/// carries the reborn mark.
#[derive(Debug, Clone, Copy)]
pub struct Side<'m> {
    /// Generation, void time, last-update time.
    pub meta: &'m RecordMeta,
    /// A tombstone.
    pub tombstone: bool,
    /// Created after a non-durable delete (see `IndexEntry::is_reborn`).
    pub reborn: bool,
}

/// True if version `new` beats version `old` here. The namespace's conflict resolution decides,
/// except where a delete without the durable-delete flag restarted the generation count, so that
/// generations no longer say which came later: between a live version and such a delete's
/// tombstone (generation 0), between a reborn version (created after such a delete) and a
/// tombstone, and between a reborn version and a live one that is not, the later last-update
/// time wins. So the delete beats what it deleted and any older copy, and a record re-created
/// after it (generation 1 again) beats the delete and every copy from before it, whatever their
/// generations.
pub fn newer_version(policy: ConflictResolution, new: Side<'_>, old: Side<'_>) -> bool {
    let non_durable = |s: &Side<'_>| s.tombstone && s.meta.generation == NON_DURABLE_TOMBSTONE_GENERATION;
    let restarted = if new.tombstone != old.tombstone {
        non_durable(&new) || non_durable(&old) || (new.reborn && !new.tombstone) || (old.reborn && !old.tombstone)
    } else {
        !new.tombstone && new.reborn != old.reborn
    };
    if restarted {
        return new.meta.last_update_ms > old.meta.last_update_ms;
    }
    policy.newer(new.meta, old.meta)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::namespace::test_support::{digest_in, memory_space, meta, record, store};
    use crate::namespace::{ConflictResolution, NamespaceConfig};

    #[test]
    fn versions_from_other_nodes_keep_the_newest_whatever_their_order() {
        let now = Now::from_clepoch_secs(1000);
        let v = |generation, last_update_ms| RecordMeta { generation, void_time: 0, last_update_ms, set_id: 0 };
        for policy in [ConflictResolution::Generation, ConflictResolution::LastUpdateTime] {
            let mut ns = store(16);
            ns.set_config(NamespaceConfig { conflict_resolution: policy, ..ns.config().clone() });
            let d = digest_in(2, 9);
            let (older, newer) = (record(10), record(20));
            // Generation 3 written at 500 ms and generation 2 written later, at 900 ms.
            let (by_gen, by_lut) = ((v(3, 500), &older), (v(2, 900), &newer));
            assert_eq!(
                ns.apply_version(d, by_gen.0, b"s", Some(by_gen.1.bytes()), false, false, now),
                Ok(Applied::Stored)
            );
            let second = ns.apply_version(d, by_lut.0, b"s", Some(by_lut.1.bytes()), false, false, now).unwrap();
            let winner = match policy {
                ConflictResolution::Generation => (Applied::Kept, 3, older.bytes()),
                ConflictResolution::LastUpdateTime => (Applied::Stored, 2, newer.bytes()),
            };
            assert_eq!(second, winner.0, "{policy:?}");
            let got = ns.get(&d, now).unwrap();
            assert_eq!((got.meta.generation, got.body), (winner.1, winner.2), "{policy:?}");
            assert_eq!(ns.sets().name(got.meta.set_id), b"s");
            // The same version again changes nothing; a forced one (a replica write) replaces.
            assert_eq!(ns.apply_version(d, got.meta, b"s", Some(winner.2), false, false, now), Ok(Applied::Kept));
            assert_eq!(ns.apply_version(d, v(1, 1), b"s", Some(older.bytes()), false, true, now), Ok(Applied::Stored));
            assert_eq!(ns.get(&d, now).unwrap().meta.generation, 1);
            // A tombstone deletes; an expired version is not stored; garbage is refused.
            assert_eq!(ns.apply_version(d, v(1, 1), b"", None, false, true, now), Ok(Applied::Stored));
            assert!(ns.get(&d, now).is_none());
            let expired = RecordMeta { void_time: 10, ..v(5, 5) };
            assert_eq!(ns.apply_version(d, expired, b"", Some(older.bytes()), false, false, now), Ok(Applied::Kept));
            assert_eq!(
                ns.apply_version(d, v(9, 9), b"", Some(&[0xFF, 1]), false, false, now),
                Err(StorageError::BadRecord)
            );
            assert_eq!(ns.stats().objects, 0);
        }
    }

    #[test]
    fn put_get_remove_keep_counters_true() {
        let mut ns = store(16);
        let now = Now::from_clepoch_secs(1000);
        let set = ns.sets_mut().id_for(b"s").unwrap();
        let d = digest_in(3, 1);
        assert_eq!(ns.put(d, meta(0, set), record(10), now).unwrap().0, PutOutcome::Created);
        assert_eq!(ns.put(d, meta(0, set), record(20), now).unwrap().0, PutOutcome::Updated);
        assert_eq!(ns.stats().objects, 1);
        assert_eq!(ns.sets().iter().next().unwrap().1.objects, 1);
        let got = ns.get(&d, now).unwrap();
        assert_eq!(got.body, record(20).bytes());
        assert!(ns.remove(&d, now, false).unwrap().is_some());
        assert!(ns.get(&d, now).is_none());
        assert_eq!(ns.stats().objects, 0);
        assert_eq!(ns.stats().data_used_bytes, 0);
        assert_eq!(ns.sets().iter().next().unwrap().1.objects, 0);
    }

    /// A delete without the durable-delete flag leaves a generation-0 tombstone: a re-created
    /// record starts at generation 1 again (Aerospike), and against live versions the tombstone
    /// is ordered by last-update time, so it beats what it deleted and older copies while the
    /// re-created record beats it. A durable delete keeps the generation (Aerospike Enterprise).
    #[test]
    fn non_durable_deletes_restart_the_generation_and_order_by_time() {
        let now = Now::from_clepoch_secs(1000);
        let v = |generation, last_update_ms| RecordMeta { generation, void_time: 0, last_update_ms, set_id: 0 };
        let body = record(10);
        for policy in [ConflictResolution::Generation, ConflictResolution::LastUpdateTime] {
            let mut ns = store(16);
            ns.set_config(NamespaceConfig { conflict_resolution: policy, ..ns.config().clone() });
            ns.set_keep_tombstones(3, true);
            let (d, e) = (digest_in(3, 1), digest_in(3, 2));
            let old = v(3, 500);
            for (digest, durable, first) in [(d, false, 1), (e, true, 4)] {
                assert_eq!(
                    ns.apply_version(digest, old, b"", Some(body.bytes()), false, false, now),
                    Ok(Applied::Stored)
                );
                assert!(ns.remove(&digest, now, durable).unwrap().is_some());
                assert_eq!(ns.first_generation(&digest), first);
            }
            let tombstone = ns.version_meta(&d, now).unwrap();
            assert_eq!(tombstone.generation, NON_DURABLE_TOMBSTONE_GENERATION);
            // The deleted version, or an older copy, arriving again loses to the delete.
            assert_eq!(ns.apply_version(d, old, b"", Some(body.bytes()), false, false, now), Ok(Applied::Kept));
            assert_eq!(ns.apply_version(d, v(9, 400), b"", Some(body.bytes()), false, false, now), Ok(Applied::Kept));
            // The record re-created after it (generation 1, later) wins.
            let recreated = v(1, tombstone.last_update_ms + 1);
            assert_eq!(ns.apply_version(d, recreated, b"", Some(body.bytes()), true, false, now), Ok(Applied::Stored));
            assert!(ns.is_reborn(&d));
            // ... and the delete, arriving late from another node, does not delete it, nor do
            // copies from before the delete with higher generations (a node that was away).
            assert_eq!(ns.apply_version(d, tombstone, b"", None, false, false, now), Ok(Applied::Kept));
            assert_eq!(ns.apply_version(d, old, b"", Some(body.bytes()), false, false, now), Ok(Applied::Kept));
            assert_eq!(ns.apply_version(d, v(9, 400), b"", Some(body.bytes()), false, false, now), Ok(Applied::Kept));
            assert!(ns.get(&d, now).is_some());
            // A later update of the reborn record keeps the mark; a later copy without it wins.
            let update = v(2, recreated.last_update_ms + 1);
            ns.put(d, update, body.clone(), now).unwrap();
            assert!(ns.is_reborn(&d));
            let later = v(1, update.last_update_ms + 1);
            assert_eq!(ns.apply_version(d, later, b"", Some(body.bytes()), false, false, now), Ok(Applied::Stored));
            assert!(!ns.is_reborn(&d));
        }
        // A record a client re-creates over the tombstone (put) is reborn.
        let mut ns = store(16);
        ns.set_keep_tombstones(3, true);
        let d = digest_in(3, 9);
        ns.put(d, v(3, 500), body.clone(), now).unwrap();
        ns.remove(&d, now, false).unwrap();
        assert_eq!(ns.first_generation(&d), 1);
        ns.put(d, v(1, 2_000_000), body.clone(), now).unwrap();
        assert!(ns.is_reborn(&d));
    }

    /// While a partition migrates in, a delete (local, or a tombstone from another node) leaves
    /// a tombstone that older copies lose to, under either conflict resolution; once the
    /// partition has every member's records the tombstones go.
    #[test]
    fn deletes_leave_tombstones_while_a_partition_migrates_in() {
        let now = Now::from_clepoch_secs(1000);
        let v = |generation, last_update_ms| RecordMeta { generation, void_time: 0, last_update_ms, set_id: 0 };
        let body = record(10);
        for policy in [ConflictResolution::Generation, ConflictResolution::LastUpdateTime] {
            let mut ns = store(16);
            ns.set_config(NamespaceConfig { conflict_resolution: policy, ..ns.config().clone() });
            let d = digest_in(3, 1);
            let copy = v(2, 500);
            // Outside a migration a memory delete leaves nothing behind.
            assert_eq!(ns.apply_version(d, copy, b"", Some(body.bytes()), false, false, now), Ok(Applied::Stored));
            assert!(ns.remove(&d, now, false).unwrap().is_some());
            assert_eq!((ns.stats().tombstones, ns.partition_len(3)), (0, 0));

            ns.set_keep_tombstones(3, true);
            assert_eq!(ns.apply_version(d, copy, b"", Some(body.bytes()), false, false, now), Ok(Applied::Stored));
            assert!(ns.remove(&d, now, false).unwrap().is_some());
            assert_eq!(ns.stats().tombstones, 1);
            let tombstone = ns.version_meta(&d, now).expect("a tombstone");
            assert_eq!(tombstone.generation, NON_DURABLE_TOMBSTONE_GENERATION);
            assert!(tombstone.last_update_ms > copy.last_update_ms);
            assert!(ns.version(&d, now).unwrap().1.is_none() && ns.get(&d, now).is_none());
            // The same copy arriving again (a migration batch sent before the delete) loses.
            assert_eq!(ns.apply_version(d, copy, b"", Some(body.bytes()), false, false, now), Ok(Applied::Kept));
            assert!(ns.get(&d, now).is_none());
            // A later write wins against the tombstone.
            let later = v(3, 2_000_000);
            assert_eq!(ns.apply_version(d, later, b"", Some(body.bytes()), false, false, now), Ok(Applied::Stored));
            assert!(ns.get(&d, now).is_some());

            // A tombstone that arrives before the copy it deletes (a replica delete racing a
            // migration batch) is kept even though there was nothing to delete.
            let e = digest_in(3, 2);
            assert_eq!(ns.apply_version(e, v(0, 700), b"", None, false, true, now), Ok(Applied::Stored));
            assert_eq!(ns.apply_version(e, v(5, 650), b"", Some(body.bytes()), false, false, now), Ok(Applied::Kept));
            assert!(ns.get(&e, now).is_none());
            // An older tombstone does not delete a newer record.
            assert_eq!(ns.apply_version(d, v(2, 600), b"", None, false, false, now), Ok(Applied::Kept));
            assert!(ns.get(&d, now).is_some());

            // A last-update time at the very end of the range (another node's word) is kept.
            let far = NamespaceStore::tombstone_meta(v(1, u64::MAX), now, true);
            assert_eq!(far.last_update_ms, u64::MAX);

            // Every member's records are in: the tombstones go, and their space with them.
            let used = ns.stats().data_used_bytes;
            assert_eq!(ns.set_keep_tombstones(3, false), 1);
            assert_eq!((ns.stats().tombstones, ns.partition_len(3)), (0, 1));
            assert!(ns.stats().data_used_bytes < used);
        }
    }

    /// In memory a durable delete leaves a tombstone, so a re-created record carries the
    /// generation on; the tomb raider drops it once it is `tomb-raider-eligible-age` old, but
    /// not while the partition migrates in. A plain delete leaves nothing.
    #[test]
    fn memory_durable_deletes_keep_a_tombstone_for_the_tomb_raider() {
        let mut ns = store(16);
        let t0 = Now::from_clepoch_secs(1000);
        let (d, e) = (digest_in(3, 1), digest_in(3, 2));
        for digest in [d, e] {
            for _ in 0..3 {
                let generation = ns.get(&digest, t0).map_or(1, |r| crate::record::next_generation(r.meta.generation));
                ns.put(digest, RecordMeta { generation, ..meta(0, 0) }, record(10), t0).unwrap();
            }
        }
        assert!(ns.remove(&d, t0, true).unwrap().is_some());
        assert!(ns.remove(&e, t0, false).unwrap().is_some());
        assert_eq!((ns.first_generation(&d), ns.first_generation(&e)), (4, 1));
        assert_eq!(ns.stats().tombstones, 1);
        let age = u64::from(ns.config().tomb_raider_eligible_age_secs);
        let young = Now::from_clepoch_secs(1000 + age as u32 - 10);
        ns.reap_expired(ns.local_of(3), young);
        assert_eq!(ns.stats().tombstones, 1, "too young to go");
        let old = Now::from_clepoch_secs(1000 + age as u32 + 10);
        ns.set_keep_tombstones(3, true);
        ns.reap_expired(ns.local_of(3), old);
        assert_eq!(ns.stats().tombstones, 1, "kept while the partition migrates in");
        assert_eq!(ns.set_keep_tombstones(3, false), 0, "a durable tombstone outlives the migration");
        ns.reap_expired(ns.local_of(3), old);
        assert_eq!((ns.stats().tombstones, ns.first_generation(&d)), (0, 1));
    }

    #[test]
    fn record_size_limit() {
        let mut config = NamespaceConfig::with_defaults("test");
        config.max_record_size_bytes = 100;
        let mut ns = NamespaceStore::new(config, 0..16, memory_space(16));
        let now = Now::from_clepoch_secs(1);
        assert_eq!(ns.put(digest_in(0, 1), meta(0, 0), record(200), now), Err(StorageError::RecordTooBig));
        assert!(ns.put(digest_in(0, 1), meta(0, 0), record(50), now).is_ok());
    }
}

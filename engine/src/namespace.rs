//! A shard's slice of one namespace: the primary index of the partitions the shard owns, its
//! log-structured space (RAM or this shard's region of each device), its set table, its
//! stop-writes limits and the expiry sweep.
//!
//! Every method is a synchronous state transition; the shard that owns the store is the only
//! caller (ARCHITECTURE.md invariant 1), so nothing here locks. Device I/O is requested through
//! [`NamespaceStore::next_io`] and reported back with [`NamespaceStore::io_complete`].

use std::collections::HashMap;
use std::ops::Range;

use scramjet_net::Digest;

use crate::index::{Index, IndexEntry, Location};
use crate::record::{RecordMeta, RecordView, StoredRecord};
use crate::set::SetTable;
use crate::storage::format::{self, DeviceRecord, Marker, ScanEnd};
use crate::storage::{BlockId, IoRequest, Medium, Space, SpaceConfig, SpaceStats};
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
    /// Memory budget of a memory namespace (all shards together).
    pub data_size_bytes: u64,
    /// Share of the space's bytes past which writes fail with stop-writes.
    pub stop_writes_used_pct: u32,
    /// Share of free blocks under which writes fail with stop-writes.
    pub stop_writes_avail_pct: u32,
    /// Write-block size.
    pub write_block_bytes: u32,
    /// Blocks whose live share falls under this are defragged.
    pub defrag_lwm_pct: u32,
    /// Past this share of the space in live data, the sweep evicts records nearest their
    /// expiry; 0 = never.
    pub evict_used_pct: u32,
    /// Thousandths of the evictable records evicted per sweep.
    pub evict_tenths_pct: u32,
    /// Which of two versions of a record from different nodes wins.
    pub conflict_resolution: ConflictResolution,
}

/// How versions of one record met on different nodes are ordered
/// (`conflict-resolution-policy`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ConflictResolution {
    /// The higher generation wins, then the later last-update time (Aerospike's default).
    #[default]
    Generation,
    /// The later last-update time wins, then the higher generation.
    LastUpdateTime,
}

impl ConflictResolution {
    /// True if a version with `new` metadata is newer than one with `old`.
    pub fn newer(self, new: &RecordMeta, old: &RecordMeta) -> bool {
        match self {
            ConflictResolution::Generation => {
                (new.generation, new.last_update_ms) > (old.generation, old.last_update_ms)
            }
            ConflictResolution::LastUpdateTime => {
                (new.last_update_ms, new.generation) > (old.last_update_ms, old.generation)
            }
        }
    }
}

/// What [`NamespaceStore::apply_version`] did with a version from another node.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Applied {
    /// It is stored now.
    Stored,
    /// The version here is as new or newer (or the incoming one has expired): kept.
    Kept,
}

impl NamespaceConfig {
    /// Aerospike's defaults for a namespace called `name`.
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
            stop_writes_avail_pct: 5,
            write_block_bytes: 1024 * 1024,
            defrag_lwm_pct: 50,
            evict_used_pct: 0,
            evict_tenths_pct: 5,
            conflict_resolution: ConflictResolution::Generation,
        }
    }
}

/// Counters of a shard's slice of a namespace.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct NamespaceStats {
    /// Live records (expired ones count until reaped).
    pub objects: u64,
    /// Tombstones kept for durable deletes.
    pub tombstones: u64,
    /// Bytes of live records in the space (headers and padding included).
    pub data_used_bytes: u64,
    /// Bytes of the space.
    pub data_total_bytes: u64,
    /// Records removed by the expiry sweep.
    pub expired_objects: u64,
    /// Records removed because a truncate covered them.
    pub truncated_objects: u64,
    /// Records read back from the device (not in the post-write cache).
    pub device_read_records: u64,
    /// Records evicted (nearest their expiry first) because the space passed evict-used-pct.
    pub evicted_objects: u64,
    /// Records with a void time up to this were evicted (0: none).
    pub evict_void_time: u32,
    /// Writes refused by stop-writes.
    pub stop_writes_refusals: u64,
    /// Space counters (blocks, defrag, bytes written).
    pub space: SpaceStats,
    /// Blocks whose scan by cold start ended at a record with a bad checksum.
    pub cold_start_corrupt: u64,
    /// Records cold start found in a region of another shard's partitions (and skipped).
    pub cold_start_misplaced: u64,
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
}

/// How far [`NamespaceStore::defrag_block_part`] got.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DefragStep {
    /// Go on from this byte offset.
    More(usize),
    /// Every live record moved; the block is freed once the copies are durable.
    Done,
    /// No room to move a record (or an unreadable block): queued again.
    Stalled,
}

/// A record to read from the device: `len` bytes at byte `offset` of device `device` (sector
/// aligned); the record starts `skip` bytes in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ReadIntent {
    /// The record's digest.
    pub digest: Digest,
    /// Where the index says the record is.
    pub location: Location,
    /// Device index.
    pub device: u8,
    /// Byte offset on the device.
    pub offset: u64,
    /// Bytes to read.
    pub len: usize,
    /// Offset of the record within the bytes read.
    pub skip: usize,
}

/// Why bytes read from the device were not accepted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReadError {
    /// The record was rewritten or moved while it was being read: look it up again.
    Moved,
    /// The bytes are not the record the index points at.
    Corrupt,
}

/// A marker on the device: a truncate of a set ("" for the namespace), or an eviction.
#[derive(Debug, Clone)]
struct MarkerEntry {
    kind: Marker,
    set_name: Vec<u8>,
    value: u64,
    location: Location,
}

impl std::fmt::Debug for NamespaceStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("NamespaceStore").field("name", &self.config.name).field("index", &self.index).finish()
    }
}

/// Keeps the `limit` largest digests, in descending order. A selection first, so that paging
/// through a big partition costs each page a linear pass, not a sort of the whole partition.
fn largest_first(digests: &mut Vec<Digest>, limit: usize) {
    if limit == 0 {
        digests.clear();
        return;
    }
    if digests.len() > limit {
        digests.select_nth_unstable_by(limit - 1, |a, b| b.cmp(a));
        digests.truncate(limit);
    }
    digests.sort_unstable_by(|a, b| b.cmp(a));
}

impl NamespaceStore {
    /// A store for the partitions `pids` over a space of the given shape.
    pub fn new(config: NamespaceConfig, pids: Range<u16>, space: SpaceConfig) -> NamespaceStore {
        assert!(pids.start <= pids.end && usize::from(pids.end) <= scramjet_net::N_PARTITIONS);
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

    /// The live record for `digest` at `now` (expired records and tombstones are invisible).
    pub fn get(&self, digest: &Digest, now: Now) -> Option<RecordRef<'_>> {
        let entry = self.index.get(digest)?;
        if entry.is_tombstone() || self.is_gone(entry, now) {
            return None;
        }
        Some(self.record_ref(entry))
    }

    /// True if a record (not a tombstone) has expired, was evicted or was truncated.
    fn is_gone(&self, entry: &IndexEntry, now: Now) -> bool {
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

    fn record_ref(&self, entry: &IndexEntry) -> RecordRef<'_> {
        let location = entry.location();
        let bytes = self.space.record_bytes(location).or_else(|| self.provided.get(&location).map(|b| &b[..]));
        // The caller fetched the record first (see `read_needed`): not doing so is a bug.
        let bytes = bytes.expect("record fetched from the device before use");
        let seq = self.space.block_seq(location);
        match format::decode_at(bytes, 0, seq) {
            Ok((Some(record), _)) => RecordRef { meta: entry.meta(), body: record.body },
            // A resident record was checked when written or read back; this is a bug.
            other => panic!("index points at a bad record: {other:?}"),
        }
    }

    // ---- Scans ----

    /// Up to `limit` digests of the live records of partition `pid` in set `set` (every set if
    /// `None`), in descending digest order, starting after `after` (exclusive) if given. This
    /// order is the scan order, so a scan resumed after a digest misses and repeats nothing.
    pub fn scan_partition(
        &self,
        pid: u16,
        set: Option<&[u8]>,
        after: Option<&Digest>,
        limit: usize,
        now: Now,
    ) -> Vec<Digest> {
        let local = usize::from(pid - self.index.pids().start);
        let set_id = match set {
            Some(name) => match self.sets.lookup(name) {
                Some(id) => Some(id),
                None => return Vec::new(),
            },
            None => None,
        };
        let mut digests: Vec<Digest> = self
            .index
            .partition_entries(local)
            .into_iter()
            .filter(|e| !e.is_tombstone() && !self.is_gone(e, now))
            .filter(|e| set_id.is_none_or(|id| e.meta().set_id == id))
            .map(|e| e.digest())
            .filter(|d| after.is_none_or(|a| d < a))
            .collect();
        largest_first(&mut digests, limit);
        digests
    }

    /// The records (live ones and tombstones) of partition `pid`, to migrate.
    pub fn partition_versions(&self, pid: u16, now: Now) -> Vec<Digest> {
        self.index
            .partition_entries(self.local_of(pid))
            .into_iter()
            .filter(|e| e.is_tombstone() || !self.is_gone(e, now))
            .map(|e| e.digest())
            .collect()
    }

    /// Up to `limit` of [`NamespaceStore::partition_versions`], in descending digest order,
    /// after `after` (exclusive) if given: a page of the partition for another node.
    pub fn partition_versions_after(&self, pid: u16, after: Option<&Digest>, limit: usize, now: Now) -> Vec<Digest> {
        let mut digests = self.partition_versions(pid, now);
        digests.retain(|d| after.is_none_or(|a| d < a));
        largest_first(&mut digests, limit);
        digests
    }

    // ---- Reading records from the device ----

    /// What must be read from the device before a transaction on `digest` can run: nothing if
    /// the record is missing, a tombstone, or in memory.
    pub fn read_needed(&self, digest: &Digest) -> Option<ReadIntent> {
        let entry = self.index.get(digest)?;
        let location = entry.location();
        if entry.is_tombstone() || self.space.record_bytes(location).is_some() || self.provided.contains_key(&location)
        {
            return None;
        }
        let at = self.space.device_offset(location);
        let start = at / format::SECTOR_BYTES as u64 * format::SECTOR_BYTES as u64;
        let skip = (at - start) as usize;
        let len = format::align_up(skip + location.size_bytes(), format::SECTOR_BYTES);
        Some(ReadIntent { digest: *digest, location, device: location.device, offset: start, len, skip })
    }

    /// Hands over the bytes read for `intent`. Fails if the record moved meanwhile (read again)
    /// or the bytes are not the record (corruption).
    pub fn provide(&mut self, intent: &ReadIntent, bytes: &[u8]) -> Result<(), ReadError> {
        let current = self.index.get(&intent.digest).map(|e| e.location());
        if current != Some(intent.location) {
            return Err(ReadError::Moved);
        }
        let record = bytes.get(intent.skip..intent.skip + intent.location.size_bytes()).ok_or(ReadError::Corrupt)?;
        match format::decode_at(record, 0, self.space.block_seq(intent.location)) {
            Ok((Some(found), _)) if found.digest == intent.digest => {
                self.stats.device_read_records += 1;
                self.provided.insert(intent.location, record.to_vec());
                Ok(())
            }
            _ => Err(ReadError::Corrupt),
        }
    }

    /// Forgets the records read for a transaction that is over.
    pub fn clear_provided(&mut self) {
        self.provided.clear();
    }

    /// The generation a tombstone left for `digest`, so that a re-created record continues
    /// from it (older copies on the device then lose to it at cold start).
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
        if record.len() as u64 > self.config.max_record_size_bytes {
            return Err(StorageError::RecordTooBig);
        }
        if self.space.is_write_cache_full() {
            return Err(StorageError::DeviceOverload);
        }
        // A write after a truncate survives it, even within the truncate's millisecond.
        let meta = RecordMeta { last_update_ms: meta.last_update_ms.max(self.truncate_lut_ms(meta.set_id)), ..meta };
        let old = self.index.get(&digest).copied();
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
        let device_record =
            DeviceRecord { digest, meta, set_name: &set_name, tombstone: false, marker: None, body: record.bytes() };
        let (location, seq) = self.append_with_defrag(&device_record)?;
        self.index.insert(IndexEntry::new(digest, meta, location, false));
        let outcome = self.forget_old(old, now);
        self.sets.account(meta.set_id, 1, new_size as i64);
        self.stats.objects += 1;
        Ok((outcome, seq))
    }

    /// Applies a version of a record that another node sent (a replica write, a migration, a
    /// duplicate). Unless `force` (a replica write: the master's version is the truth), it is
    /// stored only if newer than the version here by the namespace's conflict resolution. A
    /// tombstone (`body` `None`) deletes.
    pub fn apply_version(
        &mut self,
        digest: Digest,
        meta: RecordMeta,
        set_name: &[u8],
        body: Option<&[u8]>,
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
                if live && !self.config.conflict_resolution.newer(&meta, &here) {
                    return Ok(Applied::Kept);
                }
            }
        }
        let Some(body) = body else {
            let old = self.index.get(&digest).copied();
            if self.keeps_tombstones(&digest) {
                let set_id = old.map_or(0, |e| e.meta().set_id);
                self.write_tombstone(digest, RecordMeta { void_time: 0, set_id, ..meta }, old, now)?;
            } else {
                self.remove(&digest, now)?;
            }
            return Ok(Applied::Stored);
        };
        if RecordView::parse(body).is_none() {
            return Err(StorageError::BadRecord);
        }
        let set_id = if set_name.is_empty() { 0 } else { self.sets.id_for(set_name)? };
        let record = StoredRecord::from_bytes(body.into());
        self.put(digest, RecordMeta { set_id, ..meta }, record, now)?;
        Ok(Applied::Stored)
    }

    /// Defrags queued blocks while writes are stopped for lack of free blocks (the background
    /// defrag has fallen behind, or has not run yet).
    fn make_room(&mut self) {
        while self.is_stop_writes() && self.space.defrag_queue_len() > 0 {
            if !self.defrag_one() {
                return;
            }
        }
    }

    /// Appends, running defrag inline when the space is out of free blocks but has blocks to
    /// reclaim (memory namespaces reclaim at once).
    fn append_with_defrag(&mut self, record: &DeviceRecord<'_>) -> Result<(Location, u64), StorageError> {
        loop {
            match self.space.append(record, false) {
                Err(StorageError::OutOfSpace) if self.space.defrag_queue_len() > 0 => {
                    if !self.defrag_one() {
                        return Err(StorageError::OutOfSpace);
                    }
                }
                result => return result,
            }
        }
    }

    /// Accounts for the version a write or delete replaced.
    fn forget_old(&mut self, old: Option<IndexEntry>, now: Now) -> PutOutcome {
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
    pub fn remove(&mut self, digest: &Digest, now: Now) -> Result<Option<(RecordMeta, u64)>, StorageError> {
        let Some(old) = self.index.get(digest).copied() else { return Ok(None) };
        if old.is_tombstone() {
            return Ok(None);
        }
        let live = !self.is_gone(&old, now);
        if !self.keeps_tombstones(digest) {
            let seq = self.space.appended();
            self.index.remove(digest);
            self.forget_old(Some(old), now);
            return Ok(live.then_some((old.meta(), seq)));
        }
        let seq = self.write_tombstone(*digest, Self::tombstone_meta(old.meta(), now), Some(old), now)?;
        Ok(live.then_some((old.meta(), seq)))
    }

    /// The metadata of the tombstone that deletes a version with `meta` at `now`: its generation,
    /// updated strictly after it, so that the delete wins against that version under either
    /// conflict resolution.
    pub fn tombstone_meta(meta: RecordMeta, now: Now) -> RecordMeta {
        RecordMeta { last_update_ms: now.clepoch_ms.max(meta.last_update_ms.saturating_add(1)), void_time: 0, ..meta }
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
        let tombstone = DeviceRecord { digest, meta, set_name: &set_name, tombstone: true, marker: None, body: &[] };
        let (location, seq) = self.append_with_defrag(&tombstone)?;
        self.index.insert(IndexEntry::new(digest, meta, location, true));
        self.forget_old(old, now);
        self.stats.tombstones += 1;
        Ok(seq)
    }

    /// True if a delete of `digest` leaves a tombstone: always on a device, and in memory while
    /// its partition migrates in.
    fn keeps_tombstones(&self, digest: &Digest) -> bool {
        self.medium() == Medium::Device || self.keep_tombstones[self.local_of(digest.partition_id())]
    }

    fn local_of(&self, pid: u16) -> usize {
        usize::from(pid - self.index.pids().start)
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
            if entry.is_tombstone() {
                self.index.remove(&entry.digest());
                self.space.release(entry.location());
                self.stats.tombstones -= 1;
                dropped += 1;
            }
        }
        dropped
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

    /// Number of index entries (records, expired ones not yet reaped, and tombstones) of
    /// partition `pid`: cheap, for statistics and for skipping empty partitions.
    pub fn partition_len(&self, pid: u16) -> usize {
        self.index.partition_len(usize::from(pid - self.index.pids().start))
    }

    /// Number of partitions, for sweeps that go one partition at a time.
    pub fn n_partitions(&self) -> usize {
        self.index.n_partitions()
    }

    /// Reaps the expired and truncated records of the `local`-th partition; returns how many.
    pub fn reap_expired(&mut self, local: usize, now: Now) -> u64 {
        let mut reaped = 0;
        for entry in self.index.partition_entries(local) {
            if entry.is_tombstone() || !self.is_gone(&entry, now) {
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
            self.index.remove(&entry.digest());
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
            marker: Some(Marker::Truncate),
            body: &[],
        };
        let (location, seq) = self.append_with_defrag(&marker)?;
        self.apply_marker(Marker::Truncate, name, lut_ms, location)?;
        Ok(seq)
    }

    /// Records a marker; returns an error only for a set the table cannot hold.
    fn apply_marker(
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

    // ---- Defrag ----

    /// Defrags one queued block: moves its live records (and tombstones still needed) to the
    /// open block. Returns false if nothing was queued or nothing could be moved.
    pub fn defrag_one(&mut self) -> bool {
        let Some((block, bytes)) = self.space.next_defrag() else { return false };
        match bytes {
            Some(bytes) => self.defrag_block(block, &bytes),
            None => {
                // Not in memory: the background defrag reads it from the device.
                self.space.requeue_defrag(block);
                false
            }
        }
    }

    /// The next block to defrag, and its bytes if they are in memory (else read the block from
    /// the device, then call [`NamespaceStore::defrag_block`]).
    pub fn next_defrag(&mut self) -> Option<(BlockId, Option<std::rc::Rc<Vec<u8>>>)> {
        self.space.next_defrag()
    }

    /// Puts a block taken with [`NamespaceStore::next_defrag`] back in the queue.
    pub fn requeue_defrag(&mut self, block: BlockId) {
        self.space.requeue_defrag(block);
    }

    /// Byte offset of a block on its device.
    pub fn block_offset(&self, block: BlockId) -> u64 {
        u64::from(block.block) * self.space.config().write_block_bytes as u64
    }

    /// Defrags `block` whose bytes are `bytes`. Returns false if it could not finish (no room);
    /// the block is then queued again.
    pub fn defrag_block(&mut self, block: BlockId, bytes: &[u8]) -> bool {
        let mut from = 0;
        loop {
            match self.defrag_block_part(block, bytes, from, usize::MAX) {
                DefragStep::More(next) => from = next,
                DefragStep::Done => return true,
                DefragStep::Stalled => return false,
            }
        }
    }

    /// Defrags part of `block`: its records from byte `from` on (0: the start, which also
    /// moves the block's markers), until `budget` bytes of records were looked at. The caller
    /// may let other work run between parts: the block stays out of use until the last part,
    /// and a record written or deleted meanwhile no longer points into it, so it is skipped.
    pub fn defrag_block_part(&mut self, block: BlockId, bytes: &[u8], from: usize, budget: usize) -> DefragStep {
        let Some(block_seq) = format::decode_block_header(bytes) else {
            // Unreadable header: every live record of it would be lost by freeing it.
            self.space.requeue_defrag(block);
            return DefragStep::Stalled;
        };
        if from == 0 && !self.move_markers(block) {
            self.space.requeue_defrag(block);
            return DefragStep::Stalled;
        }
        let mut offset = from.max(format::BLOCK_HEADER_BYTES);
        let stop = offset.saturating_add(budget);
        while offset < stop {
            let Ok((record, size)) = format::decode_at(bytes, offset, block_seq) else { break };
            let at = offset;
            offset += size;
            let Some(record) = record.filter(|r| r.marker.is_none()) else { continue };
            let at = Location {
                device: block.device,
                block: block.block,
                offset_units: (at / 16) as u32,
                size_units: (format::record_size(record.set_name.len(), record.body.len()) / 16) as u32,
            };
            let Some(entry) = self.index.get(&record.digest).copied().filter(|e| e.location() == at) else { continue };
            if entry.is_tombstone()
                && self.space.tombstone_droppable(block_seq)
                && !self.keep_tombstones[self.local_of(record.digest.partition_id())]
            {
                self.index.remove(&record.digest);
                self.space.release(entry.location());
                self.stats.tombstones -= 1;
                continue;
            }
            let Ok((location, _)) = self.space.append(&record, true) else {
                // No room: stop-writes keeps blocks in reserve, so this only happens when the
                // space is nearly full of live data. Try again once something was freed.
                self.space.requeue_defrag(block);
                return DefragStep::Stalled;
            };
            self.space.release(entry.location());
            self.index.insert(IndexEntry::new(record.digest, entry.meta(), location, entry.is_tombstone()));
        }
        if offset < stop {
            self.space.defrag_done(block);
            return DefragStep::Done;
        }
        DefragStep::More(offset)
    }

    /// Moves the markers (evict, truncate) that live in `block` to the open block.
    fn move_markers(&mut self, block: BlockId) -> bool {
        let in_block: Vec<usize> = (0..self.markers.len())
            .filter(|&i| {
                let at = self.markers[i].location;
                at.device == block.device && at.block == block.block
            })
            .collect();
        for i in in_block {
            let marker = self.markers[i].clone();
            let record = DeviceRecord {
                digest: Digest([0; 20]),
                meta: RecordMeta { generation: 1, void_time: 0, last_update_ms: marker.value, set_id: 0 },
                set_name: &marker.set_name,
                tombstone: false,
                marker: Some(marker.kind),
                body: &[],
            };
            let Ok((location, _)) = self.space.append(&record, true) else { return false };
            self.space.release(self.markers[i].location);
            self.markers[i].location = location;
        }
        true
    }

    /// Blocks waiting for defrag.
    pub fn defrag_queue_len(&self) -> usize {
        self.space.defrag_queue_len()
    }

    // ---- Device I/O ----

    /// Flushes the open block's unflushed writes (flush-max-ms, commit-to-device).
    pub fn flush_open(&mut self) {
        self.space.flush_open();
    }

    /// Bytes not yet durable on the device (0 for memory): what a crash now could lose.
    pub fn unflushed_bytes(&self) -> usize {
        self.space.unflushed_bytes()
    }

    /// The next device I/O to carry out.
    pub fn next_io(&mut self) -> Option<IoRequest> {
        self.space.next_request()
    }

    /// Reports a device I/O done; returns the append sequence now durable.
    pub fn io_complete(&mut self, request_id: u64) -> u64 {
        self.space.complete(request_id)
    }

    /// Append sequence up to which writes are durable.
    pub fn durable(&self) -> u64 {
        self.space.durable()
    }

    /// Append sequence of the last write: once [`NamespaceStore::durable`] reaches it,
    /// everything written so far is durable.
    pub fn appended(&self) -> u64 {
        self.space.appended()
    }

    // ---- Cold start ----

    /// Loads one block read back from a device: every record in it that is newer than what the
    /// index holds replaces it. Returns the number of records found corrupt.
    pub fn cold_start_block(&mut self, block: BlockId, bytes: Vec<u8>) -> u64 {
        let Some(seq) = format::decode_block_header(&bytes) else { return 0 };
        let mut found = Vec::new();
        let mut markers = Vec::new();
        let (_, end) = format::scan_block(&bytes, |offset, record| {
            let size = format::record_size(record.set_name.len(), record.body.len());
            if let Some(kind) = record.marker {
                markers.push((offset, size, kind, record.meta.last_update_ms, record.set_name.to_vec()));
            } else {
                found.push((offset, size, record.digest, record.meta, record.tombstone, record.set_name.to_vec()));
            }
        });
        self.space.cold_start_block(block, seq, bytes);
        let corrupt = u64::from(matches!(end, ScanEnd::Corrupt { .. }));
        self.stats.cold_start_corrupt += corrupt;
        for (offset, size, kind, value, set_name) in markers {
            let location = Location {
                device: block.device,
                block: block.block,
                offset_units: (offset / 16) as u32,
                size_units: (size / 16) as u32,
            };
            self.space.cold_start_live(location);
            // A set the table cannot hold any more has nothing to truncate either.
            let _ = self.apply_marker(kind, set_name, value, location);
        }
        let pids = self.index.pids();
        for (offset, size, digest, meta, tombstone, set_name) in found {
            if !pids.contains(&digest.partition_id()) {
                // Only possible if the device was written with another layout: never trust it.
                self.stats.cold_start_misplaced += 1;
                continue;
            }
            let location = Location {
                device: block.device,
                block: block.block,
                offset_units: (offset / 16) as u32,
                size_units: (size / 16) as u32,
            };
            if let Some(current) = self.index.get(&digest).copied() {
                // Within a shard, writes are ordered by (block sequence, offset).
                let current_order = (self.space.block_seq(current.location()), current.location().offset_units);
                if current_order > (seq, location.offset_units) {
                    continue;
                }
                self.drop_loaded(current);
            }
            let Ok(set_id) = self.sets.id_for(&set_name) else { continue };
            let meta = RecordMeta { set_id, ..meta };
            self.index.insert(IndexEntry::new(digest, meta, location, tombstone));
            self.space.cold_start_live(location);
            if tombstone {
                self.stats.tombstones += 1;
            } else {
                self.stats.objects += 1;
                self.sets.account(set_id, 1, size as i64);
            }
        }
        corrupt
    }

    fn drop_loaded(&mut self, entry: IndexEntry) {
        self.space.release(entry.location());
        if entry.is_tombstone() {
            self.stats.tombstones -= 1;
        } else {
            self.stats.objects -= 1;
            self.sets.account(entry.meta().set_id, -1, -(entry.location().size_bytes() as i64));
        }
        self.index.remove(&entry.digest());
    }

    /// Ends cold start: reaps what expired while the node was down and frees empty blocks.
    pub fn finish_cold_start(&mut self, now: Now) {
        for local in 0..self.index.n_partitions() {
            self.reap_expired(local, now);
        }
        self.stats.expired_objects = 0;
        self.stats.truncated_objects = 0;
        self.stats.evicted_objects = 0;
        self.space.finish_cold_start();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::BinRef;
    use scramjet_net::ParticleType;
    use std::collections::HashMap;

    const BLOCK: usize = 128 * 1024;

    fn digest_in(pid: u16, salt: u8) -> Digest {
        let mut d = [salt; 20];
        d[0] = (pid & 0xFF) as u8;
        d[1] = (pid >> 8) as u8;
        Digest(d)
    }

    fn record(size: usize) -> StoredRecord {
        let value = vec![7u8; size];
        StoredRecord::encode(None, [BinRef { name: b"b", particle: ParticleType::Blob, value: &value }].into_iter())
            .unwrap()
    }

    fn meta(void_time: u32, set_id: u16) -> RecordMeta {
        RecordMeta { generation: 1, void_time, last_update_ms: 0, set_id }
    }

    fn memory_space(blocks: u32) -> SpaceConfig {
        SpaceConfig {
            medium: Medium::Memory,
            write_block_bytes: BLOCK,
            regions: vec![0..blocks],
            defrag_lwm_pct: 50,
            cache_blocks: 0,
            max_write_cache_blocks: 0,
        }
    }

    fn store(blocks: u32) -> NamespaceStore {
        NamespaceStore::new(NamespaceConfig::with_defaults("test"), 0..16, memory_space(blocks))
    }

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
            assert_eq!(ns.apply_version(d, by_gen.0, b"s", Some(by_gen.1.bytes()), false, now), Ok(Applied::Stored));
            let second = ns.apply_version(d, by_lut.0, b"s", Some(by_lut.1.bytes()), false, now).unwrap();
            let winner = match policy {
                ConflictResolution::Generation => (Applied::Kept, 3, older.bytes()),
                ConflictResolution::LastUpdateTime => (Applied::Stored, 2, newer.bytes()),
            };
            assert_eq!(second, winner.0, "{policy:?}");
            let got = ns.get(&d, now).unwrap();
            assert_eq!((got.meta.generation, got.body), (winner.1, winner.2), "{policy:?}");
            assert_eq!(ns.sets().name(got.meta.set_id), b"s");
            // The same version again changes nothing; a forced one (a replica write) replaces.
            assert_eq!(ns.apply_version(d, got.meta, b"s", Some(winner.2), false, now), Ok(Applied::Kept));
            assert_eq!(ns.apply_version(d, v(1, 1), b"s", Some(older.bytes()), true, now), Ok(Applied::Stored));
            assert_eq!(ns.get(&d, now).unwrap().meta.generation, 1);
            // A tombstone deletes; an expired version is not stored; garbage is refused.
            assert_eq!(ns.apply_version(d, v(1, 1), b"", None, true, now), Ok(Applied::Stored));
            assert!(ns.get(&d, now).is_none());
            let expired = RecordMeta { void_time: 10, ..v(5, 5) };
            assert_eq!(ns.apply_version(d, expired, b"", Some(older.bytes()), false, now), Ok(Applied::Kept));
            assert_eq!(ns.apply_version(d, v(9, 9), b"", Some(&[0xFF, 1]), false, now), Err(StorageError::BadRecord));
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
        assert!(ns.remove(&d, now).unwrap().is_some());
        assert!(ns.get(&d, now).is_none());
        assert_eq!(ns.stats().objects, 0);
        assert_eq!(ns.stats().data_used_bytes, 0);
        assert_eq!(ns.sets().iter().next().unwrap().1.objects, 0);
    }

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
            assert!(ns.remove(d, now).unwrap().is_some(), "deletes go on at stop-writes");
        }
        assert!(ns.put(digest_in(1, 250), meta(0, 0), record(50_000), now).is_ok());
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
            assert_eq!(ns.apply_version(d, copy, b"", Some(body.bytes()), false, now), Ok(Applied::Stored));
            assert!(ns.remove(&d, now).unwrap().is_some());
            assert_eq!((ns.stats().tombstones, ns.partition_len(3)), (0, 0));

            ns.set_keep_tombstones(3, true);
            assert_eq!(ns.apply_version(d, copy, b"", Some(body.bytes()), false, now), Ok(Applied::Stored));
            assert!(ns.remove(&d, now).unwrap().is_some());
            assert_eq!(ns.stats().tombstones, 1);
            let tombstone = ns.version_meta(&d, now).expect("a tombstone");
            assert_eq!(tombstone.generation, 2);
            assert!(tombstone.last_update_ms > copy.last_update_ms);
            assert!(ns.version(&d, now).unwrap().1.is_none() && ns.get(&d, now).is_none());
            // The same copy arriving again (a migration batch sent before the delete) loses.
            assert_eq!(ns.apply_version(d, copy, b"", Some(body.bytes()), false, now), Ok(Applied::Kept));
            assert!(ns.get(&d, now).is_none());
            // A later write wins against the tombstone.
            let later = v(3, 2_000_000);
            assert_eq!(ns.apply_version(d, later, b"", Some(body.bytes()), false, now), Ok(Applied::Stored));
            assert!(ns.get(&d, now).is_some());

            // A tombstone that arrives before the copy it deletes (a replica delete racing a
            // migration batch) is kept even though there was nothing to delete.
            let e = digest_in(3, 2);
            assert_eq!(ns.apply_version(e, v(5, 700), b"", None, true, now), Ok(Applied::Stored));
            assert_eq!(ns.apply_version(e, v(5, 650), b"", Some(body.bytes()), false, now), Ok(Applied::Kept));
            assert!(ns.get(&e, now).is_none());
            // An older tombstone does not delete a newer record.
            assert_eq!(ns.apply_version(d, v(2, 600), b"", None, false, now), Ok(Applied::Kept));
            assert!(ns.get(&d, now).is_some());

            // A last-update time at the very end of the range (another node's word) is kept.
            let far = NamespaceStore::tombstone_meta(v(1, u64::MAX), now);
            assert_eq!(far.last_update_ms, u64::MAX);

            // Every member's records are in: the tombstones go, and their space with them.
            let used = ns.stats().data_used_bytes;
            assert_eq!(ns.set_keep_tombstones(3, false), 1);
            assert_eq!((ns.stats().tombstones, ns.partition_len(3)), (0, 1));
            assert!(ns.stats().data_used_bytes < used);
        }
    }

    /// Paging through a partition, a scan's way and a pull's way, visits every record once,
    /// in descending digest order, whatever the page size.
    #[test]
    fn paging_through_a_partition_visits_every_record_once_in_order() {
        let mut ns = store(16);
        let now = Now::from_clepoch_secs(1);
        ns.set_keep_tombstones(6, true);
        let mut all: Vec<Digest> = (0..300u16)
            .map(|i| {
                let mut d = digest_in(6, (i % 251) as u8);
                d.0[2] = (i >> 8) as u8;
                d.0[3] = i as u8;
                d
            })
            .collect();
        for d in &all {
            ns.put(*d, meta(0, 0), record(10), now).unwrap();
        }
        ns.remove(&all[5], now).unwrap(); // a tombstone: pulled, not scanned
        all.sort_unstable_by(|a, b| b.cmp(a));
        for page in [0, 1, 7, 300, 1000] {
            let (mut scanned, mut pulled) = (Vec::new(), Vec::new());
            let (mut scan_after, mut pull_after) = (None, None);
            loop {
                let got = ns.scan_partition(6, None, scan_after.as_ref(), page.max(1), now);
                scan_after = got.last().copied();
                scanned.extend_from_slice(&got);
                if got.len() < page.max(1) {
                    break;
                }
            }
            loop {
                let got = ns.partition_versions_after(6, pull_after.as_ref(), page.max(1), now);
                pull_after = got.last().copied();
                pulled.extend_from_slice(&got);
                if got.len() < page.max(1) {
                    break;
                }
            }
            assert_eq!(pulled, all, "page {page}");
            assert_eq!(scanned.len(), all.len() - 1, "page {page}: the tombstone is not scanned");
            assert!(scanned.windows(2).all(|w| w[0] > w[1]));
        }
        assert!(ns.partition_versions_after(6, None, 0, now).is_empty());
    }

    /// Defrag moves the tombstones of a partition migrating in instead of dropping them.
    #[test]
    fn defrag_keeps_the_tombstones_of_a_partition_migrating_in() {
        let mut ns = store(16);
        let now = Now::from_clepoch_secs(1);
        ns.set_keep_tombstones(4, true);
        let keys: Vec<Digest> = (0..60u8).map(|k| digest_in(if k % 2 == 0 { 4 } else { 5 }, k)).collect();
        for d in &keys {
            ns.put(*d, meta(0, 0), record(5_000), now).unwrap();
        }
        // Partition 4's deletes leave tombstones, partition 5's do not.
        for d in &keys {
            ns.remove(d, now).unwrap();
        }
        assert_eq!(ns.stats().tombstones, 30);
        for _ in 0..100 {
            if !ns.defrag_one() {
                break;
            }
        }
        assert!(ns.stats().space.defrag_blocks >= 1, "the blocks were defragged");
        assert_eq!(ns.stats().tombstones, 30, "defrag kept them");
        for d in keys.iter().step_by(2) {
            assert!(ns.version_meta(d, now).is_some(), "partition 4 still has its tombstone");
            assert_eq!(ns.apply_version(*d, meta(0, 0), b"", Some(record(10).bytes()), false, now), Ok(Applied::Kept));
        }
        assert_eq!(ns.set_keep_tombstones(4, false), 30);
        assert_eq!(ns.partition_len(4), 0);
    }

    /// A defrag done a part at a time, with writes and deletes of the block's records between
    /// the parts, moves exactly the records still living there and frees the block.
    #[test]
    fn defrag_in_parts_with_writes_in_between() {
        let mut ns = store(16);
        let now = Now::from_clepoch_secs(1);
        // About 25 records of 5 kB fill the first block; rewriting half of them leaves it under
        // the 50% mark, so it is queued for defrag.
        let keys: Vec<Digest> = (0..60u8).map(|k| digest_in(u16::from(k % 16), k)).collect();
        for d in &keys {
            ns.put(*d, meta(0, 0), record(5_000), now).unwrap();
        }
        for d in keys.iter().step_by(2) {
            ns.put(*d, meta(0, 0), record(5_001), now).unwrap();
        }
        let (block, bytes) = ns.next_defrag().expect("a block under the low-water mark");
        let bytes = bytes.expect("memory blocks are in memory");
        let mut from = 0;
        let mut parts = 0;
        let mut latest: HashMap<Digest, Option<usize>> =
            keys.iter().enumerate().map(|(i, d)| (*d, Some(if i % 2 == 0 { 5_001 } else { 5_000 }))).collect();
        loop {
            match ns.defrag_block_part(block, &bytes, from, 12_000) {
                DefragStep::More(next) => from = next,
                DefragStep::Done => break,
                DefragStep::Stalled => panic!("room enough"),
            }
            parts += 1;
            // Between parts: rewrite one record and delete another, wherever they live.
            let (rewrite, delete) = (keys[2 * parts + 1], keys[2 * parts + 3]);
            ns.put(rewrite, meta(0, 0), record(4_000 + parts), now).unwrap();
            latest.insert(rewrite, Some(4_000 + parts));
            ns.remove(&delete, now).unwrap();
            latest.insert(delete, None);
        }
        assert!(parts >= 3, "the block took several parts ({parts})");
        assert_eq!(ns.stats().space.defrag_blocks, 1);
        for (d, size) in latest {
            match size {
                Some(size) => assert_eq!(ns.get(&d, now).expect("still there").body, record(size).bytes()),
                None => assert!(ns.get(&d, now).is_none()),
            }
        }
    }

    /// Overwriting the same keys many times the space's size: defrag reclaims the dead records
    /// and the space never runs out.
    #[test]
    fn overwrites_stay_bounded_by_defrag() {
        let mut ns = store(16);
        let now = Now::from_clepoch_secs(1);
        for round in 0..200u32 {
            for key in 0..20u8 {
                ns.put(digest_in(u16::from(key % 16), key), meta(0, 0), record(5_000 + round as usize), now)
                    .unwrap_or_else(|e| panic!("round {round} key {key}: {e}"));
            }
        }
        assert_eq!(ns.stats().objects, 20);
        assert!(ns.stats().space.defrag_blocks > 50);
        assert!(ns.put(digest_in(3, 99), meta(0, 0), record(5_000), now).is_ok());
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

    /// Regression: defrag met a truncate marker (whose digest means nothing) and looked it up
    /// in the index of a shard that does not own partition 0.
    #[test]
    fn defrag_moves_truncate_markers_on_any_shard() {
        let mut ns = NamespaceStore::new(NamespaceConfig::with_defaults("test"), 16..32, memory_space(16));
        let now = Now::from_clepoch_secs(1);
        ns.truncate(None, 5).unwrap();
        for round in 0..40u8 {
            for k in 0..3u8 {
                ns.put(digest_in(16 + u16::from(k), k), meta(0, 0), record(40_000), now).unwrap();
            }
            let _ = round;
            while ns.defrag_one() {}
        }
        assert!(ns.stats().space.defrag_blocks > 10);
        assert_eq!(ns.truncate_lut_ms(0), 5);
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

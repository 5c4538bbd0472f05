//! The primary index of a shard's slice of a namespace: per partition, a hash table of 4-byte
//! slots pointing into a shared arena of 48-byte entries ([`entry`]). At most 64 bytes per
//! record in all: 48 for the entry, at most ~11 for table slots, and the arena's free list.
//!
//! Digests come from clients, so slots are placed by a seeded hash (ahash): a client cannot
//! choose digests that pile up in one probe run.

pub mod arena;
pub mod entry;
pub mod table;

use std::ops::Range;

use ahash::RandomState;
use scramjet_net::Digest;

pub use entry::{IndexEntry, Location, UNIT_BYTES};

use arena::Arena;
use table::Table;

/// The index of the partitions `pids`.
pub struct Index {
    pids: Range<u16>,
    tables: Vec<Table>,
    arena: Arena,
    hasher: RandomState,
}

impl Index {
    /// An empty index for partitions `pids`.
    pub fn new(pids: Range<u16>) -> Index {
        let tables = (pids.start..pids.end).map(|_| Table::default()).collect();
        Index { pids, tables, arena: Arena::default(), hasher: RandomState::new() }
    }

    fn table_index(&self, digest: &Digest) -> usize {
        let pid = digest.partition_id();
        assert!(self.pids.contains(&pid), "partition {pid} routed to the wrong shard");
        usize::from(pid - self.pids.start)
    }

    fn hash(&self, digest: &[u8; 20]) -> u64 {
        self.hasher.hash_one(digest)
    }

    /// Starts loading the slot where a lookup of `digest` begins, without waiting for it.
    ///
    /// A loop over many digests at once (defrag, over a block's records) calls this for a batch
    /// of them, then [`Index::prefetch_entry`] for the same batch, then looks them up: the cache
    /// misses of the batch (a slot, then the entry it points at) overlap instead of following
    /// one another. A hint: it changes nothing, and a digest of a partition not held is ignored.
    pub fn prefetch_slot(&self, digest: &Digest) {
        if let Some(table) = self.table_of(digest) {
            if let Some(slot) = table.home(self.hash(&digest.0)) {
                prefetch(slot);
            }
        }
    }

    /// Starts loading the entry that the slot where a lookup of `digest` begins points at (that
    /// slot is read here: call [`Index::prefetch_slot`] for it well before).
    pub fn prefetch_entry(&self, digest: &Digest) {
        if let Some(table) = self.table_of(digest) {
            if let Some(id) = table.home_id(self.hash(&digest.0)) {
                prefetch(self.arena.get(id));
            }
        }
    }

    fn table_of(&self, digest: &Digest) -> Option<&Table> {
        let pid = digest.partition_id();
        self.pids.contains(&pid).then(|| &self.tables[usize::from(pid - self.pids.start)])
    }

    /// The entry for `digest`.
    pub fn get(&self, digest: &Digest) -> Option<&IndexEntry> {
        let table = &self.tables[self.table_index(digest)];
        let slot = table.find(&self.arena, self.hash(&digest.0), &digest.0)?;
        Some(self.arena.get(table.id_at(slot)))
    }

    /// Inserts or replaces the entry for its digest; returns the previous one.
    pub fn insert(&mut self, entry: IndexEntry) -> Option<IndexEntry> {
        let digest = entry.digest();
        let t = self.table_index(&digest);
        let hash = self.hash(&digest.0);
        if let Some(slot) = self.tables[t].find(&self.arena, hash, &digest.0) {
            let id = self.tables[t].id_at(slot);
            return Some(std::mem::replace(self.arena.get_mut(id), entry));
        }
        let id = self.arena.alloc(entry);
        let hasher = &self.hasher;
        self.tables[t].insert_new(&self.arena, |d| hasher.hash_one(d), hash, id);
        None
    }

    /// Removes and returns the entry for `digest`.
    pub fn remove(&mut self, digest: &Digest) -> Option<IndexEntry> {
        let t = self.table_index(digest);
        let slot = self.tables[t].find(&self.arena, self.hash(&digest.0), &digest.0)?;
        let hasher = &self.hasher;
        let id = self.tables[t].remove_at(&self.arena, |d| hasher.hash_one(d), slot);
        let entry = *self.arena.get(id);
        self.arena.release(id);
        Some(entry)
    }

    /// Number of entries (records and tombstones).
    pub fn len(&self) -> usize {
        self.arena.len()
    }

    /// True if empty.
    pub fn is_empty(&self) -> bool {
        self.arena.is_empty()
    }

    /// Number of partitions held.
    pub fn n_partitions(&self) -> usize {
        self.tables.len()
    }

    /// The partitions held.
    pub fn pids(&self) -> Range<u16> {
        self.pids.clone()
    }

    /// Number of entries (records and tombstones) of the `local`-th partition.
    pub fn partition_len(&self, local: usize) -> usize {
        self.tables[local].len()
    }

    /// The entries of the `local`-th partition (copied out, so the caller may change the index).
    pub fn partition_entries(&self, local: usize) -> Vec<IndexEntry> {
        self.tables[local].ids().map(|id| *self.arena.get(id)).collect()
    }

    /// Bytes held by the index: arena, tables and the table vector.
    pub fn memory_bytes(&self) -> usize {
        self.arena.memory_bytes()
            + self.tables.iter().map(Table::memory_bytes).sum::<usize>()
            + self.tables.capacity() * std::mem::size_of::<Table>()
    }
}

/// Asks the CPU to start loading the cache line of `value` into its caches.
#[inline(always)]
fn prefetch<T>(value: &T) {
    #[cfg(target_arch = "x86_64")]
    // SAFETY: a prefetch is a hint to the cache: it cannot fault and nothing reads its result;
    // the address is that of a live reference anyway.
    unsafe {
        use std::arch::x86_64::{_mm_prefetch, _MM_HINT_T0};
        _mm_prefetch::<_MM_HINT_T0>(std::ptr::from_ref(value).cast::<i8>());
    }
    #[cfg(not(target_arch = "x86_64"))]
    let _ = value;
}

impl std::fmt::Debug for Index {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Index").field("pids", &self.pids).field("len", &self.len()).finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::record::RecordMeta;
    use std::collections::HashMap;

    fn digest(pid: u16, n: u64) -> Digest {
        let mut d = [0u8; 20];
        d[0] = (pid & 0xFF) as u8;
        d[1] = (pid >> 8) as u8;
        d[2..10].copy_from_slice(&n.to_le_bytes());
        Digest(d)
    }

    fn entry(d: Digest, generation: u16) -> IndexEntry {
        let meta = RecordMeta { generation, void_time: 0, last_update_ms: 0, set_id: 0 };
        IndexEntry::new(d, meta, Location { device: 0, block: 1, offset_units: 2, size_units: 3 }, false)
    }

    /// The index behaves like a map under a seeded random mix of inserts, replaces and removes.
    #[test]
    fn matches_a_reference_map() {
        let mut index = Index::new(0..4);
        let mut model: HashMap<Digest, u16> = HashMap::new();
        let mut state: u64 = 0x1234_5678_9ABC_DEF1;
        for step in 0..200_000u32 {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            let d = digest((state % 4) as u16, (state >> 8) % 5000);
            if state.is_multiple_of(3) {
                assert_eq!(index.remove(&d).map(|e| e.meta().generation), model.remove(&d), "step {step}");
            } else {
                let generation = (step % 60_000) as u16;
                let old = index.insert(entry(d, generation)).map(|e| e.meta().generation);
                assert_eq!(old, model.insert(d, generation), "step {step}");
            }
        }
        assert_eq!(index.len(), model.len());
        for (d, generation) in &model {
            assert_eq!(index.get(d).unwrap().meta().generation, *generation);
        }
        let total: usize = (0..4).map(|p| index.partition_entries(p).len()).sum();
        assert_eq!(total, model.len());
    }

    /// Memory per record stays within the 64-byte budget at a size where tables are at their
    /// emptiest just after growing.
    #[test]
    fn stays_within_64_bytes_per_record() {
        let n_partitions = 16u16;
        let mut index = Index::new(0..n_partitions);
        let per_partition = 3 * 1024 + 1;
        for p in 0..n_partitions {
            for n in 0..per_partition {
                index.insert(entry(digest(p, n), 1));
            }
        }
        let per_record = index.memory_bytes() as f64 / index.len() as f64;
        assert!(per_record <= 64.0, "index uses {per_record:.1} bytes per record");
    }

    #[test]
    #[should_panic(expected = "routed to the wrong shard")]
    fn foreign_partition_is_a_programmer_error() {
        Index::new(0..4).get(&digest(9, 1));
    }

    /// Prefetching is a hint: any digest (absent, of an empty table, of a partition not held)
    /// is fine, and nothing changes.
    #[test]
    fn prefetch_takes_any_digest_and_changes_nothing() {
        let mut index = Index::new(4..8);
        index.prefetch_slot(&digest(5, 1));
        index.prefetch_entry(&digest(5, 1));
        for n in 0..100 {
            index.insert(entry(digest(5, n), 1));
        }
        for d in [digest(5, 7), digest(5, 1000), digest(6, 1), digest(0, 1), digest(9, 1)] {
            index.prefetch_slot(&d);
            index.prefetch_entry(&d);
        }
        assert_eq!(index.len(), 100);
        assert!((0..100).all(|n| index.get(&digest(5, n)).is_some()));
        assert!(index.get(&digest(5, 1000)).is_none());
    }
}

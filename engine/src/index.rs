//! The primary index of one partition: digest → index entry.
//!
//! In memory today, the entry owns the record's stored bytes. Digests come from clients, so the
//! table's hash is seeded (ahash) to keep chosen digests from colliding on purpose.

use ahash::RandomState;
use scramjet_net::Digest;
use std::collections::HashMap;

use crate::record::{RecordMeta, StoredRecord};

/// One record in the index.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IndexEntry {
    /// Generation, void time, last-update time, set.
    pub meta: RecordMeta,
    /// The record's stored form.
    pub record: StoredRecord,
}

// Why: an entry's size bounds index memory; the durable-storage work shrinks the entry to a
// device location and asserts the 64-byte budget of ARCHITECTURE.md for the whole slot.
const _: () = assert!(std::mem::size_of::<IndexEntry>() <= 40);

/// The records of one partition.
#[derive(Debug, Default)]
pub struct PartitionIndex {
    entries: HashMap<Digest, IndexEntry, RandomState>,
}

impl PartitionIndex {
    /// The entry for `digest`, live or expired.
    pub fn get(&self, digest: &Digest) -> Option<&IndexEntry> {
        self.entries.get(digest)
    }

    /// Inserts or replaces; returns the previous entry.
    pub fn insert(&mut self, digest: Digest, entry: IndexEntry) -> Option<IndexEntry> {
        self.entries.insert(digest, entry)
    }

    /// Removes and returns the entry for `digest`.
    pub fn remove(&mut self, digest: &Digest) -> Option<IndexEntry> {
        self.entries.remove(digest)
    }

    /// Number of entries (live or not yet reaped).
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// True if empty.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// Removes the entries for which `reap` returns true, handing each to it once.
    pub fn reap(&mut self, mut reap: impl FnMut(&Digest, &IndexEntry) -> bool) {
        self.entries.retain(|digest, entry| !reap(digest, entry));
    }

    /// All entries, in no particular order.
    pub fn iter(&self) -> impl Iterator<Item = (&Digest, &IndexEntry)> {
        self.entries.iter()
    }
}

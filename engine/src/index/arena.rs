//! Where index entries live: fixed-size chunks, so growth never copies or doubles memory, and
//! freed slots are reused.

use super::entry::IndexEntry;

const CHUNK_SHIFT: u32 = 12;
/// Entries per chunk (4096 × 48 bytes = 192 KiB).
const CHUNK_LEN: usize = 1 << CHUNK_SHIFT;

/// A slab of entries addressed by `u32` ids.
#[derive(Default)]
pub struct Arena {
    chunks: Vec<Vec<IndexEntry>>,
    free: Vec<u32>,
    live: usize,
}

impl Arena {
    /// Stores an entry and returns its id.
    pub fn alloc(&mut self, entry: IndexEntry) -> u32 {
        self.live += 1;
        if let Some(id) = self.free.pop() {
            *self.get_mut(id) = entry;
            return id;
        }
        if self.chunks.last().is_none_or(|c| c.len() == CHUNK_LEN) {
            self.chunks.push(Vec::with_capacity(CHUNK_LEN));
        }
        let chunk_index = self.chunks.len() - 1;
        let chunk = &mut self.chunks[chunk_index];
        chunk.push(entry);
        let id = (chunk_index << CHUNK_SHIFT) + chunk.len() - 1;
        u32::try_from(id).expect("fewer than 2^32 index entries per shard")
    }

    /// Frees an id; the slot is reused by a later `alloc`.
    pub fn release(&mut self, id: u32) {
        debug_assert!(!self.free.contains(&id), "double free of index entry {id}");
        self.live -= 1;
        self.free.push(id);
    }

    /// The entry with id `id`.
    pub fn get(&self, id: u32) -> &IndexEntry {
        &self.chunks[(id >> CHUNK_SHIFT) as usize][id as usize & (CHUNK_LEN - 1)]
    }

    /// The entry with id `id`, to change.
    pub fn get_mut(&mut self, id: u32) -> &mut IndexEntry {
        &mut self.chunks[(id >> CHUNK_SHIFT) as usize][id as usize & (CHUNK_LEN - 1)]
    }

    /// Entries in use.
    pub fn len(&self) -> usize {
        self.live
    }

    /// True if no entry is in use.
    pub fn is_empty(&self) -> bool {
        self.live == 0
    }

    /// Bytes held (chunks at full capacity, plus the free list).
    pub fn memory_bytes(&self) -> usize {
        self.chunks.len() * CHUNK_LEN * std::mem::size_of::<IndexEntry>() + self.free.capacity() * 4
    }
}

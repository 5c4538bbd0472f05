//! One partition's hash table: open addressing with linear probing over 4-byte slots holding
//! arena ids; deletion shifts later entries back, so there are no tombstone slots.
//!
//! The load stays between 3/8 and 3/4 once the table has grown, which bounds the table's cost
//! at 4 / (3/8) ≈ 10.7 bytes per record.

use super::arena::Arena;

const EMPTY: u32 = u32::MAX;
const MIN_CAPACITY: usize = 8;

/// Slots of one partition.
#[derive(Default)]
pub struct Table {
    slots: Box<[u32]>,
    len: usize,
}

impl Table {
    /// Number of entries.
    pub fn len(&self) -> usize {
        self.len
    }

    /// True if empty.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Bytes held by the slots.
    pub fn memory_bytes(&self) -> usize {
        self.slots.len() * 4
    }

    fn mask(&self) -> usize {
        self.slots.len() - 1
    }

    /// The slot holding the entry whose digest is `digest`, if any.
    pub fn find(&self, arena: &Arena, hash: u64, digest: &[u8; 20]) -> Option<usize> {
        if self.slots.is_empty() {
            return None;
        }
        let mut slot = hash as usize & self.mask();
        loop {
            let id = self.slots[slot];
            if id == EMPTY {
                return None;
            }
            if arena.get(id).digest_bytes() == digest {
                return Some(slot);
            }
            slot = (slot + 1) & self.mask();
        }
    }

    /// The slot a lookup of `hash` starts at (none while the table has no slots).
    pub fn home(&self, hash: u64) -> Option<&u32> {
        self.slots.get(hash as usize & self.slots.len().wrapping_sub(1))
    }

    /// The arena id in the slot a lookup of `hash` starts at, if that slot is not empty.
    pub fn home_id(&self, hash: u64) -> Option<u32> {
        self.home(hash).copied().filter(|&id| id != EMPTY)
    }

    /// The arena id in `slot`.
    pub fn id_at(&self, slot: usize) -> u32 {
        self.slots[slot]
    }

    /// Inserts an id whose digest is not in the table yet.
    pub fn insert_new(&mut self, arena: &Arena, hash_of: impl Fn(&[u8; 20]) -> u64, hash: u64, id: u32) {
        if (self.len + 1) * 4 > self.slots.len() * 3 {
            self.grow(arena, &hash_of);
        }
        let mut slot = hash as usize & self.mask();
        while self.slots[slot] != EMPTY {
            slot = (slot + 1) & self.mask();
        }
        self.slots[slot] = id;
        self.len += 1;
    }

    fn grow(&mut self, arena: &Arena, hash_of: &impl Fn(&[u8; 20]) -> u64) {
        let capacity = (self.slots.len() * 2).max(MIN_CAPACITY);
        let old = std::mem::replace(&mut self.slots, vec![EMPTY; capacity].into_boxed_slice());
        let mask = capacity - 1;
        for id in old.iter().copied().filter(|&id| id != EMPTY) {
            let mut slot = hash_of(arena.get(id).digest_bytes()) as usize & mask;
            while self.slots[slot] != EMPTY {
                slot = (slot + 1) & mask;
            }
            self.slots[slot] = id;
        }
    }

    /// Removes the entry in `slot` and returns its id; later entries of the probe run shift back.
    pub fn remove_at(&mut self, arena: &Arena, hash_of: impl Fn(&[u8; 20]) -> u64, slot: usize) -> u32 {
        let removed = self.slots[slot];
        assert_ne!(removed, EMPTY);
        let mask = self.mask();
        let mut hole = slot;
        let mut next = (slot + 1) & mask;
        loop {
            let id = self.slots[next];
            if id == EMPTY {
                break;
            }
            let home = hash_of(arena.get(id).digest_bytes()) as usize & mask;
            // Move `id` into the hole unless its home lies cyclically in (hole, next].
            let stays = if hole <= next { hole < home && home <= next } else { hole < home || home <= next };
            if !stays {
                self.slots[hole] = id;
                hole = next;
            }
            next = (next + 1) & mask;
        }
        self.slots[hole] = EMPTY;
        self.len -= 1;
        removed
    }

    /// Every id in the table.
    pub fn ids(&self) -> impl Iterator<Item = u32> + '_ {
        self.slots.iter().copied().filter(|&id| id != EMPTY)
    }
}

//! A shard's table of the sets of one namespace: names to small ids, and per-set counters.
//!
//! Ids are local to the shard (set id 0 means "no set"); set names are what cross shards and
//! what the durable format will store.

use ahash::RandomState;
use std::collections::HashMap;

use crate::StorageError;

/// Longest set name (Aerospike's limit: 64 bytes including a terminator).
pub const SET_NAME_MAX_LEN: usize = 63;
/// Most sets per namespace (Aerospike 7's limit).
pub const MAX_SETS: usize = 4095;

/// Counters of one set.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct SetStats {
    /// Live records.
    pub objects: u64,
    /// Bytes of their stored forms.
    pub data_used_bytes: u64,
}

/// Set names, ids and counters.
#[derive(Debug, Default)]
pub struct SetTable {
    names: Vec<Box<[u8]>>,
    stats: Vec<SetStats>,
    /// Per set: records last updated before this (citrusleaf ms) are truncated.
    truncate_lut_ms: Vec<u64>,
    by_name: HashMap<Box<[u8]>, u16, RandomState>,
}

impl SetTable {
    /// The id of set `name`, adding it if new. The empty name is "no set", id 0.
    pub fn id_for(&mut self, name: &[u8]) -> Result<u16, StorageError> {
        if name.is_empty() {
            return Ok(0);
        }
        if let Some(&id) = self.by_name.get(name) {
            return Ok(id);
        }
        if name.len() > SET_NAME_MAX_LEN {
            return Err(StorageError::SetNameTooLong);
        }
        if self.names.len() >= MAX_SETS {
            return Err(StorageError::TooManySets);
        }
        self.names.push(name.into());
        self.stats.push(SetStats::default());
        self.truncate_lut_ms.push(0);
        let id = self.names.len() as u16;
        self.by_name.insert(name.into(), id);
        Ok(id)
    }

    /// The id of set `name` if it is known (0 for the empty name).
    pub fn lookup(&self, name: &[u8]) -> Option<u16> {
        if name.is_empty() {
            return Some(0);
        }
        self.by_name.get(name).copied()
    }

    /// The name of set `id` (empty for 0).
    pub fn name(&self, id: u16) -> &[u8] {
        match id {
            0 => b"",
            _ => &self.names[usize::from(id) - 1],
        }
    }

    /// Adjusts the counters of set `id` (no-op for id 0).
    pub fn account(&mut self, id: u16, objects: i64, bytes: i64) {
        if id == 0 {
            return;
        }
        let stats = &mut self.stats[usize::from(id) - 1];
        stats.objects = stats.objects.checked_add_signed(objects).expect("set object count");
        stats.data_used_bytes = stats.data_used_bytes.checked_add_signed(bytes).expect("set bytes");
    }

    /// Records of set `id` last updated before this are truncated (0: none; id 0: no set).
    pub fn truncate_lut_ms(&self, id: u16) -> u64 {
        match id {
            0 => 0,
            _ => self.truncate_lut_ms[usize::from(id) - 1],
        }
    }

    /// Raises set `id`'s truncate time.
    pub fn set_truncate_lut_ms(&mut self, id: u16, lut_ms: u64) {
        assert_ne!(id, 0, "the no-set records are truncated with the namespace");
        let slot = &mut self.truncate_lut_ms[usize::from(id) - 1];
        *slot = (*slot).max(lut_ms);
    }

    /// Every named set with its counters.
    pub fn iter(&self) -> impl Iterator<Item = (&[u8], SetStats)> {
        self.names.iter().map(|n| &n[..]).zip(self.stats.iter().copied())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_stable_and_counted() {
        let mut sets = SetTable::default();
        assert_eq!(sets.id_for(b"").unwrap(), 0);
        let a = sets.id_for(b"a").unwrap();
        let b = sets.id_for(b"b").unwrap();
        assert_ne!(a, b);
        assert_eq!(sets.id_for(b"a").unwrap(), a);
        assert_eq!(sets.lookup(b"b"), Some(b));
        assert_eq!(sets.name(a), b"a");
        sets.account(a, 1, 10);
        sets.account(0, 1, 10);
        let all: Vec<_> = sets.iter().collect();
        assert_eq!(all[0], (&b"a"[..], SetStats { objects: 1, data_used_bytes: 10 }));
        assert_eq!(sets.id_for(&[b'x'; 64]), Err(StorageError::SetNameTooLong));
    }
}

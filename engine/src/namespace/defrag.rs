//! Defrag: moving the live records out of blocks mostly dead, in the background or inline
//! when a write finds no free block.

use scramjet_net::Digest;

use super::NamespaceStore;
use crate::index::{IndexEntry, Location};
use crate::record::RecordMeta;
use crate::storage::format::{self, DeviceRecord, ScanEnd};
use crate::storage::BlockId;
use crate::StorageError;

/// Records whose index lookups a defrag overlaps (see [`crate::Index::prefetch_slot`]): enough to
/// cover a memory access's latency, few enough that their lines stay in the first-level cache.
const LOOKUP_BATCH: usize = 32;

/// How far [`NamespaceStore::defrag_block_part`] got.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DefragStep {
    /// Go on from this byte offset.
    More(usize),
    /// Every live record moved; the block is freed once the copies are durable.
    Done,
    /// No room to move a record (or an unreadable block): queued again.
    Stalled,
    /// Records of the block failed their checksum: the others were moved, and the block stays
    /// in use (out of the queue) while a damaged record is still live, so that reading it
    /// reports the damage instead of finding another record there.
    Damaged,
}

impl NamespaceStore {
    /// Defrags queued blocks while writes are stopped for lack of free blocks (the background
    /// defrag has fallen behind, or has not run yet).
    pub(super) fn make_room(&mut self) {
        while self.is_stop_writes() && self.space.defrag_queue_len() > 0 {
            if !self.defrag_one() {
                return;
            }
        }
    }

    /// Appends, running defrag inline when the space is out of free blocks but has blocks to
    /// reclaim (memory namespaces reclaim at once).
    pub(super) fn append_with_defrag(&mut self, record: &DeviceRecord<'_>) -> Result<(Location, u64), StorageError> {
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
                DefragStep::Done | DefragStep::Damaged => return true,
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
        let mut batch = Vec::with_capacity(LOOKUP_BATCH);
        while offset < stop {
            // A batch of records first, their index slots and entries loaded ahead: each lookup
            // is a likely cache miss or two, and they overlap this way.
            batch.clear();
            let mut ended = false;
            while offset < stop && batch.len() < LOOKUP_BATCH {
                match format::decode_at(bytes, offset, block_seq) {
                    Ok((record, size)) => {
                        if let Some(record) = record.filter(|r| r.marker.is_none()) {
                            batch.push((offset, record));
                        }
                        offset += size;
                    }
                    Err(ScanEnd::Corrupt { .. }) => {
                        // Its length cannot be trusted: the next record is found by its
                        // magic and checksum.
                        self.stats.defrag_corrupt += 1;
                        match format::next_record(bytes, offset + format::RECORD_ALIGN, block_seq) {
                            Some(next) => offset = next,
                            None => {
                                ended = true;
                                break;
                            }
                        }
                    }
                    Err(ScanEnd::End) => {
                        ended = true;
                        break;
                    }
                }
            }
            for (_, record) in &batch {
                self.index.prefetch_slot(&record.digest);
            }
            for (_, record) in &batch {
                self.index.prefetch_entry(&record.digest);
            }
            for (at, record) in batch.drain(..) {
                if !self.defrag_record(block, block_seq, at, &record) {
                    // No room: stop-writes keeps blocks in reserve, so this only happens when
                    // the space is nearly full of live data. Try again once something was freed.
                    self.space.requeue_defrag(block);
                    return DefragStep::Stalled;
                }
            }
            if ended {
                break;
            }
        }
        if offset < stop {
            if self.space.live_bytes(block) > 0 {
                // Only a damaged record can be left: every readable one was moved.
                self.space.defrag_abandon(block);
                return DefragStep::Damaged;
            }
            self.space.defrag_done(block);
            return DefragStep::Done;
        }
        DefragStep::More(offset)
    }

    /// Moves `record`, found at byte `at` of `block`, to the open block if the index still points
    /// there (drops it if it is a tombstone no longer needed). False if there was no room.
    fn defrag_record(&mut self, block: BlockId, block_seq: u64, at: usize, record: &DeviceRecord<'_>) -> bool {
        let at = Location {
            device: block.device,
            block: block.block,
            offset_units: (at / 16) as u32,
            size_units: (format::record_size(record.set_name.len(), record.body.len()) / 16) as u32,
        };
        let Some(entry) = self.index.get(&record.digest).copied().filter(|e| e.location() == at) else { return true };
        if entry.is_tombstone()
            && self.space.tombstone_droppable(block_seq)
            && !self.keep_tombstones[self.local_of(record.digest.partition_id())]
        {
            self.index.remove(&record.digest);
            self.space.release(entry.location());
            self.stats.tombstones -= 1;
            return true;
        }
        let Ok((location, _)) = self.space.append(record, true) else { return false };
        self.space.release(entry.location());
        self.index.insert(
            IndexEntry::new(record.digest, entry.meta(), location, entry.is_tombstone()).with_reborn(entry.is_reborn()),
        );
        true
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
                reborn: false,
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
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use super::*;
    use crate::namespace::test_support::{digest_in, memory_space, meta, record, store};
    use crate::namespace::{Applied, NamespaceConfig};
    use crate::Now;

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
            ns.remove(d, now, false).unwrap();
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
            assert_eq!(
                ns.apply_version(*d, meta(0, 0), b"", Some(record(10).bytes()), false, false, now),
                Ok(Applied::Kept)
            );
        }
        assert_eq!(ns.set_keep_tombstones(4, false), 30);
        assert_eq!(ns.partition_len(4), 0);
    }

    /// A memory store of 60 records of 5 kB whose even ones were rewritten, and its first block:
    /// about 25 records fill it, and rewriting half of them leaves it under the 50% mark, so it
    /// is queued for defrag. Returns the store, the keys, and that block with its bytes.
    fn half_rewritten_block(now: Now) -> (NamespaceStore, Vec<Digest>, BlockId, std::rc::Rc<Vec<u8>>) {
        let mut ns = store(16);
        let keys: Vec<Digest> = (0..60u8).map(|k| digest_in(u16::from(k % 16), k)).collect();
        for d in &keys {
            ns.put(*d, meta(0, 0), record(5_000), now).unwrap();
        }
        for d in keys.iter().step_by(2) {
            ns.put(*d, meta(0, 0), record(5_001), now).unwrap();
        }
        let (block, bytes) = ns.next_defrag().expect("a block under the low-water mark");
        (ns, keys, block, bytes.expect("memory blocks are in memory"))
    }

    /// A defrag done a part at a time, with writes and deletes of the block's records between
    /// the parts, moves exactly the records still living there and frees the block.
    #[test]
    fn defrag_in_parts_with_writes_in_between() {
        let now = Now::from_clepoch_secs(1);
        let (mut ns, keys, block, bytes) = half_rewritten_block(now);
        let mut from = 0;
        let mut parts = 0;
        let mut latest: HashMap<Digest, Option<usize>> =
            keys.iter().enumerate().map(|(i, d)| (*d, Some(if i % 2 == 0 { 5_001 } else { 5_000 }))).collect();
        loop {
            match ns.defrag_block_part(block, &bytes, from, 12_000) {
                DefragStep::More(next) => from = next,
                DefragStep::Done => break,
                DefragStep::Stalled => panic!("room enough"),
                DefragStep::Damaged => panic!("nothing damaged"),
            }
            parts += 1;
            // Between parts: rewrite one record and delete another, wherever they live.
            let (rewrite, delete) = (keys[2 * parts + 1], keys[2 * parts + 3]);
            ns.put(rewrite, meta(0, 0), record(4_000 + parts), now).unwrap();
            latest.insert(rewrite, Some(4_000 + parts));
            ns.remove(&delete, now, false).unwrap();
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

    /// A record damaged on the device does not stop a defrag (or bring the shard down): the
    /// records after it are found again by their magic and checksum and moved; the block stays
    /// in use while the damaged record is live, and is defragged once that one is rewritten.
    #[test]
    fn defrag_steps_over_a_damaged_record() {
        let now = Now::from_clepoch_secs(1);
        let (mut ns, keys, block, bytes) = half_rewritten_block(now);
        // The block as a device would give it back, with the fifth live record damaged.
        let seq = format::decode_block_header(&bytes).unwrap();
        let mut live = Vec::new();
        format::scan_block(&bytes, |offset, r| {
            let i = keys.iter().position(|d| *d == r.digest).unwrap();
            if i % 2 == 1 {
                live.push((offset, r.digest));
            }
        });
        assert!(live.len() > 8, "live records in the block: {}", live.len());
        let (damaged_at, damaged_key) = live[4];
        let mut read_back = bytes.to_vec();
        read_back[damaged_at + 100] ^= 0xFF;
        assert!(matches!(format::decode_at(&read_back, damaged_at, seq), Err(ScanEnd::Corrupt { .. })));

        assert_eq!(ns.defrag_block_part(block, &read_back, 0, usize::MAX), DefragStep::Damaged);
        assert_eq!(ns.stats().defrag_corrupt, 1);
        assert_eq!(ns.stats().space.defrag_blocks, 0, "the block is kept");
        for (i, d) in keys.iter().enumerate() {
            let size = if i % 2 == 0 { 5_001 } else { 5_000 };
            assert_eq!(ns.get(d, now).expect("still there").body, record(size).bytes(), "key {i}");
        }
        // Only the damaged record still points into the block.
        let moved = live.iter().filter(|(_, d)| ns.index.get(d).unwrap().location().block != block.block).count();
        assert_eq!(moved, live.len() - 1);

        // Rewriting it frees its place: the block is queued again and defragged whole.
        ns.put(damaged_key, meta(0, 0), record(4_321), now).unwrap();
        let again = std::iter::from_fn(|| ns.next_defrag()).find(|(b, _)| *b == block);
        let (_, bytes) = again.expect("queued again");
        assert_eq!(ns.defrag_block_part(block, &bytes.unwrap(), 0, usize::MAX), DefragStep::Done);
        assert_eq!(ns.get(&damaged_key, now).unwrap().body, record(4_321).bytes());
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
}

//! Cold start: rebuilding the index from the blocks read back from the devices.

use super::NamespaceStore;
use crate::index::{IndexEntry, Location};
use crate::record::RecordMeta;
use crate::storage::format::{self, ScanEnd};
use crate::storage::BlockId;
use crate::Now;

impl NamespaceStore {
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
                found.push((
                    offset,
                    size,
                    record.digest,
                    record.meta,
                    record.tombstone,
                    record.reborn,
                    record.set_name.to_vec(),
                ));
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
        for (offset, size, digest, meta, tombstone, reborn, set_name) in found {
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
            self.index.insert(IndexEntry::new(digest, meta, location, tombstone).with_reborn(reborn));
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
        // Only devices cold-start, and their indexes keep each record's entries.
        self.sindexes.remove(&entry.digest(), None);
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

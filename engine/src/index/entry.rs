//! One record's slot in the primary index: 48 bytes, packed by hand.
//!
//! ```text
//!  0..20  digest
//! 20..22  generation          u16
//! 22..24  set id              u16
//! 24..28  void time           u32   citrusleaf-epoch seconds, 0 = never
//! 28..34  last-update time    u48   citrusleaf-epoch milliseconds
//! 34      device              u8    index of the device (stripe) in the namespace
//! 35      flags               u8    bit 0: tombstone
//! 36..40  block               u32   block number on that device
//! 40..44  offset              u32   in 16-byte units from the block start
//! 44..48  size                u32   in 16-byte units
//! ```

use scramjet_net::Digest;

use crate::record::RecordMeta;

/// Records are placed on 16-byte boundaries and sized in 16-byte units.
pub const UNIT_BYTES: u32 = 16;

/// Where a record's bytes are.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Location {
    /// Device (stripe) index within the namespace.
    pub device: u8,
    /// Block number on the device.
    pub block: u32,
    /// Offset from the block start, in 16-byte units.
    pub offset_units: u32,
    /// Size, in 16-byte units.
    pub size_units: u32,
}

impl Location {
    /// Byte offset within the block.
    pub fn offset_bytes(&self) -> usize {
        self.offset_units as usize * UNIT_BYTES as usize
    }

    /// Size in bytes.
    pub fn size_bytes(&self) -> usize {
        self.size_units as usize * UNIT_BYTES as usize
    }
}

const FLAG_TOMBSTONE: u8 = 0x01;
/// The record was created over the tombstone of a delete without the durable-delete flag.
const FLAG_REBORN: u8 = 0x02;

/// The packed index entry.
#[derive(Clone, Copy, PartialEq, Eq)]
#[repr(C)]
pub struct IndexEntry {
    digest: [u8; 20],
    generation: u16,
    set_id: u16,
    void_time: u32,
    last_update_ms: [u8; 6],
    device: u8,
    flags: u8,
    block: u32,
    offset_units: u32,
    size_units: u32,
}

// Why: the index must stay within 64 bytes per record including the table's own overhead
// (ARCHITECTURE.md); the table adds at most ~11 bytes per record (4-byte slots at ≥ 37.5%
// load), so the entry itself must be 48.
const _: () = assert!(std::mem::size_of::<IndexEntry>() == 48);
const _: () = assert!(std::mem::align_of::<IndexEntry>() == 4);

/// Largest last-update time an entry holds (48 bits of milliseconds: about 8900 years).
pub const LAST_UPDATE_MS_MAX: u64 = (1 << 48) - 1;

impl IndexEntry {
    /// An entry for a live record or a tombstone.
    pub fn new(digest: Digest, meta: RecordMeta, location: Location, tombstone: bool) -> IndexEntry {
        let lut = meta.last_update_ms.min(LAST_UPDATE_MS_MAX).to_le_bytes();
        IndexEntry {
            digest: digest.0,
            generation: meta.generation,
            set_id: meta.set_id,
            void_time: meta.void_time,
            last_update_ms: [lut[0], lut[1], lut[2], lut[3], lut[4], lut[5]],
            device: location.device,
            flags: if tombstone { FLAG_TOMBSTONE } else { 0 },
            block: location.block,
            offset_units: location.offset_units,
            size_units: location.size_units,
        }
    }

    /// The record's digest.
    pub fn digest(&self) -> Digest {
        Digest(self.digest)
    }

    pub(crate) fn digest_bytes(&self) -> &[u8; 20] {
        &self.digest
    }

    /// Generation, void time, last-update time, set.
    pub fn meta(&self) -> RecordMeta {
        let b = self.last_update_ms;
        RecordMeta {
            generation: self.generation,
            void_time: self.void_time,
            last_update_ms: u64::from_le_bytes([b[0], b[1], b[2], b[3], b[4], b[5], 0, 0]),
            set_id: self.set_id,
        }
    }

    /// Where the record's bytes are.
    pub fn location(&self) -> Location {
        Location {
            device: self.device,
            block: self.block,
            offset_units: self.offset_units,
            size_units: self.size_units,
        }
    }

    /// True for a tombstone: a durable delete whose record stays out of reads.
    pub fn is_tombstone(&self) -> bool {
        self.flags & FLAG_TOMBSTONE != 0
    }

    /// True if the record was (re-)created after a delete without the durable-delete flag, so
    /// that it started again at generation 1: against a copy without the mark it is ordered by
    /// last-update time (`namespace::records::newer_version`).
    pub fn is_reborn(&self) -> bool {
        self.flags & FLAG_REBORN != 0
    }

    /// The entry with the reborn mark set or cleared.
    pub fn with_reborn(mut self, reborn: bool) -> IndexEntry {
        self.flags = if reborn { self.flags | FLAG_REBORN } else { self.flags & !FLAG_REBORN };
        self
    }
}

impl std::fmt::Debug for IndexEntry {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("IndexEntry")
            .field("digest", &self.digest())
            .field("meta", &self.meta())
            .field("location", &self.location())
            .field("tombstone", &self.is_tombstone())
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fields_round_trip() {
        let meta = RecordMeta { generation: 7, void_time: 99, last_update_ms: (1 << 47) + 5, set_id: 3 };
        let location = Location { device: 2, block: 1000, offset_units: 65_000, size_units: 4 };
        let entry = IndexEntry::new(Digest([9; 20]), meta, location, true);
        assert_eq!(entry.meta(), meta);
        assert_eq!(entry.location(), location);
        assert_eq!(entry.digest(), Digest([9; 20]));
        assert!(entry.is_tombstone());
        assert_eq!(location.offset_bytes(), 65_000 * 16);
    }
}

//! The store's side of device I/O: the records a transaction must read from the device first
//! ([`ReadIntent`]), and the queue of writes the shard carries out and reports done.

use scramjet_net::Digest;

use super::NamespaceStore;
use crate::index::Location;
use crate::storage::format;
use crate::storage::IoRequest;

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
    /// Sequence of the block holding the record when the read began: if the block was freed
    /// and written again meanwhile, the bytes read may be an older record's even where the
    /// index points at the same place again.
    pub block_seq: u64,
}

impl ReadIntent {
    /// Byte offset on the device of the record itself.
    pub fn record_offset(&self) -> u64 {
        self.offset + self.skip as u64
    }

    /// Bytes of the record itself.
    pub fn record_len(&self) -> usize {
        self.location.size_bytes()
    }
}

/// Why bytes read from the device were not accepted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReadError {
    /// The record was rewritten or moved while it was being read: look it up again.
    Moved,
    /// The bytes are not the record the index points at.
    Corrupt,
}

impl NamespaceStore {
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
        let block_seq = self.space.block_seq(location);
        Some(ReadIntent { digest: *digest, location, device: location.device, offset: start, len, skip, block_seq })
    }

    /// Hands over the record's bytes, read at [`ReadIntent::record_offset`] (from an aligned
    /// read of `intent.len` bytes at `intent.offset`, those `intent.skip` bytes in). Fails if
    /// the record moved meanwhile (read again) or the bytes are not the record (corruption).
    pub fn provide_record(&mut self, intent: &ReadIntent, record: Vec<u8>) -> Result<(), ReadError> {
        let current = self.index.get(&intent.digest).map(|e| e.location());
        let seq = self.space.block_seq(intent.location);
        if current != Some(intent.location) || seq != intent.block_seq {
            return Err(ReadError::Moved);
        }
        if record.len() != intent.record_len() {
            return Err(ReadError::Corrupt);
        }
        if !matches!(format::decode_at(&record, 0, seq), Ok((Some(found), _)) if found.digest == intent.digest) {
            return Err(ReadError::Corrupt);
        }
        self.stats.device_read_records += 1;
        self.provided.insert(intent.location, record);
        Ok(())
    }

    /// Forgets the records read for a transaction that is over.
    pub fn clear_provided(&mut self) {
        self.provided.clear();
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
}

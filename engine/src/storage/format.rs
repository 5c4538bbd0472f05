//! The on-device format: device header, block header, records, pad markers. Byte diagrams are
//! in `docs/disk-format.md`; every multi-byte integer is little-endian.
//!
//! Decoding is checked throughout (CRC32C on every header and record): bytes read back from a
//! device may be torn, stale or corrupt, and are reported, never trusted.

use scramjet_net::Digest;

use crate::record::RecordMeta;

/// Device and record alignment for direct I/O.
pub const SECTOR_BYTES: usize = 4096;
/// Format version written in device headers.
pub const FORMAT_VERSION: u32 = 1;
/// Bytes of the device header (the first sector).
pub const DEVICE_HEADER_BYTES: usize = SECTOR_BYTES;
/// Bytes of a block header at the start of every write block.
pub const BLOCK_HEADER_BYTES: usize = 64;
/// Bytes of a record header.
pub const RECORD_HEADER_BYTES: usize = 60;
/// Bytes of a pad marker (fills up to a sector boundary after a partial flush).
pub const PAD_BYTES: usize = 16;
/// Record alignment within a block.
pub const RECORD_ALIGN: usize = 16;

const DEVICE_MAGIC: &[u8; 8] = b"SCRAMJET";
const BLOCK_MAGIC: u32 = u32::from_le_bytes(*b"SJBK");
const RECORD_MAGIC: u32 = u32::from_le_bytes(*b"SJRC");
const PAD_MAGIC: u32 = u32::from_le_bytes(*b"SJPD");
const NAMESPACE_FIELD_BYTES: usize = 32;

const RECORD_FLAG_TOMBSTONE: u8 = 0x01;
const RECORD_FLAG_TRUNCATE: u8 = 0x02;
const RECORD_FLAG_EVICT: u8 = 0x04;
const RECORD_FLAG_REBORN: u8 = 0x08;

const _: () = assert!(BLOCK_HEADER_BYTES.is_multiple_of(RECORD_ALIGN) && PAD_BYTES.is_multiple_of(RECORD_ALIGN));
const _: () = assert!(SECTOR_BYTES.is_multiple_of(RECORD_ALIGN));

fn u32_at(b: &[u8], at: usize) -> u32 {
    u32::from_le_bytes([b[at], b[at + 1], b[at + 2], b[at + 3]])
}

fn u64_at(b: &[u8], at: usize) -> u64 {
    let mut w = [0u8; 8];
    w.copy_from_slice(&b[at..at + 8]);
    u64::from_le_bytes(w)
}

/// Rounds `n` up to a multiple of `align` (a power of two).
pub fn align_up(n: usize, align: usize) -> usize {
    debug_assert!(align.is_power_of_two());
    (n + align - 1) & !(align - 1)
}

// ---- Device header ----

/// What the first sector of every device of a namespace says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeviceHeader {
    /// Namespace name.
    pub namespace: String,
    /// Random id shared by the devices of one namespace, fixed when it was formatted.
    pub namespace_id: u64,
    /// Write-block size in bytes.
    pub write_block_bytes: u32,
    /// Number of regions the blocks are split into (the shard count when formatted).
    pub n_regions: u32,
    /// Bytes of the device in use.
    pub device_bytes: u64,
    /// This device's index among the namespace's devices.
    pub device_index: u16,
    /// Number of devices of the namespace.
    pub n_devices: u16,
}

/// Why a device header was not accepted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HeaderError {
    /// No Scramjet header: a new (or wiped) device.
    Blank,
    /// A Scramjet header whose checksum or fields are wrong.
    Corrupt,
    /// Written by a format version this build does not read.
    Version(u32),
}

impl DeviceHeader {
    /// Encodes the header into one sector.
    pub fn encode(&self) -> Vec<u8> {
        let mut b = vec![0u8; DEVICE_HEADER_BYTES];
        b[0..8].copy_from_slice(DEVICE_MAGIC);
        b[8..12].copy_from_slice(&FORMAT_VERSION.to_le_bytes());
        let name = self.namespace.as_bytes();
        assert!(name.len() < NAMESPACE_FIELD_BYTES, "namespace names are at most 31 bytes");
        b[16..16 + name.len()].copy_from_slice(name);
        b[48..56].copy_from_slice(&self.namespace_id.to_le_bytes());
        b[56..60].copy_from_slice(&self.write_block_bytes.to_le_bytes());
        b[60..64].copy_from_slice(&self.n_regions.to_le_bytes());
        b[64..72].copy_from_slice(&self.device_bytes.to_le_bytes());
        b[72..74].copy_from_slice(&self.device_index.to_le_bytes());
        b[74..76].copy_from_slice(&self.n_devices.to_le_bytes());
        let crc = crc32c::crc32c(&b[..DEVICE_HEADER_BYTES - 4]);
        b[DEVICE_HEADER_BYTES - 4..].copy_from_slice(&crc.to_le_bytes());
        b
    }

    /// Decodes the first sector of a device.
    pub fn decode(b: &[u8]) -> Result<DeviceHeader, HeaderError> {
        if b.len() < DEVICE_HEADER_BYTES || &b[0..8] != DEVICE_MAGIC {
            return Err(HeaderError::Blank);
        }
        let crc = u32_at(b, DEVICE_HEADER_BYTES - 4);
        if crc != crc32c::crc32c(&b[..DEVICE_HEADER_BYTES - 4]) {
            return Err(HeaderError::Corrupt);
        }
        let version = u32_at(b, 8);
        if version != FORMAT_VERSION {
            return Err(HeaderError::Version(version));
        }
        let name_field = &b[16..16 + NAMESPACE_FIELD_BYTES];
        let name_len = name_field.iter().position(|&c| c == 0).unwrap_or(NAMESPACE_FIELD_BYTES);
        let namespace = std::str::from_utf8(&name_field[..name_len]).map_err(|_| HeaderError::Corrupt)?;
        Ok(DeviceHeader {
            namespace: namespace.to_string(),
            namespace_id: u64_at(b, 48),
            write_block_bytes: u32_at(b, 56),
            n_regions: u32_at(b, 60),
            device_bytes: u64_at(b, 64),
            device_index: u16::from_le_bytes([b[72], b[73]]),
            n_devices: u16::from_le_bytes([b[74], b[75]]),
        })
    }
}

// ---- Block header ----

/// Encodes a block header: the block's write sequence and the region that wrote it.
pub fn encode_block_header(seq: u64, region: u32, out: &mut [u8]) {
    assert!(out.len() >= BLOCK_HEADER_BYTES && seq > 0);
    out[..BLOCK_HEADER_BYTES].fill(0);
    out[0..4].copy_from_slice(&BLOCK_MAGIC.to_le_bytes());
    out[8..16].copy_from_slice(&seq.to_le_bytes());
    out[16..20].copy_from_slice(&region.to_le_bytes());
    let crc = crc32c::crc32c(&out[8..BLOCK_HEADER_BYTES]);
    out[4..8].copy_from_slice(&crc.to_le_bytes());
}

/// The write sequence of a block, if its header is valid.
pub fn decode_block_header(b: &[u8]) -> Option<u64> {
    if b.len() < BLOCK_HEADER_BYTES || u32_at(b, 0) != BLOCK_MAGIC {
        return None;
    }
    if u32_at(b, 4) != crc32c::crc32c(&b[8..BLOCK_HEADER_BYTES]) {
        return None;
    }
    let seq = u64_at(b, 8);
    (seq > 0).then_some(seq)
}

// ---- Records ----

/// What a marker record says.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Marker {
    /// Records of `set_name` (every set if empty) last updated before `meta.last_update_ms`
    /// are truncated.
    Truncate,
    /// Records whose void time is not after `meta.last_update_ms` (a void time, in seconds)
    /// were evicted.
    Evict,
}

/// A record as stored on a device, borrowed from a block.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DeviceRecord<'a> {
    /// The record's digest.
    pub digest: Digest,
    /// Generation, void time, last-update time (set id 0: the set is by name here).
    pub meta: RecordMeta,
    /// Set name (empty: no set).
    pub set_name: &'a [u8],
    /// True for a tombstone (durable delete).
    pub tombstone: bool,
    /// True for a record created after a non-durable delete (see `IndexEntry::is_reborn`).
    pub reborn: bool,
    /// A marker record (its digest is meaningless), or `None` for records and tombstones.
    pub marker: Option<Marker>,
    /// The stored record (key and bins), empty for a tombstone.
    pub body: &'a [u8],
}

/// Bytes a record takes in a block, padding included.
pub fn record_size(set_name_len: usize, body_len: usize) -> usize {
    align_up(RECORD_HEADER_BYTES + set_name_len + body_len, RECORD_ALIGN)
}

/// Appends an encoded record (padded to 16 bytes) for a block of write sequence `seq`.
pub fn encode_record(out: &mut Vec<u8>, seq: u64, record: &DeviceRecord<'_>) {
    assert!(record.set_name.len() <= usize::from(u8::MAX));
    let start = out.len();
    let length = RECORD_HEADER_BYTES + record.set_name.len() + record.body.len();
    out.extend_from_slice(&RECORD_MAGIC.to_le_bytes());
    out.extend_from_slice(&(length as u32).to_le_bytes());
    out.extend_from_slice(&[0; 4]); // checksum, patched below
    out.extend_from_slice(&seq.to_le_bytes());
    let flags = if record.tombstone { RECORD_FLAG_TOMBSTONE } else { 0 }
        | if record.reborn { RECORD_FLAG_REBORN } else { 0 }
        | match record.marker {
            None => 0,
            Some(Marker::Truncate) => RECORD_FLAG_TRUNCATE,
            Some(Marker::Evict) => RECORD_FLAG_EVICT,
        };
    out.push(flags);
    out.push(record.set_name.len() as u8);
    out.extend_from_slice(&record.meta.generation.to_le_bytes());
    out.extend_from_slice(&record.meta.void_time.to_le_bytes());
    out.extend_from_slice(&[0; 4]);
    out.extend_from_slice(&record.meta.last_update_ms.to_le_bytes());
    out.extend_from_slice(&record.digest.0);
    debug_assert_eq!(out.len() - start, RECORD_HEADER_BYTES);
    out.extend_from_slice(record.set_name);
    out.extend_from_slice(record.body);
    let crc = crc32c::crc32c(&out[start + 12..start + length]);
    out[start + 8..start + 12].copy_from_slice(&crc.to_le_bytes());
    out.resize(start + align_up(length, RECORD_ALIGN), 0);
}

/// Appends a pad marker covering `len` bytes (a multiple of 16, at least 16).
pub fn encode_pad(out: &mut Vec<u8>, seq: u64, len: usize) {
    assert!(len >= PAD_BYTES && len.is_multiple_of(RECORD_ALIGN));
    let start = out.len();
    out.extend_from_slice(&PAD_MAGIC.to_le_bytes());
    out.extend_from_slice(&(len as u32).to_le_bytes());
    out.extend_from_slice(&(seq as u32).to_le_bytes());
    out.extend_from_slice(&((seq >> 32) as u32).to_le_bytes());
    out.resize(start + len, 0);
}

/// Why a block scan stopped before the end of the block.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ScanEnd {
    /// Unwritten space, or data of an earlier use of the block: the normal end.
    End,
    /// A record whose checksum or layout is wrong: it and the rest of the block are skipped.
    Corrupt {
        /// Offset of the bad record in the block.
        offset: usize,
    },
}

/// Decodes the record at `offset` of a block of sequence `seq`: `Ok(Some((record, size)))`,
/// `Ok(None)` for a pad marker of `size` bytes, or where the block's data ends.
pub fn decode_at(block: &[u8], offset: usize, seq: u64) -> Result<(Option<DeviceRecord<'_>>, usize), ScanEnd> {
    let b = block.get(offset..).ok_or(ScanEnd::End)?;
    if b.len() < PAD_BYTES {
        return Err(ScanEnd::End);
    }
    match u32_at(b, 0) {
        PAD_MAGIC => {
            let len = u32_at(b, 4) as usize;
            let pad_seq = u64::from(u32_at(b, 8)) | (u64::from(u32_at(b, 12)) << 32);
            if pad_seq != seq {
                return Err(ScanEnd::End);
            }
            if len < PAD_BYTES || !len.is_multiple_of(RECORD_ALIGN) || len > b.len() {
                return Err(ScanEnd::Corrupt { offset });
            }
            Ok((None, len))
        }
        RECORD_MAGIC => {
            let corrupt = ScanEnd::Corrupt { offset };
            if b.len() < RECORD_HEADER_BYTES {
                return Err(corrupt);
            }
            let length = u32_at(b, 4) as usize;
            if length < RECORD_HEADER_BYTES || align_up(length, RECORD_ALIGN) > b.len() {
                return Err(corrupt);
            }
            if u32_at(b, 8) != crc32c::crc32c(&b[12..length]) {
                // A record of an earlier use of this block has a valid checksum but another
                // sequence; a bad checksum is damage.
                return Err(corrupt);
            }
            if u64_at(b, 12) != seq {
                return Err(ScanEnd::End);
            }
            let set_len = usize::from(b[21]);
            if RECORD_HEADER_BYTES + set_len > length {
                return Err(corrupt);
            }
            let mut digest = [0u8; 20];
            digest.copy_from_slice(&b[40..60]);
            let record = DeviceRecord {
                digest: Digest(digest),
                meta: RecordMeta {
                    generation: u16::from_le_bytes([b[22], b[23]]),
                    void_time: u32_at(b, 24),
                    last_update_ms: u64_at(b, 32),
                    set_id: 0,
                },
                set_name: &b[60..60 + set_len],
                tombstone: b[20] & RECORD_FLAG_TOMBSTONE != 0,
                reborn: b[20] & RECORD_FLAG_REBORN != 0,
                marker: if b[20] & RECORD_FLAG_TRUNCATE != 0 {
                    Some(Marker::Truncate)
                } else if b[20] & RECORD_FLAG_EVICT != 0 {
                    Some(Marker::Evict)
                } else {
                    None
                },
                body: &b[60 + set_len..length],
            };
            Ok((Some(record), align_up(length, RECORD_ALIGN)))
        }
        _ => Err(ScanEnd::End),
    }
}

/// The body of a record already checked (by [`decode_at`] when it was read back or the block
/// scanned, or written by this process), without checking its checksum again: the read path of
/// a resident record. `None` if the bytes are not a record.
pub fn resident_body(b: &[u8]) -> Option<&[u8]> {
    if b.len() < RECORD_HEADER_BYTES || u32_at(b, 0) != RECORD_MAGIC {
        return None;
    }
    let length = u32_at(b, 4) as usize;
    let start = RECORD_HEADER_BYTES + usize::from(b[21]);
    b.get(start..length)
}

/// Walks the records of a block whose header is valid; calls `visit(offset, record)` for each
/// and returns how the scan ended.
pub fn scan_block<'a>(block: &'a [u8], mut visit: impl FnMut(usize, &DeviceRecord<'a>)) -> (Option<u64>, ScanEnd) {
    let Some(seq) = decode_block_header(block) else {
        return (None, ScanEnd::End);
    };
    let mut offset = BLOCK_HEADER_BYTES;
    loop {
        match decode_at(block, offset, seq) {
            Ok((record, size)) => {
                if let Some(record) = record {
                    visit(offset, &record);
                }
                offset += size;
            }
            Err(end) => return (Some(seq), end),
        }
    }
}

/// The first offset at or after `from` (rounded up to [`RECORD_ALIGN`]) where a record or pad
/// of a block of sequence `seq` starts, checksum included: where a walk goes on after a damaged
/// record, whose length cannot be trusted. `None` if there is none before the end.
pub fn next_record(block: &[u8], from: usize, seq: u64) -> Option<usize> {
    let mut offset = align_up(from, RECORD_ALIGN);
    while offset + PAD_BYTES <= block.len() {
        if decode_at(block, offset, seq).is_ok() {
            return Some(offset);
        }
        offset += RECORD_ALIGN;
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record<'a>(n: u8, body: &'a [u8], set: &'a [u8]) -> DeviceRecord<'a> {
        DeviceRecord {
            digest: Digest([n; 20]),
            meta: RecordMeta { generation: u16::from(n), void_time: 77, last_update_ms: 123_456, set_id: 0 },
            set_name: set,
            tombstone: n.is_multiple_of(2),
            // Round-trips too (records 3, 7, 11, ...).
            reborn: n % 4 == 3,
            marker: None,
            body,
        }
    }

    fn block_with(seq: u64, records: &[DeviceRecord<'_>]) -> Vec<u8> {
        let mut block = vec![0u8; BLOCK_HEADER_BYTES];
        encode_block_header(seq, 3, &mut block);
        for r in records {
            encode_record(&mut block, seq, r);
        }
        block.resize(64 * 1024, 0);
        block
    }

    #[test]
    fn device_header_round_trip_and_rejections() {
        let header = DeviceHeader {
            namespace: "users".into(),
            namespace_id: 42,
            write_block_bytes: 1 << 20,
            n_regions: 2,
            device_bytes: 1 << 30,
            device_index: 1,
            n_devices: 2,
        };
        let bytes = header.encode();
        assert_eq!(DeviceHeader::decode(&bytes), Ok(header));
        assert_eq!(DeviceHeader::decode(&[0; 4096]), Err(HeaderError::Blank));
        let mut corrupt = bytes.clone();
        corrupt[100] ^= 1;
        assert_eq!(DeviceHeader::decode(&corrupt), Err(HeaderError::Corrupt));
    }

    #[test]
    fn records_and_pads_scan_back() {
        let records = [record(1, b"body-one", b"set"), record(2, b"", b""), record(3, &[7; 100], b"s")];
        let mut block = vec![0u8; BLOCK_HEADER_BYTES];
        encode_block_header(9, 0, &mut block);
        encode_record(&mut block, 9, &records[0]);
        let pad = align_up(block.len(), 256) - block.len();
        encode_pad(&mut block, 9, pad.max(PAD_BYTES));
        encode_record(&mut block, 9, &records[1]);
        encode_record(&mut block, 9, &records[2]);
        block.resize(8192, 0);
        let mut seen = Vec::new();
        let (seq, end) = scan_block(&block, |_, r| seen.push(*r));
        assert_eq!(seq, Some(9));
        assert_eq!(end, ScanEnd::End);
        assert_eq!(seen, records);
    }

    #[test]
    fn a_resident_body_is_what_decode_gives() {
        for (n, body, set) in [(1, &b"body-one"[..], &b"set"[..]), (2, b"", b""), (3, &[7; 100], b"a-set-name")] {
            let mut bytes = Vec::new();
            encode_record(&mut bytes, 4, &record(n, body, set));
            let (decoded, _) = decode_at(&bytes, 0, 4).unwrap();
            assert_eq!(resident_body(&bytes), Some(decoded.unwrap().body));
            assert_eq!(resident_body(&bytes), Some(body));
        }
        let mut pad = Vec::new();
        encode_pad(&mut pad, 4, PAD_BYTES);
        assert_eq!(resident_body(&pad), None);
        assert_eq!(resident_body(&[0; 8]), None);
    }

    #[test]
    fn stale_records_of_an_earlier_use_end_the_scan() {
        // The block was used with sequence 5, then reused with 8 and only one record written.
        let old = block_with(5, &[record(1, b"a", b""), record(3, b"b", b""), record(5, b"c", b"")]);
        let mut reused = old.clone();
        let fresh = block_with(8, &[record(7, b"new", b"")]);
        let fresh_len = BLOCK_HEADER_BYTES + record_size(0, 3);
        reused[..fresh_len].copy_from_slice(&fresh[..fresh_len]);
        let mut seen = Vec::new();
        let (seq, end) = scan_block(&reused, |_, r| seen.push(r.digest));
        assert_eq!((seq, end), (Some(8), ScanEnd::End));
        assert_eq!(seen, [Digest([7; 20])]);
    }

    #[test]
    fn corruption_is_reported_at_its_offset_and_nothing_panics() {
        let block = block_with(4, &[record(1, b"alpha", b"x"), record(3, b"beta", b"")]);
        let second = BLOCK_HEADER_BYTES + record_size(1, 5);
        let mut damaged = block.clone();
        damaged[second + 62] ^= 0xFF;
        let mut seen = 0;
        let (_, end) = scan_block(&damaged, |_, _| seen += 1);
        assert_eq!(seen, 1);
        assert_eq!(end, ScanEnd::Corrupt { offset: second });
        // Any single-byte change anywhere in the used part: no panic, at most the two records.
        for i in 0..second + record_size(0, 4) {
            for value in [0u8, 0xFF, 0x10] {
                let mut b = block.clone();
                b[i] = value;
                let mut n = 0;
                let _ = scan_block(&b, |_, _| n += 1);
                assert!(n <= 2);
            }
        }
    }
}

//! The stored form of a record: one flat byte string per record, the same for every medium.
//!
//! ```text
//! u8      flags            bit 0: a user key follows
//! [u16    key_len  BE]     only with the key flag
//! [key_len bytes]          the KEY field as sent: particle type byte, then the key bytes
//! u16     n_bins   BE
//! n_bins × ( u8 name_len | name | u8 particle type | u32 value_len BE | value )
//! ```
//!
//! The metadata (digest, generation, void time, last-update time, set) lives in the index
//! entry. Parsing is checked: a stored form that does not parse is reported, never a panic,
//! because later media can hand back corrupt bytes.

use scramjet_net::ParticleType;

use crate::StorageError;

/// Most bins a record may hold (Aerospike's limit).
pub const MAX_BINS: usize = 0x7FFF;

const FLAG_HAS_KEY: u8 = 0x01;

/// The metadata of a record, kept in its index entry.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RecordMeta {
    /// Bumped on every write; starts at 1; wraps skipping 0.
    pub generation: u16,
    /// Expiry in citrusleaf-epoch seconds; 0 = never.
    pub void_time: u32,
    /// Last update in citrusleaf-epoch milliseconds.
    pub last_update_ms: u64,
    /// Set id in the namespace's set table; 0 = no set.
    pub set_id: u16,
}

impl RecordMeta {
    /// True if the record has expired at `now_secs` (a record is live through its void time).
    pub fn is_expired(&self, now_secs: u32) -> bool {
        self.void_time != 0 && self.void_time < now_secs
    }
}

/// The generation after `generation`: wraps from 65535 to 1, never 0.
pub fn next_generation(generation: u16) -> u16 {
    if generation == u16::MAX {
        1
    } else {
        generation + 1
    }
}

/// A bin seen through a stored record or a request: borrowed name and value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BinRef<'a> {
    /// Bin name (1..=15 bytes; the server checks).
    pub name: &'a [u8],
    /// The value's type.
    pub particle: ParticleType,
    /// The value's bytes (integers are 8 bytes big-endian).
    pub value: &'a [u8],
}

/// A record's stored bytes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredRecord(Box<[u8]>);

impl StoredRecord {
    /// Encodes a record from its user key (the KEY field data) and bins.
    pub fn encode<'a>(
        key: Option<&[u8]>,
        bins: impl ExactSizeIterator<Item = BinRef<'a>> + Clone,
    ) -> Result<StoredRecord, StorageError> {
        let n_bins = bins.len();
        if n_bins > MAX_BINS {
            return Err(StorageError::TooManyBins);
        }
        let key_len = key.map_or(0, |k| 2 + k.len());
        let bins_len: usize = bins.clone().map(|b| 1 + b.name.len() + 1 + 4 + b.value.len()).sum();
        let mut out = Vec::with_capacity(1 + key_len + 2 + bins_len);
        match key {
            Some(key) => {
                let len = u16::try_from(key.len()).map_err(|_| StorageError::RecordTooBig)?;
                out.push(FLAG_HAS_KEY);
                out.extend_from_slice(&len.to_be_bytes());
                out.extend_from_slice(key);
            }
            None => out.push(0),
        }
        out.extend_from_slice(&(n_bins as u16).to_be_bytes());
        for bin in bins {
            assert!(bin.name.len() <= usize::from(u8::MAX), "bin names are checked upstream");
            let value_len = u32::try_from(bin.value.len()).map_err(|_| StorageError::RecordTooBig)?;
            out.push(bin.name.len() as u8);
            out.extend_from_slice(bin.name);
            out.push(bin.particle as u8);
            out.extend_from_slice(&value_len.to_be_bytes());
            out.extend_from_slice(bin.value);
        }
        debug_assert_eq!(out.len(), 1 + key_len + 2 + bins_len);
        Ok(StoredRecord(out.into_boxed_slice()))
    }

    /// Wraps bytes read back from a medium (checked when parsed).
    pub fn from_bytes(bytes: Box<[u8]>) -> StoredRecord {
        StoredRecord(bytes)
    }

    /// The stored bytes.
    pub fn bytes(&self) -> &[u8] {
        &self.0
    }

    /// Size in bytes (what the memory budget counts).
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// True if the record has no bytes (never, for an encoded record).
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Parses the stored form; `None` if it is corrupt.
    pub fn view(&self) -> Option<RecordView<'_>> {
        RecordView::parse(&self.0)
    }
}

/// A parsed stored record: its key and an iterator source for its bins.
#[derive(Debug, Clone, Copy)]
pub struct RecordView<'a> {
    /// The stored user key (KEY field data), if any.
    pub key: Option<&'a [u8]>,
    n_bins: usize,
    bins: &'a [u8],
}

impl<'a> RecordView<'a> {
    /// Parses and checks a whole stored record.
    pub fn parse(bytes: &'a [u8]) -> Option<RecordView<'a>> {
        let (&flags, mut rest) = bytes.split_first()?;
        let mut key = None;
        if flags & FLAG_HAS_KEY != 0 {
            let len = usize::from(u16::from_be_bytes(rest.get(..2)?.try_into().ok()?));
            key = Some(rest.get(2..2 + len)?);
            rest = &rest[2 + len..];
        }
        let n_bins = usize::from(u16::from_be_bytes(rest.get(..2)?.try_into().ok()?));
        let bins = &rest[2..];
        let view = RecordView { key, n_bins, bins };
        // Walk once so that iteration afterwards cannot fail.
        let mut iter = BinIter { rest: bins, remaining: n_bins };
        for _ in 0..n_bins {
            iter.next_checked()??;
        }
        iter.rest.is_empty().then_some(view)
    }

    /// Number of bins.
    pub fn n_bins(&self) -> usize {
        self.n_bins
    }

    /// The bins, in stored order.
    pub fn bins(&self) -> BinIter<'a> {
        BinIter { rest: self.bins, remaining: self.n_bins }
    }

    /// The bin named `name`, if present.
    pub fn bin(&self, name: &[u8]) -> Option<BinRef<'a>> {
        self.bins().find(|b| b.name == name)
    }
}

/// Iterator over a parsed record's bins.
#[derive(Debug, Clone)]
pub struct BinIter<'a> {
    rest: &'a [u8],
    remaining: usize,
}

impl<'a> BinIter<'a> {
    fn next_checked(&mut self) -> Option<Option<BinRef<'a>>> {
        if self.remaining == 0 {
            return Some(None);
        }
        let name_len = usize::from(*self.rest.first()?);
        let name = self.rest.get(1..1 + name_len)?;
        let at = 1 + name_len;
        let particle = ParticleType::from_u8(*self.rest.get(at)?)?;
        let len_bytes: [u8; 4] = self.rest.get(at + 1..at + 5)?.try_into().ok()?;
        let value_len = u32::from_be_bytes(len_bytes) as usize;
        let value = self.rest.get(at + 5..at + 5 + value_len)?;
        self.rest = &self.rest[at + 5 + value_len..];
        self.remaining -= 1;
        Some(Some(BinRef { name, particle, value }))
    }
}

impl<'a> Iterator for BinIter<'a> {
    type Item = BinRef<'a>;
    fn next(&mut self) -> Option<BinRef<'a>> {
        self.next_checked().flatten()
    }
}

impl ExactSizeIterator for BinIter<'_> {}

impl BinIter<'_> {
    /// Bins not yet yielded.
    pub fn remaining(&self) -> usize {
        self.remaining
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bin<'a>(name: &'a str, particle: ParticleType, value: &'a [u8]) -> BinRef<'a> {
        BinRef { name: name.as_bytes(), particle, value }
    }

    #[test]
    fn round_trip_with_and_without_key() {
        let seven = 7i64.to_be_bytes();
        let bins = [bin("a", ParticleType::Integer, &seven), bin("b", ParticleType::String, b"hi")];
        for key in [None, Some(&b"\x03user-key"[..])] {
            let stored = StoredRecord::encode(key, bins.iter().copied()).unwrap();
            let view = stored.view().unwrap();
            assert_eq!(view.key, key);
            assert_eq!(view.n_bins(), 2);
            assert_eq!(view.bins().collect::<Vec<_>>(), bins);
            assert_eq!(view.bin(b"b").unwrap().value, b"hi");
            assert!(view.bin(b"c").is_none());
        }
    }

    #[test]
    fn corrupt_bytes_do_not_parse_and_do_not_panic() {
        let stored =
            StoredRecord::encode(Some(b"\x01abcdefgh"), [bin("x", ParticleType::Blob, b"12345")].into_iter()).unwrap();
        let bytes = stored.bytes();
        for end in 0..bytes.len() {
            assert!(RecordView::parse(&bytes[..end]).is_none(), "prefix {end} parsed");
        }
        for i in 0..bytes.len() {
            for value in [0u8, 0x01, 0x7F, 0xFF] {
                let mut corrupt = bytes.to_vec();
                corrupt[i] = value;
                if let Some(view) = RecordView::parse(&corrupt) {
                    assert_eq!(view.bins().count(), view.n_bins());
                }
            }
        }
    }

    #[test]
    fn generation_wraps_past_zero() {
        assert_eq!(next_generation(1), 2);
        assert_eq!(next_generation(u16::MAX), 1);
    }

    #[test]
    fn expiry_is_exclusive_of_void_time() {
        let meta = RecordMeta { generation: 1, void_time: 100, last_update_ms: 0, set_id: 0 };
        assert!(!meta.is_expired(100));
        assert!(meta.is_expired(101));
        let never = RecordMeta { void_time: 0, ..meta };
        assert!(!never.is_expired(u32::MAX));
    }
}

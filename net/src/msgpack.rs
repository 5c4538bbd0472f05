//! A minimal msgpack reader: enough to walk filter expressions (PROTOCOL.md §3, field 43).
//! Every read is checked; malformed input is an error, never a panic.

use crate::DecodeError;

/// One msgpack item. Containers give their length; their items follow.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Item<'a> {
    /// nil.
    Nil,
    /// true / false.
    Bool(bool),
    /// Any integer that fits i64.
    Int(i64),
    /// An unsigned integer above i64::MAX.
    UInt(u64),
    /// float32 or float64.
    Float(f64),
    /// str bytes.
    Str(&'a [u8]),
    /// bin bytes.
    Bin(&'a [u8]),
    /// An array of this many items.
    Array(usize),
    /// A map of this many key/value pairs.
    Map(usize),
    /// An extension value (type, data).
    Ext(i8, &'a [u8]),
}

/// Reads items in order from a byte slice.
#[derive(Debug, Clone)]
pub struct Reader<'a> {
    bytes: &'a [u8],
    pos: usize,
}

impl<'a> Reader<'a> {
    /// A reader at the start of `bytes`.
    pub fn new(bytes: &'a [u8]) -> Reader<'a> {
        Reader { bytes, pos: 0 }
    }

    /// True once every byte was read.
    pub fn is_done(&self) -> bool {
        self.pos == self.bytes.len()
    }

    /// The raw bytes of the next item, containers with everything in them; the reader moves
    /// past it. Counts are checked against the bytes left, never trusted.
    pub fn raw_item(&mut self) -> Result<&'a [u8], DecodeError> {
        let start = self.pos;
        let mut left: u64 = 1;
        while left > 0 {
            left -= 1;
            let children = match self.read()? {
                Item::Array(n) => n as u64,
                Item::Map(n) => 2 * n as u64,
                _ => 0,
            };
            if children > (self.bytes.len() - self.pos) as u64 {
                return Err(DecodeError::Truncated);
            }
            left += children;
        }
        Ok(&self.bytes[start..self.pos])
    }

    fn take(&mut self, n: usize) -> Result<&'a [u8], DecodeError> {
        let end = self.pos.checked_add(n).ok_or(DecodeError::Truncated)?;
        let bytes = self.bytes.get(self.pos..end).ok_or(DecodeError::Truncated)?;
        self.pos = end;
        Ok(bytes)
    }

    fn be(&mut self, n: usize) -> Result<u64, DecodeError> {
        Ok(self.take(n)?.iter().fold(0u64, |acc, &b| (acc << 8) | u64::from(b)))
    }

    /// The next item.
    pub fn read(&mut self) -> Result<Item<'a>, DecodeError> {
        let tag = self.take(1)?[0];
        Ok(match tag {
            0x00..=0x7f => Item::Int(i64::from(tag)),
            0x80..=0x8f => Item::Map(usize::from(tag & 0x0f)),
            0x90..=0x9f => Item::Array(usize::from(tag & 0x0f)),
            0xa0..=0xbf => Item::Str(self.take(usize::from(tag & 0x1f))?),
            0xc0 => Item::Nil,
            0xc2 => Item::Bool(false),
            0xc3 => Item::Bool(true),
            0xc4..=0xc6 => {
                let n = self.be(1 << (tag - 0xc4))? as usize;
                Item::Bin(self.take(n)?)
            }
            0xc7..=0xc9 => {
                let n = self.be(1 << (tag - 0xc7))? as usize;
                let ty = self.take(1)?[0] as i8;
                Item::Ext(ty, self.take(n)?)
            }
            0xca => Item::Float(f64::from(f32::from_bits(self.be(4)? as u32))),
            0xcb => Item::Float(f64::from_bits(self.be(8)?)),
            0xcc..=0xcf => {
                let v = self.be(1 << (tag - 0xcc))?;
                match i64::try_from(v) {
                    Ok(v) => Item::Int(v),
                    Err(_) => Item::UInt(v),
                }
            }
            0xd0 => Item::Int(i64::from(self.be(1)? as u8 as i8)),
            0xd1 => Item::Int(i64::from(self.be(2)? as u16 as i16)),
            0xd2 => Item::Int(i64::from(self.be(4)? as u32 as i32)),
            0xd3 => Item::Int(self.be(8)? as i64),
            0xd4..=0xd8 => {
                let ty = self.take(1)?[0] as i8;
                Item::Ext(ty, self.take(1 << (tag - 0xd4))?)
            }
            0xd9..=0xdb => {
                let n = self.be(1 << (tag - 0xd9))? as usize;
                Item::Str(self.take(n)?)
            }
            0xdc | 0xdd => Item::Array(self.be(2 << (tag - 0xdc))? as usize),
            0xde | 0xdf => Item::Map(self.be(2 << (tag - 0xde))? as usize),
            0xe0..=0xff => Item::Int(i64::from(tag as i8)),
            0xc1 => return Err(DecodeError::BadValue),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_common_forms() {
        let bytes =
            [0x93, 0x05, 0xd0, 0xfb, 0xa2, b'h', b'i', 0xcd, 0x01, 0x00, 0xc3, 0xcb, 0x3f, 0xf8, 0, 0, 0, 0, 0, 0];
        let mut r = Reader::new(&bytes);
        assert_eq!(r.read(), Ok(Item::Array(3)));
        assert_eq!(r.read(), Ok(Item::Int(5)));
        assert_eq!(r.read(), Ok(Item::Int(-5)));
        assert_eq!(r.read(), Ok(Item::Str(b"hi")));
        assert_eq!(r.read(), Ok(Item::Int(256)));
        assert_eq!(r.read(), Ok(Item::Bool(true)));
        assert_eq!(r.read(), Ok(Item::Float(1.5)));
        assert!(r.is_done());
        assert_eq!(r.read(), Err(DecodeError::Truncated));
    }

    #[test]
    fn never_panics() {
        for tag in 0..=255u8 {
            for len in 0..12 {
                let mut bytes = vec![tag];
                bytes.extend(std::iter::repeat_n(0xff, len));
                let mut r = Reader::new(&bytes);
                while r.read().is_ok() && !r.is_done() {}
            }
        }
    }
}

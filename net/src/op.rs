//! Operations (bins): `size (u32 BE) | op type | particle type | flags | name len | name |
//! [lut] | value` (PROTOCOL.md §4). The size counts everything after itself.

use crate::DecodeError;

/// Bytes before an op's name: 4 size bytes, op type, particle type, flags, name length.
pub const OP_HEADER_SIZE: usize = 8;
/// Longest bin name (the server's limit is 16 bytes including a terminator).
pub const BIN_NAME_MAX_LEN: usize = 15;
/// Op flag: an 8-byte last-update time follows the name (XDR only).
pub const OP_FLAG_HAS_LUT: u8 = 0x01;

/// Op type codes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(u8)]
pub enum OpType {
    /// Read a bin, or every bin with an empty name.
    Read = 1,
    /// Write a bin; a NULL value deletes it.
    Write = 2,
    /// List/map read.
    CdtRead = 3,
    /// List/map modify.
    CdtModify = 4,
    /// Add to an integer or float bin.
    Incr = 5,
    /// Expression read.
    ExpRead = 7,
    /// Expression modify.
    ExpModify = 8,
    /// Append to a string or blob.
    Append = 9,
    /// Prepend to a string or blob.
    Prepend = 10,
    /// Reset the TTL and bump the generation.
    Touch = 11,
    /// Bit-operation read.
    BitRead = 12,
    /// Bit-operation modify.
    BitModify = 13,
    /// Delete the whole record.
    Delete = 14,
    /// HyperLogLog read.
    HllRead = 15,
    /// HyperLogLog modify.
    HllModify = 16,
}

impl OpType {
    /// The op type for a wire byte, if it is one.
    pub fn from_u8(value: u8) -> Option<OpType> {
        use OpType::*;
        Some(match value {
            1 => Read,
            2 => Write,
            3 => CdtRead,
            4 => CdtModify,
            5 => Incr,
            7 => ExpRead,
            8 => ExpModify,
            9 => Append,
            10 => Prepend,
            11 => Touch,
            12 => BitRead,
            13 => BitModify,
            14 => Delete,
            15 => HllRead,
            16 => HllModify,
            _ => return None,
        })
    }

    /// True if the op changes the record.
    pub fn is_write(self) -> bool {
        use OpType::*;
        matches!(self, Write | CdtModify | Incr | ExpModify | Append | Prepend | Touch | BitModify | Delete | HllModify)
    }
}

/// One op of a message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Op<'a> {
    /// The op type byte (see [`OpType`]).
    pub op_type: u8,
    /// The value's particle type byte.
    pub particle_type: u8,
    /// Bin name bytes (not checked for length here).
    pub name: &'a [u8],
    /// XDR last-update time, when the has-lut flag is set.
    pub lut: Option<u64>,
    /// The value bytes.
    pub value: &'a [u8],
}

/// Appends an op to `buf`.
pub fn write_op(buf: &mut Vec<u8>, op_type: u8, particle_type: u8, name: &[u8], value: &[u8]) {
    assert!(name.len() <= usize::from(u8::MAX), "bin name length fits one byte");
    let size = u32::try_from(4 + name.len() + value.len()).expect("op fits u32");
    buf.extend_from_slice(&size.to_be_bytes());
    buf.extend_from_slice(&[op_type, particle_type, 0, name.len() as u8]);
    buf.extend_from_slice(name);
    buf.extend_from_slice(value);
}

/// Splits the op at the start of `bytes`: returns it and the bytes after it.
pub(crate) fn split_op(bytes: &[u8]) -> Result<(Op<'_>, &[u8]), DecodeError> {
    let head = bytes.get(..OP_HEADER_SIZE).ok_or(DecodeError::Truncated)?;
    let size = u32::from_be_bytes([head[0], head[1], head[2], head[3]]) as usize;
    let (op_type, particle_type, flags, name_len) = (head[4], head[5], head[6], head[7] as usize);
    let lut_len = if flags & OP_FLAG_HAS_LUT != 0 { 8 } else { 0 };
    if size < 4 + name_len + lut_len {
        return Err(DecodeError::BadOpSize);
    }
    let end = 4usize.checked_add(size).ok_or(DecodeError::Truncated)?;
    let op_bytes = bytes.get(OP_HEADER_SIZE..end).ok_or(DecodeError::Truncated)?;
    let (name, rest) = op_bytes.split_at(name_len);
    let (lut_bytes, value) = rest.split_at(lut_len);
    let lut = (lut_len == 8).then(|| u64::from_be_bytes(lut_bytes.try_into().unwrap_or_default()));
    Ok((Op { op_type, particle_type, name, lut, value }, &bytes[end..]))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn write_then_split() {
        let mut buf = Vec::new();
        write_op(&mut buf, OpType::Write as u8, 3, b"name", b"value");
        let (op, rest) = split_op(&buf).unwrap();
        assert!(rest.is_empty());
        assert_eq!(op.name, b"name");
        assert_eq!(op.value, b"value");
        assert_eq!(op.op_type, 2);
        assert_eq!(op.lut, None);
    }

    #[test]
    fn size_too_small_for_name() {
        let bytes = [0, 0, 0, 4, 2, 3, 0, 5, b'a', b'b'];
        assert_eq!(split_op(&bytes), Err(DecodeError::BadOpSize));
    }
}

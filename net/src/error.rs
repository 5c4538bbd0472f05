//! The one error type of decoding. Every variant maps to result code 4 (PARAMETER) on the wire;
//! the variants exist so that logs and tests can say what was wrong.

use std::fmt;

/// Why a byte sequence is not a valid protocol element.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum DecodeError {
    /// The input ended before the element did.
    Truncated,
    /// Bytes remain after the announced fields and ops.
    TrailingBytes,
    /// The proto header's version byte is not 2.
    BadVersion(u8),
    /// The proto header's type byte is not one we know.
    BadProtoType(u8),
    /// The announced body is larger than [`crate::PROTO_SIZE_MAX`].
    TooLarge(u64),
    /// The `as_msg` header size byte is not 22.
    BadHeaderSize(u8),
    /// A field's size is zero (it must count at least its type byte).
    BadFieldSize,
    /// An op's size is smaller than its own fixed part plus the bin name.
    BadOpSize,
    /// A value's length does not fit its particle type.
    BadValue,
    /// The digest field is not exactly 20 bytes.
    BadDigest,
    /// A fabric frame that does not parse (what is wrong with it).
    Fabric(&'static str),
}

impl fmt::Display for DecodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DecodeError::Truncated => write!(f, "message truncated"),
            DecodeError::TrailingBytes => write!(f, "bytes left after the last op"),
            DecodeError::BadVersion(v) => write!(f, "proto version {v}, expected 2"),
            DecodeError::BadProtoType(t) => write!(f, "unknown proto type {t}"),
            DecodeError::TooLarge(n) => write!(f, "proto size {n} over the 128 MiB cap"),
            DecodeError::BadHeaderSize(n) => write!(f, "as_msg header size {n}, expected 22"),
            DecodeError::BadFieldSize => write!(f, "field size 0"),
            DecodeError::BadOpSize => write!(f, "op size smaller than its header and name"),
            DecodeError::BadValue => write!(f, "value length does not fit its particle type"),
            DecodeError::BadDigest => write!(f, "digest field is not 20 bytes"),
            DecodeError::Fabric(what) => write!(f, "bad fabric frame: {what}"),
        }
    }
}

impl std::error::Error for DecodeError {}

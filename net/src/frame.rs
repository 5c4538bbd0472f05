//! The 8-byte proto header that starts every message in both directions (PROTOCOL.md §1).
//!
//! Read as one big-endian u64: version (8 bits, always 2), type (8 bits), body size (48 bits).

use crate::DecodeError;

/// Size of the proto header in bytes.
pub const PROTO_HEADER_SIZE: usize = 8;
/// Largest body either side accepts: 128 MiB.
pub const PROTO_SIZE_MAX: u64 = 128 * 1024 * 1024;
/// The only protocol version.
pub const PROTO_VERSION: u8 = 2;

/// What a message body holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProtoType {
    /// Text info commands (PROTOCOL.md §7).
    Info = 1,
    /// Login and user administration (§10).
    Admin = 2,
    /// A data command: `as_msg` (§2).
    Message = 3,
    /// A zlib-compressed `as_msg` (§10).
    Compressed = 4,
    /// Server-internal XDR traffic.
    InternalXdr = 5,
}

impl ProtoType {
    /// The type for a wire byte, if it is one.
    pub fn from_u8(value: u8) -> Option<ProtoType> {
        match value {
            1 => Some(ProtoType::Info),
            2 => Some(ProtoType::Admin),
            3 => Some(ProtoType::Message),
            4 => Some(ProtoType::Compressed),
            5 => Some(ProtoType::InternalXdr),
            _ => None,
        }
    }
}

/// A decoded proto header.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ProtoHeader {
    /// What the body holds.
    pub proto_type: ProtoType,
    /// Body size in bytes (after the 8 header bytes), at most [`PROTO_SIZE_MAX`].
    pub size: u64,
}

impl ProtoHeader {
    /// Decodes and validates a header: version 2 (0 tolerated for admin, as the server does),
    /// a known type and a size under the cap.
    pub fn decode(bytes: [u8; PROTO_HEADER_SIZE]) -> Result<ProtoHeader, DecodeError> {
        let word = u64::from_be_bytes(bytes);
        let version = bytes[0];
        let type_byte = bytes[1];
        let size = word & 0x0000_FFFF_FFFF_FFFF;
        let proto_type = ProtoType::from_u8(type_byte).ok_or(DecodeError::BadProtoType(type_byte))?;
        let version_ok = version == PROTO_VERSION || (version == 0 && proto_type == ProtoType::Admin);
        if !version_ok {
            return Err(DecodeError::BadVersion(version));
        }
        if size > PROTO_SIZE_MAX {
            return Err(DecodeError::TooLarge(size));
        }
        Ok(ProtoHeader { proto_type, size })
    }

    /// Encodes a header for a body of `size` bytes.
    pub fn encode(proto_type: ProtoType, size: u64) -> [u8; PROTO_HEADER_SIZE] {
        assert!(size <= 0x0000_FFFF_FFFF_FFFF, "proto size must fit 48 bits");
        let word = (u64::from(PROTO_VERSION) << 56) | ((proto_type as u64) << 48) | size;
        word.to_be_bytes()
    }
}

/// Patches the header at `buf[start..start + 8]` so that its size covers everything after it.
pub fn patch_size(buf: &mut [u8], start: usize, proto_type: ProtoType) {
    let size = (buf.len() - start - PROTO_HEADER_SIZE) as u64;
    buf[start..start + PROTO_HEADER_SIZE].copy_from_slice(&ProtoHeader::encode(proto_type, size));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn info_node_request() {
        let bytes = [0x02, 0x01, 0, 0, 0, 0, 0, 5];
        let header = ProtoHeader::decode(bytes).unwrap();
        assert_eq!(header, ProtoHeader { proto_type: ProtoType::Info, size: 5 });
        assert_eq!(ProtoHeader::encode(ProtoType::Info, 5), bytes);
    }

    #[test]
    fn rejects_bad_headers() {
        assert_eq!(ProtoHeader::decode([3, 1, 0, 0, 0, 0, 0, 1]), Err(DecodeError::BadVersion(3)));
        assert_eq!(ProtoHeader::decode([2, 9, 0, 0, 0, 0, 0, 1]), Err(DecodeError::BadProtoType(9)));
        assert_eq!(ProtoHeader::decode([2, 0, 0, 0, 0, 0, 0, 1]), Err(DecodeError::BadProtoType(0)));
        let over = ProtoHeader::encode(ProtoType::Message, PROTO_SIZE_MAX + 1);
        assert_eq!(ProtoHeader::decode(over), Err(DecodeError::TooLarge(PROTO_SIZE_MAX + 1)));
        let at_cap = ProtoHeader::encode(ProtoType::Message, PROTO_SIZE_MAX);
        assert!(ProtoHeader::decode(at_cap).is_ok());
        // Version 0 is tolerated for admin messages only.
        assert!(ProtoHeader::decode([0, 2, 0, 0, 0, 0, 0, 16]).is_ok());
        assert_eq!(ProtoHeader::decode([0, 3, 0, 0, 0, 0, 0, 16]), Err(DecodeError::BadVersion(0)));
    }

    #[test]
    fn every_type_and_version_byte_is_decided() {
        for version in 0..=255u8 {
            for proto_type in 0..=255u8 {
                let bytes = [version, proto_type, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF];
                // The size is over the cap, so nothing is accepted; nothing panics either.
                assert!(ProtoHeader::decode(bytes).is_err());
            }
        }
    }
}

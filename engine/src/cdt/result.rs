//! What an op returns (§A.4): the return types (`rtype`), and the op's result as the bin the
//! response carries.

use super::msgpack::{self, read_header, Header, BYTES_BLOB, BYTES_GEOJSON, BYTES_STRING};
use super::CdtError;

/// Return type: nothing.
pub const NONE: u64 = 0;
/// Return type: the index (or indexes) of what was selected.
pub const INDEX: u64 = 1;
/// Return type: index counted from the end (`size - 1 - index`).
pub const REVERSE_INDEX: u64 = 2;
/// Return type: the rank (or ranks).
pub const RANK: u64 = 3;
/// Return type: rank counted from the largest.
pub const REVERSE_RANK: u64 = 4;
/// Return type: how many were selected.
pub const COUNT: u64 = 5;
/// Return type: map keys.
pub const KEY: u64 = 6;
/// Return type: the values.
pub const VALUE: u64 = 7;
/// Return type: map keys and values.
pub const KEY_VALUE: u64 = 8;
/// Return type: whether anything was selected.
pub const EXISTS: u64 = 13;
/// Return type: an unordered map.
pub const UNORDERED_MAP: u64 = 16;
/// Return type: a K-ordered map.
pub const ORDERED_MAP: u64 = 17;
/// Flag of a return type: select the complement.
pub const INVERTED: u64 = 0x10000;

/// An op's result.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CdtResult {
    /// No result: the response has no entry for the op.
    None,
    /// An integer.
    Int(i64),
    /// A bool.
    Bool(bool),
    /// One packed element (a value, or a list or map of results).
    Element(Vec<u8>),
}

/// What an op did to its container: the new bytes (if it changed or was created) and the
/// op's result.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Applied {
    /// The container's new bytes.
    pub new: Option<Vec<u8>>,
    /// The op's result.
    pub result: CdtResult,
}

impl Applied {
    /// A read: nothing changed.
    pub fn read(result: CdtResult) -> Applied {
        Applied { new: None, result }
    }

    /// A refused write: nothing happens when the op's write flags ask for no failure
    /// (`no_fail`), else the error.
    pub fn refused(no_fail: bool, e: CdtError) -> Result<Applied, CdtError> {
        if no_fail {
            return Ok(Applied::read(CdtResult::None));
        }
        Err(e)
    }

    /// A write: the container is now `new`.
    pub fn wrote(new: Vec<u8>, result: CdtResult) -> Applied {
        Applied { new: Some(new), result }
    }
}

/// Particle types of result bins (as `scramjet_net::ParticleType` numbers them).
pub mod particle {
    /// Integer: 8 bytes big-endian.
    pub const INTEGER: u8 = 1;
    /// Float: 8 bytes big-endian IEEE-754.
    pub const FLOAT: u8 = 2;
    /// String: UTF-8 bytes.
    pub const STRING: u8 = 3;
    /// Blob: bytes.
    pub const BLOB: u8 = 4;
    /// Bool: one byte.
    pub const BOOL: u8 = 17;
    /// GeoJSON: flags, cell count, cells, JSON text.
    pub const GEOJSON: u8 = 23;
    /// Map: msgpack.
    pub const MAP: u8 = 19;
    /// List: msgpack.
    pub const LIST: u8 = 20;
}

impl CdtResult {
    /// A list of integers.
    pub fn int_list(values: impl ExactSizeIterator<Item = i64>) -> CdtResult {
        let mut out = Vec::with_capacity(1 + values.len() * 2);
        msgpack::pack_list_header(&mut out, values.len());
        for v in values {
            msgpack::pack_int(&mut out, v);
        }
        CdtResult::Element(out)
    }

    /// A list of packed elements.
    pub fn element_list<'a>(elements: impl ExactSizeIterator<Item = &'a [u8]>) -> CdtResult {
        let mut out = Vec::new();
        msgpack::pack_list_header(&mut out, elements.len());
        for element in elements {
            out.extend_from_slice(element);
        }
        CdtResult::Element(out)
    }

    /// The result as a response bin: its particle type and bytes; `None` for no result.
    pub fn to_bin(&self) -> Result<Option<(u8, Vec<u8>)>, CdtError> {
        Ok(Some(match self {
            CdtResult::None => return Ok(None),
            CdtResult::Int(v) => (particle::INTEGER, v.to_be_bytes().to_vec()),
            CdtResult::Bool(v) => (particle::BOOL, vec![u8::from(*v)]),
            CdtResult::Element(bytes) => return element_to_bin(bytes),
        }))
    }
}

/// One packed element as a response bin (a string element becomes a STRING bin, and so on).
/// nil is no result.
pub fn element_to_bin(bytes: &[u8]) -> Result<Option<(u8, Vec<u8>)>, CdtError> {
    let (header, _) = read_header(bytes, 0)?;
    Ok(Some(match header {
        Header::Nil => return Ok(None),
        Header::Bool(v) => (particle::BOOL, vec![u8::from(v)]),
        Header::Int(v) => (particle::INTEGER, v.to_be_bytes().to_vec()),
        Header::UInt(v) => (particle::INTEGER, v.to_be_bytes().to_vec()),
        Header::Double(v) => (particle::FLOAT, v.to_be_bytes().to_vec()),
        Header::Bytes { ty: Some(BYTES_STRING), data } => (particle::STRING, data.to_vec()),
        Header::Bytes { ty: Some(BYTES_GEOJSON), data } => (particle::GEOJSON, crate::geo::particle_value(data)),
        Header::Bytes { ty: Some(ty), data } if ty != BYTES_BLOB && is_bytes_particle(ty) => (ty, data.to_vec()),
        Header::Bytes { data, .. } => (particle::BLOB, data.to_vec()),
        Header::List(_) => (particle::LIST, bytes.to_vec()),
        Header::Map(_) => (particle::MAP, bytes.to_vec()),
        Header::Ext(..) => return Err(CdtError::Parameter),
    }))
}

/// as_bytes types that are particle types of their own (language blobs, vector, HLL).
fn is_bytes_particle(ty: u8) -> bool {
    matches!(ty, 7..=12 | 16 | 18)
}

/// A return type, split into its base and the INVERTED flag. Types other than those of §A.4
/// are refused (26).
pub fn split_rtype(rtype: u64) -> Result<(u64, bool), CdtError> {
    let inverted = rtype & INVERTED != 0;
    let base = rtype & 0xFFFF;
    if rtype & !(INVERTED | 0xFFFF) != 0 {
        return Err(CdtError::OpNotApplicable);
    }
    match base {
        NONE | INDEX | REVERSE_INDEX | RANK | REVERSE_RANK | COUNT | KEY | VALUE | KEY_VALUE | EXISTS
        | UNORDERED_MAP | ORDERED_MAP => Ok((base, inverted)),
        _ => Err(CdtError::OpNotApplicable),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn elements_become_bins_of_their_type() {
        assert_eq!(element_to_bin(&[0x05]), Ok(Some((particle::INTEGER, 5i64.to_be_bytes().to_vec()))));
        assert_eq!(element_to_bin(&[0xa3, 3, b'h', b'i']), Ok(Some((particle::STRING, b"hi".to_vec()))));
        assert_eq!(element_to_bin(&[0xa2, 4, 9]), Ok(Some((particle::BLOB, vec![9]))));
        assert_eq!(element_to_bin(&[0xc3]), Ok(Some((particle::BOOL, vec![1]))));
        assert_eq!(element_to_bin(&[0xc0]), Ok(None));
        assert_eq!(element_to_bin(&[0x91, 0x01]), Ok(Some((particle::LIST, vec![0x91, 0x01]))));
        assert_eq!(CdtResult::Int(-1).to_bin(), Ok(Some((particle::INTEGER, (-1i64).to_be_bytes().to_vec()))));
        assert_eq!(CdtResult::None.to_bin(), Ok(None));
    }

    #[test]
    fn return_types() {
        assert_eq!(split_rtype(7), Ok((7, false)));
        assert_eq!(split_rtype(0x10007), Ok((7, true)));
        assert_eq!(split_rtype(9), Err(CdtError::OpNotApplicable));
        assert_eq!(split_rtype(0x20007), Err(CdtError::OpNotApplicable));
    }
}

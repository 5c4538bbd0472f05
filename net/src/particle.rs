//! Particle types: the typed values of bins and keys (PROTOCOL.md §4).

use crate::DecodeError;

/// The type byte of a value on the wire.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[repr(u8)]
pub enum ParticleType {
    /// No value; in a write it deletes the bin.
    Null = 0,
    /// 64-bit signed integer, 8 bytes big-endian.
    Integer = 1,
    /// IEEE-754 double, 8 bytes big-endian.
    Float = 2,
    /// UTF-8 text, no terminator.
    String = 3,
    /// Raw bytes.
    Blob = 4,
    /// Java-serialized bytes.
    JavaBlob = 7,
    /// C#-serialized bytes.
    CsharpBlob = 8,
    /// Python-serialized bytes.
    PythonBlob = 9,
    /// Ruby-serialized bytes.
    RubyBlob = 10,
    /// PHP-serialized bytes.
    PhpBlob = 11,
    /// Erlang-serialized bytes.
    ErlangBlob = 12,
    /// Vector (reserved by the protocol).
    Vector = 16,
    /// Boolean, one byte 0 or 1.
    Bool = 17,
    /// HyperLogLog sketch bytes.
    Hll = 18,
    /// msgpack map.
    Map = 19,
    /// msgpack array.
    List = 20,
    /// GeoJSON: flags, cell count, cell ids, JSON text.
    GeoJson = 23,
}

impl ParticleType {
    /// The type for a wire byte, if it is one.
    pub fn from_u8(value: u8) -> Option<ParticleType> {
        use ParticleType::*;
        Some(match value {
            0 => Null,
            1 => Integer,
            2 => Float,
            3 => String,
            4 => Blob,
            7 => JavaBlob,
            8 => CsharpBlob,
            9 => PythonBlob,
            10 => RubyBlob,
            11 => PhpBlob,
            12 => ErlangBlob,
            16 => Vector,
            17 => Bool,
            18 => Hll,
            19 => Map,
            20 => List,
            23 => GeoJson,
            _ => return None,
        })
    }

    /// True for the raw-bytes types that append and prepend work on.
    pub fn is_blob(self) -> bool {
        use ParticleType::*;
        matches!(self, Blob | JavaBlob | CsharpBlob | PythonBlob | RubyBlob | PhpBlob | ErlangBlob)
    }

    /// The Aerospike name of the type, as info output spells it.
    pub fn name(self) -> &'static str {
        use ParticleType::*;
        match self {
            Null => "null",
            Integer => "integer",
            Float => "float",
            String => "string",
            Blob => "blob",
            JavaBlob => "java-blob",
            CsharpBlob => "csharp-blob",
            PythonBlob => "python-blob",
            RubyBlob => "ruby-blob",
            PhpBlob => "php-blob",
            ErlangBlob => "erlang-blob",
            Vector => "vector",
            Bool => "bool",
            Hll => "hll",
            Map => "map",
            List => "list",
            GeoJson => "geojson",
        }
    }
}

/// Decodes an integer value: 1, 2, 4 or 8 big-endian bytes, zero-extended as the server does.
pub fn decode_integer(bytes: &[u8]) -> Result<i64, DecodeError> {
    match bytes.len() {
        1 | 2 | 4 | 8 => {
            let mut word = [0u8; 8];
            word[8 - bytes.len()..].copy_from_slice(bytes);
            Ok(i64::from_be_bytes(word))
        }
        _ => Err(DecodeError::BadValue),
    }
}

/// Decodes a float value: exactly 8 big-endian bytes.
pub fn decode_float(bytes: &[u8]) -> Result<f64, DecodeError> {
    let word: [u8; 8] = bytes.try_into().map_err(|_| DecodeError::BadValue)?;
    Ok(f64::from_be_bytes(word))
}

/// Decodes a bool value: exactly one byte, 0 or 1.
pub fn decode_bool(bytes: &[u8]) -> Result<bool, DecodeError> {
    match bytes {
        [0] => Ok(false),
        [1] => Ok(true),
        _ => Err(DecodeError::BadValue),
    }
}

/// Checks that `value` is well formed for `particle` and returns the bytes to store: integers
/// are widened to 8 bytes, everything else is kept as sent. GeoJSON must carry at least its
/// 3-byte prefix (flags, cell count) and the cells it announces.
pub fn normalize(particle: ParticleType, value: &[u8]) -> Result<NormalizedValue<'_>, DecodeError> {
    match particle {
        ParticleType::Integer => Ok(NormalizedValue::Integer(decode_integer(value)?.to_be_bytes())),
        ParticleType::Float => decode_float(value).map(|_| NormalizedValue::Borrowed(value)),
        ParticleType::Bool => decode_bool(value).map(|_| NormalizedValue::Borrowed(value)),
        ParticleType::Null if !value.is_empty() => Err(DecodeError::BadValue),
        ParticleType::GeoJson => {
            let cells = value.get(1..3).ok_or(DecodeError::BadValue)?;
            let n_cells = usize::from(u16::from_be_bytes([cells[0], cells[1]]));
            if value.len() < 3 + n_cells * 8 {
                return Err(DecodeError::BadValue);
            }
            Ok(NormalizedValue::Borrowed(value))
        }
        // An HLL as Aerospike lays it out: flags 0, valid bit counts, exactly its size.
        ParticleType::Hll => {
            let ok = value.len() >= HLL_HEADER_LEN
                && value[0] == 0
                && hll_shape_ok(value[1], value[2])
                && value.len() == hll_value_len(value[1], value[2]);
            if !ok {
                return Err(DecodeError::BadValue);
            }
            Ok(NormalizedValue::Borrowed(value))
        }
        _ => Ok(NormalizedValue::Borrowed(value)),
    }
}

/// Bytes before an HLL value's registers: flags, index bits, minhash bits, 8-byte cache.
pub const HLL_HEADER_LEN: usize = 11;

/// True if an HLL may have `ib` index bits and `mb` minhash bits (Aerospike: ib in 4..=16, mb 0
/// or in 4..=51, ib + mb <= 64).
pub fn hll_shape_ok(ib: u8, mb: u8) -> bool {
    (4..=16).contains(&ib) && (mb == 0 || (4..=51).contains(&mb)) && u32::from(ib) + u32::from(mb) <= 64
}

/// The length of an HLL value with `ib` index bits and `mb` minhash bits: the header, then
/// 2^ib registers of 6 + mb bits.
pub fn hll_value_len(ib: u8, mb: u8) -> usize {
    HLL_HEADER_LEN + ((6 + usize::from(mb)) * (1usize << ib.min(16))).div_ceil(8)
}

/// A value in its stored form; see [`normalize`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NormalizedValue<'a> {
    /// An integer widened to 8 big-endian bytes.
    Integer([u8; 8]),
    /// Any other value, as sent.
    Borrowed(&'a [u8]),
}

impl NormalizedValue<'_> {
    /// The bytes to store.
    pub fn bytes(&self) -> &[u8] {
        match self {
            NormalizedValue::Integer(word) => word,
            NormalizedValue::Borrowed(bytes) => bytes,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn integers_are_zero_extended() {
        assert_eq!(decode_integer(&[0xFF]), Ok(255));
        assert_eq!(decode_integer(&[0xFF, 0xFF]), Ok(65535));
        assert_eq!(decode_integer(&[0, 0, 0, 7]), Ok(7));
        assert_eq!(decode_integer(&(-5i64).to_be_bytes()), Ok(-5));
        assert_eq!(decode_integer(&[1, 2, 3]), Err(DecodeError::BadValue));
        assert_eq!(decode_integer(&[]), Err(DecodeError::BadValue));
    }

    #[test]
    fn floats_bools_and_geo() {
        assert_eq!(decode_float(&1.5f64.to_be_bytes()), Ok(1.5));
        assert!(decode_float(&[0; 4]).is_err());
        assert_eq!(decode_bool(&[1]), Ok(true));
        assert!(decode_bool(&[2]).is_err());
        assert!(normalize(ParticleType::GeoJson, &[0, 0, 0]).is_ok());
        assert!(normalize(ParticleType::GeoJson, &[0, 0, 1, 0]).is_err());
        assert!(normalize(ParticleType::Null, &[1]).is_err());
    }

    #[test]
    fn every_known_type_round_trips() {
        for byte in 0..=255u8 {
            if let Some(particle) = ParticleType::from_u8(byte) {
                assert_eq!(particle as u8, byte);
                assert!(!particle.name().is_empty());
            }
        }
    }
}

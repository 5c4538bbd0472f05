//! Aerospike's msgpack dialect, on packed bytes (PROTOCOL-DATA.md §1): reading one element's
//! header, skipping whole elements, splitting a container into its elements, and packing
//! values in the compact form the server stores.
//!
//! Nothing here trusts a count it was sent: containers are split by walking their bytes, so an
//! allocation never exceeds what the bytes can hold, and walking is iterative with a depth
//! limit, never recursive.

use std::ops::Range;

use super::CdtError;

/// Deepest nesting of containers accepted in a value. Aerospike sets no limit (its parser,
/// comparison and rewrite all loop without recursion); ours bounds the comparison's recursion
/// and the walk's stack, and a deeper value is refused with result 4. 256 levels is far beyond
/// what applications nest.
pub const MAX_DEPTH: usize = 256;

/// as_bytes type of a string.
pub const BYTES_STRING: u8 = 3;
/// as_bytes type of a blob.
pub const BYTES_BLOB: u8 = 4;
/// as_bytes type of GeoJSON text.
pub const BYTES_GEOJSON: u8 = 23;

/// Ext type of the comparison values (WILDCARD, INF).
pub const EXT_COMPARE: u8 = 0xFF;
/// Content byte of WILDCARD.
pub const CMP_WILDCARD: u8 = 0x00;
/// Content byte of INF.
pub const CMP_INF: u8 = 0x01;

/// What one element's header says.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Header<'a> {
    /// nil.
    Nil,
    /// true or false.
    Bool(bool),
    /// A signed integer (every negative, and positives up to i64::MAX).
    Int(i64),
    /// An unsigned integer above i64::MAX.
    UInt(u64),
    /// float64, or float32 read as a double.
    Double(f64),
    /// A str-family or bin-family value: the as_bytes type byte (if any) and the payload
    /// after it. A zero-length string has no type byte and counts as bytes.
    Bytes {
        /// The as_bytes type (3 string, 4 blob, 23 GeoJSON, ...); `None` for zero length.
        ty: Option<u8>,
        /// The payload after the type byte.
        data: &'a [u8],
    },
    /// An array of this many elements (the metadata ext, if any, counts as one).
    List(u32),
    /// A map of this many key/value pairs (the metadata pair, if any, counts as one).
    Map(u32),
    /// An ext value: its type and content.
    Ext(u8, &'a [u8]),
}

impl Header<'_> {
    /// Elements that follow this header as its contents.
    pub fn children(&self) -> u64 {
        match *self {
            Header::List(n) => u64::from(n),
            Header::Map(n) => 2 * u64::from(n),
            _ => 0,
        }
    }
}

fn take(bytes: &[u8], pos: usize, n: usize) -> Result<&[u8], CdtError> {
    let end = pos.checked_add(n).ok_or(CdtError::Parameter)?;
    bytes.get(pos..end).ok_or(CdtError::Parameter)
}

fn be(bytes: &[u8], pos: usize, n: usize) -> Result<u64, CdtError> {
    Ok(take(bytes, pos, n)?.iter().fold(0u64, |acc, &b| (acc << 8) | u64::from(b)))
}

/// Reads the header of the element at `pos`; returns it and the position after the header
/// (for scalars, after the whole element).
pub fn read_header(bytes: &[u8], pos: usize) -> Result<(Header<'_>, usize), CdtError> {
    let tag = *bytes.get(pos).ok_or(CdtError::Parameter)?;
    let at = pos + 1;
    let str_like = |len_bytes: usize, bin: bool| -> Result<(Header<'_>, usize), CdtError> {
        let n = be(bytes, at, len_bytes)? as usize;
        let data = take(bytes, at + len_bytes, n)?;
        let end = at + len_bytes + n;
        // A bin-family value (C4-C6) is a blob: the whole payload is the blob's bytes.
        if bin {
            return Ok((Header::Bytes { ty: Some(BYTES_BLOB), data }, end));
        }
        Ok(match data.split_first() {
            Some((&ty, rest)) => (Header::Bytes { ty: Some(ty), data: rest }, end),
            None => (Header::Bytes { ty: None, data }, end),
        })
    };
    Ok(match tag {
        0x00..=0x7f => (Header::Int(i64::from(tag)), at),
        0x80..=0x8f => (Header::Map(u32::from(tag & 0x0f)), at),
        0x90..=0x9f => (Header::List(u32::from(tag & 0x0f)), at),
        0xa0..=0xbf => {
            let n = usize::from(tag & 0x1f);
            let data = take(bytes, at, n)?;
            match data.split_first() {
                Some((&ty, rest)) => (Header::Bytes { ty: Some(ty), data: rest }, at + n),
                None => (Header::Bytes { ty: None, data }, at),
            }
        }
        0xc0 => (Header::Nil, at),
        0xc1 => return Err(CdtError::Parameter),
        0xc2 => (Header::Bool(false), at),
        0xc3 => (Header::Bool(true), at),
        0xc4 => str_like(1, true)?,
        0xc5 => str_like(2, true)?,
        0xc6 => str_like(4, true)?,
        0xc7..=0xc9 => {
            let len_bytes = 1 << (tag - 0xc7);
            let n = be(bytes, at, len_bytes)? as usize;
            let ty = *take(bytes, at + len_bytes, 1)?.first().expect("one byte");
            let data = take(bytes, at + len_bytes + 1, n)?;
            (Header::Ext(ty, data), at + len_bytes + 1 + n)
        }
        0xca => (Header::Double(f64::from(f32::from_bits(be(bytes, at, 4)? as u32))), at + 4),
        0xcb => (Header::Double(f64::from_bits(be(bytes, at, 8)?)), at + 8),
        0xcc..=0xcf => {
            let n = 1 << (tag - 0xcc);
            let v = be(bytes, at, n)?;
            let header = i64::try_from(v).map_or(Header::UInt(v), Header::Int);
            (header, at + n)
        }
        0xd0 => (Header::Int(i64::from(be(bytes, at, 1)? as u8 as i8)), at + 1),
        0xd1 => (Header::Int(i64::from(be(bytes, at, 2)? as u16 as i16)), at + 2),
        0xd2 => (Header::Int(i64::from(be(bytes, at, 4)? as u32 as i32)), at + 4),
        0xd3 => (Header::Int(be(bytes, at, 8)? as i64), at + 8),
        0xd4..=0xd8 => {
            let n = 1 << (tag - 0xd4);
            let ty = *take(bytes, at, 1)?.first().expect("one byte");
            (Header::Ext(ty, take(bytes, at + 1, n)?), at + 1 + n)
        }
        0xd9 => str_like(1, false)?,
        0xda => str_like(2, false)?,
        0xdb => str_like(4, false)?,
        0xdc => (Header::List(be(bytes, at, 2)? as u32), at + 2),
        0xdd => (Header::List(be(bytes, at, 4)? as u32), at + 4),
        0xde => (Header::Map(be(bytes, at, 2)? as u32), at + 2),
        0xdf => (Header::Map(be(bytes, at, 4)? as u32), at + 4),
        0xe0..=0xff => (Header::Int(i64::from(tag as i8)), at),
    })
}

/// The end of the element that starts at `pos` (containers with everything in them). Fails on
/// truncated bytes and on nesting deeper than [`MAX_DEPTH`]; never recurses.
pub fn skip(bytes: &[u8], pos: usize) -> Result<usize, CdtError> {
    // Most elements are small scalars: their size is in their first byte.
    if let Some(size) = bytes.get(pos).and_then(|&tag| scalar_size(tag)) {
        let end = pos + size;
        return if end <= bytes.len() { Ok(end) } else { Err(CdtError::Parameter) };
    }
    // Elements still to read at each open level; a level closes when its count reaches zero.
    let mut open: Vec<u64> = Vec::new();
    let mut at = pos;
    loop {
        let (header, next) = read_header(bytes, at)?;
        at = next;
        let children = header.children();
        if children > 0 {
            // Every child takes at least one byte: a count past the bytes left is a lie.
            if children > (bytes.len() - at) as u64 {
                return Err(CdtError::Parameter);
            }
            if open.len() == MAX_DEPTH {
                return Err(CdtError::Parameter);
            }
            open.push(children);
            continue;
        }
        loop {
            match open.last_mut() {
                None => return Ok(at),
                Some(left) => {
                    *left -= 1;
                    if *left > 0 {
                        break;
                    }
                    open.pop();
                }
            }
        }
    }
}

/// The whole size of a scalar element known from its first byte alone (fixints, nil, bools,
/// short strings, fixed-width numbers); `None` for containers and longer headers.
fn scalar_size(tag: u8) -> Option<usize> {
    Some(match tag {
        0x00..=0x7f | 0xe0..=0xff | 0xc0 | 0xc2 | 0xc3 => 1,
        0xa0..=0xbf => 1 + usize::from(tag & 0x1f),
        0xcc | 0xd0 => 2,
        0xcd | 0xd1 => 3,
        0xca | 0xce | 0xd2 => 5,
        0xcb | 0xcf | 0xd3 => 9,
        _ => return None,
    })
}

/// The element at the start of `bytes` and what follows it.
pub fn split_first(bytes: &[u8]) -> Result<(&[u8], &[u8]), CdtError> {
    let end = skip(bytes, 0)?;
    Ok(bytes.split_at(end))
}

/// Checks that `bytes` is exactly one well-formed element.
pub fn check_one(bytes: &[u8]) -> Result<(), CdtError> {
    if skip(bytes, 0)? != bytes.len() {
        return Err(CdtError::Parameter);
    }
    Ok(())
}

/// The byte ranges of `count` consecutive elements starting at `pos`, and the position after
/// them. The vector grows as elements are found, so a false count fails on the bytes before it
/// can size an allocation.
pub fn element_ranges(bytes: &[u8], pos: usize, count: u64) -> Result<(Vec<Range<usize>>, usize), CdtError> {
    if count > (bytes.len().saturating_sub(pos)) as u64 {
        return Err(CdtError::Parameter);
    }
    let mut ranges = Vec::with_capacity(count as usize);
    let mut at = pos;
    for _ in 0..count {
        let end = skip(bytes, at)?;
        ranges.push(at..end);
        at = end;
    }
    Ok((ranges, at))
}

/// If `element` is a metadata ext (`C7 00 <flags>` or an ext with index content), its flags.
pub fn metadata_flags(element: &[u8]) -> Option<u8> {
    match read_header(element, 0) {
        Ok((Header::Ext(flags, _), _)) if flags != EXT_COMPARE => Some(flags),
        _ => None,
    }
}

/// The PERSIST_INDEX bit of a list's or map's metadata flags.
const PERSIST_INDEX: u8 = 0x10;

/// A bin's list or map as it leaves the server. Aerospike strips what only the server keeps
/// from the top container's metadata (`cdt_strip_indexes_from_particle` in as/src/base/cdt.c):
/// the PERSIST_INDEX bit and any index bytes in the ext, and the metadata element (a map's
/// metadata pair) altogether when no flag is left. `None` if `value` goes out as it is, which
/// is known from its first few bytes; nested containers are never touched.
pub fn strip_index_flag(value: &[u8]) -> Option<Vec<u8>> {
    let (header, pos) = read_header(value, 0).ok()?;
    let (is_map, n) = match header {
        Header::Map(n) if n > 0 => (true, n as usize),
        Header::List(n) if n > 0 => (false, n as usize),
        _ => return None,
    };
    let Ok((Header::Ext(flags, data), after_ext)) = read_header(value, pos) else { return None };
    if flags == EXT_COMPARE || (flags & PERSIST_INDEX == 0 && data.is_empty()) {
        return None;
    }
    // A map's metadata is a pair: the ext and a nil.
    let rest = if is_map { skip(value, after_ext).ok()? } else { after_ext };
    let flags = flags & !PERSIST_INDEX;
    let mut out = Vec::with_capacity(value.len());
    if flags == 0 {
        if is_map {
            pack_map_header(&mut out, n - 1);
        } else {
            pack_list_header(&mut out, n - 1);
        }
    } else {
        if is_map {
            pack_map_header(&mut out, n);
        } else {
            pack_list_header(&mut out, n);
        }
        pack_metadata(&mut out, flags);
        if is_map {
            pack_nil(&mut out);
        }
    }
    out.extend_from_slice(&value[rest..]);
    Some(out)
}

/// True if `element` is WILDCARD or INF, or contains one: such a value may be compared with
/// but never stored (§1.1).
pub fn has_compare_ext(element: &[u8]) -> Result<bool, CdtError> {
    let end = skip(element, 0)?;
    let mut at = 0;
    while at < end {
        let (header, next) = read_header(element, at)?;
        if let Header::Ext(EXT_COMPARE, _) = header {
            return Ok(true);
        }
        at = next;
    }
    Ok(false)
}

// ---- Packing ----

/// Appends an integer in the smallest form (non-negative values unsigned, as the server
/// re-packs them).
pub fn pack_int(out: &mut Vec<u8>, v: i64) {
    if v >= 0 {
        pack_uint(out, v as u64);
    } else if v >= -32 {
        out.push(v as i8 as u8);
    } else if v >= i64::from(i8::MIN) {
        out.extend_from_slice(&[0xd0, v as i8 as u8]);
    } else if v >= i64::from(i16::MIN) {
        out.push(0xd1);
        out.extend_from_slice(&(v as i16).to_be_bytes());
    } else if v >= i64::from(i32::MIN) {
        out.push(0xd2);
        out.extend_from_slice(&(v as i32).to_be_bytes());
    } else {
        out.push(0xd3);
        out.extend_from_slice(&v.to_be_bytes());
    }
}

/// Appends an unsigned integer in the smallest form.
pub fn pack_uint(out: &mut Vec<u8>, v: u64) {
    if v < 0x80 {
        out.push(v as u8);
    } else if v <= u64::from(u8::MAX) {
        out.extend_from_slice(&[0xcc, v as u8]);
    } else if v <= u64::from(u16::MAX) {
        out.push(0xcd);
        out.extend_from_slice(&(v as u16).to_be_bytes());
    } else if v <= u64::from(u32::MAX) {
        out.push(0xce);
        out.extend_from_slice(&(v as u32).to_be_bytes());
    } else {
        out.push(0xcf);
        out.extend_from_slice(&v.to_be_bytes());
    }
}

/// Appends a float64.
pub fn pack_double(out: &mut Vec<u8>, v: f64) {
    out.push(0xcb);
    out.extend_from_slice(&v.to_bits().to_be_bytes());
}

/// Appends a bool.
pub fn pack_bool(out: &mut Vec<u8>, v: bool) {
    out.push(if v { 0xc3 } else { 0xc2 });
}

/// Appends nil.
pub fn pack_nil(out: &mut Vec<u8>) {
    out.push(0xc0);
}

/// Appends an as_bytes value: a str-family header counting the type byte, the type, the data.
pub fn pack_bytes(out: &mut Vec<u8>, ty: u8, data: &[u8]) {
    pack_str_header(out, data.len() + 1);
    out.push(ty);
    out.extend_from_slice(data);
}

/// Appends a str-family header for `n` bytes.
pub fn pack_str_header(out: &mut Vec<u8>, n: usize) {
    if n < 32 {
        out.push(0xa0 | n as u8);
    } else if n <= usize::from(u8::MAX) {
        out.extend_from_slice(&[0xd9, n as u8]);
    } else if n <= usize::from(u16::MAX) {
        out.push(0xda);
        out.extend_from_slice(&(n as u16).to_be_bytes());
    } else {
        out.push(0xdb);
        out.extend_from_slice(&(n as u32).to_be_bytes());
    }
}

/// Appends an array header for `n` elements.
pub fn pack_list_header(out: &mut Vec<u8>, n: usize) {
    if n < 16 {
        out.push(0x90 | n as u8);
    } else if n <= usize::from(u16::MAX) {
        out.push(0xdc);
        out.extend_from_slice(&(n as u16).to_be_bytes());
    } else {
        out.push(0xdd);
        out.extend_from_slice(&(n as u32).to_be_bytes());
    }
}

/// Appends a map header for `n` pairs.
pub fn pack_map_header(out: &mut Vec<u8>, n: usize) {
    if n < 16 {
        out.push(0x80 | n as u8);
    } else if n <= usize::from(u16::MAX) {
        out.push(0xde);
        out.extend_from_slice(&(n as u16).to_be_bytes());
    } else {
        out.push(0xdf);
        out.extend_from_slice(&(n as u32).to_be_bytes());
    }
}

/// Appends a container metadata ext with `flags` (`C7 00 <flags>`).
pub fn pack_metadata(out: &mut Vec<u8>, flags: u8) {
    out.extend_from_slice(&[0xc7, 0x00, flags]);
}

/// Appends `element` re-packed in the server's compact form: ints and headers in their
/// smallest encoding, blobs of the bin family as str-family blobs, float32 as float64, and
/// container metadata kept with only `valid_flags` bits (dropped at nested levels when only
/// PERSIST_INDEX would be left). WILDCARD and INF are refused: the result is for storing.
pub fn pack_compact(out: &mut Vec<u8>, element: &[u8]) -> Result<(), CdtError> {
    let end = skip(element, 0)?;
    if end != element.len() {
        return Err(CdtError::Parameter);
    }
    let mut at = 0;
    while at < end {
        let (header, next) = read_header(element, at)?;
        match header {
            Header::Nil => pack_nil(out),
            Header::Bool(v) => pack_bool(out, v),
            Header::Int(v) => pack_int(out, v),
            Header::UInt(v) => pack_uint(out, v),
            Header::Double(v) => pack_double(out, v),
            Header::Bytes { ty: Some(ty), data } => pack_bytes(out, ty, data),
            Header::Bytes { ty: None, .. } => pack_str_header(out, 0),
            Header::List(n) => pack_list_header(out, n as usize),
            Header::Map(n) => pack_map_header(out, n as usize),
            Header::Ext(EXT_COMPARE, _) => return Err(CdtError::Parameter),
            // Container metadata: kept as the bare flags, without any persisted index.
            Header::Ext(flags, _) => pack_metadata(out, flags),
        }
        at = next;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_index_flag_is_stripped_from_outgoing_containers() {
        // A KV-ordered map with PERSIST_INDEX keeps KV; one with only PERSIST loses its metadata.
        assert_eq!(strip_index_flag(&[0x82, 0xc7, 0, 0x13, 0xc0, 1, 2]), Some(vec![0x82, 0xc7, 0, 0x03, 0xc0, 1, 2]));
        assert_eq!(strip_index_flag(&[0x82, 0xc7, 0, 0x10, 0xc0, 1, 2]), Some(vec![0x81, 1, 2]));
        // Index bytes inside the ext go too.
        assert_eq!(strip_index_flag(&[0x92, 0xc7, 2, 0x11, 9, 9, 5]), Some(vec![0x92, 0xc7, 0, 0x01, 5]));
        assert_eq!(strip_index_flag(&[0x92, 0xc7, 0, 0x10, 5]), Some(vec![0x91, 5]));
        // Anything else goes out as it is: plain or K-ordered containers, nested flags, scalars,
        // malformed bytes.
        for same in [
            &[0x82, 0xc7, 0, 0x01, 0xc0, 1, 2][..],
            &[0x81, 1, 0x82, 0xc7, 0, 0x13, 0xc0, 1, 2],
            &[0x90],
            &[5],
            &[0x82, 0xc7],
            &[],
        ] {
            assert_eq!(strip_index_flag(same), None);
        }
    }

    #[test]
    fn headers_of_the_dialect() {
        assert_eq!(read_header(&[0xa3, 3, b'a', b'b'], 0), Ok((Header::Bytes { ty: Some(3), data: b"ab" }, 4)));
        assert_eq!(read_header(&[0xa0], 0), Ok((Header::Bytes { ty: None, data: b"" }, 1)));
        assert_eq!(read_header(&[0xc4, 2, 1, 2], 0), Ok((Header::Bytes { ty: Some(4), data: &[1, 2] }, 4)));
        assert_eq!(read_header(&[0xc7, 0, 1], 0), Ok((Header::Ext(1, &[]), 3)));
        assert_eq!(read_header(&[0xd4, 0xff, 1], 0), Ok((Header::Ext(0xff, &[1]), 3)));
        assert_eq!(
            read_header(&[0xcf, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff], 0).unwrap().0,
            Header::UInt(u64::MAX)
        );
        assert_eq!(read_header(&[0xd0, 0x80], 0).unwrap().0, Header::Int(-128));
        assert_eq!(read_header(&[0xca, 0x3f, 0xc0, 0, 0], 0).unwrap().0, Header::Double(1.5));
        assert_eq!(read_header(&[0xc1], 0), Err(CdtError::Parameter));
        assert_eq!(read_header(&[0xda, 0], 0), Err(CdtError::Parameter));
    }

    #[test]
    fn skip_walks_nested_containers_without_trusting_counts() {
        // [1, {"a": [2, 3]}, nil]
        let bytes = [0x93, 0x01, 0x81, 0xa2, 3, b'a', 0x92, 0x02, 0x03, 0xc0];
        assert_eq!(skip(&bytes, 0), Ok(bytes.len()));
        assert_eq!(skip(&bytes, 2), Ok(9));
        assert_eq!(skip(&bytes[..9], 0), Err(CdtError::Parameter));
        // A count of 2^32-1 elements in five bytes fails before any allocation.
        assert_eq!(skip(&[0xdd, 0xff, 0xff, 0xff, 0xff, 0x01], 0), Err(CdtError::Parameter));
        assert_eq!(element_ranges(&[0x01, 0x02], 0, u64::from(u32::MAX)).unwrap_err(), CdtError::Parameter);
        let (ranges, end) = element_ranges(&bytes, 1, 3).unwrap();
        assert_eq!(ranges, vec![1..2, 2..9, 9..10]);
        assert_eq!(end, 10);
    }

    #[test]
    fn depth_is_bounded() {
        let mut deep = vec![0x91; MAX_DEPTH];
        deep.push(0xc0);
        assert_eq!(skip(&deep, 0), Ok(deep.len()));
        let mut deeper = vec![0x91; MAX_DEPTH + 1];
        deeper.push(0xc0);
        assert_eq!(skip(&deeper, 0), Err(CdtError::Parameter));
        // A million levels: an error, not a stack overflow.
        let mut huge = vec![0x91; 1_000_000];
        huge.push(0xc0);
        assert_eq!(skip(&huge, 0), Err(CdtError::Parameter));
    }

    #[test]
    fn never_panics_on_any_short_input() {
        for a in 0..=255u8 {
            for b in [0u8, 1, 0x7f, 0x80, 0xff] {
                for len in 0..6 {
                    let mut bytes = vec![a, b];
                    bytes.extend(std::iter::repeat_n(0x91, len));
                    let _ = skip(&bytes, 0);
                    let _ = has_compare_ext(&bytes);
                    let _ = pack_compact(&mut Vec::new(), &bytes);
                }
            }
        }
    }

    #[test]
    fn compact_repacks_ints_headers_and_blobs() {
        // [int 5 as uint32, "a" with a 16-bit header, bin8 blob [7]]
        let loose = [0x93, 0xce, 0, 0, 0, 5, 0xda, 0, 2, 3, b'a', 0xc4, 1, 7];
        let mut out = Vec::new();
        pack_compact(&mut out, &loose).unwrap();
        assert_eq!(out, vec![0x93, 0x05, 0xa2, 3, b'a', 0xa2, 4, 7]);
        assert_eq!(pack_compact(&mut Vec::new(), &[0x91, 0xd4, 0xff, 0x01]), Err(CdtError::Parameter));
        for v in
            [0i64, 1, 127, 128, 255, 256, 65535, 65536, -1, -32, -33, -128, -129, -32768, -32769, i64::MIN, i64::MAX]
        {
            let mut packed = Vec::new();
            pack_int(&mut packed, v);
            let (header, end) = read_header(&packed, 0).unwrap();
            assert_eq!(header, Header::Int(v));
            assert_eq!(end, packed.len());
        }
    }
}

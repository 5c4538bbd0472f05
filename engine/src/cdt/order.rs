//! The order of values (PROTOCOL-DATA.md §1.2; Aerospike's `msgpack_cmp`): by type class
//! first, `NIL < FALSE < TRUE < INT < STRING < LIST < MAP < BYTES < DOUBLE < GEOJSON < ext <
//! INF`, then within the class. WILDCARD equals anything and ends the comparison there.

use std::cmp::Ordering;

use super::msgpack::{
    metadata_flags, read_header, skip, Header, BYTES_GEOJSON, BYTES_STRING, CMP_INF, CMP_WILDCARD, EXT_COMPARE,
    MAX_DEPTH,
};
use super::CdtError;

/// Type classes in their order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Class {
    Nil,
    False,
    True,
    Int,
    String,
    List,
    Map,
    Bytes,
    Double,
    GeoJson,
    Ext,
    Inf,
}

/// What a header compares as.
enum Key<'a> {
    Wildcard,
    Scalar(Class),
    Int(i128),
    Double(f64),
    Bytes(Class, Option<u8>, &'a [u8]),
    List(u32),
    Map(u32),
}

fn key<'a>(header: &Header<'a>) -> Key<'a> {
    match *header {
        Header::Nil => Key::Scalar(Class::Nil),
        Header::Bool(false) => Key::Scalar(Class::False),
        Header::Bool(true) => Key::Scalar(Class::True),
        Header::Int(v) => Key::Int(i128::from(v)),
        Header::UInt(v) => Key::Int(i128::from(v)),
        Header::Double(v) => Key::Double(v),
        Header::Bytes { ty, data } => {
            let class = match ty {
                Some(BYTES_STRING) => Class::String,
                Some(BYTES_GEOJSON) => Class::GeoJson,
                _ => Class::Bytes,
            };
            Key::Bytes(class, ty, data)
        }
        Header::List(n) => Key::List(n),
        Header::Map(n) => Key::Map(n),
        Header::Ext(EXT_COMPARE, [CMP_WILDCARD]) => Key::Wildcard,
        Header::Ext(EXT_COMPARE, [CMP_INF]) => Key::Scalar(Class::Inf),
        Header::Ext(..) => Key::Scalar(Class::Ext),
    }
}

fn class(key: &Key<'_>) -> Class {
    match key {
        Key::Wildcard => Class::Nil,
        Key::Scalar(class) | Key::Bytes(class, ..) => *class,
        Key::Int(_) => Class::Int,
        Key::Double(_) => Class::Double,
        Key::List(_) => Class::List,
        Key::Map(_) => Class::Map,
    }
}

/// Sorts `items` (stable) by `compare`, which may fail on malformed bytes: the first failure
/// is the result, and the order is then unspecified.
pub fn sort_by<T>(
    items: &mut [T],
    mut compare: impl FnMut(&T, &T) -> Result<Ordering, CdtError>,
) -> Result<(), CdtError> {
    let mut failed = None;
    items.sort_by(|a, b| {
        compare(a, b).unwrap_or_else(|e| {
            failed.get_or_insert(e);
            Ordering::Equal
        })
    });
    failed.map_or(Ok(()), Err)
}

/// Compares two elements (each the bytes of one packed value).
pub fn compare(a: &[u8], b: &[u8]) -> Result<Ordering, CdtError> {
    Ok(compare_at(a, 0, b, 0, 0)?.0)
}

/// Ordering of the elements at `a[pa]` and `b[pb]`, and whether a WILDCARD ended it (then the
/// containers around it compare equal without looking further).
fn compare_at(a: &[u8], pa: usize, b: &[u8], pb: usize, depth: usize) -> Result<(Ordering, bool), CdtError> {
    if depth > MAX_DEPTH {
        return Err(CdtError::Parameter);
    }
    let (ha, na) = read_header(a, pa)?;
    let (hb, nb) = read_header(b, pb)?;
    let (ka, kb) = (key(&ha), key(&hb));
    if matches!(ka, Key::Wildcard) || matches!(kb, Key::Wildcard) {
        return Ok((Ordering::Equal, true));
    }
    let by_class = class(&ka).cmp(&class(&kb));
    if by_class != Ordering::Equal {
        return Ok((by_class, false));
    }
    let ordering = match (ka, kb) {
        (Key::Int(x), Key::Int(y)) => x.cmp(&y),
        (Key::Double(x), Key::Double(y)) => x.total_cmp(&y),
        (Key::Bytes(_, ta, da), Key::Bytes(_, tb, db)) => {
            // The payload with its type byte, byte by byte, then the shorter first.
            let (xa, xb) = (ta.map(|t| [t]), tb.map(|t| [t]));
            let full_a = xa.as_ref().map_or(&[][..], |t| &t[..]).iter().chain(da);
            let full_b = xb.as_ref().map_or(&[][..], |t| &t[..]).iter().chain(db);
            full_a.cmp(full_b)
        }
        (Key::List(n), Key::List(m)) => return compare_lists(a, na, n, b, nb, m, depth),
        (Key::Map(n), Key::Map(m)) => return compare_maps(a, na, n, b, nb, m, depth),
        _ => Ordering::Equal,
    };
    Ok((ordering, false))
}

/// Skips a leading metadata ext of a container's elements: returns the new position and count.
fn skip_metadata(bytes: &[u8], pos: usize, count: u32, pairs: bool) -> Result<(usize, u32), CdtError> {
    if count == 0 {
        return Ok((pos, 0));
    }
    let first_end = skip(bytes, pos)?;
    if metadata_flags(&bytes[pos..first_end]).is_none() {
        return Ok((pos, count));
    }
    let end = if pairs { skip(bytes, first_end)? } else { first_end };
    Ok((end, count - 1))
}

fn compare_lists(
    a: &[u8],
    pa: usize,
    n: u32,
    b: &[u8],
    pb: usize,
    m: u32,
    depth: usize,
) -> Result<(Ordering, bool), CdtError> {
    let (mut pa, n) = skip_metadata(a, pa, n, false)?;
    let (mut pb, m) = skip_metadata(b, pb, m, false)?;
    for _ in 0..n.min(m) {
        let (ordering, wildcard) = compare_at(a, pa, b, pb, depth + 1)?;
        if ordering != Ordering::Equal || wildcard {
            return Ok((ordering, wildcard));
        }
        pa = skip(a, pa)?;
        pb = skip(b, pb)?;
    }
    Ok((n.cmp(&m), false))
}

fn compare_maps(
    a: &[u8],
    pa: usize,
    n: u32,
    b: &[u8],
    pb: usize,
    m: u32,
    depth: usize,
) -> Result<(Ordering, bool), CdtError> {
    let (mut pa, n) = skip_metadata(a, pa, n, true)?;
    let (mut pb, m) = skip_metadata(b, pb, m, true)?;
    if n != m {
        return Ok((n.cmp(&m), false));
    }
    for _ in 0..2 * u64::from(n) {
        let (ordering, wildcard) = compare_at(a, pa, b, pb, depth + 1)?;
        if ordering != Ordering::Equal || wildcard {
            return Ok((ordering, wildcard));
        }
        pa = skip(a, pa)?;
        pb = skip(b, pb)?;
    }
    Ok((Ordering::Equal, false))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cdt::msgpack::{pack_bytes, pack_double, pack_int};

    fn int(v: i64) -> Vec<u8> {
        let mut out = Vec::new();
        pack_int(&mut out, v);
        out
    }

    fn string(s: &str) -> Vec<u8> {
        let mut out = Vec::new();
        pack_bytes(&mut out, 3, s.as_bytes());
        out
    }

    fn blob(b: &[u8]) -> Vec<u8> {
        let mut out = Vec::new();
        pack_bytes(&mut out, 4, b);
        out
    }

    fn double(v: f64) -> Vec<u8> {
        let mut out = Vec::new();
        pack_double(&mut out, v);
        out
    }

    #[test]
    fn classes_in_order() {
        let ascending: Vec<Vec<u8>> = vec![
            vec![0xc0],
            vec![0xc2],
            vec![0xc3],
            int(-5),
            int(0),
            int(7),
            vec![0xcf, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff],
            string(""),
            string("a"),
            string("ab"),
            string("b"),
            vec![0x90],
            vec![0x91, 0x01],
            vec![0x92, 0x01, 0x01],
            vec![0x91, 0x02],
            vec![0x80],
            vec![0x81, 0x01, 0x01],
            blob(&[]),
            blob(&[1]),
            double(-1.0),
            double(0.5),
            vec![0xc7, 0, 1],
            vec![0xd4, 0xff, 0x01],
        ];
        for (i, x) in ascending.iter().enumerate() {
            for (j, y) in ascending.iter().enumerate() {
                assert_eq!(compare(x, y).unwrap(), i.cmp(&j), "{x:02x?} vs {y:02x?}");
            }
        }
    }

    #[test]
    fn wildcard_matches_and_ends_the_comparison() {
        let wildcard = [0xd4, 0xff, 0x00];
        assert_eq!(compare(&wildcard, &int(3)).unwrap(), Ordering::Equal);
        // ["a", *] equals every list starting with "a", whatever follows.
        let mut pattern = vec![0x92];
        pattern.extend(string("a"));
        pattern.extend(wildcard);
        let mut long = vec![0x93];
        long.extend(string("a"));
        long.extend(int(1));
        long.extend(int(2));
        assert_eq!(compare(&pattern, &long).unwrap(), Ordering::Equal);
        let mut other = vec![0x92];
        other.extend(string("b"));
        other.extend(int(1));
        assert_eq!(compare(&pattern, &other).unwrap(), Ordering::Less);
    }

    #[test]
    fn metadata_is_not_an_element() {
        // An ordered list [1] equals an unordered [1].
        assert_eq!(compare(&[0x92, 0xc7, 0, 1, 0x01], &[0x91, 0x01]).unwrap(), Ordering::Equal);
        // A K-ordered map {1: 2} equals {1: 2}.
        assert_eq!(compare(&[0x82, 0xc7, 0, 1, 0xc0, 0x01, 0x02], &[0x81, 0x01, 0x02]).unwrap(), Ordering::Equal);
    }

    #[test]
    fn malformed_and_deep_values_are_errors() {
        assert!(compare(&[0x92, 0x01], &[0x92, 0x01, 0x02]).is_err());
        let mut deep = vec![0x91; 300];
        deep.push(0x01);
        assert!(compare(&deep, &deep).is_err());
    }
}

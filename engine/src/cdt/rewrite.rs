//! Untrusted values into their stored form (PROTOCOL-DATA.md §1.4; Aerospike's
//! `cdt_untrusted_rewrite`): every list and map the server stores, a whole-bin write or a value
//! inside a list or map op, is checked and re-packed here.
//!
//! - ints, floats, headers and blobs are re-packed compactly ([`super::msgpack::pack_compact`]
//!   for scalars);
//! - WILDCARD and INF are refused: they compare, they are never stored;
//! - map keys must be integers, strings or blobs, and unique;
//! - an unordered map is re-written in key order (later puts append, as Aerospike does);
//! - a list flagged ORDERED or a map flagged K-ordered must already be in order;
//! - container metadata keeps only the order flags (the persisted index is ours to drop).

use std::cmp::Ordering;

use super::list;
use super::map;
use super::msgpack::{self, read_header, skip, Header, MAX_DEPTH};
use super::order::compare;
use super::CdtError;

/// The stored form of `value` (exactly one element).
pub fn rewrite(value: &[u8]) -> Result<Vec<u8>, CdtError> {
    let mut out = Vec::with_capacity(value.len());
    let end = rewrite_into(&mut out, value, 0, 0)?;
    if end != value.len() {
        return Err(CdtError::Parameter);
    }
    Ok(out)
}

/// Re-packs the element at `bytes[pos]` into `out`; returns the position after it.
fn rewrite_into(out: &mut Vec<u8>, bytes: &[u8], pos: usize, depth: usize) -> Result<usize, CdtError> {
    if depth > MAX_DEPTH {
        return Err(CdtError::Parameter);
    }
    let (header, after) = read_header(bytes, pos)?;
    match header {
        Header::List(n) => rewrite_list(out, bytes, after, n, depth),
        Header::Map(n) => rewrite_map(out, bytes, after, n, depth),
        _ => {
            msgpack::pack_compact(out, &bytes[pos..after])?;
            Ok(after)
        }
    }
}

fn rewrite_list(out: &mut Vec<u8>, bytes: &[u8], mut at: usize, n: u32, depth: usize) -> Result<usize, CdtError> {
    // Every element takes a byte: a count past the bytes left is a lie.
    if u64::from(n) > (bytes.len() - at) as u64 {
        return Err(CdtError::Parameter);
    }
    let mut count = n as usize;
    let mut flags = 0;
    if count > 0 {
        let first_end = skip(bytes, at)?;
        if let Some(found) = msgpack::metadata_flags(&bytes[at..first_end]) {
            flags = found & list::ORDERED;
            at = first_end;
            count -= 1;
        }
    }
    let mut elements: Vec<Vec<u8>> = Vec::with_capacity(count);
    for _ in 0..count {
        let mut element = Vec::new();
        at = rewrite_into(&mut element, bytes, at, depth + 1)?;
        elements.push(element);
    }
    if flags & list::ORDERED != 0 {
        for pair in elements.windows(2) {
            if compare(&pair[0], &pair[1])? == Ordering::Greater {
                return Err(CdtError::Parameter);
            }
        }
    }
    msgpack::pack_list_header(out, count + usize::from(flags != 0));
    if flags != 0 {
        msgpack::pack_metadata(out, flags);
    }
    for element in elements {
        out.extend_from_slice(&element);
    }
    Ok(at)
}

fn rewrite_map(out: &mut Vec<u8>, bytes: &[u8], mut at: usize, n: u32, depth: usize) -> Result<usize, CdtError> {
    if 2 * u64::from(n) > (bytes.len() - at) as u64 {
        return Err(CdtError::Parameter);
    }
    let mut count = n as usize;
    let mut flags = 0;
    if count > 0 {
        let key_end = skip(bytes, at)?;
        if let Some(found) = msgpack::metadata_flags(&bytes[at..key_end]) {
            // The metadata pair's value is nil.
            if bytes.get(key_end) != Some(&0xc0) {
                return Err(CdtError::Parameter);
            }
            flags = found & map::KV_ORDERED;
            at = key_end + 1;
            count -= 1;
        }
    }
    let mut entries: Vec<(Vec<u8>, Vec<u8>)> = Vec::with_capacity(count);
    for _ in 0..count {
        let mut key = Vec::new();
        at = rewrite_into(&mut key, bytes, at, depth + 1)?;
        map::check_key(&key)?;
        let mut value = Vec::new();
        at = rewrite_into(&mut value, bytes, at, depth + 1)?;
        entries.push((key, value));
    }
    if flags & map::K_ORDERED != 0 {
        for pair in entries.windows(2) {
            if compare(&pair[0].0, &pair[1].0)? != Ordering::Less {
                return Err(CdtError::Parameter);
            }
        }
    } else {
        super::order::sort_by(&mut entries, |a, b| compare(&a.0, &b.0))?;
        for pair in entries.windows(2) {
            if compare(&pair[0].0, &pair[1].0)? == Ordering::Equal {
                return Err(CdtError::Parameter);
            }
        }
    }
    msgpack::pack_map_header(out, count + usize::from(flags != 0));
    if flags != 0 {
        msgpack::pack_metadata(out, flags);
        msgpack::pack_nil(out);
    }
    for (key, value) in entries {
        out.extend_from_slice(&key);
        out.extend_from_slice(&value);
    }
    Ok(at)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unordered_maps_are_key_sorted_and_checked() {
        // {"b": 1, "a": [2]} becomes {"a": [2], "b": 1}.
        let value = [0x82, 0xa2, 3, b'b', 0x01, 0xa2, 3, b'a', 0x91, 0x02];
        assert_eq!(rewrite(&value), Ok(vec![0x82, 0xa2, 3, b'a', 0x91, 0x02, 0xa2, 3, b'b', 0x01]));
        // Duplicate keys, float keys, and a K-ordered map out of order are refused.
        assert_eq!(rewrite(&[0x82, 0x01, 0x01, 0x01, 0x02]), Err(CdtError::Parameter));
        assert_eq!(rewrite(&[0x81, 0xcb, 0, 0, 0, 0, 0, 0, 0, 0, 0x01]), Err(CdtError::Parameter));
        assert_eq!(rewrite(&[0x83, 0xc7, 0, 1, 0xc0, 0x02, 0x01, 0x01, 0x01]), Err(CdtError::Parameter));
        assert_eq!(
            rewrite(&[0x83, 0xc7, 0, 0x11, 0xc0, 0x01, 0x01, 0x02, 0x01]),
            Ok(vec![0x83, 0xc7, 0, 1, 0xc0, 0x01, 0x01, 0x02, 0x01])
        );
    }

    #[test]
    fn lists_nested_values_and_lies() {
        // An ordered list must be in order; nested maps inside lists are sorted too.
        assert_eq!(rewrite(&[0x93, 0xc7, 0, 1, 0x02, 0x01]), Err(CdtError::Parameter));
        assert_eq!(rewrite(&[0x91, 0x82, 0x02, 0xc0, 0x01, 0xc0]), Ok(vec![0x91, 0x82, 0x01, 0xc0, 0x02, 0xc0]));
        assert_eq!(rewrite(&[0x92, 0x01]), Err(CdtError::Parameter));
        assert_eq!(rewrite(&[0xdd, 0xff, 0xff, 0xff, 0xff]), Err(CdtError::Parameter));
        assert_eq!(rewrite(&[0x91, 0xd4, 0xff, 0x01]), Err(CdtError::Parameter));
        let mut deep = vec![0x91; MAX_DEPTH + 2];
        deep.push(0xc0);
        assert_eq!(rewrite(&deep), Err(CdtError::Parameter));
    }
}

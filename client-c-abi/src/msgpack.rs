//! Values in Aerospike's msgpack dialect (PROTOCOL-DATA.md §1): the bytes of list and map
//! particles and the payload of list and map operations.
//!
//! What differs from plain msgpack: a string is a str-family item whose first byte is the
//! as_bytes type 3, bytes the same with type 4 (other as_bytes types, such as GeoJSON 23, become
//! [`Value::Raw`]); integers are packed in the smallest form, unsigned forms for non-negative
//! values, as the C client's `as_pack_int64` does; a container may start with a metadata ext
//! `C7 00 <flags>` (the first element of a list, the first key of a map with a nil value), which
//! is skipped; the wildcard and infinity of operation arguments are `D4 FF 00` and `D4 FF 01`.
//!
//! Decoding reads untrusted bytes: every read is bounded by the input (no allocation sized
//! from a claimed count), nesting deeper than [`MAX_DEPTH`] is refused, and malformed input is
//! an error, never a panic.

use scramjet_net::msgpack::{Item, Reader};

use crate::error::{code, Error, Result};
use crate::value::Value;

/// Deepest nesting of lists and maps accepted when decoding.
pub const MAX_DEPTH: usize = 256;

/// The as_bytes type of a string inside a list or map.
pub const BYTES_STRING: u8 = 3;
/// The as_bytes type of a blob inside a list or map.
pub const BYTES_BLOB: u8 = 4;
/// The map metadata flag of a KEY_VALUE result: entries are in selection order.
pub const MAP_PRESERVE_ORDER: u8 = 0x08;

const EXT_COMPARE: i8 = -1; // ext type 0xFF
const CMP_WILDCARD: u8 = 0;
const CMP_INF: u8 = 1;

// ---- Packing ---------------------------------------------------------------------------------

/// Appends `v` in Aerospike's msgpack dialect.
pub fn pack(out: &mut Vec<u8>, v: &Value) {
    match v {
        Value::Nil => out.push(0xc0),
        Value::Bool(b) => out.push(if *b { 0xc3 } else { 0xc2 }),
        Value::Int(i) => pack_int(out, *i),
        Value::Float(f) => {
            out.push(0xcb);
            out.extend_from_slice(&f.to_bits().to_be_bytes());
        }
        Value::Str(s) => pack_bytes(out, BYTES_STRING, s.as_bytes()),
        Value::Bytes(b) => pack_bytes(out, BYTES_BLOB, b),
        Value::List(items) => {
            pack_list_header(out, items.len());
            for item in items {
                pack(out, item);
            }
        }
        Value::Map(entries) => {
            pack_map_header(out, entries.len());
            for (k, v) in entries {
                pack(out, k);
                pack(out, v);
            }
        }
        Value::Wildcard => out.extend_from_slice(&[0xd4, 0xff, CMP_WILDCARD]),
        Value::Infinity => out.extend_from_slice(&[0xd4, 0xff, CMP_INF]),
        // A list or map packed by the caller: one msgpack element already.
        Value::Raw(19 | 20, bytes) => out.extend_from_slice(bytes),
        Value::Raw(t, bytes) => pack_bytes(out, *t, bytes),
    }
}

/// The msgpack bytes of `v`.
pub fn to_vec(v: &Value) -> Vec<u8> {
    let mut out = Vec::new();
    pack(&mut out, v);
    out
}

/// Appends an integer in its smallest form: unsigned forms for non-negative values, signed
/// forms for negative ones (the C client's `as_pack_int64`).
pub fn pack_int(out: &mut Vec<u8>, v: i64) {
    if v >= 0 {
        pack_uint(out, v as u64);
    } else if v >= -32 {
        out.push(v as u8);
    } else if v >= i64::from(i8::MIN) {
        out.push(0xd0);
        out.push(v as i8 as u8);
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

/// Appends an unsigned integer in its smallest form (the C client's `as_pack_uint64`).
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

/// Appends a str-family header for `n` bytes, in its smallest form.
pub(crate) fn pack_str_header(out: &mut Vec<u8>, n: usize) {
    if n < 32 {
        out.push(0xa0 | n as u8);
    } else if n < 1 << 8 {
        out.extend_from_slice(&[0xd9, n as u8]);
    } else if n < 1 << 16 {
        out.push(0xda);
        out.extend_from_slice(&(n as u16).to_be_bytes());
    } else {
        out.push(0xdb);
        out.extend_from_slice(&(n as u32).to_be_bytes());
    }
}

/// Appends an as_bytes element: a str-family header counting the type byte, the type, the data.
fn pack_bytes(out: &mut Vec<u8>, ty: u8, data: &[u8]) {
    pack_str_header(out, data.len() + 1);
    out.push(ty);
    out.extend_from_slice(data);
}

/// Appends an array header for `n` items.
pub fn pack_list_header(out: &mut Vec<u8>, n: usize) {
    if n < 16 {
        out.push(0x90 | n as u8);
    } else if n < 1 << 16 {
        out.push(0xdc);
        out.extend_from_slice(&(n as u16).to_be_bytes());
    } else {
        out.push(0xdd);
        out.extend_from_slice(&(n as u32).to_be_bytes());
    }
}

/// Appends a map header for `n` entries.
pub fn pack_map_header(out: &mut Vec<u8>, n: usize) {
    if n < 16 {
        out.push(0x80 | n as u8);
    } else if n < 1 << 16 {
        out.push(0xde);
        out.extend_from_slice(&(n as u16).to_be_bytes());
    } else {
        out.push(0xdf);
        out.extend_from_slice(&(n as u32).to_be_bytes());
    }
}

// ---- Unpacking -------------------------------------------------------------------------------

fn bad(what: impl std::fmt::Display) -> Error {
    Error::new(code::CLIENT, format!("malformed list or map from the server: {what}"))
}

/// Decodes one value that fills `bytes` exactly.
pub fn unpack(bytes: &[u8]) -> Result<Value> {
    let mut r = Reader::new(bytes);
    let v = Unpacker { reader: &mut r, limit: bytes.len() }.value(0)?;
    if !r.is_done() {
        return Err(bad("bytes after the value"));
    }
    Ok(v)
}

struct Unpacker<'r, 'a> {
    reader: &'r mut Reader<'a>,
    /// The input's length: no container can hold more elements than there are bytes.
    limit: usize,
}

impl Unpacker<'_, '_> {
    fn value(&mut self, depth: usize) -> Result<Value> {
        let item = self.reader.read().map_err(bad)?;
        self.item(item, depth)
    }

    fn item(&mut self, item: Item<'_>, depth: usize) -> Result<Value> {
        Ok(match item {
            Item::Nil => Value::Nil,
            Item::Bool(b) => Value::Bool(b),
            Item::Int(i) => Value::Int(i),
            // Above i64::MAX: the bits, as the C client keeps them in an as_integer.
            Item::UInt(u) => Value::Int(u as i64),
            Item::Float(f) => Value::Float(f),
            Item::Str(b) => match b.split_first() {
                // A zero-length string has no type byte: the server classifies it as bytes.
                None => Value::Bytes(Vec::new()),
                Some((&BYTES_STRING, text)) => Value::Str(String::from_utf8_lossy(text).into_owned()),
                Some((&BYTES_BLOB, data)) => Value::Bytes(data.to_vec()),
                Some((&t, data)) => Value::Raw(t, data.to_vec()),
            },
            Item::Bin(b) => Value::Bytes(b.to_vec()),
            Item::Array(n) => {
                let depth = self.deeper(depth)?;
                let mut items = Vec::with_capacity(n.min(self.limit));
                for i in 0..n {
                    match self.reader.read().map_err(bad)? {
                        Item::Ext(_, []) if i == 0 => {} // the list's metadata (order flags)
                        item => items.push(self.item(item, depth)?),
                    }
                }
                Value::List(items)
            }
            Item::Map(n) => {
                let depth = self.deeper(depth)?;
                let mut entries = Vec::with_capacity(n.min(self.limit));
                let mut flags = 0u8;
                for i in 0..n {
                    match self.reader.read().map_err(bad)? {
                        Item::Ext(f, []) if i == 0 => {
                            flags = f as u8; // the map's metadata; its value is nil
                            self.value(depth)?;
                        }
                        key => {
                            let k = self.item(key, depth)?;
                            entries.push((k, self.value(depth)?));
                        }
                    }
                }
                if flags & MAP_PRESERVE_ORDER != 0 {
                    // A KEY_VALUE result: keys and values in selection order, as a flat list
                    // (what the official C and Python clients give).
                    Value::List(entries.into_iter().flat_map(|(k, v)| [k, v]).collect())
                } else {
                    Value::Map(entries)
                }
            }
            Item::Ext(EXT_COMPARE, [CMP_WILDCARD]) => Value::Wildcard,
            Item::Ext(EXT_COMPARE, [CMP_INF]) => Value::Infinity,
            Item::Ext(t, _) => return Err(bad(format!("unexpected extension type {t}"))),
        })
    }

    fn deeper(&self, depth: usize) -> Result<usize> {
        if depth >= MAX_DEPTH {
            return Err(bad(format!("nested deeper than {MAX_DEPTH} levels")));
        }
        Ok(depth + 1)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn round_trip(v: Value) {
        assert_eq!(unpack(&to_vec(&v)).unwrap(), v, "{v:?}");
    }

    #[test]
    fn strings_and_bytes_carry_their_type_byte() {
        assert_eq!(to_vec(&Value::from("ab")), [0xa3, 3, b'a', b'b']);
        assert_eq!(to_vec(&Value::from("")), [0xa1, 3]);
        assert_eq!(to_vec(&Value::Bytes(vec![9])), [0xa2, 4, 9]);
        let long = "x".repeat(40);
        assert_eq!(&to_vec(&Value::from(long.as_str()))[..3], [0xd9, 41, 3]);
        assert_eq!(unpack(&[0xa0]).unwrap(), Value::Bytes(Vec::new()));
        assert_eq!(unpack(&[0xa3, 23, b'{', b'}']).unwrap(), Value::Raw(23, b"{}".to_vec()));
    }

    #[test]
    fn integers_take_the_c_clients_forms() {
        let cases: [(i64, &[u8]); 10] = [
            (0, &[0x00]),
            (127, &[0x7f]),
            (128, &[0xcc, 0x80]),
            (65535, &[0xcd, 0xff, 0xff]),
            (65536, &[0xce, 0, 1, 0, 0]),
            (1 << 32, &[0xcf, 0, 0, 0, 1, 0, 0, 0, 0]),
            (-1, &[0xff]),
            (-32, &[0xe0]),
            (-33, &[0xd0, 0xdf]),
            (i64::MIN, &[0xd3, 0x80, 0, 0, 0, 0, 0, 0, 0]),
        ];
        for (v, bytes) in cases {
            assert_eq!(to_vec(&Value::Int(v)), bytes, "{v}");
            assert_eq!(unpack(bytes).unwrap(), Value::Int(v));
        }
    }

    #[test]
    fn values_round_trip() {
        round_trip(Value::from(vec![Value::Nil, Value::Bool(true), Value::Float(-2.5), Value::from("é")]));
        round_trip(Value::Map(vec![
            (Value::from("k"), Value::List(vec![Value::Int(1), Value::Int(2)])),
            (Value::Int(-7), Value::Nil),
        ]));
        round_trip(Value::List((0..70000).map(Value::Int).collect()));
        round_trip(Value::from(vec![Value::Wildcard, Value::Infinity]));
    }

    #[test]
    fn metadata_is_skipped_and_key_value_results_become_pairs() {
        // Ordered list [1]: 92 C7 00 01 01.
        assert_eq!(unpack(&[0x92, 0xc7, 0x00, 0x01, 0x01]).unwrap(), Value::List(vec![Value::Int(1)]));
        // K-ordered {1: "a"}: 82 C7 00 01 C0 01 A2 03 61.
        let m = unpack(&[0x82, 0xc7, 0x00, 0x01, 0xc0, 0x01, 0xa2, 0x03, b'a']).unwrap();
        assert_eq!(m, Value::Map(vec![(Value::Int(1), Value::from("a"))]));
        // A KEY_VALUE result {b: 2, a: 1} flagged PRESERVE_ORDER: pairs in that order.
        let kv = unpack(&[0x83, 0xc7, 0x00, 0x08, 0xc0, 0xa2, 3, b'b', 2, 0xa2, 3, b'a', 1]).unwrap();
        assert_eq!(kv, Value::from(vec![Value::from("b"), Value::Int(2), Value::from("a"), Value::Int(1)]));
    }

    #[test]
    fn hostile_input_is_an_error_not_a_panic() {
        // A count far beyond the bytes: refused without a huge allocation.
        assert!(unpack(&[0xdd, 0xff, 0xff, 0xff, 0xff]).is_err());
        assert!(unpack(&[0xdf, 0xff, 0xff, 0xff, 0xff, 0x01]).is_err());
        // Too deep.
        let mut deep = vec![0x91; MAX_DEPTH + 1];
        deep.push(0x01);
        assert!(unpack(&deep).is_err());
        let mut ok = vec![0x91; MAX_DEPTH];
        ok.push(0x01);
        assert!(unpack(&ok).is_ok());
        // Trailing bytes, unknown exts, truncation.
        assert!(unpack(&[0x01, 0x02]).is_err());
        assert!(unpack(&[0xd4, 0x05, 0x00]).is_err());
        for tag in 0..=255u8 {
            for len in 0..6 {
                let mut bytes = vec![tag];
                bytes.extend(std::iter::repeat_n(0x92, len));
                let _ = unpack(&bytes);
            }
        }
    }
}

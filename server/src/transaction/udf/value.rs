//! The values a UDF works with (PROTOCOL-DATA.md §E.4), apart from Lua: what bins, arguments,
//! list and map elements and return values become, and how they turn back into particles and
//! msgpack.
//!
//! Lists, maps and bytes are shared by reference, as Aerospike's reference-counted `as_val`s
//! are: `local l = rec.l; list.append(l, 1)` changes the list `l` names wherever it is held.
//! A map keeps its entries in key order (Aerospike's msgpack order of types, then values), which
//! is also the order a map is stored in.

use std::cell::RefCell;
use std::cmp::Ordering;
use std::collections::BTreeMap;
use std::rc::Rc;

use scramjet_engine::cdt::msgpack::{self, Header, BYTES_BLOB, BYTES_GEOJSON, BYTES_STRING, MAX_DEPTH};
use scramjet_net::particle::{decode_bool, decode_float, decode_integer};
use scramjet_net::ParticleType;

/// A value.
#[derive(Debug, Clone)]
pub enum Val {
    /// nil.
    Nil,
    /// A boolean.
    Bool(bool),
    /// A 64-bit integer.
    Int(i64),
    /// A double.
    Float(f64),
    /// A string (any bytes, as Lua strings are).
    Str(Vec<u8>),
    /// Bytes with their type (blob 4, HLL 18, a language blob, ...).
    Bytes(Rc<RefCell<Bytes>>),
    /// A list.
    List(Rc<RefCell<List>>),
    /// A map.
    Map(Rc<RefCell<Map>>),
    /// GeoJSON text.
    Geo(Rc<[u8]>),
}

/// Bytes and their type.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Bytes {
    /// The as_bytes type: 4 blob unless set otherwise.
    pub ty: u8,
    /// The bytes.
    pub data: Vec<u8>,
}

/// A list and its order flags (the msgpack metadata Aerospike keeps with ordered lists).
#[derive(Debug, Clone, Default)]
pub struct List {
    /// The elements.
    pub items: Vec<Val>,
    /// Metadata flags (0: unordered, no metadata).
    pub flags: u8,
}

/// A map and its order flags.
#[derive(Debug, Clone, Default)]
pub struct Map {
    /// The entries, in key order.
    pub entries: BTreeMap<Key, Val>,
    /// Metadata flags (0: unordered, no metadata).
    pub flags: u8,
}

/// A map key: the scalar values, ordered as Aerospike orders msgpack values (types first:
/// bool, integer, string, bytes, double).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub enum Key {
    /// A boolean.
    Bool(bool),
    /// An integer.
    Int(i64),
    /// A string.
    Str(Vec<u8>),
    /// Bytes with their type.
    Bytes(u8, Vec<u8>),
    /// A double, ordered by `f64::total_cmp`.
    Float(OrdF64),
}

/// A double with a total order.
#[derive(Debug, Clone, Copy)]
pub struct OrdF64(pub f64);

impl PartialEq for OrdF64 {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}
impl Eq for OrdF64 {}
impl PartialOrd for OrdF64 {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}
impl Ord for OrdF64 {
    fn cmp(&self, other: &Self) -> Ordering {
        self.0.total_cmp(&other.0)
    }
}

/// A value that cannot be stored or sent.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ValError {
    /// Nested deeper than msgpack values may be (a list that contains itself, say).
    TooDeep,
    /// Bytes that are not a value of their type.
    Malformed,
}

impl Val {
    /// A new list.
    #[cfg(test)]
    pub fn list(items: Vec<Val>) -> Val {
        Val::List(Rc::new(RefCell::new(List { items, flags: 0 })))
    }

    /// A new map.
    #[cfg(test)]
    pub fn map(entries: BTreeMap<Key, Val>) -> Val {
        Val::Map(Rc::new(RefCell::new(Map { entries, flags: 0 })))
    }

    /// New bytes of type `ty`.
    pub fn bytes(ty: u8, data: Vec<u8>) -> Val {
        Val::Bytes(Rc::new(RefCell::new(Bytes { ty, data })))
    }

    /// The key this value is, if it can be one.
    pub fn to_key(&self) -> Option<Key> {
        Some(match self {
            Val::Bool(b) => Key::Bool(*b),
            Val::Int(i) => Key::Int(*i),
            Val::Float(f) => Key::Float(OrdF64(*f)),
            Val::Str(s) => Key::Str(s.clone()),
            Val::Bytes(b) => {
                let b = b.borrow();
                Key::Bytes(b.ty, b.data.clone())
            }
            _ => return None,
        })
    }

    /// A rough size in bytes, for the memory a UDF may grow its values by.
    pub fn weight(&self) -> usize {
        32 + match self {
            Val::Str(s) => s.len(),
            Val::Geo(s) => s.len(),
            _ => 0,
        }
    }
}

impl Key {
    /// The value this key is.
    pub fn to_val(&self) -> Val {
        match self {
            Key::Bool(b) => Val::Bool(*b),
            Key::Int(i) => Val::Int(*i),
            Key::Float(f) => Val::Float(f.0),
            Key::Str(s) => Val::Str(s.clone()),
            Key::Bytes(ty, data) => Val::bytes(*ty, data.clone()),
        }
    }
}

/// The value of a bin.
pub fn from_particle(particle: ParticleType, value: &[u8]) -> Result<Val, ValError> {
    let bad = |_| ValError::Malformed;
    Ok(match particle {
        ParticleType::Null => Val::Nil,
        ParticleType::Integer => Val::Int(decode_integer(value).map_err(bad)?),
        ParticleType::Float => Val::Float(decode_float(value).map_err(bad)?),
        ParticleType::Bool => Val::Bool(decode_bool(value).map_err(bad)?),
        ParticleType::String => Val::Str(value.to_vec()),
        ParticleType::List | ParticleType::Map => unpack(value)?,
        ParticleType::GeoJson => {
            Val::Geo(scramjet_engine::geo::particle_text(value).ok_or(ValError::Malformed)?.into())
        }
        other => Val::bytes(other as u8, value.to_vec()),
    })
}

/// A value as a bin's particle; `None` for nil (which deletes the bin).
pub fn to_particle(val: &Val) -> Result<Option<(ParticleType, Vec<u8>)>, ValError> {
    Ok(Some(match val {
        Val::Nil => return Ok(None),
        Val::Bool(b) => (ParticleType::Bool, vec![u8::from(*b)]),
        Val::Int(i) => (ParticleType::Integer, i.to_be_bytes().to_vec()),
        Val::Float(f) => (ParticleType::Float, f.to_be_bytes().to_vec()),
        Val::Str(s) => (ParticleType::String, s.clone()),
        Val::Bytes(b) => {
            let b = b.borrow();
            // Bytes typed as something a bin cannot hold are stored as a blob.
            let particle = ParticleType::from_u8(b.ty)
                .filter(|p| p.is_blob() || *p == ParticleType::Hll)
                .unwrap_or(ParticleType::Blob);
            (particle, b.data.clone())
        }
        Val::Geo(text) => (ParticleType::GeoJson, scramjet_engine::geo::particle_value(text)),
        Val::List(_) | Val::Map(_) => {
            let particle = if matches!(val, Val::List(_)) { ParticleType::List } else { ParticleType::Map };
            let mut packed = Vec::new();
            pack(val, &mut packed)?;
            // Stored in Aerospike's canonical form, as a whole-bin write would store it.
            let stored = scramjet_engine::cdt::rewrite(&packed).map_err(|_| ValError::Malformed)?;
            (particle, stored)
        }
    }))
}

/// Packs a value as Aerospike's msgpack.
pub fn pack(val: &Val, out: &mut Vec<u8>) -> Result<(), ValError> {
    pack_at(val, out, 0)
}

fn pack_at(val: &Val, out: &mut Vec<u8>, depth: usize) -> Result<(), ValError> {
    if depth > MAX_DEPTH {
        return Err(ValError::TooDeep);
    }
    match val {
        Val::Nil => msgpack::pack_nil(out),
        Val::Bool(b) => msgpack::pack_bool(out, *b),
        Val::Int(i) => msgpack::pack_int(out, *i),
        Val::Float(f) => msgpack::pack_double(out, *f),
        Val::Str(s) => msgpack::pack_bytes(out, BYTES_STRING, s),
        Val::Bytes(b) => {
            let b = b.borrow();
            msgpack::pack_bytes(out, b.ty, &b.data);
        }
        Val::Geo(text) => msgpack::pack_bytes(out, BYTES_GEOJSON, text),
        Val::List(l) => {
            let l = l.try_borrow().map_err(|_| ValError::TooDeep)?;
            let meta = usize::from(l.flags != 0);
            msgpack::pack_list_header(out, l.items.len() + meta);
            if l.flags != 0 {
                msgpack::pack_metadata(out, l.flags);
            }
            for item in &l.items {
                pack_at(item, out, depth + 1)?;
            }
        }
        Val::Map(m) => {
            let m = m.try_borrow().map_err(|_| ValError::TooDeep)?;
            let meta = usize::from(m.flags != 0);
            msgpack::pack_map_header(out, m.entries.len() + meta);
            if m.flags != 0 {
                msgpack::pack_metadata(out, m.flags);
                msgpack::pack_nil(out);
            }
            for (k, v) in &m.entries {
                pack_at(&k.to_val(), out, depth + 1)?;
                pack_at(v, out, depth + 1)?;
            }
        }
    }
    Ok(())
}

/// Unpacks one msgpack value that fills `bytes`.
pub fn unpack(bytes: &[u8]) -> Result<Val, ValError> {
    let (val, end) = unpack_at(bytes, 0, 0)?;
    if end != bytes.len() {
        return Err(ValError::Malformed);
    }
    Ok(val)
}

/// Unpacks the value at `pos`; returns it and the position after it. Counts are not trusted:
/// every element is read from the bytes before it is kept.
pub fn unpack_at(bytes: &[u8], pos: usize, depth: usize) -> Result<(Val, usize), ValError> {
    if depth > MAX_DEPTH {
        return Err(ValError::TooDeep);
    }
    let (header, mut at) = msgpack::read_header(bytes, pos).map_err(|_| ValError::Malformed)?;
    let val = match header {
        Header::Nil => Val::Nil,
        Header::Bool(b) => Val::Bool(b),
        Header::Int(i) => Val::Int(i),
        // Aerospike's integers are signed: larger unsigned values wrap, as its unpacker does.
        Header::UInt(u) => Val::Int(u as i64),
        Header::Double(f) => Val::Float(f),
        Header::Bytes { ty: None, .. } => Val::Str(Vec::new()),
        Header::Bytes { ty: Some(BYTES_STRING), data } => Val::Str(data.to_vec()),
        Header::Bytes { ty: Some(BYTES_GEOJSON), data } => Val::Geo(data.into()),
        Header::Bytes { ty: Some(ty), data } => Val::bytes(ty, data.to_vec()),
        // WILDCARD and INF mean nothing outside CDT operations.
        Header::Ext(..) => Val::Nil,
        Header::List(n) => {
            let mut list = List::default();
            for i in 0..n {
                if i == 0 {
                    if let Ok((Header::Ext(_, _), after)) = msgpack::read_header(bytes, at) {
                        list.flags = msgpack::metadata_flags(&bytes[at..after]).unwrap_or(0);
                        at = after;
                        continue;
                    }
                }
                let (item, next) = unpack_at(bytes, at, depth + 1)?;
                list.items.push(item);
                at = next;
            }
            Val::List(Rc::new(RefCell::new(list)))
        }
        Header::Map(n) => {
            let mut map = Map::default();
            for i in 0..n {
                if i == 0 {
                    if let Ok((Header::Ext(_, _), after)) = msgpack::read_header(bytes, at) {
                        map.flags = msgpack::metadata_flags(&bytes[at..after]).unwrap_or(0);
                        at = msgpack::skip(bytes, after).map_err(|_| ValError::Malformed)?;
                        continue;
                    }
                }
                let (key, next) = unpack_at(bytes, at, depth + 1)?;
                let (value, next) = unpack_at(bytes, next, depth + 1)?;
                at = next;
                // A key no Lua map can hold (nil, a container) is dropped, as Aerospike's
                // hash map cannot index it either.
                if let Some(key) = key.to_key() {
                    map.entries.insert(key, value);
                }
            }
            Val::Map(Rc::new(RefCell::new(map)))
        }
    };
    Ok((val, at))
}

/// The blob type of bytes a UDF creates.
pub const DEFAULT_BYTES_TYPE: u8 = BYTES_BLOB;

#[cfg(test)]
mod tests {
    use super::*;

    fn roundtrip(bytes: &[u8]) -> Vec<u8> {
        let mut out = Vec::new();
        pack(&unpack(bytes).unwrap(), &mut out).unwrap();
        out
    }

    #[test]
    fn msgpack_round_trips() {
        // [1, "ab", {1: 2.5}, nil, true, -5]
        let bytes =
            [0x96, 0x01, 0xa3, 0x03, b'a', b'b', 0x81, 0x01, 0xcb, 0x40, 0x04, 0, 0, 0, 0, 0, 0, 0xc0, 0xc3, 0xfb];
        assert_eq!(roundtrip(&bytes), bytes);
        // An ordered map keeps its metadata.
        let ordered = [0x82, 0xc7, 0x00, 0x01, 0xc0, 0x01, 0x02];
        assert_eq!(roundtrip(&ordered), ordered);
    }

    #[test]
    fn counts_are_not_trusted() {
        assert_eq!(unpack(&[0xdd, 0xff, 0xff, 0xff, 0xff]).unwrap_err(), ValError::Malformed);
        let mut deep = vec![0x91; MAX_DEPTH + 2];
        deep.push(0x01);
        assert_eq!(unpack(&deep).unwrap_err(), ValError::TooDeep);
    }

    #[test]
    fn a_list_inside_itself_is_refused() {
        let list = Val::list(vec![Val::Int(1)]);
        if let Val::List(l) = &list {
            l.borrow_mut().items.push(list.clone());
        }
        assert!(pack(&list, &mut Vec::new()).is_err());
        // Break the cycle so the test does not leak.
        if let Val::List(l) = &list {
            l.borrow_mut().items.clear();
        }
    }

    #[test]
    fn particles_round_trip() {
        for (p, v) in [
            (ParticleType::Integer, 7i64.to_be_bytes().to_vec()),
            (ParticleType::Float, 1.5f64.to_be_bytes().to_vec()),
            (ParticleType::String, b"x".to_vec()),
            (ParticleType::Blob, vec![1, 2]),
            (ParticleType::Bool, vec![1]),
            (ParticleType::List, vec![0x92, 0x01, 0x02]),
        ] {
            let val = from_particle(p, &v).unwrap();
            assert_eq!(to_particle(&val).unwrap(), Some((p, v)));
        }
        assert_eq!(to_particle(&Val::Nil).unwrap(), None);
    }
}

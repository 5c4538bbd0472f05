//! Bin values and user keys, and their particle encodings (PROTOCOL.md §4; lists and maps in
//! Aerospike's msgpack dialect, PROTOCOL-DATA.md §1, see [`crate::msgpack`]).

use scramjet_net::particle::{decode_bool, decode_float, decode_integer};
use scramjet_net::{Digest, ParticleType};

use crate::error::{code, Error, Result};

/// A bin value, or an element of a list or map.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    /// No value: writing it deletes the bin.
    Nil,
    /// A signed 64-bit integer.
    Int(i64),
    /// A 64-bit float.
    Float(f64),
    /// A UTF-8 string.
    Str(String),
    /// Bytes.
    Bytes(Vec<u8>),
    /// A boolean.
    Bool(bool),
    /// A list (particle type 20).
    List(Vec<Value>),
    /// A map (particle type 19): its entries in the order the server sent them (key order for a
    /// key-ordered map). Writing one sends an unordered map, which the server stores key-sorted.
    /// A map operation's KEY_VALUE result is not a map but a [`Value::List`] of keys and values
    /// alternating (`[k1, v1, k2, v2, …]`), in selection order, as the official clients give it.
    Map(Vec<(Value, Value)>),
    /// The wildcard of list and map operation arguments (`D4 FF 00`): equal to anything, so
    /// `["a", Wildcard]` matches every list that starts with "a". Never stored.
    Wildcard,
    /// Infinity in list and map operation arguments (`D4 FF 01`): greater than any value, for
    /// open-ended intervals. Never stored.
    Infinity,
    /// Any other particle (GeoJSON, HLL, language blobs), kept as its type and raw bytes; inside a
    /// list or map, an element of that as_bytes type. `Raw(19 | 20, bytes)` is a map or list
    /// already packed in msgpack, sent as is. An HLL value is `Raw(18, bytes)`: see
    /// [`Value::hll`].
    Raw(u8, Vec<u8>),
}

impl Value {
    /// An HLL value (particle type 18) of Aerospike's HLL bytes (PROTOCOL-DATA.md §B.5), as an
    /// HLL bin reads back and as HLL operations take their operands (see [`crate::hll`]); put
    /// as a bin, it makes an HLL bin (the server refuses bytes that are no HLL with 4).
    pub fn hll(bytes: Vec<u8>) -> Value {
        Value::Raw(ParticleType::Hll as u8, bytes)
    }

    /// The bytes of an HLL value; None for any other value.
    pub fn as_hll(&self) -> Option<&[u8]> {
        match self {
            Value::Raw(t, bytes) if *t == ParticleType::Hll as u8 => Some(bytes),
            _ => None,
        }
    }

    /// The particle type this value is sent as.
    pub fn particle_type(&self) -> u8 {
        match self {
            Value::Nil => ParticleType::Null as u8,
            Value::Int(_) => ParticleType::Integer as u8,
            Value::Float(_) => ParticleType::Float as u8,
            Value::Str(_) => ParticleType::String as u8,
            Value::Bytes(_) => ParticleType::Blob as u8,
            Value::Bool(_) => ParticleType::Bool as u8,
            Value::List(_) => ParticleType::List as u8,
            Value::Map(_) => ParticleType::Map as u8,
            // Not storable: `check_storable` refuses them before anything is sent.
            Value::Wildcard | Value::Infinity => ParticleType::Null as u8,
            Value::Raw(t, _) => *t,
        }
    }

    /// Appends the particle bytes of this value (lists and maps as msgpack).
    pub fn encode_into(&self, out: &mut Vec<u8>) {
        match self {
            Value::Nil | Value::Wildcard | Value::Infinity => {}
            Value::Int(i) => out.extend_from_slice(&i.to_be_bytes()),
            Value::Float(f) => out.extend_from_slice(&f.to_bits().to_be_bytes()),
            Value::Str(s) => out.extend_from_slice(s.as_bytes()),
            Value::Bytes(b) | Value::Raw(_, b) => out.extend_from_slice(b),
            Value::Bool(b) => out.push(u8::from(*b)),
            Value::List(_) | Value::Map(_) => crate::msgpack::pack(out, self),
        }
    }

    /// Refuses a value that cannot be a bin's: the wildcard or infinity, at any depth.
    pub fn check_storable(&self) -> Result<()> {
        let refused = || Error::new(code::PARAM, "wildcard and infinity only select; they cannot be stored");
        match self {
            Value::Wildcard | Value::Infinity => Err(refused()),
            Value::List(items) => items.iter().try_for_each(Value::check_storable),
            Value::Map(entries) => entries.iter().try_for_each(|(k, v)| {
                k.check_storable()?;
                v.check_storable()
            }),
            _ => Ok(()),
        }
    }

    /// Decodes a particle from a response.
    pub fn decode(particle_type: u8, bytes: &[u8]) -> Result<Value> {
        let bad = |what: &str| Error::new(code::CLIENT, format!("bad {what} particle in a response"));
        Ok(match ParticleType::from_u8(particle_type) {
            Some(ParticleType::Null) => Value::Nil,
            Some(ParticleType::Integer) => Value::Int(decode_integer(bytes).map_err(|_| bad("integer"))?),
            Some(ParticleType::Float) => Value::Float(decode_float(bytes).map_err(|_| bad("float"))?),
            Some(ParticleType::String) => Value::Str(String::from_utf8_lossy(bytes).into_owned()),
            Some(ParticleType::Blob) => Value::Bytes(bytes.to_vec()),
            Some(ParticleType::Bool) => Value::Bool(decode_bool(bytes).map_err(|_| bad("boolean"))?),
            Some(ParticleType::List | ParticleType::Map) => crate::msgpack::unpack(bytes)?,
            _ => Value::Raw(particle_type, bytes.to_vec()),
        })
    }
}

impl From<i64> for Value {
    fn from(v: i64) -> Value {
        Value::Int(v)
    }
}

impl From<f64> for Value {
    fn from(v: f64) -> Value {
        Value::Float(v)
    }
}

impl From<&str> for Value {
    fn from(v: &str) -> Value {
        Value::Str(v.to_string())
    }
}

impl From<String> for Value {
    fn from(v: String) -> Value {
        Value::Str(v)
    }
}

impl From<Vec<u8>> for Value {
    fn from(v: Vec<u8>) -> Value {
        Value::Bytes(v)
    }
}

impl From<bool> for Value {
    fn from(v: bool) -> Value {
        Value::Bool(v)
    }
}

impl From<i32> for Value {
    fn from(v: i32) -> Value {
        Value::Int(i64::from(v))
    }
}

// Not generic over the element type: `Value::from(vec![1, 2])` must stay bytes, as it was
// before lists existed (with a generic impl the literals would become i32 and the vector a list).
impl From<Vec<Value>> for Value {
    /// A list of the values.
    fn from(v: Vec<Value>) -> Value {
        Value::List(v)
    }
}

impl From<Vec<(Value, Value)>> for Value {
    /// A map of the entries.
    fn from(v: Vec<(Value, Value)>) -> Value {
        Value::Map(v)
    }
}

/// A user key: an integer, a string or bytes, as in Aerospike.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum UserKey {
    /// Integer key.
    Int(i64),
    /// String key.
    Str(String),
    /// Bytes key.
    Bytes(Vec<u8>),
}

impl UserKey {
    fn particle(&self) -> (u8, Vec<u8>) {
        match self {
            UserKey::Int(i) => (ParticleType::Integer as u8, i.to_be_bytes().to_vec()),
            UserKey::Str(s) => (ParticleType::String as u8, s.as_bytes().to_vec()),
            UserKey::Bytes(b) => (ParticleType::Blob as u8, b.clone()),
        }
    }
}

/// A record's address: namespace, set, and the digest (from the user key, or given).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Key {
    /// Namespace.
    pub namespace: String,
    /// Set (may be empty).
    pub set: String,
    /// The user key, when known.
    pub user_key: Option<UserKey>,
    /// RIPEMD-160 of set and key (PROTOCOL.md §5).
    pub digest: Digest,
}

impl Key {
    /// A key from namespace, set and user key; the digest is computed here.
    pub fn new(namespace: &str, set: &str, user_key: UserKey) -> Result<Key> {
        check_name("namespace", namespace, 31)?;
        check_name("set", set, 63)?;
        let (t, bytes) = user_key.particle();
        let digest = Digest::compute(set.as_bytes(), t, &bytes);
        Ok(Key { namespace: namespace.to_string(), set: set.to_string(), user_key: Some(user_key), digest })
    }

    /// A key from namespace, set and a digest the caller already has.
    pub fn from_digest(namespace: &str, set: &str, digest: [u8; 20]) -> Result<Key> {
        check_name("namespace", namespace, 31)?;
        check_name("set", set, 63)?;
        Ok(Key { namespace: namespace.to_string(), set: set.to_string(), user_key: None, digest: Digest(digest) })
    }

    /// Points the key at another user key of the same namespace and set (no allocation for
    /// integer keys: load generators reuse one key per operation slot).
    pub fn set_user_key(&mut self, user_key: UserKey) {
        self.digest = match &user_key {
            UserKey::Int(i) => Digest::compute(self.set.as_bytes(), ParticleType::Integer as u8, &i.to_be_bytes()),
            other => {
                let (t, bytes) = other.particle();
                Digest::compute(self.set.as_bytes(), t, &bytes)
            }
        };
        self.user_key = Some(user_key);
    }

    /// The partition the record lives in.
    pub fn partition_id(&self) -> u16 {
        self.digest.partition_id()
    }

    /// The KEY field's data: particle type then key bytes.
    pub fn key_field(&self) -> Option<Vec<u8>> {
        let (t, bytes) = self.user_key.as_ref()?.particle();
        let mut field = Vec::with_capacity(1 + bytes.len());
        field.push(t);
        field.extend_from_slice(&bytes);
        Some(field)
    }
}

fn check_name(what: &str, name: &str, max: usize) -> Result<()> {
    if name.len() > max || name.contains('\0') || (what == "namespace" && name.is_empty()) {
        return Err(Error::new(code::PARAM, format!("invalid {what} name '{name}' (1 to {max} bytes, no NUL)")));
    }
    Ok(())
}

/// A bin name must fit the server's 15-byte limit.
pub fn check_bin_name(name: &str) -> Result<()> {
    if name.len() > scramjet_net::op::BIN_NAME_MAX_LEN || name.contains('\0') {
        return Err(Error::new(
            code::PARAM,
            format!("invalid bin name '{name}' (at most {} bytes, no NUL)", scramjet_net::op::BIN_NAME_MAX_LEN),
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn conversions_keep_their_meaning() {
        // A vector of integer literals is still bytes; lists and maps come from values.
        assert_eq!(Value::from(vec![1, 2]), Value::Bytes(vec![1, 2]));
        assert_eq!(Value::from(vec![Value::Int(1)]), Value::List(vec![Value::Int(1)]));
        assert_eq!(Value::from(vec![(Value::from("k"), Value::Nil)]), Value::Map(vec![(Value::from("k"), Value::Nil)]));
        assert_eq!(Value::from(7), Value::Int(7));
        assert_eq!(Value::from(vec![Value::Wildcard]).check_storable().unwrap_err().code, code::PARAM);
        assert!(Value::from(vec![Value::from(vec![(Value::Int(1), Value::Bool(true))])]).check_storable().is_ok());
    }

    #[test]
    fn hll_values_are_particle_18() {
        let h = Value::hll(vec![0, 4, 0]);
        assert_eq!((h.particle_type(), h.as_hll()), (18, Some(&[0u8, 4, 0][..])));
        assert_eq!(Value::decode(18, &[0, 4, 0]).unwrap(), h);
        assert_eq!(Value::Bytes(vec![0, 4, 0]).as_hll(), None);
        assert_eq!(Value::Raw(23, b"{}".to_vec()).as_hll(), None);
        // Inside a list: an as_bytes element of type 18, and back.
        let list = Value::from(vec![h.clone()]);
        assert_eq!(crate::msgpack::to_vec(&list), [0x91, 0xa4, 18, 0, 4, 0]);
        assert_eq!(crate::msgpack::unpack(&[0x91, 0xa4, 18, 0, 4, 0]).unwrap(), list);
        let mut particle = Vec::new();
        h.encode_into(&mut particle);
        assert_eq!(particle, [0, 4, 0]);
    }
}

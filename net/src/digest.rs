//! Record digests and partition ids (PROTOCOL.md §5).
//!
//! digest = RIPEMD-160(set name ‖ key particle type ‖ key bytes); the namespace is not part of
//! it. The partition id is the first two digest bytes read little-endian, masked to 12 bits.

use ripemd::{Digest as _, Ripemd160};

/// Number of partitions per namespace; fixed by the protocol (clients hard-code it).
pub const N_PARTITIONS: usize = 4096;

/// Size of a digest in bytes.
pub const DIGEST_SIZE: usize = 20;

/// FNV-1a 64 over `bytes`.
pub fn fnv1a64(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |h, &b| (h ^ u64::from(b)).wrapping_mul(0x0000_0100_0000_01b3))
}

/// The 20-byte RIPEMD-160 digest that identifies a record within a namespace.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Digest(pub [u8; DIGEST_SIZE]);

impl Digest {
    /// Computes the digest of a key: `set` may be empty; `key_type` is the key's particle type
    /// byte and `key` its wire bytes (8-byte big-endian for integers).
    pub fn compute(set: &[u8], key_type: u8, key: &[u8]) -> Digest {
        let mut hasher = Ripemd160::new();
        hasher.update(set);
        hasher.update([key_type]);
        hasher.update(key);
        Digest(hasher.finalize().into())
    }

    /// The digest in a wire field, if the field is exactly 20 bytes.
    pub fn from_slice(bytes: &[u8]) -> Option<Digest> {
        Some(Digest(bytes.try_into().ok()?))
    }

    /// The partition this digest belongs to.
    pub fn partition_id(&self) -> u16 {
        partition_id(&self.0)
    }
}

impl std::fmt::Debug for Digest {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        for byte in self.0 {
            write!(f, "{byte:02x}")?;
        }
        Ok(())
    }
}

/// Partition id of a digest: `(d[0] | d[1] << 8) & 0x0FFF`.
pub fn partition_id(digest: &[u8; DIGEST_SIZE]) -> u16 {
    (u16::from(digest[0]) | (u16::from(digest[1]) << 8)) & (N_PARTITIONS as u16 - 1)
}

const _: () = assert!(N_PARTITIONS.is_power_of_two(), "the pid mask needs a power of two");

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ParticleType;

    fn hex(d: Digest) -> String {
        format!("{d:?}")
    }

    fn int_key(set: &str, value: i64) -> Digest {
        Digest::compute(set.as_bytes(), ParticleType::Integer as u8, &value.to_be_bytes())
    }

    fn string_key(set: &str, value: &str) -> Digest {
        Digest::compute(set.as_bytes(), ParticleType::String as u8, value.as_bytes())
    }

    /// Vectors from the Rust client's key tests (PROTOCOL.md §5), set "set".
    #[test]
    fn published_vectors() {
        let cases = [
            (int_key("set", 0), "93d943aae37b017ad7e011b0c1d2e2143c2fb37d", 2451),
            (int_key("set", 1), "82d7213b469812947c109a6d341e3b5b1dedec1f", 1922),
            (int_key("set", -1), "22116d253745e29fc63fdf760b6e26f7e197e01d", 290),
            (string_key("set", ""), "2819b1ff6e346a43b4f5f6b77a88bc3eaac22a83", 2344),
            (string_key("set", "haha"), "36eb02a807dbade8cd784e7800d76308b4e89212", 2870),
            (Digest::compute(b"set", ParticleType::Blob as u8, b""), "327e2877b8815c7aeede0d5a8620d4ef8df4a4b4", 3634),
        ];
        for (digest, expected_hex, expected_pid) in cases {
            assert_eq!(hex(digest), expected_hex);
            assert_eq!(digest.partition_id(), expected_pid);
        }
    }

    #[test]
    fn empty_set_vectors() {
        let haha = string_key("", "haha");
        assert_eq!(hex(haha), "70d0bcc5e6b4840067e954be46b1b3b7dbc229ca");
        assert_eq!(haha.partition_id(), 112);
        let one = int_key("", 1);
        assert_eq!(hex(one), "a443f05d05d962202b59abb402afae1737dbf66a");
        assert_eq!(one.partition_id(), 932);
    }

    #[test]
    fn from_slice_needs_twenty_bytes() {
        assert!(Digest::from_slice(&[0; 19]).is_none());
        assert!(Digest::from_slice(&[0; 21]).is_none());
        assert_eq!(Digest::from_slice(&[7; 20]), Some(Digest([7; 20])));
    }
}

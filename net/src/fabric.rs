//! The fabric: Scramjet's own messages between the nodes of a cluster (replica writes, proxied
//! client requests, migrations, duplicate resolution). Not Aerospike's fabric format: only
//! Scramjet nodes speak it, on the fabric port (3001 by default).
//!
//! ```text
//! frame    u32 BE length of what follows | u8 kind | u64 BE request id | u64 BE sender node
//!          | payload
//! image    digest[20] | u16 generation | u32 void_time | u64 last_update_ms | u8 flags
//!          | u16 set_len | set | u32 body_len | body          (flags bit 0: tombstone, bit 1: reborn)
//! ns       u8 len | name
//! ```
//!
//! Requests carry an id the reply echoes, so a connection could carry several at once; the
//! decoder checks every length against the frame and never panics on bad bytes.

use crate::digest::{Digest, DIGEST_SIZE};
use crate::DecodeError;

/// Bytes before a frame's payload: length, kind, id, sender.
pub const FRAME_HEADER_SIZE: usize = 4 + 1 + 8 + 8;
/// Largest frame accepted (a migration batch stays well under it).
pub const FRAME_MAX: usize = 64 << 20;

/// Frame kinds.
pub mod kind {
    /// A client request forwarded to the node that owns the record.
    pub const PROXY: u8 = 1;
    /// A record version the master applied, for a replica.
    pub const REPLICA: u8 = 2;
    /// Records of one partition, moving to a new owner.
    pub const MIGRATE: u8 = 3;
    /// Partitions the sender has nothing more to send of.
    pub const DONE: u8 = 4;
    /// The sender's version of one record, asked for duplicate resolution.
    pub const DUP_READ: u8 = 5;
    /// A cluster-wide command (a truncate) for this node alone to carry out.
    pub const COMMAND: u8 = 6;
    /// A page of the sender's versions of one partition, asked by a master that must scan it
    /// before the sender has migrated it.
    pub const PULL: u8 = 7;
    /// Reply bit: set on every reply kind.
    pub const REPLY: u8 = 0x80;
}

/// One version of a record, as it moves between nodes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RecordImage<'a> {
    /// The record's digest.
    pub digest: Digest,
    /// Its generation.
    pub generation: u16,
    /// Expiry (citrusleaf-epoch seconds, 0 = never).
    pub void_time: u32,
    /// Last update (citrusleaf-epoch milliseconds).
    pub last_update_ms: u64,
    /// A delete: no body.
    pub tombstone: bool,
    /// Created after a delete without the durable-delete flag (the engine's reborn mark).
    pub reborn: bool,
    /// Set name (empty: none).
    pub set: &'a [u8],
    /// The stored record (key and bins).
    pub body: &'a [u8],
}

/// A fabric message, borrowed from its frame.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FabricMessage<'a> {
    /// Run a client message (its proto body) as if the client had sent it here.
    Proxy {
        /// How many nodes already forwarded it (a node never forwards past 2).
        hops: u8,
        /// The client's message body.
        body: &'a [u8],
    },
    /// Apply a record version the master wrote.
    Replica {
        /// The master's cluster key: a replica under another map refuses the write.
        key: u64,
        /// The namespace.
        ns: &'a [u8],
        /// The version.
        image: RecordImage<'a>,
    },
    /// Records of partition `pid`, sent under cluster `key`.
    Migrate {
        /// The sender's cluster key.
        key: u64,
        /// The namespace.
        ns: &'a [u8],
        /// The partition.
        pid: u16,
        /// The sender.
        from: u64,
        /// The records.
        images: Vec<RecordImage<'a>>,
    },
    /// The sender has nothing (more) to send of the partitions in `pids` under `key`.
    Done {
        /// The sender's cluster key.
        key: u64,
        /// The namespace.
        ns: &'a [u8],
        /// The sender.
        from: u64,
        /// A 4096-bit bitmap, partition `p` at bit `0x80 >> (p & 7)` of byte `p >> 3`.
        pids: &'a [u8],
    },
    /// Send back your version of `digest`.
    DupRead {
        /// The namespace.
        ns: &'a [u8],
        /// The record.
        digest: Digest,
    },
    /// Carry out a cluster-wide command here (text, `name:param=value;...`), without passing
    /// it on.
    Command(&'a [u8]),
    /// Send back your versions (live records and tombstones) of partition `pid`, in descending
    /// digest order after `after`, at most `max` of them.
    Pull {
        /// The namespace.
        ns: &'a [u8],
        /// The partition.
        pid: u16,
        /// Where the previous page ended (`None`: from the start).
        after: Option<Digest>,
        /// Most records in the answer.
        max: u32,
    },
    /// A page of a partition's versions; `next` is where the next page starts after (`None`:
    /// that was the last page).
    PullReply {
        /// Resume point.
        next: Option<Digest>,
        /// The versions.
        images: Vec<RecordImage<'a>>,
    },
    /// The answer to a command (text).
    CommandReply(&'a [u8]),
    /// The client response of a proxied request.
    ProxyReply(&'a [u8]),
    /// A request carried out (or not): an Aerospike result code.
    Ack(u8),
    /// The answer to a duplicate read.
    DupRecord(Option<RecordImage<'a>>),
}

fn put_image(out: &mut Vec<u8>, image: &RecordImage<'_>) {
    out.extend_from_slice(&image.digest.0);
    out.extend_from_slice(&image.generation.to_be_bytes());
    out.extend_from_slice(&image.void_time.to_be_bytes());
    out.extend_from_slice(&image.last_update_ms.to_be_bytes());
    out.push(u8::from(image.tombstone) | (u8::from(image.reborn) << 1));
    out.extend_from_slice(&(image.set.len() as u16).to_be_bytes());
    out.extend_from_slice(image.set);
    out.extend_from_slice(&(image.body.len() as u32).to_be_bytes());
    out.extend_from_slice(image.body);
}

/// Bytes an image takes in a frame.
pub fn image_size(image: &RecordImage<'_>) -> usize {
    DIGEST_SIZE + 2 + 4 + 8 + 1 + 2 + image.set.len() + 4 + image.body.len()
}

fn put_images(out: &mut Vec<u8>, images: &[RecordImage<'_>]) {
    out.extend_from_slice(&(images.len() as u32).to_be_bytes());
    for image in images {
        put_image(out, image);
    }
}

fn put_optional_digest(out: &mut Vec<u8>, digest: &Option<Digest>) {
    match digest {
        None => out.push(0),
        Some(digest) => {
            out.push(1);
            out.extend_from_slice(&digest.0);
        }
    }
}

fn put_ns(out: &mut Vec<u8>, ns: &[u8]) {
    out.push(ns.len().min(255) as u8);
    out.extend_from_slice(&ns[..ns.len().min(255)]);
}

/// Appends a frame holding `message`, with request id `id`, sent by node `from`, to `out`.
pub fn encode(out: &mut Vec<u8>, id: u64, from: u64, message: &FabricMessage<'_>) {
    let start = out.len();
    out.extend_from_slice(&[0; 4]);
    let kind = match message {
        FabricMessage::Proxy { .. } => kind::PROXY,
        FabricMessage::Replica { .. } => kind::REPLICA,
        FabricMessage::Migrate { .. } => kind::MIGRATE,
        FabricMessage::Done { .. } => kind::DONE,
        FabricMessage::DupRead { .. } => kind::DUP_READ,
        FabricMessage::Command(_) => kind::COMMAND,
        FabricMessage::Pull { .. } => kind::PULL,
        FabricMessage::PullReply { .. } => kind::PULL | kind::REPLY,
        FabricMessage::CommandReply(_) => kind::COMMAND | kind::REPLY,
        FabricMessage::ProxyReply(_) => kind::PROXY | kind::REPLY,
        FabricMessage::Ack(_) => kind::REPLICA | kind::REPLY,
        FabricMessage::DupRecord(_) => kind::DUP_READ | kind::REPLY,
    };
    out.push(kind);
    out.extend_from_slice(&id.to_be_bytes());
    out.extend_from_slice(&from.to_be_bytes());
    match message {
        FabricMessage::Proxy { hops, body } => {
            out.push(*hops);
            out.extend_from_slice(body);
        }
        FabricMessage::Replica { key, ns, image } => {
            out.extend_from_slice(&key.to_be_bytes());
            put_ns(out, ns);
            put_image(out, image);
        }
        FabricMessage::Migrate { key, ns, pid, from, images } => {
            out.extend_from_slice(&key.to_be_bytes());
            put_ns(out, ns);
            out.extend_from_slice(&pid.to_be_bytes());
            out.extend_from_slice(&from.to_be_bytes());
            put_images(out, images);
        }
        FabricMessage::Done { key, ns, from, pids } => {
            out.extend_from_slice(&key.to_be_bytes());
            put_ns(out, ns);
            out.extend_from_slice(&from.to_be_bytes());
            out.extend_from_slice(pids);
        }
        FabricMessage::DupRead { ns, digest } => {
            put_ns(out, ns);
            out.extend_from_slice(&digest.0);
        }
        FabricMessage::Pull { ns, pid, after, max } => {
            put_ns(out, ns);
            out.extend_from_slice(&pid.to_be_bytes());
            put_optional_digest(out, after);
            out.extend_from_slice(&max.to_be_bytes());
        }
        FabricMessage::PullReply { next, images } => {
            put_optional_digest(out, next);
            put_images(out, images);
        }
        FabricMessage::ProxyReply(response)
        | FabricMessage::Command(response)
        | FabricMessage::CommandReply(response) => out.extend_from_slice(response),
        FabricMessage::Ack(code) => out.push(*code),
        FabricMessage::DupRecord(image) => match image {
            None => out.push(0),
            Some(image) => {
                out.push(1);
                put_image(out, image);
            }
        },
    }
    let len = (out.len() - start - 4) as u32;
    out[start..start + 4].copy_from_slice(&len.to_be_bytes());
}

/// The size of the frame starting `bytes` (its 4-byte length included), once 4 bytes are in.
pub fn frame_size(bytes: &[u8]) -> Result<Option<usize>, DecodeError> {
    let Some(len) = bytes.get(..4) else { return Ok(None) };
    let len = u32::from_be_bytes(len.try_into().expect("4 bytes")) as usize;
    if !(FRAME_HEADER_SIZE - 4..=FRAME_MAX).contains(&len) {
        return Err(DecodeError::Fabric("fabric frame length"));
    }
    Ok(Some(4 + len))
}

type Reader<'a> = crate::bytes::Reader<'a, DecodeError>;

fn ns<'a>(r: &mut Reader<'a>) -> Result<&'a [u8], DecodeError> {
    let n = r.u8()?;
    r.take(usize::from(n))
}

fn digest(r: &mut Reader<'_>) -> Result<Digest, DecodeError> {
    Ok(Digest(r.array()?))
}

fn image<'a>(r: &mut Reader<'a>) -> Result<RecordImage<'a>, DecodeError> {
    let digest = digest(r)?;
    let generation = r.u16()?;
    let void_time = r.u32()?;
    let last_update_ms = r.u64()?;
    let flags = r.u8()?;
    let set_len = r.u16()?;
    let set = r.take(usize::from(set_len))?;
    let body_len = r.u32()?;
    let body = r.take(body_len as usize)?;
    Ok(RecordImage {
        digest,
        generation,
        void_time,
        last_update_ms,
        tombstone: flags & 1 != 0,
        reborn: flags & 2 != 0,
        set,
        body,
    })
}

/// A partition id, below 4096: receivers index their tables by it.
fn partition_id(r: &mut Reader<'_>) -> Result<u16, DecodeError> {
    let pid = r.u16()?;
    if usize::from(pid) >= crate::N_PARTITIONS {
        return Err(DecodeError::Fabric("fabric partition id"));
    }
    Ok(pid)
}

fn optional_digest(r: &mut Reader<'_>) -> Result<Option<Digest>, DecodeError> {
    match r.u8()? {
        0 => Ok(None),
        1 => Ok(Some(digest(r)?)),
        _ => Err(DecodeError::Fabric("fabric digest flag")),
    }
}

fn images<'a>(r: &mut Reader<'a>) -> Result<Vec<RecordImage<'a>>, DecodeError> {
    let count = r.u32()? as usize;
    // Each image takes at least 41 bytes: the count cannot promise more than fits.
    if count > r.remaining() / 41 {
        return Err(DecodeError::Fabric("fabric record count"));
    }
    let mut images = Vec::with_capacity(count);
    for _ in 0..count {
        images.push(image(r)?);
    }
    Ok(images)
}

/// The node that sent a whole frame (checked by [`decode`] first).
pub fn sender(frame: &[u8]) -> u64 {
    frame.get(13..21).map_or(0, |b| u64::from_be_bytes(b.try_into().expect("8 bytes")))
}

/// Decodes one whole frame (as [`frame_size`] measured it): the request id and the message.
pub fn decode(frame: &[u8]) -> Result<(u64, FabricMessage<'_>), DecodeError> {
    let size = frame_size(frame)?.ok_or(DecodeError::Truncated)?;
    if size != frame.len() {
        return Err(DecodeError::Fabric("fabric frame length"));
    }
    let mut r = Reader::new(&frame[4..], DecodeError::Truncated);
    let kind = r.u8()?;
    let id = r.u64()?;
    let _from = r.u64()?;
    let message = match kind {
        kind::PROXY => {
            let hops = r.u8()?;
            let body = r.rest();
            FabricMessage::Proxy { hops, body }
        }
        kind::REPLICA => FabricMessage::Replica { key: r.u64()?, ns: ns(&mut r)?, image: image(&mut r)? },
        kind::MIGRATE => {
            let key = r.u64()?;
            let ns = ns(&mut r)?;
            let pid = partition_id(&mut r)?;
            let from = r.u64()?;
            let images = images(&mut r)?;
            FabricMessage::Migrate { key, ns, pid, from, images }
        }
        kind::PULL => FabricMessage::Pull {
            ns: ns(&mut r)?,
            pid: partition_id(&mut r)?,
            after: optional_digest(&mut r)?,
            max: r.u32()?,
        },
        k if k == kind::PULL | kind::REPLY => {
            FabricMessage::PullReply { next: optional_digest(&mut r)?, images: images(&mut r)? }
        }
        kind::DONE => {
            let key = r.u64()?;
            let ns = ns(&mut r)?;
            let from = r.u64()?;
            let pids = r.take(crate::N_PARTITIONS / 8)?;
            FabricMessage::Done { key, ns, from, pids }
        }
        kind::DUP_READ => FabricMessage::DupRead { ns: ns(&mut r)?, digest: digest(&mut r)? },
        kind::COMMAND => FabricMessage::Command(r.rest()),
        k if k == kind::COMMAND | kind::REPLY => FabricMessage::CommandReply(r.rest()),
        k if k == kind::PROXY | kind::REPLY => FabricMessage::ProxyReply(r.rest()),
        k if k == kind::REPLICA | kind::REPLY => FabricMessage::Ack(r.u8()?),
        k if k == kind::DUP_READ | kind::REPLY => match r.u8()? {
            0 => FabricMessage::DupRecord(None),
            _ => FabricMessage::DupRecord(Some(image(&mut r)?)),
        },
        _ => return Err(DecodeError::Fabric("fabric message kind")),
    };
    r.end().map_err(|_| DecodeError::Fabric("bytes after a fabric message"))?;
    Ok((id, message))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn image(body: &[u8]) -> RecordImage<'_> {
        RecordImage {
            digest: Digest([7; 20]),
            generation: 3,
            void_time: 99,
            last_update_ms: 1234,
            tombstone: false,
            reborn: true,
            set: b"users",
            body,
        }
    }

    fn samples() -> Vec<FabricMessage<'static>> {
        vec![
            FabricMessage::Proxy { hops: 1, body: b"\x16\x01" },
            FabricMessage::Replica { key: 9, ns: b"test", image: image(b"bins") },
            FabricMessage::Replica {
                key: 9,
                ns: b"test",
                image: RecordImage { tombstone: true, body: b"", ..image(b"") },
            },
            FabricMessage::Migrate {
                key: 5,
                ns: b"test",
                pid: 4095,
                from: 0xA1,
                images: vec![image(b"a"), image(b"bb")],
            },
            FabricMessage::Done { key: 5, ns: b"test", from: 0xA1, pids: &[0xFF; 512] },
            FabricMessage::DupRead { ns: b"test", digest: Digest([1; 20]) },
            FabricMessage::ProxyReply(b"response"),
            FabricMessage::Command(b"truncate:namespace=test;lut-ms=5"),
            FabricMessage::CommandReply(b"ok"),
            FabricMessage::Ack(0),
            FabricMessage::DupRecord(None),
            FabricMessage::DupRecord(Some(image(b"x"))),
            FabricMessage::Pull { ns: b"test", pid: 4095, after: None, max: 256 },
            FabricMessage::Pull { ns: b"test", pid: 0, after: Some(Digest([3; 20])), max: 1 },
            FabricMessage::PullReply { next: None, images: vec![] },
            FabricMessage::PullReply { next: Some(Digest([4; 20])), images: vec![image(b"a"), image(b"bc")] },
        ]
    }

    #[test]
    fn every_message_round_trips() {
        for (i, message) in samples().into_iter().enumerate() {
            let mut out = Vec::new();
            encode(&mut out, i as u64, 0xA7, &message);
            assert_eq!(frame_size(&out).unwrap(), Some(out.len()));
            assert_eq!(decode(&out).unwrap(), (i as u64, message));
            assert_eq!(sender(&out), 0xA7);
        }
    }

    #[test]
    fn corrupt_frames_are_errors_never_panics() {
        for message in samples() {
            let mut out = Vec::new();
            encode(&mut out, 1, 2, &message);
            for cut in 0..out.len() {
                let mut short = out[..cut].to_vec();
                if short.len() >= 4 {
                    let len = (short.len() - 4) as u32;
                    short[..4].copy_from_slice(&len.to_be_bytes());
                }
                let _ = decode(&short);
            }
            let mut seed = 0x9E37_79B9_7F4A_7C15u64;
            for _ in 0..2000 {
                let mut bad = out.clone();
                seed ^= seed << 13;
                seed ^= seed >> 7;
                seed ^= seed << 17;
                let at = 4 + (seed as usize % (bad.len() - 4));
                bad[at] = (seed >> 32) as u8;
                if let Ok((_, FabricMessage::Migrate { pid, .. } | FabricMessage::Pull { pid, .. })) = decode(&bad) {
                    assert!(usize::from(pid) < crate::N_PARTITIONS, "a decoded partition id is in range");
                }
            }
        }
        assert!(frame_size(&[0xFF, 0xFF, 0xFF, 0xFF]).is_err(), "over the frame limit");
    }

    /// Receivers index their tables by the partition id: one past 4095 must not decode.
    #[test]
    fn a_partition_past_4095_is_refused() {
        for (pid, ok) in [(4095, true), (4096, false), (u16::MAX, false)] {
            let migrate = FabricMessage::Migrate { key: 1, ns: b"test", pid, from: 2, images: vec![] };
            let pull = FabricMessage::Pull { ns: b"test", pid, after: None, max: 1 };
            for message in [migrate, pull] {
                let mut out = Vec::new();
                encode(&mut out, 1, 2, &message);
                assert_eq!(decode(&out).is_ok(), ok, "partition {pid}");
            }
        }
    }
}

//! The `as_msg` data message (PROTOCOL.md §2): a 22-byte header, `n_fields` fields, `n_ops`
//! ops. [`Message::parse`] walks the whole body once and rejects any message whose fields and
//! ops do not exactly fill it, so the iterators afterwards cannot fail.

use crate::field::{self, field_type, Field};
use crate::op::{self, Op};
use crate::{DecodeError, Digest};

/// Size of the `as_msg` header.
pub const MSG_HEADER_SIZE: usize = 22;

/// info1 bits: read attributes.
pub mod info1 {
    /// The command reads.
    pub const READ: u8 = 0x01;
    /// Return every bin.
    pub const GET_ALL: u8 = 0x02;
    /// Short query.
    pub const SHORT_QUERY: u8 = 0x04;
    /// Batch-index request.
    pub const BATCH: u8 = 0x08;
    /// Write from XDR.
    pub const XDR: u8 = 0x10;
    /// Metadata only, no bin data.
    pub const GET_NO_BINS: u8 = 0x20;
    /// AP read mode "all".
    pub const READ_MODE_AP_ALL: u8 = 0x40;
    /// Ask for a compressed response (ignored, as by Aerospike CE).
    pub const COMPRESS_RESPONSE: u8 = 0x80;
}

/// info2 bits: write attributes.
pub mod info2 {
    /// The command writes.
    pub const WRITE: u8 = 0x01;
    /// Delete the record.
    pub const DELETE: u8 = 0x02;
    /// Apply only if the generation equals the request's.
    pub const GENERATION: u8 = 0x04;
    /// Apply only if the request's generation is greater.
    pub const GENERATION_GT: u8 = 0x08;
    /// Durable delete (tombstone).
    pub const DURABLE_DELETE: u8 = 0x10;
    /// Fail if the record exists.
    pub const CREATE_ONLY: u8 = 0x20;
    /// Relaxed long query.
    pub const RELAX_AP_LONG_QUERY: u8 = 0x40;
    /// Return one result per op, in request order.
    pub const RESPOND_ALL_OPS: u8 = 0x80;
}

/// info3 bits.
pub mod info3 {
    /// Last message of a multi-message response.
    pub const LAST: u8 = 0x01;
    /// Commit level master.
    pub const COMMIT_MASTER: u8 = 0x02;
    /// Partition done (scan/query).
    pub const PARTITION_DONE: u8 = 0x04;
    /// The record must exist.
    pub const UPDATE_ONLY: u8 = 0x08;
    /// Replace all bins, or create.
    pub const CREATE_OR_REPLACE: u8 = 0x10;
    /// Replace all bins; the record must exist.
    pub const REPLACE_ONLY: u8 = 0x20;
}

/// The fixed 22-byte header of an `as_msg`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct MsgHeader {
    /// Read attributes ([`info1`]).
    pub info1: u8,
    /// Write attributes ([`info2`]).
    pub info2: u8,
    /// More attributes ([`info3`]).
    pub info3: u8,
    /// Transaction attributes.
    pub info4: u8,
    /// Result code (responses).
    pub result_code: u8,
    /// Expected generation (requests) or record generation (responses).
    pub generation: u32,
    /// TTL (write requests), read-touch percent (reads) or void time (responses).
    pub record_ttl: u32,
    /// Server-side timeout in ms (requests); row index in batch responses.
    pub transaction_ttl: u32,
    /// Number of fields.
    pub n_fields: u16,
    /// Number of ops.
    pub n_ops: u16,
}

impl MsgHeader {
    /// Decodes the header at the start of `bytes`.
    pub fn decode(bytes: &[u8]) -> Result<MsgHeader, DecodeError> {
        let b = bytes.get(..MSG_HEADER_SIZE).ok_or(DecodeError::Truncated)?;
        if b[0] as usize != MSG_HEADER_SIZE {
            return Err(DecodeError::BadHeaderSize(b[0]));
        }
        let u32_at = |i: usize| u32::from_be_bytes([b[i], b[i + 1], b[i + 2], b[i + 3]]);
        Ok(MsgHeader {
            info1: b[1],
            info2: b[2],
            info3: b[3],
            info4: b[4],
            result_code: b[5],
            generation: u32_at(6),
            record_ttl: u32_at(10),
            transaction_ttl: u32_at(14),
            n_fields: u16::from_be_bytes([b[18], b[19]]),
            n_ops: u16::from_be_bytes([b[20], b[21]]),
        })
    }

    /// Appends the encoded header to `buf`.
    pub fn encode_into(&self, buf: &mut Vec<u8>) {
        buf.extend_from_slice(&[
            MSG_HEADER_SIZE as u8,
            self.info1,
            self.info2,
            self.info3,
            self.info4,
            self.result_code,
        ]);
        buf.extend_from_slice(&self.generation.to_be_bytes());
        buf.extend_from_slice(&self.record_ttl.to_be_bytes());
        buf.extend_from_slice(&self.transaction_ttl.to_be_bytes());
        buf.extend_from_slice(&self.n_fields.to_be_bytes());
        buf.extend_from_slice(&self.n_ops.to_be_bytes());
    }
}

/// A validated `as_msg`: the header plus the byte ranges of its fields and ops.
#[derive(Debug, Clone, Copy)]
pub struct Message<'a> {
    /// The fixed header.
    pub header: MsgHeader,
    fields: &'a [u8],
    ops: &'a [u8],
}

impl<'a> Message<'a> {
    /// Parses a type-3 body. Fails unless the fields and ops exactly fill it.
    pub fn parse(body: &'a [u8]) -> Result<Message<'a>, DecodeError> {
        let (message, rest) = Message::split(body)?;
        if !rest.is_empty() {
            return Err(DecodeError::TrailingBytes);
        }
        Ok(message)
    }

    /// Parses the message at the start of `bytes` (of several concatenated, as in batch and
    /// scan responses) and returns it with the bytes after it.
    pub fn split(bytes: &'a [u8]) -> Result<(Message<'a>, &'a [u8]), DecodeError> {
        let header = MsgHeader::decode(bytes)?;
        let after_header = &bytes[MSG_HEADER_SIZE..];
        let mut rest = after_header;
        for _ in 0..header.n_fields {
            rest = field::split_field(rest)?.1;
        }
        let fields = &after_header[..after_header.len() - rest.len()];
        let ops_start = rest;
        for _ in 0..header.n_ops {
            rest = op::split_op(rest)?.1;
        }
        let ops = &ops_start[..ops_start.len() - rest.len()];
        Ok((Message { header, fields, ops }, rest))
    }

    /// The fields, in message order.
    pub fn fields(&self) -> FieldIter<'a> {
        FieldIter { rest: self.fields }
    }

    /// The ops, in message order.
    pub fn ops(&self) -> OpIter<'a> {
        OpIter { rest: self.ops }
    }

    /// The first field of a type, if any.
    pub fn field(&self, field_type: u8) -> Option<&'a [u8]> {
        self.fields().find(|f| f.field_type == field_type).map(|f| f.data)
    }

    /// The fields a single-record command is routed by.
    pub fn key_fields(&self) -> KeyFields<'a> {
        let mut key = KeyFields::default();
        for f in self.fields() {
            match f.field_type {
                field_type::NAMESPACE => key.namespace = Some(f.data),
                field_type::SET => key.set = Some(f.data),
                field_type::KEY => key.key = Some(f.data),
                field_type::DIGEST => key.digest = Some(f.data),
                _ => key.other_fields += 1,
            }
        }
        key
    }
}

/// The fields that identify a record, as found in a message.
#[derive(Debug, Clone, Copy, Default)]
pub struct KeyFields<'a> {
    /// Namespace name.
    pub namespace: Option<&'a [u8]>,
    /// Set name.
    pub set: Option<&'a [u8]>,
    /// User key (particle type byte, then the key bytes).
    pub key: Option<&'a [u8]>,
    /// Digest bytes (not yet checked for length).
    pub digest: Option<&'a [u8]>,
    /// How many fields of other types the message carries.
    pub other_fields: usize,
}

impl KeyFields<'_> {
    /// The digest, if the field is present and 20 bytes long.
    pub fn digest(&self) -> Result<Option<Digest>, DecodeError> {
        match self.digest {
            None => Ok(None),
            Some(bytes) => Digest::from_slice(bytes).map(Some).ok_or(DecodeError::BadDigest),
        }
    }
}

/// Iterator over a validated message's fields.
#[derive(Debug, Clone)]
pub struct FieldIter<'a> {
    rest: &'a [u8],
}

impl<'a> Iterator for FieldIter<'a> {
    type Item = Field<'a>;
    fn next(&mut self) -> Option<Field<'a>> {
        // The bytes were validated by `Message::parse`; an error here means the end.
        let (field, rest) = field::split_field(self.rest).ok()?;
        self.rest = rest;
        Some(field)
    }
}

/// Iterator over a validated message's ops.
#[derive(Debug, Clone)]
pub struct OpIter<'a> {
    rest: &'a [u8],
}

impl<'a> Iterator for OpIter<'a> {
    type Item = Op<'a>;
    fn next(&mut self) -> Option<Op<'a>> {
        let (op, rest) = op::split_op(self.rest).ok()?;
        self.rest = rest;
        Some(op)
    }
}

/// Builds one `as_msg` (with its proto header) at the end of a buffer; the counts and the
/// proto size are patched by [`MessageWriter::finish`].
pub struct MessageWriter<'b> {
    buf: &'b mut Vec<u8>,
    start: usize,
    n_fields: u16,
    n_ops: u16,
}

impl<'b> MessageWriter<'b> {
    /// Starts a message with `header` (its counts are ignored; they are counted as written).
    pub fn begin(buf: &'b mut Vec<u8>, header: &MsgHeader) -> MessageWriter<'b> {
        let start = buf.len();
        buf.extend_from_slice(&[0; crate::PROTO_HEADER_SIZE]);
        header.encode_into(buf);
        MessageWriter { buf, start, n_fields: 0, n_ops: 0 }
    }

    /// Appends a field; fields must come before ops.
    pub fn field(&mut self, field_type: u8, data: &[u8]) {
        assert_eq!(self.n_ops, 0, "fields precede ops");
        field::write_field(self.buf, field_type, data);
        self.n_fields += 1;
    }

    /// Appends an op.
    pub fn op(&mut self, op_type: u8, particle_type: u8, name: &[u8], value: &[u8]) {
        op::write_op(self.buf, op_type, particle_type, name, value);
        self.n_ops += 1;
    }

    /// Appends `n` fields already encoded in `bytes`; fields must come before ops.
    pub fn raw_fields(&mut self, bytes: &[u8], n: u16) {
        assert_eq!(self.n_ops, 0, "fields precede ops");
        self.buf.extend_from_slice(bytes);
        self.n_fields += n;
    }

    /// Appends `n` ops already encoded in `bytes`.
    pub fn raw_ops(&mut self, bytes: &[u8], n: u16) {
        self.buf.extend_from_slice(bytes);
        self.n_ops += n;
    }

    /// Number of ops written so far.
    pub fn n_ops(&self) -> u16 {
        self.n_ops
    }

    /// Patches counts and the proto size.
    pub fn finish(self) {
        let at = self.start + crate::PROTO_HEADER_SIZE;
        self.buf[at + 18..at + 20].copy_from_slice(&self.n_fields.to_be_bytes());
        self.buf[at + 20..at + 22].copy_from_slice(&self.n_ops.to_be_bytes());
        crate::frame::patch_size(self.buf, self.start, crate::ProtoType::Message);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::op::OpType;
    use crate::ProtoHeader;

    fn sample() -> Vec<u8> {
        let mut buf = Vec::new();
        let header = MsgHeader { info2: info2::WRITE, record_ttl: 100, ..Default::default() };
        let mut w = MessageWriter::begin(&mut buf, &header);
        w.field(field_type::NAMESPACE, b"test");
        w.field(field_type::SET, b"");
        w.field(field_type::DIGEST, &[9; 20]);
        w.op(OpType::Write as u8, 1, b"a", &7i64.to_be_bytes());
        w.op(OpType::Write as u8, 3, b"b", b"hello");
        w.finish();
        buf
    }

    #[test]
    fn writer_and_parser_agree() {
        let buf = sample();
        let proto = ProtoHeader::decode(buf[..8].try_into().unwrap()).unwrap();
        assert_eq!(proto.size as usize, buf.len() - 8);
        let msg = Message::parse(&buf[8..]).unwrap();
        assert_eq!(msg.header.n_fields, 3);
        assert_eq!(msg.header.n_ops, 2);
        assert_eq!(msg.header.record_ttl, 100);
        let key = msg.key_fields();
        assert_eq!(key.namespace, Some(&b"test"[..]));
        assert_eq!(key.set, Some(&b""[..]));
        assert_eq!(key.digest().unwrap(), Some(Digest([9; 20])));
        let ops: Vec<_> = msg.ops().collect();
        assert_eq!(ops.len(), 2);
        assert_eq!(ops[1].value, b"hello");
    }

    #[test]
    fn counts_must_match_bytes() {
        let mut buf = sample();
        buf.push(0);
        assert_eq!(Message::parse(&buf[8..]).unwrap_err(), DecodeError::TrailingBytes);
        let buf = sample();
        assert_eq!(Message::parse(&buf[8..buf.len() - 1]).unwrap_err(), DecodeError::Truncated);
    }

    /// Decoding must never panic: every prefix, every single-byte corruption, and random bytes.
    #[test]
    fn never_panics_on_hostile_input() {
        let buf = sample();
        let body = &buf[8..];
        for end in 0..=body.len() {
            let _ = Message::parse(&body[..end]);
        }
        for i in 0..body.len() {
            for value in [0u8, 1, 0x7F, 0x80, 0xFF] {
                let mut corrupt = body.to_vec();
                corrupt[i] = value;
                if let Ok(msg) = Message::parse(&corrupt) {
                    let _ = msg.fields().count();
                    let _ = msg.ops().count();
                    let _ = msg.key_fields().digest();
                }
            }
        }
        // A small deterministic generator (xorshift) so that the test is reproducible.
        let mut state: u64 = 0x9E37_79B9_7F4A_7C15;
        for _ in 0..20_000 {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            let len = (state % 96) as usize;
            let mut bytes: Vec<u8> = (0..len).map(|i| (state.rotate_left(i as u32 * 7) & 0xFF) as u8).collect();
            if bytes.len() > 1 {
                bytes[0] = MSG_HEADER_SIZE as u8;
            }
            if let Ok(msg) = Message::parse(&bytes) {
                let _ = msg.fields().count();
                let _ = msg.ops().count();
            }
        }
    }
}

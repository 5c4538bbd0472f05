//! The batch-index payload (field 41, or 42) of a batch request (PROTOCOL.md §8).
//!
//! ```text
//! u32 n_rows | u8 parent flags | rows…
//! row: u32 index | digest[20] | u8 flags
//!      flags 0x01 REPEAT: reuse the previous row's attributes, fields and ops; the row ends.
//!      otherwise: u8 info1 | [u8 info2, u8 info3 if 0x02] | [u8 info4 if 0x10]
//!                 | [u16 generation if 0x04] | [u32 record_ttl if 0x08]
//!                 | u16 n_fields | u16 n_ops | fields (namespace first) | ops
//! ```
//!
//! [`BatchRow::to_message`] turns a row into the single-record message it stands for, so that
//! batch rows run through the same transaction code as single commands.

use crate::field::{self, field_type};
use crate::message::{MessageWriter, MsgHeader};
use crate::op;
use crate::{DecodeError, Digest};

/// Parent flag: report every row's result (respond-all-keys).
pub const FLAG_RESPOND_ALL_KEYS: u8 = 0x04;

const ROW_REPEAT: u8 = 0x01;
const ROW_INFO: u8 = 0x02;
const ROW_GENERATION: u8 = 0x04;
const ROW_TTL: u8 = 0x08;
const ROW_INFO4: u8 = 0x10;

/// A parsed batch payload.
#[derive(Debug, Clone, Copy)]
pub struct BatchRequest<'a> {
    /// Number of rows announced.
    pub n_rows: u32,
    /// Parent flags.
    pub flags: u8,
    rows: &'a [u8],
}

/// One row: the key and the single-record command to run for it.
#[derive(Debug, Clone, Copy)]
pub struct BatchRow<'a> {
    /// The client's index of this row (echoed in the response).
    pub index: u32,
    /// The record's digest.
    pub digest: Digest,
    /// info1..info4, generation and TTL of the row's command.
    pub header: MsgHeader,
    /// The row's fields (namespace first), as bytes.
    pub fields: &'a [u8],
    /// Number of fields in `fields`.
    pub n_fields: u16,
    /// The row's ops, as bytes.
    pub ops: &'a [u8],
    /// Number of ops in `ops`.
    pub n_ops: u16,
}

impl<'a> BatchRequest<'a> {
    /// Parses the payload's fixed part; rows are checked as they are read.
    pub fn parse(data: &'a [u8]) -> Result<BatchRequest<'a>, DecodeError> {
        let head = data.get(..5).ok_or(DecodeError::Truncated)?;
        let n_rows = u32::from_be_bytes([head[0], head[1], head[2], head[3]]);
        Ok(BatchRequest { n_rows, flags: head[4], rows: &data[5..] })
    }

    /// Reads every row; fails on the first malformed one, or if bytes remain.
    pub fn rows(&self) -> Result<Vec<BatchRow<'a>>, DecodeError> {
        let mut rows = Vec::with_capacity(self.n_rows.min(100_000) as usize);
        let mut rest = self.rows;
        let mut previous: Option<BatchRow<'a>> = None;
        for _ in 0..self.n_rows {
            let head = rest.get(..25).ok_or(DecodeError::Truncated)?;
            let index = u32::from_be_bytes([head[0], head[1], head[2], head[3]]);
            let digest = Digest::from_slice(&head[4..24]).ok_or(DecodeError::BadDigest)?;
            let flags = head[24];
            rest = &rest[25..];
            if flags & ROW_REPEAT != 0 {
                let prior = previous.ok_or(DecodeError::BadValue)?;
                let row = BatchRow { index, digest, ..prior };
                rows.push(row);
                previous = Some(row);
                continue;
            }
            let mut take = |n: usize| -> Result<&'a [u8], DecodeError> {
                let bytes = rest.get(..n).ok_or(DecodeError::Truncated)?;
                rest = &rest[n..];
                Ok(bytes)
            };
            let mut header = MsgHeader { info1: take(1)?[0], ..Default::default() };
            if flags & ROW_INFO != 0 {
                let b = take(2)?;
                header.info2 = b[0];
                header.info3 = b[1];
            }
            if flags & ROW_INFO4 != 0 {
                header.info4 = take(1)?[0];
            }
            if flags & ROW_GENERATION != 0 {
                let b = take(2)?;
                header.generation = u32::from(u16::from_be_bytes([b[0], b[1]]));
            }
            if flags & ROW_TTL != 0 {
                let b = take(4)?;
                header.record_ttl = u32::from_be_bytes([b[0], b[1], b[2], b[3]]);
            }
            let counts = take(4)?;
            let n_fields = u16::from_be_bytes([counts[0], counts[1]]);
            let n_ops = u16::from_be_bytes([counts[2], counts[3]]);
            if n_fields == u16::MAX {
                return Err(DecodeError::BadValue); // no room for the digest field
            }
            let fields_start = rest;
            for _ in 0..n_fields {
                rest = field::split_field(rest)?.1;
            }
            let fields = &fields_start[..fields_start.len() - rest.len()];
            let ops_start = rest;
            for _ in 0..n_ops {
                rest = op::split_op(rest)?.1;
            }
            let ops = &ops_start[..ops_start.len() - rest.len()];
            let row = BatchRow { index, digest, header, fields, n_fields, ops, n_ops };
            rows.push(row);
            previous = Some(row);
        }
        if !rest.is_empty() {
            return Err(DecodeError::TrailingBytes);
        }
        Ok(rows)
    }
}

impl BatchRow<'_> {
    /// The single-record message (body, without the proto header) this row stands for: its
    /// header and fields plus the digest field, and its ops. `filter` (the batch's own filter
    /// expression) is added if the row has none.
    pub fn to_message(&self, out: &mut Vec<u8>, filter: Option<&[u8]>) {
        let start = out.len();
        let mut w = MessageWriter::begin(out, &self.header);
        w.raw_fields(self.fields, self.n_fields);
        w.field(field_type::DIGEST, &self.digest.0);
        if let Some(filter) = filter {
            if !self.has_field(field_type::FILTER) && self.n_fields < u16::MAX - 1 {
                w.field(field_type::FILTER, filter);
            }
        }
        w.raw_ops(self.ops, self.n_ops);
        w.finish();
        // Drop the proto header: the caller wants the as_msg body.
        out.drain(start..start + crate::PROTO_HEADER_SIZE);
    }
}

impl BatchRow<'_> {
    /// True if the row carries a field of this type.
    pub fn has_field(&self, wanted: u8) -> bool {
        let mut rest = self.fields;
        for _ in 0..self.n_fields {
            match field::split_field(rest) {
                Ok((f, _)) if f.field_type == wanted => return true,
                Ok((_, next)) => rest = next,
                Err(_) => return false,
            }
        }
        false
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::message::{info1, Message};

    fn row(out: &mut Vec<u8>, index: u32, digest: u8, flags: u8, tail: &[u8]) {
        out.extend_from_slice(&index.to_be_bytes());
        out.extend_from_slice(&[digest; 20]);
        out.push(flags);
        out.extend_from_slice(tail);
    }

    fn read_row_tail() -> Vec<u8> {
        // info1, info2, info3, ttl, n_fields 1, n_ops 0, namespace field.
        let mut t = vec![info1::READ | info1::GET_ALL, 0, 0];
        t.extend_from_slice(&0u32.to_be_bytes());
        t.extend_from_slice(&1u16.to_be_bytes());
        t.extend_from_slice(&0u16.to_be_bytes());
        field::write_field(&mut t, field_type::NAMESPACE, b"test");
        t
    }

    #[test]
    fn rows_repeat_and_become_messages() {
        let mut payload = 3u32.to_be_bytes().to_vec();
        payload.push(0x0D);
        row(&mut payload, 7, 1, ROW_INFO | ROW_TTL, &read_row_tail());
        row(&mut payload, 8, 2, ROW_REPEAT, &[]);
        row(&mut payload, 9, 3, ROW_REPEAT, &[]);
        let batch = BatchRequest::parse(&payload).unwrap();
        let rows = batch.rows().unwrap();
        assert_eq!(rows.iter().map(|r| r.index).collect::<Vec<_>>(), [7, 8, 9]);
        assert_eq!(rows[2].digest, Digest([3; 20]));
        let mut body = Vec::new();
        rows[1].to_message(&mut body, None);
        let msg = Message::parse(&body).unwrap();
        assert_eq!(msg.header.info1, info1::READ | info1::GET_ALL);
        let key = msg.key_fields();
        assert_eq!(key.namespace, Some(&b"test"[..]));
        assert_eq!(key.digest().unwrap(), Some(Digest([2; 20])));
    }

    #[test]
    fn malformed_payloads_are_errors_not_panics() {
        let mut payload = 2u32.to_be_bytes().to_vec();
        payload.push(0);
        row(&mut payload, 0, 1, ROW_INFO | ROW_TTL, &read_row_tail());
        row(&mut payload, 1, 1, ROW_REPEAT, &[]);
        for end in 0..payload.len() {
            if let Ok(batch) = BatchRequest::parse(&payload[..end]) {
                assert!(batch.rows().is_err(), "prefix {end} parsed");
            }
        }
        let mut first_repeat = 1u32.to_be_bytes().to_vec();
        first_repeat.push(0);
        row(&mut first_repeat, 0, 1, ROW_REPEAT, &[]);
        assert!(BatchRequest::parse(&first_repeat).unwrap().rows().is_err());
        for i in 0..payload.len() {
            let mut corrupt = payload.clone();
            corrupt[i] ^= 0xFF;
            if let Ok(batch) = BatchRequest::parse(&corrupt) {
                let _ = batch.rows();
            }
        }
    }
}

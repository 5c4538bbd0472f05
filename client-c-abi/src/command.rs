//! Encoding commands and decoding their responses: pure functions over bytes, shared by every
//! front end (the blocking one behind the C ABI, and async ones).

use scramjet_net::field::field_type;
use scramjet_net::message::{info1, info2, info3, MessageWriter, MsgHeader};
use scramjet_net::op::OpType;
use scramjet_net::{Message, ParticleType, ProtoType};

use crate::bits::BitOp;
use crate::cdt::{Ctx, ListOp, MapOp, PathOp};
use crate::error::{code, Error, Result};
use crate::exp::{ExpReadFlags, ExpWriteFlags, Expression};
use crate::hll::HllOp;
use crate::policy::{BasePolicy, CommitLevel, ExistsAction, GenerationPolicy, WritePolicy};
use crate::value::{check_bin_name, Key, Value};

/// Seconds from the Unix epoch to Aerospike's (2010-01-01 UTC), the origin of void times.
pub const CITRUS_EPOCH_UNIX_SECS: u64 = 1_262_304_000;

/// One operation of an `operate` command.
#[derive(Debug, Clone, PartialEq)]
pub enum Operation {
    /// Read one bin.
    Read(String),
    /// Read every bin.
    ReadAll,
    /// Read only the record's metadata.
    ReadHeader,
    /// Write a bin (Nil deletes it).
    Write(String, Value),
    /// Add an integer or float to a bin.
    Increment(String, Value),
    /// Append to a string or bytes bin.
    Append(String, Value),
    /// Prepend to a string or bytes bin.
    Prepend(String, Value),
    /// Reset the record's TTL (to the policy's TTL).
    Touch,
    /// Delete the record.
    Delete,
    /// A list operation on a bin, and its context: the path to the nested list it applies to
    /// (empty: the bin's list). See [`crate::cdt`].
    List(String, ListOp, Vec<Ctx>),
    /// A map operation on a bin, and its context: the path to the nested map it applies to
    /// (empty: the bin's map). See [`crate::cdt`].
    Map(String, MapOp, Vec<Ctx>),
    /// A bit operation on a blob bin. See [`crate::bits`].
    Bit(String, BitOp),
    /// A HyperLogLog operation on an HLL bin. See [`crate::hll`].
    Hll(String, HllOp),
    /// An expression read (op type 7): the expression's value answered as a bin of this name.
    /// See [`crate::exp::read_op`].
    ExpRead(String, Expression, ExpReadFlags),
    /// An expression write (op type 8): the expression's value stored in this bin. See
    /// [`crate::exp::write_op`].
    ExpWrite(String, Expression, ExpWriteFlags),
    /// A path select or modify (CDT op 0xFE) on a list or map bin. See
    /// [`crate::cdt::select_by_path`].
    Path(String, PathOp),
}

impl Operation {
    /// True if the operation changes the record.
    pub fn is_write(&self) -> bool {
        match self {
            Operation::Read(_) | Operation::ReadAll | Operation::ReadHeader | Operation::ExpRead(..) => false,
            Operation::List(_, op, _) => op.is_modify(),
            Operation::Map(_, op, _) => op.is_modify(),
            Operation::Bit(_, op) => op.is_modify(),
            Operation::Hll(_, op) => op.is_modify(),
            Operation::Path(_, op) => op.is_modify(),
            _ => true,
        }
    }

    /// The list or map operation applied to the list or map `ctx` leads to, one level after
    /// another from the bin inward (see [`Ctx`]), instead of the bin's own; it replaces any
    /// context the operation had (an empty one: the bin's own again). Only list and map
    /// operations have contexts.
    ///
    /// # Panics
    /// If the operation is not a list or map operation.
    pub fn with_ctx(self, ctx: impl Into<Vec<Ctx>>) -> Operation {
        match self {
            Operation::List(bin, op, _) => Operation::List(bin, op, ctx.into()),
            Operation::Map(bin, op, _) => Operation::Map(bin, op, ctx.into()),
            other => panic!("only list and map operations have a context, not {other:?}"),
        }
    }

    /// The context of a list or map operation (empty for the bin's own list or map, and for
    /// other operations), or the path of a path operation.
    pub fn ctx(&self) -> &[Ctx] {
        match self {
            Operation::List(_, _, ctx) | Operation::Map(_, _, ctx) => ctx,
            Operation::Path(_, op) => op.ctx(),
            _ => &[],
        }
    }

    /// True for a list, map, bit, HLL or expression operation that only reads.
    fn is_cdt_read(&self) -> bool {
        matches!(
            self,
            Operation::List(..)
                | Operation::Map(..)
                | Operation::Bit(..)
                | Operation::Hll(..)
                | Operation::ExpRead(..)
                | Operation::Path(..)
        ) && !self.is_write()
    }

    /// A list, map, bit or HLL operation's payload, or an expression operation's
    /// `[expression, flags]`, appended to `out`; false for other operations.
    pub(crate) fn encode_payload(&self, out: &mut Vec<u8>) -> bool {
        match self {
            Operation::List(_, op, ctx) => op.encode(ctx, out),
            Operation::Map(_, op, ctx) => op.encode(ctx, out),
            Operation::Bit(_, op) => op.encode(out),
            Operation::Hll(_, op) => op.encode(out),
            Operation::ExpRead(_, exp, flags) => crate::exp::encode_op_value(exp, flags.0, out),
            Operation::ExpWrite(_, exp, flags) => crate::exp::encode_op_value(exp, flags.0, out),
            Operation::Path(_, op) => op.encode(out),
            _ => return false,
        }
        true
    }
}

/// A record as returned by the server.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Record {
    /// Generation (number of writes).
    pub generation: u32,
    /// Expiry in seconds since 2010-01-01 (0: never).
    pub void_time: u32,
    /// Bins in the order the server sent them.
    pub bins: Vec<(String, Value)>,
    /// The key, for records from scans (namespace, set, digest, user key if stored).
    pub key: Option<Key>,
}

impl Record {
    /// The record's TTL in seconds relative to `now_unix_secs` ([`crate::policy::TTL_NEVER_EXPIRE`]
    /// if it never expires; at least 1 if it is due).
    pub fn ttl(&self, now_unix_secs: u64) -> u32 {
        if self.void_time == 0 {
            return crate::policy::TTL_NEVER_EXPIRE;
        }
        let now = now_unix_secs.saturating_sub(CITRUS_EPOCH_UNIX_SECS);
        (u64::from(self.void_time).saturating_sub(now)).max(1) as u32
    }

    /// The value of bin `name`, if present.
    pub fn bin(&self, name: &str) -> Option<&Value> {
        self.bins.iter().rev().find(|(n, _)| n == name).map(|(_, v)| v)
    }
}

pub(crate) fn server_timeout_ms(base: &BasePolicy) -> u32 {
    u32::try_from(base.total_timeout.as_millis()).unwrap_or(u32::MAX)
}

/// The filter field (43), after the key fields as the C client writes it.
pub(crate) fn filter_field(w: &mut MessageWriter<'_>, filter: Option<&Expression>) {
    if let Some(f) = filter {
        w.field(field_type::FILTER, f.as_bytes());
    }
}

pub(crate) fn key_fields(w: &mut MessageWriter<'_>, key: &Key, send_key: bool) {
    w.field(field_type::NAMESPACE, key.namespace.as_bytes());
    if !key.set.is_empty() {
        w.field(field_type::SET, key.set.as_bytes());
    }
    if send_key {
        if let Some(field) = key.key_field() {
            w.field(field_type::KEY, &field);
        }
    }
    w.field(field_type::DIGEST, &key.digest.0);
}

pub(crate) fn write_header(policy: &WritePolicy) -> MsgHeader {
    let mut h = MsgHeader {
        info2: info2::WRITE,
        record_ttl: policy.ttl,
        transaction_ttl: server_timeout_ms(&policy.base),
        ..Default::default()
    };
    match policy.exists {
        ExistsAction::Update => {}
        ExistsAction::UpdateOnly => h.info3 |= info3::UPDATE_ONLY,
        ExistsAction::Replace => h.info3 |= info3::CREATE_OR_REPLACE,
        ExistsAction::ReplaceOnly => h.info3 |= info3::REPLACE_ONLY,
        ExistsAction::CreateOnly => h.info2 |= info2::CREATE_ONLY,
    }
    match policy.generation_policy {
        GenerationPolicy::None => {}
        GenerationPolicy::Equal => {
            h.info2 |= info2::GENERATION;
            h.generation = policy.generation;
        }
        GenerationPolicy::Greater => {
            h.info2 |= info2::GENERATION_GT;
            h.generation = policy.generation;
        }
    }
    if policy.commit_level == CommitLevel::Master {
        h.info3 |= info3::COMMIT_MASTER;
    }
    if policy.durable_delete {
        h.info2 |= info2::DURABLE_DELETE;
    }
    h
}

/// What a read returns.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReadBins<'a> {
    /// Every bin.
    All,
    /// The named bins.
    Named(&'a [&'a str]),
    /// Metadata only (exists).
    None,
}

/// A get, select or exists command, with a filter expression if given.
pub fn encode_read(
    out: &mut Vec<u8>,
    key: &Key,
    bins: ReadBins<'_>,
    base: &BasePolicy,
    filter: Option<&Expression>,
) -> Result<()> {
    let bins = match bins {
        ReadBins::Named([]) => ReadBins::All, // no names: every bin, as the server reads it
        other => other,
    };
    let info1 = match bins {
        ReadBins::All => info1::READ | info1::GET_ALL,
        ReadBins::Named(_) => info1::READ,
        ReadBins::None => info1::READ | info1::GET_NO_BINS,
    };
    let header = MsgHeader { info1, transaction_ttl: server_timeout_ms(base), ..Default::default() };
    let mut w = MessageWriter::begin(out, &header);
    key_fields(&mut w, key, false);
    filter_field(&mut w, filter);
    if let ReadBins::Named(names) = bins {
        for name in names {
            check_bin_name(name)?;
            w.op(OpType::Read as u8, 0, name.as_bytes(), &[]);
        }
    }
    w.finish();
    Ok(())
}

/// A put: write every bin given.
pub fn encode_put(out: &mut Vec<u8>, key: &Key, bins: &[(&str, &Value)], policy: &WritePolicy) -> Result<()> {
    let mut value = Vec::new();
    let mut w = MessageWriter::begin(out, &write_header(policy));
    key_fields(&mut w, key, policy.send_key);
    filter_field(&mut w, policy.filter.as_ref());
    for (name, v) in bins {
        check_bin_name(name)?;
        v.check_storable()?;
        value.clear();
        v.encode_into(&mut value);
        w.op(OpType::Write as u8, v.particle_type(), name.as_bytes(), &value);
    }
    w.finish();
    Ok(())
}

/// A delete (remove) of the whole record.
pub fn encode_delete(out: &mut Vec<u8>, key: &Key, policy: &WritePolicy) {
    let mut header = write_header(policy);
    header.info2 |= info2::DELETE;
    let mut w = MessageWriter::begin(out, &header);
    key_fields(&mut w, key, false);
    filter_field(&mut w, policy.filter.as_ref());
    w.finish();
}

/// An operate command. Reads only: a read (`info1`); any write: a write that also reads.
/// List and map operations travel as CDT_READ / CDT_MODIFY ops with their msgpack payload
/// (PROTOCOL-DATA A.1), bit operations as BITS_READ / BITS_MODIFY ops and HLL operations as
/// HLL_READ / HLL_MODIFY ops (B.1); with a map, bit or HLL operation the command asks for a
/// result per operation (RESPOND_ALL_OPS, unless every bin is read), as the official C client
/// does.
pub fn encode_operate(out: &mut Vec<u8>, key: &Key, ops: &[Operation], policy: &WritePolicy) -> Result<()> {
    if ops.is_empty() {
        return Err(Error::new(code::PARAM, "operate needs at least one operation"));
    }
    let writes = ops.iter().any(Operation::is_write);
    let mut header = if writes {
        write_header(policy)
    } else {
        MsgHeader { transaction_ttl: server_timeout_ms(&policy.base), ..Default::default() }
    };
    for op in ops {
        match op {
            Operation::Read(_) => header.info1 |= info1::READ,
            Operation::ReadAll => header.info1 |= info1::READ | info1::GET_ALL,
            Operation::ReadHeader => header.info1 |= info1::READ | info1::GET_NO_BINS,
            _ if op.is_cdt_read() => header.info1 |= info1::READ,
            _ => {}
        }
    }
    if ops.iter().any(|op| matches!(op, Operation::Read(_) | Operation::ReadAll) || op.is_cdt_read()) {
        header.info1 &= !info1::GET_NO_BINS;
    }
    if ops.iter().any(|op| {
        matches!(
            op,
            Operation::Map(..)
                | Operation::Bit(..)
                | Operation::Hll(..)
                | Operation::ExpRead(..)
                | Operation::ExpWrite(..)
        )
    }) && header.info1 & info1::GET_ALL == 0
    {
        header.info2 |= info2::RESPOND_ALL_OPS;
    }
    let mut value = Vec::new();
    let mut w = MessageWriter::begin(out, &header);
    key_fields(&mut w, key, writes && policy.send_key);
    filter_field(&mut w, policy.filter.as_ref());
    for op in ops {
        value.clear();
        let (op_type, name, v) = match op {
            Operation::Read(name) => (OpType::Read, name.as_str(), None),
            // Read-all is also an op with no bin name: the server wants one when the
            // command writes too.
            Operation::ReadAll => (OpType::Read, "", None),
            Operation::ReadHeader => continue,
            Operation::Write(name, v) => {
                v.check_storable()?;
                (OpType::Write, name.as_str(), Some(v))
            }
            Operation::Increment(name, v) => {
                if !matches!(v, Value::Int(_) | Value::Float(_)) {
                    return Err(Error::new(code::PARAM, "increment takes an integer or a float"));
                }
                (OpType::Incr, name.as_str(), Some(v))
            }
            Operation::Append(name, v) | Operation::Prepend(name, v) => {
                if !matches!(v, Value::Str(_) | Value::Bytes(_)) {
                    return Err(Error::new(code::PARAM, "append and prepend take a string or bytes"));
                }
                let t = if matches!(op, Operation::Append(..)) { OpType::Append } else { OpType::Prepend };
                (t, name.as_str(), Some(v))
            }
            Operation::Touch => (OpType::Touch, "", None),
            Operation::Delete => (OpType::Delete, "", None),
            Operation::List(name, ..) | Operation::Map(name, ..) => {
                let t = if op.is_write() { OpType::CdtModify } else { OpType::CdtRead };
                (t, name.as_str(), None)
            }
            Operation::Path(name, path) => {
                if path.ctx().is_empty() {
                    return Err(Error::new(code::PARAM, "a path select or modify needs a context"));
                }
                let t = if path.is_modify() { OpType::CdtModify } else { OpType::CdtRead };
                (t, name.as_str(), None)
            }
            Operation::Bit(name, op) => {
                let t = if op.is_modify() { OpType::BitModify } else { OpType::BitRead };
                (t, name.as_str(), None)
            }
            Operation::Hll(name, op) => {
                let t = if op.is_modify() { OpType::HllModify } else { OpType::HllRead };
                (t, name.as_str(), None)
            }
            Operation::ExpRead(name, ..) => (OpType::ExpRead, name.as_str(), None),
            Operation::ExpWrite(name, ..) => (OpType::ExpModify, name.as_str(), None),
        };
        check_bin_name(name)?;
        let particle = match v {
            Some(v) => {
                v.encode_into(&mut value);
                v.particle_type()
            }
            // A list, map, bit, HLL or expression operation: its msgpack payload, as a blob
            // (PROTOCOL-DATA A.1, B.1, C.1).
            None if op.encode_payload(&mut value) => ParticleType::Blob as u8,
            None => 0,
        };
        w.op(op_type as u8, particle, name.as_bytes(), &value);
    }
    w.finish();
    Ok(())
}

/// A touch: reset the TTL to the policy's.
pub fn encode_touch(out: &mut Vec<u8>, key: &Key, policy: &WritePolicy) -> Result<()> {
    encode_operate(out, key, &[Operation::Touch], policy)
}

/// A batch read of `keys` (all in one namespace group sent to one node), each with its index
/// in the caller's list. Rows after the first repeat its namespace, set and bins when equal.
/// A filter applies to every row (field 43 of the batch message, as the C client sends a batch
/// policy's filter).
pub fn encode_batch_get(
    out: &mut Vec<u8>,
    keys: &[(u32, &Key)],
    bins: ReadBins<'_>,
    base: &BasePolicy,
    filter: Option<&Expression>,
) -> Result<()> {
    let row_info1 = match bins {
        ReadBins::All => info1::READ | info1::GET_ALL,
        ReadBins::Named(_) => info1::READ,
        ReadBins::None => info1::READ | info1::GET_NO_BINS,
    };
    let mut ops = Vec::new();
    let mut n_ops = 0u16;
    if let ReadBins::Named(names) = bins {
        for name in names {
            check_bin_name(name)?;
            scramjet_net::op::write_op(&mut ops, OpType::Read as u8, 0, name.as_bytes(), &[]);
            n_ops += 1;
        }
    }
    let mut payload = Vec::with_capacity(5 + keys.len() * 40);
    payload.extend_from_slice(&(keys.len() as u32).to_be_bytes());
    payload.push(scramjet_net::batch::FLAG_RESPOND_ALL_KEYS);
    let mut previous: Option<&Key> = None;
    for (index, key) in keys {
        payload.extend_from_slice(&index.to_be_bytes());
        payload.extend_from_slice(&key.digest.0);
        if previous.is_some_and(|p| p.namespace == key.namespace && p.set == key.set) {
            payload.push(0x01); // repeat the previous row's command
            continue;
        }
        previous = Some(key);
        payload.push(0);
        payload.push(row_info1);
        let n_fields: u16 = if key.set.is_empty() { 1 } else { 2 };
        payload.extend_from_slice(&n_fields.to_be_bytes());
        payload.extend_from_slice(&n_ops.to_be_bytes());
        scramjet_net::field::write_field(&mut payload, field_type::NAMESPACE, key.namespace.as_bytes());
        if !key.set.is_empty() {
            scramjet_net::field::write_field(&mut payload, field_type::SET, key.set.as_bytes());
        }
        payload.extend_from_slice(&ops);
    }
    let header =
        MsgHeader { info1: info1::READ | info1::BATCH, transaction_ttl: server_timeout_ms(base), ..Default::default() };
    let mut w = MessageWriter::begin(out, &header);
    filter_field(&mut w, filter);
    w.field(field_type::BATCH_INDEX, &payload);
    w.finish();
    Ok(())
}

/// An info request for `commands`.
pub fn encode_info(out: &mut Vec<u8>, commands: &[&str]) {
    let start = out.len();
    out.extend_from_slice(&[0; scramjet_net::PROTO_HEADER_SIZE]);
    for c in commands {
        out.extend_from_slice(c.as_bytes());
        out.push(b'\n');
    }
    scramjet_net::frame::patch_size(out, start, ProtoType::Info);
}

/// Splits an info response into `(name, value)` lines.
pub fn parse_info(body: &[u8]) -> Vec<(String, String)> {
    String::from_utf8_lossy(body)
        .split('\n')
        .filter(|l| !l.is_empty())
        .map(|line| match line.split_once('\t') {
            Some((name, value)) => (name.to_string(), value.to_string()),
            None => (line.to_string(), String::new()),
        })
        .collect()
}

fn bad_response(what: impl std::fmt::Display) -> Error {
    Error::new(code::CLIENT, format!("malformed response from the server: {what}"))
}

/// Decodes the bins of a message's ops.
pub(crate) fn decode_bins(msg: &Message<'_>) -> Result<Vec<(String, Value)>> {
    msg.ops()
        .map(|op| Ok((String::from_utf8_lossy(op.name).into_owned(), Value::decode(op.particle_type, op.value)?)))
        .collect()
}

/// The outcome of a single-record command: the result code and, on success, the record.
pub fn parse_record(body: &[u8]) -> Result<(u8, Record)> {
    let msg = Message::parse(body).map_err(bad_response)?;
    let bins = if msg.header.result_code == 0 { decode_bins(&msg)? } else { Vec::new() };
    let record = Record { generation: msg.header.generation, void_time: msg.header.record_ttl, bins, key: None };
    Ok((msg.header.result_code, record))
}

/// One message of a multi-message response (batch or scan).
#[derive(Debug)]
pub enum StreamItem {
    /// A record, or a batch row's result: its result code, row index (batch) and record.
    Record {
        /// Result code of the row.
        result_code: u8,
        /// Batch row index (`transaction_ttl`).
        index: u32,
        /// The record (bins empty unless the code is 0).
        record: Record,
        /// A query's index key for the record (field 15), to resume after it.
        bval: Option<i64>,
    },
    /// A scan partition is finished (or, with a code, unavailable: asked again elsewhere).
    PartitionDone {
        /// The partition.
        pid: u16,
        /// 0, or why it could not be scanned here.
        result: u8,
    },
    /// The stream ended, with the overall result.
    Last(u8),
}

/// Decodes every `as_msg` of one proto body of a batch or scan response.
pub fn parse_stream(mut body: &[u8], out: &mut Vec<StreamItem>) -> Result<()> {
    while !body.is_empty() {
        let (msg, rest) = Message::split(body).map_err(bad_response)?;
        body = rest;
        let h = msg.header;
        if h.info3 & info3::LAST != 0 {
            out.push(StreamItem::Last(h.result_code));
            continue;
        }
        if h.info3 & info3::PARTITION_DONE != 0 {
            out.push(StreamItem::PartitionDone { pid: h.generation as u16, result: h.result_code });
            continue;
        }
        // A UDF failure (100) carries its message in a FAILURE bin.
        let bins = if h.result_code == 0 || h.result_code == 100 { decode_bins(&msg)? } else { Vec::new() };
        let fields = msg.key_fields();
        let key = match (fields.namespace, msg.field(field_type::DIGEST)) {
            (Some(ns), Some(d)) if d.len() == 20 => {
                let mut digest = [0u8; 20];
                digest.copy_from_slice(d);
                let set = String::from_utf8_lossy(fields.set.unwrap_or(&[])).into_owned();
                let mut key = Key::from_digest(&String::from_utf8_lossy(ns), &set, digest).ok();
                if let (Some(k), Some(field)) = (key.as_mut(), msg.field(field_type::KEY)) {
                    k.user_key = decode_user_key(field);
                }
                key
            }
            _ => None,
        };
        let bval = msg.field(field_type::BVAL_ARRAY).and_then(|b| <[u8; 8]>::try_from(b).ok()).map(i64::from_le_bytes);
        let record = Record { generation: h.generation, void_time: h.record_ttl, bins, key };
        out.push(StreamItem::Record { result_code: h.result_code, index: h.transaction_ttl, record, bval });
    }
    Ok(())
}

fn decode_user_key(field: &[u8]) -> Option<crate::value::UserKey> {
    use crate::value::UserKey;
    let (&t, bytes) = field.split_first()?;
    match t {
        1 => Some(UserKey::Int(scramjet_net::particle::decode_integer(bytes).ok()?)),
        3 => Some(UserKey::Str(String::from_utf8_lossy(bytes).into_owned())),
        4 => Some(UserKey::Bytes(bytes.to_vec())),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::value::UserKey;

    fn body(bytes: &[u8]) -> &[u8] {
        &bytes[scramjet_net::PROTO_HEADER_SIZE..]
    }

    #[test]
    fn put_carries_policy_bits_and_bins() {
        let key = Key::new("test", "demo", UserKey::Str("k".into())).unwrap();
        let policy = WritePolicy {
            exists: ExistsAction::CreateOnly,
            generation_policy: GenerationPolicy::Equal,
            generation: 7,
            ttl: 100,
            commit_level: CommitLevel::Master,
            send_key: true,
            ..WritePolicy::default()
        };
        let mut out = Vec::new();
        let v = Value::Int(5);
        encode_put(&mut out, &key, &[("a", &v)], &policy).unwrap();
        let msg = Message::parse(body(&out)).unwrap();
        assert_eq!(msg.header.info2, info2::WRITE | info2::CREATE_ONLY | info2::GENERATION);
        assert_eq!(msg.header.info3, info3::COMMIT_MASTER);
        assert_eq!((msg.header.generation, msg.header.record_ttl), (7, 100));
        assert_eq!(msg.field(field_type::KEY), Some(&[3, b'k'][..]));
        assert_eq!(msg.field(field_type::DIGEST), Some(&key.digest.0[..]));
        let ops: Vec<_> = msg.ops().collect();
        assert_eq!((ops[0].name, ops[0].value), (&b"a"[..], &5i64.to_be_bytes()[..]));
    }

    #[test]
    fn bad_arguments_are_param_errors() {
        let key = Key::new("test", "", UserKey::Int(1)).unwrap();
        let mut out = Vec::new();
        let e = encode_put(&mut out, &key, &[("a_bin_name_too_long", &Value::Int(1))], &WritePolicy::default());
        assert_eq!(e.unwrap_err().code, code::PARAM);
        let e = encode_operate(
            &mut out,
            &key,
            &[Operation::Increment("a".into(), Value::Str("x".into()))],
            &Default::default(),
        );
        assert_eq!(e.unwrap_err().code, code::PARAM);
        assert_eq!(Key::new("", "s", UserKey::Int(1)).unwrap_err().code, code::PARAM);
    }

    #[test]
    fn batch_rows_repeat_when_namespace_and_set_match() {
        let a = Key::new("test", "s", UserKey::Int(1)).unwrap();
        let b = Key::new("test", "s", UserKey::Int(2)).unwrap();
        let c = Key::new("test", "t", UserKey::Int(3)).unwrap();
        let mut out = Vec::new();
        encode_batch_get(&mut out, &[(0, &a), (1, &b), (2, &c)], ReadBins::All, &BasePolicy::READ, None).unwrap();
        let msg = Message::parse(body(&out)).unwrap();
        let payload = msg.field(field_type::BATCH_INDEX).unwrap();
        let rows = scramjet_net::batch::BatchRequest::parse(payload).unwrap().rows().unwrap();
        assert_eq!(rows.len(), 3);
        assert_eq!(rows[1].fields, rows[0].fields);
        assert_ne!(rows[2].fields, rows[0].fields);
        assert_eq!(rows.iter().map(|r| r.index).collect::<Vec<_>>(), [0, 1, 2]);
    }

    #[test]
    fn read_all_in_a_write_is_a_nameless_read_op() {
        let key = Key::new("test", "", UserKey::Int(1)).unwrap();
        let mut out = Vec::new();
        let ops = [Operation::Write("a".into(), Value::Int(1)), Operation::ReadAll];
        encode_operate(&mut out, &key, &ops, &WritePolicy::default()).unwrap();
        let msg = Message::parse(body(&out)).unwrap();
        assert_eq!(msg.header.info1, info1::READ | info1::GET_ALL);
        let ops: Vec<_> = msg.ops().map(|op| (op.op_type, op.name)).collect();
        assert_eq!(ops, [(OpType::Write as u8, &b"a"[..]), (OpType::Read as u8, &b""[..])]);
    }

    #[test]
    fn a_reused_key_has_the_digest_of_a_new_one() {
        let mut key = Key::new("test", "s", UserKey::Int(1)).unwrap();
        for user in [UserKey::Int(-7), UserKey::Str("x".into()), UserKey::Bytes(vec![1, 2])] {
            key.set_user_key(user.clone());
            assert_eq!(key, Key::new("test", "s", user).unwrap());
        }
    }

    #[test]
    fn bit_operations_ride_bit_ops() {
        use crate::bits::{self, BitOverflowAction, BitResizeFlags};
        let key = Key::new("test", "", UserKey::Int(1)).unwrap();
        let mut out = Vec::new();
        let ops = [bits::count("b", 0, 8), bits::get("b", 0, 8)];
        encode_operate(&mut out, &key, &ops, &WritePolicy::default()).unwrap();
        let msg = Message::parse(body(&out)).unwrap();
        // Bit operations answer one result each, as map operations do.
        assert_eq!((msg.header.info1, msg.header.info2), (info1::READ, info2::RESPOND_ALL_OPS));
        let got: Vec<_> = msg.ops().map(|op| (op.op_type, op.particle_type, op.value.to_vec())).collect();
        assert_eq!(got[0], (OpType::BitRead as u8, ParticleType::Blob as u8, vec![0x93, 51, 0, 8]));
        out.clear();
        let ops = [
            bits::resize("b", 2, None, BitResizeFlags::DEFAULT),
            bits::add("b", 0, 8, 1, false, BitOverflowAction::Wrap, None),
            bits::get_int("b", 0, 8, false),
        ];
        encode_operate(&mut out, &key, &ops, &WritePolicy::default()).unwrap();
        let msg = Message::parse(body(&out)).unwrap();
        assert_eq!((msg.header.info1, msg.header.info2), (info1::READ, info2::WRITE | info2::RESPOND_ALL_OPS));
        let got: Vec<_> = msg.ops().map(|op| (op.op_type, op.particle_type, op.value.to_vec())).collect();
        assert_eq!(got[0], (OpType::BitModify as u8, ParticleType::Blob as u8, vec![0x94, 0, 2, 0, 0]));
        assert_eq!(got[1], (OpType::BitModify as u8, ParticleType::Blob as u8, vec![0x96, 10, 0, 8, 1, 0, 4]));
        assert_eq!(got[2].0, OpType::BitRead as u8);
    }

    #[test]
    fn path_operations_ride_cdt_ops() {
        use crate::cdt::{self, Ctx, ModifyFlags, SelectFlags};
        let key = Key::new("test", "", UserKey::Int(1)).unwrap();
        let mut out = Vec::new();
        let ops = [cdt::select_by_path("m", [Ctx::AllChildren], SelectFlags::VALUE)];
        encode_operate(&mut out, &key, &ops, &WritePolicy::default()).unwrap();
        let msg = Message::parse(body(&out)).unwrap();
        // A select is a CDT read (3), without RESPOND_ALL_OPS, as the C client sends it.
        assert_eq!((msg.header.info1, msg.header.info2), (info1::READ, 0));
        let got: Vec<_> = msg.ops().map(|op| (op.op_type, op.particle_type, op.name, op.value.to_vec())).collect();
        assert_eq!(
            got[0],
            (OpType::CdtRead as u8, ParticleType::Blob as u8, &b"m"[..], vec![0x93, 0xcc, 0xfe, 0x92, 4, 0xc3, 1])
        );
        out.clear();
        let ops = [cdt::modify_by_path("m", [Ctx::AllChildren], crate::exp::remove_result(), ModifyFlags::DEFAULT)];
        encode_operate(&mut out, &key, &ops, &WritePolicy::default()).unwrap();
        let msg = Message::parse(body(&out)).unwrap();
        assert_eq!((msg.header.info1, msg.header.info2), (0, info2::WRITE));
        let got: Vec<_> = msg.ops().map(|op| (op.op_type, op.value.to_vec())).collect();
        assert_eq!(got[0], (OpType::CdtModify as u8, vec![0x94, 0xcc, 0xfe, 0x92, 4, 0xc3, 4, 0x91, 0x64]));
        // An empty path is refused, as the C client refuses it ("Context is empty").
        let ops = [cdt::select_by_path("m", [], SelectFlags::VALUE)];
        assert_eq!(encode_operate(&mut out, &key, &ops, &WritePolicy::default()).unwrap_err().code, code::PARAM);
    }

    #[test]
    fn hll_operations_ride_hll_ops() {
        use crate::hll;
        let key = Key::new("test", "", UserKey::Int(1)).unwrap();
        let mut out = Vec::new();
        let ops = [hll::get_count("h"), hll::describe("h")];
        encode_operate(&mut out, &key, &ops, &WritePolicy::default()).unwrap();
        let msg = Message::parse(body(&out)).unwrap();
        // HLL operations answer one result each, as the C client asks.
        assert_eq!((msg.header.info1, msg.header.info2), (info1::READ, info2::RESPOND_ALL_OPS));
        let got: Vec<_> = msg.ops().map(|op| (op.op_type, op.particle_type, op.name, op.value.to_vec())).collect();
        assert_eq!(got[0], (OpType::HllRead as u8, ParticleType::Blob as u8, &b"h"[..], vec![0x91, 50]));
        assert_eq!(got[1], (OpType::HllRead as u8, ParticleType::Blob as u8, &b"h"[..], vec![0x91, 55]));
        out.clear();
        let ops = [
            hll::init("h", Some(4), None, None),
            hll::add("h", vec![Value::from("x")], None, None, None),
            hll::get_union("h", vec![Value::hll(vec![1])]),
            Operation::Write("v".into(), Value::hll(vec![7, 7])),
        ];
        encode_operate(&mut out, &key, &ops, &WritePolicy::default()).unwrap();
        let msg = Message::parse(body(&out)).unwrap();
        assert_eq!((msg.header.info1, msg.header.info2), (info1::READ, info2::WRITE | info2::RESPOND_ALL_OPS));
        let got: Vec<_> = msg.ops().map(|op| (op.op_type, op.particle_type, op.value.to_vec())).collect();
        assert_eq!(got[0], (OpType::HllModify as u8, ParticleType::Blob as u8, vec![0x94, 0, 4, 0xff, 0]));
        assert_eq!(
            got[1],
            (OpType::HllModify as u8, ParticleType::Blob as u8, vec![0x95, 1, 0x91, 0xa2, 3, b'x', 0xff, 0xff, 0])
        );
        assert_eq!(got[2], (OpType::HllRead as u8, ParticleType::Blob as u8, vec![0x92, 51, 0x91, 0xa2, 18, 1]));
        // An HLL value written as a bin: particle type 18, its bytes as they are.
        assert_eq!(got[3], (OpType::Write as u8, ParticleType::Hll as u8, vec![7, 7]));
    }

    #[test]
    fn list_and_map_operations_ride_cdt_ops() {
        use crate::cdt::{self, ReturnType};
        let key = Key::new("test", "", UserKey::Int(1)).unwrap();
        let mut out = Vec::new();
        // List reads only: a read command, no RESPOND_ALL_OPS (the C client sets it for maps).
        let ops = [cdt::list_size("l"), cdt::list_get_by_rank_range("l", ReturnType::VALUE, -3, Some(3))];
        encode_operate(&mut out, &key, &ops, &WritePolicy::default()).unwrap();
        let msg = Message::parse(body(&out)).unwrap();
        assert_eq!((msg.header.info1, msg.header.info2), (info1::READ, 0));
        let got: Vec<_> = msg.ops().map(|op| (op.op_type, op.particle_type, op.name, op.value.to_vec())).collect();
        assert_eq!(got[0], (OpType::CdtRead as u8, ParticleType::Blob as u8, &b"l"[..], vec![0x91, 16]));
        assert_eq!(got[1].3, [0x94, 26, 7, 0xfd, 3]);
        // A map write: a write command that answers every op.
        out.clear();
        let ops = [cdt::map_put("m", "k", 1, None), cdt::map_get_by_key("m", ReturnType::VALUE, "k")];
        encode_operate(&mut out, &key, &ops, &WritePolicy::default()).unwrap();
        let msg = Message::parse(body(&out)).unwrap();
        assert_eq!(msg.header.info1, info1::READ);
        assert_eq!(msg.header.info2, info2::WRITE | info2::RESPOND_ALL_OPS);
        let types: Vec<_> = msg.ops().map(|op| op.op_type).collect();
        assert_eq!(types, [OpType::CdtModify as u8, OpType::CdtRead as u8]);
        assert_eq!(msg.ops().next().unwrap().value, [0x94, 67, 0xa2, 3, b'k', 1, 0]);
        // ...unless every bin is read.
        out.clear();
        encode_operate(&mut out, &key, &[cdt::map_clear("m"), Operation::ReadAll], &WritePolicy::default()).unwrap();
        assert_eq!(Message::parse(body(&out)).unwrap().header.info2, info2::WRITE);
        // Wildcards select; they are never stored.
        let e = encode_operate(&mut out, &key, &[Operation::Write("w".into(), Value::Wildcard)], &Default::default());
        assert_eq!(e.unwrap_err().code, code::PARAM);
        let v = Value::from(vec![Value::Infinity]);
        assert_eq!(encode_put(&mut out, &key, &[("w", &v)], &Default::default()).unwrap_err().code, code::PARAM);
    }

    #[test]
    fn list_and_map_results_decode_into_values() {
        let mut out = Vec::new();
        let header = MsgHeader { generation: 3, ..Default::default() };
        let mut w = MessageWriter::begin(&mut out, &header);
        // [1, "a"], a K-ordered {1: "a"} with its metadata pair, and a nil for a NONE result.
        w.op(OpType::Read as u8, ParticleType::List as u8, b"l", &[0x92, 0x01, 0xa2, 0x03, b'a']);
        w.op(
            OpType::Read as u8,
            ParticleType::Map as u8,
            b"m",
            &[0x82, 0xc7, 0x00, 0x01, 0xc0, 0x01, 0xa2, 0x03, b'a'],
        );
        w.op(OpType::Read as u8, 0, b"m", &[]);
        w.finish();
        let (rc, record) = parse_record(body(&out)).unwrap();
        assert_eq!(rc, 0);
        assert_eq!(record.bins[0].1, Value::from(vec![Value::Int(1), Value::from("a")]));
        assert_eq!(record.bins[1].1, Value::Map(vec![(Value::Int(1), Value::from("a"))]));
        assert_eq!(record.bins[2].1, Value::Nil);
        // A malformed list is a client error, not a panic.
        out.clear();
        let mut w = MessageWriter::begin(&mut out, &header);
        w.op(OpType::Read as u8, ParticleType::List as u8, b"l", &[0x93, 0x01]);
        w.finish();
        assert_eq!(parse_record(body(&out)).unwrap_err().code, code::CLIENT);
    }

    #[test]
    fn filters_travel_as_field_43_on_every_command() {
        use crate::exp;
        use crate::policy::{ReadPolicy, ScanPolicy};
        let key = Key::new("test", "pyexp", UserKey::Int(1)).unwrap();
        let filter = exp::gt(exp::int_bin("a"), exp::int(5));
        let want = [0x93, 0x03, 0x93, 0x51, 0x02, 0xa1, b'a', 0x05];
        let read = ReadPolicy { filter: Some(filter.clone()), ..ReadPolicy::default() };
        let write = WritePolicy { filter: Some(filter.clone()), ..WritePolicy::default() };
        let mut requests = Vec::new();
        let mut out = Vec::new();
        encode_read(&mut out, &key, ReadBins::All, &read.base, read.filter.as_ref()).unwrap();
        requests.push(std::mem::take(&mut out));
        encode_read(&mut out, &key, ReadBins::None, &read.base, read.filter.as_ref()).unwrap();
        requests.push(std::mem::take(&mut out));
        encode_put(&mut out, &key, &[("b", &Value::Int(1))], &write).unwrap();
        requests.push(std::mem::take(&mut out));
        encode_delete(&mut out, &key, &write);
        requests.push(std::mem::take(&mut out));
        encode_touch(&mut out, &key, &write).unwrap();
        requests.push(std::mem::take(&mut out));
        encode_operate(&mut out, &key, &[Operation::Read("a".into())], &write).unwrap();
        requests.push(std::mem::take(&mut out));
        encode_batch_get(&mut out, &[(0, &key)], ReadBins::All, &read.base, read.filter.as_ref()).unwrap();
        requests.push(std::mem::take(&mut out));
        let scan = ScanPolicy { filter: Some(filter.clone()), ..ScanPolicy::default() };
        let parts = crate::query::PartitionFilter::range(0, 2).unwrap().partitions;
        crate::query::encode(&mut out, "test", "", &parts, None, &scan, None, 7).unwrap();
        requests.push(std::mem::take(&mut out));
        for (i, request) in requests.iter().enumerate() {
            let msg = Message::parse(body(request)).unwrap();
            assert_eq!(msg.field(field_type::FILTER), Some(&want[..]), "request {i}");
        }
        // The whole get the official client sends for GT(IntBin('a'), 5) (notes §8): the same
        // bytes but for the timeout.
        let mut get = Vec::new();
        let base = BasePolicy { total_timeout: std::time::Duration::from_millis(2000), ..BasePolicy::READ };
        encode_read(&mut get, &key, ReadBins::All, &base, Some(&filter)).unwrap();
        let mut captured = vec![0x02, 0x03, 0, 0, 0, 0, 0, 0x4f, 22, 0x03, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0];
        captured.extend_from_slice(&[0, 0, 0x07, 0xd0, 0, 4, 0, 0]);
        captured.extend_from_slice(&[0, 0, 0, 5, 0, b't', b'e', b's', b't', 0, 0, 0, 6, 1]);
        captured.extend_from_slice(b"pyexp");
        captured.extend_from_slice(&[0, 0, 0, 0x15, 4]);
        captured.extend_from_slice(&key.digest.0);
        captured.extend_from_slice(&[0, 0, 0, 9, 0x2b]);
        captured.extend_from_slice(&want);
        assert_eq!(get, captured);
        // No filter, no field.
        encode_read(&mut out, &key, ReadBins::All, &BasePolicy::READ, None).unwrap();
        assert_eq!(Message::parse(body(&out)).unwrap().field(field_type::FILTER), None);
    }

    #[test]
    fn expression_operations_ride_ops_7_and_8() {
        use crate::exp::{self, ExpReadFlags, ExpWriteFlags};
        let key = Key::new("test", "", UserKey::Int(1)).unwrap();
        let mut out = Vec::new();
        let ops = [exp::read_op("r", exp::int_bin("a"), ExpReadFlags::DEFAULT)];
        encode_operate(&mut out, &key, &ops, &WritePolicy::default()).unwrap();
        let msg = Message::parse(body(&out)).unwrap();
        // A read that answers per operation, as the C client asks.
        assert_eq!((msg.header.info1, msg.header.info2), (info1::READ, info2::RESPOND_ALL_OPS));
        let got: Vec<_> = msg.ops().map(|op| (op.op_type, op.particle_type, op.name, op.value.to_vec())).collect();
        // The captured op of expression_read('r', IntBin('a').compile()) (notes §8).
        assert_eq!(got[0], (7, ParticleType::Blob as u8, &b"r"[..], vec![0x92, 0x93, 0x51, 0x02, 0xa1, b'a', 0]));
        out.clear();
        let add = exp::add(vec![exp::int_bin("a"), exp::int(50)]);
        let ops = [exp::write_op("w", add, ExpWriteFlags::DEFAULT), Operation::Read("w".into())];
        encode_operate(&mut out, &key, &ops, &WritePolicy::default()).unwrap();
        let msg = Message::parse(body(&out)).unwrap();
        assert_eq!((msg.header.info1, msg.header.info2), (info1::READ, info2::WRITE | info2::RESPOND_ALL_OPS));
        let got: Vec<_> = msg.ops().map(|op| (op.op_type, op.particle_type, op.value.to_vec())).collect();
        let want = vec![0x92, 0x93, 0x14, 0x93, 0x51, 0x02, 0xa1, b'a', 0x32, 0];
        assert_eq!(got[0], (8, ParticleType::Blob as u8, want));
        // A bin name too long is refused as for any op.
        let ops = [exp::read_op("a_bin_name_too_long", exp::int(1), ExpReadFlags::DEFAULT)];
        assert_eq!(encode_operate(&mut out, &key, &ops, &WritePolicy::default()).unwrap_err().code, code::PARAM);
    }

    #[test]
    fn void_time_becomes_ttl() {
        let r = Record { void_time: 1000, ..Default::default() };
        assert_eq!(r.ttl(CITRUS_EPOCH_UNIX_SECS + 400), 600);
        assert_eq!(r.ttl(CITRUS_EPOCH_UNIX_SECS + 4000), 1);
        assert_eq!(Record::default().ttl(0), u32::MAX);
    }
}

//! Writes: put with every record-exists action and generation policy, and operate with write,
//! bin delete, increment, append, prepend, touch, delete-record and reads in between.
//!
//! The ops run in message order over a working copy of the record's bins; reads see the writes
//! before them. Semantics follow Aerospike's `write_master`: a write that leaves no bins deletes
//! the record (or fails with "not found" if there was none); touch answers nothing; with
//! respond-all-ops every write op answers an empty entry.

use std::borrow::Cow;

use scramjet_engine::namespace::MAX_TTL_SECS;
use scramjet_engine::record::next_generation;
use scramjet_engine::{bits, cdt, hll};
use scramjet_engine::{BinRef, NamespaceConfig, NamespaceStore, Now, RecordMeta, StoredRecord, SET_NAME_MAX_LEN};
use scramjet_net::message::{info1, info2, info3, KeyFields, MessageWriter, MsgHeader};
use scramjet_net::op::{Op, OpType, BIN_NAME_MAX_LEN};
use scramjet_net::particle::{decode_float, decode_integer, normalize};
use scramjet_net::{Digest, Message, ParticleType};

use super::exp_op;
use super::filter::Subject;
use super::path;
use super::TxnError;

/// TTL value meaning "never expire".
const TTL_NEVER_EXPIRE: u32 = 0xFFFF_FFFF;
/// TTL value meaning "keep the record's current expiry".
const TTL_DONT_UPDATE: u32 = 0xFFFF_FFFE;

/// What a successful write did, for statistics.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WriteOutcome {
    /// The record was written.
    Written,
    /// The record was deleted (its last bin went away, or a delete-record op).
    Deleted,
}

/// A bin of the record being built.
#[derive(Debug, Clone)]
struct WorkBin<'a> {
    name: &'a [u8],
    particle: ParticleType,
    value: Cow<'a, [u8]>,
}

impl<'a> WorkBin<'a> {
    /// A response entry with no value (respond-all-ops answers for write ops and missing bins).
    fn empty(name: &'a [u8]) -> WorkBin<'a> {
        WorkBin { name, particle: ParticleType::Null, value: Cow::Borrowed(&[]) }
    }
}

/// Checks the generation policy of a request against a record's generation.
pub fn check_generation(header: &MsgHeader, generation: u16) -> Result<(), TxnError> {
    let requested = header.generation;
    let current = u32::from(generation);
    if header.info2 & info2::GENERATION != 0 && requested != current {
        return Err(TxnError::Generation);
    }
    if header.info2 & info2::GENERATION_GT != 0 && requested <= current {
        return Err(TxnError::Generation);
    }
    Ok(())
}

/// The void time a write sets: from the request's TTL, the namespace default, or the record's.
pub fn void_time_for(ttl: u32, config: &NamespaceConfig, current: Option<u32>, now: Now) -> Result<u32, TxnError> {
    let secs = match ttl {
        0 => config.default_ttl_secs,
        TTL_NEVER_EXPIRE => return Ok(0),
        TTL_DONT_UPDATE => match current {
            Some(void_time) => return Ok(void_time),
            None => config.default_ttl_secs,
        },
        secs if secs > MAX_TTL_SECS => return Err(TxnError::Parameter("TTL over 10 years")),
        secs if config.max_ttl_secs != 0 && secs > config.max_ttl_secs => {
            return Err(TxnError::Parameter("TTL over the namespace's max-ttl"))
        }
        secs => secs,
    };
    if secs == 0 {
        return Ok(0);
    }
    if config.nsup_period_secs == 0 && !config.allow_ttl_without_nsup {
        return Err(TxnError::Forbidden);
    }
    Ok(now.clepoch_secs.saturating_add(secs))
}

fn check_bin_name(name: &[u8]) -> Result<(), TxnError> {
    if name.is_empty() || name.len() > BIN_NAME_MAX_LEN {
        return Err(TxnError::BinName);
    }
    Ok(())
}

/// What the ops of a write ask for, checked before the record is looked at (Aerospike's
/// `write_master_policies`).
struct WritePolicy {
    /// The record must exist (update-only, replace-only, or a touch op).
    must_not_create: bool,
    /// Replace all bins (create-or-replace, replace-only).
    replace: bool,
}

fn check_policies(msg: &Message<'_>) -> Result<WritePolicy, TxnError> {
    let header = msg.header;
    if header.n_ops == 0 {
        return Err(TxnError::Parameter("write without ops"));
    }
    let replace = header.info3 & (info3::CREATE_OR_REPLACE | info3::REPLACE_ONLY) != 0;
    let respond_all_ops = header.info2 & info2::RESPOND_ALL_OPS != 0;
    let mut must_not_create = header.info3 & (info3::UPDATE_ONLY | info3::REPLACE_ONLY) != 0;
    let (mut has_read, mut has_read_all, mut generates_response) = (false, false, false);
    for op in msg.ops() {
        let op_type = OpType::from_u8(op.op_type).ok_or(TxnError::Parameter("unknown op type"))?;
        if op_type == OpType::Touch {
            if replace {
                return Err(TxnError::Parameter("touch with record replace"));
            }
            must_not_create = true;
            continue;
        }
        if op.name.len() > BIN_NAME_MAX_LEN {
            return Err(TxnError::BinName);
        }
        match op_type {
            OpType::Write if op.particle_type == ParticleType::Null as u8 && replace => {
                return Err(TxnError::Parameter("bin delete with record replace"))
            }
            OpType::Read if op.name.is_empty() => {
                if respond_all_ops || has_read_all {
                    return Err(TxnError::Parameter("read-all with respond-all-ops, or twice"));
                }
                has_read = true;
                has_read_all = true;
            }
            OpType::Read | OpType::CdtRead | OpType::ExpRead | OpType::BitRead | OpType::HllRead => {
                has_read = true;
                generates_response = true;
            }
            OpType::Write => {}
            _ if replace => return Err(TxnError::Parameter("modify op with record replace")),
            OpType::CdtModify | OpType::HllModify => generates_response = true,
            _ => {}
        }
    }
    if has_read && header.info1 & info1::READ == 0 {
        return Err(TxnError::Parameter("read op without the read flag"));
    }
    if has_read_all && generates_response {
        return Err(TxnError::Parameter("read-all mixed with ops that answer bins"));
    }
    if header.info1 & info1::GET_ALL != 0 && !has_read_all {
        return Err(TxnError::Parameter("get-all flag without a read-all op"));
    }
    Ok(WritePolicy { must_not_create, replace })
}

/// Runs a write and appends the response to `out`; returns what it did and its append
/// sequence (for durability waits). On error `out` may hold a partial response, which the
/// caller discards.
pub fn run(
    ns: &mut NamespaceStore,
    msg: &Message<'_>,
    key: &KeyFields<'_>,
    digest: &Digest,
    now: Now,
    out: &mut Vec<u8>,
    filter: Option<&super::filter::Filter>,
) -> Result<(WriteOutcome, u64), TxnError> {
    let header = msg.header;
    // The TTL is checked before the record: its validity does not depend on it.
    void_time_for(header.record_ttl, ns.config(), None, now)?;
    let policy = check_policies(msg)?;
    let set_name = key.set.unwrap_or_default();
    if set_name.len() > SET_NAME_MAX_LEN {
        return Err(TxnError::Parameter("set name over 63 bytes"));
    }
    let existing = ns.get(digest, now);
    match existing {
        Some(entry) => {
            // A write naming a set must name the record's own.
            if !set_name.is_empty() && ns.sets().name(entry.meta.set_id) != set_name {
                return Err(TxnError::Parameter("set name differs from the record's"));
            }
            if header.info2 & info2::CREATE_ONLY != 0 {
                return Err(TxnError::RecordExists);
            }
        }
        None if policy.must_not_create => return Err(TxnError::NotFound),
        None => {}
    }
    if let Some(record) = &existing {
        super::filter::check(filter, ns, digest, record, now)?;
    }
    // A record being created has generation 0 for the check, as in Aerospike.
    check_generation(&header, existing.map_or(0, |e| e.meta.generation))?;
    let existing_view = match existing {
        Some(entry) => Some(entry.view().ok_or(TxnError::Corrupt)?),
        None => None,
    };
    let stored_key = match (key.key, existing_view.and_then(|v| v.key)) {
        (Some(sent), Some(stored)) if sent != stored => return Err(TxnError::KeyMismatch),
        (Some(sent), _) => Some(sent),
        (None, stored) => stored,
    };
    let void_time = void_time_for(header.record_ttl, ns.config(), existing.map(|e| e.meta.void_time), now)?;

    let replace = policy.replace;
    let mut bins: Vec<WorkBin<'_>> = match existing_view {
        Some(view) if !replace => {
            view.bins().map(|b| WorkBin { name: b.name, particle: b.particle, value: Cow::Borrowed(b.value) }).collect()
        }
        _ => Vec::new(),
    };

    let respond_all_ops = header.info2 & info2::RESPOND_ALL_OPS != 0;
    let mut responses: Vec<WorkBin<'_>> = Vec::new();
    // What expressions see of the record besides its bins.
    let facts = RecordFacts {
        meta: existing
            .map_or(RecordMeta { generation: 0, void_time, last_update_ms: now.clepoch_ms, set_id: 0 }, |e| e.meta),
        size: existing.map_or(0, |e| e.body.len()),
        key: stored_key,
        set_name: existing.map_or(set_name, |e| ns.sets().name(e.meta.set_id)),
        digest,
        now,
    };
    for op in msg.ops() {
        let op_type = OpType::from_u8(op.op_type).ok_or(TxnError::Parameter("unknown op type"))?;
        match op_type {
            OpType::Read if op.name.is_empty() => {
                responses.extend(bins.iter().cloned());
            }
            OpType::Read => match bins.iter().find(|b| b.name == op.name) {
                Some(b) => responses.push(b.clone()),
                None if respond_all_ops => responses.push(WorkBin::empty(op.name)),
                None => {}
            },
            OpType::Write => apply_write(&mut bins, &op)?,
            OpType::Incr => apply_incr(&mut bins, &op)?,
            OpType::Append | OpType::Prepend => apply_concat(&mut bins, &op, op_type == OpType::Prepend)?,
            // Checked by the policy: a touch never creates a record.
            OpType::Touch => continue,
            OpType::Delete => bins.clear(),
            OpType::CdtRead | OpType::CdtModify => {
                apply_cdt(&mut bins, &mut responses, &op, op_type, respond_all_ops, &facts)?;
                continue;
            }
            OpType::BitRead | OpType::BitModify => {
                let read = op_type == OpType::BitRead;
                apply_bit_family(&mut bins, &mut responses, &op, BitFamily::Bits, read, respond_all_ops)?;
                continue;
            }
            OpType::HllRead | OpType::HllModify => {
                let read = op_type == OpType::HllRead;
                apply_bit_family(&mut bins, &mut responses, &op, BitFamily::Hll, read, respond_all_ops)?;
                continue;
            }
            OpType::ExpRead | OpType::ExpModify => {
                apply_exp(&mut bins, &mut responses, &op, op_type == OpType::ExpRead, respond_all_ops, &facts)?;
                continue;
            }
        }
        if respond_all_ops && op_type != OpType::Read {
            responses.push(WorkBin::empty(op.name));
        }
    }

    if bins.is_empty() {
        if existing.is_none() {
            return Err(TxnError::NotFound);
        }
        write_response(out, 0, 0, &responses);
        drop(responses);
        drop(bins);
        let durable = header.info2 & info2::DURABLE_DELETE != 0;
        let seq = ns.remove(digest, now, durable)?.map_or(0, |(_, seq)| seq);
        return Ok((WriteOutcome::Deleted, seq));
    }

    // A record re-created over a durable delete's tombstone continues its generation; after any
    // other delete it starts at 1.
    let generation = existing.map_or_else(|| ns.first_generation(digest), |e| next_generation(e.meta.generation));
    let existing_set = existing.map(|e| e.meta.set_id);
    let record = StoredRecord::encode(
        stored_key,
        bins.iter().map(|b| BinRef { name: b.name, particle: b.particle, value: &b.value }),
    )?;
    write_response(out, u32::from(generation), void_time, &responses);
    drop(responses);
    drop(bins);
    let set_id = match existing_set {
        Some(id) => id,
        None => ns.sets_mut().id_for(set_name)?,
    };
    let meta = RecordMeta { generation, void_time, last_update_ms: now.clepoch_ms, set_id };
    let (_, seq) = ns.put(*digest, meta, record, now)?;
    Ok((WriteOutcome::Written, seq))
}

fn write_response(out: &mut Vec<u8>, generation: u32, void_time: u32, responses: &[WorkBin<'_>]) {
    let header = MsgHeader { generation, record_ttl: void_time, ..Default::default() };
    let mut w = MessageWriter::begin(out, &header);
    for bin in responses {
        super::put_bin(&mut w, bin.particle as u8, bin.name, &bin.value);
    }
    w.finish();
}

fn find<'b, 'a>(bins: &'b mut [WorkBin<'a>], name: &[u8]) -> Option<&'b mut WorkBin<'a>> {
    bins.iter_mut().find(|b| b.name == name)
}

fn op_particle(op: &Op<'_>) -> Result<ParticleType, TxnError> {
    ParticleType::from_u8(op.particle_type).ok_or(TxnError::Parameter("unknown particle type"))
}

fn apply_write<'a>(bins: &mut Vec<WorkBin<'a>>, op: &Op<'a>) -> Result<(), TxnError> {
    check_bin_name(op.name)?;
    let particle = op_particle(op)?;
    if particle == ParticleType::Null {
        if !op.value.is_empty() {
            return Err(TxnError::Parameter("NULL value with bytes"));
        }
        bins.retain(|b| b.name != op.name);
        return Ok(());
    }
    let value = match particle {
        // Lists and maps are stored in Aerospike's canonical form (PROTOCOL-DATA.md §1.4).
        ParticleType::List | ParticleType::Map => {
            let stored = cdt::rewrite(op.value).map_err(|_| TxnError::InvalidContainer)?;
            let is_list = matches!(stored.first(), Some(0x90..=0x9f | 0xdc | 0xdd));
            if is_list != (particle == ParticleType::List) {
                return Err(TxnError::InvalidContainer);
            }
            Cow::Owned(stored)
        }
        // GeoJSON must parse as Aerospike parses it (160 otherwise).
        ParticleType::GeoJson => {
            normalize(particle, op.value)?;
            let text = scramjet_engine::geo::particle_text(op.value).ok_or(TxnError::InvalidGeoJson)?;
            if scramjet_engine::geo::parse(text).is_none() {
                return Err(TxnError::InvalidGeoJson);
            }
            Cow::Borrowed(op.value)
        }
        _ => match normalize(particle, op.value)? {
            scramjet_net::particle::NormalizedValue::Integer(word) => Cow::Owned(word.to_vec()),
            scramjet_net::particle::NormalizedValue::Borrowed(bytes) => Cow::Borrowed(bytes),
        },
    };
    match find(bins, op.name) {
        Some(bin) => {
            bin.particle = particle;
            bin.value = value;
        }
        None => bins.push(WorkBin { name: op.name, particle, value }),
    }
    Ok(())
}

fn apply_incr<'a>(bins: &mut Vec<WorkBin<'a>>, op: &Op<'a>) -> Result<(), TxnError> {
    check_bin_name(op.name)?;
    let particle = op_particle(op)?;
    let new_value: Vec<u8> = match (particle, find(bins, op.name)) {
        (ParticleType::Integer, None) => decode_integer(op.value)?.to_be_bytes().to_vec(),
        (ParticleType::Float, None) => decode_float(op.value)?.to_be_bytes().to_vec(),
        (ParticleType::Integer, Some(bin)) if bin.particle == ParticleType::Integer => {
            let current = decode_integer(&bin.value).map_err(|_| TxnError::Corrupt)?;
            current.wrapping_add(decode_integer(op.value)?).to_be_bytes().to_vec()
        }
        (ParticleType::Float, Some(bin)) if bin.particle == ParticleType::Float => {
            let current = decode_float(&bin.value).map_err(|_| TxnError::Corrupt)?;
            (current + decode_float(op.value)?).to_be_bytes().to_vec()
        }
        _ => return Err(TxnError::IncompatibleType),
    };
    set_bin(bins, op.name, particle, new_value);
    Ok(())
}

fn apply_concat<'a>(bins: &mut Vec<WorkBin<'a>>, op: &Op<'a>, prepend: bool) -> Result<(), TxnError> {
    check_bin_name(op.name)?;
    let particle = op_particle(op)?;
    if particle != ParticleType::String && !particle.is_blob() {
        return Err(TxnError::IncompatibleType);
    }
    let new_value = match find(bins, op.name) {
        None => op.value.to_vec(),
        Some(bin) if bin.particle == particle => {
            let mut joined = Vec::with_capacity(bin.value.len() + op.value.len());
            let (first, second): (&[u8], &[u8]) = if prepend { (op.value, &bin.value) } else { (&bin.value, op.value) };
            joined.extend_from_slice(first);
            joined.extend_from_slice(second);
            joined
        }
        Some(_) => return Err(TxnError::IncompatibleType),
    };
    set_bin(bins, op.name, particle, new_value);
    Ok(())
}

/// Runs a list or map op on its bin: the bin gets the op's new value, the response the op's
/// result (an empty entry for no result under respond-all-ops).
fn apply_cdt<'a>(
    bins: &mut Vec<WorkBin<'a>>,
    responses: &mut Vec<WorkBin<'a>>,
    op: &Op<'a>,
    op_type: OpType,
    respond_all_ops: bool,
    record: &RecordFacts<'_>,
) -> Result<(), TxnError> {
    check_bin_name(op.name)?;
    let class = if op_type == OpType::CdtRead { cdt::OpClass::Read } else { cdt::OpClass::Modify };
    let current = bins.iter().find(|b| b.name == op.name).map(|b| (b.particle, &*b.value));
    let existed = current.is_some();
    let outcome = if cdt::path::is_path(op.value) {
        let facts =
            path::PathRecord { meta: record.meta, set_name: record.set_name, digest: record.digest, now: record.now };
        let outcome = path::run(class, op.value, current, facts)?;
        cdt::CdtOutcome {
            new: outcome.new.map(|bytes| (current.map_or(0, |(p, _)| p as u8), bytes)),
            result: outcome.result,
        }
    } else {
        let current = current.map(|(particle, bytes)| cdt::BinValue { particle: particle as u8, bytes });
        cdt::apply(class, op.value, current)?
    };
    if let Some((particle, value)) = outcome.new {
        let particle = ParticleType::from_u8(particle).ok_or(TxnError::Corrupt)?;
        set_bin(bins, op.name, particle, value);
    }
    // In a write, a list or map read of an existing bin always answers, if only with an empty
    // entry (Aerospike's write_master answers every read op that is not a bin read).
    let always = respond_all_ops || (class == cdt::OpClass::Read && existed);
    push_answer(responses, op.name, outcome.result, always)
}

/// Appends the answer of an op on bin `name`: its result, or an empty entry when there is none
/// and the op must answer anyway (`always`).
fn push_answer<'a>(
    responses: &mut Vec<WorkBin<'a>>,
    name: &'a [u8],
    result: cdt::CdtResult,
    always: bool,
) -> Result<(), TxnError> {
    match result.to_bin()? {
        Some((particle, value)) => {
            let particle = ParticleType::from_u8(particle).ok_or(TxnError::Corrupt)?;
            responses.push(WorkBin { name, particle, value: Cow::Owned(value) });
        }
        None if always => responses.push(WorkBin::empty(name)),
        None => {}
    }
    Ok(())
}

/// What an expression op sees of the record besides its bins.
struct RecordFacts<'r> {
    meta: RecordMeta,
    size: usize,
    key: Option<&'r [u8]>,
    set_name: &'r [u8],
    digest: &'r Digest,
    now: Now,
}

/// Runs an expression op (PROTOCOL-DATA.md §C.1) on the bins as the ops before it left them:
/// a read answers the value under the op's name, a modify stores it in the op's bin.
fn apply_exp<'a>(
    bins: &mut Vec<WorkBin<'a>>,
    responses: &mut Vec<WorkBin<'a>>,
    op: &Op<'a>,
    read: bool,
    respond_all_ops: bool,
    record: &RecordFacts<'_>,
) -> Result<(), TxnError> {
    let exp_op = exp_op::parse(op.value, !read)?;
    if !read {
        check_bin_name(op.name)?;
    }
    let current: Vec<(&[u8], ParticleType, &[u8])> = bins.iter().map(|b| (b.name, b.particle, &*b.value)).collect();
    let subject = Subject {
        builtins: None,
        compiled: exp_op.compiled(),
        key: record.key,
        bins: &current,
        meta: record.meta,
        size: record.size,
        set_name: record.set_name,
        now: record.now,
        digest: record.digest,
    };
    if read {
        match exp_op::read(&exp_op, &subject)? {
            Some((particle, value)) => responses.push(WorkBin { name: op.name, particle, value: Cow::Owned(value) }),
            None if respond_all_ops => responses.push(WorkBin::empty(op.name)),
            None => {}
        }
        return Ok(());
    }
    let exists = current.iter().any(|(name, _, _)| *name == op.name);
    let change = exp_op::modify(&exp_op, &subject, exists)?;
    drop(current);
    match change {
        exp_op::Change::Keep => {}
        exp_op::Change::Delete => bins.retain(|b| b.name != op.name),
        exp_op::Change::Set(particle, value) => set_bin(bins, op.name, particle, value),
    }
    if respond_all_ops {
        responses.push(WorkBin::empty(op.name));
    }
    Ok(())
}

/// The two op families that work on a bin's bytes bit by bit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum BitFamily {
    /// Bit ops on a blob bin (PROTOCOL-DATA.md §B.2); the op must carry a blob.
    Bits,
    /// HyperLogLog ops on an HLL bin (§B.4).
    Hll,
}

/// Runs a bit or HLL op on its bin: the bin must be of the family's type (12 otherwise); the bin
/// gets the op's new bytes, the response a read's result.
fn apply_bit_family<'a>(
    bins: &mut Vec<WorkBin<'a>>,
    responses: &mut Vec<WorkBin<'a>>,
    op: &Op<'a>,
    family: BitFamily,
    read: bool,
    respond_all_ops: bool,
) -> Result<(), TxnError> {
    check_bin_name(op.name)?;
    if family == BitFamily::Bits && op.particle_type != ParticleType::Blob as u8 {
        return Err(TxnError::IncompatibleType);
    }
    let current = bins.iter().find(|b| b.name == op.name).map(|b| (b.particle as u8, &*b.value));
    let existed = current.is_some();
    let (outcome, particle) = match family {
        BitFamily::Bits => (bits::apply(read, op.value, current)?, ParticleType::Blob),
        BitFamily::Hll => (hll::apply(read, op.value, current)?, ParticleType::Hll),
    };
    if let Some(value) = outcome.new {
        set_bin(bins, op.name, particle, value);
    }
    push_answer(responses, op.name, outcome.result, respond_all_ops || (read && existed))
}

fn set_bin<'a>(bins: &mut Vec<WorkBin<'a>>, name: &'a [u8], particle: ParticleType, value: Vec<u8>) {
    match find(bins, name) {
        Some(bin) => {
            bin.particle = particle;
            bin.value = Cow::Owned(value);
        }
        None => bins.push(WorkBin { name, particle, value: Cow::Owned(value) }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config(default_ttl: u32, nsup: u32) -> NamespaceConfig {
        let mut c = NamespaceConfig::with_defaults("test");
        c.default_ttl_secs = default_ttl;
        c.nsup_period_secs = nsup;
        c
    }

    #[test]
    fn ttl_rules() {
        let now = Now::from_clepoch_secs(1000);
        let c = config(0, 120);
        assert_eq!(void_time_for(0, &c, None, now), Ok(0));
        assert_eq!(void_time_for(100, &c, None, now), Ok(1100));
        assert_eq!(void_time_for(TTL_NEVER_EXPIRE, &c, Some(5000), now), Ok(0));
        assert_eq!(void_time_for(TTL_DONT_UPDATE, &c, Some(5000), now), Ok(5000));
        assert_eq!(void_time_for(TTL_DONT_UPDATE, &config(50, 120), None, now), Ok(1050));
        assert_eq!(void_time_for(MAX_TTL_SECS, &c, None, now), Ok(1000 + MAX_TTL_SECS));
        assert!(matches!(void_time_for(MAX_TTL_SECS + 1, &c, None, now), Err(TxnError::Parameter(_))));
        assert!(matches!(void_time_for(0xFFFF_FFFD, &c, None, now), Err(TxnError::Parameter(_))));
        // A TTL with the sweep disabled is forbidden unless allowed; "never" is always fine.
        assert_eq!(void_time_for(100, &config(0, 0), None, now), Err(TxnError::Forbidden));
        assert_eq!(void_time_for(TTL_NEVER_EXPIRE, &config(0, 0), None, now), Ok(0));
        let mut allowed = config(0, 0);
        allowed.allow_ttl_without_nsup = true;
        assert_eq!(void_time_for(100, &allowed, None, now), Ok(1100));
    }

    #[test]
    fn generation_policies() {
        let eq = MsgHeader { info2: info2::GENERATION, generation: 3, ..Default::default() };
        assert_eq!(check_generation(&eq, 3), Ok(()));
        assert_eq!(check_generation(&eq, 4), Err(TxnError::Generation));
        let gt = MsgHeader { info2: info2::GENERATION_GT, generation: 3, ..Default::default() };
        assert_eq!(check_generation(&gt, 2), Ok(()));
        assert_eq!(check_generation(&gt, 3), Err(TxnError::Generation));
        assert_eq!(check_generation(&MsgHeader::default(), 9), Ok(()));
    }
}

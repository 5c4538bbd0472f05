//! Reads: get all bins, get named bins, exists / header-only.

use scramjet_engine::cdt;
use scramjet_engine::namespace::RecordRef;
use scramjet_engine::Now;
use scramjet_net::message::{info1, info2, MessageWriter, MsgHeader};
use scramjet_net::op::{OpType, BIN_NAME_MAX_LEN};
use scramjet_net::{Digest, Message, ParticleType};

use super::TxnError;
use scramjet_engine::NamespaceStore;

/// Runs a read and appends the response to `out`.
pub fn run(
    ns: &NamespaceStore,
    msg: &Message<'_>,
    digest: &Digest,
    now: Now,
    out: &mut Vec<u8>,
    filter: Option<&super::filter::Filter>,
) -> Result<(), TxnError> {
    let record = ns.get(digest, now).ok_or(TxnError::NotFound)?;
    super::filter::check(filter, ns, digest, &record, now)?;
    respond(ns, digest, now, &record, msg, out)
}

/// A read's `record_ttl` asking for the namespace's default read-touch share.
const TOUCH_USE_DEFAULT: u32 = 0;
/// A read's `record_ttl` asking never to touch.
const TOUCH_NEVER: u32 = u32::MAX;

/// Aerospike's read-touch (server 7.1+, `read_touch.c`): a read whose record has less than
/// `pct` of its TTL left (the read's `record_ttl` field, or the namespace's
/// `default-read-touch-ttl-pct` when it is 0; -1 never) pushes the record's expiry out by its
/// TTL again, as a touch would, without a new generation. Returns the append sequence of the
/// rewrite when it happened (for durability).
pub fn touch_if_due(
    ns: &mut NamespaceStore,
    header: &scramjet_net::message::MsgHeader,
    digest: &Digest,
    now: Now,
) -> Result<Option<u64>, TxnError> {
    let pct = match header.record_ttl {
        TOUCH_NEVER => return Ok(None),
        TOUCH_USE_DEFAULT => ns.config().default_read_touch_ttl_pct,
        pct if pct > 100 => return Err(TxnError::Parameter("read-touch-ttl-pct over 100")),
        pct => pct,
    };
    let Some(record) = ns.get(digest, now) else { return Ok(None) };
    let meta = record.meta;
    if pct == 0 || meta.void_time == 0 {
        return Ok(None);
    }
    // The TTL it was written with, and the point past which a read touches it.
    let write_ttl = meta.void_time.saturating_sub((meta.last_update_ms / 1000) as u32);
    let threshold = (u64::from(write_ttl) * u64::from(pct) / 100) as u32;
    if now.clepoch_secs < meta.void_time.saturating_sub(threshold) {
        return Ok(None);
    }
    let touched = scramjet_engine::RecordMeta {
        void_time: now.clepoch_secs.saturating_add(write_ttl),
        last_update_ms: now.clepoch_ms,
        ..meta
    };
    if touched.void_time <= meta.void_time {
        return Ok(None);
    }
    let set = ns.sets().name(meta.set_id).to_vec();
    let body = record.body.to_vec();
    let reborn = ns.is_reborn(digest);
    ns.apply_version(*digest, touched, &set, Some(&body), reborn, true, now)?;
    Ok(Some(ns.appended()))
}

fn respond(
    ns: &NamespaceStore,
    digest: &Digest,
    now: Now,
    entry: &RecordRef<'_>,
    msg: &Message<'_>,
    out: &mut Vec<u8>,
) -> Result<(), TxnError> {
    let header = msg.header;
    let view = entry.view().ok_or(TxnError::Corrupt)?;
    let response = MsgHeader {
        generation: u32::from(entry.meta.generation),
        record_ttl: entry.meta.void_time,
        ..Default::default()
    };
    let mut w = MessageWriter::begin(out, &response);
    if header.info1 & info1::GET_NO_BINS != 0 {
        w.finish();
        return Ok(());
    }
    // Aerospike's read_local: all bins with GET_ALL, else the named bins; a read that names
    // none and does not ask for all is refused (4).
    let read_all = header.info1 & info1::GET_ALL != 0;
    if !read_all && header.n_ops == 0 {
        return Err(TxnError::Parameter("a read that names no bins"));
    }
    if read_all {
        for bin in view.bins() {
            super::put_bin(&mut w, bin.particle as u8, bin.name, bin.value);
        }
        w.finish();
        return Ok(());
    }
    let respond_all_ops = header.info2 & info2::RESPOND_ALL_OPS != 0;
    for op in msg.ops() {
        // A bin name of 16 bytes or more is refused (21); an empty one names no bin.
        if op.name.len() > BIN_NAME_MAX_LEN {
            return Err(TxnError::BinName);
        }
        // What the op answers (a read of a missing bin answers nothing).
        let answer: Option<(u8, Vec<u8>)> = match OpType::from_u8(op.op_type) {
            Some(OpType::Read) => {
                if let Some(bin) = view.bin(op.name) {
                    super::put_bin(&mut w, bin.particle as u8, bin.name, bin.value);
                    continue;
                }
                None
            }
            Some(OpType::CdtRead) => {
                let result = if cdt::path::is_path(op.value) {
                    let record = super::path::PathRecord {
                        meta: entry.meta,
                        set_name: ns.sets().name(entry.meta.set_id),
                        digest,
                        now,
                    };
                    let current = view.bin(op.name).map(|b| (b.particle, b.value));
                    super::path::run(cdt::OpClass::Read, op.value, current, record)?.result
                } else {
                    let current =
                        view.bin(op.name).map(|b| cdt::BinValue { particle: b.particle as u8, bytes: b.value });
                    cdt::apply(cdt::OpClass::Read, op.value, current)?.result
                };
                result.to_bin()?
            }
            Some(OpType::BitRead) => {
                // The op must carry a blob (12 otherwise), checked before anything else.
                if op.particle_type != ParticleType::Blob as u8 {
                    return Err(TxnError::IncompatibleType);
                }
                let current = view.bin(op.name).map(|b| (b.particle as u8, b.value));
                scramjet_engine::bits::apply(true, op.value, current)?.result.to_bin()?
            }
            Some(OpType::HllRead) => {
                let current = view.bin(op.name).map(|b| (b.particle as u8, b.value));
                scramjet_engine::hll::apply(true, op.value, current)?.result.to_bin()?
            }
            Some(OpType::ExpRead) => {
                let exp_op = super::exp_op::parse(op.value, false)?;
                let parsed = Some(view);
                let subject = super::filter::stored_subject(exp_op.compiled(), ns, digest, entry, &parsed, now);
                super::exp_op::read(&exp_op, &subject)?.map(|(particle, value)| (particle as u8, value))
            }
            _ => return Err(TxnError::Parameter("write op in a read command")),
        };
        match answer {
            Some((particle, value)) => super::put_bin(&mut w, particle, op.name, &value),
            None if respond_all_ops => w.op(OpType::Read as u8, ParticleType::Null as u8, op.name, &[]),
            None => {}
        }
    }
    w.finish();
    Ok(())
}

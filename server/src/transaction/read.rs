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
    filter: Option<&scramjet_net::expression::Exp>,
) -> Result<(), TxnError> {
    let record = ns.get(digest, now).ok_or(TxnError::NotFound)?;
    super::filter::check(filter, ns, digest, &record, now)?;
    respond(&record, msg, out)
}

fn respond(entry: &RecordRef<'_>, msg: &Message<'_>, out: &mut Vec<u8>) -> Result<(), TxnError> {
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
            w.op(OpType::Read as u8, bin.particle as u8, bin.name, bin.value);
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
        match OpType::from_u8(op.op_type) {
            Some(OpType::Read) => match view.bin(op.name) {
                Some(bin) => w.op(OpType::Read as u8, bin.particle as u8, bin.name, bin.value),
                None if respond_all_ops => w.op(OpType::Read as u8, ParticleType::Null as u8, op.name, &[]),
                None => {}
            },
            Some(OpType::CdtRead) => {
                let current = view.bin(op.name).map(|b| cdt::BinValue { particle: b.particle as u8, bytes: b.value });
                let outcome = cdt::apply(cdt::OpClass::Read, op.value, current)?;
                match outcome.result.to_bin()? {
                    Some((particle, value)) => w.op(OpType::Read as u8, particle, op.name, &value),
                    None if respond_all_ops => w.op(OpType::Read as u8, ParticleType::Null as u8, op.name, &[]),
                    None => {}
                }
            }
            Some(OpType::ExpRead | OpType::BitRead | OpType::HllRead) => {
                return Err(TxnError::Unsupported("expression, bit and HLL operations"))
            }
            _ => return Err(TxnError::Parameter("write op in a read command")),
        }
    }
    w.finish();
    Ok(())
}

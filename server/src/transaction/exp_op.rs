//! Expression operations (PROTOCOL-DATA.md §C.1; Aerospike's `expop.c`): EXP_READ (op type 7)
//! returns what an expression gives, named after the op; EXP_MODIFY (8) stores it in the op's
//! bin. The op's value is `[expression]` or `[expression, flags]`.

use scramjet_engine::cdt::{self, CdtError};
use scramjet_net::msgpack::{Item, Reader};
use scramjet_net::particle::normalize;
use scramjet_net::ParticleType;

use super::filter::{evaluate, Compiled, Filter, Subject, Value};
use super::TxnError;

/// Modify flag: the bin must not exist (6).
pub const CREATE_ONLY: u64 = 0x01;
/// Modify flag: the bin must exist (17).
pub const UPDATE_ONLY: u64 = 0x02;
/// Modify flag: a nil result deletes the bin.
pub const ALLOW_DELETE: u64 = 0x04;
/// Modify flag: CREATE_ONLY, UPDATE_ONLY and delete refusals are no-ops.
pub const POLICY_NO_FAIL: u64 = 0x08;
/// Read and modify flag: an expression that cannot be evaluated is a no-op, not 26.
pub const EVAL_NO_FAIL: u64 = 0x10;

/// A parsed expression op.
#[derive(Debug)]
pub struct ExpOp {
    filter: Filter,
    flags: u64,
}

impl ExpOp {
    /// What was compiled of its expression (for its [`Subject`]).
    pub fn compiled(&self) -> Compiled<'_> {
        self.filter.compiled()
    }
}

/// Parses an op's value: an array of the expression and, optionally, flags (a second element
/// that is not an unsigned int counts as no flags, as in Aerospike). Flags the op does not take,
/// or an expression that does not build, answer 4.
pub fn parse(value: &[u8], modify: bool) -> Result<ExpOp, TxnError> {
    let bad = |_| TxnError::Parameter("malformed expression op");
    let mut r = Reader::new(value);
    let n = match r.read().map_err(bad)? {
        Item::Array(n @ 1..=2) => n,
        _ => return Err(TxnError::Parameter("expression op is not [exp] or [exp, flags]")),
    };
    let filter = Filter::parse(r.raw_item().map_err(bad)?).map_err(bad)?;
    let flags = match (n, r.read()) {
        (2, Ok(Item::Int(v))) if v >= 0 => v as u64,
        (2, Ok(Item::UInt(v))) => v,
        _ => 0,
    };
    let allowed =
        if modify { CREATE_ONLY | UPDATE_ONLY | ALLOW_DELETE | POLICY_NO_FAIL | EVAL_NO_FAIL } else { EVAL_NO_FAIL };
    if flags & !allowed != 0 {
        return Err(TxnError::Parameter("expression op flags it does not take"));
    }
    Ok(ExpOp { filter, flags })
}

/// What an EXP_READ answers: the value (`None` for nil, or for a failure under EVAL_NO_FAIL);
/// an expression that cannot be evaluated answers 26.
pub fn read<'a>(op: &'a ExpOp, subject: &Subject<'a>) -> Result<Option<(ParticleType, Vec<u8>)>, TxnError> {
    match evaluate(op.filter.exp(), subject) {
        Value::Bin(particle, bytes) => Ok(Some((particle, bytes))),
        Value::Nil => Ok(None),
        Value::Unknown if op.flags & EVAL_NO_FAIL != 0 => Ok(None),
        Value::Unknown => Err(CdtError::OpNotApplicable.into()),
    }
}

/// What an EXP_MODIFY does to its bin.
#[derive(Debug, PartialEq, Eq)]
pub enum Change {
    /// Nothing.
    Keep,
    /// The bin is deleted.
    Delete,
    /// The bin takes this value (in its stored form).
    Set(ParticleType, Vec<u8>),
}

/// Decides an EXP_MODIFY on a bin that `exists`: CREATE_ONLY (6) and UPDATE_ONLY (17) first,
/// then the expression (26 if it cannot be evaluated, unless EVAL_NO_FAIL); nil deletes the bin
/// only with ALLOW_DELETE. Without it Aerospike answers 26 when no flag is set and does nothing
/// when any flag is (`expop.c` tests `flags && POLICY_NO_FAIL`); we do the same.
pub fn modify<'a>(op: &'a ExpOp, subject: &Subject<'a>, exists: bool) -> Result<Change, TxnError> {
    let no_fail = op.flags & POLICY_NO_FAIL != 0;
    if exists && op.flags & CREATE_ONLY != 0 {
        return if no_fail { Ok(Change::Keep) } else { Err(CdtError::BinExists.into()) };
    }
    if !exists && op.flags & UPDATE_ONLY != 0 {
        return if no_fail { Ok(Change::Keep) } else { Err(CdtError::BinNotFound.into()) };
    }
    let failed = || if op.flags & EVAL_NO_FAIL != 0 { Ok(Change::Keep) } else { Err(CdtError::OpNotApplicable.into()) };
    match evaluate(op.filter.exp(), subject) {
        Value::Unknown => failed(),
        Value::Nil if !exists => Ok(Change::Keep),
        Value::Nil if op.flags & ALLOW_DELETE != 0 => Ok(Change::Delete),
        Value::Nil if op.flags != 0 => Ok(Change::Keep),
        Value::Nil => Err(CdtError::OpNotApplicable.into()),
        Value::Bin(particle, bytes) => match stored_form(particle, bytes) {
            Some(bytes) => Ok(Change::Set(particle, bytes)),
            None => failed(),
        },
    }
}

/// A value as a bin stores it: lists and maps in the canonical form, anything else checked.
fn stored_form(particle: ParticleType, bytes: Vec<u8>) -> Option<Vec<u8>> {
    match particle {
        ParticleType::List | ParticleType::Map => cdt::rewrite(&bytes).ok(),
        _ => normalize(particle, &bytes).is_ok().then_some(bytes),
    }
}

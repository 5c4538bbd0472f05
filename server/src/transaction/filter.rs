//! Evaluating filter expressions (field 43) against a record.
//!
//! Aerospike's three-valued logic: a bin that is missing or of another type than asked makes a
//! comparison unknown; `and`/`or`/`not` carry unknown through; a record passes only if the
//! expression is definitely true. A record that does not pass answers 27 (filtered out).

use scramjet_engine::cdt;
use scramjet_engine::clock::CITRUSLEAF_EPOCH_UNIX_SECS;
use scramjet_engine::namespace::RecordRef;
use scramjet_engine::Now;
use scramjet_net::expression::{Cmp, Exp, ExpType, Meta};
use scramjet_net::particle::{decode_float, decode_integer};
use scramjet_net::ParticleType;

/// What an expression can look at.
pub struct Subject<'a> {
    /// The record.
    pub record: &'a RecordRef<'a>,
    /// Its set name.
    pub set_name: &'a [u8],
    /// The time now.
    pub now: Now,
    /// The record's digest.
    pub digest: &'a scramjet_net::Digest,
}

#[derive(Debug, Clone, PartialEq)]
enum Val<'a> {
    Unknown,
    Nil,
    Bool(bool),
    Int(i64),
    Float(f64),
    Str(&'a [u8]),
    Blob(&'a [u8]),
    /// A string or blob a list or map read made.
    Owned(Owned),
}

#[derive(Debug, Clone, PartialEq)]
enum Owned {
    Str(Vec<u8>),
    Blob(Vec<u8>),
}

/// True if the record passes the filter.
pub fn matches(exp: &Exp, subject: &Subject<'_>) -> bool {
    eval(exp, subject) == Val::Bool(true)
}

fn exp_type_of(particle: ParticleType) -> Option<ExpType> {
    Some(match particle {
        ParticleType::Integer => ExpType::Int,
        ParticleType::Float => ExpType::Float,
        ParticleType::String => ExpType::Str,
        ParticleType::Bool => ExpType::Bool,
        ParticleType::List => ExpType::List,
        ParticleType::Map => ExpType::Map,
        ParticleType::GeoJson => ExpType::Geo,
        ParticleType::Hll => ExpType::Hll,
        p if p.is_blob() => ExpType::Blob,
        _ => return None,
    })
}

fn eval<'a>(exp: &'a Exp, s: &Subject<'a>) -> Val<'a> {
    match exp {
        Exp::Int(i) => Val::Int(*i),
        Exp::Float(f) => Val::Float(*f),
        Exp::Bool(b) => Val::Bool(*b),
        Exp::Str(v) => Val::Str(v),
        Exp::Blob(v) => Val::Blob(v),
        Exp::Nil => Val::Nil,
        Exp::Bin(ty, name) => {
            let Some(bin) = s.record.view().and_then(|v| v.bin(name)) else { return Val::Unknown };
            if exp_type_of(bin.particle) != Some(*ty) {
                return Val::Unknown;
            }
            match ty {
                ExpType::Int => decode_integer(bin.value).map_or(Val::Unknown, Val::Int),
                ExpType::Float => decode_float(bin.value).map_or(Val::Unknown, Val::Float),
                ExpType::Bool => Val::Bool(bin.value == [1]),
                ExpType::Str => Val::Str(bin.value),
                ExpType::Blob => Val::Blob(bin.value),
                _ => Val::Unknown, // lists, maps, geo and HLL are not compared here
            }
        }
        Exp::BinType(name) => {
            Val::Int(s.record.view().and_then(|v| v.bin(name)).map_or(0, |b| i64::from(b.particle as u8)))
        }
        Exp::Compare(op, left, right) => compare(*op, eval(left, s), eval(right, s)),
        Exp::And(items) => decided_by(items, s, false),
        Exp::Or(items) => decided_by(items, s, true),
        Exp::Not(inner) => match eval(inner, s) {
            Val::Bool(b) => Val::Bool(!b),
            _ => Val::Unknown,
        },
        Exp::Exclusive(items) => {
            let vals: Vec<Val<'_>> = items.iter().map(|e| eval(e, s)).collect();
            if vals.iter().any(|v| !matches!(v, Val::Bool(_))) {
                return Val::Unknown;
            }
            Val::Bool(vals.iter().filter(|v| **v == Val::Bool(true)).count() == 1)
        }
        Exp::Meta(meta) => metadata(*meta, s),
        Exp::DigestModulo(m) => {
            let tail = &s.digest.0[16..20];
            let value = i64::from(u32::from_le_bytes([tail[0], tail[1], tail[2], tail[3]]));
            Val::Int(value.rem_euclid(*m))
        }
        Exp::CdtRead { result, payload, container } => cdt_read(*result, payload, container, s),
    }
}

/// A list or map read inside an expression: run as the op would run, its result checked against
/// the call's type. Anything that goes wrong (no such bin, another type, a failing op) is
/// unknown, so the record never passes by mistake.
fn cdt_read<'a>(result: ExpType, payload: &[u8], container: &'a Exp, s: &Subject<'a>) -> Val<'a> {
    let Exp::Bin(ty, name) = container else { return Val::Unknown };
    let Some(bin) = s.record.view().and_then(|v| v.bin(name)) else { return Val::Unknown };
    if exp_type_of(bin.particle) != Some(*ty) || !matches!(ty, ExpType::List | ExpType::Map) {
        return Val::Unknown;
    }
    let current = cdt::BinValue { particle: bin.particle as u8, bytes: bin.value };
    let Ok(outcome) = cdt::apply(cdt::OpClass::Read, payload, Some(current)) else { return Val::Unknown };
    let value = match outcome.result {
        cdt::CdtResult::Int(v) => Val::Int(v),
        cdt::CdtResult::Bool(v) => Val::Bool(v),
        cdt::CdtResult::None => Val::Unknown,
        cdt::CdtResult::Element(bytes) => match cdt::msgpack::read_header(&bytes, 0) {
            Ok((cdt::msgpack::Header::Int(v), _)) => Val::Int(v),
            Ok((cdt::msgpack::Header::Double(v), _)) => Val::Float(v),
            Ok((cdt::msgpack::Header::Bool(v), _)) => Val::Bool(v),
            Ok((cdt::msgpack::Header::Nil, _)) => Val::Nil,
            Ok((cdt::msgpack::Header::Bytes { ty: Some(3), data }, _)) => Val::Owned(Owned::Str(data.to_vec())),
            Ok((cdt::msgpack::Header::Bytes { data, .. }, _)) => Val::Owned(Owned::Blob(data.to_vec())),
            // Lists and maps are not compared yet.
            _ => Val::Unknown,
        },
    };
    let fits = matches!(
        (result, &value),
        (ExpType::Int, Val::Int(_))
            | (ExpType::Float, Val::Float(_))
            | (ExpType::Bool, Val::Bool(_))
            | (ExpType::Nil, Val::Nil)
            | (ExpType::Str, Val::Owned(Owned::Str(_)))
            | (ExpType::Blob, Val::Owned(Owned::Blob(_)))
    );
    if fits {
        value
    } else {
        Val::Unknown
    }
}

fn metadata<'a>(meta: Meta, s: &Subject<'a>) -> Val<'a> {
    let m = &s.record.meta;
    let epoch_ms = CITRUSLEAF_EPOCH_UNIX_SECS as i64 * 1000;
    match meta {
        Meta::Size => Val::Int(s.record.body.len() as i64),
        Meta::LastUpdate => Val::Int((m.last_update_ms as i64 + epoch_ms).saturating_mul(1_000_000)),
        Meta::SinceUpdate => Val::Int(s.now.clepoch_ms as i64 - m.last_update_ms as i64),
        Meta::VoidTime if m.void_time == 0 => Val::Int(-1),
        Meta::VoidTime => {
            Val::Int((i64::from(m.void_time) + CITRUSLEAF_EPOCH_UNIX_SECS as i64).saturating_mul(1_000_000_000))
        }
        Meta::Ttl if m.void_time == 0 => Val::Int(-1),
        Meta::Ttl => Val::Int(i64::from(m.void_time) - i64::from(s.now.clepoch_secs)),
        Meta::SetName => Val::Str(s.set_name),
        Meta::KeyExists => Val::Bool(s.record.view().is_some_and(|v| v.key.is_some())),
        Meta::IsTombstone => Val::Bool(false),
    }
}

/// `and` (decisive `false`) and `or` (decisive `true`) in three-valued logic: the decisive value
/// if any item has it, the other one if every item has that, unknown otherwise.
fn decided_by(items: &[Exp], s: &Subject<'_>, decisive: bool) -> Val<'static> {
    let mut unknown = false;
    for item in items {
        match eval(item, s) {
            Val::Bool(b) if b == decisive => return Val::Bool(decisive),
            Val::Bool(_) => {}
            _ => unknown = true,
        }
    }
    if unknown {
        Val::Unknown
    } else {
        Val::Bool(!decisive)
    }
}

fn compare(op: Cmp, left: Val<'_>, right: Val<'_>) -> Val<'static> {
    use std::cmp::Ordering;
    let text = |v: &Val<'_>| -> Option<(bool, Vec<u8>)> {
        match v {
            Val::Str(b) => Some((true, b.to_vec())),
            Val::Blob(b) => Some((false, b.to_vec())),
            Val::Owned(Owned::Str(b)) => Some((true, b.clone())),
            Val::Owned(Owned::Blob(b)) => Some((false, b.clone())),
            _ => None,
        }
    };
    if matches!(left, Val::Owned(_)) || matches!(right, Val::Owned(_)) {
        return match (text(&left), text(&right)) {
            (Some((sa, a)), Some((sb, b))) if sa == sb => compare(op, Val::Blob(&a), Val::Blob(&b)),
            _ => Val::Unknown,
        };
    }
    let ordering: Option<Ordering> = match (&left, &right) {
        (Val::Int(a), Val::Int(b)) => Some(a.cmp(b)),
        (Val::Float(a), Val::Float(b)) => a.partial_cmp(b),
        (Val::Str(a), Val::Str(b)) | (Val::Blob(a), Val::Blob(b)) => Some(a.cmp(b)),
        (Val::Bool(a), Val::Bool(b)) => Some(a.cmp(b)),
        (Val::Nil, Val::Nil) => Some(Ordering::Equal),
        _ => None,
    };
    let Some(ordering) = ordering else { return Val::Unknown };
    Val::Bool(match op {
        Cmp::Eq => ordering == Ordering::Equal,
        Cmp::Ne => ordering != Ordering::Equal,
        Cmp::Gt => ordering == Ordering::Greater,
        Cmp::Ge => ordering != Ordering::Less,
        Cmp::Lt => ordering == Ordering::Less,
        Cmp::Le => ordering != Ordering::Greater,
    })
}

/// Passes if there is no filter or the record matches it; else "filtered out" (27).
pub fn check(
    filter: Option<&Exp>,
    ns: &scramjet_engine::NamespaceStore,
    digest: &scramjet_net::Digest,
    record: &RecordRef<'_>,
    now: Now,
) -> Result<(), super::TxnError> {
    let Some(exp) = filter else { return Ok(()) };
    let subject = Subject { record, set_name: ns.sets().name(record.meta.set_id), now, digest };
    if matches(exp, &subject) {
        Ok(())
    } else {
        Err(super::TxnError::FilteredOut)
    }
}

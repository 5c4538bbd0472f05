//! Evaluating filter expressions (field 43) against a record.
//!
//! Aerospike's three-valued logic: a bin that is missing or of another type than asked makes a
//! comparison unknown; `and`/`or`/`not` carry unknown through; a record passes only if the
//! expression is definitely true. A record that does not pass answers 27 (filtered out).

use scramjet_engine::cdt;
use scramjet_engine::clock::CITRUSLEAF_EPOCH_UNIX_SECS;
use scramjet_engine::namespace::RecordRef;
use scramjet_engine::Now;
use scramjet_net::expression::{Arith, Cmp, Exp, ExpType, Meta};
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
    eval(exp, subject, &mut Vec::new()) == Val::Bool(true)
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

/// `env` holds the values of the `let` bindings in scope, outermost first.
fn eval<'a>(exp: &'a Exp, s: &Subject<'a>, env: &mut Vec<Val<'a>>) -> Val<'a> {
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
        Exp::Compare(op, left, right) => compare(*op, eval(left, s, env), eval(right, s, env)),
        Exp::And(items) => decided_by(items, s, env, false),
        Exp::Or(items) => decided_by(items, s, env, true),
        Exp::Not(inner) => match eval(inner, s, env) {
            Val::Bool(b) => Val::Bool(!b),
            _ => Val::Unknown,
        },
        Exp::Exclusive(items) => {
            let vals: Vec<Val<'_>> = items.iter().map(|e| eval(e, s, env)).collect();
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
        Exp::Arith(op, operands) => {
            let values: Vec<Val<'_>> = operands.iter().map(|e| eval(e, s, env)).collect();
            arith(*op, &values)
        }
        Exp::Unknown => Val::Unknown,
        Exp::Cond(parts) => {
            let (default, pairs) = parts.split_last().expect("cond has a default");
            for pair in pairs.chunks_exact(2) {
                match eval(&pair[0], s, env) {
                    Val::Bool(true) => return eval(&pair[1], s, env),
                    Val::Bool(false) => {}
                    _ => return Val::Unknown,
                }
            }
            eval(default, s, env)
        }
        Exp::Let(values, body) => {
            let outer = env.len();
            for value in values {
                let v = eval(value, s, env);
                env.push(v);
            }
            let out = eval(body, s, env);
            env.truncate(outer);
            out
        }
        // The parser binds every variable to a slot of an enclosing `let`.
        Exp::Var(slot) => env.get(*slot).cloned().unwrap_or(Val::Unknown),
    }
}

/// Arithmetic (§C.3): every operand of the type the operation takes, else unknown; int
/// overflow wraps; an int division or remainder by 0 is unknown.
fn arith(op: Arith, values: &[Val<'_>]) -> Val<'static> {
    // Collected only by the operations that need them: this runs once per record filtered.
    let ints =
        || -> Option<Vec<i64>> { values.iter().map(|v| if let Val::Int(i) = v { Some(*i) } else { None }).collect() };
    let floats =
        || -> Option<Vec<f64>> { values.iter().map(|v| if let Val::Float(f) = v { Some(*f) } else { None }).collect() };
    let bool_at = |i: usize| if let Some(Val::Bool(b)) = values.get(i) { Some(*b) } else { None };
    match op {
        Arith::Add | Arith::Sub | Arith::Mul | Arith::Div | Arith::Min | Arith::Max => {
            if let Some(v) = ints() {
                let (first, rest) = v.split_first().expect("at least one operand");
                let fold = |f: fn(i64, i64) -> Option<i64>| rest.iter().try_fold(*first, |acc, x| f(acc, *x));
                let out = match (op, rest.is_empty()) {
                    (Arith::Sub, true) => Some(first.wrapping_neg()),
                    (Arith::Div, true) => 1i64.checked_div(*first),
                    (Arith::Add, _) => fold(|a, b| Some(a.wrapping_add(b))),
                    (Arith::Sub, _) => fold(|a, b| Some(a.wrapping_sub(b))),
                    (Arith::Mul, _) => fold(|a, b| Some(a.wrapping_mul(b))),
                    (Arith::Div, _) => fold(|a, b| if b == 0 { None } else { Some(a.wrapping_div(b)) }),
                    (Arith::Min, _) => fold(|a, b| Some(a.min(b))),
                    _ => fold(|a, b| Some(a.max(b))),
                };
                return out.map_or(Val::Unknown, Val::Int);
            }
            if let Some(v) = floats() {
                let (first, rest) = v.split_first().expect("at least one operand");
                let out = match (op, rest.is_empty()) {
                    (Arith::Sub, true) => -first,
                    (Arith::Div, true) => 1.0 / first,
                    (Arith::Add, _) => rest.iter().fold(*first, |a, b| a + b),
                    (Arith::Sub, _) => rest.iter().fold(*first, |a, b| a - b),
                    (Arith::Mul, _) => rest.iter().fold(*first, |a, b| a * b),
                    (Arith::Div, _) => rest.iter().fold(*first, |a, b| a / b),
                    (Arith::Min, _) => rest.iter().fold(*first, |a, b| a.min(*b)),
                    _ => rest.iter().fold(*first, |a, b| a.max(*b)),
                };
                return Val::Float(out);
            }
            Val::Unknown
        }
        Arith::Pow | Arith::Log => match floats().as_deref() {
            Some([a, b]) => Val::Float(if op == Arith::Pow { a.powf(*b) } else { a.ln() / b.ln() }),
            _ => Val::Unknown,
        },
        Arith::Floor | Arith::Ceil => match floats().as_deref() {
            Some([a]) => Val::Float(if op == Arith::Floor { a.floor() } else { a.ceil() }),
            _ => Val::Unknown,
        },
        Arith::ToInt => match floats().as_deref() {
            Some([a]) => Val::Int(*a as i64),
            _ => Val::Unknown,
        },
        Arith::ToFloat => match ints().as_deref() {
            Some([a]) => Val::Float(*a as f64),
            _ => Val::Unknown,
        },
        Arith::Abs => match (ints().as_deref(), floats().as_deref()) {
            (Some([a]), _) => Val::Int(a.wrapping_abs()),
            (_, Some([a])) => Val::Float(a.abs()),
            _ => Val::Unknown,
        },
        Arith::Mod => match ints().as_deref() {
            Some([_, 0]) => Val::Unknown,
            Some([a, b]) => Val::Int(a.wrapping_rem(*b)),
            _ => Val::Unknown,
        },
        Arith::And | Arith::Or | Arith::Xor => match ints() {
            Some(v) => Val::Int(v.iter().skip(1).fold(v[0], |acc, x| match op {
                Arith::And => acc & x,
                Arith::Or => acc | x,
                _ => acc ^ x,
            })),
            None => Val::Unknown,
        },
        Arith::Not => match ints().as_deref() {
            Some([a]) => Val::Int(!a),
            _ => Val::Unknown,
        },
        Arith::Count => match ints().as_deref() {
            Some([a]) => Val::Int(i64::from(a.count_ones())),
            _ => Val::Unknown,
        },
        Arith::LShift | Arith::RShift | Arith::ARShift => match ints().as_deref() {
            // A shift outside 0..64 has no defined answer: unknown.
            Some([a, n]) if (0..64).contains(n) => Val::Int(match op {
                Arith::LShift => a << n,
                Arith::RShift => ((*a as u64) >> n) as i64,
                _ => a >> n,
            }),
            _ => Val::Unknown,
        },
        Arith::LScan | Arith::RScan => match (values.first(), bool_at(1)) {
            (Some(Val::Int(a)), Some(bit)) => {
                let bits = *a as u64;
                let is = |i: u32| ((bits >> (63 - i)) & 1 == 1) == bit;
                let found = if op == Arith::LScan { (0..64).find(|&i| is(i)) } else { (0..64).rev().find(|&i| is(i)) };
                Val::Int(found.map_or(-1, i64::from))
            }
            _ => Val::Unknown,
        },
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
fn decided_by<'a>(items: &'a [Exp], s: &Subject<'a>, env: &mut Vec<Val<'a>>, decisive: bool) -> Val<'static> {
    let mut unknown = false;
    for item in items {
        match eval(item, s, env) {
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

#[cfg(test)]
mod tests {
    use super::*;

    fn int(v: Val<'_>) -> Option<i64> {
        if let Val::Int(i) = v {
            Some(i)
        } else {
            None
        }
    }

    #[test]
    fn integer_arithmetic_wraps_and_undefined_answers_are_unknown() {
        assert_eq!(int(arith(Arith::Add, &[Val::Int(i64::MAX), Val::Int(1)])), Some(i64::MIN));
        assert_eq!(int(arith(Arith::Sub, &[Val::Int(5)])), Some(-5));
        assert_eq!(int(arith(Arith::Div, &[Val::Int(i64::MIN), Val::Int(-1)])), Some(i64::MIN));
        assert!(matches!(arith(Arith::Div, &[Val::Int(1), Val::Int(0)]), Val::Unknown));
        assert!(matches!(arith(Arith::Mod, &[Val::Int(1), Val::Int(0)]), Val::Unknown));
        assert!(matches!(arith(Arith::LShift, &[Val::Int(1), Val::Int(64)]), Val::Unknown));
        assert!(matches!(arith(Arith::RShift, &[Val::Int(1), Val::Int(-1)]), Val::Unknown));
        assert_eq!(int(arith(Arith::RShift, &[Val::Int(-1), Val::Int(60)])), Some(0xf));
        assert_eq!(int(arith(Arith::ARShift, &[Val::Int(-16), Val::Int(2)])), Some(-4));
        // Mixed types are unknown, not coerced.
        assert!(matches!(arith(Arith::Add, &[Val::Int(1), Val::Float(1.0)]), Val::Unknown));
    }

    #[test]
    fn bit_scans_count_from_the_most_significant_bit() {
        assert_eq!(int(arith(Arith::LScan, &[Val::Int(1), Val::Bool(true)])), Some(63));
        assert_eq!(int(arith(Arith::RScan, &[Val::Int(i64::MIN), Val::Bool(true)])), Some(0));
        assert_eq!(int(arith(Arith::LScan, &[Val::Int(-1), Val::Bool(false)])), Some(-1));
        assert_eq!(int(arith(Arith::Count, &[Val::Int(-1)])), Some(64));
    }
}

//! Evaluating filter expressions (field 43) against a record.
//!
//! Aerospike's three-valued logic: a bin that is missing or of another type than asked makes a
//! comparison unknown; `and`/`or`/`not` carry unknown through; a record passes only if the
//! expression is definitely true. A record that does not pass answers 27 (filtered out).

use std::borrow::Cow;

use scramjet_engine::cdt::msgpack::{self, Header};
use scramjet_engine::cdt::{self, CdtResult};
use scramjet_engine::clock::CITRUSLEAF_EPOCH_UNIX_SECS;
use scramjet_engine::geo::{self, Geometry};
use scramjet_engine::namespace::RecordRef;
use scramjet_engine::record::RecordView;
use scramjet_engine::{bits, hll, Now, RecordMeta};
use scramjet_net::expression;
use scramjet_net::expression::{Arith, CallSystem, Cmp, Exp, ExpType, Meta, Payload, PayloadPart};
use scramjet_net::particle::{decode_float, decode_integer};
use scramjet_net::DecodeError;

use super::path::{PathExps, PathRecord};
use super::regex::Regex;
use scramjet_net::ParticleType;

/// Where an expression finds a record's bins: the stored record, or the bins of a write in
/// progress (an expression op sees the ops before it).
pub trait Bins<'a> {
    /// The bin called `name`: its type and stored bytes.
    fn bin(&self, name: &[u8]) -> Option<(ParticleType, &'a [u8])>;
}

impl<'a> Bins<'a> for Option<RecordView<'a>> {
    fn bin(&self, name: &[u8]) -> Option<(ParticleType, &'a [u8])> {
        self.as_ref()?.bin(name).map(|b| (b.particle, b.value))
    }
}

impl<'a> Bins<'a> for Vec<(&'a [u8], ParticleType, &'a [u8])> {
    fn bin(&self, name: &[u8]) -> Option<(ParticleType, &'a [u8])> {
        self.iter().find(|(n, _, _)| *n == name).map(|&(_, p, v)| (p, v))
    }
}

/// A parsed expression with its regexes compiled and its literal GeoJSON regions parsed, ready
/// to run on many records.
#[derive(Debug)]
pub struct Filter {
    exp: Exp,
    regexes: Vec<Regex>,
    /// For each geo comparison, by slot: its operands' geometry when they are literals.
    geos: Vec<[Option<Geometry>; 2]>,
    /// For each path select/modify call, by slot: its compiled expressions.
    paths: Vec<PathExps>,
}

impl Filter {
    /// Parses a filter (field 43): an expression of boolean type (4 otherwise).
    pub fn predicate(bytes: &[u8]) -> Result<Filter, DecodeError> {
        Filter::build(expression::parse_filter(bytes)?)
    }

    /// Parses an expression of any type (an expression op's), compiles its regexes and parses
    /// its GeoJSON literals (4 if any of that fails).
    pub fn parse(bytes: &[u8]) -> Result<Filter, DecodeError> {
        Filter::build(expression::parse(bytes)?)
    }

    fn build(exp: Exp) -> Result<Filter, DecodeError> {
        let mut found = Found::default();
        found.walk(&exp);
        if found.bad_geo {
            return Err(DecodeError::BadValue);
        }
        found.regexes.sort_by_key(|(slot, _, _)| *slot);
        let regexes = found
            .regexes
            .into_iter()
            .map(|(_, flags, pattern)| Regex::new(pattern, flags).ok_or(DecodeError::BadValue))
            .collect::<Result<_, _>>()?;
        found.geos.sort_by_key(|(slot, _)| *slot);
        let geos = found.geos.into_iter().map(|(_, g)| g).collect();
        found.paths.sort_by_key(|(slot, _)| *slot);
        let paths = found
            .paths
            .into_iter()
            .map(|(_, payload)| {
                let op = cdt::path::parse(payload).map_err(|_| DecodeError::BadValue)?;
                PathExps::compile(&op).map_err(|_| DecodeError::BadValue)
            })
            .collect::<Result<_, _>>()?;
        Ok(Filter { exp, regexes, geos, paths })
    }

    /// The expression.
    pub fn exp(&self) -> &Exp {
        &self.exp
    }

    /// What a [`Subject`] needs of this filter besides the record.
    pub fn compiled(&self) -> Compiled<'_> {
        Compiled { regexes: &self.regexes, geos: &self.geos, paths: &self.paths }
    }
}

/// The parts of a [`Filter`] compiled once per command.
#[derive(Debug, Clone, Copy, Default)]
pub struct Compiled<'a> {
    regexes: &'a [Regex],
    geos: &'a [[Option<Geometry>; 2]],
    paths: &'a [PathExps],
}

/// What [`Filter::parse`] finds in an expression.
#[derive(Default)]
struct Found<'e> {
    /// (slot, flags, pattern) of each regex comparison.
    regexes: Vec<(usize, i64, &'e [u8])>,
    /// (slot, literal operands) of each geo comparison.
    geos: Vec<(usize, [Option<Geometry>; 2])>,
    /// (slot, packed payload) of each path select/modify call.
    paths: Vec<(usize, &'e [u8])>,
    /// A GeoJSON literal that does not parse.
    bad_geo: bool,
}

impl<'e> Found<'e> {
    fn walk(&mut self, exp: &'e Exp) {
        let literal = |e: &Exp| match e {
            Exp::Geo(text) => geo::parse(text),
            _ => None,
        };
        match exp {
            Exp::Regex { slot, flags, pattern, input } => {
                self.regexes.push((*slot, *flags, pattern));
                self.walk(input);
            }
            Exp::GeoCompare { slot, left, right } => {
                self.geos.push((*slot, [literal(left), literal(right)]));
                self.walk(left);
                self.walk(right);
            }
            Exp::Geo(text) => self.bad_geo |= geo::parse(text).is_none(),
            Exp::Compare(_, a, b) | Exp::InList(a, b) => {
                self.walk(a);
                self.walk(b);
            }
            Exp::Not(a) | Exp::MapKeys(a) | Exp::MapValues(a) => self.walk(a),
            Exp::And(items) | Exp::Or(items) | Exp::Exclusive(items) | Exp::Arith(_, items) | Exp::Cond(items) => {
                items.iter().for_each(|e| self.walk(e));
            }
            Exp::Let(values, body) => {
                values.iter().for_each(|e| self.walk(e));
                self.walk(body);
            }
            Exp::Call { payload, container, .. } => {
                if let (Some(slot), Some(bytes)) = (payload.path, payload.constant()) {
                    self.paths.push((slot, bytes));
                }
                for part in &payload.parts {
                    if let PayloadPart::Exp(e) = part {
                        self.walk(e);
                    }
                }
                self.walk(container);
            }
            Exp::Int(_)
            | Exp::Float(_)
            | Exp::Bool(_)
            | Exp::Str(_)
            | Exp::Blob(_)
            | Exp::Nil
            | Exp::List(_)
            | Exp::Map(_)
            | Exp::Hll(_)
            | Exp::Bin(..)
            | Exp::BinType(_)
            | Exp::Meta(_)
            | Exp::DigestModulo(_)
            | Exp::Unknown
            | Exp::Var(_)
            | Exp::Key(_)
            | Exp::ResultRemove
            | Exp::Builtin(..) => {}
        }
    }
}

/// The built-in variables of a path level (PROTOCOL-DATA.md §A.9): the child an expression is
/// asked about.
#[derive(Debug, Clone, Copy)]
pub struct Builtins<'a> {
    /// Its map key (packed), if in a map.
    pub key: Option<&'a [u8]>,
    /// Its value (packed).
    pub value: &'a [u8],
    /// Its list index, if in a list.
    pub index: Option<u64>,
}

/// What an expression can look at.
pub struct Subject<'a> {
    /// The child a path expression is about; `None` elsewhere.
    pub builtins: Option<Builtins<'a>>,
    /// What was compiled of the expression being run.
    pub compiled: Compiled<'a>,
    /// The record's stored key (KEY field data: type byte, value), if any.
    pub key: Option<&'a [u8]>,
    /// The record's bins.
    pub bins: &'a dyn Bins<'a>,
    /// Its metadata.
    pub meta: RecordMeta,
    /// Its stored size in bytes.
    pub size: usize,
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
    Str(Cow<'a, [u8]>),
    Blob(Cow<'a, [u8]>),
    /// A packed list.
    List(Cow<'a, [u8]>),
    /// A packed map.
    Map(Cow<'a, [u8]>),
    /// A GeoJSON value in its particle form (flags, cell count, cells, text).
    Geo(Cow<'a, [u8]>),
    /// An HLL value.
    Hll(Cow<'a, [u8]>),
    /// `remove_result`: a path modify removes the leaf.
    Remove,
}

/// The value an expression gave, for an expression op to return or store.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    /// The expression could not be evaluated (a missing bin, a wrong type, a failing call).
    Unknown,
    /// nil.
    Nil,
    /// A value as a bin holds it.
    Bin(ParticleType, Vec<u8>),
}

/// True if the record passes the filter.
pub fn matches<'a>(exp: &'a Exp, subject: &Subject<'a>) -> bool {
    eval(exp, subject, &mut Vec::new()) == Val::Bool(true)
}

/// Evaluates `exp` to a value as a bin would hold it.
pub fn evaluate<'a>(exp: &'a Exp, subject: &Subject<'a>) -> Value {
    match eval(exp, subject, &mut Vec::new()) {
        Val::Unknown => Value::Unknown,
        Val::Nil => Value::Nil,
        Val::Bool(b) => Value::Bin(ParticleType::Bool, vec![u8::from(b)]),
        Val::Int(i) => Value::Bin(ParticleType::Integer, i.to_be_bytes().to_vec()),
        Val::Float(f) => Value::Bin(ParticleType::Float, f.to_be_bytes().to_vec()),
        Val::Str(b) => Value::Bin(ParticleType::String, b.into_owned()),
        Val::Blob(b) => Value::Bin(ParticleType::Blob, b.into_owned()),
        Val::List(b) => Value::Bin(ParticleType::List, b.into_owned()),
        Val::Map(b) => Value::Bin(ParticleType::Map, b.into_owned()),
        Val::Geo(b) => Value::Bin(ParticleType::GeoJson, b.into_owned()),
        Val::Hll(b) => Value::Bin(ParticleType::Hll, b.into_owned()),
        // Only a path modify removes a leaf.
        Val::Remove => Value::Unknown,
    }
}

/// What a path modify's expression gives for a leaf: its new value packed, a removal, or
/// nothing (unknown).
pub fn path_value<'a>(exp: &'a Exp, subject: &Subject<'a>) -> Option<PathValue> {
    match eval(exp, subject, &mut Vec::new()) {
        Val::Unknown => None,
        Val::Remove => Some(PathValue::Remove),
        v => {
            let mut out = Vec::new();
            pack(&v, &mut out).then_some(PathValue::Packed(out))
        }
    }
}

/// See [`path_value`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PathValue {
    /// The leaf goes.
    Remove,
    /// The leaf's new value, packed.
    Packed(Vec<u8>),
}

/// True, false or unknown: what a path level's expression says about a child.
pub fn path_test<'a>(exp: &'a Exp, subject: &Subject<'a>) -> Option<bool> {
    match eval(exp, subject, &mut Vec::new()) {
        Val::Bool(b) => Some(b),
        _ => None,
    }
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

impl Val<'_> {
    fn exp_type(&self) -> Option<ExpType> {
        Some(match self {
            Val::Unknown => return None,
            Val::Nil => ExpType::Nil,
            Val::Bool(_) => ExpType::Bool,
            Val::Int(_) => ExpType::Int,
            Val::Float(_) => ExpType::Float,
            Val::Str(_) => ExpType::Str,
            Val::Blob(_) => ExpType::Blob,
            Val::List(_) => ExpType::List,
            Val::Map(_) => ExpType::Map,
            Val::Geo(_) => ExpType::Geo,
            Val::Hll(_) => ExpType::Hll,
            Val::Remove => ExpType::Remove,
        })
    }
}

/// `env` holds the values of the `let` bindings in scope, outermost first.
fn eval<'a>(exp: &'a Exp, s: &Subject<'a>, env: &mut Vec<Val<'a>>) -> Val<'a> {
    match exp {
        Exp::Int(i) => Val::Int(*i),
        Exp::Float(f) => Val::Float(*f),
        Exp::Bool(b) => Val::Bool(*b),
        Exp::Str(v) => Val::Str(Cow::Borrowed(v)),
        Exp::Blob(v) => Val::Blob(Cow::Borrowed(v)),
        Exp::List(v) => Val::List(Cow::Borrowed(v)),
        Exp::Map(v) => Val::Map(Cow::Borrowed(v)),
        Exp::Hll(v) => Val::Hll(Cow::Borrowed(v)),
        Exp::Geo(text) => Val::Geo(Cow::Owned(geo::particle_value(text))),
        Exp::Nil => Val::Nil,
        Exp::ResultRemove => Val::Remove,
        Exp::Builtin(ty, id) => {
            let Some(b) = s.builtins else { return Val::Unknown };
            let v = match id {
                0 => b.key.map_or(Val::Unknown, |k| result_val(CdtResult::Element(k.to_vec()))),
                1 => result_val(CdtResult::Element(b.value.to_vec())),
                _ => b.index.map_or(Val::Unknown, |i| Val::Int(i as i64)),
            };
            if v.exp_type() == Some(*ty) {
                v
            } else {
                Val::Unknown
            }
        }
        Exp::Bin(ty, name) => {
            let Some((particle, value)) = s.bins.bin(name) else { return Val::Unknown };
            if exp_type_of(particle) != Some(*ty) {
                return Val::Unknown;
            }
            let value = Cow::Borrowed(value);
            match ty {
                ExpType::Int => decode_integer(&value).map_or(Val::Unknown, Val::Int),
                ExpType::Float => decode_float(&value).map_or(Val::Unknown, Val::Float),
                ExpType::Bool => Val::Bool(*value == [1]),
                ExpType::Str => Val::Str(value),
                ExpType::Blob => Val::Blob(value),
                ExpType::List => Val::List(value),
                ExpType::Map => Val::Map(value),
                ExpType::Geo => Val::Geo(value),
                ExpType::Hll => Val::Hll(value),
                ExpType::Nil | ExpType::Remove => Val::Unknown,
            }
        }
        Exp::Regex { slot, input, .. } => match (eval(input, s, env), s.compiled.regexes.get(*slot)) {
            (Val::Str(text), Some(regex)) => Val::Bool(regex.is_match(&text)),
            _ => Val::Unknown,
        },
        Exp::GeoCompare { slot, left, right } => {
            let literals = s.compiled.geos.get(*slot);
            let side = |i: usize, e: &'a Exp, env: &mut Vec<Val<'a>>| -> Option<Cow<'a, Geometry>> {
                if let Some(g) = literals.and_then(|l| l[i].as_ref()) {
                    return Some(Cow::Borrowed(g));
                }
                match eval(e, s, env) {
                    Val::Geo(value) => geo::parse(geo::particle_text(&value)?).map(Cow::Owned),
                    _ => None,
                }
            };
            match (side(0, left, env), side(1, right, env)) {
                (Some(a), Some(b)) => Val::Bool(geo::matches(&a, &b)),
                _ => Val::Unknown,
            }
        }
        Exp::InList(value, list) => in_list(eval(value, s, env), eval(list, s, env)),
        Exp::Key(ty) => match (ty, s.key.and_then(|k| k.split_first())) {
            (ExpType::Int, Some((1, v))) => decode_integer(v).map_or(Val::Unknown, Val::Int),
            (ExpType::Str, Some((3, v))) => Val::Str(Cow::Borrowed(v)),
            (ExpType::Blob, Some((4, v))) => Val::Blob(Cow::Borrowed(v)),
            _ => Val::Unknown,
        },
        Exp::MapKeys(map) => map_column(eval(map, s, env), cdt::result::KEY),
        Exp::MapValues(map) => map_column(eval(map, s, env), cdt::result::VALUE),
        Exp::BinType(name) => Val::Int(s.bins.bin(name).map_or(0, |(particle, _)| i64::from(particle as u8))),
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
        Exp::Call { result, system, modify, payload, container } => {
            call(*result, *system, *modify, payload, container, s, env)
        }
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

/// A call into list/map, bit or HLL code (§C.4): the op runs as it would on a bin holding the
/// container, its arguments evaluated first; a read gives the op's result, a modify the changed
/// copy. Anything that goes wrong (an argument or container of the wrong type, a failing op, a
/// result of another type than the call's) is unknown, so a record never passes by mistake.
fn call<'a>(
    result: ExpType,
    system: CallSystem,
    modify: bool,
    payload: &'a Payload,
    container: &'a Exp,
    s: &Subject<'a>,
    env: &mut Vec<Val<'a>>,
) -> Val<'a> {
    let input = eval(container, s, env);
    let bin: Option<(u8, &[u8])> = match (system, &input) {
        (CallSystem::Cdt, Val::List(b)) => Some((ParticleType::List as u8, b)),
        (CallSystem::Cdt, Val::Map(b)) => Some((ParticleType::Map as u8, b)),
        (CallSystem::Bits, Val::Blob(b)) => Some((ParticleType::Blob as u8, b)),
        (CallSystem::Hll, Val::Hll(b)) => Some((ParticleType::Hll as u8, b)),
        (_, Val::Nil) => None,
        _ => return Val::Unknown,
    };
    let built;
    let bytes: &[u8] = match payload.constant() {
        Some(bytes) => bytes,
        None => {
            let mut out = Vec::new();
            for part in &payload.parts {
                match part {
                    PayloadPart::Packed(bytes) => out.extend_from_slice(bytes),
                    PayloadPart::Exp(exp) => {
                        if !pack(&eval(exp, s, env), &mut out) {
                            return Val::Unknown;
                        }
                    }
                }
            }
            built = out;
            &built
        }
    };
    if let (Some(slot), CallSystem::Cdt) = (payload.path, system) {
        return path_call(result, modify, bytes, bin, slot, s);
    }
    let outcome = match system {
        CallSystem::Cdt => {
            let class = if modify { cdt::OpClass::Modify } else { cdt::OpClass::Read };
            let current = bin.map(|(particle, bytes)| cdt::BinValue { particle, bytes });
            cdt::apply(class, bytes, current).map(|o| (o.new, o.result))
        }
        CallSystem::Bits => {
            bits::apply(!modify, bytes, bin).map(|o| (o.new.map(|v| (ParticleType::Blob as u8, v)), o.result))
        }
        CallSystem::Hll => {
            hll::apply(!modify, bytes, bin).map(|o| (o.new.map(|v| (ParticleType::Hll as u8, v)), o.result))
        }
    };
    let Ok((new, op_result)) = outcome else { return Val::Unknown };
    let value = if modify {
        match (new, bin) {
            (Some((particle, bytes)), _) => bin_val(particle, Cow::Owned(bytes)),
            // Nothing changed: the container as it was.
            (None, Some(_)) => input,
            (None, None) => Val::Nil,
        }
    } else {
        result_val(op_result)
    };
    if value.exp_type() == Some(result) {
        value
    } else {
        Val::Unknown
    }
}

/// `[9, value, list]`: whether some element equals the value (unknown unless it is a list).
fn in_list(value: Val<'_>, list: Val<'_>) -> Val<'static> {
    let Val::List(list) = list else { return Val::Unknown };
    let mut packed = Vec::new();
    if !pack(&value, &mut packed) {
        return Val::Unknown;
    }
    let Ok((Header::List(n), at)) = msgpack::read_header(&list, 0) else { return Val::Unknown };
    let Ok((ranges, _)) = msgpack::element_ranges(&list, at, u64::from(n)) else { return Val::Unknown };
    // An ordered list's first element is its metadata, not a value.
    Val::Bool(ranges.into_iter().any(|r| {
        msgpack::metadata_flags(&list[r.clone()]).is_none()
            && cdt::order::compare(&list[r], &packed) == Ok(std::cmp::Ordering::Equal)
    }))
}

/// A map's keys or values as a list, by the map read that returns them all.
fn map_column(map: Val<'_>, return_type: u64) -> Val<'static> {
    let Val::Map(map) = map else { return Val::Unknown };
    let mut payload = Vec::new();
    msgpack::pack_list_header(&mut payload, 3);
    msgpack::pack_int(&mut payload, cdt::map::code::GET_BY_INDEX_RANGE);
    msgpack::pack_uint(&mut payload, return_type);
    msgpack::pack_int(&mut payload, 0);
    let current = cdt::BinValue { particle: ParticleType::Map as u8, bytes: &map };
    match cdt::apply(cdt::OpClass::Read, &payload, Some(current)) {
        Ok(outcome) => match result_val(outcome.result) {
            list @ Val::List(_) => list,
            _ => Val::Unknown,
        },
        Err(_) => Val::Unknown,
    }
}

/// A path select or modify inside an expression (`SelectByPath` / `ModifyByPath`): the select
/// gives its result, the modify the changed copy of the container.
fn path_call<'a>(
    result: ExpType,
    modify: bool,
    payload: &[u8],
    bin: Option<(u8, &[u8])>,
    slot: usize,
    s: &Subject<'a>,
) -> Val<'static> {
    let (Some((particle, bytes)), Some(exps)) = (bin, s.compiled.paths.get(slot)) else { return Val::Unknown };
    let Ok(op) = cdt::path::parse(payload) else { return Val::Unknown };
    if (op.mode == cdt::path::Mode::Apply) != modify {
        return Val::Unknown;
    }
    let record = PathRecord { meta: s.meta, set_name: s.set_name, digest: s.digest, now: s.now };
    let Ok(outcome) = super::path::walk(&op, exps, bytes, record) else { return Val::Unknown };
    let value = match outcome.new {
        Some(new) => bin_val(particle, Cow::Owned(new)),
        // Nothing changed: the container as it was.
        None if modify => bin_val(particle, Cow::Owned(bytes.to_vec())),
        None => result_val(outcome.result),
    };
    if value.exp_type() == Some(result) {
        value
    } else {
        Val::Unknown
    }
}

/// A container a modify call made, by its particle type.
fn bin_val(particle: u8, bytes: Cow<'_, [u8]>) -> Val<'_> {
    match ParticleType::from_u8(particle) {
        Some(ParticleType::List) => Val::List(bytes),
        Some(ParticleType::Map) => Val::Map(bytes),
        Some(ParticleType::Hll) => Val::Hll(bytes),
        Some(p) if p.is_blob() => Val::Blob(bytes),
        _ => Val::Unknown,
    }
}

/// What a read op answered, as a value.
fn result_val(result: CdtResult) -> Val<'static> {
    match result {
        CdtResult::Int(v) => Val::Int(v),
        CdtResult::Bool(v) => Val::Bool(v),
        CdtResult::None => Val::Unknown,
        CdtResult::Element(bytes) => match msgpack::read_header(&bytes, 0) {
            Ok((Header::Int(v), _)) => Val::Int(v),
            Ok((Header::UInt(v), _)) => i64::try_from(v).map_or(Val::Unknown, Val::Int),
            Ok((Header::Double(v), _)) => Val::Float(v),
            Ok((Header::Bool(v), _)) => Val::Bool(v),
            Ok((Header::Nil, _)) => Val::Nil,
            Ok((Header::Bytes { ty: Some(3) | None, data }, _)) => Val::Str(Cow::Owned(data.to_vec())),
            Ok((Header::Bytes { ty: Some(18), data }, _)) => Val::Hll(Cow::Owned(data.to_vec())),
            Ok((Header::Bytes { ty: Some(23), data }, _)) => Val::Geo(Cow::Owned(geo::particle_value(data))),
            Ok((Header::Bytes { data, .. }, _)) => Val::Blob(Cow::Owned(data.to_vec())),
            Ok((Header::List(_), _)) => Val::List(Cow::Owned(bytes)),
            Ok((Header::Map(_), _)) => Val::Map(Cow::Owned(bytes)),
            _ => Val::Unknown,
        },
    }
}

/// Packs a value as an op argument; false if it has none (unknown).
fn pack(v: &Val<'_>, out: &mut Vec<u8>) -> bool {
    match v {
        Val::Unknown => return false,
        Val::Nil => msgpack::pack_nil(out),
        Val::Bool(b) => msgpack::pack_bool(out, *b),
        Val::Int(i) => msgpack::pack_int(out, *i),
        Val::Float(f) => msgpack::pack_double(out, *f),
        Val::Str(b) => msgpack::pack_bytes(out, 3, b),
        Val::Blob(b) => msgpack::pack_bytes(out, 4, b),
        Val::Hll(b) => msgpack::pack_bytes(out, 18, b),
        Val::Geo(b) => match geo::particle_text(b) {
            Some(text) => msgpack::pack_bytes(out, 23, text),
            None => return false,
        },
        Val::List(b) | Val::Map(b) => out.extend_from_slice(b),
        Val::Remove => return false,
    }
    true
}

fn metadata<'a>(meta: Meta, s: &Subject<'a>) -> Val<'a> {
    let m = &s.meta;
    let epoch_ms = CITRUSLEAF_EPOCH_UNIX_SECS as i64 * 1000;
    match meta {
        Meta::Size => Val::Int(s.size as i64),
        Meta::LastUpdate => Val::Int((m.last_update_ms as i64 + epoch_ms).saturating_mul(1_000_000)),
        Meta::SinceUpdate => Val::Int(s.now.clepoch_ms as i64 - m.last_update_ms as i64),
        Meta::VoidTime if m.void_time == 0 => Val::Int(-1),
        Meta::VoidTime => {
            Val::Int((i64::from(m.void_time) + CITRUSLEAF_EPOCH_UNIX_SECS as i64).saturating_mul(1_000_000_000))
        }
        Meta::Ttl if m.void_time == 0 => Val::Int(-1),
        Meta::Ttl => Val::Int(i64::from(m.void_time) - i64::from(s.now.clepoch_secs)),
        Meta::SetName => Val::Str(Cow::Borrowed(s.set_name)),
        Meta::KeyExists => Val::Bool(s.key.is_some()),
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
    let ordering: Option<Ordering> = match (&left, &right) {
        (Val::Int(a), Val::Int(b)) => Some(a.cmp(b)),
        (Val::Float(a), Val::Float(b)) => a.partial_cmp(b),
        (Val::Str(a), Val::Str(b)) | (Val::Blob(a), Val::Blob(b)) => Some(a.cmp(b)),
        (Val::Bool(a), Val::Bool(b)) => Some(a.cmp(b)),
        (Val::Nil, Val::Nil) => Some(Ordering::Equal),
        // Lists and maps in Aerospike's value order (PROTOCOL-DATA.md §1.2).
        (Val::List(a), Val::List(b)) | (Val::Map(a), Val::Map(b)) => cdt::order::compare(a, b).ok(),
        // GeoJSON and HLL values are never compared (refused when the expression is built).
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

/// What an expression sees of a stored record (`view` is its parsed form).
pub fn stored_subject<'a>(
    compiled: Compiled<'a>,
    ns: &'a scramjet_engine::NamespaceStore,
    digest: &'a scramjet_net::Digest,
    record: &RecordRef<'a>,
    view: &'a Option<RecordView<'a>>,
    now: Now,
) -> Subject<'a> {
    Subject {
        builtins: None,
        compiled,
        key: view.as_ref().and_then(|v| v.key),
        bins: view,
        meta: record.meta,
        size: record.body.len(),
        set_name: ns.sets().name(record.meta.set_id),
        now,
        digest,
    }
}

/// Passes if there is no filter or the record matches it; else "filtered out" (27).
pub fn check(
    filter: Option<&Filter>,
    ns: &scramjet_engine::NamespaceStore,
    digest: &scramjet_net::Digest,
    record: &RecordRef<'_>,
    now: Now,
) -> Result<(), super::TxnError> {
    let Some(filter) = filter else { return Ok(()) };
    let view = record.view();
    let subject = stored_subject(filter.compiled(), ns, digest, record, &view, now);
    if matches(&filter.exp, &subject) {
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

    /// Evaluates packed expression `bytes` on a record of `bins`.
    fn run(bytes: &[u8], bins: Vec<(&[u8], ParticleType, &[u8])>) -> Value {
        let filter = Filter::parse(bytes).expect("the expression builds");
        let digest = scramjet_net::Digest([0; 20]);
        let subject = Subject {
            builtins: None,
            compiled: filter.compiled(),
            key: None,
            bins: &bins,
            meta: RecordMeta { generation: 1, void_time: 0, last_update_ms: 0, set_id: 0 },
            size: 0,
            set_name: b"",
            now: Now::from_clepoch_secs(1000),
            digest: &digest,
        };
        evaluate(&filter.exp, &subject)
    }

    #[test]
    fn calls_run_on_copies_and_check_their_types() {
        let list: &[u8] = &[0x93, 0x03, 0x01, 0x02];
        let bins = || {
            vec![
                (&b"l"[..], ParticleType::List, list),
                (&b"i"[..], ParticleType::Integer, &[0, 0, 0, 0, 0, 0, 0, 2][..]),
            ]
        };
        // [CALL, LIST, CDT|MODIFY, [APPEND, 9], [BIN, LIST, "l"]]: the appended copy.
        let append = [0x95, 0x7f, 0x04, 0x40, 0x92, 0x01, 0x09, 0x93, 0x51, 0x04, 0xa1, b'l'];
        assert_eq!(run(&append, bins()), Value::Bin(ParticleType::List, vec![0x94, 0x03, 0x01, 0x02, 0x09]));
        // [CALL, INT, CDT, [GET_BY_INDEX, VALUE, [BIN, INT, "i"]], [BIN, LIST, "l"]]: index from a bin.
        let get =
            [0x95, 0x7f, 0x02, 0x00, 0x93, 0x13, 0x07, 0x93, 0x51, 0x02, 0xa1, b'i', 0x93, 0x51, 0x04, 0xa1, b'l'];
        assert_eq!(run(&get, bins()), Value::Bin(ParticleType::Integer, 2i64.to_be_bytes().to_vec()));
        // The same call declared to give a string: unknown.
        let mut wrong = get;
        wrong[2] = 0x03;
        assert_eq!(run(&wrong, bins()), Value::Unknown);
        // A list op on an integer bin, a bit op on a list: type errors when built (4).
        let on_int = [0x95, 0x7f, 0x04, 0x40, 0x92, 0x01, 0x09, 0x93, 0x51, 0x02, 0xa1, b'i'];
        assert!(Filter::parse(&on_int).is_err());
        let bits_on_list = [0x95, 0x7f, 0x02, 0x01, 0x93, 0x33, 0x00, 0x08, 0x93, 0x51, 0x04, 0xa1, b'l'];
        assert!(Filter::parse(&bits_on_list).is_err());
        // An argument that is unknown for this record: unknown.
        let mut unknown_arg = get;
        unknown_arg[11] = b'x';
        assert_eq!(run(&unknown_arg, bins()), Value::Unknown);
        // [CALL, INT, BITS, [COUNT, 0, 8], [BIN, BLOB, "b"]] on 0x0f.
        let count = [0x95, 0x7f, 0x02, 0x01, 0x93, 0x33, 0x00, 0x08, 0x93, 0x51, 0x06, 0xa1, b'b'];
        let blob = vec![(&b"b"[..], ParticleType::Blob, &[0x0f][..])];
        assert_eq!(run(&count, blob), Value::Bin(ParticleType::Integer, 4i64.to_be_bytes().to_vec()));
    }

    #[test]
    fn regex_in_list_and_map_columns() {
        let bins = || {
            vec![
                (&b"s"[..], ParticleType::String, &b"name12"[..]),
                (&b"m"[..], ParticleType::Map, &[0x82, 0x01, 0x0a, 0x02, 0x14][..]),
            ]
        };
        let yes = Value::Bin(ParticleType::Bool, vec![1]);
        let no = Value::Bin(ParticleType::Bool, vec![0]);
        // [REGEX, EXTENDED, "^name[0-9]+$", [BIN, STR, "s"]]
        let mut regex = vec![0x94, 0x07, 0x01, 0xac];
        regex.extend_from_slice(b"^name[0-9]+$");
        regex.extend_from_slice(&[0x93, 0x51, 0x03, 0xa1, b's']);
        assert_eq!(run(&regex, bins()), yes);
        // The same on an int bin: a type error (4); so are a pattern glibc refuses and a
        // back-reference.
        let mut on_int = regex.clone();
        let n = on_int.len();
        on_int[n - 3] = 0x02;
        assert!(Filter::parse(&on_int).is_err());
        assert!(Filter::parse(&[0x94, 0x07, 0x01, 0xa1, b'(', 0x93, 0x51, 0x03, 0xa1, b's']).is_err());
        assert!(Filter::parse(&[0x94, 0x07, 0x00, 0xa2, b'\\', b'1', 0x93, 0x51, 0x03, 0xa1, b's']).is_err());
        // [IN_LIST, 2, [126, [1, 2, 3]]] and [IN_LIST, 4, ...]
        assert_eq!(run(&[0x93, 0x09, 0x02, 0x92, 0x7e, 0x93, 0x01, 0x02, 0x03], vec![]), yes);
        assert_eq!(run(&[0x93, 0x09, 0x04, 0x92, 0x7e, 0x93, 0x01, 0x02, 0x03], vec![]), no);
        // On an ordered list its metadata is not an element: [IN_LIST, 3, [BIN, LIST, "o"]].
        let ordered = vec![(&b"o"[..], ParticleType::List, &[0x94, 0xc7, 0x00, 0x01, 0x01, 0x02, 0x03][..])];
        assert_eq!(run(&[0x93, 0x09, 0x03, 0x93, 0x51, 0x04, 0xa1, b'o'], ordered), yes);
        // [EQ, [MAP_KEYS, [BIN, MAP, "m"]], [126, [1, 2]]], and the values [10, 20].
        assert_eq!(
            run(&[0x93, 0x01, 0x92, 0x65, 0x93, 0x51, 0x05, 0xa1, b'm', 0x92, 0x7e, 0x92, 0x01, 0x02], bins()),
            yes
        );
        assert_eq!(
            run(&[0x93, 0x01, 0x92, 0x66, 0x93, 0x51, 0x05, 0xa1, b'm', 0x92, 0x7e, 0x92, 0x0a, 0x14], bins()),
            yes
        );
    }

    #[test]
    fn lists_and_maps_compare_in_value_order() {
        // [LT, [126, [1, 2]], [126, [1, 3]]] and [EQ, {1: 2}, {1: 2}]
        assert_eq!(
            run(&[0x93, 0x05, 0x92, 0x7e, 0x92, 0x01, 0x02, 0x92, 0x7e, 0x92, 0x01, 0x03], vec![]),
            Value::Bin(ParticleType::Bool, vec![1])
        );
        assert_eq!(
            run(&[0x93, 0x01, 0x81, 0x01, 0x02, 0x81, 0x01, 0x02], vec![]),
            Value::Bin(ParticleType::Bool, vec![1])
        );
        // A list never compares with a map: a type error (4).
        assert!(Filter::parse(&[0x93, 0x01, 0x92, 0x7e, 0x90, 0x80]).is_err());
    }

    #[test]
    fn bit_scans_count_from_the_most_significant_bit() {
        assert_eq!(int(arith(Arith::LScan, &[Val::Int(1), Val::Bool(true)])), Some(63));
        assert_eq!(int(arith(Arith::RScan, &[Val::Int(i64::MIN), Val::Bool(true)])), Some(0));
        assert_eq!(int(arith(Arith::LScan, &[Val::Int(-1), Val::Bool(false)])), Some(-1));
        assert_eq!(int(arith(Arith::Count, &[Val::Int(-1)])), Some(64));
    }
}

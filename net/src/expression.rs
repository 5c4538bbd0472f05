//! Filter expressions (field 43): the msgpack tree the clients compile, parsed into [`Exp`].
//!
//! An operation is an array `[code, args…]`; a literal is a plain msgpack value, strings and
//! blobs carrying their particle type in their first byte; a bin is `[81, type, name]`. Only the
//! comparisons, boolean logic and record metadata below are understood: anything else is an
//! error (the command is refused with 4 rather than run unfiltered).

use crate::msgpack::{Item, Reader};
use crate::DecodeError;

/// Value types of bins and keys in expressions (the clients' `as_exp_type`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExpType {
    /// nil.
    Nil,
    /// Boolean.
    Bool,
    /// Integer.
    Int,
    /// String.
    Str,
    /// List.
    List,
    /// Map.
    Map,
    /// Blob.
    Blob,
    /// Float.
    Float,
    /// GeoJSON.
    Geo,
    /// HyperLogLog.
    Hll,
    /// `remove_result` (code 100): "delete this leaf" in a path modify; never a bin's type.
    Remove,
}

impl ExpType {
    fn from_code(code: i64) -> Option<ExpType> {
        use ExpType::*;
        Some(match code {
            0 => Nil,
            1 => Bool,
            2 => Int,
            3 => Str,
            4 => List,
            5 => Map,
            6 => Blob,
            7 => Float,
            8 => Geo,
            9 => Hll,
            _ => return None,
        })
    }
}

/// Comparison operators.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Cmp {
    /// ==
    Eq,
    /// !=
    Ne,
    /// >
    Gt,
    /// >=
    Ge,
    /// <
    Lt,
    /// <=
    Le,
}

/// Record metadata an expression can read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Meta {
    /// Stored size of the record (device, memory and record size all answer this).
    Size,
    /// Last-update time, nanoseconds since the Unix epoch.
    LastUpdate,
    /// Milliseconds since the last update.
    SinceUpdate,
    /// Expiry, nanoseconds since the Unix epoch (-1: never).
    VoidTime,
    /// Seconds to expiry (-1: never).
    Ttl,
    /// The set name.
    SetName,
    /// True if the user key is stored.
    KeyExists,
    /// True for a tombstone (never, for records that are read).
    IsTombstone,
}

/// A parsed filter expression.
#[derive(Debug, Clone, PartialEq)]
pub enum Exp {
    /// Integer literal.
    Int(i64),
    /// Float literal.
    Float(f64),
    /// Boolean literal.
    Bool(bool),
    /// String literal.
    Str(Vec<u8>),
    /// Blob literal.
    Blob(Vec<u8>),
    /// nil literal.
    Nil,
    /// A bin's value, if it has this type.
    Bin(ExpType, Vec<u8>),
    /// The particle type of a bin (0 if absent).
    BinType(Vec<u8>),
    /// A comparison.
    Compare(Cmp, Box<Exp>, Box<Exp>),
    /// All true.
    And(Vec<Exp>),
    /// Any true.
    Or(Vec<Exp>),
    /// Negation.
    Not(Box<Exp>),
    /// Exactly one true.
    Exclusive(Vec<Exp>),
    /// Record metadata.
    Meta(Meta),
    /// The digest's last 4 bytes (little-endian) modulo `n`.
    DigestModulo(i64),
    /// Arithmetic and integer bit operations (PROTOCOL-DATA.md §C.3, codes 20-41, 50, 51) on
    /// their operands, in order.
    Arith(Arith, Vec<Exp>),
    /// `[0]`: always unknown (the default of a `cond` that must not fall through).
    Unknown,
    /// `cond`: condition/action pairs, then the default; the first action whose condition is
    /// true, unknown if a condition is not a boolean.
    Cond(Vec<Exp>),
    /// `let`: values bound in order (each seeing the ones before), then the body.
    Let(Vec<Exp>, Box<Exp>),
    /// A `let`-bound value: its slot counted from the outermost binding in scope.
    Var(usize),
    /// A list literal (`[126, [...]]`, quoted), packed.
    List(Vec<u8>),
    /// A map literal, packed.
    Map(Vec<u8>),
    /// A GeoJSON literal (the JSON text).
    Geo(Vec<u8>),
    /// An HLL literal (its value bytes).
    Hll(Vec<u8>),
    /// `[7, flags, pattern, string]`: true if the string matches the POSIX regular expression.
    Regex {
        /// Which regex of the expression this is (0 for the first met while parsing), so a
        /// server can compile each once per command.
        slot: usize,
        /// `regcomp` flags, passed through.
        flags: i64,
        /// The pattern (a raw string, without a type byte).
        pattern: Vec<u8>,
        /// The string matched.
        input: Box<Exp>,
    },
    /// `[8, a, b]`: true if one GeoJSON value is a point and the other a region containing it.
    GeoCompare {
        /// Which geo comparison of the expression this is (0 for the first met while parsing),
        /// so a server can parse literal regions once per command.
        slot: usize,
        /// The first value.
        left: Box<Exp>,
        /// The second value.
        right: Box<Exp>,
    },
    /// `[9, value, list]`: true if some element of the list equals the value.
    InList(Box<Exp>, Box<Exp>),
    /// `[80, type]`: the record's stored user key, if it has one of this type.
    Key(ExpType),
    /// `[100]`: the leaf a path modify is on goes (PROTOCOL-DATA.md §A.9).
    ResultRemove,
    /// `[122, type, id]`: a built-in variable of a path level: the child's key (0), value (1)
    /// or list index (2), if it has this type.
    Builtin(ExpType, u8),
    /// `[101, map]`: the map's keys, as a list.
    MapKeys(Box<Exp>),
    /// `[102, map]`: the map's values, as a list.
    MapValues(Box<Exp>),
    /// A call into list/map, bit or HLL code (PROTOCOL-DATA.md §C.4): the op payload, with its
    /// expression arguments evaluated for each record, run on the value of `container` (a read
    /// gives the op's result, a modify the changed copy of the container); the value must be of
    /// type `result`.
    Call {
        /// The result's type.
        result: ExpType,
        /// Which code runs the op.
        system: CallSystem,
        /// True for a modify op (run on a copy; the copy is the value).
        modify: bool,
        /// The op payload.
        payload: Payload,
        /// The container the op works on (a bin, normally).
        container: Box<Exp>,
    },
}

impl Exp {
    /// Calls `f` on each expression directly inside this one (operands, bound values, a call's
    /// expression arguments and container), in order.
    pub fn for_each_child<'e>(&'e self, f: &mut dyn FnMut(&'e Exp)) {
        match self {
            Exp::Compare(_, a, b) | Exp::InList(a, b) => {
                f(a);
                f(b);
            }
            Exp::GeoCompare { left, right, .. } => {
                f(left);
                f(right);
            }
            Exp::Not(a) | Exp::MapKeys(a) | Exp::MapValues(a) => f(a),
            Exp::Regex { input, .. } => f(input),
            Exp::And(items) | Exp::Or(items) | Exp::Exclusive(items) | Exp::Arith(_, items) | Exp::Cond(items) => {
                items.iter().for_each(f)
            }
            Exp::Let(values, body) => {
                values.iter().for_each(&mut *f);
                f(body);
            }
            Exp::Call { payload, container, .. } => {
                for part in &payload.parts {
                    if let PayloadPart::Exp(e) = part {
                        f(e);
                    }
                }
                f(container);
            }
            _ => {}
        }
    }
}

/// The op family a call runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CallSystem {
    /// List and map ops (PROTOCOL-DATA.md §A).
    Cdt,
    /// Bit ops on blobs (§B.2).
    Bits,
    /// HyperLogLog ops (§B.4).
    Hll,
}

/// A call's op payload: packed bytes with the places where an argument is an expression, whose
/// packed value goes there when the call runs. Without expression arguments it is one piece.
#[derive(Debug, Clone, PartialEq)]
pub struct Payload {
    /// Packed pieces and expression arguments, in order.
    pub parts: Vec<PayloadPart>,
    /// For a path select or modify (`[0xFE, ctx, flags(, exp)]`, kept whole): which path call of
    /// the expression this is (0 for the first met while parsing), so a server can compile the
    /// expressions inside it once per command.
    pub path: Option<usize>,
}

/// A piece of a [`Payload`].
#[derive(Debug, Clone, PartialEq)]
pub enum PayloadPart {
    /// Bytes as they go.
    Packed(Vec<u8>),
    /// An argument to evaluate for each record.
    Exp(Exp),
}

impl Payload {
    /// The payload's bytes when no argument needs evaluating.
    pub fn constant(&self) -> Option<&[u8]> {
        match self.parts.as_slice() {
            [PayloadPart::Packed(bytes)] => Some(bytes),
            _ => None,
        }
    }
}

/// An arithmetic or integer bit operation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Arith {
    /// Sum of all operands (ints wrap).
    Add,
    /// First minus the rest; one operand: negation.
    Sub,
    /// Product.
    Mul,
    /// First divided by the rest; one operand: reciprocal; an int division by 0 is unknown.
    Div,
    /// Float power.
    Pow,
    /// Logarithm of the first operand in the base of the second (floats).
    Log,
    /// Int remainder with the dividend's sign; by 0 is unknown.
    Mod,
    /// Absolute value.
    Abs,
    /// Float floor.
    Floor,
    /// Float ceiling.
    Ceil,
    /// Float to int, toward zero.
    ToInt,
    /// Int to float.
    ToFloat,
    /// Bitwise and of ints.
    And,
    /// Bitwise or of ints.
    Or,
    /// Bitwise xor of ints.
    Xor,
    /// Bitwise not.
    Not,
    /// Shift left.
    LShift,
    /// Logical shift right.
    RShift,
    /// Arithmetic shift right.
    ARShift,
    /// Number of one bits.
    Count,
    /// Position (0 = most significant) of the first bit equal to the second operand, from the
    /// left; -1 if none.
    LScan,
    /// The same from the right.
    RScan,
    /// Smallest operand.
    Min,
    /// Largest operand.
    Max,
}

const MAX_DEPTH: usize = 64;

/// The largest expression accepted (Aerospike's `EXP_MAX_SIZE`, which it applies to the built
/// form; we apply it to the packed bytes).
pub const MAX_SIZE: usize = 1 << 20;

/// Parses a packed expression and checks its types; the whole field must be one expression.
pub fn parse(bytes: &[u8]) -> Result<Exp, DecodeError> {
    parse_typed(bytes).map(|(exp, _)| exp)
}

/// Parses a filter: an expression whose type is boolean (4 otherwise, as Aerospike's
/// `check_filter_exp`).
pub fn parse_filter(bytes: &[u8]) -> Result<Exp, DecodeError> {
    match parse_typed(bytes)? {
        (exp, ExpType::Bool) => Ok(exp),
        _ => Err(DecodeError::BadValue),
    }
}

/// Parses a packed expression and gives its type, checked as Aerospike checks it when it builds
/// the expression (a type error is 4 before any record is looked at).
pub fn parse_typed(bytes: &[u8]) -> Result<(Exp, ExpType), DecodeError> {
    if bytes.len() >= MAX_SIZE {
        return Err(DecodeError::BadValue);
    }
    let mut reader = Reader::new(bytes);
    let exp = parse_item(&mut reader, 0, &mut Cx::default())?;
    if !reader.is_done() {
        return Err(DecodeError::TrailingBytes);
    }
    let ty = Typer::default().ty(&exp)?.0;
    Ok((exp, ty))
}

/// Aerospike's build-time type rules (`exp.c build_*`): each node's type from its operands'.
#[derive(Default)]
struct Typer {
    /// The types of the `let` bindings in scope, outermost first (a `Var`'s slot indexes it).
    vars: Vec<ExpType>,
}

impl Typer {
    /// The node's type, and whether it stands for `[0]` (unknown), which `cond` accepts as an
    /// action of any type.
    fn ty(&mut self, exp: &Exp) -> Result<(ExpType, bool), DecodeError> {
        use ExpType::*;
        let bad = Err(DecodeError::BadValue);
        let t = match exp {
            Exp::Int(_) => Int,
            Exp::Float(_) => Float,
            Exp::Bool(_) => Bool,
            Exp::Str(_) => Str,
            Exp::Blob(_) => Blob,
            Exp::Nil => Nil,
            Exp::List(_) => List,
            Exp::Map(_) => Map,
            Exp::Geo(_) => Geo,
            Exp::Hll(_) => Hll,
            Exp::Unknown => return Ok((Bool, true)),
            Exp::ResultRemove => Remove,
            Exp::Builtin(ty, _) => *ty,
            Exp::Bin(ty, _) => *ty,
            Exp::BinType(_) | Exp::DigestModulo(_) => Int,
            Exp::Meta(m) => match m {
                Meta::SetName => Str,
                Meta::KeyExists | Meta::IsTombstone => Bool,
                _ => Int,
            },
            Exp::Key(ty) => match ty {
                Int | Str | Blob => *ty,
                _ => return bad,
            },
            Exp::Compare(_, a, b) => {
                let (a, b) = (self.ty(a)?.0, self.ty(b)?.0);
                if a != b || matches!(a, Geo | Hll) {
                    return bad;
                }
                Bool
            }
            Exp::Regex { input, .. } => self.expect(input, Str, Bool)?,
            Exp::GeoCompare { left, right, .. } => {
                self.expect(left, Geo, Bool)?;
                self.expect(right, Geo, Bool)?
            }
            Exp::InList(value, list) => {
                self.ty(value)?;
                self.expect(list, List, Bool)?
            }
            Exp::And(items) | Exp::Or(items) | Exp::Exclusive(items) => {
                if items.len() < 2 {
                    return bad;
                }
                for item in items {
                    self.expect(item, Bool, Bool)?;
                }
                Bool
            }
            Exp::Not(a) => self.expect(a, Bool, Bool)?,
            Exp::Arith(op, args) => {
                let types = args.iter().map(|a| self.ty(a).map(|t| t.0)).collect::<Result<Vec<_>, _>>()?;
                let all = |t: ExpType| types.iter().all(|&x| x == t);
                match op {
                    Arith::Add | Arith::Sub | Arith::Mul | Arith::Div | Arith::Min | Arith::Max => {
                        match types.first() {
                            Some(&t @ (Int | Float)) if all(t) => t,
                            _ => return bad,
                        }
                    }
                    Arith::Pow | Arith::Log if all(Float) => Float,
                    Arith::Floor | Arith::Ceil if all(Float) => Float,
                    Arith::ToInt if all(Float) => Int,
                    Arith::ToFloat if all(Int) => Float,
                    Arith::Abs => match types.first() {
                        Some(&t @ (Int | Float)) => t,
                        _ => return bad,
                    },
                    Arith::Mod
                    | Arith::And
                    | Arith::Or
                    | Arith::Xor
                    | Arith::Not
                    | Arith::Count
                    | Arith::LShift
                    | Arith::RShift
                    | Arith::ARShift
                        if all(Int) =>
                    {
                        Int
                    }
                    Arith::LScan | Arith::RScan if types == [Int, Bool] => Int,
                    _ => return bad,
                }
            }
            Exp::Cond(parts) => {
                let (default, pairs) = parts.split_last().expect("cond has a default");
                let mut ty: Option<ExpType> = None;
                for pair in pairs.chunks_exact(2) {
                    self.expect(&pair[0], Bool, Bool)?;
                    let (t, unknown) = self.ty(&pair[1])?;
                    if !unknown && *ty.get_or_insert(t) != t {
                        return bad;
                    }
                }
                let (t, unknown) = self.ty(default)?;
                match ty {
                    None => t,
                    Some(ty) if unknown || ty == t => ty,
                    Some(_) => return bad,
                }
            }
            Exp::Let(values, body) => {
                let outer = self.vars.len();
                for value in values {
                    let t = self.ty(value)?.0;
                    self.vars.push(t);
                }
                let out = self.ty(body);
                self.vars.truncate(outer);
                return out;
            }
            Exp::Var(slot) => *self.vars.get(*slot).ok_or(DecodeError::BadValue)?,
            Exp::MapKeys(map) | Exp::MapValues(map) => self.expect(map, Map, List)?,
            Exp::Call { result, system, payload, container, .. } => {
                for part in &payload.parts {
                    if let PayloadPart::Exp(e) = part {
                        self.ty(e)?;
                    }
                }
                match (system, self.ty(container)?.0) {
                    // A nil container makes the call nil-typed (Aerospike's build_call returns
                    // before it looks at the system).
                    (_, Nil) => Nil,
                    (CallSystem::Cdt, List | Map) | (CallSystem::Bits, Blob) | (CallSystem::Hll, Hll) => *result,
                    _ => return bad,
                }
            }
        };
        Ok((t, false))
    }

    /// Checks that `exp` has type `want`; gives `then`.
    fn expect(&mut self, exp: &Exp, want: ExpType, then: ExpType) -> Result<ExpType, DecodeError> {
        if self.ty(exp)?.0 == want {
            Ok(then)
        } else {
            Err(DecodeError::BadValue)
        }
    }
}

/// What parsing carries along: the names `let` has bound around the current item (innermost
/// last), and how many regex and geo comparisons came before it.
#[derive(Default)]
struct Cx {
    scope: Vec<Vec<u8>>,
    regexes: usize,
    geos: usize,
    paths: usize,
}

fn parse_item(r: &mut Reader<'_>, depth: usize, cx: &mut Cx) -> Result<Exp, DecodeError> {
    if depth > MAX_DEPTH {
        return Err(DecodeError::BadValue);
    }
    // A map is a literal: kept packed, whole.
    if let Item::Map(_) = r.clone().read()? {
        return Ok(Exp::Map(r.raw_item()?.to_vec()));
    }
    Ok(match r.read()? {
        Item::Nil => Exp::Nil,
        Item::Bool(b) => Exp::Bool(b),
        Item::Int(i) => Exp::Int(i),
        Item::Float(f) => Exp::Float(f),
        // as_bytes values: a string, a blob, an HLL or GeoJSON; other blob types are refused.
        Item::Str(bytes) | Item::Bin(bytes) => match bytes.split_first() {
            Some((3, rest)) => Exp::Str(rest.to_vec()),
            Some((4, rest)) => Exp::Blob(rest.to_vec()),
            Some((18, rest)) => Exp::Hll(rest.to_vec()),
            Some((23, rest)) => Exp::Geo(rest.to_vec()),
            Some(_) => return Err(DecodeError::BadValue),
            None => Exp::Str(Vec::new()),
        },
        Item::Array(0) => return Err(DecodeError::BadValue),
        Item::Array(n) => parse_call(r, n - 1, depth, cx)?,
        Item::UInt(_) | Item::Map(_) | Item::Ext(..) => return Err(DecodeError::BadValue),
    })
}

fn raw_str(r: &mut Reader<'_>) -> Result<Vec<u8>, DecodeError> {
    match r.read()? {
        Item::Str(bytes) => Ok(bytes.to_vec()),
        _ => Err(DecodeError::BadValue),
    }
}

fn int(r: &mut Reader<'_>) -> Result<i64, DecodeError> {
    match r.read()? {
        Item::Int(i) => Ok(i),
        _ => Err(DecodeError::BadValue),
    }
}

fn parse_call(r: &mut Reader<'_>, n_args: usize, depth: usize, cx: &mut Cx) -> Result<Exp, DecodeError> {
    let code = int(r)?;
    let args = |r: &mut Reader<'_>, cx: &mut Cx, n: usize| -> Result<Vec<Exp>, DecodeError> {
        (0..n).map(|_| parse_item(r, depth + 1, cx)).collect()
    };
    let fixed = |expected: usize| if n_args == expected { Ok(()) } else { Err(DecodeError::BadValue) };
    let mut cmp = |op| -> Result<Exp, DecodeError> {
        fixed(2)?;
        let mut a = args(r, cx, 2)?;
        let right = a.pop().expect("two args");
        let left = a.pop().expect("two args");
        Ok(Exp::Compare(op, Box::new(left), Box::new(right)))
    };
    Ok(match code {
        0 => {
            fixed(0)?;
            Exp::Unknown
        }
        1 => cmp(Cmp::Eq)?,
        2 => cmp(Cmp::Ne)?,
        3 => cmp(Cmp::Gt)?,
        4 => cmp(Cmp::Ge)?,
        5 => cmp(Cmp::Lt)?,
        6 => cmp(Cmp::Le)?,
        7 => {
            fixed(3)?;
            let flags = int(r)?;
            let pattern = match r.read()? {
                Item::Str(bytes) | Item::Bin(bytes) => bytes.to_vec(),
                _ => return Err(DecodeError::BadValue),
            };
            let slot = cx.regexes;
            cx.regexes += 1;
            Exp::Regex { slot, flags, pattern, input: Box::new(parse_item(r, depth + 1, cx)?) }
        }
        8 => {
            fixed(2)?;
            let slot = cx.geos;
            cx.geos += 1;
            let mut a = args(r, cx, 2)?;
            let right = Box::new(a.pop().expect("two args"));
            Exp::GeoCompare { slot, left: Box::new(a.pop().expect("two args")), right }
        }
        9 => {
            fixed(2)?;
            let mut a = args(r, cx, 2)?;
            let list = a.pop().expect("two args");
            Exp::InList(Box::new(a.pop().expect("two args")), Box::new(list))
        }
        80 => {
            fixed(1)?;
            Exp::Key(ExpType::from_code(int(r)?).ok_or(DecodeError::BadValue)?)
        }
        100 => {
            fixed(0)?;
            Exp::ResultRemove
        }
        122 => {
            fixed(2)?;
            let ty = ExpType::from_code(int(r)?).ok_or(DecodeError::BadValue)?;
            // KEY 0, VALUE 1, INDEX 2 (an int).
            let id = match int(r)? {
                id @ 0..=1 => id as u8,
                2 if ty == ExpType::Int => 2,
                _ => return Err(DecodeError::BadValue),
            };
            Exp::Builtin(ty, id)
        }
        101 | 102 => {
            fixed(1)?;
            let map = Box::new(parse_item(r, depth + 1, cx)?);
            if code == 101 {
                Exp::MapKeys(map)
            } else {
                Exp::MapValues(map)
            }
        }
        16 => Exp::And(args(r, cx, n_args)?),
        17 => Exp::Or(args(r, cx, n_args)?),
        18 => {
            fixed(1)?;
            Exp::Not(Box::new(parse_item(r, depth + 1, cx)?))
        }
        19 => Exp::Exclusive(args(r, cx, n_args)?),
        20..=41 | 50 | 51 => {
            let op = match code {
                20 => Arith::Add,
                21 => Arith::Sub,
                22 => Arith::Mul,
                23 => Arith::Div,
                24 => Arith::Pow,
                25 => Arith::Log,
                26 => Arith::Mod,
                27 => Arith::Abs,
                28 => Arith::Floor,
                29 => Arith::Ceil,
                30 => Arith::ToInt,
                31 => Arith::ToFloat,
                32 => Arith::And,
                33 => Arith::Or,
                34 => Arith::Xor,
                35 => Arith::Not,
                36 => Arith::LShift,
                37 => Arith::RShift,
                38 => Arith::ARShift,
                39 => Arith::Count,
                40 => Arith::LScan,
                41 => Arith::RScan,
                50 => Arith::Min,
                _ => Arith::Max,
            };
            // Operand counts, checked as the server checks them when it builds the expression.
            let ok = match op {
                Arith::Add
                | Arith::Sub
                | Arith::Mul
                | Arith::Div
                | Arith::And
                | Arith::Or
                | Arith::Xor
                | Arith::Min
                | Arith::Max => n_args >= 1,
                Arith::Pow
                | Arith::Log
                | Arith::Mod
                | Arith::LShift
                | Arith::RShift
                | Arith::ARShift
                | Arith::LScan
                | Arith::RScan => n_args == 2,
                _ => n_args == 1,
            };
            if !ok {
                return Err(DecodeError::BadValue);
            }
            Exp::Arith(op, args(r, cx, n_args)?)
        }
        64 => {
            fixed(1)?;
            // The modulus is a 32-bit value on the wire's reference server; wider values truncate.
            match int(r)? as i32 {
                0 => return Err(DecodeError::BadValue),
                m => Exp::DigestModulo(i64::from(m)),
            }
        }
        65 | 73 | 74 => {
            fixed(0)?;
            Exp::Meta(Meta::Size)
        }
        66..=72 => {
            fixed(0)?;
            Exp::Meta(match code {
                66 => Meta::LastUpdate,
                67 => Meta::SinceUpdate,
                68 => Meta::VoidTime,
                69 => Meta::Ttl,
                70 => Meta::SetName,
                71 => Meta::KeyExists,
                _ => Meta::IsTombstone,
            })
        }
        81 => {
            fixed(2)?;
            let ty = ExpType::from_code(int(r)?).ok_or(DecodeError::BadValue)?;
            Exp::Bin(ty, raw_str(r)?)
        }
        82 => {
            fixed(1)?;
            Exp::BinType(raw_str(r)?)
        }
        123 => {
            // Condition/action pairs and a default.
            if n_args < 3 || n_args.is_multiple_of(2) {
                return Err(DecodeError::BadValue);
            }
            Exp::Cond(args(r, cx, n_args)?)
        }
        124 => {
            fixed(1)?;
            let name = raw_str(r)?;
            // A variable no enclosing `let` binds is refused (4) here, never met while running.
            Exp::Var(cx.scope.iter().rposition(|bound| *bound == name).ok_or(DecodeError::BadValue)?)
        }
        125 => {
            // Name/value pairs, then the body; each value sees the names bound before it.
            if n_args < 3 || n_args.is_multiple_of(2) {
                return Err(DecodeError::BadValue);
            }
            let outer = cx.scope.len();
            let mut values = Vec::with_capacity(n_args / 2);
            for _ in 0..n_args / 2 {
                let name = raw_str(r)?;
                // A name is `[_A-Za-z][_A-Za-z0-9]*` and shadows nothing in scope (Aerospike's
                // build_let).
                let ok = name.first().is_some_and(|&c| c == b'_' || c.is_ascii_alphabetic())
                    && name.iter().all(|&c| c == b'_' || c.is_ascii_alphanumeric())
                    && !cx.scope.contains(&name);
                if !ok {
                    return Err(DecodeError::BadValue);
                }
                values.push(parse_item(r, depth + 1, cx)?);
                cx.scope.push(name);
            }
            let body = parse_item(r, depth + 1, cx)?;
            cx.scope.truncate(outer);
            Exp::Let(values, Box::new(body))
        }
        126 => {
            // A quoted list: the literal.
            fixed(1)?;
            if !matches!(r.clone().read()?, Item::Array(_)) {
                return Err(DecodeError::BadValue);
            }
            Exp::List(r.raw_item()?.to_vec())
        }
        127 => {
            fixed(4)?;
            let result = ExpType::from_code(int(r)?).ok_or(DecodeError::BadValue)?;
            let flags = int(r)?;
            let system = match flags & !MODIFY_LOCAL {
                0 => CallSystem::Cdt,
                1 => CallSystem::Bits,
                2 => CallSystem::Hll,
                _ => return Err(DecodeError::BadValue),
            };
            let mut parts = Vec::new();
            let mut packed = Vec::new();
            let paths_before = cx.paths;
            call_payload(r, depth + 1, cx, system == CallSystem::Cdt, true, &mut parts, &mut packed)?;
            if !packed.is_empty() || parts.is_empty() {
                parts.push(PayloadPart::Packed(packed));
            }
            let path = (cx.paths > paths_before).then_some(paths_before);
            let payload = Payload { parts, path };
            let container = Box::new(parse_item(r, depth + 1, cx)?);
            Exp::Call { result, system, modify: flags & MODIFY_LOCAL != 0, payload, container }
        }
        _ => return Err(DecodeError::BadValue),
    })
}

/// The call flag of a modify call (`CALL_FLAG_MODIFY_LOCAL`).
const MODIFY_LOCAL: i64 = 0x40;

/// Reads a call's op payload into `parts`, packing as it goes into `packed`: the op code and
/// literal arguments are copied; an argument that is an array is an expression (a quoted list
/// among them), evaluated when the call runs. A CDT context wrapper `[0xFF, ctx, [op, ...]]`
/// keeps its context as sent.
fn call_payload(
    r: &mut Reader<'_>,
    depth: usize,
    cx: &mut Cx,
    cdt: bool,
    top: bool,
    parts: &mut Vec<PayloadPart>,
    packed: &mut Vec<u8>,
) -> Result<(), DecodeError> {
    if depth > MAX_DEPTH {
        return Err(DecodeError::BadValue);
    }
    let Item::Array(n) = r.read()? else { return Err(DecodeError::BadValue) };
    if n == 0 {
        return Err(DecodeError::BadValue);
    }
    push_array_header(packed, n);
    let first = r.raw_item()?;
    packed.extend_from_slice(first);
    // A path select or modify is kept whole: its context and expression are not arguments.
    if cdt && top && (first == [0xcc, 0xfe] || first == [0xd1, 0x00, 0xfe]) {
        if !(3..=4).contains(&n) {
            return Err(DecodeError::BadValue);
        }
        for _ in 1..n {
            packed.extend_from_slice(r.raw_item()?);
        }
        cx.paths += 1;
        return Ok(());
    }
    if cdt && (first == [0xcc, 0xff] || first == [0xd1, 0x00, 0xff]) {
        if n != 3 {
            return Err(DecodeError::BadValue);
        }
        packed.extend_from_slice(r.raw_item()?);
        return call_payload(r, depth + 1, cx, cdt, false, parts, packed);
    }
    for _ in 1..n {
        if matches!(r.clone().read()?, Item::Array(_)) {
            let exp = parse_item(r, depth + 1, cx)?;
            match exp {
                // A quoted list is a literal: it goes in packed.
                Exp::List(bytes) => packed.extend_from_slice(&bytes),
                exp => {
                    parts.push(PayloadPart::Packed(std::mem::take(packed)));
                    parts.push(PayloadPart::Exp(exp));
                }
            }
        } else {
            packed.extend_from_slice(r.raw_item()?);
        }
    }
    Ok(())
}

fn push_array_header(out: &mut Vec<u8>, n: usize) {
    if n < 16 {
        out.push(0x90 | n as u8);
    } else if n <= usize::from(u16::MAX) {
        out.push(0xdc);
        out.extend_from_slice(&(n as u16).to_be_bytes());
    } else {
        out.push(0xdd);
        out.extend_from_slice(&(n as u32).to_be_bytes());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_a_comparison_on_a_bin() {
        // [GT, [BIN, INT, "i"], 5]
        let bytes = [0x93, 0x03, 0x93, 0x51, 0x02, 0xa1, b'i', 0x05];
        let exp = parse(&bytes).unwrap();
        assert_eq!(exp, Exp::Compare(Cmp::Gt, Box::new(Exp::Bin(ExpType::Int, b"i".to_vec())), Box::new(Exp::Int(5))));
    }

    #[test]
    fn arithmetic_checks_its_operand_counts() {
        // [ADD, 1, 2] and [SUB, 1] parse; [ADD] and [MOD, 1] do not.
        assert_eq!(parse(&[0x93, 0x14, 0x01, 0x02]).unwrap(), Exp::Arith(Arith::Add, vec![Exp::Int(1), Exp::Int(2)]));
        assert!(parse(&[0x92, 0x15, 0x01]).is_ok());
        assert!(parse(&[0x91, 0x14]).is_err());
        assert!(parse(&[0x92, 0x1a, 0x01]).is_err());
        assert!(parse(&[0x94, 0x1a, 0x01, 0x02, 0x03]).is_err());
    }

    #[test]
    fn variables_resolve_to_the_let_that_binds_them() {
        // [LET, "x", 1, [VAR, "x"]]
        let bound = [0x94, 0x7d, 0xa1, b'x', 0x01, 0x92, 0x7c, 0xa1, b'x'];
        assert_eq!(parse(&bound).unwrap(), Exp::Let(vec![Exp::Int(1)], Box::new(Exp::Var(0))));
        // [VAR, "x"] with no LET, and [AND, [LET, "x", true, [VAR, "x"]], [VAR, "x"]] where the
        // second VAR is outside the LET, are refused.
        assert!(parse(&[0x92, 0x7c, 0xa1, b'x']).is_err());
        let outside = [0x93, 0x10, 0x94, 0x7d, 0xa1, b'x', 0xc3, 0x92, 0x7c, 0xa1, b'x', 0x92, 0x7c, 0xa1, b'x'];
        assert!(parse(&outside).is_err());
        // [COND, true, 1] has no default.
        assert!(parse(&[0x93, 0x7b, 0xc3, 0x01]).is_err());
        assert!(parse(&[0x94, 0x7b, 0xc3, 0x01, 0x02]).is_ok());
    }

    #[test]
    fn call_arguments_that_are_expressions_run_per_record() {
        // [CALL, INT, CDT|MODIFY, [APPEND, [ADD, 1, 2]], [BIN, LIST, "l"]]
        let call = [0x95, 0x7f, 0x02, 0x40, 0x92, 0x01, 0x93, 0x14, 0x01, 0x02, 0x93, 0x51, 0x04, 0xa1, b'l'];
        let Ok(Exp::Call { modify: true, payload, .. }) = parse(&call) else { panic!("{:?}", parse(&call)) };
        assert_eq!(payload.constant(), None);
        assert_eq!(
            payload.parts,
            vec![
                PayloadPart::Packed(vec![0x92, 0x01]),
                PayloadPart::Exp(Exp::Arith(Arith::Add, vec![Exp::Int(1), Exp::Int(2)])),
            ]
        );
        // A quoted list argument is packed in place: [APPEND_ITEMS, [126, [1, 2]]].
        let quoted = [0x95, 0x7f, 0x02, 0x40, 0x92, 0x02, 0x92, 0x7e, 0x92, 0x01, 0x02, 0x93, 0x51, 0x04, 0xa1, b'l'];
        let Ok(Exp::Call { payload, .. }) = parse(&quoted) else { panic!() };
        assert_eq!(payload.constant(), Some(&[0x92, 0x02, 0x92, 0x01, 0x02][..]));
        // A path select payload is kept whole: [CALL, LIST, CDT, [0xFE, [4, true], 1], [BIN, LIST, "l"]].
        let select = [0x95, 0x7f, 0x04, 0x00, 0x93, 0xcc, 0xfe, 0x92, 0x04, 0xc3, 0x01, 0x93, 0x51, 0x04, 0xa1, b'l'];
        let Ok(Exp::Call { payload, .. }) = parse(&select) else { panic!("{:?}", parse(&select)) };
        assert_eq!(payload.path, Some(0));
        assert_eq!(payload.constant(), Some(&[0x93, 0xcc, 0xfe, 0x92, 0x04, 0xc3, 0x01][..]));
        // Literals: a quoted list, a map, an HLL, GeoJSON; another blob type is refused.
        assert_eq!(parse(&[0x92, 0x7e, 0x91, 0x01]).unwrap(), Exp::List(vec![0x91, 0x01]));
        assert_eq!(parse(&[0x81, 0x01, 0x02]).unwrap(), Exp::Map(vec![0x81, 0x01, 0x02]));
        assert_eq!(parse(&[0xa2, 18, 7]).unwrap(), Exp::Hll(vec![7]));
        assert_eq!(parse(&[0xa2, 23, b'{']).unwrap(), Exp::Geo(vec![b'{']));
        assert!(parse(&[0xa2, 9, 7]).is_err());
        assert!(parse(&[0x92, 0x7e, 0x01]).is_err());
    }

    /// A tiny msgpack writer for hand-built expressions.
    enum M {
        I(i64),
        F(f64),
        B(bool),
        /// A raw string (names, patterns).
        Raw(&'static str),
        /// A string value (type byte 3).
        S(&'static str),
        /// A GeoJSON value (type byte 23).
        G(&'static str),
        A(Vec<M>),
    }

    fn pack(m: &M, out: &mut Vec<u8>) {
        match m {
            M::I(v) if (0..128).contains(v) => out.push(*v as u8),
            M::I(v) => {
                out.push(0xd3);
                out.extend_from_slice(&v.to_be_bytes());
            }
            M::F(v) => {
                out.push(0xcb);
                out.extend_from_slice(&v.to_bits().to_be_bytes());
            }
            M::B(v) => out.push(if *v { 0xc3 } else { 0xc2 }),
            M::Raw(t) => {
                out.push(0xa0 | t.len() as u8);
                out.extend_from_slice(t.as_bytes());
            }
            M::S(t) | M::G(t) => {
                out.push(0xd9);
                out.push(t.len() as u8 + 1);
                out.push(if matches!(m, M::S(_)) { 3 } else { 23 });
                out.extend_from_slice(t.as_bytes());
            }
            M::A(items) => {
                push_array_header(out, items.len());
                items.iter().for_each(|i| pack(i, out));
            }
        }
    }

    fn typed(m: M) -> Result<ExpType, DecodeError> {
        let mut out = Vec::new();
        pack(&m, &mut out);
        parse_typed(&out).map(|(_, t)| t)
    }

    #[test]
    fn the_type_errors_aerospike_rejects_when_it_builds() {
        use M::*;
        let ibin = || A(vec![I(81), I(2), Raw("i")]);
        let geo = || G(r#"{"type":"Point","coordinates":[0,0]}"#);
        let bad = vec![
            A(vec![I(1), I(1), F(1.0)]),                                  // int == float
            A(vec![I(1), geo(), geo()]),                                  // geo == geo
            A(vec![I(16), B(true)]),                                      // and of one
            A(vec![I(16), I(1), B(true)]),                                // and of an int
            A(vec![I(18), I(1)]),                                         // not of an int
            A(vec![I(20), I(1), F(1.0)]),                                 // mixed add
            A(vec![I(20), S("a")]),                                       // add of a string
            A(vec![I(24), I(1), I(2)]),                                   // pow of ints
            A(vec![I(26), F(1.0), F(2.0)]),                               // mod of floats
            A(vec![I(27), S("x")]),                                       // abs of a string
            A(vec![I(28), I(1)]),                                         // floor of an int
            A(vec![I(30), I(1)]),                                         // to_int of an int
            A(vec![I(31), F(1.0)]),                                       // to_float of a float
            A(vec![I(32), I(1), F(1.0)]),                                 // int_and with a float
            A(vec![I(40), I(1), I(1)]),                                   // lscan without a bool
            A(vec![I(80), I(4)]),                                         // a list key
            A(vec![I(123), I(1), I(2), I(3)]),                            // cond on an int
            A(vec![I(123), B(true), I(1), S("a")]),                       // cond of int and string
            A(vec![I(125), Raw("1x"), I(1), A(vec![I(124), Raw("1x")])]), // bad name
            A(vec![I(125), Raw("a"), I(1), A(vec![I(125), Raw("a"), I(2), A(vec![I(124), Raw("a")])])]), // shadowing
            A(vec![I(127), I(2), I(0), A(vec![I(16)]), ibin()]),          // list call on an int
            A(vec![I(127), I(2), I(2), A(vec![I(50)]), A(vec![I(81), I(4), Raw("l")])]), // HLL call on a list
            A(vec![I(7), I(0), Raw("a"), I(5)]),                          // regex on an int
            A(vec![I(8), I(1), I(2)]),                                    // geo compare of ints
            A(vec![I(9), I(1), I(2)]),                                    // in_list of an int
            A(vec![I(101), A(vec![I(126), A(vec![I(1)])])]),              // map_keys of a list
            A(vec![I(3), A(vec![I(0)]), I(1)]),                           // unknown (a bool) > 1
        ];
        for (i, m) in bad.into_iter().enumerate() {
            assert_eq!(typed(m), Err(DecodeError::BadValue), "case {i}");
        }
        // What builds, and its type.
        assert_eq!(typed(A(vec![I(123), B(true), A(vec![I(0)]), I(5)])), Ok(ExpType::Int));
        assert_eq!(typed(A(vec![I(123), B(false), I(1), A(vec![I(0)])])), Ok(ExpType::Int));
        assert_eq!(typed(A(vec![I(1), A(vec![I(0)]), B(true)])), Ok(ExpType::Bool));
        assert_eq!(typed(A(vec![I(20), ibin(), I(1)])), Ok(ExpType::Int));
        assert_eq!(typed(A(vec![I(27), F(-1.0)])), Ok(ExpType::Float));
        assert_eq!(typed(A(vec![I(125), Raw("_a1"), I(1), A(vec![I(124), Raw("_a1")])])), Ok(ExpType::Int));
        // A call on a nil container is nil-typed, whatever it declares.
        assert_eq!(
            typed(A(vec![I(127), I(2), I(0), A(vec![I(16)]), A(vec![I(81), I(0), Raw("n")])])),
            Ok(ExpType::Nil)
        );
        // A filter must be boolean.
        let mut add = Vec::new();
        pack(&A(vec![I(20), I(1), I(2)]), &mut add);
        assert!(parse(&add).is_ok() && parse_filter(&add).is_err());
        // Over 1 MiB: refused before parsing.
        assert!(parse(&vec![0xc0; MAX_SIZE]).is_err());
    }

    #[test]
    fn digest_modulo_takes_a_non_zero_32_bit_modulus() {
        // [DIGEST_MODULO, 3]
        assert_eq!(parse(&[0x92, 0x40, 0x03]).unwrap(), Exp::DigestModulo(3));
        assert!(parse(&[0x92, 0x40, 0x00]).is_err());
        // 2^32 truncates to 0 and is refused like 0.
        assert!(parse(&[0x92, 0x40, 0xcf, 0, 0, 0, 1, 0, 0, 0, 0]).is_err());
    }

    #[test]
    fn rejects_what_it_does_not_know_and_never_panics() {
        // CALL without arguments.
        assert!(parse(&[0x91, 0x7f]).is_err());
        // [CALL, INT, CDT, [LIST_SIZE], [BIN, LIST, "l"]]; system 3 (STRING, newer servers) is refused.
        let size = [0x95, 0x7f, 0x02, 0x00, 0x91, 0x10, 0x93, 0x51, 0x04, 0xa1, b'l'];
        assert!(matches!(parse(&size), Ok(Exp::Call { result: ExpType::Int, system: CallSystem::Cdt, .. })));
        let mut other = size;
        other[3] = 0x03;
        assert!(parse(&other).is_err());
        assert!(parse(&[0x90]).is_err());
        let deep: Vec<u8> = std::iter::repeat_n([0x92u8, 0x12], 100).flatten().chain([0xc3]).collect();
        assert!(parse(&deep).is_err());
        let bytes = [0x93, 0x03, 0x93, 0x51, 0x02, 0xa1, b'i', 0x05];
        for end in 0..bytes.len() {
            assert!(parse(&bytes[..end]).is_err());
        }
        for i in 0..bytes.len() {
            for v in [0u8, 0x90, 0xdc, 0xff] {
                let mut b = bytes;
                b[i] = v;
                let _ = parse(&b);
            }
        }
    }
}

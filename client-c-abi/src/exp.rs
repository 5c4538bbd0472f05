//! Aerospike expressions (PROTOCOL-DATA.md §C): filters on commands and the values of expression
//! read and write operations, built bottom-up and packed as the official C client packs them
//! (`as_exp.c`), so the server sees the same bytes.
//!
//! An [`Expression`] is one packed msgpack value. Every operator is an array `[code, operands…]`
//! (§C.2, C.3); literals are plain msgpack in Aerospike's dialect (strings with the as_bytes type
//! byte 3, blobs 4, GeoJSON 23), a list literal is quoted as `[126, list]`, and the names of bins,
//! variables and the regex pattern are raw strings. The functions of this module build them:
//!
//! ```
//! use scramjet::exp::{self, ExpType};
//! use scramjet::cdt::{self, ReturnType};
//! // a > 5 and the list in bin "l" has more than 2 elements
//! let filter = exp::and(vec![
//!     exp::gt(exp::int_bin("a"), exp::int(5)),
//!     exp::gt(exp::list_size(&[], exp::list_bin("l")), exp::int(2)),
//! ]);
//! // Any list, map, bit or HLL operation of this crate, called on an expression's value.
//! let last = exp::call(ExpType::Int, &cdt::list_get_by_index("l", ReturnType::VALUE, -1), exp::list_bin("l"));
//! assert!(last.is_ok());
//! ```
//!
//! A filter goes in a policy (`filter` of [`crate::policy::ReadPolicy`], `WritePolicy`,
//! `ScanPolicy`) and travels as field 43; a record it leaves out answers result code 27
//! ([`crate::error::code::FILTERED_OUT`]) on single-record commands and batch rows, and is
//! skipped by scans. [`read_op`] and [`write_op`] make the expression operations of
//! [`crate::Client::operate`] (op types 7 and 8).

use scramjet_net::msgpack::{Item, Reader};

use crate::cdt::{encode_ctx_prefix, flags, Ctx, ReturnType};
use crate::command::Operation;
use crate::error::{code, Error, Result};
use crate::msgpack;
use crate::value::Value;

/// The type of an expression's value (PROTOCOL-DATA C.2): bins, keys and calls name the type
/// they give.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ExpType {
    /// Nil.
    Nil = 0,
    /// Boolean.
    Bool = 1,
    /// Integer.
    Int = 2,
    /// String.
    Str = 3,
    /// List.
    List = 4,
    /// Map.
    Map = 5,
    /// Blob (bytes).
    Blob = 6,
    /// Float.
    Float = 7,
    /// GeoJSON.
    Geo = 8,
    /// HyperLogLog.
    Hll = 9,
}

impl ExpType {
    /// The type of wire value `v` (0–9).
    pub fn from_u32(v: u32) -> Option<ExpType> {
        use ExpType::*;
        Some(match v {
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

/// The op codes of expressions (PROTOCOL-DATA C.3).
pub(crate) mod op {
    /// Unknown: always unknown.
    pub(crate) const UNKNOWN: u8 = 0;
    /// `==`.
    pub(crate) const EQ: u8 = 1;
    /// `!=`.
    pub(crate) const NE: u8 = 2;
    /// `>`.
    pub(crate) const GT: u8 = 3;
    /// `>=`.
    pub(crate) const GE: u8 = 4;
    /// `<`.
    pub(crate) const LT: u8 = 5;
    /// `<=`.
    pub(crate) const LE: u8 = 6;
    /// Regex comparison.
    pub(crate) const CMP_REGEX: u8 = 7;
    /// Geo comparison.
    pub(crate) const CMP_GEO: u8 = 8;
    /// Value in list.
    pub(crate) const IN_LIST: u8 = 9;
    /// Logical and.
    pub(crate) const AND: u8 = 16;
    /// Logical or.
    pub(crate) const OR: u8 = 17;
    /// Logical not.
    pub(crate) const NOT: u8 = 18;
    /// Exactly one true.
    pub(crate) const EXCLUSIVE: u8 = 19;
    /// Addition.
    pub(crate) const ADD: u8 = 20;
    /// Subtraction.
    pub(crate) const SUB: u8 = 21;
    /// Multiplication.
    pub(crate) const MUL: u8 = 22;
    /// Division.
    pub(crate) const DIV: u8 = 23;
    /// Power.
    pub(crate) const POW: u8 = 24;
    /// Logarithm.
    pub(crate) const LOG: u8 = 25;
    /// Modulo.
    pub(crate) const MOD: u8 = 26;
    /// Absolute value.
    pub(crate) const ABS: u8 = 27;
    /// Floor.
    pub(crate) const FLOOR: u8 = 28;
    /// Ceiling.
    pub(crate) const CEIL: u8 = 29;
    /// Float to integer.
    pub(crate) const TO_INT: u8 = 30;
    /// Integer to float.
    pub(crate) const TO_FLOAT: u8 = 31;
    /// Bitwise and.
    pub(crate) const INT_AND: u8 = 32;
    /// Bitwise or.
    pub(crate) const INT_OR: u8 = 33;
    /// Bitwise xor.
    pub(crate) const INT_XOR: u8 = 34;
    /// Bitwise not.
    pub(crate) const INT_NOT: u8 = 35;
    /// Left shift.
    pub(crate) const INT_LSHIFT: u8 = 36;
    /// Logical right shift.
    pub(crate) const INT_RSHIFT: u8 = 37;
    /// Arithmetic right shift.
    pub(crate) const INT_ARSHIFT: u8 = 38;
    /// Population count.
    pub(crate) const INT_COUNT: u8 = 39;
    /// Scan from the left.
    pub(crate) const INT_LSCAN: u8 = 40;
    /// Scan from the right.
    pub(crate) const INT_RSCAN: u8 = 41;
    /// Minimum.
    pub(crate) const MIN: u8 = 50;
    /// Maximum.
    pub(crate) const MAX: u8 = 51;
    /// Digest modulo.
    pub(crate) const DIGEST_MODULO: u8 = 64;
    /// Device size (deprecated by Aerospike).
    pub(crate) const DEVICE_SIZE: u8 = 65;
    /// Last update time.
    pub(crate) const LAST_UPDATE: u8 = 66;
    /// Milliseconds since the last update.
    pub(crate) const SINCE_UPDATE: u8 = 67;
    /// Void time.
    pub(crate) const VOID_TIME: u8 = 68;
    /// TTL.
    pub(crate) const TTL: u8 = 69;
    /// Set name.
    pub(crate) const SET_NAME: u8 = 70;
    /// Key stored.
    pub(crate) const KEY_EXISTS: u8 = 71;
    /// Tombstone.
    pub(crate) const IS_TOMBSTONE: u8 = 72;
    /// Memory size (deprecated by Aerospike).
    pub(crate) const MEMORY_SIZE: u8 = 73;
    /// Record size.
    pub(crate) const RECORD_SIZE: u8 = 74;
    /// Remove the leaf (the value of a path modify's expression).
    pub(crate) const REMOVE_RESULT: u8 = 100;
    /// A path's built-in variable (the key, value or index of the element at hand).
    pub(crate) const LOOP_VAR: u8 = 122;
    /// Stored user key.
    pub(crate) const KEY: u8 = 80;
    /// Bin value.
    pub(crate) const BIN: u8 = 81;
    /// Bin particle type.
    pub(crate) const BIN_TYPE: u8 = 82;
    /// Conditional.
    pub(crate) const COND: u8 = 123;
    /// Variable.
    pub(crate) const VAR: u8 = 124;
    /// Let.
    pub(crate) const LET: u8 = 125;
    /// Quoted list literal.
    pub(crate) const QUOTE: u8 = 126;
    /// Call into list/map, bit or HLL code.
    pub(crate) const CALL: u8 = 127;
}

/// The system of a call (PROTOCOL-DATA C.4): list and map operations.
pub const CALL_CDT: u8 = 0;
/// The system of a call: bit operations.
pub const CALL_BITS: u8 = 1;
/// The system of a call: HLL operations.
pub const CALL_HLL: u8 = 2;
/// OR-ed into the system of a call whose operation modifies (a copy of) its container.
pub const CALL_MODIFY: u8 = 0x40;

flags! {
    /// Flags of expression read operations (PROTOCOL-DATA C.1).
    ExpReadFlags {
        /// Default: an expression that cannot be evaluated fails the command (26).
        DEFAULT = 0,
        /// An expression that cannot be evaluated answers nothing instead of failing.
        EVAL_NO_FAIL = 0x10,
    }
}

flags! {
    /// Flags of expression write operations (PROTOCOL-DATA C.1), combined with `|`.
    ExpWriteFlags {
        /// Default: create or update the bin.
        DEFAULT = 0,
        /// The bin must not exist (6 BIN_EXISTS).
        CREATE_ONLY = 0x01,
        /// The bin must exist (17 BIN_NOT_FOUND).
        UPDATE_ONLY = 0x02,
        /// A nil result deletes the bin.
        ALLOW_DELETE = 0x04,
        /// Turn the refusals of CREATE_ONLY, UPDATE_ONLY and deletes into no-ops.
        POLICY_NO_FAIL = 0x08,
        /// An expression that cannot be evaluated writes nothing instead of failing.
        EVAL_NO_FAIL = 0x10,
    }
}

/// An expression: one packed msgpack value, as it travels in field 43 and in expression
/// operations.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Expression {
    bytes: Vec<u8>,
}

impl Expression {
    /// An expression packed elsewhere (by another client, or saved): `bytes` must hold exactly
    /// one msgpack value (else a [`code::PARAM`] error); what it means is the server's to check.
    pub fn from_bytes(bytes: Vec<u8>) -> Result<Expression> {
        let mut r = Reader::new(&bytes);
        let bad = || Error::new(code::PARAM, "an expression is exactly one msgpack value");
        r.raw_item().map_err(|_| bad())?;
        if !r.is_done() {
            return Err(bad());
        }
        Ok(Expression { bytes })
    }

    /// The packed bytes.
    pub fn as_bytes(&self) -> &[u8] {
        &self.bytes
    }

    /// The packed bytes, taken.
    pub fn into_bytes(self) -> Vec<u8> {
        self.bytes
    }
}

/// `[code, operands...]`.
fn node(code: u8, operands: Vec<Expression>) -> Expression {
    let mut out = Vec::with_capacity(2 + operands.iter().map(|e| e.bytes.len()).sum::<usize>());
    msgpack::pack_list_header(&mut out, 1 + operands.len());
    msgpack::pack_uint(&mut out, u64::from(code));
    for e in operands {
        out.extend_from_slice(&e.bytes);
    }
    Expression { bytes: out }
}

fn packed(f: impl FnOnce(&mut Vec<u8>)) -> Expression {
    let mut bytes = Vec::new();
    f(&mut bytes);
    Expression { bytes }
}

/// A raw msgpack string (names: no as_bytes type byte).
fn raw_str(out: &mut Vec<u8>, s: &str) {
    msgpack::pack_str_header(out, s.len());
    out.extend_from_slice(s.as_bytes());
}

fn name(s: &str) -> Expression {
    packed(|out| raw_str(out, s))
}

fn int_operand(v: i64) -> Expression {
    packed(|out| msgpack::pack_int(out, v))
}

// ---- Literals --------------------------------------------------------------------------------

/// An integer.
pub fn int(v: i64) -> Expression {
    int_operand(v)
}

/// A float (always packed as a 64-bit double).
pub fn float(v: f64) -> Expression {
    value(Value::Float(v))
}

/// A string.
pub fn string(v: impl Into<String>) -> Expression {
    value(Value::Str(v.into()))
}

/// A blob (bytes).
pub fn blob(v: Vec<u8>) -> Expression {
    value(Value::Bytes(v))
}

/// A boolean.
pub fn bool(v: bool) -> Expression {
    value(Value::Bool(v))
}

/// Nil.
pub fn nil() -> Expression {
    value(Value::Nil)
}

/// A list, quoted (`[126, list]`) so that the server reads it as a value.
pub fn list(items: Vec<Value>) -> Expression {
    value(Value::List(items))
}

/// A map.
pub fn map(entries: Vec<(Value, Value)>) -> Expression {
    value(Value::Map(entries))
}

/// A GeoJSON value (its JSON text).
pub fn geo(json: impl Into<String>) -> Expression {
    value(Value::Raw(scramjet_net::ParticleType::GeoJson as u8, json.into().into_bytes()))
}

/// Any value as a literal: lists quoted, everything else packed as in list and map operations
/// (an HLL value with its as_bytes type 18).
pub fn value(v: Value) -> Expression {
    packed(|out| {
        if matches!(v, Value::List(_) | Value::Raw(20, _)) {
            msgpack::pack_list_header(out, 2);
            msgpack::pack_uint(out, u64::from(op::QUOTE));
        }
        msgpack::pack(out, &v);
    })
}

// ---- Bins, keys and record metadata ----------------------------------------------------------

/// The value of bin `name` if it has type `t` (unknown otherwise, and when the bin is missing).
pub fn bin(name: &str, t: ExpType) -> Expression {
    node(op::BIN, vec![int_operand(t as i64), self::name(name)])
}

/// An integer bin.
pub fn int_bin(name: &str) -> Expression {
    bin(name, ExpType::Int)
}

/// A float bin.
pub fn float_bin(name: &str) -> Expression {
    bin(name, ExpType::Float)
}

/// A string bin.
pub fn string_bin(name: &str) -> Expression {
    bin(name, ExpType::Str)
}

/// A blob bin.
pub fn blob_bin(name: &str) -> Expression {
    bin(name, ExpType::Blob)
}

/// A boolean bin.
pub fn bool_bin(name: &str) -> Expression {
    bin(name, ExpType::Bool)
}

/// A list bin.
pub fn list_bin(name: &str) -> Expression {
    bin(name, ExpType::List)
}

/// A map bin.
pub fn map_bin(name: &str) -> Expression {
    bin(name, ExpType::Map)
}

/// A GeoJSON bin.
pub fn geo_bin(name: &str) -> Expression {
    bin(name, ExpType::Geo)
}

/// An HLL bin.
pub fn hll_bin(name: &str) -> Expression {
    bin(name, ExpType::Hll)
}

/// The particle type of bin `name` (0 if it is missing).
pub fn bin_type(name: &str) -> Expression {
    node(op::BIN_TYPE, vec![self::name(name)])
}

/// True if bin `name` exists: `bin_type(name) != 0`, as the C client writes it.
pub fn bin_exists(name: &str) -> Expression {
    ne(bin_type(name), int(0))
}

/// The stored user key if it has type `t` (Int, Str or Blob; unknown without a stored key).
pub fn key(t: ExpType) -> Expression {
    node(op::KEY, vec![int_operand(t as i64)])
}

/// True if the record's user key is stored.
pub fn key_exists() -> Expression {
    node(op::KEY_EXISTS, vec![])
}

/// The record's digest modulo `modulus` (bytes 16..20, little-endian).
pub fn digest_modulo(modulus: i64) -> Expression {
    node(op::DIGEST_MODULO, vec![int_operand(modulus)])
}

/// The record's size on a device (Aerospike deprecates it for [`record_size`]).
pub fn device_size() -> Expression {
    node(op::DEVICE_SIZE, vec![])
}

/// The record's size in memory (Aerospike deprecates it for [`record_size`]).
pub fn memory_size() -> Expression {
    node(op::MEMORY_SIZE, vec![])
}

/// The record's stored size.
pub fn record_size() -> Expression {
    node(op::RECORD_SIZE, vec![])
}

/// The last update time, nanoseconds since the Unix epoch.
pub fn last_update() -> Expression {
    node(op::LAST_UPDATE, vec![])
}

/// Milliseconds since the last update.
pub fn since_update() -> Expression {
    node(op::SINCE_UPDATE, vec![])
}

/// The expiry time, nanoseconds since the Unix epoch (−1: never).
pub fn void_time() -> Expression {
    node(op::VOID_TIME, vec![])
}

/// The TTL in seconds (−1: never expires).
pub fn ttl() -> Expression {
    node(op::TTL, vec![])
}

/// The record's set name ("" without a set).
pub fn set_name() -> Expression {
    node(op::SET_NAME, vec![])
}

/// True for a tombstone (durable delete).
pub fn is_tombstone() -> Expression {
    node(op::IS_TOMBSTONE, vec![])
}

// ---- Comparisons and logic -------------------------------------------------------------------

/// `a == b`.
pub fn eq(a: Expression, b: Expression) -> Expression {
    node(op::EQ, vec![a, b])
}

/// `a != b`.
pub fn ne(a: Expression, b: Expression) -> Expression {
    node(op::NE, vec![a, b])
}

/// `a > b`.
pub fn gt(a: Expression, b: Expression) -> Expression {
    node(op::GT, vec![a, b])
}

/// `a >= b`.
pub fn ge(a: Expression, b: Expression) -> Expression {
    node(op::GE, vec![a, b])
}

/// `a < b`.
pub fn lt(a: Expression, b: Expression) -> Expression {
    node(op::LT, vec![a, b])
}

/// `a <= b`.
pub fn le(a: Expression, b: Expression) -> Expression {
    node(op::LE, vec![a, b])
}

/// True if string `e` matches the POSIX regex `pattern`, compiled with `flags` (glibc's
/// `regcomp` flags: 1 EXTENDED, 2 ICASE, 4 NEWLINE, 8 NOSUB).
pub fn cmp_regex(flags: i64, pattern: &str, e: Expression) -> Expression {
    node(op::CMP_REGEX, vec![int_operand(flags), name(pattern), e])
}

/// True if one GeoJSON value is a point inside the other, a region.
pub fn cmp_geo(a: Expression, b: Expression) -> Expression {
    node(op::CMP_GEO, vec![a, b])
}

/// True if `v` equals an element of `list`.
pub fn in_list(v: Expression, list: Expression) -> Expression {
    node(op::IN_LIST, vec![v, list])
}

/// All of `items` (two or more booleans).
pub fn and(items: Vec<Expression>) -> Expression {
    node(op::AND, items)
}

/// Any of `items` (two or more booleans).
pub fn or(items: Vec<Expression>) -> Expression {
    node(op::OR, items)
}

/// Not `e`.
pub fn not(e: Expression) -> Expression {
    node(op::NOT, vec![e])
}

/// Exactly one of `items` (two or more booleans).
pub fn exclusive(items: Vec<Expression>) -> Expression {
    node(op::EXCLUSIVE, items)
}

// ---- Arithmetic and integer bits -------------------------------------------------------------

/// The sum of `items` (all ints or all floats).
pub fn add(items: Vec<Expression>) -> Expression {
    node(op::ADD, items)
}

/// The first of `items` minus the others (one: its negation).
pub fn sub(items: Vec<Expression>) -> Expression {
    node(op::SUB, items)
}

/// The product of `items`.
pub fn mul(items: Vec<Expression>) -> Expression {
    node(op::MUL, items)
}

/// The first of `items` divided by the others (one: its reciprocal).
pub fn div(items: Vec<Expression>) -> Expression {
    node(op::DIV, items)
}

/// `base` to the power `exponent` (floats).
pub fn pow(base: Expression, exponent: Expression) -> Expression {
    node(op::POW, vec![base, exponent])
}

/// The logarithm of `num` in `base` (floats).
pub fn log(num: Expression, base: Expression) -> Expression {
    node(op::LOG, vec![num, base])
}

/// `a % b` (ints).
pub fn modulo(a: Expression, b: Expression) -> Expression {
    node(op::MOD, vec![a, b])
}

/// The absolute value.
pub fn abs(e: Expression) -> Expression {
    node(op::ABS, vec![e])
}

/// The float rounded down.
pub fn floor(e: Expression) -> Expression {
    node(op::FLOOR, vec![e])
}

/// The float rounded up.
pub fn ceil(e: Expression) -> Expression {
    node(op::CEIL, vec![e])
}

/// The float truncated to an integer.
pub fn to_int(e: Expression) -> Expression {
    node(op::TO_INT, vec![e])
}

/// The integer as a float.
pub fn to_float(e: Expression) -> Expression {
    node(op::TO_FLOAT, vec![e])
}

/// Bitwise and of `items` (ints).
pub fn int_and(items: Vec<Expression>) -> Expression {
    node(op::INT_AND, items)
}

/// Bitwise or of `items`.
pub fn int_or(items: Vec<Expression>) -> Expression {
    node(op::INT_OR, items)
}

/// Bitwise xor of `items`.
pub fn int_xor(items: Vec<Expression>) -> Expression {
    node(op::INT_XOR, items)
}

/// Bitwise not.
pub fn int_not(e: Expression) -> Expression {
    node(op::INT_NOT, vec![e])
}

/// `e << shift`.
pub fn int_lshift(e: Expression, shift: Expression) -> Expression {
    node(op::INT_LSHIFT, vec![e, shift])
}

/// `e >> shift`, logical.
pub fn int_rshift(e: Expression, shift: Expression) -> Expression {
    node(op::INT_RSHIFT, vec![e, shift])
}

/// `e >> shift`, arithmetic.
pub fn int_arshift(e: Expression, shift: Expression) -> Expression {
    node(op::INT_ARSHIFT, vec![e, shift])
}

/// The number of bits set.
pub fn int_count(e: Expression) -> Expression {
    node(op::INT_COUNT, vec![e])
}

/// The position (0: most significant) of the first bit equal to boolean `search` from the
/// left; −1 if none.
pub fn int_lscan(e: Expression, search: Expression) -> Expression {
    node(op::INT_LSCAN, vec![e, search])
}

/// As [`int_lscan`], from the right.
pub fn int_rscan(e: Expression, search: Expression) -> Expression {
    node(op::INT_RSCAN, vec![e, search])
}

/// The least of `items`.
pub fn min(items: Vec<Expression>) -> Expression {
    node(op::MIN, items)
}

/// The greatest of `items`.
pub fn max(items: Vec<Expression>) -> Expression {
    node(op::MAX, items)
}

// ---- Control ---------------------------------------------------------------------------------

/// `[condition, action, condition, action, …, default]`: the action of the first true
/// condition, else the default.
pub fn cond(items: Vec<Expression>) -> Expression {
    node(op::COND, items)
}

/// The value bound to `name` by an enclosing [`let_in`].
pub fn var(name: &str) -> Expression {
    node(op::VAR, vec![self::name(name)])
}

/// `scope` with each name of `defs` bound to its value, in order (each sees the ones before).
pub fn let_in(defs: Vec<(String, Expression)>, scope: Expression) -> Expression {
    let mut operands = Vec::with_capacity(2 * defs.len() + 1);
    for (n, e) in defs {
        operands.push(name(&n));
        operands.push(e);
    }
    operands.push(scope);
    node(op::LET, operands)
}

/// Unknown: makes the expression (and a filter) fail, e.g. as a [`cond`] default.
pub fn unknown() -> Expression {
    node(op::UNKNOWN, vec![])
}

// ---- Paths (CDT op 0xFE, PROTOCOL-DATA A.9) -----------------------------------------------------

/// The built-in variables of a path's expressions (`as_exp_loopvar_type`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum LoopVar {
    /// The map key of the element at hand.
    Key = 0,
    /// The element's value.
    Value = 1,
    /// The element's list index.
    Index = 2,
}

/// In the filters of a path ([`Ctx::AllChildrenWhere`], [`Ctx::AndFilter`]) and the expression
/// of [`crate::cdt::modify_by_path`]: the key, value or index of the element at hand, of type `t`
/// (`[122, t, id]`, the C client's `as_exp_loopvar_*`); unknown if it has another type.
pub fn loop_var(t: ExpType, var: LoopVar) -> Expression {
    node(op::LOOP_VAR, vec![int_operand(t as i64), int_operand(var as i64)])
}

/// As the value of [`crate::cdt::modify_by_path`]'s expression: remove the leaf (`[100]`).
pub fn remove_result() -> Expression {
    node(op::REMOVE_RESULT, vec![])
}

/// What path `ctx` selects in `bin` (a list or map expression), answered as `flags` says,
/// as a value of type `rtype` (`as_exp_select_by_path`): a call of
/// [`crate::cdt::select_by_path`].
pub fn select_by_path(rtype: ExpType, ctx: Vec<Ctx>, flags: crate::cdt::SelectFlags, bin: Expression) -> Expression {
    let mut payload = Vec::new();
    crate::cdt::PathOp::Select { ctx, flags }.encode(&mut payload);
    call_raw(rtype, CALL_CDT, payload, bin)
}

/// `bin` (a list or map expression) with every leaf path `ctx` selects replaced by the value of
/// `modify` for it, as a value of type `rtype` (`as_exp_modify_by_path`; nothing is written): a
/// call of [`crate::cdt::modify_by_path`].
pub fn modify_by_path(
    rtype: ExpType,
    ctx: Vec<Ctx>,
    modify: Expression,
    flags: crate::cdt::ModifyFlags,
    bin: Expression,
) -> Expression {
    let mut payload = Vec::new();
    crate::cdt::PathOp::Modify { ctx, exp: modify, flags }.encode(&mut payload);
    call_raw(rtype, CALL_CDT | CALL_MODIFY, payload, bin)
}

// ---- Calls -----------------------------------------------------------------------------------

/// A call (`[127, rtype, system, payload, container]`): the operation `payload` packed as an
/// operation's payload (`[op_code, args…]`, or with a context `[0xFF, ctx, [op_code, args…]]`) of
/// `system` ([`CALL_CDT`], [`CALL_BITS`], [`CALL_HLL`], with [`CALL_MODIFY`] for modifying
/// operations) run on `container`'s value, giving a value of type `rtype`. An argument of the
/// payload that is an array is evaluated as an expression, so quote list literals (as
/// [`call`] does); `payload` must be one msgpack value.
pub fn call_raw(rtype: ExpType, system: u8, payload: Vec<u8>, container: Expression) -> Expression {
    node(
        op::CALL,
        vec![int_operand(rtype as i64), int_operand(i64::from(system)), Expression { bytes: payload }, container],
    )
}

/// A call of a list, map, bit or HLL operation of this crate (`cdt::*`, `bits::*`, `hll::*`;
/// its bin name is not used, and list and map operations keep their context) on `container`'s
/// value, giving a value of type `rtype`: a read gives what the operation reads, a modify the
/// changed copy of the container (nothing is written). List arguments are quoted.
pub fn call(rtype: ExpType, operation: &Operation, container: Expression) -> Result<Expression> {
    let system = match operation {
        Operation::Path(_, path) => {
            // The path's payload as it is (`as_exp_select_by_path` / `as_exp_modify_by_path`).
            let system = if path.is_modify() { CALL_CDT | CALL_MODIFY } else { CALL_CDT };
            let mut payload = Vec::new();
            path.encode(&mut payload);
            return Ok(call_raw(rtype, system, payload, container));
        }
        Operation::List(..) | Operation::Map(..) => CALL_CDT,
        Operation::Bit(..) => CALL_BITS,
        Operation::Hll(..) => CALL_HLL,
        other => return Err(Error::new(code::PARAM, format!("{other:?} is no list, map, bit or HLL operation"))),
    };
    let system = if operation.is_write() { system | CALL_MODIFY } else { system };
    let mut payload = Vec::new();
    operation.encode_payload(&mut payload);
    Ok(call_raw(rtype, system, quote_list_args(&payload)?, container))
}

fn is_array(item: &[u8]) -> bool {
    matches!(item.first(), Some(0x90..=0x9f | 0xdc | 0xdd))
}

/// The payload with every argument that is an array quoted as `[126, array]` (the op code and
/// a context are left alone). Headers are packed again in their smallest form, as they came.
fn quote_list_args(payload: &[u8]) -> Result<Vec<u8>> {
    let bad = || Error::new(code::CLIENT, "an operation payload that is not `[op, args...]`");
    let array_len = |r: &mut Reader<'_>| match r.read() {
        Ok(Item::Array(n)) if n > 0 => Ok(n),
        _ => Err(bad()),
    };
    let mut r = Reader::new(payload);
    let mut out = Vec::with_capacity(payload.len() + 8);
    let mut n = array_len(&mut r)?;
    if n == 3 && r.clone().raw_item().map_err(|_| bad())? == [0xcc, 0xff] {
        // [0xFF, ctx, [op, args...]]: the marker and the context as they are, then the op.
        msgpack::pack_list_header(&mut out, 3);
        out.extend_from_slice(r.raw_item().map_err(|_| bad())?);
        out.extend_from_slice(r.raw_item().map_err(|_| bad())?);
        n = array_len(&mut r)?;
    }
    msgpack::pack_list_header(&mut out, n);
    out.extend_from_slice(r.raw_item().map_err(|_| bad())?); // the op code
    for _ in 1..n {
        let arg = r.raw_item().map_err(|_| bad())?;
        if is_array(arg) {
            msgpack::pack_list_header(&mut out, 2);
            msgpack::pack_uint(&mut out, u64::from(op::QUOTE));
        }
        out.extend_from_slice(arg);
    }
    if !r.is_done() {
        return Err(bad());
    }
    Ok(out)
}

/// The type a single-element selection of `return_type` gives, `value_type` for values (and
/// map keys), as the C client's `as_exp_get_list_type` / `as_exp_get_map_type` decide it.
fn selection_type(return_type: ReturnType, value_type: ExpType) -> ExpType {
    match return_type.0 & !0x10000 {
        1..=5 => ExpType::Int,
        8 | 16 | 17 => ExpType::Map,
        13 => ExpType::Bool,
        _ => value_type,
    }
}

fn cdt_read(rtype: ExpType, ctx: &[Ctx], code: u8, args: Vec<Expression>, container: Expression) -> Expression {
    let mut payload = Vec::new();
    encode_ctx_prefix(&mut payload, ctx, 0);
    payload.extend_from_slice(&node(code, args).bytes);
    call_raw(rtype, CALL_CDT, payload, container)
}

/// The number of elements of a list (`container`: a list bin or any list expression; `ctx`:
/// the path to a nested list, empty for the list itself).
pub fn list_size(ctx: &[Ctx], container: Expression) -> Expression {
    cdt_read(ExpType::Int, ctx, 16, vec![], container)
}

/// The list element at `index` (an integer expression; negative from the end), as
/// `return_type` says (VALUE: the element, of type `value_type`; INDEX, RANK, COUNT: an int;
/// EXISTS: a boolean).
pub fn list_get_by_index(
    ctx: &[Ctx],
    return_type: ReturnType,
    value_type: ExpType,
    index: Expression,
    container: Expression,
) -> Expression {
    let rtype = selection_type(return_type, value_type);
    cdt_read(rtype, ctx, 19, vec![int_operand(i64::from(return_type.0)), index], container)
}

/// The number of entries of a map.
pub fn map_size(ctx: &[Ctx], container: Expression) -> Expression {
    cdt_read(ExpType::Int, ctx, 96, vec![], container)
}

/// The map entry of `key` (an expression), as `return_type` says (VALUE: its value, of type
/// `value_type`; KEY_VALUE, *_MAP: a map; INDEX, RANK, COUNT: an int; EXISTS: a boolean).
pub fn map_get_by_key(
    ctx: &[Ctx],
    return_type: ReturnType,
    value_type: ExpType,
    key: Expression,
    container: Expression,
) -> Expression {
    let rtype = selection_type(return_type, value_type);
    cdt_read(rtype, ctx, 97, vec![int_operand(i64::from(return_type.0)), key], container)
}

/// The number of bits set in `bit_size` bits from `bit_offset` of a blob (integer expressions).
pub fn bit_count(bit_offset: Expression, bit_size: Expression, container: Expression) -> Expression {
    call_raw(ExpType::Int, CALL_BITS, node(51, vec![bit_offset, bit_size]).bytes, container)
}

/// The estimated count of an HLL.
pub fn hll_get_count(container: Expression) -> Expression {
    call_raw(ExpType::Int, CALL_HLL, node(50, vec![]).bytes, container)
}

// ---- Operations ------------------------------------------------------------------------------

/// An expression read operation (op type 7): the value of `exp` for the record, as the command's
/// earlier operations left it, answered as a bin named `name` (nothing for nil).
pub fn read_op(name: impl Into<String>, exp: Expression, flags: ExpReadFlags) -> Operation {
    Operation::ExpRead(name.into(), exp, flags)
}

/// An expression write operation (op type 8): stores the value of `exp` in bin `name`.
pub fn write_op(name: impl Into<String>, exp: Expression, flags: ExpWriteFlags) -> Operation {
    Operation::ExpWrite(name.into(), exp, flags)
}

/// Appends the value of an expression operation: `[exp, flags]`.
pub(crate) fn encode_op_value(exp: &Expression, flags: u32, out: &mut Vec<u8>) {
    msgpack::pack_list_header(out, 2);
    out.extend_from_slice(&exp.bytes);
    msgpack::pack_uint(out, u64::from(flags));
}

#[cfg(test)]
mod tests;

//! HyperLogLog operations on HLL bins (PROTOCOL-DATA.md §B.4–B.5): their arguments and flags,
//! and their encoding, byte for byte what the official C client (`as_hll_operations.c`) sends.
//!
//! An operation travels in an `as_msg` op of type 15 (HLL_READ) or 16 (HLL_MODIFY) on its bin,
//! with particle type 4 (BLOB) and the payload `[op_code, args...]` in Aerospike's msgpack
//! ([`crate::msgpack`]). An HLL bin reads back as an HLL value ([`Value::hll`], particle type
//! 18); operands of the union, intersection and similarity operations are such values (as read,
//! or as [`get_union`] answers them), packed as they are, as the C client packs its `as_list`.
//! The functions of this module build the [`crate::Operation`]s of [`crate::Client::operate`]:
//!
//! ```
//! use scramjet::hll::{self, HllPolicy, HllWriteFlags};
//! use scramjet::Value;
//! let other = Value::hll(vec![0; 11 + 12]); // an HLL value read elsewhere
//! let ops = [
//!     hll::add("visitors", vec!["ada".into(), "bob".into()], Some(12), None, None),
//!     hll::get_count("visitors"),
//!     hll::get_union_count("visitors", vec![other.clone()]),
//!     hll::set_union("visitors", vec![other], Some(HllPolicy { flags: HllWriteFlags::ALLOW_FOLD })),
//!     hll::describe("visitors"),
//! ];
//! ```
//!
//! Index bits (`ib`) and minhash bits (`mb`) given as `None` are sent as −1, "not given": the
//! bin keeps its own (INIT, ADD on an existing bin) or the server's default applies (mb 0; a new
//! bin needs `ib`, else 26). The server checks every range and rule (4, 26, see the table of
//! `docs/wire-protocol.md`); the client sends what it is given.

use crate::cdt::flags;
use crate::command::Operation;
use crate::msgpack;
use crate::value::Value;

flags! {
    /// HLL write flags (B.4), combined with `|`.
    HllWriteFlags {
        /// Default: create or update.
        DEFAULT = 0,
        /// The bin must not exist (6 BIN_EXISTS). INIT, ADD and SET_UNION.
        CREATE_ONLY = 0x01,
        /// The bin must exist (17 BIN_NOT_FOUND). INIT and SET_UNION.
        UPDATE_ONLY = 0x02,
        /// Turn refusals into no-ops.
        NO_FAIL = 0x04,
        /// SET_UNION only: fold to the fewest index bits instead of refusing (26).
        ALLOW_FOLD = 0x08,
    }
}

/// The policy of HLL writes: write flags.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct HllPolicy {
    /// Write flags.
    pub flags: HllWriteFlags,
}

/// The wire form of index or minhash bits that are not given.
pub const BITS_NOT_GIVEN: i64 = -1;

/// One HLL operation (B.4), one variant per op code.
#[derive(Debug, Clone, PartialEq)]
pub enum HllOp {
    /// 0: create an empty HLL, or empty the bin's (keeping the bit counts not given).
    Init { index_bits: Option<i32>, minhash_bits: Option<i32>, policy: Option<HllPolicy> },
    /// 1: add elements (creating the bin with the bit counts given). Result: the number of
    /// registers the elements raised.
    Add { values: Vec<Value>, index_bits: Option<i32>, minhash_bits: Option<i32>, policy: Option<HllPolicy> },
    /// 2: set the bin to its union with HLL values (creating it).
    SetUnion { hlls: Vec<Value>, policy: Option<HllPolicy> },
    /// 3: refresh the cached count. Result: the count.
    RefreshCount,
    /// 4: fold to fewer index bits (only without minhash bits).
    Fold { index_bits: i32 },
    /// 50: the estimated count.
    GetCount,
    /// 51: the union with HLL values, as an HLL value.
    GetUnion { hlls: Vec<Value> },
    /// 52: the estimated count of the union with HLL values.
    GetUnionCount { hlls: Vec<Value> },
    /// 53: the estimated count of the intersection with HLL values.
    GetIntersectCount { hlls: Vec<Value> },
    /// 54: the estimated similarity with HLL values (a float).
    GetSimilarity { hlls: Vec<Value> },
    /// 55: the bin's bit counts, `[index_bits, minhash_bits]`.
    Describe,
    /// 56: 1 if every element may be in the HLL, else 0.
    MayContain { values: Vec<Value> },
}

impl HllOp {
    /// The op code (B.4).
    pub fn code(&self) -> u8 {
        match self {
            HllOp::Init { .. } => 0,
            HllOp::Add { .. } => 1,
            HllOp::SetUnion { .. } => 2,
            HllOp::RefreshCount => 3,
            HllOp::Fold { .. } => 4,
            HllOp::GetCount => 50,
            HllOp::GetUnion { .. } => 51,
            HllOp::GetUnionCount { .. } => 52,
            HllOp::GetIntersectCount { .. } => 53,
            HllOp::GetSimilarity { .. } => 54,
            HllOp::Describe => 55,
            HllOp::MayContain { .. } => 56,
        }
    }

    /// True for the modify ops (codes 0–4).
    pub fn is_modify(&self) -> bool {
        self.code() < 50
    }

    /// Appends the payload `[code, args...]`, as the C client does: INIT, ADD and SET_UNION
    /// always carry their write flags (0 without a policy), bit counts not given are −1.
    pub fn encode(&self, out: &mut Vec<u8>) {
        let flags = |p: &Option<HllPolicy>| Arg::I(i64::from(p.map_or(0, |p| p.flags.0)));
        let bits = |b: &Option<i32>| Arg::I(b.map_or(BITS_NOT_GIVEN, i64::from));
        let args: Vec<Arg<'_>> = match self {
            HllOp::Init { index_bits, minhash_bits, policy } => {
                vec![bits(index_bits), bits(minhash_bits), flags(policy)]
            }
            HllOp::Add { values, index_bits, minhash_bits, policy } => {
                vec![Arg::List(values), bits(index_bits), bits(minhash_bits), flags(policy)]
            }
            HllOp::SetUnion { hlls, policy } => vec![Arg::List(hlls), flags(policy)],
            HllOp::Fold { index_bits } => vec![Arg::I(i64::from(*index_bits))],
            HllOp::RefreshCount | HllOp::GetCount | HllOp::Describe => Vec::new(),
            HllOp::GetUnion { hlls }
            | HllOp::GetUnionCount { hlls }
            | HllOp::GetIntersectCount { hlls }
            | HllOp::GetSimilarity { hlls } => vec![Arg::List(hlls)],
            HllOp::MayContain { values } => vec![Arg::List(values)],
        };
        msgpack::pack_list_header(out, 1 + args.len());
        msgpack::pack_uint(out, u64::from(self.code()));
        for arg in args {
            match arg {
                Arg::I(i) => msgpack::pack_int(out, i),
                Arg::List(items) => {
                    msgpack::pack_list_header(out, items.len());
                    items.iter().for_each(|v| msgpack::pack(out, v));
                }
            }
        }
    }
}

/// One argument of a payload.
enum Arg<'a> {
    I(i64),
    List(&'a [Value]),
}

fn op(bin: impl Into<String>, op: HllOp) -> Operation {
    Operation::Hll(bin.into(), op)
}

/// Creates an empty HLL of `index_bits` (4–16) and `minhash_bits` (0 or 4–51) bits, or empties
/// the bin's, keeping the bit counts given as `None`.
pub fn init(
    bin: impl Into<String>,
    index_bits: Option<i32>,
    minhash_bits: Option<i32>,
    policy: Option<HllPolicy>,
) -> Operation {
    op(bin, HllOp::Init { index_bits, minhash_bits, policy })
}

/// Adds `values` (scalars), creating the bin with `index_bits` and `minhash_bits` if it is
/// missing (an existing bin keeps its own). Result: the number of registers raised.
pub fn add(
    bin: impl Into<String>,
    values: Vec<Value>,
    index_bits: Option<i32>,
    minhash_bits: Option<i32>,
    policy: Option<HllPolicy>,
) -> Operation {
    op(bin, HllOp::Add { values, index_bits, minhash_bits, policy })
}

/// Sets the bin to its union with `hlls` (HLL values), creating it if missing.
pub fn set_union(bin: impl Into<String>, hlls: Vec<Value>, policy: Option<HllPolicy>) -> Operation {
    op(bin, HllOp::SetUnion { hlls, policy })
}

/// Refreshes the bin's cached count. Result: the estimated count.
pub fn refresh_count(bin: impl Into<String>) -> Operation {
    op(bin, HllOp::RefreshCount)
}

/// Folds the bin to `index_bits` index bits (fewer; only an HLL without minhash bits).
pub fn fold(bin: impl Into<String>, index_bits: i32) -> Operation {
    op(bin, HllOp::Fold { index_bits })
}

/// Result: the estimated count of the bin's HLL.
pub fn get_count(bin: impl Into<String>) -> Operation {
    op(bin, HllOp::GetCount)
}

/// Result: the union of the bin's HLL with `hlls`, an HLL value.
pub fn get_union(bin: impl Into<String>, hlls: Vec<Value>) -> Operation {
    op(bin, HllOp::GetUnion { hlls })
}

/// Result: the estimated count of the union of the bin's HLL with `hlls`.
pub fn get_union_count(bin: impl Into<String>, hlls: Vec<Value>) -> Operation {
    op(bin, HllOp::GetUnionCount { hlls })
}

/// Result: the estimated count of the intersection of the bin's HLL with `hlls`.
pub fn get_intersect_count(bin: impl Into<String>, hlls: Vec<Value>) -> Operation {
    op(bin, HllOp::GetIntersectCount { hlls })
}

/// Result: the estimated similarity (a float) of the bin's HLL with `hlls`.
pub fn get_similarity(bin: impl Into<String>, hlls: Vec<Value>) -> Operation {
    op(bin, HllOp::GetSimilarity { hlls })
}

/// Result: the bin's bit counts, a list `[index_bits, minhash_bits]`.
pub fn describe(bin: impl Into<String>) -> Operation {
    op(bin, HllOp::Describe)
}

/// Result: 1 if every one of `values` may be in the bin's HLL, else 0.
pub fn may_contain(bin: impl Into<String>, values: Vec<Value>) -> Operation {
    op(bin, HllOp::MayContain { values })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bytes(op: &Operation) -> Vec<u8> {
        let Operation::Hll(_, op) = op else { panic!("not an HLL operation: {op:?}") };
        let mut out = Vec::new();
        op.encode(&mut out);
        out
    }

    fn policy(flags: HllWriteFlags) -> Option<HllPolicy> {
        Some(HllPolicy { flags })
    }

    #[test]
    fn modify_ops_carry_bits_and_flags_as_the_c_client_does() {
        // Bit counts not given are -1 (0xff); flags are always there.
        assert_eq!(bytes(&init("h", None, None, None)), [0x94, 0, 0xff, 0xff, 0]);
        assert_eq!(bytes(&init("h", Some(12), Some(8), policy(HllWriteFlags::CREATE_ONLY))), [0x94, 0, 12, 8, 1]);
        let nf = policy(HllWriteFlags::UPDATE_ONLY | HllWriteFlags::NO_FAIL);
        assert_eq!(bytes(&init("h", Some(-1), Some(4), nf)), [0x94, 0, 0xff, 4, 6]);
        // Elements in Aerospike's msgpack: a string behind its type byte 3.
        let add = add("h", vec![Value::from("a"), Value::Int(300)], Some(16), None, None);
        assert_eq!(bytes(&add), [0x95, 1, 0x92, 0xa2, 3, b'a', 0xcd, 0x01, 0x2c, 16, 0xff, 0]);
        assert_eq!(bytes(&super::add("h", vec![], None, Some(51), nf)), [0x95, 1, 0x90, 0xff, 51, 6]);
        // HLL operands keep their as_bytes type: 18 for an HLL value, 4 for plain bytes.
        let hlls = vec![Value::hll(vec![0, 4, 0]), Value::Bytes(vec![9])];
        let u = set_union("h", hlls, policy(HllWriteFlags::ALLOW_FOLD));
        assert_eq!(bytes(&u), [0x93, 2, 0x92, 0xa4, 18, 0, 4, 0, 0xa2, 4, 9, 8]);
        assert_eq!(bytes(&set_union("h", vec![], None)), [0x93, 2, 0x90, 0]);
        assert_eq!(bytes(&refresh_count("h")), [0x91, 3]);
        assert_eq!(bytes(&fold("h", 6)), [0x92, 4, 6]);
        assert_eq!(bytes(&fold("h", -3)), [0x92, 4, 0xfd]);
    }

    #[test]
    fn reads_are_the_code_and_their_list() {
        let h = vec![Value::hll(vec![1, 2])];
        assert_eq!(bytes(&get_count("h")), [0x91, 50]);
        assert_eq!(bytes(&get_union("h", h.clone())), [0x92, 51, 0x91, 0xa3, 18, 1, 2]);
        assert_eq!(bytes(&get_union_count("h", h.clone())), [0x92, 52, 0x91, 0xa3, 18, 1, 2]);
        assert_eq!(bytes(&get_intersect_count("h", h.clone())), [0x92, 53, 0x91, 0xa3, 18, 1, 2]);
        assert_eq!(bytes(&get_similarity("h", h)), [0x92, 54, 0x91, 0xa3, 18, 1, 2]);
        assert_eq!(bytes(&describe("h")), [0x91, 55]);
        assert_eq!(bytes(&may_contain("h", vec![Value::Int(-1), Value::Bool(true)])), [0x92, 56, 0x92, 0xff, 0xc3]);
    }

    #[test]
    fn long_operands_take_longer_headers() {
        // A 12-index-bit HLL is 11 + 3072 bytes: a str16 header counting the type byte.
        let value = vec![0u8; 11 + 3072];
        let out = bytes(&get_union_count("h", vec![Value::hll(value)]));
        assert_eq!(out[..7], [0x92, 52, 0x91, 0xda, 0x0c, 0x0c, 18]);
        assert_eq!(out.len(), 7 + 11 + 3072);
    }

    #[test]
    fn codes_and_classes() {
        let all = [
            (init("h", None, None, None), 0),
            (add("h", vec![], None, None, None), 1),
            (set_union("h", vec![], None), 2),
            (refresh_count("h"), 3),
            (fold("h", 4), 4),
            (get_count("h"), 50),
            (get_union("h", vec![]), 51),
            (get_union_count("h", vec![]), 52),
            (get_intersect_count("h", vec![]), 53),
            (get_similarity("h", vec![]), 54),
            (describe("h"), 55),
            (may_contain("h", vec![]), 56),
        ];
        for (op, code) in all {
            let Operation::Hll(bin, hll) = &op else { unreachable!() };
            assert_eq!((bin.as_str(), hll.code()), ("h", code));
            assert_eq!(op.is_write(), code < 50, "{op:?}");
        }
    }
}

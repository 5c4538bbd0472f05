//! Bit operations on blob bins (PROTOCOL-DATA.md §B.1–B.3): their arguments and flags, and
//! their encoding, byte for byte what the official C client (`as_bit_operations.c`) sends.
//!
//! An operation travels in an `as_msg` op of type 12 (BITS_READ) or 13 (BITS_MODIFY) on its
//! bin, with particle type 4 (BLOB) and the payload `[op_code, args...]` in Aerospike's msgpack
//! ([`crate::msgpack`]). Bit 0 is the most significant bit of byte 0; negative offsets count
//! from the end of the blob. The functions of this module build the [`crate::Operation`]s of
//! [`crate::Client::operate`]:
//!
//! ```
//! use scramjet::bits::{self, BitOverflowAction};
//! let ops = [
//!     bits::resize("flags", 4, None, Default::default()),
//!     bits::set("flags", 0, 8, vec![0xff], None),
//!     bits::add("flags", 8, 8, 200, false, BitOverflowAction::Saturate, None),
//!     bits::count("flags", 0, 32),
//!     bits::get("flags", 0, 16),
//! ];
//! ```
//!
//! Modify operations answer nothing; [`get`] answers a blob, the other reads an integer, each
//! in a bin named after the operation's bin.

use crate::cdt::flags;
use crate::command::Operation;
use crate::msgpack;

flags! {
    /// Bit write flags (B.3), combined with `|`.
    BitWriteFlags {
        /// Default: create or update.
        DEFAULT = 0,
        /// The bin must not exist (6 BIN_EXISTS).
        CREATE_ONLY = 0x01,
        /// The bin must exist (17 BIN_NOT_FOUND).
        UPDATE_ONLY = 0x02,
        /// Turn failures into no-ops.
        NO_FAIL = 0x04,
        /// Let operations run off the end of the blob (truncated).
        PARTIAL = 0x08,
    }
}

flags! {
    /// Resize flags (B.3), combined with `|`.
    BitResizeFlags {
        /// Default: grow or shrink at the end.
        DEFAULT = 0,
        /// Grow or shrink at the front.
        FROM_FRONT = 0x01,
        /// Refuse (4) to shrink.
        GROW_ONLY = 0x02,
        /// Refuse (4) to grow.
        SHRINK_ONLY = 0x04,
    }
}

/// The policy of bit writes: write flags.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct BitPolicy {
    /// Write flags.
    pub flags: BitWriteFlags,
}

/// What add and subtract do on overflow (B.3).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum BitOverflowAction {
    /// Fail (26).
    #[default]
    Fail = 0,
    /// Clamp to the largest or smallest value.
    Saturate = 2,
    /// Wrap around.
    Wrap = 4,
}

impl BitOverflowAction {
    /// The action of wire value `v` (0, 2 or 4).
    pub fn from_u32(v: u32) -> Option<BitOverflowAction> {
        match v {
            0 => Some(BitOverflowAction::Fail),
            2 => Some(BitOverflowAction::Saturate),
            4 => Some(BitOverflowAction::Wrap),
            _ => None,
        }
    }
}

/// The SIGNED bit of the action / integer flags.
const SIGNED: u64 = 0x01;

/// One bit operation (B.2), one variant per op code.
#[derive(Debug, Clone, PartialEq)]
pub enum BitOp {
    /// 0: resize the blob to `byte_size` bytes (creating a missing bin), zero-filled.
    Resize { byte_size: u32, policy: Option<BitPolicy>, flags: BitResizeFlags },
    /// 1: insert bytes at a byte offset (creating a missing bin).
    Insert { byte_offset: i32, bytes: Vec<u8>, policy: Option<BitPolicy> },
    /// 2: remove `byte_size` bytes at a byte offset.
    Remove { byte_offset: i32, byte_size: u32, policy: Option<BitPolicy> },
    /// 3: set bits from `bytes`.
    Set { bit_offset: i32, bit_size: u32, bytes: Vec<u8>, policy: Option<BitPolicy> },
    /// 4: OR with `bytes`.
    Or { bit_offset: i32, bit_size: u32, bytes: Vec<u8>, policy: Option<BitPolicy> },
    /// 5: XOR with `bytes`.
    Xor { bit_offset: i32, bit_size: u32, bytes: Vec<u8>, policy: Option<BitPolicy> },
    /// 6: AND with `bytes`.
    And { bit_offset: i32, bit_size: u32, bytes: Vec<u8>, policy: Option<BitPolicy> },
    /// 7: negate bits.
    Not { bit_offset: i32, bit_size: u32, policy: Option<BitPolicy> },
    /// 8: shift bits left, filling with zeros.
    LShift { bit_offset: i32, bit_size: u32, shift: u32, policy: Option<BitPolicy> },
    /// 9: shift bits right, filling with zeros.
    RShift { bit_offset: i32, bit_size: u32, shift: u32, policy: Option<BitPolicy> },
    /// 10: add `value` to the (`signed`) integer in the bits.
    Add {
        bit_offset: i32,
        bit_size: u32,
        value: i64,
        signed: bool,
        action: BitOverflowAction,
        policy: Option<BitPolicy>,
    },
    /// 11: subtract `value` from the (`signed`) integer in the bits.
    Subtract {
        bit_offset: i32,
        bit_size: u32,
        value: i64,
        signed: bool,
        action: BitOverflowAction,
        policy: Option<BitPolicy>,
    },
    /// 12: set the bits to the integer `value`.
    SetInt { bit_offset: i32, bit_size: u32, value: i64, policy: Option<BitPolicy> },
    /// 50: the bits, as a blob (left-aligned, tail bits zero).
    Get { bit_offset: i32, bit_size: u32 },
    /// 51: the number of 1 bits.
    Count { bit_offset: i32, bit_size: u32 },
    /// 52: the offset (from `bit_offset`) of the first bit equal to `value`, or −1.
    LScan { bit_offset: i32, bit_size: u32, value: bool },
    /// 53: the offset (from `bit_offset`) of the last bit equal to `value`, or −1.
    RScan { bit_offset: i32, bit_size: u32, value: bool },
    /// 54: the bits as a big-endian integer, sign-extended if `signed`.
    GetInt { bit_offset: i32, bit_size: u32, signed: bool },
}

impl BitOp {
    /// The op code (B.2).
    pub fn code(&self) -> u8 {
        match self {
            BitOp::Resize { .. } => 0,
            BitOp::Insert { .. } => 1,
            BitOp::Remove { .. } => 2,
            BitOp::Set { .. } => 3,
            BitOp::Or { .. } => 4,
            BitOp::Xor { .. } => 5,
            BitOp::And { .. } => 6,
            BitOp::Not { .. } => 7,
            BitOp::LShift { .. } => 8,
            BitOp::RShift { .. } => 9,
            BitOp::Add { .. } => 10,
            BitOp::Subtract { .. } => 11,
            BitOp::SetInt { .. } => 12,
            BitOp::Get { .. } => 50,
            BitOp::Count { .. } => 51,
            BitOp::LScan { .. } => 52,
            BitOp::RScan { .. } => 53,
            BitOp::GetInt { .. } => 54,
        }
    }

    /// True for the modify ops (codes 0–12).
    pub fn is_modify(&self) -> bool {
        self.code() < 50
    }

    /// Appends the payload `[code, args...]`, as the C client does: modify ops always carry
    /// their write flags (0 without a policy).
    pub fn encode(&self, out: &mut Vec<u8>) {
        let flags = |p: &Option<BitPolicy>| Arg::U(u64::from(p.map_or(0, |p| p.flags.0)));
        let off = |o: &i32| Arg::I(i64::from(*o));
        let size = |s: &u32| Arg::U(u64::from(*s));
        let args: Vec<Arg<'_>> = match self {
            BitOp::Resize { byte_size, policy, flags: f } => {
                vec![size(byte_size), flags(policy), Arg::U(u64::from(f.0))]
            }
            BitOp::Insert { byte_offset, bytes, policy } => vec![off(byte_offset), Arg::B(bytes), flags(policy)],
            BitOp::Remove { byte_offset, byte_size, policy } => vec![off(byte_offset), size(byte_size), flags(policy)],
            BitOp::Set { bit_offset, bit_size, bytes, policy }
            | BitOp::Or { bit_offset, bit_size, bytes, policy }
            | BitOp::Xor { bit_offset, bit_size, bytes, policy }
            | BitOp::And { bit_offset, bit_size, bytes, policy } => {
                vec![off(bit_offset), size(bit_size), Arg::B(bytes), flags(policy)]
            }
            BitOp::Not { bit_offset, bit_size, policy } => vec![off(bit_offset), size(bit_size), flags(policy)],
            BitOp::LShift { bit_offset, bit_size, shift, policy }
            | BitOp::RShift { bit_offset, bit_size, shift, policy } => {
                vec![off(bit_offset), size(bit_size), size(shift), flags(policy)]
            }
            BitOp::Add { bit_offset, bit_size, value, signed, action, policy }
            | BitOp::Subtract { bit_offset, bit_size, value, signed, action, policy } => {
                let math = *action as u64 | if *signed { SIGNED } else { 0 };
                vec![off(bit_offset), size(bit_size), Arg::I(*value), flags(policy), Arg::U(math)]
            }
            BitOp::SetInt { bit_offset, bit_size, value, policy } => {
                vec![off(bit_offset), size(bit_size), Arg::I(*value), flags(policy)]
            }
            BitOp::Get { bit_offset, bit_size } | BitOp::Count { bit_offset, bit_size } => {
                vec![off(bit_offset), size(bit_size)]
            }
            BitOp::LScan { bit_offset, bit_size, value } | BitOp::RScan { bit_offset, bit_size, value } => {
                vec![off(bit_offset), size(bit_size), Arg::Bool(*value)]
            }
            BitOp::GetInt { bit_offset, bit_size, signed } => {
                let mut a = vec![off(bit_offset), size(bit_size)];
                if *signed {
                    a.push(Arg::U(SIGNED));
                }
                a
            }
        };
        msgpack::pack_list_header(out, 1 + args.len());
        msgpack::pack_uint(out, u64::from(self.code()));
        for arg in args {
            match arg {
                Arg::I(i) => msgpack::pack_int(out, i),
                Arg::U(u) => msgpack::pack_uint(out, u),
                Arg::Bool(b) => out.push(if b { 0xc3 } else { 0xc2 }),
                Arg::B(b) => msgpack::pack(out, &crate::value::Value::Bytes(b.to_vec())),
            }
        }
    }
}

/// One argument of a payload.
enum Arg<'a> {
    I(i64),
    U(u64),
    Bool(bool),
    B(&'a [u8]),
}

fn op(bin: impl Into<String>, op: BitOp) -> Operation {
    Operation::Bit(bin.into(), op)
}

/// Resizes the blob to `byte_size` bytes (creating the bin if missing; new bytes are zero),
/// at the end or, with [`BitResizeFlags::FROM_FRONT`], at the front.
pub fn resize(bin: impl Into<String>, byte_size: u32, policy: Option<BitPolicy>, flags: BitResizeFlags) -> Operation {
    op(bin, BitOp::Resize { byte_size, policy, flags })
}

/// Inserts `bytes` at `byte_offset` (creating the bin if missing).
pub fn insert(bin: impl Into<String>, byte_offset: i32, bytes: Vec<u8>, policy: Option<BitPolicy>) -> Operation {
    op(bin, BitOp::Insert { byte_offset, bytes, policy })
}

/// Removes `byte_size` bytes at `byte_offset`.
pub fn remove(bin: impl Into<String>, byte_offset: i32, byte_size: u32, policy: Option<BitPolicy>) -> Operation {
    op(bin, BitOp::Remove { byte_offset, byte_size, policy })
}

/// Sets `bit_size` bits at `bit_offset` to the leading bits of `bytes`.
pub fn set(
    bin: impl Into<String>,
    bit_offset: i32,
    bit_size: u32,
    bytes: Vec<u8>,
    policy: Option<BitPolicy>,
) -> Operation {
    op(bin, BitOp::Set { bit_offset, bit_size, bytes, policy })
}

/// ORs `bit_size` bits at `bit_offset` with the leading bits of `bytes`.
pub fn or(
    bin: impl Into<String>,
    bit_offset: i32,
    bit_size: u32,
    bytes: Vec<u8>,
    policy: Option<BitPolicy>,
) -> Operation {
    op(bin, BitOp::Or { bit_offset, bit_size, bytes, policy })
}

/// XORs `bit_size` bits at `bit_offset` with the leading bits of `bytes`.
pub fn xor(
    bin: impl Into<String>,
    bit_offset: i32,
    bit_size: u32,
    bytes: Vec<u8>,
    policy: Option<BitPolicy>,
) -> Operation {
    op(bin, BitOp::Xor { bit_offset, bit_size, bytes, policy })
}

/// ANDs `bit_size` bits at `bit_offset` with the leading bits of `bytes`.
pub fn and(
    bin: impl Into<String>,
    bit_offset: i32,
    bit_size: u32,
    bytes: Vec<u8>,
    policy: Option<BitPolicy>,
) -> Operation {
    op(bin, BitOp::And { bit_offset, bit_size, bytes, policy })
}

/// Negates `bit_size` bits at `bit_offset`.
pub fn not(bin: impl Into<String>, bit_offset: i32, bit_size: u32, policy: Option<BitPolicy>) -> Operation {
    op(bin, BitOp::Not { bit_offset, bit_size, policy })
}

/// Shifts `bit_size` bits at `bit_offset` left by `shift`.
pub fn lshift(
    bin: impl Into<String>,
    bit_offset: i32,
    bit_size: u32,
    shift: u32,
    policy: Option<BitPolicy>,
) -> Operation {
    op(bin, BitOp::LShift { bit_offset, bit_size, shift, policy })
}

/// Shifts `bit_size` bits at `bit_offset` right by `shift`.
pub fn rshift(
    bin: impl Into<String>,
    bit_offset: i32,
    bit_size: u32,
    shift: u32,
    policy: Option<BitPolicy>,
) -> Operation {
    op(bin, BitOp::RShift { bit_offset, bit_size, shift, policy })
}

/// Adds `value` to the integer in `bit_size` (1–64) bits at `bit_offset`, two's complement if
/// `signed`, doing `action` on overflow.
pub fn add(
    bin: impl Into<String>,
    bit_offset: i32,
    bit_size: u32,
    value: i64,
    signed: bool,
    action: BitOverflowAction,
    policy: Option<BitPolicy>,
) -> Operation {
    op(bin, BitOp::Add { bit_offset, bit_size, value, signed, action, policy })
}

/// Subtracts `value` from the integer in `bit_size` (1–64) bits at `bit_offset`, two's
/// complement if `signed`, doing `action` on overflow.
pub fn subtract(
    bin: impl Into<String>,
    bit_offset: i32,
    bit_size: u32,
    value: i64,
    signed: bool,
    action: BitOverflowAction,
    policy: Option<BitPolicy>,
) -> Operation {
    op(bin, BitOp::Subtract { bit_offset, bit_size, value, signed, action, policy })
}

/// Sets `bit_size` (1–64) bits at `bit_offset` to the integer `value`.
pub fn set_int(
    bin: impl Into<String>,
    bit_offset: i32,
    bit_size: u32,
    value: i64,
    policy: Option<BitPolicy>,
) -> Operation {
    op(bin, BitOp::SetInt { bit_offset, bit_size, value, policy })
}

/// Reads `bit_size` bits at `bit_offset`. Result: a blob of ⌈bit_size/8⌉ bytes.
pub fn get(bin: impl Into<String>, bit_offset: i32, bit_size: u32) -> Operation {
    op(bin, BitOp::Get { bit_offset, bit_size })
}

/// Counts the 1 bits of `bit_size` bits at `bit_offset`. Result: an integer.
pub fn count(bin: impl Into<String>, bit_offset: i32, bit_size: u32) -> Operation {
    op(bin, BitOp::Count { bit_offset, bit_size })
}

/// Finds the first bit equal to `value`, scanning left to right. Result: its offset from
/// `bit_offset`, or −1.
pub fn lscan(bin: impl Into<String>, bit_offset: i32, bit_size: u32, value: bool) -> Operation {
    op(bin, BitOp::LScan { bit_offset, bit_size, value })
}

/// Finds the last bit equal to `value`, scanning right to left. Result: its offset from
/// `bit_offset`, or −1.
pub fn rscan(bin: impl Into<String>, bit_offset: i32, bit_size: u32, value: bool) -> Operation {
    op(bin, BitOp::RScan { bit_offset, bit_size, value })
}

/// Reads `bit_size` (1–64) bits at `bit_offset` as a big-endian integer, sign-extended if
/// `signed`. Result: an integer.
pub fn get_int(bin: impl Into<String>, bit_offset: i32, bit_size: u32, signed: bool) -> Operation {
    op(bin, BitOp::GetInt { bit_offset, bit_size, signed })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bytes(op: &Operation) -> Vec<u8> {
        let Operation::Bit(_, op) = op else { panic!("not a bit operation: {op:?}") };
        let mut out = Vec::new();
        op.encode(&mut out);
        out
    }

    fn policy(flags: BitWriteFlags) -> Option<BitPolicy> {
        Some(BitPolicy { flags })
    }

    #[test]
    fn modify_ops_carry_their_flags_as_the_c_client_does() {
        assert_eq!(bytes(&resize("b", 4, None, BitResizeFlags::DEFAULT)), [0x94, 0, 4, 0, 0]);
        let r = resize(
            "b",
            300,
            policy(BitWriteFlags::CREATE_ONLY),
            BitResizeFlags::FROM_FRONT | BitResizeFlags::GROW_ONLY,
        );
        assert_eq!(bytes(&r), [0x94, 0, 0xcd, 0x01, 0x2c, 1, 3]);
        // Bytes: str-family header, type byte 4, data.
        assert_eq!(bytes(&insert("b", -1, vec![0xab, 0xcd], None)), [0x94, 1, 0xff, 0xa3, 4, 0xab, 0xcd, 0]);
        assert_eq!(bytes(&remove("b", 1, 2, policy(BitWriteFlags::PARTIAL))), [0x94, 2, 1, 2, 8]);
        assert_eq!(bytes(&set("b", 3, 8, vec![0xff], None)), [0x95, 3, 3, 8, 0xa2, 4, 0xff, 0]);
        assert_eq!(bytes(&or("b", 0, 8, vec![1], None)), [0x95, 4, 0, 8, 0xa2, 4, 1, 0]);
        assert_eq!(bytes(&xor("b", 0, 8, vec![1], None)), [0x95, 5, 0, 8, 0xa2, 4, 1, 0]);
        let nf = policy(BitWriteFlags::UPDATE_ONLY | BitWriteFlags::NO_FAIL);
        assert_eq!(bytes(&and("b", -8, 8, vec![1], nf)), [0x95, 6, 0xf8, 8, 0xa2, 4, 1, 6]);
        assert_eq!(bytes(&not("b", 0, 16, None)), [0x94, 7, 0, 16, 0]);
        assert_eq!(bytes(&lshift("b", 0, 16, 3, None)), [0x95, 8, 0, 16, 3, 0]);
        assert_eq!(bytes(&rshift("b", 0, 16, 3, None)), [0x95, 9, 0, 16, 3, 0]);
    }

    #[test]
    fn add_and_subtract_carry_the_action_and_sign() {
        assert_eq!(
            bytes(&add("b", 8, 8, 200, false, BitOverflowAction::Fail, None)),
            [0x96, 10, 8, 8, 0xcc, 200, 0, 0]
        );
        assert_eq!(bytes(&add("b", 0, 8, 1, false, BitOverflowAction::Saturate, None)), [0x96, 10, 0, 8, 1, 0, 2]);
        assert_eq!(bytes(&add("b", 0, 8, 1, true, BitOverflowAction::Wrap, None)), [0x96, 10, 0, 8, 1, 0, 5]);
        let s = subtract("b", 0, 64, -2, true, BitOverflowAction::Saturate, policy(BitWriteFlags::NO_FAIL));
        assert_eq!(bytes(&s), [0x96, 11, 0, 64, 0xfe, 4, 3]);
        assert_eq!(bytes(&set_int("b", 0, 32, -1, None)), [0x95, 12, 0, 32, 0xff, 0]);
        assert_eq!(bytes(&set_int("b", 0, 64, i64::MIN, None))[..4], [0x95, 12, 0, 64]);
    }

    #[test]
    fn reads_are_bare() {
        assert_eq!(bytes(&get("b", 0, 16)), [0x93, 50, 0, 16]);
        assert_eq!(bytes(&count("b", -16, 16)), [0x93, 51, 0xf0, 16]);
        assert_eq!(bytes(&lscan("b", 0, 16, true)), [0x94, 52, 0, 16, 0xc3]);
        assert_eq!(bytes(&rscan("b", 0, 16, false)), [0x94, 53, 0, 16, 0xc2]);
        assert_eq!(bytes(&get_int("b", 0, 16, false)), [0x93, 54, 0, 16]);
        assert_eq!(bytes(&get_int("b", 0, 16, true)), [0x94, 54, 0, 16, 1]);
    }

    #[test]
    fn codes_and_classes() {
        assert!(resize("b", 1, None, BitResizeFlags::DEFAULT).is_write());
        assert!(set_int("b", 0, 8, 1, None).is_write());
        assert!(!get_int("b", 0, 8, false).is_write());
        assert!(!count("b", 0, 8).is_write());
        assert_eq!(BitOverflowAction::from_u32(2), Some(BitOverflowAction::Saturate));
        assert_eq!(BitOverflowAction::from_u32(1), None);
    }
}

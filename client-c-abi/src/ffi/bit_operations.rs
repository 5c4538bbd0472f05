//! `sj_operations_bit_*`: bit operations on blob bins (PROTOCOL-DATA B.2) for `sj_operate`, one
//! function per operation, encoded as the official C client encodes them.
//!
//! Common arguments: `bin` names the blob's bin; bit 0 is the most significant bit of byte 0, and
//! negative offsets count from the end of the blob; `flags` are `SJ_BIT_WRITE_*` flags, OR-ed (0 for
//! none). Bytes are copied. Modify operations answer nothing; `sj_operations_bit_get` answers a blob
//! and the other reads an integer, in a bin named `bin` of the record `sj_operate` returns.

use std::ffi::c_char;

use super::helpers::{bytes, guard, object_mut, text};
use super::types::{sj_error, sj_operations};
use crate::bits::{BitOp, BitOverflowAction, BitPolicy, BitResizeFlags, BitWriteFlags};
use crate::command::Operation;
use crate::error::{code, Error, Result};

/// Adds the bit operation `make` builds on `bin` to `ops`; nothing when an argument is bad.
///
/// # Safety
/// `err` is NULL or writable; `ops` is valid; `bin` is NUL-terminated.
unsafe fn add(
    err: *mut sj_error,
    ops: *mut sj_operations,
    bin: *const c_char,
    make: impl FnOnce() -> Result<BitOp>,
) -> i32 {
    guard(err, || {
        // SAFETY: the caller's contract.
        let (ops, name) = unsafe { (object_mut(ops, "operations")?, text(bin, "bin name")?) };
        crate::value::check_bin_name(name)?;
        ops.0.push(Operation::Bit(name.to_string(), make()?));
        Ok(())
    })
}

fn policy(flags: u32) -> Option<BitPolicy> {
    (flags != 0).then_some(BitPolicy { flags: BitWriteFlags(flags) })
}

fn action(action: u32) -> Result<BitOverflowAction> {
    BitOverflowAction::from_u32(action)
        .ok_or_else(|| Error::new(code::PARAM, format!("unknown overflow action {action}")))
}

/// # Safety
/// `data` is NULL with `len` 0, or holds `len` bytes.
unsafe fn operand(data: *const u8, len: usize) -> Result<Vec<u8>> {
    // SAFETY: the caller's contract.
    Ok(unsafe { bytes(data, len, "bytes") }?.to_vec())
}

/// Resizes the blob to `byte_size` bytes (creating the bin if missing; new bytes are zero), at
/// the end or, with `SJ_BIT_RESIZE_FROM_FRONT` in `resize_flags`, at the front.
///
/// # Safety
/// `err` is NULL or writable; `ops` is valid; `bin` is NUL-terminated.
#[no_mangle]
pub unsafe extern "C" fn sj_operations_bit_resize(
    err: *mut sj_error,
    ops: *mut sj_operations,
    bin: *const c_char,
    byte_size: u32,
    flags: u32,
    resize_flags: u32,
) -> i32 {
    // SAFETY: the caller's contract, as documented above.
    unsafe {
        add(err, ops, bin, || {
            Ok(BitOp::Resize { byte_size, policy: policy(flags), flags: BitResizeFlags(resize_flags) })
        })
    }
}

/// Inserts the `len` bytes at `data` at `byte_offset` (creating the bin if missing).
///
/// # Safety
/// `err` is NULL or writable; `ops` is valid; `bin` is NUL-terminated; `data` holds `len` bytes (NULL if 0).
#[no_mangle]
pub unsafe extern "C" fn sj_operations_bit_insert(
    err: *mut sj_error,
    ops: *mut sj_operations,
    bin: *const c_char,
    byte_offset: i32,
    data: *const u8,
    len: usize,
    flags: u32,
) -> i32 {
    // SAFETY: the caller's contract, as documented above.
    unsafe {
        add(err, ops, bin, || Ok(BitOp::Insert { byte_offset, bytes: operand(data, len)?, policy: policy(flags) }))
    }
}

/// Removes `byte_size` bytes at `byte_offset`.
///
/// # Safety
/// `err` is NULL or writable; `ops` is valid; `bin` is NUL-terminated.
#[no_mangle]
pub unsafe extern "C" fn sj_operations_bit_remove(
    err: *mut sj_error,
    ops: *mut sj_operations,
    bin: *const c_char,
    byte_offset: i32,
    byte_size: u32,
    flags: u32,
) -> i32 {
    // SAFETY: the caller's contract, as documented above.
    unsafe { add(err, ops, bin, || Ok(BitOp::Remove { byte_offset, byte_size, policy: policy(flags) })) }
}

/// Sets `bit_size` bits at `bit_offset` to the leading bits of the `len` bytes at `data`.
///
/// # Safety
/// `err` is NULL or writable; `ops` is valid; `bin` is NUL-terminated; `data` holds `len` bytes (NULL if 0).
#[no_mangle]
pub unsafe extern "C" fn sj_operations_bit_set(
    err: *mut sj_error,
    ops: *mut sj_operations,
    bin: *const c_char,
    bit_offset: i32,
    bit_size: u32,
    data: *const u8,
    len: usize,
    flags: u32,
) -> i32 {
    // SAFETY: the caller's contract, as documented above.
    unsafe {
        add(err, ops, bin, || {
            Ok(BitOp::Set { bit_offset, bit_size, bytes: operand(data, len)?, policy: policy(flags) })
        })
    }
}

/// ORs `bit_size` bits at `bit_offset` with the leading bits of the `len` bytes at `data`.
///
/// # Safety
/// `err` is NULL or writable; `ops` is valid; `bin` is NUL-terminated; `data` holds `len` bytes (NULL if 0).
#[no_mangle]
pub unsafe extern "C" fn sj_operations_bit_or(
    err: *mut sj_error,
    ops: *mut sj_operations,
    bin: *const c_char,
    bit_offset: i32,
    bit_size: u32,
    data: *const u8,
    len: usize,
    flags: u32,
) -> i32 {
    // SAFETY: the caller's contract, as documented above.
    unsafe {
        add(err, ops, bin, || Ok(BitOp::Or { bit_offset, bit_size, bytes: operand(data, len)?, policy: policy(flags) }))
    }
}

/// XORs `bit_size` bits at `bit_offset` with the leading bits of the `len` bytes at `data`.
///
/// # Safety
/// `err` is NULL or writable; `ops` is valid; `bin` is NUL-terminated; `data` holds `len` bytes (NULL if 0).
#[no_mangle]
pub unsafe extern "C" fn sj_operations_bit_xor(
    err: *mut sj_error,
    ops: *mut sj_operations,
    bin: *const c_char,
    bit_offset: i32,
    bit_size: u32,
    data: *const u8,
    len: usize,
    flags: u32,
) -> i32 {
    // SAFETY: the caller's contract, as documented above.
    unsafe {
        add(err, ops, bin, || {
            Ok(BitOp::Xor { bit_offset, bit_size, bytes: operand(data, len)?, policy: policy(flags) })
        })
    }
}

/// ANDs `bit_size` bits at `bit_offset` with the leading bits of the `len` bytes at `data`.
///
/// # Safety
/// `err` is NULL or writable; `ops` is valid; `bin` is NUL-terminated; `data` holds `len` bytes (NULL if 0).
#[no_mangle]
pub unsafe extern "C" fn sj_operations_bit_and(
    err: *mut sj_error,
    ops: *mut sj_operations,
    bin: *const c_char,
    bit_offset: i32,
    bit_size: u32,
    data: *const u8,
    len: usize,
    flags: u32,
) -> i32 {
    // SAFETY: the caller's contract, as documented above.
    unsafe {
        add(err, ops, bin, || {
            Ok(BitOp::And { bit_offset, bit_size, bytes: operand(data, len)?, policy: policy(flags) })
        })
    }
}

/// Negates `bit_size` bits at `bit_offset`.
///
/// # Safety
/// `err` is NULL or writable; `ops` is valid; `bin` is NUL-terminated.
#[no_mangle]
pub unsafe extern "C" fn sj_operations_bit_not(
    err: *mut sj_error,
    ops: *mut sj_operations,
    bin: *const c_char,
    bit_offset: i32,
    bit_size: u32,
    flags: u32,
) -> i32 {
    // SAFETY: the caller's contract, as documented above.
    unsafe { add(err, ops, bin, || Ok(BitOp::Not { bit_offset, bit_size, policy: policy(flags) })) }
}

/// Shifts `bit_size` bits at `bit_offset` left by `shift`, filling with zeros.
///
/// # Safety
/// `err` is NULL or writable; `ops` is valid; `bin` is NUL-terminated.
#[no_mangle]
pub unsafe extern "C" fn sj_operations_bit_lshift(
    err: *mut sj_error,
    ops: *mut sj_operations,
    bin: *const c_char,
    bit_offset: i32,
    bit_size: u32,
    shift: u32,
    flags: u32,
) -> i32 {
    // SAFETY: the caller's contract, as documented above.
    unsafe { add(err, ops, bin, || Ok(BitOp::LShift { bit_offset, bit_size, shift, policy: policy(flags) })) }
}

/// Shifts `bit_size` bits at `bit_offset` right by `shift`, filling with zeros.
///
/// # Safety
/// `err` is NULL or writable; `ops` is valid; `bin` is NUL-terminated.
#[no_mangle]
pub unsafe extern "C" fn sj_operations_bit_rshift(
    err: *mut sj_error,
    ops: *mut sj_operations,
    bin: *const c_char,
    bit_offset: i32,
    bit_size: u32,
    shift: u32,
    flags: u32,
) -> i32 {
    // SAFETY: the caller's contract, as documented above.
    unsafe { add(err, ops, bin, || Ok(BitOp::RShift { bit_offset, bit_size, shift, policy: policy(flags) })) }
}

/// Adds `value` to the integer in `bit_size` (1–64) bits at `bit_offset`, two's complement if
/// `is_signed`, doing `action` (`SJ_BIT_OVERFLOW_*`) on overflow.
///
/// # Safety
/// `err` is NULL or writable; `ops` is valid; `bin` is NUL-terminated.
#[no_mangle]
pub unsafe extern "C" fn sj_operations_bit_add(
    err: *mut sj_error,
    ops: *mut sj_operations,
    bin: *const c_char,
    bit_offset: i32,
    bit_size: u32,
    value: i64,
    is_signed: bool,
    action: u32,
    flags: u32,
) -> i32 {
    // SAFETY: the caller's contract, as documented above.
    unsafe {
        add(err, ops, bin, || {
            Ok(BitOp::Add {
                bit_offset,
                bit_size,
                value,
                signed: is_signed,
                action: self::action(action)?,
                policy: policy(flags),
            })
        })
    }
}

/// Subtracts `value` from the integer in `bit_size` (1–64) bits at `bit_offset`, two's complement
/// if `is_signed`, doing `action` (`SJ_BIT_OVERFLOW_*`) on overflow.
///
/// # Safety
/// `err` is NULL or writable; `ops` is valid; `bin` is NUL-terminated.
#[no_mangle]
pub unsafe extern "C" fn sj_operations_bit_subtract(
    err: *mut sj_error,
    ops: *mut sj_operations,
    bin: *const c_char,
    bit_offset: i32,
    bit_size: u32,
    value: i64,
    is_signed: bool,
    action: u32,
    flags: u32,
) -> i32 {
    // SAFETY: the caller's contract, as documented above.
    unsafe {
        add(err, ops, bin, || {
            Ok(BitOp::Subtract {
                bit_offset,
                bit_size,
                value,
                signed: is_signed,
                action: self::action(action)?,
                policy: policy(flags),
            })
        })
    }
}

/// Sets `bit_size` (1–64) bits at `bit_offset` to the integer `value`.
///
/// # Safety
/// `err` is NULL or writable; `ops` is valid; `bin` is NUL-terminated.
#[no_mangle]
pub unsafe extern "C" fn sj_operations_bit_set_int(
    err: *mut sj_error,
    ops: *mut sj_operations,
    bin: *const c_char,
    bit_offset: i32,
    bit_size: u32,
    value: i64,
    flags: u32,
) -> i32 {
    // SAFETY: the caller's contract, as documented above.
    unsafe { add(err, ops, bin, || Ok(BitOp::SetInt { bit_offset, bit_size, value, policy: policy(flags) })) }
}

/// Reads `bit_size` bits at `bit_offset`. Result: a blob of ⌈bit_size/8⌉ bytes, left-aligned.
///
/// # Safety
/// `err` is NULL or writable; `ops` is valid; `bin` is NUL-terminated.
#[no_mangle]
pub unsafe extern "C" fn sj_operations_bit_get(
    err: *mut sj_error,
    ops: *mut sj_operations,
    bin: *const c_char,
    bit_offset: i32,
    bit_size: u32,
) -> i32 {
    // SAFETY: the caller's contract, as documented above.
    unsafe { add(err, ops, bin, || Ok(BitOp::Get { bit_offset, bit_size })) }
}

/// Counts the 1 bits of `bit_size` bits at `bit_offset`. Result: an integer.
///
/// # Safety
/// `err` is NULL or writable; `ops` is valid; `bin` is NUL-terminated.
#[no_mangle]
pub unsafe extern "C" fn sj_operations_bit_count(
    err: *mut sj_error,
    ops: *mut sj_operations,
    bin: *const c_char,
    bit_offset: i32,
    bit_size: u32,
) -> i32 {
    // SAFETY: the caller's contract, as documented above.
    unsafe { add(err, ops, bin, || Ok(BitOp::Count { bit_offset, bit_size })) }
}

/// Finds the first bit equal to `value`, scanning left to right. Result: its offset from
/// `bit_offset`, or -1.
///
/// # Safety
/// `err` is NULL or writable; `ops` is valid; `bin` is NUL-terminated.
#[no_mangle]
pub unsafe extern "C" fn sj_operations_bit_lscan(
    err: *mut sj_error,
    ops: *mut sj_operations,
    bin: *const c_char,
    bit_offset: i32,
    bit_size: u32,
    value: bool,
) -> i32 {
    // SAFETY: the caller's contract, as documented above.
    unsafe { add(err, ops, bin, || Ok(BitOp::LScan { bit_offset, bit_size, value })) }
}

/// Finds the last bit equal to `value`, scanning right to left. Result: its offset from
/// `bit_offset`, or -1.
///
/// # Safety
/// `err` is NULL or writable; `ops` is valid; `bin` is NUL-terminated.
#[no_mangle]
pub unsafe extern "C" fn sj_operations_bit_rscan(
    err: *mut sj_error,
    ops: *mut sj_operations,
    bin: *const c_char,
    bit_offset: i32,
    bit_size: u32,
    value: bool,
) -> i32 {
    // SAFETY: the caller's contract, as documented above.
    unsafe { add(err, ops, bin, || Ok(BitOp::RScan { bit_offset, bit_size, value })) }
}

/// Reads `bit_size` (1–64) bits at `bit_offset` as a big-endian integer, sign-extended if
/// `is_signed`. Result: an integer.
///
/// # Safety
/// `err` is NULL or writable; `ops` is valid; `bin` is NUL-terminated.
#[no_mangle]
pub unsafe extern "C" fn sj_operations_bit_get_int(
    err: *mut sj_error,
    ops: *mut sj_operations,
    bin: *const c_char,
    bit_offset: i32,
    bit_size: u32,
    is_signed: bool,
) -> i32 {
    // SAFETY: the caller's contract, as documented above.
    unsafe { add(err, ops, bin, || Ok(BitOp::GetInt { bit_offset, bit_size, signed: is_signed })) }
}

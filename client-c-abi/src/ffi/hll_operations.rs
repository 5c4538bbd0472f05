//! `sj_operations_hll_*`: HyperLogLog operations on HLL bins (PROTOCOL-DATA B.4) for `sj_operate`,
//! one function per operation, named after the C client's `as_operations_hll_*` and encoded as it
//! encodes them.
//!
//! Common arguments: `bin` names the HLL bin; `index_bit_count` (4–16) and `mh_bit_count` (0 or
//! 4–51) may be `SJ_HLL_BITS_NOT_GIVEN` (-1); `flags` are `SJ_HLL_WRITE_*` flags, OR-ed (0 for
//! none). Elements (`values`, `n`) are an array of scalar values; HLL operands (`hlls`, `n`) an
//! array of HLL values (`SJ_TYPE_HLL`, as read from a record, or made with `sj_value_hll`). Values
//! are copied; ranges and rules are the server's to check (`SJ_ERR_PARAMETER`,
//! `SJ_ERR_OP_NOT_APPLICABLE`, ...). Each operation answers a bin named `bin` in the record
//! `sj_operate` returns (nil for init, set-union and fold).

use std::ffi::c_char;

use super::constants::SJ_HLL_BITS_NOT_GIVEN;
use super::convert::values_in;
use super::helpers::{guard, object_mut, text};
use super::types::{sj_error, sj_operations, sj_value};
use crate::command::Operation;
use crate::error::Result;
use crate::hll::{HllOp, HllPolicy, HllWriteFlags};

/// Adds the HLL operation `make` builds on `bin` to `ops`; nothing when an argument is bad.
///
/// # Safety
/// `err` is NULL or writable; `ops` is valid; `bin` is NUL-terminated.
unsafe fn add(
    err: *mut sj_error,
    ops: *mut sj_operations,
    bin: *const c_char,
    make: impl FnOnce() -> Result<HllOp>,
) -> i32 {
    guard(err, || {
        // SAFETY: the caller's contract.
        let (ops, name) = unsafe { (object_mut(ops, "operations")?, text(bin, "bin name")?) };
        crate::value::check_bin_name(name)?;
        ops.0.push(Operation::Hll(name.to_string(), make()?));
        Ok(())
    })
}

fn policy(flags: u32) -> Option<HllPolicy> {
    (flags != 0).then_some(HllPolicy { flags: HllWriteFlags(flags) })
}

fn bits(count: i32) -> Option<i32> {
    (count != SJ_HLL_BITS_NOT_GIVEN).then_some(count)
}

/// Creates an empty HLL of `index_bit_count` and `mh_bit_count` bits, or empties the bin's,
/// keeping the bit counts given as `SJ_HLL_BITS_NOT_GIVEN`.
///
/// # Safety
/// `err` is NULL or writable; `ops` is valid; `bin` is NUL-terminated.
#[no_mangle]
pub unsafe extern "C" fn sj_operations_hll_init(
    err: *mut sj_error,
    ops: *mut sj_operations,
    bin: *const c_char,
    index_bit_count: i32,
    mh_bit_count: i32,
    flags: u32,
) -> i32 {
    // SAFETY: the caller's contract, as documented above.
    unsafe {
        add(err, ops, bin, || {
            Ok(HllOp::Init {
                index_bits: bits(index_bit_count),
                minhash_bits: bits(mh_bit_count),
                policy: policy(flags),
            })
        })
    }
}

/// Adds the `n` elements at `values`, creating the bin with `index_bit_count` and `mh_bit_count`
/// bits if it is missing (an existing bin keeps its own). Result: the number of registers raised.
///
/// # Safety
/// `err` is NULL or writable; `ops` is valid; `bin` is NUL-terminated; `values` holds `n` valid
/// values (NULL if 0).
#[no_mangle]
pub unsafe extern "C" fn sj_operations_hll_add(
    err: *mut sj_error,
    ops: *mut sj_operations,
    bin: *const c_char,
    values: *const sj_value,
    n: usize,
    index_bit_count: i32,
    mh_bit_count: i32,
    flags: u32,
) -> i32 {
    // SAFETY: the caller's contract, as documented above.
    unsafe {
        add(err, ops, bin, || {
            Ok(HllOp::Add {
                values: values_in(values, n)?,
                index_bits: bits(index_bit_count),
                minhash_bits: bits(mh_bit_count),
                policy: policy(flags),
            })
        })
    }
}

/// Sets the bin to its union with the `n` HLL values at `hlls`, creating it if missing.
///
/// # Safety
/// `err` is NULL or writable; `ops` is valid; `bin` is NUL-terminated; `hlls` holds `n` valid
/// values (NULL if 0).
#[no_mangle]
pub unsafe extern "C" fn sj_operations_hll_set_union(
    err: *mut sj_error,
    ops: *mut sj_operations,
    bin: *const c_char,
    hlls: *const sj_value,
    n: usize,
    flags: u32,
) -> i32 {
    // SAFETY: the caller's contract, as documented above.
    unsafe { add(err, ops, bin, || Ok(HllOp::SetUnion { hlls: values_in(hlls, n)?, policy: policy(flags) })) }
}

/// Refreshes the bin's cached count. Result: the estimated count.
///
/// # Safety
/// `err` is NULL or writable; `ops` is valid; `bin` is NUL-terminated.
#[no_mangle]
pub unsafe extern "C" fn sj_operations_hll_refresh_count(
    err: *mut sj_error,
    ops: *mut sj_operations,
    bin: *const c_char,
) -> i32 {
    // SAFETY: the caller's contract, as documented above.
    unsafe { add(err, ops, bin, || Ok(HllOp::RefreshCount)) }
}

/// Folds the bin to `index_bit_count` index bits (fewer; only an HLL without minhash bits).
///
/// # Safety
/// `err` is NULL or writable; `ops` is valid; `bin` is NUL-terminated.
#[no_mangle]
pub unsafe extern "C" fn sj_operations_hll_fold(
    err: *mut sj_error,
    ops: *mut sj_operations,
    bin: *const c_char,
    index_bit_count: i32,
) -> i32 {
    // SAFETY: the caller's contract, as documented above.
    unsafe { add(err, ops, bin, || Ok(HllOp::Fold { index_bits: index_bit_count })) }
}

/// Result: the estimated count of the bin's HLL (an integer).
///
/// # Safety
/// `err` is NULL or writable; `ops` is valid; `bin` is NUL-terminated.
#[no_mangle]
pub unsafe extern "C" fn sj_operations_hll_get_count(
    err: *mut sj_error,
    ops: *mut sj_operations,
    bin: *const c_char,
) -> i32 {
    // SAFETY: the caller's contract, as documented above.
    unsafe { add(err, ops, bin, || Ok(HllOp::GetCount)) }
}

/// Result: the union of the bin's HLL with the `n` HLL values at `hlls`, an `SJ_TYPE_HLL` value.
///
/// # Safety
/// `err` is NULL or writable; `ops` is valid; `bin` is NUL-terminated; `hlls` holds `n` valid
/// values (NULL if 0).
#[no_mangle]
pub unsafe extern "C" fn sj_operations_hll_get_union(
    err: *mut sj_error,
    ops: *mut sj_operations,
    bin: *const c_char,
    hlls: *const sj_value,
    n: usize,
) -> i32 {
    // SAFETY: the caller's contract, as documented above.
    unsafe { add(err, ops, bin, || Ok(HllOp::GetUnion { hlls: values_in(hlls, n)? })) }
}

/// Result: the estimated count of the union of the bin's HLL with the `n` HLL values at `hlls`.
///
/// # Safety
/// `err` is NULL or writable; `ops` is valid; `bin` is NUL-terminated; `hlls` holds `n` valid
/// values (NULL if 0).
#[no_mangle]
pub unsafe extern "C" fn sj_operations_hll_get_union_count(
    err: *mut sj_error,
    ops: *mut sj_operations,
    bin: *const c_char,
    hlls: *const sj_value,
    n: usize,
) -> i32 {
    // SAFETY: the caller's contract, as documented above.
    unsafe { add(err, ops, bin, || Ok(HllOp::GetUnionCount { hlls: values_in(hlls, n)? })) }
}

/// Result: the estimated count of the intersection of the bin's HLL with the `n` HLL values at
/// `hlls`.
///
/// # Safety
/// `err` is NULL or writable; `ops` is valid; `bin` is NUL-terminated; `hlls` holds `n` valid
/// values (NULL if 0).
#[no_mangle]
pub unsafe extern "C" fn sj_operations_hll_get_intersect_count(
    err: *mut sj_error,
    ops: *mut sj_operations,
    bin: *const c_char,
    hlls: *const sj_value,
    n: usize,
) -> i32 {
    // SAFETY: the caller's contract, as documented above.
    unsafe { add(err, ops, bin, || Ok(HllOp::GetIntersectCount { hlls: values_in(hlls, n)? })) }
}

/// Result: the estimated similarity of the bin's HLL with the `n` HLL values at `hlls` (a double).
///
/// # Safety
/// `err` is NULL or writable; `ops` is valid; `bin` is NUL-terminated; `hlls` holds `n` valid
/// values (NULL if 0).
#[no_mangle]
pub unsafe extern "C" fn sj_operations_hll_get_similarity(
    err: *mut sj_error,
    ops: *mut sj_operations,
    bin: *const c_char,
    hlls: *const sj_value,
    n: usize,
) -> i32 {
    // SAFETY: the caller's contract, as documented above.
    unsafe { add(err, ops, bin, || Ok(HllOp::GetSimilarity { hlls: values_in(hlls, n)? })) }
}

/// Result: the bin's bit counts, a list `[index_bit_count, mh_bit_count]`.
///
/// # Safety
/// `err` is NULL or writable; `ops` is valid; `bin` is NUL-terminated.
#[no_mangle]
pub unsafe extern "C" fn sj_operations_hll_describe(
    err: *mut sj_error,
    ops: *mut sj_operations,
    bin: *const c_char,
) -> i32 {
    // SAFETY: the caller's contract, as documented above.
    unsafe { add(err, ops, bin, || Ok(HllOp::Describe)) }
}

/// Result: 1 if every one of the `n` elements at `values` may be in the bin's HLL, else 0.
///
/// # Safety
/// `err` is NULL or writable; `ops` is valid; `bin` is NUL-terminated; `values` holds `n` valid
/// values (NULL if 0).
#[no_mangle]
pub unsafe extern "C" fn sj_operations_hll_may_contain(
    err: *mut sj_error,
    ops: *mut sj_operations,
    bin: *const c_char,
    values: *const sj_value,
    n: usize,
) -> i32 {
    // SAFETY: the caller's contract, as documented above.
    unsafe { add(err, ops, bin, || Ok(HllOp::MayContain { values: values_in(values, n)? })) }
}

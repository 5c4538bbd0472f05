//! `sj_operations_list_*`: list operations (PROTOCOL-DATA A.2) for `sj_operate`, one function
//! per operation, encoded as the official C client encodes them.
//!
//! Common arguments: `bin` names the list's bin; `ctx` (NULL for none) is the path to a list nested
//! in the bin, which the operation then applies to (see `sj_ctx`); `return_type` is an
//! `SJ_RETURN_*` constant, OR-ed with `SJ_RETURN_INVERTED` to select the complement; a `count` of
//! `SJ_COUNT_TO_END` means "to the end"; `policy` (NULL for none) gives the order of a list the
//! operation creates and the write flags. Values are copied. Each operation that answers adds a bin
//! named `bin` to the record `sj_operate` returns, in the order of the operations.

use std::ffi::c_char;

use super::convert::{count_of, opt_value_in, value_in, value_or, values_in};
use super::operations::push;
use super::types::{sj_ctx, sj_error, sj_list_policy, sj_operations, sj_value};
use crate::cdt::{ListOp, ListOrder, ListPolicy, ListSelector, ListSortFlags, ListWriteFlags, ReturnType};
use crate::command::Operation;
use crate::error::{code, Error, Result};
use crate::value::Value;

/// Adds the list operation `make` builds on `bin` to `ops`.
///
/// # Safety
/// `err` is NULL or writable; `ops` is valid; `bin` is NUL-terminated; `ctx` is NULL or valid.
unsafe fn add(
    err: *mut sj_error,
    ops: *mut sj_operations,
    bin: *const c_char,
    ctx: *const sj_ctx,
    make: impl FnOnce() -> Result<ListOp>,
) -> i32 {
    // SAFETY: the caller's contract.
    unsafe { push(err, ops, bin, ctx, Operation::List, make) }
}

fn list_order(order: u32) -> Result<ListOrder> {
    ListOrder::from_u32(order).ok_or_else(|| Error::new(code::PARAM, format!("unknown list order {order}")))
}

/// # Safety
/// `policy` is NULL or valid.
unsafe fn list_policy(policy: *const sj_list_policy) -> Result<Option<ListPolicy>> {
    // SAFETY: the caller's contract.
    let Some(p) = (unsafe { policy.as_ref() }) else { return Ok(None) };
    Ok(Some(ListPolicy { order: list_order(p.order)?, flags: ListWriteFlags(p.flags) }))
}

/// Sets the list's order (`SJ_LIST_*`), creating an empty list if the bin has none; with
/// `persist_index` the server keeps an index with a top-level ordered list.
///
/// # Safety
/// `err` is NULL or writable; `ops` is valid; `bin` is NUL-terminated; `ctx` is NULL or valid.
#[no_mangle]
pub unsafe extern "C" fn sj_operations_list_set_order(
    err: *mut sj_error,
    ops: *mut sj_operations,
    bin: *const c_char,
    ctx: *const sj_ctx,
    order: u32,
    persist_index: bool,
) -> i32 {
    // SAFETY: the caller's contract, as documented above.
    unsafe { add(err, ops, bin, ctx, || Ok(ListOp::SetOrder { order: list_order(order)?, persist_index })) }
}

/// Creates a list of `order` (`SJ_LIST_*`) where `ctx` leads, if there is none: the last level
/// of `ctx` gets the create flag of `order` (with `pad`, an unordered list may be created past
/// the end of the list holding it, which is padded with nils), as the official client's
/// `as_operations_list_create`. Without a context, sets the order of the bin's list (with
/// `persist_index`, the server keeps an index with it), as `sj_operations_list_set_order`.
///
/// # Safety
/// `err` is NULL or writable; `ops` is valid; `bin` is NUL-terminated; `ctx` is NULL or valid.
#[no_mangle]
pub unsafe extern "C" fn sj_operations_list_create(
    err: *mut sj_error,
    ops: *mut sj_operations,
    bin: *const c_char,
    ctx: *const sj_ctx,
    order: u32,
    pad: bool,
    persist_index: bool,
) -> i32 {
    // SAFETY: the caller's contract, as documented above.
    unsafe { add(err, ops, bin, ctx, || Ok(ListOp::Create { order: list_order(order)?, pad, persist_index })) }
}

/// Sorts the list (`SJ_LIST_SORT_*` flags).
///
/// # Safety
/// `err` is NULL or writable; `ops` is valid; `bin` is NUL-terminated; `ctx` is NULL or valid.
#[no_mangle]
pub unsafe extern "C" fn sj_operations_list_sort(
    err: *mut sj_error,
    ops: *mut sj_operations,
    bin: *const c_char,
    ctx: *const sj_ctx,
    flags: u32,
) -> i32 {
    // SAFETY: the caller's contract, as documented above.
    unsafe { add(err, ops, bin, ctx, || Ok(ListOp::Sort { flags: ListSortFlags(flags) })) }
}

/// Appends `value`. Result: the new size.
///
/// # Safety
/// `err` is NULL or writable; `ops` is valid; `bin` is NUL-terminated; `ctx` is NULL or valid;
/// `value` is valid; `policy` is NULL or valid.
#[no_mangle]
pub unsafe extern "C" fn sj_operations_list_append(
    err: *mut sj_error,
    ops: *mut sj_operations,
    bin: *const c_char,
    ctx: *const sj_ctx,
    value: *const sj_value,
    policy: *const sj_list_policy,
) -> i32 {
    // SAFETY: the caller's contract, as documented above.
    unsafe { add(err, ops, bin, ctx, || Ok(ListOp::Append { value: value_in(value)?, policy: list_policy(policy)? })) }
}

/// Appends the `n` values at `items`. Result: the new size.
///
/// # Safety
/// `err` is NULL or writable; `ops` is valid; `bin` is NUL-terminated; `ctx` is NULL or valid;
/// `items` holds `n` valid values; `policy` is NULL or valid.
#[no_mangle]
pub unsafe extern "C" fn sj_operations_list_append_items(
    err: *mut sj_error,
    ops: *mut sj_operations,
    bin: *const c_char,
    ctx: *const sj_ctx,
    items: *const sj_value,
    n: usize,
    policy: *const sj_list_policy,
) -> i32 {
    // SAFETY: the caller's contract, as documented above.
    unsafe {
        add(err, ops, bin, ctx, || {
            Ok(ListOp::AppendItems { values: values_in(items, n)?, policy: list_policy(policy)? })
        })
    }
}

/// Inserts `value` at `index` (negative: from the end). Result: the new size.
///
/// # Safety
/// `err` is NULL or writable; `ops` is valid; `bin` is NUL-terminated; `ctx` is NULL or valid;
/// `value` is valid; `policy` is NULL or valid.
#[no_mangle]
pub unsafe extern "C" fn sj_operations_list_insert(
    err: *mut sj_error,
    ops: *mut sj_operations,
    bin: *const c_char,
    ctx: *const sj_ctx,
    index: i64,
    value: *const sj_value,
    policy: *const sj_list_policy,
) -> i32 {
    // SAFETY: the caller's contract, as documented above.
    unsafe {
        add(err, ops, bin, ctx, || Ok(ListOp::Insert { index, value: value_in(value)?, policy: list_policy(policy)? }))
    }
}

/// Inserts the `n` values at `items` at `index`. Result: the new size.
///
/// # Safety
/// `err` is NULL or writable; `ops` is valid; `bin` is NUL-terminated; `ctx` is NULL or valid;
/// `items` holds `n` valid values; `policy` is NULL or valid.
#[no_mangle]
pub unsafe extern "C" fn sj_operations_list_insert_items(
    err: *mut sj_error,
    ops: *mut sj_operations,
    bin: *const c_char,
    ctx: *const sj_ctx,
    index: i64,
    items: *const sj_value,
    n: usize,
    policy: *const sj_list_policy,
) -> i32 {
    // SAFETY: the caller's contract, as documented above.
    unsafe {
        add(err, ops, bin, ctx, || {
            Ok(ListOp::InsertItems { index, values: values_in(items, n)?, policy: list_policy(policy)? })
        })
    }
}

/// Adds `delta` (an integer or a double; NULL: 1) to the element at `index`. Result: the new value.
///
/// # Safety
/// `err` is NULL or writable; `ops` is valid; `bin` is NUL-terminated; `ctx` is NULL or valid;
/// `delta` is NULL or valid; `policy` is NULL or valid.
#[no_mangle]
pub unsafe extern "C" fn sj_operations_list_increment(
    err: *mut sj_error,
    ops: *mut sj_operations,
    bin: *const c_char,
    ctx: *const sj_ctx,
    index: i64,
    delta: *const sj_value,
    policy: *const sj_list_policy,
) -> i32 {
    // SAFETY: the caller's contract, as documented above.
    unsafe {
        add(err, ops, bin, ctx, || {
            Ok(ListOp::Increment { index, delta: value_or(delta, Value::Int(1))?, policy: list_policy(policy)? })
        })
    }
}

/// Sets the element at `index` to `value`.
///
/// # Safety
/// `err` is NULL or writable; `ops` is valid; `bin` is NUL-terminated; `ctx` is NULL or valid;
/// `value` is valid; `policy` is NULL or valid.
#[no_mangle]
pub unsafe extern "C" fn sj_operations_list_set(
    err: *mut sj_error,
    ops: *mut sj_operations,
    bin: *const c_char,
    ctx: *const sj_ctx,
    index: i64,
    value: *const sj_value,
    policy: *const sj_list_policy,
) -> i32 {
    // SAFETY: the caller's contract, as documented above.
    unsafe {
        add(err, ops, bin, ctx, || Ok(ListOp::Set { index, value: value_in(value)?, policy: list_policy(policy)? }))
    }
}

/// Removes the element at `index`. Result: the element.
///
/// # Safety
/// `err` is NULL or writable; `ops` is valid; `bin` is NUL-terminated; `ctx` is NULL or valid.
#[no_mangle]
pub unsafe extern "C" fn sj_operations_list_pop(
    err: *mut sj_error,
    ops: *mut sj_operations,
    bin: *const c_char,
    ctx: *const sj_ctx,
    index: i64,
) -> i32 {
    // SAFETY: the caller's contract, as documented above.
    unsafe { add(err, ops, bin, ctx, || Ok(ListOp::Pop { index })) }
}

/// Removes `count` elements (`SJ_COUNT_TO_END`: all) from `index`. Result: a list of them.
///
/// # Safety
/// `err` is NULL or writable; `ops` is valid; `bin` is NUL-terminated; `ctx` is NULL or valid.
#[no_mangle]
pub unsafe extern "C" fn sj_operations_list_pop_range(
    err: *mut sj_error,
    ops: *mut sj_operations,
    bin: *const c_char,
    ctx: *const sj_ctx,
    index: i64,
    count: u64,
) -> i32 {
    // SAFETY: the caller's contract, as documented above.
    unsafe { add(err, ops, bin, ctx, || Ok(ListOp::PopRange { index, count: count_of(count) })) }
}

/// Removes the element at `index`. Result: 1.
///
/// # Safety
/// `err` is NULL or writable; `ops` is valid; `bin` is NUL-terminated; `ctx` is NULL or valid.
#[no_mangle]
pub unsafe extern "C" fn sj_operations_list_remove(
    err: *mut sj_error,
    ops: *mut sj_operations,
    bin: *const c_char,
    ctx: *const sj_ctx,
    index: i64,
) -> i32 {
    // SAFETY: the caller's contract, as documented above.
    unsafe { add(err, ops, bin, ctx, || Ok(ListOp::Remove { index })) }
}

/// Removes `count` elements (`SJ_COUNT_TO_END`: all) from `index`. Result: how many.
///
/// # Safety
/// `err` is NULL or writable; `ops` is valid; `bin` is NUL-terminated; `ctx` is NULL or valid.
#[no_mangle]
pub unsafe extern "C" fn sj_operations_list_remove_range(
    err: *mut sj_error,
    ops: *mut sj_operations,
    bin: *const c_char,
    ctx: *const sj_ctx,
    index: i64,
    count: u64,
) -> i32 {
    // SAFETY: the caller's contract, as documented above.
    unsafe { add(err, ops, bin, ctx, || Ok(ListOp::RemoveRange { index, count: count_of(count) })) }
}

/// Keeps only `count` elements from `index`. Result: how many were removed.
///
/// # Safety
/// `err` is NULL or writable; `ops` is valid; `bin` is NUL-terminated; `ctx` is NULL or valid.
#[no_mangle]
pub unsafe extern "C" fn sj_operations_list_trim(
    err: *mut sj_error,
    ops: *mut sj_operations,
    bin: *const c_char,
    ctx: *const sj_ctx,
    index: i64,
    count: u64,
) -> i32 {
    // SAFETY: the caller's contract, as documented above.
    unsafe { add(err, ops, bin, ctx, || Ok(ListOp::Trim { index, count })) }
}

/// Removes every element.
///
/// # Safety
/// `err` is NULL or writable; `ops` is valid; `bin` is NUL-terminated; `ctx` is NULL or valid.
#[no_mangle]
pub unsafe extern "C" fn sj_operations_list_clear(
    err: *mut sj_error,
    ops: *mut sj_operations,
    bin: *const c_char,
    ctx: *const sj_ctx,
) -> i32 {
    // SAFETY: the caller's contract, as documented above.
    unsafe { add(err, ops, bin, ctx, || Ok(ListOp::Clear)) }
}

/// Result: the number of elements.
///
/// # Safety
/// `err` is NULL or writable; `ops` is valid; `bin` is NUL-terminated; `ctx` is NULL or valid.
#[no_mangle]
pub unsafe extern "C" fn sj_operations_list_size(
    err: *mut sj_error,
    ops: *mut sj_operations,
    bin: *const c_char,
    ctx: *const sj_ctx,
) -> i32 {
    // SAFETY: the caller's contract, as documented above.
    unsafe { add(err, ops, bin, ctx, || Ok(ListOp::Size)) }
}

/// Result: the element at `index` (`SJ_ERR_OP_NOT_APPLICABLE` if there is none).
///
/// # Safety
/// `err` is NULL or writable; `ops` is valid; `bin` is NUL-terminated; `ctx` is NULL or valid.
#[no_mangle]
pub unsafe extern "C" fn sj_operations_list_get(
    err: *mut sj_error,
    ops: *mut sj_operations,
    bin: *const c_char,
    ctx: *const sj_ctx,
    index: i64,
) -> i32 {
    // SAFETY: the caller's contract, as documented above.
    unsafe { add(err, ops, bin, ctx, || Ok(ListOp::Get { index })) }
}

/// Result: a list of `count` elements (`SJ_COUNT_TO_END`: all) from `index`.
///
/// # Safety
/// `err` is NULL or writable; `ops` is valid; `bin` is NUL-terminated; `ctx` is NULL or valid.
#[no_mangle]
pub unsafe extern "C" fn sj_operations_list_get_range(
    err: *mut sj_error,
    ops: *mut sj_operations,
    bin: *const c_char,
    ctx: *const sj_ctx,
    index: i64,
    count: u64,
) -> i32 {
    // SAFETY: the caller's contract, as documented above.
    unsafe { add(err, ops, bin, ctx, || Ok(ListOp::GetRange { index, count: count_of(count) })) }
}

/// Reads the element at `index`. Result: what `return_type` (`SJ_RETURN_*`, OR
/// `SJ_RETURN_INVERTED`) asks for.
///
/// # Safety
/// `err` is NULL or writable; `ops` is valid; `bin` is NUL-terminated; `ctx` is NULL or valid.
#[no_mangle]
pub unsafe extern "C" fn sj_operations_list_get_by_index(
    err: *mut sj_error,
    ops: *mut sj_operations,
    bin: *const c_char,
    ctx: *const sj_ctx,
    return_type: u32,
    index: i64,
) -> i32 {
    // SAFETY: the caller's contract, as documented above.
    unsafe {
        add(err, ops, bin, ctx, || {
            Ok(ListOp::GetBy { return_type: ReturnType(return_type), selector: ListSelector::Index(index) })
        })
    }
}

/// Reads `count` elements (`SJ_COUNT_TO_END`: all) from `index`. Result: what `return_type`
/// (`SJ_RETURN_*`, OR `SJ_RETURN_INVERTED`) asks for.
///
/// # Safety
/// `err` is NULL or writable; `ops` is valid; `bin` is NUL-terminated; `ctx` is NULL or valid.
#[no_mangle]
pub unsafe extern "C" fn sj_operations_list_get_by_index_range(
    err: *mut sj_error,
    ops: *mut sj_operations,
    bin: *const c_char,
    ctx: *const sj_ctx,
    return_type: u32,
    index: i64,
    count: u64,
) -> i32 {
    // SAFETY: the caller's contract, as documented above.
    unsafe {
        add(err, ops, bin, ctx, || {
            Ok(ListOp::GetBy {
                return_type: ReturnType(return_type),
                selector: ListSelector::IndexRange { index, count: count_of(count) },
            })
        })
    }
}

/// Reads the element of rank `rank` (0: smallest, -1: largest). Result: what `return_type`
/// (`SJ_RETURN_*`, OR `SJ_RETURN_INVERTED`) asks for.
///
/// # Safety
/// `err` is NULL or writable; `ops` is valid; `bin` is NUL-terminated; `ctx` is NULL or valid.
#[no_mangle]
pub unsafe extern "C" fn sj_operations_list_get_by_rank(
    err: *mut sj_error,
    ops: *mut sj_operations,
    bin: *const c_char,
    ctx: *const sj_ctx,
    return_type: u32,
    rank: i64,
) -> i32 {
    // SAFETY: the caller's contract, as documented above.
    unsafe {
        add(err, ops, bin, ctx, || {
            Ok(ListOp::GetBy { return_type: ReturnType(return_type), selector: ListSelector::Rank(rank) })
        })
    }
}

/// Reads `count` elements (`SJ_COUNT_TO_END`: all) from rank `rank`. Result: what `return_type`
/// (`SJ_RETURN_*`, OR `SJ_RETURN_INVERTED`) asks for.
///
/// # Safety
/// `err` is NULL or writable; `ops` is valid; `bin` is NUL-terminated; `ctx` is NULL or valid.
#[no_mangle]
pub unsafe extern "C" fn sj_operations_list_get_by_rank_range(
    err: *mut sj_error,
    ops: *mut sj_operations,
    bin: *const c_char,
    ctx: *const sj_ctx,
    return_type: u32,
    rank: i64,
    count: u64,
) -> i32 {
    // SAFETY: the caller's contract, as documented above.
    unsafe {
        add(err, ops, bin, ctx, || {
            Ok(ListOp::GetBy {
                return_type: ReturnType(return_type),
                selector: ListSelector::RankRange { rank, count: count_of(count) },
            })
        })
    }
}

/// Reads every element equal to `value`. Result: what `return_type` (`SJ_RETURN_*`, OR
/// `SJ_RETURN_INVERTED`) asks for.
///
/// # Safety
/// `err` is NULL or writable; `ops` is valid; `bin` is NUL-terminated; `ctx` is NULL or valid;
/// `value` is valid.
#[no_mangle]
pub unsafe extern "C" fn sj_operations_list_get_by_value(
    err: *mut sj_error,
    ops: *mut sj_operations,
    bin: *const c_char,
    ctx: *const sj_ctx,
    return_type: u32,
    value: *const sj_value,
) -> i32 {
    // SAFETY: the caller's contract, as documented above.
    unsafe {
        add(err, ops, bin, ctx, || {
            Ok(ListOp::GetBy { return_type: ReturnType(return_type), selector: ListSelector::Value(value_in(value)?) })
        })
    }
}

/// Reads the first element equal to `value` (op codes 20/33, which current clients no
/// longer send). Result: what `return_type` (`SJ_RETURN_*`, OR `SJ_RETURN_INVERTED`) asks for.
///
/// # Safety
/// `err` is NULL or writable; `ops` is valid; `bin` is NUL-terminated; `ctx` is NULL or valid;
/// `value` is valid.
#[no_mangle]
pub unsafe extern "C" fn sj_operations_list_get_by_value_first(
    err: *mut sj_error,
    ops: *mut sj_operations,
    bin: *const c_char,
    ctx: *const sj_ctx,
    return_type: u32,
    value: *const sj_value,
) -> i32 {
    // SAFETY: the caller's contract, as documented above.
    unsafe {
        add(err, ops, bin, ctx, || {
            Ok(ListOp::GetBy {
                return_type: ReturnType(return_type),
                selector: ListSelector::FirstValue(value_in(value)?),
            })
        })
    }
}

/// Reads every element equal to one of the `n` values at `values`. Result: what `return_type`
/// (`SJ_RETURN_*`, OR `SJ_RETURN_INVERTED`) asks for.
///
/// # Safety
/// `err` is NULL or writable; `ops` is valid; `bin` is NUL-terminated; `ctx` is NULL or valid;
/// `values` holds `n` valid values.
#[no_mangle]
pub unsafe extern "C" fn sj_operations_list_get_by_value_list(
    err: *mut sj_error,
    ops: *mut sj_operations,
    bin: *const c_char,
    ctx: *const sj_ctx,
    return_type: u32,
    values: *const sj_value,
    n: usize,
) -> i32 {
    // SAFETY: the caller's contract, as documented above.
    unsafe {
        add(err, ops, bin, ctx, || {
            Ok(ListOp::GetBy {
                return_type: ReturnType(return_type),
                selector: ListSelector::ValueList(values_in(values, n)?),
            })
        })
    }
}

/// Reads the elements with `begin <= value < end` (`begin` NULL: from the smallest; `end` NULL: no
/// bound). Result: what `return_type` (`SJ_RETURN_*`, OR `SJ_RETURN_INVERTED`) asks for.
///
/// # Safety
/// `err` is NULL or writable; `ops` is valid; `bin` is NUL-terminated; `ctx` is NULL or valid;
/// `begin` and `end` are NULL or valid.
#[no_mangle]
pub unsafe extern "C" fn sj_operations_list_get_by_value_range(
    err: *mut sj_error,
    ops: *mut sj_operations,
    bin: *const c_char,
    ctx: *const sj_ctx,
    return_type: u32,
    begin: *const sj_value,
    end: *const sj_value,
) -> i32 {
    // SAFETY: the caller's contract, as documented above.
    unsafe {
        add(err, ops, bin, ctx, || {
            Ok(ListOp::GetBy {
                return_type: ReturnType(return_type),
                selector: ListSelector::ValueInterval { begin: opt_value_in(begin)?, end: opt_value_in(end)? },
            })
        })
    }
}

/// Reads `count` elements (`SJ_COUNT_TO_END`: all) from the rank of `value` plus `rank`. Result:
/// what `return_type` (`SJ_RETURN_*`, OR `SJ_RETURN_INVERTED`) asks for.
///
/// # Safety
/// `err` is NULL or writable; `ops` is valid; `bin` is NUL-terminated; `ctx` is NULL or valid;
/// `value` is valid.
#[no_mangle]
pub unsafe extern "C" fn sj_operations_list_get_by_value_rel_rank_range(
    err: *mut sj_error,
    ops: *mut sj_operations,
    bin: *const c_char,
    ctx: *const sj_ctx,
    return_type: u32,
    value: *const sj_value,
    rank: i64,
    count: u64,
) -> i32 {
    // SAFETY: the caller's contract, as documented above.
    unsafe {
        add(err, ops, bin, ctx, || {
            Ok(ListOp::GetBy {
                return_type: ReturnType(return_type),
                selector: ListSelector::ValueRelRankRange { value: value_in(value)?, rank, count: count_of(count) },
            })
        })
    }
}

/// Removes the element at `index`. Result: what `return_type` (`SJ_RETURN_*`, OR
/// `SJ_RETURN_INVERTED`) asks for.
///
/// # Safety
/// `err` is NULL or writable; `ops` is valid; `bin` is NUL-terminated; `ctx` is NULL or valid.
#[no_mangle]
pub unsafe extern "C" fn sj_operations_list_remove_by_index(
    err: *mut sj_error,
    ops: *mut sj_operations,
    bin: *const c_char,
    ctx: *const sj_ctx,
    return_type: u32,
    index: i64,
) -> i32 {
    // SAFETY: the caller's contract, as documented above.
    unsafe {
        add(err, ops, bin, ctx, || {
            Ok(ListOp::RemoveBy { return_type: ReturnType(return_type), selector: ListSelector::Index(index) })
        })
    }
}

/// Removes `count` elements (`SJ_COUNT_TO_END`: all) from `index`. Result: what `return_type`
/// (`SJ_RETURN_*`, OR `SJ_RETURN_INVERTED`) asks for.
///
/// # Safety
/// `err` is NULL or writable; `ops` is valid; `bin` is NUL-terminated; `ctx` is NULL or valid.
#[no_mangle]
pub unsafe extern "C" fn sj_operations_list_remove_by_index_range(
    err: *mut sj_error,
    ops: *mut sj_operations,
    bin: *const c_char,
    ctx: *const sj_ctx,
    return_type: u32,
    index: i64,
    count: u64,
) -> i32 {
    // SAFETY: the caller's contract, as documented above.
    unsafe {
        add(err, ops, bin, ctx, || {
            Ok(ListOp::RemoveBy {
                return_type: ReturnType(return_type),
                selector: ListSelector::IndexRange { index, count: count_of(count) },
            })
        })
    }
}

/// Removes the element of rank `rank` (0: smallest, -1: largest). Result: what `return_type`
/// (`SJ_RETURN_*`, OR `SJ_RETURN_INVERTED`) asks for.
///
/// # Safety
/// `err` is NULL or writable; `ops` is valid; `bin` is NUL-terminated; `ctx` is NULL or valid.
#[no_mangle]
pub unsafe extern "C" fn sj_operations_list_remove_by_rank(
    err: *mut sj_error,
    ops: *mut sj_operations,
    bin: *const c_char,
    ctx: *const sj_ctx,
    return_type: u32,
    rank: i64,
) -> i32 {
    // SAFETY: the caller's contract, as documented above.
    unsafe {
        add(err, ops, bin, ctx, || {
            Ok(ListOp::RemoveBy { return_type: ReturnType(return_type), selector: ListSelector::Rank(rank) })
        })
    }
}

/// Removes `count` elements (`SJ_COUNT_TO_END`: all) from rank `rank`. Result: what `return_type`
/// (`SJ_RETURN_*`, OR `SJ_RETURN_INVERTED`) asks for.
///
/// # Safety
/// `err` is NULL or writable; `ops` is valid; `bin` is NUL-terminated; `ctx` is NULL or valid.
#[no_mangle]
pub unsafe extern "C" fn sj_operations_list_remove_by_rank_range(
    err: *mut sj_error,
    ops: *mut sj_operations,
    bin: *const c_char,
    ctx: *const sj_ctx,
    return_type: u32,
    rank: i64,
    count: u64,
) -> i32 {
    // SAFETY: the caller's contract, as documented above.
    unsafe {
        add(err, ops, bin, ctx, || {
            Ok(ListOp::RemoveBy {
                return_type: ReturnType(return_type),
                selector: ListSelector::RankRange { rank, count: count_of(count) },
            })
        })
    }
}

/// Removes every element equal to `value`. Result: what `return_type` (`SJ_RETURN_*`, OR
/// `SJ_RETURN_INVERTED`) asks for.
///
/// # Safety
/// `err` is NULL or writable; `ops` is valid; `bin` is NUL-terminated; `ctx` is NULL or valid;
/// `value` is valid.
#[no_mangle]
pub unsafe extern "C" fn sj_operations_list_remove_by_value(
    err: *mut sj_error,
    ops: *mut sj_operations,
    bin: *const c_char,
    ctx: *const sj_ctx,
    return_type: u32,
    value: *const sj_value,
) -> i32 {
    // SAFETY: the caller's contract, as documented above.
    unsafe {
        add(err, ops, bin, ctx, || {
            Ok(ListOp::RemoveBy {
                return_type: ReturnType(return_type),
                selector: ListSelector::Value(value_in(value)?),
            })
        })
    }
}

/// Removes the first element equal to `value` (op codes 20/33, which current clients no
/// longer send). Result: what `return_type` (`SJ_RETURN_*`, OR `SJ_RETURN_INVERTED`) asks for.
///
/// # Safety
/// `err` is NULL or writable; `ops` is valid; `bin` is NUL-terminated; `ctx` is NULL or valid;
/// `value` is valid.
#[no_mangle]
pub unsafe extern "C" fn sj_operations_list_remove_by_value_first(
    err: *mut sj_error,
    ops: *mut sj_operations,
    bin: *const c_char,
    ctx: *const sj_ctx,
    return_type: u32,
    value: *const sj_value,
) -> i32 {
    // SAFETY: the caller's contract, as documented above.
    unsafe {
        add(err, ops, bin, ctx, || {
            Ok(ListOp::RemoveBy {
                return_type: ReturnType(return_type),
                selector: ListSelector::FirstValue(value_in(value)?),
            })
        })
    }
}

/// Removes every element equal to one of the `n` values at `values`. Result: what `return_type`
/// (`SJ_RETURN_*`, OR `SJ_RETURN_INVERTED`) asks for.
///
/// # Safety
/// `err` is NULL or writable; `ops` is valid; `bin` is NUL-terminated; `ctx` is NULL or valid;
/// `values` holds `n` valid values.
#[no_mangle]
pub unsafe extern "C" fn sj_operations_list_remove_by_value_list(
    err: *mut sj_error,
    ops: *mut sj_operations,
    bin: *const c_char,
    ctx: *const sj_ctx,
    return_type: u32,
    values: *const sj_value,
    n: usize,
) -> i32 {
    // SAFETY: the caller's contract, as documented above.
    unsafe {
        add(err, ops, bin, ctx, || {
            Ok(ListOp::RemoveBy {
                return_type: ReturnType(return_type),
                selector: ListSelector::ValueList(values_in(values, n)?),
            })
        })
    }
}

/// Removes the elements with `begin <= value < end` (`begin` NULL: from the smallest; `end` NULL:
/// no bound). Result: what `return_type` (`SJ_RETURN_*`, OR `SJ_RETURN_INVERTED`) asks for.
///
/// # Safety
/// `err` is NULL or writable; `ops` is valid; `bin` is NUL-terminated; `ctx` is NULL or valid;
/// `begin` and `end` are NULL or valid.
#[no_mangle]
pub unsafe extern "C" fn sj_operations_list_remove_by_value_range(
    err: *mut sj_error,
    ops: *mut sj_operations,
    bin: *const c_char,
    ctx: *const sj_ctx,
    return_type: u32,
    begin: *const sj_value,
    end: *const sj_value,
) -> i32 {
    // SAFETY: the caller's contract, as documented above.
    unsafe {
        add(err, ops, bin, ctx, || {
            Ok(ListOp::RemoveBy {
                return_type: ReturnType(return_type),
                selector: ListSelector::ValueInterval { begin: opt_value_in(begin)?, end: opt_value_in(end)? },
            })
        })
    }
}

/// Removes `count` elements (`SJ_COUNT_TO_END`: all) from the rank of `value` plus `rank`. Result:
/// what `return_type` (`SJ_RETURN_*`, OR `SJ_RETURN_INVERTED`) asks for.
///
/// # Safety
/// `err` is NULL or writable; `ops` is valid; `bin` is NUL-terminated; `ctx` is NULL or valid;
/// `value` is valid.
#[no_mangle]
pub unsafe extern "C" fn sj_operations_list_remove_by_value_rel_rank_range(
    err: *mut sj_error,
    ops: *mut sj_operations,
    bin: *const c_char,
    ctx: *const sj_ctx,
    return_type: u32,
    value: *const sj_value,
    rank: i64,
    count: u64,
) -> i32 {
    // SAFETY: the caller's contract, as documented above.
    unsafe {
        add(err, ops, bin, ctx, || {
            Ok(ListOp::RemoveBy {
                return_type: ReturnType(return_type),
                selector: ListSelector::ValueRelRankRange { value: value_in(value)?, rank, count: count_of(count) },
            })
        })
    }
}

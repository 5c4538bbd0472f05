//! `sj_operations_map_*`: map operations (PROTOCOL-DATA A.3) for `sj_operate`, one function per
//! operation, encoded as the official C client encodes them.
//!
//! Common arguments: `bin` names the map's bin; `ctx` (NULL for none) is the path to a map nested
//! in the bin, which the operation then applies to (see `sj_ctx`); `return_type` is an
//! `SJ_RETURN_*` constant, OR-ed with `SJ_RETURN_INVERTED` to select the complement; a `count` of
//! `SJ_COUNT_TO_END` means "to the end"; `policy` (NULL for none) gives the order of a map the
//! operation creates and the write flags. Map index = position in key order, rank = position in
//! value order. Keys are integers, strings or bytes. Values are copied. Each operation that answers
//! adds a bin named `bin` to the record `sj_operate` returns (with a map operation, every operation
//! answers, nil when it has nothing to say).

use std::ffi::c_char;

use super::convert::{count_of, entries_in, opt_value_in, value_in, value_or, values_in};
use super::operations::push;
use super::types::{sj_ctx, sj_error, sj_map_policy, sj_operations, sj_value};
use crate::cdt::{MapOp, MapOrder, MapPolicy, MapSelector, MapWriteFlags, ReturnType};
use crate::command::Operation;
use crate::error::{code, Error, Result};
use crate::value::Value;

/// Adds the map operation `make` builds on `bin` to `ops`.
///
/// # Safety
/// `err` is NULL or writable; `ops` is valid; `bin` is NUL-terminated; `ctx` is NULL or valid.
unsafe fn add(
    err: *mut sj_error,
    ops: *mut sj_operations,
    bin: *const c_char,
    ctx: *const sj_ctx,
    make: impl FnOnce() -> Result<MapOp>,
) -> i32 {
    // SAFETY: the caller's contract.
    unsafe { push(err, ops, bin, ctx, Operation::Map, make) }
}

fn map_order(order: u32) -> Result<MapOrder> {
    MapOrder::from_u32(order).ok_or_else(|| Error::new(code::PARAM, format!("unknown map order {order}")))
}

/// # Safety
/// `policy` is NULL or valid.
unsafe fn map_policy(policy: *const sj_map_policy) -> Result<Option<MapPolicy>> {
    // SAFETY: the caller's contract.
    let Some(p) = (unsafe { policy.as_ref() }) else { return Ok(None) };
    Ok(Some(MapPolicy { order: map_order(p.order)?, flags: MapWriteFlags(p.flags), persist_index: p.persist_index }))
}

/// Sets the map's order (`policy->order`, and `persist_index`), creating an empty map if the bin
/// has none.
///
/// # Safety
/// `err` is NULL or writable; `ops` is valid; `bin` is NUL-terminated; `ctx` is NULL or valid;
/// `policy` is NULL or valid.
#[no_mangle]
pub unsafe extern "C" fn sj_operations_map_set_policy(
    err: *mut sj_error,
    ops: *mut sj_operations,
    bin: *const c_char,
    ctx: *const sj_ctx,
    policy: *const sj_map_policy,
) -> i32 {
    // SAFETY: the caller's contract, as documented above.
    unsafe { add(err, ops, bin, ctx, || Ok(MapOp::SetPolicy { policy: map_policy(policy)?.unwrap_or_default() })) }
}

/// Creates a map of `order` (`SJ_MAP_*`) where `ctx` leads, if there is none: the last level of
/// `ctx` gets the create flag of `order`, as the official client's `as_operations_map_create`.
/// Without a context, sets the order of the bin's map (with `persist_index`, the server keeps
/// an index with it), as `sj_operations_map_set_policy`.
///
/// # Safety
/// `err` is NULL or writable; `ops` is valid; `bin` is NUL-terminated; `ctx` is NULL or valid.
#[no_mangle]
pub unsafe extern "C" fn sj_operations_map_create(
    err: *mut sj_error,
    ops: *mut sj_operations,
    bin: *const c_char,
    ctx: *const sj_ctx,
    order: u32,
    persist_index: bool,
) -> i32 {
    // SAFETY: the caller's contract, as documented above.
    unsafe { add(err, ops, bin, ctx, || Ok(MapOp::Create { order: map_order(order)?, persist_index })) }
}

/// Puts `key` and `value`. Result: the new size.
///
/// # Safety
/// `err` is NULL or writable; `ops` is valid; `bin` is NUL-terminated; `ctx` is NULL or valid;
/// `key` and `value` are valid; `policy` is NULL or valid.
#[no_mangle]
pub unsafe extern "C" fn sj_operations_map_put(
    err: *mut sj_error,
    ops: *mut sj_operations,
    bin: *const c_char,
    ctx: *const sj_ctx,
    key: *const sj_value,
    value: *const sj_value,
    policy: *const sj_map_policy,
) -> i32 {
    // SAFETY: the caller's contract, as documented above.
    unsafe {
        add(err, ops, bin, ctx, || {
            Ok(MapOp::Put { key: value_in(key)?, value: value_in(value)?, policy: map_policy(policy)? })
        })
    }
}

/// Puts `n_entries` entries: `keys_and_values` holds each key then its value. Result: the new size.
///
/// # Safety
/// `err` is NULL or writable; `ops` is valid; `bin` is NUL-terminated; `ctx` is NULL or valid;
/// `keys_and_values` holds 2 × `n_entries` valid values; `policy` is NULL or valid.
#[no_mangle]
pub unsafe extern "C" fn sj_operations_map_put_items(
    err: *mut sj_error,
    ops: *mut sj_operations,
    bin: *const c_char,
    ctx: *const sj_ctx,
    keys_and_values: *const sj_value,
    n_entries: usize,
    policy: *const sj_map_policy,
) -> i32 {
    // SAFETY: the caller's contract, as documented above.
    unsafe {
        add(err, ops, bin, ctx, || {
            Ok(MapOp::PutItems { items: entries_in(keys_and_values, n_entries)?, policy: map_policy(policy)? })
        })
    }
}

/// Puts `key` and `value` if the key is absent (legacy create-only put, op code 65; a present key
/// is `SJ_ERR_ELEMENT_EXISTS`). Result: the new size.
///
/// # Safety
/// `err` is NULL or writable; `ops` is valid; `bin` is NUL-terminated; `ctx` is NULL or valid;
/// `key` and `value` are valid; `policy` is NULL or valid.
#[no_mangle]
pub unsafe extern "C" fn sj_operations_map_add(
    err: *mut sj_error,
    ops: *mut sj_operations,
    bin: *const c_char,
    ctx: *const sj_ctx,
    key: *const sj_value,
    value: *const sj_value,
    policy: *const sj_map_policy,
) -> i32 {
    // SAFETY: the caller's contract, as documented above.
    unsafe {
        add(err, ops, bin, ctx, || {
            Ok(MapOp::Add { key: value_in(key)?, value: value_in(value)?, policy: map_policy(policy)? })
        })
    }
}

/// Legacy create-only put of `n_entries` entries (op code 66).
///
/// # Safety
/// `err` is NULL or writable; `ops` is valid; `bin` is NUL-terminated; `ctx` is NULL or valid;
/// `keys_and_values` holds 2 × `n_entries` valid values; `policy` is NULL or valid.
#[no_mangle]
pub unsafe extern "C" fn sj_operations_map_add_items(
    err: *mut sj_error,
    ops: *mut sj_operations,
    bin: *const c_char,
    ctx: *const sj_ctx,
    keys_and_values: *const sj_value,
    n_entries: usize,
    policy: *const sj_map_policy,
) -> i32 {
    // SAFETY: the caller's contract, as documented above.
    unsafe {
        add(err, ops, bin, ctx, || {
            Ok(MapOp::AddItems { items: entries_in(keys_and_values, n_entries)?, policy: map_policy(policy)? })
        })
    }
}

/// Puts `key` and `value` if the key is present (legacy update-only put, op code 69; an absent key
/// is `SJ_ERR_ELEMENT_NOT_FOUND`). Result: the new size.
///
/// # Safety
/// `err` is NULL or writable; `ops` is valid; `bin` is NUL-terminated; `ctx` is NULL or valid;
/// `key` and `value` are valid.
#[no_mangle]
pub unsafe extern "C" fn sj_operations_map_replace(
    err: *mut sj_error,
    ops: *mut sj_operations,
    bin: *const c_char,
    ctx: *const sj_ctx,
    key: *const sj_value,
    value: *const sj_value,
) -> i32 {
    // SAFETY: the caller's contract, as documented above.
    unsafe { add(err, ops, bin, ctx, || Ok(MapOp::Replace { key: value_in(key)?, value: value_in(value)? })) }
}

/// Legacy update-only put of `n_entries` entries (op code 70).
///
/// # Safety
/// `err` is NULL or writable; `ops` is valid; `bin` is NUL-terminated; `ctx` is NULL or valid;
/// `keys_and_values` holds 2 × `n_entries` valid values.
#[no_mangle]
pub unsafe extern "C" fn sj_operations_map_replace_items(
    err: *mut sj_error,
    ops: *mut sj_operations,
    bin: *const c_char,
    ctx: *const sj_ctx,
    keys_and_values: *const sj_value,
    n_entries: usize,
) -> i32 {
    // SAFETY: the caller's contract, as documented above.
    unsafe { add(err, ops, bin, ctx, || Ok(MapOp::ReplaceItems { items: entries_in(keys_and_values, n_entries)? })) }
}

/// Adds `delta` (an integer or a double; NULL: 1) to the value of `key` (0 if absent). Result: the
/// new value.
///
/// # Safety
/// `err` is NULL or writable; `ops` is valid; `bin` is NUL-terminated; `ctx` is NULL or valid;
/// `key` and `delta` are valid; `policy` is NULL or valid.
#[no_mangle]
pub unsafe extern "C" fn sj_operations_map_increment(
    err: *mut sj_error,
    ops: *mut sj_operations,
    bin: *const c_char,
    ctx: *const sj_ctx,
    key: *const sj_value,
    delta: *const sj_value,
    policy: *const sj_map_policy,
) -> i32 {
    // SAFETY: the caller's contract, as documented above.
    unsafe {
        add(err, ops, bin, ctx, || {
            Ok(MapOp::Increment {
                key: value_in(key)?,
                delta: value_or(delta, Value::Nil)?,
                policy: map_policy(policy)?,
            })
        })
    }
}

/// Subtracts `delta` (NULL: 1) from the value of `key`. Result: the new value.
///
/// # Safety
/// `err` is NULL or writable; `ops` is valid; `bin` is NUL-terminated; `ctx` is NULL or valid;
/// `key` and `delta` are valid; `policy` is NULL or valid.
#[no_mangle]
pub unsafe extern "C" fn sj_operations_map_decrement(
    err: *mut sj_error,
    ops: *mut sj_operations,
    bin: *const c_char,
    ctx: *const sj_ctx,
    key: *const sj_value,
    delta: *const sj_value,
    policy: *const sj_map_policy,
) -> i32 {
    // SAFETY: the caller's contract, as documented above.
    unsafe {
        add(err, ops, bin, ctx, || {
            Ok(MapOp::Decrement {
                key: value_in(key)?,
                delta: value_or(delta, Value::Nil)?,
                policy: map_policy(policy)?,
            })
        })
    }
}

/// Removes every entry.
///
/// # Safety
/// `err` is NULL or writable; `ops` is valid; `bin` is NUL-terminated; `ctx` is NULL or valid.
#[no_mangle]
pub unsafe extern "C" fn sj_operations_map_clear(
    err: *mut sj_error,
    ops: *mut sj_operations,
    bin: *const c_char,
    ctx: *const sj_ctx,
) -> i32 {
    // SAFETY: the caller's contract, as documented above.
    unsafe { add(err, ops, bin, ctx, || Ok(MapOp::Clear)) }
}

/// Result: the number of entries.
///
/// # Safety
/// `err` is NULL or writable; `ops` is valid; `bin` is NUL-terminated; `ctx` is NULL or valid.
#[no_mangle]
pub unsafe extern "C" fn sj_operations_map_size(
    err: *mut sj_error,
    ops: *mut sj_operations,
    bin: *const c_char,
    ctx: *const sj_ctx,
) -> i32 {
    // SAFETY: the caller's contract, as documented above.
    unsafe { add(err, ops, bin, ctx, || Ok(MapOp::Size)) }
}

/// Reads the entry of `key`. Result: what `return_type` (`SJ_RETURN_*`, OR `SJ_RETURN_INVERTED`)
/// asks for.
///
/// # Safety
/// `err` is NULL or writable; `ops` is valid; `bin` is NUL-terminated; `ctx` is NULL or valid;
/// `key` is valid.
#[no_mangle]
pub unsafe extern "C" fn sj_operations_map_get_by_key(
    err: *mut sj_error,
    ops: *mut sj_operations,
    bin: *const c_char,
    ctx: *const sj_ctx,
    return_type: u32,
    key: *const sj_value,
) -> i32 {
    // SAFETY: the caller's contract, as documented above.
    unsafe {
        add(err, ops, bin, ctx, || {
            Ok(MapOp::GetBy { return_type: ReturnType(return_type), selector: MapSelector::Key(value_in(key)?) })
        })
    }
}

/// Reads the entries of the `n` keys at `keys`. Result: what `return_type` (`SJ_RETURN_*`, OR
/// `SJ_RETURN_INVERTED`) asks for.
///
/// # Safety
/// `err` is NULL or writable; `ops` is valid; `bin` is NUL-terminated; `ctx` is NULL or valid;
/// `keys` holds `n` valid values.
#[no_mangle]
pub unsafe extern "C" fn sj_operations_map_get_by_key_list(
    err: *mut sj_error,
    ops: *mut sj_operations,
    bin: *const c_char,
    ctx: *const sj_ctx,
    return_type: u32,
    keys: *const sj_value,
    n: usize,
) -> i32 {
    // SAFETY: the caller's contract, as documented above.
    unsafe {
        add(err, ops, bin, ctx, || {
            Ok(MapOp::GetBy {
                return_type: ReturnType(return_type),
                selector: MapSelector::KeyList(values_in(keys, n)?),
            })
        })
    }
}

/// Reads the entries with `begin <= key < end` (`begin` NULL: from the smallest; `end`
/// NULL: no bound). Result: what `return_type` (`SJ_RETURN_*`, OR `SJ_RETURN_INVERTED`) asks for.
///
/// # Safety
/// `err` is NULL or writable; `ops` is valid; `bin` is NUL-terminated; `ctx` is NULL or valid;
/// `begin` and `end` are NULL or valid.
#[no_mangle]
pub unsafe extern "C" fn sj_operations_map_get_by_key_range(
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
            Ok(MapOp::GetBy {
                return_type: ReturnType(return_type),
                selector: MapSelector::KeyInterval { begin: opt_value_in(begin)?, end: opt_value_in(end)? },
            })
        })
    }
}

/// Reads `count` entries (`SJ_COUNT_TO_END`: all) from the index of `key` plus `index`. Result:
/// what `return_type` (`SJ_RETURN_*`, OR `SJ_RETURN_INVERTED`) asks for.
///
/// # Safety
/// `err` is NULL or writable; `ops` is valid; `bin` is NUL-terminated; `ctx` is NULL or valid;
/// `key` is valid.
#[no_mangle]
pub unsafe extern "C" fn sj_operations_map_get_by_key_rel_index_range(
    err: *mut sj_error,
    ops: *mut sj_operations,
    bin: *const c_char,
    ctx: *const sj_ctx,
    return_type: u32,
    key: *const sj_value,
    index: i64,
    count: u64,
) -> i32 {
    // SAFETY: the caller's contract, as documented above.
    unsafe {
        add(err, ops, bin, ctx, || {
            Ok(MapOp::GetBy {
                return_type: ReturnType(return_type),
                selector: MapSelector::KeyRelIndexRange { key: value_in(key)?, index, count: count_of(count) },
            })
        })
    }
}

/// Reads the entry at `index` (key order). Result: what `return_type` (`SJ_RETURN_*`, OR
/// `SJ_RETURN_INVERTED`) asks for.
///
/// # Safety
/// `err` is NULL or writable; `ops` is valid; `bin` is NUL-terminated; `ctx` is NULL or valid.
#[no_mangle]
pub unsafe extern "C" fn sj_operations_map_get_by_index(
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
            Ok(MapOp::GetBy { return_type: ReturnType(return_type), selector: MapSelector::Index(index) })
        })
    }
}

/// Reads `count` entries (`SJ_COUNT_TO_END`: all) from `index` (key order). Result: what
/// `return_type` (`SJ_RETURN_*`, OR `SJ_RETURN_INVERTED`) asks for.
///
/// # Safety
/// `err` is NULL or writable; `ops` is valid; `bin` is NUL-terminated; `ctx` is NULL or valid.
#[no_mangle]
pub unsafe extern "C" fn sj_operations_map_get_by_index_range(
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
            Ok(MapOp::GetBy {
                return_type: ReturnType(return_type),
                selector: MapSelector::IndexRange { index, count: count_of(count) },
            })
        })
    }
}

/// Reads every entry whose value equals `value`. Result: what `return_type` (`SJ_RETURN_*`, OR
/// `SJ_RETURN_INVERTED`) asks for.
///
/// # Safety
/// `err` is NULL or writable; `ops` is valid; `bin` is NUL-terminated; `ctx` is NULL or valid;
/// `value` is valid.
#[no_mangle]
pub unsafe extern "C" fn sj_operations_map_get_by_value(
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
            Ok(MapOp::GetBy { return_type: ReturnType(return_type), selector: MapSelector::Value(value_in(value)?) })
        })
    }
}

/// Reads the first entry whose value equals `value` (op codes 99/78, which current clients no
/// longer send). Result: what `return_type` (`SJ_RETURN_*`, OR `SJ_RETURN_INVERTED`) asks for.
///
/// # Safety
/// `err` is NULL or writable; `ops` is valid; `bin` is NUL-terminated; `ctx` is NULL or valid;
/// `value` is valid.
#[no_mangle]
pub unsafe extern "C" fn sj_operations_map_get_by_value_first(
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
            Ok(MapOp::GetBy {
                return_type: ReturnType(return_type),
                selector: MapSelector::FirstValue(value_in(value)?),
            })
        })
    }
}

/// Reads every entry whose value is one of the `n` values at `values`. Result: what `return_type`
/// (`SJ_RETURN_*`, OR `SJ_RETURN_INVERTED`) asks for.
///
/// # Safety
/// `err` is NULL or writable; `ops` is valid; `bin` is NUL-terminated; `ctx` is NULL or valid;
/// `values` holds `n` valid values.
#[no_mangle]
pub unsafe extern "C" fn sj_operations_map_get_by_value_list(
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
            Ok(MapOp::GetBy {
                return_type: ReturnType(return_type),
                selector: MapSelector::ValueList(values_in(values, n)?),
            })
        })
    }
}

/// Reads the entries with `begin <= value < end` (`begin` NULL: from the smallest; `end` NULL: no
/// bound). Result: what `return_type` (`SJ_RETURN_*`, OR `SJ_RETURN_INVERTED`) asks for.
///
/// # Safety
/// `err` is NULL or writable; `ops` is valid; `bin` is NUL-terminated; `ctx` is NULL or valid;
/// `begin` and `end` are NULL or valid.
#[no_mangle]
pub unsafe extern "C" fn sj_operations_map_get_by_value_range(
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
            Ok(MapOp::GetBy {
                return_type: ReturnType(return_type),
                selector: MapSelector::ValueInterval { begin: opt_value_in(begin)?, end: opt_value_in(end)? },
            })
        })
    }
}

/// Reads `count` entries (`SJ_COUNT_TO_END`: all) from the rank of `value` plus `rank`. Result:
/// what `return_type` (`SJ_RETURN_*`, OR `SJ_RETURN_INVERTED`) asks for.
///
/// # Safety
/// `err` is NULL or writable; `ops` is valid; `bin` is NUL-terminated; `ctx` is NULL or valid;
/// `value` is valid.
#[no_mangle]
pub unsafe extern "C" fn sj_operations_map_get_by_value_rel_rank_range(
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
            Ok(MapOp::GetBy {
                return_type: ReturnType(return_type),
                selector: MapSelector::ValueRelRankRange { value: value_in(value)?, rank, count: count_of(count) },
            })
        })
    }
}

/// Reads the entry of rank `rank` (value order; -1: largest). Result: what `return_type`
/// (`SJ_RETURN_*`, OR `SJ_RETURN_INVERTED`) asks for.
///
/// # Safety
/// `err` is NULL or writable; `ops` is valid; `bin` is NUL-terminated; `ctx` is NULL or valid.
#[no_mangle]
pub unsafe extern "C" fn sj_operations_map_get_by_rank(
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
            Ok(MapOp::GetBy { return_type: ReturnType(return_type), selector: MapSelector::Rank(rank) })
        })
    }
}

/// Reads `count` entries (`SJ_COUNT_TO_END`: all) from rank `rank`. Result: what `return_type`
/// (`SJ_RETURN_*`, OR `SJ_RETURN_INVERTED`) asks for.
///
/// # Safety
/// `err` is NULL or writable; `ops` is valid; `bin` is NUL-terminated; `ctx` is NULL or valid.
#[no_mangle]
pub unsafe extern "C" fn sj_operations_map_get_by_rank_range(
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
            Ok(MapOp::GetBy {
                return_type: ReturnType(return_type),
                selector: MapSelector::RankRange { rank, count: count_of(count) },
            })
        })
    }
}

/// Removes the entry of `key`. Result: what `return_type` (`SJ_RETURN_*`, OR `SJ_RETURN_INVERTED`)
/// asks for.
///
/// # Safety
/// `err` is NULL or writable; `ops` is valid; `bin` is NUL-terminated; `ctx` is NULL or valid;
/// `key` is valid.
#[no_mangle]
pub unsafe extern "C" fn sj_operations_map_remove_by_key(
    err: *mut sj_error,
    ops: *mut sj_operations,
    bin: *const c_char,
    ctx: *const sj_ctx,
    return_type: u32,
    key: *const sj_value,
) -> i32 {
    // SAFETY: the caller's contract, as documented above.
    unsafe {
        add(err, ops, bin, ctx, || {
            Ok(MapOp::RemoveBy { return_type: ReturnType(return_type), selector: MapSelector::Key(value_in(key)?) })
        })
    }
}

/// Removes the entries of the `n` keys at `keys`. Result: what `return_type` (`SJ_RETURN_*`, OR
/// `SJ_RETURN_INVERTED`) asks for.
///
/// # Safety
/// `err` is NULL or writable; `ops` is valid; `bin` is NUL-terminated; `ctx` is NULL or valid;
/// `keys` holds `n` valid values.
#[no_mangle]
pub unsafe extern "C" fn sj_operations_map_remove_by_key_list(
    err: *mut sj_error,
    ops: *mut sj_operations,
    bin: *const c_char,
    ctx: *const sj_ctx,
    return_type: u32,
    keys: *const sj_value,
    n: usize,
) -> i32 {
    // SAFETY: the caller's contract, as documented above.
    unsafe {
        add(err, ops, bin, ctx, || {
            Ok(MapOp::RemoveBy {
                return_type: ReturnType(return_type),
                selector: MapSelector::KeyList(values_in(keys, n)?),
            })
        })
    }
}

/// Removes the entries with `begin <= key < end` (`begin` NULL: from the smallest; `end`
/// NULL: no bound). Result: what `return_type` (`SJ_RETURN_*`, OR `SJ_RETURN_INVERTED`) asks for.
///
/// # Safety
/// `err` is NULL or writable; `ops` is valid; `bin` is NUL-terminated; `ctx` is NULL or valid;
/// `begin` and `end` are NULL or valid.
#[no_mangle]
pub unsafe extern "C" fn sj_operations_map_remove_by_key_range(
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
            Ok(MapOp::RemoveBy {
                return_type: ReturnType(return_type),
                selector: MapSelector::KeyInterval { begin: opt_value_in(begin)?, end: opt_value_in(end)? },
            })
        })
    }
}

/// Removes `count` entries (`SJ_COUNT_TO_END`: all) from the index of `key` plus `index`. Result:
/// what `return_type` (`SJ_RETURN_*`, OR `SJ_RETURN_INVERTED`) asks for.
///
/// # Safety
/// `err` is NULL or writable; `ops` is valid; `bin` is NUL-terminated; `ctx` is NULL or valid;
/// `key` is valid.
#[no_mangle]
pub unsafe extern "C" fn sj_operations_map_remove_by_key_rel_index_range(
    err: *mut sj_error,
    ops: *mut sj_operations,
    bin: *const c_char,
    ctx: *const sj_ctx,
    return_type: u32,
    key: *const sj_value,
    index: i64,
    count: u64,
) -> i32 {
    // SAFETY: the caller's contract, as documented above.
    unsafe {
        add(err, ops, bin, ctx, || {
            Ok(MapOp::RemoveBy {
                return_type: ReturnType(return_type),
                selector: MapSelector::KeyRelIndexRange { key: value_in(key)?, index, count: count_of(count) },
            })
        })
    }
}

/// Removes the entry at `index` (key order). Result: what `return_type` (`SJ_RETURN_*`, OR
/// `SJ_RETURN_INVERTED`) asks for.
///
/// # Safety
/// `err` is NULL or writable; `ops` is valid; `bin` is NUL-terminated; `ctx` is NULL or valid.
#[no_mangle]
pub unsafe extern "C" fn sj_operations_map_remove_by_index(
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
            Ok(MapOp::RemoveBy { return_type: ReturnType(return_type), selector: MapSelector::Index(index) })
        })
    }
}

/// Removes `count` entries (`SJ_COUNT_TO_END`: all) from `index` (key order). Result: what
/// `return_type` (`SJ_RETURN_*`, OR `SJ_RETURN_INVERTED`) asks for.
///
/// # Safety
/// `err` is NULL or writable; `ops` is valid; `bin` is NUL-terminated; `ctx` is NULL or valid.
#[no_mangle]
pub unsafe extern "C" fn sj_operations_map_remove_by_index_range(
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
            Ok(MapOp::RemoveBy {
                return_type: ReturnType(return_type),
                selector: MapSelector::IndexRange { index, count: count_of(count) },
            })
        })
    }
}

/// Removes every entry whose value equals `value`. Result: what `return_type` (`SJ_RETURN_*`, OR
/// `SJ_RETURN_INVERTED`) asks for.
///
/// # Safety
/// `err` is NULL or writable; `ops` is valid; `bin` is NUL-terminated; `ctx` is NULL or valid;
/// `value` is valid.
#[no_mangle]
pub unsafe extern "C" fn sj_operations_map_remove_by_value(
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
            Ok(MapOp::RemoveBy { return_type: ReturnType(return_type), selector: MapSelector::Value(value_in(value)?) })
        })
    }
}

/// Removes the first entry whose value equals `value` (op codes 99/78, which current clients no
/// longer send). Result: what `return_type` (`SJ_RETURN_*`, OR `SJ_RETURN_INVERTED`) asks for.
///
/// # Safety
/// `err` is NULL or writable; `ops` is valid; `bin` is NUL-terminated; `ctx` is NULL or valid;
/// `value` is valid.
#[no_mangle]
pub unsafe extern "C" fn sj_operations_map_remove_by_value_first(
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
            Ok(MapOp::RemoveBy {
                return_type: ReturnType(return_type),
                selector: MapSelector::FirstValue(value_in(value)?),
            })
        })
    }
}

/// Removes every entry whose value is one of the `n` values at `values`. Result: what `return_type`
/// (`SJ_RETURN_*`, OR `SJ_RETURN_INVERTED`) asks for.
///
/// # Safety
/// `err` is NULL or writable; `ops` is valid; `bin` is NUL-terminated; `ctx` is NULL or valid;
/// `values` holds `n` valid values.
#[no_mangle]
pub unsafe extern "C" fn sj_operations_map_remove_by_value_list(
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
            Ok(MapOp::RemoveBy {
                return_type: ReturnType(return_type),
                selector: MapSelector::ValueList(values_in(values, n)?),
            })
        })
    }
}

/// Removes the entries with `begin <= value < end` (`begin` NULL: from the smallest; `end` NULL: no
/// bound). Result: what `return_type` (`SJ_RETURN_*`, OR `SJ_RETURN_INVERTED`) asks for.
///
/// # Safety
/// `err` is NULL or writable; `ops` is valid; `bin` is NUL-terminated; `ctx` is NULL or valid;
/// `begin` and `end` are NULL or valid.
#[no_mangle]
pub unsafe extern "C" fn sj_operations_map_remove_by_value_range(
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
            Ok(MapOp::RemoveBy {
                return_type: ReturnType(return_type),
                selector: MapSelector::ValueInterval { begin: opt_value_in(begin)?, end: opt_value_in(end)? },
            })
        })
    }
}

/// Removes `count` entries (`SJ_COUNT_TO_END`: all) from the rank of `value` plus `rank`. Result:
/// what `return_type` (`SJ_RETURN_*`, OR `SJ_RETURN_INVERTED`) asks for.
///
/// # Safety
/// `err` is NULL or writable; `ops` is valid; `bin` is NUL-terminated; `ctx` is NULL or valid;
/// `value` is valid.
#[no_mangle]
pub unsafe extern "C" fn sj_operations_map_remove_by_value_rel_rank_range(
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
            Ok(MapOp::RemoveBy {
                return_type: ReturnType(return_type),
                selector: MapSelector::ValueRelRankRange { value: value_in(value)?, rank, count: count_of(count) },
            })
        })
    }
}

/// Removes the entry of rank `rank` (value order; -1: largest). Result: what `return_type`
/// (`SJ_RETURN_*`, OR `SJ_RETURN_INVERTED`) asks for.
///
/// # Safety
/// `err` is NULL or writable; `ops` is valid; `bin` is NUL-terminated; `ctx` is NULL or valid.
#[no_mangle]
pub unsafe extern "C" fn sj_operations_map_remove_by_rank(
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
            Ok(MapOp::RemoveBy { return_type: ReturnType(return_type), selector: MapSelector::Rank(rank) })
        })
    }
}

/// Removes `count` entries (`SJ_COUNT_TO_END`: all) from rank `rank`. Result: what `return_type`
/// (`SJ_RETURN_*`, OR `SJ_RETURN_INVERTED`) asks for.
///
/// # Safety
/// `err` is NULL or writable; `ops` is valid; `bin` is NUL-terminated; `ctx` is NULL or valid.
#[no_mangle]
pub unsafe extern "C" fn sj_operations_map_remove_by_rank_range(
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
            Ok(MapOp::RemoveBy {
                return_type: ReturnType(return_type),
                selector: MapSelector::RankRange { rank, count: count_of(count) },
            })
        })
    }
}

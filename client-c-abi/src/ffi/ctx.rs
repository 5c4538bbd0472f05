//! `sj_ctx_*`: the levels of a context (`sj_ctx`), for list and map operations on lists and
//! maps nested in a bin (PROTOCOL-DATA A.8).
//!
//! Items borrow what their value points to, as `sj_value`s do: keep it alive and unchanged
//! until the operation is added (the library copies the context then).
//!
//! The paths of `sj_operations_select_by_path` / `sj_operations_modify_by_path` take four more
//! levels: `sj_ctx_all_children`, `sj_ctx_all_children_with_filter`, `sj_ctx_and_filter` and
//! `sj_ctx_map_keys_in` (list and map operations refuse them: the server answers 26).

use super::constants::{
    SJ_CTX_AND_EXP, SJ_CTX_EXP, SJ_CTX_LIST_INDEX, SJ_CTX_LIST_RANK, SJ_CTX_LIST_VALUE, SJ_CTX_MAP_INDEX,
    SJ_CTX_MAP_KEY, SJ_CTX_MAP_KEYS_IN, SJ_CTX_MAP_RANK, SJ_CTX_MAP_VALUE, SJ_TYPE_EXP,
};
use super::types::{sj_ctx_item, sj_exp, sj_value};
use super::values::{sj_value_bool, sj_value_int, sj_value_list};
use crate::cdt::{Ctx, ListOrder, MapOrder};
use crate::value::Value;

fn item(r#type: u32, value: sj_value) -> sj_ctx_item {
    sj_ctx_item { r#type, value }
}

/// The list element at `index` (negative: from the end).
#[no_mangle]
pub extern "C" fn sj_ctx_list_index(index: i64) -> sj_ctx_item {
    item(SJ_CTX_LIST_INDEX, sj_value_int(index))
}

/// The list element at `index`, made an empty list of `order` (`SJ_LIST_*`) if missing (with
/// the levels after it): `index` must then be the list's size, unless `pad` (unordered lists
/// only) fills the gap with nils. As the official client, the type is `SJ_CTX_LIST_INDEX` with
/// a create flag: 0xC0 ordered, 0x80 padded, 0x40 otherwise. An unknown order gives type 0,
/// which every operation refuses.
#[no_mangle]
pub extern "C" fn sj_ctx_list_index_create(index: i64, order: u32, pad: bool) -> sj_ctx_item {
    match ListOrder::from_u32(order) {
        Some(order) => item(Ctx::ListIndexCreate { index, order, pad }.wire_type(), sj_value_int(index)),
        None => item(0, sj_value_int(index)),
    }
}

/// The list element of `rank` (0: smallest, -1: largest).
#[no_mangle]
pub extern "C" fn sj_ctx_list_rank(rank: i64) -> sj_ctx_item {
    item(SJ_CTX_LIST_RANK, sj_value_int(rank))
}

/// The first list element equal to `value`.
#[no_mangle]
pub extern "C" fn sj_ctx_list_value(value: sj_value) -> sj_ctx_item {
    item(SJ_CTX_LIST_VALUE, value)
}

/// The value of the map entry at `index` (key order; negative: from the end).
#[no_mangle]
pub extern "C" fn sj_ctx_map_index(index: i64) -> sj_ctx_item {
    item(SJ_CTX_MAP_INDEX, sj_value_int(index))
}

/// The value of the map entry of `rank` (value order; -1: largest).
#[no_mangle]
pub extern "C" fn sj_ctx_map_rank(rank: i64) -> sj_ctx_item {
    item(SJ_CTX_MAP_RANK, sj_value_int(rank))
}

/// The value of `key`.
#[no_mangle]
pub extern "C" fn sj_ctx_map_key(key: sj_value) -> sj_ctx_item {
    item(SJ_CTX_MAP_KEY, key)
}

/// The value of `key`, made an empty map of `order` (`SJ_MAP_*`) if the key is missing (with
/// the levels after it). As the official client, the type is `SJ_CTX_MAP_KEY` with a create
/// flag: 0x40 unordered, 0x80 key-ordered, 0xC0 key-value-ordered. An unknown order gives type
/// 0, which every operation refuses.
#[no_mangle]
pub extern "C" fn sj_ctx_map_key_create(key: sj_value, order: u32) -> sj_ctx_item {
    match MapOrder::from_u32(order) {
        Some(order) => item(Ctx::MapKeyCreate { key: Value::Nil, order }.wire_type(), key),
        None => item(0, key),
    }
}

/// The value of the first map entry whose value is `value`.
#[no_mangle]
pub extern "C" fn sj_ctx_map_value(value: sj_value) -> sj_ctx_item {
    item(SJ_CTX_MAP_VALUE, value)
}

/// Paths only: every child of the list or map reached (`[0x04, true]`, as the C client's
/// `as_cdt_ctx_add_all_children`).
#[no_mangle]
pub extern "C" fn sj_ctx_all_children() -> sj_ctx_item {
    item(SJ_CTX_EXP, sj_value_bool(true))
}

/// The packed bytes of `exp` as an `SJ_TYPE_EXP` value (NULL: a nil value, which the
/// operation refuses).
///
/// # Safety
/// `exp` is NULL or a valid expression.
unsafe fn exp_value(exp: *const sj_exp) -> sj_value {
    // SAFETY: the caller's contract.
    match unsafe { exp.as_ref() } {
        Some(e) => {
            let bytes = e.0.as_bytes();
            sj_value { r#type: SJ_TYPE_EXP, data: bytes.as_ptr(), len: bytes.len(), ..sj_value::NIL }
        }
        None => sj_value::NIL,
    }
}

/// Paths only: every child of the list or map reached for which `filter` (a boolean
/// expression, in which `sj_exp_loopvar` gives the child's key, value or index) is true
/// (`as_cdt_ctx_add_all_children_with_filter`). The item borrows `filter`'s bytes: keep it alive
/// until the operation is added.
///
/// # Safety
/// `filter` is NULL or a valid expression.
#[no_mangle]
pub unsafe extern "C" fn sj_ctx_all_children_with_filter(filter: *const sj_exp) -> sj_ctx_item {
    // SAFETY: the caller's contract.
    item(SJ_CTX_EXP, unsafe { exp_value(filter) })
}

/// Paths only: a second filter on the children the level before (not an expression level)
/// selected (`as_cdt_ctx_add_and_filter`, type 0x204). Borrows `filter` as
/// `sj_ctx_all_children_with_filter` does.
///
/// # Safety
/// `filter` is NULL or a valid expression.
#[no_mangle]
pub unsafe extern "C" fn sj_ctx_and_filter(filter: *const sj_exp) -> sj_ctx_item {
    // SAFETY: the caller's contract.
    item(SJ_CTX_AND_EXP, unsafe { exp_value(filter) })
}

/// Paths only: the values of those of the `n` keys at `keys` the map has
/// (`as_cdt_ctx_add_map_keys_in`). Borrows the keys.
#[no_mangle]
pub extern "C" fn sj_ctx_map_keys_in(keys: *const sj_value, n: usize) -> sj_ctx_item {
    item(SJ_CTX_MAP_KEYS_IN, sj_value_list(keys, n))
}

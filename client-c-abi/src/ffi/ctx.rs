//! `sj_ctx_*`: the levels of a context (`sj_ctx`), for list and map operations on lists and
//! maps nested in a bin (PROTOCOL-DATA A.8).
//!
//! Items borrow what their value points to, as `sj_value`s do: keep it alive and unchanged
//! until the operation is added (the library copies the context then).

use super::constants::{
    SJ_CTX_LIST_INDEX, SJ_CTX_LIST_RANK, SJ_CTX_LIST_VALUE, SJ_CTX_MAP_INDEX, SJ_CTX_MAP_KEY, SJ_CTX_MAP_RANK,
    SJ_CTX_MAP_VALUE,
};
use super::types::{sj_ctx_item, sj_value};
use super::values::sj_value_int;
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

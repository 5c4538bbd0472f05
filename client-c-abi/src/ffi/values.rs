//! `sj_value` helpers: making values (scalars, and lists and maps over arrays of values) and
//! walking the lists and maps of a record.
//!
//! Made values borrow what they point to (a string, an array of items): keep it alive and
//! unchanged until the value is used (the library copies a value when it is given one).

use std::ffi::{c_char, CStr};

use super::constants::{
    SJ_TYPE_BOOL, SJ_TYPE_BYTES, SJ_TYPE_FLOAT, SJ_TYPE_HLL, SJ_TYPE_INFINITY, SJ_TYPE_INT, SJ_TYPE_LIST, SJ_TYPE_MAP,
    SJ_TYPE_NIL, SJ_TYPE_STR, SJ_TYPE_WILDCARD,
};
use super::types::sj_value;

/// A nil value.
#[no_mangle]
pub extern "C" fn sj_value_nil() -> sj_value {
    sj_value::NIL
}

/// An integer value.
#[no_mangle]
pub extern "C" fn sj_value_int(v: i64) -> sj_value {
    sj_value { r#type: SJ_TYPE_INT, i: v, ..sj_value::NIL }
}

/// A double value.
#[no_mangle]
pub extern "C" fn sj_value_double(v: f64) -> sj_value {
    sj_value { r#type: SJ_TYPE_FLOAT, f: v, ..sj_value::NIL }
}

/// A boolean value.
#[no_mangle]
pub extern "C" fn sj_value_bool(v: bool) -> sj_value {
    sj_value { r#type: SJ_TYPE_BOOL, i: i64::from(v), ..sj_value::NIL }
}

/// A string value pointing into `s` (NUL-terminated, UTF-8); NULL gives nil.
///
/// # Safety
/// `s` is NULL or NUL-terminated.
#[no_mangle]
pub unsafe extern "C" fn sj_value_str(s: *const c_char) -> sj_value {
    if s.is_null() {
        return sj_value::NIL;
    }
    // SAFETY: NUL-terminated by the caller's contract.
    let len = unsafe { CStr::from_ptr(s) }.to_bytes().len();
    sj_value { r#type: SJ_TYPE_STR, data: s.cast(), len, ..sj_value::NIL }
}

/// A bytes value pointing to `len` bytes at `data`.
#[no_mangle]
pub extern "C" fn sj_value_bytes(data: *const u8, len: usize) -> sj_value {
    sj_value { r#type: SJ_TYPE_BYTES, data, len, ..sj_value::NIL }
}

/// An HLL value pointing to `len` bytes at `data` (Aerospike's HLL bytes, as an `SJ_TYPE_HLL`
/// value read from a record holds): written as a bin it makes an HLL bin, and it is what HLL
/// operations take as operands.
#[no_mangle]
pub extern "C" fn sj_value_hll(data: *const u8, len: usize) -> sj_value {
    sj_value { r#type: SJ_TYPE_HLL, data, len, ..sj_value::NIL }
}

/// A list value of the `n` values at `items`.
#[no_mangle]
pub extern "C" fn sj_value_list(items: *const sj_value, n: usize) -> sj_value {
    sj_value { r#type: SJ_TYPE_LIST, items, len: n, ..sj_value::NIL }
}

/// A map value of `n_entries` entries: `keys_and_values` holds 2 × `n_entries` values, each
/// entry's key then its value. Keys are integers, strings or bytes.
#[no_mangle]
pub extern "C" fn sj_value_map(keys_and_values: *const sj_value, n_entries: usize) -> sj_value {
    sj_value { r#type: SJ_TYPE_MAP, items: keys_and_values, len: n_entries, ..sj_value::NIL }
}

/// The wildcard, for list and map operation arguments: equal to anything.
#[no_mangle]
pub extern "C" fn sj_value_wildcard() -> sj_value {
    sj_value { r#type: SJ_TYPE_WILDCARD, ..sj_value::NIL }
}

/// Infinity, for list and map operation arguments: greater than anything.
#[no_mangle]
pub extern "C" fn sj_value_infinity() -> sj_value {
    sj_value { r#type: SJ_TYPE_INFINITY, ..sj_value::NIL }
}

/// # Safety
/// `v` is NULL or a valid value.
unsafe fn item(v: *const sj_value, of: u32, index: usize) -> *const sj_value {
    // SAFETY: the caller's contract.
    let Some(v) = (unsafe { v.as_ref() }) else { return std::ptr::null() };
    let n = if of == SJ_TYPE_MAP { v.len.saturating_mul(2) } else { v.len };
    if v.r#type != of || v.items.is_null() || index >= n {
        return std::ptr::null();
    }
    // SAFETY: `items` holds `n` values (the value's contract) and index < n.
    unsafe { v.items.add(index) }
}

/// Element `index` of a list, or NULL if `list` is not a list or has no such element.
///
/// # Safety
/// `list` is NULL or a valid value (its pointers valid, as in a record).
#[no_mangle]
pub unsafe extern "C" fn sj_value_list_get(list: *const sj_value, index: usize) -> *const sj_value {
    // SAFETY: the caller's contract.
    unsafe { item(list, SJ_TYPE_LIST, index) }
}

/// The key of entry `index` of a map, or NULL if `map` is not a map or has no such entry.
///
/// # Safety
/// As `sj_value_list_get`.
#[no_mangle]
pub unsafe extern "C" fn sj_value_map_key(map: *const sj_value, index: usize) -> *const sj_value {
    // SAFETY: the caller's contract.
    unsafe { item(map, SJ_TYPE_MAP, index.saturating_mul(2)) }
}

/// The value of entry `index` of a map, or NULL if `map` is not a map or has no such entry.
///
/// # Safety
/// As `sj_value_list_get`.
#[no_mangle]
pub unsafe extern "C" fn sj_value_map_value(map: *const sj_value, index: usize) -> *const sj_value {
    // SAFETY: the caller's contract.
    unsafe { item(map, SJ_TYPE_MAP, index.saturating_mul(2).saturating_add(1)) }
}

/// The value of the entry of `map` whose key equals `key` (an integer, string or bytes), or
/// NULL if there is none.
///
/// # Safety
/// `map` and `key` are NULL or valid values.
#[no_mangle]
pub unsafe extern "C" fn sj_value_map_find(map: *const sj_value, key: *const sj_value) -> *const sj_value {
    // SAFETY: the caller's contract.
    let Some(key) = (unsafe { key.as_ref() }) else { return std::ptr::null() };
    // SAFETY: the caller's contract.
    let n = unsafe { map.as_ref() }.map_or(0, |m| if m.r#type == SJ_TYPE_MAP { m.len } else { 0 });
    for i in 0..n {
        // SAFETY: i < the map's entry count.
        let k = unsafe { sj_value_map_key(map, i) };
        // SAFETY: a valid value of the map, and `key` valid by the caller's contract.
        if !k.is_null() && unsafe { same_key(&*k, key) } {
            // SAFETY: as above.
            return unsafe { sj_value_map_value(map, i) };
        }
    }
    std::ptr::null()
}

/// # Safety
/// `a` and `b` are valid values.
unsafe fn same_key(a: &sj_value, b: &sj_value) -> bool {
    if a.r#type != b.r#type {
        return false;
    }
    match a.r#type {
        SJ_TYPE_NIL => true,
        SJ_TYPE_INT | SJ_TYPE_BOOL => a.i == b.i,
        SJ_TYPE_FLOAT => a.f == b.f,
        SJ_TYPE_LIST | SJ_TYPE_MAP => false,
        _ => {
            // SAFETY: strings, bytes and raw values hold `len` bytes at `data`.
            let bytes = |v: &sj_value| unsafe { super::helpers::bytes(v.data, v.len, "") }.unwrap_or(&[]);
            a.len == b.len && bytes(a) == bytes(b)
        }
    }
}

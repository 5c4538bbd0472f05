//! Records: making them, setting and reading bins, generation, TTL and key, freeing them.

use std::ffi::{c_char, CStr};
use std::time::{SystemTime, UNIX_EPOCH};

use super::constants::{
    SJ_ERR_BIN_INCOMPATIBLE_TYPE, SJ_ERR_BIN_NOT_FOUND, SJ_OK, SJ_TYPE_BYTES, SJ_TYPE_FLOAT, SJ_TYPE_INT, SJ_TYPE_STR,
};
use super::convert::{ffi_bin, value_in};
use super::helpers::{free_boxed, guard, null, object_mut, text, write_error};
use super::types::{sj_error, sj_key, sj_record, sj_value};
use crate::command::Record;
use crate::error::code;

/// A new, empty record (bins to write).
#[no_mangle]
pub extern "C" fn sj_record_new() -> *mut sj_record {
    Box::into_raw(Box::default())
}

/// Frees a record. NULL is ignored.
///
/// # Safety
/// `record` is NULL or a record from this library not yet destroyed.
#[no_mangle]
pub unsafe extern "C" fn sj_record_destroy(record: *mut sj_record) {
    // SAFETY: the caller's contract is free_boxed's.
    unsafe { free_boxed(record) }
}

/// Sets bin `bin` to `value` (copied), replacing an earlier value of the same bin.
///
/// # Safety
/// `err` is NULL or writable; `record` is a valid record; `bin` is NUL-terminated; `value`
/// is valid.
#[no_mangle]
pub unsafe extern "C" fn sj_record_set(
    err: *mut sj_error,
    record: *mut sj_record,
    bin: *const c_char,
    value: *const sj_value,
) -> i32 {
    guard(err, || {
        // SAFETY: the caller's contract.
        let (record, name, value) =
            unsafe { (object_mut(record, "record")?, text(bin, "bin name")?, value_in(value)?) };
        crate::value::check_bin_name(name)?;
        let bin = ffi_bin(name, value)?;
        match record.bins.iter_mut().find(|b| b.name == bin.name) {
            Some(old) => *old = bin,
            None => record.bins.push(bin),
        }
        Ok(())
    })
}

/// Sets an integer bin.
///
/// # Safety
/// As `sj_record_set`.
#[no_mangle]
pub unsafe extern "C" fn sj_record_set_int(
    err: *mut sj_error,
    record: *mut sj_record,
    bin: *const c_char,
    v: i64,
) -> i32 {
    let value = sj_value { r#type: SJ_TYPE_INT, i: v, ..sj_value::NIL };
    // SAFETY: the caller's contract; `value` is valid.
    unsafe { sj_record_set(err, record, bin, &value) }
}

/// Sets a double bin.
///
/// # Safety
/// As `sj_record_set`.
#[no_mangle]
pub unsafe extern "C" fn sj_record_set_float(
    err: *mut sj_error,
    record: *mut sj_record,
    bin: *const c_char,
    v: f64,
) -> i32 {
    let value = sj_value { r#type: SJ_TYPE_FLOAT, f: v, ..sj_value::NIL };
    // SAFETY: the caller's contract; `value` is valid.
    unsafe { sj_record_set(err, record, bin, &value) }
}

/// Sets a string bin from a NUL-terminated string.
///
/// # Safety
/// As `sj_record_set`; `v` is NUL-terminated.
#[no_mangle]
pub unsafe extern "C" fn sj_record_set_str(
    err: *mut sj_error,
    record: *mut sj_record,
    bin: *const c_char,
    v: *const c_char,
) -> i32 {
    if v.is_null() {
        write_error(err, &null("string value"));
        return code::PARAM;
    }
    // SAFETY: NUL-terminated by the caller's contract.
    let len = unsafe { CStr::from_ptr(v) }.to_bytes().len();
    let value = sj_value { r#type: SJ_TYPE_STR, data: v.cast(), len, ..sj_value::NIL };
    // SAFETY: the caller's contract; `value` points into `v`.
    unsafe { sj_record_set(err, record, bin, &value) }
}

/// Sets a bytes bin.
///
/// # Safety
/// As `sj_record_set`; `data` is valid for `len` bytes.
#[no_mangle]
pub unsafe extern "C" fn sj_record_set_bytes(
    err: *mut sj_error,
    record: *mut sj_record,
    bin: *const c_char,
    data: *const u8,
    len: usize,
) -> i32 {
    let value = sj_value { r#type: SJ_TYPE_BYTES, data, len, ..sj_value::NIL };
    // SAFETY: the caller's contract.
    unsafe { sj_record_set(err, record, bin, &value) }
}

/// Number of bins.
///
/// # Safety
/// `record` is a valid record.
#[no_mangle]
pub unsafe extern "C" fn sj_record_bin_count(record: *const sj_record) -> usize {
    // SAFETY: the caller's contract.
    unsafe { record.as_ref() }.map_or(0, |r| r.bins.len())
}

/// Bin `index`: its name and value (pointers valid while the record lives). Returns
/// `SJ_ERR_PARAM` if `index` is out of range.
///
/// # Safety
/// `record` is a valid record; `name` and `value` are writable (either may be NULL).
#[no_mangle]
pub unsafe extern "C" fn sj_record_bin(
    record: *const sj_record,
    index: usize,
    name: *mut *const c_char,
    value: *mut sj_value,
) -> i32 {
    // SAFETY: the caller's contract.
    let Some(bin) = unsafe { record.as_ref() }.and_then(|r| r.bins.get(index)) else { return code::PARAM };
    // SAFETY: the caller's contract: NULL or writable.
    if let Some(n) = unsafe { name.as_mut() } {
        *n = bin.name.as_ptr();
    }
    // SAFETY: the caller's contract: NULL or writable.
    if let Some(v) = unsafe { value.as_mut() } {
        *v = bin.view;
    }
    SJ_OK
}

/// The value of bin `bin`: `SJ_OK`, or `SJ_ERR_BIN_NOT_FOUND`.
///
/// # Safety
/// `record` is a valid record; `bin` is NUL-terminated; `value` is writable.
#[no_mangle]
pub unsafe extern "C" fn sj_record_get(record: *const sj_record, bin: *const c_char, value: *mut sj_value) -> i32 {
    // SAFETY: the caller's contract.
    let (Some(r), false) = (unsafe { record.as_ref() }, bin.is_null()) else { return code::PARAM };
    // SAFETY: NUL-terminated by the caller's contract.
    let wanted = unsafe { CStr::from_ptr(bin) };
    match r.bins.iter().position(|b| b.name.as_c_str() == wanted) {
        // SAFETY: the caller's contract on `value`.
        Some(i) => unsafe { sj_record_bin(record, i, std::ptr::null_mut(), value) },
        None => SJ_ERR_BIN_NOT_FOUND,
    }
}

/// An integer bin: `SJ_OK`, `SJ_ERR_BIN_NOT_FOUND` or `SJ_ERR_BIN_INCOMPATIBLE_TYPE`.
///
/// # Safety
/// As `sj_record_get`; `out` is writable.
#[no_mangle]
pub unsafe extern "C" fn sj_record_get_int(record: *const sj_record, bin: *const c_char, out: *mut i64) -> i32 {
    let mut v = sj_value::NIL;
    // SAFETY: the caller's contract.
    let rc = unsafe { sj_record_get(record, bin, &mut v) };
    if rc != SJ_OK {
        return rc;
    }
    if v.r#type != SJ_TYPE_INT {
        return SJ_ERR_BIN_INCOMPATIBLE_TYPE;
    }
    // SAFETY: the caller's contract: NULL or writable.
    if let Some(o) = unsafe { out.as_mut() } {
        *o = v.i;
    }
    SJ_OK
}

/// A string bin (NUL-terminated; valid while the record lives): `SJ_OK`,
/// `SJ_ERR_BIN_NOT_FOUND` or `SJ_ERR_BIN_INCOMPATIBLE_TYPE`.
///
/// # Safety
/// As `sj_record_get`; `out` is writable.
#[no_mangle]
pub unsafe extern "C" fn sj_record_get_str(
    record: *const sj_record,
    bin: *const c_char,
    out: *mut *const c_char,
) -> i32 {
    let mut v = sj_value::NIL;
    // SAFETY: the caller's contract.
    let rc = unsafe { sj_record_get(record, bin, &mut v) };
    if rc != SJ_OK {
        return rc;
    }
    if v.r#type != SJ_TYPE_STR {
        return SJ_ERR_BIN_INCOMPATIBLE_TYPE;
    }
    // SAFETY: the caller's contract: NULL or writable.
    if let Some(o) = unsafe { out.as_mut() } {
        *o = v.data.cast();
    }
    SJ_OK
}

/// The record's generation.
///
/// # Safety
/// `record` is a valid record.
#[no_mangle]
pub unsafe extern "C" fn sj_record_generation(record: *const sj_record) -> u32 {
    // SAFETY: the caller's contract.
    unsafe { record.as_ref() }.map_or(0, |r| r.generation)
}

/// Seconds until the record expires: `SJ_TTL_NEVER_EXPIRE` if never.
///
/// # Safety
/// `record` is a valid record.
#[no_mangle]
pub unsafe extern "C" fn sj_record_ttl(record: *const sj_record) -> u32 {
    // SAFETY: the caller's contract.
    let Some(r) = (unsafe { record.as_ref() }) else { return 0 };
    Record { void_time: r.void_time, ..Record::default() }.ttl(now_unix_secs())
}

/// The record's key (scan results), or NULL; valid while the record lives.
///
/// # Safety
/// `record` is a valid record.
#[no_mangle]
pub unsafe extern "C" fn sj_record_key(record: *const sj_record) -> *const sj_key {
    // SAFETY: the caller's contract.
    unsafe { record.as_ref() }.and_then(|r| r.key.as_deref()).map_or(std::ptr::null(), |k| k as *const sj_key)
}

fn now_unix_secs() -> u64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs())
}

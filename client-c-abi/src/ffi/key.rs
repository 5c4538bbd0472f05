//! Keys: making them from a user key or a digest, reading their parts, freeing them.

use std::ffi::c_char;

use super::constants::{SJ_TYPE_BYTES, SJ_TYPE_INT, SJ_TYPE_NIL, SJ_TYPE_STR};
use super::convert::ffi_key;
use super::helpers::{bytes, free_boxed, guard, null, opt_text, text};
use super::types::{sj_error, sj_key, sj_value};
use crate::error::Result;
use crate::value::{Key, UserKey};

fn new_key(err: *mut sj_error, out: *mut *mut sj_key, make: impl FnOnce() -> Result<Key>) -> i32 {
    guard(err, || {
        if out.is_null() {
            return Err(null("key"));
        }
        let key = Box::new(ffi_key(make()?)?);
        // SAFETY: writable by the caller's contract (checked non-NULL).
        unsafe { *out = Box::into_raw(key) };
        Ok(())
    })
}

/// Makes a key with a string user key. `set` may be NULL or "" for no set.
///
/// # Safety
/// Strings are NULL or NUL-terminated; `err` is NULL or writable; `key` is writable.
#[no_mangle]
pub unsafe extern "C" fn sj_key_new_str(
    err: *mut sj_error,
    ns: *const c_char,
    set: *const c_char,
    value: *const c_char,
    key: *mut *mut sj_key,
) -> i32 {
    new_key(err, key, || {
        // SAFETY: NUL-terminated strings by the caller's contract.
        let (ns, set, v) = unsafe { (text(ns, "namespace")?, opt_text(set)?, text(value, "key")?) };
        Key::new(ns, set, UserKey::Str(v.to_string()))
    })
}

/// Makes a key with an integer user key.
///
/// # Safety
/// Strings are NULL or NUL-terminated; `err` is NULL or writable; `key` is writable.
#[no_mangle]
pub unsafe extern "C" fn sj_key_new_int(
    err: *mut sj_error,
    ns: *const c_char,
    set: *const c_char,
    value: i64,
    key: *mut *mut sj_key,
) -> i32 {
    new_key(err, key, || {
        // SAFETY: NUL-terminated strings by the caller's contract.
        let (ns, set) = unsafe { (text(ns, "namespace")?, opt_text(set)?) };
        Key::new(ns, set, UserKey::Int(value))
    })
}

/// Makes a key with a bytes user key.
///
/// # Safety
/// Strings are NULL or NUL-terminated; `data` is valid for `len` bytes; `err` is NULL or
/// writable; `key` is writable.
#[no_mangle]
pub unsafe extern "C" fn sj_key_new_bytes(
    err: *mut sj_error,
    ns: *const c_char,
    set: *const c_char,
    data: *const u8,
    len: usize,
    key: *mut *mut sj_key,
) -> i32 {
    new_key(err, key, || {
        // SAFETY: the caller's contract.
        let (ns, set, b) = unsafe { (text(ns, "namespace")?, opt_text(set)?, bytes(data, len, "key bytes")?) };
        Key::new(ns, set, UserKey::Bytes(b.to_vec()))
    })
}

/// Makes a key from a 20-byte digest.
///
/// # Safety
/// Strings are NULL or NUL-terminated; `digest` points to 20 bytes; `err` is NULL or
/// writable; `key` is writable.
#[no_mangle]
pub unsafe extern "C" fn sj_key_new_digest(
    err: *mut sj_error,
    ns: *const c_char,
    set: *const c_char,
    digest: *const u8,
    key: *mut *mut sj_key,
) -> i32 {
    new_key(err, key, || {
        // SAFETY: the caller's contract.
        let (ns, set, d) = unsafe { (text(ns, "namespace")?, opt_text(set)?, bytes(digest, 20, "digest")?) };
        Key::from_digest(ns, set, d.try_into().expect("20 bytes"))
    })
}

/// Frees a key. NULL is ignored.
///
/// # Safety
/// `key` is NULL or a key made by this library and not yet destroyed.
#[no_mangle]
pub unsafe extern "C" fn sj_key_destroy(key: *mut sj_key) {
    // SAFETY: the caller's contract is free_boxed's.
    unsafe { free_boxed(key) }
}

/// The key's namespace (valid while the key lives).
///
/// # Safety
/// `key` is a valid key.
#[no_mangle]
pub unsafe extern "C" fn sj_key_namespace(key: *const sj_key) -> *const c_char {
    // SAFETY: the caller's contract.
    unsafe { key.as_ref() }.map_or(std::ptr::null(), |k| k.namespace.as_ptr())
}

/// The key's set, "" if none (valid while the key lives).
///
/// # Safety
/// `key` is a valid key.
#[no_mangle]
pub unsafe extern "C" fn sj_key_set(key: *const sj_key) -> *const c_char {
    // SAFETY: the caller's contract.
    unsafe { key.as_ref() }.map_or(std::ptr::null(), |k| k.set.as_ptr())
}

/// Copies the key's 20-byte digest to `out`.
///
/// # Safety
/// `key` is a valid key; `out` has room for 20 bytes.
#[no_mangle]
pub unsafe extern "C" fn sj_key_digest(key: *const sj_key, out: *mut u8) {
    // SAFETY: the caller's contract.
    if let (Some(k), false) = (unsafe { key.as_ref() }, out.is_null()) {
        // SAFETY: 20 writable bytes by the caller's contract.
        unsafe { std::ptr::copy_nonoverlapping(k.key.digest.0.as_ptr(), out, 20) };
    }
}

/// The user key: `SJ_TYPE_INT`, `SJ_TYPE_STR`, `SJ_TYPE_BYTES`, or `SJ_TYPE_NIL` when the key
/// has only a digest (pointers valid while the key lives).
///
/// # Safety
/// `key` is a valid key; `out` is writable.
#[no_mangle]
pub unsafe extern "C" fn sj_key_value(key: *const sj_key, out: *mut sj_value) {
    // SAFETY: the caller's contract.
    let (Some(k), Some(out)) = (unsafe { key.as_ref() }, unsafe { out.as_mut() }) else { return };
    *out = sj_value { r#type: SJ_TYPE_NIL, ..sj_value::NIL };
    match (&k.key.user_key, &k.user) {
        (Some(UserKey::Int(i)), _) => {
            out.r#type = SJ_TYPE_INT;
            out.i = *i;
        }
        (Some(UserKey::Str(s)), Some(b)) => {
            out.r#type = SJ_TYPE_STR;
            out.data = b.as_ptr();
            out.len = s.len();
        }
        (Some(UserKey::Bytes(_)), Some(b)) => {
            out.r#type = SJ_TYPE_BYTES;
            out.data = b.as_ptr();
            out.len = b.len();
        }
        _ => {}
    }
}

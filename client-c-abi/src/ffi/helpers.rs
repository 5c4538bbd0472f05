//! Helpers shared by the C functions: reporting an outcome through `err` and the return value
//! (with panics caught), freeing handed-out objects, and reading pointer, string and byte
//! arguments.

use std::ffi::{c_char, CStr};
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::time::Duration;

use super::constants::{SJ_ERROR_MESSAGE_SIZE, SJ_OK};
use super::types::sj_error;
use crate::error::{code, Error, Result};

pub(super) fn write_error(err: *mut sj_error, e: &Error) {
    if err.is_null() {
        return;
    }
    // SAFETY: the caller passes NULL or a valid, writable sj_error.
    let err = unsafe { &mut *err };
    err.code = e.code;
    let bytes = e.message.as_bytes();
    let n = bytes.len().min(SJ_ERROR_MESSAGE_SIZE - 1);
    for (dst, &src) in err.message.iter_mut().zip(&bytes[..n]) {
        *dst = src as c_char;
    }
    err.message[n] = 0;
}

/// Runs `f`, catching panics, and reports its outcome through `err` and the return value.
pub(super) fn guard(err: *mut sj_error, f: impl FnOnce() -> Result<()>) -> i32 {
    let outcome = catch_unwind(AssertUnwindSafe(f)).unwrap_or_else(|panic| {
        let what = panic
            .downcast_ref::<&str>()
            .map(|s| s.to_string())
            .or_else(|| panic.downcast_ref::<String>().cloned())
            .unwrap_or_default();
        Err(Error::new(code::CLIENT, format!("internal error in the client library: {what}")))
    });
    match outcome {
        Ok(()) => {
            write_error(err, &Error::new(SJ_OK, ""));
            SJ_OK
        }
        Err(e) => {
            write_error(err, &e);
            e.code
        }
    }
}

/// Frees an object this library handed out as `Box::into_raw`. NULL is ignored.
///
/// # Safety
/// `p` is NULL or a pointer from `Box::into_raw` of a `T` in this library, not yet freed.
pub(super) unsafe fn free_boxed<T>(p: *mut T) {
    if !p.is_null() {
        // SAFETY: the caller's contract: made by Box::into_raw, freed once.
        drop(unsafe { Box::from_raw(p) });
    }
}

pub(super) fn null(what: &str) -> Error {
    Error::new(code::PARAM, format!("{what} is NULL"))
}

/// # Safety
/// `p` is NULL or a NUL-terminated string that outlives `'a`.
pub(super) unsafe fn text<'a>(p: *const c_char, what: &str) -> Result<&'a str> {
    if p.is_null() {
        return Err(null(what));
    }
    // SAFETY: non-NULL and NUL-terminated by the caller's contract.
    unsafe { CStr::from_ptr(p) }.to_str().map_err(|_| Error::new(code::PARAM, format!("{what} is not UTF-8")))
}

/// # Safety
/// `p` is NULL or points to a live `T` that outlives `'a`.
pub(super) unsafe fn object<'a, T>(p: *const T, what: &str) -> Result<&'a T> {
    // SAFETY: the caller's contract.
    unsafe { p.as_ref() }.ok_or_else(|| null(what))
}

/// # Safety
/// `p` is NULL or points to a live `T`, used by no one else, that outlives `'a`.
pub(super) unsafe fn object_mut<'a, T>(p: *mut T, what: &str) -> Result<&'a mut T> {
    // SAFETY: the caller's contract.
    unsafe { p.as_mut() }.ok_or_else(|| null(what))
}

/// # Safety
/// `data` is valid for `len` bytes, or NULL with `len` 0.
pub(super) unsafe fn bytes<'a>(data: *const u8, len: usize, what: &str) -> Result<&'a [u8]> {
    if len == 0 {
        return Ok(&[]);
    }
    if data.is_null() {
        return Err(null(what));
    }
    // SAFETY: valid for `len` bytes by the caller's contract.
    Ok(unsafe { std::slice::from_raw_parts(data, len) })
}

/// # Safety
/// `names` is NULL (with `n` 0) or an array of `n` NUL-terminated strings.
pub(super) unsafe fn names<'a>(names: *const *const c_char, n: usize) -> Result<Vec<&'a str>> {
    if n == 0 {
        return Ok(Vec::new());
    }
    if names.is_null() {
        return Err(null("bins"));
    }
    // SAFETY: an array of `n` pointers by the caller's contract.
    let list = unsafe { std::slice::from_raw_parts(names, n) };
    // SAFETY: each is a NUL-terminated string by the caller's contract.
    list.iter().map(|&p| unsafe { text(p, "bin name") }).collect()
}

/// # Safety
/// `p` is NULL or NUL-terminated.
pub(super) unsafe fn opt_text<'a>(p: *const c_char) -> Result<&'a str> {
    if p.is_null() {
        return Ok("");
    }
    // SAFETY: the caller's contract.
    unsafe { text(p, "set") }
}

pub(super) fn millis(ms: u32) -> Duration {
    Duration::from_millis(u64::from(ms))
}

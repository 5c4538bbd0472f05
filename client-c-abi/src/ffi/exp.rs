//! `sj_exp_*`: expressions (PROTOCOL-DATA C), built bottom-up, for a policy's `filter` (see
//! `sj_read_policy_set_filter`, ...) and for `sj_operations_exp_read` / `sj_operations_exp_write`.
//!
//! Every builder returns a new `sj_exp*`, or NULL when an argument is NULL or bad. Builders that
//! take `sj_exp*` operands take ownership of them, whatever they return: an operand is freed
//! with its parent, or at once when the build fails (a NULL operand makes the parent NULL, so
//! an error shows at the top). Free what you keep with `sj_exp_destroy`; `sj_exp_copy` copies
//! an expression to use it twice. For example, `a > 5 && list_size(l) > 2`:
//!
//! ```c
//! sj_exp* items[] = {
//!     sj_exp_cmp_gt(sj_exp_bin_int("a"), sj_exp_int(5)),
//!     sj_exp_cmp_gt(sj_exp_list_size(NULL, sj_exp_bin_list("l")), sj_exp_int(2)),
//! };
//! sj_exp* filter = sj_exp_and(items, 2);
//! sj_read_policy policy;
//! sj_read_policy_init(&policy);
//! sj_read_policy_set_filter(&policy, filter);   /* borrowed: destroy filter after use */
//! ```
//!
//! Bytes are packed as the official C client packs them (`as_exp.c`); `sj_exp_packed` shows
//! them and `sj_exp_from_bytes` takes an expression packed elsewhere.

use std::ffi::c_char;
use std::panic::{catch_unwind, AssertUnwindSafe};

use super::convert::{ctx_in, value_in};
use super::helpers::{bytes, free_boxed, guard, object, object_mut, text};
use super::types::{sj_ctx, sj_error, sj_exp, sj_operations, sj_value};
use crate::cdt::ReturnType;
use crate::error::{code, Error};
use crate::exp::{self, ExpReadFlags, ExpType, ExpWriteFlags, Expression};

fn give(e: Expression) -> *mut sj_exp {
    Box::into_raw(Box::new(sj_exp(e)))
}

/// Runs `f`, catching panics: its expression as a new handle, or NULL.
fn build(f: impl FnOnce() -> Option<Expression>) -> *mut sj_exp {
    catch_unwind(AssertUnwindSafe(f)).ok().flatten().map_or(std::ptr::null_mut(), give)
}

/// Takes an operand handed in (None for NULL).
///
/// # Safety
/// `p` is NULL or an expression from this library, not yet freed, that the caller gives up.
unsafe fn take(p: *mut sj_exp) -> Option<Expression> {
    // SAFETY: the caller's contract.
    (!p.is_null()).then(|| unsafe { Box::from_raw(p) }.0)
}

/// Takes the `n` operands at `items`, every one of them; None if the array or one is NULL.
///
/// # Safety
/// `items` is NULL or holds `n` pointers, each as for `take`.
unsafe fn take_all(items: *const *mut sj_exp, n: usize) -> Option<Vec<Expression>> {
    if n == 0 {
        return Some(Vec::new());
    }
    if items.is_null() {
        return None;
    }
    // SAFETY: `n` pointers by the caller's contract.
    let list = unsafe { std::slice::from_raw_parts(items, n) };
    // SAFETY: each as for `take`.
    let taken: Vec<Option<Expression>> = list.iter().map(|&p| unsafe { take(p) }).collect();
    taken.into_iter().collect()
}

/// # Safety
/// `p` is NULL or NUL-terminated.
unsafe fn name_of<'a>(p: *const c_char) -> Option<&'a str> {
    // SAFETY: the caller's contract.
    unsafe { text(p, "name") }.ok()
}

fn exp_type(t: u32) -> Option<ExpType> {
    ExpType::from_u32(t)
}

/// Frees an expression. NULL is ignored.
///
/// # Safety
/// `exp` is NULL or an expression from this library not yet freed (nor given to a builder).
#[no_mangle]
pub unsafe extern "C" fn sj_exp_destroy(exp: *mut sj_exp) {
    // SAFETY: the caller's contract is free_boxed's.
    unsafe { free_boxed(exp) }
}

/// A copy of `exp` (which stays the caller's), or NULL if `exp` is NULL.
///
/// # Safety
/// `exp` is NULL or a valid expression.
#[no_mangle]
pub unsafe extern "C" fn sj_exp_copy(exp: *const sj_exp) -> *mut sj_exp {
    // SAFETY: the caller's contract.
    build(|| unsafe { exp.as_ref() }.map(|e| e.0.clone()))
}

/// The packed bytes of `exp` (valid while it lives), their count in `*len`; NULL (and 0) if
/// `exp` is NULL.
///
/// # Safety
/// `exp` is NULL or a valid expression; `len` is NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn sj_exp_packed(exp: *const sj_exp, len: *mut usize) -> *const u8 {
    // SAFETY: the caller's contract.
    let e = unsafe { exp.as_ref() };
    let (p, n) = e.map_or((std::ptr::null(), 0), |e| (e.0.as_bytes().as_ptr(), e.0.as_bytes().len()));
    if !len.is_null() {
        // SAFETY: writable by the caller's contract.
        unsafe { *len = n };
    }
    p
}

/// An expression packed elsewhere (`len` bytes at `data`, copied): exactly one msgpack value,
/// else NULL. What it means is the server's to check.
///
/// # Safety
/// `data` is valid for `len` bytes.
#[no_mangle]
pub unsafe extern "C" fn sj_exp_from_bytes(data: *const u8, len: usize) -> *mut sj_exp {
    // SAFETY: the caller's contract.
    build(|| Expression::from_bytes(unsafe { bytes(data, len, "expression") }.ok()?.to_vec()).ok())
}

/// An integer.
#[no_mangle]
pub extern "C" fn sj_exp_int(value: i64) -> *mut sj_exp {
    build(|| Some(exp::int(value)))
}

/// A float.
#[no_mangle]
pub extern "C" fn sj_exp_float(value: f64) -> *mut sj_exp {
    build(|| Some(exp::float(value)))
}

/// A boolean.
#[no_mangle]
pub extern "C" fn sj_exp_bool(value: bool) -> *mut sj_exp {
    build(|| Some(exp::bool(value)))
}

/// Nil.
#[no_mangle]
pub extern "C" fn sj_exp_nil() -> *mut sj_exp {
    build(|| Some(exp::nil()))
}

/// A string (UTF-8, NUL-terminated).
///
/// # Safety
/// `value` is NULL or NUL-terminated.
#[no_mangle]
pub unsafe extern "C" fn sj_exp_str(value: *const c_char) -> *mut sj_exp {
    // SAFETY: the caller's contract.
    build(|| Some(exp::string(unsafe { name_of(value) }?)))
}

/// A blob: `len` bytes at `data` (copied).
///
/// # Safety
/// `data` is valid for `len` bytes (NULL with 0).
#[no_mangle]
pub unsafe extern "C" fn sj_exp_bytes(data: *const u8, len: usize) -> *mut sj_exp {
    // SAFETY: the caller's contract.
    build(|| Some(exp::blob(unsafe { bytes(data, len, "bytes") }.ok()?.to_vec())))
}

/// A GeoJSON value (its JSON text, NUL-terminated).
///
/// # Safety
/// `json` is NULL or NUL-terminated.
#[no_mangle]
pub unsafe extern "C" fn sj_exp_geo(json: *const c_char) -> *mut sj_exp {
    // SAFETY: the caller's contract.
    build(|| Some(exp::geo(unsafe { name_of(json) }?)))
}

/// Any value as a literal (copied): a list is quoted so that the server reads it as a value;
/// maps, HLL values and the rest as in list and map operations.
///
/// # Safety
/// `value` is NULL or a valid value.
#[no_mangle]
pub unsafe extern "C" fn sj_exp_value(value: *const sj_value) -> *mut sj_exp {
    // SAFETY: the caller's contract.
    build(|| Some(exp::value(unsafe { value_in(value) }.ok()?)))
}

/// The value of bin `bin` if it has `type` (`SJ_EXP_TYPE_*`); unknown when the bin is missing
/// or of another type. NULL for an unknown type.
///
/// # Safety
/// `bin` is NULL or NUL-terminated.
#[no_mangle]
pub unsafe extern "C" fn sj_exp_bin(bin: *const c_char, r#type: u32) -> *mut sj_exp {
    // SAFETY: the caller's contract.
    build(|| Some(exp::bin(unsafe { name_of(bin) }?, exp_type(r#type)?)))
}

/// The value of bin `bin` if it is an integer (`sj_exp_bin` with `SJ_EXP_TYPE_*`).
///
/// # Safety
/// `bin` is NULL or NUL-terminated.
#[no_mangle]
pub unsafe extern "C" fn sj_exp_bin_int(bin: *const c_char) -> *mut sj_exp {
    // SAFETY: the caller's contract.
    build(|| Some(exp::bin(unsafe { name_of(bin) }?, ExpType::Int)))
}

/// The value of bin `bin` if it is a float (`sj_exp_bin` with `SJ_EXP_TYPE_*`).
///
/// # Safety
/// `bin` is NULL or NUL-terminated.
#[no_mangle]
pub unsafe extern "C" fn sj_exp_bin_float(bin: *const c_char) -> *mut sj_exp {
    // SAFETY: the caller's contract.
    build(|| Some(exp::bin(unsafe { name_of(bin) }?, ExpType::Float)))
}

/// The value of bin `bin` if it is a string (`sj_exp_bin` with `SJ_EXP_TYPE_*`).
///
/// # Safety
/// `bin` is NULL or NUL-terminated.
#[no_mangle]
pub unsafe extern "C" fn sj_exp_bin_str(bin: *const c_char) -> *mut sj_exp {
    // SAFETY: the caller's contract.
    build(|| Some(exp::bin(unsafe { name_of(bin) }?, ExpType::Str)))
}

/// The value of bin `bin` if it is a blob (`sj_exp_bin` with `SJ_EXP_TYPE_*`).
///
/// # Safety
/// `bin` is NULL or NUL-terminated.
#[no_mangle]
pub unsafe extern "C" fn sj_exp_bin_bytes(bin: *const c_char) -> *mut sj_exp {
    // SAFETY: the caller's contract.
    build(|| Some(exp::bin(unsafe { name_of(bin) }?, ExpType::Blob)))
}

/// The value of bin `bin` if it is a boolean (`sj_exp_bin` with `SJ_EXP_TYPE_*`).
///
/// # Safety
/// `bin` is NULL or NUL-terminated.
#[no_mangle]
pub unsafe extern "C" fn sj_exp_bin_bool(bin: *const c_char) -> *mut sj_exp {
    // SAFETY: the caller's contract.
    build(|| Some(exp::bin(unsafe { name_of(bin) }?, ExpType::Bool)))
}

/// The value of bin `bin` if it is a list (`sj_exp_bin` with `SJ_EXP_TYPE_*`).
///
/// # Safety
/// `bin` is NULL or NUL-terminated.
#[no_mangle]
pub unsafe extern "C" fn sj_exp_bin_list(bin: *const c_char) -> *mut sj_exp {
    // SAFETY: the caller's contract.
    build(|| Some(exp::bin(unsafe { name_of(bin) }?, ExpType::List)))
}

/// The value of bin `bin` if it is a map (`sj_exp_bin` with `SJ_EXP_TYPE_*`).
///
/// # Safety
/// `bin` is NULL or NUL-terminated.
#[no_mangle]
pub unsafe extern "C" fn sj_exp_bin_map(bin: *const c_char) -> *mut sj_exp {
    // SAFETY: the caller's contract.
    build(|| Some(exp::bin(unsafe { name_of(bin) }?, ExpType::Map)))
}

/// The value of bin `bin` if it is a GeoJSON value (`sj_exp_bin` with `SJ_EXP_TYPE_*`).
///
/// # Safety
/// `bin` is NULL or NUL-terminated.
#[no_mangle]
pub unsafe extern "C" fn sj_exp_bin_geo(bin: *const c_char) -> *mut sj_exp {
    // SAFETY: the caller's contract.
    build(|| Some(exp::bin(unsafe { name_of(bin) }?, ExpType::Geo)))
}

/// The value of bin `bin` if it is an HLL value (`sj_exp_bin` with `SJ_EXP_TYPE_*`).
///
/// # Safety
/// `bin` is NULL or NUL-terminated.
#[no_mangle]
pub unsafe extern "C" fn sj_exp_bin_hll(bin: *const c_char) -> *mut sj_exp {
    // SAFETY: the caller's contract.
    build(|| Some(exp::bin(unsafe { name_of(bin) }?, ExpType::Hll)))
}

/// The particle type of bin `bin` (0 if it is missing).
///
/// # Safety
/// `bin` is NULL or NUL-terminated.
#[no_mangle]
pub unsafe extern "C" fn sj_exp_bin_type(bin: *const c_char) -> *mut sj_exp {
    // SAFETY: the caller's contract.
    build(|| Some(exp::bin_type(unsafe { name_of(bin) }?)))
}

/// True if bin `bin` exists (its type is not 0).
///
/// # Safety
/// `bin` is NULL or NUL-terminated.
#[no_mangle]
pub unsafe extern "C" fn sj_exp_bin_exists(bin: *const c_char) -> *mut sj_exp {
    // SAFETY: the caller's contract.
    build(|| Some(exp::bin_exists(unsafe { name_of(bin) }?)))
}

/// The value bound to `name` by an enclosing `sj_exp_let`.
///
/// # Safety
/// `name` is NULL or NUL-terminated.
#[no_mangle]
pub unsafe extern "C" fn sj_exp_var(name: *const c_char) -> *mut sj_exp {
    // SAFETY: the caller's contract.
    build(|| Some(exp::var(unsafe { name_of(name) }?)))
}

/// The stored user key if it has `type` (`SJ_EXP_TYPE_INT`, `_STR` or `_BLOB`); unknown
/// without a stored key.
#[no_mangle]
pub extern "C" fn sj_exp_key(r#type: u32) -> *mut sj_exp {
    build(|| Some(exp::key(exp_type(r#type)?)))
}

/// The record's digest modulo `modulus`.
#[no_mangle]
pub extern "C" fn sj_exp_digest_modulo(modulus: i64) -> *mut sj_exp {
    build(|| Some(exp::digest_modulo(modulus)))
}

/// True if the record's user key is stored.
#[no_mangle]
pub extern "C" fn sj_exp_key_exists() -> *mut sj_exp {
    build(|| Some(exp::key_exists()))
}

/// The record's size on a device (deprecated by Aerospike for record size).
#[no_mangle]
pub extern "C" fn sj_exp_device_size() -> *mut sj_exp {
    build(|| Some(exp::device_size()))
}

/// The record's size in memory (deprecated by Aerospike for record size).
#[no_mangle]
pub extern "C" fn sj_exp_memory_size() -> *mut sj_exp {
    build(|| Some(exp::memory_size()))
}

/// The record's stored size.
#[no_mangle]
pub extern "C" fn sj_exp_record_size() -> *mut sj_exp {
    build(|| Some(exp::record_size()))
}

/// The last update time, nanoseconds since the Unix epoch.
#[no_mangle]
pub extern "C" fn sj_exp_last_update() -> *mut sj_exp {
    build(|| Some(exp::last_update()))
}

/// Milliseconds since the last update.
#[no_mangle]
pub extern "C" fn sj_exp_since_update() -> *mut sj_exp {
    build(|| Some(exp::since_update()))
}

/// The expiry time, nanoseconds since the Unix epoch (-1: never).
#[no_mangle]
pub extern "C" fn sj_exp_void_time() -> *mut sj_exp {
    build(|| Some(exp::void_time()))
}

/// The TTL in seconds (-1: never expires).
#[no_mangle]
pub extern "C" fn sj_exp_ttl() -> *mut sj_exp {
    build(|| Some(exp::ttl()))
}

/// The record's set name ("" without a set).
#[no_mangle]
pub extern "C" fn sj_exp_set_name() -> *mut sj_exp {
    build(|| Some(exp::set_name()))
}

/// True for a tombstone.
#[no_mangle]
pub extern "C" fn sj_exp_is_tombstone() -> *mut sj_exp {
    build(|| Some(exp::is_tombstone()))
}

/// Unknown: the expression (and a filter) fails; e.g. a `sj_exp_cond` default.
#[no_mangle]
pub extern "C" fn sj_exp_unknown() -> *mut sj_exp {
    build(|| Some(exp::unknown()))
}

/// `a == b`. Takes `a` and `b`.
///
/// # Safety
/// `a` and `b` are NULL or expressions the caller gives up.
#[no_mangle]
pub unsafe extern "C" fn sj_exp_cmp_eq(a: *mut sj_exp, b: *mut sj_exp) -> *mut sj_exp {
    // SAFETY: the caller's contract.
    let (a, b) = unsafe { (take(a), take(b)) };
    build(|| Some(exp::eq(a?, b?)))
}

/// `a != b`. Takes `a` and `b`.
///
/// # Safety
/// `a` and `b` are NULL or expressions the caller gives up.
#[no_mangle]
pub unsafe extern "C" fn sj_exp_cmp_ne(a: *mut sj_exp, b: *mut sj_exp) -> *mut sj_exp {
    // SAFETY: the caller's contract.
    let (a, b) = unsafe { (take(a), take(b)) };
    build(|| Some(exp::ne(a?, b?)))
}

/// `a > b`. Takes `a` and `b`.
///
/// # Safety
/// `a` and `b` are NULL or expressions the caller gives up.
#[no_mangle]
pub unsafe extern "C" fn sj_exp_cmp_gt(a: *mut sj_exp, b: *mut sj_exp) -> *mut sj_exp {
    // SAFETY: the caller's contract.
    let (a, b) = unsafe { (take(a), take(b)) };
    build(|| Some(exp::gt(a?, b?)))
}

/// `a >= b`. Takes `a` and `b`.
///
/// # Safety
/// `a` and `b` are NULL or expressions the caller gives up.
#[no_mangle]
pub unsafe extern "C" fn sj_exp_cmp_ge(a: *mut sj_exp, b: *mut sj_exp) -> *mut sj_exp {
    // SAFETY: the caller's contract.
    let (a, b) = unsafe { (take(a), take(b)) };
    build(|| Some(exp::ge(a?, b?)))
}

/// `a < b`. Takes `a` and `b`.
///
/// # Safety
/// `a` and `b` are NULL or expressions the caller gives up.
#[no_mangle]
pub unsafe extern "C" fn sj_exp_cmp_lt(a: *mut sj_exp, b: *mut sj_exp) -> *mut sj_exp {
    // SAFETY: the caller's contract.
    let (a, b) = unsafe { (take(a), take(b)) };
    build(|| Some(exp::lt(a?, b?)))
}

/// `a <= b`. Takes `a` and `b`.
///
/// # Safety
/// `a` and `b` are NULL or expressions the caller gives up.
#[no_mangle]
pub unsafe extern "C" fn sj_exp_cmp_le(a: *mut sj_exp, b: *mut sj_exp) -> *mut sj_exp {
    // SAFETY: the caller's contract.
    let (a, b) = unsafe { (take(a), take(b)) };
    build(|| Some(exp::le(a?, b?)))
}

/// True if one GeoJSON value is a point inside the other, a region. Takes `a` and `b`.
///
/// # Safety
/// `a` and `b` are NULL or expressions the caller gives up.
#[no_mangle]
pub unsafe extern "C" fn sj_exp_cmp_geo(a: *mut sj_exp, b: *mut sj_exp) -> *mut sj_exp {
    // SAFETY: the caller's contract.
    let (a, b) = unsafe { (take(a), take(b)) };
    build(|| Some(exp::cmp_geo(a?, b?)))
}

/// True if `a` equals an element of list `b`. Takes `a` and `b`.
///
/// # Safety
/// `a` and `b` are NULL or expressions the caller gives up.
#[no_mangle]
pub unsafe extern "C" fn sj_exp_in_list(a: *mut sj_exp, b: *mut sj_exp) -> *mut sj_exp {
    // SAFETY: the caller's contract.
    let (a, b) = unsafe { (take(a), take(b)) };
    build(|| Some(exp::in_list(a?, b?)))
}

/// `a` to the power `b` (floats). Takes `a` and `b`.
///
/// # Safety
/// `a` and `b` are NULL or expressions the caller gives up.
#[no_mangle]
pub unsafe extern "C" fn sj_exp_pow(a: *mut sj_exp, b: *mut sj_exp) -> *mut sj_exp {
    // SAFETY: the caller's contract.
    let (a, b) = unsafe { (take(a), take(b)) };
    build(|| Some(exp::pow(a?, b?)))
}

/// The logarithm of `a` in base `b` (floats). Takes `a` and `b`.
///
/// # Safety
/// `a` and `b` are NULL or expressions the caller gives up.
#[no_mangle]
pub unsafe extern "C" fn sj_exp_log(a: *mut sj_exp, b: *mut sj_exp) -> *mut sj_exp {
    // SAFETY: the caller's contract.
    let (a, b) = unsafe { (take(a), take(b)) };
    build(|| Some(exp::log(a?, b?)))
}

/// `a % b` (integers). Takes `a` and `b`.
///
/// # Safety
/// `a` and `b` are NULL or expressions the caller gives up.
#[no_mangle]
pub unsafe extern "C" fn sj_exp_mod(a: *mut sj_exp, b: *mut sj_exp) -> *mut sj_exp {
    // SAFETY: the caller's contract.
    let (a, b) = unsafe { (take(a), take(b)) };
    build(|| Some(exp::modulo(a?, b?)))
}

/// `a << b`. Takes `a` and `b`.
///
/// # Safety
/// `a` and `b` are NULL or expressions the caller gives up.
#[no_mangle]
pub unsafe extern "C" fn sj_exp_int_lshift(a: *mut sj_exp, b: *mut sj_exp) -> *mut sj_exp {
    // SAFETY: the caller's contract.
    let (a, b) = unsafe { (take(a), take(b)) };
    build(|| Some(exp::int_lshift(a?, b?)))
}

/// `a >> b`, logical. Takes `a` and `b`.
///
/// # Safety
/// `a` and `b` are NULL or expressions the caller gives up.
#[no_mangle]
pub unsafe extern "C" fn sj_exp_int_rshift(a: *mut sj_exp, b: *mut sj_exp) -> *mut sj_exp {
    // SAFETY: the caller's contract.
    let (a, b) = unsafe { (take(a), take(b)) };
    build(|| Some(exp::int_rshift(a?, b?)))
}

/// `a >> b`, arithmetic. Takes `a` and `b`.
///
/// # Safety
/// `a` and `b` are NULL or expressions the caller gives up.
#[no_mangle]
pub unsafe extern "C" fn sj_exp_int_arshift(a: *mut sj_exp, b: *mut sj_exp) -> *mut sj_exp {
    // SAFETY: the caller's contract.
    let (a, b) = unsafe { (take(a), take(b)) };
    build(|| Some(exp::int_arshift(a?, b?)))
}

/// The position (0: most significant) of the first bit of `a` equal to boolean `b` from the left; -1 if none. Takes `a` and `b`.
///
/// # Safety
/// `a` and `b` are NULL or expressions the caller gives up.
#[no_mangle]
pub unsafe extern "C" fn sj_exp_int_lscan(a: *mut sj_exp, b: *mut sj_exp) -> *mut sj_exp {
    // SAFETY: the caller's contract.
    let (a, b) = unsafe { (take(a), take(b)) };
    build(|| Some(exp::int_lscan(a?, b?)))
}

/// As `sj_exp_int_lscan`, from the right. Takes `a` and `b`.
///
/// # Safety
/// `a` and `b` are NULL or expressions the caller gives up.
#[no_mangle]
pub unsafe extern "C" fn sj_exp_int_rscan(a: *mut sj_exp, b: *mut sj_exp) -> *mut sj_exp {
    // SAFETY: the caller's contract.
    let (a, b) = unsafe { (take(a), take(b)) };
    build(|| Some(exp::int_rscan(a?, b?)))
}

/// Not `e`. Takes `e`.
///
/// # Safety
/// `e` is NULL or an expression the caller gives up.
#[no_mangle]
pub unsafe extern "C" fn sj_exp_not(e: *mut sj_exp) -> *mut sj_exp {
    // SAFETY: the caller's contract.
    let e = unsafe { take(e) };
    build(|| Some(exp::not(e?)))
}

/// The absolute value. Takes `e`.
///
/// # Safety
/// `e` is NULL or an expression the caller gives up.
#[no_mangle]
pub unsafe extern "C" fn sj_exp_abs(e: *mut sj_exp) -> *mut sj_exp {
    // SAFETY: the caller's contract.
    let e = unsafe { take(e) };
    build(|| Some(exp::abs(e?)))
}

/// The float rounded down. Takes `e`.
///
/// # Safety
/// `e` is NULL or an expression the caller gives up.
#[no_mangle]
pub unsafe extern "C" fn sj_exp_floor(e: *mut sj_exp) -> *mut sj_exp {
    // SAFETY: the caller's contract.
    let e = unsafe { take(e) };
    build(|| Some(exp::floor(e?)))
}

/// The float rounded up. Takes `e`.
///
/// # Safety
/// `e` is NULL or an expression the caller gives up.
#[no_mangle]
pub unsafe extern "C" fn sj_exp_ceil(e: *mut sj_exp) -> *mut sj_exp {
    // SAFETY: the caller's contract.
    let e = unsafe { take(e) };
    build(|| Some(exp::ceil(e?)))
}

/// The float truncated to an integer. Takes `e`.
///
/// # Safety
/// `e` is NULL or an expression the caller gives up.
#[no_mangle]
pub unsafe extern "C" fn sj_exp_to_int(e: *mut sj_exp) -> *mut sj_exp {
    // SAFETY: the caller's contract.
    let e = unsafe { take(e) };
    build(|| Some(exp::to_int(e?)))
}

/// The integer as a float. Takes `e`.
///
/// # Safety
/// `e` is NULL or an expression the caller gives up.
#[no_mangle]
pub unsafe extern "C" fn sj_exp_to_float(e: *mut sj_exp) -> *mut sj_exp {
    // SAFETY: the caller's contract.
    let e = unsafe { take(e) };
    build(|| Some(exp::to_float(e?)))
}

/// Bitwise not. Takes `e`.
///
/// # Safety
/// `e` is NULL or an expression the caller gives up.
#[no_mangle]
pub unsafe extern "C" fn sj_exp_int_not(e: *mut sj_exp) -> *mut sj_exp {
    // SAFETY: the caller's contract.
    let e = unsafe { take(e) };
    build(|| Some(exp::int_not(e?)))
}

/// The number of bits set. Takes `e`.
///
/// # Safety
/// `e` is NULL or an expression the caller gives up.
#[no_mangle]
pub unsafe extern "C" fn sj_exp_int_count(e: *mut sj_exp) -> *mut sj_exp {
    // SAFETY: the caller's contract.
    let e = unsafe { take(e) };
    build(|| Some(exp::int_count(e?)))
}

/// All of the `n` booleans at `items`. Takes every item.
///
/// # Safety
/// `items` is NULL (with `n` 0) or holds `n` pointers, each NULL or an expression the caller
/// gives up.
#[no_mangle]
pub unsafe extern "C" fn sj_exp_and(items: *const *mut sj_exp, n: usize) -> *mut sj_exp {
    // SAFETY: the caller's contract.
    let items = unsafe { take_all(items, n) };
    build(|| Some(exp::and(items?)))
}

/// Any of the `n` booleans at `items`. Takes every item.
///
/// # Safety
/// `items` is NULL (with `n` 0) or holds `n` pointers, each NULL or an expression the caller
/// gives up.
#[no_mangle]
pub unsafe extern "C" fn sj_exp_or(items: *const *mut sj_exp, n: usize) -> *mut sj_exp {
    // SAFETY: the caller's contract.
    let items = unsafe { take_all(items, n) };
    build(|| Some(exp::or(items?)))
}

/// Exactly one of the `n` booleans at `items`. Takes every item.
///
/// # Safety
/// `items` is NULL (with `n` 0) or holds `n` pointers, each NULL or an expression the caller
/// gives up.
#[no_mangle]
pub unsafe extern "C" fn sj_exp_exclusive(items: *const *mut sj_exp, n: usize) -> *mut sj_exp {
    // SAFETY: the caller's contract.
    let items = unsafe { take_all(items, n) };
    build(|| Some(exp::exclusive(items?)))
}

/// The sum of the `n` numbers at `items` (all integers or all floats). Takes every item.
///
/// # Safety
/// `items` is NULL (with `n` 0) or holds `n` pointers, each NULL or an expression the caller
/// gives up.
#[no_mangle]
pub unsafe extern "C" fn sj_exp_add(items: *const *mut sj_exp, n: usize) -> *mut sj_exp {
    // SAFETY: the caller's contract.
    let items = unsafe { take_all(items, n) };
    build(|| Some(exp::add(items?)))
}

/// The first of the `n` numbers at `items` minus the others (one: its negation). Takes every item.
///
/// # Safety
/// `items` is NULL (with `n` 0) or holds `n` pointers, each NULL or an expression the caller
/// gives up.
#[no_mangle]
pub unsafe extern "C" fn sj_exp_sub(items: *const *mut sj_exp, n: usize) -> *mut sj_exp {
    // SAFETY: the caller's contract.
    let items = unsafe { take_all(items, n) };
    build(|| Some(exp::sub(items?)))
}

/// The product of the `n` numbers at `items`. Takes every item.
///
/// # Safety
/// `items` is NULL (with `n` 0) or holds `n` pointers, each NULL or an expression the caller
/// gives up.
#[no_mangle]
pub unsafe extern "C" fn sj_exp_mul(items: *const *mut sj_exp, n: usize) -> *mut sj_exp {
    // SAFETY: the caller's contract.
    let items = unsafe { take_all(items, n) };
    build(|| Some(exp::mul(items?)))
}

/// The first of the `n` numbers at `items` divided by the others. Takes every item.
///
/// # Safety
/// `items` is NULL (with `n` 0) or holds `n` pointers, each NULL or an expression the caller
/// gives up.
#[no_mangle]
pub unsafe extern "C" fn sj_exp_div(items: *const *mut sj_exp, n: usize) -> *mut sj_exp {
    // SAFETY: the caller's contract.
    let items = unsafe { take_all(items, n) };
    build(|| Some(exp::div(items?)))
}

/// The least of the `n` numbers at `items`. Takes every item.
///
/// # Safety
/// `items` is NULL (with `n` 0) or holds `n` pointers, each NULL or an expression the caller
/// gives up.
#[no_mangle]
pub unsafe extern "C" fn sj_exp_min(items: *const *mut sj_exp, n: usize) -> *mut sj_exp {
    // SAFETY: the caller's contract.
    let items = unsafe { take_all(items, n) };
    build(|| Some(exp::min(items?)))
}

/// The greatest of the `n` numbers at `items`. Takes every item.
///
/// # Safety
/// `items` is NULL (with `n` 0) or holds `n` pointers, each NULL or an expression the caller
/// gives up.
#[no_mangle]
pub unsafe extern "C" fn sj_exp_max(items: *const *mut sj_exp, n: usize) -> *mut sj_exp {
    // SAFETY: the caller's contract.
    let items = unsafe { take_all(items, n) };
    build(|| Some(exp::max(items?)))
}

/// Bitwise and of the `n` integers at `items`. Takes every item.
///
/// # Safety
/// `items` is NULL (with `n` 0) or holds `n` pointers, each NULL or an expression the caller
/// gives up.
#[no_mangle]
pub unsafe extern "C" fn sj_exp_int_and(items: *const *mut sj_exp, n: usize) -> *mut sj_exp {
    // SAFETY: the caller's contract.
    let items = unsafe { take_all(items, n) };
    build(|| Some(exp::int_and(items?)))
}

/// Bitwise or of the `n` integers at `items`. Takes every item.
///
/// # Safety
/// `items` is NULL (with `n` 0) or holds `n` pointers, each NULL or an expression the caller
/// gives up.
#[no_mangle]
pub unsafe extern "C" fn sj_exp_int_or(items: *const *mut sj_exp, n: usize) -> *mut sj_exp {
    // SAFETY: the caller's contract.
    let items = unsafe { take_all(items, n) };
    build(|| Some(exp::int_or(items?)))
}

/// Bitwise xor of the `n` integers at `items`. Takes every item.
///
/// # Safety
/// `items` is NULL (with `n` 0) or holds `n` pointers, each NULL or an expression the caller
/// gives up.
#[no_mangle]
pub unsafe extern "C" fn sj_exp_int_xor(items: *const *mut sj_exp, n: usize) -> *mut sj_exp {
    // SAFETY: the caller's contract.
    let items = unsafe { take_all(items, n) };
    build(|| Some(exp::int_xor(items?)))
}

/// `condition, action, condition, action, ..., default` (`n` at `items`): the action of the first true condition, else the default. Takes every item.
///
/// # Safety
/// `items` is NULL (with `n` 0) or holds `n` pointers, each NULL or an expression the caller
/// gives up.
#[no_mangle]
pub unsafe extern "C" fn sj_exp_cond(items: *const *mut sj_exp, n: usize) -> *mut sj_exp {
    // SAFETY: the caller's contract.
    let items = unsafe { take_all(items, n) };
    build(|| Some(exp::cond(items?)))
}

/// A regex comparison: true if string `e` matches `pattern`, compiled with `flags` (the
/// server's glibc `regcomp` flags: 1 EXTENDED, 2 ICASE, 4 NEWLINE, 8 NOSUB). Takes `e`.
///
/// # Safety
/// `pattern` is NULL or NUL-terminated; `e` is NULL or an expression the caller gives up.
#[no_mangle]
pub unsafe extern "C" fn sj_exp_cmp_regex(flags: i64, pattern: *const c_char, e: *mut sj_exp) -> *mut sj_exp {
    // SAFETY: the caller's contract.
    let (pattern, e) = unsafe { (name_of(pattern), take(e)) };
    build(|| Some(exp::cmp_regex(flags, pattern?, e?)))
}

/// `scope` with `names[i]` bound to `values[i]` for each of the `n` pairs, in order (each sees
/// the ones before). Takes the values and `scope`.
///
/// # Safety
/// `names` is NULL (with `n` 0) or holds `n` NUL-terminated strings; `values` is as for
/// `sj_exp_and`; `scope` is NULL or an expression the caller gives up.
#[no_mangle]
pub unsafe extern "C" fn sj_exp_let(
    names: *const *const c_char,
    values: *const *mut sj_exp,
    n: usize,
    scope: *mut sj_exp,
) -> *mut sj_exp {
    // SAFETY: the caller's contract.
    let (values, scope) = unsafe { (take_all(values, n), take(scope)) };
    // SAFETY: the caller's contract.
    let names = unsafe { super::helpers::names(names, n) }.ok();
    build(|| {
        let defs = names?.into_iter().map(str::to_string).zip(values?).collect();
        Some(exp::let_in(defs, scope?))
    })
}

/// A call of operation `index` of `ops` (a list, map, bit or HLL operation added with the
/// `sj_operations_list_*`, `_map_*`, `_bit_*` or `_hll_*` functions; its bin name is not used,
/// its context is) on the value of `container` (a bin, or any expression of the right type),
/// giving a value of `type` (`SJ_EXP_TYPE_*`): a read gives what the operation reads, a modify
/// the changed copy of the container (nothing is written). NULL if `index` is out of range or
/// names another kind of operation. Takes `container`; `ops` stays the caller's.
///
/// # Safety
/// `ops` is NULL or valid; `container` is NULL or an expression the caller gives up.
#[no_mangle]
pub unsafe extern "C" fn sj_exp_call(
    r#type: u32,
    ops: *const sj_operations,
    index: usize,
    container: *mut sj_exp,
) -> *mut sj_exp {
    // SAFETY: the caller's contract.
    let (ops, container) = unsafe { (ops.as_ref(), take(container)) };
    build(|| exp::call(exp_type(r#type)?, ops?.0.get(index)?, container?).ok())
}

/// A call with a payload packed by the caller (`len` bytes at `payload`, copied: one msgpack
/// array, `[op, args...]` or `[0xFF, ctx, [op, args...]]`) of `system` (`SJ_EXP_CALL_*`, with
/// `SJ_EXP_CALL_MODIFY` for modify operations), giving a value of `type`. Arguments that are
/// arrays are evaluated as expressions: quote list literals as `[126, list]`. Takes `container`.
///
/// # Safety
/// `payload` is valid for `len` bytes; `container` is NULL or an expression the caller gives up.
#[no_mangle]
pub unsafe extern "C" fn sj_exp_call_raw(
    r#type: u32,
    system: u32,
    payload: *const u8,
    len: usize,
    container: *mut sj_exp,
) -> *mut sj_exp {
    // SAFETY: the caller's contract.
    let (payload, container) = unsafe { (bytes(payload, len, "payload").ok(), take(container)) };
    build(|| {
        let payload = Expression::from_bytes(payload?.to_vec()).ok()?.into_bytes();
        Some(exp::call_raw(exp_type(r#type)?, u8::try_from(system).ok()?, payload, container?))
    })
}

/// The number of elements of the list `container` (a list bin or expression), or of the list
/// nested in it that `ctx` leads to (NULL: the list itself). Takes `container`.
///
/// # Safety
/// `ctx` is NULL or valid; `container` is NULL or an expression the caller gives up.
#[no_mangle]
pub unsafe extern "C" fn sj_exp_list_size(ctx: *const sj_ctx, container: *mut sj_exp) -> *mut sj_exp {
    // SAFETY: the caller's contract.
    let (ctx, container) = unsafe { (ctx_in(ctx).ok(), take(container)) };
    build(|| Some(exp::list_size(&ctx?, container?)))
}

/// The element at `index` (an integer expression; negative: from the end) of the list
/// `container` (or the nested one `ctx` leads to), as `return_type` (`SJ_RETURN_*`) says:
/// `SJ_RETURN_VALUE` gives the element, of `value_type` (`SJ_EXP_TYPE_*`); index, rank and
/// count an integer, exists a boolean. Takes `index` and `container`.
///
/// # Safety
/// `ctx` is NULL or valid; `index` and `container` are NULL or expressions the caller gives up.
#[no_mangle]
pub unsafe extern "C" fn sj_exp_list_get_by_index(
    ctx: *const sj_ctx,
    return_type: u32,
    value_type: u32,
    index: *mut sj_exp,
    container: *mut sj_exp,
) -> *mut sj_exp {
    // SAFETY: the caller's contract.
    let (ctx, index, container) = unsafe { (ctx_in(ctx).ok(), take(index), take(container)) };
    build(|| {
        let rt = ReturnType(return_type);
        Some(exp::list_get_by_index(&ctx?, rt, exp_type(value_type)?, index?, container?))
    })
}

/// The number of entries of the map `container` (or of the nested one `ctx` leads to). Takes
/// `container`.
///
/// # Safety
/// `ctx` is NULL or valid; `container` is NULL or an expression the caller gives up.
#[no_mangle]
pub unsafe extern "C" fn sj_exp_map_size(ctx: *const sj_ctx, container: *mut sj_exp) -> *mut sj_exp {
    // SAFETY: the caller's contract.
    let (ctx, container) = unsafe { (ctx_in(ctx).ok(), take(container)) };
    build(|| Some(exp::map_size(&ctx?, container?)))
}

/// The entry of `key` (an expression) of the map `container` (or the nested one `ctx` leads
/// to), as `return_type` says: `SJ_RETURN_VALUE` gives its value, of `value_type`; key-value and
/// map return types a map; index, rank and count an integer; exists a boolean. Takes `key` and
/// `container`.
///
/// # Safety
/// `ctx` is NULL or valid; `key` and `container` are NULL or expressions the caller gives up.
#[no_mangle]
pub unsafe extern "C" fn sj_exp_map_get_by_key(
    ctx: *const sj_ctx,
    return_type: u32,
    value_type: u32,
    key: *mut sj_exp,
    container: *mut sj_exp,
) -> *mut sj_exp {
    // SAFETY: the caller's contract.
    let (ctx, key, container) = unsafe { (ctx_in(ctx).ok(), take(key), take(container)) };
    build(|| {
        let rt = ReturnType(return_type);
        Some(exp::map_get_by_key(&ctx?, rt, exp_type(value_type)?, key?, container?))
    })
}

/// The number of bits set in `bit_size` bits from `bit_offset` (integer expressions) of the
/// blob `container`. Takes all three.
///
/// # Safety
/// Each argument is NULL or an expression the caller gives up.
#[no_mangle]
pub unsafe extern "C" fn sj_exp_bit_count(
    bit_offset: *mut sj_exp,
    bit_size: *mut sj_exp,
    container: *mut sj_exp,
) -> *mut sj_exp {
    // SAFETY: the caller's contract.
    let (offset, size, container) = unsafe { (take(bit_offset), take(bit_size), take(container)) };
    build(|| Some(exp::bit_count(offset?, size?, container?)))
}

/// The estimated count of the HLL `container`. Takes `container`.
///
/// # Safety
/// `container` is NULL or an expression the caller gives up.
#[no_mangle]
pub unsafe extern "C" fn sj_exp_hll_get_count(container: *mut sj_exp) -> *mut sj_exp {
    // SAFETY: the caller's contract.
    let container = unsafe { take(container) };
    build(|| Some(exp::hll_get_count(container?)))
}

/// In a path's filters (`sj_ctx_all_children_with_filter`, `sj_ctx_and_filter`) and the
/// expression of `sj_operations_modify_by_path`: the key (`SJ_EXP_LOOPVAR_KEY`), value
/// (`_VALUE`) or list index (`_INDEX`) of the element at hand, of `type` (`SJ_EXP_TYPE_*`;
/// unknown if it has another). NULL for an unknown type or variable.
#[no_mangle]
pub extern "C" fn sj_exp_loopvar(r#type: u32, var: u32) -> *mut sj_exp {
    let var = match var {
        0 => exp::LoopVar::Key,
        1 => exp::LoopVar::Value,
        2 => exp::LoopVar::Index,
        _ => return std::ptr::null_mut(),
    };
    build(|| Some(exp::loop_var(exp_type(r#type)?, var)))
}

/// As the value of `sj_operations_modify_by_path`'s expression: remove the leaf.
#[no_mangle]
pub extern "C" fn sj_exp_remove_result() -> *mut sj_exp {
    build(|| Some(exp::remove_result()))
}

/// What the path `ctx` (not NULL nor empty) selects in `bin` (a list or map expression),
/// answered as `flags` (`SJ_PATH_SELECT_*`) says, as a value of `type` (a call, as the C
/// client's `as_exp_select_by_path`). Takes `bin`.
///
/// # Safety
/// `ctx` is NULL or valid; `bin` is NULL or an expression the caller gives up.
#[no_mangle]
pub unsafe extern "C" fn sj_exp_select_by_path(
    r#type: u32,
    ctx: *const sj_ctx,
    flags: u32,
    bin: *mut sj_exp,
) -> *mut sj_exp {
    // SAFETY: the caller's contract.
    let (ctx, bin) = unsafe { (ctx_in(ctx).ok(), take(bin)) };
    build(|| {
        let ctx = ctx.filter(|c| !c.is_empty())?;
        Some(exp::select_by_path(exp_type(r#type)?, ctx, crate::cdt::SelectFlags(flags & !4), bin?))
    })
}

/// `bin` (a list or map expression) with every leaf the path `ctx` (not NULL nor empty) selects
/// replaced by the value of `modify` for it, as a value of `type` (nothing is written; the C
/// client's `as_exp_modify_by_path`). `flags`: `SJ_PATH_MODIFY_*`. Takes `modify` and `bin`.
///
/// # Safety
/// `ctx` is NULL or valid; `modify` and `bin` are NULL or expressions the caller gives up.
#[no_mangle]
pub unsafe extern "C" fn sj_exp_modify_by_path(
    r#type: u32,
    ctx: *const sj_ctx,
    modify: *mut sj_exp,
    flags: u32,
    bin: *mut sj_exp,
) -> *mut sj_exp {
    // SAFETY: the caller's contract.
    let (ctx, modify, bin) = unsafe { (ctx_in(ctx).ok(), take(modify), take(bin)) };
    build(|| {
        let ctx = ctx.filter(|c| !c.is_empty())?;
        let flags = crate::cdt::ModifyFlags(flags & !4);
        Some(exp::modify_by_path(exp_type(r#type)?, ctx, modify?, flags, bin?))
    })
}

/// Adds an expression read (op type 7): the value of `exp` for the record, as the operations
/// before it left it, answered as a bin named `name` (nothing for nil). `flags`:
/// `SJ_EXP_READ_*`. `exp` is copied and stays the caller's.
///
/// # Safety
/// `err` is NULL or writable; `ops` is valid; `name` is NUL-terminated; `exp` is valid.
#[no_mangle]
pub unsafe extern "C" fn sj_operations_exp_read(
    err: *mut sj_error,
    ops: *mut sj_operations,
    name: *const c_char,
    exp: *const sj_exp,
    flags: u32,
) -> i32 {
    guard(err, || {
        // SAFETY: the caller's contract.
        let (ops, name, e) =
            unsafe { (object_mut(ops, "operations")?, text(name, "bin name")?, object(exp, "expression")?) };
        crate::value::check_bin_name(name)?;
        if flags & !ExpReadFlags::EVAL_NO_FAIL.0 != 0 {
            return Err(Error::new(code::PARAM, format!("unknown expression read flags {flags:#x}")));
        }
        ops.0.push(exp::read_op(name, e.0.clone(), ExpReadFlags(flags)));
        Ok(())
    })
}

/// Adds an expression write (op type 8): stores the value of `exp` in bin `bin`. `flags`:
/// `SJ_EXP_WRITE_*`, OR-ed. `exp` is copied and stays the caller's.
///
/// # Safety
/// `err` is NULL or writable; `ops` is valid; `bin` is NUL-terminated; `exp` is valid.
#[no_mangle]
pub unsafe extern "C" fn sj_operations_exp_write(
    err: *mut sj_error,
    ops: *mut sj_operations,
    bin: *const c_char,
    exp: *const sj_exp,
    flags: u32,
) -> i32 {
    guard(err, || {
        // SAFETY: the caller's contract.
        let (ops, name, e) =
            unsafe { (object_mut(ops, "operations")?, text(bin, "bin name")?, object(exp, "expression")?) };
        crate::value::check_bin_name(name)?;
        if flags & !0x1f != 0 {
            return Err(Error::new(code::PARAM, format!("unknown expression write flags {flags:#x}")));
        }
        ops.0.push(exp::write_op(name, e.0.clone(), ExpWriteFlags(flags)));
        Ok(())
    })
}

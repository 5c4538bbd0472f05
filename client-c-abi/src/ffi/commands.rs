//! Commands on records by key: put, get, exists, remove, touch, operate, and the batch read.

use std::ffi::c_char;

use super::config::{read_policy, write_policy};
use super::convert::ffi_record;
use super::helpers::{guard, names, null, object};
use super::types::{sj_client, sj_error, sj_key, sj_operations, sj_read_policy, sj_record, sj_write_policy};
use crate::command::Record;
use crate::error::{Error, Result};
use crate::value::{Key, Value};

/// # Safety
/// `record` is NULL or writable.
unsafe fn give_record(out: *mut *mut sj_record, record: Record) -> Result<()> {
    if out.is_null() {
        return Ok(());
    }
    let boxed = ffi_record(record)?;
    // SAFETY: writable by the caller's contract.
    unsafe { *out = Box::into_raw(boxed) };
    Ok(())
}

/// Writes the record's bins. `policy` may be NULL for the defaults.
///
/// # Safety
/// `client`, `key` and `record` are valid; `err` is NULL or writable; `policy` is NULL or valid.
#[no_mangle]
pub unsafe extern "C" fn sj_put(
    client: *const sj_client,
    err: *mut sj_error,
    policy: *const sj_write_policy,
    key: *const sj_key,
    record: *const sj_record,
) -> i32 {
    guard(err, || {
        // SAFETY: the caller's contract.
        let (c, k, r) = unsafe { (object(client, "client")?, object(key, "key")?, object(record, "record")?) };
        let policy = write_policy(policy, &c.0.config().write)?;
        let bins: Vec<(&str, &Value)> = r.bins.iter().map(|b| (b.name.to_str().unwrap_or(""), &b.value)).collect();
        c.0.put(Some(&policy), &k.key, &bins)
    })
}

/// Reads every bin (`bins` NULL or `n_bins` 0) or the `n_bins` named ones into a new `*record` (free it with
/// `sj_record_destroy`). A missing record is `SJ_ERR_RECORD_NOT_FOUND`.
///
/// # Safety
/// `client` and `key` are valid; `err` NULL or writable; `policy` NULL or valid; `bins` NULL or
/// `n_bins` NUL-terminated strings; `record` writable.
#[no_mangle]
pub unsafe extern "C" fn sj_get(
    client: *const sj_client,
    err: *mut sj_error,
    policy: *const sj_read_policy,
    key: *const sj_key,
    bins: *const *const c_char,
    n_bins: usize,
    record: *mut *mut sj_record,
) -> i32 {
    guard(err, || {
        // SAFETY: the caller's contract.
        let (c, k) = unsafe { (object(client, "client")?, object(key, "key")?) };
        if record.is_null() {
            return Err(null("record"));
        }
        let policy = read_policy(policy, &c.0.config().read)?;
        // SAFETY: the caller's contract.
        let names = unsafe { names(bins, n_bins) }?;
        let selected = (!names.is_empty()).then_some(names.as_slice());
        let r = c.0.get(Some(&policy), &k.key, selected)?;
        // SAFETY: writable by the caller's contract.
        unsafe { give_record(record, r) }
    })
}

/// Checks that the record exists: `SJ_OK` (and, if `record` is not NULL, a new record with its
/// generation and TTL and no bins) or `SJ_ERR_RECORD_NOT_FOUND`.
///
/// # Safety
/// As `sj_get`; `record` is NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn sj_exists(
    client: *const sj_client,
    err: *mut sj_error,
    policy: *const sj_read_policy,
    key: *const sj_key,
    record: *mut *mut sj_record,
) -> i32 {
    guard(err, || {
        // SAFETY: the caller's contract.
        let (c, k) = unsafe { (object(client, "client")?, object(key, "key")?) };
        let policy = read_policy(policy, &c.0.config().read)?;
        match c.0.exists(Some(&policy), &k.key)? {
            // SAFETY: NULL or writable by the caller's contract.
            Some(r) => unsafe { give_record(record, r) },
            None => Err(Error::server(2)),
        }
    })
}

/// Deletes the record: `SJ_OK`, or `SJ_ERR_RECORD_NOT_FOUND` if there was none.
///
/// # Safety
/// `client` and `key` are valid; `err` NULL or writable; `policy` NULL or valid.
#[no_mangle]
pub unsafe extern "C" fn sj_remove(
    client: *const sj_client,
    err: *mut sj_error,
    policy: *const sj_write_policy,
    key: *const sj_key,
) -> i32 {
    guard(err, || {
        // SAFETY: the caller's contract.
        let (c, k) = unsafe { (object(client, "client")?, object(key, "key")?) };
        let policy = write_policy(policy, &c.0.config().write)?;
        if c.0.remove(Some(&policy), &k.key)? {
            Ok(())
        } else {
            Err(Error::server(2))
        }
    })
}

/// Resets the record's TTL to the policy's (`ttl`).
///
/// # Safety
/// `client` and `key` are valid; `err` NULL or writable; `policy` NULL or valid.
#[no_mangle]
pub unsafe extern "C" fn sj_touch(
    client: *const sj_client,
    err: *mut sj_error,
    policy: *const sj_write_policy,
    key: *const sj_key,
) -> i32 {
    guard(err, || {
        // SAFETY: the caller's contract.
        let (c, k) = unsafe { (object(client, "client")?, object(key, "key")?) };
        let policy = write_policy(policy, &c.0.config().write)?;
        c.0.touch(Some(&policy), &k.key).map(drop)
    })
}

/// Applies `ops` in order, atomically, and returns what the reads read in a new `*record`
/// (if `record` is not NULL).
///
/// # Safety
/// `client`, `key` and `ops` are valid; `err` NULL or writable; `policy` NULL or valid;
/// `record` NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn sj_operate(
    client: *const sj_client,
    err: *mut sj_error,
    policy: *const sj_write_policy,
    key: *const sj_key,
    ops: *const sj_operations,
    record: *mut *mut sj_record,
) -> i32 {
    guard(err, || {
        // SAFETY: the caller's contract.
        let (c, k, ops) = unsafe { (object(client, "client")?, object(key, "key")?, object(ops, "operations")?) };
        let policy = write_policy(policy, &c.0.config().write)?;
        let r = c.0.operate(Some(&policy), &k.key, &ops.0)?;
        // SAFETY: NULL or writable by the caller's contract.
        unsafe { give_record(record, r) }
    })
}

/// Reads `n_keys` records in one request per node. `records[i]` gets a new record, or NULL
/// if key `i` has none; `codes[i]` (if `codes` is not NULL) gets its result code.
///
/// # Safety
/// `client` valid; `err` NULL or writable; `policy` NULL or valid; `keys` an array of `n_keys`
/// valid keys; `bins` NULL or `n_bins` strings; `records` room for `n_keys` pointers; `codes`
/// NULL or room for `n_keys` codes.
#[no_mangle]
pub unsafe extern "C" fn sj_batch_get(
    client: *const sj_client,
    err: *mut sj_error,
    policy: *const sj_read_policy,
    keys: *const *const sj_key,
    n_keys: usize,
    bins: *const *const c_char,
    n_bins: usize,
    records: *mut *mut sj_record,
    codes: *mut i32,
) -> i32 {
    guard(err, || {
        // SAFETY: the caller's contract.
        let c = unsafe { object(client, "client") }?;
        if n_keys == 0 {
            return Ok(());
        }
        if keys.is_null() || records.is_null() {
            return Err(null("keys or records"));
        }
        let policy = read_policy(policy, &c.0.config().read)?;
        // SAFETY: an array of n_keys key pointers by the caller's contract.
        let list = unsafe { std::slice::from_raw_parts(keys, n_keys) };
        // SAFETY: each a valid key by the caller's contract.
        let keys: Vec<Key> =
            list.iter().map(|&k| unsafe { object(k, "key") }.map(|k| k.key.clone())).collect::<Result<_>>()?;
        // SAFETY: the caller's contract.
        let names = unsafe { names(bins, n_bins) }?;
        let selected = (!names.is_empty()).then_some(names.as_slice());
        let results = c.0.batch_get(Some(&policy), &keys, selected)?;
        for (i, (rc, record)) in results.into_iter().enumerate() {
            let out = match record {
                Some(r) => Box::into_raw(ffi_record(r)?),
                None => std::ptr::null_mut(),
            };
            // SAFETY: room for n_keys entries by the caller's contract.
            unsafe { *records.add(i) = out };
            if !codes.is_null() {
                // SAFETY: room for n_keys entries by the caller's contract.
                unsafe { *codes.add(i) = rc };
            }
        }
        Ok(())
    })
}

//! Lua UDFs: registering modules (`sj_udf_put`, `sj_udf_remove`, `sj_udf_list`), record UDFs
//! (`sj_apply`), background UDFs (`sj_query_background_udf`, `sj_job_done`) and aggregations
//! (`sj_query_aggregate`: the server's values, which the caller combines; this client runs no
//! Lua, see docs/client.md).

use std::ffi::c_char;

use super::convert::{ffi_record, value_in};
use super::helpers::{bytes, guard, millis, null, object, opt_text, text};
use super::query::{scan_policy_in, sj_index_filter};
use super::types::{sj_client, sj_error, sj_key, sj_record, sj_scan_policy, sj_value, sj_write_policy};
use crate::command::Record;
use crate::error::Result;
use crate::udf::UdfQuery;
use crate::value::Value;

fn timeout(ms: u32, default: u32) -> std::time::Duration {
    millis(if ms == 0 { default } else { ms })
}

/// The `n` values at `args`.
///
/// # Safety
/// `args` NULL (with `n` 0) or valid for `n` values.
unsafe fn args_in(args: *const sj_value, n: usize) -> Result<Vec<Value>> {
    if n == 0 {
        return Ok(Vec::new());
    }
    if args.is_null() {
        return Err(null("args"));
    }
    // SAFETY: valid for `n` values, by the caller's contract.
    (0..n).map(|i| unsafe { value_in(args.add(i)) }).collect()
}

/// A record holding `bins`, handed to the caller.
fn record_out(bins: Vec<(String, Value)>, out: *mut *mut sj_record) -> Result<()> {
    let record = ffi_record(Record { generation: 0, void_time: 0, bins, key: None })?;
    // SAFETY: `out` checked non-NULL by the caller of this helper.
    unsafe { *out = Box::into_raw(record) };
    Ok(())
}

/// Registers the Lua module `name` (a file name ending in `.lua`) with the `len` bytes of
/// `content`, then waits until every node lists it, at most `timeout_ms` (0: 10000). A module
/// that does not compile fails with `SJ_ERR_UDF` and Lua's message.
///
/// # Safety
/// `client` valid; `err` NULL or writable; `name` NUL-terminated; `content` valid for `len`.
#[no_mangle]
pub unsafe extern "C" fn sj_udf_put(
    client: *const sj_client,
    err: *mut sj_error,
    name: *const c_char,
    content: *const u8,
    len: usize,
    timeout_ms: u32,
) -> i32 {
    guard(err, || {
        // SAFETY: the caller's contract.
        let (c, name, content) =
            unsafe { (object(client, "client")?, text(name, "name")?, bytes(content, len, "content")?) };
        c.0.udf_put(name, content, timeout(timeout_ms, 10_000))
    })
}

/// Removes module `name` (nothing if there is none), then waits until no node lists it.
///
/// # Safety
/// `client` valid; `err` NULL or writable; `name` NUL-terminated.
#[no_mangle]
pub unsafe extern "C" fn sj_udf_remove(
    client: *const sj_client,
    err: *mut sj_error,
    name: *const c_char,
    timeout_ms: u32,
) -> i32 {
    guard(err, || {
        // SAFETY: the caller's contract.
        let (c, name) = unsafe { (object(client, "client")?, text(name, "name")?) };
        c.0.udf_remove(name, timeout(timeout_ms, 10_000))
    })
}

/// The registered modules as a new `*modules` record (free it with `sj_record_destroy`): one
/// string bin per module, named by its file name, holding its hash.
///
/// # Safety
/// `client` valid; `err` NULL or writable; `modules` writable.
#[no_mangle]
pub unsafe extern "C" fn sj_udf_list(
    client: *const sj_client,
    err: *mut sj_error,
    timeout_ms: u32,
    modules: *mut *mut sj_record,
) -> i32 {
    guard(err, || {
        // SAFETY: the caller's contract.
        let c = unsafe { object(client, "client")? };
        if modules.is_null() {
            return Err(null("modules"));
        }
        let listed = c.0.udf_list(timeout(timeout_ms, 1000))?;
        record_out(listed.into_iter().map(|m| (m.name, Value::Str(m.hash))).collect(), modules)
    })
}

/// Calls `module.function(rec, args...)` on `key`'s record (`module` without `.lua`) and puts
/// what it returned in a new `*result` record (free it with `sj_record_destroy`) as its bin
/// `SUCCESS`. A Lua error fails with `SJ_ERR_UDF` and Lua's message.
///
/// # Safety
/// `client`, `key` valid; `err` NULL or writable; `policy` NULL or valid; strings
/// NUL-terminated; `args` NULL or valid for `n_args` values; `result` writable.
#[no_mangle]
pub unsafe extern "C" fn sj_apply(
    client: *const sj_client,
    err: *mut sj_error,
    policy: *const sj_write_policy,
    key: *const sj_key,
    module: *const c_char,
    function: *const c_char,
    args: *const sj_value,
    n_args: usize,
    result: *mut *mut sj_record,
) -> i32 {
    guard(err, || {
        // SAFETY: the caller's contract.
        let (c, k, module, function) = unsafe {
            (object(client, "client")?, object(key, "key")?, text(module, "module")?, text(function, "function")?)
        };
        if result.is_null() {
            return Err(null("result"));
        }
        // SAFETY: the caller's contract.
        let args = unsafe { args_in(args, n_args) }?;
        let policy = super::config::write_policy(policy, &c.0.config().write)?;
        let value = c.0.apply(Some(&policy), &k.key, module, function, &args)?;
        record_out(vec![("SUCCESS".to_string(), value)], result)
    })
}

/// The C arguments of a background UDF or an aggregation, as the client takes them.
///
/// # Safety
/// As `sj_query_background_udf`.
#[allow(clippy::too_many_arguments)]
unsafe fn udf_query<T>(
    client: *const sj_client,
    policy: *const sj_scan_policy,
    ns: *const c_char,
    set: *const c_char,
    filter: *const sj_index_filter,
    module: *const c_char,
    function: *const c_char,
    args: *const sj_value,
    n_args: usize,
    run: impl FnOnce(&crate::Client, &crate::policy::ScanPolicy, &UdfQuery<'_>) -> Result<T>,
) -> Result<T> {
    // SAFETY: the caller's contract.
    let (c, namespace, set, module, function) = unsafe {
        (
            object(client, "client")?,
            text(ns, "namespace")?,
            opt_text(set)?,
            text(module, "module")?,
            text(function, "function")?,
        )
    };
    // SAFETY: the caller's contract.
    let (policy, args) = unsafe { (scan_policy_in(policy), args_in(args, n_args)?) };
    // SAFETY: NULL or valid, by the caller's contract.
    let filter = unsafe { filter.as_ref() }.map(|f| &f.0);
    run(&c.0, &policy, &UdfQuery { namespace, set, filter, module, function, args: &args })
}

/// Starts a background UDF: `module.function(rec, args...)` on every record of `ns` (and
/// `set`, if not NULL or "") that `filter` selects (NULL: every record), on every node; the
/// function never creates records. Puts the job's id in `*task_id` (see `sj_job_done`).
///
/// # Safety
/// `client` valid; `err` NULL or writable; `policy`, `filter` NULL or valid; strings
/// NUL-terminated (`set` may be NULL); `args` NULL or valid for `n_args`; `task_id` writable.
#[no_mangle]
pub unsafe extern "C" fn sj_query_background_udf(
    client: *const sj_client,
    err: *mut sj_error,
    policy: *const sj_scan_policy,
    ns: *const c_char,
    set: *const c_char,
    filter: *const sj_index_filter,
    module: *const c_char,
    function: *const c_char,
    args: *const sj_value,
    n_args: usize,
    task_id: *mut u64,
) -> i32 {
    guard(err, || {
        if task_id.is_null() {
            return Err(null("task_id"));
        }
        // SAFETY: the caller's contract.
        let id = unsafe {
            udf_query(client, policy, ns, set, filter, module, function, args, n_args, |c, policy, query| {
                c.query_background_udf(Some(policy), query)
            })
        }?;
        // SAFETY: checked non-NULL; writable by the caller's contract.
        unsafe { *task_id = id };
        Ok(())
    })
}

/// Sets `*done` to whether background job `task_id` has finished on every node.
///
/// # Safety
/// `client` valid; `err` NULL or writable; `done` writable.
#[no_mangle]
pub unsafe extern "C" fn sj_job_done(
    client: *const sj_client,
    err: *mut sj_error,
    task_id: u64,
    timeout_ms: u32,
    done: *mut bool,
) -> i32 {
    guard(err, || {
        // SAFETY: the caller's contract.
        let c = unsafe { object(client, "client")? };
        if done.is_null() {
            return Err(null("done"));
        }
        let finished = c.0.job_done(task_id, timeout(timeout_ms, 1000))?;
        // SAFETY: checked non-NULL; writable by the caller's contract.
        unsafe { *done = finished };
        Ok(())
    })
}

/// Runs stream UDF `module.function(stream, args...)` over the records of `ns` (and `set`)
/// that `filter` selects (NULL: every record), on every node, and puts the values the server
/// produced in a new `*values` record (free it with `sj_record_destroy`) as a list in its bin
/// `values`: the stream's result per batch of records, after the server's part (up to and
/// including the first reduce). The caller combines them (this client runs no Lua). A Lua
/// error fails with `SJ_ERR_UDF` and Lua's message.
///
/// # Safety
/// As `sj_query_background_udf`; `values` writable.
#[no_mangle]
pub unsafe extern "C" fn sj_query_aggregate(
    client: *const sj_client,
    err: *mut sj_error,
    policy: *const sj_scan_policy,
    ns: *const c_char,
    set: *const c_char,
    filter: *const sj_index_filter,
    module: *const c_char,
    function: *const c_char,
    args: *const sj_value,
    n_args: usize,
    values: *mut *mut sj_record,
) -> i32 {
    guard(err, || {
        if values.is_null() {
            return Err(null("values"));
        }
        // SAFETY: the caller's contract.
        let found = unsafe {
            udf_query(client, policy, ns, set, filter, module, function, args, n_args, |c, policy, query| {
                c.query_aggregate(Some(policy), query)
            })
        }?;
        record_out(vec![("values".to_string(), Value::List(found))], values)
    })
}

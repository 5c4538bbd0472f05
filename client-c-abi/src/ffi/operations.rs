//! Operation lists for `sj_operate`: making them, adding operations, freeing them.

use std::ffi::c_char;

use super::constants::{SJ_OP_APPEND, SJ_OP_DELETE, SJ_OP_INCR, SJ_OP_PREPEND, SJ_OP_READ, SJ_OP_TOUCH, SJ_OP_WRITE};
use super::convert::{ctx_in, value_in};
use super::helpers::{free_boxed, guard, object_mut, text};
use super::types::{sj_ctx, sj_error, sj_operations, sj_value};
use crate::cdt::Ctx;
use crate::command::Operation;
use crate::error::{code, Error, Result};

/// A new, empty operation list.
#[no_mangle]
pub extern "C" fn sj_operations_new() -> *mut sj_operations {
    Box::into_raw(Box::default())
}

/// Frees an operation list. NULL is ignored.
///
/// # Safety
/// `ops` is NULL or a list from `sj_operations_new` not yet destroyed.
#[no_mangle]
pub unsafe extern "C" fn sj_operations_destroy(ops: *mut sj_operations) {
    // SAFETY: the caller's contract is free_boxed's.
    unsafe { free_boxed(ops) }
}

/// Adds operation `op` (`SJ_OP_*`) on `bin` with `value` (NULL where the operation takes
/// none: read, touch, delete). `SJ_OP_READ` with a NULL bin reads every bin.
///
/// # Safety
/// `err` is NULL or writable; `ops` is valid; `bin` is NULL or NUL-terminated; `value` is
/// NULL or valid.
#[no_mangle]
pub unsafe extern "C" fn sj_operations_add(
    err: *mut sj_error,
    ops: *mut sj_operations,
    op: u32,
    bin: *const c_char,
    value: *const sj_value,
) -> i32 {
    guard(err, || {
        // SAFETY: the caller's contract.
        let ops = unsafe { object_mut(ops, "operations") }?;
        // SAFETY: the caller's contract.
        let name = || unsafe { text(bin, "bin name") }.map(str::to_string);
        // SAFETY: the caller's contract.
        let value = || unsafe { value_in(value) };
        let operation = match op {
            SJ_OP_READ if bin.is_null() => Operation::ReadAll,
            SJ_OP_READ => Operation::Read(name()?),
            SJ_OP_WRITE => Operation::Write(name()?, value()?),
            SJ_OP_INCR => Operation::Increment(name()?, value()?),
            SJ_OP_APPEND => Operation::Append(name()?, value()?),
            SJ_OP_PREPEND => Operation::Prepend(name()?, value()?),
            SJ_OP_TOUCH => Operation::Touch,
            SJ_OP_DELETE => Operation::Delete,
            other => return Err(Error::new(code::PARAM, format!("unknown operation {other}"))),
        };
        if let Operation::Read(n) | Operation::Write(n, _) | Operation::Increment(n, _) = &operation {
            crate::value::check_bin_name(n)?;
        }
        ops.0.push(operation);
        Ok(())
    })
}

/// Adds the operation `make` builds, wrapped by `wrap` with the name `bin` and the context
/// `ctx`, to `ops`: the common part of the `sj_operations_list_*` and `sj_operations_map_*`
/// functions. Nothing is added when an argument is bad.
///
/// # Safety
/// `err` is NULL or writable; `ops` is valid; `bin` is NUL-terminated; `ctx` is NULL or valid.
pub(super) unsafe fn push<T>(
    err: *mut sj_error,
    ops: *mut sj_operations,
    bin: *const c_char,
    ctx: *const sj_ctx,
    wrap: fn(String, T, Vec<Ctx>) -> Operation,
    make: impl FnOnce() -> Result<T>,
) -> i32 {
    guard(err, || {
        // SAFETY: the caller's contract.
        let (ops, name, ctx) = unsafe { (object_mut(ops, "operations")?, text(bin, "bin name")?, ctx_in(ctx)?) };
        crate::value::check_bin_name(name)?;
        ops.0.push(wrap(name.to_string(), make()?, ctx));
        Ok(())
    })
}

//! `sj_operations_select_by_path` / `sj_operations_modify_by_path`: path select and modify (CDT
//! op 0xFE, PROTOCOL-DATA A.9), over paths of `sj_ctx_*` levels, the path levels
//! (`sj_ctx_all_children`, `sj_ctx_all_children_with_filter`, `sj_ctx_and_filter`,
//! `sj_ctx_map_keys_in`) included.

use std::ffi::c_char;

use super::constants::{SJ_PATH_MODIFY_NO_FAIL, SJ_PATH_SELECT_NO_FAIL};
use super::convert::ctx_in;
use super::helpers::{guard, object, object_mut, text};
use super::types::{sj_ctx, sj_error, sj_exp, sj_operations};
use crate::cdt::{self, Ctx, ModifyFlags, SelectFlags};
use crate::error::{code, Error, Result};

/// The path at `ctx`: not empty.
///
/// # Safety
/// As `ctx_in`.
unsafe fn path(ctx: *const sj_ctx) -> Result<Vec<Ctx>> {
    // SAFETY: the caller's contract.
    let ctx = unsafe { ctx_in(ctx) }?;
    if ctx.is_empty() {
        return Err(Error::new(code::PARAM, "a path select or modify needs a context (NULL or empty)"));
    }
    Ok(ctx)
}

/// Adds a path select on bin `bin` (a CDT read): what the path `ctx` (not NULL nor empty)
/// selects, answered as `flags` says: `SJ_PATH_SELECT_MATCHING_TREE` (the bin's tree with only
/// the selected elements), `_VALUE`, `_MAP_KEY` or `_MAP_KEY_VALUE` (lists), OR-ed with
/// `SJ_PATH_SELECT_NO_FAIL`. Sent as the C client's `as_operations_select_by_path` sends it
/// (`[0xFE, ctx, flags]`, the APPLY bit 4 cleared). The path is copied.
///
/// # Safety
/// `err` is NULL or writable; `ops` is valid; `bin` is NUL-terminated; `ctx` is NULL or valid.
#[no_mangle]
pub unsafe extern "C" fn sj_operations_select_by_path(
    err: *mut sj_error,
    ops: *mut sj_operations,
    bin: *const c_char,
    ctx: *const sj_ctx,
    flags: u32,
) -> i32 {
    guard(err, || {
        // SAFETY: the caller's contract.
        let (ops, name, ctx) = unsafe { (object_mut(ops, "operations")?, text(bin, "bin name")?, path(ctx)?) };
        crate::value::check_bin_name(name)?;
        if flags & !(0x0f | SJ_PATH_SELECT_NO_FAIL) != 0 {
            return Err(Error::new(code::PARAM, format!("unknown path select flags {flags:#x}")));
        }
        ops.0.push(cdt::select_by_path(name, ctx, SelectFlags(flags & !4)));
        Ok(())
    })
}

/// Adds a path modify on bin `bin` (a CDT modify): every leaf the path `ctx` (not NULL nor
/// empty) selects is replaced by the value of `exp` for it (in which `sj_exp_loopvar` gives the
/// leaf's key, value or index; `sj_exp_remove_result` removes the leaf), and the bin is written.
/// `flags`: `SJ_PATH_MODIFY_DEFAULT` or `SJ_PATH_MODIFY_NO_FAIL`. Sent as the C client's
/// `as_operations_modify_by_path` sends it (`[0xFE, ctx, flags | 4, exp]`). The path and `exp`
/// are copied (`exp` stays the caller's).
///
/// # Safety
/// `err` is NULL or writable; `ops` is valid; `bin` is NUL-terminated; `ctx` is NULL or valid;
/// `exp` is valid.
#[no_mangle]
pub unsafe extern "C" fn sj_operations_modify_by_path(
    err: *mut sj_error,
    ops: *mut sj_operations,
    bin: *const c_char,
    ctx: *const sj_ctx,
    exp: *const sj_exp,
    flags: u32,
) -> i32 {
    guard(err, || {
        // SAFETY: the caller's contract.
        let (ops, name, ctx, e) =
            unsafe { (object_mut(ops, "operations")?, text(bin, "bin name")?, path(ctx)?, object(exp, "expression")?) };
        crate::value::check_bin_name(name)?;
        if flags & !(SJ_PATH_MODIFY_NO_FAIL | 4) != 0 {
            return Err(Error::new(code::PARAM, format!("unknown path modify flags {flags:#x}")));
        }
        ops.0.push(cdt::modify_by_path(name, ctx, e.0.clone(), ModifyFlags(flags & !4)));
        Ok(())
    })
}

//! Scans: `sj_scan` walks a namespace or set and hands each record to a C callback (a query
//! without a where clause, see `query.rs`).

use std::ffi::{c_char, c_void};

use super::types::{sj_client, sj_error, sj_scan_callback, sj_scan_policy};

/// Scans `ns` (and `set`, if not NULL or ""), calling `callback` with each record until it
/// returns false. `bins` NULL reads every bin. Runs on the calling thread.
///
/// # Safety
/// `client` valid; `err` NULL or writable; `policy` NULL or valid; strings NUL-terminated;
/// `bins` NULL or `n_bins` strings; `callback` a function that does not unwind.
#[no_mangle]
pub unsafe extern "C" fn sj_scan(
    client: *const sj_client,
    err: *mut sj_error,
    policy: *const sj_scan_policy,
    ns: *const c_char,
    set: *const c_char,
    bins: *const *const c_char,
    n_bins: usize,
    callback: sj_scan_callback,
    udata: *mut c_void,
) -> i32 {
    // SAFETY: the caller's contract is sj_query's, with no filter and every partition.
    unsafe {
        super::query::sj_query(
            client,
            err,
            policy,
            ns,
            set,
            bins,
            n_bins,
            std::ptr::null(),
            std::ptr::null_mut(),
            callback,
            udata,
        )
    }
}

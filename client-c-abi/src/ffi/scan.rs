//! Scans: `sj_scan` walks a namespace or set and hands each record to a C callback.

use std::ffi::{c_char, c_void};

use super::convert::ffi_record;
use super::helpers::{guard, millis, names, null, object, opt_text, text};
use super::types::{sj_client, sj_error, sj_scan_callback, sj_scan_policy};
use crate::policy::{BasePolicy, ScanPolicy};

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
    guard(err, || {
        // SAFETY: the caller's contract.
        let (c, ns, set) = unsafe { (object(client, "client")?, text(ns, "namespace")?, opt_text(set)?) };
        let callback = callback.ok_or_else(|| null("callback"))?;
        // SAFETY: NULL or a valid policy by the caller's contract.
        let policy = match unsafe { policy.as_ref() } {
            Some(p) => ScanPolicy {
                base: BasePolicy { socket_timeout: millis(p.socket_timeout_ms), ..BasePolicy::LONG },
                max_records: p.max_records,
                records_per_second: p.records_per_second,
                no_bins: p.no_bins,
                // SAFETY: NULL or a valid expression, by the policy's contract.
                filter: unsafe { super::config::filter_in(p.filter) },
            },
            None => ScanPolicy::default(),
        };
        // SAFETY: the caller's contract.
        let names = unsafe { names(bins, n_bins) }?;
        let selected = (!names.is_empty()).then_some(names.as_slice());
        let mut failure = None;
        c.0.scan(Some(&policy), ns, set, selected, |record| match ffi_record(record) {
            // SAFETY: the callback's contract; the record lives through the call.
            Ok(r) => unsafe { callback(&*r, udata) },
            Err(e) => {
                failure = Some(e);
                false
            }
        })?;
        failure.map_or(Ok(()), Err)
    })
}

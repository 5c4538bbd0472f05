//! Cluster information: info requests, the node names, and freeing the strings they return.

use std::ffi::{c_char, CString};

use super::helpers::{guard, millis, null, object, text};
use super::types::{sj_client, sj_error};
use crate::error::{code, Error};

/// Sends an info request (commands separated by newlines) to the node named `node`, or to any
/// node if `node` is NULL, and returns the raw answer in a new string (free it with
/// `sj_string_destroy`). `timeout_ms` 0 means 1000.
///
/// # Safety
/// `client` valid; `err` NULL or writable; strings NULL (node) or NUL-terminated; `response`
/// writable.
#[no_mangle]
pub unsafe extern "C" fn sj_info(
    client: *const sj_client,
    err: *mut sj_error,
    node: *const c_char,
    request: *const c_char,
    timeout_ms: u32,
    response: *mut *mut c_char,
) -> i32 {
    guard(err, || {
        // SAFETY: the caller's contract.
        let (c, request) = unsafe { (object(client, "client")?, text(request, "request")?) };
        // SAFETY: the caller's contract.
        let node = if node.is_null() { None } else { Some(unsafe { text(node, "node") }?) };
        if response.is_null() {
            return Err(null("response"));
        }
        let timeout = millis(if timeout_ms == 0 { 1000 } else { timeout_ms });
        let answer = c.0.info(node, request, timeout)?;
        let owned = CString::new(answer.replace('\0', "")).expect("NULs removed");
        // SAFETY: writable by the caller's contract.
        unsafe { *response = owned.into_raw() };
        Ok(())
    })
}

/// The names of the cluster's nodes, comma-separated, in a new string (free it with
/// `sj_string_destroy`).
///
/// # Safety
/// `client` valid; `err` NULL or writable; `names` writable.
#[no_mangle]
pub unsafe extern "C" fn sj_node_names(client: *const sj_client, err: *mut sj_error, names: *mut *mut c_char) -> i32 {
    guard(err, || {
        // SAFETY: the caller's contract.
        let c = unsafe { object(client, "client") }?;
        if names.is_null() {
            return Err(null("names"));
        }
        let list = CString::new(c.0.node_names().join(",")).map_err(|_| Error::new(code::CLIENT, "bad node name"))?;
        // SAFETY: writable by the caller's contract.
        unsafe { *names = list.into_raw() };
        Ok(())
    })
}

/// Frees a string returned by this library. NULL is ignored.
///
/// # Safety
/// `s` is NULL or a string from `sj_info` or `sj_node_names`, not yet freed.
#[no_mangle]
pub unsafe extern "C" fn sj_string_destroy(s: *mut c_char) {
    if !s.is_null() {
        // SAFETY: made by CString::into_raw here, freed once.
        drop(unsafe { CString::from_raw(s) });
    }
}

//! Secondary indexes and queries: `sj_index_create` / `sj_index_remove`, a query's where clause
//! (`sj_index_filter`), the partitions it covers and how far it got (`sj_partition_filter`,
//! for pagination), and `sj_query`, which hands each record to a C callback as `sj_scan` does.

use std::ffi::{c_char, c_void};

use super::constants::{
    SJ_INDEX_BLOB, SJ_INDEX_DEFAULT, SJ_INDEX_GEO2DSPHERE, SJ_INDEX_LIST, SJ_INDEX_MAPKEYS, SJ_INDEX_MAPVALUES,
    SJ_INDEX_NUMERIC, SJ_INDEX_STRING,
};
use super::convert::{ctx_in, ffi_record};
use super::helpers::{bytes, free_boxed, guard, millis, names, null, object, object_mut, opt_text, text};
use super::types::{sj_client, sj_ctx, sj_error, sj_exp, sj_scan_callback, sj_scan_policy};
use crate::error::{code, Error, Result};
use crate::policy::{BasePolicy, ScanPolicy};
use crate::query::{IndexCollection, IndexFilter, IndexSource, IndexType, PartitionFilter};

/// A query's where clause (make one with `sj_index_filter_*`, free it with
/// `sj_index_filter_destroy`).
pub struct sj_index_filter(pub(super) IndexFilter);

/// The partitions a query covers and how far each got (`sj_partition_filter_all` /
/// `_range`; free it with `sj_partition_filter_destroy`). Pass the same one to `sj_query` again
/// to go on where a query with `max_records` stopped.
pub struct sj_partition_filter(PartitionFilter);

fn collection(value: u32) -> Result<IndexCollection> {
    Ok(match value {
        SJ_INDEX_DEFAULT => IndexCollection::Default,
        SJ_INDEX_LIST => IndexCollection::List,
        SJ_INDEX_MAPKEYS => IndexCollection::MapKeys,
        SJ_INDEX_MAPVALUES => IndexCollection::MapValues,
        other => return Err(Error::new(code::PARAM, format!("unknown index collection {other}"))),
    })
}

fn index_type(value: u32) -> Result<IndexType> {
    Ok(match value {
        SJ_INDEX_NUMERIC => IndexType::Numeric,
        SJ_INDEX_STRING => IndexType::String,
        SJ_INDEX_BLOB => IndexType::Blob,
        SJ_INDEX_GEO2DSPHERE => IndexType::Geo2dSphere,
        other => return Err(Error::new(code::PARAM, format!("unknown index type {other}"))),
    })
}

/// Creates the secondary index `name` on `bin` (or, with `bin` NULL, on the expression `exp`)
/// of `ns` (and `set`, if not NULL or ""), holding `index_type` (`SJ_INDEX_NUMERIC`, ...)
/// values of `collection` (`SJ_INDEX_DEFAULT`, `_LIST`, `_MAPKEYS`, `_MAPVALUES`), at the
/// context `ctx` inside the bin if not NULL; then waits until every node has built it, at
/// most `timeout_ms` (0: 30000).
///
/// # Safety
/// `client` valid; `err` NULL or writable; strings NUL-terminated (`set`, `bin` may be NULL);
/// `exp` NULL or valid; `ctx` NULL or valid.
#[no_mangle]
pub unsafe extern "C" fn sj_index_create(
    client: *const sj_client,
    err: *mut sj_error,
    ns: *const c_char,
    set: *const c_char,
    name: *const c_char,
    bin: *const c_char,
    exp: *const sj_exp,
    index_type: u32,
    collection: u32,
    ctx: *const sj_ctx,
    timeout_ms: u32,
) -> i32 {
    guard(err, || {
        // SAFETY: the caller's contract.
        let (c, ns, set, name) =
            unsafe { (object(client, "client")?, text(ns, "namespace")?, opt_text(set)?, text(name, "name")?) };
        // SAFETY: the caller's contract.
        let context = unsafe { ctx_in(ctx) }?;
        let packed = (!context.is_empty()).then(|| crate::cdt::pack_context(&context));
        // SAFETY: NULL or valid, by the caller's contract.
        let source = match (unsafe { exp.as_ref() }, bin.is_null()) {
            (Some(e), true) => IndexSource::Expression(e.0.as_bytes()),
            // SAFETY: NUL-terminated by the caller's contract.
            (None, false) => IndexSource::Bin(unsafe { text(bin, "bin") }?),
            _ => return Err(Error::new(code::PARAM, "give either a bin or an expression")),
        };
        let timeout = millis(if timeout_ms == 0 { 30_000 } else { timeout_ms });
        let (kind, of) = (self::index_type(index_type)?, self::collection(collection)?);
        c.0.index_create(ns, set, name, source, kind, of, packed.as_deref(), timeout)
    })
}

/// Drops the secondary index `name` of `ns` (nothing if there is none). `timeout_ms` 0: 1000.
///
/// # Safety
/// `client` valid; `err` NULL or writable; strings NUL-terminated.
#[no_mangle]
pub unsafe extern "C" fn sj_index_remove(
    client: *const sj_client,
    err: *mut sj_error,
    ns: *const c_char,
    name: *const c_char,
    timeout_ms: u32,
) -> i32 {
    guard(err, || {
        // SAFETY: the caller's contract.
        let (c, ns, name) = unsafe { (object(client, "client")?, text(ns, "namespace")?, text(name, "name")?) };
        c.0.index_remove(ns, name, millis(if timeout_ms == 0 { 1000 } else { timeout_ms }))
    })
}

/// A scan policy from C (NULL: the defaults).
///
/// # Safety
/// `policy` NULL or valid (its filter NULL or a valid expression).
pub(super) unsafe fn scan_policy_in(policy: *const sj_scan_policy) -> ScanPolicy {
    // SAFETY: the caller's contract.
    match unsafe { policy.as_ref() } {
        Some(p) => ScanPolicy {
            base: BasePolicy { socket_timeout: millis(p.socket_timeout_ms), ..BasePolicy::LONG },
            max_records: p.max_records,
            records_per_second: p.records_per_second,
            no_bins: p.no_bins,
            // SAFETY: NULL or a valid expression, by the policy's contract.
            filter: unsafe { super::config::filter_in(p.filter) },
        },
        None => ScanPolicy::default(),
    }
}

fn boxed(filter: Result<IndexFilter>) -> *mut sj_index_filter {
    filter.map_or(std::ptr::null_mut(), |f| Box::into_raw(Box::new(sj_index_filter(f))))
}

/// Integers of `bin` in `[begin, end]`; NULL if `bin` is NULL.
///
/// # Safety
/// `bin` NULL or NUL-terminated.
#[no_mangle]
pub unsafe extern "C" fn sj_index_filter_range(bin: *const c_char, begin: i64, end: i64) -> *mut sj_index_filter {
    // SAFETY: the caller's contract.
    boxed(unsafe { opt_text(bin) }.map(|b| IndexFilter::range(b, begin, end)))
}

/// The string `value` in `bin`; NULL if either is NULL.
///
/// # Safety
/// Strings NULL or NUL-terminated.
#[no_mangle]
pub unsafe extern "C" fn sj_index_filter_equal_str(bin: *const c_char, value: *const c_char) -> *mut sj_index_filter {
    // SAFETY: the caller's contract.
    boxed(unsafe { opt_text(bin).and_then(|b| Ok(IndexFilter::equal_str(b, text(value, "value")?))) })
}

/// The blob `value` (`len` bytes) in `bin`; NULL if a pointer is NULL.
///
/// # Safety
/// `bin` NULL or NUL-terminated; `value` NULL or valid for `len` bytes.
#[no_mangle]
pub unsafe extern "C" fn sj_index_filter_equal_blob(
    bin: *const c_char,
    value: *const u8,
    len: usize,
) -> *mut sj_index_filter {
    // SAFETY: the caller's contract.
    boxed(unsafe { opt_text(bin).and_then(|b| Ok(IndexFilter::equal_blob(b, bytes(value, len, "value")?))) })
}

/// GeoJSON points of `bin` inside the GeoJSON region `region`; NULL if a pointer is NULL.
///
/// # Safety
/// Strings NULL or NUL-terminated.
#[no_mangle]
pub unsafe extern "C" fn sj_index_filter_geo_within(bin: *const c_char, region: *const c_char) -> *mut sj_index_filter {
    // SAFETY: the caller's contract.
    boxed(unsafe { opt_text(bin).and_then(|b| Ok(IndexFilter::geo_within(b, text(region, "region")?))) })
}

/// GeoJSON regions of `bin` containing the GeoJSON point `point`; NULL if a pointer is NULL.
///
/// # Safety
/// Strings NULL or NUL-terminated.
#[no_mangle]
pub unsafe extern "C" fn sj_index_filter_geo_contains(
    bin: *const c_char,
    point: *const c_char,
) -> *mut sj_index_filter {
    // SAFETY: the caller's contract.
    boxed(unsafe { opt_text(bin).and_then(|b| Ok(IndexFilter::geo_contains(b, text(point, "point")?))) })
}

/// Makes the clause one on a list, map-keys or map-values index (`SJ_INDEX_LIST`, ...), on
/// the index at context `ctx` inside the bin (NULL: none), on the index named `index_name`
/// (NULL: found by its definition), or on the expression index of `exp` (NULL: none).
///
/// # Safety
/// `err` NULL or writable; `filter` valid; `ctx`, `exp` NULL or valid; `index_name` NULL or
/// NUL-terminated.
#[no_mangle]
pub unsafe extern "C" fn sj_index_filter_set(
    err: *mut sj_error,
    filter: *mut sj_index_filter,
    collection: u32,
    ctx: *const sj_ctx,
    index_name: *const c_char,
    exp: *const sj_exp,
) -> i32 {
    guard(err, || {
        // SAFETY: the caller's contract.
        let f = unsafe { object_mut(filter, "filter") }?;
        let mut next = f.0.clone().collection(self::collection(collection)?);
        // SAFETY: the caller's contract.
        let context = unsafe { ctx_in(ctx) }?;
        if !context.is_empty() {
            next = next.context(crate::cdt::pack_context(&context));
        }
        if !index_name.is_null() {
            // SAFETY: NUL-terminated by the caller's contract.
            next = next.index_name(unsafe { text(index_name, "index name") }?);
        }
        // SAFETY: NULL or valid by the caller's contract.
        if let Some(e) = unsafe { exp.as_ref() } {
            next = next.expression(e.0.as_bytes().to_vec());
        }
        f.0 = next;
        Ok(())
    })
}

/// Frees a where clause. NULL is ignored.
///
/// # Safety
/// `filter` is NULL or from `sj_index_filter_*`, not yet destroyed.
#[no_mangle]
pub unsafe extern "C" fn sj_index_filter_destroy(filter: *mut sj_index_filter) {
    // SAFETY: the caller's contract is free_boxed's.
    unsafe { free_boxed(filter) }
}

/// Every partition.
#[no_mangle]
pub extern "C" fn sj_partition_filter_all() -> *mut sj_partition_filter {
    Box::into_raw(Box::new(sj_partition_filter(PartitionFilter::all())))
}

/// Partitions `begin .. begin + count`; NULL unless within 0..4096 and `count` > 0.
#[no_mangle]
pub extern "C" fn sj_partition_filter_range(begin: u16, count: u16) -> *mut sj_partition_filter {
    PartitionFilter::range(begin, count)
        .map_or(std::ptr::null_mut(), |f| Box::into_raw(Box::new(sj_partition_filter(f))))
}

/// True when every partition of the filter is done (a query with it has nothing more to give).
///
/// # Safety
/// `filter` valid.
#[no_mangle]
pub unsafe extern "C" fn sj_partition_filter_is_done(filter: *const sj_partition_filter) -> bool {
    // SAFETY: the caller's contract.
    unsafe { filter.as_ref() }.is_some_and(|f| f.0.is_done())
}

/// Frees a partition filter. NULL is ignored.
///
/// # Safety
/// `filter` is NULL or from `sj_partition_filter_*`, not yet destroyed.
#[no_mangle]
pub unsafe extern "C" fn sj_partition_filter_destroy(filter: *mut sj_partition_filter) {
    // SAFETY: the caller's contract is free_boxed's.
    unsafe { free_boxed(filter) }
}

/// Queries `ns` (and `set`, if not NULL or "") with the where clause `filter` (NULL: every
/// record, as a scan), over `partitions` (NULL: all), calling `callback` with each record
/// until it returns false. With `max_records` in `policy` the query stops after that many and
/// `partitions` keeps where it got: call again with it until `sj_partition_filter_is_done`.
/// `bins` NULL reads every bin. Runs on the calling thread.
///
/// # Safety
/// `client` valid; `err` NULL or writable; `policy`, `filter`, `partitions` NULL or valid;
/// strings NUL-terminated; `bins` NULL or `n_bins` strings; `callback` a function that does
/// not unwind.
#[no_mangle]
pub unsafe extern "C" fn sj_query(
    client: *const sj_client,
    err: *mut sj_error,
    policy: *const sj_scan_policy,
    ns: *const c_char,
    set: *const c_char,
    bins: *const *const c_char,
    n_bins: usize,
    filter: *const sj_index_filter,
    partitions: *mut sj_partition_filter,
    callback: sj_scan_callback,
    udata: *mut c_void,
) -> i32 {
    guard(err, || {
        // SAFETY: the caller's contract.
        let (c, ns, set) = unsafe { (object(client, "client")?, text(ns, "namespace")?, opt_text(set)?) };
        let callback = callback.ok_or_else(|| null("callback"))?;
        // SAFETY: NULL or a valid policy by the caller's contract.
        let policy = unsafe { scan_policy_in(policy) };
        // SAFETY: the caller's contract.
        let names = unsafe { names(bins, n_bins) }?;
        let selected = (!names.is_empty()).then_some(names.as_slice());
        // SAFETY: NULL or valid, by the caller's contract.
        let filter = unsafe { filter.as_ref() }.map(|f| &f.0);
        let mut all = PartitionFilter::all();
        // SAFETY: NULL or valid, by the caller's contract.
        let parts = match unsafe { partitions.as_mut() } {
            Some(p) => &mut p.0,
            None => &mut all,
        };
        let mut failure = None;
        c.0.query(Some(&policy), ns, set, selected, filter, parts, |record| match ffi_record(record) {
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

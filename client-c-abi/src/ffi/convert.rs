//! Conversions between the C side and the client's Rust types: `sj_value` to and from `Value`,
//! and keys and records from the client into the handles this library gives out.

use std::ffi::CString;

use super::constants::{
    SJ_CTX_AND_EXP, SJ_CTX_EXP, SJ_TYPE_BOOL, SJ_TYPE_BYTES, SJ_TYPE_EXP, SJ_TYPE_FLOAT, SJ_TYPE_GEOJSON, SJ_TYPE_HLL,
    SJ_TYPE_INFINITY, SJ_TYPE_INT, SJ_TYPE_LIST, SJ_TYPE_MAP, SJ_TYPE_NIL, SJ_TYPE_STR, SJ_TYPE_WILDCARD,
};
use super::helpers::{bytes, object};
use super::types::{sj_ctx, sj_key, sj_record, sj_value, FfiBin, ValueStorage};
use crate::cdt::Ctx;
use crate::command::Record;
use crate::error::{code, Error, Result};
use crate::value::{Key, UserKey, Value};

/// Deepest nesting of lists and maps taken from C; it also ends a cycle of `items` pointers.
const MAX_DEPTH: usize = crate::msgpack::MAX_DEPTH;

/// The levels of a context; NULL (or none) for the bin's own list or map.
///
/// # Safety
/// `ctx` is NULL or valid: `items` holds `n` items with valid values.
pub(super) unsafe fn ctx_in(ctx: *const sj_ctx) -> Result<Vec<Ctx>> {
    // SAFETY: the caller's contract.
    let Some(ctx) = (unsafe { ctx.as_ref() }) else { return Ok(Vec::new()) };
    if ctx.n == 0 {
        return Ok(Vec::new());
    }
    if ctx.items.is_null() {
        return Err(super::helpers::null("context items"));
    }
    // SAFETY: `n` items by the caller's contract.
    let items = unsafe { std::slice::from_raw_parts(ctx.items, ctx.n) };
    let level = |(i, item): (usize, &super::types::sj_ctx_item)| {
        let ctx = if item.value.r#type == SJ_TYPE_EXP {
            // A path level with an expression: its packed bytes.
            // SAFETY: data valid for len bytes by the caller's contract.
            let data = unsafe { bytes(item.value.data, item.value.len, "expression") };
            data.and_then(|d| crate::exp::Expression::from_bytes(d.to_vec())).and_then(|e| match item.r#type {
                SJ_CTX_EXP => Ok(Ctx::AllChildrenWhere(e)),
                SJ_CTX_AND_EXP => Ok(Ctx::AndFilter(e)),
                t => Err(Error::new(code::PARAM, format!("context type {t:#x} takes no expression"))),
            })
        } else {
            // SAFETY: a valid value by the caller's contract.
            unsafe { value_from(&item.value, 0) }.and_then(|v| Ctx::from_wire(item.r#type, v))
        };
        ctx.map_err(|e| Error::new(e.code, format!("context level {i}: {}", e.message)))
    };
    items.iter().enumerate().map(level).collect()
}

/// # Safety
/// `v` is NULL or a valid `sj_value`: `data` valid for `len` bytes, `items` for `len` values
/// (lists) or 2 × `len` (maps), recursively.
pub(super) unsafe fn value_in(v: *const sj_value) -> Result<Value> {
    // SAFETY: the caller's contract.
    let v = unsafe { object(v, "value") }?;
    // SAFETY: the caller's contract.
    unsafe { value_from(v, 0) }
}

/// # Safety
/// As `value_in`.
unsafe fn value_from(v: &sj_value, depth: usize) -> Result<Value> {
    // SAFETY: the caller's contract on data and len.
    let data = || unsafe { bytes(v.data, v.len, "value data") };
    let container = v.r#type == SJ_TYPE_LIST || v.r#type == SJ_TYPE_MAP;
    if container && depth >= MAX_DEPTH {
        return Err(Error::new(code::PARAM, format!("lists and maps nested deeper than {MAX_DEPTH} levels")));
    }
    Ok(match v.r#type {
        SJ_TYPE_NIL => Value::Nil,
        SJ_TYPE_INT => Value::Int(v.i),
        SJ_TYPE_FLOAT => Value::Float(v.f),
        SJ_TYPE_STR => Value::Str(
            std::str::from_utf8(data()?).map_err(|_| Error::new(code::PARAM, "string value is not UTF-8"))?.to_string(),
        ),
        SJ_TYPE_BYTES => Value::Bytes(data()?.to_vec()),
        SJ_TYPE_BOOL => Value::Bool(v.i != 0),
        // The msgpack form: the list or map packed by the caller.
        _ if container && v.items.is_null() && v.len > 0 => crate::msgpack::unpack(data()?)
            .map_err(|e| Error::new(code::PARAM, format!("list or map value: {}", e.message)))?,
        SJ_TYPE_LIST => {
            // SAFETY: `len` values at `items` by the caller's contract.
            let items = unsafe { values(v.items, v.len) }?;
            // SAFETY: each valid by the caller's contract.
            Value::List(items.iter().map(|item| unsafe { value_from(item, depth + 1) }).collect::<Result<_>>()?)
        }
        SJ_TYPE_MAP => {
            let n = v.len.checked_mul(2).ok_or_else(|| Error::new(code::PARAM, "map entry count overflows"))?;
            // SAFETY: 2 × `len` values at `items` by the caller's contract.
            let items = unsafe { values(v.items, n) }?;
            let mut entries = Vec::with_capacity(v.len);
            for pair in items.chunks_exact(2) {
                // SAFETY: each valid by the caller's contract.
                let (k, v) = unsafe { (value_from(&pair[0], depth + 1)?, value_from(&pair[1], depth + 1)?) };
                entries.push((k, v));
            }
            Value::Map(entries)
        }
        SJ_TYPE_GEOJSON => Value::Raw(SJ_TYPE_GEOJSON as u8, data()?.to_vec()),
        SJ_TYPE_HLL => Value::hll(data()?.to_vec()),
        SJ_TYPE_WILDCARD => Value::Wildcard,
        SJ_TYPE_INFINITY => Value::Infinity,
        t => return Err(Error::new(code::PARAM, format!("unknown value type {t}"))),
    })
}

/// A range's count: None for `SJ_COUNT_TO_END`.
pub(super) fn count_of(count: u64) -> Option<u64> {
    (count != super::constants::SJ_COUNT_TO_END).then_some(count)
}

/// `value`, or `default` for NULL.
///
/// # Safety
/// As `value_in`.
pub(super) unsafe fn value_or(v: *const sj_value, default: Value) -> Result<Value> {
    if v.is_null() {
        return Ok(default);
    }
    // SAFETY: the caller's contract.
    unsafe { value_in(v) }
}

/// `value`, or None for NULL.
///
/// # Safety
/// As `value_in`.
pub(super) unsafe fn opt_value_in(v: *const sj_value) -> Result<Option<Value>> {
    if v.is_null() {
        return Ok(None);
    }
    // SAFETY: the caller's contract.
    unsafe { value_in(v) }.map(Some)
}

/// The `n` values at `items`.
///
/// # Safety
/// `items` holds `n` valid values (or is NULL with `n` 0).
pub(super) unsafe fn values_in(items: *const sj_value, n: usize) -> Result<Vec<Value>> {
    // SAFETY: the caller's contract.
    let items = unsafe { values(items, n) }?;
    // SAFETY: each valid by the caller's contract.
    items.iter().map(|v| unsafe { value_from(v, 0) }).collect()
}

/// The `n` entries at `keys_and_values` (each key then its value).
///
/// # Safety
/// `keys_and_values` holds 2 × `n` valid values (or is NULL with `n` 0).
pub(super) unsafe fn entries_in(keys_and_values: *const sj_value, n: usize) -> Result<Vec<(Value, Value)>> {
    let total = n.checked_mul(2).ok_or_else(|| Error::new(code::PARAM, "map entry count overflows"))?;
    // SAFETY: the caller's contract.
    let items = unsafe { values_in(keys_and_values, total) }?;
    let mut items = items.into_iter();
    Ok(std::iter::from_fn(|| Some((items.next()?, items.next()?))).collect())
}

/// # Safety
/// `items` is valid for `n` values, or NULL with `n` 0.
unsafe fn values<'a>(items: *const sj_value, n: usize) -> Result<&'a [sj_value]> {
    if n == 0 {
        return Ok(&[]);
    }
    if items.is_null() {
        return Err(Error::new(code::PARAM, "list or map items are NULL"));
    }
    // SAFETY: valid for `n` values by the caller's contract.
    Ok(unsafe { std::slice::from_raw_parts(items, n) })
}

/// The `sj_value` view of `value`, its bytes and element arrays kept in `storage`.
pub(super) fn value_out(value: &Value, storage: &mut ValueStorage) -> sj_value {
    let mut out = sj_value { r#type: u32::from(value.particle_type()), ..sj_value::NIL };
    let mut keep = |bytes: Box<[u8]>| {
        let p = bytes.as_ptr();
        storage.buffers.push(bytes);
        p
    };
    match value {
        Value::Nil => {}
        Value::Int(i) => out.i = *i,
        Value::Float(f) => out.f = *f,
        Value::Bool(b) => out.i = i64::from(*b),
        Value::Str(s) => {
            out.data = keep(s.bytes().chain([0]).collect()); // NUL-terminated for C
            out.len = s.len();
        }
        Value::Bytes(b) | Value::Raw(_, b) => {
            out.data = keep(b.clone().into_boxed_slice());
            out.len = b.len();
        }
        Value::Wildcard => out.r#type = SJ_TYPE_WILDCARD,
        Value::Infinity => out.r#type = SJ_TYPE_INFINITY,
        Value::List(items) => {
            let array: Box<[sj_value]> = items.iter().map(|item| value_out(item, storage)).collect();
            out.items = array.as_ptr();
            out.len = items.len();
            storage.arrays.push(array);
        }
        Value::Map(entries) => {
            let mut array = Vec::with_capacity(entries.len() * 2);
            for (k, v) in entries {
                array.push(value_out(k, storage));
                array.push(value_out(v, storage));
            }
            let array = array.into_boxed_slice();
            out.items = array.as_ptr();
            out.len = entries.len();
            storage.arrays.push(array);
        }
    }
    out
}

pub(super) fn ffi_bin(name: &str, value: Value) -> Result<FfiBin> {
    let name = CString::new(name).map_err(|_| Error::new(code::PARAM, "bin name contains NUL"))?;
    let mut storage = ValueStorage::default();
    let view = value_out(&value, &mut storage);
    Ok(FfiBin { name, value, view, storage })
}

pub(super) fn ffi_key(key: Key) -> Result<sj_key> {
    let nul = |_| Error::new(code::PARAM, "name contains NUL");
    let namespace = CString::new(key.namespace.clone()).map_err(nul)?;
    let set = CString::new(key.set.clone()).map_err(nul)?;
    let user = match &key.user_key {
        Some(UserKey::Str(s)) => Some(s.bytes().chain([0]).collect()),
        Some(UserKey::Bytes(b)) => Some(b.clone()),
        _ => None,
    };
    Ok(sj_key { key, namespace, set, user })
}

pub(super) fn ffi_record(record: Record) -> Result<Box<sj_record>> {
    let bins = record.bins.into_iter().map(|(n, v)| ffi_bin(&n, v)).collect::<Result<_>>()?;
    let key = record.key.map(ffi_key).transpose()?.map(Box::new);
    Ok(Box::new(sj_record { bins, generation: record.generation, void_time: record.void_time, key }))
}

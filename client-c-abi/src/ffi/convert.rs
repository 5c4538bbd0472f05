//! Conversions between the C side and the client's Rust types: `sj_value` to and from `Value`,
//! and keys and records from the client into the handles this library gives out.

use std::ffi::CString;

use super::constants::{SJ_TYPE_BOOL, SJ_TYPE_BYTES, SJ_TYPE_FLOAT, SJ_TYPE_INT, SJ_TYPE_NIL, SJ_TYPE_STR};
use super::helpers::{bytes, object};
use super::types::{sj_key, sj_record, sj_value, FfiBin};
use crate::command::Record;
use crate::error::{code, Error, Result};
use crate::value::{Key, UserKey, Value};

/// # Safety
/// `v` is NULL or a valid `sj_value` whose `data` is valid for `len` bytes.
pub(super) unsafe fn value_in(v: *const sj_value) -> Result<Value> {
    // SAFETY: the caller's contract.
    let v = unsafe { object(v, "value") }?;
    // SAFETY: the caller's contract on data and len.
    let data = || unsafe { bytes(v.data, v.len, "value data") };
    Ok(match v.r#type {
        SJ_TYPE_NIL => Value::Nil,
        SJ_TYPE_INT => Value::Int(v.i),
        SJ_TYPE_FLOAT => Value::Float(v.f),
        SJ_TYPE_STR => Value::Str(
            std::str::from_utf8(data()?).map_err(|_| Error::new(code::PARAM, "string value is not UTF-8"))?.to_string(),
        ),
        SJ_TYPE_BYTES => Value::Bytes(data()?.to_vec()),
        SJ_TYPE_BOOL => Value::Bool(v.i != 0),
        t @ (19 | 20 | 23) => Value::Raw(t as u8, data()?.to_vec()),
        t => return Err(Error::new(code::PARAM, format!("unknown value type {t}"))),
    })
}

pub(super) fn value_out(value: &Value, bytes: &[u8]) -> sj_value {
    let mut out = sj_value { r#type: u32::from(value.particle_type()), i: 0, f: 0.0, data: std::ptr::null(), len: 0 };
    match value {
        Value::Nil => {}
        Value::Int(i) => out.i = *i,
        Value::Float(f) => out.f = *f,
        Value::Bool(b) => out.i = i64::from(*b),
        Value::Str(s) => {
            out.data = bytes.as_ptr();
            out.len = s.len();
        }
        Value::Bytes(_) | Value::Raw(..) => {
            out.data = bytes.as_ptr();
            out.len = bytes.len();
        }
    }
    out
}

pub(super) fn ffi_bin(name: &str, value: Value) -> Result<FfiBin> {
    let name = CString::new(name).map_err(|_| Error::new(code::PARAM, "bin name contains NUL"))?;
    let bytes = match &value {
        Value::Str(s) => {
            let mut b = Vec::with_capacity(s.len() + 1);
            b.extend_from_slice(s.as_bytes());
            b.push(0);
            b
        }
        Value::Bytes(b) | Value::Raw(_, b) => b.clone(),
        _ => Vec::new(),
    };
    Ok(FfiBin { name, value, bytes })
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

//! Unit tests of the C ABI: code values, host parsing, NULL arguments.

use std::ffi::CString;

use super::client::parse_hosts;
use super::*;
use crate::error::code;

#[test]
fn c_codes_are_the_client_codes() {
    let pairs = [
        (SJ_ERR_CLIENT, code::CLIENT),
        (SJ_ERR_PARAM, code::PARAM),
        (SJ_ERR_INVALID_HOST, code::INVALID_HOST),
        (SJ_ERR_CLIENT_ABORT, code::CLIENT_ABORT),
        (SJ_ERR_NO_MORE_CONNECTIONS, code::NO_MORE_CONNECTIONS),
        (SJ_ERR_INVALID_NODE, code::INVALID_NODE),
        (SJ_ERR_CONNECTION, code::CONNECTION),
        (SJ_ERR_TIMEOUT, code::TIMEOUT),
    ];
    for (c, rust) in pairs {
        assert_eq!(c, rust);
    }
    assert_eq!(SJ_TTL_NEVER_EXPIRE, crate::policy::TTL_NEVER_EXPIRE);
    assert_eq!(SJ_TTL_DONT_UPDATE, crate::policy::TTL_DONT_UPDATE);
}

#[test]
fn hosts_parse_with_default_port() {
    assert_eq!(parse_hosts("a:3100, b").unwrap(), vec![("a".into(), 3100), ("b".into(), 3000)]);
    assert_eq!(parse_hosts("[::1]:4000").unwrap(), vec![("::1".into(), 4000)]);
    assert_eq!(parse_hosts("a:x").unwrap_err().code, code::PARAM);
    assert_eq!(parse_hosts(" ").unwrap_err().code, code::PARAM);
}

#[test]
fn null_arguments_are_param_errors_not_crashes() {
    let mut err = sj_error { code: 0, message: [0; SJ_ERROR_MESSAGE_SIZE] };
    // SAFETY: NULL pointers are part of the contract (reported, not dereferenced).
    let rc = unsafe { sj_client_new(&mut err, std::ptr::null(), std::ptr::null_mut()) };
    assert_eq!((rc, err.code), (SJ_ERR_PARAM, SJ_ERR_PARAM));
    let mut key = std::ptr::null_mut();
    // SAFETY: as above.
    let rc = unsafe { sj_key_new_str(&mut err, std::ptr::null(), std::ptr::null(), std::ptr::null(), &mut key) };
    assert_eq!(rc, SJ_ERR_PARAM);
    assert!(key.is_null());
    let record = sj_record_new();
    let long = CString::new("a_bin_name_that_is_too_long").unwrap();
    // SAFETY: valid record and strings.
    let rc = unsafe { sj_record_set_int(&mut err, record, long.as_ptr(), 1) };
    assert_eq!(rc, SJ_ERR_PARAM);
    // SAFETY: valid record.
    let rc = unsafe { sj_record_get_int(record, long.as_ptr(), std::ptr::null_mut()) };
    assert_eq!(rc, SJ_ERR_BIN_NOT_FOUND);
    // SAFETY: made above, destroyed once.
    unsafe { sj_record_destroy(record) };
}

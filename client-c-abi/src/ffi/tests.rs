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
    use crate::cdt::{ListSortFlags as S, ListWriteFlags as L, MapWriteFlags as M, ReturnType as R};
    let return_types = [
        (SJ_RETURN_NONE, R::NONE),
        (SJ_RETURN_INDEX, R::INDEX),
        (SJ_RETURN_REVERSE_INDEX, R::REVERSE_INDEX),
        (SJ_RETURN_RANK, R::RANK),
        (SJ_RETURN_REVERSE_RANK, R::REVERSE_RANK),
        (SJ_RETURN_COUNT, R::COUNT),
        (SJ_RETURN_KEY, R::KEY),
        (SJ_RETURN_VALUE, R::VALUE),
        (SJ_RETURN_KEY_VALUE, R::KEY_VALUE),
        (SJ_RETURN_EXISTS, R::EXISTS),
        (SJ_RETURN_UNORDERED_MAP, R::UNORDERED_MAP),
        (SJ_RETURN_ORDERED_MAP, R::ORDERED_MAP),
        (SJ_RETURN_VALUE | SJ_RETURN_INVERTED, R::VALUE.inverted()),
    ];
    for (c, rust) in return_types {
        assert_eq!(c, rust.0);
    }
    let flags = [
        (SJ_LIST_WRITE_ADD_UNIQUE, L::ADD_UNIQUE.0),
        (SJ_LIST_WRITE_INSERT_BOUNDED, L::INSERT_BOUNDED.0),
        (SJ_LIST_WRITE_NO_FAIL, L::NO_FAIL.0),
        (SJ_LIST_WRITE_PARTIAL, L::PARTIAL.0),
        (SJ_LIST_SORT_DESCENDING, S::DESCENDING.0),
        (SJ_LIST_SORT_DROP_DUPLICATES, S::DROP_DUPLICATES.0),
        (SJ_MAP_WRITE_CREATE_ONLY, M::CREATE_ONLY.0),
        (SJ_MAP_WRITE_UPDATE_ONLY, M::UPDATE_ONLY.0),
        (SJ_MAP_WRITE_NO_FAIL, M::NO_FAIL.0),
        (SJ_MAP_WRITE_PARTIAL, M::PARTIAL.0),
        (SJ_LIST_ORDERED, crate::cdt::ListOrder::Ordered as u32),
        (SJ_MAP_KEY_ORDERED, crate::cdt::MapOrder::KeyOrdered as u32),
        (SJ_MAP_KEY_VALUE_ORDERED, crate::cdt::MapOrder::KeyValueOrdered as u32),
    ];
    for (c, rust) in flags {
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

fn error() -> sj_error {
    sj_error { code: 0, message: [0; SJ_ERROR_MESSAGE_SIZE] }
}

#[test]
fn list_and_map_functions_build_the_rust_operations() {
    use crate::cdt::{self, ListOrder, ListPolicy, ListWriteFlags, MapOrder, MapPolicy, MapWriteFlags, ReturnType};
    use crate::value::Value;
    let mut err = error();
    let ops = sj_operations_new();
    let bin = CString::new("b").unwrap();
    let k = CString::new("k").unwrap();
    // SAFETY: NUL-terminated.
    let key = unsafe { sj_value_str(k.as_ptr()) };
    let one = sj_value_int(1);
    let items = [sj_value_int(1), key];
    let lp = sj_list_policy { order: SJ_LIST_ORDERED, flags: SJ_LIST_WRITE_ADD_UNIQUE };
    let mp = sj_map_policy { order: SJ_MAP_KEY_ORDERED, flags: SJ_MAP_WRITE_CREATE_ONLY, persist_index: false };
    // SAFETY: valid pointers throughout.
    let codes = unsafe {
        [
            sj_operations_list_append(&mut err, ops, bin.as_ptr(), std::ptr::null(), &one, &lp),
            sj_operations_list_append_items(
                &mut err,
                ops,
                bin.as_ptr(),
                std::ptr::null(),
                items.as_ptr(),
                2,
                std::ptr::null(),
            ),
            sj_operations_list_increment(
                &mut err,
                ops,
                bin.as_ptr(),
                std::ptr::null(),
                0,
                std::ptr::null(),
                std::ptr::null(),
            ),
            sj_operations_list_get_by_rank_range(&mut err, ops, bin.as_ptr(), std::ptr::null(), SJ_RETURN_VALUE, -3, 3),
            sj_operations_list_remove_by_index_range(
                &mut err,
                ops,
                bin.as_ptr(),
                std::ptr::null(),
                SJ_RETURN_COUNT | SJ_RETURN_INVERTED,
                1,
                SJ_COUNT_TO_END,
            ),
            sj_operations_list_get_by_value_range(
                &mut err,
                ops,
                bin.as_ptr(),
                std::ptr::null(),
                SJ_RETURN_INDEX,
                std::ptr::null(),
                &one,
            ),
            sj_operations_map_put(&mut err, ops, bin.as_ptr(), std::ptr::null(), &key, &one, std::ptr::null()),
            sj_operations_map_put_items(&mut err, ops, bin.as_ptr(), std::ptr::null(), items.as_ptr(), 1, &mp),
            sj_operations_map_increment(
                &mut err,
                ops,
                bin.as_ptr(),
                std::ptr::null(),
                &key,
                std::ptr::null(),
                std::ptr::null(),
            ),
            sj_operations_map_get_by_key(&mut err, ops, bin.as_ptr(), std::ptr::null(), SJ_RETURN_KEY_VALUE, &key),
            sj_operations_map_remove_by_key_list(
                &mut err,
                ops,
                bin.as_ptr(),
                std::ptr::null(),
                SJ_RETURN_NONE,
                &key,
                1,
            ),
        ]
    };
    assert_eq!(codes, [SJ_OK; 11], "{:?}", err.code);
    let policy = ListPolicy { order: ListOrder::Ordered, flags: ListWriteFlags::ADD_UNIQUE };
    let map_policy = MapPolicy { order: MapOrder::KeyOrdered, flags: MapWriteFlags::CREATE_ONLY, persist_index: false };
    let expected = [
        cdt::list_append("b", 1, Some(policy)),
        cdt::list_append_items("b", vec![1.into(), "k".into()], None),
        cdt::list_increment("b", 0, 1, None),
        cdt::list_get_by_rank_range("b", ReturnType::VALUE, -3, Some(3)),
        cdt::list_remove_by_index_range("b", ReturnType::COUNT.inverted(), 1, None),
        cdt::list_get_by_value_range("b", ReturnType::INDEX, None, Some(1.into())),
        cdt::map_put("b", "k", 1, None),
        cdt::map_put_items("b", vec![(1.into(), "k".into())], Some(map_policy)),
        cdt::map_increment("b", "k", Value::Nil, None),
        cdt::map_get_by_key("b", ReturnType::KEY_VALUE, "k"),
        cdt::map_remove_by_key_list("b", ReturnType::NONE, vec!["k".into()]),
    ];
    // SAFETY: made above.
    assert_eq!(unsafe { &(*ops).0 }, &expected);
    // Bad arguments: unknown order, NULL value, long bin name; nothing is added.
    let bad = sj_list_policy { order: 7, flags: 0 };
    let long = CString::new("a_bin_name_that_is_too_long").unwrap();
    // SAFETY: valid pointers, NULL where the test says.
    unsafe {
        assert_eq!(sj_operations_list_append(&mut err, ops, bin.as_ptr(), std::ptr::null(), &one, &bad), SJ_ERR_PARAM);
        assert_eq!(
            sj_operations_map_put(
                &mut err,
                ops,
                bin.as_ptr(),
                std::ptr::null(),
                std::ptr::null(),
                &one,
                std::ptr::null()
            ),
            SJ_ERR_PARAM
        );
        assert_eq!(sj_operations_list_size(&mut err, ops, long.as_ptr(), std::ptr::null()), SJ_ERR_PARAM);
        assert_eq!(
            sj_operations_list_size(&mut err, std::ptr::null_mut(), bin.as_ptr(), std::ptr::null()),
            SJ_ERR_PARAM
        );
        assert_eq!((*ops).0.len(), expected.len());
        sj_operations_destroy(ops);
    }
}

#[test]
fn contexts_cross_from_c() {
    use crate::cdt::{self, Ctx, ListOrder, MapOrder, ReturnType};
    let mut err = error();
    let ops = sj_operations_new();
    let bin = CString::new("b").unwrap();
    let k = CString::new("k").unwrap();
    // SAFETY: NUL-terminated.
    let key = unsafe { sj_value_str(k.as_ptr()) };
    let one = sj_value_int(1);
    let path = [sj_ctx_map_key(key), sj_ctx_list_index(-1), sj_ctx_list_rank(0), sj_ctx_map_index(2)];
    let ctx = sj_ctx { items: path.as_ptr(), n: path.len() };
    let creating = [
        sj_ctx_map_key_create(key, SJ_MAP_KEY_ORDERED),
        sj_ctx_list_index_create(3, SJ_LIST_UNORDERED, true),
        sj_ctx_list_value(one),
        sj_ctx_map_rank(-1),
        sj_ctx_map_value(key),
    ];
    let creating_ctx = sj_ctx { items: creating.as_ptr(), n: creating.len() };
    let none = sj_ctx { items: std::ptr::null(), n: 0 };
    // SAFETY: valid pointers throughout.
    let codes = unsafe {
        [
            sj_operations_list_append(&mut err, ops, bin.as_ptr(), &ctx, &one, std::ptr::null()),
            sj_operations_map_get_by_key(&mut err, ops, bin.as_ptr(), &creating_ctx, SJ_RETURN_VALUE, &key),
            sj_operations_list_create(&mut err, ops, bin.as_ptr(), &ctx, SJ_LIST_ORDERED, false, true),
            sj_operations_map_create(&mut err, ops, bin.as_ptr(), &none, SJ_MAP_KEY_VALUE_ORDERED, true),
        ]
    };
    assert_eq!(codes, [SJ_OK; 4], "{:?}", err.code);
    let path = vec![Ctx::MapKey("k".into()), Ctx::ListIndex(-1), Ctx::ListRank(0), Ctx::MapIndex(2)];
    let expected = [
        cdt::list_append("b", 1, None).with_ctx(path.clone()),
        cdt::map_get_by_key("b", ReturnType::VALUE, "k").with_ctx([
            Ctx::MapKeyCreate { key: "k".into(), order: MapOrder::KeyOrdered },
            Ctx::ListIndexCreate { index: 3, order: ListOrder::Unordered, pad: true },
            Ctx::ListValue(1.into()),
            Ctx::MapRank(-1),
            Ctx::MapValue("k".into()),
        ]),
        cdt::list_create("b", ListOrder::Ordered, false, true).with_ctx(path),
        cdt::map_create("b", MapOrder::KeyValueOrdered, true),
    ];
    // SAFETY: made above.
    assert_eq!(unsafe { &(*ops).0 }, &expected);
    // The constants are the official client's (as_cdt_ctx_type).
    assert_eq!(
        [SJ_CTX_LIST_INDEX, SJ_CTX_LIST_RANK, SJ_CTX_LIST_VALUE, SJ_CTX_MAP_INDEX, SJ_CTX_MAP_RANK, SJ_CTX_MAP_KEY],
        [0x10, 0x11, 0x13, 0x20, 0x21, 0x22]
    );
    assert_eq!((SJ_CTX_MAP_VALUE, sj_ctx_list_index_create(0, SJ_LIST_ORDERED, true).r#type), (0x23, 0xD0));
    assert_eq!(sj_ctx_map_key_create(key, SJ_MAP_UNORDERED).r#type, 0x62);
    // Bad levels: an unknown order, a type of no context, an index that is not an integer, NULL
    // items; nothing is added, and the message names the level.
    let bad_items = [
        [sj_ctx_list_index(0), sj_ctx_list_index_create(0, 9, false)],
        [sj_ctx_list_index(0), sj_ctx_map_key_create(key, 2)],
        [sj_ctx_list_index(0), sj_ctx_item { r#type: 0x12, value: one }],
        [sj_ctx_list_index(0), sj_ctx_item { r#type: SJ_CTX_MAP_INDEX, value: key }],
    ];
    for items in &bad_items {
        let bad = sj_ctx { items: items.as_ptr(), n: 2 };
        // SAFETY: valid pointers.
        assert_eq!(unsafe { sj_operations_list_size(&mut err, ops, bin.as_ptr(), &bad) }, SJ_ERR_PARAM);
        // SAFETY: NUL-terminated by write_error.
        let message = unsafe { std::ffi::CStr::from_ptr(err.message.as_ptr()) }.to_string_lossy().into_owned();
        assert!(message.starts_with("context level 1: "), "{message}");
    }
    let dangling = sj_ctx { items: std::ptr::null(), n: 1 };
    // SAFETY: valid pointers, NULL items refused before being read.
    unsafe {
        assert_eq!(sj_operations_map_size(&mut err, ops, bin.as_ptr(), &dangling), SJ_ERR_PARAM);
        assert_eq!((*ops).0.len(), expected.len());
        sj_operations_destroy(ops);
    }
}

#[test]
fn lists_and_maps_cross_as_values() {
    use crate::value::Value;
    let mut err = error();
    let a = CString::new("a").unwrap();
    let inner = [sj_value_int(2), sj_value_double(2.5)];
    // SAFETY: NUL-terminated.
    let entries = [unsafe { sj_value_str(a.as_ptr()) }, sj_value_list(inner.as_ptr(), 2)];
    let map = sj_value_map(entries.as_ptr(), 1);
    // SAFETY: a valid value tree.
    let value = unsafe { super::convert::value_in(&map) }.unwrap();
    let expected = Value::Map(vec![(Value::from("a"), Value::from(vec![Value::Int(2), Value::Float(2.5)]))]);
    assert_eq!(value, expected);
    // Out of a record: every nested pointer lives in the record.
    let record = sj_record_new();
    let bin = CString::new("m").unwrap();
    // SAFETY: valid record, name and value.
    assert_eq!(unsafe { sj_record_set(&mut err, record, bin.as_ptr(), &map) }, SJ_OK);
    let mut out = sj_value::NIL;
    // SAFETY: valid record and name.
    assert_eq!(unsafe { sj_record_get(record, bin.as_ptr(), &mut out) }, SJ_OK);
    assert_eq!((out.r#type, out.len), (SJ_TYPE_MAP, 1));
    // SAFETY: `out` lives in `record`.
    unsafe {
        let k = &*sj_value_map_key(&out, 0);
        assert_eq!(std::slice::from_raw_parts(k.data, k.len + 1), b"a\0", "strings are NUL-terminated");
        let list = sj_value_map_find(&out, &sj_value_str(a.as_ptr()));
        assert_eq!(list, sj_value_map_value(&out, 0));
        assert_eq!(((*list).r#type, (*list).len), (SJ_TYPE_LIST, 2));
        assert_eq!((*sj_value_list_get(list, 1)).f, 2.5);
        assert!(sj_value_list_get(list, 2).is_null());
        assert!(sj_value_map_key(&out, 1).is_null());
        assert!(sj_value_map_find(&out, &sj_value_int(1)).is_null());
        assert!(sj_value_list_get(&out, 0).is_null(), "a map is not a list");
        sj_record_destroy(record);
    }
    // The msgpack form is accepted too: [1, "a"].
    let packed = [0x92, 0x01, 0xa2, 0x03, b'a'];
    let v = sj_value { r#type: SJ_TYPE_LIST, data: packed.as_ptr(), len: packed.len(), ..sj_value::NIL };
    // SAFETY: valid bytes.
    assert_eq!(unsafe { super::convert::value_in(&v) }.unwrap(), Value::from(vec![Value::Int(1), Value::from("a")]));
}

#[test]
fn a_cycle_of_items_is_an_error_not_a_stack_overflow() {
    let mut cell = [sj_value::NIL];
    let cycle = sj_value_list(cell.as_ptr(), 1);
    cell[0] = cycle;
    // SAFETY: valid (if cyclic) values.
    let e = unsafe { super::convert::value_in(&cell[0]) }.unwrap_err();
    assert_eq!(e.code, SJ_ERR_PARAM);
    let bad_map = sj_value_map(std::ptr::null(), 3);
    // SAFETY: NULL items with a count: refused, not read.
    assert_eq!(unsafe { super::convert::value_in(&bad_map) }.unwrap_err().code, SJ_ERR_PARAM);
}

#[test]
fn bit_functions_build_the_rust_operations() {
    use crate::bits::{self, BitOverflowAction, BitPolicy, BitResizeFlags, BitWriteFlags};
    let mut err = error();
    let ops = sj_operations_new();
    let bin = CString::new("b").unwrap();
    let data = [0xffu8, 0x01];
    // SAFETY: valid pointers throughout.
    let codes = unsafe {
        [
            sj_operations_bit_resize(&mut err, ops, bin.as_ptr(), 4, 0, SJ_BIT_RESIZE_FROM_FRONT),
            sj_operations_bit_set(&mut err, ops, bin.as_ptr(), 0, 16, data.as_ptr(), 2, SJ_BIT_WRITE_PARTIAL),
            sj_operations_bit_insert(&mut err, ops, bin.as_ptr(), 1, std::ptr::null(), 0, 0),
            sj_operations_bit_add(&mut err, ops, bin.as_ptr(), 8, 8, 3, true, SJ_BIT_OVERFLOW_WRAP, 0),
            sj_operations_bit_lscan(&mut err, ops, bin.as_ptr(), 0, 8, true),
            sj_operations_bit_get_int(&mut err, ops, bin.as_ptr(), 0, 8, true),
        ]
    };
    assert_eq!(codes, [SJ_OK; 6], "{:?}", err.code);
    let partial = Some(BitPolicy { flags: BitWriteFlags::PARTIAL });
    let expected = [
        bits::resize("b", 4, None, BitResizeFlags::FROM_FRONT),
        bits::set("b", 0, 16, data.to_vec(), partial),
        bits::insert("b", 1, Vec::new(), None),
        bits::add("b", 8, 8, 3, true, BitOverflowAction::Wrap, None),
        bits::lscan("b", 0, 8, true),
        bits::get_int("b", 0, 8, true),
    ];
    // SAFETY: made above.
    assert_eq!(unsafe { &(*ops).0 }, &expected);
    // Bad arguments: an unknown overflow action, NULL bytes with a length; nothing is added.
    // SAFETY: valid pointers, NULL where the test says.
    unsafe {
        assert_eq!(sj_operations_bit_subtract(&mut err, ops, bin.as_ptr(), 0, 8, 1, false, 1, 0), SJ_ERR_PARAM);
        assert_eq!(sj_operations_bit_or(&mut err, ops, bin.as_ptr(), 0, 8, std::ptr::null(), 1, 0), SJ_ERR_PARAM);
        assert_eq!((*ops).0.len(), expected.len());
        sj_operations_destroy(ops);
    }
}

#[test]
fn hll_functions_build_the_rust_operations() {
    use crate::hll::{self, HllPolicy, HllWriteFlags};
    use crate::value::Value;
    let flags = [
        (SJ_HLL_WRITE_DEFAULT, HllWriteFlags::DEFAULT),
        (SJ_HLL_WRITE_CREATE_ONLY, HllWriteFlags::CREATE_ONLY),
        (SJ_HLL_WRITE_UPDATE_ONLY, HllWriteFlags::UPDATE_ONLY),
        (SJ_HLL_WRITE_NO_FAIL, HllWriteFlags::NO_FAIL),
        (SJ_HLL_WRITE_ALLOW_FOLD, HllWriteFlags::ALLOW_FOLD),
    ];
    for (c, rust) in flags {
        assert_eq!(c, rust.0);
    }
    assert_eq!(i64::from(SJ_HLL_BITS_NOT_GIVEN), hll::BITS_NOT_GIVEN);
    let mut err = error();
    let ops = sj_operations_new();
    let bin = CString::new("h").unwrap();
    let a = CString::new("a").unwrap();
    let sketch = [0u8, 4, 0];
    // SAFETY: NUL-terminated.
    let elements = [unsafe { sj_value_str(a.as_ptr()) }, sj_value_int(7)];
    let hlls = [sj_value_hll(sketch.as_ptr(), sketch.len()), sj_value_bytes(sketch.as_ptr(), 1)];
    let b = bin.as_ptr();
    // SAFETY: valid pointers throughout.
    let codes = unsafe {
        [
            sj_operations_hll_init(&mut err, ops, b, 12, SJ_HLL_BITS_NOT_GIVEN, SJ_HLL_WRITE_CREATE_ONLY),
            sj_operations_hll_add(&mut err, ops, b, elements.as_ptr(), 2, SJ_HLL_BITS_NOT_GIVEN, 8, 0),
            sj_operations_hll_add(&mut err, ops, b, std::ptr::null(), 0, 4, 0, SJ_HLL_WRITE_NO_FAIL),
            sj_operations_hll_set_union(&mut err, ops, b, hlls.as_ptr(), 2, SJ_HLL_WRITE_ALLOW_FOLD),
            sj_operations_hll_refresh_count(&mut err, ops, b),
            sj_operations_hll_fold(&mut err, ops, b, 6),
            sj_operations_hll_get_count(&mut err, ops, b),
            sj_operations_hll_get_union(&mut err, ops, b, hlls.as_ptr(), 1),
            sj_operations_hll_get_union_count(&mut err, ops, b, hlls.as_ptr(), 1),
            sj_operations_hll_get_intersect_count(&mut err, ops, b, hlls.as_ptr(), 2),
            sj_operations_hll_get_similarity(&mut err, ops, b, hlls.as_ptr(), 1),
            sj_operations_hll_describe(&mut err, ops, b),
            sj_operations_hll_may_contain(&mut err, ops, b, elements.as_ptr(), 1),
        ]
    };
    assert_eq!(codes, [SJ_OK; 13], "{:?}", err.code);
    let h = Value::hll(sketch.to_vec());
    let both = vec![h.clone(), Value::Bytes(vec![0])];
    let create = Some(HllPolicy { flags: HllWriteFlags::CREATE_ONLY });
    let expected = [
        hll::init("h", Some(12), None, create),
        hll::add("h", vec![Value::from("a"), Value::Int(7)], None, Some(8), None),
        hll::add("h", vec![], Some(4), Some(0), Some(HllPolicy { flags: HllWriteFlags::NO_FAIL })),
        hll::set_union("h", both.clone(), Some(HllPolicy { flags: HllWriteFlags::ALLOW_FOLD })),
        hll::refresh_count("h"),
        hll::fold("h", 6),
        hll::get_count("h"),
        hll::get_union("h", vec![h.clone()]),
        hll::get_union_count("h", vec![h.clone()]),
        hll::get_intersect_count("h", both),
        hll::get_similarity("h", vec![h]),
        hll::describe("h"),
        hll::may_contain("h", vec![Value::from("a")]),
    ];
    // SAFETY: made above.
    assert_eq!(unsafe { &(*ops).0 }, &expected);
    // Bad arguments: NULL values with a count, a bin name too long, a NULL bin; nothing is added.
    let long = CString::new("a-bin-name-that-is-too-long").unwrap();
    // SAFETY: valid pointers, NULL where the test says.
    unsafe {
        assert_eq!(sj_operations_hll_add(&mut err, ops, b, std::ptr::null(), 1, 4, 0, 0), SJ_ERR_PARAM);
        assert_eq!(sj_operations_hll_get_union(&mut err, ops, b, std::ptr::null(), 2), SJ_ERR_PARAM);
        assert_eq!(sj_operations_hll_get_count(&mut err, ops, long.as_ptr()), SJ_ERR_PARAM);
        assert_eq!(sj_operations_hll_describe(&mut err, ops, std::ptr::null()), SJ_ERR_PARAM);
        assert_eq!((*ops).0.len(), expected.len());
        sj_operations_destroy(ops);
    }
}

#[test]
fn hll_values_cross_as_values() {
    use crate::value::Value;
    let mut err = error();
    let sketch = [0u8, 4, 0, 9];
    let h = sj_value_hll(sketch.as_ptr(), sketch.len());
    // SAFETY: a valid value.
    assert_eq!(unsafe { super::convert::value_in(&h) }.unwrap(), Value::hll(sketch.to_vec()));
    // In a record (as a bin, and inside a list) it stays an SJ_TYPE_HLL value.
    let items = [h];
    let list = sj_value_list(items.as_ptr(), 1);
    let record = sj_record_new();
    let (hb, lb) = (CString::new("h").unwrap(), CString::new("l").unwrap());
    // SAFETY: valid record, names and values.
    unsafe {
        assert_eq!(sj_record_set(&mut err, record, hb.as_ptr(), &h), SJ_OK);
        assert_eq!(sj_record_set(&mut err, record, lb.as_ptr(), &list), SJ_OK);
        let mut out = sj_value::NIL;
        assert_eq!(sj_record_get(record, hb.as_ptr(), &mut out), SJ_OK);
        assert_eq!((out.r#type, std::slice::from_raw_parts(out.data, out.len)), (SJ_TYPE_HLL, &sketch[..]));
        assert_eq!(sj_record_get(record, lb.as_ptr(), &mut out), SJ_OK);
        let item = &*sj_value_list_get(&out, 0);
        assert_eq!((item.r#type, std::slice::from_raw_parts(item.data, item.len)), (SJ_TYPE_HLL, &sketch[..]));
        sj_record_destroy(record);
    }
}

#[test]
fn expression_constants_are_the_rust_ones() {
    use crate::exp::{self, ExpReadFlags as R, ExpType as T, ExpWriteFlags as W};
    assert_eq!(SJ_ERR_FILTERED_OUT, code::FILTERED_OUT);
    let types = [
        (SJ_EXP_TYPE_NIL, T::Nil),
        (SJ_EXP_TYPE_BOOL, T::Bool),
        (SJ_EXP_TYPE_INT, T::Int),
        (SJ_EXP_TYPE_STR, T::Str),
        (SJ_EXP_TYPE_LIST, T::List),
        (SJ_EXP_TYPE_MAP, T::Map),
        (SJ_EXP_TYPE_BLOB, T::Blob),
        (SJ_EXP_TYPE_FLOAT, T::Float),
        (SJ_EXP_TYPE_GEOJSON, T::Geo),
        (SJ_EXP_TYPE_HLL, T::Hll),
    ];
    for (c, rust) in types {
        assert_eq!(T::from_u32(c), Some(rust));
    }
    let systems = [
        (SJ_EXP_CALL_CDT, exp::CALL_CDT),
        (SJ_EXP_CALL_BITS, exp::CALL_BITS),
        (SJ_EXP_CALL_HLL, exp::CALL_HLL),
        (SJ_EXP_CALL_MODIFY, exp::CALL_MODIFY),
    ];
    for (c, rust) in systems {
        assert_eq!(c, u32::from(rust));
    }
    let flags = [
        (SJ_EXP_READ_DEFAULT, R::DEFAULT.0),
        (SJ_EXP_READ_EVAL_NO_FAIL, R::EVAL_NO_FAIL.0),
        (SJ_EXP_WRITE_DEFAULT, W::DEFAULT.0),
        (SJ_EXP_WRITE_CREATE_ONLY, W::CREATE_ONLY.0),
        (SJ_EXP_WRITE_UPDATE_ONLY, W::UPDATE_ONLY.0),
        (SJ_EXP_WRITE_ALLOW_DELETE, W::ALLOW_DELETE.0),
        (SJ_EXP_WRITE_POLICY_NO_FAIL, W::POLICY_NO_FAIL.0),
        (SJ_EXP_WRITE_EVAL_NO_FAIL, W::EVAL_NO_FAIL.0),
    ];
    for (c, rust) in flags {
        assert_eq!(c, rust);
    }
}

/// The expression behind a handle, freeing the handle.
fn taken(e: *mut sj_exp) -> crate::exp::Expression {
    assert!(!e.is_null(), "the builder gave NULL");
    // SAFETY: a handle from a builder, freed here.
    unsafe { Box::from_raw(e) }.0
}

#[test]
fn expression_functions_build_the_rust_expressions() {
    use crate::cdt::{Ctx, ReturnType};
    use crate::exp::{self, ExpType};
    use crate::value::Value;
    let c = |s: &str| CString::new(s).unwrap();
    let (a, b, s, l, m, h, g, x) = (c("a"), c("b"), c("s"), c("l"), c("m"), c("h"), c("g"), c("x"));
    // SAFETY: valid strings and handles throughout; every handle is taken by a builder or freed.
    unsafe {
        let pairs: Vec<(*mut sj_exp, exp::Expression)> = vec![
            (
                sj_exp_and(
                    [
                        sj_exp_cmp_gt(sj_exp_bin_int(a.as_ptr()), sj_exp_int(5)),
                        sj_exp_cmp_lt(sj_exp_bin_int(b.as_ptr()), sj_exp_int(10)),
                    ]
                    .as_ptr(),
                    2,
                ),
                exp::and(vec![exp::gt(exp::int_bin("a"), exp::int(5)), exp::lt(exp::int_bin("b"), exp::int(10))]),
            ),
            (
                sj_exp_or(
                    [
                        sj_exp_not(sj_exp_bin_bool(x.as_ptr())),
                        sj_exp_exclusive([sj_exp_bool(true), sj_exp_bool(false)].as_ptr(), 2),
                    ]
                    .as_ptr(),
                    2,
                ),
                exp::or(vec![exp::not(exp::bool_bin("x")), exp::exclusive(vec![exp::bool(true), exp::bool(false)])]),
            ),
            (
                sj_exp_cmp_eq(sj_exp_bin_str(s.as_ptr()), sj_exp_str(c("abc").as_ptr())),
                exp::eq(exp::string_bin("s"), exp::string("abc")),
            ),
            (
                sj_exp_cmp_ne(sj_exp_bin_bytes(b.as_ptr()), sj_exp_bytes([1u8, 2].as_ptr(), 2)),
                exp::ne(exp::blob_bin("b"), exp::blob(vec![1, 2])),
            ),
            (
                sj_exp_cmp_ge(
                    sj_exp_div([sj_exp_bin_float(x.as_ptr()), sj_exp_float(2.0)].as_ptr(), 2),
                    sj_exp_pow(sj_exp_float(1.5), sj_exp_log(sj_exp_float(8.0), sj_exp_float(2.0))),
                ),
                exp::ge(
                    exp::div(vec![exp::float_bin("x"), exp::float(2.0)]),
                    exp::pow(exp::float(1.5), exp::log(exp::float(8.0), exp::float(2.0))),
                ),
            ),
            (
                sj_exp_add(
                    [
                        sj_exp_sub([sj_exp_int(1)].as_ptr(), 1),
                        sj_exp_mul([sj_exp_int(2), sj_exp_int(3)].as_ptr(), 2),
                        sj_exp_mod(sj_exp_int(7), sj_exp_int(3)),
                        sj_exp_abs(sj_exp_int(-1)),
                        sj_exp_to_int(sj_exp_floor(sj_exp_ceil(sj_exp_to_float(sj_exp_int(3))))),
                        sj_exp_min([sj_exp_int(1), sj_exp_int(2)].as_ptr(), 2),
                        sj_exp_max([sj_exp_int(1), sj_exp_int(2)].as_ptr(), 2),
                    ]
                    .as_ptr(),
                    7,
                ),
                exp::add(vec![
                    exp::sub(vec![exp::int(1)]),
                    exp::mul(vec![exp::int(2), exp::int(3)]),
                    exp::modulo(exp::int(7), exp::int(3)),
                    exp::abs(exp::int(-1)),
                    exp::to_int(exp::floor(exp::ceil(exp::to_float(exp::int(3))))),
                    exp::min(vec![exp::int(1), exp::int(2)]),
                    exp::max(vec![exp::int(1), exp::int(2)]),
                ]),
            ),
            (
                sj_exp_int_xor(
                    [
                        sj_exp_int_and([sj_exp_int(1), sj_exp_int(3)].as_ptr(), 2),
                        sj_exp_int_or([sj_exp_int(1), sj_exp_int(3)].as_ptr(), 2),
                        sj_exp_int_not(sj_exp_int(1)),
                        sj_exp_int_lshift(sj_exp_int(1), sj_exp_int(2)),
                        sj_exp_int_rshift(sj_exp_int(1), sj_exp_int(2)),
                        sj_exp_int_arshift(sj_exp_int(1), sj_exp_int(2)),
                        sj_exp_int_count(sj_exp_int(7)),
                        sj_exp_int_lscan(sj_exp_int(7), sj_exp_bool(true)),
                        sj_exp_int_rscan(sj_exp_int(7), sj_exp_bool(false)),
                    ]
                    .as_ptr(),
                    9,
                ),
                exp::int_xor(vec![
                    exp::int_and(vec![exp::int(1), exp::int(3)]),
                    exp::int_or(vec![exp::int(1), exp::int(3)]),
                    exp::int_not(exp::int(1)),
                    exp::int_lshift(exp::int(1), exp::int(2)),
                    exp::int_rshift(exp::int(1), exp::int(2)),
                    exp::int_arshift(exp::int(1), exp::int(2)),
                    exp::int_count(exp::int(7)),
                    exp::int_lscan(exp::int(7), exp::bool(true)),
                    exp::int_rscan(exp::int(7), exp::bool(false)),
                ]),
            ),
            (
                sj_exp_cond(
                    [
                        sj_exp_cmp_le(sj_exp_ttl(), sj_exp_int(100)),
                        sj_exp_set_name(),
                        sj_exp_key_exists(),
                        sj_exp_str(c("k").as_ptr()),
                        sj_exp_unknown(),
                    ]
                    .as_ptr(),
                    5,
                ),
                exp::cond(vec![
                    exp::le(exp::ttl(), exp::int(100)),
                    exp::set_name(),
                    exp::key_exists(),
                    exp::string("k"),
                    exp::unknown(),
                ]),
            ),
            (
                sj_exp_let(
                    [x.as_ptr()].as_ptr(),
                    [sj_exp_record_size()].as_ptr(),
                    1,
                    sj_exp_cmp_gt(sj_exp_var(x.as_ptr()), sj_exp_digest_modulo(3)),
                ),
                exp::let_in(vec![("x".into(), exp::record_size())], exp::gt(exp::var("x"), exp::digest_modulo(3))),
            ),
            (
                sj_exp_and(
                    [
                        sj_exp_is_tombstone(),
                        sj_exp_cmp_gt(sj_exp_last_update(), sj_exp_since_update()),
                        sj_exp_cmp_gt(sj_exp_void_time(), sj_exp_device_size()),
                        sj_exp_cmp_gt(sj_exp_memory_size(), sj_exp_key(SJ_EXP_TYPE_INT)),
                        sj_exp_bin_exists(a.as_ptr()),
                        sj_exp_cmp_eq(sj_exp_bin_type(a.as_ptr()), sj_exp_int(1)),
                        sj_exp_cmp_regex(2, c("^ab").as_ptr(), sj_exp_bin_str(s.as_ptr())),
                        sj_exp_cmp_geo(sj_exp_bin_geo(g.as_ptr()), sj_exp_geo(c("{}").as_ptr())),
                        sj_exp_in_list(sj_exp_nil(), sj_exp_bin_list(l.as_ptr())),
                    ]
                    .as_ptr(),
                    9,
                ),
                exp::and(vec![
                    exp::is_tombstone(),
                    exp::gt(exp::last_update(), exp::since_update()),
                    exp::gt(exp::void_time(), exp::device_size()),
                    exp::gt(exp::memory_size(), exp::key(ExpType::Int)),
                    exp::bin_exists("a"),
                    exp::eq(exp::bin_type("a"), exp::int(1)),
                    exp::cmp_regex(2, "^ab", exp::string_bin("s")),
                    exp::cmp_geo(exp::geo_bin("g"), exp::geo("{}")),
                    exp::in_list(exp::nil(), exp::list_bin("l")),
                ]),
            ),
            (
                sj_exp_value(&sj_value_list([sj_value_int(1), sj_value_int(2)].as_ptr(), 2)),
                exp::list(vec![Value::Int(1), Value::Int(2)]),
            ),
            (sj_exp_bin(m.as_ptr(), SJ_EXP_TYPE_MAP), exp::map_bin("m")),
            (sj_exp_bin_hll(h.as_ptr()), exp::bin("h", ExpType::Hll)),
            (
                sj_exp_list_get_by_index(
                    &sj_ctx { items: [sj_ctx_list_index(0)].as_ptr(), n: 1 },
                    SJ_RETURN_VALUE,
                    SJ_EXP_TYPE_INT,
                    sj_exp_int(1),
                    sj_exp_bin_list(l.as_ptr()),
                ),
                exp::list_get_by_index(
                    &[Ctx::ListIndex(0)],
                    ReturnType::VALUE,
                    ExpType::Int,
                    exp::int(1),
                    exp::list_bin("l"),
                ),
            ),
            (
                sj_exp_map_get_by_key(
                    std::ptr::null(),
                    SJ_RETURN_COUNT,
                    SJ_EXP_TYPE_INT,
                    sj_exp_str(c("k").as_ptr()),
                    sj_exp_bin_map(m.as_ptr()),
                ),
                exp::map_get_by_key(&[], ReturnType::COUNT, ExpType::Int, exp::string("k"), exp::map_bin("m")),
            ),
            (sj_exp_list_size(std::ptr::null(), sj_exp_bin_list(l.as_ptr())), exp::list_size(&[], exp::list_bin("l"))),
            (sj_exp_map_size(std::ptr::null(), sj_exp_bin_map(m.as_ptr())), exp::map_size(&[], exp::map_bin("m"))),
            (
                sj_exp_bit_count(sj_exp_int(0), sj_exp_int(8), sj_exp_bin_bytes(b.as_ptr())),
                exp::bit_count(exp::int(0), exp::int(8), exp::blob_bin("b")),
            ),
            (sj_exp_hll_get_count(sj_exp_bin_hll(h.as_ptr())), exp::hll_get_count(exp::hll_bin("h"))),
        ];
        for (i, (ours, rust)) in pairs.into_iter().enumerate() {
            assert_eq!(taken(ours), rust, "pair {i}");
        }
    }
}

#[test]
fn expression_calls_copies_and_bytes() {
    use crate::exp::{self, ExpType};
    let mut err = error();
    let l = CString::new("l").unwrap();
    // SAFETY: valid pointers and handles throughout.
    unsafe {
        let ops = sj_operations_new();
        assert_eq!(sj_operations_list_size(&mut err, ops, l.as_ptr(), std::ptr::null()), SJ_OK);
        let nine = sj_value_int(9);
        assert_eq!(
            sj_operations_list_append(&mut err, ops, l.as_ptr(), std::ptr::null(), &nine, std::ptr::null()),
            SJ_OK
        );
        let size = sj_exp_call(SJ_EXP_TYPE_INT, ops, 0, sj_exp_bin_list(l.as_ptr()));
        let size_rust = exp::call(ExpType::Int, &crate::cdt::list_size("l"), exp::list_bin("l")).unwrap();
        assert_eq!(taken(size), size_rust);
        let appended = taken(sj_exp_call(SJ_EXP_TYPE_LIST, ops, 1, sj_exp_bin_list(l.as_ptr())));
        assert_eq!(appended.as_bytes(), [0x95, 0x7f, 4, 0x40, 0x92, 1, 9, 0x93, 0x51, 4, 0xa1, b'l']);
        // Out of range, or not a callable operation: NULL.
        assert!(sj_exp_call(SJ_EXP_TYPE_INT, ops, 2, sj_exp_bin_list(l.as_ptr())).is_null());
        assert_eq!(sj_operations_add(&mut err, ops, SJ_OP_TOUCH, std::ptr::null(), std::ptr::null()), SJ_OK);
        assert!(sj_exp_call(SJ_EXP_TYPE_INT, ops, 2, sj_exp_bin_list(l.as_ptr())).is_null());
        sj_operations_destroy(ops);
        let raw = [0x91u8, 16];
        let raw = sj_exp_call_raw(SJ_EXP_TYPE_INT, SJ_EXP_CALL_CDT, raw.as_ptr(), 2, sj_exp_bin_list(l.as_ptr()));
        assert_eq!(taken(raw), size_rust);
        // Copies, packed bytes and bytes packed elsewhere.
        let e = sj_exp_cmp_gt(sj_exp_bin_int(l.as_ptr()), sj_exp_int(5));
        let copy = sj_exp_copy(e);
        let mut len = 0;
        let p = sj_exp_packed(e, &mut len);
        let bytes = std::slice::from_raw_parts(p, len).to_vec();
        assert_eq!(bytes, [0x93, 3, 0x93, 0x51, 2, 0xa1, b'l', 5]);
        assert_eq!(taken(sj_exp_from_bytes(bytes.as_ptr(), bytes.len())), taken(copy));
        sj_exp_destroy(e);
        assert!(sj_exp_packed(std::ptr::null(), &mut len).is_null() && len == 0);
        assert!(sj_exp_from_bytes(bytes.as_ptr(), 3).is_null(), "truncated");
        assert!(sj_exp_from_bytes(std::ptr::null(), 0).is_null(), "empty");
        assert!(sj_exp_copy(std::ptr::null()).is_null());
        sj_exp_destroy(std::ptr::null_mut());
    }
}

#[test]
fn bad_expression_arguments_give_null_and_free_the_operands() {
    let a = CString::new("a").unwrap();
    // SAFETY: valid pointers and handles; NULL where the test says. Operands handed to a
    // failing builder are freed by it (a leak checker would tell).
    unsafe {
        assert!(sj_exp_cmp_gt(std::ptr::null_mut(), sj_exp_int(1)).is_null());
        assert!(sj_exp_not(std::ptr::null_mut()).is_null());
        assert!(sj_exp_and([sj_exp_bool(true), std::ptr::null_mut()].as_ptr(), 2).is_null());
        assert!(sj_exp_and(std::ptr::null(), 2).is_null());
        assert!(sj_exp_bin(a.as_ptr(), 10).is_null(), "unknown type");
        assert!(sj_exp_bin_int(std::ptr::null()).is_null());
        assert!(sj_exp_str(std::ptr::null()).is_null());
        assert!(sj_exp_key(99).is_null());
        assert!(sj_exp_bytes(std::ptr::null(), 3).is_null());
        assert!(sj_exp_let([a.as_ptr()].as_ptr(), [sj_exp_int(1)].as_ptr(), 1, std::ptr::null_mut()).is_null());
        assert!(sj_exp_let(std::ptr::null(), [sj_exp_int(1)].as_ptr(), 1, sj_exp_int(2)).is_null());
        assert!(sj_exp_call(SJ_EXP_TYPE_INT, std::ptr::null(), 0, sj_exp_int(1)).is_null());
        assert!(sj_exp_call_raw(SJ_EXP_TYPE_INT, 0, [0x91u8].as_ptr(), 1, sj_exp_int(1)).is_null());
        assert!(sj_exp_call_raw(SJ_EXP_TYPE_INT, 256, [0x91u8, 16].as_ptr(), 2, sj_exp_int(1)).is_null());
        assert!(sj_exp_list_size(std::ptr::null(), std::ptr::null_mut()).is_null());
        let bad_ctx = sj_ctx { items: std::ptr::null(), n: 1 };
        assert!(sj_exp_map_size(&bad_ctx, sj_exp_bin_map(a.as_ptr())).is_null());
        assert!(sj_exp_value(std::ptr::null()).is_null());
    }
}

#[test]
fn expression_operations_and_filters_cross_from_c() {
    use crate::exp::{self, ExpReadFlags, ExpWriteFlags};
    let mut err = error();
    let (r, w, a) = (CString::new("r").unwrap(), CString::new("w").unwrap(), CString::new("a").unwrap());
    // SAFETY: valid pointers and handles; NULL where the test says.
    unsafe {
        let ops = sj_operations_new();
        let e = sj_exp_bin_int(a.as_ptr());
        assert_eq!(sj_operations_exp_read(&mut err, ops, r.as_ptr(), e, SJ_EXP_READ_EVAL_NO_FAIL), SJ_OK);
        let flags = SJ_EXP_WRITE_UPDATE_ONLY | SJ_EXP_WRITE_POLICY_NO_FAIL;
        assert_eq!(sj_operations_exp_write(&mut err, ops, w.as_ptr(), e, flags), SJ_OK);
        let expected = [
            exp::read_op("r", exp::int_bin("a"), ExpReadFlags::EVAL_NO_FAIL),
            exp::write_op("w", exp::int_bin("a"), ExpWriteFlags::UPDATE_ONLY | ExpWriteFlags::POLICY_NO_FAIL),
        ];
        assert_eq!((*ops).0, expected);
        // Bad flags, a NULL expression, a bin name too long: refused, nothing added.
        let long = CString::new("a-bin-name-that-is-too-long").unwrap();
        assert_eq!(sj_operations_exp_read(&mut err, ops, r.as_ptr(), e, SJ_EXP_WRITE_CREATE_ONLY), SJ_ERR_PARAM);
        assert_eq!(sj_operations_exp_write(&mut err, ops, w.as_ptr(), e, 0x20), SJ_ERR_PARAM);
        assert_eq!(sj_operations_exp_write(&mut err, ops, w.as_ptr(), std::ptr::null(), 0), SJ_ERR_PARAM);
        assert_eq!(sj_operations_exp_read(&mut err, ops, long.as_ptr(), e, 0), SJ_ERR_PARAM);
        assert_eq!((*ops).0.len(), 2);
        sj_operations_destroy(ops);
        // Filters: NULL by default, borrowed by the policy, copied into each command's policy.
        let mut rp = std::mem::zeroed::<sj_read_policy>();
        sj_read_policy_init(&mut rp);
        assert!(rp.filter.is_null());
        sj_read_policy_set_filter(&mut rp, e);
        let read = super::config::read_policy(&rp, &Default::default()).unwrap();
        assert_eq!(read.filter, Some(exp::int_bin("a")));
        let mut wp = std::mem::zeroed::<sj_write_policy>();
        sj_write_policy_init(&mut wp);
        assert!(wp.filter.is_null());
        sj_write_policy_set_filter(&mut wp, e);
        let write = super::config::write_policy(&wp, &Default::default()).unwrap();
        assert_eq!(write.filter, Some(exp::int_bin("a")));
        sj_write_policy_set_filter(&mut wp, std::ptr::null());
        assert_eq!(super::config::write_policy(&wp, &Default::default()).unwrap().filter, None);
        let mut sp = std::mem::zeroed::<sj_scan_policy>();
        sj_scan_policy_init(&mut sp);
        assert!(sp.filter.is_null());
        sj_scan_policy_set_filter(&mut sp, e);
        assert_eq!(sp.filter, e.cast_const());
        sj_read_policy_set_filter(std::ptr::null_mut(), e);
        sj_exp_destroy(e);
    }
}

#[test]
fn path_operations_and_levels_cross_from_c() {
    use crate::cdt::{self, Ctx, ModifyFlags, SelectFlags};
    use crate::exp::{self, ExpType, LoopVar};
    let mut err = error();
    let (m, age) = (CString::new("m").unwrap(), CString::new("age").unwrap());
    // SAFETY: valid pointers and handles; NULL where the test says.
    unsafe {
        let ops = sj_operations_new();
        let value = || sj_exp_loopvar(SJ_EXP_TYPE_INT, SJ_EXP_LOOPVAR_VALUE);
        let gt4 = sj_exp_cmp_gt(value(), sj_exp_int(4));
        let keys = [sj_value_str(age.as_ptr()), sj_value_int(1)];
        let path = [
            sj_ctx_all_children(),
            sj_ctx_map_key(sj_value_str(age.as_ptr())),
            sj_ctx_all_children_with_filter(gt4),
            sj_ctx_and_filter(gt4),
            sj_ctx_map_keys_in(keys.as_ptr(), keys.len()),
        ];
        let ctx = sj_ctx { items: path.as_ptr(), n: path.len() };
        let flags = SJ_PATH_SELECT_MAP_KEY_VALUE | SJ_PATH_SELECT_NO_FAIL;
        assert_eq!(sj_operations_select_by_path(&mut err, ops, m.as_ptr(), &ctx, flags), SJ_OK);
        let rm = sj_exp_remove_result();
        assert_eq!(sj_operations_modify_by_path(&mut err, ops, m.as_ptr(), &ctx, rm, SJ_PATH_MODIFY_NO_FAIL), SJ_OK);
        let gt4_rs = exp::gt(exp::loop_var(ExpType::Int, LoopVar::Value), exp::int(4));
        let path_rs = vec![
            Ctx::AllChildren,
            Ctx::MapKey("age".into()),
            Ctx::AllChildrenWhere(gt4_rs.clone()),
            Ctx::AndFilter(gt4_rs.clone()),
            Ctx::MapKeysIn(vec!["age".into(), 1.into()]),
        ];
        let expected = [
            cdt::select_by_path("m", path_rs.clone(), SelectFlags::MAP_KEY_VALUE | SelectFlags::NO_FAIL),
            cdt::modify_by_path("m", path_rs.clone(), exp::remove_result(), ModifyFlags::NO_FAIL),
        ];
        assert_eq!((*ops).0, expected);
        // The constants are the Rust flags'.
        assert_eq!(
            [SJ_PATH_SELECT_MATCHING_TREE, SJ_PATH_SELECT_VALUE, SJ_PATH_SELECT_MAP_KEY, SJ_PATH_SELECT_NO_FAIL],
            [SelectFlags::MATCHING_TREE.0, SelectFlags::VALUE.0, SelectFlags::MAP_KEY.0, SelectFlags::NO_FAIL.0]
        );
        assert_eq!(SJ_PATH_MODIFY_NO_FAIL, ModifyFlags::NO_FAIL.0);
        // Refused, nothing added: no path, an empty one, bad flags, a NULL expression, a NULL
        // filter (a nil value on an expression level), an expression on a level that takes none.
        let none = sj_ctx { items: std::ptr::null(), n: 0 };
        assert_eq!(sj_operations_select_by_path(&mut err, ops, m.as_ptr(), std::ptr::null(), 0), SJ_ERR_PARAM);
        assert_eq!(sj_operations_select_by_path(&mut err, ops, m.as_ptr(), &none, 0), SJ_ERR_PARAM);
        assert_eq!(sj_operations_select_by_path(&mut err, ops, m.as_ptr(), &ctx, 0x20), SJ_ERR_PARAM);
        assert_eq!(sj_operations_modify_by_path(&mut err, ops, m.as_ptr(), &ctx, rm, 1), SJ_ERR_PARAM);
        assert_eq!(sj_operations_modify_by_path(&mut err, ops, m.as_ptr(), &ctx, std::ptr::null(), 0), SJ_ERR_PARAM);
        let null_filter = [sj_ctx_all_children_with_filter(std::ptr::null())];
        let bad = sj_ctx { items: null_filter.as_ptr(), n: 1 };
        assert_eq!(sj_operations_select_by_path(&mut err, ops, m.as_ptr(), &bad, 0), SJ_ERR_PARAM);
        let mut misplaced = sj_ctx_and_filter(gt4);
        misplaced.r#type = SJ_CTX_MAP_KEY;
        let bad = sj_ctx { items: &misplaced, n: 1 };
        assert_eq!(sj_operations_select_by_path(&mut err, ops, m.as_ptr(), &bad, 0), SJ_ERR_PARAM);
        assert!(std::ffi::CStr::from_ptr(err.message.as_ptr()).to_str().unwrap().contains("context level 0"));
        assert_eq!((*ops).0.len(), 2);
        // The path expressions: calls of the same payloads.
        let sel =
            taken(sj_exp_select_by_path(SJ_EXP_TYPE_LIST, &ctx, SJ_PATH_SELECT_VALUE, sj_exp_bin_map(m.as_ptr())));
        let rs = exp::select_by_path(ExpType::List, path_rs.clone(), SelectFlags::VALUE, exp::map_bin("m"));
        assert_eq!(sel, rs);
        let modified = sj_exp_modify_by_path(SJ_EXP_TYPE_MAP, &ctx, sj_exp_copy(rm), 0, sj_exp_bin_map(m.as_ptr()));
        let rs =
            exp::modify_by_path(ExpType::Map, path_rs, exp::remove_result(), ModifyFlags::DEFAULT, exp::map_bin("m"));
        assert_eq!(taken(modified), rs);
        assert!(sj_exp_select_by_path(SJ_EXP_TYPE_LIST, &none, 0, sj_exp_bin_map(m.as_ptr())).is_null());
        assert!(sj_exp_loopvar(SJ_EXP_TYPE_INT, 3).is_null());
        assert!(sj_exp_loopvar(99, SJ_EXP_LOOPVAR_KEY).is_null());
        sj_exp_destroy(rm);
        sj_exp_destroy(gt4);
        sj_operations_destroy(ops);
    }
}

//! Byte-exact encodings: most expected bytes are field-43 data the official Python client
//! (aerospike 19.3.0, C client 7.6.1) sent for the same expression, captured on the wire (the
//! vectors of notes-py-exp.md, named `exprs-N` / `exprs2-N` there).

use super::*;
use crate::cdt::{self, ListOrder, ListPolicy, ListWriteFlags, ReturnType};
use crate::hll;
use crate::value::Value;

fn hex(e: &Expression) -> String {
    e.as_bytes().iter().map(|b| format!("{b:02x}")).collect()
}

fn unhex(s: &str) -> Vec<u8> {
    (0..s.len()).step_by(2).map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap()).collect()
}

#[test]
fn comparisons_logic_and_literals_match_the_official_client() {
    let a = || int_bin("a");
    let cases: Vec<(&str, Expression, &str)> = vec![
        ("exprs-0", gt(a(), int(5)), "9303935102a16105"),
        ("exprs-1", and(vec![gt(a(), int(5)), lt(int_bin("b"), int(10))]), "93109303935102a161059305935102a1620a"),
        (
            "exprs-2",
            or(vec![eq(a(), int(1)), eq(a(), int(2)), eq(a(), int(3))]),
            "94119301935102a161019301935102a161029301935102a16103",
        ),
        ("exprs-3", not(eq(a(), int(1))), "92129301935102a16101"),
        ("exprs-4", eq(add(vec![a(), int(1)]), int(6)), "93019314935102a1610106"),
        (
            "exprs-5",
            gt(div(vec![float_bin("f"), float(2.0)]), float(1.5)),
            "93039317935107a166cb4000000000000000cb3ff8000000000000",
        ),
        ("exprs-6", eq(string_bin("s"), string("abc")), "9301935103a173a403616263"),
        ("exprs-7", eq(blob_bin("b"), blob(vec![1, 2])), "9301935106a162a3040102"),
        (
            "exprs-8",
            eq(list_bin("l"), list(vec![Value::Int(1), "x".into(), Value::Float(2.5)])),
            "9301935104a16c927e9301a20378cb4004000000000000",
        ),
        (
            "exprs-9",
            eq(map_bin("m"), map(vec![("a".into(), Value::List(vec![Value::Int(2)])), ("k".into(), Value::Int(1))])),
            "9301935105a16d82a203619102a2036b01",
        ),
        ("exprs-33", eq(bool_bin("t"), bool(true)), "9301935101a174c3"),
        ("exprs-34", eq(string_bin("s"), nil()), "9301935103a173c0"),
        ("exprs-55", eq(list_bin("l"), list(vec![])), "9301935104a16c927e90"),
        ("exprs-57", eq(a(), int(-40000)), "9301935102a161d2ffff63c0"),
        (
            "exprs-58",
            eq(string_bin("s"), string("x".repeat(40))),
            "9301935103a173d9290378787878787878787878787878787878787878787878787878787878787878787878787878787878",
        ),
        ("exprs2-0", in_list(a(), list(vec![1i64.into(), 2i64.into(), 3i64.into()])), "9309935102a161927e93010203"),
        ("exprs2-1", in_list(int(5), list_bin("l")), "930905935104a16c"),
        (
            "exprs2-2",
            or(vec![
                and(vec![eq(a(), int(1)), eq(int_bin("b"), int(2))]),
                exclusive(vec![bool_bin("x"), bool_bin("y")]),
            ]),
            "931193109301935102a161019301935102a162029313935101a178935101a179",
        ),
        (
            "exprs2-3",
            eq(min(vec![a(), int(3), max(vec![int_bin("b"), int(1), int(2)])]), int(1)),
            "93019432935102a161039433935102a162010201",
        ),
        ("exprs2-45", eq(bool_bin("a"), bool(false)), "9301935101a161c2"),
        ("exprs-36", eq(modulo(a(), int(3)), int(0)), "9301931a935102a1610300"),
        ("exprs-37", eq(int_and(vec![a(), int(0xff)]), int(1)), "93019320935102a161ccff01"),
        ("exprs-38", eq(to_int(floor(float_bin("f"))), int(2)), "9301921e921c935107a16602"),
        ("exprs2-38", eq(float_bin("f"), float(-0.5)), "9301935107a166cbbfe0000000000000"),
    ];
    for (name, e, want) in cases {
        assert_eq!(hex(&e), want, "{name}");
    }
}

#[test]
fn metadata_bins_and_control_match_the_official_client() {
    let cases: Vec<(&str, Expression, &str)> = vec![
        (
            "exprs-10",
            let_in(vec![("x".into(), add(vec![int_bin("a"), int(1)]))], gt(var("x"), int(5))),
            "947da1789314935102a161019303927ca17805",
        ),
        (
            "exprs2-42",
            gt(
                let_in(vec![("x".into(), int(1)), ("y".into(), int_bin("a"))], add(vec![var("x"), var("y")])),
                int(3),
            ),
            "9303967da17801a179935102a1619314927ca178927ca17903",
        ),
        (
            "exprs-11",
            cond(vec![gt(int_bin("a"), int(5)), int(1), lt(int_bin("a"), int(0)), int(-1), int(0)]),
            "967b9303935102a16105019305935102a16100ff00",
        ),
        ("exprs-12", cond(vec![gt(int_bin("a"), int(5)), int_bin("a"), unknown()]), "947b9303935102a16105935102a1619100"),
        ("exprs-13", gt(ttl(), int(100)), "9303914564"),
        ("exprs-14", eq(set_name(), string("demo")), "93019146a50364656d6f"),
        ("exprs-15", key_exists(), "9147"),
        ("exprs-16", eq(digest_modulo(3), int(1)), "930192400301"),
        ("exprs-17", gt(record_size(), int(10)), "9303914a0a"),
        ("exprs-18", eq(key(ExpType::Int), int(7)), "930192500207"),
        ("exprs-47", eq(key(ExpType::Str), string("k")), "9301925003a2036b"),
        ("exprs-48", eq(key(ExpType::Blob), blob(b"k".to_vec())), "9301925006a2046b"),
        ("exprs-19", cmp_regex(2, "^ab.*", string_bin("s")), "940702a55e61622e2a935103a173"),
        (
            "exprs-20",
            cmp_geo(geo_bin("g"), geo(r#"{"type": "Point", "coordinates": [1.5, 2.5]}"#)),
            "9308935108a167d92d177b2274797065223a2022506f696e74222c2022636f6f7264696e61746573223a205b312e352c20322e355d7d",
        ),
        ("exprs-31", bin_exists("a"), "93029252a16100"),
        ("exprs-32", eq(bin_type("a"), int(1)), "93019252a16101"),
        ("exprs-41", gt(last_update(), int(0)), "9303914200"),
        ("exprs-42", gt(since_update(), int(0)), "9303914300"),
        ("exprs-43", gt(void_time(), int(0)), "9303914400"),
        ("exprs-44", not(is_tombstone()), "92129148"),
        ("exprs-45", gt(device_size(), int(0)), "9303914100"),
        ("exprs-46", gt(memory_size(), int(0)), "9303914900"),
    ];
    for (name, e, want) in cases {
        assert_eq!(hex(&e), want, "{name}");
    }
}

#[test]
fn calls_match_the_official_client() {
    let v = ReturnType::VALUE;
    let cases: Vec<(&str, Expression, &str)> = vec![
        (
            "exprs-22",
            eq(list_get_by_index(&[Ctx::ListIndex(0)], v, ExpType::Int, int(1), list_bin("l")), int(5)),
            "9301957f020093ccff92100093130701935104a16c05",
        ),
        (
            "exprs-23",
            eq(list_get_by_index(&[], v, ExpType::Int, int(0), list_bin("l")), int(5)),
            "9301957f020093130700935104a16c05",
        ),
        ("exprs-26", gt(bit_count(int(0), int(8), blob_bin("b")), int(2)), "9303957f020193330008935106a16202"),
        ("exprs-27", gt(hll_get_count(hll_bin("h")), int(0)), "9303957f02029132935109a16800"),
        (
            "exprs-28",
            eq(map_get_by_key(&[], v, ExpType::Str, string("k"), map_bin("m")), string("v")),
            "9301957f0300936107a2036b935105a16da20376",
        ),
        (
            "exprs-49",
            eq(map_get_by_key(&[Ctx::MapKey("a".into())], v, ExpType::Int, string("b"), map_bin("m")), int(1)),
            "9301957f020093ccff9222a20361936107a20362935105a16d01",
        ),
        (
            "exprs2-43",
            eq(list_get_by_index(&[], v, ExpType::Int, int(0), list(vec![5i64.into(), 6i64.into()])), int(5)),
            "9301957f020093130700927e92050605",
        ),
    ];
    for (name, e, want) in cases {
        assert_eq!(hex(&e), want, "{name}");
    }
    // Generic calls of this crate's operations: list arguments quoted, the modify flag from the
    // operation, a context kept.
    let ordered = Some(ListPolicy { order: ListOrder::Ordered, flags: ListWriteFlags::ADD_UNIQUE });
    let append = call(ExpType::List, &cdt::list_append("l", 9, ordered), list_bin("l")).unwrap();
    assert_eq!(hex(&gt(list_size(&[], append), int(2))), "9303957f02009110957f04409401090101935104a16c02", "exprs-24");
    let append = call(ExpType::List, &cdt::list_append("l", 9, None), list_bin("l")).unwrap();
    assert_eq!(hex(&gt(list_size(&[], append), int(2))), "9303957f02009110957f0440920109935104a16c02", "exprs-25");
    let nested = cdt::list_append("l", 3, None).with_ctx([Ctx::ListIndex(0)]);
    let nested = call(ExpType::List, &nested, list_bin("l")).unwrap();
    assert_eq!(
        hex(&eq(list_get_by_index(&[], v, ExpType::Int, int(0), nested), int(1))),
        "9301957f020093130700957f044093ccff921000920103935104a16c01",
        "exprs-50"
    );
    let add = hll::add("h", vec!["x".into(), "y".into()], Some(8), None, None);
    let add = call(ExpType::Hll, &add, hll_bin("h")).unwrap();
    assert_eq!(
        hex(&gt(hll_get_count(add), int(1))),
        "9303957f02029132957f09429501927e92a20378a2037908ff00935109a16801",
        "exprs-53"
    );
    let count = call(ExpType::Int, &crate::bits::count("b", 0, 8), blob_bin("b")).unwrap();
    assert_eq!(count, bit_count(int(0), int(8), blob_bin("b")));
    let size = call(ExpType::Int, &cdt::map_size("m"), map_bin("m")).unwrap();
    assert_eq!(size, map_size(&[], map_bin("m")));
    // A list of keys to look up is quoted; a map argument is not.
    let keys = cdt::map_get_by_key_list("m", ReturnType::COUNT, vec!["a".into()]);
    assert_eq!(hex(&call(ExpType::Int, &keys, map_bin("m")).unwrap()), "957f0200936b05927e91a20361935105a16d");
    let put = cdt::map_put_items("m", vec![("a".into(), 1i64.into())], None);
    assert_eq!(
        hex(&call(ExpType::Map, &put, map_bin("m")).unwrap()),
        "957f0540934481a2036101".to_string() + "00935105a16d"
    );
    // Only list, map, bit and HLL operations can be called.
    assert_eq!(call(ExpType::Int, &Operation::Touch, int(1)).unwrap_err().code, code::PARAM);
}

#[test]
fn operations_carry_the_expression_and_flags() {
    let mut out = Vec::new();
    encode_op_value(&int_bin("a"), ExpReadFlags::DEFAULT.0, &mut out);
    assert_eq!(out, unhex("92935102a16100"));
    out.clear();
    encode_op_value(&add(vec![int_bin("a"), int(1)]), ExpReadFlags::EVAL_NO_FAIL.0, &mut out);
    assert_eq!(out, unhex("929314935102a1610110"));
    out.clear();
    let flags = ExpWriteFlags::UPDATE_ONLY | ExpWriteFlags::POLICY_NO_FAIL;
    encode_op_value(&string("hi"), flags.0, &mut out);
    assert_eq!(out, unhex("92a30368690a"));
    assert!(!read_op("r", int(1), ExpReadFlags::DEFAULT).is_write());
    assert!(write_op("w", int(1), ExpWriteFlags::DEFAULT).is_write());
}

#[test]
fn packed_expressions_are_checked_to_be_one_value() {
    let e = Expression::from_bytes(unhex("9303935102a16105")).unwrap();
    assert_eq!(e, gt(int_bin("a"), int(5)));
    assert_eq!(e.clone().into_bytes(), e.as_bytes());
    for bad in ["", "9303935102a161", "0505", "93"] {
        assert_eq!(Expression::from_bytes(unhex(bad)).unwrap_err().code, code::PARAM, "{bad}");
    }
    assert_eq!(ExpType::from_u32(9), Some(ExpType::Hll));
    assert_eq!(ExpType::from_u32(10), None);
    // Names of 32 bytes and more take the longer string headers.
    let long = "n".repeat(40);
    assert_eq!(&bin(&long, ExpType::Int).as_bytes()[..5], &[0x93, 0x51, 0x02, 0xd9, 40]);
}

#[test]
fn path_calls_match_the_official_client() {
    use crate::cdt::{Ctx, ModifyFlags, SelectFlags};
    // exprs2-34: Eq(SelectByPath([map_key('a'), all_children()], LIST, MAP_VALUE, MapBin('m')), [1]).
    let ctx = vec![Ctx::MapKey("a".into()), Ctx::AllChildren];
    let select = select_by_path(ExpType::List, ctx.clone(), SelectFlags::VALUE, map_bin("m"));
    let e = eq(select, list(vec![Value::Int(1)]));
    assert_eq!(hex(&e), "9301957f040093ccfe9422a2036104c301935105a16d927e9101");
    // The same as a call of the operation.
    let op = cdt::select_by_path("m", ctx, SelectFlags::VALUE);
    let called = eq(call(ExpType::List, &op, map_bin("m")).unwrap(), list(vec![Value::Int(1)]));
    assert_eq!(called, e);
    // exprs2-35: Eq(ModifyByPath([all_children_with_filter(GT(LoopVarInt(VALUE), 1))], MAP,
    // Add(LoopVarInt(VALUE), 1), NO_FAIL, MapBin('m')), {}).
    let value = || loop_var(ExpType::Int, LoopVar::Value);
    let ctx = vec![Ctx::AllChildrenWhere(gt(value(), int(1)))];
    let plus1 = add(vec![value(), int(1)]);
    let modify = modify_by_path(ExpType::Map, ctx.clone(), plus1.clone(), ModifyFlags::NO_FAIL, map_bin("m"));
    let e = eq(modify, map(vec![]));
    assert_eq!(hex(&e), "9301957f054094ccfe92049303937a020101149314937a020101935105a16d80");
    let op = cdt::modify_by_path("m", ctx, plus1, ModifyFlags::NO_FAIL);
    assert_eq!(eq(call(ExpType::Map, &op, map_bin("m")).unwrap(), map(vec![])), e);
    // The other built-in variables and remove_result ([122, type, id], [100]).
    assert_eq!(hex(&loop_var(ExpType::Str, LoopVar::Key)), "937a0300");
    assert_eq!(hex(&loop_var(ExpType::Int, LoopVar::Index)), "937a0202");
    assert_eq!(hex(&remove_result()), "9164");
}

//! The payloads, byte for byte, against what PROTOCOL-DATA.md A.2/A.3/A.8 says the C client
//! sends (`as_list_operations.c`, `as_map_operations.c`, `as_cdt_internal.c`), and the op
//! table's codes and read/modify classes.

use super::*;
use crate::command::Operation;

fn bytes(op: &Operation) -> Vec<u8> {
    let mut out = Vec::new();
    match op {
        Operation::List(_, op, ctx) => op.encode(ctx, &mut out),
        Operation::Map(_, op, ctx) => op.encode(ctx, &mut out),
        other => panic!("not a list or map operation: {other:?}"),
    }
    out
}

/// "k" in Aerospike's msgpack.
const K: [u8; 3] = [0xa2, 0x03, b'k'];

fn cat(parts: &[&[u8]]) -> Vec<u8> {
    parts.concat()
}

#[test]
fn map_put_is_the_c_clients() {
    // No policy: [67, key, value, 0].
    assert_eq!(bytes(&map_put("m", "k", 1, None)), cat(&[&[0x94, 67], &K, &[1, 0]]));
    // A policy without write flags: [67, key, value, attrs].
    let ordered = MapPolicy { order: MapOrder::KeyOrdered, ..MapPolicy::default() };
    assert_eq!(bytes(&map_put("m", "k", 1, Some(ordered))), cat(&[&[0x94, 67], &K, &[1, 1]]));
    // Write flags: [67, key, value, attrs, flags].
    let create_only = MapPolicy { flags: MapWriteFlags::CREATE_ONLY | MapWriteFlags::NO_FAIL, ..ordered };
    assert_eq!(bytes(&map_put("m", "k", 1, Some(create_only))), cat(&[&[0x95, 67], &K, &[1, 1, 5]]));
    // Put items: [68, {k: "v"}, 0].
    let items = vec![(Value::from("k"), Value::from("v"))];
    assert_eq!(bytes(&map_put_items("m", items, None)), cat(&[&[0x93, 68, 0x81], &K, &[0xa2, 3, b'v', 0]]));
    // Persisted index: attrs | 0x10.
    let persisted = MapPolicy { order: MapOrder::KeyValueOrdered, persist_index: true, ..MapPolicy::default() };
    assert_eq!(bytes(&map_set_policy("m", persisted)), [0x92, 64, 0x13]);
}

#[test]
fn map_increment_and_selectors() {
    // [73, key, delta, attrs]; a nil delta means 1.
    assert_eq!(bytes(&map_increment("m", "k", 5, None)), cat(&[&[0x94, 73], &K, &[5, 0]]));
    assert_eq!(bytes(&map_decrement("m", "k", Value::Nil, None)), cat(&[&[0x94, 74], &K, &[0xc0, 0]]));
    // [97, rtype, key].
    assert_eq!(bytes(&map_get_by_key("m", ReturnType::VALUE, "k")), cat(&[&[0x93, 97, 7], &K]));
    // [81, rtype, [keys]].
    let keys = vec![Value::from("k")];
    assert_eq!(bytes(&map_remove_by_key_list("m", ReturnType::COUNT, keys)), cat(&[&[0x93, 81, 5, 0x91], &K]));
    // [106, rtype, rank, count] and the to-the-end form without count.
    assert_eq!(bytes(&map_get_by_rank_range("m", ReturnType::KEY_VALUE, -2, Some(2))), [0x94, 106, 8, 0xfe, 2]);
    assert_eq!(bytes(&map_get_by_rank_range("m", ReturnType::KEY, 1, None)), [0x93, 106, 6, 1]);
    // Inverted: rtype | 0x10000, packed as uint32.
    let inverted = map_remove_by_index_range("m", ReturnType::COUNT.inverted(), 0, Some(1));
    assert_eq!(bytes(&inverted), [0x94, 85, 0xce, 0, 1, 0, 5, 0, 1]);
    // Key interval: nil for a missing begin, no end argument for a missing end.
    assert_eq!(bytes(&map_get_by_key_range("m", ReturnType::KEY, None, None)), [0x93, 103, 6, 0xc0]);
    let interval = map_get_by_key_range("m", ReturnType::KEY, Some("a".into()), Some(Value::Infinity));
    assert_eq!(bytes(&interval), [0x94, 103, 6, 0xa2, 3, b'a', 0xd4, 0xff, 0x01]);
    // Relative: [109, rtype, key, index(, count)].
    assert_eq!(
        bytes(&map_get_by_key_rel_index_range("m", ReturnType::KEY, "k", -1, None)),
        cat(&[&[0x94, 109, 6], &K, &[0xff]])
    );
    assert_eq!(bytes(&map_clear("m")), [0x91, 75]);
    assert_eq!(bytes(&map_size("m")), [0x91, 96]);
}

#[test]
fn list_writes_are_the_c_clients() {
    // Append: [1, value] without a policy, [1, value, order, flags] with one.
    assert_eq!(bytes(&list_append("l", 5, None)), [0x92, 1, 5]);
    let policy = ListPolicy { order: ListOrder::Ordered, flags: ListWriteFlags::ADD_UNIQUE | ListWriteFlags::NO_FAIL };
    assert_eq!(bytes(&list_append("l", 5, Some(policy))), [0x94, 1, 5, 1, 5]);
    assert_eq!(bytes(&list_append_items("l", vec![1.into(), "k".into()], None)), cat(&[&[0x92, 2, 0x92, 1], &K]));
    // Insert and set never send the order: [3, index, value, flags].
    assert_eq!(bytes(&list_insert("l", -1, 5, Some(policy))), [0x94, 3, 0xff, 5, 5]);
    assert_eq!(bytes(&list_set("l", 2, 5, None)), [0x93, 9, 2, 5]);
    // Increment: [12, index, delta] or [12, index, delta, order, flags].
    assert_eq!(bytes(&list_increment("l", 0, 1, None)), [0x93, 12, 0, 1]);
    assert_eq!(bytes(&list_increment("l", 0, 2.5, Some(policy)))[..4], [0x95, 12, 0, 0xcb]);
    // Ranges with and without count.
    assert_eq!(bytes(&list_pop_range("l", 1, Some(2))), [0x93, 6, 1, 2]);
    assert_eq!(bytes(&list_remove_range("l", 1, None)), [0x92, 8, 1]);
    assert_eq!(bytes(&list_trim("l", 0, 300)), [0x93, 10, 0, 0xcd, 0x01, 0x2c]);
    assert_eq!(bytes(&list_sort("l", ListSortFlags::DESCENDING | ListSortFlags::DROP_DUPLICATES)), [0x92, 13, 3]);
    assert_eq!(bytes(&list_set_order("l", ListOrder::Ordered)), [0x92, 0, 1]);
    assert_eq!(bytes(&list_clear("l")), [0x91, 11]);
}

#[test]
fn list_selectors() {
    // [26, rtype, rank, count]: the brief's get-by-rank-range.
    assert_eq!(bytes(&list_get_by_rank_range("l", ReturnType::VALUE, -3, Some(3))), [0x94, 26, 7, 0xfd, 3]);
    assert_eq!(bytes(&list_get_by_index("l", ReturnType::INDEX, 0)), [0x93, 19, 1, 0]);
    // By value sends code 22 (all matches), as current clients do; remove-by is 13 more.
    assert_eq!(bytes(&list_get_by_value("l", ReturnType::COUNT, 7)), [0x93, 22, 5, 7]);
    assert_eq!(bytes(&list_remove_by_value("l", ReturnType::NONE, 7)), [0x93, 35, 0, 7]);
    // Value interval: nil begin, omitted end.
    assert_eq!(bytes(&list_get_by_value_range("l", ReturnType::VALUE, None, Some(10.into()))), [0x94, 25, 7, 0xc0, 10]);
    assert_eq!(bytes(&list_remove_by_value_range("l", ReturnType::VALUE, Some(3.into()), None)), [0x93, 38, 7, 3]);
    let wildcard = Value::from(vec![Value::from("k"), Value::Wildcard]);
    assert_eq!(
        bytes(&list_get_by_value("l", ReturnType::VALUE, wildcard)),
        cat(&[&[0x93, 22, 7, 0x92], &K, &[0xd4, 0xff, 0x00]])
    );
    assert_eq!(
        bytes(&list_remove_by_value_rel_rank_range("l", ReturnType::RANK, 5, -1, Some(2))),
        [0x95, 40, 3, 5, 0xff, 2]
    );
}

/// Every code of the A.2 and A.3 tables, with R (read) or M (modify).
#[test]
fn every_op_code_and_class() {
    let v = || Value::Int(1);
    let rt = ReturnType::VALUE;
    let list_selectors = || {
        vec![
            ListSelector::Index(0),
            ListSelector::FirstValue(v()),
            ListSelector::Rank(0),
            ListSelector::Value(v()),
            ListSelector::ValueList(vec![v()]),
            ListSelector::IndexRange { index: 0, count: None },
            ListSelector::ValueInterval { begin: None, end: None },
            ListSelector::RankRange { rank: 0, count: None },
            ListSelector::ValueRelRankRange { value: v(), rank: 0, count: None },
        ]
    };
    let mut list: Vec<(ListOp, u8, bool)> = vec![
        (ListOp::SetOrder { order: ListOrder::Ordered, persist_index: false }, 0, true),
        (ListOp::Append { value: v(), policy: None }, 1, true),
        (ListOp::AppendItems { values: vec![], policy: None }, 2, true),
        (ListOp::Insert { index: 0, value: v(), policy: None }, 3, true),
        (ListOp::InsertItems { index: 0, values: vec![], policy: None }, 4, true),
        (ListOp::Pop { index: 0 }, 5, true),
        (ListOp::PopRange { index: 0, count: None }, 6, true),
        (ListOp::Remove { index: 0 }, 7, true),
        (ListOp::RemoveRange { index: 0, count: None }, 8, true),
        (ListOp::Set { index: 0, value: v(), policy: None }, 9, true),
        (ListOp::Trim { index: 0, count: 1 }, 10, true),
        (ListOp::Clear, 11, true),
        (ListOp::Increment { index: 0, delta: v(), policy: None }, 12, true),
        (ListOp::Sort { flags: ListSortFlags::DEFAULT }, 13, true),
        (ListOp::Size, 16, false),
        (ListOp::Get { index: 0 }, 17, false),
        (ListOp::GetRange { index: 0, count: None }, 18, false),
    ];
    for (i, s) in list_selectors().into_iter().enumerate() {
        list.push((ListOp::GetBy { return_type: rt, selector: s }, 19 + i as u8, false));
    }
    for (i, s) in list_selectors().into_iter().enumerate() {
        list.push((ListOp::RemoveBy { return_type: rt, selector: s }, 32 + i as u8, true));
    }
    for (op, code, modify) in &list {
        assert_eq!((op.code(), op.is_modify()), (*code, *modify), "{op:?}");
        let mut out = Vec::new();
        op.encode(&[], &mut out);
        assert_eq!(out[1], *code, "the payload starts with the code: {op:?}");
    }

    let map_selectors = || {
        vec![
            (MapSelector::Key(v()), 97, 76),
            (MapSelector::Index(0), 98, 77),
            (MapSelector::FirstValue(v()), 99, 78),
            (MapSelector::Rank(0), 100, 79),
            (MapSelector::KeyList(vec![v()]), 107, 81),
            (MapSelector::Value(v()), 102, 82),
            (MapSelector::ValueList(vec![v()]), 108, 83),
            (MapSelector::KeyInterval { begin: None, end: None }, 103, 84),
            (MapSelector::IndexRange { index: 0, count: None }, 104, 85),
            (MapSelector::ValueInterval { begin: None, end: None }, 105, 86),
            (MapSelector::RankRange { rank: 0, count: None }, 106, 87),
            (MapSelector::KeyRelIndexRange { key: v(), index: 0, count: None }, 109, 88),
            (MapSelector::ValueRelRankRange { value: v(), rank: 0, count: None }, 110, 89),
        ]
    };
    let mut map: Vec<(MapOp, u8, bool)> = vec![
        (MapOp::SetPolicy { policy: MapPolicy::default() }, 64, true),
        (MapOp::Add { key: v(), value: v(), policy: None }, 65, true),
        (MapOp::AddItems { items: vec![], policy: None }, 66, true),
        (MapOp::Put { key: v(), value: v(), policy: None }, 67, true),
        (MapOp::PutItems { items: vec![], policy: None }, 68, true),
        (MapOp::Replace { key: v(), value: v() }, 69, true),
        (MapOp::ReplaceItems { items: vec![] }, 70, true),
        (MapOp::Increment { key: v(), delta: v(), policy: None }, 73, true),
        (MapOp::Decrement { key: v(), delta: v(), policy: None }, 74, true),
        (MapOp::Clear, 75, true),
        (MapOp::Size, 96, false),
    ];
    for (s, get, remove) in map_selectors() {
        map.push((MapOp::GetBy { return_type: rt, selector: s.clone() }, get, false));
        map.push((MapOp::RemoveBy { return_type: rt, selector: s }, remove, true));
    }
    for (op, code, modify) in &map {
        assert_eq!((op.code(), op.is_modify()), (*code, *modify), "{op:?}");
        let mut out = Vec::new();
        op.encode(&[], &mut out);
        assert_eq!(out[1], *code, "{op:?}");
    }
    // The 35 codes of A.2 and the 37 of A.3 (71, 72, 80 and 101 are unused).
    assert_eq!((list.len(), map.len()), (35, 37));
}

#[test]
fn legacy_map_writes() {
    let items = || vec![(Value::from("k"), Value::Int(1))];
    let ordered = Some(MapPolicy { order: MapOrder::KeyOrdered, ..MapPolicy::default() });
    let enc = |op: MapOp| bytes(&Operation::Map("m".into(), op, vec![]));
    assert_eq!(enc(MapOp::Add { key: "k".into(), value: 1.into(), policy: ordered }), cat(&[&[0x94, 65], &K, &[1, 1]]));
    assert_eq!(enc(MapOp::AddItems { items: items(), policy: None }), cat(&[&[0x93, 66, 0x81], &K, &[1, 0]]));
    assert_eq!(enc(MapOp::Replace { key: "k".into(), value: 1.into() }), cat(&[&[0x93, 69], &K, &[1]]));
    assert_eq!(enc(MapOp::ReplaceItems { items: items() }), cat(&[&[0x92, 70, 0x81], &K, &[1]]));
}

/// `[0xFF, [type, value, ...], [code, args...]]`: the header of the wrapper and the 0xFF marker
/// (a uint8, as `as_pack_uint64(pk, 0xff)` writes it).
const WRAP: [u8; 3] = [0x93, 0xcc, 0xff];

#[test]
fn contexts_wrap_the_payload_as_the_c_client_does() {
    // as_cdt_pack_ctx: [0xFF, [0x22, "k", 0x10, -1], [1, 5]] for a list append two levels down.
    let op = list_append("l", 5, None).with_ctx([Ctx::MapKey("k".into()), Ctx::ListIndex(-1)]);
    assert_eq!(bytes(&op), cat(&[&WRAP, &[0x94, 0x22], &K, &[0x10, 0xff], &[0x92, 1, 5]]));
    // Every type, with its value: ints packed as as_pack_int64 does, values as as_pack_val.
    let every = [
        (Ctx::ListIndex(300), vec![0x10, 0xcd, 0x01, 0x2c]),
        (Ctx::ListRank(-2), vec![0x11, 0xfe]),
        (
            Ctx::ListValue(Value::from(vec![Value::from("k"), Value::Wildcard])),
            cat(&[&[0x13, 0x92], &K, &[0xd4, 0xff, 0]]),
        ),
        (Ctx::MapIndex(0), vec![0x20, 0]),
        (Ctx::MapRank(-1), vec![0x21, 0xff]),
        (Ctx::MapKey(7.into()), vec![0x22, 7]),
        (Ctx::MapValue("k".into()), cat(&[&[0x23], &K])),
        // as_cdt_ctx_add_list_index_create: 0x10 | as_list_order_to_flag(order, pad), the type
        // packed as a uint8 once it passes 127.
        (Ctx::ListIndexCreate { index: 1, order: ListOrder::Unordered, pad: false }, vec![0x50, 1]),
        (Ctx::ListIndexCreate { index: 1, order: ListOrder::Unordered, pad: true }, vec![0xcc, 0x90, 1]),
        (Ctx::ListIndexCreate { index: 1, order: ListOrder::Ordered, pad: true }, vec![0xcc, 0xd0, 1]),
        // as_cdt_ctx_add_map_key_create: 0x22 | as_map_order_to_flag(order).
        (Ctx::MapKeyCreate { key: "k".into(), order: MapOrder::Unordered }, cat(&[&[0x62], &K])),
        (Ctx::MapKeyCreate { key: "k".into(), order: MapOrder::KeyOrdered }, cat(&[&[0xcc, 0xa2], &K])),
        (Ctx::MapKeyCreate { key: "k".into(), order: MapOrder::KeyValueOrdered }, cat(&[&[0xcc, 0xe2], &K])),
    ];
    for (ctx, pair) in every {
        let op = map_size("m").with_ctx([ctx.clone()]);
        assert_eq!(bytes(&op), cat(&[&WRAP, &[0x92], &pair, &[0x91, 96]]), "{ctx:?}");
        // The wire type reads back as the same level.
        let value = match &ctx {
            Ctx::ListValue(v) | Ctx::MapKey(v) | Ctx::MapValue(v) | Ctx::MapKeyCreate { key: v, .. } => v.clone(),
            Ctx::ListIndex(i)
            | Ctx::ListIndexCreate { index: i, .. }
            | Ctx::ListRank(i)
            | Ctx::MapIndex(i)
            | Ctx::MapRank(i) => Value::Int(*i),
            other => unreachable!("{other:?}"),
        };
        let back = Ctx::from_wire(ctx.wire_type(), value).unwrap();
        // An ordered list ignores pad: 0xD0 reads back without it.
        let expected = match ctx {
            Ctx::ListIndexCreate { index, order: ListOrder::Ordered, .. } => {
                Ctx::ListIndexCreate { index, order: ListOrder::Ordered, pad: false }
            }
            other => other,
        };
        assert_eq!(back, expected);
    }
    // A selector op keeps its arguments: [0xFF, [0x20, 0], [97, 7, "k"]].
    let op = map_get_by_key("m", ReturnType::VALUE, "k").with_ctx(vec![Ctx::MapIndex(0)]);
    assert_eq!(bytes(&op), cat(&[&WRAP, &[0x92, 0x20, 0], &[0x93, 97, 7], &K]));
    // An empty context is the bin's own container: no wrapper.
    assert_eq!(bytes(&list_size("l").with_ctx([])), [0x91, 16]);
    // Only the listed types, create flags only on list index and map key, ints where they belong.
    for bad in [0x00, 0x03, 0x04, 0x12, 0x24, 0x51, 0x63, 0x90 | 0x11, 0x110, 0x204] {
        assert_eq!(Ctx::from_wire(bad, Value::Int(0)).unwrap_err().code, crate::error::code::PARAM, "{bad:#x}");
    }
    assert_eq!(Ctx::from_wire(0x10, "k".into()).unwrap_err().code, crate::error::code::PARAM);
}

#[test]
fn list_create_and_map_create_flag_the_last_level() {
    // as_operations_list_create(ctx, ORDERED, pad): [0xFF, [0x22, "k" with 0xC0], [0, 1]].
    let op = list_create("l", ListOrder::Ordered, false, true).with_ctx([Ctx::MapKey("k".into())]);
    assert_eq!(bytes(&op), cat(&[&WRAP, &[0x92, 0xcc, 0xe2], &K, &[0x92, 0, 1]]));
    // Unordered, padded: 0x80 on the last level only; persist_index is not sent nested.
    let op = list_create("l", ListOrder::Unordered, true, true).with_ctx([Ctx::MapKey("k".into()), Ctx::ListIndex(3)]);
    assert_eq!(bytes(&op), cat(&[&WRAP, &[0x94, 0x22], &K, &[0xcc, 0x90, 3], &[0x92, 0, 0]]));
    // Without a context: plain SET_TYPE, with the persisted index.
    assert_eq!(bytes(&list_create("l", ListOrder::Ordered, true, true)), [0x92, 0, 0x11]);
    assert_eq!(bytes(&list_create("l", ListOrder::Unordered, false, false)), [0x92, 0, 0]);
    // as_operations_map_create(ctx, KEY_ORDERED): [0xFF, [0x10 | 0x80, 0], [64, 1]].
    let op = map_create("m", MapOrder::KeyOrdered, true).with_ctx([Ctx::ListIndex(0)]);
    assert_eq!(bytes(&op), cat(&[&WRAP, &[0x92, 0xcc, 0x90, 0], &[0x92, 64, 1]]));
    let op = map_create("m", MapOrder::KeyValueOrdered, false).with_ctx([Ctx::MapKey("k".into())]);
    assert_eq!(bytes(&op), cat(&[&WRAP, &[0x92, 0xcc, 0xe2], &K, &[0x92, 64, 3]]));
    // The flag is OR-ed into whatever the last level is, create flags included.
    let op = map_create("m", MapOrder::Unordered, false)
        .with_ctx([Ctx::MapKeyCreate { key: "k".into(), order: MapOrder::KeyOrdered }]);
    assert_eq!(bytes(&op), cat(&[&WRAP, &[0x92, 0xcc, 0xe2], &K, &[0x92, 64, 0]]));
    assert_eq!(bytes(&map_create("m", MapOrder::KeyOrdered, true)), [0x92, 64, 0x11]);
    // Set order / set policy with a context drop the persisted index, as the C client does.
    let persisted = MapPolicy { order: MapOrder::KeyOrdered, persist_index: true, ..MapPolicy::default() };
    let op = map_set_policy("m", persisted).with_ctx([Ctx::MapRank(0)]);
    assert_eq!(bytes(&op), cat(&[&WRAP, &[0x92, 0x21, 0], &[0x92, 64, 1]]));
    let op = Operation::List("l".into(), ListOp::SetOrder { order: ListOrder::Ordered, persist_index: true }, vec![]);
    assert_eq!(bytes(&op), [0x92, 0, 0x11]);
    assert_eq!(bytes(&op.with_ctx([Ctx::ListRank(0)])), cat(&[&WRAP, &[0x92, 0x11, 0], &[0x92, 0, 1]]));
    // Codes and classes.
    assert_eq!((ListOp::Create { order: ListOrder::Ordered, pad: false, persist_index: false }.code(), 0), (0, 0));
    assert!(MapOp::Create { order: MapOrder::Unordered, persist_index: false }.is_modify());
}

#[test]
#[should_panic(expected = "only list and map operations")]
fn only_list_and_map_operations_take_a_context() {
    let _ = Operation::Touch.with_ctx([Ctx::ListIndex(0)]);
}

/// The payload of a path operation.
fn path_bytes(op: &Operation) -> Vec<u8> {
    let mut out = Vec::new();
    assert!(op.encode_payload(&mut out), "{op:?}");
    out
}

#[test]
fn path_levels_are_packed_as_as_cdt_ctx_pack_does() {
    use crate::exp::{self, ExpType, LoopVar};
    // value > 4 with the built-in value variable: [3, [122, 2, 1], 4].
    let gt4 = exp::gt(exp::loop_var(ExpType::Int, LoopVar::Value), exp::int(4));
    assert_eq!(gt4.as_bytes(), [0x93, 0x03, 0x93, 0x7a, 0x02, 0x01, 0x04]);
    // [0x04, true, 0x22, "age", 0x04, exp, 0x204, exp, 0x2A, ["a", 1]]: the bytes our Python
    // package packs for the official cdt_ctx objects (checked against the official client's
    // captures), as the C client's as_cdt_ctx_pack writes them.
    let op = select_by_path(
        "m",
        [
            Ctx::AllChildren,
            Ctx::MapKey("age".into()),
            Ctx::AllChildrenWhere(gt4.clone()),
            Ctx::AndFilter(gt4.clone()),
            Ctx::MapKeysIn(vec!["a".into(), 1.into()]),
        ],
        SelectFlags::VALUE,
    );
    let ctx = cat(&[
        &[0x9a, 0x04, 0xc3, 0x22, 0xa4, 0x03, b'a', b'g', b'e', 0x04],
        gt4.as_bytes(),
        &[0xcd, 0x02, 0x04],
        gt4.as_bytes(),
        &[0x2a, 0x92, 0xa2, 0x03, b'a', 0x01],
    ]);
    // as_operations_select_by_path: [0xFE, ctx, flags & ~4].
    assert_eq!(path_bytes(&op), cat(&[&[0x93, 0xcc, 0xfe], &ctx, &[0x01]]));
    assert_eq!(
        [Ctx::AllChildren.wire_type(), Ctx::AndFilter(gt4.clone()).wire_type(), Ctx::MapKeysIn(vec![]).wire_type()],
        [0x04, 0x204, 0x2a]
    );
    assert!(Ctx::AllChildren.is_path_only() && !Ctx::MapKey(1.into()).is_path_only());
    // From the wire: 0x04 with true, 0x2A with a list of keys.
    assert_eq!(Ctx::from_wire(0x04, Value::Bool(true)).unwrap(), Ctx::AllChildren);
    assert_eq!(Ctx::from_wire(0x2a, Value::List(vec![1.into()])).unwrap(), Ctx::MapKeysIn(vec![1.into()]));
    for (t, v) in
        [(0x04, Value::Bool(false)), (0x2a, Value::Int(1)), (0x204, Value::Bool(true)), (0x44, Value::Bool(true))]
    {
        assert_eq!(Ctx::from_wire(t, v).unwrap_err().code, crate::error::code::PARAM, "{t:#x}");
    }
}

#[test]
fn select_and_modify_by_path_are_the_c_clients() {
    use crate::exp::{self, ExpType, LoopVar};
    let value = || exp::loop_var(ExpType::Int, LoopVar::Value);
    // Every flag of the low nibble but APPLY, and NO_FAIL; APPLY is cleared on a select.
    for (flags, byte) in [
        (SelectFlags::MATCHING_TREE, 0x00),
        (SelectFlags::VALUE | SelectFlags::NO_FAIL, 0x11),
        (SelectFlags::MAP_KEY, 0x02),
        (SelectFlags::MAP_KEY_VALUE, 0x03),
        (SelectFlags(0x14), 0x10),
    ] {
        let op = select_by_path("l", [Ctx::ListIndex(-1)], flags);
        assert_eq!(path_bytes(&op), [0x93, 0xcc, 0xfe, 0x92, 0x10, 0xff, byte], "{flags:?}");
        assert!(!op.is_write());
    }
    // as_operations_modify_by_path: [0xFE, ctx, flags | 4, expression].
    let times10 = exp::mul(vec![value(), exp::int(10)]);
    let op = modify_by_path("l", [Ctx::AllChildren], times10.clone(), ModifyFlags::DEFAULT);
    assert_eq!(path_bytes(&op), cat(&[&[0x94, 0xcc, 0xfe, 0x92, 0x04, 0xc3, 0x04], times10.as_bytes()]));
    assert!(op.is_write());
    let op = modify_by_path("l", [Ctx::ListRank(0)], exp::remove_result(), ModifyFlags::NO_FAIL);
    assert_eq!(path_bytes(&op), [0x94, 0xcc, 0xfe, 0x92, 0x11, 0x00, 0x14, 0x91, 0x64]);
    assert_eq!(op.ctx(), [Ctx::ListRank(0)]);
}

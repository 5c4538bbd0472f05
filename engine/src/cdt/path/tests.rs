//! Path select and modify on hand-built containers, with a stand-in for the expression engine.

use super::*;

/// Packs a small msgpack value: ints, strings (as_bytes type 3), lists and maps.
#[derive(Clone)]
enum V {
    I(i64),
    S(&'static str),
    L(Vec<V>),
    M(Vec<(V, V)>),
    /// `true`.
    T,
}

fn pack(v: &V, out: &mut Vec<u8>) {
    match v {
        V::I(i) => msgpack::pack_int(out, *i),
        V::S(s) => msgpack::pack_bytes(out, 3, s.as_bytes()),
        V::L(items) => {
            msgpack::pack_list_header(out, items.len());
            items.iter().for_each(|i| pack(i, out));
        }
        V::T => msgpack::pack_bool(out, true),
        V::M(pairs) => {
            msgpack::pack_map_header(out, pairs.len());
            for (k, v) in pairs {
                pack(k, out);
                pack(v, out);
            }
        }
    }
}

fn p(v: &V) -> Vec<u8> {
    let mut out = Vec::new();
    pack(v, &mut out);
    out
}

fn int_of(bytes: &[u8]) -> Option<i64> {
    match read_header(bytes, 0).ok()?.0 {
        Header::Int(i) => Some(i),
        Header::UInt(u) => i64::try_from(u).ok(),
        _ => None,
    }
}

/// Level expressions: "value > threshold" (unknown for non-ints); modify: value * 10, or remove
/// values equal to `remove`.
struct Exps {
    threshold: i64,
    remove: i64,
}

impl PathExp for Exps {
    fn test(&self, _level: usize, and: bool, child: Child<'_>) -> Option<bool> {
        let v = int_of(child.value)?;
        Some(if and { v % 2 == 0 } else { v > self.threshold })
    }

    fn modify(&self, child: Child<'_>) -> Modified {
        match int_of(child.value) {
            Some(v) if v == self.remove => Modified::Remove,
            Some(v) => Modified::Replace(p(&V::I(v * 10))),
            None => Modified::Unknown,
        }
    }
}

/// `[0xFE, pairs, flags(, exp)]`; an EXP level's expression is any list (the stand-in ignores it).
fn op(pairs: &[(u64, V)], flags: i64) -> Vec<u8> {
    let mut out = Vec::new();
    msgpack::pack_list_header(&mut out, if flags & 0x0f == 4 { 4 } else { 3 });
    msgpack::pack_int(&mut out, CODE);
    msgpack::pack_list_header(&mut out, pairs.len() * 2);
    for (t, v) in pairs {
        msgpack::pack_uint(&mut out, *t);
        pack(v, &mut out);
    }
    msgpack::pack_int(&mut out, flags);
    if flags & 0x0f == 4 {
        pack(&V::L(vec![V::I(0)]), &mut out);
    }
    out
}

/// An EXP level of `true`: every child.
fn all() -> (u64, V) {
    (BY_EXP, V::T)
}

fn run_on(payload: &[u8], bin: &V, exps: &Exps) -> Result<PathOutcome, CdtError> {
    let op = parse(payload)?;
    run(&op, &p(bin), exps)
}

fn element(result: CdtResult) -> Vec<u8> {
    match result {
        CdtResult::Element(bytes) => bytes,
        other => panic!("not an element: {other:?}"),
    }
}

fn people() -> V {
    // {"a": {"age": 30, "kids": [1, 2]}, "b": {"age": 10, "kids": []}, "c": 7}
    V::M(vec![
        (V::S("a"), V::M(vec![(V::S("age"), V::I(30)), (V::S("kids"), V::L(vec![V::I(1), V::I(2)]))])),
        (V::S("b"), V::M(vec![(V::S("age"), V::I(10)), (V::S("kids"), V::L(vec![]))])),
        (V::S("c"), V::I(7)),
    ])
}

#[test]
fn parses_levels_flags_and_refuses_what_aerospike_refuses() {
    let ok = op(&[(BY_INDEX, V::I(0)), (BY_KEY | CTX_MAP, V::S("k"))], 1);
    let parsed = parse(&ok).unwrap();
    assert_eq!(parsed.levels.len(), 2);
    assert_eq!(parsed.mode, Mode::Values);
    assert!(is_path(&ok));
    // No levels, an odd count, mode 5, APPLY without its expression, AND first or twice,
    // AND on an EXP level, an unknown level type: 4.
    let bad = [
        op(&[], 0),
        op(&[(BY_INDEX, V::I(0))], 5),
        op(&[(CTX_AND | BY_EXP, V::L(vec![V::I(1)]))], 0),
        op(&[(BY_INDEX, V::I(0)), (CTX_AND | BY_EXP, V::L(vec![V::I(1)])), (CTX_AND | BY_EXP, V::L(vec![V::I(1)]))], 0),
        op(&[all(), (CTX_AND | BY_EXP, V::L(vec![V::I(1)]))], 0),
        op(&[(7, V::I(0))], 0),
        op(&[(BY_EXP, V::I(3))], 0),
    ];
    for (i, b) in bad.iter().enumerate() {
        assert_eq!(parse(b).err(), Some(CdtError::Parameter), "case {i}");
    }
    let mut no_exp = op(&[(BY_INDEX, V::I(0))], 4);
    no_exp[0] = 0x93;
    no_exp.truncate(no_exp.len() - 2);
    assert_eq!(parse(&no_exp).err(), Some(CdtError::Parameter));
    let deep: Vec<(u64, V)> = (0..65).map(|_| (BY_INDEX, V::I(0))).collect();
    assert_eq!(parse(&op(&deep, 0)).err(), Some(CdtError::Parameter));
}

#[test]
fn tree_keeps_the_shape_and_prunes() {
    let exps = Exps { threshold: 15, remove: -1 };
    // Every entry, then "age": the tree keeps non-container children whole ("c": 7).
    let tree = run_on(&op(&[all(), (BY_KEY, V::S("age"))], 0), &people(), &exps).unwrap();
    let want = V::M(vec![
        (V::S("a"), V::M(vec![(V::S("age"), V::I(30))])),
        (V::S("b"), V::M(vec![(V::S("age"), V::I(10))])),
        (V::S("c"), V::I(7)),
    ]);
    assert_eq!(element(tree.result), p(&want));
    // Index -1 then every child of its "kids" list.
    let kids = run_on(&op(&[(BY_INDEX, V::I(0)), (BY_KEY, V::S("kids")), all()], 0), &people(), &exps).unwrap();
    let want = V::M(vec![(V::S("a"), V::M(vec![(V::S("kids"), V::L(vec![V::I(1), V::I(2)]))]))]);
    assert_eq!(element(kids.result), p(&want));
}

#[test]
fn leaves_come_flat() {
    let exps = Exps { threshold: 15, remove: -1 };
    let ages = op(&[all(), (BY_KEY, V::S("age"))], 1);
    assert_eq!(element(run_on(&ages, &people(), &exps).unwrap().result), p(&V::L(vec![V::I(30), V::I(10)])));
    let keys = op(&[all(), (BY_EXP, V::L(vec![V::I(1)]))], 2);
    // The expression (value > 15) is unknown for maps and lists: 4 without NO_FAIL.
    assert_eq!(run_on(&keys, &people(), &exps).err(), Some(CdtError::Parameter));
    let keys = op(&[all(), (BY_EXP, V::L(vec![V::I(1)]))], 2 | NO_FAIL);
    assert_eq!(element(run_on(&keys, &people(), &exps).unwrap().result), p(&V::L(vec![V::S("age")])));
    let kv = op(&[(BY_KEY, V::S("b")), all()], 3);
    let want = V::L(vec![V::S("age"), V::I(10), V::S("kids"), V::L(vec![])]);
    assert_eq!(element(run_on(&kv, &people(), &exps).unwrap().result), p(&want));
    // Keys of a list: 12, or nothing with NO_FAIL.
    let list = V::L(vec![V::I(1), V::I(2)]);
    assert_eq!(run_on(&op(&[all()], 2), &list, &exps).err(), Some(CdtError::IncompatibleType));
    assert_eq!(element(run_on(&op(&[all()], 2 | NO_FAIL), &list, &exps).unwrap().result), p(&V::L(vec![])));
}

fn list_values() -> V {
    V::L(vec![V::I(5), V::I(3), V::I(9), V::I(3), V::I(8)])
}

#[test]
fn index_rank_value_key_list_and_and() {
    let exps = Exps { threshold: 0, remove: -1 };
    let list = list_values();
    let values = |pairs: &[(u64, V)]| element(run_on(&op(pairs, 1), &list, &exps).unwrap().result);
    assert_eq!(values(&[(BY_INDEX, V::I(-1))]), p(&V::L(vec![V::I(8)])));
    assert_eq!(values(&[(BY_INDEX, V::I(9))]), p(&V::L(vec![])));
    assert_eq!(values(&[(BY_RANK, V::I(0))]), p(&V::L(vec![V::I(3)])));
    assert_eq!(values(&[(BY_RANK, V::I(-1))]), p(&V::L(vec![V::I(9)])));
    assert_eq!(values(&[(BY_VALUE, V::I(3))]), p(&V::L(vec![V::I(3), V::I(3)])));
    // An expression level (value > 0 here) with an AND (even values): 8 only.
    assert_eq!(values(&[(BY_EXP, V::L(vec![V::I(1)]))]), p(&list_values()));
    assert_eq!(values(&[(BY_INDEX, V::I(-1)), (CTX_AND | BY_EXP, V::L(vec![V::I(1)]))]), p(&V::L(vec![V::I(8)])));
    assert_eq!(values(&[(BY_INDEX, V::I(0)), (CTX_AND | BY_EXP, V::L(vec![V::I(1)]))]), p(&V::L(vec![])));
    let map = V::M(vec![(V::I(1), V::I(30)), (V::I(2), V::I(10)), (V::I(3), V::I(20))]);
    let values = |pairs: &[(u64, V)]| element(run_on(&op(pairs, 1), &map, &exps).unwrap().result);
    assert_eq!(values(&[(BY_RANK, V::I(0))]), p(&V::L(vec![V::I(10)])));
    assert_eq!(values(&[(BY_INDEX, V::I(0))]), p(&V::L(vec![V::I(30)])));
    assert_eq!(values(&[(BY_KEY_LIST, V::L(vec![V::I(3), V::I(1), V::I(7)]))]), p(&V::L(vec![V::I(30), V::I(20)])));
    // A map level on a list: 4.
    assert_eq!(run_on(&op(&[(BY_KEY | CTX_MAP, V::I(1))], 1), &list, &exps).err(), Some(CdtError::Parameter));
}

#[test]
fn apply_replaces_and_removes_leaves_and_reorders_ordered_lists() {
    let exps = Exps { threshold: 0, remove: 2 };
    let bin = V::M(vec![(V::S("x"), V::L(vec![V::I(1), V::I(2), V::I(3)])), (V::S("y"), V::I(4))]);
    let outcome = run_on(&op(&[(BY_KEY, V::S("x")), all()], 4), &bin, &exps).unwrap();
    assert_eq!(outcome.result, CdtResult::None);
    let want = V::M(vec![(V::S("x"), V::L(vec![V::I(10), V::I(30)])), (V::S("y"), V::I(4))]);
    assert_eq!(outcome.new.unwrap(), p(&want));
    // An ordered list keeps its metadata and its order; an unknown result is 1 (Corrupt), or
    // leaves the leaf alone with NO_FAIL.
    let mut ordered = Vec::new();
    msgpack::pack_list_header(&mut ordered, 4);
    msgpack::pack_metadata(&mut ordered, 1);
    for v in [1, 3, 5] {
        msgpack::pack_int(&mut ordered, v);
    }
    let flip = Exps { threshold: 0, remove: 99 };
    let payload = op(&[all()], 4);
    let op_all = parse(&payload).unwrap();
    let new = run(&op_all, &ordered, &flip).unwrap().new.unwrap();
    let mut want = Vec::new();
    msgpack::pack_list_header(&mut want, 4);
    msgpack::pack_metadata(&mut want, 1);
    for v in [10, 30, 50] {
        msgpack::pack_int(&mut want, v);
    }
    assert_eq!(new, want);
    // The stand-in's modify is unknown for a string.
    let strings = V::L(vec![V::S("a")]);
    assert_eq!(run_on(&op(&[all()], 4), &strings, &exps).err(), Some(CdtError::Corrupt));
    assert_eq!(run_on(&op(&[all()], 4 | NO_FAIL), &strings, &exps).unwrap().new, None);
}

/// Mangled payloads and containers answer an error or a result, never a panic.
#[test]
fn mangled_input_never_panics() {
    let exps = Exps { threshold: 0, remove: 3 };
    let payloads = [
        op(&[all(), (BY_KEY, V::S("age"))], 0),
        op(&[(BY_KEY_LIST, V::L(vec![V::S("a"), V::I(1)])), all()], 3),
        op(&[(BY_RANK, V::I(-2)), (CTX_AND | BY_EXP, V::L(vec![V::I(1)]))], 1),
        op(&[all(), all()], 4 | NO_FAIL),
    ];
    let bin = p(&people());
    let mut x = 0x2545_f491_4f6c_dd1du64;
    for payload in &payloads {
        for _ in 0..2000 {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            let mut pl = payload.clone();
            let mut b = bin.clone();
            let at = (x % pl.len() as u64) as usize;
            pl[at] = (x >> 8) as u8;
            let at = ((x >> 16) % b.len() as u64) as usize;
            b[at] = (x >> 24) as u8;
            if let Ok(parsed) = parse(&pl) {
                let _ = run(&parsed, &b, &exps);
                let _ = run(&parsed, &bin, &exps);
            }
        }
    }
}

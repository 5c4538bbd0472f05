//! Contexts by hand: nested reads and writes, creation of missing levels, the errors of §A.8
//! (expected values from PROTOCOL-DATA.md §A.8 and Aerospike's `cdt_context_dig` rules).

use crate::cdt::msgpack::{pack_bytes, pack_int, pack_list_header, pack_map_header, pack_metadata};
use crate::cdt::{apply as run_op, BinValue, CdtError, CdtResult, OpClass};

fn int(v: i64) -> Vec<u8> {
    let mut out = Vec::new();
    pack_int(&mut out, v);
    out
}

fn s(text: &str) -> Vec<u8> {
    let mut out = Vec::new();
    pack_bytes(&mut out, 3, text.as_bytes());
    out
}

fn list(items: &[Vec<u8>]) -> Vec<u8> {
    let mut out = Vec::new();
    pack_list_header(&mut out, items.len());
    items.iter().for_each(|i| out.extend_from_slice(i));
    out
}

fn ordered_list(items: &[Vec<u8>]) -> Vec<u8> {
    let mut out = Vec::new();
    pack_list_header(&mut out, items.len() + 1);
    pack_metadata(&mut out, 1);
    items.iter().for_each(|i| out.extend_from_slice(i));
    out
}

fn map(entries: &[(Vec<u8>, Vec<u8>)]) -> Vec<u8> {
    let mut out = Vec::new();
    pack_map_header(&mut out, entries.len());
    for (k, v) in entries {
        out.extend_from_slice(k);
        out.extend_from_slice(v);
    }
    out
}

/// `[0xFF, [ctx...], [code, args...]]`.
fn payload(context: &[(i64, Vec<u8>)], code: i64, args: &[Vec<u8>]) -> Vec<u8> {
    let mut out = vec![0x93, 0xcc, 0xff];
    pack_list_header(&mut out, context.len() * 2);
    for (ty, value) in context {
        pack_int(&mut out, *ty);
        out.extend_from_slice(value);
    }
    pack_list_header(&mut out, 1 + args.len());
    pack_int(&mut out, code);
    args.iter().for_each(|a| out.extend_from_slice(a));
    out
}

fn run(class: OpClass, payload: &[u8], bin: Option<&[u8]>) -> Result<(Option<Vec<u8>>, CdtResult), CdtError> {
    let bin = bin.map(|bytes| BinValue { particle: if bytes[0] & 0xf0 == 0x80 { 19 } else { 20 }, bytes });
    let outcome = run_op(class, payload, bin)?;
    Ok((outcome.new.map(|(_, bytes)| bytes), outcome.result))
}

const LIST_INDEX: i64 = 0x10;
const LIST_RANK: i64 = 0x11;
const LIST_VALUE: i64 = 0x13;
const MAP_INDEX: i64 = 0x20;
const MAP_RANK: i64 = 0x21;
const MAP_KEY: i64 = 0x22;
const MAP_VALUE: i64 = 0x23;

#[test]
fn reads_through_nested_lists_and_maps() {
    let bin = list(&[list(&[int(1), int(2)]), map(&[(s("x"), list(&[int(7), int(8)]))])]);
    let get = |context: &[(i64, Vec<u8>)], code: i64, args: &[Vec<u8>]| {
        run(OpClass::Read, &payload(context, code, args), Some(&bin))
    };
    assert_eq!(get(&[(LIST_INDEX, int(0))], 17, &[int(1)]).unwrap().1, CdtResult::Element(int(2)));
    assert_eq!(get(&[(LIST_INDEX, int(-1)), (MAP_KEY, s("x"))], 17, &[int(0)]).unwrap().1, CdtResult::Element(int(7)));
    assert_eq!(get(&[(0x00, int(1)), (0x02, s("x"))], 16, &[]).unwrap().1, CdtResult::Int(2));
    assert_eq!(get(&[(LIST_RANK, int(0))], 16, &[]).unwrap().1, CdtResult::Int(2));
    assert_eq!(get(&[(LIST_VALUE, list(&[int(1), int(2)]))], 16, &[]).unwrap().1, CdtResult::Int(2));
    assert_eq!(get(&[(LIST_INDEX, int(1)), (MAP_INDEX, int(0))], 16, &[]).unwrap().1, CdtResult::Int(2));
    assert_eq!(get(&[(LIST_INDEX, int(1)), (MAP_RANK, int(0))], 16, &[]).unwrap().1, CdtResult::Int(2));
    assert_eq!(
        get(&[(LIST_INDEX, int(1)), (MAP_VALUE, list(&[int(7), int(8)]))], 16, &[]).unwrap().1,
        CdtResult::Int(2)
    );
    // Missing elements, a list level on a map, a key on a list, a scalar on the path: 26.
    assert_eq!(get(&[(LIST_INDEX, int(5))], 16, &[]), Err(CdtError::OpNotApplicable));
    assert_eq!(get(&[(LIST_INDEX, int(1)), (LIST_INDEX, int(0))], 16, &[]), Err(CdtError::OpNotApplicable));
    assert_eq!(get(&[(0x02, s("x"))], 16, &[]), Err(CdtError::OpNotApplicable));
    assert_eq!(
        get(&[(LIST_INDEX, int(0)), (LIST_INDEX, int(0)), (LIST_INDEX, int(0))], 16, &[]),
        Err(CdtError::OpNotApplicable)
    );
    // The element reached is a list: a map op on it is a type error.
    assert_eq!(get(&[(LIST_INDEX, int(0))], 96, &[]), Err(CdtError::IncompatibleType));
    // A read through a context on a missing bin answers nothing.
    assert_eq!(run(OpClass::Read, &payload(&[(LIST_INDEX, int(0))], 16, &[]), None), Ok((None, CdtResult::None)));
}

#[test]
fn writes_go_back_into_every_parent() {
    let bin = map(&[(s("a"), map(&[(s("x"), int(1))])), (s("b"), list(&[int(1)]))]);
    let (new, result) =
        run(OpClass::Modify, &payload(&[(MAP_KEY, s("a"))], 67, &[s("y"), int(2)]), Some(&bin)).unwrap();
    assert_eq!(result, CdtResult::Int(2));
    assert_eq!(new, Some(map(&[(s("a"), map(&[(s("x"), int(1)), (s("y"), int(2))])), (s("b"), list(&[int(1)]))])));
    let (new, _) = run(OpClass::Modify, &payload(&[(MAP_KEY, s("b"))], 1, &[int(2)]), Some(&bin)).unwrap();
    assert_eq!(new, Some(map(&[(s("a"), map(&[(s("x"), int(1))])), (s("b"), list(&[int(1), int(2)]))])));
    // An ordered list along the path moves the changed element to its place.
    let sorted = ordered_list(&[list(&[int(1)]), list(&[int(5)])]);
    let (new, _) =
        run(OpClass::Modify, &payload(&[(LIST_INDEX, int(0))], 9, &[int(0), int(7)]), Some(&sorted)).unwrap();
    assert_eq!(new, Some(ordered_list(&[list(&[int(5)]), list(&[int(7)])])));
    // A removal that removes nothing changes nothing.
    assert_eq!(
        run(OpClass::Modify, &payload(&[(MAP_KEY, s("a"))], 76, &[int(0), s("zz")]), Some(&bin)).unwrap().0,
        Some(bin.clone())
    );
}

#[test]
fn create_flags_make_missing_levels() {
    // A missing bin: the first level makes the top container, the op makes the leaf.
    let (new, result) = run(OpClass::Modify, &payload(&[(MAP_KEY | 0x40, s("a"))], 1, &[int(5)]), None).unwrap();
    assert_eq!(result, CdtResult::Int(1));
    assert_eq!(new, Some(map(&[(s("a"), list(&[int(5)]))])));
    // Without create flags on the first level, a write on a missing bin is 26.
    assert_eq!(
        run(OpClass::Modify, &payload(&[(MAP_KEY, s("a"))], 1, &[int(5)]), None),
        Err(CdtError::OpNotApplicable)
    );
    // A missing key in an existing map, then a level below it.
    let bin = map(&[(s("a"), int(1))]);
    let (new, _) = run(
        OpClass::Modify,
        &payload(&[(MAP_KEY | 0x40, s("b")), (LIST_INDEX | 0x40, int(0))], 67, &[s("k"), int(9)]),
        Some(&bin),
    )
    .unwrap();
    assert_eq!(new, Some(map(&[(s("a"), int(1)), (s("b"), list(&[map(&[(s("k"), int(9))])]))])));
    // A list index past the end: appended at the size, padded only with 0x80, else 26.
    let bin = list(&[int(1)]);
    let (new, _) = run(OpClass::Modify, &payload(&[(LIST_INDEX | 0x40, int(1))], 1, &[int(2)]), Some(&bin)).unwrap();
    assert_eq!(new, Some(list(&[int(1), list(&[int(2)])])));
    let (new, _) = run(OpClass::Modify, &payload(&[(LIST_INDEX | 0x80, int(3))], 1, &[int(2)]), Some(&bin)).unwrap();
    assert_eq!(new, Some(list(&[int(1), vec![0xc0], vec![0xc0], list(&[int(2)])])));
    assert_eq!(
        run(OpClass::Modify, &payload(&[(LIST_INDEX | 0x40, int(3))], 1, &[int(2)]), Some(&bin)),
        Err(CdtError::OpNotApplicable)
    );
    // A removal on a path that would be created creates nothing.
    assert_eq!(
        run(OpClass::Modify, &payload(&[(MAP_KEY | 0x40, s("a"))], 8, &[int(0)]), None),
        Ok((None, CdtResult::None))
    );
    // Create flags on an auto type, or persist below the top: 26.
    assert_eq!(
        run(OpClass::Modify, &payload(&[(0x02 | 0x40, s("a"))], 1, &[int(2)]), None),
        Err(CdtError::OpNotApplicable)
    );
    assert_eq!(
        run(OpClass::Modify, &payload(&[(MAP_KEY | 0x40, s("a")), (MAP_KEY | 0x140, s("b"))], 1, &[int(2)]), None),
        Err(CdtError::OpNotApplicable)
    );
}

#[test]
fn hostile_contexts_fail_cleanly() {
    let bin = list(&[int(1)]);
    // Padding that no record could hold is refused before anything is built.
    assert_eq!(
        run(OpClass::Modify, &payload(&[(LIST_INDEX | 0x80, int(1 << 40))], 1, &[int(2)]), Some(&bin)),
        Err(CdtError::OpNotApplicable)
    );
    assert_eq!(
        run(OpClass::Modify, &payload(&[(LIST_INDEX | 0x80, int(100_000_000))], 1, &[int(2)]), Some(&bin)),
        Err(CdtError::RecordTooBig)
    );
    // Too many levels, unknown types, a non-int index.
    let deep: Vec<(i64, Vec<u8>)> = (0..300).map(|_| (LIST_INDEX, int(0))).collect();
    assert_eq!(run(OpClass::Read, &payload(&deep, 16, &[]), Some(&bin)), Err(CdtError::Parameter));
    assert_eq!(run(OpClass::Read, &payload(&[(0x14, int(0))], 16, &[]), Some(&bin)), Err(CdtError::OpNotApplicable));
    assert_eq!(
        run(OpClass::Read, &payload(&[(LIST_INDEX, s("x"))], 16, &[]), Some(&bin)),
        Err(CdtError::OpNotApplicable)
    );
    // A bin that is not a container, through a context: 4.
    let outcome = run_op(
        OpClass::Read,
        &payload(&[(LIST_INDEX, int(0))], 16, &[]),
        Some(BinValue { particle: 1, bytes: &[0; 8] }),
    );
    assert_eq!(outcome, Err(CdtError::Parameter));
}

//! Map ops by hand (expected values from PROTOCOL-DATA.md §A.3, §A.4, §A.6, §A.7) and a seeded
//! model test against a `BTreeMap<i64, i64>`.

use std::collections::BTreeMap;

use super::*;
use crate::cdt::msgpack::{pack_bytes, pack_int, pack_list_header, pack_map_header};

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

fn map_of(entries: &[(Vec<u8>, Vec<u8>)]) -> Vec<u8> {
    let mut out = Vec::new();
    pack_map_header(&mut out, entries.len());
    for (k, v) in entries {
        out.extend_from_slice(k);
        out.extend_from_slice(v);
    }
    out
}

fn kordered(entries: &[(i64, i64)]) -> Vec<u8> {
    flagged(K_ORDERED, entries)
}

fn flagged(flags: u8, entries: &[(i64, i64)]) -> Vec<u8> {
    let mut out = Vec::new();
    pack_map_header(&mut out, entries.len() + 1);
    msgpack::pack_metadata(&mut out, flags);
    msgpack::pack_nil(&mut out);
    for &(k, v) in entries {
        pack_int(&mut out, k);
        pack_int(&mut out, v);
    }
    out
}

fn ints_map(entries: &[(i64, i64)]) -> Vec<u8> {
    map_of(&entries.iter().map(|&(k, v)| (int(k), int(v))).collect::<Vec<_>>())
}

fn ints(values: &[i64]) -> Vec<u8> {
    let mut out = Vec::new();
    pack_list_header(&mut out, values.len());
    for &v in values {
        pack_int(&mut out, v);
    }
    out
}

fn run(op: i64, args: &[Vec<u8>], bin: Option<&[u8]>) -> Result<(Option<Vec<u8>>, CdtResult), CdtError> {
    let args: Vec<&[u8]> = args.iter().map(Vec::as_slice).collect();
    let applied = apply(op, &args, bin, Level::Top)?;
    Ok((applied.new, applied.result))
}

#[test]
fn puts_and_write_flags() {
    let bin = ints_map(&[(1, 10), (2, 20)]);
    assert_eq!(
        run(code::PUT, &[int(3), int(30)], Some(&bin)),
        Ok((Some(ints_map(&[(1, 10), (2, 20), (3, 30)])), CdtResult::Int(3)))
    );
    // A new key goes to its key-sorted place in an unordered map (which stays key-sorted);
    // an existing key is replaced in place.
    assert_eq!(run(code::PUT, &[int(0), int(5)], Some(&bin)).unwrap().0, Some(ints_map(&[(0, 5), (1, 10), (2, 20)])));
    // In a map that is not key-sorted (written by an older server) a key past the first descent
    // is appended.
    assert_eq!(
        run(code::PUT, &[int(4), int(5)], Some(&ints_map(&[(3, 0), (1, 0)]))).unwrap().0,
        Some(ints_map(&[(3, 0), (1, 0), (4, 5)]))
    );
    assert_eq!(run(code::PUT, &[int(1), int(5)], Some(&bin)).unwrap().0, Some(ints_map(&[(1, 5), (2, 20)])));
    // A K-ordered map keeps key order.
    assert_eq!(
        run(code::PUT, &[int(0), int(5)], Some(&kordered(&[(1, 10)]))).unwrap().0,
        Some(kordered(&[(0, 5), (1, 10)]))
    );
    // Created with the order of the map flags.
    assert_eq!(run(code::PUT, &[int(1), int(2), int(1)], None).unwrap().0, Some(kordered(&[(1, 2)])));
    assert_eq!(
        run(code::PUT, &[int(1), int(9), int(0), int(CREATE_ONLY as i64)], Some(&bin)),
        Err(CdtError::ElementExists)
    );
    assert_eq!(
        run(code::PUT, &[int(7), int(9), int(0), int(UPDATE_ONLY as i64)], Some(&bin)),
        Err(CdtError::ElementNotFound)
    );
    assert_eq!(
        run(code::PUT, &[int(7), int(9), int(0), int((UPDATE_ONLY | NO_FAIL) as i64)], Some(&bin)).unwrap().1,
        CdtResult::Int(2)
    );
    assert_eq!(run(code::ADD, &[int(1), int(9)], Some(&bin)), Err(CdtError::ElementExists));
    assert_eq!(run(code::REPLACE, &[int(7), int(9)], Some(&bin)), Err(CdtError::ElementNotFound));
    assert_eq!(run(code::REPLACE_ITEMS, &[ints_map(&[(1, 1)])], None), Err(CdtError::ElementNotFound));
    // PUT_ITEMS: all or nothing, or (NO_FAIL + PARTIAL) what is allowed.
    let items = ints_map(&[(2, 0), (5, 50)]);
    assert_eq!(
        run(code::PUT_ITEMS, &[items.clone(), int(0), int(CREATE_ONLY as i64)], Some(&bin)),
        Err(CdtError::ElementExists)
    );
    assert_eq!(
        run(code::PUT_ITEMS, &[items.clone(), int(0), int((CREATE_ONLY | NO_FAIL) as i64)], Some(&bin)).unwrap(),
        (Some(bin.clone()), CdtResult::Int(2))
    );
    assert_eq!(
        run(code::PUT_ITEMS, &[items, int(0), int((CREATE_ONLY | NO_FAIL | PARTIAL) as i64)], Some(&bin)).unwrap(),
        (Some(ints_map(&[(1, 10), (2, 20), (5, 50)])), CdtResult::Int(3))
    );
    // Keys must be ints, strings or blobs.
    assert_eq!(run(code::PUT, &[vec![0xc3], int(1)], Some(&bin)), Err(CdtError::Parameter));
    assert_eq!(run(code::PUT, &[ints(&[1]), int(1)], Some(&bin)), Err(CdtError::Parameter));
}

#[test]
fn increment_decrement_clear_size_set_type() {
    let bin = ints_map(&[(1, 10)]);
    assert_eq!(
        run(code::INCREMENT, &[int(1), int(5)], Some(&bin)),
        Ok((Some(ints_map(&[(1, 15)])), CdtResult::Element(int(15))))
    );
    assert_eq!(run(code::DECREMENT, &[int(1)], Some(&bin)).unwrap().1, CdtResult::Element(int(9)));
    assert_eq!(run(code::INCREMENT, &[int(2), int(3)], Some(&bin)).unwrap().0, Some(ints_map(&[(1, 10), (2, 3)])));
    assert_eq!(run(code::INCREMENT, &[int(1), s("x")], Some(&bin)), Err(CdtError::Parameter));
    assert_eq!(run(code::INCREMENT, &[int(1)], Some(&map_of(&[(int(1), s("x"))]))), Err(CdtError::Parameter));
    assert_eq!(run(code::SIZE, &[], Some(&bin)).unwrap().1, CdtResult::Int(1));
    assert_eq!(run(code::SIZE, &[], None).unwrap().1, CdtResult::None);
    assert_eq!(run(code::CLEAR, &[], Some(&bin)).unwrap().0, Some(ints_map(&[])));
    assert_eq!(
        run(code::SET_TYPE, &[int(1)], Some(&ints_map(&[(2, 1), (1, 2)]))).unwrap().0,
        Some(kordered(&[(1, 2), (2, 1)]))
    );
    assert_eq!(run(code::SET_TYPE, &[int(4)], Some(&bin)), Err(CdtError::OpNotApplicable));
}

#[test]
fn gets_by_key_index_rank_value_with_return_types() {
    // Keys out of order on purpose: index is key order, rank is value order.
    let bin = map_of(&[(s("c"), int(1)), (s("a"), int(3)), (s("b"), int(2))]);
    let some = Some(bin.as_slice());
    assert_eq!(run(code::GET_BY_KEY, &[int(7), s("a")], some).unwrap().1, CdtResult::Element(int(3)));
    assert_eq!(run(code::GET_BY_KEY, &[int(1), s("c")], some).unwrap().1, CdtResult::Int(2));
    assert_eq!(run(code::GET_BY_KEY, &[int(3), s("c")], some).unwrap().1, CdtResult::Int(0));
    assert_eq!(run(code::GET_BY_KEY, &[int(7), s("z")], some).unwrap().1, CdtResult::None);
    assert_eq!(run(code::GET_BY_KEY, &[int(1), s("z")], some).unwrap().1, CdtResult::Int(-1));
    assert_eq!(run(code::GET_BY_INDEX, &[int(6), int(0)], some).unwrap().1, CdtResult::Element(s("a")));
    assert_eq!(run(code::GET_BY_RANK, &[int(6), int(-1)], some).unwrap().1, CdtResult::Element(s("a")));
    assert_eq!(run(code::GET_BY_INDEX, &[int(7), int(3)], some), Err(CdtError::OpNotApplicable));
    assert_eq!(
        run(code::GET_BY_INDEX_RANGE, &[int(6), int(1)], some).unwrap().1,
        CdtResult::element_list([s("b"), s("c")].iter().map(Vec::as_slice))
    );
    assert_eq!(
        run(code::GET_BY_KEY_INTERVAL, &[int(7), s("a"), s("c")], some).unwrap().1,
        CdtResult::Element(ints(&[3, 2]))
    );
    assert_eq!(
        run(code::GET_BY_VALUE_INTERVAL, &[int(6), int(2)], some).unwrap().1,
        CdtResult::element_list([s("a"), s("b")].iter().map(Vec::as_slice))
    );
    assert_eq!(
        run(code::GET_BY_RANK_RANGE, &[int(7), int(0), int(2)], some).unwrap().1,
        CdtResult::Element(ints(&[1, 2]))
    );
    assert_eq!(
        run(code::GET_BY_KEY_LIST, &[int(7), list(&[s("c"), s("a")])], some).unwrap().1,
        CdtResult::Element(ints(&[3, 1]))
    );
    assert_eq!(
        run(code::GET_BY_VALUE_LIST, &[int(6), ints(&[1, 9])], some).unwrap().1,
        CdtResult::element_list([s("c")].iter().map(Vec::as_slice))
    );
    assert_eq!(
        run(code::GET_BY_KEY_REL_INDEX_RANGE, &[int(6), s("b"), int(-1), int(2)], some).unwrap().1,
        CdtResult::element_list([s("a"), s("b")].iter().map(Vec::as_slice))
    );
    assert_eq!(
        run(code::GET_BY_VALUE_REL_RANK_RANGE, &[int(7), int(2), int(0)], some).unwrap().1,
        CdtResult::Element(ints(&[2, 3]))
    );
    // KEY_VALUE keeps selection order behind a PRESERVE_ORDER flag; ORDERED_MAP is K-ordered.
    let mut kv = vec![0x83, 0xc7, 0, PRESERVE_ORDER, 0xc0];
    kv.extend(s("a"));
    kv.extend(int(3));
    kv.extend(s("b"));
    kv.extend(int(2));
    assert_eq!(run(code::GET_BY_INDEX_RANGE, &[int(8), int(0), int(2)], some).unwrap().1, CdtResult::Element(kv));
    let mut om = vec![0x82, 0xc7, 0, K_ORDERED, 0xc0];
    om.extend(s("c"));
    om.extend(int(1));
    assert_eq!(run(code::GET_BY_VALUE, &[int(17), int(1)], some).unwrap().1, CdtResult::Element(om));
    // INVERTED on a multi selection; refused on a single one.
    assert_eq!(
        run(code::GET_BY_KEY_LIST, &[int(0x10000 | 6), list(&[s("b")])], some).unwrap().1,
        CdtResult::element_list([s("a"), s("c")].iter().map(Vec::as_slice))
    );
    assert_eq!(run(code::GET_BY_KEY, &[int(0x10000 | 6), s("a")], some), Err(CdtError::OpNotApplicable));
}

/// A top-level KV-ordered map with PERSIST_INDEX answers value intervals in rank order and
/// value lists per listed value, as Aerospike does from its persisted value index (map notes,
/// §Q5); a KV map without it, or the same map nested, answers in key order.
#[test]
fn a_map_with_a_persisted_value_index() {
    let entries = [(1, 30), (2, 10), (3, 20)];
    let p = flagged(KV_ORDERED | PERSIST_INDEX, &entries);
    let kv = flagged(KV_ORDERED, &entries);
    let (p, kv) = (Some(p.as_slice()), Some(kv.as_slice()));
    let interval = |rtype: i64, bin| run(code::GET_BY_VALUE_INTERVAL, &[int(rtype), int(10), int(31)], bin).unwrap().1;
    assert_eq!(interval(7, p), CdtResult::Element(ints(&[10, 20, 30])));
    assert_eq!(interval(7, kv), CdtResult::Element(ints(&[30, 10, 20])));
    assert_eq!(interval(6, p), CdtResult::Element(ints(&[2, 3, 1])));
    assert_eq!(interval(1, p), CdtResult::Element(ints(&[1, 2, 0])));
    assert_eq!(interval(1, kv), CdtResult::Element(ints(&[0, 1, 2])));
    assert_eq!(interval(3, p), CdtResult::Element(ints(&[0, 1, 2])));
    // Inverted, and K-ordered map results, stay in key order.
    assert_eq!(
        run(code::GET_BY_VALUE_INTERVAL, &[int(0x10000 | 7), int(10), int(21)], p).unwrap().1,
        CdtResult::Element(ints(&[30]))
    );
    assert_eq!(interval(17, p), CdtResult::Element(flagged(K_ORDERED, &entries)));

    // Value lists: per listed value, a repeated value repeating, on the persisted index; on
    // other maps indexes in key order and ranks once per distinct value.
    let listed =
        |rtype: i64, values: &[i64], bin| run(code::GET_BY_VALUE_LIST, &[int(rtype), ints(values)], bin).unwrap().1;
    assert_eq!(listed(1, &[20, 10, 20], p), CdtResult::Element(ints(&[2, 1, 2])));
    assert_eq!(listed(3, &[20, 10, 20], p), CdtResult::Element(ints(&[1, 0, 1])));
    assert_eq!(listed(1, &[20, 10, 20], kv), CdtResult::Element(ints(&[1, 2])));
    assert_eq!(listed(3, &[20, 10, 20], kv), CdtResult::Element(ints(&[0, 1])));
    assert_eq!(listed(5, &[20, 10, 20], p), CdtResult::Int(2));
    assert_eq!(listed(0x10000 | 3, &[10], p), CdtResult::Element(ints(&[2, 1])));
    assert_eq!(listed(0x10000 | 3, &[10], kv), CdtResult::Element(ints(&[1, 2])));
    // A map of one entry takes the per-value path whatever its flags.
    let one = ints_map(&[(1, 1)]);
    assert_eq!(listed(1, &[1, 1], Some(&one)), CdtResult::Element(ints(&[0, 0])));

    // Writes keep the flag; a map made by SET_TYPE or a put with map flags keeps it at the
    // top, and flags with a bit outside 0x13 make a put's new map unordered.
    assert_eq!(
        run(code::PUT, &[int(4), int(0)], p).unwrap().0,
        Some(flagged(KV_ORDERED | PERSIST_INDEX, &[(1, 30), (2, 10), (3, 20), (4, 0)]))
    );
    assert_eq!(run(code::SET_TYPE, &[int(0x13)], None).unwrap().0, Some(flagged(0x13, &[])));
    assert_eq!(run(code::SET_TYPE, &[int(0x101)], None).unwrap().0, Some(flagged(K_ORDERED, &[])));
    assert_eq!(run(code::PUT, &[int(1), int(2), int(0x13)], None).unwrap().0, Some(flagged(0x13, &[(1, 2)])));
    assert_eq!(run(code::PUT, &[int(1), int(2), int(0x05)], None).unwrap().0, Some(ints_map(&[(1, 2)])));
    let nested = |op, args: &[Vec<u8>], bin| {
        let args: Vec<&[u8]> = args.iter().map(Vec::as_slice).collect();
        apply(op, &args, bin, Level::Nested).unwrap()
    };
    assert_eq!(nested(code::SET_TYPE, &[int(0x13)], None).new, Some(flagged(KV_ORDERED, &[])));
    assert_eq!(
        nested(code::GET_BY_VALUE_INTERVAL, &[int(7), int(10), int(31)], p).result,
        CdtResult::Element(ints(&[30, 10, 20]))
    );
}

fn list(items: &[Vec<u8>]) -> Vec<u8> {
    let mut out = Vec::new();
    pack_list_header(&mut out, items.len());
    for item in items {
        out.extend_from_slice(item);
    }
    out
}

#[test]
fn removes_by_selection() {
    let bin = ints_map(&[(3, 30), (1, 10), (2, 20)]);
    assert_eq!(
        run(code::REMOVE_BY_KEY, &[int(7), int(1)], Some(&bin)),
        Ok((Some(ints_map(&[(3, 30), (2, 20)])), CdtResult::Element(int(10))))
    );
    assert_eq!(
        run(code::REMOVE_BY_INDEX_RANGE, &[int(5), int(1)], Some(&bin)),
        Ok((Some(ints_map(&[(1, 10)])), CdtResult::Int(2)))
    );
    assert_eq!(
        run(code::REMOVE_BY_VALUE_INTERVAL, &[int(6), int(15), int(25)], Some(&bin)),
        Ok((Some(ints_map(&[(3, 30), (1, 10)])), CdtResult::Element(ints(&[2]))))
    );
    assert_eq!(run(code::REMOVE_BY_KEY, &[int(7), int(9)], Some(&bin)).unwrap(), (Some(bin.clone()), CdtResult::None));
    assert_eq!(run(code::REMOVE_BY_KEY, &[int(7), int(9)], None).unwrap(), (None, CdtResult::None));
}

struct Rng(u64);

impl Rng {
    fn below(&mut self, n: u64) -> i64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        (self.0 % n) as i64
    }
}

#[test]
fn random_sequences_match_a_btreemap_model() {
    for seed in 1..=20u64 {
        let mut rng = Rng(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1);
        let ordered = seed % 2 == 0;
        let mut model: BTreeMap<i64, i64> = BTreeMap::new();
        let mut bin: Option<Vec<u8>> = None;
        for step in 0..400 {
            let key = rng.below(12);
            let value = rng.below(6);
            let which = rng.below(7);
            let (op, args): (i64, Vec<Vec<u8>>) = match which {
                0 | 1 => (code::PUT, vec![int(key), int(value), int(i64::from(ordered))]),
                2 => (code::REMOVE_BY_KEY, vec![int(5), int(key)]),
                3 => (code::GET_BY_KEY_INTERVAL, vec![int(6), int(key), int(key + 4)]),
                4 => (code::REMOVE_ALL_BY_VALUE, vec![int(5), int(value)]),
                5 => (code::INCREMENT, vec![int(key), int(value), int(i64::from(ordered))]),
                _ => (code::GET_BY_VALUE_INTERVAL, vec![int(5), int(value), int(value + 2)]),
            };
            let got = run(op, &args, bin.as_deref()).unwrap_or_else(|e| panic!("seed {seed} step {step}: {e:?}"));
            let expected = match which {
                0 | 1 => {
                    model.insert(key, value);
                    CdtResult::Int(model.len() as i64)
                }
                2 => CdtResult::Int(i64::from(model.remove(&key).is_some())),
                3 => {
                    let mut out = Vec::new();
                    pack_list_header(&mut out, model.range(key..key + 4).count());
                    for (k, _) in model.range(key..key + 4) {
                        pack_int(&mut out, *k);
                    }
                    CdtResult::Element(out)
                }
                4 => {
                    let before = model.len();
                    model.retain(|_, v| *v != value);
                    CdtResult::Int((before - model.len()) as i64)
                }
                5 => {
                    let v = model.entry(key).or_insert(0);
                    *v += value;
                    CdtResult::Element(int(*v))
                }
                _ => CdtResult::Int(model.values().filter(|&&v| v >= value && v < value + 2).count() as i64),
            };
            let expected = match (&bin, which) {
                (None, 2 | 3 | 4 | 6) => CdtResult::None,
                _ => expected,
            };
            assert_eq!(got.1, expected, "seed {seed} step {step} op {op}");
            if let Some(new) = got.0 {
                bin = Some(new);
            }
            if let Some(bytes) = &bin {
                let map = Map::parse(bytes).unwrap();
                assert_eq!(map.is_ordered(), ordered);
                let mut stored: Vec<(i64, i64)> = map
                    .entries
                    .iter()
                    .map(|(k, v)| {
                        (crate::cdt::args::int(k.bytes()).unwrap(), crate::cdt::args::int(v.bytes()).unwrap())
                    })
                    .collect();
                if ordered {
                    assert!(stored.windows(2).all(|w| w[0].0 < w[1].0), "a K-ordered map stays in key order");
                }
                stored.sort();
                assert_eq!(stored, model.iter().map(|(k, v)| (*k, *v)).collect::<Vec<_>>(), "seed {seed} step {step}");
            }
        }
    }
}

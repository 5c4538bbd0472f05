//! The index against a brute-force model: random writes, deletes and queries on one shard's
//! partitions, each query compared with a scan of the model's records; and the collection,
//! context and set rules by hand.

use std::collections::BTreeMap;

use super::*;
use crate::cdt::msgpack::{pack_bytes, pack_int, pack_list_header, pack_map_header};
use crate::record::StoredRecord;
use crate::BinRef;

fn digest(pid: u16, n: u32) -> Digest {
    let mut d = [0u8; 20];
    d[0] = (pid & 0xff) as u8;
    d[1] = (pid >> 8) as u8;
    d[2..6].copy_from_slice(&n.to_be_bytes());
    Digest(d)
}

const META: RecordMeta = RecordMeta { generation: 1, void_time: 0, last_update_ms: 0, set_id: 0 };

fn body(bins: &[(&str, ParticleType, Vec<u8>)]) -> Vec<u8> {
    let refs: Vec<BinRef<'_>> =
        bins.iter().map(|(n, p, v)| BinRef { name: n.as_bytes(), particle: *p, value: v }).collect();
    StoredRecord::encode(None, refs.into_iter()).unwrap().bytes().to_vec()
}

fn int_bin(name: &str, v: i64) -> (&str, ParticleType, Vec<u8>) {
    (name, ParticleType::Integer, v.to_be_bytes().to_vec())
}

fn def(name: &str, bin: &str, collection: Collection, key_type: KeyType) -> Definition {
    Definition {
        name: name.into(),
        tag: format!("tag-{name}"),
        set: None,
        source: Source::Bin { name: bin.as_bytes().to_vec(), context: None },
        collection,
        key_type,
    }
}

/// Every digest the index gives for keys in `range`, over all partitions, paging `page` at a
/// time as a query resumes.
fn query_all(
    ix: &SecondaryIndexes,
    slot: u16,
    pids: Range<u16>,
    range: RangeInclusive<i64>,
    page: usize,
) -> Vec<Digest> {
    let mut found = Vec::new();
    for pid in pids {
        let mut after = None;
        loop {
            let got = ix.query(slot, pid, range.clone(), after, page);
            found.extend(got.iter().map(|&(_, d)| d));
            if got.len() < page {
                break;
            }
            after = got.last().copied();
        }
    }
    found.sort();
    found
}

/// The store's side of a change: the old version's entries when the index does not keep them.
fn old_entries(ix: &SecondaryIndexes, d: &Digest, bodies: &BTreeMap<Digest, Vec<u8>>) -> Option<Entries> {
    if ix.keeps_entries() {
        return None;
    }
    bodies.get(d).map(|b| ix.entries(d, b"", &META, b))
}

#[test]
fn random_writes_and_deletes_match_a_scan() {
    random_sequence(true);
    random_sequence(false);
}

fn random_sequence(keep_entries: bool) {
    let pids = 0..8u16;
    let mut ix = SecondaryIndexes::new(pids.clone(), keep_entries);
    let mut bodies: BTreeMap<Digest, Vec<u8>> = BTreeMap::new();
    let num = ix.add(def("n", "n", Collection::Default, KeyType::Numeric)).unwrap();
    let list = ix.add(def("l", "l", Collection::List, KeyType::Numeric)).unwrap();
    // The model: digest → (n, list), or absent.
    let mut model: BTreeMap<Digest, (Option<i64>, Vec<i64>)> = BTreeMap::new();
    let mut seed = 0x2545_f491_4f6c_dd1du64;
    let mut next = |bound: u64| {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        seed % bound
    };
    for step in 0..20_000 {
        let d = digest(next(8) as u16, next(200) as u32);
        match next(10) {
            0..=5 => {
                let n = (next(3) > 0).then(|| next(50) as i64 - 25);
                let items: Vec<i64> = (0..next(4)).map(|_| next(20) as i64).collect();
                let mut packed = Vec::new();
                pack_list_header(&mut packed, items.len());
                for &i in &items {
                    pack_int(&mut packed, i);
                }
                let mut bins = vec![("l", ParticleType::List, packed)];
                if let Some(n) = n {
                    bins.push(int_bin("n", n));
                }
                let new = body(&bins);
                let old = old_entries(&ix, &d, &bodies);
                ix.update(&d, b"", &META, &new, old);
                bodies.insert(d, new);
                model.insert(d, (n, items));
            }
            6..=8 => {
                let old = old_entries(&ix, &d, &bodies);
                ix.remove(&d, old);
                bodies.remove(&d);
                model.remove(&d);
            }
            _ => {
                let lo = next(50) as i64 - 25;
                let hi = lo + next(20) as i64;
                let page = 1 + next(5) as usize;
                let want: Vec<Digest> = model
                    .iter()
                    .filter(|(_, (n, _))| n.is_some_and(|n| (lo..=hi).contains(&n)))
                    .map(|(d, _)| *d)
                    .collect();
                assert_eq!(query_all(&ix, num, pids.clone(), lo..=hi, page), want, "step {step}");
                // A list index holds each record once per distinct matching element.
                let mut want: Vec<Digest> = Vec::new();
                for (d, (_, items)) in &model {
                    let mut hits: Vec<i64> = items.iter().copied().filter(|i| (lo..=hi).contains(i)).collect();
                    hits.sort();
                    hits.dedup();
                    want.extend(hits.iter().map(|_| *d));
                }
                want.sort();
                assert_eq!(query_all(&ix, list, pids.clone(), lo..=hi, page), want, "step {step}");
            }
        }
    }
    let total: u64 = model.values().filter(|(n, _)| n.is_some()).count() as u64;
    assert_eq!(ix.get(num).unwrap().entries(), total);
    // Dropping an index leaves the other exact.
    ix.drop_index(num);
    assert!(ix.get(num).is_none());
    let mut want: Vec<Digest> = model.iter().filter(|(_, (_, items))| items.contains(&3)).map(|(d, _)| *d).collect();
    want.sort();
    assert_eq!(query_all(&ix, list, pids, 3..=3, 10), want);
}

#[test]
fn collections_contexts_types_and_sets() {
    let mut ix = SecondaryIndexes::new(0..1, true);
    let mut map = Vec::new();
    pack_map_header(&mut map, 2);
    pack_bytes(&mut map, 3, b"a");
    pack_int(&mut map, 7);
    pack_bytes(&mut map, 3, b"b");
    pack_bytes(&mut map, 3, b"x");
    let keys = ix.add(def("k", "m", Collection::MapKeys, KeyType::String)).unwrap();
    let values = ix.add(def("v", "m", Collection::MapValues, KeyType::Numeric)).unwrap();
    let strings = ix.add(def("s", "s", Collection::Default, KeyType::String)).unwrap();
    // A context naming map key "b" in bin "m".
    let mut context = Vec::new();
    pack_list_header(&mut context, 2);
    pack_int(&mut context, 0x22);
    pack_bytes(&mut context, 3, b"b");
    let in_context = ix
        .add(Definition {
            source: Source::Bin { name: b"m".to_vec(), context: Some(context) },
            ..def("c", "m", Collection::Default, KeyType::String)
        })
        .unwrap();
    let mut scoped = def("scoped", "s", Collection::Default, KeyType::String);
    scoped.set = Some(b"only".to_vec());
    let scoped = ix.add(scoped).unwrap();
    let d = digest(0, 1);
    let record = body(&[("m", ParticleType::Map, map), ("s", ParticleType::String, b"hello".to_vec())]);
    ix.update(&d, b"other", &META, &record, None);
    let one = |ix: &SecondaryIndexes, slot, key: i64| ix.query(slot, 0, key..=key, None, 10);
    assert_eq!(one(&ix, keys, bytes_key(b"a")), vec![(bytes_key(b"a"), d)]);
    assert_eq!(one(&ix, values, 7), vec![(7, d)]);
    // A map value of another type is not in a numeric index.
    assert_eq!(ix.get(values).unwrap().entries(), 1);
    assert_eq!(one(&ix, strings, bytes_key(b"hello")), vec![(bytes_key(b"hello"), d)]);
    assert_eq!(one(&ix, in_context, bytes_key(b"x")), vec![(bytes_key(b"x"), d)]);
    // A set-scoped index holds only records of its set.
    assert!(one(&ix, scoped, bytes_key(b"hello")).is_empty());
    ix.update(&d, b"only", &META, &record, None);
    assert_eq!(one(&ix, scoped, bytes_key(b"hello")).len(), 1);
    // A value of the wrong type leaves the record out; the old entry goes.
    ix.update(&d, b"only", &META, &body(&[int_bin("s", 5)]), None);
    assert!(one(&ix, strings, bytes_key(b"hello")).is_empty());
    assert_eq!(ix.get(keys).unwrap().entries(), 0);
    // Building adds a record once, however often it is visited.
    ix.add_record(strings, &d, b"", &META, &body(&[("s", ParticleType::String, b"hi".to_vec())]));
    ix.add_record(strings, &d, b"", &META, &body(&[("s", ParticleType::String, b"hi".to_vec())]));
    assert_eq!(ix.get(strings).unwrap().entries(), 1);
    ix.remove(&d, None);
    assert!(ix.iter().all(|(_, i)| i.entries() == 0));
}

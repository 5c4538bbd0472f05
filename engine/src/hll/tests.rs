//! The HLL ops against Aerospike's rules and numbers. Expected estimates come from Aerospike's
//! own `particle_hll.c` estimators compiled outside this project and run on the same inputs
//! (docs/wire-protocol.md, "HyperLogLog", says how).

use super::*;

/// A string element as clients send it: an as_bytes value of type 3.
fn s(text: &str) -> Vec<u8> {
    let mut out = Vec::new();
    msgpack::pack_bytes(&mut out, 3, text.as_bytes());
    out
}

fn e(a: usize, b: usize) -> Vec<Vec<u8>> {
    (a..b).map(|i| s(&format!("e{i}"))).collect()
}

fn payload(code: i64, args: &[&[u8]]) -> Vec<u8> {
    let mut out = Vec::new();
    msgpack::pack_list_header(&mut out, args.len() + 1);
    msgpack::pack_int(&mut out, code);
    for a in args {
        out.extend_from_slice(a);
    }
    out
}

fn int(v: i64) -> Vec<u8> {
    let mut out = Vec::new();
    msgpack::pack_int(&mut out, v);
    out
}

fn list(items: &[Vec<u8>]) -> Vec<u8> {
    let mut out = Vec::new();
    msgpack::pack_list_header(&mut out, items.len());
    for i in items {
        out.extend_from_slice(i);
    }
    out
}

/// An HLL operand as clients send it: an as_bytes value of type 18.
fn operand(value: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    msgpack::pack_bytes(&mut out, HLL_PARTICLE, value);
    out
}

fn sketch(ib: u8, mb: u8, elements: &[Vec<u8>]) -> Vec<u8> {
    let refs: Vec<&[u8]> = elements.iter().map(Vec::as_slice).collect();
    build(ib, mb, &refs).unwrap()
}

fn count(value: &[u8]) -> u64 {
    View::parse(value).unwrap().estimate()
}

fn read(value: &[u8], code: i64, args: &[&[u8]]) -> Result<CdtResult, CdtError> {
    apply(true, &payload(code, args), Some((HLL_PARTICLE, value))).map(|a| a.result)
}

fn modify(value: Option<&[u8]>, code: i64, args: &[&[u8]]) -> Result<Applied, CdtError> {
    apply(false, &payload(code, args), value.map(|v| (HLL_PARTICLE, v)))
}

fn double(result: CdtResult) -> f64 {
    let CdtResult::Element(bytes) = result else { panic!("not an element: {result:?}") };
    match read_header(&bytes, 0).unwrap().0 {
        Header::Double(v) => v,
        other => panic!("not a double: {other:?}"),
    }
}

#[test]
fn murmur3_known_vectors() {
    assert_eq!(murmur3_x64_128(b"", 0), (0, 0));
    assert_eq!(murmur3_x64_128(b"hello", 0), (0xcbd8_a7b3_41bd_9b02, 0x5b1e_906a_48ae_1d19));
}

/// A register file packed bit by bit, most significant bit first: the model `get`/`set` must
/// agree with, at every position, for every register width.
#[test]
fn registers_pack_from_the_most_significant_bit() {
    for (ib, mb) in [(4, 0), (5, 4), (6, 8), (4, 51), (13, 51), (8, 19)] {
        let shape = Shape { ib, mb };
        let mut sketch = Owned::empty(shape);
        let bits = shape.register_bits();
        let mut model = vec![0u64; shape.registers() as usize];
        let mut x = 0x9e37_79b9_7f4a_7c15u64;
        for round in 0..3 {
            for r in 0..shape.registers() {
                x ^= x << 13;
                x ^= x >> 7;
                x ^= x << 17;
                let v = if round == 2 { 0 } else { x & ((1 << bits) - 1) };
                sketch.set(r, v);
                model[r as usize] = v;
            }
            let mut packed = vec![0u8; shape.registers_len()];
            for (r, v) in model.iter().enumerate() {
                for b in 0..bits {
                    if v >> (bits - 1 - b) & 1 == 1 {
                        let at = r * bits as usize + b as usize;
                        packed[at / 8] |= 0x80 >> (at % 8);
                    }
                }
            }
            assert_eq!(sketch.registers, packed, "ib {ib} mb {mb} round {round}");
            for r in 0..shape.registers() {
                assert_eq!(sketch.get(r), model[r as usize]);
            }
        }
    }
}

#[test]
fn value_format_and_validation() {
    let v = sketch(4, 0, &[]);
    assert_eq!(v.len(), 11 + 12);
    assert!(hll_value_ok(&v));
    assert_eq!(sketch(6, 8, &[]).len(), 11 + 14 * 64 / 8);
    let mut bad = v.clone();
    bad[0] = 1;
    assert!(!hll_value_ok(&bad));
    assert!(!hll_value_ok(&v[..v.len() - 1]));
    assert!(!hll_value_ok(&[0, 3, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]));
    assert_eq!(count(&v), 0);
}

#[test]
fn add_creates_counts_and_reports_changed_registers() {
    let elements = e(0, 100);
    let a = modify(None, code::ADD, &[&list(&elements), &int(10)]).unwrap();
    let value = a.new.unwrap();
    let CdtResult::Int(changed) = a.result else { panic!() };
    assert!(changed > 0 && changed <= 100);
    assert_eq!(read(&value, code::DESCRIBE, &[]).unwrap(), CdtResult::int_list([10, 0].into_iter()));
    // Adding the same elements again changes nothing.
    let again = modify(Some(&value), code::ADD, &[&list(&elements)]).unwrap();
    assert_eq!(again.result, CdtResult::Int(0));
    assert_eq!(again.new.unwrap(), value);
    // The bin's shape wins over the op's on an existing bin.
    let other = modify(Some(&value), code::ADD, &[&list(&e(100, 101)), &int(16), &int(20)]).unwrap();
    assert_eq!(other.new.unwrap().len(), value.len());
}

#[test]
fn argument_and_state_errors() {
    let v = sketch(8, 0, &e(0, 10));
    let mh = sketch(8, 8, &e(0, 10));
    let elements = list(&e(0, 3));
    // Creating needs index bits (26); they must be in range (4).
    assert_eq!(modify(None, code::ADD, &[&elements]).unwrap_err(), CdtError::OpNotApplicable);
    assert_eq!(modify(None, code::INIT, &[]).unwrap_err(), CdtError::OpNotApplicable);
    assert_eq!(modify(None, code::INIT, &[&int(3)]).unwrap_err(), CdtError::Parameter);
    assert_eq!(modify(None, code::INIT, &[&int(17)]).unwrap_err(), CdtError::Parameter);
    assert_eq!(modify(None, code::INIT, &[&int(10), &int(3)]).unwrap_err(), CdtError::Parameter);
    assert_eq!(modify(None, code::INIT, &[&int(16), &int(49)]).unwrap_err(), CdtError::Parameter);
    assert_eq!(modify(None, code::INIT, &[&int(10), &int(52)]).unwrap_err(), CdtError::Parameter);
    // Flags: only the op's own, never create-only with update-only.
    assert_eq!(modify(None, code::INIT, &[&int(10), &int(0), &int(3)]).unwrap_err(), CdtError::Parameter);
    assert_eq!(modify(None, code::ADD, &[&elements, &int(10), &int(0), &int(2)]).unwrap_err(), CdtError::Parameter);
    assert_eq!(modify(Some(&v), code::INIT, &[&int(10), &int(0), &int(1)]).unwrap_err(), CdtError::BinExists);
    assert!(modify(Some(&v), code::INIT, &[&int(10), &int(0), &int(5)]).unwrap().new.is_none());
    assert_eq!(modify(None, code::INIT, &[&int(10), &int(0), &int(2)]).unwrap_err(), CdtError::BinNotFound);
    assert!(modify(None, code::INIT, &[&int(10), &int(0), &int(6)]).unwrap().new.is_none());
    // Elements are scalars in a non-empty list.
    assert_eq!(modify(None, code::ADD, &[&list(&[]), &int(10)]).unwrap_err(), CdtError::Parameter);
    assert_eq!(modify(None, code::ADD, &[&list(&[list(&[])]), &int(10)]).unwrap_err(), CdtError::Parameter);
    assert_eq!(modify(None, code::ADD, &[&int(1), &int(10)]).unwrap_err(), CdtError::Parameter);
    // Count and fold need the bin; fold only without minhash bits, only down.
    assert_eq!(modify(None, code::REFRESH_COUNT, &[]).unwrap_err(), CdtError::BinNotFound);
    assert_eq!(modify(None, code::FOLD, &[&int(4)]).unwrap_err(), CdtError::BinNotFound);
    assert_eq!(modify(Some(&mh), code::FOLD, &[&int(4)]).unwrap_err(), CdtError::OpNotApplicable);
    assert_eq!(modify(Some(&v), code::FOLD, &[&int(10)]).unwrap_err(), CdtError::OpNotApplicable);
    assert_eq!(modify(Some(&v), code::FOLD, &[&int(-1)]).unwrap_err(), CdtError::OpNotApplicable);
    assert_eq!(modify(Some(&v), code::FOLD, &[]).unwrap_err(), CdtError::Parameter);
    // Wrong class, unknown code, a context: 4.
    assert_eq!(modify(Some(&v), code::GET_COUNT, &[]).unwrap_err(), CdtError::Parameter);
    assert_eq!(read(&v, code::ADD, &[&elements]).unwrap_err(), CdtError::Parameter);
    assert_eq!(read(&v, 57, &[]).unwrap_err(), CdtError::Parameter);
    assert_eq!(read(&v, code::GET_COUNT, &[&int(1)]).unwrap_err(), CdtError::Parameter);
    // Another type of bin: 12, before anything else; a damaged HLL: 1.
    assert_eq!(apply(false, &[0x90], Some((4, &[1, 2]))).unwrap_err(), CdtError::IncompatibleType);
    assert_eq!(apply(true, &payload(50, &[]), Some((HLL_PARTICLE, &v[..20]))).unwrap_err(), CdtError::Corrupt);
    // A read of a missing bin answers nothing.
    assert_eq!(apply(true, &payload(50, &[]), None).unwrap().result, CdtResult::None);
    // Operands must be whole HLL values.
    assert_eq!(read(&v, code::GET_UNION_COUNT, &[&operand(&v[..20])]).unwrap_err(), CdtError::Parameter);
    assert_eq!(read(&v, code::GET_UNION_COUNT, &[&list(&[])]).unwrap_err(), CdtError::Parameter);
    assert_eq!(read(&v, code::GET_UNION_COUNT, &[&s("x")]).unwrap_err(), CdtError::Parameter);
    // More than two intersect operands: the same non-zero minhash bits (4), and the bin's (26).
    let three = list(&[operand(&v), operand(&v), operand(&v)]);
    assert_eq!(read(&v, code::GET_INTERSECT_COUNT, &[&three]).unwrap_err(), CdtError::Parameter);
    let three_mh = list(&[operand(&mh), operand(&mh), operand(&mh)]);
    assert_eq!(read(&v, code::GET_SIMILARITY, &[&three_mh]).unwrap_err(), CdtError::OpNotApplicable);
    assert!(read(&mh, code::GET_SIMILARITY, &[&three_mh]).is_ok());
}

#[test]
fn set_union_folds_only_when_allowed() {
    let big = sketch(12, 0, &e(0, 1000));
    let small = sketch(8, 0, &e(500, 1500));
    // A missing bin takes the operands' shape.
    let made = modify(None, code::SET_UNION, &[&operand(&big)]).unwrap().new.unwrap();
    assert_eq!(made, big);
    // Fewer index bits than the bin: 26, unless ALLOW_FOLD.
    assert_eq!(modify(Some(&big), code::SET_UNION, &[&operand(&small)]).unwrap_err(), CdtError::OpNotApplicable);
    let folded = modify(Some(&big), code::SET_UNION, &[&operand(&small), &int(8)]).unwrap().new.unwrap();
    assert_eq!(&folded[..3], &[0, 8, 0]);
    // Union with itself is the same registers.
    let same = modify(Some(&big), code::SET_UNION, &[&list(&[operand(&big)])]).unwrap().new.unwrap();
    assert_eq!(same[11..], big[11..]);
    // A bin with minhash bits cannot take a union without them.
    let mh = sketch(8, 8, &e(0, 10));
    let plain = sketch(8, 0, &e(0, 10));
    assert_eq!(modify(Some(&mh), code::SET_UNION, &[&operand(&plain)]).unwrap_err(), CdtError::OpNotApplicable);
    let dropped = modify(Some(&mh), code::SET_UNION, &[&operand(&plain), &int(8)]).unwrap().new.unwrap();
    assert_eq!(&dropped[..3], &[0, 8, 0]);
}

#[test]
fn refresh_count_stores_the_estimate_in_the_cache() {
    let v = sketch(10, 0, &e(0, 500));
    let expected = count(&v);
    let a = modify(Some(&v), code::REFRESH_COUNT, &[]).unwrap();
    assert_eq!(a.result, CdtResult::Int(expected as i64));
    let stored = a.new.unwrap();
    assert_eq!(u64::from_le_bytes(stored[3..11].try_into().unwrap()), expected);
    assert_eq!(stored[11..], v[11..]);
    // The cache answers reads until an add changes a register.
    assert_eq!(read(&stored, code::GET_COUNT, &[]).unwrap(), CdtResult::Int(expected as i64));
    let added = modify(Some(&stored), code::ADD, &[&list(&e(500, 600))]).unwrap().new.unwrap();
    assert_eq!(&added[3..11], &[0; 8]);
}

#[test]
fn fold_keeps_the_union_of_the_registers_that_meet() {
    let v = sketch(12, 0, &e(0, 2000));
    let folded = modify(Some(&v), code::FOLD, &[&int(8)]).unwrap().new.unwrap();
    assert_eq!(folded, sketch(8, 0, &e(0, 2000)));
    // Folding to the same bits keeps the value.
    assert_eq!(modify(Some(&v), code::FOLD, &[&int(12)]).unwrap().new.unwrap(), v);
}

#[test]
fn may_contain_and_get_union() {
    let v = sketch(10, 0, &e(0, 100));
    assert_eq!(read(&v, code::MAY_CONTAIN, &[&list(&e(0, 100))]).unwrap(), CdtResult::Int(1));
    assert_eq!(read(&v, code::MAY_CONTAIN, &[&list(&e(1000, 1100))]).unwrap(), CdtResult::Int(0));
    let other = sketch(10, 0, &e(100, 200));
    let CdtResult::Element(union) = read(&v, code::GET_UNION, &[&operand(&other)]).unwrap() else { panic!() };
    let (Header::Bytes { ty: Some(HLL_PARTICLE), data }, _) = read_header(&union, 0).unwrap() else { panic!() };
    assert_eq!(data, sketch(10, 0, &e(0, 200)));
}

#[test]
fn elements_hash_in_their_compact_form() {
    // A non-minimal int and a str8 short string hash as their compact forms.
    let v = sketch(10, 0, &[vec![5]]);
    assert_eq!(sketch(10, 0, &[vec![0xcc, 5]]), v);
    assert_eq!(sketch(10, 0, &[vec![0xd3, 0, 0, 0, 0, 0, 0, 0, 5]]), v);
    let short = sketch(10, 0, &[s("ab")]);
    assert_eq!(sketch(10, 0, &[vec![0xd9, 3, 3, b'a', b'b']]), short);
    assert_eq!(sketch(10, 0, &[vec![0xc4, 3, 3, b'a', b'b']]), short);
    // A bin 8 of 32 bytes or more is hashed as sent (Aerospike leaves it alone).
    let mut long_bin = vec![0xc4, 40];
    long_bin.extend_from_slice(&[7; 40]);
    let mut long_str = vec![0xd9, 40];
    long_str.extend_from_slice(&[7; 40]);
    assert_ne!(sketch(10, 0, &[long_bin]), sketch(10, 0, &[long_str]));
}

/// Counts, register bytes and multi-sketch estimates from Aerospike's own estimators on the
/// same inputs (`E(a, b)` = strings "e{a}".."e{b-1}" as clients send them; `I` = integers).
#[test]
fn estimates_match_aerospike() {
    let n = [1, 10, 100, 1000, 10000, 100_000];
    let table: [((u8, u8), [u64; 6], i64); 9] = [
        ((4, 0), [1, 9, 132, 980, 11860, 57315], 55),
        ((8, 0), [1, 10, 103, 1192, 11100, 91659], 449),
        ((12, 0), [1, 10, 101, 996, 10004, 100_269], 929),
        ((14, 0), [1, 10, 100, 998, 10024, 99891], 984),
        ((16, 0), [1, 10, 100, 992, 9957, 100_008], 992),
        ((12, 8), [1, 10, 101, 996, 10004, 100_269], 945),
        ((10, 20), [1, 10, 100, 996, 10389, 98207], 797),
        ((4, 51), [1, 9, 132, 980, 11860, 57315], 74),
        ((16, 48), [1, 10, 100, 992, 9957, 100_008], 994),
    ];
    let all = e(0, 100_000);
    for ((ib, mb), counts, changed_at_1000) in table {
        for (i, &size) in n.iter().enumerate() {
            assert_eq!(count(&sketch(ib, mb, &all[..size])), counts[i], "({ib},{mb}) E(0,{size})");
        }
        let added = modify(None, code::ADD, &[&list(&all[..1000]), &int(ib.into()), &int(mb.into())]).unwrap();
        assert_eq!(added.result, CdtResult::Int(changed_at_1000), "({ib},{mb}) changed registers");
    }
    let ints = |b: u64| -> Vec<Vec<u8>> {
        (0..b)
            .map(|i| {
                let mut out = Vec::new();
                msgpack::pack_uint(&mut out, i);
                out
            })
            .collect()
    };
    assert_eq!(count(&sketch(12, 0, &ints(1000))), 992);
    assert_eq!(count(&sketch(12, 0, &ints(100_000))), 99898);
    assert_eq!(count(&sketch(8, 0, &ints(1000))), 1037);
    assert_eq!(count(&sketch(8, 0, &ints(100_000))), 98150);

    let hex = |v: &[u8]| v.iter().map(|b| format!("{b:02x}")).collect::<String>();
    assert_eq!(hex(&sketch(4, 0, &e(0, 10))), "0004000000000000000000100005000000046001081000");
    assert_eq!(
        hex(&sketch(6, 8, &e(0, 10))),
        "00060800000000000000001034000000000000000000000000000000000001c60b7800000000000000\
         000000000000000000000000000010700000000000197000000006ac00000000000000000000000005\
         ec0000000000000000000000000000000000057f000000000000000000646000000008ac0000000000"
    );

    // Two and three sets: the bin is A, the operands B (and C), in Aerospike's order.
    let (a, b, c) = (e(0, 10000), e(5000, 15000), e(2500, 7500));
    let two: [((u8, u8), u64, u64, f64); 5] = [
        ((12, 0), 15066, 4998, 0.33174034249303064),
        ((14, 0), 15055, 5035, 0.33444038525406844),
        ((12, 16), 15066, 5026, 0.33358214471601816),
        ((14, 20), 15055, 5105, 0.3390587536414189),
        ((10, 4), 15553, 5044, 0.32434032855372025),
    ];
    for ((ib, mb), union, intersect, similarity) in two {
        let (va, vb) = (sketch(ib, mb, &a), sketch(ib, mb, &b));
        let op = operand(&vb);
        assert_eq!(read(&va, code::GET_UNION_COUNT, &[&op]).unwrap(), CdtResult::Int(union as i64));
        assert_eq!(read(&va, code::GET_INTERSECT_COUNT, &[&op]).unwrap(), CdtResult::Int(intersect as i64));
        assert_eq!(double(read(&va, code::GET_SIMILARITY, &[&op]).unwrap()), similarity, "({ib},{mb})");
    }
    for ((ib, mb), union, intersect, similarity) in
        [((12, 0), 15066, 2363, 0.15684322315146687), ((12, 16), 15066, 2606, 0.17295123177476118)]
    {
        let va = sketch(ib, mb, &a);
        let ops = list(&[operand(&sketch(ib, mb, &b)), operand(&sketch(ib, mb, &c))]);
        assert_eq!(read(&va, code::GET_UNION_COUNT, &[&ops]).unwrap(), CdtResult::Int(union));
        assert_eq!(read(&va, code::GET_INTERSECT_COUNT, &[&ops]).unwrap(), CdtResult::Int(intersect));
        assert_eq!(double(read(&va, code::GET_SIMILARITY, &[&ops]).unwrap()), similarity, "({ib},{mb})");
    }
    // Mixed shapes: the fewest index bits; minhash bits only when they agree.
    let va = sketch(14, 0, &a);
    let op = operand(&sketch(12, 0, &b));
    assert_eq!(read(&va, code::GET_UNION_COUNT, &[&op]).unwrap(), CdtResult::Int(15066));
    assert_eq!(read(&va, code::GET_INTERSECT_COUNT, &[&op]).unwrap(), CdtResult::Int(5018));
    let va = sketch(12, 16, &a);
    let op = operand(&sketch(12, 8, &b));
    assert_eq!(read(&va, code::GET_UNION_COUNT, &[&op]).unwrap(), CdtResult::Int(15066));
    assert_eq!(read(&va, code::GET_INTERSECT_COUNT, &[&op]).unwrap(), CdtResult::Int(4998));
    assert_eq!(double(read(&va, code::GET_SIMILARITY, &[&op]).unwrap()), 0.33174034249303064);
    // Empty sketches: similarity 0 against data, NaN between two empties; intersection 0.
    let (empty, some) = (sketch(12, 16, &[]), sketch(12, 16, &a[..100]));
    assert_eq!(double(read(&some, code::GET_SIMILARITY, &[&operand(&empty)]).unwrap()), 0.0);
    assert_eq!(read(&some, code::GET_INTERSECT_COUNT, &[&operand(&empty)]).unwrap(), CdtResult::Int(0));
    assert!(double(read(&empty, code::GET_SIMILARITY, &[&operand(&empty)]).unwrap()).is_nan());
    assert_eq!(read(&empty, code::GET_INTERSECT_COUNT, &[&operand(&empty)]).unwrap(), CdtResult::Int(0));
    // Fold 14 -> 10 bits.
    let folded = modify(Some(&sketch(14, 0, &a)), code::FOLD, &[&int(10)]).unwrap().new.unwrap();
    assert_eq!(count(&folded), 10389);
}

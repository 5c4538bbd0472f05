//! Hostile input for list, map and bit ops: thousands of random and mutated payloads and bins
//! (seeded), every one of which must answer with a result or a result code: never a panic,
//! never an allocation sized from a count or index it was sent.

use scramjet_engine::bits;
use scramjet_engine::cdt::msgpack::{pack_bytes, pack_int, pack_list_header, pack_map_header};
use scramjet_engine::cdt::{apply, BinValue, OpClass};

struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

/// A random msgpack-ish value: mostly well formed, nested a little.
fn value(rng: &mut Rng, out: &mut Vec<u8>, depth: u32) {
    match rng.below(if depth > 3 { 4 } else { 7 }) {
        0 => pack_int(out, rng.next() as i64 >> rng.below(64)),
        1 => pack_bytes(out, 3, &vec![b'a' + rng.below(26) as u8; rng.below(5) as usize]),
        2 => pack_bytes(out, 4, &vec![rng.below(256) as u8; rng.below(5) as usize]),
        3 => out.push([0xc0, 0xc2, 0xc3][rng.below(3) as usize]),
        4 | 5 => {
            let n = rng.below(5) as usize;
            pack_list_header(out, n);
            (0..n).for_each(|_| value(rng, out, depth + 1));
        }
        _ => {
            let n = rng.below(4) as usize;
            pack_map_header(out, n);
            for _ in 0..n {
                pack_int(out, rng.below(8) as i64);
                value(rng, out, depth + 1);
            }
        }
    }
}

/// A payload: an op code from the list, map or bit tables (or anything), with random args,
/// sometimes inside a context.
fn payload(rng: &mut Rng) -> Vec<u8> {
    let code = match rng.below(4) {
        0 => rng.below(41) as i64,
        1 => 64 + rng.below(47) as i64,
        2 => rng.below(60) as i64,
        _ => rng.next() as i64,
    };
    let n_args = rng.below(6) as usize;
    let mut op = Vec::new();
    pack_list_header(&mut op, 1 + n_args);
    pack_int(&mut op, code);
    for _ in 0..n_args {
        match rng.below(3) {
            0 => pack_int(&mut op, rng.below(20) as i64 - 10),
            1 => pack_int(&mut op, rng.next() as i64),
            _ => value(rng, &mut op, 0),
        }
    }
    if rng.below(4) != 0 {
        return op;
    }
    let mut out = vec![0x93, 0xcc, 0xff];
    let levels = 1 + rng.below(3) as usize;
    pack_list_header(&mut out, 2 * levels);
    for _ in 0..levels {
        pack_int(&mut out, [0x10, 0x11, 0x13, 0x20, 0x21, 0x22, 0x23, 0x50, 0x62, 0xd0, 0x00][rng.below(11) as usize]);
        pack_int(&mut out, rng.below(6) as i64 - 2);
    }
    out.extend_from_slice(&op);
    out
}

/// Flips, truncates or extends a byte string.
fn mutate(rng: &mut Rng, bytes: &mut Vec<u8>) {
    match rng.below(4) {
        0 if !bytes.is_empty() => {
            let i = rng.below(bytes.len() as u64) as usize;
            bytes[i] = rng.below(256) as u8;
        }
        1 if !bytes.is_empty() => bytes.truncate(rng.below(bytes.len() as u64) as usize),
        2 => bytes.extend((0..rng.below(4)).map(|_| rng.below(256) as u8)),
        _ => {}
    }
}

#[test]
fn random_ops_on_random_containers_never_panic() {
    let mut rng = Rng(0x5EED_1234_ABCD_0001);
    let mut answered = 0;
    for _ in 0..200_000 {
        let mut bin = Vec::new();
        value(&mut rng, &mut bin, 0);
        let mut p = payload(&mut rng);
        if rng.below(3) == 0 {
            mutate(&mut rng, &mut p);
        }
        if rng.below(5) == 0 {
            mutate(&mut rng, &mut bin);
        }
        let particle = match bin.first() {
            Some(0x80..=0x8f | 0xde | 0xdf) => 19,
            _ => 20,
        };
        let class = if rng.below(2) == 0 { OpClass::Read } else { OpClass::Modify };
        let bin_value = (rng.below(6) != 0).then_some(BinValue { particle, bytes: &bin });
        if apply(class, &p, bin_value).is_ok() {
            answered += 1;
        }
        let blob = (rng.below(4) != 0).then(|| (4u8, &bin[..]));
        let _ = bits::apply(rng.below(2) == 0, &p, blob);
    }
    // The generator is not only making garbage: a fair share of ops run.
    assert!(answered > 1_000, "{answered} ops answered");
}

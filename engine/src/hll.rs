//! HyperLogLog operations on HLL bins (PROTOCOL-DATA.md §B.4-B.5; Aerospike's
//! `particle_hll.c`): pure functions over the bin's bytes.
//!
//! The value is Aerospike's own: a 1-byte flags field (always 0), the index bit count `ib`, the
//! minhash bit count `mb`, an 8-byte little-endian cache of the last estimate (0 = stale), then
//! 2^ib registers of 6 + mb bits each, packed from the most significant bit. A register holds
//! `(hll_value << mb) | minhash`. An element is hashed with MurmurHash3 x64/128 (seed 0) over its
//! compacted msgpack form, exactly as Aerospike hashes it, so a sketch written by either server
//! reads the same on the other. The estimators follow Aerospike's choices literally (Ertl's
//! algorithm 6 with the classic alpha, HyperMinHash similarity with its collision correction,
//! inclusion-exclusion for intersections without minhash bits), because the point is to return
//! the same numbers, not better ones.

use crate::cdt::args::{self, Args};
use crate::cdt::msgpack::{self, read_header, Header};
use crate::cdt::result::{Applied, CdtResult};
use crate::cdt::CdtError;
use scramjet_net::particle::{hll_shape_ok, hll_value_len, normalize, HLL_HEADER_LEN};
use scramjet_net::ParticleType;

/// Op codes (§B.4).
pub mod code {
    #![allow(missing_docs)]
    pub const INIT: i64 = 0;
    pub const ADD: i64 = 1;
    pub const SET_UNION: i64 = 2;
    pub const REFRESH_COUNT: i64 = 3;
    pub const FOLD: i64 = 4;
    pub const GET_COUNT: i64 = 50;
    pub const GET_UNION: i64 = 51;
    pub const GET_UNION_COUNT: i64 = 52;
    pub const GET_INTERSECT_COUNT: i64 = 53;
    pub const GET_SIMILARITY: i64 = 54;
    pub const DESCRIBE: i64 = 55;
    pub const MAY_CONTAIN: i64 = 56;
}

/// Write flag: the bin must not exist (6).
pub const CREATE_ONLY: u64 = 0x01;
/// Write flag: the bin must exist (17).
pub const UPDATE_ONLY: u64 = 0x02;
/// Write flag: a refusal is a no-op.
pub const NO_FAIL: u64 = 0x04;
/// Write flag (set union): fold the bin down to the smallest operand.
pub const ALLOW_FOLD: u64 = 0x08;

/// The particle type of an HLL bin.
pub const HLL_PARTICLE: u8 = 18;

/// Bits of the HyperLogLog part of a register.
const HLL_BITS: u32 = 6;
/// One more than the largest value the HyperLogLog part can count to.
const HLL_MAX_VALUE: usize = 1 << HLL_BITS;

/// True for HLL read op codes (HLL_READ, op type 15).
pub fn is_read(op: i64) -> bool {
    (code::GET_COUNT..=code::MAY_CONTAIN).contains(&op)
}

// ---- The sketch ----

/// A sketch's bit counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Shape {
    ib: u8,
    mb: u8,
}

impl Shape {
    fn registers(self) -> u32 {
        1 << self.ib
    }

    fn register_bits(self) -> u32 {
        HLL_BITS + u32::from(self.mb)
    }

    fn registers_len(self) -> usize {
        hll_value_len(self.ib, self.mb) - HLL_HEADER_LEN
    }

    /// The HyperLogLog value of a register (the minhash bits shifted out).
    fn hll_value(self, register: u64) -> u64 {
        register >> self.mb
    }
}

/// A sketch over borrowed or owned register bytes.
#[derive(Debug, Clone)]
struct Sketch<R> {
    shape: Shape,
    cache: u64,
    registers: R,
}

type View<'a> = Sketch<&'a [u8]>;
type Owned = Sketch<Vec<u8>>;

impl<'a> View<'a> {
    /// A sketch in Aerospike's value format, checked: flags 0, bit counts in range, exact size.
    fn parse(value: &'a [u8]) -> Option<View<'a>> {
        if !hll_value_ok(value) {
            return None;
        }
        let cache = u64::from_le_bytes(value[3..11].try_into().ok()?);
        Some(Sketch { shape: Shape { ib: value[1], mb: value[2] }, cache, registers: &value[HLL_HEADER_LEN..] })
    }
}

/// True if `value` is a well-formed HLL value (what a put of an HLL bin must carry).
pub fn hll_value_ok(value: &[u8]) -> bool {
    normalize(ParticleType::Hll, value).is_ok()
}

impl Owned {
    fn empty(shape: Shape) -> Owned {
        Sketch { shape, cache: 0, registers: vec![0; shape.registers_len()] }
    }

    fn to_value(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(HLL_HEADER_LEN + self.registers.len());
        out.extend_from_slice(&[0, self.shape.ib, self.shape.mb]);
        out.extend_from_slice(&self.cache.to_le_bytes());
        out.extend_from_slice(&self.registers);
        out
    }

    fn set(&mut self, r: u32, value: u64) {
        let bits = self.shape.register_bits();
        let at = u64::from(bits) * u64::from(r);
        let (byte, shift) = ((at / 8) as usize, (at % 8) as u32);
        // The register sits in the 64-bit big-endian window at `byte` (bits + shift <= 64).
        let end = (byte + 8).min(self.registers.len());
        let mut window = [0u8; 8];
        window[..end - byte].copy_from_slice(&self.registers[byte..end]);
        let word = u64::from_be_bytes(window);
        let mask = ((1u64 << bits) - 1) << (64 - bits) >> shift;
        let placed = (value << (64 - bits)) >> shift;
        let word = (word & !mask) | (placed & mask);
        self.registers[byte..end].copy_from_slice(&word.to_be_bytes()[..end - byte]);
    }

    /// Register-wise maximum with `other`, which has at least as many index bits (a register of
    /// `other` lands on its low `ib` bits). Without minhash bits only HyperLogLog values count.
    fn union(&mut self, other: &View<'_>) {
        let mask = self.shape.registers() - 1;
        for r in 0..other.shape.registers() {
            let to = r & mask;
            let (mine, theirs) = if self.shape.mb == 0 {
                (self.shape.hll_value(self.get(to)), other.shape.hll_value(other.get(r)))
            } else {
                (self.get(to), other.get(r))
            };
            if mine < theirs {
                self.set(to, theirs);
            }
        }
        self.cache = 0;
    }

    /// Keeps a register only where `other` holds the same value.
    fn intersect(&mut self, other: &View<'_>) {
        let mask = self.shape.registers() - 1;
        for r in 0..other.shape.registers() {
            let to = r & mask;
            let mine = self.get(to);
            self.set(to, if mine == other.get(r) { mine } else { 0 });
        }
    }

    /// Adds one (compacted) element; true if a register grew.
    fn add(&mut self, element: &[u8]) -> bool {
        let (r, value) = hash(self.shape, element);
        if self.get(r) < value {
            self.set(r, value);
            self.cache = 0;
            return true;
        }
        false
    }
}

impl<R: AsRef<[u8]>> Sketch<R> {
    fn get(&self, r: u32) -> u64 {
        let regs = self.registers.as_ref();
        let bits = self.shape.register_bits();
        let at = u64::from(bits) * u64::from(r);
        let (byte, shift) = ((at / 8) as usize, (at % 8) as u32);
        let word = match regs.get(byte..byte + 8) {
            Some(eight) => u64::from_be_bytes(eight.try_into().unwrap_or_default()),
            // The last registers: the window runs past the end, which reads as zeros.
            None => {
                let mut window = [0u8; 8];
                window[..regs.len() - byte].copy_from_slice(&regs[byte..]);
                u64::from_be_bytes(window)
            }
        };
        (word >> (64 - shift - bits)) & ((1u64 << bits) - 1)
    }

    fn to_owned_sketch(&self) -> Owned {
        Sketch { shape: self.shape, cache: self.cache, registers: self.registers.as_ref().to_vec() }
    }

    /// Ertl 2017, algorithm 6, with Aerospike's alpha; the cache answers when it is set.
    fn estimate(&self) -> u64 {
        if self.cache != 0 {
            return self.cache;
        }
        let m = self.shape.registers();
        let mut c = [0u32; HLL_MAX_VALUE + 1];
        for r in 0..m {
            c[self.shape.hll_value(self.get(r)) as usize] += 1;
        }
        let mf = f64::from(m);
        let mut z = mf * tau(f64::from(c[HLL_MAX_VALUE]) / mf);
        for k in (1..=HLL_MAX_VALUE).rev() {
            z = 0.5 * (z + f64::from(c[k]));
        }
        z += mf * sigma(f64::from(c[0]) / mf);
        (alpha(self.shape.ib) * mf * mf / z).round() as u64
    }

    /// Whether any register is set, judged as Aerospike does: over the first 2^ib bytes of the
    /// registers only (called only when every sketch has minhash bits, so those bytes exist).
    fn has_data(&self) -> bool {
        let n = (self.shape.registers() as usize).min(self.registers.as_ref().len());
        self.registers.as_ref()[..n].iter().any(|&b| b != 0)
    }

    fn used_registers(&self) -> u32 {
        (0..self.shape.registers()).filter(|&r| self.get(r) != 0).count() as u32
    }
}

fn tau(mut x: f64) -> f64 {
    if x == 0.0 || x == 1.0 {
        return 0.0;
    }
    let mut y = 1.0;
    let mut z = 1.0 - x;
    loop {
        x = x.sqrt();
        let before = z;
        y *= 0.5;
        z -= (1.0 - x).powf(2.0) * y;
        if before == z {
            return z / 3.0;
        }
    }
}

fn sigma(mut x: f64) -> f64 {
    if x == 1.0 {
        return f64::INFINITY;
    }
    let mut y = 1.0;
    let mut z = x;
    loop {
        x *= x;
        let before = z;
        z += x * y;
        y += y;
        if before == z {
            return z;
        }
    }
}

fn alpha(ib: u8) -> f64 {
    match ib {
        4 => 0.673,
        5 => 0.697,
        6 => 0.709,
        _ => 0.7213 / (1.0 + 1.079 / f64::from(1u32 << ib)),
    }
}

/// The register an element lands in and the value it offers: the low `ib` bits of h1 pick the
/// register, the next `mb` bits are the minhash, and 1 + the trailing zeros of h2 the
/// HyperLogLog value.
fn hash(shape: Shape, element: &[u8]) -> (u32, u64) {
    let (h1, h2) = murmur3_x64_128(element, 0);
    let register = (h1 & ((1 << shape.ib) - 1)) as u32;
    let minhash = (h1 >> shape.ib) & ((1u64 << shape.mb) - 1);
    let hll = u64::from(h2.trailing_zeros() + 1);
    (register, (hll << shape.mb) | minhash)
}

/// MurmurHash3, x64 128-bit variant (Austin Appleby's public-domain algorithm): h1 and h2 are the
/// two little-endian words of the 16-byte digest.
pub fn murmur3_x64_128(data: &[u8], seed: u64) -> (u64, u64) {
    const C1: u64 = 0x87c3_7b91_1142_53d5;
    const C2: u64 = 0x4cf5_ad43_2745_937f;
    fn fmix(mut k: u64) -> u64 {
        k ^= k >> 33;
        k = k.wrapping_mul(0xff51_afd7_ed55_8ccd);
        k ^= k >> 33;
        k = k.wrapping_mul(0xc4ce_b9fe_1a85_ec53);
        k ^ (k >> 33)
    }
    let mix1 = |k: u64| k.wrapping_mul(C1).rotate_left(31).wrapping_mul(C2);
    let mix2 = |k: u64| k.wrapping_mul(C2).rotate_left(33).wrapping_mul(C1);
    let (mut h1, mut h2) = (seed, seed);
    let mut blocks = data.chunks_exact(16);
    for block in &mut blocks {
        let k1 = u64::from_le_bytes(block[..8].try_into().unwrap_or_default());
        let k2 = u64::from_le_bytes(block[8..].try_into().unwrap_or_default());
        h1 ^= mix1(k1);
        h1 = h1.rotate_left(27).wrapping_add(h2).wrapping_mul(5).wrapping_add(0x52dc_e729);
        h2 ^= mix2(k2);
        h2 = h2.rotate_left(31).wrapping_add(h1).wrapping_mul(5).wrapping_add(0x3849_5ab5);
    }
    let tail = blocks.remainder();
    let word = |bytes: &[u8]| bytes.iter().rev().fold(0u64, |acc, &b| (acc << 8) | u64::from(b));
    if tail.len() > 8 {
        h2 ^= mix2(word(&tail[8..]));
    }
    if !tail.is_empty() {
        h1 ^= mix1(word(&tail[..tail.len().min(8)]));
    }
    let len = data.len() as u64;
    h1 ^= len;
    h2 ^= len;
    h1 = h1.wrapping_add(h2);
    h2 = h2.wrapping_add(h1);
    h1 = fmix(h1);
    h2 = fmix(h2);
    h1 = h1.wrapping_add(h2);
    h2 = h2.wrapping_add(h1);
    (h1, h2)
}

// ---- Estimates over several sketches ----

/// The shape a union of `sketches` takes: the fewest index bits, and the common minhash bit
/// count (0 when they differ).
fn template(sketches: &[View<'_>]) -> Shape {
    let mut shape = sketches[0].shape;
    for s in &sketches[1..] {
        shape.ib = shape.ib.min(s.shape.ib);
        if shape.mb != 0 && shape.mb != s.shape.mb {
            shape.mb = 0;
        }
    }
    shape
}

fn union_of(sketches: &[View<'_>]) -> Owned {
    let mut union = Owned::empty(template(sketches));
    for s in sketches {
        union.union(s);
    }
    union
}

fn union_count(sketches: &[View<'_>]) -> u64 {
    union_of(sketches).estimate()
}

fn intersect_count(sketches: &[View<'_>]) -> u64 {
    if template(sketches).mb == 0 {
        return intersect_count_by_counts(sketches);
    }
    let j = similarity(sketches);
    if j.is_nan() {
        return 0;
    }
    (union_count(sketches) as f64 * j).round() as u64
}

/// Inclusion-exclusion over the estimates, for 2 or 3 sketches.
fn intersect_count_by_counts(sketches: &[View<'_>]) -> u64 {
    let union = union_count(sketches);
    let mut sum = 0u64;
    for s in sketches {
        match sum.checked_add(s.estimate()) {
            Some(v) => sum = v,
            None => {
                sum = u64::MAX;
                break;
            }
        }
    }
    if sketches.len() == 2 {
        return sum.saturating_sub(union);
    }
    let pairs = intersect_count(&sketches[0..2])
        .wrapping_add(intersect_count(&sketches[1..3]))
        .wrapping_add(intersect_count(&[sketches[0].clone(), sketches[2].clone()]));
    let result = (union as i64).wrapping_sub((sum as i64).wrapping_sub(pairs as i64));
    result.max(0) as u64
}

/// Jaccard similarity: HyperMinHash (Yu & Weber 2017) with minhash bits, else the ratio of
/// the intersection and union estimates.
fn similarity(sketches: &[View<'_>]) -> f64 {
    let shape = template(sketches);
    if shape.mb == 0 {
        return intersect_count_by_counts(sketches) as f64 / union_count(sketches) as f64;
    }
    let with_data = sketches.iter().filter(|s| s.has_data()).count();
    if with_data < sketches.len() {
        return if with_data > 0 { 0.0 } else { f64::NAN };
    }
    let n_union = union_of(sketches).used_registers();
    let mut common = Owned::empty(shape);
    common.union(&sketches[0]);
    for s in &sketches[1..] {
        common.intersect(s);
    }
    let n_intersect = common.used_registers();
    let collisions = if sketches.len() == 2 {
        expected_collisions(shape, sketches[0].estimate(), sketches[1].estimate())
    } else {
        0.0
    };
    ((f64::from(n_intersect) - collisions) / f64::from(n_union)).max(0.0)
}

/// The expected number of registers two unrelated sets of these sizes share by chance.
fn expected_collisions(shape: Shape, card0: u64, card1: u64) -> f64 {
    let m = f64::from(shape.registers());
    let mut cp = 0.0;
    for i in 1..=HLL_MAX_VALUE as i32 {
        let b1 = if i == HLL_MAX_VALUE as i32 { 0.0 } else { 2f64.powi(-i) } / m;
        let b2 = 2f64.powi(1 - i) / m;
        let pr_x = (1.0 - b1).powf(card0 as f64) - (1.0 - b2).powf(card0 as f64);
        let pr_y = (1.0 - b1).powf(card1 as f64) - (1.0 - b2).powf(card1 as f64);
        cp += pr_x * pr_y;
    }
    cp * m / 2f64.powi(i32::from(shape.mb))
}

// ---- Arguments ----

/// An index or minhash bit count argument: -1 is "not given", anything else must be in range.
fn bit_count(a: &Args<'_, '_>, i: usize, minhash: bool) -> Result<Option<u8>, CdtError> {
    let Some(v) = a.opt_value(i)? else { return Ok(None) };
    let v = args::int(v)?;
    if v == -1 {
        return Ok(None);
    }
    let ok = if minhash { v == 0 || (4..=51).contains(&v) } else { (4..=16).contains(&v) };
    if !ok {
        return Err(CdtError::Parameter);
    }
    Ok(Some(v as u8))
}

/// Flags: only the op's own, and never CREATE_ONLY with UPDATE_ONLY.
fn flags(a: &Args<'_, '_>, i: usize, allowed: u64) -> Result<u64, CdtError> {
    let flags = a.uint_or(i, 0)?;
    if flags & !allowed != 0 || flags & (CREATE_ONLY | UPDATE_ONLY) == CREATE_ONLY | UPDATE_ONLY {
        return Err(CdtError::Parameter);
    }
    Ok(flags)
}

/// The elements to add or look up: a non-empty list of scalars, each in the compact form the
/// server hashes.
fn elements(list: &[u8]) -> Result<Vec<Vec<u8>>, CdtError> {
    let (header, pos) = read_header(list, 0)?;
    let Header::List(n) = header else { return Err(CdtError::Parameter) };
    if n == 0 {
        return Err(CdtError::Parameter);
    }
    let (ranges, end) = msgpack::element_ranges(list, pos, u64::from(n))?;
    if end != list.len() {
        return Err(CdtError::Parameter);
    }
    ranges.into_iter().map(|r| compact_scalar(&list[r])).collect()
}

/// Aerospike's `msgpack_compactify` of one scalar, which decides the bytes that are hashed:
/// ints repacked in their smallest form; str headers (and bin headers, whose length then decides
/// as for str: a bin 8 of 32 bytes or more is left alone) repacked as the smallest str header;
/// ext headers in their smallest form. Lists and maps are refused.
fn compact_scalar(element: &[u8]) -> Result<Vec<u8>, CdtError> {
    let first = *element.first().ok_or(CdtError::Parameter)?;
    let (header, body) = read_header(element, 0)?;
    let mut out = Vec::with_capacity(element.len());
    let be = |n: usize| element.get(1..1 + n).map(|b| b.iter().fold(0u64, |acc, &x| (acc << 8) | u64::from(x)));
    match (first, header) {
        (_, Header::List(_) | Header::Map(_)) => return Err(CdtError::Parameter),
        (0xcc..=0xcf, Header::UInt(v)) => msgpack::pack_uint(&mut out, v),
        (0xcc..=0xd3, Header::Int(v)) => msgpack::pack_int(&mut out, v),
        (0xc4..=0xc6 | 0xd9..=0xdb, _) => {
            let width = match first {
                0xc4 | 0xd9 => 1,
                0xc5 | 0xda => 2,
                _ => 4,
            };
            let len = be(width).ok_or(CdtError::Parameter)?;
            let limit = match width {
                1 => 0x1f,
                2 => 0xff,
                _ => 0xffff,
            };
            if len > limit {
                return Ok(element.to_vec());
            }
            msgpack::pack_str_header(&mut out, len as usize);
            out.extend_from_slice(&element[1 + width..]);
        }
        (0xc7..=0xc9, _) => {
            let width = match first {
                0xc7 => 1,
                0xc8 => 2,
                _ => 4,
            };
            let len = be(width).ok_or(CdtError::Parameter)?;
            let compact = match width {
                1 => len != 0 && len.is_power_of_two() && len <= 16,
                2 => len <= 0xff,
                _ => len <= 0xffff,
            };
            if !compact {
                return Ok(element.to_vec());
            }
            pack_ext_header(&mut out, len as usize, element[1 + width]);
            out.extend_from_slice(&element[2 + width..]);
        }
        _ => return Ok(element.to_vec()),
    }
    debug_assert_eq!(body, element.len());
    Ok(out)
}

/// The smallest ext header for `len` bytes of ext type `ty`.
fn pack_ext_header(out: &mut Vec<u8>, len: usize, ty: u8) {
    match len {
        1 => out.push(0xd4),
        2 => out.push(0xd5),
        4 => out.push(0xd6),
        8 => out.push(0xd7),
        16 => out.push(0xd8),
        n if n <= 0xff => out.extend_from_slice(&[0xc7, n as u8]),
        n if n <= 0xffff => {
            out.push(0xc8);
            out.extend_from_slice(&(n as u16).to_be_bytes());
        }
        n => {
            out.push(0xc9);
            out.extend_from_slice(&(n as u32).to_be_bytes());
        }
    }
    out.push(ty);
}

/// HLL operands: one HLL value, or a non-empty list of them (each an as_bytes value whose type
/// byte is skipped), each well formed.
fn operands(arg: &[u8]) -> Result<Vec<View<'_>>, CdtError> {
    let items: Vec<&[u8]> = match read_header(arg, 0)? {
        (Header::List(0), _) => return Err(CdtError::Parameter),
        (Header::List(n), pos) => {
            let (ranges, end) = msgpack::element_ranges(arg, pos, u64::from(n))?;
            if end != arg.len() {
                return Err(CdtError::Parameter);
            }
            ranges.into_iter().map(|r| &arg[r]).collect()
        }
        _ => vec![arg],
    };
    items
        .into_iter()
        .map(|item| match read_header(item, 0)? {
            (Header::Bytes { ty: Some(_), data }, end) if end == item.len() => {
                View::parse(data).ok_or(CdtError::Parameter)
            }
            _ => Err(CdtError::Parameter),
        })
        .collect()
}

/// Intersection and similarity operands: more than two must share a non-zero minhash bit count.
fn intersect_operands(arg: &[u8]) -> Result<Vec<View<'_>>, CdtError> {
    let ops = operands(arg)?;
    if ops.len() > 2 && (ops[0].shape.mb == 0 || ops.iter().any(|o| o.shape.mb != ops[0].shape.mb)) {
        return Err(CdtError::Parameter);
    }
    Ok(ops)
}

// ---- Ops ----

/// Runs HLL op `payload` (`[code, args...]`) of class `read` on `bin` (its particle type and
/// bytes; `None` if the record has no such bin). Checks come in Aerospike's order: the bin's
/// type (12), the payload (4), CREATE_ONLY (6) / UPDATE_ONLY (17), then the op's own rules (26).
pub fn apply(read: bool, payload: &[u8], bin: Option<(u8, &[u8])>) -> Result<Applied, CdtError> {
    if read && bin.is_none() {
        return Ok(Applied::read(CdtResult::None));
    }
    let current = match bin {
        Some((particle, _)) if particle != HLL_PARTICLE => return Err(CdtError::IncompatibleType),
        Some((_, value)) => Some(View::parse(value).ok_or(CdtError::Corrupt)?),
        None => None,
    };
    let parsed = args::parse(payload)?;
    if !parsed.context.is_empty() {
        return Err(CdtError::Parameter);
    }
    let op = parsed.code;
    if is_read(op) != read || !(is_read(op) || (code::INIT..=code::FOLD).contains(&op)) {
        return Err(CdtError::Parameter);
    }
    match current {
        Some(hll) if read => read_op(op, &parsed.args, &hll).map(Applied::read),
        _ => modify(op, &parsed.args, current),
    }
}

fn read_op(op: i64, raw: &[&[u8]], hll: &View<'_>) -> Result<CdtResult, CdtError> {
    let n = if matches!(op, code::GET_COUNT | code::DESCRIBE) { 0 } else { 1 };
    let a = Args::new(raw, n, n)?;
    let with = |ops| with_bin(ops, hll);
    Ok(match op {
        code::GET_COUNT => CdtResult::Int(hll.estimate() as i64),
        code::DESCRIBE => CdtResult::int_list([i64::from(hll.shape.ib), i64::from(hll.shape.mb)].into_iter()),
        code::MAY_CONTAIN => {
            let all = elements(a.value(0)?)?.iter().all(|e| {
                let (r, value) = hash(hll.shape, e);
                value <= hll.get(r)
            });
            CdtResult::Int(i64::from(all))
        }
        code::GET_UNION => {
            let union = union_of(&with(operands(a.value(0)?)?));
            let mut out = Vec::new();
            msgpack::pack_bytes(&mut out, HLL_PARTICLE, &union.to_value());
            CdtResult::Element(out)
        }
        code::GET_UNION_COUNT => CdtResult::Int(union_count(&with(operands(a.value(0)?)?)) as i64),
        _ => {
            let ops = intersect_operands(a.value(0)?)?;
            if ops.len() > 2 && (hll.shape.mb == 0 || hll.shape.mb != ops[0].shape.mb) {
                return Err(CdtError::OpNotApplicable);
            }
            let all = with(ops);
            if op == code::GET_INTERSECT_COUNT {
                CdtResult::Int(intersect_count(&all) as i64)
            } else {
                let mut out = Vec::new();
                msgpack::pack_double(&mut out, similarity(&all));
                CdtResult::Element(out)
            }
        }
    })
}

/// The operands followed by the bin's own sketch (Aerospike's order).
fn with_bin<'a>(mut ops: Vec<View<'a>>, hll: &View<'a>) -> Vec<View<'a>> {
    ops.push(hll.clone());
    ops
}

fn modify(op: i64, raw: &[&[u8]], current: Option<View<'_>>) -> Result<Applied, CdtError> {
    // Parse every argument first, as Aerospike does before it looks at the bin.
    let (a, ib, mb, fl) = match op {
        code::INIT => {
            let a = Args::new(raw, 0, 3)?;
            let ib = bit_count(&a, 0, false)?;
            let mb = bit_count(&a, 1, true)?;
            (a, ib, mb, flags(&a, 2, CREATE_ONLY | UPDATE_ONLY | NO_FAIL)?)
        }
        code::ADD => {
            let a = Args::new(raw, 1, 4)?;
            let ib = bit_count(&a, 1, false)?;
            let mb = bit_count(&a, 2, true)?;
            (a, ib, mb, flags(&a, 3, CREATE_ONLY | NO_FAIL)?)
        }
        code::SET_UNION => {
            let a = Args::new(raw, 1, 2)?;
            (a, None, None, flags(&a, 1, CREATE_ONLY | UPDATE_ONLY | NO_FAIL | ALLOW_FOLD)?)
        }
        code::REFRESH_COUNT => (Args::new(raw, 0, 0)?, None, None, 0),
        _ => {
            let a = Args::new(raw, 1, 1)?;
            (a, bit_count(&a, 0, false)?, None, 0)
        }
    };
    if let (Some(ib), Some(mb)) = (ib, mb) {
        if !hll_shape_ok(ib, mb) {
            return Err(CdtError::Parameter);
        }
    }
    let elements = if op == code::ADD { elements(a.value(0)?)? } else { Vec::new() };
    let union_operands = if op == code::SET_UNION { operands(a.value(0)?)? } else { Vec::new() };
    match &current {
        Some(_) if fl & CREATE_ONLY != 0 => return Applied::refused(fl & NO_FAIL != 0, CdtError::BinExists),
        None if fl & UPDATE_ONLY != 0 => return Applied::refused(fl & NO_FAIL != 0, CdtError::BinNotFound),
        _ => {}
    }
    let created = |ib: Option<u8>, mb: Option<u8>| -> Result<Shape, CdtError> {
        Ok(Shape { ib: ib.ok_or(CdtError::OpNotApplicable)?, mb: mb.unwrap_or(0) })
    };
    let (sketch, result) = match op {
        code::INIT => {
            let shape = match &current {
                None => created(ib, mb)?,
                Some(old) => Shape { ib: ib.unwrap_or(old.shape.ib), mb: mb.unwrap_or(old.shape.mb) },
            };
            if !hll_shape_ok(shape.ib, shape.mb) {
                return Err(CdtError::OpNotApplicable);
            }
            (Owned::empty(shape), CdtResult::None)
        }
        code::ADD => {
            let mut sketch = match &current {
                None => Owned::empty(created(ib, mb)?),
                Some(old) => old.to_owned_sketch(),
            };
            let added = elements.iter().filter(|e| sketch.add(e)).count();
            (sketch, CdtResult::Int(added as i64))
        }
        code::SET_UNION => {
            let mut all = union_operands;
            if let Some(old) = &current {
                let shape = template(&all);
                if fl & ALLOW_FOLD == 0 && (old.shape.ib > shape.ib || (old.shape.mb != 0 && old.shape.mb != shape.mb))
                {
                    return Err(CdtError::OpNotApplicable);
                }
                all.push(old.clone());
            }
            (union_of(&all), CdtResult::None)
        }
        code::REFRESH_COUNT => {
            let Some(old) = &current else { return Err(CdtError::BinNotFound) };
            let mut sketch = old.to_owned_sketch();
            sketch.cache = sketch.estimate();
            let count = sketch.cache as i64;
            (sketch, CdtResult::Int(count))
        }
        _ => {
            let Some(old) = &current else { return Err(CdtError::BinNotFound) };
            let target = ib.ok_or(CdtError::OpNotApplicable)?;
            if old.shape.mb > 0 || old.shape.ib < target {
                return Err(CdtError::OpNotApplicable);
            }
            if target == old.shape.ib {
                (old.to_owned_sketch(), CdtResult::None)
            } else {
                let mut folded = Owned::empty(Shape { ib: target, mb: 0 });
                folded.union(old);
                (folded, CdtResult::None)
            }
        }
    };
    Ok(Applied::wrote(sketch.to_value(), result))
}

/// A sketch of `ib` index and `mb` minhash bits holding `elements` (each one msgpack scalar),
/// in Aerospike's value format: for tests and tools that need an HLL value.
pub fn build(ib: u8, mb: u8, elements: &[&[u8]]) -> Result<Vec<u8>, CdtError> {
    if !hll_shape_ok(ib, mb) {
        return Err(CdtError::Parameter);
    }
    let mut sketch = Owned::empty(Shape { ib, mb });
    for e in elements {
        sketch.add(&compact_scalar(e)?);
    }
    Ok(sketch.to_value())
}

#[cfg(test)]
mod tests;

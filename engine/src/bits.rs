//! Bitwise operations on blob bins (PROTOCOL-DATA.md §B.1-B.3; Aerospike's `particle_blob.c`):
//! pure functions over the blob's bytes. Bits are numbered from the most significant bit of the
//! first byte; a negative offset counts from the end (bits, or bytes for INSERT/REMOVE).

use crate::cdt::args::{self, Args};
use crate::cdt::msgpack::{read_header, Header};
use crate::cdt::result::Applied;
use crate::cdt::{CdtError, CdtResult};

/// A blob a bit op makes must stay under this (Aerospike's PROTO_SIZE_MAX, 128 MiB).
pub const MAX_BLOB_BYTES: u64 = 128 << 20;

/// Op codes (§B.2).
pub mod code {
    #![allow(missing_docs)]
    pub const RESIZE: i64 = 0;
    pub const INSERT: i64 = 1;
    pub const REMOVE: i64 = 2;
    pub const SET: i64 = 3;
    pub const OR: i64 = 4;
    pub const XOR: i64 = 5;
    pub const AND: i64 = 6;
    pub const NOT: i64 = 7;
    pub const LSHIFT: i64 = 8;
    pub const RSHIFT: i64 = 9;
    pub const ADD: i64 = 10;
    pub const SUBTRACT: i64 = 11;
    pub const SET_INT: i64 = 12;
    pub const GET: i64 = 50;
    pub const COUNT: i64 = 51;
    pub const LSCAN: i64 = 52;
    pub const RSCAN: i64 = 53;
    pub const GET_INT: i64 = 54;
}

/// Write flag: the bin must not exist (6).
pub const CREATE_ONLY: u64 = 0x01;
/// Write flag: the bin must exist (17).
pub const UPDATE_ONLY: u64 = 0x02;
/// Write flag: a failure is a no-op.
pub const NO_FAIL: u64 = 0x04;
/// Write flag: an op running off the end is cut at the end.
pub const PARTIAL: u64 = 0x08;

/// Resize flag: grow or shrink at the front.
pub const RESIZE_FROM_FRONT: u64 = 0x01;
/// Resize flag: only grow.
pub const RESIZE_GROW_ONLY: u64 = 0x02;
/// Resize flag: only shrink.
pub const RESIZE_SHRINK_ONLY: u64 = 0x04;

/// Integer flag: the field is two's complement.
pub const INT_SIGNED: u64 = 0x01;
/// Overflow action: clamp to the field's range.
pub const INT_SATURATE: u64 = 0x02;
/// Overflow action: wrap around.
pub const INT_WRAP: u64 = 0x04;

/// True for bit read op codes (BITS_READ, op type 12).
pub fn is_read(op: i64) -> bool {
    (code::GET..=code::GET_INT).contains(&op)
}

/// The particle type of a blob bin; bit ops work on no other.
pub const BLOB_PARTICLE: u8 = 4;

/// Runs bit op `payload` (`[code, args...]`) of class `read` on `bin` (its particle type and
/// bytes; `None` if the record has no such bin). Checks come in Aerospike's order
/// (`particle_blob.c`): the payload (4), CREATE_ONLY (6), the bin's type (12), a missing bin
/// (17), then the op's own ranges.
pub fn apply(read: bool, payload: &[u8], bin: Option<(u8, &[u8])>) -> Result<Applied, CdtError> {
    // A read of a missing bin answers nothing, whatever it asks.
    if read && bin.is_none() {
        return Ok(Applied::read(CdtResult::None));
    }
    let parsed = args::parse(payload)?;
    // A context is not a bit op: the server reads 0xFF as the op code.
    if !parsed.context.is_empty() {
        return Err(CdtError::Parameter);
    }
    let op = parsed.code;
    if is_read(op) != read || !(is_read(op) || (code::RESIZE..=code::SET_INT).contains(&op)) {
        return Err(CdtError::Parameter);
    }
    if read {
        let Some((particle, blob)) = bin else { unreachable!("a missing bin answered above") };
        let a = read_args(op, &parsed.args)?;
        if particle != BLOB_PARTICLE {
            return Err(CdtError::IncompatibleType);
        }
        return Ok(Applied::read(read_op(op, &a, blob)?));
    }
    let (min, max, allowed) = match op {
        code::RESIZE => (1, 3, CREATE_ONLY | UPDATE_ONLY | NO_FAIL),
        code::INSERT => (2, 3, CREATE_ONLY | UPDATE_ONLY | NO_FAIL),
        code::REMOVE => (2, 3, UPDATE_ONLY | NO_FAIL | PARTIAL),
        code::SET | code::OR | code::XOR | code::AND | code::LSHIFT | code::RSHIFT => {
            (3, 4, UPDATE_ONLY | NO_FAIL | PARTIAL)
        }
        code::NOT => (2, 3, UPDATE_ONLY | NO_FAIL | PARTIAL),
        code::ADD | code::SUBTRACT => (3, 5, UPDATE_ONLY | NO_FAIL),
        _ => (3, 4, UPDATE_ONLY | NO_FAIL),
    };
    let a = Args::new(&parsed.args, min, max)?;
    let flags_at = match op {
        code::RESIZE => 1,
        code::INSERT | code::REMOVE | code::NOT => 2,
        _ => 3,
    };
    let flags = a.uint_or(flags_at, 0)?;
    if flags & !allowed != 0 || flags & (CREATE_ONLY | UPDATE_ONLY) == CREATE_ONLY | UPDATE_ONLY {
        return Err(CdtError::Parameter);
    }
    match bin {
        Some(_) if flags & CREATE_ONLY != 0 => return Applied::refused(flags & NO_FAIL != 0, CdtError::BinExists),
        Some((particle, _)) if particle != BLOB_PARTICLE => return Err(CdtError::IncompatibleType),
        None if flags & UPDATE_ONLY != 0 => return Applied::refused(flags & NO_FAIL != 0, CdtError::BinNotFound),
        // Only RESIZE and INSERT make a missing bin.
        None if op != code::RESIZE && op != code::INSERT => {
            return Applied::refused(flags & NO_FAIL != 0, CdtError::BinNotFound)
        }
        _ => {}
    }
    let mut blob = bin.map_or_else(Vec::new, |(_, bytes)| bytes.to_vec());
    match modify(op, &a, flags, &mut blob) {
        // Resizing a missing bin to nothing makes no bin.
        Ok(()) if bin.is_none() && blob.is_empty() => Ok(Applied::read(CdtResult::None)),
        Ok(()) => Ok(Applied::wrote(blob, CdtResult::None)),
        Err(Refusal::Soft(e)) => Applied::refused(flags & NO_FAIL != 0, e),
        Err(Refusal::Hard(e)) => Err(e),
    }
}

/// Why a modify did not happen: a malformed argument is always an error (hard); a range, a
/// resize direction or an overflow is a no-op under NO_FAIL (soft).
enum Refusal {
    Hard(CdtError),
    Soft(CdtError),
}

impl From<CdtError> for Refusal {
    fn from(e: CdtError) -> Refusal {
        Refusal::Hard(e)
    }
}

/// The bytes of a blob argument (its as_bytes type byte skipped).
fn bytes_arg<'a>(a: &Args<'a, '_>, i: usize) -> Result<&'a [u8], CdtError> {
    match read_header(a.value(i)?, 0)?.0 {
        Header::Bytes { data, .. } => Ok(data),
        _ => Err(CdtError::Parameter),
    }
}

/// A bool argument.
fn bool_arg(a: &Args<'_, '_>, i: usize) -> Result<bool, CdtError> {
    match read_header(a.value(i)?, 0)?.0 {
        Header::Bool(v) => Ok(v),
        _ => Err(CdtError::Parameter),
    }
}

/// The bit range `[start, start + size)` an offset and size name in a blob of `total` bits:
/// a negative offset counts from the end (before the start → 4); starting at or after the end
/// → 26; running past the end → 26, or cut at the end when `partial`.
fn bit_range(offset: i64, size: u64, total: u64, partial: bool) -> Result<(u64, u64), Refusal> {
    let start = if offset < 0 { total as i128 + i128::from(offset) } else { i128::from(offset) };
    if start < 0 || size == 0 || size >= MAX_BLOB_BYTES * 8 || start >= i128::from(MAX_BLOB_BYTES * 8) {
        return Err(Refusal::Hard(CdtError::Parameter));
    }
    let start = start as u64;
    if start >= total {
        return Err(Refusal::Soft(CdtError::OpNotApplicable));
    }
    if start + size > total {
        if !partial {
            return Err(Refusal::Soft(CdtError::OpNotApplicable));
        }
        return Ok((start, total - start));
    }
    Ok((start, size))
}

fn get_bit(blob: &[u8], i: u64) -> bool {
    blob[(i / 8) as usize] & (0x80 >> (i % 8)) != 0
}

fn set_bit(blob: &mut [u8], i: u64, v: bool) {
    let mask = 0x80 >> (i % 8);
    let byte = &mut blob[(i / 8) as usize];
    if v {
        *byte |= mask;
    } else {
        *byte &= !mask;
    }
}

/// The field `[start, start + size)` (1 to 64 bits) as an unsigned number.
fn read_field(blob: &[u8], start: u64, size: u64) -> u64 {
    (start..start + size).fold(0u64, |acc, i| (acc << 1) | u64::from(get_bit(blob, i)))
}

fn write_field(blob: &mut [u8], start: u64, size: u64, value: u64) {
    for k in 0..size {
        set_bit(blob, start + k, (value >> (size - 1 - k)) & 1 != 0);
    }
}

fn int_size(a: &Args<'_, '_>, i: usize) -> Result<u64, CdtError> {
    let size = a.uint_or(i, 0)?;
    if !(1..=64).contains(&size) {
        return Err(CdtError::Parameter);
    }
    Ok(size)
}

fn read_args<'a, 'b>(op: i64, raw: &'b [&'a [u8]]) -> Result<Args<'a, 'b>, CdtError> {
    let (min, max) = match op {
        code::GET | code::COUNT => (2, 2),
        code::LSCAN | code::RSCAN => (3, 3),
        _ => (2, 3),
    };
    Args::new(raw, min, max)
}

fn read_op(op: i64, a: &Args<'_, '_>, blob: &[u8]) -> Result<CdtResult, CdtError> {
    let a = *a;
    let total = blob.len() as u64 * 8;
    let offset = a.int(0)?;
    let size = if op == code::GET_INT { int_size(&a, 1)? } else { a.uint_or(1, 0)? };
    let (start, size) = bit_range(offset, size, total, false).map_err(|r| match r {
        Refusal::Hard(e) | Refusal::Soft(e) => e,
    })?;
    Ok(match op {
        code::GET => {
            let mut out = vec![0u8; size.div_ceil(8) as usize];
            for k in 0..size {
                set_bit(&mut out, k, get_bit(blob, start + k));
            }
            let mut packed = Vec::with_capacity(out.len() + 6);
            crate::cdt::msgpack::pack_bytes(&mut packed, crate::cdt::msgpack::BYTES_BLOB, &out);
            CdtResult::Element(packed)
        }
        code::COUNT => CdtResult::Int((start..start + size).filter(|&i| get_bit(blob, i)).count() as i64),
        code::LSCAN | code::RSCAN => {
            let want = bool_arg(&a, 2)?;
            let found = if op == code::LSCAN {
                (0..size).find(|&k| get_bit(blob, start + k) == want)
            } else {
                (0..size).rev().find(|&k| get_bit(blob, start + k) == want)
            };
            CdtResult::Int(found.map_or(-1, |k| k as i64))
        }
        _ => {
            let sign = a.uint_or(2, 0)?;
            if sign & !INT_SIGNED != 0 {
                return Err(CdtError::Parameter);
            }
            let raw = read_field(blob, start, size);
            let value = if sign & INT_SIGNED != 0 && size < 64 && raw >> (size - 1) & 1 != 0 {
                (raw | (u64::MAX << size)) as i64
            } else {
                raw as i64
            };
            CdtResult::Int(value)
        }
    })
}

fn modify(op: i64, a: &Args<'_, '_>, flags: u64, blob: &mut Vec<u8>) -> Result<(), Refusal> {
    let partial = flags & PARTIAL != 0;
    let total = blob.len() as u64 * 8;
    match op {
        code::RESIZE => {
            let size = a.uint_or(0, 0)?;
            let resize = a.uint_or(2, 0)?;
            if resize & !(RESIZE_FROM_FRONT | RESIZE_GROW_ONLY | RESIZE_SHRINK_ONLY) != 0
                || resize & (RESIZE_GROW_ONLY | RESIZE_SHRINK_ONLY) == RESIZE_GROW_ONLY | RESIZE_SHRINK_ONLY
                || size >= MAX_BLOB_BYTES
            {
                return Err(Refusal::Hard(CdtError::Parameter));
            }
            let current = blob.len() as u64;
            if (resize & RESIZE_GROW_ONLY != 0 && size < current)
                || (resize & RESIZE_SHRINK_ONLY != 0 && size > current)
            {
                return Err(Refusal::Soft(CdtError::Parameter));
            }
            let size = size as usize;
            if resize & RESIZE_FROM_FRONT != 0 {
                if size >= blob.len() {
                    let grow = size - blob.len();
                    blob.splice(0..0, std::iter::repeat_n(0u8, grow));
                } else {
                    let cut = blob.len() - size;
                    blob.drain(..cut);
                }
            } else {
                blob.resize(size, 0);
            }
        }
        code::INSERT => {
            let offset = byte_offset(a.int(0)?, blob.len())?;
            let data = bytes_arg(a, 1)?;
            if data.is_empty() || offset as u64 + data.len() as u64 >= MAX_BLOB_BYTES {
                return Err(Refusal::Hard(CdtError::Parameter));
            }
            if offset > blob.len() {
                blob.resize(offset, 0);
            }
            blob.splice(offset..offset, data.iter().copied());
        }
        code::REMOVE => {
            let offset = byte_offset(a.int(0)?, blob.len())?;
            let size = a.uint_or(1, 0)?;
            if size == 0 {
                return Err(Refusal::Hard(CdtError::Parameter));
            }
            let end = offset as u64 + size;
            if end > blob.len() as u64 {
                if !partial || offset >= blob.len() {
                    return Err(Refusal::Soft(CdtError::Parameter));
                }
                blob.truncate(offset);
            } else {
                blob.drain(offset..end as usize);
            }
        }
        code::SET | code::OR | code::XOR | code::AND => {
            let size = a.uint_or(1, 0)?;
            let data = bytes_arg(a, 2)?;
            if (data.len() as u64) * 8 < size {
                return Err(Refusal::Hard(CdtError::Parameter));
            }
            let (start, size) = bit_range(a.int(0)?, size, total, partial)?;
            for k in 0..size {
                let operand = get_bit(data, k);
                let here = get_bit(blob, start + k);
                let v = match op {
                    code::SET => operand,
                    code::OR => here | operand,
                    code::XOR => here ^ operand,
                    _ => here & operand,
                };
                set_bit(blob, start + k, v);
            }
        }
        code::NOT => {
            let (start, size) = bit_range(a.int(0)?, a.uint_or(1, 0)?, total, partial)?;
            for i in start..start + size {
                let v = get_bit(blob, i);
                set_bit(blob, i, !v);
            }
        }
        code::LSHIFT | code::RSHIFT => {
            let (start, size) = bit_range(a.int(0)?, a.uint_or(1, 0)?, total, partial)?;
            let shift = a.uint_or(2, 0)?.min(size);
            let window: Vec<bool> = (start..start + size).map(|i| get_bit(blob, i)).collect();
            for k in 0..size {
                let from = if op == code::LSHIFT { k.checked_add(shift) } else { k.checked_sub(shift) };
                let v = from.filter(|&f| f < size).is_some_and(|f| window[f as usize]);
                set_bit(blob, start + k, v);
            }
        }
        code::ADD | code::SUBTRACT => {
            let size = int_size(a, 1)?;
            let value = a.uint_or(2, 0)?;
            let action = a.uint_or(4, 0)?;
            if action & !(INT_SIGNED | INT_SATURATE | INT_WRAP) != 0
                || action & (INT_SATURATE | INT_WRAP) == INT_SATURATE | INT_WRAP
            {
                return Err(Refusal::Hard(CdtError::Parameter));
            }
            let (start, size) = bit_range(a.int(0)?, size, total, false)?;
            let current = read_field(blob, start, size);
            let new = add_in_field(current, value, size, op == code::SUBTRACT, action).map_err(Refusal::Soft)?;
            write_field(blob, start, size, new);
        }
        _ => {
            let size = int_size(a, 1)?;
            let value = args::int(a.value(2)?)? as u64;
            let (start, size) = bit_range(a.int(0)?, size, total, false)?;
            write_field(blob, start, size, value);
        }
    }
    Ok(())
}

/// A byte offset for INSERT/REMOVE: negative counts from the end (before the start → 4).
fn byte_offset(offset: i64, len: usize) -> Result<usize, CdtError> {
    let at = if offset < 0 { len as i128 + i128::from(offset) } else { i128::from(offset) };
    if at < 0 || at > i128::from(MAX_BLOB_BYTES) {
        return Err(CdtError::Parameter);
    }
    Ok(at as usize)
}

/// `current ± value` in a field of `size` bits, unsigned or (SIGNED) two's complement; on
/// overflow: 26 (the default action), clamped (SATURATE) or wrapped (WRAP).
fn add_in_field(current: u64, value: u64, size: u64, subtract: bool, action: u64) -> Result<u64, CdtError> {
    let mask = if size == 64 { u64::MAX } else { (1u64 << size) - 1 };
    if action & INT_SIGNED != 0 {
        let min = -(1i128 << (size - 1));
        let max = (1i128 << (size - 1)) - 1;
        let as_signed = |raw: u64| -> i128 {
            if size < 64 && raw >> (size - 1) & 1 != 0 {
                i128::from(raw) - (1i128 << size)
            } else if size == 64 {
                i128::from(raw as i64)
            } else {
                i128::from(raw)
            }
        };
        let x = as_signed(current);
        let d = i128::from(value as i64);
        let sum = if subtract { x - d } else { x + d };
        let result = if sum < min || sum > max {
            if action & INT_SATURATE != 0 {
                sum.clamp(min, max)
            } else if action & INT_WRAP != 0 {
                sum
            } else {
                return Err(CdtError::OpNotApplicable);
            }
        } else {
            sum
        };
        return Ok((result as u64) & mask);
    }
    let x = i128::from(current);
    let d = i128::from(value);
    let sum = if subtract { x - d } else { x + d };
    let max = i128::from(mask);
    let result = if sum < 0 || sum > max {
        if action & INT_SATURATE != 0 {
            sum.clamp(0, max)
        } else if action & INT_WRAP != 0 {
            sum
        } else {
            return Err(CdtError::OpNotApplicable);
        }
    } else {
        sum
    };
    Ok((result as u64) & mask)
}

#[cfg(test)]
mod tests;

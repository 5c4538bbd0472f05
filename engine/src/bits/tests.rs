//! Bit ops by hand (expected values from PROTOCOL-DATA.md §B.2-§B.3).

use super::*;
use crate::cdt::msgpack::{pack_bool, pack_bytes, pack_int, pack_list_header};

fn payload(op: i64, args: &[Vec<u8>]) -> Vec<u8> {
    let mut out = Vec::new();
    pack_list_header(&mut out, 1 + args.len());
    pack_int(&mut out, op);
    args.iter().for_each(|a| out.extend_from_slice(a));
    out
}

fn int(v: i64) -> Vec<u8> {
    let mut out = Vec::new();
    pack_int(&mut out, v);
    out
}

fn blob(b: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    pack_bytes(&mut out, 4, b);
    out
}

fn boolean(v: bool) -> Vec<u8> {
    let mut out = Vec::new();
    pack_bool(&mut out, v);
    out
}

fn modify(op: i64, args: &[Vec<u8>], bin: Option<&[u8]>) -> Result<Option<Vec<u8>>, CdtError> {
    apply(false, &payload(op, args), bin.map(|b| (BLOB_PARTICLE, b))).map(|o| o.new)
}

fn read(op: i64, args: &[Vec<u8>], bin: &[u8]) -> Result<CdtResult, CdtError> {
    apply(true, &payload(op, args), Some((BLOB_PARTICLE, bin))).map(|o| o.result)
}

#[test]
fn resize_insert_remove() {
    assert_eq!(modify(code::RESIZE, &[int(3)], None), Ok(Some(vec![0, 0, 0])));
    assert_eq!(modify(code::RESIZE, &[int(1)], Some(&[1, 2])), Ok(Some(vec![1])));
    assert_eq!(modify(code::RESIZE, &[int(3), int(0), int(1)], Some(&[1, 2])), Ok(Some(vec![0, 1, 2])));
    assert_eq!(modify(code::RESIZE, &[int(1), int(0), int(2)], Some(&[1, 2])), Err(CdtError::Parameter));
    assert_eq!(modify(code::INSERT, &[int(1), blob(&[9])], Some(&[1, 2])), Ok(Some(vec![1, 9, 2])));
    assert_eq!(modify(code::INSERT, &[int(4), blob(&[9])], Some(&[1])), Ok(Some(vec![1, 0, 0, 0, 9])));
    assert_eq!(modify(code::REMOVE, &[int(-2), int(1)], Some(&[1, 2, 3])), Ok(Some(vec![1, 3])));
    assert_eq!(modify(code::REMOVE, &[int(1), int(5)], Some(&[1, 2, 3])), Err(CdtError::Parameter));
    assert_eq!(modify(code::REMOVE, &[int(1), int(5), int(PARTIAL as i64)], Some(&[1, 2, 3])), Ok(Some(vec![1])));
    // Only RESIZE and INSERT make a missing bin; flags check the bin.
    assert_eq!(modify(code::NOT, &[int(0), int(8)], None), Err(CdtError::BinNotFound));
    assert_eq!(modify(code::RESIZE, &[int(1), int(CREATE_ONLY as i64)], Some(&[1])), Err(CdtError::BinExists));
    assert_eq!(modify(code::RESIZE, &[int(1), int((CREATE_ONLY | NO_FAIL) as i64)], Some(&[1])), Ok(None));
    assert_eq!(modify(code::RESIZE, &[int(1), int(PARTIAL as i64)], Some(&[1])), Err(CdtError::Parameter));
    // NO_FAIL covers a refusal (a resize the wrong way, a range) but not a malformed argument.
    assert_eq!(modify(code::RESIZE, &[int(1), int(NO_FAIL as i64), int(2)], Some(&[1, 2])), Ok(None));
    assert_eq!(modify(code::NOT, &[int(8), int(1), int(NO_FAIL as i64)], Some(&[0])), Ok(None));
    assert_eq!(modify(code::NOT, &[int(0), int(0), int(NO_FAIL as i64)], Some(&[0])), Err(CdtError::Parameter));
    // Resizing a missing bin to nothing makes no bin.
    assert_eq!(modify(code::RESIZE, &[int(0)], None), Ok(None));
}

#[test]
fn set_or_xor_and_not_shift() {
    // Bits count from the most significant bit of byte 0.
    assert_eq!(modify(code::SET, &[int(4), int(8), blob(&[0xAB])], Some(&[0x00, 0x00])), Ok(Some(vec![0x0A, 0xB0])));
    assert_eq!(modify(code::OR, &[int(0), int(8), blob(&[0x0F])], Some(&[0xF0])), Ok(Some(vec![0xFF])));
    assert_eq!(modify(code::XOR, &[int(0), int(8), blob(&[0xFF])], Some(&[0xF0])), Ok(Some(vec![0x0F])));
    assert_eq!(modify(code::AND, &[int(-8), int(8), blob(&[0x3C])], Some(&[0xFF, 0xF0])), Ok(Some(vec![0xFF, 0x30])));
    assert_eq!(modify(code::NOT, &[int(0), int(4)], Some(&[0x0F])), Ok(Some(vec![0xFF])));
    assert_eq!(modify(code::LSHIFT, &[int(0), int(8), int(2)], Some(&[0b0110_0001])), Ok(Some(vec![0b1000_0100])));
    assert_eq!(modify(code::RSHIFT, &[int(0), int(8), int(3)], Some(&[0b1000_0001])), Ok(Some(vec![0b0001_0000])));
    // Out of the blob: 26, or cut at the end with PARTIAL; too few operand bits: 4.
    assert_eq!(modify(code::NOT, &[int(8), int(1)], Some(&[0])), Err(CdtError::OpNotApplicable));
    assert_eq!(modify(code::NOT, &[int(4), int(8)], Some(&[0])), Err(CdtError::OpNotApplicable));
    assert_eq!(modify(code::NOT, &[int(4), int(8), int(PARTIAL as i64)], Some(&[0])), Ok(Some(vec![0x0F])));
    assert_eq!(modify(code::SET, &[int(0), int(16), blob(&[1])], Some(&[0, 0])), Err(CdtError::Parameter));
    assert_eq!(modify(code::NOT, &[int(-9), int(1)], Some(&[0])), Err(CdtError::Parameter));
}

#[test]
fn integers_in_bit_fields() {
    assert_eq!(modify(code::ADD, &[int(0), int(8), int(5)], Some(&[250])), Ok(Some(vec![255])));
    assert_eq!(modify(code::ADD, &[int(0), int(8), int(6)], Some(&[250])), Err(CdtError::OpNotApplicable));
    assert_eq!(
        modify(code::ADD, &[int(0), int(8), int(6), int(0), int(INT_SATURATE as i64)], Some(&[250])),
        Ok(Some(vec![255]))
    );
    assert_eq!(
        modify(code::ADD, &[int(0), int(8), int(6), int(0), int(INT_WRAP as i64)], Some(&[250])),
        Ok(Some(vec![0]))
    );
    assert_eq!(
        modify(code::SUBTRACT, &[int(0), int(8), int(1), int(0), int(INT_SIGNED as i64)], Some(&[0x80])),
        Err(CdtError::OpNotApplicable)
    );
    assert_eq!(
        modify(
            code::SUBTRACT,
            &[int(0), int(8), int(1), int(0), int((INT_SIGNED | INT_SATURATE) as i64)],
            Some(&[0x80])
        ),
        Ok(Some(vec![0x80]))
    );
    assert_eq!(modify(code::ADD, &[int(0), int(8), int(1), int(0), int(6)], Some(&[0])), Err(CdtError::Parameter));
    assert_eq!(modify(code::SET_INT, &[int(4), int(8), int(0xAB)], Some(&[0, 0])), Ok(Some(vec![0x0A, 0xB0])));
    assert_eq!(modify(code::ADD, &[int(0), int(65), int(1)], Some(&[0; 9])), Err(CdtError::Parameter));
}

#[test]
fn reads() {
    let bin = [0b0101_0000, 0xFF];
    assert_eq!(read(code::COUNT, &[int(0), int(16)], &bin), Ok(CdtResult::Int(10)));
    assert_eq!(read(code::LSCAN, &[int(0), int(16), boolean(true)], &bin), Ok(CdtResult::Int(1)));
    assert_eq!(read(code::RSCAN, &[int(0), int(8), boolean(true)], &bin), Ok(CdtResult::Int(3)));
    assert_eq!(read(code::LSCAN, &[int(4), int(4), boolean(true)], &bin), Ok(CdtResult::Int(-1)));
    assert_eq!(read(code::GET_INT, &[int(8), int(8)], &bin), Ok(CdtResult::Int(255)));
    assert_eq!(read(code::GET_INT, &[int(8), int(8), int(1)], &bin), Ok(CdtResult::Int(-1)));
    assert_eq!(read(code::GET_INT, &[int(1), int(3)], &bin), Ok(CdtResult::Int(0b101)));
    let mut got = Vec::new();
    pack_bytes(&mut got, 4, &[0b1010_0000]);
    assert_eq!(read(code::GET, &[int(1), int(3)], &bin), Ok(CdtResult::Element(got)));
    assert_eq!(read(code::GET, &[int(12), int(8)], &bin), Err(CdtError::OpNotApplicable));
    // A missing bin reads as nothing; a modify code in a read is 4.
    assert_eq!(apply(true, &payload(code::COUNT, &[int(0), int(1)]), None).map(|o| o.result), Ok(CdtResult::None));
    assert_eq!(
        apply(true, &payload(code::NOT, &[int(0), int(1)]), Some((BLOB_PARTICLE, &bin[..]))),
        Err(CdtError::Parameter)
    );
    // A missing bin is not even checked; a bin of another type is 12 once the payload parsed.
    assert_eq!(apply(true, &payload(99, &[]), None).map(|o| o.result), Ok(CdtResult::None));
    assert_eq!(
        apply(true, &payload(code::COUNT, &[int(0), int(8)]), Some((1, &[0; 8]))),
        Err(CdtError::IncompatibleType)
    );
    assert_eq!(apply(true, &payload(code::COUNT, &[int(0)]), Some((1, &[0; 8]))), Err(CdtError::Parameter));
    // A zero-bit window is malformed.
    assert_eq!(read(code::COUNT, &[int(0), int(0)], &bin), Err(CdtError::Parameter));
}

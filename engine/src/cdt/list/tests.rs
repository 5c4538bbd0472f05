//! List ops on small lists, by hand (expected values from PROTOCOL-DATA.md §A.2, §A.4, §A.7),
//! and a seeded model test: random op sequences against a `Vec<i64>` model.

use super::*;
use crate::cdt::msgpack::{pack_bytes, pack_int, pack_list_header};

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

fn list_of(items: &[Vec<u8>]) -> Vec<u8> {
    let mut out = Vec::new();
    pack_list_header(&mut out, items.len());
    for item in items {
        out.extend_from_slice(item);
    }
    out
}

fn ints(values: &[i64]) -> Vec<u8> {
    list_of(&values.iter().map(|&v| int(v)).collect::<Vec<_>>())
}

fn ordered(values: &[i64]) -> Vec<u8> {
    let mut out = Vec::new();
    pack_list_header(&mut out, values.len() + 1);
    msgpack::pack_metadata(&mut out, ORDERED);
    for &v in values {
        pack_int(&mut out, v);
    }
    out
}

/// Runs `op` with `args` on `bin`; returns the new list (or the old if unchanged) and result.
fn run(op: i64, args: &[Vec<u8>], bin: Option<&[u8]>) -> Result<(Option<Vec<u8>>, CdtResult), CdtError> {
    let args: Vec<&[u8]> = args.iter().map(Vec::as_slice).collect();
    let applied = apply(op, &args, bin)?;
    Ok((applied.new, applied.result))
}

#[test]
fn append_insert_set_and_their_results() {
    let bin = ints(&[1, 2]);
    assert_eq!(run(code::APPEND, &[int(3)], Some(&bin)), Ok((Some(ints(&[1, 2, 3])), CdtResult::Int(3))));
    assert_eq!(run(code::APPEND, &[int(7)], None), Ok((Some(ints(&[7])), CdtResult::Int(1))));
    // Appending to a missing bin with create flags ORDERED makes an ordered list.
    assert_eq!(run(code::APPEND, &[int(7), int(1), int(0)], None).unwrap().0, Some(ordered(&[7])));
    assert_eq!(
        run(code::APPEND_ITEMS, &[ints(&[5, 6])], Some(&bin)),
        Ok((Some(ints(&[1, 2, 5, 6])), CdtResult::Int(4)))
    );
    assert_eq!(run(code::INSERT, &[int(1), int(9)], Some(&bin)), Ok((Some(ints(&[1, 9, 2])), CdtResult::Int(3))));
    assert_eq!(run(code::INSERT, &[int(-1), int(9)], Some(&bin)).unwrap().0, Some(ints(&[1, 9, 2])));
    // Past the end: padded with nils; bounded: refused.
    let padded = list_of(&[int(1), int(2), vec![0xc0], int(9)]);
    assert_eq!(run(code::INSERT, &[int(3), int(9)], Some(&bin)).unwrap().0, Some(padded.clone()));
    assert_eq!(run(code::INSERT, &[int(3), int(9), int(2)], Some(&bin)), Err(CdtError::OpNotApplicable));
    assert_eq!(run(code::INSERT, &[int(-3), int(9)], Some(&bin)), Err(CdtError::OpNotApplicable));
    assert_eq!(run(code::SET, &[int(3), int(9)], Some(&bin)).unwrap().0, Some(padded));
    assert_eq!(run(code::SET, &[int(0), int(9)], Some(&bin)), Ok((Some(ints(&[9, 2])), CdtResult::None)));
    // Insert and set refuse an ordered list.
    assert_eq!(run(code::INSERT, &[int(0), int(9)], Some(&ordered(&[1]))), Err(CdtError::OpNotApplicable));
    assert_eq!(run(code::SET, &[int(0), int(9)], Some(&ordered(&[1]))), Err(CdtError::OpNotApplicable));
    // An ordered list appends in value order.
    assert_eq!(run(code::APPEND, &[int(2)], Some(&ordered(&[1, 3]))).unwrap().0, Some(ordered(&[1, 2, 3])));
}

#[test]
fn add_unique_no_fail_and_partial() {
    let bin = ints(&[1, 2]);
    assert_eq!(run(code::APPEND, &[int(2), int(0), int(1)], Some(&bin)), Err(CdtError::ElementExists));
    assert_eq!(run(code::APPEND, &[int(2), int(0), int(5)], Some(&bin)).unwrap().1, CdtResult::Int(2));
    assert_eq!(run(code::APPEND_ITEMS, &[ints(&[2, 3]), int(0), int(1)], Some(&bin)), Err(CdtError::ElementExists));
    assert_eq!(
        run(code::APPEND_ITEMS, &[ints(&[2, 3]), int(0), int(1 | 4 | 8)], Some(&bin)),
        Ok((Some(ints(&[1, 2, 3])), CdtResult::Int(3)))
    );
    assert_eq!(run(code::APPEND_ITEMS, &[ints(&[3, 3]), int(0), int(1)], Some(&bin)), Err(CdtError::OpNotApplicable));
    assert_eq!(
        run(code::APPEND_ITEMS, &[ints(&[3, 3]), int(0), int(1 | 4 | 8)], Some(&bin)).unwrap().0,
        Some(ints(&[1, 2, 3]))
    );
}

#[test]
fn pop_remove_trim_clear_sort() {
    let bin = ints(&[5, 6, 7, 8]);
    assert_eq!(run(code::POP, &[int(-1)], Some(&bin)), Ok((Some(ints(&[5, 6, 7])), CdtResult::Element(int(8)))));
    assert_eq!(run(code::POP, &[int(4)], Some(&bin)), Err(CdtError::OpNotApplicable));
    assert_eq!(
        run(code::POP_RANGE, &[int(1), int(2)], Some(&bin)),
        Ok((Some(ints(&[5, 8])), CdtResult::Element(ints(&[6, 7]))))
    );
    assert_eq!(run(code::REMOVE, &[int(0)], Some(&bin)), Ok((Some(ints(&[6, 7, 8])), CdtResult::Int(1))));
    assert_eq!(run(code::REMOVE_RANGE, &[int(2)], Some(&bin)), Ok((Some(ints(&[5, 6])), CdtResult::Int(2))));
    assert_eq!(run(code::TRIM, &[int(1), int(2)], Some(&bin)), Ok((Some(ints(&[6, 7])), CdtResult::Int(2))));
    assert_eq!(run(code::CLEAR, &[], Some(&bin)), Ok((Some(ints(&[])), CdtResult::None)));
    let unsorted = ints(&[3, 1, 2, 1]);
    assert_eq!(run(code::SORT, &[int(0)], Some(&unsorted)).unwrap().0, Some(ints(&[1, 1, 2, 3])));
    assert_eq!(run(code::SORT, &[int(1)], Some(&unsorted)).unwrap().0, Some(ints(&[3, 2, 1, 1])));
    assert_eq!(run(code::SORT, &[int(2)], Some(&unsorted)).unwrap().0, Some(ints(&[1, 2, 3])));
    // Removals on a missing bin do nothing.
    assert_eq!(run(code::POP, &[int(0)], None), Ok((None, CdtResult::None)));
}

#[test]
fn reads_by_index_rank_value_and_interval() {
    let bin = ints(&[7, 1, 5, 1, 9]);
    let some = Some(bin.as_slice());
    assert_eq!(run(code::SIZE, &[], some).unwrap().1, CdtResult::Int(5));
    assert_eq!(run(code::GET, &[int(-2)], some).unwrap().1, CdtResult::Element(int(1)));
    assert_eq!(run(code::GET, &[int(5)], some), Err(CdtError::OpNotApplicable));
    assert_eq!(run(code::GET_RANGE, &[int(-10), int(7)], some).unwrap().1, CdtResult::Element(ints(&[7, 1])));
    assert_eq!(run(code::GET_RANGE, &[int(9)], some).unwrap().1, CdtResult::Element(ints(&[])));
    // Value of rank 0 and of rank -1; index of rank 1 (the second 1).
    assert_eq!(run(code::GET_BY_RANK, &[int(7), int(0)], some).unwrap().1, CdtResult::Element(int(1)));
    assert_eq!(run(code::GET_BY_RANK, &[int(7), int(-1)], some).unwrap().1, CdtResult::Element(int(9)));
    assert_eq!(run(code::GET_BY_RANK, &[int(1), int(1)], some).unwrap().1, CdtResult::Int(3));
    // Ranks of indexes 0..2: 7 is rank 3, 1 is rank 0.
    assert_eq!(
        run(code::GET_BY_INDEX_RANGE, &[int(3), int(0), int(2)], some).unwrap().1,
        CdtResult::Element(ints(&[3, 0]))
    );
    // Rank range values of an unordered list come from the highest rank down when the range
    // lies nearer the smallest values (Aerospike's heap selection), else from the lowest up.
    assert_eq!(
        run(code::GET_BY_RANK_RANGE, &[int(7), int(0), int(3)], some).unwrap().1,
        CdtResult::Element(ints(&[5, 1, 1]))
    );
    assert_eq!(run(code::GET_BY_RANK_RANGE, &[int(7), int(3)], some).unwrap().1, CdtResult::Element(ints(&[7, 9])));
    // Ranks of a rank range are the block; indexes ascend; reverse indexes descend.
    assert_eq!(
        run(code::GET_BY_RANK_RANGE, &[int(3), int(1), int(2)], some).unwrap().1,
        CdtResult::Element(ints(&[1, 2]))
    );
    assert_eq!(run(code::GET_BY_RANK_RANGE, &[int(1), int(3)], some).unwrap().1, CdtResult::Element(ints(&[0, 4])));
    assert_eq!(run(code::GET_BY_RANK_RANGE, &[int(2), int(3)], some).unwrap().1, CdtResult::Element(ints(&[4, 0])));
    // An index block's reverse indexes ascend.
    assert_eq!(
        run(code::GET_BY_INDEX_RANGE, &[int(2), int(1), int(2)], some).unwrap().1,
        CdtResult::Element(ints(&[2, 3]))
    );
    assert_eq!(run(code::GET_ALL_BY_VALUE, &[int(1), int(1)], some).unwrap().1, CdtResult::Element(ints(&[1, 3])));
    assert_eq!(run(code::GET_ALL_BY_VALUE, &[int(5), int(1)], some).unwrap().1, CdtResult::Int(2));
    assert_eq!(run(code::GET_ALL_BY_VALUE, &[int(13), int(4)], some).unwrap().1, CdtResult::Bool(false));
    // [5, 9): 7 and 5, in index order.
    assert_eq!(
        run(code::GET_BY_VALUE_INTERVAL, &[int(7), int(5), int(9)], some).unwrap().1,
        CdtResult::Element(ints(&[7, 5]))
    );
    assert_eq!(run(code::GET_BY_VALUE_INTERVAL, &[int(7), int(6)], some).unwrap().1, CdtResult::Element(ints(&[7, 9])));
    assert_eq!(
        run(code::GET_ALL_BY_VALUE_LIST, &[int(7), ints(&[9, 7])], some).unwrap().1,
        CdtResult::Element(ints(&[7, 9]))
    );
    // Relative rank: 5 ranks 2 (two 1s below it); ranks 2+1.. are 7, 9.
    assert_eq!(
        run(code::GET_BY_VALUE_REL_RANK_RANGE, &[int(7), int(5), int(1)], some).unwrap().1,
        CdtResult::Element(ints(&[7, 9]))
    );
    assert_eq!(
        run(code::GET_BY_VALUE_REL_RANK_RANGE, &[int(7), int(5), int(-1), int(2)], some).unwrap().1,
        CdtResult::Element(ints(&[5, 1]))
    );
    // Inverted: everything but the 1s, in index order.
    assert_eq!(
        run(code::GET_ALL_BY_VALUE, &[int(7 | 0x10000), int(1)], some).unwrap().1,
        CdtResult::Element(ints(&[7, 5, 9]))
    );
    assert_eq!(run(code::GET_BY_INDEX, &[int(7 | 0x10000), int(1)], some), Err(CdtError::OpNotApplicable));
    // Map-only return types do not apply to lists.
    assert_eq!(run(code::GET_BY_INDEX, &[int(6), int(1)], some), Err(CdtError::OpNotApplicable));
    assert_eq!(run(code::GET_BY_INDEX_RANGE, &[int(8), int(1)], some), Err(CdtError::OpNotApplicable));
    // Strings rank after ints.
    let mixed = list_of(&[s("b"), int(3), s("a")]);
    assert_eq!(
        run(code::GET_BY_RANK_RANGE, &[int(7), int(0)], Some(&mixed)).unwrap().1,
        CdtResult::Element(list_of(&[s("b"), s("a"), int(3)]))
    );
    assert_eq!(run(code::SORT, &[int(0)], Some(&mixed)).unwrap().0, Some(list_of(&[int(3), s("a"), s("b")])));
}

#[test]
fn removes_by_selection() {
    let bin = ints(&[7, 1, 5, 1, 9]);
    assert_eq!(
        run(code::REMOVE_ALL_BY_VALUE, &[int(5), int(1)], Some(&bin)),
        Ok((Some(ints(&[7, 5, 9])), CdtResult::Int(2)))
    );
    assert_eq!(
        run(code::REMOVE_BY_RANK_RANGE, &[int(7), int(-2)], Some(&bin)),
        Ok((Some(ints(&[1, 5, 1])), CdtResult::Element(ints(&[7, 9]))))
    );
    assert_eq!(
        run(code::REMOVE_BY_VALUE_INTERVAL, &[int(0x10000 | 5), int(1), int(6)], Some(&bin)),
        Ok((Some(ints(&[1, 5, 1])), CdtResult::Int(2)))
    );
    assert_eq!(
        run(code::REMOVE_BY_INDEX, &[int(1), int(-1)], Some(&bin)),
        Ok((Some(ints(&[7, 1, 5, 1])), CdtResult::Int(4)))
    );
}

#[test]
fn increment_and_set_type() {
    let bin = ints(&[1, 2]);
    assert_eq!(
        run(code::INCREMENT, &[int(1), int(5)], Some(&bin)),
        Ok((Some(ints(&[1, 7])), CdtResult::Element(int(7))))
    );
    assert_eq!(run(code::INCREMENT, &[int(0)], Some(&bin)).unwrap().1, CdtResult::Element(int(2)));
    assert_eq!(run(code::INCREMENT, &[int(0), s("x")], Some(&bin)), Err(CdtError::Parameter));
    assert_eq!(run(code::INCREMENT, &[int(0)], Some(&list_of(&[s("x")]))), Err(CdtError::Parameter));
    assert_eq!(run(code::SET_TYPE, &[int(1)], Some(&ints(&[3, 1, 2]))).unwrap().0, Some(ordered(&[1, 2, 3])));
    assert_eq!(run(code::SET_TYPE, &[int(0)], Some(&ordered(&[1, 2]))).unwrap().0, Some(ints(&[1, 2])));
    assert_eq!(run(code::SET_TYPE, &[int(2)], Some(&bin)), Err(CdtError::OpNotApplicable));
    // A double delta on an int element is truncated toward zero; the element's type wins.
    assert_eq!(
        run(code::INCREMENT, &[int(0), vec![0xcb, 0x3f, 0xfe, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66]], Some(&bin))
            .unwrap()
            .1,
        CdtResult::Element(int(2))
    );
    // Past the end: an unordered list pads, an ordered one refuses.
    assert_eq!(
        run(code::INCREMENT, &[int(3), int(4)], Some(&bin)).unwrap().0,
        Some(list_of(&[int(1), int(2), vec![0xc0], int(4)]))
    );
    assert_eq!(run(code::INCREMENT, &[int(3), int(4)], Some(&ordered(&[1]))), Err(CdtError::OpNotApplicable));
    assert_eq!(run(code::INCREMENT, &[int(1), int(4)], Some(&ordered(&[1]))).unwrap().0, Some(ordered(&[1, 4])));
    assert_eq!(run(code::INCREMENT, &[int(0), int(9)], Some(&ordered(&[1, 5]))).unwrap().0, Some(ordered(&[5, 10])));
    // Sorting a missing bin is a type error.
    assert_eq!(run(code::SORT, &[int(0)], None), Err(CdtError::IncompatibleType));
}

#[test]
fn hostile_payloads_are_errors_not_panics() {
    let bin = ints(&[1, 2]);
    // Wrong argument counts and kinds.
    assert_eq!(run(code::APPEND, &[], Some(&bin)), Err(CdtError::Parameter));
    assert_eq!(run(code::GET, &[s("x")], Some(&bin)), Err(CdtError::Parameter));
    assert_eq!(run(99, &[], Some(&bin)), Err(CdtError::Parameter));
    // A stored value may not hold a WILDCARD.
    assert_eq!(run(code::APPEND, &[vec![0xd4, 0xff, 0x00]], Some(&bin)), Err(CdtError::Parameter));
    // A bin whose count lies.
    assert_eq!(run(code::SIZE, &[], Some(&[0xdd, 0xff, 0xff, 0xff, 0xff, 0x01])), Err(CdtError::Parameter));
    // Every truncation of a valid list fails cleanly.
    let full = list_of(&[s("abc"), ints(&[1, 2, 3]), int(300)]);
    for cut in 0..full.len() {
        assert!(run(code::SIZE, &[], Some(&full[..cut])).is_err());
    }
}

/// A tiny deterministic generator (xorshift).
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    fn below(&mut self, n: u64) -> i64 {
        (self.next() % n) as i64
    }
}

/// The model's view of a range (§A.7), written independently of `range`.
fn model_range(index: i64, count: Option<u64>, size: usize) -> (usize, usize) {
    let size = size as i64;
    let (mut start, mut count) = (index, count.map_or(i64::MAX / 2, |c| c as i64));
    if start < 0 {
        start += size;
    }
    if start < 0 {
        count = (count + start).max(0);
        start = 0;
    }
    let start = start.min(size);
    (start as usize, (start + count).min(size) as usize)
}

#[test]
fn random_sequences_match_a_vec_model() {
    for seed in 1..=20u64 {
        let mut rng = Rng(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1);
        let mut model: Vec<i64> = Vec::new();
        let mut bin: Option<Vec<u8>> = None;
        for step in 0..400 {
            let which = rng.below(9);
            let index = rng.below(12) - 6;
            let value = rng.below(10);
            let count = rng.below(4) as u64;
            let (op, args): (i64, Vec<Vec<u8>>) = match which {
                0 => (code::APPEND, vec![int(value)]),
                1 => (code::INSERT, vec![int(index), int(value)]),
                2 => (code::REMOVE_RANGE, vec![int(index), int(count as i64)]),
                3 => (code::GET_RANGE, vec![int(index), int(count as i64)]),
                4 => (code::REMOVE_ALL_BY_VALUE, vec![int(5), int(value)]),
                5 => (code::GET_BY_RANK_RANGE, vec![int(7), int(index), int(count as i64)]),
                6 => (code::GET_BY_VALUE_INTERVAL, vec![int(7), int(value), int(value + 3)]),
                7 => (code::INCREMENT, vec![int(index), int(value)]),
                _ => (code::SIZE, vec![]),
            };
            let got = run(op, &args, bin.as_deref());
            let size = model.len();
            let expected: Result<CdtResult, CdtError> = match which {
                0 => {
                    model.push(value);
                    Ok(CdtResult::Int(model.len() as i64))
                }
                1 => {
                    let at = if index < 0 { size as i64 + index } else { index };
                    if at < 0 {
                        Err(CdtError::OpNotApplicable)
                    } else {
                        let at = at as usize;
                        if at > size {
                            // Nil padding cannot be modelled by i64s: stay in range instead.
                            continue;
                        }
                        model.insert(at, value);
                        Ok(CdtResult::Int(model.len() as i64))
                    }
                }
                2 => {
                    let (from, to) = model_range(index, Some(count), size);
                    model.drain(from..to);
                    Ok(CdtResult::Int((to - from) as i64))
                }
                3 => {
                    let (from, to) = model_range(index, Some(count), size);
                    Ok(CdtResult::Element(ints(&model[from..to])))
                }
                4 => {
                    let before = model.len();
                    model.retain(|&v| v != value);
                    Ok(CdtResult::Int((before - model.len()) as i64))
                }
                5 => {
                    let mut sorted = model.clone();
                    sorted.sort();
                    let (from, to) = model_range(index, Some(count), size);
                    let mut picked = sorted[from..to].to_vec();
                    // Nearer the smallest values: from the highest rank down (§A.4, heap order).
                    if from <= size - to {
                        picked.reverse();
                    }
                    Ok(CdtResult::Element(ints(&picked)))
                }
                6 => Ok(CdtResult::Element(ints(
                    &model.iter().copied().filter(|&v| v >= value && v < value + 3).collect::<Vec<_>>(),
                ))),
                7 => {
                    let at = if index < 0 { size as i64 + index } else { index };
                    if at < 0 {
                        Err(CdtError::OpNotApplicable)
                    } else if at as usize >= size {
                        continue;
                    } else {
                        model[at as usize] += value;
                        Ok(CdtResult::Element(int(model[at as usize])))
                    }
                }
                _ => Ok(CdtResult::Int(size as i64)),
            };
            // Reads and removals on a missing bin answer nothing.
            let expected = match (&bin, which) {
                (None, 2..=6) | (None, 8) => Ok(CdtResult::None),
                _ => expected,
            };
            match (&got, &expected) {
                (Ok((new, result)), Ok(want)) => {
                    assert_eq!(result, want, "seed {seed} step {step} op {op} {args:02x?}");
                    if let Some(new) = new {
                        bin = Some(new.clone());
                    }
                }
                _ => assert_eq!(got.clone().map(|r| r.1), expected, "seed {seed} step {step} op {op}"),
            }
            if let Some(bytes) = &bin {
                assert_eq!(bytes, &ints(&model), "seed {seed} step {step}: the stored list is the model");
            }
        }
    }
}

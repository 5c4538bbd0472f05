//! What list and map selections share (§A.4, §A.7): index and range arithmetic, and the two
//! shapes in which integer results (indexes, ranks) are emitted.
//!
//! Aerospike answers the integer return types in two shapes (from `particle_list.c` and
//! `cdt.c`, see docs/wire-protocol.md, "Lists"): a contiguous block `[s, s+c)` is emitted as
//! `s..s+c`, and its reverse form as `n-s-c..n-s` (ascending); a set of selected positions is
//! emitted in ascending order, and its reverse form as `n-1-i` for each (descending).

use std::ops::Range;

use super::CdtError;

/// The element a single index or rank names, or 26 if there is none.
pub fn single_index(index: i64, size: usize) -> Result<usize, CdtError> {
    let size = size as i64;
    let at = if index < 0 { size + index } else { index };
    if at < 0 || at >= size {
        return Err(CdtError::OpNotApplicable);
    }
    Ok(at as usize)
}

/// The range an `(index, count)` pair selects: clamped, never an error.
pub fn range(index: i64, count: Option<u64>, size: usize) -> Range<usize> {
    let size_i = size as i128;
    let mut start = i128::from(index);
    let mut count = count.map_or(i128::MAX, i128::from);
    if start < 0 {
        start += size_i;
        if start < 0 {
            // Clamped to the front; the overshoot comes off the count.
            count = count.saturating_add(start).max(0);
            start = 0;
        }
    }
    if start >= size_i {
        return size..size;
    }
    let end = start.saturating_add(count).min(size_i);
    start as usize..end as usize
}

/// Where an insert or set at `index` lands: `size + index` for a negative index (which must
/// not fall before the front).
pub fn insert_index(index: i64, size: usize) -> Result<usize, CdtError> {
    if index >= 0 {
        return usize::try_from(index).map_err(|_| CdtError::OpNotApplicable);
    }
    let at = size as i64 + index;
    if at < 0 {
        return Err(CdtError::OpNotApplicable);
    }
    Ok(at as usize)
}

/// How INDEX/RANK results (and their reverse forms) are emitted.
#[derive(Debug, Clone)]
pub enum Emission {
    /// Contiguous blocks `(start, count)`, in this order.
    Blocks(Vec<(usize, usize)>),
    /// Single positions, in this order.
    Each(Vec<usize>),
}

impl Emission {
    /// The integers, or their reverse forms, for a container of `size` elements.
    pub fn ints(&self, size: usize, reverse: bool) -> Vec<i64> {
        let n = size as i64;
        match self {
            Emission::Blocks(blocks) => blocks
                .iter()
                .flat_map(|&(s, c)| {
                    let (s, c) = (s as i64, c as i64);
                    if reverse {
                        n - s - c..n - s
                    } else {
                        s..s + c
                    }
                })
                .collect(),
            Emission::Each(each) => each.iter().map(|&i| if reverse { n - 1 - i as i64 } else { i as i64 }).collect(),
        }
    }
}

/// The complement of a set of ascending positions within `0..size`.
pub fn complement(selected: &[usize], size: usize) -> Vec<usize> {
    let mut chosen = vec![false; size];
    for &i in selected {
        chosen[i] = true;
    }
    (0..size).filter(|&i| !chosen[i]).collect()
}

/// The blocks of `0..size` not covered by `blocks` (which may overlap), ascending.
pub fn complement_blocks(blocks: &[(usize, usize)], size: usize) -> Vec<(usize, usize)> {
    let mut covered = vec![false; size];
    for &(s, c) in blocks {
        for flag in covered.iter_mut().skip(s).take(c) {
            *flag = true;
        }
    }
    let mut out = Vec::new();
    let mut i = 0;
    while i < size {
        if covered[i] {
            i += 1;
            continue;
        }
        let start = i;
        while i < size && !covered[i] {
            i += 1;
        }
        out.push((start, i - start));
    }
    out
}

/// The position (in `0..n`) that sorts `target`-th by `less_or_equal` order, ties broken by
/// position: a selection in O(n) on average instead of a sort. `compare(a, b)` compares the
/// elements at positions `a` and `b`.
pub fn nth<F>(n: usize, target: usize, compare: F) -> Result<usize, CdtError>
where
    F: Fn(usize, usize) -> Result<std::cmp::Ordering, CdtError>,
{
    assert!(target < n, "the target rank was checked against the size");
    let mut positions: Vec<usize> = (0..n).collect();
    let mut failed = None;
    positions.select_nth_unstable_by(target, |&a, &b| match compare(a, b) {
        Ok(ordering) => ordering.then(a.cmp(&b)),
        Err(e) => {
            failed = Some(e);
            a.cmp(&b)
        }
    });
    failed.map_or(Ok(positions[target]), Err)
}

/// Most elements a list may be padded to with nils. A record never holds more than the largest
/// write block (8 MiB), and a nil takes a byte: a longer list could never be stored, so it is
/// refused before it is built (an index from a client must not size an allocation).
pub const MAX_PADDED_LEN: usize = 8 << 20;

/// Checks that padding a list up to `len` elements is possible: past `i32::MAX` Aerospike
/// answers 26; past what a record can hold, 13.
pub fn check_pad(len: usize) -> Result<(), CdtError> {
    if len > i32::MAX as usize {
        return Err(CdtError::OpNotApplicable);
    }
    if len > MAX_PADDED_LEN {
        return Err(CdtError::RecordTooBig);
    }
    Ok(())
}

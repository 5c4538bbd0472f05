//! List operations (§A.2) on a list's packed bytes: the list is split into its elements (slices
//! of the bin's bytes, found by walking them), the op selects or changes elements, and a
//! changed list is packed again. An ordered list is kept sorted by [`super::order`] and is
//! searched by binary search; an unordered one is scanned, and sorted by value only when an op
//! asks for ranks.

use std::cmp::Ordering;
use std::ops::Range;

use super::args::Args;
use super::msgpack::{self, element_ranges, read_header, Header};
use super::number::Number;
use super::order::compare;
use super::result::{self, split_rtype, Applied, CdtResult};
use super::select::{check_pad, complement, complement_blocks, insert_index, nth, range, single_index, Emission};
use super::CdtError;

/// List flag: kept in value order.
pub const ORDERED: u8 = 0x01;
/// List flag: the server keeps an offset index (a storage detail we accept and drop).
pub const PERSIST_INDEX: u8 = 0x10;
/// Flags SET_TYPE accepts.
const VALID_FLAGS: u8 = ORDERED | PERSIST_INDEX;

/// Write flag: a value already in the list is refused (24).
pub const ADD_UNIQUE: u64 = 0x01;
/// Write flag: an index past the end is refused (26) instead of padded with nils.
pub const INSERT_BOUNDED: u64 = 0x02;
/// Write flag: a refused write is a no-op instead of an error.
pub const NO_FAIL: u64 = 0x04;
/// Write flag (with NO_FAIL): items that are refused are skipped, the rest are written.
pub const PARTIAL: u64 = 0x08;

/// Sort flag: largest first.
pub const SORT_DESCENDING: u64 = 0x01;
/// Sort flag: drop duplicate values.
pub const SORT_DROP_DUPLICATES: u64 = 0x02;

/// Op codes (§A.2).
pub mod code {
    #![allow(missing_docs)]
    pub const SET_TYPE: i64 = 0;
    pub const APPEND: i64 = 1;
    pub const APPEND_ITEMS: i64 = 2;
    pub const INSERT: i64 = 3;
    pub const INSERT_ITEMS: i64 = 4;
    pub const POP: i64 = 5;
    pub const POP_RANGE: i64 = 6;
    pub const REMOVE: i64 = 7;
    pub const REMOVE_RANGE: i64 = 8;
    pub const SET: i64 = 9;
    pub const TRIM: i64 = 10;
    pub const CLEAR: i64 = 11;
    pub const INCREMENT: i64 = 12;
    pub const SORT: i64 = 13;
    pub const SIZE: i64 = 16;
    pub const GET: i64 = 17;
    pub const GET_RANGE: i64 = 18;
    pub const GET_BY_INDEX: i64 = 19;
    pub const GET_BY_VALUE: i64 = 20;
    pub const GET_BY_RANK: i64 = 21;
    pub const GET_ALL_BY_VALUE: i64 = 22;
    pub const GET_ALL_BY_VALUE_LIST: i64 = 23;
    pub const GET_BY_INDEX_RANGE: i64 = 24;
    pub const GET_BY_VALUE_INTERVAL: i64 = 25;
    pub const GET_BY_RANK_RANGE: i64 = 26;
    pub const GET_BY_VALUE_REL_RANK_RANGE: i64 = 27;
    pub const REMOVE_BY_INDEX: i64 = 32;
    pub const REMOVE_BY_VALUE: i64 = 33;
    pub const REMOVE_BY_RANK: i64 = 34;
    pub const REMOVE_ALL_BY_VALUE: i64 = 35;
    pub const REMOVE_ALL_BY_VALUE_LIST: i64 = 36;
    pub const REMOVE_BY_INDEX_RANGE: i64 = 37;
    pub const REMOVE_BY_VALUE_INTERVAL: i64 = 38;
    pub const REMOVE_BY_RANK_RANGE: i64 = 39;
    pub const REMOVE_BY_VALUE_REL_RANK_RANGE: i64 = 40;
}

/// True for codes of list read ops (sent as CDT_READ).
pub fn is_read(op: i64) -> bool {
    (16..32).contains(&op)
}

/// True for codes of list ops (read or modify).
pub fn is_list_op(op: i64) -> bool {
    (0..64).contains(&op)
}

const NIL: &[u8] = &[0xc0];

/// A list split into its elements.
#[derive(Debug, Clone)]
pub struct List<'a> {
    /// Its flags (ORDERED); 0 for an unordered list.
    pub flags: u8,
    /// Its elements, each one packed value.
    pub items: Vec<Item<'a>>,
}

/// An element: borrowed from the bin or the op, or packed by the op.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Item<'a> {
    /// Bytes that were already there.
    Borrowed(&'a [u8]),
    /// Bytes the op made.
    Owned(Vec<u8>),
}

impl Item<'_> {
    /// The element's bytes.
    pub fn bytes(&self) -> &[u8] {
        match self {
            Item::Borrowed(bytes) => bytes,
            Item::Owned(bytes) => bytes,
        }
    }
}

impl<'a> List<'a> {
    /// An empty list with `flags`.
    pub fn empty(flags: u8) -> List<'a> {
        List { flags: flags & ORDERED, items: Vec::new() }
    }

    /// Splits a packed list (a bin's bytes, or a value) into its elements.
    pub fn parse(bytes: &'a [u8]) -> Result<List<'a>, CdtError> {
        let (header, pos) = read_header(bytes, 0)?;
        let Header::List(n) = header else { return Err(CdtError::IncompatibleType) };
        let (ranges, end) = element_ranges(bytes, pos, u64::from(n))?;
        if end != bytes.len() {
            return Err(CdtError::Parameter);
        }
        let mut items: Vec<Item<'a>> = ranges.into_iter().map(|r| Item::Borrowed(&bytes[r])).collect();
        let mut flags = 0;
        if let Some(first) = items.first() {
            if let Some(found) = msgpack::metadata_flags(first.bytes()) {
                flags = found & ORDERED;
                items.remove(0);
            }
        }
        Ok(List { flags, items })
    }

    /// True if kept in value order.
    pub fn is_ordered(&self) -> bool {
        self.flags & ORDERED != 0
    }

    /// Number of elements.
    pub fn len(&self) -> usize {
        self.items.len()
    }

    /// True if it has no elements.
    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }

    /// The packed list, as the server stores it: `91 C7 00 01 ...` for an ordered list.
    pub fn pack(&self) -> Vec<u8> {
        let body: usize = self.items.iter().map(|i| i.bytes().len()).sum();
        let mut out = Vec::with_capacity(body + 8);
        let ordered = self.is_ordered();
        msgpack::pack_list_header(&mut out, self.items.len() + usize::from(ordered));
        if ordered {
            msgpack::pack_metadata(&mut out, ORDERED);
        }
        for item in &self.items {
            out.extend_from_slice(item.bytes());
        }
        out
    }

    fn item(&self, i: usize) -> &[u8] {
        self.items[i].bytes()
    }

    /// Where `value` goes in an ordered list: after every element not greater than it.
    fn upper_bound(&self, value: &[u8]) -> Result<usize, CdtError> {
        let (mut lo, mut hi) = (0, self.len());
        while lo < hi {
            let mid = lo + (hi - lo) / 2;
            if compare(self.item(mid), value)? == Ordering::Greater {
                hi = mid;
            } else {
                lo = mid + 1;
            }
        }
        Ok(lo)
    }

    /// The first element of an ordered list not less than `value`.
    fn lower_bound(&self, value: &[u8]) -> Result<usize, CdtError> {
        let (mut lo, mut hi) = (0, self.len());
        while lo < hi {
            let mid = lo + (hi - lo) / 2;
            if compare(self.item(mid), value)? == Ordering::Less {
                lo = mid + 1;
            } else {
                hi = mid;
            }
        }
        Ok(lo)
    }

    /// True if an element equals `value`.
    fn contains(&self, value: &[u8]) -> Result<bool, CdtError> {
        if self.is_ordered() {
            let at = self.lower_bound(value)?;
            return Ok(at < self.len() && compare(self.item(at), value)? == Ordering::Equal);
        }
        for item in &self.items {
            if compare(item.bytes(), value)? == Ordering::Equal {
                return Ok(true);
            }
        }
        Ok(false)
    }

    /// The indexes of the elements in value order (equal values in index order).
    fn value_order(&self) -> Result<Vec<usize>, CdtError> {
        let mut order: Vec<usize> = (0..self.len()).collect();
        if self.is_ordered() {
            return Ok(order);
        }
        super::order::sort_by(&mut order, |&a, &b| compare(self.item(a), self.item(b)))?;
        Ok(order)
    }

    /// Sorts the elements by value (stable).
    fn sort(&mut self, descending: bool) -> Result<(), CdtError> {
        let order = self.value_order()?;
        let mut sorted: Vec<Item<'a>> = order.iter().map(|&i| self.items[i].clone()).collect();
        if descending {
            sorted.reverse();
        }
        self.items = sorted;
        Ok(())
    }

    /// Removes consecutive equal values (the list being sorted).
    fn dedup_sorted(&mut self) -> Result<(), CdtError> {
        let mut kept: Vec<Item<'a>> = Vec::with_capacity(self.items.len());
        for item in self.items.drain(..) {
            match kept.last() {
                Some(last) if compare(last.bytes(), item.bytes())? == Ordering::Equal => {}
                _ => kept.push(item),
            }
        }
        self.items = kept;
        Ok(())
    }
}

// ---- Selections and their results (§A.4; the shapes of integer results are in `select`) ----

/// What a multi-element selection answers.
#[derive(Debug, Clone)]
struct Selection {
    /// The selected elements, in the order VALUE results are given.
    values: Vec<usize>,
    /// INDEX and REVERSE_INDEX.
    index: Emission,
    /// RANK and REVERSE_RANK.
    rank: Emission,
    /// EXISTS.
    exists: bool,
}

/// Number of elements strictly less than `value`.
fn count_less(list: &List<'_>, value: &[u8]) -> Result<usize, CdtError> {
    if list.is_ordered() {
        return list.lower_bound(value);
    }
    let mut below = 0;
    for item in &list.items {
        if compare(item.bytes(), value)? == Ordering::Less {
            below += 1;
        }
    }
    Ok(below)
}

/// An index range `[s, s+c)`; on an ordered list, value and rank selections become one too.
fn index_range_selection(list: &List<'_>, range: Range<usize>, inverted: bool) -> Result<Selection, CdtError> {
    let n = list.len();
    let (s, c) = (range.start, range.len());
    let blocks = if inverted { complement_blocks(&[(s, c)], n) } else { vec![(s, c)] };
    let values: Vec<usize> = blocks.iter().flat_map(|&(s, c)| s..s + c).collect();
    let rank = if list.is_ordered() || values.len() == n {
        Emission::Blocks(if values.len() == n { vec![(0, n)] } else { blocks.clone() })
    } else {
        // Each element's rank is the number of elements less than it: equals share a rank.
        let mut ranks = Vec::with_capacity(values.len());
        for &i in &values {
            ranks.push(count_less(list, list.item(i))?);
        }
        Emission::Each(ranks)
    };
    Ok(Selection { exists: !values.is_empty(), index: Emission::Blocks(blocks), rank, values })
}

/// A value selection on an unordered list that is one block of ranks `[r, r+count)` (a value
/// interval, every element equal to a value): `selected` in index order.
fn rank_block_selection(list: &List<'_>, selected: Vec<usize>, r: usize, inverted: bool) -> Selection {
    let n = list.len();
    let count = selected.len();
    if inverted {
        let values = complement(&selected, n);
        let rank = Emission::Blocks(complement_blocks(&[(r, count)], n));
        // Aerospike answers EXISTS for an inverted value selection by the selection itself.
        return Selection { exists: count == 0, index: Emission::Each(values.clone()), rank, values };
    }
    Selection {
        exists: count > 0,
        index: Emission::Each(selected.clone()),
        rank: Emission::Blocks(vec![(r, count)]),
        values: selected,
    }
}

fn by_index_range(list: &List<'_>, index: i64, count: Option<u64>, inverted: bool) -> Result<Selection, CdtError> {
    index_range_selection(list, range(index, count, list.len()), inverted)
}

/// Ranks `[start, end)` of an unordered list. VALUE results come in the order Aerospike's
/// heap selection leaves them: from the highest rank down when the range lies nearer the
/// smallest values, from the lowest up otherwise.
fn rank_range_selection(list: &List<'_>, ranks: Range<usize>, inverted: bool) -> Result<Selection, CdtError> {
    if list.is_ordered() {
        return index_range_selection(list, ranks, inverted);
    }
    let n = list.len();
    let order = list.value_order()?;
    let (s, c) = (ranks.start, ranks.len());
    let mut selected: Vec<usize> = order[ranks].to_vec();
    if inverted {
        selected.sort_unstable();
        let values = complement(&selected, n);
        let rank = Emission::Blocks(complement_blocks(&[(s, c)], n));
        return Ok(Selection { exists: c == 0 && n > 0, index: Emission::Each(values.clone()), rank, values });
    }
    let mut index = selected.clone();
    index.sort_unstable();
    if s <= n.saturating_sub(s + c) {
        selected.reverse();
    }
    Ok(Selection {
        exists: c > 0,
        index: Emission::Each(index),
        rank: Emission::Blocks(vec![(s, c)]),
        values: selected,
    })
}

fn by_rank_range(list: &List<'_>, rank: i64, count: Option<u64>, inverted: bool) -> Result<Selection, CdtError> {
    rank_range_selection(list, range(rank, count, list.len()), inverted)
}

/// Elements in `[begin, end)` (no end: to the largest).
fn by_value_interval(list: &List<'_>, begin: &[u8], end: Option<&[u8]>, inverted: bool) -> Result<Selection, CdtError> {
    if list.is_ordered() {
        let from = list.lower_bound(begin)?;
        let to = match end {
            Some(end) => list.lower_bound(end)?.max(from),
            None => list.len(),
        };
        return index_range_selection(list, from..to, inverted);
    }
    let mut selected = Vec::new();
    for (i, item) in list.items.iter().enumerate() {
        let at_least_begin = compare(item.bytes(), begin)? != Ordering::Less;
        let before_end = match end {
            Some(end) => compare(item.bytes(), end)? == Ordering::Less,
            None => true,
        };
        if at_least_begin && before_end {
            selected.push(i);
        }
    }
    let r = count_less(list, begin)?;
    Ok(rank_block_selection(list, selected, r, inverted))
}

/// Every element equal to `value`.
fn by_value(list: &List<'_>, value: &[u8], inverted: bool) -> Result<Selection, CdtError> {
    if list.is_ordered() {
        let from = list.lower_bound(value)?;
        let to = list.upper_bound(value)?.max(from);
        return index_range_selection(list, from..to, inverted);
    }
    let mut selected = Vec::new();
    for (i, item) in list.items.iter().enumerate() {
        if compare(item.bytes(), value)? == Ordering::Equal {
            selected.push(i);
        }
    }
    let r = count_less(list, value)?;
    Ok(rank_block_selection(list, selected, r, inverted))
}

/// Elements equal to any of `values`. Ranks come grouped per listed value, in the list's
/// order; on an ordered list so do values and indexes.
fn by_value_list(list: &List<'_>, values: &[&[u8]], inverted: bool) -> Result<Selection, CdtError> {
    let n = list.len();
    if values.is_empty() {
        return index_range_selection(list, 0..0, inverted);
    }
    // For each listed value: its block of ranks (and, ordered, of indexes).
    let mut blocks = Vec::with_capacity(values.len());
    for value in values {
        let r = count_less(list, value)?;
        let mut equal = 0;
        if list.is_ordered() {
            equal = list.upper_bound(value)?.saturating_sub(r);
        } else {
            for item in &list.items {
                if compare(item.bytes(), value)? == Ordering::Equal {
                    equal += 1;
                }
            }
        }
        blocks.push((r, equal));
    }
    if list.is_ordered() {
        if inverted {
            let rest = complement_blocks(&blocks, n);
            let values: Vec<usize> = rest.iter().flat_map(|&(s, c)| s..s + c).collect();
            return Ok(Selection {
                exists: !values.is_empty(),
                index: Emission::Blocks(rest.clone()),
                rank: Emission::Blocks(rest),
                values,
            });
        }
        let values: Vec<usize> = blocks.iter().flat_map(|&(s, c)| s..s + c).collect();
        return Ok(Selection {
            exists: !values.is_empty(),
            index: Emission::Blocks(blocks.clone()),
            rank: Emission::Blocks(blocks),
            values,
        });
    }
    let mut selected = Vec::new();
    for (i, item) in list.items.iter().enumerate() {
        for value in values {
            if compare(item.bytes(), value)? == Ordering::Equal {
                selected.push(i);
                break;
            }
        }
    }
    if inverted {
        let values = complement(&selected, n);
        let rank = Emission::Blocks(complement_blocks(&blocks, n));
        return Ok(Selection { exists: !values.is_empty(), index: Emission::Each(values.clone()), rank, values });
    }
    Ok(Selection {
        exists: !selected.is_empty(),
        index: Emission::Each(selected.clone()),
        rank: Emission::Blocks(blocks),
        values: selected,
    })
}

/// The rank range relative to where `value` ranks (the number of elements less than it).
fn by_value_rel_rank(
    list: &List<'_>,
    value: &[u8],
    rank: i64,
    count: Option<u64>,
    inverted: bool,
) -> Result<Selection, CdtError> {
    let anchor = count_less(list, value)? as i128;
    let mut start = anchor + i128::from(rank);
    let mut count = count.map_or(i128::MAX, i128::from);
    if start < 0 {
        count = count.saturating_add(start).max(0);
        start = 0;
    }
    let size = list.len() as i128;
    let from = start.min(size) as usize;
    let to = start.saturating_add(count).min(size) as usize;
    rank_range_selection(list, from..to.max(from), inverted)
}

/// The result of a multi-element selection for `rtype`.
fn multi_result(list: &List<'_>, selection: &Selection, rtype: u64) -> Result<CdtResult, CdtError> {
    let n = list.len();
    Ok(match rtype {
        result::NONE => CdtResult::None,
        result::COUNT => CdtResult::Int(selection.values.len() as i64),
        result::EXISTS => CdtResult::Bool(selection.exists),
        result::INDEX | result::REVERSE_INDEX => {
            let ints = selection.index.ints(n, rtype == result::REVERSE_INDEX);
            CdtResult::int_list(ints.into_iter())
        }
        result::RANK | result::REVERSE_RANK => {
            let ints = selection.rank.ints(n, rtype == result::REVERSE_RANK);
            CdtResult::int_list(ints.into_iter())
        }
        result::VALUE => CdtResult::element_list(selection.values.iter().map(|&i| list.item(i))),
        _ => return Err(CdtError::OpNotApplicable),
    })
}

/// The result of a single-element selection (`None`: nothing matched) for `rtype`; `rank` is
/// the element's rank when the selection knows it.
fn single_result(list: &List<'_>, found: Option<(usize, Option<usize>)>, rtype: u64) -> Result<CdtResult, CdtError> {
    let size = list.len() as i64;
    let Some((index, rank)) = found else {
        return Ok(match rtype {
            result::NONE | result::VALUE => CdtResult::None,
            result::INDEX | result::REVERSE_INDEX | result::RANK | result::REVERSE_RANK => CdtResult::Int(-1),
            result::COUNT => CdtResult::Int(0),
            result::EXISTS => CdtResult::Bool(false),
            _ => return Err(CdtError::OpNotApplicable),
        });
    };
    Ok(match rtype {
        result::NONE => CdtResult::None,
        result::INDEX => CdtResult::Int(index as i64),
        result::REVERSE_INDEX => CdtResult::Int(size - 1 - index as i64),
        result::RANK | result::REVERSE_RANK => {
            let rank = match rank {
                Some(rank) => rank,
                None if list.is_ordered() => index,
                None => count_less(list, list.item(index))?,
            } as i64;
            CdtResult::Int(if rtype == result::RANK { rank } else { size - 1 - rank })
        }
        result::COUNT => CdtResult::Int(1),
        result::VALUE => CdtResult::Element(list.item(index).to_vec()),
        result::EXISTS => CdtResult::Bool(true),
        _ => return Err(CdtError::OpNotApplicable),
    })
}

/// The first element equal to `value`.
fn first_equal(list: &List<'_>, value: &[u8]) -> Result<Option<usize>, CdtError> {
    for (i, item) in list.items.iter().enumerate() {
        if compare(item.bytes(), value)? == Ordering::Equal {
            return Ok(Some(i));
        }
    }
    Ok(None)
}

// ---- Values that will be stored ----

/// A value an op will store: one element, without WILDCARD or INF, in compact form.
fn storable(value: &[u8]) -> Result<Vec<u8>, CdtError> {
    super::rewrite::rewrite(value)
}

// ---- The ops ----

/// Runs list op `op` with `args` on `bin` (the list's bytes; `None` if the bin does not exist).
pub fn apply(op: i64, args: &[&[u8]], bin: Option<&[u8]>) -> Result<Applied, CdtError> {
    let list = bin.map(List::parse).transpose()?;
    match list {
        Some(list) => apply_to(op, args, list),
        None => apply_missing(op, args),
    }
}

/// An op on a bin that does not exist: reads answer nothing, removals do nothing, the ops that
/// create a list create it.
fn apply_missing(op: i64, args: &[&[u8]]) -> Result<Applied, CdtError> {
    use code::*;
    let create_flags = |i: usize, max: usize| -> Result<u8, CdtError> {
        let a = Args::new(args, 1, max)?;
        Ok((a.uint_or(i, 0)? as u8) & ORDERED)
    };
    match op {
        SET_TYPE => {
            let flags = Args::new(args, 1, 1)?.uint_or(0, 0)?;
            if flags & !u64::from(VALID_FLAGS) != 0 {
                return Err(CdtError::OpNotApplicable);
            }
            apply_to(op, args, List::empty(flags as u8))
        }
        APPEND | APPEND_ITEMS => apply_to(op, args, List::empty(create_flags(1, 3)?)),
        INCREMENT => apply_to(op, args, List::empty(create_flags(2, 4)?)),
        INSERT | INSERT_ITEMS | SET => apply_to(op, args, List::empty(0)),
        // Sorting a bin that is not there is a type error, not a no-op.
        SORT => {
            check_args(op, args)?;
            Err(CdtError::IncompatibleType)
        }
        _ if is_list_op(op) => {
            check_args(op, args)?;
            Ok(Applied::read(CdtResult::None))
        }
        _ => Err(CdtError::Parameter),
    }
}

/// The argument counts of each op (min, max), checked even when the bin is missing.
fn arg_counts(op: i64) -> Option<(usize, usize)> {
    use code::*;
    Some(match op {
        SET_TYPE => (1, 1),
        APPEND | APPEND_ITEMS => (1, 3),
        INSERT | INSERT_ITEMS | SET => (2, 3),
        POP | REMOVE => (1, 1),
        POP_RANGE | REMOVE_RANGE | TRIM => (1, 2),
        CLEAR | SIZE => (0, 0),
        INCREMENT => (1, 4),
        SORT => (1, 1),
        GET => (1, 1),
        GET_RANGE => (1, 2),
        GET_BY_INDEX | GET_BY_VALUE | GET_BY_RANK | GET_ALL_BY_VALUE | GET_ALL_BY_VALUE_LIST => (2, 2),
        REMOVE_BY_INDEX | REMOVE_BY_VALUE | REMOVE_BY_RANK | REMOVE_ALL_BY_VALUE | REMOVE_ALL_BY_VALUE_LIST => (2, 2),
        GET_BY_INDEX_RANGE | GET_BY_VALUE_INTERVAL | GET_BY_RANK_RANGE => (2, 3),
        REMOVE_BY_INDEX_RANGE | REMOVE_BY_VALUE_INTERVAL | REMOVE_BY_RANK_RANGE => (2, 3),
        GET_BY_VALUE_REL_RANK_RANGE | REMOVE_BY_VALUE_REL_RANK_RANGE => (3, 4),
        _ => return None,
    })
}

fn check_args<'a, 'b>(op: i64, args: &'b [&'a [u8]]) -> Result<Args<'a, 'b>, CdtError> {
    let (min, max) = arg_counts(op).ok_or(CdtError::Parameter)?;
    Args::new(args, min, max)
}

fn apply_to<'a>(op: i64, args: &[&'a [u8]], mut list: List<'a>) -> Result<Applied, CdtError> {
    use code::*;
    let a = check_args(op, args)?;
    let size = list.len();
    match op {
        SET_TYPE => {
            let flags = a.uint_or(0, 0)?;
            if flags & !u64::from(VALID_FLAGS) != 0 {
                return Err(CdtError::OpNotApplicable);
            }
            let ordered = flags as u8 & ORDERED;
            if ordered != 0 && !list.is_ordered() {
                list.sort(false)?;
            }
            list.flags = ordered;
            Ok(Applied::wrote(list.pack(), CdtResult::None))
        }
        APPEND => {
            let value = storable(a.value(0)?)?;
            let flags = a.uint_or(2, 0)?;
            append_items(list, vec![value], flags, false)
        }
        APPEND_ITEMS => {
            let values = a.list(0)?.into_iter().map(storable).collect::<Result<Vec<_>, _>>()?;
            let flags = a.uint_or(2, 0)?;
            append_items(list, values, flags, true)
        }
        INSERT => {
            let index = a.int(0)?;
            let value = storable(a.value(1)?)?;
            insert_items(list, index, vec![value], a.uint_or(2, 0)?, false)
        }
        INSERT_ITEMS => {
            let index = a.int(0)?;
            let values = a.list(1)?.into_iter().map(storable).collect::<Result<Vec<_>, _>>()?;
            insert_items(list, index, values, a.uint_or(2, 0)?, true)
        }
        SET => set(list, a.int(0)?, storable(a.value(1)?)?, a.uint_or(2, 0)?),
        INCREMENT => increment(list, a.int(0)?, a.opt_value(1)?, a.uint_or(3, 0)?),
        POP => {
            let at = single_index(a.int(0)?, size)?;
            let removed = list.items.remove(at);
            Ok(Applied::wrote(list.pack(), CdtResult::Element(removed.bytes().to_vec())))
        }
        POP_RANGE => {
            let range = range(a.int(0)?, a.opt_count(1)?, size);
            let removed: Vec<Item<'_>> = list.items.drain(range).collect();
            let result = CdtResult::element_list(removed.iter().map(Item::bytes));
            Ok(Applied::wrote(list.pack(), result))
        }
        REMOVE => {
            let at = single_index(a.int(0)?, size)?;
            list.items.remove(at);
            Ok(Applied::wrote(list.pack(), CdtResult::Int(1)))
        }
        REMOVE_RANGE => {
            let range = range(a.int(0)?, a.opt_count(1)?, size);
            let n = range.len();
            list.items.drain(range);
            Ok(Applied::wrote(list.pack(), CdtResult::Int(n as i64)))
        }
        TRIM => {
            let keep = range(a.int(0)?, a.opt_count(1)?, size);
            let removed = size - keep.len();
            list.items.truncate(keep.end);
            list.items.drain(..keep.start);
            Ok(Applied::wrote(list.pack(), CdtResult::Int(removed as i64)))
        }
        CLEAR => {
            list.items.clear();
            Ok(Applied::wrote(list.pack(), CdtResult::None))
        }
        SORT => {
            let flags = a.uint_or(0, 0)?;
            if !list.is_ordered() {
                list.sort(flags & SORT_DESCENDING != 0)?;
            }
            if flags & SORT_DROP_DUPLICATES != 0 {
                list.dedup_sorted()?;
            }
            Ok(Applied::wrote(list.pack(), CdtResult::None))
        }
        SIZE => Ok(Applied::read(CdtResult::Int(size as i64))),
        GET => {
            let at = single_index(a.int(0)?, size)?;
            Ok(Applied::read(CdtResult::Element(list.item(at).to_vec())))
        }
        GET_RANGE => {
            let range = range(a.int(0)?, a.opt_count(1)?, size);
            Ok(Applied::read(CdtResult::element_list(list.items[range].iter().map(Item::bytes))))
        }
        GET_BY_INDEX..=GET_BY_VALUE_REL_RANK_RANGE | REMOVE_BY_INDEX..=REMOVE_BY_VALUE_REL_RANK_RANGE => {
            select(op, &a, list)
        }
        _ => Err(CdtError::Parameter),
    }
}

/// The get-by and remove-by ops: select, answer by the return type, remove if asked.
fn select<'a>(op: i64, a: &Args<'a, '_>, mut list: List<'a>) -> Result<Applied, CdtError> {
    use code::*;
    let remove = op >= REMOVE_BY_INDEX;
    let base = if remove { op - REMOVE_BY_INDEX + GET_BY_INDEX } else { op };
    let (rtype, inverted) = split_rtype(a.uint_or(0, 0)?)?;
    let size = list.len();
    // Single-element selections: the index found, and its rank when the op named it.
    let single = match base {
        GET_BY_INDEX => Some(Some((single_index(a.int(1)?, size)?, None))),
        GET_BY_RANK => {
            let rank = single_index(a.int(1)?, size)?;
            let at =
                if list.is_ordered() { rank } else { nth(size, rank, |x, y| compare(list.item(x), list.item(y)))? };
            Some(Some((at, Some(rank))))
        }
        GET_BY_VALUE => Some(first_equal(&list, a.value(1)?)?.map(|i| (i, None))),
        _ => None,
    };
    if let Some(found) = single {
        if inverted {
            return Err(CdtError::OpNotApplicable);
        }
        let result = single_result(&list, found, rtype)?;
        if !remove {
            return Ok(Applied::read(result));
        }
        if let Some((at, _)) = found {
            list.items.remove(at);
        }
        return Ok(Applied::wrote(list.pack(), result));
    }
    let selection = match base {
        GET_ALL_BY_VALUE => by_value(&list, a.value(1)?, inverted)?,
        GET_ALL_BY_VALUE_LIST => by_value_list(&list, &a.list(1)?, inverted)?,
        GET_BY_INDEX_RANGE => by_index_range(&list, a.int(1)?, a.opt_count(2)?, inverted)?,
        GET_BY_VALUE_INTERVAL => by_value_interval(&list, a.value(1)?, a.opt_value(2)?, inverted)?,
        GET_BY_RANK_RANGE => by_rank_range(&list, a.int(1)?, a.opt_count(2)?, inverted)?,
        GET_BY_VALUE_REL_RANK_RANGE => by_value_rel_rank(&list, a.value(1)?, a.int(2)?, a.opt_count(3)?, inverted)?,
        _ => return Err(CdtError::Parameter),
    };
    let result = multi_result(&list, &selection, rtype)?;
    if !remove {
        return Ok(Applied::read(result));
    }
    let mut gone = vec![false; size];
    for &i in &selection.values {
        gone[i] = true;
    }
    let mut i = 0;
    list.items.retain(|_| {
        let keep = !gone[i];
        i += 1;
        keep
    });
    Ok(Applied::wrote(list.pack(), result))
}

/// Appends values: in sorted position on an ordered list. With ADD_UNIQUE a value already
/// there (or twice among the items) is refused, or skipped under NO_FAIL and PARTIAL.
fn append_items<'a>(mut list: List<'a>, values: Vec<Vec<u8>>, flags: u64, items: bool) -> Result<Applied, CdtError> {
    let values = match unique_values(&list, values, flags, items)? {
        Some(values) => values,
        None => return Ok(Applied::wrote(list.pack(), CdtResult::Int(list.len() as i64))),
    };
    for value in values {
        if list.is_ordered() {
            let at = list.upper_bound(&value)?;
            list.items.insert(at, Item::Owned(value));
        } else {
            list.items.push(Item::Owned(value));
        }
    }
    Ok(Applied::wrote(list.pack(), CdtResult::Int(list.len() as i64)))
}

/// The values to add under the write flags, or `None` when the whole op is a no-op (a refusal
/// under NO_FAIL).
fn unique_values(
    list: &List<'_>,
    values: Vec<Vec<u8>>,
    flags: u64,
    items: bool,
) -> Result<Option<Vec<Vec<u8>>>, CdtError> {
    if flags & ADD_UNIQUE == 0 {
        return Ok(Some(values));
    }
    let no_fail = flags & NO_FAIL != 0;
    let partial = no_fail && flags & PARTIAL != 0;
    let mut kept: Vec<Vec<u8>> = Vec::with_capacity(values.len());
    for value in values {
        let mut duplicate_item = false;
        for earlier in &kept {
            if compare(earlier, &value)? == Ordering::Equal {
                duplicate_item = true;
                break;
            }
        }
        if duplicate_item {
            // Two equal items in the op itself.
            match (partial, no_fail) {
                (true, _) => continue,
                (false, true) => return Ok(None),
                (false, false) => return Err(CdtError::OpNotApplicable),
            }
        }
        if list.contains(&value)? {
            match (partial, no_fail) {
                (true, _) => continue,
                (false, true) => return Ok(None),
                (false, false) => return Err(CdtError::ElementExists),
            }
        }
        kept.push(value);
    }
    if items && kept.is_empty() && !partial {
        return Ok(None);
    }
    Ok(Some(kept))
}

fn insert_items<'a>(
    mut list: List<'a>,
    index: i64,
    values: Vec<Vec<u8>>,
    flags: u64,
    items: bool,
) -> Result<Applied, CdtError> {
    if list.is_ordered() {
        return Err(CdtError::OpNotApplicable);
    }
    let no_fail = flags & NO_FAIL != 0;
    let size = list.len();
    let at = match insert_index(index, size) {
        Ok(at) if at > size && flags & INSERT_BOUNDED != 0 => Err(CdtError::OpNotApplicable),
        other => other,
    };
    let at = match at {
        Ok(at) => at,
        Err(_) if no_fail => return Ok(Applied::wrote(list.pack(), CdtResult::Int(size as i64))),
        Err(e) => return Err(e),
    };
    let values = match unique_values(&list, values, flags, items)? {
        Some(values) => values,
        None => return Ok(Applied::wrote(list.pack(), CdtResult::Int(size as i64))),
    };
    if at > size {
        check_pad(at)?;
        list.items.resize(at, Item::Borrowed(NIL));
    }
    let tail: Vec<Item<'a>> = list.items.split_off(at);
    list.items.extend(values.into_iter().map(Item::Owned));
    list.items.extend(tail);
    Ok(Applied::wrote(list.pack(), CdtResult::Int(list.len() as i64)))
}

fn set<'a>(mut list: List<'a>, index: i64, value: Vec<u8>, flags: u64) -> Result<Applied, CdtError> {
    if list.is_ordered() {
        return Err(CdtError::OpNotApplicable);
    }
    let no_fail = flags & NO_FAIL != 0;
    let size = list.len();
    let at = match insert_index(index, size) {
        Ok(at) if at >= size && flags & INSERT_BOUNDED != 0 => Err(CdtError::OpNotApplicable),
        other => other,
    };
    let at = match at {
        Ok(at) => at,
        Err(_) if no_fail => return Ok(Applied::wrote(list.pack(), CdtResult::None)),
        Err(e) => return Err(e),
    };
    if flags & ADD_UNIQUE != 0 {
        let mut exists = false;
        for (i, item) in list.items.iter().enumerate() {
            if i != at && compare(item.bytes(), &value)? == Ordering::Equal {
                exists = true;
                break;
            }
        }
        if exists {
            if no_fail {
                return Ok(Applied::wrote(list.pack(), CdtResult::None));
            }
            return Err(CdtError::ElementExists);
        }
    }
    if at >= size {
        check_pad(at)?;
        list.items.resize(at, Item::Borrowed(NIL));
        list.items.push(Item::Owned(value));
    } else {
        list.items[at] = Item::Owned(value);
    }
    Ok(Applied::wrote(list.pack(), CdtResult::None))
}

fn increment<'a>(mut list: List<'a>, index: i64, delta: Option<&[u8]>, flags: u64) -> Result<Applied, CdtError> {
    let delta = Number::delta(delta)?;
    let size = list.len();
    let at = insert_index(index, size)?;
    // Past the end an ordered list has no place for the element; an unordered one pads.
    if at > size && (list.is_ordered() || flags & INSERT_BOUNDED != 0) {
        if !list.is_ordered() && flags & NO_FAIL != 0 {
            return Ok(Applied::wrote(list.pack(), CdtResult::Element(delta.pack())));
        }
        return Err(CdtError::OpNotApplicable);
    }
    let current = if at < size { Number::of(list.item(at))?.ok_or(CdtError::Parameter)? } else { delta.zero() };
    let packed = current.plus(delta).pack();
    if flags & ADD_UNIQUE != 0 {
        let mut exists = false;
        for (i, item) in list.items.iter().enumerate() {
            if i != at && compare(item.bytes(), &packed)? == Ordering::Equal {
                exists = true;
                break;
            }
        }
        if exists {
            if flags & NO_FAIL != 0 {
                return Ok(Applied::wrote(list.pack(), CdtResult::Element(packed)));
            }
            return Err(CdtError::ElementExists);
        }
    }
    if at < size {
        list.items.remove(at);
    }
    if list.is_ordered() {
        let pos = list.upper_bound(&packed)?;
        list.items.insert(pos, Item::Owned(packed.clone()));
    } else {
        if at > size {
            check_pad(at)?;
            list.items.resize(at, Item::Borrowed(NIL));
        }
        list.items.insert(at, Item::Owned(packed.clone()));
    }
    Ok(Applied::wrote(list.pack(), CdtResult::Element(packed)))
}

#[cfg(test)]
mod tests;

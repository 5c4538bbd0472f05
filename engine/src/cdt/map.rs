//! Map operations (§A.3) on a map's packed bytes. A map is split into its entries (slices of
//! the bin's bytes); a K-ordered map keeps them sorted by key and is searched by binary search,
//! an unordered one keeps them as written (puts of new keys append) and is put in key order
//! when an op asks for indexes. Map **index** is the position in key order, map **rank** the
//! position in value order (equal values in key order).

use std::cmp::Ordering;
use std::ops::Range;

use super::args::Args;
use super::list::Item;
use super::msgpack::{self, element_ranges, read_header, Header, BYTES_BLOB, BYTES_STRING};
use super::number::Number;
use super::order::compare;
use super::result::{self, split_rtype, Applied, CdtResult};
use super::select::{complement, complement_blocks, nth, range, single_index, Emission};
use super::CdtError;

/// Map flag: entries kept in key order.
pub const K_ORDERED: u8 = 0x01;
/// Map flag: a value index besides key order (it matters only with PERSIST_INDEX).
pub const V_ORDERED: u8 = 0x02;
/// Map flag: key order plus a value index (without PERSIST_INDEX the same as K_ORDERED).
pub const KV_ORDERED: u8 = 0x03;
/// Map flag of results only: entries in selection order.
pub const PRESERVE_ORDER: u8 = 0x08;
/// Map flag: the server keeps the map's indexes with it. Only a top-level bin map keeps it
/// (below the top level it is dropped); with V_ORDERED on a map of two or more entries it makes
/// value intervals and value lists answer from the value order, as Aerospike answers from its
/// persisted value index (see [`Map::has_value_index`]). It never leaves the server
/// ([`super::msgpack::strip_index_flag`]).
pub const PERSIST_INDEX: u8 = 0x10;
/// Flags SET_TYPE accepts, and the flags a map may be stored with.
const VALID_FLAGS: u8 = KV_ORDERED | PERSIST_INDEX;

/// Write flag: an existing key is refused (24).
pub const CREATE_ONLY: u64 = 0x01;
/// Write flag: a missing key is refused (23).
pub const UPDATE_ONLY: u64 = 0x02;
/// Write flag: a refused write is a no-op instead of an error.
pub const NO_FAIL: u64 = 0x04;
/// Write flag (with NO_FAIL): refused items are skipped, the rest written.
pub const PARTIAL: u64 = 0x08;

/// Op codes (§A.3).
pub mod code {
    #![allow(missing_docs)]
    pub const SET_TYPE: i64 = 64;
    pub const ADD: i64 = 65;
    pub const ADD_ITEMS: i64 = 66;
    pub const PUT: i64 = 67;
    pub const PUT_ITEMS: i64 = 68;
    pub const REPLACE: i64 = 69;
    pub const REPLACE_ITEMS: i64 = 70;
    pub const INCREMENT: i64 = 73;
    pub const DECREMENT: i64 = 74;
    pub const CLEAR: i64 = 75;
    pub const REMOVE_BY_KEY: i64 = 76;
    pub const REMOVE_BY_INDEX: i64 = 77;
    pub const REMOVE_BY_VALUE: i64 = 78;
    pub const REMOVE_BY_RANK: i64 = 79;
    pub const REMOVE_BY_KEY_LIST: i64 = 81;
    pub const REMOVE_ALL_BY_VALUE: i64 = 82;
    pub const REMOVE_BY_VALUE_LIST: i64 = 83;
    pub const REMOVE_BY_KEY_INTERVAL: i64 = 84;
    pub const REMOVE_BY_INDEX_RANGE: i64 = 85;
    pub const REMOVE_BY_VALUE_INTERVAL: i64 = 86;
    pub const REMOVE_BY_RANK_RANGE: i64 = 87;
    pub const REMOVE_BY_KEY_REL_INDEX_RANGE: i64 = 88;
    pub const REMOVE_BY_VALUE_REL_RANK_RANGE: i64 = 89;
    pub const SIZE: i64 = 96;
    pub const GET_BY_KEY: i64 = 97;
    pub const GET_BY_INDEX: i64 = 98;
    pub const GET_BY_VALUE: i64 = 99;
    pub const GET_BY_RANK: i64 = 100;
    pub const GET_ALL_BY_VALUE: i64 = 102;
    pub const GET_BY_KEY_INTERVAL: i64 = 103;
    pub const GET_BY_INDEX_RANGE: i64 = 104;
    pub const GET_BY_VALUE_INTERVAL: i64 = 105;
    pub const GET_BY_RANK_RANGE: i64 = 106;
    pub const GET_BY_KEY_LIST: i64 = 107;
    pub const GET_BY_VALUE_LIST: i64 = 108;
    pub const GET_BY_KEY_REL_INDEX_RANGE: i64 = 109;
    pub const GET_BY_VALUE_REL_RANK_RANGE: i64 = 110;
}

/// True for codes of map ops.
pub fn is_map_op(op: i64) -> bool {
    (64..=110).contains(&op)
}

/// True for codes of map read ops (sent as CDT_READ).
pub fn is_read(op: i64) -> bool {
    op >= code::SIZE
}

/// What a get-by or remove-by op selects by.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Selector {
    Key,
    Index,
    Value,
    Rank,
    KeyList,
    AllByValue,
    ValueList,
    KeyInterval,
    IndexRange,
    ValueInterval,
    RankRange,
    KeyRelIndexRange,
    ValueRelRankRange,
}

/// The selector of a get-by or remove-by op, and whether it removes.
fn selector(op: i64) -> Option<(Selector, bool)> {
    use code::*;
    use Selector::*;
    Some(match op {
        GET_BY_KEY => (Key, false),
        REMOVE_BY_KEY => (Key, true),
        GET_BY_INDEX => (Index, false),
        REMOVE_BY_INDEX => (Index, true),
        GET_BY_VALUE => (Value, false),
        REMOVE_BY_VALUE => (Value, true),
        GET_BY_RANK => (Rank, false),
        REMOVE_BY_RANK => (Rank, true),
        GET_BY_KEY_LIST => (KeyList, false),
        REMOVE_BY_KEY_LIST => (KeyList, true),
        GET_ALL_BY_VALUE => (AllByValue, false),
        REMOVE_ALL_BY_VALUE => (AllByValue, true),
        GET_BY_VALUE_LIST => (ValueList, false),
        REMOVE_BY_VALUE_LIST => (ValueList, true),
        GET_BY_KEY_INTERVAL => (KeyInterval, false),
        REMOVE_BY_KEY_INTERVAL => (KeyInterval, true),
        GET_BY_INDEX_RANGE => (IndexRange, false),
        REMOVE_BY_INDEX_RANGE => (IndexRange, true),
        GET_BY_VALUE_INTERVAL => (ValueInterval, false),
        REMOVE_BY_VALUE_INTERVAL => (ValueInterval, true),
        GET_BY_RANK_RANGE => (RankRange, false),
        REMOVE_BY_RANK_RANGE => (RankRange, true),
        GET_BY_KEY_REL_INDEX_RANGE => (KeyRelIndexRange, false),
        REMOVE_BY_KEY_REL_INDEX_RANGE => (KeyRelIndexRange, true),
        GET_BY_VALUE_REL_RANK_RANGE => (ValueRelRankRange, false),
        REMOVE_BY_VALUE_REL_RANK_RANGE => (ValueRelRankRange, true),
        _ => return None,
    })
}

/// Argument counts (min, max) of each op.
fn arg_counts(op: i64) -> Option<(usize, usize)> {
    use code::*;
    Some(match op {
        SET_TYPE => (1, 1),
        ADD => (2, 3),
        ADD_ITEMS => (1, 2),
        PUT => (2, 4),
        PUT_ITEMS => (1, 3),
        REPLACE => (2, 2),
        REPLACE_ITEMS => (1, 1),
        INCREMENT | DECREMENT => (1, 3),
        CLEAR | SIZE => (0, 0),
        _ => match selector(op)?.0 {
            Selector::Key
            | Selector::Index
            | Selector::Value
            | Selector::Rank
            | Selector::KeyList
            | Selector::AllByValue
            | Selector::ValueList => (2, 2),
            Selector::KeyInterval | Selector::IndexRange | Selector::ValueInterval | Selector::RankRange => (2, 3),
            Selector::KeyRelIndexRange | Selector::ValueRelRankRange => (3, 4),
        },
    })
}

/// A map split into its entries.
#[derive(Debug, Clone)]
pub struct Map<'a> {
    /// Its flags (K_ORDERED, KV_ORDERED, maybe PERSIST_INDEX), 0 for an unordered map.
    pub flags: u8,
    /// Its entries: key and value, each one packed element.
    pub entries: Vec<(Item<'a>, Item<'a>)>,
}

/// Checks that `key` may be a map key: an integer, a string, or a non-empty blob (§1.3).
pub fn check_key(key: &[u8]) -> Result<(), CdtError> {
    match read_header(key, 0)?.0 {
        Header::Int(_) | Header::UInt(_) => Ok(()),
        Header::Bytes { ty: Some(BYTES_STRING), .. } => Ok(()),
        Header::Bytes { ty: Some(BYTES_BLOB), .. } => Ok(()),
        _ => Err(CdtError::Parameter),
    }
}

impl<'a> Map<'a> {
    /// An empty map with `flags`.
    pub fn empty(flags: u8) -> Map<'a> {
        Map { flags: flags & VALID_FLAGS, entries: Vec::new() }
    }

    /// Splits a packed map into its entries.
    pub fn parse(bytes: &'a [u8]) -> Result<Map<'a>, CdtError> {
        let (header, pos) = read_header(bytes, 0)?;
        let Header::Map(n) = header else { return Err(CdtError::IncompatibleType) };
        let (ranges, end) = element_ranges(bytes, pos, 2 * u64::from(n))?;
        if end != bytes.len() {
            return Err(CdtError::Parameter);
        }
        let mut entries: Vec<(Item<'a>, Item<'a>)> = ranges
            .chunks(2)
            .map(|pair| (Item::Borrowed(&bytes[pair[0].clone()]), Item::Borrowed(&bytes[pair[1].clone()])))
            .collect();
        let mut flags = 0;
        if let Some((key, _)) = entries.first() {
            if let Some(found) = msgpack::metadata_flags(key.bytes()) {
                flags = found & VALID_FLAGS;
                entries.remove(0);
            }
        }
        Ok(Map { flags, entries })
    }

    /// True if kept in key order: any flag makes a map key-ordered, as in Aerospike (where
    /// 0x02 or 0x10 alone count as ordered too).
    pub fn is_ordered(&self) -> bool {
        self.flags != 0
    }

    /// True for what Aerospike keeps a persisted value index for: a top-level map (nested maps
    /// lose PERSIST_INDEX when parsed or created) flagged V_ORDERED and PERSIST_INDEX, of two
    /// entries or more. Its value intervals answer in rank order and its value lists per listed
    /// value.
    pub fn has_value_index(&self) -> bool {
        self.flags & (V_ORDERED | PERSIST_INDEX) == V_ORDERED | PERSIST_INDEX && self.len() > 1
    }

    /// Number of entries.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// True if it has no entries.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// The packed map, as the server stores it: `81 C7 00 01 C0 ...` for a K-ordered map.
    pub fn pack(&self) -> Vec<u8> {
        let body: usize = self.entries.iter().map(|(k, v)| k.bytes().len() + v.bytes().len()).sum();
        let mut out = Vec::with_capacity(body + 8);
        let ordered = self.is_ordered();
        msgpack::pack_map_header(&mut out, self.entries.len() + usize::from(ordered));
        if ordered {
            msgpack::pack_metadata(&mut out, self.flags);
            msgpack::pack_nil(&mut out);
        }
        for (key, value) in &self.entries {
            out.extend_from_slice(key.bytes());
            out.extend_from_slice(value.bytes());
        }
        out
    }

    fn key(&self, i: usize) -> &[u8] {
        self.entries[i].0.bytes()
    }

    fn value(&self, i: usize) -> &[u8] {
        self.entries[i].1.bytes()
    }

    /// Where `key` is (`Ok`) or would go (`Err`) in a K-ordered map.
    fn search(&self, key: &[u8]) -> Result<Result<usize, usize>, CdtError> {
        let (mut lo, mut hi) = (0, self.len());
        while lo < hi {
            let mid = lo + (hi - lo) / 2;
            match compare(self.key(mid), key)? {
                Ordering::Less => lo = mid + 1,
                Ordering::Greater => hi = mid,
                Ordering::Equal => return Ok(Ok(mid)),
            }
        }
        Ok(Err(lo))
    }

    /// The storage position of `key`, if present.
    fn find(&self, key: &[u8]) -> Result<Option<usize>, CdtError> {
        if self.is_ordered() {
            return Ok(self.search(key)?.ok());
        }
        for i in 0..self.len() {
            if compare(self.key(i), key)? == Ordering::Equal {
                return Ok(Some(i));
            }
        }
        Ok(None)
    }

    /// Orders entries at storage positions `a` and `b` by value, then by key.
    fn compare_by_value(&self, a: usize, b: usize) -> Result<Ordering, CdtError> {
        Ok(compare(self.value(a), self.value(b))?.then(compare(self.key(a), self.key(b))?))
    }

    /// Number of keys less than `key`.
    fn keys_less(&self, key: &[u8]) -> Result<usize, CdtError> {
        if self.is_ordered() {
            return Ok(self.search(key)?.unwrap_or_else(|at| at));
        }
        let mut below = 0;
        for i in 0..self.len() {
            if compare(self.key(i), key)? == Ordering::Less {
                below += 1;
            }
        }
        Ok(below)
    }

    /// Number of values less than `value`.
    fn values_less(&self, value: &[u8]) -> Result<usize, CdtError> {
        let mut below = 0;
        for i in 0..self.len() {
            if compare(self.value(i), value)? == Ordering::Less {
                below += 1;
            }
        }
        Ok(below)
    }

    /// The rank of the entry at storage position `at`: entries before it in (value, key)
    /// order, so equal values rank by key and ranks are distinct.
    fn rank_of(&self, at: usize) -> Result<usize, CdtError> {
        let mut below = 0;
        for i in 0..self.len() {
            if i != at && self.compare_by_value(i, at)? == Ordering::Less {
                below += 1;
            }
        }
        Ok(below)
    }

    /// Storage positions in key order.
    fn key_order(&self) -> Result<Vec<usize>, CdtError> {
        let mut order: Vec<usize> = (0..self.len()).collect();
        if self.is_ordered() {
            return Ok(order);
        }
        super::order::sort_by(&mut order, |&a, &b| compare(self.key(a), self.key(b)))?;
        Ok(order)
    }

    /// Puts the entries in key order (for a map becoming K-ordered, or rewritten sorted).
    fn sort_by_key(&mut self) -> Result<(), CdtError> {
        let order = self.key_order()?;
        let sorted = order.iter().map(|&i| self.entries[i].clone()).collect();
        self.entries = sorted;
        Ok(())
    }

    /// An unordered map (which Aerospike, and we, keep in key order anyway: whole writes, items
    /// and SET_TYPE sort it): the key's position if present, and where a new key goes: before
    /// the first larger key while the keys before it ascend, else at the end.
    fn find_unordered(&self, key: &[u8]) -> Result<(Option<usize>, usize), CdtError> {
        let mut insert_at = None;
        let mut ascending = true;
        for i in 0..self.len() {
            // Whether the keys still ascend matters only until the new key's place is found.
            if ascending && insert_at.is_none() && i > 0 && compare(self.key(i - 1), self.key(i))? != Ordering::Less {
                ascending = false;
            }
            let ordering = compare(self.key(i), key)?;
            if ordering == Ordering::Equal {
                return Ok((Some(i), i));
            }
            if ascending && insert_at.is_none() && ordering == Ordering::Greater {
                insert_at = Some(i);
            }
        }
        Ok((None, insert_at.unwrap_or(self.len())))
    }

    /// Writes `value` at `key` under the write `flags`: `Ok(true)` if written, `Ok(false)` if
    /// refused under NO_FAIL, the refusal's error otherwise.
    fn put(&mut self, key: Vec<u8>, value: Vec<u8>, flags: u64) -> Result<bool, CdtError> {
        let (found, at) = if self.is_ordered() {
            match self.search(&key)? {
                Ok(i) => (Some(i), i),
                Err(i) => (None, i),
            }
        } else {
            self.find_unordered(&key)?
        };
        let refused = match found {
            Some(_) if flags & CREATE_ONLY != 0 => Some(CdtError::ElementExists),
            None if flags & UPDATE_ONLY != 0 => Some(CdtError::ElementNotFound),
            _ => None,
        };
        if let Some(e) = refused {
            return if flags & NO_FAIL != 0 { Ok(false) } else { Err(e) };
        }
        match found {
            Some(i) => self.entries[i].1 = Item::Owned(value),
            None => self.entries.insert(at, (Item::Owned(key), Item::Owned(value))),
        }
        Ok(true)
    }
}

/// A value a map op will store: one element, without WILDCARD or INF, in compact form.
fn storable(value: &[u8]) -> Result<Vec<u8>, CdtError> {
    super::rewrite::rewrite(value)
}

/// A key a map op will store.
fn storable_key(key: &[u8]) -> Result<Vec<u8>, CdtError> {
    check_key(key)?;
    storable(key)
}

/// A key and value, each one packed element.
type Pair<'a> = (&'a [u8], &'a [u8]);

/// The entries of a map argument (PUT_ITEMS): `(key, value)` element pairs.
fn map_argument(element: &[u8]) -> Result<Vec<Pair<'_>>, CdtError> {
    let (header, pos) = read_header(element, 0)?;
    let Header::Map(n) = header else { return Err(CdtError::Parameter) };
    let (ranges, end) = element_ranges(element, pos, 2 * u64::from(n))?;
    if end != element.len() {
        return Err(CdtError::Parameter);
    }
    let mut pairs: Vec<Pair<'_>> = ranges.chunks(2).map(|p| (&element[p[0].clone()], &element[p[1].clone()])).collect();
    if pairs.first().is_some_and(|(k, _)| msgpack::metadata_flags(k).is_some()) {
        pairs.remove(0);
    }
    Ok(pairs)
}

/// Where a map op runs: on the bin itself, or on a map inside it (through a context).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Level {
    /// The bin's own map: it may keep PERSIST_INDEX.
    Top,
    /// A map inside the bin: PERSIST_INDEX is dropped.
    Nested,
}

impl Level {
    /// `flags` as a map at this level keeps them.
    fn keep(self, flags: u8) -> u8 {
        match self {
            Level::Top => flags,
            Level::Nested => flags & !PERSIST_INDEX,
        }
    }
}

/// Runs map op `op` with `args` on `bin` (the map's bytes; `None` if the bin does not exist),
/// a map at `level`.
pub fn apply(op: i64, args: &[&[u8]], bin: Option<&[u8]>, level: Level) -> Result<Applied, CdtError> {
    let (min, max) = arg_counts(op).ok_or(CdtError::Parameter)?;
    let a = Args::new(args, min, max)?;
    match bin {
        Some(bytes) => {
            let mut map = Map::parse(bytes)?;
            map.flags = level.keep(map.flags);
            apply_to(op, &a, map, level, false)
        }
        None => apply_missing(op, &a, level),
    }
}

/// SET_TYPE's flags: truncated to 8 bits, and refused (26) with a bit outside 0x13.
fn set_type_flags(a: &Args<'_, '_>) -> Result<u8, CdtError> {
    let flags = a.uint_or(0, 0)? as u8;
    if flags & !VALID_FLAGS != 0 {
        return Err(CdtError::OpNotApplicable);
    }
    Ok(flags)
}

/// An op on a bin that does not exist: the ops that write create the map (with the order
/// their map flags give), reads answer nothing, removals do nothing.
fn apply_missing(op: i64, a: &Args<'_, '_>, level: Level) -> Result<Applied, CdtError> {
    use code::*;
    // A write's map flags: truncated to 8 bits; with a bit outside 0x13 the map is unordered.
    let flags_at = |i: usize| -> Result<u8, CdtError> {
        let flags = a.uint_or(i, 0)? as u8;
        Ok(if flags & !VALID_FLAGS != 0 { 0 } else { flags })
    };
    let flags = match op {
        SET_TYPE => set_type_flags(a)?,
        PUT | ADD | INCREMENT | DECREMENT => flags_at(2)?,
        PUT_ITEMS | ADD_ITEMS => flags_at(1)?,
        REPLACE | REPLACE_ITEMS => return Err(CdtError::ElementNotFound),
        _ => return Ok(Applied::read(CdtResult::None)),
    };
    apply_to(op, a, Map::empty(level.keep(flags)), level, true)
}

fn apply_to<'a>(op: i64, a: &Args<'a, '_>, mut map: Map<'a>, level: Level, created: bool) -> Result<Applied, CdtError> {
    use code::*;
    match op {
        SET_TYPE => {
            let flags = set_type_flags(a)?;
            // Any change of order rewrites the map in key order.
            map.sort_by_key()?;
            map.flags = level.keep(flags);
            Ok(Applied::wrote(map.pack(), CdtResult::None))
        }
        PUT | ADD | REPLACE => {
            let key = storable_key(a.value(0)?)?;
            let value = storable(a.value(1)?)?;
            let flags = match op {
                ADD => CREATE_ONLY,
                REPLACE => UPDATE_ONLY,
                _ => a.uint_or(3, 0)?,
            };
            map.put(key, value, flags)?;
            Ok(Applied::wrote(map.pack(), CdtResult::Int(map.len() as i64)))
        }
        PUT_ITEMS | ADD_ITEMS | REPLACE_ITEMS => {
            let flags = match op {
                ADD_ITEMS => CREATE_ONLY,
                REPLACE_ITEMS => UPDATE_ONLY,
                _ => a.uint_or(2, 0)?,
            };
            // The items are checked and put in key order, as the server rewrites them; an
            // unordered map is put in key order first.
            let items_bytes = super::rewrite::rewrite(a.value(0)?)?;
            let items = map_argument(&items_bytes)?;
            if !map.is_ordered() {
                map.sort_by_key()?;
            }
            let before = map.clone();
            let partial = flags & NO_FAIL != 0 && flags & PARTIAL != 0;
            for (key, value) in items {
                let written = map.put(storable_key(key)?, storable(value)?, flags)?;
                if !written && !partial {
                    // Refused under NO_FAIL without PARTIAL: the whole op is a no-op.
                    return Ok(Applied::wrote(before.pack(), CdtResult::Int(before.len() as i64)));
                }
            }
            Ok(Applied::wrote(map.pack(), CdtResult::Int(map.len() as i64)))
        }
        INCREMENT | DECREMENT => increment(map, a, op == DECREMENT),
        CLEAR => {
            map.entries.clear();
            Ok(Applied::wrote(map.pack(), CdtResult::None))
        }
        SIZE => Ok(Applied::read(CdtResult::Int(map.len() as i64))),
        _ => {
            let _ = created;
            select(op, a, map)
        }
    }
}

fn increment<'a>(mut map: Map<'a>, a: &Args<'a, '_>, negate: bool) -> Result<Applied, CdtError> {
    let key = storable_key(a.value(0)?)?;
    let delta = Number::delta(a.opt_value(1)?)?;
    let delta = if negate { delta.negated() } else { delta };
    let current = match map.find(&key)? {
        Some(i) => Number::of(map.value(i))?.ok_or(CdtError::Parameter)?,
        None => delta.zero(),
    };
    let packed = current.plus(delta).pack();
    map.put(key, packed.clone(), 0)?;
    Ok(Applied::wrote(map.pack(), CdtResult::Element(packed)))
}

// ---- Selections ----

/// The map in key order: position `i` (the map index) is storage entry `order[i]`.
struct Keyed<'m, 'a> {
    map: &'m Map<'a>,
    order: Vec<usize>,
}

impl<'m, 'a> Keyed<'m, 'a> {
    fn new(map: &'m Map<'a>) -> Result<Keyed<'m, 'a>, CdtError> {
        Ok(Keyed { order: map.key_order()?, map })
    }

    fn len(&self) -> usize {
        self.order.len()
    }

    fn key(&self, i: usize) -> &[u8] {
        self.map.key(self.order[i])
    }

    fn value(&self, i: usize) -> &[u8] {
        self.map.value(self.order[i])
    }

    /// Map indexes in value order (equal values in key order).
    fn value_order(&self) -> Result<Vec<usize>, CdtError> {
        let mut order: Vec<usize> = (0..self.len()).collect();
        super::order::sort_by(&mut order, |&a, &b| compare(self.value(a), self.value(b)))?;
        Ok(order)
    }

    /// Number of keys less than `key`.
    fn keys_less(&self, key: &[u8]) -> Result<usize, CdtError> {
        let (mut lo, mut hi) = (0, self.len());
        while lo < hi {
            let mid = lo + (hi - lo) / 2;
            if compare(self.key(mid), key)? == Ordering::Less {
                lo = mid + 1;
            } else {
                hi = mid;
            }
        }
        Ok(lo)
    }

    /// Number of values less than `value`.
    fn values_less(&self, value: &[u8]) -> Result<usize, CdtError> {
        self.map.values_less(value)
    }

    /// The rank of map index `i` ((value, key) order).
    fn rank_of(&self, i: usize) -> Result<usize, CdtError> {
        self.map.rank_of(self.order[i])
    }
}

/// A selection in map indexes (key order).
#[derive(Debug, Clone)]
struct Selection {
    /// Selected map indexes, in the order results are given.
    picked: Vec<usize>,
    index: Emission,
    rank: Emission,
}

/// A contiguous block of map indexes.
fn index_block(keyed: &Keyed<'_, '_>, block: Range<usize>, inverted: bool) -> Result<Selection, CdtError> {
    let n = keyed.len();
    let (s, c) = (block.start, block.len());
    let blocks = if inverted { complement_blocks(&[(s, c)], n) } else { vec![(s, c)] };
    let picked: Vec<usize> = blocks.iter().flat_map(|&(s, c)| s..s + c).collect();
    let rank = if picked.len() == n {
        Emission::Blocks(vec![(0, n)])
    } else {
        let mut ranks = Vec::with_capacity(picked.len());
        for &i in &picked {
            ranks.push(keyed.rank_of(i)?);
        }
        Emission::Each(ranks)
    };
    Ok(Selection { index: Emission::Blocks(blocks), rank, picked })
}

/// Map indexes picked one by one (ascending), which form one block of ranks `[r, r+count)`.
fn rank_block(keyed: &Keyed<'_, '_>, picked: Vec<usize>, r: usize, inverted: bool) -> Selection {
    let n = keyed.len();
    let c = picked.len();
    if inverted {
        let rest = complement(&picked, n);
        return Selection {
            index: Emission::Each(rest.clone()),
            rank: Emission::Blocks(complement_blocks(&[(r, c)], n)),
            picked: rest,
        };
    }
    Selection { index: Emission::Each(picked.clone()), rank: Emission::Blocks(vec![(r, c)]), picked }
}

/// The entries whose value is one of `values`. Aerospike takes one of two paths (§Q5 of the
/// map notes): `by_value_order` (a map with a value index, or of at most one entry) answers
/// indexes and ranks per listed value, a repeated value repeating them, and inverted ranks in
/// key order; otherwise indexes come in key order, ranks per listed value with a repeated value
/// answered once (at its last place), and inverted ranks as ascending blocks. Elements, counts
/// and removals go by the entries matched either way.
fn value_list(
    keyed: &Keyed<'_, '_>,
    values: &[&[u8]],
    by_value_order: bool,
    inverted: bool,
) -> Result<Selection, CdtError> {
    let n = keyed.len();
    let mut matched = vec![false; n];
    // Per listed value: the map indexes it matches (key order) and its block of ranks.
    let mut per_value: Vec<(Vec<usize>, (usize, usize))> = Vec::with_capacity(values.len());
    for value in values {
        let mut hits = Vec::new();
        for (i, m) in matched.iter_mut().enumerate() {
            if compare(keyed.value(i), value)? == Ordering::Equal {
                hits.push(i);
                *m = true;
            }
        }
        let count = hits.len();
        per_value.push((hits, (keyed.values_less(value)?, count)));
    }
    let picked: Vec<usize> = (0..n).filter(|&i| matched[i] != inverted).collect();
    if inverted {
        let rank = if by_value_order {
            let mut ranks = Vec::with_capacity(picked.len());
            for &i in &picked {
                ranks.push(keyed.rank_of(i)?);
            }
            Emission::Each(ranks)
        } else {
            let blocks: Vec<(usize, usize)> = per_value.iter().map(|(_, block)| *block).collect();
            Emission::Blocks(complement_blocks(&blocks, n))
        };
        return Ok(Selection { index: Emission::Each(picked.clone()), rank, picked });
    }
    if by_value_order {
        let index = per_value.iter().flat_map(|(hits, _)| hits.iter().copied()).collect();
        let blocks = per_value.iter().map(|(_, block)| *block).collect();
        return Ok(Selection { index: Emission::Each(index), rank: Emission::Blocks(blocks), picked });
    }
    let mut blocks = Vec::with_capacity(values.len());
    for (at, value) in values.iter().enumerate() {
        let mut repeated_later = false;
        for later in &values[at + 1..] {
            if compare(later, value)? == Ordering::Equal {
                repeated_later = true;
                break;
            }
        }
        if !repeated_later {
            blocks.push(per_value[at].1);
        }
    }
    Ok(Selection { index: Emission::Each(picked.clone()), rank: Emission::Blocks(blocks), picked })
}

/// Ranks `[start, end)`: values come in rank order.
fn rank_range(keyed: &Keyed<'_, '_>, ranks: Range<usize>, inverted: bool) -> Result<Selection, CdtError> {
    let n = keyed.len();
    let (s, c) = (ranks.start, ranks.len());
    let order = keyed.value_order()?;
    let picked: Vec<usize> = order[ranks].to_vec();
    let mut index = picked.clone();
    index.sort_unstable();
    if inverted {
        let rest = complement(&index, n);
        return Ok(Selection {
            index: Emission::Each(rest.clone()),
            rank: Emission::Blocks(complement_blocks(&[(s, c)], n)),
            picked: rest,
        });
    }
    Ok(Selection { index: Emission::Each(index), rank: Emission::Blocks(vec![(s, c)]), picked })
}

/// Map indexes whose key is in `[begin, end)`.
fn key_interval(keyed: &Keyed<'_, '_>, begin: &[u8], end: Option<&[u8]>) -> Result<Range<usize>, CdtError> {
    let from = keyed.keys_less(begin)?;
    let to = match end {
        Some(end) => keyed.keys_less(end)?.max(from),
        None => keyed.len(),
    };
    Ok(from..to)
}

/// An `(anchor + offset, count)` range, shifted to start at 0 when it begins before it.
fn relative(anchor: usize, offset: i64, count: Option<u64>, size: usize) -> Range<usize> {
    let mut start = anchor as i128 + i128::from(offset);
    let mut count = count.map_or(i128::MAX, i128::from);
    if start < 0 {
        count = count.saturating_add(start).max(0);
        start = 0;
    }
    let from = start.min(size as i128) as usize;
    let to = start.saturating_add(count).min(size as i128) as usize;
    from..to.max(from)
}

fn select<'a>(op: i64, a: &Args<'a, '_>, mut map: Map<'a>) -> Result<Applied, CdtError> {
    let (selector, remove) = selector(op).ok_or(CdtError::Parameter)?;
    let (rtype, inverted) = split_rtype(a.uint_or(0, 0)?)?;
    let n = map.len();
    // Single-entry selections find their entry without putting the map in key order: the
    // storage position found, and its rank when the op named it.
    let single = match selector {
        Selector::Key => {
            let key = a.value(1)?;
            check_key(key)?;
            Some(map.find(key)?.map(|at| (at, None)))
        }
        Selector::Index => {
            let index = single_index(a.int(1)?, n)?;
            let at = if map.is_ordered() { index } else { nth(n, index, |x, y| compare(map.key(x), map.key(y)))? };
            Some(Some((at, None)))
        }
        Selector::Rank => {
            let rank = single_index(a.int(1)?, n)?;
            let at = nth(n, rank, |x, y| map.compare_by_value(x, y))?;
            Some(Some((at, Some(rank))))
        }
        Selector::Value => {
            let value = a.value(1)?;
            let mut found: Option<(usize, Option<usize>)> = None;
            for at in 0..n {
                if compare(map.value(at), value)? == Ordering::Equal {
                    // The first in key order.
                    let better = match found {
                        Some((f, _)) => compare(map.key(at), map.key(f))? == Ordering::Less,
                        None => true,
                    };
                    if better {
                        found = Some((at, None));
                    }
                    if map.is_ordered() {
                        break;
                    }
                }
            }
            Some(found)
        }
        _ => None,
    };
    if let Some(found) = single {
        if inverted {
            return Err(CdtError::OpNotApplicable);
        }
        let result = single_result(&map, found, rtype)?;
        if !remove {
            return Ok(Applied::read(result));
        }
        if let Some((at, _)) = found {
            map.entries.remove(at);
        }
        return Ok(Applied::wrote(map.pack(), result));
    }
    let keyed = Keyed::new(&map)?;
    // The block of indexes or ranks a range selects, for Aerospike's EXISTS + INVERTED answers.
    let mut block: Option<Range<usize>> = None;
    let selection = match selector {
        Selector::IndexRange => {
            let r = range(a.int(1)?, a.opt_count(2)?, n);
            block = Some(r.clone());
            index_block(&keyed, r, inverted)?
        }
        Selector::KeyInterval => {
            let r = key_interval(&keyed, a.value(1)?, a.opt_value(2)?)?;
            block = Some(r.clone());
            index_block(&keyed, r, inverted)?
        }
        Selector::KeyRelIndexRange => {
            let anchor = keyed.keys_less(a.value(1)?)?;
            let r = relative(anchor, a.int(2)?, a.opt_count(3)?, n);
            block = Some(r.clone());
            index_block(&keyed, r, inverted)?
        }
        Selector::KeyList => {
            if matches!(rtype, result::RANK | result::REVERSE_RANK) {
                return Err(CdtError::OpNotApplicable);
            }
            let keys = a.list(1)?;
            // Indexes come per listed key, in the list's order (a repeated key repeats).
            let mut per_key = Vec::new();
            let mut chosen = vec![false; n];
            for key in &keys {
                let at = keyed.keys_less(key)?;
                let mut i = at;
                while i < n && compare(keyed.key(i), key)? == Ordering::Equal {
                    per_key.push(i);
                    chosen[i] = true;
                    i += 1;
                }
            }
            let picked: Vec<usize> = (0..n).filter(|&i| chosen[i] != inverted).collect();
            let index = if inverted { Emission::Each(picked.clone()) } else { Emission::Each(per_key) };
            Selection { index, rank: Emission::Each(Vec::new()), picked }
        }
        Selector::AllByValue | Selector::ValueInterval => {
            let begin = a.value(1)?;
            let end = if selector == Selector::ValueInterval { a.opt_value(2)? } else { None };
            let mut picked = Vec::new();
            for i in 0..n {
                let value = keyed.value(i);
                let hit = if selector == Selector::AllByValue {
                    compare(value, begin)? == Ordering::Equal
                } else {
                    compare(value, begin)? != Ordering::Less
                        && match end {
                            Some(end) => compare(value, end)? == Ordering::Less,
                            None => true,
                        }
                };
                if hit {
                    picked.push(i);
                }
            }
            let r = keyed.values_less(begin)?;
            if map.has_value_index() && !inverted {
                // Aerospike answers from the persisted value index: elements and indexes in
                // rank order (ties stay in key order).
                super::order::sort_by(&mut picked, |&x, &y| compare(keyed.value(x), keyed.value(y)))?;
            }
            rank_block(&keyed, picked, r, inverted)
        }
        Selector::ValueList => value_list(&keyed, &a.list(1)?, map.has_value_index() || n <= 1, inverted)?,
        Selector::RankRange => {
            let r = range(a.int(1)?, a.opt_count(2)?, n);
            block = Some(r.clone());
            rank_range(&keyed, r, inverted)?
        }
        Selector::ValueRelRankRange => {
            let anchor = keyed.values_less(a.value(1)?)?;
            let r = relative(anchor, a.int(2)?, a.opt_count(3)?, n);
            block = Some(r.clone());
            rank_range(&keyed, r, inverted)?
        }
        Selector::Key | Selector::Index | Selector::Value | Selector::Rank => unreachable!("single selections"),
    };
    let result = if rtype == result::EXISTS && inverted {
        CdtResult::Bool(exists_inverted(selector, map.is_ordered(), selection.picked.len(), n, block))
    } else {
        multi_result(&keyed, &selection, rtype)?
    };
    let mut gone = vec![false; n];
    for &i in &selection.picked {
        gone[keyed.order[i]] = true;
    }
    drop(keyed);
    if !remove {
        return Ok(Applied::read(result));
    }
    let mut i = 0;
    map.entries.retain(|_| {
        let keep = !gone[i];
        i += 1;
        keep
    });
    Ok(Applied::wrote(map.pack(), result))
}

/// EXISTS with INVERTED as Aerospike answers it (`particle_map.c`): "the rest is not empty"
/// where the code inverts a mask, but "the selection was empty" on the paths that answer from a
/// range count (value selections, key intervals of unordered maps), and false for a range in
/// the middle of the map (rank ranges; index ranges of unordered maps).
fn exists_inverted(selector: Selector, ordered: bool, rest: usize, n: usize, block: Option<Range<usize>>) -> bool {
    let selected = n - rest;
    let middle = block.is_some_and(|b| b.start > 0 && b.end < n && !b.is_empty());
    match selector {
        Selector::AllByValue | Selector::ValueInterval => selected == 0,
        Selector::KeyInterval if !ordered => selected == 0,
        Selector::RankRange | Selector::ValueRelRankRange if middle => false,
        Selector::IndexRange | Selector::KeyRelIndexRange if middle && !ordered => false,
        _ => rest > 0,
    }
}

/// A map of the picked entries: with `flags` metadata (PRESERVE_ORDER, K_ORDERED) or none.
fn entries_map(keyed: &Keyed<'_, '_>, picked: impl Iterator<Item = usize>, flags: u8, count: usize) -> Vec<u8> {
    let mut out = Vec::new();
    msgpack::pack_map_header(&mut out, count + usize::from(flags != 0));
    if flags != 0 {
        msgpack::pack_metadata(&mut out, flags);
        msgpack::pack_nil(&mut out);
    }
    for i in picked {
        out.extend_from_slice(keyed.key(i));
        out.extend_from_slice(keyed.value(i));
    }
    out
}

fn multi_result(keyed: &Keyed<'_, '_>, selection: &Selection, rtype: u64) -> Result<CdtResult, CdtError> {
    let n = keyed.len();
    let picked = &selection.picked;
    Ok(match rtype {
        result::NONE => CdtResult::None,
        result::COUNT => CdtResult::Int(picked.len() as i64),
        result::EXISTS => CdtResult::Bool(!picked.is_empty()),
        result::INDEX | result::REVERSE_INDEX => {
            CdtResult::int_list(selection.index.ints(n, rtype == result::REVERSE_INDEX).into_iter())
        }
        result::RANK | result::REVERSE_RANK => {
            CdtResult::int_list(selection.rank.ints(n, rtype == result::REVERSE_RANK).into_iter())
        }
        result::KEY => CdtResult::element_list(picked.iter().map(|&i| keyed.key(i))),
        result::VALUE => CdtResult::element_list(picked.iter().map(|&i| keyed.value(i))),
        result::KEY_VALUE => {
            CdtResult::Element(entries_map(keyed, picked.iter().copied(), PRESERVE_ORDER, picked.len()))
        }
        // An unordered map keeps the selection's order; an ordered one is in key order.
        result::UNORDERED_MAP => CdtResult::Element(entries_map(keyed, picked.iter().copied(), 0, picked.len())),
        result::ORDERED_MAP => {
            let mut sorted = picked.clone();
            sorted.sort_unstable();
            CdtResult::Element(entries_map(keyed, sorted.into_iter(), K_ORDERED, picked.len()))
        }
        _ => return Err(CdtError::OpNotApplicable),
    })
}

fn single_result(map: &Map<'_>, found: Option<(usize, Option<usize>)>, rtype: u64) -> Result<CdtResult, CdtError> {
    let n = map.len() as i64;
    let Some((at, rank)) = found else {
        return Ok(match rtype {
            result::NONE | result::KEY | result::VALUE => CdtResult::None,
            result::INDEX | result::REVERSE_INDEX | result::RANK | result::REVERSE_RANK => CdtResult::Int(-1),
            result::COUNT => CdtResult::Int(0),
            result::EXISTS => CdtResult::Bool(false),
            result::KEY_VALUE => CdtResult::Element(one_entry_map(None, PRESERVE_ORDER)),
            result::UNORDERED_MAP => CdtResult::Element(one_entry_map(None, 0)),
            result::ORDERED_MAP => CdtResult::Element(one_entry_map(None, K_ORDERED)),
            _ => return Err(CdtError::OpNotApplicable),
        });
    };
    let entry = Some((map.key(at), map.value(at)));
    Ok(match rtype {
        result::NONE => CdtResult::None,
        result::INDEX | result::REVERSE_INDEX => {
            let index = if map.is_ordered() { at } else { map.keys_less(map.key(at))? } as i64;
            CdtResult::Int(if rtype == result::INDEX { index } else { n - 1 - index })
        }
        result::RANK | result::REVERSE_RANK => {
            let rank = match rank {
                Some(rank) => rank,
                None => map.rank_of(at)?,
            } as i64;
            CdtResult::Int(if rtype == result::RANK { rank } else { n - 1 - rank })
        }
        result::COUNT => CdtResult::Int(1),
        result::EXISTS => CdtResult::Bool(true),
        result::KEY => CdtResult::Element(map.key(at).to_vec()),
        result::VALUE => CdtResult::Element(map.value(at).to_vec()),
        result::KEY_VALUE => CdtResult::Element(one_entry_map(entry, PRESERVE_ORDER)),
        result::UNORDERED_MAP => CdtResult::Element(one_entry_map(entry, 0)),
        result::ORDERED_MAP => CdtResult::Element(one_entry_map(entry, K_ORDERED)),
        _ => return Err(CdtError::OpNotApplicable),
    })
}

/// A map of at most one entry, with `flags` metadata (or none).
fn one_entry_map(entry: Option<(&[u8], &[u8])>, flags: u8) -> Vec<u8> {
    let mut out = Vec::new();
    msgpack::pack_map_header(&mut out, usize::from(entry.is_some()) + usize::from(flags != 0));
    if flags != 0 {
        msgpack::pack_metadata(&mut out, flags);
        msgpack::pack_nil(&mut out);
    }
    if let Some((key, value)) = entry {
        out.extend_from_slice(key);
        out.extend_from_slice(value);
    }
    out
}

#[cfg(test)]
mod tests;

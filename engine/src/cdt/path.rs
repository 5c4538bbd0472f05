//! Path select and modify (CDT op 0xFE, server 8.1; PROTOCOL-DATA.md §A.9; Aerospike's
//! `cdt.c`, `cdt_process_state_select` and `cdt_select_*`).
//!
//! `[0xFE, [type, value, ...], flags]` walks a list or map level by level: each level selects
//! children of every container the level before selected (by index, rank, key, value, a list of
//! keys, or an expression over the child's key, value and index), and an AND expression can
//! narrow a level further. The selection comes back as the pruned tree (TREE), as a flat list of
//! leaf values, keys or key/value pairs, or (APPLY, `[0xFE, ctx, flags | 4, exp]`) each selected
//! leaf is replaced by what an expression gives for it, or removed.
//!
//! Expressions are the server's business: this module names them by level and asks a
//! [`PathExp`] to run them.

use super::msgpack::{self, element_ranges, read_header, Header};
use super::order;
use super::result::CdtResult;
use super::select;
use super::CdtError;

/// The op code of a path select or modify.
pub const CODE: i64 = 0xFE;
/// At most this many levels.
pub const MAX_LEVELS: usize = 64;

/// Flag: a type mismatch or an unknown expression result deselects instead of failing.
pub const NO_FAIL: i64 = 0x10;

/// What a path op answers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// The selected part of the bin, shaped like the bin.
    Tree,
    /// A list of the selected leaf values.
    Values,
    /// A list of the selected leaf map keys.
    Keys,
    /// A flat list of the selected leaf map keys and values.
    KeyValues,
    /// Each selected leaf replaced by the modify expression's result.
    Apply,
}

const CTX_LIST: u64 = 0x10;
const CTX_MAP: u64 = 0x20;
const CTX_AND: u64 = 0x200;
const BY_INDEX: u64 = 0;
const BY_RANK: u64 = 1;
const BY_KEY: u64 = 2;
const BY_VALUE: u64 = 3;
const BY_EXP: u64 = 4;
const BY_KEY_LIST: u64 = 10;

/// How a level picks children.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum By<'a> {
    /// The child at an index (negative: from the end).
    Index(i64),
    /// The child at a rank (maps: by value, then key).
    Rank(i64),
    /// The map entry with this key (packed).
    Key(&'a [u8]),
    /// Children with this value (packed).
    Value(&'a [u8]),
    /// Map entries whose key is in this packed list.
    KeyList(&'a [u8]),
    /// Children the level's expression is true for (every child for `true`).
    Exp(Option<&'a [u8]>),
}

/// One level of a path.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Level<'a> {
    /// The context type as sent (its container bits are checked against what is found).
    ctx_type: u64,
    /// How it picks.
    pub by: By<'a>,
    /// An extra filter on what it picked (`AND | EXP`), packed.
    pub and_exp: Option<&'a [u8]>,
}

/// A parsed path op.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PathOp<'a> {
    /// The levels, outermost first.
    pub levels: Vec<Level<'a>>,
    /// What it answers.
    pub mode: Mode,
    /// NO_FAIL.
    pub no_fail: bool,
    /// The modify expression (APPLY only), packed.
    pub apply_exp: Option<&'a [u8]>,
}

/// True if `payload` is a path op (its first element is 0xFE).
pub fn is_path(payload: &[u8]) -> bool {
    let Ok((Header::List(n), pos)) = read_header(payload, 0) else { return false };
    n > 0 && matches!(read_header(payload, pos), Ok((Header::Int(CODE), _)) | Ok((Header::UInt(0xFE), _)))
}

/// Parses `[0xFE, [type, value, ...], flags(, exp)]` (4 for anything malformed).
pub fn parse(payload: &[u8]) -> Result<PathOp<'_>, CdtError> {
    let (header, pos) = read_header(payload, 0)?;
    let Header::List(n) = header else { return Err(CdtError::Parameter) };
    let (items, end) = element_ranges(payload, pos, u64::from(n))?;
    if end != payload.len() || !(3..=4).contains(&items.len()) {
        return Err(CdtError::Parameter);
    }
    let item = |i: usize| &payload[items[i].clone()];
    let (pairs_header, pairs_pos) = read_header(item(1), 0)?;
    let Header::List(n_pairs) = pairs_header else { return Err(CdtError::Parameter) };
    if n_pairs == 0 || n_pairs % 2 == 1 || n_pairs as usize / 2 > MAX_LEVELS {
        return Err(CdtError::Parameter);
    }
    let (pairs, _) = element_ranges(item(1), pairs_pos, u64::from(n_pairs))?;
    let mut levels: Vec<Level<'_>> = Vec::with_capacity(pairs.len() / 2);
    for pair in pairs.chunks(2) {
        let ctx_type = super::args::uint(&item(1)[pair[0].clone()])?;
        let value = &item(1)[pair[1].clone()];
        let exp = || -> Result<Option<&[u8]>, CdtError> {
            match read_header(value, 0)?.0 {
                Header::List(_) => Ok(Some(value)),
                Header::Bool(true) => Ok(None),
                _ => Err(CdtError::Parameter),
            }
        };
        if ctx_type & CTX_AND != 0 {
            // Only `AND | EXP`, once, after a level that is not itself an expression.
            let Some(last) = levels.last_mut() else { return Err(CdtError::Parameter) };
            if ctx_type != CTX_AND | BY_EXP || last.and_exp.is_some() || matches!(last.by, By::Exp(_)) {
                return Err(CdtError::Parameter);
            }
            last.and_exp = Some(exp()?.ok_or(CdtError::Parameter)?);
            continue;
        }
        let by = match ctx_type & 0x0f {
            BY_INDEX => By::Index(super::args::int(value)?),
            BY_RANK => By::Rank(super::args::int(value)?),
            BY_KEY => By::Key(value),
            BY_VALUE => By::Value(value),
            BY_KEY_LIST => By::KeyList(value),
            BY_EXP => By::Exp(exp()?),
            _ => return Err(CdtError::Parameter),
        };
        levels.push(Level { ctx_type, by, and_exp: None });
    }
    let flags = super::args::int(item(2))?;
    let mode = match flags & 0x0f {
        0 => Mode::Tree,
        1 => Mode::Values,
        2 => Mode::Keys,
        3 => Mode::KeyValues,
        4 => Mode::Apply,
        _ => return Err(CdtError::Parameter),
    };
    if items.len() != if mode == Mode::Apply { 4 } else { 3 } {
        return Err(CdtError::Parameter);
    }
    let apply_exp = (mode == Mode::Apply).then(|| item(3));
    Ok(PathOp { levels, mode, no_fail: flags & NO_FAIL != 0, apply_exp })
}

/// A child as an expression sees it: the built-in variables KEY (maps), VALUE and INDEX (lists).
#[derive(Debug, Clone, Copy)]
pub struct Child<'a> {
    /// The map key (packed); `None` in a list.
    pub key: Option<&'a [u8]>,
    /// The value (packed).
    pub value: &'a [u8],
    /// The list index; `None` in a map.
    pub index: Option<u64>,
}

/// What the modify expression gave for a leaf.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Modified {
    /// `remove_result`: the leaf goes.
    Remove,
    /// The leaf's new value, packed.
    Replace(Vec<u8>),
    /// The expression could not be evaluated.
    Unknown,
    /// A value that cannot be stored (WILDCARD, INF).
    NotStorable,
}

/// Runs a path op's expressions; the server implements it.
pub trait PathExp {
    /// Level `level`'s expression (its AND expression if `and`) on `child`: true, false, or
    /// `None` for unknown.
    fn test(&self, level: usize, and: bool, child: Child<'_>) -> Option<bool>;
    /// The modify expression on a selected leaf.
    fn modify(&self, child: Child<'_>) -> Modified;
}

/// What a path op did: the bin's new bytes (APPLY) and the result.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PathOutcome {
    /// The bin's new bytes, if it changed.
    pub new: Option<Vec<u8>>,
    /// The answer (nothing for APPLY).
    pub result: CdtResult,
}

/// Runs `op` on the bytes of a list or map bin.
pub fn run(op: &PathOp<'_>, bin: &[u8], exps: &dyn PathExp) -> Result<PathOutcome, CdtError> {
    let walk = Walk { op, exps };
    let mut out = Vec::new();
    match op.mode {
        Mode::Tree => {
            walk.level(bin, 0, &mut Sink::Tree(&mut out))?;
            Ok(PathOutcome { new: None, result: CdtResult::Element(out) })
        }
        Mode::Values | Mode::Keys | Mode::KeyValues => {
            let mut leaves = Vec::new();
            walk.level(bin, 0, &mut Sink::Leaves(&mut leaves))?;
            msgpack::pack_list_header(&mut out, leaves.len());
            for leaf in leaves {
                out.extend_from_slice(leaf);
            }
            Ok(PathOutcome { new: None, result: CdtResult::Element(out) })
        }
        Mode::Apply => {
            let changed = walk.apply(bin, 0)?;
            let new = match changed {
                Some(bytes) => Some(super::rewrite(&bytes).map_err(|_| CdtError::Corrupt)?),
                None => None,
            };
            Ok(PathOutcome { new, result: CdtResult::None })
        }
    }
}

/// Where selected parts go.
enum Sink<'o, 'b> {
    /// The pruned tree, packed.
    Tree(&'o mut Vec<u8>),
    /// Leaf keys and values, in order.
    Leaves(&'o mut Vec<&'b [u8]>),
}

struct Walk<'p, 'a> {
    op: &'p PathOp<'a>,
    exps: &'p dyn PathExp,
}

/// A container's children: list elements or map entries, with the metadata element set apart.
struct Children<'b> {
    is_map: bool,
    /// The metadata ext (a list's first element, a map's first key), if any.
    meta: Option<&'b [u8]>,
    /// (key, value) per child; `key` is `None` in a list.
    items: Vec<(Option<&'b [u8]>, &'b [u8])>,
    /// The ordered-list flag.
    ordered_list: bool,
}

fn children(bytes: &[u8]) -> Result<Children<'_>, CdtError> {
    let (header, pos) = read_header(bytes, 0)?;
    let (is_map, n) = match header {
        Header::List(n) => (false, u64::from(n)),
        Header::Map(n) => (true, 2 * u64::from(n)),
        _ => return Err(CdtError::IncompatibleType),
    };
    let (ranges, _) = element_ranges(bytes, pos, n)?;
    let mut parts: Vec<&[u8]> = ranges.into_iter().map(|r| &bytes[r]).collect();
    let meta = parts.first().and_then(|first| msgpack::metadata_flags(first).map(|_| *first));
    let mut ordered_list = false;
    if let Some(m) = meta {
        ordered_list = !is_map && msgpack::metadata_flags(m).is_some_and(|f| f & 1 != 0);
        // A map's metadata takes a whole pair (the ext key and a nil value).
        parts.drain(..if is_map { 2.min(parts.len()) } else { 1 });
    }
    let items = if is_map {
        parts.chunks(2).map(|kv| (Some(kv[0]), kv.get(1).copied().unwrap_or_default())).collect()
    } else {
        parts.into_iter().map(|v| (None, v)).collect()
    };
    Ok(Children { is_map, meta, items, ordered_list })
}

fn is_container(element: &[u8]) -> bool {
    matches!(read_header(element, 0), Ok((Header::List(_) | Header::Map(_), _)))
}

/// The position an index names among `n` (negative: from the end), if in range.
fn position(index: i64, n: usize) -> Option<usize> {
    let at = if index < 0 { n as i64 + index } else { index };
    (0..n as i64).contains(&at).then_some(at as usize)
}

impl<'p, 'a> Walk<'p, 'a> {
    fn is_leaf(&self, level: usize) -> bool {
        level + 1 == self.op.levels.len()
    }

    /// The positions of the children level `level` selects in `c`, in order.
    fn selected(&self, level: usize, c: &Children<'_>) -> Result<Vec<usize>, CdtError> {
        let l = &self.op.levels[level];
        // The level's container bits must match what is there (Aerospike masks lists with 0x30
        // and maps with 0xF0, so create flags pass on a list level and not on a map level).
        let type_ok =
            if c.is_map { matches!(l.ctx_type & 0xf0, 0 | CTX_MAP) } else { matches!(l.ctx_type & 0x30, 0 | CTX_LIST) };
        if !type_ok {
            return Err(CdtError::Parameter);
        }
        let n = c.items.len();
        let child = |i: usize| Child { key: c.items[i].0, value: c.items[i].1, index: (!c.is_map).then_some(i as u64) };
        let mut picked = Vec::new();
        match l.by {
            By::Index(i) | By::Rank(i) => {
                let Some(at) = position(i, n) else { return Ok(picked) };
                let at = match l.by {
                    By::Rank(_) if !(c.ordered_list) => self.by_rank(c, at)?,
                    // Map indexes are key order, which is how maps are stored.
                    _ => at,
                };
                picked.push(at);
            }
            _ => {
                // A key list is sorted once per container, then searched per entry.
                let keys = match l.by {
                    By::KeyList(keys) if c.is_map => sorted_keys(keys)?,
                    _ => Vec::new(),
                };
                for i in 0..n {
                    let tri = match l.by {
                        By::Exp(None) => Some(true),
                        By::Exp(Some(_)) => self.exps.test(level, false, child(i)),
                        By::Value(v) => Some(order::compare(c.items[i].1, v)? == std::cmp::Ordering::Equal),
                        By::Key(k) if c.is_map => {
                            Some(order::compare(c.items[i].0.unwrap_or_default(), k)? == std::cmp::Ordering::Equal)
                        }
                        By::KeyList(_) if c.is_map => Some(contains(&keys, c.items[i].0.unwrap_or_default())?),
                        _ => None,
                    };
                    if self.decide(tri)? {
                        picked.push(i);
                    }
                }
            }
        }
        if l.and_exp.is_some() {
            let mut kept = Vec::with_capacity(picked.len());
            for i in picked {
                if self.decide(self.exps.test(level, true, child(i)))? {
                    kept.push(i);
                }
            }
            picked = kept;
        }
        Ok(picked)
    }

    /// Unknown is an error (4) unless NO_FAIL, where it deselects.
    fn decide(&self, tri: Option<bool>) -> Result<bool, CdtError> {
        match tri {
            Some(b) => Ok(b),
            None if self.op.no_fail => Ok(false),
            None => Err(CdtError::Parameter),
        }
    }

    /// The position of the child at `rank`: lists by value, maps by value then key.
    fn by_rank(&self, c: &Children<'_>, rank: usize) -> Result<usize, CdtError> {
        let key = |i: usize| c.items[i].0.unwrap_or_default();
        select::nth(c.items.len(), rank, |a, b| match order::compare(c.items[a].1, c.items[b].1)? {
            std::cmp::Ordering::Equal if c.is_map => order::compare(key(a), key(b)),
            o => Ok(o),
        })
    }

    /// Walks level `level` over the container `bytes`, sending what it selects to `sink`.
    fn level<'b>(&self, bytes: &'b [u8], level: usize, sink: &mut Sink<'_, 'b>) -> Result<(), CdtError> {
        let c = children(bytes)?;
        let leaf = self.is_leaf(level);
        let empty = c.items.is_empty() && c.meta.is_none();
        if !empty && leaf && matches!(self.op.mode, Mode::Keys | Mode::KeyValues) && !c.is_map {
            // A list has no keys to give.
            return if self.op.no_fail { Ok(()) } else { Err(CdtError::IncompatibleType) };
        }
        if c.items.is_empty() {
            if let Sink::Tree(out) = sink {
                // An empty container stays, with its metadata if it had some.
                match (c.is_map, c.meta) {
                    (false, None) => msgpack::pack_list_header(out, 0),
                    (true, None) => msgpack::pack_map_header(out, 0),
                    (false, Some(m)) => {
                        msgpack::pack_list_header(out, 1);
                        out.extend_from_slice(m);
                    }
                    (true, Some(m)) => {
                        msgpack::pack_map_header(out, 1);
                        out.extend_from_slice(m);
                        msgpack::pack_nil(out);
                    }
                }
            }
            return Ok(());
        }
        let picked = self.selected(level, &c)?;
        match sink {
            Sink::Tree(out) => {
                // Children that are not containers below the leaf level go whole.
                let mut body = Vec::new();
                for &i in &picked {
                    let (key, value) = c.items[i];
                    if let Some(k) = key {
                        body.extend_from_slice(k);
                    }
                    if !leaf && is_container(value) {
                        self.level(value, level + 1, &mut Sink::Tree(&mut body))?;
                    } else {
                        body.extend_from_slice(value);
                    }
                }
                if c.is_map {
                    msgpack::pack_map_header(out, picked.len());
                } else {
                    msgpack::pack_list_header(out, picked.len());
                }
                out.extend_from_slice(&body);
            }
            Sink::Leaves(leaves) => {
                for &i in &picked {
                    let (key, value) = c.items[i];
                    if !leaf {
                        if is_container(value) {
                            self.level(value, level + 1, &mut Sink::Leaves(leaves))?;
                        }
                        continue;
                    }
                    if matches!(self.op.mode, Mode::Keys | Mode::KeyValues) {
                        leaves.push(key.unwrap_or_default());
                    }
                    if matches!(self.op.mode, Mode::Values | Mode::KeyValues) {
                        leaves.push(value);
                    }
                }
            }
        }
        Ok(())
    }

    /// APPLY over the container `bytes` at `level`: its new bytes if anything below changed.
    fn apply(&self, bytes: &[u8], level: usize) -> Result<Option<Vec<u8>>, CdtError> {
        let c = children(bytes)?;
        if c.items.is_empty() {
            return Ok(None);
        }
        let picked = self.selected(level, &c)?;
        let leaf = self.is_leaf(level);
        // New value per child: None = unchanged, Some(None) = removed.
        let mut changes: Vec<Option<Option<Vec<u8>>>> = vec![None; c.items.len()];
        let mut any = false;
        for &i in &picked {
            let (key, value) = c.items[i];
            if !leaf {
                if is_container(value) {
                    if let Some(new) = self.apply(value, level + 1)? {
                        changes[i] = Some(Some(new));
                        any = true;
                    }
                }
                continue;
            }
            let child = Child { key, value, index: (!c.is_map).then_some(i as u64) };
            match self.exps.modify(child) {
                Modified::Remove => changes[i] = Some(None),
                Modified::Replace(new) => changes[i] = Some(Some(new)),
                Modified::Unknown if self.op.no_fail => continue,
                // Aerospike answers AS_ERR_UNKNOWN (1) here.
                Modified::Unknown => return Err(CdtError::Corrupt),
                Modified::NotStorable => return Err(CdtError::IncompatibleType),
            }
            any = true;
        }
        if !any {
            return Ok(None);
        }
        let kept = changes.iter().filter(|c| !matches!(c, Some(None))).count();
        let mut out = Vec::with_capacity(bytes.len());
        let meta_count = usize::from(c.meta.is_some());
        if c.is_map {
            msgpack::pack_map_header(&mut out, kept + meta_count);
        } else {
            msgpack::pack_list_header(&mut out, kept + meta_count);
        }
        if let Some(m) = c.meta {
            out.extend_from_slice(m);
            if c.is_map {
                msgpack::pack_nil(&mut out);
            }
        }
        let mut elements: Vec<Vec<u8>> = Vec::with_capacity(kept);
        for (i, (key, value)) in c.items.iter().enumerate() {
            let value: &[u8] = match &changes[i] {
                Some(None) => continue,
                Some(Some(new)) => new,
                None => value,
            };
            let mut e = Vec::with_capacity(value.len() + key.map_or(0, <[u8]>::len));
            if let Some(k) = key {
                e.extend_from_slice(k);
            }
            e.extend_from_slice(value);
            elements.push(e);
        }
        // An ordered list is put back in order (its changed values may have moved).
        if c.ordered_list {
            order::sort_by(&mut elements, |a, b| order::compare(a, b))?;
        }
        for e in elements {
            out.extend_from_slice(&e);
        }
        Ok(Some(out))
    }
}

/// The keys of the packed list `keys`, in value order (4 if it is not a list).
fn sorted_keys(keys: &[u8]) -> Result<Vec<&[u8]>, CdtError> {
    let (header, pos) = read_header(keys, 0)?;
    let Header::List(n) = header else { return Err(CdtError::Parameter) };
    let (ranges, _) = element_ranges(keys, pos, u64::from(n))?;
    let mut sorted: Vec<&[u8]> =
        ranges.into_iter().map(|r| &keys[r]).filter(|k| msgpack::metadata_flags(k).is_none()).collect();
    order::sort_by(&mut sorted, |a, b| order::compare(a, b))?;
    Ok(sorted)
}

/// True if `key` is among the sorted `keys`.
fn contains(keys: &[&[u8]], key: &[u8]) -> Result<bool, CdtError> {
    let (mut lo, mut hi) = (0, keys.len());
    while lo < hi {
        let mid = (lo + hi) / 2;
        match order::compare(keys[mid], key)? {
            std::cmp::Ordering::Less => lo = mid + 1,
            std::cmp::Ordering::Greater => hi = mid,
            std::cmp::Ordering::Equal => return Ok(true),
        }
    }
    Ok(false)
}

#[cfg(test)]
mod tests;

//! Nested contexts (§A.8): `[0xFF, [ctx_type, ctx_value, ...], [op, args...]]` runs the op on
//! a list or map found by walking from the bin inward, and writes the changed container back
//! into each parent. The walk follows Aerospike's `cdt_context_dig` (notes from `cdt.c`,
//! `particle_list.c`, `particle_map.c`; docs/wire-protocol.md, "Contexts"):
//!
//! - each level names its element by index, rank, key or value, in a list (type bit 0x10), a map
//!   (0x20) or whichever it finds (no container bit); a missing element is 26, unless the level
//!   carries create flags (0x40, 0x80, 0xC0) and names a list index or a map key, when it is
//!   created, and so is every level below it;
//! - a create flag describes the container that holds the level's element, so it acts only where
//!   that container is being created (the bin itself, or a level below a created one);
//! - the op runs on the element the walk reaches, which must be a container of the op's kind
//!   (12 otherwise);
//! - an ordered list along the path moves the changed element to its place; maps never reorder.

use std::cmp::Ordering;

use super::list::{self, Item, List};
use super::map::{self, Map};
use super::msgpack::{self, read_header, Header, MAX_DEPTH};
use super::order::compare;
use super::result::CdtResult;
use super::select::{check_pad, nth};
use super::{args, CdtError};

/// Context type bits.
const TYPE_MASK: u64 = 0x0F;
const LIST_BIT: u64 = 0x10;
const MAP_BIT: u64 = 0x20;
const CREATE_MASK: u64 = 0xC0;
const CREATE_PAD: u64 = 0x80;
const CREATE_ORDERED: u64 = 0xC0;
const CREATE_PERSIST: u64 = 0x100;

const BY_INDEX: u64 = 0;
const BY_RANK: u64 = 1;
const BY_KEY: u64 = 2;
const BY_VALUE: u64 = 3;

/// The op at the end of the path.
pub struct LeafOp<'a, 'b> {
    /// Its code.
    pub code: i64,
    /// Its arguments.
    pub args: &'b [&'a [u8]],
    /// True for a read op.
    pub read: bool,
}

/// What an op through a context did: the bin's new bytes (if it changed) and the op's result.
pub struct Walked {
    /// The new value of the bin (the top container).
    pub new: Option<Vec<u8>>,
    /// The op's result.
    pub result: CdtResult,
}

/// Runs `op` at the end of `context` in `bin` (the bin's bytes and whether it is a list or a map;
/// `None` if the bin does not exist).
pub fn apply(op: &LeafOp<'_, '_>, context: &[(u64, &[u8])], bin: Option<&[u8]>) -> Result<Walked, CdtError> {
    if context.len() > MAX_DEPTH {
        return Err(CdtError::Parameter);
    }
    for &(ty, _) in context {
        check_type(ty)?;
    }
    match bin {
        // A read of a missing bin answers nothing.
        None if op.read => Ok(Walked { new: None, result: CdtResult::None }),
        // A write through a context may create the bin only if its first level says how.
        None if context[0].0 & CREATE_MASK == 0 => Err(CdtError::OpNotApplicable),
        None => {
            let (new, result) = create(op, context, true)?;
            Ok(Walked { new, result })
        }
        Some(bytes) => {
            match read_header(bytes, 0)?.0 {
                Header::List(_) | Header::Map(_) => {}
                _ => return Err(CdtError::Parameter),
            }
            let (new, result) = walk(op, context, bytes)?;
            Ok(Walked { new, result })
        }
    }
}

/// The element `context` names in the container `bytes` (a read that creates nothing, as a
/// secondary index's context is applied): `None` if an element on the path is missing or is not
/// a container of the level's kind; an error for a malformed level.
pub fn element<'a>(bytes: &'a [u8], context: &[(u64, &[u8])]) -> Result<Option<&'a [u8]>, CdtError> {
    if context.len() > MAX_DEPTH {
        return Err(CdtError::Parameter);
    }
    let mut at = bytes;
    for &(ty, value) in context {
        check_type(ty)?;
        let next = match read_header(at, 0)?.0 {
            Header::List(_) if ty & MAP_BIT == 0 => {
                let list = List::parse(at)?;
                match find_in_list(&list, ty, value)? {
                    Some(i) => match list.items[i] {
                        Item::Borrowed(found) => found,
                        Item::Owned(_) => return Err(CdtError::Parameter),
                    },
                    None => return Ok(None),
                }
            }
            Header::Map(_) if ty & LIST_BIT == 0 => {
                let map = Map::parse(at)?;
                match find_in_map(&map, ty, value)? {
                    Some(i) => match map.entries[i].1 {
                        Item::Borrowed(found) => found,
                        Item::Owned(_) => return Err(CdtError::Parameter),
                    },
                    None => return Ok(None),
                }
            }
            _ => return Ok(None),
        };
        at = next;
    }
    Ok(Some(at))
}

/// Checks one level's type: a known selector, create flags only where a container is named.
fn check_type(ty: u64) -> Result<(), CdtError> {
    if ty & TYPE_MASK > BY_VALUE || ty & !(TYPE_MASK | LIST_BIT | MAP_BIT | CREATE_MASK | CREATE_PERSIST) != 0 {
        return Err(CdtError::OpNotApplicable);
    }
    let container = ty & (LIST_BIT | MAP_BIT);
    if container == LIST_BIT | MAP_BIT || (container == 0 && ty & (CREATE_MASK | CREATE_PERSIST) != 0) {
        return Err(CdtError::OpNotApplicable);
    }
    Ok(())
}

/// Runs the op on the element `bytes` (the end of the path).
fn leaf(op: &LeafOp<'_, '_>, bytes: Option<&[u8]>) -> Result<(Option<Vec<u8>>, CdtResult), CdtError> {
    let is_list_op = list::is_list_op(op.code);
    if let Some(bytes) = bytes {
        let fits = match read_header(bytes, 0)?.0 {
            Header::List(_) => is_list_op,
            Header::Map(_) => !is_list_op,
            _ => false,
        };
        if !fits {
            return Err(CdtError::IncompatibleType);
        }
    }
    if is_list_op {
        let applied = list::apply(op.code, op.args, bytes)?;
        Ok((applied.new, applied.result))
    } else {
        let applied = map::apply(op.code, op.args, bytes, map::Level::Nested)?;
        Ok((applied.new, applied.result))
    }
}

/// Walks `context` from the container `bytes`, runs the op at its end, and returns this
/// container with the changed element written back (if anything changed).
fn walk(op: &LeafOp<'_, '_>, context: &[(u64, &[u8])], bytes: &[u8]) -> Result<(Option<Vec<u8>>, CdtResult), CdtError> {
    let Some((&(ty, value), rest)) = context.split_first() else {
        return leaf(op, Some(bytes));
    };
    match read_header(bytes, 0)?.0 {
        Header::List(_) => {
            if ty & MAP_BIT != 0 {
                return Err(CdtError::OpNotApplicable);
            }
            walk_list(op, ty, value, rest, List::parse(bytes)?)
        }
        Header::Map(_) => {
            if ty & LIST_BIT != 0 {
                return Err(CdtError::OpNotApplicable);
            }
            walk_map(op, ty, value, rest, Map::parse(bytes)?)
        }
        // An element on the path that is not a container.
        _ => Err(CdtError::OpNotApplicable),
    }
}

/// An int context value (an index or a rank); anything else is 26.
fn ctx_int(value: &[u8]) -> Result<i64, CdtError> {
    args::int(value).map_err(|_| CdtError::OpNotApplicable)
}

/// The element of `list` a level names, if there is one.
fn find_in_list(list: &List<'_>, ty: u64, value: &[u8]) -> Result<Option<usize>, CdtError> {
    let n = list.len() as i64;
    Ok(match ty & TYPE_MASK {
        BY_INDEX => {
            let i = ctx_int(value)?;
            let at = if i < 0 { n + i } else { i };
            (0..n).contains(&at).then_some(at as usize)
        }
        BY_RANK => {
            let r = ctx_int(value)?;
            let rank = if r < 0 { n + r } else { r };
            if !(0..n).contains(&rank) {
                None
            } else if list.is_ordered() {
                Some(rank as usize)
            } else {
                let items = &list.items;
                Some(nth(items.len(), rank as usize, |x, y| compare(items[x].bytes(), items[y].bytes()))?)
            }
        }
        BY_KEY => return Err(CdtError::OpNotApplicable),
        _ => {
            msgpack::check_one(value).map_err(|_| CdtError::OpNotApplicable)?;
            let mut found = None;
            for (i, item) in list.items.iter().enumerate() {
                if compare(item.bytes(), value)? == Ordering::Equal {
                    found = Some(i);
                    break;
                }
            }
            found
        }
    })
}

fn walk_list<'a>(
    op: &LeafOp<'_, '_>,
    ty: u64,
    value: &[u8],
    rest: &[(u64, &[u8])],
    mut list: List<'a>,
) -> Result<(Option<Vec<u8>>, CdtResult), CdtError> {
    let found = find_in_list(&list, ty, value)?;
    let creates =
        ty & CREATE_MASK != 0 && (ty & TYPE_MASK == BY_INDEX || (ty & TYPE_MASK == BY_RANK && list.is_ordered()));
    let (at, new_child, result) = match found {
        Some(at) => {
            let (new_child, result) = walk(op, rest, list.items[at].bytes())?;
            (Some(at), new_child, result)
        }
        None if creates && !op.read => {
            let (new_child, result) = create(op, rest, false)?;
            (None, new_child, result)
        }
        None => return Err(CdtError::OpNotApplicable),
    };
    let Some(new_child) = new_child else { return Ok((None, result)) };
    match at {
        Some(at) => {
            if list.is_ordered() {
                list.items.remove(at);
                let pos = lower_bound(&list, &new_child)?;
                list.items.insert(pos, Item::Owned(new_child));
            } else {
                list.items[at] = Item::Owned(new_child);
            }
        }
        None => insert_created(&mut list, ty, ctx_int(value)?, new_child)?,
    }
    Ok((Some(list.pack()), result))
}

/// Where `value` goes in an ordered list: before the first element not less than it.
fn lower_bound(list: &List<'_>, value: &[u8]) -> Result<usize, CdtError> {
    let (mut lo, mut hi) = (0, list.len());
    while lo < hi {
        let mid = lo + (hi - lo) / 2;
        if compare(list.items[mid].bytes(), value)? == Ordering::Less {
            lo = mid + 1;
        } else {
            hi = mid;
        }
    }
    Ok(lo)
}

/// Adds an element created for a missing index to an existing list: appended at the end (an
/// index equal to the size, or -1 of an empty list), in value order on an ordered list, or
/// after nils up to the index when the level asks to pad (0x80 alone).
fn insert_created(list: &mut List<'_>, ty: u64, index: i64, element: Vec<u8>) -> Result<(), CdtError> {
    let n = list.len() as i64;
    if list.is_ordered() {
        let pos = lower_bound(list, &element)?;
        list.items.insert(pos, Item::Owned(element));
        return Ok(());
    }
    if index == n || (n == 0 && index == -1) {
        list.items.push(Item::Owned(element));
        return Ok(());
    }
    if index > n && ty & (CREATE_MASK | CREATE_PERSIST) == CREATE_PAD {
        let pad = usize::try_from(index).map_err(|_| CdtError::OpNotApplicable)?;
        check_pad(pad)?;
        list.items.resize(pad, Item::Borrowed(&[0xc0]));
        list.items.push(Item::Owned(element));
        return Ok(());
    }
    Err(CdtError::OpNotApplicable)
}

/// The storage position of the entry of `map` a level names, if there is one.
fn find_in_map(map: &Map<'_>, ty: u64, value: &[u8]) -> Result<Option<usize>, CdtError> {
    let n = map.len();
    Ok(match ty & TYPE_MASK {
        BY_INDEX => {
            let i = ctx_int(value)?;
            let at = if i < 0 { n as i64 + i } else { i };
            if !(0..n as i64).contains(&at) {
                None
            } else if map.is_ordered() {
                Some(at as usize)
            } else {
                let entries = &map.entries;
                Some(nth(n, at as usize, |x, y| compare(entries[x].0.bytes(), entries[y].0.bytes()))?)
            }
        }
        BY_RANK => {
            let r = ctx_int(value)?;
            let rank = if r < 0 { n as i64 + r } else { r };
            if !(0..n as i64).contains(&rank) {
                None
            } else {
                let entries = &map.entries;
                Some(nth(n, rank as usize, |x, y| {
                    Ok(compare(entries[x].1.bytes(), entries[y].1.bytes())?
                        .then(compare(entries[x].0.bytes(), entries[y].0.bytes())?))
                })?)
            }
        }
        BY_KEY => {
            // The key is compared as a stored value: WILDCARD and INF are not keys.
            if msgpack::has_compare_ext(value).map_err(|_| CdtError::OpNotApplicable)? {
                return Err(CdtError::OpNotApplicable);
            }
            position_of_key(map, value)?
        }
        _ => {
            msgpack::check_one(value).map_err(|_| CdtError::OpNotApplicable)?;
            let mut found: Option<usize> = None;
            for (i, (key, v)) in map.entries.iter().enumerate() {
                if compare(v.bytes(), value)? == Ordering::Equal {
                    let better = match found {
                        Some(f) => compare(key.bytes(), map.entries[f].0.bytes())? == Ordering::Less,
                        None => true,
                    };
                    if better {
                        found = Some(i);
                    }
                }
            }
            found
        }
    })
}

fn walk_map<'a>(
    op: &LeafOp<'_, '_>,
    ty: u64,
    value: &[u8],
    rest: &[(u64, &[u8])],
    mut map: Map<'a>,
) -> Result<(Option<Vec<u8>>, CdtResult), CdtError> {
    let found = find_in_map(&map, ty, value)?;
    let creates = ty & CREATE_MASK != 0 && ty & TYPE_MASK == BY_KEY;
    match found {
        Some(at) => {
            let (new_child, result) = walk(op, rest, map.entries[at].1.bytes())?;
            let Some(new_child) = new_child else { return Ok((None, result)) };
            map.entries[at].1 = Item::Owned(new_child);
            Ok((Some(map.pack()), result))
        }
        None if creates && !op.read => {
            let (new_child, result) = create(op, rest, false)?;
            let Some(new_child) = new_child else { return Ok((None, result)) };
            let key = super::rewrite::rewrite(value)?;
            map::check_key(&key)?;
            let pos = insert_position(&map, &key)?;
            map.entries.insert(pos, (Item::Owned(key), Item::Owned(new_child)));
            Ok((Some(map.pack()), result))
        }
        None => Err(CdtError::OpNotApplicable),
    }
}

/// The storage position of `key` in `map`.
fn position_of_key(map: &Map<'_>, key: &[u8]) -> Result<Option<usize>, CdtError> {
    for (i, (k, _)) in map.entries.iter().enumerate() {
        if compare(k.bytes(), key)? == Ordering::Equal {
            return Ok(Some(i));
        }
    }
    Ok(None)
}

/// Where a new key goes: its key-sorted place (maps are kept in key order).
fn insert_position(map: &Map<'_>, key: &[u8]) -> Result<usize, CdtError> {
    for (i, (k, _)) in map.entries.iter().enumerate() {
        if compare(k.bytes(), key)? == Ordering::Greater {
            return Ok(i);
        }
    }
    Ok(map.len())
}

/// Creates the container a level names and everything below it, then runs the op on the new
/// leaf. `top`: this is the bin itself (its first level may ask to keep an index: a map keeps
/// PERSIST_INDEX, a list drops it). `None` when the op left nothing to create (a removal).
fn create(op: &LeafOp<'_, '_>, context: &[(u64, &[u8])], top: bool) -> Result<(Option<Vec<u8>>, CdtResult), CdtError> {
    let Some((&(ty, value), rest)) = context.split_first() else {
        // The leaf: made by the op itself, as on a missing bin.
        return leaf(op, None);
    };
    if !top && ty & CREATE_PERSIST != 0 {
        return Err(CdtError::OpNotApplicable);
    }
    let by = ty & TYPE_MASK;
    let is_list = ty & LIST_BIT != 0 && by == BY_INDEX;
    let is_map = ty & MAP_BIT != 0 && by == BY_KEY;
    if !is_list && !is_map {
        return Err(CdtError::OpNotApplicable);
    }
    let (child, result) = create(op, rest, false)?;
    let Some(child) = child else { return Ok((None, result)) };
    let bits = ty & CREATE_MASK;
    if is_map {
        let order = match bits {
            CREATE_PAD => map::K_ORDERED,
            CREATE_ORDERED => map::KV_ORDERED,
            _ => 0,
        };
        // The bin's own map keeps the PERSIST bit (checked above to be only at the top).
        let flags = if ty & CREATE_PERSIST != 0 { order | map::PERSIST_INDEX } else { order };
        let key = super::rewrite::rewrite(value)?;
        map::check_key(&key)?;
        let mut created = Map::empty(flags);
        created.entries.push((Item::Owned(key), Item::Owned(child)));
        return Ok((Some(created.pack()), result));
    }
    let index = ctx_int(value)?;
    let mut created = List::empty(if bits == CREATE_ORDERED { list::ORDERED } else { 0 });
    match bits {
        CREATE_ORDERED => {}
        // Padding up to the index (-1 of an empty list is the first element).
        CREATE_PAD if index >= -1 => {
            let pad = usize::try_from(index.max(0)).map_err(|_| CdtError::OpNotApplicable)?;
            check_pad(pad)?;
            created.items.resize(pad, Item::Borrowed(&[0xc0]));
        }
        _ if index == 0 || index == -1 => {}
        _ => return Err(CdtError::OpNotApplicable),
    }
    created.items.push(Item::Owned(child));
    Ok((Some(created.pack()), result))
}

#[cfg(test)]
mod tests;

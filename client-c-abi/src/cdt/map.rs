//! Map operations (PROTOCOL-DATA A.3): codes 64–110, encoded as `as_map_operations.c` of the C
//! client does.

use super::ctx::{encode_prefix, map_create_flag};
use super::{flags, payload, Arg, Ctx, ReturnType};
use crate::command::Operation;
use crate::value::Value;

/// The order of a map (A.5).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum MapOrder {
    /// No order kept (default); reads by index or rank sort on the fly.
    #[default]
    Unordered = 0,
    /// Kept in key order.
    KeyOrdered = 1,
    /// Kept in key order, with a value index.
    KeyValueOrdered = 3,
}

impl MapOrder {
    /// The order of wire value `v` (0, 1 or 3).
    pub fn from_u32(v: u32) -> Option<MapOrder> {
        match v {
            0 => Some(MapOrder::Unordered),
            1 => Some(MapOrder::KeyOrdered),
            3 => Some(MapOrder::KeyValueOrdered),
            _ => None,
        }
    }
}

flags! {
    /// Map write flags (A.6), combined with `|`.
    MapWriteFlags {
        /// Default: create or update.
        DEFAULT = 0,
        /// Refuse (24) a key already in the map.
        CREATE_ONLY = 0x01,
        /// Refuse (23) a key not in the map.
        UPDATE_ONLY = 0x02,
        /// Turn the refusals above into no-ops.
        NO_FAIL = 0x04,
        /// With NO_FAIL, for put-items: write the entries that pass, skip the others.
        PARTIAL = 0x08,
    }
}

/// The policy of map writes: the order given to a map the operation creates, write flags, and
/// whether the server persists an index with a created top-level map.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct MapPolicy {
    /// Order of a created map (and the new order for [`MapOp::SetPolicy`]).
    pub order: MapOrder,
    /// Write flags.
    pub flags: MapWriteFlags,
    /// Persist an index with the map (top level only).
    pub persist_index: bool,
}

impl MapPolicy {
    /// The `map_flags` argument: the order, and 0x10 for a persisted index.
    fn attributes(&self) -> u64 {
        self.order as u64 | if self.persist_index { 0x10 } else { 0 }
    }
}

/// Which entries a get-by or remove-by map operation selects (A.3; index = position in key
/// order, rank = position in value order; A.7 for ranges and intervals).
#[derive(Debug, Clone, PartialEq)]
pub enum MapSelector {
    /// The entry of a key.
    Key(Value),
    /// The entry at an index.
    Index(i64),
    /// The first entry with a value (codes 99/78, which current clients no longer send;
    /// [`MapSelector::Value`] selects every match).
    FirstValue(Value),
    /// The entry of a rank.
    Rank(i64),
    /// Every entry with a value (codes 102/82).
    Value(Value),
    /// The entries of the keys.
    KeyList(Vec<Value>),
    /// Every entry whose value is one of the values.
    ValueList(Vec<Value>),
    /// Entries with `begin <= key < end`.
    KeyInterval {
        /// Inclusive start; None sends nil, the smallest value.
        begin: Option<Value>,
        /// Exclusive end; None leaves it out (unbounded).
        end: Option<Value>,
    },
    /// `count` entries from an index (None: to the end).
    IndexRange {
        /// First index.
        index: i64,
        /// Number of entries, None for all the rest.
        count: Option<u64>,
    },
    /// Entries with `begin <= value < end`.
    ValueInterval {
        /// Inclusive start; None sends nil, the smallest value.
        begin: Option<Value>,
        /// Exclusive end; None leaves it out (unbounded).
        end: Option<Value>,
    },
    /// `count` entries from a rank (None: to the largest).
    RankRange {
        /// First rank.
        rank: i64,
        /// Number of entries, None for all the rest.
        count: Option<u64>,
    },
    /// `count` entries from the index of `key` plus `index`.
    KeyRelIndexRange {
        /// The key whose index is the origin (it need not be in the map).
        key: Value,
        /// Offset from that index.
        index: i64,
        /// Number of entries, None for all the rest.
        count: Option<u64>,
    },
    /// `count` entries from the rank of `value` plus `rank`.
    ValueRelRankRange {
        /// The value whose rank is the origin.
        value: Value,
        /// Offset from that rank.
        rank: i64,
        /// Number of entries, None for all the rest.
        count: Option<u64>,
    },
}

impl MapSelector {
    /// The (get-by, remove-by) op codes.
    fn codes(&self) -> (u8, u8) {
        match self {
            MapSelector::Key(_) => (97, 76),
            MapSelector::Index(_) => (98, 77),
            MapSelector::FirstValue(_) => (99, 78),
            MapSelector::Rank(_) => (100, 79),
            MapSelector::Value(_) => (102, 82),
            MapSelector::KeyInterval { .. } => (103, 84),
            MapSelector::IndexRange { .. } => (104, 85),
            MapSelector::ValueInterval { .. } => (105, 86),
            MapSelector::RankRange { .. } => (106, 87),
            MapSelector::KeyList(_) => (107, 81),
            MapSelector::ValueList(_) => (108, 83),
            MapSelector::KeyRelIndexRange { .. } => (109, 88),
            MapSelector::ValueRelRankRange { .. } => (110, 89),
        }
    }

    fn encode(&self, out: &mut Vec<u8>, code: u8, rtype: ReturnType) {
        let rt = Arg::UInt(u64::from(rtype.0));
        let nil = Value::Nil;
        match self {
            MapSelector::Key(v) | MapSelector::FirstValue(v) | MapSelector::Value(v) => {
                payload(out, code, &[rt, Arg::Value(v)]);
            }
            MapSelector::Index(i) | MapSelector::Rank(i) => payload(out, code, &[rt, Arg::Int(*i)]),
            MapSelector::KeyList(values) | MapSelector::ValueList(values) => {
                payload(out, code, &[rt, Arg::Values(values)]);
            }
            MapSelector::KeyInterval { begin, end } | MapSelector::ValueInterval { begin, end } => {
                let begin = Arg::Value(begin.as_ref().unwrap_or(&nil));
                match end {
                    Some(end) => payload(out, code, &[rt, begin, Arg::Value(end)]),
                    None => payload(out, code, &[rt, begin]),
                }
            }
            MapSelector::IndexRange { index: i, count } | MapSelector::RankRange { rank: i, count } => match count {
                Some(n) => payload(out, code, &[rt, Arg::Int(*i), Arg::UInt(*n)]),
                None => payload(out, code, &[rt, Arg::Int(*i)]),
            },
            MapSelector::KeyRelIndexRange { key: v, index: i, count }
            | MapSelector::ValueRelRankRange { value: v, rank: i, count } => match count {
                Some(n) => payload(out, code, &[rt, Arg::Value(v), Arg::Int(*i), Arg::UInt(*n)]),
                None => payload(out, code, &[rt, Arg::Value(v), Arg::Int(*i)]),
            },
        }
    }
}

/// A map operation: one variant per op code of A.3 (the selecting ones in `GetBy`/`RemoveBy`).
#[derive(Debug, Clone, PartialEq)]
pub enum MapOp {
    /// 64 SET_TYPE: set the map's order (creating an empty map if the bin has none).
    SetPolicy {
        /// The order (and persist_index, not sent with a context); the flags are not sent.
        policy: MapPolicy,
    },
    /// 64 SET_TYPE as `map_create` sends it: with a context, the create flag of `order` OR-ed
    /// into the last level, which makes the map there if missing, and the order alone; without
    /// one, the same as [`MapOp::SetPolicy`].
    Create {
        /// The order of the map.
        order: MapOrder,
        /// Ask the server to persist an index (a top-level map only, so not sent with a context).
        persist_index: bool,
    },
    /// 65 ADD (legacy create-only put): returns the new size.
    Add {
        /// The key.
        key: Value,
        /// The value.
        value: Value,
        /// Order of a created map.
        policy: Option<MapPolicy>,
    },
    /// 66 ADD_ITEMS (legacy create-only put of several entries).
    AddItems {
        /// The entries.
        items: Vec<(Value, Value)>,
        /// Order of a created map.
        policy: Option<MapPolicy>,
    },
    /// 67 PUT: returns the new size.
    Put {
        /// The key.
        key: Value,
        /// The value.
        value: Value,
        /// Order of a created map and write flags.
        policy: Option<MapPolicy>,
    },
    /// 68 PUT_ITEMS: returns the new size.
    PutItems {
        /// The entries.
        items: Vec<(Value, Value)>,
        /// Order of a created map and write flags.
        policy: Option<MapPolicy>,
    },
    /// 69 REPLACE (legacy update-only put).
    Replace {
        /// The key.
        key: Value,
        /// The value.
        value: Value,
    },
    /// 70 REPLACE_ITEMS (legacy update-only put of several entries).
    ReplaceItems {
        /// The entries.
        items: Vec<(Value, Value)>,
    },
    /// 73 INCREMENT the value of a key by a delta (nil: 1); returns the new value.
    Increment {
        /// The key.
        key: Value,
        /// The delta: an integer, a double, or nil.
        delta: Value,
        /// Order of a created map.
        policy: Option<MapPolicy>,
    },
    /// 74 DECREMENT the value of a key by a delta (nil: 1); returns the new value.
    Decrement {
        /// The key.
        key: Value,
        /// The delta: an integer, a double, or nil.
        delta: Value,
        /// Order of a created map.
        policy: Option<MapPolicy>,
    },
    /// 75 CLEAR: removes every entry.
    Clear,
    /// 96 SIZE.
    Size,
    /// 97–110: read the selected entries.
    GetBy {
        /// What to return.
        return_type: ReturnType,
        /// Which entries.
        selector: MapSelector,
    },
    /// 76–89: remove the selected entries, returning what `return_type` asks for.
    RemoveBy {
        /// What to return.
        return_type: ReturnType,
        /// Which entries.
        selector: MapSelector,
    },
}

impl MapOp {
    /// The op code (A.3).
    pub fn code(&self) -> u8 {
        match self {
            MapOp::SetPolicy { .. } | MapOp::Create { .. } => 64,
            MapOp::Add { .. } => 65,
            MapOp::AddItems { .. } => 66,
            MapOp::Put { .. } => 67,
            MapOp::PutItems { .. } => 68,
            MapOp::Replace { .. } => 69,
            MapOp::ReplaceItems { .. } => 70,
            MapOp::Increment { .. } => 73,
            MapOp::Decrement { .. } => 74,
            MapOp::Clear => 75,
            MapOp::Size => 96,
            MapOp::GetBy { selector, .. } => selector.codes().0,
            MapOp::RemoveBy { selector, .. } => selector.codes().1,
        }
    }

    /// True for the operations that change the map (sent as CDT_MODIFY).
    pub fn is_modify(&self) -> bool {
        !matches!(self, MapOp::Size | MapOp::GetBy { .. })
    }

    /// Appends the payload: `[code, args...]`, or `[0xFF, ctx, [code, args...]]` with a context
    /// (empty: the bin's own map).
    pub fn encode(&self, ctx: &[Ctx], out: &mut Vec<u8>) {
        let code = self.code();
        let attributes = |p: &Option<MapPolicy>| Arg::UInt(p.as_ref().map_or(0, MapPolicy::attributes));
        let create_flag = match self {
            MapOp::Create { order, .. } => map_create_flag(*order),
            _ => 0,
        };
        encode_prefix(out, ctx, create_flag);
        match self {
            // A persisted index is for top-level maps only: the C client drops it with a context.
            MapOp::SetPolicy { policy: MapPolicy { order, persist_index, .. } }
            | MapOp::Create { order, persist_index } => {
                let attributes = *order as u64 | if *persist_index && ctx.is_empty() { 0x10 } else { 0 };
                payload(out, code, &[Arg::UInt(attributes)]);
            }
            MapOp::Add { key, value, policy } => {
                payload(out, code, &[Arg::Value(key), Arg::Value(value), attributes(policy)]);
            }
            MapOp::AddItems { items, policy } => payload(out, code, &[Arg::Entries(items), attributes(policy)]),
            // Without a policy the C client sends map_flags 0; with write flags, both.
            MapOp::Put { key, value, policy } => match policy {
                Some(p) if p.flags != MapWriteFlags::DEFAULT => payload(
                    out,
                    code,
                    &[Arg::Value(key), Arg::Value(value), Arg::UInt(p.attributes()), Arg::UInt(u64::from(p.flags.0))],
                ),
                _ => payload(out, code, &[Arg::Value(key), Arg::Value(value), attributes(policy)]),
            },
            MapOp::PutItems { items, policy } => match policy {
                Some(p) if p.flags != MapWriteFlags::DEFAULT => payload(
                    out,
                    code,
                    &[Arg::Entries(items), Arg::UInt(p.attributes()), Arg::UInt(u64::from(p.flags.0))],
                ),
                _ => payload(out, code, &[Arg::Entries(items), attributes(policy)]),
            },
            MapOp::Replace { key, value } => payload(out, code, &[Arg::Value(key), Arg::Value(value)]),
            MapOp::ReplaceItems { items } => payload(out, code, &[Arg::Entries(items)]),
            MapOp::Increment { key, delta, policy } | MapOp::Decrement { key, delta, policy } => {
                payload(out, code, &[Arg::Value(key), Arg::Value(delta), attributes(policy)]);
            }
            MapOp::Clear | MapOp::Size => payload(out, code, &[]),
            MapOp::GetBy { return_type, selector } | MapOp::RemoveBy { return_type, selector } => {
                selector.encode(out, code, *return_type);
            }
        }
    }
}

// ---- Builders --------------------------------------------------------------------------------

fn op(bin: impl Into<String>, op: MapOp) -> Operation {
    Operation::Map(bin.into(), op, Vec::new())
}

/// Sets the map's order (creating an empty map if the bin has none).
pub fn map_set_policy(bin: impl Into<String>, policy: MapPolicy) -> Operation {
    op(bin, MapOp::SetPolicy { policy })
}

/// Creates a map of `order` where the operation's context leads, if none is there: give it a
/// context with [`Operation::with_ctx`] (the last level gets the create flag). Without a
/// context it sets the order of the bin's map (with `persist_index`, the server keeps an index
/// with it), as [`map_set_policy`].
pub fn map_create(bin: impl Into<String>, order: MapOrder, persist_index: bool) -> Operation {
    op(bin, MapOp::Create { order, persist_index })
}

/// Puts a key and value; returns the new size.
pub fn map_put(
    bin: impl Into<String>,
    key: impl Into<Value>,
    value: impl Into<Value>,
    policy: Option<MapPolicy>,
) -> Operation {
    op(bin, MapOp::Put { key: key.into(), value: value.into(), policy })
}

/// Puts several entries; returns the new size.
pub fn map_put_items(bin: impl Into<String>, items: Vec<(Value, Value)>, policy: Option<MapPolicy>) -> Operation {
    op(bin, MapOp::PutItems { items, policy })
}

/// Adds `delta` (an integer or a double) to the value of a key (0 if absent); returns the new
/// value.
pub fn map_increment(
    bin: impl Into<String>,
    key: impl Into<Value>,
    delta: impl Into<Value>,
    policy: Option<MapPolicy>,
) -> Operation {
    op(bin, MapOp::Increment { key: key.into(), delta: delta.into(), policy })
}

/// Subtracts `delta` from the value of a key; returns the new value.
pub fn map_decrement(
    bin: impl Into<String>,
    key: impl Into<Value>,
    delta: impl Into<Value>,
    policy: Option<MapPolicy>,
) -> Operation {
    op(bin, MapOp::Decrement { key: key.into(), delta: delta.into(), policy })
}

/// Removes every entry.
pub fn map_clear(bin: impl Into<String>) -> Operation {
    op(bin, MapOp::Clear)
}

/// The number of entries.
pub fn map_size(bin: impl Into<String>) -> Operation {
    op(bin, MapOp::Size)
}

/// Reads the entries `selector` picks (every selector; the functions below are shortcuts).
pub fn map_get_by(bin: impl Into<String>, return_type: ReturnType, selector: MapSelector) -> Operation {
    op(bin, MapOp::GetBy { return_type, selector })
}

/// Removes the entries `selector` picks, returning what `return_type` asks for.
pub fn map_remove_by(bin: impl Into<String>, return_type: ReturnType, selector: MapSelector) -> Operation {
    op(bin, MapOp::RemoveBy { return_type, selector })
}

/// The entry of a key.
pub fn map_get_by_key(bin: impl Into<String>, return_type: ReturnType, key: impl Into<Value>) -> Operation {
    map_get_by(bin, return_type, MapSelector::Key(key.into()))
}

/// The entries of the keys.
pub fn map_get_by_key_list(bin: impl Into<String>, return_type: ReturnType, keys: Vec<Value>) -> Operation {
    map_get_by(bin, return_type, MapSelector::KeyList(keys))
}

/// Entries with `begin <= key < end`.
pub fn map_get_by_key_range(
    bin: impl Into<String>,
    return_type: ReturnType,
    begin: Option<Value>,
    end: Option<Value>,
) -> Operation {
    map_get_by(bin, return_type, MapSelector::KeyInterval { begin, end })
}

/// `count` entries from the index of `key` plus `index`.
pub fn map_get_by_key_rel_index_range(
    bin: impl Into<String>,
    return_type: ReturnType,
    key: impl Into<Value>,
    index: i64,
    count: Option<u64>,
) -> Operation {
    map_get_by(bin, return_type, MapSelector::KeyRelIndexRange { key: key.into(), index, count })
}

/// The entry at an index (key order).
pub fn map_get_by_index(bin: impl Into<String>, return_type: ReturnType, index: i64) -> Operation {
    map_get_by(bin, return_type, MapSelector::Index(index))
}

/// `count` entries from an index (None: to the end).
pub fn map_get_by_index_range(
    bin: impl Into<String>,
    return_type: ReturnType,
    index: i64,
    count: Option<u64>,
) -> Operation {
    map_get_by(bin, return_type, MapSelector::IndexRange { index, count })
}

/// Every entry with a value.
pub fn map_get_by_value(bin: impl Into<String>, return_type: ReturnType, value: impl Into<Value>) -> Operation {
    map_get_by(bin, return_type, MapSelector::Value(value.into()))
}

/// Every entry whose value is one of the values.
pub fn map_get_by_value_list(bin: impl Into<String>, return_type: ReturnType, values: Vec<Value>) -> Operation {
    map_get_by(bin, return_type, MapSelector::ValueList(values))
}

/// Entries with `begin <= value < end`.
pub fn map_get_by_value_range(
    bin: impl Into<String>,
    return_type: ReturnType,
    begin: Option<Value>,
    end: Option<Value>,
) -> Operation {
    map_get_by(bin, return_type, MapSelector::ValueInterval { begin, end })
}

/// `count` entries from the rank of `value` plus `rank`.
pub fn map_get_by_value_rel_rank_range(
    bin: impl Into<String>,
    return_type: ReturnType,
    value: impl Into<Value>,
    rank: i64,
    count: Option<u64>,
) -> Operation {
    map_get_by(bin, return_type, MapSelector::ValueRelRankRange { value: value.into(), rank, count })
}

/// The entry of a rank (value order).
pub fn map_get_by_rank(bin: impl Into<String>, return_type: ReturnType, rank: i64) -> Operation {
    map_get_by(bin, return_type, MapSelector::Rank(rank))
}

/// `count` entries from a rank (None: to the largest).
pub fn map_get_by_rank_range(
    bin: impl Into<String>,
    return_type: ReturnType,
    rank: i64,
    count: Option<u64>,
) -> Operation {
    map_get_by(bin, return_type, MapSelector::RankRange { rank, count })
}

/// Removes the entry of a key.
pub fn map_remove_by_key(bin: impl Into<String>, return_type: ReturnType, key: impl Into<Value>) -> Operation {
    map_remove_by(bin, return_type, MapSelector::Key(key.into()))
}

/// Removes the entries of the keys.
pub fn map_remove_by_key_list(bin: impl Into<String>, return_type: ReturnType, keys: Vec<Value>) -> Operation {
    map_remove_by(bin, return_type, MapSelector::KeyList(keys))
}

/// Removes entries with `begin <= key < end`.
pub fn map_remove_by_key_range(
    bin: impl Into<String>,
    return_type: ReturnType,
    begin: Option<Value>,
    end: Option<Value>,
) -> Operation {
    map_remove_by(bin, return_type, MapSelector::KeyInterval { begin, end })
}

/// Removes `count` entries from the index of `key` plus `index`.
pub fn map_remove_by_key_rel_index_range(
    bin: impl Into<String>,
    return_type: ReturnType,
    key: impl Into<Value>,
    index: i64,
    count: Option<u64>,
) -> Operation {
    map_remove_by(bin, return_type, MapSelector::KeyRelIndexRange { key: key.into(), index, count })
}

/// Removes the entry at an index.
pub fn map_remove_by_index(bin: impl Into<String>, return_type: ReturnType, index: i64) -> Operation {
    map_remove_by(bin, return_type, MapSelector::Index(index))
}

/// Removes `count` entries from an index (None: to the end).
pub fn map_remove_by_index_range(
    bin: impl Into<String>,
    return_type: ReturnType,
    index: i64,
    count: Option<u64>,
) -> Operation {
    map_remove_by(bin, return_type, MapSelector::IndexRange { index, count })
}

/// Removes every entry with a value.
pub fn map_remove_by_value(bin: impl Into<String>, return_type: ReturnType, value: impl Into<Value>) -> Operation {
    map_remove_by(bin, return_type, MapSelector::Value(value.into()))
}

/// Removes every entry whose value is one of the values.
pub fn map_remove_by_value_list(bin: impl Into<String>, return_type: ReturnType, values: Vec<Value>) -> Operation {
    map_remove_by(bin, return_type, MapSelector::ValueList(values))
}

/// Removes entries with `begin <= value < end`.
pub fn map_remove_by_value_range(
    bin: impl Into<String>,
    return_type: ReturnType,
    begin: Option<Value>,
    end: Option<Value>,
) -> Operation {
    map_remove_by(bin, return_type, MapSelector::ValueInterval { begin, end })
}

/// Removes `count` entries from the rank of `value` plus `rank`.
pub fn map_remove_by_value_rel_rank_range(
    bin: impl Into<String>,
    return_type: ReturnType,
    value: impl Into<Value>,
    rank: i64,
    count: Option<u64>,
) -> Operation {
    map_remove_by(bin, return_type, MapSelector::ValueRelRankRange { value: value.into(), rank, count })
}

/// Removes the entry of a rank.
pub fn map_remove_by_rank(bin: impl Into<String>, return_type: ReturnType, rank: i64) -> Operation {
    map_remove_by(bin, return_type, MapSelector::Rank(rank))
}

/// Removes `count` entries from a rank (None: to the largest).
pub fn map_remove_by_rank_range(
    bin: impl Into<String>,
    return_type: ReturnType,
    rank: i64,
    count: Option<u64>,
) -> Operation {
    map_remove_by(bin, return_type, MapSelector::RankRange { rank, count })
}

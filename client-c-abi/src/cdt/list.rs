//! List operations (PROTOCOL-DATA A.2): codes 0–40, encoded as `as_list_operations.c` of the
//! C client does.

use super::ctx::{encode_prefix, list_create_flag};
use super::{flags, payload, Arg, Ctx, ReturnType};
use crate::command::Operation;
use crate::value::Value;

/// The order of a list (A.5).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum ListOrder {
    /// Elements stay where they are put (default).
    #[default]
    Unordered = 0,
    /// Elements are kept sorted by value; appends go to their sorted position.
    Ordered = 1,
}

impl ListOrder {
    /// The order of wire value `v` (0 or 1).
    pub fn from_u32(v: u32) -> Option<ListOrder> {
        match v {
            0 => Some(ListOrder::Unordered),
            1 => Some(ListOrder::Ordered),
            _ => None,
        }
    }
}

flags! {
    /// List write flags (A.6), combined with `|`.
    ListWriteFlags {
        /// Default: none.
        DEFAULT = 0,
        /// Refuse (24) a value already in the list.
        ADD_UNIQUE = 0x01,
        /// Refuse (26) an insert or set past the end instead of padding with nils.
        INSERT_BOUNDED = 0x02,
        /// Turn the refusals above into no-ops.
        NO_FAIL = 0x04,
        /// With NO_FAIL, for the *_items operations: add the items that pass, skip the others.
        PARTIAL = 0x08,
    }
}

flags! {
    /// List sort flags (A.2, SORT).
    ListSortFlags {
        /// Ascending, keeping duplicates.
        DEFAULT = 0,
        /// Descending.
        DESCENDING = 0x01,
        /// Drop duplicate values.
        DROP_DUPLICATES = 0x02,
    }
}

/// The policy of list writes: the order given to a list the operation creates, and write flags.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct ListPolicy {
    /// Order of a list created by the operation (an existing list keeps its own).
    pub order: ListOrder,
    /// Write flags.
    pub flags: ListWriteFlags,
}

/// Which elements a get-by or remove-by list operation selects (A.2, codes 19–27 and 32–40;
/// A.7 for the index, rank, count and interval rules).
#[derive(Debug, Clone, PartialEq)]
pub enum ListSelector {
    /// The element at an index (negative: from the end).
    Index(i64),
    /// The first element equal to a value (codes 20/33, which current clients no longer send;
    /// [`ListSelector::Value`] selects every match).
    FirstValue(Value),
    /// The element of a rank (0: smallest; negative: from the largest).
    Rank(i64),
    /// Every element equal to a value (codes 22/35).
    Value(Value),
    /// Every element equal to one of the values.
    ValueList(Vec<Value>),
    /// `count` elements from an index (None: to the end).
    IndexRange {
        /// First index.
        index: i64,
        /// Number of elements, None for all the rest.
        count: Option<u64>,
    },
    /// Elements with `begin <= value < end` (begin None: from the smallest; end None: no bound).
    ValueInterval {
        /// Inclusive start; None sends nil, the smallest value.
        begin: Option<Value>,
        /// Exclusive end; None leaves it out (unbounded).
        end: Option<Value>,
    },
    /// `count` elements from a rank (None: to the largest).
    RankRange {
        /// First rank.
        rank: i64,
        /// Number of elements, None for all the rest.
        count: Option<u64>,
    },
    /// `count` elements from the rank of `value` plus `rank` (None: to the largest).
    ValueRelRankRange {
        /// The value whose rank is the origin.
        value: Value,
        /// Offset from that rank.
        rank: i64,
        /// Number of elements, None for all the rest.
        count: Option<u64>,
    },
}

impl ListSelector {
    /// The get-by code; the remove-by code is 13 more.
    fn get_code(&self) -> u8 {
        match self {
            ListSelector::Index(_) => 19,
            ListSelector::FirstValue(_) => 20,
            ListSelector::Rank(_) => 21,
            ListSelector::Value(_) => 22,
            ListSelector::ValueList(_) => 23,
            ListSelector::IndexRange { .. } => 24,
            ListSelector::ValueInterval { .. } => 25,
            ListSelector::RankRange { .. } => 26,
            ListSelector::ValueRelRankRange { .. } => 27,
        }
    }

    fn encode(&self, out: &mut Vec<u8>, code: u8, rtype: ReturnType) {
        let rt = Arg::UInt(u64::from(rtype.0));
        let nil = Value::Nil;
        match self {
            ListSelector::Index(i) | ListSelector::Rank(i) => payload(out, code, &[rt, Arg::Int(*i)]),
            ListSelector::FirstValue(v) | ListSelector::Value(v) => payload(out, code, &[rt, Arg::Value(v)]),
            ListSelector::ValueList(values) => payload(out, code, &[rt, Arg::Values(values)]),
            ListSelector::IndexRange { index: i, count } | ListSelector::RankRange { rank: i, count } => match count {
                Some(n) => payload(out, code, &[rt, Arg::Int(*i), Arg::UInt(*n)]),
                None => payload(out, code, &[rt, Arg::Int(*i)]),
            },
            ListSelector::ValueInterval { begin, end } => {
                let begin = Arg::Value(begin.as_ref().unwrap_or(&nil));
                match end {
                    Some(end) => payload(out, code, &[rt, begin, Arg::Value(end)]),
                    None => payload(out, code, &[rt, begin]),
                }
            }
            ListSelector::ValueRelRankRange { value, rank, count } => match count {
                Some(n) => payload(out, code, &[rt, Arg::Value(value), Arg::Int(*rank), Arg::UInt(*n)]),
                None => payload(out, code, &[rt, Arg::Value(value), Arg::Int(*rank)]),
            },
        }
    }
}

/// A list operation: one variant per op code of A.2 (the selecting ones in `GetBy`/`RemoveBy`).
#[derive(Debug, Clone, PartialEq)]
pub enum ListOp {
    /// 0 SET_TYPE: make the list ordered or unordered (persist_index: keep an index with a
    /// top-level ordered list; not sent with a context).
    SetOrder {
        /// The new order.
        order: ListOrder,
        /// Ask the server to persist an index.
        persist_index: bool,
    },
    /// 0 SET_TYPE as `list_create` sends it: with a context, the create flag of `order` (and
    /// `pad`) OR-ed into the last level, which makes the list there if missing, and the order
    /// alone; without one, the same as [`ListOp::SetOrder`].
    Create {
        /// The order of the list.
        order: ListOrder,
        /// Let the last level's index be past the end of its list, padding with nils.
        pad: bool,
        /// Ask the server to persist an index (a top-level list only, so not sent with a context).
        persist_index: bool,
    },
    /// 1 APPEND: returns the new size.
    Append {
        /// The value.
        value: Value,
        /// Order of a created list and write flags.
        policy: Option<ListPolicy>,
    },
    /// 2 APPEND_ITEMS: returns the new size.
    AppendItems {
        /// The values.
        values: Vec<Value>,
        /// Order of a created list and write flags.
        policy: Option<ListPolicy>,
    },
    /// 3 INSERT at an index: returns the new size.
    Insert {
        /// Where.
        index: i64,
        /// The value.
        value: Value,
        /// Write flags (the order is not sent: inserts into ordered lists are refused).
        policy: Option<ListPolicy>,
    },
    /// 4 INSERT_ITEMS at an index: returns the new size.
    InsertItems {
        /// Where.
        index: i64,
        /// The values.
        values: Vec<Value>,
        /// Write flags (the order is not sent).
        policy: Option<ListPolicy>,
    },
    /// 5 POP: removes and returns the element at an index.
    Pop {
        /// Which.
        index: i64,
    },
    /// 6 POP_RANGE: removes and returns `count` elements (None: to the end).
    PopRange {
        /// First index.
        index: i64,
        /// How many.
        count: Option<u64>,
    },
    /// 7 REMOVE the element at an index: returns 1.
    Remove {
        /// Which.
        index: i64,
    },
    /// 8 REMOVE_RANGE: returns the number removed.
    RemoveRange {
        /// First index.
        index: i64,
        /// How many (None: to the end).
        count: Option<u64>,
    },
    /// 9 SET the element at an index.
    Set {
        /// Where.
        index: i64,
        /// The value.
        value: Value,
        /// Write flags (the order is not sent).
        policy: Option<ListPolicy>,
    },
    /// 10 TRIM: keeps `count` elements from an index, returns the number removed.
    Trim {
        /// First index kept.
        index: i64,
        /// How many kept.
        count: u64,
    },
    /// 11 CLEAR: removes every element.
    Clear,
    /// 12 INCREMENT the element at an index by a delta (an integer or a double); returns the
    /// new value.
    Increment {
        /// Which.
        index: i64,
        /// The delta (the C client sends 1 when none is given).
        delta: Value,
        /// Order of a created list and write flags.
        policy: Option<ListPolicy>,
    },
    /// 13 SORT.
    Sort {
        /// Direction and duplicates.
        flags: ListSortFlags,
    },
    /// 16 SIZE.
    Size,
    /// 17 GET the element at an index.
    Get {
        /// Which.
        index: i64,
    },
    /// 18 GET_RANGE: `count` elements from an index (None: to the end).
    GetRange {
        /// First index.
        index: i64,
        /// How many.
        count: Option<u64>,
    },
    /// 19–27: read the selected elements.
    GetBy {
        /// What to return.
        return_type: ReturnType,
        /// Which elements.
        selector: ListSelector,
    },
    /// 32–40: remove the selected elements, returning what `return_type` asks for.
    RemoveBy {
        /// What to return.
        return_type: ReturnType,
        /// Which elements.
        selector: ListSelector,
    },
}

impl ListOp {
    /// The op code (A.2).
    pub fn code(&self) -> u8 {
        match self {
            ListOp::SetOrder { .. } | ListOp::Create { .. } => 0,
            ListOp::Append { .. } => 1,
            ListOp::AppendItems { .. } => 2,
            ListOp::Insert { .. } => 3,
            ListOp::InsertItems { .. } => 4,
            ListOp::Pop { .. } => 5,
            ListOp::PopRange { .. } => 6,
            ListOp::Remove { .. } => 7,
            ListOp::RemoveRange { .. } => 8,
            ListOp::Set { .. } => 9,
            ListOp::Trim { .. } => 10,
            ListOp::Clear => 11,
            ListOp::Increment { .. } => 12,
            ListOp::Sort { .. } => 13,
            ListOp::Size => 16,
            ListOp::Get { .. } => 17,
            ListOp::GetRange { .. } => 18,
            ListOp::GetBy { selector, .. } => selector.get_code(),
            ListOp::RemoveBy { selector, .. } => selector.get_code() + 13,
        }
    }

    /// True for the operations that change the list (sent as CDT_MODIFY).
    pub fn is_modify(&self) -> bool {
        !matches!(self, ListOp::Size | ListOp::Get { .. } | ListOp::GetRange { .. } | ListOp::GetBy { .. })
    }

    /// Appends the payload: `[code, args...]`, or `[0xFF, ctx, [code, args...]]` with a context
    /// (empty: the bin's own list).
    pub fn encode(&self, ctx: &[Ctx], out: &mut Vec<u8>) {
        let code = self.code();
        let order_flags = |p: &ListPolicy| [Arg::UInt(p.order as u64), Arg::UInt(u64::from(p.flags.0))];
        let create_flag = match self {
            ListOp::Create { order, pad, .. } => list_create_flag(*order, *pad),
            _ => 0,
        };
        encode_prefix(out, ctx, create_flag);
        match self {
            // A persisted index is for top-level lists only: the C client drops it with a context.
            ListOp::SetOrder { order, persist_index } | ListOp::Create { order, persist_index, .. } => {
                let flags = *order as u64 | if *persist_index && ctx.is_empty() { 0x10 } else { 0 };
                payload(out, code, &[Arg::UInt(flags)]);
            }
            ListOp::Append { value, policy } => match policy {
                Some(p) => {
                    let [o, f] = order_flags(p);
                    payload(out, code, &[Arg::Value(value), o, f]);
                }
                None => payload(out, code, &[Arg::Value(value)]),
            },
            ListOp::AppendItems { values, policy } => match policy {
                Some(p) => {
                    let [o, f] = order_flags(p);
                    payload(out, code, &[Arg::Values(values), o, f]);
                }
                None => payload(out, code, &[Arg::Values(values)]),
            },
            ListOp::Insert { index, value, policy } | ListOp::Set { index, value, policy } => match policy {
                Some(p) => payload(out, code, &[Arg::Int(*index), Arg::Value(value), Arg::UInt(u64::from(p.flags.0))]),
                None => payload(out, code, &[Arg::Int(*index), Arg::Value(value)]),
            },
            ListOp::InsertItems { index, values, policy } => match policy {
                Some(p) => {
                    payload(out, code, &[Arg::Int(*index), Arg::Values(values), Arg::UInt(u64::from(p.flags.0))])
                }
                None => payload(out, code, &[Arg::Int(*index), Arg::Values(values)]),
            },
            ListOp::Pop { index } | ListOp::Remove { index } | ListOp::Get { index } => {
                payload(out, code, &[Arg::Int(*index)]);
            }
            ListOp::PopRange { index, count }
            | ListOp::RemoveRange { index, count }
            | ListOp::GetRange { index, count } => match count {
                Some(n) => payload(out, code, &[Arg::Int(*index), Arg::UInt(*n)]),
                None => payload(out, code, &[Arg::Int(*index)]),
            },
            ListOp::Trim { index, count } => payload(out, code, &[Arg::Int(*index), Arg::UInt(*count)]),
            ListOp::Clear | ListOp::Size => payload(out, code, &[]),
            ListOp::Increment { index, delta, policy } => match policy {
                Some(p) => {
                    let [o, f] = order_flags(p);
                    payload(out, code, &[Arg::Int(*index), Arg::Value(delta), o, f]);
                }
                None => payload(out, code, &[Arg::Int(*index), Arg::Value(delta)]),
            },
            ListOp::Sort { flags } => payload(out, code, &[Arg::UInt(u64::from(flags.0))]),
            ListOp::GetBy { return_type, selector } | ListOp::RemoveBy { return_type, selector } => {
                selector.encode(out, code, *return_type);
            }
        }
    }
}

// ---- Builders --------------------------------------------------------------------------------

fn op(bin: impl Into<String>, op: ListOp) -> Operation {
    Operation::List(bin.into(), op, Vec::new())
}

/// Sets the list's order (creating an empty list if the bin has none).
pub fn list_set_order(bin: impl Into<String>, order: ListOrder) -> Operation {
    op(bin, ListOp::SetOrder { order, persist_index: false })
}

/// Creates a list of `order` where the operation's context leads, if none is there: give it a
/// context with [`Operation::with_ctx`] (the last level gets the create flag, so `pad` lets
/// a list index be past the end). Without a context it sets the order of the bin's list (with
/// `persist_index`, the server keeps an index with it), as [`list_set_order`].
pub fn list_create(bin: impl Into<String>, order: ListOrder, pad: bool, persist_index: bool) -> Operation {
    op(bin, ListOp::Create { order, pad, persist_index })
}

/// Sorts the list.
pub fn list_sort(bin: impl Into<String>, flags: ListSortFlags) -> Operation {
    op(bin, ListOp::Sort { flags })
}

/// Appends a value; returns the new size.
pub fn list_append(bin: impl Into<String>, value: impl Into<Value>, policy: Option<ListPolicy>) -> Operation {
    op(bin, ListOp::Append { value: value.into(), policy })
}

/// Appends values; returns the new size.
pub fn list_append_items(bin: impl Into<String>, values: Vec<Value>, policy: Option<ListPolicy>) -> Operation {
    op(bin, ListOp::AppendItems { values, policy })
}

/// Inserts a value at an index; returns the new size.
pub fn list_insert(
    bin: impl Into<String>,
    index: i64,
    value: impl Into<Value>,
    policy: Option<ListPolicy>,
) -> Operation {
    op(bin, ListOp::Insert { index, value: value.into(), policy })
}

/// Inserts values at an index; returns the new size.
pub fn list_insert_items(
    bin: impl Into<String>,
    index: i64,
    values: Vec<Value>,
    policy: Option<ListPolicy>,
) -> Operation {
    op(bin, ListOp::InsertItems { index, values, policy })
}

/// Adds `delta` (an integer or a double) to the element at an index; returns the new value.
pub fn list_increment(
    bin: impl Into<String>,
    index: i64,
    delta: impl Into<Value>,
    policy: Option<ListPolicy>,
) -> Operation {
    op(bin, ListOp::Increment { index, delta: delta.into(), policy })
}

/// Sets the element at an index.
pub fn list_set(bin: impl Into<String>, index: i64, value: impl Into<Value>, policy: Option<ListPolicy>) -> Operation {
    op(bin, ListOp::Set { index, value: value.into(), policy })
}

/// Removes and returns the element at an index.
pub fn list_pop(bin: impl Into<String>, index: i64) -> Operation {
    op(bin, ListOp::Pop { index })
}

/// Removes and returns `count` elements from an index (None: to the end).
pub fn list_pop_range(bin: impl Into<String>, index: i64, count: Option<u64>) -> Operation {
    op(bin, ListOp::PopRange { index, count })
}

/// Removes the element at an index; returns 1.
pub fn list_remove(bin: impl Into<String>, index: i64) -> Operation {
    op(bin, ListOp::Remove { index })
}

/// Removes `count` elements from an index (None: to the end); returns how many.
pub fn list_remove_range(bin: impl Into<String>, index: i64, count: Option<u64>) -> Operation {
    op(bin, ListOp::RemoveRange { index, count })
}

/// Keeps only `count` elements from an index; returns how many were removed.
pub fn list_trim(bin: impl Into<String>, index: i64, count: u64) -> Operation {
    op(bin, ListOp::Trim { index, count })
}

/// Removes every element.
pub fn list_clear(bin: impl Into<String>) -> Operation {
    op(bin, ListOp::Clear)
}

/// The number of elements.
pub fn list_size(bin: impl Into<String>) -> Operation {
    op(bin, ListOp::Size)
}

/// The element at an index.
pub fn list_get(bin: impl Into<String>, index: i64) -> Operation {
    op(bin, ListOp::Get { index })
}

/// `count` elements from an index (None: to the end).
pub fn list_get_range(bin: impl Into<String>, index: i64, count: Option<u64>) -> Operation {
    op(bin, ListOp::GetRange { index, count })
}

/// Reads the elements `selector` picks (every selector; the functions below are shortcuts).
pub fn list_get_by(bin: impl Into<String>, return_type: ReturnType, selector: ListSelector) -> Operation {
    op(bin, ListOp::GetBy { return_type, selector })
}

/// Removes the elements `selector` picks, returning what `return_type` asks for.
pub fn list_remove_by(bin: impl Into<String>, return_type: ReturnType, selector: ListSelector) -> Operation {
    op(bin, ListOp::RemoveBy { return_type, selector })
}

/// The element at an index.
pub fn list_get_by_index(bin: impl Into<String>, return_type: ReturnType, index: i64) -> Operation {
    list_get_by(bin, return_type, ListSelector::Index(index))
}

/// `count` elements from an index (None: to the end).
pub fn list_get_by_index_range(
    bin: impl Into<String>,
    return_type: ReturnType,
    index: i64,
    count: Option<u64>,
) -> Operation {
    list_get_by(bin, return_type, ListSelector::IndexRange { index, count })
}

/// The element of a rank.
pub fn list_get_by_rank(bin: impl Into<String>, return_type: ReturnType, rank: i64) -> Operation {
    list_get_by(bin, return_type, ListSelector::Rank(rank))
}

/// `count` elements from a rank (None: to the largest).
pub fn list_get_by_rank_range(
    bin: impl Into<String>,
    return_type: ReturnType,
    rank: i64,
    count: Option<u64>,
) -> Operation {
    list_get_by(bin, return_type, ListSelector::RankRange { rank, count })
}

/// Every element equal to a value.
pub fn list_get_by_value(bin: impl Into<String>, return_type: ReturnType, value: impl Into<Value>) -> Operation {
    list_get_by(bin, return_type, ListSelector::Value(value.into()))
}

/// Every element equal to one of the values.
pub fn list_get_by_value_list(bin: impl Into<String>, return_type: ReturnType, values: Vec<Value>) -> Operation {
    list_get_by(bin, return_type, ListSelector::ValueList(values))
}

/// Elements with `begin <= value < end`.
pub fn list_get_by_value_range(
    bin: impl Into<String>,
    return_type: ReturnType,
    begin: Option<Value>,
    end: Option<Value>,
) -> Operation {
    list_get_by(bin, return_type, ListSelector::ValueInterval { begin, end })
}

/// `count` elements from the rank of `value` plus `rank`.
pub fn list_get_by_value_rel_rank_range(
    bin: impl Into<String>,
    return_type: ReturnType,
    value: impl Into<Value>,
    rank: i64,
    count: Option<u64>,
) -> Operation {
    list_get_by(bin, return_type, ListSelector::ValueRelRankRange { value: value.into(), rank, count })
}

/// Removes the element at an index.
pub fn list_remove_by_index(bin: impl Into<String>, return_type: ReturnType, index: i64) -> Operation {
    list_remove_by(bin, return_type, ListSelector::Index(index))
}

/// Removes `count` elements from an index (None: to the end).
pub fn list_remove_by_index_range(
    bin: impl Into<String>,
    return_type: ReturnType,
    index: i64,
    count: Option<u64>,
) -> Operation {
    list_remove_by(bin, return_type, ListSelector::IndexRange { index, count })
}

/// Removes the element of a rank.
pub fn list_remove_by_rank(bin: impl Into<String>, return_type: ReturnType, rank: i64) -> Operation {
    list_remove_by(bin, return_type, ListSelector::Rank(rank))
}

/// Removes `count` elements from a rank (None: to the largest).
pub fn list_remove_by_rank_range(
    bin: impl Into<String>,
    return_type: ReturnType,
    rank: i64,
    count: Option<u64>,
) -> Operation {
    list_remove_by(bin, return_type, ListSelector::RankRange { rank, count })
}

/// Removes every element equal to a value.
pub fn list_remove_by_value(bin: impl Into<String>, return_type: ReturnType, value: impl Into<Value>) -> Operation {
    list_remove_by(bin, return_type, ListSelector::Value(value.into()))
}

/// Removes every element equal to one of the values.
pub fn list_remove_by_value_list(bin: impl Into<String>, return_type: ReturnType, values: Vec<Value>) -> Operation {
    list_remove_by(bin, return_type, ListSelector::ValueList(values))
}

/// Removes elements with `begin <= value < end`.
pub fn list_remove_by_value_range(
    bin: impl Into<String>,
    return_type: ReturnType,
    begin: Option<Value>,
    end: Option<Value>,
) -> Operation {
    list_remove_by(bin, return_type, ListSelector::ValueInterval { begin, end })
}

/// Removes `count` elements from the rank of `value` plus `rank`.
pub fn list_remove_by_value_rel_rank_range(
    bin: impl Into<String>,
    return_type: ReturnType,
    value: impl Into<Value>,
    rank: i64,
    count: Option<u64>,
) -> Operation {
    list_remove_by(bin, return_type, ListSelector::ValueRelRankRange { value: value.into(), rank, count })
}

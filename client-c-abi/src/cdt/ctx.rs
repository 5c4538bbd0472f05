//! Contexts (PROTOCOL-DATA A.8): the path from a bin to the nested list or map an operation
//! applies to, encoded as the official C client's `as_cdt_ctx` is.
//!
//! An operation with a context travels as `[0xFF, [type, value, type, value, ...], [op_code,
//! args...]]`, the pairs walked from the bin inward. Each [`Ctx`] is one pair: which element of
//! the list or map reached so far to descend into. The two create variants make the element
//! (an empty list or map, of the given order) when it is missing, and the levels after it too.
//!
//! The paths of [`super::select_by_path`] and [`super::modify_by_path`] (PROTOCOL-DATA A.9) take
//! four more levels, which select several children at once: [`Ctx::AllChildren`],
//! [`Ctx::AllChildrenWhere`], [`Ctx::AndFilter`] and [`Ctx::MapKeysIn`]. In the context of a plain
//! list or map operation the server refuses them (26).

use super::{ListOrder, MapOrder};
use crate::error::{code, Error, Result};
use crate::exp::Expression;
use crate::msgpack;
use crate::value::Value;

/// The context types of the wire (`as_cdt_ctx_type`), without create flags.
const LIST_INDEX: u32 = 0x10;
const LIST_RANK: u32 = 0x11;
const LIST_VALUE: u32 = 0x13;
const MAP_INDEX: u32 = 0x20;
const MAP_RANK: u32 = 0x21;
const MAP_KEY: u32 = 0x22;
const MAP_VALUE: u32 = 0x23;
/// Path levels (`AS_CDT_CTX_EXP`, `AS_CDT_CTX_AND | AS_CDT_CTX_EXP`, `AS_CDT_CTX_MAP_KEYS_IN`).
const EXP: u32 = 0x04;
const AND_EXP: u32 = 0x204;
const MAP_KEYS_IN: u32 = 0x2A;

/// The create flags, OR-ed into a LIST_INDEX or MAP_KEY type (only those two take them).
const CREATE_MASK: u32 = 0xC0;

/// One level of a context: which element of the list or map reached so far to descend into.
/// Indexes and ranks count from the end when negative; a map's index is its position in key
/// order, its rank the position in value order.
#[derive(Debug, Clone, PartialEq)]
pub enum Ctx {
    /// The list element at an index.
    ListIndex(i64),
    /// The list element at an index, created (as an empty list of `order`) if missing: the index
    /// must then be the list's size (or -1 of an empty list), unless `pad` fills the gap with
    /// nils. `pad` has no effect on an ordered list.
    ListIndexCreate {
        /// Where.
        index: i64,
        /// Order of the created list.
        order: ListOrder,
        /// Allow an index past the end, padding with nils.
        pad: bool,
    },
    /// The list element of a rank (0: smallest, -1: largest).
    ListRank(i64),
    /// The first list element equal to a value.
    ListValue(Value),
    /// The value of the map entry at an index (key order).
    MapIndex(i64),
    /// The value of the map entry of a rank (value order).
    MapRank(i64),
    /// The value of a key.
    MapKey(Value),
    /// The value of a key, created (as an empty map of `order`) if the key is missing.
    MapKeyCreate {
        /// The key.
        key: Value,
        /// Order of the created map.
        order: MapOrder,
    },
    /// The value of the first map entry with a value.
    MapValue(Value),
    /// Paths only: every child of the list or map reached (type 0x04 with `true`).
    AllChildren,
    /// Paths only: every child of the list or map reached for which a boolean expression is
    /// true (type 0x04); in it, [`crate::exp::loop_var`] gives the child's key, value or index.
    AllChildrenWhere(Expression),
    /// Paths only: a second filter on the children the level before selected (type 0x204, the
    /// C client's `AS_CDT_CTX_AND | AS_CDT_CTX_EXP`); the level before must not be an
    /// expression level.
    AndFilter(Expression),
    /// Paths only: the values of those of these keys the map has (type 0x2A).
    MapKeysIn(Vec<Value>),
}

/// The create flag of a list of `order` (`as_list_order_to_flag`): ordered 0xC0, unordered
/// 0x40, or 0x80 to pad an unordered list with nils up to the index.
pub(super) fn list_create_flag(order: ListOrder, pad: bool) -> u32 {
    match (order, pad) {
        (ListOrder::Ordered, _) => 0xC0,
        (ListOrder::Unordered, true) => 0x80,
        (ListOrder::Unordered, false) => 0x40,
    }
}

/// The create flag of a map of `order` (`as_map_order_to_flag`): unordered 0x40, key-ordered
/// 0x80, key-value-ordered 0xC0.
pub(super) fn map_create_flag(order: MapOrder) -> u32 {
    match order {
        MapOrder::Unordered => 0x40,
        MapOrder::KeyOrdered => 0x80,
        MapOrder::KeyValueOrdered => 0xC0,
    }
}

impl Ctx {
    /// The type on the wire, create flags included (0x10–0x23, | 0x40/0x80/0xC0).
    pub fn wire_type(&self) -> u32 {
        match self {
            Ctx::ListIndex(_) => LIST_INDEX,
            Ctx::ListIndexCreate { order, pad, .. } => LIST_INDEX | list_create_flag(*order, *pad),
            Ctx::ListRank(_) => LIST_RANK,
            Ctx::ListValue(_) => LIST_VALUE,
            Ctx::MapIndex(_) => MAP_INDEX,
            Ctx::MapRank(_) => MAP_RANK,
            Ctx::MapKey(_) => MAP_KEY,
            Ctx::MapKeyCreate { order, .. } => MAP_KEY | map_create_flag(*order),
            Ctx::MapValue(_) => MAP_VALUE,
            Ctx::AllChildren | Ctx::AllChildrenWhere(_) => EXP,
            Ctx::AndFilter(_) => AND_EXP,
            Ctx::MapKeysIn(_) => MAP_KEYS_IN,
        }
    }

    /// True for the levels only paths take ([`Ctx::AllChildren`], [`Ctx::AllChildrenWhere`],
    /// [`Ctx::AndFilter`], [`Ctx::MapKeysIn`]).
    pub fn is_path_only(&self) -> bool {
        matches!(self, Ctx::AllChildren | Ctx::AllChildrenWhere(_) | Ctx::AndFilter(_) | Ctx::MapKeysIn(_))
    }

    /// The level of wire type `ty` (as [`Ctx::wire_type`] gives it) with `value`: an integer for
    /// the index and rank types, any value for the others. The types of the official clients'
    /// contexts are taken (not the "any container" types 0x00–0x03), create flags only on
    /// LIST_INDEX and MAP_KEY; of the path levels, 0x04 with `true` ([`Ctx::AllChildren`]) and
    /// 0x2A with a list of keys (the expression levels are made from their expression).
    pub fn from_wire(ty: u32, value: Value) -> Result<Ctx> {
        let int = |value: Value| match value {
            Value::Int(i) => Ok(i),
            other => Err(Error::new(code::PARAM, format!("context type {ty:#x} takes an integer, not {other:?}"))),
        };
        Ok(match (ty & !CREATE_MASK, ty & CREATE_MASK) {
            (LIST_INDEX, 0) => Ctx::ListIndex(int(value)?),
            (LIST_INDEX, flag) => Ctx::ListIndexCreate {
                index: int(value)?,
                order: if flag == 0xC0 { ListOrder::Ordered } else { ListOrder::Unordered },
                pad: flag == 0x80,
            },
            (LIST_RANK, 0) => Ctx::ListRank(int(value)?),
            (LIST_VALUE, 0) => Ctx::ListValue(value),
            (MAP_INDEX, 0) => Ctx::MapIndex(int(value)?),
            (MAP_RANK, 0) => Ctx::MapRank(int(value)?),
            (MAP_KEY, 0) => Ctx::MapKey(value),
            (MAP_KEY, flag) => Ctx::MapKeyCreate {
                key: value,
                order: match flag {
                    0x40 => MapOrder::Unordered,
                    0x80 => MapOrder::KeyOrdered,
                    _ => MapOrder::KeyValueOrdered,
                },
            },
            (MAP_VALUE, 0) => Ctx::MapValue(value),
            (EXP, 0) if value == Value::Bool(true) => Ctx::AllChildren,
            (MAP_KEYS_IN, 0) => match value {
                Value::List(keys) => Ctx::MapKeysIn(keys),
                other => {
                    return Err(Error::new(
                        code::PARAM,
                        format!("context type {ty:#x} takes a list of keys, not {other:?}"),
                    ))
                }
            },
            _ => return Err(Error::new(code::PARAM, format!("unknown context type {ty:#x}"))),
        })
    }

    /// Appends the pair `type, value`, with `flag` OR-ed into the type.
    fn encode(&self, out: &mut Vec<u8>, flag: u32) {
        msgpack::pack_uint(out, u64::from(self.wire_type() | flag));
        match self {
            Ctx::ListIndex(i)
            | Ctx::ListIndexCreate { index: i, .. }
            | Ctx::ListRank(i)
            | Ctx::MapIndex(i)
            | Ctx::MapRank(i) => msgpack::pack_int(out, *i),
            Ctx::ListValue(v) | Ctx::MapKey(v) | Ctx::MapKeyCreate { key: v, .. } | Ctx::MapValue(v) => {
                msgpack::pack(out, v)
            }
            // as_cdt_ctx_add_all_children: a one-byte expression, `true`.
            Ctx::AllChildren => out.push(0xc3),
            Ctx::AllChildrenWhere(e) | Ctx::AndFilter(e) => out.extend_from_slice(e.as_bytes()),
            Ctx::MapKeysIn(keys) => {
                msgpack::pack_list_header(out, keys.len());
                keys.iter().for_each(|k| msgpack::pack(out, k));
            }
        }
    }
}

/// Appends the context array `[type, value, type, value, ...]` (`as_cdt_ctx_pack`), with
/// `last_flag` OR-ed into the last type.
pub(crate) fn encode_levels(out: &mut Vec<u8>, ctx: &[Ctx], last_flag: u32) {
    msgpack::pack_list_header(out, 2 * ctx.len());
    if let Some((last, outer)) = ctx.split_last() {
        outer.iter().for_each(|c| c.encode(out, 0));
        last.encode(out, last_flag);
    }
}

/// The packed context `[type, value, ...]` of `ctx`: what a secondary index inside a bin is
/// defined and queried with.
pub fn pack_context(ctx: &[Ctx]) -> Vec<u8> {
    let mut out = Vec::new();
    encode_levels(&mut out, ctx, 0);
    out
}

/// Appends what comes before an operation's `[op_code, args...]` when it has a context: the
/// array header of the wrapper, the 0xFF marker and the pairs, with `last_flag` OR-ed into the
/// last type (the create flag of list_create / map_create; 0 for the others). Nothing without
/// a context.
pub(crate) fn encode_prefix(out: &mut Vec<u8>, ctx: &[Ctx], last_flag: u32) {
    if ctx.is_empty() {
        return;
    }
    msgpack::pack_list_header(out, 3);
    msgpack::pack_uint(out, 0xFF);
    encode_levels(out, ctx, last_flag);
}

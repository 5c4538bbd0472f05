//! Path select and modify (CDT op 0xFE, PROTOCOL-DATA A.9; Aerospike 8.1): a path of context
//! levels that may select many children at once ([`Ctx::AllChildren`],
//! [`Ctx::AllChildrenWhere`], [`Ctx::AndFilter`], [`Ctx::MapKeysIn`], besides the levels of
//! ordinary contexts), then either answers what it selected or replaces every selected leaf by
//! the value of an expression.
//!
//! A select travels as a CDT_READ op (type 3) with `[0xFE, [ctx...], flags]`, a modify as a
//! CDT_MODIFY op (type 4) with `[0xFE, [ctx...], flags | 4, expression]` (4: APPLY), as the C
//! client's `as_operations_select_by_path` / `as_operations_modify_by_path` send them.

use super::ctx::encode_levels;
use super::{flags, Ctx};
use crate::command::Operation;
use crate::exp::Expression;
use crate::msgpack;

/// The payload marker of a path operation (`AS_CDT_OP_CONTEXT_SELECT`).
pub(crate) const PATH_OP: u8 = 0xFE;

/// The APPLY bit of a path's flags: set for a modify, cleared for a select.
const APPLY: u32 = 4;

flags! {
    /// What a path select answers (one of the first four) and whether it tolerates mismatches
    /// (`as_exp_path_select_flags`).
    SelectFlags {
        /// The tree from the bin down to the selected nodes, with only those kept (the bin's
        /// type at the top).
        MATCHING_TREE = 0,
        /// A list of the selected values (of maps: the entries' values).
        VALUE = 1,
        /// A list of the selected map entries' keys.
        MAP_KEY = 2,
        /// A flat list of the selected map entries' keys and values, `[k1, v1, k2, v2, ...]`.
        MAP_KEY_VALUE = 3,
        /// A filter that meets another type, or is unknown, does not select instead of failing.
        NO_FAIL = 0x10,
    }
}

flags! {
    /// The flags of a path modify (`as_exp_path_modify_flags`).
    ModifyFlags {
        /// Type mismatches and unknown values fail the command.
        DEFAULT = 0,
        /// A filter or modify expression that meets another type, or is unknown, leaves the
        /// element alone instead of failing.
        NO_FAIL = 0x10,
    }
}

/// A path operation: a select or a modify, with its path.
#[derive(Debug, Clone, PartialEq)]
pub enum PathOp {
    /// Answers what the path selects, as the flags say.
    Select {
        /// The path, from the bin inward (not empty).
        ctx: Vec<Ctx>,
        /// What to answer.
        flags: SelectFlags,
    },
    /// Replaces every leaf the path selects by the value of `exp` for it (in which
    /// [`crate::exp::loop_var`] gives the leaf's key, value or index); a value of
    /// [`crate::exp::remove_result`] removes the leaf.
    Modify {
        /// The path, from the bin inward (not empty).
        ctx: Vec<Ctx>,
        /// The expression giving each leaf's new value.
        exp: Expression,
        /// Flags.
        flags: ModifyFlags,
    },
}

impl PathOp {
    /// True for a modify.
    pub fn is_modify(&self) -> bool {
        matches!(self, PathOp::Modify { .. })
    }

    /// The path.
    pub fn ctx(&self) -> &[Ctx] {
        match self {
            PathOp::Select { ctx, .. } | PathOp::Modify { ctx, .. } => ctx,
        }
    }

    /// Appends the payload: `[0xFE, ctx, flags & !APPLY]` or `[0xFE, ctx, flags | APPLY, exp]`.
    pub(crate) fn encode(&self, out: &mut Vec<u8>) {
        match self {
            PathOp::Select { ctx, flags } => {
                msgpack::pack_list_header(out, 3);
                msgpack::pack_uint(out, u64::from(PATH_OP));
                encode_levels(out, ctx, 0);
                msgpack::pack_uint(out, u64::from(flags.0 & !APPLY));
            }
            PathOp::Modify { ctx, exp, flags } => {
                msgpack::pack_list_header(out, 4);
                msgpack::pack_uint(out, u64::from(PATH_OP));
                encode_levels(out, ctx, 0);
                msgpack::pack_uint(out, u64::from(flags.0 | APPLY));
                out.extend_from_slice(exp.as_bytes());
            }
        }
    }
}

/// Reads what `ctx` (not empty: the command fails with a parameter error) selects in bin `bin`,
/// answered as `flags` says. For example the ages of every person of a map of people, as a list:
///
/// ```
/// use scramjet::cdt::{self, Ctx, SelectFlags};
/// let op = cdt::select_by_path("people", [Ctx::AllChildren, Ctx::MapKey("age".into())], SelectFlags::VALUE);
/// ```
pub fn select_by_path(bin: impl Into<String>, ctx: impl Into<Vec<Ctx>>, flags: SelectFlags) -> Operation {
    Operation::Path(bin.into(), PathOp::Select { ctx: ctx.into(), flags })
}

/// Replaces every leaf `ctx` (not empty) selects in bin `bin` by the value of `exp` for it, and
/// writes the bin. For example, every element of a list greater than 4 times ten:
///
/// ```
/// use scramjet::cdt::{self, Ctx, ModifyFlags};
/// use scramjet::exp::{self, ExpType, LoopVar};
/// let value = || exp::loop_var(ExpType::Int, LoopVar::Value);
/// let op = cdt::modify_by_path(
///     "l",
///     [Ctx::AllChildrenWhere(exp::gt(value(), exp::int(4)))],
///     exp::mul(vec![value(), exp::int(10)]),
///     ModifyFlags::DEFAULT,
/// );
/// ```
pub fn modify_by_path(
    bin: impl Into<String>,
    ctx: impl Into<Vec<Ctx>>,
    exp: Expression,
    flags: ModifyFlags,
) -> Operation {
    Operation::Path(bin.into(), PathOp::Modify { ctx: ctx.into(), exp, flags })
}

//! List and map operations (PROTOCOL-DATA.md §A): their arguments, return types, orders and
//! write flags, and their encoding, byte for byte what the official C client sends.
//!
//! An operation is carried in an `as_msg` op of type 3 (CDT_READ) or 4 (CDT_MODIFY) on its
//! bin, with particle type 4 and the payload `[op_code, args...]` in Aerospike's msgpack
//! ([`crate::msgpack`]). [`ListOp`] and [`MapOp`] have one variant per op code (the selecting
//! ones grouped as get/remove by a [`ListSelector`] or [`MapSelector`]); the functions of
//! this module build the [`crate::Operation`]s of [`crate::Client::operate`], the return type
//! (if any) right after the bin, as on the wire:
//!
//! ```
//! use scramjet::cdt::{self, ReturnType};
//! let ops = [
//!     cdt::list_append("scores", 42, None),
//!     cdt::list_get_by_rank_range("scores", ReturnType::VALUE, -3, Some(3)),
//!     cdt::map_increment("visits", "home", 1, None),
//!     cdt::map_get_by_key("visits", ReturnType::VALUE, "home"),
//! ];
//! ```
//!
//! Results come back as bins named after the operation's bin, one per operation that answers
//! (see [`crate::Record::bins`]).
//!
//! [`select_by_path`] and [`modify_by_path`] (op 0xFE, PROTOCOL-DATA A.9) select through a path
//! whose levels may take many children at once ([`Ctx::AllChildren`], [`Ctx::AllChildrenWhere`],
//! ...), answering what they select or replacing each selected leaf by an expression's value.
//!
//! An operation applies to a list or map nested in the bin when given a context
//! ([`crate::Operation::with_ctx`]): the path to it, one [`Ctx`] per level from the bin inward.
//! [`list_create`] and [`map_create`] make the container the path leads to, and the create
//! variants of [`Ctx`] make missing levels on the way:
//!
//! ```
//! use scramjet::cdt::{self, Ctx, MapOrder, ReturnType};
//! // bin "users" = {"ann": {"tags": ["a", "b"]}}
//! let ops = [
//!     cdt::list_append("users", "c", None).with_ctx([Ctx::MapKey("ann".into()), Ctx::MapKey("tags".into())]),
//!     cdt::map_get_by_key("users", ReturnType::VALUE, "tags").with_ctx([Ctx::MapKey("ann".into())]),
//!     // {"bob": {"visits": 1}}, making the map of "bob" if there is none.
//!     cdt::map_increment("users", "visits", 1, None)
//!         .with_ctx([Ctx::MapKeyCreate { key: "bob".into(), order: MapOrder::Unordered }]),
//! ];
//! ```

mod ctx;
mod list;
mod map;
mod path;

pub(crate) use ctx::encode_prefix as encode_ctx_prefix;
pub use ctx::{pack_context, Ctx};
pub use list::*;
pub use map::*;
pub use path::{modify_by_path, select_by_path, ModifyFlags, PathOp, SelectFlags};

use crate::msgpack;
use crate::value::Value;

/// The bit of a return type that selects the complement of the selection.
const INVERTED_BIT: u32 = 0x10000;

/// What an operation that selects elements returns (PROTOCOL-DATA A.4): one of the constants,
/// optionally [`inverted`](ReturnType::inverted) to select the complement. Any number is
/// passed to the server as is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct ReturnType(pub u32);

impl ReturnType {
    /// Nothing.
    pub const NONE: ReturnType = ReturnType(0);
    /// Index (maps: position in key order); a list of them for multi-element selections.
    pub const INDEX: ReturnType = ReturnType(1);
    /// Index counted from the end (size − 1 − index).
    pub const REVERSE_INDEX: ReturnType = ReturnType(2);
    /// Rank (position in value order).
    pub const RANK: ReturnType = ReturnType(3);
    /// Rank counted from the largest.
    pub const REVERSE_RANK: ReturnType = ReturnType(4);
    /// Number of selected elements.
    pub const COUNT: ReturnType = ReturnType(5);
    /// Key (maps only).
    pub const KEY: ReturnType = ReturnType(6);
    /// Value.
    pub const VALUE: ReturnType = ReturnType(7);
    /// Keys and values (maps only), as a flat list `[k1, v1, k2, v2, …]` in selection order.
    pub const KEY_VALUE: ReturnType = ReturnType(8);
    /// Whether anything was selected (a boolean).
    pub const EXISTS: ReturnType = ReturnType(13);
    /// The selected entries as a map (maps only).
    pub const UNORDERED_MAP: ReturnType = ReturnType(16);
    /// The selected entries as a key-ordered map (maps only).
    pub const ORDERED_MAP: ReturnType = ReturnType(17);
    /// The same return type over the complement of the selection (multi-element selections
    /// only; the server refuses it on single-element ones with 26).
    pub const fn inverted(self) -> ReturnType {
        ReturnType(self.0 | INVERTED_BIT)
    }

    /// True if the inverted bit is set.
    pub const fn is_inverted(self) -> bool {
        self.0 & INVERTED_BIT != 0
    }
}

/// Bit flags over a `u32`: the write and sort flags below.
macro_rules! flags {
    ($(#[$doc:meta])* $name:ident { $($(#[$fdoc:meta])* $flag:ident = $value:expr,)* }) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
        pub struct $name(pub u32);

        impl $name {
            $($(#[$fdoc])* pub const $flag: $name = $name($value);)*

            /// True if every bit of `other` is set.
            pub const fn contains(self, other: $name) -> bool {
                self.0 & other.0 == other.0
            }
        }

        impl std::ops::BitOr for $name {
            type Output = $name;
            fn bitor(self, other: $name) -> $name {
                $name(self.0 | other.0)
            }
        }
    };
}
pub(crate) use flags;

/// Appends the payload header: an array of `1 + n_args` items, then the op code.
fn header(out: &mut Vec<u8>, code: u8, n_args: usize) {
    msgpack::pack_list_header(out, 1 + n_args);
    msgpack::pack_uint(out, u64::from(code));
}

/// One argument of an op payload.
enum Arg<'a> {
    Int(i64),
    UInt(u64),
    Value(&'a Value),
    Values(&'a [Value]),
    Entries(&'a [(Value, Value)]),
}

/// Appends `[code, args...]`.
fn payload(out: &mut Vec<u8>, code: u8, args: &[Arg<'_>]) {
    header(out, code, args.len());
    for arg in args {
        match arg {
            Arg::Int(i) => msgpack::pack_int(out, *i),
            Arg::UInt(u) => msgpack::pack_uint(out, *u),
            Arg::Value(v) => msgpack::pack(out, v),
            Arg::Values(items) => {
                msgpack::pack_list_header(out, items.len());
                items.iter().for_each(|v| msgpack::pack(out, v));
            }
            Arg::Entries(entries) => {
                msgpack::pack_map_header(out, entries.len());
                for (k, v) in entries.iter() {
                    msgpack::pack(out, k);
                    msgpack::pack(out, v);
                }
            }
        }
    }
}

#[cfg(test)]
mod tests;

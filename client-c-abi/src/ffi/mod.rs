//! The C ABI (`include/scramjet.h`, generated from this module by cbindgen; a test fails when
//! the header is stale).
//!
//! Conventions, for every function:
//! - Fallible calls return a status (`SJ_OK` or an error code: a server result code > 0, a
//!   client code < 0) and, when `err` is not NULL, fill it with the code and a message.
//! - Objects (`sj_client`, `sj_key`, `sj_record`, `sj_operations`) are opaque, made by a
//!   `_new` function or returned through an out-pointer, and freed by their `_destroy`
//!   function. Pointers into a record (strings, bytes, names) live as long as the record.
//! - A client handle may be used from many threads at once; keys, records and operation
//!   lists belong to one thread at a time.
//! - No panic crosses the boundary: one is caught and reported as `SJ_ERR_CLIENT`.

#![allow(non_camel_case_types)]

// cbindgen reads these modules in the order they are declared, and writes the constants and
// functions to the header in the order it reads them: keep this order (a blank line or a
// comment between the lines keeps rustfmt from sorting them).

// The `SJ_*` constants: status codes and the values of policy and operation fields.
mod constants;

// The `#[repr(C)]` structs and the opaque handles.
mod types;

// Shared helpers: reading arguments, reporting errors, catching panics.
mod helpers;

// Conversions between C values and the client's values, keys and records.
mod convert;

// `sj_client_config_init`, the policy inits, and C policies to Rust ones.
mod config;

// `sj_client_new`, `sj_client_destroy`.
mod client;

// `sj_key_*`.
mod key;

// `sj_record_*`.
mod record;

// `sj_value_*`: making values, walking lists and maps.
mod values;

// `sj_ctx_*`: the levels of a context, for operations on nested lists and maps.
mod ctx;

// `sj_operations_*`.
mod operations;

// `sj_operations_list_*`.
mod list_operations;

// `sj_operations_map_*`.
mod map_operations;

// `sj_operations_bit_*`.
mod bit_operations;

// `sj_operations_hll_*`.
mod hll_operations;

// `sj_exp_*`: expressions, for policy filters and `sj_operations_exp_*`.
mod exp;

// `sj_operations_select_by_path` / `_modify_by_path`: path select and modify (CDT op 0xFE).
mod path_operations;

// Single-record commands and the batch read: `sj_put`, `sj_get`, ..., `sj_batch_get`.
mod commands;

// `sj_scan`.
mod scan;

// Secondary indexes and queries: `sj_index_create`, `sj_index_filter_*`,
// `sj_partition_filter_*`, `sj_query`.
mod query;

// `sj_info`, `sj_node_names` and the strings they return.
mod info;

// `sj_admin_*`: users and roles.
mod admin;

// Lua UDFs: modules, record UDFs, background UDFs, aggregations.
mod udf;

#[cfg(test)]
mod tests;

pub use admin::*;
pub use bit_operations::*;
pub use client::*;
pub use commands::*;
pub use config::*;
pub use constants::*;
pub use ctx::*;
pub use exp::*;
pub use hll_operations::*;
pub use info::*;
pub use key::*;
pub use list_operations::*;
pub use map_operations::*;
pub use operations::*;
pub use path_operations::*;
pub use query::*;
pub use record::*;
pub use scan::*;
pub use types::*;
pub use udf::*;
pub use values::*;

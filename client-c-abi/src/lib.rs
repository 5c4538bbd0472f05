//! The Scramjet smart client.
//!
//! A runtime-independent core — command encoding and decoding ([`command`]), the partition map
//! ([`partition_map`]) and the tend logic ([`tend`]) over the `scramjet-net` codecs — with a
//! blocking, thread-safe front end ([`blocking::Client`]) that the C ABI ([`ffi`]), the C++
//! wrapper and the Python package sit on, and an async one ([`asynchronous`]) for callers that
//! bring their own runtime, such as `scramjet-perf`. It speaks the Aerospike protocol, so it works
//! against Aerospike servers too; against `scramjetd` it also sends each command straight to
//! the port of the core that owns the partition (see `docs/client.md`).

pub mod admin;
pub mod asynchronous;
pub mod auth;
pub mod bits;
pub mod blocking;
pub mod cdt;
pub mod command;
pub mod error;
pub mod exp;
pub mod ffi;
pub mod hll;
pub mod msgpack;
pub mod partition_map;
pub mod policy;
pub mod pool;
pub mod query;
pub mod tend;
pub mod tls;
pub mod udf;
pub mod value;

pub use blocking::Client;
pub use command::{Operation, Record};
pub use error::{Error, Result};
pub use policy::ClientConfig;
pub use value::{Key, UserKey, Value};

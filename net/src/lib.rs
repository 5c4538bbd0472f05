//! Wire codecs of the Aerospike protocol, as Scramjet speaks it.
//!
//! Pure functions over bytes: no I/O, no allocation on the decode path beyond what a caller asks
//! for, and no panic on any input. The layout facts come from `shared/PROTOCOL.md`; each module
//! names the section it implements.
//!
//! Reading order follows a request: [`frame`] (the 8-byte proto header) → [`message`] (the
//! 22-byte `as_msg` header, fields and ops) → [`field`] / [`op`] / [`particle`] → [`digest`]
//! (record digest and partition id) → [`response`] (building replies). Info text lives in
//! [`info`], result codes in [`result_code`], admin (security) messages in [`admin`].

pub mod admin;
pub mod batch;
pub mod bytes;
pub mod digest;
pub mod error;
pub mod expression;
pub mod fabric;
pub mod field;
pub mod frame;
pub mod info;
pub mod message;
pub mod msgpack;
pub mod op;
pub mod particle;
pub mod response;
pub mod result_code;

pub use digest::{partition_id, Digest, N_PARTITIONS};
pub use error::DecodeError;
pub use frame::{ProtoHeader, ProtoType, PROTO_HEADER_SIZE, PROTO_SIZE_MAX};
pub use message::{Message, MsgHeader, MSG_HEADER_SIZE};
pub use particle::ParticleType;
pub use result_code::ResultCode;

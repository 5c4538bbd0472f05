//! Collection data types: Aerospike's list and map operations as pure functions over
//! packed msgpack bytes (PROTOCOL-DATA.md §1 and §A). No runtime, no clock, no I/O: the
//! transaction layer hands an op's payload and the bin's current bytes in and gets the bin's
//! new bytes and the op's result back.
//!
//! Reading order: [`msgpack`] (the dialect: headers, skipping, compact packing) → [`order`]
//! (how values compare) → [`args`] (an op's arguments) → [`select`] (index arithmetic and the
//! shapes of integer results) → [`list`] and [`map`] (the operations) → [`result`] (return
//! types and result bins) → [`rewrite`] (untrusted values into their stored form) → `apply`
//! (the entry point).
//!
//! Untrusted input: every count and length is checked against the bytes that hold it before
//! it sizes anything, nesting is bounded ([`msgpack::MAX_DEPTH`]), and every failure is a
//! [`CdtError`] that maps to Aerospike's result code.

pub mod args;
pub mod context;
pub mod list;
pub mod map;
pub mod msgpack;
pub mod number;
pub mod order;
pub mod path;
pub mod result;
pub mod rewrite;
pub mod select;

mod apply;

pub use apply::{apply, BinValue, CdtOutcome, OpClass};
pub use result::CdtResult;
pub use rewrite::rewrite;

/// Why a list or map operation failed; each is one of Aerospike's result codes (§A.10).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CdtError {
    /// Malformed payload or value, wrong arguments (result 4).
    Parameter,
    /// The bin holds another type (result 12).
    IncompatibleType,
    /// A key or element that must exist does not (result 23).
    ElementNotFound,
    /// A key or element that must not exist does (result 24).
    ElementExists,
    /// The op does not apply here: index out of range, insert into an ordered list, a return
    /// type the container does not have (result 26).
    OpNotApplicable,
    /// The container would outgrow any record (result 13).
    RecordTooBig,
    /// A bit op with CREATE_ONLY found the bin (result 6).
    BinExists,
    /// A bit op needs a bin that is not there (result 17).
    BinNotFound,
    /// Not supported here: a path select inside an expression call (result 16).
    Unsupported,
    /// The stored value is not what its type says (result 1).
    Corrupt,
}

impl CdtError {
    /// Aerospike's result code.
    pub fn result_code(self) -> u8 {
        match self {
            CdtError::Parameter => 4,
            CdtError::IncompatibleType => 12,
            CdtError::ElementNotFound => 23,
            CdtError::ElementExists => 24,
            CdtError::OpNotApplicable => 26,
            CdtError::RecordTooBig => 13,
            CdtError::BinExists => 6,
            CdtError::BinNotFound => 17,
            CdtError::Unsupported => 16,
            CdtError::Corrupt => 1,
        }
    }
}

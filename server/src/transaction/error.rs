//! Why a transaction failed, and the one place that maps it to a wire result code.

use scramjet_engine::cdt::CdtError;
use scramjet_engine::StorageError;
use scramjet_net::{DecodeError, ResultCode};

/// A transaction's failure.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TxnError {
    /// The message is malformed.
    Decode(DecodeError),
    /// The engine refused the write.
    Storage(StorageError),
    /// A parameter is invalid (the reason is for logs).
    Parameter(&'static str),
    /// The record does not exist.
    NotFound,
    /// The generation check failed.
    Generation,
    /// Create-only on an existing record.
    RecordExists,
    /// The op does not fit the bin's type or the value's type.
    IncompatibleType,
    /// A bin name is empty or longer than 15 bytes.
    BinName,
    /// Forbidden by configuration (TTL with nsup disabled).
    Forbidden,
    /// The stored key differs from the request's.
    KeyMismatch,
    /// A stored record did not parse: a bug or corruption.
    Corrupt,
    /// The filter expression excluded the record.
    FilteredOut,
    /// A list or map operation failed.
    Cdt(CdtError),
    /// A whole list or map written to a bin is not a valid container (malformed, duplicate or
    /// invalid map keys, an ordered container out of order). Aerospike answers 1 there (its
    /// particle "from wire" path), not 4 as inside a list or map op.
    InvalidContainer,
    /// A GeoJSON bin value that does not parse (160).
    InvalidGeoJson,
}

impl TxnError {
    /// The wire result code.
    pub fn result_code(self) -> ResultCode {
        match self {
            TxnError::Decode(_) | TxnError::Parameter(_) => ResultCode::Parameter,
            TxnError::Storage(StorageError::OutOfSpace) => ResultCode::OutOfSpace,
            TxnError::Storage(StorageError::RecordTooBig) => ResultCode::RecordTooBig,
            TxnError::Storage(StorageError::DeviceOverload) => ResultCode::DeviceOverload,
            TxnError::Storage(_) => ResultCode::Parameter,
            TxnError::NotFound => ResultCode::NotFound,
            TxnError::Generation => ResultCode::Generation,
            TxnError::RecordExists => ResultCode::RecordExists,
            TxnError::IncompatibleType => ResultCode::IncompatibleType,
            TxnError::BinName => ResultCode::BinName,
            TxnError::Forbidden => ResultCode::Forbidden,
            TxnError::KeyMismatch => ResultCode::KeyMismatch,
            TxnError::Corrupt => ResultCode::Unknown,
            TxnError::FilteredOut => ResultCode::FilteredOut,
            TxnError::InvalidContainer => ResultCode::Unknown,
            TxnError::InvalidGeoJson => ResultCode::GeoInvalidGeoJson,
            TxnError::Cdt(e) => match e {
                CdtError::Parameter => ResultCode::Parameter,
                CdtError::IncompatibleType => ResultCode::IncompatibleType,
                CdtError::ElementNotFound => ResultCode::ElementNotFound,
                CdtError::ElementExists => ResultCode::ElementExists,
                CdtError::OpNotApplicable => ResultCode::OpNotApplicable,
                CdtError::RecordTooBig => ResultCode::RecordTooBig,
                CdtError::BinExists => ResultCode::BinExists,
                CdtError::BinNotFound => ResultCode::BinNotFound,
                CdtError::Unsupported => ResultCode::UnsupportedFeature,
                CdtError::Corrupt => ResultCode::Unknown,
            },
        }
    }
}

impl From<DecodeError> for TxnError {
    fn from(e: DecodeError) -> TxnError {
        TxnError::Decode(e)
    }
}

impl From<CdtError> for TxnError {
    fn from(e: CdtError) -> TxnError {
        TxnError::Cdt(e)
    }
}

impl From<StorageError> for TxnError {
    fn from(e: StorageError) -> TxnError {
        TxnError::Storage(e)
    }
}

//! Operating errors of the engine. Each maps to one wire result code in the server.

use std::fmt;

/// Why the engine refused a write.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum StorageError {
    /// The namespace is past its stop-writes limit (wire result 8).
    OutOfSpace,
    /// The record is larger than `max-record-size` (wire result 13).
    RecordTooBig,
    /// The namespace already has the maximum number of sets (wire result 4).
    TooManySets,
    /// The set name is longer than 63 bytes (wire result 4).
    SetNameTooLong,
    /// The record has more bins than the format allows (wire result 4).
    TooManyBins,
    /// Too many written blocks wait for the device (`max-write-cache`; wire result 18).
    DeviceOverload,
    /// A record version from another node does not parse (wire result 4).
    BadRecord,
}

impl fmt::Display for StorageError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            StorageError::OutOfSpace => write!(f, "namespace is at its stop-writes limit"),
            StorageError::RecordTooBig => write!(f, "record is larger than max-record-size"),
            StorageError::TooManySets => write!(f, "namespace has the maximum number of sets"),
            StorageError::SetNameTooLong => write!(f, "set name longer than 63 bytes"),
            StorageError::TooManyBins => write!(f, "record has more than 32767 bins"),
            StorageError::BadRecord => write!(f, "a record version from another node does not parse"),
            StorageError::DeviceOverload => {
                write!(f, "the device is behind: max-write-cache of blocks wait to be written")
            }
        }
    }
}

impl std::error::Error for StorageError {}

//! Result codes carried in byte 5 of `as_msg` (PROTOCOL.md §6). Only the codes Scramjet sends
//! are named; the numbers are Aerospike's.

/// A wire result code.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[repr(u8)]
pub enum ResultCode {
    /// Success.
    Ok = 0,
    /// Unclassified server error.
    Unknown = 1,
    /// The record does not exist.
    NotFound = 2,
    /// The generation check failed.
    Generation = 3,
    /// The request is malformed or a parameter is invalid.
    Parameter = 4,
    /// Create-only write on an existing record.
    RecordExists = 5,
    /// Bin already exists (unused by current clients).
    BinExists = 6,
    /// Cluster key mismatch.
    ClusterKeyMismatch = 7,
    /// Stop-writes: the namespace is out of space.
    OutOfSpace = 8,
    /// The transaction ran past its deadline.
    Timeout = 9,
    /// The partition is not available.
    Unavailable = 11,
    /// An operation does not fit the bin's type.
    IncompatibleType = 12,
    /// The record is larger than `max-record-size`.
    RecordTooBig = 13,
    /// Too many concurrent operations on one record.
    KeyBusy = 14,
    /// A scan or query was aborted.
    QueryAbort = 15,
    /// The feature is not supported.
    UnsupportedFeature = 16,
    /// A bin named by the operation does not exist.
    BinNotFound = 17,
    /// The device cannot keep up.
    DeviceOverload = 18,
    /// The stored key differs from the request's.
    KeyMismatch = 19,
    /// Unknown namespace.
    Namespace = 20,
    /// Bad bin name (too long, or too many bins).
    BinName = 21,
    /// Forbidden by configuration (e.g. a TTL with nsup disabled).
    Forbidden = 22,
    /// A list or map element that must exist does not (map update-only, replace).
    ElementNotFound = 23,
    /// A list or map element that must not exist does (list add-unique, map create-only).
    ElementExists = 24,
    /// Enterprise-only feature.
    EnterpriseOnly = 25,
    /// The operation is not applicable.
    OpNotApplicable = 26,
    /// A filter expression excluded the record.
    FilteredOut = 27,
    /// Security is not supported by this server (admin messages).
    SecurityNotSupported = 51,
    /// Security is not enabled (login is not needed).
    SecurityNotEnabled = 52,
    /// The connection has not authenticated (security on).
    NotAuthenticated = 80,
    /// The authenticated user's roles do not allow the command.
    RoleViolation = 81,
    /// The client's address is not in the user's roles' allowlists.
    NotWhitelisted = 82,
    /// The user's roles' quota of operations per second is used up.
    QuotaExceeded = 83,
    /// A UDF failed while it ran (Aerospike's `AS_ERR_UDF_EXECUTION`; the response carries a
    /// `FAILURE` bin with the message).
    UdfExecution = 100,
    /// Too many rows in a batch.
    BatchMaxRequests = 151,
    /// A GeoJSON value that does not parse.
    GeoInvalidGeoJson = 160,
    /// A secondary index with this name or definition exists already.
    IndexFound = 200,
    /// No secondary index with this name or definition.
    IndexNotFound = 201,
    /// The secondary index is still being built.
    IndexNotReadable = 203,
    /// The namespace has as many secondary indexes as it may.
    IndexMaxCount = 206,
}

impl ResultCode {
    /// The wire byte.
    pub fn as_u8(self) -> u8 {
        self as u8
    }
}

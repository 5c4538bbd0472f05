//! Errors: an Aerospike result code (server codes are positive, client codes negative, as in
//! the Aerospike C client's `as_status`) and a message saying what happened.

use std::fmt;

/// Client-side status codes, numbered as in the Aerospike C client so that programs written
/// against Aerospike read them the same way. Server result codes (PROTOCOL.md §6) pass through.
pub mod code {
    /// Success.
    pub const OK: i32 = 0;
    /// Generic client error (bad response, internal failure).
    pub const CLIENT: i32 = -1;
    /// An invalid argument from the caller.
    pub const PARAM: i32 = -2;
    /// A host name that cannot be resolved.
    pub const INVALID_HOST: i32 = -4;
    /// The caller's scan callback asked to stop.
    pub const CLIENT_ABORT: i32 = -5;
    /// The node's connection pool is at `max_conns_per_node`.
    pub const NO_MORE_CONNECTIONS: i32 = -7;
    /// No node holds the partition, or the named node is unknown.
    pub const INVALID_NODE: i32 = -8;
    /// A connection could not be made or broke.
    pub const CONNECTION: i32 = -10;
    /// Generic server error.
    pub const SERVER: i32 = 1;
    /// The record does not exist.
    pub const RECORD_NOT_FOUND: i32 = 2;
    /// The command did not finish within its timeout.
    pub const TIMEOUT: i32 = 9;
    /// The command's filter expression left the record out (PROTOCOL-DATA C.1).
    pub const FILTERED_OUT: i32 = 27;
    /// No cluster could be formed from the seeds.
    pub const CLUSTER: i32 = 11;
    /// A UDF failed (server 100: a Lua error, or a module that cannot load; the message is
    /// the server's).
    pub const UDF: i32 = 100;
}

/// An error with its result code.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Error {
    /// The result code: a server result code (> 0) or a client code from [`code`] (< 0).
    pub code: i32,
    /// What went wrong, for people.
    pub message: String,
}

impl Error {
    /// An error with `code` and `message`.
    pub fn new(code: i32, message: impl Into<String>) -> Error {
        Error { code, message: message.into() }
    }

    /// An error for a server result code.
    pub fn server(result_code: u8) -> Error {
        Error::new(i32::from(result_code), result_name(result_code))
    }

    /// True for failures of the connection or the node rather than of the command: these are
    /// retried (on another replica where the policy allows).
    pub fn is_network(&self) -> bool {
        matches!(self.code, code::CONNECTION | code::TIMEOUT | code::NO_MORE_CONNECTIONS | code::INVALID_NODE)
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "error {}: {}", self.code, self.message)
    }
}

impl std::error::Error for Error {}

/// The client's result type.
pub type Result<T> = std::result::Result<T, Error>;

/// A short description of any result code: a server code, or a client code (< 0).
pub fn result_name_any(result_code: i32) -> String {
    match result_code {
        code::CLIENT => "client error".into(),
        code::PARAM => "parameter error (client)".into(),
        code::INVALID_HOST => "invalid host".into(),
        code::CLIENT_ABORT => "aborted by the caller".into(),
        code::NO_MORE_CONNECTIONS => "no more connections".into(),
        code::INVALID_NODE => "no node for the partition".into(),
        code::CONNECTION => "connection error".into(),
        c => u8::try_from(c).map_or_else(|_| format!("result code {c}"), result_name),
    }
}

/// A short description of a server result code (the names of PROTOCOL.md §6).
pub fn result_name(result_code: u8) -> String {
    let text = match result_code {
        0 => "ok",
        1 => "server error",
        2 => "record not found",
        3 => "generation error",
        4 => "parameter error",
        5 => "record already exists",
        6 => "bin already exists",
        7 => "cluster key mismatch",
        8 => "server out of space (stop-writes)",
        9 => "timeout",
        10 => "XDR not available",
        11 => "cluster not available",
        12 => "incompatible bin type",
        13 => "record too big",
        14 => "key busy",
        15 => "scan aborted",
        16 => "unsupported feature",
        17 => "bin not found",
        18 => "device overload",
        19 => "key mismatch",
        20 => "namespace not found",
        21 => "bin name too long",
        22 => "operation not allowed",
        23 => "element not found",
        24 => "element exists",
        25 => "enterprise only",
        26 => "operation not applicable",
        27 => "filtered out",
        28 => "lost conflict",
        32 => "XDR key busy",
        52 => "security not supported",
        _ => return format!("server result code {result_code}"),
    };
    text.to_string()
}

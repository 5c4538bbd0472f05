//! Message fields: `size (u32 BE, counts the type byte) | type (u8) | data` (PROTOCOL.md §3).
//!
//! Field types are kept as raw bytes so that unknown ones can be skipped by size, as clients
//! and the server do.

/// Bytes before a field's data: 4 size bytes and the type byte.
pub const FIELD_HEADER_SIZE: usize = 5;

/// Field type ids (server `AS_MSG_FIELD_TYPE_*`).
pub mod field_type {
    /// Namespace name.
    pub const NAMESPACE: u8 = 0;
    /// Set name (may be empty).
    pub const SET: u8 = 1;
    /// User key: particle type byte then the key bytes.
    pub const KEY: u8 = 2;
    /// Record version (transactions).
    pub const RECORD_VERSION: u8 = 3;
    /// The 20-byte record digest; its presence makes a message single-record.
    pub const DIGEST: u8 = 4;
    /// Transaction id.
    pub const TXN_ID: u8 = 5;
    /// Transaction deadline.
    pub const TXN_DEADLINE: u8 = 6;
    /// Scan/query task id.
    pub const TASK_ID: u8 = 7;
    /// Scan/query socket timeout.
    pub const SOCKET_TIMEOUT: u8 = 9;
    /// Records-per-second throttle.
    pub const RPS: u8 = 10;
    /// Partition id array.
    pub const PID_ARRAY: u8 = 11;
    /// Resume digest array.
    pub const DIGEST_ARRAY: u8 = 12;
    /// Maximum records.
    pub const MAX_RECORDS: u8 = 13;
    /// Secondary-index key of a query's record, and the resume keys (one per resume digest),
    /// 8-byte little-endian each.
    pub const BVAL_ARRAY: u8 = 15;
    /// Secondary-index name a query uses.
    pub const INDEX_NAME: u8 = 21;
    /// Secondary-index query range (its presence makes a query, not a scan).
    pub const INDEX_RANGE: u8 = 22;
    /// The context of the index a query uses (packed).
    pub const INDEX_CONTEXT: u8 = 23;
    /// The expression of the index a query uses (packed).
    pub const INDEX_EXPRESSION: u8 = 24;
    /// The collection type of the index a query uses: 0 default, 1 list, 2 map keys, 3 map
    /// values.
    pub const INDEX_TYPE: u8 = 26;
    /// UDF package name.
    pub const UDF_PACKAGE_NAME: u8 = 30;
    /// UDF function name.
    pub const UDF_FUNCTION: u8 = 31;
    /// UDF argument list.
    pub const UDF_ARGLIST: u8 = 32;
    /// UDF operation kind.
    pub const UDF_OP: u8 = 33;
    /// Batch-index payload.
    pub const BATCH_INDEX: u8 = 41;
    /// Batch-index payload with set names (accepted like 41).
    pub const BATCH_INDEX_WITH_SET: u8 = 42;
    /// Filter expression.
    pub const FILTER: u8 = 43;
}

/// One field of a message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Field<'a> {
    /// The field type id (see [`field_type`]).
    pub field_type: u8,
    /// The field's data.
    pub data: &'a [u8],
}

/// Appends a field to `buf`.
pub fn write_field(buf: &mut Vec<u8>, field_type: u8, data: &[u8]) {
    let size = u32::try_from(data.len() + 1).expect("field data fits u32");
    buf.extend_from_slice(&size.to_be_bytes());
    buf.push(field_type);
    buf.extend_from_slice(data);
}

/// Splits the field at the start of `bytes`: returns it and the bytes after it.
pub(crate) fn split_field(bytes: &[u8]) -> Result<(Field<'_>, &[u8]), crate::DecodeError> {
    use crate::DecodeError;
    let size_bytes: [u8; 4] = bytes.get(..4).ok_or(DecodeError::Truncated)?.try_into().unwrap_or_default();
    let size = u32::from_be_bytes(size_bytes) as usize;
    if size == 0 {
        return Err(DecodeError::BadFieldSize);
    }
    let end = 4usize.checked_add(size).ok_or(DecodeError::Truncated)?;
    let field_bytes = bytes.get(4..end).ok_or(DecodeError::Truncated)?;
    let field = Field { field_type: field_bytes[0], data: &field_bytes[1..] };
    Ok((field, &bytes[end..]))
}

//! Admin (security) messages, proto type 2 (PROTOCOL.md §10; the field contents as the C
//! client's `src/main/aerospike/as_admin.c` writes and reads them).
//!
//! A message body is one or more blocks; a block is a 16-byte header (scheme 0, result code,
//! command, field count, 12 zero bytes) and its fields, each a 4-byte big-endian length that
//! counts the id byte, the id byte and the data. A request is one block; the answer to a user
//! or role query is a stream of messages of blocks, one per user or role, ended by a block
//! with result 50 (QUERY_END).
//!
//! Field data: names and passwords are bytes without a terminating zero; a role list is a
//! count byte then per role a length byte and the name; a privilege list is a count byte then
//! per privilege its code byte and, for the data privileges (code 10 and up), the namespace and
//! the set, each a length byte and the name; an allowlist is addresses joined by commas; quotas
//! and session TTLs are 4-byte big-endian integers; READ_INFO/WRITE_INFO are a count byte then
//! 4-byte integers.
//!
//! Parsing trusts no count and no length it is sent: every one is checked against the bytes
//! that are there, and malformed input is an [`AdminError`], never a panic.

use crate::frame::{patch_size, ProtoType};
use crate::PROTO_HEADER_SIZE;

/// Size of a block header.
pub const HEADER_SIZE: usize = 16;

/// Admin commands (the header's third byte).
pub mod command {
    /// Authenticate a connection with a session token or a credential.
    pub const AUTHENTICATE: u8 = 0;
    /// Create a user.
    pub const CREATE_USER: u8 = 1;
    /// Drop a user.
    pub const DROP_USER: u8 = 2;
    /// Set a user's password (user-admin).
    pub const SET_PASSWORD: u8 = 3;
    /// Change one's own password (the old one given).
    pub const CHANGE_PASSWORD: u8 = 4;
    /// Grant roles to a user.
    pub const GRANT_ROLES: u8 = 5;
    /// Revoke roles from a user.
    pub const REVOKE_ROLES: u8 = 6;
    /// Query one user or all.
    pub const QUERY_USERS: u8 = 9;
    /// Create a role.
    pub const CREATE_ROLE: u8 = 10;
    /// Drop a role.
    pub const DROP_ROLE: u8 = 11;
    /// Grant privileges to a role.
    pub const GRANT_PRIVILEGES: u8 = 12;
    /// Revoke privileges from a role.
    pub const REVOKE_PRIVILEGES: u8 = 13;
    /// Set a role's allowlist (client addresses).
    pub const SET_WHITELIST: u8 = 14;
    /// Set a role's read and write quotas.
    pub const SET_QUOTAS: u8 = 15;
    /// Query one role or all.
    pub const QUERY_ROLES: u8 = 16;
    /// Log in: a credential for a session token.
    pub const LOGIN: u8 = 20;

    /// Whether `command` is one of the above.
    pub fn is_known(command: u8) -> bool {
        matches!(command, 0..=6 | 9..=16 | 20)
    }
}

/// Field ids.
pub mod field {
    /// User name.
    pub const USER: u8 = 0;
    /// Password hash (bcrypt) of a new user or a new password.
    pub const PASSWORD: u8 = 1;
    /// The old password hash (CHANGE_PASSWORD).
    pub const OLD_PASSWORD: u8 = 2;
    /// Credential: the bcrypt hash a client logs in with.
    pub const CREDENTIAL: u8 = 3;
    /// Clear-text password (external authentication only).
    pub const CLEAR_PASSWORD: u8 = 4;
    /// Session token.
    pub const SESSION_TOKEN: u8 = 5;
    /// Session TTL in seconds (4 bytes).
    pub const SESSION_TTL: u8 = 6;
    /// Role list.
    pub const ROLES: u8 = 10;
    /// Role name.
    pub const ROLE: u8 = 11;
    /// Privilege list.
    pub const PRIVILEGES: u8 = 12;
    /// Allowlist (comma-separated addresses).
    pub const WHITELIST: u8 = 13;
    /// Read quota, operations per second (4 bytes).
    pub const READ_QUOTA: u8 = 14;
    /// Write quota, operations per second (4 bytes).
    pub const WRITE_QUOTA: u8 = 15;
    /// A user's read statistics (count byte, 4-byte integers).
    pub const READ_INFO: u8 = 16;
    /// A user's write statistics (count byte, 4-byte integers).
    pub const WRITE_INFO: u8 = 17;
    /// A user's connections in use (4 bytes).
    pub const CONNECTIONS: u8 = 18;
}

/// Result codes of admin answers (`as_status.h`); 80-83 are also data results
/// ([`crate::ResultCode`]).
pub mod result {
    /// Success.
    pub const OK: u8 = 0;
    /// Ends the answer to a user or role query.
    pub const QUERY_END: u8 = 50;
    /// Security is not enabled: clients skip login.
    pub const SECURITY_NOT_ENABLED: u8 = 52;
    /// An admin command this server does not have.
    pub const INVALID_COMMAND: u8 = 54;
    /// A field is missing or malformed.
    pub const INVALID_FIELD: u8 = 55;
    /// No such user, or a bad user name.
    pub const INVALID_USER: u8 = 60;
    /// The user exists already.
    pub const USER_ALREADY_EXISTS: u8 = 61;
    /// A password (hash) that is malformed or does not match.
    pub const INVALID_PASSWORD: u8 = 62;
    /// The credential does not match the user's.
    pub const INVALID_CREDENTIAL: u8 = 65;
    /// The session token has expired: log in again.
    pub const EXPIRED_SESSION: u8 = 66;
    /// No such role, a bad role name, or a predefined role that cannot change.
    pub const INVALID_ROLE: u8 = 70;
    /// The role exists already.
    pub const ROLE_ALREADY_EXISTS: u8 = 71;
    /// A privilege code or scope that is not allowed.
    pub const INVALID_PRIVILEGE: u8 = 72;
    /// An allowlist entry that is not an address or address range.
    pub const INVALID_WHITELIST: u8 = 73;
    /// Quotas are set but `enable-quotas` is off.
    pub const QUOTAS_NOT_ENABLED: u8 = 74;
    /// A quota out of range.
    pub const INVALID_QUOTA: u8 = 75;
    /// The connection has not authenticated.
    pub const NOT_AUTHENTICATED: u8 = 80;
    /// The user's roles do not allow the command.
    pub const ROLE_VIOLATION: u8 = 81;
    /// The client's address is not allowed for the user.
    pub const NOT_WHITELISTED: u8 = 82;
}

/// Why an admin message does not parse.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AdminError {
    /// The body ends inside a header, a field or a value.
    Truncated,
    /// Bytes remain after the announced fields.
    TrailingBytes,
    /// A field length of zero (it counts at least the id byte).
    BadFieldSize,
    /// A field the command needs is missing (its id).
    MissingField(u8),
    /// A name, password or address is not UTF-8.
    NotUtf8,
    /// A list's count, a privilege code or an integer field's size is wrong.
    BadValue,
    /// A command id this protocol does not have.
    UnknownCommand(u8),
}

impl AdminError {
    /// The result code to answer with: 54 (INVALID_COMMAND) for an unknown command, 55
    /// (INVALID_FIELD) for everything else. Aerospike Enterprise's exact choice per case is
    /// not public; these are the codes its clients name for the two kinds of fault.
    pub fn result_code(self) -> u8 {
        match self {
            AdminError::UnknownCommand(_) => 54,
            _ => 55,
        }
    }
}

impl std::fmt::Display for AdminError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            AdminError::Truncated => write!(f, "admin message truncated"),
            AdminError::TrailingBytes => write!(f, "bytes left after the admin fields"),
            AdminError::BadFieldSize => write!(f, "admin field of size 0"),
            AdminError::MissingField(id) => write!(f, "admin field {id} missing"),
            AdminError::NotUtf8 => write!(f, "admin field is not UTF-8"),
            AdminError::BadValue => write!(f, "admin field value malformed"),
            AdminError::UnknownCommand(c) => write!(f, "unknown admin command {c}"),
        }
    }
}

impl std::error::Error for AdminError {}

/// A privilege's code (`as_privilege_code`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum PrivilegeCode {
    /// Manage users and roles.
    UserAdmin = 0,
    /// Manage the server (configuration, ...).
    SysAdmin = 1,
    /// Manage data (indexes, UDFs, truncation).
    DataAdmin = 2,
    /// Manage UDF modules.
    UdfAdmin = 3,
    /// Manage secondary indexes.
    SindexAdmin = 4,
    /// Read records.
    Read = 10,
    /// Read and write records.
    ReadWrite = 11,
    /// Read, write and run UDFs.
    ReadWriteUdf = 12,
    /// Write records.
    Write = 13,
    /// Truncate sets and namespaces.
    Truncate = 14,
}

impl PrivilegeCode {
    /// Every code.
    pub const ALL: [PrivilegeCode; 10] = [
        PrivilegeCode::UserAdmin,
        PrivilegeCode::SysAdmin,
        PrivilegeCode::DataAdmin,
        PrivilegeCode::UdfAdmin,
        PrivilegeCode::SindexAdmin,
        PrivilegeCode::Read,
        PrivilegeCode::ReadWrite,
        PrivilegeCode::ReadWriteUdf,
        PrivilegeCode::Write,
        PrivilegeCode::Truncate,
    ];

    /// The code of byte `b`, if it is one.
    pub fn from_u8(b: u8) -> Option<PrivilegeCode> {
        PrivilegeCode::ALL.into_iter().find(|c| *c as u8 == b)
    }

    /// Whether the privilege takes a namespace and set scope (the data privileges).
    pub fn is_scoped(self) -> bool {
        self as u8 >= PrivilegeCode::Read as u8
    }

    /// Aerospike's name (as in `asadm` and the docs).
    pub fn name(self) -> &'static str {
        match self {
            PrivilegeCode::UserAdmin => "user-admin",
            PrivilegeCode::SysAdmin => "sys-admin",
            PrivilegeCode::DataAdmin => "data-admin",
            PrivilegeCode::UdfAdmin => "udf-admin",
            PrivilegeCode::SindexAdmin => "sindex-admin",
            PrivilegeCode::Read => "read",
            PrivilegeCode::ReadWrite => "read-write",
            PrivilegeCode::ReadWriteUdf => "read-write-udf",
            PrivilegeCode::Write => "write",
            PrivilegeCode::Truncate => "truncate",
        }
    }
}

/// A privilege: its code and, for a data privilege, its scope (empty: every namespace, or
/// every set of the namespace).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Privilege<'a> {
    /// What it allows.
    pub code: PrivilegeCode,
    /// Namespace scope ("" for all).
    pub ns: &'a str,
    /// Set scope ("" for all).
    pub set: &'a str,
}

/// One block of an admin message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AdminBlock<'a> {
    /// The result code (responses).
    pub result: u8,
    /// The command.
    pub command: u8,
    /// Fields in message order: id and data.
    pub fields: Vec<(u8, &'a [u8])>,
}

/// Reads `n` bytes at `*at`.
fn take<'a>(bytes: &'a [u8], at: &mut usize, n: usize) -> Result<&'a [u8], AdminError> {
    let end = at.checked_add(n).filter(|&e| e <= bytes.len()).ok_or(AdminError::Truncated)?;
    let out = &bytes[*at..end];
    *at = end;
    Ok(out)
}

fn utf8(bytes: &[u8]) -> Result<&str, AdminError> {
    std::str::from_utf8(bytes).map_err(|_| AdminError::NotUtf8)
}

/// Reads a length byte and that many bytes, as UTF-8.
fn short_string<'a>(bytes: &'a [u8], at: &mut usize) -> Result<&'a str, AdminError> {
    let len = usize::from(take(bytes, at, 1)?[0]);
    utf8(take(bytes, at, len)?)
}

impl<'a> AdminBlock<'a> {
    /// Parses the block at `*at` in `body`, moving `*at` past it.
    pub fn parse_at(body: &'a [u8], at: &mut usize) -> Result<AdminBlock<'a>, AdminError> {
        let header = take(body, at, HEADER_SIZE)?;
        let (result, command, n_fields) = (header[1], header[2], header[3]);
        let mut fields = Vec::with_capacity(usize::from(n_fields));
        for _ in 0..n_fields {
            let len = u32::from_be_bytes(take(body, at, 4)?.try_into().expect("4 bytes")) as usize;
            if len == 0 {
                return Err(AdminError::BadFieldSize);
            }
            let id = take(body, at, 1)?[0];
            fields.push((id, take(body, at, len - 1)?));
        }
        Ok(AdminBlock { result, command, fields })
    }

    /// Parses a request: exactly one block of a known command, nothing after it.
    pub fn parse_request(body: &'a [u8]) -> Result<AdminBlock<'a>, AdminError> {
        let mut at = 0;
        let block = AdminBlock::parse_at(body, &mut at)?;
        if at != body.len() {
            return Err(AdminError::TrailingBytes);
        }
        if !command::is_known(block.command) {
            return Err(AdminError::UnknownCommand(block.command));
        }
        Ok(block)
    }

    /// Parses every block of a message body (a query answer).
    pub fn parse_all(body: &'a [u8]) -> Result<Vec<AdminBlock<'a>>, AdminError> {
        let mut at = 0;
        let mut out = Vec::new();
        while at < body.len() {
            out.push(AdminBlock::parse_at(body, &mut at)?);
        }
        Ok(out)
    }

    /// The data of the first field `id`, if present.
    pub fn field(&self, id: u8) -> Option<&'a [u8]> {
        self.fields.iter().find(|(i, _)| *i == id).map(|(_, data)| *data)
    }

    /// The field `id`, which must be present.
    pub fn required(&self, id: u8) -> Result<&'a [u8], AdminError> {
        self.field(id).ok_or(AdminError::MissingField(id))
    }

    /// The field `id` as UTF-8 text, which must be present.
    pub fn string(&self, id: u8) -> Result<&'a str, AdminError> {
        utf8(self.required(id)?)
    }

    /// The 4-byte big-endian integer field `id`, if present.
    pub fn u32_field(&self, id: u8) -> Result<Option<u32>, AdminError> {
        match self.field(id) {
            None => Ok(None),
            Some(data) => Ok(Some(u32::from_be_bytes(data.try_into().map_err(|_| AdminError::BadValue)?))),
        }
    }

    /// The ROLES field: its role names (the field must be present).
    pub fn roles(&self) -> Result<Vec<&'a str>, AdminError> {
        let data = self.required(field::ROLES)?;
        let mut at = 0;
        let count = take(data, &mut at, 1)?[0];
        let roles = (0..count).map(|_| short_string(data, &mut at)).collect::<Result<Vec<_>, _>>()?;
        if at != data.len() {
            return Err(AdminError::BadValue);
        }
        Ok(roles)
    }

    /// The PRIVILEGES field (must be present).
    pub fn privileges(&self) -> Result<Vec<Privilege<'a>>, AdminError> {
        let data = self.required(field::PRIVILEGES)?;
        let mut at = 0;
        let count = take(data, &mut at, 1)?[0];
        let mut out = Vec::with_capacity(usize::from(count));
        for _ in 0..count {
            let code = PrivilegeCode::from_u8(take(data, &mut at, 1)?[0]).ok_or(AdminError::BadValue)?;
            let (ns, set) =
                if code.is_scoped() { (short_string(data, &mut at)?, short_string(data, &mut at)?) } else { ("", "") };
            out.push(Privilege { code, ns, set });
        }
        if at != data.len() {
            return Err(AdminError::BadValue);
        }
        Ok(out)
    }

    /// The WHITELIST field: its addresses (absent or empty: none).
    pub fn whitelist(&self) -> Result<Vec<&'a str>, AdminError> {
        match self.field(field::WHITELIST) {
            None => Ok(Vec::new()),
            Some(data) => Ok(utf8(data)?.split(',').map(str::trim).filter(|a| !a.is_empty()).collect()),
        }
    }
}

/// Builds admin messages: a proto header, then blocks of fields.
pub struct AdminWriter<'b> {
    buf: &'b mut Vec<u8>,
    start: usize,
    block: usize,
    n_fields: u8,
}

impl<'b> AdminWriter<'b> {
    /// Starts a message with a first block of `command` answering `result` (0 in requests).
    pub fn begin(buf: &'b mut Vec<u8>, command: u8, result: u8) -> AdminWriter<'b> {
        let start = buf.len();
        buf.extend_from_slice(&[0; PROTO_HEADER_SIZE]);
        let mut writer = AdminWriter { buf, start, block: 0, n_fields: 0 };
        writer.start_block(command, result);
        writer
    }

    fn start_block(&mut self, command: u8, result: u8) {
        self.block = self.buf.len();
        self.n_fields = 0;
        let mut header = [0u8; HEADER_SIZE];
        header[1] = result;
        header[2] = command;
        self.buf.extend_from_slice(&header);
    }

    fn close_block(&mut self) {
        self.buf[self.block + 3] = self.n_fields;
    }

    /// Ends the current block and starts another in the same message.
    pub fn next_block(&mut self, command: u8, result: u8) {
        self.close_block();
        self.start_block(command, result);
    }

    /// Appends a field. At most 255 per block (the count is one byte).
    pub fn field(&mut self, id: u8, data: &[u8]) -> &mut Self {
        assert!(self.n_fields < u8::MAX, "at most 255 fields in an admin block");
        let len = u32::try_from(data.len() + 1).expect("admin field under 4 GiB");
        self.buf.extend_from_slice(&len.to_be_bytes());
        self.buf.push(id);
        self.buf.extend_from_slice(data);
        self.n_fields += 1;
        self
    }

    /// Appends a 4-byte big-endian integer field.
    pub fn field_u32(&mut self, id: u8, value: u32) -> &mut Self {
        self.field(id, &value.to_be_bytes())
    }

    /// Appends a ROLES field. Names are cut to 255 bytes; at most 255 roles.
    pub fn roles(&mut self, roles: &[&str]) -> &mut Self {
        let roles = &roles[..roles.len().min(255)];
        let mut data = vec![roles.len() as u8];
        for role in roles {
            push_short(&mut data, role);
        }
        self.field(field::ROLES, &data)
    }

    /// Appends a PRIVILEGES field (scopes only for data privileges). At most 255.
    pub fn privileges(&mut self, privileges: &[Privilege<'_>]) -> &mut Self {
        let privileges = &privileges[..privileges.len().min(255)];
        let mut data = vec![privileges.len() as u8];
        for p in privileges {
            data.push(p.code as u8);
            if p.code.is_scoped() {
                push_short(&mut data, p.ns);
                push_short(&mut data, p.set);
            }
        }
        self.field(field::PRIVILEGES, &data)
    }

    /// Appends a count byte and 4-byte integers (READ_INFO, WRITE_INFO). At most 255.
    pub fn info(&mut self, id: u8, values: &[u32]) -> &mut Self {
        let values = &values[..values.len().min(255)];
        let mut data = vec![values.len() as u8];
        for v in values {
            data.extend_from_slice(&v.to_be_bytes());
        }
        self.field(id, &data)
    }

    /// Ends the message: the last block's field count and the proto header.
    pub fn finish(mut self) {
        self.close_block();
        patch_size(self.buf, self.start, ProtoType::Admin);
    }
}

/// A length byte and the text, cut to 255 bytes.
fn push_short(out: &mut Vec<u8>, text: &str) {
    let bytes = &text.as_bytes()[..text.len().min(255)];
    out.push(bytes.len() as u8);
    out.extend_from_slice(bytes);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn body(buf: &[u8]) -> &[u8] {
        &buf[PROTO_HEADER_SIZE..]
    }

    #[test]
    fn a_request_round_trips() {
        let mut buf = Vec::new();
        let mut w = AdminWriter::begin(&mut buf, command::CREATE_ROLE, 0);
        w.field(field::ROLE, b"reader")
            .privileges(&[
                Privilege { code: PrivilegeCode::Read, ns: "test", set: "demo" },
                Privilege { code: PrivilegeCode::SysAdmin, ns: "", set: "" },
            ])
            .field(field::WHITELIST, b"10.0.0.0/8, 127.0.0.1")
            .field_u32(field::READ_QUOTA, 500);
        w.finish();
        assert_eq!(&buf[..2], &[2, 2], "version 2, type admin");
        assert_eq!(u64::from_be_bytes(buf[..8].try_into().unwrap()) & ((1 << 48) - 1), (buf.len() - 8) as u64);
        let block = AdminBlock::parse_request(body(&buf)).unwrap();
        assert_eq!((block.command, block.fields.len()), (command::CREATE_ROLE, 4));
        assert_eq!(block.string(field::ROLE), Ok("reader"));
        let privileges = block.privileges().unwrap();
        assert_eq!(privileges[0], Privilege { code: PrivilegeCode::Read, ns: "test", set: "demo" });
        assert_eq!(privileges[1].code, PrivilegeCode::SysAdmin);
        assert_eq!(block.whitelist().unwrap(), ["10.0.0.0/8", "127.0.0.1"]);
        assert_eq!(block.u32_field(field::READ_QUOTA), Ok(Some(500)));
        assert_eq!(block.u32_field(field::WRITE_QUOTA), Ok(None));
        assert_eq!(block.roles(), Err(AdminError::MissingField(field::ROLES)));
    }

    #[test]
    fn a_query_answer_is_blocks_ended_by_query_end() {
        let mut buf = Vec::new();
        let mut w = AdminWriter::begin(&mut buf, command::QUERY_USERS, 0);
        w.field(field::USER, b"admin").roles(&["user-admin"]).info(field::READ_INFO, &[0, 0, 0, 0]);
        w.next_block(command::QUERY_USERS, 0);
        w.field(field::USER, b"bob").roles(&["read", "write"]).field_u32(field::CONNECTIONS, 2);
        w.next_block(command::QUERY_USERS, 50);
        w.finish();
        let blocks = AdminBlock::parse_all(body(&buf)).unwrap();
        assert_eq!(blocks.len(), 3);
        assert_eq!(blocks[1].roles().unwrap(), ["read", "write"]);
        assert_eq!(blocks[1].u32_field(field::CONNECTIONS), Ok(Some(2)));
        assert_eq!((blocks[2].result, blocks[2].fields.len()), (50, 0));
    }

    #[test]
    fn hostile_requests_are_errors() {
        let mut good = Vec::new();
        let mut w = AdminWriter::begin(&mut good, command::GRANT_ROLES, 0);
        w.field(field::USER, b"u").roles(&["r1", "r2"]);
        w.finish();
        let good = body(&good).to_vec();
        // Every strict prefix is truncated; an extra byte is trailing.
        for n in 0..good.len() {
            assert!(AdminBlock::parse_request(&good[..n]).is_err(), "prefix {n}");
        }
        let mut long = good.clone();
        long.push(0);
        assert_eq!(AdminBlock::parse_request(&long), Err(AdminError::TrailingBytes));
        // A field count past the fields, a zero-size field, a huge field length.
        let mut more = good.clone();
        more[3] = 200;
        assert_eq!(AdminBlock::parse_request(&more), Err(AdminError::Truncated));
        let mut zero = good.clone();
        zero[HEADER_SIZE..HEADER_SIZE + 4].copy_from_slice(&0u32.to_be_bytes());
        assert_eq!(AdminBlock::parse_request(&zero), Err(AdminError::BadFieldSize));
        let mut huge = good.clone();
        huge[HEADER_SIZE..HEADER_SIZE + 4].copy_from_slice(&u32::MAX.to_be_bytes());
        assert_eq!(AdminBlock::parse_request(&huge), Err(AdminError::Truncated));
        // An unknown command.
        let mut unknown = good.clone();
        unknown[2] = 99;
        assert_eq!(AdminBlock::parse_request(&unknown), Err(AdminError::UnknownCommand(99)));
        assert_eq!(AdminError::UnknownCommand(99).result_code(), 54);
        // A role count past the names, a name length past the field, a bad privilege code.
        let block = |fields: Vec<(u8, &'static [u8])>| AdminBlock { result: 0, command: 0, fields };
        assert_eq!(block(vec![(field::ROLES, &[5, 1, b'a'])]).roles(), Err(AdminError::Truncated));
        assert_eq!(block(vec![(field::ROLES, &[1, 9, b'a'])]).roles(), Err(AdminError::Truncated));
        assert_eq!(block(vec![(field::ROLES, &[1, 1, b'a', b'b'])]).roles(), Err(AdminError::BadValue));
        assert_eq!(block(vec![(field::ROLES, &[1, 1, 0xff])]).roles(), Err(AdminError::NotUtf8));
        assert_eq!(block(vec![(field::PRIVILEGES, &[1, 7])]).privileges(), Err(AdminError::BadValue));
        assert_eq!(block(vec![(field::PRIVILEGES, &[2, 0])]).privileges(), Err(AdminError::Truncated));
        assert_eq!(block(vec![(field::PRIVILEGES, &[1, 10, 0])]).privileges(), Err(AdminError::Truncated));
        assert_eq!(
            block(vec![(field::READ_QUOTA, &[1, 2, 3])]).u32_field(field::READ_QUOTA),
            Err(AdminError::BadValue)
        );
    }

    #[test]
    fn random_bytes_never_panic() {
        // A small LCG: repeatable, no dependency.
        let mut state: u64 = 0x5eed;
        let mut next = || {
            state = state.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
            (state >> 33) as u8
        };
        for _ in 0..20_000 {
            let len = usize::from(next()) % 64;
            let mut bytes: Vec<u8> = (0..len).map(|_| next()).collect();
            if bytes.len() > 3 {
                bytes[3] %= 4; // a few fields, so that some parse
            }
            if let Ok(block) = AdminBlock::parse_request(&bytes) {
                let _ = (block.roles(), block.privileges(), block.whitelist(), block.u32_field(field::SESSION_TTL));
            }
            let _ = AdminBlock::parse_all(&bytes);
        }
    }
}

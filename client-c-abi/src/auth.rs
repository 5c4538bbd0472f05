//! Logging in to a node with access control on (Aerospike Enterprise's security, Scramjet's
//! `security { }`): the credential every Aerospike client sends, and LOGIN on a new connection.
//!
//! The credential is the bcrypt hash of the password under the clients' fixed salt
//! (`$2a$10$7EqJtq98hPqEX7fNZaFWoO`), computed once when the client is configured; the clear
//! password never leaves the process. Each new connection sends LOGIN with the user and the
//! credential before any command; a node without access control answers 52 (not enabled) and
//! the connection is used as it is. The session token LOGIN answers is not kept: a connection
//! logs in itself, so no token can expire under it.

use std::io::{Read, Write};

use base64::Engine;
use scramjet_net::admin::{command, field, result, AdminBlock, AdminWriter};
use scramjet_net::{ProtoHeader, ProtoType, PROTO_HEADER_SIZE};

use crate::error::{code, Error, Result};

/// The salt every Aerospike client hashes passwords with (bcrypt base64, cost 10).
const SALT: &str = "7EqJtq98hPqEX7fNZaFWoO";
/// Longest user name (Aerospike's `AS_USER_SIZE` less the terminating zero).
pub const MAX_USER_LEN: usize = 63;

/// A user and its credential.
#[derive(Clone, PartialEq, Eq)]
pub struct Credentials {
    /// The user (empty for a PKI login).
    pub user: String,
    /// The bcrypt hash of the password (empty for a PKI login).
    pub credential: String,
    /// A PKI login: the user is the one the TLS client certificate names, and LOGIN carries
    /// no fields (the official clients' `AUTH_PKI`).
    pub pki: bool,
}

impl std::fmt::Debug for Credentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Credentials").field("user", &self.user).finish_non_exhaustive()
    }
}

impl Credentials {
    /// Credentials for `user` with `password` (hashed here).
    pub fn new(user: &str, password: &str) -> Result<Credentials> {
        if user.is_empty() || user.len() > MAX_USER_LEN {
            return Err(Error::new(code::PARAM, format!("a user name is 1 to {MAX_USER_LEN} bytes")));
        }
        Ok(Credentials { user: user.to_string(), credential: hash_password(password)?, pki: false })
    }

    /// A PKI login: the node takes the user from the client's TLS certificate (the client
    /// must connect with TLS and a certificate).
    pub fn pki() -> Credentials {
        Credentials { user: String::new(), credential: String::new(), pki: true }
    }
}

/// The credential a password stands for: bcrypt with the clients' fixed salt, as `$2a$10$...`.
pub fn hash_password(password: &str) -> Result<String> {
    let salt = bcrypt::BASE_64.decode(SALT).map_err(|e| Error::new(code::CLIENT, format!("bad salt: {e}")))?;
    let salt: [u8; 16] = salt.try_into().map_err(|_| Error::new(code::CLIENT, "bad salt length"))?;
    let parts = bcrypt::hash_with_salt(password, 10, salt)
        .map_err(|e| Error::new(code::PARAM, format!("cannot hash the password: {e}")))?;
    Ok(parts.format_for_version(bcrypt::Version::TwoA))
}

/// Logs a new connection in: LOGIN with the user and credential. `Ok` once the node accepts it
/// or has no access control; the node's result code otherwise (60 no such user, 65 wrong
/// password, 82 address not allowed, ...).
pub fn login<S: Read + Write>(stream: &mut S, credentials: &Credentials) -> Result<()> {
    let mut request = Vec::with_capacity(128);
    let mut w = AdminWriter::begin(&mut request, command::LOGIN, 0);
    if !credentials.pki {
        w.field(field::USER, credentials.user.as_bytes()).field(field::CREDENTIAL, credentials.credential.as_bytes());
    }
    w.finish();
    stream.write_all(&request).map_err(|e| Error::new(code::CONNECTION, format!("login: {e}")))?;
    let mut body = Vec::new();
    read_admin(stream, &mut body)?;
    let block =
        AdminBlock::parse_request(&body).map_err(|e| Error::new(code::CLIENT, format!("login: bad answer: {e}")))?;
    match block.result {
        result::OK | result::SECURITY_NOT_ENABLED => Ok(()),
        other if credentials.pki => Err(Error::new(i32::from(other), "login with the TLS certificate refused")),
        other => Err(Error::new(i32::from(other), format!("login as {} refused", credentials.user))),
    }
}

/// Reads one admin message into `body`.
pub fn read_admin<S: Read>(stream: &mut S, body: &mut Vec<u8>) -> Result<()> {
    let mut head = [0u8; PROTO_HEADER_SIZE];
    stream.read_exact(&mut head).map_err(|e| Error::new(code::CONNECTION, format!("admin answer: {e}")))?;
    let header = ProtoHeader::decode(head).map_err(|e| Error::new(code::CLIENT, format!("bad proto header: {e:?}")))?;
    if header.proto_type != ProtoType::Admin {
        return Err(Error::new(code::CLIENT, "expected an admin message"));
    }
    body.clear();
    body.resize(header.size as usize, 0);
    stream.read_exact(body).map_err(|e| Error::new(code::CONNECTION, format!("admin answer: {e}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_credential_is_what_every_client_sends() {
        // bcrypt("admin", $2a$10$7EqJtq98hPqEX7fNZaFWoO): the default admin's credential.
        assert_eq!(hash_password("admin").unwrap(), "$2a$10$7EqJtq98hPqEX7fNZaFWoO1mVO/4MLpGzsqojz6E9Gef6iXDjXdDa");
        assert!(Credentials::new("", "x").is_err());
        assert!(!format!("{:?}", Credentials::new("u", "secret").unwrap()).contains("$2a"));
    }
}

//! User and role administration (the admin commands of Aerospike's security protocol, as the
//! official clients' `admin_*` calls send them): each call goes to one node, which commits the
//! change cluster-wide before it answers. Refusals come back as errors with the server's
//! codes (60 no such user, 61 user exists, 70 no such role, 71 role exists, 72 bad privilege,
//! 73 bad allowlist, 74 quotas not enabled, 81 not allowed, ...).

use std::time::Duration;

pub use scramjet_net::admin::PrivilegeCode;
use scramjet_net::admin::{command, field, result, AdminBlock, AdminWriter};

use crate::auth::hash_password;
use crate::error::{code, Error, Result};
use crate::Client;

/// How long an admin call may take (a change waits for every node).
const ADMIN_TIMEOUT: Duration = Duration::from_secs(5);

/// A privilege and its scope (empty namespace: every namespace; empty set: every set).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Privilege {
    /// What it allows.
    pub code: PrivilegeCode,
    /// Namespace scope (data privileges only).
    pub namespace: String,
    /// Set scope (with a namespace).
    pub set: String,
}

impl Privilege {
    /// A privilege everywhere.
    pub fn global(code: PrivilegeCode) -> Privilege {
        Privilege { code, namespace: String::new(), set: String::new() }
    }

    /// A data privilege on a namespace, or on one of its sets.
    pub fn scoped(code: PrivilegeCode, namespace: &str, set: &str) -> Privilege {
        Privilege { code, namespace: namespace.to_string(), set: set.to_string() }
    }
}

/// A user as a query answers it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct User {
    /// Its name.
    pub name: String,
    /// Its roles.
    pub roles: Vec<String>,
    /// Its open connections, as the node counts them.
    pub connections: u32,
}

/// A role as a query answers it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Role {
    /// Its name.
    pub name: String,
    /// Its privileges.
    pub privileges: Vec<Privilege>,
    /// Client addresses its users may connect from (empty: any).
    pub whitelist: Vec<String>,
    /// Reads per second per node (0: no limit).
    pub read_quota: u32,
    /// Writes per second per node (0: no limit).
    pub write_quota: u32,
}

/// Whether an admin answer message ends the answer to `request`: always for a command, and
/// for a query once a block carries a result (50 ends it, anything else is an error).
pub(crate) fn ends_answer(body: &[u8], request: &[u8]) -> Result<bool> {
    let query = matches!(request.get(8 + 2).copied(), Some(command::QUERY_USERS | command::QUERY_ROLES));
    let blocks = AdminBlock::parse_all(body).map_err(|e| Error::new(code::CLIENT, format!("bad admin answer: {e}")))?;
    Ok(!query || blocks.iter().any(|b| b.result != result::OK))
}

/// One answer block's fields: id and data.
type Fields = Vec<(u8, Vec<u8>)>;

fn wire_privileges(privileges: &[Privilege]) -> Vec<scramjet_net::admin::Privilege<'_>> {
    privileges.iter().map(|p| scramjet_net::admin::Privilege { code: p.code, ns: &p.namespace, set: &p.set }).collect()
}

impl Client {
    /// Runs an admin command built by `build`; `Ok` if the node answers 0.
    fn admin(&self, cmd: u8, build: impl FnOnce(&mut AdminWriter<'_>)) -> Result<()> {
        let mut request = Vec::new();
        let mut w = AdminWriter::begin(&mut request, cmd, 0);
        build(&mut w);
        w.finish();
        let messages = self.admin_call(&request, ADMIN_TIMEOUT)?;
        let body = messages.first().ok_or_else(|| Error::new(code::CLIENT, "no admin answer"))?;
        match body.get(1).copied() {
            Some(result::OK) => Ok(()),
            Some(other) => Err(Error::new(i32::from(other), format!("admin command {cmd} refused"))),
            None => Err(Error::new(code::CLIENT, "admin answer too short")),
        }
    }

    /// Runs a query and returns every block that carries a user or a role.
    fn admin_query(&self, cmd: u8, build: impl FnOnce(&mut AdminWriter<'_>)) -> Result<Vec<Fields>> {
        let mut request = Vec::new();
        let mut w = AdminWriter::begin(&mut request, cmd, 0);
        build(&mut w);
        w.finish();
        let mut out = Vec::new();
        for body in self.admin_call(&request, ADMIN_TIMEOUT)? {
            let blocks =
                AdminBlock::parse_all(&body).map_err(|e| Error::new(code::CLIENT, format!("bad admin answer: {e}")))?;
            for block in blocks {
                match block.result {
                    result::OK => out.push(block.fields.iter().map(|(id, data)| (*id, data.to_vec())).collect()),
                    result::QUERY_END => return Ok(out),
                    other => return Err(Error::new(i32::from(other), format!("admin query {cmd} refused"))),
                }
            }
        }
        Ok(out)
    }

    /// Creates `user` with `password` and `roles`.
    pub fn create_user(&self, user: &str, password: &str, roles: &[&str]) -> Result<()> {
        let credential = hash_password(password)?;
        self.admin(command::CREATE_USER, |w| {
            w.field(field::USER, user.as_bytes()).field(field::PASSWORD, credential.as_bytes()).roles(roles);
        })
    }

    /// Drops `user`.
    pub fn drop_user(&self, user: &str) -> Result<()> {
        self.admin(command::DROP_USER, |w| {
            w.field(field::USER, user.as_bytes());
        })
    }

    /// Sets `user`'s password (user-admin).
    pub fn set_password(&self, user: &str, password: &str) -> Result<()> {
        let credential = hash_password(password)?;
        self.admin(command::SET_PASSWORD, |w| {
            w.field(field::USER, user.as_bytes()).field(field::PASSWORD, credential.as_bytes());
        })
    }

    /// Changes the logged-in user's own password (the old one is the client's credential).
    /// The client keeps logging new connections in with the old password: make a new client.
    pub fn change_password(&self, password: &str) -> Result<()> {
        let credentials = self
            .config()
            .credentials
            .clone()
            .ok_or_else(|| Error::new(code::PARAM, "the client has no user to change the password of"))?;
        let credential = hash_password(password)?;
        self.admin(command::CHANGE_PASSWORD, |w| {
            w.field(field::USER, credentials.user.as_bytes())
                .field(field::OLD_PASSWORD, credentials.credential.as_bytes())
                .field(field::PASSWORD, credential.as_bytes());
        })
    }

    /// Grants `roles` to `user`.
    pub fn grant_roles(&self, user: &str, roles: &[&str]) -> Result<()> {
        self.admin(command::GRANT_ROLES, |w| {
            w.field(field::USER, user.as_bytes()).roles(roles);
        })
    }

    /// Revokes `roles` from `user`.
    pub fn revoke_roles(&self, user: &str, roles: &[&str]) -> Result<()> {
        self.admin(command::REVOKE_ROLES, |w| {
            w.field(field::USER, user.as_bytes()).roles(roles);
        })
    }

    /// Creates `role` with `privileges`, an allowlist (empty: any address) and quotas (0: none).
    pub fn create_role(
        &self,
        role: &str,
        privileges: &[Privilege],
        whitelist: &[&str],
        read_quota: u32,
        write_quota: u32,
    ) -> Result<()> {
        self.admin(command::CREATE_ROLE, |w| {
            w.field(field::ROLE, role.as_bytes());
            if !privileges.is_empty() {
                w.privileges(&wire_privileges(privileges));
            }
            if !whitelist.is_empty() {
                w.field(field::WHITELIST, whitelist.join(",").as_bytes());
            }
            if read_quota > 0 {
                w.field_u32(field::READ_QUOTA, read_quota);
            }
            if write_quota > 0 {
                w.field_u32(field::WRITE_QUOTA, write_quota);
            }
        })
    }

    /// Drops `role` (and takes it from its users).
    pub fn drop_role(&self, role: &str) -> Result<()> {
        self.admin(command::DROP_ROLE, |w| {
            w.field(field::ROLE, role.as_bytes());
        })
    }

    /// Adds `privileges` to `role`.
    pub fn grant_privileges(&self, role: &str, privileges: &[Privilege]) -> Result<()> {
        self.admin(command::GRANT_PRIVILEGES, |w| {
            w.field(field::ROLE, role.as_bytes()).privileges(&wire_privileges(privileges));
        })
    }

    /// Takes `privileges` from `role`.
    pub fn revoke_privileges(&self, role: &str, privileges: &[Privilege]) -> Result<()> {
        self.admin(command::REVOKE_PRIVILEGES, |w| {
            w.field(field::ROLE, role.as_bytes()).privileges(&wire_privileges(privileges));
        })
    }

    /// Sets `role`'s allowlist (empty: any address).
    pub fn set_whitelist(&self, role: &str, whitelist: &[&str]) -> Result<()> {
        self.admin(command::SET_WHITELIST, |w| {
            w.field(field::ROLE, role.as_bytes());
            if !whitelist.is_empty() {
                w.field(field::WHITELIST, whitelist.join(",").as_bytes());
            }
        })
    }

    /// Sets `role`'s read and write quotas (operations per second per node; 0: none).
    pub fn set_quotas(&self, role: &str, read_quota: u32, write_quota: u32) -> Result<()> {
        self.admin(command::SET_QUOTAS, |w| {
            w.field(field::ROLE, role.as_bytes())
                .field_u32(field::READ_QUOTA, read_quota)
                .field_u32(field::WRITE_QUOTA, write_quota);
        })
    }

    /// Every user, or the one named.
    pub fn query_users(&self, user: Option<&str>) -> Result<Vec<User>> {
        let blocks = self.admin_query(command::QUERY_USERS, |w| {
            if let Some(user) = user {
                w.field(field::USER, user.as_bytes());
            }
        })?;
        blocks.iter().map(|fields| parse_user(fields)).collect()
    }

    /// Every role, or the one named.
    pub fn query_roles(&self, role: Option<&str>) -> Result<Vec<Role>> {
        let blocks = self.admin_query(command::QUERY_ROLES, |w| {
            if let Some(role) = role {
                w.field(field::ROLE, role.as_bytes());
            }
        })?;
        blocks.iter().map(|fields| parse_role(fields)).collect()
    }
}

fn bad(what: &str) -> Error {
    Error::new(code::CLIENT, format!("bad {what} in an admin answer"))
}

/// The fields of a block as the server's parser reads them.
fn block_of(fields: &[(u8, Vec<u8>)]) -> AdminBlock<'_> {
    AdminBlock { result: 0, command: 0, fields: fields.iter().map(|(id, d)| (*id, d.as_slice())).collect() }
}

fn parse_user(fields: &[(u8, Vec<u8>)]) -> Result<User> {
    let block = block_of(fields);
    Ok(User {
        name: block.string(field::USER).map_err(|_| bad("user"))?.to_string(),
        roles: match block.field(field::ROLES) {
            Some(_) => block.roles().map_err(|_| bad("roles"))?.into_iter().map(str::to_string).collect(),
            None => Vec::new(),
        },
        connections: block.u32_field(field::CONNECTIONS).map_err(|_| bad("connections"))?.unwrap_or(0),
    })
}

fn parse_role(fields: &[(u8, Vec<u8>)]) -> Result<Role> {
    let block = block_of(fields);
    Ok(Role {
        name: block.string(field::ROLE).map_err(|_| bad("role"))?.to_string(),
        privileges: match block.field(field::PRIVILEGES) {
            Some(_) => block
                .privileges()
                .map_err(|_| bad("privileges"))?
                .into_iter()
                .map(|p| Privilege::scoped(p.code, p.ns, p.set))
                .collect(),
            None => Vec::new(),
        },
        whitelist: block.whitelist().map_err(|_| bad("whitelist"))?.into_iter().map(str::to_string).collect(),
        read_quota: block.u32_field(field::READ_QUOTA).map_err(|_| bad("read quota"))?.unwrap_or(0),
        write_quota: block.u32_field(field::WRITE_QUOTA).map_err(|_| bad("write quota"))?.unwrap_or(0),
    })
}

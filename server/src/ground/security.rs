//! Access control as pure logic (Aerospike Enterprise's security; PROTOCOL.md §10,
//! `docs/wire-protocol.md` "Security"): the users and roles kept in system metadata, what a
//! privilege allows, what a user may do once its roles are resolved, allowlists, and the
//! session tokens LOGIN hands out.
//!
//! Users and roles are system-metadata items of module `security`, one per user
//! (`user|NAME` → `{"credential": ..., "roles": [...]}`) and one per role (`role|NAME` →
//! `{"privileges": [...], "whitelist": [...], "read-quota": N, "write-quota": N}`), so every
//! node holds the same definitions and a node that was away catches up like any other module.
//! A user's credential is what the clients send: the bcrypt hash of the password with the
//! clients' fixed salt; the clear password never reaches the server.
//!
//! Until the first change to `user|admin`, a user `admin` with password `admin` and the
//! `user-admin` role exists, as Aerospike creates it; dropping it leaves a tombstone, so it
//! stays dropped on every node.
//!
//! Each shard keeps a read-only [`View`] (rebuilt when the module changes) and each connection
//! the [`Access`] its user resolved to: a data command's check is a few bit tests, with no lock
//! and no other shard involved.

use std::collections::BTreeMap;
use std::net::IpAddr;
use std::rc::Rc;
use std::sync::atomic::{AtomicU32, AtomicU64, Ordering};
use std::sync::Arc;

use ripemd::{Digest, Ripemd160};
use scramjet_net::admin::PrivilegeCode;
use serde_json::{json, Value};

use crate::ground::smd::Item;

/// Permissions: what a command needs (Aerospike's `as_sec_perm`, `as/include/base/security.h`).
pub mod perm {
    /// Read a record.
    pub const READ: u64 = 0x0001;
    /// Scan or query (foreground).
    pub const QUERY: u64 = 0x0002;
    /// Write a record.
    pub const WRITE: u64 = 0x0004;
    /// Delete a record.
    pub const DELETE: u64 = 0x0008;
    /// Apply a record UDF.
    pub const UDF_APPLY: u64 = 0x0010;
    /// A query or scan that runs a UDF (background UDF, aggregation).
    pub const UDF_QUERY: u64 = 0x0020;
    /// A background query or scan with write operations.
    pub const OPS_QUERY: u64 = 0x0040;
    /// Register and remove UDF modules.
    pub const UDF_ADMIN: u64 = 0x0001_0000;
    /// Create and drop secondary indexes.
    pub const SINDEX_ADMIN: u64 = 0x0002_0000;
    /// Abort queries and scans.
    pub const QUERY_ADMIN: u64 = 0x0004_0000;
    /// Truncate sets and namespaces.
    pub const TRUNCATE: u64 = 0x0008_0000;
    /// Reset eviction.
    pub const EVICT_ADMIN: u64 = 0x0010_0000;
    /// Change the configuration at run time.
    pub const SET_CONFIG: u64 = 0x0100_0000;
    /// Change logging.
    pub const LOGGING_CTRL: u64 = 0x0200_0000;
    /// Control the service (recluster, ...).
    pub const SERVICE_CTRL: u64 = 0x0400_0000;
    /// Manage users and roles.
    pub const USER_ADMIN: u64 = 0x1000_0000_0000;

    /// The name Aerospike gives a single permission in role-violation messages.
    pub fn name(perm: u64) -> &'static str {
        match perm {
            READ => "read",
            QUERY => "query",
            WRITE => "write",
            DELETE => "delete",
            UDF_APPLY => "udf-apply",
            UDF_QUERY => "udf-query",
            OPS_QUERY => "ops-query",
            UDF_ADMIN => "udf-admin",
            SINDEX_ADMIN => "sindex-admin",
            QUERY_ADMIN => "query-admin",
            TRUNCATE => "truncate",
            EVICT_ADMIN => "evict-admin",
            SET_CONFIG => "set-config",
            LOGGING_CTRL => "logging-ctrl",
            SERVICE_CTRL => "service-ctrl",
            USER_ADMIN => "user-admin",
            _ => "several",
        }
    }
}

/// What a privilege allows (Aerospike's privilege table: read < read-write < read-write-udf;
/// write without read; data-admin = udf-admin + sindex-admin + truncate + query and eviction
/// admin; sys-admin = configuration, logging and service control).
pub fn perms_of(code: PrivilegeCode) -> u64 {
    use perm::*;
    const READ_PERMS: u64 = READ | QUERY;
    const WRITE_PERMS: u64 = WRITE | DELETE | OPS_QUERY;
    match code {
        PrivilegeCode::UserAdmin => USER_ADMIN,
        PrivilegeCode::SysAdmin => SET_CONFIG | LOGGING_CTRL | SERVICE_CTRL | QUERY_ADMIN | EVICT_ADMIN,
        PrivilegeCode::DataAdmin => UDF_ADMIN | SINDEX_ADMIN | TRUNCATE | QUERY_ADMIN | EVICT_ADMIN,
        PrivilegeCode::UdfAdmin => UDF_ADMIN,
        PrivilegeCode::SindexAdmin => SINDEX_ADMIN,
        PrivilegeCode::Read => READ_PERMS,
        PrivilegeCode::ReadWrite => READ_PERMS | WRITE_PERMS,
        PrivilegeCode::ReadWriteUdf => READ_PERMS | WRITE_PERMS | UDF_APPLY | UDF_QUERY,
        PrivilegeCode::Write => WRITE_PERMS,
        PrivilegeCode::Truncate => TRUNCATE,
    }
}

/// The bcrypt hash of `admin` with the clients' fixed salt `$2a$10$7EqJtq98hPqEX7fNZaFWoO`
/// (what a client sends for password `admin`): the first user's credential.
pub const DEFAULT_ADMIN_CREDENTIAL: &str = "$2a$10$7EqJtq98hPqEX7fNZaFWoO1mVO/4MLpGzsqojz6E9Gef6iXDjXdDa";
/// The first user.
pub const DEFAULT_ADMIN: &str = "admin";
/// The credential of a user made for PKI login only (the clients' `create_pki_user` sends the
/// hash of `nopassword`): it never logs in with a password.
pub const PKI_ONLY_CREDENTIAL: &str = "$2a$10$7EqJtq98hPqEX7fNZaFWoOePA2sZy..tlOF99W2N0g5KZ3dLaw8WO";
/// Longest user and role names (Aerospike's `MAX_USER_SIZE` and `AS_ROLE_SIZE`, 64 with the
/// terminating zero).
pub const MAX_NAME_LEN: usize = 63;

/// System-metadata key of user `name`.
pub fn user_key(name: &str) -> String {
    format!("user|{name}")
}

/// System-metadata key of role `name`.
pub fn role_key(name: &str) -> String {
    format!("role|{name}")
}

/// Whether `name` may name a user or a role: 1 to 63 bytes, no control characters, no `|`
/// (the key separator) and no `,` or `;` (which the info output uses).
pub fn valid_name(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= MAX_NAME_LEN
        && !name.chars().any(|c| c.is_control() || matches!(c, '|' | ',' | ';' | ':'))
}

/// Whether `hash` looks like what the clients send as a password: a 60-character bcrypt hash.
pub fn valid_credential(hash: &str) -> bool {
    hash.len() == 60 && (hash.starts_with("$2a$") || hash.starts_with("$2b$") || hash.starts_with("$2y$"))
}

/// A user.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UserDef {
    /// The bcrypt hash the clients send.
    pub credential: String,
    /// Its roles, sorted, without repeats.
    pub roles: Vec<String>,
}

impl UserDef {
    /// Its system-metadata value.
    pub fn to_value(&self) -> String {
        json!({ "credential": self.credential, "roles": self.roles }).to_string()
    }

    /// The user a system-metadata value describes.
    pub fn from_value(value: &str) -> Option<UserDef> {
        let v: Value = serde_json::from_str(value).ok()?;
        let credential = v.get("credential")?.as_str()?.to_string();
        let roles =
            v.get("roles")?.as_array()?.iter().map(|r| r.as_str().map(str::to_string)).collect::<Option<_>>()?;
        Some(UserDef { credential, roles })
    }
}

/// A privilege with its scope ("" for every namespace, or every set).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Priv {
    /// What it allows.
    pub code: PrivilegeCode,
    /// Namespace scope.
    pub ns: String,
    /// Set scope (only with a namespace).
    pub set: String,
}

/// A role.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RoleDef {
    /// Its privileges, sorted, without repeats.
    pub privileges: Vec<Priv>,
    /// Client addresses and ranges its users may connect from (empty: any).
    pub whitelist: Vec<String>,
    /// Reads per second a user with this role may run on a node (0: no limit).
    pub read_quota: u32,
    /// Writes per second a user with this role may run on a node (0: no limit).
    pub write_quota: u32,
}

impl RoleDef {
    /// Its system-metadata value.
    pub fn to_value(&self) -> String {
        let privileges: Vec<Value> =
            self.privileges.iter().map(|p| json!({ "code": p.code as u8, "ns": p.ns, "set": p.set })).collect();
        json!({
            "privileges": privileges,
            "whitelist": self.whitelist,
            "read-quota": self.read_quota,
            "write-quota": self.write_quota,
        })
        .to_string()
    }

    /// The role a system-metadata value describes.
    pub fn from_value(value: &str) -> Option<RoleDef> {
        let v: Value = serde_json::from_str(value).ok()?;
        let privileges = v
            .get("privileges")?
            .as_array()?
            .iter()
            .map(|p| {
                Some(Priv {
                    code: PrivilegeCode::from_u8(u8::try_from(p.get("code")?.as_u64()?).ok()?)?,
                    ns: p.get("ns")?.as_str()?.to_string(),
                    set: p.get("set")?.as_str()?.to_string(),
                })
            })
            .collect::<Option<_>>()?;
        let whitelist =
            v.get("whitelist")?.as_array()?.iter().map(|a| a.as_str().map(str::to_string)).collect::<Option<_>>()?;
        let quota = |name: &str| v.get(name).and_then(Value::as_u64).and_then(|q| u32::try_from(q).ok());
        Some(RoleDef { privileges, whitelist, read_quota: quota("read-quota")?, write_quota: quota("write-quota")? })
    }
}

/// The predefined role of a privilege name (`read`, `sys-admin`, ...): that privilege, global.
pub fn predefined_role(name: &str) -> Option<RoleDef> {
    let code = PrivilegeCode::ALL.into_iter().find(|c| c.name() == name)?;
    Some(RoleDef { privileges: vec![Priv { code, ns: String::new(), set: String::new() }], ..RoleDef::default() })
}

/// Checks a privilege's scope: the administrative ones are global only, a set needs a
/// namespace, and names are at most 63 bytes (Aerospike answers 72 otherwise).
pub fn valid_privilege(code: PrivilegeCode, ns: &str, set: &str) -> bool {
    if !code.is_scoped() {
        return ns.is_empty() && set.is_empty();
    }
    ns.len() <= 31 && set.len() <= 63 && (set.is_empty() || !ns.is_empty())
}

/// A shard's copy of the users and roles.
#[derive(Debug, Clone, Default)]
pub struct View {
    users: BTreeMap<String, UserDef>,
    roles: BTreeMap<String, RoleDef>,
    /// Whether `user|admin` was ever written (then the default admin no longer applies).
    admin_defined: bool,
    /// Changes applied: a connection re-resolves its access when it differs.
    pub generation: u64,
}

impl View {
    /// This view with `items` (of module `security`; tombstones delete) applied.
    pub fn with(&self, items: &[Item]) -> View {
        let mut next = self.clone();
        next.generation += 1;
        for item in items {
            if let Some(name) = item.key.strip_prefix("user|") {
                if name == DEFAULT_ADMIN {
                    next.admin_defined = true;
                }
                match item.value.as_deref().and_then(UserDef::from_value) {
                    Some(user) => next.users.insert(name.to_string(), user),
                    None => next.users.remove(name),
                };
            } else if let Some(name) = item.key.strip_prefix("role|") {
                match item.value.as_deref().and_then(RoleDef::from_value) {
                    Some(role) => next.roles.insert(name.to_string(), role),
                    None => next.roles.remove(name),
                };
            }
        }
        next
    }

    /// User `name`, the default admin included.
    pub fn user(&self, name: &str) -> Option<UserDef> {
        if name == DEFAULT_ADMIN && !self.admin_defined {
            return Some(UserDef {
                credential: DEFAULT_ADMIN_CREDENTIAL.into(),
                roles: vec![PrivilegeCode::UserAdmin.name().into()],
            });
        }
        self.users.get(name).cloned()
    }

    /// Whether `name` is the default admin, never written (so a delete needs an item to
    /// leave a tombstone on: it is written first).
    pub fn is_default_admin(&self, name: &str) -> bool {
        name == DEFAULT_ADMIN && !self.admin_defined
    }

    /// Every user, by name.
    pub fn users(&self) -> Vec<(String, UserDef)> {
        let mut all: Vec<(String, UserDef)> = self.users.iter().map(|(n, u)| (n.clone(), u.clone())).collect();
        if !self.admin_defined {
            if let Some(admin) = self.user(DEFAULT_ADMIN) {
                all.push((DEFAULT_ADMIN.into(), admin));
                all.sort_by(|a, b| a.0.cmp(&b.0));
            }
        }
        all
    }

    /// Role `name`: a predefined one or one created.
    pub fn role(&self, name: &str) -> Option<RoleDef> {
        predefined_role(name).or_else(|| self.roles.get(name).cloned())
    }

    /// Every role, predefined ones first (in privilege-code order), then those created.
    pub fn roles(&self) -> Vec<(String, RoleDef)> {
        let mut all: Vec<(String, RoleDef)> = PrivilegeCode::ALL
            .into_iter()
            .filter_map(|c| Some((c.name().to_string(), predefined_role(c.name())?)))
            .collect();
        all.extend(self.roles.iter().map(|(n, r)| (n.clone(), r.clone())));
        all
    }

    /// What user `name` may do, with the namespaces of this node in their order; `None` if
    /// there is no such user.
    pub fn access(&self, name: &str, namespaces: &[String]) -> Option<Access> {
        let user = self.user(name)?;
        let mut access = Access {
            user: Rc::from(name),
            global: 0,
            per_ns: vec![0; namespaces.len()],
            per_set: Vec::new(),
            whitelist: Vec::new(),
            read_quota: 0,
            write_quota: 0,
            meter: None,
        };
        let mut quotas: Option<(u32, u32)> = None;
        for role in user.roles.iter().filter_map(|r| self.role(r)) {
            for p in &role.privileges {
                let perms = perms_of(p.code);
                match (namespaces.iter().position(|n| *n == p.ns), p.set.is_empty()) {
                    _ if p.ns.is_empty() => access.global |= perms,
                    (Some(ns), true) => access.per_ns[ns] |= perms,
                    (Some(ns), false) => access.per_set.push((ns, p.set.clone(), perms)),
                    // A namespace this node does not have: nothing to allow here.
                    (None, _) => {}
                }
            }
            access.whitelist.extend(role.whitelist.iter().filter_map(|a| Net::parse(a)));
            // The most generous role sets the quota (0 is no limit).
            quotas = Some(match quotas {
                None => (role.read_quota, role.write_quota),
                Some((r, w)) => (max_quota(r, role.read_quota), max_quota(w, role.write_quota)),
            });
        }
        (access.read_quota, access.write_quota) = quotas.unwrap_or((0, 0));
        Some(access)
    }
}

fn max_quota(a: u32, b: u32) -> u32 {
    if a == 0 || b == 0 {
        0
    } else {
        a.max(b)
    }
}

/// What an authenticated user may do on this node: its roles' privileges resolved to
/// permission bits per scope.
#[derive(Debug, Clone)]
pub struct Access {
    /// The user.
    pub user: Rc<str>,
    /// Permissions everywhere.
    global: u64,
    /// Permissions per namespace (this node's, by index).
    per_ns: Vec<u64>,
    /// Permissions per namespace and set.
    per_set: Vec<(usize, String, u64)>,
    /// The allowlist: the union of its roles' (empty: any address).
    pub whitelist: Vec<Net>,
    /// Reads per second allowed (0: no limit).
    pub read_quota: u32,
    /// Writes per second allowed (0: no limit).
    pub write_quota: u32,
    /// The user's node-wide meter, when it has a quota and quotas are on.
    pub meter: Option<Arc<UserMeter>>,
}

impl Access {
    /// Counts a read (or a write) against the user's quota: `false` if this second's quota is
    /// used up (answer 83). Free for users without a quota.
    pub fn within_quota(&self, write: bool) -> bool {
        let quota = if write { self.write_quota } else { self.read_quota };
        match &self.meter {
            Some(meter) if quota > 0 => meter.admit(write, quota, unix_now()),
            _ => true,
        }
    }

    /// Whether the user has every permission of `perms` on set `set` of namespace `ns`
    /// (index); an empty set names records in no set.
    pub fn allows(&self, ns: usize, set: &[u8], perms: u64) -> bool {
        let mut have = self.global | self.per_ns.get(ns).copied().unwrap_or(0);
        if have & perms != perms && !set.is_empty() {
            for (n, s, p) in &self.per_set {
                if *n == ns && s.as_bytes() == set {
                    have |= p;
                }
            }
        }
        have & perms == perms
    }

    /// Whether the user has `perms` everywhere (global privileges only).
    pub fn allows_global(&self, perms: u64) -> bool {
        self.global & perms == perms
    }

    /// Whether the user has `perms` on namespace `ns` as a whole (global or namespace scope).
    pub fn allows_namespace(&self, ns: usize, perms: u64) -> bool {
        (self.global | self.per_ns.get(ns).copied().unwrap_or(0)) & perms == perms
    }

    /// Whether a client at `address` may act as this user.
    pub fn admits(&self, address: IpAddr) -> bool {
        self.whitelist.is_empty() || self.whitelist.iter().any(|n| n.contains(address))
    }
}

/// A user's operations this second and open connections on this node, shared by the shards
/// (atomics only; a command touches it only for users with a quota, a connection when it logs
/// in and when it closes). Aerospike's quotas are per node and per second.
#[derive(Debug, Default)]
pub struct UserMeter {
    /// Connections authenticated as the user.
    pub connections: AtomicU32,
    /// The second (Unix) the counts are for.
    second: AtomicU64,
    reads: AtomicU32,
    writes: AtomicU32,
    /// The last full second's counts (shown by QUERY_USERS).
    last_reads: AtomicU32,
    last_writes: AtomicU32,
}

impl UserMeter {
    /// Counts one operation at `now` (Unix seconds); `false` past `quota` this second.
    pub fn admit(&self, write: bool, quota: u32, now: u64) -> bool {
        let second = self.second.load(Ordering::Relaxed);
        if second != now && self.second.compare_exchange(second, now, Ordering::AcqRel, Ordering::Relaxed).is_ok() {
            // The first to see the new second starts it; counts racing with the switch may
            // land in either second.
            let (reads, writes) = (self.reads.swap(0, Ordering::AcqRel), self.writes.swap(0, Ordering::AcqRel));
            let fresh = now == second + 1;
            self.last_reads.store(if fresh { reads } else { 0 }, Ordering::Relaxed);
            self.last_writes.store(if fresh { writes } else { 0 }, Ordering::Relaxed);
        }
        let counter = if write { &self.writes } else { &self.reads };
        counter.fetch_add(1, Ordering::AcqRel) < quota
    }

    /// Operations of the last full second: reads, writes.
    pub fn last_second(&self, now: u64) -> (u32, u32) {
        let second = self.second.load(Ordering::Relaxed);
        if second + 1 == now {
            (self.reads.load(Ordering::Relaxed), self.writes.load(Ordering::Relaxed))
        } else if second == now {
            (self.last_reads.load(Ordering::Relaxed), self.last_writes.load(Ordering::Relaxed))
        } else {
            (0, 0)
        }
    }
}

/// Every user's meter on this node, made when the user first authenticates (not on the data
/// path: connections keep their user's `Arc`).
#[derive(Debug, Default)]
pub struct Meters(std::sync::Mutex<std::collections::HashMap<String, Arc<UserMeter>>>);

impl Meters {
    /// User `user`'s meter.
    pub fn of(&self, user: &str) -> Arc<UserMeter> {
        let mut all = self.0.lock().unwrap_or_else(|p| p.into_inner());
        all.entry(user.to_string()).or_default().clone()
    }

    /// User `user`'s meter if it has one.
    pub fn get(&self, user: &str) -> Option<Arc<UserMeter>> {
        self.0.lock().unwrap_or_else(|p| p.into_inner()).get(user).cloned()
    }
}

/// An address or an address range (`10.0.0.0/8`, `::1`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Net {
    address: IpAddr,
    prefix: u8,
}

impl Net {
    /// Parses an allowlist entry; `None` if it is not one.
    pub fn parse(text: &str) -> Option<Net> {
        let (address, prefix) = match text.split_once('/') {
            Some((a, p)) => (a.parse::<IpAddr>().ok()?, Some(p.parse::<u8>().ok()?)),
            None => (text.parse::<IpAddr>().ok()?, None),
        };
        let bits = if address.is_ipv4() { 32 } else { 128 };
        let prefix = prefix.unwrap_or(bits);
        (prefix <= bits).then_some(Net { address, prefix })
    }

    /// Whether `address` is in the range (an IPv4 address also matches as IPv4-mapped IPv6).
    pub fn contains(&self, address: IpAddr) -> bool {
        let canonical = |a: IpAddr| match a {
            IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(a, IpAddr::V4),
            v4 => v4,
        };
        match (self.address, canonical(address)) {
            (IpAddr::V4(net), IpAddr::V4(a)) => {
                let mask = if self.prefix == 0 { 0 } else { u32::MAX << (32 - u32::from(self.prefix)) };
                u32::from(net) & mask == u32::from(a) & mask
            }
            (IpAddr::V6(net), IpAddr::V6(a)) => {
                let mask = if self.prefix == 0 { 0 } else { u128::MAX << (128 - u32::from(self.prefix)) };
                u128::from(net) & mask == u128::from(a) & mask
            }
            _ => false,
        }
    }
}

/// Why a session token is refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenError {
    /// Not a token of this node for this user and credential (65).
    Invalid,
    /// A good token past its time (66: the client logs in again).
    Expired,
}

/// Size of a token: version byte, expiry (seconds since the Unix epoch, big-endian u64), MAC.
pub const TOKEN_SIZE: usize = 1 + 8 + 20;
const TOKEN_VERSION: u8 = 1;

/// The node's key for session tokens: random at start, so tokens are good on the node that
/// gave them until it restarts (the clients log in to each node and again when one refuses).
/// A token binds the user and its credential, so a password change or a dropped user ends
/// the user's sessions.
pub struct TokenKey([u8; 32]);

impl std::fmt::Debug for TokenKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("TokenKey(..)")
    }
}

impl TokenKey {
    /// A key from the system's random source.
    pub fn random() -> std::io::Result<TokenKey> {
        use std::io::Read;
        let mut key = [0u8; 32];
        std::fs::File::open("/dev/urandom")?.read_exact(&mut key)?;
        Ok(TokenKey(key))
    }

    /// A key with these bytes (tests).
    #[cfg(test)]
    pub fn from_bytes(key: [u8; 32]) -> TokenKey {
        TokenKey(key)
    }

    /// A token for `user` (with `credential`) good until `expires` (Unix seconds).
    pub fn issue(&self, user: &str, credential: &str, expires: u64) -> Vec<u8> {
        let mut token = Vec::with_capacity(TOKEN_SIZE);
        token.push(TOKEN_VERSION);
        token.extend_from_slice(&expires.to_be_bytes());
        token.extend_from_slice(&self.mac(user, credential, expires));
        token
    }

    /// Checks a token for `user` (with `credential`) at `now` (Unix seconds).
    pub fn check(&self, token: &[u8], user: &str, credential: &str, now: u64) -> Result<(), TokenError> {
        if token.len() != TOKEN_SIZE || token[0] != TOKEN_VERSION {
            return Err(TokenError::Invalid);
        }
        let expires = u64::from_be_bytes(token[1..9].try_into().expect("8 bytes"));
        let expected = self.mac(user, credential, expires);
        // Compare without an early exit.
        if !same_secret(&token[9..], &expected) {
            return Err(TokenError::Invalid);
        }
        if now >= expires {
            return Err(TokenError::Expired);
        }
        Ok(())
    }

    /// HMAC-RIPEMD-160 (RFC 2104) of the expiry, the user and the credential.
    fn mac(&self, user: &str, credential: &str, expires: u64) -> [u8; 20] {
        const BLOCK: usize = 64;
        let mut key = [0u8; BLOCK];
        key[..32].copy_from_slice(&self.0);
        let pad = |byte: u8| key.map(|k| k ^ byte);
        let mut inner = Ripemd160::new();
        inner.update(pad(0x36));
        inner.update(expires.to_be_bytes());
        inner.update((user.len() as u32).to_be_bytes());
        inner.update(user.as_bytes());
        inner.update(credential.as_bytes());
        let inner = inner.finalize();
        let mut outer = Ripemd160::new();
        outer.update(pad(0x5c));
        outer.update(inner);
        outer.finalize().into()
    }
}

/// Compares two secrets (MACs, credentials: password equivalents) without an early exit.
pub fn same_secret(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |d, (x, y)| d | (x ^ y)) == 0
}

/// Seconds since the Unix epoch now.
pub fn unix_now() -> u64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_secs())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn item(key: &str, value: Option<String>) -> Item {
        Item { key: key.into(), value, generation: 1, timestamp: 1 }
    }

    fn namespaces() -> Vec<String> {
        vec!["test".into(), "bar".into()]
    }

    #[test]
    fn the_default_admin_exists_until_written_and_stays_dropped() {
        let view = View::default();
        let admin = view.user("admin").unwrap();
        assert_eq!(admin.credential, DEFAULT_ADMIN_CREDENTIAL);
        assert!(view.access("admin", &namespaces()).unwrap().allows_global(perm::USER_ADMIN));
        assert!(!view.access("admin", &namespaces()).unwrap().allows(0, b"", perm::READ));
        let dropped = view.with(&[item("user|admin", None)]);
        assert!(dropped.user("admin").is_none());
        assert!(dropped.users().is_empty());
        let changed = view.with(&[item(
            "user|admin",
            Some(UserDef { credential: "x".into(), roles: vec!["read".into()] }.to_value()),
        )]);
        assert_eq!(changed.user("admin").unwrap().credential, "x");
    }

    #[test]
    fn privileges_resolve_per_scope() {
        let role = RoleDef {
            privileges: vec![
                Priv { code: PrivilegeCode::Read, ns: "test".into(), set: String::new() },
                Priv { code: PrivilegeCode::ReadWrite, ns: "test".into(), set: "open".into() },
                Priv { code: PrivilegeCode::Write, ns: "elsewhere".into(), set: String::new() },
            ],
            whitelist: vec!["10.0.0.0/8".into()],
            read_quota: 0,
            write_quota: 0,
        };
        assert_eq!(RoleDef::from_value(&role.to_value()), Some(role.clone()));
        let user = UserDef { credential: "c".into(), roles: vec!["mixed".into(), "gone".into()] };
        assert_eq!(UserDef::from_value(&user.to_value()), Some(user.clone()));
        let view =
            View::default().with(&[item("role|mixed", Some(role.to_value())), item("user|bob", Some(user.to_value()))]);
        let access = view.access("bob", &namespaces()).unwrap();
        assert!(access.allows(0, b"", perm::READ));
        assert!(access.allows(0, b"other", perm::READ | perm::QUERY));
        assert!(!access.allows(0, b"other", perm::WRITE));
        assert!(access.allows(0, b"open", perm::WRITE | perm::READ));
        assert!(!access.allows(1, b"", perm::READ));
        assert!(!access.allows_global(perm::READ));
        assert!(access.admits("10.1.2.3".parse().unwrap()));
        assert!(!access.admits("127.0.0.1".parse().unwrap()));
        assert!(view.access("nobody", &namespaces()).is_none());
        // Quotas: the most generous role's, and a role without one lifts the limit.
        let metered = |q| RoleDef { read_quota: q, ..RoleDef::default() }.to_value();
        let user = |roles: &[&str]| {
            UserDef { credential: "c".into(), roles: roles.iter().map(|r| r.to_string()).collect() }.to_value()
        };
        let view = View::default().with(&[
            item("role|five", Some(metered(5))),
            item("role|nine", Some(metered(9))),
            item("user|a", Some(user(&["five"]))),
            item("user|b", Some(user(&["five", "nine"]))),
            item("user|c", Some(user(&["five", "read"]))),
        ]);
        let quota = |u: &str| view.access(u, &namespaces()).unwrap().read_quota;
        assert_eq!((quota("a"), quota("b"), quota("c")), (5, 9, 0));
    }

    #[test]
    fn privilege_hierarchy() {
        use perm::*;
        assert_eq!(perms_of(PrivilegeCode::Read) & WRITE, 0);
        assert_eq!(perms_of(PrivilegeCode::Write) & READ, 0);
        assert_eq!(perms_of(PrivilegeCode::ReadWrite) & perms_of(PrivilegeCode::Read), perms_of(PrivilegeCode::Read));
        assert_eq!(
            perms_of(PrivilegeCode::ReadWriteUdf) & perms_of(PrivilegeCode::ReadWrite),
            perms_of(PrivilegeCode::ReadWrite)
        );
        assert_eq!(perms_of(PrivilegeCode::ReadWrite) & UDF_APPLY, 0);
        let data_admin = perms_of(PrivilegeCode::DataAdmin);
        assert_eq!(data_admin & (UDF_ADMIN | SINDEX_ADMIN | TRUNCATE), UDF_ADMIN | SINDEX_ADMIN | TRUNCATE);
        assert_eq!(data_admin & (READ | USER_ADMIN | SET_CONFIG), 0);
        assert!(valid_privilege(PrivilegeCode::Read, "test", "s"));
        assert!(!valid_privilege(PrivilegeCode::Read, "", "s"));
        assert!(!valid_privilege(PrivilegeCode::SysAdmin, "test", ""));
        assert!(predefined_role("read-write").is_some() && predefined_role("reader").is_none());
    }

    #[test]
    fn a_meter_counts_per_second() {
        let meter = UserMeter::default();
        assert!((0..3).all(|_| meter.admit(false, 3, 100)));
        assert!(!meter.admit(false, 3, 100), "the fourth read in second 100");
        assert!(meter.admit(true, 1, 100) && !meter.admit(true, 1, 100), "writes count apart");
        assert!(meter.admit(false, 3, 101), "a new second");
        assert_eq!(meter.last_second(101), (4, 2));
        assert_eq!(meter.last_second(102), (1, 0));
        assert_eq!(meter.last_second(105), (0, 0));
        assert!(meter.admit(false, 3, 107));
        assert_eq!(meter.last_second(107), (0, 0), "seconds without operations in between");
    }

    #[test]
    fn allowlist_entries() {
        let net = Net::parse("192.168.1.0/24").unwrap();
        assert!(net.contains("192.168.1.77".parse().unwrap()));
        assert!(net.contains("::ffff:192.168.1.77".parse().unwrap()));
        assert!(!net.contains("192.168.2.1".parse().unwrap()));
        assert!(Net::parse("127.0.0.1").unwrap().contains("127.0.0.1".parse().unwrap()));
        assert!(!Net::parse("127.0.0.1").unwrap().contains("127.0.0.2".parse().unwrap()));
        assert!(Net::parse("::/0").unwrap().contains("::1".parse().unwrap()));
        for bad in ["", "10.0.0.0/33", "host.example", "10.0.0.1/x", "::1/129"] {
            assert!(Net::parse(bad).is_none(), "{bad}");
        }
    }

    #[test]
    fn tokens_bind_user_credential_and_time() {
        let key = TokenKey::from_bytes([7; 32]);
        let token = key.issue("bob", "cred", 1000);
        assert_eq!(token.len(), TOKEN_SIZE);
        assert_eq!(key.check(&token, "bob", "cred", 999), Ok(()));
        assert_eq!(key.check(&token, "bob", "cred", 1000), Err(TokenError::Expired));
        assert_eq!(key.check(&token, "bob", "other", 999), Err(TokenError::Invalid));
        assert_eq!(key.check(&token, "eve", "cred", 999), Err(TokenError::Invalid));
        assert_eq!(TokenKey::from_bytes([8; 32]).check(&token, "bob", "cred", 999), Err(TokenError::Invalid));
        let mut later = token.clone();
        later[1..9].copy_from_slice(&5000u64.to_be_bytes());
        assert_eq!(key.check(&later, "bob", "cred", 999), Err(TokenError::Invalid));
        assert_eq!(key.check(&token[..10], "bob", "cred", 999), Err(TokenError::Invalid));
    }

    #[test]
    fn names_and_credentials() {
        assert!(valid_name("bob") && valid_name(&"x".repeat(63)));
        assert!(!valid_name("") && !valid_name(&"x".repeat(64)) && !valid_name("a|b") && !valid_name("a\nb"));
        assert!(valid_credential(DEFAULT_ADMIN_CREDENTIAL));
        assert!(!valid_credential("admin"));
    }
}

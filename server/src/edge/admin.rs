//! Admin messages (proto type 2) and who a client connection is: LOGIN and AUTHENTICATE, and
//! the user and role commands (PROTOCOL.md §10, `docs/wire-protocol.md` "Security").
//!
//! Without a `security { }` stanza, LOGIN answers 52 (security not enabled, so clients given
//! credentials still connect) and every other admin command 51, as Aerospike Community
//! Edition does. With it, a connection starts unauthenticated: LOGIN (user and credential)
//! answers a session token and its TTL and authenticates the connection; AUTHENTICATE (user
//! and token, or user and credential) authenticates it. Until then every data command
//! answers 80 and every info request `ERROR:80:not authenticated`.
//!
//! The user and role commands read the shard's copy of the definitions, check the request
//! against it, and commit the changed user or role through system metadata (`cluster/smd.rs`),
//! which answers once every node of the cluster has it.

use std::net::IpAddr;
use std::rc::Rc;
use std::sync::atomic::Ordering;
use std::sync::Arc;

use scramjet_net::admin::{command, field, result, AdminBlock, AdminError, AdminWriter, Privilege};
use scramjet_net::response::write_admin_status;
use scramjet_net::ResultCode;

use crate::cluster::smd;
use crate::ground::config::SecurityConfig;
use crate::ground::security::{
    perm, role_key, same_secret, unix_now, user_key, valid_credential, valid_name, valid_privilege, Access, Net, Priv,
    RoleDef, TokenError, UserDef, UserMeter, View, PKI_ONLY_CREDENTIAL,
};
use crate::ground::smd::Module;
use crate::log;
use crate::shard::Shard;

/// Who a client connection is.
#[derive(Debug)]
pub struct Session {
    /// The client's address.
    pub peer: IpAddr,
    /// The authenticated user.
    user: Option<Rc<str>>,
    /// What the user may do, as of `generation` of the shard's users and roles.
    access: Option<Rc<Access>>,
    generation: u64,
    /// The user's meter while it counts this connection among the user's.
    counted: Option<Arc<UserMeter>>,
    /// The common name of the client's TLS certificate (checked against the CA), if any: the
    /// user a PKI login logs in as.
    certificate_user: Option<String>,
}

impl Drop for Session {
    fn drop(&mut self) {
        self.uncount();
    }
}

impl Session {
    /// A connection from `peer` (with a client certificate naming `certificate_user`), not
    /// authenticated.
    pub fn new(peer: IpAddr, certificate_user: Option<String>) -> Session {
        Session { peer, user: None, access: None, generation: 0, counted: None, certificate_user }
    }

    /// The user's access if the connection has authenticated, resolved again when users,
    /// roles or the security settings changed; the connection of a user dropped or no longer
    /// allowed at this address is no longer authenticated. A password change does not end
    /// connections already authenticated (a client changing its own password keeps working);
    /// it ends the tokens given before it.
    pub fn access(&mut self, shard: &Shard) -> Option<Rc<Access>> {
        let user = self.user.clone()?;
        let view = shard.state.borrow().security.clone();
        if view.generation != self.generation || self.access.is_none() {
            self.generation = view.generation;
            // The user's meter the connection holds already (it counts the connection): the
            // node's registry (a lock) is not touched here, on the way to a data command.
            let held = self.counted.clone();
            self.access = resolve(shard, &view, &user, held).filter(|a| a.admits(self.peer)).map(Rc::new);
            if self.access.is_none() {
                self.user = None;
                self.uncount();
            }
        }
        self.access.clone()
    }

    /// The authenticated user's name, or `-` (for the audit log).
    pub fn user_name(&self) -> &str {
        self.user.as_deref().unwrap_or("-")
    }

    fn authenticated(&mut self, shard: &Shard, user: &str, view: &View, access: Access) {
        self.uncount();
        let meter = access.meter.clone().unwrap_or_else(|| shard.node.meters.of(user));
        meter.connections.fetch_add(1, Ordering::Relaxed);
        self.counted = Some(meter);
        self.user = Some(Rc::from(user));
        self.generation = view.generation;
        self.access = Some(Rc::new(access));
    }

    fn uncount(&mut self) {
        if let Some(meter) = self.counted.take() {
            meter.connections.fetch_sub(1, Ordering::Relaxed);
        }
    }
}

/// What `user` may do on this node, with its quota meter if it has a quota and quotas are on.
fn resolve(shard: &Shard, view: &View, user: &str, held: Option<Arc<UserMeter>>) -> Option<Access> {
    let mut access = view.access(user, &shard.node.namespaces)?;
    let quotas_on = shard.state.borrow().security_config.as_ref().is_some_and(|c| c.enable_quotas);
    if quotas_on && (access.read_quota > 0 || access.write_quota > 0) {
        access.meter = Some(held.unwrap_or_else(|| shard.node.meters.of(user)));
    }
    Some(access)
}

/// Logs a security event if `report` is on (Aerospike's audit line: outcome, client, user,
/// action, detail).
pub fn audit(report: bool, session: &Session, code: u8, action: &str, detail: &str) {
    if report {
        let outcome = match code {
            0 => "permitted".to_string(),
            80 => "not authenticated".to_string(),
            81 => "role violation".to_string(),
            82 => "not whitelisted".to_string(),
            other => format!("failed ({other})"),
        };
        log!(
            Info,
            "audit",
            "{outcome} | client: {} | authenticated user: {} | action: {action} | detail: {detail}",
            session.peer,
            session.user_name()
        );
    }
}

/// Answers an admin message.
pub async fn handle(shard: &Rc<Shard>, session: &mut Session, body: &[u8], out: &mut Vec<u8>) {
    let cmd = body.get(2).copied().unwrap_or(0);
    let config = shard.state.borrow().security_config.clone();
    let Some(config) = config.as_ref() else {
        let code =
            if cmd == command::LOGIN { ResultCode::SecurityNotEnabled } else { ResultCode::SecurityNotSupported };
        write_admin_status(out, cmd, code);
        return;
    };
    let block = match AdminBlock::parse_request(body) {
        Ok(block) => block,
        Err(e) => {
            audit(config.report_violation, session, e.result_code(), "admin", &e.to_string());
            return status(out, cmd, e.result_code());
        }
    };
    match block.command {
        command::LOGIN => login(shard, config, session, &block, out),
        command::AUTHENTICATE => {
            let code = authenticate(shard, config, session, &block);
            status(out, cmd, code);
        }
        _ => {
            let Some(access) = session.access(shard) else {
                audit(config.report_violation || config.report_authentication, session, 80, "admin", "");
                return status(out, cmd, result::NOT_AUTHENTICATED);
            };
            let code = match manage(shard, config, session, &access, &block, out).await {
                Ok(()) => return,
                Err(code) => code,
            };
            status(out, cmd, code);
        }
    }
}

fn status(out: &mut Vec<u8>, cmd: u8, code: u8) {
    AdminWriter::begin(out, cmd, code).finish();
}

fn field_error(e: AdminError) -> u8 {
    e.result_code()
}

/// The user of a LOGIN or AUTHENTICATE: its USER field, or for a PKI login (no user sent) the
/// common name of the client's certificate.
fn user_of<'a>(block: &AdminBlock<'a>, session: &'a Session) -> Result<&'a str, u8> {
    match block.field(field::USER) {
        Some(_) => block.string(field::USER).map_err(field_error),
        None => session.certificate_user.as_deref().ok_or(result::INVALID_CREDENTIAL),
    }
}

/// LOGIN: user and credential (the bcrypt hash), or nothing over TLS with a client certificate
/// (PKI login: the user is the certificate's common name). Answers the session token and its
/// TTL.
fn login(shard: &Shard, config: &SecurityConfig, session: &mut Session, block: &AdminBlock<'_>, out: &mut Vec<u8>) {
    let outcome = (|| -> Result<(Vec<u8>, u32), u8> {
        let pki = block.fields.is_empty();
        let user = user_of(block, session)?.to_string();
        let user = user.as_str();
        let view = shard.state.borrow().security.clone();
        let def = view.user(user).ok_or(result::INVALID_USER)?;
        if !pki {
            // External (LDAP) login sends the clear password too: only the hash is checked.
            let credential = block.string(field::CREDENTIAL).map_err(field_error)?;
            if def.credential == PKI_ONLY_CREDENTIAL || !same_secret(def.credential.as_bytes(), credential.as_bytes()) {
                return Err(result::INVALID_CREDENTIAL);
            }
        }
        let access = resolve(shard, &view, user, None).ok_or(result::INVALID_USER)?;
        if !access.admits(session.peer) {
            return Err(result::NOT_WHITELISTED);
        }
        session.authenticated(shard, user, &view, access);
        let ttl = config.session_ttl_secs;
        Ok((shard.node.token_key.issue(user, &def.credential, unix_now() + u64::from(ttl)), ttl))
    })();
    let user = user_of(block, session).unwrap_or("").to_string();
    match outcome {
        Ok((token, ttl)) => {
            audit(config.report_authentication, session, 0, "login", &format!("user={user}"));
            let mut w = AdminWriter::begin(out, command::LOGIN, result::OK);
            w.field(field::SESSION_TOKEN, &token).field_u32(field::SESSION_TTL, ttl);
            w.finish();
        }
        Err(code) => {
            audit(
                config.report_authentication || config.report_violation,
                session,
                code,
                "login",
                &format!("user={user}"),
            );
            status(out, command::LOGIN, code);
        }
    }
}

/// AUTHENTICATE: user and session token (or credential).
fn authenticate(shard: &Shard, config: &SecurityConfig, session: &mut Session, block: &AdminBlock<'_>) -> u8 {
    let outcome = (|| -> Result<(), u8> {
        // A PKI client sends the token alone: its user is its certificate's.
        let user = user_of(block, session)?.to_string();
        let user = user.as_str();
        let view = shard.state.borrow().security.clone();
        let def = view.user(user).ok_or(result::INVALID_USER)?;
        match (block.field(field::SESSION_TOKEN), block.field(field::CREDENTIAL)) {
            (Some(token), _) => {
                shard.node.token_key.check(token, user, &def.credential, unix_now()).map_err(|e| match e {
                    TokenError::Invalid => result::INVALID_CREDENTIAL,
                    TokenError::Expired => result::EXPIRED_SESSION,
                })?
            }
            (None, Some(credential))
                if def.credential != PKI_ONLY_CREDENTIAL && same_secret(credential, def.credential.as_bytes()) => {}
            (None, Some(_)) => return Err(result::INVALID_CREDENTIAL),
            (None, None) => return Err(result::INVALID_FIELD),
        }
        let access = resolve(shard, &view, user, None).ok_or(result::INVALID_USER)?;
        if !access.admits(session.peer) {
            return Err(result::NOT_WHITELISTED);
        }
        session.authenticated(shard, user, &view, access);
        Ok(())
    })();
    let code = outcome.err().unwrap_or(result::OK);
    let user = user_of(block, session).unwrap_or("");
    let report =
        if code == 0 { config.report_authentication } else { config.report_authentication || config.report_violation };
    audit(report, session, code, "authenticate", &format!("user={user}"));
    code
}

/// The user and role commands of an authenticated connection. `Ok` once the answer is
/// written; `Err(code)` to answer with that status.
async fn manage(
    shard: &Rc<Shard>,
    config: &SecurityConfig,
    session: &Session,
    access: &Access,
    block: &AdminBlock<'_>,
    out: &mut Vec<u8>,
) -> Result<(), u8> {
    let cmd = block.command;
    let view = shard.state.borrow().security.clone();
    // Users may change their own password and see themselves; everything else is
    // user-admin's.
    let own = block.string(field::USER).is_ok_and(|u| u == &*access.user);
    let allowed = access.allows_global(perm::USER_ADMIN)
        || (own && cmd == command::CHANGE_PASSWORD)
        || (own && cmd == command::QUERY_USERS);
    let detail = detail(block);
    if !allowed {
        audit(config.report_violation, session, result::ROLE_VIOLATION, action(cmd), &detail);
        return Err(result::ROLE_VIOLATION);
    }
    let outcome = match cmd {
        command::QUERY_USERS => return query_users(shard, &view, block, out),
        command::QUERY_ROLES => return query_roles(&view, block, out),
        command::CREATE_USER => create_user(&view, block),
        command::DROP_USER => drop_user(&view, block),
        command::SET_PASSWORD => set_password(&view, block, None),
        command::CHANGE_PASSWORD => {
            let old = block.string(field::OLD_PASSWORD).map_err(field_error)?;
            set_password(&view, block, Some(old))
        }
        command::GRANT_ROLES | command::REVOKE_ROLES => change_roles(&view, block, cmd == command::GRANT_ROLES),
        command::CREATE_ROLE => create_role(&view, config, block),
        command::DROP_ROLE => drop_role(&view, block),
        command::GRANT_PRIVILEGES | command::REVOKE_PRIVILEGES => {
            change_privileges(&view, block, cmd == command::GRANT_PRIVILEGES)
        }
        command::SET_WHITELIST => change_role(&view, block, |role| {
            role.whitelist = whitelist(block)?;
            Ok(())
        }),
        command::SET_QUOTAS => change_role(&view, block, |role| set_quotas(role, config, block)),
        _ => Err(result::INVALID_COMMAND),
    };
    let changes = match outcome {
        Ok(changes) => changes,
        Err(code) => {
            audit(config.report_user_admin, session, code, action(cmd), &detail);
            return Err(code);
        }
    };
    for (key, value) in changes {
        if let Err(reason) = smd::set(shard, Module::Security, key, value).await {
            log!(Warning, "security", "{} not committed: {reason}", action(cmd));
            return Err(ResultCode::Timeout.as_u8());
        }
    }
    audit(config.report_user_admin, session, 0, action(cmd), &detail);
    status(out, cmd, result::OK);
    Ok(())
}

/// Most roles a user, and privileges a role, may have: a query answer's list counts them in
/// one byte.
const MAX_LIST: usize = 255;

/// System-metadata changes a command makes, in order: key and new value (`None` deletes).
type Changes = Vec<(String, Option<String>)>;

fn action(cmd: u8) -> &'static str {
    match cmd {
        command::CREATE_USER => "create user",
        command::DROP_USER => "drop user",
        command::SET_PASSWORD => "set password",
        command::CHANGE_PASSWORD => "change password",
        command::GRANT_ROLES => "grant roles",
        command::REVOKE_ROLES => "revoke roles",
        command::QUERY_USERS => "query users",
        command::CREATE_ROLE => "create role",
        command::DROP_ROLE => "drop role",
        command::GRANT_PRIVILEGES => "grant privileges",
        command::REVOKE_PRIVILEGES => "revoke privileges",
        command::SET_WHITELIST => "set whitelist",
        command::SET_QUOTAS => "set quotas",
        command::QUERY_ROLES => "query roles",
        _ => "admin",
    }
}

/// The user or role a command names, for the audit log (never a password).
fn detail(block: &AdminBlock<'_>) -> String {
    match (block.string(field::USER), block.string(field::ROLE)) {
        (Ok(user), _) => format!("user={user}"),
        (_, Ok(role)) => format!("role={role}"),
        _ => String::new(),
    }
}

/// A new user's or role's name from field `id`: `invalid` if it may not name one.
fn new_name<'a>(block: &AdminBlock<'a>, id: u8, invalid: u8) -> Result<&'a str, u8> {
    let name = block.string(id).map_err(field_error)?;
    valid_name(name).then_some(name).ok_or(invalid)
}

fn password<'a>(block: &AdminBlock<'a>) -> Result<&'a str, u8> {
    let hash = block.string(field::PASSWORD).map_err(field_error)?;
    if valid_credential(hash) {
        Ok(hash)
    } else {
        Err(result::INVALID_PASSWORD)
    }
}

/// The ROLES field: every role must exist.
fn roles(view: &View, block: &AdminBlock<'_>) -> Result<Vec<String>, u8> {
    let names = block.roles().map_err(field_error)?;
    names
        .iter()
        .map(|name| if view.role(name).is_some() { Ok(name.to_string()) } else { Err(result::INVALID_ROLE) })
        .collect()
}

fn privileges(block: &AdminBlock<'_>) -> Result<Vec<Priv>, u8> {
    let privileges = block.privileges().map_err(|e| match e {
        // An unknown privilege code.
        AdminError::BadValue => result::INVALID_PRIVILEGE,
        other => other.result_code(),
    })?;
    privileges
        .iter()
        .map(|p| {
            if valid_privilege(p.code, p.ns, p.set) {
                Ok(Priv { code: p.code, ns: p.ns.to_string(), set: p.set.to_string() })
            } else {
                Err(result::INVALID_PRIVILEGE)
            }
        })
        .collect()
}

fn whitelist(block: &AdminBlock<'_>) -> Result<Vec<String>, u8> {
    let entries = block.whitelist().map_err(field_error)?;
    entries
        .iter()
        .map(|e| if Net::parse(e).is_some() { Ok(e.to_string()) } else { Err(result::INVALID_WHITELIST) })
        .collect()
}

fn set_quotas(role: &mut RoleDef, config: &SecurityConfig, block: &AdminBlock<'_>) -> Result<(), u8> {
    let read = block.u32_field(field::READ_QUOTA).map_err(|_| result::INVALID_QUOTA)?;
    let write = block.u32_field(field::WRITE_QUOTA).map_err(|_| result::INVALID_QUOTA)?;
    for quota in [read, write].into_iter().flatten() {
        if quota > i32::MAX as u32 {
            return Err(result::INVALID_QUOTA);
        }
        if quota > 0 && !config.enable_quotas {
            return Err(result::QUOTAS_NOT_ENABLED);
        }
    }
    if let Some(read) = read {
        role.read_quota = read;
    }
    if let Some(write) = write {
        role.write_quota = write;
    }
    Ok(())
}

fn sorted<T: Ord>(mut items: Vec<T>) -> Vec<T> {
    items.sort();
    items.dedup();
    items
}

fn create_user(view: &View, block: &AdminBlock<'_>) -> Result<Changes, u8> {
    let name = new_name(block, field::USER, result::INVALID_USER)?;
    if view.user(name).is_some() {
        return Err(result::USER_ALREADY_EXISTS);
    }
    let credential = password(block)?.to_string();
    let roles = if block.field(field::ROLES).is_some() { roles(view, block)? } else { Vec::new() };
    Ok(vec![(user_key(name), Some(UserDef { credential, roles: sorted(roles) }.to_value()))])
}

fn drop_user(view: &View, block: &AdminBlock<'_>) -> Result<Changes, u8> {
    let name = block.string(field::USER).map_err(field_error)?;
    let user = view.user(name).ok_or(result::INVALID_USER)?;
    let mut changes = Vec::new();
    if view.is_default_admin(name) {
        // System metadata deletes items it has: the default admin is made one first, so that
        // its tombstone keeps it dropped on every node and across restarts.
        changes.push((user_key(name), Some(user.to_value())));
    }
    changes.push((user_key(name), None));
    Ok(changes)
}

fn set_password(view: &View, block: &AdminBlock<'_>, old: Option<&str>) -> Result<Changes, u8> {
    let name = block.string(field::USER).map_err(field_error)?;
    let mut user = view.user(name).ok_or(result::INVALID_USER)?;
    if old.is_some_and(|old| !same_secret(old.as_bytes(), user.credential.as_bytes())) {
        return Err(result::INVALID_PASSWORD);
    }
    user.credential = password(block)?.to_string();
    Ok(vec![(user_key(name), Some(user.to_value()))])
}

fn change_roles(view: &View, block: &AdminBlock<'_>, grant: bool) -> Result<Changes, u8> {
    let name = block.string(field::USER).map_err(field_error)?;
    let mut user = view.user(name).ok_or(result::INVALID_USER)?;
    let named = roles(view, block)?;
    if grant {
        user.roles.extend(named);
    } else {
        user.roles.retain(|r| !named.contains(r));
    }
    user.roles = sorted(user.roles);
    if user.roles.len() > MAX_LIST {
        return Err(result::INVALID_FIELD);
    }
    Ok(vec![(user_key(name), Some(user.to_value()))])
}

fn create_role(view: &View, config: &SecurityConfig, block: &AdminBlock<'_>) -> Result<Changes, u8> {
    let name = new_name(block, field::ROLE, result::INVALID_ROLE)?;
    if view.role(name).is_some() {
        return Err(result::ROLE_ALREADY_EXISTS);
    }
    let mut role = RoleDef::default();
    if block.field(field::PRIVILEGES).is_some() {
        role.privileges = sorted(privileges(block)?);
    }
    role.whitelist = whitelist(block)?;
    set_quotas(&mut role, config, block)?;
    Ok(vec![(role_key(name), Some(role.to_value()))])
}

/// Drops a role and takes it from every user that has it, so that a role created later
/// under the same name gives them nothing. The users change first: if a commit fails
/// half-way, the role is still there and the command can be sent again.
fn drop_role(view: &View, block: &AdminBlock<'_>) -> Result<Changes, u8> {
    let name = block.string(field::ROLE).map_err(field_error)?;
    if crate::ground::security::predefined_role(name).is_some() || view.role(name).is_none() {
        return Err(result::INVALID_ROLE);
    }
    let mut changes: Changes = Vec::new();
    for (user_name, mut user) in view.users() {
        if user.roles.iter().any(|r| r == name) {
            user.roles.retain(|r| r != name);
            changes.push((user_key(&user_name), Some(user.to_value())));
        }
    }
    changes.push((role_key(name), None));
    Ok(changes)
}

/// Changes a role created by a user (the predefined roles do not change).
fn change_role(
    view: &View,
    block: &AdminBlock<'_>,
    change: impl FnOnce(&mut RoleDef) -> Result<(), u8>,
) -> Result<Changes, u8> {
    let name = block.string(field::ROLE).map_err(field_error)?;
    if crate::ground::security::predefined_role(name).is_some() {
        return Err(result::INVALID_ROLE);
    }
    let mut role = view.role(name).ok_or(result::INVALID_ROLE)?;
    change(&mut role)?;
    Ok(vec![(role_key(name), Some(role.to_value()))])
}

fn change_privileges(view: &View, block: &AdminBlock<'_>, grant: bool) -> Result<Changes, u8> {
    let named = privileges(block)?;
    change_role(view, block, |role| {
        if grant {
            role.privileges.extend(named);
        } else {
            role.privileges.retain(|p| !named.contains(p));
        }
        role.privileges = sorted(std::mem::take(&mut role.privileges));
        if role.privileges.len() > MAX_LIST {
            return Err(result::INVALID_FIELD);
        }
        Ok(())
    })
}

/// QUERY_USERS: one block per user (or the one named), then QUERY_END.
fn query_users(shard: &Shard, view: &View, block: &AdminBlock<'_>, out: &mut Vec<u8>) -> Result<(), u8> {
    let users = match block.field(field::USER) {
        Some(_) => {
            let name = block.string(field::USER).map_err(field_error)?;
            vec![(name.to_string(), view.user(name).ok_or(result::INVALID_USER)?)]
        }
        None => view.users(),
    };
    if users.is_empty() {
        AdminWriter::begin(out, command::QUERY_USERS, result::QUERY_END).finish();
        return Ok(());
    }
    let mut w = AdminWriter::begin(out, command::QUERY_USERS, result::OK);
    for (i, (name, user)) in users.iter().enumerate() {
        if i > 0 {
            w.next_block(command::QUERY_USERS, result::OK);
        }
        let roles: Vec<&str> = user.roles.iter().map(String::as_str).collect();
        // READ_INFO and WRITE_INFO: the quota and the last second's operations on this node
        // (Aerospike's first two values; its scan/query rates and limitless counts are not
        // kept: 0).
        let access = view.access(name, &shard.node.namespaces);
        let (read_quota, write_quota) = access.map_or((0, 0), |a| (a.read_quota, a.write_quota));
        let meter = shard.node.meters.get(name);
        let (reads, writes) = meter.as_ref().map_or((0, 0), |m| m.last_second(unix_now()));
        let connections = meter.map_or(0, |m| m.connections.load(Ordering::Relaxed));
        w.field(field::USER, name.as_bytes())
            .roles(&roles)
            .info(field::READ_INFO, &[read_quota, reads, 0, 0])
            .info(field::WRITE_INFO, &[write_quota, writes, 0, 0])
            .field_u32(field::CONNECTIONS, connections);
    }
    w.next_block(command::QUERY_USERS, result::QUERY_END);
    w.finish();
    Ok(())
}

/// QUERY_ROLES: one block per role (or the one named), then QUERY_END.
fn query_roles(view: &View, block: &AdminBlock<'_>, out: &mut Vec<u8>) -> Result<(), u8> {
    let roles = match block.field(field::ROLE) {
        Some(_) => {
            let name = block.string(field::ROLE).map_err(field_error)?;
            vec![(name.to_string(), view.role(name).ok_or(result::INVALID_ROLE)?)]
        }
        None => view.roles(),
    };
    let mut w = AdminWriter::begin(out, command::QUERY_ROLES, result::OK);
    for (i, (name, role)) in roles.iter().enumerate() {
        if i > 0 {
            w.next_block(command::QUERY_ROLES, result::OK);
        }
        let privileges: Vec<Privilege<'_>> =
            role.privileges.iter().map(|p| Privilege { code: p.code, ns: &p.ns, set: &p.set }).collect();
        w.field(field::ROLE, name.as_bytes()).privileges(&privileges);
        if !role.whitelist.is_empty() {
            w.field(field::WHITELIST, role.whitelist.join(",").as_bytes());
        }
        w.field_u32(field::READ_QUOTA, role.read_quota).field_u32(field::WRITE_QUOTA, role.write_quota);
    }
    w.next_block(command::QUERY_ROLES, result::QUERY_END);
    w.finish();
    Ok(())
}

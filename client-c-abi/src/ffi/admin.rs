//! Users and roles on nodes with access control: `sj_admin_*` (the client's user logs in
//! through `sj_client_config.user` and `.password`). Queries answer JSON in a new string (free
//! it with `sj_string_destroy`).

use std::ffi::{c_char, CString};

use super::helpers::{guard, names, null, object, opt_text, text};
use super::types::{sj_client, sj_error, sj_privilege};
use crate::admin::{Privilege, PrivilegeCode, Role, User};
use crate::error::{code, Error, Result};

/// Reads `n` C privileges.
///
/// # Safety
/// `privileges` is NULL (with `n` 0) or points at `n` privileges with NUL-terminated (or NULL)
/// strings.
unsafe fn privileges(privileges: *const sj_privilege, n: usize) -> Result<Vec<Privilege>> {
    if n == 0 {
        return Ok(Vec::new());
    }
    if privileges.is_null() {
        return Err(null("privileges"));
    }
    // SAFETY: `n` privileges by the caller's contract.
    let all = unsafe { std::slice::from_raw_parts(privileges, n) };
    all.iter()
        .map(|p| {
            let code = u8::try_from(p.code)
                .ok()
                .and_then(PrivilegeCode::from_u8)
                .ok_or_else(|| Error::new(code::PARAM, format!("{} is not a privilege code", p.code)))?;
            // SAFETY: NULL or NUL-terminated by the caller's contract.
            let (ns, set) = unsafe { (opt_text(p.ns)?, opt_text(p.set)?) };
            Ok(Privilege::scoped(code, ns, set))
        })
        .collect()
}

/// Hands a JSON text to the caller.
///
/// # Safety
/// `out` is writable.
unsafe fn give_json(out: *mut *mut c_char, json: String) -> Result<()> {
    let owned = CString::new(json).map_err(|_| Error::new(code::CLIENT, "NUL in a name"))?;
    // SAFETY: writable by the caller's contract.
    unsafe { *out = owned.into_raw() };
    Ok(())
}

fn quote(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    out.push('"');
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c if (c as u32) < 0x20 => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

fn strings(items: &[String]) -> String {
    format!("[{}]", items.iter().map(|s| quote(s)).collect::<Vec<_>>().join(","))
}

/// Users as JSON: `[{"name": ..., "roles": [...], "connections": N}, ...]`.
pub(crate) fn users_json(users: &[User]) -> String {
    let items: Vec<String> = users
        .iter()
        .map(|u| {
            format!("{{\"name\":{},\"roles\":{},\"connections\":{}}}", quote(&u.name), strings(&u.roles), u.connections)
        })
        .collect();
    format!("[{}]", items.join(","))
}

/// Roles as JSON: `[{"name", "privileges": [{"code", "ns", "set"}], "whitelist", "read_quota",
/// "write_quota"}, ...]`.
pub(crate) fn roles_json(roles: &[Role]) -> String {
    let items: Vec<String> = roles
        .iter()
        .map(|r| {
            let privileges: Vec<String> = r
                .privileges
                .iter()
                .map(|p| {
                    format!("{{\"code\":{},\"ns\":{},\"set\":{}}}", p.code as u8, quote(&p.namespace), quote(&p.set))
                })
                .collect();
            format!(
                "{{\"name\":{},\"privileges\":[{}],\"whitelist\":{},\"read_quota\":{},\"write_quota\":{}}}",
                quote(&r.name),
                privileges.join(","),
                strings(&r.whitelist),
                r.read_quota,
                r.write_quota
            )
        })
        .collect();
    format!("[{}]", items.join(","))
}

/// Creates `user` with `password` and `n_roles` roles.
///
/// # Safety
/// `client` valid; `err` NULL or writable; strings NUL-terminated; `roles` NULL (with 0) or
/// `n_roles` NUL-terminated strings.
#[no_mangle]
pub unsafe extern "C" fn sj_admin_create_user(
    client: *const sj_client,
    err: *mut sj_error,
    user: *const c_char,
    password: *const c_char,
    roles: *const *const c_char,
    n_roles: usize,
) -> i32 {
    guard(err, || {
        // SAFETY: the caller's contract.
        let (c, user, password, roles) = unsafe {
            (object(client, "client")?, text(user, "user")?, text(password, "password")?, names(roles, n_roles)?)
        };
        c.0.create_user(user, password, &roles)
    })
}

/// Drops `user`.
///
/// # Safety
/// `client` valid; `err` NULL or writable; `user` NUL-terminated.
#[no_mangle]
pub unsafe extern "C" fn sj_admin_drop_user(client: *const sj_client, err: *mut sj_error, user: *const c_char) -> i32 {
    guard(err, || {
        // SAFETY: the caller's contract.
        let (c, user) = unsafe { (object(client, "client")?, text(user, "user")?) };
        c.0.drop_user(user)
    })
}

/// Sets `user`'s password (needs user-admin).
///
/// # Safety
/// `client` valid; `err` NULL or writable; strings NUL-terminated.
#[no_mangle]
pub unsafe extern "C" fn sj_admin_set_password(
    client: *const sj_client,
    err: *mut sj_error,
    user: *const c_char,
    password: *const c_char,
) -> i32 {
    guard(err, || {
        // SAFETY: the caller's contract.
        let (c, user, password) =
            unsafe { (object(client, "client")?, text(user, "user")?, text(password, "password")?) };
        c.0.set_password(user, password)
    })
}

/// Changes the client's own user's password. New connections of this client keep logging in
/// with the old one: make a new client with the new password.
///
/// # Safety
/// `client` valid; `err` NULL or writable; `password` NUL-terminated.
#[no_mangle]
pub unsafe extern "C" fn sj_admin_change_password(
    client: *const sj_client,
    err: *mut sj_error,
    password: *const c_char,
) -> i32 {
    guard(err, || {
        // SAFETY: the caller's contract.
        let (c, password) = unsafe { (object(client, "client")?, text(password, "password")?) };
        c.0.change_password(password)
    })
}

/// Grants (`grant` true) or revokes `n_roles` roles of `user`.
///
/// # Safety
/// `client` valid; `err` NULL or writable; `user` NUL-terminated; `roles` `n_roles`
/// NUL-terminated strings.
#[no_mangle]
pub unsafe extern "C" fn sj_admin_change_roles(
    client: *const sj_client,
    err: *mut sj_error,
    user: *const c_char,
    roles: *const *const c_char,
    n_roles: usize,
    grant: bool,
) -> i32 {
    guard(err, || {
        // SAFETY: the caller's contract.
        let (c, user, roles) = unsafe { (object(client, "client")?, text(user, "user")?, names(roles, n_roles)?) };
        if grant {
            c.0.grant_roles(user, &roles)
        } else {
            c.0.revoke_roles(user, &roles)
        }
    })
}

/// Creates `role` with its privileges, an allowlist (`n_whitelist` addresses or ranges; 0:
/// any) and quotas (0: none).
///
/// # Safety
/// `client` valid; `err` NULL or writable; `role` NUL-terminated; `privileges` NULL (with 0)
/// or `n_privileges` privileges; `whitelist` NULL (with 0) or `n_whitelist` strings.
#[no_mangle]
pub unsafe extern "C" fn sj_admin_create_role(
    client: *const sj_client,
    err: *mut sj_error,
    role: *const c_char,
    privileges_: *const sj_privilege,
    n_privileges: usize,
    whitelist: *const *const c_char,
    n_whitelist: usize,
    read_quota: u32,
    write_quota: u32,
) -> i32 {
    guard(err, || {
        // SAFETY: the caller's contract.
        let (c, role, privileges, whitelist) = unsafe {
            (
                object(client, "client")?,
                text(role, "role")?,
                privileges(privileges_, n_privileges)?,
                names(whitelist, n_whitelist)?,
            )
        };
        c.0.create_role(role, &privileges, &whitelist, read_quota, write_quota)
    })
}

/// Drops `role` (its users lose it).
///
/// # Safety
/// `client` valid; `err` NULL or writable; `role` NUL-terminated.
#[no_mangle]
pub unsafe extern "C" fn sj_admin_drop_role(client: *const sj_client, err: *mut sj_error, role: *const c_char) -> i32 {
    guard(err, || {
        // SAFETY: the caller's contract.
        let (c, role) = unsafe { (object(client, "client")?, text(role, "role")?) };
        c.0.drop_role(role)
    })
}

/// Grants (`grant` true) or revokes privileges of `role`.
///
/// # Safety
/// `client` valid; `err` NULL or writable; `role` NUL-terminated; `privileges` `n_privileges`
/// privileges.
#[no_mangle]
pub unsafe extern "C" fn sj_admin_change_privileges(
    client: *const sj_client,
    err: *mut sj_error,
    role: *const c_char,
    privileges_: *const sj_privilege,
    n_privileges: usize,
    grant: bool,
) -> i32 {
    guard(err, || {
        // SAFETY: the caller's contract.
        let (c, role, privileges) =
            unsafe { (object(client, "client")?, text(role, "role")?, privileges(privileges_, n_privileges)?) };
        if grant {
            c.0.grant_privileges(role, &privileges)
        } else {
            c.0.revoke_privileges(role, &privileges)
        }
    })
}

/// Sets `role`'s allowlist (0 entries: any address).
///
/// # Safety
/// `client` valid; `err` NULL or writable; `role` NUL-terminated; `whitelist` NULL (with 0) or
/// `n_whitelist` strings.
#[no_mangle]
pub unsafe extern "C" fn sj_admin_set_whitelist(
    client: *const sj_client,
    err: *mut sj_error,
    role: *const c_char,
    whitelist: *const *const c_char,
    n_whitelist: usize,
) -> i32 {
    guard(err, || {
        // SAFETY: the caller's contract.
        let (c, role, whitelist) =
            unsafe { (object(client, "client")?, text(role, "role")?, names(whitelist, n_whitelist)?) };
        c.0.set_whitelist(role, &whitelist)
    })
}

/// Sets `role`'s read and write quotas (operations per second per node; 0: none).
///
/// # Safety
/// `client` valid; `err` NULL or writable; `role` NUL-terminated.
#[no_mangle]
pub unsafe extern "C" fn sj_admin_set_quotas(
    client: *const sj_client,
    err: *mut sj_error,
    role: *const c_char,
    read_quota: u32,
    write_quota: u32,
) -> i32 {
    guard(err, || {
        // SAFETY: the caller's contract.
        let (c, role) = unsafe { (object(client, "client")?, text(role, "role")?) };
        c.0.set_quotas(role, read_quota, write_quota)
    })
}

/// Every user (`user` NULL) or the one named, as JSON in a new string:
/// `[{"name", "roles": [...], "connections"}]`.
///
/// # Safety
/// `client` valid; `err` NULL or writable; `user` NULL or NUL-terminated; `json` writable.
#[no_mangle]
pub unsafe extern "C" fn sj_admin_query_users(
    client: *const sj_client,
    err: *mut sj_error,
    user: *const c_char,
    json: *mut *mut c_char,
) -> i32 {
    guard(err, || {
        // SAFETY: the caller's contract.
        let c = unsafe { object(client, "client") }?;
        // SAFETY: the caller's contract.
        let user = if user.is_null() { None } else { Some(unsafe { text(user, "user") }?) };
        if json.is_null() {
            return Err(null("json"));
        }
        let users = c.0.query_users(user)?;
        // SAFETY: checked non-NULL; writable by the caller's contract.
        unsafe { give_json(json, users_json(&users)) }
    })
}

/// Every role (`role` NULL) or the one named, as JSON in a new string: `[{"name",
/// "privileges": [{"code", "ns", "set"}], "whitelist": [...], "read_quota", "write_quota"}]`.
///
/// # Safety
/// `client` valid; `err` NULL or writable; `role` NULL or NUL-terminated; `json` writable.
#[no_mangle]
pub unsafe extern "C" fn sj_admin_query_roles(
    client: *const sj_client,
    err: *mut sj_error,
    role: *const c_char,
    json: *mut *mut c_char,
) -> i32 {
    guard(err, || {
        // SAFETY: the caller's contract.
        let c = unsafe { object(client, "client") }?;
        // SAFETY: the caller's contract.
        let role = if role.is_null() { None } else { Some(unsafe { text(role, "role") }?) };
        if json.is_null() {
            return Err(null("json"));
        }
        let roles = c.0.query_roles(role)?;
        // SAFETY: checked non-NULL; writable by the caller's contract.
        unsafe { give_json(json, roles_json(&roles)) }
    })
}

//! The client handle: `sj_client_new` (seed hosts, configuration, connect) and
//! `sj_client_destroy`.

use std::panic::{catch_unwind, AssertUnwindSafe};

use super::helpers::{guard, millis, null, object, text};
use super::types::{sj_client, sj_client_config, sj_error};
use crate::blocking::Client;
use crate::error::{code, Error, Result};
use crate::policy::ClientConfig;

pub(super) fn parse_hosts(hosts: &str) -> Result<Vec<(String, u16)>> {
    let mut out = Vec::new();
    for item in hosts.split(',').map(str::trim).filter(|s| !s.is_empty()) {
        let (host, port) = match item.rsplit_once(':') {
            Some((h, p)) if !h.ends_with(':') => {
                (h, p.parse::<u16>().map_err(|_| Error::new(code::PARAM, format!("bad port in host '{item}'")))?)
            }
            _ => (item, 3000),
        };
        out.push((host.trim_start_matches('[').trim_end_matches(']').to_string(), port));
    }
    if out.is_empty() {
        return Err(Error::new(code::PARAM, "no hosts given"));
    }
    Ok(out)
}

/// Connects to the cluster. On success `*client` holds a handle to free with
/// `sj_client_destroy`.
///
/// # Safety
/// `err` is NULL or writable; `config` is a valid config; `client` is writable.
#[no_mangle]
pub unsafe extern "C" fn sj_client_new(
    err: *mut sj_error,
    config: *const sj_client_config,
    client: *mut *mut sj_client,
) -> i32 {
    guard(err, || {
        // SAFETY: the caller's contract.
        let c = unsafe { object(config, "config") }?;
        if client.is_null() {
            return Err(null("client"));
        }
        // SAFETY: a NUL-terminated string by the caller's contract.
        let hosts = parse_hosts(unsafe { text(c.hosts, "config.hosts") }?)?;
        let mut config = ClientConfig::new(hosts);
        if !c.cluster_name.is_null() {
            // SAFETY: a NUL-terminated string by the caller's contract.
            config.cluster_name = Some(unsafe { text(c.cluster_name, "config.cluster_name") }?.to_string());
        }
        config.connect_timeout = millis(c.connect_timeout_ms.max(1));
        config.tend_interval = millis(c.tend_interval_ms.max(10));
        config.max_conns_per_node = c.max_conns_per_node.max(1) as usize;
        config.shard_routing = c.shard_routing;
        if !c.user.is_null() {
            // SAFETY: NUL-terminated strings by the caller's contract.
            let (user, password) = unsafe { (text(c.user, "config.user")?, super::helpers::opt_text(c.password)?) };
            config.credentials = Some(std::sync::Arc::new(crate::auth::Credentials::new(user, password)?));
        }
        if c.pki_login {
            if c.tls_cert_file.is_null() || c.tls_name.is_null() {
                return Err(Error::new(code::PARAM, "pki_login needs TLS with a client certificate"));
            }
            config.credentials = Some(std::sync::Arc::new(crate::auth::Credentials::pki()));
        }
        if !c.tls_name.is_null() {
            // SAFETY: NUL-terminated strings (or NULL, for the optional files) by the caller's
            // contract.
            let (name, ca_file, cert_file, key_file) = unsafe {
                (
                    text(c.tls_name, "config.tls_name")?,
                    text(c.tls_ca_file, "config.tls_ca_file")?,
                    super::helpers::opt_text(c.tls_cert_file)?,
                    super::helpers::opt_text(c.tls_key_file)?,
                )
            };
            let optional = |s: &str| (!s.is_empty()).then(|| s.to_string());
            config.tls = Some(crate::tls::Tls::new(&crate::tls::TlsOptions {
                name: name.to_string(),
                ca_file: ca_file.to_string(),
                cert_file: optional(cert_file),
                key_file: optional(key_file),
            })?);
        }
        let handle = Box::new(sj_client(Client::new(config)?));
        // SAFETY: writable by the caller's contract (checked non-NULL above).
        unsafe { *client = Box::into_raw(handle) };
        Ok(())
    })
}

/// Closes the client's connections, stops its tend thread and frees it. NULL is ignored.
///
/// # Safety
/// `client` is NULL or a handle from `sj_client_new` not yet destroyed, not in use by another
/// thread.
#[no_mangle]
pub unsafe extern "C" fn sj_client_destroy(client: *mut sj_client) {
    if !client.is_null() {
        // SAFETY: made by Box::into_raw in sj_client_new, destroyed once.
        let _ = catch_unwind(AssertUnwindSafe(|| drop(unsafe { Box::from_raw(client) })));
    }
}

//! Client configuration and policies: the `_init` functions that fill the C structs with the
//! defaults, and the reading of C policies into the client's.

use super::constants::{
    SJ_COMMIT_ALL, SJ_COMMIT_MASTER, SJ_EXISTS_CREATE_ONLY, SJ_EXISTS_REPLACE, SJ_EXISTS_REPLACE_ONLY,
    SJ_EXISTS_UPDATE, SJ_EXISTS_UPDATE_ONLY, SJ_GEN_EQ, SJ_GEN_GT, SJ_GEN_NONE, SJ_REPLICA_ANY, SJ_REPLICA_MASTER,
    SJ_REPLICA_SEQUENCE, SJ_TTL_NAMESPACE_DEFAULT,
};
use super::helpers::millis;
use super::types::{sj_client_config, sj_exp, sj_read_policy, sj_scan_policy, sj_write_policy};
use crate::error::{code, Error, Result};
use crate::policy::{
    BasePolicy, ClientConfig, CommitLevel, ExistsAction, GenerationPolicy, ReadPolicy, Replica, WritePolicy,
};

/// Fills `config` with the defaults (hosts NULL: set them).
///
/// # Safety
/// `config` is NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn sj_client_config_init(config: *mut sj_client_config) {
    // SAFETY: the caller passes NULL or a writable config.
    if let Some(c) = unsafe { config.as_mut() } {
        let d = ClientConfig::new(Vec::new());
        *c = sj_client_config {
            hosts: std::ptr::null(),
            cluster_name: std::ptr::null(),
            connect_timeout_ms: d.connect_timeout.as_millis() as u32,
            tend_interval_ms: d.tend_interval.as_millis() as u32,
            max_conns_per_node: d.max_conns_per_node as u32,
            shard_routing: d.shard_routing,
            user: std::ptr::null(),
            password: std::ptr::null(),
            tls_name: std::ptr::null(),
            tls_ca_file: std::ptr::null(),
            tls_cert_file: std::ptr::null(),
            tls_key_file: std::ptr::null(),
            pki_login: false,
        };
    }
}

/// Fills `policy` with the read defaults.
///
/// # Safety
/// `policy` is NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn sj_read_policy_init(policy: *mut sj_read_policy) {
    let d = ReadPolicy::default();
    // SAFETY: the caller passes NULL or a writable policy.
    if let Some(p) = unsafe { policy.as_mut() } {
        *p = sj_read_policy {
            socket_timeout_ms: d.base.socket_timeout.as_millis() as u32,
            total_timeout_ms: d.base.total_timeout.as_millis() as u32,
            max_retries: d.base.max_retries,
            sleep_between_retries_ms: 0,
            replica: SJ_REPLICA_SEQUENCE,
            filter: std::ptr::null(),
        };
    }
}

/// Fills `policy` with the write defaults.
///
/// # Safety
/// `policy` is NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn sj_write_policy_init(policy: *mut sj_write_policy) {
    let d = WritePolicy::default();
    // SAFETY: the caller passes NULL or a writable policy.
    if let Some(p) = unsafe { policy.as_mut() } {
        *p = sj_write_policy {
            socket_timeout_ms: d.base.socket_timeout.as_millis() as u32,
            total_timeout_ms: d.base.total_timeout.as_millis() as u32,
            max_retries: d.base.max_retries,
            sleep_between_retries_ms: 0,
            exists: SJ_EXISTS_UPDATE,
            gen_policy: SJ_GEN_NONE,
            generation: 0,
            ttl: SJ_TTL_NAMESPACE_DEFAULT,
            commit_level: SJ_COMMIT_ALL,
            send_key: false,
            durable_delete: false,
            filter: std::ptr::null(),
        };
    }
}

/// Fills `policy` with the scan defaults.
///
/// # Safety
/// `policy` is NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn sj_scan_policy_init(policy: *mut sj_scan_policy) {
    // SAFETY: the caller passes NULL or a writable policy.
    if let Some(p) = unsafe { policy.as_mut() } {
        *p = sj_scan_policy {
            socket_timeout_ms: 30_000,
            max_records: 0,
            records_per_second: 0,
            no_bins: false,
            filter: std::ptr::null(),
        };
    }
}

/// Sets the policy's filter expression (NULL: none). The policy borrows it: keep `filter` alive
/// and unchanged while the policy is used.
///
/// # Safety
/// `policy` is NULL or writable; `filter` is NULL or a valid expression.
#[no_mangle]
pub unsafe extern "C" fn sj_read_policy_set_filter(policy: *mut sj_read_policy, filter: *const sj_exp) {
    // SAFETY: the caller passes NULL or a writable policy.
    if let Some(p) = unsafe { policy.as_mut() } {
        p.filter = filter;
    }
}

/// Sets the policy's filter expression (NULL: none), as `sj_read_policy_set_filter`.
///
/// # Safety
/// `policy` is NULL or writable; `filter` is NULL or a valid expression.
#[no_mangle]
pub unsafe extern "C" fn sj_write_policy_set_filter(policy: *mut sj_write_policy, filter: *const sj_exp) {
    // SAFETY: the caller passes NULL or a writable policy.
    if let Some(p) = unsafe { policy.as_mut() } {
        p.filter = filter;
    }
}

/// Sets the policy's filter expression (NULL: none), as `sj_read_policy_set_filter`.
///
/// # Safety
/// `policy` is NULL or writable; `filter` is NULL or a valid expression.
#[no_mangle]
pub unsafe extern "C" fn sj_scan_policy_set_filter(policy: *mut sj_scan_policy, filter: *const sj_exp) {
    // SAFETY: the caller passes NULL or a writable policy.
    if let Some(p) = unsafe { policy.as_mut() } {
        p.filter = filter;
    }
}

/// The expression a policy's `filter` points to, copied for the command.
///
/// # Safety
/// `filter` is NULL or a valid expression.
pub(super) unsafe fn filter_in(filter: *const sj_exp) -> Option<crate::exp::Expression> {
    // SAFETY: the caller's contract.
    unsafe { filter.as_ref() }.map(|e| e.0.clone())
}

pub(super) fn read_policy(p: *const sj_read_policy, default: &ReadPolicy) -> Result<ReadPolicy> {
    // SAFETY: the caller passes NULL or a valid policy.
    let Some(p) = (unsafe { p.as_ref() }) else { return Ok(default.clone()) };
    let replica = match p.replica {
        SJ_REPLICA_MASTER => Replica::Master,
        SJ_REPLICA_ANY => Replica::Any,
        SJ_REPLICA_SEQUENCE => Replica::Sequence,
        r => return Err(Error::new(code::PARAM, format!("unknown replica policy {r}"))),
    };
    Ok(ReadPolicy {
        base: BasePolicy {
            socket_timeout: millis(p.socket_timeout_ms),
            total_timeout: millis(p.total_timeout_ms),
            max_retries: p.max_retries,
            sleep_between_retries: millis(p.sleep_between_retries_ms),
        },
        replica,
        // SAFETY: NULL or a valid expression, by the policy's contract.
        filter: unsafe { filter_in(p.filter) },
    })
}

pub(super) fn write_policy(p: *const sj_write_policy, default: &WritePolicy) -> Result<WritePolicy> {
    // SAFETY: the caller passes NULL or a valid policy.
    let Some(p) = (unsafe { p.as_ref() }) else { return Ok(default.clone()) };
    let bad = |what: &str, v: u32| Error::new(code::PARAM, format!("unknown {what} {v}"));
    Ok(WritePolicy {
        base: BasePolicy {
            socket_timeout: millis(p.socket_timeout_ms),
            total_timeout: millis(p.total_timeout_ms),
            max_retries: p.max_retries,
            sleep_between_retries: millis(p.sleep_between_retries_ms),
        },
        exists: match p.exists {
            SJ_EXISTS_UPDATE => ExistsAction::Update,
            SJ_EXISTS_UPDATE_ONLY => ExistsAction::UpdateOnly,
            SJ_EXISTS_REPLACE => ExistsAction::Replace,
            SJ_EXISTS_REPLACE_ONLY => ExistsAction::ReplaceOnly,
            SJ_EXISTS_CREATE_ONLY => ExistsAction::CreateOnly,
            v => return Err(bad("exists action", v)),
        },
        generation_policy: match p.gen_policy {
            SJ_GEN_NONE => GenerationPolicy::None,
            SJ_GEN_EQ => GenerationPolicy::Equal,
            SJ_GEN_GT => GenerationPolicy::Greater,
            v => return Err(bad("generation policy", v)),
        },
        generation: p.generation,
        ttl: p.ttl,
        commit_level: match p.commit_level {
            SJ_COMMIT_ALL => CommitLevel::All,
            SJ_COMMIT_MASTER => CommitLevel::Master,
            v => return Err(bad("commit level", v)),
        },
        send_key: p.send_key,
        durable_delete: p.durable_delete,
        replica: default.replica,
        // SAFETY: NULL or a valid expression, by the policy's contract.
        filter: unsafe { filter_in(p.filter) },
    })
}

//! `get-config` and `set-config`.
//!
//! `set-config` checks the change on a copy of this shard's settings with the same functions
//! the file reader uses, then applies it here and on every other shard before answering `ok`.

use std::rc::Rc;

use scramjet_engine::NamespaceConfig;
use scramjet_net::info::{error_value, InfoCommand};

use crate::ground::config::schema::{apply_namespace_item, apply_security_item, apply_service_item, check_namespace};
use crate::ground::config::{SecurityConfig, ServiceConfig};
use crate::shard::Shard;

/// The namespace settings as `(item, value)` pairs.
pub fn namespace_items(config: &NamespaceConfig) -> Vec<(String, String)> {
    vec![
        ("replication-factor".into(), config.replication_factor.to_string()),
        (
            "conflict-resolution-policy".into(),
            match config.conflict_resolution {
                scramjet_engine::ConflictResolution::Generation => "generation",
                scramjet_engine::ConflictResolution::LastUpdateTime => "last-update-time",
            }
            .into(),
        ),
        ("default-ttl".into(), config.default_ttl_secs.to_string()),
        ("max-ttl".into(), config.max_ttl_secs.to_string()),
        ("nsup-period".into(), config.nsup_period_secs.to_string()),
        ("allow-ttl-without-nsup".into(), config.allow_ttl_without_nsup.to_string()),
        ("max-record-size".into(), config.max_record_size_bytes.to_string()),
        ("stop-writes-used-pct".into(), config.stop_writes_used_pct.to_string()),
        ("stop-writes-avail-pct".into(), config.stop_writes_avail_pct.to_string()),
        ("evict-used-pct".into(), config.evict_used_pct.to_string()),
        ("evict-tenths-pct".into(), config.evict_tenths_pct.to_string()),
        ("default-read-touch-ttl-pct".into(), config.default_read_touch_ttl_pct.to_string()),
        ("tomb-raider-eligible-age".into(), config.tomb_raider_eligible_age_secs.to_string()),
        ("storage-engine.data-size".into(), config.data_size_bytes.to_string()),
        ("storage-engine.write-block-size".into(), config.write_block_bytes.to_string()),
        ("storage-engine.defrag-lwm-pct".into(), config.defrag_lwm_pct.to_string()),
    ]
}

fn service_items(shard: &Shard, service: &ServiceConfig) -> Vec<(String, String)> {
    vec![
        ("cluster-name".into(), service.cluster_name.clone().unwrap_or_else(|| "null".into())),
        ("node-id".into(), shard.node.node_name()),
        ("service-threads".into(), shard.node.n_shards.to_string()),
        ("auto-pin".into(), if service.auto_pin { "cpu" } else { "none" }.into()),
        ("proto-fd-max".into(), service.proto_fd_max.to_string()),
        ("proto-fd-idle-ms".into(), service.proto_fd_idle_ms.to_string()),
        ("transaction-max-ms".into(), service.transaction_max_ms.to_string()),
        ("migrate-threads".into(), service.migrate_threads.to_string()),
        ("ticker-interval".into(), service.ticker_interval_secs.to_string()),
        ("udf-time-limit-ms".into(), service.udf_time_limit_ms.to_string()),
        ("udf-memory-limit".into(), service.udf_memory_limit.to_string()),
        ("enable-hist-info".into(), service.enable_hist_info.to_string()),
        ("migrate-max-num-incoming".into(), service.migrate_max_num_incoming.to_string()),
        ("work-directory".into(), service.work_directory.display().to_string()),
    ]
}

fn network_items(shard: &Shard) -> Vec<(String, String)> {
    let c = &shard.node.config;
    vec![
        ("service.address".into(), c.service_endpoint.address.to_string()),
        ("service.port".into(), c.service_endpoint.port.to_string()),
        ("fabric.port".into(), c.fabric_endpoint.port.to_string()),
        ("heartbeat.port".into(), c.heartbeat_endpoint.port.to_string()),
    ]
}

fn security_items(security: &SecurityConfig) -> Vec<(String, String)> {
    vec![
        ("enable-quotas".into(), security.enable_quotas.to_string()),
        ("privilege-refresh-period".into(), security.privilege_refresh_period_secs.to_string()),
        ("session-ttl".into(), security.session_ttl_secs.to_string()),
        ("log.report-authentication".into(), security.report_authentication.to_string()),
        ("log.report-sys-admin".into(), security.report_sys_admin.to_string()),
        ("log.report-user-admin".into(), security.report_user_admin.to_string()),
        ("log.report-violation".into(), security.report_violation.to_string()),
    ]
}

fn join(items: Vec<(String, String)>) -> String {
    items.into_iter().map(|(k, v)| format!("{k}={v}")).collect::<Vec<_>>().join(";")
}

fn namespace_index(shard: &Shard, command: &InfoCommand<'_>) -> Result<usize, String> {
    let name = command.param("id").or_else(|| command.param("namespace"));
    let name = name.ok_or_else(|| error_value(4, "namespace id required (id=NAME)"))?;
    shard.node.namespaces.iter().position(|n| n == name).ok_or_else(|| error_value(20, "namespace not found"))
}

/// A namespace's `geo2dsphere-within` settings, as Aerospike shows them.
fn geo_items(geo: &crate::ground::config::GeoWithin) -> Vec<(String, String)> {
    vec![
        ("geo2dsphere-within.strict".into(), geo.strict.to_string()),
        ("geo2dsphere-within.min-level".into(), geo.min_level.to_string()),
        ("geo2dsphere-within.max-level".into(), geo.max_level.to_string()),
        ("geo2dsphere-within.max-cells".into(), geo.max_cells.to_string()),
        ("geo2dsphere-within.level-mod".into(), geo.level_mod.to_string()),
    ]
}

/// `get-config[:context=service|network|namespace;id=NS]`.
pub fn get(shard: &Shard, command: &InfoCommand<'_>) -> String {
    let state = shard.state.borrow();
    match command.param("context").unwrap_or("service") {
        "service" => join(service_items(shard, &state.service)),
        "network" => join(network_items(shard)),
        "security" => match &state.security_config {
            Some(security) => join(security_items(security)),
            None => error_value(4, "security is not enabled (no security stanza)"),
        },
        "namespace" => match namespace_index(shard, command) {
            Ok(index) => {
                let mut items = namespace_items(&state.namespaces[index].config);
                items.extend(geo_items(&shard.node.config.namespaces[index].geo));
                items.extend(state.benchmarks[index].items().map(|(k, v)| (k.to_string(), v.to_string())));
                join(items)
            }
            Err(e) => e,
        },
        other => error_value(4, &format!("unknown context '{other}'")),
    }
}

/// `set-config:context=service;ITEM=VALUE` or `set-config:context=namespace;id=NS;ITEM=VALUE`.
pub async fn set(shard: &Shard, command: &InfoCommand<'_>) -> String {
    let items: Vec<(&str, &str)> =
        command.params().filter(|(k, _)| !matches!(*k, "context" | "id" | "namespace")).collect();
    if items.is_empty() {
        return error_value(4, "nothing to set");
    }
    let result = match command.param("context") {
        Some("service") => set_service(shard, &items).await,
        Some("security") => set_security(shard, &items).await,
        Some("namespace") => match namespace_index(shard, command) {
            Ok(index) => set_namespace(shard, index, &items).await,
            Err(e) => return e,
        },
        Some(other) => Err(format!("context '{other}' has no run-time settings")),
        None => Err("context required (context=service or context=namespace;id=NS)".into()),
    };
    match result {
        Ok(()) => "ok".into(),
        Err(reason) => error_value(4, &reason),
    }
}

async fn set_service(shard: &Shard, items: &[(&str, &str)]) -> Result<(), String> {
    let mut service = shard.state.borrow().service.clone();
    for (name, value) in items {
        apply_service_item(&mut service, name, value)?;
    }
    shard.state.borrow_mut().service = service.clone();
    shard
        .run_on_others(|| {
            let service = service.clone();
            move |shard: Rc<Shard>| async move { shard.state.borrow_mut().service = service }
        })
        .await
        .map_err(|_| "node is shutting down")?;
    crate::log!(Info, "info", "set-config service {items:?}");
    Ok(())
}

async fn set_security(shard: &Shard, items: &[(&str, &str)]) -> Result<(), String> {
    let Some(mut security) = shard.state.borrow().security_config.clone() else {
        return Err("security is not enabled (no security stanza)".into());
    };
    for (name, value) in items {
        apply_security_item(&mut security, name, value)?;
    }
    // A new generation of the users' view, so that open connections resolve their access
    // again (quotas on or off).
    let apply = |shard: &Shard, security: SecurityConfig| {
        let mut state = shard.state.borrow_mut();
        state.security_config = Some(security);
        state.security = Rc::new(state.security.with(&[]));
    };
    apply(shard, security.clone());
    shard
        .run_on_others(|| {
            let security = security.clone();
            move |shard: Rc<Shard>| async move { apply(&shard, security) }
        })
        .await
        .map_err(|_| "node is shutting down")?;
    crate::log!(Info, "info", "set-config security {items:?}");
    Ok(())
}

async fn set_namespace(shard: &Shard, index: usize, items: &[(&str, &str)]) -> Result<(), String> {
    let mut config = shard.state.borrow().namespaces[index].config.clone();
    let mut benchmarks = shard.state.borrow().benchmarks[index];
    for (name, value) in items {
        if *name == "replication-factor" {
            return Err("replication-factor cannot change at run time".into());
        }
        match benchmarks.apply(name, value) {
            Some(applied) => applied?,
            None => apply_namespace_item(&mut config, name, value)?,
        }
    }
    check_namespace(&config)?;
    let apply = move |shard: &Shard, config: NamespaceConfig| {
        let mut state = shard.state.borrow_mut();
        state.namespaces[index].set_config(config);
        state.benchmarks[index] = benchmarks;
    };
    apply(shard, config.clone());
    shard
        .run_on_others(|| {
            let config = config.clone();
            move |shard: Rc<Shard>| async move { apply(&shard, config) }
        })
        .await
        .map_err(|_| "node is shutting down")?;
    crate::log!(Info, "info", "set-config namespace {} {items:?}", config.name);
    Ok(())
}

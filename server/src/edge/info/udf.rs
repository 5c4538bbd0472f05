//! UDF module commands (PROTOCOL-DATA.md §E.1; Aerospike's `udf_cask.c`, its checks in its
//! order): `udf-put`, `udf-get`, `udf-list`, `udf-remove`, `udf-clear-cache`. Their errors are
//! `error=<reason>`, not `ERROR:`; the modules live in the cluster's system metadata, so `ok`
//! means every member has the change.

use std::rc::Rc;

use base64::Engine as _;
use scramjet_net::info::InfoCommand;

use crate::cluster::smd;
use crate::ground::smd::{Module, UdfModule};
use crate::shard::Shard;
use crate::transaction::udf::{check_syntax, MAX_MODULE_BYTES};

/// Longest file name (Aerospike's `MAX_FILE_NAME_SZ`, 128 with its terminator).
const FILE_NAME_MAX: usize = 127;

fn filename<'a>(command: &InfoCommand<'a>) -> Result<&'a str, String> {
    match command.param("filename") {
        Some(name) if !name.is_empty() && name.len() <= FILE_NAME_MAX => Ok(name),
        _ => Err("error=invalid_filename".into()),
    }
}

/// `udf-put:filename=F;content=B64;content-len=N[;udf-type=LUA]`.
pub async fn put(shard: &Rc<Shard>, command: &InfoCommand<'_>) -> String {
    match put_checked(shard, command).await {
        Ok(()) => "ok".into(),
        Err(e) => e,
    }
}

async fn put_checked(shard: &Rc<Shard>, command: &InfoCommand<'_>) -> Result<(), String> {
    let name = filename(command)?;
    // An extension, and neither a leading nor a trailing dot.
    match name.find('.') {
        Some(dot) if dot > 0 && dot + 1 < name.len() => {}
        _ => return Err("error=invalid_filename".into()),
    }
    let declared = command.param("content-len").ok_or("error=invalid_content_len")?;
    match command.param("udf-type") {
        None | Some("LUA") => {}
        Some(_) => return Err("error=invalid_udf_type".into()),
    }
    let declared: usize = declared.parse().ok().filter(|n| n % 4 == 0).ok_or("error=invalid_content_len")?;
    let content = command.param("content").filter(|c| c.len() == declared).ok_or("error=invalid_content")?;
    if declared / 4 * 3 > MAX_MODULE_BYTES + 2 {
        return Err("error=invalid_udf_content_len,>1M".into());
    }
    let source = base64::engine::general_purpose::STANDARD
        .decode(content)
        .map_err(|_| "error=invalid_base64_content".to_string())?;
    if source.len() > MAX_MODULE_BYTES {
        return Err("error=invalid_udf_content_len,>1M".into());
    }
    if let Err(e) = check_syntax(name, &source) {
        let message = base64::engine::general_purpose::STANDARD.encode(e.message.as_bytes());
        return Err(format!("error=compile_error;file={};line={};message={message}", e.file, e.line));
    }
    smd::set(shard, Module::Udf, name.to_string(), Some(UdfModule::value(name, content)))
        .await
        .map_err(|_| "error=timeout".to_string())
}

/// `udf-get:filename=F` → `type=LUA;content=B64;`.
pub fn get(shard: &Shard, command: &InfoCommand<'_>) -> String {
    let name = match filename(command) {
        Ok(name) => name,
        Err(e) => return e,
    };
    match shard.state.borrow().udf_modules.get(name) {
        None => "error=not_found".into(),
        Some(m) if m.content64.is_empty() => "error=empty".into(),
        Some(m) => format!("type=LUA;content={};", m.content64),
    }
}

/// `udf-list` → `filename=F,hash=H,type=LUA;` per module.
pub fn list(shard: &Shard) -> String {
    let state = shard.state.borrow();
    state.udf_modules.iter().map(|(name, m)| format!("filename={name},hash={},type=LUA;", m.hash)).collect()
}

/// `udf-remove:filename=F` (`ok` also when there is no such module).
pub async fn remove(shard: &Rc<Shard>, command: &InfoCommand<'_>) -> String {
    let name = match filename(command) {
        Ok(name) => name,
        Err(e) => return e,
    };
    match smd::set(shard, Module::Udf, name.to_string(), None).await {
        Ok(()) => "ok".into(),
        Err(_) => "error=timeout".into(),
    }
}

/// `udf-clear-cache`: every shard of this node drops its cached Lua states (they are built again
/// from the registered modules on the next call).
pub async fn clear_cache(shard: &Rc<Shard>) -> String {
    crate::transaction::udf::clear_cache();
    let _ = shard.run_on_others(|| |_shard: Rc<Shard>| async move { crate::transaction::udf::clear_cache() }).await;
    "ok".into()
}

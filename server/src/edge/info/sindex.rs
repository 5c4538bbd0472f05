//! Secondary index info commands (PROTOCOL-DATA.md §D.1; the order of checks and every reply
//! are Aerospike 8.1's `as_sindex_manager_sindex_create` and friends, as the issue 15 notes
//! transcribe them): `sindex-create`, `sindex-delete`, `sindex-exists`, `sindex-list`,
//! `sindex-stat`, the old `sindex[/<ns>[/<name>]]`, and `smd-show`.
//!
//! A definition goes into the cluster's system metadata (`cluster/smd.rs`); `ok` means every
//! member has accepted it, so `sindex-stat` on any node knows the index at once.

use std::rc::Rc;

use scramjet_engine::sindex::{Collection, KeyType, MAX_INDEXES};
use scramjet_net::expression::ExpType;
use scramjet_net::info::{error_value, InfoCommand};

use crate::cluster::smd;
use crate::ground::smd::{Item, Module};
use crate::shard::Shard;
use crate::transaction::sindex::{check_expression, decode_base64, node_stats, Def, Defined, IndexStats};

/// Longest values (the buffers of Aerospike's parser: a value must be shorter).
const INDEX_NAME_BUF: usize = 64;
const NAMESPACE_BUF: usize = 32;
const SET_BUF: usize = 64;
const BIN_BUF: usize = 16;
const CONTEXT_BUF: usize = 2048;
const EXP_BUF: usize = 16384;

/// A parameter's value: `Ok(None)` if absent; errors for an empty or too long value (code 20
/// for the namespace, 4 otherwise).
fn optional<'a>(command: &InfoCommand<'a>, names: &[&str], buf: usize) -> Result<Option<&'a str>, String> {
    let Some((name, value)) = command.params().find(|(k, _)| names.contains(k)) else { return Ok(None) };
    let code = if names.contains(&"namespace") { 20 } else { 4 };
    if value.is_empty() {
        return Err(error_value(code, &format!("missing '{name}' value")));
    }
    if value.len() >= buf {
        return Err(error_value(code, &format!("'{name}' value too long")));
    }
    Ok(Some(value))
}

/// A required parameter's value.
fn required<'a>(command: &InfoCommand<'a>, names: &[&str], buf: usize) -> Result<&'a str, String> {
    let code = if names.contains(&"namespace") { 20 } else { 4 };
    optional(command, names, buf)?.ok_or_else(|| error_value(code, &format!("missing '{}'", names[0])))
}

fn namespace<'a>(command: &InfoCommand<'a>) -> Result<&'a str, String> {
    required(command, &["namespace", "ns"], NAMESPACE_BUF)
}

/// The namespace's index on this node, or Aerospike's error for one it does not have.
fn local_namespace(shard: &Shard, name: &str) -> Result<usize, String> {
    shard.node.namespaces.iter().position(|n| n == name).ok_or_else(|| error_value(20, "namespace not found on node"))
}

fn key_type(name: &str) -> Option<KeyType> {
    Some(match name.to_ascii_lowercase().as_str() {
        // `integer` is what newer clients send (Aerospike 8.1.3); an alias of numeric.
        "numeric" | "integer" => KeyType::Numeric,
        "string" => KeyType::String,
        "blob" => KeyType::Blob,
        "geo2dsphere" => KeyType::Geo,
        _ => return None,
    })
}

/// An expression result type's name in Aerospike's messages.
fn exp_type_name(ty: ExpType) -> &'static str {
    match ty {
        ExpType::Int => "numeric",
        ExpType::Str => "string",
        ExpType::Blob => "blob",
        ExpType::List => "list",
        ExpType::Map => "map",
        ExpType::Geo => "geojson",
        ExpType::Float => "float",
        ExpType::Bool => "bool",
        ExpType::Hll => "hll",
        ExpType::Nil | ExpType::Remove => "nil",
    }
}

/// Checks a `context=` value: base64 of a canonical msgpack list of read-only levels.
fn check_context(b64: &str) -> Result<(), String> {
    let bytes = decode_base64(b64).ok_or_else(|| error_value(4, "'context' invalid base64"))?;
    let levels = scramjet_engine::cdt::args::context_pairs(&bytes)
        .map_err(|_| error_value(4, "'context' invalid cdt context"))?;
    // Read-only: a known selector on a list, a map or either, no create flags.
    let valid = levels.iter().all(|&(ty, _)| matches!(ty, 0x00..=0x03 | 0x10..=0x13 | 0x20..=0x23) && ty != 0x12);
    if !valid || scramjet_engine::cdt::context::element(&[0x90], &levels).is_err() {
        return Err(error_value(4, "'context' invalid cdt context"));
    }
    match scramjet_engine::cdt::rewrite(&bytes) {
        Ok(canonical) if canonical == bytes => Ok(()),
        _ => Err(error_value(4, "'context' not normalized msgpack")),
    }
}

/// `sindex-create`.
pub async fn create(shard: &Rc<Shard>, command: &InfoCommand<'_>) -> String {
    match create_checked(shard, command).await {
        Ok(()) => "ok".into(),
        Err(e) => e,
    }
}

async fn create_checked(shard: &Rc<Shard>, command: &InfoCommand<'_>) -> Result<(), String> {
    let name = required(command, &["indexname"], INDEX_NAME_BUF)?;
    let ns = namespace(command)?;
    let indextype = command.param("indextype");
    let defined = if indextype.is_some_and(|t| t.eq_ignore_ascii_case("set")) {
        for p in ["context", "indexdata", "type", "bin", "exp"] {
            if command.param(p).is_some() {
                return Err(error_value(4, &format!("{p} parameter is not supported for set index")));
            }
        }
        let set = required(command, &["set"], SET_BUF)?;
        if !shard.node.namespaces.iter().any(|n| n == ns) {
            return Err(error_value(4, "namespace not found"));
        }
        Defined::Set { namespace: ns.into(), set: set.into() }
    } else {
        Defined::Index(parse_definition(command, ns, indextype)?)
    };
    local_namespace(shard, ns)?;
    let key = defined.key();
    let items = smd::live_items(shard, Module::Sindex).await?;
    let in_namespace = |i: &&Item| i.key.split('|').next() == Some(ns);
    let named: Vec<&Item> = items.iter().filter(in_namespace).filter(|i| i.value.as_deref() == Some(name)).collect();
    match named.as_slice() {
        [one] if one.key == key => return Ok(()),
        [] => {}
        [_] => return Err(error_value(200, "'indexname' already exists with different definition")),
        _ => return Err(error_value(200, "'indexname' already exists with multiple definitions")),
    }
    if matches!(defined, Defined::Index(_)) && !items.iter().any(|i| i.key == key) {
        let n = items
            .iter()
            .filter(in_namespace)
            .filter(|i| matches!(Defined::parse(&i.key), Some(Defined::Index(_))))
            .count();
        if n >= MAX_INDEXES {
            return Err(error_value(206, "already at sindex definition limit"));
        }
    }
    smd::set(shard, Module::Sindex, key, Some(name.to_string())).await
}

/// The definition of a value index from `sindex-create`'s parameters (both syntaxes).
fn parse_definition(command: &InfoCommand<'_>, ns: &str, indextype: Option<&str>) -> Result<Def, String> {
    let set = optional(command, &["set"], SET_BUF)?;
    let context = optional(command, &["context"], CONTEXT_BUF)?;
    if let Some(ctx) = context {
        check_context(ctx)?;
    }
    let collection = match indextype {
        None => Collection::Default,
        Some(t) => Collection::from_name(t).ok_or_else(|| {
            error_value(4, "bad 'indextype' - must be one of 'default', 'list', 'mapkeys', 'mapvalues'")
        })?,
    };
    let (indexdata, ty) = (command.param("indexdata"), command.param("type"));
    let (bin, exp, key_type) = match (indexdata, ty) {
        (None, None) => return Err(error_value(4, "both 'indexdata' and 'type' are missing")),
        (Some(_), Some(_)) => return Err(error_value(4, "both 'indexdata' and 'type' are specified")),
        (None, Some(ty)) => {
            let key_type = key_type(ty).ok_or_else(|| {
                error_value(4, "bad 'type' - must be one of 'numeric', 'string', 'blob', 'geo2dsphere'")
            })?;
            let bin = optional(command, &["bin"], BIN_BUF)?;
            let exp = optional(command, &["exp"], EXP_BUF)?;
            match (bin, exp) {
                (Some(_), Some(_)) => return Err(error_value(4, "both 'bin' and 'exp' are specified")),
                (None, None) => return Err(error_value(4, "both 'bin' and 'exp' are missing")),
                (None, Some(_)) if context.is_some() => {
                    return Err(error_value(4, "both 'context' and 'exp' are specified"))
                }
                (None, Some(exp)) => {
                    check_index_expression(exp, collection, key_type)?;
                    (String::new(), Some(exp.to_string()), key_type)
                }
                (Some(bin), None) => (bin.to_string(), None, key_type),
            }
        }
        (Some(data), None) => {
            let (bin, ty) = data.split_once(',').ok_or_else(|| error_value(4, "'indexdata' missing bin type"))?;
            if bin.is_empty() {
                return Err(error_value(4, "'indexdata' missing bin name"));
            }
            if bin.len() >= BIN_BUF {
                return Err(error_value(4, "'indexdata' bin name too long"));
            }
            let key_type = key_type(ty).ok_or_else(|| {
                error_value(4, "bad 'indexdata' bin type - must be one of 'numeric', 'string', 'blob', 'geo2dsphere'")
            })?;
            (bin.to_string(), None, key_type)
        }
    };
    if collection == Collection::MapKeys && key_type == KeyType::Geo {
        return Err(error_value(
            4,
            "bad 'indexdata' bin type for 'indextype' 'mapkeys' - must be one of 'numeric', 'string', 'blob'",
        ));
    }
    Ok(Def {
        namespace: ns.to_string(),
        set: set.map(str::to_string),
        bin,
        context: context.map(str::to_string),
        exp,
        collection,
        key_type,
    })
}

/// An index expression must decode, read a bin, and give the type the index holds.
fn check_index_expression(b64: &str, collection: Collection, key_type: KeyType) -> Result<(), String> {
    let bytes = decode_base64(b64).ok_or_else(|| error_value(4, "bad 'exp'"))?;
    let got = check_expression(&bytes).map_err(|e| error_value(4, e))?;
    let (want, want_name) = match collection {
        Collection::Default => {
            let ty = match key_type {
                KeyType::Numeric => ExpType::Int,
                KeyType::String => ExpType::Str,
                KeyType::Blob => ExpType::Blob,
                KeyType::Geo => ExpType::Geo,
            };
            (ty, exp_type_name(ty))
        }
        Collection::List => (ExpType::List, "list"),
        Collection::MapKeys | Collection::MapValues => (ExpType::Map, "map"),
    };
    if got != want {
        return Err(error_value(
            4,
            &format!("bad 'exp' - expression type '{}' does not match expected type '{want_name}'", exp_type_name(got)),
        ));
    }
    Ok(())
}

/// `sindex-delete`: `ok` also when there is no such index.
pub async fn delete(shard: &Rc<Shard>, command: &InfoCommand<'_>) -> String {
    let checked = async {
        let name = required(command, &["indexname"], INDEX_NAME_BUF)?;
        let ns = namespace(command)?;
        let items = smd::live_items(shard, Module::Sindex).await?;
        let named: Vec<&Item> =
            items.iter().filter(|i| i.key.split('|').next() == Some(ns) && i.value.as_deref() == Some(name)).collect();
        match named.as_slice() {
            [] => Ok(()),
            [one] => smd::set(shard, Module::Sindex, one.key.clone(), None).await,
            _ => Err(error_value(200, "'indexname' is not unique")),
        }
    };
    match checked.await {
        Ok(()) => "ok".into(),
        Err(e) => e,
    }
}

/// One index as `sindex-list` shows it.
struct Listed {
    ns: String,
    name: String,
    defined: Defined,
}

/// The node's definitions of namespaces it has, in creation order.
async fn listed(shard: &Rc<Shard>, ns: Option<&str>) -> Result<Vec<Listed>, String> {
    let items = smd::live_items(shard, Module::Sindex).await?;
    Ok(items
        .into_iter()
        .filter_map(|item| {
            let defined = Defined::parse(&item.key)?;
            let item_ns = match &defined {
                Defined::Index(d) => d.namespace.clone(),
                Defined::Set { namespace, .. } => namespace.clone(),
            };
            if ns.is_some_and(|n| n != item_ns) || !shard.node.namespaces.contains(&item_ns) {
                return None;
            }
            Some(Listed { ns: item_ns, name: item.value?, defined })
        })
        .collect())
}

fn list_text(listed: &[Listed], stats: &[IndexStats], shard: &Shard) -> String {
    let null = |s: Option<&str>| s.filter(|s| !s.is_empty()).unwrap_or("null").to_string();
    let mut values = Vec::new();
    let mut sets = Vec::new();
    for l in listed {
        match &l.defined {
            Defined::Index(d) => {
                let ns_index = shard.node.namespaces.iter().position(|n| *n == l.ns);
                let Some(stat) = stats.iter().find(|s| Some(s.ns) == ns_index && s.name == l.name) else { continue };
                values.push(format!(
                    "ns={}:indexname={}:set={}:bin={}:type={}:indextype={}:context={}:exp={}:state={}",
                    l.ns,
                    l.name,
                    null(d.set.as_deref()),
                    null(Some(&d.bin)),
                    d.key_type.name(),
                    d.collection.name(),
                    null(d.context.as_deref()),
                    null(d.exp.as_deref()),
                    if stat.readable { "RW" } else { "WO" }
                ));
            }
            Defined::Set { set, .. } => sets.push(format!("ns={}:indexname={}:set={set}:indextype=set", l.ns, l.name)),
        }
    }
    values.extend(sets);
    values.join(";")
}

/// `sindex-list[:ns=<ns>][;b64=true|false]`. Contexts and expressions are shown in base64
/// either way (Aerospike renders them as text without `b64=true`).
pub async fn list(shard: &Rc<Shard>, command: &InfoCommand<'_>) -> String {
    let ns = command.param("ns").or(command.param("namespace"));
    if let Some(ns) = ns {
        if let Err(e) = local_namespace(shard, ns) {
            return e;
        }
    }
    if let Some(b64) = command.param("b64") {
        if !b64.eq_ignore_ascii_case("true") && !b64.eq_ignore_ascii_case("false") {
            return error_value(4, "bad b64");
        }
    }
    list_for(shard, ns).await
}

async fn list_for(shard: &Rc<Shard>, ns: Option<&str>) -> String {
    let (listed, stats) = match (listed(shard, ns).await, node_stats(shard, false).await) {
        (Ok(l), Some(s)) => (l, s),
        (Err(e), _) => return e,
        (_, None) => return error_value(1, "node is shutting down"),
    };
    list_text(&listed, &stats, shard)
}

/// The index name, then the (local) namespace of `sindex-exists` and `sindex-stat`.
fn name_and_namespace<'a>(shard: &Shard, command: &InfoCommand<'a>) -> Result<(&'a str, usize), String> {
    let name = required(command, &["indexname"], INDEX_NAME_BUF)?;
    Ok((name, local_namespace(shard, namespace(command)?)?))
}

/// `sindex-exists`.
pub async fn exists(shard: &Rc<Shard>, command: &InfoCommand<'_>) -> String {
    let (name, ns) = match name_and_namespace(shard, command) {
        Ok(found) => found,
        Err(e) => return e,
    };
    match node_stats(shard, false).await {
        Some(stats) => stats.iter().any(|s| s.ns == ns && s.name == name).to_string(),
        None => error_value(1, "node is shutting down"),
    }
}

/// `sindex-stat`.
pub async fn stat(shard: &Rc<Shard>, command: &InfoCommand<'_>) -> String {
    match name_and_namespace(shard, command) {
        Ok((name, ns)) => stat_text(shard, ns, name).await,
        Err(e) => e,
    }
}

async fn stat_text(shard: &Rc<Shard>, ns: usize, name: &str) -> String {
    let Some(stats) = node_stats(shard, true).await else { return error_value(1, "node is shutting down") };
    if let Some(s) = stats.iter().find(|s| s.ns == ns && s.name == name) {
        let (per_bval, per_rec) = s.cardinality();
        return format!(
            "entries={};used_bytes={};entries_per_bval={per_bval};entries_per_rec={per_rec};load_pct={};load_time={};stat_gc_recs=0",
            s.entries,
            s.used_bytes,
            s.load_pct(),
            s.load_time_ms
        );
    }
    // A set index: its set's records.
    let namespace = shard.node.namespaces[ns].clone();
    match listed(shard, Some(&namespace)).await {
        Ok(listed) => {
            let set = listed.iter().find_map(|l| match &l.defined {
                Defined::Set { set, .. } if l.name == name => Some(set.clone()),
                _ => None,
            });
            match set {
                Some(set) => {
                    let entries = set_objects(shard, ns, &set).await;
                    format!("entries={entries};used_bytes=0;load_pct=100")
                }
                None => error_value(201, "no index"),
            }
        }
        Err(e) => e,
    }
}

/// Records of a set on one shard.
fn set_objects_here(shard: &Shard, ns: usize, set: &str) -> u64 {
    let state = shard.state.borrow();
    state.namespaces[ns]
        .stores
        .iter()
        .flat_map(|s| s.sets().iter().filter(|(name, _)| *name == set.as_bytes()).map(|(_, stats)| stats.objects))
        .sum()
}

/// Records of a set over every shard.
async fn set_objects(shard: &Rc<Shard>, ns: usize, set: &str) -> u64 {
    let mut total = set_objects_here(shard, ns, set);
    let set = set.to_string();
    if let Ok(others) = shard
        .run_on_others(|| {
            let set = set.clone();
            move |shard: Rc<Shard>| async move { set_objects_here(&shard, ns, &set) }
        })
        .await
    {
        total += others.into_iter().sum::<u64>();
    }
    total
}

/// The old `sindex` (every index), `sindex/<ns>` and `sindex/<ns>/<name>` (its statistics).
pub async fn old(shard: &Rc<Shard>, command: &InfoCommand<'_>) -> String {
    let mut args = command.path_args();
    match (args.next(), args.next()) {
        (None, _) => list_for(shard, None).await,
        (Some(ns), None) => match local_namespace(shard, ns) {
            Ok(_) => list_for(shard, Some(ns)).await,
            Err(e) => e,
        },
        (Some(ns), Some(name)) => match shard.node.namespaces.iter().position(|n| n == ns) {
            Some(index) => stat_text(shard, index, name).await,
            None => "ns_type=unknown".into(),
        },
    }
}

/// `smd-show:module=<name>`: a module's live items, `key=value;...`, or `<empty>`.
pub async fn smd_show(shard: &Rc<Shard>, command: &InfoCommand<'_>) -> String {
    let Some(name) = command.param("module") else { return error_value(4, "missing 'module'") };
    let Some(module) = Module::from_name(name) else { return error_value(4, "unknown 'module'") };
    if module == Module::Security {
        // Credentials are not for show: users and roles are queried with the admin commands.
        return error_value(4, "module 'security' is shown by the admin commands");
    }
    match smd::live_items(shard, module).await {
        Ok(items) if items.is_empty() => "<empty>".into(),
        Ok(items) => items
            .iter()
            .map(|i| format!("{}={}", i.key, i.value.as_deref().unwrap_or_default()))
            .collect::<Vec<_>>()
            .join(";"),
        Err(e) => e,
    }
}

//! `truncate:namespace=NS;set=SET[;lut=NANOS]` and `truncate-namespace:namespace=NS[;lut=NANOS]`.
//!
//! Records last updated before the truncate time (now, or `lut` in nanoseconds since the Unix
//! epoch) disappear at once on every shard and stay gone after a restart: each shard writes a
//! truncate marker, and on devices the answer waits until the markers are durable. In a cluster
//! the node asked passes the truncate, with its time, to every other member over the fabric.

use std::rc::Rc;

use scramjet_engine::clock::CITRUSLEAF_EPOCH_UNIX_SECS;
use scramjet_engine::set::SET_NAME_MAX_LEN;
use scramjet_net::fabric::FabricMessage;
use scramjet_net::info::{error_value, InfoCommand};

use crate::shard::Shard;

/// Answers `truncate` (with a set) and `truncate-namespace` (without).
pub async fn truncate(shard: &Shard, command: &InfoCommand<'_>, whole_namespace: bool) -> String {
    let Some(ns) = command.param("namespace") else {
        return error_value(4, "namespace required (namespace=NAME)");
    };
    let index = shard.node.namespaces.iter().position(|n| n == ns);
    let set = match (whole_namespace, command.param("set")) {
        (true, _) => None,
        (false, Some(set)) if !set.is_empty() && set.len() <= SET_NAME_MAX_LEN => Some(set.as_bytes().to_vec()),
        (false, _) => return error_value(4, "set required (set=NAME, 1 to 63 characters)"),
    };
    let now = crate::ground::clock::now();
    let lut_ms = match command.param("lut") {
        // Everything written up to now, this millisecond included (later writes are lifted
        // above the truncate time by the engine).
        None | Some("0") => now.clepoch_ms + 1,
        Some(text) => match text.parse::<u64>() {
            Ok(nanos) => {
                let unix_ms = nanos / 1_000_000;
                let epoch_ms = CITRUSLEAF_EPOCH_UNIX_SECS * 1000;
                if unix_ms <= epoch_ms {
                    return error_value(4, "lut is before 2010-01-01");
                }
                if unix_ms - epoch_ms > now.clepoch_ms {
                    return error_value(4, "lut is in the future");
                }
                unix_ms - epoch_ms
            }
            Err(_) => return error_value(4, "lut must be nanoseconds since the Unix epoch"),
        },
    };
    // Aerospike accepts a truncate of a namespace it does not have (the command goes into its
    // system metadata, where nothing picks it up): "ok", and nothing happens.
    let Some(index) = index else {
        crate::log!(Info, "info", "truncate of unknown namespace {ns}: nothing to do");
        return "ok".into();
    };
    if let Err(e) = truncate_node(shard, index, set.as_deref(), lut_ms).await {
        return e;
    }
    // Every other member truncates too, at the same time, so that no copy survives.
    let (map, name) = (shard.state.borrow().map.clone(), shard.node.namespaces[index].clone());
    let mut command = format!("truncate:namespace={name};lut-ms={lut_ms}");
    if let Some(set) = &set {
        command.push_str(&format!(";set={}", String::from_utf8_lossy(set)));
    }
    for peer in &map.peers {
        let reply = crate::shard::transport::call(shard, peer.id, &FabricMessage::Command(command.as_bytes())).await;
        match reply.as_deref().map(scramjet_net::fabric::decode) {
            Ok(Ok((_, FabricMessage::CommandReply(b"ok")))) => {}
            Ok(Ok((_, FabricMessage::CommandReply(error)))) => return String::from_utf8_lossy(error).into_owned(),
            _ => return error_value(9, &format!("node {:X} did not confirm the truncate", peer.id)),
        }
    }
    let what = set.as_deref().map_or("all sets".to_string(), |s| format!("set {}", String::from_utf8_lossy(s)));
    crate::log!(Info, "info", "{{{ns}}} truncated {what} before {lut_ms} ms (citrusleaf epoch)");
    "ok".into()
}

/// A truncate another member passed on (`truncate:namespace=NS[;set=S];lut-ms=N`): carried out
/// on this node only.
pub async fn from_peer(shard: &Shard, text: &str) -> String {
    let Some(params) = text.strip_prefix("truncate:") else {
        return error_value(4, "unknown cluster command");
    };
    let param = |name: &str| params.split(';').find_map(|kv| kv.strip_prefix(name)?.strip_prefix('='));
    let Some(index) = param("namespace").and_then(|ns| shard.node.namespaces.iter().position(|n| n == ns)) else {
        // As for a client's truncate: an unknown namespace has nothing to truncate.
        return "ok".into();
    };
    let Some(lut_ms) = param("lut-ms").and_then(|v| v.parse().ok()) else {
        return error_value(4, "lut-ms required");
    };
    match truncate_node(shard, index, param("set").map(str::as_bytes), lut_ms).await {
        Ok(()) => "ok".into(),
        Err(e) => e,
    }
}

/// Truncates on every shard of this node; each answers once its marker is durable.
async fn truncate_node(shard: &Shard, index: usize, set: Option<&[u8]>, lut_ms: u64) -> Result<(), String> {
    let set = set.map(<[u8]>::to_vec);
    truncate_shard(shard, index, set.as_deref(), lut_ms).await?;
    let replies = shard
        .run_on_others(|| {
            let set = set.clone();
            move |shard: Rc<Shard>| async move { truncate_shard(&shard, index, set.as_deref(), lut_ms).await }
        })
        .await;
    let Ok(replies) = replies else { return Err(error_value(1, "node is shutting down")) };
    replies.into_iter().collect()
}

/// Truncates on this shard's stores, once the markers are durable.
async fn truncate_shard(shard: &Shard, index: usize, set: Option<&[u8]>, lut_ms: u64) -> Result<(), String> {
    let waits = shard.state.borrow_mut().namespaces[index].truncate(index, set, lut_ms);
    for durability in waits.map_err(|e| error_value(8, &e.to_string()))? {
        crate::storage::wait_durable(shard, durability).await;
    }
    Ok(())
}

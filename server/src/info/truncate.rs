//! `truncate:namespace=NS;set=SET[;lut=NANOS]` and `truncate-namespace:namespace=NS[;lut=NANOS]`.
//!
//! Records last updated before the truncate time (now, or `lut` in nanoseconds since the Unix
//! epoch) disappear at once on every shard and stay gone after a restart: each shard writes a
//! truncate marker, and on devices the answer waits until the markers are durable.

use scramjet_engine::clock::CITRUSLEAF_EPOCH_UNIX_SECS;
use scramjet_engine::set::SET_NAME_MAX_LEN;
use scramjet_net::info::{error_value, InfoCommand};

use crate::shard::mesh::{ShardReply, ShardRequest};
use crate::shard::Shard;

/// Answers `truncate` (with a set) and `truncate-namespace` (without).
pub async fn truncate(shard: &Shard, command: &InfoCommand<'_>, whole_namespace: bool) -> String {
    let Some(ns) = command.param("namespace") else {
        return error_value(4, "namespace required (namespace=NAME)");
    };
    let Some(index) = shard.node.namespaces.iter().position(|n| n == ns) else {
        return error_value(20, "namespace not found");
    };
    let set = match (whole_namespace, command.param("set")) {
        (true, _) => None,
        (false, Some(set)) if !set.is_empty() && set.len() <= SET_NAME_MAX_LEN => Some(set.as_bytes().to_vec()),
        (false, _) => return error_value(4, "set required (set=NAME, 1 to 63 characters)"),
    };
    let now = crate::clock::now();
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
    // This shard first, then every other; each answers once its marker is durable.
    let local = shard.state.borrow_mut().truncate(index, set.as_deref(), lut_ms);
    match local {
        Ok(waits) => {
            for durability in waits {
                crate::storage::wait_durable(shard, durability).await;
            }
        }
        Err(e) => return error_value(8, &e.to_string()),
    }
    let replies = shard.call_all(|| ShardRequest::Truncate { index, set: set.clone(), lut_ms }).await;
    let Ok(replies) = replies else { return error_value(1, "node is shutting down") };
    if let Some(ShardReply::Failed(reason)) = replies.iter().find(|r| matches!(r, ShardReply::Failed(_))) {
        return error_value(8, reason);
    }
    let what = set.as_deref().map_or("all sets".to_string(), |s| format!("set {}", String::from_utf8_lossy(s)));
    crate::log!(Info, "info", "{{{ns}}} truncated {what} before {lut_ms} ms (citrusleaf epoch)");
    "ok".into()
}

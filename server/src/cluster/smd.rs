//! How system metadata travels (after Aerospike's `smd.c`): every change goes through the
//! principal (the first node of the succession list), which gives it its version, keeps it,
//! and passes it to every other member; the change is done — and the info command that asked
//! for it answers `ok` — once every member has kept it and applied it on all its shards.
//! After a membership change the principal gathers every member's items, keeps the newest
//! version of each key, and sends the result to all, so nodes that were apart converge (a
//! delete wins over an older definition because it is a newer version: a tombstone).
//!
//! The items live on shard 0 of each node (`ShardState::smd`); the other shards receive what
//! they must apply. Between nodes the messages are fabric commands:
//! `smd-set:<module>\n<json item>` (to the principal), `smd-apply:<module>\n<json items>`
//! (from it), `smd-pull` (to a member: all its items, as `{"module": [items]}`).

use std::rc::Rc;
use std::time::{Duration, Instant};

use scramjet_net::fabric::{self, FabricMessage};
use scramjet_net::info::error_value;
use serde_json::Value;

use crate::ground::smd::{items_from_json, items_to_json, Item, Module};
use crate::shard::Shard;

/// How long a change may take to reach every member (Aerospike's `DEFAULT_SET_TIMEOUT_MS`).
const SET_TIMEOUT: Duration = Duration::from_secs(2);
/// Pause before asking again when the principal is changing.
const RETRY: Duration = Duration::from_millis(100);

/// Changes `key` of `module` to `value` (`None` deletes it) cluster-wide. `Ok` once every
/// member has it; an info error value (`ERROR:9:timeout`) if that did not happen in time.
pub async fn set(shard: &Rc<Shard>, module: Module, key: String, value: Option<String>) -> Result<(), String> {
    let deadline = Instant::now() + SET_TIMEOUT;
    let mut request = format!("smd-set:{}\n", module.name());
    request.push_str(&items_to_json(&[Item { key: key.clone(), value: value.clone(), generation: 0, timestamp: 0 }]));
    loop {
        let (me, principal) = {
            let map = shard.state.borrow().map.clone();
            (map.me, map.succession.first().copied().unwrap_or(map.me))
        };
        let outcome = if principal == me {
            commit(shard, module, key.clone(), value.clone(), deadline).await
        } else {
            match command(shard, principal, &request).await {
                Some(reply) if reply == "ok" => Ok(()),
                Some(reply) if reply.starts_with("ERROR:9:") => Err(reply),
                // Not (or no longer) the principal, or unreachable: ask again below.
                _ => Err(error_value(9, "timeout")),
            }
        };
        match outcome {
            Ok(()) => return Ok(()),
            Err(e) if Instant::now() >= deadline => return Err(e),
            Err(_) => {
                glommio::timer::Timer::new(RETRY).await;
            }
        }
    }
}

/// On the principal: versions the change, keeps it, applies it here, and passes it to every
/// member, waiting (until `deadline`) for each to confirm.
async fn commit(
    shard: &Rc<Shard>,
    module: Module,
    key: String,
    value: Option<String>,
    deadline: Instant,
) -> Result<(), String> {
    let map = shard.state.borrow().map.clone();
    let cluster_key = map.key;
    let changed = on_shard0(shard, move |shard: Rc<Shard>| async move {
        let now_ms = crate::ground::clock::now().clepoch_ms;
        let item = {
            let mut state = shard.state.borrow_mut();
            let smd = state.smd.as_mut().expect("shard 0 keeps the system metadata");
            let item = smd.module(module).change(&key, value.as_deref(), now_ms)?;
            smd.module_mut(module).offer(item.clone());
            let (committed_key, count) = smd.module(module).committed;
            let count = if committed_key == cluster_key { count + 1 } else { 1 };
            smd.module_mut(module).committed = (cluster_key, count);
            save(smd, module);
            item
        };
        apply_everywhere(&shard, module, std::slice::from_ref(&item)).await;
        Some(item)
    })
    .await?;
    // An unchanged value is no change: nothing to pass on.
    let Some(item) = changed else { return Ok(()) };
    let message = format!("smd-apply:{}\n{}", module.name(), items_to_json(&[item]));
    for peer in &map.peers {
        loop {
            match command(shard, peer.id, &message).await {
                Some(reply) if reply == "ok" => break,
                _ if Instant::now() >= deadline => {
                    crate::log!(
                        Warning,
                        "smd",
                        "node {:X} did not confirm a {} change; it gets it when the cluster next changes",
                        peer.id,
                        module.name()
                    );
                    return Err(error_value(9, "timeout"));
                }
                _ => {
                    glommio::timer::Timer::new(RETRY).await;
                }
            }
        }
    }
    Ok(())
}

/// Writes a module's file; a failure is logged (the change is kept in memory and the file is
/// written again at the next change, as Aerospike does).
fn save(smd: &crate::ground::smd::Smd, module: Module) {
    if let Err(e) = smd.save(module) {
        crate::log!(Warning, "smd", "{e}");
    }
}

/// Runs `work` on shard 0 (here if this is shard 0).
async fn on_shard0<R, F, Fut>(shard: &Rc<Shard>, work: F) -> Result<R, String>
where
    F: FnOnce(Rc<Shard>) -> Fut + Send + 'static,
    Fut: std::future::Future<Output = R> + 'static,
    R: Send + 'static,
{
    if shard.id == 0 {
        return Ok(work(shard.clone()).await);
    }
    shard.run_on(0, work).await.map_err(|_| error_value(1, "node is shutting down"))
}

/// Applies changed items on every shard of this node (the accept callbacks of the module).
async fn apply_everywhere(shard: &Rc<Shard>, module: Module, items: &[Item]) {
    if items.is_empty() {
        return;
    }
    accept(shard, module, items);
    let items = items.to_vec();
    let _ = shard
        .run_on_others(|| {
            let items = items.clone();
            move |shard: Rc<Shard>| async move { accept(&shard, module, &items) }
        })
        .await;
}

/// A module's accept callback on one shard: what the shard does with changed items.
pub fn accept(shard: &Rc<Shard>, module: Module, items: &[Item]) {
    match module {
        Module::Sindex => crate::transaction::sindex::accept(shard, items),
        Module::Udf => crate::transaction::udf::accept(shard, items),
        Module::Security => {
            let mut state = shard.state.borrow_mut();
            state.security = std::rc::Rc::new(state.security.with(items));
        }
    }
}

/// Sends a fabric command to `to` and returns its text reply (`None` if it did not answer).
async fn command(shard: &Shard, to: u64, text: &str) -> Option<String> {
    let reply = crate::shard::transport::call(shard, to, &FabricMessage::Command(text.as_bytes())).await.ok()?;
    match fabric::decode(&reply) {
        Ok((_, FabricMessage::CommandReply(answer))) => Some(String::from_utf8_lossy(answer).into_owned()),
        _ => None,
    }
}

/// True if `text` is a system-metadata command between nodes.
pub fn is_command(text: &str) -> bool {
    text.starts_with("smd-")
}

/// Answers a system-metadata command from another node.
pub async fn from_peer(shard: &Rc<Shard>, text: &str) -> String {
    let (head, body) = text.split_once('\n').unwrap_or((text, ""));
    let module = |name: &str| Module::from_name(name).ok_or_else(|| error_value(4, "unknown module"));
    let result = match head.split_once(':') {
        Some(("smd-set", name)) => match (module(name), items_from_json(body).as_deref()) {
            (Ok(module), Some([item])) => {
                let map = shard.state.borrow().map.clone();
                if map.succession.first() != Some(&map.me) {
                    Err(error_value(1, "not the principal"))
                } else {
                    let deadline = Instant::now() + SET_TIMEOUT;
                    commit(shard, module, item.key.clone(), item.value.clone(), deadline).await
                }
            }
            (Err(e), _) => Err(e),
            _ => Err(error_value(4, "bad items")),
        },
        Some(("smd-apply", name)) => match (module(name), items_from_json(body)) {
            (Ok(module), Some(items)) => receive(shard, module, items).await,
            (Err(e), _) => Err(e),
            _ => Err(error_value(4, "bad items")),
        },
        None if head == "smd-pull" => return everything(shard).await,
        _ => Err(error_value(4, "unknown system metadata command")),
    };
    match result {
        Ok(()) => "ok".into(),
        Err(e) => e,
    }
}

/// Keeps the items newer than this node's versions and applies them.
async fn receive(shard: &Rc<Shard>, module: Module, items: Vec<Item>) -> Result<(), String> {
    on_shard0(shard, move |shard: Rc<Shard>| async move {
        let changed: Vec<Item> = {
            let mut state = shard.state.borrow_mut();
            let smd = state.smd.as_mut().expect("shard 0 keeps the system metadata");
            let changed: Vec<Item> =
                items.into_iter().filter(|item| smd.module_mut(module).offer(item.clone())).collect();
            if !changed.is_empty() {
                save(smd, module);
            }
            changed
        };
        apply_everywhere(&shard, module, &changed).await;
    })
    .await
}

/// Every module's items (tombstones included) as `{"module": [items]}`.
async fn everything(shard: &Rc<Shard>) -> String {
    on_shard0(shard, |shard: Rc<Shard>| async move {
        let state = shard.state.borrow();
        let smd = state.smd.as_ref().expect("shard 0 keeps the system metadata");
        let mut object = serde_json::Map::new();
        for module in Module::ALL {
            let items: Value = serde_json::from_str(&items_to_json(smd.module(module).items())).unwrap_or_default();
            object.insert(module.name().into(), items);
        }
        Value::Object(object).to_string()
    })
    .await
    .unwrap_or_else(|e| e)
}

/// After a membership change, on the principal: gathers every member's items, keeps the
/// newest version of each key, applies what changed here, and sends the result to every
/// member. A member that does not answer gets it at the next change.
pub async fn synchronize(shard: Rc<Shard>) {
    let map = shard.state.borrow().map.clone();
    if map.succession.first() != Some(&map.me) || map.peers.is_empty() {
        return;
    }
    for peer in &map.peers {
        let Some(reply) = command(&shard, peer.id, "smd-pull").await else {
            crate::log!(Warning, "smd", "node {:X} did not send its system metadata", peer.id);
            continue;
        };
        let Ok(Value::Object(modules)) = serde_json::from_str::<Value>(&reply) else { continue };
        for module in Module::ALL {
            let Some(items) = modules.get(module.name()).and_then(|v| items_from_json(&v.to_string())) else {
                continue;
            };
            let _ = receive(&shard, module, items).await;
        }
    }
    let all = on_shard0(&shard, |shard: Rc<Shard>| async move {
        let state = shard.state.borrow();
        let smd = state.smd.as_ref().expect("shard 0 keeps the system metadata");
        Module::ALL.map(|m| (m, items_to_json(smd.module(m).items())))
    })
    .await;
    let Ok(all) = all else { return };
    for peer in &map.peers {
        for (module, items) in &all {
            let message = format!("smd-apply:{}\n{items}", module.name());
            if command(&shard, peer.id, &message).await.as_deref() != Some("ok") {
                crate::log!(Warning, "smd", "node {:X} did not take the merged {}", peer.id, module.name());
            }
        }
    }
}

/// One module's live items on this node (from shard 0).
pub async fn live_items(shard: &Rc<Shard>, module: Module) -> Result<Vec<Item>, String> {
    on_shard0(shard, move |shard: Rc<Shard>| async move {
        let state = shard.state.borrow();
        state.smd.as_ref().map_or_else(Vec::new, |smd| smd.module(module).live().cloned().collect())
    })
    .await
}

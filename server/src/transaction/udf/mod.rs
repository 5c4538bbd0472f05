//! Lua UDFs (PROTOCOL-DATA.md §E). Here: what a shard keeps of the registered modules (each
//! shard its own copy, from the cluster's system metadata), the Lua syntax check a module
//! passes before it is registered, and each shard's cache of Lua states. Running them:
//! [`lua`] (the sandboxed runtime and Aerospike's Lua modules), [`value`] (values between Lua,
//! msgpack and bins), [`record`] (the `record` a UDF works on), [`apply`] (record UDFs).

pub mod apply;
pub mod lua;
pub mod record;
pub mod stream;
pub mod value;

use std::cell::RefCell;
use std::collections::{BTreeMap, HashMap};
use std::rc::Rc;

use base64::Engine as _;

use crate::ground::smd::{Item, UdfModule};
use crate::shard::{Shard, ShardState};

/// Largest module, decoded (Aerospike's `MAX_UDF_CONTENT_LENGTH`).
pub const MAX_MODULE_BYTES: usize = 1024 * 1024;

/// A module that does not compile: where, and Lua's message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CompileError {
    /// The module's file name.
    pub file: String,
    /// The line Lua names (0 if it names none).
    pub line: u32,
    /// Lua's message, without the file and line.
    pub message: String,
}

/// Compiles `source` as the Lua 5.4 chunk `file` without running it (Aerospike's
/// `as_module_validate`); Lua's syntax error if it does not compile.
pub fn check_syntax(file: &str, source: &[u8]) -> Result<(), CompileError> {
    let lua = mlua::Lua::new_with(mlua::StdLib::NONE, mlua::LuaOptions::default()).map_err(|e| CompileError {
        file: file.to_string(),
        line: 0,
        message: e.to_string(),
    })?;
    match lua.load(source).set_name(format!("@{file}")).into_function() {
        Ok(_) => Ok(()),
        Err(mlua::Error::SyntaxError { message, .. }) => Err(parse_lua_error(file, &message)),
        Err(e) => Err(CompileError { file: file.to_string(), line: 0, message: e.to_string() }),
    }
}

/// Splits Lua's `file:LINE: message` into its parts.
fn parse_lua_error(file: &str, text: &str) -> CompileError {
    let rest = text.strip_prefix(file).and_then(|r| r.strip_prefix(':'));
    if let Some((line, message)) = rest.and_then(|r| r.split_once(':')) {
        if let Ok(line) = line.parse() {
            return CompileError { file: file.to_string(), line, message: message.trim_start().to_string() };
        }
    }
    CompileError { file: file.to_string(), line: 0, message: text.to_string() }
}

/// Idle Lua states kept per module and shard.
const IDLE_STATES_PER_MODULE: usize = 16;

/// A shard's Lua states: per module, the idle ones, each with the module loaded. Kept by the
/// shard's own thread (every shard is one thread), so no state is ever shared between shards;
/// emptied whenever a module changes, since a module may `require` another.
#[derive(Default)]
struct Runtime {
    idle: HashMap<String, Vec<lua::State>>,
    /// Every module's decoded source, built when a state is first needed.
    sources: Option<Rc<BTreeMap<String, Vec<u8>>>>,
}

thread_local! {
    static RUNTIME: RefCell<Runtime> = RefCell::new(Runtime::default());
}

/// A Lua state with module `file` loaded, for one call: an idle one, or a new one.
pub fn take_state(state: &ShardState, file: &str, memory_limit: usize) -> Result<lua::State, String> {
    RUNTIME.with(|runtime| {
        let mut runtime = runtime.borrow_mut();
        if let Some(idle) = runtime.idle.get_mut(file).and_then(Vec::pop) {
            return Ok(idle);
        }
        let sources = runtime
            .sources
            .get_or_insert_with(|| {
                let decode = |m: &UdfModule| base64::engine::general_purpose::STANDARD.decode(&m.content64).ok();
                Rc::new(state.udf_modules.iter().filter_map(|(name, m)| Some((name.clone(), decode(m)?))).collect())
            })
            .clone();
        if !sources.contains_key(file) {
            return Err("module not registered".into());
        }
        lua::State::new(file, sources, memory_limit)
    })
}

/// Returns a state after a call, for the next one.
pub fn give_back(file: &str, state: lua::State) {
    RUNTIME.with(|runtime| {
        let mut runtime = runtime.borrow_mut();
        let idle = runtime.idle.entry(file.to_string()).or_default();
        if idle.len() < IDLE_STATES_PER_MODULE {
            idle.push(state);
        }
    });
}

/// Drops every cached Lua state of this shard (`udf-clear-cache`, and after module changes).
pub fn clear_cache() {
    RUNTIME.with(|runtime| *runtime.borrow_mut() = Runtime::default());
}

/// Accepts changed modules on this shard: registered ones are (re)placed, removed ones go.
pub fn accept(shard: &Rc<Shard>, items: &[Item]) {
    clear_cache();
    let mut state = shard.state.borrow_mut();
    for item in items {
        match item.value.as_deref().map(UdfModule::from_value) {
            Some(Some(module)) => {
                state.udf_modules.insert(item.key.clone(), module);
            }
            Some(None) => crate::log!(Warning, "udf", "module {} has a damaged record: ignored", item.key),
            None => {
                state.udf_modules.remove(&item.key);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lua_syntax_is_checked_without_running() {
        assert_eq!(check_syntax("ok.lua", b"function f(rec) return 1 end\nerror('not run')"), Ok(()));
        let e = check_syntax("bad.lua", b"function f(rec)\n  return 1 +\nend\n").unwrap_err();
        assert_eq!((e.file.as_str(), e.line), ("bad.lua", 3));
        assert!(e.message.contains("unexpected symbol"), "{e:?}");
    }
}

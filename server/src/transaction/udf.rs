//! UDF modules (PROTOCOL-DATA.md §E.1): what a shard keeps of the registered modules (each
//! shard its own copy, from the cluster's system metadata), and the Lua syntax check a module
//! passes before it is registered. Running UDFs builds on these.

use std::rc::Rc;

use crate::ground::smd::{Item, UdfModule};
use crate::shard::Shard;

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

/// Accepts changed modules on this shard: registered ones are (re)placed, removed ones go.
pub fn accept(shard: &Rc<Shard>, items: &[Item]) {
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

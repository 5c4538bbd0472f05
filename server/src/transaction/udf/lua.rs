//! The Lua runtime a UDF runs in (PROTOCOL-DATA.md §E.4): a sandboxed Lua 5.4 state per
//! module, with the libraries and modules Aerospike gives UDFs (`aerospike`, `record`, `list`,
//! `map`, `bytes`, `geojson`, the stream machinery), the conversion of values between Lua and
//! [`Val`], and the bounds on a call (time and memory).
//!
//! Sandbox: the base library without `dofile`, `loadfile` and binary chunks; `string`, `table`,
//! `math`, `utf8`, `coroutine`; of `os` only `time`, `clock`, `date` and `difftime`. No `io`,
//! no `debug`, no `package` (C modules): `require` loads other registered modules only.
//! Aerospike opens every standard library; a UDF here cannot touch files or processes.
//!
//! Bounds: a count hook looks at the clock every [`HOOK_INSTRUCTIONS`] instructions. Past the
//! call's time slice it yields the call (so the shard serves other requests in between: see
//! `apply.rs`); past the call's deadline it raises "UDF Execution Timeout", and from then on it
//! raises on every instruction of that coroutine, so a `pcall` cannot catch its way out. Memory
//! is bounded per state by Lua's allocator limit, and what lists, maps and bytes grow by (their
//! storage is outside Lua's allocator) counts against the same limit.

use std::cell::{Cell, RefCell};
use std::collections::BTreeMap;
use std::ops::Bound;
use std::rc::Rc;
use std::time::{Duration, Instant};

use mlua::{
    AnyUserData, Function, HookTriggers, Lua, LuaOptions, MetaMethod, MultiValue, StdLib, Table, UserData,
    UserDataMethods, UserDataRef, Value, VmState,
};

use mlua::thread::ThreadStatus;

use super::record::{LuaRecord, RecordData};
use super::value::{Bytes, Key, List, Map, Val, DEFAULT_BYTES_TYPE};

/// Instructions between two looks at the clock.
pub const HOOK_INSTRUCTIONS: u32 = 1000;

/// How long a call runs before it lets the shard serve others.
pub const TIME_SLICE: Duration = Duration::from_micros(500);

/// The message of a call that ran out of time (Aerospike's).
pub const TIMEOUT_MESSAGE: &str = "UDF Execution Timeout";

/// The Lua helpers written in Lua: `list.clone`, `map.merge`, logging, the stream machinery.
const PRELUDE: &str = include_str!("prelude.lua");

/// What bounds the call running on a state.
#[derive(Debug)]
struct Budget {
    /// The call ends with a timeout past this.
    deadline: Cell<Instant>,
    /// The call yields past this.
    slice_end: Cell<Instant>,
    /// The deadline passed.
    expired: Cell<bool>,
    /// Bytes lists, maps and bytes grew by in this call.
    grown: Cell<usize>,
    /// Lua's memory plus `grown` may not pass this.
    memory_limit: usize,
}

/// Charges `bytes` of growth of a list, map or bytes to the running call.
pub fn charge(lua: &Lua, bytes: usize) -> mlua::Result<()> {
    let Some(budget) = lua.app_data_ref::<Budget>() else { return Ok(()) };
    let grown = budget.grown.get().saturating_add(bytes);
    budget.grown.set(grown);
    if lua.used_memory().saturating_add(grown) > budget.memory_limit {
        return Err(mlua::Error::MemoryError(memory_message(budget.memory_limit)));
    }
    Ok(())
}

fn memory_message(limit: usize) -> String {
    format!("UDF Execution Error: memory limit of {limit} bytes reached")
}

/// A Lua state with one module loaded, used by one call at a time.
pub struct State {
    lua: Lua,
    /// The prelude's stream runner (see `prelude.lua`).
    run_stream: Function,
}

impl std::fmt::Debug for State {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("State").finish_non_exhaustive()
    }
}

/// How a call ended.
#[derive(Debug)]
pub enum Outcome {
    /// The function returned this (its first result).
    Returned(Val),
    /// It failed with this message.
    Failed(String),
}

/// Why a state cannot be reused after a call.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reuse {
    /// It can serve the next call.
    Yes,
    /// It timed out or ran out of memory: drop it.
    No,
}

impl State {
    /// A new state with the sandbox, Aerospike's modules, and module `name` (file name with
    /// `.lua`) loaded from `sources` (every registered module, for `require`).
    pub fn new(name: &str, sources: Rc<BTreeMap<String, Vec<u8>>>, memory_limit: usize) -> Result<State, String> {
        let libs = StdLib::STRING | StdLib::TABLE | StdLib::MATH | StdLib::UTF8 | StdLib::COROUTINE | StdLib::OS;
        let lua = Lua::new_with(libs, LuaOptions::default()).map_err(|e| e.to_string())?;
        let build = || -> mlua::Result<Function> {
            sandbox(&lua)?;
            install_modules(&lua, sources.clone())?;
            let kind = lua.create_function(|_, v: Value| Ok(kind_of(&v)))?;
            let run_stream: Function = lua.load(PRELUDE).set_name("@prelude.lua").call(kind)?;
            let source = sources.get(name).ok_or_else(|| mlua::Error::RuntimeError("module not found".into()))?;
            lua.load(source.as_slice()).set_name(format!("@{name}")).exec()?;
            Ok(run_stream)
        };
        let run_stream = build().map_err(|e| error_message(&e))?;
        lua.set_app_data(Budget {
            deadline: Cell::new(Instant::now()),
            slice_end: Cell::new(Instant::now()),
            expired: Cell::new(false),
            grown: Cell::new(0),
            memory_limit,
        });
        lua.set_memory_limit(memory_limit).map_err(|e| e.to_string())?;
        lua.set_global_hook(HookTriggers::new().every_nth_instruction(HOOK_INSTRUCTIONS), hook)
            .map_err(|e| e.to_string())?;
        Ok(State { lua, run_stream })
    }

    /// The Lua state (to build arguments in).
    pub fn lua(&self) -> &Lua {
        &self.lua
    }

    /// Calls global function `function` with `args`, yielding to the executor whenever a time
    /// slice is used up, ending it at `deadline`. `pause` lets others run (on a shard: until its
    /// I/O is polled). Returns how the call ended, whether the state can serve again, and
    /// whether it yielded.
    pub async fn call<P, F>(
        &self,
        function: &str,
        args: MultiValue,
        deadline: Instant,
        pause: P,
    ) -> (Outcome, Reuse, bool)
    where
        P: Fn() -> F,
        F: std::future::Future<Output = ()>,
    {
        let f = match self.lua.globals().raw_get::<Value>(function) {
            Ok(Value::Function(f)) => f,
            _ => return (Outcome::Failed("function not found".into()), Reuse::Yes, false),
        };
        self.run(f, args, deadline, pause).await
    }

    /// Runs stream UDF `function` over `records` with the arguments of `arglist` (msgpack):
    /// its operations up to and including the first reduce. Returns the values that came out
    /// (or the failure), whether the state can serve again, and whether it yielded.
    pub async fn call_stream<P, F>(
        &self,
        function: &str,
        records: Vec<RecordData>,
        arglist: &[u8],
        deadline: Instant,
        pause: P,
    ) -> (Result<Vec<Val>, String>, Reuse)
    where
        P: Fn() -> F,
        F: std::future::Future<Output = ()>,
    {
        let lua = &self.lua;
        let f = match lua.globals().raw_get::<Value>(function) {
            Ok(Value::Function(f)) => f,
            _ => return (Err("function not found".into()), Reuse::Yes),
        };
        let out = Rc::new(RefCell::new(Vec::new()));
        let setup = || -> mlua::Result<MultiValue> {
            let mut records = records.into_iter();
            let source = lua.create_function_mut(move |lua, ()| match records.next() {
                Some(r) => lua.create_userdata(LuaRecord(Rc::new(RefCell::new(r)))).map(Value::UserData),
                None => Ok(Value::Nil),
            })?;
            let sink_out = out.clone();
            let sink = lua.create_function(move |lua, v: Value| {
                let v = from_lua(&v);
                charge(lua, v.weight())?;
                sink_out.borrow_mut().push(v);
                Ok(())
            })?;
            let mut args = arguments(lua, None, arglist).map_err(mlua::Error::RuntimeError)?;
            args.push_front(Value::Function(sink));
            args.push_front(Value::Function(source));
            args.push_front(Value::Function(f));
            Ok(args)
        };
        let args = match setup() {
            Ok(args) => args,
            Err(e) => return (Err(error_message(&e)), Reuse::Yes),
        };
        let (outcome, reuse, _) = self.run(self.run_stream.clone(), args, deadline, pause).await;
        match outcome {
            Outcome::Returned(_) => (Ok(std::mem::take(&mut *out.borrow_mut())), reuse),
            Outcome::Failed(message) => (Err(message), reuse),
        }
    }

    /// Runs `f(args)` in a coroutine, in time slices.
    async fn run<P, F>(&self, f: Function, args: MultiValue, deadline: Instant, pause: P) -> (Outcome, Reuse, bool)
    where
        P: Fn() -> F,
        F: std::future::Future<Output = ()>,
    {
        let lua = &self.lua;
        if let Some(budget) = lua.app_data_ref::<Budget>() {
            budget.deadline.set(deadline);
            budget.slice_end.set(Instant::now() + TIME_SLICE);
            budget.expired.set(false);
            budget.grown.set(0);
        }
        let thread = match lua.create_thread(f) {
            Ok(thread) => thread,
            Err(e) => return (Outcome::Failed(error_message(&e)), Reuse::No, false),
        };
        let mut args = Some(args);
        let mut yielded = false;
        loop {
            let result = thread.resume::<MultiValue>(args.take().unwrap_or_default());
            let expired = lua.app_data_ref::<Budget>().is_some_and(|b| b.expired.get());
            match result {
                Err(_) if expired => return (Outcome::Failed(TIMEOUT_MESSAGE.into()), Reuse::No, yielded),
                Err(e) if is_memory_error(&e) => {
                    let limit = lua.app_data_ref::<Budget>().map_or(0, |b| b.memory_limit);
                    return (Outcome::Failed(memory_message(limit)), Reuse::No, yielded);
                }
                Err(e) => return (Outcome::Failed(error_message(&e)), Reuse::Yes, yielded),
                Ok(_) if thread.status() == ThreadStatus::Resumable => {
                    // The hook yielded: let the shard run others, then go on.
                    yielded = true;
                    pause().await;
                    if let Some(budget) = lua.app_data_ref::<Budget>() {
                        budget.slice_end.set(Instant::now() + TIME_SLICE);
                    }
                }
                Ok(values) => {
                    let first = values.into_iter().next().unwrap_or(Value::Nil);
                    return (Outcome::Returned(from_lua(&first)), Reuse::Yes, yielded);
                }
            }
        }
    }
}

/// The type of a Aerospike userdata value: `list`, `map`, `bytes`, `geojson`, `record`, or nil.
fn kind_of(v: &Value) -> Option<&'static str> {
    let Value::UserData(ud) = v else { return None };
    if ud.is::<LuaList>() {
        Some("list")
    } else if ud.is::<LuaMap>() {
        Some("map")
    } else if ud.is::<LuaBytes>() {
        Some("bytes")
    } else if ud.is::<LuaGeo>() {
        Some("geojson")
    } else if ud.is::<LuaRecord>() {
        Some("record")
    } else {
        None
    }
}

/// The count hook: yields at the end of a slice, raises past the deadline.
fn hook(lua: &Lua, _debug: &mlua::debug::Debug) -> mlua::Result<VmState> {
    let Some(budget) = lua.app_data_ref::<Budget>() else { return Ok(VmState::Continue) };
    if budget.expired.get() {
        return Err(mlua::Error::RuntimeError(TIMEOUT_MESSAGE.into()));
    }
    let now = Instant::now();
    if now >= budget.deadline.get() {
        budget.expired.set(true);
        drop(budget);
        // From now on every instruction of this coroutine raises: no pcall loop survives it.
        let every = HookTriggers::new().every_nth_instruction(1);
        lua.current_thread().set_hook(every, hook)?;
        return Err(mlua::Error::RuntimeError(TIMEOUT_MESSAGE.into()));
    }
    if now >= budget.slice_end.get() {
        return Ok(VmState::Yield);
    }
    Ok(VmState::Continue)
}

fn is_memory_error(e: &mlua::Error) -> bool {
    match e {
        mlua::Error::MemoryError(_) => true,
        mlua::Error::CallbackError { cause, .. } => is_memory_error(cause),
        mlua::Error::WithContext { cause, .. } => is_memory_error(cause),
        _ => false,
    }
}

/// The message a Lua error gives a client: Lua's text (`file:line: text` for `error()`),
/// without mlua's traceback.
pub fn error_message(e: &mlua::Error) -> String {
    let text = match e {
        mlua::Error::CallbackError { cause, .. } => return error_message(cause),
        mlua::Error::WithContext { cause, .. } => return error_message(cause),
        mlua::Error::RuntimeError(text) | mlua::Error::SyntaxError { message: text, .. } => text.clone(),
        mlua::Error::MemoryError(text) if text.starts_with("UDF ") => text.clone(),
        mlua::Error::MemoryError(_) => "UDF Execution Error: not enough memory".into(),
        other => other.to_string(),
    };
    match text.find("\nstack traceback:") {
        Some(at) => text[..at].to_string(),
        None => text,
    }
}

/// Removes what a UDF must not reach.
fn sandbox(lua: &Lua) -> mlua::Result<()> {
    let globals = lua.globals();
    for name in ["dofile", "loadfile", "print"] {
        globals.raw_set(name, Value::Nil)?;
    }
    let os: Table = globals.get("os")?;
    let safe = lua.create_table()?;
    for name in ["time", "clock", "date", "difftime"] {
        safe.raw_set(name, os.get::<Value>(name)?)?;
    }
    globals.raw_set("os", safe)?;
    // Text chunks only: binary chunks can break the VM.
    let raw_load: Function = globals.get("load")?;
    let load = lua.create_function(move |lua, (chunk, name, _mode, env): (Value, Value, Value, Value)| {
        // An environment passed as nil would be taken as nil (no globals): pass none instead.
        let mut args = MultiValue::from_iter([chunk, name, Value::String(lua.create_string("t")?)]);
        if !env.is_nil() {
            args.push_back(env);
        }
        raw_load.call::<MultiValue>(args)
    })?;
    globals.raw_set("load", load)?;
    globals.raw_set(
        "print",
        lua.create_function(|_, values: mlua::Variadic<Value>| {
            let text: Vec<String> = values.iter().map(display).collect();
            crate::log!(Debug, "udf", "print: {}", text.join("\t"));
            Ok(())
        })?,
    )?;
    Ok(())
}

/// `require` for registered modules.
fn install_require(lua: &Lua, sources: Rc<BTreeMap<String, Vec<u8>>>) -> mlua::Result<()> {
    let loaded = lua.create_table()?;
    let require = lua.create_function(move |lua, name: String| {
        if let Some(value) = loaded.raw_get::<Option<Value>>(name.as_str())? {
            return Ok(value);
        }
        let file = format!("{name}.lua");
        let Some(source) = sources.get(&file) else {
            return Err(mlua::Error::RuntimeError(format!("module '{name}' not found")));
        };
        let value: Value = lua.load(source.as_slice()).set_name(format!("@{file}")).call(name.as_str())?;
        let value = if value.is_nil() { Value::Boolean(true) } else { value };
        loaded.raw_set(name.as_str(), value.clone())?;
        Ok(value)
    })?;
    lua.globals().raw_set("require", require)
}

fn display(v: &Value) -> String {
    match v {
        Value::String(s) => s.to_string_lossy(),
        Value::Integer(i) => i.to_string(),
        Value::Number(n) => n.to_string(),
        Value::Boolean(b) => b.to_string(),
        Value::Nil => "nil".into(),
        Value::UserData(_) => tostring(&from_lua(v)),
        other => format!("{}: {:p}", other.type_name(), other.to_pointer()),
    }
}

/// A value in Lua (PROTOCOL-DATA.md §E.4: bytes, lists, maps, GeoJSON become userdata).
pub fn to_lua(lua: &Lua, v: &Val) -> mlua::Result<Value> {
    Ok(match v {
        Val::Nil => Value::Nil,
        Val::Bool(b) => Value::Boolean(*b),
        Val::Int(i) => Value::Integer(*i),
        Val::Float(f) => Value::Number(*f),
        Val::Str(s) => Value::String(lua.create_string(s)?),
        Val::Bytes(b) => Value::UserData(lua.create_userdata(LuaBytes(b.clone()))?),
        Val::List(l) => Value::UserData(lua.create_userdata(LuaList(l.clone()))?),
        Val::Map(m) => Value::UserData(lua.create_userdata(LuaMap(m.clone()))?),
        Val::Geo(g) => Value::UserData(lua.create_userdata(LuaGeo(g.clone()))?),
    })
}

/// A Lua value as a [`Val`]: tables, functions and other Lua-only values have no value (nil),
/// as in Aerospike.
pub fn from_lua(v: &Value) -> Val {
    match v {
        Value::Boolean(b) => Val::Bool(*b),
        Value::Integer(i) => Val::Int(*i),
        Value::Number(n) => Val::Float(*n),
        Value::String(s) => Val::Str(s.as_bytes().to_vec()),
        Value::UserData(ud) => {
            if let Ok(l) = ud.borrow::<LuaList>() {
                Val::List(l.0.clone())
            } else if let Ok(m) = ud.borrow::<LuaMap>() {
                Val::Map(m.0.clone())
            } else if let Ok(b) = ud.borrow::<LuaBytes>() {
                Val::Bytes(b.0.clone())
            } else if let Ok(g) = ud.borrow::<LuaGeo>() {
                Val::Geo(g.0.clone())
            } else {
                Val::Nil
            }
        }
        _ => Val::Nil,
    }
}

/// Aerospike's text form of a value (`tostring`).
pub fn tostring(v: &Val) -> String {
    let mut out = String::new();
    write_text(v, &mut out, 0);
    out
}

fn write_text(v: &Val, out: &mut String, depth: usize) {
    use std::fmt::Write;
    if depth > scramjet_engine::cdt::msgpack::MAX_DEPTH {
        out.push_str("...");
        return;
    }
    match v {
        Val::Nil => out.push_str("NIL"),
        Val::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Val::Int(i) => {
            let _ = write!(out, "{i}");
        }
        Val::Float(f) => {
            let _ = write!(out, "{f:.6}");
        }
        Val::Str(s) => out.push_str(&String::from_utf8_lossy(s)),
        Val::Geo(s) => out.push_str(&String::from_utf8_lossy(s)),
        Val::Bytes(b) => {
            for byte in &b.borrow().data {
                let _ = write!(out, "{byte:02X}");
            }
        }
        Val::List(l) => {
            out.push_str("List(");
            let Ok(l) = l.try_borrow() else { return out.push_str("...)") };
            for (i, item) in l.items.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                write_text(item, out, depth + 1);
            }
            out.push(')');
        }
        Val::Map(m) => {
            out.push_str("Map(");
            let Ok(m) = m.try_borrow() else { return out.push_str("...)") };
            for (i, (k, item)) in m.entries.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                write_text(&k.to_val(), out, depth + 1);
                out.push_str("->");
                write_text(item, out, depth + 1);
            }
            out.push(')');
        }
    }
}

fn runtime_error(text: &str) -> mlua::Error {
    mlua::Error::RuntimeError(text.to_string())
}

fn key_of(v: &Value) -> mlua::Result<Key> {
    from_lua(v).to_key().ok_or_else(|| runtime_error("map key must be a boolean, number, string or bytes"))
}

/// A Lua list (1-based, shared by reference).
#[derive(Debug, Clone)]
pub struct LuaList(pub Rc<RefCell<List>>);

/// A Lua map (shared by reference).
#[derive(Debug, Clone)]
pub struct LuaMap(pub Rc<RefCell<Map>>);

/// Lua bytes (1-based, shared by reference).
#[derive(Debug, Clone)]
pub struct LuaBytes(pub Rc<RefCell<Bytes>>);

/// A GeoJSON value.
#[derive(Debug, Clone)]
pub struct LuaGeo(pub Rc<[u8]>);

/// A 1-based Lua index as a 0-based one.
fn index0(i: i64) -> Option<usize> {
    usize::try_from(i.checked_sub(1)?).ok()
}

impl UserData for LuaList {
    fn add_methods<M: UserDataMethods<Self>>(methods: &mut M) {
        methods.add_meta_method(MetaMethod::Index, |lua, this, i: Value| {
            let Value::Integer(i) = i else { return Ok(Value::Nil) };
            let item = index0(i).and_then(|i| this.0.borrow().items.get(i).cloned());
            item.map_or(Ok(Value::Nil), |v| to_lua(lua, &v))
        });
        methods.add_meta_method(MetaMethod::NewIndex, |lua, this, (i, v): (i64, Value)| list_set(lua, &this.0, i, &v));
        methods.add_meta_method(MetaMethod::Len, |_, this, ()| Ok(this.0.borrow().items.len()));
        methods.add_meta_method(MetaMethod::ToString, |_, this, ()| Ok(tostring(&Val::List(this.0.clone()))));
        methods
            .add_meta_method(MetaMethod::Eq, |_, this, other: UserDataRef<LuaList>| Ok(Rc::ptr_eq(&this.0, &other.0)));
    }
}

fn list_set(lua: &Lua, list: &Rc<RefCell<List>>, i: i64, v: &Value) -> mlua::Result<()> {
    let i = index0(i).ok_or_else(|| runtime_error("list index must be 1 or more"))?;
    let val = from_lua(v);
    let len = list.borrow().items.len();
    charge(lua, val.weight() + 32 * i.saturating_sub(len))?;
    let mut list = list.borrow_mut();
    if i >= list.items.len() {
        list.items.resize(i + 1, Val::Nil);
    }
    list.items[i] = val;
    Ok(())
}

impl UserData for LuaMap {
    fn add_methods<M: UserDataMethods<Self>>(methods: &mut M) {
        methods.add_meta_method(MetaMethod::Index, |lua, this, k: Value| {
            let Some(key) = from_lua(&k).to_key() else { return Ok(Value::Nil) };
            let item = this.0.borrow().entries.get(&key).cloned();
            item.map_or(Ok(Value::Nil), |v| to_lua(lua, &v))
        });
        methods
            .add_meta_method(MetaMethod::NewIndex, |lua, this, (k, v): (Value, Value)| map_set(lua, &this.0, &k, &v));
        methods.add_meta_method(MetaMethod::Len, |_, this, ()| Ok(this.0.borrow().entries.len()));
        methods.add_meta_method(MetaMethod::ToString, |_, this, ()| Ok(tostring(&Val::Map(this.0.clone()))));
        methods
            .add_meta_method(MetaMethod::Eq, |_, this, other: UserDataRef<LuaMap>| Ok(Rc::ptr_eq(&this.0, &other.0)));
    }
}

fn map_set(lua: &Lua, map: &Rc<RefCell<Map>>, k: &Value, v: &Value) -> mlua::Result<()> {
    let key = key_of(k)?;
    let val = from_lua(v);
    if matches!(val, Val::Nil) {
        map.borrow_mut().entries.remove(&key);
        return Ok(());
    }
    charge(lua, val.weight() + key.to_val().weight())?;
    map.borrow_mut().entries.insert(key, val);
    Ok(())
}

impl UserData for LuaBytes {
    fn add_methods<M: UserDataMethods<Self>>(methods: &mut M) {
        methods.add_meta_method(MetaMethod::Index, |_, this, i: Value| {
            let Value::Integer(i) = i else { return Ok(None) };
            Ok(index0(i).and_then(|i| this.0.borrow().data.get(i).copied()))
        });
        methods.add_meta_method(MetaMethod::NewIndex, |lua, this, (i, v): (i64, u8)| {
            bytes_set(lua, &this.0, i, &[v]).map(|_| ())
        });
        methods.add_meta_method(MetaMethod::Len, |_, this, ()| Ok(this.0.borrow().data.len()));
        methods.add_meta_method(MetaMethod::ToString, |_, this, ()| Ok(tostring(&Val::Bytes(this.0.clone()))));
    }
}

/// Largest bytes value a UDF may build (Aerospike's largest record is 8 MiB).
const MAX_BYTES: usize = 128 * 1024 * 1024;

/// Writes `data` at 1-based position `i`, growing the bytes (with zeros) as needed. False if
/// the position is not 1 or more.
fn bytes_set(lua: &Lua, bytes: &Rc<RefCell<Bytes>>, i: i64, data: &[u8]) -> mlua::Result<bool> {
    let Some(at) = index0(i) else { return Ok(false) };
    let end = at.saturating_add(data.len());
    if end > MAX_BYTES {
        return Ok(false);
    }
    let len = bytes.borrow().data.len();
    charge(lua, end.saturating_sub(len))?;
    let mut b = bytes.borrow_mut();
    if end > b.data.len() {
        b.data.resize(end, 0);
    }
    b.data[at..end].copy_from_slice(data);
    Ok(true)
}

fn bytes_append(lua: &Lua, bytes: &Rc<RefCell<Bytes>>, data: &[u8]) -> mlua::Result<bool> {
    let len = bytes.borrow().data.len() as i64;
    bytes_set(lua, bytes, len + 1, data)
}

fn bytes_get(bytes: &Rc<RefCell<Bytes>>, i: i64, n: usize) -> Option<Vec<u8>> {
    let at = index0(i)?;
    bytes.borrow().data.get(at..at.checked_add(n)?).map(<[u8]>::to_vec)
}

impl UserData for LuaGeo {
    fn add_methods<M: UserDataMethods<Self>>(methods: &mut M) {
        methods.add_meta_method(MetaMethod::ToString, |_, this, ()| Ok(tostring(&Val::Geo(this.0.clone()))));
    }
}

/// A Lua iterator over `items`, produced one at a time.
fn iterator<F>(lua: &Lua, mut next: F) -> mlua::Result<Function>
where
    F: FnMut(&Lua) -> mlua::Result<MultiValue> + 'static,
{
    lua.create_function_mut(move |lua, _: MultiValue| next(lua))
}

/// Installs the `list`, `map`, `bytes`, `geojson`, `record`, `aerospike` globals, the extra
/// math functions and `require`.
fn install_modules(lua: &Lua, sources: Rc<BTreeMap<String, Vec<u8>>>) -> mlua::Result<()> {
    let globals = lua.globals();
    install_require(lua, sources)?;
    globals.raw_set("list", list_module(lua)?)?;
    globals.raw_set("map", map_module(lua)?)?;
    globals.raw_set("bytes", bytes_module(lua)?)?;
    globals.raw_set("geojson", geojson_module(lua)?)?;
    globals.raw_set("record", super::record::record_module(lua)?)?;
    globals.raw_set("aerospike", super::record::aerospike_module(lua)?)?;
    let math: Table = globals.get("math")?;
    math.raw_set(
        "sum",
        lua.create_function(|_, (a, b): (Value, Value)| arith(a, b, |x, y| x.wrapping_add(y), |x, y| x + y))?,
    )?;
    math.raw_set(
        "product",
        lua.create_function(|_, (a, b): (Value, Value)| arith(a, b, |x, y| x.wrapping_mul(y), |x, y| x * y))?,
    )?;
    Ok(())
}

fn arith(a: Value, b: Value, int: fn(i64, i64) -> i64, float: fn(f64, f64) -> f64) -> mlua::Result<Value> {
    Ok(match (a, b) {
        (Value::Integer(x), Value::Integer(y)) => Value::Integer(int(x, y)),
        (Value::Integer(x), Value::Number(y)) => Value::Number(float(x as f64, y)),
        (Value::Number(x), Value::Integer(y)) => Value::Number(float(x, y as f64)),
        (Value::Number(x), Value::Number(y)) => Value::Number(float(x, y)),
        _ => return Err(runtime_error("math.sum and math.product take numbers")),
    })
}

/// A module table that is also a constructor: `name(...)` calls `new(...)`.
fn callable(lua: &Lua, module: &Table, new: Function) -> mlua::Result<()> {
    let meta = lua.create_table()?;
    let ctor = new.clone();
    meta.raw_set(
        "__call",
        lua.create_function(move |_, args: MultiValue| {
            // The first argument is the module table itself.
            let mut args = args.into_iter();
            args.next();
            ctor.call::<Value>(args.collect::<MultiValue>())
        })?,
    )?;
    module.raw_set("create", new)?;
    module.set_metatable(Some(meta))?;
    Ok(())
}

fn new_list(lua: &Lua, items: Vec<Val>) -> mlua::Result<AnyUserData> {
    lua.create_userdata(LuaList(Rc::new(RefCell::new(List { items, flags: 0 }))))
}

fn new_map(lua: &Lua, entries: BTreeMap<Key, Val>) -> mlua::Result<AnyUserData> {
    lua.create_userdata(LuaMap(Rc::new(RefCell::new(Map { entries, flags: 0 }))))
}

fn list_module(lua: &Lua) -> mlua::Result<Table> {
    let t = lua.create_table()?;
    let new = lua.create_function(|lua, init: Value| {
        let mut items = Vec::new();
        if let Value::Table(table) = init {
            for v in table.sequence_values::<Value>() {
                let v = from_lua(&v?);
                charge(lua, v.weight())?;
                items.push(v);
            }
        }
        new_list(lua, items)
    })?;
    callable(lua, &t, new)?;
    t.raw_set("size", lua.create_function(|_, l: UserDataRef<LuaList>| Ok(l.0.borrow().items.len()))?)?;
    t.raw_set(
        "append",
        lua.create_function(|lua, (l, v): (UserDataRef<LuaList>, Value)| {
            let v = from_lua(&v);
            charge(lua, v.weight())?;
            l.0.borrow_mut().items.push(v);
            Ok(())
        })?,
    )?;
    t.raw_set(
        "prepend",
        lua.create_function(|lua, (l, v): (UserDataRef<LuaList>, Value)| {
            let v = from_lua(&v);
            charge(lua, v.weight())?;
            l.0.borrow_mut().items.insert(0, v);
            Ok(())
        })?,
    )?;
    t.raw_set(
        "insert",
        lua.create_function(|lua, (l, i, v): (UserDataRef<LuaList>, i64, Value)| {
            let at = index0(i).ok_or_else(|| runtime_error("list index must be 1 or more"))?;
            let len = l.0.borrow().items.len();
            if at >= len {
                return list_set(lua, &l.0, i, &v);
            }
            let v = from_lua(&v);
            charge(lua, v.weight())?;
            l.0.borrow_mut().items.insert(at, v);
            Ok(())
        })?,
    )?;
    t.raw_set(
        "remove",
        lua.create_function(|_, (l, i): (UserDataRef<LuaList>, i64)| {
            let mut list = l.0.borrow_mut();
            if let Some(at) = index0(i).filter(|&at| at < list.items.len()) {
                list.items.remove(at);
            }
            Ok(())
        })?,
    )?;
    t.raw_set(
        "concat",
        lua.create_function(|lua, (l, other): (UserDataRef<LuaList>, UserDataRef<LuaList>)| {
            let items = other.0.borrow().items.clone();
            charge(lua, items.iter().map(Val::weight).sum())?;
            l.0.borrow_mut().items.extend(items);
            Ok(())
        })?,
    )?;
    t.raw_set(
        "trim",
        lua.create_function(|_, (l, i): (UserDataRef<LuaList>, i64)| {
            let keep = index0(i).unwrap_or(0);
            l.0.borrow_mut().items.truncate(keep);
            Ok(())
        })?,
    )?;
    t.raw_set(
        "take",
        lua.create_function(|lua, (l, n): (UserDataRef<LuaList>, i64)| {
            let n = usize::try_from(n).unwrap_or(0);
            let items: Vec<Val> = l.0.borrow().items.iter().take(n).cloned().collect();
            charge(lua, items.len() * 32)?;
            new_list(lua, items)
        })?,
    )?;
    t.raw_set(
        "drop",
        lua.create_function(|lua, (l, n): (UserDataRef<LuaList>, i64)| {
            let n = usize::try_from(n).unwrap_or(0);
            let items: Vec<Val> = l.0.borrow().items.iter().skip(n).cloned().collect();
            charge(lua, items.len() * 32)?;
            new_list(lua, items)
        })?,
    )?;
    t.raw_set(
        "nbytes",
        lua.create_function(|_, l: UserDataRef<LuaList>| {
            let mut packed = Vec::new();
            super::value::pack(&Val::List(l.0.clone()), &mut packed)
                .map_err(|_| runtime_error("list nested too deep"))?;
            Ok(packed.len())
        })?,
    )?;
    t.raw_set(
        "iterator",
        lua.create_function(|lua, l: UserDataRef<LuaList>| {
            let list = l.0.clone();
            let mut at = 0usize;
            iterator(lua, move |lua| {
                let item = list.borrow().items.get(at).cloned();
                at += 1;
                match item {
                    Some(v) => Ok(MultiValue::from_iter([to_lua(lua, &v)?])),
                    None => Ok(MultiValue::new()),
                }
            })
        })?,
    )?;
    t.raw_set("tostring", lua.create_function(|_, l: UserDataRef<LuaList>| Ok(tostring(&Val::List(l.0.clone()))))?)?;
    Ok(t)
}

fn map_module(lua: &Lua) -> mlua::Result<Table> {
    let t = lua.create_table()?;
    let new = lua.create_function(|lua, init: Value| {
        let mut entries = BTreeMap::new();
        if let Value::Table(table) = init {
            for pair in table.pairs::<Value, Value>() {
                let (k, v) = pair?;
                let v = from_lua(&v);
                charge(lua, v.weight() + 32)?;
                entries.insert(key_of(&k)?, v);
            }
        }
        new_map(lua, entries)
    })?;
    callable(lua, &t, new)?;
    t.raw_set("size", lua.create_function(|_, m: UserDataRef<LuaMap>| Ok(m.0.borrow().entries.len()))?)?;
    t.raw_set(
        "remove",
        lua.create_function(|_, (m, k): (UserDataRef<LuaMap>, Value)| {
            if let Some(key) = from_lua(&k).to_key() {
                m.0.borrow_mut().entries.remove(&key);
            }
            Ok(())
        })?,
    )?;
    t.raw_set(
        "nbytes",
        lua.create_function(|_, m: UserDataRef<LuaMap>| {
            let mut packed = Vec::new();
            super::value::pack(&Val::Map(m.0.clone()), &mut packed)
                .map_err(|_| runtime_error("map nested too deep"))?;
            Ok(packed.len())
        })?,
    )?;
    // Iterators walk the map in key order, one step at a time, and survive changes to it.
    for (name, what) in [("pairs", 0u8), ("iterator", 0), ("keys", 1), ("values", 2)] {
        t.raw_set(
            name,
            lua.create_function(move |lua, m: UserDataRef<LuaMap>| {
                let map = m.0.clone();
                let mut last: Option<Key> = None;
                iterator(lua, move |lua| {
                    let next = {
                        let map = map.borrow();
                        let mut range = match &last {
                            None => map
                                .entries
                                .range::<Key, (Bound<&Key>, Bound<&Key>)>((Bound::Unbounded, Bound::Unbounded)),
                            Some(k) => map
                                .entries
                                .range::<Key, (Bound<&Key>, Bound<&Key>)>((Bound::Excluded(k), Bound::Unbounded)),
                        };
                        range.next().map(|(k, v)| (k.clone(), v.clone()))
                    };
                    let Some((k, v)) = next else { return Ok(MultiValue::new()) };
                    let out = match what {
                        0 => MultiValue::from_iter([to_lua(lua, &k.to_val())?, to_lua(lua, &v)?]),
                        1 => MultiValue::from_iter([to_lua(lua, &k.to_val())?]),
                        _ => MultiValue::from_iter([to_lua(lua, &v)?]),
                    };
                    last = Some(k);
                    Ok(out)
                })
            })?,
        )?;
    }
    t.raw_set("tostring", lua.create_function(|_, m: UserDataRef<LuaMap>| Ok(tostring(&Val::Map(m.0.clone()))))?)?;
    Ok(t)
}

fn bytes_module(lua: &Lua) -> mlua::Result<Table> {
    let t = lua.create_table()?;
    let new = lua.create_function(|lua, _capacity: Option<i64>| {
        lua.create_userdata(LuaBytes(Rc::new(RefCell::new(Bytes { ty: DEFAULT_BYTES_TYPE, data: Vec::new() }))))
    })?;
    callable(lua, &t, new)?;
    type B = UserDataRef<LuaBytes>;
    t.raw_set("size", lua.create_function(|_, b: B| Ok(b.0.borrow().data.len()))?)?;
    t.raw_set(
        "set_size",
        lua.create_function(|lua, (b, n): (B, i64)| {
            let n = usize::try_from(n).unwrap_or(0);
            if n > MAX_BYTES {
                return Ok(false);
            }
            let len = b.0.borrow().data.len();
            charge(lua, n.saturating_sub(len))?;
            b.0.borrow_mut().data.resize(n, 0);
            Ok(true)
        })?,
    )?;
    t.raw_set("get_type", lua.create_function(|_, b: B| Ok(b.0.borrow().ty))?)?;
    t.raw_set(
        "set_type",
        lua.create_function(|_, (b, ty): (B, u8)| {
            b.0.borrow_mut().ty = ty;
            Ok(true)
        })?,
    )?;
    t.raw_set(
        "get_string",
        lua.create_function(|lua, (b, i, n): (B, i64, i64)| {
            let n = usize::try_from(n).unwrap_or(0);
            bytes_get(&b.0, i, n).map(|s| lua.create_string(s)).transpose()
        })?,
    )?;
    t.raw_set(
        "set_string",
        lua.create_function(|lua, (b, i, s): (B, i64, mlua::LuaString)| bytes_set(lua, &b.0, i, &s.as_bytes()))?,
    )?;
    t.raw_set(
        "append_string",
        lua.create_function(|lua, (b, s): (B, mlua::LuaString)| bytes_append(lua, &b.0, &s.as_bytes()))?,
    )?;
    t.raw_set(
        "get_bytes",
        lua.create_function(|lua, (b, i, n): (B, i64, i64)| {
            let n = usize::try_from(n).unwrap_or(0);
            bytes_get(&b.0, i, n)
                .map(|data| {
                    lua.create_userdata(LuaBytes(Rc::new(RefCell::new(Bytes { ty: DEFAULT_BYTES_TYPE, data }))))
                })
                .transpose()
        })?,
    )?;
    t.raw_set(
        "set_bytes",
        lua.create_function(|lua, (b, i, other, n): (B, i64, B, Option<i64>)| {
            let data = other.0.borrow().data.clone();
            let n = n.and_then(|n| usize::try_from(n).ok()).unwrap_or(data.len()).min(data.len());
            bytes_set(lua, &b.0, i, &data[..n])
        })?,
    )?;
    t.raw_set(
        "append_bytes",
        lua.create_function(|lua, (b, other, n): (B, B, Option<i64>)| {
            let data = other.0.borrow().data.clone();
            let n = n.and_then(|n| usize::try_from(n).ok()).unwrap_or(data.len()).min(data.len());
            bytes_append(lua, &b.0, &data[..n])
        })?,
    )?;
    t.raw_set("get_byte", lua.create_function(|_, (b, i): (B, i64)| Ok(bytes_get(&b.0, i, 1).map(|v| v[0])))?)?;
    t.raw_set("set_byte", lua.create_function(|lua, (b, i, v): (B, i64, i64)| bytes_set(lua, &b.0, i, &[v as u8]))?)?;
    t.raw_set("append_byte", lua.create_function(|lua, (b, v): (B, i64)| bytes_append(lua, &b.0, &[v as u8]))?)?;
    // Integers: plain names use the machine's order (little-endian, as Aerospike on x86).
    for (width, name) in [(2usize, "int16"), (4, "int32"), (8, "int64")] {
        for (suffix, big) in [("", false), ("_le", false), ("_be", true)] {
            let encode = move |v: i64| -> Vec<u8> {
                let bytes = if big { v.to_be_bytes() } else { v.to_le_bytes() };
                if big {
                    bytes[8 - width..].to_vec()
                } else {
                    bytes[..width].to_vec()
                }
            };
            t.raw_set(
                format!("get_{name}{suffix}"),
                lua.create_function(move |_, (b, i): (B, i64)| {
                    Ok(bytes_get(&b.0, i, width).map(|raw| {
                        let mut word = [0u8; 8];
                        if big {
                            word[8 - width..].copy_from_slice(&raw);
                            i64::from_be_bytes(word) << (64 - 8 * width) >> (64 - 8 * width)
                        } else {
                            word[..width].copy_from_slice(&raw);
                            i64::from_le_bytes(word) << (64 - 8 * width) >> (64 - 8 * width)
                        }
                    }))
                })?,
            )?;
            t.raw_set(
                format!("set_{name}{suffix}"),
                lua.create_function(move |lua, (b, i, v): (B, i64, i64)| bytes_set(lua, &b.0, i, &encode(v)))?,
            )?;
            t.raw_set(
                format!("append_{name}{suffix}"),
                lua.create_function(move |lua, (b, v): (B, i64)| bytes_append(lua, &b.0, &encode(v)))?,
            )?;
        }
    }
    t.raw_set(
        "get_var_int",
        lua.create_function(|_, (b, i): (B, i64)| {
            let Some(at) = index0(i) else { return Ok((None, 0)) };
            let data = &b.0.borrow().data;
            let (mut value, mut shift) = (0u64, 0u32);
            for (n, &byte) in data.iter().skip(at).enumerate().take(10) {
                value |= u64::from(byte & 0x7f) << shift;
                shift += 7;
                if byte & 0x80 == 0 {
                    return Ok((Some(value as i64), n + 1));
                }
            }
            Ok((None, 0))
        })?,
    )?;
    let var_int = |v: i64| {
        let (mut v, mut out) = (v as u64, Vec::new());
        while v >= 0x80 {
            out.push((v as u8) | 0x80);
            v >>= 7;
        }
        out.push(v as u8);
        out
    };
    t.raw_set(
        "set_var_int",
        lua.create_function(move |lua, (b, i, v): (B, i64, i64)| {
            let encoded = var_int(v);
            Ok(if bytes_set(lua, &b.0, i, &encoded)? { encoded.len() } else { 0 })
        })?,
    )?;
    t.raw_set(
        "append_var_int",
        lua.create_function(move |lua, (b, v): (B, i64)| {
            let encoded = var_int(v);
            Ok(if bytes_append(lua, &b.0, &encoded)? { encoded.len() } else { 0 })
        })?,
    )?;
    t.raw_set("tostring", lua.create_function(|_, b: B| Ok(tostring(&Val::Bytes(b.0.clone()))))?)?;
    Ok(t)
}

fn geojson_module(lua: &Lua) -> mlua::Result<Table> {
    let t = lua.create_table()?;
    let new = lua.create_function(|lua, text: mlua::LuaString| {
        let text = text.as_bytes().to_vec();
        if scramjet_engine::geo::parse(&text).is_none() {
            return Err(runtime_error("invalid GeoJSON"));
        }
        lua.create_userdata(LuaGeo(text.into()))
    })?;
    callable(lua, &t, new)?;
    t.raw_set("tostring", lua.create_function(|_, g: UserDataRef<LuaGeo>| Ok(tostring(&Val::Geo(g.0.clone()))))?)?;
    Ok(t)
}

/// Arguments of a call: msgpack `arglist` (an array) as Lua values after `first`.
pub fn arguments(lua: &Lua, first: Option<Value>, arglist: &[u8]) -> Result<MultiValue, String> {
    let list = super::value::unpack(arglist).map_err(|_| "malformed argument list".to_string())?;
    let Val::List(list) = list else { return Err("argument list is not a list".into()) };
    let mut out = MultiValue::new();
    if let Some(first) = first {
        out.push_back(first);
    }
    for item in &list.borrow().items {
        out.push_back(to_lua(lua, item).map_err(|e| error_message(&e))?);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn state(source: &str) -> State {
        let mut sources = BTreeMap::new();
        sources.insert("m.lua".to_string(), source.as_bytes().to_vec());
        State::new("m.lua", Rc::new(sources), 16 << 20).unwrap()
    }

    fn run(state: &State, function: &str, args: &[Val], budget: Duration) -> Outcome {
        let lua = state.lua();
        let args: MultiValue = args.iter().map(|a| to_lua(lua, a).unwrap()).collect();
        futures_lite::future::block_on(state.call(
            function,
            args,
            Instant::now() + budget,
            futures_lite::future::yield_now,
        ))
        .0
    }

    fn returned(outcome: Outcome) -> Val {
        match outcome {
            Outcome::Returned(v) => v,
            Outcome::Failed(e) => panic!("failed: {e}"),
        }
    }

    fn packed(v: &Val) -> Vec<u8> {
        let mut out = Vec::new();
        super::super::value::pack(v, &mut out).unwrap();
        out
    }

    #[test]
    fn lists_maps_and_bytes_behave_as_aerospikes() {
        let s = state(
            r#"
            function f()
                local l = list{1, 2}
                list.append(l, 'x')
                list.prepend(l, 0)
                l[6] = true
                local m = map{a = 1}
                m['b'] = l
                m.a = nil
                local b = bytes(4)
                bytes.append_int16_be(b, 258)
                bytes.set_byte(b, 4, 7)
                return list{#l, l[2], m, bytes.get_int16_be(b, 1), #b, b[4], math.sum(1, 2), list.size(list.take(l, 2))}
            end
            "#,
        );
        let v = returned(run(&s, "f", &[], Duration::from_secs(5)));
        let expected = Val::list(vec![
            Val::Int(6),
            Val::Int(1),
            Val::map(
                [(
                    Key::Str(b"b".to_vec()),
                    Val::list(vec![
                        Val::Int(0),
                        Val::Int(1),
                        Val::Int(2),
                        Val::Str(b"x".to_vec()),
                        Val::Nil,
                        Val::Bool(true),
                    ]),
                )]
                .into_iter()
                .collect(),
            ),
            Val::Int(258),
            Val::Int(4),
            Val::Int(7),
            Val::Int(3),
            Val::Int(2),
        ]);
        assert_eq!(packed(&v), packed(&expected));
    }

    #[test]
    fn errors_carry_lua_messages() {
        let s = state("function f(x) error('bad ' .. x) end\nfunction g() return nosuch.field end");
        match run(&s, "f", &[Val::Str(b"news".to_vec())], Duration::from_secs(5)) {
            Outcome::Failed(m) => assert_eq!(m, "m.lua:1: bad news"),
            other => panic!("{other:?}"),
        }
        assert!(matches!(run(&s, "g", &[], Duration::from_secs(5)), Outcome::Failed(m) if m.contains("nosuch")));
        assert!(matches!(run(&s, "h", &[], Duration::from_secs(5)), Outcome::Failed(m) if m == "function not found"));
    }

    #[test]
    fn the_sandbox_has_no_files_or_processes() {
        let s = state(
            "function f() return list{type(io), type(os.execute), type(dofile), type(debug), type(package), \
             type(os.time), type(string.format)} end\n\
             function g() return load(string.dump(function() return 1 end)) end\n\
             function h() return load('return type(string)')() end",
        );
        let v = returned(run(&s, "f", &[], Duration::from_secs(5)));
        // `debug` is the logging function of Aerospike's UDFs, not Lua's debug library.
        let names = ["nil", "nil", "nil", "function", "nil", "function", "function"];
        let expected = Val::list(names.iter().map(|n| Val::Str(n.as_bytes().to_vec())).collect());
        assert_eq!(packed(&v), packed(&expected));
        // A binary chunk does not load; a text chunk does, and sees the globals.
        assert!(matches!(returned(run(&s, "g", &[], Duration::from_secs(5))), Val::Nil));
        assert!(matches!(returned(run(&s, "h", &[], Duration::from_secs(5))), Val::Str(t) if t == b"table"));
    }

    #[test]
    fn a_runaway_call_ends_even_through_pcall() {
        let s = state(
            "function spin() while true do end end\n\
             function stubborn() while true do pcall(function() while true do end end) end end\n\
             function ok() return 1 end",
        );
        for f in ["spin", "stubborn"] {
            match run(&s, f, &[], Duration::from_millis(50)) {
                Outcome::Failed(m) => assert_eq!(m, TIMEOUT_MESSAGE),
                other => panic!("{f}: {other:?}"),
            }
        }
        // The state still serves (the caller drops it, but it is not broken).
        assert!(matches!(returned(run(&s, "ok", &[], Duration::from_secs(5))), Val::Int(1)));
    }

    #[test]
    fn memory_is_bounded() {
        let s = state(
            "function grow() local t = {} for i = 1, 1e9 do t[i] = string.rep('x', 100) .. i end end\n\
             function grow_list() local l = list() for i = 1, 1e9 do list.append(l, i) end end",
        );
        for f in ["grow", "grow_list"] {
            match run(&s, f, &[], Duration::from_secs(30)) {
                Outcome::Failed(m) => assert!(m.contains("memory"), "{f}: {m}"),
                other => panic!("{f}: {other:?}"),
            }
        }
    }

    #[test]
    fn streams_run_up_to_the_first_reduce() {
        let s = state(
            "local function add(a, b) return a + b end\n\
             function sum(s, bin) return s : map(function(r) return r[bin] end) : reduce(add) : map(tostring) end\n\
             function odd(s) return s : filter(function(r) return r.n % 2 == 1 end) : map(function(r) return r.n end) end\n\
             function groups(s) return s : groupby(function(r) return r.n % 2 end) end\n\
             function count(s) return s : aggregate(0, function(a, r) return a + 1 end) end",
        );
        let records = || {
            (1..=4)
                .map(|n: i64| {
                    let mut r = RecordData::default();
                    r.open = true;
                    r.bins.push(super::super::record::StoredBin {
                        name: b"n".to_vec(),
                        particle: scramjet_net::ParticleType::Integer,
                        value: n.to_be_bytes().to_vec(),
                    });
                    r
                })
                .collect::<Vec<_>>()
        };
        let run_stream = |f: &str, args: &[u8]| {
            let deadline = Instant::now() + Duration::from_secs(5);
            let (values, _) = futures_lite::future::block_on(s.call_stream(
                f,
                records(),
                args,
                deadline,
                futures_lite::future::yield_now,
            ));
            values.unwrap().iter().map(packed).collect::<Vec<_>>()
        };
        // The map after the reduce is the client's: the server sends the sum itself.
        assert_eq!(run_stream("sum", &[0x91, 0xa2, 0x03, b'n']), vec![packed(&Val::Int(10))]);
        assert_eq!(run_stream("odd", &[0x90]), vec![packed(&Val::Int(1)), packed(&Val::Int(3))]);
        assert_eq!(run_stream("count", &[0x90]), vec![packed(&Val::Int(4))]);
        assert_eq!(run_stream("groups", &[0x90]).len(), 1);
    }

    #[test]
    fn require_finds_registered_modules() {
        let mut sources = BTreeMap::new();
        sources
            .insert("m.lua".to_string(), b"local h = require('helper')\nfunction f() return h.twice(21) end".to_vec());
        sources
            .insert("helper.lua".to_string(), b"local M = {}\nfunction M.twice(x) return 2 * x end\nreturn M".to_vec());
        let s = State::new("m.lua", Rc::new(sources), 16 << 20).unwrap();
        assert!(matches!(returned(run(&s, "f", &[], Duration::from_secs(5))), Val::Int(42)));
    }
}

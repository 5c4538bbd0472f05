//! The record a record UDF works on (PROTOCOL-DATA.md §E.2, §E.4): the `record` userdata and
//! module, and `aerospike:create/update/exists/remove`.
//!
//! As in Aerospike (`base/udf_record.c`, `base/udf_aerospike.c`), bin writes (`rec.x = v`) are
//! kept aside until `aerospike:create(rec)` or `aerospike:update(rec)` applies them to the
//! record; what is applied is written when the function returns normally. Writes left aside at
//! the end are dropped, and so is everything if the function fails.

use std::cell::RefCell;
use std::rc::Rc;

use mlua::{Lua, MetaMethod, Table, UserData, UserDataMethods, UserDataRef, Value};
use scramjet_net::{ParticleType, ResultCode};

use super::lua::{from_lua, to_lua};
use super::value::{self, Val};

/// Largest bin name (Aerospike's 15 bytes).
const BIN_NAME_MAX: usize = scramjet_net::op::BIN_NAME_MAX_LEN;

/// A bin of the record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredBin {
    /// Its name.
    pub name: Vec<u8>,
    /// Its type.
    pub particle: ParticleType,
    /// Its stored value.
    pub value: Vec<u8>,
}

/// A bin write kept aside, or a bin read kept for reuse.
#[derive(Debug, Clone)]
struct CacheEntry {
    name: Vec<u8>,
    value: Val,
    dirty: bool,
}

/// The record as the UDF sees and changes it.
#[derive(Debug, Default)]
pub struct RecordData {
    /// The record exists (it did, or the UDF created it).
    pub open: bool,
    /// Generation, void time and last-update time (ms since 2010) of the stored record.
    pub generation: u16,
    /// Void time (seconds since 2010, 0: never).
    pub void_time: u32,
    /// Last update, ms since 2010.
    pub last_update_ms: u64,
    /// The record's set, if any.
    pub set_name: Option<Vec<u8>>,
    /// The stored user key (KEY field data: type byte then value), if any.
    pub key: Option<Vec<u8>>,
    /// The digest.
    pub digest: [u8; 20],
    /// Stored size in bytes.
    pub size: usize,
    /// The bins, as of the last create or update.
    pub bins: Vec<StoredBin>,
    cache: Vec<CacheEntry>,
    /// Bins before the first create or update (Aerospike's `n_old_bins`).
    pub old_bin_count: Option<usize>,
    /// `create` or `update` applied changes (the record is written at the end).
    pub has_updates: bool,
    /// Applying changes failed: the transaction answers this.
    pub failure: Option<ResultCode>,
    /// `record.set_ttl` asked for this TTL.
    pub ttl: Option<u32>,
    /// `record.drop_key` was called.
    pub drop_key: bool,
    /// Now, seconds since 2010 (for `record.ttl`).
    pub now_secs: u32,
}

impl RecordData {
    /// A stored record as a UDF sees it; `None` if its bytes are corrupt.
    pub fn stored(
        record: &scramjet_engine::namespace::RecordRef<'_>,
        set_name: &[u8],
        digest: &scramjet_net::Digest,
        now_secs: u32,
    ) -> Option<RecordData> {
        let view = record.view()?;
        Some(RecordData {
            open: true,
            generation: record.meta.generation,
            void_time: record.meta.void_time,
            last_update_ms: record.meta.last_update_ms,
            set_name: (!set_name.is_empty()).then(|| set_name.to_vec()),
            key: view.key.map(<[u8]>::to_vec),
            digest: digest.0,
            size: record.body.len(),
            bins: view
                .bins()
                .map(|b| StoredBin { name: b.name.to_vec(), particle: b.particle, value: b.value.to_vec() })
                .collect(),
            now_secs,
            ..Default::default()
        })
    }

    /// A bin's value as the UDF sees it: its pending write, else the stored bin.
    fn get(&mut self, name: &[u8]) -> Result<Val, value::ValError> {
        if let Some(entry) = self.cache.iter().find(|e| e.name == name) {
            return Ok(entry.value.clone());
        }
        if !self.open {
            return Ok(Val::Nil);
        }
        let Some(bin) = self.bins.iter().find(|b| b.name == name) else { return Ok(Val::Nil) };
        let val = value::from_particle(bin.particle, &bin.value)?;
        self.cache.push(CacheEntry { name: name.to_vec(), value: val.clone(), dirty: false });
        Ok(val)
    }

    fn set(&mut self, name: &[u8], val: Val) {
        match self.cache.iter_mut().find(|e| e.name == name) {
            Some(entry) => {
                entry.value = val;
                entry.dirty = true;
            }
            None => self.cache.push(CacheEntry { name: name.to_vec(), value: val, dirty: true }),
        }
    }

    /// Applies the pending writes to the record's bins (Aerospike's `execute_updates`); 0, or
    /// -1 with [`RecordData::failure`] set and the bins as before.
    fn execute_updates(&mut self) -> i64 {
        if self.old_bin_count.is_none() {
            self.old_bin_count = Some(self.bins.len());
        }
        let before = self.bins.clone();
        for entry in self.cache.iter().filter(|e| e.dirty) {
            match value::to_particle(&entry.value) {
                Ok(None) => self.bins.retain(|b| b.name != entry.name),
                Ok(Some((particle, value))) => {
                    let n_bins = self.bins.len();
                    match self.bins.iter_mut().find(|b| b.name == entry.name) {
                        Some(bin) => {
                            bin.particle = particle;
                            bin.value = value;
                        }
                        None if n_bins >= scramjet_engine::record::MAX_BINS => {
                            return self.fail(before, ResultCode::BinName);
                        }
                        None => self.bins.push(StoredBin { name: entry.name.clone(), particle, value }),
                    }
                }
                Err(_) => return self.fail(before, ResultCode::IncompatibleType),
            }
        }
        // Deleted bins leave the cache; the rest are applied.
        self.cache.retain(|e| !(e.dirty && matches!(e.value, Val::Nil)));
        for entry in &mut self.cache {
            entry.dirty = false;
        }
        self.failure = None;
        self.has_updates = true;
        0
    }

    fn fail(&mut self, before: Vec<StoredBin>, code: ResultCode) -> i64 {
        self.bins = before;
        self.cache.clear();
        self.has_updates = false;
        self.failure = Some(code);
        -1
    }
}

/// The `record` userdata: a shared handle on [`RecordData`].
#[derive(Debug, Clone)]
pub struct LuaRecord(pub Rc<RefCell<RecordData>>);

fn bin_name(name: &mlua::LuaString) -> mlua::Result<Vec<u8>> {
    let name = name.as_bytes().to_vec();
    if name.is_empty() || name.len() > BIN_NAME_MAX {
        return Err(mlua::Error::RuntimeError(format!(
            "bin name '{}' must be 1 to {BIN_NAME_MAX} bytes",
            String::from_utf8_lossy(&name)
        )));
    }
    Ok(name)
}

impl UserData for LuaRecord {
    fn add_methods<M: UserDataMethods<Self>>(methods: &mut M) {
        methods.add_meta_method(MetaMethod::Index, |lua, this, name: mlua::LuaString| {
            let val = this.0.borrow_mut().get(&name.as_bytes()).map_err(|_| {
                mlua::Error::RuntimeError(format!("bin '{}' holds a damaged value", name.to_string_lossy()))
            })?;
            to_lua(lua, &val)
        });
        methods.add_meta_method(MetaMethod::NewIndex, |lua, this, (name, v): (mlua::LuaString, Value)| {
            let name = bin_name(&name)?;
            let val = from_lua(&v);
            super::lua::charge(lua, val.weight())?;
            this.0.borrow_mut().set(&name, val);
            Ok(())
        });
        methods.add_meta_method(MetaMethod::ToString, |_, this, ()| {
            Ok(format!("Record(numbins={})", this.0.borrow().bins.len()))
        });
    }
}

type R = UserDataRef<LuaRecord>;

/// The `record` module.
pub fn record_module(lua: &Lua) -> mlua::Result<Table> {
    let t = lua.create_table()?;
    t.raw_set(
        "ttl",
        lua.create_function(|_, r: R| {
            let r = r.0.borrow();
            Ok(if r.open && r.void_time > r.now_secs { r.void_time - r.now_secs } else { 0 })
        })?,
    )?;
    t.raw_set("gen", lua.create_function(|_, r: R| Ok(if r.0.borrow().open { r.0.borrow().generation } else { 0 }))?)?;
    t.raw_set(
        "last_update_time",
        lua.create_function(|_, r: R| Ok(if r.0.borrow().open { r.0.borrow().last_update_ms } else { 0 }))?,
    )?;
    for name in ["size", "memory_size", "device_size"] {
        t.raw_set(name, lua.create_function(|_, r: R| Ok(if r.0.borrow().open { r.0.borrow().size } else { 0 }))?)?;
    }
    t.raw_set(
        "setname",
        lua.create_function(|lua, r: R| {
            let r = r.0.borrow();
            match (&r.set_name, r.open) {
                (Some(name), true) if !name.is_empty() => Ok(Value::String(lua.create_string(name)?)),
                _ => Ok(Value::Nil),
            }
        })?,
    )?;
    t.raw_set(
        "key",
        lua.create_function(|lua, r: R| {
            let r = r.0.borrow();
            let Some((&ty, data)) = r.key.as_deref().filter(|_| r.open).and_then(<[u8]>::split_first) else {
                return Ok(Value::Nil);
            };
            let particle = ParticleType::from_u8(ty).unwrap_or(ParticleType::Blob);
            match value::from_particle(particle, data) {
                Ok(val) => to_lua(lua, &val),
                Err(_) => Ok(Value::Nil),
            }
        })?,
    )?;
    t.raw_set(
        "digest",
        lua.create_function(|lua, r: R| {
            to_lua(lua, &Val::bytes(value::DEFAULT_BYTES_TYPE, r.0.borrow().digest.to_vec()))
        })?,
    )?;
    t.raw_set(
        "numbins",
        lua.create_function(|_, r: R| Ok(if r.0.borrow().open { r.0.borrow().bins.len() } else { 0 }))?,
    )?;
    t.raw_set(
        "bin_names",
        lua.create_function(|lua, r: R| {
            let r = r.0.borrow();
            let names = r.bins.iter().filter(|_| r.open).map(|b| lua.create_string(&b.name));
            lua.create_sequence_from(names.collect::<mlua::Result<Vec<_>>>()?)
        })?,
    )?;
    t.raw_set(
        "set_ttl",
        lua.create_function(|_, (r, ttl): (R, i64)| {
            // Aerospike takes the TTL as a 32-bit unsigned value (-1: never expire, -2: keep).
            r.0.borrow_mut().ttl = Some(ttl as u32);
            Ok(0)
        })?,
    )?;
    t.raw_set(
        "drop_key",
        lua.create_function(|_, r: R| {
            let mut r = r.0.borrow_mut();
            if !r.open {
                return Ok(-1);
            }
            r.drop_key = true;
            Ok(0)
        })?,
    )?;
    Ok(t)
}

/// The `aerospike` object (its functions are called with `:`, the object first).
pub fn aerospike_module(lua: &Lua) -> mlua::Result<Table> {
    let t = lua.create_table()?;
    t.raw_set(
        "create",
        lua.create_function(|_, (_, r): (Value, R)| {
            let mut r = r.0.borrow_mut();
            if r.open {
                if !r.bins.is_empty() {
                    crate::log!(Debug, "udf", "create: record already exists");
                    return Ok(1);
                }
                return Ok(r.execute_updates());
            }
            r.open = true;
            let rv = r.execute_updates();
            if rv != 0 {
                r.open = false;
            }
            Ok(rv)
        })?,
    )?;
    t.raw_set(
        "update",
        lua.create_function(|_, (_, r): (Value, R)| {
            let mut r = r.0.borrow_mut();
            if !r.open {
                return Ok(-2);
            }
            Ok(r.execute_updates())
        })?,
    )?;
    t.raw_set("exists", lua.create_function(|_, (_, r): (Value, R)| Ok(r.0.borrow().open))?)?;
    t.raw_set(
        "remove",
        lua.create_function(|_, (_, r): (Value, R)| {
            let mut r = r.0.borrow_mut();
            if !r.open {
                return Ok(1);
            }
            r.cache.clear();
            let names: Vec<Vec<u8>> = r.bins.iter().map(|b| b.name.clone()).collect();
            for name in names {
                r.set(&name, Val::Nil);
            }
            Ok(r.execute_updates())
        })?,
    )?;
    t.raw_set(
        "log",
        lua.create_function(|_, (_, level, message): (Value, i64, mlua::LuaString)| {
            let message = message.to_string_lossy();
            match level {
                ..=1 => crate::log!(Warning, "udf", "{message}"),
                2 => crate::log!(Info, "udf", "{message}"),
                3 => crate::log!(Debug, "udf", "{message}"),
                _ => crate::log!(Detail, "udf", "{message}"),
            }
            Ok(0)
        })?,
    )?;
    t.raw_set(
        "get_current_time",
        lua.create_function(|_, _: Value| Ok(crate::ground::clock::now().clepoch_ms as i64))?,
    )?;
    t.raw_set("set_context", lua.create_function(|_, _: mlua::MultiValue| Ok(0))?)?;
    t.raw_set("get_config", lua.create_function(|_, _: mlua::MultiValue| Ok(Value::Nil))?)?;
    Ok(t)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record_with(bins: &[(&str, i64)]) -> RecordData {
        RecordData {
            open: true,
            generation: 3,
            bins: bins
                .iter()
                .map(|(n, v)| StoredBin {
                    name: n.as_bytes().to_vec(),
                    particle: ParticleType::Integer,
                    value: v.to_be_bytes().to_vec(),
                })
                .collect(),
            ..Default::default()
        }
    }

    #[test]
    fn writes_wait_for_update_and_nil_deletes() {
        let mut r = record_with(&[("a", 1), ("b", 2)]);
        r.set(b"a", Val::Int(5));
        r.set(b"b", Val::Nil);
        // Reads see the pending writes.
        assert!(matches!(r.get(b"a"), Ok(Val::Int(5))));
        assert_eq!(r.bins.len(), 2);
        assert_eq!(r.execute_updates(), 0);
        assert_eq!(r.bins.len(), 1);
        assert_eq!(r.bins[0].value, 5i64.to_be_bytes());
        assert_eq!(r.old_bin_count, Some(2));
        assert!(r.has_updates);
    }

    #[test]
    fn a_value_that_cannot_be_stored_fails_the_update_and_keeps_the_bins() {
        let mut r = record_with(&[("a", 1)]);
        let list = Val::list(vec![]);
        if let Val::List(l) = &list {
            l.borrow_mut().items.push(list.clone());
        }
        r.set(b"l", list.clone());
        assert_eq!(r.execute_updates(), -1);
        assert_eq!(r.failure, Some(ResultCode::IncompatibleType));
        assert_eq!(r.bins.len(), 1);
        if let Val::List(l) = &list {
            l.borrow_mut().items.clear();
        }
    }
}

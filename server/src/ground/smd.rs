//! System metadata (Aerospike's SMD, `as/src/base/smd.c`): small sets of definitions every node
//! of a cluster must agree on — secondary indexes now; UDF modules and users later. Each module
//! is a list of items `key → value` with a version (the principal's clock when the change was
//! committed, then a generation); a delete keeps the item as a tombstone (no value), because a
//! tombstone is how a node that was away learns of the delete.
//!
//! This file is the store and its file: what an item is, which of two versions wins, and the
//! JSON file each module is kept in (`<work-directory>/smd/<module>.smd`, Aerospike's layout: an
//! array whose first element is `[cluster key, change count]`, then one object per item). How
//! changes travel between nodes is `cluster/smd.rs`'s.

use std::io::Write;
use std::path::{Path, PathBuf};

use serde_json::{json, Value};

/// A module of system metadata.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Module {
    /// Secondary index definitions: key = the definition, value = the index name.
    Sindex,
    /// UDF modules: key = the file name, value = Aerospike's JSON record of the module
    /// (`{"content64": ..., "type": "LUA", "name": ...}`).
    Udf,
    /// Users and roles (`ground/security.rs`): key `user|NAME` or `role|NAME`, value the
    /// definition as JSON.
    Security,
}

impl Module {
    /// Every module.
    pub const ALL: [Module; 3] = [Module::Sindex, Module::Udf, Module::Security];

    /// Its name: in its file's name, in `smd-show`, and between nodes.
    pub fn name(self) -> &'static str {
        match self {
            Module::Sindex => "sindex",
            Module::Udf => "UDF",
            Module::Security => "security",
        }
    }

    /// The module a name names (any case).
    pub fn from_name(name: &str) -> Option<Module> {
        Module::ALL.into_iter().find(|m| m.name().eq_ignore_ascii_case(name))
    }
}

/// A registered UDF module as a shard keeps it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UdfModule {
    /// Its source, base64 (as registered).
    pub content64: String,
    /// The SHA-1 (hex) of its system-metadata value, as `udf-list` shows it.
    pub hash: String,
}

impl UdfModule {
    /// The system-metadata value of module `name` with source `content64`: Aerospike's JSON
    /// record, written as jansson writes it, so that its hash is Aerospike's too.
    pub fn value(name: &str, content64: &str) -> String {
        let quoted = |s: &str| serde_json::to_string(s).unwrap_or_default();
        format!("{{\"content64\": {}, \"type\": \"LUA\", \"name\": {}}}", quoted(content64), quoted(name))
    }

    /// The module a system-metadata value describes; `None` if it is not such a record.
    pub fn from_value(value: &str) -> Option<UdfModule> {
        let parsed: Value = serde_json::from_str(value).ok()?;
        let content64 = parsed.get("content64")?.as_str()?.to_string();
        let hash = sha1_smol::Sha1::from(value.as_bytes()).digest().to_string();
        Some(UdfModule { content64, hash })
    }
}

/// One item.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Item {
    /// Its key.
    pub key: String,
    /// Its value; `None` for a tombstone (a deleted item).
    pub value: Option<String>,
    /// Changes committed to this key.
    pub generation: u32,
    /// When the last change was committed, in ms since 2010-01-01 (the principal's clock).
    pub timestamp: u64,
}

impl Item {
    /// True if this version wins against `other` (the same key): a later commit, then a
    /// higher generation (Aerospike's `smd_item_is_less`).
    pub fn newer_than(&self, other: &Item) -> bool {
        (self.timestamp, self.generation) > (other.timestamp, other.generation)
    }

    fn to_json(&self) -> Value {
        json!({ "key": self.key, "value": self.value, "generation": self.generation, "timestamp": self.timestamp })
    }

    fn from_json(value: &Value) -> Option<Item> {
        let object = value.as_object()?;
        let item_value = match object.get("value")? {
            Value::Null => None,
            Value::String(s) => Some(s.clone()),
            _ => return None,
        };
        Some(Item {
            key: object.get("key")?.as_str()?.to_string(),
            value: item_value,
            generation: u32::try_from(object.get("generation")?.as_u64()?).ok()?,
            timestamp: object.get("timestamp")?.as_u64()?,
        })
    }
}

/// Items as JSON (between nodes: `[item, ...]`).
pub fn items_to_json(items: &[Item]) -> String {
    Value::Array(items.iter().map(Item::to_json).collect()).to_string()
}

/// Items from JSON; `None` if any element is not an item.
pub fn items_from_json(text: &str) -> Option<Vec<Item>> {
    let value: Value = serde_json::from_str(text).ok()?;
    value.as_array()?.iter().map(Item::from_json).collect()
}

/// One module's items, in the order they were first added.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ModuleItems {
    items: Vec<Item>,
    /// The cluster key when the last change was committed, and changes since (kept in the
    /// file as Aerospike keeps them; shown by `smd-info`).
    pub committed: (u64, u64),
}

impl ModuleItems {
    /// Every item, tombstones included.
    pub fn items(&self) -> &[Item] {
        &self.items
    }

    /// The item for `key`, tombstone or not.
    pub fn get(&self, key: &str) -> Option<&Item> {
        self.items.iter().find(|i| i.key == key)
    }

    /// Items with a value.
    pub fn live(&self) -> impl Iterator<Item = &Item> {
        self.items.iter().filter(|i| i.value.is_some())
    }

    /// Stores `item` if it is new or newer than the version here; returns whether it did.
    pub fn offer(&mut self, item: Item) -> bool {
        match self.items.iter_mut().find(|i| i.key == item.key) {
            Some(here) if item.newer_than(here) => *here = item,
            Some(_) => return false,
            None => self.items.push(item),
        }
        true
    }

    /// The version a change of `key` to `value` commits at `now_ms` (the principal's clock);
    /// `None` if it changes nothing (the same value, or a delete of a missing or deleted item).
    pub fn change(&self, key: &str, value: Option<&str>, now_ms: u64) -> Option<Item> {
        let here = self.get(key);
        if here.map_or(value.is_none(), |h| h.value.as_deref() == value) {
            return None;
        }
        Some(Item {
            key: key.to_string(),
            value: value.map(str::to_string),
            generation: here.map_or(1, |h| h.generation.saturating_add(1)),
            // A later version than the one it replaces, whatever the clocks did.
            timestamp: here.map_or(now_ms, |h| now_ms.max(h.timestamp + 1)),
        })
    }

    fn to_json(&self) -> String {
        let mut array = vec![json!([self.committed.0, self.committed.1])];
        array.extend(self.items.iter().map(Item::to_json));
        serde_json::to_string_pretty(&Value::Array(array)).unwrap_or_default()
    }

    fn from_json(text: &str) -> Result<ModuleItems, String> {
        let value: Value = serde_json::from_str(text).map_err(|e| format!("not JSON: {e}"))?;
        let array = value.as_array().ok_or("not a JSON array")?;
        let mut module = ModuleItems::default();
        let mut rest = array.as_slice();
        if let Some((Value::Array(version), tail)) = rest.split_first() {
            if let [key, tid] = version.as_slice() {
                module.committed = (key.as_u64().unwrap_or(0), tid.as_u64().unwrap_or(0));
            }
            rest = tail;
        }
        for element in rest {
            let item = Item::from_json(element).ok_or_else(|| format!("not an item: {element}"))?;
            module.offer(item);
        }
        Ok(module)
    }
}

/// Every module's items, and the directory their files are in.
#[derive(Debug)]
pub struct Smd {
    dir: PathBuf,
    modules: Vec<ModuleItems>,
}

impl Smd {
    /// Reads every module's file under `work_directory/smd` (made if missing). A missing file
    /// is an empty module; a file that cannot be read or parsed stops the node, since starting
    /// without the definitions it holds would drop indexes the cluster still has.
    pub fn load(work_directory: &Path) -> Result<Smd, String> {
        let dir = work_directory.join("smd");
        std::fs::create_dir_all(&dir)
            .map_err(|e| format!("cannot make the system metadata directory {}: {e}", dir.display()))?;
        let mut modules = Vec::new();
        for module in Module::ALL {
            let path = dir.join(format!("{}.smd", module.name()));
            let items = match std::fs::read_to_string(&path) {
                Ok(text) => ModuleItems::from_json(&text).map_err(|e| format!("{}: {e}", path.display()))?,
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => ModuleItems::default(),
                Err(e) => return Err(format!("cannot read {}: {e}", path.display())),
            };
            modules.push(items);
        }
        Ok(Smd { dir, modules })
    }

    /// One module's items.
    pub fn module(&self, module: Module) -> &ModuleItems {
        &self.modules[module as usize]
    }

    /// One module's items, to change.
    pub fn module_mut(&mut self, module: Module) -> &mut ModuleItems {
        &mut self.modules[module as usize]
    }

    /// Writes a module's file: to `<name>.smd.save`, synced, then renamed over the file, so a
    /// crash leaves the old file or the new one. A small blocking write: changes are rare (an
    /// index created or dropped) and the file is a few kilobytes.
    pub fn save(&self, module: Module) -> Result<(), String> {
        let path = self.dir.join(format!("{}.smd", module.name()));
        let temp = self.dir.join(format!("{}.smd.save", module.name()));
        let write = || -> std::io::Result<()> {
            let mut file = std::fs::File::create(&temp)?;
            file.write_all(self.module(module).to_json().as_bytes())?;
            file.sync_all()?;
            std::fs::rename(&temp, &path)?;
            std::fs::File::open(&self.dir)?.sync_all()
        };
        write().map_err(|e| format!("cannot write {}: {e}", path.display()))
    }
}

/// Holds `<work-directory>/smd/.lock` for the life of the process, so that two nodes never
/// share one work directory (their system metadata would overwrite each other's).
pub fn lock_work_directory(work_directory: &Path) -> Result<std::fs::File, String> {
    use std::os::unix::io::AsRawFd;
    let dir = work_directory.join("smd");
    std::fs::create_dir_all(&dir).map_err(|e| {
        format!(
            "cannot make the work directory {}: {e} (set service work-directory or --work-directory)",
            dir.display()
        )
    })?;
    let path = dir.join(".lock");
    let file = std::fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(&path)
        .map_err(|e| format!("cannot open {}: {e}", path.display()))?;
    // SAFETY: flock on a descriptor this function owns; no memory is shared with the call.
    let locked = unsafe { libc::flock(file.as_raw_fd(), libc::LOCK_EX | libc::LOCK_NB) } == 0;
    if !locked {
        return Err(format!(
            "the work directory {} is in use by another scramjetd: give each node its own \
             (service work-directory, or --work-directory)",
            work_directory.display()
        ));
    }
    Ok(file)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn item(key: &str, value: Option<&str>, generation: u32, timestamp: u64) -> Item {
        Item { key: key.into(), value: value.map(Into::into), generation, timestamp }
    }

    #[test]
    fn versions_changes_and_tombstones() {
        let mut m = ModuleItems::default();
        let a = m.change("k", Some("a"), 100).unwrap();
        assert_eq!(a, item("k", Some("a"), 1, 100));
        assert!(m.offer(a.clone()));
        assert!(!m.offer(a.clone()), "the same version again changes nothing");
        assert_eq!(m.change("k", Some("a"), 200), None, "an unchanged value is no change");
        // A clock behind the last commit still makes a later version.
        let b = m.change("k", None, 50).unwrap();
        assert_eq!(b, item("k", None, 2, 101));
        assert!(m.offer(b));
        assert_eq!(m.live().count(), 0);
        assert_eq!(m.change("k", None, 300), None);
        assert_eq!(m.change("gone", None, 300), None);
        // An older version never replaces a newer one.
        assert!(!m.offer(item("k", Some("old"), 9, 100)));
        assert!(m.offer(item("k", Some("new"), 1, 102)));
        assert_eq!(m.get("k").unwrap().value.as_deref(), Some("new"));
    }

    #[test]
    fn files_round_trip() {
        let dir = std::env::temp_dir().join(format!("scramjet-smd-test-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        let mut smd = Smd::load(&dir).unwrap();
        assert!(smd.module(Module::Sindex).items().is_empty());
        smd.module_mut(Module::Sindex).offer(item("test|demo|age|.|I", Some("idx_age"), 1, 5));
        smd.module_mut(Module::Sindex).offer(item("test||tags|L|S", None, 2, 7));
        smd.module_mut(Module::Sindex).committed = (0xABCD, 3);
        smd.save(Module::Sindex).unwrap();
        let back = Smd::load(&dir).unwrap();
        assert_eq!(back.module(Module::Sindex), smd.module(Module::Sindex));
        let text = std::fs::read_to_string(dir.join("smd/sindex.smd")).unwrap();
        assert!(text.starts_with('[') && text.contains("\"idx_age\""), "{text}");
        // A second holder of the directory is refused.
        let _held = lock_work_directory(&dir).unwrap();
        assert!(lock_work_directory(&dir).unwrap_err().contains("in use"));
        std::fs::write(dir.join("smd/sindex.smd"), "[1, 2").unwrap();
        assert!(Smd::load(&dir).unwrap_err().contains("not JSON"));
        let _ = std::fs::remove_dir_all(&dir);
        assert_eq!(items_from_json(&items_to_json(smd.module(Module::Sindex).items())).unwrap().len(), 2);
    }
}

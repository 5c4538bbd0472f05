//! Secondary indexes of a shard's slice of a namespace (Aerospike's sindex; PROTOCOL-DATA.md §D
//! and the notes of issue 15): for each index and each partition the shard owns, an ordered set
//! of `(key, digest)` entries, so that a query walks one partition's entries in key order and
//! resumes after the last `(key, digest)` it returned.
//!
//! A key is a signed 64-bit value: the integer itself for a numeric index, a hash of the bytes
//! for a string or blob index (a query compares the record's value again, so a collision costs a
//! look, never a wrong answer). The index maps keys to records only; a query reads the record.
//!
//! The indexes stay exact through every change of a record: the store calls
//! [`SecondaryIndexes::update`] whenever a version of a record is stored and
//! [`SecondaryIndexes::remove`] whenever one goes (delete, expiry, eviction, truncate, a dropped
//! partition), with the entries of the version replaced. In memory the store derives those from
//! the old version itself ([`SecondaryIndexes::entries`]); on a device, where the old version
//! may not be in memory, each record's entries are kept with it (by digest) instead.

use std::collections::{BTreeSet, HashMap};
use std::ops::{Bound, Range, RangeInclusive};
use std::rc::Rc;

use scramjet_net::{Digest, ParticleType};

use crate::cdt::msgpack::{read_header, Header, BYTES_BLOB, BYTES_STRING};
use crate::cdt::{args, context, list::List, map::Map};
use crate::record::{RecordMeta, RecordView};

/// Most indexes a namespace holds (Aerospike's `MAX_N_SINDEXES`).
pub const MAX_INDEXES: usize = 256;
/// Longest string or blob that is indexed (Aerospike's `MAX_STRING_KSIZE`): a longer value is
/// written but not indexed.
pub const MAX_KEY_BYTES: usize = 2048;
/// The as_bytes type of a GeoJSON value inside a list or map.
const BYTES_GEOJSON: u8 = 23;

/// The type of the values an index holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum KeyType {
    /// Integers.
    Numeric,
    /// Strings.
    String,
    /// Blobs.
    Blob,
    /// GeoJSON values, indexed by the S2 cells that cover them.
    Geo,
}

impl KeyType {
    /// Its letter in a definition's system-metadata key.
    pub fn code(self) -> char {
        match self {
            KeyType::Numeric => 'I',
            KeyType::String => 'S',
            KeyType::Blob => 'B',
            KeyType::Geo => 'G',
        }
    }

    /// The key type a letter names.
    pub fn from_code(code: &str) -> Option<KeyType> {
        Some(match code {
            "I" => KeyType::Numeric,
            "S" => KeyType::String,
            "B" => KeyType::Blob,
            "G" => KeyType::Geo,
            _ => return None,
        })
    }

    /// Its name in info commands (`type=`, `sindex-list`).
    pub fn name(self) -> &'static str {
        match self {
            KeyType::Numeric => "numeric",
            KeyType::String => "string",
            KeyType::Blob => "blob",
            KeyType::Geo => "geo2dsphere",
        }
    }

    /// The particle type of its values (and of a query's range on it).
    pub fn particle(self) -> u8 {
        match self {
            KeyType::Numeric => ParticleType::Integer as u8,
            KeyType::String => ParticleType::String as u8,
            KeyType::Blob => ParticleType::Blob as u8,
            KeyType::Geo => ParticleType::GeoJson as u8,
        }
    }
}

/// Which values of the source an index holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Collection {
    /// The value itself.
    Default,
    /// Every element of a list.
    List,
    /// Every key of a map.
    MapKeys,
    /// Every value of a map.
    MapValues,
}

impl Collection {
    /// Its letter in a definition's system-metadata key.
    pub fn code(self) -> char {
        match self {
            Collection::Default => '.',
            Collection::List => 'L',
            Collection::MapKeys => 'K',
            Collection::MapValues => 'V',
        }
    }

    /// The collection a letter names.
    pub fn from_code(code: &str) -> Option<Collection> {
        Some(match code {
            "." => Collection::Default,
            "L" => Collection::List,
            "K" => Collection::MapKeys,
            "V" => Collection::MapValues,
            _ => return None,
        })
    }

    /// Its name in info commands (`indextype=`).
    pub fn name(self) -> &'static str {
        match self {
            Collection::Default => "default",
            Collection::List => "list",
            Collection::MapKeys => "mapkeys",
            Collection::MapValues => "mapvalues",
        }
    }

    /// The index types its `indextype=` value (any case) names.
    pub fn from_name(name: &str) -> Option<Collection> {
        Some(match name.to_ascii_lowercase().as_str() {
            "default" => Collection::Default,
            "list" => Collection::List,
            "mapkeys" => Collection::MapKeys,
            "mapvalues" => Collection::MapValues,
            _ => return None,
        })
    }
}

/// Computes an expression index's value for a record: its particle type and bytes, or nothing.
pub type Compute = Rc<dyn Fn(&Digest, &RecordMeta, &RecordView<'_>) -> Option<(u8, Vec<u8>)>>;

/// Where an index takes its value from.
#[derive(Clone)]
pub enum Source {
    /// A bin, or (with a packed context) the element a read-only context names inside it.
    Bin {
        /// The bin's name.
        name: Vec<u8>,
        /// The packed context (`[type, value, ...]`), if any.
        context: Option<Vec<u8>>,
    },
    /// An expression, evaluated on the record by the caller's function.
    Expression(Compute),
}

impl std::fmt::Debug for Source {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Source::Bin { name, context } => {
                f.debug_struct("Bin").field("name", &String::from_utf8_lossy(name)).field("context", context).finish()
            }
            Source::Expression(_) => f.write_str("Expression"),
        }
    }
}

/// An index's definition, as far as this shard needs it.
#[derive(Debug, Clone)]
pub struct Definition {
    /// The index's name.
    pub name: String,
    /// What the caller knows the definition by (the server: its system-metadata key), to find
    /// the index when the definition is renamed or dropped.
    pub tag: String,
    /// Only records of this set; every record of the namespace if `None`.
    pub set: Option<Vec<u8>>,
    /// Where its values come from.
    pub source: Source,
    /// Which values of the source.
    pub collection: Collection,
    /// Their type.
    pub key_type: KeyType,
}

/// One index on this shard.
#[derive(Debug)]
pub struct Index {
    /// Its definition.
    pub def: Definition,
    /// Per local partition: its entries in (key, digest) order.
    trees: Vec<BTreeSet<(i64, Digest)>>,
    /// Number of entries over all partitions.
    entries: u64,
    /// True once every record present when the index was made has been added (queries
    /// before that are refused).
    pub readable: bool,
    /// True while a task adds the records already there.
    pub building: bool,
    /// Records the build has visited, and how many there were when it started.
    pub progress: (u64, u64),
    /// How long the build took, in ms.
    pub load_time_ms: u64,
}

impl Index {
    /// Number of entries.
    pub fn entries(&self) -> u64 {
        self.entries
    }
}

/// Hashes a string's or blob's bytes to an index key.
pub fn bytes_key(bytes: &[u8]) -> i64 {
    scramjet_net::digest::fnv1a64(bytes) as i64
}

/// A record's entries in the indexes: `(slot, key)`, sorted, without repeats.
pub type Entries = Vec<(u16, i64)>;

/// The secondary indexes of a shard's partitions of one namespace.
#[derive(Debug)]
pub struct SecondaryIndexes {
    pids: Range<u16>,
    /// By slot; a dropped index leaves its slot free.
    slots: Vec<Option<Index>>,
    /// Per local partition: each indexed record's entries, when they are kept (on devices).
    entries_of: Option<Vec<HashMap<Digest, Entries>>>,
}

/// Approximate bytes one entry costs in its tree (key, digest, node overhead).
const TREE_ENTRY_BYTES: u64 = 48;
/// Approximate bytes a kept record's entries cost (map slot, digest, list).
const KEPT_ENTRY_BYTES: u64 = 60;

impl SecondaryIndexes {
    /// No indexes, for the partitions `pids`. `keep_entries`: remember each record's entries
    /// (for a store whose old versions may not be in memory when they are replaced).
    pub fn new(pids: Range<u16>, keep_entries: bool) -> SecondaryIndexes {
        let n = usize::from(pids.end - pids.start);
        let entries_of = keep_entries.then(|| (0..n).map(|_| HashMap::new()).collect());
        SecondaryIndexes { pids, slots: Vec::new(), entries_of }
    }

    /// True if each record's entries are kept: callers need not give the old version's.
    pub fn keeps_entries(&self) -> bool {
        self.entries_of.is_some()
    }

    /// True if there are no indexes.
    pub fn is_empty(&self) -> bool {
        self.slots.iter().all(Option::is_none)
    }

    /// Adds an index (empty, not readable); returns its slot, or `None` when the namespace
    /// holds [`MAX_INDEXES`] already.
    pub fn add(&mut self, def: Definition) -> Option<u16> {
        let n = usize::from(self.pids.end - self.pids.start);
        let index = Index {
            def,
            trees: (0..n).map(|_| BTreeSet::new()).collect(),
            entries: 0,
            readable: false,
            building: false,
            progress: (0, 0),
            load_time_ms: 0,
        };
        if let Some(free) = self.slots.iter().position(Option::is_none) {
            self.slots[free] = Some(index);
            return Some(free as u16);
        }
        if self.slots.len() >= MAX_INDEXES {
            return None;
        }
        self.slots.push(Some(index));
        Some((self.slots.len() - 1) as u16)
    }

    /// Drops the index in `slot` and its entries.
    pub fn drop_index(&mut self, slot: u16) {
        if self.slots.get_mut(usize::from(slot)).and_then(Option::take).is_none() {
            return;
        }
        for records in self.entries_of.iter_mut().flatten() {
            records.retain(|_, entries| {
                entries.retain(|&(s, _)| s != slot);
                !entries.is_empty()
            });
        }
    }

    /// The slot of the index named `name`.
    pub fn find(&self, name: &str) -> Option<u16> {
        self.slots.iter().position(|i| i.as_ref().is_some_and(|i| i.def.name == name)).map(|s| s as u16)
    }

    /// The index in `slot`.
    pub fn get(&self, slot: u16) -> Option<&Index> {
        self.slots.get(usize::from(slot)).and_then(Option::as_ref)
    }

    /// The index in `slot`, to rename it or mark it readable.
    pub fn get_mut(&mut self, slot: u16) -> Option<&mut Index> {
        self.slots.get_mut(usize::from(slot)).and_then(Option::as_mut)
    }

    /// Every index with its slot.
    pub fn iter(&self) -> impl Iterator<Item = (u16, &Index)> {
        self.slots.iter().enumerate().filter_map(|(s, i)| i.as_ref().map(|i| (s as u16, i)))
    }

    /// Approximate memory the index in `slot` takes on this shard.
    pub fn memory_bytes(&self, slot: u16) -> u64 {
        let per_entry = TREE_ENTRY_BYTES + if self.keeps_entries() { KEPT_ENTRY_BYTES } else { 0 };
        self.get(slot).map_or(0, |i| i.entries * per_entry)
    }

    /// The distinct keys and the records the index in `slot` holds (for `entries_per_bval`
    /// and `entries_per_rec`): a walk of every entry.
    pub fn cardinality(&self, slot: u16) -> (u64, u64) {
        let Some(index) = self.get(slot) else { return (0, 0) };
        let mut keys = 0;
        for tree in &index.trees {
            let mut last = None;
            for &(key, _) in tree {
                if last != Some(key) {
                    keys += 1;
                    last = Some(key);
                }
            }
        }
        // A record gives a default index one value, and a non-geo value one key.
        if index.def.collection == Collection::Default && index.def.key_type != KeyType::Geo {
            return (keys, index.entries);
        }
        let mut records = 0;
        for tree in &index.trees {
            let mut digests: Vec<&Digest> = tree.iter().map(|(_, d)| d).collect();
            digests.sort_unstable();
            digests.dedup();
            records += digests.len() as u64;
        }
        (keys, records)
    }

    fn local(&self, digest: &Digest) -> usize {
        usize::from(digest.partition_id() - self.pids.start)
    }

    /// The entries a version of the record `digest` (of set `set_name`) gives every index.
    pub fn entries(&self, digest: &Digest, set_name: &[u8], meta: &RecordMeta, body: &[u8]) -> Entries {
        let mut found = Vec::new();
        if self.slots.is_empty() {
            return found;
        }
        if let Some(view) = RecordView::parse(body) {
            for (slot, index) in self.iter() {
                if applies(&index.def, set_name) {
                    for key in keys(&index.def, digest, meta, &view) {
                        found.push((slot, key));
                    }
                }
            }
        }
        found.sort_unstable();
        found.dedup();
        found
    }

    /// The entries of the version of `digest` being replaced or removed: the kept ones, or
    /// `old` (the caller's [`SecondaryIndexes::entries`] of that version) when none are kept.
    fn take_old(&mut self, digest: &Digest, old: Option<Entries>) -> Entries {
        let local = self.local(digest);
        match &mut self.entries_of {
            Some(kept) => kept[local].remove(digest).unwrap_or_default(),
            None => old.unwrap_or_default(),
        }
    }

    /// A version of the record `digest` (of set `set_name`) was stored: its entries in every
    /// index become those of `body`. `old`: the entries of the version it replaced (see
    /// [`SecondaryIndexes::keeps_entries`]).
    pub fn update(&mut self, digest: &Digest, set_name: &[u8], meta: &RecordMeta, body: &[u8], old: Option<Entries>) {
        if self.slots.is_empty() {
            return;
        }
        let new = self.entries(digest, set_name, meta, body);
        let old = self.take_old(digest, old);
        let local = self.local(digest);
        if old != new {
            for &(slot, key) in &old {
                if new.binary_search(&(slot, key)).is_err() {
                    self.unlink(slot, local, key, digest);
                }
            }
            for &(slot, key) in &new {
                if old.binary_search(&(slot, key)).is_err() {
                    self.link(slot, local, key, digest);
                }
            }
        }
        if let Some(kept) = &mut self.entries_of {
            if !new.is_empty() {
                kept[local].insert(*digest, new);
            }
        }
    }

    /// The record `digest` is gone: its entries go (`old`: as for [`SecondaryIndexes::update`]).
    pub fn remove(&mut self, digest: &Digest, old: Option<Entries>) {
        if self.slots.is_empty() {
            return;
        }
        let local = self.local(digest);
        for (slot, key) in self.take_old(digest, old) {
            self.unlink(slot, local, key, digest);
        }
    }

    /// Adds the live record `digest` to the index in `slot` only (building an index over the
    /// records already there). Adding a record twice changes nothing.
    pub fn add_record(&mut self, slot: u16, digest: &Digest, set_name: &[u8], meta: &RecordMeta, body: &[u8]) {
        let Some(index) = self.get(slot) else { return };
        if !applies(&index.def, set_name) {
            return;
        }
        let Some(view) = RecordView::parse(body) else { return };
        let mut added = keys(&index.def, digest, meta, &view);
        added.sort_unstable();
        added.dedup();
        if added.is_empty() {
            return;
        }
        let local = self.local(digest);
        let Some(kept) = &mut self.entries_of else {
            // Linking an entry that is there changes nothing.
            for key in added {
                self.link(slot, local, key, digest);
            }
            return;
        };
        let mut entries = kept[local].remove(digest).unwrap_or_default();
        let mut linked = Vec::new();
        for key in added {
            if let Err(at) = entries.binary_search(&(slot, key)) {
                entries.insert(at, (slot, key));
                linked.push(key);
            }
        }
        kept[local].insert(*digest, entries);
        for key in linked {
            self.link(slot, local, key, digest);
        }
    }

    fn link(&mut self, slot: u16, local: usize, key: i64, digest: &Digest) {
        if let Some(index) = self.slots[usize::from(slot)].as_mut() {
            if index.trees[local].insert((key, *digest)) {
                index.entries += 1;
            }
        }
    }

    fn unlink(&mut self, slot: u16, local: usize, key: i64, digest: &Digest) {
        if let Some(index) = self.slots[usize::from(slot)].as_mut() {
            if index.trees[local].remove(&(key, *digest)) {
                index.entries -= 1;
            }
        }
    }

    /// Up to `limit` entries of the index in `slot` in partition `pid` whose key is in `keys`,
    /// in (key, digest) order, after `after` (exclusive) if given.
    pub fn query(
        &self,
        slot: u16,
        pid: u16,
        keys: RangeInclusive<i64>,
        after: Option<(i64, Digest)>,
        limit: usize,
    ) -> Vec<(i64, Digest)> {
        let Some(index) = self.get(slot) else { return Vec::new() };
        let tree = &index.trees[usize::from(pid - self.pids.start)];
        let to = (*keys.end(), Digest([0xff; 20]));
        // From the range's first entry, or strictly after the resume point when it is past it.
        let from = match after {
            Some(a) if a >= (*keys.start(), Digest([0; 20])) => Bound::Excluded(a),
            _ => Bound::Included((*keys.start(), Digest([0; 20]))),
        };
        let empty = match from {
            Bound::Excluded(a) => a >= to,
            Bound::Included(f) => f > to,
            Bound::Unbounded => false,
        };
        if empty {
            return Vec::new();
        }
        tree.range((from, Bound::Included(to))).take(limit).copied().collect()
    }
}

/// True if an index covers records of `set_name`.
fn applies(def: &Definition, set_name: &[u8]) -> bool {
    def.set.as_deref().is_none_or(|set| set == set_name)
}

/// A value a record gives an index.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Indexed {
    /// An integer (numeric indexes).
    Int(i64),
    /// A string's or blob's bytes.
    Bytes(Vec<u8>),
    /// GeoJSON text.
    Geo(Vec<u8>),
}

impl Indexed {
    /// Its keys: the integer, the bytes' hash (nothing for bytes longer than
    /// [`MAX_KEY_BYTES`]), a GeoJSON value's cells.
    fn keys(&self, out: &mut Vec<i64>) {
        match self {
            Indexed::Int(v) => out.push(*v),
            Indexed::Bytes(b) if b.len() <= MAX_KEY_BYTES => out.push(bytes_key(b)),
            Indexed::Bytes(_) => {}
            Indexed::Geo(text) => {
                if let Some(shape) = crate::geo::parse(text) {
                    let cells = crate::geo::cells::covering(&shape, crate::geo::cells::STORED);
                    out.extend(cells.into_iter().map(crate::geo::cells::key));
                }
            }
        }
    }
}

/// The keys a record gives an index (possibly repeated).
fn keys(def: &Definition, digest: &Digest, meta: &RecordMeta, view: &RecordView<'_>) -> Vec<i64> {
    let mut keys = Vec::new();
    for value in values(def, digest, meta, view) {
        value.keys(&mut keys);
    }
    keys
}

/// The values of the index's type a record gives it (possibly repeated): what a query checks
/// a candidate record against.
pub fn values(def: &Definition, digest: &Digest, meta: &RecordMeta, view: &RecordView<'_>) -> Vec<Indexed> {
    let mut values = Vec::new();
    match &def.source {
        Source::Bin { name, context: None } => {
            if let Some(bin) = view.bin(name) {
                particle_values(def, bin.particle as u8, bin.value, &mut values);
            }
        }
        Source::Bin { name, context: Some(context) } => {
            let Some(bin) = view.bin(name) else { return values };
            if bin.particle != ParticleType::List && bin.particle != ParticleType::Map {
                return values;
            }
            let Ok(levels) = args::context_pairs(context) else { return values };
            if let Ok(Some(element)) = context::element(bin.value, &levels) {
                element_values(def, element, &mut values);
            }
        }
        Source::Expression(compute) => {
            if let Some((particle, value)) = compute(digest, meta, view) {
                particle_values(def, particle, &value, &mut values);
            }
        }
    }
    values
}

/// The values of a bin value (a particle).
fn particle_values(def: &Definition, particle: u8, value: &[u8], out: &mut Vec<Indexed>) {
    match def.collection {
        Collection::Default if particle == def.key_type.particle() => scalar_value(def.key_type, value, out),
        Collection::Default => {}
        _ if particle == ParticleType::List as u8 || particle == ParticleType::Map as u8 => {
            element_values(def, value, out);
        }
        _ => {}
    }
}

/// The values of a packed element (a bin's list or map, or what a context names).
fn element_values(def: &Definition, element: &[u8], out: &mut Vec<Indexed>) {
    match def.collection {
        Collection::Default => element_value(def.key_type, element, out),
        Collection::List => {
            if let Ok(list) = List::parse(element) {
                for item in &list.items {
                    element_value(def.key_type, item.bytes(), out);
                }
            }
        }
        Collection::MapKeys | Collection::MapValues => {
            if let Ok(map) = Map::parse(element) {
                for (key, value) in &map.entries {
                    let side = if def.collection == Collection::MapKeys { key } else { value };
                    element_value(def.key_type, side.bytes(), out);
                }
            }
        }
    }
}

/// The value of one packed scalar, if it has the index's type.
fn element_value(key_type: KeyType, element: &[u8], out: &mut Vec<Indexed>) {
    let Ok((header, _)) = read_header(element, 0) else { return };
    match (key_type, header) {
        (KeyType::Numeric, Header::Int(v)) => out.push(Indexed::Int(v)),
        (KeyType::String, Header::Bytes { ty: Some(BYTES_STRING), data })
        | (KeyType::Blob, Header::Bytes { ty: Some(BYTES_BLOB), data }) => out.push(Indexed::Bytes(data.to_vec())),
        (KeyType::Geo, Header::Bytes { ty: Some(BYTES_GEOJSON), data }) => out.push(Indexed::Geo(data.to_vec())),
        _ => {}
    }
}

/// The value of a scalar particle of the index's type.
fn scalar_value(key_type: KeyType, value: &[u8], out: &mut Vec<Indexed>) {
    match key_type {
        KeyType::Numeric => {
            if let Ok(bytes) = <[u8; 8]>::try_from(value) {
                out.push(Indexed::Int(i64::from_be_bytes(bytes)));
            }
        }
        KeyType::String | KeyType::Blob => out.push(Indexed::Bytes(value.to_vec())),
        KeyType::Geo => {
            if let Some(text) = crate::geo::particle_text(value) {
                out.push(Indexed::Geo(text.to_vec()));
            }
        }
    }
}

#[cfg(test)]
mod tests;

//! Secondary index definitions on a shard: the system-metadata key of a definition (Aerospike's
//! `sindex_manager.c build_smd_key`), what a shard does when a definition is accepted or
//! dropped, and the build that adds the records already there to a new index, in slices, while
//! the shard keeps serving.
//!
//! A definition's key is its identity: `ns|set|bin|itype|ktype`, with `|c<context base64>`
//! after the bin for an index inside a context, `ns|set||e<expression base64>|itype|ktype` for
//! an expression index, and `ns|set|S` for a set index. The item's value is the index name.
//! Every shard holds, for its own partitions, every index of the namespaces it serves
//! (`scramjet_engine::sindex`); writes keep them exact from the moment they exist, so the build
//! only has to visit each record once.

use std::rc::Rc;

use base64::Engine as _;
use scramjet_engine::sindex::{Collection, Compute, Definition, KeyType, Source};
use scramjet_net::expression::{self, Exp, ExpType};

use crate::ground::smd::Item;
use crate::shard::Shard;

/// Records the build takes from a partition at a time.
const BUILD_SLICE: usize = 256;
/// How long the build works before it lets the shard's other traffic in.
const BUILD_YIELD_AFTER: std::time::Duration = std::time::Duration::from_micros(500);

/// A definition, as a system-metadata key holds it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Defined {
    /// An index of values.
    Index(Def),
    /// A set index (`indextype=set`): Aerospike keeps it to scan a set faster; scans here find a
    /// set's records without it, so it is kept and listed only.
    Set {
        /// Its namespace.
        namespace: String,
        /// Its set.
        set: String,
    },
}

/// An index of values.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Def {
    /// Its namespace.
    pub namespace: String,
    /// Only this set; `None` for the whole namespace.
    pub set: Option<String>,
    /// The bin (empty for an expression index).
    pub bin: String,
    /// The context's base64, as given.
    pub context: Option<String>,
    /// The expression's base64, as given.
    pub exp: Option<String>,
    /// Which values of the bin.
    pub collection: Collection,
    /// Their type.
    pub key_type: KeyType,
}

impl Defined {
    /// The system-metadata key.
    pub fn key(&self) -> String {
        match self {
            Defined::Set { namespace, set } => format!("{namespace}|{set}|S"),
            Defined::Index(d) => {
                let set = d.set.as_deref().unwrap_or("");
                let (c, k) = (d.collection.code(), d.key_type.code());
                match (&d.exp, &d.context) {
                    (Some(exp), _) => format!("{}|{set}||e{exp}|{c}|{k}", d.namespace),
                    (None, Some(ctx)) => format!("{}|{set}|{}|c{ctx}|{c}|{k}", d.namespace, d.bin),
                    (None, None) => format!("{}|{set}|{}|{c}|{k}", d.namespace, d.bin),
                }
            }
        }
    }

    /// Parses a system-metadata key; `None` for one that is not a definition.
    pub fn parse(key: &str) -> Option<Defined> {
        let parts: Vec<&str> = key.split('|').collect();
        let (namespace, set) = (parts.first()?.to_string(), parts.get(1)?.to_string());
        let optional = |s: &str| (!s.is_empty()).then(|| s.to_string());
        let index = |bin: &str, context, exp, itype: &str, ktype: &str| {
            let collection = Collection::from_code(itype)?;
            let key_type = KeyType::from_code(ktype)?;
            if collection == Collection::MapKeys && key_type == KeyType::Geo {
                return None;
            }
            Some(Defined::Index(Def {
                namespace: namespace.clone(),
                set: optional(&set),
                bin: bin.to_string(),
                context,
                exp,
                collection,
                key_type,
            }))
        };
        match parts.as_slice() {
            [_, _, "S"] if !set.is_empty() => Some(Defined::Set { namespace: namespace.clone(), set: set.clone() }),
            [_, _, bin, itype, ktype] if !bin.is_empty() => index(bin, None, None, itype, ktype),
            [_, _, "", extra, itype, ktype] => {
                let exp = extra.strip_prefix('e')?;
                index("", None, Some(exp.to_string()), itype, ktype)
            }
            [_, _, bin, extra, itype, ktype] => {
                let ctx = extra.strip_prefix('c')?;
                index(bin, Some(ctx.to_string()), None, itype, ktype)
            }
            _ => None,
        }
    }
}

impl Def {
    /// The engine's definition of the index `name`; an error if the context or expression
    /// does not decode (checked when the index was created, so only a damaged file gets here).
    pub fn engine(&self, name: &str, tag: &str) -> Result<Definition, String> {
        let source = match (&self.exp, &self.context) {
            (Some(exp), _) => {
                let bytes = decode_base64(exp).ok_or("bad expression base64")?;
                Source::Expression(compute(&bytes)?)
            }
            (None, Some(ctx)) => {
                let bytes = decode_base64(ctx).ok_or("bad context base64")?;
                Source::Bin { name: self.bin.as_bytes().to_vec(), context: Some(bytes) }
            }
            (None, None) => Source::Bin { name: self.bin.as_bytes().to_vec(), context: None },
        };
        Ok(Definition {
            name: name.to_string(),
            tag: tag.to_string(),
            set: self.set.as_ref().map(|s| s.as_bytes().to_vec()),
            source,
            collection: self.collection,
            key_type: self.key_type,
        })
    }
}

/// Standard base64, padded.
pub fn decode_base64(text: &str) -> Option<Vec<u8>> {
    base64::engine::general_purpose::STANDARD.decode(text).ok()
}

/// Checks an index expression as Aerospike's `parse_exp` does: it must read a bin or the
/// digest modulo, and no other metadata nor the record's key; returns its result type.
pub fn check_expression(bytes: &[u8]) -> Result<ExpType, &'static str> {
    let (exp, ty) = expression::parse_typed(bytes).map_err(|_| "bad 'exp'")?;
    let mut reads = false;
    let mut refused = false;
    fn walk(exp: &Exp, reads: &mut bool, refused: &mut bool) {
        match exp {
            Exp::Bin(..) | Exp::BinType(_) | Exp::DigestModulo(_) => *reads = true,
            Exp::Meta(_) | Exp::Key(_) => *refused = true,
            _ => {}
        }
        exp.for_each_child(&mut |child| walk(child, reads, refused));
    }
    walk(&exp, &mut reads, &mut refused);
    if refused || !reads {
        return Err("bad 'exp'");
    }
    Ok(ty)
}

/// An expression index's value for a record, from the filter engine.
fn compute(bytes: &[u8]) -> Result<Compute, String> {
    let filter = Rc::new(super::filter::Filter::parse(bytes).map_err(|_| "bad expression".to_string())?);
    Ok(Rc::new(move |digest, meta, view| {
        let bins = Some(*view);
        let subject = super::filter::Subject {
            builtins: None,
            compiled: filter.compiled(),
            key: None,
            bins: &bins,
            meta: *meta,
            size: 0,
            set_name: b"",
            now: crate::ground::clock::now(),
            digest,
        };
        match super::filter::evaluate(filter.exp(), &subject) {
            super::filter::Value::Bin(particle, value) => Some((particle as u8, value)),
            _ => None,
        }
    }))
}

/// Accepts changed definitions on this shard: new ones become (empty) indexes of every store
/// of their namespace and start building (once the shard has loaded its records), renamed ones are renamed, dropped ones go. Items of
/// namespaces this node does not have are skipped.
pub fn accept(shard: &Rc<Shard>, items: &[Item]) {
    let mut added = false;
    {
        let mut state = shard.state.borrow_mut();
        for item in items {
            let Some(Defined::Index(def)) = Defined::parse(&item.key) else { continue };
            let Some(ns) = shard.node.namespaces.iter().position(|n| *n == def.namespace) else { continue };
            for store in &mut state.namespaces[ns].stores {
                let indexes = store.sindexes_mut();
                let by_tag = indexes.iter().find(|(_, i)| i.def.tag == item.key).map(|(slot, _)| slot);
                let Some(name) = &item.value else {
                    if let Some(slot) = by_tag {
                        indexes.drop_index(slot);
                    }
                    continue;
                };
                if let Some(slot) = indexes.find(name) {
                    if by_tag != Some(slot) {
                        crate::log!(
                            Warning,
                            "sindex",
                            "{{{}}} index name {name} is in use: definition ignored",
                            def.namespace
                        );
                    }
                    continue;
                }
                if let Some(slot) = by_tag {
                    if let Some(index) = indexes.get_mut(slot) {
                        index.def.name = name.clone();
                    }
                    continue;
                }
                match def.engine(name, &item.key) {
                    Ok(definition) => {
                        if indexes.add(definition).is_none() {
                            crate::log!(
                                Warning,
                                "sindex",
                                "{{{}}} index limit reached: {name} not made",
                                def.namespace
                            );
                        }
                        added = true;
                    }
                    Err(e) => crate::log!(Warning, "sindex", "{{{}}} index {name} not made: {e}", def.namespace),
                }
            }
        }
    }
    // At start the build waits for the records (`start.rs` starts it after cold start).
    if added && shard.io.get().is_some() {
        glommio::spawn_local(build(shard.clone())).detach();
    }
}

/// Builds every index of this shard that is neither readable nor being built: each store's
/// partitions, a slice of records at a time, then the index is readable.
pub async fn build(shard: Rc<Shard>) {
    loop {
        let next = {
            let mut state = shard.state.borrow_mut();
            let mut found = None;
            'find: for (ns, hosted) in state.namespaces.iter_mut().enumerate() {
                for (local, store) in hosted.stores.iter_mut().enumerate() {
                    let objects = store.stats().objects;
                    let pending = store.sindexes().iter().find(|(_, i)| !i.readable && !i.building).map(|(s, _)| s);
                    if let Some(slot) = pending {
                        let index = store.sindexes_mut().get_mut(slot).expect("just found");
                        index.building = true;
                        index.progress = (0, objects);
                        found = Some((ns, local, slot, index.def.tag.clone()));
                        break 'find;
                    }
                }
            }
            found
        };
        let Some((ns, local, slot, tag)) = next else { return };
        let started = std::time::Instant::now();
        if build_one(&shard, ns, local, slot, &tag).await {
            let mut state = shard.state.borrow_mut();
            if let Some(index) = state.namespaces[ns].stores[local].sindexes_mut().get_mut(slot) {
                index.readable = true;
                index.building = false;
                index.load_time_ms = started.elapsed().as_millis() as u64;
                crate::log!(
                    Info,
                    "sindex",
                    "{{{}}} index {} built on shard {} in {} ms ({} records)",
                    shard.node.namespaces[ns],
                    index.def.name,
                    shard.id,
                    started.elapsed().as_millis(),
                    index.progress.0
                );
            }
        }
    }
}

/// True if the index in `slot` (still the one tagged `tag`) is there.
fn still_there(shard: &Shard, ns: usize, local: usize, slot: u16, tag: &str) -> bool {
    shard.state.borrow().namespaces[ns].stores[local].sindexes().get(slot).is_some_and(|i| i.def.tag == tag)
}

/// Adds every live record of one store to one index; false if the index went meanwhile.
async fn build_one(shard: &Rc<Shard>, ns: usize, local: usize, slot: u16, tag: &str) -> bool {
    let pids = shard.state.borrow().namespaces[ns].stores[local].pids();
    let mut last_yield = std::time::Instant::now();
    for pid in pids {
        let mut after = None;
        loop {
            let digests = {
                let state = shard.state.borrow();
                let store = &state.namespaces[ns].stores[local];
                store.scan_partition(pid, None, after.as_ref(), BUILD_SLICE, crate::ground::clock::now())
            };
            for digest in &digests {
                if crate::storage::fetch(&**shard, ns, digest).await.is_err() {
                    continue;
                }
                let mut state = shard.state.borrow_mut();
                let store = &mut state.namespaces[ns].stores[local];
                if store.sindexes().get(slot).is_none_or(|i| i.def.tag != tag) {
                    return false;
                }
                store.sindex_add_record(slot, digest, crate::ground::clock::now());
                store.clear_provided();
                if let Some(index) = store.sindexes_mut().get_mut(slot) {
                    index.progress.0 += 1;
                }
            }
            if last_yield.elapsed() >= BUILD_YIELD_AFTER {
                crate::ground::task::yield_to_io().await;
                last_yield = std::time::Instant::now();
                if !still_there(shard, ns, local, slot, tag) {
                    return false;
                }
            }
            if digests.len() < BUILD_SLICE {
                break;
            }
            after = digests.last().copied();
        }
    }
    true
}

/// One index on one shard, for statistics.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct IndexStats {
    /// Its namespace (by index) and name.
    pub ns: usize,
    /// Its name.
    pub name: String,
    /// Entries.
    pub entries: u64,
    /// Approximate bytes.
    pub used_bytes: u64,
    /// Readable on every store of the shard.
    pub readable: bool,
    /// Records the builds visited, and records there were when they started.
    pub progress: (u64, u64),
    /// The longest build, in ms.
    pub load_time_ms: u64,
    /// Distinct keys and records, summed over stores (partitions never share a record).
    pub distinct: (u64, u64),
}

impl IndexStats {
    /// Adds another store's or shard's statistics of the same index.
    fn add(&mut self, other: &IndexStats) {
        self.entries += other.entries;
        self.used_bytes += other.used_bytes;
        self.readable &= other.readable;
        self.progress.0 += other.progress.0;
        self.progress.1 += other.progress.1;
        self.load_time_ms = self.load_time_ms.max(other.load_time_ms);
        self.distinct.0 += other.distinct.0;
        self.distinct.1 += other.distinct.1;
    }
}

/// Adds `stats` to the entry of the same index in `all`.
fn merge(all: &mut Vec<IndexStats>, stats: IndexStats) {
    match all.iter_mut().find(|t| t.ns == stats.ns && t.name == stats.name) {
        Some(t) => t.add(&stats),
        None => all.push(stats),
    }
}

/// This shard's indexes, summed over its stores. `cardinality`: also count distinct keys and
/// records, a walk of every entry (only `sindex-stat` shows them).
pub fn shard_stats(shard: &Shard, cardinality: bool) -> Vec<IndexStats> {
    let state = shard.state.borrow();
    let mut out: Vec<IndexStats> = Vec::new();
    for (ns, hosted) in state.namespaces.iter().enumerate() {
        for store in &hosted.stores {
            let indexes = store.sindexes();
            for (slot, index) in indexes.iter() {
                let stats = IndexStats {
                    ns,
                    name: index.def.name.clone(),
                    entries: index.entries(),
                    used_bytes: indexes.memory_bytes(slot),
                    readable: index.readable,
                    progress: index.progress,
                    load_time_ms: index.load_time_ms,
                    distinct: if cardinality { indexes.cardinality(slot) } else { (0, 0) },
                };
                merge(&mut out, stats);
            }
        }
    }
    out
}

/// Every shard's index statistics, summed by index (see [`shard_stats`]).
pub async fn node_stats(shard: &Shard, cardinality: bool) -> Option<Vec<IndexStats>> {
    let mut total = shard_stats(shard, cardinality);
    let others =
        shard.run_on_others(|| move |shard: Rc<Shard>| async move { shard_stats(&shard, cardinality) }).await.ok()?;
    for stats in others.into_iter().flatten() {
        merge(&mut total, stats);
    }
    Some(total)
}

impl IndexStats {
    /// `entries_per_bval` and `entries_per_rec` (0 while empty). Keys are counted per
    /// partition, so a key in several partitions counts once in each.
    pub fn cardinality(&self) -> (u64, u64) {
        let per = |n: u64| if n == 0 { 0 } else { self.entries.div_ceil(n) };
        (per(self.distinct.0), per(self.distinct.1))
    }

    /// `load_pct`: 100 once readable, else the share of records the builds visited.
    pub fn load_pct(&self) -> u64 {
        if self.readable {
            return 100;
        }
        match self.progress {
            (_, 0) => 0,
            (done, total) => (done * 100 / total).min(99),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_round_trip() {
        for key in
            ["test|demo|age|.|I", "test||tags|L|S", "test|demo|m|ckgE=|V|I", "test|demo||elkRkAg=|.|I", "test|demo|S"]
        {
            let defined = Defined::parse(key).unwrap_or_else(|| panic!("{key}"));
            assert_eq!(defined.key(), key);
        }
        for bad in ["test|demo|age|.|X", "test|demo|age|Q|I", "test||m|K|G", "test|demo||age|.|I", "test", "test||S"] {
            assert_eq!(Defined::parse(bad), None, "{bad}");
        }
    }
}

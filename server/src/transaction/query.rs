//! Secondary index queries (PROTOCOL-DATA.md §D.2-D.3): a scan message with an INDEX_RANGE
//! field. The range and the index are read here; the scan machinery (`scan.rs`) runs the query
//! a chunk at a time on the shards that own the partitions, walking each partition's index
//! entries in (key, digest) order instead of its records, and resuming a partition after the
//! `(key, digest)` the client echoes (DIGEST_ARRAY + BVAL_ARRAY).
//!
//! Each candidate record is read and checked again against the query (a string's hash may
//! collide, a geo cell only approximates a region), then against the filter expression.

use std::rc::Rc;

use scramjet_engine::geo::{self, cells, Geometry};
use scramjet_engine::sindex::{self, Collection, Indexed, KeyType};
use scramjet_net::field::field_type;
use scramjet_net::{Digest, Message, ResultCode};

use crate::shard::Shard;

/// Longest string or blob a query may ask for.
const MAX_QUERY_BYTES: usize = 2048;
/// Longest GeoJSON region or point a query may give.
const MAX_GEOJSON_BYTES: usize = 1024 * 1024 - 1;

/// What a candidate's indexed value must satisfy.
#[derive(Debug, Clone)]
pub enum Check {
    /// An integer in `[begin, end]`.
    Range(i64, i64),
    /// These string or blob bytes.
    Equal(Vec<u8>),
    /// A point inside this region (points-within-region); with `strict` false every point of
    /// the covering's cells (the namespace's `geo2dsphere-within strict`).
    Within(Geometry, bool),
    /// A region containing this point (regions-containing-point).
    Contains(Geometry),
}

/// A query: the index and what it asks of it.
#[derive(Debug, Clone)]
pub struct Query {
    /// The index, by name.
    pub index: String,
    /// Its collection type (several entries of one record are possible unless default).
    pub collection: Collection,
    /// Key ranges to walk, ascending and disjoint.
    pub ranges: Vec<(i64, i64)>,
    /// The check of each candidate.
    pub check: Check,
}

/// Where a partition's query resumes: after this key and digest.
pub type After = (i64, Digest);

/// Reads a field that must not be empty if present.
fn field<'a>(msg: &Message<'a>, ty: u8) -> Result<Option<&'a [u8]>, ResultCode> {
    match msg.field(ty) {
        Some([]) => Err(ResultCode::Parameter),
        other => Ok(other),
    }
}

fn take<'a>(bytes: &mut &'a [u8], n: usize) -> Result<&'a [u8], ResultCode> {
    if bytes.len() < n {
        return Err(ResultCode::Parameter);
    }
    let (head, rest) = bytes.split_at(n);
    *bytes = rest;
    Ok(head)
}

fn take_value<'a>(bytes: &mut &'a [u8]) -> Result<&'a [u8], ResultCode> {
    let len = u32::from_be_bytes(take(bytes, 4)?.try_into().map_err(|_| ResultCode::Parameter)?) as usize;
    take(bytes, len)
}

/// Reads a query's range and index fields and finds its index on this shard's stores of the
/// namespace; the errors are Aerospike's (4 malformed, 201 no such index, 203 not built yet
/// on some shard of this node).
pub async fn parse(shard: &Rc<Shard>, msg: &Message<'_>, ns: usize, set: Option<&[u8]>) -> Result<Query, ResultCode> {
    let mut range = msg.field(field_type::INDEX_RANGE).ok_or(ResultCode::Parameter)?;
    if take(&mut range, 1)? != [1] {
        return Err(ResultCode::Parameter);
    }
    let bin_len = take(&mut range, 1)?[0] as usize;
    let bin = take(&mut range, bin_len)?;
    if bin.len() >= 16 {
        return Err(ResultCode::Parameter);
    }
    let particle = take(&mut range, 1)?[0];
    let begin = take_value(&mut range)?;
    let (key_type, ranges, check) = match particle {
        1 => {
            let end = take_value(&mut range)?;
            let (Ok(b), Ok(e)) = (<[u8; 8]>::try_from(begin), <[u8; 8]>::try_from(end)) else {
                return Err(ResultCode::Parameter);
            };
            let (b, e) = (i64::from_be_bytes(b), i64::from_be_bytes(e));
            if b > e {
                return Err(ResultCode::Parameter);
            }
            (KeyType::Numeric, vec![(b, e)], Check::Range(b, e))
        }
        3 | 4 => {
            if begin.len() >= MAX_QUERY_BYTES {
                return Err(ResultCode::Parameter);
            }
            let key = sindex::bytes_key(begin);
            let key_type = if particle == 3 { KeyType::String } else { KeyType::Blob };
            (key_type, vec![(key, key)], Check::Equal(begin.to_vec()))
        }
        23 => {
            if begin.is_empty() || begin.len() > MAX_GEOJSON_BYTES {
                return Err(ResultCode::Parameter);
            }
            let shape = geo::parse(begin).ok_or(ResultCode::Parameter)?;
            match shape {
                Geometry::Point(p) => {
                    let mut keys: Vec<i64> = cells::point_and_ancestors(p).into_iter().map(cells::key).collect();
                    keys.sort_unstable();
                    keys.dedup();
                    (KeyType::Geo, keys.into_iter().map(|k| (k, k)).collect(), Check::Contains(shape))
                }
                region => {
                    let geo = shard.node.config.namespaces[ns].geo;
                    let cover = cells::Cover {
                        min_level: geo.min_level,
                        max_level: geo.max_level,
                        level_mod: geo.level_mod,
                        max_cells: geo.max_cells,
                    };
                    let mut ranges: Vec<(i64, i64)> = cells::covering(&region, cover)
                        .into_iter()
                        .map(|c| {
                            let (lo, hi) = cells::leaf_range(c);
                            (cells::key(lo), cells::key(hi))
                        })
                        .collect();
                    if ranges.is_empty() {
                        return Err(ResultCode::Parameter);
                    }
                    ranges.sort_unstable();
                    (KeyType::Geo, ranges, Check::Within(region, geo.strict))
                }
            }
        }
        _ => return Err(ResultCode::Parameter),
    };
    let collection = match field(msg, field_type::INDEX_TYPE)? {
        None | Some([0]) => Collection::Default,
        Some([1]) => Collection::List,
        Some([2]) => Collection::MapKeys,
        Some([3]) => Collection::MapValues,
        Some(_) => return Err(ResultCode::Parameter),
    };
    let name = field(msg, field_type::INDEX_NAME)?;
    let exp = field(msg, field_type::INDEX_EXPRESSION)?;
    let context = field(msg, field_type::INDEX_CONTEXT)?;
    if (name.is_some() || exp.is_some()) && !bin.is_empty()
        || name.is_some() && (exp.is_some() || context.is_some())
        || exp.is_some() && context.is_some()
        || name.is_none() && exp.is_none() && bin.is_empty()
    {
        return Err(ResultCode::Parameter);
    }
    if let Some(name) = name {
        if name.len() >= 64 {
            return Err(ResultCode::Parameter);
        }
    }
    if let Some(ctx) = context {
        let canonical = scramjet_engine::cdt::rewrite(ctx).map_err(|_| ResultCode::Parameter)?;
        let levels = scramjet_engine::cdt::args::context_pairs(ctx).map_err(|_| ResultCode::Parameter)?;
        if canonical != ctx || scramjet_engine::cdt::context::element(&[0x90], &levels).is_err() {
            return Err(ResultCode::Parameter);
        }
    }
    let lookup = Lookup {
        ns,
        name: name.map(|n| String::from_utf8_lossy(n).into_owned()),
        // By definition: the system-metadata key of the definition asked for, on the query's
        // set, and namespace-wide.
        tags: set
            .map(|s| Some(s.to_vec()))
            .into_iter()
            .chain([None])
            .map(|s| {
                use base64::Engine as _;
                let encode = |b: &[u8]| base64::engine::general_purpose::STANDARD.encode(b);
                super::sindex::Defined::Index(super::sindex::Def {
                    namespace: shard.node.namespaces[ns].clone(),
                    set: s.map(|s| String::from_utf8_lossy(&s).into_owned()),
                    bin: String::from_utf8_lossy(bin).into_owned(),
                    context: context.map(encode),
                    exp: exp.map(encode),
                    collection,
                    key_type,
                })
                .key()
            })
            .collect(),
        key_type,
        set: set.map(<[u8]>::to_vec),
    };
    // Every shard holding a store of the namespace has every index; one without asks the
    // shard of partition 0.
    let here = !shard.state.borrow().namespaces[ns].stores.is_empty();
    let (index, collection) = if here {
        find_index(shard, &lookup)?
    } else {
        let owner = shard.node.routes[ns].executor_of(0, shard.node.n_shards);
        shard
            .run_on(owner, move |owner| async move { find_index(&owner, &lookup) })
            .await
            .map_err(|_| ResultCode::Unknown)??
    };
    if !readable_everywhere(shard, ns, &index).await {
        return Err(ResultCode::IndexNotReadable);
    }
    Ok(Query { index, collection, ranges, check })
}

/// What a query's index is found by.
#[derive(Debug, Clone)]
struct Lookup {
    ns: usize,
    /// Its name, if the query gives one.
    name: Option<String>,
    /// Else its definition's system-metadata key on the query's set, then namespace-wide.
    tags: Vec<String>,
    key_type: KeyType,
    set: Option<Vec<u8>>,
}

/// The name and collection type of the index a query uses, from this shard's first store.
fn find_index(shard: &Shard, lookup: &Lookup) -> Result<(String, Collection), ResultCode> {
    let state = shard.state.borrow();
    let store = state.namespaces[lookup.ns].stores.first().ok_or(ResultCode::IndexNotFound)?;
    let indexes = store.sindexes();
    let found = match &lookup.name {
        Some(name) => {
            indexes.find(name).and_then(|slot| indexes.get(slot)).filter(|i| i.def.key_type == lookup.key_type)
        }
        None => lookup.tags.iter().find_map(|tag| indexes.iter().find(|(_, i)| i.def.tag == *tag).map(|(_, i)| i)),
    };
    let found = found.ok_or(ResultCode::IndexNotFound)?;
    // A query on a set never uses an index of another set.
    if found.def.set.as_ref().is_some_and(|s| Some(s) != lookup.set.as_ref()) {
        return Err(ResultCode::IndexNotFound);
    }
    Ok((found.def.name.clone(), found.def.collection))
}

/// True if the index is built on every store of every shard of this node.
async fn readable_everywhere(shard: &Rc<Shard>, ns: usize, name: &str) -> bool {
    fn here(shard: &Shard, ns: usize, name: &str) -> bool {
        let state = shard.state.borrow();
        state.namespaces[ns].stores.iter().all(|store| {
            let indexes = store.sindexes();
            indexes.find(name).and_then(|s| indexes.get(s)).is_some_and(|i| i.readable)
        })
    }
    if !here(shard, ns, name) {
        return false;
    }
    let name = name.to_string();
    match shard
        .run_on_others(|| {
            let name = name.clone();
            move |shard: Rc<Shard>| async move { here(&shard, ns, &name) }
        })
        .await
    {
        Ok(all) => all.into_iter().all(|ok| ok),
        Err(_) => false,
    }
}

/// Up to `limit` index entries of partition `pid` for the query, after `after`; `None` if
/// the index is gone from this store.
pub fn candidates(
    store: &scramjet_engine::NamespaceStore,
    query: &Query,
    pid: u16,
    after: Option<After>,
    limit: usize,
) -> Option<Vec<After>> {
    let indexes = store.sindexes();
    let slot = indexes.find(&query.index)?;
    let mut found = Vec::new();
    for &(lo, hi) in &query.ranges {
        if found.len() == limit {
            break;
        }
        if after.is_some_and(|(key, _)| hi < key) {
            continue;
        }
        let from = after.filter(|&(key, _)| key >= lo);
        found.extend(indexes.query(slot, pid, lo..=hi, from, limit - found.len()));
    }
    Some(found)
}

/// True if the record still matches the query (its current values, not the index's keys).
pub fn record_matches(
    store: &scramjet_engine::NamespaceStore,
    query: &Query,
    digest: &Digest,
    meta: &scramjet_engine::RecordMeta,
    view: &scramjet_engine::record::RecordView<'_>,
) -> bool {
    let indexes = store.sindexes();
    let Some(index) = indexes.find(&query.index).and_then(|s| indexes.get(s)) else { return false };
    if index.def.set.as_deref().is_some_and(|s| s != store.sets().name(meta.set_id)) {
        return false;
    }
    sindex::values(&index.def, digest, meta, view).iter().any(|value| match (&query.check, value) {
        (Check::Range(b, e), Indexed::Int(v)) => (b..=e).contains(&v),
        (Check::Equal(want), Indexed::Bytes(got)) => want == got,
        (Check::Within(region, strict), Indexed::Geo(text)) => {
            matches!(geo::parse(text), Some(Geometry::Point(p)) if !strict || region.contains(p))
        }
        (Check::Contains(point), Indexed::Geo(text)) => {
            geo::parse(text).is_some_and(|region| geo::matches(&region, point))
        }
        _ => false,
    })
}

//! Secondary-index queries and partition-filtered scans (PROTOCOL-DATA.md §D.2): the where
//! clause ([`IndexFilter`]), the partitions a query covers and how far each got
//! ([`PartitionFilter`], the clients' partition tracker: a query with `max_records` goes on
//! where the last one stopped), and the request.

use scramjet_net::field::field_type;
use scramjet_net::message::{info1, info3, MessageWriter, MsgHeader};
use scramjet_net::op::OpType;
use scramjet_net::N_PARTITIONS;

use crate::error::{code, Error, Result};
use crate::policy::ScanPolicy;
use crate::value::check_bin_name;

/// Which values of a bin an index holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IndexCollection {
    /// The bin's value.
    Default = 0,
    /// Each element of a list.
    List = 1,
    /// Each key of a map.
    MapKeys = 2,
    /// Each value of a map.
    MapValues = 3,
}

impl IndexCollection {
    /// Its name in `sindex-create`.
    pub fn name(self) -> &'static str {
        match self {
            IndexCollection::Default => "default",
            IndexCollection::List => "list",
            IndexCollection::MapKeys => "mapkeys",
            IndexCollection::MapValues => "mapvalues",
        }
    }
}

/// The type of the values an index holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IndexType {
    /// Integers.
    Numeric,
    /// Strings.
    String,
    /// Blobs.
    Blob,
    /// GeoJSON values.
    Geo2dSphere,
}

impl IndexType {
    /// Its name in `sindex-create`.
    pub fn name(self) -> &'static str {
        match self {
            IndexType::Numeric => "numeric",
            IndexType::String => "string",
            IndexType::Blob => "blob",
            IndexType::Geo2dSphere => "geo2dsphere",
        }
    }
}

/// What a secondary index is on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IndexSource<'a> {
    /// A bin's values.
    Bin(&'a str),
    /// A packed expression's value for each record.
    Expression(&'a [u8]),
}

/// A query's where clause: a range or value of an indexed bin (or of the index named, or of an
/// expression index).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IndexFilter {
    bin: String,
    collection: IndexCollection,
    particle: u8,
    begin: Vec<u8>,
    end: Vec<u8>,
    context: Option<Vec<u8>>,
    index_name: Option<String>,
    expression: Option<Vec<u8>>,
}

impl IndexFilter {
    fn new(bin: &str, particle: u8, begin: Vec<u8>, end: Vec<u8>) -> IndexFilter {
        IndexFilter {
            bin: bin.to_string(),
            collection: IndexCollection::Default,
            particle,
            begin,
            end,
            context: None,
            index_name: None,
            expression: None,
        }
    }

    /// Integers of `bin` in `[begin, end]`.
    pub fn range(bin: &str, begin: i64, end: i64) -> IndexFilter {
        IndexFilter::new(bin, 1, begin.to_be_bytes().to_vec(), end.to_be_bytes().to_vec())
    }

    /// The integer `value` in `bin`.
    pub fn equal_int(bin: &str, value: i64) -> IndexFilter {
        IndexFilter::range(bin, value, value)
    }

    /// The string `value` in `bin`.
    pub fn equal_str(bin: &str, value: &str) -> IndexFilter {
        IndexFilter::new(bin, 3, value.as_bytes().to_vec(), value.as_bytes().to_vec())
    }

    /// The blob `value` in `bin`.
    pub fn equal_blob(bin: &str, value: &[u8]) -> IndexFilter {
        IndexFilter::new(bin, 4, value.to_vec(), value.to_vec())
    }

    /// GeoJSON points of `bin` inside the GeoJSON region `region` (a Polygon, MultiPolygon or
    /// AeroCircle).
    pub fn geo_within(bin: &str, region: &str) -> IndexFilter {
        IndexFilter::new(bin, 23, region.as_bytes().to_vec(), region.as_bytes().to_vec())
    }

    /// GeoJSON regions of `bin` that contain the GeoJSON point `point`.
    pub fn geo_contains(bin: &str, point: &str) -> IndexFilter {
        IndexFilter::geo_within(bin, point)
    }

    /// The same clause on a list, map-keys or map-values index.
    pub fn collection(mut self, collection: IndexCollection) -> IndexFilter {
        self.collection = collection;
        self
    }

    /// The same clause on an index inside the bin, at the packed context `context` (as
    /// [`crate::cdt::Ctx`] packs one).
    pub fn context(mut self, context: Vec<u8>) -> IndexFilter {
        self.context = Some(context);
        self
    }

    /// The same clause on the index named `name` (the bin name is then not sent).
    pub fn index_name(mut self, name: &str) -> IndexFilter {
        self.index_name = Some(name.to_string());
        self
    }

    /// The same clause on the expression index of the packed expression `expression`.
    pub fn expression(mut self, expression: Vec<u8>) -> IndexFilter {
        self.expression = Some(expression);
        self
    }

    fn range_field(&self) -> Result<Vec<u8>> {
        let bin = if self.index_name.is_some() || self.expression.is_some() { "" } else { &self.bin };
        if !bin.is_empty() {
            check_bin_name(bin)?;
        }
        let mut out = vec![1, bin.len() as u8];
        out.extend_from_slice(bin.as_bytes());
        out.push(self.particle);
        for value in [&self.begin, &self.end] {
            let len = u32::try_from(value.len()).map_err(|_| Error::new(code::PARAM, "query value too long"))?;
            out.extend_from_slice(&len.to_be_bytes());
            out.extend_from_slice(value);
        }
        Ok(out)
    }
}

/// One partition a query covers and where it got to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PartitionStatus {
    /// Partition id.
    pub pid: u16,
    /// The last record answered: its digest and index key (resumed strictly after it).
    pub last: Option<([u8; 20], i64)>,
    /// True once the partition has nothing more to give.
    pub done: bool,
}

/// The partitions a query or scan covers (all, a range, or the one of a digest) and, between
/// calls, how far each got: calling again with the same filter goes on where the last call
/// stopped, until [`PartitionFilter::is_done`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PartitionFilter {
    /// The partitions, in id order.
    pub partitions: Vec<PartitionStatus>,
}

impl PartitionFilter {
    /// Every partition.
    pub fn all() -> PartitionFilter {
        PartitionFilter::range(0, N_PARTITIONS as u16).expect("the whole range is valid")
    }

    /// Partitions `begin .. begin + count`.
    pub fn range(begin: u16, count: u16) -> Result<PartitionFilter> {
        if count == 0 || usize::from(begin) + usize::from(count) > N_PARTITIONS {
            return Err(Error::new(code::PARAM, format!("partitions {begin}+{count} are not within 0..4096")));
        }
        Ok(PartitionFilter {
            partitions: (begin..begin + count).map(|pid| PartitionStatus { pid, last: None, done: false }).collect(),
        })
    }

    /// True when every partition is done.
    pub fn is_done(&self) -> bool {
        self.partitions.iter().all(|p| p.done)
    }

    pub(crate) fn status_mut(&mut self, pid: u16) -> Option<&mut PartitionStatus> {
        let first = self.partitions.first()?.pid;
        self.partitions.get_mut(usize::from(pid.checked_sub(first)?)).filter(|p| p.pid == pid)
    }
}

/// Encodes a scan (no `filter`) or a query of `parts`, each from its start or after its last
/// record.
#[allow(clippy::too_many_arguments)]
pub fn encode(
    out: &mut Vec<u8>,
    namespace: &str,
    set: &str,
    parts: &[PartitionStatus],
    bins: Option<&[&str]>,
    policy: &ScanPolicy,
    filter: Option<&IndexFilter>,
    task_id: u64,
) -> Result<()> {
    let mut info1 = info1::READ;
    if policy.no_bins {
        info1 |= info1::GET_NO_BINS;
    } else if bins.is_none() {
        info1 |= info1::GET_ALL;
    }
    let header = MsgHeader {
        info1,
        info3: info3::PARTITION_DONE,
        transaction_ttl: crate::command::server_timeout_ms(&policy.base),
        ..Default::default()
    };
    let mut w = MessageWriter::begin(out, &header);
    w.field(field_type::NAMESPACE, namespace.as_bytes());
    if !set.is_empty() {
        w.field(field_type::SET, set.as_bytes());
    }
    if policy.records_per_second > 0 {
        w.field(field_type::RPS, &policy.records_per_second.to_be_bytes());
    }
    let socket_ms = u32::try_from(policy.base.socket_timeout.as_millis()).unwrap_or(u32::MAX);
    w.field(field_type::SOCKET_TIMEOUT, &socket_ms.to_be_bytes());
    w.field(field_type::TASK_ID, &task_id.to_be_bytes());
    if let Some(f) = filter {
        index_fields(&mut w, f)?;
    }
    crate::command::filter_field(&mut w, policy.filter.as_ref());
    let fresh: Vec<u8> = parts.iter().filter(|p| p.last.is_none()).flat_map(|p| p.pid.to_le_bytes()).collect();
    if !fresh.is_empty() {
        w.field(field_type::PID_ARRAY, &fresh);
    }
    let resumed: Vec<([u8; 20], i64)> = parts.iter().filter_map(|p| p.last).collect();
    if !resumed.is_empty() {
        let digests: Vec<u8> = resumed.iter().flat_map(|(d, _)| d.iter().copied()).collect();
        w.field(field_type::DIGEST_ARRAY, &digests);
        if filter.is_some() {
            let bvals: Vec<u8> = resumed.iter().flat_map(|(_, b)| b.to_le_bytes()).collect();
            w.field(field_type::BVAL_ARRAY, &bvals);
        }
    }
    if policy.max_records > 0 {
        w.field(field_type::MAX_RECORDS, &policy.max_records.to_be_bytes());
    }
    for name in bins.unwrap_or(&[]) {
        check_bin_name(name)?;
        w.op(OpType::Read as u8, 0, name.as_bytes(), &[]);
    }
    w.finish();
    Ok(())
}

/// The fields of a query's where clause.
pub(crate) fn index_fields(w: &mut MessageWriter<'_>, f: &IndexFilter) -> Result<()> {
    if f.collection != IndexCollection::Default {
        w.field(field_type::INDEX_TYPE, &[f.collection as u8]);
    }
    w.field(field_type::INDEX_RANGE, &f.range_field()?);
    if let Some(ctx) = &f.context {
        w.field(field_type::INDEX_CONTEXT, ctx);
    }
    if let Some(name) = &f.index_name {
        w.field(field_type::INDEX_NAME, name.as_bytes());
    }
    if let Some(exp) = &f.expression {
        w.field(field_type::INDEX_EXPRESSION, exp);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use scramjet_net::Message;

    #[test]
    fn a_resumed_query_carries_its_range_and_resume_points() {
        let mut parts = PartitionFilter::range(10, 3).unwrap();
        parts.status_mut(11).unwrap().last = Some(([11; 20], -5));
        let filter = IndexFilter::range("age", 1, 9).collection(IndexCollection::List);
        let mut out = Vec::new();
        let policy = ScanPolicy { max_records: 100, ..ScanPolicy::default() };
        encode(&mut out, "test", "s", &parts.partitions, Some(&["a"]), &policy, Some(&filter), 7).unwrap();
        let msg = Message::parse(&out[scramjet_net::PROTO_HEADER_SIZE..]).unwrap();
        assert_eq!(msg.header.info3, info3::PARTITION_DONE);
        assert_eq!(msg.field(field_type::INDEX_TYPE), Some(&[1][..]));
        let mut range = vec![1, 3, b'a', b'g', b'e', 1, 0, 0, 0, 8];
        range.extend_from_slice(&1i64.to_be_bytes());
        range.extend_from_slice(&[0, 0, 0, 8]);
        range.extend_from_slice(&9i64.to_be_bytes());
        assert_eq!(msg.field(field_type::INDEX_RANGE), Some(&range[..]));
        assert_eq!(msg.field(field_type::PID_ARRAY), Some(&[10, 0, 12, 0][..]));
        assert_eq!(msg.field(field_type::DIGEST_ARRAY), Some(&[11; 20][..]));
        assert_eq!(msg.field(field_type::BVAL_ARRAY), Some(&(-5i64).to_le_bytes()[..]));
        assert_eq!(msg.field(field_type::MAX_RECORDS), Some(&100u64.to_be_bytes()[..]));
        // By index name, the bin name is not sent.
        let named = IndexFilter::equal_str("x", "v").index_name("idx");
        out.clear();
        encode(&mut out, "test", "", &parts.partitions, None, &policy, Some(&named), 7).unwrap();
        let msg = Message::parse(&out[scramjet_net::PROTO_HEADER_SIZE..]).unwrap();
        assert_eq!(&msg.field(field_type::INDEX_RANGE).unwrap()[..3], &[1, 0, 3]);
        assert_eq!(msg.field(field_type::INDEX_NAME), Some(&b"idx"[..]));
        assert!(PartitionFilter::range(4095, 2).is_err());
    }
}

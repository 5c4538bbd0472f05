//! Scans: the digests of a partition's records, a page at a time, for scans and for migration.

use scramjet_net::Digest;

use super::NamespaceStore;
use crate::Now;

impl NamespaceStore {
    /// Up to `limit` digests of the live records of partition `pid` in set `set` (every set if
    /// `None`), in descending digest order, starting after `after` (exclusive) if given. This
    /// order is the scan order, so a scan resumed after a digest misses and repeats nothing.
    pub fn scan_partition(
        &self,
        pid: u16,
        set: Option<&[u8]>,
        after: Option<&Digest>,
        limit: usize,
        now: Now,
    ) -> Vec<Digest> {
        let local = usize::from(pid - self.index.pids().start);
        let set_id = match set {
            Some(name) => match self.sets.lookup(name) {
                Some(id) => Some(id),
                None => return Vec::new(),
            },
            None => None,
        };
        let mut digests: Vec<Digest> = self
            .index
            .partition_entries(local)
            .into_iter()
            .filter(|e| !e.is_tombstone() && !self.is_gone(e, now))
            .filter(|e| set_id.is_none_or(|id| e.meta().set_id == id))
            .map(|e| e.digest())
            .filter(|d| after.is_none_or(|a| d < a))
            .collect();
        largest_first(&mut digests, limit);
        digests
    }

    /// The records (live ones and tombstones) of partition `pid`, to migrate.
    pub fn partition_versions(&self, pid: u16, now: Now) -> Vec<Digest> {
        self.index
            .partition_entries(self.local_of(pid))
            .into_iter()
            .filter(|e| e.is_tombstone() || !self.is_gone(e, now))
            .map(|e| e.digest())
            .collect()
    }

    /// Up to `limit` of [`NamespaceStore::partition_versions`], in descending digest order,
    /// after `after` (exclusive) if given: a page of the partition for another node.
    pub fn partition_versions_after(&self, pid: u16, after: Option<&Digest>, limit: usize, now: Now) -> Vec<Digest> {
        let mut digests = self.partition_versions(pid, now);
        digests.retain(|d| after.is_none_or(|a| d < a));
        largest_first(&mut digests, limit);
        digests
    }
}

/// Keeps the `limit` largest digests, in descending order. A selection first, so that paging
/// through a big partition costs each page a linear pass, not a sort of the whole partition.
fn largest_first(digests: &mut Vec<Digest>, limit: usize) {
    if limit == 0 {
        digests.clear();
        return;
    }
    if digests.len() > limit {
        digests.select_nth_unstable_by(limit - 1, |a, b| b.cmp(a));
        digests.truncate(limit);
    }
    digests.sort_unstable_by(|a, b| b.cmp(a));
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::namespace::test_support::{digest_in, meta, record, store};

    /// Paging through a partition, a scan's way and a pull's way, visits every record once,
    /// in descending digest order, whatever the page size.
    #[test]
    fn paging_through_a_partition_visits_every_record_once_in_order() {
        let mut ns = store(16);
        let now = Now::from_clepoch_secs(1);
        ns.set_keep_tombstones(6, true);
        let mut all: Vec<Digest> = (0..300u16)
            .map(|i| {
                let mut d = digest_in(6, (i % 251) as u8);
                d.0[2] = (i >> 8) as u8;
                d.0[3] = i as u8;
                d
            })
            .collect();
        for d in &all {
            ns.put(*d, meta(0, 0), record(10), now).unwrap();
        }
        ns.remove(&all[5], now, false).unwrap(); // a tombstone: pulled, not scanned
        all.sort_unstable_by(|a, b| b.cmp(a));
        for page in [0, 1, 7, 300, 1000] {
            let (mut scanned, mut pulled) = (Vec::new(), Vec::new());
            let (mut scan_after, mut pull_after) = (None, None);
            loop {
                let got = ns.scan_partition(6, None, scan_after.as_ref(), page.max(1), now);
                scan_after = got.last().copied();
                scanned.extend_from_slice(&got);
                if got.len() < page.max(1) {
                    break;
                }
            }
            loop {
                let got = ns.partition_versions_after(6, pull_after.as_ref(), page.max(1), now);
                pull_after = got.last().copied();
                pulled.extend_from_slice(&got);
                if got.len() < page.max(1) {
                    break;
                }
            }
            assert_eq!(pulled, all, "page {page}");
            assert_eq!(scanned.len(), all.len() - 1, "page {page}: the tombstone is not scanned");
            assert!(scanned.windows(2).all(|w| w[0] > w[1]));
        }
        assert!(ns.partition_versions_after(6, None, 0, now).is_empty());
    }
}

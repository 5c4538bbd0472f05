//! The partition map: for each namespace and replica index, which node holds each of the
//! 4096 partitions, merged from every node's `replicas` answer (PROTOCOL.md §7).

use std::collections::HashMap;

use base64::engine::general_purpose::STANDARD as BASE64;
use base64::Engine;
use scramjet_net::N_PARTITIONS;

/// Node slot meaning "no node known".
pub const NO_NODE: u16 = u16::MAX;
/// Replica columns kept (master plus two replicas), as the Aerospike C client does.
pub const MAX_REPLICAS: usize = 3;

/// One namespace's map.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NamespaceMap {
    /// Replication factor the nodes report (1..=MAX_REPLICAS).
    pub n_replicas: usize,
    /// `owners[i][pid]`: slot of the node holding `pid` as replica `i` (0 = master).
    pub owners: Vec<Box<[u16; N_PARTITIONS]>>,
}

impl NamespaceMap {
    fn new() -> NamespaceMap {
        NamespaceMap { n_replicas: 1, owners: (0..MAX_REPLICAS).map(|_| Box::new([NO_NODE; N_PARTITIONS])).collect() }
    }

    /// The node slot for `pid` as replica `index`, if any.
    pub fn owner(&self, pid: u16, index: usize) -> Option<u16> {
        let slot = self.owners.get(index)?[usize::from(pid)];
        (slot != NO_NODE).then_some(slot)
    }
}

/// The map of every namespace.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PartitionMap {
    /// By namespace name.
    pub namespaces: HashMap<String, NamespaceMap>,
}

/// Why a `replicas` answer was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MapError(pub String);

impl PartitionMap {
    /// Applies node `slot`'s `replicas` answer: the partitions it claims become its, and the
    /// ones it no longer claims stop being its.
    pub fn apply_replicas(&mut self, slot: u16, value: &str) -> Result<(), MapError> {
        let parsed = parse_replicas(value)?;
        for (ns, n_replicas, bitmaps) in parsed {
            let map = self.namespaces.entry(ns).or_insert_with(NamespaceMap::new);
            map.n_replicas = n_replicas.clamp(1, MAX_REPLICAS);
            for (i, owners) in map.owners.iter_mut().enumerate() {
                let bitmap = bitmaps.get(i);
                for (pid, owner) in owners.iter_mut().enumerate() {
                    let claimed = bitmap.is_some_and(|b| b[pid >> 3] & (0x80 >> (pid & 7)) != 0);
                    if claimed {
                        *owner = slot;
                    } else if *owner == slot {
                        *owner = NO_NODE;
                    }
                }
            }
        }
        Ok(())
    }

    /// Forgets node `slot` everywhere.
    pub fn remove_node(&mut self, slot: u16) {
        for map in self.namespaces.values_mut() {
            for owners in &mut map.owners {
                owners.iter_mut().filter(|o| **o == slot).for_each(|o| *o = NO_NODE);
            }
        }
    }
}

type Claims = Vec<(String, usize, Vec<Vec<u8>>)>;

/// Parses `ns:regime,n_replicas,b64,b64…;ns2:…` (and the older `ns:n_replicas,b64…`).
pub fn parse_replicas(value: &str) -> Result<Claims, MapError> {
    let mut out = Vec::new();
    for part in value.split(';').filter(|p| !p.is_empty()) {
        let (ns, rest) = part.split_once(':').ok_or_else(|| MapError(format!("no ':' in '{part}'")))?;
        let items: Vec<&str> = rest.split(',').collect();
        let numbers = items.iter().take_while(|i| i.len() < 100).count();
        let n_replicas: usize = match numbers {
            2 => items[1].parse().map_err(|_| MapError(format!("bad replica count in '{ns}'")))?,
            1 => items[0].parse().map_err(|_| MapError(format!("bad replica count in '{ns}'")))?,
            _ => return Err(MapError(format!("bad header for namespace '{ns}'"))),
        };
        let mut bitmaps = Vec::new();
        for b64 in &items[numbers..] {
            let bytes = BASE64.decode(b64).ok().filter(|b| b.len() == N_PARTITIONS / 8);
            bitmaps.push(bytes.ok_or_else(|| MapError(format!("bad partition bitmap for namespace '{ns}'")))?);
        }
        if bitmaps.len() != n_replicas || n_replicas == 0 {
            return Err(MapError(format!("namespace '{ns}' announces {n_replicas} replicas, sends {}", bitmaps.len())));
        }
        out.push((ns.to_string(), n_replicas, bitmaps));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bitmap(pids: impl Fn(usize) -> bool) -> String {
        let mut bytes = vec![0u8; N_PARTITIONS / 8];
        for pid in (0..N_PARTITIONS).filter(|&p| pids(p)) {
            bytes[pid >> 3] |= 0x80 >> (pid & 7);
        }
        let mut s = String::new();
        BASE64.encode_string(&bytes, &mut s);
        s
    }

    #[test]
    fn two_nodes_merge_and_a_moved_partition_changes_owner() {
        let mut map = PartitionMap::default();
        let (even, odd) = (bitmap(|p| p % 2 == 0), bitmap(|p| p % 2 == 1));
        map.apply_replicas(0, &format!("test:0,2,{even},{odd}")).unwrap();
        map.apply_replicas(1, &format!("test:0,2,{odd},{even}")).unwrap();
        let ns = &map.namespaces["test"];
        assert_eq!(ns.n_replicas, 2);
        assert_eq!((ns.owner(10, 0), ns.owner(10, 1)), (Some(0), Some(1)));
        assert_eq!((ns.owner(11, 0), ns.owner(11, 1)), (Some(1), Some(0)));
        // Node 1 takes every partition as master; node 0's claims of old are overwritten.
        map.apply_replicas(1, &format!("test:0,1,{}", bitmap(|_| true))).unwrap();
        let ns = &map.namespaces["test"];
        assert_eq!(ns.owner(10, 0), Some(1));
        assert_eq!(ns.owner(10, 1), None, "node 1 no longer claims replica 1 of even partitions");
        map.remove_node(1);
        assert_eq!(map.namespaces["test"].owner(11, 0), None);
    }

    #[test]
    fn malformed_answers_are_refused() {
        let good = bitmap(|_| true);
        for bad in
            ["test", "test:0,2,AAAA", &format!("test:0,2,{good}"), "test:x,1,abc", &format!("test:0,1,{}", &good[4..])]
        {
            assert!(parse_replicas(bad).is_err(), "{bad:.40}");
        }
        assert_eq!(parse_replicas(&format!("a:0,1,{good};b:1,{good}")).unwrap().len(), 2);
    }
}

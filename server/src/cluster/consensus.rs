//! Membership consensus: a Paxos-style round, led by the principal (the highest node id a node
//! sees), that makes every member agree on the succession list and a fresh cluster key
//! (PROTOCOL.md §11, "Clustering v5").
//!
//! Sans-IO: a [`Member`] is told who is alive (from heartbeats), ticked, and handed messages;
//! it answers with [`Output`]s to send or to act on. The coordinator core does the I/O.
//!
//! A round: the candidate (a node that sees no higher id alive) proposes the set of nodes it
//! sees, under a ballot higher than any it has seen. `Prepare` needs promises from a majority
//! of the proposed members, `Accept` needs every member, and only then does the candidate send
//! `Commit`. Each ballot carries exactly one view, whose cluster key is derived from the
//! ballot and the proposer's start-time nonce, so one cluster key always means one succession
//! list. A member never goes back to an
//! older committed ballot. Lost messages make a round time out; it is tried again with a
//! higher ballot.

use std::collections::{BTreeMap, BTreeSet};

use crate::ground::node::NodeId;
use crate::partition::balance::succession;

/// A cluster as committed: its key (0 for an orphan) and its succession list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClusterView {
    /// Random-looking, non-zero, 48 bits; 0 when the node is in no cluster.
    pub key: u64,
    /// Members, sorted descending; the first is the principal.
    pub succession: Vec<NodeId>,
}

impl ClusterView {
    /// The view of a node in no cluster.
    pub fn orphan(id: NodeId) -> ClusterView {
        ClusterView { key: 0, succession: vec![id] }
    }

    /// The principal (highest id).
    pub fn principal(&self) -> NodeId {
        self.succession[0]
    }
}

/// A proposal number: rounds compare by counter, then by proposer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Ballot {
    /// Increasing counter.
    pub round: u64,
    /// The proposer.
    pub node: NodeId,
}

impl Ballot {
    /// The cluster key of the view its proposer proposes under this ballot: 48 bits, never 0.
    /// `nonce` is drawn by the proposer when it starts, so a restarted node that reaches the
    /// same ballot again makes another key.
    pub fn cluster_key(self, nonce: u64) -> u64 {
        let mut bytes = [0u8; 24];
        bytes[..8].copy_from_slice(&self.round.to_le_bytes());
        bytes[8..16].copy_from_slice(&self.node.to_le_bytes());
        bytes[16..].copy_from_slice(&nonce.to_le_bytes());
        (crate::partition::balance::fnv1a64(&bytes) >> 16).max(1)
    }
}

/// Messages between members.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Message {
    /// Phase 1: promise to ignore lower ballots.
    Prepare(Ballot),
    /// Phase 1 answer: promised.
    Promise(Ballot),
    /// Refusal of `ballot`: the refuser has promised `promised`, or does not follow the sender.
    Nack {
        /// The refused ballot.
        ballot: Ballot,
        /// The highest ballot the refuser promised.
        promised: Ballot,
    },
    /// Phase 2: accept this view.
    Accept(Ballot, ClusterView),
    /// Phase 2 answer: accepted.
    Accepted(Ballot),
    /// The view is decided: adopt it.
    Commit(Ballot, ClusterView),
}

/// What a member wants done.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Output {
    /// Send `message` to `to`.
    Send(NodeId, Message),
    /// This node's committed view changed (joined, left, or became an orphan).
    ViewChanged(ClusterView),
}

/// Timing, in ticks (a tick is one heartbeat interval).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Timing {
    /// Ticks between two evaluations of the membership by a candidate.
    pub quantum: u64,
    /// Ticks after which an unfinished round is abandoned.
    pub round_timeout: u64,
}

impl Default for Timing {
    fn default() -> Timing {
        // A round takes four one-way trips; 16 heartbeat intervals (2.4 s at 150 ms) leave room
        // for slow links without holding up the next try for long.
        Timing { quantum: 2, round_timeout: 16 }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Phase {
    Preparing,
    Accepting,
}

#[derive(Debug, Clone)]
struct Round {
    ballot: Ballot,
    view: ClusterView,
    phase: Phase,
    promised: BTreeSet<NodeId>,
    accepted: BTreeSet<NodeId>,
    started: u64,
}

/// One node's side of the membership protocol.
#[derive(Debug, Clone)]
pub struct Member {
    id: NodeId,
    nonce: u64,
    timing: Timing,
    /// Nodes heartbeats say are alive, with the cluster key each reports.
    alive: BTreeMap<NodeId, u64>,
    view: ClusterView,
    committed: Ballot,
    /// Tick of the last commit this node led or adopted.
    committed_at: u64,
    promised: Ballot,
    round: Option<Round>,
    next_round: u64,
    now: u64,
    /// A member restarted since the last round: the next round runs even for the same members.
    restarted_member: bool,
}

impl Member {
    /// A node with id `id`, in no cluster yet; `nonce` (random, drawn at start) makes its
    /// cluster keys differ from those of its earlier runs.
    pub fn new(id: NodeId, timing: Timing, nonce: u64) -> Member {
        Member {
            id,
            nonce,
            timing,
            alive: BTreeMap::new(),
            view: ClusterView::orphan(id),
            committed: Ballot::default(),
            committed_at: 0,
            promised: Ballot::default(),
            round: None,
            next_round: 1,
            now: 0,
            restarted_member: false,
        }
    }

    /// A peer restarted (its heartbeats carry a new incarnation). If this member leads, its
    /// next round runs even when the members are the same, so the cluster gets a new key.
    pub fn peer_restarted(&mut self) {
        self.restarted_member = true;
    }

    /// This node's id.
    #[cfg(test)]
    pub fn id(&self) -> NodeId {
        self.id
    }

    /// The committed view.
    pub fn view(&self) -> &ClusterView {
        &self.view
    }

    /// True if this node leads its cluster.
    #[cfg(test)]
    pub fn is_principal(&self) -> bool {
        self.view.key != 0 && self.view.principal() == self.id
    }

    /// The nodes heartbeats say are alive (others than this one), each with the cluster key
    /// its heartbeats carry (0 for an orphan).
    pub fn set_alive(&mut self, alive: impl IntoIterator<Item = (NodeId, u64)>) {
        self.alive = alive.into_iter().filter(|&(n, _)| n != self.id).collect();
    }

    /// The node this one follows: the highest id it sees, itself included.
    fn leader(&self) -> NodeId {
        self.alive.keys().next_back().copied().unwrap_or(self.id).max(self.id)
    }

    /// One tick: time out a stalled round, leave a cluster whose principal is gone, and, as a
    /// candidate, start a round when the membership should change.
    pub fn tick(&mut self) -> Vec<Output> {
        self.now += 1;
        let mut out = Vec::new();
        if self.round.as_ref().is_some_and(|r| self.now - r.started > self.timing.round_timeout) {
            self.round = None;
        }
        // A member whose principal went silent is on its own until a new round includes it.
        if self.view.key != 0 && self.view.principal() != self.id && !self.alive.contains_key(&self.view.principal()) {
            self.view = ClusterView::orphan(self.id);
            out.push(Output::ViewChanged(self.view.clone()));
        }
        if !self.now.is_multiple_of(self.timing.quantum) || self.round.is_some() || self.leader() != self.id {
            return out;
        }
        let wanted = succession(self.alive.keys().copied().chain([self.id]).collect());
        if self.view.key != 0 && self.view.succession == wanted {
            // The members are the ones wanted. One whose heartbeats still carry another key
            // missed the commit (or restarted): send it the commit again, and only if that
            // does not settle it within a round's time, run a new round.
            let stale: Vec<NodeId> =
                self.alive.iter().filter(|(_, &key)| key != self.view.key).map(|(&n, _)| n).collect();
            // A member that restarted (seen by its heartbeats' incarnation) may have lost its
            // records: it must not slip back in under the old key, where the others would take
            // it for in sync. A new round gives a new key, a new map, and migrations.
            if !self.restarted_member && (stale.is_empty() || self.now - self.committed_at <= self.timing.round_timeout)
            {
                for node in stale {
                    out.push(Output::Send(node, Message::Commit(self.committed, self.view.clone())));
                }
                return out;
            }
        }
        self.restarted_member = false;
        let ballot = Ballot { round: self.next_round.max(self.promised.round + 1), node: self.id };
        self.next_round = ballot.round + 1;
        self.promised = ballot;
        let view = ClusterView { key: ballot.cluster_key(self.nonce), succession: wanted };
        let mut round = Round {
            ballot,
            view,
            phase: Phase::Preparing,
            promised: BTreeSet::from([self.id]),
            accepted: BTreeSet::new(),
            started: self.now,
        };
        for &member in round.view.succession.iter().filter(|&&m| m != self.id) {
            out.push(Output::Send(member, Message::Prepare(ballot)));
        }
        self.advance(&mut round, &mut out); // a one-node round finishes here
        if !self.finished(&round) {
            self.round = Some(round);
        }
        out
    }

    fn finished(&self, round: &Round) -> bool {
        self.committed == round.ballot
    }

    /// Moves the round on once it has its quorum (phase 1) or every member (phase 2).
    fn advance(&mut self, round: &mut Round, out: &mut Vec<Output>) {
        let members = round.view.succession.len();
        if round.phase == Phase::Preparing && round.promised.len() * 2 > members {
            round.phase = Phase::Accepting;
            round.accepted.insert(self.id);
            for &member in round.view.succession.iter().filter(|&&m| m != self.id) {
                out.push(Output::Send(member, Message::Accept(round.ballot, round.view.clone())));
            }
        }
        if round.phase == Phase::Accepting && round.accepted.len() == members {
            for &member in round.view.succession.iter().filter(|&&m| m != self.id) {
                out.push(Output::Send(member, Message::Commit(round.ballot, round.view.clone())));
            }
            self.adopt(round.ballot, round.view.clone(), out);
        }
    }

    fn adopt(&mut self, ballot: Ballot, view: ClusterView, out: &mut Vec<Output>) {
        if ballot <= self.committed || !view.succession.contains(&self.id) {
            return;
        }
        self.committed = ballot;
        self.committed_at = self.now;
        if self.view != view {
            self.view = view;
            out.push(Output::ViewChanged(self.view.clone()));
        }
    }

    /// Handles a message from `from`.
    pub fn receive(&mut self, from: NodeId, message: Message) -> Vec<Output> {
        let mut out = Vec::new();
        match message {
            Message::Prepare(ballot) => {
                // Follow only the highest node this one sees, so that two clusters that see
                // each other merge under the higher principal.
                if ballot > self.promised && from == self.leader() && self.alive.contains_key(&from) {
                    self.promised = ballot;
                    if self.round.as_ref().is_some_and(|r| r.ballot < ballot) {
                        self.round = None;
                    }
                    out.push(Output::Send(from, Message::Promise(ballot)));
                } else {
                    out.push(Output::Send(from, Message::Nack { ballot, promised: self.promised }));
                }
            }
            Message::Accept(ballot, view) => {
                if ballot >= self.promised && ballot.node == from && view.key != 0 {
                    self.promised = ballot;
                    out.push(Output::Send(from, Message::Accepted(ballot)));
                } else {
                    out.push(Output::Send(from, Message::Nack { ballot, promised: self.promised }));
                }
            }
            Message::Commit(ballot, view) => {
                if ballot.node == from && view.key != 0 {
                    self.adopt(ballot, view, &mut out);
                }
            }
            Message::Promise(ballot) | Message::Accepted(ballot) => {
                let Some(mut round) = self.round.take() else { return out };
                if round.ballot == ballot && round.view.succession.contains(&from) {
                    match message {
                        Message::Promise(_) => round.promised.insert(from),
                        _ if round.phase == Phase::Accepting => round.accepted.insert(from),
                        _ => false,
                    };
                    self.advance(&mut round, &mut out);
                }
                if !self.finished(&round) {
                    self.round = Some(round);
                }
            }
            Message::Nack { ballot, promised } => {
                self.next_round = self.next_round.max(promised.round + 1);
                if self.round.as_ref().is_some_and(|r| r.ballot == ballot) {
                    self.round = None;
                }
            }
        }
        out
    }
}

/// First bytes of a consensus datagram.
const WIRE_MAGIC: &[u8; 4] = b"SJCM";
/// Most members a view on the wire may list.
const WIRE_MAX_MEMBERS: usize = 256;

/// Encodes `message` from `from` as a datagram.
pub fn encode(from: NodeId, message: &Message) -> Vec<u8> {
    let mut out = Vec::with_capacity(64);
    out.extend_from_slice(WIRE_MAGIC);
    out.extend_from_slice(&from.to_be_bytes());
    let (kind, ballot, view, promised) = match message {
        Message::Prepare(b) => (1u8, b, None, None),
        Message::Promise(b) => (2, b, None, None),
        Message::Nack { ballot, promised } => (3, ballot, None, Some(promised)),
        Message::Accept(b, v) => (4, b, Some(v), None),
        Message::Accepted(b) => (5, b, None, None),
        Message::Commit(b, v) => (6, b, Some(v), None),
    };
    out.push(kind);
    for b in std::iter::once(ballot).chain(promised) {
        out.extend_from_slice(&b.round.to_be_bytes());
        out.extend_from_slice(&b.node.to_be_bytes());
    }
    if let Some(view) = view {
        out.extend_from_slice(&view.key.to_be_bytes());
        let n = view.succession.len().min(WIRE_MAX_MEMBERS);
        out.extend_from_slice(&(n as u16).to_be_bytes());
        for id in &view.succession[..n] {
            out.extend_from_slice(&id.to_be_bytes());
        }
    }
    out
}

/// Decodes a datagram into its sender and message; None if it is not one (never panics).
pub fn decode(bytes: &[u8]) -> Option<(NodeId, Message)> {
    let mut r = scramjet_net::bytes::Reader::new(bytes.strip_prefix(WIRE_MAGIC)?, ());
    let from = r.u64().ok()?;
    let kind = r.u8().ok()?;
    let mut ballot = || -> Option<Ballot> { Some(Ballot { round: r.u64().ok()?, node: r.u64().ok()? }) };
    let b = ballot()?;
    let promised = if kind == 3 { Some(ballot()?) } else { None };
    let view = if kind == 4 || kind == 6 {
        let key = r.u64().ok()?;
        let n = usize::from(r.u16().ok()?);
        if n == 0 || n > WIRE_MAX_MEMBERS {
            return None;
        }
        let succession = (0..n).map(|_| r.u64().ok()).collect::<Option<Vec<_>>>()?;
        Some(ClusterView { key, succession })
    } else {
        None
    };
    r.end().ok()?;
    let message = match (kind, view, promised) {
        (1, None, None) => Message::Prepare(b),
        (2, None, None) => Message::Promise(b),
        (3, None, Some(promised)) => Message::Nack { ballot: b, promised },
        (4, Some(v), None) => Message::Accept(b, v),
        (5, None, None) => Message::Accepted(b),
        (6, Some(v), None) => Message::Commit(b, v),
        _ => return None,
    };
    Some((from, message))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::{BTreeMap, VecDeque};

    /// A seeded network of members: messages are delayed, lost and duplicated at random, and
    /// links can be cut. Checks after every step that one cluster key never stands for two
    /// succession lists.
    pub struct Sim {
        pub members: Vec<Member>,
        links: Vec<Vec<bool>>,
        queue: VecDeque<(u64, usize, usize, Message)>,
        rng: u64,
        step: u64,
        pub loss_pct: u64,
        pub dup_pct: u64,
        keys: BTreeMap<u64, Vec<NodeId>>,
    }

    impl Sim {
        pub fn new(n: usize, seed: u64) -> Sim {
            let ids: Vec<NodeId> = (0..n as u64).map(|i| 0xA0_0000 + i * 0x1_0001).collect();
            Sim {
                members: ids.iter().map(|&id| Member::new(id, Timing::default(), id ^ seed)).collect(),
                links: vec![vec![true; n]; n],
                queue: VecDeque::new(),
                rng: seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1,
                step: 0,
                loss_pct: 0,
                dup_pct: 0,
                keys: BTreeMap::new(),
            }
        }

        fn rand(&mut self, n: u64) -> u64 {
            self.rng ^= self.rng << 13;
            self.rng ^= self.rng >> 7;
            self.rng ^= self.rng << 17;
            self.rng % n
        }

        fn index(&self, id: NodeId) -> usize {
            self.members.iter().position(|m| m.id() == id).expect("known id")
        }

        fn route(&mut self, from: usize, outputs: Vec<Output>) {
            for output in outputs {
                match output {
                    Output::Send(to, message) => {
                        let to = self.index(to);
                        if !self.links[from][to] || self.rand(100) < self.loss_pct {
                            continue;
                        }
                        let copies = if self.rand(100) < self.dup_pct { 2 } else { 1 };
                        for _ in 0..copies {
                            let at = self.step + 1 + self.rand(3);
                            self.queue.push_back((at, from, to, message.clone()));
                        }
                    }
                    Output::ViewChanged(view) => {
                        if view.key != 0 {
                            let known = self.keys.entry(view.key).or_insert_with(|| view.succession.clone());
                            assert_eq!(*known, view.succession, "one cluster key, two succession lists");
                        }
                    }
                }
            }
        }

        pub fn run(&mut self, steps: u64) {
            for _ in 0..steps {
                self.step += 1;
                let n = self.members.len();
                for i in 0..n {
                    // Heartbeats: who is reachable both ways, and the cluster key each runs.
                    let alive: Vec<(NodeId, u64)> = (0..n)
                        .filter(|&j| j != i && self.links[i][j] && self.links[j][i])
                        .map(|j| (self.members[j].id(), self.members[j].view().key))
                        .collect();
                    self.members[i].set_alive(alive);
                    let out = self.members[i].tick();
                    self.route(i, out);
                }
                let due: Vec<_> = {
                    let step = self.step;
                    let (due, later): (Vec<_>, Vec<_>) = self.queue.drain(..).partition(|m| m.0 <= step);
                    self.queue = later.into();
                    due
                };
                for (_, from, to, message) in due {
                    let from_id = self.members[from].id();
                    let out = self.members[to].receive(from_id, message);
                    self.route(to, out);
                }
            }
        }

        /// Member `i` restarts: same id, a new start nonce, in no cluster; the others see its
        /// new incarnation in its heartbeats.
        fn restart(&mut self, i: usize) {
            let id = self.members[i].id();
            self.members[i] = Member::new(id, Timing::default(), id ^ self.rng);
            for (j, member) in self.members.iter_mut().enumerate() {
                if j != i {
                    member.peer_restarted();
                }
            }
        }

        /// Cuts the links between `group` and everyone else.
        fn split(&mut self, group: &[usize]) {
            let n = self.members.len();
            for i in 0..n {
                for j in 0..n {
                    self.links[i][j] = group.contains(&i) == group.contains(&j);
                }
            }
        }

        fn heal(&mut self) {
            let n = self.members.len();
            self.links = vec![vec![true; n]; n];
        }

        /// Every member in `group` shares one committed view made of exactly `group`.
        fn converged(&self, group: &[usize]) -> bool {
            let first = self.members[group[0]].view();
            let wanted = succession(group.iter().map(|&i| self.members[i].id()).collect());
            first.key != 0 && first.succession == wanted && group.iter().all(|&i| self.members[i].view() == first)
        }
    }

    #[test]
    fn a_lone_node_is_a_cluster_of_one() {
        let mut sim = Sim::new(1, 1);
        sim.run(4);
        assert!(sim.converged(&[0]));
        assert!(sim.members[0].is_principal());
    }

    #[test]
    fn five_nodes_form_one_cluster_despite_loss_and_duplicates() {
        for seed in 0..50 {
            let mut sim = Sim::new(5, seed);
            sim.loss_pct = 20;
            sim.dup_pct = 10;
            sim.run(200);
            sim.loss_pct = 0;
            sim.run(60);
            assert!(
                sim.converged(&[0, 1, 2, 3, 4]),
                "seed {seed}: {:?}",
                sim.members.iter().map(|m| m.view()).collect::<Vec<_>>()
            );
            // Once agreed, a quiet cluster keeps its key: no round without a change.
            let key = sim.members[0].view().key;
            sim.run(100);
            assert!(sim.members.iter().all(|m| m.view().key == key), "seed {seed}: the key changed while nothing did");
        }
    }

    #[test]
    fn a_split_forms_two_clusters_that_merge_when_healed() {
        for seed in 0..50 {
            let mut sim = Sim::new(5, seed);
            sim.dup_pct = 10;
            sim.run(40);
            assert!(sim.converged(&[0, 1, 2, 3, 4]), "seed {seed}: formed");
            sim.split(&[0, 1]);
            sim.run(60);
            assert!(sim.converged(&[0, 1]) && sim.converged(&[2, 3, 4]), "seed {seed}: split");
            sim.heal();
            sim.run(60);
            assert!(sim.converged(&[0, 1, 2, 3, 4]), "seed {seed}: merged");
        }
    }

    #[test]
    fn the_principal_dies_and_the_next_one_takes_over() {
        let mut sim = Sim::new(4, 7);
        sim.run(40);
        assert!(sim.members[3].is_principal());
        sim.split(&[3]); // the highest id is cut off: as good as dead to the others
        sim.run(60);
        assert!(sim.converged(&[0, 1, 2]));
        assert!(sim.members[2].is_principal());
    }

    /// A member restarting faster than the heartbeat timeout is never taken back under the key
    /// it had: the cluster forms anew, so that every node installs a new map and migrates.
    #[test]
    fn a_quick_restart_makes_a_new_cluster_key() {
        for seed in 0..50 {
            let mut sim = Sim::new(3, seed);
            sim.dup_pct = 10;
            sim.run(40);
            assert!(sim.converged(&[0, 1, 2]), "seed {seed}: formed");
            let key = sim.members[0].view().key;
            sim.restart((seed % 3) as usize);
            sim.run(60);
            assert!(sim.converged(&[0, 1, 2]), "seed {seed}: formed again");
            assert_ne!(sim.members[0].view().key, key, "seed {seed}: the restarted member came back under the old key");
        }
    }

    /// Many seeds, constant churn of links, loss and duplicates: the invariant is checked on
    /// every commit (in `route`).
    #[test]
    fn no_cluster_key_ever_names_two_memberships() {
        for seed in 0..1000 {
            let mut sim = Sim::new(5, seed);
            sim.loss_pct = 15;
            sim.dup_pct = 15;
            for _ in 0..10 {
                let group: Vec<usize> = (0..5).filter(|_| sim.rand(2) == 0).collect();
                sim.split(&group);
                let steps = 5 + sim.rand(30);
                sim.run(steps);
            }
            sim.heal();
            sim.loss_pct = 0;
            sim.run(80);
            assert!(sim.converged(&[0, 1, 2, 3, 4]), "seed {seed}: converged after the churn");
        }
    }

    #[test]
    fn messages_round_trip_on_the_wire_and_garbage_is_refused() {
        let b = Ballot { round: 9, node: 0xA4 };
        let view = ClusterView { key: b.cluster_key(7), succession: vec![0xA4, 0xA1] };
        let all = [
            Message::Prepare(b),
            Message::Promise(b),
            Message::Nack { ballot: b, promised: Ballot { round: 12, node: 0xA5 } },
            Message::Accept(b, view.clone()),
            Message::Accepted(b),
            Message::Commit(b, view),
        ];
        for m in all {
            let bytes = encode(0xA4, &m);
            assert_eq!(decode(&bytes), Some((0xA4, m.clone())));
            for cut in 0..bytes.len() {
                assert_eq!(decode(&bytes[..cut]), None, "{m:?} cut at {cut}");
            }
            let mut longer = bytes.clone();
            longer.push(0);
            assert_eq!(decode(&longer), None);
        }
        assert_eq!(decode(b"SJHB-a heartbeat"), None);
    }
}

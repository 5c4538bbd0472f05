//! The load engine: each thread runs one epoll loop over non-blocking sockets and keeps its
//! share of the operations in flight, each in a [`Slot`]. A slot owns its connections (one per
//! node port it talks to) and carries one operation at a time: encode, send, read the answer
//! frame by frame, record, start the next. No runtime and no locks: a thread's slots,
//! connections and stats are its own; routing comes from the view a blocking
//! `scramjet::Client` keeps current in the background, re-read once a second.
//!
//! The same loop drives `--echo` (64-byte round trips to an echo server, see `crate::echo`)
//! so that the loopback ceiling is measured with the same machinery.

use std::collections::HashMap;
use std::io::{ErrorKind, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::os::fd::AsRawFd;
use std::sync::{mpsc, Arc};
use std::time::{Duration, Instant};

use scramjet::blocking::View;
use scramjet::command::{self, ReadBins};
use scramjet::error::code;
use scramjet::policy::{BasePolicy, ExistsAction, Replica, WritePolicy};
use scramjet::tls::Stream;
use scramjet::{cdt, Client, Key, UserKey, Value};
use scramjet_net::message::{info3, MsgHeader};
use scramjet_net::{Message, ProtoHeader, PROTO_HEADER_SIZE};

use crate::spec::{BinSpec, Distribution, Workload};
use crate::stats::{OpKind, Stats};
use crate::throttle::Pacer;
use crate::workload::{KeyChooser, Rng, ValueMaker};

/// Everything a run needs, fixed before it starts.
#[derive(Debug, Clone)]
pub struct RunConfig {
    /// Namespace.
    pub namespace: String,
    /// Set.
    pub set: String,
    /// Base bin name.
    pub bin: String,
    /// Object spec.
    pub bins: Vec<BinSpec>,
    /// First key.
    pub start_key: u64,
    /// Number of keys.
    pub keys: u64,
    /// What to do.
    pub workload: Workload,
    /// How random keys are picked.
    pub distribution: Distribution,
    /// Operations in flight, all threads together.
    pub concurrency: usize,
    /// Threads (event loops).
    pub threads: usize,
    /// Stop after this long (random workloads default to 10 s).
    pub duration: Option<Duration>,
    /// Stop after this many operations.
    pub ops: Option<u64>,
    /// Target operations per second.
    pub throughput: Option<f64>,
    /// Deadline of each operation, retries included.
    pub timeout: Duration,
    /// Retries after a network error or timeout.
    pub retries: u32,
    /// Reads are batch reads of this many keys (0: single reads).
    pub batch_size: usize,
    /// The record UDF of workload UF: module, function and arguments.
    pub udf: Option<(String, String, Vec<Value>)>,
    /// TTL of writes (0: the namespace default).
    pub ttl: u32,
    /// Send commands to the owning shard's port.
    pub shard_routing: bool,
    /// Seed of the random choices.
    pub seed: u64,
    /// Print a line per second.
    pub progress: bool,
    /// `--echo`: 64-byte round trips to this address instead of database commands.
    pub echo: Option<SocketAddr>,
    /// Busy-poll this long before sleeping when there is nothing to do (`--spin-us`).
    pub spin: Duration,
    /// The user each new connection logs in as (`-U`, `-P`), on nodes with access control.
    pub credentials: Option<Arc<scramjet::auth::Credentials>>,
    /// TLS to the nodes' TLS ports (`--tls-name`, `--tls-cafile`, ...).
    pub tls: Option<scramjet::tls::Tls>,
}

/// The outcome of a run.
pub struct RunResult {
    /// Everything recorded.
    pub stats: Stats,
    /// Wall time from the start to the last operation, in seconds.
    pub seconds: f64,
    /// Each second of the run, in order.
    pub per_second: Vec<crate::stats::Second>,
}

/// What one thread does.
struct Share {
    index: usize,
    slots: usize,
    ops: Option<u64>,
    rate: Option<f64>,
    keys: (u64, u64), // linear workloads: [start, end)
}

fn split(total: u64, parts: usize, i: usize) -> u64 {
    total / parts as u64 + u64::from((i as u64) < total % parts as u64)
}

/// Runs the configured load; `client` (None for `--echo`) tends the cluster meanwhile.
pub fn run(cfg: RunConfig, client: Option<Arc<Client>>) -> Result<RunResult, String> {
    let cfg = Arc::new(cfg);
    let threads = cfg.threads.clamp(1, cfg.concurrency.max(1));
    let (tx, rx) = mpsc::channel::<(u64, Stats)>();
    let mut handles = Vec::new();
    let mut next_key = cfg.start_key;
    for index in 0..threads {
        let keys = split(cfg.keys, threads, index);
        let share = Share {
            index,
            slots: split(cfg.concurrency as u64, threads, index) as usize,
            ops: cfg.ops.map(|n| split(n, threads, index)),
            rate: cfg.throughput.map(|r| r / threads as f64),
            keys: (next_key, next_key + keys),
        };
        next_key += keys;
        let (cfg, client, tx) = (cfg.clone(), client.clone(), tx.clone());
        let handle = std::thread::Builder::new()
            .name(format!("perf-{index}"))
            .spawn(move || Loop::new(cfg, client, share, tx).and_then(Loop::run))
            .map_err(|e| format!("cannot start thread {index}: {e}"))?;
        handles.push(handle);
    }
    drop(tx);
    let mut pending: HashMap<u64, (usize, Stats)> = HashMap::new();
    let mut per_second = Vec::new();
    for (second, stats) in rx.iter() {
        let entry = pending.entry(second).or_insert_with(|| (0, Stats::default()));
        entry.0 += 1;
        entry.1.merge(&stats);
        if entry.0 == threads {
            let (_, merged) = pending.remove(&second).expect("present");
            if cfg.progress {
                println!("{}", crate::stats::progress_line(second, &merged, 1.0));
            }
            per_second.push(crate::stats::Second::of(second, &merged));
        }
    }
    per_second.sort_by_key(|s| s.second);
    let mut stats = Stats::default();
    let mut seconds: f64 = 0.0;
    for h in handles {
        let (s, busy) = h.join().map_err(|_| "a load thread panicked".to_string())??;
        stats.merge(&s);
        seconds = seconds.max(busy);
    }
    Ok(RunResult { stats, seconds, per_second })
}

/// A connection of one slot.
struct Conn {
    /// Plain TCP, or TLS over it (non-blocking after the handshake).
    stream: Stream,
    address: SocketAddr,
    slot: usize,
    buf: Vec<u8>, // `buf[..filled]` received and not yet consumed; the rest is room
    filled: usize,
    want_write: bool,
}

/// What a slot is doing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    /// Ready to start an operation (or waiting for the pacer's time).
    Idle,
    /// Sending `request[written..]` on `conn`, then reading its answer.
    InFlight,
    /// The run is over for this slot.
    Done,
}

/// One operation in flight at a time.
struct Slot {
    state: State,
    rng: Rng,
    kind: OpKind,
    key: Option<Key>,
    started: Instant,
    deadline: Instant,
    attempt: u32,
    conn: usize,
    conns: Vec<(SocketAddr, usize)>, // this slot's connections, by address (a few at most)
    request: Vec<u8>,
    written: usize,
    /// Batch: the requests still to send, by address (the current one is `request`).
    batch: Vec<(SocketAddr, Vec<u8>)>,
    batch_address: Option<SocketAddr>,
    start_at: Option<Instant>,
}

enum Frame {
    /// A whole answer: its result code.
    Done(u8),
    /// More messages follow (batch rows before LAST).
    More,
}

struct Loop {
    cfg: Arc<RunConfig>,
    client: Option<Arc<Client>>,
    view: Option<Arc<View>>,
    epoll: i32,
    slots: Vec<Slot>,
    conns: Vec<Option<Conn>>,
    free_conns: Vec<usize>,
    interval: Stats,
    total: Stats,
    tx: mpsc::Sender<(u64, Stats)>,
    ops_left: Option<u64>,
    next_key: u64,
    end_key: u64,
    pacer: Option<Pacer>,
    stop_at: Option<Instant>,
    values: ValueMaker,
    value_buf: Vec<Value>,
    chooser: KeyChooser,
    started: Instant,
    last_op: Instant,
    finished: bool,
}

pub(crate) const EV_IN: u32 = libc::EPOLLIN as u32;
const EV_OUT: u32 = libc::EPOLLOUT as u32;

impl Drop for Loop {
    fn drop(&mut self) {
        // SAFETY: closing the epoll descriptor this loop created and owns.
        unsafe { libc::close(self.epoll) };
    }
}

impl Loop {
    fn new(
        cfg: Arc<RunConfig>,
        client: Option<Arc<Client>>,
        share: Share,
        tx: mpsc::Sender<(u64, Stats)>,
    ) -> Result<Loop, String> {
        // SAFETY: plain syscall; the descriptor is owned by the Loop and closed on drop.
        let epoll = unsafe { libc::epoll_create1(libc::EPOLL_CLOEXEC) };
        if epoll < 0 {
            return Err(format!("epoll_create1: {}", std::io::Error::last_os_error()));
        }
        let mut rng = Rng::new(cfg.seed.wrapping_add(share.index as u64 * 7919));
        let started = Instant::now();
        let default_duration = (!cfg.workload.is_linear() && cfg.ops.is_none()).then_some(Duration::from_secs(10));
        let slots = (0..share.slots)
            .map(|_| Slot {
                state: State::Idle,
                rng: Rng::new(rng.next_u64()),
                kind: OpKind::Read,
                key: None,
                started,
                deadline: started,
                attempt: 0,
                conn: usize::MAX,
                conns: Vec::new(),
                request: Vec::with_capacity(4096),
                written: 0,
                batch: Vec::new(),
                batch_address: None,
                start_at: None,
            })
            .collect();
        Ok(Loop {
            values: ValueMaker::new(&cfg.bin, &cfg.bins, &mut rng),
            value_buf: Vec::new(),
            chooser: KeyChooser::new(cfg.start_key, cfg.keys.max(1), cfg.distribution),
            view: client.as_ref().map(|c| c.view()),
            client,
            epoll,
            slots,
            conns: Vec::new(),
            free_conns: Vec::new(),
            interval: Stats::default(),
            total: Stats::default(),
            tx,
            ops_left: share.ops,
            next_key: share.keys.0,
            end_key: share.keys.1,
            pacer: share.rate.filter(|r| *r > 0.0).map(Pacer::new),
            stop_at: cfg.duration.or(default_duration).map(|d| started + d),
            started,
            last_op: started,
            finished: false,
            cfg,
        })
    }

    fn run(mut self) -> Result<(Stats, f64), String> {
        let mut events = vec![libc::epoll_event { events: 0, u64: 0 }; 256];
        let mut second = 1;
        loop {
            let now = Instant::now();
            for s in 0..self.slots.len() {
                if self.slots[s].state == State::Idle {
                    self.start(s, now);
                }
            }
            if self.slots.iter().all(|s| s.state == State::Done) {
                break;
            }
            let report_at = self.started + Duration::from_secs(second);
            let wake = self
                .slots
                .iter()
                .filter_map(|s| match s.state {
                    State::InFlight => Some(s.deadline),
                    State::Idle => s.start_at,
                    State::Done => None,
                })
                .chain([report_at])
                .min()
                .expect("report_at is always there");
            // Busy-poll for a while before sleeping (--spin-us): an answer that comes meanwhile
            // needs no wake-up. Then block, rounded up to the next millisecond (epoll_wait
            // counts those).
            let mut n = 0;
            if !self.cfg.spin.is_zero() {
                let spin_until = (Instant::now() + self.cfg.spin).min(wake);
                loop {
                    // SAFETY: `events` has room for its length; the descriptor is ours.
                    n = unsafe { libc::epoll_wait(self.epoll, events.as_mut_ptr(), events.len() as i32, 0) };
                    if n != 0 || Instant::now() >= spin_until {
                        break;
                    }
                }
            }
            if n == 0 {
                let wait_ms = wake.saturating_duration_since(Instant::now()).as_micros().div_ceil(1000) as i32;
                // SAFETY: `events` has room for its length; the descriptor is ours.
                n = unsafe { libc::epoll_wait(self.epoll, events.as_mut_ptr(), events.len() as i32, wait_ms) };
            }
            if n < 0 {
                let e = std::io::Error::last_os_error();
                if e.kind() == ErrorKind::Interrupted {
                    continue;
                }
                return Err(format!("epoll_wait: {e}"));
            }
            for ev in &events[..n as usize] {
                let (conn, flags) = (ev.u64 as usize, ev.events);
                self.on_event(conn, flags);
            }
            let now = Instant::now();
            for s in 0..self.slots.len() {
                if self.slots[s].state == State::InFlight && now >= self.slots[s].deadline {
                    let conn = self.slots[s].conn;
                    self.close(conn);
                    self.retry_or_fail(s, code::TIMEOUT, now);
                }
            }
            if now >= report_at {
                let interval = std::mem::take(&mut self.interval);
                let _ = self.tx.send((second, interval));
                second += 1;
                if let Some(client) = &self.client {
                    self.view = Some(client.view());
                }
            }
        }
        let busy = self.last_op.saturating_duration_since(self.started).as_secs_f64();
        Ok((std::mem::take(&mut self.total), busy))
    }

    /// Whether another operation may start; marks the run over when not.
    fn take_op(&mut self, now: Instant) -> bool {
        if self.finished || self.stop_at.is_some_and(|t| now >= t) || self.ops_left == Some(0) {
            self.finished = true;
            return false;
        }
        if let Some(n) = &mut self.ops_left {
            *n -= 1;
        }
        true
    }

    fn start(&mut self, s: usize, now: Instant) {
        if let Some(at) = self.slots[s].start_at {
            if now < at {
                return;
            }
            self.slots[s].start_at = None;
        } else {
            if !self.take_op(now) {
                self.slots[s].state = State::Done;
                return;
            }
            if let Some(pacer) = &mut self.pacer {
                let wait = pacer.reserve(now);
                if !wait.is_zero() {
                    self.slots[s].start_at = Some(now + wait);
                    return;
                }
            }
        }
        if let Err(()) = self.prepare(s) {
            self.slots[s].state = State::Done;
            return;
        }
        let slot = &mut self.slots[s];
        slot.started = now;
        slot.deadline = now + self.cfg.timeout;
        slot.attempt = 0;
        self.send(s, now);
    }

    /// Picks the operation and encodes its request; Err when a linear workload ran out.
    fn prepare(&mut self, s: usize) -> Result<(), ()> {
        let cfg = self.cfg.clone();
        let slot = &mut self.slots[s];
        slot.batch.clear();
        slot.batch_address = None;
        if cfg.echo.is_some() {
            slot.kind = OpKind::Echo;
            slot.request.clear();
            slot.request.extend_from_slice(&[7u8; 64]);
            return Ok(());
        }
        let (kind, key) = match cfg.workload {
            Workload::Insert | Workload::Delete => {
                if self.next_key >= self.end_key {
                    self.finished = true;
                    return Err(());
                }
                self.next_key += 1;
                let kind = if cfg.workload == Workload::Insert { OpKind::Write } else { OpKind::Delete };
                (kind, self.next_key - 1)
            }
            Workload::ReadUpdate { read_pct }
            | Workload::ReadReplace { read_pct }
            | Workload::MapUpdate { read_pct }
            | Workload::Increment { read_pct }
            | Workload::Udf { read_pct } => {
                let read = slot.rng.percent(f64::from(read_pct));
                let kind = match (read, cfg.batch_size) {
                    (true, 0) => OpKind::Read,
                    (true, _) => OpKind::Batch,
                    (false, _) => OpKind::Write,
                };
                (kind, self.chooser.next(&mut slot.rng))
            }
        };
        slot.kind = kind;
        let base = BasePolicy {
            socket_timeout: cfg.timeout,
            total_timeout: cfg.timeout,
            max_retries: cfg.retries,
            ..BasePolicy::READ
        };
        let k = match slot.key.take() {
            Some(mut k) => {
                k.set_user_key(UserKey::Int(key as i64));
                k
            }
            None => record_key(&cfg, key),
        };
        slot.request.clear();
        if let Workload::MapUpdate { .. } = cfg.workload {
            // One entry of the record's map: read by key, or incremented.
            let entries = match cfg.bins.first() {
                Some(BinSpec::Map(n)) => *n as u64,
                _ => unreachable!("MU runs are checked to have a map bin"),
            };
            let entry = Value::Int(slot.rng.below(entries) as i64);
            let op = if kind == OpKind::Read {
                cdt::map_get_by_key(cfg.bin.as_str(), cdt::ReturnType::VALUE, entry)
            } else {
                cdt::map_increment(cfg.bin.as_str(), entry, Value::Int(1), None)
            };
            let policy = WritePolicy { base, ttl: cfg.ttl, ..WritePolicy::default() };
            if let Err(e) = command::encode_operate(&mut slot.request, &k, &[op], &policy) {
                panic!("cannot encode a map {kind:?}: {e:?}");
            }
            slot.key = Some(k);
            return Ok(());
        }
        // Updates of IU and UF: an increment by operate, or a record UDF call.
        if kind == OpKind::Write && matches!(cfg.workload, Workload::Increment { .. } | Workload::Udf { .. }) {
            let policy = WritePolicy { base, ttl: cfg.ttl, ..WritePolicy::default() };
            let encoded = match &cfg.udf {
                Some((module, function, args)) if matches!(cfg.workload, Workload::Udf { .. }) => {
                    scramjet::udf::encode_apply(&mut slot.request, &k, module, function, args, &policy)
                }
                _ => {
                    let op = scramjet::Operation::Increment(cfg.bin.clone(), Value::Int(1));
                    command::encode_operate(&mut slot.request, &k, &[op], &policy)
                }
            };
            if let Err(e) = encoded {
                panic!("cannot encode an update: {e:?}");
            }
            slot.key = Some(k);
            return Ok(());
        }
        let encoded = match kind {
            OpKind::Read => command::encode_read(&mut slot.request, &k, ReadBins::All, &base, None),
            OpKind::Write => {
                let policy = WritePolicy {
                    base,
                    ttl: cfg.ttl,
                    exists: if matches!(cfg.workload, Workload::ReadReplace { .. }) {
                        ExistsAction::Replace
                    } else {
                        ExistsAction::Update
                    },
                    ..WritePolicy::default()
                };
                let bins = self.values.bins(&mut slot.rng, &mut self.value_buf);
                command::encode_put(&mut slot.request, &k, &bins, &policy)
            }
            OpKind::Delete => {
                command::encode_delete(&mut slot.request, &k, &WritePolicy { base, ..WritePolicy::default() });
                Ok(())
            }
            OpKind::Batch => {
                let keys: Vec<Key> = std::iter::once(key)
                    .chain((1..cfg.batch_size).map(|_| self.chooser.next(&mut slot.rng)))
                    .map(|k| record_key(&cfg, k))
                    .collect();
                let view = self.view.as_ref().expect("database runs have a view");
                let mut groups: HashMap<SocketAddr, Vec<(u32, &Key)>> = HashMap::new();
                for (i, k) in keys.iter().enumerate() {
                    if let Ok(node) = view.node_for(k, Replica::Sequence, 0, 0) {
                        let address = node.address_for(&k.namespace, k.partition_id(), cfg.shard_routing);
                        groups.entry(address).or_default().push((i as u32, k));
                    }
                }
                for (address, rows) in groups {
                    let mut request = Vec::new();
                    if command::encode_batch_get(&mut request, &rows, ReadBins::All, &base, None).is_ok() {
                        slot.batch.push((address, request));
                    }
                }
                match slot.batch.pop() {
                    Some((address, request)) => {
                        slot.request = request;
                        slot.batch_address = Some(address);
                        Ok(())
                    }
                    None => Err(scramjet::Error::new(code::INVALID_NODE, "no node for the batch")),
                }
            }
            OpKind::Echo => unreachable!("handled above"),
        };
        if encoded.is_err() {
            // Every input is checked before the run; a failure here is a bug worth seeing.
            panic!("cannot encode a {kind:?} request: {encoded:?}");
        }
        self.slots[s].key = Some(k);
        Ok(())
    }

    /// Where the slot's current request goes.
    fn address(&self, s: usize) -> Result<SocketAddr, i32> {
        let slot = &self.slots[s];
        if let Some(echo) = self.cfg.echo {
            return Ok(echo);
        }
        if let Some(address) = slot.batch_address {
            return Ok(address);
        }
        let key = slot.key.as_ref().expect("prepared");
        let replica = if slot.kind == OpKind::Read { Replica::Sequence } else { Replica::Master };
        let view = self.view.as_ref().expect("database runs have a view");
        let node = view.node_for(key, replica, slot.attempt, 0).map_err(|e| e.code)?;
        Ok(node.address_for(&key.namespace, key.partition_id(), self.cfg.shard_routing))
    }

    /// Sends the slot's request from the start, on its connection to the right address.
    fn send(&mut self, s: usize, now: Instant) {
        let address = match self.address(s) {
            Ok(a) => a,
            Err(c) => return self.retry_or_fail(s, c, now),
        };
        let conn = match self.slots[s].conns.iter().find(|(a, _)| *a == address) {
            Some(&(_, c)) => c,
            None => match self.connect(s, address) {
                Ok(c) => c,
                Err(c) => return self.retry_or_fail(s, c, now),
            },
        };
        let slot = &mut self.slots[s];
        slot.conn = conn;
        slot.written = 0;
        slot.state = State::InFlight;
        self.flush(s);
    }

    fn connect(&mut self, s: usize, address: SocketAddr) -> Result<usize, i32> {
        let left = self.slots[s].deadline.saturating_duration_since(Instant::now());
        let stream = TcpStream::connect_timeout(&address, left.max(Duration::from_millis(1))).map_err(|e| {
            if e.kind() == ErrorKind::TimedOut {
                code::TIMEOUT
            } else {
                code::CONNECTION
            }
        })?;
        stream.set_nodelay(true).map_err(|_| code::CONNECTION)?;
        // The TLS handshake and the login run while the socket still blocks, within what is
        // left of the deadline.
        let left = self.slots[s].deadline.saturating_duration_since(Instant::now()).max(Duration::from_millis(1));
        stream.set_read_timeout(Some(left)).map_err(|_| code::CONNECTION)?;
        stream.set_write_timeout(Some(left)).map_err(|_| code::CONNECTION)?;
        let mut stream = match &self.cfg.tls {
            None => Stream::Plain(stream),
            Some(tls) => Stream::Tls(Box::new(tls.connect(stream).map_err(|e| e.code)?)),
        };
        if let Some(credentials) = &self.cfg.credentials {
            scramjet::auth::login(&mut stream, credentials).map_err(|e| e.code)?;
        }
        stream.socket().set_read_timeout(None).map_err(|_| code::CONNECTION)?;
        stream.socket().set_write_timeout(None).map_err(|_| code::CONNECTION)?;
        stream.socket().set_nonblocking(true).map_err(|_| code::CONNECTION)?;
        let conn = Conn { stream, address, slot: s, buf: vec![0; 16 << 10], filled: 0, want_write: false };
        let index = match self.free_conns.pop() {
            Some(i) => {
                self.conns[i] = Some(conn);
                i
            }
            None => {
                self.conns.push(Some(conn));
                self.conns.len() - 1
            }
        };
        self.ctl(libc::EPOLL_CTL_ADD, index, EV_IN);
        self.slots[s].conns.push((address, index));
        Ok(index)
    }

    fn ctl(&self, op: i32, conn: usize, events: u32) {
        let fd = self.conns[conn].as_ref().expect("live connection").stream.socket().as_raw_fd();
        let mut ev = libc::epoll_event { events, u64: conn as u64 };
        // SAFETY: registering a socket we own with our epoll descriptor.
        unsafe { libc::epoll_ctl(self.epoll, op, fd, &mut ev) };
    }

    fn close(&mut self, conn: usize) {
        if let Some(c) = self.conns.get_mut(conn).and_then(Option::take) {
            let mut ev = libc::epoll_event { events: 0, u64: 0 };
            // SAFETY: removing a socket we own from our epoll descriptor.
            unsafe { libc::epoll_ctl(self.epoll, libc::EPOLL_CTL_DEL, c.stream.socket().as_raw_fd(), &mut ev) };
            self.slots[c.slot].conns.retain(|(a, _)| *a != c.address);
            self.free_conns.push(conn);
        }
    }

    /// Writes what is left of the slot's request; waits for writability if the socket is full.
    fn flush(&mut self, s: usize) {
        let conn = self.slots[s].conn;
        let slot = &mut self.slots[s];
        let Some(c) = self.conns[conn].as_mut() else { return };
        while slot.written < slot.request.len() {
            match c.stream.write(&slot.request[slot.written..]) {
                Ok(n) => slot.written += n,
                Err(e) if e.kind() == ErrorKind::WouldBlock => {
                    if !c.want_write {
                        c.want_write = true;
                        self.ctl(libc::EPOLL_CTL_MOD, conn, EV_IN | EV_OUT);
                    }
                    return;
                }
                Err(e) if e.kind() == ErrorKind::Interrupted => {}
                Err(_) => {
                    self.close(conn);
                    return self.retry_or_fail(s, code::CONNECTION, Instant::now());
                }
            }
        }
        match c.stream.flush_pending() {
            Ok(true) => {}
            Ok(false) => {
                // TLS records still held: send them when the socket can take them.
                if !c.want_write {
                    c.want_write = true;
                    self.ctl(libc::EPOLL_CTL_MOD, conn, EV_IN | EV_OUT);
                }
                return;
            }
            Err(_) => {
                self.close(conn);
                return self.retry_or_fail(s, code::CONNECTION, Instant::now());
            }
        }
        if c.want_write {
            c.want_write = false;
            self.ctl(libc::EPOLL_CTL_MOD, conn, EV_IN);
        }
    }

    fn on_event(&mut self, conn: usize, flags: u32) {
        let Some(c) = self.conns.get(conn).and_then(Option::as_ref) else { return };
        let s = c.slot;
        if flags & EV_OUT != 0 && self.slots[s].state == State::InFlight && self.slots[s].conn == conn {
            self.flush(s);
        }
        if flags & !EV_OUT != 0 {
            self.on_readable(conn);
        }
    }

    fn on_readable(&mut self, conn: usize) {
        let Some(c) = self.conns[conn].as_mut() else { return };
        let s = c.slot;
        let mut closed = false;
        loop {
            if c.buf.len() - c.filled < 4096 {
                let grown = c.buf.len() * 2;
                c.buf.resize(grown, 0);
            }
            match c.stream.read(&mut c.buf[c.filled..]) {
                Ok(0) => {
                    closed = true;
                    break;
                }
                Ok(n) => {
                    c.filled += n;
                    // A short read drained a plain socket; TLS may hold more already taken
                    // from the socket (no new readiness would come for it): read on.
                    if c.filled < c.buf.len() && matches!(c.stream, Stream::Plain(_)) {
                        break;
                    }
                }
                Err(e) => match e.kind() {
                    ErrorKind::WouldBlock => break,
                    ErrorKind::Interrupted => continue,
                    _ => {
                        closed = true;
                        break;
                    }
                },
            }
        }
        // Answers of this slot's request, frame by frame.
        let now = Instant::now();
        let mut consumed = 0;
        let mut outcome = None;
        {
            let c = self.conns[conn].as_ref().expect("live");
            let in_flight = self.slots[s].state == State::InFlight && self.slots[s].conn == conn;
            let framing = match self.slots[s].kind {
                OpKind::Echo => Framing::Echo,
                OpKind::Batch => Framing::Stream,
                _ => Framing::Single,
            };
            while in_flight && outcome.is_none() {
                match next_frame(&c.buf[consumed..c.filled], framing) {
                    Ok(Some((used, frame))) => {
                        consumed += used;
                        if let Frame::Done(rc) = frame {
                            outcome = Some(Ok(rc));
                        }
                    }
                    Ok(None) => break,
                    Err(()) => {
                        outcome = Some(Err(code::CLIENT));
                    }
                }
            }
            if !in_flight && c.filled > 0 {
                // Bytes nobody asked for (a late answer): this connection cannot be trusted.
                closed = true;
            }
        }
        if let Some(c) = self.conns[conn].as_mut() {
            c.buf.copy_within(consumed..c.filled, 0);
            c.filled -= consumed;
        }
        match outcome {
            Some(Ok(rc)) => {
                if closed {
                    self.close(conn);
                }
                self.answered(s, rc, now);
            }
            Some(Err(c)) => {
                self.close(conn);
                self.retry_or_fail(s, c, now);
            }
            None if closed => {
                self.close(conn);
                if self.slots[s].state == State::InFlight && self.slots[s].conn == conn {
                    self.retry_or_fail(s, code::CONNECTION, now);
                }
            }
            None => {}
        }
    }

    /// A whole answer arrived with result `rc`.
    fn answered(&mut self, s: usize, rc: u8, now: Instant) {
        if rc == 0 && self.slots[s].kind == OpKind::Batch {
            if let Some((address, request)) = self.slots[s].batch.pop() {
                let slot = &mut self.slots[s];
                slot.request = request;
                slot.batch_address = Some(address);
                return self.send(s, now);
            }
        }
        let slot = &self.slots[s];
        let us = now.saturating_duration_since(slot.started).as_micros() as u64;
        let kind = slot.kind;
        for stats in [&mut self.interval, &mut self.total] {
            match rc {
                0 => stats.ok(kind, us),
                2 if kind != OpKind::Write => stats.not_found(kind, us),
                c => stats.error(kind, i32::from(c)),
            }
        }
        self.last_op = now;
        self.slots[s].state = State::Idle;
    }

    fn retry_or_fail(&mut self, s: usize, c: i32, now: Instant) {
        let slot = &mut self.slots[s];
        if slot.attempt < self.cfg.retries && now < slot.deadline && c != code::CLIENT {
            slot.attempt += 1;
            return self.send(s, now);
        }
        let kind = slot.kind;
        slot.state = State::Idle;
        self.interval.error(kind, c);
        self.total.error(kind, c);
        self.last_op = now;
    }
}

fn record_key(cfg: &RunConfig, k: u64) -> Key {
    Key::new(&cfg.namespace, &cfg.set, UserKey::Int(k as i64)).expect("names checked before the run")
}

/// How the answers of a request are framed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Framing {
    /// One proto message holding one `as_msg`.
    Single,
    /// Proto messages of rows until one holding the LAST message (batch).
    Stream,
    /// 64 raw bytes (`--echo`).
    Echo,
}

/// The next whole frame at the start of `buf` (`used` bytes) and what it says: the result
/// code once the answer is complete, `More` for batch rows before the LAST message.
fn next_frame(buf: &[u8], framing: Framing) -> Result<Option<(usize, Frame)>, ()> {
    if framing == Framing::Echo {
        return Ok((buf.len() >= 64).then_some((64, Frame::Done(0))));
    }
    let Some(head) = buf.get(..PROTO_HEADER_SIZE) else { return Ok(None) };
    let header = ProtoHeader::decode(head.try_into().expect("8 bytes")).map_err(|_| ())?;
    let end = PROTO_HEADER_SIZE + header.size as usize;
    let Some(body) = buf.get(PROTO_HEADER_SIZE..end) else { return Ok(None) };
    if framing == Framing::Single {
        return Ok(Some((end, Frame::Done(MsgHeader::decode(body).map_err(|_| ())?.result_code))));
    }
    let mut rest = body;
    while !rest.is_empty() {
        let (msg, after) = Message::split(rest).map_err(|_| ())?;
        if msg.header.info3 & info3::LAST != 0 {
            return Ok(Some((end, Frame::Done(msg.header.result_code))));
        }
        rest = after;
    }
    Ok(Some((end, Frame::More)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use scramjet_net::message::MessageWriter;

    #[test]
    fn frames_split_single_answers_and_batch_streams() {
        let mut buf = Vec::new();
        MessageWriter::begin(&mut buf, &MsgHeader { result_code: 2, ..Default::default() }).finish();
        let one = buf.len();
        assert!(matches!(next_frame(&buf, Framing::Single), Ok(Some((n, Frame::Done(2)))) if n == one));
        assert!(matches!(next_frame(&buf[..one - 1], Framing::Single), Ok(None)));
        // A batch proto with two rows, then one with the LAST message.
        let mut batch = Vec::new();
        let start = batch.len();
        batch.extend_from_slice(&[0; PROTO_HEADER_SIZE]);
        for i in 0..2 {
            MsgHeader { transaction_ttl: i, ..Default::default() }.encode_into(&mut batch);
        }
        scramjet_net::frame::patch_size(&mut batch, start, scramjet_net::ProtoType::Message);
        let rows = batch.len();
        MessageWriter::begin(&mut batch, &MsgHeader { info3: info3::LAST, ..Default::default() }).finish();
        assert!(matches!(next_frame(&batch, Framing::Stream), Ok(Some((n, Frame::More))) if n == rows));
        assert!(matches!(next_frame(&batch[rows..], Framing::Stream), Ok(Some((_, Frame::Done(0))))));
        assert!(next_frame(&[9; 30], Framing::Single).is_err());
        assert!(matches!(next_frame(&[0; 64], Framing::Echo), Ok(Some((64, Frame::Done(0))))));
    }
}

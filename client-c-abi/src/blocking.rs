//! The blocking front end: a thread-safe [`Client`] whose calls block the calling thread, with
//! a tend thread in the background. This is what the C ABI, C++ and Python use.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Condvar, Mutex, RwLock};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use scramjet_net::ProtoType;

use crate::command::{self, Operation, ReadBins, Record, StreamItem};
use crate::error::{code, Error, Result};
use crate::partition_map::PartitionMap;
use crate::policy::{BasePolicy, ClientConfig, ReadPolicy, Replica, ScanPolicy, WritePolicy};
use crate::pool::{Connection, Pool};
use crate::query::{self, IndexCollection, IndexFilter, IndexSource, IndexType, PartitionFilter, PartitionStatus};
use crate::tend::{InfoIo, ShardInfo, Tender};
use crate::value::{Key, Value};

/// Rounds of a query or scan at least, for partitions a node could not answer yet.
const QUERY_RETRY_ROUNDS: u32 = 5;

/// A node as commands see it: its pools, and its shard ports if it has them.
#[derive(Debug)]
pub struct NodeHandle {
    /// Node name.
    pub name: String,
    /// Service address.
    pub address: SocketAddr,
    main: Arc<Pool>,
    shards: Option<(ShardInfo, Vec<Arc<Pool>>)>,
    open: Arc<AtomicUsize>,
}

impl NodeHandle {
    /// The pool for partition `pid` of `namespace`: the owning shard's port when known and
    /// `shard_routing` is on, else the service port.
    fn pool_for(&self, namespace: &str, pid: u16, shard_routing: bool) -> (&Arc<Pool>, bool) {
        if shard_routing {
            if let Some((info, pools)) = &self.shards {
                if let Some(shard) = info.shard_of(namespace, pid) {
                    return (&pools[shard], true);
                }
            }
        }
        (&self.main, false)
    }

    /// The address a command for partition `pid` of `namespace` goes to: the owning shard's
    /// port when known and `shard_routing` is on, else the service address.
    pub fn address_for(&self, namespace: &str, pid: u16, shard_routing: bool) -> SocketAddr {
        self.pool_for(namespace, pid, shard_routing).0.address
    }

    /// Open connections to this node, all ports together.
    pub fn open_connections(&self) -> usize {
        self.open.load(Ordering::Acquire)
    }
}

/// One immutable picture of the cluster, swapped whole by the tend thread.
#[derive(Debug, Default)]
pub struct View {
    /// Nodes by tender slot.
    pub nodes: Vec<Option<Arc<NodeHandle>>>,
    /// Partition owners by slot.
    pub map: PartitionMap,
}

impl View {
    /// Live nodes.
    pub fn live(&self) -> impl Iterator<Item = &Arc<NodeHandle>> {
        self.nodes.iter().flatten()
    }

    /// The node a command for `key` goes to: the master, or for reads the copy the replica
    /// policy picks for this `attempt` (`spread` varies the choice of `Replica::Any`).
    pub fn node_for(&self, key: &Key, replica: Replica, attempt: u32, spread: u64) -> Result<&Arc<NodeHandle>> {
        let map = self.map.namespaces.get(&key.namespace).ok_or_else(|| {
            Error::new(20, format!("namespace '{}' is not in the cluster's partition map", key.namespace))
        })?;
        let pid = key.partition_id();
        let n = map.n_replicas as u64;
        let first = match replica {
            Replica::Master => 0,
            Replica::Any => spread % n,
            Replica::Sequence => u64::from(attempt) % n,
        } as usize;
        // The chosen copy, else the next ones in order (a replica may be missing mid-migration).
        let slot = (0..map.n_replicas)
            .map(|i| (first + i) % map.n_replicas)
            .find_map(|i| map.owner(pid, if replica == Replica::Master { 0 } else { i }))
            .ok_or_else(|| {
                Error::new(
                    code::INVALID_NODE,
                    format!("no node holds partition {pid} of namespace '{}'", key.namespace),
                )
            })?;
        self.nodes
            .get(usize::from(slot))
            .and_then(Option::as_ref)
            .ok_or_else(|| Error::new(code::INVALID_NODE, format!("partition {pid}'s node left the cluster")))
    }
}

struct Shared {
    config: ClientConfig,
    view: RwLock<Arc<View>>,
    stop: Mutex<bool>,
    wake: Condvar,
    spread: AtomicU64,
}

/// A cluster-aware client; share one between threads.
pub struct Client {
    shared: Arc<Shared>,
    tend_thread: Option<JoinHandle<()>>,
}

/// The tend thread's info transport: one persistent connection per address.
struct TendIo {
    conns: HashMap<SocketAddr, Connection>,
    timeout: Duration,
    body: Vec<u8>,
    request: Vec<u8>,
    credentials: Option<Arc<crate::auth::Credentials>>,
    tls: Option<crate::tls::Tls>,
}

impl InfoIo for TendIo {
    fn info(&mut self, address: SocketAddr, commands: &[&str]) -> Result<Vec<(String, String)>> {
        let mut conn = match self.conns.remove(&address) {
            Some(conn) => conn,
            None => Connection::connect(address, self.timeout, self.credentials.as_deref(), self.tls.as_ref())?,
        };
        self.request.clear();
        command::encode_info(&mut self.request, commands);
        conn.set_timeout(self.timeout, None)?;
        conn.send(&self.request)?;
        if conn.receive(&mut self.body)? != ProtoType::Info {
            return Err(Error::new(code::CLIENT, format!("{address}: expected an info response")));
        }
        self.conns.insert(address, conn);
        Ok(command::parse_info(&self.body))
    }
}

fn build_view(tender: &Tender, old: &View, config: &ClientConfig) -> View {
    let mut nodes = Vec::with_capacity(tender.nodes.len());
    for (slot, state) in tender.nodes.iter().enumerate() {
        let Some(state) = state else {
            nodes.push(None);
            continue;
        };
        let previous =
            old.nodes.get(slot).and_then(Option::as_ref).filter(|n| n.name == state.name && n.address == state.address);
        if let Some(p) = previous {
            if p.shards.as_ref().map(|s| &s.0) == state.shards.as_ref() {
                nodes.push(Some(p.clone()));
                continue;
            }
        }
        let open = previous.map_or_else(|| Arc::new(AtomicUsize::new(0)), |p| p.open.clone());
        let main = previous.map(|p| p.main.clone()).unwrap_or_else(|| {
            Arc::new(Pool::new(
                state.address,
                open.clone(),
                config.max_conns_per_node,
                config.credentials.clone(),
                config.tls.clone(),
            ))
        });
        let shards = state.shards.clone().map(|info| {
            let pools = info
                .ports
                .iter()
                .map(|&port| {
                    let address = SocketAddr::new(state.address.ip(), port);
                    Arc::new(Pool::new(
                        address,
                        open.clone(),
                        config.max_conns_per_node,
                        config.credentials.clone(),
                        config.tls.clone(),
                    ))
                })
                .collect();
            (info, pools)
        });
        nodes.push(Some(Arc::new(NodeHandle { name: state.name.clone(), address: state.address, main, shards, open })));
    }
    View { nodes, map: tender.map.clone() }
}

impl Client {
    /// Connects to the cluster through `config.seeds` and starts tending it. Fails with
    /// [`code::INVALID_HOST`] if no seed resolves and [`code::CONNECTION`] if none answers.
    pub fn new(mut config: ClientConfig) -> Result<Client> {
        let mut tender = Tender::new(config.seeds.clone(), config.cluster_name.clone());
        if config.tls.is_some() {
            // Peers at their TLS ports; the shard ports are plain TCP only.
            tender.peers_command = "peers-tls-std";
            config.shard_routing = false;
        }
        tender.resolve_seeds()?;
        let timeout = config.connect_timeout.max(Duration::from_secs(1));
        let mut io = TendIo {
            conns: HashMap::new(),
            timeout,
            body: Vec::new(),
            request: Vec::new(),
            credentials: config.credentials.clone(),
            tls: config.tls.clone(),
        };
        tender.tend(&mut io);
        if tender.live().next().is_none() {
            return Err(Error::new(
                tender.last_seed_refusal.unwrap_or(code::CONNECTION),
                format!("cannot connect to any seed: {}", tender.last_seed_errors.join("; ")),
            ));
        }
        let view = build_view(&tender, &View::default(), &config);
        let shared = Arc::new(Shared {
            config,
            view: RwLock::new(Arc::new(view)),
            stop: Mutex::new(false),
            wake: Condvar::new(),
            spread: AtomicU64::new(0),
        });
        let for_thread = shared.clone();
        let tend_thread = std::thread::Builder::new()
            .name("scramjet-tend".into())
            .spawn(move || tend_loop(&for_thread, tender, io))
            .map_err(|e| Error::new(code::CLIENT, format!("cannot start the tend thread: {e}")))?;
        Ok(Client { shared, tend_thread: Some(tend_thread) })
    }

    /// The client's configuration.
    pub fn config(&self) -> &ClientConfig {
        &self.shared.config
    }

    /// The current picture of the cluster.
    pub fn view(&self) -> Arc<View> {
        self.shared.view.read().unwrap_or_else(|p| p.into_inner()).clone()
    }

    /// Names of the live nodes.
    pub fn node_names(&self) -> Vec<String> {
        self.view().live().map(|n| n.name.clone()).collect()
    }

    /// Runs `attempt` until it succeeds, fails for a reason other than the network, or runs
    /// out of retries or time. Timeouts end as [`code::TIMEOUT`] naming the attempts made.
    fn with_retries<T>(
        &self,
        base: &BasePolicy,
        mut attempt: impl FnMut(u32, Option<Instant>) -> Result<T>,
    ) -> Result<T> {
        let start = Instant::now();
        let deadline = (!base.total_timeout.is_zero()).then(|| start + base.total_timeout);
        let mut last: Option<Error> = None;
        let mut made = 0;
        for n in 0..=base.max_retries {
            if n > 0 && !base.sleep_between_retries.is_zero() {
                let left = deadline.map_or(base.sleep_between_retries, |d| d.saturating_duration_since(Instant::now()));
                std::thread::sleep(base.sleep_between_retries.min(left));
            }
            if deadline.is_some_and(|d| Instant::now() >= d) {
                break;
            }
            made += 1;
            match attempt(n, deadline) {
                Ok(v) => return Ok(v),
                Err(e) if e.is_network() => last = Some(e),
                Err(e) => return Err(e),
            }
        }
        let last = last.unwrap_or_else(|| Error::new(code::TIMEOUT, "no attempt was made"));
        if last.code == code::TIMEOUT || deadline.is_some_and(|d| Instant::now() >= d) {
            return Err(Error::new(
                code::TIMEOUT,
                format!("timed out after {made} attempt(s) in {} ms: {}", start.elapsed().as_millis(), last.message),
            ));
        }
        Err(Error::new(last.code, format!("failed after {made} attempt(s): {}", last.message)))
    }

    /// Sends `request` to `node` (the shard port owning `key` if known) and reads one answer.
    fn round_trip(
        &self,
        node: &NodeHandle,
        route: Option<(&str, u16)>,
        request: &[u8],
        base: &BasePolicy,
        deadline: Option<Instant>,
        body: &mut Vec<u8>,
    ) -> Result<ProtoType> {
        let (stream, proto_type) = self.start(node, route, request, base, deadline, body)?;
        stream.finish();
        Ok(proto_type)
    }

    fn single(&self, key: &Key, replica: Replica, base: &BasePolicy, request: &[u8]) -> Result<(u8, Record)> {
        self.single_with(key, replica, base, request, command::parse_record)
    }

    /// Sends a single-record command to its node and reads the answer with `parse`.
    fn single_with<T>(
        &self,
        key: &Key,
        replica: Replica,
        base: &BasePolicy,
        request: &[u8],
        parse: impl Fn(&[u8]) -> Result<T>,
    ) -> Result<T> {
        let mut body = Vec::new();
        self.with_retries(base, |attempt, deadline| {
            let view = self.view();
            // Only `Replica::Any` spreads: other commands leave the shared counter alone.
            let spread = if replica == Replica::Any { self.shared.spread.fetch_add(1, Ordering::Relaxed) } else { 0 };
            let node = view.node_for(key, replica, attempt, spread)?;
            self.round_trip(node, Some((&key.namespace, key.partition_id())), request, base, deadline, &mut body)?;
            parse(&body)
        })
    }

    fn read_policy(&self, policy: Option<&ReadPolicy>) -> ReadPolicy {
        policy.cloned().unwrap_or_else(|| self.shared.config.read.clone())
    }

    fn write_policy(&self, policy: Option<&WritePolicy>) -> WritePolicy {
        policy.cloned().unwrap_or_else(|| self.shared.config.write.clone())
    }

    /// Reads a record: every bin, or the named ones. Not found is an error with code 2.
    pub fn get(&self, policy: Option<&ReadPolicy>, key: &Key, bins: Option<&[&str]>) -> Result<Record> {
        let policy = self.read_policy(policy);
        let mut request = Vec::new();
        command::encode_read(
            &mut request,
            key,
            bins.map_or(ReadBins::All, ReadBins::Named),
            &policy.base,
            policy.filter.as_ref(),
        )?;
        finish(self.single(key, policy.replica, &policy.base, &request)?)
    }

    /// The record's metadata if it exists, None if not.
    pub fn exists(&self, policy: Option<&ReadPolicy>, key: &Key) -> Result<Option<Record>> {
        let policy = self.read_policy(policy);
        let mut request = Vec::new();
        command::encode_read(&mut request, key, ReadBins::None, &policy.base, policy.filter.as_ref())?;
        match self.single(key, policy.replica, &policy.base, &request)? {
            (2, _) => Ok(None),
            other => finish(other).map(Some),
        }
    }

    /// Writes `bins`.
    pub fn put(&self, policy: Option<&WritePolicy>, key: &Key, bins: &[(&str, &Value)]) -> Result<()> {
        let policy = self.write_policy(policy);
        let mut request = Vec::new();
        command::encode_put(&mut request, key, bins, &policy)?;
        finish(self.single(key, Replica::Master, &policy.base, &request)?).map(drop)
    }

    /// Deletes the record; true if it existed.
    pub fn remove(&self, policy: Option<&WritePolicy>, key: &Key) -> Result<bool> {
        let policy = self.write_policy(policy);
        let mut request = Vec::new();
        command::encode_delete(&mut request, key, &policy);
        match self.single(key, Replica::Master, &policy.base, &request)? {
            (2, _) => Ok(false),
            other => finish(other).map(|_| true),
        }
    }

    /// Resets the record's TTL to the policy's.
    pub fn touch(&self, policy: Option<&WritePolicy>, key: &Key) -> Result<Record> {
        let policy = self.write_policy(policy);
        let mut request = Vec::new();
        command::encode_touch(&mut request, key, &policy)?;
        finish(self.single(key, Replica::Master, &policy.base, &request)?)
    }

    /// Applies `ops` in one command and returns what the reads read.
    pub fn operate(&self, policy: Option<&WritePolicy>, key: &Key, ops: &[Operation]) -> Result<Record> {
        let policy = self.write_policy(policy);
        let mut request = Vec::new();
        command::encode_operate(&mut request, key, ops, &policy)?;
        let replica = if ops.iter().any(Operation::is_write) { Replica::Master } else { policy.replica };
        let mut base = policy.base;
        if !ops.iter().any(Operation::is_write) {
            base.max_retries = base.max_retries.max(self.shared.config.read.base.max_retries);
        }
        finish(self.single(key, replica, &base, &request)?)
    }

    /// Sends an info request to one node (by name), or to any node when `node` is None, and
    /// returns the raw answer (`name\tvalue\n` lines).
    pub fn info(&self, node: Option<&str>, request: &str, timeout: Duration) -> Result<String> {
        let view = self.view();
        let target = match node {
            Some(name) => view
                .live()
                .find(|n| n.name == name)
                .ok_or_else(|| Error::new(code::INVALID_NODE, format!("no node named '{name}' in the cluster")))?,
            None => view.live().next().ok_or_else(|| Error::new(code::INVALID_NODE, "the cluster has no nodes"))?,
        };
        self.info_to(target, request, timeout)
    }

    /// The value of a one-command info answer on `node`, with an `ERROR:<code>:<message>`
    /// answer turned into that error.
    fn info_value(&self, node: &NodeHandle, command: &str, timeout: Duration) -> Result<String> {
        let answer = self.info_to(node, command, timeout)?;
        let value = answer.split_once('\t').map_or(answer.as_str(), |(_, v)| v).trim_end_matches('\n');
        if let Some(error) = value.strip_prefix("ERROR:") {
            let (code, message) = error.split_once(':').unwrap_or((error, ""));
            return Err(Error::new(code.parse().unwrap_or(code::SERVER), message.to_string()));
        }
        Ok(value.to_string())
    }

    /// Creates the secondary index `name` (on `bin`'s values, or on an expression's with
    /// [`IndexSource::Expression`]) through one node, then waits until every node has built
    /// it (`load_pct=100` in `sindex-stat`), at most `timeout`. The server's refusals come
    /// back as errors with its codes (e.g. 200: the name is taken by another definition).
    #[allow(clippy::too_many_arguments)]
    pub fn index_create(
        &self,
        namespace: &str,
        set: &str,
        name: &str,
        source: IndexSource<'_>,
        index_type: IndexType,
        collection: IndexCollection,
        context: Option<&[u8]>,
        timeout: Duration,
    ) -> Result<()> {
        use base64::Engine as _;
        let b64 = |bytes: &[u8]| base64::engine::general_purpose::STANDARD.encode(bytes);
        let mut command = format!("sindex-create:namespace={namespace};indexname={name}");
        if !set.is_empty() {
            command.push_str(&format!(";set={set}"));
        }
        if let Some(ctx) = context {
            command.push_str(&format!(";context={}", b64(ctx)));
        }
        command.push_str(&format!(";indextype={}", collection.name()));
        match source {
            IndexSource::Bin(bin) => command.push_str(&format!(";bin={bin}")),
            IndexSource::Expression(exp) => command.push_str(&format!(";exp={}", b64(exp))),
        }
        command.push_str(&format!(";type={}", index_type.name()));
        let view = self.view();
        let first = view.live().next().ok_or_else(|| Error::new(code::INVALID_NODE, "the cluster has no nodes"))?;
        let answer = self.info_value(first, &command, timeout)?;
        if answer != "ok" {
            return Err(Error::new(code::SERVER, format!("sindex-create answered '{answer}'")));
        }
        let deadline = Instant::now() + timeout;
        let stat = format!("sindex-stat:namespace={namespace};indexname={name}");
        loop {
            let mut built = true;
            for node in self.view().live() {
                let answer = self.info_value(node, &stat, timeout)?;
                built &= answer.split(';').any(|kv| kv == "load_pct=100");
            }
            if built {
                return Ok(());
            }
            if Instant::now() >= deadline {
                return Err(Error::new(code::TIMEOUT, format!("index {name} not built on every node in time")));
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// Drops the secondary index `name` (nothing if there is none).
    pub fn index_remove(&self, namespace: &str, name: &str, timeout: Duration) -> Result<()> {
        let view = self.view();
        let first = view.live().next().ok_or_else(|| Error::new(code::INVALID_NODE, "the cluster has no nodes"))?;
        self.info_value(first, &format!("sindex-delete:namespace={namespace};indexname={name}"), timeout).map(drop)
    }

    /// The secondary indexes of `namespace` as one node lists them (`sindex-list`): each a map
    /// of its fields (`indexname`, `set`, `bin`, `type`, `indextype`, `context`, `exp`, `state`).
    pub fn index_list(&self, namespace: &str, timeout: Duration) -> Result<Vec<HashMap<String, String>>> {
        let view = self.view();
        let first = view.live().next().ok_or_else(|| Error::new(code::INVALID_NODE, "the cluster has no nodes"))?;
        let answer = self.info_value(first, &format!("sindex-list:ns={namespace};b64=true"), timeout)?;
        Ok(answer
            .split(';')
            .filter(|item| !item.is_empty())
            .map(|item| {
                item.split(':')
                    .filter_map(|kv| kv.split_once('='))
                    .map(|(k, v)| (k.to_string(), v.to_string()))
                    .collect()
            })
            .collect())
    }

    /// Registers Lua module `name` (a file name ending in `.lua`) with `content` through one
    /// node, then waits until every node lists it, at most `timeout`. A module that does not
    /// compile is refused with 100 and Lua's message.
    pub fn udf_put(&self, name: &str, content: &[u8], timeout: Duration) -> Result<()> {
        use base64::Engine as _;
        let content = base64::engine::general_purpose::STANDARD.encode(content);
        let command = format!("udf-put:filename={name};content={content};content-len={};udf-type=LUA;", content.len());
        let view = self.view();
        let first = view.live().next().ok_or_else(|| Error::new(code::INVALID_NODE, "the cluster has no nodes"))?;
        crate::udf::module_reply("udf-put", &self.info_value(first, &command, timeout)?)?;
        self.wait_for_modules(name, true, timeout)
    }

    /// Removes module `name` through one node, then waits until no node lists it.
    pub fn udf_remove(&self, name: &str, timeout: Duration) -> Result<()> {
        let view = self.view();
        let first = view.live().next().ok_or_else(|| Error::new(code::INVALID_NODE, "the cluster has no nodes"))?;
        let answer = self.info_value(first, &format!("udf-remove:filename={name};"), timeout)?;
        crate::udf::module_reply("udf-remove", &answer)?;
        self.wait_for_modules(name, false, timeout)
    }

    /// The registered modules, as one node lists them.
    pub fn udf_list(&self, timeout: Duration) -> Result<Vec<crate::udf::UdfModule>> {
        let view = self.view();
        let first = view.live().next().ok_or_else(|| Error::new(code::INVALID_NODE, "the cluster has no nodes"))?;
        Ok(crate::udf::parse_list(&self.info_value(first, "udf-list", timeout)?))
    }

    fn wait_for_modules(&self, name: &str, present: bool, timeout: Duration) -> Result<()> {
        let deadline = Instant::now() + timeout;
        loop {
            let mut everywhere = true;
            for node in self.view().live() {
                let listed = crate::udf::parse_list(&self.info_value(node, "udf-list", timeout)?);
                everywhere &= listed.iter().any(|m| m.name == name) == present;
            }
            if everywhere {
                return Ok(());
            }
            if Instant::now() >= deadline {
                let what = if present { "listed" } else { "gone" };
                return Err(Error::new(code::TIMEOUT, format!("module {name} not {what} on every node in time")));
            }
            std::thread::sleep(Duration::from_millis(10));
        }
    }

    /// Calls `module.function(rec, args...)` on `key`'s record (a record UDF) and returns the
    /// function's value. A Lua error is an error with code 100 and Lua's message.
    pub fn apply(
        &self,
        policy: Option<&WritePolicy>,
        key: &Key,
        module: &str,
        function: &str,
        args: &[Value],
    ) -> Result<Value> {
        let policy = self.write_policy(policy);
        let mut request = Vec::new();
        crate::udf::encode_apply(&mut request, key, module, function, args, &policy)?;
        self.single_with(key, Replica::Master, &policy.base, &request, crate::udf::parse_apply)
    }

    /// Starts a background UDF: `module.function(rec, args...)` on every record `query`
    /// selects, on every node. Returns the job's id, for [`Client::job_done`].
    pub fn query_background_udf(&self, policy: Option<&ScanPolicy>, query: &crate::udf::UdfQuery<'_>) -> Result<u64> {
        self.udf_query(policy, crate::udf::OP_BACKGROUND, query, |_| Ok(()))
    }

    /// True once background job `task_id` has finished on every node (`query-show`).
    pub fn job_done(&self, task_id: u64, timeout: Duration) -> Result<bool> {
        for node in self.view().live() {
            let answer = self.info_value(node, &format!("query-show:trid={task_id}"), timeout)?;
            let active = answer.split(':').any(|kv| kv.starts_with("status=active"));
            if active {
                return Ok(false);
            }
        }
        Ok(true)
    }

    /// Runs stream UDF `module.function(stream, args...)` over the records `query` selects on
    /// every node and returns the values the server produced: the stream's result per batch of
    /// records, after the server's part (up to and including the first reduce). This client
    /// runs no Lua: the caller combines the values (see `crate::udf`).
    pub fn query_aggregate(&self, policy: Option<&ScanPolicy>, query: &crate::udf::UdfQuery<'_>) -> Result<Vec<Value>> {
        let mut values = Vec::new();
        self.udf_query(policy, crate::udf::OP_AGGREGATE, query, |record| {
            let mut bins = record.bins;
            match bins.iter().position(|(name, _)| name == "SUCCESS") {
                Some(i) => values.push(bins.swap_remove(i).1),
                None => return Err(Error::new(code::UDF, "an aggregation value without its SUCCESS bin")),
            }
            Ok(())
        })?;
        Ok(values)
    }

    /// Sends a UDF query to every node, hands each answered record to `each`; returns the task
    /// id it ran under.
    fn udf_query(
        &self,
        policy: Option<&ScanPolicy>,
        udf_op: u8,
        query: &crate::udf::UdfQuery<'_>,
        each: impl FnMut(Record) -> Result<()>,
    ) -> Result<u64> {
        let policy = policy.cloned().unwrap_or_default();
        let task_id = self.task_id();
        let mut request = Vec::new();
        crate::udf::encode_query(&mut request, udf_op, query, &policy, task_id)?;
        self.each_node_stream(&policy, &request, each)?;
        Ok(task_id)
    }

    fn task_id(&self) -> u64 {
        self.shared.spread.fetch_add(1, Ordering::Relaxed) ^ (std::process::id() as u64) << 32 | 1
    }

    /// Sends `request` to every node and hands each record (or value) of the answers to
    /// `each`; a node's failure result ends it with that error.
    fn each_node_stream(
        &self,
        policy: &ScanPolicy,
        request: &[u8],
        mut each: impl FnMut(Record) -> Result<()>,
    ) -> Result<()> {
        let view = self.view();
        let nodes: Vec<_> = view.live().cloned().collect();
        if nodes.is_empty() {
            return Err(Error::new(code::INVALID_NODE, "the cluster has no nodes"));
        }
        for node in nodes {
            let deadline = (!policy.base.total_timeout.is_zero()).then(|| Instant::now() + policy.base.total_timeout);
            let mut body = Vec::new();
            let (mut stream, _) = self.start(&node, None, request, &policy.base, deadline, &mut body)?;
            let mut items = Vec::new();
            let mut failure = None;
            let code = 'stream: loop {
                items.clear();
                command::parse_stream(&body, &mut items)?;
                for item in items.drain(..) {
                    match item {
                        StreamItem::Record { result_code: 0, record, .. } => each(record)?,
                        StreamItem::Record { result_code, record, .. } => {
                            // An aggregation's Lua error is a FAILURE value, then the end.
                            if failure.is_none() {
                                failure = Some((result_code, record));
                            }
                        }
                        StreamItem::PartitionDone { .. } => {}
                        StreamItem::Last(code) => break 'stream code,
                    }
                }
                stream.next(&mut body)?;
            };
            stream.finish();
            if let Some((result_code, record)) = failure {
                let message = record.bins.into_iter().find(|(n, _)| n == "FAILURE").map(|(_, v)| v);
                return Err(match message {
                    Some(Value::Str(text)) => Error::new(i32::from(result_code), text),
                    _ => Error::new(i32::from(result_code), format!("node {} answered {result_code}", node.name)),
                });
            }
            if code != 0 {
                return Err(Error::new(i32::from(code), format!("node {} answered {code}", node.name)));
            }
        }
        Ok(())
    }

    /// Sends an info request to every node; each node's answer or error, by node name.
    pub fn info_all(&self, request: &str, timeout: Duration) -> Vec<(String, Result<String>)> {
        let view = self.view();
        view.live().map(|n| (n.name.clone(), self.info_to(n, request, timeout))).collect()
    }

    fn info_to(&self, node: &NodeHandle, request: &str, timeout: Duration) -> Result<String> {
        let mut message = Vec::new();
        let lines: Vec<&str> = request.split('\n').filter(|l| !l.is_empty()).collect();
        command::encode_info(&mut message, &lines);
        let base = BasePolicy { socket_timeout: timeout, total_timeout: timeout, max_retries: 1, ..BasePolicy::READ };
        let mut body = Vec::new();
        self.with_retries(&base, |_, deadline| {
            match self.round_trip(node, None, &message, &base, deadline, &mut body)? {
                ProtoType::Info => Ok(String::from_utf8_lossy(&body).into_owned()),
                _ => Err(Error::new(code::CLIENT, "expected an info response")),
            }
        })
    }

    /// Sends an admin request (`crate::admin`) to a node and returns the answer's messages:
    /// one for a command, and for a user or role query every message up to the block that
    /// ends it (result 50, or an error).
    pub(crate) fn admin_call(&self, request: &[u8], timeout: Duration) -> Result<Vec<Vec<u8>>> {
        let view = self.view();
        let node = view.live().next().ok_or_else(|| Error::new(code::INVALID_NODE, "the cluster has no nodes"))?;
        let base = BasePolicy { socket_timeout: timeout, total_timeout: timeout, max_retries: 0, ..BasePolicy::READ };
        let deadline = Some(Instant::now() + timeout);
        let mut body = Vec::new();
        let (mut stream, proto_type) = self.start(node, None, request, &base, deadline, &mut body)?;
        let mut messages = Vec::new();
        loop {
            if proto_type != ProtoType::Admin {
                return Err(Error::new(code::CLIENT, "expected an admin answer"));
            }
            let ended = crate::admin::ends_answer(&body, request)?;
            messages.push(std::mem::take(&mut body));
            if ended {
                break;
            }
            stream.next(&mut body)?;
        }
        stream.finish();
        Ok(messages)
    }

    /// Reads many records at once. Each key gets its result code (0, or 2 if not found) and
    /// record; keys are grouped per node (and per shard port) into one request each.
    pub fn batch_get(
        &self,
        policy: Option<&ReadPolicy>,
        keys: &[Key],
        bins: Option<&[&str]>,
    ) -> Result<Vec<(i32, Option<Record>)>> {
        let policy = self.read_policy(policy);
        let view = self.view();
        let mut groups: HashMap<(usize, usize), Vec<(u32, &Key)>> = HashMap::new();
        let mut nodes: Vec<Arc<NodeHandle>> = Vec::new();
        for (i, key) in keys.iter().enumerate() {
            let node = view.node_for(key, policy.replica, 0, 0)?;
            let pos = nodes.iter().position(|n| Arc::ptr_eq(n, node)).unwrap_or_else(|| {
                nodes.push(node.clone());
                nodes.len() - 1
            });
            let (pool, _) = node.pool_for(&key.namespace, key.partition_id(), self.shared.config.shard_routing);
            let shard = node.shards.as_ref().and_then(|(_, p)| p.iter().position(|x| Arc::ptr_eq(x, pool)));
            groups.entry((pos, shard.map_or(0, |s| s + 1))).or_default().push((i as u32, key));
        }
        let mut results: Vec<(i32, Option<Record>)> = vec![(code::RECORD_NOT_FOUND, None); keys.len()];
        let bins = bins.map_or(ReadBins::All, ReadBins::Named);
        for ((pos, _), rows) in groups {
            let node = &nodes[pos];
            let mut request = Vec::new();
            command::encode_batch_get(&mut request, &rows, bins, &policy.base, policy.filter.as_ref())?;
            let route = rows.first().map(|(_, k)| (k.namespace.as_str(), k.partition_id()));
            self.with_retries(&policy.base, |_, deadline| {
                let mut body = Vec::new();
                let mut items = Vec::new();
                let (mut t, _) = self.start(node, route, &request, &policy.base, deadline, &mut body)?;
                loop {
                    items.clear();
                    command::parse_stream(&body, &mut items)?;
                    for item in items.drain(..) {
                        match item {
                            StreamItem::Record { result_code, index, record, .. } => {
                                if let Some(slot) = results.get_mut(index as usize) {
                                    *slot = (i32::from(result_code), (result_code == 0).then_some(record));
                                }
                            }
                            StreamItem::Last(0) => return Ok(()),
                            StreamItem::Last(c) => return Err(Error::server(c)),
                            StreamItem::PartitionDone { .. } => {}
                        }
                    }
                    t.next(&mut body)?;
                }
            })?;
        }
        Ok(results)
    }

    /// Sends `request` on a connection to `node` (the port of the shard owning `route`, when
    /// known) and reads the first answer message; the caller reads on for multi-message
    /// answers, then finishes the stream.
    fn start<'n>(
        &self,
        node: &'n NodeHandle,
        route: Option<(&str, u16)>,
        request: &[u8],
        base: &BasePolicy,
        deadline: Option<Instant>,
        body: &mut Vec<u8>,
    ) -> Result<(Stream<'n>, ProtoType)> {
        let config = &self.shared.config;
        let (pool, on_shard) = match route {
            Some((ns, pid)) => node.pool_for(ns, pid, config.shard_routing),
            None => (&node.main, false),
        };
        let connect_timeout = deadline.map_or(config.connect_timeout, |d| {
            config.connect_timeout.min(d.saturating_duration_since(Instant::now()))
        });
        let mut lease = match pool.get(connect_timeout, config.max_socket_idle) {
            Ok(lease) => lease,
            // Shard ports change when a node restarts: the service port still works.
            Err(e) if on_shard && e.code == code::CONNECTION => {
                node.main.get(connect_timeout, config.max_socket_idle)?
            }
            Err(e) => return Err(e),
        };
        lease.conn().set_timeout(base.socket_timeout, deadline)?;
        lease.conn().send(request)?;
        let proto_type = lease.conn().receive(body)?;
        Ok((Stream { lease: Some(lease) }, proto_type))
    }

    /// Scans `namespace` (and `set`, if not empty), calling `each` for every record until it
    /// returns false. Each node is asked for the partitions it masters, per shard port.
    pub fn scan(
        &self,
        policy: Option<&ScanPolicy>,
        namespace: &str,
        set: &str,
        bins: Option<&[&str]>,
        each: impl FnMut(Record) -> bool,
    ) -> Result<()> {
        self.query(policy, namespace, set, bins, None, &mut PartitionFilter::all(), each)
    }

    /// Runs a secondary-index query (`filter`, its where clause) or, without one, a scan over
    /// `partitions`, calling `each` for every record until it returns false. Each node is asked
    /// for the partitions it masters, per shard port. With `max_records` the call stops after
    /// that many records, and `partitions` keeps where each partition got: calling again with
    /// it goes on from there (pagination), until `partitions.is_done()`. Partitions a node could
    /// not answer (migrating, or the index not built there yet: 11, 201, 203) are asked again,
    /// for at least [`QUERY_RETRY_ROUNDS`] more rounds.
    #[allow(clippy::too_many_arguments)]
    pub fn query(
        &self,
        policy: Option<&ScanPolicy>,
        namespace: &str,
        set: &str,
        bins: Option<&[&str]>,
        filter: Option<&IndexFilter>,
        partitions: &mut PartitionFilter,
        mut each: impl FnMut(Record) -> bool,
    ) -> Result<()> {
        let policy = policy.cloned().unwrap_or_default();
        let task_id = self.shared.spread.fetch_add(1, Ordering::Relaxed) ^ (std::process::id() as u64) << 32 | 1;
        let limited = policy.max_records > 0;
        let mut left = if limited { policy.max_records } else { u64::MAX };
        let mut last_error = None;
        for round in 0..=policy.base.max_retries.max(QUERY_RETRY_ROUNDS) {
            if round > 0 {
                std::thread::sleep(Duration::from_millis(10));
            }
            let view = self.view();
            let map = view.map.namespaces.get(namespace).ok_or_else(|| {
                Error::new(20, format!("namespace '{namespace}' is not in the cluster's partition map"))
            })?;
            let mut by_target: HashMap<(usize, usize), Vec<u16>> = HashMap::new();
            for status in partitions.partitions.iter().filter(|p| !p.done) {
                let pid = status.pid;
                let Some(slot) = map.owner(pid, 0) else { continue };
                let Some(node) = view.nodes.get(usize::from(slot)).and_then(Option::as_ref) else { continue };
                let shard = match (&node.shards, self.shared.config.shard_routing) {
                    (Some((info, _)), true) => info.shard_of(namespace, pid).map_or(0, |s| s + 1),
                    _ => 0,
                };
                by_target.entry((usize::from(slot), shard)).or_default().push(pid);
            }
            if by_target.is_empty() {
                break;
            }
            let mut targets: Vec<_> = by_target.into_iter().collect();
            targets.sort();
            for ((slot, _), pids) in targets {
                if left == 0 {
                    return Ok(());
                }
                let node = view.nodes[slot].as_ref().expect("checked above");
                let parts: Vec<PartitionStatus> =
                    pids.iter().filter_map(|&pid| partitions.status_mut(pid).map(|p| *p)).collect();
                let part_policy = ScanPolicy { max_records: if limited { left } else { 0 }, ..policy.clone() };
                let mut request = Vec::new();
                query::encode(&mut request, namespace, set, &parts, bins, &part_policy, filter, task_id)?;
                let deadline =
                    (!policy.base.total_timeout.is_zero()).then(|| Instant::now() + policy.base.total_timeout);
                let mut body = Vec::new();
                let started = self.start(node, Some((namespace, pids[0])), &request, &policy.base, deadline, &mut body);
                let (mut stream, _) = match started {
                    Ok(started) => started,
                    Err(e) if e.is_network() => {
                        last_error = Some(e);
                        continue;
                    }
                    Err(e) => return Err(e),
                };
                let mut unavailable = Vec::new();
                let mut items = Vec::new();
                let outcome = 'stream: loop {
                    items.clear();
                    command::parse_stream(&body, &mut items)?;
                    for item in items.drain(..) {
                        match item {
                            StreamItem::Record { result_code: 0, record, bval, .. } => {
                                left = left.saturating_sub(1);
                                if let Some(key) = &record.key {
                                    if let Some(status) = partitions.status_mut(key.digest.partition_id()) {
                                        status.last = Some((key.digest.0, bval.unwrap_or(0)));
                                    }
                                }
                                if !each(record) {
                                    return Ok(()); // the stream is abandoned; its connection is closed
                                }
                            }
                            // A query that cannot start answers a plain message with its code.
                            StreamItem::Record { result_code, .. } => break 'stream result_code,
                            StreamItem::PartitionDone { pid, result } if result != 0 => unavailable.push(pid),
                            StreamItem::PartitionDone { .. } => {}
                            StreamItem::Last(code) => break 'stream code,
                        }
                    }
                    stream.next(&mut body)?;
                };
                stream.finish();
                match outcome {
                    // A node that answered fewer records than asked has given everything of
                    // these partitions (but those it could not scan).
                    0 if !limited || left > 0 => {
                        for pid in &pids {
                            if let Some(status) = partitions.status_mut(*pid) {
                                status.done = !unavailable.contains(pid);
                            }
                        }
                    }
                    0 => {}
                    11 | 201 | 203 => last_error = Some(Error::server(outcome)),
                    code => return Err(Error::server(code)),
                }
                if !unavailable.is_empty() {
                    last_error.get_or_insert_with(|| Error::server(11));
                }
            }
            if left == 0 || partitions.is_done() {
                return Ok(());
            }
        }
        if partitions.is_done() {
            return Ok(());
        }
        Err(last_error.unwrap_or_else(|| Error::new(code::INVALID_NODE, "no node holds some of the partitions")))
    }
}

/// A multi-message response in progress; the connection returns to its pool only once the
/// whole stream was read.
struct Stream<'p> {
    lease: Option<crate::pool::Lease<'p>>,
}

impl Stream<'_> {
    fn next(&mut self, body: &mut Vec<u8>) -> Result<()> {
        let lease = self.lease.as_mut().expect("stream is open");
        lease.conn().receive(body).map(drop)
    }

    /// The whole stream was read: the connection can be reused. A stream dropped before
    /// this (abandoned mid-way) closes its connection with the lease.
    fn finish(mut self) {
        if let Some(lease) = self.lease.take() {
            lease.release();
        }
    }
}

/// Turns a single-record answer into the record, or the server's error.
fn finish((result_code, record): (u8, Record)) -> Result<Record> {
    match result_code {
        0 => Ok(record),
        c => Err(Error::server(c)),
    }
}

fn tend_loop(shared: &Shared, mut tender: Tender, mut io: TendIo) {
    loop {
        {
            let stopped = shared.stop.lock().unwrap_or_else(|p| p.into_inner());
            let (stopped, _) = shared
                .wake
                .wait_timeout_while(stopped, shared.config.tend_interval, |s| !*s)
                .unwrap_or_else(|p| p.into_inner());
            if *stopped {
                return;
            }
        }
        if tender.tend(&mut io).changed {
            let old = shared.view.read().unwrap_or_else(|p| p.into_inner()).clone();
            let view = Arc::new(build_view(&tender, &old, &shared.config));
            *shared.view.write().unwrap_or_else(|p| p.into_inner()) = view;
        }
    }
}

impl Drop for Client {
    fn drop(&mut self) {
        *self.shared.stop.lock().unwrap_or_else(|p| p.into_inner()) = true;
        self.shared.wake.notify_all();
        if let Some(thread) = self.tend_thread.take() {
            let _ = thread.join();
        }
    }
}

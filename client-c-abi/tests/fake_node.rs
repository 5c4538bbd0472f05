//! The blocking client against fake nodes that answer the tend commands like a server and
//! data commands as told: answer, stall or hang up. Covers retries, timeouts, re-routing to a
//! replica, seeds that fail, and one client shared by many threads.

use std::collections::HashMap;
use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::atomic::{AtomicU8, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use scramjet::error::code;
use scramjet::policy::{BasePolicy, ClientConfig, ReadPolicy, Replica};
use scramjet::{Client, Key, UserKey, Value};
use scramjet_net::message::{MessageWriter, MsgHeader};
use scramjet_net::{ProtoHeader, ProtoType, PROTO_HEADER_SIZE};

const ANSWER: u8 = 0;
const STALL: u8 = 1;
const HANG_UP: u8 = 2;

struct FakeNode {
    port: u16,
    behaviour: Arc<AtomicU8>,
    info: Arc<Mutex<HashMap<String, String>>>,
    data_requests: Arc<AtomicUsize>,
}

fn bitmap(all: bool) -> String {
    let mut s = String::new();
    base64::Engine::encode_string(
        &base64::engine::general_purpose::STANDARD,
        [if all { 0xFF } else { 0 }; 512],
        &mut s,
    );
    s
}

impl FakeNode {
    /// A node named `name` whose data answers carry bin `who` = `id`.
    fn start(name: &str, id: i64) -> FakeNode {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let info: HashMap<String, String> = [
            ("node", name.to_string()),
            ("build", "8.1.0.0".to_string()),
            ("partition-generation", "1".to_string()),
            ("peers-generation", "1".to_string()),
            ("peers-clear-std", "1,3000,[]".to_string()),
            ("replicas", format!("test:0,1,{}", bitmap(true))),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_string(), v))
        .collect();
        let node = FakeNode {
            port,
            behaviour: Arc::new(AtomicU8::new(ANSWER)),
            info: Arc::new(Mutex::new(info)),
            data_requests: Arc::new(AtomicUsize::new(0)),
        };
        let (behaviour, info, count) = (node.behaviour.clone(), node.info.clone(), node.data_requests.clone());
        std::thread::spawn(move || {
            for stream in listener.incoming() {
                let Ok(stream) = stream else { return };
                let (behaviour, info, count) = (behaviour.clone(), info.clone(), count.clone());
                std::thread::spawn(move || serve(stream, &behaviour, &info, &count, id));
            }
        });
        node
    }

    fn set(&self, name: &str, value: String) {
        self.info.lock().unwrap().insert(name.to_string(), value);
    }
}

fn serve(
    mut stream: TcpStream,
    behaviour: &AtomicU8,
    info: &Mutex<HashMap<String, String>>,
    count: &AtomicUsize,
    id: i64,
) {
    loop {
        let mut head = [0u8; PROTO_HEADER_SIZE];
        if stream.read_exact(&mut head).is_err() {
            return;
        }
        let header = ProtoHeader::decode(head).unwrap();
        let mut body = vec![0u8; header.size as usize];
        if stream.read_exact(&mut body).is_err() {
            return;
        }
        let mut out = Vec::new();
        if header.proto_type == ProtoType::Info {
            let table = info.lock().unwrap();
            let mut text = String::new();
            for line in String::from_utf8_lossy(&body).split('\n').filter(|l| !l.is_empty()) {
                let value = table.get(line).cloned().unwrap_or_else(|| "ERROR:4:unrecognized command".into());
                text.push_str(&format!("{line}\t{value}\n"));
            }
            out.extend_from_slice(&ProtoHeader::encode(ProtoType::Info, text.len() as u64));
            out.extend_from_slice(text.as_bytes());
        } else {
            count.fetch_add(1, Ordering::SeqCst);
            match behaviour.load(Ordering::SeqCst) {
                STALL => {
                    // Read on (the client will give up and close), never answer.
                    let mut sink = [0u8; 1024];
                    while matches!(stream.read(&mut sink), Ok(n) if n > 0) {}
                    return;
                }
                HANG_UP => {
                    behaviour.store(ANSWER, Ordering::SeqCst); // once
                    return;
                }
                _ => {}
            }
            let header = MsgHeader { generation: 1, ..Default::default() };
            let mut w = MessageWriter::begin(&mut out, &header);
            w.op(1, 1, b"who", &id.to_be_bytes());
            w.finish();
        }
        if stream.write_all(&out).is_err() {
            return;
        }
    }
}

fn config(ports: &[u16]) -> ClientConfig {
    let mut c = ClientConfig::new(ports.iter().map(|p| ("127.0.0.1".to_string(), *p)).collect());
    c.tend_interval = Duration::from_millis(50);
    c
}

fn key() -> Key {
    Key::new("test", "s", UserKey::Str("k".into())).unwrap()
}

fn who(client: &Client, policy: &ReadPolicy) -> scramjet::Result<i64> {
    let record = client.get(Some(policy), &key(), None)?;
    match record.bin("who") {
        Some(Value::Int(i)) => Ok(*i),
        other => panic!("unexpected bin {other:?}"),
    }
}

#[test]
fn reads_an_aerospike_like_node_without_shard_ports() {
    let node = FakeNode::start("A1", 1);
    let client = Client::new(config(&[node.port])).unwrap();
    assert_eq!(client.node_names(), ["A1"]);
    assert_eq!(who(&client, &ReadPolicy::default()).unwrap(), 1);
    let info = client.info(None, "build", Duration::from_secs(1)).unwrap();
    assert_eq!(info, "build\t8.1.0.0\n");
}

#[test]
fn a_stalled_node_ends_in_a_timeout_not_a_hang() {
    let node = FakeNode::start("A2", 1);
    let client = Client::new(config(&[node.port])).unwrap();
    node.behaviour.store(STALL, Ordering::SeqCst);
    let policy = ReadPolicy {
        base: BasePolicy {
            total_timeout: Duration::from_millis(300),
            socket_timeout: Duration::from_millis(100),
            ..BasePolicy::READ
        },
        replica: Replica::Sequence,
        filter: None,
    };
    let started = Instant::now();
    let e = who(&client, &policy).unwrap_err();
    let took = started.elapsed();
    assert_eq!(e.code, code::TIMEOUT, "{e}");
    assert!(e.message.contains("3 attempt"), "every retry was made: {e}");
    assert!(took < Duration::from_secs(5), "bounded by the total timeout, took {took:?}");
    assert_eq!(node.data_requests.load(Ordering::SeqCst), 3);
}

#[test]
fn a_dropped_connection_is_retried() {
    let node = FakeNode::start("A3", 1);
    let client = Client::new(config(&[node.port])).unwrap();
    node.behaviour.store(HANG_UP, Ordering::SeqCst);
    assert_eq!(who(&client, &ReadPolicy::default()).unwrap(), 1);
    assert_eq!(node.data_requests.load(Ordering::SeqCst), 2);
    // Writes are not retried by default: a hang-up is reported.
    node.behaviour.store(HANG_UP, Ordering::SeqCst);
    let e = client.put(None, &key(), &[("a", &Value::Int(1))]).unwrap_err();
    assert_eq!(e.code, code::CONNECTION, "{e}");
}

#[test]
fn reads_move_to_the_replica_when_the_master_is_silent() {
    let a = FakeNode::start("B1", 1);
    let b = FakeNode::start("B2", 2);
    a.set("peers-clear-std", format!("1,3000,[[B2,,[127.0.0.1:{}]]]", b.port));
    b.set("peers-clear-std", format!("1,3000,[[B1,,[127.0.0.1:{}]]]", a.port));
    a.set("replicas", format!("test:0,2,{},{}", bitmap(true), bitmap(false)));
    b.set("replicas", format!("test:0,2,{},{}", bitmap(false), bitmap(true)));
    let client = Client::new(config(&[a.port])).unwrap();
    let mut names = client.node_names();
    names.sort();
    assert_eq!(names, ["B1", "B2"], "B2 found through B1's peers");
    assert_eq!(who(&client, &ReadPolicy::default()).unwrap(), 1, "reads go to the master");
    a.behaviour.store(STALL, Ordering::SeqCst);
    let policy = ReadPolicy {
        base: BasePolicy {
            socket_timeout: Duration::from_millis(100),
            total_timeout: Duration::from_secs(2),
            ..BasePolicy::READ
        },
        replica: Replica::Sequence,
        filter: None,
    };
    assert_eq!(who(&client, &policy).unwrap(), 2, "the retry went to the replica");
    let master_only = ReadPolicy { replica: Replica::Master, ..policy };
    assert_eq!(who(&client, &master_only).unwrap_err().code, code::TIMEOUT);
}

#[test]
fn seeds_that_fail_say_why() {
    let e = Client::new(ClientConfig::new(vec![("no-such-host.invalid".into(), 3000)])).err().unwrap();
    assert_eq!(e.code, code::INVALID_HOST, "{e}");
    assert!(e.message.contains("no-such-host.invalid"), "{e}");
    let closed = TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port(); // closed again
    let e = Client::new(config(&[closed])).err().unwrap();
    assert_eq!(e.code, code::CONNECTION, "{e}");
    assert!(e.message.contains(&format!("127.0.0.1:{closed}")), "{e}");
}

#[test]
fn one_client_serves_many_threads() {
    let node = FakeNode::start("C1", 7);
    let client = Arc::new(Client::new(config(&[node.port])).unwrap());
    let threads: Vec<_> = (0..16)
        .map(|_| {
            let client = client.clone();
            std::thread::spawn(move || {
                for _ in 0..200 {
                    assert_eq!(who(&client, &ReadPolicy::default()).unwrap(), 7);
                }
            })
        })
        .collect();
    for t in threads {
        t.join().unwrap();
    }
    assert_eq!(node.data_requests.load(Ordering::SeqCst), 16 * 200);
    let open = client.view().live().map(|n| n.open_connections()).sum::<usize>();
    assert!((1..=16).contains(&open), "connections are pooled and reused: {open}");
}

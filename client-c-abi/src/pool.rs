//! Blocking connections and per-node pools.

use std::io::{ErrorKind, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use scramjet_net::{ProtoHeader, ProtoType, PROTO_HEADER_SIZE};

use crate::auth::Credentials;
use crate::error::{code, Error, Result};
use crate::tls::{Stream, Tls};

/// One TCP connection to a node port.
#[derive(Debug)]
pub struct Connection {
    stream: Stream,
    last_used: Instant,
}

fn io_error(address: SocketAddr, e: &std::io::Error) -> Error {
    match e.kind() {
        ErrorKind::WouldBlock | ErrorKind::TimedOut => Error::new(code::TIMEOUT, format!("{address}: timed out")),
        _ => Error::new(code::CONNECTION, format!("{address}: {e}")),
    }
}

impl Connection {
    /// Connects within `timeout`, with `tls` runs the TLS handshake, and with `credentials`
    /// logs in (each within the same timeout).
    pub fn connect(
        address: SocketAddr,
        timeout: Duration,
        credentials: Option<&Credentials>,
        tls: Option<&Tls>,
    ) -> Result<Connection> {
        let stream = TcpStream::connect_timeout(&address, timeout.max(Duration::from_millis(1))).map_err(|e| {
            if matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) {
                Error::new(code::TIMEOUT, format!("connect to {address} timed out"))
            } else {
                Error::new(code::CONNECTION, format!("cannot connect to {address}: {e}"))
            }
        })?;
        stream.set_nodelay(true).map_err(|e| io_error(address, &e))?;
        let stream = match tls {
            None => Stream::Plain(stream),
            Some(tls) => {
                let limit = Some(timeout.max(Duration::from_secs(1)));
                stream.set_read_timeout(limit).map_err(|e| io_error(address, &e))?;
                stream.set_write_timeout(limit).map_err(|e| io_error(address, &e))?;
                Stream::Tls(Box::new(
                    tls.connect(stream).map_err(|e| Error::new(e.code, format!("{address}: {}", e.message)))?,
                ))
            }
        };
        let mut conn = Connection { stream, last_used: Instant::now() };
        if let Some(credentials) = credentials {
            conn.set_timeout(timeout.max(Duration::from_secs(1)), None)?;
            crate::auth::login(&mut conn.stream, credentials)
                .map_err(|e| Error::new(e.code, format!("{address}: {}", e.message)))?;
        }
        Ok(conn)
    }

    fn address(&self) -> SocketAddr {
        self.stream.socket().peer_addr().unwrap_or_else(|_| SocketAddr::from(([0, 0, 0, 0], 0)))
    }

    /// Sets the timeout of the next reads and writes: the socket timeout, cut to what is left
    /// before `deadline`. Fails with a timeout if the deadline has passed.
    pub fn set_timeout(&mut self, socket_timeout: Duration, deadline: Option<Instant>) -> Result<()> {
        let mut timeout = (!socket_timeout.is_zero()).then_some(socket_timeout);
        if let Some(deadline) = deadline {
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                return Err(Error::new(code::TIMEOUT, "deadline passed"));
            }
            timeout = Some(timeout.map_or(left, |t| t.min(left)));
        }
        let address = self.address();
        self.stream.socket().set_read_timeout(timeout).map_err(|e| io_error(address, &e))?;
        self.stream.socket().set_write_timeout(timeout).map_err(|e| io_error(address, &e))
    }

    /// Sends `request` whole.
    pub fn send(&mut self, request: &[u8]) -> Result<()> {
        self.stream.write_all(request).map_err(|e| io_error(self.address(), &e))
    }

    /// Reads one proto message; returns its type and body.
    pub fn receive(&mut self, body: &mut Vec<u8>) -> Result<ProtoType> {
        let mut head = [0u8; PROTO_HEADER_SIZE];
        self.read_exact(&mut head)?;
        let header = ProtoHeader::decode(head)
            .map_err(|e| Error::new(code::CLIENT, format!("{}: bad proto header: {e:?}", self.address())))?;
        body.clear();
        body.resize(header.size as usize, 0);
        self.read_exact(body)?;
        self.last_used = Instant::now();
        match header.proto_type {
            ProtoType::Compressed => Err(Error::new(code::CLIENT, "unexpected compressed response")),
            t => Ok(t),
        }
    }

    fn read_exact(&mut self, buf: &mut [u8]) -> Result<()> {
        self.stream.read_exact(buf).map_err(|e| match e.kind() {
            ErrorKind::UnexpectedEof => Error::new(code::CONNECTION, format!("{}: connection closed", self.address())),
            _ => io_error(self.address(), &e),
        })
    }
}

/// Idle connections to one port of a node. The node's connection count is shared by all its
/// pools, so `max_conns_per_node` bounds the node as a whole.
#[derive(Debug)]
pub struct Pool {
    /// Where the connections go.
    pub address: SocketAddr,
    idle: Mutex<Vec<Connection>>,
    open: Arc<AtomicUsize>,
    max_open: usize,
    credentials: Option<Arc<Credentials>>,
    tls: Option<Tls>,
}

/// A connection taken from a pool: give it back with [`Pool::put`], or drop it to close it.
#[derive(Debug)]
pub struct Lease<'p> {
    conn: Option<Connection>,
    pool: &'p Pool,
}

impl Lease<'_> {
    /// The leased connection.
    pub fn conn(&mut self) -> &mut Connection {
        self.conn.as_mut().expect("a lease holds its connection until returned")
    }
}

impl Drop for Lease<'_> {
    fn drop(&mut self) {
        if self.conn.is_some() {
            self.pool.open.fetch_sub(1, Ordering::AcqRel);
        }
    }
}

impl Pool {
    /// A pool for `address` counting against `open` (at most `max_open`); new connections
    /// log in with `credentials`.
    pub fn new(
        address: SocketAddr,
        open: Arc<AtomicUsize>,
        max_open: usize,
        credentials: Option<Arc<Credentials>>,
        tls: Option<Tls>,
    ) -> Pool {
        Pool { address, idle: Mutex::new(Vec::new()), open, max_open, credentials, tls }
    }

    /// An idle connection (not idle for longer than `max_idle`), or a new one.
    pub fn get(&self, connect_timeout: Duration, max_idle: Duration) -> Result<Lease<'_>> {
        loop {
            let conn = self.idle.lock().unwrap_or_else(|p| p.into_inner()).pop();
            match conn {
                Some(conn) if conn.last_used.elapsed() < max_idle => return Ok(Lease { conn: Some(conn), pool: self }),
                Some(stale) => {
                    drop(stale);
                    self.open.fetch_sub(1, Ordering::AcqRel);
                }
                None => break,
            }
        }
        if self.open.fetch_add(1, Ordering::AcqRel) >= self.max_open {
            self.open.fetch_sub(1, Ordering::AcqRel);
            return Err(Error::new(
                code::NO_MORE_CONNECTIONS,
                format!("{}: max_conns_per_node ({}) connections are in use", self.address, self.max_open),
            ));
        }
        match Connection::connect(self.address, connect_timeout, self.credentials.as_deref(), self.tls.as_ref()) {
            Ok(conn) => Ok(Lease { conn: Some(conn), pool: self }),
            Err(e) => {
                self.open.fetch_sub(1, Ordering::AcqRel);
                Err(e)
            }
        }
    }

    /// Closes every idle connection.
    pub fn clear(&self) {
        let idle = std::mem::take(&mut *self.idle.lock().unwrap_or_else(|p| p.into_inner()));
        self.open.fetch_sub(idle.len(), Ordering::AcqRel);
    }
}

impl Drop for Pool {
    fn drop(&mut self) {
        self.clear();
    }
}

impl Lease<'_> {
    /// Returns a healthy connection to its pool for reuse.
    pub fn release(mut self) {
        if let Some(conn) = self.conn.take() {
            self.pool.idle.lock().unwrap_or_else(|p| p.into_inner()).push(conn);
        }
    }
}

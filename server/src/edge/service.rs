//! The client connection loop: read a proto header, read its body, answer, repeat.
//!
//! Hostile input is handled here: a bad header (version, type, size over 128 MiB) closes the
//! connection; a body is read as it arrives, never allocated up front from the announced size;
//! a connection idle (or stalled mid-message) for `proto-fd-idle-ms` is closed.

use std::io::ErrorKind;
use std::os::fd::{AsRawFd, BorrowedFd, FromRawFd, IntoRawFd, OwnedFd};
use std::rc::Rc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use futures_lite::{AsyncRead, AsyncWrite, AsyncWriteExt};
use futures_rustls::server::TlsStream;
use glommio::net::{TcpListener, TcpStream};
use scramjet_net::frame::ProtoType;
use scramjet_net::response::write_status;
use scramjet_net::{ProtoHeader, ResultCode, PROTO_HEADER_SIZE};

use super::admin::Session;
use crate::ground::bench::{Arrival, Bench, Phase};
use crate::ground::readbuf::{Filled, ReadBuf};
use crate::ground::security::Access;
use crate::ground::stats::LatencyKind;
use crate::log;
use crate::shard::Shard;
use crate::transaction::placement::Placement;
use crate::transaction::{self, placement, Route};

/// Smallest read issued (and the buffer size kept between requests).
const READ_CHUNK: usize = 64 << 10;

/// Why a connection ended.
#[derive(Debug)]
enum Close {
    /// The client closed it between messages.
    Eof,
    /// The client went silent past the idle limit.
    Idle,
    /// The client sent something that is not the protocol.
    Protocol(String),
    /// A socket error.
    Io(std::io::Error),
    /// The node is shutting down.
    Shutdown,
}

/// A client connection: plain TCP, or TLS over it.
pub trait ClientStream: AsyncRead + AsyncWrite + Unpin {
    /// The TCP connection underneath (timeouts, addresses).
    fn tcp(&self) -> &TcpStream;

    /// The common name of the client's certificate, if it presented one (TLS only): the user
    /// of a PKI login.
    fn certificate_name(&self) -> Option<String> {
        None
    }

    /// Whether another shard may write this connection's answers on its socket itself: plain
    /// TCP only (TLS frames and encrypts on the connection's own shard).
    fn answered_anywhere(&self) -> bool {
        false
    }
}

impl ClientStream for TcpStream {
    fn tcp(&self) -> &TcpStream {
        self
    }

    fn answered_anywhere(&self) -> bool {
        true
    }
}

impl ClientStream for TlsStream<TcpStream> {
    fn tcp(&self) -> &TcpStream {
        self.get_ref().0
    }

    fn certificate_name(&self) -> Option<String> {
        let chain = self.get_ref().1.peer_certificates()?;
        crate::ground::tls::common_name(chain.first()?)
    }
}

/// How long a TLS client may take to finish its handshake.
const TLS_HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(10);

/// Accepts client connections on `listener` until the node stops; each is served by its own
/// task on this shard.
pub async fn accept(shard: Rc<Shard>, listener: TcpListener) {
    accept_with(shard, listener, false).await
}

/// Accepts TLS client connections on `listener` (the service's `tls-port`): each task does
/// the handshake, then serves the connection like a plain one. A client that does not speak
/// TLS (or presents no good certificate when one is required) is closed.
pub async fn accept_tls(shard: Rc<Shard>, listener: TcpListener) {
    accept_with(shard, listener, true).await
}

async fn accept_with(shard: Rc<Shard>, listener: TcpListener, tls: bool) {
    loop {
        let stream = match listener.accept().await {
            Ok(stream) => stream,
            Err(e) => {
                // Typically out of file descriptors: back off instead of spinning.
                log!(Warning, "service", "shard {} accept failed: {e}", shard.id);
                glommio::timer::Timer::new(Duration::from_millis(50)).await;
                continue;
            }
        };
        let over_cap = {
            let mut state = shard.state.borrow_mut();
            let over = !shard.node.admit_connection(u64::from(state.service.proto_fd_max));
            if over {
                state.connections.client_connections_refused += 1;
            }
            over
        };
        if over_cap {
            log!(Debug, "service", "shard {} refused a connection: proto-fd-max reached", shard.id);
            drop(stream);
            continue;
        }
        if tls {
            glommio::spawn_local(handshake(shard.clone(), stream)).detach();
        } else {
            glommio::spawn_local(serve(shard.clone(), stream)).detach();
        }
    }
}

/// Runs a TLS handshake, then serves the connection.
async fn handshake(shard: Rc<Shard>, stream: TcpStream) {
    let Some(acceptor) = shard.node.tls_acceptor.clone() else {
        shard.node.release_connection();
        return;
    };
    let peer = stream.peer_addr().map(|a| a.to_string()).unwrap_or_default();
    if stream.set_read_timeout(Some(TLS_HANDSHAKE_TIMEOUT)).is_err() {
        shard.node.release_connection();
        return;
    }
    // The whole handshake within the limit, however slowly the client sends.
    let handshake = async { acceptor.0.accept(stream).await.map_err(glommio::GlommioError::IoError) };
    match glommio::timer::timeout(TLS_HANDSHAKE_TIMEOUT, handshake).await {
        Ok(tls) => serve(shard, tls).await,
        Err(e) => {
            shard.node.release_connection();
            let mut state = shard.state.borrow_mut();
            state.connections.client_connections_opened += 1;
            state.connections.client_connections_closed += 1;
            state.connections.client_proto_errors += 1;
            log!(Debug, "service", "TLS handshake with {peer} failed: {e}");
        }
    }
}

/// Serves one client connection until it closes.
pub async fn serve(shard: Rc<Shard>, stream: impl ClientStream) {
    {
        let mut state = shard.state.borrow_mut();
        state.connections.client_connections += 1;
        state.connections.client_connections_opened += 1;
    }
    let peer = stream.tcp().peer_addr().map(|a| a.to_string()).unwrap_or_default();
    let close = serve_messages(&shard, stream).await.err().unwrap_or(Close::Eof);
    let mut state = shard.state.borrow_mut();
    state.connections.client_connections -= 1;
    shard.node.release_connection();
    state.connections.client_connections_closed += 1;
    match close {
        Close::Eof | Close::Shutdown => {}
        Close::Idle => {
            state.connections.client_connections_idle_closed += 1;
            log!(Debug, "service", "closed idle connection from {peer}");
        }
        Close::Protocol(reason) => {
            state.connections.client_proto_errors += 1;
            log!(Warning, "service", "closed connection from {peer}: {reason}");
        }
        Close::Io(e) => log!(Debug, "service", "connection from {peer} failed: {e}"),
    }
}

/// Reads until `need` bytes are available: `Ok(false)` if the client closed the connection
/// between messages.
async fn fill(input: &mut ReadBuf, stream: &mut impl ClientStream, need: usize) -> Result<bool, Close> {
    let filled = input.fill(stream, need).await.map_err(|e| match e.kind() {
        ErrorKind::TimedOut | ErrorKind::WouldBlock => Close::Idle,
        _ => Close::Io(e),
    })?;
    match filled {
        Filled::Ready => Ok(true),
        Filled::Closed => Ok(false),
        Filled::ClosedMidMessage(n) => Err(Close::Protocol(format!("connection closed after {n} bytes of a message"))),
    }
}

async fn serve_messages(shard: &Rc<Shard>, mut stream: impl ClientStream) -> Result<(), Close> {
    let _ = stream.tcp().set_nodelay(true);
    let peer = stream.tcp().peer_addr().map_or(std::net::IpAddr::from([0, 0, 0, 0]), |a| a.ip());
    let mut session = Session::new(peer, stream.certificate_name());
    // Access control is on or off for the node's life (the stanza); its items may change.
    let security = shard.node.config.security.is_some();
    // Set on the first turn whatever it is (a TLS handshake leaves its own timeout).
    let mut idle_ms = u64::MAX;
    let mut input = ReadBuf::new(READ_CHUNK);
    let mut out = Vec::with_capacity(READ_CHUNK);
    // Made on the first command another shard answers.
    let mut socket: Option<Arc<ClientSocket>> = None;
    loop {
        let configured_idle = shard.state.borrow().service.proto_fd_idle_ms;
        if configured_idle != idle_ms {
            idle_ms = configured_idle;
            let timeout = (idle_ms > 0).then(|| Duration::from_millis(idle_ms));
            stream.tcp().set_read_timeout(timeout).map_err(|e| Close::Io(e.into()))?;
            stream.tcp().set_write_timeout(timeout).map_err(|e| Close::Io(e.into()))?;
        }
        if !fill(&mut input, &mut stream, PROTO_HEADER_SIZE).await? {
            return Err(Close::Eof);
        }
        let header_bytes: [u8; PROTO_HEADER_SIZE] = input.available()[..PROTO_HEADER_SIZE].try_into().expect("8 bytes");
        let header = ProtoHeader::decode(header_bytes).map_err(|e| Close::Protocol(e.to_string()))?;
        let total = PROTO_HEADER_SIZE + header.size as usize;
        fill(&mut input, &mut stream, total).await?;
        let body = &input.available()[PROTO_HEADER_SIZE..total];
        if let Some(socket) = &socket {
            // Answers go out in the order the commands came.
            socket.answered().await;
        }
        let mut bench = None;
        // With security on, what the connection's user may do; `Err` before it authenticates.
        let access = match security {
            false => Ok(None),
            true => session.access(shard).map(Some).ok_or(()),
        };
        match (header.proto_type, access) {
            (ProtoType::Info, Ok(access)) => {
                let started = std::time::Instant::now();
                let caller = access.as_deref().map(|a| (a, &session));
                super::info::handle(shard, body, caller, &mut out).await;
                let mut state = shard.state.borrow_mut();
                if state.service.enable_hist_info {
                    state.connections.info_latency.record(started.elapsed());
                }
            }
            (ProtoType::Message, Ok(access)) => {
                let caller = access.as_deref().map(|a| (a, &session));
                match handle_message(shard, body, caller, &mut stream, &mut socket, &mut out).await? {
                    Answer::Here(here) => bench = here,
                    Answer::Elsewhere => {
                        input.consume(total);
                        continue;
                    }
                }
            }
            (ProtoType::Admin, _) => super::admin::handle(shard, &mut session, body, &mut out).await,
            (ProtoType::Info | ProtoType::Message, Err(())) => {
                let report = reports_violations(shard);
                super::admin::audit(report, &session, 80, "command", "");
                if header.proto_type == ProtoType::Info {
                    super::info::not_authenticated(&mut out);
                } else {
                    // A batch, scan or query answer ends with LAST: the client reads until it.
                    match transaction::prepare(body, &shard.node.routes, shard.node.n_shards) {
                        Route::Batch(_) | Route::Scan(_) | Route::Unsupported => {
                            transaction::batch::write_last(&mut out, ResultCode::NotAuthenticated)
                        }
                        _ => write_status(&mut out, ResultCode::NotAuthenticated, 0, 0),
                    }
                }
            }
            (ProtoType::Compressed, _) => write_status(&mut out, ResultCode::EnterpriseOnly, 0, 0),
            (ProtoType::InternalXdr, _) => return Err(Close::Protocol("XDR message on the service port".into())),
        }
        input.consume(total);
        let sent = async {
            stream.write_all(&out).await?;
            // TLS takes the bytes before they are sent: push them out (free on plain TCP).
            stream.flush().await
        };
        sent.await.map_err(|e| match e.kind() {
            ErrorKind::TimedOut | ErrorKind::WouldBlock => Close::Idle,
            _ => Close::Io(e),
        })?;
        // The response is sent: the command's last benchmark phase.
        crate::transaction::bench_point(shard, &mut bench.take(), Phase::Response);
        out.clear();
        if out.capacity() > crate::ground::readbuf::GROW_STEP {
            out.shrink_to(READ_CHUNK);
        }
    }
}

/// Who answers a client's message.
enum Answer {
    /// This shard: the response is in `out`, with a single-record command's benchmark clock,
    /// if its histograms are on, to count the response once it is sent.
    Here(Option<Bench>),
    /// The shard that owns the record, on the connection's socket.
    Elsewhere,
}

/// Runs a client's message: appends its response, or hands a single-record command to the
/// shard that owns the record, which answers on `socket` (made here if it is the first).
async fn handle_message(
    shard: &Rc<Shard>,
    body: &[u8],
    caller: Option<(&Access, &Session)>,
    stream: &mut impl ClientStream,
    socket: &mut Option<Arc<ClientSocket>>,
    out: &mut Vec<u8>,
) -> Result<Answer, Close> {
    let started = std::time::Instant::now();
    let route = transaction::prepare(body, &shard.node.routes, shard.node.n_shards);
    if let Some((access, session)) = caller {
        if let Some((code, refused)) = authorize(shard, access, &route) {
            let report = reports_violations(shard);
            super::admin::audit(report, session, code.as_u8(), "data command", refused);
            match route {
                Route::Scan(_) => transaction::batch::write_last(out, code),
                _ => write_status(out, code, 0, 0),
            }
            return Ok(Answer::Here(None));
        }
    }
    match route {
        Route::Record { shard: owner, txn } => {
            let arrival = Some(Arrival::client(started));
            let kind = transaction::latency_kind(&txn);
            let ns = txn.ns_index();
            if owner != shard.id && stream.answered_anywhere() && placement::placement(shard, &txn) == Placement::Here {
                if socket.is_none() {
                    *socket = ClientSocket::of(stream.tcp()).map(Arc::new);
                }
                if let Some(socket) = socket {
                    let handed = Handed { ns, kind, started, arrival, socket: socket.clone() };
                    hand_off(shard, owner, body, handed).await?;
                    return Ok(Answer::Elsewhere);
                }
            }
            let bench =
                placement::run_record(shard, body, owner, &txn, 0, arrival, out).await.map_err(|_| Close::Shutdown)?;
            shard.state.borrow_mut().txn_stats[ns].latency[kind as usize].record(started.elapsed());
            return Ok(Answer::Here(bench));
        }
        Route::Batch(msg) => {
            transaction::batch::run(shard, &msg, started, caller.map(|(a, _)| a), out).await;
            shard.state.borrow_mut().connections.batch_index_latency.record(started.elapsed());
        }
        // A scan writes its records to the client as they come: `out` stays bounded.
        Route::Scan(msg) => {
            transaction::scan::run(shard, &msg, stream, out).await.map_err(Close::Io)?;
            if let Some((ns, kind)) = transaction::scan::latency_kind(shard, &msg) {
                shard.state.borrow_mut().txn_stats[ns].latency[kind as usize].record(started.elapsed());
            }
        }
        Route::Reject(code) => write_status(out, code, 0, 0),
        Route::Unsupported => transaction::write_unsupported(out),
    }
    Ok(Answer::Here(None))
}

/// A client connection's socket, shared with the shards that answer its commands.
///
/// A command for a record another shard owns is handed to that shard, which runs it and
/// writes the response on the socket itself: no reply crosses back over the mesh, and the
/// connection's shard is not woken to relay it (it waits for the client's next command, as it
/// would after answering). The client's next command cannot arrive before the response did,
/// so the connection's shard only checks that the answering shard has let go of the socket
/// (`answering`) before it goes on; that guard also keeps answers in order for a client that
/// sends several commands without waiting.
pub struct ClientSocket {
    /// A second descriptor of the socket: it stays valid while an answer is being written,
    /// even if the connection's shard closed its own meanwhile.
    fd: OwnedFd,
    /// Set by the connection's shard when it hands a command off; cleared by the answering
    /// shard once the whole response is written (or the socket failed).
    answering: AtomicBool,
}

/// How long a connection waits, running its shard's other work, for an answering shard to let
/// go of its socket before it checks less often: that shard has just written the response
/// and is about to, unless a client sent its next command without waiting.
const ANSWER_SPIN: Duration = Duration::from_micros(20);

/// How often a connection checks after [`ANSWER_SPIN`], at first; the wait doubles up to
/// [`ANSWER_POLL_MAX`] (an answer the client is slow to take).
const ANSWER_POLL: Duration = Duration::from_micros(100);
const ANSWER_POLL_MAX: Duration = Duration::from_millis(10);

impl ClientSocket {
    /// A second descriptor of `tcp`'s socket; none if the process is out of descriptors (the
    /// connection's shard then relays the answers itself).
    fn of(tcp: &TcpStream) -> Option<ClientSocket> {
        // SAFETY: the descriptor is the connection's open socket, borrowed only to duplicate
        // it; `tcp` keeps it open for the call.
        let borrowed = unsafe { BorrowedFd::borrow_raw(tcp.as_raw_fd()) };
        let fd = borrowed.try_clone_to_owned().ok()?;
        Some(ClientSocket { fd, answering: AtomicBool::new(false) })
    }

    /// Waits until no other shard is writing an answer on the socket.
    async fn answered(&self) {
        let since = Instant::now();
        let mut poll = ANSWER_POLL;
        while self.answering.load(Ordering::Acquire) {
            if since.elapsed() < ANSWER_SPIN {
                futures_lite::future::yield_now().await;
            } else {
                glommio::timer::sleep(poll).await;
                poll = (poll * 2).min(ANSWER_POLL_MAX);
            }
        }
    }

    /// Writes `bytes` on the socket from the answering shard `shard`; on a failure (or a
    /// client that stops reading past `proto-fd-idle-ms`) the socket is shut down, which ends
    /// the connection on its own shard as a failed write there would.
    async fn write(&self, shard: &Shard, mut bytes: &[u8]) {
        let socket = socket2::SockRef::from(&self.fd);
        while !bytes.is_empty() {
            match socket.send_with_flags(bytes, libc::MSG_DONTWAIT | libc::MSG_NOSIGNAL) {
                Ok(0) => break,
                Ok(n) => bytes = &bytes[n..],
                Err(e) if e.kind() == ErrorKind::Interrupted => {}
                Err(e) if e.kind() == ErrorKind::WouldBlock => {
                    if self.write_waiting(shard, bytes).await.is_ok() {
                        return;
                    }
                    break;
                }
                Err(_) => break,
            }
        }
        if !bytes.is_empty() {
            let _ = socket.shutdown(std::net::Shutdown::Both);
        }
    }

    /// Writes `bytes` once the client makes room, waiting on this shard's ring through a
    /// third descriptor of the socket, closed after.
    async fn write_waiting(&self, shard: &Shard, bytes: &[u8]) -> std::io::Result<()> {
        let fd = self.fd.try_clone()?;
        // SAFETY: `fd` is a descriptor of a connected TCP socket that we own and give up here:
        // the stream is its only owner and closes it when dropped.
        let mut stream = unsafe { TcpStream::from_raw_fd(fd.into_raw_fd()) };
        let idle_ms = shard.state.borrow().service.proto_fd_idle_ms;
        stream.set_write_timeout((idle_ms > 0).then(|| Duration::from_millis(idle_ms)))?;
        stream.write_all(bytes).await
    }
}

/// A command handed to the shard that owns its record, and what that shard needs to answer it.
struct Handed {
    ns: usize,
    kind: LatencyKind,
    started: Instant,
    arrival: Option<Arrival>,
    socket: Arc<ClientSocket>,
}

/// Hands the single-record command `body` to shard `owner`, which runs it and answers on the
/// client's socket.
async fn hand_off(shard: &Shard, owner: usize, body: &[u8], handed: Handed) -> Result<(), Close> {
    shard.state.borrow_mut().connections.shard_forwarded_requests += 1;
    handed.socket.answering.store(true, Ordering::Relaxed);
    let body = body.to_vec();
    let sent = shard.post(owner, move |owner| async move { answer(&owner, &body, handed).await }).await;
    // The node is shutting down: nothing will answer.
    sent.map_err(|_| Close::Shutdown)
}

/// Runs a command handed over by another shard and answers the client on its socket.
async fn answer(shard: &Rc<Shard>, body: &[u8], handed: Handed) {
    let Handed { ns, kind, started, arrival, socket } = handed;
    let (response, mut bench) = placement::run_owned(shard, body, arrival).await;
    shard.state.borrow_mut().txn_stats[ns].latency[kind as usize].record(started.elapsed());
    socket.write(shard, &response).await;
    socket.answering.store(false, Ordering::Release);
    // The response is sent: the command's last benchmark phase.
    crate::transaction::bench_point(shard, &mut bench, Phase::Response);
}

/// Whether refused commands are logged (`report-violation`).
fn reports_violations(shard: &Shard) -> bool {
    shard.state.borrow().security_config.as_ref().is_some_and(|c| c.report_violation)
}

/// Whether the user may run a single-record command or a scan or query: `None` if so, or the
/// refusal (81 and the permission it lacks, or 83 past the user's quota). Batch rows are
/// checked one by one where the batch splits them.
fn authorize(shard: &Shard, access: &Access, route: &Route<'_>) -> Option<(ResultCode, &'static str)> {
    let (ns, set, needed) = match route {
        Route::Record { txn, .. } => (txn.ns_index(), txn.set(), transaction::required_perms(txn)),
        Route::Scan(msg) => {
            let key = msg.key_fields();
            let ns = key.namespace.and_then(|n| shard.node.namespaces.iter().position(|name| name.as_bytes() == n))?;
            (ns, key.set.unwrap_or_default(), transaction::scan::required_perms(msg))
        }
        Route::Batch(_) | Route::Reject(_) | Route::Unsupported => return None,
    };
    if !access.allows(ns, set, needed) {
        // The first permission missing, for the audit log.
        let missing = (0..64).map(|b| 1u64 << b).find(|&b| needed & b != 0 && !access.allows(ns, set, b));
        return Some((ResultCode::RoleViolation, crate::ground::security::perm::name(missing.unwrap_or(needed))));
    }
    match route {
        Route::Record { txn, .. } if !access.within_quota(transaction::is_write(txn)) => {
            Some((ResultCode::QuotaExceeded, "quota"))
        }
        _ => None,
    }
}

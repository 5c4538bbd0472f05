//! `--echo-server`: a plain echo server (one epoll loop per thread, all on one port), the
//! other end of `--echo`, which measures the loopback ceiling with the load engine's own
//! machinery.

use std::collections::HashMap;
use std::io::{ErrorKind, Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::os::fd::AsRawFd;

use socket2::{Domain, Socket, Type};

use crate::engine::EV_IN;

/// `--echo-server`: echoes every byte on `address`, one epoll loop per thread (the threads
/// share the port), until the process is stopped.
pub fn serve_echo(address: SocketAddr, threads: usize) -> Result<(), String> {
    let mut handles = Vec::new();
    for index in 0..threads.max(1) {
        let listener = reuseport_listener(address)?;
        handles.push(std::thread::spawn(move || echo_loop(listener, index)));
    }
    eprintln!("echo server listening on {address}");
    for h in handles {
        h.join().map_err(|_| "an echo thread panicked".to_string())??;
    }
    Ok(())
}

/// A listener on `address` that every echo thread binds (SO_REUSEPORT), with SO_REUSEADDR so
/// a restart does not wait for TIME_WAIT.
fn reuseport_listener(address: SocketAddr) -> Result<TcpListener, String> {
    let listen = || -> std::io::Result<TcpListener> {
        let socket = Socket::new(Domain::for_address(address), Type::STREAM, None)?;
        socket.set_reuse_address(true)?;
        socket.set_reuse_port(true)?;
        socket.bind(&address.into())?;
        socket.listen(1024)?;
        Ok(socket.into())
    };
    listen().map_err(|e| format!("cannot listen on {address}: {e}"))
}

fn echo_loop(listener: TcpListener, index: usize) -> Result<(), String> {
    listener.set_nonblocking(true).map_err(|e| e.to_string())?;
    // SAFETY: a new epoll descriptor, owned by this loop for the life of the process.
    let epoll = unsafe { libc::epoll_create1(libc::EPOLL_CLOEXEC) };
    let add = |fd: i32, token: u64| {
        let mut ev = libc::epoll_event { events: EV_IN, u64: token };
        // SAFETY: registering a descriptor we own.
        unsafe { libc::epoll_ctl(epoll, libc::EPOLL_CTL_ADD, fd, &mut ev) };
    };
    add(listener.as_raw_fd(), u64::MAX);
    let mut streams: HashMap<u64, TcpStream> = HashMap::new();
    let mut next = 0u64;
    let mut buf = vec![0u8; 64 << 10];
    let mut events = vec![libc::epoll_event { events: 0, u64: 0 }; 256];
    loop {
        // SAFETY: `events` has room for its length.
        let n = unsafe { libc::epoll_wait(epoll, events.as_mut_ptr(), events.len() as i32, -1) };
        for ev in &events[..n.max(0) as usize] {
            let token = ev.u64;
            if token == u64::MAX {
                while let Ok((stream, _)) = listener.accept() {
                    let _ = stream.set_nodelay(true);
                    let _ = stream.set_nonblocking(true);
                    add(stream.as_raw_fd(), next);
                    streams.insert(next, stream);
                    next += 1;
                }
                continue;
            }
            let Some(stream) = streams.get_mut(&token) else { continue };
            match stream.read(&mut buf) {
                Ok(0) => {
                    streams.remove(&token);
                }
                Ok(n) => {
                    // Echo peers wait for their answer, so it fits the socket buffer; if it
                    // ever does not, finish it blocking.
                    let failed = match stream.write(&buf[..n]) {
                        Ok(w) if w == n => false,
                        Ok(w) => {
                            let _ = stream.set_nonblocking(false);
                            let failed = stream.write_all(&buf[w..n]).is_err();
                            let _ = stream.set_nonblocking(true);
                            failed
                        }
                        Err(_) => true,
                    };
                    if failed {
                        streams.remove(&token);
                    }
                }
                Err(e) if e.kind() == ErrorKind::WouldBlock => {}
                Err(_) => {
                    streams.remove(&token);
                }
            }
        }
        let _ = index;
    }
}

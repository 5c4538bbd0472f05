//! Listening sockets for the service, shard and fabric ports.

use std::net::{IpAddr, SocketAddr};
use std::os::fd::{FromRawFd, IntoRawFd};

use glommio::net::TcpListener;
use socket2::{Domain, Socket, Type};

/// Connections the kernel queues per listener before they are accepted.
const BACKLOG: i32 = 1024;

/// A listening socket on `address:port` with SO_REUSEADDR, and SO_REUSEPORT if `shared` (every
/// shard listens on the port and the kernel spreads connections over them). glommio's own bind
/// sets only SO_REUSEPORT, so the connections it accepted lacked SO_REUSEADDR and, after a
/// crash, their TIME_WAIT remains kept the node from listening on its port again for a minute.
pub fn listen(address: IpAddr, port: u16, shared: bool) -> std::io::Result<TcpListener> {
    let address = SocketAddr::new(address, port);
    // socket2 opens sockets with close-on-exec set.
    let socket = Socket::new(Domain::for_address(address), Type::STREAM, None)?;
    socket.set_nonblocking(true)?;
    socket.set_reuse_address(true)?;
    if shared {
        socket.set_reuse_port(true)?;
    }
    socket.bind(&address.into())?;
    socket.listen(BACKLOG)?;
    // SAFETY: the descriptor comes from a listening socket we own and give up here, so the
    // glommio listener is its only owner.
    Ok(unsafe { TcpListener::from_raw_fd(socket.into_raw_fd()) })
}

//! TLS to the nodes' TLS port (Aerospike's `tls-port`): rustls with the ring provider. The
//! client checks the node's certificate against the CA file it is given and against the
//! cluster's TLS name (the nodes' `tls-name`), and presents a certificate of its own when the
//! nodes ask for one (`tls-authenticate-client`).

use std::io::{Read, Write};
use std::net::TcpStream;
use std::sync::Arc;

use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer, ServerName};
use rustls::{ClientConfig as RustlsConfig, ClientConnection, RootCertStore, StreamOwned};

use crate::error::{code, Error, Result};

/// How the client speaks TLS.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TlsOptions {
    /// The name the nodes' certificates must carry (their `tls-name`).
    pub name: String,
    /// CA certificates (PEM) the nodes' certificates must chain to.
    pub ca_file: String,
    /// The client's certificate chain (PEM), for nodes that require one.
    pub cert_file: Option<String>,
    /// The client certificate's key (PEM).
    pub key_file: Option<String>,
}

/// TLS settings built once from [`TlsOptions`].
#[derive(Clone)]
pub struct Tls {
    config: Arc<RustlsConfig>,
    name: ServerName<'static>,
    options: TlsOptions,
}

/// Two settings are the same if they were built from the same options.
impl PartialEq for Tls {
    fn eq(&self, other: &Tls) -> bool {
        self.options == other.options
    }
}

impl Eq for Tls {}

impl std::fmt::Debug for Tls {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Tls").field("name", &self.name).finish_non_exhaustive()
    }
}

fn param(message: String) -> Error {
    Error::new(code::PARAM, message)
}

impl Tls {
    /// Reads the files and builds the settings; every failure names the file and why.
    pub fn new(options: &TlsOptions) -> Result<Tls> {
        // ring, as in the server (aws-lc-rs needs cmake); rustls marks it deprecated only for
        // its lack of post-quantum key exchange.
        #[allow(deprecated)]
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let mut roots = RootCertStore::empty();
        for cert in CertificateDer::pem_file_iter(&options.ca_file)
            .map_err(|e| param(format!("cannot read the TLS CA file {}: {e}", options.ca_file)))?
        {
            let cert = cert.map_err(|e| param(format!("TLS CA file {}: {e}", options.ca_file)))?;
            roots.add(cert).map_err(|e| param(format!("TLS CA file {}: {e}", options.ca_file)))?;
        }
        let builder = RustlsConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .map_err(|e| param(format!("TLS: {e}")))?
            .with_root_certificates(roots);
        let config = match (&options.cert_file, &options.key_file) {
            (Some(cert_file), Some(key_file)) => {
                let chain: Vec<CertificateDer<'static>> = CertificateDer::pem_file_iter(cert_file)
                    .map_err(|e| param(format!("cannot read the TLS certificate file {cert_file}: {e}")))?
                    .collect::<std::result::Result<_, _>>()
                    .map_err(|e| param(format!("TLS certificate file {cert_file}: {e}")))?;
                let key = PrivateKeyDer::from_pem_file(key_file)
                    .map_err(|e| param(format!("cannot read the TLS key file {key_file}: {e}")))?;
                builder
                    .with_client_auth_cert(chain, key)
                    .map_err(|e| param(format!("TLS client certificate and key: {e}")))?
            }
            (None, None) => builder.with_no_client_auth(),
            _ => return Err(param("a TLS client certificate needs both its file and its key file".into())),
        };
        let name = ServerName::try_from(options.name.clone())
            .map_err(|e| param(format!("TLS name '{}': {e}", options.name)))?;
        Ok(Tls { config: Arc::new(config), name, options: options.clone() })
    }

    /// Runs the handshake on a connected socket (its timeouts bound it).
    pub fn connect(&self, mut socket: TcpStream) -> Result<TlsStream> {
        let mut conn = ClientConnection::new(self.config.clone(), self.name.clone())
            .map_err(|e| Error::new(code::CLIENT, format!("TLS: {e}")))?;
        while conn.is_handshaking() {
            conn.complete_io(&mut socket).map_err(|e| match e.kind() {
                std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut => {
                    Error::new(code::TIMEOUT, "TLS handshake timed out")
                }
                _ => Error::new(code::CONNECTION, format!("TLS handshake failed: {e}")),
            })?;
        }
        Ok(StreamOwned::new(conn, socket))
    }
}

/// A TLS connection over a socket (the handshake done).
pub type TlsStream = StreamOwned<ClientConnection, TcpStream>;

/// A connection to a node: plain TCP, or TLS over it.
#[derive(Debug)]
pub enum Stream {
    /// Plain TCP.
    Plain(TcpStream),
    /// TLS over TCP.
    Tls(Box<StreamOwned<ClientConnection, TcpStream>>),
}

impl Stream {
    /// The socket underneath.
    pub fn socket(&self) -> &TcpStream {
        match self {
            Stream::Plain(s) => s,
            Stream::Tls(s) => s.get_ref(),
        }
    }

    /// On a non-blocking socket: sends the TLS records the TLS layer still holds (a write takes
    /// the bytes before they are sent). `Ok(false)` if the socket is full: wait until it is
    /// writable and call again. Always `Ok(true)` on plain TCP.
    pub fn flush_pending(&mut self) -> std::io::Result<bool> {
        let Stream::Tls(s) = self else { return Ok(true) };
        while s.conn.wants_write() {
            match s.conn.write_tls(&mut s.sock) {
                Ok(_) => {}
                Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => return Ok(false),
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                Err(e) => return Err(e),
            }
        }
        Ok(true)
    }
}

impl Read for Stream {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        match self {
            Stream::Plain(s) => s.read(buf),
            Stream::Tls(s) => s.read(buf),
        }
    }
}

impl Write for Stream {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        match self {
            Stream::Plain(s) => s.write(buf),
            Stream::Tls(s) => s.write(buf),
        }
    }

    fn flush(&mut self) -> std::io::Result<()> {
        match self {
            Stream::Plain(s) => s.flush(),
            Stream::Tls(s) => s.flush(),
        }
    }
}

//! TLS for client connections (Aerospike's `network { tls NAME { } }` and the service's
//! `tls-port`): the rustls server configuration built once at start from the PEM files the
//! config names. Shards share it read-only (rustls keeps it behind an `Arc`); each connection's
//! handshake and record layer run on the shard that accepted it.

use std::sync::Arc;

use futures_rustls::TlsAcceptor;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use rustls::server::WebPkiClientVerifier;
use rustls::{RootCertStore, ServerConfig};

use crate::ground::config::schema::TlsSettings;

/// A TLS endpoint's handshake settings (shared read-only by the shards).
#[derive(Clone)]
pub struct Acceptor(pub TlsAcceptor);

impl std::fmt::Debug for Acceptor {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Acceptor(..)")
    }
}

/// Builds the acceptor for a TLS endpoint: its certificate chain and key, and with
/// `authenticate_client` the CA client certificates must chain to. Every failure names the
/// file and the reason.
pub fn acceptor(settings: &TlsSettings, authenticate_client: bool) -> Result<Acceptor, String> {
    // ring rather than aws-lc-rs (which needs cmake to build); ring lacks only the
    // post-quantum key exchanges, which is why rustls marks it deprecated.
    #[allow(deprecated)]
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let certs: Vec<CertificateDer<'static>> = CertificateDer::pem_file_iter(&settings.cert_file)
        .map_err(|e| format!("tls {}: cannot read cert-file {}: {e}", settings.name, settings.cert_file))?
        .collect::<Result<_, _>>()
        .map_err(|e| format!("tls {}: cert-file {} is not PEM certificates: {e}", settings.name, settings.cert_file))?;
    if certs.is_empty() {
        return Err(format!("tls {}: cert-file {} holds no certificate", settings.name, settings.cert_file));
    }
    let key = PrivateKeyDer::from_pem_file(&settings.key_file).map_err(|e| {
        format!("tls {}: cannot read a private key from key-file {}: {e}", settings.name, settings.key_file)
    })?;
    let builder = ServerConfig::builder_with_provider(provider.clone())
        .with_safe_default_protocol_versions()
        .map_err(|e| format!("tls {}: {e}", settings.name))?;
    let builder = if authenticate_client {
        let ca_file = settings.ca_file.as_deref().ok_or_else(|| {
            format!("tls {}: tls-authenticate-client needs a ca-file to check client certificates", settings.name)
        })?;
        let mut roots = RootCertStore::empty();
        for cert in CertificateDer::pem_file_iter(ca_file)
            .map_err(|e| format!("tls {}: cannot read ca-file {ca_file}: {e}", settings.name))?
        {
            let cert = cert.map_err(|e| format!("tls {}: ca-file {ca_file} is not PEM: {e}", settings.name))?;
            roots.add(cert).map_err(|e| format!("tls {}: ca-file {ca_file}: {e}", settings.name))?;
        }
        let verifier = WebPkiClientVerifier::builder_with_provider(Arc::new(roots), provider)
            .build()
            .map_err(|e| format!("tls {}: {e}", settings.name))?;
        builder.with_client_cert_verifier(verifier)
    } else {
        builder.with_no_client_auth()
    };
    let config = builder
        .with_single_cert(certs, key)
        .map_err(|e| format!("tls {}: the certificate and key do not go together: {e}", settings.name))?;
    Ok(Acceptor(TlsAcceptor::from(Arc::new(config))))
}

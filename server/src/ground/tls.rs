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

/// One DER element at the start of `bytes`: its tag, its contents and what follows. `None` if
/// the bytes do not hold a whole element (every length is checked against what is there).
fn der_element(bytes: &[u8]) -> Option<(u8, &[u8], &[u8])> {
    let (&tag, rest) = bytes.split_first()?;
    let (&first, rest) = rest.split_first()?;
    let (len, rest) = if first < 0x80 {
        (usize::from(first), rest)
    } else {
        let n = usize::from(first & 0x7f);
        if n == 0 || n > 4 || rest.len() < n {
            return None;
        }
        let len = rest[..n].iter().fold(0usize, |acc, &b| (acc << 8) | usize::from(b));
        (len, &rest[n..])
    };
    (rest.len() >= len).then(|| (tag, &rest[..len], &rest[len..]))
}

/// The subject's common name (CN, OID 2.5.4.3) of a DER X.509 certificate: the user a
/// client certificate logs in as (Aerospike's PKI login). `None` if the certificate has none
/// or does not parse.
pub fn common_name(certificate: &[u8]) -> Option<String> {
    const SEQUENCE: u8 = 0x30;
    const SET: u8 = 0x31;
    const CN: &[u8] = &[0x55, 0x04, 0x03];
    let (tag, cert, _) = der_element(certificate)?;
    if tag != SEQUENCE {
        return None;
    }
    let (tag, tbs, _) = der_element(cert)?;
    if tag != SEQUENCE {
        return None;
    }
    // version [0] (optional), serial, signature algorithm, issuer, validity, subject.
    let mut at = tbs;
    let (tag, _, rest) = der_element(at)?;
    if tag == 0xa0 {
        at = rest;
    }
    for _ in 0..4 {
        at = der_element(at)?.2;
    }
    let (tag, mut subject, _) = der_element(at)?;
    if tag != SEQUENCE {
        return None;
    }
    while !subject.is_empty() {
        let (tag, mut rdn, rest) = der_element(subject)?;
        subject = rest;
        if tag != SET {
            return None;
        }
        while !rdn.is_empty() {
            let (_, pair, rest) = der_element(rdn)?;
            rdn = rest;
            let (oid_tag, oid, value) = der_element(pair)?;
            if oid_tag == 0x06 && oid == CN {
                let (_, name, _) = der_element(value)?;
                return String::from_utf8(name.to_vec()).ok();
            }
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn der(tag: u8, contents: &[u8]) -> Vec<u8> {
        let mut out = vec![tag];
        if contents.len() < 0x80 {
            out.push(contents.len() as u8);
        } else {
            out.extend_from_slice(&[0x82, (contents.len() >> 8) as u8, contents.len() as u8]);
        }
        out.extend_from_slice(contents);
        out
    }

    fn name(cn: &str) -> Vec<u8> {
        let org = der(0x30, &[der(0x06, &[0x55, 0x04, 0x0a]), der(0x0c, b"scramjet")].concat());
        let cn = der(0x30, &[der(0x06, &[0x55, 0x04, 0x03]), der(0x0c, cn.as_bytes())].concat());
        der(0x30, &[der(0x31, &org), der(0x31, &cn)].concat())
    }

    #[test]
    fn the_subject_common_name_is_found() {
        let tbs = [
            der(0xa0, &der(0x02, &[2])),
            der(0x02, &[1, 2, 3]),
            der(0x30, &der(0x06, &[0x2a, 0x86, 0x48])),
            name("the issuer"),
            der(0x30, &[der(0x17, b"260101000000Z"), der(0x17, b"270101000000Z")].concat()),
            name("alice"),
            der(0x30, &[0u8; 200]),
        ]
        .concat();
        let cert = der(0x30, &[der(0x30, &tbs), der(0x30, &[]), der(0x03, &[0])].concat());
        assert_eq!(common_name(&cert).as_deref(), Some("alice"));
        // Every truncation is refused, never a panic.
        for n in 0..cert.len() {
            assert_eq!(common_name(&cert[..n]), None, "{n}");
        }
        assert_eq!(common_name(&[0x30, 0x84, 0xff, 0xff, 0xff, 0xff]), None);
        assert_eq!(common_name(b""), None);
    }
}

//! The TLS listener's configuration: a rustls server config from a PEM certificate chain and private key.
//!
//! The ring provider is passed explicitly, so this works whether or not a process-wide provider is installed.
//! Clients are not asked for certificates: hpfeeds authenticates with its own AUTH after the handshake.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use tokio_rustls::TlsAcceptor;

/// Why a TLS configuration could not be built.
#[derive(Debug, thiserror::Error)]
pub enum TlsError {
    /// A PEM file could not be read.
    #[error("cannot read {path}: {source}")]
    Read {
        /// The file.
        path: PathBuf,
        /// The OS error.
        source: std::io::Error,
    },
    /// The certificate file holds no `CERTIFICATE` block.
    #[error("{0} holds no PEM certificate; pass the server certificate chain (leaf first)")]
    NoCertificate(PathBuf),
    /// The key file holds no private key.
    #[error("{0} holds no PEM private key (PKCS#8, PKCS#1 or SEC1)")]
    NoKey(PathBuf),
    /// rustls refused the certificate or key (mismatch, unsupported algorithm).
    #[error("TLS configuration rejected: {0}; check that the key matches the certificate")]
    Rustls(#[from] rustls::Error),
}

fn read(path: &Path) -> Result<Vec<u8>, TlsError> {
    std::fs::read(path).map_err(|source| TlsError::Read {
        path: path.to_owned(),
        source,
    })
}

/// Builds an acceptor from PEM files: the certificate chain (leaf first) and its private key.
pub fn acceptor_from_pem_files(cert: &Path, key: &Path) -> Result<TlsAcceptor, TlsError> {
    let cert_pem = read(cert)?;
    let key_pem = read(key)?;
    let certs: Vec<CertificateDer<'static>> = rustls_pemfile::certs(&mut &cert_pem[..])
        .collect::<Result<_, _>>()
        .map_err(|source| TlsError::Read {
            path: cert.to_owned(),
            source,
        })?;
    if certs.is_empty() {
        return Err(TlsError::NoCertificate(cert.to_owned()));
    }
    let key_der = rustls_pemfile::private_key(&mut &key_pem[..])
        .map_err(|source| TlsError::Read {
            path: key.to_owned(),
            source,
        })?
        .ok_or_else(|| TlsError::NoKey(key.to_owned()))?;
    acceptor(certs, key_der)
}

/// Builds an acceptor from DER values already in memory.
pub fn acceptor(certs: Vec<CertificateDer<'static>>, key: PrivateKeyDer<'static>) -> Result<TlsAcceptor, TlsError> {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let config = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()?
        .with_no_client_auth()
        .with_single_cert(certs, key)?;
    Ok(TlsAcceptor::from(Arc::new(config)))
}

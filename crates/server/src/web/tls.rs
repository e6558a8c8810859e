//! HTTPS for the dashboard: a configured certificate and key (PEM), or a self-signed pair generated on first start
//! and kept in the data folder; and [`serve`], which runs the router over plain TCP or TLS with the client's
//! address available to handlers (login throttling).
//!
//! TLS handshakes run in their own tasks (at most [`HANDSHAKES_MAX`] at once, each within [`HANDSHAKE_TIMEOUT`]),
//! so a client that stalls its handshake never blocks the accept loop.

use std::future::Future;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use axum::serve::ListenerExt;
use axum::Router;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{mpsc, Semaphore};
use tokio_rustls::server::TlsStream;
use tokio_rustls::TlsAcceptor;

/// Longest a TLS handshake may take.
pub const HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(10);
/// Most TLS handshakes in progress at once.
pub const HANDSHAKES_MAX: usize = 256;
/// File names of the generated pair inside the data folder.
const SELF_CERT: &str = "web-cert.pem";
/// See [`SELF_CERT`].
const SELF_KEY: &str = "web-key.pem";

/// Where the certificate comes from.
#[derive(Debug, Clone)]
pub enum TlsSource {
    /// PEM files given in `server.toml`.
    Files {
        /// Certificate chain.
        cert: PathBuf,
        /// Private key.
        key: PathBuf,
    },
    /// Generated once for `localhost` and `127.0.0.1` and kept in this folder.
    SelfSigned {
        /// The data folder.
        dir: PathBuf,
    },
}

/// Why HTTPS could not be set up; the message names the file.
#[derive(Debug, thiserror::Error)]
pub enum TlsError {
    /// A file could not be read or written.
    #[error("cannot use {path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The cause.
        source: std::io::Error,
    },
    /// The PEM data is not a usable certificate or key.
    #[error("{0}")]
    Invalid(String),
}

/// Reads a PEM file.
fn read(path: &Path) -> Result<Vec<u8>, TlsError> {
    std::fs::read(path).map_err(|source| TlsError::Io {
        path: path.to_path_buf(),
        source,
    })
}

/// Generates the self-signed pair unless it exists; returns the two paths.
fn self_signed(dir: &Path) -> Result<(PathBuf, PathBuf), TlsError> {
    let (cert, key) = (dir.join(SELF_CERT), dir.join(SELF_KEY));
    if cert.is_file() && key.is_file() {
        return Ok((cert, key));
    }
    let io = |path: &Path| {
        let path = path.to_path_buf();
        move |source| TlsError::Io { path, source }
    };
    std::fs::create_dir_all(dir).map_err(io(dir))?;
    let names = vec!["localhost".to_string(), "127.0.0.1".to_string(), "::1".to_string()];
    let ck = rcgen::generate_simple_self_signed(names)
        .map_err(|e| TlsError::Invalid(format!("cannot generate a self-signed certificate: {e}")))?;
    write_private(&key, ck.signing_key.serialize_pem().as_bytes()).map_err(io(&key))?;
    std::fs::write(&cert, ck.cert.pem()).map_err(io(&cert))?;
    tracing::info!(cert = %cert.display(), "Generated a self-signed certificate for the dashboard.");
    Ok((cert, key))
}

/// Writes a file readable by its owner only.
fn write_private(path: &Path, data: &[u8]) -> std::io::Result<()> {
    use std::io::Write;
    use std::os::unix::fs::OpenOptionsExt;
    let mut f = std::fs::OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .mode(0o600)
        .open(path)?;
    f.write_all(data)
}

/// The rustls server configuration for the dashboard (HTTP/1.1).
pub fn tls_config(src: &TlsSource) -> Result<Arc<rustls::ServerConfig>, TlsError> {
    let (cert, key) = match src {
        TlsSource::Files { cert, key } => (cert.clone(), key.clone()),
        TlsSource::SelfSigned { dir } => self_signed(dir)?,
    };
    let cert_pem = read(&cert)?;
    let chain: Vec<CertificateDer<'static>> = CertificateDer::pem_slice_iter(&cert_pem)
        .collect::<Result<_, _>>()
        .map_err(|e| TlsError::Invalid(format!("{}: not a PEM certificate chain: {e}", cert.display())))?;
    if chain.is_empty() {
        return Err(TlsError::Invalid(format!("{}: no certificate found", cert.display())));
    }
    let key_der = PrivateKeyDer::from_pem_slice(&read(&key)?)
        .map_err(|e| TlsError::Invalid(format!("{}: not a PEM private key: {e}", key.display())))?;
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let mut cfg = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| TlsError::Invalid(e.to_string()))?
        .with_no_client_auth()
        .with_single_cert(chain, key_der)
        .map_err(|e| TlsError::Invalid(format!("the certificate and key do not fit together: {e}")))?;
    cfg.alpn_protocols = vec![b"http/1.1".to_vec()];
    Ok(Arc::new(cfg))
}

/// Accepted TLS connections, handshaken in their own tasks.
struct TlsListener {
    /// Finished handshakes.
    rx: mpsc::Receiver<(TlsStream<TcpStream>, SocketAddr)>,
    /// The bound address.
    local: SocketAddr,
}

impl axum::serve::Listener for TlsListener {
    type Io = TlsStream<TcpStream>;
    type Addr = SocketAddr;

    async fn accept(&mut self) -> (Self::Io, Self::Addr) {
        match self.rx.recv().await {
            Some(c) => c,
            // The accept task ended (shutdown): wait for the server to stop.
            None => std::future::pending().await,
        }
    }

    fn local_addr(&self) -> std::io::Result<Self::Addr> {
        Ok(self.local)
    }
}

/// Accepts TCP connections and hands finished TLS handshakes to the listener.
async fn accept_tls(tcp: TcpListener, acceptor: TlsAcceptor, tx: mpsc::Sender<(TlsStream<TcpStream>, SocketAddr)>) {
    let slots = Arc::new(Semaphore::new(HANDSHAKES_MAX));
    loop {
        let Ok(permit) = slots.clone().acquire_owned().await else {
            return;
        };
        let (sock, addr) = match tcp.accept().await {
            Ok(c) => c,
            Err(err) => {
                tracing::warn!(%err, "Dashboard accept failed; retrying.");
                tokio::time::sleep(Duration::from_millis(50)).await;
                continue;
            }
        };
        let (acceptor, done) = (acceptor.clone(), tx.clone());
        tokio::spawn(async move {
            let _permit = permit;
            match tokio::time::timeout(HANDSHAKE_TIMEOUT, acceptor.accept(sock)).await {
                Ok(Ok(tls)) => {
                    let _ = done.send((tls, addr)).await;
                }
                Ok(Err(err)) => tracing::debug!(%addr, %err, "Dashboard TLS handshake failed."),
                Err(_) => tracing::debug!(%addr, "Dashboard TLS handshake timed out."),
            }
        });
        if tx.is_closed() {
            return;
        }
    }
}

/// Serves `app` on `listener` (HTTPS when `tls` is given) until `shutdown` resolves; handlers can read the
/// client's address (`ConnectInfo<SocketAddr>`).
pub async fn serve(
    listener: TcpListener,
    app: Router,
    tls: Option<Arc<rustls::ServerConfig>>,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let svc = app.into_make_service_with_connect_info::<SocketAddr>();
    match tls {
        None => axum::serve(listener, svc).with_graceful_shutdown(shutdown).await,
        Some(cfg) => {
            let local = listener.local_addr()?;
            let (tx, rx) = mpsc::channel(64);
            let task = tokio::spawn(accept_tls(listener, TlsAcceptor::from(cfg), tx));
            let l = TlsListener { rx, local }.tap_io(|_| {});
            let r = axum::serve(l, svc).with_graceful_shutdown(shutdown).await;
            task.abort();
            r
        }
    }
}

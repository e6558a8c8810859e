//! Accept loops: [`serve`] one listener (TCP or TLS), [`run`] several until shutdown and wait for every
//! connection to close.
//!
//! Each accepted socket gets TCP_NODELAY (the reference leaves Nagle on, which stalls small messages for
//! 40 ms behind delayed ACKs) and keepalive (so a vanished peer frees its slot), then a connection task that
//! holds a permit of the connection cap. Over the cap, the socket is closed at once rather than left in the
//! kernel backlog. An accept error (out of file descriptors, say) is logged and retried after a pause: one
//! failure never stops the listener.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use prometheus_client::metrics::gauge::Gauge;
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::OwnedSemaphorePermit;
use tokio::time::Instant;
use tokio_rustls::TlsAcceptor;
use tokio_util::sync::CancellationToken;

use super::handshake;
use super::hub::{Broker, Shared};
use super::metrics::{AuthFailure, ListenerKind, ListenerLabel};
use super::reader::FrameReader;
use super::session;

/// Pause after a failed `accept` before trying again.
pub const ACCEPT_ERROR_BACKOFF: Duration = Duration::from_millis(100);

/// Idle time before the first keepalive probe, as the reference (10 s), then every 5 s, 3 probes.
pub const KEEPALIVE_IDLE: Duration = Duration::from_secs(10);

/// Interval between keepalive probes.
pub const KEEPALIVE_INTERVAL: Duration = Duration::from_secs(5);

/// Unanswered probes before the kernel declares the peer gone.
pub const KEEPALIVE_PROBES: u32 = 3;

/// A bound socket the broker serves, with or without TLS.
pub enum Listener {
    /// Plain hpfeeds over TCP.
    Tcp(TcpListener),
    /// hpfeeds inside TLS.
    Tls(TcpListener, TlsAcceptor),
}

impl std::fmt::Debug for Listener {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Listener::Tcp(l) => f.debug_tuple("Tcp").field(l).finish(),
            Listener::Tls(l, _) => f.debug_tuple("Tls").field(l).finish_non_exhaustive(),
        }
    }
}

impl Listener {
    /// The address actually bound (useful after binding port 0).
    pub fn local_addr(&self) -> std::io::Result<SocketAddr> {
        match self {
            Listener::Tcp(l) | Listener::Tls(l, _) => l.local_addr(),
        }
    }
}

/// Applies the broker's socket options to an accepted connection: TCP_NODELAY and keepalive.
pub fn configure_accepted(stream: &TcpStream) -> std::io::Result<()> {
    stream.set_nodelay(true)?;
    let ka = socket2::TcpKeepalive::new()
        .with_time(KEEPALIVE_IDLE)
        .with_interval(KEEPALIVE_INTERVAL)
        .with_retries(KEEPALIVE_PROBES);
    socket2::SockRef::from(stream).set_tcp_keepalive(&ka)
}

/// Accepts one connection and applies [`configure_accepted`]; the accept loop uses exactly this, so a test can
/// check the options on the server's side of a real accepted socket.
pub async fn accept_configured(listener: &TcpListener) -> std::io::Result<(TcpStream, SocketAddr)> {
    let (stream, peer) = listener.accept().await?;
    if let Err(e) = configure_accepted(&stream) {
        tracing::debug!(%peer, error = %e, "Cannot set socket options.");
    }
    Ok((stream, peer))
}

/// Accepts connections on `listener` until `shutdown` fires. Connections keep running after this returns;
/// they end with the same `shutdown`, and [`run`] waits for them.
pub async fn serve(broker: &Broker, listener: Listener, shutdown: CancellationToken) {
    let shared = &broker.shared;
    let (tcp, tls, kind) = match listener {
        Listener::Tcp(l) => (l, None, ListenerKind::Tcp),
        Listener::Tls(l, a) => (l, Some(a), ListenerKind::Tls),
    };
    let accepted = shared
        .metrics
        .connections_accepted
        .get_or_create_owned(&ListenerLabel { listener: kind });
    if let Ok(addr) = tcp.local_addr() {
        tracing::info!(%addr, listener = ?kind, "Listening.");
    }
    loop {
        let (stream, peer) = tokio::select! {
            _ = shutdown.cancelled() => return,
            r = accept_configured(&tcp) => match r {
                Ok(x) => x,
                Err(e) => {
                    tracing::warn!(error = %e, "Accept failed; retrying shortly.");
                    tokio::select! {
                        _ = shutdown.cancelled() => return,
                        _ = tokio::time::sleep(ACCEPT_ERROR_BACKOFF) => continue,
                    }
                }
            },
        };
        let Ok(permit) = Arc::clone(&shared.connections).try_acquire_owned() else {
            shared.metrics.connections_refused.inc();
            tracing::debug!(%peer, "Connection cap reached; closing new connection.");
            continue;
        };
        accepted.inc();
        let conn = connection(
            Arc::clone(shared),
            stream,
            peer,
            tls.clone(),
            shutdown.child_token(),
            permit,
        );
        shared.tracker.spawn(conn);
    }
}

/// Serves every listener until `shutdown` fires, then waits until every connection has closed
/// (each gets up to 5 s, `CLOSE_GRACE`, to flush what is queued for it).
pub async fn run(broker: &Broker, listeners: Vec<Listener>, shutdown: CancellationToken) {
    let loops: Vec<_> = listeners
        .into_iter()
        .map(|l| {
            let b = broker.clone();
            let s = shutdown.clone();
            tokio::spawn(async move { serve(&b, l, s).await })
        })
        .collect();
    for l in loops {
        let _ = l.await;
    }
    let tracker = &broker.shared.tracker;
    tracker.close();
    tracker.wait().await;
    tracker.reopen();
    tracing::info!("Broker stopped.");
}

/// Decrements the open-connections gauge however the connection task ends.
struct OpenGuard(Gauge);

impl Drop for OpenGuard {
    fn drop(&mut self) {
        self.0.dec();
    }
}

async fn connection(
    shared: Arc<Shared>,
    stream: TcpStream,
    peer: SocketAddr,
    tls: Option<TlsAcceptor>,
    stop: CancellationToken,
    _permit: OwnedSemaphorePermit,
) {
    shared.metrics.connections_open.inc();
    let _open = OpenGuard(shared.metrics.connections_open.clone());
    let deadline = Instant::now() + shared.config.auth_timeout;
    let Some(acceptor) = tls else {
        let (r, w) = stream.into_split();
        return serve_stream(&shared, r, w, peer, deadline, &stop).await;
    };
    let handshake = tokio::select! {
        _ = stop.cancelled() => return,
        r = tokio::time::timeout_at(deadline, acceptor.accept(stream)) => r,
    };
    match handshake {
        Ok(Ok(s)) => {
            let (r, w) = tokio::io::split(s);
            serve_stream(&shared, r, w, peer, deadline, &stop).await
        }
        Ok(Err(e)) => {
            shared.metrics.auth_failed(AuthFailure::Protocol);
            tracing::debug!(%peer, error = %e, "TLS handshake failed.");
        }
        Err(_) => {
            shared.metrics.auth_failed(AuthFailure::Timeout);
            tracing::debug!(%peer, "TLS handshake timed out.");
        }
    }
}

async fn serve_stream<R, W>(
    shared: &Arc<Shared>,
    r: R,
    mut w: W,
    peer: SocketAddr,
    deadline: Instant,
    stop: &CancellationToken,
) where
    R: AsyncRead + Unpin,
    W: AsyncWrite + Unpin + Send + 'static,
{
    let mut reader = FrameReader::new(r, shared.metrics.bytes_received.clone());
    if let Some(ident) = handshake::authenticate(shared, &mut reader, &mut w, peer, deadline, stop).await {
        session::run(shared, reader, w, ident, stop).await;
    }
}

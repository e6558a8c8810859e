//! One connection to the broker: dial (TCP_NODELAY, keepalive), optional TLS, the INFO/AUTH handshake, and the
//! byte counter plus kernel send-queue query that let the writer tell what the broker's TCP has acknowledged.

use std::io;
use std::net::SocketAddr;
use std::os::fd::{AsRawFd, RawFd};
use std::pin::Pin;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use bytes::{Bytes, BytesMut};
use futures_util::StreamExt;
use tokio::io::{AsyncRead, AsyncWrite, AsyncWriteExt, ReadBuf, ReadHalf, WriteHalf};
use tokio::net::TcpStream;
use tokio::time::timeout;
use tokio_util::codec::FramedRead;

use super::config::ClientConfig;
use super::error::ClientError;
use super::tls::TlsSetup;
use crate::codec::Codec;
use crate::wire::{auth_digest, Frame};

/// Idle time before the first TCP keepalive probe, as the reference client sets it.
const KEEPALIVE_IDLE: Duration = Duration::from_secs(10);
/// Interval between keepalive probes.
const KEEPALIVE_INTERVAL: Duration = Duration::from_secs(5);
/// Unanswered probes before the kernel drops the connection.
const KEEPALIVE_RETRIES: u32 = 3;

/// Any byte stream the client can speak over: plain TCP or TLS over TCP.
pub(crate) trait Io: AsyncRead + AsyncWrite + Send + Unpin {}
impl<T: AsyncRead + AsyncWrite + Send + Unpin> Io for T {}

/// The boxed stream both halves share.
pub(crate) type BoxIo = Box<dyn Io>;

/// A TCP stream that counts the bytes handed to the kernel, so they can be compared with the kernel's count of
/// bytes not yet acknowledged by the peer. Under TLS it sits below rustls and counts ciphertext.
struct Counted<S> {
    inner: S,
    written: Arc<AtomicU64>,
}

impl<S: AsyncRead + Unpin> AsyncRead for Counted<S> {
    fn poll_read(mut self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &mut ReadBuf<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_read(cx, buf)
    }
}

impl<S: AsyncWrite + Unpin> AsyncWrite for Counted<S> {
    fn poll_write(mut self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>> {
        let r = Pin::new(&mut self.inner).poll_write(cx, buf);
        if let Poll::Ready(Ok(n)) = r {
            self.written.fetch_add(n as u64, Ordering::Relaxed);
        }
        r
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        let r = Pin::new(&mut self.inner).poll_write_vectored(cx, bufs);
        if let Poll::Ready(Ok(n)) = r {
            self.written.fetch_add(n as u64, Ordering::Relaxed);
        }
        r
    }

    fn is_write_vectored(&self) -> bool {
        self.inner.is_write_vectored()
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_shutdown(cx)
    }
}

/// An authenticated-as-far-as-we-know connection, split for the reader task and the writer.
pub(crate) struct Conn {
    /// Frames from the broker.
    pub reader: FramedRead<ReadHalf<BoxIo>, Codec>,
    /// Owned by the single writer.
    pub writer: WriteHalf<BoxIo>,
    /// Bytes handed to the kernel on this connection, handshake included.
    pub written: Arc<AtomicU64>,
    /// The socket, for [`unacked_bytes`]; valid while `writer` lives.
    pub fd: RawFd,
    /// The name the broker announced in INFO.
    pub broker: String,
    /// This end's socket address (`None` if the OS would not say).
    pub local: Option<SocketAddr>,
}

/// Bytes written to `fd` that the peer's TCP has not acknowledged yet (Linux `SIOCOUTQ`); `None` elsewhere.
#[cfg(target_os = "linux")]
pub(crate) fn unacked_bytes(fd: RawFd) -> Option<u64> {
    let mut n: libc::c_int = 0;
    // SAFETY: TIOCOUTQ (== SIOCOUTQ) writes one c_int through the pointer, which points at `n`; `fd` is a socket
    // kept open by the connection's write half for as long as the caller holds it.
    let rc = unsafe { libc::ioctl(fd, libc::TIOCOUTQ, &mut n as *mut libc::c_int) };
    (rc == 0 && n >= 0).then_some(n as u64)
}

/// Bytes written to `fd` that the peer's TCP has not acknowledged yet; unknown on this platform.
#[cfg(not(target_os = "linux"))]
pub(crate) fn unacked_bytes(_fd: RawFd) -> Option<u64> {
    None
}

/// Applies the socket options: no Nagle delay (frames are already batched) and keepalive to notice a dead path.
fn tune(stream: &TcpStream, stall: Duration) -> io::Result<()> {
    stream.set_nodelay(true)?;
    let sock = socket2::SockRef::from(stream);
    let ka = socket2::TcpKeepalive::new()
        .with_time(KEEPALIVE_IDLE)
        .with_interval(KEEPALIVE_INTERVAL)
        .with_retries(KEEPALIVE_RETRIES);
    sock.set_tcp_keepalive(&ka)?;
    #[cfg(target_os = "linux")]
    sock.set_tcp_user_timeout(Some(stall))?;
    #[cfg(not(target_os = "linux"))]
    let _ = stall;
    Ok(())
}

/// Dials, wraps in TLS if configured, reads INFO and sends AUTH. Success means only that AUTH was written: the
/// protocol has no "welcome", so a refusal arrives later as an ERROR frame on the returned reader.
pub(crate) async fn establish(cfg: &ClientConfig, tls: Option<&TlsSetup>) -> Result<Conn, ClientError> {
    let addr = cfg.addr.clone();
    let limit = cfg.connect_timeout;
    let tcp = timeout(limit, TcpStream::connect(&cfg.addr))
        .await
        .map_err(|_| ClientError::Timeout {
            addr: addr.clone(),
            stage: "TCP connect",
            after: limit,
        })?
        .map_err(|e| ClientError::Connect {
            addr: addr.clone(),
            source: Arc::new(e),
        })?;
    tune(&tcp, cfg.stall_timeout).map_err(|e| ClientError::Connect {
        addr: addr.clone(),
        source: Arc::new(e),
    })?;
    let fd = tcp.as_raw_fd();
    let local = tcp.local_addr().ok();
    let written = Arc::new(AtomicU64::new(0));
    let counted = Counted {
        inner: tcp,
        written: written.clone(),
    };
    let io: BoxIo = match tls {
        None => Box::new(counted),
        Some(t) => {
            let s = timeout(limit, t.connector.connect(t.server_name.clone(), counted))
                .await
                .map_err(|_| ClientError::Timeout {
                    addr: addr.clone(),
                    stage: "TLS handshake",
                    after: limit,
                })?
                .map_err(|e| ClientError::Tls(format!("handshake with {addr} failed: {e}")))?;
            Box::new(s)
        }
    };
    let (rd, mut writer) = tokio::io::split(io);
    let mut reader = FramedRead::new(rd, Codec::new(cfg.max_frame));
    let greeting = timeout(limit, reader.next()).await.map_err(|_| ClientError::Timeout {
        addr: addr.clone(),
        stage: "waiting for the broker's INFO",
        after: limit,
    })?;
    let handshake = |reason: String| ClientError::Handshake {
        addr: addr.clone(),
        reason,
    };
    let (broker, nonce) = match greeting {
        Some(Ok(Frame::Info { name, nonce })) => (String::from_utf8_lossy(&name).into_owned(), nonce),
        Some(Ok(Frame::Error { message })) => {
            return Err(ClientError::from_broker(String::from_utf8_lossy(&message).into_owned()))
        }
        Some(Ok(other)) => return Err(handshake(format!("expected INFO, got {:?}", other.opcode()))),
        Some(Err(e)) => return Err(handshake(e.to_string())),
        None => return Err(handshake("connection closed before INFO".into())),
    };
    let auth = Frame::Auth {
        ident: Bytes::copy_from_slice(cfg.ident.as_bytes()),
        digest: Bytes::copy_from_slice(&auth_digest(&nonce, cfg.secret.as_bytes())),
    };
    let mut buf = BytesMut::new();
    auth.encode(&mut buf, cfg.max_frame)?;
    let sent = async {
        writer.write_all(&buf).await?;
        writer.flush().await
    };
    timeout(limit, sent)
        .await
        .map_err(|_| ClientError::Timeout {
            addr: addr.clone(),
            stage: "sending AUTH",
            after: limit,
        })?
        .map_err(|e| ClientError::ConnectionLost(format!("sending AUTH to {addr}: {e}")))?;
    Ok(Conn {
        reader,
        writer,
        written,
        fd,
        broker,
        local,
    })
}

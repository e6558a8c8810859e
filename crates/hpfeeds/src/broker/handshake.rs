//! The unauthenticated phase of a connection: send INFO with a fresh nonce, read AUTH, check it.
//!
//! Everything here runs under one deadline (the auth timeout, which also covered TLS), reads frames with the
//! handshake size limit so an unauthenticated peer cannot make the broker buffer a megabyte, and answers every
//! failure with the reference's exact ERROR text before closing. Failures are counted per reason, and wrong
//! credentials count against the source address ([`super::throttle`]).

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use tokio::io::{AsyncRead, AsyncWrite, AsyncWriteExt};
use tokio::time::Instant;
use tokio_util::sync::CancellationToken;

use super::acl;
use super::auth::Ident;
use super::hub::Shared;
use super::metrics::AuthFailure;
use super::reader::{FrameReader, ReadError};
use crate::wire::{self, Frame, Opcode, WireError, MAX_HANDSHAKE_FRAME};

/// Length of the INFO nonce, as the reference.
pub const NONCE_LEN: usize = 4;

/// How long the broker tries to deliver a final ERROR (and FIN) to a peer it is rejecting.
pub const REJECT_GRACE: Duration = Duration::from_secs(2);

/// Why AUTH failed, and what to tell the peer.
struct Fail {
    reason: AuthFailure,
    reply: Option<String>,
}

impl Fail {
    fn silent(reason: AuthFailure) -> Fail {
        Fail { reason, reply: None }
    }

    fn say(reason: AuthFailure, reply: String) -> Fail {
        Fail {
            reason,
            reply: Some(reply),
        }
    }
}

/// Writes one frame and flushes (TLS holds data until flushed).
pub(crate) async fn write_frame<W: AsyncWrite + Unpin>(w: &mut W, frame: &Frame) -> std::io::Result<()> {
    let bytes = frame.to_bytes().map_err(std::io::Error::other)?;
    w.write_all(&bytes).await?;
    w.flush().await
}

/// Sends a final ERROR (if any) and closes, giving up after [`REJECT_GRACE`].
pub(crate) async fn reject<W: AsyncWrite + Unpin>(w: &mut W, text: Option<String>) {
    let _ = tokio::time::timeout(REJECT_GRACE, async {
        if let Some(text) = text {
            write_frame(w, &Frame::error(text)).await?;
        }
        w.shutdown().await
    })
    .await;
}

/// Runs the handshake; `Some(ident)` once authenticated. On failure the peer has been answered and closed.
pub(crate) async fn authenticate<R, W>(
    shared: &Shared,
    reader: &mut FrameReader<R>,
    w: &mut W,
    peer: SocketAddr,
    deadline: Instant,
    stop: &CancellationToken,
) -> Option<Arc<Ident>>
where
    R: AsyncRead + Unpin,
    W: AsyncWrite + Unpin,
{
    let result = tokio::select! {
        biased;
        _ = stop.cancelled() => return None,
        r = tokio::time::timeout_at(deadline, attempt(shared, reader, w, peer)) => r,
    };
    let fail = match result {
        Ok(Ok(ident)) => return Some(ident),
        Ok(Err(f)) => f,
        Err(_elapsed) => Fail::say(AuthFailure::Timeout, acl::AUTH_TIMEOUT.to_owned()),
    };
    shared.metrics.auth_failed(fail.reason);
    if matches!(fail.reason, AuthFailure::UnknownIdent | AuthFailure::BadSecret) {
        shared.throttle.record_failure(peer.ip());
    }
    tracing::debug!(%peer, reason = ?fail.reason, "Authentication failed.");
    reject(w, fail.reply).await;
    None
}

async fn attempt<R, W>(
    shared: &Shared,
    reader: &mut FrameReader<R>,
    w: &mut W,
    peer: SocketAddr,
) -> Result<Arc<Ident>, Fail>
where
    R: AsyncRead + Unpin,
    W: AsyncWrite + Unpin,
{
    let nonce: [u8; NONCE_LEN] = rand::random();
    let info = Frame::Info {
        name: Bytes::copy_from_slice(shared.config.name.as_bytes()),
        nonce: Bytes::copy_from_slice(&nonce),
    };
    write_frame(w, &info)
        .await
        .map_err(|_| Fail::silent(AuthFailure::Closed))?;
    let not_auth = || Fail::say(AuthFailure::NotAuth, acl::FIRST_NOT_AUTH.to_owned());
    let raw = match reader.next(MAX_HANDSHAKE_FRAME).await {
        Ok(Some(raw)) => raw,
        Ok(None) | Err(ReadError::Io(_)) => return Err(Fail::silent(AuthFailure::Closed)),
        // A valid header for a big non-AUTH frame: answer as the reference would once it had read it all.
        Err(ReadError::Wire(WireError::LengthTooLarge { opcode, .. })) if opcode != Opcode::Auth as u8 => {
            return Err(not_auth())
        }
        Err(ReadError::Wire(_)) => return Err(Fail::silent(AuthFailure::Protocol)),
    };
    let (ident, digest) = match wire::decode(raw) {
        Ok(Frame::Auth { ident, digest }) => (ident, digest),
        Ok(_) => return Err(not_auth()),
        Err(_) => return Err(Fail::silent(AuthFailure::Protocol)),
    };
    let failed = || acl::auth_failed(&ident);
    if shared.throttle.is_blocked(peer.ip()) {
        return Err(Fail::say(AuthFailure::Throttled, failed()));
    }
    let found = match std::str::from_utf8(&ident) {
        Ok(name) => shared.store.lookup(name).await,
        Err(_) => Ok(None),
    };
    match found {
        Ok(Some(i)) if i.verify(&nonce, &digest) => {
            tracing::info!(%peer, ident = %i.name, "Authenticated.");
            Ok(i)
        }
        Ok(Some(_)) => Err(Fail::say(AuthFailure::BadSecret, failed())),
        Ok(None) => Err(Fail::say(AuthFailure::UnknownIdent, failed())),
        Err(e) => {
            tracing::warn!(%peer, error = %e, "Ident store failed; refusing the login.");
            Err(Fail::say(AuthFailure::StoreError, failed()))
        }
    }
}

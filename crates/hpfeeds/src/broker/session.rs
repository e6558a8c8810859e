//! The authenticated phase of a connection: read frames, enforce ident and ACL, fan publishes out.
//!
//! The read side runs here; the write side is a separate task ([`super::writer`]) fed by the connection's
//! queue, so this connection keeps receiving while its own publishes wait for slow subscribers (two clients
//! publishing to each other cannot deadlock). While a fan-out waits, this task stops reading its socket, and
//! TCP pushes back on the publisher: that is the backpressure. The connection's subscriptions are a set:
//! subscribing twice is one entry, and every entry is removed when the connection ends, however it ends.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use futures_util::FutureExt;
use tokio::io::{AsyncRead, AsyncWrite};
use tokio_util::sync::CancellationToken;

use super::acl;
use super::auth::Ident;
use super::fanout::{Delivery, Subscriber};
use super::hub::Shared;
use super::metrics::{ChannelCounters, Disconnect, DropReason};
use super::queue::{queue, Sent};
use super::reader::{FrameReader, ReadError};
use super::writer::{self, WriterEnd, WriterMetrics};
use crate::wire::{self, Frame};

/// How long a closing connection may take to flush what is queued for it (and its final ERROR).
pub const CLOSE_GRACE: Duration = Duration::from_secs(5);

/// Why the read loop ended, and the ERROR text to send, if any.
struct End {
    reason: Disconnect,
    reply: Option<String>,
}

impl End {
    fn quiet(reason: Disconnect) -> End {
        End { reason, reply: None }
    }
}

/// Serves an authenticated connection until it ends; every subscription is gone when this returns.
pub(crate) async fn run<R, W>(
    shared: &Arc<Shared>,
    mut reader: FrameReader<R>,
    w: W,
    ident: Arc<Ident>,
    stop: &CancellationToken,
) where
    R: AsyncRead + Unpin,
    W: AsyncWrite + Unpin + Send + 'static,
{
    let id = shared.next_id();
    let kill = CancellationToken::new();
    let close = CancellationToken::new();
    let (tx, rx) = queue(shared.config.queue_bytes, kill.clone());
    let me = Arc::new(Subscriber {
        id,
        queue: tx,
        patient: false,
    });
    let m = &shared.metrics;
    let wm = WriterMetrics {
        bytes_sent: m.bytes_sent.clone(),
        evictions: m.evictions.clone(),
        dropped_evicted: m.dropped.get_or_create_owned(&super::metrics::DropLabel {
            reason: DropReason::SubscriberEvicted,
        }),
    };
    let mut writer = tokio::spawn(writer::run(
        w,
        rx,
        kill.clone(),
        close.clone(),
        shared.config.subscriber_deadline,
        wm,
    ));
    m.authenticated.inc();

    let mut subs: HashSet<Bytes> = HashSet::new();
    let end = read_loop(shared, &mut reader, &ident, &me, &mut subs, &kill, stop).await;

    shared.table.remove_all(&subs, id);
    if let Some(text) = end.reply {
        let err = Frame::error(text).to_bytes().unwrap_or_default();
        if me.queue.send(err, CLOSE_GRACE).await != Sent::Queued {
            kill.cancel();
        }
    }
    close.cancel();
    let written = match tokio::time::timeout(CLOSE_GRACE, &mut writer).await {
        Ok(r) => r,
        Err(_) => {
            kill.cancel();
            writer.await
        }
    };
    let reason = match (end.reason, written) {
        (Disconnect::SlowSubscriber, Ok(WriterEnd::Io)) => Disconnect::Io,
        (r, _) => r,
    };
    m.authenticated.dec();
    m.disconnected(reason);
    tracing::info!(ident = %ident.name, ?reason, "Connection closed.");
}

/// Reads and handles frames until the connection must end.
async fn read_loop<R: AsyncRead + Unpin>(
    shared: &Shared,
    reader: &mut FrameReader<R>,
    ident: &Ident,
    me: &Arc<Subscriber>,
    subs: &mut HashSet<Bytes>,
    kill: &CancellationToken,
    stop: &CancellationToken,
) -> End {
    let max_frame = shared.config.max_frame;
    let deadline = shared.config.subscriber_deadline;
    let m = &shared.metrics;
    // Channels this connection may publish on, with their counters: one ACL check per channel per connection.
    let mut pubs: HashMap<Bytes, ChannelCounters> = HashMap::new();
    loop {
        let raw = match reader.try_frame(max_frame) {
            Ok(Some(raw)) => raw,
            Ok(None) => {
                let filled = tokio::select! {
                    biased;
                    _ = kill.cancelled() => return End::quiet(Disconnect::SlowSubscriber),
                    _ = stop.cancelled() => return End::quiet(Disconnect::Shutdown),
                    r = reader.fill() => r,
                };
                match filled {
                    Ok(true) => continue,
                    Ok(false) => return End::quiet(Disconnect::ClientClosed),
                    Err(ReadError::Io(_)) => return End::quiet(Disconnect::Io),
                    Err(ReadError::Wire(e)) => return protocol_error(ident, &e),
                }
            }
            Err(e) => return protocol_error(ident, &e),
        };
        if kill.is_cancelled() {
            return End::quiet(Disconnect::SlowSubscriber);
        }
        if stop.is_cancelled() {
            return End::quiet(Disconnect::Shutdown);
        }
        let frame = match wire::decode(raw.clone()) {
            Ok(f) => f,
            Err(e) => return protocol_error(ident, &e),
        };
        match frame {
            Frame::Publish {
                ident: claimed,
                channel,
                ..
            } => {
                if claimed != ident.name.as_bytes() {
                    tracing::warn!(ident = %ident.name, "PUBLISH with another ident; closing.");
                    return End {
                        reason: Disconnect::SpoofedIdent,
                        reply: Some(acl::spoofed_ident(&claimed)),
                    };
                }
                if !pubs.contains_key(&channel[..]) {
                    if !acl::may_publish(ident, &channel) {
                        return End {
                            reason: Disconnect::PublishDenied,
                            reply: Some(acl::publish_denied(&claimed, &channel)),
                        };
                    }
                    // Own the key: a slice would pin this read buffer for the connection's life.
                    let key = Bytes::copy_from_slice(&channel);
                    let c = m.channel(&key);
                    pubs.insert(key, c);
                }
                let counters = &pubs[&channel[..]];
                counters.received.inc();
                let d = {
                    let mut fut = std::pin::pin!(shared.table.deliver(&channel, &raw, deadline));
                    // Most fan-outs finish without waiting; only a full queue pays for watching the tokens.
                    match fut.as_mut().now_or_never() {
                        Some(d) => d,
                        None => tokio::select! {
                            biased;
                            _ = kill.cancelled() => return End::quiet(Disconnect::SlowSubscriber),
                            _ = stop.cancelled() => return End::quiet(Disconnect::Shutdown),
                            d = fut => d,
                        },
                    }
                };
                counters.delivered.inc_by(d.queued);
                account(shared, d);
            }
            Frame::Subscribe { channel, .. } => {
                if !acl::may_subscribe(ident, &channel) {
                    return End {
                        reason: Disconnect::SubscribeDenied,
                        reply: Some(acl::subscribe_denied(ident.name.as_bytes(), &channel)),
                    };
                }
                let channel = Bytes::copy_from_slice(&channel);
                if subs.insert(channel.clone()) {
                    shared.table.add(channel, me);
                }
            }
            Frame::Unsubscribe { channel, .. } => {
                if subs.remove(&channel[..]) {
                    shared.table.remove(&channel, me.id);
                }
            }
            Frame::Auth { .. } | Frame::Info { .. } | Frame::Error { .. } => {
                tracing::debug!(ident = %ident.name, opcode = ?frame.opcode(), "Frame a client must not send; closing.");
                return End::quiet(Disconnect::Protocol);
            }
        }
    }
}

fn protocol_error(ident: &Ident, e: &dyn std::fmt::Display) -> End {
    tracing::debug!(ident = %ident.name, error = %e, "Protocol error; closing.");
    End::quiet(Disconnect::Protocol)
}

/// Counts what a fan-out could not deliver.
fn account(shared: &Shared, d: Delivery) {
    let m = &shared.metrics;
    m.dropped(DropReason::SubscriberGone, d.gone);
    if d.stuck > 0 {
        m.dropped(DropReason::SubscriberEvicted, d.stuck);
        m.evictions.inc_by(d.stuck);
    }
}

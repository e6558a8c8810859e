//! The async hpfeeds client: publish, subscribe, reconnect with backoff, and an optional on-disk spool so that
//! what a sensor publishes while the broker is away reaches it later, in order.
//!
//! # Layout
//! - [`config`]: [`ClientConfig`] and [`TlsConfig`], every default documented.
//! - `driver`: the single task that owns the connection's write half (dial, re-subscribe, write, confirm, close).
//! - `connection`: one connection: dial, TLS, the INFO/AUTH handshake, the acknowledged-bytes query.
//! - `outbox`: the send queue, in memory or in the [`spool`]; [`spool`]: the on-disk format (documented there).
//! - [`reconnect`]: jittered exponential [`Backoff`]. `tls`: rustls connector. [`status`]: [`Status`],
//!   [`Stats`], [`Message`]. [`error`]: [`ClientError`].
//!
//! # Ordering
//! `publish` appends the encoded frame to one queue; the driver writes that queue in order. After a reconnect it
//! first writes what was not confirmed on the previous connection, then the rest, so the broker sees publish
//! order (with a possible repeat of the unconfirmed tail, see below). Subscriptions are re-sent on every connection.
//!
//! # Delivery guarantee
//! hpfeeds has no acknowledgements, and TCP accepting a write does not mean the broker read it: if the broker
//! dies, whatever sat in the socket buffers is gone. So a message leaves the queue only when it is *confirmed*:
//! the broker's TCP has acknowledged its bytes (Linux `SIOCOUTQ`; elsewhere, once written) and the connection
//! has then stayed up, with no ERROR, for `confirm_delay` (default 250 ms). A broker that crashes with data in
//! hand closes or resets the connection well within that time, and the unconfirmed tail is written again after
//! reconnecting. That makes delivery **at-least-once**: a connection loss may repeat up to `confirm_delay`
//! worth of messages; Apiary events carry ids and are stored idempotently, so repeats are harmless. `close`
//! half-closes and waits for the broker to close in turn: the broker has then read everything, which confirms
//! it all without waiting. What is *not* covered: a broker that reads a message and then loses it itself (for
//! example, crashing before fanning it out) — nothing on the client side can see that.
//!
//! With a spool, a message is on disk before `publish` returns and stays there until confirmed, so a client
//! restarted on the same spool directory sends what the last run had not delivered (after a process crash
//! nothing is lost; after a power loss, the unsynced tail may be). Beyond the spool's `max_bytes`, `publish`
//! refuses with [`ClientError::SpoolFull`], counts the drop in [`Stats::dropped`] and logs it. Without a spool,
//! up to `queue_len` messages wait in memory and `publish` waits for room; they are lost if the process exits.
//!
//! # Connecting
//! [`Client::start`] returns at once and connects in the background: the choice for a sensor, which must start
//! (and spool) while the broker is down. [`Client::connect`] waits for the first connection to be accepted and
//! returns the reason if it is not (refused, wrong secret with the broker's own text, timeout); the client
//! reconnects by itself afterwards either way. The protocol never says "welcome", so "accepted" means: AUTH
//! sent and no ERROR within `confirm_delay`.
//!
//! A refused login is reported in [`Client::status`], logged with the broker's text, and retried with the same
//! growing backoff (the broker may reload its keys). A channel the broker refuses to let us publish on is
//! remembered: queued messages for it are skipped and counted in [`Stats::rejected`], and later publishes to
//! it fail at once with [`ClientError::Rejected`]; a refused subscription is dropped from the list.

pub mod config;
mod connection;
mod driver;
pub mod error;
mod outbox;
pub mod reconnect;
pub mod spool;
pub mod status;
mod tls;

use std::collections::{BTreeSet, HashMap};
use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

use bytes::{Bytes, BytesMut};
use tokio::sync::{mpsc, oneshot, watch, Notify, Semaphore};
use tokio::task::JoinHandle;

pub use config::{ClientConfig, TlsConfig};
pub use error::ClientError;
pub use reconnect::Backoff;
pub use spool::{SpoolConfig, SpoolError};
pub use status::{Message, Stats, Status};

use driver::{Command, Driver, Shared};
use outbox::Outbox;
use spool::Spool;
use status::Counters;

use crate::wire::Frame;

/// Capacity of the command channel from handles to the driver; commands are rare and answered quickly.
const COMMAND_QUEUE: usize = 16;

/// A connection to an hpfeeds broker that survives broker restarts. Cheap to share behind an `Arc`; every method
/// takes `&self`.
pub struct Client {
    shared: Arc<Shared>,
    cmds: mpsc::Sender<Command>,
    msgs: tokio::sync::Mutex<mpsc::Receiver<Message>>,
    driver: Mutex<Option<JoinHandle<()>>>,
}

impl Client {
    /// Starts the client and connects in the background; fails only on bad configuration, an unusable TLS CA
    /// file or spool directory. Must be called within a Tokio runtime.
    pub async fn start(cfg: ClientConfig) -> Result<Client, ClientError> {
        Self::launch(cfg, None).await
    }

    /// Starts the client and waits until the broker has accepted the first connection, or returns why it did not.
    pub async fn connect(cfg: ClientConfig) -> Result<Client, ClientError> {
        let (tx, rx) = oneshot::channel();
        let client = Self::launch(cfg, Some(tx)).await?;
        match rx.await {
            Ok(Ok(())) => Ok(client),
            Ok(Err(e)) => {
                // Stop without draining (close would keep dialling for close_timeout), and wait for the driver so
                // the spool directory is free again when this returns.
                let handle = client.driver.lock().unwrap_or_else(|p| p.into_inner()).take();
                drop(client);
                if let Some(h) = handle {
                    let _ = h.await;
                }
                Err(e)
            }
            Err(_) => Err(ClientError::Closed),
        }
    }

    async fn launch(
        cfg: ClientConfig,
        first: Option<oneshot::Sender<Result<(), ClientError>>>,
    ) -> Result<Client, ClientError> {
        cfg.validate()?;
        let tls = cfg.tls.as_ref().map(|t| tls::setup(t, &cfg.addr)).transpose()?;
        let outbox = match &cfg.spool {
            None => Outbox::memory(),
            Some(sc) => {
                let sc = sc.clone();
                let (spool, report) = tokio::task::spawn_blocking(move || Spool::open(sc))
                    .await
                    .map_err(|e| ClientError::Config(format!("opening the spool panicked: {e}")))??;
                let dir = spool.config().dir.display().to_string();
                if report.truncated_bytes > 0 {
                    tracing::warn!(%dir, cut = report.truncated_bytes, "Spool had a torn tail (crash?); cut it off.");
                }
                if report.records > 0 {
                    tracing::info!(%dir, records = report.records, bytes = report.bytes, "Spool holds undelivered messages; they go out first.");
                }
                Outbox::disk(spool)
            }
        };
        let permits = cfg.spool.is_none().then(|| Semaphore::new(cfg.queue_len));
        let (status, _) = watch::channel(Status::Connecting);
        let (cmd_tx, cmd_rx) = mpsc::channel(COMMAND_QUEUE);
        let (msg_tx, msg_rx) = mpsc::channel(cfg.queue_len);
        let backoff = Backoff::new(cfg.reconnect_min, cfg.reconnect_max);
        let shared = Arc::new(Shared {
            ident: Bytes::copy_from_slice(cfg.ident.as_bytes()),
            cfg,
            outbox: Mutex::new(outbox),
            data_ready: Notify::new(),
            written: Notify::new(),
            permits,
            counters: Counters::default(),
            status,
            local_addr: Mutex::new(None),
            rejected: Mutex::new(HashMap::new()),
            has_rejected: AtomicBool::new(false),
            closed: AtomicBool::new(false),
            stopped: AtomicBool::new(false),
        });
        let driver = Driver {
            shared: shared.clone(),
            cmds: cmd_rx,
            msgs: msg_tx,
            tls,
            subs: BTreeSet::new(),
            backoff,
            first,
            sessions: 0,
            last_error: None,
            closing: None,
        };
        let handle = tokio::spawn(driver.run());
        Ok(Client {
            shared,
            cmds: cmd_tx,
            msgs: tokio::sync::Mutex::new(msg_rx),
            driver: Mutex::new(Some(handle)),
        })
    }

    /// Queues a message for `channel`. With a spool it is on disk when this returns (the write is a short blocking
    /// file append); without, it waits for room in the memory queue. Fails at once if the message can never be
    /// sent (too large, channel over 255 bytes, channel refused by the broker) or the spool is full.
    pub async fn publish(&self, channel: &str, payload: impl Into<Bytes>) -> Result<(), ClientError> {
        let sh = &self.shared;
        if sh.closed.load(Ordering::SeqCst) {
            return Err(ClientError::Closed);
        }
        if let Some(message) = sh.rejection(channel) {
            Counters::add(&sh.counters.rejected, 1);
            return Err(ClientError::Rejected {
                channel: channel.to_string(),
                message,
            });
        }
        let frame = Frame::Publish {
            ident: sh.ident.clone(),
            channel: Bytes::copy_from_slice(channel.as_bytes()),
            payload: payload.into(),
        };
        let mut buf = BytesMut::with_capacity(frame.encoded_len());
        frame.encode(&mut buf, sh.cfg.max_frame)?;
        if let Some(p) = &sh.permits {
            p.acquire().await.map_err(|_| ClientError::Closed)?.forget();
        }
        let pushed = sh.outbox().push(buf.freeze());
        match pushed {
            Ok(()) => {
                Counters::add(&sh.counters.published, 1);
                sh.data_ready.notify_one();
                Ok(())
            }
            Err(e) => {
                if let Some(p) = &sh.permits {
                    p.add_permits(1);
                }
                if !matches!(e, ClientError::Closed) {
                    let dropped = Counters::add(&sh.counters.dropped, 1);
                    // Logged at 1, 2, 4, 8, ... drops: never silent, never a flood.
                    if dropped.is_power_of_two() {
                        tracing::error!(dropped, error = %e, "Dropped a published message.");
                    }
                }
                Err(e)
            }
        }
    }

    /// Subscribes to `channel`, now if connected and again after every reconnect.
    pub async fn subscribe(&self, channel: &str) -> Result<(), ClientError> {
        Frame::Subscribe {
            ident: self.shared.ident.clone(),
            channel: Bytes::copy_from_slice(channel.as_bytes()),
        }
        .encode(&mut BytesMut::new(), self.shared.cfg.max_frame)?;
        self.command(|tx| Command::Subscribe(channel.to_string(), tx)).await
    }

    /// Stops receiving `channel` and forgets it for reconnects.
    pub async fn unsubscribe(&self, channel: &str) -> Result<(), ClientError> {
        self.command(|tx| Command::Unsubscribe(channel.to_string(), tx)).await
    }

    async fn command<T>(&self, make: impl FnOnce(oneshot::Sender<T>) -> Command) -> Result<T, ClientError> {
        let (tx, rx) = oneshot::channel();
        self.cmds.send(make(tx)).await.map_err(|_| ClientError::Closed)?;
        rx.await.map_err(|_| ClientError::Closed)
    }

    /// The next message from a subscribed channel; `None` once the client is closed. While nobody calls this and
    /// the queue (`queue_len`) is full, the client stops reading from the broker rather than dropping messages.
    pub async fn recv(&self) -> Option<Message> {
        self.msgs.lock().await.recv().await
    }

    /// Waits until everything published before this call has been written to a broker socket (not yet confirmed:
    /// see the module doc). Waits across reconnects; wrap it in a timeout if the broker may stay away.
    pub async fn flush(&self) -> Result<(), ClientError> {
        let target = self.shared.outbox().next_seq();
        loop {
            let notified = self.shared.written.notified();
            tokio::pin!(notified);
            notified.as_mut().enable();
            {
                let ob = self.shared.outbox();
                if ob.written_seq >= target.min(ob.next_seq()) {
                    return Ok(());
                }
            }
            if self.shared.stopped.load(Ordering::SeqCst) {
                return Err(ClientError::Closed);
            }
            notified.await;
        }
    }

    /// Sends what is queued, closes the connection gracefully and stops, within `close_timeout` (if disconnected
    /// with messages queued, it keeps dialling until then). `Ok` if the broker got everything; otherwise
    /// [`ClientError::Undelivered`] (with a spool, those messages stay on disk for the next start). The spool is
    /// released when this returns.
    pub async fn close(&self) -> Result<(), ClientError> {
        let result = match self.command(Command::Close).await {
            Ok(r) => r,
            Err(e) => Err(e),
        };
        let handle = self.driver.lock().unwrap_or_else(|p| p.into_inner()).take();
        if let Some(h) = handle {
            let _ = h.await;
        }
        result
    }

    /// A snapshot of the counters.
    pub fn stats(&self) -> Stats {
        let (queued, bytes) = {
            let ob = self.shared.outbox();
            (ob.pending(), ob.pending_bytes())
        };
        self.shared.counters.snapshot(queued, bytes)
    }

    /// The connection status now.
    pub fn status(&self) -> Status {
        self.shared.status.borrow().clone()
    }

    /// This end's socket address on the current broker connection (the address the broker sees, unless a NAT or
    /// proxy is in between); set on every (re)connect, `None` while disconnected or closed.
    pub fn local_addr(&self) -> Option<SocketAddr> {
        self.shared.local_addr()
    }

    /// A receiver that sees every status change, for health checks and tests.
    pub fn watch_status(&self) -> watch::Receiver<Status> {
        self.shared.status.subscribe()
    }
}

impl std::fmt::Debug for Client {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Client")
            .field("addr", &self.shared.cfg.addr)
            .field("ident", &self.shared.cfg.ident)
            .field("status", &self.status())
            .finish()
    }
}

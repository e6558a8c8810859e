//! The [`Broker`] handle: the state every connection shares, and the in-process API (local publish and
//! subscribe, metrics text) that the collector and the binary use.
//!
//! Cloning a `Broker` is cheap (one `Arc`). Listeners are attached with [`crate::broker::serve`] or
//! [`crate::broker::run`]; a `Broker` with no listener is still a working in-process fan-out.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use bytes::{Bytes, BytesMut};
use tokio::sync::Semaphore;
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

use super::auth::IdentStore;
use super::config::BrokerConfig;
use super::fanout::{Subscriber, Table};
use super::local::LocalSubscription;
use super::metrics::{DropReason, Metrics};
use super::queue::{queue, QueueRx};
use super::throttle::AuthThrottle;
use crate::wire::{Frame, WireError, HEADER_LEN, MAX_HANDSHAKE_FRAME, MAX_PREFIXED};

/// A setting the broker cannot run with.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// The INFO name does not fit its one-byte length prefix.
    #[error("broker name is {0} bytes; hpfeeds allows at most 255")]
    NameTooLong(usize),
    /// The frame limit cannot even hold a handshake.
    #[error("max frame {0} is too small; it must be at least {MAX_HANDSHAKE_FRAME} bytes")]
    MaxFrameTooSmall(usize),
    /// A count or size that must be positive is zero.
    #[error("{0} must be greater than zero")]
    Zero(&'static str),
}

/// State shared by every connection of one broker.
pub(crate) struct Shared {
    /// The settings, fixed for the broker's life.
    pub config: BrokerConfig,
    /// Where idents are looked up.
    pub store: Arc<dyn IdentStore>,
    /// Channel → subscribers.
    pub table: Table,
    /// Every counter and gauge.
    pub metrics: Metrics,
    /// Failed-login counts per source.
    pub throttle: AuthThrottle,
    /// The connection cap. A `Semaphore` so a permit is returned by drop, whatever way the connection ends.
    pub connections: Arc<Semaphore>,
    /// Every connection task, so shutdown can wait until the last one has flushed and closed.
    pub tracker: TaskTracker,
    next_id: AtomicU64,
}

impl Shared {
    /// A broker-unique id for a connection or local subscription.
    pub(crate) fn next_id(&self) -> u64 {
        self.next_id.fetch_add(1, Ordering::Relaxed)
    }
}

/// A running hpfeeds broker: clone it freely, attach listeners, publish and subscribe in-process.
#[derive(Clone)]
pub struct Broker {
    pub(crate) shared: Arc<Shared>,
}

impl std::fmt::Debug for Broker {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Broker")
            .field("config", &self.shared.config)
            .finish_non_exhaustive()
    }
}

impl Broker {
    /// Builds a broker with `config`, authenticating against `store`.
    pub fn new(config: BrokerConfig, store: Arc<dyn IdentStore>) -> Result<Broker, ConfigError> {
        if config.name.len() > MAX_PREFIXED {
            return Err(ConfigError::NameTooLong(config.name.len()));
        }
        if config.max_frame < MAX_HANDSHAKE_FRAME {
            return Err(ConfigError::MaxFrameTooSmall(config.max_frame));
        }
        if config.max_connections == 0 {
            return Err(ConfigError::Zero("max connections"));
        }
        if config.queue_bytes == 0 {
            return Err(ConfigError::Zero("subscriber queue bytes"));
        }
        if config.subscriber_deadline.is_zero() {
            return Err(ConfigError::Zero("subscriber deadline"));
        }
        let mut metrics = Metrics::new();
        store.register_metrics(metrics.registry_mut());
        let shared = Shared {
            throttle: AuthThrottle::new(config.auth_failure_limit, config.auth_failure_window),
            connections: Arc::new(Semaphore::new(config.max_connections.min(Semaphore::MAX_PERMITS))),
            config,
            store,
            table: Table::default(),
            metrics,
            tracker: TaskTracker::new(),
            next_id: AtomicU64::new(1),
        };
        Ok(Broker {
            shared: Arc::new(shared),
        })
    }

    /// The settings this broker runs with.
    pub fn config(&self) -> &BrokerConfig {
        &self.shared.config
    }

    /// The Prometheus text exposition of every metric, for a `/metrics` endpoint.
    pub fn metrics_text(&self) -> String {
        let m = &self.shared.metrics;
        let (subs, total, max) = self.shared.table.stats();
        m.subscriptions.set(subs as i64);
        m.queue_bytes.set(total as i64);
        m.queue_bytes_max.set(max as i64);
        m.render()
    }

    /// Subscribers of `channel` right now (connections and local); lets tests prove no stale entry survives.
    pub fn subscriber_count(&self, channel: &str) -> usize {
        self.shared.table.count(channel.as_bytes())
    }

    /// Connections currently being served (authenticated or not).
    pub fn open_connections(&self) -> usize {
        self.shared.metrics.connections_open.get().max(0) as usize
    }

    /// Receives `channels` in-process, with the same bounded queue and deadline as a network subscriber:
    /// publishers wait while the receiver is behind, and a receiver that stops reading past the deadline is
    /// cut off ([`LocalSubscription::recv`] then returns `None`). No ACL applies: the caller is trusted code.
    pub fn subscribe_local<C: AsRef<[u8]>>(&self, channels: impl IntoIterator<Item = C>) -> LocalSubscription {
        let (me, rx, kill) = self.local_subscriber(false);
        let mut chans: Vec<Bytes> = Vec::new();
        for c in channels {
            let c = Bytes::copy_from_slice(c.as_ref());
            if !chans.contains(&c) {
                self.shared.table.add(c.clone(), &me);
                chans.push(c);
            }
        }
        LocalSubscription::new(Arc::clone(&self.shared), me.id, rx, kill, chans, false)
    }

    /// Receives every channel in-process and is never cut off: publishers wait for it however long it takes.
    /// This is the collector's subscription (no message may be lost between broker and store); while it is
    /// behind, publishers' sockets are not read and the sensors' on-disk spools hold their events.
    pub fn subscribe_local_all(&self) -> LocalSubscription {
        let (me, rx, kill) = self.local_subscriber(true);
        self.shared.table.add_all(&me);
        LocalSubscription::new(Arc::clone(&self.shared), me.id, rx, kill, Vec::new(), true)
    }

    /// A new in-process subscriber's queue ends, not yet in the table.
    fn local_subscriber(&self, patient: bool) -> (Arc<Subscriber>, QueueRx, CancellationToken) {
        let kill = CancellationToken::new();
        let (queue, rx) = queue(self.shared.config.queue_bytes, kill.clone());
        let me = Arc::new(Subscriber {
            id: self.shared.next_id(),
            queue,
            patient,
        });
        (me, rx, kill)
    }

    /// Publishes in-process as `ident` on `channel`, waiting while subscribers are behind, exactly like a
    /// network publisher. No ACL applies. Returns how many subscribers the message was queued to.
    pub async fn publish_local(&self, ident: &str, channel: &str, payload: Bytes) -> Result<u64, WireError> {
        let frame = Frame::Publish {
            ident: Bytes::copy_from_slice(ident.as_bytes()),
            channel: Bytes::copy_from_slice(channel.as_bytes()),
            payload,
        };
        let mut buf = BytesMut::with_capacity(frame.encoded_len().max(HEADER_LEN));
        frame.encode(&mut buf, self.shared.config.max_frame)?;
        let frame = buf.freeze();
        let m = &self.shared.metrics;
        let counters = m.channel(channel.as_bytes());
        counters.received.inc();
        let d = self
            .shared
            .table
            .deliver(channel.as_bytes(), &frame, self.shared.config.subscriber_deadline)
            .await;
        counters.delivered.inc_by(d.queued);
        m.dropped(DropReason::SubscriberGone, d.gone);
        m.dropped(DropReason::SubscriberEvicted, d.stuck);
        m.evictions.inc_by(d.stuck);
        Ok(d.queued)
    }
}

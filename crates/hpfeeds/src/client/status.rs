//! What a caller can observe of a running client: its connection [`Status`], its counters ([`Stats`]) and the
//! [`Message`]s it receives.

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use bytes::Bytes;

use super::error::ClientError;

/// A message received on a subscribed channel.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Message {
    /// The publisher's ident (UTF-8; invalid bytes are replaced, since idents are operator-chosen names).
    pub ident: String,
    /// The channel (UTF-8, same rule as `ident`).
    pub channel: String,
    /// The payload, untouched.
    pub payload: Bytes,
}

/// Where the connection stands, so a caller or health check can see a refused login without reading logs.
#[derive(Debug, Clone)]
pub enum Status {
    /// Dialling, or authenticated but not yet confirmed (see `confirm_delay`).
    Connecting,
    /// Authenticated, and the broker has not objected for `confirm_delay`.
    Connected,
    /// The last attempt or connection failed; the next attempt starts after `retry_in`.
    Backoff {
        /// Why the last attempt or connection ended; an auth failure carries the broker's text.
        error: ClientError,
        /// The delay drawn for the next attempt.
        retry_in: Duration,
    },
    /// `close` ran or every handle was dropped.
    Closed,
}

/// A snapshot of the client's counters, all since the client started.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Stats {
    /// Messages accepted by `publish`.
    pub published: u64,
    /// Messages written to a broker socket (a re-send counts again).
    pub sent: u64,
    /// Messages the broker confirmed by keeping the connection up (see "Delivery guarantee").
    pub confirmed: u64,
    /// Messages written once and queued for writing again after a connection loss: possible duplicates.
    pub resent: u64,
    /// Messages waiting (unsent or unconfirmed), in memory or in the spool.
    pub queued: u64,
    /// Bytes they take in the spool (0 without spool).
    pub queued_bytes: u64,
    /// Messages dropped: spool full or failing, or queued in memory when the client was closed or dropped.
    pub dropped: u64,
    /// Messages not sent because the broker refused their channel.
    pub rejected: u64,
    /// Messages received on subscriptions.
    pub received: u64,
    /// Connections established after the first one.
    pub reconnects: u64,
}

/// The live counters behind [`Stats`]; relaxed atomics, since each is an independent tally.
#[derive(Debug, Default)]
pub(crate) struct Counters {
    pub published: AtomicU64,
    pub sent: AtomicU64,
    pub confirmed: AtomicU64,
    pub resent: AtomicU64,
    pub dropped: AtomicU64,
    pub rejected: AtomicU64,
    pub received: AtomicU64,
    pub reconnects: AtomicU64,
}

impl Counters {
    /// Adds `n` to a counter and returns the new value.
    pub fn add(c: &AtomicU64, n: u64) -> u64 {
        c.fetch_add(n, Ordering::Relaxed) + n
    }

    /// Copies the counters; the queue figures come from the outbox.
    pub fn snapshot(&self, queued: u64, queued_bytes: u64) -> Stats {
        let get = |c: &AtomicU64| c.load(Ordering::Relaxed);
        Stats {
            published: get(&self.published),
            sent: get(&self.sent),
            confirmed: get(&self.confirmed),
            resent: get(&self.resent),
            queued,
            queued_bytes,
            dropped: get(&self.dropped),
            rejected: get(&self.rejected),
            received: get(&self.received),
            reconnects: get(&self.reconnects),
        }
    }
}

//! The broker's settings: every limit with its default, unit and the risk of changing it.
//!
//! The binary fills a [`BrokerConfig`] from flags; tests shrink the timeouts. Defaults are named consts so the
//! documentation, `--help` and the code cannot drift apart.

use std::time::Duration;

use crate::wire::DEFAULT_MAX_FRAME;

/// Name sent in INFO, as the reference broker does.
pub const DEFAULT_NAME: &str = "hpfeeds";

/// How long a new connection has to complete TLS (if any) and send a valid AUTH.
pub const DEFAULT_AUTH_TIMEOUT: Duration = Duration::from_secs(10);

/// How long a subscriber may make no progress (its queue stays full, or its socket accepts no write) before it is
/// disconnected. Publishers blocked on it wait at most this long.
pub const DEFAULT_SUBSCRIBER_DEADLINE: Duration = Duration::from_secs(30);

/// Bytes of frames that may wait in one subscriber's queue before its publishers are slowed down.
pub const DEFAULT_QUEUE_BYTES: usize = 2 * 1024 * 1024;

/// Simultaneous connections (authenticated or not) across all listeners; more are accepted and closed at once.
pub const DEFAULT_MAX_CONNECTIONS: usize = 10_000;

/// Failed logins from one source address (IPv6: one /64) within [`DEFAULT_AUTH_FAILURE_WINDOW`] before it is refused.
pub const DEFAULT_AUTH_FAILURE_LIMIT: u32 = 10;

/// The window over which failed logins are counted; a refused address is let in again when it expires.
pub const DEFAULT_AUTH_FAILURE_WINDOW: Duration = Duration::from_secs(60);

/// Everything the broker needs to know besides its listeners and ident store.
#[derive(Debug, Clone)]
pub struct BrokerConfig {
    /// Broker name sent in INFO. Default `hpfeeds`, as the reference; some clients log it.
    pub name: String,
    /// Largest frame accepted, header included, in bytes. Default 1 MiB + 5 (the reference's). A publish above the
    /// limit closes the publisher's connection; raising it raises the memory one connection can pin.
    pub max_frame: usize,
    /// Connection cap across all listeners. Default 10,000. Each connection costs a file descriptor and a few KiB.
    pub max_connections: usize,
    /// Time allowed for TLS plus AUTH. Default 10 s. A connection that has not authenticated by then is closed.
    pub auth_timeout: Duration,
    /// How long a subscriber may make no progress before it is disconnected. Default 30 s. Shorter protects
    /// publishers from stalls; longer tolerates subscribers on slow links.
    pub subscriber_deadline: Duration,
    /// Per-subscriber queue bound, in bytes of frames. Default 2 MiB. Worst-case broker memory grows with
    /// this times the number of stalled subscribers.
    pub queue_bytes: usize,
    /// Failed logins per source address per window before refusal. Default 10. Everyone behind one NAT shares it.
    pub auth_failure_limit: u32,
    /// Window for [`BrokerConfig::auth_failure_limit`]. Default 60 s.
    pub auth_failure_window: Duration,
}

impl Default for BrokerConfig {
    fn default() -> Self {
        BrokerConfig {
            name: DEFAULT_NAME.to_owned(),
            max_frame: DEFAULT_MAX_FRAME,
            max_connections: DEFAULT_MAX_CONNECTIONS,
            auth_timeout: DEFAULT_AUTH_TIMEOUT,
            subscriber_deadline: DEFAULT_SUBSCRIBER_DEADLINE,
            queue_bytes: DEFAULT_QUEUE_BYTES,
            auth_failure_limit: DEFAULT_AUTH_FAILURE_LIMIT,
            auth_failure_window: DEFAULT_AUTH_FAILURE_WINDOW,
        }
    }
}

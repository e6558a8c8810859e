//! Reverse DNS of source addresses, off by default (`[enrich] reverse_dns`), never in the ingest path's way.
//!
//! The pipeline only *offers* each event's source address ([`ReverseDns::offer`]): a cache check and a
//! `try_send` into a bounded queue. When the queue is full the address is skipped this time; a later event from it
//! offers it again. A background task ([`worker`]) does the lookups, at most `reverse_dns_concurrency` at once,
//! each query bounded by `reverse_dns_timeout_ms`, and writes the results to `ip_meta` in batches. Every answer,
//! positive or negative, stands for `reverse_dns_recheck_hours` in a cache of `reverse_dns_cache_size` addresses.
//!
//! PTR names belong to the attacker: only plain host names pass ([`clean_hostname`]), anything else is stored as
//! not resolved.

mod cache;
mod lookup;
mod name;
mod worker;

use std::net::IpAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use store::Store;
use tokio::sync::mpsc;

pub use name::{clean_hostname, MAX_HOSTNAME};

use super::{EnrichConfig, EnrichError};
use cache::Cache;

/// Addresses waiting for a lookup; past this, offers are skipped until the worker catches up.
const QUEUE: usize = 1024;

/// The pipeline's handle on the resolver task: cheap to clone, never blocks. The task ends when every handle is
/// dropped, after finishing its lookups and writing their results.
#[derive(Clone)]
pub struct ReverseDns {
    /// Addresses to look up.
    tx: mpsc::Sender<IpAddr>,
    /// Cache and counters, shared with the task.
    shared: Arc<Shared>,
}

/// State the handle and the task share.
struct Shared {
    /// Which addresses need no lookup now.
    cache: Mutex<Cache>,
    /// How long an answer stands.
    recheck: Duration,
    /// What happened so far.
    counts: Counters,
}

/// Running totals (see [`ReverseDnsCounts`]).
#[derive(Default)]
struct Counters {
    /// Addresses put on the queue.
    queued: AtomicU64,
    /// Offers skipped, queue full.
    skipped: AtomicU64,
    /// Lookups finished.
    lookups: AtomicU64,
    /// Lookups that found a valid name.
    resolved: AtomicU64,
    /// Lookups that timed out or failed.
    failed: AtomicU64,
    /// Results written.
    stored: AtomicU64,
}

/// What the resolver has done since it started, for logs, metrics and tests.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ReverseDnsCounts {
    /// Addresses put on the queue.
    pub queued: u64,
    /// Offers skipped because the queue was full.
    pub skipped: u64,
    /// Lookups finished (any outcome).
    pub lookups: u64,
    /// Lookups that found a valid name.
    pub resolved: u64,
    /// Lookups that timed out or failed (not stored; tried again later).
    pub failed: u64,
    /// Results written to the store.
    pub stored: u64,
}

impl ReverseDns {
    /// Starts the resolver task when `config.reverse_dns` is on (`None` when off: nothing is ever queried).
    ///
    /// Must be called inside a tokio runtime. Fails, naming the setting and the fix, if `dns_servers` holds an
    /// entry that is not "IP:port" or the system resolver configuration cannot be read.
    pub fn start(config: &EnrichConfig, store: Store) -> Result<Option<ReverseDns>, EnrichError> {
        if !config.reverse_dns {
            return Ok(None);
        }
        let lookup = lookup::Lookup::new(config)?;
        let (tx, rx) = mpsc::channel(QUEUE);
        let shared = Arc::new(Shared {
            cache: Mutex::new(Cache::new(config.reverse_dns_cache_size)),
            recheck: Duration::from_secs(config.reverse_dns_recheck_hours.max(1).saturating_mul(3600)),
            counts: Counters::default(),
        });
        let concurrency = config.reverse_dns_concurrency.max(1);
        tokio::spawn(worker::run(rx, lookup, store, Arc::clone(&shared), concurrency));
        tracing::info!(
            servers = ?config.dns_servers,
            timeout_ms = config.reverse_dns_timeout_ms,
            concurrency,
            "reverse DNS of source addresses on (an empty server list means /etc/resolv.conf)"
        );
        Ok(Some(ReverseDns { tx, shared }))
    }

    /// Queues `ip` for a lookup unless its answer is still fresh; never waits (a full queue skips it this time).
    pub fn offer(&self, ip: IpAddr) {
        let ip = ip.to_canonical();
        let now = Instant::now();
        let Ok(mut cache) = self.shared.cache.lock() else {
            return;
        };
        if !cache.due(ip, now) {
            return;
        }
        match self.tx.try_send(ip) {
            Ok(()) => {
                cache.set(ip, now + self.shared.recheck);
                self.shared.counts.queued.fetch_add(1, Ordering::Relaxed);
            }
            Err(mpsc::error::TrySendError::Full(_)) => {
                self.shared.counts.skipped.fetch_add(1, Ordering::Relaxed);
            }
            Err(mpsc::error::TrySendError::Closed(_)) => {}
        }
    }

    /// The running totals.
    pub fn counts(&self) -> ReverseDnsCounts {
        let c = &self.shared.counts;
        let get = |a: &AtomicU64| a.load(Ordering::Relaxed);
        ReverseDnsCounts {
            queued: get(&c.queued),
            skipped: get(&c.skipped),
            lookups: get(&c.lookups),
            resolved: get(&c.resolved),
            failed: get(&c.failed),
            stored: get(&c.stored),
        }
    }
}

impl std::fmt::Debug for ReverseDns {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ReverseDns").field("counts", &self.counts()).finish()
    }
}

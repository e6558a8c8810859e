//! The resolver task: queued addresses in, bounded concurrent lookups, results to the store in batches.

use std::net::IpAddr;
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::{Duration, Instant};

use store::{HostnameResult, Store, StoreError};
use tokio::sync::mpsc;
use tokio::task::JoinSet;

use super::lookup::{Lookup, Outcome};
use super::Shared;

/// Results are written at least this often while any wait.
const FLUSH_EVERY: Duration = Duration::from_millis(500);
/// ... or as soon as this many wait.
const FLUSH_AT: usize = 256;
/// Results kept while the store refuses writes; older ones are dropped (and looked up again on their next event).
const MAX_UNSTORED: usize = 8192;
/// A failed lookup (timeout, SERVFAIL, network) is tried again after this, or after the re-check age if shorter.
const RETRY_FAILED: Duration = Duration::from_secs(600);

/// Runs until every [`super::ReverseDns`] handle is dropped, then finishes its lookups and writes their results.
pub(super) async fn run(
    mut rx: mpsc::Receiver<IpAddr>,
    lookup: Lookup,
    store: Store,
    shared: Arc<Shared>,
    concurrency: usize,
) {
    let lookup = Arc::new(lookup);
    let mut inflight: JoinSet<(IpAddr, Outcome)> = JoinSet::new();
    let mut done: Vec<HostnameResult> = Vec::new();
    let mut tick = tokio::time::interval(FLUSH_EVERY);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let (mut open, mut failing) = (true, false);
    while open || !inflight.is_empty() {
        tokio::select! {
            ip = rx.recv(), if open && inflight.len() < concurrency => match ip {
                Some(ip) => {
                    let lookup = Arc::clone(&lookup);
                    inflight.spawn(async move { (ip, lookup.resolve(ip).await) });
                }
                None => open = false,
            },
            Some(joined) = inflight.join_next() => {
                if let Ok((ip, outcome)) = joined {
                    record(&shared, &mut done, ip, outcome);
                }
                if done.len() >= FLUSH_AT && !failing {
                    failing = !flush(&store, &shared, &mut done).await;
                }
            }
            _ = tick.tick() => failing = !flush(&store, &shared, &mut done).await,
        }
    }
    flush(&store, &shared, &mut done).await;
}

/// Counts one finished lookup, sets when its address is due again, and keeps its result for the next write.
fn record(shared: &Shared, done: &mut Vec<HostnameResult>, ip: IpAddr, outcome: Outcome) {
    let counts = &shared.counts;
    counts.lookups.fetch_add(1, Ordering::Relaxed);
    let now = Instant::now();
    let (hostname, confirmed) = match outcome {
        Outcome::Name { hostname, confirmed } => {
            counts.resolved.fetch_add(1, Ordering::Relaxed);
            (Some(hostname), confirmed)
        }
        Outcome::NoName => (None, false),
        Outcome::Failed => {
            counts.failed.fetch_add(1, Ordering::Relaxed);
            if let Ok(mut cache) = shared.cache.lock() {
                cache.set(ip, now + RETRY_FAILED.min(shared.recheck));
            }
            return;
        }
    };
    if let Ok(mut cache) = shared.cache.lock() {
        cache.set(ip, now + shared.recheck);
    }
    done.push(HostnameResult {
        ip,
        hostname,
        confirmed,
        checked: chrono::Utc::now(),
    });
}

/// Writes the waiting results in one transaction; false if the store failed (they stay, up to [`MAX_UNSTORED`]).
async fn flush(store: &Store, shared: &Shared, done: &mut Vec<HostnameResult>) -> bool {
    if done.is_empty() {
        return true;
    }
    match store.set_hostnames(done).await {
        Ok(()) => {
            shared.counts.stored.fetch_add(done.len() as u64, Ordering::Relaxed);
            done.clear();
            true
        }
        Err(StoreError::Invalid(why)) => {
            tracing::warn!(%why, results = done.len(), "the store refused reverse DNS results; dropped");
            done.clear();
            true
        }
        Err(err) => {
            tracing::warn!(
                %err,
                results = done.len(),
                "cannot store reverse DNS results; retrying shortly (is the database up? the disk full?)"
            );
            if done.len() > MAX_UNSTORED {
                let excess = done.len() - MAX_UNSTORED;
                let dropped: Vec<HostnameResult> = done.drain(..excess).collect();
                if let Ok(mut cache) = shared.cache.lock() {
                    for r in dropped {
                        cache.forget(r.ip);
                    }
                }
            }
            false
        }
    }
}

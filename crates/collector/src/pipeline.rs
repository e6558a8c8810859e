//! The collector's run loop: broker messages in, normalized and enriched batches out to the store, losing none.
//!
//! Two tasks joined by a channel of at most [`IN_FLIGHT`] batches, so parsing the next batch overlaps writing the
//! last (the machine this runs on may have two cores). A batch is written when it holds `batch_events` events or
//! when `flush_after` has passed since its first one, whichever comes first.
//!
//! **No drops.** A failed write is retried with backoff, forever, while the error is logged: the database may be
//! restarting. Meanwhile the channel fills, the reader stops reading, the broker stops reading the publishers'
//! sockets (the collector's subscription is patient), and the sensors' on-disk spools hold their events.
//! Redelivery after a crash is harmless: every insert is idempotent on the event id.

use std::time::Duration;

use hpfeeds::broker::LocalSubscription;
use prometheus_client::metrics::counter::Counter;
use store::{Batch, Blob, Record, Store};
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

use crate::enrich::Enricher;
use crate::normalize::normalize;

/// Batches parsed ahead of the one being written.
const IN_FLIGHT: usize = 2;
/// First retry delay after a failed write; doubles up to [`MAX_BACKOFF`].
const FIRST_BACKOFF: Duration = Duration::from_millis(100);
/// Longest wait between retries of a failed write.
const MAX_BACKOFF: Duration = Duration::from_secs(5);

/// How the collector batches.
#[derive(Debug, Clone, serde::Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct CollectorConfig {
    /// Events per store transaction (default 4,096). Larger batches ingest faster and hold more in memory.
    pub batch_events: usize,
    /// Longest an event waits to be written, in milliseconds (default 200), so a quiet feed still shows up at once.
    pub flush_ms: u64,
}

impl Default for CollectorConfig {
    fn default() -> Self {
        CollectorConfig {
            batch_events: 4096,
            flush_ms: 200,
        }
    }
}

/// Counters for `/metrics`: what went in and how it went.
#[derive(Debug, Clone, Default)]
pub struct CollectorMetrics {
    /// hpfeeds messages received.
    pub messages: Counter,
    /// Events written for the first time.
    pub inserted: Counter,
    /// Redelivered events found already stored.
    pub duplicates: Counter,
    /// Messages that became `raw` events (no normalizer, or a parse error).
    pub raw: Counter,
    /// Store writes that failed and were retried.
    pub retries: Counter,
}

/// Runs the collector until `shutdown`, then writes what it holds and returns.
pub async fn run(
    mut sub: LocalSubscription,
    store: Store,
    enricher: Enricher,
    config: CollectorConfig,
    metrics: CollectorMetrics,
    shutdown: CancellationToken,
) {
    let (tx, rx) = mpsc::channel::<Batch>(IN_FLIGHT);
    let writer = tokio::spawn(write_batches(rx, store, metrics.clone()));
    let flush_after = Duration::from_millis(config.flush_ms.max(1));
    let batch_events = config.batch_events.max(1);
    let mut batch = Batch::default();
    let mut deadline: Option<tokio::time::Instant> = None;
    loop {
        let timer = async {
            match deadline {
                Some(d) => tokio::time::sleep_until(d).await,
                None => std::future::pending().await,
            }
        };
        tokio::select! {
            biased;
            _ = shutdown.cancelled() => break,
            _ = timer => {
                deadline = None;
                if tx.send(std::mem::take(&mut batch)).await.is_err() {
                    return;
                }
            }
            msg = sub.recv() => {
                let Some(msg) = msg else {
                    tracing::error!("the broker cut the collector off; no more events will be stored");
                    break;
                };
                metrics.messages.inc();
                add_message(&mut batch, &enricher, &msg, &metrics);
                deadline.get_or_insert_with(|| tokio::time::Instant::now() + flush_after);
                if batch.records.len() >= batch_events {
                    deadline = None;
                    if tx.send(std::mem::take(&mut batch)).await.is_err() {
                        return;
                    }
                }
            }
        }
    }
    if !batch.records.is_empty() || !batch.blobs.is_empty() {
        let _ = tx.send(batch).await;
    }
    drop(tx);
    let _ = writer.await;
}

/// Normalizes one message into `batch`.
fn add_message(batch: &mut Batch, enricher: &Enricher, msg: &hpfeeds::broker::Message, metrics: &CollectorMetrics) {
    let received = event::Event::now();
    let channel = String::from_utf8_lossy(&msg.channel);
    let ident = String::from_utf8_lossy(&msg.ident);
    let n = normalize(&channel, &ident, &msg.payload, received);
    for event in n.events {
        if matches!(event.kind, event::Kind::Raw { .. }) {
            metrics.raw.inc();
        }
        let geo = enricher.lookup(event.src_ip);
        batch.records.push(Record {
            event,
            received,
            channel: channel.to_string(),
            ident: ident.to_string(),
            geo,
        });
    }
    for f in n.files {
        batch.blobs.push(Blob {
            bytes: f.bytes,
            received,
            mime: f.mime,
        });
    }
}

/// Writes batches in order, retrying each until it is stored.
async fn write_batches(mut rx: mpsc::Receiver<Batch>, store: Store, metrics: CollectorMetrics) {
    while let Some(batch) = rx.recv().await {
        let mut backoff = FIRST_BACKOFF;
        loop {
            match store.insert(&batch).await {
                Ok(report) => {
                    metrics.inserted.inc_by(report.inserted);
                    metrics.duplicates.inc_by(report.duplicates);
                    break;
                }
                Err(err) => {
                    metrics.retries.inc();
                    tracing::warn!(
                        %err,
                        events = batch.records.len(),
                        retry_in_ms = backoff.as_millis() as u64,
                        "cannot store a batch; retrying (is the database up?)"
                    );
                    tokio::time::sleep(backoff).await;
                    backoff = (backoff * 2).min(MAX_BACKOFF);
                }
            }
        }
    }
}

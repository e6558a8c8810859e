//! The collector's run loop: broker messages in, normalized and enriched batches out to the store, losing none.
//!
//! A reader task and one writer task per concurrent insert the store allows (`Store::writers`: one on SQLite, two
//! on PostgreSQL), joined by channels of at most [`IN_FLIGHT`] batches, so parsing the next batch overlaps writing
//! the last (the machine this runs on may have two cores). The reader sends each source address's events to the same
//! writer, always. A batch is written when it holds `batch_events` events or
//! when `flush_after` has passed since its first one, whichever comes first.
//!
//! **No drops.** A failed write is retried with backoff, forever, while the error is logged: the database may be
//! restarting. Meanwhile the channel fills, the reader stops reading, the broker stops reading the publishers'
//! sockets (the collector's subscription is patient), and the sensors' on-disk spools hold their events.
//! Redelivery after a crash is harmless: every insert is idempotent on the event id.

use std::hash::{Hash, Hasher};
use std::sync::Arc;
use std::time::Duration;

use hpfeeds::broker::LocalSubscription;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::histogram::{exponential_buckets, Histogram};
use store::{Batch, Blob, NewHeartbeat, NewRecording, Prepared, Record, SensorListen, Store};
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

use crate::claims::Claims;
use crate::enrich::Enricher;
use crate::normalize::normalize;

/// Batches parsed ahead of the one being written (one is enough to keep the writer busy; each costs memory).
const IN_FLIGHT: usize = 1;
/// Default events per transaction on SQLite: its one writer changes mostly random index pages, and a bigger
/// transaction writes each changed page once for more events (16,384: 34k events/s at 234 MiB peak RSS against
/// 29k at 4,096, 60-s ingest benchmark on 2 cores; 32,768 passed the 300 MiB budget).
const SQLITE_BATCH: usize = 16_384;
/// Default events per transaction on PostgreSQL (per writer): bigger batches gained 5 % for 2.6× the memory.
const PG_BATCH: usize = 4096;
/// Session recordings (up to ~1 MiB each) waiting for the store; a full queue makes the reader wait.
const RECORDINGS_IN_FLIGHT: usize = 16;
/// Sensor heartbeats (a few hundred bytes, one a minute per sensor) waiting for the store.
const HEARTBEATS_IN_FLIGHT: usize = 256;
/// First retry delay after a failed write; doubles up to [`MAX_BACKOFF`].
const FIRST_BACKOFF: Duration = Duration::from_millis(100);
/// Longest wait between retries of a failed write.
const MAX_BACKOFF: Duration = Duration::from_secs(5);

/// How the collector batches.
#[derive(Debug, Clone, serde::Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct CollectorConfig {
    /// Events per store transaction (default 16,384 on SQLite, 4,096 per writer on PostgreSQL). Larger batches
    /// ingest faster and hold more in memory.
    pub batch_events: Option<usize>,
    /// Longest an event waits to be written, in milliseconds (default 200), so a quiet feed still shows up at once.
    pub flush_ms: u64,
}

impl Default for CollectorConfig {
    fn default() -> Self {
        CollectorConfig {
            batch_events: None,
            flush_ms: 200,
        }
    }
}

/// Counters for `/metrics`: what went in and how it went.
#[derive(Debug, Clone)]
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
    /// Seconds each successful batch write took (transaction and commit): the first sign of a store falling behind.
    pub write_seconds: Histogram,
}

impl Default for CollectorMetrics {
    fn default() -> Self {
        CollectorMetrics {
            messages: Counter::default(),
            inserted: Counter::default(),
            duplicates: Counter::default(),
            raw: Counter::default(),
            retries: Counter::default(),
            // 1 ms to ~16 s: a quiet feed's small batches up to a struggling database's big ones.
            write_seconds: Histogram::new(exponential_buckets(0.001, 2.0, 15)),
        }
    }
}

/// Called with each batch's records right after the batch is committed (the dashboard's live stream), for batches
/// with no redelivered event. It must not block: it runs on the writer task, between two commits.
pub type StoredHook = Arc<dyn Fn(&[Record]) + Send + Sync>;

/// Runs the collector until `shutdown`, then writes what it holds and returns.
pub async fn run(
    sub: LocalSubscription,
    store: Store,
    enricher: Enricher,
    config: CollectorConfig,
    metrics: CollectorMetrics,
    shutdown: CancellationToken,
) {
    run_with_hook(sub, store, enricher, config, metrics, shutdown, None).await;
}

/// [`run`], also telling `stored` about every committed batch.
pub async fn run_with_hook(
    mut sub: LocalSubscription,
    store: Store,
    enricher: Enricher,
    config: CollectorConfig,
    metrics: CollectorMetrics,
    shutdown: CancellationToken,
    stored: Option<StoredHook>,
) {
    let (rec_tx, rec_rx) = mpsc::channel::<NewRecording>(RECORDINGS_IN_FLIGHT);
    let rec_writer = tokio::spawn(write_recordings(rec_rx, store.clone(), metrics.clone()));
    let (hb_tx, hb_rx) = mpsc::channel::<NewHeartbeat>(HEARTBEATS_IN_FLIGHT);
    let hb_writer = tokio::spawn(write_heartbeats(hb_rx, store.clone(), metrics.clone()));
    let mut heartbeats = Vec::new();
    let flush_after = Duration::from_millis(config.flush_ms.max(1));
    // One batch writer per concurrent insert the store allows; each session's events always go to the same one.
    let (mut txs, mut writers) = (Vec::new(), Vec::new());
    for _ in 0..store.writers().max(1) {
        let (tx, rx) = mpsc::channel::<Batch>(IN_FLIGHT);
        txs.push(tx);
        writers.push(tokio::spawn(write_batches(
            rx,
            store.clone(),
            metrics.clone(),
            stored.clone(),
            flush_after,
        )));
    }
    let mut recordings = Vec::new();
    let batch_events = config
        .batch_events
        .unwrap_or(if store.backend() == "sqlite" {
            SQLITE_BATCH
        } else {
            PG_BATCH
        })
        .max(1);
    let mut incoming = Batch::default();
    let mut parts: Vec<Batch> = txs.iter().map(|_| Batch::default()).collect();
    let mut deadline: Option<tokio::time::Instant> = None;
    let Some(mut claims) = load_claims(&store, &shutdown).await else {
        return;
    };
    if !flush_parked(&store, &metrics, Some(&shutdown)).await {
        return;
    }
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
                for (part, tx) in parts.iter_mut().zip(&txs) {
                    if !part.is_empty() && tx.send(std::mem::take(part)).await.is_err() {
                        return;
                    }
                }
            }
            msg = sub.recv() => {
                let Some(msg) = msg else {
                    tracing::error!("the broker cut the collector off; no more events will be stored");
                    break;
                };
                metrics.messages.inc();
                let out = (&mut incoming, &mut recordings, &mut heartbeats);
                add_message(out, &mut claims, &store, &enricher, &msg, &metrics).await;
                for r in recordings.drain(..) {
                    if rec_tx.send(r).await.is_err() {
                        return;
                    }
                }
                for h in heartbeats.drain(..) {
                    if hb_tx.send(h).await.is_err() {
                        return;
                    }
                }
                spread(&mut incoming, &mut parts);
                deadline.get_or_insert_with(|| tokio::time::Instant::now() + flush_after);
                for (part, tx) in parts.iter_mut().zip(&txs) {
                    if part.records.len() >= batch_events && tx.send(std::mem::take(part)).await.is_err() {
                        return;
                    }
                }
                if parts.iter().all(Batch::is_empty) {
                    deadline = None;
                }
            }
        }
    }
    for (part, tx) in parts.into_iter().zip(&txs) {
        if !part.is_empty() {
            let _ = tx.send(part).await;
        }
    }
    drop(txs);
    drop(rec_tx);
    drop(hb_tx);
    for w in writers {
        let _ = w.await;
    }
    let _ = rec_writer.await;
    let _ = hb_writer.await;
}

/// Moves `incoming`'s records into `parts`, each source address's always into the same part, and so each session's
/// (a session has one source): one writer stores a session's events in order, and no two writers ever hold the same
/// session or the same address's attacker rows (`Store::writers`). File bytes go to the first part.
fn spread(incoming: &mut Batch, parts: &mut [Batch]) {
    let n = parts.len();
    if n == 1 {
        parts[0].records.append(&mut incoming.records);
    } else {
        for r in incoming.records.drain(..) {
            let mut h = std::hash::DefaultHasher::new();
            r.event.src_ip.to_canonical().hash(&mut h);
            let i = usize::try_from(h.finish() % n as u64).unwrap_or(0);
            parts[i].records.push(r);
        }
    }
    parts[0].blobs.append(&mut incoming.blobs);
}

/// Who owns which sensor name, read from the store before the first message (retried while the database is
/// unreachable, as writes are); `None` on shutdown.
async fn load_claims(store: &Store, shutdown: &CancellationToken) -> Option<Claims> {
    let mut backoff = FIRST_BACKOFF;
    loop {
        match Claims::load(store).await {
            Ok(c) => return Some(c),
            Err(err) => {
                tracing::warn!(%err, retry_in_ms = backoff.as_millis() as u64, "cannot read the sensors' idents; retrying (is the database up?)");
                tokio::select! {
                    () = shutdown.cancelled() => return None,
                    () = tokio::time::sleep(backoff) => {}
                }
                backoff = (backoff * 2).min(MAX_BACKOFF);
            }
        }
    }
}

/// Where [`add_message`] puts what it makes: events and files into the batch; recordings and heartbeats, stored
/// apart from batches, into their queues.
type Outputs<'a> = (&'a mut Batch, &'a mut Vec<NewRecording>, &'a mut Vec<NewHeartbeat>);

/// Normalizes one message into `out`, every sensor name checked against `claims`.
async fn add_message(
    (batch, recordings, heartbeats): Outputs<'_>,
    claims: &mut Claims,
    store: &Store,
    enricher: &Enricher,
    msg: &hpfeeds::broker::Message,
    metrics: &CollectorMetrics,
) {
    let received = event::Event::now();
    let channel = String::from_utf8_lossy(&msg.channel);
    let ident = String::from_utf8_lossy(&msg.ident);
    let mut n = normalize(&channel, &ident, &msg.payload, received);
    for e in &mut n.events {
        claims.apply(store, &mut e.sensor, &ident).await;
    }
    for r in &mut n.recordings {
        claims.apply(store, &mut r.sensor, &ident).await;
    }
    for h in &mut n.heartbeats {
        claims.apply(store, &mut h.sensor, &ident).await;
    }
    for event in n.events {
        if matches!(event.kind, event::Kind::Raw { .. }) {
            metrics.raw.inc();
        }
        let geo = enricher.lookup(event.src_ip);
        enricher.offer_reverse_dns(event.src_ip);
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
    recordings.extend(n.recordings.into_iter().map(|r| NewRecording {
        session_id: format!("{}/{}", r.sensor, r.session),
        name: r.name,
        bytes: r.bytes,
        size: r.size,
        truncated: r.truncated,
        received,
    }));
    // The in-process subscription's messages carry no publisher address, so the address is the one the sensor
    // reports (its broker connection's local IP, already checked to be an IP by the normalizer); `None` keeps the
    // last one stored.
    heartbeats.extend(n.heartbeats.into_iter().map(|h| {
        NewHeartbeat {
            sensor: h.sensor,
            ident: ident.to_string(),
            version: h.version,
            address: h.address,
            listen: h
                .honeypots
                .into_iter()
                .map(|l| SensorListen {
                    honeypot: l.honeypot,
                    addr: l.addr.to_string(),
                })
                .collect(),
            started: Some(h.started),
            received,
        }
    }));
}

/// Records sensor heartbeats in arrival order (see [`store_each`]).
async fn write_heartbeats(rx: mpsc::Receiver<NewHeartbeat>, store: Store, metrics: CollectorMetrics) {
    let put = move |h: Arc<NewHeartbeat>| {
        let store = store.clone();
        async move { store.put_heartbeat(&h).await }
    };
    store_each(rx, metrics, put, |h| format!("sensor {}'s heartbeat", h.sensor)).await;
}

/// Stores session recordings in arrival order (see [`store_each`]).
async fn write_recordings(rx: mpsc::Receiver<NewRecording>, store: Store, metrics: CollectorMetrics) {
    let put = move |r: Arc<NewRecording>| {
        let store = store.clone();
        async move { store.put_recording(&r).await.map(drop) }
    };
    store_each(rx, metrics, put, |r| {
        format!("recording {} of session {}", r.name, r.session_id)
    })
    .await;
}

/// Hands each item to `put` in arrival order, retrying with backoff until the store takes it (as batches are);
/// one the store refuses as invalid is logged and skipped, since retrying cannot fix it. `what` names an item in
/// the log.
async fn store_each<T, F, Fut>(
    mut rx: mpsc::Receiver<T>,
    metrics: CollectorMetrics,
    put: F,
    what: impl Fn(&T) -> String,
) where
    F: Fn(Arc<T>) -> Fut,
    Fut: std::future::Future<Output = Result<(), store::StoreError>>,
{
    while let Some(item) = rx.recv().await {
        let item = Arc::new(item);
        let mut backoff = FIRST_BACKOFF;
        loop {
            match put(item.clone()).await {
                Ok(()) => break,
                Err(store::StoreError::Invalid(why)) => {
                    tracing::warn!(item = %what(&item), %why, "refused by the store; skipped");
                    break;
                }
                Err(err) => {
                    metrics.retries.inc();
                    tracing::warn!(
                        %err,
                        item = %what(&item),
                        retry_in_ms = backoff.as_millis() as u64,
                        "cannot store it; retrying (is the database up? the disk full?)"
                    );
                    tokio::time::sleep(backoff).await;
                    backoff = (backoff * 2).min(MAX_BACKOFF);
                }
            }
        }
    }
}

/// Writes batches in order, retrying each until it is stored. While one is written, the next is received and
/// prepared (`Store::prepare`: its event groups, session rows and aggregates, on the blocking pool), so the store's
/// connection does not wait for that CPU work. A batch that was already waiting when this writer came for it means
/// the store is the bottleneck: its rollups and attacker rows may then be parked and folded into a later
/// transaction's (`Store::insert_folding`). Once no batch has come for `idle` (and at the end), whatever is parked
/// is written.
async fn write_batches(
    mut rx: mpsc::Receiver<Batch>,
    store: Store,
    metrics: CollectorMetrics,
    stored: Option<StoredHook>,
    idle: Duration,
) {
    // The next batch, being prepared while the current one is written; `open` until the sender is gone.
    let mut next: Option<Preparing> = None;
    let mut open = true;
    loop {
        let (batch, waited) = match next.take() {
            Some(p) => (p, false),
            None if !open => break,
            None => match rx.try_recv() {
                Ok(b) => (prepare(b), false),
                Err(mpsc::error::TryRecvError::Disconnected) => break,
                Err(mpsc::error::TryRecvError::Empty) => match tokio::time::timeout(idle, rx.recv()).await {
                    Ok(Some(b)) => (prepare(b), true),
                    Ok(None) => break,
                    Err(_) => {
                        flush_parked(&store, &metrics, None).await;
                        match rx.recv().await {
                            Some(b) => (prepare(b), true),
                            None => break,
                        }
                    }
                },
            },
        };
        let (batch, mut prepared) = match batch.await {
            Ok(done) => done,
            Err(e) => std::panic::resume_unwind(e.into_panic()),
        };
        let mut backoff = FIRST_BACKOFF;
        loop {
            let started = std::time::Instant::now();
            let write = store.insert_prepared(&batch, prepared, !waited);
            tokio::pin!(write);
            let result = loop {
                tokio::select! {
                    r = &mut write => break r,
                    b = rx.recv(), if open && next.is_none() => match b {
                        Some(b) => next = Some(prepare(b)),
                        None => open = false,
                    },
                }
            };
            match result {
                Ok(report) => {
                    metrics.write_seconds.observe(started.elapsed().as_secs_f64());
                    metrics.inserted.inc_by(report.inserted);
                    metrics.duplicates.inc_by(report.duplicates);
                    // A batch holding redelivered events (a sensor's spool replayed after a reconnect) is not shown:
                    // the insert does not say which of its events were new, and the live view must never show an
                    // event twice. Such batches are rare; their events are in the store like all others.
                    if let Some(hook) = stored.as_ref().filter(|_| report.duplicates == 0) {
                        hook(&batch.records);
                    }
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
                    // The failed attempt moved the prepared rows into its statements.
                    prepared = Store::prepare(&batch);
                }
            }
        }
    }
    flush_parked(&store, &metrics, None).await;
}

/// A batch being prepared for its insert on the blocking pool.
type Preparing = tokio::task::JoinHandle<(Batch, Prepared)>;

/// Starts preparing `batch` (`Store::prepare`) off the async workers.
fn prepare(batch: Batch) -> Preparing {
    tokio::task::spawn_blocking(move || {
        let p = Store::prepare(&batch);
        (batch, p)
    })
}

/// Writes the parked aggregates (at start: those a crash left), retrying while the database is unreachable, as
/// batches are; `false` if `cancel` came first.
async fn flush_parked(store: &Store, metrics: &CollectorMetrics, cancel: Option<&CancellationToken>) -> bool {
    let mut backoff = FIRST_BACKOFF;
    while let Err(err) = store.flush_parked().await {
        metrics.retries.inc();
        tracing::warn!(%err, retry_in_ms = backoff.as_millis() as u64, "cannot write the parked aggregates; retrying (is the database up?)");
        let pause = tokio::time::sleep(backoff);
        match cancel {
            Some(c) => tokio::select! {
                () = c.cancelled() => return false,
                () = pause => {}
            },
            None => pause.await,
        }
        backoff = (backoff * 2).min(MAX_BACKOFF);
    }
    true
}

#[cfg(test)]
mod tests {
    use super::{spread, write_batches, Batch, CollectorMetrics};
    use std::time::Duration;
    use store::{Blob, Geo, Record, Store, TimeRange};

    fn rec(session: &str, ip: &str) -> Record {
        Record {
            event: event::Event {
                id: uuid::Uuid::now_v7(),
                ts: chrono::Utc::now(),
                sensor: "s1".into(),
                honeypot: "ssh".into(),
                session: session.into(),
                proto: "ssh".into(),
                src_ip: ip.parse().unwrap(),
                src_port: 1,
                dst_ip: None,
                dst_port: 22,
                kind: event::Kind::Raw {
                    channel: "c".into(),
                    payload: String::new(),
                    reason: "test".into(),
                },
            },
            received: chrono::Utc::now(),
            channel: "c".into(),
            ident: "i".into(),
            geo: Geo::default(),
        }
    }

    /// Which part holds each record of `session` (all must be in one).
    fn part_of(parts: &[Batch], session: &str) -> usize {
        let holding: Vec<usize> = (0..parts.len())
            .filter(|&i| parts[i].records.iter().any(|r| r.event.session == session))
            .collect();
        assert_eq!(holding.len(), 1, "session {session} is in parts {holding:?}");
        holding[0]
    }

    #[test]
    fn an_address_and_so_a_session_always_goes_to_one_writer() {
        let mut parts: Vec<Batch> = (0..2).map(|_| Batch::default()).collect();
        let mut first = std::collections::HashMap::new();
        for round in 0..3 {
            let mut incoming = Batch::default();
            for k in 0..200 {
                incoming
                    .records
                    .push(rec(&format!("s{k}"), &format!("192.0.2.{}", k % 50)));
            }
            incoming.records.push(rec("", "198.51.100.1"));
            incoming.blobs.push(Blob {
                bytes: bytes::Bytes::from(vec![round]),
                received: chrono::Utc::now(),
                mime: None,
            });
            spread(&mut incoming, &mut parts);
            assert!(incoming.is_empty());
            for k in 0..200 {
                let s = format!("s{k}");
                let p = part_of(&parts, &s);
                assert_eq!(*first.entry(s).or_insert(p), p, "a session moved to another writer");
            }
        }
        assert!(parts.iter().all(|p| !p.records.is_empty()), "both writers get work");
        assert_eq!(parts[0].blobs.len(), 3);
        let sessionless: Vec<usize> = (0..2)
            .filter(|&i| parts[i].records.iter().any(|r| r.event.session.is_empty()))
            .collect();
        assert_eq!(sessionless.len(), 1, "one address's events stay together");
        assert_eq!(parts.iter().map(|p| p.records.len()).sum::<usize>(), 3 * 201);
        // Sessions from one address share a writer (its attacker rows are that writer's alone).
        for k in 0..50 {
            assert_eq!(
                part_of(&parts, &format!("s{k}")),
                part_of(&parts, &format!("s{}", k + 50)),
                "192.0.2.{k}"
            );
        }
    }

    /// A store that refuses every event group while the table `outage` has a row (a database that fails each write),
    /// and a connection to switch that.
    async fn failing_store(dir: &std::path::Path) -> (Store, sqlx::SqlitePool) {
        let db = dir.join("apiary.db");
        let store = Store::open(&format!("sqlite://{}", db.display()), dir).await.unwrap();
        let admin = sqlx::SqlitePool::connect(&format!("sqlite://{}", db.display()))
            .await
            .unwrap();
        for sql in [
            "CREATE TABLE outage (x INTEGER)",
            "CREATE TRIGGER outage BEFORE INSERT ON event_groups WHEN EXISTS (SELECT 1 FROM outage) \
             BEGIN SELECT RAISE(ABORT, 'test outage'); END",
            "INSERT INTO outage VALUES (1)",
        ] {
            sqlx::query(sql).execute(&admin).await.unwrap();
        }
        (store, admin)
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn batches_that_fail_to_store_are_retried_until_every_event_is_in() {
        let dir = tempfile::tempdir().unwrap();
        let (store, admin) = failing_store(dir.path()).await;
        let metrics = CollectorMetrics::default();
        let (tx, rx) = tokio::sync::mpsc::channel(1);
        let writer = tokio::spawn(write_batches(
            rx,
            store.clone(),
            metrics.clone(),
            None,
            Duration::from_millis(20),
        ));
        // Three batches of 40 events (10 sessions of 4), sent while every write fails: the writer holds the first,
        // prepares the second, and the channel the third.
        let mut sent = 0;
        for b in 0..3 {
            let mut batch = Batch::default();
            for k in 0..40 {
                batch
                    .records
                    .push(rec(&format!("b{b}s{}", k % 10), &format!("192.0.2.{}", k % 10)));
            }
            sent += batch.records.len() as u64;
            tx.send(batch).await.unwrap();
        }
        let deadline = std::time::Instant::now() + Duration::from_secs(20);
        while metrics.retries.get() < 2 {
            assert!(
                std::time::Instant::now() < deadline,
                "the failing writes were not retried"
            );
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        assert_eq!(metrics.inserted.get(), 0, "a write succeeded during the outage");
        sqlx::query("DELETE FROM outage").execute(&admin).await.unwrap();
        drop(tx);
        tokio::time::timeout(Duration::from_secs(30), writer)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(metrics.inserted.get(), sent);
        let sensors = store.sensors().await.unwrap();
        assert_eq!(sensors.iter().map(|s| s.events).sum::<u64>(), sent, "{sensors:?}");
        let now = chrono::Utc::now();
        let day = TimeRange {
            from: now - chrono::Duration::hours(1),
            to: now + chrono::Duration::hours(1),
        };
        let totals = store.totals(day).await.unwrap();
        assert_eq!((totals.events, totals.attackers), (sent, 10), "{totals:?}");
    }
}

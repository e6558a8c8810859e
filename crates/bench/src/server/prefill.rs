//! The prefill: a big store of past sessions written with `store::Store::insert` straight from the bench, so the
//! API latency run has realistic volume (a month of sessions, heavy-tailed attackers) without waiting for ingest.

use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{Context, Result};
use chrono::Utc;
use store::{Batch, Store};

use super::apiary::Setup;
use super::gen::{record, IpPool, SessionGen};

/// Events per `Store::insert` call.
const BATCH_EVENTS: usize = 10_000;
/// Days the sessions spread over, ending now.
const DAYS: i64 = 30;
/// Longest the prefill may take before it stops with what it has.
const MAX_TIME: Duration = Duration::from_secs(6 * 3600);

/// What the prefill wrote and how fast.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct Prefill {
    /// Backend name.
    pub backend: String,
    /// Sessions written.
    pub sessions: u64,
    /// Events written (start, auth, and a command in 1 of 5).
    pub events: u64,
    /// Wall time.
    pub secs: f64,
    /// events / secs.
    pub events_per_s: f64,
    /// Whether it stopped at the time bound before writing every session.
    pub cut_short: bool,
    /// Written by an earlier run and reused (`--keep`): its figures are that run's.
    #[serde(default)]
    pub reused: bool,
    /// When it finished (queries over "the last 24 h" see less data the older it is).
    #[serde(default)]
    pub finished: Option<chrono::DateTime<chrono::Utc>>,
}

/// Writes `sessions` sessions from `pool` into the store of `setup`, oldest first, evenly over the last 30 days.
pub async fn run(setup: &Setup, pool: Arc<IpPool>, sessions: u64) -> Result<Prefill> {
    let store = Store::open(&setup.url, &setup.data_dir())
        .await
        .with_context(|| format!("opening {} for the prefill", setup.url))?;
    let (tx, mut rx) = tokio::sync::mpsc::channel::<Batch>(2);
    let start = Instant::now();
    // Generation runs on its own thread so it overlaps the database writes.
    let gen = tokio::task::spawn_blocking(move || {
        let now = Utc::now();
        let span = chrono::Duration::days(DAYS).num_microseconds().unwrap_or(i64::MAX);
        let step = (span / sessions.max(1) as i64).max(1);
        let first = now - chrono::Duration::days(DAYS);
        let mut g = SessionGen::new(u32::MAX, 42);
        let mut events = Vec::with_capacity(BATCH_EVENTS + 4);
        for i in 0..sessions {
            let ts = first + chrono::Duration::microseconds(step.saturating_mul(i as i64));
            g.past_session(&pool, ts, &mut events);
            if events.len() >= BATCH_EVENTS || i + 1 == sessions {
                let records = events.drain(..).map(record).collect();
                let batch = Batch {
                    records,
                    blobs: Vec::new(),
                };
                if tx.blocking_send(batch).is_err() || start.elapsed() > MAX_TIME {
                    return i + 1;
                }
            }
        }
        sessions
    });
    let mut events = 0u64;
    let mut last_print = Instant::now();
    while let Some(batch) = rx.recv().await {
        let rep = store.insert(&batch).await.context("prefill insert")?;
        events += rep.inserted;
        if last_print.elapsed() > Duration::from_secs(10) {
            last_print = Instant::now();
            let s = start.elapsed().as_secs_f64();
            eprintln!(
                "  prefill {}: {events} events in {s:.0} s ({:.0}/s)",
                setup.backend.name(),
                events as f64 / s
            );
        }
    }
    let written = gen.await.context("prefill generator panicked")?;
    let secs = start.elapsed().as_secs_f64();
    // What the server's maintenance pass (or PostgreSQL's autovacuum) would do after such a load.
    store
        .analyze()
        .await
        .context("refreshing the planner's statistics after the prefill")?;
    Ok(Prefill {
        backend: setup.backend.name().to_owned(),
        sessions: written,
        events,
        secs,
        events_per_s: events as f64 / secs.max(1e-9),
        cut_short: written < sessions,
        reused: false,
        finished: Some(chrono::Utc::now()),
    })
}

//! The ingest run: several hpfeeds publishers send realistic `apiary.events` as fast as the server takes them for
//! a fixed time, while a sampler reads the server's RSS and stored-event count; then we wait until every published
//! event is stored (or a bound passes) and derive the rates.

use std::path::Path;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{Context, Result};
use bytes::BytesMut;
use hpfeeds::wire::{self, Frame};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::time::timeout;

use super::apiary::{Api, Backend, Pg, Server, Setup, IDENT, SECRET};
use super::gen::{IpPool, SessionGen};
use crate::common::{cpu_secs, median, self_cpu_secs};
use crate::hpfeeds::loadgen::connect_auth_as;

/// Sessions encoded per write (about 7 events each).
const SESSIONS_PER_CHUNK: usize = 100;
/// Longest we wait after publishing for the last events to be stored.
const DRAIN_LIMIT: Duration = Duration::from_secs(120);
/// How often the sampler reads RSS and totals.
const SAMPLE_EVERY: Duration = Duration::from_millis(500);
/// Settling time before the idle RSS reading.
const SETTLE: Duration = Duration::from_secs(2);

/// What the ingest run measured on one backend.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Ingest {
    /// Backend name.
    pub backend: &'static str,
    /// Publisher connections.
    pub publishers: usize,
    /// Seconds spent publishing.
    pub publish_secs: f64,
    /// Events handed to the kernel by the publishers.
    pub published: u64,
    /// Events the API counts as stored.
    pub stored: u64,
    /// `published - stored` (0 when everything arrived).
    pub lost: u64,
    /// Seconds from the first publish to the sample that saw the last event stored.
    pub stored_secs: f64,
    /// stored / stored_secs.
    pub sustained_per_s: f64,
    /// Lowest committed events in any whole second of the run, up to the last commit.
    pub per_s_min: f64,
    /// Median committed events per whole second, up to the last commit.
    pub per_s_median: f64,
    /// RSS before load, MiB.
    pub rss_idle_mib: f64,
    /// Highest RSS seen during the run, MiB.
    pub rss_max_mib: f64,
    /// CPU the server used from first publish to the end of the drain, % of one core.
    pub server_cpu_pct: f64,
    /// CPU the bench itself used meanwhile (event generation, JSON, sampling), % of one core.
    pub bench_cpu_pct: f64,
    /// Publisher errors (anything the server sent them, failed writes).
    pub errors: Vec<String>,
}

/// One sampler reading: seconds since the first publish, events in the API's totals, server RSS (KiB), events the collector committed.
type Sample = (f64, u64, u64, u64);

/// Runs the ingest benchmark against a fresh server on `backend` (PostgreSQL: the server and writers of `pg`).
pub async fn run(apiary: &Path, backend: Backend, secs: f64, publishers: usize, pg: Pg) -> Result<Ingest> {
    let setup = Setup::new(backend, "ingest", None, pg).await?;
    let r = run_on(apiary, &setup, secs, publishers).await;
    let c = setup.cleanup().await;
    let r = r?;
    c?;
    Ok(r)
}

async fn run_on(apiary: &Path, setup: &Setup, secs: f64, publishers: usize) -> Result<Ingest> {
    let key = setup.credentials(apiary).await?;
    let mut server = Server::start(apiary, setup, &key).await?;
    tokio::time::sleep(SETTLE).await;
    let rss_idle = server.rss_kib()?;
    let pool = Arc::new(IpPool::new(50_000, 2_000, 7));

    let mut conns = Vec::with_capacity(publishers);
    for _ in 0..publishers {
        conns.push(connect_auth_as(setup.broker, Duration::from_secs(10), IDENT, SECRET).await?);
    }
    let stop = Arc::new(AtomicBool::new(false));
    let stored_now = Arc::new(AtomicU64::new(0));
    let (cpu0, self0) = (cpu_secs(server.pid).unwrap_or(0.0), self_cpu_secs());
    let start = Instant::now();
    let sampler = tokio::spawn(sample(
        server.api.clone(),
        server.pid,
        start,
        stop.clone(),
        stored_now.clone(),
    ));
    let until = start + Duration::from_secs_f64(secs);
    let hard = until + Duration::from_secs(30);
    let tasks: Vec<_> = conns
        .into_iter()
        .enumerate()
        .map(|(i, s)| tokio::spawn(publish(s, pool.clone(), i as u32, until, hard)))
        .collect();
    let mut published = 0;
    let mut errors = Vec::new();
    for t in tasks {
        let (n, err) = t.await.context("publisher task panicked")?;
        published += n;
        errors.extend(err);
    }
    let publish_secs = start.elapsed().as_secs_f64();
    eprintln!(
        "  published {published} events in {publish_secs:.1} s ({:.0}/s); waiting for the store ...",
        published as f64 / publish_secs
    );
    let drain_until = Instant::now() + DRAIN_LIMIT;
    while stored_now.load(Ordering::Relaxed) < published && Instant::now() < drain_until {
        server.check_alive()?;
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    // One more sampling period so the last reading is in the samples.
    tokio::time::sleep(SAMPLE_EVERY * 2).await;
    stop.store(true, Ordering::Relaxed);
    let samples = sampler.await.context("sampler task panicked")?;
    let wall = start.elapsed().as_secs_f64().max(1e-9);
    let server_cpu = (cpu_secs(server.pid).unwrap_or(0.0) - cpu0) / wall * 100.0;
    let bench_cpu = (self_cpu_secs() - self0) / wall * 100.0;
    server.check_alive()?;
    server.stop().await?;
    let mut r = summarize(
        setup.backend,
        publishers,
        publish_secs,
        published,
        rss_idle,
        &samples,
        errors,
    );
    r.server_cpu_pct = server_cpu;
    r.bench_cpu_pct = bench_cpu;
    Ok(r)
}

/// Derives the figures from the samples.
fn summarize(
    backend: Backend,
    publishers: usize,
    publish_secs: f64,
    published: u64,
    rss_idle: u64,
    samples: &[Sample],
    errors: Vec<String>,
) -> Ingest {
    let (stored, stored_secs) = first_at_max(samples, |s| s.1);
    // The rates end with the last commit: on SQLite the API's totals reach their end only when the parked
    // aggregates are folded in after it, and the seconds in between commit nothing new.
    let (_, last_commit) = first_at_max(samples, |s| s.3);
    let rates = per_second(samples, if last_commit > 0.0 { last_commit } else { stored_secs });
    let mib = |k: u64| k as f64 / 1024.0;
    Ingest {
        backend: backend.name(),
        publishers,
        publish_secs,
        published,
        stored,
        lost: published.saturating_sub(stored),
        stored_secs,
        sustained_per_s: if stored_secs > 0.0 {
            stored as f64 / stored_secs
        } else {
            0.0
        },
        per_s_min: rates.iter().copied().reduce(f64::min).unwrap_or(0.0),
        per_s_median: median(rates.iter().copied()).unwrap_or(0.0),
        rss_idle_mib: mib(rss_idle),
        rss_max_mib: mib(samples.iter().map(|s| s.2).max().unwrap_or(0).max(rss_idle)),
        server_cpu_pct: 0.0,
        bench_cpu_pct: 0.0,
        errors,
    }
}

/// The highest value of `count` over `samples`, and the time of the first sample that shows it (0 without samples).
fn first_at_max(samples: &[Sample], count: impl Fn(&Sample) -> u64) -> (u64, f64) {
    let top = samples.iter().map(&count).max().unwrap_or(0);
    (top, samples.iter().find(|s| count(s) == top).map_or(0.0, |s| s.0))
}

/// Committed events per whole second between 0 and `end` (partial last second left out).
fn per_second(samples: &[Sample], end: f64) -> Vec<f64> {
    let mut rates = Vec::new();
    let Some(mut prev) = samples.first().copied() else {
        return rates;
    };
    for s in samples {
        if s.0 > end + 1e-9 {
            break;
        }
        if s.0 - prev.0 >= 1.0 {
            rates.push((s.3.saturating_sub(prev.3)) as f64 / (s.0 - prev.0));
            prev = *s;
        }
    }
    rates
}

/// Reads RSS and stored events every [`SAMPLE_EVERY`] until `stop`; bounded by the drain limit twice over.
async fn sample(api: Api, pid: u32, start: Instant, stop: Arc<AtomicBool>, stored_now: Arc<AtomicU64>) -> Vec<Sample> {
    let mut out = Vec::new();
    let mut tick = tokio::time::interval(SAMPLE_EVERY);
    let limit = start + Duration::from_secs(3600);
    while !stop.load(Ordering::Relaxed) && Instant::now() < limit {
        tick.tick().await;
        let rss = crate::common::vmrss_kib(pid).unwrap_or(0);
        if let Ok(Ok(n)) = timeout(Duration::from_secs(5), api.totals_events()).await {
            stored_now.store(n, Ordering::Relaxed);
            let committed = match timeout(Duration::from_secs(5), api.inserted_events()).await {
                Ok(Ok(c)) => c,
                _ => out.last().map_or(0, |s: &Sample| s.3),
            };
            out.push((start.elapsed().as_secs_f64(), n, rss, committed));
        }
    }
    out
}

/// Publishes generated sessions until `until` (each write bounded by `hard`); returns events written and errors.
async fn publish(s: TcpStream, pool: Arc<IpPool>, idx: u32, until: Instant, hard: Instant) -> (u64, Vec<String>) {
    let (mut rd, mut wr) = s.into_split();
    // Anything the server says to a publisher is a complaint (ERROR) or a close.
    let reader = tokio::spawn(async move {
        let mut buf = [0u8; 4096];
        match rd.read(&mut buf).await {
            Ok(0) => "server closed the publisher connection".to_string(),
            Ok(n) => format!(
                "server sent the publisher: {}",
                String::from_utf8_lossy(&buf[..n.min(200)])
            ),
            Err(e) => format!("publisher read error: {e}"),
        }
    });
    let mut gen = SessionGen::new(idx, 1000 + u64::from(idx));
    let mut events = Vec::with_capacity(SESSIONS_PER_CHUNK * 8);
    let mut buf = BytesMut::with_capacity(SESSIONS_PER_CHUNK * 8 * 600);
    let mut sent = 0u64;
    let mut errors = Vec::new();
    while Instant::now() < until {
        events.clear();
        for _ in 0..SESSIONS_PER_CHUNK {
            gen.live_session(&pool, &mut events);
        }
        buf.clear();
        for e in &events {
            let f = Frame::publish(IDENT, event::CHANNEL_EVENTS, e.to_json());
            if let Err(e) = f.encode(&mut buf, wire::DEFAULT_MAX_FRAME) {
                errors.push(format!("encoding an event: {e}"));
                return (sent, errors);
            }
        }
        match tokio::time::timeout_at(hard.into(), wr.write_all(&buf)).await {
            Ok(Ok(())) => sent += events.len() as u64,
            Ok(Err(e)) => {
                errors.push(format!("write failed: {e}"));
                break;
            }
            Err(_) => {
                errors.push("write did not finish 30 s after the end: the server stopped reading".into());
                break;
            }
        }
        if reader.is_finished() {
            break;
        }
    }
    let _ = wr.flush().await;
    // A complaint after the last write still counts; give it a moment to arrive.
    let mut reader = reader;
    match timeout(Duration::from_millis(100), &mut reader).await {
        Ok(Ok(msg)) => errors.push(msg),
        _ => reader.abort(),
    }
    (sent, errors)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn per_second_rates_from_samples() {
        // The API's totals move in steps (aggregates folded every few batches); the rates follow the commits.
        let s = [
            (0.0, 0, 1, 0),
            (0.5, 0, 1, 40),
            (1.0, 0, 1, 100),
            (2.0, 150, 5, 150),
            (2.5, 170, 2, 170),
        ];
        assert_eq!(per_second(&s, 2.5), vec![100.0, 50.0]);
        let r = summarize(Backend::Sqlite, 1, 2.0, 180, 1024, &s, Vec::new());
        assert_eq!(r.stored, 170);
        assert_eq!(r.lost, 10);
        assert_eq!(r.stored_secs, 2.5);
        assert_eq!(r.per_s_min, 50.0);
        assert_eq!(r.rss_idle_mib, 1.0);
        // The last commit at 2.0 s; the totals catch up at 3.5 s, when the parked aggregates are folded in.
        let s = [
            (0.0, 0, 1, 0),
            (1.0, 0, 1, 100),
            (2.0, 120, 1, 200),
            (3.0, 150, 1, 200),
            (3.5, 200, 1, 200),
        ];
        let r = summarize(Backend::Sqlite, 1, 2.0, 200, 1024, &s, Vec::new());
        assert_eq!((r.stored, r.stored_secs), (200, 3.5));
        assert_eq!(r.per_s_min, 100.0, "no second after the last commit counts");
    }
}

//! `bench store`: the store's write path alone (no broker, no collector, no network), the way the collector
//! drives it: the ingest benchmark's event mix in batches, the next batch prepared (`Store::prepare`) on another
//! thread while the current one is written (`Store::insert_prepared`), parked aggregates flushed at the end.
//! Prints events/s and the CPU the whole process spent per event. The events are generated before the clock starts,
//! so the run is steady enough to compare two builds of the store, and small enough to run under
//! `valgrind --tool=callgrind`, whose instruction count does not move with the VM's noise (`--generate-only`
//! gives the count to subtract). This binary allocates with glibc's malloc, `apiary server` with jemalloc
//! (`crates/apiary/src/alloc.rs`): compare builds of the store with it, not its figures with the server's.

use std::sync::Arc;
use std::time::Instant;

use anyhow::{Context, Result};
use store::{Batch, Record, Store};

use crate::common::self_cpu_secs;
use crate::server::gen::{record, IpPool, SessionGen};

/// Options of `bench store`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Events to write (whole sessions of about 7 events, so a few more).
    #[arg(long, default_value_t = 300_000)]
    events: usize,
    /// Events per batch (the collector's default on SQLite is 16,384).
    #[arg(long, default_value_t = 16_384, value_parser = clap::value_parser!(u64).range(1..=1_000_000))]
    batch: u64,
    /// A PostgreSQL URL to write into instead of a fresh SQLite file (the database must be empty: use a new one).
    #[arg(long, value_name = "URL")]
    postgres: Option<String>,
    /// Prepare each batch in line, just before writing it, instead of the next one during the current one's write.
    #[arg(long)]
    inline: bool,
    /// Only generate the events, then stop (the instruction count to subtract under callgrind).
    #[arg(long)]
    generate_only: bool,
}

/// Runs `bench store`; true when every event was stored.
pub async fn run(args: Args) -> Result<bool> {
    let batches = generate(args.events, usize::try_from(args.batch).unwrap_or(usize::MAX));
    let events: usize = batches.iter().map(|b| b.records.len()).sum();
    if args.generate_only {
        println!("generated {events} events in {} batches", batches.len());
        return Ok(true);
    }
    let dir = tempfile::tempdir().context("creating a temporary folder")?;
    let url = match &args.postgres {
        Some(u) => u.clone(),
        None => format!("sqlite://{}", dir.path().join("apiary.db").display()),
    };
    let store = Store::open(&url, dir.path())
        .await
        .with_context(|| format!("opening the store at {url}"))?;
    let (cpu0, start) = (self_cpu_secs(), Instant::now());
    let mut stored = 0u64;
    let mut queue = batches.into_iter().map(Arc::new).peekable();
    let prepare = |b: Arc<Batch>| {
        tokio::task::spawn_blocking(move || {
            let p = Store::prepare(&b);
            (b, p)
        })
    };
    if args.inline {
        while let Some(batch) = queue.next() {
            let report = store
                .insert_folding(&batch, queue.peek().is_some())
                .await
                .context("writing a batch")?;
            stored += report.inserted;
        }
    }
    let mut next = queue.next().map(prepare);
    while let Some(job) = next.take() {
        let (batch, prepared) = job.await.context("preparing a batch")?;
        next = queue.next().map(prepare);
        let report = store
            .insert_prepared(&batch, prepared, next.is_some())
            .await
            .context("writing a batch")?;
        stored += report.inserted;
    }
    store.flush_parked().await.context("flushing the parked aggregates")?;
    let (secs, cpu) = (start.elapsed().as_secs_f64(), self_cpu_secs() - cpu0);
    let n = events as f64;
    println!(
        "{}: {stored} of {events} events stored in {secs:.2} s = {:.0} events/s; process CPU {cpu:.2} s = {:.1} µs/event",
        store.backend(),
        n / secs,
        cpu * 1e6 / n
    );
    Ok(stored == events as u64)
}

/// Live sessions from one generator (fixed seeds), as the ingest benchmark's publishers make them, in batches.
fn generate(events: usize, batch: usize) -> Vec<Batch> {
    let pool = IpPool::new(50_000, 2_000, 7);
    let mut g = SessionGen::new(1, 42);
    let mut out = Vec::with_capacity(events + 16);
    while out.len() < events {
        g.live_session(&pool, &mut out);
    }
    let mut batches = Vec::new();
    let mut records = out.into_iter().map(record);
    loop {
        let chunk: Vec<Record> = records.by_ref().take(batch).collect();
        if chunk.is_empty() {
            break;
        }
        batches.push(Batch {
            records: chunk,
            blobs: Vec::new(),
        });
    }
    batches
}

//! `bench server`: the issue-4 benchmark of `apiary server` itself. Ingest: publishers send realistic
//! `apiary.events` for a fixed time while RSS and stored events are sampled, then every event must be stored.
//! API latency: a store prefilled with a month of sessions through `store::Store::insert`, then the API's
//! top-N, attacker and session-search queries timed one at a time. Writes `target/bench-server.{md,json}`.

mod apiary;
pub(crate) mod gen;
mod ingest;
mod latency;
mod prefill;
mod report;

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Instant;

use anyhow::{bail, Context, Result};

use crate::common::{binary_age, loadavg, raise_nofile, workspace_root};
use apiary::{Backend, Pg, Server, Setup};
use gen::IpPool;
use report::Report;

/// Which backends to run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Backends {
    /// SQLite only.
    Sqlite,
    /// PostgreSQL only (127.0.0.1:5432, user postgres).
    Postgres,
    /// Both, SQLite first.
    Both,
}

/// Options of `bench server`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The apiary binary [default: <workspace>/target/release/apiary, or $CARGO_TARGET_DIR/release/apiary].
    #[arg(long, value_name = "PATH")]
    apiary: Option<PathBuf>,
    /// Store backend(s) to measure.
    #[arg(long, value_enum, default_value_t = Backends::Both)]
    backend: Backends,
    /// Seconds the ingest run publishes for.
    #[arg(long, default_value_t = 60.0)]
    seconds: f64,
    /// Publisher connections in the ingest run.
    #[arg(long, default_value_t = 4, value_parser = clap::value_parser!(u32).range(1..=256))]
    publishers: u32,
    /// Sessions prefilled before the API latency run.
    #[arg(long, default_value_t = 10_000_000, value_parser = clap::value_parser!(u64).range(1..))]
    sessions: u64,
    /// Timed requests per API query.
    #[arg(long, default_value_t = 200, value_parser = clap::value_parser!(u64).range(1..=100_000))]
    requests: u64,
    /// Untimed warm-up requests per API query.
    #[arg(long, default_value_t = 20)]
    warmup: u64,
    /// Skip the ingest run.
    #[arg(long)]
    skip_ingest: bool,
    /// Skip the prefill and API latency run.
    #[arg(long)]
    skip_api: bool,
    /// Keep the prefilled stores in DIR (PostgreSQL: database `apiary_bench_keep`) and reuse them on later runs
    /// with the same --sessions, so query changes can be measured without another prefill.
    #[arg(long, value_name = "DIR")]
    keep: Option<PathBuf>,
    /// `[store] pg_writers` for the server under test (PostgreSQL's concurrent batch writers) [default: the
    /// server's own default].
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u32).range(1..=16))]
    pg_writers: Option<u32>,
    /// Port of the PostgreSQL server on 127.0.0.1 (another than 5432 for a private one, e.g. with
    /// `pg_stat_statements` loaded to time each statement).
    #[arg(long, default_value_t = 5432)]
    pg_port: u16,
    /// Where to write the Markdown report (JSON beside it) [default: <target>/bench-server.md].
    #[arg(long, value_name = "FILE")]
    out: Option<PathBuf>,
}

impl Args {
    fn target(&self) -> PathBuf {
        std::env::var_os("CARGO_TARGET_DIR").map_or_else(|| workspace_root().join("target"), PathBuf::from)
    }

    fn pg(&self) -> Pg {
        Pg {
            port: self.pg_port,
            writers: self.pg_writers,
        }
    }

    fn backends(&self) -> Vec<Backend> {
        match self.backend {
            Backends::Sqlite => vec![Backend::Sqlite],
            Backends::Postgres => vec![Backend::Postgres],
            Backends::Both => vec![Backend::Sqlite, Backend::Postgres],
        }
    }
}

/// Runs the benchmark; `Ok(false)` when events were lost or a part failed.
pub async fn run(args: Args) -> Result<bool> {
    if !(args.seconds > 0.0 && args.seconds <= 3600.0) {
        bail!("--seconds must be in (0, 3600]");
    }
    let apiary = args
        .apiary
        .clone()
        .unwrap_or_else(|| args.target().join("release").join("apiary"));
    if !apiary.is_file() {
        bail!(
            "{} not found: build it first with `cargo build --release -p apiary`",
            apiary.display()
        );
    }
    let _ = raise_nofile();
    let started = Instant::now();
    let mut rep = Report::default();
    rep.header.push((
        "apiary".into(),
        format!("{} ({})", apiary.display(), binary_age(&apiary)),
    ));
    rep.header.push((
        "cores".into(),
        std::thread::available_parallelism().map_or(0, |n| n.get()).to_string(),
    ));
    rep.header.push(("load average at start".into(), loadavg()));
    rep.header.push((
        "options".into(),
        format!(
            "--seconds {} --publishers {} --sessions {} --requests {} --warmup {}{}{}",
            args.seconds,
            args.publishers,
            args.sessions,
            args.requests,
            args.warmup,
            args.pg_writers
                .map(|n| format!(" --pg-writers {n}"))
                .unwrap_or_default(),
            if args.pg_port == 5432 {
                String::new()
            } else {
                format!(" --pg-port {}", args.pg_port)
            }
        ),
    ));

    for b in args.backends() {
        if !args.skip_ingest {
            eprintln!("ingest on {}: publishing for {} s ...", b.name(), args.seconds);
            match ingest::run(&apiary, b, args.seconds, args.publishers as usize, args.pg()).await {
                Ok(i) => {
                    eprintln!(
                        "  published {} stored {} lost {}: {:.0} events/s; RSS idle {:.1} MiB, max {:.1} MiB",
                        i.published, i.stored, i.lost, i.sustained_per_s, i.rss_idle_mib, i.rss_max_mib
                    );
                    rep.ingest.push(i);
                }
                Err(e) => rep.errors.push(format!("ingest on {}: {e:#}", b.name())),
            }
        }
        if !args.skip_api {
            if let Err(e) = api_run(&apiary, b, &args, &mut rep).await {
                rep.errors.push(format!("API latency on {}: {e:#}", b.name()));
            }
        }
    }

    rep.header.push(("load average at end".into(), loadavg()));
    rep.header
        .push(("elapsed".into(), format!("{:.0} s", started.elapsed().as_secs_f64())));
    let md = rep.markdown();
    println!("{md}");
    let out = args
        .out
        .clone()
        .unwrap_or_else(|| args.target().join("bench-server.md"));
    write(&out, &md, &rep)?;
    eprintln!("wrote {} and .json", out.display());
    Ok(rep.clean())
}

/// Prefills a fresh store on `b`, starts the server on it and times the API queries.
async fn api_run(apiary: &Path, b: Backend, args: &Args, rep: &mut Report) -> Result<()> {
    let setup = Setup::new(b, "api", args.keep.as_deref(), args.pg()).await?;
    let r = async {
        let key = setup.credentials(apiary).await?;
        let pool = Arc::new(IpPool::new(1_000_000, 0, 11));
        let marker = setup.dir().join("prefill.json");
        let done: Option<prefill::Prefill> = std::fs::read(&marker)
            .ok()
            .and_then(|b| serde_json::from_slice(&b).ok())
            .filter(|p: &prefill::Prefill| args.keep.is_some() && p.sessions == args.sessions && !p.cut_short);
        let p = match done {
            Some(mut p) => {
                eprintln!(
                    "reusing the prefill in {} ({} sessions)",
                    setup.dir().display(),
                    p.sessions
                );
                p.reused = true;
                p
            }
            None => {
                eprintln!("prefill on {}: {} sessions ...", b.name(), args.sessions);
                let p = prefill::run(&setup, pool.clone(), args.sessions).await?;
                if args.keep.is_some() {
                    let text = serde_json::to_vec(&p).context("serializing the prefill record")?;
                    std::fs::write(&marker, text).with_context(|| format!("writing {}", marker.display()))?;
                }
                p
            }
        };
        eprintln!(
            "  {} sessions, {} events in {:.1} s: {:.0} events/s",
            p.sessions, p.events, p.secs, p.events_per_s
        );
        rep.prefill.push(p);
        let mut server = Server::start(apiary, &setup, &key).await?;
        eprintln!("API latency on {} ...", b.name());
        let lat = latency::run(&server.api, pool, args.warmup as usize, args.requests as usize).await;
        server.check_alive()?;
        server.stop().await?;
        rep.latency.push((b.name(), lat));
        Ok::<_, anyhow::Error>(())
    }
    .await;
    let c = setup.cleanup().await;
    r?;
    c
}

/// Writes the Markdown report and its JSON twin.
fn write(out: &Path, md: &str, rep: &Report) -> Result<()> {
    if let Some(dir) = out.parent() {
        std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    }
    std::fs::write(out, md).with_context(|| format!("writing {}", out.display()))?;
    let json = out.with_extension("json");
    let text = serde_json::to_string_pretty(&rep.json()).context("serializing the report")?;
    std::fs::write(&json, text).with_context(|| format!("writing {}", json.display()))
}

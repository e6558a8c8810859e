//! `bench ssh`: our SSH honeypot (`apiary sensor`) against Cowrie 3.1.4 under the same load, alternating the two
//! round by round on freshly started honeypots; prints medians, ratios and the targets, and writes them to
//! `target/bench-ssh.md` and `target/bench-ssh.json`.

mod client;
mod peers;
mod report;
mod scenarios;

use std::path::PathBuf;
use std::time::{Duration, Instant};

use anyhow::{bail, Result};

use crate::common::{binary_age, loadavg, workspace_root};
use peers::{Honeypot, Kind, Paths};
use report::{Report, Run};

/// Options of `bench ssh`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The apiary binary [default: <workspace>/target/release/apiary, or $CARGO_TARGET_DIR/release/apiary].
    #[arg(long, value_name = "PATH")]
    apiary: Option<PathBuf>,
    /// Virtualenv for Cowrie, created with `pip install cowrie==3.1.4` if missing
    /// [default: <target>/bench-peers/cowrie-venv].
    #[arg(long, value_name = "PATH")]
    cowrie_venv: Option<PathBuf>,
    /// Run one honeypot only.
    #[arg(long, value_enum)]
    only: Option<Kind>,
    /// Repetitions of the throughput and latency runs per honeypot; the table shows medians.
    #[arg(long, default_value_t = 3, value_parser = clap::value_parser!(u32).range(1..=20))]
    reps: u32,
    /// Login cycles per throughput run (each: connect, KEX, password auth, open a session channel, close).
    #[arg(long, default_value_t = 1000, value_parser = clap::value_parser!(u64).range(1..=1_000_000))]
    logins: u64,
    /// Concurrent clients in the throughput run.
    #[arg(long, default_value_t = 50, value_parser = clap::value_parser!(u64).range(1..=1000))]
    clients: u64,
    /// Longest a throughput run may take, in seconds (the rate counts what completed).
    #[arg(long, default_value_t = 30, value_parser = clap::value_parser!(u64).range(1..=600))]
    login_secs: u64,
    /// Interactive sessions held open in the RSS scenario.
    #[arg(long, default_value_t = 2000, value_parser = clap::value_parser!(u64).range(1..=10_000))]
    sessions: u64,
    /// Longest opening the RSS scenario's sessions may take, in seconds (the table says how many were reached).
    #[arg(long, default_value_t = 240, value_parser = clap::value_parser!(u64).range(1..=1200))]
    open_secs: u64,
    /// `uname -a` round trips per session in the latency runs.
    #[arg(long, default_value_t = 2000, value_parser = clap::value_parser!(u64).range(1..=100_000))]
    round_trips: u64,
    /// Concurrent sessions in the second latency run (the first uses one session).
    #[arg(long, default_value_t = 10, value_parser = clap::value_parser!(u64).range(1..=200))]
    latency_sessions: u64,
    /// Memory cap for a honeypot in the RSS scenario, in MiB: its 1 KB writes stop when it passes this (or when
    /// the machine has less than 4 GiB available), and the table says how many sessions wrote.
    #[arg(long, default_value_t = 12288, value_parser = clap::value_parser!(u64).range(64..=1_048_576))]
    max_rss_mib: u64,
    /// Time budget of the RSS scenario's write phase, in seconds (Cowrie takes ~0.5 s per write, one at a time);
    /// the table says how many sessions wrote.
    #[arg(long, default_value_t = 120, value_parser = clap::value_parser!(u64).range(1..=3600))]
    write_secs: u64,
    /// Smoke test in well under a minute: 1 rep, 200 logins, 20 sessions, 200 round trips.
    #[arg(long)]
    quick: bool,
    /// Where to write the Markdown and JSON reports [default: <target>/bench-ssh.{md,json}].
    #[arg(long, value_name = "PATH")]
    out: Option<PathBuf>,
}

/// The sizes of one benchmark, after `--quick`.
#[derive(Debug, Clone, Copy)]
pub struct Sizes {
    /// Repetitions of throughput and latency.
    pub reps: u32,
    /// Logins per throughput run.
    pub logins: u64,
    /// Concurrent login clients.
    pub clients: usize,
    /// Time bound of a throughput run.
    pub login_secs: u64,
    /// Sessions in the RSS scenario.
    pub sessions: usize,
    /// Time bound for opening them.
    pub open_secs: u64,
    /// Round trips per latency session.
    pub round_trips: usize,
    /// Sessions of the concurrent latency run.
    pub latency_sessions: usize,
    /// Memory cap of the write phase, MiB.
    pub max_rss_mib: u64,
    /// Time bound of the write phase.
    pub write_secs: u64,
}

impl Args {
    fn target(&self) -> PathBuf {
        std::env::var_os("CARGO_TARGET_DIR").map_or_else(|| workspace_root().join("target"), PathBuf::from)
    }

    fn paths(&self) -> Paths {
        let target = self.target();
        Paths {
            apiary: self
                .apiary
                .clone()
                .unwrap_or_else(|| target.join("release").join("apiary")),
            venv: self
                .cowrie_venv
                .clone()
                .unwrap_or_else(|| target.join("bench-peers").join("cowrie-venv")),
        }
    }

    fn sizes(&self) -> Sizes {
        if self.quick {
            return Sizes {
                reps: 1,
                logins: 200,
                clients: 50,
                login_secs: 10,
                sessions: 20,
                open_secs: 20,
                round_trips: 200,
                latency_sessions: 5,
                max_rss_mib: self.max_rss_mib,
                write_secs: 8,
            };
        }
        Sizes {
            reps: self.reps,
            logins: self.logins,
            clients: self.clients as usize,
            login_secs: self.login_secs,
            sessions: self.sessions as usize,
            open_secs: self.open_secs,
            round_trips: self.round_trips as usize,
            latency_sessions: self.latency_sessions as usize,
            max_rss_mib: self.max_rss_mib,
            write_secs: self.write_secs,
        }
    }
}

/// One throughput + latency repetition on a fresh honeypot.
async fn one_rep(kind: Kind, paths: &Paths, z: &Sizes) -> Run {
    let mut run = Run::default();
    let mut h = match Honeypot::start(kind, paths, z.latency_sessions + z.clients + 16).await {
        Ok(h) => h,
        Err(e) => {
            run.errors.push(format!("{e:#}"));
            return run;
        }
    };
    let _ = client::take_negotiated();
    let (cpu0, self0) = (h.cpu_secs(), crate::common::self_cpu_secs());
    let mut l = scenarios::logins(h.addr, z.logins, z.clients, Duration::from_secs(z.login_secs)).await;
    l.server_cpu = h.cpu_secs() - cpu0;
    l.client_cpu = crate::common::self_cpu_secs() - self0;
    l.negotiated = client::take_negotiated();
    eprintln!(
        "  {kind:<6} logins: {} ok, {} failed in {:.2} s = {:.1}/s; cpu {:.2} s honeypot, {:.2} s client; {}",
        l.done,
        l.failed,
        l.elapsed.as_secs_f64(),
        l.rate(),
        l.server_cpu,
        l.client_cpu,
        l.negotiated
    );
    run.errors.extend(l.errors.iter().take(2).cloned());
    run.logins = Some(l);
    let budget = Duration::from_secs(120);
    let one = scenarios::latency(h.addr, 1, z.round_trips, budget).await;
    let many = scenarios::latency(
        h.addr,
        z.latency_sessions,
        z.round_trips / z.latency_sessions.max(1),
        budget,
    )
    .await;
    for (name, l) in [("1 session", &one), ("concurrent", &many)] {
        eprintln!(
            "  {kind:<6} uname -a ({name}): p50 {:.0} µs, p99 {:.0} µs over {} round trips",
            scenarios::quantile(&l.samples, 0.5).unwrap_or(0) as f64 / 1e3,
            scenarios::quantile(&l.samples, 0.99).unwrap_or(0) as f64 / 1e3,
            l.samples.len()
        );
        run.errors.extend(l.errors.iter().take(2).cloned());
    }
    run.latency_one = Some(one);
    run.latency_many = Some(many);
    if let Err(e) = h.check_alive() {
        run.errors.push(format!("{e:#}"));
    }
    if let Err(e) = h.stop().await {
        run.errors.push(format!("{e:#}"));
    }
    run
}

/// The session-memory scenario on a fresh honeypot.
async fn memory_run(kind: Kind, paths: &Paths, z: &Sizes) -> Result<scenarios::Memory> {
    let mut h = Honeypot::start(kind, paths, z.sessions + 16).await?;
    let m = scenarios::memory(
        &h,
        z.sessions,
        Duration::from_secs(z.open_secs),
        Duration::from_secs(z.write_secs),
        z.max_rss_mib * 1024,
    )
    .await;
    let alive = h.check_alive();
    let _ = h.stop().await;
    let m = m?;
    alive?;
    Ok(m)
}

/// Runs the benchmark; `Ok(false)` when a run of ours failed.
pub async fn run(args: Args) -> Result<bool> {
    let z = args.sizes();
    let paths = args.paths();
    let nofile = crate::common::raise_nofile()?;
    // Each session is a socket here and one in the honeypot (which inherits the limit), plus slack.
    if (nofile as usize) < z.sessions + 512 {
        bail!(
            "RLIMIT_NOFILE hard limit is {nofile}, too low for {} sessions",
            z.sessions
        );
    }
    let kinds = match args.only {
        Some(k) => vec![k],
        None => vec![Kind::Apiary, Kind::Cowrie],
    };
    for &k in &kinds {
        paths.prepare(k).await?;
    }
    let age = binary_age(&paths.apiary);
    let mut rep = Report::new(z, &paths, age, loadavg());
    eprintln!("{}", rep.header());
    let started = Instant::now();
    for r in 1..=z.reps {
        // Alternate who goes first, so neither always runs on a warmer machine.
        let mut order = kinds.clone();
        if r % 2 == 0 {
            order.reverse();
        }
        for &k in &order {
            eprintln!("rep {r}/{} {k}", z.reps);
            let run = one_rep(k, &paths, &z).await;
            for e in &run.errors {
                eprintln!("    error: {e}");
            }
            rep.add(k, run);
        }
    }
    for &k in &kinds {
        eprintln!("memory {k}: {} interactive sessions", z.sessions);
        let m = memory_run(k, &paths, &z).await;
        match &m {
            Ok(m) => {
                eprintln!(
                    "  {k:<6} reached {}/{} in {:.1} s, {} wrote in {:.1} s{}; RSS KiB baseline {} idle {} written {} \
                     closed {}; check: {}",
                    m.reached,
                    m.wanted,
                    m.open_secs,
                    m.wrote,
                    m.write_secs,
                    m.stopped
                        .as_ref()
                        .map_or_else(String::new, |w| format!(" (stopped: {w})")),
                    m.baseline,
                    m.idle,
                    m.written,
                    m.closed,
                    m.check
                );
                for e in &m.errors {
                    eprintln!("    error: {e}");
                }
            }
            Err(e) => eprintln!("    error: {e:#}"),
        }
        rep.set_memory(k, m.map_err(|e| format!("{e:#}")));
    }
    rep.finish(started.elapsed(), loadavg());
    let md = rep.markdown();
    print!("{md}");
    let out = args.out.clone().unwrap_or_else(|| args.target().join("bench-ssh.md"));
    let json = out.with_extension("json");
    std::fs::write(&out, &md).map_err(|e| anyhow::anyhow!("writing {}: {e}", out.display()))?;
    std::fs::write(&json, rep.json().to_string()).map_err(|e| anyhow::anyhow!("writing {}: {e}", json.display()))?;
    println!("\nwritten: {} and {}", out.display(), json.display());
    Ok(!rep.apiary_failed())
}

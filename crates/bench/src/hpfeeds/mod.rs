//! `bench hpfeeds`: our broker against the Python reference (hpfeeds 3.1.0), scenario by scenario, round by round,
//! each run on a freshly started broker on a free loopback port; prints medians, ratios and the targets.
//!
//! The crate `hpfeeds` (wire format) is spelled `::hpfeeds` in this module tree to keep it apart from this module.

mod brokers;
pub mod floor;
pub mod loadgen;
mod payload;
mod report;
mod scenarios;

use std::path::PathBuf;
use std::time::{Duration, Instant};

use anyhow::{bail, Result};

use crate::common::{binary_age, loadavg, workspace_root};
use brokers::{Broker, BrokerKind, BrokerPaths};
use payload::{PayloadSpec, MIN_PAYLOAD};
use report::Results;
use scenarios::{Outcome, Scenario, Settings};

/// Options of `bench hpfeeds`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The apiary binary [default: <workspace>/target/release/apiary, or $CARGO_TARGET_DIR/release/apiary].
    #[arg(long, value_name = "PATH")]
    apiary: Option<PathBuf>,
    /// Virtualenv with the reference broker (bin/hpfeeds-broker) [default: <workspace>/.venv].
    #[arg(long, value_name = "PATH")]
    python_venv: Option<PathBuf>,
    /// Rounds per scenario and broker; the table shows medians.
    #[arg(long, default_value_t = 3, value_parser = clap::value_parser!(u32).range(1..))]
    rounds: u32,
    /// Run one broker only.
    #[arg(long, value_enum)]
    only: Option<BrokerKind>,
    /// Run only these scenarios (repeatable) [default: all].
    #[arg(long, value_enum)]
    scenario: Vec<Scenario>,
    /// Messages per throughput run on apiary (1→1 and N→1 total; fan-out delivers twice this).
    #[arg(long, default_value_t = 1_000_000, value_parser = clap::value_parser!(u64).range(1..))]
    messages: u64,
    /// Messages per throughput run on the (much slower) Python broker.
    #[arg(long, default_value_t = 100_000, value_parser = clap::value_parser!(u64).range(1..))]
    python_messages: u64,
    /// Smallest payload in bytes.
    #[arg(long, default_value_t = 100)]
    payload_min: usize,
    /// Largest payload in bytes.
    #[arg(long, default_value_t = 200)]
    payload_max: usize,
    /// Subscribers in the fan-out scenario.
    #[arg(long, default_value_t = 10, value_parser = clap::value_parser!(u32).range(1..))]
    subscribers: u32,
    /// Publishers in the fan-in scenario.
    #[arg(long, default_value_t = 50, value_parser = clap::value_parser!(u32).range(1..))]
    publishers: u32,
    /// Messages per second in the latency scenario.
    #[arg(long, default_value_t = 10_000.0)]
    latency_rate: f64,
    /// Seconds the latency scenario publishes for (the first tenth is warm-up).
    #[arg(long, default_value_t = 5.0)]
    latency_secs: f64,
    /// Idle authenticated connections in the RSS scenario.
    #[arg(long, default_value_t = 1000)]
    idle_conns: usize,
    /// Seconds without a byte after which a run counts as stalled (its missing messages as lost).
    #[arg(long, default_value_t = 10.0)]
    stall_secs: f64,
    /// Longest a single scenario run may take, in seconds.
    #[arg(long, default_value_t = 120.0)]
    max_secs: f64,
}

impl Args {
    fn paths(&self) -> BrokerPaths {
        let root = workspace_root();
        let target = std::env::var_os("CARGO_TARGET_DIR").map_or_else(|| root.join("target"), PathBuf::from);
        BrokerPaths {
            apiary: self
                .apiary
                .clone()
                .unwrap_or_else(|| target.join("release").join("apiary")),
            python_venv: self.python_venv.clone().unwrap_or_else(|| root.join(".venv")),
        }
    }

    fn settings(&self) -> Result<Settings> {
        if self.payload_min < MIN_PAYLOAD || self.payload_max < self.payload_min {
            bail!("payload sizes must satisfy {MIN_PAYLOAD} <= --payload-min <= --payload-max");
        }
        if self.payload_max > 64 * 1024 {
            bail!("--payload-max above 64 KiB is not a broker benchmark this tool is sized for");
        }
        if !(self.latency_rate > 0.0 && self.latency_secs > 0.0 && self.stall_secs > 0.0 && self.max_secs > 0.0) {
            bail!("--latency-rate, --latency-secs, --stall-secs and --max-secs must be positive");
        }
        Ok(Settings {
            spec: PayloadSpec {
                min: self.payload_min,
                max: self.payload_max,
            },
            subscribers: self.subscribers,
            publishers: self.publishers,
            latency_rate: self.latency_rate,
            latency_secs: self.latency_secs,
            idle_conns: self.idle_conns,
            stall: Duration::from_secs_f64(self.stall_secs),
            max: Duration::from_secs_f64(self.max_secs),
        })
    }
}

/// First line of /proc/cpuinfo's model name, for the report header.
fn cpu_model() -> String {
    std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|s| {
            s.lines().find_map(|l| {
                l.strip_prefix("model name")
                    .map(|v| v.trim_start_matches([' ', '\t', ':']).to_string())
            })
        })
        .unwrap_or_else(|| "unknown CPU".into())
}

/// Starts a fresh broker, runs one scenario, stops the broker; every failure lands in the outcome.
async fn run_one(sc: Scenario, kind: BrokerKind, paths: &BrokerPaths, s: &Settings, messages: u64) -> Outcome {
    let mut broker = match Broker::start(kind, paths).await {
        Ok(b) => b,
        Err(e) => return Outcome::failed(format!("{e:#}")),
    };
    let mut out = scenarios::run(sc, &broker, s, messages)
        .await
        .unwrap_or_else(|e| Outcome::failed(format!("{e:#}")));
    if let Err(e) = broker.check_alive() {
        out.errors.push(format!("{e:#}"));
    }
    if let Err(e) = broker.stop().await {
        out.errors.push(format!("{e:#}"));
    }
    out
}

/// One progress line for stderr.
fn progress(round: u32, sc: Scenario, kind: BrokerKind, o: &Outcome) -> String {
    let mut line = format!("round {round} {sc:<11} {kind:<6} ");
    if let Some(l) = o.latency {
        line += &format!(
            "p50 {:.0} µs, p99 {:.0} µs, max {:.0} µs ({} samples at {:.0}/s)",
            l.p50 as f64 / 1e3,
            l.p99 as f64 / 1e3,
            l.max as f64 / 1e3,
            l.samples,
            l.sent_rate
        );
    } else if let Some(r) = o.rss_kib {
        line += &format!(
            "VmRSS {:.1} MiB (idle {:.1} MiB)",
            r as f64 / 1024.0,
            o.rss_base_kib.unwrap_or(0) as f64 / 1024.0
        );
    } else if let Some(r) = o.rate {
        line += &format!(
            "{r:.0}/s ({} deliveries in {:.2} s",
            o.delivered,
            o.elapsed.as_secs_f64()
        );
        if let Some((b, k)) = o.cpu {
            line += &format!("; cpu: bench {b:.2} s, broker {k:.2} s");
        }
        line += ")";
    } else {
        line += "no figure";
    }
    if o.expected > 0 {
        line += &format!(
            ", lost {} dup {} reordered {} corrupt {}",
            o.lost, o.dup, o.reordered, o.corrupt
        );
    }
    for e in o.errors.iter().take(3) {
        line += &format!("\n    error: {e}");
    }
    line
}

/// Runs the benchmark; `Ok(false)` when our broker lost, duplicated, reordered or corrupted anything.
pub async fn run(args: Args) -> Result<bool> {
    let settings = args.settings()?;
    let paths = args.paths();
    let nofile = crate::common::raise_nofile()?;
    let kinds = match args.only {
        Some(k) => vec![k],
        None => vec![BrokerKind::Apiary, BrokerKind::Python],
    };
    for &k in &kinds {
        paths.check(k).await?;
    }
    let mut scenarios = if args.scenario.is_empty() {
        Scenario::ALL.to_vec()
    } else {
        args.scenario.clone()
    };
    scenarios.sort();
    scenarios.dedup();
    if scenarios.contains(&Scenario::IdleRss) && (nofile as usize) < settings.idle_conns + 256 {
        bail!(
            "RLIMIT_NOFILE hard limit is {nofile}, too low for {} idle connections",
            settings.idle_conns
        );
    }

    println!("hpfeeds broker benchmark: apiary vs python reference (hpfeeds 3.1.0)");
    println!(
        "machine: {} cores, {}; rounds: {}; brokers: {}",
        std::thread::available_parallelism().map_or(0, |n| n.get()),
        cpu_model(),
        args.rounds,
        kinds.iter().map(|k| k.to_string()).collect::<Vec<_>>().join(", ")
    );
    // Others rebuild the broker while we measure: show how fresh the binary is.
    let age = binary_age(&paths.apiary);
    println!(
        "apiary: {} ({age})\npython: {}",
        paths.apiary.display(),
        paths.python_venv.join("bin/hpfeeds-broker").display()
    );
    println!(
        "throughput messages per run: apiary {}, python {} (fan-out delivers 2×); payload {}–{} B; \
         latency {} msg/s for {} s; {} idle connections",
        args.messages,
        args.python_messages,
        settings.spec.min,
        settings.spec.max,
        settings.latency_rate,
        settings.latency_secs,
        settings.idle_conns
    );

    let load_start = loadavg();
    let started = Instant::now();
    let mut results = Results::default();
    for round in 1..=args.rounds {
        for &sc in &scenarios {
            // Alternate which broker goes first, so neither always runs on a warmer machine.
            let mut order = kinds.clone();
            if round % 2 == 0 {
                order.reverse();
            }
            for kind in order {
                let messages = match kind {
                    BrokerKind::Apiary | BrokerKind::Floor => args.messages,
                    BrokerKind::Python => args.python_messages,
                };
                let o = run_one(sc, kind, &paths, &settings, messages).await;
                eprintln!("{}", progress(round, sc, kind, &o));
                results.add(sc, kind, o);
            }
            // The machine's own floor, measured in the same round, so a latency figure can be read against it.
            if sc == Scenario::Latency {
                let o = run_one(sc, BrokerKind::Floor, &paths, &settings, args.messages).await;
                eprintln!("{}", progress(round, sc, BrokerKind::Floor, &o));
                results.add(sc, BrokerKind::Floor, o);
            }
        }
    }
    println!(
        "\nfinished in {:.0} s; load average at start {load_start}, at end {}\n",
        started.elapsed().as_secs_f64(),
        loadavg()
    );
    print!("{}", results.render(&scenarios, &settings));
    let ok = !results.apiary_failed();
    if !ok {
        println!("\nFAIL: apiary lost, duplicated, reordered or corrupted messages, or a run failed (see above)");
    }
    Ok(ok)
}

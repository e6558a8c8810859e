//! The scenarios: throughput (1→1, 1→N fan-out, N→1 fan-in), latency at a fixed rate, and broker memory with
//! many idle authenticated connections. Each runs against one freshly started broker and yields an [`Outcome`].

use std::fmt;
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{anyhow, Context, Result};
use clap::ValueEnum;
use tokio::sync::watch;
use tokio::task::JoinSet;

use super::brokers::Broker;
use super::loadgen::{self, Limits, Phase, Shared, CHANNEL, IDENT};
use super::payload::{PayloadSpec, Receiver};
use super::report::percentile;

/// Handshake timeout for every bench connection.
const HANDSHAKE: Duration = Duration::from_secs(10);
/// How long subscribers may take to become visible to publishers.
const PROBE_TIMEOUT: Duration = Duration::from_secs(10);
/// How long publishers get to wind down after the subscribers finished.
const PUB_WIND_DOWN: Duration = Duration::from_secs(2);
/// Pause before reading RSS, so the broker finishes its per-connection work.
const RSS_SETTLE: Duration = Duration::from_millis(500);

/// One benchmark scenario.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, ValueEnum)]
pub enum Scenario {
    /// One publisher, one subscriber, as fast as the broker goes.
    OneToOne,
    /// One publisher, `--subscribers` subscribers (default 10): deliveries per second.
    FanOut,
    /// `--publishers` publishers (default 50), one subscriber.
    FanIn,
    /// 1→1 at a fixed rate (default 10k msg/s): latency p50/p99/max.
    Latency,
    /// Broker RSS holding `--idle-conns` (default 1,000) idle authenticated connections.
    IdleRss,
}

impl Scenario {
    /// Every scenario, in report order.
    pub const ALL: [Scenario; 5] = [
        Scenario::OneToOne,
        Scenario::FanOut,
        Scenario::FanIn,
        Scenario::Latency,
        Scenario::IdleRss,
    ];
}

impl fmt::Display for Scenario {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.to_possible_value().expect("no skipped variants").get_name())
    }
}

/// Knobs shared by all scenarios.
#[derive(Debug, Clone)]
pub struct Settings {
    /// Payload sizes.
    pub spec: PayloadSpec,
    /// Subscribers in the fan-out scenario.
    pub subscribers: u32,
    /// Publishers in the fan-in scenario.
    pub publishers: u32,
    /// Messages per second in the latency scenario.
    pub latency_rate: f64,
    /// Length of the latency scenario.
    pub latency_secs: f64,
    /// Idle connections in the RSS scenario.
    pub idle_conns: usize,
    /// Silence after which a run counts as stalled.
    pub stall: Duration,
    /// Longest a scenario may run.
    pub max: Duration,
}

/// Latency figures of one run, in ns.
#[derive(Debug, Clone, Copy)]
pub struct LatencyStats {
    /// Median.
    pub p50: u64,
    /// 99th percentile.
    pub p99: u64,
    /// Worst.
    pub max: u64,
    /// Messages measured (after warm-up).
    pub samples: u64,
    /// Achieved publish rate, messages per second.
    pub sent_rate: f64,
}

/// The result of one scenario run against one broker.
#[derive(Debug, Clone, Default)]
pub struct Outcome {
    /// Messages (or deliveries) per second, from start until the last message arrived.
    pub rate: Option<f64>,
    /// Deliveries expected.
    pub expected: u64,
    /// Distinct expected deliveries received.
    pub delivered: u64,
    /// Expected deliveries that never arrived.
    pub lost: u64,
    /// Extra copies received.
    pub dup: u64,
    /// Deliveries that arrived after a later message of the same publisher.
    pub reordered: u64,
    /// Damaged or unexpected messages.
    pub corrupt: u64,
    /// Latency figures (latency scenario).
    pub latency: Option<LatencyStats>,
    /// Broker RSS in KiB with the idle connections open (idle-rss scenario).
    pub rss_kib: Option<u64>,
    /// Broker RSS in KiB before opening them.
    pub rss_base_kib: Option<u64>,
    /// Failures: the run could not complete, the broker complained or died, a connection dropped.
    pub errors: Vec<String>,
    /// Wall time of the measured part.
    pub elapsed: Duration,
    /// CPU seconds used during the measured part by the bench and by the broker (throughput scenarios).
    pub cpu: Option<(f64, f64)>,
}

impl Outcome {
    /// An outcome for a run that could not be carried out.
    pub fn failed(err: String) -> Outcome {
        Outcome {
            errors: vec![err],
            ..Outcome::default()
        }
    }

    /// Whether every message arrived exactly once, in order and intact, with no errors.
    pub fn clean(&self) -> bool {
        self.lost + self.dup + self.reordered + self.corrupt == 0 && self.errors.is_empty()
    }
}

/// Adds `e` unless already present, so ten subscribers with one problem report it once.
fn push_unique(v: &mut Vec<String>, e: String) {
    if !v.contains(&e) {
        v.push(e);
    }
}

/// Runs `sc` against `broker`; `messages` sizes the throughput scenarios (1→1 and N→1 publish that many in total,
/// fan-out publishes `2 × messages / subscribers` so deliveries are twice `messages`).
pub async fn run(sc: Scenario, broker: &Broker, s: &Settings, messages: u64) -> Result<Outcome> {
    match sc {
        Scenario::OneToOne => throughput(broker, s, 1, 1, messages).await,
        Scenario::FanOut => {
            let per_pub = (2 * messages / u64::from(s.subscribers)).max(1);
            throughput(broker, s, 1, s.subscribers, per_pub).await
        }
        Scenario::FanIn => {
            let per_pub = (messages / u64::from(s.publishers)).max(1);
            throughput(broker, s, s.publishers, 1, per_pub).await
        }
        Scenario::Latency => latency(broker, s).await,
        Scenario::IdleRss => idle_rss(broker, s).await,
    }
}

/// `pubs` publishers each write `per_pub` pre-encoded messages at once; `subs` subscribers verify all of them.
async fn throughput(broker: &Broker, s: &Settings, pubs: u32, subs: u32, per_pub: u64) -> Result<Outcome> {
    let addr = broker.addr;
    let spec = s.spec;
    let bufs = tokio::task::spawn_blocking(move || {
        (0..pubs)
            .map(|p| loadgen::encode_run(&spec, p, per_pub))
            .collect::<Result<Vec<_>>>()
    })
    .await
    .context("pre-encoding task panicked")??;

    let shared = Shared::new();
    let deadline = Instant::now() + s.max;
    let lim = Limits {
        stall: s.stall,
        deadline,
    };
    let mut sub_set = JoinSet::new();
    for i in 0..subs {
        let mut c = loadgen::connect_auth(addr, HANDSHAKE)
            .await
            .with_context(|| format!("subscriber {i}"))?;
        loadgen::subscribe(&mut c, CHANNEL).await?;
        let rx = Receiver::new(spec, IDENT, CHANNEL, pubs, per_pub);
        sub_set.spawn(loadgen::run_subscriber(c, rx, shared.clone(), lim));
    }
    let mut conns = Vec::with_capacity(pubs as usize);
    for i in 0..pubs {
        conns.push(
            loadgen::connect_auth(addr, HANDSHAKE)
                .await
                .with_context(|| format!("publisher {i}"))?,
        );
    }
    loadgen::probe_until_seen(&mut conns[0], &shared, subs as usize, PROBE_TIMEOUT).await?;

    let (go, phase) = watch::channel(Phase::Wait);
    let mut pub_set = JoinSet::new();
    for (c, b) in conns.into_iter().zip(bufs) {
        pub_set.spawn(loadgen::run_publisher(c, b, phase.clone(), deadline));
    }
    let cpu0 = (crate::common::self_cpu_secs(), broker.cpu_secs().ok());
    shared.started.store(true, Ordering::Release);
    let t0 = Instant::now();
    go.send_replace(Phase::Go);

    let mut out = Outcome::default();
    let mut end = t0;
    while let Some(r) = sub_set.join_next().await {
        let rep = r.context("subscriber task panicked")?;
        let t = &rep.rx.tracker;
        out.expected += t.expected();
        out.delivered += t.unique;
        out.lost += t.lost();
        out.dup += t.dup;
        out.reordered += t.reordered;
        out.corrupt += t.corrupt;
        if let Some(at) = rep.done_at.or(rep.last_at) {
            end = end.max(at);
        }
        if sub_set.is_empty() {
            if let (Some(b0), Ok(b1)) = (cpu0.1, broker.cpu_secs()) {
                out.cpu = Some((crate::common::self_cpu_secs() - cpu0.0, b1 - b0));
            }
        }
        for e in rep.rx.errors {
            push_unique(&mut out.errors, format!("subscriber: {e}"));
        }
        if let Some(e) = rep.ended_early {
            push_unique(
                &mut out.errors,
                format!("subscriber: {e} ({} of {} received)", t.unique, t.expected()),
            );
        }
    }
    go.send_replace(Phase::Stop);
    let wind_down = tokio::time::timeout(PUB_WIND_DOWN, async {
        while let Some(r) = pub_set.join_next().await {
            match r {
                Ok(rep) => rep
                    .errors
                    .into_iter()
                    .for_each(|e| push_unique(&mut out.errors, format!("publisher: {e}"))),
                Err(e) => push_unique(&mut out.errors, format!("publisher task failed: {e}")),
            }
        }
    })
    .await;
    if wind_down.is_err() {
        push_unique(
            &mut out.errors,
            "publisher still blocked writing after the subscribers finished".into(),
        );
    }
    out.elapsed = end.saturating_duration_since(t0);
    if out.delivered > 0 && !out.elapsed.is_zero() {
        out.rate = Some(out.delivered as f64 / out.elapsed.as_secs_f64());
    }
    Ok(out)
}

/// 1→1 at a fixed rate: a paced publisher and a subscriber on blocking threads; latency = receive time minus the
/// timestamp written into the payload right before its `write`.
async fn latency(broker: &Broker, s: &Settings) -> Result<Outcome> {
    let n = ((s.latency_rate * s.latency_secs) as u64).max(1);
    let warmup = n / 10;
    let spec = s.spec;
    let shared = Shared::new();
    let lim = Limits {
        stall: s.stall,
        deadline: Instant::now() + s.max,
    };
    let mut sub = loadgen::connect_auth(broker.addr, HANDSHAKE)
        .await
        .context("latency subscriber")?;
    loadgen::subscribe(&mut sub, CHANNEL).await?;
    let sub = sub.into_std().context("unwrapping the subscriber socket")?;
    sub.set_nonblocking(false)?;
    let rx = Receiver::new(spec, IDENT, CHANNEL, 1, n).with_latency(warmup);
    let sub_shared = shared.clone();
    let sub_thread = std::thread::Builder::new()
        .name("latency-sub".into())
        .spawn(move || loadgen::run_subscriber_blocking(sub, rx, sub_shared, lim))
        .context("spawning the subscriber thread")?;

    let mut publ = loadgen::connect_auth(broker.addr, HANDSHAKE)
        .await
        .context("latency publisher")?;
    loadgen::probe_until_seen(&mut publ, &shared, 1, PROBE_TIMEOUT).await?;
    let mut publ = publ.into_std().context("unwrapping the publisher socket")?;
    publ.set_nonblocking(false)?;
    shared.started.store(true, Ordering::Release);
    let t0 = Instant::now();
    let (rate, pub_shared) = (s.latency_rate, Arc::clone(&shared));
    let (publ, paced) = tokio::task::spawn_blocking(move || {
        let r = loadgen::paced_publish(&mut publ, &spec, n, rate, &pub_shared, &lim);
        (publ, r)
    })
    .await
    .context("paced publisher panicked")?;
    let rep = tokio::task::spawn_blocking(move || sub_thread.join())
        .await
        .context("joining the subscriber")?
        .map_err(|_| anyhow!("latency subscriber panicked"))?;
    drop(publ);

    let t = &rep.rx.tracker;
    let mut out = Outcome {
        expected: t.expected(),
        delivered: t.unique,
        lost: t.lost(),
        dup: t.dup,
        reordered: t.reordered,
        corrupt: t.corrupt,
        elapsed: rep.done_at.or(rep.last_at).unwrap_or(t0).saturating_duration_since(t0),
        ..Outcome::default()
    };
    out.errors
        .extend(rep.rx.errors.iter().map(|e| format!("subscriber: {e}")));
    if let Some(e) = &rep.ended_early {
        out.errors
            .push(format!("subscriber: {e} ({} of {} received)", t.unique, t.expected()));
    }
    let paced = match paced {
        Ok(p) => Some(p),
        Err(e) => {
            out.errors.push(format!("publisher: {e:#}"));
            None
        }
    };
    let mut lat = rep.rx.latencies.unwrap_or_default();
    lat.sort_unstable();
    if !lat.is_empty() {
        out.latency = Some(LatencyStats {
            p50: percentile(&lat, 50.0),
            p99: percentile(&lat, 99.0),
            max: *lat.last().expect("non-empty"),
            samples: lat.len() as u64,
            sent_rate: paced.map_or(0.0, |p| p.rate),
        });
        out.rate = paced.map(|p| p.rate);
    }
    Ok(out)
}

/// Opens `idle_conns` authenticated connections, confirms the broker is still serving, and reads its RSS.
async fn idle_rss(broker: &Broker, s: &Settings) -> Result<Outcome> {
    let base = broker.rss_kib()?;
    let t0 = Instant::now();
    let conns = loadgen::open_idle(broker.addr, s.idle_conns, 50, HANDSHAKE).await?;
    // A fresh round trip shows the broker still delivers with all of them open.
    loadgen::round_trip(broker.addr, PROBE_TIMEOUT)
        .await
        .context("round trip with the idle connections open")?;
    tokio::time::sleep(RSS_SETTLE).await;
    let dead = loadgen::count_dead(&conns);
    let rss = broker.rss_kib()?;
    let mut out = Outcome {
        rss_kib: Some(rss),
        rss_base_kib: Some(base),
        elapsed: t0.elapsed(),
        ..Outcome::default()
    };
    if dead > 0 {
        out.errors.push(format!(
            "{dead} of {} idle connections were closed or sent an ERROR",
            conns.len()
        ));
    }
    Ok(out)
}

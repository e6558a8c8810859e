//! The three measurements: login throughput, `uname -a` round-trip latency, and RSS per interactive session.
//! Every loop is bounded in count and in time.

use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::Result;
use tokio::sync::Semaphore;
use tokio::task::JoinSet;

use super::client::{self, Shell};
use super::peers::Honeypot;

/// Longest one login cycle or one shell setup may take.
const OP_LIMIT: Duration = Duration::from_secs(60);
/// Longest one command round trip may take.
const CMD_LIMIT: Duration = Duration::from_secs(30);
/// Most errors kept per run, for the report.
const MAX_ERRORS: usize = 5;
/// Concurrent session setups / writes / closes in the RSS scenario.
const SETUP_CONCURRENCY: usize = 50;

/// Result of the login throughput run.
#[derive(Debug, Clone, Default)]
pub struct Logins {
    /// Completed login cycles.
    pub done: u64,
    /// Failed login cycles.
    pub failed: u64,
    /// Wall time of the run.
    pub elapsed: Duration,
    /// First errors seen.
    pub errors: Vec<String>,
    /// CPU seconds the honeypot used during the run.
    pub server_cpu: f64,
    /// CPU seconds the load generator used during the run.
    pub client_cpu: f64,
    /// KEX, host key and cipher negotiated.
    pub negotiated: String,
}

impl Logins {
    /// Completed logins per second.
    pub fn rate(&self) -> f64 {
        self.done as f64 / self.elapsed.as_secs_f64().max(1e-9)
    }
}

/// `clients` workers log in `total` times in all, or until `max` has passed.
pub async fn logins(addr: SocketAddr, total: u64, clients: usize, max: Duration) -> Logins {
    let cfg = client::config();
    let next = Arc::new(AtomicU64::new(0));
    let start = Instant::now();
    let deadline = start + max;
    let mut set = JoinSet::new();
    for _ in 0..clients {
        let (cfg, next) = (cfg.clone(), next.clone());
        set.spawn(async move {
            let mut out = Logins::default();
            while next.fetch_add(1, Ordering::Relaxed) < total && Instant::now() < deadline {
                let left = deadline.saturating_duration_since(Instant::now()).min(OP_LIMIT);
                match client::login_cycle(addr, cfg.clone(), left).await {
                    Ok(()) => out.done += 1,
                    Err(e) => {
                        out.failed += 1;
                        if out.errors.len() < MAX_ERRORS {
                            out.errors.push(format!("{e:#}"));
                        }
                    }
                }
            }
            out
        });
    }
    let mut all = Logins::default();
    while let Some(r) = set.join_next().await {
        match r {
            Ok(o) => {
                all.done += o.done;
                all.failed += o.failed;
                all.errors.extend(o.errors);
            }
            Err(e) => all.errors.push(format!("worker panicked: {e}")),
        }
    }
    all.elapsed = start.elapsed();
    all.errors.truncate(MAX_ERRORS);
    all
}

/// Round-trip samples of one latency run.
#[derive(Debug, Clone, Default)]
pub struct Latency {
    /// Every round trip, in nanoseconds.
    pub samples: Vec<u64>,
    /// First errors seen.
    pub errors: Vec<String>,
}

/// The `q`-quantile (0..=1) of sorted samples.
pub fn quantile(sorted: &[u64], q: f64) -> Option<u64> {
    if sorted.is_empty() {
        return None;
    }
    let i = ((sorted.len() - 1) as f64 * q).round() as usize;
    sorted.get(i.min(sorted.len() - 1)).copied()
}

/// Warm-up round trips per session, not counted.
const WARMUP: usize = 20;

/// `sessions` interactive sessions each send `uname -a` `trips` times, one after the other, all sessions at once.
pub async fn latency(addr: SocketAddr, sessions: usize, trips: usize, max: Duration) -> Latency {
    let cfg = client::config();
    let deadline = Instant::now() + max;
    let mut set = JoinSet::new();
    for _ in 0..sessions {
        let cfg = cfg.clone();
        set.spawn(async move {
            let mut samples = Vec::with_capacity(trips);
            let mut sh = Shell::open(addr, cfg, OP_LIMIT).await?;
            for _ in 0..WARMUP {
                sh.run("uname -a", CMD_LIMIT).await?;
            }
            for _ in 0..trips {
                if Instant::now() >= deadline {
                    break;
                }
                let t = Instant::now();
                sh.run("uname -a", CMD_LIMIT).await?;
                samples.push(t.elapsed().as_nanos() as u64);
            }
            sh.close().await;
            anyhow::Ok(samples)
        });
    }
    let mut out = Latency::default();
    while let Some(r) = set.join_next().await {
        match r {
            Ok(Ok(s)) => out.samples.extend(s),
            Ok(Err(e)) => out.errors.push(format!("{e:#}")),
            Err(e) => out.errors.push(format!("session task panicked: {e}")),
        }
    }
    out.samples.sort_unstable();
    out.errors.truncate(MAX_ERRORS);
    out
}

/// RSS (KiB) of the honeypot's process tree at each stage of the session-memory scenario.
#[derive(Debug, Clone, Default)]
pub struct Memory {
    /// Sessions asked for.
    pub wanted: usize,
    /// Interactive sessions that reached their prompt.
    pub reached: usize,
    /// Sessions whose 1 KB write came back to the prompt.
    pub wrote: usize,
    /// After one warm-up session, before the load.
    pub baseline: u64,
    /// With `reached` sessions idle at their prompt.
    pub idle: u64,
    /// After each session wrote a 1 KB file.
    pub written: u64,
    /// After all sessions closed (and a settling pause).
    pub closed: u64,
    /// Seconds spent opening the sessions.
    pub open_secs: f64,
    /// First errors seen.
    pub errors: Vec<String>,
    /// What `ls -l /tmp/f` said in the first session, to show the write happened.
    pub check: String,
    /// Seconds spent on the writes.
    pub write_secs: f64,
    /// Open fds of the honeypot at baseline, idle, and after close.
    pub fds: [usize; 3],
    /// Why the writes stopped before every session wrote (memory or time budget), if they did.
    pub stopped: Option<String>,
}

impl Memory {
    /// KiB per session with the sessions idle.
    pub fn per_idle(&self) -> Option<f64> {
        (self.reached > 0).then(|| (self.idle as f64 - self.baseline as f64) / self.reached as f64)
    }

    /// KiB per session that wrote its file: its idle share plus the growth of the write phase per writer (the same
    /// as (written − baseline) / sessions when every session wrote).
    pub fn per_written(&self) -> Option<f64> {
        let idle = self.per_idle()?;
        (self.wrote > 0).then(|| idle + (self.written as f64 - self.idle as f64) / self.wrote as f64)
    }
}

/// `s` without terminal escape sequences (ESC, `[`, parameters, one final letter), which Cowrie sprinkles in.
fn strip_escapes(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut chars = s.chars();
    while let Some(c) = chars.next() {
        if c == '\u{1b}' {
            // Bounded by the input: skip up to and including the final letter.
            for d in chars.by_ref() {
                if d.is_ascii_alphabetic() {
                    break;
                }
            }
        } else {
            out.push(c);
        }
    }
    out
}

/// Pause before reading a settled RSS.
const SETTLE: Duration = Duration::from_secs(1);
/// Machine memory (MemAvailable) the write phase leaves to everyone else, in KiB.
const MIN_AVAILABLE_KIB: u64 = 4 * 1024 * 1024;

/// `MemAvailable` from /proc/meminfo in KiB.
fn mem_available_kib() -> Option<u64> {
    let s = std::fs::read_to_string("/proc/meminfo").ok()?;
    s.lines()
        .find_map(|l| l.strip_prefix("MemAvailable:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
}

/// Sets `stop` when the honeypot's RSS passes `cap_kib`, the machine's available memory falls below
/// [`MIN_AVAILABLE_KIB`], or `deadline` passes; returns why. Ends when `stop` is set by anyone.
async fn memory_guard(pid: u32, cap_kib: u64, deadline: Instant, stop: Arc<AtomicBool>) -> Option<String> {
    while !stop.load(Ordering::Relaxed) {
        let rss = super::peers::rss_tree_kib(pid).unwrap_or(0);
        let avail = mem_available_kib().unwrap_or(u64::MAX);
        let why = if rss > cap_kib {
            Some(format!("RSS passed the cap of {} MiB", cap_kib / 1024))
        } else if avail < MIN_AVAILABLE_KIB {
            Some(format!(
                "machine below {} GiB available",
                MIN_AVAILABLE_KIB / 1024 / 1024
            ))
        } else if Instant::now() >= deadline {
            Some("time budget of the write phase spent".to_string())
        } else {
            None
        };
        if why.is_some() {
            stop.store(true, Ordering::Relaxed);
            return why;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    None
}

/// The 1 KB file write: `echo` of 1023 characters plus its newline.
fn write_line() -> String {
    format!("echo {} > /tmp/f", "A".repeat(1023))
}

/// Waits `d`, then reads the RSS once the figure is stable (two reads 500 ms apart within 1%), bounded to 10 s.
async fn settled_rss(h: &Honeypot, d: Duration) -> Result<u64> {
    tokio::time::sleep(d).await;
    let mut last = h.rss_kib()?;
    for _ in 0..20 {
        tokio::time::sleep(Duration::from_millis(500)).await;
        let now = h.rss_kib()?;
        if now.abs_diff(last) * 100 <= last {
            return Ok(now);
        }
        last = now;
    }
    Ok(last)
}

/// Opens `sessions` interactive sessions, writes a 1 KB file in each, closes them all; RSS at each stage.
pub async fn memory(
    h: &Honeypot,
    sessions: usize,
    max: Duration,
    write_max: Duration,
    guard_kib: u64,
) -> Result<Memory> {
    let cfg = client::config();
    let addr = h.addr;
    let mut m = Memory {
        wanted: sessions,
        ..Memory::default()
    };
    // One session first, so one-off costs (lazy imports, first allocations) land in the baseline.
    let mut warm = Shell::open(addr, cfg.clone(), OP_LIMIT).await?;
    warm.run("uname -a", CMD_LIMIT).await?;
    warm.close().await;
    m.baseline = settled_rss(h, SETTLE).await?;
    m.fds[0] = h.fds();

    let start = Instant::now();
    let deadline = start + max;
    let sem = Arc::new(Semaphore::new(SETUP_CONCURRENCY));
    let mut set = JoinSet::new();
    for _ in 0..sessions {
        let (cfg, sem) = (cfg.clone(), sem.clone());
        set.spawn(async move {
            let _permit = sem.acquire_owned().await?;
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                anyhow::bail!("time budget spent before this session started");
            }
            Shell::open(addr, cfg, left.min(OP_LIMIT)).await
        });
    }
    let mut shells = Vec::with_capacity(sessions);
    while let Some(r) = set.join_next().await {
        match r {
            Ok(Ok(s)) => shells.push(s),
            Ok(Err(e)) if m.errors.len() < MAX_ERRORS => m.errors.push(format!("open: {e:#}")),
            Ok(Err(_)) => {}
            Err(e) => m.errors.push(format!("open task panicked: {e}")),
        }
    }
    m.open_secs = start.elapsed().as_secs_f64();
    m.reached = shells.len();
    m.idle = settled_rss(h, SETTLE).await?;
    m.fds[1] = h.fds();

    // Each session writes its file; the shells travel into the tasks and come back. A guard stops the writes
    // before the honeypot or the machine runs out of memory (Cowrie copies its file system per writing session).
    let write_start = Instant::now();
    let stop = Arc::new(AtomicBool::new(false));
    let guard = tokio::spawn(memory_guard(h.pid, guard_kib, write_start + write_max, stop.clone()));
    let line = Arc::new(write_line());
    let mut set = JoinSet::new();
    for mut sh in shells.drain(..) {
        let (sem, line, stop) = (sem.clone(), line.clone(), stop.clone());
        set.spawn(async move {
            let _permit = sem.acquire_owned().await;
            if stop.load(Ordering::Relaxed) {
                return (sh, None);
            }
            let r = sh.run(&line, CMD_LIMIT.max(write_max)).await.map(|_| ());
            (sh, Some(r))
        });
    }
    while let Some(r) = set.join_next().await {
        match r {
            Ok((sh, r)) => {
                match r {
                    Some(Ok(())) => m.wrote += 1,
                    Some(Err(e)) if m.errors.len() < MAX_ERRORS => m.errors.push(format!("write: {e:#}")),
                    Some(Err(_)) | None => {}
                }
                shells.push(sh);
            }
            Err(e) => m.errors.push(format!("write task panicked: {e}")),
        }
    }
    stop.store(true, Ordering::Relaxed);
    m.stopped = guard.await.unwrap_or(None);
    m.write_secs = write_start.elapsed().as_secs_f64();
    if let Some(sh) = shells.first_mut() {
        m.check = match sh.run("ls -l /tmp/f", CMD_LIMIT).await {
            Ok(_) => {
                let out = strip_escapes(&String::from_utf8_lossy(sh.output()));
                out.lines()
                    .map(str::trim)
                    .find(|l| l.ends_with(" /tmp/f") && !l.contains("ls "))
                    .map_or_else(|| format!("unexpected output {out:?}"), str::to_string)
            }
            Err(e) => format!("{e:#}"),
        };
    }
    m.written = settled_rss(h, SETTLE).await?;

    let mut set = JoinSet::new();
    for sh in shells.drain(..) {
        let sem = sem.clone();
        set.spawn(async move {
            let _permit = sem.acquire_owned().await;
            sh.close().await;
        });
    }
    while set.join_next().await.is_some() {}
    // The honeypot notices the disconnects and tears the sessions down; give it a moment more.
    m.closed = settled_rss(h, SETTLE * 3).await?;
    m.fds[2] = h.fds();
    m.errors.truncate(MAX_ERRORS);
    Ok(m)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quantiles_pick_the_nearest_rank() {
        let s: Vec<u64> = (1..=100).collect();
        assert_eq!(quantile(&s, 0.5), Some(51));
        assert_eq!(quantile(&s, 0.99), Some(99));
        assert_eq!(quantile(&s, 1.0), Some(100));
        assert_eq!(quantile(&[], 0.5), None);
    }

    #[test]
    fn escapes_are_stripped() {
        assert_eq!(
            strip_escapes("\u{1b}[4l-rw-r--r-- 1 /tmp/f\u{1b}[4h"),
            "-rw-r--r-- 1 /tmp/f"
        );
    }

    #[test]
    fn write_line_makes_1024_bytes() {
        let l = write_line();
        assert_eq!(l.len(), "echo ".len() + 1023 + " > /tmp/f".len());
    }
}

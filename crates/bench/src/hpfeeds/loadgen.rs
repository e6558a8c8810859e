//! The load generator's I/O: handshakes, readiness probes, the unwindowed publisher, the subscriber read loop
//! (tokio for throughput, a blocking thread for latency), the paced publisher, and idle connections.
//!
//! Publishers write one large pre-encoded buffer with `write_all`; subscribers read into a large buffer and walk
//! frames in place ([`Receiver::feed`]), so neither side allocates per message. Every wait is bounded.

use std::io::{Read, Write};
use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{bail, Context, Result};
use bytes::Bytes;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::sync::watch;
use tokio::time::timeout;

use super::payload::{self, probe_frame, PayloadSpec, PublishPrefix, Receiver, MAX_FRAME};
use ::hpfeeds::wire::{self, Frame};

/// The ident every bench connection authenticates as.
pub const IDENT: &str = "bench";
/// Its secret.
pub const SECRET: &str = "bench-secret";
/// Channel carrying benchmark messages (and the probes that precede them).
pub const CHANNEL: &str = "bench.data";
/// Channel used by the broker readiness check.
pub const READY_CHANNEL: &str = "bench.ready";

/// Subscriber receive buffer: large, so one read drains many frames.
const RECV_BUF: usize = 2 * 1024 * 1024;
/// After the last expected message, keep reading this long to catch duplicates and strays.
const DRAIN: Duration = Duration::from_millis(200);
/// Before the start signal, wake this often to check the deadline.
const IDLE_POLL: Duration = Duration::from_millis(100);
/// Pause between readiness probes.
const PROBE_EVERY: Duration = Duration::from_millis(20);

/// State shared by the coordinator and its subscribers.
#[derive(Debug)]
pub struct Shared {
    /// Subscribers that have seen a readiness probe.
    pub probed: AtomicUsize,
    /// Set when publishers start; from then on silence counts as a stall.
    pub started: AtomicBool,
    /// Zero point of payload timestamps.
    pub epoch: Instant,
}

impl Shared {
    /// Fresh shared state with its epoch at now.
    pub fn new() -> Arc<Self> {
        Arc::new(Shared {
            probed: AtomicUsize::new(0),
            started: AtomicBool::new(false),
            epoch: Instant::now(),
        })
    }

    fn ns_since_epoch(&self, t: Instant) -> u64 {
        t.saturating_duration_since(self.epoch).as_nanos() as u64
    }
}

/// Bounds on a subscriber's run.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// Give up after this long without a byte once publishing started.
    pub stall: Duration,
    /// Give up at this instant regardless.
    pub deadline: Instant,
}

/// How a subscriber's run ended, with everything it received.
#[derive(Debug)]
pub struct SubReport {
    /// Verification state, errors and latencies.
    pub rx: Receiver,
    /// When the last expected message arrived, if all did.
    pub done_at: Option<Instant>,
    /// When the last bytes arrived.
    pub last_at: Option<Instant>,
    /// Why the run ended early, if it did (stall, deadline, EOF, I/O or protocol error).
    pub ended_early: Option<String>,
}

/// Connects, reads INFO, answers with AUTH as the bench ident; within `t`.
pub async fn connect_auth(addr: SocketAddr, t: Duration) -> Result<TcpStream> {
    connect_auth_as(addr, t, IDENT, SECRET).await
}

/// Connects, reads INFO, answers with AUTH as `ident` with `secret`; within `t`.
pub async fn connect_auth_as(addr: SocketAddr, t: Duration, ident: &str, secret: &str) -> Result<TcpStream> {
    timeout(t, async {
        let mut s = TcpStream::connect(addr).await.context("connecting")?;
        s.set_nodelay(true).context("setting TCP_NODELAY")?;
        let mut buf = Vec::with_capacity(512);
        let n = loop {
            if let Some(n) = wire::check(&buf, MAX_FRAME).context("reading INFO")? {
                break n;
            }
            let mut tmp = [0u8; 512];
            let k = s.read(&mut tmp).await.context("reading INFO")?;
            if k == 0 {
                bail!("broker closed the connection before sending INFO");
            }
            buf.extend_from_slice(&tmp[..k]);
        };
        if buf.len() > n {
            bail!("broker sent {} unexpected bytes after INFO", buf.len() - n);
        }
        let nonce = match wire::decode(Bytes::copy_from_slice(&buf[..n])).context("decoding INFO")? {
            Frame::Info { nonce, .. } => nonce,
            Frame::Error { message } => bail!(
                "broker sent ERROR instead of INFO: {}",
                String::from_utf8_lossy(&message)
            ),
            other => bail!("expected INFO, got {:?}", other.opcode()),
        };
        let auth = Frame::Auth {
            ident: Bytes::copy_from_slice(ident.as_bytes()),
            digest: Bytes::copy_from_slice(&wire::auth_digest(&nonce, secret.as_bytes())),
        };
        s.write_all(&auth.to_bytes()?).await.context("sending AUTH")?;
        Ok(s)
    })
    .await
    .with_context(|| format!("handshake with {addr} timed out after {t:?}"))?
    .with_context(|| format!("handshake with {addr}"))
}

/// Sends SUBSCRIBE for `channel`.
pub async fn subscribe(s: &mut TcpStream, channel: &str) -> Result<()> {
    let f = Frame::Subscribe {
        ident: Bytes::from_static(IDENT.as_bytes()),
        channel: Bytes::copy_from_slice(channel.as_bytes()),
    };
    s.write_all(&f.to_bytes()?).await.context("sending SUBSCRIBE")
}

/// Checks a broker end to end: two authenticated connections, one subscribed, probes published until one arrives.
pub async fn round_trip(addr: SocketAddr, t: Duration) -> Result<()> {
    let deadline = Instant::now() + t;
    let mut sub = connect_auth(addr, t).await?;
    subscribe(&mut sub, READY_CHANNEL).await?;
    let mut publ = connect_auth(addr, t).await?;
    let prefix = PublishPrefix::new(IDENT, READY_CHANNEL)?;
    let spec = PayloadSpec { min: 64, max: 64 };
    let mut rx = Receiver::new(spec, IDENT, READY_CHANNEL, 1, 1);
    let mut buf = vec![0u8; 64 * 1024];
    let mut filled = 0;
    for i in 0.. {
        if Instant::now() >= deadline {
            bail!("no probe came back within {t:?}: the broker accepts connections but does not deliver");
        }
        publ.write_all(&probe_frame(&prefix, i))
            .await
            .context("publishing a probe")?;
        let Ok(r) = timeout(Duration::from_millis(50), sub.read(&mut buf[filled..])).await else {
            continue;
        };
        let n = r.context("reading the probe")?;
        if n == 0 {
            bail!("broker closed the subscriber connection (errors: {:?})", rx.errors);
        }
        filled += n;
        let used = rx.feed(&buf[..filled], 0).map_err(anyhow::Error::msg)?;
        buf.copy_within(used..filled, 0);
        filled -= used;
        if !rx.errors.is_empty() {
            bail!("broker complained: {}", rx.errors.join("; "));
        }
        if rx.probe_seen {
            return Ok(());
        }
    }
    unreachable!("the probe loop only exits by returning")
}

/// Publishes probes on [`CHANNEL`] through `publ` until `subs` subscribers have seen one, within `t`.
pub async fn probe_until_seen(publ: &mut TcpStream, shared: &Shared, subs: usize, t: Duration) -> Result<()> {
    let prefix = PublishPrefix::new(IDENT, CHANNEL)?;
    let start = Instant::now();
    for i in 0.. {
        if shared.probed.load(Ordering::Acquire) >= subs {
            return Ok(());
        }
        if start.elapsed() > t {
            bail!(
                "only {}/{subs} subscribers saw a probe within {t:?}: the broker is not delivering",
                shared.probed.load(Ordering::Acquire)
            );
        }
        publ.write_all(&probe_frame(&prefix, i))
            .await
            .context("publishing a probe")?;
        tokio::time::sleep(PROBE_EVERY).await;
    }
    unreachable!("the probe loop only exits by returning")
}

/// Bookkeeping common to the async and blocking subscriber loops.
struct SubLoop {
    rep: SubReport,
    filled: usize,
    counted_probe: bool,
    drain_until: Option<Instant>,
}

/// What the loop should do next.
enum Next {
    /// Read, waiting at most this long.
    Read(Duration),
    /// Stop.
    Stop,
}

impl SubLoop {
    fn new(rx: Receiver) -> Self {
        SubLoop {
            rep: SubReport {
                rx,
                done_at: None,
                last_at: None,
                ended_early: None,
            },
            filled: 0,
            counted_probe: false,
            drain_until: None,
        }
    }

    fn next(&mut self, shared: &Shared, lim: &Limits) -> Next {
        let now = Instant::now();
        if now >= lim.deadline {
            if self.drain_until.is_none() {
                self.rep.ended_early = Some("scenario deadline reached".into());
            }
            return Next::Stop;
        }
        let wait = match self.drain_until {
            Some(d) if now >= d => return Next::Stop,
            Some(d) => d - now,
            None if shared.started.load(Ordering::Acquire) => lim.stall,
            None => IDLE_POLL,
        };
        Next::Read(wait.min(lim.deadline - now))
    }

    /// A read timed out; returns whether to stop.
    fn timed_out(&mut self, shared: &Shared, lim: &Limits) -> bool {
        if self.drain_until.is_none() && shared.started.load(Ordering::Acquire) {
            self.rep.ended_early = Some(format!("stalled: no bytes for {:?}", lim.stall));
            return true;
        }
        false
    }

    /// `n` new bytes sit at `buf[filled..]`; returns whether to stop.
    fn got(&mut self, buf: &mut [u8], n: usize, shared: &Shared) -> bool {
        let t = Instant::now();
        self.rep.last_at = Some(t);
        self.filled += n;
        match self.rep.rx.feed(&buf[..self.filled], shared.ns_since_epoch(t)) {
            Ok(used) => {
                buf.copy_within(used..self.filled, 0);
                self.filled -= used;
            }
            Err(e) => {
                self.rep.ended_early = Some(e);
                return true;
            }
        }
        if self.rep.rx.probe_seen && !self.counted_probe {
            self.counted_probe = true;
            shared.probed.fetch_add(1, Ordering::AcqRel);
        }
        if self.drain_until.is_none() && self.rep.rx.tracker.complete() {
            self.rep.done_at = Some(t);
            self.drain_until = Some(t + DRAIN);
        }
        false
    }

    fn eof(&mut self) {
        if self.drain_until.is_none() {
            self.rep.ended_early = Some("broker closed the connection".into());
        }
    }
}

/// Reads and verifies until every expected message arrived (plus a short drain), or a limit is hit.
pub async fn run_subscriber(mut s: TcpStream, rx: Receiver, shared: Arc<Shared>, lim: Limits) -> SubReport {
    let mut buf = vec![0u8; RECV_BUF];
    let mut st = SubLoop::new(rx);
    while let Next::Read(wait) = st.next(&shared, &lim) {
        match timeout(wait, s.read(&mut buf[st.filled..])).await {
            Err(_) => {
                if st.timed_out(&shared, &lim) {
                    break;
                }
            }
            Ok(Ok(0)) => {
                st.eof();
                break;
            }
            Ok(Ok(n)) => {
                if st.got(&mut buf, n, &shared) {
                    break;
                }
            }
            Ok(Err(e)) => {
                st.rep.ended_early = Some(format!("read error: {e}"));
                break;
            }
        }
    }
    st.rep
}

/// The blocking twin of [`run_subscriber`], for a dedicated thread (precise latency, no scheduler in the way).
pub fn run_subscriber_blocking(
    mut s: std::net::TcpStream,
    rx: Receiver,
    shared: Arc<Shared>,
    lim: Limits,
) -> SubReport {
    let mut buf = vec![0u8; RECV_BUF];
    let mut st = SubLoop::new(rx);
    while let Next::Read(wait) = st.next(&shared, &lim) {
        if let Err(e) = s.set_read_timeout(Some(wait.max(Duration::from_millis(1)))) {
            st.rep.ended_early = Some(format!("setting a read timeout: {e}"));
            break;
        }
        match s.read(&mut buf[st.filled..]) {
            Err(e) if matches!(e.kind(), std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut) => {
                if st.timed_out(&shared, &lim) {
                    break;
                }
            }
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Ok(0) => {
                st.eof();
                break;
            }
            Ok(n) => {
                if st.got(&mut buf, n, &shared) {
                    break;
                }
            }
            Err(e) => {
                st.rep.ended_early = Some(format!("read error: {e}"));
                break;
            }
        }
    }
    st.rep
}

/// Phases of a publisher run, broadcast by the coordinator.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Phase {
    /// Connected, waiting for the start.
    Wait,
    /// Write everything now.
    Go,
    /// The scenario is over: stop reading and close.
    Stop,
}

/// How a publisher's run went.
#[derive(Debug, Default)]
pub struct PubReport {
    /// When its last byte was handed to the kernel.
    pub wrote_at: Option<Instant>,
    /// Write failures and anything the broker sent it (publishers should hear nothing).
    pub errors: Vec<String>,
}

/// Waits for [`Phase::Go`], writes `frames` in one `write_all` (no window), then keeps reading for broker
/// complaints until [`Phase::Stop`].
pub async fn run_publisher(
    s: TcpStream,
    frames: Vec<u8>,
    phase: watch::Receiver<Phase>,
    deadline: Instant,
) -> PubReport {
    let (mut rd, mut wr) = s.into_split();
    let mut go = phase.clone();
    let mut stop = phase;
    let mut errors = Vec::new();
    let writer = async {
        let Ok(p) = go.wait_for(|p| *p != Phase::Wait).await.map(|p| *p) else {
            return Err("coordinator went away".to_string());
        };
        if p == Phase::Stop {
            return Err("stopped before starting".to_string());
        }
        match tokio::time::timeout_at(deadline.into(), wr.write_all(&frames)).await {
            Ok(Ok(())) => Ok(Instant::now()),
            Ok(Err(e)) => Err(format!("write failed: {e}")),
            Err(_) => Err("write did not finish by the deadline: the broker stopped reading".to_string()),
        }
    };
    let reader = async {
        let mut buf = vec![0u8; 64 * 1024];
        let mut filled = 0;
        loop {
            match rd.read(&mut buf[filled..]).await {
                Ok(0) => {
                    errors.push("broker closed the publisher connection".to_string());
                    return;
                }
                Ok(n) => filled += n,
                Err(e) => {
                    errors.push(format!("publisher read error: {e}"));
                    return;
                }
            }
            while let Ok(Some(n)) = wire::check(&buf[..filled], buf.len()) {
                let f = &buf[..n];
                errors.push(match f[4] {
                    0 => format!("broker sent ERROR: {}", String::from_utf8_lossy(&f[5..])),
                    op => format!("broker sent the publisher an unexpected frame (opcode {op})"),
                });
                buf.copy_within(n..filled, 0);
                filled -= n;
            }
            if filled == buf.len() || errors.len() > 8 {
                return;
            }
        }
    };
    let listen = async {
        tokio::select! {
            _ = reader => {}
            _ = stop.wait_for(|p| *p == Phase::Stop) => {}
        }
    };
    let (w, ()) = tokio::join!(writer, listen);
    let mut rep = PubReport { wrote_at: None, errors };
    match w {
        Ok(t) => rep.wrote_at = Some(t),
        Err(e) => rep.errors.insert(0, e),
    }
    rep
}

/// Pre-encodes `count` frames from publisher `publisher` on [`CHANNEL`].
pub fn encode_run(spec: &PayloadSpec, publisher: u32, count: u64) -> Result<Vec<u8>> {
    let prefix = PublishPrefix::new(IDENT, CHANNEL)?;
    let mut v = Vec::with_capacity(prefix.run_len(spec, publisher, count));
    prefix.append_run(&mut v, spec, publisher, count);
    Ok(v)
}

/// What the paced publisher achieved.
#[derive(Debug, Clone, Copy)]
pub struct Paced {
    /// Achieved rate over the run, messages per second.
    pub rate: f64,
}

/// Publishes `count` messages at `rate` per second on a blocking socket, stamping each payload right before its own
/// write. The schedule is absolute, so a late wake-up sends the overdue messages back to back.
pub fn paced_publish(
    s: &mut std::net::TcpStream,
    spec: &PayloadSpec,
    count: u64,
    rate: f64,
    shared: &Shared,
    lim: &Limits,
) -> Result<Paced> {
    // Sleep precisely: the default 50 µs timer slack would be half the 100 µs period.
    // SAFETY: PR_SET_TIMERSLACK only changes this thread's timer slack.
    unsafe {
        libc::prctl(libc::PR_SET_TIMERSLACK, 1 as libc::c_ulong, 0, 0, 0);
    }
    let prefix = PublishPrefix::new(IDENT, CHANNEL)?;
    let mut frames = Vec::with_capacity(prefix.run_len(spec, 0, count));
    let mut offsets = Vec::with_capacity(count as usize);
    for seq in 0..count {
        let start = frames.len();
        payload::fill(prefix.append(&mut frames, spec.len_of(0, seq)), 0, seq, 0);
        offsets.push((start, frames.len()));
    }
    s.set_write_timeout(Some(lim.stall))
        .context("setting a write timeout")?;
    let begin = Instant::now() + Duration::from_millis(1);
    let mut sent = 0;
    for (i, &(a, b)) in offsets.iter().enumerate() {
        let due = begin + Duration::from_secs_f64(i as f64 / rate);
        let now = Instant::now();
        if now >= lim.deadline {
            bail!("paced publisher hit the scenario deadline after {sent} messages");
        }
        if due > now {
            std::thread::sleep(due - now);
        }
        let frame = &mut frames[a..b];
        payload::set_ts(&mut frame[prefix.len()..], shared.ns_since_epoch(Instant::now()));
        s.write_all(frame).with_context(|| format!("writing message {i}"))?;
        sent += 1;
    }
    let secs = begin.elapsed().as_secs_f64().max(1e-9);
    s.flush().ok();
    Ok(Paced {
        rate: sent as f64 / secs,
    })
}

/// Opens `n` authenticated connections that then stay idle, `parallel` handshakes at a time.
pub async fn open_idle(addr: SocketAddr, n: usize, parallel: usize, t: Duration) -> Result<Vec<TcpStream>> {
    let mut out = Vec::with_capacity(n);
    while out.len() < n {
        let batch = parallel.min(n - out.len());
        let mut set = tokio::task::JoinSet::new();
        for _ in 0..batch {
            set.spawn(connect_auth(addr, t));
        }
        while let Some(r) = set.join_next().await {
            let s = r.context("handshake task panicked")?;
            out.push(s.with_context(|| format!("opening idle connection {}", out.len() + 1))?);
        }
    }
    Ok(out)
}

/// Counts connections the broker closed or wrote to (an ERROR means authentication failed).
pub fn count_dead(conns: &[TcpStream]) -> usize {
    let mut buf = [0u8; 256];
    conns
        .iter()
        .filter(|s| match s.try_read(&mut buf) {
            Err(e) => e.kind() != std::io::ErrorKind::WouldBlock,
            Ok(_) => true,
        })
        .count()
}

//! The driver: the one task that owns the broker connection's write half. It dials with backoff, re-subscribes,
//! writes the outbox in publish order, confirms what the broker has kept, and closes gracefully.
//!
//! A reader task per connection decodes incoming frames: PUBLISH goes to the caller's bounded queue (awaiting
//! when it is full: backpressure, never a drop), anything else ends the connection and is reported here.

use std::collections::{BTreeSet, HashMap, VecDeque};
use std::net::SocketAddr;
use std::os::fd::RawFd;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use bytes::{Bytes, BytesMut};
use futures_util::StreamExt;
use tokio::io::{AsyncWriteExt, ReadHalf, WriteHalf};
use tokio::sync::mpsc::error::TryRecvError;
use tokio::sync::{mpsc, oneshot, watch, Notify, Semaphore};
use tokio::task::JoinHandle;
use tokio::time::{sleep_until, timeout, timeout_at, Instant};
use tokio_util::codec::FramedRead;

use super::config::ClientConfig;
use super::connection::{establish, unacked_bytes, BoxIo, Conn};
use super::error::ClientError;
use super::outbox::Outbox;
use super::reconnect::Backoff;
use super::status::{Counters, Message, Status};
use super::tls::TlsSetup;
use crate::codec::{Codec, CodecError};
use crate::wire::{self, Frame};

/// Most bytes of queued frames written in one go: large enough for throughput, small enough that commands and
/// broker errors are looked at often.
const WRITE_BATCH_BYTES: usize = 256 * 1024;

/// Bounds of the interval at which delivery is checked (a quarter of `confirm_delay`, clamped to these).
const CONFIRM_TICK_MIN: Duration = Duration::from_millis(5);
/// See [`CONFIRM_TICK_MIN`].
const CONFIRM_TICK_MAX: Duration = Duration::from_millis(250);

/// State shared by the [`super::Client`] handle and the driver.
pub(crate) struct Shared {
    /// The configuration, validated.
    pub cfg: ClientConfig,
    /// The ident, pre-encoded for every PUBLISH.
    pub ident: Bytes,
    /// The send queue. A `std` mutex: every critical section is short and never awaits, as in mini-redis `db.rs`.
    pub outbox: Mutex<Outbox>,
    /// Wakes the driver when `publish` queued something.
    pub data_ready: Notify,
    /// Wakes `flush` callers when something was written or the driver stopped.
    pub written: Notify,
    /// Free slots of the in-memory queue (`None` with a spool, which is bounded by bytes instead).
    pub permits: Option<Semaphore>,
    /// Counters behind `stats()`.
    pub counters: Counters,
    /// The connection status.
    pub status: watch::Sender<Status>,
    /// This end's address on the current broker connection; `None` while disconnected.
    pub local_addr: Mutex<Option<SocketAddr>>,
    /// Channels the broker refused us to publish on, with its text; publishes to them fail fast.
    pub rejected: Mutex<HashMap<String, String>>,
    /// Whether `rejected` is non-empty, so the hot path skips its lock.
    pub has_rejected: AtomicBool,
    /// Set by `close`: no more publishes.
    pub closed: AtomicBool,
    /// Set when the driver has ended.
    pub stopped: AtomicBool,
}

impl Shared {
    /// Locks the outbox; a panic elsewhere while holding it leaves consistent data, so poisoning is ignored.
    pub fn outbox(&self) -> MutexGuard<'_, Outbox> {
        self.outbox.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Records this end's address on the current connection (`None`: disconnected).
    pub fn set_local_addr(&self, addr: Option<SocketAddr>) {
        *self.local_addr.lock().unwrap_or_else(|p| p.into_inner()) = addr;
    }

    /// This end's address on the current connection, if connected.
    pub fn local_addr(&self) -> Option<SocketAddr> {
        *self.local_addr.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// The broker's refusal text for `channel`, if it refused it.
    pub fn rejection(&self, channel: &str) -> Option<String> {
        if !self.has_rejected.load(Ordering::Relaxed) {
            return None;
        }
        self.rejected
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .get(channel)
            .cloned()
    }
}

/// Requests from the handle to the driver.
pub(crate) enum Command {
    /// Add a channel to the subscription list (and tell the broker if connected).
    Subscribe(String, oneshot::Sender<()>),
    /// Remove a channel from the subscription list.
    Unsubscribe(String, oneshot::Sender<()>),
    /// Send what is queued, close gracefully and stop.
    Close(oneshot::Sender<Result<(), ClientError>>),
}

/// How a connection's reader task ended.
enum ReaderEvent {
    /// The broker sent ERROR (it closes right after).
    Error(String),
    /// The broker closed the connection.
    Eof,
    /// Reading or decoding failed.
    Failed(String),
}

/// Frames written together, awaiting confirmation.
struct Batch {
    /// Outbox records in it (0 for the AUTH frame).
    records: usize,
    /// The connection's byte count once it was handed to the kernel.
    stream_end: u64,
    written_at: Instant,
    /// When the broker's TCP was first seen to have acknowledged all of it.
    acked_at: Option<Instant>,
    /// Whether this is the AUTH frame: its confirmation means the login was accepted.
    auth: bool,
}

/// One live connection, as the driver sees it.
struct Session {
    writer: WriteHalf<BoxIo>,
    written: Arc<AtomicU64>,
    fd: RawFd,
    events: mpsc::Receiver<ReaderEvent>,
    reader: JoinHandle<()>,
    alive: Arc<AtomicBool>,
    unconfirmed: VecDeque<Batch>,
    next_check: Instant,
    authed: bool,
}

impl Drop for Session {
    fn drop(&mut self) {
        self.reader.abort();
    }
}

/// How a session or wait ended.
enum Outcome {
    /// Closed or every handle dropped: the driver ends.
    Stop,
    /// The connection failed; `healthy` when it had been accepted and ended without a broker complaint.
    Lost { error: ClientError, healthy: bool },
}

/// The driver task's state.
pub(crate) struct Driver {
    pub shared: Arc<Shared>,
    pub cmds: mpsc::Receiver<Command>,
    pub msgs: mpsc::Sender<Message>,
    pub tls: Option<TlsSetup>,
    pub subs: BTreeSet<String>,
    pub backoff: Backoff,
    /// Answered once the first connection is confirmed or fails (for `Client::connect`).
    pub first: Option<oneshot::Sender<Result<(), ClientError>>>,
    pub sessions: u64,
    pub last_error: Option<ClientError>,
    /// Set by `close` while disconnected with messages queued: keep trying to deliver them until the deadline.
    pub closing: Option<(oneshot::Sender<Result<(), ClientError>>, Instant)>,
}

fn tick(cfg: &ClientConfig) -> Duration {
    (cfg.confirm_delay / 4).clamp(CONFIRM_TICK_MIN, CONFIRM_TICK_MAX)
}

/// Decodes the broker's frames for one connection until it ends.
async fn read_loop(
    mut frames: FramedRead<ReadHalf<BoxIo>, Codec>,
    msgs: mpsc::Sender<Message>,
    events: mpsc::Sender<ReaderEvent>,
    alive: Arc<AtomicBool>,
    shared: Arc<Shared>,
) {
    let event = loop {
        match frames.next().await {
            Some(Ok(Frame::Publish {
                ident,
                channel,
                payload,
            })) => {
                let m = Message {
                    ident: String::from_utf8_lossy(&ident).into_owned(),
                    channel: String::from_utf8_lossy(&channel).into_owned(),
                    payload,
                };
                Counters::add(&shared.counters.received, 1);
                if msgs.send(m).await.is_err() {
                    return;
                }
            }
            Some(Ok(Frame::Error { message })) => break ReaderEvent::Error(String::from_utf8_lossy(&message).into()),
            Some(Ok(other)) => {
                break ReaderEvent::Failed(format!("unexpected {:?} frame from the broker", other.opcode()))
            }
            // A TLS peer that closes without close_notify (common, and what Python's ssl does) has still
            // closed cleanly as far as hpfeeds framing can tell: treat it as an ordinary end of stream.
            Some(Err(CodecError::Io(e))) if e.kind() == std::io::ErrorKind::UnexpectedEof => break ReaderEvent::Eof,
            Some(Err(e)) => break ReaderEvent::Failed(format!("reading from the broker: {e}")),
            None => break ReaderEvent::Eof,
        }
    };
    alive.store(false, Ordering::SeqCst);
    let _ = events.send(event).await;
}

impl Driver {
    /// Runs until `close` or until every handle is dropped.
    pub async fn run(mut self) {
        loop {
            self.set_status(Status::Connecting);
            let outcome = match self.dial().await {
                Ok(Some(conn)) => {
                    self.shared.set_local_addr(conn.local);
                    let outcome = self.session(conn).await;
                    self.shared.set_local_addr(None);
                    outcome
                }
                Ok(None) => Outcome::Stop,
                Err(error) => Outcome::Lost { error, healthy: false },
            };
            match outcome {
                Outcome::Stop => break,
                Outcome::Lost { error, healthy } => {
                    if healthy {
                        self.backoff.reset();
                    }
                    if !self.wait_backoff(error).await {
                        break;
                    }
                }
            }
        }
        self.finish();
    }

    fn set_status(&self, s: Status) {
        self.shared.status.send_replace(s);
    }

    /// Dials while still answering commands; `Ok(None)` if asked to stop meanwhile.
    async fn dial(&mut self) -> Result<Option<Conn>, ClientError> {
        let shared = self.shared.clone();
        let tls = self.tls.clone();
        let attempt = async move { establish(&shared.cfg, tls.as_ref()).await };
        tokio::pin!(attempt);
        loop {
            let deadline = self.close_deadline();
            tokio::select! {
                r = &mut attempt => return r.map(Some),
                cmd = self.cmds.recv() => if !self.offline_command(cmd) {
                    return Ok(None);
                },
                _ = sleep_until(deadline.unwrap_or_else(Instant::now)), if deadline.is_some() => {
                    self.give_up_closing(None);
                    return Ok(None);
                }
            }
        }
    }

    /// When a pending `close` must give up.
    fn close_deadline(&self) -> Option<Instant> {
        self.closing.as_ref().map(|(_, d)| *d)
    }

    /// Answers a pending `close` with what is still undelivered.
    fn give_up_closing(&mut self, error: Option<ClientError>) {
        if let Some((reply, _)) = self.closing.take() {
            let _ = reply.send(self.close_result(error));
        }
    }

    /// Handles a command while disconnected; `false` means stop.
    fn offline_command(&mut self, cmd: Option<Command>) -> bool {
        match cmd {
            None => false,
            Some(Command::Subscribe(ch, reply)) => {
                self.subs.insert(ch);
                let _ = reply.send(());
                true
            }
            Some(Command::Unsubscribe(ch, reply)) => {
                self.subs.remove(&ch);
                let _ = reply.send(());
                true
            }
            Some(Command::Close(reply)) => {
                self.shared.closed.store(true, Ordering::SeqCst);
                if self.shared.outbox().pending() == 0 {
                    let _ = reply.send(Ok(()));
                    return false;
                }
                // Messages are waiting: keep dialling until close_timeout, then report what is left.
                let deadline = Instant::now() + self.shared.cfg.close_timeout;
                self.closing = Some((reply, deadline));
                true
            }
        }
    }

    /// `Ok` if nothing is left undelivered.
    fn close_result(&self, error: Option<ClientError>) -> Result<(), ClientError> {
        let pending = self.shared.outbox().pending();
        if pending == 0 {
            return Ok(());
        }
        Err(ClientError::Undelivered {
            pending,
            last_error: error.or_else(|| self.last_error.clone()).map(Box::new),
        })
    }

    /// Reports the failure, waits out the backoff (answering commands); `false` means stop.
    async fn wait_backoff(&mut self, error: ClientError) -> bool {
        let delay = self.backoff.next_delay(&mut rand::rng());
        let addr = &self.shared.cfg.addr;
        if error.broker_message().is_some() {
            tracing::error!(%addr, retry_in = ?delay, %error, "The hpfeeds broker refused us.");
        } else {
            tracing::warn!(%addr, retry_in = ?delay, %error, "No usable hpfeeds broker connection.");
        }
        self.set_status(Status::Backoff {
            error: error.clone(),
            retry_in: delay,
        });
        if let Some(first) = self.first.take() {
            let _ = first.send(Err(error.clone()));
        }
        self.last_error = Some(error);
        let wake = Instant::now() + delay;
        loop {
            let deadline = self.close_deadline();
            if deadline.is_some_and(|d| d <= wake) {
                // A pending close ends before the next attempt would start.
                tokio::select! {
                    _ = sleep_until(deadline.unwrap_or(wake)) => {
                        self.give_up_closing(None);
                        return false;
                    }
                    cmd = self.cmds.recv() => if !self.offline_command(cmd) {
                        return false;
                    },
                }
            } else {
                tokio::select! {
                    _ = sleep_until(wake) => return true,
                    cmd = self.cmds.recv() => if !self.offline_command(cmd) {
                        return false;
                    },
                }
            }
        }
    }

    /// Releases the spool, wakes every waiter and marks the client closed.
    fn finish(&mut self) {
        self.give_up_closing(None);
        let durable = self.shared.outbox().is_durable();
        let pending = self.shared.outbox().close();
        if pending > 0 && !durable {
            Counters::add(&self.shared.counters.dropped, pending);
            tracing::warn!(
                pending,
                "Client stopped with messages queued in memory; they are lost (configure a spool to keep them)."
            );
        }
        self.shared.closed.store(true, Ordering::SeqCst);
        self.shared.stopped.store(true, Ordering::SeqCst);
        if let Some(p) = &self.shared.permits {
            p.close();
        }
        self.shared.written.notify_waiters();
        self.set_status(Status::Closed);
    }

    /// Serves one connection until it fails or the client stops.
    async fn session(&mut self, conn: Conn) -> Outcome {
        self.sessions += 1;
        if self.sessions > 1 {
            Counters::add(&self.shared.counters.reconnects, 1);
        }
        let resent = self.shared.outbox().rewind();
        if resent > 0 {
            Counters::add(&self.shared.counters.resent, resent as u64);
            tracing::warn!(
                resent,
                "Re-sending messages not confirmed before the last connection ended; the broker may see them twice."
            );
        }
        tracing::debug!(addr = %self.shared.cfg.addr, broker = %conn.broker, "Connected; AUTH sent.");
        let Conn {
            reader,
            writer,
            written,
            fd,
            ..
        } = conn;
        let alive = Arc::new(AtomicBool::new(true));
        let (ev_tx, events) = mpsc::channel(1);
        let reader = tokio::spawn(read_loop(
            reader,
            self.msgs.clone(),
            ev_tx,
            alive.clone(),
            self.shared.clone(),
        ));
        let now = Instant::now();
        let mut s = Session {
            unconfirmed: VecDeque::from([Batch {
                records: 0,
                stream_end: written.load(Ordering::Relaxed),
                written_at: now,
                acked_at: None,
                auth: true,
            }]),
            writer,
            written,
            fd,
            events,
            reader,
            alive,
            next_check: now,
            authed: false,
        };
        for ch in self.subs.clone() {
            if let Err(error) = self
                .write_control(&mut s, subscribe_frame(&self.shared.ident, &ch))
                .await
            {
                return lost(&s, error);
            }
        }
        if let Some((reply, deadline)) = self.closing.take() {
            let r = self.close_session(&mut s, deadline).await;
            let _ = reply.send(r);
            return Outcome::Stop;
        }
        loop {
            match s.events.try_recv() {
                Ok(ev) => return lost(&s, self.reader_error(ev)),
                Err(TryRecvError::Disconnected) => return lost(&s, ClientError::ConnectionLost("reader ended".into())),
                Err(TryRecvError::Empty) => {}
            }
            match self.cmds.try_recv() {
                Ok(cmd) => {
                    if let Some(o) = self.online_command(&mut s, Some(cmd)).await {
                        return o;
                    }
                    continue;
                }
                Err(TryRecvError::Disconnected) => return Outcome::Stop,
                Err(TryRecvError::Empty) => {}
            }
            if Instant::now() >= s.next_check {
                if let Err(error) = self.confirm(&mut s) {
                    return lost(&s, error);
                }
            }
            match self.write_batch(&mut s).await {
                Ok(true) => continue,
                Ok(false) => {}
                Err(error) => return lost(&s, error),
            }
            let check_at = s.next_check;
            let waiting = !s.unconfirmed.is_empty();
            tokio::select! {
                biased;
                ev = s.events.recv() => {
                    let error = match ev {
                        Some(ev) => self.reader_error(ev),
                        None => ClientError::ConnectionLost("reader ended".into()),
                    };
                    return lost(&s, error);
                }
                cmd = self.cmds.recv() => if let Some(o) = self.online_command(&mut s, cmd).await {
                    return o;
                },
                _ = self.shared.data_ready.notified() => {}
                _ = sleep_until(check_at), if waiting => {}
            }
        }
    }

    /// Handles a command while connected; `Some` ends the session.
    async fn online_command(&mut self, s: &mut Session, cmd: Option<Command>) -> Option<Outcome> {
        match cmd {
            None => Some(Outcome::Stop),
            Some(Command::Subscribe(ch, reply)) => {
                let r = if self.subs.insert(ch.clone()) {
                    self.write_control(s, subscribe_frame(&self.shared.ident, &ch)).await
                } else {
                    Ok(())
                };
                let _ = reply.send(());
                r.err().map(|error| lost(s, error))
            }
            Some(Command::Unsubscribe(ch, reply)) => {
                let r = if self.subs.remove(&ch) {
                    let f = Frame::Unsubscribe {
                        ident: self.shared.ident.clone(),
                        channel: Bytes::from(ch),
                    };
                    self.write_control(s, f).await
                } else {
                    Ok(())
                };
                let _ = reply.send(());
                r.err().map(|error| lost(s, error))
            }
            Some(Command::Close(reply)) => {
                let deadline = Instant::now() + self.shared.cfg.close_timeout;
                let r = self.close_session(s, deadline).await;
                let _ = reply.send(r);
                Some(Outcome::Stop)
            }
        }
    }

    /// Turns the reader's last word into an error, learning refused channels on the way.
    fn reader_error(&mut self, ev: ReaderEvent) -> ClientError {
        match ev {
            ReaderEvent::Eof => ClientError::ConnectionLost("the broker closed the connection".into()),
            ReaderEvent::Failed(why) => ClientError::ConnectionLost(why),
            ReaderEvent::Error(text) => {
                let error = ClientError::from_broker(text);
                match &error {
                    ClientError::Rejected { channel, message } => {
                        self.shared
                            .rejected
                            .lock()
                            .unwrap_or_else(|p| p.into_inner())
                            .insert(channel.clone(), message.clone());
                        self.shared.has_rejected.store(true, Ordering::SeqCst);
                    }
                    ClientError::SubscribeRejected { channel, .. } => {
                        self.subs.remove(channel);
                    }
                    _ => {}
                }
                error
            }
        }
    }

    /// Writes one control frame (SUBSCRIBE, UNSUBSCRIBE) right away.
    async fn write_control(&self, s: &mut Session, frame: Frame) -> Result<(), ClientError> {
        let mut buf = BytesMut::new();
        frame.encode(&mut buf, self.shared.cfg.max_frame)?;
        self.write_bytes(s, &buf).await
    }

    async fn write_bytes(&self, s: &mut Session, buf: &[u8]) -> Result<(), ClientError> {
        let stall = self.shared.cfg.stall_timeout;
        let w = &mut s.writer;
        let write = async {
            w.write_all(buf).await?;
            w.flush().await
        };
        match timeout(stall, write).await {
            Ok(Ok(())) => Ok(()),
            Ok(Err(e)) => Err(ClientError::ConnectionLost(format!("writing to the broker: {e}"))),
            Err(_) => Err(ClientError::Stalled(stall)),
        }
    }

    /// Whether an encoded PUBLISH goes to a channel the broker refused.
    fn is_rejected(&self, frame: &Bytes) -> bool {
        match wire::decode(frame.clone()) {
            Ok(Frame::Publish { channel, .. }) => self.shared.rejection(&String::from_utf8_lossy(&channel)).is_some(),
            _ => false,
        }
    }

    /// Writes the next batch of queued frames; `Ok(false)` if there was none.
    async fn write_batch(&self, s: &mut Session) -> Result<bool, ClientError> {
        let (frames, seq) = {
            let mut ob = self.shared.outbox();
            if ob.unread() == 0 {
                return Ok(false);
            }
            let frames = ob.read(WRITE_BATCH_BYTES)?;
            (frames, ob.read_seq())
        };
        let check = self.shared.has_rejected.load(Ordering::Relaxed);
        let mut buf = BytesMut::with_capacity(frames.iter().map(|f| f.len()).sum());
        let mut skipped = 0u64;
        for f in &frames {
            if check && self.is_rejected(f) {
                skipped += 1;
            } else {
                buf.extend_from_slice(f);
            }
        }
        if !buf.is_empty() {
            self.write_bytes(s, &buf).await?;
        }
        let c = &self.shared.counters;
        Counters::add(&c.sent, frames.len() as u64 - skipped);
        if skipped > 0 {
            Counters::add(&c.rejected, skipped);
        }
        {
            let mut ob = self.shared.outbox();
            ob.written_seq = ob.written_seq.max(seq);
        }
        self.shared.written.notify_waiters();
        s.unconfirmed.push_back(Batch {
            records: frames.len(),
            stream_end: s.written.load(Ordering::Relaxed),
            written_at: Instant::now(),
            acked_at: None,
            auth: false,
        });
        Ok(true)
    }

    /// Retires the batches the broker has kept: its TCP acknowledged them and the connection then stayed up for
    /// `confirm_delay`. Fails if the broker has left data unacknowledged for `stall_timeout`.
    fn confirm(&mut self, s: &mut Session) -> Result<(), ClientError> {
        let shared = self.shared.clone();
        let cfg = &shared.cfg;
        let now = Instant::now();
        s.next_check = now + tick(cfg);
        if !s.alive.load(Ordering::SeqCst) {
            return Ok(());
        }
        let total = s.written.load(Ordering::Relaxed);
        let peer = unacked_bytes(s.fd).map_or(total, |q| total.saturating_sub(q));
        for b in s.unconfirmed.iter_mut().filter(|b| b.acked_at.is_none()) {
            if b.stream_end > peer {
                break;
            }
            b.acked_at = Some(now);
        }
        let mut n = 0;
        while let Some(b) = s.unconfirmed.front() {
            match b.acked_at {
                Some(t) if now.duration_since(t) >= cfg.confirm_delay => {}
                _ => break,
            }
            if b.auth {
                s.authed = true;
                self.authenticated();
            }
            n += b.records;
            s.unconfirmed.pop_front();
        }
        self.retire(n)?;
        match s.unconfirmed.front() {
            Some(b) if b.acked_at.is_none() && now.duration_since(b.written_at) > cfg.stall_timeout => {
                Err(ClientError::Stalled(cfg.stall_timeout))
            }
            _ => Ok(()),
        }
    }

    /// Acknowledges `n` records in the outbox and frees their memory slots.
    fn retire(&self, n: usize) -> Result<(), ClientError> {
        if n == 0 {
            return Ok(());
        }
        self.shared.outbox().ack(n)?;
        Counters::add(&self.shared.counters.confirmed, n as u64);
        if let Some(p) = &self.shared.permits {
            p.add_permits(n);
        }
        Ok(())
    }

    fn authenticated(&mut self) {
        tracing::info!(addr = %self.shared.cfg.addr, ident = %self.shared.cfg.ident, "Connected to the hpfeeds broker.");
        self.set_status(Status::Connected);
        self.last_error = None;
        if let Some(first) = self.first.take() {
            let _ = first.send(Ok(()));
        }
    }

    /// Sends what is queued, half-closes, and waits for the broker to close after reading it all (or for the
    /// usual confirmation), within `close_timeout`.
    async fn close_session(&mut self, s: &mut Session, deadline: Instant) -> Result<(), ClientError> {
        self.shared.closed.store(true, Ordering::SeqCst);
        let mut error = None;
        while Instant::now() < deadline {
            if let Ok(ev) = s.events.try_recv() {
                error = Some(self.reader_error(ev));
                break;
            }
            match timeout_at(deadline, self.write_batch(s)).await {
                Ok(Ok(true)) => {}
                Ok(Ok(false)) | Err(_) => break,
                Ok(Err(e)) => {
                    error = Some(e);
                    break;
                }
            }
        }
        if error.is_none() {
            let _ = timeout_at(deadline, s.writer.shutdown()).await;
            while !s.unconfirmed.is_empty() {
                let check_at = s.next_check.min(deadline);
                tokio::select! {
                    biased;
                    ev = s.events.recv() => {
                        match ev {
                            // The broker read everything up to our FIN before closing.
                            Some(ReaderEvent::Eof) => {
                                let n = s.unconfirmed.drain(..).map(|b| b.records).sum();
                                if let Err(e) = self.retire(n) {
                                    error = Some(e);
                                }
                            }
                            Some(ev) => error = Some(self.reader_error(ev)),
                            None => {}
                        }
                        break;
                    }
                    _ = sleep_until(check_at) => {
                        if Instant::now() >= deadline {
                            break;
                        }
                        if let Err(e) = self.confirm(s) {
                            error = Some(e);
                            break;
                        }
                    }
                }
            }
        }
        self.close_result(error)
    }
}

fn subscribe_frame(ident: &Bytes, channel: &str) -> Frame {
    Frame::Subscribe {
        ident: ident.clone(),
        channel: Bytes::copy_from_slice(channel.as_bytes()),
    }
}

/// A lost connection, healthy if it had been accepted and ended without a broker complaint.
fn lost(s: &Session, error: ClientError) -> Outcome {
    let healthy = s.authed && error.broker_message().is_none();
    Outcome::Lost { error, healthy }
}

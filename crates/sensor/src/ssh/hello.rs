//! The client's first words: its identification line and its KEXINIT, read off the raw stream as russh consumes
//! it (russh does not expose them), for the HASSH fingerprint of the client software.

use std::pin::Pin;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};

use md5::{Digest, Md5};
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};

/// Most bytes looked at before giving up (an identification line is ≤ 255, a KEXINIT a few KB).
const MAX_HELLO: usize = 64 * 1024;

/// Reads asking for less than this are served from one read of this size (the rest waits in the tap).
const READ_AHEAD: usize = 4096;

/// What the client said first.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Hello {
    /// The identification line without CR LF.
    pub version: String,
    /// HASSH: MD5 of `kex;ciphers;macs;compression` (client to server lists).
    pub hassh: Option<String>,
    /// The string HASSH hashes.
    pub hassh_algorithms: Option<String>,
}

/// Where a [`Tap`] leaves the [`Hello`] for the session, which takes it once for `session.start` (so thousands of idle
/// sessions do not each keep the client's algorithm lists).
#[derive(Debug, Clone, Default)]
pub struct HelloSlot(Arc<Mutex<Option<Hello>>>);

impl HelloSlot {
    /// Stores the hello, replacing none: the tap parses once.
    fn put(&self, hello: Hello) {
        let mut slot = self.0.lock().unwrap_or_else(|e| e.into_inner());
        slot.get_or_insert(hello);
    }

    /// Takes the hello out, if it has come and was not taken yet.
    pub fn take(&self) -> Option<Hello> {
        self.0.lock().unwrap_or_else(|e| e.into_inner()).take()
    }
}

/// Wraps a stream and parses the first bytes read from it; everything passes through unchanged.
pub struct Tap<S> {
    /// The real stream.
    inner: S,
    /// Bytes seen so far, until parsed or the cap is hit.
    seen: Vec<u8>,
    /// Where the result goes.
    out: HelloSlot,
    /// Stop looking.
    done: bool,
    /// Bytes read and written.
    counters: Counters,
    /// Bytes read from the client but not yet handed to russh (the identification exchange's, or a read-ahead's),
    /// from `replay_from` on.
    replay: Vec<u8>,
    /// How much of `replay` was handed over.
    replay_from: usize,
    /// Bytes of russh's own identification line still to drop (ours already went out).
    swallow: usize,
    /// Ends the stream on demand (limits), waking a pending read.
    kill: KillSwitch,
}

/// Cuts a tapped stream from outside: reads return end-of-stream from then on, so the SSH session ends and the
/// socket is closed without any message, as sshd's exit at `LoginGraceTime` does.
#[derive(Debug, Clone, Default)]
pub struct KillSwitch(Arc<KillState>);

/// The switch's state.
#[derive(Debug, Default)]
struct KillState {
    /// Set once.
    killed: std::sync::atomic::AtomicBool,
    /// The last reader to wake.
    waker: std::sync::Mutex<Option<std::task::Waker>>,
}

impl KillSwitch {
    /// Ends the stream.
    pub fn kill(&self) {
        self.0.killed.store(true, Ordering::SeqCst);
        if let Some(w) = self.0.waker.lock().ok().and_then(|mut w| w.take()) {
            w.wake();
        }
    }

    /// Whether [`KillSwitch::kill`] was called.
    fn is_killed(&self) -> bool {
        self.0.killed.load(Ordering::SeqCst)
    }

    /// Remembers the reader to wake.
    fn register(&self, cx: &Context<'_>) {
        if let Ok(mut w) = self.0.waker.lock() {
            *w = Some(cx.waker().clone());
        }
    }
}

/// Bytes in and out of one connection, readable after the stream is gone.
#[derive(Debug, Clone, Default)]
pub struct Counters(Arc<(AtomicU64, AtomicU64)>);

impl Counters {
    /// `(bytes_in, bytes_out)`.
    pub fn get(&self) -> (u64, u64) {
        (self.0 .0.load(Ordering::Relaxed), self.0 .1.load(Ordering::Relaxed))
    }
}

impl<S> Tap<S> {
    /// Taps `inner`; the parsed hello appears in the returned slot.
    pub fn new(inner: S) -> (Tap<S>, HelloSlot) {
        let out = HelloSlot::default();
        (
            Tap {
                inner,
                seen: Vec::new(),
                out: out.clone(),
                done: false,
                counters: Counters::default(),
                replay: Vec::new(),
                replay_from: 0,
                swallow: 0,
                kill: KillSwitch::default(),
            },
            out,
        )
    }

    /// Hands `read` (the client's identification line and whatever followed it) to russh before the socket, and
    /// drops the `ours` bytes of identification russh will write, since [`exchange_ids`] already sent them.
    pub fn after_exchange(&mut self, read: Vec<u8>, ours: usize) {
        self.counters.0 .0.fetch_add(read.len() as u64, Ordering::Relaxed);
        self.counters.0 .1.fetch_add(ours as u64, Ordering::Relaxed);
        self.observe(&read.clone());
        self.replay = read;
        self.replay_from = 0;
        self.swallow = ours;
    }

    /// A switch that ends this stream.
    pub fn kill_switch(&self) -> KillSwitch {
        self.kill.clone()
    }

    /// The byte counters of this stream.
    pub fn counters(&self) -> Counters {
        self.counters.clone()
    }

    /// Looks at newly read bytes.
    fn observe(&mut self, data: &[u8]) {
        if self.done || data.is_empty() {
            return;
        }
        self.seen.extend_from_slice(data);
        match parse(&self.seen) {
            Parsed::Done(hello) => {
                self.out.put(hello);
                self.finish();
            }
            Parsed::Invalid => {
                if let Some(version) = version_line(&self.seen) {
                    self.out.put(Hello {
                        version,
                        hassh: None,
                        hassh_algorithms: None,
                    });
                }
                self.finish();
            }
            Parsed::More if self.seen.len() > MAX_HELLO => self.finish(),
            Parsed::More => {}
        }
    }

    /// Frees the buffer; nothing more is parsed.
    fn finish(&mut self) {
        self.done = true;
        self.seen = Vec::new();
    }
}

impl<S: AsyncRead + Unpin> AsyncRead for Tap<S> {
    fn poll_read(mut self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &mut ReadBuf<'_>) -> Poll<std::io::Result<()>> {
        if self.kill.is_killed() {
            return Poll::Ready(Ok(()));
        }
        self.kill.register(cx);
        if self.replay_from < self.replay.len() {
            let this = &mut *self;
            let rest = this.replay.get(this.replay_from..).unwrap_or_default();
            let n = rest.len().min(buf.remaining());
            buf.put_slice(rest.get(..n).unwrap_or_default());
            this.replay_from += n;
            if this.replay_from == this.replay.len() {
                // Emptied: freed, so an idle session holds no read-ahead.
                this.replay = Vec::new();
                this.replay_from = 0;
            }
            return Poll::Ready(Ok(()));
        }
        if buf.remaining() >= READ_AHEAD {
            let before = buf.filled().len();
            let res = Pin::new(&mut self.inner).poll_read(cx, buf);
            if let Poll::Ready(Ok(())) = res {
                self.fresh(buf.filled().get(before..).unwrap_or_default());
            }
            return res;
        }
        // russh reads a packet's first block, then the rest, each with `read_exact`: one system call per
        // segment instead of two or three, what the read brings beyond the request waits in `replay`.
        let mut ahead = [0u8; READ_AHEAD];
        let mut ahead_buf = ReadBuf::new(&mut ahead);
        let res = Pin::new(&mut self.inner).poll_read(cx, &mut ahead_buf);
        if let Poll::Ready(Ok(())) = res {
            let got = ahead_buf.filled();
            self.fresh(got);
            let n = got.len().min(buf.remaining());
            buf.put_slice(got.get(..n).unwrap_or_default());
            if n < got.len() {
                self.replay = got.get(n..).unwrap_or_default().to_vec();
                self.replay_from = 0;
            }
        }
        res
    }
}

impl<S> Tap<S> {
    /// Counts and looks at bytes just read from the socket.
    fn fresh(&mut self, data: &[u8]) {
        self.counters.0 .0.fetch_add(data.len() as u64, Ordering::Relaxed);
        if !self.done {
            self.observe(data);
        }
    }
}

impl<S: AsyncWrite + Unpin> AsyncWrite for Tap<S> {
    fn poll_write(mut self: Pin<&mut Self>, cx: &mut Context<'_>, data: &[u8]) -> Poll<std::io::Result<usize>> {
        if self.swallow > 0 {
            let n = self.swallow.min(data.len());
            self.swallow -= n;
            return Poll::Ready(Ok(n));
        }
        let res = Pin::new(&mut self.inner).poll_write(cx, data);
        if let Poll::Ready(Ok(n)) = res {
            self.counters.0 .1.fetch_add(n as u64, Ordering::Relaxed);
        }
        res
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.inner).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.inner).poll_shutdown(cx)
    }
}

/// Why the identification exchange ended the connection, with what OpenSSH sends before closing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum IdError {
    /// The client's first line was not an SSH identification (`GET / HTTP/1.1`, garbage, a TLS hello).
    Invalid(Vec<u8>),
    /// SSH-1.x.
    MajorVersion(String),
    /// The socket closed or failed, or the client said nothing in time.
    Closed,
}

impl IdError {
    /// The line OpenSSH 9.2's sshd writes before closing, if any.
    pub fn reply(&self) -> Option<&'static [u8]> {
        match self {
            IdError::Invalid(_) => Some(b"Invalid SSH identification string.\r\n"),
            IdError::MajorVersion(_) => Some(b"Protocol major versions differ.\r\n"),
            IdError::Closed => None,
        }
    }
}

/// Sends our identification line and reads the client's as sshd does (one line; `SSH-2.0-` or `SSH-1.99-`), so
/// probes get OpenSSH's replies byte for byte. Returns every byte read, for russh to parse again.
///
/// sshd reads the line a byte at a time, so what follows a bad line stays in the kernel and closing resets the
/// connection. Peeking gives the same result in two system calls per segment instead of one per byte: the bytes
/// are looked at in place and only those up to the line's end (or the byte that made it invalid) are consumed.
pub async fn exchange_ids(stream: &mut tokio::net::TcpStream, ours: &str) -> Result<Vec<u8>, IdError> {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    stream
        .write_all(format!("{ours}\r\n").as_bytes())
        .await
        .map_err(|_| IdError::Closed)?;
    let mut line = IdLine::default();
    let mut peeked = [0u8; 512];
    loop {
        let n = stream.peek(&mut peeked).await.map_err(|_| IdError::Closed)?;
        if n == 0 {
            return Err(IdError::Closed);
        }
        let (used, end) = line.scan(peeked.get(..n).unwrap_or_default());
        // Takes the scanned bytes (already kept by `line`) out of the kernel, and nothing after them.
        if let Some(scanned) = peeked.get_mut(..used) {
            stream.read_exact(scanned).await.map_err(|_| IdError::Closed)?;
        }
        if let Some(end) = end {
            return end;
        }
    }
}

/// The client's identification line as read so far, scanned byte by byte as sshd reads it.
#[derive(Debug, Default)]
struct IdLine {
    /// Every byte consumed, line end included.
    read: Vec<u8>,
    /// A CR came: only LF may follow.
    expect_nl: bool,
}

impl IdLine {
    /// Consumes `chunk` up to the byte that ends the line (its LF, or the byte that makes it invalid); returns how
    /// many bytes were consumed and, if the line ended, the outcome.
    fn scan(&mut self, chunk: &[u8]) -> (usize, Option<Result<Vec<u8>, IdError>>) {
        for (i, &c) in chunk.iter().enumerate() {
            self.read.push(c);
            let end = match c {
                b'\r' => {
                    self.expect_nl = true;
                    None
                }
                b'\n' => Some(self.finish()),
                // sshd: "banner line contains invalid characters".
                0 => Some(Err(IdError::Invalid(std::mem::take(&mut self.read)))),
                _ if self.expect_nl => Some(Err(IdError::Invalid(std::mem::take(&mut self.read)))),
                _ if self.read.len() > 8192 => Some(Err(IdError::Invalid(self.read[..256].to_vec()))),
                _ => None,
            };
            if end.is_some() {
                return (i + 1, end);
            }
        }
        (chunk.len(), None)
    }

    /// The complete line, checked as OpenSSH checks it.
    fn finish(&mut self) -> Result<Vec<u8>, IdError> {
        let read = std::mem::take(&mut self.read);
        let line = read.strip_suffix(b"\n").unwrap_or(&read);
        let line = line.strip_suffix(b"\r").unwrap_or(line);
        classify(line)?;
        Ok(read)
    }
}

/// Scans `data` for the client's identification line as [`exchange_ids`] does, in peeks of `step` bytes (at least
/// 1): how many bytes it consumes, and the outcome if the line ended. Public for the fuzz target, which checks that
/// any split gives the answer of one byte at a time.
pub fn scan_identification(data: &[u8], step: usize) -> (usize, Option<Result<Vec<u8>, IdError>>) {
    let mut line = IdLine::default();
    let mut used = 0;
    for chunk in data.chunks(step.max(1)) {
        let (n, end) = line.scan(chunk);
        used += n;
        if end.is_some() {
            return (used, end);
        }
    }
    (used, None)
}

/// OpenSSH's checks on the client's identification line.
fn classify(line: &[u8]) -> Result<(), IdError> {
    let text = String::from_utf8_lossy(line);
    let Some(rest) = text.strip_prefix("SSH-") else {
        return Err(IdError::Invalid(line.iter().copied().take(256).collect()));
    };
    let Some((proto, software)) = rest.split_once('-') else {
        return Err(IdError::Invalid(line.iter().copied().take(256).collect()));
    };
    if software.is_empty() {
        return Err(IdError::Invalid(line.iter().copied().take(256).collect()));
    }
    match proto {
        "2.0" | "1.99" => Ok(()),
        p if p
            .split_once('.')
            .is_some_and(|(maj, min)| maj.parse::<u32>().is_ok() && min.parse::<u32>().is_ok()) =>
        {
            Err(IdError::MajorVersion(text.into_owned()))
        }
        _ => Err(IdError::Invalid(line.iter().copied().take(256).collect())),
    }
}

/// Parses a client's first bytes (identification line, then its KEXINIT packet) as the tap does; `None` until a
/// complete, valid KEXINIT is there. Public for the fuzz target.
pub fn parse_hello(data: &[u8]) -> Option<Hello> {
    match parse(data) {
        Parsed::Done(h) => Some(h),
        _ => None,
    }
}

/// Parse progress.
enum Parsed {
    /// Need more bytes.
    More,
    /// Not SSH as expected; stop.
    Invalid,
    /// Got it.
    Done(Hello),
}

/// The `SSH-` line, skipping any lines before it (RFC 4253 §4.2 allows them); `None` until it is complete.
fn version_line(data: &[u8]) -> Option<String> {
    split_version(data).map(|(v, _)| v)
}

/// The version line and the bytes after it.
fn split_version(data: &[u8]) -> Option<(String, &[u8])> {
    let mut rest = data;
    for _ in 0..32 {
        let nl = rest.iter().position(|&b| b == b'\n')?;
        let line = &rest[..nl];
        let line = line.strip_suffix(b"\r").unwrap_or(line);
        let after = &rest[nl + 1..];
        if line.starts_with(b"SSH-") {
            return Some((String::from_utf8_lossy(line).into_owned(), after));
        }
        rest = after;
    }
    None
}

/// Parses the identification line and the first binary packet, which must be KEXINIT.
fn parse(data: &[u8]) -> Parsed {
    let Some((version, rest)) = split_version(data) else {
        return if data.len() > 8 * 1024 {
            Parsed::Invalid
        } else {
            Parsed::More
        };
    };
    let Some(len) = rest
        .get(..4)
        .map(|b| u32::from_be_bytes([b[0], b[1], b[2], b[3]]) as usize)
    else {
        return Parsed::More;
    };
    if !(12..=35_000).contains(&len) {
        return Parsed::Invalid;
    }
    let Some(packet) = rest.get(4..4 + len) else {
        return Parsed::More;
    };
    let pad = packet[0] as usize;
    let Some(payload) = packet.get(1..len.saturating_sub(pad)) else {
        return Parsed::Invalid;
    };
    match kexinit_lists(payload) {
        Some(lists) => {
            let algorithms = format!("{};{};{};{}", lists[0], lists[2], lists[4], lists[6]);
            let hassh = hex(&Md5::digest(algorithms.as_bytes()));
            Parsed::Done(Hello {
                version,
                hassh: Some(hassh),
                hassh_algorithms: Some(algorithms),
            })
        }
        None => Parsed::Invalid,
    }
}

/// The ten name-lists of a KEXINIT payload (message 20, 16-byte cookie, lists).
pub fn kexinit_lists(payload: &[u8]) -> Option<Vec<String>> {
    if payload.first() != Some(&20) {
        return None;
    }
    let mut rest = payload.get(17..)?;
    let mut lists = Vec::with_capacity(10);
    for _ in 0..10 {
        let len = u32::from_be_bytes(rest.get(..4)?.try_into().ok()?) as usize;
        let name = rest.get(4..4 + len)?;
        lists.push(String::from_utf8_lossy(name).into_owned());
        rest = &rest[4 + len..];
    }
    Some(lists)
}

/// Lowercase hex.
fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A KEXINIT packet with the given lists.
    fn packet(lists: [&str; 10]) -> Vec<u8> {
        let mut payload = vec![20u8];
        payload.extend_from_slice(&[7u8; 16]);
        for l in lists {
            payload.extend_from_slice(&(l.len() as u32).to_be_bytes());
            payload.extend_from_slice(l.as_bytes());
        }
        payload.extend_from_slice(&[0, 0, 0, 0, 0]);
        let pad = 4usize;
        let len = payload.len() + pad + 1;
        let mut p = (len as u32).to_be_bytes().to_vec();
        p.push(pad as u8);
        p.extend_from_slice(&payload);
        p.extend_from_slice(&[0; 4]);
        p
    }

    /// A client KEXINIT packet with one algorithm per list.
    fn kexinit() -> Vec<u8> {
        packet([
            "curve25519-sha256",
            "ssh-ed25519",
            "aes128-ctr",
            "aes128-ctr",
            "hmac-sha2-256",
            "hmac-sha2-256",
            "none",
            "none",
            "",
            "",
        ])
    }

    #[test]
    fn hassh_of_a_kexinit() {
        let mut data = b"SSH-2.0-OpenSSH_9.2p1 Debian-2+deb12u3\r\n".to_vec();
        data.extend(kexinit());
        let Parsed::Done(h) = parse(&data) else {
            panic!("not parsed")
        };
        assert_eq!(h.version, "SSH-2.0-OpenSSH_9.2p1 Debian-2+deb12u3");
        assert_eq!(
            h.hassh_algorithms.as_deref(),
            Some("curve25519-sha256;aes128-ctr;hmac-sha2-256;none")
        );
        assert_eq!(
            h.hassh.unwrap(),
            hex(&Md5::digest(b"curve25519-sha256;aes128-ctr;hmac-sha2-256;none"))
        );
        // Byte by byte gives the same answer.
        let (mut tap, out) = Tap::new(tokio::io::empty());
        for b in &data {
            tap.observe(std::slice::from_ref(b));
        }
        assert!(out.take().unwrap().hassh.is_some());
    }

    #[test]
    fn identification_checks_as_sshd() {
        assert_eq!(classify(b"SSH-2.0-OpenSSH_9.2"), Ok(()));
        assert_eq!(classify(b"SSH-1.99-x"), Ok(()));
        assert!(matches!(classify(b"SSH-1.5-x"), Err(IdError::MajorVersion(_))));
        assert!(matches!(classify(b"GET / HTTP/1.1"), Err(IdError::Invalid(_))));
        assert!(matches!(classify(b"SSH-2.0-"), Err(IdError::Invalid(_))));
        assert!(matches!(classify(b"SSH-x-y"), Err(IdError::Invalid(_))));
    }

    #[test]
    fn garbage_is_bounded() {
        let (mut tap, out) = Tap::new(tokio::io::empty());
        tap.observe(&vec![b'x'; 100_000]);
        assert!(tap.done && out.take().is_none());
        assert!(matches!(parse(b"SSH-2.0-x\r\n\xff\xff\xff\xff"), Parsed::Invalid));
    }

    #[tokio::test]
    async fn small_reads_are_served_from_one_read_ahead_and_pass_every_byte_through() {
        use tokio::io::AsyncReadExt;
        let mut data = b"SSH-2.0-OpenSSH_9.2p1\r\n".to_vec();
        data.extend(kexinit());
        data.extend((0..10_000u32).map(|i| i as u8));
        let (mut tap, out) = Tap::new(&data[..]);
        let mut got = Vec::new();
        // russh's pattern: a 4-byte length, then the rest, with a large read now and then.
        for want in [4usize, 20, 4, 600, 4, 5000, 4, 9000].iter().cycle() {
            let mut b = vec![0; *want];
            let n = tap.read(&mut b).await.unwrap();
            if n == 0 {
                break;
            }
            got.extend_from_slice(&b[..n]);
        }
        assert_eq!(got, data);
        assert_eq!(tap.counters().get().0, data.len() as u64);
        assert!(out.take().unwrap().hassh.is_some());
        // Drained: the read-ahead is freed.
        assert_eq!(tap.replay.capacity(), 0);
    }

    use super::scan_identification as scan_in_steps;

    #[test]
    fn the_identification_line_is_consumed_up_to_its_end_and_no_further() {
        // The KEXINIT that follows stays in the kernel for russh.
        assert_eq!(
            scan_in_steps(b"SSH-2.0-x\r\n\0\0\x01", 512),
            (11, Some(Ok(b"SSH-2.0-x\r\n".to_vec())))
        );
        // A bare LF ends the line too, as in sshd.
        assert_eq!(
            scan_in_steps(b"SSH-2.0-x\nrest", 3),
            (10, Some(Ok(b"SSH-2.0-x\n".to_vec())))
        );
        // Not SSH: consumed through its LF only, the rest is left for the reset on close.
        assert!(matches!(
            scan_in_steps(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n", 512),
            (16, Some(Err(IdError::Invalid(_))))
        ));
        // A NUL, or anything but LF after CR, ends it at that byte.
        assert!(matches!(
            scan_in_steps(b"SSH-2.0\0-x\r\n", 512),
            (8, Some(Err(IdError::Invalid(_))))
        ));
        assert!(matches!(
            scan_in_steps(b"SSH-2.0-x\rY\n", 512),
            (11, Some(Err(IdError::Invalid(_))))
        ));
        assert!(matches!(
            scan_in_steps(b"SSH-1.5-x\r\n", 512),
            (11, Some(Err(IdError::MajorVersion(_))))
        ));
        // A line that never ends is cut after 8,193 bytes, with 256 kept.
        let (used, end) = scan_in_steps(&[b'x'; 20_000], 512);
        assert_eq!(used, 8193);
        assert!(matches!(end, Some(Err(IdError::Invalid(l))) if l.len() == 256));
        // No line yet: all consumed, waiting for more.
        assert_eq!(scan_in_steps(b"SSH-2.0-", 512), (8, None));
    }

    proptest::proptest! {
        #[test]
        fn never_panics(data in proptest::collection::vec(proptest::prelude::any::<u8>(), 0..2048)) {
            let mut d = b"SSH-2.0-x\r\n".to_vec();
            d.extend(data);
            let _ = parse(&d);
        }

        /// However the peeks split the bytes, the same bytes are consumed with the same outcome as reading one
        /// byte at a time (sshd's way).
        #[test]
        fn peeking_in_pieces_matches_byte_at_a_time(
            data in proptest::collection::vec(proptest::prelude::prop_oneof![
                proptest::prelude::Just(b'\r'), proptest::prelude::Just(b'\n'), proptest::prelude::Just(0u8),
                proptest::prelude::any::<u8>(), proptest::prelude::Just(b'S'),
            ], 0..64),
            step in 1usize..80,
        ) {
            let mut d = b"SSH-2.0-".to_vec();
            d.extend(data);
            proptest::prop_assert_eq!(scan_in_steps(&d, step), scan_in_steps(&d, 1));
        }
    }
}

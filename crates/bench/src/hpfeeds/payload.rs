//! Benchmark messages and their verification, with no I/O: the self-describing payload format, pre-encoding of
//! PUBLISH frames, a zero-copy PUBLISH parser, and the per-subscriber bookkeeping of lost, duplicated, reordered
//! and corrupt messages.
//!
//! Payload layout (little-endian): publisher id `u32`, sequence number `u64`, send timestamp `u64` (ns since the
//! bench's epoch, 0 when unused), filler bytes derived from (publisher, seq), and an 8-byte tail derived from
//! (publisher, seq). Every message gets its length and tail checked; every [`FULL_CHECK_EVERY`]th is compared whole.

use anyhow::{Context, Result};
use bytes::Bytes;

use ::hpfeeds::wire::{self, Frame, Opcode, HEADER_LEN};

/// Bytes before the filler: publisher id, sequence number, timestamp.
pub const HEAD: usize = 20;

/// Bytes after the filler: the tail check word.
pub const TAIL: usize = 8;

/// Smallest payload the format can carry.
pub const MIN_PAYLOAD: usize = HEAD + TAIL;

/// Publisher id reserved for readiness probes, which subscribers note and otherwise ignore.
pub const PROBE_PUBLISHER: u32 = u32::MAX;

/// Every message whose sequence number is a multiple of this gets its whole payload compared.
pub const FULL_CHECK_EVERY: u64 = 64;

/// Largest frame a bench subscriber accepts (the reference's limit).
pub const MAX_FRAME: usize = wire::DEFAULT_MAX_FRAME;

/// How long generated payloads are: a deterministic spread over `min..=max` bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PayloadSpec {
    /// Shortest payload, at least [`MIN_PAYLOAD`].
    pub min: usize,
    /// Longest payload.
    pub max: usize,
}

impl PayloadSpec {
    /// The payload length of message `seq` from `publisher`.
    pub fn len_of(&self, publisher: u32, seq: u64) -> usize {
        let span = (self.max - self.min + 1) as u64;
        self.min + ((seq.wrapping_mul(37) ^ u64::from(publisher).wrapping_mul(11)) % span) as usize
    }
}

fn tail_word(publisher: u32, seq: u64) -> u64 {
    seq ^ (u64::from(publisher) << 40) ^ 0x9E37_79B9_7F4A_7C15
}

fn filler(publisher: u32, seq: u64, i: usize) -> u8 {
    (seq as u8).wrapping_mul(31) ^ (publisher as u8).wrapping_add(i as u8)
}

/// Writes a whole payload for (`publisher`, `seq`) into `buf`, whose length must be at least [`MIN_PAYLOAD`].
pub fn fill(buf: &mut [u8], publisher: u32, seq: u64, ts: u64) {
    let n = buf.len();
    buf[0..4].copy_from_slice(&publisher.to_le_bytes());
    buf[4..12].copy_from_slice(&seq.to_le_bytes());
    buf[12..20].copy_from_slice(&ts.to_le_bytes());
    for (i, b) in buf[HEAD..n - TAIL].iter_mut().enumerate() {
        *b = filler(publisher, seq, i);
    }
    buf[n - TAIL..].copy_from_slice(&tail_word(publisher, seq).to_le_bytes());
}

/// Overwrites the timestamp of an already filled payload.
pub fn set_ts(payload: &mut [u8], ts: u64) {
    payload[12..20].copy_from_slice(&ts.to_le_bytes());
}

/// The fixed fields at the front of a payload.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Head {
    /// Which publisher sent it.
    pub publisher: u32,
    /// Its sequence number within that publisher.
    pub seq: u64,
    /// Send timestamp in ns since the bench epoch, or 0.
    pub ts: u64,
}

/// Reads the fixed fields, or `None` if the payload is too short to hold them.
pub fn head(payload: &[u8]) -> Option<Head> {
    if payload.len() < MIN_PAYLOAD {
        return None;
    }
    Some(Head {
        publisher: u32::from_le_bytes(payload[0..4].try_into().ok()?),
        seq: u64::from_le_bytes(payload[4..12].try_into().ok()?),
        ts: u64::from_le_bytes(payload[12..20].try_into().ok()?),
    })
}

/// Checks length and tail of every payload, and the whole filler of every [`FULL_CHECK_EVERY`]th.
pub fn verify(spec: &PayloadSpec, payload: &[u8], h: &Head) -> bool {
    let n = payload.len();
    if n != spec.len_of(h.publisher, h.seq) || n < MIN_PAYLOAD {
        return false;
    }
    if payload[n - TAIL..] != tail_word(h.publisher, h.seq).to_le_bytes() {
        return false;
    }
    if h.seq.is_multiple_of(FULL_CHECK_EVERY) {
        return payload[HEAD..n - TAIL]
            .iter()
            .enumerate()
            .all(|(i, &b)| b == filler(h.publisher, h.seq, i));
    }
    true
}

/// The bytes of a PUBLISH frame before its payload, encoded once by [`wire`]; the length field is patched per
/// message.
#[derive(Debug, Clone)]
pub struct PublishPrefix {
    bytes: Vec<u8>,
}

impl PublishPrefix {
    /// Encodes the prefix for `ident` publishing on `channel`.
    pub fn new(ident: &str, channel: &str) -> Result<Self> {
        let frame = Frame::publish(ident, channel, Bytes::new())
            .to_bytes()
            .context("encoding the PUBLISH prefix")?;
        Ok(PublishPrefix { bytes: frame.to_vec() })
    }

    /// Length of the prefix: where the payload starts within each frame.
    pub fn len(&self) -> usize {
        self.bytes.len()
    }

    /// Appends one PUBLISH frame with a zeroed payload of `payload_len` bytes; returns the payload to fill.
    pub fn append<'a>(&self, dst: &'a mut Vec<u8>, payload_len: usize) -> &'a mut [u8] {
        let start = dst.len();
        let total = self.bytes.len() + payload_len;
        dst.extend_from_slice(&self.bytes);
        dst[start..start + 4].copy_from_slice(&(total as u32).to_be_bytes());
        dst.resize(start + total, 0);
        &mut dst[start + self.bytes.len()..]
    }

    /// Appends the frames of messages `0..count` from `publisher`, timestamps zero, to `dst`.
    pub fn append_run(&self, dst: &mut Vec<u8>, spec: &PayloadSpec, publisher: u32, count: u64) {
        for seq in 0..count {
            let p = self.append(dst, spec.len_of(publisher, seq));
            fill(p, publisher, seq, 0);
        }
    }

    /// Bytes the frames of `append_run` will take, for reserving up front.
    pub fn run_len(&self, spec: &PayloadSpec, publisher: u32, count: u64) -> usize {
        (0..count).map(|s| self.bytes.len() + spec.len_of(publisher, s)).sum()
    }
}

/// A PUBLISH frame's fields, borrowed from the receive buffer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PublishRef<'a> {
    /// The publisher's ident as the broker relayed it.
    pub ident: &'a [u8],
    /// The channel.
    pub channel: &'a [u8],
    /// The payload.
    pub payload: &'a [u8],
}

/// Parses one whole PUBLISH frame (header included, as delimited by [`wire::check`]) without copying.
pub fn parse_publish(frame: &[u8]) -> Option<PublishRef<'_>> {
    if frame.len() < HEADER_LEN + 2 || frame[4] != Opcode::Publish as u8 {
        return None;
    }
    let body = &frame[HEADER_LEN..];
    let il = body[0] as usize;
    let ident = body.get(1..1 + il)?;
    let cl = *body.get(1 + il)? as usize;
    let channel = body.get(2 + il..2 + il + cl)?;
    let payload = body.get(2 + il + cl..)?;
    Some(PublishRef {
        ident,
        channel,
        payload,
    })
}

/// Delivery bookkeeping for one subscriber: which (publisher, seq) pairs arrived, and how.
#[derive(Debug, Clone)]
pub struct Tracker {
    per_pub: u64,
    seen: Vec<Vec<u64>>,
    max_seen: Vec<Option<u64>>,
    /// Distinct expected messages received.
    pub unique: u64,
    /// Messages received more than once (each extra copy counts).
    pub dup: u64,
    /// Messages that arrived after a later message of the same publisher.
    pub reordered: u64,
    /// Messages with a bad payload, an unknown publisher or sequence number, or a wrong ident or channel.
    pub corrupt: u64,
}

impl Tracker {
    /// Expects `per_pub` messages (sequence numbers `0..per_pub`) from each of `publishers`.
    pub fn new(publishers: u32, per_pub: u64) -> Self {
        let words = per_pub.div_ceil(64) as usize;
        Tracker {
            per_pub,
            seen: (0..publishers).map(|_| vec![0u64; words]).collect(),
            max_seen: vec![None; publishers as usize],
            unique: 0,
            dup: 0,
            reordered: 0,
            corrupt: 0,
        }
    }

    /// Records one well-formed message.
    pub fn record(&mut self, publisher: u32, seq: u64) {
        let p = publisher as usize;
        if p >= self.seen.len() || seq >= self.per_pub {
            self.corrupt += 1;
            return;
        }
        let (w, bit) = ((seq / 64) as usize, 1u64 << (seq % 64));
        if self.seen[p][w] & bit != 0 {
            self.dup += 1;
            return;
        }
        self.seen[p][w] |= bit;
        self.unique += 1;
        match self.max_seen[p] {
            Some(m) if seq < m => self.reordered += 1,
            _ => self.max_seen[p] = Some(seq),
        }
    }

    /// Messages expected in total.
    pub fn expected(&self) -> u64 {
        self.per_pub * self.seen.len() as u64
    }

    /// Expected messages that never arrived (so far).
    pub fn lost(&self) -> u64 {
        self.expected() - self.unique
    }

    /// Whether every expected message arrived.
    pub fn complete(&self) -> bool {
        self.unique == self.expected()
    }
}

/// What a subscriber does with received bytes: walks whole frames with [`wire::check`], verifies each message,
/// optionally records its latency. Allocates nothing per message.
#[derive(Debug)]
pub struct Receiver {
    spec: PayloadSpec,
    ident: Vec<u8>,
    channel: Vec<u8>,
    /// Delivery bookkeeping.
    pub tracker: Tracker,
    /// Whether a readiness probe has arrived.
    pub probe_seen: bool,
    /// Broker ERROR frames and other anomalies, capped at a few entries.
    pub errors: Vec<String>,
    /// Latencies in ns of messages with `seq >= latency_from`, if recording.
    pub latencies: Option<Vec<u64>>,
    latency_from: u64,
}

/// Most anomaly descriptions kept per subscriber; the rest are only counted as corrupt.
const MAX_ERRORS: usize = 8;

impl Receiver {
    /// A receiver expecting `per_pub` messages from each of `publishers`, sent by `ident` on `channel`.
    pub fn new(spec: PayloadSpec, ident: &str, channel: &str, publishers: u32, per_pub: u64) -> Self {
        Receiver {
            spec,
            ident: ident.as_bytes().to_vec(),
            channel: channel.as_bytes().to_vec(),
            tracker: Tracker::new(publishers, per_pub),
            probe_seen: false,
            errors: Vec::new(),
            latencies: None,
            latency_from: 0,
        }
    }

    /// Records the latency (receive time minus payload timestamp) of every message with `seq >= warmup`.
    pub fn with_latency(mut self, warmup: u64) -> Self {
        let n = self.tracker.expected().saturating_sub(warmup) as usize;
        self.latencies = Some(Vec::with_capacity(n));
        self.latency_from = warmup;
        self
    }

    fn note(&mut self, msg: impl FnOnce() -> String) {
        if self.errors.len() < MAX_ERRORS {
            self.errors.push(msg());
        }
    }

    /// Consumes every whole frame at the front of `buf`; returns how many bytes were consumed, or an error if the
    /// broker sent bytes that are not hpfeeds (the caller should stop reading). `now_ns` is the receive time.
    pub fn feed(&mut self, buf: &[u8], now_ns: u64) -> Result<usize, String> {
        let mut off = 0;
        loop {
            match wire::check(&buf[off..], MAX_FRAME) {
                Ok(Some(n)) => {
                    self.frame(&buf[off..off + n], now_ns);
                    off += n;
                }
                Ok(None) => return Ok(off),
                Err(e) => return Err(format!("broker sent an invalid frame: {e}")),
            }
        }
    }

    fn frame(&mut self, f: &[u8], now_ns: u64) {
        let op = f[4];
        if op == Opcode::Error as u8 {
            self.note(|| format!("broker sent ERROR: {}", String::from_utf8_lossy(&f[HEADER_LEN..])));
            return;
        }
        let Some(p) = parse_publish(f) else {
            self.tracker.corrupt += 1;
            self.note(|| format!("broker sent an unexpected or malformed frame (opcode {op})"));
            return;
        };
        if p.ident != self.ident.as_slice() || p.channel != self.channel.as_slice() {
            self.tracker.corrupt += 1;
            self.note(|| "message with a wrong ident or channel".to_string());
            return;
        }
        let Some(h) = head(p.payload) else {
            self.tracker.corrupt += 1;
            self.note(|| format!("payload of {} bytes is too short", p.payload.len()));
            return;
        };
        if h.publisher == PROBE_PUBLISHER {
            self.probe_seen = true;
            return;
        }
        if !verify(&self.spec, p.payload, &h) {
            self.tracker.corrupt += 1;
            self.note(|| format!("corrupt payload from publisher {} seq {}", h.publisher, h.seq));
            return;
        }
        self.tracker.record(h.publisher, h.seq);
        if h.seq >= self.latency_from {
            if let Some(l) = self.latencies.as_mut() {
                l.push(now_ns.saturating_sub(h.ts));
            }
        }
    }
}

/// Encodes one readiness probe frame (publisher [`PROBE_PUBLISHER`]).
pub fn probe_frame(prefix: &PublishPrefix, seq: u64) -> Vec<u8> {
    let mut v = Vec::new();
    fill(prefix.append(&mut v, MIN_PAYLOAD + 4), PROBE_PUBLISHER, seq, 0);
    v
}

#[cfg(test)]
mod tests {
    use super::*;

    const SPEC: PayloadSpec = PayloadSpec { min: 100, max: 200 };

    #[test]
    fn lengths_stay_in_range_and_vary() {
        let lens: Vec<usize> = (0..1000).map(|s| SPEC.len_of(3, s)).collect();
        assert!(lens.iter().all(|&l| (100..=200).contains(&l)));
        assert!(lens.iter().min() < lens.iter().max());
        let fixed = PayloadSpec { min: 64, max: 64 };
        assert_eq!(fixed.len_of(9, 12345), 64);
    }

    #[test]
    fn prefix_frames_match_the_wire_encoder() {
        let prefix = PublishPrefix::new("bench", "chan").unwrap();
        let mut buf = Vec::new();
        prefix.append_run(&mut buf, &SPEC, 2, 3);
        assert_eq!(buf.len(), prefix.run_len(&SPEC, 2, 3));
        let mut off = 0;
        for seq in 0..3 {
            let n = wire::check(&buf[off..], MAX_FRAME).unwrap().unwrap();
            let mut payload = vec![0u8; SPEC.len_of(2, seq)];
            fill(&mut payload, 2, seq, 0);
            let want = Frame::publish("bench", "chan", payload).to_bytes().unwrap();
            assert_eq!(&buf[off..off + n], &want[..]);
            let p = parse_publish(&buf[off..off + n]).unwrap();
            assert_eq!((p.ident, p.channel), (&b"bench"[..], &b"chan"[..]));
            let h = head(p.payload).unwrap();
            assert_eq!((h.publisher, h.seq, h.ts), (2, seq, 0));
            assert!(verify(&SPEC, p.payload, &h));
            off += n;
        }
        assert_eq!(off, buf.len());
    }

    #[test]
    fn verify_catches_damage() {
        let mut p = vec![0u8; SPEC.len_of(1, 64)];
        fill(&mut p, 1, 64, 7);
        let h = head(&p).unwrap();
        assert!(verify(&SPEC, &p, &h));
        // Seq 64 gets a full compare, so filler damage is caught.
        p[50] ^= 1;
        assert!(!verify(&SPEC, &p, &h));
        p[50] ^= 1;
        let n = p.len();
        p[n - 1] ^= 1;
        assert!(!verify(&SPEC, &p, &h));
        assert!(!verify(&SPEC, &p[..n - 1], &h));
    }

    #[test]
    fn tracker_counts_dup_reorder_loss_and_junk() {
        let mut t = Tracker::new(2, 100);
        for s in [0, 1, 3, 2, 2, 4] {
            t.record(0, s);
        }
        t.record(1, 0);
        t.record(1, 100); // out of range
        t.record(5, 0); // unknown publisher
        assert_eq!(t.unique, 6);
        assert_eq!(t.dup, 1);
        assert_eq!(t.reordered, 1);
        assert_eq!(t.corrupt, 2);
        assert_eq!(t.expected(), 200);
        assert_eq!(t.lost(), 194);
        assert!(!t.complete());
        let mut t = Tracker::new(1, 65);
        (0..65).for_each(|s| t.record(0, s));
        assert!(t.complete());
        assert_eq!((t.dup, t.reordered, t.lost()), (0, 0, 0));
    }

    #[test]
    fn receiver_walks_split_frames_and_ignores_probes() {
        let prefix = PublishPrefix::new("bench", "chan").unwrap();
        let mut buf = probe_frame(&prefix, 0);
        prefix.append_run(&mut buf, &SPEC, 0, 10);
        let mut r = Receiver::new(SPEC, "bench", "chan", 1, 10).with_latency(5);
        // Feed in awkward pieces, carrying the unconsumed remainder as the real loop does.
        let mut pending: Vec<u8> = Vec::new();
        for chunk in buf.chunks(37) {
            pending.extend_from_slice(chunk);
            let used = r.feed(&pending, 1_000).unwrap();
            pending.drain(..used);
        }
        assert!(pending.is_empty());
        assert!(r.probe_seen);
        assert!(r.tracker.complete());
        assert_eq!(r.latencies.as_ref().unwrap().len(), 5);
        assert!(r.errors.is_empty());
        // A wrong channel is corrupt; an ERROR frame is reported; garbage stops the walk.
        let other = PublishPrefix::new("bench", "other").unwrap();
        let mut bad = Vec::new();
        other.append_run(&mut bad, &SPEC, 0, 1);
        bad.extend_from_slice(&Frame::error("nope").to_bytes().unwrap());
        assert_eq!(r.feed(&bad, 0).unwrap(), bad.len());
        assert_eq!(r.tracker.corrupt, 1);
        assert_eq!(r.errors.len(), 2);
        assert!(r.feed(&[0, 0, 0, 1, 3], 0).is_err());
    }
}

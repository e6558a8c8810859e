//! Cowrie's binary tty log (`cowrie/core/ttylog.py`, the UML `ttyrec`-like format), built from a session's terminal
//! traffic, so `cowrie.log.closed` can carry Cowrie's `shasum`/`size` and `cowrie.sessions` its hex `ttylog`.
//!
//! Each record is a 24-byte little-endian header `<iLiiLL` (op, tty, length, direction, seconds, microseconds)
//! followed by `length` bytes of data: `OPEN` first, one `WRITE` per chunk, `CLOSE` last. Cowrie names a log by the
//! SHA-256 of every byte that is not terminal output (keystrokes, exec commands), and its `size` counts output bytes.

use chrono::{DateTime, Utc};
use sha2::{Digest, Sha256};

use super::cowrie_sessions::MAX_TTYLOG;

/// Record kinds.
const OP_OPEN: i32 = 1;
/// Last record.
const OP_CLOSE: i32 = 2;
/// Data record.
const OP_WRITE: i32 = 3;
/// Attacker keystrokes.
const TYPE_INPUT: i32 = 1;
/// What the terminal showed.
const TYPE_OUTPUT: i32 = 2;
/// An exec channel's command line.
const TYPE_INTERACT: i32 = 3;
/// Header bytes of one record.
const HEADER: usize = 24;

/// A Cowrie tty log being written; [`TtyLogWriter::close`] gives the finished file and its Cowrie names.
#[derive(Debug, Clone)]
pub struct TtyLogWriter {
    /// The file so far.
    buf: Vec<u8>,
    /// Hash of non-output data (Cowrie's `ttylog_inputhash`).
    input: Sha256,
    /// Output bytes written (Cowrie's `ttylogSize`).
    size: u64,
    /// Whether a chunk was dropped for the size cap.
    truncated: bool,
}

/// A closed tty log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClosedTtyLog {
    /// The file's bytes (hex of these is `cowrie.sessions`' `ttylog`).
    pub bytes: Vec<u8>,
    /// Cowrie's `shasum`: SHA-256 of the non-output data, lowercase hex; also the file's name.
    pub sha256: String,
    /// Cowrie's `size`: terminal output bytes.
    pub size: u64,
    /// Whether chunks were left out to stay under [`MAX_TTYLOG`].
    pub truncated: bool,
}

impl TtyLogWriter {
    /// Starts a log with its `OPEN` record at `at` (Cowrie uses the session's start).
    pub fn open(at: DateTime<Utc>) -> TtyLogWriter {
        let mut w = TtyLogWriter {
            buf: Vec::new(),
            input: Sha256::new(),
            size: 0,
            truncated: false,
        };
        w.record(OP_OPEN, 0, at, &[]);
        w
    }

    /// Keystrokes from the attacker.
    pub fn input(&mut self, at: DateTime<Utc>, data: &[u8]) {
        self.write(TYPE_INPUT, at, data);
    }

    /// Bytes the terminal showed.
    pub fn output(&mut self, at: DateTime<Utc>, data: &[u8]) {
        self.write(TYPE_OUTPUT, at, data);
    }

    /// An exec request's command line (no PTY).
    pub fn interact(&mut self, at: DateTime<Utc>, data: &[u8]) {
        self.write(TYPE_INTERACT, at, data);
    }

    /// Ends the log with its `CLOSE` record.
    pub fn close(mut self, at: DateTime<Utc>) -> ClosedTtyLog {
        self.record(OP_CLOSE, 0, at, &[]);
        ClosedTtyLog {
            bytes: self.buf,
            sha256: hex::encode(self.input.finalize()),
            size: self.size,
            truncated: self.truncated,
        }
    }

    /// One `WRITE` record, unless it would push the file (with room for `CLOSE`) over the cap.
    fn write(&mut self, direction: i32, at: DateTime<Utc>, data: &[u8]) {
        if data.is_empty() {
            return;
        }
        let room = MAX_TTYLOG.saturating_sub(self.buf.len() + 2 * HEADER);
        if data.len() > room {
            self.truncated = true;
            return;
        }
        if direction == TYPE_OUTPUT {
            self.size += data.len() as u64;
        } else {
            self.input.update(data);
        }
        self.record(OP_WRITE, direction, at, data);
    }

    /// Appends a header and its data.
    fn record(&mut self, op: i32, direction: i32, at: DateTime<Utc>, data: &[u8]) {
        // `data` is capped by MAX_TTYLOG, far below i32::MAX.
        let len = i32::try_from(data.len()).unwrap_or(i32::MAX);
        self.buf.extend_from_slice(&op.to_le_bytes());
        self.buf.extend_from_slice(&0u32.to_le_bytes());
        self.buf.extend_from_slice(&len.to_le_bytes());
        self.buf.extend_from_slice(&direction.to_le_bytes());
        // Python's struct "L" wraps nothing: seconds fit in u32 until 2106.
        self.buf.extend_from_slice(&(at.timestamp() as u32).to_le_bytes());
        self.buf
            .extend_from_slice(&at.timestamp_subsec_micros().min(999_999).to_le_bytes());
        self.buf.extend_from_slice(data);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::compat::cowrie_json::tests::FIXTURES;
    use chrono::TimeZone;

    /// One decoded record: (op, direction, seconds, microseconds, data).
    type Rec = (i32, i32, u32, u32, Vec<u8>);

    fn le32(b: &[u8], at: usize) -> u32 {
        u32::from_le_bytes(b[at..at + 4].try_into().unwrap())
    }

    fn records(b: &[u8]) -> Vec<Rec> {
        let mut out = Vec::new();
        let mut off = 0;
        while off < b.len() {
            let len = le32(b, off + 8) as usize;
            let data = b[off + HEADER..off + HEADER + len].to_vec();
            out.push((
                le32(b, off) as i32,
                le32(b, off + 12) as i32,
                le32(b, off + 16),
                le32(b, off + 20),
                data,
            ));
            off += HEADER + len;
        }
        out
    }

    fn at(sec: u32, usec: u32) -> DateTime<Utc> {
        Utc.timestamp_opt(i64::from(sec), usec * 1000).unwrap()
    }

    /// Replays every fixture tty log through the writer: same bytes, and Cowrie's shasum and size from log.closed.
    #[test]
    fn rebuilds_every_fixture_ttylog() {
        let mut checked = 0;
        for (jsonl, payload) in FIXTURES {
            let v: serde_json::Value = serde_json::from_str(payload).unwrap();
            let Some(hexlog) = v["ttylog"].as_str() else { continue };
            let bytes = hex::decode(hexlog).unwrap();
            let recs = records(&bytes);
            let (first, last) = (&recs[0], &recs[recs.len() - 1]);
            assert_eq!((first.0, last.0), (OP_OPEN, OP_CLOSE));
            let mut w = TtyLogWriter::open(at(first.2, first.3));
            for (op, dir, sec, usec, data) in &recs[1..recs.len() - 1] {
                assert_eq!(*op, OP_WRITE);
                match *dir {
                    TYPE_INPUT => w.input(at(*sec, *usec), data),
                    TYPE_OUTPUT => w.output(at(*sec, *usec), data),
                    _ => w.interact(at(*sec, *usec), data),
                }
            }
            let closed = w.close(at(last.2, last.3));
            assert_eq!(closed.bytes, bytes);
            assert!(!closed.truncated);
            let lc: serde_json::Value =
                serde_json::from_str(jsonl.lines().find(|l| l.contains("cowrie.log.closed")).unwrap()).unwrap();
            assert_eq!(closed.size, lc["size"].as_u64().unwrap());
            // Fixture 02's records had the download address rewritten after Cowrie hashed them (fixtures README).
            if !jsonl.contains("9f40e0f9120e") {
                assert_eq!(closed.sha256, lc["shasum"].as_str().unwrap());
            }
            checked += 1;
        }
        assert_eq!(checked, 3);
    }

    #[test]
    fn exact_records_and_the_cap() {
        let t = at(0x6b0a_3111, 0x0008_4a13);
        let mut w = TtyLogWriter::open(t);
        w.input(t, b"id\n");
        w.output(t, b"");
        w.output(t, &vec![b'x'; MAX_TTYLOG]);
        let c = w.close(t);
        let head = |op: u8, len: u8, dir: u8| {
            let mut h = vec![op, 0, 0, 0, 0, 0, 0, 0, len, 0, 0, 0, dir, 0, 0, 0];
            h.extend_from_slice(&[0x11, 0x31, 0x0a, 0x6b, 0x13, 0x4a, 0x08, 0x00]);
            h
        };
        let mut want = head(1, 0, 0);
        want.extend(head(3, 3, 1));
        want.extend_from_slice(b"id\n");
        want.extend(head(2, 0, 0));
        assert_eq!(c.bytes, want);
        assert!(c.truncated);
        assert_eq!(c.size, 0);
        assert_eq!(c.sha256, hex::encode(Sha256::digest(b"id\n")));
    }
}

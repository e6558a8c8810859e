//! Writing asciicast v2: the header, event lines, UTF-8-safe decoding of terminal bytes, and the byte cap.
//!
//! Terminal output is bytes, JSON strings are text. Like asciinema (an incremental UTF-8 decoder with
//! `errors="replace"` per stream), a multi-byte character split across two writes is carried to the next write, and
//! bytes that can never be UTF-8 become U+FFFD, one per maximal invalid subpart; a sequence still incomplete when the
//! recording ends becomes U+FFFD too rather than being lost.

use std::fs::{File, OpenOptions};
use std::io::{self, Write};
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use super::Header;

/// Default byte cap of one recording file (header and events): 8 MiB.
pub const DEFAULT_CAP: u64 = 8 * 1024 * 1024;
/// The label of the marker event written when the cap is reached; nothing is recorded after it.
pub const CAP_MARKER: &str = "apiary: recording size limit reached";
/// Longest session id used as a file name.
const MAX_SESSION_ID: usize = 128;

/// An incremental UTF-8 decoder: keeps an incomplete trailing sequence for the next chunk, replaces invalid bytes.
#[derive(Debug, Default, Clone)]
pub struct Utf8Stream {
    /// The start of a character whose remaining bytes have not arrived (at most 3 bytes).
    carry: Vec<u8>,
}

impl Utf8Stream {
    /// Decodes `bytes` after whatever was carried, keeping a trailing incomplete sequence.
    pub fn decode(&mut self, bytes: &[u8]) -> String {
        let mut buf = std::mem::take(&mut self.carry);
        buf.extend_from_slice(bytes);
        let mut out = String::with_capacity(buf.len());
        let mut rest: &[u8] = &buf;
        // Each round consumes at least one byte or ends, so this is bounded by the input length.
        while !rest.is_empty() {
            match std::str::from_utf8(rest) {
                Ok(s) => {
                    out.push_str(s);
                    break;
                }
                Err(e) => {
                    let (valid, after) = rest.split_at(e.valid_up_to());
                    out.push_str(std::str::from_utf8(valid).unwrap_or_default());
                    match e.error_len() {
                        Some(n) => {
                            out.push(char::REPLACEMENT_CHARACTER);
                            rest = after.get(n..).unwrap_or_default();
                        }
                        None => {
                            self.carry = after.to_vec();
                            break;
                        }
                    }
                }
            }
        }
        out
    }

    /// Ends the stream: an incomplete sequence left over becomes U+FFFD.
    pub fn flush(&mut self) -> String {
        let carry = std::mem::take(&mut self.carry);
        String::from_utf8_lossy(&carry).into_owned()
    }

    /// Whether an incomplete sequence is waiting.
    pub fn is_pending(&self) -> bool {
        !self.carry.is_empty()
    }
}

/// An event time as asciinema writes it: seconds with up to 6 decimals, trailing zeros trimmed (`1.5`, `0.0`).
pub fn format_time(at: Duration) -> String {
    let micros = at.as_micros();
    let mut s = format!("{}.{:06}", micros / 1_000_000, micros % 1_000_000);
    while s.ends_with('0') && !s.ends_with(".0") {
        s.pop();
    }
    s
}

/// Length of `c` inside a JSON string as Python's `json.dumps(ensure_ascii=False)` writes it.
fn escaped_len(c: char) -> usize {
    match c {
        '"' | '\\' | '\n' | '\r' | '\t' | '\u{8}' | '\u{c}' => 2,
        c if u32::from(c) < 0x20 => 6,
        c => c.len_utf8(),
    }
}

/// Appends `s` as a JSON string, escaped exactly as Python's `json.dumps(ensure_ascii=False)` does.
fn push_json_str(out: &mut String, s: &str) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            c if u32::from(c) < 0x20 => out.push_str(&format!("\\u{:04x}", u32::from(c))),
            c => out.push(c),
        }
    }
    out.push('"');
}

/// The longest prefix of `s` whose escaped form takes at most `budget` bytes.
fn prefix_within(s: &str, budget: usize) -> &str {
    let mut used = 0usize;
    for (i, c) in s.char_indices() {
        used = used.saturating_add(escaped_len(c));
        if used > budget {
            return s.get(..i).unwrap_or_default();
        }
    }
    s
}

/// Writes asciicast v2 to any `Write`, stopping after a marker once `cap` bytes are written.
#[derive(Debug)]
pub struct CastWriter<W: Write> {
    /// Where lines go.
    out: W,
    /// Decoder of output bytes.
    stdout: Utf8Stream,
    /// Decoder of input bytes.
    stdin: Utf8Stream,
    /// Bytes written so far, header included.
    written: u64,
    /// The cap on `written` (the final marker line may pass it).
    cap: u64,
    /// The cap was reached (or a write failed): nothing more is recorded.
    stopped: bool,
    /// The latest event time, so times never go backwards.
    last: Duration,
}

impl<W: Write> CastWriter<W> {
    /// Starts a recording on `out` by writing the header line.
    pub fn new(mut out: W, header: &Header, cap: u64) -> io::Result<CastWriter<W>> {
        let line = header_line(header);
        out.write_all(line.as_bytes())?;
        Ok(CastWriter {
            out,
            stdout: Utf8Stream::default(),
            stdin: Utf8Stream::default(),
            written: line.len() as u64,
            cap,
            stopped: false,
            last: Duration::ZERO,
        })
    }

    /// Records terminal output (`"o"`) at `at` since the start.
    pub fn output(&mut self, at: Duration, data: &[u8]) -> io::Result<()> {
        if self.stopped {
            return Ok(());
        }
        let text = self.stdout.decode(data);
        self.event(at, "o", &text)
    }

    /// Records keyboard input (`"i"`) at `at` since the start.
    pub fn input(&mut self, at: Duration, data: &[u8]) -> io::Result<()> {
        if self.stopped {
            return Ok(());
        }
        let text = self.stdin.decode(data);
        self.event(at, "i", &text)
    }

    /// Records a terminal resize (`"r"`, `"COLSxROWS"`).
    pub fn resize(&mut self, at: Duration, width: u16, height: u16) -> io::Result<()> {
        self.event(at, "r", &format!("{width}x{height}"))
    }

    /// Records a marker (`"m"`) with a label.
    pub fn marker(&mut self, at: Duration, label: &str) -> io::Result<()> {
        self.event(at, "m", label)
    }

    /// Whether recording has stopped (cap reached or a write failed).
    pub fn is_stopped(&self) -> bool {
        self.stopped
    }

    /// Bytes written so far, header included.
    pub fn bytes_written(&self) -> u64 {
        self.written
    }

    /// Writes what the decoders still hold (as U+FFFD) at `at` and flushes the writer; returns it.
    pub fn finish(mut self, at: Duration) -> io::Result<W> {
        if !self.stopped {
            let out = self.stdout.flush();
            if !out.is_empty() {
                self.event(at, "o", &out)?;
            }
            let inp = self.stdin.flush();
            if !inp.is_empty() {
                self.event(at, "i", &inp)?;
            }
        }
        self.out.flush()?;
        Ok(self.out)
    }

    /// Writes one event line, cutting it to the cap and then writing the final marker.
    fn event(&mut self, at: Duration, code: &str, data: &str) -> io::Result<()> {
        if self.stopped || (data.is_empty() && code != "m") {
            return Ok(());
        }
        let at = at.max(self.last);
        self.last = at;
        let time = format_time(at);
        // `[t, "o", "` + `"]\n`
        let overhead = time.len() + code.len() + 11;
        let room = self.cap.saturating_sub(self.written);
        let room = usize::try_from(room).unwrap_or(usize::MAX).saturating_sub(overhead);
        let fits = prefix_within(data, room);
        let capped = fits.len() < data.len();
        if !fits.is_empty() || !capped {
            self.line(&time, code, fits)?;
        }
        if capped {
            self.line(&time, "m", CAP_MARKER)?;
            self.stopped = true;
        }
        Ok(())
    }

    /// Writes `[time, "code", "data"]\n`; a failed write stops the recording.
    fn line(&mut self, time: &str, code: &str, data: &str) -> io::Result<()> {
        let mut line = String::with_capacity(data.len() + time.len() + 16);
        line.push('[');
        line.push_str(time);
        line.push_str(", \"");
        line.push_str(code);
        line.push_str("\", ");
        push_json_str(&mut line, data);
        line.push_str("]\n");
        if let Err(e) = self.out.write_all(line.as_bytes()) {
            self.stopped = true;
            return Err(e);
        }
        self.written = self.written.saturating_add(line.len() as u64);
        Ok(())
    }
}

/// The header line, keys in asciinema's order: version, width, height, timestamp, idle_time_limit, env, title.
fn header_line(h: &Header) -> String {
    let mut s = format!("{{\"version\": 2, \"width\": {}, \"height\": {}", h.width, h.height);
    if let Some(t) = h.timestamp {
        s.push_str(&format!(", \"timestamp\": {t}"));
    }
    if let Some(limit) = h.idle_time_limit.filter(|l| l.is_finite() && *l >= 0.0) {
        s.push_str(&format!(", \"idle_time_limit\": {limit:?}"));
    }
    if h.term.is_some() || h.shell.is_some() {
        s.push_str(", \"env\": {");
        let mut first = true;
        for (key, value) in [("TERM", &h.term), ("SHELL", &h.shell)] {
            if let Some(v) = value {
                if !first {
                    s.push_str(", ");
                }
                first = false;
                push_json_str(&mut s, key);
                s.push_str(": ");
                push_json_str(&mut s, v);
            }
        }
        s.push('}');
    }
    if let Some(title) = &h.title {
        s.push_str(", \"title\": ");
        push_json_str(&mut s, title);
    }
    s.push_str("}\n");
    s
}

/// `dir/<session-id>.cast`, or `None` when the id is not a safe file name (`[A-Za-z0-9._-]`, 1-128, no leading dot).
pub fn cast_path(dir: &Path, session_id: &str) -> Option<PathBuf> {
    let ok = !session_id.is_empty()
        && session_id.len() <= MAX_SESSION_ID
        && !session_id.starts_with('.')
        && session_id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-'));
    ok.then(|| dir.join(format!("{session_id}.cast")))
}

/// One session's recording file, times taken from a clock started at creation.
///
/// Unbuffered: each event is one line built in memory and written with one `write` (a few µs), so thousands of idle
/// shells hold no file buffers. Async callers should run [`Recording::finish`] (which fsyncs) on a blocking thread;
/// dropping without `finish` loses nothing written, but does not fsync.
#[derive(Debug)]
pub struct Recording {
    /// The cast writer over the file.
    inner: CastWriter<File>,
    /// Where the file is.
    path: PathBuf,
    /// When the recording started.
    start: Instant,
}

impl Recording {
    /// Creates `dir/<session-id>.cast` (mode 0600; an existing file is an error, never overwritten).
    pub fn create(dir: &Path, session_id: &str, header: &Header, cap: u64) -> io::Result<Recording> {
        let path = cast_path(dir, session_id)
            .ok_or_else(|| io::Error::new(io::ErrorKind::InvalidInput, "session id is not a safe file name"))?;
        let file = OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(0o600)
            .open(&path)?;
        let inner = CastWriter::new(file, header, cap)?;
        Ok(Recording {
            inner,
            path,
            start: Instant::now(),
        })
    }

    /// The file's path.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Time since the recording started.
    pub fn elapsed(&self) -> Duration {
        self.start.elapsed()
    }

    /// Records terminal output now.
    pub fn output(&mut self, data: &[u8]) -> io::Result<()> {
        let at = self.elapsed();
        self.inner.output(at, data)
    }

    /// Records keyboard input now.
    pub fn input(&mut self, data: &[u8]) -> io::Result<()> {
        let at = self.elapsed();
        self.inner.input(at, data)
    }

    /// Records a terminal resize now.
    pub fn resize(&mut self, width: u16, height: u16) -> io::Result<()> {
        let at = self.elapsed();
        self.inner.resize(at, width, height)
    }

    /// The underlying writer, for events with explicit times.
    pub fn writer(&mut self) -> &mut CastWriter<File> {
        &mut self.inner
    }

    /// Whether recording has stopped (cap reached or a write failed).
    pub fn is_stopped(&self) -> bool {
        self.inner.is_stopped()
    }

    /// Flushes, fsyncs and closes the file; returns its size in bytes.
    pub fn finish(self) -> io::Result<u64> {
        let at = self.elapsed();
        let file = self.inner.finish(at)?;
        file.sync_all()?;
        Ok(file.metadata()?.len())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn header() -> Header {
        Header {
            width: 80,
            height: 24,
            timestamp: Some(1_764_320_000),
            idle_time_limit: None,
            term: Some("xterm-256color".into()),
            shell: Some("/bin/bash".into()),
            title: Some("root@srv01 from 192.0.2.7".into()),
        }
    }

    fn text(w: CastWriter<Vec<u8>>) -> String {
        String::from_utf8(w.finish(Duration::from_secs(9)).unwrap()).unwrap()
    }

    #[test]
    fn lines_are_exactly_asciinemas() {
        let mut w = CastWriter::new(Vec::new(), &header(), DEFAULT_CAP).unwrap();
        w.output(Duration::from_micros(1_500_000), b"root@srv01:~# ").unwrap();
        w.input(Duration::from_micros(2_000_001), b"ls\r").unwrap();
        w.output(Duration::from_micros(2_100_000), b"\"q\"\\\t\x1b[0m\x07\x7f\xc3\xa9\n")
            .unwrap();
        w.resize(Duration::from_secs(3), 132, 43).unwrap();
        // A time going backwards is held at the latest.
        w.output(Duration::from_secs(1), b"x").unwrap();
        assert_eq!(
            text(w),
            "{\"version\": 2, \"width\": 80, \"height\": 24, \"timestamp\": 1764320000, \
             \"env\": {\"TERM\": \"xterm-256color\", \"SHELL\": \"/bin/bash\"}, \"title\": \"root@srv01 from 192.0.2.7\"}\n\
             [1.5, \"o\", \"root@srv01:~# \"]\n\
             [2.000001, \"i\", \"ls\\r\"]\n\
             [2.1, \"o\", \"\\\"q\\\"\\\\\\t\\u001b[0m\\u0007\u{7f}é\\n\"]\n\
             [3.0, \"r\", \"132x43\"]\n\
             [3.0, \"o\", \"x\"]\n"
        );
    }

    #[test]
    fn minimal_header_and_times() {
        let w = CastWriter::new(Vec::new(), &Header::default(), 100).unwrap();
        assert_eq!(text(w), "{\"version\": 2, \"width\": 0, \"height\": 0}\n");
        assert_eq!(format_time(Duration::ZERO), "0.0");
        assert_eq!(format_time(Duration::from_micros(5)), "0.000005");
        assert_eq!(format_time(Duration::from_nanos(10_123_456_789)), "10.123456");
        assert_eq!(format_time(Duration::from_secs(86_400)), "86400.0");
    }

    #[test]
    fn split_and_invalid_utf8_is_carried_or_replaced() {
        let mut s = Utf8Stream::default();
        assert_eq!(s.decode(b"a\xe2\x82"), "a");
        assert!(s.is_pending());
        assert_eq!(s.decode(b"\xac b"), "€ b");
        assert_eq!(
            s.decode(b"\xff\xc3(\xed\xa0\x80\xf0\x9f"),
            "\u{fffd}\u{fffd}(\u{fffd}\u{fffd}\u{fffd}"
        );
        assert_eq!(s.flush(), "\u{fffd}");
        assert_eq!(s.flush(), "");

        let mut w = CastWriter::new(Vec::new(), &Header::default(), DEFAULT_CAP).unwrap();
        w.output(Duration::ZERO, b"\xf0\x9f").unwrap();
        w.output(Duration::from_millis(1), b"\x90\x9d!").unwrap();
        w.output(Duration::from_millis(2), b"\xc3").unwrap();
        let t = text(w);
        assert_eq!(
            t,
            "{\"version\": 2, \"width\": 0, \"height\": 0}\n[0.001, \"o\", \"🐝!\"]\n[9.0, \"o\", \"\u{fffd}\"]\n"
        );
    }

    #[test]
    fn cap_cuts_the_last_event_and_writes_one_marker() {
        let h = Header::default();
        let head = "{\"version\": 2, \"width\": 0, \"height\": 0}\n".len() as u64;
        // Room for `[1.0, "o", "` + 5 bytes + `"]\n` exactly.
        let cap = head + 15 + 5;
        let mut w = CastWriter::new(Vec::new(), &h, cap).unwrap();
        w.output(Duration::from_secs(1), b"abc\ndefgh").unwrap();
        assert!(w.is_stopped());
        w.output(Duration::from_secs(2), b"more").unwrap();
        w.input(Duration::from_secs(2), b"more").unwrap();
        w.resize(Duration::from_secs(2), 1, 1).unwrap();
        assert_eq!(
            text(w),
            "{\"version\": 2, \"width\": 0, \"height\": 0}\n\
             [1.0, \"o\", \"abc\\n\"]\n\
             [1.0, \"m\", \"apiary: recording size limit reached\"]\n"
        );
        // A multi-byte character is never cut in half.
        let mut w = CastWriter::new(Vec::new(), &h, head + 15 + 4).unwrap();
        w.output(Duration::from_secs(1), "ab€".as_bytes()).unwrap();
        assert!(text(w).contains("[1.0, \"o\", \"ab\"]\n[1.0, \"m\""));
    }

    #[test]
    fn recording_files_are_named_by_session_and_never_overwritten() {
        let dir = tempfile::tempdir().unwrap();
        assert_eq!(cast_path(dir.path(), "../etc/passwd"), None);
        assert_eq!(cast_path(dir.path(), ".hidden"), None);
        assert_eq!(cast_path(dir.path(), ""), None);
        assert_eq!(
            cast_path(dir.path(), "0193-abc_d.e"),
            Some(dir.path().join("0193-abc_d.e.cast"))
        );
        let mut r = Recording::create(dir.path(), "s1", &header(), DEFAULT_CAP).unwrap();
        r.output(b"hi\r\n").unwrap();
        assert!(!r.is_stopped());
        let path = r.path().to_owned();
        let size = r.finish().unwrap();
        assert_eq!(std::fs::metadata(&path).unwrap().len(), size);
        let err = Recording::create(dir.path(), "s1", &header(), DEFAULT_CAP).unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::AlreadyExists);
        use std::os::unix::fs::PermissionsExt;
        assert_eq!(std::fs::metadata(&path).unwrap().permissions().mode() & 0o777, 0o600);
    }
}

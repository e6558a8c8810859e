//! Reading asciicast v2 back, line by line, for `apiary replay` and tests.
//!
//! A recording cut short (the sensor killed mid-write) ends in a partial line without its newline: that line is
//! ignored rather than failing the whole file. Any other malformed line is an error naming its line number.

use std::fs::File;
use std::io::{self, BufRead, BufReader, Read};
use std::path::Path;
use std::time::Duration;

use super::Header;

/// Longest line read (16 MiB); a longer one is an error, so a corrupt file cannot exhaust memory.
pub const MAX_LINE: usize = 16 * 1024 * 1024;
/// Largest event time accepted, seconds (about 31 years).
const MAX_TIME: f64 = 1e9;

/// Why a recording could not be read.
#[derive(Debug, thiserror::Error)]
pub enum ReadError {
    /// The file could not be read.
    #[error("cannot read the recording: {0}")]
    Io(#[from] io::Error),
    /// The first line is not an asciicast v2 header.
    #[error("not an asciicast v2 recording: {0}")]
    Header(String),
    /// An event line is malformed.
    #[error("line {line}: {reason}")]
    Event {
        /// 1-based line number.
        line: u64,
        /// What is wrong with it.
        reason: String,
    },
    /// A line is longer than [`MAX_LINE`].
    #[error("line {0} is longer than {MAX_LINE} bytes")]
    LineTooLong(u64),
}

/// What an event is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EventKind {
    /// `"o"`: terminal output.
    Output,
    /// `"i"`: keyboard input.
    Input,
    /// `"r"`: resize, data `COLSxROWS`.
    Resize,
    /// `"m"`: marker, data its label.
    Marker,
    /// Any other code, kept as written.
    Other(String),
}

/// One event of a recording.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Event {
    /// Time since the start, to the microsecond.
    pub time: Duration,
    /// The event code.
    pub kind: EventKind,
    /// Its data.
    pub data: String,
}

/// A whole recording in memory.
#[derive(Debug, Clone, PartialEq)]
pub struct Cast {
    /// The header line.
    pub header: Header,
    /// Every event, in file order.
    pub events: Vec<Event>,
}

impl Cast {
    /// The concatenated output (`"o"`) data: what a terminal showed.
    pub fn output(&self) -> String {
        self.events
            .iter()
            .filter(|e| e.kind == EventKind::Output)
            .map(|e| e.data.as_str())
            .collect()
    }
}

/// Streams the events of a recording.
#[derive(Debug)]
pub struct CastReader<R: BufRead> {
    /// The source.
    r: R,
    /// The header read at creation.
    header: Header,
    /// Lines read so far.
    line: u64,
    /// End reached (or a truncated last line seen).
    done: bool,
}

impl<R: BufRead> CastReader<R> {
    /// Reads and checks the header line.
    pub fn new(mut r: R) -> Result<CastReader<R>, ReadError> {
        let (bytes, _) = read_line(&mut r, 1)?.ok_or_else(|| ReadError::Header("the file is empty".into()))?;
        let header = parse_header(&bytes)?;
        Ok(CastReader {
            r,
            header,
            line: 1,
            done: false,
        })
    }

    /// The recording's header.
    pub fn header(&self) -> &Header {
        &self.header
    }

    /// The next event, `None` at the end (or at a truncated last line).
    pub fn next_event(&mut self) -> Result<Option<Event>, ReadError> {
        while !self.done {
            self.line = self.line.saturating_add(1);
            let Some((bytes, complete)) = read_line(&mut self.r, self.line)? else {
                self.done = true;
                break;
            };
            if bytes.iter().all(u8::is_ascii_whitespace) {
                continue;
            }
            match parse_event(&bytes) {
                Ok(e) => return Ok(Some(e)),
                // A partial last line: the writer was cut off mid-line.
                Err(_) if !complete => self.done = true,
                Err(reason) => {
                    self.done = true;
                    return Err(ReadError::Event {
                        line: self.line,
                        reason,
                    });
                }
            }
        }
        Ok(None)
    }
}

impl<R: BufRead> Iterator for CastReader<R> {
    type Item = Result<Event, ReadError>;

    fn next(&mut self) -> Option<Self::Item> {
        self.next_event().transpose()
    }
}

/// Reads one line (without its newline) and whether it ended in a newline; `None` at end of input.
fn read_line<R: BufRead>(r: &mut R, line: u64) -> Result<Option<(Vec<u8>, bool)>, ReadError> {
    let mut buf = Vec::new();
    let limit = u64::try_from(MAX_LINE).unwrap_or(u64::MAX).saturating_add(1);
    let n = r.by_ref().take(limit).read_until(b'\n', &mut buf)?;
    if n == 0 {
        return Ok(None);
    }
    let complete = buf.last() == Some(&b'\n');
    if complete {
        buf.pop();
        if buf.last() == Some(&b'\r') {
            buf.pop();
        }
    } else if buf.len() > MAX_LINE {
        return Err(ReadError::LineTooLong(line));
    }
    Ok(Some((buf, complete)))
}

/// Parses the header line.
fn parse_header(bytes: &[u8]) -> Result<Header, ReadError> {
    let v: serde_json::Value = serde_json::from_slice(bytes).map_err(|e| ReadError::Header(e.to_string()))?;
    let obj = v
        .as_object()
        .ok_or_else(|| ReadError::Header("the first line is not a JSON object".into()))?;
    match obj.get("version").and_then(|v| v.as_u64()) {
        Some(2) => {}
        other => return Err(ReadError::Header(format!("version {other:?}, expected 2"))),
    }
    let size = |k: &str| {
        obj.get(k)
            .and_then(|v| v.as_u64())
            .map_or(0, |n| u16::try_from(n).unwrap_or(u16::MAX))
    };
    let env = obj.get("env");
    let env_str = |k: &str| env.and_then(|e| e.get(k)).and_then(|v| v.as_str()).map(str::to_owned);
    Ok(Header {
        width: size("width"),
        height: size("height"),
        timestamp: obj.get("timestamp").and_then(|v| v.as_f64()).map(|t| t as i64),
        idle_time_limit: obj
            .get("idle_time_limit")
            .and_then(|v| v.as_f64())
            .filter(|l| l.is_finite() && *l >= 0.0),
        term: env_str("TERM"),
        shell: env_str("SHELL"),
        title: obj.get("title").and_then(|v| v.as_str()).map(str::to_owned),
    })
}

/// Parses one `[time, code, data]` line.
fn parse_event(bytes: &[u8]) -> Result<Event, String> {
    let (time, code, data): (f64, String, String) =
        serde_json::from_slice(bytes).map_err(|e| format!("not an event: {e}"))?;
    if !(0.0..=MAX_TIME).contains(&time) {
        return Err(format!("bad time {time}"));
    }
    let kind = match code.as_str() {
        "o" => EventKind::Output,
        "i" => EventKind::Input,
        "r" => EventKind::Resize,
        "m" => EventKind::Marker,
        _ => EventKind::Other(code),
    };
    Ok(Event {
        // In range, so the cast cannot saturate.
        time: Duration::from_micros((time * 1e6).round() as u64),
        kind,
        data,
    })
}

/// Parses a whole recording held in memory.
pub fn parse(bytes: &[u8]) -> Result<Cast, ReadError> {
    let mut reader = CastReader::new(bytes)?;
    let mut events = Vec::new();
    while let Some(e) = reader.next_event()? {
        events.push(e);
    }
    Ok(Cast {
        header: reader.header,
        events,
    })
}

/// Reads a recording file.
pub fn read_file(path: &Path) -> Result<Cast, ReadError> {
    let mut reader = CastReader::new(BufReader::new(File::open(path)?))?;
    let mut events = Vec::new();
    while let Some(e) = reader.next_event()? {
        events.push(e);
    }
    Ok(Cast {
        header: reader.header,
        events,
    })
}

#[cfg(test)]
mod tests {
    use super::super::{CastWriter, Recording, DEFAULT_CAP};
    use super::*;

    fn header() -> Header {
        Header {
            width: 100,
            height: 30,
            timestamp: Some(1_764_320_000),
            idle_time_limit: Some(2.5),
            term: Some("vt100".into()),
            shell: Some("/bin/sh".into()),
            title: Some("t\"itle".into()),
        }
    }

    #[test]
    fn writer_to_reader_round_trip() {
        let mut w = CastWriter::new(Vec::new(), &header(), DEFAULT_CAP).unwrap();
        w.output(Duration::from_micros(100), b"$ \xe2\x82").unwrap();
        w.input(Duration::from_micros(200), b"id\r").unwrap();
        w.output(Duration::from_micros(300_000), b"\xac\r\nuid=0(root)\x1b[K\xff\r\n")
            .unwrap();
        w.resize(Duration::from_secs(4), 90, 20).unwrap();
        w.marker(Duration::from_secs(5), "end").unwrap();
        let bytes = w.finish(Duration::from_secs(6)).unwrap();
        let cast = parse(&bytes).unwrap();
        assert_eq!(cast.header, header());
        let ev = |us, kind, data: &str| Event {
            time: Duration::from_micros(us),
            kind,
            data: data.to_owned(),
        };
        assert_eq!(
            cast.events,
            vec![
                ev(100, EventKind::Output, "$ "),
                ev(200, EventKind::Input, "id\r"),
                ev(300_000, EventKind::Output, "€\r\nuid=0(root)\x1b[K\u{fffd}\r\n"),
                ev(4_000_000, EventKind::Resize, "90x20"),
                ev(5_000_000, EventKind::Marker, "end"),
            ]
        );
        assert_eq!(cast.output(), "$ €\r\nuid=0(root)\x1b[K\u{fffd}\r\n");
    }

    #[test]
    fn truncated_last_line_is_ignored_other_damage_is_reported() {
        let good = "{\"version\": 2, \"width\": 80, \"height\": 24}\n[0.5, \"o\", \"a\"]\n\n[1.0, \"x\", \"b\"]\n";
        let cast = parse(format!("{good}[1.2, \"o\", \"unfini").as_bytes()).unwrap();
        assert_eq!(cast.events.len(), 2);
        assert_eq!(cast.events[1].kind, EventKind::Other("x".into()));
        // A complete last line without its newline still counts.
        let cast = parse(format!("{good}[2, \"o\", \"c\"]").as_bytes()).unwrap();
        assert_eq!(cast.output(), "ac");
        let err = parse(format!("{good}[1.2, \"o\"]\n[3, \"o\", \"d\"]\n").as_bytes()).unwrap_err();
        assert!(matches!(err, ReadError::Event { line: 5, .. }), "{err}");
        let err = parse(format!("{good}[-1, \"o\", \"d\"]\n").as_bytes()).unwrap_err();
        assert!(matches!(err, ReadError::Event { line: 5, .. }), "{err}");
        assert!(matches!(parse(b"").unwrap_err(), ReadError::Header(_)));
        assert!(matches!(
            parse(b"{\"version\": 1}\n").unwrap_err(),
            ReadError::Header(_)
        ));
        assert!(matches!(parse(b"[1]\n").unwrap_err(), ReadError::Header(_)));
    }

    /// `.venv/bin/asciinema`, as `.ci/run` installs it; `None` (skip) only outside CI.
    fn asciinema() -> Option<std::path::PathBuf> {
        let bin = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../.venv/bin/asciinema");
        if bin.exists() {
            return Some(bin);
        }
        assert!(
            std::env::var_os("CI").is_none(),
            "{} is required in CI (.ci/run installs it)",
            bin.display()
        );
        eprintln!("skipping: no asciinema in the venv");
        None
    }

    #[test]
    fn asciinema_cat_prints_the_recorded_bytes() {
        let Some(bin) = asciinema() else { return };
        let dir = tempfile::tempdir().unwrap();
        let mut r = Recording::create(dir.path(), "0193a1b2-c3d4", &header(), DEFAULT_CAP).unwrap();
        let w = r.writer();
        w.output(
            Duration::from_millis(1),
            b"Linux srv01 6.1.0-28-amd64\r\n\x1b[01;34mroot\x1b[0m@srv01:~# ",
        )
        .unwrap();
        w.input(Duration::from_millis(2), b"echo \xf0\x9f").unwrap();
        w.output(Duration::from_millis(3), b"caf\xc3").unwrap();
        w.output(Duration::from_millis(4), b"\xa9 \"q\" \\ \t\x07\x7f\xfe\x80end\r\n")
            .unwrap();
        let path = r.path().to_owned();
        r.finish().unwrap();
        let out = std::process::Command::new(bin)
            .arg("cat")
            .arg(&path)
            .env("PYTHONIOENCODING", "utf-8")
            .stdin(std::process::Stdio::null())
            .output()
            .unwrap();
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        let expected = "Linux srv01 6.1.0-28-amd64\r\n\x1b[01;34mroot\x1b[0m@srv01:~# café \"q\" \\ \t\x07\x7f\u{fffd}\u{fffd}end\r\n";
        assert_eq!(String::from_utf8_lossy(&out.stdout), expected);
        assert_eq!(out.stdout, expected.as_bytes());
        assert_eq!(read_file(&path).unwrap().output(), expected);
    }
}

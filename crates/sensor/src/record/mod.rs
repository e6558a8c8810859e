//! Session recordings in asciicast v2, the format `asciinema play`/`cat` and `apiary replay` read.
//!
//! A file is one JSON header line, then one `[time, code, data]` line per event: `"o"` output, `"i"` input, `"r"`
//! resize (`"80x24"`), `"m"` marker. Lines are written exactly as asciinema 2.x writes them (`", "` and `": "`
//! separators, non-ASCII left as UTF-8, times in seconds with up to 6 decimals).
//!
//! - `writer.rs`: [`CastWriter`] (any `Write`) and [`Recording`] (a `<session-id>.cast` file, buffered, fsynced by
//!   [`Recording::finish`]), with a byte cap and UTF-8-safe decoding of the terminal's bytes.
//! - `reader.rs`: [`CastReader`], streaming and tolerant of a truncated last line, and [`read_file`].

mod reader;
mod writer;

pub use reader::{parse, read_file, Cast, CastReader, Event, EventKind, ReadError, MAX_LINE};
pub use writer::{cast_path, format_time, CastWriter, Recording, Utf8Stream, CAP_MARKER, DEFAULT_CAP};

/// The header line of a recording: terminal size, start time, environment, title.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Header {
    /// Terminal width in columns.
    pub width: u16,
    /// Terminal height in rows.
    pub height: u16,
    /// Start of the recording, Unix seconds.
    pub timestamp: Option<i64>,
    /// Longest pause players should show, seconds (written only when set).
    pub idle_time_limit: Option<f64>,
    /// `env.TERM`: the client's terminal type.
    pub term: Option<String>,
    /// `env.SHELL`: the login shell of the fake account.
    pub shell: Option<String>,
    /// A title for players (e.g. `root@host from 203.0.113.9`).
    pub title: Option<String>,
}

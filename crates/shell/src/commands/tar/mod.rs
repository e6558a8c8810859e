//! `tar` as GNU tar 1.34 on Debian 12, over the session's copy-on-write filesystem.
//!
//! Emulated: `-c` (create), `-t` (list), `-x` (extract), `-r`/`-u` (append); `-f FILE` or `-` (Debian's default),
//! `-z` and gzip found by magic or suffix, `-v`/`-vv`, `-C DIR` (positional), `-p`, `-o`, `--same-owner`,
//! `--no-same-owner`, `-O`, `-k`, `--skip-old-files`, `-m`, `-P`, `-h`, `-i`, `--strip-components`, `--exclude`,
//! `-T`, `-X`, `--numeric-owner`, `--no-recursion`, `-b`; the old bundled first word (`tar xzf a.tgz`) and
//! every long option with abbreviations. The GNU format is written (`././@LongLink` for long names) and GNU, ustar,
//! pax and v7 archives are read. Messages, listing columns, name quoting and exit statuses are GNU's.
//!
//! Not emulated: bzip2, xz and the other compressors (reading their data fails as corrupt or "not installed";
//! `-cj`/`-cJ` write the archive uncompressed), `-A`, `-d`, `--delete` and `--test-label` (the archive is only
//! read), devices and FIFOs on extraction (the fake fs cannot make them), hard links on extraction (copied),
//! wildcards in member names, `--transform`, `--totals`, incremental and multi-volume archives. Members are
//! archived in name order (GNU uses directory order).
//!
//! Hostile archives are bounded: decompression stops at [`gzip::MAX_INFLATE`] bytes, no declared size is trusted
//! for an allocation, member data is kept only up to the fs's file-size cap, and the overlay's own byte and entry
//! caps bound what extraction writes.
//!
//! - `options.rs`: the command line.
//! - `archive.rs`: the tar format, reading and writing.
//! - `gzip.rs`: the bounded gzip decoder and encoder, and the other compressors' failures.
//! - `read.rs`: opening the archive, the member walk, `-t`.
//! - `extract.rs`: `-x`.
//! - `create.rs`: `-c` and `-r`.

mod archive;
mod create;
mod extract;
mod gzip;
mod options;
mod read;
#[cfg(test)]
mod tests;

use std::collections::HashSet;

use super::ls::{civil, join, mode_string};
use super::{Command, Ctx};
use crate::fs::Kind;
use archive::Member;
use options::{Exit, Mode, Opts};

/// The `tar` command.
pub struct Tar;

impl Command for Tar {
    fn names(&self) -> &'static [&'static str] {
        &["tar", "/bin/tar", "/usr/bin/tar"]
    }

    fn run(&self, ctx: &mut Ctx, args: &[String], stdin: &[u8]) -> i32 {
        let o = match options::parse(args.get(1..).unwrap_or_default()) {
            Ok(o) => o,
            Err(Exit { stdout, stderr, status }) => {
                ctx.out(stdout);
                ctx.err(stderr);
                return status;
            }
        };
        if let Some(Exit { stdout, stderr, status }) = options::validate(&o) {
            ctx.out(stdout);
            ctx.err(stderr);
            return status;
        }
        let mode = o.mode;
        let mut run = Run::new(ctx, o);
        match mode {
            Some(Mode::Create) => create::create(&mut run, stdin),
            Some(Mode::Append | Mode::Update) => create::append(&mut run, stdin),
            _ => read::read(&mut run, stdin),
        }
    }
}

/// One tar invocation: the context, the options, and the state GNU keeps in globals (error flag, warned-about
/// prefixes, the growing listing column widths).
pub(super) struct Run<'c, 'a> {
    /// Where output goes and the session.
    ctx: &'c mut Ctx<'a>,
    /// The parsed command line.
    o: Opts,
    /// Whether an error (not a warning) was printed; the exit status becomes 2.
    failed: bool,
    /// Leading prefixes already reported as removed, for member names (`false`) and link targets (`true`).
    prefixes: HashSet<(bool, Vec<u8>)>,
    /// Width of the `user/group size` column of `-tv`, which only grows (GNU's static `ugswidth`).
    ugs_width: usize,
    /// Width of the date column.
    date_width: usize,
    /// Pattern-matching steps left for `--exclude`.
    glob_work: usize,
}

/// Pattern-matching steps one run may spend on `--exclude` (tens of milliseconds).
const MAX_GLOB_WORK: usize = 20_000_000;

impl<'c, 'a> Run<'c, 'a> {
    /// Fresh state for `o`.
    fn new(ctx: &'c mut Ctx<'a>, o: Opts) -> Run<'c, 'a> {
        Run {
            ctx,
            o,
            failed: false,
            prefixes: HashSet::new(),
            ugs_width: 19,
            date_width: 16,
            glob_work: MAX_GLOB_WORK,
        }
    }

    /// GNU's `ERROR`: prints `tar: msg` and makes the exit status 2.
    fn error(&mut self, msg: impl AsRef<str>) {
        self.ctx.err(format!("tar: {}\n", msg.as_ref()));
        self.failed = true;
    }

    /// GNU's `WARN`: prints `tar: msg` without changing the status.
    fn warn(&mut self, msg: impl AsRef<str>) {
        self.ctx.err(format!("tar: {}\n", msg.as_ref()));
    }

    /// GNU's `FATAL_ERROR`: the message, `Error is not recoverable`, status 2.
    fn fatal(&mut self, msg: impl AsRef<str>) -> i32 {
        self.ctx.err(format!(
            "tar: {}\ntar: Error is not recoverable: exiting now\n",
            msg.as_ref()
        ));
        2
    }

    /// What a failed compressor child leaves: its own stderr, then tar's report of its status.
    fn child_failed(&mut self, child_stderr: &str, status: i32) -> i32 {
        self.ctx.err(child_stderr);
        self.fatal(format!("Child returned status {status}"))
    }

    /// The end of a run: `Exiting with failure status` after errors.
    fn finish(&mut self) -> i32 {
        if self.failed {
            self.ctx
                .err("tar: Exiting with failure status due to previous errors\n");
            2
        } else {
            0
        }
    }

    /// Whether the verbose listing goes to stderr: when the archive itself is written to stdout, or with `-O`.
    fn listing_to_stderr(&self) -> bool {
        let archive_out = self.o.archive.as_deref().is_none_or(|a| a == "-")
            && matches!(self.o.mode, Some(Mode::Create | Mode::Append | Mode::Update));
        self.o.to_stdout || archive_out
    }

    /// Writes a listing line where GNU's `stdlis` points.
    fn listing(&mut self, line: &str) {
        if self.listing_to_stderr() {
            self.ctx.err(line);
        } else {
            self.ctx.out(line);
        }
    }

    /// Whether the session runs as root, which changes GNU's defaults for owners and permissions.
    fn root(&self) -> bool {
        self.ctx.session.user.uid == 0
    }

    /// GNU's `safer_name_suffix`: drops leading `/` and everything up to the last `..` component, warning once
    /// per distinct prefix; an emptied name becomes `.`.
    fn safer_name(&mut self, name: &[u8], link: bool) -> Vec<u8> {
        if self.o.absolute {
            return name.to_vec();
        }
        let mut prefix = 0;
        let mut p = 0;
        while p < name.len() {
            if name.get(p..p + 2) == Some(b"..") && matches!(name.get(p + 2), None | Some(b'/')) {
                prefix = p + 2;
            }
            loop {
                let c = name.get(p).copied();
                p += 1;
                if c == Some(b'/') || p >= name.len() {
                    break;
                }
            }
        }
        while name.get(prefix) == Some(&b'/') {
            prefix += 1;
        }
        let head = name.get(..prefix).unwrap_or_default();
        if prefix > 0 && self.prefixes.insert((link, head.to_vec())) {
            let what = if link { "hard link targets" } else { "member names" };
            self.warn(format!(
                "Removing leading `{}' from {what}",
                String::from_utf8_lossy(head)
            ));
        }
        let rest = name.get(prefix..).unwrap_or_default();
        if rest.is_empty() {
            if prefix == 0 {
                let what = if link { "hard link target" } else { "member name" };
                self.warn(format!("Substituting '.' for empty {what}"));
            }
            return b".".to_vec();
        }
        rest.to_vec()
    }

    /// GNU's `transform_stat_info` for a name: the safer name, then `--strip-components` (empty when every
    /// component is stripped).
    fn transform(&mut self, name: &[u8], link: bool) -> Vec<u8> {
        let safe = self.safer_name(name, link);
        strip_components(&safe, self.o.strip).to_vec()
    }

    /// Whether an `--exclude`/`-X` pattern matches `name` (GNU's default: wildcards that match `/`, against the
    /// whole name or any part after a `/`). Matching draws on [`MAX_GLOB_WORK`]; once it is spent nothing more is
    /// excluded, so hostile patterns against a hostile archive cannot take unbounded time.
    fn excluded(&mut self, patterns: &[String], name: &[u8]) -> bool {
        if patterns.is_empty() {
            return false;
        }
        let name = String::from_utf8_lossy(name);
        let chars: Vec<char> = name.trim_end_matches('/').chars().collect();
        let starts: Vec<usize> = std::iter::once(0)
            .chain(chars.iter().enumerate().filter(|(_, &c)| c == '/').map(|(i, _)| i + 1))
            .collect();
        for p in patterns {
            let pat: Vec<char> = p.trim_end_matches('/').chars().collect();
            for &s in &starts {
                let rest = chars.get(s..).unwrap_or_default();
                // The matcher backtracks to the last `*`: at most (pattern × name) steps, and it gives up at 100k.
                let cost = ((pat.len() + 1) * (rest.len() + 1)).min(100_000);
                if self.glob_work < cost {
                    return false;
                }
                self.glob_work -= cost;
                if super::find::glob(&pat, rest) {
                    return true;
                }
            }
        }
        false
    }

    /// One `-tv` line, exactly as GNU's `print_header` lays it out.
    fn long_line(&mut self, m: &Member, name: &[u8]) -> String {
        let kind = match m.typeflag {
            b'V' => 'V',
            b'M' => 'M',
            b'L' | b'K' => 'L',
            0 | b'0' | b'S' if name.ends_with(b"/") => 'd',
            0 | b'0' | b'S' => '-',
            b'1' => 'h',
            b'5' | b'D' => 'd',
            b'2' => 'l',
            b'4' => 'b',
            b'3' => 'c',
            b'6' => 'p',
            b'7' => 'C',
            _ => '?',
        };
        let mut modes: String = mode_string(Kind::File, m.mode).chars().skip(1).collect();
        modes.insert(0, kind);
        let numeric = self.o.numeric_owner;
        let user = if m.uname.is_empty() || numeric {
            m.uid.to_string()
        } else {
            String::from_utf8_lossy(&m.uname).into_owned()
        };
        let group = if m.gname.is_empty() || numeric {
            m.gid.to_string()
        } else {
            String::from_utf8_lossy(&m.gname).into_owned()
        };
        let size = match m.typeflag {
            b'3' | b'4' => format!("{},{}", m.major, m.minor),
            _ => m.size.to_string(),
        };
        // GNU counts the `/` and the separating space in the padding.
        let pad = user.len() + group.len() + size.len() + 2;
        self.ugs_width = self.ugs_width.max(pad);
        let width = self.ugs_width - pad + size.len();
        let time = tar_time(m.mtime);
        self.date_width = self.date_width.max(time.len());
        let dw = self.date_width;
        let tail = match m.typeflag {
            b'2' => format!(" -> {}\n", quote(&m.link)),
            b'1' => format!(" link to {}\n", quote(&m.link)),
            0 | b'0' | b'S' | b'3' | b'4' | b'5' | b'6' | b'7' | b'D' => "\n".to_owned(),
            b'V' => "--Volume Header--\n".to_owned(),
            b'M' => format!("--Continued at byte {}--\n", m.offset),
            t => format!(" unknown file type {}\n", locale_quote(&[t])),
        };
        format!(
            "{modes} {user}/{group} {size:>width$} {time:<dw$} {}{tail}",
            quote(name)
        )
    }
}

/// GNU's `stripped_prefix_len`: `name` without its first `n` components (empty if it has no more than that).
fn strip_components(name: &[u8], n: usize) -> &[u8] {
    if n == 0 {
        return name;
    }
    let mut left = n;
    let mut p = 0;
    while name.get(p) == Some(&b'/') {
        p += 1;
    }
    while p < name.len() {
        let slash = name.get(p) == Some(&b'/');
        p += 1;
        if slash {
            left -= 1;
            if left == 0 {
                return name.get(p..).unwrap_or_default();
            }
            while name.get(p) == Some(&b'/') {
                p += 1;
            }
        }
    }
    &[]
}

/// GNU's `contains_dot_dot`: whether a component of `name` is exactly `..`.
fn contains_dot_dot(name: &[u8]) -> bool {
    name.split(|&b| b == b'/').any(|c| c == b"..")
}

/// A member's modification time as `-tv` shows it: `YYYY-MM-DD HH:MM` in the persona's zone (UTC).
fn tar_time(t: i64) -> String {
    let (y, mo, d, h, mi, _) = civil(t);
    format!("{y:04}-{mo:02}-{d:02} {h:02}:{mi:02}")
}

/// The same with seconds, as the future-timestamp warning prints it.
fn tar_time_full(t: i64) -> String {
    let (y, mo, d, h, mi, s) = civil(t);
    format!("{y:04}-{mo:02}-{d:02} {h:02}:{mi:02}:{s:02}")
}

/// GNU quotearg's `escape` style in a UTF-8 locale, which tar uses for names: C escapes for control characters
/// and backslash, octal for other unprintable bytes and invalid UTF-8, printable characters as they are.
fn quote(bytes: &[u8]) -> String {
    quote_with(bytes, false)
}

/// `quotearg_colon`: [`quote`] that also escapes `:`, for names at the start of a diagnostic.
fn quote_colon(bytes: &[u8]) -> String {
    quote_with(bytes, true)
}

/// GNU's `quote()` in a UTF-8 locale: the escaped text between ‘ and ’.
fn locale_quote(bytes: &[u8]) -> String {
    format!("‘{}’", quote(bytes))
}

/// The escaping behind [`quote`] and [`quote_colon`].
fn quote_with(bytes: &[u8], colon: bool) -> String {
    let mut out = String::with_capacity(bytes.len());
    let octal = |out: &mut String, b: &[u8]| {
        for x in b {
            out.push_str(&format!("\\{x:03o}"));
        }
    };
    for chunk in bytes.utf8_chunks() {
        for c in chunk.valid().chars() {
            match c {
                '\\' => out.push_str("\\\\"),
                '\x07' => out.push_str("\\a"),
                '\x08' => out.push_str("\\b"),
                '\x0c' => out.push_str("\\f"),
                '\n' => out.push_str("\\n"),
                '\r' => out.push_str("\\r"),
                '\t' => out.push_str("\\t"),
                '\x0b' => out.push_str("\\v"),
                ':' if colon => out.push_str("\\:"),
                c if c.is_control() => {
                    let mut buf = [0u8; 4];
                    octal(&mut out, c.encode_utf8(&mut buf).as_bytes());
                }
                c => out.push(c),
            }
        }
        octal(&mut out, chunk.invalid());
    }
    out
}

/// Joins a directory and a relative path (which may be empty, meaning the directory itself).
fn join_path(dir: &str, rel: &str) -> String {
    if rel.is_empty() {
        dir.to_owned()
    } else {
        join(dir, rel)
    }
}

/// A member name as a path for the fake fs: lossy UTF-8, with empty and `.` components dropped.
fn fs_path(name: &[u8]) -> String {
    let name = String::from_utf8_lossy(name);
    let parts: Vec<&str> = name.split('/').filter(|c| !c.is_empty() && *c != ".").collect();
    parts.join("/")
}

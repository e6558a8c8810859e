//! `-c` and `-r`/`-u`: walking the named files of the fake fs (directories recursively, symlinks as links, `-h` to
//! follow them) and writing a GNU-format archive, gzip-compressed with `-z`, to a file or to stdout.

use std::io::Write;

use flate2::write::GzEncoder;

use super::archive::{is_tar_header, member_bytes, Member, Next, Plain, Reader, BLOCK};
use super::gzip::{encoder, Codec, MAX_INFLATE};
use super::options::Arg;
use super::read::{exclude_patterns, late_excludes, list_file};
use super::{join_path, quote, quote_colon, Run};
use crate::commands::ls::device_numbers;
use crate::fs::{Errno, Kind, Stat, WriteMode, MAX_FILE_BYTES};

/// Most files, directories and links one archive walks; the walk stops quietly beyond it.
const MAX_ENTRIES: usize = 20_000;

/// Where the archive bytes go while it is built.
enum Out {
    /// Uncompressed.
    Plain(Vec<u8>),
    /// Through gzip.
    Gz(GzEncoder<Vec<u8>>),
}

/// The archive being built, with its byte and entry budgets.
struct Sink {
    /// The bytes so far.
    out: Out,
    /// Uncompressed bytes written.
    raw: u64,
    /// Most uncompressed bytes allowed.
    cap: u64,
    /// Entries walked.
    entries: usize,
}

impl Sink {
    /// An empty archive, compressed with `gzip` or not.
    fn new(gzip: bool) -> Sink {
        Sink {
            out: if gzip {
                Out::Gz(encoder())
            } else {
                Out::Plain(Vec::new())
            },
            raw: 0,
            cap: if gzip { MAX_INFLATE } else { MAX_FILE_BYTES },
            entries: 0,
        }
    }

    /// Whether `n` more uncompressed bytes fit.
    fn room(&self, n: u64) -> bool {
        self.raw.saturating_add(n) <= self.cap
    }

    /// Appends bytes; `false` (nothing written) when they do not fit.
    fn push(&mut self, bytes: &[u8]) -> bool {
        if !self.room(bytes.len() as u64) {
            return false;
        }
        self.raw += bytes.len() as u64;
        match &mut self.out {
            Out::Plain(v) => v.extend_from_slice(bytes),
            // Writing into a Vec cannot fail.
            Out::Gz(g) => {
                let _ = g.write_all(bytes);
            }
        }
        true
    }

    /// The end-of-archive blocks and the padding to a whole record of `record` bytes, then the final bytes.
    fn finish(mut self, record: usize) -> Vec<u8> {
        let mut tail = vec![0u8; 2 * BLOCK];
        let total = self.raw as usize + tail.len();
        tail.resize(tail.len() + (record - total % record) % record, 0);
        self.cap = u64::MAX;
        self.push(&tail);
        match self.out {
            Out::Plain(v) => v,
            Out::Gz(g) => g.finish().unwrap_or_default(),
        }
    }
}

/// What the walk needs besides the run: the archive's own path (not dumped into itself) and the patterns.
struct Walk {
    /// Canonical path of the archive file, if it is a file.
    archive: Option<String>,
    /// `--exclude` and `-X` patterns.
    excludes: Vec<String>,
}

/// Runs `-c`; `stdin` is what `-T -` reads.
pub(super) fn create(t: &mut Run, stdin: &[u8]) -> i32 {
    let name = t.o.archive.clone().unwrap_or_else(|| "-".to_owned());
    if let Some(status) = unsupported(t, &name) {
        return status;
    }
    if name == "-" && t.ctx.session.stdout_tty {
        return t.fatal("Refusing to write archive contents to terminal (missing -f option?)");
    }
    if name != "-" {
        let s = &mut *t.ctx.session;
        if let Err(e) = s.fs.write(&s.cwd, &name, &[], WriteMode::Truncate) {
            return open_failed(t, &name, e);
        }
    }
    let sink = Sink::new(t.o.codec == Some(Codec::Gzip));
    build(t, &name, sink, stdin)
}

/// Runs `-r` (and `-u`, which appends the same way): the members go where the archive's zero blocks were;
/// `stdin` is what `-T -` reads.
pub(super) fn append(t: &mut Run, stdin: &[u8]) -> i32 {
    let name = t.o.archive.clone().unwrap_or_else(|| "-".to_owned());
    let existing = match t.ctx.session.read_file(&name) {
        Ok(b) => b,
        Err(Errno::Enoent) => Vec::new(),
        Err(e) => return t.fatal(format!("{}: Cannot open: {e}", quote_colon(name.as_bytes()))),
    };
    if Codec::sniff(&existing).is_some() && !is_tar_header(&existing) {
        return t.fatal("Cannot update compressed archives");
    }
    let mut plain = Plain::new(&existing);
    let mut reader = Reader::new(&mut plain, false);
    loop {
        match reader.next() {
            Next::Member(_) => {}
            Next::End => break,
            Next::Fatal(_) => return t.fatal("Unexpected EOF in archive"),
        }
    }
    let keep = usize::try_from(reader.end_block)
        .unwrap_or(usize::MAX)
        .saturating_mul(BLOCK)
        .min(existing.len());
    for (msg, is_error) in std::mem::take(&mut reader.notes) {
        if is_error {
            t.error(msg);
        } else {
            t.warn(msg);
        }
    }
    let mut sink = Sink::new(false);
    sink.push(existing.get(..keep).unwrap_or_default());
    build(t, &name, sink, stdin)
}

/// The compressor and `-I` cases this shell cannot write: `None` when the archive can be built.
fn unsupported(t: &mut Run, name: &str) -> Option<i32> {
    let prog = match (&t.o.missing_program, t.o.codec) {
        (Some(p), _) => p.clone(),
        (None, Some(c @ (Codec::Compress | Codec::Lzip | Codec::Lzop | Codec::Zstd))) => c.program().to_owned(),
        _ => return None,
    };
    let msg = format!(
        "tar (child): {prog}: Cannot exec: No such file or directory\ntar (child): Error is not recoverable: exiting now\n\
         tar: {}: Cannot write: Broken pipe\n",
        quote_colon(name.as_bytes())
    );
    Some(t.child_failed(&msg, 2))
}

/// The messages for an archive file that cannot be created (from gzip's child with `-z`).
fn open_failed(t: &mut Run, name: &str, e: Errno) -> i32 {
    let q = quote_colon(name.as_bytes());
    if t.o.codec.is_none() {
        return t.fatal(format!("{q}: Cannot open: {e}"));
    }
    let msg = format!(
        "tar (child): {q}: Cannot open: {e}\ntar (child): Error is not recoverable: exiting now\n\
         tar: {q}: Cannot write: Broken pipe\n"
    );
    t.child_failed(&msg, 2)
}

/// Walks the operands (with their `-C`) into `sink` and writes the archive out.
fn build(t: &mut Run, name: &str, mut sink: Sink, stdin: &[u8]) -> i32 {
    let excludes = match exclude_patterns(t) {
        Ok(p) => p,
        Err(msg) => return t.fatal(msg),
    };
    let more = match list_file(t, &t.o.files_from.clone(), stdin) {
        Ok(n) => n,
        Err(msg) => return t.fatal(msg),
    };
    let archive = if name == "-" {
        None
    } else {
        let s = &*t.ctx.session;
        s.fs.canonicalize(&s.cwd, name).ok()
    };
    let w = Walk { archive, excludes };
    let mut dir = t.ctx.session.cwd.clone();
    let args: Vec<Arg> =
        t.o.args
            .iter()
            .cloned()
            .chain(more.into_iter().map(Arg::Name))
            .collect();
    for arg in args {
        match arg {
            Arg::Dir(d) => {
                let s = &*t.ctx.session;
                match s.fs.stat(&dir, &d) {
                    Ok(st) if st.kind == Kind::Dir => dir = s.fs.canonicalize(&dir, &d).unwrap_or(dir),
                    Ok(_) => return t.fatal(format!("{}: Cannot open: Not a directory", quote_colon(d.as_bytes()))),
                    Err(e) => return t.fatal(format!("{}: Cannot open: {e}", quote_colon(d.as_bytes()))),
                }
            }
            Arg::Name(n) => {
                let path = if n.starts_with('/') {
                    n.clone()
                } else {
                    join_path(&dir, &n)
                };
                if !dump(t, &w, &mut sink, &path, &n) {
                    return t.fatal(format!(
                        "{}: Cannot write: {}",
                        quote_colon(name.as_bytes()),
                        Errno::Enospc
                    ));
                }
            }
        }
    }
    let bytes = sink.finish(t.o.blocking * BLOCK);
    if name == "-" {
        t.ctx.out(&bytes);
    } else {
        let s = &mut *t.ctx.session;
        if let Err(e) = s.fs.write(&s.cwd, name, &bytes, WriteMode::Truncate) {
            return t.fatal(format!("{}: Cannot write: {e}", quote_colon(name.as_bytes())));
        }
    }
    late_excludes(t);
    t.finish()
}

/// The owner and group names GNU stores: the local names of the ids, empty when unknown.
fn owner_names(t: &Run, st: &Stat) -> (Vec<u8>, Vec<u8>) {
    let p = &t.ctx.session.persona;
    let user = p
        .users
        .iter()
        .find(|u| u.uid == st.uid)
        .map(|u| u.name.clone().into_bytes());
    let group = p
        .groups
        .iter()
        .find(|g| g.gid == st.gid)
        .map(|g| g.name.clone().into_bytes());
    (user.unwrap_or_default(), group.unwrap_or_default())
}

/// Archives `path` (shown and stored as `name`) and, for a directory, what it holds; `false` when the archive
/// outgrew its budget.
fn dump(t: &mut Run, w: &Walk, sink: &mut Sink, path: &str, name: &str) -> bool {
    if sink.entries >= MAX_ENTRIES {
        return true;
    }
    sink.entries += 1;
    // GNU makes the stored name first, so the leading `/` is reported even for a file that does not exist.
    let mut stored = t.safer_name(name.as_bytes(), false);
    let s = &*t.ctx.session;
    let st = if t.o.dereference {
        s.fs.stat("/", path)
    } else {
        s.fs.lstat("/", path)
    };
    let st = match st {
        Ok(st) => st,
        Err(e) => {
            t.error(format!("{}: Cannot stat: {e}", quote_colon(name.as_bytes())));
            return true;
        }
    };
    if t.excluded(&w.excludes, name.as_bytes()) {
        return true;
    }
    let s = &*t.ctx.session;
    let canonical = s.fs.canonicalize("/", path).ok();
    if st.kind == Kind::File && canonical.is_some() && canonical == w.archive {
        t.warn(format!(
            "{}: file is the archive; not dumped",
            quote_colon(name.as_bytes())
        ));
        return true;
    }
    let is_dir = st.kind == Kind::Dir;
    let shown = if is_dir {
        format!("{}/", name.trim_end_matches('/'))
    } else {
        name.to_owned()
    };
    if is_dir && !stored.ends_with(b"/") {
        stored.push(b'/');
    }
    let (uname, gname) = owner_names(t, &st);
    let mut m = Member {
        name: stored,
        mode: st.mode & 0o7777,
        uid: u64::from(st.uid),
        gid: u64::from(st.gid),
        mtime: st.mtime,
        uname,
        gname,
        ..Member::default()
    };
    let mut data = Vec::new();
    let s = &*t.ctx.session;
    match st.kind {
        Kind::File => {
            if !sink.room(st.size) {
                return false;
            }
            data = match s.read_file(path) {
                Ok(b) => b,
                Err(e) => {
                    t.error(format!("{}: Cannot open: {e}", quote_colon(name.as_bytes())));
                    return true;
                }
            };
            // Files the base knows only by size read as empty: archive zeros of the listed size, as GNU pads a
            // file that shrank; `/proc` files list as empty, as their stat size is 0.
            data.resize(usize::try_from(st.size).unwrap_or(0), 0);
            m.typeflag = b'0';
            m.size = st.size;
        }
        Kind::Dir => m.typeflag = b'5',
        Kind::Symlink => {
            m.typeflag = b'2';
            m.link =
                s.fs.read_link("/", path)
                    .map(|l| l.as_bytes().to_vec())
                    .unwrap_or_default();
        }
        Kind::CharDevice | Kind::BlockDevice => {
            m.typeflag = if st.kind == Kind::CharDevice { b'3' } else { b'4' };
            let (major, minor) = device_numbers(canonical.as_deref().unwrap_or(path));
            (m.major, m.minor) = (u64::from(major), u64::from(minor));
        }
    }
    if t.o.verbose > 0 {
        let line = if t.o.verbose > 1 {
            t.long_line(&m, shown.as_bytes())
        } else {
            format!("{}\n", quote(shown.as_bytes()))
        };
        t.listing(&line);
    }
    if !sink.push(&member_bytes(&m, &data)) {
        return false;
    }
    if is_dir && t.o.recursion {
        let list = {
            let s = &*t.ctx.session;
            s.fs.list("/", path).unwrap_or_default()
        };
        for e in list {
            if !dump(t, w, sink, &join_path(path, &e.name), &format!("{shown}{}", e.name)) {
                return false;
            }
        }
    }
    true
}

//! `-t` and `-x` (and the read-only modes): opening the archive as GNU does (stdin or a file, gzip by flag, magic
//! or suffix), walking its members with GNU's messages, matching them against the names given, and listing them;
//! `extract.rs` writes them out.

use std::collections::HashMap;

use super::archive::{is_tar_header, Fatal, Member, Next, Plain, Reader, Stream};
use super::extract::{extract_member, finish_extract, Extract};
use super::gzip::{Codec, Gunzip};
use super::options::{Arg, Mode};
use super::{locale_quote, quote, quote_colon, Run};
use crate::fs::{Errno, Kind};

/// The member names given on the command line (and `-T`), each with whether it matched; looked up by hash so a
/// long `-T` list costs no more per member than the member name's length.
struct Names {
    /// Names without trailing slashes, in command-line order, and whether a member matched each.
    list: Vec<(Vec<u8>, bool)>,
    /// Index into `list` by name.
    index: HashMap<Vec<u8>, usize>,
}

impl Names {
    /// The names to match.
    fn new(names: &[String]) -> Names {
        let mut n = Names {
            list: Vec::new(),
            index: HashMap::new(),
        };
        for name in names {
            let name = trim_slashes(name.as_bytes()).to_vec();
            if !n.index.contains_key(&name) {
                n.index.insert(name.clone(), n.list.len());
                n.list.push((name, false));
            }
        }
        n
    }

    /// GNU's `name_match`: a member matches a name equal to it or naming a directory above it.
    fn matches(&mut self, member: &[u8]) -> bool {
        if self.list.is_empty() {
            return true;
        }
        let member = trim_slashes(member);
        let prefixes = member
            .iter()
            .enumerate()
            .filter(|&(_, &b)| b == b'/')
            .map(|(i, _)| i)
            .chain(std::iter::once(member.len()));
        for end in prefixes {
            let key = member.get(..end).unwrap_or_default();
            if let Some(found) = self.index.get(key).and_then(|&i| self.list.get_mut(i)) {
                found.1 = true;
                return true;
            }
        }
        false
    }
}

/// `name` without trailing slashes (a name of only slashes keeps one).
fn trim_slashes(name: &[u8]) -> &[u8] {
    let end = name
        .iter()
        .rposition(|&b| b != b'/')
        .map_or(name.len().min(1), |i| i + 1);
    name.get(..end).unwrap_or_default()
}

/// Runs `-t`, `-x` or a read-only mode.
pub(super) fn read(t: &mut Run, stdin: &[u8]) -> i32 {
    if let Some(prog) = t.o.missing_program.clone() {
        let msg = format!(
            "tar (child): {prog}: Cannot exec: No such file or directory\ntar (child): Error is not recoverable: exiting now\n"
        );
        return t.child_failed(&msg, 2);
    }
    let name = t.o.archive.clone().unwrap_or_else(|| "-".to_owned());
    let explicit = t.o.codec;
    let file;
    let data: &[u8] = if name == "-" {
        let s = &*t.ctx.session;
        if stdin.is_empty() && s.interactive && s.stdout_tty {
            return t.fatal("Refusing to read archive contents from terminal (missing -f option?)");
        }
        stdin
    } else {
        let s = &*t.ctx.session;
        let read = match s.fs.stat(&s.cwd, &name) {
            Ok(st) if st.kind == Kind::Dir => Err(None),
            Ok(_) => s.read_file(&name).map_err(Some),
            Err(e) => Err(Some(e)),
        };
        match read {
            Ok(bytes) => {
                file = bytes;
                &file
            }
            Err(e) => return open_failed(t, &name, e),
        }
    };
    // Without `-z` and friends GNU sniffs the first record: a tar header, a compressor's magic (refused on stdin,
    // which cannot be reopened through the decompressor), or else the file name's suffix decides.
    let codec = match explicit {
        Some(c) => Some(c),
        None => {
            let tar = is_tar_header(data);
            match Codec::sniff(data).filter(|_| !tar) {
                Some(c) if name == "-" => {
                    return t.fatal(format!("Archive is compressed. Use {} option", c.option()));
                }
                Some(c) => Some(c),
                None => {
                    if data.len() < 512 {
                        t.error("This does not look like a tar archive");
                    }
                    Codec::by_suffix(&name).filter(|_| !tar && name != "-")
                }
            }
        }
    };
    let seekable = (codec.is_none() && name != "-").then_some(data.len() as u64);
    let mut plain;
    let mut gunzip;
    let stream: &mut dyn Stream = match codec {
        None => {
            plain = Plain::new(data);
            &mut plain
        }
        Some(Codec::Gzip) => {
            gunzip = Gunzip::new(data);
            &mut gunzip
        }
        Some(other) => {
            let (msg, status) = other.failure(data);
            return t.child_failed(&msg, status);
        }
    };
    // `-T -` cannot read names from stdin when the archive comes from there.
    let stdin_names = if name == "-" { &[][..] } else { stdin };
    walk(t, stream, seekable, stdin_names)
}

/// The messages for an archive that cannot be opened (`None`: it is a directory); with an explicit compressor
/// they come from the child, as Debian's tar forks it before opening.
fn open_failed(t: &mut Run, name: &str, e: Option<Errno>) -> i32 {
    let q = quote_colon(name.as_bytes());
    let lines = match e {
        Some(e) => format!("{q}: Cannot open: {e}\n"),
        None => format!("{q}: Cannot read: Is a directory\nAt beginning of tape, quitting now\n"),
    };
    if t.o.codec.is_none() {
        let lines = lines.trim_end_matches('\n');
        return t.fatal(lines.replace('\n', "\ntar: "));
    }
    let mut child: String = lines.lines().map(|l| format!("tar (child): {l}\n")).collect();
    child.push_str("tar (child): Error is not recoverable: exiting now\n");
    if e.is_none() && t.o.codec == Some(Codec::Gzip) {
        child.push_str("\ngzip: stdin: unexpected end of file\n");
    }
    t.child_failed(&child, 2)
}

/// The directory members are extracted into: the session's cwd moved by the `-C` options that apply (all of them
/// when no names are given, else those before the first name), or GNU's fatal message.
fn base_dir(t: &mut Run) -> Result<String, String> {
    let named = t.o.args.iter().position(|a| matches!(a, Arg::Name(_)));
    let dirs: Vec<String> =
        t.o.args
            .iter()
            .take(named.unwrap_or(usize::MAX))
            .filter_map(|a| match a {
                Arg::Dir(d) => Some(d.clone()),
                Arg::Name(_) => None,
            })
            .collect();
    let s = &*t.ctx.session;
    let mut dir = s.cwd.clone();
    for d in dirs {
        match s.fs.stat(&dir, &d) {
            Ok(st) if st.kind == Kind::Dir => {
                dir = s.fs.canonicalize(&dir, &d).unwrap_or(dir);
            }
            Ok(_) => return Err(format!("{}: Cannot open: Not a directory", quote_colon(d.as_bytes()))),
            Err(e) => return Err(format!("{}: Cannot open: {e}", quote_colon(d.as_bytes()))),
        }
    }
    Ok(dir)
}

/// Names from the command line and `-T` files; `Err` is the fatal message for an unreadable `-T` file.
fn operand_names(t: &mut Run, stdin: &[u8]) -> Result<Vec<String>, String> {
    let mut out: Vec<String> =
        t.o.args
            .iter()
            .filter_map(|a| match a {
                Arg::Name(n) => Some(n.clone()),
                Arg::Dir(_) => None,
            })
            .collect();
    out.extend(list_file(t, &t.o.files_from.clone(), stdin)?);
    Ok(out)
}

/// The lines of the `-T`/`-X` files (`-` is stdin); `Err` is GNU's fatal message.
pub(super) fn list_file(t: &Run, files: &[String], stdin: &[u8]) -> Result<Vec<String>, String> {
    let mut out = Vec::new();
    for f in files {
        let bytes = if f == "-" {
            stdin.to_vec()
        } else {
            t.ctx
                .session
                .read_file(f)
                .map_err(|e| format!("{}: Cannot open: {e}", quote_colon(f.as_bytes())))?
        };
        let text = String::from_utf8_lossy(&bytes);
        out.extend(text.lines().filter(|l| !l.is_empty()).map(str::to_owned));
    }
    Ok(out)
}

/// Walks the archive: GNU's `read_and` with `list_archive` or `extract_archive`; `seekable` is the length of an
/// uncompressed archive file, `stdin` what `-T -` reads.
fn walk(t: &mut Run, stream: &mut dyn Stream, seekable: Option<u64>, stdin: &[u8]) -> i32 {
    let names = match operand_names(t, stdin) {
        Ok(n) => n,
        Err(msg) => return t.fatal(msg),
    };
    let excludes = match exclude_patterns(t) {
        Ok(p) => p,
        Err(msg) => return t.fatal(msg),
    };
    let mut names = Names::new(&names);
    let mode = t.o.mode.unwrap_or(Mode::List);
    let mut reader = Reader::new(stream, t.o.ignore_zeros);
    let mut announced = false;
    if let Some(len) = seekable {
        reader = reader.seekable(len, (t.o.blocking * 512) as u64);
    }
    let mut base: Option<String> = None;
    let mut ex = Extract::default();
    loop {
        let next = reader.next();
        flush_notes(t, &mut reader);
        announce(t, &reader, &mut announced);
        let m = match next {
            Next::End => break,
            Next::Fatal(f) => {
                finish_extract(t, &mut ex);
                return read_fatal(t, f, false);
            }
            Next::Member(m) => m,
        };
        if !names.matches(&m.name) || t.excluded(&excludes, &m.name) {
            continue;
        }
        let dir = match &base {
            Some(d) => d.clone(),
            None => match base_dir(t) {
                Ok(d) => {
                    base = Some(d.clone());
                    d
                }
                Err(msg) => return t.fatal(msg),
            },
        };
        let r = match mode {
            Mode::List => {
                list_member(t, &m);
                Ok(())
            }
            Mode::Extract => extract_member(t, &mut reader, &mut ex, &dir, &m),
            _ => Ok(()),
        };
        flush_notes(t, &mut reader);
        announce(t, &reader, &mut announced);
        if let Err(f) = r {
            finish_extract(t, &mut ex);
            return read_fatal(t, f, true);
        }
    }
    reader.drain();
    announce(t, &reader, &mut announced);
    if let Some(e) = reader.stream_error {
        finish_extract(t, &mut ex);
        return t.child_failed("", e.message().1);
    }
    finish_extract(t, &mut ex);
    for (name, found) in &names.list {
        if !found {
            t.error(format!("{}: Not found in archive", quote_colon(name)));
        }
    }
    late_excludes(t);
    t.finish()
}

/// The `--exclude` patterns in effect (not the misplaced ones of create mode) and those of `-X` files.
pub(super) fn exclude_patterns(t: &mut Run) -> Result<Vec<String>, String> {
    let creating = matches!(t.o.mode, Some(Mode::Create | Mode::Append | Mode::Update));
    let mut pats: Vec<String> =
        t.o.excludes
            .iter()
            .filter(|(_, late)| !(creating && *late))
            .map(|(p, _)| p.clone())
            .collect();
    pats.extend(list_file(t, &t.o.exclude_from.clone(), &[])?);
    Ok(pats)
}

/// GNU's complaint about `--exclude` after the file names in create mode, where it is positional.
pub(super) fn late_excludes(t: &mut Run) {
    if !matches!(t.o.mode, Some(Mode::Create | Mode::Append | Mode::Update)) {
        return;
    }
    let late: Vec<String> =
        t.o.excludes
            .iter()
            .filter(|(_, l)| *l)
            .map(|(p, _)| p.clone())
            .collect();
    if late.is_empty() {
        return;
    }
    t.error(
        "The following options were used after any non-optional arguments in archive create or update mode.  \
         These options are positional and affect only arguments that follow them.  Please, rearrange them properly.",
    );
    for p in late {
        t.error(format!("--exclude {} has no effect", locale_quote(p.as_bytes())));
    }
}

/// Prints gzip's complaint once, as soon as the decompressor failed (before tar's own reaction to the data ending).
fn announce(t: &mut Run, reader: &Reader, announced: &mut bool) {
    if let (Some(e), false) = (reader.stream_error, *announced) {
        t.ctx.err(e.message().0);
        *announced = true;
    }
}

/// Prints the reader's queued structural messages.
fn flush_notes(t: &mut Run, reader: &mut Reader) {
    for (msg, is_error) in std::mem::take(&mut reader.notes) {
        if is_error {
            t.error(msg);
        } else {
            t.warn(msg);
        }
    }
}

/// The fatal end of reading: `Unexpected EOF in archive` (once more when it cut a member being extracted, as GNU
/// reports it from both the data copy and the skip), or GNU's failed seek.
fn read_fatal(t: &mut Run, f: Fatal, in_extraction: bool) -> i32 {
    if in_extraction {
        t.ctx.err("tar: Unexpected EOF in archive\n");
    }
    match f {
        Fatal::Seek => t.fatal("rmtlseek not stopped at a record boundary"),
        Fatal::Eof => t.fatal("Unexpected EOF in archive"),
    }
}

/// `-t` for one member: the name, or the long line with `-v`; the name is transformed only for its warnings.
fn list_member(t: &mut Run, m: &Member) {
    t.transform(&m.name, false);
    if m.typeflag == b'1' {
        t.transform(&m.link, true);
    }
    let line = if t.o.verbose > 0 {
        t.long_line(m, &m.name)
    } else {
        format!("{}\n", quote(&m.name))
    };
    t.listing(&line);
}

//! GNU tar 1.34's command line: the old bundled first word (`tar xzf a.tgz`), getopt short clusters with their
//! arguments (`-xzvf a.tgz`, `-C/tmp`), long options with unique abbreviations (`--extr`), operands anywhere, and
//! argp's exact errors. Options that change nothing in this emulation are accepted and ignored.

use super::gzip::Codec;

/// The main operation.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Mode {
    /// `-c`.
    Create,
    /// `-r`.
    Append,
    /// `-u`, treated as `-r`.
    Update,
    /// `-t`.
    List,
    /// `-x`.
    Extract,
    /// `-A`, `-d`, `--delete`, `--test-label`: the archive is read and checked, nothing else happens.
    Check,
}

/// An operand or a `-C`, kept in command-line order because `-C` applies to the names after it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(super) enum Arg {
    /// A file (create) or member name (extract, list).
    Name(String),
    /// `-C DIR`.
    Dir(String),
}

/// What to do with a file that already exists where a member is extracted.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(super) enum OldFiles {
    /// Replace it (GNU's default).
    #[default]
    Replace,
    /// `-k`: keep it and report an error.
    Keep,
    /// `--skip-old-files`: keep it silently.
    Skip,
}

/// Everything the command line asked for.
#[derive(Clone, Debug, Default)]
pub(super) struct Opts {
    /// The operation; `None` is an error once parsing is done.
    pub(super) mode: Option<Mode>,
    /// The option that set the mode: repeating it is fine, a different one is a conflict.
    set_by: Option<&'static str>,
    /// `-f`; `None` means `-` (stdin or stdout), Debian's compiled-in default.
    pub(super) archive: Option<String>,
    /// `-z`, `-j`, `-J`, `-Z`, `--zstd`… or a known `-I` program.
    pub(super) codec: Option<Codec>,
    /// `-I PROG` naming a program that is not installed.
    pub(super) missing_program: Option<String>,
    /// Count of `-v`.
    pub(super) verbose: u32,
    /// Operands and `-C` in order.
    pub(super) args: Vec<Arg>,
    /// `-p` / `--no-same-permissions`; the default depends on the user.
    pub(super) same_permissions: Option<bool>,
    /// `--same-owner` / `--no-same-owner` (and `-o` when extracting); the default depends on the user.
    pub(super) same_owner: Option<bool>,
    /// `-o`, which means `--no-same-owner` when extracting.
    pub(super) o_flag: bool,
    /// `-O`.
    pub(super) to_stdout: bool,
    /// `-k`, `--skip-old-files`, `--overwrite`.
    pub(super) old_files: OldFiles,
    /// `-m`: do not restore modification times.
    pub(super) touch: bool,
    /// `-P`: keep leading `/` and `..`.
    pub(super) absolute: bool,
    /// `-h`: archive what symlinks point to.
    pub(super) dereference: bool,
    /// `--strip-components`.
    pub(super) strip: usize,
    /// `-i`.
    pub(super) ignore_zeros: bool,
    /// `--numeric-owner`.
    pub(super) numeric_owner: bool,
    /// `--exclude` patterns, each with whether it came after an operand (positional in create mode).
    pub(super) excludes: Vec<(String, bool)>,
    /// `-T` files.
    pub(super) files_from: Vec<String>,
    /// `-X` files.
    pub(super) exclude_from: Vec<String>,
    /// `-b`, in 512-byte blocks per record.
    pub(super) blocking: usize,
    /// `--no-recursion` clears it.
    pub(super) recursion: bool,
}

/// An early end instead of a run: `--help`, `--version`, or a usage error.
#[derive(Debug)]
pub(super) struct Exit {
    /// What goes to stdout.
    pub(super) stdout: String,
    /// What goes to stderr.
    pub(super) stderr: String,
    /// The exit status: 0, 2 for tar's own usage errors, 64 for argp's.
    pub(super) status: i32,
}

/// argp's hint after a usage error.
pub(super) const TRY: &str = "Try 'tar --help' or 'tar --usage' for more information.\n";

/// `tar --help` on Debian 12, verbatim.
const HELP: &str = include_str!("help.txt");

/// `tar --usage` on Debian 12, verbatim.
const USAGE: &str = include_str!("usage.txt");

/// `tar --version` on Debian 12.
const VERSION: &str = "tar (GNU tar) 1.34\nCopyright (C) 2021 Free Software Foundation, Inc.\n\
License GPLv3+: GNU GPL version 3 or later <https://gnu.org/licenses/gpl.html>.\n\
This is free software: you are free to change and redistribute it.\n\
There is NO WARRANTY, to the extent permitted by law.\n\nWritten by John Gilmore and Jay Fenlason.\n";

/// Short options that take an argument.
const SHORT_ARG: &str = "bCfFgHIKLNTVX";

/// Short options without one.
const SHORT_FLAG: &str = "AcdrtuxGnSkUWOmpsMBiajJzZhPlRvwo?";

/// Whether a long option takes an argument.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Has {
    /// Never.
    No,
    /// Always (`--file=X` or `--file X`).
    Req,
    /// Only as `--opt=X`.
    Opt,
}

/// Every long option of GNU tar 1.34 with its argument kind and the action it maps to (a short letter when it
/// has one); `-` is an option accepted without effect here. The `--exclude` group is in argp's order, which the
/// ambiguity message lists.
const LONG: &[(&str, Has, &str)] = &[
    ("catenate", Has::No, "A"),
    ("concatenate", Has::No, "A"),
    ("create", Has::No, "c"),
    ("delete", Has::No, "delete"),
    ("diff", Has::No, "d"),
    ("compare", Has::No, "d"),
    ("append", Has::No, "r"),
    ("test-label", Has::No, "test-label"),
    ("list", Has::No, "t"),
    ("update", Has::No, "u"),
    ("extract", Has::No, "x"),
    ("get", Has::No, "x"),
    ("check-device", Has::No, "-"),
    ("listed-incremental", Has::Req, "g"),
    ("incremental", Has::No, "G"),
    ("hole-detection", Has::Req, "-"),
    ("ignore-failed-read", Has::No, "-"),
    ("level", Has::Req, "-"),
    ("no-check-device", Has::No, "-"),
    ("no-seek", Has::No, "-"),
    ("seek", Has::No, "n"),
    ("occurrence", Has::Opt, "-"),
    ("sparse-version", Has::Req, "-"),
    ("sparse", Has::No, "S"),
    ("add-file", Has::Req, "add-file"),
    ("directory", Has::Req, "C"),
    ("exclude", Has::Req, "exclude"),
    ("exclude-from", Has::Req, "X"),
    ("exclude-caches", Has::No, "-"),
    ("exclude-caches-under", Has::No, "-"),
    ("exclude-caches-all", Has::No, "-"),
    ("exclude-tag", Has::Req, "-"),
    ("exclude-ignore", Has::Req, "-"),
    ("exclude-ignore-recursive", Has::Req, "-"),
    ("exclude-tag-under", Has::Req, "-"),
    ("exclude-tag-all", Has::Req, "-"),
    ("exclude-vcs", Has::No, "-"),
    ("exclude-vcs-ignores", Has::No, "-"),
    ("exclude-backups", Has::No, "-"),
    ("no-null", Has::No, "-"),
    ("no-recursion", Has::No, "no-recursion"),
    ("no-unquote", Has::No, "-"),
    ("no-verbatim-files-from", Has::No, "-"),
    ("null", Has::No, "-"),
    ("recursion", Has::No, "recursion"),
    ("files-from", Has::Req, "T"),
    ("unquote", Has::No, "-"),
    ("verbatim-files-from", Has::No, "-"),
    ("anchored", Has::No, "-"),
    ("ignore-case", Has::No, "-"),
    ("no-anchored", Has::No, "-"),
    ("no-ignore-case", Has::No, "-"),
    ("no-wildcards", Has::No, "-"),
    ("no-wildcards-match-slash", Has::No, "-"),
    ("wildcards", Has::No, "-"),
    ("wildcards-match-slash", Has::No, "-"),
    ("keep-directory-symlink", Has::No, "-"),
    ("keep-newer-files", Has::No, "-"),
    ("keep-old-files", Has::No, "k"),
    ("no-overwrite-dir", Has::No, "-"),
    ("one-top-level", Has::Opt, "-"),
    ("overwrite", Has::No, "overwrite"),
    ("overwrite-dir", Has::No, "-"),
    ("recursive-unlink", Has::No, "-"),
    ("remove-files", Has::No, "-"),
    ("skip-old-files", Has::No, "skip-old-files"),
    ("unlink-first", Has::No, "U"),
    ("verify", Has::No, "W"),
    ("ignore-command-error", Has::No, "-"),
    ("no-ignore-command-error", Has::No, "-"),
    ("to-stdout", Has::No, "O"),
    ("to-command", Has::Req, "-"),
    ("atime-preserve", Has::Opt, "-"),
    ("clamp-mtime", Has::No, "-"),
    ("delay-directory-restore", Has::No, "-"),
    ("group", Has::Req, "-"),
    ("group-map", Has::Req, "-"),
    ("mode", Has::Req, "-"),
    ("mtime", Has::Req, "-"),
    ("touch", Has::No, "m"),
    ("no-delay-directory-restore", Has::No, "-"),
    ("no-same-owner", Has::No, "no-same-owner"),
    ("no-same-permissions", Has::No, "no-same-permissions"),
    ("numeric-owner", Has::No, "numeric-owner"),
    ("owner", Has::Req, "-"),
    ("owner-map", Has::Req, "-"),
    ("preserve-permissions", Has::No, "p"),
    ("same-permissions", Has::No, "p"),
    ("same-owner", Has::No, "same-owner"),
    ("sort", Has::Req, "-"),
    ("preserve-order", Has::No, "s"),
    ("same-order", Has::No, "s"),
    ("acls", Has::No, "-"),
    ("no-acls", Has::No, "-"),
    ("no-selinux", Has::No, "-"),
    ("no-xattrs", Has::No, "-"),
    ("selinux", Has::No, "-"),
    ("xattrs", Has::No, "-"),
    ("xattrs-exclude", Has::Req, "-"),
    ("xattrs-include", Has::Req, "-"),
    ("force-local", Has::No, "-"),
    ("file", Has::Req, "f"),
    ("info-script", Has::Req, "F"),
    ("new-volume-script", Has::Req, "F"),
    ("tape-length", Has::Req, "L"),
    ("multi-volume", Has::No, "M"),
    ("rmt-command", Has::Req, "-"),
    ("rsh-command", Has::Req, "-"),
    ("volno-file", Has::Req, "-"),
    ("blocking-factor", Has::Req, "b"),
    ("read-full-records", Has::No, "B"),
    ("ignore-zeros", Has::No, "i"),
    ("record-size", Has::Req, "-"),
    ("format", Has::Req, "H"),
    ("old-archive", Has::No, "-"),
    ("portability", Has::No, "-"),
    ("pax-option", Has::Req, "-"),
    ("posix", Has::No, "-"),
    ("label", Has::Req, "V"),
    ("auto-compress", Has::No, "a"),
    ("use-compress-program", Has::Req, "I"),
    ("bzip2", Has::No, "j"),
    ("xz", Has::No, "J"),
    ("lzip", Has::No, "lzip"),
    ("lzma", Has::No, "J"),
    ("lzop", Has::No, "lzop"),
    ("no-auto-compress", Has::No, "-"),
    ("zstd", Has::No, "zstd"),
    ("gzip", Has::No, "z"),
    ("gunzip", Has::No, "z"),
    ("ungzip", Has::No, "z"),
    ("compress", Has::No, "Z"),
    ("uncompress", Has::No, "Z"),
    ("backup", Has::Opt, "-"),
    ("hard-dereference", Has::No, "-"),
    ("dereference", Has::No, "h"),
    ("starting-file", Has::Req, "K"),
    ("newer-mtime", Has::Req, "-"),
    ("newer", Has::Req, "N"),
    ("after-date", Has::Req, "N"),
    ("one-file-system", Has::No, "-"),
    ("absolute-names", Has::No, "P"),
    ("suffix", Has::Req, "-"),
    ("strip-components", Has::Req, "strip-components"),
    ("transform", Has::Req, "-"),
    ("xform", Has::Req, "-"),
    ("checkpoint", Has::Opt, "-"),
    ("checkpoint-action", Has::Req, "-"),
    ("full-time", Has::No, "-"),
    ("index-file", Has::Req, "-"),
    ("check-links", Has::No, "l"),
    ("no-quote-chars", Has::Req, "-"),
    ("quote-chars", Has::Req, "-"),
    ("quoting-style", Has::Req, "-"),
    ("block-number", Has::No, "R"),
    ("show-defaults", Has::No, "-"),
    ("show-omitted-dirs", Has::No, "-"),
    ("show-snapshot-field-ranges", Has::No, "-"),
    ("show-transformed-names", Has::No, "-"),
    ("show-stored-names", Has::No, "-"),
    ("totals", Has::Opt, "-"),
    ("utc", Has::No, "-"),
    ("verbose", Has::No, "v"),
    ("warning", Has::Req, "-"),
    ("interactive", Has::No, "w"),
    ("confirmation", Has::No, "w"),
    ("help", Has::No, "?"),
    ("restrict", Has::No, "-"),
    ("usage", Has::No, "usage"),
    ("version", Has::No, "version"),
];

/// An argp usage error: the message, the hint, status 64.
fn usage_error(msg: &str) -> Exit {
    Exit {
        stdout: String::new(),
        stderr: format!("tar: {msg}\n{TRY}"),
        status: 64,
    }
}

/// One of tar's own usage errors (`USAGE_ERROR`): the message, the hint, status 2.
fn tar_usage_error(msg: &str) -> Exit {
    Exit {
        stdout: String::new(),
        stderr: format!("tar: {msg}\n{TRY}"),
        status: 2,
    }
}

/// A successful early exit with `text` on stdout.
fn print(text: &str) -> Exit {
    Exit {
        stdout: text.to_owned(),
        stderr: String::new(),
        status: 0,
    }
}

/// The codec a `-I` program stands for, if it is one this shell knows.
fn codec_of_program(prog: &str) -> Option<Codec> {
    let name = prog.split_whitespace().next().unwrap_or("");
    let name = name.rsplit('/').next().unwrap_or(name);
    Some(match name {
        "gzip" | "pigz" | "gunzip" => Codec::Gzip,
        "bzip2" | "pbzip2" | "lbzip2" => Codec::Bzip2,
        "xz" | "pixz" | "pxz" | "lzma" => Codec::Xz,
        _ => return None,
    })
}

impl Opts {
    /// Sets the operation; GNU allows repeating the same one and rejects a second, different one.
    fn set_mode(&mut self, mode: Mode, id: &'static str) -> Result<(), Exit> {
        match (self.mode, self.set_by) {
            (Some(_), Some(prev)) if prev != id => Err(tar_usage_error(
                "You may not specify more than one '-Acdtrux', '--delete' or  '--test-label' option",
            )),
            _ => {
                self.mode = Some(mode);
                self.set_by = Some(id);
                Ok(())
            }
        }
    }

    /// Applies one option (by its action id) with its argument.
    fn apply(&mut self, id: &'static str, value: Option<&str>, seen_operand: bool) -> Result<(), Exit> {
        let v = value.unwrap_or("");
        match id {
            "c" => self.set_mode(Mode::Create, id)?,
            "r" => self.set_mode(Mode::Append, id)?,
            "u" => self.set_mode(Mode::Update, id)?,
            "t" => self.set_mode(Mode::List, id)?,
            "x" => self.set_mode(Mode::Extract, id)?,
            "A" | "d" | "delete" | "test-label" => self.set_mode(Mode::Check, id)?,
            "f" => self.archive = Some(v.to_owned()),
            "C" => self.args.push(Arg::Dir(v.to_owned())),
            "T" => self.files_from.push(v.to_owned()),
            "X" => self.exclude_from.push(v.to_owned()),
            "add-file" => self.args.push(Arg::Name(v.to_owned())),
            "exclude" => self.excludes.push((v.to_owned(), seen_operand)),
            "z" => self.codec = Some(Codec::Gzip),
            "j" => self.codec = Some(Codec::Bzip2),
            "J" => self.codec = Some(Codec::Xz),
            "Z" => self.codec = Some(Codec::Compress),
            "lzip" => self.codec = Some(Codec::Lzip),
            "lzop" => self.codec = Some(Codec::Lzop),
            "zstd" => self.codec = Some(Codec::Zstd),
            "I" => match codec_of_program(v) {
                Some(c) => self.codec = Some(c),
                None => self.missing_program = Some(v.split_whitespace().next().unwrap_or(v).to_owned()),
            },
            "v" => self.verbose += 1,
            "p" => self.same_permissions = Some(true),
            "no-same-permissions" => self.same_permissions = Some(false),
            "same-owner" => self.same_owner = Some(true),
            "no-same-owner" => self.same_owner = Some(false),
            "o" => self.o_flag = true,
            "O" => self.to_stdout = true,
            "k" => self.old_files = OldFiles::Keep,
            "skip-old-files" => self.old_files = OldFiles::Skip,
            "overwrite" => self.old_files = OldFiles::Replace,
            "m" => self.touch = true,
            "P" => self.absolute = true,
            "h" => self.dereference = true,
            "i" => self.ignore_zeros = true,
            "numeric-owner" => self.numeric_owner = true,
            "recursion" => self.recursion = true,
            "no-recursion" => self.recursion = false,
            "strip-components" => match v.parse::<usize>() {
                Ok(n) => self.strip = n,
                Err(_) => return Err(tar_usage_error(&format!("{v}: Invalid number of elements"))),
            },
            "b" => match v.parse::<usize>() {
                Ok(n) if (1..=4096).contains(&n) => self.blocking = n,
                _ => return Err(tar_usage_error(&format!("{v}: Invalid blocking factor"))),
            },
            "?" => return Err(print(HELP)),
            "usage" => return Err(print(USAGE)),
            "version" => return Err(print(VERSION)),
            _ => {}
        }
        Ok(())
    }
}

/// Finds a long option by exact name or unique abbreviation (aliases of one action count as one).
fn find_long(name: &str) -> Result<(&'static str, Has, &'static str), Exit> {
    if let Some(&(n, has, id)) = LONG.iter().find(|(n, _, _)| *n == name) {
        return Ok((n, has, id));
    }
    let hits: Vec<&(&str, Has, &str)> = LONG.iter().filter(|(n, _, _)| n.starts_with(name)).collect();
    match hits.as_slice() {
        [] => Err(usage_error(&format!("unrecognized option '--{name}'"))),
        [first, rest @ ..] if rest.iter().all(|(_, _, id)| *id == first.2) => Ok(**first),
        _ => {
            let list: Vec<String> = hits.iter().map(|(n, _, _)| format!("'--{n}'")).collect();
            Err(usage_error(&format!(
                "option '--{name}' is ambiguous; possibilities: {}",
                list.join(" ")
            )))
        }
    }
}

/// Rewrites the old-style first word (`xzf a.tgz`) into dashed options, taking the option arguments from the
/// words after it in order, as GNU tar does before argp sees the line.
fn expand_old_style(args: &[String]) -> Result<Vec<String>, Exit> {
    let Some(first) = args.first() else {
        return Ok(Vec::new());
    };
    if first.starts_with('-') {
        return Ok(args.to_vec());
    }
    let mut rest = args.iter().skip(1);
    let mut out = Vec::new();
    for c in first.chars() {
        out.push(format!("-{c}"));
        if SHORT_ARG.contains(c) {
            match rest.next() {
                Some(v) => out.push(v.clone()),
                None => return Err(tar_usage_error(&format!("Old option '{c}' requires an argument."))),
            }
        }
    }
    out.extend(rest.cloned());
    Ok(out)
}

/// Parses the arguments after the program name.
pub(super) fn parse(args: &[String]) -> Result<Opts, Exit> {
    let args = expand_old_style(args)?;
    let mut o = Opts {
        blocking: 20,
        recursion: true,
        ..Opts::default()
    };
    let mut seen_operand = false;
    let mut i = 0;
    while let Some(arg) = args.get(i) {
        i += 1;
        if arg == "--" {
            o.args.extend(args.iter().skip(i).cloned().map(Arg::Name));
            break;
        }
        if let Some(long) = arg.strip_prefix("--") {
            let (name, inline) = match long.split_once('=') {
                Some((n, v)) => (n, Some(v)),
                None => (long, None),
            };
            let (full, has, id) = find_long(name)?;
            let value = match (has, inline) {
                (Has::No, Some(_)) => return Err(usage_error(&format!("option '--{full}' doesn't allow an argument"))),
                (Has::Req, None) => {
                    let v = args
                        .get(i)
                        .ok_or_else(|| usage_error(&format!("option '--{full}' requires an argument")))?;
                    i += 1;
                    Some(v.as_str())
                }
                (_, v) => v,
            };
            o.apply(id, value, seen_operand)?;
            continue;
        }
        let Some(cluster) = arg.strip_prefix('-').filter(|c| !c.is_empty()) else {
            o.args.push(Arg::Name(arg.clone()));
            seen_operand = true;
            continue;
        };
        for (at, c) in cluster.char_indices() {
            if SHORT_ARG.contains(c) {
                let inline = cluster.get(at + c.len_utf8()..).unwrap_or("");
                let value = if inline.is_empty() {
                    let v = args
                        .get(i)
                        .ok_or_else(|| usage_error(&format!("option requires an argument -- '{c}'")))?;
                    i += 1;
                    v.as_str()
                } else {
                    inline
                };
                o.apply(short_id(c), Some(value), seen_operand)?;
                break;
            }
            if !SHORT_FLAG.contains(c) {
                return Err(usage_error(&format!("invalid option -- '{c}'")));
            }
            o.apply(short_id(c), None, seen_operand)?;
        }
    }
    Ok(o)
}

/// The action id of a short option letter (its own letter, as a static string).
fn short_id(c: char) -> &'static str {
    /// Every short letter as a `'static` string, so actions share one type with the long options' ids.
    const IDS: &[&str] = &[
        "A", "c", "d", "r", "t", "u", "x", "G", "n", "S", "k", "U", "W", "O", "m", "p", "s", "M", "B", "i", "a", "j",
        "J", "z", "Z", "h", "P", "l", "R", "v", "w", "o", "?", "b", "C", "f", "F", "g", "H", "I", "K", "L", "N", "T",
        "V", "X",
    ];
    IDS.iter().copied().find(|id| id.starts_with(c)).unwrap_or("-")
}

/// The usage errors GNU checks after parsing, given the mode: `None` when the line can run.
pub(super) fn validate(o: &Opts) -> Option<Exit> {
    let Some(mode) = o.mode else {
        return Some(tar_usage_error(
            "You must specify one of the '-Acdtrux', '--delete' or '--test-label' options",
        ));
    };
    let appending = matches!(mode, Mode::Append | Mode::Update);
    if appending && o.archive.as_deref().is_none_or(|a| a == "-") {
        return Some(tar_usage_error("Options '-Aru' are incompatible with '-f -'"));
    }
    if appending && o.codec.is_some() {
        return Some(tar_usage_error("Cannot update compressed archives"));
    }
    let names = o.args.iter().any(|a| matches!(a, Arg::Name(_)));
    if mode == Mode::Create && !names && o.files_from.is_empty() {
        return Some(tar_usage_error("Cowardly refusing to create an empty archive"));
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(line: &str) -> Opts {
        let args: Vec<String> = line.split_whitespace().map(str::to_owned).collect();
        match parse(&args) {
            Ok(o) => o,
            Err(Exit { stderr, .. }) => panic!("{line}: {stderr}"),
        }
    }

    fn err(line: &str) -> (String, i32) {
        let args: Vec<String> = line.split_whitespace().map(str::to_owned).collect();
        match parse(&args) {
            Err(Exit { stderr, status, .. }) => (stderr, status),
            Ok(o) => panic!("{line}: parsed {o:?}"),
        }
    }

    #[test]
    fn forms() {
        for line in [
            "xzvf a.tgz -C /tmp",
            "-xzvf a.tgz -C /tmp",
            "-x -z -v -f a.tgz -C/tmp",
            "--extr -zvfa.tgz -C /tmp",
        ] {
            let o = run(line);
            assert_eq!(o.mode, Some(Mode::Extract), "{line}");
            assert_eq!(o.codec, Some(Codec::Gzip), "{line}");
            assert_eq!(o.verbose, 1, "{line}");
            assert_eq!(o.archive.as_deref(), Some("a.tgz"), "{line}");
            assert_eq!(o.args, vec![Arg::Dir("/tmp".to_owned())], "{line}");
        }
        let o = run("cf - dir --file=out.tar --strip-components 2 -- -x");
        assert_eq!(o.archive.as_deref(), Some("out.tar"));
        assert_eq!(o.strip, 2);
        assert_eq!(o.args, vec![Arg::Name("dir".to_owned()), Arg::Name("-x".to_owned())]);
        assert_eq!(run("cfC a.tar /etc x").args[0], Arg::Dir("/etc".to_owned()));
    }

    #[test]
    fn errors() {
        let cases: &[(&str, &str, i32)] = &[
            ("xf", "tar: Old option 'f' requires an argument.\n", 2),
            ("-xf", "tar: option requires an argument -- 'f'\n", 64),
            ("-x --file", "tar: option '--file' requires an argument\n", 64),
            ("xqf a", "tar: invalid option -- 'q'\n", 64),
            ("--bogus", "tar: unrecognized option '--bogus'\n", 64),
            ("--verbose=1", "tar: option '--verbose' doesn't allow an argument\n", 64),
            (
                "-cxf a",
                "tar: You may not specify more than one '-Acdtrux', '--delete' or  '--test-label' option\n",
                2,
            ),
            ("-tf a --strip-components=x", "tar: x: Invalid number of elements\n", 2),
        ];
        for (line, msg, status) in cases {
            assert_eq!(err(line), (format!("{msg}{TRY}"), *status), "{line}");
        }
        assert!(err("--un")
            .0
            .starts_with("tar: option '--un' is ambiguous; possibilities: '--"));
    }
}

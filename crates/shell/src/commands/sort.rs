//! `sort` from coreutils 9.1: byte-order (C locale) line sorting with `-n -h -r -u -f -k -t`, from files and stdin.

use std::cmp::Ordering;

use super::{prog, Command, Ctx};

/// Most lines sorted, so a flood of input cannot stall the session.
const MAX_LINES: usize = 200_000;

/// The `sort` command.
pub struct Sort;

#[derive(Clone, Copy, Default)]
struct Flags {
    numeric: bool,
    human: bool,
    reverse: bool,
    fold: bool,
}

#[derive(Clone, Copy)]
struct Key {
    start: usize,
    start_char: usize,
    end: Option<usize>,
    flags: Flags,
    has_flags: bool,
}

impl Command for Sort {
    fn names(&self) -> &'static [&'static str] {
        &["sort", "/bin/sort", "/usr/bin/sort"]
    }

    fn run(&self, ctx: &mut Ctx, args: &[String], stdin: &[u8]) -> i32 {
        let p = prog(args).to_owned();
        let mut g = Flags::default();
        let mut unique = false;
        let mut keys: Vec<Key> = Vec::new();
        let mut sep: Option<u8> = None;
        let mut files: Vec<&str> = Vec::new();
        let mut done = false;
        let mut i = 1;
        while i < args.len() {
            let arg = args[i].as_str();
            i += 1;
            if done || arg == "-" || !arg.starts_with('-') {
                files.push(arg);
                continue;
            }
            if arg == "--" {
                done = true;
                continue;
            }
            if arg.starts_with("--") {
                match arg {
                    "--numeric-sort" => g.numeric = true,
                    "--human-numeric-sort" => g.human = true,
                    "--reverse" => g.reverse = true,
                    "--unique" => unique = true,
                    "--ignore-case" => g.fold = true,
                    _ => {
                        ctx.invalid_option(&p, arg);
                        return 2;
                    }
                }
                continue;
            }
            let chars: Vec<char> = arg.chars().skip(1).collect();
            for (k, &c) in chars.iter().enumerate() {
                match c {
                    'n' => g.numeric = true,
                    'h' => g.human = true,
                    'r' => g.reverse = true,
                    'u' => unique = true,
                    'f' => g.fold = true,
                    'b' | 'd' | 's' | 'z' => {}
                    'k' | 't' | 'o' | 'T' | 'S' => {
                        let rest: String = chars.iter().skip(k + 1).collect();
                        let value = if !rest.is_empty() {
                            rest
                        } else if let Some(v) = args.get(i) {
                            i += 1;
                            v.clone()
                        } else {
                            ctx.err(format!(
                                "{p}: option requires an argument -- '{c}'\nTry '{p} --help' for more information.\n"
                            ));
                            return 2;
                        };
                        if c == 'k' {
                            match parse_key(&value) {
                                Ok(key) => keys.push(key),
                                Err(msg) => {
                                    ctx.err(format!("{p}: {msg}: invalid field specification ‘{value}’\n"));
                                    return 2;
                                }
                            }
                        } else if c == 't' {
                            let b = value.as_bytes();
                            if b.len() != 1 {
                                let shown = value.replace('\\', "\\\\");
                                ctx.err(format!("{p}: multi-character tab ‘{shown}’\n"));
                                return 2;
                            }
                            sep = b.first().copied();
                        }
                        break;
                    }
                    _ => {
                        ctx.invalid_option(&p, &format!("-{c}"));
                        return 2;
                    }
                }
            }
        }
        if files.is_empty() {
            files.push("-");
        }
        let mut data = Vec::new();
        for f in files {
            if f == "-" {
                data.extend_from_slice(stdin);
            } else {
                match ctx.session.read_file(f) {
                    Ok(d) => data.extend_from_slice(&d),
                    Err(e) => {
                        ctx.err(format!("{p}: cannot read: {f}: {}\n", e.message()));
                        return 2;
                    }
                }
            }
            if !data.is_empty() && !data.ends_with(b"\n") {
                data.push(b'\n');
            }
        }
        let body = data.strip_suffix(b"\n").unwrap_or(&data);
        if data.is_empty() {
            return 0;
        }
        let mut lines: Vec<&[u8]> = body.split(|&b| b == b'\n').take(MAX_LINES).collect();
        for k in keys.iter_mut() {
            if !k.has_flags {
                k.flags = g;
            }
        }
        let cmp = |a: &&[u8], b: &&[u8]| compare(a, b, &keys, g, sep);
        lines.sort_by(|a, b| match cmp(a, b) {
            // coreutils' last-resort comparison: whole lines byte by byte, reversed by a global -r.
            Ordering::Equal if !unique && g.reverse => b.cmp(a),
            Ordering::Equal if !unique => a.cmp(b),
            o => o,
        });
        if unique {
            lines.dedup_by(|a, b| cmp(&&**a, &&**b) == Ordering::Equal);
        }
        for l in lines {
            ctx.out(l);
            ctx.out(b"\n");
        }
        0
    }
}

fn parse_key(s: &str) -> Result<Key, &'static str> {
    let (spec, end) = match s.split_once(',') {
        Some((a, b)) => (a, Some(b)),
        None => (s, None),
    };
    let mut flags = Flags::default();
    let mut has_flags = false;
    let mut take = |part: &str| -> Result<(usize, usize), &'static str> {
        let digits_end = part
            .find(|c: char| !c.is_ascii_digit() && c != '.')
            .unwrap_or(part.len());
        let (num, opts) = part.split_at(digits_end);
        for c in opts.chars() {
            has_flags = true;
            match c {
                'n' => flags.numeric = true,
                'h' => flags.human = true,
                'r' => flags.reverse = true,
                'f' => flags.fold = true,
                'b' | 'd' => {}
                _ => return Err("invalid field specification"),
            }
        }
        let (f, c) = num.split_once('.').unwrap_or((num, "0"));
        let f: usize = f.parse().map_err(|_| "invalid number at field start")?;
        let c: usize = c.parse().map_err(|_| "invalid number after '.'")?;
        Ok((f, c))
    };
    let (start, start_char) = take(spec)?;
    if start == 0 {
        return Err("field number is zero");
    }
    let end = match end {
        Some(e) => Some(take(e)?.0),
        None => None,
    };
    Ok(Key {
        start,
        start_char,
        end,
        flags,
        has_flags,
    })
}

/// The byte ranges of each field: with a separator, split on it; otherwise each field starts with its blanks.
fn fields(line: &[u8], sep: Option<u8>) -> Vec<(usize, usize)> {
    let mut out = Vec::new();
    match sep {
        Some(s) => {
            let mut start = 0;
            for (i, &b) in line.iter().enumerate() {
                if b == s {
                    out.push((start, i));
                    start = i + 1;
                }
            }
            out.push((start, line.len()));
        }
        None => {
            let mut i = 0;
            while i < line.len() {
                let start = i;
                while i < line.len() && (line.get(i) == Some(&b' ') || line.get(i) == Some(&b'\t')) {
                    i += 1;
                }
                while i < line.len() && line.get(i) != Some(&b' ') && line.get(i) != Some(&b'\t') {
                    i += 1;
                }
                out.push((start, i));
            }
        }
    }
    out
}

fn key_of<'a>(line: &'a [u8], k: &Key, sep: Option<u8>) -> &'a [u8] {
    let f = fields(line, sep);
    let Some(&(s, _)) = f.get(k.start - 1) else { return &[] };
    let s = (s + k.start_char.saturating_sub(1)).min(line.len());
    let e = match k.end {
        Some(e) => f.get(e.saturating_sub(1)).map_or(line.len(), |&(_, end)| end),
        None => line.len(),
    };
    line.get(s..e.max(s)).unwrap_or(&[])
}

fn compare(a: &[u8], b: &[u8], keys: &[Key], g: Flags, sep: Option<u8>) -> Ordering {
    if keys.is_empty() {
        return cmp_with(a, b, g);
    }
    for k in keys {
        let o = cmp_with(key_of(a, k, sep), key_of(b, k, sep), k.flags);
        if o != Ordering::Equal {
            return o;
        }
    }
    Ordering::Equal
}

fn cmp_with(a: &[u8], b: &[u8], f: Flags) -> Ordering {
    let o = if f.numeric || f.human {
        let (x, y) = (num(a, f.human), num(b, f.human));
        x.partial_cmp(&y).unwrap_or(Ordering::Equal)
    } else if f.fold {
        a.iter()
            .map(u8::to_ascii_uppercase)
            .cmp(b.iter().map(u8::to_ascii_uppercase))
    } else {
        a.cmp(b)
    };
    if f.reverse {
        o.reverse()
    } else {
        o
    }
}

/// The leading number of `s` (0 when none), scaled by a `-h` suffix.
fn num(s: &[u8], human: bool) -> f64 {
    let t = String::from_utf8_lossy(s);
    let t = t.trim_start_matches([' ', '\t']);
    let mut end = 0;
    for (i, c) in t.char_indices() {
        if c.is_ascii_digit() || c == '.' || (i == 0 && c == '-') {
            end = i + 1;
        } else {
            break;
        }
    }
    let v: f64 = t.get(..end).and_then(|n| n.parse().ok()).unwrap_or(0.0);
    if !human {
        return v;
    }
    let scale = match t.get(end..).and_then(|r| r.chars().next()) {
        Some('K' | 'k') => 1e3,
        Some('M') => 1e6,
        Some('G') => 1e9,
        Some('T') => 1e12,
        Some('P') => 1e15,
        Some('E') => 1e18,
        _ => 1.0,
    };
    v * scale
}

#[cfg(test)]
mod tests {
    use crate::commands::testing::check;

    #[test]
    fn sort() {
        check("echo -ne 'b\\na\\nc\\n' | sort", "a\nb\nc\n", "", 0);
        check("echo -ne 'b\\na\\nc\\n' | sort -r", "c\nb\na\n", "", 0);
        check(
            "echo -ne '10\\n9\\n-1\\nx\\n1.5\\n' | sort -n",
            "-1\nx\n1.5\n9\n10\n",
            "",
            0,
        );
        check("echo -ne 'b 1\\na 2\\n' | sort -k2,2nr", "a 2\nb 1\n", "", 0);
        check(
            "echo -ne 'x:3\\ny:1\\nz:2\\n' | sort -t: -k2 -n",
            "y:1\nz:2\nx:3\n",
            "",
            0,
        );
        check("echo -ne '1K\\n2M\\n3\\n' | sort -h", "3\n1K\n2M\n", "", 0);
        check("echo -ne 'a\\nb\\na\\n' | sort -u", "a\nb\n", "", 0);
        check("echo -ne 'b\\nB\\na\\n' | sort -f", "a\nB\nb\n", "", 0);
        check(
            "sort /nope",
            "",
            "sort: cannot read: /nope: No such file or directory\n",
            2,
        );
        check(
            "sort -k",
            "",
            "sort: option requires an argument -- 'k'\nTry 'sort --help' for more information.\n",
            2,
        );
        check(
            "sort -k 0",
            "",
            "sort: field number is zero: invalid field specification ‘0’\n",
            2,
        );
    }
}

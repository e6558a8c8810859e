//! `cut` from coreutils 9.1: `-b`, `-c` (bytes, as coreutils does) and `-f` with `-d`, `-s`, `--complement` and
//! `--output-delimiter`, with coreutils' list errors.

use super::{prog, Command, Ctx};

/// Largest position accepted in a list, so ranges stay cheap.
const MAX_POS: usize = 1 << 20;

/// The `cut` command.
pub struct Cut;

#[derive(Clone, Copy, PartialEq)]
enum Mode {
    Bytes,
    Fields,
}

impl Command for Cut {
    fn names(&self) -> &'static [&'static str] {
        &["cut", "/bin/cut", "/usr/bin/cut"]
    }

    fn run(&self, ctx: &mut Ctx, args: &[String], stdin: &[u8]) -> i32 {
        let p = prog(args).to_owned();
        let mut list: Option<(Mode, String)> = None;
        let mut delim: Option<String> = None;
        let mut out_delim: Option<String> = None;
        let (mut only_delimited, mut complement) = (false, false);
        let mut files: Vec<&str> = Vec::new();
        let mut done = false;
        let mut i = 1;
        let usage = |ctx: &mut Ctx, msg: &str| {
            ctx.err(format!("{p}: {msg}\nTry '{p} --help' for more information.\n"));
            1
        };
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
            if let Some(long) = arg.strip_prefix("--") {
                let (name, value) = match long.split_once('=') {
                    Some((n, v)) => (n, Some(v.to_owned())),
                    None => (long, None),
                };
                let needs = matches!(
                    name,
                    "bytes" | "characters" | "fields" | "delimiter" | "output-delimiter"
                );
                let value = match (needs, value) {
                    (true, None) => match args.get(i) {
                        Some(v) => {
                            i += 1;
                            Some(v.clone())
                        }
                        None => {
                            return usage(ctx, &format!("option '--{name}' requires an argument"));
                        }
                    },
                    (_, v) => v,
                };
                let v = value.unwrap_or_default();
                match name {
                    "bytes" | "characters" | "fields" => {
                        if list.is_some() {
                            return usage(ctx, "only one list may be specified");
                        }
                        list = Some((if name == "fields" { Mode::Fields } else { Mode::Bytes }, v));
                    }
                    "delimiter" => delim = Some(v),
                    "output-delimiter" => out_delim = Some(v),
                    "only-delimited" => only_delimited = true,
                    "complement" => complement = true,
                    _ => return ctx.invalid_option(&p, arg),
                }
                continue;
            }
            let chars: Vec<char> = arg.chars().skip(1).collect();
            for (k, &c) in chars.iter().enumerate() {
                match c {
                    's' => only_delimited = true,
                    'n' => {}
                    'b' | 'c' | 'f' | 'd' => {
                        let rest: String = chars.iter().skip(k + 1).collect();
                        let value = if !rest.is_empty() {
                            rest
                        } else if let Some(v) = args.get(i) {
                            i += 1;
                            v.clone()
                        } else {
                            return usage(ctx, &format!("option requires an argument -- '{c}'"));
                        };
                        if c == 'd' {
                            delim = Some(value);
                        } else {
                            if list.is_some() {
                                return usage(ctx, "only one list may be specified");
                            }
                            list = Some((if c == 'f' { Mode::Fields } else { Mode::Bytes }, value));
                        }
                        break;
                    }
                    _ => return ctx.invalid_option(&p, &format!("-{c}")),
                }
            }
        }
        let Some((mode, spec)) = list else {
            return usage(ctx, "you must specify a list of bytes, characters, or fields");
        };
        if mode == Mode::Bytes && delim.is_some() {
            return usage(ctx, "an input delimiter may be specified only when operating on fields");
        }
        if mode == Mode::Bytes && only_delimited {
            return usage(
                ctx,
                "suppressing non-delimited lines makes sense\n\tonly when operating on fields",
            );
        }
        let d = match &delim {
            None => b'\t',
            Some(s) if s.len() == 1 => s.as_bytes().first().copied().unwrap_or(b'\t'),
            Some(s) if s.is_empty() => 0,
            Some(_) => return usage(ctx, "the delimiter must be a single character"),
        };
        let ranges = match parse_list(&spec, mode) {
            Ok(r) => r,
            Err(msg) => return usage(ctx, &msg),
        };
        let selected = |n: usize| ranges.iter().any(|&(a, b)| n >= a && n <= b) != complement;
        let od: Vec<u8> = out_delim.map_or_else(|| vec![d], String::into_bytes);
        if files.is_empty() {
            files.push("-");
        }
        let mut status = 0;
        for f in files {
            let data = if f == "-" {
                stdin.to_vec()
            } else {
                match ctx.session.read_file(f) {
                    Ok(d) => d,
                    Err(e) => {
                        ctx.err(format!("{p}: {f}: {}\n", e.message()));
                        status = 1;
                        continue;
                    }
                }
            };
            if data.is_empty() {
                continue;
            }
            let body = data.strip_suffix(b"\n").unwrap_or(&data);
            let mut out = Vec::new();
            for line in body.split(|&b| b == b'\n') {
                match mode {
                    Mode::Bytes => {
                        let mut last: Option<usize> = None;
                        for (n, &b) in line.iter().enumerate() {
                            if selected(n + 1) {
                                if out_delim_needed(&od, d, last, n) {
                                    out.extend_from_slice(&od);
                                }
                                out.push(b);
                                last = Some(n);
                            }
                        }
                    }
                    Mode::Fields => {
                        if !line.contains(&d) {
                            if !only_delimited {
                                out.extend_from_slice(line);
                                out.push(b'\n');
                            }
                            continue;
                        }
                        let mut first = true;
                        for (n, field) in line.split(|&b| b == d).enumerate() {
                            if selected(n + 1) {
                                if !first {
                                    out.extend_from_slice(&od);
                                }
                                out.extend_from_slice(field);
                                first = false;
                            }
                        }
                    }
                }
                out.push(b'\n');
            }
            ctx.out(out);
        }
        status
    }
}

/// With `--output-delimiter`, byte mode separates non-adjacent ranges by it (never with the default).
fn out_delim_needed(od: &[u8], d: u8, last: Option<usize>, n: usize) -> bool {
    od != [d] && last.is_some_and(|l| l + 1 != n)
}

/// Parses `1,3-5,7-` into inclusive 1-based ranges.
fn parse_list(spec: &str, mode: Mode) -> Result<Vec<(usize, usize)>, String> {
    let (zero, invalid, range) = match mode {
        Mode::Fields => (
            "fields are numbered from 1",
            "invalid field value",
            "invalid field range",
        ),
        Mode::Bytes => (
            "byte/character positions are numbered from 1",
            "invalid byte/character position",
            "invalid byte or character range",
        ),
    };
    let mut out = Vec::new();
    for item in spec.split([',', ' ']).take(10_000) {
        let num = |s: &str, default: usize| -> Result<usize, String> {
            if s.is_empty() {
                return Ok(default);
            }
            match s.parse::<usize>() {
                Ok(0) => Err(zero.to_owned()),
                Ok(n) => Ok(n.min(MAX_POS)),
                Err(_) if s.bytes().all(|b| b.is_ascii_digit()) => Ok(MAX_POS),
                Err(_) => Err(format!("{invalid} ‘{s}’")),
            }
        };
        if item.is_empty() {
            return Err(zero.to_owned());
        }
        match item.split_once('-') {
            Some((a, b)) => {
                if b.contains('-') || (a.is_empty() && b.is_empty()) {
                    return Err(range.to_owned());
                }
                let (a, b) = (num(a, 1)?, num(b, MAX_POS)?);
                if a > b {
                    return Err("invalid decreasing range".to_owned());
                }
                out.push((a, b));
            }
            None => {
                let n = num(item, 1)?;
                out.push((n, n));
            }
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use crate::commands::testing::check;

    #[test]
    fn cut() {
        check("echo abcdef | cut -c 2-4,1", "abcd\n", "", 0);
        check("echo abcdef | cut -b -2,5-", "abef\n", "", 0);
        check("echo 'a:b:c:d' | cut -d: -f2", "b\n", "", 0);
        check("echo 'a:b:c:d' | cut -d: -f1,3- --complement", "b\n", "", 0);
        check("echo 'a:b:c:d' | cut -d : -f 1,3-", "a:c:d\n", "", 0);
        check("echo -ne 'a:b\\nxyz\\n' | cut -d: -f2", "b\nxyz\n", "", 0);
        check("echo -ne 'a:b\\nxyz\\n' | cut -s -d: -f2", "b\n", "", 0);
        check("echo 'a:b' | cut -d: --output-delimiter=XX -f1,2", "aXXb\n", "", 0);
        check("echo -e 'a\\tb' | cut -f2", "b\n", "", 0);
        check(
            "cut /etc/hostname",
            "",
            "cut: you must specify a list of bytes, characters, or fields\nTry 'cut --help' for more information.\n",
            1,
        );
        check(
            "cut -f 0",
            "",
            "cut: fields are numbered from 1\nTry 'cut --help' for more information.\n",
            1,
        );
        check(
            "cut -c a",
            "",
            "cut: invalid byte/character position ‘a’\nTry 'cut --help' for more information.\n",
            1,
        );
        check(
            "cut -f 3-1",
            "",
            "cut: invalid decreasing range\nTry 'cut --help' for more information.\n",
            1,
        );
        check(
            "cut -d ab -f1",
            "",
            "cut: the delimiter must be a single character\nTry 'cut --help' for more information.\n",
            1,
        );
        check("cut -f1 /nope", "", "cut: /nope: No such file or directory\n", 1);
    }
}

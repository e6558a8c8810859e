//! `head` from coreutils: `-n N`, `-n -N`, `-c N`, `-c -N`, `-N`, `-q`/`-v`, several files with `==> name <==`
//! headers, and `-` for stdin. Also holds the option parsing `tail` shares.

use super::{prog, Command, Ctx};

/// The `head` command.
pub struct Head;

/// What `head`/`tail` were asked for.
pub(super) struct Opts {
    /// Count bytes instead of lines.
    pub(super) bytes: bool,
    /// The count as typed: its sign prefix (`+`/`-`/none) and value.
    pub(super) sign: Option<char>,
    /// The number of lines or bytes.
    pub(super) n: u64,
    /// Header override: Some(true) for `-v`, Some(false) for `-q`.
    pub(super) headers: Option<bool>,
    /// The file operands.
    pub(super) files: Vec<String>,
}

/// Parses `head`/`tail` options; `Err(status)` after printing an error.
pub(super) fn parse(ctx: &mut Ctx, args: &[String], tail: bool) -> Result<Opts, i32> {
    let p = prog(args).to_owned();
    let mut o = Opts {
        bytes: false,
        sign: None,
        n: 10,
        headers: None,
        files: Vec::new(),
    };
    let mut it = args.iter().skip(1);
    let mut done = false;
    let set = |ctx: &mut Ctx, o: &mut Opts, bytes: bool, v: &str| -> Result<(), i32> {
        let sign = v.chars().next().filter(|c| *c == '+' || *c == '-');
        let digits = if sign.is_some() { v.get(1..).unwrap_or("") } else { v };
        match digits.parse::<u64>() {
            Ok(n) => {
                o.bytes = bytes;
                o.sign = sign;
                o.n = n;
                Ok(())
            }
            Err(_) => {
                let what = if bytes { "bytes" } else { "lines" };
                ctx.err(format!("{p}: invalid number of {what}: ‘{v}’\n"));
                Err(1)
            }
        }
    };
    while let Some(a) = it.next() {
        if done || a == "-" || !a.starts_with('-') {
            o.files.push(a.clone());
            continue;
        }
        if a == "--" {
            done = true;
            continue;
        }
        if let Some(long) = a.strip_prefix("--") {
            let (name, val) = match long.split_once('=') {
                Some((n, v)) => (n, Some(v.to_owned())),
                None => (long, None),
            };
            match name {
                "lines" | "bytes" => {
                    let v = match val.or_else(|| it.next().cloned()) {
                        Some(v) => v,
                        None => {
                            ctx.err(format!(
                                "{p}: option '--{name}' requires an argument\nTry '{p} --help' for more information.\n"
                            ));
                            return Err(1);
                        }
                    };
                    set(ctx, &mut o, name == "bytes", &v)?;
                }
                "quiet" | "silent" => o.headers = Some(false),
                "verbose" => o.headers = Some(true),
                "follow" | "retry" if tail => {}
                _ => return Err(ctx.invalid_option(&p, a)),
            }
            continue;
        }
        let body = a.get(1..).unwrap_or("");
        if body.starts_with(|c: char| c.is_ascii_digit()) {
            let end = body.find(|c: char| !c.is_ascii_digit()).unwrap_or(body.len());
            let rest = body.get(end..).unwrap_or("");
            set(ctx, &mut o, rest.starts_with('c'), body.get(..end).unwrap_or(""))?;
            if tail {
                o.sign = Some('-');
            }
            continue;
        }
        for (i, c) in body.char_indices() {
            match c {
                'n' | 'c' => {
                    let rest = body.get(i + 1..).unwrap_or("");
                    let v = if rest.is_empty() {
                        match it.next() {
                            Some(v) => v.clone(),
                            None => {
                                ctx.err(format!("{p}: option requires an argument -- '{c}'\nTry '{p} --help' for more information.\n"));
                                return Err(1);
                            }
                        }
                    } else {
                        rest.to_owned()
                    };
                    set(ctx, &mut o, c == 'c', &v)?;
                    break;
                }
                'q' => o.headers = Some(false),
                'v' => o.headers = Some(true),
                'f' | 'F' if tail => {}
                _ => return Err(ctx.invalid_option(&p, &format!("-{c}"))),
            }
        }
    }
    if o.files.is_empty() {
        o.files.push("-".to_owned());
    }
    Ok(o)
}

/// Runs `pick` over every file, with headers and coreutils' open/read errors.
pub(super) fn each(ctx: &mut Ctx, args: &[String], stdin: &[u8], o: &Opts, pick: fn(&Opts, &[u8]) -> Vec<u8>) -> i32 {
    let p = prog(args).to_owned();
    let headers = o.headers.unwrap_or(o.files.len() > 1);
    let mut status = 0;
    let mut first = true;
    for f in &o.files {
        let name = if f == "-" { "standard input" } else { f.as_str() };
        let data = if f == "-" {
            Ok(stdin.to_vec())
        } else {
            ctx.session
                .read_file(f)
                .map_err(|e| (e == crate::fs::Errno::Eisdir, e.message()))
        };
        let data = match data {
            Ok(d) => Some(d),
            Err((false, msg)) => {
                ctx.err(format!("{p}: cannot open '{f}' for reading: {msg}\n"));
                status = 1;
                continue;
            }
            Err((true, msg)) => {
                ctx.err(format!("{p}: error reading '{f}': {msg}\n"));
                status = 1;
                None
            }
        };
        if headers {
            ctx.out(format!("{}==> {name} <==\n", if first { "" } else { "\n" }));
        }
        first = false;
        if let Some(d) = data {
            let out = pick(o, &d);
            ctx.out(out);
        }
    }
    status
}

/// `head`'s selection.
fn pick(o: &Opts, d: &[u8]) -> Vec<u8> {
    let n = usize::try_from(o.n).unwrap_or(usize::MAX);
    let end = if o.bytes {
        if o.sign == Some('-') {
            d.len().saturating_sub(n)
        } else {
            n.min(d.len())
        }
    } else if o.sign == Some('-') {
        let lines = line_starts(d);
        let total = lines.len();
        lines
            .get(total.saturating_sub(n))
            .copied()
            .unwrap_or(d.len())
            .min(if n == 0 { d.len() } else { usize::MAX })
    } else {
        line_starts(d).get(n).copied().unwrap_or(d.len())
    };
    d.get(..end).unwrap_or(d).to_vec()
}

/// Byte offsets where each line begins (a final unterminated line counts as a line).
pub(super) fn line_starts(d: &[u8]) -> Vec<usize> {
    let mut v = Vec::new();
    if !d.is_empty() {
        v.push(0);
    }
    for (i, &b) in d.iter().enumerate() {
        if b == b'\n' && i + 1 < d.len() {
            v.push(i + 1);
        }
    }
    v
}

impl Command for Head {
    fn names(&self) -> &'static [&'static str] {
        &["head", "/bin/head", "/usr/bin/head"]
    }

    fn run(&self, ctx: &mut Ctx, args: &[String], stdin: &[u8]) -> i32 {
        match parse(ctx, args, false) {
            Ok(o) => each(ctx, args, stdin, &o, pick),
            Err(s) => s,
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::commands::testing::check;

    #[test]
    fn head() {
        check("seq 20 | head", "1\n2\n3\n4\n5\n6\n7\n8\n9\n10\n", "", 0);
        check("seq 5 | head -n 2", "1\n2\n", "", 0);
        check("seq 5 | head -2", "1\n2\n", "", 0);
        check("seq 5 | head -n -2", "1\n2\n3\n", "", 0);
        check("seq 5 | head -c 3", "1\n2", "", 0);
        check("seq 5 | head -c -3", "1\n2\n3\n4", "", 0);
        check(
            "printf 'a\\nb\\n' | head -n 1 - /etc/hostname",
            "==> standard input <==\na\n\n==> /etc/hostname <==\ndebian\n",
            "",
            0,
        );
        check(
            "head /nope /etc",
            "==> /etc <==\n",
            "head: cannot open '/nope' for reading: No such file or directory\nhead: error reading '/etc': Is a directory\n",
            1,
        );
        check("head -n x /etc/hostname", "", "head: invalid number of lines: ‘x’\n", 1);
    }
}

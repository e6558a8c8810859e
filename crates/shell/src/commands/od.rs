//! `od` from coreutils: the default octal two-byte words, `-c`, `-t x1`/`-t o1`/`-t c`, `-A n|o|d|x`, duplicate
//! lines folded to `*` (unless `-v`), files or stdin.

use super::{prog, Command, Ctx};

/// The `od` command.
pub struct Od;

/// One output format.
#[derive(Clone, Copy, PartialEq)]
enum Fmt {
    Oct2,
    Char,
    Hex1,
    Oct1,
}

/// Renders one 16-byte line's fields in `fmt`.
fn fields(fmt: Fmt, line: &[u8]) -> String {
    let mut s = String::new();
    match fmt {
        Fmt::Oct2 => {
            for w in line.chunks(2) {
                let v = u16::from(w.first().copied().unwrap_or(0)) | (u16::from(w.get(1).copied().unwrap_or(0)) << 8);
                s.push_str(&format!(" {v:06o}"));
            }
        }
        Fmt::Hex1 => line.iter().for_each(|b| s.push_str(&format!(" {b:02x}"))),
        Fmt::Oct1 => line.iter().for_each(|b| s.push_str(&format!(" {b:03o}"))),
        Fmt::Char => {
            for &b in line {
                let t = match b {
                    0 => "\\0".to_owned(),
                    7 => "\\a".to_owned(),
                    8 => "\\b".to_owned(),
                    12 => "\\f".to_owned(),
                    b'\n' => "\\n".to_owned(),
                    b'\r' => "\\r".to_owned(),
                    b'\t' => "\\t".to_owned(),
                    11 => "\\v".to_owned(),
                    0x20..=0x7e => (b as char).to_string(),
                    _ => format!("{b:03o}"),
                };
                s.push_str(&format!("{t:>4}"));
            }
        }
    }
    s
}

impl Command for Od {
    fn names(&self) -> &'static [&'static str] {
        &["od", "/bin/od", "/usr/bin/od"]
    }

    fn run(&self, ctx: &mut Ctx, args: &[String], stdin: &[u8]) -> i32 {
        let p = prog(args).to_owned();
        let mut fmts = Vec::new();
        let mut radix = 'o';
        let mut verbose = false;
        let mut files = Vec::new();
        let mut it = args.iter().skip(1);
        while let Some(a) = it.next() {
            if a == "-" || !a.starts_with('-') {
                files.push(a.clone());
                continue;
            }
            if a == "-c" {
                fmts.push(Fmt::Char);
            } else if a == "-v" {
                verbose = true;
            } else if a == "-b" {
                fmts.push(Fmt::Oct1);
            } else if a == "-o" {
                fmts.push(Fmt::Oct2);
            } else if a == "-A" || a == "-t" {
                let Some(v) = it.next() else {
                    let c = a.get(1..).unwrap_or("");
                    ctx.err(format!(
                        "{p}: option requires an argument -- '{c}'\nTry '{p} --help' for more information.\n"
                    ));
                    return 1;
                };
                if a == "-A" {
                    radix = v.chars().next().unwrap_or('o');
                } else {
                    match type_fmt(v) {
                        Some(f) => fmts.push(f),
                        None => return bad_type(ctx, &p, v),
                    }
                }
            } else if let Some(v) = a.strip_prefix("-A") {
                radix = v.chars().next().unwrap_or('o');
            } else if let Some(v) = a.strip_prefix("-t") {
                match type_fmt(v) {
                    Some(f) => fmts.push(f),
                    None => return bad_type(ctx, &p, v),
                }
            } else {
                return ctx.invalid_option(&p, a);
            }
        }
        if !matches!(radix, 'o' | 'd' | 'x' | 'n') {
            ctx.err(format!(
                "{p}: invalid output address radix '{radix}'; it must be one character from [doxn]\n"
            ));
            return 1;
        }
        if fmts.is_empty() {
            fmts.push(Fmt::Oct2);
        }
        if files.is_empty() {
            files.push("-".to_owned());
        }
        let mut data = Vec::new();
        let mut status = 0;
        let mut opened = false;
        for f in &files {
            if f == "-" {
                opened = true;
                data.extend_from_slice(stdin);
                continue;
            }
            match ctx.session.read_file(f) {
                Ok(d) => {
                    opened = true;
                    data.extend_from_slice(&d);
                }
                Err(e) => {
                    ctx.err(format!("{p}: {f}: {}\n", e.message()));
                    status = 1;
                }
            }
        }
        if !opened {
            return status;
        }
        let addr = |n: usize| match radix {
            'd' => format!("{n:07}"),
            'x' => format!("{n:06x}"),
            'n' => String::new(),
            _ => format!("{n:07o}"),
        };
        let mut out = String::new();
        let mut prev: Option<&[u8]> = None;
        let mut starred = false;
        for (i, line) in data.chunks(16).enumerate() {
            if !verbose && line.len() == 16 && prev == Some(line) {
                if !starred {
                    out.push_str("*\n");
                    starred = true;
                }
                continue;
            }
            starred = false;
            prev = Some(line);
            for (k, f) in fmts.iter().enumerate() {
                let lead = if k == 0 {
                    addr(i * 16)
                } else {
                    " ".repeat(addr(0).len())
                };
                out.push_str(&format!("{lead}{}\n", fields(*f, line)));
            }
            if out.len() > crate::exec::MAX_OUTPUT {
                break;
            }
        }
        if radix != 'n' {
            out.push_str(&format!("{}\n", addr(data.len())));
        }
        ctx.out(out);
        status
    }
}

/// Maps a `-t` type spec to a format.
fn type_fmt(v: &str) -> Option<Fmt> {
    match v {
        "x1" | "xC" => Some(Fmt::Hex1),
        "o1" | "oC" => Some(Fmt::Oct1),
        "o2" | "oS" | "o" => Some(Fmt::Oct2),
        "c" => Some(Fmt::Char),
        _ => None,
    }
}

/// coreutils' error for an unsupported `-t` spec.
fn bad_type(ctx: &mut Ctx, p: &str, v: &str) -> i32 {
    ctx.err(format!("{p}: invalid type string ‘{v}’\n"));
    1
}

#[cfg(test)]
mod tests {
    use crate::commands::testing::check;

    const T: &str = r"printf 'hello world\n\x00\x01\xff\tabcdefghijklmnop'";

    #[test]
    fn od() {
        check(
            &format!("{T} | od"),
            "0000000 062550 066154 020157 067567 066162 005144 000400 004777\n\
             0000020 061141 062143 063145 064147 065151 066153 067155 070157\n0000040\n",
            "",
            0,
        );
        check(
            &format!("{T} | od -c"),
            "0000000   h   e   l   l   o       w   o   r   l   d  \\n  \\0 001 377  \\t\n\
             0000020   a   b   c   d   e   f   g   h   i   j   k   l   m   n   o   p\n0000040\n",
            "",
            0,
        );
        check(
            &format!("{T} | od -A n -t x1"),
            " 68 65 6c 6c 6f 20 77 6f 72 6c 64 0a 00 01 ff 09\n 61 62 63 64 65 66 67 68 69 6a 6b 6c 6d 6e 6f 70\n",
            "",
            0,
        );
        check("printf abc | od", "0000000 061141 000143\n0000003\n", "", 0);
        check(
            "printf aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa | od -c",
            "0000000   a   a   a   a   a   a   a   a   a   a   a   a   a   a   a   a\n*\n\
             0000040   a   a   a   a   a   a   a   a\n0000050\n",
            "",
            0,
        );
        check("od /nope", "", "od: /nope: No such file or directory\n", 1);
    }
}

//! `tr` from coreutils 9.1: translate, delete (`-d`), squeeze (`-s`) and complement (`-c`/`-C`) byte sets, with
//! ranges, `[:class:]` names, backslash escapes and coreutils' operand errors.

use super::{prog, Command, Ctx};

/// The `tr` command.
pub struct Tr;

impl Command for Tr {
    fn names(&self) -> &'static [&'static str] {
        &["tr", "/bin/tr", "/usr/bin/tr"]
    }

    fn run(&self, ctx: &mut Ctx, args: &[String], stdin: &[u8]) -> i32 {
        let p = prog(args).to_owned();
        let (mut complement, mut delete, mut squeeze) = (false, false, false);
        let mut sets: Vec<&str> = Vec::new();
        let mut done = false;
        for arg in args.iter().skip(1) {
            if done || arg == "-" || !arg.starts_with('-') {
                sets.push(arg);
                continue;
            }
            match arg.as_str() {
                "--" => done = true,
                "--complement" => complement = true,
                "--delete" => delete = true,
                "--squeeze-repeats" => squeeze = true,
                "--truncate-set1" => {}
                a if a.starts_with("--") => return ctx.invalid_option(&p, a),
                a => {
                    for c in a.chars().skip(1) {
                        match c {
                            'c' | 'C' => complement = true,
                            'd' => delete = true,
                            's' => squeeze = true,
                            't' => {}
                            _ => return ctx.invalid_option(&p, &format!("-{c}")),
                        }
                    }
                }
            }
        }
        let try_help = format!("Try '{p} --help' for more information.\n");
        let needed = if delete && squeeze || !delete && !squeeze { 2 } else { 1 };
        let Some(first) = sets.first() else {
            ctx.err(format!("{p}: missing operand\n{try_help}"));
            return 1;
        };
        if sets.len() < needed {
            let why = if delete {
                "Two strings must be given when both deleting and squeezing repeats."
            } else {
                "Two strings must be given when translating."
            };
            ctx.err(format!("{p}: missing operand after ‘{first}’\n{why}\n{try_help}"));
            return 1;
        }
        if let Some(extra) = sets.get(2).or(if delete && !squeeze { sets.get(1) } else { None }) {
            let why = if delete && !squeeze {
                "Only one string may be given when deleting without squeezing repeats.\n"
            } else {
                ""
            };
            ctx.err(format!("{p}: extra operand ‘{extra}’\n{why}{try_help}"));
            return 1;
        }
        let mut parsed = Vec::new();
        for s in &sets {
            match expand(s) {
                Ok(v) => parsed.push(v),
                Err(msg) => {
                    ctx.err(format!("{p}: {msg}\n"));
                    return 1;
                }
            }
        }
        let mut set1 = parsed.first().cloned().unwrap_or_default();
        let set2 = parsed.get(1).cloned();
        if complement {
            let mut inset = [false; 256];
            for &b in &set1 {
                inset[usize::from(b)] = true;
            }
            set1 = (0..=255u8).filter(|&b| !inset[usize::from(b)]).collect();
        }
        let mut in1 = [false; 256];
        for &b in &set1 {
            in1[usize::from(b)] = true;
        }
        let mut map: [u8; 256] = std::array::from_fn(|i| u8::try_from(i).unwrap_or(0));
        let mut squeeze_set = [false; 256];
        if !delete {
            if let Some(s2) = &set2 {
                let Some(&last) = s2.last() else {
                    ctx.err(format!("{p}: when not truncating set1, string2 must be non-empty\n"));
                    return 1;
                };
                for (i, &b) in set1.iter().enumerate() {
                    map[usize::from(b)] = s2.get(i).copied().unwrap_or(last);
                }
            }
        }
        if squeeze {
            let src = if delete || set2.is_some() {
                set2.as_deref().unwrap_or(&[])
            } else {
                &set1[..]
            };
            for &b in src {
                squeeze_set[usize::from(b)] = true;
            }
        }
        let mut out = Vec::with_capacity(stdin.len());
        let mut prev: Option<u8> = None;
        for &b in stdin {
            if delete && in1[usize::from(b)] {
                continue;
            }
            let c = map[usize::from(b)];
            if squeeze && squeeze_set[usize::from(c)] && prev == Some(c) {
                continue;
            }
            out.push(c);
            prev = Some(c);
        }
        ctx.out(out);
        0
    }
}

/// One element of a set: a byte and, after the escape pass, whether it came from a backslash.
fn unescape(s: &str) -> Vec<(u8, bool)> {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while let Some(&c) = b.get(i) {
        i += 1;
        if c != b'\\' {
            out.push((c, false));
            continue;
        }
        let Some(&n) = b.get(i) else {
            out.push((b'\\', true));
            break;
        };
        i += 1;
        let v = match n {
            b'n' => b'\n',
            b't' => b'\t',
            b'r' => b'\r',
            b'a' => 7,
            b'b' => 8,
            b'f' => 12,
            b'v' => 11,
            b'0'..=b'7' => {
                let mut v = u32::from(n - b'0');
                for _ in 0..2 {
                    match b.get(i) {
                        Some(&d @ b'0'..=b'7') if v * 8 + u32::from(d - b'0') <= 255 => {
                            v = v * 8 + u32::from(d - b'0');
                            i += 1;
                        }
                        _ => break,
                    }
                }
                u8::try_from(v).unwrap_or(0)
            }
            other => other,
        };
        out.push((v, true));
    }
    out
}

/// Expands a SET operand into its bytes in order.
fn expand(s: &str) -> Result<Vec<u8>, String> {
    let items = unescape(s);
    let mut out = Vec::new();
    let mut i = 0;
    while let Some(&(c, esc)) = items.get(i) {
        if c == b'[' && !esc && items.get(i + 1).is_some_and(|&(x, e)| x == b':' && !e) {
            let rest: Vec<u8> = items.iter().skip(i + 2).map(|&(x, _)| x).collect();
            if let Some(pos) = rest.windows(2).position(|w| w == b":]") {
                let name = String::from_utf8_lossy(rest.get(..pos).unwrap_or(&[])).into_owned();
                let f: fn(&u8) -> bool = match name.as_str() {
                    "upper" => u8::is_ascii_uppercase,
                    "lower" => u8::is_ascii_lowercase,
                    "digit" => u8::is_ascii_digit,
                    "alpha" => u8::is_ascii_alphabetic,
                    "alnum" => u8::is_ascii_alphanumeric,
                    "space" => |b: &u8| matches!(b, b' ' | b'\t'..=b'\r'),
                    "blank" => |b: &u8| matches!(b, b' ' | b'\t'),
                    "punct" => u8::is_ascii_punctuation,
                    "cntrl" => u8::is_ascii_control,
                    "xdigit" => u8::is_ascii_hexdigit,
                    "print" => |b: &u8| (0x20..0x7f).contains(b),
                    "graph" => u8::is_ascii_graphic,
                    _ => return Err(format!("invalid character class ‘{name}’")),
                };
                out.extend((0..=255u8).filter(f));
                i += 2 + pos + 2;
                continue;
            }
        }
        if let (Some(&(b'-', false)), Some(&(end, _))) = (items.get(i + 1), items.get(i + 2)) {
            if end < c {
                let show = |x: u8| {
                    if x.is_ascii_graphic() {
                        (x as char).to_string()
                    } else {
                        format!("\\{x:03o}")
                    }
                };
                return Err(format!(
                    "range-endpoints of '{}-{}' are in reverse collating sequence order",
                    show(c),
                    show(end)
                ));
            }
            out.extend(c..=end);
            i += 3;
            continue;
        }
        out.push(c);
        i += 1;
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use crate::commands::testing::check;

    #[test]
    fn tr() {
        check("echo aAb | tr '[:lower:]' '[:upper:]'", "AAB\n", "", 0);
        check("echo hello | tr a-y b-z", "ifmmp\n", "", 0);
        check("echo ab | tr a-c x", "xx\n", "", 0);
        check("echo hello | tr -s l", "helo\n", "", 0);
        check("echo hello | tr -d l", "heo\n", "", 0);
        check("echo hello | tr -cd 'l\\n'", "ll\n", "", 0);
        check("echo abc | tr -dc a", "a", "", 0);
        check("echo 'a1 b22' | tr -d '[:digit:]'", "a b\n", "", 0);
        check("echo 'a  b' | tr -s '[:space:]' '\\n'", "a\nb\n", "", 0);
        check("echo 'aab' | tr -ds b a", "a\n", "", 0);
        check("echo abc | tr '\\141' x", "xbc\n", "", 0);
        check(
            "tr",
            "",
            "tr: missing operand\nTry 'tr --help' for more information.\n",
            1,
        );
        check(
            "tr a",
            "",
            "tr: missing operand after ‘a’\nTwo strings must be given when translating.\nTry 'tr --help' for more information.\n",
            1,
        );
        check(
            "tr -d a b",
            "",
            "tr: extra operand ‘b’\nOnly one string may be given when deleting without squeezing repeats.\nTry 'tr --help' for more information.\n",
            1,
        );
        check("tr '[:foo:]' a", "", "tr: invalid character class ‘foo’\n", 1);
        check(
            "tr z-a x",
            "",
            "tr: range-endpoints of 'z-a' are in reverse collating sequence order\n",
            1,
        );
    }
}

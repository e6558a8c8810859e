//! `echo`, the bash builtin: `-n`, `-e` and `-E`, with bash's escape set (`\xHH`, `\0NNN`, `\c`, ...).

use super::{Command, Ctx};

/// The `echo` builtin.
pub struct Echo;

impl Command for Echo {
    fn names(&self) -> &'static [&'static str] {
        &["echo", "/bin/echo", "/usr/bin/echo"]
    }

    fn run(&self, ctx: &mut Ctx, args: &[String], _stdin: &[u8]) -> i32 {
        let mut newline = true;
        let mut escapes = false;
        let mut rest = &args[1.min(args.len())..];
        while let Some(arg) = rest.first() {
            let Some(flags) = arg.strip_prefix('-') else { break };
            if flags.is_empty() || !flags.chars().all(|c| matches!(c, 'n' | 'e' | 'E')) {
                break;
            }
            for c in flags.chars() {
                match c {
                    'n' => newline = false,
                    'e' => escapes = true,
                    _ => escapes = false,
                }
            }
            rest = &rest[1..];
        }
        let mut out = Vec::new();
        for (i, arg) in rest.iter().enumerate() {
            if i > 0 {
                out.push(b' ');
            }
            if escapes {
                if interpret(arg.as_bytes(), &mut out) {
                    ctx.out(out);
                    return 0;
                }
            } else {
                out.extend_from_slice(arg.as_bytes());
            }
        }
        if newline {
            out.push(b'\n');
        }
        ctx.out(out);
        0
    }
}

/// Appends `s` with bash's `echo -e` escapes interpreted; returns true at `\c`, which ends all output.
fn interpret(s: &[u8], out: &mut Vec<u8>) -> bool {
    let mut i = 0;
    while i < s.len() {
        if s[i] != b'\\' || i + 1 == s.len() {
            out.push(s[i]);
            i += 1;
            continue;
        }
        let c = s[i + 1];
        i += 2;
        let simple = match c {
            b'a' => Some(7),
            b'b' => Some(8),
            b'e' | b'E' => Some(27),
            b'f' => Some(12),
            b'n' => Some(b'\n'),
            b'r' => Some(b'\r'),
            b't' => Some(b'\t'),
            b'v' => Some(11),
            b'\\' => Some(b'\\'),
            _ => None,
        };
        if let Some(b) = simple {
            out.push(b);
            continue;
        }
        match c {
            b'c' => return true,
            b'0' => {
                let (v, n) = digits(&s[i..], 8, 3);
                out.push(v as u8);
                i += n;
            }
            b'1'..=b'7' => {
                let (v, n) = digits(&s[i - 1..], 8, 3);
                out.push(v as u8);
                i += n - 1;
            }
            b'x' => {
                let (v, n) = digits(&s[i..], 16, 2);
                if n == 0 {
                    out.extend_from_slice(b"\\x");
                } else {
                    out.push(v as u8);
                    i += n;
                }
            }
            b'u' | b'U' => {
                let (v, n) = digits(&s[i..], 16, if c == b'u' { 4 } else { 8 });
                if n == 0 {
                    out.extend_from_slice(&[b'\\', c]);
                } else {
                    let ch = char::from_u32(v).unwrap_or('\u{fffd}');
                    let mut buf = [0u8; 4];
                    out.extend_from_slice(ch.encode_utf8(&mut buf).as_bytes());
                    i += n;
                }
            }
            _ => out.extend_from_slice(&[b'\\', c]),
        }
    }
    false
}

/// Parses up to `max` digits of `radix` at the start of `s`: the value and how many were read.
fn digits(s: &[u8], radix: u32, max: usize) -> (u32, usize) {
    let mut v = 0u32;
    let mut n = 0;
    while n < max {
        match s.get(n).and_then(|&b| (b as char).to_digit(radix)) {
            Some(d) => v = v * radix + d,
            None => break,
        }
        n += 1;
    }
    (v, n)
}

#[cfg(test)]
mod tests {
    use crate::commands::testing::check;

    #[test]
    fn echo() {
        check(r"echo -e '\x41\x42'", "AB\n", "", 0);
        check("echo hello   world", "hello world\n", "", 0);
        check("echo -n a b", "a b", "", 0);
        check(r"echo -e 'a\tb\nc\\d'", "a\tb\nc\\d\n", "", 0);
        check(r"echo -e '\0101\0102'", "AB\n", "", 0);
        check(r"echo -e 'a\cb' c", "a", "", 0);
        check(r"echo '\x41'", "\\x41\n", "", 0);
        check(r"echo -en '\x41'", "A", "", 0);
        check("echo -x -n", "-x -n\n", "", 0);
        check("echo -", "-\n", "", 0);
        check("echo", "\n", "", 0);
        check(r"echo -e '\xZ'", "\\xZ\n", "", 0);
    }
}

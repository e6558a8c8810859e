//! `printf`, the bash 5.2 builtin: conversions, flags, width and precision, escapes, the format reused for extra
//! arguments, `-v var`, and bash's error texts.

use super::{Command, Ctx};

/// The `printf` builtin.
pub struct Printf;

/// Upper bound on how many times the format is reused for leftover arguments.
const MAX_ROUNDS: usize = 100_000;

impl Command for Printf {
    fn names(&self) -> &'static [&'static str] {
        &["printf", "/usr/bin/printf"]
    }

    fn run(&self, ctx: &mut Ctx, args: &[String], _stdin: &[u8]) -> i32 {
        let mut rest = args.get(1..).unwrap_or(&[]);
        let mut var = None;
        if rest.first().map(String::as_str) == Some("-v") {
            var = rest.get(1).cloned();
            if var.is_none() {
                ctx.err("bash: printf: -v: option requires an argument\n");
                ctx.err("printf: usage: printf [-v var] format [arguments]\n");
                return 2;
            }
            rest = rest.get(2..).unwrap_or(&[]);
        }
        if rest.first().map(String::as_str) == Some("--") {
            rest = rest.get(1..).unwrap_or(&[]);
        }
        let Some((format, params)) = rest.split_first() else {
            ctx.err("printf: usage: printf [-v var] format [arguments]\n");
            return 2;
        };
        let mut p = Printer {
            args: params,
            next: 0,
            out: Vec::new(),
            err: Vec::new(),
            status: 0,
        };
        for _ in 0..MAX_ROUNDS {
            let before = p.next;
            if !p.round(format.as_bytes()) {
                break;
            }
            if p.next >= params.len() || p.next == before || p.out.len() > crate::exec::MAX_OUTPUT {
                break;
            }
        }
        ctx.err(&p.err);
        match var {
            Some(name) => {
                if ctx
                    .session
                    .set_var(&name, String::from_utf8_lossy(&p.out).into_owned())
                    .is_err()
                {
                    ctx.err(format!("bash: printf: `{name}': not a valid identifier\n"));
                    return 2;
                }
            }
            None => ctx.out(&p.out),
        }
        p.status
    }
}

/// The state of one `printf` run.
struct Printer<'a> {
    args: &'a [String],
    next: usize,
    out: Vec<u8>,
    err: Vec<u8>,
    status: i32,
}

impl Printer<'_> {
    fn arg(&mut self) -> Option<&str> {
        let a = self.args.get(self.next).map(String::as_str);
        if a.is_some() {
            self.next += 1;
        }
        a
    }

    /// One pass over the format; false means stop (`\c` in `%b` or an invalid conversion).
    fn round(&mut self, f: &[u8]) -> bool {
        let mut i = 0;
        while let Some(&c) = f.get(i) {
            if c == b'\\' {
                i += 1 + escape(f.get(i + 1..).unwrap_or(&[]), false, &mut self.out).0;
                continue;
            }
            if c != b'%' {
                self.out.push(c);
                i += 1;
                continue;
            }
            i += 1;
            if f.get(i) == Some(&b'%') {
                self.out.push(b'%');
                i += 1;
                continue;
            }
            let mut flags = String::new();
            while let Some(&c) = f.get(i).filter(|c| b"-+ #0".contains(c)) {
                flags.push(c as char);
                i += 1;
            }
            let mut width: Option<i64> = None;
            if f.get(i) == Some(&b'*') {
                i += 1;
                let a = self.arg().unwrap_or("").to_owned();
                width = Some(self.int(&a));
            } else {
                let (n, len) = digits(f.get(i..).unwrap_or(&[]));
                if len > 0 {
                    width = Some(n);
                }
                i += len;
            }
            let mut prec: Option<i64> = None;
            if f.get(i) == Some(&b'.') {
                i += 1;
                if f.get(i) == Some(&b'*') {
                    i += 1;
                    let a = self.arg().unwrap_or("").to_owned();
                    prec = Some(self.int(&a));
                } else {
                    let (n, len) = digits(f.get(i..).unwrap_or(&[]));
                    prec = Some(n);
                    i += len;
                }
            }
            while f.get(i).is_some_and(|c| b"hlLqjzt".contains(c)) {
                i += 1;
            }
            let Some(&conv) = f.get(i) else {
                self.err
                    .extend_from_slice(b"bash: printf: `%': missing format character\n");
                self.status = 1;
                return false;
            };
            i += 1;
            if let Some(w) = width.filter(|w| *w < 0) {
                flags.push('-');
                width = Some(-w);
            }
            let width = usize::try_from(width.unwrap_or(0)).unwrap_or(0).min(1 << 20);
            let prec = prec.and_then(|p| usize::try_from(p).ok()).map(|p| p.min(1 << 20));
            let left = flags.contains('-');
            let body: Vec<u8> = match conv {
                b's' => {
                    let a = self.arg().unwrap_or("").as_bytes().to_vec();
                    match prec {
                        Some(p) => a.get(..p.min(a.len())).unwrap_or(&[]).to_vec(),
                        None => a,
                    }
                }
                b'b' => {
                    let a = self.arg().unwrap_or("").as_bytes().to_vec();
                    let mut v = Vec::new();
                    let stop = expand_b(&a, &mut v);
                    if let Some(p) = prec {
                        v.truncate(p);
                    }
                    if stop {
                        pad(&mut self.out, &v, width, left, false);
                        return false;
                    }
                    v
                }
                b'c' => vec![self.arg().and_then(|a| a.as_bytes().first().copied()).unwrap_or(0)],
                b'd' | b'i' => {
                    let a = self.arg().unwrap_or("").to_owned();
                    let n = self.int(&a);
                    let sign = if n < 0 {
                        "-"
                    } else if flags.contains('+') {
                        "+"
                    } else if flags.contains(' ') {
                        " "
                    } else {
                        ""
                    };
                    num(sign, &n.unsigned_abs().to_string(), prec, width, &flags).into_bytes()
                }
                b'u' | b'x' | b'X' | b'o' => {
                    let a = self.arg().unwrap_or("").to_owned();
                    let n = self.int(&a) as u64;
                    let (digs, prefix) = match conv {
                        b'u' => (n.to_string(), ""),
                        b'x' => (format!("{n:x}"), if flags.contains('#') && n != 0 { "0x" } else { "" }),
                        b'X' => (format!("{n:X}"), if flags.contains('#') && n != 0 { "0X" } else { "" }),
                        _ => (format!("{n:o}"), if flags.contains('#') && n != 0 { "0" } else { "" }),
                    };
                    num(prefix, &digs, prec, width, &flags).into_bytes()
                }
                b'f' | b'F' | b'e' | b'E' | b'g' | b'G' => {
                    let a = self.arg().unwrap_or("").to_owned();
                    let x = self.float(&a);
                    let s = fmt_float(x, conv, prec.unwrap_or(6), flags.contains('#'));
                    let (sign, digs) = match s.strip_prefix('-') {
                        Some(d) => ("-", d.to_owned()),
                        None if flags.contains('+') => ("+", s),
                        None if flags.contains(' ') => (" ", s),
                        None => ("", s),
                    };
                    let zero = flags.contains('0') && !left && x.is_finite();
                    if zero {
                        let fill = width.saturating_sub(sign.len() + digs.len());
                        format!("{sign}{}{digs}", "0".repeat(fill)).into_bytes()
                    } else {
                        format!("{sign}{digs}").into_bytes()
                    }
                }
                other => {
                    self.err.extend_from_slice(
                        format!("bash: printf: `{}': invalid format character\n", other as char).as_bytes(),
                    );
                    self.status = 1;
                    return false;
                }
            };
            pad(&mut self.out, &body, width, left, false);
        }
        true
    }

    /// Parses an integer argument as bash does, reporting `invalid number` and keeping the valid prefix.
    fn int(&mut self, a: &str) -> i64 {
        let t = a.trim_start();
        if let Some(c) = t.strip_prefix(['\'', '"']) {
            return c.chars().next().map_or(0, |c| i64::from(u32::from(c)));
        }
        if t.is_empty() {
            return 0;
        }
        let (neg, body) = match t.as_bytes().first() {
            Some(b'-') => (true, t.get(1..).unwrap_or("")),
            Some(b'+') => (false, t.get(1..).unwrap_or("")),
            _ => (false, t),
        };
        let (radix, digs) = if let Some(h) = body.strip_prefix("0x").or_else(|| body.strip_prefix("0X")) {
            (16, h)
        } else if body.starts_with('0') && body.len() > 1 {
            (8, body.get(1..).unwrap_or(""))
        } else {
            (10, body)
        };
        let mut n: i64 = 0;
        let mut used = 0;
        let mut overflow = false;
        for c in digs.chars() {
            let Some(d) = c.to_digit(radix) else { break };
            used += 1;
            match n
                .checked_mul(i64::from(radix))
                .and_then(|m| m.checked_add(i64::from(d)))
            {
                Some(m) => n = m,
                None => overflow = true,
            }
        }
        if overflow {
            self.err
                .extend_from_slice(format!("bash: printf: warning: {a}: Numerical result out of range\n").as_bytes());
            self.status = 1;
            return if neg { i64::MIN } else { i64::MAX };
        }
        if used != digs.len() || (used == 0 && radix != 8) {
            self.err
                .extend_from_slice(format!("bash: printf: {a}: invalid number\n").as_bytes());
            self.status = 1;
        }
        if neg {
            -n
        } else {
            n
        }
    }

    /// Parses a floating-point argument, reporting `invalid number` like bash.
    fn float(&mut self, a: &str) -> f64 {
        let t = a.trim_start();
        if let Some(c) = t.strip_prefix(['\'', '"']) {
            return c.chars().next().map_or(0.0, |c| f64::from(u32::from(c)));
        }
        if t.is_empty() {
            return 0.0;
        }
        if let Ok(x) = t.parse::<f64>() {
            return x;
        }
        if t.starts_with("0x") || t.starts_with("0X") {
            return self.int(a) as f64;
        }
        let mut best = 0.0;
        for end in (1..t.len()).rev() {
            if let Some(Ok(x)) = t.get(..end).map(str::parse::<f64>) {
                best = x;
                break;
            }
        }
        self.err
            .extend_from_slice(format!("bash: printf: {a}: invalid number\n").as_bytes());
        self.status = 1;
        best
    }
}

/// Reads a run of decimal digits: (value, length).
fn digits(s: &[u8]) -> (i64, usize) {
    let len = s.iter().take_while(|c| c.is_ascii_digit()).count();
    let n = s
        .iter()
        .take(len)
        .fold(0i64, |n, &c| n.saturating_mul(10).saturating_add(i64::from(c - b'0')));
    (n, len)
}

/// Formats an integer's digits with sign/prefix, precision and zero padding (space padding is done by [`pad`]).
fn num(sign: &str, digs: &str, prec: Option<usize>, width: usize, flags: &str) -> String {
    let digs = match prec {
        Some(0) if digs == "0" => String::new(),
        Some(p) if p > digs.len() => format!("{}{digs}", "0".repeat(p - digs.len())),
        _ => digs.to_owned(),
    };
    if flags.contains('0') && !flags.contains('-') && prec.is_none() {
        let fill = width.saturating_sub(sign.len() + digs.len());
        return format!("{sign}{}{digs}", "0".repeat(fill));
    }
    format!("{sign}{digs}")
}

/// Appends `body` padded with spaces to `width`.
fn pad(out: &mut Vec<u8>, body: &[u8], width: usize, left: bool, _zero: bool) {
    let fill = width.saturating_sub(body.len());
    if !left {
        out.extend(std::iter::repeat_n(b' ', fill));
    }
    out.extend_from_slice(body);
    if left {
        out.extend(std::iter::repeat_n(b' ', fill));
    }
}

/// C's `%f`/`%e`/`%g` for a finite or special value, without sign flags (also awk's number formatting).
pub(crate) fn fmt_float(x: f64, conv: u8, prec: usize, alt: bool) -> String {
    let upper = conv.is_ascii_uppercase();
    if !x.is_finite() {
        let s = if x.is_nan() {
            "nan"
        } else if x < 0.0 {
            "-inf"
        } else {
            "inf"
        };
        return if upper { s.to_uppercase() } else { s.to_owned() };
    }
    let s = match conv.to_ascii_lowercase() {
        b'f' => format!("{x:.prec$}"),
        b'e' => exp(x, prec),
        _ => {
            let p = prec.max(1);
            let e = exp(x, p - 1);
            let ex: i64 = e.rsplit('e').next().and_then(|v| v.parse().ok()).unwrap_or(0);
            let mut s = if ex < -4 || ex >= p as i64 {
                e
            } else {
                let fp = usize::try_from(p as i64 - 1 - ex).unwrap_or(0);
                format!("{x:.fp$}")
            };
            if !alt {
                s = strip_zeros(&s);
            }
            s
        }
    };
    if upper {
        s.to_uppercase()
    } else {
        s
    }
}

/// Removes trailing fractional zeros (and a bare point) from a `%g` result, keeping any exponent.
fn strip_zeros(s: &str) -> String {
    let (mant, exp) = match s.find('e') {
        Some(i) => s.split_at(i),
        None => (s, ""),
    };
    if !mant.contains('.') {
        return s.to_owned();
    }
    let m = mant.trim_end_matches('0').trim_end_matches('.');
    format!("{m}{exp}")
}

/// C's `%.Ne`: mantissa, `e`, sign and at least two exponent digits.
fn exp(x: f64, prec: usize) -> String {
    let s = format!("{x:.prec$e}");
    let (m, e) = s.split_once('e').unwrap_or((&s, "0"));
    let (sign, d) = match e.strip_prefix('-') {
        Some(d) => ('-', d),
        None => ('+', e),
    };
    format!("{m}e{sign}{d:0>2}")
}

/// Expands one backslash escape starting after the backslash; returns (bytes consumed, `\c` seen).
/// `b_mode` selects `%b` rules (`\0NNN`, `\c`) over format-string rules (`\NNN`).
fn escape(s: &[u8], b_mode: bool, out: &mut Vec<u8>) -> (usize, bool) {
    let Some(&c) = s.first() else {
        out.push(b'\\');
        return (0, false);
    };
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
        b'\'' if !b_mode => Some(b'\''),
        b'"' if !b_mode => Some(b'"'),
        b'?' if !b_mode => Some(b'?'),
        _ => None,
    };
    if let Some(b) = simple {
        out.push(b);
        return (1, false);
    }
    if c == b'c' && b_mode {
        return (1, true);
    }
    if c == b'x' {
        let n = s.iter().skip(1).take(2).take_while(|c| c.is_ascii_hexdigit()).count();
        if n == 0 {
            out.extend_from_slice(b"\\x");
            return (1, false);
        }
        let v = s
            .iter()
            .skip(1)
            .take(n)
            .fold(0u32, |v, &c| v * 16 + (c as char).to_digit(16).unwrap_or(0));
        out.push(v as u8);
        return (1 + n, false);
    }
    if (b'0'..=b'7').contains(&c) {
        let (skip, max) = if b_mode && c == b'0' { (1, 3) } else { (0, 3) };
        let n = s
            .iter()
            .skip(skip)
            .take(max)
            .take_while(|c| (b'0'..=b'7').contains(c))
            .count();
        let v = s
            .iter()
            .skip(skip)
            .take(n)
            .fold(0u32, |v, &c| v * 8 + u32::from(c - b'0'));
        out.push(v as u8);
        return (skip + n, false);
    }
    out.push(b'\\');
    out.push(c);
    (1, false)
}

/// Expands a `%b` argument; true if `\c` asked to stop all output.
fn expand_b(a: &[u8], out: &mut Vec<u8>) -> bool {
    let mut i = 0;
    while let Some(&c) = a.get(i) {
        if c == b'\\' {
            let (n, stop) = escape(a.get(i + 1..).unwrap_or(&[]), true, out);
            if stop {
                return true;
            }
            i += 1 + n;
        } else {
            out.push(c);
            i += 1;
        }
    }
    false
}

#[cfg(test)]
mod tests {
    use crate::commands::testing::{check, check_in, session};

    #[test]
    fn printf() {
        check(r#"printf "%d %s|" 1 a 2"#, "1 a|2 |", "", 0);
        check(
            r#"printf "%5.2f|%e|%g|%x|%o|%c|%b\n" 3.14159 1234.5 0.0001 255 8 hello "a\tb""#,
            " 3.14|1.234500e+03|0.0001|ff|10|h|a\tb\n",
            "",
            0,
        );
        check(
            r#"printf "%5s|%-5d|%+d|%05.1f|%x|%#x|%.3s|%*d|\n" ab 3 4 2.345 -1 255 abcdef 4 7"#,
            "   ab|3    |+4|002.3|ffffffffffffffff|0xff|abc|   7|\n",
            "",
            0,
        );
        check(
            r#"printf "%g %g %g %g %e %.0f\n" 100000 1000000 1.5e-5 0 0 2.5"#,
            "100000 1e+06 1.5e-05 0 0.000000e+00 2\n",
            "",
            0,
        );
        check(r#"printf "%d\n" abc"#, "0\n", "bash: printf: abc: invalid number\n", 1);
        check(r#"printf "%d\n" 3x"#, "3\n", "bash: printf: 3x: invalid number\n", 1);
        check(r#"printf "%d %d %d\n" 0x1f 010 "'A""#, "31 8 65\n", "", 0);
        check(r#"printf "%d|%s|\n""#, "0||\n", "", 0);
        check(r#"printf 'abc\cdef\x41\101\n'"#, "abc\\cdefAA\n", "", 0);
        check(r#"printf '%b|' 'a\0101\cb' c"#, "aA", "", 0);
        check("printf", "", "printf: usage: printf [-v var] format [arguments]\n", 2);
        check(r#"printf '%-10s|%%\n' hi"#, "hi        |%\n", "", 0);
        check(r#"printf "%s\n" a b c"#, "a\nb\nc\n", "", 0);
        check(r#"printf "%s %s\n" a b c"#, "a b\nc \n", "", 0);
        check(r#"printf "%c|" """#, "\0|", "", 0);
        check(
            r#"printf "%.2e|%10.4f|%-5x|%05d|%+.1f|% d|%G\n" 12345 3.14159 255 -42 -0.05 7 1e-10"#,
            "1.23e+04|    3.1416|ff   |-0042|-0.1| 7|1E-10\n",
            "",
            0,
        );
        check(r#"printf "%i %u\n" -1 -1"#, "-1 18446744073709551615\n", "", 0);
        check(
            r#"printf "%.3d|%8.3d|%-08d|\n" 5 5 5"#,
            "005|     005|5       |\n",
            "",
            0,
        );
        check(
            r#"printf "%f\n" abc"#,
            "0.000000\n",
            "bash: printf: abc: invalid number\n",
            1,
        );
        check(r#"printf "%s" "\n""#, "\\n", "", 0);
        check(r#"printf "%b\n" "\x41\101\0101""#, "AAA\n", "", 0);
        let mut s = session();
        check_in(&mut s, r#"printf -v x '%03d' 7; echo $x"#, "007\n", "", 0);
    }
}

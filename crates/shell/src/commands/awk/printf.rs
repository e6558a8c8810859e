//! awk's `printf`/`sprintf` formatting.

use super::value::{fmt_g, Val};
use super::MAX_STR;
use crate::commands::printf::fmt_float;

/// awk's `printf`/`sprintf` formatting for `%s %d %i %f %e %g %x %X %o %c %%` with flags, width and precision.
pub(super) fn sprintf(fmt: &str, args: &[Val]) -> String {
    let mut out = String::new();
    let mut chars = fmt.chars().peekable();
    let mut next_arg = args.iter();
    while let Some(c) = chars.next() {
        if c != '%' {
            out.push(c);
            continue;
        }
        let mut flags = String::new();
        while let Some(&f) = chars.peek().filter(|f| "-+ #0".contains(**f)) {
            flags.push(f);
            chars.next();
        }
        let mut width = 0usize;
        while let Some(d) = chars.peek().and_then(|c| c.to_digit(10)) {
            width = (width * 10 + d as usize).min(4096);
            chars.next();
        }
        let mut prec = None;
        if chars.peek() == Some(&'.') {
            chars.next();
            let mut p = 0usize;
            while let Some(d) = chars.peek().and_then(|c| c.to_digit(10)) {
                p = (p * 10 + d as usize).min(4096);
                chars.next();
            }
            prec = Some(p);
        }
        let Some(conv) = chars.next() else {
            out.push('%');
            out.push_str(&flags);
            break;
        };
        let left = flags.contains('-');
        let zero = flags.contains('0') && !left;
        let sign = |n: f64, body: String| -> String {
            if n.is_sign_negative() && !body.starts_with('-') && n != 0.0 {
                format!("-{body}")
            } else if !body.starts_with('-') && flags.contains('+') {
                format!("+{body}")
            } else if !body.starts_with('-') && flags.contains(' ') {
                format!(" {body}")
            } else {
                body
            }
        };
        let arg = || Val::Uninit;
        let body = match conv {
            '%' => {
                out.push('%');
                continue;
            }
            's' => {
                let s = next_arg.next().cloned().unwrap_or_else(arg).string();
                match prec {
                    Some(p) => s.chars().take(p).collect(),
                    None => s,
                }
            }
            'c' => match next_arg.next() {
                Some(Val::Num(n)) => char::from_u32(*n as u32).map(String::from).unwrap_or_default(),
                Some(v) => v.string().chars().next().map(String::from).unwrap_or_default(),
                None => String::new(),
            },
            'd' | 'i' => {
                let n = next_arg.next().map_or(0.0, Val::num).trunc();
                let mut digits = format!("{}", (n.abs()).min(9.2e18) as u64);
                if let Some(p) = prec {
                    while digits.len() < p {
                        digits.insert(0, '0');
                    }
                }
                sign(n, digits)
            }
            'x' | 'X' | 'o' => {
                let n = next_arg.next().map_or(0.0, Val::num).trunc();
                let u = if n < 0.0 {
                    (n as i64) as u64
                } else {
                    n.min(1.8e19) as u64
                };
                let mut s = match conv {
                    'x' => format!("{u:x}"),
                    'X' => format!("{u:X}"),
                    _ => format!("{u:o}"),
                };
                if let Some(p) = prec {
                    while s.len() < p {
                        s.insert(0, '0');
                    }
                }
                s
            }
            'f' | 'F' => {
                let n = next_arg.next().map_or(0.0, Val::num);
                sign(n, fmt_float(n.abs(), b'f', prec.unwrap_or(6), false))
            }
            'e' | 'E' => {
                let n = next_arg.next().map_or(0.0, Val::num);
                sign(n, fmt_float(n.abs(), conv as u8, prec.unwrap_or(6), false))
            }
            'g' | 'G' => {
                let n = next_arg.next().map_or(0.0, Val::num);
                let s = fmt_g(n.abs(), prec.unwrap_or(6), flags.contains('#'));
                sign(n, if conv == 'G' { s.to_uppercase() } else { s })
            }
            other => {
                out.push('%');
                out.push_str(&flags);
                out.push(other);
                continue;
            }
        };
        let len = body.chars().count();
        if len >= width {
            out.push_str(&body);
        } else if left {
            out.push_str(&body);
            out.extend(std::iter::repeat_n(' ', width - len));
        } else if zero && !matches!(conv, 's' | 'c') {
            let (sgn, digits) = match body.chars().next() {
                Some(c @ ('-' | '+' | ' ')) => (c.to_string(), body.get(1..).unwrap_or("").to_string()),
                _ => (String::new(), body.clone()),
            };
            out.push_str(&sgn);
            out.extend(std::iter::repeat_n('0', width - len));
            out.push_str(&digits);
        } else {
            out.extend(std::iter::repeat_n(' ', width - len));
            out.push_str(&body);
        }
        if out.len() > MAX_STR {
            break;
        }
    }
    out
}

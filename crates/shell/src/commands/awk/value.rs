//! awk values: numbers, strings and input-derived strnums, with mawk's number formatting.

use crate::commands::printf::fmt_float;

/// An awk value: a number, a string constant, or input-derived text compared numerically when it looks numeric.
#[derive(Clone, Debug)]
pub(super) enum Val {
    Num(f64),
    Str(String),
    Strnum(String),
    Uninit,
}

impl Val {
    pub(super) fn num(&self) -> f64 {
        match self {
            Val::Num(n) => *n,
            Val::Str(s) | Val::Strnum(s) => str_to_num(s),
            Val::Uninit => 0.0,
        }
    }

    pub(super) fn string(&self) -> String {
        match self {
            Val::Num(n) => fmt_num(*n),
            Val::Str(s) | Val::Strnum(s) => s.clone(),
            Val::Uninit => String::new(),
        }
    }

    pub(super) fn is_numeric(&self) -> bool {
        match self {
            Val::Num(_) | Val::Uninit => true,
            Val::Str(_) => false,
            Val::Strnum(s) => looks_numeric(s),
        }
    }
}

/// Length of the longest numeric prefix of `s` (after leading blanks), like `strtod`.
pub(super) fn num_prefix(s: &str) -> (usize, usize) {
    let b = s.as_bytes();
    let mut i = 0;
    while i < b.len() && matches!(b.get(i), Some(b' ' | b'\t' | b'\n' | b'\r' | b'\x0b' | b'\x0c')) {
        i += 1;
    }
    let start = i;
    if matches!(b.get(i), Some(b'+' | b'-')) {
        i += 1;
    }
    let mut digits = 0;
    while b.get(i).is_some_and(u8::is_ascii_digit) {
        i += 1;
        digits += 1;
    }
    if b.get(i) == Some(&b'.') {
        i += 1;
        while b.get(i).is_some_and(u8::is_ascii_digit) {
            i += 1;
            digits += 1;
        }
    }
    if digits == 0 {
        return (start, start);
    }
    if matches!(b.get(i), Some(b'e' | b'E')) {
        let mut j = i + 1;
        if matches!(b.get(j), Some(b'+' | b'-')) {
            j += 1;
        }
        if b.get(j).is_some_and(u8::is_ascii_digit) {
            while b.get(j).is_some_and(u8::is_ascii_digit) {
                j += 1;
            }
            i = j;
        }
    }
    (start, i)
}

pub(super) fn str_to_num(s: &str) -> f64 {
    let (a, b) = num_prefix(s);
    s.get(a..b).and_then(|t| t.parse().ok()).unwrap_or(0.0)
}

pub(super) fn looks_numeric(s: &str) -> bool {
    let (a, b) = num_prefix(s);
    b > a && s.get(b..).is_some_and(|t| t.trim().is_empty())
}

/// Number to text as mawk prints it: integral values as integers, others with `%.6g`.
pub(super) fn fmt_num(n: f64) -> String {
    if n == n.trunc() && n.abs() < 1e16 {
        format!("{}", n as i64)
    } else {
        fmt_g(n, 6, false)
    }
}

/// C's `%.<prec>g` (with `alt` = `#`, keeping trailing zeros), with mawk's spelling of NaN (`-nan` when negative).
pub(super) fn fmt_g(n: f64, prec: usize, alt: bool) -> String {
    if n.is_nan() {
        return if n.is_sign_negative() {
            "-nan".into()
        } else {
            "nan".into()
        };
    }
    fmt_float(n, b'g', prec, alt)
}

pub(super) fn truthy(v: &Val) -> bool {
    match v {
        Val::Num(n) => *n != 0.0,
        Val::Str(s) => !s.is_empty(),
        Val::Strnum(s) => {
            if looks_numeric(s) {
                str_to_num(s) != 0.0
            } else {
                !s.is_empty()
            }
        }
        Val::Uninit => false,
    }
}

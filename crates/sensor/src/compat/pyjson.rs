//! A tiny JSON object writer that reproduces CPython's `json.dumps` byte for byte (with its default
//! `ensure_ascii=True`), so the Cowrie formats we emit are identical to what Cowrie's Python writes.
//!
//! Keys are written in insertion order, as a Python 3.7+ `dict` keeps them. Two separator styles exist: Cowrie's
//! JSON log uses `separators=(",", ":")`, its hpfeeds plugin the default `", "` / `": "`.

use std::fmt::Write;

/// Which separators `json.dumps` was called with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Style {
    /// `separators=(",", ":")`, Cowrie's `output_jsonlog`.
    Compact,
    /// The default `", "` and `": "`, Cowrie's `output_hpfeeds3`.
    Spaced,
}

impl Style {
    /// Between items.
    fn item(self) -> &'static str {
        match self {
            Style::Compact => ",",
            Style::Spaced => ", ",
        }
    }

    /// Between a key and its value.
    fn key(self) -> &'static str {
        match self {
            Style::Compact => ":",
            Style::Spaced => ": ",
        }
    }
}

/// Appends `s` as a JSON string the way CPython's `encode_basestring_ascii` does: `"` and `\` escaped, `\n`,
/// `\r`, `\t`, `\b`, `\f` short forms, and every other character outside `' '..='~'` (DEL included) as
/// `\uXXXX` in lowercase hex, with UTF-16 surrogate pairs above the BMP.
pub(crate) fn push_str(out: &mut String, s: &str) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            ' '..='~' => out.push(c),
            _ => {
                let mut units = [0u16; 2];
                for u in c.encode_utf16(&mut units) {
                    let _ = write!(out, "\\u{:04x}", u);
                }
            }
        }
    }
    out.push('"');
}

/// One JSON value in a list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Item<'a> {
    /// A string.
    Str(&'a str),
    /// A list of strings (a Python tuple or list).
    Pair(&'a str, &'a str),
}

/// Builds one JSON object in insertion order.
#[derive(Debug)]
pub(crate) struct Obj {
    /// The text so far, without the closing brace.
    buf: String,
    /// The separators.
    style: Style,
    /// Whether a member was written (so the next one needs a separator).
    any: bool,
}

impl Obj {
    /// An empty object.
    pub(crate) fn new(style: Style) -> Obj {
        Obj {
            buf: String::from("{"),
            style,
            any: false,
        }
    }

    /// Writes the separator and the key.
    fn key(&mut self, k: &str) {
        if self.any {
            self.buf.push_str(self.style.item());
        }
        self.any = true;
        push_str(&mut self.buf, k);
        self.buf.push_str(self.style.key());
    }

    /// A string member.
    pub(crate) fn str(&mut self, k: &str, v: &str) -> &mut Obj {
        self.key(k);
        push_str(&mut self.buf, v);
        self
    }

    /// A string member, or `null`.
    pub(crate) fn opt_str(&mut self, k: &str, v: Option<&str>) -> &mut Obj {
        match v {
            Some(v) => self.str(k, v),
            None => self.null(k),
        }
    }

    /// An integer member.
    pub(crate) fn int(&mut self, k: &str, v: u64) -> &mut Obj {
        self.key(k);
        let _ = write!(self.buf, "{v}");
        self
    }

    /// A boolean member (`true` / `false`).
    pub(crate) fn bool(&mut self, k: &str, v: bool) -> &mut Obj {
        self.key(k);
        self.buf.push_str(if v { "true" } else { "false" });
        self
    }

    /// A `null` member.
    pub(crate) fn null(&mut self, k: &str) -> &mut Obj {
        self.key(k);
        self.buf.push_str("null");
        self
    }

    /// A list member.
    pub(crate) fn list<'a>(&mut self, k: &str, items: impl IntoIterator<Item = Item<'a>>) -> &mut Obj {
        self.key(k);
        self.buf.push('[');
        for (i, item) in items.into_iter().enumerate() {
            if i > 0 {
                self.buf.push_str(self.style.item());
            }
            match item {
                Item::Str(s) => push_str(&mut self.buf, s),
                Item::Pair(a, b) => {
                    self.buf.push('[');
                    push_str(&mut self.buf, a);
                    self.buf.push_str(self.style.item());
                    push_str(&mut self.buf, b);
                    self.buf.push(']');
                }
            }
        }
        self.buf.push(']');
        self
    }

    /// A list of strings.
    pub(crate) fn str_list<'a>(&mut self, k: &str, items: impl IntoIterator<Item = &'a str>) -> &mut Obj {
        self.list(k, items.into_iter().map(Item::Str))
    }

    /// Closes the object and returns its text.
    pub(crate) fn finish(&mut self) -> String {
        let mut s = std::mem::take(&mut self.buf);
        s.push('}');
        s
    }
}

/// Cowrie's `escape_nonprintable`: every byte of the UTF-8 form outside `0x20..=0x7e` becomes `\xNN`, and `\`
/// becomes `\\`. Cowrie applies it to usernames, passwords and the SSH version line before logging them.
pub(crate) fn escape_nonprintable(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        match b {
            b'\\' => out.push_str("\\\\"),
            0x20..=0x7e => out.push(char::from(b)),
            _ => {
                let _ = write!(out, "\\x{b:02x}");
            }
        }
    }
    out
}

/// Python's `repr()` of a `bytes` object (`b'...'`), which Cowrie logs as the data of a forwarded channel.
pub(crate) fn bytes_repr(data: &[u8]) -> String {
    let quote = if data.contains(&b'\'') && !data.contains(&b'"') {
        b'"'
    } else {
        b'\''
    };
    let mut out = String::with_capacity(data.len() + 3);
    out.push('b');
    out.push(char::from(quote));
    for &b in data {
        match b {
            b'\\' => out.push_str("\\\\"),
            b'\t' => out.push_str("\\t"),
            b'\n' => out.push_str("\\n"),
            b'\r' => out.push_str("\\r"),
            _ if b == quote => {
                out.push('\\');
                out.push(char::from(b));
            }
            0x20..=0x7e => out.push(char::from(b)),
            _ => {
                let _ = write!(out, "\\x{b:02x}");
            }
        }
    }
    out.push(char::from(quote));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strings_escape_like_cpython_ensure_ascii() {
        // python3 -c 'import json; print(json.dumps("a\"\\\n\r\t\b\f\x01\x7fé😀<"))'
        let mut s = String::new();
        push_str(&mut s, "a\"\\\n\r\t\u{8}\u{c}\u{1}\u{7f}é😀<");
        assert_eq!(s, r#""a\"\\\n\r\t\b\f\u0001\u007f\u00e9\ud83d\ude00<""#);
    }

    #[test]
    fn objects_in_both_styles() {
        let compact = Obj::new(Style::Compact)
            .str("a", "x")
            .int("n", 3)
            .bool("b", false)
            .null("z")
            .list("l", [Item::Pair("u", "p")])
            .finish();
        assert_eq!(compact, r#"{"a":"x","n":3,"b":false,"z":null,"l":[["u","p"]]}"#);
        let spaced = Obj::new(Style::Spaced)
            .opt_str("a", None)
            .str_list("l", ["x", "y"])
            .list("e", [])
            .finish();
        assert_eq!(spaced, r#"{"a": null, "l": ["x", "y"], "e": []}"#);
    }

    #[test]
    fn escape_nonprintable_matches_cowrie() {
        assert_eq!(escape_nonprintable("ro\\ot\té"), "ro\\\\ot\\x09\\xc3\\xa9");
    }

    #[test]
    fn bytes_repr_matches_python() {
        // python3 -c "print(repr(b'GET /\r\n\x00\xff\\\\'), repr(b\"it's\"), repr(b'a\\'b\"'))"
        assert_eq!(bytes_repr(b"GET /\r\n\x00\xff\\"), r"b'GET /\r\n\x00\xff\\'");
        assert_eq!(bytes_repr(b"it's"), r#"b"it's""#);
        assert_eq!(bytes_repr(b"a'b\""), r#"b'a\'b"'"#);
    }
}

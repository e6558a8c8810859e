//! Splits awk program text into tokens, telling `/regex/` from division as mawk does.

use super::unescape;
use super::value::{num_prefix, str_to_num};

#[derive(Clone, Debug, PartialEq)]
pub(super) enum Tok {
    Num(f64),
    Str(String),
    Regex(String),
    Ident(String),
    Func(String),
    Punct(&'static str),
    Newline,
    Eof,
}

impl Tok {
    /// How mawk names the token in "syntax error at or near X".
    pub(super) fn near(&self, src: &str) -> String {
        match self {
            Tok::Num(_) | Tok::Ident(_) | Tok::Func(_) => src.to_string(),
            Tok::Str(_) => "\"".into(),
            Tok::Regex(_) => "/".into(),
            Tok::Punct(p) => (*p).to_string(),
            Tok::Newline => "end of line".into(),
            Tok::Eof => "end of file".into(),
        }
    }
}

pub(super) const PUNCTS: &[&str] = &[
    "&&", "||", "==", "!=", "<=", ">=", "+=", "-=", "*=", "/=", "%=", "!~", "++", "--", "{", "}", "(", ")", ",", ";",
    "$", "=", "<", ">", "+", "-", "*", "/", "%", "!", "~", "^", "?", ":", "|",
];

pub(super) const FUNCS: &[&str] = &["length", "toupper", "tolower", "substr", "index", "int"];

pub(super) fn lex(src: &str) -> Result<Vec<(Tok, String)>, String> {
    let chars: Vec<char> = src.chars().collect();
    let mut toks: Vec<(Tok, String)> = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars.get(i).copied().unwrap_or(' ');
        if c == ' ' || c == '\t' || c == '\r' {
            i += 1;
            continue;
        }
        if c == '\\' && chars.get(i + 1) == Some(&'\n') {
            i += 2;
            continue;
        }
        if c == '#' {
            while i < chars.len() && chars.get(i) != Some(&'\n') {
                i += 1;
            }
            continue;
        }
        if c == '\n' {
            toks.push((Tok::Newline, "\n".into()));
            i += 1;
            continue;
        }
        let start = i;
        if c.is_ascii_digit() || (c == '.' && chars.get(i + 1).is_some_and(char::is_ascii_digit)) {
            let rest: String = chars.get(i..).unwrap_or_default().iter().collect();
            let (_, end) = num_prefix(&rest);
            let text: String = rest.chars().take(end).collect();
            i += text.chars().count().max(1);
            toks.push((Tok::Num(str_to_num(&text)), text));
            continue;
        }
        if c.is_ascii_alphabetic() || c == '_' {
            while chars.get(i).is_some_and(|c| c.is_ascii_alphanumeric() || *c == '_') {
                i += 1;
            }
            let word: String = chars.get(start..i).unwrap_or_default().iter().collect();
            let tok = if FUNCS.contains(&word.as_str()) {
                Tok::Func(word.clone())
            } else {
                Tok::Ident(word.clone())
            };
            toks.push((tok, word));
            continue;
        }
        if c == '"' {
            i += 1;
            let mut raw = String::new();
            loop {
                match chars.get(i) {
                    None | Some('\n') => return Err("runaway string".into()),
                    Some('"') => break,
                    Some('\\') => {
                        raw.push('\\');
                        if let Some(n) = chars.get(i + 1) {
                            raw.push(*n);
                        }
                        i += 2;
                    }
                    Some(ch) => {
                        raw.push(*ch);
                        i += 1;
                    }
                }
            }
            i += 1;
            toks.push((Tok::Str(unescape(&raw)), raw));
            continue;
        }
        let operand_before = matches!(
            toks.last(),
            Some((
                Tok::Num(_) | Tok::Str(_) | Tok::Ident(_) | Tok::Regex(_) | Tok::Punct(")" | "$"),
                _
            ))
        ) || matches!(toks.last(), Some((Tok::Func(f), _)) if f == "length");
        if c == '/' && !operand_before {
            i += 1;
            let mut re = String::new();
            loop {
                match chars.get(i) {
                    None | Some('\n') => return Err("runaway regular expression".into()),
                    Some('/') => break,
                    Some('\\') => {
                        if chars.get(i + 1) == Some(&'/') {
                            re.push('/');
                        } else {
                            re.push('\\');
                            if let Some(n) = chars.get(i + 1) {
                                re.push(*n);
                            }
                        }
                        i += 2;
                    }
                    Some(ch) => {
                        re.push(*ch);
                        i += 1;
                    }
                }
            }
            i += 1;
            toks.push((Tok::Regex(re.clone()), re));
            continue;
        }
        let rest: String = chars
            .get(i..i + 2)
            .unwrap_or_else(|| chars.get(i..).unwrap_or_default())
            .iter()
            .collect();
        let Some(p) = PUNCTS.iter().find(|p| rest.starts_with(**p)) else {
            return Err(c.to_string());
        };
        i += p.len();
        toks.push((Tok::Punct(p), (*p).to_string()));
    }
    toks.push((Tok::Eof, String::new()));
    Ok(toks)
}

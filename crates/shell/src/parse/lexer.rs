//! Splits a command line into words and operators, building each word's parts as it goes.
//!
//! Words need a parser of their own: `$(...)` and backquotes hold whole command lines, so the lexer calls back into
//! [`Parser`](super::parser::Parser) for them, one level deeper each time, up to [`MAX_DEPTH`](super::MAX_DEPTH).

use super::ast::{List, Part, Word};
use super::parser::Parser;
use super::{Error, Limit, Need, MAX_DEPTH};

/// An operator token; its text is what bash names in "unexpected token" errors.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Op {
    Semi,
    DoubleSemi,
    SemiAmp,
    DoubleSemiAmp,
    Amp,
    AndIf,
    Pipe,
    OrIf,
    PipeAmp,
    LParen,
    RParen,
    Less,
    Great,
    DGreat,
    Clobber,
    LessGreat,
    LessAnd,
    GreatAnd,
    AndGreat,
    AndDGreat,
    DLess,
    DLessDash,
    TLess,
}

/// Longest first, so `;;&` wins over `;;` and `;`.
const OPS: &[(&str, Op)] = &[
    (";;&", Op::DoubleSemiAmp),
    ("&>>", Op::AndDGreat),
    ("<<-", Op::DLessDash),
    ("<<<", Op::TLess),
    (";;", Op::DoubleSemi),
    (";&", Op::SemiAmp),
    ("&&", Op::AndIf),
    ("||", Op::OrIf),
    ("|&", Op::PipeAmp),
    (">>", Op::DGreat),
    (">|", Op::Clobber),
    ("<>", Op::LessGreat),
    ("<&", Op::LessAnd),
    (">&", Op::GreatAnd),
    ("&>", Op::AndGreat),
    ("<<", Op::DLess),
    (";", Op::Semi),
    ("&", Op::Amp),
    ("|", Op::Pipe),
    ("(", Op::LParen),
    (")", Op::RParen),
    ("<", Op::Less),
    (">", Op::Great),
];

impl Op {
    /// The operator as typed.
    pub(crate) fn as_str(self) -> &'static str {
        OPS.iter().find(|(_, op)| *op == self).map_or("", |(s, _)| s)
    }
}

/// One token.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Tok {
    Word(Word),
    /// Digits written right before a redirection operator, as in `2>`.
    IoNumber(u32),
    Op(Op),
    Newline,
    Eof,
}

/// A token and the byte offset where it starts, for error line numbers.
#[derive(Debug, Clone)]
pub(crate) struct Token {
    pub(crate) tok: Tok,
    pub(crate) start: usize,
}

/// Running totals shared by a line and all its nested substitutions.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct Budget {
    pub(crate) words: usize,
    pub(crate) commands: usize,
}

/// A here-document whose `<<WORD` has been seen and whose body starts after the next newline.
pub(crate) struct Pending {
    pub(crate) delim: String,
    pub(crate) strip_tabs: bool,
    pub(crate) quoted: bool,
    pub(crate) line: usize,
    pub(crate) offset: usize,
}

/// A cursor over the source plus the nesting depth it is lexing at.
pub(crate) struct Lexer<'a> {
    pub(crate) src: &'a str,
    pub(crate) pos: usize,
    pub(crate) depth: usize,
    pub(crate) budget: Budget,
    /// Here-documents waiting for the next newline, in source order.
    pub(crate) pending: Vec<Pending>,
    /// Bodies read so far, in source order; the parser hands them to their redirections at the end.
    pub(crate) bodies: Vec<Word>,
}

/// Characters that end an unquoted word.
fn is_meta(c: char) -> bool {
    matches!(c, ' ' | '\t' | '\n' | '|' | '&' | ';' | '(' | ')' | '<' | '>')
}

/// True for a valid shell identifier, as variable and assignment names must be.
pub(crate) fn is_name(s: &str) -> bool {
    let mut chars = s.chars();
    matches!(chars.next(), Some(c) if c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

/// Collects parts, merging adjacent literals with the same quoting.
#[derive(Default)]
struct Parts {
    parts: Vec<Part>,
    had_quotes: bool,
}

impl Parts {
    fn lit(&mut self, s: &str, quoted: bool) {
        self.had_quotes |= quoted;
        if let Some(Part::Literal { text, quoted: q }) = self.parts.last_mut() {
            if *q == quoted {
                text.push_str(s);
                return;
            }
        }
        self.parts.push(Part::Literal {
            text: s.to_owned(),
            quoted,
        });
    }

    fn ch(&mut self, c: char, quoted: bool) {
        self.lit(c.encode_utf8(&mut [0; 4]), quoted);
    }

    fn push(&mut self, part: Part) {
        self.parts.push(part);
    }

    /// A here-document body: all literals are quoted, and an empty body has no parts.
    fn finish_body(self) -> Word {
        let word = self.finish();
        match word.parts.as_slice() {
            [Part::Literal { text, .. }] if text.is_empty() => Word::default(),
            _ => word,
        }
    }

    /// Drops empty quoted literals, then merges what became adjacent.
    ///
    /// Two are kept: `""` when it is all the word has, and a leading one before unquoted text, because `''!`,
    /// `''if`, `''#x` and `''A=1` are ordinary words, not negation, keywords, comments or assignments.
    fn finish(self) -> Word {
        let mut out = Parts::default();
        let leading_quote =
            matches!(self.parts.get(1), Some(Part::Literal { text, quoted: false }) if !text.is_empty());
        for (i, part) in self.parts.into_iter().enumerate() {
            match part {
                Part::Literal { text, quoted } if !text.is_empty() => out.lit(&text, quoted),
                Part::Literal { .. } if i == 0 && leading_quote => out.lit("", true),
                Part::Literal { .. } => {}
                other => out.push(other),
            }
        }
        if out.parts.is_empty() && self.had_quotes {
            out.parts.push(Part::Literal {
                text: String::new(),
                quoted: true,
            });
        }
        Word { parts: out.parts }
    }
}

impl<'a> Lexer<'a> {
    /// A lexer at `pos` in `src`, `depth` substitutions deep, continuing the given budget.
    pub(crate) fn new(src: &'a str, pos: usize, depth: usize, budget: Budget) -> Self {
        Lexer {
            src,
            pos,
            depth,
            budget,
            pending: Vec::new(),
            bodies: Vec::new(),
        }
    }

    /// The error for input that ends before a here-document's delimiter line.
    fn heredoc_eof(p: &Pending) -> Error {
        Error::Incomplete(Need::HereDoc {
            delim: p.delim.clone(),
            line: p.line,
        })
    }

    /// Reads the bodies of all pending here-documents, with the cursor at the start of the line after `<<`.
    fn read_bodies(&mut self) -> Result<(), Error> {
        for p in std::mem::take(&mut self.pending) {
            let mut raw = String::new();
            loop {
                let line = self.heredoc_line(&p)?;
                if line == p.delim {
                    break;
                }
                raw.push_str(&line);
                raw.push('\n');
            }
            let body = if raw.is_empty() {
                Word::default()
            } else if p.quoted {
                Word {
                    parts: vec![Part::Literal {
                        text: raw,
                        quoted: true,
                    }],
                }
            } else {
                let mut lexer = Lexer::new(&raw, 0, self.depth, self.budget);
                let mut parts = Parts::default();
                lexer.heredoc_parts(&mut parts).map_err(|e| match e {
                    Error::Syntax { .. } | Error::Incomplete(_) => Error::Substitution {
                        inner: Box::new(e),
                        text: raw.clone(),
                    },
                    e => e.at(p.offset),
                })?;
                self.budget = lexer.budget;
                parts.finish_body()
            };
            self.bodies.push(body);
        }
        Ok(())
    }

    /// Reads one logical here-document line, stripping tabs for `<<-` and, unless the delimiter was quoted, joining
    /// backslash-newline continuations first, as bash does before it compares a line with the delimiter.
    fn heredoc_line(&mut self, p: &Pending) -> Result<String, Error> {
        let mut line = String::new();
        loop {
            let rest = self.src.get(self.pos..).unwrap_or("");
            if rest.is_empty() {
                return Err(Self::heredoc_eof(p));
            }
            let (physical, len) = match rest.find('\n') {
                Some(i) => (&rest[..i], i + 1),
                None => (rest, rest.len()),
            };
            self.pos += len;
            let physical = if p.strip_tabs {
                physical.trim_start_matches('\t')
            } else {
                physical
            };
            let backslashes = physical.len() - physical.trim_end_matches('\\').len();
            if !p.quoted && backslashes % 2 == 1 && len > physical.len() {
                line.push_str(&physical[..physical.len() - 1]);
                continue;
            }
            line.push_str(physical);
            return Ok(line);
        }
    }

    /// Reads an unquoted-delimiter here-document body: like double quotes, but `"` is ordinary.
    fn heredoc_parts(&mut self, parts: &mut Parts) -> Result<(), Error> {
        while let Some(c) = self.peek() {
            match c {
                '\\' => {
                    self.pos += 1;
                    match self.peek() {
                        Some('\n') => self.pos += 1,
                        Some(c @ ('$' | '`' | '\\')) => {
                            self.pos += 1;
                            parts.ch(c, true);
                        }
                        _ => parts.ch('\\', true),
                    }
                }
                '$' => self.dollar(parts, true)?,
                '`' => self.backquote(parts, true)?,
                c => {
                    self.pos += c.len_utf8();
                    parts.ch(c, true);
                }
            }
        }
        Ok(())
    }

    fn peek(&self) -> Option<char> {
        self.src[self.pos..].chars().next()
    }

    fn peek_at(&self, n: usize) -> Option<char> {
        self.src[self.pos..].chars().nth(n)
    }

    fn bump(&mut self) -> Option<char> {
        let c = self.peek()?;
        self.pos += c.len_utf8();
        Some(c)
    }

    /// Reads the next token, skipping blanks, line continuations and comments.
    pub(crate) fn next_token(&mut self) -> Result<Token, Error> {
        loop {
            match self.peek() {
                Some(' ' | '\t') => self.pos += 1,
                Some('\\') if self.peek_at(1) == Some('\n') => self.pos += 2,
                Some('#') => {
                    while !matches!(self.peek(), None | Some('\n')) {
                        self.bump();
                    }
                }
                _ => break,
            }
        }
        let start = self.pos;
        let tok = match self.peek() {
            None => match self.pending.first() {
                Some(p) => return Err(Self::heredoc_eof(p)),
                None => Tok::Eof,
            },
            Some('\n') => {
                self.pos += 1;
                if !self.pending.is_empty() {
                    self.read_bodies()?;
                }
                Tok::Newline
            }
            Some(_) => match OPS.iter().find(|(s, _)| self.src[self.pos..].starts_with(s)) {
                Some((s, op)) => {
                    self.pos += s.len();
                    if matches!(op, Op::Less | Op::Great) && self.peek() == Some('(') {
                        return Err(Error::Unsupported {
                            what: "process substitution",
                            offset: start,
                        });
                    }
                    Tok::Op(*op)
                }
                None => self.word()?,
            },
        };
        Ok(Token { tok, start })
    }

    /// Reads one word; digits directly followed by `<` or `>` become an fd number instead.
    fn word(&mut self) -> Result<Tok, Error> {
        let start = self.pos;
        let mut parts = Parts::default();
        while let Some(c) = self.peek() {
            if is_meta(c) {
                break;
            }
            match c {
                '\\' => {
                    self.pos += 1;
                    match self.bump() {
                        None => return Err(Error::Incomplete(Need::Continuation)),
                        Some('\n') => {}
                        Some(c) => parts.ch(c, true),
                    }
                }
                '\'' => {
                    self.pos += 1;
                    let open = self.pos - 1;
                    let Some(len) = self.src[self.pos..].find('\'') else {
                        return Err(Error::Incomplete(Need::Quote {
                            close: '\'',
                            offset: open,
                        }));
                    };
                    parts.lit(&self.src[self.pos..self.pos + len], true);
                    self.pos += len + 1;
                }
                '"' => {
                    self.pos += 1;
                    self.double_quoted(&mut parts, self.pos - 1)?;
                }
                '$' => self.dollar(&mut parts, false)?,
                '`' => self.backquote(&mut parts, false)?,
                c => {
                    self.pos += c.len_utf8();
                    parts.ch(c, false);
                }
            }
        }
        let text = &self.src[start..self.pos];
        if !text.is_empty() && text.bytes().all(|b| b.is_ascii_digit()) && matches!(self.peek(), Some('<' | '>')) {
            if let Ok(fd) = text.parse() {
                return Ok(Tok::IoNumber(fd));
            }
        }
        Ok(Tok::Word(parts.finish()))
    }

    /// Reads the inside of `"..."` after the opening quote.
    fn double_quoted(&mut self, parts: &mut Parts, open: usize) -> Result<(), Error> {
        parts.lit("", true);
        loop {
            match self.peek() {
                None => {
                    return Err(Error::Incomplete(Need::Quote {
                        close: '"',
                        offset: open,
                    }))
                }
                Some('"') => {
                    self.pos += 1;
                    return Ok(());
                }
                Some('\\') => {
                    self.pos += 1;
                    match self.peek() {
                        None => {
                            return Err(Error::Incomplete(Need::Quote {
                                close: '"',
                                offset: open,
                            }))
                        }
                        Some('\n') => self.pos += 1,
                        Some(c @ ('$' | '`' | '"' | '\\')) => {
                            self.pos += 1;
                            parts.ch(c, true);
                        }
                        Some(_) => parts.ch('\\', true),
                    }
                }
                Some('$') => self.dollar(parts, true)?,
                Some('`') => self.backquote(parts, true)?,
                Some(c) => {
                    self.pos += c.len_utf8();
                    parts.ch(c, true);
                }
            }
        }
    }

    /// Reads what follows a `$`: a parameter, a substitution, `$'...'`, `$"..."`, or a literal dollar sign.
    fn dollar(&mut self, parts: &mut Parts, quoted: bool) -> Result<(), Error> {
        let open = self.pos;
        self.pos += 1;
        match self.peek() {
            Some('{') => {
                self.pos += 1;
                let raw = self.braced(open, quoted)?;
                let special = raw.len() == 1 && "?$!#@*-".contains(raw.as_str());
                let digits = !raw.is_empty() && raw.bytes().all(|b| b.is_ascii_digit());
                parts.push(if is_name(&raw) || special || digits {
                    Part::Var { name: raw, quoted }
                } else {
                    Part::Braced { raw, quoted }
                });
            }
            Some('(') if self.peek_at(1) == Some('(') => {
                if let Some(expr) = self.arith() {
                    parts.push(Part::Arith { expr, quoted });
                } else {
                    self.pos = open + 2;
                    let list = self.command_sub()?;
                    parts.push(Part::CommandSub { list, quoted });
                }
            }
            Some('(') => {
                self.pos += 1;
                let list = self.command_sub()?;
                parts.push(Part::CommandSub { list, quoted });
            }
            Some('\'') if !quoted => {
                self.pos += 1;
                let text = self.ansi_c(open)?;
                parts.lit(&text, true);
            }
            Some('"') if !quoted => {
                self.pos += 1;
                self.double_quoted(parts, open + 1)?;
            }
            Some(c) if c.is_ascii_alphabetic() || c == '_' => {
                let len = self.src[self.pos..]
                    .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
                    .unwrap_or(self.src.len() - self.pos);
                let name = self.src[self.pos..self.pos + len].to_owned();
                self.pos += len;
                parts.push(Part::Var { name, quoted });
            }
            Some(c) if c.is_ascii_digit() || "?$!#@*-".contains(c) => {
                self.pos += 1;
                parts.push(Part::Var {
                    name: c.to_string(),
                    quoted,
                });
            }
            // A `$` that starts nothing is an ordinary character; it never globs, so it is stored as quoted.
            _ => parts.lit("$", true),
        }
        Ok(())
    }

    /// Reads the inside of `${...}` up to its matching brace, skipping quoted text and nested `${`.
    fn braced(&mut self, open: usize, quoted: bool) -> Result<String, Error> {
        let start = self.pos;
        let mut depth = 1usize;
        let eof = Error::Incomplete(Need::Quote {
            close: '}',
            offset: open,
        });
        loop {
            match self.bump() {
                None => return Err(eof),
                Some('\\') => {
                    self.bump().ok_or(eof.clone())?;
                }
                Some('\'') if !quoted => {
                    let len = self.src[self.pos..].find('\'').ok_or(eof.clone())?;
                    self.pos += len + 1;
                }
                Some('"') => while self.bump().ok_or(eof.clone())? != '"' {},
                Some('$') if self.peek() == Some('{') => {
                    self.pos += 1;
                    depth += 1;
                }
                Some('}') => {
                    depth -= 1;
                    if depth == 0 {
                        return Ok(self.src[start..self.pos - 1].to_owned());
                    }
                }
                Some(_) => {}
            }
        }
    }

    /// Tries `$((expr))` with the cursor on the first `(`; `None` means it is really `$( (...) ... )`.
    fn arith(&mut self) -> Option<String> {
        let save = self.pos;
        self.pos += 2;
        let start = self.pos;
        let mut depth = 0usize;
        while let Some(c) = self.bump() {
            match c {
                '(' => depth += 1,
                ')' if depth > 0 => depth -= 1,
                ')' if self.peek() == Some(')') => {
                    self.pos += 1;
                    return Some(self.src[start..self.pos - 2].to_owned());
                }
                ')' => break,
                _ => {}
            }
        }
        self.pos = save;
        None
    }

    /// Parses the command line inside `$(...)`, with the cursor just after the `(`.
    fn command_sub(&mut self) -> Result<List, Error> {
        let open = self.pos - 1;
        if self.depth + 1 > MAX_DEPTH {
            return Err(Error::Limit(Limit::Depth));
        }
        let mut parser = Parser::new(Lexer::new(self.src, self.pos, self.depth + 1, self.budget));
        let list = parser.parse_nested().map_err(|e| match e {
            Error::Incomplete(Need::Command) => Error::Incomplete(Need::Quote {
                close: ')',
                offset: open,
            }),
            e => e,
        })?;
        self.pos = parser.lexer.pos;
        self.budget = parser.lexer.budget;
        Ok(list)
    }

    /// Reads a backquoted command, undoing the backslash escapes bash allows inside, and parses it.
    fn backquote(&mut self, parts: &mut Parts, quoted: bool) -> Result<(), Error> {
        let open = self.pos;
        self.pos += 1;
        let eof = Error::Incomplete(Need::Quote {
            close: '`',
            offset: open,
        });
        let mut inner = String::new();
        loop {
            match self.bump() {
                None => return Err(eof),
                Some('`') => break,
                Some('\\') => match self.peek() {
                    None => return Err(eof),
                    Some(c @ ('$' | '`' | '\\')) => {
                        self.pos += 1;
                        inner.push(c);
                    }
                    Some('"') if quoted => {
                        self.pos += 1;
                        inner.push('"');
                    }
                    Some(_) => inner.push('\\'),
                },
                Some(c) => inner.push(c),
            }
        }
        if self.depth + 1 > MAX_DEPTH {
            return Err(Error::Limit(Limit::Depth));
        }
        let lexer = Lexer::new(&inner, 0, self.depth + 1, self.budget);
        let mut parser = Parser::new(lexer);
        // The closing quote has been seen, so nothing inside is waiting for more input: bash reports the inner
        // script's errors as its own. Other errors point at the opening quote, as inner offsets are relative.
        let list = parser.parse_top().map_err(|e| match e {
            Error::Syntax { .. } | Error::Incomplete(_) => Error::Substitution {
                inner: Box::new(e),
                text: inner.clone(),
            },
            e => e.at(open),
        })?;
        self.budget = parser.lexer.budget;
        parts.push(Part::CommandSub { list, quoted });
        Ok(())
    }

    /// Reads `$'...'` (ANSI-C quoting) after the opening quote, decoding its escapes.
    fn ansi_c(&mut self, open: usize) -> Result<String, Error> {
        let eof = Error::Incomplete(Need::Quote {
            close: '\'',
            offset: open + 1,
        });
        let mut out = String::new();
        loop {
            match self.bump().ok_or(eof.clone())? {
                '\'' => return Ok(out),
                '\\' => {
                    let c = self.bump().ok_or(eof.clone())?;
                    match c {
                        'n' => out.push('\n'),
                        't' => out.push('\t'),
                        'r' => out.push('\r'),
                        'a' => out.push('\x07'),
                        'b' => out.push('\x08'),
                        'e' | 'E' => out.push('\x1b'),
                        'f' => out.push('\x0c'),
                        'v' => out.push('\x0b'),
                        '\\' | '\'' | '"' | '?' => out.push(c),
                        'x' => out.push_str(&self.numeric(16, 2, 1).unwrap_or_else(|| "\\x".to_owned())),
                        'u' => out.push_str(&self.numeric(16, 4, 1).unwrap_or_else(|| "\\u".to_owned())),
                        'U' => out.push_str(&self.numeric(16, 8, 1).unwrap_or_else(|| "\\U".to_owned())),
                        '0'..='7' => {
                            self.pos -= 1;
                            out.push_str(&self.numeric(8, 3, 0).unwrap_or_default());
                        }
                        c => {
                            out.push('\\');
                            out.push(c);
                        }
                    }
                }
                c => out.push(c),
            }
        }
    }

    /// Reads up to `max` digits in `radix` as one character; `None` when there are fewer than `min` + 1 digits.
    ///
    /// Bytes above 0x7f become the Unicode scalar of the same value, since words are `String`s.
    fn numeric(&mut self, radix: u32, max: usize, min: usize) -> Option<String> {
        let digits: String = self.src[self.pos..]
            .chars()
            .take_while(|c| c.is_digit(radix))
            .take(max)
            .collect();
        if digits.len() < min.max(1) {
            return None;
        }
        self.pos += digits.len();
        let value = u32::from_str_radix(&digits, radix).ok()?;
        Some(char::from_u32(value).unwrap_or(char::REPLACEMENT_CHARACTER).to_string())
    }
}

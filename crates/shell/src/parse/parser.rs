//! Builds the syntax tree from tokens: lists, and-or lists, pipelines and simple commands.
//!
//! It follows bash 5.2's grammar for the subset attackers type, and reports the first error with the token bash
//! would name. Compound commands (`if`, `for`, `{ }`, `( )`, functions), array assignments and process substitution
//! are reported as [`Error::Unsupported`] rather than misparsed. Here-document bodies are read by the lexer at the
//! next newline and handed to their redirections, in source order, once the list is complete.

use super::ast::{
    AndOr, Assignment, Command, Connector, Item, List, Part, Pipeline, RedirOp, Redirect, Word, MISPLACED_WORDS,
    UNSUPPORTED_WORDS,
};
use super::lexer::{is_name, Lexer, Op, Pending, Tok, Token};
use super::{Error, Limit, Need, MAX_COMMANDS, MAX_WORDS};

/// A recursive-descent parser with one token of lookahead.
pub(crate) struct Parser<'a> {
    pub(crate) lexer: Lexer<'a>,
    peeked: Option<Token>,
}

impl<'a> Parser<'a> {
    /// Starts a parser on a lexer, which may already be nested inside a substitution.
    pub(crate) fn new(lexer: Lexer<'a>) -> Self {
        Parser { lexer, peeked: None }
    }

    fn peek(&mut self) -> Result<&Token, Error> {
        if self.peeked.is_none() {
            self.peeked = Some(self.lexer.next_token()?);
        }
        Ok(self.peeked.as_ref().expect("filled above"))
    }

    fn next(&mut self) -> Result<Token, Error> {
        self.peek()?;
        Ok(self.peeked.take().expect("filled by peek"))
    }

    fn skip_newlines(&mut self) -> Result<(), Error> {
        while self.peek()?.tok == Tok::Newline {
            self.next()?;
        }
        Ok(())
    }

    /// Parses a whole line; a `)` here has nothing to close.
    pub(crate) fn parse_top(&mut self) -> Result<List, Error> {
        self.list(false)
    }

    /// Parses the inside of `$(...)` and consumes the closing `)`.
    pub(crate) fn parse_nested(&mut self) -> Result<List, Error> {
        self.list(true)
    }

    fn list(&mut self, nested: bool) -> Result<List, Error> {
        let mut items = Vec::new();
        self.skip_newlines()?;
        loop {
            match self.peek()?.tok {
                Tok::Eof if nested => return Err(Error::Incomplete(Need::Command)),
                Tok::Eof => break,
                Tok::Op(Op::RParen) if nested => {
                    if let Some(p) = self.lexer.pending.first() {
                        return Err(Error::Unsupported {
                            what: "here-document ending with its substitution",
                            offset: p.offset,
                        });
                    }
                    self.next()?;
                    break;
                }
                _ => {}
            }
            let and_or = self.and_or()?;
            let token = self.peek()?.clone();
            let background = match token.tok {
                Tok::Op(Op::Semi) => false,
                Tok::Op(Op::Amp) => true,
                Tok::Newline => false,
                Tok::Eof => {
                    items.push(Item {
                        and_or,
                        background: false,
                    });
                    continue;
                }
                Tok::Op(Op::RParen) if nested => {
                    items.push(Item {
                        and_or,
                        background: false,
                    });
                    continue;
                }
                _ => return Err(unexpected(&token)),
            };
            self.next()?;
            self.skip_newlines()?;
            items.push(Item { and_or, background });
        }
        let mut bodies = std::mem::take(&mut self.lexer.bodies).into_iter();
        for item in &mut items {
            for redirect in item.and_or.heredocs_mut() {
                redirect.body = bodies.next();
            }
        }
        Ok(List { items })
    }

    fn and_or(&mut self) -> Result<AndOr, Error> {
        let first = self.pipeline()?;
        let mut rest = Vec::new();
        loop {
            let connector = match self.peek()?.tok {
                Tok::Op(Op::AndIf) => Connector::And,
                Tok::Op(Op::OrIf) => Connector::Or,
                _ => return Ok(AndOr { first, rest }),
            };
            self.next()?;
            self.skip_newlines()?;
            rest.push((connector, self.pipeline()?));
        }
    }

    fn pipeline(&mut self) -> Result<Pipeline, Error> {
        let mut negated = false;
        while let Tok::Word(w) = &self.peek()?.tok {
            if w.as_plain() != Some("!") {
                break;
            }
            self.next()?;
            negated = !negated;
        }
        let mut commands = Vec::new();
        if negated
            && matches!(
                self.peek()?.tok,
                Tok::Eof | Tok::Newline | Tok::Op(Op::Semi | Op::Amp | Op::RParen)
            )
        {
            return Ok(Pipeline { negated, commands });
        }
        loop {
            let mut command = self.command()?;
            match self.peek()?.tok {
                Tok::Op(Op::Pipe) => {}
                Tok::Op(Op::PipeAmp) => command.redirects.push(Redirect {
                    fd: Some(2),
                    op: RedirOp::DupOut,
                    target: Word {
                        parts: vec![Part::Literal {
                            text: "1".to_owned(),
                            quoted: false,
                        }],
                    },
                    body: None,
                }),
                _ => {
                    commands.push(command);
                    return Ok(Pipeline { negated, commands });
                }
            }
            commands.push(command);
            self.next()?;
            self.skip_newlines()?;
        }
    }

    fn command(&mut self) -> Result<Command, Error> {
        self.lexer.budget.commands += 1;
        if self.lexer.budget.commands > MAX_COMMANDS {
            return Err(Error::Limit(Limit::Commands));
        }
        let mut command = Command::default();
        loop {
            let token = self.peek()?.clone();
            match &token.tok {
                Tok::Word(word) => {
                    let word = word.clone();
                    self.next()?;
                    self.count_word()?;
                    let empty = command.words.is_empty() && command.assignments.is_empty();
                    if empty && command.redirects.is_empty() {
                        if let Some(w) = word.as_plain() {
                            if UNSUPPORTED_WORDS.contains(&w) {
                                return Err(Error::Unsupported {
                                    what: "compound command",
                                    offset: token.start,
                                });
                            }
                            if MISPLACED_WORDS.contains(&w) {
                                return Err(unexpected(&token));
                            }
                        }
                    }
                    if command.words.is_empty() {
                        if let Some(assignment) = assignment(&word) {
                            if self.peek()?.tok == Tok::Op(Op::LParen) {
                                return Err(Error::Unsupported {
                                    what: "array assignment",
                                    offset: token.start,
                                });
                            }
                            command.assignments.push(assignment);
                            continue;
                        }
                    }
                    command.words.push(word);
                }
                Tok::IoNumber(fd) => {
                    let fd = *fd;
                    self.next()?;
                    let op = self.next()?;
                    command.redirects.push(self.redirect(Some(fd), op)?);
                }
                Tok::Op(
                    Op::Less
                    | Op::Great
                    | Op::DGreat
                    | Op::Clobber
                    | Op::LessGreat
                    | Op::LessAnd
                    | Op::GreatAnd
                    | Op::AndGreat
                    | Op::AndDGreat
                    | Op::DLess
                    | Op::DLessDash
                    | Op::TLess,
                ) => {
                    self.next()?;
                    command.redirects.push(self.redirect(None, token)?);
                }
                Tok::Op(Op::LParen) => {
                    let only_name = command.words.len() == 1 && command.assignments.is_empty();
                    if command.words.is_empty() && command.assignments.is_empty() && command.redirects.is_empty() {
                        return Err(Error::Unsupported {
                            what: "subshell",
                            offset: token.start,
                        });
                    }
                    if only_name {
                        return Err(Error::Unsupported {
                            what: "function definition",
                            offset: token.start,
                        });
                    }
                    return Err(unexpected(&token));
                }
                _ => break,
            }
        }
        if command == Command::default() {
            let token = self.peek()?.clone();
            return Err(match token.tok {
                Tok::Eof => Error::Incomplete(Need::Command),
                _ => unexpected(&token),
            });
        }
        Ok(command)
    }

    fn count_word(&mut self) -> Result<(), Error> {
        self.lexer.budget.words += 1;
        if self.lexer.budget.words > MAX_WORDS {
            return Err(Error::Limit(Limit::Words));
        }
        Ok(())
    }

    /// Finishes a redirection whose operator token is `op`.
    fn redirect(&mut self, fd: Option<u32>, op: Token) -> Result<Redirect, Error> {
        let kind = match op.tok {
            Tok::Op(Op::Less) => RedirOp::In,
            Tok::Op(Op::Great) => RedirOp::Out,
            Tok::Op(Op::DGreat) => RedirOp::Append,
            Tok::Op(Op::Clobber) => RedirOp::Clobber,
            Tok::Op(Op::LessGreat) => RedirOp::ReadWrite,
            Tok::Op(Op::LessAnd) => RedirOp::DupIn,
            Tok::Op(Op::GreatAnd) => RedirOp::DupOut,
            Tok::Op(Op::AndGreat) => RedirOp::OutErr,
            Tok::Op(Op::AndDGreat) => RedirOp::AppendOutErr,
            Tok::Op(Op::TLess) => RedirOp::HereString,
            Tok::Op(Op::DLess) => RedirOp::HereDoc,
            Tok::Op(Op::DLessDash) => RedirOp::HereDocStrip,
            _ => return Err(unexpected(&op)),
        };
        let token = self.next()?;
        match token.tok {
            Tok::Word(target) => {
                self.count_word()?;
                let redirect = Redirect {
                    fd,
                    op: kind,
                    target,
                    body: None,
                };
                if matches!(kind, RedirOp::HereDoc | RedirOp::HereDocStrip) {
                    if !redirect.target.parts.iter().all(|p| matches!(p, Part::Literal { .. })) {
                        return Err(Error::Unsupported {
                            what: "here-document delimiter with expansions",
                            offset: op.start,
                        });
                    }
                    let line = self
                        .lexer
                        .src
                        .get(..op.start)
                        .map_or(1, |s| s.matches('\n').count() + 1);
                    self.lexer.pending.push(Pending {
                        delim: redirect.delimiter(),
                        strip_tabs: kind == RedirOp::HereDocStrip,
                        quoted: redirect.delimiter_quoted(),
                        line,
                        offset: op.start,
                    });
                }
                Ok(redirect)
            }
            _ => Err(unexpected(&token)),
        }
    }
}

/// The syntax error bash reports for a token it did not expect here.
fn unexpected(token: &Token) -> Error {
    let text = match &token.tok {
        Tok::Op(op) => op.as_str().to_owned(),
        Tok::Newline | Tok::Eof => "newline".to_owned(),
        Tok::IoNumber(n) => n.to_string(),
        Tok::Word(w) => w.as_plain().map_or_else(|| w.to_string(), str::to_owned),
    };
    Error::Syntax {
        token: text,
        offset: token.start,
    }
}

/// Splits `NAME=value` / `NAME+=value` when the `=` is unquoted and the name valid.
fn assignment(word: &Word) -> Option<Assignment> {
    let Some(Part::Literal { text, quoted: false }) = word.parts.first() else {
        return None;
    };
    let eq = text.find('=')?;
    let (name, append) = match text[..eq].strip_suffix('+') {
        Some(name) => (name, true),
        None => (&text[..eq], false),
    };
    if !is_name(name) {
        return None;
    }
    let mut parts = Vec::with_capacity(word.parts.len());
    let rest = &text[eq + 1..];
    if !rest.is_empty() {
        parts.push(Part::Literal {
            text: rest.to_owned(),
            quoted: false,
        });
    }
    parts.extend(word.parts[1..].iter().cloned());
    Some(Assignment {
        name: name.to_owned(),
        append,
        value: Word { parts },
    })
}

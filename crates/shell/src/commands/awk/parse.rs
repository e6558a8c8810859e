//! Recursive-descent parser for the awk subset, bounded in depth and program size.

use regex::Regex;

use super::lex::{lex, Tok};
use super::{MAX_DEPTH, MAX_PROGRAM};

#[derive(Debug)]
pub(super) enum Expr {
    Num(f64),
    Str(String),
    Match(Regex),
    Var(String),
    Field(Box<Expr>),
    Neg(Box<Expr>),
    Not(Box<Expr>),
    Bin(&'static str, Box<Expr>, Box<Expr>),
    Concat(Box<Expr>, Box<Expr>),
    And(Box<Expr>, Box<Expr>),
    Or(Box<Expr>, Box<Expr>),
    MatchOp(bool, Box<Expr>, Box<Expr>),
    Assign(&'static str, Box<Expr>, Box<Expr>),
    Call(String, Vec<Expr>),
}

#[derive(Debug)]
pub(super) enum Stmt {
    Print(Vec<Expr>),
    Printf(Vec<Expr>),
    Expr(Expr),
}

#[derive(Debug)]
pub(super) enum Pattern {
    Begin,
    End,
    All,
    Expr(Expr),
}

#[derive(Debug)]
pub(super) struct Item {
    pub(super) pattern: Pattern,
    pub(super) action: Option<Vec<Stmt>>,
}

pub(super) struct Parser {
    pub(super) toks: Vec<(Tok, String)>,
    pub(super) pos: usize,
    pub(super) depth: usize,
    pub(super) no_gt: bool,
}

pub(super) type PResult<T> = Result<T, String>;

pub(super) fn parse(src: &str) -> Result<Vec<Item>, String> {
    if src.len() > MAX_PROGRAM {
        return Err("end of file".into());
    }
    let toks = lex(src)?;
    let mut p = Parser {
        toks,
        pos: 0,
        depth: 0,
        no_gt: false,
    };
    let mut items = Vec::new();
    loop {
        p.skip_terms();
        if p.peek() == &Tok::Eof {
            break;
        }
        items.push(p.item()?);
    }
    Ok(items)
}

impl Parser {
    pub(super) fn peek(&self) -> &Tok {
        self.toks.get(self.pos).map_or(&Tok::Eof, |t| &t.0)
    }

    pub(super) fn next(&mut self) -> Tok {
        let t = self.peek().clone();
        self.pos += 1;
        t
    }

    pub(super) fn err<T>(&self) -> PResult<T> {
        let near = self
            .toks
            .get(self.pos)
            .map_or_else(|| "end of file".into(), |(t, s)| t.near(s));
        Err(near)
    }

    pub(super) fn is(&self, p: &str) -> bool {
        matches!(self.peek(), Tok::Punct(q) if *q == p)
    }

    pub(super) fn expect(&mut self, p: &str) -> PResult<()> {
        if self.is(p) {
            self.pos += 1;
            Ok(())
        } else {
            self.err()
        }
    }

    pub(super) fn skip_terms(&mut self) {
        while matches!(self.peek(), Tok::Newline) || self.is(";") {
            self.pos += 1;
        }
    }

    pub(super) fn skip_newlines(&mut self) {
        while matches!(self.peek(), Tok::Newline) {
            self.pos += 1;
        }
    }

    pub(super) fn item(&mut self) -> PResult<Item> {
        let pattern = match self.peek() {
            Tok::Ident(w) if w == "BEGIN" => {
                self.pos += 1;
                Pattern::Begin
            }
            Tok::Ident(w) if w == "END" => {
                self.pos += 1;
                Pattern::End
            }
            Tok::Punct("{") => Pattern::All,
            _ => Pattern::Expr(self.expr()?),
        };
        if self.is("{") {
            self.pos += 1;
            let body = self.block()?;
            return Ok(Item {
                pattern,
                action: Some(body),
            });
        }
        if matches!(pattern, Pattern::Begin | Pattern::End) {
            return self.err();
        }
        Ok(Item { pattern, action: None })
    }

    pub(super) fn block(&mut self) -> PResult<Vec<Stmt>> {
        let mut stmts = Vec::new();
        loop {
            self.skip_terms();
            if self.is("}") {
                self.pos += 1;
                return Ok(stmts);
            }
            stmts.push(self.stmt()?);
            if !(self.is(";") || self.is("}") || matches!(self.peek(), Tok::Newline)) {
                return self.err();
            }
        }
    }

    pub(super) fn stmt(&mut self) -> PResult<Stmt> {
        match self.peek() {
            Tok::Ident(w) if w == "print" || w == "printf" => {
                let is_printf = w == "printf";
                self.pos += 1;
                let mut args = Vec::new();
                let paren = self.is("(") && self.paren_list_follows();
                if paren {
                    self.pos += 1;
                }
                self.no_gt = !paren;
                let ends = |p: &Parser| p.is(";") || p.is("}") || matches!(p.peek(), Tok::Newline | Tok::Eof);
                if !(ends(self) || paren && self.is(")")) {
                    loop {
                        args.push(self.expr()?);
                        if !self.is(",") {
                            break;
                        }
                        self.pos += 1;
                        self.skip_newlines();
                    }
                }
                self.no_gt = false;
                if paren {
                    self.expect(")")?;
                }
                if is_printf {
                    if args.is_empty() {
                        return self.err();
                    }
                    Ok(Stmt::Printf(args))
                } else {
                    Ok(Stmt::Print(args))
                }
            }
            _ => Ok(Stmt::Expr(self.expr()?)),
        }
    }

    /// Whether a `(` after `print` encloses the whole argument list (its `)` ends the statement).
    pub(super) fn paren_list_follows(&self) -> bool {
        let mut depth = 0usize;
        for (i, (t, _)) in self.toks.iter().enumerate().skip(self.pos) {
            match t {
                Tok::Punct("(") => depth += 1,
                Tok::Punct(")") => {
                    depth = depth.saturating_sub(1);
                    if depth == 0 {
                        return matches!(
                            self.toks.get(i + 1).map(|t| &t.0),
                            Some(Tok::Punct(";" | "}") | Tok::Newline | Tok::Eof)
                        );
                    }
                }
                Tok::Eof => return false,
                _ => {}
            }
        }
        false
    }

    pub(super) fn expr(&mut self) -> PResult<Expr> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return self.err();
        }
        let r = self.assign();
        self.depth -= 1;
        r
    }

    pub(super) fn assign(&mut self) -> PResult<Expr> {
        let lhs = self.or()?;
        let op = match self.peek() {
            Tok::Punct(p @ ("=" | "+=" | "-=" | "*=" | "/=" | "%=")) => *p,
            _ => return Ok(lhs),
        };
        if !matches!(lhs, Expr::Var(_) | Expr::Field(_)) {
            return self.err();
        }
        self.pos += 1;
        let rhs = self.expr()?;
        Ok(Expr::Assign(op, Box::new(lhs), Box::new(rhs)))
    }

    pub(super) fn or(&mut self) -> PResult<Expr> {
        let mut e = self.and()?;
        while self.is("||") {
            self.pos += 1;
            self.skip_newlines();
            e = Expr::Or(Box::new(e), Box::new(self.and()?));
        }
        Ok(e)
    }

    pub(super) fn and(&mut self) -> PResult<Expr> {
        let mut e = self.matching()?;
        while self.is("&&") {
            self.pos += 1;
            self.skip_newlines();
            e = Expr::And(Box::new(e), Box::new(self.matching()?));
        }
        Ok(e)
    }

    pub(super) fn matching(&mut self) -> PResult<Expr> {
        let mut e = self.comparison()?;
        while self.is("~") || self.is("!~") {
            let neg = self.is("!~");
            self.pos += 1;
            e = Expr::MatchOp(neg, Box::new(e), Box::new(self.comparison()?));
        }
        Ok(e)
    }

    pub(super) fn comparison(&mut self) -> PResult<Expr> {
        let e = self.concat()?;
        let op = match self.peek() {
            Tok::Punct(p @ ("==" | "!=" | "<" | "<=" | ">=")) => *p,
            Tok::Punct(">") if !self.no_gt => ">",
            _ => return Ok(e),
        };
        self.pos += 1;
        Ok(Expr::Bin(op, Box::new(e), Box::new(self.concat()?)))
    }

    pub(super) fn starts_operand(&self) -> bool {
        match self.peek() {
            Tok::Num(_) | Tok::Str(_) | Tok::Regex(_) | Tok::Func(_) => true,
            Tok::Ident(w) => !matches!(w.as_str(), "print" | "printf" | "BEGIN" | "END" | "in" | "getline"),
            Tok::Punct(p) => matches!(*p, "$" | "(" | "!" | "-" | "+"),
            _ => false,
        }
    }

    pub(super) fn concat(&mut self) -> PResult<Expr> {
        let mut e = self.additive()?;
        while self.starts_operand() && !self.is("-") && !self.is("+") && !self.is("!") {
            e = Expr::Concat(Box::new(e), Box::new(self.additive()?));
        }
        Ok(e)
    }

    pub(super) fn additive(&mut self) -> PResult<Expr> {
        let mut e = self.term()?;
        loop {
            let op = match self.peek() {
                Tok::Punct(p @ ("+" | "-")) => *p,
                _ => return Ok(e),
            };
            self.pos += 1;
            e = Expr::Bin(op, Box::new(e), Box::new(self.term()?));
        }
    }

    pub(super) fn term(&mut self) -> PResult<Expr> {
        let mut e = self.unary()?;
        loop {
            let op = match self.peek() {
                Tok::Punct(p @ ("*" | "/" | "%")) => *p,
                _ => return Ok(e),
            };
            self.pos += 1;
            e = Expr::Bin(op, Box::new(e), Box::new(self.unary()?));
        }
    }

    pub(super) fn unary(&mut self) -> PResult<Expr> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return self.err();
        }
        let r = if self.is("-") {
            self.pos += 1;
            self.unary().map(|e| Expr::Neg(Box::new(e)))
        } else if self.is("+") {
            self.pos += 1;
            self.unary()
                .map(|e| Expr::Bin("+", Box::new(Expr::Num(0.0)), Box::new(e)))
        } else if self.is("!") {
            self.pos += 1;
            self.unary().map(|e| Expr::Not(Box::new(e)))
        } else {
            self.primary()
        };
        self.depth -= 1;
        r
    }

    pub(super) fn primary(&mut self) -> PResult<Expr> {
        match self.next() {
            Tok::Num(n) => Ok(Expr::Num(n)),
            Tok::Str(s) => Ok(Expr::Str(s)),
            Tok::Regex(r) => match Regex::new(&r) {
                Ok(re) => Ok(Expr::Match(re)),
                Err(_) => {
                    self.pos -= 1;
                    self.err()
                }
            },
            Tok::Ident(w) if !matches!(w.as_str(), "print" | "printf" | "BEGIN" | "END" | "getline" | "in") => {
                if self.is("(") {
                    return self.err();
                }
                Ok(Expr::Var(w))
            }
            Tok::Punct("$") => {
                self.depth += 1;
                if self.depth > MAX_DEPTH {
                    return self.err();
                }
                let e = self.primary();
                self.depth -= 1;
                Ok(Expr::Field(Box::new(e?)))
            }
            Tok::Punct("(") => {
                let saved = self.no_gt;
                self.no_gt = false;
                let e = self.expr()?;
                self.no_gt = saved;
                self.expect(")")?;
                Ok(e)
            }
            Tok::Func(f) => {
                let mut args = Vec::new();
                if self.is("(") {
                    self.pos += 1;
                    let saved = self.no_gt;
                    self.no_gt = false;
                    if !self.is(")") {
                        loop {
                            args.push(self.expr()?);
                            if !self.is(",") {
                                break;
                            }
                            self.pos += 1;
                        }
                    }
                    self.no_gt = saved;
                    self.expect(")")?;
                } else if f != "length" {
                    return self.err();
                }
                let ok = match f.as_str() {
                    "length" => args.len() <= 1,
                    "substr" => args.len() == 2 || args.len() == 3,
                    "index" => args.len() == 2,
                    _ => args.len() == 1,
                };
                if !ok {
                    self.pos -= 1;
                    return self.err();
                }
                Ok(Expr::Call(f, args))
            }
            _ => {
                self.pos -= 1;
                self.err()
            }
        }
    }
}

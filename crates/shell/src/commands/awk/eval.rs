//! Runs parsed awk items over records: fields, variables, assignments and builtins.

use std::collections::HashMap;

use regex::Regex;

use super::parse::{Expr, Stmt};
use super::printf::sprintf;
use super::value::{truthy, Val};
use super::{split, MAX_STR};
use crate::exec::MAX_OUTPUT;

pub(super) struct State {
    pub(super) vars: HashMap<String, Val>,
    pub(super) fields: Vec<String>,
    pub(super) record: String,
    pub(super) nr: f64,
}

pub(super) fn run_action(st: &mut State, action: &Option<Vec<Stmt>>, out: &mut Vec<u8>) {
    let Some(stmts) = action else {
        out.extend_from_slice(st.record.as_bytes());
        out.push(b'\n');
        return;
    };
    for stmt in stmts {
        if out.len() > MAX_OUTPUT {
            return;
        }
        match stmt {
            Stmt::Print(args) => {
                if args.is_empty() {
                    out.extend_from_slice(st.record.as_bytes());
                } else {
                    for (i, a) in args.iter().enumerate() {
                        if i > 0 {
                            out.push(b' ');
                        }
                        let v = st.eval(a);
                        out.extend_from_slice(v.string().as_bytes());
                    }
                }
                out.push(b'\n');
            }
            Stmt::Printf(args) => {
                let vals: Vec<Val> = args.iter().map(|a| st.eval(a)).collect();
                let fmt = vals.first().map(Val::string).unwrap_or_default();
                out.extend_from_slice(sprintf(&fmt, vals.get(1..).unwrap_or_default()).as_bytes());
            }
            Stmt::Expr(e) => {
                st.eval(e);
            }
        }
    }
}

impl State {
    pub(super) fn fs(&self) -> String {
        self.vars.get("FS").map(Val::string).unwrap_or_else(|| " ".into())
    }

    pub(super) fn set_record(&mut self, line: String) {
        let fs = self.fs();
        self.fields = split(&line, &fs);
        self.record = line;
    }

    pub(super) fn field(&self, i: f64) -> Val {
        let i = i as i64;
        if i == 0 {
            return Val::Strnum(self.record.clone());
        }
        usize::try_from(i - 1)
            .ok()
            .and_then(|i| self.fields.get(i))
            .map_or(Val::Uninit, |f| Val::Strnum(f.clone()))
    }

    pub(super) fn set_field(&mut self, i: f64, v: String) {
        let i = i as i64;
        if i == 0 {
            self.set_record(v);
            return;
        }
        let Ok(idx) = usize::try_from(i - 1) else { return };
        if idx > 32 * 1024 {
            return;
        }
        while self.fields.len() <= idx {
            self.fields.push(String::new());
        }
        if let Some(f) = self.fields.get_mut(idx) {
            *f = v;
        }
        self.record = self.fields.join(" ");
    }

    pub(super) fn get_var(&self, name: &str) -> Val {
        match name {
            "NR" | "FNR" => Val::Num(self.nr),
            "NF" => Val::Num(self.fields.len() as f64),
            _ => self.vars.get(name).cloned().unwrap_or(Val::Uninit),
        }
    }

    pub(super) fn eval(&mut self, e: &Expr) -> Val {
        match e {
            Expr::Num(n) => Val::Num(*n),
            Expr::Str(s) => Val::Str(s.clone()),
            Expr::Match(re) => Val::Num(f64::from(u8::from(re.is_match(&self.record)))),
            Expr::Var(v) => self.get_var(v),
            Expr::Field(i) => {
                let i = self.eval(i).num();
                self.field(i)
            }
            Expr::Neg(e) => Val::Num(-self.eval(e).num()),
            Expr::Not(e) => {
                let v = self.eval(e);
                Val::Num(f64::from(u8::from(!truthy(&v))))
            }
            Expr::And(a, b) => {
                let r = truthy(&self.eval(a)) && truthy(&self.eval(b));
                Val::Num(f64::from(u8::from(r)))
            }
            Expr::Or(a, b) => {
                let r = truthy(&self.eval(a)) || truthy(&self.eval(b));
                Val::Num(f64::from(u8::from(r)))
            }
            Expr::Concat(a, b) => {
                let mut s = self.eval(a).string();
                let t = self.eval(b).string();
                s.push_str(&t);
                truncate(&mut s);
                Val::Str(s)
            }
            Expr::MatchOp(neg, a, b) => {
                let s = self.eval(a).string();
                let hit = match &**b {
                    Expr::Match(re) => re.is_match(&s),
                    other => {
                        let pat = self.eval(other).string();
                        Regex::new(&pat).is_ok_and(|re| re.is_match(&s))
                    }
                };
                Val::Num(f64::from(u8::from(hit != *neg)))
            }
            Expr::Bin(op, a, b) => {
                let x = self.eval(a);
                let y = self.eval(b);
                arith_or_compare(op, &x, &y)
            }
            Expr::Assign(op, lhs, rhs) => {
                let r = self.eval(rhs);
                let v = if *op == "=" {
                    r
                } else {
                    let cur = self.eval(lhs);
                    arith_or_compare(op.trim_end_matches('='), &cur, &r)
                };
                match &**lhs {
                    Expr::Var(name) => {
                        if name == "NR" {
                            self.nr = v.num();
                        } else {
                            self.vars.insert(name.clone(), v.clone());
                        }
                    }
                    Expr::Field(i) => {
                        let i = self.eval(i).num();
                        self.set_field(i, v.string());
                    }
                    _ => {}
                }
                v
            }
            Expr::Call(f, args) => {
                let vals: Vec<Val> = args.iter().map(|a| self.eval(a)).collect();
                let s = |i: usize| vals.get(i).map(Val::string).unwrap_or_default();
                match f.as_str() {
                    "length" => {
                        let t = if vals.is_empty() { self.record.clone() } else { s(0) };
                        Val::Num(t.chars().count() as f64)
                    }
                    "toupper" => Val::Str(s(0).to_uppercase()),
                    "tolower" => Val::Str(s(0).to_lowercase()),
                    "int" => Val::Num(vals.first().map_or(0.0, Val::num).trunc()),
                    "index" => {
                        let (h, n) = (s(0), s(1));
                        Val::Num(
                            h.find(&n)
                                .map_or(0.0, |b| h.get(..b).unwrap_or("").chars().count() as f64 + 1.0),
                        )
                    }
                    _ => {
                        let text = s(0);
                        let len = text.chars().count() as f64;
                        let start = vals.get(1).map_or(1.0, Val::num).round();
                        let end = match vals.get(2) {
                            Some(n) => start + n.num().round(),
                            None => len + 1.0,
                        };
                        let (a, b) = (start.max(1.0), end.min(len + 1.0));
                        if b <= a {
                            Val::Str(String::new())
                        } else {
                            Val::Str(text.chars().skip(a as usize - 1).take((b - a) as usize).collect())
                        }
                    }
                }
            }
        }
    }
}

pub(super) fn truncate(s: &mut String) {
    if s.len() > MAX_STR {
        let mut cut = MAX_STR;
        while !s.is_char_boundary(cut) {
            cut -= 1;
        }
        s.truncate(cut);
    }
}

pub(super) fn arith_or_compare(op: &str, x: &Val, y: &Val) -> Val {
    let b = |c: bool| Val::Num(f64::from(u8::from(c)));
    match op {
        "+" => Val::Num(x.num() + y.num()),
        "-" => Val::Num(x.num() - y.num()),
        "*" => Val::Num(x.num() * y.num()),
        "/" => Val::Num(x.num() / y.num()),
        "%" => Val::Num(x.num() % y.num()),
        _ => {
            let ord = if x.is_numeric() && y.is_numeric() {
                x.num().partial_cmp(&y.num())
            } else {
                Some(x.string().cmp(&y.string()))
            };
            let Some(ord) = ord else { return b(op == "!=") };
            b(match op {
                "==" => ord.is_eq(),
                "!=" => ord.is_ne(),
                "<" => ord.is_lt(),
                "<=" => ord.is_le(),
                ">" => ord.is_gt(),
                _ => ord.is_ge(),
            })
        }
    }
}

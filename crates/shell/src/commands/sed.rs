//! `sed` from GNU sed 4.9, a subset for bot one-liners: `s///` (flags `g`, `p`, `N`, `I`), `p`, `d`, `q`,
//! line/`$`/regex addresses and ranges, `-n`, `-e`, `-E`/`-r`, `-i` on the fake filesystem; BRE by default.

use regex::{Regex, RegexBuilder};

use super::{Command, Ctx};
use crate::fs::WriteMode;

/// The `sed` command.
pub struct Sed;

/// The most commands one script may hold.
const MAX_CMDS: usize = 256;

enum Addr {
    Line(usize),
    Last,
    Re(Regex),
}

enum Op {
    Subst {
        re: Regex,
        rep: String,
        global: bool,
        nth: usize,
        print: bool,
    },
    Print,
    Delete,
    Quit,
}

struct Cmd {
    a1: Option<Addr>,
    a2: Option<Addr>,
    op: Op,
    active: bool,
}

/// Translates a POSIX BRE (or ERE when `ere`) into `regex` crate syntax.
fn translate(pat: &str, ere: bool) -> String {
    let mut out = String::new();
    let mut chars = pat.chars().peekable();
    let mut in_bracket = false;
    while let Some(c) = chars.next() {
        if in_bracket {
            if c == ']' {
                in_bracket = false;
            }
            if c == '[' || c == '\\' {
                out.push('\\');
            }
            out.push(c);
            continue;
        }
        match c {
            '[' => {
                in_bracket = true;
                out.push('[');
                if chars.peek() == Some(&'^') {
                    out.push('^');
                    chars.next();
                }
                if chars.peek() == Some(&']') {
                    out.push_str("\\]");
                    chars.next();
                }
            }
            '\\' => match chars.next() {
                Some(n @ ('(' | ')' | '{' | '}' | '|' | '+' | '?')) if !ere => out.push(n),
                Some('n') => out.push_str("\\n"),
                Some('t') => out.push_str("\\t"),
                Some(n @ ('w' | 'W' | 's' | 'S' | 'b' | 'B')) => {
                    out.push('\\');
                    out.push(n);
                }
                Some(n) => out.push_str(&regex::escape(&n.to_string())),
                None => out.push_str("\\\\"),
            },
            '(' | ')' | '{' | '}' | '|' | '+' | '?' if !ere => {
                out.push('\\');
                out.push(c);
            }
            _ => out.push(c),
        }
    }
    out
}

struct Parser<'a> {
    s: Vec<char>,
    i: usize,
    ere: bool,
    expr: usize,
    _p: std::marker::PhantomData<&'a ()>,
}

impl Parser<'_> {
    fn err(&self, msg: &str) -> String {
        format!("sed: -e expression #{}, char {}: {msg}\n", self.expr, self.i)
    }

    fn peek(&self) -> Option<char> {
        self.s.get(self.i).copied()
    }

    fn bump(&mut self) -> Option<char> {
        let c = self.peek();
        if c.is_some() {
            self.i += 1;
        }
        c
    }

    /// Reads up to the unescaped `delim`; `None` if unterminated.
    fn until(&mut self, delim: char) -> Option<String> {
        let mut out = String::new();
        loop {
            let c = self.bump()?;
            if c == delim {
                return Some(out);
            }
            if c == '\\' {
                let n = self.bump()?;
                if n != delim {
                    out.push('\\');
                }
                out.push(n);
            } else {
                out.push(c);
            }
        }
    }

    fn regex(&self, pat: &str, icase: bool) -> Result<Regex, String> {
        RegexBuilder::new(&translate(pat, self.ere))
            .case_insensitive(icase)
            .size_limit(1 << 20)
            .build()
            .map_err(|_| self.err("Invalid preceding regular expression"))
    }

    fn addr(&mut self) -> Result<Option<Addr>, String> {
        match self.peek() {
            Some(c) if c.is_ascii_digit() => {
                let mut n = 0usize;
                while let Some(d) = self.peek().and_then(|c| c.to_digit(10)) {
                    n = n.saturating_mul(10).saturating_add(d as usize);
                    self.i += 1;
                }
                Ok(Some(Addr::Line(n)))
            }
            Some('$') => {
                self.i += 1;
                Ok(Some(Addr::Last))
            }
            Some('/') => {
                self.i += 1;
                let pat = self.until('/').ok_or_else(|| self.err("unterminated address regex"))?;
                let mut icase = false;
                if self.peek() == Some('I') {
                    self.i += 1;
                    icase = true;
                }
                Ok(Some(Addr::Re(self.regex(&pat, icase)?)))
            }
            _ => Ok(None),
        }
    }

    fn parse(&mut self, cmds: &mut Vec<Cmd>) -> Result<(), String> {
        loop {
            while matches!(self.peek(), Some(' ' | '\t' | '\n' | ';')) {
                self.i += 1;
            }
            if self.peek().is_none() {
                return Ok(());
            }
            if cmds.len() >= MAX_CMDS {
                return Err(self.err("too many commands"));
            }
            let a1 = self.addr()?;
            let mut a2 = None;
            if a1.is_some() && self.peek() == Some(',') {
                self.i += 1;
                a2 = self.addr()?;
                if a2.is_none() {
                    self.i += 1;
                    return Err(self.err("unexpected `,'"));
                }
            }
            while matches!(self.peek(), Some(' ' | '\t')) {
                self.i += 1;
            }
            let Some(c) = self.bump() else {
                return Err(self.err("missing command"));
            };
            let op = match c {
                'p' => Op::Print,
                'd' => Op::Delete,
                'q' => Op::Quit,
                's' => self.subst()?,
                _ => return Err(self.err(&format!("unknown command: `{c}'"))),
            };
            while matches!(self.peek(), Some(' ' | '\t')) {
                self.i += 1;
            }
            match self.peek() {
                None | Some(';' | '\n' | '}') => {}
                Some(_) => {
                    self.i += 1;
                    return Err(self.err("extra characters after command"));
                }
            }
            cmds.push(Cmd {
                a1,
                a2,
                op,
                active: false,
            });
        }
    }

    fn subst(&mut self) -> Result<Op, String> {
        let Some(delim) = self.bump() else {
            return Err(self.err("unterminated `s' command"));
        };
        let pat = self.until(delim).ok_or_else(|| self.err("unterminated `s' command"))?;
        let rep = self.until(delim).ok_or_else(|| self.err("unterminated `s' command"))?;
        let (mut global, mut nth, mut print, mut icase) = (false, 1usize, false, false);
        while let Some(f) = self.peek() {
            match f {
                'g' => global = true,
                'p' => print = true,
                'I' | 'i' => icase = true,
                d if d.is_ascii_digit() => {
                    nth = 0;
                    while let Some(v) = self.peek().and_then(|c| c.to_digit(10)) {
                        nth = nth.saturating_mul(10).saturating_add(v as usize);
                        self.i += 1;
                    }
                    if nth == 0 {
                        return Err(self.err("number option to `s' command may not be zero"));
                    }
                    continue;
                }
                _ => break,
            }
            self.i += 1;
        }
        let re = self.regex(&pat, icase)?;
        Ok(Op::Subst {
            re,
            rep,
            global,
            nth,
            print,
        })
    }
}

/// Expands `&`, `\1`..`\9`, `\n` in a replacement.
fn expand(rep: &str, caps: &regex::Captures, out: &mut String) {
    let mut chars = rep.chars();
    while let Some(c) = chars.next() {
        match c {
            '&' => out.push_str(caps.get(0).map_or("", |m| m.as_str())),
            '\\' => match chars.next() {
                Some(d @ '0'..='9') => {
                    let i = d as usize - '0' as usize;
                    out.push_str(caps.get(i).map_or("", |m| m.as_str()));
                }
                Some('n') => out.push('\n'),
                Some('t') => out.push('\t'),
                Some(o) => out.push(o),
                None => {}
            },
            _ => out.push(c),
        }
    }
}

fn substitute(re: &Regex, rep: &str, global: bool, nth: usize, line: &str) -> Option<String> {
    let mut out = String::new();
    let mut last = 0;
    let mut done = false;
    for (count, caps) in re.captures_iter(line).enumerate() {
        let Some(m) = caps.get(0) else { continue };
        if count + 1 < nth {
            continue;
        }
        out.push_str(line.get(last..m.start()).unwrap_or(""));
        expand(rep, &caps, &mut out);
        last = m.end();
        done = true;
        if !global {
            break;
        }
    }
    if !done {
        return None;
    }
    out.push_str(line.get(last..).unwrap_or(""));
    Some(out)
}

fn matches(a: &Addr, n: usize, last: bool, line: &str) -> bool {
    match a {
        Addr::Line(l) => *l == n,
        Addr::Last => last,
        Addr::Re(r) => r.is_match(line),
    }
}

/// Runs the script over `input`; returns the output and whether `q` was hit.
fn execute(cmds: &mut [Cmd], input: &str, quiet: bool, out: &mut String) {
    let lines: Vec<&str> = input.split_inclusive('\n').collect();
    let total = lines.len();
    'lines: for (idx, raw) in lines.iter().enumerate() {
        let n = idx + 1;
        let last = n == total;
        let (body, nl) = match raw.strip_suffix('\n') {
            Some(b) => (b, "\n"),
            None => (*raw, ""),
        };
        let mut pat = body.to_string();
        for cmd in cmds.iter_mut() {
            let selected = match (&cmd.a1, &cmd.a2) {
                (None, _) => true,
                (Some(a), None) => matches(a, n, last, &pat),
                (Some(a), Some(b)) => {
                    if cmd.active {
                        let end = match b {
                            Addr::Line(l) => n >= *l,
                            other => matches(other, n, last, &pat),
                        };
                        if end {
                            cmd.active = false;
                        }
                        true
                    } else if matches(a, n, last, &pat) {
                        let end_now = match b {
                            Addr::Line(l) => *l <= n,
                            _ => false,
                        };
                        cmd.active = !end_now;
                        true
                    } else {
                        false
                    }
                }
            };
            if !selected {
                continue;
            }
            match &cmd.op {
                Op::Print => {
                    out.push_str(&pat);
                    out.push('\n');
                }
                Op::Delete => continue 'lines,
                Op::Quit => {
                    if !quiet {
                        out.push_str(&pat);
                        out.push_str(nl);
                    }
                    return;
                }
                Op::Subst {
                    re,
                    rep,
                    global,
                    nth,
                    print,
                } => {
                    if let Some(new) = substitute(re, rep, *global, *nth, &pat) {
                        pat = new;
                        if *print {
                            out.push_str(&pat);
                            out.push('\n');
                        }
                    }
                }
            }
            if out.len() > crate::exec::MAX_OUTPUT {
                return;
            }
        }
        if !quiet {
            out.push_str(&pat);
            out.push_str(nl);
        }
    }
}

impl Command for Sed {
    fn names(&self) -> &'static [&'static str] {
        &["sed", "/bin/sed", "/usr/bin/sed"]
    }

    fn run(&self, ctx: &mut Ctx, args: &[String], stdin: &[u8]) -> i32 {
        let (mut quiet, mut ere, mut inplace) = (false, false, false);
        let mut scripts: Vec<String> = Vec::new();
        let mut operands: Vec<String> = Vec::new();
        let mut it = args.iter().skip(1);
        while let Some(a) = it.next() {
            if a == "-" || !a.starts_with('-') {
                operands.push(a.clone());
                continue;
            }
            match a.as_str() {
                "--expression" => match it.next() {
                    Some(s) => scripts.push(s.clone()),
                    None => return usage(ctx),
                },
                "--quiet" | "--silent" => quiet = true,
                "--regexp-extended" => ere = true,
                "--in-place" => inplace = true,
                "--posix" | "--debug" | "--sandbox" | "--unbuffered" => {}
                _ if a.starts_with("--") => {
                    ctx.err(format!("sed: unrecognized option '{a}'\n"));
                    return usage(ctx);
                }
                _ => {
                    let flags: Vec<char> = a.chars().skip(1).collect();
                    for (k, f) in flags.iter().enumerate() {
                        match f {
                            'n' => quiet = true,
                            'E' | 'r' => ere = true,
                            'i' => {
                                inplace = true;
                                break;
                            }
                            's' | 'u' | 'z' => {}
                            'e' => {
                                let rest: String = flags.iter().skip(k + 1).collect();
                                if !rest.is_empty() {
                                    scripts.push(rest);
                                } else if let Some(s) = it.next() {
                                    scripts.push(s.clone());
                                } else {
                                    ctx.err("sed: option requires an argument -- 'e'\n");
                                    return usage(ctx);
                                }
                                break;
                            }
                            c => {
                                ctx.err(format!("sed: invalid option -- '{c}'\n"));
                                return usage(ctx);
                            }
                        }
                    }
                }
            }
        }
        if scripts.is_empty() {
            if operands.is_empty() {
                return usage(ctx);
            }
            scripts.push(operands.remove(0));
        }
        let mut cmds = Vec::new();
        for (k, s) in scripts.iter().enumerate() {
            let mut p = Parser {
                s: s.chars().collect(),
                i: 0,
                ere,
                expr: k + 1,
                _p: std::marker::PhantomData,
            };
            if let Err(e) = p.parse(&mut cmds) {
                ctx.err(e);
                return 1;
            }
        }
        if inplace {
            if operands.is_empty() {
                ctx.err("sed: no input files\n");
                return 1;
            }
            let mut status = 0;
            for f in &operands {
                match ctx.session.read_file(f) {
                    Ok(bytes) => {
                        let mut out = String::new();
                        for c in cmds.iter_mut() {
                            c.active = false;
                        }
                        execute(&mut cmds, &String::from_utf8_lossy(&bytes), quiet, &mut out);
                        let cwd = ctx.session.cwd().to_string();
                        if let Err(e) = ctx.session.fs_mut().write(&cwd, f, out.as_bytes(), WriteMode::Truncate) {
                            ctx.err(format!("sed: couldn't open file {f}: {}\n", e.message()));
                            status = 4;
                        }
                    }
                    Err(e) => {
                        ctx.err(format!("sed: can't read {f}: {}\n", e.message()));
                        status = 2;
                    }
                }
            }
            return status;
        }
        let mut input = Vec::new();
        let mut status = 0;
        if operands.is_empty() {
            input.extend_from_slice(stdin);
        }
        for f in &operands {
            if f == "-" {
                input.extend_from_slice(stdin);
                continue;
            }
            match ctx.session.read_file(f) {
                Ok(bytes) => {
                    input.extend_from_slice(&bytes);
                    if !bytes.is_empty() && !bytes.ends_with(b"\n") {
                        input.push(b'\n');
                    }
                }
                Err(e) => {
                    ctx.err(format!("sed: can't read {f}: {}\n", e.message()));
                    status = 2;
                }
            }
        }
        if !operands.is_empty() && input.ends_with(b"\n") {
            if let Some(last) = operands.last() {
                if let Ok(b) = ctx.session.read_file(last) {
                    if !b.is_empty() && !b.ends_with(b"\n") {
                        input.pop();
                    }
                }
            }
        }
        let mut out = String::new();
        execute(&mut cmds, &String::from_utf8_lossy(&input), quiet, &mut out);
        ctx.out(out);
        status
    }
}

fn usage(ctx: &mut Ctx) -> i32 {
    ctx.err("Usage: sed [OPTION]... {script-only-if-no-other-script} [input-file]...\n\n");
    1
}

#[cfg(test)]
mod tests {
    use crate::commands::testing::{check, check_in, session};

    #[test]
    fn substitute() {
        check("echo hello world | sed s/o/0/", "hell0 world\n", "", 0);
        check("echo hello world | sed 's/o/0/g'", "hell0 w0rld\n", "", 0);
        check("echo hello world | sed 's/o/0/2'", "hello w0rld\n", "", 0);
        check("echo Hello | sed 's/h/J/I'", "Jello\n", "", 0);
        check("echo a/b | sed 's|/|:|'", "a:b\n", "", 0);
        check("echo abc | sed 's/b/[&]/'", "a[b]c\n", "", 0);
        check("echo abc | sed 's/\\(a\\)\\(b\\)/\\2\\1/'", "bac\n", "", 0);
        check("echo abc | sed -E 's/(a)(b)/\\2\\1/'", "bac\n", "", 0);
        check("echo 'a+b' | sed 's/a+/X/'", "Xb\n", "", 0);
        check("echo aab | sed -r 's/a+/X/'", "Xb\n", "", 0);
        check("printf 'a\\nb\\n' | sed -n 's/a/X/p'", "X\n", "", 0);
    }

    #[test]
    fn addresses() {
        check("printf '1\\n2\\n3\\n' | sed 2d", "1\n3\n", "", 0);
        check("printf '1\\n2\\n3\\n' | sed '$d'", "1\n2\n", "", 0);
        check("printf '1\\n2\\n3\\n' | sed -n '1,2p'", "1\n2\n", "", 0);
        check("printf '1\\n2\\n3\\n' | sed -n '$p'", "3\n", "", 0);
        check("printf 'ab\\ncd\\n' | sed '/c/d'", "ab\n", "", 0);
        check("printf '1\\n2\\n3\\n' | sed 2q", "1\n2\n", "", 0);
        check("printf '1\\n2\\n3\\n' | sed -e 1d -e 's/3/x/'", "2\nx\n", "", 0);
        check("printf '1\\n2\\n3\\n' | sed '1d;s/3/x/'", "2\nx\n", "", 0);
        check("printf '1\\n2' | sed p", "1\n1\n2\n2", "", 0);
    }

    #[test]
    fn files_and_errors() {
        let mut s = session();
        check_in(
            &mut s,
            "echo foo > /tmp/f; sed -i s/foo/bar/ /tmp/f; cat /tmp/f",
            "bar\n",
            "",
            0,
        );
        check(
            "sed p /nope",
            "",
            "sed: can't read /nope: No such file or directory\n",
            2,
        );
        check(
            "echo a | sed k",
            "",
            "sed: -e expression #1, char 1: unknown command: `k'\n",
            1,
        );
        check(
            "echo a | sed -e p -e 'p;k'",
            "",
            "sed: -e expression #2, char 3: unknown command: `k'\n",
            1,
        );
        check(
            "echo a | sed 's/a/b'",
            "",
            "sed: -e expression #1, char 5: unterminated `s' command\n",
            1,
        );
    }
}

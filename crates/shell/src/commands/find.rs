//! `find` from findutils, the subset attackers use: start paths, `-name`/`-iname`, `-type`, `-maxdepth`,
//! `-mindepth`, `-perm` (exact, `-MODE`, `/MODE`), `-user`, `!`/`-not`, `-print`; tests are ANDed.

use super::ls::{join, user_name};
use super::{prog, Command, Ctx};
use crate::fs::{Kind, Stat};

/// The `find` command.
pub struct Find;

/// Most nodes one walk visits.
const MAX_NODES: usize = 200_000;

/// Deepest directory nesting walked.
const MAX_DEPTH: usize = 64;

/// One test of the expression.
enum Test {
    Name(String, bool),
    Type(Kind),
    Perm(u32, char),
    User(String),
    Not(Box<Test>),
}

/// Shell-style glob match of `name` against `pat` (`*`, `?`, `[...]`), iterative with bounded backtracking.
pub(crate) fn glob(pat: &[char], name: &[char]) -> bool {
    let (mut p, mut n) = (0usize, 0usize);
    let mut star: Option<(usize, usize)> = None;
    let mut steps = 0usize;
    while n < name.len() {
        steps += 1;
        if steps > 100_000 {
            return false;
        }
        match pat.get(p) {
            Some('*') => {
                star = Some((p, n));
                p += 1;
                continue;
            }
            Some('?') => {
                p += 1;
                n += 1;
                continue;
            }
            Some('[') => {
                if let Some((ok, len)) = class(&pat[p..], name.get(n).copied().unwrap_or('\0')) {
                    if ok {
                        p += len;
                        n += 1;
                        continue;
                    }
                } else if name.get(n) == Some(&'[') {
                    p += 1;
                    n += 1;
                    continue;
                }
            }
            Some('\\') if pat.get(p + 1) == name.get(n) => {
                p += 2;
                n += 1;
                continue;
            }
            Some(c) if Some(c) == name.get(n) => {
                p += 1;
                n += 1;
                continue;
            }
            _ => {}
        }
        match star {
            Some((sp, sn)) => {
                p = sp + 1;
                n = sn + 1;
                star = Some((sp, sn + 1));
            }
            None => return false,
        }
    }
    pat.get(p..).is_some_and(|rest| rest.iter().all(|&c| c == '*'))
}

/// Matches a `[...]` class at the start of `pat`; returns (matched, length of the class) or `None` if unterminated.
fn class(pat: &[char], c: char) -> Option<(bool, usize)> {
    let mut i = 1;
    let negate = matches!(pat.get(1), Some('!' | '^'));
    if negate {
        i += 1;
    }
    let mut matched = false;
    let mut first = true;
    loop {
        let ch = *pat.get(i)?;
        if ch == ']' && !first {
            return Some((matched != negate, i + 1));
        }
        first = false;
        if pat.get(i + 1) == Some(&'-') && pat.get(i + 2).is_some_and(|&e| e != ']') {
            let end = *pat.get(i + 2)?;
            matched |= ch <= c && c <= end;
            i += 3;
        } else {
            matched |= ch == c;
            i += 1;
        }
    }
}

impl Test {
    fn eval(&self, ctx: &Ctx, name: &str, st: &Stat) -> bool {
        match self {
            Test::Name(pat, fold) => {
                let (pat, name) = if *fold {
                    (pat.to_lowercase(), name.to_lowercase())
                } else {
                    (pat.clone(), name.to_owned())
                };
                let p: Vec<char> = pat.chars().collect();
                let n: Vec<char> = name.chars().collect();
                glob(&p, &n)
            }
            Test::Type(k) => st.kind == *k,
            Test::Perm(m, '-') => st.mode & m == *m,
            Test::Perm(m, '/') => *m == 0 || st.mode & m != 0,
            Test::Perm(m, _) => st.mode & 0o7777 == *m,
            Test::User(u) => user_name(ctx.session, st.uid) == *u || st.uid.to_string() == *u,
            Test::Not(t) => !t.eval(ctx, name, st),
        }
    }
}

impl Command for Find {
    fn names(&self) -> &'static [&'static str] {
        &["find", "/bin/find", "/usr/bin/find"]
    }

    fn run(&self, ctx: &mut Ctx, args: &[String], _stdin: &[u8]) -> i32 {
        let p = prog(args).to_owned();
        let rest = args.get(1..).unwrap_or_default();
        let split = rest
            .iter()
            .position(|a| a.starts_with('-') && a.len() > 1 || a == "!" || a == "(")
            .unwrap_or(rest.len());
        let (starts, expr) = rest.split_at(split);
        let mut tests = Vec::new();
        let (mut maxdepth, mut mindepth) = (usize::MAX, 0usize);
        let mut negate = false;
        let mut it = expr.iter();
        while let Some(arg) = it.next() {
            let needs = matches!(
                arg.as_str(),
                "-name" | "-iname" | "-type" | "-maxdepth" | "-mindepth" | "-perm" | "-user"
            );
            let value = if needs {
                match it.next() {
                    Some(v) => v.as_str(),
                    None => {
                        ctx.err(format!("{p}: missing argument to `{arg}'\n"));
                        return 1;
                    }
                }
            } else {
                ""
            };
            let test = match arg.as_str() {
                "!" | "-not" => {
                    negate = !negate;
                    continue;
                }
                "-print" | "-a" | "-and" | "-xdev" | "-mount" | "-depth" => continue,
                "-name" => Test::Name(value.to_owned(), false),
                "-iname" => Test::Name(value.to_owned(), true),
                "-type" => Test::Type(match value {
                    "f" => Kind::File,
                    "d" => Kind::Dir,
                    "l" => Kind::Symlink,
                    "c" => Kind::CharDevice,
                    "b" => Kind::BlockDevice,
                    _ => {
                        ctx.err(format!("{p}: Unknown argument to -type: {value}\n"));
                        return 1;
                    }
                }),
                "-maxdepth" | "-mindepth" => {
                    let Ok(n) = value.parse::<usize>() else {
                        ctx.err(format!(
                            "{p}: Expected a positive decimal integer argument to {arg}, but got ‘{value}’\n"
                        ));
                        return 1;
                    };
                    if arg == "-maxdepth" {
                        maxdepth = n;
                    } else {
                        mindepth = n;
                    }
                    continue;
                }
                "-perm" => {
                    let (kind, digits) = match value.chars().next() {
                        Some(c @ ('-' | '/')) => (c, &value[1..]),
                        _ => ('=', value),
                    };
                    match super::chmod::apply_mode(digits, 0, false) {
                        Some(m) if !digits.is_empty() => Test::Perm(m, kind),
                        _ => {
                            ctx.err(format!("{p}: invalid mode ‘{value}’\n"));
                            return 1;
                        }
                    }
                }
                "-user" => Test::User(value.to_owned()),
                other => {
                    ctx.err(format!("{p}: unknown predicate `{other}'\n"));
                    return 1;
                }
            };
            tests.push(if std::mem::take(&mut negate) {
                Test::Not(Box::new(test))
            } else {
                test
            });
        }
        let starts: Vec<&str> = if starts.is_empty() {
            vec!["."]
        } else {
            starts.iter().map(String::as_str).collect()
        };
        let mut status = 0;
        let mut out = String::new();
        let mut budget = MAX_NODES;
        for start in starts {
            let s = &*ctx.session;
            let st = match s.fs.lstat(&s.cwd, start) {
                Ok(st) => st,
                Err(e) => {
                    ctx.err(format!("{p}: ‘{start}’: {}\n", e.message()));
                    status = 1;
                    continue;
                }
            };
            // A start path that is a symlink to a directory is not followed (-P), except with a trailing slash.
            let st = if start.ends_with('/') {
                s.fs.stat(&s.cwd, start).unwrap_or(st)
            } else {
                st
            };
            let mut stack = vec![(start.to_owned(), super::ls::base_name(start).to_owned(), st, 0usize)];
            while let Some((path, name, st, depth)) = stack.pop() {
                if budget == 0 || out.len() > crate::exec::MAX_OUTPUT {
                    break;
                }
                budget -= 1;
                if depth >= mindepth && tests.iter().all(|t| t.eval(ctx, &name, &st)) {
                    out.push_str(&path);
                    out.push('\n');
                }
                if st.kind == Kind::Dir && depth < maxdepth && depth < MAX_DEPTH {
                    let s = &*ctx.session;
                    if let Ok(list) = s.fs.list(&s.cwd, &path) {
                        for e in list.into_iter().rev() {
                            stack.push((join(&path, &e.name), e.name, e.stat, depth + 1));
                        }
                    }
                }
            }
        }
        ctx.out(out);
        status
    }
}

#[cfg(test)]
mod tests {
    use super::glob;
    use crate::commands::testing::{check, check_in, session};

    #[test]
    fn globs() {
        let cases: &[(&str, &str, bool)] = &[
            ("*.sh", "a.sh", true),
            ("*.sh", "a.shx", false),
            ("a?c", "abc", true),
            ("[a-c]x", "bx", true),
            ("[!a-c]x", "bx", false),
            ("*", "", true),
            ("*a*b*", "xaxxbx", true),
        ];
        for (p, n, want) in cases {
            let p: Vec<char> = p.chars().collect();
            let n: Vec<char> = n.chars().collect();
            assert_eq!(glob(&p, &n), *want);
        }
    }

    #[test]
    fn find() {
        let mut s = session();
        check_in(
            &mut s,
            "mkdir -p /tmp/a/b; touch /tmp/a/x.sh /tmp/a/b/y.sh; chmod 4755 /tmp/a/x.sh",
            "",
            "",
            0,
        );
        check_in(
            &mut s,
            "find /tmp",
            "/tmp\n/tmp/a\n/tmp/a/b\n/tmp/a/b/y.sh\n/tmp/a/x.sh\n",
            "",
            0,
        );
        check_in(
            &mut s,
            "cd /tmp; find . -name '*.sh' -type f",
            "./a/b/y.sh\n./a/x.sh\n",
            "",
            0,
        );
        check_in(&mut s, "find /tmp -maxdepth 1", "/tmp\n/tmp/a\n", "", 0);
        check_in(&mut s, "find /tmp -perm -4000", "/tmp/a/x.sh\n", "", 0);
        check_in(&mut s, "find /tmp/a ! -type d", "/tmp/a/b/y.sh\n/tmp/a/x.sh\n", "", 0);
        check("find /nope", "", "find: ‘/nope’: No such file or directory\n", 1);
        check("find / -type x", "", "find: Unknown argument to -type: x\n", 1);
        check("find -name", "", "find: missing argument to `-name'\n", 1);
        check("find / -foo", "", "find: unknown predicate `-foo'\n", 1);
    }
}

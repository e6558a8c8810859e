//! `lsattr` from e2fsprogs 1.47: the 22-column attribute flags of files, directory contents, `-d`, `-a`, `-R`.

use super::chattr::{attrs_of, render};
use super::ls::join;
use super::{prog, Command, Ctx};
use crate::fs::Kind;

/// The `lsattr` command.
pub struct Lsattr;

/// Most lines one invocation prints.
const MAX_LINES: usize = 50_000;

impl Command for Lsattr {
    fn names(&self) -> &'static [&'static str] {
        &["lsattr", "/bin/lsattr", "/usr/bin/lsattr"]
    }

    fn run(&self, ctx: &mut Ctx, args: &[String], _stdin: &[u8]) -> i32 {
        let p = prog(args).to_owned();
        let (mut dirs_only, mut all, mut recursive) = (false, false, false);
        let mut files: Vec<&str> = Vec::new();
        for arg in args.iter().skip(1) {
            match arg.strip_prefix('-') {
                Some(flags) if !flags.is_empty() => {
                    for c in flags.chars() {
                        match c {
                            'd' => dirs_only = true,
                            'a' => all = true,
                            'R' => recursive = true,
                            'l' | 'v' | 'p' => {}
                            _ => {
                                ctx.err(format!(
                                    "{p}: invalid option -- '{c}'\nUsage: {p} [-RVadlpv] [files...]\n"
                                ));
                                return 1;
                            }
                        }
                    }
                }
                _ => files.push(arg),
            }
        }
        let mut out = String::new();
        let mut errs = String::new();
        let mut status = 0;
        let mut lines = 0usize;
        let implicit = files.is_empty();
        if implicit {
            files.push(".");
        }
        for file in files {
            let s = &*ctx.session;
            let st = match s.fs.stat(&s.cwd, file) {
                Ok(st) => st,
                Err(e) => {
                    ctx.err(format!("{p}: {} while trying to stat {file}\n", e.message()));
                    status = 1;
                    continue;
                }
            };
            if st.kind != Kind::Dir || dirs_only {
                out.push_str(&format!("{} {file}\n", render(&attrs_of(s, file, st.kind))));
                continue;
            }
            let mut stack = vec![(file.to_owned(), 0usize)];
            while let Some((dir, depth)) = stack.pop() {
                let Ok(list) = s.fs.list(&s.cwd, &dir) else { continue };
                let mut subdirs = Vec::new();
                if depth > 0 {
                    out.push_str(&format!("\n{dir}:\n"));
                }
                for e in list {
                    if e.name.starts_with('.') && !all {
                        continue;
                    }
                    lines += 1;
                    if lines > MAX_LINES {
                        break;
                    }
                    let path = if implicit && depth == 0 {
                        format!("./{}", e.name)
                    } else {
                        join(&dir, &e.name)
                    };
                    if matches!(e.stat.kind, Kind::File | Kind::Dir) {
                        out.push_str(&format!("{} {path}\n", render(&attrs_of(s, &path, e.stat.kind))));
                    } else {
                        errs.push_str(&format!("{p}: Operation not supported While reading flags on {path}\n"));
                    }
                    if recursive && e.stat.kind == Kind::Dir && depth < 32 {
                        subdirs.push((path, depth + 1));
                    }
                }
                stack.extend(subdirs.into_iter().rev());
            }
        }
        ctx.out(out);
        ctx.err(errs);
        status
    }
}

#[cfg(test)]
mod tests {
    use crate::commands::testing::{check, check_in, session};

    #[test]
    fn lsattr() {
        let mut s = session();
        check_in(
            &mut s,
            "cd /etc; lsattr",
            "--------------e------- ./hostname\n--------------e------- ./passwd\n",
            "",
            0,
        );
        check_in(&mut s, "lsattr -d /etc", "--------------e------- /etc\n", "", 0);
        check(
            "lsattr /nope",
            "",
            "lsattr: No such file or directory while trying to stat /nope\n",
            1,
        );
    }
}

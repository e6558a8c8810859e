//! `cd`, the bash builtin: logical paths, `cd` alone to `$HOME`, `cd -` to `$OLDPWD` (printing it).

use super::{Command, Ctx};
use crate::fs::Kind;

/// The `cd` builtin.
pub struct Cd;

impl Command for Cd {
    fn names(&self) -> &'static [&'static str] {
        &["cd"]
    }

    fn run(&self, ctx: &mut Ctx, args: &[String], _stdin: &[u8]) -> i32 {
        let mut operands = &args[1.min(args.len())..];
        if operands.first().is_some_and(|a| a == "--") {
            operands = &operands[1..];
        }
        if operands.len() > 1 {
            ctx.err("bash: cd: too many arguments\n");
            return 1;
        }
        let s = &*ctx.session;
        let (target, print) = match operands.first().map(String::as_str) {
            None => match s.lookup_var("HOME") {
                Some(home) => (home, false),
                None => {
                    ctx.err("bash: cd: HOME not set\n");
                    return 1;
                }
            },
            Some("-") => match s.lookup_var("OLDPWD") {
                Some(old) if !old.is_empty() => (old, true),
                _ => {
                    ctx.err("bash: cd: OLDPWD not set\n");
                    return 1;
                }
            },
            Some(dir) => (dir.to_owned(), false),
        };
        if target.is_empty() {
            return 0;
        }
        let logical = normalize(&s.cwd, &target);
        match s.fs.stat("/", &logical) {
            Ok(st) if st.kind == Kind::Dir => {
                ctx.session.set_cwd(logical.clone());
                if print {
                    ctx.out(format!("{logical}\n"));
                }
                0
            }
            Ok(_) => {
                ctx.err(format!("bash: cd: {target}: Not a directory\n"));
                1
            }
            Err(e) => {
                ctx.err(format!("bash: cd: {target}: {}\n", e.message()));
                1
            }
        }
    }
}

/// Joins `path` to `cwd` and removes `.` and `..` textually, as bash's logical `cd` does.
pub(crate) fn normalize(cwd: &str, path: &str) -> String {
    let joined = if path.starts_with('/') {
        path.to_owned()
    } else {
        format!("{cwd}/{path}")
    };
    let mut parts: Vec<&str> = Vec::new();
    for comp in joined.split('/') {
        match comp {
            "" | "." => {}
            ".." => {
                parts.pop();
            }
            c => parts.push(c),
        }
    }
    format!("/{}", parts.join("/"))
}

#[cfg(test)]
mod tests {
    use crate::commands::testing::{check, check_in, session};

    #[test]
    fn cd() {
        check("cd /nope", "", "bash: cd: /nope: No such file or directory\n", 1);
        check("cd /etc/passwd", "", "bash: cd: /etc/passwd: Not a directory\n", 1);
        check("cd a b", "", "bash: cd: too many arguments\n", 1);
        check("cd /tmp/../etc/.; pwd", "/etc\n", "", 0);
        check("cd /tmp; cd; pwd", "/root\n", "", 0);
        check("cd -", "", "bash: cd: OLDPWD not set\n", 1);
        check("cd ~; pwd", "/root\n", "", 0);
        let mut s = session();
        check_in(&mut s, "cd /tmp", "", "", 0);
        check_in(&mut s, "cd /etc", "", "", 0);
        check_in(&mut s, "cd -", "/tmp\n", "", 0);
        check_in(&mut s, "echo $PWD $OLDPWD", "/tmp /etc\n", "", 0);
    }
}

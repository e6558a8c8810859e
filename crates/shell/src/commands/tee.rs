//! `tee` from coreutils: copies stdin to stdout and to each file in the overlay, `-a` to append.

use super::{prog, Command, Ctx};
use crate::fs::WriteMode;

/// The `tee` command.
pub struct Tee;

impl Command for Tee {
    fn names(&self) -> &'static [&'static str] {
        &["tee", "/bin/tee", "/usr/bin/tee"]
    }

    fn run(&self, ctx: &mut Ctx, args: &[String], stdin: &[u8]) -> i32 {
        let p = prog(args).to_owned();
        let mut append = false;
        let mut files = Vec::new();
        let mut done = false;
        for a in args.iter().skip(1) {
            if done || a == "-" || !a.starts_with('-') {
                files.push(a.clone());
            } else if a == "--" {
                done = true;
            } else if a == "--append" {
                append = true;
            } else if a == "--ignore-interrupts" {
            } else if a.starts_with("--") {
                return ctx.invalid_option(&p, a);
            } else if let Some(c) = a.chars().skip(1).find(|c| !matches!(c, 'a' | 'i' | 'p')) {
                return ctx.invalid_option(&p, &format!("-{c}"));
            } else if a.contains('a') {
                append = true;
            }
        }
        ctx.out(stdin);
        let mut status = 0;
        for f in files {
            if f == "-" {
                ctx.out(stdin);
                continue;
            }
            let cwd = ctx.session.cwd.clone();
            let m = if append { WriteMode::Append } else { WriteMode::Truncate };
            if let Err(e) = ctx.session.fs.write(&cwd, &f, stdin, m) {
                ctx.err(format!("{p}: {f}: {}\n", e.message()));
                status = 1;
            }
        }
        status
    }
}

#[cfg(test)]
mod tests {
    use crate::commands::testing::{check, check_in, session};

    #[test]
    fn tee() {
        let mut s = session();
        check_in(&mut s, "echo hi | tee /tmp/a", "hi\n", "", 0);
        check_in(
            &mut s,
            "echo yo | tee -a /tmp/a >/dev/null; cat /tmp/a",
            "hi\nyo\n",
            "",
            0,
        );
        check_in(&mut s, "echo x | tee /tmp/a; cat /tmp/a", "x\nx\n", "", 0);
        check(
            "echo hi | tee /nope/x",
            "hi\n",
            "tee: /nope/x: No such file or directory\n",
            1,
        );
    }
}

//! `chpasswd` from shadow 4.13: `user:password` lines on stdin, each recorded in the overlay's `/etc/shadow`.

use super::accounts::{fake_hash, set_password, user};
use super::{Command, Ctx};

/// The `chpasswd` command.
pub struct Chpasswd;

/// Most lines of input handled.
const MAX_LINES: usize = 1000;

impl Command for Chpasswd {
    fn names(&self) -> &'static [&'static str] {
        &["chpasswd", "/usr/sbin/chpasswd", "/sbin/chpasswd"]
    }

    fn run(&self, ctx: &mut Ctx, args: &[String], stdin: &[u8]) -> i32 {
        if let Some(status) = super::which::unreachable(ctx, args) {
            return status;
        }
        let encrypted = args.iter().any(|a| a == "-e" || a == "--encrypted");
        if ctx.session.user.uid != 0 {
            ctx.err("chpasswd: Permission denied.\n");
            return 1;
        }
        let input = String::from_utf8_lossy(stdin).into_owned();
        let mut status = 0;
        let mut changes = Vec::new();
        for (i, line) in input.lines().take(MAX_LINES).enumerate() {
            let n = i + 1;
            let Some((name, pw)) = line.split_once(':') else {
                ctx.err(format!("chpasswd: line {n}: missing new password\n"));
                status = 1;
                continue;
            };
            if user(ctx.session, name).is_none() {
                ctx.err(format!("chpasswd: line {n}: user '{name}' does not exist\n"));
                status = 1;
                continue;
            }
            let hash = if encrypted {
                pw.to_owned()
            } else {
                fake_hash(pw, ctx.session.now as u64 + n as u64)
            };
            changes.push((name.to_owned(), hash));
        }
        if status != 0 {
            ctx.err("chpasswd: error detected, changes ignored\n");
            return 1;
        }
        for (name, hash) in changes {
            set_password(ctx.session, &name, &hash);
        }
        0
    }
}

#[cfg(test)]
mod tests {
    use crate::commands::testing::{check, check_in, session};

    #[test]
    fn chpasswd() {
        let mut s = session();
        check_in(&mut s, "echo root:toor | chpasswd", "", "", 0);
        let shadow = String::from_utf8_lossy(&s.read_file("/etc/shadow").unwrap_or_default()).into_owned();
        assert!(shadow.starts_with("root:$y$j9T$"));
        check(
            "echo zed:x | chpasswd",
            "",
            "chpasswd: line 1: user 'zed' does not exist\nchpasswd: error detected, changes ignored\n",
            1,
        );
        check(
            "echo root | chpasswd",
            "",
            "chpasswd: line 1: missing new password\nchpasswd: error detected, changes ignored\n",
            1,
        );
    }
}

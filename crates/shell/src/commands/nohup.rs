//! `nohup` from coreutils: runs the rest of the line through the interpreter's dispatch; on a terminal its output
//! is appended to `nohup.out` in the overlay, exactly where the real one puts it.

use super::{Command, Ctx};
use crate::fs::WriteMode;

/// The `nohup` command.
pub struct Nohup;

impl Command for Nohup {
    fn names(&self) -> &'static [&'static str] {
        &["nohup", "/usr/bin/nohup", "/bin/nohup"]
    }

    fn run(&self, ctx: &mut Ctx, args: &[String], stdin: &[u8]) -> i32 {
        let mut argv = args.get(1..).unwrap_or_default();
        if argv.first().map(String::as_str) == Some("--") {
            argv = argv.get(1..).unwrap_or_default();
        }
        let Some(name) = argv.first() else {
            ctx.err("nohup: missing operand\nTry 'nohup --help' for more information.\n");
            return 125;
        };
        if name.starts_with('-') && name.len() > 1 {
            return ctx.invalid_option("nohup", name);
        }
        let exists = if name.contains('/') {
            ctx.session.fs.stat(&ctx.session.cwd, name).is_ok()
        } else {
            super::lookup(name).is_some()
        };
        if !exists {
            ctx.err(format!(
                "nohup: failed to run command '{name}': No such file or directory\n"
            ));
            return 127;
        }
        if !ctx.session.stdout_tty {
            if ctx.session.interactive {
                ctx.err("nohup: ignoring input\n");
            }
            return ctx.dispatch_nested(argv, stdin);
        }
        let (out, err) = (std::mem::take(&mut ctx.stdout), std::mem::take(&mut ctx.stderr));
        let status = ctx.dispatch_nested(argv, &[]);
        let mut child = std::mem::replace(&mut ctx.stdout, out);
        child.extend_from_slice(&std::mem::replace(&mut ctx.stderr, err));
        let home = format!("{}/nohup.out", ctx.session.user.home);
        let cwd = ctx.session.cwd.clone();
        let target = if ctx
            .session
            .fs
            .write(&cwd, "nohup.out", &child, WriteMode::Append)
            .is_ok()
        {
            "nohup.out"
        } else if ctx.session.fs.write("/", &home, &child, WriteMode::Append).is_ok() {
            &home
        } else {
            ctx.err("nohup: ignoring input and appending output to 'nohup.out': Permission denied\n");
            return 127;
        };
        ctx.err(format!("nohup: ignoring input and appending output to '{target}'\n"));
        status
    }
}

#[cfg(test)]
mod tests {
    use crate::commands::testing::{check, check_in, session};

    #[test]
    fn nohup() {
        check(
            "nohup",
            "",
            "nohup: missing operand\nTry 'nohup --help' for more information.\n",
            125,
        );
        check(
            "nohup foo",
            "",
            "nohup: failed to run command 'foo': No such file or directory\n",
            127,
        );
        check("nohup echo hi", "hi\n", "nohup: ignoring input\n", 0);
        let mut s = session();
        s.set_tty(true);
        check_in(
            &mut s,
            "cd /tmp; nohup echo hi",
            "",
            "nohup: ignoring input and appending output to 'nohup.out'\n",
            0,
        );
        check_in(
            &mut s,
            "nohup echo again",
            "",
            "nohup: ignoring input and appending output to 'nohup.out'\n",
            0,
        );
        s.set_tty(false);
        check_in(&mut s, "cat /tmp/nohup.out", "hi\nagain\n", "", 0);
    }
}

//! `passwd` from shadow 4.13 with PAM: prompts on stderr, reads the new password twice from stdin (as
//! `echo -e 'x\nx' | passwd` feeds it), and records a hash in the overlay's `/etc/shadow`.

use super::accounts::{fake_hash, set_password, user};
use super::{Command, Ctx};

/// The `passwd` command.
pub struct Passwd;

const FAILED: &str = "passwd: Authentication token manipulation error\npasswd: password unchanged\n";

impl Command for Passwd {
    fn names(&self) -> &'static [&'static str] {
        &["passwd", "/usr/bin/passwd", "/bin/passwd"]
    }

    fn run(&self, ctx: &mut Ctx, args: &[String], stdin: &[u8]) -> i32 {
        let mut target = None;
        for arg in args.iter().skip(1) {
            match arg.as_str() {
                "-S" | "--status" | "-l" | "-u" | "-d" | "-e" | "-q" | "-a" | "-k" => {}
                a if a.starts_with('-') => {
                    ctx.err(format!("passwd: unrecognized option '{a}'\n"));
                    return 2;
                }
                a => target = Some(a.to_owned()),
            }
        }
        let me = ctx.session.user.name.clone();
        let target = target.unwrap_or_else(|| me.clone());
        let root = ctx.session.user.uid == 0;
        if !root && target != me {
            ctx.err(format!(
                "passwd: You may not view or modify password information for {target}.\n"
            ));
            return 1;
        }
        if user(ctx.session, &target).is_none() {
            ctx.err(format!("passwd: user '{target}' does not exist\n"));
            return 1;
        }
        let input = String::from_utf8_lossy(stdin).into_owned();
        let mut lines = input.lines();
        let piped = !stdin.is_empty();
        let nl = if piped { "" } else { "\n" };
        if !root {
            ctx.out(format!("Changing password for {me}.\n"));
            ctx.err(format!("Current password: {nl}{FAILED}"));
            return 10;
        }
        let (a, b) = (lines.next(), lines.next());
        let mut err = format!("New password: {nl}");
        match (a, b) {
            (None, _) | (Some(""), _) => {
                err.push_str(&format!("No password has been supplied.\n{FAILED}"));
                ctx.err(err);
                10
            }
            (Some(_), None) => {
                err.push_str(&format!("Retype new password: {nl}{FAILED}"));
                ctx.err(err);
                10
            }
            (Some(a), Some(b)) if a != b => {
                err.push_str(&format!(
                    "Retype new password: {nl}Sorry, passwords do not match.\n{FAILED}"
                ));
                ctx.err(err);
                10
            }
            (Some(a), Some(_)) => {
                err.push_str(&format!(
                    "Retype new password: {nl}passwd: password updated successfully\n"
                ));
                let hash = fake_hash(a, ctx.session.now as u64);
                set_password(ctx.session, &target, &hash);
                ctx.err(err);
                0
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::commands::testing::{check, check_in, session};

    #[test]
    fn passwd() {
        let mut s = session();
        check_in(
            &mut s,
            "echo -e 'x\\nx' | passwd",
            "",
            "New password: Retype new password: passwd: password updated successfully\n",
            0,
        );
        let shadow = String::from_utf8_lossy(&s.read_file("/etc/shadow").unwrap_or_default()).into_owned();
        assert!(shadow.starts_with("root:$y$j9T$"), "{shadow}");
        check(
            "echo -e 'x\\ny' | passwd root",
            "",
            "New password: Retype new password: Sorry, passwords do not match.\npasswd: Authentication token manipulation error\npasswd: password unchanged\n",
            10,
        );
        check("passwd zed", "", "passwd: user 'zed' does not exist\n", 1);
        let mut s = session();
        s.user.uid = 1000;
        s.user.name = "bob".into();
        check_in(
            &mut s,
            "passwd root",
            "",
            "passwd: You may not view or modify password information for root.\n",
            1,
        );
    }
}

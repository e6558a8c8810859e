//! `exit`, the bash builtin: ends the login shell (printing `logout`) with the given or the last status.

use super::{Command, Ctx};

/// The `exit` builtin.
pub struct Exit;

impl Command for Exit {
    fn names(&self) -> &'static [&'static str] {
        &["exit", "logout"]
    }

    fn run(&self, ctx: &mut Ctx, args: &[String], _stdin: &[u8]) -> i32 {
        let status = match args.get(1..).unwrap_or_default() {
            [] => ctx.session.status,
            [n] => match n.trim().parse::<i64>() {
                Ok(v) => (v & 0xff) as i32,
                Err(_) => {
                    let logout = if ctx.session.interactive { "logout\n" } else { "" };
                    ctx.err(format!("{logout}bash: exit: {n}: numeric argument required\n"));
                    ctx.session.exit = Some(2);
                    return 2;
                }
            },
            _ => {
                let logout = if ctx.session.interactive { "logout\n" } else { "" };
                ctx.err(format!("{logout}bash: exit: too many arguments\n"));
                return 1;
            }
        };
        if ctx.session.interactive {
            ctx.err("logout\n");
        }
        ctx.session.exit = Some(status);
        status
    }
}

#[cfg(test)]
mod tests {
    use crate::commands::testing::{check, session};

    #[test]
    fn exit() {
        let mut s = session();
        let out = s.run_line("false; exit; echo no");
        assert_eq!(out.exit, Some(1));
        assert_eq!(out.stdout, b"");
        assert_eq!(out.stderr, b"logout\n");
        assert_eq!(session().run_line("exit 300").exit, Some(44));
        assert_eq!(session().run_line("echo x | exit 3").exit, None);
        assert_eq!(session().run_line("echo $(exit 3)").exit, None);
        check("exit 1 2", "", "logout\nbash: exit: too many arguments\n", 1);
        check(
            "exit abc",
            "",
            "logout\nbash: exit: abc: numeric argument required\n",
            2,
        );
    }
}

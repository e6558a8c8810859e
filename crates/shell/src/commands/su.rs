//! `su` from util-linux 2.38: root switches without a password (`su -c CMD` runs CMD in this session); anyone else
//! gets the password prompt and, with no terminal to answer it, `su: Authentication failure`.

use super::accounts::user;
use super::{Command, Ctx};

/// The `su` command.
pub struct Su;

impl Command for Su {
    fn names(&self) -> &'static [&'static str] {
        &["su", "/usr/bin/su", "/bin/su"]
    }

    fn run(&self, ctx: &mut Ctx, args: &[String], _stdin: &[u8]) -> i32 {
        let (mut target, mut command) = (None, None);
        let mut rest = args.iter().skip(1);
        while let Some(arg) = rest.next() {
            match arg.as_str() {
                "-" | "-l" | "--login" | "-m" | "-p" | "-P" | "--pty" => {}
                "-c" | "--command" => command = rest.next().cloned(),
                "-s" | "--shell" | "-g" | "-G" | "--group" => {
                    rest.next();
                }
                a if a.starts_with("--command=") => command = Some(a["--command=".len()..].to_owned()),
                a if a.starts_with('-') => {
                    let c = a.chars().nth(1).unwrap_or('-');
                    ctx.err(format!(
                        "su: invalid option -- '{c}'\nTry 'su --help' for more information.\n"
                    ));
                    return 1;
                }
                a if target.is_none() => target = Some(a.to_owned()),
                _ => {}
            }
        }
        let target = target.unwrap_or_else(|| "root".to_owned());
        if user(ctx.session, &target).is_none() {
            ctx.err(format!(
                "su: user {target} does not exist or the user entry does not contain all the required fields\n"
            ));
            return 1;
        }
        if ctx.session.user.uid != 0 {
            ctx.err("Password: \nsu: Authentication failure\n");
            return 1;
        }
        match command {
            Some(c) => ctx.run_script(&c),
            None => 0,
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::commands::testing::{check, check_in, session};

    #[test]
    fn su() {
        check("su -c 'echo hi; exit 3'; echo $?", "hi\n3\n", "", 0);
        check(
            "su bob",
            "",
            "su: user bob does not exist or the user entry does not contain all the required fields\n",
            1,
        );
        let mut s = session();
        s.user.uid = 1000;
        check_in(&mut s, "su -", "", "Password: \nsu: Authentication failure\n", 1);
    }
}

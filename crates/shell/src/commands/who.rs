//! `who` from coreutils 9.1: the one login on the machine (the session's own, on `pts/0`), `-b` boot time, `-r`
//! run level, `-q`, `-H`, `-a` and `who am i`. The remote address comes from `SSH_CLIENT` when the sensor sets it.

use super::date::{strftime, tm};
use super::{prog, Command, Ctx};
use crate::exec::Session;

/// The `who` command.
pub struct Who;

/// When the session logged in: the same estimate `ps` uses for the login chain.
pub(crate) fn login_time(s: &Session) -> i64 {
    s.now - 10 - 20 * (s.history.len().min(500) as i64)
}

/// The attacker's address as the login records show it, or `None` when unknown.
pub(crate) fn remote(s: &Session) -> Option<String> {
    let v = s.var("SSH_CLIENT").or_else(|| s.var("SSH_CONNECTION"))?;
    v.split_whitespace().next().map(|ip| ip.chars().take(64).collect())
}

impl Command for Who {
    fn names(&self) -> &'static [&'static str] {
        &["who", "/bin/who", "/usr/bin/who"]
    }

    fn run(&self, ctx: &mut Ctx, args: &[String], _stdin: &[u8]) -> i32 {
        let p = prog(args).to_owned();
        let (mut boot, mut runlevel, mut count, mut heading, mut users) = (false, false, false, false, false);
        let mut operands = 0;
        for arg in args.iter().skip(1) {
            match arg.as_str() {
                "--boot" => boot = true,
                "--runlevel" => runlevel = true,
                "--count" => count = true,
                "--heading" => heading = true,
                "--all" => (boot, runlevel, users) = (true, true, true),
                "--mesg" | "--message" | "--writable" | "--users" | "--login" | "--lookup" | "--process" | "--dead"
                | "--time" | "--short" => {}
                a if a.starts_with("--") => return ctx.invalid_option(&p, a),
                a if a.starts_with('-') && a.len() > 1 => {
                    for c in a.chars().skip(1) {
                        match c {
                            'b' => boot = true,
                            'r' => runlevel = true,
                            'q' => count = true,
                            'H' => heading = true,
                            'a' => (boot, runlevel, users) = (true, true, true),
                            'm' | 's' | 'T' | 'w' | 'u' | 'l' | 'p' | 'd' | 't' => {}
                            _ => return ctx.invalid_option(&p, &format!("-{c}")),
                        }
                    }
                }
                _ => operands += 1,
            }
        }
        if operands > 2 {
            let extra = args
                .iter()
                .skip(1)
                .filter(|a| !a.starts_with('-'))
                .nth(2)
                .cloned()
                .unwrap_or_default();
            return ctx.extra_operand(&p, &extra);
        }
        let s = &*ctx.session;
        let user = s.user.name.clone();
        if count {
            ctx.out(format!("{user}\n# users=1\n"));
            return 0;
        }
        let boot_at = strftime("%Y-%m-%d %H:%M", &tm((s.persona.boot_unix_ms / 1000) as i64));
        let login = strftime("%Y-%m-%d %H:%M", &tm(login_time(s)));
        let from = remote(s).map(|ip| format!(" ({ip})")).unwrap_or_default();
        let mut out = String::new();
        if heading {
            out.push_str("NAME     LINE         TIME             COMMENT\n");
        }
        if boot {
            out.push_str(&format!("         system boot  {boot_at}\n"));
        }
        if runlevel {
            out.push_str(&format!("         run-level 5  {boot_at}\n"));
        }
        if (!boot && !runlevel) || users {
            out.push_str(&format!("{user:<8} {:<12} {login}{from}\n", "pts/0"));
        }
        ctx.out(out);
        0
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::commands::testing::{check, session};

    #[test]
    fn who() {
        let s = session();
        let boot = strftime("%Y-%m-%d %H:%M", &tm((s.persona.boot_unix_ms / 1000) as i64));
        check("who", "root     pts/0        2025-06-15 15:06\n", "", 0);
        check("who am i", "root     pts/0        2025-06-15 15:06\n", "", 0);
        check("who -b", &format!("         system boot  {boot}\n"), "", 0);
        check("who -q", "root\n# users=1\n", "", 0);
        check(
            "SSH_CLIENT='203.0.113.9 5555 22'; who",
            "root     pts/0        2025-06-15 15:06 (203.0.113.9)\n",
            "",
            0,
        );
    }
}

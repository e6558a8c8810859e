//! `last` from util-linux 2.38.1: the wtmp view of the machine, i.e. the session's own login (still logged in) and
//! the persona's boot (`reboot ... still running`), then the `wtmp begins` trailer; `-n N`, `-N` and user filters.

use super::date::{strftime, tm};
use super::who::{login_time, remote};
use super::{prog, Command, Ctx};

/// The `last` command.
pub struct Last;

impl Command for Last {
    fn names(&self) -> &'static [&'static str] {
        &["last", "/bin/last", "/usr/bin/last"]
    }

    fn run(&self, ctx: &mut Ctx, args: &[String], _stdin: &[u8]) -> i32 {
        let p = prog(args).to_owned();
        let mut limit = usize::MAX;
        let mut users: Vec<String> = Vec::new();
        let mut it = args.iter().skip(1);
        while let Some(a) = it.next() {
            match a.as_str() {
                "-n" | "--limit" => limit = it.next().and_then(|v| v.parse().ok()).unwrap_or(usize::MAX),
                "-a" | "-d" | "-F" | "-i" | "-w" | "-x" | "-R" | "--hostlast" | "--dns" | "--fulltimes" | "--ip"
                | "--fullnames" | "--system" | "--nohostname" => {}
                s if s.starts_with('-') && s.len() > 1 && s[1..].chars().all(|c| c.is_ascii_digit()) => {
                    limit = s[1..].parse().unwrap_or(usize::MAX)
                }
                s if s.starts_with('-') && s.len() > 1 => {
                    ctx.err(format!(
                        "{p}: invalid option -- '{}'\nTry '{p} --help' for more information.\n",
                        s.chars().nth(1).unwrap_or('-')
                    ));
                    return 1;
                }
                s => users.push(s.to_owned()),
            }
        }
        let s = &*ctx.session;
        let boot = (s.persona.boot_unix_ms / 1000) as i64;
        let from = remote(s).unwrap_or_default();
        let rows = [
            (
                s.user.name.clone(),
                "pts/0".to_owned(),
                from,
                login_time(s),
                "still logged in",
            ),
            (
                "reboot".to_owned(),
                "system boot".to_owned(),
                s.persona.kernel.release.clone(),
                boot,
                "still running",
            ),
        ];
        let mut out = String::new();
        for (user, line, host, at, state) in rows
            .iter()
            .filter(|r| users.is_empty() || users.contains(&r.0))
            .take(limit)
        {
            out.push_str(&format!(
                "{user:<8} {line:<12} {host:<16} {}   {state}\n",
                strftime("%a %b %e %H:%M", &tm(*at))
            ));
        }
        out.push_str(&format!(
            "\nwtmp begins {}\n",
            strftime("%a %b %e %H:%M:%S %Y", &tm(boot))
        ));
        ctx.out(out);
        0
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::commands::testing::{check, session};

    #[test]
    fn last() {
        let s = session();
        let boot = tm((s.persona.boot_unix_ms / 1000) as i64);
        let r = &s.persona.kernel.release;
        let tail = format!("\nwtmp begins {}\n", strftime("%a %b %e %H:%M:%S %Y", &boot));
        check(
            "last",
            &format!(
                "root     pts/0                         Sun Jun 15 15:06   still logged in\nreboot   system boot  {r:<16} {}   still running\n{tail}",
                strftime("%a %b %e %H:%M", &boot)
            ),
            "",
            0,
        );
        check(
            "last -n 1 reboot",
            &format!(
                "reboot   system boot  {r:<16} {}   still running\n{tail}",
                strftime("%a %b %e %H:%M", &boot)
            ),
            "",
            0,
        );
    }
}

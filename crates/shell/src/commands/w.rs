//! `w` from procps-ng 4.0.2: the `uptime` summary and the session's own login on `pts/0` running `w`; `-h`, `-s`,
//! `-i`, `-f` and a user filter.

use super::date::{strftime, tm};
use super::uptime::summary;
use super::who::{login_time, remote};
use super::{prog, Command, Ctx};

/// The `w` command.
pub struct W;

impl Command for W {
    fn names(&self) -> &'static [&'static str] {
        &["w", "/bin/w", "/usr/bin/w"]
    }

    fn run(&self, ctx: &mut Ctx, args: &[String], _stdin: &[u8]) -> i32 {
        let p = prog(args).to_owned();
        let (mut header, mut short, mut show_from) = (true, false, true);
        let mut filter: Option<String> = None;
        for arg in args.iter().skip(1) {
            match arg.as_str() {
                "--no-header" => header = false,
                "--short" => short = true,
                "--from" => show_from = !show_from,
                "--ip-addr" | "--old-style" | "--no-current" => {}
                a if a.starts_with("--") => {
                    ctx.err(format!(
                        "{p}: unrecognized option '{a}'\n\nUsage:\n w [options] [user]\n\nFor more details see w(1).\n"
                    ));
                    return 1;
                }
                a if a.starts_with('-') && a.len() > 1 => {
                    for c in a.chars().skip(1) {
                        match c {
                            'h' => header = false,
                            's' => short = true,
                            'f' => show_from = !show_from,
                            'i' | 'o' | 'u' => {}
                            _ => {
                                ctx.err(format!("{p}: invalid option -- '{c}'\n\nUsage:\n w [options] [user]\n\nFor more details see w(1).\n"));
                                return 1;
                            }
                        }
                    }
                }
                a => filter = Some(a.to_owned()),
            }
        }
        let s = &*ctx.session;
        let user = s.user.name.clone();
        let mut out = String::new();
        if header {
            out.push_str(&format!(" {}\n", summary(s)));
            out.push_str(match (short, show_from) {
                (false, true) => "USER     TTY      FROM             LOGIN@   IDLE   JCPU   PCPU WHAT\n",
                (false, false) => "USER     TTY      LOGIN@   IDLE   JCPU   PCPU WHAT\n",
                (true, true) => "USER     TTY      FROM              IDLE WHAT\n",
                (true, false) => "USER     TTY       IDLE WHAT\n",
            });
        }
        if filter.as_deref().is_none_or(|f| f == user) {
            let from = if show_from {
                format!("{:<16} ", remote(s).unwrap_or_else(|| "-".to_owned()))
            } else {
                String::new()
            };
            let what: String = args.join(" ").chars().take(200).collect();
            let login = strftime("%H:%M", &tm(login_time(s)));
            if short {
                out.push_str(&format!("{user:<8} pts/0    {from} 0.00s {what}\n"));
            } else {
                out.push_str(&format!(
                    "{user:<8} pts/0    {from}{login:<7}  0.00s  0.02s  0.00s {what}\n"
                ));
            }
        }
        ctx.out(out);
        0
    }
}

#[cfg(test)]
mod tests {
    use crate::commands::testing::{check, session};
    use crate::commands::uptime::summary;

    #[test]
    fn w() {
        let line = summary(&session());
        check(
            "w",
            &format!(
                " {line}\nUSER     TTY      FROM             LOGIN@   IDLE   JCPU   PCPU WHAT\n\
                 root     pts/0    -                15:06    0.00s  0.02s  0.00s w\n"
            ),
            "",
            0,
        );
        check(
            "w -h",
            "root     pts/0    -                15:06    0.00s  0.02s  0.00s w -h\n",
            "",
            0,
        );
        check(
            "w nobody",
            &format!(" {line}\nUSER     TTY      FROM             LOGIN@   IDLE   JCPU   PCPU WHAT\n"),
            "",
            0,
        );
    }
}

//! `kill`, the bash builtin: signal names and numbers (`-9`, `-KILL`, `-s`, `-n`, `-l`), jobspecs, and bash's texts
//! for missing or protected processes; also the small process table `killall` and `pkill` match against.

use super::{Command, Ctx};
use crate::exec::Session;

/// The `kill` builtin.
pub struct Kill;

/// Signal names 1–31 as `kill -l` prints them (index + 1 is the number); 32 and 33 do not exist.
pub(crate) const SIGNALS: [&str; 31] = [
    "HUP", "INT", "QUIT", "ILL", "TRAP", "ABRT", "BUS", "FPE", "KILL", "USR1", "SEGV", "USR2", "PIPE", "ALRM", "TERM",
    "STKFLT", "CHLD", "CONT", "STOP", "TSTP", "TTIN", "TTOU", "URG", "XCPU", "XFSZ", "VTALRM", "PROF", "WINCH", "IO",
    "PWR", "SYS",
];

/// The name of signal `n` without `SIG` (`RTMIN+3` style for real-time ones), if it exists.
pub(crate) fn signal_name(n: u32) -> Option<String> {
    match n {
        1..=31 => SIGNALS.get(n as usize - 1).map(|s| (*s).to_owned()),
        34 => Some("RTMIN".to_owned()),
        35..=49 => Some(format!("RTMIN+{}", n - 34)),
        50..=63 => Some(format!("RTMAX-{}", 64 - n)),
        64 => Some("RTMAX".to_owned()),
        _ => None,
    }
}

/// The number of a signal given as a number, `KILL`, `kill` or `SIGKILL`.
pub(crate) fn signal_number(spec: &str) -> Option<u32> {
    if let Ok(n) = spec.parse::<u32>() {
        return (n == 0 || signal_name(n).is_some()).then_some(n);
    }
    let upper = spec.to_ascii_uppercase();
    let name = upper.strip_prefix("SIG").unwrap_or(&upper);
    (1..=64).find(|&n| signal_name(n).as_deref() == Some(name))
}

/// One process of the fake machine as `kill`, `killall` and `pkill` see it.
pub(crate) struct Proc {
    /// Process id.
    pub(crate) pid: u32,
    /// Owner.
    pub(crate) uid: u32,
    /// `comm`.
    pub(crate) name: String,
    /// The full command line.
    pub(crate) args: String,
}

/// The persona's process table (the one `ps` prints), with owners as uids.
pub(crate) fn processes(s: &Session) -> Vec<Proc> {
    super::ps::table(s, "bash", &[])
        .into_iter()
        .map(|p| {
            let uid = if p.user == s.user.name {
                s.user.uid
            } else {
                s.persona.users.iter().find(|u| u.name == p.user).map_or(0, |u| u.uid)
            };
            Proc {
                pid: p.pid,
                uid,
                name: p.comm,
                args: p.args,
            }
        })
        .collect()
}

const USAGE: &str = "kill: usage: kill [-s sigspec | -n signum | -sigspec] pid | jobspec ... or kill -l [sigspec]\n";

impl Command for Kill {
    fn names(&self) -> &'static [&'static str] {
        &["kill"]
    }

    fn run(&self, ctx: &mut Ctx, args: &[String], _stdin: &[u8]) -> i32 {
        let mut rest = args.get(1..).unwrap_or_default();
        let mut sig = 15;
        match rest.first().map(String::as_str) {
            Some("-l" | "-L") => return list(ctx, rest.get(1..).unwrap_or_default()),
            Some(opt @ ("-s" | "-n")) => {
                let Some(spec) = rest.get(1) else {
                    ctx.err(format!("bash: kill: {opt}: option requires an argument\n"));
                    return 1;
                };
                let Some(n) = signal_number(spec) else {
                    ctx.err(format!("bash: kill: {spec}: invalid signal specification\n"));
                    return 1;
                };
                sig = n;
                rest = rest.get(2..).unwrap_or_default();
            }
            Some("--") => rest = rest.get(1..).unwrap_or_default(),
            Some(opt) if opt.len() > 1 && opt.starts_with('-') => {
                let spec = &opt[1..];
                let Some(n) = signal_number(spec) else {
                    ctx.err(format!("bash: kill: {spec}: invalid signal specification\n"));
                    return 1;
                };
                sig = n;
                rest = rest.get(1..).unwrap_or_default();
                if rest.first().map(String::as_str) == Some("--") {
                    rest = rest.get(1..).unwrap_or_default();
                }
            }
            _ => {}
        }
        if rest.is_empty() {
            ctx.err(USAGE);
            return 2;
        }
        let mut status = 0;
        for target in rest {
            if target.starts_with('%') {
                ctx.err(format!("bash: kill: {target}: no such job\n"));
                status = 1;
                continue;
            }
            let Ok(pid) = target.parse::<i64>() else {
                ctx.err(format!("bash: kill: {target}: arguments must be process or job IDs\n"));
                status = 1;
                continue;
            };
            let (uid, me) = (ctx.session.user.uid, ctx.session.pid);
            let found = u32::try_from(pid)
                .ok()
                .and_then(|p| processes(ctx.session).into_iter().find(|x| x.pid == p));
            match found {
                None if pid == -1 || pid == 0 => {}
                None => {
                    ctx.err(format!("bash: kill: ({pid}) - No such process\n"));
                    status = 1;
                }
                Some(p) if uid != 0 && p.uid != uid => {
                    ctx.err(format!("bash: kill: ({pid}) - Operation not permitted\n"));
                    status = 1;
                }
                Some(p) if p.pid == me => {
                    // An interactive bash ignores TERM, INT and QUIT; KILL and the rest end the login.
                    let ignored = [0, 2, 3, 15, 17, 18, 19, 20, 21, 22, 23, 28];
                    if !(ignored.contains(&sig) || (!ctx.session.interactive && sig == 0)) {
                        ctx.session.exit = Some(128 + sig as i32);
                        return 128 + sig as i32;
                    }
                }
                Some(_) => {}
            }
        }
        status
    }
}

/// `kill -l [sigspec]`: the table, or conversions between numbers and names.
fn list(ctx: &mut Ctx, specs: &[String]) -> i32 {
    if specs.is_empty() {
        let mut text = String::new();
        let mut col = 0;
        for n in 1..=64 {
            let Some(name) = signal_name(n) else { continue };
            text.push_str(&format!("{n:2}) SIG{name}"));
            col += 1;
            text.push(if col % 5 == 0 { '\n' } else { '\t' });
        }
        text.push('\n');
        ctx.out(text);
        return 0;
    }
    let mut status = 0;
    for spec in specs {
        let answer = match spec.parse::<u32>() {
            Ok(n) => signal_name(if n > 128 { n - 128 } else { n }),
            Err(_) => signal_number(spec).map(|n| n.to_string()),
        };
        match answer {
            Some(a) => ctx.out(format!("{a}\n")),
            None => {
                ctx.err(format!("bash: kill: {spec}: invalid signal specification\n"));
                status = 1;
            }
        }
    }
    status
}

#[cfg(test)]
mod tests {
    use crate::commands::testing::{check, session};

    #[test]
    fn kill() {
        check("kill 99999", "", "bash: kill: (99999) - No such process\n", 1);
        check(
            "kill -9 99999 88888",
            "",
            "bash: kill: (99999) - No such process\nbash: kill: (88888) - No such process\n",
            1,
        );
        check("kill %1", "", "bash: kill: %1: no such job\n", 1);
        check(
            "kill -9999 1",
            "",
            "bash: kill: 9999: invalid signal specification\n",
            1,
        );
        check(
            "kill abc",
            "",
            "bash: kill: abc: arguments must be process or job IDs\n",
            1,
        );
        check("kill -s", "", "bash: kill: -s: option requires an argument\n", 1);
        check(
            "kill -9",
            "",
            "kill: usage: kill [-s sigspec | -n signum | -sigspec] pid | jobspec ... or kill -l [sigspec]\n",
            2,
        );
        check("kill -l 9; kill -l KILL; kill -l 137", "KILL\n9\nKILL\n", "", 0);
        check("kill -SIGKILL 1; kill -n 9 1", "", "", 0);
        check("kill $$; echo $?", "0\n", "", 0);
        let out = session().run_line("kill -l");
        let text = String::from_utf8_lossy(&out.stdout).into_owned();
        assert!(text.starts_with(" 1) SIGHUP\t 2) SIGINT\t 3) SIGQUIT\t 4) SIGILL\t 5) SIGTRAP\n"));
        assert!(text.ends_with("63) SIGRTMAX-1\t64) SIGRTMAX\t\n"));
        let mut u = session();
        u.user.uid = 1000;
        u.user.name = "bob".into();
        crate::commands::testing::check_in(&mut u, "kill 1", "", "bash: kill: (1) - Operation not permitted\n", 1);
        let mut s = session();
        let out = s.run_line("kill -9 $$; echo no");
        assert_eq!(out.exit, Some(137));
        assert!(out.stdout.is_empty());
    }
}

//! `killall` from psmisc 23.6: matches names against the fake process table, with psmisc's texts.

use super::kill::{processes, signal_number};
use super::{Command, Ctx};

/// The `killall` command.
pub struct Killall;

const USAGE: &str = "Usage: killall [OPTION]... [--] NAME...
       killall -l, --list
       killall -V, --version

  -e,--exact          require exact match for very long names
  -I,--ignore-case    case insensitive process name match
  -g,--process-group  kill process group instead of process
  -y,--younger-than   kill processes younger than TIME
  -o,--older-than     kill processes older than TIME
  -i,--interactive    ask for confirmation before killing
  -l,--list           list all known signal names
  -q,--quiet          don't print complaints
  -r,--regexp         interpret NAME as an extended regular expression
  -s,--signal SIGNAL  send this signal instead of SIGTERM
  -u,--user USER      kill only process(es) running as USER
  -v,--verbose        report if the signal was successfully sent
  -V,--version        display version information
  -w,--wait           wait for processes to die
  -n,--ns PID         match processes that belong to the same namespaces
                      as PID
  -Z,--context REGEXP kill only process(es) having context
                      (must precede other arguments)

";

const VERSION: &str = "killall (PSmisc) 23.6
Copyright (C) 1993-2022 Werner Almesberger and Craig Small

PSmisc comes with ABSOLUTELY NO WARRANTY.
This is free software, and you are welcome to redistribute it under
the terms of the GNU General Public License.
For more information about these matters, see the files named COPYING.
";

impl Command for Killall {
    fn names(&self) -> &'static [&'static str] {
        &["killall", "/usr/bin/killall", "/bin/killall"]
    }

    fn run(&self, ctx: &mut Ctx, args: &[String], _stdin: &[u8]) -> i32 {
        let (mut quiet, mut names, mut done) = (false, Vec::new(), false);
        let mut rest = args.iter().skip(1);
        while let Some(arg) = rest.next() {
            match arg.as_str() {
                a if done || !a.starts_with('-') || a == "-" => names.push(a),
                "--" => done = true,
                "-V" | "--version" => {
                    ctx.err(VERSION);
                    return 0;
                }
                "-l" | "--list" => {
                    ctx.out(format!("{}\n", super::kill::SIGNALS.join(" ")));
                    return 0;
                }
                "-q" | "--quiet" => quiet = true,
                "-s" | "--signal" | "-u" | "--user" | "-y" | "-o" | "-n" | "-Z" => {
                    rest.next();
                }
                "-e" | "-I" | "-g" | "-i" | "-r" | "-v" | "-w" | "--exact" | "--ignore-case" | "--wait"
                | "--verbose" | "--regexp" | "--interactive" | "--process-group" => {}
                a if signal_number(&a[1..]).is_some() => {}
                _ => {
                    ctx.err(USAGE);
                    return 1;
                }
            }
        }
        if names.is_empty() {
            ctx.err(USAGE);
            return 1;
        }
        let uid = ctx.session.user.uid;
        let procs = processes(ctx.session);
        let mut status = 0;
        for name in names {
            let short: String = name.chars().take(15).collect();
            let matching: Vec<_> = procs.iter().filter(|p| p.name == short).collect();
            if matching.is_empty() {
                status = 1;
                if !quiet {
                    ctx.err(format!("{name}: no process found\n"));
                }
                continue;
            }
            for p in matching.iter().filter(|p| uid != 0 && p.uid != uid) {
                status = 1;
                if !quiet {
                    ctx.err(format!("{}({}): Operation not permitted\n", p.name, p.pid));
                }
            }
            if matching.iter().all(|p| uid != 0 && p.uid != uid) && !quiet {
                ctx.err(format!("{name}: no process found\n"));
            }
        }
        status
    }
}

#[cfg(test)]
mod tests {
    use crate::commands::testing::check;

    #[test]
    fn killall() {
        check("killall xmrig", "", "xmrig: no process found\n", 1);
        check(
            "killall -9 xmrig kinsing",
            "",
            "xmrig: no process found\nkinsing: no process found\n",
            1,
        );
        check("killall -q xmrig", "", "", 1);
        check("killall -9 cron", "", "", 0);
        check("killall -V 2>/dev/null", "", "", 0);
    }
}

//! `pkill` from procps-ng 4.0.2: matches a pattern against the fake process table; quiet when nothing matches.

use super::kill::{processes, signal_number};
use super::{Command, Ctx};

/// The `pkill` command.
pub struct Pkill;

const TRY: &str = "Try `pkill --help' for more information.\n";

impl Command for Pkill {
    fn names(&self) -> &'static [&'static str] {
        &["pkill", "/usr/bin/pkill", "/bin/pkill"]
    }

    fn run(&self, ctx: &mut Ctx, args: &[String], _stdin: &[u8]) -> i32 {
        let (mut patterns, mut full, mut exact) = (Vec::new(), false, false);
        let mut rest = args.iter().skip(1);
        while let Some(arg) = rest.next() {
            match arg.as_str() {
                a if !a.starts_with('-') || a == "-" => patterns.push(a),
                "-V" | "--version" => {
                    ctx.out("pkill from procps-ng 4.0.2\n");
                    return 0;
                }
                "-f" | "--full" => full = true,
                "-x" | "--exact" => exact = true,
                "-e" | "-c" | "-i" | "-n" | "-o" | "-A" | "-L" | "--echo" | "--count" | "--newest" | "--oldest" => {}
                "-s" | "-t" | "-u" | "-U" | "-g" | "-G" | "-P" | "-F" | "-q" | "-O" | "-r" | "--signal" => {
                    rest.next();
                }
                a if signal_number(&a[1..]).is_some() => {}
                a => {
                    let c = a.chars().nth(1).unwrap_or('-');
                    ctx.err(format!("pkill: invalid option -- '{c}'\n{TRY}"));
                    return 2;
                }
            }
        }
        let pattern = match patterns.as_slice() {
            [] => {
                ctx.err(format!("pkill: no matching criteria specified\n{TRY}"));
                return 2;
            }
            [p] => *p,
            _ => {
                ctx.err(format!("pkill: only one pattern can be provided\n{TRY}"));
                return 2;
            }
        };
        let uid = ctx.session.user.uid;
        let mut status = 1;
        for p in processes(ctx.session) {
            let hay = if full { &p.args } else { &p.name };
            let hit = if exact { hay == pattern } else { hay.contains(pattern) };
            if !hit || p.pid == ctx.session.pid {
                continue;
            }
            if uid != 0 && p.uid != uid {
                ctx.err(format!(
                    "pkill: killing pid {} failed: Operation not permitted\n",
                    p.pid
                ));
            } else {
                status = 0;
            }
        }
        status
    }
}

#[cfg(test)]
mod tests {
    use crate::commands::testing::check;

    #[test]
    fn pkill() {
        check("pkill xmrig", "", "", 1);
        check("pkill -9 -f 'xmrig --donate'", "", "", 1);
        check("pkill cron", "", "", 0);
        check(
            "pkill",
            "",
            "pkill: no matching criteria specified\nTry `pkill --help' for more information.\n",
            2,
        );
        check(
            "pkill a b",
            "",
            "pkill: only one pattern can be provided\nTry `pkill --help' for more information.\n",
            2,
        );
        check("pkill -V", "pkill from procps-ng 4.0.2\n", "", 0);
    }
}

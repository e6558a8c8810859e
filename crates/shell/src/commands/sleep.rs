//! `sleep` from coreutils: validates its intervals with coreutils' messages and returns at once; the front end
//! decides about real delays.

use super::{prog, Command, Ctx};

/// The `sleep` command.
pub struct Sleep;

/// Whether `s` is a valid coreutils interval (`1`, `0.5`, `2m`, `1.5h`, `inf`).
fn valid(s: &str) -> bool {
    let body = s.strip_suffix(['s', 'm', 'h', 'd']).unwrap_or(s);
    let lower = body.to_ascii_lowercase();
    if lower == "inf" || lower == "infinity" {
        return true;
    }
    !body.is_empty() && body.parse::<f64>().is_ok_and(|v| v >= 0.0) && !body.contains(['e', 'E', 'n', 'N', '+'])
}

impl Command for Sleep {
    fn names(&self) -> &'static [&'static str] {
        &["sleep", "/usr/bin/sleep", "/bin/sleep"]
    }

    fn run(&self, ctx: &mut Ctx, args: &[String], _stdin: &[u8]) -> i32 {
        let p = prog(args).to_owned();
        let operands: Vec<&String> = args.iter().skip(1).filter(|a| *a != "--").collect();
        if let Some(opt) = operands.iter().find(|a| a.starts_with('-') && a.len() > 1) {
            return ctx.invalid_option(&p, opt);
        }
        if operands.is_empty() {
            ctx.err(format!(
                "{p}: missing operand\nTry '{p} --help' for more information.\n"
            ));
            return 1;
        }
        let bad: Vec<&&String> = operands.iter().filter(|a| !valid(a)).collect();
        if bad.is_empty() {
            return 0;
        }
        for b in bad {
            ctx.err(format!("{p}: invalid time interval ‘{b}’\n"));
        }
        ctx.err(format!("Try '{p} --help' for more information.\n"));
        1
    }
}

#[cfg(test)]
mod tests {
    use crate::commands::testing::check;

    #[test]
    fn sleep() {
        check("sleep 1; sleep 0.5 2m inf", "", "", 0);
        check(
            "sleep",
            "",
            "sleep: missing operand\nTry 'sleep --help' for more information.\n",
            1,
        );
        check(
            "sleep abc 1x",
            "",
            "sleep: invalid time interval ‘abc’\nsleep: invalid time interval ‘1x’\nTry 'sleep --help' for more information.\n",
            1,
        );
        check(
            "sleep -z",
            "",
            "sleep: invalid option -- 'z'\nTry 'sleep --help' for more information.\n",
            1,
        );
    }
}

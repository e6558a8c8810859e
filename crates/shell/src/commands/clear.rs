//! `clear` from ncurses: the xterm sequences that home the cursor and erase the screen and scrollback.

use super::{Command, Ctx};

/// The `clear` command.
pub struct Clear;

impl Command for Clear {
    fn names(&self) -> &'static [&'static str] {
        &["clear", "/usr/bin/clear", "/bin/clear"]
    }

    fn run(&self, ctx: &mut Ctx, args: &[String], _stdin: &[u8]) -> i32 {
        if let Some(a) = args.get(1).filter(|a| *a != "-x") {
            ctx.err(format!("clear: invalid option -- '{}'\nUsage: clear [options]\n\nOptions:\n  -T TERM     use this instead of $TERM\n  -V          print curses-version\n  -x          do not try to clear scrollback\n", a.chars().nth(1).unwrap_or(a.chars().next().unwrap_or('-'))));
            return 1;
        }
        if args.len() > 1 {
            ctx.out("\x1b[H\x1b[2J");
        } else {
            ctx.out("\x1b[H\x1b[2J\x1b[3J");
        }
        0
    }
}

#[cfg(test)]
mod tests {
    use crate::commands::testing::check;

    #[test]
    fn clear() {
        check("clear", "\x1b[H\x1b[2J\x1b[3J", "", 0);
        check("clear -x", "\x1b[H\x1b[2J", "", 0);
    }
}

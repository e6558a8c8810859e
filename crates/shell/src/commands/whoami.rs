//! `whoami` from coreutils: the session user's name.

use super::{prog, Command, Ctx};

/// The `whoami` command.
pub struct Whoami;

impl Command for Whoami {
    fn names(&self) -> &'static [&'static str] {
        &["whoami", "/bin/whoami", "/usr/bin/whoami"]
    }

    fn run(&self, ctx: &mut Ctx, args: &[String], _stdin: &[u8]) -> i32 {
        if let Some(arg) = args.get(1) {
            if arg.starts_with('-') && arg.len() > 1 && arg != "--" {
                return ctx.invalid_option(prog(args), arg);
            }
            return ctx.extra_operand(prog(args), arg);
        }
        let line = format!("{}\n", ctx.session.user.name);
        ctx.out(line);
        0
    }
}

#[cfg(test)]
mod tests {
    use crate::commands::testing::check;

    #[test]
    fn whoami() {
        check("whoami", "root\n", "", 0);
        check("echo $(whoami)", "root\n", "", 0);
        check(
            "whoami x",
            "",
            "whoami: extra operand ‘x’\nTry 'whoami --help' for more information.\n",
            1,
        );
    }
}

//! `arch` from coreutils: the persona's machine name, the same as `uname -m`.

use super::{prog, Command, Ctx};
use crate::persona::render;

/// The `arch` command.
pub struct Arch;

impl Command for Arch {
    fn names(&self) -> &'static [&'static str] {
        &["arch", "/bin/arch", "/usr/bin/arch"]
    }

    fn run(&self, ctx: &mut Ctx, args: &[String], _stdin: &[u8]) -> i32 {
        if let Some(arg) = args.get(1) {
            if arg.starts_with('-') && arg.len() > 1 {
                return ctx.invalid_option(prog(args), arg);
            }
            return ctx.extra_operand(prog(args), arg);
        }
        let machine = render::uname(&ctx.session.persona).machine;
        ctx.out(format!("{machine}\n"));
        0
    }
}

#[cfg(test)]
mod tests {
    use crate::commands::testing::check;

    #[test]
    fn arch() {
        check("arch", "x86_64\n", "", 0);
        check(
            "arch x",
            "",
            "arch: extra operand ‘x’\nTry 'arch --help' for more information.\n",
            1,
        );
    }
}

//! `nproc` from coreutils: the persona's CPU count.

use super::{prog, Command, Ctx};
use crate::persona::render;

/// The `nproc` command.
pub struct Nproc;

impl Command for Nproc {
    fn names(&self) -> &'static [&'static str] {
        &["nproc", "/bin/nproc", "/usr/bin/nproc"]
    }

    fn run(&self, ctx: &mut Ctx, args: &[String], _stdin: &[u8]) -> i32 {
        if let Some(arg) = args.get(1) {
            if arg.starts_with('-') && arg.len() > 1 {
                return ctx.invalid_option(prog(args), arg);
            }
            return ctx.extra_operand(prog(args), arg);
        }
        let text = render::nproc(&ctx.session.persona);
        ctx.out(text);
        0
    }
}

#[cfg(test)]
mod tests {
    use crate::commands::testing::{check, session};

    #[test]
    fn nproc() {
        let n = session().persona.nproc();
        check("nproc", &format!("{n}\n"), "", 0);
        check(
            "nproc x",
            "",
            "nproc: extra operand ‘x’\nTry 'nproc --help' for more information.\n",
            1,
        );
    }
}

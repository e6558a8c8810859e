//! `pwd`, the bash builtin: the logical working directory.

use super::{Command, Ctx};

/// The `pwd` builtin.
pub struct Pwd;

impl Command for Pwd {
    fn names(&self) -> &'static [&'static str] {
        &["pwd", "/bin/pwd", "/usr/bin/pwd"]
    }

    fn run(&self, ctx: &mut Ctx, _args: &[String], _stdin: &[u8]) -> i32 {
        let line = format!("{}\n", ctx.session.cwd);
        ctx.out(line);
        0
    }
}

#[cfg(test)]
mod tests {
    use crate::commands::testing::check;

    #[test]
    fn pwd() {
        check("pwd", "/root\n", "", 0);
        check("cd /tmp; pwd", "/tmp\n", "", 0);
    }
}

//! `true` and `false`, the bash builtins: no output, status 0 or 1.

use super::{Command, Ctx};

/// The `true` builtin.
pub struct True;

/// The `false` builtin.
pub struct False;

impl Command for True {
    fn names(&self) -> &'static [&'static str] {
        &["true", "/bin/true", "/usr/bin/true"]
    }

    fn run(&self, _ctx: &mut Ctx, _args: &[String], _stdin: &[u8]) -> i32 {
        0
    }
}

impl Command for False {
    fn names(&self) -> &'static [&'static str] {
        &["false", "/bin/false", "/usr/bin/false"]
    }

    fn run(&self, _ctx: &mut Ctx, _args: &[String], _stdin: &[u8]) -> i32 {
        1
    }
}

#[cfg(test)]
mod tests {
    use crate::commands::testing::check;

    #[test]
    fn statuses() {
        check("true", "", "", 0);
        check("false", "", "", 1);
        check("! false", "", "", 0);
        check("false || echo x", "x\n", "", 0);
        check("false && echo x", "", "", 1);
        check("false; echo $?", "1\n", "", 0);
    }
}

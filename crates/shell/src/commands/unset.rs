//! `unset`, the bash builtin: removes variables (`-v`, the default) or functions (`-f`, none exist here).

use super::{Command, Ctx};

/// The `unset` builtin.
pub struct Unset;

impl Command for Unset {
    fn names(&self) -> &'static [&'static str] {
        &["unset"]
    }

    fn run(&self, ctx: &mut Ctx, args: &[String], _stdin: &[u8]) -> i32 {
        let mut functions = false;
        let mut names = Vec::new();
        let mut options = true;
        for arg in args.iter().skip(1) {
            match arg.as_str() {
                "--" if options => options = false,
                a if options && a.starts_with('-') && a.len() > 1 => {
                    for c in a[1..].chars() {
                        match c {
                            'f' => functions = true,
                            'v' | 'n' => {}
                            _ => {
                                ctx.err(format!(
                                    "bash: unset: -{c}: invalid option\nunset: usage: unset [-f] [-v] [-n] [name ...]\n"
                                ));
                                return 2;
                            }
                        }
                    }
                }
                a => {
                    options = false;
                    names.push(a.to_owned());
                }
            }
        }
        if !functions {
            for name in names {
                ctx.session.vars.remove(&name);
            }
        }
        0
    }
}

#[cfg(test)]
mod tests {
    use crate::commands::testing::check;

    #[test]
    fn unset() {
        check("X=1; unset X; echo ${X:-gone}", "gone\n", "", 0);
        check("unset PATH; echo $PATH", "\n", "", 0);
        check("unset 1a", "", "", 0);
        check(
            "unset -z",
            "",
            "bash: unset: -z: invalid option\nunset: usage: unset [-f] [-v] [-n] [name ...]\n",
            2,
        );
    }
}

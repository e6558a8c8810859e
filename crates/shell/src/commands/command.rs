//! `command`, the bash builtin: `-v`/`-V` describe names as bash does; otherwise the command runs without alias
//! lookup.

use super::r#type::describe;
use super::{Command, Ctx};

/// The `command` builtin.
pub struct CommandBuiltin;

impl Command for CommandBuiltin {
    fn names(&self) -> &'static [&'static str] {
        &["command"]
    }

    fn run(&self, ctx: &mut Ctx, args: &[String], stdin: &[u8]) -> i32 {
        let (mut short, mut long, mut i) = (false, false, 1);
        while let Some(arg) = args.get(i) {
            match arg.as_str() {
                "-v" => short = true,
                "-V" => long = true,
                "-p" => {}
                "--" => {
                    i += 1;
                    break;
                }
                a if a.starts_with('-') && a.len() > 1 => {
                    ctx.err(format!(
                        "bash: command: {}: invalid option\ncommand: usage: command [-pVv] command [arg ...]\n",
                        &a[..2]
                    ));
                    return 2;
                }
                _ => break,
            }
            i += 1;
        }
        let rest = args.get(i..).unwrap_or_default();
        if !short && !long {
            return if rest.is_empty() {
                0
            } else {
                ctx.dispatch_nested(rest, stdin)
            };
        }
        let mut status = 1;
        for name in rest {
            let found = describe(ctx, name, false);
            match found.first() {
                None => {
                    if long {
                        ctx.err(format!("bash: command: {name}: not found\n"));
                    }
                }
                Some((kind, sentence, path)) => {
                    status = 0;
                    let line = if long {
                        format!("{sentence}\n")
                    } else if *kind == "alias" {
                        let v = ctx.session.aliases.get(name.as_str()).cloned().unwrap_or_default();
                        super::alias::render(name, &v)
                    } else {
                        format!("{}\n", path.clone().unwrap_or_else(|| name.clone()))
                    };
                    ctx.out(line);
                }
            }
        }
        // bash ends 0 when any name was found.
        status
    }
}

#[cfg(test)]
mod tests {
    use crate::commands::testing::check;

    #[test]
    fn command() {
        check("command -v ls cd foo; echo $?", "/usr/bin/ls\ncd\n0\n", "", 0);
        check("command -v foo", "", "", 1);
        check(
            "command -V ls cd foo",
            "ls is /usr/bin/ls\ncd is a shell builtin\n",
            "bash: command: foo: not found\n",
            0,
        );
        check("command echo hi", "hi\n", "", 0);
        check("alias ll='ls -l'; command -v ll", "alias ll='ls -l'\n", "", 0);
        check("command", "", "", 0);
    }
}

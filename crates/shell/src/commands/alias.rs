//! `alias` and `unalias`, the bash builtins, over the session's alias table (the interpreter expands the first word).

use super::{Command, Ctx};

/// The `alias` builtin.
pub struct Alias;

/// The `unalias` builtin.
pub struct Unalias;

/// `alias name='value'` with single quotes escaped as bash prints them.
pub(crate) fn render(name: &str, value: &str) -> String {
    format!("alias {name}='{}'\n", value.replace('\'', "'\\''"))
}

impl Command for Alias {
    fn names(&self) -> &'static [&'static str] {
        &["alias"]
    }

    fn run(&self, ctx: &mut Ctx, args: &[String], _stdin: &[u8]) -> i32 {
        let mut ops = args.get(1..).unwrap_or_default();
        while let Some(first) = ops.first() {
            match first.as_str() {
                "-p" => ops = ops.get(1..).unwrap_or_default(),
                "--" => {
                    ops = ops.get(1..).unwrap_or_default();
                    break;
                }
                o if o.starts_with('-') && o.len() > 1 => {
                    ctx.err(format!(
                        "bash: alias: {}: invalid option\nalias: usage: alias [-p] [name[=value] ... ]\n",
                        &o[..2]
                    ));
                    return 2;
                }
                _ => break,
            }
        }
        if ops.is_empty() {
            let text: String = ctx.session.aliases.iter().map(|(k, v)| render(k, v)).collect();
            ctx.out(text);
            return 0;
        }
        let mut status = 0;
        for op in ops {
            match op.split_once('=') {
                Some((name, value)) if !name.is_empty() && !name.contains(['/', '$', '`', '\'', '"']) => {
                    if ctx.session.aliases.len() < 1000 || ctx.session.aliases.contains_key(name) {
                        ctx.session.aliases.insert(name.to_owned(), value.to_owned());
                    }
                }
                Some((name, _)) => {
                    ctx.err(format!("bash: alias: `{name}': invalid alias name\n"));
                    status = 1;
                }
                None => match ctx.session.aliases.get(op.as_str()) {
                    Some(v) => {
                        let line = render(op, v);
                        ctx.out(line);
                    }
                    None => {
                        ctx.err(format!("bash: alias: {op}: not found\n"));
                        status = 1;
                    }
                },
            }
        }
        status
    }
}

impl Command for Unalias {
    fn names(&self) -> &'static [&'static str] {
        &["unalias"]
    }

    fn run(&self, ctx: &mut Ctx, args: &[String], _stdin: &[u8]) -> i32 {
        let ops = args.get(1..).unwrap_or_default();
        if ops.is_empty() {
            ctx.err("unalias: usage: unalias [-a] name [name ...]\n");
            return 2;
        }
        if ops.iter().any(|o| o == "-a") {
            ctx.session.aliases.clear();
            return 0;
        }
        let mut status = 0;
        for op in ops {
            if ctx.session.aliases.remove(op.as_str()).is_none() {
                ctx.err(format!("bash: unalias: {op}: not found\n"));
                status = 1;
            }
        }
        status
    }
}

#[cfg(test)]
mod tests {
    use crate::commands::testing::{check, check_in, session};

    #[test]
    fn alias() {
        let mut s = session();
        check_in(&mut s, "alias", "", "", 0);
        check_in(&mut s, "alias ll='ls -l' q=\"it's\"", "", "", 0);
        check_in(&mut s, "alias", "alias ll='ls -l'\nalias q='it'\\''s'\n", "", 0);
        check_in(&mut s, "alias ll", "alias ll='ls -l'\n", "", 0);
        check_in(&mut s, "alias e='echo hi'", "", "", 0);
        check_in(&mut s, "e there", "hi there\n", "", 0);
        check_in(&mut s, "unalias ll; alias ll", "", "bash: alias: ll: not found\n", 1);
        check_in(&mut s, "unalias -a; alias", "", "", 0);
        check_in(&mut s, "alias e='echo \"a  b\"' f='e c' g=g", "", "", 0);
        check_in(
            &mut s,
            "f d; \\e x; 'e' y",
            "a  b c d\n",
            "bash: e: command not found\nbash: e: command not found\n",
            127,
        );
        check_in(&mut s, "g", "", "bash: g: command not found\n", 127);
        s.set_interactive(false);
        check_in(&mut s, "f", "", "bash: line 1: f: command not found\n", 127);
        check("unalias", "", "unalias: usage: unalias [-a] name [name ...]\n", 2);
        check("unalias foo", "", "bash: unalias: foo: not found\n", 1);
        check(
            "alias -z",
            "",
            "bash: alias: -z: invalid option\nalias: usage: alias [-p] [name[=value] ... ]\n",
            2,
        );
    }
}

//! `env` and `printenv` from coreutils: the exported variables, and `env NAME=VALUE… COMMAND` running the command
//! through dispatch with those variables set only for it.

use super::{prog, Command, Ctx};
use crate::exec::Session;

/// The `env` command.
pub struct Env;

/// The `printenv` command.
pub struct Printenv;

/// `NAME=value` lines of the exported variables, then `_` as bash sets it for the child.
fn environment(s: &Session, program: &str) -> String {
    let mut text: String = s
        .vars
        .iter()
        .filter(|(_, v)| v.exported)
        .map(|(k, v)| format!("{k}={}\n", v.value))
        .collect();
    text.push_str(&format!("_={program}\n"));
    text
}

impl Command for Env {
    fn names(&self) -> &'static [&'static str] {
        &["env", "/usr/bin/env", "/bin/env"]
    }

    fn run(&self, ctx: &mut Ctx, args: &[String], stdin: &[u8]) -> i32 {
        let (mut clear, mut unset, mut sets) = (false, Vec::new(), Vec::new());
        let mut i = 1;
        while let Some(arg) = args.get(i) {
            match arg.as_str() {
                "-i" | "-" | "--ignore-environment" => clear = true,
                "-u" | "--unset" => {
                    i += 1;
                    match args.get(i) {
                        Some(n) => unset.push(n.clone()),
                        None => {
                            ctx.err(
                                "env: option requires an argument -- 'u'\nTry 'env --help' for more information.\n",
                            );
                            return 125;
                        }
                    }
                }
                "-0" | "--null" => {}
                "--" => {
                    i += 1;
                    break;
                }
                a if a.starts_with('-') && a.len() > 1 => {
                    ctx.invalid_option(prog(args), a);
                    return 125;
                }
                a if a.contains('=') && !a.starts_with('=') => sets.push(a.to_owned()),
                _ => break,
            }
            i += 1;
        }
        let saved = ctx.session.vars.clone();
        if clear {
            ctx.session.vars.retain(|_, v| !v.exported);
        }
        for name in &unset {
            ctx.session.vars.remove(name);
        }
        for set in &sets {
            if let Some((k, v)) = set.split_once('=') {
                let _ = ctx.session.set_var(k, v.to_owned());
                ctx.session.export(k);
            }
        }
        let command = args.get(i..).unwrap_or_default();
        let status = match command.first() {
            None => {
                let text = if clear && sets.is_empty() {
                    String::new()
                } else {
                    environment(ctx.session, "/usr/bin/env")
                };
                let text = if clear {
                    text.replace("_=/usr/bin/env\n", "")
                } else {
                    text
                };
                ctx.out(text);
                0
            }
            Some(name) if !name.contains('/') && super::lookup(name).is_none() => {
                ctx.err(format!("env: ‘{name}’: No such file or directory\n"));
                127
            }
            Some(_) => ctx.dispatch_nested(command, stdin),
        };
        ctx.session.vars = saved;
        status
    }
}

impl Command for Printenv {
    fn names(&self) -> &'static [&'static str] {
        &["printenv", "/usr/bin/printenv", "/bin/printenv"]
    }

    fn run(&self, ctx: &mut Ctx, args: &[String], _stdin: &[u8]) -> i32 {
        let names: Vec<&String> = args.iter().skip(1).collect();
        if let Some(opt) = names
            .iter()
            .find(|a| a.starts_with('-') && a.len() > 1 && a.as_str() != "-0")
        {
            return ctx.invalid_option(prog(args), opt);
        }
        let names: Vec<&String> = names.into_iter().filter(|a| a.as_str() != "-0").collect();
        if names.is_empty() {
            let text = environment(ctx.session, "/usr/bin/printenv");
            ctx.out(text);
            return 0;
        }
        let mut status = 0;
        for name in names {
            match ctx.session.vars.get(name.as_str()).filter(|v| v.exported) {
                Some(v) => {
                    let line = format!("{}\n", v.value);
                    ctx.out(line);
                }
                None => status = 1,
            }
        }
        status
    }
}

#[cfg(test)]
mod tests {
    use crate::commands::testing::check;

    #[test]
    fn env() {
        check("env -i A=1 B=2", "A=1\nB=2\n", "", 0);
        check("env -i", "", "", 0);
        check("env X=5 printenv X; echo ${X:-unset}", "5\nunset\n", "", 0);
        check("env nope", "", "env: ‘nope’: No such file or directory\n", 127);
        check("printenv HOME USER", "/root\nroot\n", "", 0);
        check("printenv NOPE", "", "", 1);
        check("X=1; printenv X", "", "", 1);
    }
}

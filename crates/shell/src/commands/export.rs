//! `export`, the bash builtin: marks variables for the environment, or lists them as `declare -x`.

use super::{Command, Ctx};

/// The `export` builtin.
pub struct Export;

impl Command for Export {
    fn names(&self) -> &'static [&'static str] {
        &["export"]
    }

    fn run(&self, ctx: &mut Ctx, args: &[String], _stdin: &[u8]) -> i32 {
        let mut operands = &args[1.min(args.len())..];
        while let Some(opt) = operands.first() {
            match opt.as_str() {
                "-p" | "-n" | "-f" => operands = &operands[1..],
                "--" => {
                    operands = &operands[1..];
                    break;
                }
                o if o.starts_with('-') && o.len() > 1 => {
                    ctx.err(format!(
                        "bash: export: {}: invalid option\nexport: usage: export [-fn] [name[=value] ...] or export -p\n",
                        &o[..2]
                    ));
                    return 2;
                }
                _ => break,
            }
        }
        if operands.is_empty() {
            let mut text = String::new();
            for (name, var) in ctx.session.vars.iter().filter(|(_, v)| v.exported) {
                let value = var.value.replace('\\', "\\\\").replace('"', "\\\"").replace('$', "\\$");
                text.push_str(&format!("declare -x {name}=\"{value}\"\n"));
            }
            ctx.out(text);
            return 0;
        }
        let mut status = 0;
        for op in operands {
            let (name, value) = match op.split_once('=') {
                Some((n, v)) => (n, Some(v)),
                None => (op.as_str(), None),
            };
            if !is_name(name) {
                ctx.err(format!("bash: export: `{op}': not a valid identifier\n"));
                status = 1;
                continue;
            }
            if let Some(v) = value {
                if ctx.session.set_var(name, v.to_owned()).is_err() {
                    ctx.err("bash: xmalloc: cannot allocate memory\n");
                    return 1;
                }
            }
            ctx.session.export(name);
        }
        status
    }
}

/// Whether `s` is a valid shell variable name.
fn is_name(s: &str) -> bool {
    s.chars().next().is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && s.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
}

#[cfg(test)]
mod tests {
    use crate::commands::testing::{check, check_in, session};

    #[test]
    fn export() {
        check("export A=1; echo $A", "1\n", "", 0);
        check("export 1a", "", "bash: export: `1a': not a valid identifier\n", 1);
        check(
            "export -z",
            "",
            "bash: export: -z: invalid option\nexport: usage: export [-fn] [name[=value] ...] or export -p\n",
            2,
        );
        let mut s = session();
        check_in(&mut s, "export PATH=$PATH:/tmp", "", "", 0);
        let out = s.run_line("export");
        let text = String::from_utf8(out.stdout).unwrap();
        assert!(
            text.contains("declare -x PATH=\"/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin:/tmp\"\n")
        );
        assert!(text.starts_with("declare -x HOME=\"/root\"\n"), "{text}");
    }
}

//! `type`, the bash builtin: alias, keyword, builtin or file, with `-t`, `-p`, `-P` and `-a`.

use super::which::{path_lookup, BUILTINS, KEYWORDS};
use super::{Command, Ctx};

/// The `type` builtin.
pub struct Type;

/// What one name is, as `type` and `command -V` describe it: (`-t` word, sentence, path).
pub(crate) fn describe(ctx: &Ctx, name: &str, all: bool) -> Vec<(&'static str, String, Option<String>)> {
    let s = &*ctx.session;
    let mut out = Vec::new();
    if let Some(v) = s.aliases.get(name) {
        out.push(("alias", format!("{name} is aliased to `{v}'"), None));
    }
    if KEYWORDS.contains(&name) {
        out.push(("keyword", format!("{name} is a shell keyword"), None));
    }
    if BUILTINS.contains(&name) {
        out.push(("builtin", format!("{name} is a shell builtin"), None));
    }
    if out.is_empty() || all {
        for p in path_lookup(s, name, all) {
            out.push(("file", format!("{name} is {p}"), Some(p)));
        }
    }
    if !all {
        out.truncate(1);
    }
    out
}

impl Command for Type {
    fn names(&self) -> &'static [&'static str] {
        &["type"]
    }

    fn run(&self, ctx: &mut Ctx, args: &[String], _stdin: &[u8]) -> i32 {
        let (mut word, mut path, mut force, mut all) = (false, false, false, false);
        let mut names = Vec::new();
        for arg in args.iter().skip(1) {
            match arg.as_str() {
                a if a.starts_with('-') && a.len() > 1 && names.is_empty() => {
                    for c in a[1..].chars() {
                        match c {
                            't' => word = true,
                            'p' => path = true,
                            'P' => force = true,
                            'a' => all = true,
                            'f' => {}
                            _ => {
                                ctx.err(format!(
                                    "bash: type: -{c}: invalid option\ntype: usage: type [-afptP] name [name ...]\n"
                                ));
                                return 2;
                            }
                        }
                    }
                }
                a => names.push(a.to_owned()),
            }
        }
        let mut status = 0;
        let mut text = String::new();
        for name in names {
            if force {
                let found = path_lookup(ctx.session, &name, all);
                if found.is_empty() {
                    status = 1;
                }
                found.iter().for_each(|p| text.push_str(&format!("{p}\n")));
                continue;
            }
            let found = describe(ctx, &name, all);
            if found.is_empty() {
                status = 1;
                if !word && !path {
                    ctx.out(std::mem::take(&mut text));
                    ctx.err(format!("bash: type: {name}: not found\n"));
                }
                continue;
            }
            for (kind, sentence, p) in found {
                if word {
                    text.push_str(&format!("{kind}\n"));
                } else if path {
                    if let Some(p) = p {
                        text.push_str(&format!("{p}\n"));
                    }
                } else {
                    text.push_str(&format!("{sentence}\n"));
                }
            }
        }
        ctx.out(text);
        status
    }
}

#[cfg(test)]
mod tests {
    use crate::commands::testing::check;

    #[test]
    fn type_builtin() {
        check(
            "type ls cd foo",
            "ls is /usr/bin/ls\ncd is a shell builtin\n",
            "bash: type: foo: not found\n",
            1,
        );
        check("type -t ls cd if", "file\nbuiltin\nkeyword\n", "", 0);
        check("type -p ls cd", "/usr/bin/ls\n", "", 0);
        check("type -a ls", "ls is /usr/bin/ls\nls is /bin/ls\n", "", 0);
        check("alias ll='ls -l'; type ll", "ll is aliased to `ls -l'\n", "", 0);
        check("type", "", "", 0);
    }
}

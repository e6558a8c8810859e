//! `basename` and `dirname` from coreutils: path string manipulation only.

use super::{prog, Command, Ctx};

/// The `basename` command.
pub struct Basename;

/// The `dirname` command.
pub struct Dirname;

fn base_of(path: &str, suffix: Option<&str>) -> String {
    let trimmed = path.trim_end_matches('/');
    if trimmed.is_empty() {
        return if path.is_empty() { String::new() } else { "/".into() };
    }
    let mut base = trimmed.rsplit('/').next().unwrap_or(trimmed).to_string();
    if let Some(s) = suffix {
        if !s.is_empty() && base.len() > s.len() && base.ends_with(s) {
            base.truncate(base.len() - s.len());
        }
    }
    base
}

fn dir_of(path: &str) -> String {
    let trimmed = path.trim_end_matches('/');
    if trimmed.is_empty() {
        return if path.starts_with('/') { "/".into() } else { ".".into() };
    }
    match trimmed.rfind('/') {
        None => ".".into(),
        Some(i) => {
            let d = trimmed[..i].trim_end_matches('/');
            if d.is_empty() {
                "/".into()
            } else {
                d.to_string()
            }
        }
    }
}

impl Command for Basename {
    fn names(&self) -> &'static [&'static str] {
        &["basename", "/bin/basename", "/usr/bin/basename"]
    }

    fn run(&self, ctx: &mut Ctx, args: &[String], _stdin: &[u8]) -> i32 {
        let mut multiple = false;
        let mut suffix: Option<String> = None;
        let mut ops = Vec::new();
        let mut it = args.iter().skip(1);
        let mut done = false;
        while let Some(a) = it.next() {
            if done || !a.starts_with('-') || a == "-" {
                ops.push(a.clone());
            } else if a == "--" {
                done = true;
            } else if a == "-a" || a == "--multiple" {
                multiple = true;
            } else if a == "-s" {
                match it.next() {
                    Some(s) => suffix = Some(s.clone()),
                    None => {
                        ctx.err(format!(
                            "{0}: option requires an argument -- 's'\nTry '{0} --help' for more information.\n",
                            prog(args)
                        ));
                        return 1;
                    }
                }
                multiple = true;
            } else if let Some(s) = a.strip_prefix("--suffix=") {
                suffix = Some(s.to_string());
                multiple = true;
            } else {
                return ctx.invalid_option(prog(args), a);
            }
        }
        if ops.is_empty() {
            ctx.err(format!(
                "{0}: missing operand\nTry '{0} --help' for more information.\n",
                prog(args)
            ));
            return 1;
        }
        if !multiple {
            if ops.len() > 3 {
                return ctx.extra_operand(prog(args), &ops[2]);
            }
            let s = ops.get(1).cloned();
            ctx.out(format!("{}\n", base_of(&ops[0], s.as_deref())));
            return 0;
        }
        for op in &ops {
            ctx.out(format!("{}\n", base_of(op, suffix.as_deref())));
        }
        0
    }
}

impl Command for Dirname {
    fn names(&self) -> &'static [&'static str] {
        &["dirname", "/bin/dirname", "/usr/bin/dirname"]
    }

    fn run(&self, ctx: &mut Ctx, args: &[String], _stdin: &[u8]) -> i32 {
        let mut ops = Vec::new();
        let mut done = false;
        for a in args.iter().skip(1) {
            if done || !a.starts_with('-') || a == "-" {
                ops.push(a);
            } else if a == "--" {
                done = true;
            } else {
                return ctx.invalid_option(prog(args), a);
            }
        }
        if ops.is_empty() {
            ctx.err(format!(
                "{0}: missing operand\nTry '{0} --help' for more information.\n",
                prog(args)
            ));
            return 1;
        }
        for op in ops {
            ctx.out(format!("{}\n", dir_of(op)));
        }
        0
    }
}

#[cfg(test)]
mod tests {
    use crate::commands::testing::check;

    #[test]
    fn basename_dirname() {
        check("basename /usr/bin/ls", "ls\n", "", 0);
        check("basename /a/b.sh .sh", "b\n", "", 0);
        check("basename /", "/\n", "", 0);
        check("basename a/b/", "b\n", "", 0);
        check("basename -a /x/y /z", "y\nz\n", "", 0);
        check(
            "basename",
            "",
            "basename: missing operand\nTry 'basename --help' for more information.\n",
            1,
        );
        check("dirname /usr/bin/ls", "/usr/bin\n", "", 0);
        check("dirname ls", ".\n", "", 0);
        check("dirname /ls", "/\n", "", 0);
        check("dirname a/b/ //", "a\n/\n", "", 0);
    }
}

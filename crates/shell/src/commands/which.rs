//! `which` from debianutils, and the name resolution `type` and `command -v` share: aliases, keywords, builtins,
//! then `PATH` searched in the fake filesystem and the emulated commands' own paths.

use super::{Command, Ctx};
use crate::exec::Session;
use crate::fs::Kind;

/// The `which` command.
pub struct Which;

/// bash 5.2's builtins.
pub(crate) const BUILTINS: &[&str] = &[
    ".",
    ":",
    "[",
    "alias",
    "bg",
    "bind",
    "break",
    "builtin",
    "caller",
    "cd",
    "command",
    "compgen",
    "complete",
    "compopt",
    "continue",
    "declare",
    "dirs",
    "disown",
    "echo",
    "enable",
    "eval",
    "exec",
    "exit",
    "export",
    "false",
    "fc",
    "fg",
    "getopts",
    "hash",
    "help",
    "history",
    "jobs",
    "kill",
    "let",
    "local",
    "logout",
    "mapfile",
    "popd",
    "printf",
    "pushd",
    "pwd",
    "read",
    "readarray",
    "readonly",
    "return",
    "set",
    "shift",
    "shopt",
    "source",
    "suspend",
    "test",
    "times",
    "trap",
    "true",
    "type",
    "typeset",
    "ulimit",
    "umask",
    "unalias",
    "unset",
    "wait",
];

/// bash 5.2's reserved words.
pub(crate) const KEYWORDS: &[&str] = &[
    "!", "[[", "]]", "case", "coproc", "do", "done", "elif", "else", "esac", "fi", "for", "function", "if", "in",
    "select", "then", "time", "until", "while", "{", "}",
];

/// Most `PATH` entries searched.
const MAX_PATH_DIRS: usize = 64;

/// Whether a package-dependent command is installed on this persona.
fn installed(s: &Session, name: &str) -> bool {
    match name {
        "python3" | "python3.11" => s.persona.packages.python3,
        "curl" => s.persona.packages.curl,
        _ => true,
    }
}

/// Every `PATH` location of `name`, in search order (all of them, or the first only).
pub(crate) fn path_lookup(s: &Session, name: &str, all: bool) -> Vec<String> {
    if name.contains('/') {
        let ok =
            s.fs.stat(&s.cwd, name)
                .is_ok_and(|st| st.kind == Kind::File && st.mode & 0o111 != 0);
        return if ok { vec![name.to_owned()] } else { Vec::new() };
    }
    let path = s.vars.get("PATH").map(|v| v.value.clone()).unwrap_or_default();
    let mut found = Vec::new();
    for dir in path.split(':').take(MAX_PATH_DIRS).filter(|d| !d.is_empty()) {
        let candidate = format!("{}/{name}", dir.trim_end_matches('/'));
        let in_fs =
            s.fs.stat("/", &candidate)
                .is_ok_and(|st| st.kind == Kind::File && st.mode & 0o111 != 0);
        let emulated = super::lookup(&candidate).is_some() && installed(s, name);
        if (in_fs || emulated) && !found.contains(&candidate) {
            found.push(candidate);
            if !all {
                break;
            }
        }
    }
    found
}

/// bash's `command not found` for a program typed by bare name whose directory is not in `PATH` (the `sbin` tools
/// for a regular user); `None` when the program is reachable.
pub(crate) fn unreachable(ctx: &mut Ctx, args: &[String]) -> Option<i32> {
    let name = args.first()?;
    if name.contains('/') || !path_lookup(ctx.session, name, false).is_empty() {
        return None;
    }
    ctx.err(format!("bash: {name}: command not found\n"));
    Some(127)
}

impl Command for Which {
    fn names(&self) -> &'static [&'static str] {
        &["which", "/usr/bin/which", "/bin/which"]
    }

    fn run(&self, ctx: &mut Ctx, args: &[String], _stdin: &[u8]) -> i32 {
        let mut all = false;
        let mut names = Vec::new();
        for arg in args.iter().skip(1) {
            match arg.as_str() {
                "-a" => all = true,
                "-s" => {}
                a if a.starts_with('-') => {
                    ctx.err(format!("Illegal option {a}\nUsage: /usr/bin/which [-as] args\n"));
                    return 2;
                }
                a => names.push(a.to_owned()),
            }
        }
        if names.is_empty() {
            return 1;
        }
        let mut status = 0;
        for name in names {
            let found = path_lookup(ctx.session, &name, all);
            if found.is_empty() {
                status = 1;
            }
            let text: String = found.iter().map(|p| format!("{p}\n")).collect();
            ctx.out(text);
        }
        status
    }
}

#[cfg(test)]
mod tests {
    use crate::commands::testing::check;

    #[test]
    fn which() {
        check("which ls foo; echo $?", "/usr/bin/ls\n1\n", "", 0);
        check("which -a ls", "/usr/bin/ls\n/bin/ls\n", "", 0);
        check("which useradd", "/usr/sbin/useradd\n", "", 0);
        check("which", "", "", 1);
        check("which cd", "", "", 1);
        let mut s = crate::commands::testing::session();
        crate::commands::testing::check_in(
            &mut s,
            "PATH=/usr/bin:/bin; useradd x",
            "",
            "bash: useradd: command not found\n",
            127,
        );
    }
}

//! `chattr` from e2fsprogs 1.47: `+`, `-` and `=` attribute sets, `-R`, `-V`, `-f`; the attributes live in the
//! session's small map (the fake fs has no field for them), and `rm`/`mv` honour `i` (immutable) and `a`.

use super::ls::push_children;
use super::{prog, Command, Ctx};
use crate::exec::Session;
use crate::fs::Kind;

/// The `chattr` command.
pub struct Chattr;

/// The attribute letters `lsattr` prints, in its column order.
pub(crate) const LETTERS: &str = "suSDiadAcEjItTeCxFNPVm";

/// Most paths the session's attribute map holds.
const MAX_ATTRS: usize = 10_000;

/// Most nodes one `-R` walk changes.
const MAX_NODES: usize = 50_000;

/// The usage text printed for any malformed command line.
const USAGE: &str = "Usage: chattr [-RVf] [-+=aAcCdDeijPsStTuFx] [-p project] [-v version] files...\n";

/// The attribute letters of `path`: what `chattr` set, or `e` (extents) for files and directories.
pub(crate) fn attrs_of(session: &Session, path: &str, kind: Kind) -> String {
    let canon = session
        .fs
        .canonicalize(&session.cwd, path)
        .unwrap_or_else(|_| path.to_owned());
    match session.attrs.get(&canon) {
        Some(a) => a.clone(),
        None if matches!(kind, Kind::File | Kind::Dir) => "e".to_owned(),
        None => String::new(),
    }
}

/// Whether `path` is marked immutable or append-only, so removing or renaming it fails with `EPERM`.
pub(crate) fn is_protected(session: &Session, path: &str) -> bool {
    let Ok(canon) = session.fs.canonicalize(&session.cwd, path) else {
        return false;
    };
    session.attrs.get(&canon).is_some_and(|a| a.contains(['i', 'a']))
}

impl Command for Chattr {
    fn names(&self) -> &'static [&'static str] {
        &["chattr", "/bin/chattr", "/usr/bin/chattr"]
    }

    fn run(&self, ctx: &mut Ctx, args: &[String], _stdin: &[u8]) -> i32 {
        let p = prog(args).to_owned();
        let (mut recursive, mut verbose, mut quiet) = (false, false, false);
        let mut changes: Vec<(char, String)> = Vec::new();
        let mut files: Vec<&str> = Vec::new();
        for arg in args.iter().skip(1) {
            let first = arg.chars().next();
            if files.is_empty() && matches!(first, Some('+' | '=')) || files.is_empty() && first == Some('-') {
                let body = &arg[1..];
                if first == Some('-') && body.chars().all(|c| "RVf".contains(c)) && !body.is_empty() {
                    recursive |= body.contains('R');
                    verbose |= body.contains('V');
                    quiet |= body.contains('f');
                    continue;
                }
                if body.is_empty() || !body.chars().all(|c| LETTERS.contains(c)) {
                    ctx.err(USAGE);
                    return 1;
                }
                changes.push((first.unwrap_or('+'), body.to_owned()));
            } else {
                files.push(arg);
            }
        }
        if changes.is_empty() || files.is_empty() {
            ctx.err(USAGE);
            return 1;
        }
        let mut status = 0;
        let mut budget = MAX_NODES;
        for file in files {
            let mut stack = vec![file.to_owned()];
            while let Some(path) = stack.pop() {
                if budget == 0 {
                    break;
                }
                budget -= 1;
                let s = &*ctx.session;
                let st = match s.fs.stat(&s.cwd, &path) {
                    Ok(st) => st,
                    Err(e) => {
                        if !quiet {
                            ctx.err(format!("{p}: {} while trying to stat {path}\n", e.message()));
                        }
                        status = 1;
                        continue;
                    }
                };
                if s.user.uid != 0 {
                    ctx.err(format!("{p}: Operation not permitted while setting flags on {path}\n"));
                    status = 1;
                    continue;
                }
                let mut set = attrs_of(s, &path, st.kind);
                for (op, letters) in &changes {
                    match op {
                        '=' => set = letters.clone(),
                        '+' => set.extend(letters.chars().filter(|c| !set.contains(*c)).collect::<Vec<_>>()),
                        _ => set.retain(|c| !letters.contains(c)),
                    }
                }
                let ordered: String = LETTERS.chars().filter(|c| set.contains(*c)).collect();
                let canon = s.fs.canonicalize(&s.cwd, &path).unwrap_or_else(|_| path.clone());
                if verbose {
                    ctx.out(format!("Flags of {path} set as {}\n", render(&ordered)));
                }
                let attrs = &mut ctx.session.attrs;
                if attrs.len() < MAX_ATTRS || attrs.contains_key(&canon) {
                    attrs.insert(canon, ordered);
                }
                if recursive && st.kind == Kind::Dir {
                    push_children(&*ctx.session, &path, &mut stack, true);
                }
            }
        }
        status
    }
}

/// The 22-column flag string of `lsattr`, e.g. `----i---------e-------`.
pub(crate) fn render(set: &str) -> String {
    LETTERS.chars().map(|c| if set.contains(c) { c } else { '-' }).collect()
}

#[cfg(test)]
mod tests {
    use crate::commands::testing::{check, check_in, session};

    #[test]
    fn chattr() {
        let mut s = session();
        check_in(
            &mut s,
            "touch /tmp/f; chattr +i /tmp/f; lsattr /tmp/f",
            "----i---------e------- /tmp/f\n",
            "",
            0,
        );
        check_in(
            &mut s,
            "rm -f /tmp/f",
            "",
            "rm: cannot remove '/tmp/f': Operation not permitted\n",
            1,
        );
        check_in(
            &mut s,
            "mv /tmp/f /tmp/g",
            "",
            "mv: cannot move '/tmp/f' to '/tmp/g': Operation not permitted\n",
            1,
        );
        check_in(
            &mut s,
            "chattr -V -i /tmp/f",
            "Flags of /tmp/f set as --------------e-------\n",
            "",
            0,
        );
        check_in(&mut s, "rm /tmp/f", "", "", 0);
        check(
            "chattr +i /nope",
            "",
            "chattr: No such file or directory while trying to stat /nope\n",
            1,
        );
        check(
            "chattr +z /etc",
            "",
            "Usage: chattr [-RVf] [-+=aAcCdDeijPsStTuFx] [-p project] [-v version] files...\n",
            1,
        );
    }
}

//! `rm` from coreutils: files, `-r`/`-R` trees, `-f` (quiet, no missing-operand error), `-v`, `-d`; `-i`/`-I`
//! are accepted and ignored (no prompt); `rm -rf /` prints GNU's preserve-root refusal.

use super::ls::{join, missing, parse_flags};
use super::{prog, Command, Ctx};
use crate::fs::Kind;

/// The `rm` command.
pub struct Rm;

/// Most nodes one invocation removes.
const MAX_NODES: usize = 100_000;

impl Command for Rm {
    fn names(&self) -> &'static [&'static str] {
        &["rm", "/bin/rm", "/usr/bin/rm"]
    }

    fn run(&self, ctx: &mut Ctx, args: &[String], _stdin: &[u8]) -> i32 {
        let p = prog(args).to_owned();
        let longs = [
            ("recursive", 'r'),
            ("force", 'f'),
            ("verbose", 'v'),
            ("dir", 'd'),
            ("interactive", 'i'),
            ("no-preserve-root", 'N'),
            ("preserve-root", 'P'),
            ("one-file-system", 'x'),
        ];
        let (flags, files) = match parse_flags(args, "rRfvidIx", &longs) {
            Ok(x) => x,
            Err(bad) => return ctx.invalid_option(&p, &bad),
        };
        let recursive = flags.iter().any(|c| matches!(c, 'r' | 'R'));
        let force = flags.contains(&'f');
        let verbose = flags.contains(&'v');
        let dir_ok = flags.contains(&'d');
        if files.is_empty() {
            if force {
                return 0;
            }
            return missing(ctx, &p, "missing operand");
        }
        let mut status = 0;
        let mut budget = MAX_NODES;
        for file in files {
            let base = super::ls::base_name(file);
            if base == "." || base == ".." {
                ctx.err(format!(
                    "{p}: refusing to remove '.' or '..' directory: skipping '{file}'\n"
                ));
                status = 1;
                continue;
            }
            let s = &*ctx.session;
            let st = match s.fs.lstat(&s.cwd, file) {
                Ok(st) => st,
                Err(e) => {
                    if !force {
                        ctx.err(format!("{p}: cannot remove '{file}': {}\n", e.message()));
                        status = 1;
                    }
                    continue;
                }
            };
            if st.kind == Kind::Dir {
                if recursive && !flags.contains(&'N') && s.fs.canonicalize(&s.cwd, file).as_deref() == Ok("/") {
                    if file == "/" {
                        ctx.err(format!("{p}: it is dangerous to operate recursively on '/'\n"));
                    } else {
                        ctx.err(format!(
                            "{p}: it is dangerous to operate recursively on '{file}' (same as '/')\n"
                        ));
                    }
                    ctx.err(format!("{p}: use --no-preserve-root to override this failsafe\n"));
                    status = 1;
                    continue;
                }
                if !recursive {
                    if dir_ok {
                        if !remove_dir(ctx, &p, file, verbose) {
                            status = 1;
                        }
                        continue;
                    }
                    ctx.err(format!("{p}: cannot remove '{file}': Is a directory\n"));
                    status = 1;
                    continue;
                }
                if !remove_tree(ctx, &p, file, verbose, &mut budget) {
                    status = 1;
                }
                continue;
            }
            if super::chattr::is_protected(ctx.session, file) {
                ctx.err(format!("{p}: cannot remove '{file}': Operation not permitted\n"));
                status = 1;
                continue;
            }
            let s = &mut *ctx.session;
            match s.fs.unlink(&s.cwd, file) {
                Ok(()) if verbose => ctx.out(format!("removed '{file}'\n")),
                Ok(()) => {}
                Err(e) => {
                    ctx.err(format!("{p}: cannot remove '{file}': {}\n", e.message()));
                    status = 1;
                }
            }
        }
        status
    }
}

/// Removes one empty directory, printing the error; `false` on failure.
fn remove_dir(ctx: &mut Ctx, p: &str, path: &str, verbose: bool) -> bool {
    let s = &mut *ctx.session;
    match s.fs.rmdir(&s.cwd, path) {
        Ok(()) => {
            if verbose {
                ctx.out(format!("removed directory '{path}'\n"));
            }
            true
        }
        Err(e) => {
            ctx.err(format!("{p}: cannot remove '{path}': {}\n", e.message()));
            false
        }
    }
}

/// Removes a directory tree depth first; `false` if anything failed.
fn remove_tree(ctx: &mut Ctx, p: &str, path: &str, verbose: bool, budget: &mut usize) -> bool {
    if *budget == 0 {
        return false;
    }
    *budget -= 1;
    let list = {
        let s = &*ctx.session;
        s.fs.list(&s.cwd, path).unwrap_or_default()
    };
    let mut ok = true;
    for e in list {
        let child = join(path, &e.name);
        if e.stat.kind == Kind::Dir {
            ok &= remove_tree(ctx, p, &child, verbose, budget);
        } else {
            if *budget == 0 {
                return false;
            }
            *budget -= 1;
            if super::chattr::is_protected(ctx.session, &child) {
                ctx.err(format!("{p}: cannot remove '{child}': Operation not permitted\n"));
                ok = false;
                continue;
            }
            let s = &mut *ctx.session;
            match s.fs.unlink(&s.cwd, &child) {
                Ok(()) if verbose => ctx.out(format!("removed '{child}'\n")),
                Ok(()) => {}
                Err(err) => {
                    ctx.err(format!("{p}: cannot remove '{child}': {}\n", err.message()));
                    ok = false;
                }
            }
        }
    }
    ok && remove_dir(ctx, p, path, verbose)
}

#[cfg(test)]
mod tests {
    use crate::commands::testing::{check, check_in, session};

    #[test]
    fn rm() {
        let mut s = session();
        check_in(&mut s, "mkdir -p /tmp/x/y; touch /tmp/x/y/f /tmp/g", "", "", 0);
        check_in(
            &mut s,
            "rm /tmp/x",
            "",
            "rm: cannot remove '/tmp/x': Is a directory\n",
            1,
        );
        check_in(
            &mut s,
            "rm -rv /tmp/x /tmp/g",
            "removed '/tmp/x/y/f'\nremoved directory '/tmp/x/y'\nremoved directory '/tmp/x'\nremoved '/tmp/g'\n",
            "",
            0,
        );
        check_in(&mut s, "rm -f /tmp/nope; ls /tmp", "", "", 0);
        check_in(
            &mut s,
            "mkdir /tmp/k; touch /tmp/k/f; chattr +i /tmp/k/f; rm -rf /tmp/k",
            "",
            "rm: cannot remove '/tmp/k/f': Operation not permitted\n",
            1,
        );
        check(
            "rm -rf /",
            "",
            "rm: it is dangerous to operate recursively on '/'\nrm: use --no-preserve-root to override this failsafe\n",
            1,
        );
        check(
            "rm /nope",
            "",
            "rm: cannot remove '/nope': No such file or directory\n",
            1,
        );
        check(
            "rm",
            "",
            "rm: missing operand\nTry 'rm --help' for more information.\n",
            1,
        );
        check("rm -f", "", "", 0);
    }
}

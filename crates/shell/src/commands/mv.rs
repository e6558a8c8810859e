//! `mv` from coreutils: renames, moves into a directory, `-f`, `-v`; `-i`/`-n`/`-u` accepted.

use super::ls::{dest_dir, parse_flags, split_dest, target_path};
use super::{prog, Command, Ctx};
use crate::fs::Errno;

/// The `mv` command.
pub struct Mv;

impl Command for Mv {
    fn names(&self) -> &'static [&'static str] {
        &["mv", "/bin/mv", "/usr/bin/mv"]
    }

    fn run(&self, ctx: &mut Ctx, args: &[String], _stdin: &[u8]) -> i32 {
        let p = prog(args).to_owned();
        let longs = [
            ("force", 'f'),
            ("verbose", 'v'),
            ("interactive", 'i'),
            ("no-clobber", 'n'),
            ("update", 'u'),
        ];
        let (flags, ops) = match parse_flags(args, "fvinu", &longs) {
            Ok(x) => x,
            Err(bad) => return ctx.invalid_option(&p, &bad),
        };
        let verbose = flags.contains(&'v');
        let (dest, srcs) = match split_dest(ctx, &p, &ops) {
            Ok(x) => x,
            Err(code) => return code,
        };
        let dest_is_dir = match dest_dir(ctx, &p, dest, srcs.len(), false) {
            Ok(d) => d,
            Err(code) => return code,
        };
        let mut status = 0;
        for src in srcs {
            let target = target_path(dest, dest_is_dir, src);
            let s = &mut *ctx.session;
            if let Err(e) = s.fs.lstat(&s.cwd, src) {
                ctx.err(format!("{p}: cannot stat '{src}': {}\n", e.message()));
                status = 1;
                continue;
            }
            if super::chattr::is_protected(s, src) {
                ctx.err(format!(
                    "{p}: cannot move '{src}' to '{target}': Operation not permitted\n"
                ));
                status = 1;
                continue;
            }
            match s.fs.rename(&s.cwd, src, &target) {
                Ok(()) if verbose => ctx.out(format!("renamed '{src}' -> '{target}'\n")),
                Ok(()) => {}
                Err(Errno::Einval) => {
                    ctx.err(format!(
                        "{p}: cannot move '{src}' to a subdirectory of itself, '{target}'\n"
                    ));
                    status = 1;
                }
                Err(Errno::Eisdir) => {
                    ctx.err(format!(
                        "{p}: cannot overwrite directory '{target}' with non-directory\n"
                    ));
                    status = 1;
                }
                Err(e) => {
                    ctx.err(format!("{p}: cannot move '{src}' to '{target}': {}\n", e.message()));
                    status = 1;
                }
            }
        }
        status
    }
}

#[cfg(test)]
mod tests {
    use crate::commands::testing::{check, check_in, session};

    #[test]
    fn mv() {
        let mut s = session();
        check_in(
            &mut s,
            "touch /tmp/a; mv -v /tmp/a /tmp/b",
            "renamed '/tmp/a' -> '/tmp/b'\n",
            "",
            0,
        );
        check_in(&mut s, "mkdir /tmp/d; mv /tmp/b /tmp/d; ls /tmp/d", "b\n", "", 0);
        check_in(
            &mut s,
            "mv /tmp/d /tmp/d/x",
            "",
            "mv: cannot move '/tmp/d' to a subdirectory of itself, '/tmp/d/x'\n",
            1,
        );
        check(
            "mv /nope /tmp",
            "",
            "mv: cannot stat '/nope': No such file or directory\n",
            1,
        );
        check(
            "mv a",
            "",
            "mv: missing destination file operand after 'a'\nTry 'mv --help' for more information.\n",
            1,
        );
        check(
            "mv",
            "",
            "mv: missing file operand\nTry 'mv --help' for more information.\n",
            1,
        );
    }
}

//! `rmdir` from coreutils: removes empty directories, with `-p` (parents) and `-v`.

use super::ls::{missing, parse_flags};
use super::{prog, Command, Ctx};

/// The `rmdir` command.
pub struct Rmdir;

impl Command for Rmdir {
    fn names(&self) -> &'static [&'static str] {
        &["rmdir", "/bin/rmdir", "/usr/bin/rmdir"]
    }

    fn run(&self, ctx: &mut Ctx, args: &[String], _stdin: &[u8]) -> i32 {
        let p = prog(args).to_owned();
        let longs = [("parents", 'p'), ("verbose", 'v'), ("ignore-fail-on-non-empty", 'I')];
        let (flags, dirs) = match parse_flags(args, "pv", &longs) {
            Ok(x) => x,
            Err(bad) => return ctx.invalid_option(&p, &bad),
        };
        if dirs.is_empty() {
            return missing(ctx, &p, "missing operand");
        }
        let (parents, verbose) = (flags.contains(&'p'), flags.contains(&'v'));
        let ignore = flags.contains(&'I');
        let mut status = 0;
        for dir in dirs {
            let mut path = dir.trim_end_matches('/').to_owned();
            if path.is_empty() {
                path = dir.to_owned();
            }
            loop {
                if verbose {
                    ctx.out(format!("{p}: removing directory, '{path}'\n"));
                }
                let s = &mut *ctx.session;
                if let Err(e) = s.fs.rmdir(&s.cwd, &path) {
                    if !(ignore && e == crate::fs::Errno::Enotempty) {
                        ctx.err(format!("{p}: failed to remove '{path}': {}\n", e.message()));
                        status = 1;
                    }
                    break;
                }
                match path.rfind('/') {
                    Some(i) if parents && i > 0 => path.truncate(i),
                    _ => break,
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
    fn rmdir() {
        let mut s = session();
        check_in(
            &mut s,
            "mkdir -p /tmp/a/b; rmdir /tmp/a",
            "",
            "rmdir: failed to remove '/tmp/a': Directory not empty\n",
            1,
        );
        check_in(
            &mut s,
            "rmdir -v /tmp/a/b",
            "rmdir: removing directory, '/tmp/a/b'\n",
            "",
            0,
        );
        check_in(
            &mut s,
            "rmdir /etc/hostname",
            "",
            "rmdir: failed to remove '/etc/hostname': Not a directory\n",
            1,
        );
        check_in(
            &mut s,
            "mkdir -p x/y; rmdir -p x/y; ls x",
            "",
            "ls: cannot access 'x': No such file or directory\n",
            2,
        );
        check(
            "rmdir /nope",
            "",
            "rmdir: failed to remove '/nope': No such file or directory\n",
            1,
        );
        check(
            "rmdir",
            "",
            "rmdir: missing operand\nTry 'rmdir --help' for more information.\n",
            1,
        );
    }
}

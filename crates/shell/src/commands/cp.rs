//! `cp` from coreutils: files, into a directory, `-r`/`-R`/`-a` trees, `-p` (mode, owner, mtime), `-f`, `-v`;
//! `-i`/`-n`/`-u` accepted.

use super::ls::{dest_dir, join, parse_flags, split_dest, target_path};
use super::{prog, Command, Ctx};
use crate::fs::{Kind, WriteMode};

/// The `cp` command.
pub struct Cp;

/// Most nodes one invocation copies.
const MAX_NODES: usize = 20_000;

/// What the copy keeps.
#[derive(Clone, Copy)]
struct Opts {
    recursive: bool,
    preserve: bool,
    verbose: bool,
}

impl Command for Cp {
    fn names(&self) -> &'static [&'static str] {
        &["cp", "/bin/cp", "/usr/bin/cp"]
    }

    fn run(&self, ctx: &mut Ctx, args: &[String], _stdin: &[u8]) -> i32 {
        let p = prog(args).to_owned();
        let longs = [
            ("recursive", 'r'),
            ("force", 'f'),
            ("verbose", 'v'),
            ("archive", 'a'),
            ("preserve", 'p'),
            ("interactive", 'i'),
            ("no-clobber", 'n'),
            ("update", 'u'),
        ];
        let (flags, ops) = match parse_flags(args, "rRfvapinuPdLH", &longs) {
            Ok(x) => x,
            Err(bad) => return ctx.invalid_option(&p, &bad),
        };
        let o = Opts {
            recursive: flags.iter().any(|c| matches!(c, 'r' | 'R' | 'a')),
            preserve: flags.iter().any(|c| matches!(c, 'p' | 'a')),
            verbose: flags.contains(&'v'),
        };
        let (dest, srcs) = match split_dest(ctx, &p, &ops) {
            Ok(x) => x,
            Err(code) => return code,
        };
        let dest_is_dir = match dest_dir(ctx, &p, dest, srcs.len(), false) {
            Ok(d) => d,
            Err(code) => return code,
        };
        let mut status = 0;
        let mut budget = MAX_NODES;
        for src in srcs {
            let target = target_path(dest, dest_is_dir, src);
            if !copy(ctx, &p, src, &target, o, true, &mut budget) {
                status = 1;
            }
        }
        status
    }
}

/// Copies `src` to `dst` (recursively for directories with `-r`); prints errors; `false` if anything failed.
fn copy(ctx: &mut Ctx, p: &str, src: &str, dst: &str, o: Opts, top: bool, budget: &mut usize) -> bool {
    if *budget == 0 {
        return false;
    }
    *budget -= 1;
    let s = &*ctx.session;
    let st = match if top {
        s.fs.stat(&s.cwd, src)
    } else {
        s.fs.lstat(&s.cwd, src)
    } {
        Ok(st) => st,
        Err(e) => {
            ctx.err(format!("{p}: cannot stat '{src}': {}\n", e.message()));
            return false;
        }
    };
    if let (Ok(a), Ok(b)) = (s.fs.canonicalize(&s.cwd, src), s.fs.canonicalize(&s.cwd, dst)) {
        if a == b {
            ctx.err(format!("{p}: '{src}' and '{dst}' are the same file\n"));
            return false;
        }
        if st.kind == Kind::Dir && b.starts_with(&format!("{a}/")) {
            ctx.err(format!("{p}: cannot copy a directory, '{src}', into itself, '{dst}'\n"));
            return false;
        }
    }
    let uid = s.user.uid;
    match st.kind {
        Kind::Dir => {
            if !o.recursive {
                ctx.err(format!("{p}: -r not specified; omitting directory '{src}'\n"));
                return false;
            }
            let s = &mut *ctx.session;
            let exists = s.fs.stat(&s.cwd, dst).map(|d| d.kind == Kind::Dir).unwrap_or(false);
            if !exists {
                if let Err(e) = s.fs.mkdir(&s.cwd, dst, st.mode) {
                    ctx.err(format!("{p}: cannot create directory '{dst}': {}\n", e.message()));
                    return false;
                }
            }
            if o.verbose {
                ctx.out(format!("'{src}' -> '{dst}'\n"));
            }
            let list = {
                let s = &*ctx.session;
                s.fs.list(&s.cwd, src).unwrap_or_default()
            };
            let mut ok = true;
            for e in list {
                ok &= copy(ctx, p, &join(src, &e.name), &join(dst, &e.name), o, false, budget);
            }
            finish(ctx, dst, st, o, uid);
            ok
        }
        Kind::Symlink => {
            let s = &mut *ctx.session;
            let target = s.fs.read_link(&s.cwd, src).map(|t| t.to_string()).unwrap_or_default();
            let _ = s.fs.unlink(&s.cwd, dst);
            if let Err(e) = s.fs.symlink(&s.cwd, &target, dst) {
                ctx.err(format!("{p}: cannot create symbolic link '{dst}': {}\n", e.message()));
                return false;
            }
            if o.verbose {
                ctx.out(format!("'{src}' -> '{dst}'\n"));
            }
            true
        }
        _ => {
            let bytes = match ctx.session.read_file(src) {
                Ok(b) => b,
                Err(e) => {
                    ctx.err(format!("{p}: cannot open '{src}' for reading: {}\n", e.message()));
                    return false;
                }
            };
            let s = &mut *ctx.session;
            let existed = s.fs.stat(&s.cwd, dst).is_ok();
            if let Err(e) = s.fs.write(&s.cwd, dst, &bytes, WriteMode::Truncate) {
                ctx.err(format!("{p}: cannot create regular file '{dst}': {}\n", e.message()));
                return false;
            }
            if !existed {
                let umask = s.umask & 0o777;
                let _ = s.fs.chmod(&s.cwd, dst, st.mode & 0o777 & !umask);
            }
            if o.verbose {
                ctx.out(format!("'{src}' -> '{dst}'\n"));
            }
            finish(ctx, dst, st, o, uid);
            true
        }
    }
}

/// Applies `-p`: the source's mode, owner (root only) and mtime.
fn finish(ctx: &mut Ctx, dst: &str, st: crate::fs::Stat, o: Opts, uid: u32) {
    if !o.preserve {
        return;
    }
    let s = &mut *ctx.session;
    let _ = s.fs.chmod(&s.cwd, dst, st.mode);
    if uid == 0 {
        let _ = s.fs.chown(&s.cwd, dst, Some(st.uid), Some(st.gid));
    }
    let _ = s.fs.touch(&s.cwd, dst, Some(st.mtime));
}

#[cfg(test)]
mod tests {
    use crate::commands::testing::{check, check_in, session};

    #[test]
    fn cp() {
        let mut s = session();
        check_in(&mut s, "cp /etc/hostname /tmp/h; cat /tmp/h", "debian\n", "", 0);
        check_in(
            &mut s,
            "cp -p /etc/hostname /tmp/p; ls -l /tmp/p",
            "-rw-r--r-- 1 root root 7 Jun 10  2023 /tmp/p\n",
            "",
            0,
        );
        check_in(
            &mut s,
            "cp /etc /tmp/e",
            "",
            "cp: -r not specified; omitting directory '/etc'\n",
            1,
        );
        check_in(
            &mut s,
            "cp -rv /etc /tmp/e",
            "'/etc' -> '/tmp/e'\n'/etc/hostname' -> '/tmp/e/hostname'\n'/etc/passwd' -> '/tmp/e/passwd'\n",
            "",
            0,
        );
        check_in(
            &mut s,
            "cp /etc/hostname /tmp/e; cat /tmp/e/hostname",
            "debian\n",
            "",
            0,
        );
        check_in(
            &mut s,
            "cp /tmp/h /tmp/h",
            "",
            "cp: '/tmp/h' and '/tmp/h' are the same file\n",
            1,
        );
        check(
            "cp /nope /tmp",
            "",
            "cp: cannot stat '/nope': No such file or directory\n",
            1,
        );
        check(
            "cp /etc/passwd",
            "",
            "cp: missing destination file operand after '/etc/passwd'\nTry 'cp --help' for more information.\n",
            1,
        );
        check(
            "cp",
            "",
            "cp: missing file operand\nTry 'cp --help' for more information.\n",
            1,
        );
        check(
            "cp /etc/passwd /etc/hostname /nope",
            "",
            "cp: target '/nope' is not a directory\n",
            1,
        );
    }
}

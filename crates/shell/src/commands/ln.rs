//! `ln` from coreutils: symbolic links (`-s`), `-f` to replace, `-v`, links placed into a directory target.
//! Hard links are emulated by copying the file (the fake fs has no shared inodes).

use super::ls::{dest_dir, missing, parse_flags, target_path};
use super::{prog, Command, Ctx};
use crate::fs::{Kind, WriteMode};

/// The `ln` command.
pub struct Ln;

impl Command for Ln {
    fn names(&self) -> &'static [&'static str] {
        &["ln", "/bin/ln", "/usr/bin/ln"]
    }

    fn run(&self, ctx: &mut Ctx, args: &[String], _stdin: &[u8]) -> i32 {
        let p = prog(args).to_owned();
        let longs = [
            ("symbolic", 's'),
            ("force", 'f'),
            ("verbose", 'v'),
            ("no-dereference", 'n'),
            ("interactive", 'i'),
        ];
        let (flags, ops) = match parse_flags(args, "sfvniT", &longs) {
            Ok(x) => x,
            Err(bad) => return ctx.invalid_option(&p, &bad),
        };
        let (symbolic, force, verbose) = (flags.contains(&'s'), flags.contains(&'f'), flags.contains(&'v'));
        let no_deref = flags.contains(&'n') || flags.contains(&'T');
        if ops.is_empty() {
            return missing(ctx, &p, "missing file operand");
        }
        let (targets, dest): (&[&str], String) = match ops.split_last() {
            Some((last, rest)) if !rest.is_empty() => (rest, (*last).to_owned()),
            _ => (&ops[..], ".".to_owned()),
        };
        let dest_is_dir = match dest_dir(ctx, &p, &dest, targets.len(), no_deref) {
            Ok(d) => d,
            Err(code) => return code,
        };
        let mut status = 0;
        for target in targets {
            let link = target_path(&dest, dest_is_dir, target);
            let s = &mut *ctx.session;
            if !symbolic {
                if let Err(e) = s.fs.stat(&s.cwd, target) {
                    ctx.err(format!("{p}: failed to access '{target}': {}\n", e.message()));
                    status = 1;
                    continue;
                }
            }
            if force {
                if let Ok(st) = s.fs.lstat(&s.cwd, &link) {
                    if st.kind != Kind::Dir {
                        let _ = s.fs.unlink(&s.cwd, &link);
                    }
                }
            }
            let result = if symbolic {
                s.fs.symlink(&s.cwd, target, &link)
            } else if s.fs.lstat(&s.cwd, &link).is_ok() {
                Err(crate::fs::Errno::Eexist)
            } else {
                let bytes = s.read_file(target).unwrap_or_default();
                let mode = s.fs.stat(&s.cwd, target).map(|st| st.mode).unwrap_or(0o644);
                s.fs.write(&s.cwd, &link, &bytes, WriteMode::Truncate)
                    .and_then(|()| s.fs.chmod(&s.cwd, &link, mode))
            };
            match result {
                Ok(()) if verbose => {
                    let arrow = if symbolic { "->" } else { "=>" };
                    ctx.out(format!("'{link}' {arrow} '{target}'\n"));
                }
                Ok(()) => {}
                Err(e) if symbolic => {
                    ctx.err(format!(
                        "{p}: failed to create symbolic link '{link}': {}\n",
                        e.message()
                    ));
                    status = 1;
                }
                Err(e) => {
                    ctx.err(format!(
                        "{p}: failed to create hard link '{link}' => '{target}': {}\n",
                        e.message()
                    ));
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
    fn ln() {
        let mut s = session();
        check_in(
            &mut s,
            "ln -s /etc/passwd /tmp/pw; ls -l /tmp/pw",
            "lrwxrwxrwx 1 root root 11 Jun 15 15:06 /tmp/pw -> /etc/passwd\n",
            "",
            0,
        );
        check_in(
            &mut s,
            "ln -s /etc/hostname /tmp/pw",
            "",
            "ln: failed to create symbolic link '/tmp/pw': File exists\n",
            1,
        );
        check_in(&mut s, "ln -sf /etc/hostname /tmp/pw; cat /tmp/pw", "debian\n", "", 0);
        check_in(
            &mut s,
            "mkdir /tmp/d; ln -sv /etc/passwd /tmp/d",
            "'/tmp/d/passwd' -> '/etc/passwd'\n",
            "",
            0,
        );
        check_in(&mut s, "ln /etc/hostname /tmp/h; cat /tmp/h", "debian\n", "", 0);
        check(
            "ln /nope /tmp/x",
            "",
            "ln: failed to access '/nope': No such file or directory\n",
            1,
        );
        check(
            "ln",
            "",
            "ln: missing file operand\nTry 'ln --help' for more information.\n",
            1,
        );
    }
}

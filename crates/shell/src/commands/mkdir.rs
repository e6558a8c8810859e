//! `mkdir` from coreutils: `-p` (parents, no error if existing), `-m MODE` (octal or symbolic), `-v`.

use super::chmod::apply_mode;
use super::ls::missing;
use super::{prog, Command, Ctx};
use crate::fs::{Errno, Kind};

/// The `mkdir` command.
pub struct Mkdir;

impl Command for Mkdir {
    fn names(&self) -> &'static [&'static str] {
        &["mkdir", "/bin/mkdir", "/usr/bin/mkdir"]
    }

    fn run(&self, ctx: &mut Ctx, args: &[String], _stdin: &[u8]) -> i32 {
        let p = prog(args).to_owned();
        let (mut parents, mut verbose, mut mode_spec) = (false, false, None::<String>);
        let mut dirs: Vec<&str> = Vec::new();
        let mut it = args.iter().skip(1);
        let mut done = false;
        while let Some(arg) = it.next() {
            if done || !arg.starts_with('-') || arg == "-" {
                dirs.push(arg);
                continue;
            }
            match arg.as_str() {
                "--" => done = true,
                "--parents" => parents = true,
                "--verbose" => verbose = true,
                a if a.starts_with("--mode=") => mode_spec = Some(a["--mode=".len()..].to_owned()),
                a if a.starts_with("--") => return ctx.invalid_option(&p, a),
                a => {
                    let chars = a.char_indices().skip(1);
                    for (i, c) in chars {
                        match c {
                            'p' => parents = true,
                            'v' => verbose = true,
                            'm' => {
                                let rest = &a[i + 1..];
                                if !rest.is_empty() {
                                    mode_spec = Some(rest.to_owned());
                                } else if let Some(v) = it.next() {
                                    mode_spec = Some(v.clone());
                                } else {
                                    return missing(ctx, &p, "option requires an argument -- 'm'");
                                }
                                break;
                            }
                            _ => return ctx.invalid_option(&p, &format!("-{c}")),
                        }
                    }
                }
            }
        }
        let umask = ctx.session.umask & 0o777;
        let mode = match &mode_spec {
            None => 0o777 & !umask,
            Some(spec) => match apply_mode(spec, 0o777, true) {
                // Symbolic modes start from a=rwx without the umask, as GNU does.
                Some(m) if spec.bytes().all(|b| b.is_ascii_digit()) => m,
                Some(_) => apply_sym(spec),
                None => {
                    ctx.err(format!("{p}: invalid mode ‘{spec}’\n"));
                    return 1;
                }
            },
        };
        if dirs.is_empty() {
            return missing(ctx, &p, "missing operand");
        }
        let mut status = 0;
        for dir in dirs {
            if parents {
                let mut prefix = if dir.starts_with('/') {
                    "/".to_owned()
                } else {
                    String::new()
                };
                let comps: Vec<&str> = dir.split('/').filter(|c| !c.is_empty()).collect();
                for (i, comp) in comps.iter().enumerate() {
                    if !prefix.is_empty() && !prefix.ends_with('/') {
                        prefix.push('/');
                    }
                    prefix.push_str(comp);
                    let last = i + 1 == comps.len();
                    let s = &mut *ctx.session;
                    match s.fs.stat(&s.cwd, &prefix) {
                        Ok(st) if st.kind == Kind::Dir => continue,
                        Ok(_) => {
                            ctx.err(format!("{p}: cannot create directory ‘{prefix}’: Not a directory\n"));
                            status = 1;
                            break;
                        }
                        Err(_) => {}
                    }
                    let m = if last { mode } else { 0o777 & !umask };
                    match s.fs.mkdir(&s.cwd, &prefix, m) {
                        Ok(()) if verbose => ctx.out(format!("{p}: created directory '{prefix}'\n")),
                        Ok(()) => {}
                        Err(e) => {
                            ctx.err(format!("{p}: cannot create directory ‘{prefix}’: {}\n", e.message()));
                            status = 1;
                            break;
                        }
                    }
                }
                continue;
            }
            let s = &mut *ctx.session;
            match s.fs.mkdir(&s.cwd, dir, mode) {
                Ok(()) if verbose => ctx.out(format!("{p}: created directory '{dir}'\n")),
                Ok(()) => {}
                Err(e) => {
                    let e = if e == Errno::Enotdir { Errno::Enotdir } else { e };
                    ctx.err(format!("{p}: cannot create directory ‘{dir}’: {}\n", e.message()));
                    status = 1;
                }
            }
        }
        status
    }
}

/// A symbolic `-m` mode, applied to `a=rwx` with no umask.
fn apply_sym(spec: &str) -> u32 {
    // `apply_mode` masks who-less clauses with the umask; give every clause an explicit `a` instead.
    let spec: Vec<String> = spec
        .split(',')
        .map(|c| {
            if c.starts_with(['+', '-', '=']) {
                format!("a{c}")
            } else {
                c.to_owned()
            }
        })
        .collect();
    apply_mode(&spec.join(","), 0o777, true).unwrap_or(0o755)
}

#[cfg(test)]
mod tests {
    use crate::commands::testing::{check, check_in, session};

    #[test]
    fn mkdir() {
        let mut s = session();
        check_in(
            &mut s,
            "mkdir /tmp/a && ls -ld /tmp/a",
            "drwxr-xr-x 2 root root 4096 Jun 15 15:06 /tmp/a\n",
            "",
            0,
        );
        check_in(
            &mut s,
            "mkdir /tmp/a",
            "",
            "mkdir: cannot create directory ‘/tmp/a’: File exists\n",
            1,
        );
        check_in(
            &mut s,
            "mkdir -pv /tmp/a/b/c",
            "mkdir: created directory '/tmp/a/b'\nmkdir: created directory '/tmp/a/b/c'\n",
            "",
            0,
        );
        check_in(&mut s, "mkdir -p /tmp/a/b", "", "", 0);
        check_in(
            &mut s,
            "mkdir -m 700 /tmp/m; ls -ld /tmp/m",
            "drwx------ 2 root root 4096 Jun 15 15:06 /tmp/m\n",
            "",
            0,
        );
        check_in(
            &mut s,
            "mkdir -m u=rwx /tmp/n; ls -ld /tmp/n",
            "drwxrwxrwx 2 root root 4096 Jun 15 15:06 /tmp/n\n",
            "",
            0,
        );
        check(
            "mkdir /x/y",
            "",
            "mkdir: cannot create directory ‘/x/y’: No such file or directory\n",
            1,
        );
        check(
            "mkdir",
            "",
            "mkdir: missing operand\nTry 'mkdir --help' for more information.\n",
            1,
        );
    }
}

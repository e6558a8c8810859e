//! `chmod` from coreutils: octal and symbolic modes (`755`, `+x`, `u+rwx,go-w`, `a=r`), `-R`, `-v`, `-f`.

use super::ls::{missing, push_children};
use super::{prog, Command, Ctx};
use crate::fs::Kind;

/// The `chmod` command.
pub struct Chmod;

/// Most nodes one `-R` walk changes.
const MAX_NODES: usize = 50_000;

/// The umask every fake session runs with (Debian's default).
const UMASK: u32 = 0o022;

/// Applies a mode spec (octal or symbolic) to `old`; `None` if the spec is invalid. `dir` matters for `X`.
pub(crate) fn apply_mode(spec: &str, old: u32, dir: bool) -> Option<u32> {
    if !spec.is_empty() && spec.len() <= 5 && spec.bytes().all(|b| (b'0'..=b'7').contains(&b)) {
        let m = u32::from_str_radix(spec, 8).ok()?;
        // Directories keep set-id bits unless the octal spec names them with five digits, as GNU does.
        return Some(if dir && spec.len() < 5 { m | (old & 0o6000) } else { m });
    }
    let mut mode = old & 0o7777;
    for clause in spec.split(',') {
        let bytes: Vec<char> = clause.chars().collect();
        let mut i = 0;
        let mut who = 0u32;
        while let Some(&c) = bytes.get(i) {
            who |= match c {
                'u' => 0o4700,
                'g' => 0o2070,
                'o' => 0o1007,
                'a' => 0o7777,
                _ => break,
            };
            i += 1;
        }
        let masked = who == 0;
        if masked {
            who = 0o7777;
        }
        bytes.get(i)?;
        while let Some(&op) = bytes.get(i) {
            if !matches!(op, '+' | '-' | '=') {
                return None;
            }
            i += 1;
            let mut perm = 0u32;
            if let Some(&c) = bytes.get(i).filter(|c| matches!(c, 'u' | 'g' | 'o')) {
                let (shift, _) = match c {
                    'u' => (6, 0),
                    'g' => (3, 0),
                    _ => (0, 0),
                };
                let bits = (mode >> shift) & 7;
                perm = bits << 6 | bits << 3 | bits;
                i += 1;
            } else {
                while let Some(&c) = bytes.get(i) {
                    perm |= match c {
                        'r' => 0o444,
                        'w' => 0o222,
                        'x' => 0o111,
                        'X' if dir || mode & 0o111 != 0 => 0o111,
                        'X' => 0,
                        's' => 0o6000,
                        't' => 0o1000,
                        _ => break,
                    };
                    i += 1;
                }
            }
            let mut eff = perm & who;
            if masked {
                eff &= !UMASK | 0o7000;
            }
            mode = match op {
                '+' => mode | eff,
                '-' => mode & !eff,
                _ => {
                    let clear = if masked { 0o7777 } else { who } & !(if dir { 0o6000 } else { 0 });
                    (mode & !clear) | eff
                }
            };
        }
    }
    Some(mode)
}

/// Whether an argument like `-x` or `-rw` is a mode rather than an option.
fn is_mode_arg(arg: &str) -> bool {
    arg.len() > 1 && arg.starts_with('-') && arg[1..].chars().all(|c| "rwxXst".contains(c))
}

impl Command for Chmod {
    fn names(&self) -> &'static [&'static str] {
        &["chmod", "/bin/chmod", "/usr/bin/chmod"]
    }

    fn run(&self, ctx: &mut Ctx, args: &[String], _stdin: &[u8]) -> i32 {
        let p = prog(args).to_owned();
        let (mut recursive, mut verbose, mut quiet) = (false, false, false);
        let mut operands: Vec<&str> = Vec::new();
        let mut done = false;
        for arg in args.iter().skip(1) {
            if done || !arg.starts_with('-') || arg == "-" || is_mode_arg(arg) {
                operands.push(arg);
                continue;
            }
            match arg.as_str() {
                "--" => done = true,
                "--recursive" => recursive = true,
                "--verbose" => verbose = true,
                "--silent" | "--quiet" => quiet = true,
                a if a.starts_with("--") => return ctx.invalid_option(&p, a),
                a => {
                    for c in a.chars().skip(1) {
                        match c {
                            'R' => recursive = true,
                            'v' => verbose = true,
                            'f' => quiet = true,
                            _ => return ctx.invalid_option(&p, &format!("-{c}")),
                        }
                    }
                }
            }
        }
        let Some((&spec, files)) = operands.split_first() else {
            return missing(ctx, &p, "missing operand");
        };
        if files.is_empty() {
            return missing(ctx, &p, &format!("missing operand after ‘{spec}’"));
        }
        if apply_mode(spec, 0o644, false).is_none() {
            return missing(ctx, &p, &format!("invalid mode: ‘{spec}’"));
        }
        let mut status = 0;
        let mut budget = MAX_NODES;
        for file in files {
            let mut stack = vec![(*file).to_owned()];
            let mut top = true;
            while let Some(path) = stack.pop() {
                if budget == 0 {
                    break;
                }
                budget -= 1;
                let s = &mut *ctx.session;
                let st = if top {
                    s.fs.stat(&s.cwd, &path)
                } else {
                    s.fs.lstat(&s.cwd, &path)
                };
                top = false;
                let st = match st {
                    Ok(st) => st,
                    Err(e) => {
                        if !quiet {
                            ctx.err(format!("{p}: cannot access '{path}': {}\n", e.message()));
                        }
                        status = 1;
                        continue;
                    }
                };
                if st.kind == Kind::Symlink {
                    continue;
                }
                let new = apply_mode(spec, st.mode, st.kind == Kind::Dir).unwrap_or(st.mode);
                if s.user.uid != 0 && s.user.uid != st.uid {
                    if !quiet {
                        ctx.err(format!(
                            "{p}: changing permissions of '{path}': Operation not permitted\n"
                        ));
                    }
                    status = 1;
                    continue;
                }
                let _ = s.fs.chmod(&s.cwd, &path, new);
                if verbose {
                    let (old_s, new_s) = (
                        super::ls::mode_string(st.kind, st.mode),
                        super::ls::mode_string(st.kind, new),
                    );
                    let line = if new == st.mode {
                        format!("mode of '{path}' retained as {:04o} ({})\n", st.mode, &old_s[1..])
                    } else {
                        format!(
                            "mode of '{path}' changed from {:04o} ({}) to {:04o} ({})\n",
                            st.mode,
                            &old_s[1..],
                            new,
                            &new_s[1..]
                        )
                    };
                    ctx.out(line);
                }
                if recursive && st.kind == Kind::Dir {
                    push_children(&*ctx.session, &path, &mut stack, false);
                }
            }
        }
        status
    }
}

#[cfg(test)]
mod tests {
    use super::apply_mode;
    use crate::commands::testing::{check, check_in, session};

    #[test]
    fn modes() {
        let cases: &[(&str, u32, u32)] = &[
            ("755", 0o644, 0o755),
            ("+x", 0o644, 0o755),
            ("u+rwx,go-w", 0o666, 0o744),
            ("a=r", 0o755, 0o444),
            ("-x", 0o755, 0o644),
            ("+w", 0o444, 0o644),
            ("o+t", 0o755, 0o1755),
            ("u+s", 0o755, 0o4755),
            ("g=u", 0o700, 0o770),
            ("4755", 0o644, 0o4755),
        ];
        for (spec, old, want) in cases {
            assert_eq!(apply_mode(spec, *old, false), Some(*want), "{spec}");
        }
        assert_eq!(apply_mode("zz", 0o644, false), None);
        assert_eq!(apply_mode("u+", 0o644, false), Some(0o644));
    }

    #[test]
    fn chmod() {
        let mut s = session();
        check_in(
            &mut s,
            "touch /tmp/f; chmod +x /tmp/f; ls -l /tmp/f",
            "-rwxr-xr-x 1 root root 0 Jun 15 15:06 /tmp/f\n",
            "",
            0,
        );
        check_in(
            &mut s,
            "chmod -x /tmp/f; chmod u+s,g-r /tmp/f; ls -l /tmp/f",
            "-rwS---r-- 1 root root 0 Jun 15 15:06 /tmp/f\n",
            "",
            0,
        );
        check_in(
            &mut s,
            "chmod -v 600 /tmp/f",
            "mode of '/tmp/f' changed from 4604 (rwS---r--) to 0600 (rw-------)\n",
            "",
            0,
        );
        check(
            "chmod",
            "",
            "chmod: missing operand\nTry 'chmod --help' for more information.\n",
            1,
        );
        check(
            "chmod 755",
            "",
            "chmod: missing operand after ‘755’\nTry 'chmod --help' for more information.\n",
            1,
        );
        check(
            "chmod zz /etc",
            "",
            "chmod: invalid mode: ‘zz’\nTry 'chmod --help' for more information.\n",
            1,
        );
        check(
            "chmod 755 /nope",
            "",
            "chmod: cannot access '/nope': No such file or directory\n",
            1,
        );
    }
}

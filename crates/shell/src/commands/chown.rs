//! `chown` and `chgrp` from coreutils: `OWNER[:GROUP]`, `:GROUP`, numeric ids, `-R`, `-v`, `-f`; names come from
//! the persona's accounts and only root may change ownership.

use super::ls::{group_name, missing, push_children, user_name};
use super::{prog, Command, Ctx};
use crate::fs::Kind;

/// The `chown` command.
pub struct Chown;

/// The `chgrp` command.
pub struct Chgrp;

/// Most nodes one `-R` walk changes.
const MAX_NODES: usize = 50_000;

impl Command for Chown {
    fn names(&self) -> &'static [&'static str] {
        &["chown", "/bin/chown", "/usr/bin/chown"]
    }

    fn run(&self, ctx: &mut Ctx, args: &[String], _stdin: &[u8]) -> i32 {
        run(ctx, args, false)
    }
}

impl Command for Chgrp {
    fn names(&self) -> &'static [&'static str] {
        &["chgrp", "/bin/chgrp", "/usr/bin/chgrp"]
    }

    fn run(&self, ctx: &mut Ctx, args: &[String], _stdin: &[u8]) -> i32 {
        run(ctx, args, true)
    }
}

/// A user id from a name or number.
fn uid_of(ctx: &Ctx, name: &str) -> Option<u32> {
    let users = &ctx.session.persona.users;
    users
        .iter()
        .find(|u| u.name == name)
        .map(|u| u.uid)
        .or_else(|| name.parse().ok())
}

/// A group id from a name or number.
fn gid_of(ctx: &Ctx, name: &str) -> Option<u32> {
    let groups = &ctx.session.persona.groups;
    groups
        .iter()
        .find(|g| g.name == name)
        .map(|g| g.gid)
        .or_else(|| name.parse().ok())
}

fn run(ctx: &mut Ctx, args: &[String], group_only: bool) -> i32 {
    let p = prog(args).to_owned();
    let (mut recursive, mut verbose, mut quiet) = (false, false, false);
    let mut ops: Vec<&str> = Vec::new();
    let mut done = false;
    for arg in args.iter().skip(1) {
        if done || !arg.starts_with('-') || arg == "-" {
            ops.push(arg);
            continue;
        }
        match arg.as_str() {
            "--" => done = true,
            "--recursive" => recursive = true,
            "--verbose" => verbose = true,
            "--silent" | "--quiet" => quiet = true,
            "--dereference" | "--no-dereference" => {}
            a if a.starts_with("--") => return ctx.invalid_option(&p, a),
            a => {
                for c in a.chars().skip(1) {
                    match c {
                        'R' => recursive = true,
                        'v' => verbose = true,
                        'f' => quiet = true,
                        'h' | 'H' | 'L' | 'P' | 'c' => {}
                        _ => return ctx.invalid_option(&p, &format!("-{c}")),
                    }
                }
            }
        }
    }
    let Some((&spec, files)) = ops.split_first() else {
        return missing(ctx, &p, "missing operand");
    };
    if files.is_empty() {
        return missing(ctx, &p, &format!("missing operand after ‘{spec}’"));
    }
    let (user, group) = if group_only {
        (None, Some(spec))
    } else {
        match spec.split_once([':', '.']) {
            Some((u, g)) => ((!u.is_empty()).then_some(u), Some(g)),
            None => (Some(spec), None),
        }
    };
    let uid = match user {
        Some(u) => match uid_of(ctx, u) {
            Some(id) => Some(id),
            None => {
                ctx.err(format!("{p}: invalid user: ‘{spec}’\n"));
                return 1;
            }
        },
        None => None,
    };
    // `chown user:` means the user's login group.
    let gid = match group {
        Some("") => uid.and_then(|id| ctx.session.persona.users.iter().find(|u| u.uid == id).map(|u| u.gid)),
        Some(g) => match gid_of(ctx, g) {
            Some(id) => Some(id),
            None => {
                ctx.err(format!("{p}: invalid group: ‘{spec}’\n"));
                return 1;
            }
        },
        None => None,
    };
    let root = ctx.session.user.uid == 0;
    let mut status = 0;
    let mut budget = MAX_NODES;
    for file in files {
        let mut stack = vec![(*file).to_owned()];
        while let Some(path) = stack.pop() {
            if budget == 0 {
                break;
            }
            budget -= 1;
            let s = &mut *ctx.session;
            let st = match s.fs.stat(&s.cwd, &path) {
                Ok(st) => st,
                Err(e) => {
                    if !quiet {
                        ctx.err(format!("{p}: cannot access '{path}': {}\n", e.message()));
                    }
                    status = 1;
                    continue;
                }
            };
            let new_uid = uid.unwrap_or(st.uid);
            let new_gid = gid.unwrap_or(st.gid);
            let changes = new_uid != st.uid || new_gid != st.gid;
            if !root && (changes || st.uid != s.user.uid) {
                if !quiet {
                    let what = if group_only { "group" } else { "ownership" };
                    ctx.err(format!("{p}: changing {what} of '{path}': Operation not permitted\n"));
                }
                status = 1;
                continue;
            }
            let _ = s.fs.chown(&s.cwd, &path, uid, gid);
            if verbose {
                let name = |ctx: &Ctx, u: u32, g: u32| {
                    if group_only {
                        group_name(ctx.session, g)
                    } else if gid.is_some() {
                        format!("{}:{}", user_name(ctx.session, u), group_name(ctx.session, g))
                    } else {
                        user_name(ctx.session, u)
                    }
                };
                let (old, new) = (name(ctx, st.uid, st.gid), name(ctx, new_uid, new_gid));
                let what = if group_only { "group" } else { "ownership" };
                let line = if changes {
                    format!("changed {what} of '{path}' from {old} to {new}\n")
                } else {
                    format!("{what} of '{path}' retained as {new}\n")
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

#[cfg(test)]
mod tests {
    use crate::commands::testing::{check, check_in, session};

    #[test]
    fn chown() {
        let mut s = session();
        check_in(
            &mut s,
            "touch /tmp/f; chown -v root /tmp/f",
            "ownership of '/tmp/f' retained as root\n",
            "",
            0,
        );
        check_in(
            &mut s,
            "chown 1234:65534 /tmp/f; ls -n /tmp/f",
            "-rw-r--r-- 1 1234 65534 0 Jun 15 15:06 /tmp/f\n",
            "",
            0,
        );
        check_in(
            &mut s,
            "chgrp -v 0 /tmp/f",
            "changed group of '/tmp/f' from nogroup to root\n",
            "",
            0,
        );
        check("chown nosuchuser /etc", "", "chown: invalid user: ‘nosuchuser’\n", 1);
        check("chgrp nosuchgroup /etc", "", "chgrp: invalid group: ‘nosuchgroup’\n", 1);
        check(
            "chown root /nope",
            "",
            "chown: cannot access '/nope': No such file or directory\n",
            1,
        );
        check(
            "chown",
            "",
            "chown: missing operand\nTry 'chown --help' for more information.\n",
            1,
        );
        check(
            "chown root",
            "",
            "chown: missing operand after ‘root’\nTry 'chown --help' for more information.\n",
            1,
        );
    }
}

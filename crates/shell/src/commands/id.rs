//! `id` from coreutils: a user's uid, gid and groups (`-u`, `-g`, `-G`, `-n`), read from the session's
//! `/etc/passwd` and `/etc/group`, so accounts added with `useradd` show up too.

use super::{prog, Command, Ctx};

/// The `id` command.
pub struct Id;

impl Command for Id {
    fn names(&self) -> &'static [&'static str] {
        &["id", "/bin/id", "/usr/bin/id"]
    }

    fn run(&self, ctx: &mut Ctx, args: &[String], _stdin: &[u8]) -> i32 {
        let (mut which, mut names) = (None, false);
        let mut target: Option<crate::persona::User> = None;
        for arg in args.iter().skip(1) {
            match arg.as_str() {
                "--user" => which = Some('u'),
                "--group" => which = Some('g'),
                "--groups" => which = Some('G'),
                "--name" => names = true,
                a if a.starts_with("--") => return ctx.invalid_option(prog(args), a),
                a if a.starts_with('-') && a.len() > 1 => {
                    for c in a[1..].chars() {
                        match c {
                            'u' | 'g' | 'G' => which = Some(c),
                            'n' => names = true,
                            _ => return ctx.invalid_option(prog(args), &format!("-{c}")),
                        }
                    }
                }
                a => match super::accounts::user(ctx.session, a) {
                    Some(u) => target = Some(u),
                    None => {
                        ctx.err(format!("{}: ‘{a}’: no such user\n", prog(args)));
                        return 1;
                    }
                },
            }
        }
        let s = &*ctx.session;
        let user = target.as_ref().unwrap_or(&s.user);
        let all = super::accounts::groups(s);
        let group_name = |gid: u32| {
            all.iter()
                .find(|g| g.gid == gid)
                .map_or_else(|| gid.to_string(), |g| g.name.clone())
        };
        let mut groups = vec![user.gid];
        for g in &all {
            if g.members.contains(&user.name) && !groups.contains(&g.gid) {
                groups.push(g.gid);
            }
        }
        let text = match which {
            None if names => {
                ctx.err(format!(
                    "{}: cannot print only names or real IDs in default format\n",
                    prog(args)
                ));
                return 1;
            }
            None => {
                let list: Vec<String> = groups.iter().map(|g| format!("{g}({})", group_name(*g))).collect();
                format!(
                    "uid={}({}) gid={}({}) groups={}",
                    user.uid,
                    user.name,
                    user.gid,
                    group_name(user.gid),
                    list.join(",")
                )
            }
            Some('u') if names => user.name.clone(),
            Some('u') => user.uid.to_string(),
            Some('g') if names => group_name(user.gid),
            Some('g') => user.gid.to_string(),
            Some(_) if names => groups.iter().map(|g| group_name(*g)).collect::<Vec<_>>().join(" "),
            Some(_) => groups.iter().map(u32::to_string).collect::<Vec<_>>().join(" "),
        };
        ctx.out(format!("{text}\n"));
        0
    }
}

#[cfg(test)]
mod tests {
    use crate::commands::testing::check;

    #[test]
    fn id() {
        check("id", "uid=0(root) gid=0(root) groups=0(root)\n", "", 0);
        check("id -u", "0\n", "", 0);
        check("id -un", "root\n", "", 0);
        check("id root", "uid=0(root) gid=0(root) groups=0(root)\n", "", 0);
        check("id nosuch", "", "id: ‘nosuch’: no such user\n", 1);
        check(
            "useradd -m bob; id bob",
            "uid=1000(bob) gid=1002(bob) groups=1002(bob)\n",
            "",
            0,
        );
        check("id -gn", "root\n", "", 0);
        check(
            "id -z",
            "",
            "id: invalid option -- 'z'\nTry 'id --help' for more information.\n",
            1,
        );
    }
}

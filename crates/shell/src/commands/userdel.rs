//! `userdel` from shadow 4.13: removes the account from the overlay's account files (`-r` also its home).

use super::accounts::{self, user};
use super::{Command, Ctx};

/// The `userdel` command.
pub struct Userdel;

/// Most entries `userdel -r` removes from a home directory.
const MAX_REMOVED: usize = 2000;

impl Command for Userdel {
    fn names(&self) -> &'static [&'static str] {
        &["userdel", "/usr/sbin/userdel", "/sbin/userdel"]
    }

    fn run(&self, ctx: &mut Ctx, args: &[String], _stdin: &[u8]) -> i32 {
        if let Some(status) = super::which::unreachable(ctx, args) {
            return status;
        }
        let (mut remove, mut names) = (false, Vec::new());
        for arg in args.iter().skip(1) {
            match arg.as_str() {
                "-r" | "--remove" => remove = true,
                "-f" | "--force" => {}
                a if a.starts_with('-') => {
                    ctx.err(format!("userdel: unrecognized option '{a}'\n"));
                    return 2;
                }
                a => names.push(a.to_owned()),
            }
        }
        let [name] = names.as_slice() else {
            ctx.err("Usage: userdel [options] LOGIN\n\nOptions:\n  -f, --force                   force some actions that would fail otherwise\n                                e.g. removal of user still logged in\n                                or files, even if not owned by the user\n  -h, --help                    display this help message and exit\n  -r, --remove                  remove home directory and mail spool\n  -R, --root CHROOT_DIR         directory to chroot into\n  -P, --prefix PREFIX_DIR       prefix directory where are located the /etc/* files\n      --extrausers              Use the extra users database\n  -Z, --selinux-user            remove any SELinux user mapping for the user\n\n");
            return 2;
        };
        if ctx.session.user.uid != 0 {
            ctx.err("userdel: Permission denied.\nuserdel: cannot lock /etc/passwd; try again later.\n");
            return 1;
        }
        let Some(account) = user(ctx.session, name) else {
            ctx.err(format!("userdel: user '{name}' does not exist\n"));
            return 6;
        };
        let keep = |text: String, own_group: bool| -> String {
            let mut out = String::new();
            for line in text.lines() {
                let mut f: Vec<String> = line.split(':').map(str::to_owned).collect();
                if f.first() == Some(name) && (own_group || f.len() != 4) {
                    continue;
                }
                if let Some(members) = f.get_mut(3).filter(|_| own_group) {
                    *members = members.split(',').filter(|m| m != name).collect::<Vec<_>>().join(",");
                }
                out.push_str(&f.join(":"));
                out.push('\n');
            }
            out
        };
        let passwd = keep(accounts::passwd_text(ctx.session), false);
        let shadow = keep(accounts::shadow_text(ctx.session), false);
        let group = keep(accounts::group_text(ctx.session), true);
        accounts::write(ctx.session, "/etc/passwd", &passwd);
        accounts::write(ctx.session, "/etc/shadow", &shadow);
        accounts::write(ctx.session, "/etc/group", &group);
        if remove {
            if remove_tree(ctx, &account.home, &mut 0).is_err() {
                ctx.err(format!(
                    "userdel: {} home directory ({}) not found\n",
                    name, account.home
                ));
            }
            ctx.err(format!("userdel: {name} mail spool (/var/mail/{name}) not found\n"));
        }
        0
    }
}

/// Removes `path` and everything under it, at most [`MAX_REMOVED`] entries.
fn remove_tree(ctx: &mut Ctx, path: &str, count: &mut usize) -> Result<(), crate::fs::Errno> {
    *count += 1;
    if *count > MAX_REMOVED {
        return Ok(());
    }
    let fs = &mut ctx.session.fs;
    match fs.lstat("/", path)?.kind {
        crate::fs::Kind::Dir => {
            for e in fs.list("/", path)? {
                let child = format!("{}/{}", path.trim_end_matches('/'), e.name);
                let _ = remove_tree(ctx, &child, count);
            }
            ctx.session.fs.rmdir("/", path)
        }
        _ => fs.unlink("/", path),
    }
}

#[cfg(test)]
mod tests {
    use crate::commands::testing::{check, check_in, session};

    #[test]
    fn userdel() {
        check("userdel nobody2", "", "userdel: user 'nobody2' does not exist\n", 6);
        let mut s = session();
        check_in(
            &mut s,
            "useradd -m -G sudo bob; userdel -r bob",
            "",
            "userdel: bob mail spool (/var/mail/bob) not found\n",
            0,
        );
        let passwd = String::from_utf8_lossy(&s.read_file("/etc/passwd").unwrap_or_default()).into_owned();
        assert!(!passwd.contains("bob"));
        let group = String::from_utf8_lossy(&s.read_file("/etc/group").unwrap_or_default()).into_owned();
        let before = crate::persona::render::group(&s.persona);
        assert_eq!(group, before);
        assert!(s.read_file("/home/bob/.bashrc").is_err());
    }
}

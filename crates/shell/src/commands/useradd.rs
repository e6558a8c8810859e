//! `useradd` (shadow 4.13) and `adduser` (Debian's adduser 3.134): add the account to the overlay's `/etc/passwd`,
//! `/etc/shadow` and `/etc/group` (and make the home directory), so later `cat /etc/passwd` and `su` agree.

use super::accounts::{self, days, fake_hash, groups, user, users};
use super::{Command, Ctx};
use crate::exec::Session;

/// The `useradd` command.
pub struct Useradd;

/// The `adduser` command.
pub struct Adduser;

/// What a new account looks like.
struct NewUser {
    name: String,
    uid: Option<u32>,
    group: Option<String>,
    extra: Vec<String>,
    home: Option<String>,
    shell: String,
    gecos: String,
    make_home: bool,
    hash: String,
    system: bool,
}

/// Whether shadow accepts `name` as a login name.
fn valid_name(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= 32
        && !name.starts_with('-')
        && !name.chars().all(|c| c.is_ascii_digit())
        && name != "."
        && name != ".."
        && name.chars().all(|c| c.is_ascii_alphanumeric() || "._-$".contains(c))
}

/// Adds the account; returns the uid and gid it got, or shadow's message and exit status.
fn add(s: &mut Session, u: &NewUser) -> Result<(u32, u32), (String, i32)> {
    let all = users(s);
    let grps = groups(s);
    let first = if u.system { 100 } else { 1000 };
    let free = |taken: &dyn Fn(u32) -> bool| (first..60_000).find(|id| !taken(*id)).unwrap_or(60_000);
    let uid = match u.uid {
        Some(id) if all.iter().any(|x| x.uid == id) => return Err((format!("UID {id} is not unique"), 4)),
        Some(id) => id,
        None => free(&|id| all.iter().any(|x| x.uid == id)),
    };
    let (gid, new_group) = match &u.group {
        Some(g) => match grps.iter().find(|x| &x.name == g || x.gid.to_string() == *g) {
            Some(x) => (x.gid, false),
            None => return Err((format!("group '{g}' does not exist"), 6)),
        },
        None if grps.iter().any(|x| x.name == u.name) => {
            return Err((
                format!(
                    "group {} exists - if you want to add this user to that group, use -g.",
                    u.name
                ),
                9,
            ))
        }
        None if !grps.iter().any(|x| x.gid == uid) => (uid, true),
        None => (free(&|id| grps.iter().any(|x| x.gid == id)), true),
    };
    for g in &u.extra {
        if !grps.iter().any(|x| &x.name == g) {
            return Err((format!("group '{g}' does not exist"), 6));
        }
    }
    let home = u.home.clone().unwrap_or_else(|| format!("/home/{}", u.name));
    let mut passwd = accounts::passwd_text(s);
    passwd.push_str(&format!("{}:x:{uid}:{gid}:{}:{home}:{}\n", u.name, u.gecos, u.shell));
    accounts::write(s, "/etc/passwd", &passwd);
    let mut group = String::new();
    for line in accounts::group_text(s).lines() {
        group.push_str(line);
        let name = line.split(':').next().unwrap_or("");
        if u.extra.iter().any(|g| g == name) {
            if !line.ends_with(':') {
                group.push(',');
            }
            group.push_str(&u.name);
        }
        group.push('\n');
    }
    if new_group {
        group.push_str(&format!("{}:x:{gid}:\n", u.name));
    }
    accounts::write(s, "/etc/group", &group);
    let mut shadow = accounts::shadow_text(s);
    shadow.push_str(&format!("{}:{}:{}:0:99999:7:::\n", u.name, u.hash, days(s.now)));
    accounts::write(s, "/etc/shadow", &shadow);
    if u.make_home && s.fs.mkdir("/", &home, 0o755).is_ok() {
        let _ = s.fs.chown("/", &home, Some(uid), Some(gid));
        for (file, body) in SKEL {
            let path = format!("{home}/{file}");
            let _ = s.fs.write("/", &path, body.as_bytes(), crate::fs::WriteMode::Truncate);
            let _ = s.fs.chown("/", &path, Some(uid), Some(gid));
        }
    }
    Ok((uid, gid))
}

/// `/etc/skel` of Debian 12, shortened to what a quick look shows.
const SKEL: [(&str, &str); 3] = [
    (".bash_logout", "# ~/.bash_logout: executed by bash(1) when login shell exits.\n\n# when leaving the console clear the screen to increase privacy\n\nif [ \"$SHLVL\" = 1 ]; then\n    [ -x /usr/bin/clear_console ] && /usr/bin/clear_console -q\nfi\n"),
    (".bashrc", "# ~/.bashrc: executed by bash(1) for non-login shells.\n# see /usr/share/doc/bash/examples/startup-files (in the package bash-doc)\n# for examples\n\n# If not running interactively, don't do anything\ncase $- in\n    *i*) ;;\n      *) return;;\nesac\n"),
    (".profile", "# ~/.profile: executed by the command interpreter for login shells.\n\nif [ -n \"$BASH_VERSION\" ]; then\n    # include .bashrc if it exists\n    if [ -f \"$HOME/.bashrc\" ]; then\n\t. \"$HOME/.bashrc\"\n    fi\nfi\n\n# set PATH so it includes user's private bin if it exists\nif [ -d \"$HOME/bin\" ] ; then\n    PATH=\"$HOME/bin:$PATH\"\nfi\n"),
];

const USAGE: &str = "Usage: useradd [options] LOGIN
       useradd -D
       useradd -D [options]

Options:
      --badname                 do not check for bad names
  -b, --base-dir BASE_DIR       base directory for the home directory of the
                                new account
  -c, --comment COMMENT         GECOS field of the new account
  -d, --home-dir HOME_DIR       home directory of the new account
  -D, --defaults                print or change default useradd configuration
  -e, --expiredate EXPIRE_DATE  expiration date of the new account
  -f, --inactive INACTIVE       password inactivity period of the new account
  -g, --gid GROUP               name or ID of the primary group of the new
                                account
  -G, --groups GROUPS           list of supplementary groups of the new
                                account
  -h, --help                    display this help message and exit
  -k, --skel SKEL_DIR           use this alternative skeleton directory
  -K, --key KEY=VALUE           override /etc/login.defs defaults
  -l, --no-log-init             do not add the user to the lastlog and
                                faillog databases
  -m, --create-home             create the user's home directory
  -M, --no-create-home          do not create the user's home directory
  -N, --no-user-group           do not create a group with the same name as
                                the user
  -o, --non-unique              allow to create users with duplicate
                                (non-unique) UID
  -p, --password PASSWORD       encrypted password of the new account
  -r, --system                  create a system account
  -R, --root CHROOT_DIR         directory to chroot into
  -P, --prefix PREFIX_DIR       prefix directory where are located the /etc/* files
  -s, --shell SHELL             login shell of the new account
  -u, --uid UID                 user ID of the new account
  -U, --user-group              create a user group with the same name as
                                the user

";

impl Command for Useradd {
    fn names(&self) -> &'static [&'static str] {
        &["useradd", "/usr/sbin/useradd", "/sbin/useradd"]
    }

    fn run(&self, ctx: &mut Ctx, args: &[String], _stdin: &[u8]) -> i32 {
        if let Some(status) = super::which::unreachable(ctx, args) {
            return status;
        }
        let mut u = NewUser {
            name: String::new(),
            uid: None,
            group: None,
            extra: Vec::new(),
            home: None,
            shell: "/bin/sh".to_owned(),
            gecos: String::new(),
            make_home: false,
            hash: "!".to_owned(),
            system: false,
        };
        let mut names = Vec::new();
        let mut rest = args.iter().skip(1);
        while let Some(arg) = rest.next() {
            let value = |rest: &mut std::iter::Skip<std::slice::Iter<String>>| rest.next().cloned();
            match arg.as_str() {
                "-m" | "--create-home" => u.make_home = true,
                "-M" | "--no-create-home" | "-N" | "-U" | "-l" | "-o" | "--badname" => {}
                "-r" | "--system" => u.system = true,
                "-s" | "--shell" => u.shell = value(&mut rest).unwrap_or_default(),
                "-d" | "--home-dir" => u.home = value(&mut rest),
                "-c" | "--comment" => u.gecos = value(&mut rest).unwrap_or_default(),
                "-g" | "--gid" => u.group = value(&mut rest),
                "-G" | "--groups" => {
                    let list = value(&mut rest).unwrap_or_default();
                    u.extra = list.split(',').filter(|g| !g.is_empty()).map(str::to_owned).collect();
                }
                "-p" | "--password" => u.hash = value(&mut rest).unwrap_or_default(),
                "-u" | "--uid" => {
                    let v = value(&mut rest).unwrap_or_default();
                    match v.parse() {
                        Ok(id) => u.uid = Some(id),
                        Err(_) => {
                            ctx.err(format!("useradd: invalid user ID '{v}'\n"));
                            return 3;
                        }
                    }
                }
                "-b" | "-e" | "-f" | "-k" | "-K" | "-R" | "-P" | "-Z" => {
                    rest.next();
                }
                "-h" | "--help" => {
                    ctx.out(USAGE);
                    return 0;
                }
                a if a.starts_with('-') => {
                    ctx.err(format!(
                        "useradd: invalid option -- '{}'\n{USAGE}",
                        a.chars().nth(1).unwrap_or('-')
                    ));
                    return 2;
                }
                a => names.push(a.to_owned()),
            }
        }
        let [name] = names.as_slice() else {
            ctx.err(USAGE);
            return 2;
        };
        if ctx.session.user.uid != 0 {
            ctx.err("useradd: Permission denied.\nuseradd: cannot lock /etc/passwd; try again later.\n");
            return 1;
        }
        if !valid_name(name) {
            ctx.err(format!(
                "useradd: invalid user name '{name}': use --badname to ignore\n"
            ));
            return 3;
        }
        if user(ctx.session, name).is_some() {
            ctx.err(format!("useradd: user '{name}' already exists\n"));
            return 9;
        }
        u.name = name.clone();
        match add(ctx.session, &u) {
            Ok(_) => 0,
            Err((msg, code)) => {
                ctx.err(format!("useradd: {msg}\n"));
                code
            }
        }
    }
}

impl Command for Adduser {
    fn names(&self) -> &'static [&'static str] {
        &["adduser", "/usr/sbin/adduser", "/sbin/adduser"]
    }

    fn run(&self, ctx: &mut Ctx, args: &[String], stdin: &[u8]) -> i32 {
        if let Some(status) = super::which::unreachable(ctx, args) {
            return status;
        }
        let (mut names, mut gecos, mut quiet_pw, mut rest) = (Vec::new(), None, false, args.iter().skip(1));
        let mut shell = "/bin/bash".to_owned();
        while let Some(arg) = rest.next() {
            match arg.as_str() {
                "--gecos" | "--comment" => gecos = rest.next().cloned(),
                "--disabled-password" | "--disabled-login" => quiet_pw = true,
                "--shell" => shell = rest.next().cloned().unwrap_or(shell),
                "--home" | "--uid" | "--gid" | "--ingroup" | "--firstuid" | "--lastuid" => {
                    rest.next();
                }
                a if a.starts_with("--") => {}
                a => names.push(a.to_owned()),
            }
        }
        if ctx.session.user.uid != 0 {
            ctx.err("adduser: Only root may add a user or group to the system.\n");
            return 1;
        }
        match names.as_slice() {
            [user_name, group] => {
                if user(ctx.session, user_name).is_none() {
                    ctx.err(format!("adduser: The user `{user_name}' does not exist.\n"));
                    return 1;
                }
                if !groups(ctx.session).iter().any(|g| &g.name == group) {
                    ctx.err(format!("adduser: The group `{group}' does not exist.\n"));
                    return 1;
                }
                ctx.out(format!("Adding user `{user_name}' to group `{group}' ...\nDone.\n"));
                let mut text = String::new();
                for line in accounts::group_text(ctx.session).lines() {
                    text.push_str(line);
                    if line.split(':').next() == Some(group.as_str()) {
                        if !line.ends_with(':') {
                            text.push(',');
                        }
                        text.push_str(user_name);
                    }
                    text.push('\n');
                }
                accounts::write(ctx.session, "/etc/group", &text);
                return 0;
            }
            [_] => {}
            _ => {
                ctx.err("adduser: Only one or two names allowed.\n");
                return 1;
            }
        }
        let name = names.first().cloned().unwrap_or_default();
        if user(ctx.session, &name).is_some() {
            ctx.err(format!("adduser: The user `{name}' already exists.\n"));
            return 1;
        }
        if !valid_name(&name) || name.chars().any(|c| c.is_ascii_uppercase()) {
            ctx.err("adduser: Please enter a username matching the regular expression\nconfigured via the NAME_REGEX configuration variable.  Use the `--allow-bad-names'\noption to relax this check or reconfigure NAME_REGEX.\n");
            return 1;
        }
        let input = String::from_utf8_lossy(stdin).into_owned();
        let mut lines = input.lines();
        let u = NewUser {
            name: name.clone(),
            uid: None,
            group: None,
            extra: vec!["users".to_owned()],
            home: None,
            shell,
            gecos: gecos.clone().unwrap_or_else(|| ",,,".to_owned()),
            make_home: true,
            hash: "!".to_owned(),
            system: false,
        };
        let (uid, gid) = match add(ctx.session, &u) {
            Ok(ids) => ids,
            Err((msg, _)) => {
                ctx.err(format!("adduser: {msg}\n"));
                return 1;
            }
        };
        let mut out = format!(
            "Adding user `{name}' ...\nAdding new group `{name}' ({gid}) ...\nAdding new user `{name}' ({uid}) with group `{name} ({gid})' ...\nCreating home directory `/home/{name}' ...\nCopying files from `/etc/skel' ...\n"
        );
        let mut err = String::new();
        if !quiet_pw {
            let (a, b) = (lines.next().unwrap_or(""), lines.next().unwrap_or(""));
            err.push_str("New password: Retype new password: ");
            if a.is_empty() || a != b {
                let why = if a.is_empty() {
                    "No password has been supplied."
                } else {
                    "Sorry, passwords do not match."
                };
                err.push_str(&format!(
                    "{why}\npasswd: Authentication token manipulation error\npasswd: password unchanged\n"
                ));
            } else {
                err.push_str("passwd: password updated successfully\n");
                let hash = fake_hash(a, ctx.session.now as u64);
                accounts::set_password(ctx.session, &name, &hash);
            }
        }
        if gecos.is_none() {
            out.push_str(&format!(
                "Changing the user information for {name}\nEnter the new value, or press ENTER for the default\n\tFull Name []: \tRoom Number []: \tWork Phone []: \tHome Phone []: \tOther []: Is the information correct? [Y/n] "
            ));
        }
        out.push_str(&format!("Adding new user `{name}' to supplemental / extra groups `users' ...\nAdding user `{name}' to group `users' ...\n"));
        ctx.out(out);
        ctx.err(err);
        0
    }
}

#[cfg(test)]
mod tests {
    use crate::commands::accounts::fixture;
    use crate::commands::testing::{check, check_in};

    #[test]
    fn useradd() {
        let (mut s, id) = fixture();
        let group_before = crate::commands::accounts::group_text(&s);
        check_in(&mut s, "useradd -m -s /bin/bash -G audio bob", "", "", 0);
        let passwd = String::from_utf8_lossy(&s.read_file("/etc/passwd").unwrap_or_default()).into_owned();
        assert!(
            passwd.ends_with(&format!("bob:x:{id}:{id}::/home/bob:/bin/bash\n")),
            "{passwd}"
        );
        let group = String::from_utf8_lossy(&s.read_file("/etc/group").unwrap_or_default()).into_owned();
        let want = group_before.replace("audio:x:29:\n", "audio:x:29:bob\n") + &format!("bob:x:{id}:\n");
        assert_eq!(group, want);
        let shadow = String::from_utf8_lossy(&s.read_file("/etc/shadow").unwrap_or_default()).into_owned();
        assert!(shadow.ends_with("bob:!:20254:0:99999:7:::\n"), "{shadow}");
        assert!(s.read_file("/home/bob/.bashrc").is_ok());
        check_in(&mut s, "useradd bob", "", "useradd: user 'bob' already exists\n", 9);
        check("useradd -G nogrp x", "", "useradd: group 'nogrp' does not exist\n", 6);
        check(
            "useradd 'a b'",
            "",
            "useradd: invalid user name 'a b': use --badname to ignore\n",
            3,
        );
    }

    #[test]
    fn adduser() {
        let (mut s, id) = fixture();
        check_in(
            &mut s,
            "echo -e 'pw\\npw' | adduser --gecos '' eve",
            &format!("Adding user `eve' ...\nAdding new group `eve' ({id}) ...\nAdding new user `eve' ({id}) with group `eve ({id})' ...\nCreating home directory `/home/eve' ...\nCopying files from `/etc/skel' ...\nAdding new user `eve' to supplemental / extra groups `users' ...\nAdding user `eve' to group `users' ...\n"),
            "New password: Retype new password: passwd: password updated successfully\n",
            0,
        );
        check_in(
            &mut s,
            "adduser eve",
            "",
            "adduser: The user `eve' already exists.\n",
            1,
        );
        check_in(
            &mut s,
            "adduser eve sudo",
            "Adding user `eve' to group `sudo' ...\nDone.\n",
            "",
            0,
        );
    }
}

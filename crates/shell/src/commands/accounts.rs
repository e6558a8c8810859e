//! The account database as commands see it: `/etc/passwd`, `/etc/group` and `/etc/shadow` read from the session's
//! overlay (falling back to the persona's rendering), so `useradd`, `passwd`, `sudo` and `su` agree with `cat`.

use crate::exec::Session;
use crate::fs::WriteMode;
use crate::persona::{render, Group, User};

/// Most accounts parsed from one file, so a huge written `/etc/passwd` cannot make lookups expensive.
const MAX_ACCOUNTS: usize = 4096;

/// Days since the epoch for `/etc/shadow`'s last-change field.
pub(crate) fn days(now: i64) -> i64 {
    now.max(0) / 86_400
}

/// The text of `/etc/passwd` as the session sees it.
pub(crate) fn passwd_text(s: &Session) -> String {
    match s.read_file("/etc/passwd") {
        Ok(b) => String::from_utf8_lossy(&b).into_owned(),
        Err(_) => render::passwd(&s.persona),
    }
}

/// The text of `/etc/group` as the session sees it.
pub(crate) fn group_text(s: &Session) -> String {
    match s.read_file("/etc/group") {
        Ok(b) => String::from_utf8_lossy(&b).into_owned(),
        Err(_) => render::group(&s.persona),
    }
}

/// The text of `/etc/shadow`, generated from the accounts when the tree has none.
pub(crate) fn shadow_text(s: &Session) -> String {
    if let Ok(b) = s.read_file("/etc/shadow") {
        return String::from_utf8_lossy(&b).into_owned();
    }
    let day = days(s.persona.boot_unix_ms as i64 / 1000) - 30;
    users(s)
        .iter()
        .map(|u| {
            let pw = if u.uid >= 1000 && u.uid < 65534 || u.uid == 0 {
                "!"
            } else {
                "*"
            };
            format!("{}:{pw}:{day}:0:99999:7:::\n", u.name)
        })
        .collect()
}

/// Every account in `/etc/passwd`.
pub(crate) fn users(s: &Session) -> Vec<User> {
    passwd_text(s)
        .lines()
        .take(MAX_ACCOUNTS)
        .filter_map(|line| {
            let f: Vec<&str> = line.split(':').collect();
            match f.as_slice() {
                [name, _, uid, gid, gecos, home, shell, ..] => Some(User {
                    name: (*name).to_owned(),
                    uid: uid.parse().ok()?,
                    gid: gid.parse().ok()?,
                    gecos: (*gecos).to_owned(),
                    home: (*home).to_owned(),
                    shell: (*shell).to_owned(),
                }),
                _ => None,
            }
        })
        .collect()
}

/// Every group in `/etc/group`.
pub(crate) fn groups(s: &Session) -> Vec<Group> {
    group_text(s)
        .lines()
        .take(MAX_ACCOUNTS)
        .filter_map(|line| {
            let f: Vec<&str> = line.split(':').collect();
            match f.as_slice() {
                [name, _, gid, members, ..] => Some(Group {
                    name: (*name).to_owned(),
                    gid: gid.parse().ok()?,
                    members: members
                        .split(',')
                        .filter(|m| !m.is_empty())
                        .map(str::to_owned)
                        .collect(),
                }),
                _ => None,
            }
        })
        .collect()
}

/// The account named `name`.
pub(crate) fn user(s: &Session, name: &str) -> Option<User> {
    users(s).into_iter().find(|u| u.name == name)
}

/// Whether `name` may use `sudo`: a member of group `sudo`, or root.
pub(crate) fn is_sudoer(s: &Session, name: &str) -> bool {
    name == "root"
        || groups(s)
            .iter()
            .any(|g| g.name == "sudo" && g.members.iter().any(|m| m == name))
}

/// Replaces one of the account files in the overlay; a full overlay drops the change as a full disk would.
pub(crate) fn write(s: &mut Session, path: &str, text: &str) {
    let _ = s.fs.write("/", path, text.as_bytes(), WriteMode::Truncate);
}

/// Sets `name`'s password hash in `/etc/shadow` (adding the line if missing).
pub(crate) fn set_password(s: &mut Session, name: &str, hash: &str) {
    let day = days(s.now);
    let mut found = false;
    let mut text = String::new();
    for line in shadow_text(s).lines() {
        let mut f: Vec<&str> = line.split(':').collect();
        if f.first() == Some(&name) && f.len() > 2 {
            found = true;
            let d = day.to_string();
            f[1] = hash;
            f[2] = &d;
            text.push_str(&f.join(":"));
        } else {
            text.push_str(line);
        }
        text.push('\n');
    }
    if !found {
        text.push_str(&format!("{name}:{hash}:{day}:0:99999:7:::\n"));
    }
    write(s, "/etc/shadow", &text);
}

/// A yescrypt-looking hash of `password`, as Debian 12 writes into `/etc/shadow`; not a real hash, only its shape.
pub(crate) fn fake_hash(password: &str, seed: u64) -> String {
    const B64: &[u8] = b"./0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
    let mut h: u64 = 0xcbf2_9ce4_8422_2325 ^ seed;
    let chars = |n: usize, h: &mut u64| -> String {
        (0..n)
            .map(|_| {
                *h ^= *h >> 33;
                *h = h.wrapping_mul(0xff51_afd7_ed55_8ccd);
                B64.get((*h % 64) as usize).map_or('.', |&b| char::from(b))
            })
            .collect()
    };
    for b in password.bytes() {
        h = (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3);
    }
    let salt = chars(22, &mut h);
    let hash = chars(43, &mut h);
    format!("$y$j9T${salt}${hash}")
}

/// A root session whose `/etc/passwd` is the persona's (the test skeleton has a fixed one), and the id a new
/// account gets on it.
#[cfg(test)]
pub(crate) fn fixture() -> (Session, u32) {
    let mut s = crate::commands::testing::session();
    let text = render::passwd(&s.persona);
    write(&mut s, "/etc/passwd", &text);
    let id = (1000..2000)
        .find(|id| !s.persona.users.iter().any(|u| u.uid == *id) && !s.persona.groups.iter().any(|g| g.gid == *id))
        .unwrap_or(1000);
    (s, id)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::commands::testing::session;

    #[test]
    fn reads_and_writes_accounts() {
        let mut s = session();
        assert_eq!(user(&s, "root").map(|u| u.uid), Some(0));
        assert!(is_sudoer(&s, "root"));
        assert!(!is_sudoer(&s, "nobody"));
        set_password(&mut s, "root", "$y$x");
        assert!(shadow_text(&s).starts_with("root:$y$x:20254:0:99999:7:::\n"));
        assert_eq!(fake_hash("a", 1), fake_hash("a", 1));
        assert!(fake_hash("a", 1).starts_with("$y$j9T$"));
    }
}

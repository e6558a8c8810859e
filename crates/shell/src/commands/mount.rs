//! `mount` from util-linux 2.38.1: with no arguments (or `-l`, `-t TYPE`) the kernel's mount table of a Debian 12
//! server, built around the same filesystems `df` shows; any attempt to mount is refused as the kernel would.

use super::df::mounts;
use super::{prog, Command, Ctx};

/// The `mount` command.
pub struct MountCmd;

/// The pseudo filesystems systemd mounts, split around the `df` rows: (source, target, type, options).
const EARLY: &[(&str, &str, &str, &str)] = &[
    ("sysfs", "/sys", "sysfs", "rw,nosuid,nodev,noexec,relatime"),
    ("proc", "/proc", "proc", "rw,nosuid,nodev,noexec,relatime"),
];
const AFTER_DEV: &[(&str, &str, &str, &str)] = &[(
    "devpts",
    "/dev/pts",
    "devpts",
    "rw,nosuid,noexec,relatime,gid=5,mode=620,ptmxmode=000",
)];
const AFTER_ROOT: &[(&str, &str, &str, &str)] = &[(
    "securityfs",
    "/sys/kernel/security",
    "securityfs",
    "rw,nosuid,nodev,noexec,relatime",
)];
const LATE: &[(&str, &str, &str, &str)] = &[
    (
        "cgroup2",
        "/sys/fs/cgroup",
        "cgroup2",
        "rw,nosuid,nodev,noexec,relatime,nsdelegate,memory_recursiveprot",
    ),
    ("pstore", "/sys/fs/pstore", "pstore", "rw,nosuid,nodev,noexec,relatime"),
    ("bpf", "/sys/fs/bpf", "bpf", "rw,nosuid,nodev,noexec,relatime,mode=700"),
    (
        "systemd-1",
        "/proc/sys/fs/binfmt_misc",
        "autofs",
        "rw,relatime,fd=30,pgrp=1,timeout=0,minproto=5,maxproto=5,direct,pipe_ino=10905",
    ),
    ("hugetlbfs", "/dev/hugepages", "hugetlbfs", "rw,relatime,pagesize=2M"),
    ("mqueue", "/dev/mqueue", "mqueue", "rw,nosuid,nodev,noexec,relatime"),
    (
        "debugfs",
        "/sys/kernel/debug",
        "debugfs",
        "rw,nosuid,nodev,noexec,relatime",
    ),
    (
        "tracefs",
        "/sys/kernel/tracing",
        "tracefs",
        "rw,nosuid,nodev,noexec,relatime",
    ),
    (
        "fusectl",
        "/sys/fs/fuse/connections",
        "fusectl",
        "rw,nosuid,nodev,noexec,relatime",
    ),
    (
        "configfs",
        "/sys/kernel/config",
        "configfs",
        "rw,nosuid,nodev,noexec,relatime",
    ),
];

impl Command for MountCmd {
    fn names(&self) -> &'static [&'static str] {
        &["mount", "/bin/mount", "/usr/bin/mount"]
    }

    fn run(&self, ctx: &mut Ctx, args: &[String], _stdin: &[u8]) -> i32 {
        let p = prog(args).to_owned();
        let mut only: Option<String> = None;
        let mut operands: Vec<&str> = Vec::new();
        let mut it = args.iter().skip(1);
        while let Some(arg) = it.next() {
            match arg.as_str() {
                "-l" | "--show-labels" | "-v" | "--verbose" | "-n" => {}
                "-t" | "--types" => only = it.next().cloned(),
                "-V" | "--version" => {
                    ctx.out("mount from util-linux 2.38.1 (libmount 2.38.1: selinux, smack, btrfs, verity, namespaces, assert, debug)\n");
                    return 0;
                }
                a if a.starts_with("-o") || a.starts_with("--options") => {
                    if a == "-o" || a == "--options" {
                        it.next();
                    }
                }
                a if a.starts_with('-') && a.len() > 1 && !["-a", "-r", "-w", "-f", "-B", "--bind"].contains(&a) => {
                    ctx.err(format!(
                        "{p}: invalid option -- '{}'\nTry 'mount --help' for more information.\n",
                        a.chars().nth(1).unwrap_or('-')
                    ));
                    return 1;
                }
                a if a.starts_with('-') => {}
                a => operands.push(a),
            }
        }
        if let Some(target) = operands.last() {
            let target = target.to_string();
            if ctx.session.user.uid != 0 {
                ctx.err(format!("{p}: {target}: must be superuser to use mount.\n       dmesg(1) may have more information after failed mount system call.\n"));
                return 32;
            }
            if operands.len() == 1 {
                ctx.err(format!("{p}: {target}: can't find in /etc/fstab.\n"));
                return 1;
            }
            let source = operands.first().map(|s| s.to_string()).unwrap_or_default();
            ctx.err(format!("{p}: {target}: special device {source} does not exist.\n       dmesg(1) may have more information after failed mount system call.\n"));
            return 32;
        }
        let ms = mounts(&ctx.session.persona);
        let mut rows: Vec<(String, String, String, String)> = Vec::new();
        let push = |rows: &mut Vec<(String, String, String, String)>, t: &[(&str, &str, &str, &str)]| {
            rows.extend(
                t.iter()
                    .map(|(s, d, ty, o)| ((*s).to_owned(), (*d).to_owned(), (*ty).to_owned(), (*o).to_owned())),
            );
        };
        push(&mut rows, EARLY);
        for m in &ms {
            rows.push((m.source.clone(), m.target.clone(), m.fs_type.clone(), m.options.clone()));
            match m.target.as_str() {
                "/dev" => push(&mut rows, AFTER_DEV),
                "/" => push(&mut rows, AFTER_ROOT),
                "/run/lock" => push(&mut rows, LATE),
                _ => {}
            }
        }
        let mut out = String::new();
        for (s, d, ty, o) in rows {
            if only.as_deref().is_some_and(|t| !t.split(',').any(|x| x == ty)) {
                continue;
            }
            out.push_str(&format!("{s} on {d} type {ty} ({o})\n"));
        }
        ctx.out(out);
        0
    }
}

#[cfg(test)]
mod tests {
    use crate::commands::df::mounts;
    use crate::commands::testing::{check, session};

    #[test]
    fn mount_lists_what_df_shows() {
        let s = session();
        let root = mounts(&s.persona).into_iter().find(|m| m.target == "/").unwrap();
        check(
            "mount -t ext4",
            &format!("{} on / type ext4 (rw,relatime,errors=remount-ro)\n", root.source),
            "",
            0,
        );
        let out = String::from_utf8(session().run_line("mount").stdout).unwrap();
        assert!(out.starts_with("sysfs on /sys type sysfs (rw,nosuid,nodev,noexec,relatime)\nproc on /proc "));
        for m in mounts(&s.persona) {
            assert!(out.contains(&format!("{} on {} type {} (", m.source, m.target, m.fs_type)));
        }
        check("mount /dev/sdb1 /mnt", "", "mount: /mnt: special device /dev/sdb1 does not exist.\n       dmesg(1) may have more information after failed mount system call.\n", 32);
    }
}

//! `systemctl` from systemd 252: status, start/stop/restart, enable/disable, is-active, is-enabled and list-units
//! over the services this persona runs, with systemd's texts for unknown units and unprivileged callers.

use super::kill::processes;
use super::{Command, Ctx};
use crate::exec::Session;

/// The `systemctl` command.
pub struct Systemctl;

/// One unit of the fake machine.
pub(crate) struct Unit {
    /// `ssh`, without `.service`.
    pub(crate) name: &'static str,
    /// `Description=`.
    pub(crate) description: &'static str,
    /// The daemon's process name in the process table, if it is one of those.
    pub(crate) comm: &'static str,
    /// `ExecStart` command line as the CGroup tree shows it.
    pub(crate) cmdline: &'static str,
    /// `Documentation=`.
    pub(crate) docs: &'static str,
    /// Whether `/etc/init.d` also has a script for it.
    pub(crate) sysv: bool,
}

/// The services every persona runs.
const BASE_UNITS: &[Unit] = &[
    Unit {
        name: "cron",
        description: "Regular background program processing daemon",
        comm: "cron",
        cmdline: "/usr/sbin/cron -f",
        docs: "man:cron(8)",
        sysv: true,
    },
    Unit {
        name: "dbus",
        description: "D-Bus System Message Bus",
        comm: "dbus-daemon",
        cmdline:
            "/usr/bin/dbus-daemon --system --address=systemd: --nofork --nopidfile --systemd-activation --syslog-only",
        docs: "man:dbus-daemon(1)",
        sysv: true,
    },
    Unit {
        name: "getty@tty1",
        description: "Getty on tty1",
        comm: "agetty",
        cmdline: "/sbin/agetty -o \"-p -- \\\\u\" --noclear - linux",
        docs: "man:agetty(8)",
        sysv: false,
    },
    Unit {
        name: "ssh",
        description: "OpenBSD Secure Shell server",
        comm: "sshd",
        cmdline: "\"sshd: /usr/sbin/sshd -D [listener] 0 of 10-100 startups\"",
        docs: "man:sshd(8)",
        sysv: true,
    },
    Unit {
        name: "systemd-journald",
        description: "Journal Service",
        comm: "systemd-journal",
        cmdline: "/lib/systemd/systemd-journald",
        docs: "man:systemd-journald.service(8)",
        sysv: false,
    },
    Unit {
        name: "systemd-logind",
        description: "User Login Management",
        comm: "systemd-logind",
        cmdline: "/lib/systemd/systemd-logind",
        docs: "man:sd-login(3)",
        sysv: false,
    },
    Unit {
        name: "systemd-timesyncd",
        description: "Network Time Synchronization",
        comm: "systemd-timesyn",
        cmdline: "/lib/systemd/systemd-timesyncd",
        docs: "man:systemd-timesyncd.service(8)",
        sysv: false,
    },
    Unit {
        name: "systemd-udevd",
        description: "Rule-based Manager for Device Events and Files",
        comm: "systemd-udevd",
        cmdline: "/lib/systemd/systemd-udevd",
        docs: "man:systemd-udevd.service(8)",
        sysv: false,
    },
];

/// Services that come with the optional accounts a persona may have: (account, unit).
const OPTIONAL_UNITS: &[(&str, Unit)] = &[
    (
        "postgres",
        Unit {
            name: "postgresql",
            description: "PostgreSQL RDBMS",
            comm: "",
            cmdline: "",
            docs: "",
            sysv: true,
        },
    ),
    (
        "mysql",
        Unit {
            name: "mariadb",
            description: "MariaDB 10.11.6 database server",
            comm: "",
            cmdline: "/usr/sbin/mariadbd",
            docs: "man:mariadbd(8)",
            sysv: true,
        },
    ),
    (
        "redis",
        Unit {
            name: "redis-server",
            description: "Advanced key-value store",
            comm: "",
            cmdline: "\"/usr/bin/redis-server 127.0.0.1:6379\"",
            docs: "http://redis.io/documentation,",
            sysv: true,
        },
    ),
    (
        "Debian-exim",
        Unit {
            name: "exim4",
            description: "LSB: exim Mail Transport Agent",
            comm: "",
            cmdline: "/usr/sbin/exim4 -bd -q30m",
            docs: "man:systemd-sysv-generator(8)",
            sysv: true,
        },
    ),
];

/// The units this machine has, sorted by name.
pub(crate) fn units(s: &Session) -> Vec<&'static Unit> {
    let mut all: Vec<&Unit> = BASE_UNITS.iter().collect();
    for (account, unit) in OPTIONAL_UNITS {
        if s.persona.users.iter().any(|u| u.name == *account) {
            all.push(unit);
        }
    }
    all.sort_by_key(|u| u.name);
    all
}

/// The unit named `arg` (`ssh`, `ssh.service`; `sshd` is an alias of `ssh` on Debian).
pub(crate) fn find(s: &Session, arg: &str) -> Option<&'static Unit> {
    let name = arg.strip_suffix(".service").unwrap_or(arg);
    let name = if name == "sshd" { "ssh" } else { name };
    units(s).into_iter().find(|u| u.name == name)
}

/// `ssh` → `ssh.service`; names with another suffix are kept.
fn full_name(arg: &str) -> String {
    if arg.contains('.') {
        arg.to_owned()
    } else {
        format!("{arg}.service")
    }
}

/// `Thu 2025-06-12 08:11:04 UTC` for a Unix time.
pub(crate) fn timestamp(t: i64) -> String {
    let days = t.div_euclid(86_400);
    let secs = t.rem_euclid(86_400);
    let (y, m, d) = civil(days);
    let wd = ["Thu", "Fri", "Sat", "Sun", "Mon", "Tue", "Wed"][days.rem_euclid(7) as usize];
    format!(
        "{wd} {y:04}-{m:02}-{d:02} {:02}:{:02}:{:02} UTC",
        secs / 3600,
        secs % 3600 / 60,
        secs % 60
    )
}

/// Year, month and day of a day number since 1970-01-01 (Howard Hinnant's algorithm).
fn civil(days: i64) -> (i64, i64, i64) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    (yoe + era * 400 + i64::from(m <= 2), m, d)
}

/// systemd's "3 days ago" / "2 weeks 1 day ago" / "5h ago" style.
fn ago(secs: i64) -> String {
    let (d, h, m) = (secs / 86_400, secs % 86_400 / 3600, secs % 3600 / 60);
    match d {
        0 if h == 0 => format!("{m}min ago"),
        0 => format!("{h}h {m}min ago"),
        1..=6 => format!("{d} day{} {h}h ago", if d == 1 { "" } else { "s" }),
        7..=30 => {
            let (w, d) = (d / 7, d % 7);
            let ws = if w == 1 { "" } else { "s" };
            if d == 0 {
                format!("{w} week{ws} ago")
            } else {
                format!("{w} week{ws} {d} day{} ago", if d == 1 { "" } else { "s" })
            }
        }
        _ => format!("{} months ago", d / 30),
    }
}

/// The `systemctl status` block of one unit.
pub(crate) fn status_text(s: &Session, unit: &Unit) -> String {
    let boot = (s.persona.boot_unix_ms / 1000) as i64 + 4 + unit.name.len() as i64 % 3;
    let pid = processes(s)
        .iter()
        .find(|p| !unit.comm.is_empty() && p.name == unit.comm)
        .map_or(300 + unit.name.len() as u32 * 37, |p| p.pid);
    let bin = unit.cmdline.trim_start_matches('"').split(' ').next().unwrap_or("");
    let comm = bin.rsplit('/').next().unwrap_or(bin);
    let mut t = format!(
        "● {n}.service - {d}\n     Loaded: loaded (/lib/systemd/system/{n}.service; enabled; preset: enabled)\n     \
         Active: active (running) since {since}; {ago}\n",
        n = unit.name,
        d = unit.description,
        since = timestamp(boot),
        ago = ago(s.now - boot),
    );
    if !unit.docs.is_empty() {
        t.push_str(&format!("       Docs: {}\n", unit.docs));
    }
    let mem = 1.0 + f64::from((pid * 7919) % 90) / 10.0;
    t.push_str(&format!(
        "   Main PID: {pid} ({comm})\n      Tasks: 1 (limit: {limit})\n     Memory: {mem:.1}M\n        CPU: {cpu}.{ms:03}s\n     \
         CGroup: /system.slice/{n}.service\n             └─{pid} {cmd}\n",
        comm = if unit.comm.is_empty() { comm } else { unit.comm },
        limit = s.persona.memory.total_kib / 128 / 2 / 3,
        cpu = (s.now - boot) / 86_400 + 1,
        ms = pid % 1000,
        n = unit.name,
        cmd = unit.cmdline,
    ));
    t
}

impl Command for Systemctl {
    fn names(&self) -> &'static [&'static str] {
        &["systemctl", "/usr/bin/systemctl", "/bin/systemctl"]
    }

    fn run(&self, ctx: &mut Ctx, args: &[String], _stdin: &[u8]) -> i32 {
        let words: Vec<&str> = args
            .iter()
            .skip(1)
            .map(String::as_str)
            .filter(|a| !a.starts_with('-') || *a == "--version")
            .collect();
        let (verb, targets) = match words.split_first() {
            Some((v, t)) => (*v, t),
            None => ("list-units", &[][..]),
        };
        let root = ctx.session.user.uid == 0;
        match verb {
            "--version" => {
                ctx.out(VERSION);
                0
            }
            "list-units" => {
                list_units(ctx);
                0
            }
            "status" if targets.is_empty() => {
                let host = ctx.session.persona.hostname.clone();
                ctx.out(format!("● {host}\n    State: running\n    Units: 242 loaded (incl. loaded aliases)\n     Jobs: 0 queued\n   Failed: 0 units\n    Since: {}\n  systemd: 252.30-1~deb12u2\n   CGroup: /\n", timestamp((ctx.session.persona.boot_unix_ms / 1000) as i64)));
                0
            }
            "status" => {
                let mut status = 0;
                let mut blocks = Vec::new();
                for t in targets {
                    match find(ctx.session, t) {
                        Some(u) => blocks.push(status_text(ctx.session, u)),
                        None => {
                            ctx.err(format!("Unit {} could not be found.\n", full_name(t)));
                            status = 4;
                        }
                    }
                }
                ctx.out(blocks.join("\n"));
                status
            }
            "is-active" | "is-enabled" | "is-failed" if targets.is_empty() => {
                ctx.err("Too few arguments.\n");
                1
            }
            "is-active" | "is-failed" => {
                let mut status = if verb == "is-failed" { 1 } else { 0 };
                for t in targets {
                    let known = find(ctx.session, t).is_some();
                    match (verb, known) {
                        ("is-active", true) => ctx.out("active\n"),
                        ("is-active", false) => {
                            ctx.out("inactive\n");
                            status = 3;
                        }
                        (_, true) => ctx.out("active\n"),
                        (_, false) => ctx.out("inactive\n"),
                    }
                }
                status
            }
            "is-enabled" => {
                let mut status = 0;
                for t in targets {
                    if find(ctx.session, t).is_some() {
                        ctx.out("enabled\n");
                    } else {
                        ctx.err(format!(
                            "Failed to get unit file state for {}: No such file or directory\n",
                            full_name(t)
                        ));
                        status = 1;
                    }
                }
                status
            }
            "start" | "stop" | "restart" | "reload" | "enable" | "disable" | "mask" | "unmask" | "daemon-reload"
            | "try-restart" | "reload-or-restart" | "kill" => {
                if targets.is_empty() && verb != "daemon-reload" {
                    ctx.err("Too few arguments.\n");
                    return 1;
                }
                manage(ctx, verb, targets, root)
            }
            _ => {
                ctx.err(format!("Unknown command verb {verb}.\n"));
                1
            }
        }
    }
}

/// Verbs that change state: polkit refuses them to a non-root caller without a terminal agent.
fn manage(ctx: &mut Ctx, verb: &str, targets: &[&str], root: bool) -> i32 {
    let file_verb = matches!(verb, "enable" | "disable" | "mask" | "unmask");
    if !root {
        if verb == "daemon-reload" {
            ctx.err("Failed to reload daemon: Interactive authentication required.\n");
        } else if file_verb {
            ctx.err(format!("Failed to {verb} unit: Interactive authentication required.\n"));
        } else if let Some(t) = targets.first() {
            let n = full_name(t);
            ctx.err(format!(
                "Failed to {verb} {n}: Interactive authentication required.\nSee system logs and 'systemctl status {n}' for details.\n"
            ));
        }
        return 1;
    }
    for t in targets {
        let n = full_name(t);
        let unit = find(ctx.session, t);
        match (unit, verb) {
            (None, "enable" | "disable") => {
                ctx.err(format!("Failed to {verb} unit: Unit file {n} does not exist.\n"));
                return 1;
            }
            (None, "mask" | "unmask") => {}
            (None, "start" | "restart" | "reload" | "try-restart" | "reload-or-restart") => {
                ctx.err(format!("Failed to {verb} {n}: Unit {n} not found.\n"));
                return 5;
            }
            (None, _) => {
                ctx.err(format!("Failed to {verb} {n}: Unit {n} not loaded.\n"));
                return 5;
            }
            (Some(u), "enable" | "disable") => {
                if u.sysv {
                    ctx.err(format!(
                        "Synchronizing state of {n} with SysV service script with /lib/systemd/systemd-sysv-install.\n\
                         Executing: /lib/systemd/systemd-sysv-install {verb} {}\n",
                        u.name
                    ));
                }
                if verb == "disable" {
                    ctx.err(format!(
                        "Removed \"/etc/systemd/system/multi-user.target.wants/{n}\".\n"
                    ));
                }
            }
            (Some(_), _) => {}
        }
    }
    0
}

/// `systemctl list-units` as piped output prints it, services only.
fn list_units(ctx: &mut Ctx) {
    let units = units(ctx.session);
    let width = units.iter().map(|u| u.name.len() + 8).max().unwrap_or(4).max(4);
    let mut t = format!("  {:width$} LOAD   ACTIVE SUB     DESCRIPTION\n", "UNIT");
    for u in &units {
        let n = format!("{}.service", u.name);
        t.push_str(&format!("  {n:width$} loaded active running {}\n", u.description));
    }
    t.push_str(&format!(
        "\nLOAD   = Reflects whether the unit definition was properly loaded.\nACTIVE = The high-level unit activation \
         state, i.e. generalization of SUB.\nSUB    = The low-level unit activation state, values depend on unit \
         type.\n{} loaded units listed. Pass --all to see loaded but inactive units, too.\nTo show all installed unit \
         files use 'systemctl list-unit-files'.\n",
        units.len()
    ));
    ctx.out(t);
}

const VERSION: &str = "systemd 252 (252.30-1~deb12u2)
+PAM +AUDIT +SELINUX +APPARMOR +IMA +SMACK +SECCOMP +GCRYPT -GNUTLS +OPENSSL +ACL +BLKID +CURL +ELFUTILS +FIDO2 +IDN2 -IDN +IPTC +KMOD +LIBCRYPTSETUP +LIBFDISK +PCRE2 -PWQUALITY +P11KIT +QRENCODE +TPM2 +BZIP2 +LZ4 +XZ +ZLIB +ZSTD -BPF_FRAMEWORK -XKBCOMMON +UTMP +SYSVINIT default-hierarchy=unified
";

#[cfg(test)]
mod tests {
    use super::*;
    use crate::commands::testing::{check, session};

    #[test]
    fn systemctl() {
        check("systemctl status foo", "", "Unit foo.service could not be found.\n", 4);
        check(
            "systemctl start foo",
            "",
            "Failed to start foo.service: Unit foo.service not found.\n",
            5,
        );
        check(
            "systemctl stop foo",
            "",
            "Failed to stop foo.service: Unit foo.service not loaded.\n",
            5,
        );
        check(
            "systemctl enable foo",
            "",
            "Failed to enable unit: Unit file foo.service does not exist.\n",
            1,
        );
        check("systemctl is-active ssh foo", "active\ninactive\n", "", 3);
        check("systemctl is-enabled cron", "enabled\n", "", 0);
        check("systemctl restart sshd", "", "", 0);
        check(
            "systemctl disable cron",
            "",
            "Synchronizing state of cron.service with SysV service script with /lib/systemd/systemd-sysv-install.\n\
             Executing: /lib/systemd/systemd-sysv-install disable cron\n\
             Removed \"/etc/systemd/system/multi-user.target.wants/cron.service\".\n",
            0,
        );
        check("systemctl frob", "", "Unknown command verb frob.\n", 1);
        let mut s = session();
        let out = s.run_line("systemctl status ssh");
        let text = String::from_utf8_lossy(&out.stdout).into_owned();
        assert!(text.starts_with("● ssh.service - OpenBSD Secure Shell server\n     Loaded: loaded (/lib/systemd/system/ssh.service; enabled; preset: enabled)\n     Active: active (running) since "), "{text}");
        assert_eq!(timestamp(1_750_000_000), "Sun 2025-06-15 15:06:40 UTC");
        assert_eq!(ago(3 * 86_400 + 3600), "3 days 1h ago");
    }

    #[test]
    fn unprivileged() {
        let mut s = session();
        s.user.uid = 1000;
        s.user.name = "bob".into();
        crate::commands::testing::check_in(
            &mut s,
            "systemctl restart ssh",
            "",
            "Failed to restart ssh.service: Interactive authentication required.\nSee system logs and 'systemctl status ssh.service' for details.\n",
            1,
        );
    }
}

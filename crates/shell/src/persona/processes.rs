//! The process table of the fake machine: kernel threads, the stock Debian 12 daemons, the services whose accounts
//! the persona has, and the attacker's own login chain, with deterministic PIDs, start times and CPU times.
//!
//! `ps` and `top` both read [`processes`], so they agree with each other, with `/proc/uptime` and with `/etc/passwd`
//! (a daemon only runs when its account exists, e.g. no `dbus-daemon` without a `messagebus` user).

use super::{noise, Persona};

/// Most processes the table ever holds (kernel threads scale with the CPU count, which is small).
const MAX_PROCESSES: usize = 400;

/// One row of the process table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Process {
    /// Process id.
    pub pid: u32,
    /// Parent process id.
    pub ppid: u32,
    /// Owner's login name.
    pub user: String,
    /// Controlling terminal as `ps` prints it (`?` for none, `pts/0`, `tty1`).
    pub tty: String,
    /// `ps` STAT column, e.g. `Ss` or `I<`.
    pub stat: &'static str,
    /// Start time, Unix seconds.
    pub start: i64,
    /// Cumulative CPU time in centiseconds.
    pub cpu_cs: u64,
    /// Virtual size in KiB.
    pub vsz_kib: u64,
    /// Resident size in KiB.
    pub rss_kib: u64,
    /// Shared resident KiB (top's SHR).
    pub shr_kib: u64,
    /// Nice value.
    pub nice: i32,
    /// The short name (`comm`), at most 15 bytes.
    pub comm: String,
    /// The full command line; kernel threads show `[comm]`.
    pub args: String,
}

impl Process {
    /// Whether this is a kernel thread (no memory, bracketed name).
    pub fn is_kernel(&self) -> bool {
        self.vsz_kib == 0
    }
}

/// Who is logged in on the session's terminal, so the login chain shows the right user and pid.
#[derive(Debug, Clone, Copy)]
pub struct LoginInfo<'a> {
    /// The login name.
    pub user: &'a str,
    /// The login shell's pid (`$$`).
    pub shell_pid: u32,
    /// When the login happened, Unix seconds.
    pub login_time: i64,
    /// The pid of the command asking (`ps`, `top`), listed last.
    pub self_pid: u32,
    /// That command's name.
    pub self_comm: &'a str,
    /// That command's full command line.
    pub self_args: &'a str,
}

/// A daemon template: user, stat, comm, args, VSZ, RSS, CPU rate (centiseconds of CPU per hour of uptime).
type Daemon = (&'static str, &'static str, &'static str, &'static str, u64, u64, u64);

/// Debian 12 kernel threads started once, in boot order (workqueues show as `I<`).
const KTHREADS_EARLY: &[(&str, &str)] = &[
    ("rcu_gp", "I<"),
    ("rcu_par_gp", "I<"),
    ("slub_flushwq", "I<"),
    ("netns", "I<"),
];

/// Kernel threads started after the per-CPU ones.
const KTHREADS_LATE: &[(&str, &str)] = &[
    ("kdevtmpfs", "S"),
    ("inet_frag_wq", "I<"),
    ("kauditd", "S"),
    ("khungtaskd", "S"),
    ("oom_reaper", "S"),
    ("writeback", "I<"),
    ("kcompactd0", "S"),
    ("ksmd", "SN"),
    ("khugepaged", "SN"),
    ("kintegrityd", "I<"),
    ("kblockd", "I<"),
    ("blkcg_punt_bio", "I<"),
    ("tpm_dev_wq", "I<"),
    ("edac-poller", "I<"),
    ("devfreq_wq", "I<"),
    ("watchdogd", "S"),
    ("kswapd0", "S"),
    ("kthrotld", "I<"),
    ("acpi_thermal_pm", "I<"),
    ("mld", "I<"),
    ("ipv6_addrconf", "I<"),
    ("kstrp", "I<"),
    ("zswap-shrink", "I<"),
    ("ata_sff", "I<"),
    ("scsi_eh_0", "S"),
    ("scsi_tmf_0", "I<"),
    ("kworker/u5:0", "I<"),
];

/// One process of the login chain: pid, ppid, user, stat, tty, comm, args, VSZ, RSS.
type ChainRow<'a> = (u32, u32, &'a str, &'static str, &'a str, &'a str, String, u64, u64);

/// The stock daemons every Debian 12 server runs, in start order.
const BASE_DAEMONS: &[Daemon] = &[
    (
        "root",
        "Ss",
        "systemd-journal",
        "/lib/systemd/systemd-journald",
        48_984,
        15_360,
        40,
    ),
    (
        "root",
        "Ss",
        "systemd-udevd",
        "/lib/systemd/systemd-udevd",
        25_796,
        6_528,
        12,
    ),
    ("root", "Ss", "cron", "/usr/sbin/cron -f", 6_612, 2_688, 6),
    (
        "root",
        "Ssl",
        "rsyslogd",
        "/usr/sbin/rsyslogd -n -iNONE",
        222_116,
        4_608,
        10,
    ),
];

/// Optional services, started when the persona has their account: account name, then the daemon.
const SERVICES: &[(&str, Daemon)] = &[
    (
        "_chrony",
        ("_chrony", "S", "chronyd", "/usr/sbin/chronyd -F 1", 18_920, 3_200, 8),
    ),
    (
        "postgres",
        (
            "postgres",
            "Ss",
            "postgres",
            "/usr/lib/postgresql/15/bin/postgres -D /var/lib/postgresql/15/main -c \
             config_file=/etc/postgresql/15/main/postgresql.conf",
            217_336,
            29_696,
            30,
        ),
    ),
    (
        "mysql",
        ("mysql", "Ssl", "mariadbd", "/usr/sbin/mariadbd", 1_150_944, 92_416, 60),
    ),
    (
        "redis",
        (
            "redis",
            "Ssl",
            "redis-server",
            "/usr/bin/redis-server 127.0.0.1:6379",
            67_132,
            11_008,
            90,
        ),
    ),
    (
        "Debian-exim",
        (
            "Debian-exim",
            "Ss",
            "exim4",
            "/usr/sbin/exim4 -bd -q30m",
            17_780,
            4_096,
            4,
        ),
    ),
];

/// The last stock daemons (`sshd`, the gettys), started after the services.
const LATE_DAEMONS: &[Daemon] = &[
    (
        "root",
        "Ss",
        "sshd",
        "sshd: /usr/sbin/sshd -D [listener] 0 of 10-100 startups",
        15_428,
        9_344,
        25,
    ),
    (
        "root",
        "Ss+",
        "agetty",
        "/sbin/agetty -o -p -- \\u --noclear - linux",
        5_880,
        1_920,
        0,
    ),
];

/// The whole process table at `now` (Unix seconds), sorted by pid, for the session described by `login`.
pub fn processes(persona: &Persona, now: i64, login: &LoginInfo) -> Vec<Process> {
    let boot = (persona.boot_unix_ms / 1000) as i64;
    let up_s = (now - boot).max(0) as u64;
    let seed = persona.noise_seed;
    let mut out: Vec<Process> = Vec::new();
    let cpu_at = |rate_per_hour: u64, salt: u64| -> u64 {
        let jitter = 80 + u64::from(noise(seed ^ 0x7072_6f63, salt) % 40);
        up_s * rate_per_hour * jitter / 100 / 3600 + u64::from(noise(seed, salt) % 30)
    };
    let kthread = |pid: u32, name: String, stat: &'static str, start: i64, cpu_cs: u64| {
        // Kernel 6.1 keeps 15 bytes of a thread name; workqueue workers get their queue name appended.
        let comm: String = if name.starts_with("kworker/") {
            name
        } else {
            name.chars().take(15).collect()
        };
        Process {
            pid,
            ppid: if pid == 2 { 0 } else { 2 },
            user: "root".to_owned(),
            tty: "?".to_owned(),
            stat,
            start,
            cpu_cs,
            vsz_kib: 0,
            rss_kib: 0,
            shr_kib: 0,
            nice: if stat.contains('<') {
                -20
            } else if stat.contains('N') {
                if comm == "ksmd" {
                    5
                } else {
                    19
                }
            } else {
                0
            },
            args: format!("[{comm}]"),
            comm,
        }
    };

    // PID 1 and the kernel threads, all started at boot.
    let init_rss = 10_000 + u64::from(noise(seed, 1) % 3_000);
    out.push(Process {
        pid: 1,
        ppid: 0,
        user: "root".to_owned(),
        tty: "?".to_owned(),
        stat: "Ss",
        start: boot,
        cpu_cs: cpu_at(30, 1),
        vsz_kib: 168_000 + u64::from(noise(seed, 2) % 3_000),
        rss_kib: init_rss,
        shr_kib: init_rss * 2 / 3,
        nice: 0,
        comm: "systemd".to_owned(),
        args: "/sbin/init".to_owned(),
    });
    out.push(kthread(
        2,
        "kthreadd".to_owned(),
        "S",
        boot,
        u64::from(noise(seed, 3) % 50),
    ));
    let mut pid = 3;
    for (comm, stat) in KTHREADS_EARLY {
        out.push(kthread(pid, (*comm).to_owned(), stat, boot, 0));
        pid += 1;
    }
    out.push(kthread(
        pid + 1,
        "kworker/0:0H-events_highpri".to_owned(),
        "I<",
        boot,
        0,
    ));
    pid += 3;
    out.push(kthread(pid, "mm_percpu_wq".to_owned(), "I<", boot, 0));
    for comm in ["rcu_tasks_kthread", "rcu_tasks_rude_kthread", "rcu_tasks_trace_kthread"] {
        pid += 1;
        out.push(kthread(pid, comm.to_owned(), "I", boot, 0));
    }
    let cpus = persona.nproc().clamp(1, 64);
    pid += 1;
    out.push(kthread(pid, "ksoftirqd/0".to_owned(), "S", boot, cpu_at(6, 20)));
    pid += 1;
    out.push(kthread(pid, "rcu_preempt".to_owned(), "I", boot, cpu_at(40, 21)));
    pid += 1;
    out.push(kthread(pid, "migration/0".to_owned(), "S", boot, cpu_at(2, 22)));
    pid += 2;
    out.push(kthread(pid, "cpuhp/0".to_owned(), "S", boot, 0));
    for n in 1..cpus {
        let salt = 100 + u64::from(n) * 4;
        pid += 1;
        out.push(kthread(pid, format!("cpuhp/{n}"), "S", boot, 0));
        pid += 1;
        out.push(kthread(pid, format!("migration/{n}"), "S", boot, cpu_at(2, salt)));
        pid += 1;
        out.push(kthread(pid, format!("ksoftirqd/{n}"), "S", boot, cpu_at(5, salt + 1)));
        pid += 2;
        out.push(kthread(pid, format!("kworker/{n}:0H-events_highpri"), "I<", boot, 0));
    }
    for (comm, stat) in KTHREADS_LATE {
        pid += 1;
        let cpu = if *comm == "kcompactd0" || *comm == "khugepaged" {
            cpu_at(1, u64::from(pid))
        } else {
            0
        };
        out.push(kthread(pid, (*comm).to_owned(), stat, boot, cpu));
    }
    let disk = persona
        .disks
        .first()
        .map_or("sda1", |d| d.device.trim_start_matches("/dev/"));
    pid += 60 + noise(seed, 30) % 40;
    out.push(kthread(pid, format!("jbd2/{disk}-8"), "S", boot + 1, cpu_at(3, 31)));
    pid += 1;
    out.push(kthread(pid, "ext4-rsv-conversion".to_owned(), "I<", boot + 1, 0));

    // User-space daemons, a few seconds after boot.
    let daemon = |out: &mut Vec<Process>, pid: u32, d: &Daemon, start: i64| {
        let (user, stat, comm, args, vsz, rss, rate) = *d;
        let wobble = u64::from(noise(seed, u64::from(pid)) % 512);
        out.push(Process {
            pid,
            ppid: 1,
            user: user.to_owned(),
            tty: if comm == "agetty" { "tty1" } else { "?" }.to_owned(),
            stat,
            start,
            cpu_cs: cpu_at(rate, u64::from(pid)),
            vsz_kib: vsz + wobble * 4,
            rss_kib: rss + wobble,
            shr_kib: (rss + wobble) * 3 / 5,
            nice: 0,
            comm: comm.to_owned(),
            args: args.to_owned(),
        });
    };
    pid += 100 + noise(seed, 32) % 120;
    for d in BASE_DAEMONS {
        daemon(&mut out, pid, d, boot + 2);
        pid += 15 + noise(seed, u64::from(pid)) % 30;
    }
    if let Some(nic) = persona.nics.first() {
        let n = &nic.name;
        let args = format!(
            "dhclient -4 -v -i -pf /run/dhclient.{n}.pid -lf /var/lib/dhcp/dhclient.{n}.leases -I -df \
             /var/lib/dhcp/dhclient6.{n}.leases {n}"
        );
        daemon(
            &mut out,
            pid,
            &("root", "Ss", "dhclient", "", 5_868, 2_224, 3),
            boot + 3,
        );
        if let Some(p) = out.last_mut() {
            p.args = args;
        }
        pid += 20 + noise(seed, 33) % 40;
    }
    for (account, d) in SERVICES {
        if persona.users.iter().any(|u| u.name == *account) {
            daemon(&mut out, pid, d, boot + 4);
            pid += 10 + noise(seed, u64::from(pid)) % 20;
        }
    }
    for d in LATE_DAEMONS {
        daemon(&mut out, pid, d, boot + 5);
        pid += 1 + noise(seed, u64::from(pid)) % 8;
    }
    let sshd_pid = out.iter().find(|p| p.comm == "sshd").map_or(1, |p| p.pid);

    // The login shell is `$$`; the rest of its chain sits just below it.
    let s = login.shell_pid.max(pid + 5);
    let self_pid = login.self_pid.max(s + 1);

    // A few kworkers that come and go with time.
    let epoch = up_s / 600;
    for k in 0..(cpus.min(8) as u64) {
        let kpid = pid + 20 + noise(seed ^ k, epoch) % 400;
        if kpid + 3 >= s && kpid <= self_pid {
            continue;
        }
        let kind = ["events", "mm_percpu_wq", "events_power_efficient", "rcu_par_gp"];
        let idx = (noise(seed ^ k, epoch + 1) as usize) % kind.len();
        let start = boot + ((epoch * 600) as i64).min(now - boot);
        out.push(kthread(kpid, format!("kworker/{k}:1-{}", kind[idx]), "I", start, 0));
    }

    // The attacker's own login chain.
    let root_login = login.user == "root";
    let chain: [ChainRow; 2] = [
        (
            s - 3,
            sshd_pid,
            "root",
            "Ss",
            "?",
            "sshd",
            format!("sshd: {} [priv]", login.user),
            17_788,
            10_752,
        ),
        (
            s - 1,
            s - 3,
            if root_login { "root" } else { login.user },
            "S",
            "?",
            "sshd",
            format!("sshd: {}@pts/0", login.user),
            17_920,
            6_912,
        ),
    ];
    for (cpid, ppid, user, stat, tty, comm, args, vsz, rss) in chain {
        out.push(Process {
            pid: cpid,
            ppid,
            user: user.to_owned(),
            tty: tty.to_owned(),
            stat,
            start: login.login_time,
            cpu_cs: 1,
            vsz_kib: vsz,
            rss_kib: rss,
            shr_kib: rss * 3 / 4,
            nice: 0,
            comm: comm.to_owned(),
            args,
        });
    }
    out.push(Process {
        pid: s,
        ppid: s - 1,
        user: login.user.to_owned(),
        tty: "pts/0".to_owned(),
        stat: "Ss",
        start: login.login_time,
        cpu_cs: 1,
        vsz_kib: 7_236,
        rss_kib: 4_096,
        shr_kib: 3_456,
        nice: 0,
        comm: "bash".to_owned(),
        args: "-bash".to_owned(),
    });
    out.push(Process {
        pid: self_pid,
        ppid: s,
        user: login.user.to_owned(),
        tty: "pts/0".to_owned(),
        stat: "R+",
        start: now,
        cpu_cs: 0,
        vsz_kib: 11_084,
        rss_kib: 4_736,
        shr_kib: 2_944,
        nice: 0,
        comm: login.self_comm.chars().take(15).collect(),
        args: login.self_args.to_owned(),
    });
    out.sort_by_key(|p| p.pid);
    out.dedup_by_key(|p| p.pid);
    out.truncate(MAX_PROCESSES);
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::persona::tests::{personas, NOW};

    fn login() -> LoginInfo<'static> {
        LoginInfo {
            user: "root",
            shell_pid: 4242,
            login_time: NOW as i64 - 60,
            self_pid: 4250,
            self_comm: "ps",
            self_args: "ps aux",
        }
    }

    #[test]
    fn table_is_sane_for_every_persona() {
        for p in personas(50) {
            let t = processes(&p, NOW as i64, &login());
            assert!(t.len() > 40 && t.len() <= MAX_PROCESSES);
            assert_eq!(t[0].pid, 1);
            assert_eq!(t[0].args, "/sbin/init");
            assert!(t.windows(2).all(|w| w[0].pid < w[1].pid));
            assert!(t.iter().any(|x| x.args == "-bash" && x.tty == "pts/0"));
            assert!(t.iter().all(|x| x.comm.len() <= 15 || x.comm.starts_with("kworker/")));
            for x in &t {
                assert!(p.users.iter().any(|u| u.name == x.user), "{} has no account", x.user);
            }
            let later = processes(&p, NOW as i64 + 86_400, &login());
            assert!(later[0].cpu_cs > t[0].cpu_cs);
        }
    }
}

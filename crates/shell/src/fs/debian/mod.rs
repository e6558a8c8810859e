//! A realistic Debian 12 (bookworm) server tree generated from a [`Persona`]: the usrmerge layout, the real binary
//! names of a minimal server in `/usr/bin` and `/usr/sbin`, the `/etc` files attackers read, homes, logs, `/dev`,
//! `/proc`, `/sys` and `/boot`, with modes, owners, sizes and mtimes placed around the machine's install date.
//!
//! Binaries and logs are size-only; text files share one `Arc` per content. `/proc` files are zero-size here, as
//! on a real kernel; `Session::read_file` renders them at read time (see [`proc_file`]).
//!
//! - `usr.txt`: `/usr/bin` and `/usr/sbin` of a minimal Debian 12 server (`cond path mode size` or
//!   `cond path 777 ->target`; `cond` is `a` always, `py` python3, `pl` perl, `cu` curl, `su` sudo), taken from a
//!   real Debian 12 system with `dpkg -S` and the package archives.
//! - `files/`: Debian's exact default files (skeleton dot files, `sshd_config`, `crontab`, `login.defs`, …).

use std::fmt::Write as _;
use std::sync::Arc;
use std::time::{Duration, UNIX_EPOCH};

use super::base::{Base, BaseBuilder};
use super::error::Errno;
use super::node::{Content, Meta, Node};
use crate::persona::{render, Persona};

/// The binaries table, one entry per line.
const USR_TABLE: &str = include_str!("usr.txt");

/// Most lines read from the binaries table, a bound on the build loop.
const MAX_TABLE_LINES: usize = 4096;

const ROOT_BASHRC: &str = include_str!("files/root.bashrc");
const ROOT_PROFILE: &str = include_str!("files/root.profile");
const SKEL_BASHRC: &str = include_str!("files/skel.bashrc");
const SKEL_PROFILE: &str = include_str!("files/skel.profile");
const SKEL_BASH_LOGOUT: &str = include_str!("files/skel.bash_logout");
const PROFILE: &str = include_str!("files/profile");
const BASH_BASHRC: &str = include_str!("files/bash.bashrc");
const SSHD_CONFIG: &str = include_str!("files/sshd_config");
const SSH_CONFIG: &str = include_str!("files/ssh_config");
const SHELLS: &str = include_str!("files/shells");
const ISSUE: &str = include_str!("files/issue");
const ISSUE_NET: &str = include_str!("files/issue.net");
const MOTD: &str = include_str!("files/motd");
const CRONTAB: &str = include_str!("files/crontab");
const SUDOERS: &str = include_str!("files/sudoers");
const LOGIN_DEFS: &str = include_str!("files/login.defs");

/// `/etc/hosts` after the Debian installer, before the hostname line.
const HOSTS_IPV6: &str = "\n# The following lines are desirable for IPv6 capable hosts\n\
::1     localhost ip6-localhost ip6-loopback\nff02::1 ip6-allnodes\nff02::2 ip6-allrouters\n";

/// `/etc/apt/sources.list.d/debian.sources` of a Debian 12 cloud image.
const DEBIAN_SOURCES: &str = "Types: deb deb-src\nURIs: mirror+file:///etc/apt/mirrors/debian.list\n\
Suites: bookworm bookworm-updates bookworm-backports\nComponents: main\n\
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg\n\n\
Types: deb deb-src\nURIs: mirror+file:///etc/apt/mirrors/debian-security.list\nSuites: bookworm-security\n\
Components: main\nSigned-By: /usr/share/keyrings/debian-archive-keyring.gpg\n";

/// The head of the installer's `/etc/fstab`.
const FSTAB_HEAD: &str = "# /etc/fstab: static file system information.\n#\n\
# Use 'blkid' to print the universally unique identifier for a\n\
# device; this may be used with UUID= as a more robust way to name devices\n\
# that works even if disks are added and removed. See fstab(5).\n#\n\
# systemd generates mount units based on this file, see systemd.mount(5).\n\
# Please run 'systemctl daemon-reload' after making changes here.\n#\n\
# <file system> <mount point>   <type>  <options>       <dump>  <pass>\n";

/// The `/proc` files rendered at read time; the base holds them as zero-size files.
pub(crate) const PROC_GENERATED: &[&str] = &["cmdline", "cpuinfo", "meminfo", "uptime", "loadavg", "version"];

/// The bytes of a generated `/proc` file at `now` (Unix seconds), given its canonical path, or `None` if the path
/// is not one the kernel would generate; `Session::read_file` calls it so time moves between reads.
pub(crate) fn proc_file(persona: &Persona, canonical: &str, now: i64) -> Option<String> {
    let rest = canonical.strip_prefix("/proc/")?;
    let t = UNIX_EPOCH + Duration::from_secs(u64::try_from(now).unwrap_or(0));
    Some(match rest {
        "cpuinfo" => render::cpuinfo(persona),
        "meminfo" => render::meminfo(persona, t),
        "uptime" => render::proc_uptime(persona, t),
        "loadavg" => render::loadavg(persona, t),
        "version" => render::proc_version(persona),
        "cmdline" => proc_cmdline(persona),
        _ => {
            let (pid, file) = rest.split_once('/')?;
            if pid.is_empty() || !pid.bytes().all(|b| b.is_ascii_digit()) {
                return None;
            }
            match (pid == "1", file) {
                (_, "mounts") => proc_mounts(persona),
                (true, "comm") => "systemd\n".to_owned(),
                (true, "cmdline") => "/sbin/init\0".to_owned(),
                (false, "comm") => "bash\n".to_owned(),
                (false, "cmdline") => "-bash\0".to_owned(),
                _ => return None,
            }
        }
    })
}

/// A cheap stateless hash (splitmix64) so every generated detail is stable for one persona.
fn mix(seed: u64, x: u64) -> u64 {
    let mut z = seed.wrapping_add(x.wrapping_mul(0x9e37_79b9_7f4a_7c15));
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

/// A stable hash of a string, to scatter per-file details.
fn hash_str(s: &str) -> u64 {
    s.bytes().fold(0xcbf2_9ce4_8422_2325, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x100_0000_01b3)
    })
}

/// Days since 1970-01-01 of a civil date (Howard Hinnant's algorithm).
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// The kernel build date from `uname -v` (`... (YYYY-MM-DD)`) as Unix seconds, or the Debian 12 release day.
fn kernel_date(persona: &Persona) -> i64 {
    let v = &persona.kernel.version;
    let date = v.rsplit_once('(').map(|(_, d)| d.trim_end_matches(')'));
    let parts: Vec<i64> = date
        .unwrap_or("")
        .split('-')
        .take(3)
        .filter_map(|p| p.parse().ok())
        .collect();
    match parts.as_slice() {
        [y, m, d] if (1..=12).contains(m) && (1..=31).contains(d) => days_from_civil(*y, *m, *d) * 86_400,
        _ => super::node::DEFAULT_MTIME,
    }
}

/// The times the tree is stamped with: package builds, the install, the boot.
#[derive(Clone, Copy, Debug)]
struct Times {
    /// When the installer ran: some days after the kernel build, before the boot.
    install: i64,
    /// When the machine booted.
    boot: i64,
    /// Per-persona seed.
    seed: u64,
}

impl Times {
    fn new(persona: &Persona) -> Times {
        let boot = i64::try_from(persona.boot_unix_ms / 1000).unwrap_or(i64::MAX);
        let seed = persona.noise_seed;
        let after_kernel = 2 * 86_400 + (mix(seed, 1) % (25 * 86_400)) as i64;
        let install = (kernel_date(persona) + after_kernel).min(boot - 3 * 3600);
        Times { install, boot, seed }
    }

    /// A package file's mtime: its build, 1 to 300 days before the install.
    fn package(&self, path: &str) -> i64 {
        self.install - 86_400 - (mix(self.seed ^ hash_str(path), 2) % (300 * 86_400)) as i64
    }

    /// A configuration file written during the install, a few minutes into it.
    fn config(&self, path: &str) -> i64 {
        self.install + (mix(self.seed ^ hash_str(path), 3) % 900) as i64
    }
}

/// Adds nodes with owner and time, so the tree reads like a list.
struct Tree<'p> {
    b: BaseBuilder,
    t: Times,
    persona: &'p Persona,
}

impl Tree<'_> {
    fn gid(&self, group: &str) -> u32 {
        self.persona
            .groups
            .iter()
            .find(|g| g.name == group)
            .map_or(0, |g| g.gid)
    }

    fn meta(mode: u32, uid: u32, gid: u32, mtime: i64) -> Meta {
        Meta {
            mtime,
            uid,
            gid,
            ..Meta::root(mode)
        }
    }

    fn dir(&mut self, path: &str, mode: u32, uid: u32, gid: u32, mtime: i64) -> Result<(), Errno> {
        self.b.insert(path, Node::dir(Self::meta(mode, uid, gid, mtime)))?;
        Ok(())
    }

    fn text(&mut self, path: &str, mode: u32, uid: u32, gid: u32, mtime: i64, text: Arc<[u8]>) -> Result<(), Errno> {
        self.b.insert(
            path,
            Node::file(Self::meta(mode, uid, gid, mtime), Content::Inline(text)),
        )?;
        Ok(())
    }

    fn sized(&mut self, path: &str, mode: u32, uid: u32, gid: u32, mtime: i64, size: u64) -> Result<(), Errno> {
        self.b.insert(
            path,
            Node::file(Self::meta(mode, uid, gid, mtime), Content::SizeOnly(size)),
        )?;
        Ok(())
    }

    fn link(&mut self, path: &str, target: &str, mtime: i64) -> Result<(), Errno> {
        self.b
            .insert(path, Node::symlink(Self::meta(0o777, 0, 0, mtime), target))?;
        Ok(())
    }

    /// A root-owned config file written at install time.
    fn etc(&mut self, path: &str, mode: u32, text: impl Into<Arc<[u8]>>) -> Result<(), Errno> {
        let m = self.t.config(path);
        self.text(path, mode, 0, 0, m, text.into())
    }

    /// A root-owned config file shipped by a package.
    fn shipped(&mut self, path: &str, mode: u32, text: &str) -> Result<(), Errno> {
        let m = self.t.package(path);
        self.text(path, mode, 0, 0, m, Arc::from(text.as_bytes()))
    }
}

/// The whole Debian 12 tree for `persona`, frozen for sharing between sessions.
pub fn debian_tree(persona: &Persona) -> Arc<Base> {
    let mut tree = Tree {
        b: BaseBuilder::new(),
        t: Times::new(persona),
        persona,
    };
    // Every insert below is on a fresh, well-formed path; a failure would be a bug in this file, caught by the
    // tests, and leaves a partial tree rather than a panic.
    let _ = build(&mut tree);
    tree.b.build()
}

fn build(tr: &mut Tree<'_>) -> Result<(), Errno> {
    let t = tr.t;
    let inst = t.install;
    tr.dir("/", 0o755, 0, 0, inst)?;
    for d in ["boot", "etc", "home", "media", "mnt", "opt", "srv", "usr", "var"] {
        tr.dir(&format!("/{d}"), 0o755, 0, 0, inst)?;
    }
    tr.dir("/root", 0o700, 0, 0, inst)?;
    tr.dir("/lost+found", 0o700, 0, 0, inst)?;
    tr.dir("/tmp", 0o1777, 0, 0, t.boot)?;
    tr.dir("/run", 0o755, 0, 0, t.boot)?;
    tr.dir("/proc", 0o555, 0, 0, t.boot)?;
    tr.dir("/sys", 0o555, 0, 0, t.boot)?;
    tr.dir("/dev", 0o755, 0, 0, t.boot)?;
    for (link, target) in [
        ("bin", "usr/bin"),
        ("sbin", "usr/sbin"),
        ("lib", "usr/lib"),
        ("lib64", "usr/lib64"),
    ] {
        tr.link(&format!("/{link}"), target, inst)?;
    }
    usr(tr)?;
    etc(tr)?;
    homes(tr)?;
    var(tr)?;
    dev(tr)?;
    proc(tr)?;
    sys(tr)?;
    boot(tr)?;
    Ok(())
}

fn usr(tr: &mut Tree<'_>) -> Result<(), Errno> {
    let p = tr.persona.packages;
    let sudo = tr.persona.human_users().next().is_some();
    let inst = tr.t.install;
    for d in [
        "bin", "sbin", "lib", "lib64", "include", "libexec", "share", "src", "games",
    ] {
        tr.dir(&format!("/usr/{d}"), 0o755, 0, 0, inst)?;
    }
    for d in ["bin", "etc", "games", "include", "lib", "sbin", "share", "src"] {
        tr.dir(&format!("/usr/local/{d}"), 0o755, 0, 0, inst)?;
    }
    let (shadow, crontab, ssh) = (tr.gid("shadow"), tr.gid("crontab"), tr.gid("_ssh").max(tr.gid("ssh")));
    for line in USR_TABLE.lines().take(MAX_TABLE_LINES) {
        let mut f = line.split(' ');
        let (Some(cond), Some(rel), Some(mode), Some(what)) = (f.next(), f.next(), f.next(), f.next()) else {
            continue;
        };
        let wanted = match cond {
            "py" => p.python3,
            "pl" => p.perl,
            "cu" => p.curl,
            "su" => sudo,
            _ => true,
        };
        if !wanted {
            continue;
        }
        let path = format!("/usr/{rel}");
        let mtime = tr.t.package(&path);
        if let Some(target) = what.strip_prefix("->") {
            tr.link(&path, target, mtime)?;
            continue;
        }
        let mode = u32::from_str_radix(mode, 8).unwrap_or(0o755);
        let size = what.parse().unwrap_or(0);
        let name = rel.rsplit('/').next().unwrap_or(rel);
        let gid = match name {
            "chage" | "expiry" | "unix_chkpwd" => shadow,
            "crontab" => crontab,
            "ssh-agent" => ssh,
            _ => 0,
        };
        tr.sized(&path, mode, 0, gid, mtime, size)?;
    }
    let os = render::os_release(tr.persona);
    tr.shipped("/usr/lib/os-release", 0o644, &os)?;
    let m = tr.t.package("/usr/lib/systemd/systemd");
    tr.sized("/usr/lib/systemd/systemd", 0o755, 0, 0, m, 92_544)?;
    tr.sized("/usr/lib/openssh/sftp-server", 0o755, 0, 0, m, 158_488)?;
    tr.sized("/usr/lib/openssh/ssh-keysign", 0o4755, 0, 0, m, 481_384)?;
    let gnu = "/usr/lib/x86_64-linux-gnu";
    for (name, size) in [
        ("ld-linux-x86-64.so.2", 210_968u64),
        ("libc.so.6", 1_922_136),
        ("libm.so.6", 907_784),
        ("libpam.so.0.85.1", 67_984),
        ("libcrypt.so.1.1.0", 206_776),
        ("libssl.so.3", 695_368),
        ("libcrypto.so.3", 4_709_656),
        ("libz.so.1.2.13", 121_280),
    ] {
        let path = format!("{gnu}/{name}");
        let m = tr.t.package(&path);
        tr.sized(&path, 0o644, 0, 0, m, size)?;
    }
    tr.link(
        "/usr/lib64/ld-linux-x86-64.so.2",
        "/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2",
        inst,
    )?;
    if p.python3 {
        tr.dir("/usr/lib/python3.11", 0o755, 0, 0, inst)?;
        tr.dir("/usr/lib/python3/dist-packages", 0o755, 0, 0, inst)?;
        tr.sized("/usr/lib/python3.11/pdb.py", 0o755, 0, 0, m, 68_883)?;
        tr.sized("/usr/lib/python3.11/os.py", 0o644, 0, 0, m, 39_504)?;
        tr.sized("/usr/share/python3/py3versions.py", 0o755, 0, 0, m, 12_007)?;
    }
    if p.perl {
        tr.dir("/usr/share/perl/5.36.0", 0o755, 0, 0, inst)?;
    }
    tr.dir("/usr/lib/x86_64-linux-gnu/perl-base", 0o755, 0, 0, inst)?;
    let rel = tr.persona.kernel.release.clone();
    let kdate = kernel_date(tr.persona);
    tr.dir(&format!("/usr/lib/modules/{rel}"), 0o755, 0, 0, inst)?;
    for d in [
        "kernel",
        "kernel/drivers",
        "kernel/fs",
        "kernel/net",
        "kernel/crypto",
        "kernel/lib",
    ] {
        tr.dir(&format!("/usr/lib/modules/{rel}/{d}"), 0o755, 0, 0, kdate)?;
    }
    for (name, size) in [
        ("modules.alias", 1_412_981u64),
        ("modules.builtin", 22_071),
        ("modules.dep", 455_913),
        ("modules.order", 172_106),
        ("modules.symbols", 540_004),
    ] {
        tr.sized(&format!("/usr/lib/modules/{rel}/{name}"), 0o644, 0, 0, inst, size)?;
    }
    tr.sized("/usr/share/zoneinfo/Etc/UTC", 0o644, 0, 0, m, 114)?;
    for d in ["doc", "man", "common-licenses", "keyrings", "base-files"] {
        tr.dir(&format!("/usr/share/{d}"), 0o755, 0, 0, inst)?;
    }
    tr.sized("/usr/share/doc/systemd/README.logs", 0o644, 0, 0, m, 1_004)?;
    tr.shipped("/usr/share/base-files/dot.bashrc", 0o644, ROOT_BASHRC)?;
    tr.shipped("/usr/share/base-files/dot.profile", 0o644, ROOT_PROFILE)?;
    Ok(())
}

/// A `$y$` yescrypt hash string, stable for one persona and account.
fn yescrypt(seed: u64, name: &str) -> String {
    const ABC: &[u8] = b"./0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
    let h = hash_str(name);
    let chars = |n: usize, salt: u64| -> String {
        (0..n)
            .map(|i| char::from(ABC[(mix(seed ^ h ^ salt, i as u64) % ABC.len() as u64) as usize]))
            .collect()
    };
    format!("$y$j9T${}${}", chars(22, 1), chars(43, 2))
}

/// `/etc/shadow`: hashes for root and the humans, `*` for system accounts, `!` for service accounts.
fn shadow(persona: &Persona, install: i64) -> String {
    let day = install / 86_400;
    let mut out = String::new();
    for u in &persona.users {
        let (pw, lastchg) = if u.uid == 0 || (u.uid >= 1000 && u.uid != 65534) {
            (yescrypt(persona.noise_seed, &u.name), day)
        } else if u.uid >= 100 && u.uid < 1000 {
            ("!".to_owned(), day)
        } else {
            ("*".to_owned(), day - 40)
        };
        let _ = writeln!(out, "{}:{pw}:{lastchg}:0:99999:7:::", u.name);
    }
    out
}

/// `/etc/gshadow`.
fn gshadow(persona: &Persona) -> String {
    persona
        .groups
        .iter()
        .map(|g| {
            let pw = if g.gid >= 100 && g.gid != 65534 { "!" } else { "*" };
            format!("{}:{pw}::{}\n", g.name, g.members.join(","))
        })
        .collect()
}

/// A filesystem UUID stable for one persona and device.
fn uuid(seed: u64, device: &str) -> String {
    let a = mix(seed, hash_str(device));
    let b = mix(seed ^ 0x55, hash_str(device));
    format!(
        "{:08x}-{:04x}-4{:03x}-{:04x}-{:012x}",
        a >> 32,
        (a >> 16) & 0xffff,
        a & 0xfff,
        0x8000 | (b >> 48) & 0x3fff,
        b & 0xffff_ffff_ffff
    )
}

/// `/etc/fstab` as the installer writes it for the persona's disks (and swap, if any).
fn fstab(persona: &Persona) -> String {
    let mut out = FSTAB_HEAD.to_owned();
    for d in &persona.disks {
        let _ = writeln!(out, "# {} was on {} during installation", d.mount, d.device);
        if d.fs_type == "vfat" {
            let v = mix(persona.noise_seed, hash_str(&d.device));
            let id = format!("{:04X}-{:04X}", (v >> 16) & 0xffff, v & 0xffff);
            let _ = writeln!(out, "UUID={id}  {:<15} vfat    umask=0077      0       1", d.mount);
        } else {
            let pass = if d.mount == "/" { 1 } else { 2 };
            let opts = if d.mount == "/" {
                "errors=remount-ro"
            } else {
                "defaults"
            };
            let _ = writeln!(
                out,
                "UUID={} {:<15} {:<7} {opts} 0       {pass}",
                uuid(persona.noise_seed, &d.device),
                d.mount,
                d.fs_type
            );
        }
    }
    if persona.memory.swap_kib > 0 {
        let root = persona.disks.first().map_or("/dev/sda1", |d| d.device.as_str());
        let disk = root.trim_end_matches(|c: char| c.is_ascii_digit());
        let swap = format!("{disk}5");
        let _ = writeln!(out, "# swap was on {swap} during installation");
        let _ = writeln!(
            out,
            "UUID={} none            swap    sw              0       0",
            uuid(persona.noise_seed, &swap)
        );
    }
    out
}

/// `/proc/mounts` (and `/proc/self/mounts`) of a Debian 12 systemd boot with the persona's disks.
pub(crate) fn proc_mounts(persona: &Persona) -> String {
    let total = persona.memory.total_kib;
    let run = total / 10 / 4 * 4;
    let udev = total / 2 / 4 * 4;
    let mut out = String::new();
    out.push_str("sysfs /sys sysfs rw,nosuid,nodev,noexec,relatime 0 0\n");
    out.push_str("proc /proc proc rw,nosuid,nodev,noexec,relatime 0 0\n");
    let _ = writeln!(
        out,
        "udev /dev devtmpfs rw,nosuid,relatime,size={udev}k,nr_inodes={},mode=755,inode64 0 0",
        udev / 4
    );
    out.push_str("devpts /dev/pts devpts rw,nosuid,noexec,relatime,gid=5,mode=620,ptmxmode=000 0 0\n");
    let _ = writeln!(
        out,
        "tmpfs /run tmpfs rw,nosuid,nodev,noexec,relatime,size={run}k,mode=755,inode64 0 0"
    );
    for d in persona.disks.iter().filter(|d| d.mount == "/") {
        let _ = writeln!(out, "{} / {} rw,relatime,errors=remount-ro 0 0", d.device, d.fs_type);
    }
    for line in [
        "securityfs /sys/kernel/security securityfs rw,nosuid,nodev,noexec,relatime 0 0",
        "tmpfs /dev/shm tmpfs rw,nosuid,nodev,inode64 0 0",
        "tmpfs /run/lock tmpfs rw,nosuid,nodev,noexec,relatime,size=5120k,inode64 0 0",
        "cgroup2 /sys/fs/cgroup cgroup2 rw,nosuid,nodev,noexec,relatime,nsdelegate,memory_recursiveprot 0 0",
        "pstore /sys/fs/pstore pstore rw,nosuid,nodev,noexec,relatime 0 0",
        "bpf /sys/fs/bpf bpf rw,nosuid,nodev,noexec,relatime,mode=700 0 0",
        "hugetlbfs /dev/hugepages hugetlbfs rw,relatime,pagesize=2M 0 0",
        "mqueue /dev/mqueue mqueue rw,nosuid,nodev,noexec,relatime 0 0",
        "debugfs /sys/kernel/debug debugfs rw,nosuid,nodev,noexec,relatime 0 0",
        "tracefs /sys/kernel/tracing tracefs rw,nosuid,nodev,noexec,relatime 0 0",
        "fusectl /sys/fs/fuse/connections fusectl rw,nosuid,nodev,noexec,relatime 0 0",
        "configfs /sys/kernel/config configfs rw,nosuid,nodev,noexec,relatime 0 0",
    ] {
        out.push_str(line);
        out.push('\n');
    }
    for d in persona.disks.iter().filter(|d| d.mount != "/") {
        let opts = if d.fs_type == "vfat" {
            "rw,relatime,fmask=0077,dmask=0077,codepage=437,iocharset=ascii,shortname=mixed,utf8,errors=remount-ro"
        } else {
            "rw,relatime"
        };
        let _ = writeln!(out, "{} {} {} {opts} 0 0", d.device, d.mount, d.fs_type);
    }
    out
}

/// `/proc/cmdline`: GRUB's Debian default, booting the persona's kernel from the root filesystem's UUID.
fn proc_cmdline(persona: &Persona) -> String {
    let root = persona
        .disks
        .iter()
        .find(|d| d.mount == "/")
        .map_or("/dev/sda1", |d| d.device.as_str());
    format!(
        "BOOT_IMAGE=/boot/vmlinuz-{} root=UUID={} ro quiet\n",
        persona.kernel.release,
        uuid(persona.noise_seed, root)
    )
}

/// `/etc/network/interfaces` as the installer writes it for a DHCP interface.
fn interfaces(persona: &Persona) -> String {
    let mut out = "# This file describes the network interfaces available on your system\n\
# and how to activate them. For more information, see interfaces(5).\n\n\
source /etc/network/interfaces.d/*\n\n\
# The loopback network interface\nauto lo\niface lo inet loopback\n"
        .to_owned();
    for nic in &persona.nics {
        let _ = write!(
            out,
            "\n# The primary network interface\nallow-hotplug {0}\niface {0} inet dhcp\n",
            nic.name
        );
    }
    out
}

fn etc(tr: &mut Tree<'_>) -> Result<(), Errno> {
    let p = tr.persona;
    let t = tr.t;
    for d in [
        "apt/apt.conf.d",
        "apt/preferences.d",
        "apt/sources.list.d",
        "apt/trusted.gpg.d",
        "alternatives",
        "cron.d",
        "cron.daily",
        "cron.hourly",
        "cron.monthly",
        "cron.weekly",
        "default",
        "init.d",
        "logrotate.d",
        "network/interfaces.d",
        "pam.d",
        "profile.d",
        "security",
        "skel",
        "ssh/ssh_config.d",
        "ssh/sshd_config.d",
        "sysctl.d",
        "systemd/system",
        "systemd/network",
        "udev/rules.d",
    ] {
        tr.dir(&format!("/etc/{d}"), 0o755, 0, 0, t.config(d))?;
    }
    let shadow_gid = tr.gid("shadow");
    tr.etc("/etc/passwd", 0o644, render::passwd(p).into_bytes())?;
    tr.etc("/etc/passwd-", 0o644, render::passwd(p).into_bytes())?;
    tr.etc("/etc/group", 0o644, render::group(p).into_bytes())?;
    tr.etc("/etc/group-", 0o644, render::group(p).into_bytes())?;
    let m = t.config("/etc/shadow");
    tr.text(
        "/etc/shadow",
        0o640,
        0,
        shadow_gid,
        m,
        shadow(p, t.install).into_bytes().into(),
    )?;
    tr.text("/etc/gshadow", 0o640, 0, shadow_gid, m, gshadow(p).into_bytes().into())?;
    tr.etc("/etc/hostname", 0o644, render::hostname(p).into_bytes())?;
    tr.etc(
        "/etc/hosts",
        0o644,
        format!("127.0.0.1\tlocalhost\n127.0.1.1\t{}\n{HOSTS_IPV6}", p.hostname).into_bytes(),
    )?;
    tr.link("/etc/os-release", "../usr/lib/os-release", t.package("/etc/os-release"))?;
    tr.shipped("/etc/debian_version", 0o644, &render::debian_version(p))?;
    tr.shipped("/etc/issue", 0o644, ISSUE)?;
    tr.shipped("/etc/issue.net", 0o644, ISSUE_NET)?;
    tr.shipped("/etc/motd", 0o644, MOTD)?;
    let dns = p
        .nics
        .first()
        .map(|n| n.gateway.to_string())
        .unwrap_or_else(|| "1.1.1.1".to_owned());
    let m = t.boot + 20;
    tr.text(
        "/etc/resolv.conf",
        0o644,
        0,
        0,
        m,
        format!("nameserver {dns}\n").into_bytes().into(),
    )?;
    tr.etc("/etc/fstab", 0o644, fstab(p).into_bytes())?;
    tr.shipped("/etc/crontab", 0o644, CRONTAB)?;
    tr.shipped("/etc/ssh/sshd_config", 0o644, SSHD_CONFIG)?;
    tr.shipped("/etc/ssh/ssh_config", 0o644, SSH_CONFIG)?;
    let m = t.config("/etc/ssh/ssh_host");
    for (kind, key, public) in [("rsa", 2602u64, 571u64), ("ecdsa", 505, 177), ("ed25519", 411, 97)] {
        tr.sized(&format!("/etc/ssh/ssh_host_{kind}_key"), 0o600, 0, 0, m, key)?;
        let pub_size = public + p.hostname.len() as u64;
        tr.sized(&format!("/etc/ssh/ssh_host_{kind}_key.pub"), 0o644, 0, 0, m, pub_size)?;
    }
    tr.sized("/etc/ssh/moduli", 0o644, 0, 0, t.package("/etc/ssh/moduli"), 577_834)?;
    tr.etc("/etc/shells", 0o644, SHELLS.as_bytes())?;
    tr.shipped("/etc/profile", 0o644, PROFILE)?;
    tr.shipped("/etc/bash.bashrc", 0o644, BASH_BASHRC)?;
    tr.shipped("/etc/login.defs", 0o644, LOGIN_DEFS)?;
    tr.shipped("/etc/skel/.bashrc", 0o644, SKEL_BASHRC)?;
    tr.shipped("/etc/skel/.profile", 0o644, SKEL_PROFILE)?;
    tr.shipped("/etc/skel/.bash_logout", 0o644, SKEL_BASH_LOGOUT)?;
    tr.etc("/etc/network/interfaces", 0o644, interfaces(p).into_bytes())?;
    tr.etc("/etc/timezone", 0o644, &b"Etc/UTC\n"[..])?;
    tr.link("/etc/localtime", "/usr/share/zoneinfo/Etc/UTC", t.install)?;
    tr.etc(
        "/etc/apt/sources.list.d/debian.sources",
        0o644,
        DEBIAN_SOURCES.as_bytes(),
    )?;
    let machine_id = format!("{:016x}{:016x}\n", mix(p.noise_seed, 21), mix(p.noise_seed, 22));
    tr.etc("/etc/machine-id", 0o444, machine_id.into_bytes())?;
    tr.link("/etc/mtab", "../proc/self/mounts", t.install)?;
    if p.human_users().next().is_some() {
        tr.shipped("/etc/sudoers", 0o440, SUDOERS)?;
        tr.dir("/etc/sudoers.d", 0o750, 0, 0, t.install)?;
    }
    for (name, target) in [
        ("awk", "/usr/bin/mawk"),
        ("nawk", "/usr/bin/mawk"),
        ("editor", "/usr/bin/nano"),
        ("ex", "/usr/bin/vim.tiny"),
        ("vi", "/usr/bin/vim.tiny"),
        ("view", "/usr/bin/vim.tiny"),
        ("rview", "/usr/bin/vim.tiny"),
        ("pager", "/usr/bin/less"),
        ("rmt", "/usr/sbin/rmt-tar"),
        ("telnet", "/usr/bin/inetutils-telnet"),
        ("which", "/usr/bin/which.debianutils"),
        ("lzcat", "/usr/bin/xzcat"),
        ("lzcmp", "/usr/bin/xzcmp"),
        ("lzdiff", "/usr/bin/xzdiff"),
        ("lzegrep", "/usr/bin/xzegrep"),
        ("lzfgrep", "/usr/bin/xzfgrep"),
        ("lzgrep", "/usr/bin/xzgrep"),
        ("lzless", "/usr/bin/xzless"),
        ("lzma", "/usr/bin/xz"),
        ("lzmore", "/usr/bin/xzmore"),
        ("unlzma", "/usr/bin/unxz"),
    ] {
        tr.link(&format!("/etc/alternatives/{name}"), target, t.install)?;
    }
    Ok(())
}

fn homes(tr: &mut Tree<'_>) -> Result<(), Errno> {
    let t = tr.t;
    let root_bashrc: Arc<[u8]> = Arc::from(ROOT_BASHRC.as_bytes());
    let root_profile: Arc<[u8]> = Arc::from(ROOT_PROFILE.as_bytes());
    tr.text("/root/.bashrc", 0o644, 0, 0, t.install, root_bashrc)?;
    tr.text("/root/.profile", 0o644, 0, 0, t.install, root_profile)?;
    tr.dir("/root/.ssh", 0o700, 0, 0, t.install)?;
    let skel: [(&str, Arc<[u8]>); 3] = [
        (".bashrc", Arc::from(SKEL_BASHRC.as_bytes())),
        (".profile", Arc::from(SKEL_PROFILE.as_bytes())),
        (".bash_logout", Arc::from(SKEL_BASH_LOGOUT.as_bytes())),
    ];
    let users: Vec<_> = tr.persona.users.iter().filter(|u| u.uid != 0).cloned().collect();
    for u in users {
        let created = t.install + 600 + i64::from(u.uid % 97) * 7;
        if u.uid >= 1000 && u.uid != 65534 && u.home.starts_with("/home/") {
            tr.dir(&u.home, 0o700, u.uid, u.gid, created)?;
            for (name, bytes) in &skel {
                tr.text(
                    &format!("{}/{name}", u.home),
                    0o644,
                    u.uid,
                    u.gid,
                    created,
                    bytes.clone(),
                )?;
            }
        } else if u.home.starts_with("/var/lib/") || u.home.starts_with("/var/spool/") {
            tr.dir(&u.home, 0o755, u.uid, u.gid, created)?;
        }
    }
    Ok(())
}

fn var(tr: &mut Tree<'_>) -> Result<(), Errno> {
    let t = tr.t;
    let (adm, utmp, crontab, mail, journal, staff) = (
        tr.gid("adm"),
        tr.gid("utmp"),
        tr.gid("crontab"),
        tr.gid("mail"),
        tr.gid("systemd-journal"),
        tr.gid("staff"),
    );
    for d in [
        "backups",
        "cache",
        "lib",
        "lib/apt",
        "lib/dpkg",
        "lib/systemd",
        "opt",
        "spool",
        "cache/apt",
    ] {
        tr.dir(&format!("/var/{d}"), 0o755, 0, 0, t.install)?;
    }
    tr.dir("/var/local", 0o2775, 0, staff, t.install)?;
    tr.dir("/var/tmp", 0o1777, 0, 0, t.boot)?;
    tr.dir("/var/mail", 0o2775, 0, mail, t.install)?;
    tr.link("/var/spool/mail", "../mail", t.install)?;
    tr.link("/var/run", "/run", t.install)?;
    tr.link("/var/lock", "/run/lock", t.install)?;
    tr.dir("/var/spool/cron", 0o755, 0, 0, t.install)?;
    tr.dir("/var/spool/cron/crontabs", 0o1730, 0, crontab, t.install)?;
    tr.dir("/run/lock", 0o1777, 0, 0, t.boot)?;
    tr.dir("/run/sshd", 0o755, 0, 0, t.boot)?;
    tr.dir("/run/systemd", 0o755, 0, 0, t.boot)?;
    tr.dir("/run/user", 0o755, 0, 0, t.boot)?;
    tr.sized("/run/utmp", 0o664, 0, utmp, t.boot + 30, 1_536)?;
    tr.dir("/var/log", 0o755, 0, 0, t.boot)?;
    let up_days = (t.boot - t.install).max(0) / 86_400;
    let grow = |base: u64, per_day: u64| base + per_day * u64::try_from(up_days).unwrap_or(0).min(3650);
    tr.dir("/var/log/apt", 0o755, 0, 0, t.install)?;
    tr.dir("/var/log/journal", 0o2755, 0, journal, t.install)?;
    tr.dir("/var/log/private", 0o700, 0, 0, t.install)?;
    tr.dir("/var/log/installer", 0o755, 0, 0, t.install)?;
    let logs: [(&str, u32, u32, u64); 11] = [
        ("alternatives.log", 0o644, 0, grow(11_842, 0)),
        ("dpkg.log", 0o644, 0, grow(231_512, 90)),
        ("apt/history.log", 0o644, 0, grow(21_377, 30)),
        ("apt/term.log", 0o640, adm, grow(112_906, 120)),
        ("apt/eipp.log.xz", 0o600, 0, 24_684),
        ("wtmp", 0o664, utmp, grow(3_840, 384)),
        ("btmp", 0o660, utmp, grow(76_800, 19_200)),
        ("lastlog", 0o664, utmp, 292_292),
        ("faillog", 0o644, 0, 32_064),
        ("installer/syslog", 0o600, 0, 1_284_131),
        ("installer/status", 0o644, 0, 741_602),
    ];
    for (name, mode, gid, size) in logs {
        let m = if name.starts_with("installer/") {
            t.install + 1_200
        } else {
            t.boot + 600
        };
        tr.sized(&format!("/var/log/{name}"), mode, 0, gid, m, size)?;
    }
    tr.link("/var/log/README", "../../usr/share/doc/systemd/README.logs", t.install)?;
    let mid = format!(
        "{:016x}{:016x}",
        mix(tr.persona.noise_seed, 21),
        mix(tr.persona.noise_seed, 22)
    );
    tr.dir(&format!("/var/log/journal/{mid}"), 0o2755, 0, journal, t.boot)?;
    tr.sized(
        &format!("/var/log/journal/{mid}/system.journal"),
        0o640,
        0,
        journal,
        t.boot + 60,
        8_388_608,
    )?;
    Ok(())
}

fn dev(tr: &mut Tree<'_>) -> Result<(), Errno> {
    let b = tr.t.boot;
    let (tty, disk, kmem) = (tr.gid("tty"), tr.gid("disk"), tr.gid("kmem"));
    let chr = |mode, gid, major, minor| Node::char_device(Tree::meta(mode, 0, gid, b), major, minor);
    for (name, node) in [
        ("null", chr(0o666, 0, 1, 3)),
        ("zero", chr(0o666, 0, 1, 5)),
        ("full", chr(0o666, 0, 1, 7)),
        ("random", chr(0o666, 0, 1, 8)),
        ("urandom", chr(0o666, 0, 1, 9)),
        ("mem", chr(0o640, kmem, 1, 1)),
        ("kmsg", chr(0o644, 0, 1, 11)),
        ("tty", chr(0o666, tty, 5, 0)),
        ("console", chr(0o600, 0, 5, 1)),
        ("ptmx", chr(0o666, tty, 5, 2)),
    ] {
        tr.b.insert(&format!("/dev/{name}"), node)?;
    }
    for n in 0..8u32 {
        tr.b.insert(&format!("/dev/tty{n}"), chr(0o620, tty, 4, n))?;
    }
    tr.dir("/dev/pts", 0o755, 0, 0, b)?;
    tr.dir("/dev/shm", 0o1777, 0, 0, b)?;
    tr.dir("/dev/mqueue", 0o1777, 0, 0, b)?;
    tr.dir("/dev/hugepages", 0o755, 0, 0, b)?;
    tr.link("/dev/fd", "/proc/self/fd", b)?;
    tr.link("/dev/stdin", "/proc/self/fd/0", b)?;
    tr.link("/dev/stdout", "/proc/self/fd/1", b)?;
    tr.link("/dev/stderr", "/proc/self/fd/2", b)?;
    let disks: Vec<String> = tr.persona.disks.iter().map(|d| d.device.clone()).collect();
    for dev in disks {
        let Some(name) = dev.strip_prefix("/dev/") else {
            continue;
        };
        let (whole, part) = match name.rfind('p').filter(|_| name.starts_with("nvme")) {
            Some(i) => (&name[..i], &name[i + 1..]),
            None => {
                let cut = name.trim_end_matches(|c: char| c.is_ascii_digit());
                (cut, &name[cut.len()..])
            }
        };
        let major = match whole {
            w if w.starts_with("nvme") => 259,
            w if w.starts_with("xvd") => 202,
            w if w.starts_with("vd") => 254,
            _ => 8,
        };
        let minor: u32 = part.parse().unwrap_or(0);
        let whole_node = Node::block_device(Tree::meta(0o660, 0, disk, b), major, 0);
        let part_node = Node::block_device(Tree::meta(0o660, 0, disk, b), major, minor);
        let _ = tr.b.insert(&format!("/dev/{whole}"), whole_node);
        tr.b.insert(&dev, part_node)?;
    }
    Ok(())
}

/// The pid the session's shell gets (`Session::new`), so `/proc/self` points at it.
fn shell_pid(persona: &Persona) -> u32 {
    1000 + (persona.noise_seed % 30_000) as u32
}

fn proc(tr: &mut Tree<'_>) -> Result<(), Errno> {
    let b = tr.t.boot;
    for name in PROC_GENERATED {
        tr.sized(&format!("/proc/{name}"), 0o444, 0, 0, b, 0)?;
    }
    let pid = shell_pid(tr.persona);
    tr.link("/proc/self", &pid.to_string(), b)?;
    tr.link("/proc/mounts", "self/mounts", b)?;
    tr.link("/proc/net", "self/net", b)?;
    tr.dir("/proc/sys", 0o555, 0, 0, b)?;
    for p in [1, pid] {
        tr.dir(&format!("/proc/{p}"), 0o555, 0, 0, b)?;
        for f in ["cmdline", "comm", "mounts", "status", "stat"] {
            tr.sized(&format!("/proc/{p}/{f}"), 0o444, 0, 0, b, 0)?;
        }
        tr.sized(&format!("/proc/{p}/environ"), 0o400, 0, 0, b, 0)?;
        tr.dir(&format!("/proc/{p}/fd"), 0o500, 0, 0, b)?;
        tr.dir(&format!("/proc/{p}/net"), 0o555, 0, 0, b)?;
    }
    Ok(())
}

fn sys(tr: &mut Tree<'_>) -> Result<(), Errno> {
    let b = tr.t.boot;
    for d in [
        "block",
        "bus",
        "class",
        "dev",
        "devices",
        "firmware",
        "fs",
        "hypervisor",
        "kernel",
        "module",
        "power",
    ] {
        tr.dir(&format!("/sys/{d}"), 0o755, 0, 0, b)?;
    }
    tr.dir("/sys/class/net", 0o755, 0, 0, b)?;
    let nics: Vec<(String, String)> = tr
        .persona
        .nics
        .iter()
        .map(|n| (n.name.clone(), n.mac_string()))
        .collect();
    let up: Arc<[u8]> = Arc::from(&b"up\n"[..]);
    let mtu: Arc<[u8]> = Arc::from(&b"1500\n"[..]);
    for (name, mac) in nics {
        let d = format!("/sys/class/net/{name}");
        tr.dir(&d, 0o755, 0, 0, b)?;
        tr.text(
            &format!("{d}/address"),
            0o444,
            0,
            0,
            b,
            format!("{mac}\n").into_bytes().into(),
        )?;
        tr.text(&format!("{d}/operstate"), 0o444, 0, 0, b, up.clone())?;
        tr.text(&format!("{d}/mtu"), 0o644, 0, 0, b, mtu.clone())?;
    }
    tr.dir("/sys/class/net/lo", 0o755, 0, 0, b)?;
    tr.text(
        "/sys/class/net/lo/address",
        0o444,
        0,
        0,
        b,
        Arc::from(&b"00:00:00:00:00:00\n"[..]),
    )?;
    tr.text("/sys/class/net/lo/mtu", 0o644, 0, 0, b, Arc::from(&b"65536\n"[..]))?;
    Ok(())
}

fn boot(tr: &mut Tree<'_>) -> Result<(), Errno> {
    let rel = tr.persona.kernel.release.clone();
    let k = kernel_date(tr.persona);
    let inst = tr.t.install;
    let wobble = |x: u64| mix(tr.persona.noise_seed ^ hash_str(&rel), x) % 40_000;
    tr.sized(&format!("/boot/vmlinuz-{rel}"), 0o644, 0, 0, k, 7_950_000 + wobble(1))?;
    tr.sized(
        &format!("/boot/initrd.img-{rel}"),
        0o644,
        0,
        0,
        inst + 300,
        31_500_000 + wobble(2) * 60,
    )?;
    tr.sized(
        &format!("/boot/System.map-{rel}"),
        0o644,
        0,
        0,
        k,
        83_500 * 55 + wobble(3),
    )?;
    tr.sized(&format!("/boot/config-{rel}"), 0o644, 0, 0, k, 265_000 + wobble(4) / 10)?;
    tr.dir("/boot/grub", 0o755, 0, 0, inst + 320)?;
    tr.sized("/boot/grub/grub.cfg", 0o444, 0, 0, inst + 320, 5_200 + wobble(5) % 900)?;
    tr.sized("/boot/grub/grubenv", 0o644, 0, 0, inst + 320, 1_024)?;
    if tr.persona.disks.iter().any(|d| d.mount == "/boot/efi") {
        tr.dir("/boot/efi", 0o700, 0, 0, 0)?;
        tr.dir("/boot/efi/EFI/debian", 0o700, 0, 0, inst + 320)?;
    }
    tr.link("/vmlinuz", &format!("boot/vmlinuz-{rel}"), inst)?;
    tr.link("/initrd.img", &format!("boot/initrd.img-{rel}"), inst)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fs::{Kind, Overlay, Stat};
    use rand::rngs::StdRng;
    use rand::SeedableRng;

    /// 2026-01-01T00:00:00Z, a fixed "now" for reproducible personas.
    const NOW: u64 = 1_767_225_600;

    fn personas(n: usize) -> Vec<Persona> {
        let mut rng = StdRng::seed_from_u64(0xDEB1_2026);
        (0..n)
            .map(|_| Persona::generate_at(&mut rng, UNIX_EPOCH + Duration::from_secs(NOW)))
            .collect()
    }

    fn fs_of(p: &Persona) -> Overlay {
        Overlay::new(debian_tree(p), 0, 0, NOW as i64)
    }

    fn lstat(fs: &Overlay, path: &str) -> Stat {
        fs.lstat("/", path).unwrap_or_else(|e| panic!("{path}: {e}"))
    }

    fn bytes(fs: &Overlay, path: &str) -> Vec<u8> {
        fs.read("/", path).unwrap().bytes().unwrap().to_vec()
    }

    #[test]
    fn usrmerge_links_and_modes() {
        let p = &personas(1)[0];
        let fs = fs_of(p);
        let links: &[(&str, &str)] = &[
            ("/bin", "usr/bin"),
            ("/sbin", "usr/sbin"),
            ("/lib", "usr/lib"),
            ("/lib64", "usr/lib64"),
            ("/etc/os-release", "../usr/lib/os-release"),
            ("/etc/localtime", "/usr/share/zoneinfo/Etc/UTC"),
            ("/usr/bin/sh", "dash"),
            ("/etc/mtab", "../proc/self/mounts"),
        ];
        for (path, target) in links {
            assert_eq!(lstat(&fs, path).kind, Kind::Symlink, "{path}");
            assert_eq!(&*fs.read_link("/", path).unwrap(), *target, "{path}");
        }
        let shadow = p.groups.iter().find(|g| g.name == "shadow").unwrap().gid;
        let crontab = p.groups.iter().find(|g| g.name == "crontab").unwrap().gid;
        let modes: &[(&str, Kind, u32, u32, u32)] = &[
            ("/", Kind::Dir, 0o755, 0, 0),
            ("/tmp", Kind::Dir, 0o1777, 0, 0),
            ("/var/tmp", Kind::Dir, 0o1777, 0, 0),
            ("/root", Kind::Dir, 0o700, 0, 0),
            ("/proc", Kind::Dir, 0o555, 0, 0),
            ("/etc/shadow", Kind::File, 0o640, 0, shadow),
            ("/etc/gshadow", Kind::File, 0o640, 0, shadow),
            ("/etc/passwd", Kind::File, 0o644, 0, 0),
            ("/usr/bin/passwd", Kind::File, 0o4755, 0, 0),
            ("/usr/bin/su", Kind::File, 0o4755, 0, 0),
            ("/usr/bin/chage", Kind::File, 0o2755, 0, shadow),
            ("/usr/bin/crontab", Kind::File, 0o2755, 0, crontab),
            ("/var/spool/cron/crontabs", Kind::Dir, 0o1730, 0, crontab),
            ("/dev/null", Kind::CharDevice, 0o666, 0, 0),
            ("/dev/shm", Kind::Dir, 0o1777, 0, 0),
            ("/proc/uptime", Kind::File, 0o444, 0, 0),
        ];
        for (path, kind, mode, uid, gid) in modes {
            let st = lstat(&fs, path);
            assert_eq!((st.kind, st.mode, st.uid, st.gid), (*kind, *mode, *uid, *gid), "{path}");
        }
        assert_eq!(fs.stat("/", "/bin/ls").unwrap().size, 151_344);
        assert_eq!(fs.stat("/", "/bin/bash").unwrap().size, 1_265_648);
        assert_eq!(fs.stat("/", "/proc/cpuinfo").unwrap().size, 0);
        assert_eq!(fs.canonicalize("/", "/sbin/modprobe").unwrap(), "/usr/bin/kmod");
        assert_eq!(
            fs.canonicalize("/", "/proc/self/mounts").unwrap(),
            format!("/proc/{}/mounts", shell_pid(p))
        );
    }

    #[test]
    fn etc_content_comes_from_the_persona() {
        for p in personas(5) {
            let fs = fs_of(&p);
            assert_eq!(bytes(&fs, "/etc/passwd"), render::passwd(&p).into_bytes());
            assert_eq!(bytes(&fs, "/etc/group"), render::group(&p).into_bytes());
            assert_eq!(bytes(&fs, "/etc/hostname"), format!("{}\n", p.hostname).into_bytes());
            assert_eq!(bytes(&fs, "/etc/os-release"), render::OS_RELEASE.as_bytes());
            assert_eq!(
                bytes(&fs, "/etc/debian_version"),
                format!("{}\n", p.debian_version).into_bytes()
            );
            assert_eq!(bytes(&fs, "/etc/issue"), b"Debian GNU/Linux 12 \\n \\l\n\n");
            assert_eq!(bytes(&fs, "/etc/timezone"), b"Etc/UTC\n");
            assert_eq!(bytes(&fs, "/root/.profile"), ROOT_PROFILE.as_bytes());
            let hosts = format!("127.0.0.1\tlocalhost\n127.0.1.1\t{}\n\n", p.hostname);
            assert!(bytes(&fs, "/etc/hosts").starts_with(hosts.as_bytes()));
            let shadow = String::from_utf8(bytes(&fs, "/etc/shadow")).unwrap();
            assert_eq!(shadow.lines().count(), p.users.len());
            assert!(shadow.starts_with("root:$y$j9T$"), "{shadow}");
            assert!(shadow.contains("\ndaemon:*:"), "{shadow}");
            let fstab = String::from_utf8(bytes(&fs, "/etc/fstab")).unwrap();
            for d in &p.disks {
                assert!(fstab.contains(&format!("# {} was on {} during installation\n", d.mount, d.device)));
            }
            for u in p.human_users() {
                let st = lstat(&fs, &u.home);
                assert_eq!((st.mode, st.uid, st.gid), (0o700, u.uid, u.gid), "{}", u.home);
                assert_eq!(bytes(&fs, &format!("{}/.bashrc", u.home)), SKEL_BASHRC.as_bytes());
                assert_eq!(lstat(&fs, &format!("{}/.profile", u.home)).uid, u.uid);
            }
            let rel = &p.kernel.release;
            for path in [
                format!("/boot/vmlinuz-{rel}"),
                format!("/boot/initrd.img-{rel}"),
                format!("/lib/modules/{rel}"),
            ] {
                assert!(fs.stat("/", &path).is_ok(), "{path}");
            }
            let install = Times::new(&p).install;
            assert!(install < i64::try_from(p.boot_unix_ms / 1000).unwrap());
            assert_eq!(lstat(&fs, "/etc/passwd").mtime / 3600, install / 3600);
        }
    }

    #[test]
    fn packages_follow_the_persona() {
        let mut p = personas(1)[0].clone();
        for (py, pl, cu) in [(false, false, false), (true, true, true)] {
            p.packages.python3 = py;
            p.packages.perl = pl;
            p.packages.curl = cu;
            let fs = fs_of(&p);
            assert_eq!(fs.stat("/", "/usr/bin/python3").is_ok(), py);
            assert_eq!(fs.stat("/", "/usr/bin/python3.11").is_ok(), py);
            assert_eq!(fs.stat("/", "/usr/bin/cpan").is_ok(), pl);
            assert_eq!(fs.stat("/", "/usr/bin/curl").is_ok(), cu);
            // perl-base and wget are always there.
            assert!(fs.stat("/", "/usr/bin/perl").is_ok());
            assert!(fs.stat("/", "/usr/bin/wget").is_ok());
        }
        let err = fs_of(&p);
        p.packages.python3 = false;
        assert_eq!(fs_of(&p).stat("/", "/bin/python3"), Err(Errno::Enoent));
        assert!(err.stat("/", "/bin/python3").is_ok());
    }

    #[test]
    fn proc_files_render_from_the_persona() {
        let p = &personas(1)[0];
        let now = NOW as i64;
        let at = |s: i64| UNIX_EPOCH + Duration::from_secs(s as u64);
        assert_eq!(proc_file(p, "/proc/uptime", now), Some(render::proc_uptime(p, at(now))));
        assert_eq!(proc_file(p, "/proc/meminfo", now), Some(render::meminfo(p, at(now))));
        assert_eq!(proc_file(p, "/proc/cpuinfo", now), Some(render::cpuinfo(p)));
        assert_eq!(proc_file(p, "/proc/version", now), Some(render::proc_version(p)));
        assert_eq!(proc_file(p, "/proc/loadavg", now), Some(render::loadavg(p, at(now))));
        assert_eq!(proc_file(p, "/proc/1234/mounts", now), Some(proc_mounts(p)));
        assert_eq!(proc_file(p, "/proc/x/mounts", now), None);
        assert_eq!(proc_file(p, "/etc/passwd", now), None);
        assert_ne!(proc_file(p, "/proc/uptime", now), proc_file(p, "/proc/uptime", now + 5));
        let root = p.disks.iter().find(|d| d.mount == "/").unwrap();
        let mounts = proc_mounts(p);
        assert!(mounts.contains(&format!("\n{} / ext4 rw,relatime,errors=remount-ro 0 0\n", root.device)));
        assert!(mounts.starts_with("sysfs /sys sysfs rw,nosuid,nodev,noexec,relatime 0 0\nproc /proc proc "));
    }

    #[test]
    fn session_reads_proc_at_its_now() {
        let p = personas(1).remove(0);
        let at = |s: u64| UNIX_EPOCH + Duration::from_secs(s);
        let root = p.users[0].clone();
        let mut s = crate::exec::Session::new(debian_tree(&p), Arc::new(p.clone()), root, NOW as i64);
        assert_eq!(s.cwd(), "/root");
        let first = s.read_file("/proc/uptime").unwrap();
        assert_eq!(first, render::proc_uptime(&p, at(NOW)).into_bytes());
        s.set_now(NOW as i64 + 60);
        let second = s.read_file("/proc/uptime").unwrap();
        assert_ne!(first, second);
        assert_eq!(second, render::proc_uptime(&p, at(NOW + 60)).into_bytes());
        assert_eq!(s.read_file("/proc/self/mounts").unwrap(), proc_mounts(&p).into_bytes());
        assert_eq!(s.read_file("/proc/mounts").unwrap(), proc_mounts(&p).into_bytes());
        assert_eq!(s.read_file("/etc/passwd").unwrap(), render::passwd(&p).into_bytes());
        assert_eq!(s.read_file("/proc/1/comm").unwrap(), b"systemd\n");
        assert_eq!(s.read_file("/proc/self/cmdline").unwrap(), b"-bash\0");
        assert_eq!(s.read_file("/proc/1/status").unwrap(), b"");
        let root = p.disks.iter().find(|d| d.mount == "/").unwrap();
        let cmdline = format!(
            "BOOT_IMAGE=/boot/vmlinuz-{} root=UUID={} ro quiet\n",
            p.kernel.release,
            uuid(p.noise_seed, &root.device)
        );
        assert_eq!(s.read_file("/proc/cmdline").unwrap(), cmdline.into_bytes());
        let fstab = String::from_utf8(s.read_file("/etc/fstab").unwrap()).unwrap();
        assert!(
            fstab.contains(&format!("UUID={} /  ", uuid(p.noise_seed, &root.device))),
            "{fstab}"
        );
        let out = s.run_line("cat /proc/loadavg /proc/version");
        let want = render::loadavg(&p, at(NOW + 60)) + &render::proc_version(&p);
        assert_eq!(String::from_utf8(out.stdout).unwrap(), want);
    }

    #[test]
    fn no_link_dangles() {
        let mut p = personas(1).remove(0);
        p.packages.python3 = true;
        p.packages.perl = true;
        p.packages.curl = true;
        let fs = fs_of(&p);
        for dir in [
            "/",
            "/usr/bin",
            "/usr/sbin",
            "/etc",
            "/etc/alternatives",
            "/var",
            "/var/log",
            "/proc",
            "/usr/lib64",
        ] {
            for e in fs.list("/", dir).unwrap() {
                let path = format!("{}/{}", dir.trim_end_matches('/'), e.name);
                if e.stat.kind == Kind::Symlink {
                    assert!(fs.stat("/", &path).is_ok(), "{path} dangles");
                }
            }
        }
    }

    #[test]
    fn dates_parse() {
        assert_eq!(days_from_civil(1970, 1, 1), 0);
        assert_eq!(days_from_civil(2023, 6, 10) * 86_400, super::super::node::DEFAULT_MTIME);
        assert_eq!(days_from_civil(2024, 2, 29), 19_782);
    }

    #[test]
    fn tree_is_complete_and_compact() {
        for p in personas(20) {
            let mut t = Tree {
                b: BaseBuilder::new(),
                t: Times::new(&p),
                persona: &p,
            };
            assert_eq!(build(&mut t), Ok(()), "{}", p.hostname);
            let base = t.b.build();
            assert!(base.len() > 700 && base.len() < 2_000, "{}", base.len());
        }
    }
}

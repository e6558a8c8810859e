//! The persona: the one description of the fake Debian 12 machine (hostname, kernel, CPU, memory, disks, NICs,
//! accounts, boot time) that every emulated command and `/proc` file reads from.
//!
//! A sensor calls [`Persona::generate`] once on first start and keeps the result with [`Persona::to_json`], so the
//! machine stays the same across restarts while no two sensors share a default an attacker could fingerprint.
//! Everything time-dependent (uptime, load, free memory) is a pure function of the persona and a "now" timestamp.
//!
//! - `templates.rs`: the realistic tables (host profiles, CPU models, kernel builds, stock accounts).
//! - `render.rs`: the exact text of `/proc/cpuinfo`, `/proc/meminfo`, `/etc/os-release`, `/etc/passwd`, … .

pub mod processes;
pub mod render;
pub mod templates;

use std::net::{Ipv4Addr, Ipv6Addr};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use rand::seq::IndexedRandom;
use rand::Rng;
use serde::{Deserialize, Serialize};

use templates::{CpuTemplate, HostTemplate};

/// The virtualization a machine runs under, so that `systemd-detect-virt`, the MAC OUI and the CPU flags agree.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Virt {
    /// KVM/QEMU (VPS providers, Proxmox).
    Kvm,
    /// VMware ESXi or Workstation.
    Vmware,
    /// Hyper-V or Azure.
    Microsoft,
    /// Xen paravirtual or HVM.
    Xen,
    /// VirtualBox.
    Oracle,
    /// No hypervisor: a dedicated server.
    BareMetal,
}

impl Virt {
    /// The word `systemd-detect-virt` prints.
    pub fn detect_virt_name(self) -> &'static str {
        match self {
            Virt::Kvm => "kvm",
            Virt::Vmware => "vmware",
            Virt::Microsoft => "microsoft",
            Virt::Xen => "xen",
            Virt::Oracle => "oracle",
            Virt::BareMetal => "none",
        }
    }
}

/// The running kernel, as `uname -r` and `uname -v` show it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Kernel {
    /// `uname -r`, e.g. `6.1.0-25-amd64`.
    pub release: String,
    /// `uname -v`, e.g. `#1 SMP PREEMPT_DYNAMIC Debian 6.1.106-3 (2024-08-26)`.
    pub version: String,
}

/// The CPU model and count, so `/proc/cpuinfo`, `nproc` and `lscpu` agree.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Cpu {
    /// `vendor_id`.
    pub vendor_id: String,
    /// `cpu family`.
    pub family: u32,
    /// `model`.
    pub model: u32,
    /// `stepping`.
    pub stepping: u32,
    /// `model name`.
    pub model_name: String,
    /// `microcode`.
    pub microcode: String,
    /// `cpu MHz`, jittered per sensor as TSC calibration would.
    pub mhz: f64,
    /// `cache size` in KiB.
    pub cache_kib: u32,
    /// `cpuid level`.
    pub cpuid_level: u32,
    /// `address sizes`.
    pub address_sizes: String,
    /// `flags`, space separated.
    pub flags: String,
    /// `bugs`, space separated.
    pub bugs: String,
    /// Number of logical CPUs (`nproc`).
    pub count: u32,
    /// Physical cores (`cpu cores`): half of `count` on an SMT chip, equal to it for a guest's virtual CPUs.
    pub cores: u32,
}

/// Installed memory and swap, so `free`, `/proc/meminfo` and `top` agree.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Memory {
    /// `MemTotal` in KiB: slightly below the nominal size, as the kernel reserves some.
    pub total_kib: u64,
    /// `SwapTotal` in KiB; 0 when the image has no swap.
    pub swap_kib: u64,
    /// Per-sensor fraction (per mille) of RAM used by processes, so idle machines do not all look the same.
    pub used_permille: u32,
    /// Per-sensor fraction (per mille) of RAM in the page cache right after boot; it grows with uptime.
    pub cache_permille: u32,
}

/// One mounted block-device filesystem, the source of `df`, `mount` and `lsblk`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Disk {
    /// Partition device, e.g. `/dev/vda1`.
    pub device: String,
    /// Filesystem size in KiB (what `df` shows as 1K-blocks).
    pub size_kib: u64,
    /// Used KiB.
    pub used_kib: u64,
    /// Filesystem type, e.g. `ext4` or `vfat`.
    pub fs_type: String,
    /// Mount point.
    pub mount: String,
}

impl Disk {
    /// Free KiB as `df` reports it: ext4 keeps 5 % reserved for root, vfat does not.
    pub fn avail_kib(&self) -> u64 {
        let reserved = if self.fs_type == "ext4" { self.size_kib / 20 } else { 0 };
        self.size_kib.saturating_sub(self.used_kib).saturating_sub(reserved)
    }
}

/// One network interface, the source of `ip addr`, `ifconfig` and `/sys/class/net`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Nic {
    /// Interface name, e.g. `ens3`.
    pub name: String,
    /// MAC address; its OUI matches the virtualization platform.
    pub mac: [u8; 6],
    /// IPv4 address.
    pub ipv4: Ipv4Addr,
    /// IPv4 prefix length.
    pub prefix: u8,
    /// Default gateway.
    pub gateway: Ipv4Addr,
}

impl Nic {
    /// The MAC in the `aa:bb:cc:dd:ee:ff` form every tool prints.
    pub fn mac_string(&self) -> String {
        let m = self.mac;
        format!(
            "{:02x}:{:02x}:{:02x}:{:02x}:{:02x}:{:02x}",
            m[0], m[1], m[2], m[3], m[4], m[5]
        )
    }

    /// The IPv6 link-local address the kernel derives from the MAC (EUI-64), as `ip addr` shows it.
    pub fn ipv6_link_local(&self) -> Ipv6Addr {
        let m = self.mac;
        let seg = |a: u8, b: u8| (u16::from(a) << 8) | u16::from(b);
        Ipv6Addr::new(
            0xfe80,
            0,
            0,
            0,
            seg(m[0] ^ 0x02, m[1]),
            seg(m[2], 0xff),
            seg(0xfe, m[3]),
            seg(m[4], m[5]),
        )
    }
}

/// One `/etc/passwd` entry.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct User {
    /// Login name.
    pub name: String,
    /// User id.
    pub uid: u32,
    /// Primary group id.
    pub gid: u32,
    /// GECOS field.
    pub gecos: String,
    /// Home directory.
    pub home: String,
    /// Login shell.
    pub shell: String,
}

/// One `/etc/group` entry.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Group {
    /// Group name.
    pub name: String,
    /// Group id.
    pub gid: u32,
    /// Supplementary members.
    pub members: Vec<String>,
}

/// Which interpreters are installed, so `which python3` and the fs agree (and droppers that need them behave).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Packages {
    /// `python3` is installed.
    pub python3: bool,
    /// `perl` (beyond `perl-base`) is installed.
    pub perl: bool,
    /// `curl` is installed (`wget` always is on Debian).
    pub curl: bool,
}

/// The numbers `free` and `/proc/meminfo` print at one instant, all in KiB and consistent with each other.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MemSnapshot {
    /// `MemTotal`.
    pub total: u64,
    /// `MemFree`.
    pub free: u64,
    /// `MemAvailable`.
    pub available: u64,
    /// `Buffers`.
    pub buffers: u64,
    /// `Cached`.
    pub cached: u64,
    /// `Shmem`.
    pub shmem: u64,
    /// `SReclaimable`.
    pub sreclaimable: u64,
    /// `SUnreclaim`.
    pub sunreclaim: u64,
    /// `AnonPages`: memory processes use.
    pub anon: u64,
    /// `KernelStack`.
    pub kernel_stack: u64,
    /// `PageTables`.
    pub page_tables: u64,
    /// `SwapTotal`.
    pub swap_total: u64,
    /// `SwapFree`.
    pub swap_free: u64,
}

impl MemSnapshot {
    /// The `used` column of `free` (procps 4: total − available).
    pub fn used(&self) -> u64 {
        self.total - self.available
    }

    /// The `buff/cache` column of `free`.
    pub fn buff_cache(&self) -> u64 {
        self.buffers + self.cached + self.sreclaimable
    }
}

/// The fake machine. Serialised once per sensor; every command reads its facts from here.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Persona {
    /// `/etc/hostname` and `uname -n`.
    pub hostname: String,
    /// `/etc/debian_version`, e.g. `12.7`.
    pub debian_version: String,
    /// The running kernel.
    pub kernel: Kernel,
    /// What the machine runs under.
    pub virt: Virt,
    /// The CPU.
    pub cpu: Cpu,
    /// RAM and swap.
    pub memory: Memory,
    /// Mounted disk filesystems.
    pub disks: Vec<Disk>,
    /// Network interfaces besides `lo`.
    pub nics: Vec<Nic>,
    /// `/etc/passwd`, in file order.
    pub users: Vec<User>,
    /// `/etc/group`, in file order.
    pub groups: Vec<Group>,
    /// Boot time in milliseconds since the Unix epoch; uptime is now minus this.
    pub boot_unix_ms: u64,
    /// Installed interpreters and tools.
    pub packages: Packages,
    /// Per-sensor seed for the small wobbles (load average, pids) that are functions of time.
    pub noise_seed: u64,
}

/// Shortest uptime a fresh persona gets, so it never looks freshly booted (3 hours).
const MIN_UPTIME_SECS: u64 = 3 * 3600;
/// Longest uptime a fresh persona gets (120 days).
const MAX_UPTIME_SECS: u64 = 120 * 86400;

impl Persona {
    /// A random persona booted some hours to months before the current time.
    pub fn generate(rng: &mut impl Rng) -> Persona {
        Persona::generate_at(rng, SystemTime::now())
    }

    /// A random persona booted some hours to months before `now`; deterministic for a seeded RNG.
    pub fn generate_at(rng: &mut impl Rng, now: SystemTime) -> Persona {
        let host = *templates::HOSTS.choose(rng).expect("host table is not empty");
        let kernel = *templates::KERNELS.choose(rng).expect("kernel table is not empty");
        let cpu_t: &CpuTemplate = host.cpus.choose(rng).expect("cpu list is not empty");
        let guest_count = *host.cpu_counts.choose(rng).expect("count list is not empty");
        let (count, cores) = if cpu_t.host_threads > 0 {
            (cpu_t.host_threads, cpu_t.host_threads / 2)
        } else {
            (guest_count, guest_count)
        };
        let ram_gib = *host.ram_gib.choose(rng).expect("ram list is not empty");
        let swap_mib = *host.swap_mib.choose(rng).expect("swap list is not empty");

        let cpu = Cpu {
            vendor_id: cpu_t.vendor_id.to_owned(),
            family: cpu_t.family,
            model: cpu_t.model,
            stepping: cpu_t.stepping,
            model_name: cpu_t.model_name.to_owned(),
            microcode: cpu_t.microcode.to_owned(),
            mhz: f64::from(cpu_t.mhz) + f64::from(rng.random_range(-1500..=1500)) / 1000.0,
            cache_kib: cpu_t.cache_kib,
            cpuid_level: cpu_t.cpuid_level,
            address_sizes: cpu_t.address_sizes.to_owned(),
            flags: cpu_t.flags.to_owned(),
            bugs: cpu_t.bugs.to_owned(),
            count,
            cores,
        };

        let nominal_kib = u64::from(ram_gib) * 1024 * 1024;
        let ratio_permille = if ram_gib <= 4 {
            rng.random_range(955..=975)
        } else {
            rng.random_range(968..=982)
        };
        let total_kib = (nominal_kib * ratio_permille / 1000 + rng.random_range(0..2048)) / 4 * 4;
        let memory = Memory {
            total_kib,
            swap_kib: u64::from(swap_mib) * 1024,
            used_permille: rng.random_range(60..=220),
            cache_permille: rng.random_range(120..=300),
        };

        let nic = generate_nic(rng, &host);
        let disks = generate_disks(rng, &host);
        let (users, groups) = generate_accounts(rng);
        let now_ms = now.duration_since(UNIX_EPOCH).unwrap_or(Duration::ZERO).as_millis() as u64;
        let uptime_ms = rng.random_range(MIN_UPTIME_SECS * 1000..MAX_UPTIME_SECS * 1000);

        Persona {
            hostname: generate_hostname(rng, &nic),
            debian_version: kernel.point_release.to_owned(),
            kernel: Kernel {
                release: format!("6.1.0-{}-amd64", kernel.abi),
                version: format!(
                    "#1 SMP PREEMPT_DYNAMIC Debian {} ({})",
                    kernel.debian_version, kernel.date
                ),
            },
            virt: host.virt,
            cpu,
            memory,
            disks,
            nics: vec![nic],
            users,
            groups,
            boot_unix_ms: now_ms.saturating_sub(uptime_ms),
            packages: Packages {
                python3: rng.random_bool(0.8),
                perl: rng.random_bool(0.6),
                curl: rng.random_bool(0.7),
            },
            noise_seed: rng.random(),
        }
    }

    /// The persona as JSON, for the sensor to keep on disk after first start.
    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(self).expect("a persona always serialises")
    }

    /// A persona read back from [`Persona::to_json`] output.
    pub fn from_json(text: &str) -> Result<Persona, serde_json::Error> {
        serde_json::from_str(text)
    }

    /// `MemTotal` in KiB.
    pub fn mem_kib(&self) -> u64 {
        self.memory.total_kib
    }

    /// `SwapTotal` in KiB.
    pub fn swap_kib(&self) -> u64 {
        self.memory.swap_kib
    }

    /// Logical CPU count, what `nproc` prints.
    pub fn nproc(&self) -> u32 {
        self.cpu.count
    }

    /// Boot time as a `SystemTime` (for `who -b`, `uptime -s`, `/proc/stat` btime).
    pub fn boot_time(&self) -> SystemTime {
        UNIX_EPOCH + Duration::from_millis(self.boot_unix_ms)
    }

    /// Time since boot at `now`; zero if `now` is before boot.
    pub fn uptime(&self, now: SystemTime) -> Duration {
        now.duration_since(self.boot_time()).unwrap_or(Duration::ZERO)
    }

    /// The three load averages at `now`: small, idle-server values that drift smoothly with time.
    pub fn loadavg(&self, now: SystemTime) -> [f64; 3] {
        let secs = self.uptime(now).as_secs();
        let n = f64::from(self.cpu.count);
        let wobble = |period: u64, salt: u64| {
            let a = noise(self.noise_seed ^ salt, secs / period) as f64;
            let b = noise(self.noise_seed ^ salt, secs / period + 1) as f64;
            let t = (secs % period) as f64 / period as f64;
            (a + (b - a) * t) / u32::MAX as f64
        };
        let one = 0.25 * n * wobble(60, 1) * wobble(300, 7);
        let five = 0.15 * n * wobble(300, 2);
        let fifteen = 0.1 * n * wobble(900, 3);
        [one, five, fifteen].map(|v| (v * 100.0).round() / 100.0)
    }

    /// The memory breakdown at `now`; the page cache fills slowly with uptime, the rest stays put.
    pub fn mem_snapshot(&self, now: SystemTime) -> MemSnapshot {
        let total = self.memory.total_kib;
        let days = self.uptime(now).as_secs() / 86400;
        let permille = |p: u64| total * p / 1000;
        let anon = permille(u64::from(self.memory.used_permille));
        let cache_p = (u64::from(self.memory.cache_permille) + days * 3).min(450);
        let cached = permille(cache_p);
        let buffers = permille(15 + days.min(20));
        let shmem = 1024 + total / 400;
        let sreclaimable = permille(25);
        let sunreclaim = permille(12);
        let kernel_stack = 2000 + 800 * u64::from(self.cpu.count);
        let page_tables = 1500 + total / 800;
        let reserved = permille(8);
        let used = anon + cached + buffers + sreclaimable + sunreclaim + kernel_stack + page_tables + reserved;
        let free = total.saturating_sub(used).max(permille(30));
        let available = (free + buffers + cached.saturating_sub(shmem) + sreclaimable / 2).min(total);
        let swap_used = if self.memory.swap_kib == 0 {
            0
        } else {
            (days * 256).min(self.memory.swap_kib / 20)
        };
        MemSnapshot {
            total,
            free,
            available,
            buffers,
            cached,
            shmem,
            sreclaimable,
            sunreclaim,
            anon,
            kernel_stack,
            page_tables,
            swap_total: self.memory.swap_kib,
            swap_free: self.memory.swap_kib - swap_used,
        }
    }

    /// The rows `df` prints (block devices only; tmpfs and udev rows are derived by the `df` command from memory).
    pub fn df_rows(&self) -> &[Disk] {
        &self.disks
    }

    /// The human accounts (uid ≥ 1000, not `nobody`), for `w`, `last` and home directories.
    pub fn human_users(&self) -> impl Iterator<Item = &User> {
        self.users.iter().filter(|u| u.uid >= 1000 && u.uid != 65534)
    }
}

/// A cheap stateless hash (splitmix64), so time-driven wobbles are reproducible without storing an RNG.
fn noise(seed: u64, x: u64) -> u32 {
    let mut z = seed.wrapping_add(x.wrapping_mul(0x9e37_79b9_7f4a_7c15));
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    ((z ^ (z >> 31)) >> 32) as u32
}

fn generate_nic(rng: &mut impl Rng, host: &HostTemplate) -> Nic {
    let oui = host.ouis.choose(rng).expect("oui list is not empty");
    let tail: [u8; 3] = rng.random();
    let name = host.nic_names.choose(rng).expect("nic list is not empty");
    let (ipv4, prefix, gateway) = match rng.random_range(0..3) {
        0 => {
            let (b, c) = (rng.random_range(0..=255u8), rng.random_range(0..=255u8));
            (
                Ipv4Addr::new(10, b, c, rng.random_range(2..=254)),
                24,
                Ipv4Addr::new(10, b, c, 1),
            )
        }
        1 => {
            let (b, c) = (rng.random_range(16..=31u8), rng.random_range(0..=255u8));
            (
                Ipv4Addr::new(172, b, c, rng.random_range(2..=254)),
                20,
                Ipv4Addr::new(172, b, c & 0xf0, 1),
            )
        }
        _ => {
            let c = *[0u8, 1, 1, 10, 100, 178].choose(rng).expect("not empty");
            (
                Ipv4Addr::new(192, 168, c, rng.random_range(2..=254)),
                24,
                Ipv4Addr::new(192, 168, c, 1),
            )
        }
    };
    Nic {
        name: (*name).to_owned(),
        mac: [oui[0], oui[1], oui[2], tail[0], tail[1], tail[2]],
        ipv4,
        prefix,
        gateway,
    }
}

fn generate_disks(rng: &mut impl Rng, host: &HostTemplate) -> Vec<Disk> {
    let dev = *host.disks.choose(rng).expect("disk list is not empty");
    let part = |n: u32| {
        if dev.starts_with("nvme") {
            format!("/dev/{dev}p{n}")
        } else {
            format!("/dev/{dev}{n}")
        }
    };
    let gb = u64::from(*host.disk_gb.choose(rng).expect("size list is not empty"));
    // An ext4 filesystem on a disk sold as N GB shows about 0.92 N GiB of 1K-blocks after metadata.
    let size_kib = gb * 1_000_000_000 / 1024 * rng.random_range(955..=965) / 1000 / 4 * 4;
    let used_kib = size_kib * rng.random_range(60..=350) / 1000 + rng.random_range(1_400_000..2_600_000);
    let mut disks = vec![Disk {
        device: part(1),
        size_kib,
        used_kib: used_kib.min(size_kib * 9 / 10),
        fs_type: "ext4".to_owned(),
        mount: "/".to_owned(),
    }];
    if host.efi {
        let (n, size) = if dev == "vda" { (15, 126_678) } else { (2, 523_248) };
        disks.push(Disk {
            device: part(n),
            size_kib: size,
            used_kib: rng.random_range(5_900..12_400),
            fs_type: "vfat".to_owned(),
            mount: "/boot/efi".to_owned(),
        });
    }
    disks
}

impl User {
    /// A `/etc/passwd` entry from its fields, as the account templates list them.
    fn account(name: &str, uid: u32, gid: u32, gecos: &str, home: &str, shell: &str) -> User {
        User {
            name: name.to_owned(),
            uid,
            gid,
            gecos: gecos.to_owned(),
            home: home.to_owned(),
            shell: shell.to_owned(),
        }
    }
}

fn generate_accounts(rng: &mut impl Rng) -> (Vec<User>, Vec<Group>) {
    let mut users: Vec<User> = templates::SYSTEM_USERS
        .iter()
        .map(|&(name, uid, gid, gecos, home, shell)| User::account(name, uid, gid, gecos, home, shell))
        .collect();
    let mut groups: Vec<Group> = templates::SYSTEM_GROUPS
        .iter()
        .map(|&(name, gid)| Group {
            name: name.to_owned(),
            gid,
            members: Vec::new(),
        })
        .collect();

    let n_services = rng.random_range(0..=3);
    let services = templates::SERVICE_ACCOUNTS.choose_multiple(rng, n_services);
    for (i, &(name, gecos, home, shell)) in services.enumerate() {
        let (uid, gid) = (
            templates::FIRST_SERVICE_UID + i as u32,
            templates::FIRST_SERVICE_GID + i as u32,
        );
        users.push(User::account(name, uid, gid, gecos, home, shell));
        groups.push(Group {
            name: name.to_owned(),
            gid,
            members: Vec::new(),
        });
    }

    let n_humans = rng.random_range(0..=2);
    for (i, &(name, full)) in templates::HUMAN_NAMES.choose_multiple(rng, n_humans).enumerate() {
        let id = 1000 + i as u32;
        let (gecos, home) = (format!("{full},,,"), format!("/home/{name}"));
        users.push(User::account(name, id, id, &gecos, &home, "/bin/bash"));
        groups.push(Group {
            name: name.to_owned(),
            gid: id,
            members: Vec::new(),
        });
        if i == 0 {
            for g in groups
                .iter_mut()
                .filter(|g| ["adm", "sudo", "users"].contains(&g.name.as_str()))
            {
                g.members.push(name.to_owned());
            }
        }
    }
    (users, groups)
}

fn generate_hostname(rng: &mut impl Rng, nic: &Nic) -> String {
    let word = templates::HOST_WORDS.choose(rng).expect("not empty");
    let site = templates::SITE_WORDS.choose(rng).expect("not empty");
    match rng.random_range(0..5) {
        0 => format!("vps{}", rng.random_range(10_000..1_000_000)),
        1 => format!("{word}-{:04x}", rng.random::<u16>()),
        2 => format!("{word}{}-{site}{}", rng.random_range(1..=40), rng.random_range(1..=9)),
        3 => {
            let o = nic.ipv4.octets();
            format!("ip-{}-{}-{}-{}", o[0], o[1], o[2], o[3])
        }
        _ => format!(
            "{site}-{word}-{:02}{}",
            rng.random_range(1..=99),
            (b'a' + rng.random_range(0..26u8)) as char
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::rngs::StdRng;
    use rand::SeedableRng;
    use std::collections::HashSet;

    /// 2026-01-01T00:00:00Z, a fixed "now" for reproducible personas.
    pub(crate) const NOW: u64 = 1_767_225_600;

    pub(crate) fn personas(n: usize) -> Vec<Persona> {
        let mut rng = StdRng::seed_from_u64(0xA11A_2026);
        (0..n)
            .map(|_| Persona::generate_at(&mut rng, UNIX_EPOCH + Duration::from_secs(NOW)))
            .collect()
    }

    #[test]
    fn personas_are_internally_consistent() {
        let now = UNIX_EPOCH + Duration::from_secs(NOW);
        for p in personas(100) {
            let host = templates::HOSTS.iter().filter(|h| h.virt == p.virt);
            assert!(
                host.clone().any(|h| h.ouis.iter().any(|o| o[..] == p.nics[0].mac[..3])),
                "{}",
                p.hostname
            );
            let mem = p.mem_snapshot(now);
            assert_eq!(mem.total, p.mem_kib());
            assert!(mem.available <= mem.total && mem.free <= mem.available);
            assert!(mem.free + mem.buffers + mem.cached + mem.anon <= mem.total);
            assert!(p.uptime(now) >= Duration::from_secs(MIN_UPTIME_SECS));
            assert!(p.users.iter().filter(|u| u.uid >= 1000 && u.uid < 65534).count() <= 2);
            for u in &p.users {
                assert!(
                    p.groups.iter().any(|g| g.gid == u.gid),
                    "{} has a primary group",
                    u.name
                );
            }
            assert_eq!(
                p.cpu.flags.split(' ').any(|f| f == "hypervisor"),
                p.virt != Virt::BareMetal
            );
            assert!(p.cpu.count > 0 && p.cpu.count % p.cpu.cores == 0);
            for d in &p.disks {
                assert!(d.used_kib < d.size_kib && d.avail_kib() < d.size_kib);
            }
            assert!(templates::KERNELS
                .iter()
                .any(|k| p.kernel.release == format!("6.1.0-{}-amd64", k.abi)
                    && p.kernel.version == format!("#1 SMP PREEMPT_DYNAMIC Debian {} ({})", k.debian_version, k.date)
                    && p.debian_version == k.point_release));
        }
    }

    #[test]
    fn hostnames_and_macs_differ_across_personas() {
        let all = personas(100);
        let hostnames: HashSet<_> = all.iter().map(|p| p.hostname.clone()).collect();
        let macs: HashSet<_> = all.iter().map(|p| p.nics[0].mac).collect();
        assert_eq!(hostnames.len(), 100);
        assert_eq!(macs.len(), 100);
        let virts: HashSet<_> = all.iter().map(|p| p.virt).collect();
        assert!(virts.len() >= 5, "every profile gets picked: {virts:?}");
    }

    #[test]
    fn json_round_trip() {
        for p in personas(20) {
            assert_eq!(Persona::from_json(&p.to_json()).unwrap(), p);
        }
    }

    #[test]
    fn ipv6_link_local_is_eui64_of_the_mac() {
        let nic = Nic {
            name: "ens3".into(),
            mac: [0x52, 0x54, 0x00, 0x12, 0x34, 0x56],
            ipv4: Ipv4Addr::new(10, 0, 0, 2),
            prefix: 24,
            gateway: Ipv4Addr::new(10, 0, 0, 1),
        };
        assert_eq!(nic.ipv6_link_local().to_string(), "fe80::5054:ff:fe12:3456");
        assert_eq!(nic.mac_string(), "52:54:00:12:34:56");
        for p in personas(100) {
            let n = &p.nics[0];
            let s = n.ipv6_link_local().segments();
            assert_eq!(s[4], (u16::from(n.mac[0] ^ 2) << 8) | u16::from(n.mac[1]));
            assert_eq!(s[5] & 0xff, 0xff);
            assert_eq!(s[6] >> 8, 0xfe);
        }
    }

    #[test]
    fn uptime_and_load_move_with_now() {
        let p = &personas(1)[0];
        let now = UNIX_EPOCH + Duration::from_secs(NOW);
        let later = now + Duration::from_secs(3600);
        assert_eq!(p.uptime(later) - p.uptime(now), Duration::from_secs(3600));
        assert_eq!(p.uptime(UNIX_EPOCH), Duration::ZERO);
        for t in 0..50 {
            let l = p.loadavg(now + Duration::from_secs(t * 37));
            assert!(l.iter().all(|v| *v >= 0.0 && *v <= 0.25 * f64::from(p.nproc()) + 0.01));
        }
    }
}

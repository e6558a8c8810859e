//! The exact text of the machine-fact files (`/proc/cpuinfo`, `/proc/meminfo`, `/etc/os-release`, `/etc/passwd`, …)
//! and the `uname` fields, rendered from a [`Persona`] and a "now" timestamp.
//!
//! These are pure functions so that the fs, `cat`, `uname`, `nproc` and `free` all print the same facts: there is one
//! source of truth and one renderer per file.

use std::fmt::Write as _;
use std::time::SystemTime;

use super::{noise, Persona};

/// The `uname` fields, so `uname -a` and each single-flag form come from one place.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Uname {
    /// `uname -s`.
    pub kernel_name: &'static str,
    /// `uname -n`.
    pub nodename: String,
    /// `uname -r`.
    pub release: String,
    /// `uname -v`.
    pub version: String,
    /// `uname -m` (also `-p` and `-i` on Debian's coreutils print `unknown`).
    pub machine: &'static str,
    /// `uname -o`.
    pub os: &'static str,
}

impl Uname {
    /// The `uname -a` line, without the trailing newline.
    pub fn all(&self) -> String {
        format!(
            "{} {} {} {} {} {}",
            self.kernel_name, self.nodename, self.release, self.version, self.machine, self.os
        )
    }
}

/// The `uname` fields of `persona`.
pub fn uname(persona: &Persona) -> Uname {
    Uname {
        kernel_name: "Linux",
        nodename: persona.hostname.clone(),
        release: persona.kernel.release.clone(),
        version: persona.kernel.version.clone(),
        machine: "x86_64",
        os: "GNU/Linux",
    }
}

/// `/etc/os-release` of Debian 12, byte for byte.
pub const OS_RELEASE: &str = "PRETTY_NAME=\"Debian GNU/Linux 12 (bookworm)\"
NAME=\"Debian GNU/Linux\"
VERSION_ID=\"12\"
VERSION=\"12 (bookworm)\"
VERSION_CODENAME=bookworm
ID=debian
HOME_URL=\"https://www.debian.org/\"
SUPPORT_URL=\"https://www.debian.org/support\"
BUG_REPORT_URL=\"https://bugs.debian.org/\"
";

/// `/etc/os-release` (and `/usr/lib/os-release`).
pub fn os_release(_persona: &Persona) -> String {
    OS_RELEASE.to_owned()
}

/// `/etc/debian_version`, the point release.
pub fn debian_version(persona: &Persona) -> String {
    format!("{}\n", persona.debian_version)
}

/// `/etc/hostname`.
pub fn hostname(persona: &Persona) -> String {
    format!("{}\n", persona.hostname)
}

/// What `nproc` prints.
pub fn nproc(persona: &Persona) -> String {
    format!("{}\n", persona.nproc())
}

/// `/proc/version`, built with Debian 12's real toolchain.
pub fn proc_version(persona: &Persona) -> String {
    format!(
        "Linux version {} (debian-kernel@lists.debian.org) (gcc-12 (Debian 12.2.0-14) 12.2.0, GNU ld (GNU Binutils for \
         Debian) 2.40) {}\n",
        persona.kernel.release, persona.kernel.version
    )
}

/// `/etc/passwd`.
pub fn passwd(persona: &Persona) -> String {
    persona
        .users
        .iter()
        .map(|u| format!("{}:x:{}:{}:{}:{}:{}\n", u.name, u.uid, u.gid, u.gecos, u.home, u.shell))
        .collect()
}

/// `/etc/group`.
pub fn group(persona: &Persona) -> String {
    persona
        .groups
        .iter()
        .map(|g| format!("{}:x:{}:{}\n", g.name, g.gid, g.members.join(",")))
        .collect()
}

/// `/proc/cpuinfo`: one block per logical CPU, with the kernel's tab alignment.
pub fn cpuinfo(persona: &Persona) -> String {
    let c = &persona.cpu;
    let mut out = String::new();
    for n in 0..c.count {
        // With SMT the kernel numbers every core's first thread before the siblings; apic ids interleave them.
        let core = n % c.cores;
        let apicid = if c.cores == c.count { n } else { core * 2 + n / c.cores };
        let _ = write!(
            out,
            "processor\t: {n}\n\
             vendor_id\t: {}\n\
             cpu family\t: {}\n\
             model\t\t: {}\n\
             model name\t: {}\n\
             stepping\t: {}\n\
             microcode\t: {}\n\
             cpu MHz\t\t: {:.3}\n\
             cache size\t: {} KB\n\
             physical id\t: 0\n\
             siblings\t: {}\n\
             core id\t\t: {}\n\
             cpu cores\t: {}\n\
             apicid\t\t: {apicid}\n\
             initial apicid\t: {apicid}\n\
             fpu\t\t: yes\n\
             fpu_exception\t: yes\n\
             cpuid level\t: {}\n\
             wp\t\t: yes\n\
             flags\t\t: {}\n\
             bugs\t\t: {}\n\
             bogomips\t: {:.2}\n",
            c.vendor_id,
            c.family,
            c.model,
            c.model_name,
            c.stepping,
            c.microcode,
            c.mhz,
            c.cache_kib,
            c.count,
            core,
            c.cores,
            c.cpuid_level,
            c.flags,
            c.bugs,
            c.mhz * 2.0,
        );
        if c.vendor_id == "AuthenticAMD" {
            out.push_str("TLB size\t: 3072 4K pages\n");
        }
        let _ = write!(
            out,
            "clflush size\t: 64\ncache_alignment\t: 64\naddress sizes\t: {}\npower management:\n\n",
            c.address_sizes
        );
    }
    out
}

/// `/proc/meminfo` at `now`, every field consistent with [`Persona::mem_snapshot`].
pub fn meminfo(persona: &Persona, now: SystemTime) -> String {
    let m = persona.mem_snapshot(now);
    let file = m.cached - m.shmem + m.buffers;
    let active_file = file * 2 / 5;
    let inactive_anon = m.anon / 2 + m.shmem;
    let active_anon = m.anon - m.anon / 2;
    let commit_limit = m.total / 2 + m.swap_total;
    let direct_2m = (m.total / 2048 * 2048).saturating_sub(2048 * 16);
    let rows: [(&str, u64, bool); 53] = [
        ("MemTotal", m.total, true),
        ("MemFree", m.free, true),
        ("MemAvailable", m.available, true),
        ("Buffers", m.buffers, true),
        ("Cached", m.cached, true),
        ("SwapCached", 0, true),
        ("Active", active_anon + active_file, true),
        ("Inactive", inactive_anon + (file - active_file), true),
        ("Active(anon)", active_anon, true),
        ("Inactive(anon)", inactive_anon, true),
        ("Active(file)", active_file, true),
        ("Inactive(file)", file - active_file, true),
        ("Unevictable", 0, true),
        ("Mlocked", 0, true),
        ("SwapTotal", m.swap_total, true),
        ("SwapFree", m.swap_free, true),
        ("Zswap", 0, true),
        ("Zswapped", 0, true),
        ("Dirty", 4 * (noise(persona.noise_seed, 9) as u64 % 40), true),
        ("Writeback", 0, true),
        ("AnonPages", m.anon, true),
        ("Mapped", m.anon / 3, true),
        ("Shmem", m.shmem, true),
        ("KReclaimable", m.sreclaimable, true),
        ("Slab", m.sreclaimable + m.sunreclaim, true),
        ("SReclaimable", m.sreclaimable, true),
        ("SUnreclaim", m.sunreclaim, true),
        ("KernelStack", m.kernel_stack, true),
        ("PageTables", m.page_tables, true),
        ("SecPageTables", 0, true),
        ("NFS_Unstable", 0, true),
        ("Bounce", 0, true),
        ("WritebackTmp", 0, true),
        ("CommitLimit", commit_limit, true),
        ("Committed_AS", m.anon * 3 + m.shmem, true),
        ("VmallocTotal", 34_359_738_367, true),
        ("VmallocUsed", 9_000 + 2_400 * u64::from(persona.nproc()), true),
        ("VmallocChunk", 0, true),
        ("Percpu", 1_024 * u64::from(persona.nproc()) + 1_280, true),
        ("HardwareCorrupted", 0, true),
        ("AnonHugePages", 0, true),
        ("ShmemHugePages", 0, true),
        ("ShmemPmdMapped", 0, true),
        ("FileHugePages", 0, true),
        ("FilePmdMapped", 0, true),
        ("HugePages_Total", 0, false),
        ("HugePages_Free", 0, false),
        ("HugePages_Rsvd", 0, false),
        ("HugePages_Surp", 0, false),
        ("Hugepagesize", 2048, true),
        ("Hugetlb", 0, true),
        ("DirectMap4k", 2048 * 50, true),
        ("DirectMap2M", direct_2m, true),
    ];
    let mut out = String::new();
    for (name, value, kb) in rows {
        let _ = writeln!(
            out,
            "{:<16}{value:>8}{}",
            format!("{name}:"),
            if kb { " kB" } else { "" }
        );
    }
    out
}

/// `/proc/uptime` at `now`: seconds since boot and summed idle seconds of all CPUs.
pub fn proc_uptime(persona: &Persona, now: SystemTime) -> String {
    let up = persona.uptime(now).as_secs_f64();
    let idle_share = 0.95 + f64::from(noise(persona.noise_seed, 11) % 40) / 1000.0;
    format!("{:.2} {:.2}\n", up, up * f64::from(persona.nproc()) * idle_share)
}

/// `/proc/loadavg` at `now`: three load averages, running/total threads and the last pid handed out.
pub fn loadavg(persona: &Persona, now: SystemTime) -> String {
    let [one, five, fifteen] = persona.loadavg(now);
    let secs = persona.uptime(now).as_secs();
    let threads = 95 + 4 * persona.nproc() + (persona.users.len() as u32) + noise(persona.noise_seed, secs / 60) % 6;
    let last_pid = 600 + secs / 45 + u64::from(noise(persona.noise_seed, 13) % 200);
    format!("{one:.2} {five:.2} {fifteen:.2} 1/{threads} {last_pid}\n")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::persona::tests::{personas, NOW};
    use std::time::{Duration, UNIX_EPOCH};

    fn now() -> SystemTime {
        UNIX_EPOCH + Duration::from_secs(NOW)
    }

    fn meminfo_field(text: &str, name: &str) -> u64 {
        let line = text.lines().find(|l| l.starts_with(&format!("{name}:"))).expect(name);
        line.split_whitespace().nth(1).unwrap().parse().unwrap()
    }

    #[test]
    fn every_source_agrees() {
        for p in personas(100) {
            let cpu = cpuinfo(&p);
            let blocks = cpu.lines().filter(|l| l.starts_with("processor\t: ")).count();
            assert_eq!(blocks.to_string() + "\n", nproc(&p));
            let mem = meminfo(&p, now());
            assert_eq!(meminfo_field(&mem, "MemTotal"), p.mem_kib());
            assert!(meminfo_field(&mem, "MemAvailable") <= meminfo_field(&mem, "MemTotal"));
            assert!(meminfo_field(&mem, "MemFree") <= meminfo_field(&mem, "MemAvailable"));
            assert_eq!(meminfo_field(&mem, "SwapTotal"), p.swap_kib());
            assert_eq!(mem.lines().count(), 53);
            let u = uname(&p);
            assert_eq!(u.nodename + "\n", hostname(&p));
            assert!(proc_version(&p).contains(&p.kernel.version));
            assert_eq!(passwd(&p).lines().count(), p.users.len());
            assert!(passwd(&p).starts_with("root:x:0:0:root:/root:/bin/bash\n"));
            assert!(group(&p).starts_with("root:x:0:\n"));
        }
    }

    #[test]
    fn os_release_is_debian_12() {
        let p = &personas(1)[0];
        assert_eq!(
            os_release(p),
            "PRETTY_NAME=\"Debian GNU/Linux 12 (bookworm)\"\nNAME=\"Debian GNU/Linux\"\nVERSION_ID=\"12\"\n\
             VERSION=\"12 (bookworm)\"\nVERSION_CODENAME=bookworm\nID=debian\nHOME_URL=\"https://www.debian.org/\"\n\
             SUPPORT_URL=\"https://www.debian.org/support\"\nBUG_REPORT_URL=\"https://bugs.debian.org/\"\n"
        );
        assert!(debian_version(p).starts_with("12."));
    }

    #[test]
    fn uptime_advances_with_now() {
        let p = &personas(1)[0];
        let first: f64 = proc_uptime(p, now()).split(' ').next().unwrap().parse().unwrap();
        let later: f64 = proc_uptime(p, now() + Duration::from_secs(90))
            .split(' ')
            .next()
            .unwrap()
            .parse()
            .unwrap();
        assert!((later - first - 90.0).abs() < 0.01);
        let load = loadavg(p, now());
        assert_eq!(load.split(' ').count(), 5, "{load}");
    }

    #[test]
    fn uname_a_line() {
        let p = &personas(1)[0];
        let line = uname(p).all();
        assert!(line.starts_with(&format!("Linux {} 6.1.0-", p.hostname)), "{line}");
        assert!(line.ends_with(") x86_64 GNU/Linux"), "{line}");
    }

    #[test]
    fn cpuinfo_first_block_snapshot() {
        let p = &personas(1)[0];
        let text = cpuinfo(p);
        let first = text.split("\n\n").next().unwrap().replace(&p.cpu.flags, "FLAGS");
        let expected = concat!(
            "processor\t: 0\n",
            "vendor_id\t: AuthenticAMD\n",
            "cpu family\t: 25\n",
            "model\t\t: 1\n",
            "model name\t: AMD EPYC 7543 32-Core Processor\n",
            "stepping\t: 1\n",
            "microcode\t: 0x1000065\n",
            "cpu MHz\t\t: 2793.569\n",
            "cache size\t: 512 KB\n",
            "physical id\t: 0\n",
            "siblings\t: 4\n",
            "core id\t\t: 0\n",
            "cpu cores\t: 4\n",
            "apicid\t\t: 0\n",
            "initial apicid\t: 0\n",
            "fpu\t\t: yes\n",
            "fpu_exception\t: yes\n",
            "cpuid level\t: 16\n",
            "wp\t\t: yes\n",
            "flags\t\t: FLAGS\n",
            "bugs\t\t: sysret_ss_attrs spectre_v1 spectre_v2 spec_store_bypass retbleed smt_rsb srso\n",
            "bogomips\t: 5587.14\n",
            "TLB size\t: 3072 4K pages\n",
            "clflush size\t: 64\n",
            "cache_alignment\t: 64\n",
            "address sizes\t: 48 bits physical, 48 bits virtual\n",
            "power management:",
        );
        assert_eq!(first, expected);
        assert!(p.cpu.flags.starts_with("fpu vme de pse tsc msr") && p.cpu.flags.ends_with(" fsrm arch_capabilities"));
    }
}

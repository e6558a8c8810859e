//! `lscpu` from util-linux 2.38.1: the persona's CPU (the same fields `/proc/cpuinfo` shows), in the tree layout on a
//! terminal and the flat layout in a pipe, with the cache sizes, hypervisor and vulnerability lines Debian 12's 6.1
//! kernel reports.

use super::{prog, Command, Ctx};
use crate::persona::{Cpu, Persona, Virt};

/// The `lscpu` command.
pub struct Lscpu;

/// One output line: tree depth, label, value (`None` for a section heading).
type Row = (usize, &'static str, Option<String>);

/// `0`, `0,1`, `0-3`: the kernel's CPU list for `n` CPUs.
fn cpu_list(n: u32) -> String {
    match n {
        0 | 1 => "0".to_owned(),
        2 => "0,1".to_owned(),
        _ => format!("0-{}", n - 1),
    }
}

/// util-linux's size rendering: `64 KiB`, `2 MiB`, `1.5 MiB`.
fn size(kib: u64) -> String {
    if kib >= 1024 {
        let mib = kib as f64 / 1024.0;
        if kib.is_multiple_of(1024) {
            format!("{} MiB", kib / 1024)
        } else {
            format!("{mib:.1} MiB")
        }
    } else {
        format!("{kib} KiB")
    }
}

/// A cache line: total size and instance count.
fn cache(per_kib: u64, instances: u32) -> String {
    let s = if instances == 1 { "" } else { "s" };
    format!("{} ({instances} instance{s})", size(per_kib * u64::from(instances)))
}

/// What the kernel says about each speculative-execution bug, from the CPU's `bugs` flags.
fn vulnerabilities(c: &Cpu, guest: bool) -> Vec<(&'static str, String)> {
    let has = |b: &str| c.bugs.split_whitespace().any(|x| x == b);
    let amd = c.vendor_id == "AuthenticAMD";
    let pick = |bug: &str, yes: &str| {
        if has(bug) {
            yes.to_owned()
        } else {
            "Not affected".to_owned()
        }
    };
    let host_state = if guest {
        "SMT Host state unknown"
    } else {
        "SMT vulnerable"
    };
    vec![
        (
            "Gather data sampling",
            pick("gds", "Unknown: Dependent on hypervisor status"),
        ),
        (
            "Itlb multihit",
            pick("itlb_multihit", "KVM: Mitigation: VMX unsupported"),
        ),
        ("L1tf", pick("l1tf", "Mitigation; PTE Inversion")),
        (
            "Mds",
            pick("mds", &format!("Mitigation; Clear CPU buffers; {host_state}")),
        ),
        ("Meltdown", pick("cpu_meltdown", "Mitigation; PTI")),
        (
            "Mmio stale data",
            pick(
                "mmio_stale_data",
                &format!("Mitigation; Clear CPU buffers; {host_state}"),
            ),
        ),
        (
            "Reg file data sampling",
            pick("rfds", "Mitigation; Clear Register File"),
        ),
        (
            "Retbleed",
            pick(
                "retbleed",
                if amd {
                    "Mitigation; untrained return thunk; SMT disabled"
                } else {
                    "Mitigation; Enhanced IBRS"
                },
            ),
        ),
        (
            "Spec rstack overflow",
            pick("srso", "Vulnerable: Safe RET, no microcode"),
        ),
        (
            "Spec store bypass",
            pick(
                "spec_store_bypass",
                "Mitigation; Speculative Store Bypass disabled via prctl",
            ),
        ),
        (
            "Spectre v1",
            "Mitigation; usercopy/swapgs barriers and __user pointer sanitization".to_owned(),
        ),
        (
            "Spectre v2",
            if amd {
                "Mitigation; Retpolines; IBPB conditional; IBRS_FW; STIBP disabled; RSB filling; PBRSB-eIBRS Not \
                 affected; BHI Not affected"
                    .to_owned()
            } else {
                "Mitigation; Enhanced / Automatic IBRS; IBPB conditional; RSB filling; PBRSB-eIBRS SW sequence; BHI \
                 SW loop, KVM SW loop"
                    .to_owned()
            },
        ),
        ("Srbds", pick("srbds", "Unknown: Dependent on hypervisor status")),
        ("Tsx async abort", pick("taa", "Mitigation; TSX disabled")),
    ]
}

/// Every line, in util-linux's order; labels carry the tree depth.
fn rows(p: &Persona) -> (Vec<Row>, Vec<(&'static str, String)>) {
    let c = &p.cpu;
    let guest = p.virt != Virt::BareMetal;
    let threads = c.count.checked_div(c.cores).unwrap_or(1).max(1);
    let mut r: Vec<Row> = vec![
        (0, "Architecture:", Some("x86_64".to_owned())),
        (1, "CPU op-mode(s):", Some("32-bit, 64-bit".to_owned())),
        (1, "Address sizes:", Some(c.address_sizes.clone())),
        (1, "Byte Order:", Some("Little Endian".to_owned())),
        (0, "CPU(s):", Some(c.count.to_string())),
        (1, "On-line CPU(s) list:", Some(cpu_list(c.count))),
        (0, "Vendor ID:", Some(c.vendor_id.clone())),
        (1, "Model name:", Some(c.model_name.clone())),
        (2, "CPU family:", Some(c.family.to_string())),
        (2, "Model:", Some(c.model.to_string())),
        (2, "Thread(s) per core:", Some(threads.to_string())),
        (2, "Core(s) per socket:", Some(c.cores.to_string())),
        (2, "Socket(s):", Some("1".to_owned())),
        (2, "Stepping:", Some(c.stepping.to_string())),
    ];
    if !guest {
        r.push((2, "Frequency boost:", Some("enabled".to_owned())));
        r.push((2, "CPU(s) scaling MHz:", Some(format!("{}%", 60 + p.noise_seed % 30))));
        r.push((2, "CPU max MHz:", Some(format!("{:.4}", (c.mhz * 1.3).round()))));
        r.push((2, "CPU min MHz:", Some("800.0000".to_owned())));
    }
    r.push((2, "BogoMIPS:", Some(format!("{:.2}", c.mhz * 2.0))));
    r.push((2, "Flags:", Some(c.flags.clone())));
    r.push((0, "Virtualization features:", None));
    if guest {
        let vendor = match p.virt {
            Virt::Vmware => "VMware",
            Virt::Microsoft => "Microsoft",
            Virt::Xen => "Xen",
            _ => "KVM",
        };
        r.push((1, "Hypervisor vendor:", Some(vendor.to_owned())));
        r.push((1, "Virtualization type:", Some("full".to_owned())));
    } else {
        let v = if c.vendor_id == "AuthenticAMD" { "AMD-V" } else { "VT-x" };
        r.push((1, "Virtualization:", Some(v.to_owned())));
    }
    let cores = c.cores.max(1);
    let (l2_kib, l3_kib) = if c.vendor_id == "AuthenticAMD" {
        (u64::from(c.cache_kib), 32 * 1024)
    } else {
        (1024, u64::from(c.cache_kib))
    };
    r.push((0, "Caches (sum of all):", None));
    r.push((1, "L1d:", Some(cache(if guest { 32 } else { 48 }, cores))));
    r.push((1, "L1i:", Some(cache(32, cores))));
    r.push((1, "L2:", Some(cache(l2_kib, cores))));
    r.push((1, "L3:", Some(cache(l3_kib, 1))));
    r.push((0, "NUMA:", None));
    r.push((1, "Node(s):", Some("1".to_owned())));
    r.push((1, "NUMA node0 CPU(s):", Some(cpu_list(c.count))));
    r.push((0, "Vulnerabilities:", None));
    (r, vulnerabilities(c, guest))
}

/// The flat layout's label for a tree row (the tree shortens a few).
fn flat_label(label: &'static str) -> Option<String> {
    Some(
        match label {
            "Virtualization features:" | "Caches (sum of all):" | "NUMA:" | "Vulnerabilities:" => return None,
            "L1d:" => "L1d cache:",
            "L1i:" => "L1i cache:",
            "L2:" => "L2 cache:",
            "L3:" => "L3 cache:",
            "Node(s):" => "NUMA node(s):",
            other => other,
        }
        .to_owned(),
    )
}

impl Command for Lscpu {
    fn names(&self) -> &'static [&'static str] {
        &["lscpu", "/bin/lscpu", "/usr/bin/lscpu"]
    }

    fn run(&self, ctx: &mut Ctx, args: &[String], _stdin: &[u8]) -> i32 {
        let p = prog(args).to_owned();
        if let Some(a) = args.get(1) {
            match a.as_str() {
                "-V" | "--version" => {
                    ctx.out("lscpu from util-linux 2.38.1\n");
                    return 0;
                }
                "-e" | "--extended" | "-p" | "--parse" => {
                    let c = &ctx.session.persona.cpu;
                    let cores = c.cores.max(1);
                    let mut out = if a.starts_with("-e") || a == "--extended" {
                        "CPU NODE SOCKET CORE L1d:L1i:L2:L3 ONLINE\n".to_owned()
                    } else {
                        "# The following is the parsable format, which can be fed to other\n# programs. Each different \
                         item in every column has an unique ID\n# starting usually from zero.\n# \
                         CPU,Core,Socket,Node,,L1d,L1i,L2,L3\n"
                            .to_owned()
                    };
                    for n in 0..c.count.min(1024) {
                        let core = n % cores;
                        if a.starts_with("-e") || a == "--extended" {
                            let caches = format!("{core}:{core}:{core}:0");
                            out.push_str(&format!("{n:>3} {:>4} {:>6} {core:>4} {caches:<16} yes\n", 0, 0));
                        } else {
                            out.push_str(&format!("{n},{core},0,0,,{core},{core},{core},0\n"));
                        }
                    }
                    ctx.out(out);
                    return 0;
                }
                "-a" | "--all" | "-x" | "--hex" | "-y" => {}
                a if a.starts_with("--") => {
                    ctx.err(format!(
                        "{p}: unrecognized option '{a}'\nTry 'lscpu --help' for more information.\n"
                    ));
                    return 1;
                }
                a => {
                    ctx.err(format!(
                        "{p}: invalid option -- '{}'\nTry 'lscpu --help' for more information.\n",
                        a.chars().nth(1).unwrap_or('-')
                    ));
                    return 1;
                }
            }
        }
        let (tree, vulns) = rows(&ctx.session.persona);
        let mut lines: Vec<(String, Option<String>)> = Vec::new();
        if ctx.session.stdout_tty {
            for (depth, label, value) in tree {
                lines.push((format!("{}{label}", "  ".repeat(depth)), value));
            }
            for (name, v) in vulns {
                lines.push((format!("  {name}:"), Some(v)));
            }
        } else {
            for (_, label, value) in tree {
                if let Some(l) = flat_label(label) {
                    lines.push((l, value));
                }
            }
            for (name, v) in vulns {
                lines.push((format!("Vulnerability {name}:"), Some(v)));
            }
        }
        let width = lines.iter().map(|(l, _)| l.chars().count()).max().unwrap_or(0) + 1;
        let mut out = String::new();
        for (label, value) in lines {
            out.push_str(&format!("{label:<width$}{}\n", value.unwrap_or_default()));
        }
        ctx.out(out);
        0
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::commands::testing::session;

    #[test]
    fn flat_layout_matches_cpuinfo() {
        let mut s = session();
        let c = s.persona.cpu.clone();
        let out = String::from_utf8(s.run_line("lscpu").stdout).unwrap();
        let lines: Vec<&str> = out.lines().collect();
        let w = "Vulnerability Reg file data sampling: ".len();
        assert_eq!(lines[0], format!("{:<w$}x86_64", "Architecture:"));
        assert_eq!(lines[4], format!("{:<w$}{}", "CPU(s):", c.count));
        assert_eq!(lines[7], format!("{:<w$}{}", "Model name:", c.model_name));
        assert!(out.contains(&format!("BogoMIPS:{}{:.2}\n", " ".repeat(w - 9), c.mhz * 2.0)));
        assert!(out.contains("\nHypervisor vendor:"));
        s.set_tty(true);
        let tree = String::from_utf8(s.run_line("lscpu").stdout).unwrap();
        let t: Vec<&str> = tree.lines().collect();
        assert!(
            t[0].starts_with("Architecture: ") && t[1].starts_with("  CPU op-mode(s): "),
            "{tree}"
        );
        assert_eq!(t[0].find("x86_64"), t[1].find("32-bit"));
        assert!(tree.contains(&format!(
            "\n{:<w$}\n  L1d: ",
            "Caches (sum of all):",
            w = t[0].find("x86_64").unwrap_or(0)
        )));
        assert_eq!(cpu_list(4), "0-3");
        let mut e = session();
        let ext = String::from_utf8(e.run_line("lscpu -e").stdout).unwrap();
        assert!(
            ext.starts_with("CPU NODE SOCKET CORE L1d:L1i:L2:L3 ONLINE\n  0    0      0    0 0:0:0:0          yes\n")
        );
        assert_eq!(ext.lines().count() as u32, c.count + 1);
        assert_eq!(size(1536), "1.5 MiB");
    }
}

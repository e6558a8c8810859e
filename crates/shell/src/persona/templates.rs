//! Realistic building blocks for a persona: host profiles (cloud, VPS, desktop hypervisor, bare metal), CPU models,
//! Debian 12 kernel builds and the stock Debian 12 accounts.
//!
//! This is data, not logic: `Persona::generate` picks from these tables and randomises the details, so that every
//! value an attacker can check (MAC OUI, CPU flags, kernel build date) comes from something that exists in the wild.

use super::Virt;

/// A Debian 12 kernel package as shipped, so that `uname -r` and `uname -v` always pair up the way Debian built them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct KernelBuild {
    /// The ABI in the package name: `6.1.0-<abi>-amd64`.
    pub abi: u32,
    /// The Debian source version printed in `uname -v`.
    pub debian_version: &'static str,
    /// The build date printed in `uname -v`, as Debian prints it (`YYYY-MM-DD`).
    pub date: &'static str,
    /// The Debian point release that was current when this kernel shipped (`/etc/debian_version`).
    pub point_release: &'static str,
}

/// Debian 12 (bookworm) `linux-image-6.1.0-*-amd64` builds with their real upload dates.
pub const KERNELS: &[KernelBuild] = &[
    KernelBuild {
        abi: 10,
        debian_version: "6.1.38-1",
        date: "2023-07-14",
        point_release: "12.1",
    },
    KernelBuild {
        abi: 12,
        debian_version: "6.1.52-1",
        date: "2023-09-07",
        point_release: "12.1",
    },
    KernelBuild {
        abi: 13,
        debian_version: "6.1.55-1",
        date: "2023-09-29",
        point_release: "12.2",
    },
    KernelBuild {
        abi: 15,
        debian_version: "6.1.66-1",
        date: "2023-12-09",
        point_release: "12.4",
    },
    KernelBuild {
        abi: 17,
        debian_version: "6.1.69-1",
        date: "2023-12-30",
        point_release: "12.4",
    },
    KernelBuild {
        abi: 18,
        debian_version: "6.1.76-1",
        date: "2024-02-01",
        point_release: "12.5",
    },
    KernelBuild {
        abi: 21,
        debian_version: "6.1.90-1",
        date: "2024-05-03",
        point_release: "12.5",
    },
    KernelBuild {
        abi: 22,
        debian_version: "6.1.94-1",
        date: "2024-06-21",
        point_release: "12.6",
    },
    KernelBuild {
        abi: 23,
        debian_version: "6.1.99-1",
        date: "2024-07-15",
        point_release: "12.6",
    },
    KernelBuild {
        abi: 25,
        debian_version: "6.1.106-3",
        date: "2024-08-26",
        point_release: "12.7",
    },
    KernelBuild {
        abi: 26,
        debian_version: "6.1.112-1",
        date: "2024-09-30",
        point_release: "12.7",
    },
    KernelBuild {
        abi: 27,
        debian_version: "6.1.115-1",
        date: "2024-11-01",
        point_release: "12.8",
    },
    KernelBuild {
        abi: 28,
        debian_version: "6.1.119-1",
        date: "2024-12-05",
        point_release: "12.8",
    },
    KernelBuild {
        abi: 29,
        debian_version: "6.1.123-1",
        date: "2025-01-02",
        point_release: "12.9",
    },
    KernelBuild {
        abi: 31,
        debian_version: "6.1.128-1",
        date: "2025-02-07",
        point_release: "12.9",
    },
    KernelBuild {
        abi: 32,
        debian_version: "6.1.129-1",
        date: "2025-03-06",
        point_release: "12.10",
    },
    KernelBuild {
        abi: 33,
        debian_version: "6.1.133-1",
        date: "2025-04-10",
        point_release: "12.10",
    },
    KernelBuild {
        abi: 35,
        debian_version: "6.1.137-1",
        date: "2025-05-22",
        point_release: "12.11",
    },
];

/// One CPU model as `/proc/cpuinfo` reports it, so vendor, family, model, stepping and flags never contradict each other.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CpuTemplate {
    /// `vendor_id`: `GenuineIntel` or `AuthenticAMD`.
    pub vendor_id: &'static str,
    /// `cpu family`.
    pub family: u32,
    /// `model`.
    pub model: u32,
    /// `stepping`.
    pub stepping: u32,
    /// `model name`, exactly as the CPU (or the hypervisor) reports it.
    pub model_name: &'static str,
    /// `microcode`; hypervisors often report a placeholder such as `0x1`.
    pub microcode: &'static str,
    /// Nominal clock in MHz; the generator jitters it slightly, as TSC calibration does.
    pub mhz: u32,
    /// `cache size` in KiB.
    pub cache_kib: u32,
    /// `cpuid level`.
    pub cpuid_level: u32,
    /// `address sizes` line.
    pub address_sizes: &'static str,
    /// `flags` line.
    pub flags: &'static str,
    /// `bugs` line.
    pub bugs: &'static str,
    /// Logical CPUs of the real chip (cores × SMT) when it is the whole machine; 0 for a guest's virtual CPU.
    pub host_threads: u32,
}

const FLAGS_QEMU64: &str = "fpu de pse tsc msr pae mce cx8 apic sep mtrr pge mca cmov pat pse36 clflush mmx fxsr sse \
sse2 syscall nx lm rep_good nopl xtopology cpuid tsc_known_freq pni cx16 x2apic hypervisor lahf_lm cpuid_fault pti";

const FLAGS_INTEL_SKX_VM: &str = "fpu vme de pse tsc msr pae mce cx8 apic sep mtrr pge mca cmov pat pse36 clflush mmx \
fxsr sse sse2 ss syscall nx pdpe1gb rdtscp lm constant_tsc arch_perfmon rep_good nopl xtopology cpuid tsc_known_freq pni \
pclmulqdq vmx ssse3 fma cx16 pdcm pcid sse4_1 sse4_2 x2apic movbe popcnt tsc_deadline_timer aes xsave avx f16c rdrand \
hypervisor lahf_lm abm 3dnowprefetch cpuid_fault invpcid_single ssbd ibrs ibpb stibp ibrs_enhanced tpr_shadow \
flexpriority ept vpid ept_ad fsgsbase tsc_adjust bmi1 hle avx2 smep bmi2 erms invpcid rtm mpx avx512f avx512dq rdseed \
adx smap clflushopt clwb avx512cd avx512bw avx512vl xsaveopt xsavec xgetbv1 xsaves arat pku ospke avx512_vnni md_clear \
arch_capabilities";

const FLAGS_INTEL_BDW_VM: &str = "fpu vme de pse tsc msr pae mce cx8 apic sep mtrr pge mca cmov pat pse36 clflush mmx \
fxsr sse sse2 ss ht syscall nx pdpe1gb rdtscp lm constant_tsc rep_good nopl xtopology cpuid tsc_known_freq pni \
pclmulqdq ssse3 fma cx16 pcid sse4_1 sse4_2 x2apic movbe popcnt tsc_deadline_timer aes xsave avx f16c rdrand hypervisor \
lahf_lm abm 3dnowprefetch cpuid_fault invpcid_single pti ssbd ibrs ibpb stibp fsgsbase tsc_adjust bmi1 hle avx2 smep \
bmi2 erms invpcid rtm rdseed adx smap xsaveopt arat md_clear flush_l1d arch_capabilities";

const FLAGS_AMD_EPYC_VM: &str = "fpu vme de pse tsc msr pae mce cx8 apic sep mtrr pge mca cmov pat pse36 clflush mmx \
fxsr sse sse2 syscall nx mmxext fxsr_opt pdpe1gb rdtscp lm rep_good nopl cpuid extd_apicid tsc_known_freq pni \
pclmulqdq ssse3 fma cx16 pcid sse4_1 sse4_2 x2apic movbe popcnt tsc_deadline_timer aes xsave avx f16c rdrand \
hypervisor lahf_lm cmp_legacy cr8_legacy abm sse4a misalignsse 3dnowprefetch osvw topoext perfctr_core \
invpcid_single ssbd ibrs ibpb stibp vmmcall fsgsbase tsc_adjust bmi1 avx2 smep bmi2 erms invpcid rdseed adx smap \
clflushopt clwb sha_ni xsaveopt xsavec xgetbv1 xsaves clzero xsaveerptr wbnoinvd arat umip pku ospke vaes \
vpclmulqdq rdpid fsrm arch_capabilities";

const FLAGS_INTEL_HOST: &str = "fpu vme de pse tsc msr pae mce cx8 apic sep mtrr pge mca cmov pat pse36 clflush dts \
acpi mmx fxsr sse sse2 ss ht tm pbe syscall nx pdpe1gb rdtscp lm constant_tsc art arch_perfmon pebs bts rep_good nopl \
xtopology nonstop_tsc cpuid aperfmperf pni pclmulqdq dtes64 monitor ds_cpl vmx smx est tm2 ssse3 sdbg fma cx16 xtpr \
pdcm pcid sse4_1 sse4_2 x2apic movbe popcnt tsc_deadline_timer aes xsave avx f16c rdrand lahf_lm abm 3dnowprefetch \
cpuid_fault epb invpcid_single pti ssbd ibrs ibpb stibp tpr_shadow flexpriority ept vpid ept_ad fsgsbase tsc_adjust \
bmi1 avx2 smep bmi2 erms invpcid mpx rdseed adx smap clflushopt intel_pt xsaveopt xsavec xgetbv1 xsaves dtherm ida \
arat pln pts hwp hwp_notify hwp_act_window hwp_epp md_clear flush_l1d arch_capabilities";

const FLAGS_AMD_HOST: &str = "fpu vme de pse tsc msr pae mce cx8 apic sep mtrr pge mca cmov pat pse36 clflush mmx \
fxsr sse sse2 ht syscall nx mmxext fxsr_opt pdpe1gb rdtscp lm constant_tsc rep_good nopl nonstop_tsc cpuid \
extd_apicid aperfmperf rapl pni pclmulqdq monitor ssse3 fma cx16 sse4_1 sse4_2 movbe popcnt aes xsave avx f16c rdrand \
lahf_lm cmp_legacy svm extapic cr8_legacy abm sse4a misalignsse 3dnowprefetch osvw ibs skinit wdt tce topoext \
perfctr_core perfctr_nb bpext perfctr_llc mwaitx cpb cat_l3 cdp_l3 hw_pstate ssbd mba ibpb stibp vmmcall fsgsbase \
bmi1 avx2 smep bmi2 cqm rdt_a rdseed adx smap clflushopt clwb sha_ni xsaveopt xsavec xgetbv1 xsaves cqm_llc \
cqm_occup_llc cqm_mbm_total cqm_mbm_local clzero irperf xsaveerptr rdpru wbnoinvd arat npt lbrv svm_lock nrip_save \
tsc_scale vmcb_clean flushbyasid decodeassists pausefilter pfthreshold avic v_vmsave_vmload vgif v_spec_ctrl umip \
rdpid overflow_recov succor smca sev sev_es";

const BUGS_INTEL_OLD: &str =
    "cpu_meltdown spectre_v1 spectre_v2 spec_store_bypass l1tf mds swapgs itlb_multihit mmio_stale_data retbleed gds";
const BUGS_INTEL_SKX: &str =
    "spectre_v1 spectre_v2 spec_store_bypass swapgs itlb_multihit mmio_stale_data retbleed gds";
const BUGS_AMD: &str = "sysret_ss_attrs spectre_v1 spectre_v2 spec_store_bypass retbleed smt_rsb srso";

/// QEMU's default model, seen on cheap VPS hosts that do not pass the host CPU through.
pub const CPU_QEMU: CpuTemplate = CpuTemplate {
    vendor_id: "GenuineIntel",
    family: 6,
    model: 6,
    stepping: 3,
    model_name: "QEMU Virtual CPU version 2.5+",
    microcode: "0x1",
    mhz: 2399,
    cache_kib: 16384,
    cpuid_level: 13,
    address_sizes: "40 bits physical, 48 bits virtual",
    flags: FLAGS_QEMU64,
    bugs: "cpu_meltdown spectre_v1 spectre_v2 spec_store_bypass l1tf mds swapgs itlb_multihit mmio_unknown",
    host_threads: 0,
};

/// QEMU's named Skylake-Server model, common on KVM VPS providers.
pub const CPU_XEON_SKX_KVM: CpuTemplate = CpuTemplate {
    vendor_id: "GenuineIntel",
    family: 6,
    model: 85,
    stepping: 4,
    model_name: "Intel Xeon Processor (Skylake, IBRS)",
    microcode: "0x1",
    mhz: 2100,
    cache_kib: 16384,
    cpuid_level: 13,
    address_sizes: "40 bits physical, 48 bits virtual",
    flags: FLAGS_INTEL_SKX_VM,
    bugs: BUGS_INTEL_SKX,
    host_threads: 0,
};

/// A Cascade Lake host CPU passed through to guests (VMware, KVM host-passthrough).
pub const CPU_XEON_GOLD_6248R: CpuTemplate = CpuTemplate {
    vendor_id: "GenuineIntel",
    family: 6,
    model: 85,
    stepping: 7,
    model_name: "Intel(R) Xeon(R) Gold 6248R CPU @ 3.00GHz",
    microcode: "0x5003604",
    mhz: 2992,
    cache_kib: 36608,
    cpuid_level: 22,
    address_sizes: "45 bits physical, 48 bits virtual",
    flags: FLAGS_INTEL_SKX_VM,
    bugs: BUGS_INTEL_SKX,
    host_threads: 0,
};

/// A Broadwell host CPU, still everywhere in older VMware and Hyper-V clusters.
pub const CPU_XEON_E5_2680V4: CpuTemplate = CpuTemplate {
    vendor_id: "GenuineIntel",
    family: 6,
    model: 79,
    stepping: 1,
    model_name: "Intel(R) Xeon(R) CPU E5-2680 v4 @ 2.40GHz",
    microcode: "0xb000040",
    mhz: 2399,
    cache_kib: 35840,
    cpuid_level: 20,
    address_sizes: "43 bits physical, 48 bits virtual",
    flags: FLAGS_INTEL_BDW_VM,
    bugs: BUGS_INTEL_OLD,
    host_threads: 0,
};

/// A Broadwell SKU used by Azure's Hyper-V hosts.
pub const CPU_XEON_E5_2673V4: CpuTemplate = CpuTemplate {
    vendor_id: "GenuineIntel",
    family: 6,
    model: 79,
    stepping: 1,
    model_name: "Intel(R) Xeon(R) CPU E5-2673 v4 @ 2.30GHz",
    microcode: "0xffffffff",
    mhz: 2294,
    cache_kib: 51200,
    cpuid_level: 20,
    address_sizes: "46 bits physical, 48 bits virtual",
    flags: FLAGS_INTEL_BDW_VM,
    bugs: BUGS_INTEL_OLD,
    host_threads: 0,
};

/// A Haswell SKU used by Xen-based clouds.
pub const CPU_XEON_E5_2676V3: CpuTemplate = CpuTemplate {
    vendor_id: "GenuineIntel",
    family: 6,
    model: 63,
    stepping: 2,
    model_name: "Intel(R) Xeon(R) CPU E5-2676 v3 @ 2.40GHz",
    microcode: "0x46",
    mhz: 2400,
    cache_kib: 30720,
    cpuid_level: 13,
    address_sizes: "46 bits physical, 48 bits virtual",
    flags: FLAGS_INTEL_BDW_VM,
    bugs: BUGS_INTEL_OLD,
    host_threads: 0,
};

/// A Milan EPYC passed through to KVM guests, typical of newer VPS hosts.
pub const CPU_EPYC_7543: CpuTemplate = CpuTemplate {
    vendor_id: "AuthenticAMD",
    family: 25,
    model: 1,
    stepping: 1,
    model_name: "AMD EPYC 7543 32-Core Processor",
    microcode: "0x1000065",
    mhz: 2794,
    cache_kib: 512,
    cpuid_level: 16,
    address_sizes: "48 bits physical, 48 bits virtual",
    flags: FLAGS_AMD_EPYC_VM,
    bugs: BUGS_AMD,
    host_threads: 0,
};

/// QEMU's named EPYC-Rome model.
pub const CPU_EPYC_ROME_KVM: CpuTemplate = CpuTemplate {
    vendor_id: "AuthenticAMD",
    family: 23,
    model: 49,
    stepping: 0,
    model_name: "AMD EPYC-Rome Processor",
    microcode: "0x1000065",
    mhz: 2249,
    cache_kib: 512,
    cpuid_level: 13,
    address_sizes: "40 bits physical, 48 bits virtual",
    flags: FLAGS_AMD_EPYC_VM,
    bugs: BUGS_AMD,
    host_threads: 0,
};

/// A desktop Intel CPU, as VirtualBox guests on a workstation see it.
pub const CPU_I7_8700: CpuTemplate = CpuTemplate {
    vendor_id: "GenuineIntel",
    family: 6,
    model: 158,
    stepping: 10,
    model_name: "Intel(R) Core(TM) i7-8700 CPU @ 3.20GHz",
    microcode: "0xf4",
    mhz: 3191,
    cache_kib: 12288,
    cpuid_level: 22,
    address_sizes: "39 bits physical, 48 bits virtual",
    flags: FLAGS_INTEL_BDW_VM,
    bugs: BUGS_INTEL_OLD,
    host_threads: 0,
};

/// An entry-level server CPU for dedicated boxes.
pub const CPU_XEON_E2236: CpuTemplate = CpuTemplate {
    vendor_id: "GenuineIntel",
    family: 6,
    model: 158,
    stepping: 10,
    model_name: "Intel(R) Xeon(R) E-2236 CPU @ 3.40GHz",
    microcode: "0xf4",
    mhz: 3400,
    cache_kib: 12288,
    cpuid_level: 22,
    address_sizes: "39 bits physical, 48 bits virtual",
    flags: FLAGS_INTEL_HOST,
    bugs: BUGS_INTEL_OLD,
    host_threads: 12,
};

/// A desktop Ryzen, as rented by budget dedicated-server providers.
pub const CPU_RYZEN_3600: CpuTemplate = CpuTemplate {
    vendor_id: "AuthenticAMD",
    family: 23,
    model: 113,
    stepping: 0,
    model_name: "AMD Ryzen 5 3600 6-Core Processor",
    microcode: "0x8701021",
    mhz: 3600,
    cache_kib: 512,
    cpuid_level: 16,
    address_sizes: "43 bits physical, 48 bits virtual",
    flags: FLAGS_AMD_HOST,
    bugs: BUGS_AMD,
    host_threads: 12,
};

/// A single-socket EPYC for dedicated servers.
pub const CPU_EPYC_7302P: CpuTemplate = CpuTemplate {
    vendor_id: "AuthenticAMD",
    family: 23,
    model: 49,
    stepping: 0,
    model_name: "AMD EPYC 7302P 16-Core Processor",
    microcode: "0x830107a",
    mhz: 3000,
    cache_kib: 512,
    cpuid_level: 16,
    address_sizes: "43 bits physical, 48 bits virtual",
    flags: FLAGS_AMD_HOST,
    bugs: BUGS_AMD,
    host_threads: 32,
};

/// One kind of machine (a KVM VPS, a VMware guest, a dedicated server), so that NIC names, MAC vendor, disk names and
/// CPU models are picked together and agree.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HostTemplate {
    /// A short name for logs and tests.
    pub name: &'static str,
    /// What `systemd-detect-virt` would say.
    pub virt: Virt,
    /// MAC prefixes (OUIs) that this platform's NICs really carry.
    pub ouis: &'static [[u8; 3]],
    /// Predictable interface names the guest kernel and udev give the first NIC.
    pub nic_names: &'static [&'static str],
    /// Whole-disk device names (without `/dev/`).
    pub disks: &'static [&'static str],
    /// Whether the root disk has a separate EFI partition.
    pub efi: bool,
    /// CPU models seen on this platform.
    pub cpus: &'static [&'static CpuTemplate],
    /// Plausible CPU counts for a guest (a bare-metal machine uses its chip's `host_threads` instead).
    pub cpu_counts: &'static [u32],
    /// Nominal RAM sizes in GiB.
    pub ram_gib: &'static [u32],
    /// Swap sizes in MiB (0 means no swap, common on VPS images).
    pub swap_mib: &'static [u32],
    /// Root disk sizes in GB as sold.
    pub disk_gb: &'static [u32],
}

/// Every host profile a sensor may pretend to be.
pub const HOSTS: &[HostTemplate] = &[
    HostTemplate {
        name: "kvm-vps",
        virt: Virt::Kvm,
        ouis: &[[0x52, 0x54, 0x00]],
        nic_names: &["ens3", "eth0", "ens3", "enp1s0"],
        disks: &["vda"],
        efi: true,
        cpus: &[
            &CPU_QEMU,
            &CPU_XEON_SKX_KVM,
            &CPU_EPYC_7543,
            &CPU_EPYC_ROME_KVM,
            &CPU_XEON_GOLD_6248R,
        ],
        cpu_counts: &[1, 1, 2, 2, 4, 4, 8],
        ram_gib: &[1, 2, 2, 4, 4, 8],
        swap_mib: &[0, 0, 0, 512, 1024],
        disk_gb: &[20, 25, 40, 50, 80, 160],
    },
    HostTemplate {
        name: "proxmox",
        virt: Virt::Kvm,
        ouis: &[[0xbc, 0x24, 0x11]],
        nic_names: &["ens18"],
        disks: &["sda"],
        efi: false,
        cpus: &[&CPU_QEMU, &CPU_XEON_E5_2680V4, &CPU_EPYC_7543],
        cpu_counts: &[1, 2, 2, 4],
        ram_gib: &[1, 2, 4, 8],
        swap_mib: &[0, 975, 1023],
        disk_gb: &[8, 16, 32, 64],
    },
    HostTemplate {
        name: "vmware",
        virt: Virt::Vmware,
        ouis: &[[0x00, 0x50, 0x56], [0x00, 0x0c, 0x29]],
        nic_names: &["ens192", "ens160", "ens33"],
        disks: &["sda"],
        efi: false,
        cpus: &[&CPU_XEON_GOLD_6248R, &CPU_XEON_E5_2680V4],
        cpu_counts: &[2, 2, 4, 8],
        ram_gib: &[2, 4, 8, 16],
        swap_mib: &[975, 1023, 2047, 4095],
        disk_gb: &[16, 32, 40, 60, 100],
    },
    HostTemplate {
        name: "hyperv",
        virt: Virt::Microsoft,
        ouis: &[[0x00, 0x15, 0x5d]],
        nic_names: &["eth0"],
        disks: &["sda"],
        efi: true,
        cpus: &[&CPU_XEON_E5_2673V4, &CPU_XEON_GOLD_6248R],
        cpu_counts: &[1, 2, 4],
        ram_gib: &[2, 4, 8],
        swap_mib: &[0, 1023, 2047],
        disk_gb: &[30, 64, 127],
    },
    HostTemplate {
        name: "xen",
        virt: Virt::Xen,
        ouis: &[[0x00, 0x16, 0x3e]],
        nic_names: &["enX0", "eth0"],
        disks: &["xvda"],
        efi: false,
        cpus: &[&CPU_XEON_E5_2676V3],
        cpu_counts: &[1, 2, 4],
        ram_gib: &[1, 2, 4, 8],
        swap_mib: &[0, 0, 512],
        disk_gb: &[8, 20, 30, 50],
    },
    HostTemplate {
        name: "virtualbox",
        virt: Virt::Oracle,
        ouis: &[[0x08, 0x00, 0x27]],
        nic_names: &["enp0s3"],
        disks: &["sda"],
        efi: false,
        cpus: &[&CPU_I7_8700],
        cpu_counts: &[1, 2, 4],
        ram_gib: &[1, 2, 4],
        swap_mib: &[975, 1023],
        disk_gb: &[8, 20, 32],
    },
    HostTemplate {
        name: "bare-metal",
        virt: Virt::BareMetal,
        ouis: &[
            [0xac, 0x1f, 0x6b],
            [0x3c, 0xec, 0xef],
            [0x00, 0x25, 0x90],
            [0xa0, 0x36, 0x9f],
            [0xd0, 0x50, 0x99],
        ],
        nic_names: &["eno1", "enp1s0", "enp3s0", "enp35s0"],
        disks: &["nvme0n1", "sda"],
        efi: true,
        cpus: &[&CPU_XEON_E2236, &CPU_RYZEN_3600, &CPU_EPYC_7302P],
        cpu_counts: &[0],
        ram_gib: &[16, 32, 64],
        swap_mib: &[976, 3814, 7812],
        disk_gb: &[240, 480, 512, 960],
    },
];

/// A stock account line: (name, uid, gid, gecos, home, shell).
pub type AccountRow = (&'static str, u32, u32, &'static str, &'static str, &'static str);

/// The accounts `base-passwd` and a Debian 12 server install create, with their real uids, homes and shells.
pub const SYSTEM_USERS: &[AccountRow] = &[
    ("root", 0, 0, "root", "/root", "/bin/bash"),
    ("daemon", 1, 1, "daemon", "/usr/sbin", "/usr/sbin/nologin"),
    ("bin", 2, 2, "bin", "/bin", "/usr/sbin/nologin"),
    ("sys", 3, 3, "sys", "/dev", "/usr/sbin/nologin"),
    ("sync", 4, 65534, "sync", "/bin", "/bin/sync"),
    ("games", 5, 60, "games", "/usr/games", "/usr/sbin/nologin"),
    ("man", 6, 12, "man", "/var/cache/man", "/usr/sbin/nologin"),
    ("lp", 7, 7, "lp", "/var/spool/lpd", "/usr/sbin/nologin"),
    ("mail", 8, 8, "mail", "/var/mail", "/usr/sbin/nologin"),
    ("news", 9, 9, "news", "/var/spool/news", "/usr/sbin/nologin"),
    ("uucp", 10, 10, "uucp", "/var/spool/uucp", "/usr/sbin/nologin"),
    ("proxy", 13, 13, "proxy", "/bin", "/usr/sbin/nologin"),
    ("www-data", 33, 33, "www-data", "/var/www", "/usr/sbin/nologin"),
    ("backup", 34, 34, "backup", "/var/backups", "/usr/sbin/nologin"),
    ("list", 38, 38, "Mailing List Manager", "/var/list", "/usr/sbin/nologin"),
    ("irc", 39, 39, "ircd", "/run/ircd", "/usr/sbin/nologin"),
    ("_apt", 42, 65534, "", "/nonexistent", "/usr/sbin/nologin"),
    ("nobody", 65534, 65534, "nobody", "/nonexistent", "/usr/sbin/nologin"),
    (
        "systemd-network",
        998,
        998,
        "systemd Network Management",
        "/",
        "/usr/sbin/nologin",
    ),
    (
        "systemd-timesync",
        997,
        997,
        "systemd Time Synchronization",
        "/",
        "/usr/sbin/nologin",
    ),
    ("messagebus", 100, 107, "", "/nonexistent", "/usr/sbin/nologin"),
    ("sshd", 101, 65534, "", "/run/sshd", "/usr/sbin/nologin"),
];

/// The groups of a Debian 12 server install, in `/etc/group` order, with their real gids.
pub const SYSTEM_GROUPS: &[(&str, u32)] = &[
    ("root", 0),
    ("daemon", 1),
    ("bin", 2),
    ("sys", 3),
    ("adm", 4),
    ("tty", 5),
    ("disk", 6),
    ("lp", 7),
    ("mail", 8),
    ("news", 9),
    ("uucp", 10),
    ("man", 12),
    ("proxy", 13),
    ("kmem", 15),
    ("dialout", 20),
    ("fax", 21),
    ("voice", 22),
    ("cdrom", 24),
    ("floppy", 25),
    ("tape", 26),
    ("sudo", 27),
    ("audio", 29),
    ("dip", 30),
    ("www-data", 33),
    ("backup", 34),
    ("operator", 37),
    ("list", 38),
    ("irc", 39),
    ("src", 40),
    ("shadow", 42),
    ("utmp", 43),
    ("video", 44),
    ("sasl", 45),
    ("plugdev", 46),
    ("staff", 50),
    ("games", 60),
    ("users", 100),
    ("nogroup", 65534),
    ("systemd-journal", 999),
    ("systemd-network", 998),
    ("systemd-timesync", 997),
    ("input", 101),
    ("sgx", 102),
    ("kvm", 103),
    ("render", 104),
    ("crontab", 105),
    ("netdev", 106),
    ("messagebus", 107),
    ("ssh", 108),
];

/// First uid/gid handed to optional service accounts (after `sshd` = 101 and group `ssh` = 108).
pub const FIRST_SERVICE_UID: u32 = 102;
/// First gid handed to optional service accounts' own groups.
pub const FIRST_SERVICE_GID: u32 = 109;

/// Optional service accounts a package install adds: (name, gecos, home, shell).
pub const SERVICE_ACCOUNTS: &[(&str, &str, &str, &str)] = &[
    (
        "postgres",
        "PostgreSQL administrator,,,",
        "/var/lib/postgresql",
        "/bin/bash",
    ),
    ("mysql", "MySQL Server,,,", "/nonexistent", "/bin/false"),
    ("redis", "", "/var/lib/redis", "/usr/sbin/nologin"),
    ("Debian-exim", "", "/var/spool/exim4", "/usr/sbin/nologin"),
    ("tcpdump", "", "/nonexistent", "/usr/sbin/nologin"),
    ("_chrony", "Chrony daemon,,,", "/var/lib/chrony", "/usr/sbin/nologin"),
    ("tss", "TPM software stack,,,", "/var/lib/tpm", "/bin/false"),
];

/// Login names for the 0–2 human accounts (uid ≥ 1000).
pub const HUMAN_NAMES: &[(&str, &str)] = &[
    ("debian", "Debian"),
    ("admin", "admin"),
    ("deploy", "Deploy User"),
    ("john", "John Smith"),
    ("alex", "Alex"),
    ("mike", "Mike"),
    ("dev", "dev"),
    ("user", "user"),
    ("sysadmin", "System Administrator"),
    ("marco", "Marco Rossi"),
    ("anna", "Anna"),
    ("pavel", "Pavel"),
    ("git", "git"),
    ("backup-op", "Backup Operator"),
];

/// Role words for generated hostnames.
pub const HOST_WORDS: &[&str] = &[
    "web", "app", "db", "mail", "backup", "node", "git", "dev", "prod", "api", "proxy", "vpn", "monitor", "srv",
    "files", "build", "ci", "cache", "edge", "mx",
];

/// Site words for generated hostnames (datacentre or city codes).
pub const SITE_WORDS: &[&str] = &[
    "fra", "ams", "lon", "par", "nyc", "sfo", "sgp", "tor", "waw", "hel", "muc", "ber", "dal", "chi", "syd", "tyo",
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kernels_are_sorted_and_unique() {
        for pair in KERNELS.windows(2) {
            assert!(pair[0].abi < pair[1].abi);
            assert!(pair[0].date < pair[1].date);
        }
    }

    #[test]
    fn every_host_template_is_complete() {
        for host in HOSTS {
            assert!(
                !host.ouis.is_empty() && !host.nic_names.is_empty() && !host.disks.is_empty(),
                "{}",
                host.name
            );
            assert!(
                !host.cpus.is_empty() && !host.cpu_counts.is_empty() && !host.ram_gib.is_empty(),
                "{}",
                host.name
            );
            for oui in host.ouis {
                assert_eq!(oui[0] & 0x01, 0, "{}: a NIC OUI is unicast", host.name);
            }
        }
    }

    #[test]
    fn system_account_ids_are_unique() {
        let mut uids: Vec<u32> = SYSTEM_USERS.iter().map(|u| u.1).collect();
        uids.sort_unstable();
        uids.dedup();
        assert_eq!(uids.len(), SYSTEM_USERS.len());
        let mut gids: Vec<u32> = SYSTEM_GROUPS.iter().map(|g| g.1).collect();
        gids.sort_unstable();
        gids.dedup();
        assert_eq!(gids.len(), SYSTEM_GROUPS.len());
        assert!(SYSTEM_GROUPS.iter().all(|g| g.1 < FIRST_SERVICE_GID || g.1 >= 997));
    }
}

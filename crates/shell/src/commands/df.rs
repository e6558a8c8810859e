//! `df` from coreutils 9.1: the persona's disks plus the `udev` and `tmpfs` mounts a Debian 12 server has, sized
//! from its RAM as the kernel and systemd size them; `-h -H -T -i -k -m -B`, `-x`/`-t` type filters and paths.
//! Also the mount table `mount` lists, so the two agree.

use super::{prog, Command, Ctx};
use crate::persona::Persona;

/// The `df` command.
pub struct Df;

/// Most operands honoured.
const MAX_OPERANDS: usize = 64;

/// One mounted filesystem as `df` and `mount` see it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Mount {
    /// Device or pseudo source (`udev`, `tmpfs`, `/dev/vda1`).
    pub(crate) source: String,
    /// Filesystem type.
    pub(crate) fs_type: String,
    /// Size in KiB.
    pub(crate) size: u64,
    /// Used KiB.
    pub(crate) used: u64,
    /// Available KiB.
    pub(crate) avail: u64,
    /// Total inodes (0 when the filesystem has none, like vfat).
    pub(crate) inodes: u64,
    /// Used inodes.
    pub(crate) iused: u64,
    /// Mount point.
    pub(crate) target: String,
    /// The option string `mount` prints.
    pub(crate) options: String,
}

/// The block and tmpfs mounts, in the order Debian 12 mounts them.
pub(crate) fn mounts(p: &Persona) -> Vec<Mount> {
    let total = p.mem_kib();
    let round4 = |v: u64| v / 4 * 4;
    let tmp_inodes = total / 8;
    let tmpfs = |source: &str, target: &str, size: u64, used: u64, iused: u64, opts: String| Mount {
        source: source.to_owned(),
        fs_type: if source == "udev" { "devtmpfs" } else { "tmpfs" }.to_owned(),
        size,
        used,
        avail: size.saturating_sub(used),
        inodes: tmp_inodes,
        iused,
        target: target.to_owned(),
        options: opts,
    };
    let udev_size = round4(total / 2 - total / 50);
    let run_size = round4(total / 10);
    let run_used = 500 + p.noise_seed % 700;
    let mut out = vec![
        tmpfs(
            "udev",
            "/dev",
            udev_size,
            0,
            380 + p.noise_seed % 60,
            format!("rw,nosuid,relatime,size={udev_size}k,nr_inodes={tmp_inodes},mode=755,inode64"),
        ),
        tmpfs(
            "tmpfs",
            "/run",
            run_size,
            run_used,
            620 + p.noise_seed % 200,
            format!("rw,nosuid,nodev,noexec,relatime,size={run_size}k,mode=755,inode64"),
        ),
    ];
    let disk_mount = |d: &crate::persona::Disk| {
        let ext4 = d.fs_type == "ext4";
        Mount {
            source: d.device.clone(),
            fs_type: d.fs_type.clone(),
            size: d.size_kib,
            used: d.used_kib,
            avail: d.avail_kib(),
            inodes: if ext4 { d.size_kib / 16 } else { 0 },
            iused: if ext4 { 28_000 + d.used_kib / 60 } else { 0 },
            target: d.mount.clone(),
            options: if ext4 {
                "rw,relatime,errors=remount-ro".to_owned()
            } else {
                "rw,relatime,fmask=0022,dmask=0022,codepage=437,iocharset=ascii,shortname=mixed,utf8,errors=remount-ro"
                    .to_owned()
            },
        }
    };
    out.extend(p.df_rows().iter().filter(|d| d.mount == "/").map(disk_mount));
    let shm = round4(total / 2);
    out.push(tmpfs(
        "tmpfs",
        "/dev/shm",
        shm,
        0,
        1,
        "rw,nosuid,nodev,inode64".to_owned(),
    ));
    out.push(tmpfs(
        "tmpfs",
        "/run/lock",
        5120,
        0,
        3,
        "rw,nosuid,nodev,noexec,relatime,size=5120k,inode64".to_owned(),
    ));
    out.extend(p.df_rows().iter().filter(|d| d.mount != "/").map(disk_mount));
    out
}

/// GNU `human_readable` with ceiling rounding: `0`, `4.0K`, `1.1M`, `12G`; `si` uses powers of 1000.
fn human(kib: u64, si: bool) -> String {
    let base = if si { 1000.0 } else { 1024.0 };
    let mut v = kib as f64 * 1024.0;
    if v < base {
        return format!("{}", v as u64);
    }
    let units = ["K", "M", "G", "T", "P", "E"];
    let mut exp = 0usize;
    while v >= base && exp < units.len() {
        v /= base;
        exp += 1;
    }
    let mut unit = units.get(exp - 1).copied().unwrap_or("E");
    if v < 10.0 {
        let r = (v * 10.0).ceil() / 10.0;
        if r < 10.0 {
            return format!("{r:.1}{unit}");
        }
        return format!("{}{unit}", r as u64);
    }
    let mut r = v.ceil();
    if r >= base {
        r = 1.0;
        unit = units.get(exp).copied().unwrap_or("E");
        return format!("{r:.1}{unit}");
    }
    format!("{}{unit}", r as u64)
}

/// `Use%`: used over used plus available, rounded up; `-` when both are zero.
fn percent(used: u64, avail: u64) -> String {
    let all = used + avail;
    if all == 0 {
        "-".to_owned()
    } else {
        format!("{}%", (used * 100).div_ceil(all))
    }
}

impl Command for Df {
    fn names(&self) -> &'static [&'static str] {
        &["df", "/bin/df", "/usr/bin/df"]
    }

    fn run(&self, ctx: &mut Ctx, args: &[String], _stdin: &[u8]) -> i32 {
        let p = prog(args).to_owned();
        let (mut human_mode, mut si, mut show_type, mut inodes, mut block) = (false, false, false, false, 1u64);
        let mut only: Vec<String> = Vec::new();
        let mut exclude: Vec<String> = Vec::new();
        let mut total = false;
        let mut operands: Vec<String> = Vec::new();
        let mut it = args.iter().skip(1);
        while let Some(arg) = it.next() {
            let a = arg.as_str();
            match a {
                "--human-readable" => human_mode = true,
                "--si" => si = true,
                "--print-type" => show_type = true,
                "--inodes" => inodes = true,
                "--total" => total = true,
                "--all" | "--local" | "--portability" | "--sync" | "--no-sync" => {}
                _ if a.starts_with("--type=") => only.push(a[7..].to_owned()),
                _ if a.starts_with("--exclude-type=") => exclude.push(a[15..].to_owned()),
                _ if a.starts_with("--") => return ctx.invalid_option(&p, a),
                _ if a.starts_with('-') && a.len() > 1 => {
                    let flags = &a[1..];
                    for (i, c) in flags.char_indices() {
                        match c {
                            'h' => human_mode = true,
                            'H' => si = true,
                            'T' => show_type = true,
                            'i' => inodes = true,
                            'k' => block = 1,
                            'm' => block = 1024,
                            'a' | 'l' | 'P' => {}
                            't' | 'x' | 'B' => {
                                let rest = &flags[i + 1..];
                                let v = if rest.is_empty() {
                                    it.next().cloned()
                                } else {
                                    Some(rest.to_owned())
                                };
                                let Some(v) = v else {
                                    ctx.err(format!(
                                        "{p}: option requires an argument -- '{c}'\nTry '{p} --help' for more \
                                         information.\n"
                                    ));
                                    return 1;
                                };
                                match c {
                                    't' => only.push(v),
                                    'x' => exclude.push(v),
                                    _ => {
                                        block = match v.as_str() {
                                            "K" | "1K" | "KiB" => 1,
                                            "M" | "1M" | "MiB" => 1024,
                                            "G" | "1G" | "GiB" => 1024 * 1024,
                                            _ => 1,
                                        }
                                    }
                                }
                                break;
                            }
                            _ => return ctx.invalid_option(&p, &format!("-{c}")),
                        }
                    }
                }
                _ => operands.push(a.to_owned()),
            }
        }
        operands.truncate(MAX_OPERANDS);
        let all = mounts(&ctx.session.persona);
        let mut rows: Vec<&Mount> = Vec::new();
        let mut status = 0;
        if operands.is_empty() {
            rows = all
                .iter()
                .filter(|m| only.is_empty() || only.contains(&m.fs_type))
                .filter(|m| !exclude.contains(&m.fs_type))
                .collect();
        } else {
            let cwd = ctx.session.cwd.clone();
            for op in &operands {
                let s = &*ctx.session;
                if let Err(e) = s.fs.stat(&cwd, op) {
                    ctx.err(format!("{p}: {op}: {}\n", e.message()));
                    status = 1;
                    continue;
                }
                let path = s.fs.canonicalize(&cwd, op).unwrap_or_else(|_| "/".to_owned());
                let best = all
                    .iter()
                    .filter(|m| m.target == "/" || path == m.target || path.starts_with(&format!("{}/", m.target)))
                    .max_by_key(|m| m.target.len());
                if let Some(m) = best {
                    rows.push(m);
                }
            }
        }
        if rows.is_empty() {
            if status == 0 {
                ctx.err(format!("{p}: no file systems processed\n"));
            }
            return 1;
        }
        let mut table: Vec<Vec<String>> = Vec::new();
        let size_head = if human_mode || si {
            "Size".to_owned()
        } else {
            match block {
                1024 => "1M-blocks".to_owned(),
                1_048_576 => "1G-blocks".to_owned(),
                _ => "1K-blocks".to_owned(),
            }
        };
        let mut head = vec!["Filesystem".to_owned()];
        if show_type {
            head.push("Type".to_owned());
        }
        if inodes {
            head.extend(["Inodes", "IUsed", "IFree", "IUse%"].map(str::to_owned));
        } else {
            head.extend(
                [
                    size_head.as_str(),
                    "Used",
                    if human_mode || si { "Avail" } else { "Available" },
                    "Use%",
                ]
                .map(str::to_owned),
            );
        }
        head.push("Mounted on".to_owned());
        table.push(head);
        let fmt = |kib: u64| -> String {
            if human_mode || si {
                human(kib, si && !human_mode)
            } else {
                kib.div_ceil(block).to_string()
            }
        };
        let fmt_count = |n: u64| -> String {
            if human_mode || si {
                if n < 1000 {
                    n.to_string()
                } else {
                    human(n.div_ceil(1024), false)
                }
            } else {
                n.to_string()
            }
        };
        let mut sums = [0u64; 3];
        for m in &rows {
            let mut r = vec![m.source.clone()];
            if show_type {
                r.push(m.fs_type.clone());
            }
            if inodes {
                let ifree = m.inodes.saturating_sub(m.iused);
                r.extend([
                    fmt_count(m.inodes),
                    fmt_count(m.iused),
                    fmt_count(ifree),
                    percent(m.iused, ifree),
                ]);
                sums = [sums[0] + m.inodes, sums[1] + m.iused, sums[2] + ifree];
            } else {
                r.extend([fmt(m.size), fmt(m.used), fmt(m.avail), percent(m.used, m.avail)]);
                sums = [sums[0] + m.size, sums[1] + m.used, sums[2] + m.avail];
            }
            r.push(m.target.clone());
            table.push(r);
        }
        if total {
            let mut r = vec!["total".to_owned()];
            if show_type {
                r.push("-".to_owned());
            }
            if inodes {
                r.extend([fmt_count(sums[0]), fmt_count(sums[1]), fmt_count(sums[2])]);
            } else {
                r.extend([fmt(sums[0]), fmt(sums[1]), fmt(sums[2])]);
            }
            r.push(percent(sums[1], sums[2]));
            r.push("-".to_owned());
            table.push(r);
        }
        let ncol = table.first().map_or(0, Vec::len);
        let mut widths = vec![0usize; ncol];
        for (i, w) in widths.iter_mut().enumerate() {
            let min = match (i, show_type) {
                (0, _) => 14,
                (1, true) => 4,
                _ if i + 2 == ncol => {
                    if inodes {
                        5
                    } else {
                        4
                    }
                }
                _ => 5,
            };
            *w = table
                .iter()
                .filter_map(|r| r.get(i))
                .map(|c| c.chars().count())
                .max()
                .unwrap_or(0)
                .max(min);
        }
        let mut out = String::new();
        for r in &table {
            let mut line = String::new();
            for (i, c) in r.iter().enumerate() {
                let w = widths.get(i).copied().unwrap_or(0);
                if i > 0 {
                    line.push(' ');
                }
                let left = i == 0 || (i == 1 && show_type);
                if i + 1 == ncol {
                    line.push_str(c);
                } else if left {
                    line.push_str(&format!("{c:<w$}"));
                } else {
                    line.push_str(&format!("{c:>w$}"));
                }
            }
            out.push_str(&line);
            out.push('\n');
        }
        ctx.out(out);
        status
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::commands::testing::{check, session};

    #[test]
    fn human_rounds_up() {
        assert_eq!(human(0, false), "0");
        assert_eq!(human(4, false), "4.0K");
        assert_eq!(human(1052, false), "1.1M");
        assert_eq!(human(12_334_524, false), "12G");
        assert_eq!(human(5120, false), "5.0M");
        assert_eq!(percent(21_920_792, 73_365_096), "24%");
        assert_eq!(percent(0, 0), "-");
    }

    #[test]
    fn df_lists_the_persona_disks() {
        let s = session();
        let ms = mounts(&s.persona);
        assert_eq!(ms[0].source, "udev");
        assert!(ms
            .iter()
            .any(|m| m.target == "/" && m.source == s.persona.disks[0].device));
        let out = String::from_utf8(session().run_line("df").stdout).unwrap();
        let lines: Vec<&str> = out.lines().collect();
        assert_eq!(lines.len(), ms.len() + 1);
        assert!(lines[0].starts_with("Filesystem     1K-blocks "), "{out}");
        assert!(lines[0].ends_with(" Use% Mounted on"), "{out}");
        let root = &s.persona.disks[0];
        let want = format!(" {} {} {:>9} ", root.size_kib, root.used_kib, root.avail_kib());
        assert!(lines[3].starts_with(&root.device) && lines[3].contains(&want), "{out}");
        let h = String::from_utf8(session().run_line("df -hT").stdout).unwrap();
        assert!(
            h.starts_with("Filesystem     Type      Size  Used Avail Use% Mounted on\nudev           devtmpfs "),
            "{h}"
        );
        check(
            "df /nonexistent",
            "",
            "df: /nonexistent: No such file or directory\n",
            1,
        );
    }
}

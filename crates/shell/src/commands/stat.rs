//! `stat` from coreutils: the default multi-line report, `-L`, and `-c`/`--format` with the common directives.
//!
//! The fake fs keeps only mtime, so access, change and birth times show it too; nanoseconds and inode numbers are
//! derived from the path so they stay stable across calls.

use super::ls::{blocks_kib, civil, device_numbers, group_name, inode, link_count, mode_string, user_name};
use super::{prog, Command, Ctx};
use crate::fs::{Kind, Stat};

/// The `stat` command.
pub struct StatCmd;

/// `%F`: the file type in words.
fn type_name(st: &Stat) -> &'static str {
    match st.kind {
        Kind::File if st.size == 0 => "regular empty file",
        Kind::File => "regular file",
        Kind::Dir => "directory",
        Kind::Symlink => "symbolic link",
        Kind::CharDevice => "character special file",
        Kind::BlockDevice => "block special file",
    }
}

/// `%y`: `2026-11-28 08:39:25.715850894 +0000`.
fn full_time(secs: i64, nanos: u64) -> String {
    let (y, mo, d, h, mi, s) = civil(secs);
    format!("{y:04}-{mo:02}-{d:02} {h:02}:{mi:02}:{s:02}.{nanos:09} +0000")
}

/// The `Device:` numbers of the root filesystem, from the persona's first disk.
fn root_device(ctx: &Ctx) -> (u32, u32) {
    let dev = ctx.session.persona.disks.first().map_or("sda1", |d| d.device.as_str());
    let dev = dev.rsplit('/').next().unwrap_or(dev);
    let part = dev.chars().last().and_then(|c| c.to_digit(10)).unwrap_or(1);
    if dev.starts_with("vd") {
        (254, part)
    } else if dev.starts_with("nvme") {
        (259, part)
    } else {
        (8, part)
    }
}

/// Everything one report needs.
struct Info {
    name: String,
    st: Stat,
    target: Option<String>,
    ino: u64,
    links: u64,
    nanos: u64,
    dev: (u32, u32),
    user: String,
    group: String,
}

impl Info {
    fn default_report(&self) -> String {
        let st = &self.st;
        let file = match &self.target {
            Some(t) => format!("{} -> {t}", self.name),
            None => self.name.clone(),
        };
        let blocks = blocks_kib(st) * 2;
        let is_dev = matches!(st.kind, Kind::CharDevice | Kind::BlockDevice);
        let links = if is_dev {
            let (ma, mi) = device_numbers(&self.name);
            format!("Links: {:<5} Device type: {ma},{mi}", self.links)
        } else {
            format!("Links: {}", self.links)
        };
        let time = full_time(st.mtime, self.nanos);
        format!(
            "  File: {file}\n  Size: {:<10}\tBlocks: {blocks:<10} IO Block: 4096   {}\nDevice: {},{}\tInode: {:<11} {links}\n\
             Access: ({:04o}/{})  Uid: ({:>5}/{:>8})   Gid: ({:>5}/{:>8})\nAccess: {time}\nModify: {time}\n\
             Change: {time}\n Birth: {time}\n",
            st.size,
            type_name(st),
            self.dev.0,
            self.dev.1,
            self.ino,
            st.mode,
            mode_string(st.kind, st.mode),
            st.uid,
            self.user,
            st.gid,
            self.group,
        )
    }

    fn format(&self, fmt: &str) -> String {
        let st = &self.st;
        let mut out = String::new();
        let mut chars = fmt.chars();
        while let Some(c) = chars.next() {
            if c != '%' {
                out.push(c);
                continue;
            }
            let Some(d) = chars.next() else {
                out.push('%');
                break;
            };
            let time = full_time(st.mtime, self.nanos);
            let piece = match d {
                '%' => "%".to_owned(),
                'n' => self.name.clone(),
                'N' => match &self.target {
                    Some(t) => format!("'{}' -> '{t}'", self.name),
                    None => format!("'{}'", self.name),
                },
                's' => st.size.to_string(),
                'a' => format!("{:o}", st.mode),
                'A' => mode_string(st.kind, st.mode),
                'f' => format!("{:x}", st.mode | kind_bits(st.kind)),
                'F' => type_name(st).to_owned(),
                'u' => st.uid.to_string(),
                'U' => self.user.clone(),
                'g' => st.gid.to_string(),
                'G' => self.group.clone(),
                'i' => self.ino.to_string(),
                'h' => self.links.to_string(),
                'b' => (blocks_kib(st) * 2).to_string(),
                'B' => "512".to_owned(),
                'o' => "4096".to_owned(),
                'd' => (self.dev.0 * 256 + self.dev.1).to_string(),
                'D' => format!("{:x}", self.dev.0 * 256 + self.dev.1),
                'x' | 'y' | 'z' | 'w' => time,
                'X' | 'Y' | 'Z' | 'W' => st.mtime.to_string(),
                other => format!("?{other}"),
            };
            out.push_str(&piece);
        }
        out.push('\n');
        out
    }
}

/// The `S_IFMT` bits of a kind, for `%f`.
fn kind_bits(kind: Kind) -> u32 {
    match kind {
        Kind::Dir => 0o040000,
        Kind::File => 0o100000,
        Kind::Symlink => 0o120000,
        Kind::CharDevice => 0o020000,
        Kind::BlockDevice => 0o060000,
    }
}

impl Command for StatCmd {
    fn names(&self) -> &'static [&'static str] {
        &["stat", "/bin/stat", "/usr/bin/stat"]
    }

    fn run(&self, ctx: &mut Ctx, args: &[String], _stdin: &[u8]) -> i32 {
        let p = prog(args).to_owned();
        let mut deref = false;
        let mut fmt: Option<String> = None;
        let mut files: Vec<&str> = Vec::new();
        let mut it = args.iter().skip(1);
        let mut done = false;
        while let Some(arg) = it.next() {
            if done || !arg.starts_with('-') || arg == "-" {
                files.push(arg);
                continue;
            }
            match arg.as_str() {
                "--" => done = true,
                "-L" | "--dereference" => deref = true,
                "-t" | "--terse" => fmt = Some("%n %s %b %f %u %g %D %i %h 0 0 %X %Y %Z %W 4096".to_owned()),
                "-c" => match it.next() {
                    Some(f) => fmt = Some(f.clone()),
                    None => {
                        return super::ls::missing(ctx, &p, "option requires an argument -- 'c'");
                    }
                },
                a if a.starts_with("--format=") => fmt = Some(a["--format=".len()..].to_owned()),
                a if a.starts_with("-c") => fmt = Some(a[2..].to_owned()),
                a => return ctx.invalid_option(&p, a),
            }
        }
        if files.is_empty() {
            return super::ls::missing(ctx, &p, "missing operand");
        }
        let dev = root_device(ctx);
        let mut status = 0;
        for file in files {
            let s = &*ctx.session;
            let st = if deref {
                s.fs.stat(&s.cwd, file)
            } else {
                s.fs.lstat(&s.cwd, file)
            };
            let st = match st {
                Ok(st) => st,
                Err(e) => {
                    ctx.err(format!("{p}: cannot statx '{file}': {}\n", e.message()));
                    status = 1;
                    continue;
                }
            };
            let target = (st.kind == Kind::Symlink)
                .then(|| s.fs.read_link(&s.cwd, file).map(|t| t.to_string()).unwrap_or_default());
            let ino = inode(s, file);
            let is_dev = matches!(st.kind, Kind::CharDevice | Kind::BlockDevice);
            let info = Info {
                name: file.to_owned(),
                st,
                target,
                ino,
                links: link_count(s, file, &st),
                nanos: ino.wrapping_mul(2_654_435_761) % 1_000_000_000,
                dev: if is_dev { (0, 5) } else { dev },
                user: user_name(s, st.uid),
                group: group_name(s, st.gid),
            };
            let text = match &fmt {
                Some(f) => info.format(f),
                None => info.default_report(),
            };
            ctx.out(text);
        }
        status
    }
}

#[cfg(test)]
mod tests {
    use crate::commands::testing::{check, check_in, session};

    #[test]
    fn stat() {
        check(
            "stat -c '%n %s %a %A %U %G %F' /etc/hostname /etc /dev/null",
            "/etc/hostname 7 644 -rw-r--r-- root root regular file\n/etc 4096 755 drwxr-xr-x root root directory\n\
             /dev/null 0 666 crw-rw-rw- root root character special file\n",
            "",
            0,
        );
        check(
            "stat /nope",
            "",
            "stat: cannot statx '/nope': No such file or directory\n",
            1,
        );
        check(
            "stat",
            "",
            "stat: missing operand\nTry 'stat --help' for more information.\n",
            1,
        );
        let mut s = session();
        let out = s.run_line("stat /etc/hostname");
        let text = String::from_utf8_lossy(&out.stdout).into_owned();
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines.first().copied(), Some("  File: /etc/hostname"));
        assert_eq!(
            lines.get(1).copied(),
            Some("  Size: 7         \tBlocks: 8          IO Block: 4096   regular file")
        );
        assert_eq!(
            lines.get(3).copied(),
            Some("Access: (0644/-rw-r--r--)  Uid: (    0/    root)   Gid: (    0/    root)")
        );
        assert!(lines
            .get(5)
            .is_some_and(|l| l.starts_with("Modify: 2023-06-10 00:00:00.")));
        check_in(
            &mut s,
            "ln -s /etc/hostname /tmp/l; stat -c %N /tmp/l",
            "'/tmp/l' -> '/etc/hostname'\n",
            "",
            0,
        );
    }
}

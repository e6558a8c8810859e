//! `file` (libmagic 5.44): a type guess from the first bytes: ELF headers, shebang scripts, ASCII/UTF-8 text,
//! gzip/zip/tar, empty files, directories, devices and symlinks.

use super::ls::inode;
use super::{prog, Command, Ctx};
use crate::fs::Kind;

/// The `file` command.
pub struct File;

/// Little- or big-endian integer of `n` bytes at `off`.
fn int(b: &[u8], off: usize, n: usize, le: bool) -> Option<u64> {
    let s = b.get(off..off.checked_add(n)?)?;
    let mut v = 0u64;
    for i in 0..n {
        let byte = if le { s.get(n - 1 - i)? } else { s.get(i)? };
        v = v << 8 | u64::from(*byte);
    }
    Some(v)
}

/// The description of an ELF image, as far as the header tells.
fn elf(b: &[u8]) -> String {
    let (Some(&class), Some(&data)) = (b.get(4), b.get(5)) else {
        return "ELF".to_owned();
    };
    let bits = match class {
        1 => "32-bit",
        2 => "64-bit",
        _ => return "ELF".to_owned(),
    };
    let le = data == 1;
    let wide = class == 2;
    let Some(e_type) = int(b, 16, 2, le) else {
        return "ELF".to_owned();
    };
    let machine = match int(b, 18, 2, le).unwrap_or(0) {
        0x3e => "x86-64",
        0x03 => "Intel 80386",
        0xb7 => "ARM aarch64",
        0x28 => "ARM",
        0x08 => "MIPS",
        0x14 => "PowerPC or cisco 4500",
        0x15 => "64-bit PowerPC or cisco 7500",
        0xf3 => "UCB RISC-V",
        _ => "unknown arch",
    };
    // Program headers: an interpreter means dynamic linking; DT_DEBUG-less ET_DYN with one is a PIE.
    let (phoff, phentsize, phnum) = if wide {
        (int(b, 32, 8, le), int(b, 54, 2, le), int(b, 56, 2, le))
    } else {
        (int(b, 28, 4, le), int(b, 42, 2, le), int(b, 44, 2, le))
    };
    let mut interp = None;
    let mut dynamic = false;
    if let (Some(off), Some(size), Some(num)) = (phoff, phentsize, phnum) {
        for i in 0..num.min(64) {
            let base = (off + i * size) as usize;
            match int(b, base, 4, le) {
                Some(3) => {
                    let (o, n) = if wide {
                        (int(b, base + 8, 8, le), int(b, base + 32, 8, le))
                    } else {
                        (int(b, base + 4, 4, le), int(b, base + 16, 4, le))
                    };
                    if let (Some(o), Some(n)) = (o, n) {
                        let o = o as usize;
                        let text = b.get(o..o.saturating_add(n.min(256) as usize)).unwrap_or_default();
                        let text = text.split(|&c| c == 0).next().unwrap_or_default();
                        interp = Some(String::from_utf8_lossy(text).into_owned());
                    }
                }
                Some(2) => dynamic = true,
                _ => {}
            }
        }
    }
    let kind = match e_type {
        1 => "relocatable",
        2 => "executable",
        3 if interp.is_some() => "pie executable",
        3 => "shared object",
        4 => "core file",
        _ => "unknown type",
    };
    let endian = if le { "LSB" } else { "MSB" };
    let mut out = format!("ELF {bits} {endian} {kind}, {machine}, version 1 (SYSV)");
    if e_type == 2 || e_type == 3 {
        match &interp {
            Some(i) => out.push_str(&format!(", dynamically linked, interpreter {i}")),
            None if dynamic => out.push_str(", dynamically linked"),
            None => out.push_str(", statically linked"),
        }
    }
    // Section headers: a symbol table means "not stripped".
    let (shoff, shentsize, shnum) = if wide {
        (int(b, 40, 8, le), int(b, 58, 2, le), int(b, 60, 2, le))
    } else {
        (int(b, 32, 4, le), int(b, 46, 2, le), int(b, 48, 2, le))
    };
    if let (Some(off), Some(size), Some(num)) = (shoff, shentsize, shnum) {
        if off > 0 && num > 0 {
            let symtab = (0..num.min(256)).any(|i| int(b, (off + i * size) as usize + 4, 4, le) == Some(2));
            out.push_str(if symtab { ", not stripped" } else { ", stripped" });
        }
    }
    out
}

/// The description of a file's bytes.
pub(crate) fn describe(b: &[u8], executable: bool) -> String {
    if b.is_empty() {
        return "empty".to_owned();
    }
    if b.starts_with(b"\x7fELF") {
        return elf(b);
    }
    if b.starts_with(&[0x1f, 0x8b]) {
        return "gzip compressed data, from Unix".to_owned();
    }
    if b.starts_with(b"PK\x03\x04") && b.len() > 30 {
        return "Zip archive data, at least v2.0 to extract, compression method=deflate".to_owned();
    }
    if b.starts_with(b"BZh") {
        return "bzip2 compressed data, block size = 900k".to_owned();
    }
    if b.starts_with(&[0xfd, b'7', b'z', b'X', b'Z', 0]) {
        return "XZ compressed data, checksum CRC64".to_owned();
    }
    if b.get(257..262) == Some(b"ustar") {
        return "POSIX tar archive (GNU)".to_owned();
    }
    let text = match std::str::from_utf8(b) {
        Ok(t)
            if !t
                .chars()
                .any(|c| c.is_control() && !matches!(c, '\n' | '\r' | '\t' | '\x0c' | '\x1b')) =>
        {
            t
        }
        _ => return "data".to_owned(),
    };
    let mut desc = if text.is_ascii() {
        "ASCII text".to_owned()
    } else {
        "Unicode text, UTF-8 text".to_owned()
    };
    if text.contains("\r\n") {
        desc.push_str(", with CRLF line terminators");
    } else if !text.contains('\n') {
        desc.push_str(", with no line terminators");
    }
    if let Some(first) = text.strip_prefix("#!") {
        let line = first.lines().next().unwrap_or("").trim();
        let mut words = line.split_whitespace();
        let mut prog = words.next().unwrap_or("").rsplit('/').next().unwrap_or("");
        if prog == "env" {
            prog = words.next().unwrap_or("");
        }
        let kind = match prog {
            "sh" | "dash" => "POSIX shell script".to_owned(),
            "bash" => "Bourne-Again shell script".to_owned(),
            p if p.starts_with("python") => "Python script".to_owned(),
            "perl" => "Perl script".to_owned(),
            "ruby" => "Ruby script".to_owned(),
            "php" => "PHP script".to_owned(),
            p => format!("a {p} script"),
        };
        let exec = if executable { " executable" } else { "" };
        return format!("{kind}, {desc}{exec}");
    }
    desc
}

impl Command for File {
    fn names(&self) -> &'static [&'static str] {
        &["file", "/bin/file", "/usr/bin/file"]
    }

    fn run(&self, ctx: &mut Ctx, args: &[String], _stdin: &[u8]) -> i32 {
        let p = prog(args).to_owned();
        let mut brief = false;
        let mut deref = false;
        let mut files: Vec<&str> = Vec::new();
        for arg in args.iter().skip(1) {
            match arg.as_str() {
                "-b" | "--brief" => brief = true,
                "-L" | "--dereference" => deref = true,
                "-h" | "--no-dereference" => deref = false,
                a if a.starts_with('-') && a.len() > 1 => return ctx.invalid_option(&p, a),
                a => files.push(a),
            }
        }
        if files.is_empty() {
            ctx.err(format!("Usage: {p} [-bcCdEhikLlNnprsSvzZ0] [--apple] [--extension] [--mime-encoding]\n            [--mime-type] [-e <testname>] [-F <separator>]  [-f <namefile>]\n            [-m <magicfiles>] [-P <parameter=value>] [--exclude-quiet]\n            <file> ...\n       {p} -C [-m <magicfiles>]\n       {p} [--help]\n"));
            return 1;
        }
        let width = files.iter().map(|f| f.chars().count()).max().unwrap_or(0) + 1;
        for f in files {
            let s = &*ctx.session;
            let st = if deref {
                s.fs.stat(&s.cwd, f)
            } else {
                s.fs.lstat(&s.cwd, f)
            };
            let desc = match st {
                Err(e) => format!("cannot open `{f}' ({})", e.message()),
                Ok(st) => match st.kind {
                    Kind::Dir => "directory".to_owned(),
                    Kind::Symlink => {
                        let t = s.fs.read_link(&s.cwd, f).map(|t| t.to_string()).unwrap_or_default();
                        if s.fs.stat(&s.cwd, f).is_ok() {
                            format!("symbolic link to {t}")
                        } else {
                            format!("broken symbolic link to {t}")
                        }
                    }
                    Kind::CharDevice => {
                        let (a, b) = super::ls::device_numbers(f);
                        format!("character special ({a}/{b})")
                    }
                    Kind::BlockDevice => {
                        let (a, b) = super::ls::device_numbers(f);
                        format!("block special ({a}/{b})")
                    }
                    Kind::File => {
                        let bytes = s.read_file(f).unwrap_or_default();
                        if bytes.is_empty() && st.size > 0 && st.mode & 0o111 != 0 {
                            // A metadata-only system binary: describe it as Debian's binaries are.
                            let id = inode(s, f).wrapping_mul(0x9e37_79b9_7f4a_7c15);
                            format!(
                                "ELF 64-bit LSB pie executable, x86-64, version 1 (SYSV), dynamically linked, \
                                 interpreter /lib64/ld-linux-x86-64.so.2, BuildID[sha1]={id:016x}{:024x}, \
                                 for GNU/Linux 3.2.0, stripped",
                                u128::from(id.rotate_left(17)) << 32 | u128::from(id as u32)
                            )
                        } else if bytes.is_empty() && st.size > 0 {
                            "data".to_owned()
                        } else {
                            describe(&bytes, st.mode & 0o111 != 0)
                        }
                    }
                },
            };
            if brief {
                ctx.out(format!("{desc}\n"));
            } else {
                ctx.out(format!("{:<width$} {desc}\n", format!("{f}:")));
            }
        }
        0
    }
}

#[cfg(test)]
mod tests {
    use crate::commands::testing::check;

    #[test]
    fn file() {
        check(
            "echo '#!/bin/bash' > /tmp/s; chmod +x /tmp/s; touch /tmp/e; file /tmp/s /tmp/e /etc /etc/hostname /x /dev/null",
            "/tmp/s:        Bourne-Again shell script, ASCII text executable\n/tmp/e:        empty\n\
             /etc:          directory\n/etc/hostname: ASCII text\n/x:            cannot open `/x' (No such file or directory)\n\
             /dev/null:     character special (1/3)\n",
            "",
            0,
        );
        check("file -b /etc/passwd", "ASCII text\n", "", 0);
        assert_eq!(super::describe(b"\x7fELF", false), "ELF");
        assert_eq!(super::describe(b"\x00\x01", false), "data");
        assert_eq!(
            super::describe(b"x\r\n", false),
            "ASCII text, with CRLF line terminators"
        );
        assert_eq!(
            super::describe("h\u{e9}\n".as_bytes(), false),
            "Unicode text, UTF-8 text"
        );
        let mut elf = vec![0u8; 64];
        elf[..4].copy_from_slice(b"\x7fELF");
        elf[4] = 2;
        elf[5] = 1;
        elf[16] = 2;
        elf[18] = 0x3e;
        assert_eq!(
            super::describe(&elf, true),
            "ELF 64-bit LSB executable, x86-64, version 1 (SYSV), statically linked"
        );
    }
}

//! `busybox` from Debian's busybox 1:1.35.0-4+b3: alone it prints the banner and applet list; `busybox APPLET args`
//! runs our emulation of that applet, and an applet the build lacks is `applet not found`.

use super::{Command, Ctx};

/// The `busybox` command.
pub struct Busybox;

/// `busybox` with no arguments, byte for byte (the applet list wrapped as on an 80-column terminal).
const BANNER: &str = concat!(
    "BusyBox v1.35.0 (Debian 1:1.35.0-4+b3) multi-call binary.\n",
    "BusyBox is copyrighted by many authors between 1998-2015.\n",
    "Licensed under GPLv2. See source distribution for detailed\n",
    "copyright notices.\n",
    "\n",
    "Usage: busybox [function [arguments]...]\n",
    "   or: busybox --list[-full]\n",
    "   or: busybox --show SCRIPT\n",
    "   or: busybox --install [-s] [DIR]\n",
    "   or: function [arguments]...\n",
    "\n",
    "\tBusyBox is a multi-call binary that combines many common Unix\n",
    "\tutilities into a single executable.  Most people will create a\n",
    "\tlink to busybox for each function they wish to use and BusyBox\n",
    "\twill act like whatever it was invoked as.\n",
    "\n",
    "Currently defined functions:\n",
    "\t[, [[, acpid, adjtimex, ar, arch, arp, arping, ascii, ash, awk, base64,\n",
    "\tbasename, bc, blkdiscard, blkid, blockdev, brctl, bunzip2, bzcat,\n",
    "\tbzip2, cal, cat, chgrp, chmod, chown, chroot, chvt, clear, cmp, cp,\n",
    "\tcpio, crc32, cttyhack, cut, date, dc, dd, deallocvt, depmod, devmem,\n",
    "\tdf, diff, dirname, dmesg, dnsdomainname, dos2unix, du, dumpkmap,\n",
    "\tdumpleases, echo, egrep, env, expand, expr, factor, fallocate, false,\n",
    "\tfatattr, fdisk, fgrep, find, findfs, fold, free, freeramdisk, fsfreeze,\n",
    "\tfstrim, ftpget, ftpput, getopt, getty, grep, groups, gunzip, gzip,\n",
    "\thalt, head, hexdump, hostid, hostname, httpd, hwclock, i2cdetect,\n",
    "\ti2cdump, i2cget, i2cset, i2ctransfer, id, ifconfig, ifdown, ifup, init,\n",
    "\tinsmod, ionice, ip, ipcalc, ipneigh, kill, killall, klogd, last, less,\n",
    "\tlink, linux32, linux64, linuxrc, ln, loadfont, loadkmap, logger, login,\n",
    "\tlogname, logread, losetup, ls, lsmod, lsscsi, lzcat, lzma, lzop,\n",
    "\tmd5sum, mdev, microcom, mim, mkdir, mkdosfs, mke2fs, mkfifo, mknod,\n",
    "\tmkpasswd, mkswap, mktemp, modinfo, modprobe, more, mount, mt, mv,\n",
    "\tnameif, nc, netstat, nl, nologin, nproc, nsenter, nslookup, nuke, od,\n",
    "\topenvt, partprobe, paste, patch, pidof, ping, ping6, pivot_root,\n",
    "\tpoweroff, printf, ps, pwd, rdate, readlink, realpath, reboot, renice,\n",
    "\treset, resume, rev, rm, rmdir, rmmod, route, rpm, rpm2cpio, run-init,\n",
    "\trun-parts, sed, seq, setkeycodes, setpriv, setsid, sh, sha1sum,\n",
    "\tsha256sum, sha3sum, sha512sum, shred, shuf, sleep, sort, ssl_client,\n",
    "\tstart-stop-daemon, stat, strings, stty, svc, svok, swapoff, swapon,\n",
    "\tswitch_root, sync, sysctl, syslogd, tac, tail, tar, taskset, tee,\n",
    "\ttelnet, test, tftp, time, timeout, top, touch, tr, traceroute,\n",
    "\ttraceroute6, true, truncate, ts, tty, ubirename, udhcpc, udhcpd,\n",
    "\tuevent, umount, uname, uncompress, unexpand, uniq, unix2dos, unlink,\n",
    "\tunlzma, unshare, unxz, unzip, uptime, usleep, uudecode, uuencode,\n",
    "\tvconfig, vi, w, watch, watchdog, wc, wget, which, who, whoami, xargs,\n",
    "\txxd, xz, xzcat, yes, zcat\n",
);

impl Command for Busybox {
    fn names(&self) -> &'static [&'static str] {
        &["busybox", "/usr/bin/busybox", "/bin/busybox"]
    }

    fn run(&self, ctx: &mut Ctx, args: &[String], stdin: &[u8]) -> i32 {
        let Some(applet) = args.get(1) else {
            ctx.out(BANNER);
            return 0;
        };
        match applet.as_str() {
            "--list" => {
                let list: String = applets().map(|a| format!("{a}\n")).collect();
                ctx.out(list);
                return 0;
            }
            "--help" => {
                ctx.out(BANNER);
                return 0;
            }
            _ => {}
        }
        let name = applet.rsplit('/').next().unwrap_or(applet);
        if !applets().any(|a| a == name) {
            ctx.err(format!("{name}: applet not found\n"));
            return 127;
        }
        let mut argv = args.get(1..).unwrap_or_default().to_vec();
        if let Some(first) = argv.first_mut() {
            *first = name.to_owned();
        }
        if name == "wget" {
            // BusyBox's own wget prints differently from GNU wget.
            return super::wget::busybox(ctx, &argv, stdin);
        }
        if super::lookup(name).is_none() {
            // An applet we do not emulate behaves as if it printed its usage.
            ctx.err(format!(
                "BusyBox v1.35.0 (Debian 1:1.35.0-4+b3) multi-call binary.\n\nUsage: {name}\n"
            ));
            return 1;
        }
        ctx.dispatch_nested(&argv, stdin)
    }
}

/// The applet names in the banner's list.
fn applets() -> impl Iterator<Item = &'static str> {
    BANNER
        .split_once("Currently defined functions:\n")
        .map_or("", |(_, list)| list)
        .split([',', ' ', '\t', '\n'])
        .filter(|a| !a.is_empty())
}

#[cfg(test)]
mod tests {
    use crate::commands::testing::{check, session};

    #[test]
    fn busybox() {
        check("busybox foo", "", "foo: applet not found\n", 127);
        check("busybox echo hi", "hi\n", "", 0);
        check("busybox cat /etc/hostname", "debian\n", "", 0);
        let out = session().run_line("busybox");
        let text = String::from_utf8_lossy(&out.stdout).into_owned();
        assert!(text.starts_with("BusyBox v1.35.0 (Debian 1:1.35.0-4+b3) multi-call binary.\n"));
        assert!(text.ends_with("\txxd, xz, xzcat, yes, zcat\n"));
        assert_eq!(super::applets().count(), 258);
    }
}

//! `dpkg` and `dpkg-query` from dpkg 1.21.22: the installed package set of a Debian 12 minimal server (`-l`, `-s`,
//! `-W`, `--print-architecture`), consistent with the persona: the interpreters its package flags provide, the
//! services its accounts imply, its kernel and boot loader. No `net-tools`, `lsb-release` or `dbus`, so `ifconfig`,
//! `lsb_release` and a bus daemon are absent everywhere. Installing is refused.

use super::{prog, Command, Ctx};
use crate::persona::Persona;

/// The `dpkg` command.
pub struct Dpkg;

/// The `dpkg-query` command.
pub struct DpkgQuery;

/// dpkg's hint after a usage error.
const DPKG_HINT: &str = "Type dpkg --help for help about installing and deinstalling packages [*];\nUse 'apt' or \
'aptitude' for user-friendly package management;\nType dpkg -Dhelp for a list of dpkg debug flag values;\nType dpkg \
--force-help for a list of forcing options;\nType dpkg-deb --help for help about manipulating *.deb files;\n\nOptions \
marked [*] produce a lot of output - pipe it through 'less' or 'more' !\n";

/// Most patterns or package names honoured per call.
const MAX_OPERANDS: usize = 256;

/// One installed package.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Pkg {
    /// Package name.
    pub(crate) name: &'static str,
    /// Debian version.
    pub(crate) version: &'static str,
    /// `amd64` or `all`.
    pub(crate) arch: &'static str,
    /// `required`, `important`, `standard` or `optional`.
    pub(crate) priority: &'static str,
    /// Archive section.
    pub(crate) section: &'static str,
    /// `Installed-Size` in KiB.
    pub(crate) size: u32,
    /// `Maintainer` field.
    pub(crate) maintainer: &'static str,
    /// First line of the description.
    pub(crate) summary: &'static str,
    /// Which persona flag it needs: `P` python3, `L` perl, `C` curl, `-` none.
    pub(crate) needs: u8,
}

/// Debian 12's base, important and standard packages a minimal server image carries (versions of bookworm).
const BASE: &[Pkg] = &[
    Pkg {
        name: "adduser",
        version: "3.134",
        arch: "all",
        priority: "important",
        section: "admin",
        size: 686,
        maintainer: "Debian Adduser Developers <adduser@packages.debian.org>",
        summary: "add and remove users and groups",
        needs: b'-',
    },
    Pkg {
        name: "apt",
        version: "2.6.1",
        arch: "amd64",
        priority: "required",
        section: "admin",
        size: 4232,
        maintainer: "APT Development Team <deity@lists.debian.org>",
        summary: "commandline package manager",
        needs: b'-',
    },
    Pkg {
        name: "apt-utils",
        version: "2.6.1",
        arch: "amd64",
        priority: "important",
        section: "admin",
        size: 1000,
        maintainer: "APT Development Team <deity@lists.debian.org>",
        summary: "package management related utility programs",
        needs: b'-',
    },
    Pkg {
        name: "base-files",
        version: "12.4+deb12u11",
        arch: "amd64",
        priority: "required",
        section: "admin",
        size: 341,
        maintainer: "Santiago Vila <sanvila@debian.org>",
        summary: "Debian base system miscellaneous files",
        needs: b'-',
    },
    Pkg {
        name: "base-passwd",
        version: "3.6.1",
        arch: "amd64",
        priority: "required",
        section: "admin",
        size: 247,
        maintainer: "Colin Watson <cjwatson@debian.org>",
        summary: "Debian base system master password and group files",
        needs: b'-',
    },
    Pkg {
        name: "bash",
        version: "5.2.15-2+b8",
        arch: "amd64",
        priority: "required",
        section: "shells",
        size: 7164,
        maintainer: "Matthias Klose <doko@debian.org>",
        summary: "GNU Bourne Again SHell",
        needs: b'-',
    },
    Pkg {
        name: "bsdutils",
        version: "1:2.38.1-5+deb12u3",
        arch: "amd64",
        priority: "required",
        section: "utils",
        size: 355,
        maintainer: "util-linux packagers <util-linux@packages.debian.org>",
        summary: "basic utilities from 4.4BSD-Lite",
        needs: b'-',
    },
    Pkg {
        name: "ca-certificates",
        version: "20230311+deb12u1",
        arch: "all",
        priority: "standard",
        section: "misc",
        size: 387,
        maintainer: "Julien Cristau <jcristau@debian.org>",
        summary: "Common CA certificates",
        needs: b'-',
    },
    Pkg {
        name: "coreutils",
        version: "9.1-1",
        arch: "amd64",
        priority: "required",
        section: "utils",
        size: 18062,
        maintainer: "Michael Stone <mstone@debian.org>",
        summary: "GNU core utilities",
        needs: b'-',
    },
    Pkg {
        name: "cpio",
        version: "2.13+dfsg-7.1",
        arch: "amd64",
        priority: "important",
        section: "utils",
        size: 1183,
        maintainer: "Anibal Monsalve Salazar <anibal@debian.org>",
        summary: "GNU cpio -- a program to manage archives of files",
        needs: b'-',
    },
    Pkg {
        name: "cron",
        version: "3.0pl1-162",
        arch: "amd64",
        priority: "important",
        section: "admin",
        size: 226,
        maintainer: "Georges Khaznadar <georgesk@debian.org>",
        summary: "process scheduling daemon",
        needs: b'-',
    },
    Pkg {
        name: "curl",
        version: "7.88.1-10+deb12u15",
        arch: "amd64",
        priority: "optional",
        section: "web",
        size: 489,
        maintainer: "Alessandro Ghedini <ghedo@debian.org>",
        summary: "command line tool for transferring data with URL syntax",
        needs: b'C',
    },
    Pkg {
        name: "dash",
        version: "0.5.12-2",
        arch: "amd64",
        priority: "required",
        section: "shells",
        size: 191,
        maintainer: "Andrej Shadura <andrewsh@debian.org>",
        summary: "POSIX-compliant shell",
        needs: b'-',
    },
    Pkg {
        name: "debconf",
        version: "1.5.82",
        arch: "all",
        priority: "required",
        section: "admin",
        size: 491,
        maintainer: "Debconf Developers <debconf-devel@lists.alioth.debian.org>",
        summary: "Debian configuration management system",
        needs: b'-',
    },
    Pkg {
        name: "debian-archive-keyring",
        version: "2023.3+deb12u2",
        arch: "all",
        priority: "important",
        section: "misc",
        size: 293,
        maintainer: "Debian Release Team <packages@release.debian.org>",
        summary: "GnuPG archive keys of the Debian archive",
        needs: b'-',
    },
    Pkg {
        name: "debianutils",
        version: "5.7-0.5~deb12u1",
        arch: "amd64",
        priority: "required",
        section: "utils",
        size: 243,
        maintainer: "Clint Adams <clint@debian.org>",
        summary: "Miscellaneous utilities specific to Debian",
        needs: b'-',
    },
    Pkg {
        name: "diffutils",
        version: "1:3.8-4",
        arch: "amd64",
        priority: "required",
        section: "utils",
        size: 1598,
        maintainer: "Santiago Vila <sanvila@debian.org>",
        summary: "File comparison utilities",
        needs: b'-',
    },
    Pkg {
        name: "dpkg",
        version: "1.21.22",
        arch: "amd64",
        priority: "required",
        section: "admin",
        size: 6409,
        maintainer: "Dpkg Developers <debian-dpkg@lists.debian.org>",
        summary: "Debian package management system",
        needs: b'-',
    },
    Pkg {
        name: "e2fsprogs",
        version: "1.47.0-2",
        arch: "amd64",
        priority: "required",
        section: "admin",
        size: 1496,
        maintainer: "Theodore Y. Ts'o <tytso@mit.edu>",
        summary: "ext2/ext3/ext4 file system utilities",
        needs: b'-',
    },
    Pkg {
        name: "findutils",
        version: "4.9.0-4",
        arch: "amd64",
        priority: "required",
        section: "utils",
        size: 1746,
        maintainer: "Andreas Metzler <ametzler@debian.org>",
        summary: "utilities for finding files--find, xargs",
        needs: b'-',
    },
    Pkg {
        name: "gcc-12-base",
        version: "12.2.0-14+deb12u1",
        arch: "amd64",
        priority: "optional",
        section: "libs",
        size: 100,
        maintainer: "Debian GCC Maintainers <debian-gcc@lists.debian.org>",
        summary: "GCC, the GNU Compiler Collection (base package)",
        needs: b'-',
    },
    Pkg {
        name: "gpgv",
        version: "2.2.40-1.1+deb12u2",
        arch: "amd64",
        priority: "important",
        section: "utils",
        size: 918,
        maintainer: "Debian GnuPG Maintainers <pkg-gnupg-maint@lists.alioth.debian.org>",
        summary: "GNU privacy guard - signature verification tool",
        needs: b'-',
    },
    Pkg {
        name: "grep",
        version: "3.8-5",
        arch: "amd64",
        priority: "required",
        section: "utils",
        size: 1245,
        maintainer: "Anibal Monsalve Salazar <anibal@debian.org>",
        summary: "GNU grep, egrep and fgrep",
        needs: b'-',
    },
    Pkg {
        name: "gzip",
        version: "1.12-1",
        arch: "amd64",
        priority: "required",
        section: "utils",
        size: 252,
        maintainer: "Milan Kupcevic <milan@debian.org>",
        summary: "GNU compression utilities",
        needs: b'-',
    },
    Pkg {
        name: "hostname",
        version: "3.23+nmu1",
        arch: "amd64",
        priority: "required",
        section: "admin",
        size: 46,
        maintainer: "Michael Meskes <meskes@debian.org>",
        summary: "utility to set/show the host name or domain name",
        needs: b'-',
    },
    Pkg {
        name: "ifupdown",
        version: "0.8.41",
        arch: "amd64",
        priority: "important",
        section: "admin",
        size: 218,
        maintainer: "Debian Networking Team <team+networking@tracker.debian.org>",
        summary: "high level tools to configure network interfaces",
        needs: b'-',
    },
    Pkg {
        name: "init-system-helpers",
        version: "1.65.2",
        arch: "all",
        priority: "required",
        section: "admin",
        size: 140,
        maintainer: "Debian systemd Maintainers <pkg-systemd-maintainers@lists.alioth.debian.org>",
        summary: "helper tools for all init systems",
        needs: b'-',
    },
    Pkg {
        name: "iproute2",
        version: "6.1.0-3",
        arch: "amd64",
        priority: "important",
        section: "net",
        size: 3516,
        maintainer: "Debian Kernel Team <debian-kernel@lists.debian.org>",
        summary: "networking and traffic control tools",
        needs: b'-',
    },
    Pkg {
        name: "less",
        version: "590-2.1~deb12u2",
        arch: "amd64",
        priority: "important",
        section: "text",
        size: 313,
        maintainer: "Milan Kupcevic <milan@debian.org>",
        summary: "pager program similar to more",
        needs: b'-',
    },
    Pkg {
        name: "libacl1",
        version: "2.3.1-3",
        arch: "amd64",
        priority: "optional",
        section: "libs",
        size: 73,
        maintainer: "Guillem Jover <guillem@debian.org>",
        summary: "access control list - shared library",
        needs: b'-',
    },
    Pkg {
        name: "libapparmor1",
        version: "3.0.8-3",
        arch: "amd64",
        priority: "optional",
        section: "libs",
        size: 109,
        maintainer: "Debian AppArmor Team <pkg-apparmor-team@lists.alioth.debian.org>",
        summary: "changehat AppArmor library",
        needs: b'-',
    },
    Pkg {
        name: "libargon2-1",
        version: "0~20171227-0.3+deb12u1",
        arch: "amd64",
        priority: "optional",
        section: "libs",
        size: 56,
        maintainer: "Luca Bruno <lucab@debian.org>",
        summary: "memory-hard hashing function - runtime library",
        needs: b'-',
    },
    Pkg {
        name: "libattr1",
        version: "1:2.5.1-4",
        arch: "amd64",
        priority: "optional",
        section: "libs",
        size: 59,
        maintainer: "Guillem Jover <guillem@debian.org>",
        summary: "extended attribute handling - shared library",
        needs: b'-',
    },
    Pkg {
        name: "libaudit-common",
        version: "1:3.0.9-1",
        arch: "all",
        priority: "optional",
        section: "libs",
        size: 22,
        maintainer: "Laurent Bigonville <bigon@debian.org>",
        summary: "Dynamic library for security auditing - common files",
        needs: b'-',
    },
    Pkg {
        name: "libaudit1",
        version: "1:3.0.9-1",
        arch: "amd64",
        priority: "optional",
        section: "libs",
        size: 150,
        maintainer: "Laurent Bigonville <bigon@debian.org>",
        summary: "Dynamic library for security auditing",
        needs: b'-',
    },
    Pkg {
        name: "libblkid1",
        version: "2.38.1-5+deb12u3",
        arch: "amd64",
        priority: "optional",
        section: "libs",
        size: 398,
        maintainer: "util-linux packagers <util-linux@packages.debian.org>",
        summary: "block device ID library",
        needs: b'-',
    },
    Pkg {
        name: "libbpf1",
        version: "1:1.1.2-0+deb12u1",
        arch: "amd64",
        priority: "optional",
        section: "libs",
        size: 385,
        maintainer: "Sudip Mukherjee <sudipm.mukherjee@gmail.com>",
        summary: "eBPF helper library (shared library)",
        needs: b'-',
    },
    Pkg {
        name: "libbrotli1",
        version: "1.0.9-2+b6",
        arch: "amd64",
        priority: "optional",
        section: "libs",
        size: 783,
        maintainer: "Tomasz Buchert <tomasz@debian.org>",
        summary: "library implementing brotli encoder and decoder (shared libraries)",
        needs: b'-',
    },
    Pkg {
        name: "libbsd0",
        version: "0.11.7-2",
        arch: "amd64",
        priority: "optional",
        section: "libs",
        size: 202,
        maintainer: "Guillem Jover <guillem@debian.org>",
        summary: "utility functions from BSD systems - shared library",
        needs: b'-',
    },
    Pkg {
        name: "libbz2-1.0",
        version: "1.0.8-5+b1",
        arch: "amd64",
        priority: "optional",
        section: "libs",
        size: 106,
        maintainer: "Anibal Monsalve Salazar <anibal@debian.org>",
        summary: "high-quality block-sorting file compressor library - runtime",
        needs: b'-',
    },
    Pkg {
        name: "libc-bin",
        version: "2.36-9+deb12u14",
        arch: "amd64",
        priority: "required",
        section: "libs",
        size: 2042,
        maintainer: "GNU Libc Maintainers <debian-glibc@lists.debian.org>",
        summary: "GNU C Library: Binaries",
        needs: b'-',
    },
    Pkg {
        name: "libc6",
        version: "2.36-9+deb12u14",
        arch: "amd64",
        priority: "optional",
        section: "libs",
        size: 13001,
        maintainer: "GNU Libc Maintainers <debian-glibc@lists.debian.org>",
        summary: "GNU C Library: Shared libraries",
        needs: b'-',
    },
    Pkg {
        name: "libcap-ng0",
        version: "0.8.3-1+b3",
        arch: "amd64",
        priority: "optional",
        section: "libs",
        size: 65,
        maintainer: "Håvard F. Aasen <havard.f.aasen@pfft.no>",
        summary: "alternate POSIX capabilities library",
        needs: b'-',
    },
    Pkg {
        name: "libcap2",
        version: "1:2.66-4+deb12u2+b2",
        arch: "amd64",
        priority: "optional",
        section: "libs",
        size: 95,
        maintainer: "Christian Kastner <ckk@debian.org>",
        summary: "POSIX 1003.1e capabilities (library)",
        needs: b'-',
    },
    Pkg {
        name: "libcbor0.8",
        version: "0.8.0-2+b1",
        arch: "amd64",
        priority: "optional",
        section: "libs",
        size: 98,
        maintainer: "Vincent Bernat <bernat@debian.org>",
        summary: "library for parsing and generating CBOR (RFC 7049)",
        needs: b'-',
    },
    Pkg {
        name: "libcom-err2",
        version: "1.47.0-2",
        arch: "amd64",
        priority: "optional",
        section: "libs",
        size: 54,
        maintainer: "Theodore Y. Ts'o <tytso@mit.edu>",
        summary: "common error description library",
        needs: b'-',
    },
    Pkg {
        name: "libcrypt1",
        version: "1:4.4.33-2",
        arch: "amd64",
        priority: "optional",
        section: "libs",
        size: 233,
        maintainer: "Marco d'Itri <md@linux.it>",
        summary: "libcrypt shared library",
        needs: b'-',
    },
    Pkg {
        name: "libcryptsetup12",
        version: "2:2.6.1-4~deb12u2",
        arch: "amd64",
        priority: "optional",
        section: "libs",
        size: 563,
        maintainer: "Debian Cryptsetup Team <pkg-cryptsetup-devel@alioth-lists.debian.net>",
        summary: "disk encryption support - shared library",
        needs: b'-',
    },
    Pkg {
        name: "libcurl4",
        version: "7.88.1-10+deb12u15",
        arch: "amd64",
        priority: "optional",
        section: "libs",
        size: 840,
        maintainer: "Alessandro Ghedini <ghedo@debian.org>",
        summary: "easy-to-use client-side URL transfer library (OpenSSL flavour)",
        needs: b'-',
    },
    Pkg {
        name: "libdb5.3",
        version: "5.3.28+dfsg2-1",
        arch: "amd64",
        priority: "optional",
        section: "libs",
        size: 1833,
        maintainer: "Bastian Germann <bage@debian.org>",
        summary: "Berkeley v5.3 Database Libraries [runtime]",
        needs: b'-',
    },
    Pkg {
        name: "libdebconfclient0",
        version: "0.270",
        arch: "amd64",
        priority: "optional",
        section: "libs",
        size: 37,
        maintainer: "Debian Install System Team <debian-boot@lists.debian.org>",
        summary: "Debian Configuration Management System (C-implementation library)",
        needs: b'-',
    },
    Pkg {
        name: "libdevmapper1.02.1",
        version: "2:1.02.185-2",
        arch: "amd64",
        priority: "optional",
        section: "libs",
        size: 474,
        maintainer: "Debian LVM Team <team+lvm@tracker.debian.org>",
        summary: "Linux Kernel Device Mapper userspace library",
        needs: b'-',
    },
    Pkg {
        name: "libedit2",
        version: "3.1-20221030-2",
        arch: "amd64",
        priority: "optional",
        section: "libs",
        size: 258,
        maintainer: "LLVM Packaging Team <pkg-llvm-team@lists.alioth.debian.org>",
        summary: "BSD editline and history libraries",
        needs: b'-',
    },
    Pkg {
        name: "libelf1",
        version: "0.188-2.1",
        arch: "amd64",
        priority: "optional",
        section: "libs",
        size: 1036,
        maintainer: "Debian Elfutils Maintainers <debian-gcc@lists.debian.org>",
        summary: "library to read and write ELF files",
        needs: b'-',
    },
    Pkg {
        name: "libexpat1",
        version: "2.5.0-1+deb12u1",
        arch: "amd64",
        priority: "optional",
        section: "libs",
        size: 387,
        maintainer: "Laszlo Boszormenyi (GCS) <gcs@debian.org>",
        summary: "XML parsing C library - runtime library",
        needs: b'-',
    },
    Pkg {
        name: "libext2fs2",
        version: "1.47.0-2",
        arch: "amd64",
        priority: "optional",
        section: "libs",
        size: 534,
        maintainer: "Theodore Y. Ts'o <tytso@mit.edu>",
        summary: "ext2/ext3/ext4 file system libraries",
        needs: b'-',
    },
    Pkg {
        name: "libffi8",
        version: "3.4.4-1",
        arch: "amd64",
        priority: "optional",
        section: "libs",
        size: 68,
        maintainer: "Debian GCC Maintainers <debian-gcc@lists.debian.org>",
        summary: "Foreign Function Interface library runtime",
        needs: b'P',
    },
    Pkg {
        name: "libfido2-1",
        version: "1.12.0-2+b1",
        arch: "amd64",
        priority: "optional",
        section: "libs",
        size: 241,
        maintainer: "Debian Authentication Maintainers <pkg-auth-maintainers@lists.alioth.debian.org>",
        summary: "library for generating and verifying FIDO 2.0 objects",
        needs: b'-',
    },
    Pkg {
        name: "libgcc-s1",
        version: "12.2.0-14+deb12u1",
        arch: "amd64",
        priority: "optional",
        section: "libs",
        size: 140,
        maintainer: "Debian GCC Maintainers <debian-gcc@lists.debian.org>",
        summary: "GCC support library",
        needs: b'-',
    },
    Pkg {
        name: "libgcrypt20",
        version: "1.10.1-3",
        arch: "amd64",
        priority: "optional",
        section: "libs",
        size: 1592,
        maintainer: "Debian GnuTLS Maintainers <pkg-gnutls-maint@lists.alioth.debian.org>",
        summary: "LGPL Crypto library - runtime library",
        needs: b'-',
    },
    Pkg {
        name: "libgdbm-compat4",
        version: "1.23-3",
        arch: "amd64",
        priority: "optional",
        section: "libs",
        size: 70,
        maintainer: "Nicolas Mora <babelouest@debian.org>",
        summary: "GNU dbm database routines (legacy support runtime version) ",
        needs: b'L',
    },
    Pkg {
        name: "libgdbm6",
        version: "1.23-3",
        arch: "amd64",
        priority: "optional",
        section: "libs",
        size: 129,
        maintainer: "Nicolas Mora <babelouest@debian.org>",
        summary: "GNU dbm database routines (runtime version) ",
        needs: b'L',
    },
    Pkg {
        name: "libgmp10",
        version: "2:6.2.1+dfsg1-1.1",
        arch: "amd64",
        priority: "optional",
        section: "libs",
        size: 855,
        maintainer: "Debian Science Team <debian-science-maintainers@lists.alioth.debian.org>",
        summary: "Multiprecision arithmetic library",
        needs: b'-',
    },
    Pkg {
        name: "libgnutls30",
        version: "3.7.9-2+deb12u6",
        arch: "amd64",
        priority: "optional",
        section: "libs",
        size: 3390,
        maintainer: "Debian GnuTLS Maintainers <pkg-gnutls-maint@lists.alioth.debian.org>",
        summary: "GNU TLS library - main runtime library",
        needs: b'-',
    },
    Pkg {
        name: "libgpg-error0",
        version: "1.46-1",
        arch: "amd64",
        priority: "optional",
        section: "libs",
        size: 192,
        maintainer: "Debian GnuPG Maintainers <pkg-gnupg-maint@lists.alioth.debian.org>",
        summary: "GnuPG development runtime library",
        needs: b'-',
    },
    Pkg {
        name: "libgssapi-krb5-2",
        version: "1.20.1-2+deb12u3",
        arch: "amd64",
        priority: "optional",
        section: "libs",
        size: 425,
        maintainer: "Sam Hartman <hartmans@debian.org>",
        summary: "MIT Kerberos runtime libraries - krb5 GSS-API Mechanism",
        needs: b'-',
    },
    Pkg {
        name: "libhogweed6",
        version: "3.8.1-2",
        arch: "amd64",
        priority: "optional",
        section: "libs",
        size: 463,
        maintainer: "Magnus Holmgren <holmgren@debian.org>",
        summary: "low level cryptographic library (public-key cryptos)",
        needs: b'-',
    },
    Pkg {
        name: "libidn2-0",
        version: "2.3.3-1+b1",
        arch: "amd64",
        priority: "optional",
        section: "libs",
        size: 439,
        maintainer: "Debian Libidn team <help-libidn@gnu.org>",
        summary: "Internationalized domain names (IDNA2008/TR46) library",
        needs: b'-',
    },
    Pkg {
        name: "libip4tc2",
        version: "1.8.9-2",
        arch: "amd64",
        priority: "optional",
        section: "libs",
        size: 66,
        maintainer: "Debian Netfilter Packaging Team <pkg-netfilter-team@lists.alioth.debian.org>",
        summary: "netfilter libip4tc library",
        needs: b'-',
    },
    Pkg {
        name: "libjson-c5",
        version: "0.16-2",
        arch: "amd64",
        priority: "optional",
        section: "libs",
        size: 109,
        maintainer: "Nicolas Mora <babelouest@debian.org>",
        summary: "JSON manipulation library - shared library",
        needs: b'-',
    },
    Pkg {
        name: "libk5crypto3",
        version: "1.20.1-2+deb12u3",
        arch: "amd64",
        priority: "optional",
        section: "libs",
        size: 261,
        maintainer: "Sam Hartman <hartmans@debian.org>",
        summary: "MIT Kerberos runtime libraries - Crypto Library",
        needs: b'-',
    },
    Pkg {
        name: "libkeyutils1",
        version: "1.6.3-2",
        arch: "amd64",
        priority: "optional",
        section: "libs",
        size: 40,
        maintainer: "Christian Kastner <ckk@debian.org>",
        summary: "Linux Key Management Utilities (library)",
        needs: b'-',
    },
    Pkg {
        name: "libkmod2",
        version: "30+20221128-1",
        arch: "amd64",
        priority: "optional",
        section: "libs",
        size: 141,
        maintainer: "Marco d'Itri <md@linux.it>",
        summary: "libkmod shared library",
        needs: b'-',
    },
    Pkg {
        name: "libkmod2",
        version: "30+20221128-1",
        arch: "amd64",
        priority: "optional",
        section: "libs",
        size: 141,
        maintainer: "Marco d'Itri <md@linux.it>",
        summary: "libkmod shared library",
        needs: b'-',
    },
    Pkg {
        name: "libkrb5-3",
        version: "1.20.1-2+deb12u3",
        arch: "amd64",
        priority: "optional",
        section: "libs",
        size: 1077,
        maintainer: "Sam Hartman <hartmans@debian.org>",
        summary: "MIT Kerberos runtime libraries",
        needs: b'-',
    },
    Pkg {
        name: "libkrb5support0",
        version: "1.20.1-2+deb12u3",
        arch: "amd64",
        priority: "optional",
        section: "libs",
        size: 134,
        maintainer: "Sam Hartman <hartmans@debian.org>",
        summary: "MIT Kerberos runtime libraries - Support library",
        needs: b'-',
    },
    Pkg {
        name: "libldap-2.5-0",
        version: "2.5.13+dfsg-5",
        arch: "amd64",
        priority: "optional",
        section: "libs",
        size: 553,
        maintainer: "Debian OpenLDAP Maintainers <pkg-openldap-devel@lists.alioth.debian.org>",
        summary: "OpenLDAP libraries",
        needs: b'-',
    },
    Pkg {
        name: "liblz4-1",
        version: "1.9.4-1",
        arch: "amd64",
        priority: "optional",
        section: "libs",
        size: 169,
        maintainer: "Nobuhiro Iwamatsu <iwamatsu@debian.org>",
        summary: "Fast LZ compression algorithm library - runtime",
        needs: b'-',
    },
    Pkg {
        name: "liblzma5",
        version: "5.4.1-1",
        arch: "amd64",
        priority: "optional",
        section: "libs",
        size: 333,
        maintainer: "Sebastian Andrzej Siewior <sebastian@breakpoint.cc>",
        summary: "XZ-format compression library",
        needs: b'-',
    },
    Pkg {
        name: "libmd0",
        version: "1.0.4-2",
        arch: "amd64",
        priority: "optional",
        section: "libs",
        size: 79,
        maintainer: "Guillem Jover <guillem@debian.org>",
        summary: "message digest functions from BSD systems - shared library",
        needs: b'-',
    },
    Pkg {
        name: "libmnl0",
        version: "1.0.4-3",
        arch: "amd64",
        priority: "optional",
        section: "libs",
        size: 46,
        maintainer: "Debian Netfilter Packaging Team <pkg-netfilter-team@lists.alioth.debian.org>",
        summary: "minimalistic Netlink communication library",
        needs: b'-',
    },
    Pkg {
        name: "libmount1",
        version: "2.38.1-5+deb12u3",
        arch: "amd64",
        priority: "optional",
        section: "libs",
        size: 454,
        maintainer: "util-linux packagers <util-linux@packages.debian.org>",
        summary: "device mounting library",
        needs: b'-',
    },
    Pkg {
        name: "libncursesw6",
        version: "6.4-4",
        arch: "amd64",
        priority: "optional",
        section: "libs",
        size: 412,
        maintainer: "Craig Small <csmall@debian.org>",
        summary: "shared libraries for terminal handling (wide character support)",
        needs: b'-',
    },
    Pkg {
        name: "libnettle8",
        version: "3.8.1-2",
        arch: "amd64",
        priority: "optional",
        section: "libs",
        size: 520,
        maintainer: "Magnus Holmgren <holmgren@debian.org>",
        summary: "low level cryptographic library (symmetric and one-way cryptos)",
        needs: b'-',
    },
    Pkg {
        name: "libnghttp2-14",
        version: "1.52.0-1+deb12u2",
        arch: "amd64",
        priority: "optional",
        section: "libs",
        size: 220,
        maintainer: "Tomasz Buchert <tomasz@debian.org>",
        summary: "library implementing HTTP/2 protocol (shared library)",
        needs: b'-',
    },
    Pkg {
        name: "libnsl2",
        version: "1.3.0-2",
        arch: "amd64",
        priority: "optional",
        section: "libs",
        size: 127,
        maintainer: "GNU Libc Maintainers <debian-glibc@lists.debian.org>",
        summary: "Public client interface for NIS(YP) and NIS+",
        needs: b'-',
    },
    Pkg {
        name: "libp11-kit0",
        version: "0.24.1-2",
        arch: "amd64",
        priority: "optional",
        section: "libs",
        size: 1408,
        maintainer: "Debian GnuTLS Maintainers <pkg-gnutls-maint@lists.alioth.debian.org>",
        summary: "library for loading and coordinating access to PKCS#11 modules - runtime",
        needs: b'-',
    },
    Pkg {
        name: "libpam-modules",
        version: "1.5.2-6+deb12u1",
        arch: "amd64",
        priority: "required",
        section: "admin",
        size: 1031,
        maintainer: "Sam Hartman <hartmans@debian.org>",
        summary: "Pluggable Authentication Modules for PAM",
        needs: b'-',
    },
    Pkg {
        name: "libpam-runtime",
        version: "1.5.2-6+deb12u1",
        arch: "all",
        priority: "required",
        section: "admin",
        size: 876,
        maintainer: "Sam Hartman <hartmans@debian.org>",
        summary: "Runtime support for the PAM library",
        needs: b'-',
    },
    Pkg {
        name: "libpam0g",
        version: "1.5.2-6+deb12u1",
        arch: "amd64",
        priority: "optional",
        section: "libs",
        size: 215,
        maintainer: "Sam Hartman <hartmans@debian.org>",
        summary: "Pluggable Authentication Modules library",
        needs: b'-',
    },
    Pkg {
        name: "libpcre2-8-0",
        version: "10.42-1+deb12u1",
        arch: "amd64",
        priority: "optional",
        section: "libs",
        size: 685,
        maintainer: "Matthew Vernon <matthew@debian.org>",
        summary: "New Perl Compatible Regular Expression Library- 8 bit runtime files",
        needs: b'-',
    },
    Pkg {
        name: "libperl5.36",
        version: "5.36.0-7+deb12u4",
        arch: "amd64",
        priority: "optional",
        section: "libs",
        size: 28875,
        maintainer: "Niko Tyni <ntyni@debian.org>",
        summary: "shared Perl library",
        needs: b'L',
    },
    Pkg {
        name: "libproc2-0",
        version: "2:4.0.2-3",
        arch: "amd64",
        priority: "optional",
        section: "libs",
        size: 232,
        maintainer: "Craig Small <csmall@debian.org>",
        summary: "library for accessing process information from /proc",
        needs: b'-',
    },
    Pkg {
        name: "libpsl5",
        version: "0.21.2-1",
        arch: "amd64",
        priority: "optional",
        section: "libs",
        size: 96,
        maintainer: "Tim Rühsen <tim.ruehsen@gmx.de>",
        summary: "Library for Public Suffix List (shared libraries)",
        needs: b'-',
    },
    Pkg {
        name: "libpython3.11-minimal",
        version: "3.11.2-6+deb12u6",
        arch: "amd64",
        priority: "optional",
        section: "python",
        size: 5212,
        maintainer: "Matthias Klose <doko@debian.org>",
        summary: "Minimal subset of the Python language (version 3.11)",
        needs: b'P',
    },
    Pkg {
        name: "libpython3.11-stdlib",
        version: "3.11.2-6+deb12u6",
        arch: "amd64",
        priority: "optional",
        section: "python",
        size: 8329,
        maintainer: "Matthias Klose <doko@debian.org>",
        summary: "Interactive high-level object-oriented language (standard library, version 3.11)",
        needs: b'P',
    },
    Pkg {
        name: "libreadline8",
        version: "8.2-1.3",
        arch: "amd64",
        priority: "optional",
        section: "libs",
        size: 475,
        maintainer: "Matthias Klose <doko@debian.org>",
        summary: "GNU readline and history libraries, run-time libraries",
        needs: b'-',
    },
    Pkg {
        name: "librtmp1",
        version: "2.4+20151223.gitfa8646d.1-2+b2",
        arch: "amd64",
        priority: "optional",
        section: "libs",
        size: 146,
        maintainer: "Debian Multimedia Maintainers <debian-multimedia@lists.debian.org>",
        summary: "toolkit for RTMP streams (shared library)",
        needs: b'-',
    },
    Pkg {
        name: "libsasl2-2",
        version: "2.1.28+dfsg-10",
        arch: "amd64",
        priority: "optional",
        section: "libs",
        size: 167,
        maintainer: "Debian Cyrus Team <team+cyrus@tracker.debian.org>",
        summary: "Cyrus SASL - authentication abstraction library",
        needs: b'-',
    },
    Pkg {
        name: "libsasl2-modules-db",
        version: "2.1.28+dfsg-10",
        arch: "amd64",
        priority: "optional",
        section: "libs",
        size: 77,
        maintainer: "Debian Cyrus Team <team+cyrus@tracker.debian.org>",
        summary: "Cyrus SASL - pluggable authentication modules (DB)",
        needs: b'-',
    },
    Pkg {
        name: "libseccomp2",
        version: "2.5.4-1+deb12u1",
        arch: "amd64",
        priority: "optional",
        section: "libs",
        size: 148,
        maintainer: "Kees Cook <kees@debian.org>",
        summary: "high level interface to Linux seccomp filter",
        needs: b'-',
    },
    Pkg {
        name: "libselinux1",
        version: "3.4-1+b6",
        arch: "amd64",
        priority: "optional",
        section: "libs",
        size: 199,
        maintainer: "Debian SELinux maintainers <selinux-devel@lists.alioth.debian.org>",
        summary: "SELinux runtime shared libraries",
        needs: b'-',
    },
    Pkg {
        name: "libsemanage-common",
        version: "3.4-1",
        arch: "all",
        priority: "optional",
        section: "libs",
        size: 37,
        maintainer: "Debian SELinux maintainers <selinux-devel@lists.alioth.debian.org>",
        summary: "Common files for SELinux policy management libraries",
        needs: b'-',
    },
    Pkg {
        name: "libsemanage2",
        version: "3.4-1+b5",
        arch: "amd64",
        priority: "optional",
        section: "libs",
        size: 297,
        maintainer: "Debian SELinux maintainers <selinux-devel@lists.alioth.debian.org>",
        summary: "SELinux policy management library",
        needs: b'-',
    },
    Pkg {
        name: "libsepol2",
        version: "3.4-2.1",
        arch: "amd64",
        priority: "optional",
        section: "libs",
        size: 775,
        maintainer: "Debian SELinux maintainers <selinux-devel@lists.alioth.debian.org>",
        summary: "SELinux library for manipulating binary security policies",
        needs: b'-',
    },
    Pkg {
        name: "libsmartcols1",
        version: "2.38.1-5+deb12u3",
        arch: "amd64",
        priority: "optional",
        section: "libs",
        size: 289,
        maintainer: "util-linux packagers <util-linux@packages.debian.org>",
        summary: "smart column output alignment library",
        needs: b'-',
    },
    Pkg {
        name: "libsqlite3-0",
        version: "3.40.1-2+deb12u2",
        arch: "amd64",
        priority: "optional",
        section: "libs",
        size: 1682,
        maintainer: "Laszlo Boszormenyi (GCS) <gcs@debian.org>",
        summary: "SQLite 3 shared library",
        needs: b'P',
    },
    Pkg {
        name: "libss2",
        version: "1.47.0-2",
        arch: "amd64",
        priority: "optional",
        section: "libs",
        size: 70,
        maintainer: "Theodore Y. Ts'o <tytso@mit.edu>",
        summary: "command-line interface parsing library",
        needs: b'-',
    },
    Pkg {
        name: "libssh2-1",
        version: "1.10.0-3+b1",
        arch: "amd64",
        priority: "optional",
        section: "libs",
        size: 357,
        maintainer: "Nicolas Mora <babelouest@debian.org>",
        summary: "SSH2 client-side library",
        needs: b'-',
    },
    Pkg {
        name: "libssl3",
        version: "3.0.19-1~deb12u2",
        arch: "amd64",
        priority: "optional",
        section: "libs",
        size: 6029,
        maintainer: "Debian OpenSSL Team <pkg-openssl-devel@alioth-lists.debian.net>",
        summary: "Secure Sockets Layer toolkit - shared libraries",
        needs: b'-',
    },
    Pkg {
        name: "libstdc++6",
        version: "12.2.0-14+deb12u1",
        arch: "amd64",
        priority: "optional",
        section: "libs",
        size: 2686,
        maintainer: "Debian GCC Maintainers <debian-gcc@lists.debian.org>",
        summary: "GNU Standard C++ Library v3",
        needs: b'-',
    },
    Pkg {
        name: "libsystemd-shared",
        version: "252.38-1~deb12u1",
        arch: "amd64",
        priority: "optional",
        section: "libs",
        size: 5345,
        maintainer: "Debian systemd Maintainers <pkg-systemd-maintainers@lists.alioth.debian.org>",
        summary: "systemd shared private library",
        needs: b'-',
    },
    Pkg {
        name: "libsystemd0",
        version: "252.38-1~deb12u1",
        arch: "amd64",
        priority: "optional",
        section: "libs",
        size: 908,
        maintainer: "Debian systemd Maintainers <pkg-systemd-maintainers@lists.alioth.debian.org>",
        summary: "systemd utility library",
        needs: b'-',
    },
    Pkg {
        name: "libtasn1-6",
        version: "4.19.0-2+deb12u1",
        arch: "amd64",
        priority: "optional",
        section: "libs",
        size: 116,
        maintainer: "Debian GnuTLS Maintainers <pkg-gnutls-maint@lists.alioth.debian.org>",
        summary: "Manage ASN.1 structures (runtime)",
        needs: b'-',
    },
    Pkg {
        name: "libtinfo6",
        version: "6.4-4",
        arch: "amd64",
        priority: "optional",
        section: "libs",
        size: 541,
        maintainer: "Craig Small <csmall@debian.org>",
        summary: "shared low-level terminfo library for terminal handling",
        needs: b'-',
    },
    Pkg {
        name: "libtirpc-common",
        version: "1.3.3+ds-1",
        arch: "all",
        priority: "optional",
        section: "libs",
        size: 35,
        maintainer: "Josue Ortega <josue@debian.org>",
        summary: "transport-independent RPC library - common files",
        needs: b'-',
    },
    Pkg {
        name: "libtirpc3",
        version: "1.3.3+ds-1",
        arch: "amd64",
        priority: "optional",
        section: "libs",
        size: 226,
        maintainer: "Josue Ortega <josue@debian.org>",
        summary: "transport-independent RPC library",
        needs: b'-',
    },
    Pkg {
        name: "libudev1",
        version: "252.38-1~deb12u1",
        arch: "amd64",
        priority: "optional",
        section: "libs",
        size: 239,
        maintainer: "Debian systemd Maintainers <pkg-systemd-maintainers@lists.alioth.debian.org>",
        summary: "libudev shared library",
        needs: b'-',
    },
    Pkg {
        name: "libunistring2",
        version: "1.0-2",
        arch: "amd64",
        priority: "optional",
        section: "libs",
        size: 1807,
        maintainer: "Jörg Frings-Fürst <debian@jff.email>",
        summary: "Unicode string library for C",
        needs: b'-',
    },
    Pkg {
        name: "libuuid1",
        version: "2.38.1-5+deb12u3",
        arch: "amd64",
        priority: "optional",
        section: "libs",
        size: 79,
        maintainer: "util-linux packagers <util-linux@packages.debian.org>",
        summary: "Universally Unique ID library",
        needs: b'-',
    },
    Pkg {
        name: "libwrap0",
        version: "7.6.q-32",
        arch: "amd64",
        priority: "optional",
        section: "libs",
        size: 110,
        maintainer: "Marco d'Itri <md@linux.it>",
        summary: "Wietse Venema's TCP wrappers library",
        needs: b'-',
    },
    Pkg {
        name: "libxtables12",
        version: "1.8.9-2",
        arch: "amd64",
        priority: "optional",
        section: "libs",
        size: 101,
        maintainer: "Debian Netfilter Packaging Team <pkg-netfilter-team@lists.alioth.debian.org>",
        summary: "netfilter xtables library",
        needs: b'-',
    },
    Pkg {
        name: "libxxhash0",
        version: "0.8.1-1",
        arch: "amd64",
        priority: "optional",
        section: "libs",
        size: 99,
        maintainer: "Josue Ortega <josue@debian.org>",
        summary: "shared library for xxhash",
        needs: b'-',
    },
    Pkg {
        name: "libzstd1",
        version: "1.5.4+dfsg2-5",
        arch: "amd64",
        priority: "optional",
        section: "libs",
        size: 785,
        maintainer: "RPM packaging team <team+pkg-rpm@tracker.debian.org>",
        summary: "fast lossless compression algorithm",
        needs: b'-',
    },
    Pkg {
        name: "login",
        version: "1:4.13+dfsg1-1+deb12u1",
        arch: "amd64",
        priority: "required",
        section: "admin",
        size: 2550,
        maintainer: "Shadow package maintainers <pkg-shadow-devel@lists.alioth.debian.org>",
        summary: "system login tools",
        needs: b'-',
    },
    Pkg {
        name: "logrotate",
        version: "3.21.0-1",
        arch: "amd64",
        priority: "important",
        section: "admin",
        size: 160,
        maintainer: "Christian Göttsche <cgzones@googlemail.com>",
        summary: "Log rotation utility",
        needs: b'-',
    },
    Pkg {
        name: "logsave",
        version: "1.47.0-2",
        arch: "amd64",
        priority: "optional",
        section: "admin",
        size: 49,
        maintainer: "Theodore Y. Ts'o <tytso@mit.edu>",
        summary: "save the output of a command in a log file",
        needs: b'-',
    },
    Pkg {
        name: "mawk",
        version: "1.3.4.20200120-3.1",
        arch: "amd64",
        priority: "required",
        section: "interpreters",
        size: 263,
        maintainer: "Boyuan Yang <byang@debian.org>",
        summary: "Pattern scanning and text processing language",
        needs: b'-',
    },
    Pkg {
        name: "media-types",
        version: "10.0.0",
        arch: "all",
        priority: "standard",
        section: "net",
        size: 92,
        maintainer: "Mime-Support Packagers <team+debian-mimesupport-packagers@tracker.debian.org>",
        summary: "List of standard media types and their usual file extension",
        needs: b'P',
    },
    Pkg {
        name: "mount",
        version: "2.38.1-5+deb12u3",
        arch: "amd64",
        priority: "required",
        section: "admin",
        size: 393,
        maintainer: "util-linux packagers <util-linux@packages.debian.org>",
        summary: "tools for mounting and manipulating filesystems",
        needs: b'-',
    },
    Pkg {
        name: "nano",
        version: "7.2-1+deb12u1",
        arch: "amd64",
        priority: "important",
        section: "editors",
        size: 2849,
        maintainer: "Jordi Mallach <jordi@debian.org>",
        summary: "small, friendly text editor inspired by Pico",
        needs: b'-',
    },
    Pkg {
        name: "ncurses-base",
        version: "6.4-4",
        arch: "all",
        priority: "required",
        section: "misc",
        size: 379,
        maintainer: "Craig Small <csmall@debian.org>",
        summary: "basic terminal type definitions",
        needs: b'-',
    },
    Pkg {
        name: "ncurses-bin",
        version: "6.4-4",
        arch: "amd64",
        priority: "required",
        section: "utils",
        size: 636,
        maintainer: "Craig Small <csmall@debian.org>",
        summary: "terminal-related programs and man pages",
        needs: b'-',
    },
    Pkg {
        name: "netbase",
        version: "6.4",
        arch: "all",
        priority: "important",
        section: "admin",
        size: 36,
        maintainer: "Marco d'Itri <md@linux.it>",
        summary: "Basic TCP/IP networking system",
        needs: b'-',
    },
    Pkg {
        name: "openssh-client",
        version: "1:9.2p1-2+deb12u10",
        arch: "amd64",
        priority: "standard",
        section: "net",
        size: 5801,
        maintainer: "Debian OpenSSH Maintainers <debian-ssh@lists.debian.org>",
        summary: "secure shell (SSH) client, for secure access to remote machines",
        needs: b'-',
    },
    Pkg {
        name: "openssh-server",
        version: "1:9.2p1-2+deb12u10",
        arch: "amd64",
        priority: "optional",
        section: "net",
        size: 1930,
        maintainer: "Debian OpenSSH Maintainers <debian-ssh@lists.debian.org>",
        summary: "secure shell (SSH) server, for secure access from remote machines",
        needs: b'-',
    },
    Pkg {
        name: "openssh-sftp-server",
        version: "1:9.2p1-2+deb12u10",
        arch: "amd64",
        priority: "optional",
        section: "net",
        size: 217,
        maintainer: "Debian OpenSSH Maintainers <debian-ssh@lists.debian.org>",
        summary: "secure shell (SSH) sftp server module, for SFTP access from remote machines",
        needs: b'-',
    },
    Pkg {
        name: "openssl",
        version: "3.0.19-1~deb12u2",
        arch: "amd64",
        priority: "optional",
        section: "utils",
        size: 2308,
        maintainer: "Debian OpenSSL Team <pkg-openssl-devel@alioth-lists.debian.net>",
        summary: "Secure Sockets Layer toolkit - cryptographic utility",
        needs: b'-',
    },
    Pkg {
        name: "passwd",
        version: "1:4.13+dfsg1-1+deb12u1",
        arch: "amd64",
        priority: "required",
        section: "admin",
        size: 2827,
        maintainer: "Shadow package maintainers <pkg-shadow-devel@lists.alioth.debian.org>",
        summary: "change and administer password and group data",
        needs: b'-',
    },
    Pkg {
        name: "perl",
        version: "5.36.0-7+deb12u4",
        arch: "amd64",
        priority: "standard",
        section: "perl",
        size: 670,
        maintainer: "Niko Tyni <ntyni@debian.org>",
        summary: "Larry Wall's Practical Extraction and Report Language",
        needs: b'L',
    },
    Pkg {
        name: "perl-base",
        version: "5.36.0-7+deb12u4",
        arch: "amd64",
        priority: "required",
        section: "perl",
        size: 7643,
        maintainer: "Niko Tyni <ntyni@debian.org>",
        summary: "minimal Perl system",
        needs: b'-',
    },
    Pkg {
        name: "perl-modules-5.36",
        version: "5.36.0-7+deb12u4",
        arch: "all",
        priority: "optional",
        section: "libs",
        size: 17821,
        maintainer: "Niko Tyni <ntyni@debian.org>",
        summary: "Core Perl modules",
        needs: b'L',
    },
    Pkg {
        name: "procps",
        version: "2:4.0.2-3",
        arch: "amd64",
        priority: "important",
        section: "admin",
        size: 2091,
        maintainer: "Craig Small <csmall@debian.org>",
        summary: "/proc file system utilities",
        needs: b'-',
    },
    Pkg {
        name: "python3",
        version: "3.11.2-1+b1",
        arch: "amd64",
        priority: "optional",
        section: "python",
        size: 81,
        maintainer: "Matthias Klose <doko@debian.org>",
        summary: "interactive high-level object-oriented language (default python3 version)",
        needs: b'P',
    },
    Pkg {
        name: "python3-minimal",
        version: "3.11.2-1+b1",
        arch: "amd64",
        priority: "optional",
        section: "python",
        size: 111,
        maintainer: "Matthias Klose <doko@debian.org>",
        summary: "minimal subset of the Python language (default python3 version)",
        needs: b'P',
    },
    Pkg {
        name: "python3.11",
        version: "3.11.2-6+deb12u6",
        arch: "amd64",
        priority: "optional",
        section: "python",
        size: 649,
        maintainer: "Matthias Klose <doko@debian.org>",
        summary: "Interactive high-level object-oriented language (version 3.11)",
        needs: b'P',
    },
    Pkg {
        name: "python3.11-minimal",
        version: "3.11.2-6+deb12u6",
        arch: "amd64",
        priority: "optional",
        section: "python",
        size: 6762,
        maintainer: "Matthias Klose <doko@debian.org>",
        summary: "Minimal subset of the Python language (version 3.11)",
        needs: b'P',
    },
    Pkg {
        name: "readline-common",
        version: "8.2-1.3",
        arch: "all",
        priority: "optional",
        section: "utils",
        size: 89,
        maintainer: "Matthias Klose <doko@debian.org>",
        summary: "GNU readline and history libraries, common files",
        needs: b'-',
    },
    Pkg {
        name: "sed",
        version: "4.9-1",
        arch: "amd64",
        priority: "required",
        section: "utils",
        size: 987,
        maintainer: "Clint Adams <clint@debian.org>",
        summary: "GNU stream editor for filtering/transforming text",
        needs: b'-',
    },
    Pkg {
        name: "sensible-utils",
        version: "0.0.17+nmu1",
        arch: "all",
        priority: "required",
        section: "utils",
        size: 56,
        maintainer: "Anibal Monsalve Salazar <anibal@debian.org>",
        summary: "Utilities for sensible alternative selection",
        needs: b'-',
    },
    Pkg {
        name: "systemd",
        version: "252.38-1~deb12u1",
        arch: "amd64",
        priority: "important",
        section: "admin",
        size: 9667,
        maintainer: "Debian systemd Maintainers <pkg-systemd-maintainers@lists.alioth.debian.org>",
        summary: "system and service manager",
        needs: b'-',
    },
    Pkg {
        name: "systemd-sysv",
        version: "252.38-1~deb12u1",
        arch: "amd64",
        priority: "important",
        section: "admin",
        size: 73,
        maintainer: "Debian systemd Maintainers <pkg-systemd-maintainers@lists.alioth.debian.org>",
        summary: "system and service manager - SysV compatibility symlinks",
        needs: b'-',
    },
    Pkg {
        name: "sudo",
        version: "1.9.13p3-1+deb12u1",
        arch: "amd64",
        priority: "optional",
        section: "admin",
        size: 6190,
        maintainer: "Sudo Maintainers <sudo@packages.debian.org>",
        summary: "Provide limited super user privileges to specific users",
        needs: b'-',
    },
    Pkg {
        name: "sysvinit-utils",
        version: "3.06-4",
        arch: "amd64",
        priority: "required",
        section: "admin",
        size: 100,
        maintainer: "Debian sysvinit maintainers <debian-init-diversity@chiark.greenend.org.uk>",
        summary: "System-V-like utilities",
        needs: b'-',
    },
    Pkg {
        name: "tar",
        version: "1.34+dfsg-1.2+deb12u1",
        arch: "amd64",
        priority: "required",
        section: "utils",
        size: 3144,
        maintainer: "Janos Lenart <ocsi@debian.org>",
        summary: "GNU version of the tar archiving utility",
        needs: b'-',
    },
    Pkg {
        name: "tzdata",
        version: "2025b-0+deb12u2",
        arch: "all",
        priority: "required",
        section: "localization",
        size: 2565,
        maintainer: "GNU Libc Maintainers <debian-glibc@lists.debian.org>",
        summary: "time zone and daylight-saving time data",
        needs: b'-',
    },
    Pkg {
        name: "udev",
        version: "252.38-1~deb12u1",
        arch: "amd64",
        priority: "important",
        section: "admin",
        size: 12004,
        maintainer: "Debian systemd Maintainers <pkg-systemd-maintainers@lists.alioth.debian.org>",
        summary: "/dev/ and hotplug management daemon",
        needs: b'-',
    },
    Pkg {
        name: "util-linux",
        version: "2.38.1-5+deb12u3",
        arch: "amd64",
        priority: "required",
        section: "utils",
        size: 4978,
        maintainer: "util-linux packagers <util-linux@packages.debian.org>",
        summary: "miscellaneous system utilities",
        needs: b'-',
    },
    Pkg {
        name: "util-linux-extra",
        version: "2.38.1-5+deb12u3",
        arch: "amd64",
        priority: "standard",
        section: "utils",
        size: 366,
        maintainer: "util-linux packagers <util-linux@packages.debian.org>",
        summary: "interactive login tools",
        needs: b'-',
    },
    Pkg {
        name: "vim-common",
        version: "2:9.0.1378-2+deb12u2",
        arch: "all",
        priority: "important",
        section: "editors",
        size: 245,
        maintainer: "Debian Vim Maintainers <team+vim@tracker.debian.org>",
        summary: "Vi IMproved - Common files",
        needs: b'-',
    },
    Pkg {
        name: "vim-tiny",
        version: "2:9.0.1378-2",
        arch: "amd64",
        priority: "important",
        section: "editors",
        size: 1730,
        maintainer: "Debian Vim Maintainers <team+vim@tracker.debian.org>",
        summary: "Vi IMproved - enhanced vi editor - compact version",
        needs: b'-',
    },
    Pkg {
        name: "wget",
        version: "1.21.3-1+deb12u1",
        arch: "amd64",
        priority: "standard",
        section: "web",
        size: 3521,
        maintainer: "Noël Köthe <noel@debian.org>",
        summary: "retrieves files from the web",
        needs: b'-',
    },
    Pkg {
        name: "whiptail",
        version: "0.52.23-1+b1",
        arch: "amd64",
        priority: "important",
        section: "utils",
        size: 79,
        maintainer: "Alastair McKinstry <mckinstry@debian.org>",
        summary: "Displays user-friendly dialog boxes from shell scripts",
        needs: b'-',
    },
    Pkg {
        name: "zlib1g",
        version: "1:1.2.13.dfsg-1",
        arch: "amd64",
        priority: "optional",
        section: "libs",
        size: 168,
        maintainer: "Mark Brown <broonie@debian.org>",
        summary: "compression library - runtime",
        needs: b'-',
    },
];

/// Packages present when the persona has the matching service account.
const SERVICES: &[(&str, Pkg)] = &[
    (
        "_chrony",
        Pkg {
            name: "chrony",
            version: "4.3-2+deb12u1",
            arch: "amd64",
            priority: "optional",
            section: "net",
            size: 1204,
            maintainer: "Vincent Blut <vincent.debian@free.fr>",
            summary: "Versatile implementation of the Network Time Protocol",
            needs: b'-',
        },
    ),
    (
        "Debian-exim",
        Pkg {
            name: "exim4-daemon-light",
            version: "4.96-15+deb12u5",
            arch: "amd64",
            priority: "optional",
            section: "mail",
            size: 1442,
            maintainer: "Exim4 Maintainers <pkg-exim4-maintainers@lists.alioth.debian.org>",
            summary: "lightweight Exim MTA (v4) daemon",
            needs: b'-',
        },
    ),
    (
        "mysql",
        Pkg {
            name: "mariadb-server",
            version: "1:10.11.6-0+deb12u1",
            arch: "amd64",
            priority: "optional",
            section: "database",
            size: 73146,
            maintainer: "Debian MySQL Maintainers <pkg-mysql-maint@lists.alioth.debian.org>",
            summary: "MariaDB database server binaries",
            needs: b'-',
        },
    ),
    (
        "postgres",
        Pkg {
            name: "postgresql-15",
            version: "15.8-0+deb12u1",
            arch: "amd64",
            priority: "optional",
            section: "database",
            size: 50876,
            maintainer: "Debian PostgreSQL Maintainers <team+postgresql@tracker.debian.org>",
            summary: "The World's Most Advanced Open Source Relational Database",
            needs: b'-',
        },
    ),
    (
        "redis",
        Pkg {
            name: "redis-server",
            version: "5:7.0.15-1~deb12u1",
            arch: "amd64",
            priority: "optional",
            section: "database",
            size: 209,
            maintainer: "Chris Lamb <lamby@debian.org>",
            summary: "Persistent key-value database with network interface",
            needs: b'-',
        },
    ),
    (
        "tcpdump",
        Pkg {
            name: "tcpdump",
            version: "4.99.3-1",
            arch: "amd64",
            priority: "optional",
            section: "net",
            size: 1334,
            maintainer: "Romain Francoise <rfrancoise@debian.org>",
            summary: "command-line network traffic analyzer",
            needs: b'-',
        },
    ),
];

/// Owned fields of the packages that depend on the persona (kernel image, boot loader).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Row {
    /// Package name.
    pub(crate) name: String,
    /// Debian version.
    pub(crate) version: String,
    /// `amd64` or `all`.
    pub(crate) arch: &'static str,
    /// `required`, `important`, `standard` or `optional`.
    pub(crate) priority: &'static str,
    /// Archive section.
    pub(crate) section: &'static str,
    /// `Installed-Size` in KiB.
    pub(crate) size: u32,
    /// `Maintainer` field.
    pub(crate) maintainer: &'static str,
    /// First line of the description.
    pub(crate) summary: String,
}

impl From<&Pkg> for Row {
    fn from(p: &Pkg) -> Row {
        Row {
            name: p.name.to_owned(),
            version: p.version.to_owned(),
            arch: p.arch,
            priority: p.priority,
            section: p.section,
            size: p.size,
            maintainer: p.maintainer,
            summary: p.summary.to_owned(),
        }
    }
}

/// The installed packages of `persona`, sorted by name.
pub(crate) fn installed(persona: &Persona) -> Vec<Row> {
    let f = persona.packages;
    let mut rows: Vec<Row> = BASE
        .iter()
        .filter(|p| match p.needs {
            b'P' => f.python3,
            b'L' => f.perl,
            b'C' => f.curl,
            _ => true,
        })
        .map(Row::from)
        .collect();
    for (account, pkg) in SERVICES {
        if persona.users.iter().any(|u| u.name == *account) {
            rows.push(Row::from(pkg));
        }
    }
    let kernel_version = persona
        .kernel
        .version
        .split("Debian ")
        .nth(1)
        .and_then(|v| v.split(' ').next())
        .unwrap_or("6.1.106-3")
        .to_owned();
    let kernel = Row {
        name: format!("linux-image-{}", persona.kernel.release),
        version: kernel_version.clone(),
        arch: "amd64",
        priority: "optional",
        section: "kernel",
        size: 407_000,
        maintainer: "Debian Kernel Team <debian-kernel@lists.debian.org>",
        summary: "Linux 6.1 for 64-bit PCs (signed)".to_owned(),
    };
    rows.push(Row {
        name: "linux-image-amd64".to_owned(),
        summary: "Linux for 64-bit PCs (meta-package)".to_owned(),
        size: 13,
        ..kernel.clone()
    });
    rows.push(kernel);
    let efi = persona.disks.iter().any(|d| d.mount == "/boot/efi");
    let grub = if efi { "grub-efi-amd64" } else { "grub-pc" };
    rows.push(Row {
        name: grub.to_owned(),
        version: "2.06-13+deb12u1".to_owned(),
        arch: "amd64",
        priority: "optional",
        section: "admin",
        size: 260,
        maintainer: "GRUB Maintainers <pkg-grub-devel@alioth-lists.debian.net>",
        summary: format!(
            "GRand Unified Bootloader, version 2 ({} version)",
            if efi { "EFI-AMD64" } else { "PC/BIOS" }
        ),
    });
    rows.sort_by(|a, b| a.name.cmp(&b.name));
    rows.dedup_by(|a, b| a.name == b.name);
    rows
}

/// Shell-style glob match (`*`, `?`), as dpkg-query matches package patterns.
fn glob(pat: &str, name: &str) -> bool {
    let (p, n): (Vec<char>, Vec<char>) = (pat.chars().collect(), name.chars().collect());
    let (mut pi, mut ni, mut star, mut mark) = (0usize, 0usize, None::<usize>, 0usize);
    while ni < n.len() {
        match p.get(pi) {
            Some('*') => {
                star = Some(pi);
                mark = ni;
                pi += 1;
            }
            Some(c) if *c == '?' || Some(c) == n.get(ni) => {
                pi += 1;
                ni += 1;
            }
            _ => match star {
                Some(s) => {
                    pi = s + 1;
                    mark += 1;
                    ni = mark;
                }
                None => return false,
            },
        }
    }
    p.get(pi..).is_some_and(|rest| rest.iter().all(|c| *c == '*'))
}

/// `dpkg -l`: the three legend lines, the header and one `ii` row per package, columns fitted to their content.
fn list(ctx: &mut Ctx, pkgs: &[Row], patterns: &[String]) -> i32 {
    let mut rows: Vec<&Row> = Vec::new();
    let mut status = 0;
    if patterns.is_empty() {
        rows = pkgs.iter().collect();
    } else {
        for pat in patterns {
            let hit: Vec<&Row> = pkgs.iter().filter(|p| glob(pat, &p.name)).collect();
            if hit.is_empty() {
                ctx.err(format!("dpkg-query: no packages found matching {pat}\n"));
                status = 1;
            }
            rows.extend(hit.into_iter().filter(|r| !rows_contains(&rows, r)).collect::<Vec<_>>());
        }
    }
    if rows.is_empty() {
        return status;
    }
    let nw = rows.iter().map(|r| r.name.len()).max().unwrap_or(0).max(14);
    let vw = rows.iter().map(|r| r.version.len()).max().unwrap_or(0).max(12);
    let dw = rows.iter().map(|r| r.summary.len()).max().unwrap_or(0).clamp(33, 80);
    let mut out = String::from(
        "Desired=Unknown/Install/Remove/Purge/Hold\n| Status=Not/Inst/Conf-files/Unpacked/halF-conf/Half-inst/\
         trig-aWait/Trig-pend\n|/ Err?=(none)/Reinst-required (Status,Err: uppercase=bad)\n",
    );
    out.push_str(&format!(
        "||/ {:<nw$} {:<vw$} {:<12} Description\n+++-{}-{}-{}-{}\n",
        "Name",
        "Version",
        "Architecture",
        "=".repeat(nw),
        "=".repeat(vw),
        "=".repeat(12),
        "=".repeat(dw)
    ));
    for r in rows {
        let summary: String = r.summary.chars().take(dw).collect();
        out.push_str(&format!(
            "ii  {:<nw$} {:<vw$} {:<12} {summary}\n",
            r.name, r.version, r.arch
        ));
    }
    ctx.out(out);
    status
}

/// Whether `rows` already holds `r` (a package matched by two patterns is listed once).
fn rows_contains(rows: &[&Row], r: &Row) -> bool {
    rows.iter().any(|x| x.name == r.name)
}

/// `dpkg -s`: one stanza per package.
fn status(ctx: &mut Ctx, pkgs: &[Row], names: &[String]) -> i32 {
    if names.is_empty() {
        ctx.err("dpkg-query: error: --status needs at least one package name argument\n\nUse --help for help about querying packages.\n");
        return 2;
    }
    let mut code = 0;
    let mut stanzas: Vec<String> = Vec::new();
    for n in names {
        match pkgs
            .iter()
            .find(|p| p.name == *n || p.name == n.trim_end_matches(":amd64"))
        {
            Some(p) => stanzas.push(format!(
                "Package: {}\nStatus: install ok installed\nPriority: {}\nSection: {}\nInstalled-Size: {}\nMaintainer: \
                 {}\nArchitecture: {}\nVersion: {}\nDescription: {}\n",
                p.name, p.priority, p.section, p.size, p.maintainer, p.arch, p.version, p.summary
            )),
            None => {
                ctx.err(format!(
                    "dpkg-query: package '{n}' is not installed and no information is available\n"
                ));
                code = 1;
            }
        }
    }
    if code != 0 {
        ctx.err("Use dpkg --info (= dpkg-deb --info) to examine archive files.\n");
    }
    ctx.out(stanzas.join("\n"));
    code
}

/// `dpkg-query -W`: `name<TAB>version` per package.
fn show(ctx: &mut Ctx, pkgs: &[Row], patterns: &[String]) -> i32 {
    let mut out = String::new();
    let mut code = 0;
    if patterns.is_empty() {
        for p in pkgs {
            out.push_str(&format!("{}\t{}\n", p.name, p.version));
        }
    }
    for pat in patterns {
        let hit: Vec<&Row> = pkgs.iter().filter(|p| glob(pat, &p.name)).collect();
        if hit.is_empty() {
            ctx.err(format!("dpkg-query: no packages found matching {pat}\n"));
            code = 1;
        }
        for p in hit {
            out.push_str(&format!("{}\t{}\n", p.name, p.version));
        }
    }
    ctx.out(out);
    code
}

/// The shared query front end of `dpkg` and `dpkg-query`.
fn query(ctx: &mut Ctx, args: &[String], is_dpkg: bool) -> i32 {
    let pkgs = installed(&ctx.session.persona);
    let mut action: Option<&str> = None;
    let mut operands: Vec<String> = Vec::new();
    for a in args.iter().skip(1) {
        match a.as_str() {
            "-l" | "--list" => action = Some("list"),
            "-s" | "--status" => action = Some("status"),
            "-W" | "--show" => action = Some("show"),
            "-L" | "--listfiles" => action = Some("files"),
            "--print-architecture" => action = Some("arch"),
            "--version" => action = Some("version"),
            "-i" | "--install" | "-r" | "--remove" | "-P" | "--purge" | "--configure" | "--unpack" => {
                action = Some("modify")
            }
            s if s.starts_with("-f") || s.starts_with("--showformat") => {}
            s if s.starts_with('-') && s.len() > 1 => {
                if is_dpkg {
                    ctx.err(format!("dpkg: error: unknown option {s}\n\n{DPKG_HINT}"));
                } else {
                    ctx.err(format!(
                        "dpkg-query: error: unknown option {s}\n\nUse --help for help about querying packages.\n"
                    ));
                }
                return 2;
            }
            s => operands.push(s.to_owned()),
        }
    }
    operands.truncate(MAX_OPERANDS);
    match action {
        Some("list") => list(ctx, &pkgs, &operands),
        Some("status") => status(ctx, &pkgs, &operands),
        Some("show") => show(ctx, &pkgs, &operands),
        Some("arch") => {
            ctx.out("amd64\n");
            0
        }
        Some("version") => {
            ctx.out(
                "Debian 'dpkg' package management program version 1.21.22 (amd64).\nThis is free software; see the GNU \
                 General Public License version 2 or\nlater for copying conditions. There is NO warranty.\n",
            );
            0
        }
        Some("files") => {
            let mut code = 0;
            for n in &operands {
                if pkgs.iter().any(|p| p.name == *n) {
                    ctx.out(format!(
                        "/.\n/usr\n/usr/share\n/usr/share/doc\n/usr/share/doc/{n}\n/usr/share/doc/{n}/copyright\n"
                    ));
                } else {
                    ctx.err(format!("dpkg-query: package '{n}' is not installed\nUse dpkg --contents (= dpkg-deb --contents) to list archive files contents.\n"));
                    code = 1;
                }
            }
            code
        }
        Some(_) => {
            if ctx.session.user.uid != 0 {
                ctx.err("dpkg: error: requested operation requires superuser privilege\n");
                return 2;
            }
            match operands.first() {
                Some(f) => {
                    ctx.err(format!(
                        "dpkg: error: cannot access archive '{f}': No such file or directory\n"
                    ));
                    2
                }
                None => {
                    ctx.err("dpkg: error: --install needs at least one package archive file argument\n\nType dpkg --help for help about installing and deinstalling packages [*];\nUse 'apt' or 'aptitude' for user-friendly package management;\nType dpkg -Dhelp for a list of dpkg debug flag values;\nType dpkg --force-help for a list of forcing options;\nType dpkg-deb --help for help about manipulating *.deb files;\n\nOptions marked [*] produce a lot of output - pipe it through 'less' or 'more' !\n");
                    2
                }
            }
        }
        None => {
            if is_dpkg {
                ctx.err(format!("dpkg: error: need an action option\n\n{DPKG_HINT}"));
            } else {
                ctx.err("dpkg-query: error: need an action option\n\nUse --help for help about querying packages.\n");
            }
            2
        }
    }
}

impl Command for Dpkg {
    fn names(&self) -> &'static [&'static str] {
        &["dpkg", "/bin/dpkg", "/usr/bin/dpkg"]
    }

    fn run(&self, ctx: &mut Ctx, args: &[String], _stdin: &[u8]) -> i32 {
        let _ = prog(args);
        query(ctx, args, true)
    }
}

impl Command for DpkgQuery {
    fn names(&self) -> &'static [&'static str] {
        &["dpkg-query", "/bin/dpkg-query", "/usr/bin/dpkg-query"]
    }

    fn run(&self, ctx: &mut Ctx, args: &[String], _stdin: &[u8]) -> i32 {
        query(ctx, args, false)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::commands::testing::{check, session};

    #[test]
    fn dpkg_agrees_with_the_persona() {
        let s = session();
        let pkgs = installed(&s.persona);
        assert_eq!(pkgs.iter().any(|p| p.name == "python3"), s.persona.packages.python3);
        assert_eq!(pkgs.iter().any(|p| p.name == "perl"), s.persona.packages.perl);
        assert_eq!(pkgs.iter().any(|p| p.name == "curl"), s.persona.packages.curl);
        assert!(!pkgs
            .iter()
            .any(|p| p.name == "net-tools" || p.name == "lsb-release" || p.name == "dbus"));
        assert!(pkgs
            .iter()
            .any(|p| p.name == format!("linux-image-{}", s.persona.kernel.release)));
        assert!(pkgs.windows(2).all(|w| w[0].name < w[1].name));
        check(
            "dpkg -l bash coreutils",
            "Desired=Unknown/Install/Remove/Purge/Hold\n| Status=Not/Inst/Conf-files/Unpacked/halF-conf/Half-inst/\
             trig-aWait/Trig-pend\n|/ Err?=(none)/Reinst-required (Status,Err: uppercase=bad)\n||/ Name           \
             Version      Architecture Description\n+++-==============-============-============-\
             =================================\nii  bash           5.2.15-2+b8  amd64        GNU Bourne Again SHell\nii  \
             coreutils      9.1-1        amd64        GNU core utilities\n",
            "",
            0,
        );
        check(
            "dpkg -l nosuch",
            "",
            "dpkg-query: no packages found matching nosuch\n",
            1,
        );
        check(
            "dpkg -s nosuch",
            "",
            "dpkg-query: package 'nosuch' is not installed and no information is available\nUse dpkg --info (= \
             dpkg-deb --info) to examine archive files.\n",
            1,
        );
        check("dpkg --print-architecture", "amd64\n", "", 0);
        check(
            "dpkg -z",
            "",
            &format!("dpkg: error: unknown option -z\n\n{DPKG_HINT}"),
            2,
        );
        check(
            "dpkg-query",
            "",
            "dpkg-query: error: need an action option\n\nUse --help for help about querying packages.\n",
            2,
        );
        let st = String::from_utf8(session().run_line("dpkg -s coreutils").stdout).unwrap();
        assert!(
            st.starts_with("Package: coreutils\nStatus: install ok installed\nPriority: required\n"),
            "{st}"
        );
        assert!(glob("lib*", "libc6") && !glob("lib?", "libc6") && glob("*ssh*", "openssh-server"));
    }
}

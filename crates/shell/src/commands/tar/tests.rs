//! Tests of `tar`; every expected text was produced by the real GNU tar 1.34 on Debian 12 on the same input.

use proptest::prelude::*;
use sha2::{Digest, Sha256};

use super::archive::{member_bytes, Member};
use super::gzip::compress;
use crate::commands::testing::{check, check_in, session};
use crate::exec::{Session, MAX_OUTPUT};
use crate::fs::{Kind, WriteMode, MAX_ENTRIES_CREATED, MAX_OVERLAY_BYTES};

const TRY: &str = "Try 'tar --help' or 'tar --usage' for more information.\n";

/// Puts `bytes` at `path` in the session's fs.
fn put(s: &mut Session, path: &str, bytes: &[u8]) {
    s.fs.write("/", path, bytes, WriteMode::Truncate).expect("write");
}

/// A member as Python's `tarfile` wrote the reference archives: bob/staff (1001/50), mtime 2026-09-21 14:13:20.
fn bob(name: &str, typeflag: u8, mode: u32, data: &[u8], link: &str) -> Vec<u8> {
    let m = Member {
        name: name.as_bytes().to_vec(),
        link: link.as_bytes().to_vec(),
        typeflag,
        mode,
        uid: 1001,
        gid: 50,
        size: if typeflag == b'0' { data.len() as u64 } else { 0 },
        mtime: 1_790_000_000,
        uname: b"bob".to_vec(),
        gname: b"staff".to_vec(),
        ..Member::default()
    };
    member_bytes(&m, data)
}

/// Members followed by the end-of-archive blocks.
fn archive(members: &[Vec<u8>]) -> Vec<u8> {
    let mut out: Vec<u8> = members.concat();
    out.extend_from_slice(&[0; 1024]);
    out
}

/// The hostile archive of the reference run: absolute, `..`, setuid, symlink out, hard link, long name.
fn hostile() -> Vec<u8> {
    let long = format!("{}/long", "a".repeat(150));
    archive(&[
        bob("/etc/evil", b'0', 0o644, b"hi\n", ""),
        bob("../up", b'0', 0o644, b"hi\n", ""),
        bob("ok/../../x", b'0', 0o644, b"hi\n", ""),
        bob("ok/fine", b'0', 0o4755, b"hi\n", ""),
        bob("ok/dir/", b'5', 0o700, b"", ""),
        bob("ok/sym", b'2', 0o644, b"", "/etc/passwd"),
        bob("ok/hard", b'1', 0o644, b"", "ok/fine"),
        bob(&long, b'0', 0o644, b"hi\n", ""),
        bob("//abs2", b'0', 0o644, b"hi\n", ""),
        bob("./dot/x", b'0', 0o644, b"hi\n", ""),
    ])
}

#[test]
fn round_trip() {
    let mut s = session();
    check_in(
        &mut s,
        "mkdir -p /tmp/d/sub; echo hello > /tmp/d/a.txt; ln -s a.txt /tmp/d/link; chmod 750 /tmp/d/sub; cd /tmp; \
         tar cvf x.tar d",
        "d/\nd/a.txt\nd/link\nd/sub/\n",
        "",
        0,
    );
    let listing = "drwxr-xr-x root/root         0 2025-06-15 15:06 d/\n\
                   -rw-r--r-- root/root         6 2025-06-15 15:06 d/a.txt\n\
                   lrwxrwxrwx root/root         0 2025-06-15 15:06 d/link -> a.txt\n\
                   drwxr-x--- root/root         0 2025-06-15 15:06 d/sub/\n";
    check_in(&mut s, "tar tvf x.tar", listing, "", 0);
    check_in(&mut s, "tar tf x.tar", "d/\nd/a.txt\nd/link\nd/sub/\n", "", 0);
    check_in(
        &mut s,
        "ls -l x.tar",
        "-rw-r--r-- 1 root root 10240 Jun 15 15:06 x.tar\n",
        "",
        0,
    );
    // Compressed, listed with and without `z` (gzip found by magic), and through a pipe.
    check_in(&mut s, "tar czf x.tgz d && tar tzvf x.tgz", listing, "", 0);
    check_in(&mut s, "tar tvf x.tgz", listing, "", 0);
    check_in(&mut s, "cat x.tgz | tar tvzf -", listing, "", 0);
    check_in(&mut s, "tar -cz d | tar -tvz", listing, "", 0);
    // Extraction recreates content, modes, link and times.
    check_in(
        &mut s,
        "mkdir /tmp/e && tar xzvf x.tgz -C /tmp/e",
        "d/\nd/a.txt\nd/link\nd/sub/\n",
        "",
        0,
    );
    check_in(&mut s, "cat /tmp/e/d/a.txt", "hello\n", "", 0);
    assert_eq!(s.fs().read_link("/", "/tmp/e/d/link").expect("link").as_ref(), "a.txt");
    let st = s.fs().lstat("/", "/tmp/e/d/sub").expect("sub");
    assert_eq!((st.kind, st.mode, st.mtime), (Kind::Dir, 0o750, 1_750_000_000));
    check_in(
        &mut s,
        "tar -xf x.tar -C /tmp/e d/a.txt && cat e/d/a.txt",
        "hello\n",
        "",
        0,
    );
    check_in(
        &mut s,
        "tar cf - d | tar xvf - -C /tmp/e",
        "d/\nd/a.txt\nd/link\nd/sub/\n",
        "",
        0,
    );
    check_in(&mut s, "tar xOf x.tar d/a.txt", "hello\n", "", 0);
    check_in(&mut s, "tar xvOf x.tar d/a.txt", "hello\n", "d/a.txt\n", 0);
    // The verbose listing of an archive written to stdout goes to stderr.
    check_in(&mut s, "tar cvf - d/a.txt | tar t", "d/a.txt\n", "d/a.txt\n", 0);
}

#[test]
fn archives_are_byte_identical_to_gnu() {
    // `echo hello > a.txt; touch -d @1750000000 a.txt; tar cf ref.tar a.txt` as root, and a directory with a
    // symlink and a subdirectory, same time.
    let mut s = session();
    let sha = |s: &mut Session, path: &str| {
        let bytes = s.read_file(path).expect("archive");
        Sha256::digest(&bytes)
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect::<String>()
    };
    s.run_line("cd /tmp; echo hello > a.txt; tar cf ref.tar a.txt");
    assert_eq!(
        sha(&mut s, "/tmp/ref.tar"),
        "827ae13a1f292d9e38b0ec7e7670328f60793712b4b5e49271eb153c5c4adcd7"
    );
    s.run_line("mkdir -p dd/sub; ln -s ../a.txt dd/l; tar cf ref2.tar dd");
    assert_eq!(
        sha(&mut s, "/tmp/ref2.tar"),
        "9beb057ee9e646d12059ef48bc8bdbd42d9b65f3d8e36dc2c1c95865586f433b"
    );
}

#[test]
fn hostile_listing_and_extraction() {
    let mut s = session();
    s.set_now(1_795_000_000);
    put(&mut s, "/tmp/h.tar", &hostile());
    let long = format!("{}/long", "a".repeat(150));
    let removing = "tar: Removing leading `/' from member names\n\
                    tar: Removing leading `../' from member names\n\
                    tar: Removing leading `ok/../../' from member names\n\
                    tar: Removing leading `//' from member names\n";
    check_in(
        &mut s,
        "tar tvf /tmp/h.tar",
        &format!(
            "-rw-r--r-- bob/staff         3 2026-09-21 14:13 /etc/evil\n\
             -rw-r--r-- bob/staff         3 2026-09-21 14:13 ../up\n\
             -rw-r--r-- bob/staff         3 2026-09-21 14:13 ok/../../x\n\
             -rwsr-xr-x bob/staff         3 2026-09-21 14:13 ok/fine\n\
             drwx------ bob/staff         0 2026-09-21 14:13 ok/dir/\n\
             lrw-r--r-- bob/staff         0 2026-09-21 14:13 ok/sym -> /etc/passwd\n\
             hrw-r--r-- bob/staff         0 2026-09-21 14:13 ok/hard link to ok/fine\n\
             -rw-r--r-- bob/staff         3 2026-09-21 14:13 {long}\n\
             -rw-r--r-- bob/staff         3 2026-09-21 14:13 //abs2\n\
             -rw-r--r-- bob/staff         3 2026-09-21 14:13 ./dot/x\n"
        ),
        removing,
        0,
    );
    check_in(
        &mut s,
        "mkdir /tmp/x; cd /tmp/x; tar xvf ../h.tar",
        &format!("/etc/evil\nok/fine\nok/dir/\nok/sym\nok/hard\n{long}\n//abs2\n./dot/x\n"),
        "tar: Removing leading `/' from member names\n\
         tar: Removing leading `../' from member names\n\
         tar: ../up: Member name contains '..'\n\
         tar: Removing leading `ok/../../' from member names\n\
         tar: ok/../../x: Member name contains '..'\n\
         tar: Removing leading `//' from member names\n\
         tar: Exiting with failure status due to previous errors\n",
        2,
    );
    let fs = s.fs();
    for (path, kind, mode) in [
        ("/tmp/x/etc/evil", Kind::File, 0o644),
        ("/tmp/x/ok/fine", Kind::File, 0o4755),
        ("/tmp/x/ok/hard", Kind::File, 0o4755),
        ("/tmp/x/ok/dir", Kind::Dir, 0o700),
        ("/tmp/x/ok/sym", Kind::Symlink, 0o777),
        ("/tmp/x/abs2", Kind::File, 0o644),
        ("/tmp/x/dot/x", Kind::File, 0o644),
    ] {
        let st = fs.lstat("/", path).expect(path);
        assert_eq!((st.kind, st.mode), (kind, mode), "{path}");
        if kind != Kind::Symlink {
            assert_eq!((st.uid, st.gid, st.mtime), (1001, 50, 1_790_000_000), "{path}");
        }
    }
    assert_eq!(
        fs.read_link("/", "/tmp/x/ok/sym").expect("link").as_ref(),
        "/etc/passwd"
    );
    assert!(fs.stat("/", "/tmp/up").is_err() && fs.stat("/", "/tmp/x/up").is_err());
    assert!(fs.stat("/", "/x").is_err() && fs.stat("/", "/tmp/x/x").is_err());
    // The real /etc was not touched.
    assert!(fs.stat("/", "/etc/evil").is_err());
    // `-o` keeps the extracting user; `-P` keeps absolute names.
    check_in(&mut s, "mkdir /tmp/o; tar xof /tmp/h.tar -C /tmp/o ok/fine", "", "", 0);
    assert_eq!(s.fs().stat("/", "/tmp/o/ok/fine").expect("fine").uid, 0);
    check_in(&mut s, "tar xPf /tmp/h.tar /etc/evil && cat /etc/evil", "hi\n", "", 0);
}

#[test]
fn symlink_placeholder_blocks_writing_through() {
    // A symlink out of the tree followed by a member "inside" it: GNU's placeholder makes the second fail.
    let mut s = session();
    s.set_now(1_795_000_000);
    put(
        &mut s,
        "/tmp/p.tar",
        &archive(&[
            bob("l", b'2', 0o777, b"", "/etc"),
            bob("l/passwd", b'0', 0o644, b"owned\n", ""),
        ]),
    );
    check_in(
        &mut s,
        "cd /tmp && tar xf p.tar",
        "",
        "tar: l/passwd: Cannot open: Not a directory\ntar: Exiting with failure status due to previous errors\n",
        2,
    );
    check_in(&mut s, "head -c 5 /etc/passwd", "root:", "", 0);
    assert_eq!(s.fs().read_link("/", "/tmp/l").expect("link").as_ref(), "/etc");
}

#[test]
fn usage_and_open_errors() {
    let cases: &[(&str, &str, String, i32)] = &[
        (
            "tar -xf nope.tar",
            "",
            "tar: nope.tar: Cannot open: No such file or directory\ntar: Error is not recoverable: exiting now\n".into(),
            2,
        ),
        (
            "tar xzf nope.tgz",
            "",
            "tar (child): nope.tgz: Cannot open: No such file or directory\n\
             tar (child): Error is not recoverable: exiting now\n\
             tar: Child returned status 2\ntar: Error is not recoverable: exiting now\n"
                .into(),
            2,
        ),
        (
            "tar",
            "",
            format!("tar: You must specify one of the '-Acdtrux', '--delete' or '--test-label' options\n{TRY}"),
            2,
        ),
        ("tar -cf x.tar", "", format!("tar: Cowardly refusing to create an empty archive\n{TRY}"), 2),
        (
            "tar -tf /etc/hostname",
            "",
            "tar: This does not look like a tar archive\ntar: Exiting with failure status due to previous errors\n"
                .into(),
            2,
        ),
        (
            "tar -tzf /etc/hostname",
            "",
            "\ngzip: stdin: not in gzip format\ntar: Child returned status 1\ntar: Error is not recoverable: exiting now\n"
                .into(),
            2,
        ),
        (
            "tar -tzf /dev/null",
            "",
            "\ngzip: stdin: unexpected end of file\ntar: Child returned status 1\n\
             tar: Error is not recoverable: exiting now\n"
                .into(),
            2,
        ),
        (
            "tar -tf /etc",
            "",
            "tar: /etc: Cannot read: Is a directory\ntar: At beginning of tape, quitting now\n\
             tar: Error is not recoverable: exiting now\n"
                .into(),
            2,
        ),
        (
            "tar cf /tmp/x.tar /nope",
            "",
            "tar: Removing leading `/' from member names\ntar: /nope: Cannot stat: No such file or directory\n\
             tar: Exiting with failure status due to previous errors\n"
                .into(),
            2,
        ),
        (
            "tar czf /nope/x.tgz /etc/hostname",
            "",
            "tar (child): /nope/x.tgz: Cannot open: No such file or directory\n\
             tar (child): Error is not recoverable: exiting now\ntar: /nope/x.tgz: Cannot write: Broken pipe\n\
             tar: Child returned status 2\ntar: Error is not recoverable: exiting now\n"
                .into(),
            2,
        ),
        (
            "tar cf /tmp /etc/hostname",
            "",
            "tar: /tmp: Cannot open: Is a directory\ntar: Error is not recoverable: exiting now\n".into(),
            2,
        ),
        ("tar xf", "", format!("tar: Old option 'f' requires an argument.\n{TRY}"), 2),
        ("tar -q", "", format!("tar: invalid option -- 'q'\n{TRY}"), 64),
        ("tar --bogus", "", format!("tar: unrecognized option '--bogus'\n{TRY}"), 64),
        (
            "tar --ex -f x.tar",
            "",
            format!(
                "tar: option '--ex' is ambiguous; possibilities: '--extract' '--exclude' '--exclude-from' \
                 '--exclude-caches' '--exclude-caches-under' '--exclude-caches-all' '--exclude-tag' \
                 '--exclude-ignore' '--exclude-ignore-recursive' '--exclude-tag-under' '--exclude-tag-all' \
                 '--exclude-vcs' '--exclude-vcs-ignores' '--exclude-backups'\n{TRY}"
            ),
            64,
        ),
        ("tar rzf x.tgz a", "", format!("tar: Cannot update compressed archives\n{TRY}"), 2),
        ("tar rf - a", "", format!("tar: Options '-Aru' are incompatible with '-f -'\n{TRY}"), 2),
        (
            "tar -tjf /etc/hostname",
            "",
            "bzip2: (stdin) is not a bzip2 file.\ntar: Child returned status 2\n\
             tar: Error is not recoverable: exiting now\n"
                .into(),
            2,
        ),
        (
            "tar -tJf /etc/hostname",
            "",
            "xz: (stdin): File format not recognized\ntar: Child returned status 1\n\
             tar: Error is not recoverable: exiting now\n"
                .into(),
            2,
        ),
        (
            "tar tf - < /dev/null",
            "",
            "tar: This does not look like a tar archive\ntar: Exiting with failure status due to previous errors\n"
                .into(),
            2,
        ),
    ];
    for (line, out, err, status) in cases {
        check(line, out, err, *status);
    }
}

#[test]
fn version_help_and_which() {
    check(
        "tar --version",
        "tar (GNU tar) 1.34\nCopyright (C) 2021 Free Software Foundation, Inc.\n\
         License GPLv3+: GNU GPL version 3 or later <https://gnu.org/licenses/gpl.html>.\n\
         This is free software: you are free to change and redistribute it.\n\
         There is NO WARRANTY, to the extent permitted by law.\n\nWritten by John Gilmore and Jay Fenlason.\n",
        "",
        0,
    );
    check("tar --help | head -1", "Usage: tar [OPTION...] [FILE]...\n", "", 0);
    check(
        "tar --usage | head -1",
        "Usage: tar [-AcdrtuxGnSkUWOmpsMBiajJzZhPlRvwo?] [-g FILE] [-C DIR] [-T FILE]\n",
        "",
        0,
    );
    check("which tar", "/usr/bin/tar\n", "", 0);
}

#[test]
fn terminals_are_refused() {
    let mut s = session();
    s.set_tty(true);
    let refuse = |what: &str| {
        format!(
            "tar: Refusing to {what} archive contents {} terminal (missing -f option?)\n\
             tar: Error is not recoverable: exiting now\n",
            if what == "read" { "from" } else { "to" }
        )
    };
    check_in(&mut s, "tar -c /etc/hostname", "", &refuse("write"), 2);
    check_in(&mut s, "tar -x", "", &refuse("read"), 2);
    check_in(
        &mut s,
        "tar -cf - /etc/hostname | tar -t",
        "etc/hostname\n",
        "tar: Removing leading `/' from member names\n",
        0,
    );
}

#[test]
fn structure_damage() {
    let mut s = session();
    let good = archive(&[bob("f", b'0', 0o644, b"hi\n", "")]);
    let header = bob("f", b'0', 0o644, b"hi\n", "");
    // A lone zero block, then another member.
    let mut lone = header.clone();
    lone.extend_from_slice(&[0; 512]);
    lone.extend_from_slice(&header);
    put(&mut s, "/tmp/lone.tar", &lone);
    check_in(
        &mut s,
        "tar tf /tmp/lone.tar",
        "f\n",
        "tar: A lone zero block at 3\n",
        0,
    );
    // Garbage: one complaint, then silence.
    put(&mut s, "/tmp/g.bin", &b"garbage".repeat(200));
    check_in(
        &mut s,
        "tar tf /tmp/g.bin",
        "",
        "tar: This does not look like a tar archive\ntar: Skipping to next header\n\
         tar: Exiting with failure status due to previous errors\n",
        2,
    );
    // A bad checksum after a good member.
    let mut bad = header.clone();
    let mut second = header.clone();
    second[148] = b'7';
    bad.extend_from_slice(&second);
    bad.extend_from_slice(&good);
    put(&mut s, "/tmp/bad.tar", &bad);
    check_in(
        &mut s,
        "tar tf /tmp/bad.tar",
        "f\nf\n",
        "tar: Skipping to next header\ntar: Exiting with failure status due to previous errors\n",
        2,
    );
    // A header cut short is the end; a short file is not an archive.
    put(&mut s, "/tmp/cut.tar", &good[..700]);
    check_in(
        &mut s,
        "tar tf /tmp/cut.tar",
        "f\n",
        "tar: Unexpected EOF in archive\ntar: Error is not recoverable: exiting now\n",
        2,
    );
    put(&mut s, "/tmp/short.tar", &good[..300]);
    check_in(
        &mut s,
        "tar tf /tmp/short.tar",
        "",
        "tar: This does not look like a tar archive\ntar: Exiting with failure status due to previous errors\n",
        2,
    );
}

#[test]
fn truncated_and_huge_members() {
    // As the reference run: `f` declares 5000 bytes and has 1000; `big` declares 1 TiB and has 2048.
    let mut s = session();
    let root = |name: &str, size: u64| {
        let m = Member {
            name: name.as_bytes().to_vec(),
            typeflag: b'0',
            mode: 0o644,
            size,
            mtime: 1_750_000_000,
            uname: b"root".to_vec(),
            gname: b"root".to_vec(),
            ..Member::default()
        };
        let mut b = member_bytes(&m, b"");
        b.truncate(512);
        b
    };
    let mut trunc = root("f", 5000);
    trunc.extend_from_slice(&[b'y'; 1000]);
    put(&mut s, "/tmp/trunc.tar", &trunc);
    check_in(
        &mut s,
        "tar tvf /tmp/trunc.tar",
        "-rw-r--r-- root/root      5000 2025-06-15 15:06 f\n",
        "tar: Unexpected EOF in archive\ntar: Error is not recoverable: exiting now\n",
        2,
    );
    check_in(
        &mut s,
        "cd /tmp && tar xvf trunc.tar; ls -l f",
        "f\n-rw------- 1 root root 512 Jun 15 15:06 f\n",
        "tar: Unexpected EOF in archive\ntar: Unexpected EOF in archive\ntar: Error is not recoverable: exiting now\n",
        0,
    );
    let mut huge = root("big", 1 << 40);
    huge.extend_from_slice(&[b'x'; 2048]);
    put(&mut s, "/tmp/huge.tar", &huge);
    check_in(
        &mut s,
        "tar tvf /tmp/huge.tar",
        "-rw-r--r-- root/root 1099511627776 2025-06-15 15:06 big\n",
        "tar: rmtlseek not stopped at a record boundary\ntar: Error is not recoverable: exiting now\n",
        2,
    );
    check_in(
        &mut s,
        "tar xvf /tmp/huge.tar -C /tmp; ls -l /tmp/big",
        "big\n-rw------- 1 root root 2048 Jun 15 15:06 /tmp/big\n",
        "tar: Unexpected EOF in archive\ntar: rmtlseek not stopped at a record boundary\n\
         tar: Error is not recoverable: exiting now\n",
        0,
    );
    // From a pipe there is no seeking: the data just ends.
    check_in(
        &mut s,
        "cat /tmp/huge.tar | tar tf -",
        "big\n",
        "tar: Unexpected EOF in archive\ntar: Error is not recoverable: exiting now\n",
        2,
    );
}

#[test]
fn gzip_damage_and_bomb() {
    let mut s = session();
    let raw = archive(&[bob("f", b'0', 0o644, b"hi\n", "")]);
    let gz = compress(&raw);
    let n = gz.len();
    let child = |msg: &str, status: i32| {
        format!(
            "\ngzip: stdin: {msg}\ntar: Child returned status {status}\ntar: Error is not recoverable: exiting now\n"
        )
    };
    let mut crc = gz.clone();
    crc[n - 8] ^= 1;
    put(&mut s, "/tmp/crc.tgz", &crc);
    check_in(
        &mut s,
        "tar tf /tmp/crc.tgz",
        "f\n",
        &child("invalid compressed data--crc error", 1),
        2,
    );
    let mut trailing = gz.clone();
    trailing.extend_from_slice(b"garbage\n");
    put(&mut s, "/tmp/tg.tgz", &trailing);
    check_in(
        &mut s,
        "tar tf /tmp/tg.tgz",
        "f\n",
        &child("decompression OK, trailing garbage ignored", 2),
        2,
    );
    put(&mut s, "/tmp/cut.tgz", &gz[..12]);
    check_in(
        &mut s,
        "tar tf /tmp/cut.tgz",
        "",
        &child("unexpected end of file", 1),
        2,
    );
    put(&mut s, "/tmp/plain.tgz", &b"not gzip at all\n".repeat(64));
    check_in(&mut s, "tar tf /tmp/plain.tgz", "", &child("not in gzip format", 1), 2);

    // Cut inside a member's data (incompressible, so half the file is half the data): gzip complains, then tar
    // meets the end of its data, as with the reference `head -c 15000 r.tgz`.
    let mut x = 7u32;
    let noise: Vec<u8> = (0..30_000)
        .map(|_| {
            x = x.wrapping_mul(1_103_515_245).wrapping_add(12_345);
            (x >> 16) as u8
        })
        .collect();
    let gz = compress(&archive(&[bob("R/rand", b'0', 0o644, &noise, "")]));
    put(&mut s, "/tmp/rcut.tgz", &gz[..15_000]);
    let eof = "\ngzip: stdin: unexpected end of file\ntar: Unexpected EOF in archive\n";
    check_in(
        &mut s,
        "tar tf /tmp/rcut.tgz",
        "R/rand\n",
        &format!("{eof}tar: Error is not recoverable: exiting now\n"),
        2,
    );
    check_in(
        &mut s,
        "cd /tmp && tar xf rcut.tgz",
        "",
        &format!("{eof}tar: Unexpected EOF in archive\ntar: Error is not recoverable: exiting now\n"),
        2,
    );
    let st = s.fs().stat("/", "/tmp/R/rand").expect("partial file");
    assert!(
        st.mode == 0o600 && st.size > 10_000 && st.size < 15_000 && st.size / 512 * 512 == st.size,
        "{st:?}"
    );

    // The bomb: a member declaring 1 TiB followed by 64 MiB of zeros (16 gzip members of 4 MiB). Reading stops
    // at the decompression budget and nothing beyond the fs caps is kept.
    let m = Member {
        name: b"bomb".to_vec(),
        typeflag: b'0',
        mode: 0o644,
        size: 1 << 40,
        mtime: 1_750_000_000,
        uname: b"root".to_vec(),
        gname: b"root".to_vec(),
        ..Member::default()
    };
    let mut head = member_bytes(&m, b"");
    head.truncate(512);
    let mut bomb = compress(&head);
    let zeros = compress(&vec![0u8; 4 << 20]);
    for _ in 0..16 {
        bomb.extend_from_slice(&zeros);
    }
    assert!(bomb.len() < 100_000);
    put(&mut s, "/tmp/bomb.tgz", &bomb);
    check_in(
        &mut s,
        "tar tzvf /tmp/bomb.tgz",
        "-rw-r--r-- root/root 1099511627776 2025-06-15 15:06 bomb\n",
        "tar: Unexpected EOF in archive\ntar: Error is not recoverable: exiting now\n",
        2,
    );
    check_in(
        &mut s,
        "mkdir /tmp/b && tar xzf /tmp/bomb.tgz -C /tmp/b; ls /tmp/b",
        "",
        "tar: bomb: Cannot write: File too large\ntar: Unexpected EOF in archive\ntar: Unexpected EOF in archive\n\
         tar: Error is not recoverable: exiting now\n",
        0,
    );
    assert!(s.fs().usage().content_bytes <= MAX_OVERLAY_BYTES);
}

#[test]
fn options_in_use() {
    let mut s = session();
    s.run_line("mkdir -p /srv/www/html/css; echo a > /srv/www/html/index.html; echo b > /srv/www/html/css/s.css");
    // `-C` is positional when creating.
    check_in(
        &mut s,
        "cd /tmp; tar czvf site.tgz -C /srv/www html",
        "html/\nhtml/css/\nhtml/css/s.css\nhtml/index.html\n",
        "",
        0,
    );
    check_in(
        &mut s,
        "mkdir /tmp/s; tar xzf site.tgz -C /tmp/s --strip-components=1; ls /tmp/s",
        "css\nindex.html\n",
        "",
        0,
    );
    check_in(
        &mut s,
        "tar xvf site.tgz --strip-components 2 -C /tmp/s",
        "html/css/s.css\n",
        "",
        0,
    );
    check_in(
        &mut s,
        "tar tf site.tgz --exclude='*.css'",
        "html/\nhtml/css/\nhtml/index.html\n",
        "",
        0,
    );
    check_in(
        &mut s,
        "tar cf x.tar -C /srv/www html --exclude='*.css'",
        "",
        "tar: The following options were used after any non-optional arguments in archive create or update mode.  \
         These options are positional and affect only arguments that follow them.  Please, rearrange them properly.\n\
         tar: --exclude ‘*.css’ has no effect\ntar: Exiting with failure status due to previous errors\n",
        2,
    );
    check_in(
        &mut s,
        "tar tf site.tgz html/index.html nothere/",
        "html/index.html\n",
        "tar: nothere: Not found in archive\ntar: Exiting with failure status due to previous errors\n",
        2,
    );
    // `-k` keeps what exists; by default it is replaced.
    check_in(
        &mut s,
        "cd /tmp/s && echo old > index.html && tar xkf ../site.tgz --strip-components=1",
        "",
        "tar: css/s.css: Cannot open: File exists\ntar: index.html: Cannot open: File exists\n\
         tar: Exiting with failure status due to previous errors\n",
        2,
    );
    check_in(
        &mut s,
        "cat index.html; tar xf ../site.tgz --strip-components=1; cat index.html",
        "old\na\n",
        "",
        0,
    );
    // The archive is not put into itself; `-r` appends.
    check_in(
        &mut s,
        "cd /tmp/s && tar cf all.tar . && tar tf all.tar",
        "./\n./css/\n./css/s.css\n./index.html\n./s.css\n",
        "tar: ./all.tar: file is the archive; not dumped\n",
        0,
    );
    check_in(
        &mut s,
        "tar rvf all.tar /etc/hostname && tar tf all.tar | tail -2",
        "/etc/hostname\n./s.css\netc/hostname\n",
        "tar: Removing leading `/' from member names\n",
        0,
    );
    check_in(&mut s, "tar -C / -xf all.tar etc/hostname -O", "debian\n", "", 0);
    check_in(
        &mut s,
        "echo /etc/hostname | tar cf /tmp/l.tar -T - && tar tvf /tmp/l.tar",
        "-rw-r--r-- root/root         7 2023-06-10 00:00 etc/hostname\n",
        "tar: Removing leading `/' from member names\n",
        0,
    );
    check_in(
        &mut s,
        "tar -xf all.tar -C /nope",
        "",
        "tar: /nope: Cannot open: No such file or directory\ntar: Error is not recoverable: exiting now\n",
        2,
    );
}

#[test]
fn long_names_round_trip() {
    // A first member behind a `././@LongLink` still reads as a plain archive, whatever the suffix says.
    let mut s = session();
    let long = format!("/tmp/L/{}", "b".repeat(120));
    s.run_line(&format!("mkdir /tmp/L; echo x > {long}; ln -s {long} /tmp/L/s"));
    let stored = long.trim_start_matches('/');
    check_in(
        &mut s,
        "cd /tmp && tar cf long.tgz /tmp/L && tar tvf long.tgz",
        &format!(
            "drwxr-xr-x root/root         0 2025-06-15 15:06 tmp/L/\n\
             -rw-r--r-- root/root         2 2025-06-15 15:06 {stored}\n\
             lrwxrwxrwx root/root         0 2025-06-15 15:06 tmp/L/s -> {long}\n"
        ),
        "tar: Removing leading `/' from member names\n",
        0,
    );
    check_in(
        &mut s,
        &format!("tar cf l2.tgz {long} && tar tf l2.tgz"),
        &format!("{stored}\n"),
        "tar: Removing leading `/' from member names\n",
        0,
    );
    check_in(
        &mut s,
        "mkdir x && tar xf long.tgz -C x && cat x/tmp/L/b*",
        "x\n",
        "",
        0,
    );
    assert_eq!(s.fs().read_link("/", "/tmp/x/tmp/L/s").expect("link").as_ref(), long);
}

#[test]
fn names_are_quoted_and_columns_grow() {
    let mut s = session();
    let m = |name: &[u8], typeflag: u8, mode: u32, owner: (&str, &str, u64, u64), mtime: i64, data: &[u8]| {
        let m = Member {
            name: name.to_vec(),
            typeflag,
            mode,
            uid: owner.2,
            gid: owner.3,
            size: data.len() as u64,
            mtime,
            uname: owner.0.as_bytes().to_vec(),
            gname: owner.1.as_bytes().to_vec(),
            ..Member::default()
        };
        member_bytes(&m, data)
    };
    let bob = ("bob", "staff", 1001, 50);
    let t = 1_790_000_000;
    put(
        &mut s,
        "/tmp/q.tar",
        &archive(&[
            m(b"Q/a\nb", b'0', 0o644, bob, t, b""),
            m(b"Q/c\\d", b'0', 0o644, bob, t, b""),
            m(b"Q/\x01f", b'0', 0o644, bob, t, b""),
            m("Q/é".as_bytes(), b'0', 0o644, bob, t, b""),
            m(
                b"w",
                b'0',
                0o600,
                ("averyveryverylonguser", "group", 123_456, 7),
                0,
                b"abc",
            ),
            m(b"dev", b'3', 0o600, bob, t, b""),
            m(b"x", b'0', 0o644, ("", "", 0, 0), t, b""),
            m(b"Q/\xff", b'0', 0o644, bob, t, b""),
        ]),
    );
    check_in(
        &mut s,
        "tar tf /tmp/q.tar",
        "Q/a\\nb\nQ/c\\\\d\nQ/\\001f\nQ/é\nw\ndev\nx\nQ/\\377\n",
        "",
        0,
    );
    check_in(
        &mut s,
        "tar tvf /tmp/q.tar",
        "-rw-r--r-- bob/staff         0 2026-09-21 14:13 Q/a\\nb\n\
         -rw-r--r-- bob/staff         0 2026-09-21 14:13 Q/c\\\\d\n\
         -rw-r--r-- bob/staff         0 2026-09-21 14:13 Q/\\001f\n\
         -rw-r--r-- bob/staff         0 2026-09-21 14:13 Q/é\n\
         -rw------- averyveryverylonguser/group 3 1970-01-01 00:00 w\n\
         crw------- bob/staff                 0,0 2026-09-21 14:13 dev\n\
         -rw-r--r-- 0/0                         0 2026-09-21 14:13 x\n\
         -rw-r--r-- bob/staff                   0 2026-09-21 14:13 Q/\\377\n",
        "",
        0,
    );
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..3000), gz in any::<bool>()) {
        let mut s = session();
        let data = if gz { compress(&bytes) } else { bytes };
        put(&mut s, "/tmp/a", &data);
        for line in ["tar tvf /tmp/a", "mkdir -p /tmp/o; tar xvf /tmp/a -C /tmp/o", "tar tzf /tmp/a", "tar tf - < /tmp/a"] {
            let out = s.run_line(line);
            prop_assert!(out.stdout.len() <= MAX_OUTPUT && out.stderr.len() <= MAX_OUTPUT);
        }
        prop_assert!(s.fs().usage().entries_created <= MAX_ENTRIES_CREATED);
    }

    #[test]
    fn damaged_archives_never_panic(
        flips in proptest::collection::vec((0usize..4096, any::<u8>()), 1..40),
        cut in 0usize..5000,
        gz in any::<bool>(),
    ) {
        let mut a = hostile();
        for (i, b) in flips {
            let len = a.len();
            a[i % len] = b;
        }
        a.truncate(cut.max(1).min(a.len()));
        let data = if gz { compress(&a) } else { a };
        let mut s = session();
        put(&mut s, "/tmp/a.tar", &data);
        for line in ["tar tvvf /tmp/a.tar", "mkdir -p /tmp/o; cd /tmp/o && tar xvf /tmp/a.tar", "tar xOf /tmp/a.tar"] {
            let out = s.run_line(line);
            prop_assert!(out.stdout.len() <= MAX_OUTPUT && out.stderr.len() <= MAX_OUTPUT);
        }
    }
}

//! The SSH honeypot next to a real Debian 12 `sshd` (package `openssh-server`) started by the test on a loopback
//! port with a throwaway config: the same identification line, the same KEXINIT lists in the same order (so the
//! same HASSHServer), and the same replies and close behaviour for pre-auth probes.

mod common;

use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::Duration;

use common::{real_sshd, start};

/// Algorithms Debian's sshd offers that we cannot negotiate: none since the patched russh (`third_party/russh`).
const KNOWN_GAPS: &[&str] = &[];

/// Sends our identification, returns the server's line and its KEXINIT name-lists.
fn server_kexinit(port: u16) -> (String, Vec<String>) {
    let mut s = TcpStream::connect(("127.0.0.1", port)).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
    s.write_all(b"SSH-2.0-OpenSSH_9.2p1 Debian-2+deb12u10\r\n").unwrap();
    let mut buf = Vec::new();
    let mut chunk = [0u8; 4096];
    loop {
        let n = s.read(&mut chunk).unwrap();
        assert!(n > 0, "closed early");
        buf.extend_from_slice(&chunk[..n]);
        if let Some(nl) = buf.iter().position(|&b| b == b'\n') {
            let rest = &buf[nl + 1..];
            if rest.len() >= 4 {
                let len = u32::from_be_bytes(rest[..4].try_into().unwrap()) as usize;
                if rest.len() >= 4 + len {
                    let line = String::from_utf8_lossy(&buf[..nl]).trim_end().to_owned();
                    let packet = &rest[4..4 + len];
                    let pad = packet[0] as usize;
                    let lists = sensor::ssh::hello::kexinit_lists(&packet[1..len - pad]).expect("a KEXINIT");
                    return (line, lists);
                }
            }
        }
    }
}

/// Sends `probe` and returns what came back and how the connection ended (`EOF` or `RST`).
fn pre_auth(port: u16, probe: &[u8]) -> (Vec<u8>, &'static str) {
    let mut s = TcpStream::connect(("127.0.0.1", port)).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
    s.write_all(probe).unwrap();
    let mut got = Vec::new();
    let mut chunk = [0u8; 4096];
    loop {
        match s.read(&mut chunk) {
            Ok(0) => return (got, "EOF"),
            Ok(n) => got.extend_from_slice(&chunk[..n]),
            Err(e) if e.kind() == std::io::ErrorKind::ConnectionReset => return (got, "RST"),
            Err(e) => panic!("probe {probe:?}: {e}"),
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kexinit_and_pre_auth_replies_match_debian_sshd() {
    let dir = tempfile::tempdir().unwrap();
    let Some((_sshd, real_port)) = real_sshd(dir.path()) else {
        return;
    };
    let s = start(|_| {}).await;
    let ours = s.ssh_port();
    let (real_line, real_lists) = tokio::task::spawn_blocking(move || server_kexinit(real_port))
        .await
        .unwrap();
    let (our_line, our_lists) = tokio::task::spawn_blocking(move || server_kexinit(ours)).await.unwrap();
    assert_eq!(our_line, real_line, "identification line");
    let names = [
        "kex", "hostkey", "enc c2s", "enc s2c", "mac c2s", "mac s2c", "comp c2s", "comp s2c", "lang", "lang",
    ];
    for (i, name) in names.iter().enumerate() {
        let real: Vec<&str> = real_lists[i].split(',').filter(|a| !KNOWN_GAPS.contains(a)).collect();
        let our: Vec<&str> = our_lists[i].split(',').collect();
        assert_eq!(our, real, "{name} list (real sshd: {})", real_lists[i]);
    }
    for probe in [
        &b"GET / HTTP/1.1\r\nHost: x\r\n\r\n"[..],
        b"SSH-1.5-old\r\n",
        b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03\n",
    ] {
        let real = tokio::task::spawn_blocking(move || pre_auth(real_port, probe))
            .await
            .unwrap();
        let our = tokio::task::spawn_blocking(move || pre_auth(ours, probe))
            .await
            .unwrap();
        assert_eq!(our, real, "probe {probe:?}");
    }
}

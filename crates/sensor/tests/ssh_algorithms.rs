//! The algorithms the patched russh (`third_party/russh`, see its PATCHES.md) adds so the honeypot's KEXINIT can
//! equal Debian 12's sshd: `sntrup761x25519-sha512` (and its `@openssh.com` alias) and the four UMAC MACs. A minimal
//! russh server on 127.0.0.1 accepts a password; the real OpenSSH client (`/usr/bin/ssh` via `sshpass`) is forced to
//! each new algorithm, runs an exec command that sends 200 KB both ways, and must read back exactly what it sent.
//! The UMAC core's own RFC 4418 vectors are compiled in here too (from the patched crate's source file), so CI runs
//! them: russh's unit tests need dev-dependencies a patched path dependency does not get.

mod common;

use std::io::Write;
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::time::Duration;

use common::have;
use russh::keys::{Algorithm, PrivateKey};
use russh::server::{Auth, ChannelOpenHandle, Handler, Msg, Session};
use russh::{cipher, kex, mac, Channel, ChannelId, Preferred};

/// The patched crate's UMAC core with its unit tests (formatted in russh's own style, hence `rustfmt::skip`).
#[allow(dead_code)]
#[rustfmt::skip]
#[path = "../../../third_party/russh/src/mac/umac.rs"]
mod umac;

/// The only password the test server accepts.
const PASSWORD: &str = "s3cret-pw";

/// Bytes the client sends on stdin (several 32 KB packets, each more than one 1024-byte UMAC L1 chunk).
const STDIN_LEN: usize = 200_000;

/// The test server's offer: every new algorithm, plus a classic fallback so only the client's `-o` decides.
const KEX: &[kex::Name] = &[
    kex::SNTRUP761X25519_SHA512,
    kex::SNTRUP761X25519_SHA512_OPENSSH,
    kex::CURVE25519,
    kex::EXTENSION_OPENSSH_STRICT_KEX_AS_SERVER,
];
/// MACs offered: the four UMACs among HMACs.
const MACS: &[mac::Name] = &[
    mac::UMAC_64_ETM,
    mac::UMAC_128_ETM,
    mac::HMAC_SHA256_ETM,
    mac::UMAC_64,
    mac::UMAC_128,
    mac::HMAC_SHA256,
];
/// Ciphers offered: an AEAD one (implicit MAC) for the key exchange tests, aes128-ctr for the MAC tests.
const CIPHERS: &[cipher::Name] = &[cipher::CHACHA20_POLY1305, cipher::AES_128_CTR];

/// Per-connection handler: password auth, one exec channel that echoes stdin back after EOF.
#[derive(Default)]
struct Echo {
    /// The exec command line, once requested.
    command: Vec<u8>,
    /// Everything received on the channel so far.
    received: Vec<u8>,
}

impl Handler for Echo {
    type Error = russh::Error;

    async fn auth_password(&mut self, user: &str, password: &str) -> Result<Auth, Self::Error> {
        if user == "tester" && password == PASSWORD {
            Ok(Auth::Accept)
        } else {
            Ok(Auth::reject())
        }
    }

    async fn channel_open_session(
        &mut self,
        _channel: Channel<Msg>,
        reply: ChannelOpenHandle,
        _session: &mut Session,
    ) -> Result<(), Self::Error> {
        reply.accept().await;
        Ok(())
    }

    async fn exec_request(
        &mut self,
        channel: ChannelId,
        data: &[u8],
        session: &mut Session,
    ) -> Result<(), Self::Error> {
        self.command = data.to_vec();
        session.channel_success(channel)
    }

    async fn data(&mut self, _channel: ChannelId, data: &[u8], _session: &mut Session) -> Result<(), Self::Error> {
        if self.received.len() + data.len() <= 2 * STDIN_LEN {
            self.received.extend_from_slice(data);
        }
        Ok(())
    }

    async fn channel_eof(&mut self, channel: ChannelId, session: &mut Session) -> Result<(), Self::Error> {
        let mut out = Vec::with_capacity(self.received.len() + 64);
        out.extend_from_slice(b"exec: ");
        out.extend_from_slice(&self.command);
        out.extend_from_slice(format!("\nreceived {} bytes\n", self.received.len()).as_bytes());
        out.extend_from_slice(&self.received);
        session.data(channel, out)?;
        session.exit_status_request(channel, 7)?;
        session.eof(channel)?;
        session.close(channel)
    }
}

/// Starts the test server on 127.0.0.1:0 (one session per accepted connection); returns its port.
async fn serve() -> u16 {
    let key = PrivateKey::random(&mut rand10::rng(), Algorithm::Ed25519).expect("ed25519 key");
    let config = Arc::new(russh::server::Config {
        keys: vec![key],
        auth_rejection_time: Duration::ZERO,
        auth_rejection_time_initial: Some(Duration::ZERO),
        inactivity_timeout: Some(Duration::from_secs(30)),
        preferred: Preferred {
            kex: KEX.into(),
            cipher: CIPHERS.into(),
            mac: MACS.into(),
            ..Preferred::default()
        },
        ..Default::default()
    });
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let port = listener.local_addr().expect("addr").port();
    tokio::spawn(async move {
        while let Ok((stream, _)) = listener.accept().await {
            let config = config.clone();
            tokio::spawn(async move {
                if let Ok(session) = russh::server::run_stream(config, stream, Echo::default()).await {
                    let _ = session.await;
                }
            });
        }
    });
    port
}

/// What one OpenSSH client run printed and returned.
struct Run {
    stdout: Vec<u8>,
    stderr: String,
    status: Option<i32>,
}

/// Runs `sshpass -p PASSWORD ssh -v <opts> -p port tester@127.0.0.1 'echo hi'` with `stdin` piped in.
fn openssh(port: u16, opts: &[&str], stdin: &[u8]) -> Run {
    let mut child = Command::new("sshpass")
        .args(["-p", PASSWORD, "/usr/bin/ssh", "-v", "-F", "/dev/null"])
        .args(["-o", "StrictHostKeyChecking=no", "-o", "UserKnownHostsFile=/dev/null"])
        .args([
            "-o",
            "PreferredAuthentications=password",
            "-o",
            "PubkeyAuthentication=no",
        ])
        .args(["-o", "ConnectTimeout=10", "-o", "ServerAliveInterval=0"])
        .args(opts)
        .args(["-p", &port.to_string(), "tester@127.0.0.1", "echo hi"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("sshpass starts");
    let mut input = child.stdin.take().expect("stdin");
    let data = stdin.to_vec();
    let writer = std::thread::spawn(move || {
        let _ = input.write_all(&data);
    });
    let out = child.wait_with_output().expect("ssh finishes");
    let _ = writer.join();
    Run {
        stdout: out.stdout,
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        status: out.status.code(),
    }
}

/// 200 KB of varied bytes.
fn payload() -> Vec<u8> {
    (0..STDIN_LEN).map(|i| (i.wrapping_mul(31) ^ (i >> 8)) as u8).collect()
}

/// Forces `opts` on the OpenSSH client and checks the negotiated names in its `-v` log and the exact echo.
async fn check(opts: &'static [&'static str], kex_line: &str, mac_line: &str) {
    if !have("ssh") || !have("sshpass") {
        return;
    }
    let port = serve().await;
    let input = payload();
    let sent = input.clone();
    let run = tokio::task::spawn_blocking(move || openssh(port, opts, &sent))
        .await
        .expect("join");
    let has_line = |want: &str| run.stderr.lines().any(|l| l.trim_end() == want);
    assert!(
        has_line(kex_line),
        "no {kex_line:?} line in ssh -v log:\n{}",
        run.stderr
    );
    assert!(
        has_line(mac_line),
        "no {mac_line:?} line in ssh -v log:\n{}",
        run.stderr
    );
    let mut want = format!("exec: echo hi\nreceived {STDIN_LEN} bytes\n").into_bytes();
    want.extend_from_slice(&input);
    assert_eq!(
        run.stdout.len(),
        want.len(),
        "stdout length; ssh -v log:\n{}",
        run.stderr
    );
    assert!(
        run.stdout == want,
        "stdout differs from the echo; ssh -v log:\n{}",
        run.stderr
    );
    assert_eq!(run.status, Some(7), "exit status; ssh -v log:\n{}", run.stderr);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn openssh_negotiates_sntrup761x25519_sha512_openssh_com() {
    check(
        &["-o", "KexAlgorithms=sntrup761x25519-sha512@openssh.com"],
        "debug1: kex: algorithm: sntrup761x25519-sha512@openssh.com",
        "debug1: kex: server->client cipher: chacha20-poly1305@openssh.com MAC: <implicit> compression: none",
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn openssh_negotiates_sntrup761x25519_sha512() {
    check(
        &["-o", "KexAlgorithms=sntrup761x25519-sha512"],
        "debug1: kex: algorithm: sntrup761x25519-sha512",
        "debug1: kex: client->server cipher: chacha20-poly1305@openssh.com MAC: <implicit> compression: none",
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn openssh_negotiates_umac_64_etm() {
    check(
        &[
            "-o",
            "MACs=umac-64-etm@openssh.com",
            "-o",
            "Ciphers=aes128-ctr",
            "-o",
            "KexAlgorithms=curve25519-sha256",
        ],
        "debug1: kex: algorithm: curve25519-sha256",
        "debug1: kex: server->client cipher: aes128-ctr MAC: umac-64-etm@openssh.com compression: none",
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn openssh_negotiates_umac_128_etm() {
    check(
        &[
            "-o",
            "MACs=umac-128-etm@openssh.com",
            "-o",
            "Ciphers=aes128-ctr",
            "-o",
            "KexAlgorithms=curve25519-sha256",
        ],
        "debug1: kex: algorithm: curve25519-sha256",
        "debug1: kex: client->server cipher: aes128-ctr MAC: umac-128-etm@openssh.com compression: none",
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn openssh_negotiates_umac_64() {
    check(
        &[
            "-o",
            "MACs=umac-64@openssh.com",
            "-o",
            "Ciphers=aes128-ctr",
            "-o",
            "KexAlgorithms=curve25519-sha256",
        ],
        "debug1: kex: algorithm: curve25519-sha256",
        "debug1: kex: server->client cipher: aes128-ctr MAC: umac-64@openssh.com compression: none",
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn openssh_negotiates_umac_128() {
    check(
        &[
            "-o",
            "MACs=umac-128@openssh.com",
            "-o",
            "Ciphers=aes128-ctr",
            "-o",
            "KexAlgorithms=curve25519-sha256",
        ],
        "debug1: kex: algorithm: curve25519-sha256",
        "debug1: kex: client->server cipher: aes128-ctr MAC: umac-128@openssh.com compression: none",
    )
    .await;
}

/// All new algorithms at once, as the honeypot will offer them to a Debian client.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn openssh_negotiates_sntrup761_with_umac_64_etm() {
    check(
        &[
            "-o",
            "KexAlgorithms=sntrup761x25519-sha512@openssh.com",
            "-o",
            "MACs=umac-64-etm@openssh.com",
            "-o",
            "Ciphers=aes128-ctr",
        ],
        "debug1: kex: algorithm: sntrup761x25519-sha512@openssh.com",
        "debug1: kex: server->client cipher: aes128-ctr MAC: umac-64-etm@openssh.com compression: none",
    )
    .await;
}

/// A wrong password is refused (the server really checks what `sshpass` types).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn wrong_password_is_refused() {
    if !have("ssh") || !have("sshpass") {
        return;
    }
    let port = serve().await;
    let run = tokio::task::spawn_blocking(move || {
        let out = Command::new("sshpass")
            .args([
                "-p",
                "wrong",
                "/usr/bin/ssh",
                "-F",
                "/dev/null",
                "-o",
                "StrictHostKeyChecking=no",
            ])
            .args([
                "-o",
                "UserKnownHostsFile=/dev/null",
                "-o",
                "LogLevel=ERROR",
                "-o",
                "PreferredAuthentications=password",
            ])
            .args([
                "-o",
                "NumberOfPasswordPrompts=1",
                "-o",
                "KexAlgorithms=sntrup761x25519-sha512@openssh.com",
            ])
            .args(["-p", &port.to_string(), "tester@127.0.0.1", "echo hi"])
            .stdin(Stdio::null())
            .output()
            .expect("sshpass runs");
        (
            out.stdout,
            String::from_utf8_lossy(&out.stderr).into_owned(),
            out.status.code(),
        )
    })
    .await
    .expect("join");
    // One prompt only, so ssh itself gives up (status 255) before sshpass sees a second prompt.
    let (stdout, stderr, status) = run;
    assert_eq!((stdout, status), (Vec::new(), Some(255)));
    assert!(
        stderr.starts_with("tester@127.0.0.1: Permission denied (") && stderr.ends_with(").\r\n"),
        "{stderr:?}"
    );
}

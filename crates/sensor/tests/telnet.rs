//! The Telnet honeypot: BusyBox telnetd's opening bytes, `login`'s dialogue, the shell, the recording, driven by a
//! raw socket and by the real `telnet` client through a pty. Everything runs on 127.0.0.1.

mod common;

use std::time::Duration;

use common::{have, start};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// Reads until `marker` appears (at most 10 s), returning everything read.
async fn until(s: &mut TcpStream, marker: &[u8]) -> Vec<u8> {
    let mut got = Vec::new();
    let mut buf = [0u8; 4096];
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    while !got.windows(marker.len()).any(|w| w == marker) {
        let n = tokio::time::timeout_at(deadline, s.read(&mut buf))
            .await
            .unwrap_or_else(|_| {
                panic!(
                    "timed out waiting for {marker:?}; got {:?}",
                    String::from_utf8_lossy(&got)
                )
            })
            .unwrap();
        assert!(n > 0, "closed; got {:?}", String::from_utf8_lossy(&got));
        got.extend_from_slice(&buf[..n]);
    }
    got
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn busybox_negotiation_login_shell_and_recording() {
    let s = start(|c| {
        c.telnet.fail_delay = Duration::from_millis(50);
        c.auth.rules.insert(
            0,
            sensor::config::AuthRule {
                user: "root".into(),
                password: "wrong".into(),
                accept: false,
                after: 0,
            },
        );
    })
    .await;
    let host = {
        let p: serde_json::Value =
            serde_json::from_slice(&std::fs::read(s.dir.path().join("persona.json")).unwrap()).unwrap();
        p["hostname"].as_str().unwrap().split('.').next().unwrap().to_owned()
    };
    let mut c = TcpStream::connect(("127.0.0.1", s.telnet_port())).await.unwrap();
    let first = until(&mut c, b"login: ").await;
    // BusyBox telnetd: DO ECHO, DO NAWS, WILL ECHO, WILL SGA, then /etc/issue.net and login's prompt.
    let mut want = b"\xff\xfd\x01\xff\xfd\x1f\xff\xfb\x01\xff\xfb\x03".to_vec();
    want.extend_from_slice(format!("\r\r\nDebian GNU/Linux 12\r\n\r\n{host} login: ").as_bytes());
    assert_eq!(first, want);
    // A client that answers the negotiation and sends its window size.
    c.write_all(b"\xff\xfb\x1f\xff\xfa\x1f\x00\x64\x00\x1e\xff\xf0root\r\n")
        .await
        .unwrap();
    assert_eq!(until(&mut c, b"Password: ").await, b"root\r\nPassword: ");
    c.write_all(b"wrong\r\n").await.unwrap();
    let failed = until(&mut c, b"login: ").await;
    assert_eq!(failed, format!("\r\nLogin incorrect\r\n{host} login: ").into_bytes());
    c.write_all(b"root\r\nsecret\r\n").await.unwrap();
    let banner = String::from_utf8_lossy(&until(&mut c, b"# ").await).into_owned();
    assert!(
        banner.contains("Debian GNU/Linux comes with ABSOLUTELY NO WARRANTY"),
        "{banner:?}"
    );
    assert!(banner.ends_with(&format!("root@{host}:~# ")), "{banner:?}");
    c.write_all(b"echo $((6*7)) > /tmp/x; cat /tmp/x\r\n").await.unwrap();
    let out = until(&mut c, b"# ").await;
    assert_eq!(
        out,
        format!("echo $((6*7)) > /tmp/x; cat /tmp/x\r\n42\r\nroot@{host}:~# ").into_bytes()
    );
    c.write_all(b"exit\r\n").await.unwrap();
    assert_eq!(until(&mut c, b"logout\r\n").await, b"exit\r\nlogout\r\n");

    let ev = s
        .wait_event(|e| e["kind"] == "session.end" && e["proto"] == "telnet")
        .await;
    let auths: Vec<_> = ev.iter().filter(|e| e["kind"] == "auth").collect();
    assert_eq!(auths.len(), 2);
    assert_eq!(
        (&auths[0]["password"], &auths[0]["success"]),
        (&"wrong".into(), &false.into())
    );
    assert_eq!(
        (&auths[1]["password"], &auths[1]["success"]),
        (&"secret".into(), &true.into())
    );
    let end = ev.iter().find(|e| e["kind"] == "session.end").unwrap();
    let rec = end["recordings"][0].as_str().expect("a recording");
    tokio::time::sleep(Duration::from_millis(200)).await;
    let cast = sensor::record::read_file(&s.dir.path().join(rec)).expect("a readable cast file");
    assert_eq!((cast.header.width, cast.header.height), (100, 30), "NAWS size");
    assert!(cast.output().contains("42\r\n"), "{}", cast.output());
    // The file written in the session is reported when it ends.
    assert!(ev
        .iter()
        .any(|e| e["kind"] == "file.upload" && e["filename"] == "/tmp/x"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_real_telnet_client_logs_in() {
    if !have("telnet") {
        return;
    }
    let s = start(|_| {}).await;
    let script = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/peers/telnet_peer.py");
    let out = tokio::time::timeout(
        Duration::from_secs(60),
        tokio::process::Command::new("python3")
            .arg(script)
            .args([&s.telnet_port().to_string(), "root", "toor", "id"])
            .output(),
    )
    .await
    .expect("telnet peer in time")
    .unwrap();
    assert!(
        out.status.success(),
        "telnet peer: {}",
        String::from_utf8_lossy(&out.stdout)
    );
    let r: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert!(r["login"].as_str().unwrap().contains("Debian GNU/Linux 12"), "{r}");
    assert!(
        r["command"]
            .as_str()
            .unwrap()
            .contains("uid=0(root) gid=0(root) groups=0(root)"),
        "{r}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn recordings_play_in_asciinema() {
    let Some(py) = common::venv_python() else { return };
    let asciinema = py.with_file_name("asciinema");
    let s = start(|_| {}).await;
    let mut c = TcpStream::connect(("127.0.0.1", s.telnet_port())).await.unwrap();
    until(&mut c, b"login: ").await;
    c.write_all(b"root\r\n").await.unwrap();
    until(&mut c, b"Password: ").await;
    c.write_all(b"pw\r\n").await.unwrap();
    until(&mut c, b"# ").await;
    c.write_all(b"echo recorded-line\r\nexit\r\n").await.unwrap();
    until(&mut c, b"logout").await;
    let ev = s.wait_event(|e| e["kind"] == "session.end").await;
    let end = ev.iter().find(|e| e["kind"] == "session.end").unwrap();
    let path = s.dir.path().join(end["recordings"][0].as_str().unwrap());
    tokio::time::sleep(Duration::from_millis(200)).await;
    let out = std::process::Command::new(&asciinema)
        .arg("cat")
        .arg(&path)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "asciinema cat: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("recorded-line\r\n"));
    // And `apiary replay --raw` (the library behind it) shows the same output.
    let cast = sensor::record::read_file(&path).unwrap();
    assert_eq!(cast.output().as_bytes(), &out.stdout[..]);
}

//! Captures end to end: an attacker's `wget` inside the SSH honeypot really fetches the file (from a loopback HTTP
//! server the test runs, allowed explicitly), the file lands in the session and in the store by SHA-256, never
//! executable, and a `file.download` event names it; without the allowance, loopback is refused.

mod common;

use std::os::unix::fs::PermissionsExt;
use std::time::Duration;

use common::{have, openssh, start};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// Serves `body` to every request on 127.0.0.1, recording the request heads.
async fn http_server(body: &'static [u8]) -> (u16, tokio::sync::mpsc::UnboundedReceiver<String>) {
    let l = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = l.local_addr().unwrap().port();
    let (tx, rx) = tokio::sync::mpsc::unbounded_channel();
    tokio::spawn(async move {
        for _ in 0..10 {
            let Ok((mut s, _)) = l.accept().await else { return };
            let mut head = Vec::new();
            let mut buf = [0u8; 1024];
            while !head.windows(4).any(|w| w == b"\r\n\r\n") && head.len() < 8192 {
                match s.read(&mut buf).await {
                    Ok(n) if n > 0 => head.extend_from_slice(&buf[..n]),
                    _ => break,
                }
            }
            let _ = tx.send(String::from_utf8_lossy(&head).into_owned());
            let reply = format!(
                "HTTP/1.1 200 OK\r\nContent-Type: application/x-sh\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
                body.len()
            );
            let _ = s.write_all(reply.as_bytes()).await;
            let _ = s.write_all(body).await;
        }
    });
    (port, rx)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn wget_fetches_stores_and_reports_the_file() {
    if !have("ssh") || !have("sshpass") {
        return;
    }
    const BODY: &[u8] = b"#!/bin/sh\necho fixture payload\n";
    let (http, mut heads) = http_server(BODY).await;
    let s = start(|c| c.capture.allow_private = true).await;
    let url = format!("http://127.0.0.1:{http}/bins/x86.sh");
    let (out, err, code) = openssh(
        s.ssh_port(),
        "root",
        "pw",
        &[],
        &format!("cd /tmp; wget {url}; ls -l x86.sh"),
    )
    .await;
    assert_eq!(code, 0, "{err}");
    assert!(err.contains("HTTP request sent, awaiting response... 200 OK"), "{err}");
    assert!(err.contains("‘x86.sh’ saved [31/31]"), "{err}");
    assert!(out.starts_with("-rw-r--r-- 1 root root 31 "), "{out}");
    let head = tokio::time::timeout(Duration::from_secs(5), heads.recv())
        .await
        .unwrap()
        .unwrap();
    assert!(
        head.starts_with("GET /bins/x86.sh HTTP/1.1\r\nHost: 127.0.0.1:"),
        "{head}"
    );
    assert!(head.contains("User-Agent: Wget/1.21.3\r\n"), "{head}");

    let ev = s.wait_event(|e| e["kind"] == "file.download").await;
    let d = ev.iter().find(|e| e["kind"] == "file.download").unwrap();
    assert_eq!(d["url"], url.as_str());
    assert_eq!(d["filename"], "/tmp/x86.sh");
    assert_eq!(d["size"], 31);
    assert_eq!(d["stored"], true);
    let sha = d["sha256"].as_str().unwrap();
    let stored = s.dir.path().join("files").join(&sha[..2]).join(sha);
    assert_eq!(std::fs::read(&stored).unwrap(), BODY);
    let mode = std::fs::metadata(&stored).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o444, "captured files are never executable");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn loopback_is_refused_unless_allowed() {
    if !have("ssh") || !have("sshpass") {
        return;
    }
    let (http, mut heads) = http_server(b"x").await;
    let s = start(|_| {}).await;
    let (_, err, code) = openssh(
        s.ssh_port(),
        "root",
        "pw",
        &[],
        &format!("wget http://127.0.0.1:{http}/a"),
    )
    .await;
    assert_eq!(code, 4, "wget's network failure status; {err}");
    assert!(err.contains("failed: Connection refused."), "{err}");
    assert!(
        tokio::time::timeout(Duration::from_millis(300), heads.recv())
            .await
            .is_err(),
        "no request was made"
    );
}

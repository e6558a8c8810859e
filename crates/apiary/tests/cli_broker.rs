//! `apiary broker` as a process: it starts, serves hpfeeds and `/metrics`, and exits cleanly on SIGTERM.

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

mod common;

use bytes::{Bytes, BytesMut};
use common::{free_port, terminate, wait_listening};
use hpfeeds::wire::{self, Frame, DEFAULT_MAX_FRAME};

const IDENTS: &str = r#"{
  "pub": {"owner": "o", "secret": "pubsecret", "pubchans": ["events"], "subchans": []},
  "sub": {"owner": "o", "secret": "subsecret", "pubchans": [], "subchans": ["events"]}
}"#;

/// Longest any step waits.
const WAIT: Duration = Duration::from_secs(15);

/// Kills the broker if a test fails before stopping it.
struct Proc(Child);

impl Drop for Proc {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// A blocking raw-frame client.
struct Raw {
    s: TcpStream,
    buf: BytesMut,
}

impl Raw {
    fn connect(addr: SocketAddr) -> Raw {
        let s = TcpStream::connect(addr).unwrap();
        s.set_read_timeout(Some(WAIT)).unwrap();
        Raw {
            s,
            buf: BytesMut::new(),
        }
    }

    fn next(&mut self) -> Option<Frame> {
        loop {
            if let Some(n) = wire::check(&self.buf, DEFAULT_MAX_FRAME).unwrap() {
                return Some(wire::decode(self.buf.split_to(n).freeze()).unwrap());
            }
            let mut chunk = [0u8; 4096];
            match self.s.read(&mut chunk) {
                Ok(0) | Err(_) => return None,
                Ok(n) => self.buf.extend_from_slice(&chunk[..n]),
            }
        }
    }

    fn send(&mut self, f: &Frame) {
        self.s.write_all(&f.to_bytes().unwrap()).unwrap();
    }

    fn login(addr: SocketAddr, ident: &str, secret: &str) -> Raw {
        let mut c = Raw::connect(addr);
        let Some(Frame::Info { nonce, .. }) = c.next() else {
            panic!("no INFO")
        };
        let digest = wire::auth_digest(&nonce, secret.as_bytes());
        c.send(&Frame::Auth {
            ident: Bytes::copy_from_slice(ident.as_bytes()),
            digest: Bytes::copy_from_slice(&digest),
        });
        c
    }
}

fn http_get(addr: SocketAddr, path: &str) -> String {
    let mut s = TcpStream::connect(addr).unwrap();
    s.set_read_timeout(Some(WAIT)).unwrap();
    write!(s, "GET {path} HTTP/1.0\r\nHost: localhost\r\n\r\n").unwrap();
    let mut out = String::new();
    s.read_to_string(&mut out).unwrap();
    out
}

#[test]
fn broker_serves_pubsub_and_metrics_then_exits_cleanly_on_sigterm() {
    let dir = tempfile::tempdir().unwrap();
    let auth = dir.path().join("idents.json");
    std::fs::write(&auth, IDENTS).unwrap();
    let addr: SocketAddr = ([127, 0, 0, 1], free_port()).into();
    let metrics: SocketAddr = ([127, 0, 0, 1], free_port()).into();
    let child = Command::new(env!("CARGO_BIN_EXE_apiary"))
        .args([
            "broker",
            "--listen",
            &addr.to_string(),
            "--metrics",
            &metrics.to_string(),
        ])
        .arg("--auth")
        .arg(&auth)
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn apiary broker");
    let mut p = Proc(child);
    wait_listening(addr, &mut p.0);

    let mut sub = Raw::login(addr, "sub", "subsecret");
    sub.send(&Frame::Subscribe {
        ident: Bytes::from_static(b"sub"),
        channel: Bytes::from_static(b"events"),
    });
    let mut publisher = Raw::login(addr, "pub", "pubsecret");
    // The subscription may land after the first publish: publish until one arrives (bounded).
    sub.s.set_read_timeout(Some(Duration::from_millis(200))).unwrap();
    let mut got = None;
    for i in 0..50u8 {
        publisher.send(&Frame::publish("pub", "events", vec![i]));
        if let Some(f) = sub.next() {
            got = Some(f);
            break;
        }
    }
    let Some(Frame::Publish { ident, channel, .. }) = got else {
        panic!("no message delivered: {got:?}")
    };
    assert_eq!((&ident[..], &channel[..]), (&b"pub"[..], &b"events"[..]));

    wait_listening(metrics, &mut p.0);
    let page = http_get(metrics, "/metrics");
    assert!(
        page.starts_with("HTTP/1.0 200") || page.starts_with("HTTP/1.1 200"),
        "{page}"
    );
    assert!(
        page.contains("hpfeeds_publishes_received_total{channel=\"events\"}"),
        "{page}"
    );

    let status = terminate(&mut p.0, "broker", WAIT);
    assert!(status.success(), "exit status {status}");
    sub.s.set_read_timeout(Some(WAIT)).unwrap();
    assert!(sub.next().is_none(), "connections are closed on shutdown");
    let mut err = String::new();
    p.0.stderr.take().unwrap().read_to_string(&mut err).unwrap();
    assert!(err.contains("SIGTERM"), "{err}");
}

#[test]
fn broker_without_an_idents_file_exits_with_a_hint() {
    let dir = tempfile::tempdir().unwrap();
    let auth = dir.path().join("nowhere.json");
    let out = Command::new(env!("CARGO_BIN_EXE_apiary"))
        .args(["broker", "--listen", "127.0.0.1:0", "--auth"])
        .arg(&auth)
        .output()
        .unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("nowhere.json") && err.contains("apiary ident add"),
        "{err}"
    );
}

#[test]
fn tls_listen_without_cert_and_key_is_a_usage_error() {
    let out = Command::new(env!("CARGO_BIN_EXE_apiary"))
        .args(["broker", "--tls-listen", "127.0.0.1:0"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2), "clap usage errors exit 2");
    assert!(String::from_utf8_lossy(&out.stderr).contains("--tls-cert"));
}

/// `apiary broker` alone, on a fresh machine: it creates `apiary-data/idents.json` with one ident whose secret
/// works, and a second start keeps that file instead of minting another secret.
#[test]
fn broker_first_start_creates_a_working_ident() {
    let dir = tempfile::tempdir().unwrap();
    let addr: SocketAddr = ([127, 0, 0, 1], free_port()).into();
    let start = || {
        let child = Command::new(env!("CARGO_BIN_EXE_apiary"))
            .args(["broker", "--listen", &addr.to_string()])
            .current_dir(dir.path())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("spawn apiary broker");
        let mut p = Proc(child);
        wait_listening(addr, &mut p.0);
        p
    };
    let file = dir.path().join("apiary-data/idents.json");
    let secret_in_file = || {
        let v: serde_json::Value = serde_json::from_slice(&std::fs::read(&file).unwrap()).unwrap();
        v["apiary"]["secret"].as_str().unwrap().to_owned()
    };
    let first = start();
    let secret = secret_in_file();
    assert!(secret.len() >= 32, "a strong generated secret: {secret:?}");
    let mut c = Raw::login(addr, "apiary", &secret);
    c.send(&Frame::Subscribe {
        ident: Bytes::from_static(b"apiary"),
        channel: Bytes::from_static(b"apiary.events"),
    });
    c.send(&Frame::publish("apiary", "apiary.events", &b"hello"[..]));
    match c.next() {
        Some(Frame::Publish { payload, .. }) => assert_eq!(&payload[..], b"hello"),
        other => panic!("expected our own publish back, got {other:?}"),
    }
    drop(first);
    let _second = start();
    assert_eq!(secret_in_file(), secret, "a second start keeps the existing idents");
}

//! Interop with the real reference implementation (Python `hpfeeds` 3.1.0 from PyPI, in the repository's `.venv`).
//!
//! Each scenario runs the reference client against the reference broker and against `apiary broker`, and
//! asserts the same observable result: what was delivered, and the exact ERROR text for a wrong secret, an
//! unknown ident and denied channels. The venv comes from `.ci/run`; without it the tests skip, unless `CI` is
//! set, when they fail.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

mod common;

use common::{free_port, wait_listening};

/// The identities every scenario uses, in the reference broker's JSON format.
const IDENTS: &str = r#"{
  "pub": {"owner": "o", "secret": "pubsecret", "pubchans": ["events"], "subchans": []},
  "sub": {"owner": "o", "secret": "subsecret", "pubchans": [], "subchans": ["events"]}
}"#;

fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// The venv's bin folder, or `None` (skip) when it is missing outside CI.
fn venv_bin() -> Option<PathBuf> {
    let venv = std::env::var_os("APIARY_PYTHON_VENV")
        .map(PathBuf::from)
        .unwrap_or_else(|| workspace_root().join(".venv"));
    let bin = venv.join("bin");
    if bin.join("hpfeeds-broker").exists() {
        return Some(bin);
    }
    if std::env::var_os("CI").is_some() {
        panic!(
            "{} has no hpfeeds-broker: run .ci/run (it creates the venv with hpfeeds==3.1.0)",
            bin.display()
        );
    }
    eprintln!(
        "skipping: no Python hpfeeds venv at {}; run .ci/run to create it",
        bin.display()
    );
    None
}

/// A broker process that is killed when the test ends, with its auth file in a folder of its own.
struct Broker {
    child: Child,
    port: u16,
    _dir: tempfile::TempDir,
}

impl Drop for Broker {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[derive(Clone, Copy, Debug)]
enum Kind {
    Reference,
    Apiary,
}

fn start(kind: Kind, bin: &Path) -> Broker {
    let dir = tempfile::tempdir().expect("tempdir");
    let auth_dir = dir.path().join("auth");
    std::fs::create_dir(&auth_dir).expect("auth dir");
    let auth = auth_dir.join("idents.json");
    std::fs::write(&auth, IDENTS).expect("write idents");
    let port = free_port();
    let mut cmd = match kind {
        Kind::Reference => {
            let mut c = Command::new(bin.join("hpfeeds-broker"));
            c.arg("--bind")
                .arg(format!("127.0.0.1:{port}"))
                .arg("--auth")
                .arg(&auth)
                .arg("--exporter")
                .arg(format!("127.0.0.1:{}", free_port()));
            c
        }
        Kind::Apiary => {
            let mut c = Command::new(env!("CARGO_BIN_EXE_apiary"));
            c.arg("broker")
                .arg("--listen")
                .arg(format!("127.0.0.1:{port}"))
                .arg("--auth")
                .arg(&auth);
            c
        }
    };
    let mut child = cmd
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("spawn broker");
    wait_listening(([127, 0, 0, 1], port).into(), &mut child);
    Broker { child, port, _dir: dir }
}

/// Runs the peer script against one broker and returns its JSON line.
fn peer(bin: &Path, broker: &Broker, args: &[&str]) -> serde_json::Value {
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/peers/hpfeeds_peer.py");
    let out = Command::new(bin.join("python"))
        .arg(script)
        .arg("127.0.0.1")
        .arg(broker.port.to_string())
        .args(args)
        .output()
        .expect("run the python peer");
    assert!(
        out.status.success(),
        "peer {args:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("peer printed no JSON ({e}): {:?}", out.stdout))
}

/// Runs one scenario against both brokers and returns (reference, apiary).
fn both(args: &[&str]) -> Option<(serde_json::Value, serde_json::Value)> {
    let bin = venv_bin()?;
    let reference = {
        let b = start(Kind::Reference, &bin);
        peer(&bin, &b, args)
    };
    let ours = {
        let b = start(Kind::Apiary, &bin);
        peer(&bin, &b, args)
    };
    Some((reference, ours))
}

#[test]
fn python_client_pubsub_through_apiary_matches_reference() {
    let Some((reference, ours)) = both(&["pubsub", "2000"]) else {
        return;
    };
    assert_eq!(ours["received"], 2000, "apiary delivered {ours}");
    assert_eq!(ours["in_order"], true);
    assert_eq!(ours["from"], serde_json::json!(["pub@events"]));
    assert_eq!(reference, ours);
}

#[test]
fn wrong_secret_answered_as_reference() {
    let Some((reference, ours)) = both(&["error", "pub", "not-the-secret", "none", "events"]) else {
        return;
    };
    assert_eq!(ours["error"], "Authentication failed for pub");
    assert_eq!(reference, ours);
}

#[test]
fn unknown_ident_answered_as_reference() {
    let Some((reference, ours)) = both(&["error", "mallory", "x", "none", "events"]) else {
        return;
    };
    assert_eq!(ours["error"], "Authentication failed for mallory");
    assert_eq!(reference, ours);
}

#[test]
fn denied_publish_answered_as_reference() {
    let Some((reference, ours)) = both(&["error", "pub", "pubsecret", "publish", "secret-channel"]) else {
        return;
    };
    assert_eq!(
        ours["error"],
        "Authkey not allowed to pub here. ident=pub, chan=secret-channel"
    );
    assert_eq!(reference, ours);
}

#[test]
fn denied_subscribe_answered_as_reference() {
    let Some((reference, ours)) = both(&["error", "sub", "subsecret", "subscribe", "secret-channel"]) else {
        return;
    };
    assert_eq!(
        ours["error"],
        "Authkey not allowed to sub here. ident=sub, chan=secret-channel"
    );
    assert_eq!(reference, ours);
}

#[test]
fn allowed_publish_gets_no_error() {
    let Some((reference, ours)) = both(&["error", "pub", "pubsecret", "publish", "events"]) else {
        return;
    };
    assert_eq!(ours["error"], serde_json::Value::Null);
    assert_eq!(reference, ours);
}

/// The `hpfeeds subscribe` and `hpfeeds publish` command-line tools, unchanged, against `apiary broker`.
#[test]
fn hpfeeds_cli_publish_and_subscribe_through_apiary() {
    use std::io::{BufRead, BufReader};
    let Some(bin) = venv_bin() else { return };
    let broker = start(Kind::Apiary, &bin);
    let port = broker.port.to_string();
    let common = ["--host", "127.0.0.1", "-p", port.as_str(), "-c", "events"];
    let mut sub = Command::new(bin.join("hpfeeds"))
        .args(["subscribe", "-i", "sub", "-s", "subsecret"])
        .args(common)
        .env("PYTHONUNBUFFERED", "1")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("spawn hpfeeds subscribe");
    let stdout = sub.stdout.take().expect("piped stdout");
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    let mut lines = Vec::new();
    let mut delivered = false;
    // Publish until the subscriber shows the message: its subscription may land after our first publish.
    for attempt in 0..20 {
        let status = Command::new(bin.join("hpfeeds"))
            .args(["publish", "-i", "pub", "-s", "pubsecret"])
            .args(common)
            .arg(format!("hello-{attempt}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .expect("run hpfeeds publish");
        assert!(status.success());
        while let Ok(line) = rx.recv_timeout(Duration::from_millis(300)) {
            delivered |= line.contains("publish to events by pub: b'hello-");
            lines.push(line);
        }
        if delivered {
            break;
        }
    }
    let _ = sub.kill();
    let _ = sub.wait();
    assert!(
        lines.iter().any(|l| l.contains("connected to hpfeeds")),
        "subscriber output: {lines:?}"
    );
    assert!(delivered, "subscriber never printed a message: {lines:?}");
}

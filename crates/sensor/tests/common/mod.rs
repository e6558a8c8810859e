//! Shared by the sensor's integration tests: a sensor on loopback in a temporary data folder, the real peers
//! (OpenSSH tools, the PyPI venv), and the event log reader.

#![allow(dead_code)]

use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use sensor::config::SensorConfig;
use sensor::Sensor;

/// A running sensor and the folder it writes to.
pub struct Running {
    /// The sensor.
    pub sensor: Sensor,
    /// Its data folder (deleted on drop).
    pub dir: tempfile::TempDir,
}

impl Running {
    /// The SSH port.
    pub fn ssh_port(&self) -> u16 {
        self.sensor.ssh_addrs[0].port()
    }

    /// The Telnet port.
    pub fn telnet_port(&self) -> u16 {
        self.sensor.telnet_addrs[0].port()
    }

    /// Every event written so far.
    pub fn events(&self) -> Vec<serde_json::Value> {
        read_events(self.dir.path())
    }

    /// Waits until an event satisfies `pred` (at most 10 s), returning all events.
    pub async fn wait_event(&self, pred: impl Fn(&serde_json::Value) -> bool) -> Vec<serde_json::Value> {
        for _ in 0..200 {
            let ev = self.events();
            if ev.iter().any(&pred) {
                return ev;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        panic!("event never appeared; log: {:#?}", self.events());
    }
}

/// The JSONL event log of a data folder.
pub fn read_events(dir: &Path) -> Vec<serde_json::Value> {
    let text = std::fs::read_to_string(sensor::events::log_path(dir)).unwrap_or_default();
    text.lines().filter_map(|l| serde_json::from_str(l).ok()).collect()
}

/// A sensor on 127.0.0.1 with ephemeral ports, short auth delay, tweaked by `edit`.
pub async fn start(edit: impl FnOnce(&mut SensorConfig)) -> Running {
    let dir = tempfile::tempdir().expect("temp dir");
    let mut config = SensorConfig {
        name: "test-sensor".into(),
        ..SensorConfig::default()
    };
    config.log.dir = dir.path().to_path_buf();
    config.ssh.listen = vec!["127.0.0.1:0".parse().unwrap()];
    config.telnet.listen = vec!["127.0.0.1:0".parse().unwrap()];
    config.ssh.auth_fail_delay = Duration::from_millis(50);
    edit(&mut config);
    let sensor = Sensor::start(config).await.expect("sensor starts");
    Running { sensor, dir }
}

/// Whether a real peer program exists; under `CI` a missing one fails the test instead of skipping it.
pub fn have(program: &str) -> bool {
    let found = std::process::Command::new("sh")
        .args(["-c", &format!("command -v {program}")])
        .output()
        .map(|o| o.status.success())
        .unwrap_or(false);
    if !found && std::env::var_os("CI").is_some() {
        panic!("{program} is required in CI (.ci/run installs it)");
    }
    if !found {
        eprintln!("skipping: {program} not installed");
    }
    found
}

/// The PyPI venv's python (with paramiko, asyncssh, asciinema), as `.ci/run` makes it.
pub fn venv_python() -> Option<PathBuf> {
    let py = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../.venv/bin/python");
    let ok = std::process::Command::new(&py)
        .args(["-c", "import paramiko, asyncssh"])
        .output()
        .map(|o| o.status.success())
        .unwrap_or(false);
    if !ok {
        if std::env::var_os("CI").is_some() {
            panic!(
                "the venv at {} with paramiko and asyncssh is required in CI",
                py.display()
            );
        }
        eprintln!("skipping: no venv with paramiko/asyncssh");
        return None;
    }
    Some(py)
}

/// `sshpass -p PASSWORD ssh … -p PORT USER@127.0.0.1 COMMAND`, returning (stdout, stderr, status).
pub async fn openssh(port: u16, user: &str, password: &str, extra: &[&str], command: &str) -> (String, String, i32) {
    let mut cmd = tokio::process::Command::new("sshpass");
    cmd.args(["-p", password, "ssh"])
        .args([
            "-o",
            "StrictHostKeyChecking=no",
            "-o",
            "UserKnownHostsFile=/dev/null",
            "-o",
            "PubkeyAuthentication=no",
            "-o",
            "LogLevel=ERROR",
            "-o",
            "ConnectTimeout=10",
            "-p",
            &port.to_string(),
        ])
        .args(extra)
        .arg(format!("{user}@127.0.0.1"))
        .arg(command)
        .stdin(std::process::Stdio::null());
    let out = tokio::time::timeout(Duration::from_secs(30), cmd.output())
        .await
        .expect("ssh finished in time")
        .expect("ssh runs");
    (
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
        out.status.code().unwrap_or(-1),
    )
}

/// Runs `tests/peers/ssh_peer.py CLIENT SCENARIO PORT USER PASSWORD` and parses its JSON.
pub async fn python_peer(
    py: &Path,
    client: &str,
    scenario: &str,
    port: u16,
    user: &str,
    pw: &str,
) -> serde_json::Value {
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/peers/ssh_peer.py");
    let out = tokio::time::timeout(
        Duration::from_secs(60),
        tokio::process::Command::new(py)
            .arg(script)
            .args([client, scenario, &port.to_string(), user, pw])
            .output(),
    )
    .await
    .expect("peer finished in time")
    .expect("peer runs");
    assert!(
        out.status.success(),
        "{client} peer failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("peer prints JSON")
}

/// A real sshd on 127.0.0.1:`port`, killed on drop.
pub struct RealSshd(Child);

impl Drop for RealSshd {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Starts `/usr/sbin/sshd -D` with host keys made by `ssh-keygen` in `dir`.
pub fn real_sshd(dir: &Path) -> Option<(RealSshd, u16)> {
    if !have("/usr/sbin/sshd") || !have("ssh-keygen") {
        return None;
    }
    let mut conf = String::new();
    for (kind, bits) in [("rsa", "3072"), ("ecdsa", "256"), ("ed25519", "256")] {
        let key = dir.join(format!("ssh_host_{kind}_key"));
        let ok = Command::new("ssh-keygen")
            .args(["-q", "-t", kind, "-b", bits, "-N", "", "-f"])
            .arg(&key)
            .status()
            .expect("ssh-keygen runs")
            .success();
        assert!(ok, "ssh-keygen failed");
        conf.push_str(&format!("HostKey {}\n", key.display()));
    }
    let _ = std::fs::create_dir_all("/run/sshd");
    let port = testkit::free_port();
    conf.push_str(&format!(
        "Port {port}\nListenAddress 127.0.0.1\nPidFile none\nUsePAM yes\nKbdInteractiveAuthentication no\n\
         AcceptEnv LANG LC_*\n"
    ));
    let path = dir.join("sshd_config");
    std::fs::write(&path, conf).unwrap();
    let child = Command::new("/usr/sbin/sshd")
        .args(["-D", "-e", "-f"])
        .arg(&path)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("sshd starts");
    let guard = RealSshd(child);
    for _ in 0..100 {
        if TcpStream::connect(("127.0.0.1", port)).is_ok() {
            return Some((guard, port));
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    panic!("sshd did not listen on {port}");
}

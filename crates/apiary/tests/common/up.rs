//! A running `apiary up` for the tests that drive the whole binary (`up.rs`, `up_replay.rs`); included by them with
//! `#[path]` so the other test binaries do not carry it.

use std::io::{BufRead, BufReader, Read};
use std::net::SocketAddr;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::{mpsc, Arc, Mutex};
use std::time::{Duration, Instant};

use crate::common::{free_port, terminate, wait_listening};

/// True if `prog` runs.
pub fn have(prog: &str) -> bool {
    Command::new(prog)
        .arg("-V")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok()
}

/// A running `apiary up` and what it printed.
pub struct Up {
    /// The process.
    pub child: Child,
    /// Its standard output, line by line.
    lines: mpsc::Receiver<String>,
    /// Its standard error so far (drained continuously so logging never blocks it).
    stderr: Arc<Mutex<String>>,
    /// Dashboard and API.
    pub http: SocketAddr,
    /// SSH honeypot.
    pub ssh: SocketAddr,
}

impl Up {
    /// Starts `apiary up` on free loopback ports with its data in `dir`, once its HTTP and SSH ports listen.
    pub fn start(dir: &Path) -> Up {
        let (http, broker, ssh, telnet) = (free_port(), free_port(), free_port(), free_port());
        let addr = |p: u16| format!("127.0.0.1:{p}");
        let mut child = Command::new(env!("CARGO_BIN_EXE_apiary"))
            .arg("up")
            .arg("--data")
            .arg(dir)
            .args(["--http", &addr(http), "--broker", &addr(broker)])
            .args(["--ssh", &addr(ssh), "--telnet", &addr(telnet)])
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("start apiary up");
        let out = child.stdout.take().expect("stdout");
        let (tx, rx) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(out).lines().map_while(Result::ok) {
                if tx.send(line).is_err() {
                    return;
                }
            }
        });
        let stderr = Arc::new(Mutex::new(String::new()));
        let mut err = child.stderr.take().expect("stderr");
        let sink = stderr.clone();
        std::thread::spawn(move || {
            let mut buf = [0u8; 4096];
            while let Ok(n) = err.read(&mut buf) {
                if n == 0 {
                    return;
                }
                if let Ok(mut s) = sink.lock() {
                    s.push_str(&String::from_utf8_lossy(&buf[..n]));
                }
            }
        });
        let http: SocketAddr = addr(http).parse().unwrap();
        let ssh: SocketAddr = addr(ssh).parse().unwrap();
        wait_listening(http, &mut child);
        wait_listening(ssh, &mut child);
        Up {
            child,
            lines: rx,
            stderr,
            http,
            ssh,
        }
    }

    /// Lines printed until the one that mentions the broker (the last of the banner), within 20 s.
    pub fn banner(&self) -> Vec<String> {
        let deadline = Instant::now() + Duration::from_secs(20);
        let mut lines = Vec::new();
        while Instant::now() < deadline {
            match self.lines.recv_timeout(Duration::from_millis(200)) {
                Ok(l) => {
                    let last = l.contains("hpfeeds broker");
                    lines.push(l);
                    if last {
                        return lines;
                    }
                }
                Err(mpsc::RecvTimeoutError::Timeout) => continue,
                Err(mpsc::RecvTimeoutError::Disconnected) => break,
            }
        }
        panic!("apiary up printed no complete banner: {lines:?}");
    }

    /// Stops it with SIGTERM and checks the exit was clean.
    pub fn stop(mut self) {
        let status = terminate(&mut self.child, "apiary up", Duration::from_secs(20));
        let err = self.stderr.lock().map(|s| s.clone()).unwrap_or_default();
        assert!(status.success(), "apiary up exited with {status}: {err}");
    }
}

//! Starting and stopping the brokers under test: ours (`apiary broker`) and the Python reference
//! (`hpfeeds-broker`), each on a free loopback port with its own auth file in a folder of its own.
//!
//! Children are killed on drop and, should the bench itself die, by `PR_SET_PDEATHSIG`.

use std::fmt;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::Stdio;
use std::time::{Duration, Instant};

use anyhow::{bail, Context, Result};
use clap::ValueEnum;
use tokio::process::{Child, Command};

use super::loadgen::{self, CHANNEL, IDENT, READY_CHANNEL, SECRET};
use crate::common::{check_alive, cpu_secs, free_port, spawn_logged, stop, tail, vmrss_kib};

/// Which broker implementation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, ValueEnum)]
pub enum BrokerKind {
    /// Ours: `apiary broker`.
    Apiary,
    /// The Python reference, hpfeeds 3.1.0.
    Python,
    /// Not a broker: the minimal relay of [`super::floor`], run only to measure the machine's latency floor.
    #[value(skip)]
    Floor,
}

impl fmt::Display for BrokerKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            BrokerKind::Apiary => "apiary",
            BrokerKind::Python => "python",
            BrokerKind::Floor => "floor",
        })
    }
}

/// Where the broker programs live.
#[derive(Debug, Clone)]
pub struct BrokerPaths {
    /// The `apiary` binary.
    pub apiary: PathBuf,
    /// The virtualenv holding `bin/hpfeeds-broker`.
    pub python_venv: PathBuf,
}

impl BrokerPaths {
    fn python_broker(&self) -> PathBuf {
        self.python_venv.join("bin").join("hpfeeds-broker")
    }

    /// Checks that `kind`'s program exists and starts, with a hint if not.
    pub async fn check(&self, kind: BrokerKind) -> Result<()> {
        let (prog, args): (PathBuf, &[&str]) = match kind {
            BrokerKind::Apiary => (self.apiary.clone(), &["broker", "--help"]),
            BrokerKind::Python => (self.python_broker(), &["--help"]),
            // The floor relay is this very binary.
            BrokerKind::Floor => return Ok(()),
        };
        let hint = match kind {
            BrokerKind::Apiary => {
                "build it with `cargo build --release -p apiary`, pass --apiary PATH, or use --only python"
            }
            BrokerKind::Python | BrokerKind::Floor => {
                "pass --python-venv PATH (a venv with hpfeeds 3.1.0 installed), or use --only apiary"
            }
        };
        let out = tokio::time::timeout(
            Duration::from_secs(20),
            Command::new(&prog)
                .args(args)
                .stdin(Stdio::null())
                .kill_on_drop(true)
                .output(),
        )
        .await
        .with_context(|| format!("{} {} did not answer within 20 s", prog.display(), args.join(" ")))?
        .with_context(|| format!("cannot run {}: {hint}", prog.display()))?;
        if !out.status.success() {
            bail!(
                "`{} {}` failed ({}): {hint}\n{}",
                prog.display(),
                args.join(" "),
                out.status,
                String::from_utf8_lossy(&out.stderr).trim()
            );
        }
        Ok(())
    }
}

/// A running broker, killed when dropped.
#[derive(Debug)]
pub struct Broker {
    child: Child,
    /// Its hpfeeds listener.
    pub addr: SocketAddr,
    /// Its process id, for reading its RSS.
    pub pid: u32,
    log: PathBuf,
    _dir: tempfile::TempDir,
}

/// The auth file both brokers read: one ident allowed to publish and subscribe the bench channels.
fn idents_json() -> String {
    serde_json::json!({
        IDENT: {
            "owner": "bench",
            "secret": SECRET,
            "pubchans": [CHANNEL, READY_CHANNEL],
            "subchans": [CHANNEL, READY_CHANNEL],
        }
    })
    .to_string()
}

impl Broker {
    /// Starts `kind` on a free loopback port and waits until a message makes the round trip.
    pub async fn start(kind: BrokerKind, paths: &BrokerPaths) -> Result<Broker> {
        let mut last = None;
        // A free port can be taken between probing and binding; try a few.
        for _ in 0..3 {
            match Self::start_once(kind, paths).await {
                Ok(b) => return Ok(b),
                Err(e) => last = Some(e),
            }
        }
        Err(last.expect("at least one attempt")).with_context(|| format!("starting the {kind} broker"))
    }

    async fn start_once(kind: BrokerKind, paths: &BrokerPaths) -> Result<Broker> {
        let dir = tempfile::Builder::new()
            .prefix(&format!("bench-{kind}-"))
            .tempdir()
            .context("creating a folder for the auth file")?;
        // The reference's watcher reloads on changes inside any ancestor folder of the auth file, so the auth
        // file and the (busy) log each get a subfolder of their own: inotify watches are not recursive.
        let auth_dir = dir.path().join("auth");
        std::fs::create_dir(&auth_dir).context("creating the auth folder")?;
        let auth = auth_dir.join(match kind {
            BrokerKind::Apiary | BrokerKind::Floor => "idents.json",
            BrokerKind::Python => "users.json",
        });
        std::fs::write(&auth, idents_json()).with_context(|| format!("writing {}", auth.display()))?;
        let log_dir = dir.path().join("log");
        std::fs::create_dir(&log_dir).context("creating the log folder")?;
        let log = log_dir.join("broker.log");
        let logf = std::fs::File::create(&log).context("creating the broker log")?;
        let port = free_port()?;
        let addr: SocketAddr = ([127, 0, 0, 1], port).into();
        let cmd = match kind {
            BrokerKind::Apiary => {
                let mut c = Command::new(&paths.apiary);
                c.arg("broker")
                    .arg("--listen")
                    .arg(addr.to_string())
                    .arg("--auth")
                    .arg(&auth);
                c
            }
            BrokerKind::Floor => {
                let mut c = Command::new(std::env::current_exe().context("locating the bench binary")?);
                c.arg("floor-relay").arg("--listen").arg(addr.to_string());
                c
            }
            BrokerKind::Python => {
                let mut c = Command::new(paths.python_broker());
                // Always a loopback exporter: its default binds 0.0.0.0:8080.
                let exporter = format!("127.0.0.1:{}", free_port()?);
                c.arg("--bind")
                    .arg(addr.to_string())
                    .arg("--auth")
                    .arg(&auth)
                    .arg("--exporter")
                    .arg(exporter);
                c
            }
        };
        let (child, pid) = spawn_logged(cmd, logf, &format!("the {kind} broker"))?;
        let mut b = Broker {
            child,
            addr,
            pid,
            log,
            _dir: dir,
        };
        b.wait_ready(Duration::from_secs(20)).await?;
        Ok(b)
    }

    async fn wait_ready(&mut self, t: Duration) -> Result<()> {
        let deadline = Instant::now() + t;
        loop {
            if let Some(status) = self.child.try_wait()? {
                bail!("broker exited during startup ({status}); log:\n{}", tail(&self.log, 20));
            }
            if tokio::net::TcpStream::connect(self.addr).await.is_ok() {
                break;
            }
            if Instant::now() >= deadline {
                bail!(
                    "broker did not listen on {} within {t:?}; log:\n{}",
                    self.addr,
                    tail(&self.log, 20)
                );
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        let left = deadline
            .saturating_duration_since(Instant::now())
            .max(Duration::from_secs(2));
        loadgen::round_trip(self.addr, left).await.with_context(|| {
            format!(
                "broker on {} is not delivering; log:\n{}",
                self.addr,
                tail(&self.log, 20)
            )
        })
    }

    /// The broker's resident set size in KiB (`VmRSS` from `/proc/PID/status`).
    pub fn rss_kib(&self) -> Result<u64> {
        vmrss_kib(self.pid)
    }

    /// CPU time (user + system) the broker has used so far, in seconds, from `/proc/PID/stat`.
    pub fn cpu_secs(&self) -> Result<f64> {
        cpu_secs(self.pid)
    }

    /// Checks that the broker is still running (it should never exit on its own during a scenario).
    pub fn check_alive(&mut self) -> Result<()> {
        check_alive(&mut self.child, &self.log, "broker")
    }

    /// Kills the broker and reaps it.
    pub async fn stop(mut self) -> Result<()> {
        stop(&mut self.child, "broker").await
    }
}

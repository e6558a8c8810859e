//! Starting and stopping the honeypots under test: ours (`apiary sensor`) and Cowrie 3.1.4 (`twistd -n cowrie` from
//! a virtualenv this module creates on first use), each on a free 127.0.0.1 port with a folder of its own.
//!
//! Cowrie refuses to run as root, so it runs as `nobody` (setuid in the child, no PAM); its folder is chowned to it.
//! Children are killed on drop and, should the bench itself die, by `PR_SET_PDEATHSIG`.

use std::fmt;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::{Duration, Instant};

use anyhow::{bail, Context, Result};
use clap::ValueEnum;
use tokio::io::AsyncReadExt;
use tokio::process::{Child, Command};

use crate::common::{check_alive, cpu_secs, free_port, spawn_logged, stop, tail, vmrss_kib};

/// The Cowrie release compared against.
pub const COWRIE_VERSION: &str = "3.1.4";

/// The unprivileged account Cowrie runs as (uid, gid of Debian's `nobody`/`nogroup`).
const NOBODY: (u32, u32) = (65534, 65534);

/// Which honeypot.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, ValueEnum)]
pub enum Kind {
    /// Ours: `apiary sensor`.
    Apiary,
    /// Cowrie 3.1.4 from PyPI.
    Cowrie,
}

impl fmt::Display for Kind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Kind::Apiary => "apiary",
            Kind::Cowrie => "cowrie",
        })
    }
}

/// Where the honeypot programs live.
#[derive(Debug, Clone)]
pub struct Paths {
    /// The `apiary` binary.
    pub apiary: PathBuf,
    /// The virtualenv holding Cowrie (`bin/twistd`).
    pub venv: PathBuf,
}

/// Runs a setup command in `cwd` with a time limit, failing with its output. (Cowrie's Twisted plugin writes
/// `var/lib/cowrie/uuid` under the working directory when imported, so setup never runs in the caller's.)
async fn run_setup(prog: &Path, args: &[&str], cwd: &Path, limit: Duration) -> Result<()> {
    let out = tokio::time::timeout(
        limit,
        Command::new(prog)
            .args(args)
            .current_dir(cwd)
            .stdin(Stdio::null())
            .kill_on_drop(true)
            .output(),
    )
    .await
    .with_context(|| format!("{} {} took more than {limit:?}", prog.display(), args.join(" ")))?
    .with_context(|| format!("cannot run {}", prog.display()))?;
    if !out.status.success() {
        bail!(
            "`{} {}` failed ({}):\n{}\n{}",
            prog.display(),
            args.join(" "),
            out.status,
            String::from_utf8_lossy(&out.stdout).trim(),
            String::from_utf8_lossy(&out.stderr).trim()
        );
    }
    Ok(())
}

impl Paths {
    fn twistd(&self) -> PathBuf {
        self.venv.join("bin").join("twistd")
    }

    /// Checks that `kind` can start: the apiary binary exists; Cowrie's venv exists (created on first use).
    pub async fn prepare(&self, kind: Kind) -> Result<()> {
        match kind {
            Kind::Apiary => {
                if !self.apiary.is_file() {
                    bail!(
                        "{} not found: build it with `cargo build --release -p apiary`, pass --apiary PATH, \
                         or use --only cowrie",
                        self.apiary.display()
                    );
                }
                Ok(())
            }
            Kind::Cowrie => self.ensure_cowrie().await,
        }
    }

    /// Creates the venv with the system python (readable by `nobody`, unlike a python under /root) and installs
    /// Cowrie into it, unless it is there already.
    async fn ensure_cowrie(&self) -> Result<()> {
        let python = self.venv.join("bin").join("python3");
        let version_check = format!(
            "import importlib.metadata as m, sys; v = m.version('cowrie'); sys.exit(0 if v == '{COWRIE_VERSION}' else 1)"
        );
        let parent = self.venv.parent().unwrap_or(Path::new("/"));
        if self.twistd().is_file()
            && run_setup(&python, &["-c", &version_check], &self.venv, Duration::from_secs(30))
                .await
                .is_ok()
        {
            return Ok(());
        }
        eprintln!(
            "setting up Cowrie {COWRIE_VERSION} in {} (first run only)",
            self.venv.display()
        );
        std::fs::create_dir_all(parent).with_context(|| format!("creating {}", parent.display()))?;
        let venv = self.venv.to_string_lossy().into_owned();
        run_setup(
            Path::new("/usr/bin/python3"),
            &["-m", "venv", "--clear", &venv],
            parent,
            Duration::from_secs(120),
        )
        .await
        .context("creating the Cowrie venv (needs Debian's python3-venv)")?;
        let spec = format!("cowrie=={COWRIE_VERSION}");
        run_setup(
            &self.venv.join("bin").join("pip"),
            &["install", "--quiet", "--disable-pip-version-check", &spec],
            &self.venv,
            Duration::from_secs(600),
        )
        .await
        .context("installing Cowrie from PyPI")?;
        // Build twisted's plugin cache as root, so the unprivileged Cowrie does not try (and warn) at every start.
        let _ = run_setup(
            &python,
            &["-c", "from twisted.plugin import IPlugin, getPlugins; import twisted.plugins as p; list(getPlugins(IPlugin, p))"],
            &self.venv,
            Duration::from_secs(60),
        )
        .await;
        run_setup(&python, &["-c", &version_check], &self.venv, Duration::from_secs(30))
            .await
            .context("Cowrie's version after install")
    }
}

/// Our sensor's config: SSH only on `addr`, limits raised for one client address holding `sessions` sessions.
fn sensor_toml(addr: SocketAddr, data: &Path, sessions: usize) -> String {
    let cap = sessions + 256;
    format!(
        "name = \"bench\"\n\n[ssh]\nenabled = true\nlisten = [\"{addr}\"]\n\n[telnet]\nenabled = false\n\n\
         [log]\ndir = \"{}\"\n\n[limits]\nmax_sessions = {cap}\nmax_per_ip = {cap}\nidle_timeout = 3600\n",
        data.display()
    )
}

/// Cowrie's overlay on its bundled defaults: SSH only on `port` of 127.0.0.1, JSON log in `dir`, long timeouts.
fn cowrie_cfg(dir: &Path, port: u16) -> String {
    let d = dir.display();
    format!(
        "[honeypot]\nhostname = svr04\nlog_path = {d}/var/log/cowrie\nstate_path = {d}/var/lib/cowrie\n\
         download_path = {d}/var/lib/cowrie/downloads\nttylog_path = {d}/var/lib/cowrie/tty\netc_path = {d}/etc\n\
         interactive_timeout = 3600\nidle_timeout = 3600\nauthentication_timeout = 120\n\n\
         [ssh]\nenabled = true\nlisten_endpoints = tcp:{port}:interface=127.0.0.1\n\n\
         [telnet]\nenabled = false\n\n[output_jsonlog]\nenabled = true\nlogfile = {d}/var/log/cowrie/cowrie.json\n"
    )
}

/// `chown -R nobody:nogroup dir`.
fn chown_tree(dir: &Path) -> Result<()> {
    std::os::unix::fs::chown(dir, Some(NOBODY.0), Some(NOBODY.1))
        .with_context(|| format!("chown {}", dir.display()))?;
    if dir.is_dir() {
        for e in std::fs::read_dir(dir).with_context(|| format!("listing {}", dir.display()))? {
            chown_tree(&e?.path())?;
        }
    }
    Ok(())
}

/// A running honeypot, killed when dropped.
#[derive(Debug)]
pub struct Honeypot {
    child: Child,
    /// Its SSH listener.
    pub addr: SocketAddr,
    /// Its process id, root of the tree whose RSS is summed.
    pub pid: u32,
    log: PathBuf,
    _dir: tempfile::TempDir,
}

impl Honeypot {
    /// Starts `kind` on a free loopback port, sized for `sessions` concurrent sessions, and waits for its banner.
    pub async fn start(kind: Kind, paths: &Paths, sessions: usize) -> Result<Honeypot> {
        let mut last = None;
        // A free port can be taken between probing and binding; try a few.
        for _ in 0..3 {
            match Self::start_once(kind, paths, sessions).await {
                Ok(h) => return Ok(h),
                Err(e) => last = Some(e),
            }
        }
        Err(last.unwrap_or_else(|| anyhow::anyhow!("no attempt"))).with_context(|| format!("starting {kind}"))
    }

    async fn start_once(kind: Kind, paths: &Paths, sessions: usize) -> Result<Honeypot> {
        let dir = tempfile::Builder::new()
            .prefix(&format!("bench-ssh-{kind}-"))
            .tempdir()
            .context("creating a folder for the honeypot")?;
        let port = free_port()?;
        let addr: SocketAddr = ([127, 0, 0, 1], port).into();
        let log = dir.path().join("stdout.log");
        let logf = std::fs::File::create(&log).context("creating the honeypot log")?;
        let cmd = match kind {
            Kind::Apiary => {
                let data = dir.path().join("data");
                std::fs::create_dir(&data).context("creating the sensor data folder")?;
                let cfg = dir.path().join("sensor.toml");
                std::fs::write(&cfg, sensor_toml(addr, &data, sessions)).context("writing sensor.toml")?;
                let mut c = Command::new(&paths.apiary);
                c.arg("sensor").arg("--config").arg(&cfg);
                c
            }
            Kind::Cowrie => {
                let d = dir.path();
                for sub in [
                    "etc",
                    "var/log/cowrie",
                    "var/lib/cowrie/downloads",
                    "var/lib/cowrie/tty",
                ] {
                    std::fs::create_dir_all(d.join(sub)).with_context(|| format!("creating {sub}"))?;
                }
                std::fs::write(d.join("etc/cowrie.cfg"), cowrie_cfg(d, port)).context("writing cowrie.cfg")?;
                // Root with any password, like our default rules (the bench never sends an empty one).
                std::fs::write(d.join("etc/userdb.txt"), "root:x:*\n").context("writing userdb.txt")?;
                chown_tree(d)?;
                let mut c = Command::new(paths.twistd());
                c.args([
                    "--umask=0022",
                    "-n",
                    "--pidfile=",
                    "--logger",
                    "cowrie.python.logfile.stdoutLogger",
                    "cowrie",
                ])
                .current_dir(d)
                .env("HOME", d)
                .env("COWRIE_STDOUT", "yes")
                .uid(NOBODY.0)
                .gid(NOBODY.1);
                c
            }
        };
        let (child, pid) = spawn_logged(cmd, logf, &format!("the {kind} honeypot"))?;
        let mut h = Honeypot {
            child,
            addr,
            pid,
            log,
            _dir: dir,
        };
        h.wait_ready(Duration::from_secs(60)).await?;
        Ok(h)
    }

    /// Waits until the port answers with an SSH banner.
    async fn wait_ready(&mut self, t: Duration) -> Result<()> {
        let deadline = Instant::now() + t;
        loop {
            if let Some(status) = self.child.try_wait()? {
                bail!(
                    "honeypot exited during startup ({status}); log:\n{}",
                    tail(&self.log, 20)
                );
            }
            if let Ok(Ok(mut s)) =
                tokio::time::timeout(Duration::from_secs(2), tokio::net::TcpStream::connect(self.addr)).await
            {
                let mut buf = [0u8; 8];
                if let Ok(Ok(n)) = tokio::time::timeout(Duration::from_secs(5), s.read(&mut buf)).await {
                    if buf.get(..n).is_some_and(|b| b.starts_with(b"SSH-")) {
                        return Ok(());
                    }
                }
            }
            if Instant::now() >= deadline {
                bail!(
                    "no SSH banner on {} within {t:?}; log:\n{}",
                    self.addr,
                    tail(&self.log, 20)
                );
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// Resident set size in KiB of the honeypot and all its descendants.
    pub fn rss_kib(&self) -> Result<u64> {
        rss_tree_kib(self.pid)
    }

    /// CPU seconds (user + system) used so far by the honeypot's process tree.
    pub fn cpu_secs(&self) -> f64 {
        // A process that ended between listing and reading counts 0.
        tree(self.pid).iter().map(|&p| cpu_secs(p).unwrap_or(0.0)).sum()
    }

    /// Open file descriptors of the honeypot's process tree (sockets mostly): shows whether sessions are torn down.
    pub fn fds(&self) -> usize {
        tree(self.pid)
            .iter()
            .map(|p| std::fs::read_dir(format!("/proc/{p}/fd")).map_or(0, |d| d.count()))
            .sum()
    }

    /// Checks that the honeypot is still running.
    pub fn check_alive(&mut self) -> Result<()> {
        check_alive(&mut self.child, &self.log, "honeypot")
    }

    /// Kills the honeypot and reaps it.
    pub async fn stop(mut self) -> Result<()> {
        stop(&mut self.child, "honeypot").await
    }
}

/// The parent pid of `pid` from `/proc/PID/stat`.
fn ppid(pid: u32) -> Option<u32> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    let rest = stat.rsplit_once(')')?.1;
    rest.split_whitespace().nth(1)?.parse().ok()
}

/// `root` and its descendants.
fn tree(root: u32) -> Vec<u32> {
    let mut parents = Vec::new();
    let Ok(dir) = std::fs::read_dir("/proc") else {
        return vec![root];
    };
    for e in dir {
        let Ok(e) = e else { continue };
        if let Some(pid) = e.file_name().to_str().and_then(|s| s.parse::<u32>().ok()) {
            if let Some(pp) = ppid(pid) {
                parents.push((pid, pp));
            }
        }
    }
    let mut tree = vec![root];
    let mut i = 0;
    // Bounded: each pid is added once, and there are finitely many.
    while let Some(&p) = tree.get(i) {
        for &(c, pp) in &parents {
            if pp == p && !tree.contains(&c) {
                tree.push(c);
            }
        }
        i += 1;
    }
    tree
}

/// Sum of `VmRSS` over `root` and its descendants.
pub fn rss_tree_kib(root: u32) -> Result<u64> {
    // Kernel threads and processes that just ended count 0.
    let total: u64 = tree(root).iter().map(|&p| vmrss_kib(p).unwrap_or(0)).sum();
    if total == 0 {
        bail!("process {root} has no RSS (gone?)");
    }
    Ok(total)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sensor_config_raises_limits() {
        let t = sensor_toml(([127, 0, 0, 1], 4000).into(), Path::new("/tmp/x"), 2000);
        assert!(t.contains("listen = [\"127.0.0.1:4000\"]\n"));
        assert!(t.contains("max_per_ip = 2256\n"));
        assert!(t.contains("[telnet]\nenabled = false\n"));
    }

    #[test]
    fn cowrie_config_is_loopback_only() {
        let t = cowrie_cfg(Path::new("/tmp/c"), 4001);
        assert!(t.contains("listen_endpoints = tcp:4001:interface=127.0.0.1\n"));
        assert!(t.contains("[telnet]\nenabled = false\n"));
    }

    #[test]
    fn own_rss_is_positive() {
        assert!(rss_tree_kib(std::process::id()).unwrap_or(0) > 0);
    }
}

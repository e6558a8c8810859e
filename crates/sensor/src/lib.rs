//! Honeypot front ends (SSH and Telnet today) and the sensor runtime that writes events to the JSONL log and
//! publishes them over hpfeeds.
//!
//! Data flow: a listener admits a connection ([`limits`]), a front end ([`ssh`], [`telnet`]) authenticates it by the
//! rules ([`auth`]) and hands keystrokes to the fake shell ([`interactive`], [`terminal`], the `shell` crate); every
//! step becomes an [`event::Event`] through [`events`], which appends to `log/apiary.json` and publishes with the
//! hpfeeds client's spool. The fake machine ([`machine`]) is generated once per sensor and kept.
//!
//! - `config.rs`: `sensor.toml`, every setting with a default.
//! - `hostkeys.rs`: SSH host keys, generated on first start and kept.
//! - `machine.rs`: the persona and base filesystem.
//! - `auth.rs`: which credentials log in.
//! - `limits.rs`: connection caps, total and per source.
//! - `memory.rs`: handing freed heap back to the system after sessions close.
//! - `events.rs`: the event writer (JSONL log, hpfeeds).
//! - `heartbeat.rs`: the `apiary.heartbeat` task (version and listeners, every minute).
//! - `terminal.rs`, `interactive.rs`: line editing, prompts, running lines.
//! - `ssh/`, `telnet/`: the front ends.
//! - `capture/`: downloads made for the attacker and files they leave behind, stored by SHA-256.
//! - `record/`: asciicast v2 recordings of sessions.
//! - `compat/`: Cowrie's JSON log and `cowrie.sessions` summary, for pipelines built around Cowrie.

pub mod auth;
pub mod capture;
pub mod compat;
pub mod config;
pub mod events;
pub mod heartbeat;
pub mod hostkeys;
pub mod interactive;
pub mod limits;
pub mod machine;
pub mod memory;
pub mod record;
pub mod ssh;
pub mod telnet;
pub mod terminal;

use std::net::SocketAddr;
use std::sync::Arc;

use anyhow::Context;
use tokio::net::TcpListener;
use tokio::task::JoinHandle;

use crate::config::SensorConfig;
use crate::events::{Conn, Events};
use crate::interactive::SharedShell;
use crate::limits::Admissions;
use crate::machine::Machine;

/// What every connection of the sensor shares.
pub struct Shared {
    /// The configuration.
    pub config: SensorConfig,
    /// The fake machine.
    pub machine: Machine,
    /// The event emitter.
    pub events: Events,
    /// Connection caps.
    pub limits: Arc<Admissions>,
    /// Fetches files for the attacker's `wget`/`curl`/`tftp`, public addresses only unless allowed.
    pub fetcher: Arc<dyn shell::net::Fetcher>,
    /// Captured files by SHA-256.
    pub files: Arc<capture::FileStore>,
}

impl Shared {
    /// A fresh login shell for `user` with this sensor's fetcher.
    pub fn login(&self, user: &shell::persona::User) -> shell::exec::Session {
        let mut s = self.machine.login(user);
        s.set_fetcher(self.fetcher.clone());
        s
    }

    /// A new connection's event stamp.
    pub fn conn(&self, honeypot: &'static str, proto: &'static str, peer: SocketAddr, local: SocketAddr) -> Conn {
        Conn::new(
            self.events.clone(),
            Some(self.files.clone()),
            honeypot,
            proto,
            peer,
            local,
        )
    }
}

/// A started sensor: its bound addresses and its tasks.
pub struct Sensor {
    /// Where SSH listens (port 0 in the config becomes the real port here).
    pub ssh_addrs: Vec<SocketAddr>,
    /// Where Telnet listens.
    pub telnet_addrs: Vec<SocketAddr>,
    /// Accept loops.
    tasks: Vec<JoinHandle<()>>,
    /// The event writer, which ends after the last connection's events are written.
    writer: JoinHandle<()>,
    /// Shared state (dropped at shutdown so the writer can finish).
    shared: Option<Arc<Shared>>,
}

impl Sensor {
    /// Loads or creates the machine and host keys, binds every listener and starts serving.
    pub async fn start(config: SensorConfig) -> anyhow::Result<Sensor> {
        memory::init();
        let dir = config.log.dir.clone();
        std::fs::create_dir_all(&dir).with_context(|| format!("cannot create data folder {}", dir.display()))?;
        let machine = Machine::load_or_create(&dir)?;
        let hpfeeds = match &config.server {
            Some(server) => {
                let mut cfg = hpfeeds::client::ClientConfig::new(&server.addr, &server.ident, &server.secret);
                cfg.spool = Some(hpfeeds::client::SpoolConfig::new(dir.join("spool")));
                Some(Arc::new(hpfeeds::client::Client::start(cfg).await.with_context(
                    || format!("cannot start the hpfeeds client for {}", server.addr),
                )?))
            }
            None => None,
        };
        let outputs = events::Outputs {
            cowrie_json: config.log.cowrie_json,
            cowrie_sessions: config.server.as_ref().is_some_and(|s| s.cowrie_sessions),
        };
        let (events, writer) = events::open(&dir, &config.name, hpfeeds.clone(), outputs)?;
        let limits = Admissions::new(config.limits.max_sessions, config.limits.max_per_ip);
        let keys = if config.ssh.enabled {
            let d = dir.clone();
            tokio::task::spawn_blocking(move || hostkeys::load_or_create(&d))
                .await
                .context("host key task failed")??
        } else {
            Vec::new()
        };
        let policy = capture::FetchPolicy {
            allow_private: config.capture.allow_private,
            total_timeout: config.capture.timeout,
            max_bytes: config.capture.max_bytes,
            ..capture::FetchPolicy::default()
        };
        let fetcher = Arc::new(capture::NetFetcher::new(policy).context("cannot set up TLS for downloads")?);
        let files_dir = dir.join("files");
        let files = capture::FileStore::open(&files_dir)
            .with_context(|| format!("cannot create the captured-files folder {}", files_dir.display()))?;
        let shared = Arc::new(Shared {
            config,
            machine,
            events,
            limits,
            fetcher,
            files: Arc::new(files),
        });
        let mut tasks = Vec::new();
        let mut ssh_addrs = Vec::new();
        if shared.config.ssh.enabled {
            let russh_config = Arc::new(ssh::russh_config(&shared, keys));
            for addr in &shared.config.ssh.listen {
                let listener = TcpListener::bind(addr)
                    .await
                    .with_context(|| format!("cannot listen for SSH on {addr}; is the port in use?"))?;
                ssh_addrs.push(listener.local_addr()?);
                tasks.push(tokio::spawn(ssh::serve(listener, shared.clone(), russh_config.clone())));
            }
        }
        let mut telnet_addrs = Vec::new();
        if shared.config.telnet.enabled {
            for addr in &shared.config.telnet.listen {
                let listener = TcpListener::bind(addr)
                    .await
                    .with_context(|| format!("cannot listen for Telnet on {addr}; is the port in use?"))?;
                telnet_addrs.push(listener.local_addr()?);
                tasks.push(tokio::spawn(telnet::serve(listener, shared.clone())));
            }
        }
        tasks.push(tokio::spawn(memory::trim_when_quiet()));
        if let Some(client) = hpfeeds {
            let listeners = (ssh_addrs.iter().map(|a| ("apiary-ssh", a)))
                .chain(telnet_addrs.iter().map(|a| ("apiary-telnet", a)))
                .map(|(honeypot, addr)| event::heartbeat::Listener {
                    honeypot: honeypot.to_owned(),
                    addr: *addr,
                })
                .collect();
            let name = shared.config.name.clone();
            tasks.push(tokio::spawn(heartbeat::run(client, name, listeners)));
        }
        Ok(Sensor {
            ssh_addrs,
            telnet_addrs,
            tasks,
            writer: tokio::spawn(writer.run()),
            shared: Some(shared),
        })
    }

    /// Stops accepting, gives open connections `grace` to end, and flushes the events.
    pub async fn shutdown(mut self, grace: std::time::Duration) {
        for t in &self.tasks {
            t.abort();
        }
        let shared = self.shared.take();
        let deadline = tokio::time::Instant::now() + grace;
        if let Some(s) = &shared {
            while s.limits.open() > 0 && tokio::time::Instant::now() < deadline {
                tokio::time::sleep(std::time::Duration::from_millis(20)).await;
            }
        }
        drop(shared);
        // The writer ends when the last event handle is dropped (connections still open past the grace hold theirs).
        let _ = tokio::time::timeout(std::time::Duration::from_secs(5), &mut self.writer).await;
    }
}

/// At the end of a connection, reports every file the attacker created or changed in the fake filesystem (those
/// already reported by SFTP or scp are not repeated).
pub(crate) async fn capture_changes(_shared: &Shared, conn: &Conn, shell: &SharedShell) {
    let changed = match shell.lock() {
        Ok(s) => s.fs().changed_files(),
        Err(_) => return,
    };
    for file in changed.into_iter().filter(|f| !f.deleted).take(100) {
        let Some(bytes) = file.content.bytes() else {
            continue;
        };
        if bytes.is_empty() {
            continue;
        }
        conn.capture_upload(&file.path, Arc::from(bytes), Some("written in session"))
            .await;
    }
}

//! The load generator's SSH client (russh): one login cycle, and an interactive shell that sends a line and waits
//! for the prompt after its output.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use anyhow::{bail, Context, Result};
use russh::client::{self, Handle, Msg};
use russh::keys::PublicKeyOrCertificate;
use russh::{Channel, ChannelMsg, Disconnect};

/// The account both honeypots accept with any non-empty password.
const USER: &str = "root";
/// The password every client sends.
const PASSWORD: &str = "bench-Passw0rd";
/// Most bytes of shell output kept while waiting for a prompt (older bytes are dropped).
const MAX_BUF: usize = 64 * 1024;

/// Accepts any host key: both honeypots make theirs up at first start.
#[derive(Debug)]
pub struct Trust;

impl client::Handler for Trust {
    type Error = russh::Error;

    async fn check_server_key(&mut self, _key: &PublicKeyOrCertificate) -> Result<bool, Self::Error> {
        Ok(true)
    }

    async fn kex_done(
        &mut self,
        _secret: Option<&[u8]>,
        names: &russh::Names,
        _session: &mut client::Session,
    ) -> Result<(), Self::Error> {
        if let Ok(mut last) = NEGOTIATED.lock() {
            if last.is_empty() {
                *last = format!(
                    "{}, host key {}, {}",
                    names.kex.as_ref(),
                    names.key.as_str(),
                    names.cipher.as_ref()
                );
            }
        }
        Ok(())
    }
}

/// The algorithms of the first key exchange since the last [`take_negotiated`].
static NEGOTIATED: std::sync::Mutex<String> = std::sync::Mutex::new(String::new());

/// What the first key exchange since the last call negotiated (KEX, host key, cipher), for the report.
pub fn take_negotiated() -> String {
    NEGOTIATED
        .lock()
        .map(|mut s| std::mem::take(&mut *s))
        .unwrap_or_default()
}

/// The client configuration every connection shares (russh's defaults, Nagle off).
pub fn config() -> Arc<client::Config> {
    Arc::new(client::Config {
        nodelay: true,
        ..Default::default()
    })
}

/// Connects, exchanges keys and logs in with a password.
async fn login(addr: SocketAddr, cfg: Arc<client::Config>) -> Result<Handle<Trust>> {
    let mut h = client::connect(cfg, addr, Trust).await.context("connect/KEX")?;
    let r = h.authenticate_password(USER, PASSWORD).await.context("password auth")?;
    if !r.success() {
        bail!("password refused");
    }
    Ok(h)
}

/// One full login: connect, KEX, password auth, open a session channel, close it, disconnect.
pub async fn login_cycle(addr: SocketAddr, cfg: Arc<client::Config>, limit: Duration) -> Result<()> {
    tokio::time::timeout(limit, async {
        let h = login(addr, cfg).await?;
        let ch = h.channel_open_session().await.context("opening a session channel")?;
        ch.close().await.context("closing the channel")?;
        h.disconnect(Disconnect::ByApplication, "", "en")
            .await
            .context("disconnecting")?;
        Ok(())
    })
    .await
    .with_context(|| format!("login cycle took more than {limit:?}"))?
}

/// An interactive session: pty + shell, at its prompt.
pub struct Shell {
    handle: Handle<Trust>,
    chan: Channel<Msg>,
    /// The prompt line as first received, e.g. `root@svr04:~# `.
    prompt: Vec<u8>,
    buf: Vec<u8>,
}

impl Shell {
    /// Logs in, asks for a pty and a shell, and waits for the first prompt.
    pub async fn open(addr: SocketAddr, cfg: Arc<client::Config>, limit: Duration) -> Result<Shell> {
        tokio::time::timeout(limit, async {
            let handle = login(addr, cfg).await?;
            let chan = handle
                .channel_open_session()
                .await
                .context("opening a session channel")?;
            chan.request_pty(false, "xterm", 80, 24, 0, 0, &[])
                .await
                .context("pty request")?;
            chan.request_shell(false).await.context("shell request")?;
            let mut s = Shell {
                handle,
                chan,
                prompt: Vec::new(),
                buf: Vec::new(),
            };
            s.read_until(|b| b.ends_with(b"# ") || b.ends_with(b"$ ")).await?;
            let start = s.buf.iter().rposition(|&c| c == b'\n').map_or(0, |i| i + 1);
            s.prompt = s.buf.get(start..).unwrap_or_default().to_vec();
            s.buf.clear();
            Ok(s)
        })
        .await
        .with_context(|| format!("opening a shell took more than {limit:?}"))?
    }

    /// Reads channel data until `done(buffer)` holds.
    async fn read_until(&mut self, done: impl Fn(&[u8]) -> bool) -> Result<()> {
        loop {
            match self.chan.wait().await {
                Some(ChannelMsg::Data { data }) | Some(ChannelMsg::ExtendedData { data, .. }) => {
                    self.buf.extend_from_slice(&data);
                    if self.buf.len() > MAX_BUF {
                        let cut = self.buf.len() - MAX_BUF;
                        self.buf.drain(..cut);
                    }
                    if done(&self.buf) {
                        return Ok(());
                    }
                }
                Some(ChannelMsg::Eof) | Some(ChannelMsg::Close) | None => {
                    bail!(
                        "session ended while waiting for the prompt; last output: {:?}",
                        String::from_utf8_lossy(&self.buf)
                    )
                }
                Some(_) => {}
            }
        }
    }

    /// Sends `line` and Enter, and waits for the prompt after its output; returns the bytes received.
    pub async fn run(&mut self, line: &str, limit: Duration) -> Result<usize> {
        self.buf.clear();
        let mut bytes = Vec::with_capacity(line.len() + 1);
        bytes.extend_from_slice(line.as_bytes());
        bytes.push(b'\r');
        let prompt = std::mem::take(&mut self.prompt);
        let r = tokio::time::timeout(limit, async {
            self.chan.data_bytes(bytes).await.context("sending the line")?;
            self.read_until(|b| b.contains(&b'\n') && b.ends_with(&prompt)).await
        })
        .await;
        self.prompt = prompt;
        r.with_context(|| format!("no prompt within {limit:?} after {:.40}", line))??;
        Ok(self.buf.len())
    }

    /// The output of the last [`Shell::run`], prompt included.
    pub fn output(&self) -> &[u8] {
        &self.buf
    }

    /// Closes the channel and disconnects.
    pub async fn close(self) {
        let _ = self.chan.close().await;
        let _ = self.handle.disconnect(Disconnect::ByApplication, "", "en").await;
    }
}

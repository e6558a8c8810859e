//! One SSH connection: authentication by the `[auth]` rules, then session channels (interactive shell and exec) on
//! the connection's one fake shell, port-forwarding requests recorded and never forwarded, and the closing events.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Instant;

use event::{AuthMethod, Kind};
use russh::server::{Auth, ChannelOpenHandle, Msg, PublicKeyOffer, Session};
use russh::{Channel, ChannelId, ChannelOpenFailure, MethodKind, MethodSet};
use tokio::net::TcpStream;

use super::hello::{self, Hello, HelloSlot, Tap};
use crate::auth::{self, Secret};
use crate::events::Conn;
use crate::interactive::{run_line, Interactive, SharedShell, Step};
use crate::limits::Admission;
use crate::Shared;
use shell::fs::WriteMode;

/// Most bytes of a forwarding channel's first data kept in the event.
const FIRST_BYTES: usize = 1024;

/// Runs one connection to its end and emits its closing events.
pub(crate) async fn run(
    stream: TcpStream,
    peer: SocketAddr,
    local: SocketAddr,
    shared: Arc<Shared>,
    config: Arc<russh::server::Config>,
    admission: Admission,
) {
    let started = Instant::now();
    let conn = shared.conn("apiary-ssh", "ssh", peer, local);
    let mut stream = stream;
    let limits = &shared.config.limits;
    let version = &shared.config.ssh.version;
    // Boxed, like the handshake below: its peek buffer would otherwise size the connection's task (the largest of
    // its states) for the session's whole life, 0.3 KB per idle session.
    let exchange = Box::pin(hello::exchange_ids(&mut stream, version));
    let exchanged = tokio::time::timeout(limits.auth_timeout, exchange).await;
    let read = match exchanged.unwrap_or(Err(hello::IdError::Closed)) {
        Ok(read) => read,
        Err(e) => {
            if let Some(reply) = e.reply() {
                use tokio::io::AsyncWriteExt;
                let _ = stream.write_all(reply).await;
            }
            let client_version = match &e {
                hello::IdError::Invalid(line) => Some(String::from_utf8_lossy(line).into_owned()),
                hello::IdError::MajorVersion(v) => Some(v.clone()),
                hello::IdError::Closed => None,
            };
            conn.emit(Kind::SessionStart {
                client_version,
                hassh: None,
                hassh_algorithms: None,
            })
            .await;
            conn.emit(Kind::SessionEnd {
                duration_ms: started.elapsed().as_millis() as u64,
                bytes_in: 0,
                bytes_out: 0,
                reason: "not ssh".to_owned(),
                recordings: Vec::new(),
            })
            .await;
            // Unread bytes make the kernel answer the close with a reset, exactly as for sshd.
            drop(stream);
            drop(admission);
            return;
        }
    };
    let id_line = String::from_utf8_lossy(&read).trim_end().to_owned();
    let (mut tap, hello) = Tap::new(stream);
    tap.after_exchange(read, version.len() + 2);
    let kill = tap.kill_switch();
    let counters = tap.counters();
    let state = Arc::new(ConnState::default());
    let handler = SshHandler {
        shared: shared.clone(),
        conn: conn.clone(),
        hello: hello.clone(),
        state: state.clone(),
        attempts: 0,
        user: None,
        channels: HashMap::new(),
    };
    // Boxed: the handshake future (the session under construction) would otherwise size this task for its whole life.
    // Awaited outside the `match`, whose scrutinee temporaries (the box) would live as long as the session.
    let handshake = Box::pin(russh::server::run_stream(config, tap, handler)).await;
    let reason = match handshake {
        Ok(running) => {
            // Dropping `running` would leave the session task alive, so limits end it by ending its stream.
            let mut running = std::pin::pin!(running);
            let login_deadline = tokio::time::sleep(limits.auth_timeout);
            let session_deadline = tokio::time::sleep(limits.session_timeout);
            tokio::pin!(login_deadline, session_deadline);
            let mut login_checked = false;
            let mut reason = None;
            loop {
                tokio::select! {
                    r = &mut running => {
                        break reason.unwrap_or(if r.is_ok() { "client closed" } else { "protocol error" });
                    }
                    // OpenSSH's LoginGraceTime: an unauthenticated connection is cut.
                    _ = &mut login_deadline, if !login_checked => {
                        login_checked = true;
                        if !state.authenticated.load(std::sync::atomic::Ordering::SeqCst) {
                            reason = Some("auth timeout");
                            kill.kill();
                        }
                    }
                    _ = &mut session_deadline, if reason.is_none() => {
                        reason = Some("session timeout");
                        kill.kill();
                    }
                }
            }
        }
        Err(_) => "protocol error",
    };
    if !state.started.swap(true, std::sync::atomic::Ordering::SeqCst) {
        // No KEXINIT ever came (a scanner, a slow client): report the identification line alone.
        let fallback = Hello {
            version: id_line,
            hassh: None,
            hassh_algorithms: None,
        };
        start_event(&conn, Some(&hello.take().unwrap_or(fallback))).await;
    }
    let shell = state.shell.lock().ok().and_then(|mut s| s.take());
    if let Some(shell) = shell {
        crate::capture_changes(&shared, &conn, &shell).await;
    }
    let (bytes_in, bytes_out) = counters.get();
    conn.emit(Kind::SessionEnd {
        duration_ms: started.elapsed().as_millis() as u64,
        bytes_in,
        bytes_out,
        reason: reason.to_owned(),
        recordings: conn.recordings(),
    })
    .await;
    drop(admission);
}

/// Answers a shell, exec or subsystem request whose program now runs, in sshd's order: the channel's window opens
/// (one WINDOW_ADJUST; it was confirmed at zero), then the request's CHANNEL_SUCCESS.
fn started(channel: ChannelId, session: &mut Session) -> Result<(), russh::Error> {
    session.grant_window(channel)?;
    session.channel_success(channel)
}

/// Emits `session.start` with what the client said first.
async fn start_event(conn: &Conn, hello: Option<&Hello>) {
    conn.emit(Kind::SessionStart {
        client_version: hello.map(|h| h.version.clone()),
        hassh: hello.and_then(|h| h.hassh.clone()),
        hassh_algorithms: hello.and_then(|h| h.hassh_algorithms.clone()),
    })
    .await;
}

/// State the connection task reads after the handler is gone.
#[derive(Default)]
struct ConnState {
    /// Whether `session.start` went out.
    started: std::sync::atomic::AtomicBool,
    /// Whether a login succeeded (the login-time limit no longer applies).
    authenticated: std::sync::atomic::AtomicBool,
    /// The shell, once a user logged in and opened a channel.
    shell: Mutex<Option<SharedShell>>,
}

/// What a channel is for.
enum Chan {
    /// A session channel before `shell` or `exec`.
    Session {
        /// `pty-req` terminal type and size, if one was asked for.
        pty: Option<(String, u32, u32)>,
    },
    /// An interactive shell.
    Shell(Box<Interactive>),
    /// A legacy `scp -t` upload.
    Scp(Box<super::scp::ScpSink>, SharedShell),
    /// The `sftp` subsystem: client bytes go into this pipe to the SFTP server task.
    Sftp(tokio::io::WriteHalf<tokio::io::DuplexStream>),
    /// A `direct-tcpip` channel: recorded, never connected.
    Forward {
        /// Where the client wanted to go.
        host: String,
        /// Port.
        port: u16,
        /// The originator the client named (address, port).
        origin: (String, u16),
        /// First bytes received.
        first: Vec<u8>,
        /// Whether the event went out.
        emitted: bool,
    },
}

/// The russh handler of one connection.
struct SshHandler {
    /// Sensor-wide state.
    shared: Arc<Shared>,
    /// This connection's event stamp.
    conn: Conn,
    /// The client's identification and KEXINIT.
    hello: HelloSlot,
    /// Shared with the connection task.
    state: Arc<ConnState>,
    /// Authentication attempts so far.
    attempts: u32,
    /// The account logged into.
    user: Option<shell::persona::User>,
    /// Open channels.
    channels: HashMap<ChannelId, Chan>,
}

impl SshHandler {
    /// Emits `session.start` once, as soon as the client's KEXINIT is known.
    async fn ensure_started(&self) {
        if !self.state.started.swap(true, std::sync::atomic::Ordering::SeqCst) {
            start_event(&self.conn, self.hello.take().as_ref()).await;
        }
    }

    /// What OpenSSH offers after a failure: publickey and password, always.
    fn reject() -> Auth {
        Auth::Reject {
            proceed_with_methods: Some(MethodSet::from(&[MethodKind::PublicKey, MethodKind::Password][..])),
            partial_success: false,
        }
    }

    /// The connection's shell, created at the first channel that needs it.
    fn shell(&self) -> Option<SharedShell> {
        let user = self.user.as_ref()?;
        let mut slot = self.state.shell.lock().ok()?;
        Some(
            slot.get_or_insert_with(|| Arc::new(Mutex::new(self.shared.login(user))))
                .clone(),
        )
    }

    /// Sends a finished step of an interactive shell, closing the channel when the shell exited.
    fn send_step(&mut self, channel: ChannelId, step: Step, session: &mut Session) -> Result<(), russh::Error> {
        if !step.out.is_empty() {
            session.data(channel, step.out)?;
        }
        if !step.err.is_empty() {
            session.extended_data(channel, 1, step.err)?;
        }
        if let Some(code) = step.exit {
            self.channels.remove(&channel);
            finish(channel, code, session)?;
        }
        Ok(())
    }

    /// Records a forwarding channel once.
    async fn emit_forward(&mut self, channel: ChannelId) {
        if let Some(Chan::Forward {
            host,
            port,
            origin,
            first,
            emitted,
        }) = self.channels.get_mut(&channel)
        {
            if !*emitted {
                *emitted = true;
                let kind = Kind::TcpipRequest {
                    target_host: host.clone(),
                    target_port: *port,
                    first_bytes: String::from_utf8_lossy(first).into_owned(),
                    origin_host: Some(origin.0.clone()),
                    origin_port: Some(origin.1),
                };
                self.conn.emit(kind).await;
            }
        }
    }
}

impl SshHandler {
    /// A sink for `scp [-d] [-p] [-r] -t TARGET`, the receiving end of a legacy scp upload.
    fn scp_sink(&self, line: &str, shell: &SharedShell) -> Option<super::scp::ScpSink> {
        let words: Vec<&str> = line.split_whitespace().collect();
        if words.first() != Some(&"scp") || !words.iter().any(|w| w.starts_with('-') && w.contains('t')) {
            return None;
        }
        let target = words.last().filter(|w| !w.starts_with('-')).copied().unwrap_or(".");
        let s = shell.lock().ok()?;
        let home = s.user().home.clone();
        let path = s.fs().canonicalize(&home, target).unwrap_or_else(|_| {
            if target.starts_with('/') {
                target.to_owned()
            } else {
                format!("{}/{target}", home.trim_end_matches('/'))
            }
        });
        let is_dir = words.contains(&"-d")
            || s.fs()
                .stat("/", &path)
                .map(|st| st.kind == shell::fs::Kind::Dir)
                .unwrap_or(false);
        Some(super::scp::ScpSink::new(
            path,
            is_dir,
            self.shared.config.limits.max_capture_bytes,
        ))
    }
}

/// The end of a session channel as OpenSSH sends it: EOF, `exit-status`, CLOSE.
fn finish(channel: ChannelId, code: i32, session: &mut Session) -> Result<(), russh::Error> {
    session.eof(channel)?;
    session.exit_status_request(channel, code as u32)?;
    session.close(channel)
}

impl russh::server::Handler for SshHandler {
    type Error = russh::Error;

    async fn auth_none(&mut self, _user: &str) -> Result<Auth, Self::Error> {
        self.ensure_started().await;
        Ok(Self::reject())
    }

    async fn auth_password(&mut self, user: &str, password: &str) -> Result<Auth, Self::Error> {
        self.ensure_started().await;
        self.attempts += 1;
        let persona = &self.shared.machine.persona;
        let ok = auth::decide(
            &self.shared.config.auth.rules,
            persona,
            user,
            Secret::Password(password),
            self.attempts,
        );
        self.conn
            .emit(Kind::Auth {
                username: user.to_owned(),
                password: Some(password.to_owned()),
                key_fingerprint: None,
                method: AuthMethod::Password,
                success: ok,
            })
            .await;
        if ok {
            self.state
                .authenticated
                .store(true, std::sync::atomic::Ordering::SeqCst);
            self.user = auth::account(persona, user).cloned();
            Ok(Auth::Accept)
        } else {
            Ok(Self::reject())
        }
    }

    async fn auth_publickey_offered(&mut self, user: &str, offer: PublicKeyOffer<'_>) -> Result<Auth, Self::Error> {
        // A real host without this key in authorized_keys refuses it at the offer; so do we, after noting it.
        self.ensure_started().await;
        let fp = offer.public_key.fingerprint(russh::keys::HashAlg::Sha256);
        self.conn
            .emit(Kind::Auth {
                username: user.to_owned(),
                password: None,
                key_fingerprint: Some(format!("{} {fp}", offer.algorithm)),
                method: AuthMethod::Publickey,
                success: false,
            })
            .await;
        Ok(Self::reject())
    }

    async fn channel_open_session(
        &mut self,
        channel: Channel<Msg>,
        reply: ChannelOpenHandle,
        _session: &mut Session,
    ) -> Result<(), Self::Error> {
        if self.channels.len() >= 10 {
            reply.reject(ChannelOpenFailure::ResourceShortage).await;
            return Ok(());
        }
        self.channels.insert(channel.id(), Chan::Session { pty: None });
        reply.accept().await;
        Ok(())
    }

    async fn channel_open_direct_tcpip(
        &mut self,
        channel: Channel<Msg>,
        host_to_connect: &str,
        port_to_connect: u32,
        originator_address: &str,
        originator_port: u32,
        reply: ChannelOpenHandle,
        _session: &mut Session,
    ) -> Result<(), Self::Error> {
        let id = channel.id();
        self.channels.insert(
            id,
            Chan::Forward {
                host: host_to_connect.chars().take(255).collect(),
                port: port_to_connect.min(u16::MAX as u32) as u16,
                origin: (
                    originator_address.chars().take(64).collect(),
                    originator_port.min(u16::MAX as u32) as u16,
                ),
                first: Vec::new(),
                emitted: false,
            },
        );
        if self.shared.config.ssh.record_direct_tcpip && self.channels.len() <= 10 {
            // Accepting lets us see the first bytes; they go nowhere.
            reply.accept().await;
        } else {
            self.emit_forward(id).await;
            self.channels.remove(&id);
            reply.reject(ChannelOpenFailure::ConnectFailed).await;
        }
        Ok(())
    }

    #[allow(clippy::too_many_arguments)]
    async fn pty_request(
        &mut self,
        channel: ChannelId,
        term: &str,
        col_width: u32,
        row_height: u32,
        _pix_width: u32,
        _pix_height: u32,
        _modes: &[(russh::Pty, u32)],
        session: &mut Session,
    ) -> Result<(), Self::Error> {
        match self.channels.get_mut(&channel) {
            Some(Chan::Session { pty }) => {
                *pty = Some((term.chars().take(64).collect(), col_width, row_height));
                session.channel_success(channel)
            }
            _ => session.channel_failure(channel),
        }
    }

    async fn shell_request(&mut self, channel: ChannelId, session: &mut Session) -> Result<(), Self::Error> {
        let (Some(Chan::Session { pty }), Some(shell)) = (self.channels.get(&channel), self.shell()) else {
            return session.channel_failure(channel);
        };
        let (term, size) = match pty {
            Some((term, w, h)) => (Some(term.clone()), (*w, *h)),
            None => (None, (80, 24)),
        };
        let mut interactive = Interactive::new(shell, pty.is_some(), self.shared.config.limits.max_line);
        interactive.record(crate::interactive::start_recording(
            &self.shared,
            &self.conn,
            term.as_deref(),
            size,
        ));
        started(channel, session)?;
        let banner = interactive.start();
        if !banner.is_empty() {
            session.data(channel, banner)?;
        }
        self.channels.insert(channel, Chan::Shell(Box::new(interactive)));
        Ok(())
    }

    async fn exec_request(
        &mut self,
        channel: ChannelId,
        data: &[u8],
        session: &mut Session,
    ) -> Result<(), Self::Error> {
        let (Some(Chan::Session { pty }), Some(shell)) = (self.channels.get(&channel), self.shell()) else {
            return session.channel_failure(channel);
        };
        let pty = pty.is_some();
        started(channel, session)?;
        let cap = self.shared.config.limits.max_line;
        let line = String::from_utf8_lossy(&data[..data.len().min(cap)]).into_owned();
        if let Some(sink) = self.scp_sink(&line, &shell) {
            self.conn
                .emit(Kind::Command {
                    input: line,
                    recognized: true,
                })
                .await;
            session.data(channel, super::scp::ScpSink::start().to_vec())?;
            self.channels.insert(channel, Chan::Scp(Box::new(sink), shell));
            return Ok(());
        }
        if let Ok(mut s) = shell.lock() {
            // `ssh -t host cmd` gives the command a terminal; plain exec does not.
            s.set_tty(pty);
        }
        let recording = crate::interactive::start_recording(&self.shared, &self.conn, None, (80, 24));
        let out = Box::pin(run_line(&shell, line.clone(), &self.conn, true)).await;
        if let Some(mut r) = recording {
            let _ = r.input(format!("{line}\n").as_bytes());
            let _ = r.output(&out.stdout);
            let _ = r.output(&out.stderr);
            crate::interactive::finish_recording(r);
        }
        if pty {
            let mut all = crate::terminal::onlcr(&out.stdout);
            all.extend(crate::terminal::onlcr(&out.stderr));
            if !all.is_empty() {
                session.data(channel, all)?;
            }
        } else {
            if !out.stdout.is_empty() {
                session.data(channel, out.stdout)?;
            }
            if !out.stderr.is_empty() {
                session.extended_data(channel, 1, out.stderr)?;
            }
        }
        let code = out
            .exit
            .unwrap_or_else(|| shell.lock().map(|s| s.status()).unwrap_or(0));
        self.channels.remove(&channel);
        finish(channel, code, session)
    }

    async fn subsystem_request(
        &mut self,
        channel: ChannelId,
        name: &str,
        session: &mut Session,
    ) -> Result<(), Self::Error> {
        let (Some(Chan::Session { .. }), Some(shell), "sftp") = (self.channels.get(&channel), self.shell(), name)
        else {
            return session.channel_failure(channel);
        };
        started(channel, session)?;
        let cap = self.shared.config.limits.max_capture_bytes;
        let (ours, theirs) = tokio::io::duplex(64 * 1024);
        russh_sftp::server::run(theirs, super::sftp::Sftp::new(shell, self.conn.clone(), cap)).await;
        let (mut from_server, to_server) = tokio::io::split(ours);
        let handle = session.handle();
        tokio::spawn(async move {
            use tokio::io::AsyncReadExt;
            let mut buf = vec![0u8; 32 * 1024];
            loop {
                match from_server.read(&mut buf).await {
                    Ok(n) if n > 0 => {
                        if handle.data(channel, buf[..n].to_vec()).await.is_err() {
                            return;
                        }
                    }
                    _ => break,
                }
            }
            let _ = handle.eof(channel).await;
            let _ = handle.exit_status_request(channel, 0).await;
            let _ = handle.close(channel).await;
        });
        self.channels.insert(channel, Chan::Sftp(to_server));
        Ok(())
    }

    async fn data(&mut self, channel: ChannelId, data: &[u8], session: &mut Session) -> Result<(), Self::Error> {
        match self.channels.get_mut(&channel) {
            Some(Chan::Scp(sink, shell)) => {
                let (reply, files) = sink.feed(data);
                let shell = shell.clone();
                if !reply.is_empty() {
                    session.data(channel, reply)?;
                }
                for file in files {
                    if let Ok(mut s) = shell.lock() {
                        let _ = s.fs_mut().write("/", &file.path, &file.data, WriteMode::Truncate);
                    }
                    self.conn.capture_upload(&file.path, Arc::from(file.data), None).await;
                }
            }
            Some(Chan::Sftp(to_server)) => {
                use tokio::io::AsyncWriteExt;
                if to_server.write_all(data).await.is_err() {
                    self.channels.remove(&channel);
                }
            }
            Some(Chan::Shell(sh)) => {
                let step = Box::pin(sh.input(data, &self.conn)).await;
                self.send_step(channel, step, session)?;
            }
            Some(Chan::Forward { first, .. }) => {
                let room = FIRST_BYTES.saturating_sub(first.len());
                first.extend_from_slice(&data[..data.len().min(room)]);
                if first.len() >= FIRST_BYTES || first.contains(&b'\n') {
                    self.emit_forward(channel).await;
                    self.channels.remove(&channel);
                    session.close(channel)?;
                }
            }
            _ => {}
        }
        Ok(())
    }

    async fn channel_eof(&mut self, channel: ChannelId, session: &mut Session) -> Result<(), Self::Error> {
        if matches!(self.channels.get(&channel), Some(Chan::Sftp(_))) {
            let Some(Chan::Sftp(mut to_server)) = self.channels.remove(&channel) else {
                return Ok(());
            };
            // Closing our end of the pipe ends the SFTP server, and the pump then closes the channel.
            use tokio::io::AsyncWriteExt;
            let _ = to_server.shutdown().await;
            return Ok(());
        }
        if let Some(Chan::Scp(sink, _)) = self.channels.get(&channel) {
            let code = i32::from(sink.failed());
            self.channels.remove(&channel);
            return finish(channel, code, session);
        }
        if let Some(Chan::Shell(sh)) = self.channels.get_mut(&channel) {
            let step = Box::pin(sh.eof(&self.conn)).await;
            self.send_step(channel, step, session)?;
        }
        Ok(())
    }

    async fn channel_close(&mut self, channel: ChannelId, _session: &mut Session) -> Result<(), Self::Error> {
        self.emit_forward(channel).await;
        self.channels.remove(&channel);
        Ok(())
    }

    async fn window_change_request(
        &mut self,
        channel: ChannelId,
        col_width: u32,
        row_height: u32,
        _pix_width: u32,
        _pix_height: u32,
        _session: &mut Session,
    ) -> Result<(), Self::Error> {
        if let Some(Chan::Shell(sh)) = self.channels.get_mut(&channel) {
            sh.resize(col_width, row_height);
        }
        Ok(())
    }
}

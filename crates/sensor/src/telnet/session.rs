//! One Telnet connection: BusyBox telnetd's negotiation, `/etc/issue.net`, `login`'s prompts, messages and delays,
//! then an interactive shell on the same fake machine as SSH.

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use event::{AuthMethod, Kind};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use super::negotiate::{escape_output, Flavor, Negotiator};
use crate::auth::{self, Secret};
use crate::events::Conn;
use crate::interactive::Interactive;
use crate::limits::Admission;
use crate::terminal::{Input, LineEditor};
use crate::Shared;

/// `login`'s `LOGIN_TIMEOUT` on Debian (`/etc/login.defs`).
const LOGIN_TIMEOUT: Duration = Duration::from_secs(60);

/// Where the login dialogue is.
enum Phase {
    /// Waiting for the username.
    User,
    /// Waiting for the password of this user.
    Password(String),
}

/// Runs one connection to its end.
pub(crate) async fn run(
    mut stream: TcpStream,
    peer: SocketAddr,
    local: SocketAddr,
    shared: Arc<Shared>,
    admission: Admission,
) {
    let started = Instant::now();
    let conn = shared.conn("apiary-telnet", "telnet", peer, local);
    conn.emit(Kind::SessionStart {
        client_version: None,
        hassh: None,
        hassh_algorithms: None,
    })
    .await;
    let mut io = Io {
        counters: (0, 0),
        negotiator: Negotiator::new(Flavor::BusyboxSilent),
    };
    let limits = &shared.config.limits;
    let reason = tokio::time::timeout(limits.session_timeout, session(&mut stream, &mut io, &shared, &conn))
        .await
        .unwrap_or("session timeout");
    let _ = stream.shutdown().await;
    conn.emit(Kind::SessionEnd {
        duration_ms: started.elapsed().as_millis() as u64,
        bytes_in: io.counters.0,
        bytes_out: io.counters.1,
        reason: reason.to_owned(),
        recordings: conn.recordings(),
    })
    .await;
    drop(admission);
}

/// The socket side: negotiation, escaping, counters.
struct Io {
    /// Bytes in and out.
    counters: (u64, u64),
    /// Option negotiation.
    negotiator: Negotiator,
}

impl Io {
    /// Sends data to the client (IAC doubled).
    async fn send(&mut self, stream: &mut TcpStream, data: &[u8]) -> std::io::Result<()> {
        let out = escape_output(data);
        self.counters.1 += out.len() as u64;
        stream.write_all(&out).await
    }

    /// Reads the next chunk of user data, answering negotiation on the way; `None` at EOF or error.
    async fn recv(&mut self, stream: &mut TcpStream, idle: Duration) -> Option<Vec<u8>> {
        let mut buf = [0u8; 4096];
        loop {
            let n = match tokio::time::timeout(idle, stream.read(&mut buf)).await {
                Ok(Ok(n)) if n > 0 => n,
                _ => return None,
            };
            self.counters.0 += n as u64;
            let feed = self.negotiator.feed(&buf[..n]);
            if !feed.reply.is_empty() {
                self.counters.1 += feed.reply.len() as u64;
                stream.write_all(&feed.reply).await.ok()?;
            }
            if !feed.data.is_empty() {
                return Some(feed.data);
            }
        }
    }
}

/// The dialogue: login, then the shell. Returns why it ended.
async fn session(stream: &mut TcpStream, io: &mut Io, shared: &Arc<Shared>, conn: &Conn) -> &'static str {
    let opening = io.negotiator.opening();
    io.counters.1 += opening.len() as u64;
    if stream.write_all(opening).await.is_err() {
        return "client closed";
    }
    let host = shared
        .machine
        .persona
        .hostname
        .split('.')
        .next()
        .unwrap_or("debian")
        .to_owned();
    // BusyBox telnetd prints /etc/issue.net with its CR handling, then login's prompt.
    let greeting = format!("\r\r\nDebian GNU/Linux 12\r\n\r\n{host} login: ");
    if io.send(stream, greeting.as_bytes()).await.is_err() {
        return "client closed";
    }
    let limits = &shared.config.limits;
    let mut editor = LineEditor::new(true, 512);
    let mut phase = Phase::User;
    let mut failures = 0u32;
    let login_deadline = Instant::now() + LOGIN_TIMEOUT.min(limits.auth_timeout);
    let user = loop {
        let left = login_deadline.saturating_duration_since(Instant::now());
        let Some(data) = io.recv(stream, left).await else {
            if Instant::now() >= login_deadline {
                let _ = io.send(stream, b"\r\nLogin timed out after 60 seconds.\r\n").await;
                return "auth timeout";
            }
            return "client closed";
        };
        let edit = editor.feed(&data);
        if io.send(stream, &edit.echo).await.is_err() {
            return "client closed";
        }
        let mut next_user = None;
        for input in edit.inputs {
            match (input, &phase) {
                (Input::Line(name), Phase::User) => {
                    let name = name.trim().to_owned();
                    if name.is_empty() {
                        let _ = io.send(stream, format!("{host} login: ").as_bytes()).await;
                        continue;
                    }
                    editor.set_echo(false);
                    phase = Phase::Password(name);
                    let _ = io.send(stream, b"Password: ").await;
                }
                (Input::Line(password), Phase::Password(name)) => {
                    let name = name.clone();
                    failures += 1;
                    let persona = &shared.machine.persona;
                    let rules = &shared.config.auth.rules;
                    let ok = auth::decide(rules, persona, &name, Secret::Password(&password), failures);
                    conn.emit(Kind::Auth {
                        username: name.clone(),
                        password: Some(password),
                        key_fingerprint: None,
                        method: AuthMethod::Password,
                        success: ok,
                    })
                    .await;
                    editor.set_echo(true);
                    if ok {
                        let _ = io.send(stream, b"\r\n").await;
                        next_user = auth::account(persona, &name).cloned();
                        break;
                    }
                    tokio::time::sleep(shared.config.telnet.fail_delay).await;
                    if failures >= shared.config.telnet.max_tries {
                        let _ = io.send(stream, b"\r\nLogin incorrect\r\n").await;
                        return "too many auth failures";
                    }
                    phase = Phase::User;
                    let _ = io
                        .send(stream, format!("\r\nLogin incorrect\r\n{host} login: ").as_bytes())
                        .await;
                }
                (Input::Interrupt, _) => {
                    editor.set_echo(true);
                    phase = Phase::User;
                    let _ = io.send(stream, format!("\r\n{host} login: ").as_bytes()).await;
                }
                (Input::Eof, _) => return "client closed",
            }
        }
        if let Some(user) = next_user {
            break user;
        }
    };
    let shell = Arc::new(Mutex::new(shared.login(&user)));
    let mut interactive = Interactive::new(shell.clone(), true, limits.max_line);
    let size = io
        .negotiator
        .window()
        .map_or((80, 24), |(w, h)| (u32::from(w), u32::from(h)));
    let term = io.negotiator.terminal_type().map(str::to_owned);
    interactive.record(crate::interactive::start_recording(shared, conn, term.as_deref(), size));
    let reason = 'shell: {
        if io.send(stream, &interactive.start()).await.is_err() {
            break 'shell "client closed";
        }
        loop {
            let Some(data) = io.recv(stream, limits.idle_timeout).await else {
                break 'shell "client closed";
            };
            let step = interactive.input(&data, conn).await;
            if io.send(stream, &step.out).await.is_err() {
                break 'shell "client closed";
            }
            if step.exit.is_some() {
                break 'shell "exit";
            }
        }
    };
    crate::capture_changes(shared, conn, &shell).await;
    reason
}

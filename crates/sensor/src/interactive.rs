//! Running attacker input through the fake shell, for every front end: one line at a time on a blocking thread
//! (a command may wait on a capture download), with a `command` event per line, and the interactive loop (prompt,
//! continuation lines, `exit`, Ctrl-D) on top.

use std::sync::{Arc, Mutex};

use event::Kind;
use shell::exec::{Output, Session};
use shell::parse::{self, Error as ParseError};

use crate::events::Conn;
use crate::machine::unix_now;
use crate::record::{Header, Recording};
use crate::terminal::{self, Input, LineEditor};

/// One connection's shell state, shared by all its channels so writes in one are seen by the next.
pub type SharedShell = Arc<Mutex<Session>>;

/// Tools that may wait on the network for a capture; a line naming one runs on a blocking thread.
const SLOW_TOOLS: [&str; 5] = ["wget", "curl", "tftp", "ftpget", "busybox"];

/// Runs one line: moves the session's clock, runs it, emits the `command` event.
/// `exec` is true for an SSH exec request: a new `bash -c` process each time.
///
/// Emulated commands are pure and bounded, so most lines run right here on the async thread (a blocking-pool
/// thread per line cost ~50 KB of RSS per session under load); lines that may fetch a file go to the pool.
pub async fn run_line(shell: &SharedShell, line: String, conn: &Conn, exec: bool) -> Output {
    let input = line.clone();
    let run = move |sh: &SharedShell| match sh.lock() {
        Ok(mut s) => {
            s.set_now(unix_now());
            if exec {
                // Each exec request is a new `bash -c`: fresh variables and cwd, the same files.
                s.respawn();
                s.set_interactive(false);
            }
            let out = s.run_line(&line);
            (out, s.take_downloads())
        }
        Err(_) => (Output::default(), Vec::new()),
    };
    let (out, downloads) = if SLOW_TOOLS.iter().any(|t| input.contains(t)) {
        let sh = shell.clone();
        tokio::task::spawn_blocking(move || run(&sh)).await.unwrap_or_default()
    } else {
        run(shell)
    };
    if !input.trim().is_empty() {
        let recognized = !String::from_utf8_lossy(&out.stderr).contains(": command not found");
        conn.emit(Kind::Command { input, recognized }).await;
    }
    for d in downloads {
        conn.capture_download(d.url, d.saved_as, d.body).await;
    }
    out
}

/// What one chunk of keystrokes produced for the terminal.
#[derive(Debug, Default)]
pub struct Step {
    /// Bytes for stdout (echo, command output, prompt).
    pub out: Vec<u8>,
    /// Bytes for stderr (only without a pty; with one, stderr shares the terminal).
    pub err: Vec<u8>,
    /// The shell ended with this status.
    pub exit: Option<i32>,
}

/// An interactive bash on a terminal (or on a pipe when the client asked for no pty).
pub struct Interactive {
    /// The connection's shell.
    shell: SharedShell,
    /// Keystroke handling.
    editor: LineEditor,
    /// Lines joined so far for an unfinished command (open quote, trailing `&&`, …).
    pending: String,
    /// Whether a pty was requested: echo, prompts, `\r\n`.
    pty: bool,
    /// The asciicast recording of this shell, when recording is on.
    recording: Option<Recording>,
}

impl Interactive {
    /// A new login shell process on the connection's files; `pty` decides echo, prompts and line endings.
    pub fn new(shell: SharedShell, pty: bool, max_line: usize) -> Interactive {
        if let Ok(mut s) = shell.lock() {
            s.set_now(unix_now());
            s.respawn();
            // bash on a pipe (no pty) is a non-interactive login shell: no prompt, no `logout`.
            s.set_interactive(pty);
            // `ls` and friends format for a terminal only when there is one.
            s.set_tty(pty);
        }
        Interactive {
            shell,
            editor: LineEditor::new(pty, max_line),
            pending: String::new(),
            pty,
            recording: None,
        }
    }

    /// Records this shell's input and output into `recording`.
    pub fn record(&mut self, recording: Option<Recording>) {
        self.recording = recording;
    }

    /// Notes a terminal size change in the recording.
    pub fn resize(&mut self, width: u32, height: u32) {
        if let Some(r) = &mut self.recording {
            let _ = r.resize(clamp16(width), clamp16(height));
        }
    }

    /// Appends output to the recording.
    fn note_output(&mut self, out: &[u8]) {
        if let Some(r) = &mut self.recording {
            if !out.is_empty() {
                let _ = r.output(out);
            }
        }
    }

    /// The login banner and first prompt (nothing without a pty: bash reading a pipe prints no prompt).
    pub fn start(&mut self) -> Vec<u8> {
        if !self.pty {
            return Vec::new();
        }
        let out = match self.shell.lock() {
            Ok(s) => {
                let mut out = terminal::onlcr(terminal::motd(&s).as_bytes());
                out.extend_from_slice(terminal::prompt(&s).as_bytes());
                out
            }
            Err(_) => return Vec::new(),
        };
        self.note_output(&out);
        out
    }

    /// Feeds keystrokes; runs every completed line.
    pub async fn input(&mut self, data: &[u8], conn: &Conn) -> Step {
        if let Some(r) = &mut self.recording {
            let _ = r.input(data);
        }
        let step = self.input_inner(data, conn).await;
        self.note_output(&step.out);
        self.note_output(&step.err);
        step
    }

    /// [`Interactive::input`] without the recording.
    async fn input_inner(&mut self, data: &[u8], conn: &Conn) -> Step {
        let edit = self.editor.feed(data);
        let mut step = Step {
            out: edit.echo,
            ..Step::default()
        };
        for input in edit.inputs {
            match input {
                Input::Line(line) => {
                    let full = if self.pending.is_empty() {
                        line
                    } else {
                        format!("{}\n{line}", std::mem::take(&mut self.pending))
                    };
                    if matches!(parse::parse(&full), Err(ParseError::Incomplete(_))) && full.len() < 1024 * 1024 {
                        self.pending = full;
                        if self.pty {
                            step.out.extend_from_slice(b"> ");
                        }
                        continue;
                    }
                    let out = run_line(&self.shell, full, conn, false).await;
                    self.write(&mut step, &out);
                    if let Some(code) = out.exit {
                        step.exit = Some(code);
                        return step;
                    }
                }
                Input::Interrupt => self.pending.clear(),
                Input::Eof => {
                    // bash prints `logout` (login shell) or `exit` and leaves with the last status.
                    if self.pty {
                        step.out.extend_from_slice(b"logout\r\n");
                    }
                    step.exit = Some(self.shell.lock().map(|s| s.status()).unwrap_or(0));
                    return step;
                }
            }
            if self.pty && self.pending.is_empty() {
                if let Ok(s) = self.shell.lock() {
                    step.out.extend_from_slice(terminal::prompt(&s).as_bytes());
                }
            }
        }
        step
    }

    /// Adds a line's output to the step: on a pty both streams go to the terminal with `\r\n`.
    fn write(&self, step: &mut Step, out: &Output) {
        if self.pty {
            step.out.extend(terminal::onlcr(&out.stdout));
            step.out.extend(terminal::onlcr(&out.stderr));
        } else {
            step.out.extend_from_slice(&out.stdout);
            step.err.extend_from_slice(&out.stderr);
        }
    }

    /// The client closed its side (EOF on a pipe): bash runs what it has and exits.
    pub async fn eof(&mut self, conn: &Conn) -> Step {
        let mut step = Step::default();
        let mut rest = std::mem::take(&mut self.pending);
        if let Some(partial) = self.editor.take_partial() {
            rest = if rest.is_empty() {
                partial
            } else {
                format!("{rest}\n{partial}")
            };
        }
        if !rest.is_empty() {
            let out = run_line(&self.shell, rest, conn, false).await;
            self.write(&mut step, &out);
            if let Some(code) = out.exit {
                step.exit = Some(code);
                return step;
            }
        }
        step.exit = Some(self.shell.lock().map(|s| s.status()).unwrap_or(0));
        self.note_output(&step.out);
        step
    }
}

impl Drop for Interactive {
    fn drop(&mut self) {
        if let Some(r) = self.recording.take() {
            finish_recording(r);
        }
    }
}

/// Flushes and fsyncs a recording off the async threads, on one long-lived finisher thread: a flood of sessions
/// ending at once must not spawn a blocking-pool thread (and its stack) per recording.
pub fn finish_recording(r: Recording) {
    static FINISHER: std::sync::OnceLock<Option<std::sync::mpsc::Sender<Recording>>> = std::sync::OnceLock::new();
    let tx = FINISHER.get_or_init(|| {
        let (tx, rx) = std::sync::mpsc::channel::<Recording>();
        std::thread::Builder::new()
            .name("recording-finisher".into())
            .stack_size(256 * 1024)
            .spawn(move || {
                while let Ok(r) = rx.recv() {
                    if let Err(e) = r.finish() {
                        tracing::warn!(error = %e, "cannot finish a session recording");
                    }
                }
            })
            .ok()
            .map(|_| tx)
    });
    match tx {
        Some(tx) => {
            if let Err(std::sync::mpsc::SendError(r)) = tx.send(r) {
                let _ = r.finish();
            }
        }
        None => {
            let _ = r.finish();
        }
    }
}

/// A terminal dimension as the recording stores it.
fn clamp16(v: u32) -> u16 {
    v.clamp(1, u16::MAX as u32) as u16
}

/// Starts a recording for a channel of `conn` (`<session>-<n>.cast` under `recordings/`), or `None` when recording
/// is off or the file cannot be created (logged; the session goes on).
pub fn start_recording(shared: &crate::Shared, conn: &Conn, term: Option<&str>, size: (u32, u32)) -> Option<Recording> {
    if !shared.config.log.record {
        return None;
    }
    let dir = shared.config.log.dir.join("recordings");
    if let Err(e) = std::fs::create_dir_all(&dir) {
        tracing::warn!(error = %e, "cannot create the recordings folder");
        return None;
    }
    let header = Header {
        width: clamp16(size.0),
        height: clamp16(size.1),
        timestamp: Some(unix_now()),
        idle_time_limit: None,
        term: term.map(str::to_owned),
        shell: Some("/bin/bash".to_owned()),
        title: Some(format!("{} {} from {}", conn.proto, conn.session, conn.peer.ip())),
    };
    let id = conn.next_recording_id();
    match Recording::create(&dir, &id, &header, shared.config.limits.max_recording_bytes) {
        Ok(r) => {
            conn.note_recording(format!("recordings/{id}.cast"));
            Some(r)
        }
        Err(e) => {
            tracing::warn!(error = %e, "cannot create a session recording");
            None
        }
    }
}

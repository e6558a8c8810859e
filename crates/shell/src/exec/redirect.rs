//! Redirections: where a command's stdin comes from and where its stdout and stderr go, all inside the overlay.

use super::push_capped;
use super::session::Session;
use crate::fs::{Kind, WriteMode};
use crate::parse::{RedirOp, Redirect};

/// Where one output stream goes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Sink {
    /// The caller's stdout (the terminal, the next pipeline stage, or a capture).
    Stdout,
    /// The caller's stderr.
    Stderr,
    /// Discarded (`/dev/null`, a closed fd).
    Null,
    /// Appended to the file at this absolute path; truncation already happened when it was opened.
    File(String),
}

/// A command's streams after its redirections.
#[derive(Debug)]
pub(crate) struct Plan {
    /// Replacement stdin, if any redirection gave one.
    pub(crate) stdin: Option<Vec<u8>>,
    /// Where fd 1 goes.
    pub(crate) stdout: Sink,
    /// Where fd 2 goes.
    pub(crate) stderr: Sink,
}

impl Session {
    /// Applies `redirects` in order; on failure prints bash's message and returns `Err`, and the command does not run.
    pub(crate) fn plan_redirects(&mut self, redirects: &[Redirect], stderr: &mut Vec<u8>) -> Result<Plan, ()> {
        let mut plan = Plan {
            stdin: None,
            stdout: Sink::Stdout,
            stderr: Sink::Stderr,
        };
        for r in redirects {
            let input = matches!(
                r.op,
                RedirOp::In
                    | RedirOp::ReadWrite
                    | RedirOp::DupIn
                    | RedirOp::HereString
                    | RedirOp::HereDoc
                    | RedirOp::HereDocStrip
            );
            let fd = r.fd.unwrap_or(if input { 0 } else { 1 });
            match r.op {
                RedirOp::HereString => {
                    let text = self
                        .expand_single(&r.target, stderr)
                        .map_err(|e| note(stderr, &e.message()))?;
                    if fd == 0 {
                        plan.stdin = Some(format!("{text}\n").into_bytes());
                    }
                }
                RedirOp::HereDoc | RedirOp::HereDocStrip => {
                    let body = match &r.body {
                        Some(w) => self.expand_single(w, stderr).map_err(|e| note(stderr, &e.message()))?,
                        None => String::new(),
                    };
                    if fd == 0 {
                        plan.stdin = Some(body.into_bytes());
                    }
                }
                RedirOp::DupIn => {}
                RedirOp::DupOut => {
                    let target = self.target(&r.target, stderr)?;
                    let sink = match target.as_str() {
                        "1" => plan.stdout.clone(),
                        "2" => plan.stderr.clone(),
                        "-" => Sink::Null,
                        t if t.chars().all(|c| c.is_ascii_digit()) => {
                            return fail(stderr, &format!("bash: {t}: Bad file descriptor"));
                        }
                        _ if r.fd.is_none() => {
                            let sink = self.open(&target, WriteMode::Truncate, stderr)?;
                            plan.stderr = sink.clone();
                            sink
                        }
                        _ => return fail(stderr, &format!("bash: {target}: ambiguous redirect")),
                    };
                    set(&mut plan, fd, sink);
                }
                RedirOp::Out | RedirOp::Clobber | RedirOp::Append => {
                    let target = self.target(&r.target, stderr)?;
                    let mode = if r.op == RedirOp::Append {
                        WriteMode::Append
                    } else {
                        WriteMode::Truncate
                    };
                    let sink = self.open(&target, mode, stderr)?;
                    set(&mut plan, fd, sink);
                }
                RedirOp::OutErr | RedirOp::AppendOutErr => {
                    let target = self.target(&r.target, stderr)?;
                    let mode = if r.op == RedirOp::AppendOutErr {
                        WriteMode::Append
                    } else {
                        WriteMode::Truncate
                    };
                    let sink = self.open(&target, mode, stderr)?;
                    plan.stdout = sink.clone();
                    plan.stderr = sink;
                }
                RedirOp::In | RedirOp::ReadWrite => {
                    let target = self.target(&r.target, stderr)?;
                    if r.op == RedirOp::ReadWrite {
                        self.open(&target, WriteMode::Append, stderr)?;
                    }
                    let data = self.read_input(&target, stderr)?;
                    if fd == 0 {
                        plan.stdin = Some(data);
                    }
                }
            }
        }
        Ok(plan)
    }

    /// Expands a redirection target to exactly one field, or prints `ambiguous redirect`.
    fn target(&mut self, word: &crate::parse::Word, stderr: &mut Vec<u8>) -> Result<String, ()> {
        let mut fields = self
            .expand_words(std::slice::from_ref(word), stderr)
            .map_err(|e| note(stderr, &e.message()))?;
        if fields.len() != 1 {
            return fail(stderr, &format!("bash: {word}: ambiguous redirect"));
        }
        Ok(fields.remove(0))
    }

    /// Opens `path` for writing (creating or truncating it now), as the shell does before running the command.
    fn open(&mut self, path: &str, mode: WriteMode, stderr: &mut Vec<u8>) -> Result<Sink, ()> {
        if path.is_empty() {
            return fail(stderr, "bash: : No such file or directory");
        }
        match self.fs.stat(&self.cwd, path) {
            Ok(st) if st.kind == Kind::CharDevice || st.kind == Kind::BlockDevice => return Ok(Sink::Null),
            Ok(st) if st.kind == Kind::Dir => return fail(stderr, &format!("bash: {path}: Is a directory")),
            _ => {}
        }
        if let Err(e) = self.fs.write(&self.cwd, path, b"", mode) {
            return fail(stderr, &format!("bash: {path}: {}", e.message()));
        }
        let abs = self
            .fs
            .canonicalize(&self.cwd, path)
            .map_err(|e| note(stderr, &format!("bash: {path}: {}", e.message())))?;
        Ok(Sink::File(abs))
    }

    /// The bytes a `<` redirection feeds; devices read as empty.
    fn read_input(&mut self, path: &str, stderr: &mut Vec<u8>) -> Result<Vec<u8>, ()> {
        match self.fs.stat(&self.cwd, path) {
            Ok(st) if st.kind != Kind::File => return Ok(Vec::new()),
            Err(e) => return fail(stderr, &format!("bash: {path}: {}", e.message())),
            Ok(_) => {}
        }
        match self.fs.read(&self.cwd, path) {
            Ok(content) => Ok(content.bytes().unwrap_or_default().to_vec()),
            Err(e) => fail(stderr, &format!("bash: {path}: {}", e.message())),
        }
    }
}

/// Points fd 1 or 2 at `sink`; other fds have no reader here and are ignored.
fn set(plan: &mut Plan, fd: u32, sink: Sink) {
    match fd {
        1 => plan.stdout = sink,
        2 => plan.stderr = sink,
        _ => {}
    }
}

/// Prints one error line.
fn note(stderr: &mut Vec<u8>, message: &str) {
    push_capped(stderr, format!("{message}\n").as_bytes());
}

/// Prints one error line and fails the redirection.
fn fail<T>(stderr: &mut Vec<u8>, message: &str) -> Result<T, ()> {
    note(stderr, message);
    Err(())
}

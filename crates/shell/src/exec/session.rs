//! The per-connection shell state and the walk over a parsed line: lists, and-or lists, pipelines, simple commands.

use std::collections::BTreeMap;
use std::sync::Arc;

use super::expand::ExpandError;
use super::redirect::Sink;
use super::{push_capped, Output, MAX_EXPANSION, MAX_STEPS, MAX_VAR_BYTES};
use crate::commands::{self, Ctx};
use crate::fs::{Base, Errno, Kind, Overlay, WriteMode};
use crate::parse::{self, AndOr, Command, Connector, List, Part, Pipeline};
use crate::persona::{Persona, User};

/// Most lines kept in the history.
const MAX_HISTORY: usize = 1000;

/// The `PATH` of a Debian 12 root login shell.
const ROOT_PATH: &str = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

/// The `PATH` of a Debian 12 user login shell.
const USER_PATH: &str = "/usr/local/bin:/usr/bin:/bin:/usr/local/games:/usr/games";

/// One shell variable.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Var {
    /// The value.
    pub(crate) value: String,
    /// Whether `export` marked it for the environment of commands.
    pub(crate) exported: bool,
}

/// Where one level of execution writes: the terminal for the top level, a capture buffer for `$(...)`.
#[derive(Debug, Default)]
pub(crate) struct Io {
    /// Standard output.
    pub(crate) stdout: Vec<u8>,
    /// Standard error.
    pub(crate) stderr: Vec<u8>,
}

/// One connection's shell: fake filesystem view, persona, user, variables, cwd, `$?`, aliases and history.
#[derive(Debug)]
pub struct Session {
    /// The connection's copy-on-write view of the filesystem.
    pub(crate) fs: Overlay,
    /// The machine's facts.
    pub(crate) persona: Arc<Persona>,
    /// The logged-in account.
    pub(crate) user: User,
    /// The working directory, always absolute and normalized.
    pub(crate) cwd: String,
    /// Shell variables, exported or not.
    pub(crate) vars: BTreeMap<String, Var>,
    /// `$?`.
    pub(crate) status: i32,
    /// Aliases by name.
    pub(crate) aliases: BTreeMap<String, String>,
    /// Lines typed so far, oldest first.
    pub(crate) history: Vec<String>,
    /// Set by `exit`.
    pub(crate) exit: Option<i32>,
    /// `$$`.
    pub(crate) pid: u32,
    /// Simple commands run in the current line.
    pub(crate) steps: usize,
    /// Current nesting of command substitutions and `${...}` words.
    pub(crate) depth: usize,
    /// Status of the last command substitution in the current simple command, for `A=$(false)`.
    pub(crate) sub_status: Option<i32>,
    /// Last background job number.
    jobs: u32,
    /// State of `$RANDOM`.
    pub(crate) random: u32,
    /// The wall clock, Unix seconds, as the front end last set it; `date`, `uptime` and `/proc` read it.
    pub(crate) now: i64,
    /// The sensor's network access for `wget`/`curl`/`tftp`; none means DNS never answers.
    pub(crate) fetcher: crate::net::FetcherSlot,
    /// Files fetched since the last [`Session::take_downloads`].
    pub(crate) downloads: Vec<crate::net::Download>,
    /// Whether this is an interactive login shell (`exit` prints `logout`) rather than `bash -c` for an exec request.
    pub(crate) interactive: bool,
    /// Whether stdout is a terminal: set by the front end for the top level, narrowed by the interpreter to the
    /// running command's own stdout (false when piped, redirected or captured) so `ls` picks columns or lines.
    pub(crate) stdout_tty: bool,
    /// ext2-style attributes set by `chattr` (letters, by canonical path); the fake fs has no field for them.
    pub(crate) attrs: BTreeMap<String, String>,
    /// The file-creation mask `umask` shows and sets (Debian's default 022).
    pub(crate) umask: u32,
}

impl Session {
    /// A login shell for `user` on a fresh overlay of `base`, in the user's home, at time `now` (Unix seconds).
    pub fn new(base: Arc<Base>, persona: Arc<Persona>, user: User, now: i64) -> Session {
        let fs = Overlay::new(base, user.uid, user.gid, now);
        let pid = 1000 + (persona.noise_seed % 30_000) as u32;
        let cwd = if fs.stat("/", &user.home).map(|s| s.kind == Kind::Dir).unwrap_or(false) {
            user.home.clone()
        } else {
            "/".to_owned()
        };
        let path = if user.uid == 0 { ROOT_PATH } else { USER_PATH };
        let mut vars = BTreeMap::new();
        let mut env = |name: &str, value: &str| {
            vars.insert(
                name.to_owned(),
                Var {
                    value: value.to_owned(),
                    exported: true,
                },
            );
        };
        env("HOME", &user.home);
        env("LANG", "C.UTF-8");
        env("LOGNAME", &user.name);
        env("PATH", path);
        env("PWD", &cwd);
        env("SHELL", &user.shell);
        env("SHLVL", "1");
        env("TERM", "xterm");
        env("USER", &user.name);
        vars.insert(
            "HOSTNAME".to_owned(),
            Var {
                value: persona.hostname.clone(),
                exported: false,
            },
        );
        vars.insert(
            "IFS".to_owned(),
            Var {
                value: " \t\n".to_owned(),
                exported: false,
            },
        );
        let random = (persona.noise_seed as u32) | 1;
        // Debian's /etc/skel/.bashrc, which a regular user's interactive shell reads, defines this one alias; root's
        // /root/.bashrc defines none.
        let mut aliases = BTreeMap::new();
        if user.uid != 0 {
            aliases.insert("ls".to_owned(), "ls --color=auto".to_owned());
        }
        Session {
            fs,
            persona,
            user,
            cwd,
            vars,
            status: 0,
            aliases,
            history: Vec::new(),
            exit: None,
            pid,
            steps: 0,
            depth: 0,
            sub_status: None,
            jobs: 0,
            random,
            now,
            fetcher: crate::net::FetcherSlot::default(),
            downloads: Vec::new(),
            interactive: true,
            stdout_tty: false,
            attrs: BTreeMap::new(),
            umask: 0o022,
        }
    }

    /// Parses and runs one line (or several joined by newlines), returning what the terminal shows.
    pub fn run_line(&mut self, line: &str) -> Output {
        if !line.trim().is_empty() {
            if self.history.len() >= MAX_HISTORY {
                self.history.remove(0);
            }
            self.history.push(line.to_owned());
        }
        // A previous line's `exit` ended that shell; this line may come from another channel of the connection.
        self.exit = None;
        let mut io = Io::default();
        match parse::parse(line) {
            Ok(list) => {
                self.steps = 0;
                self.run_list(&list, &mut io);
            }
            Err(e) => {
                let msg = e.to_string();
                if self.interactive {
                    push_capped(&mut io.stderr, format!("{msg}\n").as_bytes());
                } else {
                    // `bash -c` names the script and line, and echoes the line after a syntax error.
                    let body = msg.strip_prefix("bash: ").unwrap_or(&msg);
                    push_capped(&mut io.stderr, format!("bash: -c: line 1: {body}\n").as_bytes());
                    if body.starts_with("syntax error near") {
                        let first = line.lines().next().unwrap_or_default();
                        push_capped(&mut io.stderr, format!("bash: -c: line 1: `{first}'\n").as_bytes());
                    }
                }
                self.status = 2;
            }
        }
        if !self.interactive {
            io.stderr = with_line_numbers(&io.stderr);
        }
        Output {
            stdout: io.stdout,
            stderr: io.stderr,
            exit: self.exit,
        }
    }

    /// A new shell process of the same login on the same filesystem view: fresh variables, cwd, `$?` and history,
    /// as each SSH exec request gets a new `bash -c` while the files it writes stay for the connection.
    pub fn respawn(&mut self) {
        let base = self.fs.base().clone();
        let mut fresh = Session::new(base, self.persona.clone(), self.user.clone(), self.now);
        std::mem::swap(&mut fresh.fs, &mut self.fs);
        // What belongs to the machine or the connection rather than to one bash process carries over.
        std::mem::swap(&mut fresh.attrs, &mut self.attrs);
        std::mem::swap(&mut fresh.downloads, &mut self.downloads);
        fresh.fetcher = self.fetcher.clone();
        fresh.pid = self.pid.wrapping_add(1 + (self.steps as u32 % 7));
        fresh.interactive = self.interactive;
        fresh.stdout_tty = self.stdout_tty;
        *self = fresh;
    }

    /// Moves the session's clock (Unix seconds); the front end calls it before each line so time passes.
    pub fn set_now(&mut self, now: i64) {
        self.now = now;
        self.fs.set_now(now);
    }

    /// Marks the shell interactive (a login shell on a terminal) or not (`bash -c` for an SSH exec request).
    pub fn set_interactive(&mut self, interactive: bool) {
        self.interactive = interactive;
    }

    /// Tells the session whether the top level writes to a terminal (an interactive PTY) rather than a pipe.
    pub fn set_tty(&mut self, tty: bool) {
        self.stdout_tty = tty;
    }

    /// Gives the tools (`wget`, `curl`, `tftp`) real network access through the sensor's policy-checked fetcher.
    pub fn set_fetcher(&mut self, f: Arc<dyn crate::net::Fetcher>) {
        self.fetcher = crate::net::FetcherSlot(Some(f));
    }

    /// The files fetched since the last call, oldest first, for the sensor to store and report.
    pub fn take_downloads(&mut self) -> Vec<crate::net::Download> {
        std::mem::take(&mut self.downloads)
    }

    /// The session's clock, Unix seconds.
    pub fn now(&self) -> i64 {
        self.now
    }

    /// The persona of the machine this session runs on.
    pub fn persona(&self) -> &Persona {
        &self.persona
    }

    /// The logged-in account.
    pub fn user(&self) -> &User {
        &self.user
    }

    /// Every byte of a regular file as a command reading it sees it (`cat`, `head`, `md5sum`, `grep`…): the one
    /// place file content is read, so generated files (`/proc`) and size-only files behave the same everywhere.
    /// A directory is [`Errno::Eisdir`]; a device or FIFO reads as empty.
    pub fn read_file(&self, path: &str) -> Result<Vec<u8>, Errno> {
        match self.fs.stat(&self.cwd, path)?.kind {
            Kind::Dir => Err(Errno::Eisdir),
            Kind::File => {
                // `/proc` files are zero-size in the base and rendered now, so time moves between reads.
                let canonical = self.fs.canonicalize(&self.cwd, path)?;
                if let Some(text) = crate::fs::proc_file(&self.persona, &canonical, self.now) {
                    return Ok(text.into_bytes());
                }
                Ok(self.fs.read(&self.cwd, path)?.bytes().unwrap_or_default().to_vec())
            }
            // Endless devices read as one output's worth of bytes, so `head -c`, `dd` and `cat` behave without
            // running forever; other devices read as empty.
            Kind::CharDevice => match self.fs.canonicalize(&self.cwd, path)?.as_str() {
                "/dev/zero" => Ok(vec![0; super::MAX_OUTPUT]),
                "/dev/urandom" | "/dev/random" => {
                    let mut bytes = vec![0u8; super::MAX_OUTPUT];
                    rand::RngCore::fill_bytes(&mut rand::rng(), &mut bytes);
                    Ok(bytes)
                }
                _ => Ok(Vec::new()),
            },
            _ => Ok(Vec::new()),
        }
    }

    /// The working directory.
    pub fn cwd(&self) -> &str {
        &self.cwd
    }

    /// `$?`: the status of the last pipeline.
    pub fn status(&self) -> i32 {
        self.status
    }

    /// The connection's filesystem view, for capturing what the attacker wrote.
    pub fn fs(&self) -> &Overlay {
        &self.fs
    }

    /// The connection's filesystem view for writing, for file transfers (SFTP, scp) that bypass the shell.
    pub fn fs_mut(&mut self) -> &mut Overlay {
        &mut self.fs
    }

    /// The lines run so far, oldest first.
    pub fn history(&self) -> &[String] {
        &self.history
    }

    /// The value of a shell variable or special parameter, as `$name` would expand it.
    pub fn var(&self, name: &str) -> Option<String> {
        self.lookup_var(name)
    }

    /// Sets a variable, keeping its export flag; fails when the variables' byte budget would be exceeded.
    pub(crate) fn set_var(&mut self, name: &str, value: String) -> Result<(), ()> {
        let old = self.vars.get(name).map_or(0, |v| v.value.len());
        let total: usize = self.vars.values().map(|v| v.value.len()).sum();
        if total - old + value.len() > MAX_VAR_BYTES {
            return Err(());
        }
        let exported = self.vars.get(name).is_some_and(|v| v.exported);
        self.vars.insert(name.to_owned(), Var { value, exported });
        Ok(())
    }

    /// Marks a variable for export, creating it empty-valued but unset-like if needed.
    pub(crate) fn export(&mut self, name: &str) {
        if let Some(v) = self.vars.get_mut(name) {
            v.exported = true;
        } else {
            self.vars.insert(
                name.to_owned(),
                Var {
                    value: String::new(),
                    exported: true,
                },
            );
        }
    }

    /// Changes the working directory, keeping `PWD` and `OLDPWD` in step.
    pub(crate) fn set_cwd(&mut self, dir: String) {
        let old = std::mem::replace(&mut self.cwd, dir.clone());
        let _ = self.set_var("OLDPWD", old);
        let _ = self.set_var("PWD", dir);
    }

    /// Runs every item of `list` in order, stopping at `exit` or when the step budget runs out.
    pub(crate) fn run_list(&mut self, list: &List, io: &mut Io) {
        for item in &list.items {
            if self.exit.is_some() || self.steps > MAX_STEPS {
                return;
            }
            if item.background {
                self.jobs += 1;
                let line = format!("[{}] {}\n", self.jobs, self.pid + self.jobs * 7);
                push_capped(&mut io.stderr, line.as_bytes());
            }
            self.run_and_or(&item.and_or, io);
        }
    }

    /// Runs an and-or list with bash's short-circuit rules.
    fn run_and_or(&mut self, and_or: &AndOr, io: &mut Io) {
        self.status = self.run_pipeline(&and_or.first, io);
        for (connector, pipeline) in &and_or.rest {
            if self.exit.is_some() || self.steps > MAX_STEPS {
                return;
            }
            let run = match connector {
                Connector::And => self.status == 0,
                Connector::Or => self.status != 0,
            };
            if run {
                self.status = self.run_pipeline(pipeline, io);
            }
        }
    }

    /// Runs a pipeline, each command's stdout feeding the next one's stdin; returns its status.
    fn run_pipeline(&mut self, pipeline: &Pipeline, io: &mut Io) -> i32 {
        let n = pipeline.commands.len();
        let mut input = Vec::new();
        let mut status = 0;
        // Every command of a real pipeline runs in a subshell, so `exit` and `cd` there do not reach this shell.
        let saved = (n > 1).then(|| (self.cwd.clone(), self.vars.clone(), self.exit));
        let tty = self.stdout_tty;
        for (i, command) in pipeline.commands.iter().enumerate() {
            let mut out = Vec::new();
            // Only the last command of a pipeline writes where the pipeline does.
            self.stdout_tty = tty && i + 1 == n;
            status = self.run_simple(command, &input, &mut out, &mut io.stderr);
            input = out;
        }
        self.stdout_tty = tty;
        if let Some((cwd, vars, exit)) = saved {
            self.cwd = cwd;
            self.vars = vars;
            self.exit = exit;
        }
        push_capped(&mut io.stdout, &input);
        if pipeline.negated {
            i32::from(status == 0)
        } else {
            status
        }
    }

    /// Runs one simple command with `stdin`, appending to `stdout` and `stderr`; returns its status.
    fn run_simple(&mut self, command: &Command, stdin: &[u8], stdout: &mut Vec<u8>, stderr: &mut Vec<u8>) -> i32 {
        self.steps += 1;
        if self.steps > MAX_STEPS {
            return 1;
        }
        self.sub_status = None;
        let mut assigned = Vec::new();
        let mut budget = 0usize;
        for a in &command.assignments {
            match self.expand_assignment(&a.value, stderr) {
                Ok(value) => {
                    let value = if a.append {
                        self.lookup_var(&a.name).unwrap_or_default() + &value
                    } else {
                        value
                    };
                    budget += value.len();
                    assigned.push((a.name.clone(), value));
                }
                Err(e) => return self.expand_failed(e, stderr),
            }
        }
        let argv = match self.expand_words(&command.words, stderr) {
            Ok(argv) => argv,
            Err(e) => return self.expand_failed(e, stderr),
        };
        budget += argv.iter().map(String::len).sum::<usize>();
        if budget > MAX_EXPANSION {
            let name = argv.first().map_or("bash", String::as_str);
            push_capped(stderr, format!("bash: {name}: Argument list too long\n").as_bytes());
            return 126;
        }
        let argv = self.expand_aliases(command, argv, stderr);
        let Ok(plan) = self.plan_redirects(&command.redirects, stderr) else {
            return 1;
        };
        let stdin = plan.stdin.as_deref().unwrap_or(stdin);
        if argv.is_empty() {
            for (name, value) in assigned {
                if self.set_var(&name, value).is_err() {
                    push_capped(stderr, b"bash: xmalloc: cannot allocate memory\n");
                    return 1;
                }
            }
            return self.sub_status.unwrap_or(0);
        }
        // `A=1 cmd`: the values live only for the command.
        let saved: Vec<(String, Option<Var>)> = assigned
            .iter()
            .map(|(name, _)| (name.clone(), self.vars.get(name).cloned()))
            .collect();
        for (name, value) in assigned {
            self.vars.insert(name, Var { value, exported: true });
        }
        let mut ctx = Ctx {
            session: self,
            stdout: Vec::new(),
            stderr: Vec::new(),
        };
        // The command sees a terminal only at the top level with its stdout not redirected.
        let tty = ctx.session.stdout_tty;
        ctx.session.stdout_tty = tty && ctx.session.depth == 0 && matches!(plan.stdout, Sink::Stdout);
        let status = ctx.dispatch(&argv, stdin);
        ctx.session.stdout_tty = tty;
        let Ctx {
            stdout: out,
            stderr: err,
            ..
        } = ctx;
        for (name, old) in saved.into_iter().rev() {
            match old {
                Some(v) => self.vars.insert(name, v),
                None => self.vars.remove(&name),
            };
        }
        self.deliver(&plan.stdout, &out, stdout, stderr);
        self.deliver(&plan.stderr, &err, stdout, stderr);
        status
    }

    /// Replaces the command name by its alias as an interactive bash does: only when the name was typed as an
    /// unquoted word (`\ls` and `'ls'` bypass it), recursively (`ll` → `ls -l` → `ls --color=auto -l`), never the
    /// same alias twice.
    fn expand_aliases(&mut self, command: &Command, mut argv: Vec<String>, stderr: &mut Vec<u8>) -> Vec<String> {
        let plain = matches!(
            command.words.first().map(|w| w.parts.as_slice()),
            Some([Part::Literal { quoted: false, .. }])
        );
        if !self.interactive || !plain {
            return argv;
        }
        let mut seen: Vec<String> = Vec::new();
        while let Some(first) = argv.first().cloned() {
            let Some(value) = self.aliases.get(&first).cloned() else {
                break;
            };
            if seen.contains(&first) || seen.len() >= 16 {
                break;
            }
            seen.push(first);
            // A value that is one simple command is expanded as words (quotes honoured); anything else is split.
            let simple = parse::parse(&value).ok().and_then(|list| match list.items.as_slice() {
                [item] if !item.background && item.and_or.rest.is_empty() => {
                    match item.and_or.first.commands.as_slice() {
                        [c] if c.assignments.is_empty() && c.redirects.is_empty() && !item.and_or.first.negated => {
                            Some(c.words.clone())
                        }
                        _ => None,
                    }
                }
                _ => None,
            });
            let mut words = match simple {
                Some(words) => self.expand_words(&words, stderr).unwrap_or_default(),
                None => value.split_whitespace().map(str::to_owned).collect(),
            };
            words.extend(argv.into_iter().skip(1));
            argv = words;
        }
        argv
    }

    /// Prints an expansion error and returns bash's status for it.
    fn expand_failed(&mut self, e: ExpandError, stderr: &mut Vec<u8>) -> i32 {
        push_capped(stderr, format!("{}\n", e.message()).as_bytes());
        1
    }

    /// Sends `data` where `sink` points.
    fn deliver(&mut self, sink: &Sink, data: &[u8], stdout: &mut Vec<u8>, stderr: &mut Vec<u8>) {
        if data.is_empty() {
            return;
        }
        match sink {
            Sink::Stdout => push_capped(stdout, data),
            Sink::Stderr => push_capped(stderr, data),
            Sink::Null => {}
            Sink::File(path) => {
                // A full overlay drops the bytes, as a full disk would after the open succeeded.
                let _ = self.fs.write("/", path, data, WriteMode::Append);
            }
        }
    }
}

/// bash's own messages from a non-interactive shell (`bash -c` for an SSH exec request) carry the script line:
/// `bash: line 1: foo: command not found`. Every line is numbered 1 (exec requests are one line in practice).
fn with_line_numbers(stderr: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(stderr.len() + 16);
    for line in stderr.split_inclusive(|&b| b == b'\n') {
        match line.strip_prefix(b"bash: ") {
            Some(rest) if !rest.starts_with(b"line ") && !rest.starts_with(b"-c: ") => {
                out.extend_from_slice(b"bash: line 1: ");
                out.extend_from_slice(rest);
            }
            _ => out.extend_from_slice(line),
        }
    }
    out.truncate(super::MAX_OUTPUT);
    out
}

impl Ctx<'_> {
    /// Runs `argv` as a child of a wrapper (`sudo`, `nohup`, `busybox`), refusing to nest without bound.
    pub(crate) fn dispatch_nested(&mut self, argv: &[String], stdin: &[u8]) -> i32 {
        if self.session.depth >= crate::parse::MAX_DEPTH {
            self.err("bash: fork: retry: Resource temporarily unavailable\n");
            return 254;
        }
        self.session.depth += 1;
        let status = self.dispatch(argv, stdin);
        self.session.depth -= 1;
        status
    }

    /// Runs a command string as `su -c` or `sh -c` would, in this session; returns its status.
    pub(crate) fn run_script(&mut self, script: &str) -> i32 {
        if self.session.depth >= crate::parse::MAX_DEPTH {
            self.err("bash: fork: retry: Resource temporarily unavailable\n");
            return 254;
        }
        let list = match parse::parse(script) {
            Ok(list) => list,
            Err(e) => {
                self.err(format!("{e}\n"));
                return 2;
            }
        };
        self.session.depth += 1;
        // The script runs in a child shell: its `exit` ends only that shell.
        let saved = (self.session.exit, self.session.interactive);
        self.session.interactive = false;
        let mut io = Io::default();
        self.session.run_list(&list, &mut io);
        (self.session.exit, self.session.interactive) = saved;
        self.session.depth -= 1;
        self.out(io.stdout);
        self.err(io.stderr);
        self.session.status
    }

    /// Finds the command `argv[0]` names and runs it, or prints bash's error for a missing one.
    pub(crate) fn dispatch(&mut self, argv: &[String], stdin: &[u8]) -> i32 {
        let Some(name) = argv.first() else {
            return 0;
        };
        if !name.contains('/') {
            return match commands::lookup(name) {
                Some(cmd) => cmd.run(self, argv, stdin),
                None => {
                    self.err(format!("bash: {name}: command not found\n"));
                    127
                }
            };
        }
        let s = &*self.session;
        match s.fs.stat(&s.cwd, name) {
            Err(e) => {
                self.err(format!("bash: {name}: {}\n", e.message()));
                if e == Errno::Enoent {
                    127
                } else {
                    126
                }
            }
            Ok(st) if st.kind == Kind::Dir => {
                self.err(format!("bash: {name}: Is a directory\n"));
                126
            }
            Ok(st) => {
                let canonical = s.fs.canonicalize(&s.cwd, name).unwrap_or_default();
                match commands::lookup(name).or_else(|| commands::lookup(&canonical)) {
                    Some(cmd) => cmd.run(self, argv, stdin),
                    None if st.mode & 0o111 == 0 => {
                        self.err(format!("bash: {name}: Permission denied\n"));
                        126
                    }
                    None => {
                        self.err(format!("bash: {name}: cannot execute binary file: Exec format error\n"));
                        126
                    }
                }
            }
        }
    }
}

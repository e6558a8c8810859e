//! The per-connection shell state and the walk over a parsed line: lists, and-or lists, pipelines, simple commands.

use std::collections::BTreeMap;
use std::sync::Arc;

use super::expand::ExpandError;
use super::redirect::Sink;
use super::{push_capped, Output, MAX_EXPANSION, MAX_STEPS, MAX_VAR_BYTES};
use crate::commands::{self, Ctx};
use crate::fs::{Base, Kind, Overlay, WriteMode};
use crate::parse::{self, AndOr, Command, Connector, List, Pipeline};
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
        Session {
            fs,
            persona,
            user,
            cwd,
            vars,
            status: 0,
            aliases: BTreeMap::new(),
            history: Vec::new(),
            exit: None,
            pid,
            steps: 0,
            depth: 0,
            sub_status: None,
            jobs: 0,
            random,
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
        let mut io = Io::default();
        match parse::parse(line) {
            Ok(list) => {
                self.steps = 0;
                self.run_list(&list, &mut io);
            }
            Err(e) => {
                push_capped(&mut io.stderr, format!("{e}\n").as_bytes());
                self.status = 2;
            }
        }
        Output {
            stdout: io.stdout,
            stderr: io.stderr,
            exit: self.exit,
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
        for command in &pipeline.commands {
            let mut out = Vec::new();
            status = self.run_simple(command, &input, &mut out, &mut io.stderr);
            input = out;
        }
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
        let mut argv = match self.expand_words(&command.words, stderr) {
            Ok(argv) => argv,
            Err(e) => return self.expand_failed(e, stderr),
        };
        budget += argv.iter().map(String::len).sum::<usize>();
        if budget > MAX_EXPANSION {
            let name = argv.first().map_or("bash", String::as_str);
            push_capped(stderr, format!("bash: {name}: Argument list too long\n").as_bytes());
            return 126;
        }
        if let Some(first) = argv.first() {
            if let Some(alias) = self.aliases.get(first) {
                let mut words: Vec<String> = alias.split_whitespace().map(str::to_owned).collect();
                words.extend(argv.drain(1..));
                argv = words;
            }
        }
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
        let status = ctx.dispatch(&argv, stdin);
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

impl Ctx<'_> {
    /// Finds the command `argv[0]` names and runs it, or prints bash's error for a missing one.
    fn dispatch(&mut self, argv: &[String], stdin: &[u8]) -> i32 {
        let name = &argv[0];
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
                if e == crate::fs::Errno::Enoent {
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

//! The emulated commands: one file per command, each a unit struct implementing [`Command`], with its tests at the
//! bottom; [`ALL`] is the one alphabetical table the interpreter looks names and paths up in.
//!
//! Architecture invariant: a command only reads and writes the session's state and the byte buffers of its
//! [`Ctx`]; nothing here performs I/O or starts a process.

mod accounts;
mod alias;
mod apt;
mod arch;
mod awk;
mod base64;
mod basename;
mod busybox;
mod cat;
mod cd;
mod chattr;
mod chmod;
mod chown;
mod chpasswd;
mod clear;
mod command;
mod cp;
mod crontab;
mod curl;
mod cut;
mod date;
mod dd;
mod df;
mod dpkg;
mod echo;
mod env;
mod exit;
mod export;
mod file;
mod find;
mod free;
mod ftpget;
mod grep;
mod head;
mod history;
mod hostname;
mod id;
mod ip;
mod kill;
mod killall;
mod last;
mod ln;
mod ls;
mod lsattr;
mod lscpu;
mod mkdir;
mod mount;
mod mv;
mod nohup;
mod nproc;
mod od;
mod passwd;
mod perl;
mod pkill;
mod printf;
mod ps;
mod pwd;
mod python;
mod rm;
mod rmdir;
mod sed;
mod seq;
mod service;
mod sleep;
mod sort;
mod stat;
mod su;
mod sudo;
mod sums;
mod systemctl;
mod tail;
mod tar;
mod tee;
mod tftp;
mod top;
mod touch;
mod tr;
mod truefalse;
mod r#type;
mod ulimit;
mod umask;
mod uname;
mod uniq;
mod unset;
mod uptime;
mod useradd;
mod userdel;
mod w;
mod wc;
mod wget;
mod which;
mod who;
mod whoami;
mod xxd;

use crate::exec::{push_capped, Session};

/// One emulated command.
pub trait Command: Sync {
    /// The bare name and every full path it answers to, e.g. `["uname", "/bin/uname", "/usr/bin/uname"]`.
    fn names(&self) -> &'static [&'static str];

    /// Runs the command; `args[0]` is the name as typed. Writes to `ctx` and returns the exit status.
    fn run(&self, ctx: &mut Ctx, args: &[String], stdin: &[u8]) -> i32;
}

/// Every command, alphabetical by bare name.
pub static ALL: &[&dyn Command] = &[
    &useradd::Adduser,
    &alias::Alias,
    &apt::Apt,
    &apt::AptGet,
    &arch::Arch,
    &awk::Awk,
    &base64::Base64,
    &basename::Basename,
    &busybox::Busybox,
    &cat::Cat,
    &cd::Cd,
    &chattr::Chattr,
    &chown::Chgrp,
    &chmod::Chmod,
    &chown::Chown,
    &chpasswd::Chpasswd,
    &clear::Clear,
    &command::CommandBuiltin,
    &cp::Cp,
    &crontab::Crontab,
    &curl::Curl,
    &cut::Cut,
    &date::Date,
    &dd::Dd,
    &df::Df,
    &basename::Dirname,
    &dpkg::Dpkg,
    &dpkg::DpkgQuery,
    &echo::Echo,
    &grep::Egrep,
    &env::Env,
    &exit::Exit,
    &export::Export,
    &truefalse::False,
    &grep::Fgrep,
    &file::File,
    &find::Find,
    &free::Free,
    &ftpget::Ftpget,
    &grep::Grep,
    &head::Head,
    &history::History,
    &hostname::Hostname,
    &id::Id,
    &ip::Ip,
    &kill::Kill,
    &killall::Killall,
    &last::Last,
    &ln::Ln,
    &ls::Ls,
    &lsattr::Lsattr,
    &lscpu::Lscpu,
    &sums::Md5sum,
    &mkdir::Mkdir,
    &mount::MountCmd,
    &mv::Mv,
    &nohup::Nohup,
    &nproc::Nproc,
    &od::Od,
    &passwd::Passwd,
    &perl::Perl,
    &pkill::Pkill,
    &env::Printenv,
    &printf::Printf,
    &ps::Ps,
    &pwd::Pwd,
    &python::Python3,
    &rm::Rm,
    &rmdir::Rmdir,
    &sed::Sed,
    &seq::Seq,
    &service::Service,
    &sums::Sha1sum,
    &sums::Sha256sum,
    &sums::Sha512sum,
    &sleep::Sleep,
    &sort::Sort,
    &stat::StatCmd,
    &su::Su,
    &sudo::Sudo,
    &systemctl::Systemctl,
    &tail::Tail,
    &tar::Tar,
    &tee::Tee,
    &tftp::Tftp,
    &top::Top,
    &touch::Touch,
    &tr::Tr,
    &truefalse::True,
    &r#type::Type,
    &ulimit::Ulimit,
    &umask::Umask,
    &alias::Unalias,
    &uname::Uname,
    &uniq::Uniq,
    &unset::Unset,
    &uptime::Uptime,
    &useradd::Useradd,
    &userdel::Userdel,
    &w::W,
    &wc::Wc,
    &wget::Wget,
    &which::Which,
    &who::Who,
    &whoami::Whoami,
    &xxd::Xxd,
];

/// The command answering to `name` (a bare name or a full path).
pub fn lookup(name: &str) -> Option<&'static dyn Command> {
    ALL.iter().copied().find(|c| c.names().contains(&name))
}

/// What a running command sees: the session and its own output buffers (each capped at
/// [`MAX_OUTPUT`](crate::exec::MAX_OUTPUT)).
pub struct Ctx<'a> {
    /// The shell session: filesystem, persona, user, variables, cwd.
    pub session: &'a mut Session,
    /// Bytes written to fd 1.
    pub stdout: Vec<u8>,
    /// Bytes written to fd 2.
    pub stderr: Vec<u8>,
}

impl Ctx<'_> {
    /// Writes to stdout.
    pub fn out(&mut self, data: impl AsRef<[u8]>) {
        push_capped(&mut self.stdout, data.as_ref());
    }

    /// Writes to stderr.
    pub fn err(&mut self, data: impl AsRef<[u8]>) {
        push_capped(&mut self.stderr, data.as_ref());
    }

    /// Prints coreutils' `extra operand` error with its `--help` hint; returns status 1.
    pub fn extra_operand(&mut self, prog: &str, operand: &str) -> i32 {
        self.err(format!(
            "{prog}: extra operand ‘{operand}’\nTry '{prog} --help' for more information.\n"
        ));
        1
    }

    /// Prints coreutils' `invalid option` (or `unrecognized option` for long ones) error; returns status 1.
    pub fn invalid_option(&mut self, prog: &str, arg: &str) -> i32 {
        let line = match arg.strip_prefix("--") {
            Some(_) => format!("{prog}: unrecognized option '{arg}'\n"),
            None => format!("{prog}: invalid option -- '{}'\n", arg.chars().nth(1).unwrap_or('-')),
        };
        self.err(format!("{line}Try '{prog} --help' for more information.\n"));
        1
    }
}

/// The program name coreutils prints in messages: `argv[0]` as typed.
fn prog(args: &[String]) -> &str {
    args.first().map_or("", String::as_str)
}

#[cfg(test)]
pub(crate) mod testing {
    //! The shared `check` helper: runs a line through a fresh session and compares bytes and status.

    use std::sync::Arc;

    use rand::rngs::StdRng;
    use rand::SeedableRng;

    use crate::exec::Session;
    use crate::fs::debian_skeleton;
    use crate::persona::Persona;

    /// A root session on the test skeleton with a seeded persona.
    pub(crate) fn session() -> Session {
        let persona = Persona::generate_at(
            &mut StdRng::seed_from_u64(7),
            std::time::UNIX_EPOCH + std::time::Duration::from_secs(1_750_000_000),
        );
        let root = persona.users.iter().find(|u| u.uid == 0).expect("root").clone();
        Session::new(debian_skeleton(), Arc::new(persona), root, 1_750_000_000)
    }

    /// Runs `line` in `s` and compares stdout, stderr and `$?`.
    #[track_caller]
    pub(crate) fn check_in(s: &mut Session, line: &str, stdout: &str, stderr: &str, status: i32) {
        let out = s.run_line(line);
        assert_eq!(String::from_utf8_lossy(&out.stdout), stdout, "stdout of {line:?}");
        assert_eq!(String::from_utf8_lossy(&out.stderr), stderr, "stderr of {line:?}");
        assert_eq!(s.status(), status, "status of {line:?}");
    }

    /// Runs `line` in a fresh session and compares stdout, stderr and `$?`.
    #[track_caller]
    pub(crate) fn check(line: &str, stdout: &str, stderr: &str, status: i32) {
        check_in(&mut session(), line, stdout, stderr, status);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_is_alphabetical_and_unique() {
        let names: Vec<&str> = ALL.iter().map(|c| c.names()[0]).collect();
        let mut sorted = names.clone();
        sorted.sort();
        sorted.dedup();
        assert_eq!(names, sorted);
        assert!(lookup("/bin/uname").is_some());
        assert!(lookup("nope").is_none());
    }
}

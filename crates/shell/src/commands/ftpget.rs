//! `ftpget` from busybox: `ftpget [-c] [-v] [-u USER] [-p PASS] [-P PORT] HOST [LOCAL_FILE] REMOTE_FILE`.
//! FTP is not fetched: after the session's [`Fetcher`](crate::net::Fetcher) resolves and checks the host, the
//! transfer answers as busybox does when the server refuses the connection; the attempt is still seen by the
//! sensor through the fetcher.

use super::{Command, Ctx};
use crate::net::{self, FetchErrorKind, FetchRequest};

/// The `ftpget` command.
pub struct Ftpget;

/// busybox's usage text.
const USAGE: &str = "BusyBox v1.35.0 (Debian 1:1.35.0-4+deb12u1+b1) multi-call binary.\n\nUsage: ftpget [OPTIONS] \
                     HOST [LOCAL_FILE] REMOTE_FILE\n\nDownload a file via FTP\n\n\t-c\tContinue previous transfer\n\
                     \t-v\tVerbose\n\t-u USER\tUsername\n\t-p PASS\tPassword\n\t-P PORT\n";

impl Command for Ftpget {
    fn names(&self) -> &'static [&'static str] {
        &["ftpget", "/bin/ftpget", "/usr/bin/ftpget"]
    }

    fn run(&self, ctx: &mut Ctx, args: &[String], _stdin: &[u8]) -> i32 {
        let mut port = "21".to_owned();
        let mut operands = Vec::new();
        let mut it = args.iter().skip(1).take(32);
        while let Some(a) = it.next() {
            match a.as_str() {
                "-c" | "-v" => {}
                "-u" | "-p" => {
                    if it.next().is_none() {
                        ctx.err(USAGE);
                        return 1;
                    }
                }
                "-P" => match it.next() {
                    Some(p) => port = p.clone(),
                    None => {
                        ctx.err(USAGE);
                        return 1;
                    }
                },
                _ => operands.push(a.clone()),
            }
        }
        let (Some(host), true) = (operands.first(), (2..=3).contains(&operands.len())) else {
            ctx.err(USAGE);
            return 1;
        };
        let remote = operands.last().map_or("", String::as_str).trim_start_matches('/');
        let shown = if host.contains(':') {
            format!("[{host}]")
        } else {
            host.clone()
        };
        let url = format!("ftp://{shown}:{port}/{remote}");
        match net::fetch(ctx.session, &FetchRequest::get(&url)) {
            Err(e) if e.kind == FetchErrorKind::Dns => ctx.err(format!("ftpget: bad address '{host}'\n")),
            Err(e) => {
                let ip = e.ip.map_or_else(|| host.clone(), |ip| ip.to_string());
                let why = if e.kind == FetchErrorKind::ConnectTimeout {
                    "Connection timed out"
                } else {
                    "Connection refused"
                };
                ctx.err(format!("ftpget: can't connect to remote host ({ip}): {why}\n"));
            }
            Ok(_) => ctx.err(format!(
                "ftpget: can't connect to remote host ({host}): Connection refused\n"
            )),
        }
        1
    }
}

#[cfg(test)]
mod tests {
    use crate::commands::testing::check;

    #[test]
    fn refuses_like_busybox() {
        check(
            "ftpget 1.2.3.4 x y",
            "",
            "ftpget: can't connect to remote host (1.2.3.4): Connection refused\n",
            1,
        );
        check("ftpget ftp.example x", "", "ftpget: bad address 'ftp.example'\n", 1);
        check("ftpget x", "", super::USAGE, 1);
    }
}

//! `tftp`: busybox's applet form `tftp -g -r REMOTE [-l LOCAL] HOST [PORT]` and tftp-hpa's
//! `tftp HOST [PORT] -c get REMOTE [LOCAL]`. The file is fetched through the session's
//! [`Fetcher`](crate::net::Fetcher) as a `tftp://` URL, written into the overlay and recorded as a download.

use super::{Command, Ctx};
use crate::net::{self, FetchErrorKind, FetchRequest};

/// The `tftp` command.
pub struct Tftp;

/// busybox's usage text, printed for a bad command line.
const USAGE: &str = "BusyBox v1.35.0 (Debian 1:1.35.0-4+deb12u1+b1) multi-call binary.\n\nUsage: tftp [OPTIONS] HOST \
                     [PORT]\n\nTransfer a file from/to tftp server\n\n\t-l FILE\tLocal FILE\n\t-r FILE\tRemote FILE\n\
                     \t-g\tGet file\n\t-p\tPut file\n\t-b SIZE\tTransfer blocks in bytes\n";

/// One parsed transfer.
struct Job {
    host: String,
    port: String,
    remote: String,
    local: String,
    /// tftp-hpa's message style rather than busybox's.
    hpa: bool,
    put: bool,
}

impl Command for Tftp {
    fn names(&self) -> &'static [&'static str] {
        &["tftp", "/bin/tftp", "/usr/bin/tftp"]
    }

    fn run(&self, ctx: &mut Ctx, args: &[String], _stdin: &[u8]) -> i32 {
        let Some(job) = parse(args) else {
            ctx.err(USAGE);
            return 1;
        };
        let host = if job.host.contains(':') {
            format!("[{}]", job.host)
        } else {
            job.host.clone()
        };
        let url = format!("tftp://{host}:{}/{}", job.port, job.remote.trim_start_matches('/'));
        let err = |ctx: &mut Ctx, busybox: &str, hpa: &str| {
            ctx.err(if job.hpa { hpa } else { busybox });
            1
        };
        if job.put {
            return err(ctx, "tftp: timeout\n", "Transfer timed out.\n\n");
        }
        match net::fetch(ctx.session, &FetchRequest::get(&url)) {
            Ok(resp) => {
                match net::save(ctx.session, "tftp", &url, &job.local, &resp.body, 0) {
                    Ok(_) => {}
                    Err(e) => {
                        return err(
                            ctx,
                            &format!("tftp: can't open '{}': {}\n", job.local, e.message()),
                            &format!("tftp: {}: {}\n", job.local, e.message()),
                        )
                    }
                }
                0
            }
            Err(e) => match e.kind {
                FetchErrorKind::Dns => err(
                    ctx,
                    &format!("tftp: bad address '{}'\n", job.host),
                    &format!("tftp: {}: Name or service not known\n", job.host),
                ),
                FetchErrorKind::Tftp(code, msg) => err(
                    ctx,
                    &format!("tftp: server error: ({code}) {msg}\n"),
                    &format!("Error code {code}: {msg}\n"),
                ),
                _ => err(ctx, "tftp: timeout\n", "Transfer timed out.\n\n"),
            },
        }
    }
}

/// Parses either syntax; `None` means print the usage.
fn parse(args: &[String]) -> Option<Job> {
    let rest: Vec<&str> = args.iter().skip(1).map(String::as_str).take(32).collect();
    if let Some(c) = rest.iter().position(|a| *a == "-c") {
        // tftp-hpa: tftp [-v] HOST [PORT] -c get REMOTE [LOCAL]
        let before: Vec<&str> = rest.get(..c)?.iter().copied().filter(|a| !a.starts_with('-')).collect();
        let cmd = rest.get(c + 1..)?;
        let host = (*before.first()?).to_owned();
        let port = before.get(1).map_or("69", |p| p).to_owned();
        let put = match *cmd.first()? {
            "get" => false,
            "put" => true,
            _ => return None,
        };
        let remote = (*cmd.get(1)?).to_owned();
        let local = cmd.get(2).map_or_else(|| basename(&remote), |l| (*l).to_owned());
        return Some(Job {
            host,
            port,
            remote,
            local,
            hpa: true,
            put,
        });
    }
    let (mut get, mut put) = (false, false);
    let (mut remote, mut local) = (None, None);
    let mut operands = Vec::new();
    let mut it = rest.into_iter();
    while let Some(a) = it.next() {
        match a.strip_prefix('-').filter(|s| !s.is_empty()) {
            None => operands.push(a.to_owned()),
            Some(flags) => {
                for (i, c) in flags.char_indices() {
                    match c {
                        'g' => get = true,
                        'p' => put = true,
                        'r' | 'l' | 'b' => {
                            let tail = &flags[i + 1..];
                            let v = if tail.is_empty() {
                                it.next()?.to_owned()
                            } else {
                                tail.to_owned()
                            };
                            match c {
                                'r' => remote = Some(v),
                                'l' => local = Some(v),
                                _ => {}
                            }
                            break;
                        }
                        _ => return None,
                    }
                }
            }
        }
    }
    if get == put || operands.is_empty() || operands.len() > 2 {
        return None;
    }
    let remote = remote.or_else(|| local.clone())?;
    let local = local.unwrap_or_else(|| basename(&remote));
    Some(Job {
        host: operands.first()?.clone(),
        port: operands.get(1).map_or_else(|| "69".to_owned(), Clone::clone),
        remote,
        local,
        hpa: false,
        put,
    })
}

/// The last path component, as busybox names the local file.
fn basename(path: &str) -> String {
    path.rsplit('/').find(|s| !s.is_empty()).unwrap_or(path).to_owned()
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::*;
    use crate::commands::testing::{check, check_in, session};
    use crate::net::testing::{error, ok, FakeFetcher};

    #[test]
    fn fetches_and_fails_like_busybox() {
        check("tftp -g -r x nowhere", "", "tftp: bad address 'nowhere'\n", 1);
        check("tftp", "", USAGE, 1);
        let mut s = session();
        s.set_fetcher(Arc::new(FakeFetcher {
            answers: vec![
                (
                    "tftp://1.2.3.4:69/bins/x86".to_owned(),
                    Ok(ok("tftp://1.2.3.4:69/bins/x86", "1.2.3.4", 69, &[], b"\x7fELF")),
                ),
                (
                    "tftp://1.2.3.4:69/missing".to_owned(),
                    Err(error(
                        FetchErrorKind::Tftp(1, "File not found".to_owned()),
                        "tftp://1.2.3.4:69/missing",
                    )),
                ),
            ],
            ..FakeFetcher::default()
        }));
        check_in(
            &mut s,
            "cd /tmp; tftp -g -r bins/x86 1.2.3.4; cat x86",
            "\x7fELF",
            "",
            0,
        );
        check_in(&mut s, "tftp -g -r bins/x86 -l y 1.2.3.4 69 && cat y", "\x7fELF", "", 0);
        check_in(&mut s, "tftp 1.2.3.4 -c get bins/x86 z && cat z", "\x7fELF", "", 0);
        check_in(
            &mut s,
            "tftp -g -r missing 1.2.3.4",
            "",
            "tftp: server error: (1) File not found\n",
            1,
        );
        check_in(
            &mut s,
            "tftp 1.2.3.4 -c get missing",
            "",
            "Error code 1: File not found\n",
            1,
        );
        let d = s.take_downloads();
        assert_eq!(d.len(), 3);
        assert_eq!(d[0].saved_as.as_deref(), Some("/tmp/x86"));
        assert_eq!(
            (d[0].tool.as_str(), d[0].url.as_str()),
            ("tftp", "tftp://1.2.3.4:69/bins/x86")
        );
    }
}

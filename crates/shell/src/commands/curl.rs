//! `curl` 7.88.1 as on Debian 12: body to stdout (or `-o`/`-O` files in the overlay), the progress meter on stderr
//! when the body does not go to a terminal, curl's `curl: (N) …` errors and exit codes. The fetch goes through the
//! session's [`Fetcher`](crate::net::Fetcher) and is recorded as a download. Absent when the persona has no curl.

use super::{Command, Ctx};
use crate::net::{self, FetchErrorKind, FetchRequest, Url};

/// The `curl` command.
pub struct Curl;

/// curl's default `--max-redirs` with `-L`.
const MAX_REDIRECTS: u32 = 50;

/// Most URLs one invocation fetches.
const MAX_URLS: usize = 16;

/// The hint curl prints after a usage error.
const TRY: &str = "curl: try 'curl --help' or 'curl --manual' for more information\n";

/// Where one URL's body goes.
#[derive(Clone, PartialEq, Eq)]
enum Dest {
    Stdout,
    File(String),
    Remote,
}

/// Parsed options.
#[derive(Default)]
struct Opts {
    silent: bool,
    show_error: bool,
    follow: bool,
    insecure: bool,
    fail: bool,
    agent: Option<String>,
    headers: Vec<(String, String)>,
    data: Option<String>,
    method: Option<String>,
    outputs: Vec<Dest>,
    urls: Vec<String>,
}

impl Command for Curl {
    fn names(&self) -> &'static [&'static str] {
        &["curl", "/bin/curl", "/usr/bin/curl"]
    }

    fn run(&self, ctx: &mut Ctx, args: &[String], _stdin: &[u8]) -> i32 {
        let name = args.first().map_or("curl", String::as_str);
        if !ctx.session.persona.packages.curl {
            if name.contains('/') {
                ctx.err(format!("bash: {name}: No such file or directory\n"));
            } else {
                ctx.err(format!("bash: {name}: command not found\n"));
            }
            return 127;
        }
        let o = match parse(args) {
            Ok(o) => o,
            Err(msg) => {
                ctx.err(format!("{msg}{TRY}"));
                return 2;
            }
        };
        if o.urls.is_empty() {
            ctx.err(TRY);
            return 2;
        }
        let mut status = 0;
        for (i, url) in o.urls.iter().take(MAX_URLS).enumerate() {
            let dest = o.outputs.get(i).cloned().unwrap_or(Dest::Stdout);
            status = get(ctx, &o, url, dest);
        }
        status
    }
}

/// Parses curl's options.
fn parse(args: &[String]) -> Result<Opts, String> {
    let mut o = Opts::default();
    let mut it = args.iter().skip(1);
    while let Some(arg) = it.next() {
        if let Some(long) = arg.strip_prefix("--") {
            let (name, inline) = match long.split_once('=') {
                Some((n, v)) => (n, Some(v.to_owned())),
                None => (long, None),
            };
            let short = match name {
                "silent" => 's',
                "show-error" => 'S',
                "location" => 'L',
                "insecure" => 'k',
                "fail" => 'f',
                "remote-name" => 'O',
                "output" => 'o',
                "user-agent" => 'A',
                "header" => 'H',
                "data" | "data-raw" | "data-binary" | "data-ascii" => 'd',
                "request" => 'X',
                "max-time" => 'm',
                "referer" => 'e',
                "user" => 'u',
                "url" => '\u{1}',
                "connect-timeout" | "retry" | "max-redirs" | "proxy" | "cookie" | "cookie-jar" => '\u{2}',
                "verbose" | "progress-bar" | "compressed" | "ipv4" | "ipv6" | "http1.1" | "globoff" | "no-buffer"
                | "fail-with-body" | "remote-name-all" | "head" | "include" => '\u{3}',
                _ => return Err(format!("curl: option --{name}: is unknown\n")),
            };
            let needs = !matches!(short, 's' | 'S' | 'L' | 'k' | 'f' | 'O' | '\u{3}');
            let value = if needs {
                match inline.or_else(|| it.next().cloned()) {
                    Some(v) => Some(v),
                    None => return Err(format!("curl: option --{name}: requires parameter\n")),
                }
            } else {
                None
            };
            if short == '\u{1}' {
                o.urls.extend(value);
            } else {
                apply(&mut o, short, value);
            }
            continue;
        }
        let Some(flags) = arg.strip_prefix('-').filter(|s| !s.is_empty()) else {
            o.urls.push(arg.clone());
            continue;
        };
        for (i, c) in flags.char_indices() {
            match c {
                's' | 'S' | 'L' | 'k' | 'f' | 'O' | 'v' | 'i' | 'I' | '#' | '4' | '6' | 'g' | 'N' | 'q' => {
                    apply(&mut o, c, None)
                }
                'o' | 'A' | 'H' | 'd' | 'X' | 'm' | 'e' | 'u' | 'x' | 'b' | 'c' | 'r' | 'T' | 'F' => {
                    let rest = &flags[i + c.len_utf8()..];
                    let value = if rest.is_empty() {
                        match it.next() {
                            Some(v) => v.clone(),
                            None => return Err(format!("curl: option -{c}: requires parameter\n")),
                        }
                    } else {
                        rest.to_owned()
                    };
                    apply(&mut o, c, Some(value));
                    break;
                }
                _ => return Err(format!("curl: option -{flags}: is unknown\n")),
            }
        }
    }
    Ok(o)
}

/// Applies one option given by its short letter.
fn apply(o: &mut Opts, c: char, value: Option<String>) {
    match (c, value) {
        ('s', _) => o.silent = true,
        ('S', _) => o.show_error = true,
        ('L', _) => o.follow = true,
        ('k', _) => o.insecure = true,
        ('f', _) => o.fail = true,
        ('O', _) => o.outputs.push(Dest::Remote),
        ('o', Some(v)) => o.outputs.push(if v == "-" { Dest::Stdout } else { Dest::File(v) }),
        ('A', Some(v)) => o.agent = Some(v),
        ('H', Some(v)) => {
            if let Some((n, val)) = v.split_once(':') {
                o.headers.push((n.trim().to_owned(), val.trim().to_owned()));
            }
        }
        ('d', Some(v)) => {
            o.data = Some(match o.data.take() {
                Some(prev) => format!("{prev}&{v}"),
                None => v,
            })
        }
        ('X', Some(v)) => o.method = Some(v),
        _ => {}
    }
}

/// Fetches one URL into `dest`; returns curl's exit status.
fn get(ctx: &mut Ctx, o: &Opts, raw: &str, dest: Dest) -> i32 {
    let show_err = !o.silent || o.show_error;
    let Some(url) = Url::parse(raw) else {
        let scheme = raw.split_once("://").map(|(s, _)| s.to_owned());
        if show_err {
            match scheme {
                Some(s) if !s.is_empty() && !["http", "https"].contains(&s.as_str()) => ctx.err(format!(
                    "curl: (1) Protocol \"{s}\" not supported or disabled in libcurl\n"
                )),
                _ => ctx.err("curl: (3) URL using bad/illegal format or missing URL\n"),
            }
        }
        return if matches!(raw.split_once("://"), Some((s, _)) if s != "http" && s != "https") {
            1
        } else {
            3
        };
    };
    if url.scheme != "http" && url.scheme != "https" {
        if show_err {
            ctx.err(format!(
                "curl: (1) Protocol \"{}\" not supported or disabled in libcurl\n",
                url.scheme
            ));
        }
        return 1;
    }
    let file = match &dest {
        Dest::Stdout => None,
        Dest::File(f) => Some(f.clone()),
        Dest::Remote => match url.file_name() {
            Some(n) => Some(n.split('?').next().unwrap_or("").to_owned()),
            None => {
                if show_err {
                    ctx.err("curl: Remote file name has no length!\n");
                    ctx.err("curl: (23) Failed writing received data to disk/application\n");
                }
                return 23;
            }
        },
    };
    let meter = !o.silent && (file.is_some() || !ctx.session.stdout_tty);
    let mut headers = vec![
        ("Host".to_owned(), url.host_header()),
        (
            "User-Agent".to_owned(),
            o.agent.clone().unwrap_or_else(|| "curl/7.88.1".to_owned()),
        ),
        ("Accept".to_owned(), "*/*".to_owned()),
    ];
    for (n, v) in &o.headers {
        match headers.iter_mut().find(|(h, _)| h.eq_ignore_ascii_case(n)) {
            Some(slot) if !slot.0.eq_ignore_ascii_case("host") || !v.is_empty() => {
                // A custom header replaces the built-in one and moves to the custom block.
                headers.retain(|(h, _)| !h.eq_ignore_ascii_case(n));
                if !v.is_empty() {
                    headers.push((n.clone(), v.clone()));
                }
            }
            _ if v.is_empty() => {}
            _ => headers.push((n.clone(), v.clone())),
        }
    }
    let body = o.data.clone().unwrap_or_default().into_bytes();
    if o.data.is_some() {
        headers.push(("Content-Length".to_owned(), body.len().to_string()));
        if !o.headers.iter().any(|(n, _)| n.eq_ignore_ascii_case("content-type")) {
            headers.push((
                "Content-Type".to_owned(),
                "application/x-www-form-urlencoded".to_owned(),
            ));
        }
    }
    let method = o
        .method
        .clone()
        .unwrap_or_else(|| if o.data.is_some() { "POST" } else { "GET" }.to_owned());
    let req = FetchRequest {
        method,
        headers,
        body,
        max_redirects: if o.follow { MAX_REDIRECTS } else { 0 },
        insecure: o.insecure,
        ..FetchRequest::get(&url.canonical())
    };
    if meter {
        ctx.err(METER_HEAD);
        ctx.err(meter_line(0, 0, false, 0, 0));
    }
    let resp = match net::fetch(ctx.session, &req) {
        Ok(r) => r,
        Err(e) => {
            if meter {
                let total = e.partial.as_ref().and_then(|h| content_length(&h.headers)).unwrap_or(0);
                ctx.err(meter_line(total, 0, total > 0, 0, 0));
                ctx.err("\n");
            }
            let host = Url::parse(&e.url).map_or(url.host.clone(), |u| u.host);
            let ms = 20 + host.bytes().map(u64::from).sum::<u64>() % 80;
            let (code, msg) = match e.kind {
                FetchErrorKind::Dns => (6, format!("Could not resolve host: {host}")),
                FetchErrorKind::Refused | FetchErrorKind::Policy => (
                    7,
                    format!(
                        "Failed to connect to {host} port {} after {ms} ms: Couldn't connect to server",
                        e.port
                    ),
                ),
                FetchErrorKind::ConnectTimeout => (
                    28,
                    format!(
                        "Failed to connect to {host} port {} after {} ms: Couldn't connect to server",
                        e.port,
                        req.timeout.as_millis()
                    ),
                ),
                FetchErrorKind::ReadTimeout => (
                    28,
                    format!(
                        "Operation timed out after {} milliseconds with 0 bytes received",
                        req.timeout.as_millis()
                    ),
                ),
                FetchErrorKind::TooLarge => (56, "Recv failure: Connection reset by peer".to_owned()),
                FetchErrorKind::Tls => (
                    60,
                    "SSL certificate problem: unable to get local issuer certificate\nMore details here: \
                     https://curl.se/docs/sslcerts.html\n\ncurl failed to verify the legitimacy of the server and \
                     therefore could not\nestablish a secure connection to it. To learn more about this situation \
                     and\nhow to fix it, please visit the web page mentioned above."
                        .to_owned(),
                ),
                FetchErrorKind::TooManyRedirects => (47, format!("Maximum ({MAX_REDIRECTS}) redirects followed")),
                FetchErrorKind::BadUrl => (3, "URL using bad/illegal format or missing URL".to_owned()),
                FetchErrorKind::Protocol | FetchErrorKind::Tftp(..) => (52, "Empty reply from server".to_owned()),
            };
            if show_err {
                ctx.err(format!("curl: ({code}) {msg}\n"));
            }
            return code;
        }
    };
    let status = resp.last.status;
    let size = resp.body.len() as u64;
    let declared = content_length(&resp.last.headers);
    if o.fail && status >= 400 {
        if meter {
            ctx.err(meter_line(declared.unwrap_or(0), 0, declared.is_some(), 0, 0));
            ctx.err("\n");
        }
        if show_err {
            ctx.err(format!("curl: (22) The requested URL returned error: {status}\n"));
        }
        return 22;
    }
    let secs = resp.elapsed.as_secs_f64().max(0.000_001);
    let speed = (size as f64 / secs) as u64;
    let url_text = url.canonical();
    match file {
        None => {
            ctx.out(&resp.body);
            net::record(ctx.session, "curl", &url_text, None, &resp.body, status);
        }
        Some(f) => {
            if net::save(ctx.session, "curl", &url_text, &f, &resp.body, status).is_err() {
                if meter {
                    ctx.err(meter_line(declared.unwrap_or(size), 0, declared.is_some(), 0, 0));
                    ctx.err("\n");
                }
                if show_err {
                    ctx.err("curl: (23) Failure writing output to destination\n");
                }
                return 23;
            }
        }
    }
    if meter {
        ctx.err(meter_line(
            declared.unwrap_or(size),
            size,
            declared.is_some(),
            speed,
            resp.elapsed.as_secs(),
        ));
        ctx.err("\n");
    }
    0
}

/// The meter's two header lines.
const METER_HEAD: &str = "  % Total    % Received % Xferd  Average Speed   Time    Time     Time  Current\n                                 Dload  Upload   Total   Spent    Left  Speed\n";

/// The `Content-Length` header's value.
fn content_length(headers: &[(String, String)]) -> Option<u64> {
    net::header(headers, "content-length").and_then(|v| v.trim().parse().ok())
}

/// One `\r`-led meter line: `total` expected, `got` received (`known`: the size was announced), average `speed`,
/// `spent` whole seconds.
fn meter_line(total: u64, got: u64, known: bool, speed: u64, spent: u64) -> String {
    let pct = |a: u64, b: u64| a.saturating_mul(100).checked_div(b).unwrap_or(0).min(100);
    let total_pct = if known {
        pct(got, total)
    } else if got > 0 {
        100
    } else {
        0
    };
    let dl_pct = if known { pct(got, total) } else { 0 };
    let spent_s = time2str(spent);
    let total_s = if known && spent > 0 {
        time2str(spent)
    } else {
        "--:--:--".to_owned()
    };
    format!(
        "\r{:>3} {}  {:>3} {}  {:>3} {}  {}  {} {} {} {} {}",
        total_pct,
        max5(total),
        dl_pct,
        max5(got),
        0,
        max5(0),
        max5(speed),
        max5(0),
        total_s,
        spent_s,
        if known && spent > 0 {
            " 0:00:00".to_owned()
        } else {
            "--:--:--".to_owned()
        },
        max5(speed)
    )
}

/// curl's `max5data`: a byte count in five columns.
fn max5(bytes: u64) -> String {
    const K: u64 = 1024;
    const M: u64 = K * K;
    if bytes < 100_000 {
        format!("{bytes:>5}")
    } else if bytes < 10_000 * K {
        format!("{:>4}k", bytes / K)
    } else if bytes < 100 * M {
        format!("{:>2}.{}M", bytes / M, (bytes % M) / (M / 10))
    } else if bytes < 10_000 * M {
        format!("{:>4}M", bytes / M)
    } else {
        format!("{:>4}G", bytes / (M * K))
    }
}

/// curl's `time2str`: `--:--:--` for nothing, else ` H:MM:SS`.
fn time2str(secs: u64) -> String {
    if secs == 0 {
        return "--:--:--".to_owned();
    }
    format!("{:>2}:{:02}:{:02}", secs / 3600, secs / 60 % 60, secs % 60)
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::*;
    use crate::commands::testing::{check_in, session};
    use crate::net::testing::{hop, ok, FakeFetcher};
    use crate::net::FetchResponse;

    const ZERO: &str = "\r  0     0    0     0    0     0      0      0 --:--:-- --:--:-- --:--:--     0";

    fn fetcher() -> Arc<FakeFetcher> {
        Arc::new(FakeFetcher {
            answers: vec![
                (
                    "http://1.2.3.4/a/b.sh".to_owned(),
                    Ok(ok(
                        "http://1.2.3.4/a/b.sh",
                        "1.2.3.4",
                        80,
                        &[("Content-Length", "4")],
                        b"BODY",
                    )),
                ),
                (
                    "http://1.2.3.4/nope".to_owned(),
                    Ok(FetchResponse {
                        last: hop(
                            "http://1.2.3.4/nope",
                            "1.2.3.4",
                            80,
                            404,
                            "Not Found",
                            &[("Content-Length", "335")],
                        ),
                        ..ok("http://1.2.3.4/nope", "1.2.3.4", 80, &[], b"")
                    }),
                ),
            ],
            ..FakeFetcher::default()
        })
    }

    fn curl_session() -> crate::exec::Session {
        let mut s = session();
        let mut p = (*s.persona).clone();
        p.packages.curl = true;
        s.persona = Arc::new(p);
        s
    }

    #[test]
    fn offline_and_absent() {
        let mut s = curl_session();
        check_in(&mut s, "curl -s http://x/a.sh", "", "", 6);
        check_in(
            &mut s,
            "curl -sS http://x/a.sh",
            "",
            "curl: (6) Could not resolve host: x\n",
            6,
        );
        check_in(&mut s, "curl", "", TRY, 2);
        check_in(
            &mut s,
            "curl --bogus",
            "",
            &format!("curl: option --bogus: is unknown\n{TRY}"),
            2,
        );
        let mut p = (*s.persona).clone();
        p.packages.curl = false;
        s.persona = Arc::new(p);
        check_in(&mut s, "curl -s http://x/", "", "bash: curl: command not found\n", 127);
    }

    #[test]
    fn downloads_with_meter() {
        let mut s = curl_session();
        let f = fetcher();
        s.set_fetcher(f.clone());
        let fin = "\r100     4  100     4    0     0    400      0 --:--:-- --:--:-- --:--:--   400\n";
        check_in(
            &mut s,
            "cd /tmp; curl -O http://1.2.3.4/a/b.sh",
            "",
            &format!("{METER_HEAD}{ZERO}{fin}"),
            0,
        );
        check_in(&mut s, "cat b.sh; curl -s http://1.2.3.4/a/b.sh", "BODYBODY", "", 0);
        check_in(
            &mut s,
            "curl -o x -s -A Foo -H 'X-A: 1' http://1.2.3.4/a/b.sh; cat x",
            "BODY",
            "",
            0,
        );
        let seen = f.seen.lock().map(|v| v[2].headers.clone()).unwrap_or_default();
        let lines: Vec<String> = seen.iter().map(|(n, v)| format!("{n}: {v}")).collect();
        assert_eq!(lines, ["Host: 1.2.3.4", "User-Agent: Foo", "Accept: */*", "X-A: 1"]);
        let d = s.take_downloads();
        assert_eq!(d.len(), 3);
        assert_eq!(d[0].saved_as.as_deref(), Some("/tmp/b.sh"));
        assert_eq!(d[1].saved_as, None);
        check_in(
            &mut s,
            "curl -f -o y http://1.2.3.4/nope",
            "",
            &format!(
                "{METER_HEAD}{ZERO}\r  0   335    0     0    0     0      0      0 --:--:-- --:--:-- --:--:--     0\n\
                 curl: (22) The requested URL returned error: 404\n"
            ),
            22,
        );
        check_in(
            &mut s,
            "curl -O http://1.2.3.4/",
            "",
            "curl: Remote file name has no length!\ncurl: (23) Failed writing received data to disk/application\n",
            23,
        );
        check_in(&mut s, "curl -s -d x=1 http://1.2.3.4/a/b.sh", "BODY", "", 0);
        let seen = f.seen.lock().map(|v| v.last().cloned()).ok().flatten();
        let req = seen.unwrap_or_else(|| FetchRequest::get(""));
        assert_eq!(req.method, "POST");
        assert_eq!(req.body, b"x=1");
        let lines: Vec<String> = req.headers.iter().map(|(n, v)| format!("{n}: {v}")).collect();
        assert_eq!(
            lines,
            [
                "Host: 1.2.3.4",
                "User-Agent: curl/7.88.1",
                "Accept: */*",
                "Content-Length: 3",
                "Content-Type: application/x-www-form-urlencoded"
            ]
        );
    }

    #[test]
    fn formats() {
        assert_eq!(max5(4), "    4");
        assert_eq!(max5(120_000), " 117k");
        assert_eq!(max5(12 * 1024 * 1024), "12.0M");
        assert_eq!(time2str(61), " 0:01:01");
    }
}

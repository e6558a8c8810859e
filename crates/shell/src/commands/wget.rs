//! `wget` as GNU Wget 1.21.3 on Debian 12 prints it to a non-terminal stderr: the `--DATE--  URL` header,
//! `Resolving`/`Connecting to` lines, the dot progress and the `saved [N/N]` line; the file really is fetched through
//! the session's [`Fetcher`](crate::net::Fetcher), written into the overlay and recorded as a download.

use std::time::Duration;

use super::{Command, Ctx};
use crate::fs::{Kind, WriteMode};
use crate::net::{self, FetchErrorKind, FetchRequest, Hop, Url};

/// The `wget` command.
pub struct Wget;

/// Wget's default `--max-redirect`.
const MAX_REDIRECTS: u32 = 20;

/// Most URLs one invocation fetches.
const MAX_URLS: usize = 16;

/// Bytes per progress dot, dots per group and per line (wget's `default` dot style).
const DOT_BYTES: u64 = 1024;
const DOTS_IN_LINE: u64 = 50;

/// Parsed options.
#[derive(Default)]
struct Opts {
    output: Option<String>,
    prefix: Option<String>,
    quiet: bool,
    no_verbose: bool,
    insecure: bool,
    user_agent: Option<String>,
    headers: Vec<(String, String)>,
    urls: Vec<String>,
}

impl Command for Wget {
    fn names(&self) -> &'static [&'static str] {
        &["wget", "/bin/wget", "/usr/bin/wget"]
    }

    fn run(&self, ctx: &mut Ctx, args: &[String], _stdin: &[u8]) -> i32 {
        let opts = match parse(args) {
            Ok(o) => o,
            Err(msg) => {
                ctx.err(format!(
                    "{msg}Usage: wget [OPTION]... [URL]...\n\nTry `wget --help' for more options.\n"
                ));
                return 2;
            }
        };
        if opts.urls.is_empty() {
            ctx.err("wget: missing URL\nUsage: wget [OPTION]... [URL]...\n\nTry `wget --help' for more options.\n");
            return 1;
        }
        if let Some(out) = opts.output.as_deref().filter(|o| *o != "-") {
            let s = &mut *ctx.session;
            if let Err(e) = s.fs.write(&s.cwd, out, b"", WriteMode::Truncate) {
                ctx.err(format!("{out}: {}\n", e.message()));
                return 1;
            }
        }
        let mut status = 0;
        for url in opts.urls.iter().take(MAX_URLS) {
            let s = get(ctx, &opts, url);
            if s != 0 && (status == 0 || s < status) {
                status = s;
            }
        }
        status
    }
}

/// Parses wget's options (short, bundled `-qO-`, and `--long[=value]`).
fn parse(args: &[String]) -> Result<Opts, String> {
    let mut o = Opts::default();
    let mut it = args.iter().skip(1);
    while let Some(arg) = it.next() {
        if let Some(long) = arg.strip_prefix("--") {
            if long.is_empty() {
                o.urls.extend(it.by_ref().cloned());
                break;
            }
            let (name, inline) = match long.split_once('=') {
                Some((n, v)) => (n, Some(v.to_owned())),
                None => (long, None),
            };
            let takes = matches!(
                name,
                "output-document"
                    | "directory-prefix"
                    | "user-agent"
                    | "header"
                    | "tries"
                    | "timeout"
                    | "read-timeout"
                    | "connect-timeout"
                    | "dns-timeout"
                    | "wait"
                    | "limit-rate"
                    | "referer"
                    | "max-redirect"
                    | "output-file"
                    | "append-output"
                    | "bind-address"
                    | "method"
                    | "body-data"
                    | "post-data"
                    | "http-user"
                    | "http-password"
                    | "user"
                    | "password"
            );
            let flag = matches!(
                name,
                "quiet"
                    | "no-verbose"
                    | "verbose"
                    | "no-check-certificate"
                    | "continue"
                    | "no-clobber"
                    | "no-cache"
                    | "no-dns-cache"
                    | "no-directories"
                    | "inet4-only"
                    | "inet6-only"
                    | "background"
                    | "timestamping"
                    | "no-parent"
                    | "server-response"
                    | "spider"
                    | "no-hsts"
                    | "no-http-keep-alive"
                    | "content-disposition"
                    | "trust-server-names"
                    | "no-proxy"
                    | "debug"
                    | "show-progress"
            );
            if !takes && !flag {
                return Err(format!("wget: unrecognized option '{arg}'\n"));
            }
            let value = if takes {
                match inline.or_else(|| it.next().cloned()) {
                    Some(v) => Some(v),
                    None => return Err(format!("wget: option '--{name}' requires an argument\n")),
                }
            } else {
                None
            };
            apply_long(&mut o, name, value);
            continue;
        }
        let Some(short) = arg.strip_prefix('-').filter(|s| !s.is_empty()) else {
            o.urls.push(arg.clone());
            continue;
        };
        let mut chars = short.char_indices();
        while let Some((i, c)) = chars.next() {
            match c {
                'q' => o.quiet = true,
                'v' => o.no_verbose = false,
                'c' | 'N' | '4' | '6' | 'b' | 'S' | 'x' | 'r' | 'k' | 'm' | 'p' | 'E' | 'K' | 'H' | 'L' | 'F' | 'i' => {
                }
                'O' | 'P' | 'U' | 't' | 'T' | 'w' | 'o' | 'a' | 'e' | 'l' | 'A' | 'R' | 'D' | 'I' | 'X' => {
                    let rest = &short[i + c.len_utf8()..];
                    let value = if rest.is_empty() {
                        match it.next() {
                            Some(v) => v.clone(),
                            None => return Err(format!("wget: option requires an argument -- '{c}'\n")),
                        }
                    } else {
                        rest.to_owned()
                    };
                    match c {
                        'O' => o.output = Some(value),
                        'P' => o.prefix = Some(value),
                        'U' => o.user_agent = Some(value),
                        _ => {}
                    }
                    break;
                }
                'n' => {
                    // -nv, -nc, -nd, -nH: one letter after the n.
                    match chars.next().map(|(_, c)| c) {
                        Some('v') => o.no_verbose = true,
                        Some('c' | 'd' | 'H' | 'p') => {}
                        _ => return Err("wget: invalid option -- 'n'\n".to_owned()),
                    }
                }
                _ => return Err(format!("wget: invalid option -- '{c}'\n")),
            }
        }
    }
    Ok(o)
}

/// Applies one long option.
fn apply_long(o: &mut Opts, name: &str, value: Option<String>) {
    match (name, value) {
        ("quiet", _) => o.quiet = true,
        ("no-verbose", _) => o.no_verbose = true,
        ("verbose", _) => o.no_verbose = false,
        ("no-check-certificate", _) => o.insecure = true,
        ("output-document", Some(v)) => o.output = Some(v),
        ("directory-prefix", Some(v)) => o.prefix = Some(v),
        ("user-agent", Some(v)) => o.user_agent = Some(v),
        ("header", Some(v)) => {
            if let Some((n, val)) = v.split_once(':') {
                o.headers.push((n.trim().to_owned(), val.trim().to_owned()));
            }
        }
        _ => {}
    }
}

/// Fetches one URL; returns wget's exit status for it.
fn get(ctx: &mut Ctx, o: &Opts, raw: &str) -> i32 {
    let verbose = !o.quiet && !o.no_verbose;
    let Some(url) = Url::parse(raw) else {
        if !o.quiet {
            let scheme = raw.split_once("://").map_or("", |(s, _)| s);
            ctx.err(format!("{raw}: Unsupported scheme ‘{scheme}’.\n"));
        }
        return 1;
    };
    if url.scheme != "http" && url.scheme != "https" && url.scheme != "ftp" {
        if !o.quiet {
            ctx.err(format!("{raw}: Unsupported scheme ‘{}’.\n", url.scheme));
        }
        return 1;
    }
    let canonical = url.canonical();
    let mut headers = vec![
        ("Host".to_owned(), url.host_header()),
        (
            "User-Agent".to_owned(),
            o.user_agent.clone().unwrap_or_else(|| "Wget/1.21.3".to_owned()),
        ),
        ("Accept".to_owned(), "*/*".to_owned()),
        ("Accept-Encoding".to_owned(), "identity".to_owned()),
        ("Connection".to_owned(), "Keep-Alive".to_owned()),
    ];
    headers.extend(o.headers.iter().cloned());
    let req = FetchRequest {
        headers,
        max_redirects: MAX_REDIRECTS,
        insecure: o.insecure,
        ..FetchRequest::get(&canonical)
    };
    let stamp = net::timestamp(ctx.session.now);
    let result = net::fetch(ctx.session, &req);
    let redirects = match &result {
        Ok(r) => &r.redirects,
        Err(e) => &e.redirects,
    };
    let mut log = String::new();
    for hop in redirects {
        connect_lines(&mut log, &stamp, hop);
        log.push_str(&format!(
            "HTTP request sent, awaiting response... {} {}\n",
            hop.status, hop.reason
        ));
        let loc = hop.header("location").unwrap_or("");
        log.push_str(&format!("Location: {loc} [following]\n"));
    }
    let resp = match result {
        Ok(r) => r,
        Err(e) => {
            let shown = e.url.clone();
            let eu = Url::parse(&shown);
            let host = eu.as_ref().map_or(String::new(), |u| u.host.clone());
            log.push_str(&format!("--{stamp}--  {shown}\n"));
            if eu.as_ref().is_some_and(|u| u.scheme == "ftp") {
                let file = eu
                    .as_ref()
                    .and_then(Url::file_name)
                    .unwrap_or_else(|| "index.html".to_owned());
                log.push_str(&format!("           => ‘{}’\n", o.output.clone().unwrap_or(file)));
            }
            let literal = eu.as_ref().is_some_and(Url::host_is_ip);
            let status = match e.kind {
                FetchErrorKind::Dns => {
                    let why = if net::offline(ctx.session) {
                        "Temporary failure in name resolution"
                    } else {
                        "Name or service not known"
                    };
                    log.push_str(&format!("Resolving {host} ({host})... failed: {why}.\n"));
                    if verbose {
                        ctx.err(&log);
                    }
                    if !o.quiet {
                        ctx.err(format!("wget: unable to resolve host address ‘{host}’\n"));
                    }
                    return 4;
                }
                FetchErrorKind::BadUrl => {
                    if !o.quiet {
                        ctx.err(format!("{shown}: Invalid URL.\n"));
                    }
                    return 1;
                }
                _ => e.kind.clone(),
            };
            if !literal {
                resolving(&mut log, &host, &e.addresses);
            }
            let target = match (literal, e.ip) {
                (true, _) | (false, None) => format!("{}:{}", host_for_connect(&host), e.port),
                (false, Some(ip)) => format!("{host} ({host})|{ip}|:{}", e.port),
            };
            log.push_str(&format!("Connecting to {target}... "));
            let code = match status {
                FetchErrorKind::Refused | FetchErrorKind::Policy => {
                    log.push_str("failed: Connection refused.\n");
                    4
                }
                FetchErrorKind::ConnectTimeout => {
                    log.push_str("failed: Connection timed out.\n");
                    4
                }
                FetchErrorKind::Tls => {
                    log.push_str("connected.\nUnable to establish SSL connection.\n");
                    5
                }
                FetchErrorKind::TooManyRedirects => {
                    log.push_str("connected.\n20 redirections exceeded.\n");
                    8
                }
                FetchErrorKind::TooLarge | FetchErrorKind::ReadTimeout => {
                    log.push_str("connected.\nHTTP request sent, awaiting response... ");
                    match &e.partial {
                        Some(h) => {
                            log.push_str(&format!("{} {}\n", h.status, h.reason));
                            log.push_str("Read error (Connection reset by peer) in headers.\n");
                        }
                        None => log.push_str("Read error (Connection timed out) in headers.\n"),
                    }
                    4
                }
                _ => {
                    log.push_str("connected.\nHTTP request sent, awaiting response... No data received.\n");
                    4
                }
            };
            if verbose {
                ctx.err(log);
            } else if o.no_verbose && !o.quiet {
                // -nv keeps only the failure itself.
                let tail = log.rsplit("... ").next().unwrap_or("").to_owned();
                ctx.err(tail);
            }
            return code;
        }
    };
    connect_lines(&mut log, &stamp, &resp.last);
    let last = &resp.last;
    log.push_str(&format!(
        "HTTP request sent, awaiting response... {} {}\n",
        last.status, last.reason
    ));
    if last.status >= 400 || (300..400).contains(&last.status) {
        log.push_str(&format!("{stamp} ERROR {}: {}.\n\n", last.status, last.reason));
        if verbose {
            ctx.err(log);
        } else if o.no_verbose && !o.quiet {
            ctx.err(format!(
                "{}:\n{stamp} ERROR {}: {}.\n",
                last.url, last.status, last.reason
            ));
        }
        return 8;
    }
    let declared = last.header("content-length").and_then(|v| v.trim().parse::<u64>().ok());
    let mut length = match declared {
        Some(n) if n >= 1024 => format!("Length: {n} ({})", human(n)),
        Some(n) => format!("Length: {n}"),
        None => "Length: unspecified".to_owned(),
    };
    if let Some(t) = last.header("content-type") {
        length.push_str(&format!(" [{t}]"));
    }
    log.push_str(&length);
    log.push('\n');
    let size = resp.body.len() as u64;
    let to_stdout = o.output.as_deref() == Some("-");
    let name = match &o.output {
        Some(n) => n.clone(),
        None => {
            let base = url.file_name().unwrap_or_else(|| "index.html".to_owned());
            let joined = match &o.prefix {
                Some(p) => format!("{}/{base}", p.trim_end_matches('/')),
                None => base,
            };
            unique(ctx, &joined)
        }
    };
    if o.output.is_none() {
        if let Some(p) = &o.prefix {
            let _ = mkdir_p(ctx, p);
        }
    }
    log.push_str(&format!("Saving to: ‘{}’\n", if to_stdout { "STDOUT" } else { &name }));
    let written = if to_stdout {
        ctx.out(&resp.body);
        net::record(ctx.session, "wget", &canonical, None, &resp.body, last.status);
        Ok(())
    } else {
        net::save(ctx.session, "wget", &canonical, &name, &resp.body, last.status).map(|_| ())
    };
    if let Err(e) = written {
        log.push_str(&format!(
            "\n{name}: {}\n\nCannot write to ‘{name}’ ({}).\n",
            e.message(),
            e.message()
        ));
        if !o.quiet {
            ctx.err(log);
        }
        return 3;
    }
    log.push_str(&dots(size, declared, resp.elapsed));
    let rate = retr_rate(size, resp.elapsed);
    let counts = match declared {
        Some(n) => format!("[{size}/{n}]"),
        None => format!("[{size}]"),
    };
    if to_stdout {
        log.push_str(&format!("{stamp} ({rate}) - written to stdout {counts}\n\n"));
    } else {
        log.push_str(&format!("{stamp} ({rate}) - ‘{name}’ saved {counts}\n\n"));
    }
    if verbose {
        ctx.err(log);
    } else if o.no_verbose && !o.quiet {
        ctx.err(format!("{stamp} URL:{} {counts} -> \"{name}\" [1]\n", last.url));
    }
    0
}

/// `busybox wget`: busybox 1.35's applet, with its own output (`Connecting to h:p (ip:p)`, `saving to 'x'`, one
/// progress line, `'x' saved`), its headers (`User-Agent: Wget`, `Connection: close`) and no `name.1` renaming.
/// For the `busybox` command to call for its `wget` applet; `args[0]` is the applet name.
pub(crate) fn busybox(ctx: &mut Ctx, args: &[String], _stdin: &[u8]) -> i32 {
    let mut quiet = false;
    let mut output: Option<String> = None;
    let mut prefix: Option<String> = None;
    let mut agent = "Wget".to_owned();
    let mut urls = Vec::new();
    let mut it = args.iter().skip(1).take(64);
    while let Some(a) = it.next() {
        match a.as_str() {
            "-q" | "--quiet" => quiet = true,
            "-c" | "--continue" | "-s" | "--spider" | "--no-check-certificate" => {}
            "-O" | "-P" | "-U" | "-T" | "-Y" | "--header" | "--post-data" => {
                let Some(v) = it.next() else {
                    ctx.err(format!(
                        "wget: option requires an argument -- '{}'\n",
                        a.trim_start_matches('-')
                    ));
                    return 1;
                };
                match a.as_str() {
                    "-O" => output = Some(v.clone()),
                    "-P" => prefix = Some(v.clone()),
                    "-U" => agent = v.clone(),
                    _ => {}
                }
            }
            _ if a.starts_with("-O") && a.len() > 2 => output = a.get(2..).map(str::to_owned),
            _ if a.starts_with("-q") && a.get(2..3) == Some("O") => {
                quiet = true;
                output = a
                    .get(3..)
                    .filter(|v| !v.is_empty())
                    .map(str::to_owned)
                    .or_else(|| it.next().cloned());
            }
            _ => urls.push(a.clone()),
        }
    }
    let Some(raw) = urls.first() else {
        ctx.err("BusyBox v1.35.0 (Debian 1:1.35.0-4+deb12u1+b1) multi-call binary.\n\nUsage: wget [-cqS] [--spider] [-O FILE] [-o LOGFILE] [--header STR]\n\t[--post-data STR | --post-file FILE] [-Y on/off]\n\t[--no-check-certificate] [-P DIR] [-U AGENT] [-T SEC] URL...\n");
        return 1;
    };
    let Some(url) = Url::parse(raw).filter(|u| u.scheme == "http" || u.scheme == "https") else {
        ctx.err(format!("wget: not an http or ftp url: {raw}\n"));
        return 1;
    };
    let req = FetchRequest {
        headers: vec![
            ("Host".to_owned(), url.host_header()),
            ("User-Agent".to_owned(), agent),
            ("Connection".to_owned(), "close".to_owned()),
        ],
        max_redirects: MAX_REDIRECTS,
        insecure: true,
        ..FetchRequest::get(&url.canonical())
    };
    let result = net::fetch(ctx.session, &req);
    let connecting = |ctx: &mut Ctx, hop_url: &str, ip: std::net::IpAddr, port: u16| {
        if !quiet {
            let host = Url::parse(hop_url).map_or(String::new(), |u| host_for_connect(&u.host));
            ctx.err(format!(
                "Connecting to {host}:{port} ({}:{port})\n",
                host_for_connect(&ip.to_string())
            ));
        }
    };
    let resp = match result {
        Ok(r) => r,
        Err(e) => {
            for h in &e.redirects {
                connecting(ctx, &h.url, h.ip, h.port);
            }
            let host = Url::parse(&e.url).map_or(String::new(), |u| u.host);
            match e.kind {
                FetchErrorKind::Dns => ctx.err(format!("wget: bad address '{host}'\n")),
                FetchErrorKind::Refused | FetchErrorKind::Policy => {
                    let ip = e.ip.map_or(host, |ip| ip.to_string());
                    ctx.err(format!(
                        "wget: can't connect to remote host ({ip}): Connection refused\n"
                    ));
                }
                FetchErrorKind::ConnectTimeout => {
                    let ip = e.ip.map_or(host, |ip| ip.to_string());
                    ctx.err(format!(
                        "wget: can't connect to remote host ({ip}): Connection timed out\n"
                    ));
                }
                _ => {
                    if let Some(ip) = e.ip {
                        connecting(ctx, &e.url, ip, e.port);
                    }
                    ctx.err("wget: download timed out\n");
                }
            }
            return 1;
        }
    };
    for h in resp.redirects.iter().chain(std::iter::once(&resp.last)) {
        connecting(ctx, &h.url, h.ip, h.port);
    }
    let last = &resp.last;
    if !(200..300).contains(&last.status) {
        ctx.err(format!(
            "wget: server returned error: HTTP/1.1 {} {}\n",
            last.status, last.reason
        ));
        return 1;
    }
    let to_stdout = output.as_deref() == Some("-");
    let name = match output {
        Some(n) => n,
        None => {
            let base = url.file_name().unwrap_or_else(|| "index.html".to_owned());
            match &prefix {
                Some(p) => format!("{}/{base}", p.trim_end_matches('/')),
                None => base,
            }
        }
    };
    let url_text = url.canonical();
    if to_stdout {
        if !quiet {
            ctx.err("writing to stdout\n");
        }
        ctx.out(&resp.body);
        net::record(ctx.session, "wget", &url_text, None, &resp.body, last.status);
    } else {
        let exists = ctx.session.fs.stat(&ctx.session.cwd, &name).is_ok();
        if exists && args.iter().all(|a| a != "-O" && !a.starts_with("-O")) {
            ctx.err(format!("wget: can't open '{name}': File exists\n"));
            return 1;
        }
        if !quiet {
            ctx.err(format!("saving to '{name}'\n"));
        }
        if let Err(e) = net::save(ctx.session, "wget", &url_text, &name, &resp.body, last.status) {
            ctx.err(format!("wget: can't open '{name}': {}\n", e.message()));
            return 1;
        }
    }
    if !quiet {
        let shown = if to_stdout {
            "-".to_owned()
        } else {
            name.rsplit('/').next().unwrap_or("").to_owned()
        };
        let mut size = resp.body.len() as u64;
        let mut unit = 0;
        while size >= 100_000 && unit < 8 {
            size >>= 10;
            unit += 1;
        }
        let unit = " kMGTPEZY".chars().nth(unit).unwrap_or(' ');
        let secs = resp.elapsed.as_secs();
        let short: String = shown.chars().take(20).collect();
        ctx.err(format!(
            "{short:<20} 100% |{}|{size:>6}{unit} {}:{:02}:{:02} ETA\n",
            "*".repeat(32),
            secs / 3600,
            secs / 60 % 60,
            secs % 60
        ));
        if to_stdout {
            ctx.err("written to stdout\n");
        } else {
            ctx.err(format!("'{name}' saved\n"));
        }
    }
    0
}

/// The `--DATE--  URL`, `Resolving` and `Connecting to` lines of one exchange.
fn connect_lines(log: &mut String, stamp: &str, hop: &Hop) {
    log.push_str(&format!("--{stamp}--  {}\n", hop.url));
    let url = Url::parse(&hop.url);
    let host = url.as_ref().map_or(String::new(), |u| u.host.clone());
    if url.as_ref().is_some_and(Url::host_is_ip) {
        log.push_str(&format!(
            "Connecting to {}:{}... connected.\n",
            host_for_connect(&host),
            hop.port
        ));
    } else {
        resolving(log, &host, &hop.addresses);
        log.push_str(&format!(
            "Connecting to {host} ({host})|{}|:{}... connected.\n",
            hop.ip, hop.port
        ));
    }
}

/// `Resolving host (host)... a, b`.
fn resolving(log: &mut String, host: &str, addresses: &[std::net::IpAddr]) {
    let list: Vec<String> = addresses.iter().map(ToString::to_string).collect();
    log.push_str(&format!("Resolving {host} ({host})... {}\n", list.join(", ")));
}

/// An IPv6 literal in brackets, as wget prints `Connecting to [::1]:80`.
fn host_for_connect(host: &str) -> String {
    if host.contains(':') {
        format!("[{host}]")
    } else {
        host.to_owned()
    }
}

/// `name`, or `name.1`, `name.2`… for the first that does not exist yet.
fn unique(ctx: &Ctx, name: &str) -> String {
    let s = &*ctx.session;
    if s.fs.stat(&s.cwd, name).is_err() {
        return name.to_owned();
    }
    (1..1000)
        .map(|i| format!("{name}.{i}"))
        .find(|n| s.fs.stat(&s.cwd, n).is_err())
        .unwrap_or_else(|| format!("{name}.1000"))
}

/// Creates `dir` and its parents, as `-P` does.
fn mkdir_p(ctx: &mut Ctx, dir: &str) -> Result<(), crate::fs::Errno> {
    let s = &mut *ctx.session;
    let mut path = String::new();
    if dir.starts_with('/') {
        path.push('/');
    }
    for part in dir.split('/').filter(|p| !p.is_empty()).take(64) {
        path.push_str(part);
        match s.fs.stat(&s.cwd, &path) {
            Ok(st) if st.kind == Kind::Dir => {}
            _ => s.fs.mkdir(&s.cwd, &path, 0o755)?,
        }
        path.push('/');
    }
    Ok(())
}

/// wget's `human_readable(n, 10, 1)`: `4.9K`, `117K`, `1.2M`.
fn human(n: u64) -> String {
    const POWERS: [char; 6] = ['K', 'M', 'G', 'T', 'P', 'E'];
    let mut n = n;
    for (i, p) in POWERS.iter().enumerate() {
        if n / 1024 < 1024 || i == POWERS.len() - 1 {
            let val = n as f64 / 1024.0;
            return if val < 10.0 {
                format!("{val:.1}{p}")
            } else {
                format!("{val:.0}{p}")
            };
        }
        n /= 1024;
    }
    n.to_string()
}

/// wget's `calc_rate`: bytes per second scaled to 1024 units, and the unit index.
fn calc_rate(bytes: u64, secs: f64) -> (f64, usize) {
    let secs = if secs <= 0.0 { 0.000_000_5 } else { secs };
    let mut rate = bytes as f64 / secs;
    let mut units = 0;
    while rate >= 1024.0 && units < 3 {
        rate /= 1024.0;
        units += 1;
    }
    (rate, units)
}

/// `%.*f` with wget's precision rule: 2 decimals below 9.995, 1 below 99.95, none above.
fn precise(rate: f64) -> String {
    if rate >= 99.95 {
        format!("{rate:.0}")
    } else if rate >= 9.995 {
        format!("{rate:.1}")
    } else {
        format!("{rate:.2}")
    }
}

/// wget's `retr_rate`: `1.43 MB/s`.
fn retr_rate(bytes: u64, elapsed: Duration) -> String {
    const NAMES: [&str; 4] = ["B/s", "KB/s", "MB/s", "GB/s"];
    let (rate, units) = calc_rate(bytes, elapsed.as_secs_f64());
    format!("{} {}", precise(rate), NAMES.get(units).unwrap_or(&"GB/s"))
}

/// wget's `print_decimal` for the `=0.01s` total time.
fn decimal(x: f64) -> String {
    if x >= 9.95 {
        format!("{x:.0}")
    } else if x >= 0.95 {
        format!("{x:.1}")
    } else if x >= 0.001 {
        // `%.1g`: one significant digit.
        let exp = x.log10().floor() as i32;
        let digits = (-exp).max(0) as usize;
        let s = format!("{:.*}", digits, x);
        if s.starts_with("1.") || s == "1" {
            "1".to_owned()
        } else {
            s
        }
    } else if x >= 0.0005 {
        format!("{x:.3}")
    } else {
        "0".to_owned()
    }
}

/// The dot progress for `size` bytes (of `total` declared) received in `elapsed`, with its leading blank line and
/// trailing blank line, as wget's `dot` progress writes it to a non-terminal.
fn dots(size: u64, total: Option<u64>, elapsed: Duration) -> String {
    const NAMES: [char; 4] = [' ', 'K', 'M', 'G'];
    let secs = elapsed.as_secs_f64();
    let row_bytes = DOT_BYTES * DOTS_IN_LINE;
    let total = total.filter(|&t| t > 0);
    let mut out = String::new();
    let full_dots = size / DOT_BYTES;
    let mut rows = 0u64;
    let mut dots = 0u64;
    for _ in 0..full_dots {
        if dots == 0 {
            out.push_str(&format!("\n{:>6}K", rows * row_bytes / 1024));
        }
        if dots.is_multiple_of(10) {
            out.push(' ');
        }
        out.push('.');
        dots += 1;
        if dots >= DOTS_IN_LINE {
            rows += 1;
            dots = 0;
            let shown = rows * row_bytes;
            if let Some(t) = total {
                out.push_str(&format!("{:>3}%", shown * 100 / t));
            }
            let row_secs = secs * row_bytes as f64 / size.max(1) as f64;
            let (rate, u) = calc_rate(row_bytes, row_secs);
            out.push_str(&format!(" {:>4}{}", precise(rate), NAMES.get(u).unwrap_or(&'G')));
            if let Some(t) = total {
                let eta = secs * t.saturating_sub(shown) as f64 / shown.max(1) as f64;
                out.push_str(&format!(" {}", eta_short((eta + 0.5) as u64)));
            }
        }
    }
    if dots == 0 {
        out.push_str(&format!("\n{:>6}K", rows * row_bytes / 1024));
    }
    for i in dots..DOTS_IN_LINE {
        if i.is_multiple_of(10) {
            out.push(' ');
        }
        out.push(' ');
    }
    if let Some(t) = total {
        out.push_str(&format!("{:>3}%", size * 100 / t));
    }
    let last_row = size - rows * row_bytes;
    let row_secs = secs * last_row as f64 / size.max(1) as f64;
    let (rate, u) = calc_rate(last_row, row_secs);
    out.push_str(&format!(" {:>4}{}", precise(rate), NAMES.get(u).unwrap_or(&'G')));
    if secs >= 10.0 {
        out.push_str(&format!("={}", eta_short((secs + 0.5) as u64)));
    } else {
        out.push_str(&format!("={}s", decimal(secs)));
    }
    out.push_str("\n\n");
    out
}

/// wget's condensed `eta_to_human_short`: `5s`, `1m30s`, `2h5m`, `3d4h`.
fn eta_short(secs: u64) -> String {
    if secs < 100 {
        format!("{secs}s")
    } else if secs < 100 * 60 {
        format!("{}m{}s", secs / 60, secs % 60)
    } else if secs < 48 * 3600 {
        format!("{}h{}m", secs / 3600, secs / 60 % 60)
    } else if secs < 100 * 86_400 {
        format!("{}d{}h", secs / 86_400, secs / 3600 % 24)
    } else {
        format!("{}d", secs / 86_400)
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::*;
    use crate::commands::testing::{check_in, session};
    use crate::net::testing::{error, hop, ok, FakeFetcher};
    use crate::net::{FetchErrorKind, FetchResponse};

    const STAMP: &str = "2025-06-15 15:06:40";

    #[test]
    fn without_fetcher_dns_fails() {
        let mut s = session();
        check_in(
            &mut s,
            "wget http://x/bins.sh",
            "",
            &format!(
                "--{STAMP}--  http://x/bins.sh\nResolving x (x)... failed: Temporary failure in name resolution.\n\
                 wget: unable to resolve host address ‘x’\n"
            ),
            4,
        );
        check_in(&mut s, "wget -q http://x/bins.sh", "", "", 4);
        check_in(
            &mut s,
            "wget http://1.2.3.4/a",
            "",
            &format!("--{STAMP}--  http://1.2.3.4/a\nConnecting to 1.2.3.4:80... failed: Connection refused.\n"),
            4,
        );
        check_in(
            &mut s,
            "wget",
            "",
            "wget: missing URL\nUsage: wget [OPTION]... [URL]...\n\nTry `wget --help' for more options.\n",
            1,
        );
        assert!(s.take_downloads().is_empty());
    }

    fn fetcher() -> Arc<FakeFetcher> {
        Arc::new(FakeFetcher {
            answers: vec![
                (
                    "http://127.0.0.1:18080/bins.sh".to_owned(),
                    Ok(ok(
                        "http://127.0.0.1:18080/bins.sh",
                        "127.0.0.1",
                        18080,
                        &[("Content-Length", "8"), ("Content-Type", "text/x-sh")],
                        b"echo hi\n",
                    )),
                ),
                (
                    "http://localhost:18080/big.bin".to_owned(),
                    Ok(FetchResponse {
                        elapsed: Duration::from_millis(500),
                        ..ok(
                            "http://localhost:18080/big.bin",
                            "127.0.0.1",
                            18080,
                            &[
                                ("Content-Length", "120000"),
                                ("Content-Type", "application/octet-stream"),
                            ],
                            &[0u8; 120_000],
                        )
                    }),
                ),
                (
                    "http://h.example/r".to_owned(),
                    Ok(FetchResponse {
                        redirects: vec![hop(
                            "http://h.example/r",
                            "203.0.113.9",
                            80,
                            302,
                            "Found",
                            &[("Location", "http://h.example/final.bin")],
                        )],
                        ..ok("http://h.example/final.bin", "203.0.113.9", 80, &[], b"abcdef")
                    }),
                ),
                (
                    "http://h.example/nope".to_owned(),
                    Ok(FetchResponse {
                        last: hop("http://h.example/nope", "203.0.113.9", 80, 404, "Not Found", &[]),
                        ..ok("http://h.example/nope", "203.0.113.9", 80, &[], b"")
                    }),
                ),
                (
                    "http://10.0.0.1/x".to_owned(),
                    Err(FetchError {
                        ip: Some(
                            "10.0.0.1"
                                .parse()
                                .unwrap_or(std::net::IpAddr::V4(std::net::Ipv4Addr::LOCALHOST)),
                        ),
                        ..error(FetchErrorKind::Policy, "http://10.0.0.1/x")
                    }),
                ),
            ],
            ..FakeFetcher::default()
        })
    }

    use crate::net::FetchError;

    #[test]
    fn saves_with_progress_and_dedupes() {
        let mut s = session();
        let f = fetcher();
        s.set_fetcher(f.clone());
        let expect = |name: &str| {
            format!(
                "--{STAMP}--  http://127.0.0.1:18080/bins.sh\nConnecting to 127.0.0.1:18080... connected.\n\
                 HTTP request sent, awaiting response... 200 OK\nLength: 8 [text/x-sh]\nSaving to: ‘{name}’\n\n\
                 \x20    0K{}100%  800 =0.01s\n\n{STAMP} (800 B/s) - ‘{name}’ saved [8/8]\n\n",
                " ".repeat(55)
            )
        };
        check_in(
            &mut s,
            "cd /tmp; wget http://127.0.0.1:18080/bins.sh",
            "",
            &expect("bins.sh"),
            0,
        );
        check_in(
            &mut s,
            "wget http://127.0.0.1:18080/bins.sh",
            "",
            &expect("bins.sh.1"),
            0,
        );
        check_in(&mut s, "cat bins.sh.1", "echo hi\n", "", 0);
        let d = s.take_downloads();
        assert_eq!(d.len(), 2);
        assert_eq!(d[0].saved_as.as_deref(), Some("/tmp/bins.sh"));
        assert_eq!(d[1].saved_as.as_deref(), Some("/tmp/bins.sh.1"));
        assert_eq!(&*d[0].body, b"echo hi\n");
        assert_eq!((d[0].tool.as_str(), d[0].status), ("wget", 200));
        let seen = f.seen.lock().map(|v| v[0].headers.clone()).unwrap_or_default();
        let names: Vec<String> = seen.iter().map(|(n, v)| format!("{n}: {v}")).collect();
        assert_eq!(
            names,
            [
                "Host: 127.0.0.1:18080",
                "User-Agent: Wget/1.21.3",
                "Accept: */*",
                "Accept-Encoding: identity",
                "Connection: Keep-Alive"
            ]
        );
        check_in(&mut s, "wget -qO- http://127.0.0.1:18080/bins.sh", "echo hi\n", "", 0);
        check_in(
            &mut s,
            "wget -q -P /tmp/d http://127.0.0.1:18080/bins.sh; cat /tmp/d/bins.sh",
            "echo hi\n",
            "",
            0,
        );
    }

    #[test]
    fn big_file_dots() {
        let mut s = session();
        s.set_fetcher(fetcher());
        let out = s.run_line("wget http://localhost:18080/big.bin");
        let err = String::from_utf8_lossy(&out.stderr).into_owned();
        let want = format!(
            "--{STAMP}--  http://localhost:18080/big.bin\nResolving localhost (localhost)... 127.0.0.1\n\
             Connecting to localhost (localhost)|127.0.0.1|:18080... connected.\n\
             HTTP request sent, awaiting response... 200 OK\n\
             Length: 120000 (117K) [application/octet-stream]\nSaving to: ‘big.bin’\n\n\
             \x20    0K .......... .......... .......... .......... .......... 42%  234K 1s\n\
             \x20   50K .......... .......... .......... .......... .......... 85%  234K 0s\n\
             \x20  100K .......... .......                                    100%  234K=0.5s\n\n\
             {STAMP} (234 KB/s) - ‘big.bin’ saved [120000/120000]\n\n"
        );
        assert_eq!(err, want);
    }

    #[test]
    fn redirects_errors_and_policy() {
        let mut s = session();
        s.set_fetcher(fetcher());
        check_in(
            &mut s,
            "wget -O out http://h.example/r",
            "",
            &format!(
                "--{STAMP}--  http://h.example/r\nResolving h.example (h.example)... 203.0.113.9\n\
                 Connecting to h.example (h.example)|203.0.113.9|:80... connected.\n\
                 HTTP request sent, awaiting response... 302 Found\n\
                 Location: http://h.example/final.bin [following]\n\
                 --{STAMP}--  http://h.example/final.bin\nResolving h.example (h.example)... 203.0.113.9\n\
                 Connecting to h.example (h.example)|203.0.113.9|:80... connected.\n\
                 HTTP request sent, awaiting response... 200 OK\nLength: unspecified\nSaving to: ‘out’\n\n\
                 \x20    0K{}  600 =0.01s\n\n{STAMP} (600 B/s) - ‘out’ saved [6]\n\n",
                " ".repeat(55)
            ),
            0,
        );
        check_in(
            &mut s,
            "wget http://h.example/nope",
            "",
            &format!(
                "--{STAMP}--  http://h.example/nope\nResolving h.example (h.example)... 203.0.113.9\n\
                 Connecting to h.example (h.example)|203.0.113.9|:80... connected.\n\
                 HTTP request sent, awaiting response... 404 Not Found\n{STAMP} ERROR 404: Not Found.\n\n"
            ),
            8,
        );
        check_in(
            &mut s,
            "wget http://10.0.0.1/x",
            "",
            &format!("--{STAMP}--  http://10.0.0.1/x\nConnecting to 10.0.0.1:80... failed: Connection refused.\n"),
            4,
        );
        check_in(
            &mut s,
            "wget --bogus x",
            "",
            "wget: unrecognized option '--bogus'\nUsage: wget [OPTION]... [URL]...\n\nTry `wget --help' for more options.\n",
            2,
        );
    }

    #[test]
    fn no_verbose_output_file_and_ftp() {
        let mut s = session();
        s.set_fetcher(fetcher());
        check_in(
            &mut s,
            "cd /tmp; wget -nv http://127.0.0.1:18080/bins.sh",
            "",
            &format!("{STAMP} URL:http://127.0.0.1:18080/bins.sh [8/8] -> \"bins.sh\" [1]\n"),
            0,
        );
        check_in(
            &mut s,
            "wget -nv http://h.example/nope",
            "",
            &format!("http://h.example/nope:\n{STAMP} ERROR 404: Not Found.\n"),
            8,
        );
        check_in(
            &mut s,
            "wget -nv http://10.0.0.1/x",
            "",
            "failed: Connection refused.\n",
            4,
        );
        check_in(
            &mut s,
            "wget -O /nonexist/x http://127.0.0.1:18080/bins.sh",
            "",
            "/nonexist/x: No such file or directory\n",
            1,
        );
        check_in(
            &mut s,
            "wget gopher://x/",
            "",
            "gopher://x/: Unsupported scheme ‘gopher’.\n",
            1,
        );
        let mut offline = session();
        check_in(
            &mut offline,
            "wget ftp://1.2.3.4/x",
            "",
            &format!(
                "--{STAMP}--  ftp://1.2.3.4/x\n           => ‘x’\nConnecting to 1.2.3.4:21... failed: Connection refused.\n"
            ),
            4,
        );
    }

    #[test]
    fn busybox_applet() {
        let mut s = session();
        let f = fetcher();
        s.set_fetcher(f.clone());
        s.run_line("cd /tmp");
        let mut ctx = crate::commands::Ctx {
            session: &mut s,
            stdout: Vec::new(),
            stderr: Vec::new(),
        };
        let argv = |line: &str| line.split(' ').map(str::to_owned).collect::<Vec<_>>();
        let status = busybox(&mut ctx, &argv("wget http://127.0.0.1:18080/bins.sh"), b"");
        assert_eq!(status, 0);
        assert_eq!(
            String::from_utf8_lossy(&ctx.stderr),
            "Connecting to 127.0.0.1:18080 (127.0.0.1:18080)\nsaving to 'bins.sh'\n\
             bins.sh              100% |********************************|     8  0:00:00 ETA\n'bins.sh' saved\n"
        );
        ctx.stderr.clear();
        assert_eq!(busybox(&mut ctx, &argv("wget http://127.0.0.1:18080/bins.sh"), b""), 1);
        assert_eq!(
            String::from_utf8_lossy(&ctx.stderr),
            "Connecting to 127.0.0.1:18080 (127.0.0.1:18080)\nwget: can't open 'bins.sh': File exists\n"
        );
        ctx.stderr.clear();
        assert_eq!(
            busybox(&mut ctx, &argv("wget -qO- http://127.0.0.1:18080/bins.sh"), b""),
            0
        );
        assert_eq!(
            (ctx.stdout.as_slice(), ctx.stderr.as_slice()),
            (&b"echo hi\n"[..], &b""[..])
        );
        ctx.stderr.clear();
        assert_eq!(busybox(&mut ctx, &argv("wget http://10.0.0.1/x"), b""), 1);
        assert_eq!(
            String::from_utf8_lossy(&ctx.stderr),
            "wget: can't connect to remote host (10.0.0.1): Connection refused\n"
        );
        ctx.stderr.clear();
        assert_eq!(busybox(&mut ctx, &argv("wget http://nowhere/x"), b""), 1);
        assert_eq!(String::from_utf8_lossy(&ctx.stderr), "wget: bad address 'nowhere'\n");
        let seen = f.seen.lock().map(|v| v[0].headers.clone()).unwrap_or_default();
        assert_eq!(seen.get(1).map(|h| h.1.as_str()), Some("Wget"));
        assert_eq!(seen.get(2).map(|h| h.1.as_str()), Some("close"));
    }

    #[test]
    fn helpers() {
        assert_eq!(human(5000), "4.9K");
        assert_eq!(human(120_000), "117K");
        assert_eq!(retr_rate(8, Duration::from_micros(5600)), "1.40 KB/s");
        assert_eq!(decimal(0.01), "0.01");
        assert_eq!(decimal(0.5), "0.5");
        assert_eq!(eta_short(130), "2m10s");
    }
}

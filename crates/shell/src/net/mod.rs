//! The network seam of the fake machine: the request `wget`, `curl`, `tftp` and `ftpget` hand to a [`Fetcher`] and
//! what comes back, plus the [`Download`] record the sensor drains after each line.
//!
//! Architecture invariant: this crate performs no I/O; the sensor supplies the real, policy-checked [`Fetcher`]
//! through [`Session::set_fetcher`](crate::exec::Session::set_fetcher). Without one, the tools behave as on a
//! machine whose DNS does not answer.

use std::net::IpAddr;
use std::sync::Arc;
use std::time::Duration;

use crate::exec::Session;
use crate::fs::{Errno, WriteMode};

/// Default cap on one fetched body, in bytes (10 MiB).
pub const DEFAULT_MAX_BYTES: u64 = 10 * 1024 * 1024;

/// Default total time one fetch may take.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(30);

/// Most downloads a session keeps undrained; further ones are still written to the overlay but not recorded.
pub const MAX_PENDING_DOWNLOADS: usize = 64;

/// Performs a network fetch on the tools' behalf; blocking (the sensor runs shell lines on a blocking thread).
pub trait Fetcher: Send + Sync {
    /// Fetches `req.url`, following at most `req.max_redirects` redirects.
    // The error carries the redirect trail and the response head the tools print; failures are rare.
    #[allow(clippy::result_large_err)]
    fn fetch(&self, req: &FetchRequest) -> Result<FetchResponse, FetchError>;
}

/// One fetch as the emulated tool would perform it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FetchRequest {
    /// `http://`, `https://` or `tftp://` URL.
    pub url: String,
    /// HTTP method (`GET`, `POST`, …); ignored for TFTP.
    pub method: String,
    /// Request headers after the request line, in the exact order the tool sends them (`Host` included).
    pub headers: Vec<(String, String)>,
    /// Request body (`curl -d`).
    pub body: Vec<u8>,
    /// Largest body accepted, in bytes.
    pub max_bytes: u64,
    /// Total time allowed.
    pub timeout: Duration,
    /// Redirects to follow (0: return the 3xx as is).
    pub max_redirects: u32,
    /// Accept any TLS certificate (`--no-check-certificate`, `-k`).
    pub insecure: bool,
}

impl FetchRequest {
    /// A `GET` of `url` with the default caps and no headers.
    pub fn get(url: &str) -> FetchRequest {
        FetchRequest {
            url: url.to_owned(),
            method: "GET".to_owned(),
            headers: Vec::new(),
            body: Vec::new(),
            max_bytes: DEFAULT_MAX_BYTES,
            timeout: DEFAULT_TIMEOUT,
            max_redirects: 0,
            insecure: false,
        }
    }
}

/// One HTTP exchange along the way (a redirect, or the final answer), as `wget` prints it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Hop {
    /// The URL requested.
    pub url: String,
    /// Every address the host resolved to (empty for an IP literal).
    pub addresses: Vec<IpAddr>,
    /// The address connected to.
    pub ip: IpAddr,
    /// The port connected to.
    pub port: u16,
    /// Status code.
    pub status: u16,
    /// Reason phrase as the server sent it.
    pub reason: String,
    /// Response headers in order.
    pub headers: Vec<(String, String)>,
}

impl Hop {
    /// The first header named `name` (case-insensitive).
    pub fn header(&self, name: &str) -> Option<&str> {
        header(&self.headers, name)
    }
}

/// What a successful fetch returned.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FetchResponse {
    /// The redirects followed, oldest first.
    pub redirects: Vec<Hop>,
    /// The final exchange (its `url` is the final URL after redirects).
    pub last: Hop,
    /// The body, at most `max_bytes`.
    pub body: Vec<u8>,
    /// How long the transfer took, for the tools' rate figures.
    pub elapsed: Duration,
}

/// Why a fetch failed; `redirects` lists the exchanges completed before it, so tools can print them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FetchError {
    /// What went wrong.
    pub kind: FetchErrorKind,
    /// The URL being fetched when it failed.
    pub url: String,
    /// Addresses the host resolved to (empty on DNS failure or an IP literal).
    pub addresses: Vec<IpAddr>,
    /// The address tried, when one was.
    pub ip: Option<IpAddr>,
    /// The port tried.
    pub port: u16,
    /// Redirects followed before the failure.
    pub redirects: Vec<Hop>,
    /// The response head, when the failure came after it (too large, read timeout).
    pub partial: Option<Hop>,
}

/// The failure classes the tools print differently.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FetchErrorKind {
    /// The name did not resolve.
    Dns,
    /// The peer refused the connection.
    Refused,
    /// The sensor's policy refused the address; tools print it exactly as [`FetchErrorKind::Refused`].
    Policy,
    /// Connecting took too long.
    ConnectTimeout,
    /// Reading the response took too long.
    ReadTimeout,
    /// The body exceeded `max_bytes`.
    TooLarge,
    /// The TLS handshake failed (bad certificate without `insecure`, or a protocol error).
    Tls,
    /// Too many redirects.
    TooManyRedirects,
    /// The URL was not understood (scheme, host, port).
    BadUrl,
    /// The server spoke something that is not HTTP (or TFTP).
    Protocol,
    /// A TFTP ERROR packet: code and message.
    Tftp(u16, String),
}

/// One file fetched by a tool during the session, for the sensor to store and report.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Download {
    /// The URL the attacker asked for.
    pub url: String,
    /// The tool (`wget`, `curl`, `tftp`, `ftpget`).
    pub tool: String,
    /// Absolute path written in the overlay; `None` when the body went to stdout.
    pub saved_as: Option<String>,
    /// The bytes received.
    pub body: Arc<[u8]>,
    /// HTTP status (0 for TFTP).
    pub status: u16,
}

/// The session's fetcher, if the sensor set one; a newtype so `Session` keeps its `Debug`.
#[derive(Clone, Default)]
pub(crate) struct FetcherSlot(pub(crate) Option<Arc<dyn Fetcher>>);

impl std::fmt::Debug for FetcherSlot {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(if self.0.is_some() {
            "FetcherSlot(set)"
        } else {
            "FetcherSlot(none)"
        })
    }
}

/// A URL split the way the tools need it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Url {
    /// `http`, `https`, `tftp`, `ftp`.
    pub scheme: String,
    /// Host as written (brackets removed for IPv6).
    pub host: String,
    /// Port, defaulted per scheme.
    pub port: u16,
    /// Whether the port was written.
    pub explicit_port: bool,
    /// Path plus query, starting with `/`.
    pub path: String,
}

impl Url {
    /// Parses `text`; a missing scheme means `http` (as wget and curl assume).
    pub fn parse(text: &str) -> Option<Url> {
        let (scheme, rest) = match text.split_once("://") {
            Some((s, r)) => (s.to_ascii_lowercase(), r),
            None => ("http".to_owned(), text),
        };
        let default_port = match scheme.as_str() {
            "http" => 80,
            "https" => 443,
            "tftp" => 69,
            "ftp" => 21,
            _ => return None,
        };
        let cut = rest.find(['/', '?', '#']).unwrap_or(rest.len());
        let (authority, path) = rest.split_at(cut);
        let authority = authority.rsplit_once('@').map_or(authority, |(_, h)| h);
        let (host, port) = if let Some(v6) = authority.strip_prefix('[') {
            let (h, after) = v6.split_once(']')?;
            (h, after.strip_prefix(':'))
        } else {
            match authority.split_once(':') {
                Some((h, p)) => (h, Some(p)),
                None => (authority, None),
            }
        };
        if host.is_empty() || host.len() > 253 {
            return None;
        }
        let (port, explicit_port) = match port {
            Some(p) if !p.is_empty() => (p.parse().ok()?, true),
            _ => (default_port, false),
        };
        let path = path.split('#').next().unwrap_or("");
        let path = if path.starts_with('/') {
            path.to_owned()
        } else {
            format!("/{path}")
        };
        Some(Url {
            scheme,
            host: host.to_ascii_lowercase(),
            port,
            explicit_port,
            path,
        })
    }

    /// `host` or `host:port` when the port is not the scheme's default, as the `Host` header carries it.
    pub fn host_header(&self) -> String {
        let host = if self.host.contains(':') {
            format!("[{}]", self.host)
        } else {
            self.host.clone()
        };
        if self.explicit_port && self.port != Url::default_port(&self.scheme) {
            format!("{host}:{}", self.port)
        } else {
            host
        }
    }

    /// The canonical text: `scheme://host[:port]/path`, as wget echoes it.
    pub fn canonical(&self) -> String {
        format!("{}://{}{}", self.scheme, self.host_header(), self.path)
    }

    /// The last path component without the query, `None` when empty.
    pub fn file_name(&self) -> Option<String> {
        let path = self.path.split('?').next().unwrap_or("");
        path.rsplit('/').next().filter(|n| !n.is_empty()).map(str::to_owned)
    }

    /// Whether the host is an IP literal (wget then prints no `Resolving` line).
    pub fn host_is_ip(&self) -> bool {
        self.host.parse::<IpAddr>().is_ok()
    }

    fn default_port(scheme: &str) -> u16 {
        match scheme {
            "https" => 443,
            "tftp" => 69,
            "ftp" => 21,
            _ => 80,
        }
    }
}

/// The first header named `name` (case-insensitive) in `headers`.
pub fn header<'a>(headers: &'a [(String, String)], name: &str) -> Option<&'a str> {
    headers
        .iter()
        .find(|(n, _)| n.eq_ignore_ascii_case(name))
        .map(|(_, v)| v.as_str())
}

#[allow(clippy::result_large_err)]
/// Runs `req` through the session's fetcher; without one, every name fails to resolve and every address refuses.
pub(crate) fn fetch(session: &Session, req: &FetchRequest) -> Result<FetchResponse, FetchError> {
    match &session.fetcher.0 {
        Some(f) => f.fetch(req),
        None => {
            let url = Url::parse(&req.url);
            let literal = url.as_ref().is_some_and(Url::host_is_ip);
            Err(FetchError {
                kind: if literal {
                    FetchErrorKind::Refused
                } else {
                    FetchErrorKind::Dns
                },
                url: req.url.clone(),
                addresses: Vec::new(),
                ip: url.as_ref().and_then(|u| u.host.parse().ok()),
                port: url.map_or(80, |u| u.port),
                redirects: Vec::new(),
                partial: None,
            })
        }
    }
}

/// Whether a DNS failure came from a missing fetcher (`Temporary failure in name resolution`) rather than a
/// real NXDOMAIN (`Name or service not known`).
pub(crate) fn offline(session: &Session) -> bool {
    session.fetcher.0.is_none()
}

/// Writes `body` to `path` in the overlay (truncating) and records the download; returns the absolute path.
pub(crate) fn save(
    session: &mut Session,
    tool: &str,
    url: &str,
    path: &str,
    body: &[u8],
    status: u16,
) -> Result<String, Errno> {
    session.fs.write(&session.cwd, path, body, WriteMode::Truncate)?;
    let abs = session
        .fs
        .canonicalize(&session.cwd, path)
        .unwrap_or_else(|_| path.to_owned());
    record(session, tool, url, Some(abs.clone()), body, status);
    Ok(abs)
}

/// Records a download without writing a file (the body went to stdout).
pub(crate) fn record(session: &mut Session, tool: &str, url: &str, saved_as: Option<String>, body: &[u8], status: u16) {
    if session.downloads.len() < MAX_PENDING_DOWNLOADS {
        session.downloads.push(Download {
            url: url.to_owned(),
            tool: tool.to_owned(),
            saved_as,
            body: Arc::from(body),
            status,
        });
    }
}

/// `YYYY-MM-DD HH:MM:SS` (UTC) for Unix seconds `t`, as wget stamps its lines.
pub(crate) fn timestamp(t: i64) -> String {
    let days = t.div_euclid(86_400);
    let secs = t.rem_euclid(86_400);
    // Howard Hinnant's civil-from-days.
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!(
        "{y:04}-{m:02}-{d:02} {:02}:{:02}:{:02}",
        secs / 3600,
        secs / 60 % 60,
        secs % 60
    )
}

#[cfg(test)]
pub(crate) mod testing {
    //! A scripted [`Fetcher`] for the command tests: answers from a table and records every request.

    use std::sync::Mutex;

    use super::*;

    /// Answers each URL from a table; records the requests it saw.
    #[derive(Default)]
    pub(crate) struct FakeFetcher {
        /// `(url, answer)` pairs.
        pub(crate) answers: Vec<(String, Result<FetchResponse, FetchError>)>,
        /// Requests seen, in order.
        pub(crate) seen: Mutex<Vec<FetchRequest>>,
    }

    impl Fetcher for FakeFetcher {
        fn fetch(&self, req: &FetchRequest) -> Result<FetchResponse, FetchError> {
            if let Ok(mut seen) = self.seen.lock() {
                seen.push(req.clone());
            }
            match self.answers.iter().find(|(u, _)| *u == req.url) {
                Some((_, a)) => a.clone(),
                None => Err(error(FetchErrorKind::Dns, &req.url)),
            }
        }
    }

    /// A 200 answer with `body` from `ip:port`, taking 10 ms.
    pub(crate) fn ok(url: &str, ip: &str, port: u16, headers: &[(&str, &str)], body: &[u8]) -> FetchResponse {
        FetchResponse {
            redirects: Vec::new(),
            last: hop(url, ip, port, 200, "OK", headers),
            body: body.to_vec(),
            elapsed: Duration::from_millis(10),
        }
    }

    /// One exchange.
    pub(crate) fn hop(url: &str, ip: &str, port: u16, status: u16, reason: &str, headers: &[(&str, &str)]) -> Hop {
        let ip: IpAddr = ip.parse().unwrap_or(IpAddr::V4(std::net::Ipv4Addr::UNSPECIFIED));
        let literal = Url::parse(url).is_some_and(|u| u.host_is_ip());
        Hop {
            url: url.to_owned(),
            addresses: if literal { Vec::new() } else { vec![ip] },
            ip,
            port,
            status,
            reason: reason.to_owned(),
            headers: headers
                .iter()
                .map(|(a, b)| ((*a).to_owned(), (*b).to_owned()))
                .collect(),
        }
    }

    /// An error of `kind` for `url` with nothing resolved.
    pub(crate) fn error(kind: FetchErrorKind, url: &str) -> FetchError {
        FetchError {
            kind,
            url: url.to_owned(),
            addresses: Vec::new(),
            ip: None,
            port: 80,
            redirects: Vec::new(),
            partial: None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls() {
        let u = Url::parse("http://1.2.3.4:8080/bins/x86?a=1").unwrap();
        assert_eq!(u.host, "1.2.3.4");
        assert_eq!(u.port, 8080);
        assert_eq!(u.path, "/bins/x86?a=1");
        assert_eq!(u.file_name().as_deref(), Some("x86"));
        assert_eq!(u.host_header(), "1.2.3.4:8080");
        let u = Url::parse("x.com").unwrap();
        assert_eq!(u.canonical(), "http://x.com/");
        assert_eq!(u.file_name(), None);
        assert_eq!(Url::parse("https://[::1]/a").unwrap().host_header(), "[::1]");
        assert!(Url::parse("gopher://x/").is_none());
        assert!(Url::parse("http://x:99999/").is_none());
        assert_eq!(Url::parse("http://x:80/").unwrap().host_header(), "x");
    }

    #[test]
    fn timestamps() {
        assert_eq!(timestamp(0), "1970-01-01 00:00:00");
        assert_eq!(timestamp(1_750_000_000), "2025-06-15 15:06:40");
        assert_eq!(timestamp(951_782_400), "2000-02-29 00:00:00");
    }
}

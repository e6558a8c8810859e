//! The real [`Fetcher`] behind the fake `wget`/`curl`/`tftp`: resolves once, refuses non-public addresses (the
//! attacker sees a plain connection refusal), connects to the checked address itself (no second resolution, so no
//! DNS rebinding), speaks HTTP/1.1 written here with the tool's exact header order, HTTPS through rustls, and TFTP
//! (RFC 1350 read requests); every transfer is bounded in bytes, blocks, redirects and time.

// `FetchError` carries the redirect trail and the response head the tools print; failures are rare.
#![allow(clippy::result_large_err)]

use std::io::{self, BufRead, BufReader, Read, Write};
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr, TcpStream, ToSocketAddrs, UdpSocket};
use std::sync::Arc;
use std::time::{Duration, Instant};

use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::crypto::WebPkiSupportedAlgorithms;
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::{ClientConfig, ClientConnection, DigitallySignedStruct, RootCertStore, SignatureScheme, StreamOwned};
use shell::net::{FetchError, FetchErrorKind, FetchRequest, FetchResponse, Fetcher, Hop, Url};

/// Largest response head (status line and headers), in bytes.
const MAX_HEAD_BYTES: usize = 64 * 1024;

/// Most response headers kept.
const MAX_HEADERS: usize = 64;

/// Most addresses kept from one resolution.
const MAX_ADDRESSES: usize = 16;

/// Longest chunk-size or trailer line.
const MAX_LINE: usize = 4096;

/// TFTP data block size (RFC 1350).
const TFTP_BLOCK: usize = 512;

/// Times a TFTP request or ACK is resent before giving up.
const TFTP_RETRIES: u32 = 3;

/// The limits and the one switch of the fetch policy.
#[derive(Debug, Clone)]
pub struct FetchPolicy {
    /// Allow loopback, private and other non-public addresses; for tests only (which use 127.0.0.1).
    pub allow_private: bool,
    /// Time allowed to establish a TCP connection.
    pub connect_timeout: Duration,
    /// Time allowed for one read.
    pub read_timeout: Duration,
    /// Upper bound on a whole fetch, whatever the request asks.
    pub total_timeout: Duration,
    /// Upper bound on a body, whatever the request asks (default 10 MiB).
    pub max_bytes: u64,
    /// Upper bound on redirects followed, whatever the request asks.
    pub max_redirects: u32,
}

impl Default for FetchPolicy {
    fn default() -> FetchPolicy {
        FetchPolicy {
            allow_private: false,
            connect_timeout: Duration::from_secs(10),
            read_timeout: Duration::from_secs(15),
            total_timeout: Duration::from_secs(60),
            max_bytes: shell::net::DEFAULT_MAX_BYTES,
            max_redirects: 10,
        }
    }
}

/// The sensor's fetcher; cheap to share through an `Arc` across sessions.
pub struct NetFetcher {
    policy: FetchPolicy,
    verified: Arc<ClientConfig>,
    insecure: Arc<ClientConfig>,
}

impl std::fmt::Debug for NetFetcher {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("NetFetcher").field("policy", &self.policy).finish()
    }
}

/// Failure to build the TLS client configurations.
#[derive(Debug, thiserror::Error)]
#[error("TLS client configuration: {0}")]
pub struct TlsSetupError(#[from] rustls::Error);

impl NetFetcher {
    /// A fetcher applying `policy`, verifying certificates against the Mozilla roots unless a request is insecure.
    pub fn new(policy: FetchPolicy) -> Result<NetFetcher, TlsSetupError> {
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let mut roots = RootCertStore::empty();
        roots.extend(webpki_roots::TLS_SERVER_ROOTS.iter().cloned());
        let verified = ClientConfig::builder_with_provider(provider.clone())
            .with_safe_default_protocol_versions()?
            .with_root_certificates(roots)
            .with_no_client_auth();
        let insecure = ClientConfig::builder_with_provider(provider.clone())
            .with_safe_default_protocol_versions()?
            .dangerous()
            .with_custom_certificate_verifier(Arc::new(AcceptAny(provider.signature_verification_algorithms)))
            .with_no_client_auth();
        Ok(NetFetcher {
            policy,
            verified: Arc::new(verified),
            insecure: Arc::new(insecure),
        })
    }
}

/// Whether `ip` is a public unicast address the sensor may contact on an attacker's behalf.
pub fn is_public(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => is_public_v4(v4),
        IpAddr::V6(v6) => is_public_v6(v6),
    }
}

/// IPv4: not this-network, private, CGNAT, loopback, link-local, IETF, documentation, benchmarking, 6to4 relay,
/// multicast, reserved or broadcast.
fn is_public_v4(ip: Ipv4Addr) -> bool {
    let n = u32::from(ip);
    const BLOCKED: [(u32, u32); 16] = [
        (0x0000_0000, 8),  // 0.0.0.0/8 this network
        (0x0A00_0000, 8),  // 10.0.0.0/8
        (0x6440_0000, 10), // 100.64.0.0/10 CGNAT
        (0x7F00_0000, 8),  // 127.0.0.0/8 loopback
        (0xA9FE_0000, 16), // 169.254.0.0/16 link-local
        (0xAC10_0000, 12), // 172.16.0.0/12
        (0xC000_0000, 24), // 192.0.0.0/24 IETF protocol assignments
        (0xC000_0200, 24), // 192.0.2.0/24 TEST-NET-1
        (0xC058_6300, 24), // 192.88.99.0/24 6to4 relay
        (0xC0A8_0000, 16), // 192.168.0.0/16
        (0xC612_0000, 15), // 198.18.0.0/15 benchmarking
        (0xC633_6400, 24), // 198.51.100.0/24 TEST-NET-2
        (0xCB00_7100, 24), // 203.0.113.0/24 TEST-NET-3
        (0xE000_0000, 4),  // 224.0.0.0/4 multicast
        (0xF000_0000, 4),  // 240.0.0.0/4 reserved, and broadcast
        (0xFFFF_FFFF, 32), // broadcast
    ];
    !BLOCKED.iter().any(|&(net, len)| n >> (32 - len) == net >> (32 - len))
}

/// IPv6: only global unicast (2000::/3) outside documentation, Teredo/IETF, 6to4 and ORCHID ranges; mapped and
/// NAT64 addresses are judged by their IPv4 part.
fn is_public_v6(ip: Ipv6Addr) -> bool {
    if let Some(v4) = ip.to_ipv4_mapped() {
        return is_public_v4(v4);
    }
    let s = ip.segments();
    if s[0] == 0x0064 && s[1] == 0xff9b && s[2..6] == [0, 0, 0, 0] {
        let v4 = Ipv4Addr::new((s[6] >> 8) as u8, s[6] as u8, (s[7] >> 8) as u8, s[7] as u8);
        return is_public_v4(v4);
    }
    if s[0] & 0xe000 != 0x2000 {
        return false; // ::, ::1, ::/96, 100::/64, fc00::/7, fe80::/10, fec0::/10, ff00::/8, ...
    }
    let blocked = match s[0] {
        0x2001 => s[1] < 0x0200 || s[1] == 0x0db8, // 2001::/23 IETF (Teredo, ORCHID), 2001:db8::/32 documentation
        0x2002 => true,                            // 6to4
        0x3fff => s[1] < 0x1000,                   // 3fff::/20 documentation
        _ => false,
    };
    !blocked
}

/// Whether the policy lets us contact `ip`.
fn allowed(policy: &FetchPolicy, ip: IpAddr) -> bool {
    if policy.allow_private {
        !ip.is_unspecified() && !ip.is_multicast() && ip != IpAddr::V4(Ipv4Addr::BROADCAST)
    } else {
        is_public(ip)
    }
}

/// An error for `url` of `kind`, with what is known so far.
fn fail(kind: FetchErrorKind, url: &str, port: u16, redirects: &[Hop]) -> FetchError {
    FetchError {
        kind,
        url: url.to_owned(),
        addresses: Vec::new(),
        ip: None,
        port,
        redirects: redirects.to_vec(),
        partial: None,
    }
}

/// Where a connection goes: the addresses printed and the one checked address used.
struct Target {
    addresses: Vec<IpAddr>,
    ip: IpAddr,
}

impl NetFetcher {
    /// Resolves `url`'s host once and picks the first address the policy allows.
    fn resolve(&self, url: &Url, text: &str, redirects: &[Hop]) -> Result<Target, FetchError> {
        let (addresses, literal) = match url.host.parse::<IpAddr>() {
            Ok(ip) => (vec![ip], true),
            Err(_) => {
                let found = lookup(&url.host, url.port, self.policy.connect_timeout)
                    .ok_or_else(|| fail(FetchErrorKind::Dns, text, url.port, redirects))?;
                let mut list: Vec<IpAddr> = Vec::new();
                for a in found {
                    if !list.contains(&a.ip()) && list.len() < MAX_ADDRESSES {
                        list.push(a.ip());
                    }
                }
                if list.is_empty() {
                    return Err(fail(FetchErrorKind::Dns, text, url.port, redirects));
                }
                (list, false)
            }
        };
        let shown = if literal { Vec::new() } else { addresses.clone() };
        match addresses.iter().copied().find(|ip| allowed(&self.policy, *ip)) {
            Some(ip) => Ok(Target { addresses: shown, ip }),
            None => Err(FetchError {
                addresses: shown,
                ip: addresses.first().copied(),
                ..fail(FetchErrorKind::Policy, text, url.port, redirects)
            }),
        }
    }

    /// Follows the HTTP exchange chain of `req`.
    fn http(&self, req: &FetchRequest, deadline: Instant) -> Result<FetchResponse, FetchError> {
        let start = Instant::now();
        let max_bytes = req.max_bytes.min(self.policy.max_bytes);
        let max_redirects = req.max_redirects.min(self.policy.max_redirects);
        let mut redirects: Vec<Hop> = Vec::new();
        let mut current = req.url.clone();
        let mut method = req.method.clone();
        let mut body = req.body.clone();
        let mut headers = req.headers.clone();
        loop {
            let Some(url) = Url::parse(&current).filter(|u| u.scheme == "http" || u.scheme == "https") else {
                return Err(fail(FetchErrorKind::BadUrl, &current, 80, &redirects));
            };
            let target = self.resolve(&url, &current, &redirects)?;
            let with = |kind, partial: Option<Hop>| FetchError {
                addresses: target.addresses.clone(),
                ip: Some(target.ip),
                partial,
                ..fail(kind, &current, url.port, &redirects)
            };
            let tcp = self.connect(target.ip, url.port, deadline).map_err(|k| with(k, None))?;
            let exch = Exchange {
                url: &url,
                method: &method,
                headers: &headers,
                body: &body,
                max_bytes,
                deadline,
                read_timeout: self.policy.read_timeout,
            };
            let (head, got) = if url.scheme == "https" {
                let config = if req.insecure {
                    self.insecure.clone()
                } else {
                    self.verified.clone()
                };
                let name = match url.host.parse::<IpAddr>() {
                    Ok(ip) => ServerName::IpAddress(ip.into()),
                    Err(_) => ServerName::try_from(url.host.clone()).map_err(|_| with(FetchErrorKind::BadUrl, None))?,
                };
                let conn = ClientConnection::new(config, name).map_err(|_| with(FetchErrorKind::Tls, None))?;
                let sock = tcp.try_clone().map_err(|_| with(FetchErrorKind::Refused, None))?;
                let mut tls = StreamOwned::new(conn, tcp);
                while tls.conn.is_handshaking() {
                    tls.conn.complete_io(&mut tls.sock).map_err(|e| {
                        with(
                            if is_timeout(&e) {
                                FetchErrorKind::ReadTimeout
                            } else {
                                FetchErrorKind::Tls
                            },
                            None,
                        )
                    })?;
                }
                exchange(tls, &sock, &exch)
            } else {
                let sock = tcp.try_clone().map_err(|_| with(FetchErrorKind::Refused, None))?;
                exchange(tcp, &sock, &exch)
            }
            .map_err(|(kind, partial)| {
                let partial = partial.map(|p| Hop {
                    url: current.clone(),
                    addresses: target.addresses.clone(),
                    ip: target.ip,
                    port: url.port,
                    status: p.status,
                    reason: p.reason,
                    headers: p.headers,
                });
                with(kind, partial)
            })?;
            let hop = Hop {
                url: current.clone(),
                addresses: target.addresses.clone(),
                ip: target.ip,
                port: url.port,
                status: head.status,
                reason: head.reason,
                headers: head.headers,
            };
            let location = hop.header("location").map(str::to_owned);
            let redirect = matches!(hop.status, 301 | 302 | 303 | 307 | 308);
            match location.filter(|_| redirect && max_redirects > 0) {
                Some(loc) => {
                    if redirects.len() as u32 >= max_redirects {
                        return Err(with(FetchErrorKind::TooManyRedirects, None));
                    }
                    let next = join(&url, &loc);
                    if hop.status == 303 || ((hop.status == 301 || hop.status == 302) && method == "POST") {
                        method = "GET".to_owned();
                        body.clear();
                        headers.retain(|(n, _)| {
                            !n.eq_ignore_ascii_case("content-length") && !n.eq_ignore_ascii_case("content-type")
                        });
                    }
                    if let Some(next_url) = Url::parse(&next) {
                        for (n, v) in &mut headers {
                            if n.eq_ignore_ascii_case("host") {
                                *v = next_url.host_header();
                            }
                        }
                    }
                    redirects.push(hop);
                    current = next;
                }
                None => {
                    return Ok(FetchResponse {
                        redirects,
                        last: hop,
                        body: got,
                        elapsed: start.elapsed(),
                    })
                }
            }
        }
    }

    /// Connects to exactly `ip:port` within the connect timeout and the deadline.
    fn connect(&self, ip: IpAddr, port: u16, deadline: Instant) -> Result<TcpStream, FetchErrorKind> {
        let left = deadline.saturating_duration_since(Instant::now());
        let limit = self.policy.connect_timeout.min(left);
        if limit.is_zero() {
            return Err(FetchErrorKind::ConnectTimeout);
        }
        TcpStream::connect_timeout(&SocketAddr::new(ip, port), limit).map_err(|e| match e.kind() {
            io::ErrorKind::TimedOut | io::ErrorKind::WouldBlock => FetchErrorKind::ConnectTimeout,
            _ => FetchErrorKind::Refused,
        })
    }

    /// One RFC 1350 read request for `req.url` (`tftp://host[:port]/file`), octet mode.
    fn tftp(&self, req: &FetchRequest, deadline: Instant) -> Result<FetchResponse, FetchError> {
        let start = Instant::now();
        let text = req.url.as_str();
        let Some(url) = Url::parse(text) else {
            return Err(fail(FetchErrorKind::BadUrl, text, 69, &[]));
        };
        let target = self.resolve(&url, text, &[])?;
        let with = |kind| FetchError {
            addresses: target.addresses.clone(),
            ip: Some(target.ip),
            ..fail(kind, text, url.port, &[])
        };
        let file = url.path.trim_start_matches('/');
        let bind: SocketAddr = match target.ip {
            IpAddr::V4(_) => (Ipv4Addr::UNSPECIFIED, 0).into(),
            IpAddr::V6(_) => (Ipv6Addr::UNSPECIFIED, 0).into(),
        };
        let sock = UdpSocket::bind(bind).map_err(|_| with(FetchErrorKind::Refused))?;
        let mut rrq = vec![0, 1];
        rrq.extend_from_slice(file.as_bytes());
        rrq.push(0);
        rrq.extend_from_slice(b"octet\0");
        let server = SocketAddr::new(target.ip, url.port);
        let max_bytes = req.max_bytes.min(self.policy.max_bytes);
        let max_blocks = (max_bytes / TFTP_BLOCK as u64 + 1).min(u64::from(u16::MAX));
        let mut body = Vec::new();
        let mut peer: Option<SocketAddr> = None;
        let mut last_sent = rrq;
        let mut expect: u16 = 1;
        let mut buf = [0u8; 4 + TFTP_BLOCK + 64];
        let mut tries = 0;
        sock.send_to(&last_sent, server)
            .map_err(|_| with(FetchErrorKind::Refused))?;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                return Err(with(FetchErrorKind::ReadTimeout));
            }
            let wait = self.policy.read_timeout.min(Duration::from_secs(5)).min(left);
            sock.set_read_timeout(Some(wait))
                .map_err(|_| with(FetchErrorKind::Refused))?;
            let (n, from) = match sock.recv_from(&mut buf) {
                Ok(x) => x,
                Err(e) if is_timeout(&e) => {
                    tries += 1;
                    if tries > TFTP_RETRIES {
                        return Err(with(FetchErrorKind::ReadTimeout));
                    }
                    let to = peer.unwrap_or(server);
                    sock.send_to(&last_sent, to)
                        .map_err(|_| with(FetchErrorKind::Refused))?;
                    continue;
                }
                Err(e) if e.kind() == io::ErrorKind::ConnectionRefused => return Err(with(FetchErrorKind::Refused)),
                Err(_) => return Err(with(FetchErrorKind::Protocol)),
            };
            // Only the checked address may answer; the first answer fixes the server's port (its TID).
            if from.ip() != target.ip || peer.is_some_and(|p| p != from) {
                continue;
            }
            peer = Some(from);
            let pkt = buf.get(..n).unwrap_or_default();
            let opcode = u16::from_be_bytes([pkt.first().copied().unwrap_or(0), pkt.get(1).copied().unwrap_or(0)]);
            let block = u16::from_be_bytes([pkt.get(2).copied().unwrap_or(0), pkt.get(3).copied().unwrap_or(0)]);
            match opcode {
                3 => {
                    let data = pkt.get(4..).unwrap_or_default();
                    let ack = [0, 4, (block >> 8) as u8, block as u8];
                    if block != expect {
                        // A duplicate of an earlier block: acknowledge it again, keep nothing.
                        if block < expect {
                            let _ = sock.send_to(&ack, from);
                        }
                        continue;
                    }
                    if body.len() as u64 + data.len() as u64 > max_bytes {
                        return Err(with(FetchErrorKind::TooLarge));
                    }
                    body.extend_from_slice(data);
                    sock.send_to(&ack, from).map_err(|_| with(FetchErrorKind::Refused))?;
                    last_sent = ack.to_vec();
                    tries = 0;
                    if data.len() < TFTP_BLOCK {
                        break;
                    }
                    if u64::from(expect) >= max_blocks {
                        return Err(with(FetchErrorKind::TooLarge));
                    }
                    expect = expect.wrapping_add(1);
                }
                5 => {
                    let msg = pkt.get(4..).unwrap_or_default();
                    let msg = msg.split(|&b| b == 0).next().unwrap_or_default();
                    return Err(with(FetchErrorKind::Tftp(
                        block,
                        String::from_utf8_lossy(msg).into_owned(),
                    )));
                }
                _ => return Err(with(FetchErrorKind::Protocol)),
            }
        }
        Ok(FetchResponse {
            redirects: Vec::new(),
            last: Hop {
                url: text.to_owned(),
                addresses: target.addresses,
                ip: target.ip,
                port: url.port,
                status: 0,
                reason: String::new(),
                headers: Vec::new(),
            },
            body,
            elapsed: start.elapsed(),
        })
    }
}

impl Fetcher for NetFetcher {
    fn fetch(&self, req: &FetchRequest) -> Result<FetchResponse, FetchError> {
        let deadline = Instant::now() + req.timeout.min(self.policy.total_timeout);
        let scheme = req
            .url
            .split_once("://")
            .map_or("http", |(s, _)| s)
            .to_ascii_lowercase();
        match scheme.as_str() {
            "http" | "https" => self.http(req, deadline),
            "tftp" => self.tftp(req, deadline),
            "ftp" => {
                // FTP is not spoken: after the policy check it answers as a refusing server.
                let Some(url) = Url::parse(&req.url) else {
                    return Err(fail(FetchErrorKind::BadUrl, &req.url, 21, &[]));
                };
                let target = self.resolve(&url, &req.url, &[])?;
                Err(FetchError {
                    addresses: target.addresses,
                    ip: Some(target.ip),
                    ..fail(FetchErrorKind::Refused, &req.url, url.port, &[])
                })
            }
            _ => Err(fail(FetchErrorKind::BadUrl, &req.url, 0, &[])),
        }
    }
}

/// Resolves `host` on a helper thread so a slow resolver cannot hold the session past `limit`; `None` on failure
/// or timeout (the thread then ends on its own when the system resolver gives up).
fn lookup(host: &str, port: u16, limit: Duration) -> Option<Vec<SocketAddr>> {
    let (tx, rx) = std::sync::mpsc::channel();
    let host = host.to_owned();
    std::thread::Builder::new()
        .name("dns".into())
        .spawn(move || {
            let found = (host.as_str(), port)
                .to_socket_addrs()
                .map(|a| a.take(MAX_ADDRESSES * 2).collect());
            let _ = tx.send(found);
        })
        .ok()?;
    rx.recv_timeout(limit).ok()?.ok()
}

/// Whether an I/O error is a timeout.
fn is_timeout(e: &io::Error) -> bool {
    matches!(e.kind(), io::ErrorKind::TimedOut | io::ErrorKind::WouldBlock)
}

/// A parsed response head.
struct Head {
    status: u16,
    reason: String,
    headers: Vec<(String, String)>,
}

/// A failure inside one exchange, with the head when it had arrived.
type ExchangeError = (FetchErrorKind, Option<Head>);

/// One request to send, the same over TLS and plain TCP.
#[derive(Clone, Copy)]
struct Exchange<'a> {
    url: &'a Url,
    method: &'a str,
    headers: &'a [(String, String)],
    body: &'a [u8],
    max_bytes: u64,
    deadline: Instant,
    read_timeout: Duration,
}

/// Writes one request on `stream` and reads the response head and body.
fn exchange<S: Read + Write>(
    mut stream: S,
    sock: &TcpStream,
    x: &Exchange<'_>,
) -> Result<(Head, Vec<u8>), ExchangeError> {
    let Exchange {
        url,
        method,
        headers,
        body,
        max_bytes,
        deadline,
        read_timeout,
    } = *x;
    let arm = || -> Result<(), ExchangeError> {
        let left = deadline.saturating_duration_since(Instant::now());
        if left.is_zero() {
            return Err((FetchErrorKind::ReadTimeout, None));
        }
        let t = Some(read_timeout.min(left));
        let _ = sock.set_read_timeout(t);
        let _ = sock.set_write_timeout(t);
        Ok(())
    };
    let io_err = |e: io::Error| {
        if is_timeout(&e) {
            (FetchErrorKind::ReadTimeout, None)
        } else {
            (FetchErrorKind::Protocol, None)
        }
    };
    let mut out = format!("{method} {} HTTP/1.1\r\n", url.path).into_bytes();
    for (n, v) in headers {
        out.extend_from_slice(format!("{n}: {v}\r\n").as_bytes());
    }
    out.extend_from_slice(b"\r\n");
    out.extend_from_slice(body);
    arm()?;
    stream.write_all(&out).map_err(io_err)?;
    stream.flush().map_err(io_err)?;
    let mut reader = BufReader::new(stream);
    // The head: lines until a blank one, bounded.
    let mut raw = Vec::new();
    loop {
        arm()?;
        let before = raw.len();
        let n = (&mut reader)
            .take((MAX_HEAD_BYTES - raw.len().min(MAX_HEAD_BYTES)) as u64)
            .read_until(b'\n', &mut raw)
            .map_err(io_err)?;
        if n == 0 {
            return Err((FetchErrorKind::Protocol, None));
        }
        let line = raw.get(before..).unwrap_or_default();
        if line == b"\r\n" || line == b"\n" {
            break;
        }
        if raw.len() >= MAX_HEAD_BYTES {
            return Err((FetchErrorKind::Protocol, None));
        }
    }
    let mut slots = [httparse::EMPTY_HEADER; MAX_HEADERS];
    let mut parsed = httparse::Response::new(&mut slots);
    match parsed.parse(&raw) {
        Ok(httparse::Status::Complete(_)) => {}
        _ => return Err((FetchErrorKind::Protocol, None)),
    }
    let head = Head {
        status: parsed.code.unwrap_or(0),
        reason: parsed.reason.unwrap_or("").to_owned(),
        headers: parsed
            .headers
            .iter()
            .map(|h| (h.name.to_owned(), String::from_utf8_lossy(h.value).into_owned()))
            .collect(),
    };
    let no_body = method == "HEAD" || head.status < 200 || head.status == 204 || head.status == 304;
    if no_body {
        return Ok((head, Vec::new()));
    }
    let chunked = shell::net::header(&head.headers, "transfer-encoding")
        .is_some_and(|v| v.to_ascii_lowercase().contains("chunked"));
    let length = shell::net::header(&head.headers, "content-length").and_then(|v| v.trim().parse::<u64>().ok());
    let mut got = Vec::new();
    let result = if chunked {
        read_chunked(&mut reader, &mut got, max_bytes, &arm)
    } else if let Some(len) = length {
        if len > max_bytes {
            Err(FetchErrorKind::TooLarge)
        } else {
            read_exact_len(&mut reader, &mut got, len, &arm)
        }
    } else {
        read_to_end(&mut reader, &mut got, max_bytes, &arm)
    };
    match result {
        Ok(()) => Ok((head, got)),
        Err(kind) => Err((kind, Some(head))),
    }
}

/// Reads into `got` until EOF, at most `max` bytes.
fn read_to_end<R: Read>(
    r: &mut R,
    got: &mut Vec<u8>,
    max: u64,
    arm: &dyn Fn() -> Result<(), ExchangeError>,
) -> Result<(), FetchErrorKind> {
    let mut buf = [0u8; 16 * 1024];
    loop {
        arm().map_err(|(k, _)| k)?;
        let n = match r.read(&mut buf) {
            Ok(n) => n,
            // A TLS peer that closes without close_notify still ends an until-EOF body.
            Err(e) if e.kind() == io::ErrorKind::UnexpectedEof => 0,
            Err(e) => return Err(kind_of(&e)),
        };
        if n == 0 {
            return Ok(());
        }
        if got.len() as u64 + n as u64 > max {
            return Err(FetchErrorKind::TooLarge);
        }
        got.extend_from_slice(buf.get(..n).unwrap_or_default());
    }
}

/// Reads exactly `len` bytes (a short body is a protocol error).
fn read_exact_len<R: Read>(
    r: &mut R,
    got: &mut Vec<u8>,
    len: u64,
    arm: &dyn Fn() -> Result<(), ExchangeError>,
) -> Result<(), FetchErrorKind> {
    let mut buf = [0u8; 16 * 1024];
    while (got.len() as u64) < len {
        arm().map_err(|(k, _)| k)?;
        let want = (len - got.len() as u64).min(buf.len() as u64) as usize;
        let n = r
            .read(buf.get_mut(..want).unwrap_or_default())
            .map_err(|e| kind_of(&e))?;
        if n == 0 {
            return Err(FetchErrorKind::Protocol);
        }
        got.extend_from_slice(buf.get(..n).unwrap_or_default());
    }
    Ok(())
}

/// Decodes a chunked body into `got`, at most `max` bytes.
fn read_chunked<R: BufRead>(
    r: &mut R,
    got: &mut Vec<u8>,
    max: u64,
    arm: &dyn Fn() -> Result<(), ExchangeError>,
) -> Result<(), FetchErrorKind> {
    loop {
        arm().map_err(|(k, _)| k)?;
        let line = read_line(r)?;
        let hex = line.split(|&b| b == b';').next().unwrap_or_default();
        let hex = std::str::from_utf8(hex).map_err(|_| FetchErrorKind::Protocol)?.trim();
        let size = u64::from_str_radix(hex, 16).map_err(|_| FetchErrorKind::Protocol)?;
        if size == 0 {
            // Trailers until a blank line, bounded.
            for _ in 0..MAX_HEADERS {
                if read_line(r)?.is_empty() {
                    return Ok(());
                }
            }
            return Err(FetchErrorKind::Protocol);
        }
        if got.len() as u64 + size > max {
            return Err(FetchErrorKind::TooLarge);
        }
        let target = got.len() as u64 + size;
        read_exact_len(r, got, target, arm)?;
        if !read_line(r)?.is_empty() {
            return Err(FetchErrorKind::Protocol);
        }
    }
}

/// One CRLF- or LF-terminated line without its terminator, at most [`MAX_LINE`] bytes.
fn read_line<R: BufRead>(r: &mut R) -> Result<Vec<u8>, FetchErrorKind> {
    let mut line = Vec::new();
    let n = r
        .take(MAX_LINE as u64)
        .read_until(b'\n', &mut line)
        .map_err(|e| kind_of(&e))?;
    if n == 0 || line.last() != Some(&b'\n') {
        return Err(FetchErrorKind::Protocol);
    }
    line.pop();
    if line.last() == Some(&b'\r') {
        line.pop();
    }
    Ok(line)
}

/// The fetch error an I/O error means.
fn kind_of(e: &io::Error) -> FetchErrorKind {
    if is_timeout(e) {
        FetchErrorKind::ReadTimeout
    } else {
        FetchErrorKind::Protocol
    }
}

/// Resolves a `Location` value against the URL it came from.
fn join(base: &Url, loc: &str) -> String {
    let loc = loc.trim();
    if loc.contains("://") {
        return loc.to_owned();
    }
    let origin = format!("{}://{}", base.scheme, base.host_header());
    if let Some(rest) = loc.strip_prefix("//") {
        return format!("{}://{rest}", base.scheme);
    }
    if loc.starts_with('/') {
        return format!("{origin}{loc}");
    }
    let path = base.path.split('?').next().unwrap_or("/");
    let dir = path.rsplit_once('/').map_or("", |(d, _)| d);
    format!("{origin}{dir}/{loc}")
}

/// The certificate verifier for `--no-check-certificate` / `-k`: accepts any certificate, still checks signatures.
#[derive(Debug)]
struct AcceptAny(WebPkiSupportedAlgorithms);

impl ServerCertVerifier for AcceptAny {
    fn verify_server_cert(
        &self,
        _end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        _ocsp: &[u8],
        _now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        Ok(ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(message, cert, dss, &self.0)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(message, cert, dss, &self.0)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.0.supported_schemes()
    }
}

#[cfg(test)]
mod tests {
    use std::net::TcpListener;
    use std::sync::mpsc;
    use std::thread;

    use super::*;

    fn test_policy() -> FetchPolicy {
        FetchPolicy {
            allow_private: true,
            connect_timeout: Duration::from_secs(2),
            read_timeout: Duration::from_millis(500),
            total_timeout: Duration::from_secs(5),
            max_bytes: 1024,
            max_redirects: 5,
        }
    }

    fn fetcher(allow: bool) -> NetFetcher {
        let p = FetchPolicy {
            allow_private: allow,
            ..test_policy()
        };
        match NetFetcher::new(p) {
            Ok(f) => f,
            Err(e) => panic!("{e}"),
        }
    }

    /// Serves `replies` in order on 127.0.0.1, one connection each, sending each request head back on `tx`.
    fn serve(replies: Vec<Vec<u8>>) -> (u16, mpsc::Receiver<Vec<u8>>) {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
        let port = listener.local_addr().expect("addr").port();
        let (tx, rx) = mpsc::channel();
        thread::spawn(move || {
            for reply in replies {
                let Ok((mut c, _)) = listener.accept() else { return };
                let _ = c.set_read_timeout(Some(Duration::from_secs(2)));
                let mut got = Vec::new();
                let mut buf = [0u8; 1024];
                while !got.windows(4).any(|w| w == b"\r\n\r\n") && got.len() < 65536 {
                    match c.read(&mut buf) {
                        Ok(0) | Err(_) => break,
                        Ok(n) => got.extend_from_slice(&buf[..n]),
                    }
                }
                let _ = tx.send(got);
                if reply.is_empty() {
                    thread::sleep(Duration::from_millis(1500));
                } else {
                    let _ = c.write_all(&reply);
                }
            }
        });
        (port, rx)
    }

    fn wget_req(url: &str, port: u16) -> FetchRequest {
        FetchRequest {
            headers: vec![
                ("Host".into(), format!("127.0.0.1:{port}")),
                ("User-Agent".into(), "Wget/1.21.3".into()),
                ("Accept".into(), "*/*".into()),
                ("Accept-Encoding".into(), "identity".into()),
                ("Connection".into(), "Keep-Alive".into()),
            ],
            max_redirects: 20,
            ..FetchRequest::get(url)
        }
    }

    #[test]
    fn plain_get_sends_headers_in_order() {
        let (port, rx) = serve(vec![
            b"HTTP/1.1 200 OK\r\nContent-Length: 4\r\nContent-Type: text/x-sh\r\n\r\nBODY".to_vec(),
        ]);
        let url = format!("http://127.0.0.1:{port}/bins.sh");
        let r = fetcher(true).fetch(&wget_req(&url, port)).expect("fetch");
        assert_eq!(r.body, b"BODY");
        assert_eq!((r.last.status, r.last.reason.as_str()), (200, "OK"));
        assert_eq!(r.last.ip, IpAddr::V4(Ipv4Addr::LOCALHOST));
        assert_eq!(r.last.port, port);
        assert_eq!(r.last.url, url);
        let head = rx.recv().expect("request");
        assert_eq!(
            String::from_utf8_lossy(&head),
            format!(
                "GET /bins.sh HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nUser-Agent: Wget/1.21.3\r\nAccept: */*\r\n\
                 Accept-Encoding: identity\r\nConnection: Keep-Alive\r\n\r\n"
            )
        );
    }

    #[test]
    fn chunked_and_redirect() {
        let (port, rx) = serve(vec![
            b"HTTP/1.1 302 Found\r\nLocation: /final.bin\r\nContent-Length: 0\r\n\r\n".to_vec(),
            b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n3;x=y\r\nabc\r\n0\r\n\r\n".to_vec(),
        ]);
        let url = format!("http://127.0.0.1:{port}/r");
        let r = fetcher(true).fetch(&wget_req(&url, port)).expect("fetch");
        assert_eq!(r.body, b"helloabc");
        assert_eq!(r.redirects.len(), 1);
        assert_eq!(r.redirects[0].status, 302);
        assert_eq!(r.last.url, format!("http://127.0.0.1:{port}/final.bin"));
        let _ = rx.recv();
        let second = rx.recv().expect("second request");
        assert!(second.starts_with(b"GET /final.bin HTTP/1.1\r\nHost: 127.0.0.1:"));
    }

    #[test]
    fn size_cap_and_timeout() {
        let big = format!("HTTP/1.1 200 OK\r\nContent-Length: 2000\r\n\r\n{}", "x".repeat(2000));
        let mut unbounded = b"HTTP/1.0 200 OK\r\n\r\n".to_vec();
        unbounded.extend_from_slice(&[b'y'; 1500]);
        let (port, _rx) = serve(vec![big.into_bytes(), unbounded, Vec::new()]);
        let f = fetcher(true);
        let url = format!("http://127.0.0.1:{port}/a");
        let e = f.fetch(&wget_req(&url, port)).expect_err("too large");
        assert_eq!(e.kind, FetchErrorKind::TooLarge);
        assert_eq!(e.partial.map(|h| h.status), Some(200));
        let e = f.fetch(&wget_req(&url, port)).expect_err("too large without length");
        assert_eq!(e.kind, FetchErrorKind::TooLarge);
        let e = f.fetch(&wget_req(&url, port)).expect_err("timeout");
        assert_eq!(e.kind, FetchErrorKind::ReadTimeout);
    }

    #[test]
    fn policy_refuses_loopback_without_traffic() {
        let f = fetcher(false);
        let e = f
            .fetch(&FetchRequest::get("http://127.0.0.1:9/x"))
            .expect_err("refused");
        assert_eq!(e.kind, FetchErrorKind::Policy);
        assert_eq!(e.ip, Some(IpAddr::V4(Ipv4Addr::LOCALHOST)));
        let e = f
            .fetch(&FetchRequest::get("http://localhost:9/x"))
            .expect_err("refused by name");
        assert_eq!(e.kind, FetchErrorKind::Policy);
        assert!(!e.addresses.is_empty() && e.addresses.iter().all(|ip| ip.is_loopback()));
        let e = f
            .fetch(&FetchRequest::get("tftp://127.0.0.1:9/x"))
            .expect_err("refused");
        assert_eq!(e.kind, FetchErrorKind::Policy);
        let e = f.fetch(&FetchRequest::get("ftp://127.0.0.1/x")).expect_err("refused");
        assert_eq!(e.kind, FetchErrorKind::Policy);
        let e = fetcher(true)
            .fetch(&FetchRequest::get("ftp://127.0.0.1/x"))
            .expect_err("refused");
        assert_eq!(e.kind, FetchErrorKind::Refused);
    }

    #[test]
    fn refused_port() {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
        let port = listener.local_addr().expect("addr").port();
        drop(listener);
        let e = fetcher(true)
            .fetch(&FetchRequest::get(&format!("http://127.0.0.1:{port}/")))
            .expect_err("refused");
        assert_eq!(e.kind, FetchErrorKind::Refused);
    }

    /// Serves one HTTPS response per connection (`count` connections) with a fresh self-signed certificate.
    fn serve_tls(count: usize) -> u16 {
        use rustls::pki_types::{PrivateKeyDer, PrivatePkcs8KeyDer};
        let ck = rcgen::generate_simple_self_signed(vec!["localhost".to_string()]).expect("certificate");
        let chain = vec![ck.cert.der().clone()];
        let key = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(ck.signing_key.serialize_der()));
        let server = rustls::ServerConfig::builder_with_provider(Arc::new(rustls::crypto::ring::default_provider()))
            .with_safe_default_protocol_versions()
            .expect("versions")
            .with_no_client_auth()
            .with_single_cert(chain, key)
            .expect("server config");
        let server = Arc::new(server);
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
        let port = listener.local_addr().expect("addr").port();
        thread::spawn(move || {
            for _ in 0..count {
                let Ok((tcp, _)) = listener.accept() else { return };
                let _ = tcp.set_read_timeout(Some(Duration::from_secs(2)));
                let Ok(conn) = rustls::ServerConnection::new(server.clone()) else {
                    return;
                };
                let mut tls = StreamOwned::new(conn, tcp);
                let mut got = Vec::new();
                let mut buf = [0u8; 1024];
                while !got.windows(4).any(|w| w == b"\r\n\r\n") && got.len() < 65536 {
                    match tls.read(&mut buf) {
                        Ok(0) | Err(_) => break,
                        Ok(n) => got.extend_from_slice(&buf[..n]),
                    }
                }
                let _ = tls.write_all(b"HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\nTLS");
                let _ = tls.flush();
                tls.conn.send_close_notify();
                let _ = tls.conn.complete_io(&mut tls.sock);
            }
        });
        port
    }

    #[test]
    fn https_insecure_accepts_and_verified_refuses_self_signed() {
        let port = serve_tls(2);
        let f = fetcher(true);
        let url = format!("https://127.0.0.1:{port}/x");
        let insecure = FetchRequest {
            insecure: true,
            ..FetchRequest::get(&url)
        };
        let r = f.fetch(&insecure).expect("insecure fetch");
        assert_eq!(r.body, b"TLS");
        let e = f
            .fetch(&FetchRequest::get(&url))
            .expect_err("self-signed must fail verification");
        assert_eq!(e.kind, FetchErrorKind::Tls);
    }

    #[test]
    fn fake_wget_through_real_fetcher_into_store() {
        use rand::SeedableRng;
        let (port, rx) = serve(vec![
            b"HTTP/1.1 200 OK\r\nContent-Length: 8\r\nContent-Type: text/x-sh\r\n\r\necho hi\n".to_vec(),
        ]);
        let persona = shell::persona::Persona::generate_at(
            &mut rand::rngs::StdRng::seed_from_u64(7),
            std::time::UNIX_EPOCH + Duration::from_secs(1_750_000_000),
        );
        let root = persona.users.iter().find(|u| u.uid == 0).expect("root").clone();
        let mut session =
            shell::exec::Session::new(shell::fs::debian_skeleton(), Arc::new(persona), root, 1_750_000_000);
        session.set_fetcher(Arc::new(fetcher(true)));
        let out = session.run_line(&format!("cd /tmp; wget http://127.0.0.1:{port}/bins.sh; cat bins.sh"));
        assert_eq!(out.stdout, b"echo hi\n");
        let err = String::from_utf8_lossy(&out.stderr).into_owned();
        let want = format!(
            "--2025-06-15 15:06:40--  http://127.0.0.1:{port}/bins.sh\nConnecting to 127.0.0.1:{port}... connected.\n\
             HTTP request sent, awaiting response... 200 OK\nLength: 8 [text/x-sh]\nSaving to: ‘bins.sh’\n\n     0K"
        );
        assert!(err.starts_with(&want), "{err}");
        assert!(err.ends_with(" - ‘bins.sh’ saved [8/8]\n\n"), "{err}");
        let head = rx.recv().expect("request");
        assert!(head.ends_with(
            b"User-Agent: Wget/1.21.3\r\nAccept: */*\r\nAccept-Encoding: identity\r\nConnection: Keep-Alive\r\n\r\n"
        ));
        let downloads = session.take_downloads();
        assert_eq!(downloads.len(), 1);
        let dir = tempfile::tempdir().expect("tempdir");
        let store = crate::capture::FileStore::open(dir.path()).expect("store");
        let stored = store.put(&downloads[0].body).expect("put");
        assert_eq!(stored.size, 8);
        assert_eq!(stored.mime, "text/plain");
        assert!(session.take_downloads().is_empty());
    }

    #[test]
    fn classifier_table() {
        let table: &[(&str, bool)] = &[
            ("8.8.8.8", true),
            ("1.2.3.4", true),
            ("93.184.216.34", true),
            ("0.0.0.0", false),
            ("10.1.2.3", false),
            ("100.64.0.1", false),
            ("100.128.0.1", true),
            ("127.0.0.1", false),
            ("127.255.255.254", false),
            ("169.254.169.254", false),
            ("172.16.0.1", false),
            ("172.31.255.255", false),
            ("172.32.0.1", true),
            ("192.0.0.8", false),
            ("192.0.2.1", false),
            ("192.168.1.1", false),
            ("198.18.0.1", false),
            ("198.51.100.7", false),
            ("203.0.113.9", false),
            ("224.0.0.1", false),
            ("239.255.255.250", false),
            ("240.0.0.1", false),
            ("255.255.255.255", false),
            ("2606:4700::1111", true),
            ("2a00:1450::1", true),
            ("::", false),
            ("::1", false),
            ("::ffff:127.0.0.1", false),
            ("::ffff:10.0.0.1", false),
            ("::ffff:8.8.8.8", true),
            ("64:ff9b::a00:1", false),
            ("64:ff9b::808:808", true),
            ("::127.0.0.1", false),
            ("fc00::1", false),
            ("fd12:3456::1", false),
            ("fe80::1", false),
            ("fec0::1", false),
            ("ff02::1", false),
            ("2001:db8::1", false),
            ("2001::1", false),
            ("2002:c0a8:101::1", false),
            ("3fff::1", false),
            ("100::1", false),
        ];
        for (ip, public) in table {
            let parsed: IpAddr = ip.parse().expect("ip");
            assert_eq!(is_public(parsed), *public, "{ip}");
        }
    }

    #[test]
    fn tftp_read_request() {
        let server = UdpSocket::bind("127.0.0.1:0").expect("bind");
        let port = server.local_addr().expect("addr").port();
        let payload: Vec<u8> = (0..700u32).map(|i| (i % 251) as u8).collect();
        let expected = payload.clone();
        let handle = thread::spawn(move || {
            let _ = server.set_read_timeout(Some(Duration::from_secs(3)));
            let mut buf = [0u8; 600];
            let Ok((n, client)) = server.recv_from(&mut buf) else {
                return Vec::new();
            };
            let rrq = buf[..n].to_vec();
            // A fresh TID for the transfer, as RFC 1350 says.
            let data = UdpSocket::bind("127.0.0.1:0").expect("tid");
            let _ = data.set_read_timeout(Some(Duration::from_secs(3)));
            for (i, chunk) in payload.chunks(512).enumerate() {
                let block = (i + 1) as u16;
                let mut pkt = vec![0, 3, (block >> 8) as u8, block as u8];
                pkt.extend_from_slice(chunk);
                let _ = data.send_to(&pkt, client);
                let _ = data.recv_from(&mut buf);
            }
            // Second request: an error packet.
            if let Ok((_, client)) = server.recv_from(&mut buf) {
                let _ = server.send_to(b"\0\x05\0\x01File not found\0", client);
            }
            rrq
        });
        let f = fetcher(true);
        let r = f
            .fetch(&FetchRequest::get(&format!("tftp://127.0.0.1:{port}/bins/x86")))
            .expect("tftp");
        assert_eq!(r.body, expected);
        let e = f
            .fetch(&FetchRequest::get(&format!("tftp://127.0.0.1:{port}/nope")))
            .expect_err("error");
        assert_eq!(e.kind, FetchErrorKind::Tftp(1, "File not found".into()));
        assert_eq!(handle.join().expect("server"), b"\0\x01bins/x86\0octet\0");
    }
}

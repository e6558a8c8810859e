//! Our events as Cowrie JSON log lines (`cowrie.json`, written by Cowrie's `output_jsonlog`), so ELK/Splunk
//! pipelines that parse Cowrie keep working: same `eventid`s, field names, key order, timestamp format and `message`
//! texts as Cowrie 3.1.4.
//!
//! Every line starts with the connection's identity (`session`, `protocol`, `src_ip`, `src_port`, `dst_ip`,
//! `dst_port`), then the event's own fields, then `eventid`, `sensor`, `uuid`, `timestamp`, `message`: the order of
//! Cowrie's `EventLog.dispatch` dict. Strings are escaped as CPython's `json.dumps` does (`ensure_ascii`).
//!
//! Known differences from a real Cowrie (each follows from what our events carry):
//! - `cowrie.session.connect`, `cowrie.client.version` and `cowrie.client.kex` come from one `session.start` event
//!   and share its timestamp (Cowrie stamps them microseconds apart); `cowrie.command.failed` shares the timestamp of
//!   its `cowrie.command.input`.
//! - `cowrie.client.kex`: `kexAlgs`, `encCS`, `macCS`, `compCS` are split from `hassh_algorithms`; the host key
//!   algorithms are not in our event, so `keyAlgs` is `[]`, and `langCS` is `[""]` (the empty list every client sends).
//! - `cowrie.command.failed`: Cowrie names the one unknown simple command (`cmd + " " + " ".join(args)`, hence the
//!   trailing space of `"enable "`); we only know the line failed, so we log the whole line's words in that form.
//! - `duplicate` is always `false` (the sensor does not say whether a sample was already stored).
//! - Public-key attempts: `fingerprint` is our `SHA256:` form, not Cowrie's MD5, and the `key` field is absent.
//! - `cowrie.direct-tcpip.data`: `id` (Cowrie's channel number) is `0`.
//! - Not produced (no event of ours carries them): `cowrie.client.size`, `cowrie.session.params`,
//!   `cowrie.telnet.option`, `cowrie.client.var`.

use chrono::{DateTime, Utc};
use event::{AuthMethod, Event, FileInfo, Kind};

use super::pyjson::{bytes_repr, escape_nonprintable, Obj, Style};

/// What Cowrie puts on every line that our events do not carry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CowrieCtx {
    /// Cowrie's `[honeypot] sensor_name`, the `sensor` field.
    pub sensor: String,
    /// Cowrie's `download_path` as it appears in `outfile` (no trailing `/`), e.g. `var/lib/cowrie/downloads`.
    pub download_path: String,
    /// Cowrie's `[honeypot] uuid`, the `uuid` field: one per sensor process.
    pub uuid: String,
}

impl CowrieCtx {
    /// Cowrie's defaults (`var/lib/cowrie/downloads`) with a fresh `uuid`, for a sensor named `sensor`.
    pub fn new(sensor: &str) -> CowrieCtx {
        CowrieCtx {
            sensor: sensor.to_owned(),
            download_path: DEFAULT_DOWNLOAD_PATH.to_owned(),
            uuid: uuid::Uuid::now_v7().to_string(),
        }
    }
}

/// Where Cowrie stores downloads, relative to its install folder, as its `outfile` fields show it.
pub const DEFAULT_DOWNLOAD_PATH: &str = "var/lib/cowrie/downloads";

/// A finished session recording, for `cowrie.log.closed` (our events do not carry it).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TtyLog {
    /// The path as Cowrie logs it, e.g. `var/lib/cowrie/tty/<sha256>`.
    pub path: String,
    /// Bytes in plus bytes out of the terminal.
    pub size: u64,
    /// SHA-256 of the recording file, lowercase hex.
    pub sha256: String,
    /// Whether the same recording was already stored.
    pub duplicate: bool,
    /// How long the terminal was open, in milliseconds.
    pub duration_ms: u64,
}

/// Whether Cowrie would have logged this event's session at all: SSH and Telnet only (an HTTP honeypot's user agent
/// must not become a `cowrie.client.version`).
pub fn applies_to(event: &Event) -> bool {
    matches!(event.proto.as_str(), "ssh" | "telnet")
}

/// Turns one of our events into the Cowrie JSON log lines it stands for: none for sessions other than SSH/Telnet
/// ([`applies_to`]) and for kinds Cowrie has no event for (HTTP, scans, alerts, raw feeds). No trailing newlines.
pub fn lines(event: &Event, ctx: &CowrieCtx) -> Vec<String> {
    let mut out = Vec::new();
    if !applies_to(event) {
        return out;
    }
    match &event.kind {
        Kind::SessionStart {
            client_version,
            hassh,
            hassh_algorithms,
        } => {
            let message = format!(
                "New connection: {}:{} ({}:{}) [session: {}]",
                event.src_ip,
                event.src_port,
                dst_ip(event),
                event.dst_port,
                event.session
            );
            out.push(line(event, ctx, None, "cowrie.session.connect", &message, |_| {}));
            if let Some(v) = client_version.as_ref().filter(|_| event.proto == "ssh") {
                let v = escape_nonprintable(v);
                let message = format!("Remote SSH version: {v}");
                out.push(line(event, ctx, None, "cowrie.client.version", &message, |o| {
                    o.str("version", &v);
                }));
            }
            if let Some(h) = hassh {
                let algos = hassh_algorithms.as_deref().unwrap_or("");
                let mut parts = algos.split(';');
                let mut next = || parts.next().unwrap_or("").split(',').collect::<Vec<_>>();
                let (kex, enc, mac, comp) = (next(), next(), next(), next());
                let message = format!("SSH client hassh fingerprint: {h}");
                out.push(line(event, ctx, None, "cowrie.client.kex", &message, |o| {
                    o.str("hassh", h)
                        .str("hasshAlgorithms", algos)
                        .str_list("kexAlgs", kex)
                        .str_list("keyAlgs", [])
                        .str_list("encCS", enc)
                        .str_list("macCS", mac)
                        .str_list("compCS", comp)
                        .str_list("langCS", [""]);
                }));
            }
        }
        Kind::Auth {
            username,
            password,
            key_fingerprint,
            method,
            success,
        } => auth_lines(
            event,
            ctx,
            username,
            password.as_deref(),
            key_fingerprint.as_deref(),
            *method,
            *success,
            &mut out,
        ),
        Kind::Command { input, recognized } => {
            out.push(line(
                event,
                ctx,
                None,
                "cowrie.command.input",
                &format!("CMD: {input}"),
                |o| {
                    o.str("input", input);
                },
            ));
            if !recognized {
                if let Some(failed) = failed_input(input) {
                    let message = format!("Command not found: {failed}");
                    out.push(line(event, ctx, None, "cowrie.command.failed", &message, |o| {
                        o.str("input", &failed);
                    }));
                }
            }
        }
        Kind::FileDownload(f) => out.extend(download_line(event, ctx, f)),
        Kind::FileUpload(f) => {
            if let Some(sha) = &f.sha256 {
                let name = f.filename.as_deref().unwrap_or("");
                let name = name.rsplit('/').next().unwrap_or(name);
                let outfile = outfile(ctx, sha);
                let message = format!("SFTP Uploaded file \"{name}\" to {outfile}");
                out.push(line(event, ctx, None, "cowrie.session.file_upload", &message, |o| {
                    o.str("filename", name).str("outfile", &outfile).str("shasum", sha);
                }));
            }
        }
        Kind::TcpipRequest {
            target_host,
            target_port,
            first_bytes,
            origin_host,
            origin_port,
        } => {
            let target = Some((target_host.as_str(), *target_port));
            let (oh, op) = (origin_host.as_deref().unwrap_or(""), origin_port.unwrap_or(0));
            let message = format!("direct-tcp connection request to {target_host}:{target_port} from {oh}:{op}");
            out.push(line(event, ctx, target, "cowrie.direct-tcpip.request", &message, |o| {
                o.str("orig_ip", oh).int("orig_port", u64::from(op));
            }));
            if !first_bytes.is_empty() {
                let data = bytes_repr(first_bytes.as_bytes());
                let message =
                    format!("discarded direct-tcp forward request 0 to {target_host}:{target_port} with data {data}");
                out.push(line(event, ctx, target, "cowrie.direct-tcpip.data", &message, |o| {
                    o.str("data", &data).int("id", 0);
                }));
            }
        }
        Kind::SessionEnd { duration_ms, .. } => {
            let message = format!("Connection lost after {duration_ms} milliseconds");
            out.push(line(event, ctx, None, "cowrie.session.closed", &message, |o| {
                o.int("duration_ms", *duration_ms);
            }));
        }
        Kind::HttpRequest { .. }
        | Kind::Scan { .. }
        | Kind::Alert { .. }
        | Kind::Fingerprint(_)
        | Kind::Request { .. }
        | Kind::Raw { .. } => {}
    }
    out
}

/// `cowrie.log.closed` for a finished recording; the identity and timestamp come from `at` (any event of the
/// session, usually its `session.end`). Cowrie writes it just before `cowrie.session.closed`.
pub fn log_closed(at: &Event, tty: &TtyLog, ctx: &CowrieCtx) -> String {
    let message = format!("Closing TTY Log: {} after {} milliseconds", tty.path, tty.duration_ms);
    line(at, ctx, None, "cowrie.log.closed", &message, |o| {
        o.str("ttylog", &tty.path)
            .int("size", tty.size)
            .str("shasum", &tty.sha256)
            .bool("duplicate", tty.duplicate)
            .int("duration_ms", tty.duration_ms);
    })
}

/// Cowrie's timestamp: UTC, always six fractional digits, `Z`.
pub(crate) fn timestamp(ts: &DateTime<Utc>) -> String {
    ts.format("%Y-%m-%dT%H:%M:%S%.6fZ").to_string()
}

/// The honeypot's address as text (empty if the event lacks it; our sensor always sets it).
pub(crate) fn dst_ip(e: &Event) -> String {
    e.dst_ip.map(|ip| ip.to_string()).unwrap_or_default()
}

/// The `input` of `cowrie.command.failed` for an unrecognized line: its words as Cowrie joins a command and its
/// arguments (`cmd + " " + " ".join(args)`), so a lone word keeps Cowrie's trailing space. `None` for a blank line.
pub(crate) fn failed_input(input: &str) -> Option<String> {
    let mut words = input.split_whitespace();
    let cmd = words.next()?;
    let args: Vec<&str> = words.collect();
    Some(format!("{cmd} {}", args.join(" ")))
}

/// The `username`/`password` Cowrie logs for a password-like attempt, or `None` when Cowrie logs no such pair
/// (public key, `none`).
pub(crate) fn password_pair(method: AuthMethod, username: &str, password: Option<&str>) -> Option<(String, String)> {
    match method {
        AuthMethod::Password | AuthMethod::KeyboardInteractive => Some((
            escape_nonprintable(username),
            escape_nonprintable(password.unwrap_or("")),
        )),
        AuthMethod::Publickey | AuthMethod::None => None,
    }
}

/// Where Cowrie says it stored a sample.
fn outfile(ctx: &CowrieCtx, sha: &str) -> String {
    format!("{}/{sha}", ctx.download_path)
}

/// The login lines for one attempt, by method.
#[allow(clippy::too_many_arguments)]
fn auth_lines(
    event: &Event,
    ctx: &CowrieCtx,
    username: &str,
    password: Option<&str>,
    key_fingerprint: Option<&str>,
    method: AuthMethod,
    success: bool,
    out: &mut Vec<String>,
) {
    let (eventid, verb) = if success {
        ("cowrie.login.success", "succeeded")
    } else {
        ("cowrie.login.failed", "failed")
    };
    if let Some((u, p)) = password_pair(method, username, password) {
        let message = format!("login attempt [{u}/{p}] {verb}");
        out.push(line(event, ctx, None, eventid, &message, |o| {
            o.str("username", &u).str("password", &p);
        }));
        return;
    }
    let u = escape_nonprintable(username);
    match method {
        AuthMethod::Publickey => {
            let fp = key_fingerprint.unwrap_or("");
            let (kind, fp) = fp.split_once(' ').unwrap_or(("", fp));
            let message = format!("public key attempt for user {u} of type {kind} with fingerprint {fp}");
            let fields = |o: &mut Obj| {
                o.str("username", &u).str("fingerprint", fp).str("type", kind);
            };
            out.push(line(event, ctx, None, "cowrie.client.fingerprint", &message, fields));
            let message = format!("public key login attempt for [{u}] {verb}");
            out.push(line(event, ctx, None, eventid, &message, fields));
        }
        // Cowrie logs `none` only when its none-checker lets the client in.
        _ if success => {
            let message = format!("login attempt [{u}] succeeded");
            out.push(line(event, ctx, None, eventid, &message, |o| {
                o.str("username", &u);
            }));
        }
        _ => {}
    }
}

/// `cowrie.session.file_download` (or its `.failed` form, or the in-session "Saved redir contents" form).
fn download_line(event: &Event, ctx: &CowrieCtx, f: &FileInfo) -> Option<String> {
    match (&f.url, &f.sha256) {
        (Some(url), Some(sha)) => {
            let outfile = outfile(ctx, sha);
            let message = format!("Downloaded URL ({url}) with SHA-256 {sha} to {outfile}");
            Some(line(event, ctx, None, "cowrie.session.file_download", &message, |o| {
                o.str("url", url)
                    .str("outfile", &outfile)
                    .str("shasum", sha)
                    .bool("duplicate", false);
            }))
        }
        (None, Some(sha)) => {
            let outfile = outfile(ctx, sha);
            let message = format!("Saved redir contents with SHA-256 {sha} to {outfile}");
            Some(line(event, ctx, None, "cowrie.session.file_download", &message, |o| {
                o.bool("duplicate", false)
                    .str("outfile", &outfile)
                    .str("shasum", sha)
                    .str("destfile", f.filename.as_deref().unwrap_or(""));
            }))
        }
        (Some(url), None) => {
            let message = format!("Attempt to download file(s) from URL ({url}) failed");
            Some(line(
                event,
                ctx,
                None,
                "cowrie.session.file_download.failed",
                &message,
                |o| {
                    o.str("url", url);
                },
            ))
        }
        (None, None) => None,
    }
}

/// One line: identity (with `dst_ip`/`dst_port` replaced by `dst` when given, as Cowrie's dict update does for
/// forwarding events), the event's fields, then `eventid`, `sensor`, `uuid`, `timestamp`, `message`.
fn line(
    e: &Event,
    ctx: &CowrieCtx,
    dst: Option<(&str, u16)>,
    eventid: &str,
    message: &str,
    fields: impl FnOnce(&mut Obj),
) -> String {
    let mut o = Obj::new(Style::Compact);
    o.str("session", &e.session)
        .str("protocol", &e.proto)
        .str("src_ip", &e.src_ip.to_string())
        .int("src_port", u64::from(e.src_port));
    match dst {
        Some((host, port)) => o.str("dst_ip", host).int("dst_port", u64::from(port)),
        None => o.str("dst_ip", &dst_ip(e)).int("dst_port", u64::from(e.dst_port)),
    };
    fields(&mut o);
    o.str("eventid", eventid)
        .str("sensor", &ctx.sensor)
        .str("uuid", &ctx.uuid)
        .str("timestamp", &timestamp(&e.ts))
        .str("message", message)
        .finish()
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use serde_json::Value;

    /// The five sessions: (JSON log, hpfeeds payload).
    pub(crate) const FIXTURES: [(&str, &str); 5] = [
        (
            include_str!("testdata/ssh-failed-logins-only.jsonl"),
            include_str!("testdata/01-ssh-failed-logins-only.json"),
        ),
        (
            include_str!("testdata/ssh-login-commands-wget-download.jsonl"),
            include_str!("testdata/02-ssh-login-commands-wget-download.json"),
        ),
        (
            include_str!("testdata/telnet-login-commands-unknown.jsonl"),
            include_str!("testdata/03-telnet-login-commands-unknown.json"),
        ),
        (
            include_str!("testdata/ssh-ipv6-exec-command.jsonl"),
            include_str!("testdata/04-ssh-ipv6-exec-command.json"),
        ),
        (
            include_str!("testdata/ssh-scanner-no-auth.jsonl"),
            include_str!("testdata/05-ssh-scanner-no-auth.json"),
        ),
    ];

    /// One step of a session as our sensor would produce it.
    pub(crate) enum Step {
        /// An event.
        Ev(Event),
        /// The recording closed (timestamped by the event).
        Tty(Event, TtyLog),
    }

    fn s(v: &Value, k: &str) -> String {
        v[k].as_str().unwrap().to_owned()
    }

    fn n(v: &Value, k: &str) -> u64 {
        v[k].as_u64().unwrap()
    }

    /// An event with the identity and timestamp of a fixture line.
    fn ev(v: &Value, kind: Kind) -> Event {
        Event {
            id: uuid::Uuid::nil(),
            ts: DateTime::parse_from_rfc3339(&s(v, "timestamp"))
                .unwrap()
                .with_timezone(&Utc),
            sensor: "s1".into(),
            honeypot: format!("apiary-{}", s(v, "protocol")),
            session: s(v, "session"),
            proto: s(v, "protocol"),
            src_ip: s(v, "src_ip").parse().unwrap(),
            src_port: n(v, "src_port") as u16,
            dst_ip: Some(s(v, "dst_ip").parse().unwrap()),
            dst_port: n(v, "dst_port") as u16,
            kind,
        }
    }

    /// The events our sensor emits for a fixture session, built from the fixture's values, and the fixture lines we
    /// must reproduce (lines we cannot produce dropped, documented timestamps replaced by the ones we use).
    pub(crate) fn session(jsonl: &str) -> (Vec<Step>, Vec<String>) {
        let parsed: Vec<Value> = jsonl.lines().map(|l| serde_json::from_str(l).unwrap()).collect();
        let mut steps = Vec::new();
        let mut expected = Vec::new();
        let mut start_ts = String::new();
        let mut last_ts = String::new();
        for (i, (raw, v)) in jsonl.lines().zip(&parsed).enumerate() {
            let id = s(v, "eventid");
            let next_id = parsed.get(i + 1).map(|n| s(n, "eventid")).unwrap_or_default();
            let ts = s(v, "timestamp");
            let mut want = raw.to_owned();
            match id.as_str() {
                "cowrie.session.connect" => {
                    start_ts = ts.clone();
                    let mut version = None;
                    let (mut hassh, mut algos) = (None, None);
                    for later in &parsed[i + 1..] {
                        match s(later, "eventid").as_str() {
                            "cowrie.client.version" => version = Some(s(later, "version")),
                            "cowrie.client.kex" => {
                                hassh = Some(s(later, "hassh"));
                                algos = Some(s(later, "hasshAlgorithms"));
                            }
                            _ => {}
                        }
                    }
                    steps.push(Step::Ev(ev(
                        v,
                        Kind::SessionStart {
                            client_version: version,
                            hassh,
                            hassh_algorithms: algos,
                        },
                    )));
                }
                "cowrie.client.version" => want = want.replace(&ts, &start_ts),
                "cowrie.client.kex" => {
                    let keys = serde_json::to_string(&v["keyAlgs"]).unwrap();
                    want = want
                        .replace(&ts, &start_ts)
                        .replace(&format!("\"keyAlgs\":{keys}"), "\"keyAlgs\":[]");
                }
                "cowrie.login.failed" | "cowrie.login.success" => steps.push(Step::Ev(ev(
                    v,
                    Kind::Auth {
                        username: s(v, "username"),
                        password: Some(s(v, "password")),
                        key_fingerprint: None,
                        method: AuthMethod::Password,
                        success: id == "cowrie.login.success",
                    },
                ))),
                "cowrie.command.input" => {
                    last_ts = ts.clone();
                    steps.push(Step::Ev(ev(
                        v,
                        Kind::Command {
                            input: s(v, "input"),
                            recognized: next_id != "cowrie.command.failed",
                        },
                    )));
                }
                "cowrie.command.failed" => want = want.replace(&ts, &last_ts),
                "cowrie.session.file_download" => steps.push(Step::Ev(ev(
                    v,
                    Kind::FileDownload(FileInfo {
                        url: Some(s(v, "url")),
                        filename: None,
                        sha256: Some(s(v, "shasum")),
                        md5: None,
                        sha1: None,
                        size: 92,
                        mime: None,
                        stored: true,
                        reason: None,
                    }),
                ))),
                "cowrie.log.closed" => steps.push(Step::Tty(
                    ev(
                        v,
                        Kind::SessionEnd {
                            duration_ms: 0,
                            bytes_in: 0,
                            bytes_out: 0,
                            reason: String::new(),
                            recordings: Vec::new(),
                        },
                    ),
                    TtyLog {
                        path: s(v, "ttylog"),
                        size: n(v, "size"),
                        sha256: s(v, "shasum"),
                        duplicate: v["duplicate"].as_bool().unwrap(),
                        duration_ms: n(v, "duration_ms"),
                    },
                )),
                "cowrie.session.closed" => steps.push(Step::Ev(ev(
                    v,
                    Kind::SessionEnd {
                        duration_ms: n(v, "duration_ms"),
                        bytes_in: 10,
                        bytes_out: 20,
                        reason: "client closed".into(),
                        recordings: Vec::new(),
                    },
                ))),
                // Documented as not produced.
                "cowrie.client.size" | "cowrie.session.params" | "cowrie.telnet.option" => continue,
                other => panic!("fixture has an eventid the test does not map: {other}"),
            }
            expected.push(want);
        }
        (steps, expected)
    }

    pub(crate) fn ctx() -> CowrieCtx {
        CowrieCtx {
            sensor: "hp-ssh-01".into(),
            download_path: DEFAULT_DOWNLOAD_PATH.into(),
            uuid: "8711eb1c-eacc-11f1-b723-02fc00000001".into(),
        }
    }

    #[test]
    fn every_fixture_session_line_for_line() {
        let ctx = ctx();
        for (jsonl, _) in FIXTURES {
            let (steps, expected) = session(jsonl);
            let got: Vec<String> = steps
                .iter()
                .flat_map(|st| match st {
                    Step::Ev(e) => lines(e, &ctx),
                    Step::Tty(e, t) => vec![log_closed(e, t, &ctx)],
                })
                .collect();
            assert_eq!(got.len(), expected.len(), "{got:#?}");
            for (g, w) in got.iter().zip(&expected) {
                assert_eq!(g, w);
            }
        }
    }

    #[test]
    fn fixture_comparison_is_not_vacuous() {
        let (steps, expected) = session(FIXTURES[1].0);
        assert_eq!(steps.len(), 14);
        assert_eq!(expected.len(), 17);
        let (_, telnet) = session(FIXTURES[2].0);
        assert_eq!(telnet.len(), 14);
    }

    /// An SSH event from 203.0.113.67:40421 to 198.51.100.10:2222 at RFC 3339 time `ts` in session `session`.
    pub(crate) fn sample_at(ts: &str, session: &str, kind: Kind) -> Event {
        Event {
            id: uuid::Uuid::nil(),
            ts: DateTime::parse_from_rfc3339(ts).unwrap().with_timezone(&Utc),
            sensor: "s1".into(),
            honeypot: "apiary-ssh".into(),
            session: session.into(),
            proto: "ssh".into(),
            src_ip: "203.0.113.67".parse().unwrap(),
            src_port: 40421,
            dst_ip: Some("198.51.100.10".parse().unwrap()),
            dst_port: 2222,
            kind,
        }
    }

    fn sample(kind: Kind) -> Event {
        sample_at("2026-11-28T01:40:33.000000Z", "9f40e0f9120e", kind)
    }

    const HEAD: &str = r#"{"session":"9f40e0f9120e","protocol":"ssh","src_ip":"203.0.113.67","src_port":40421,"#;
    const TAIL: &str = r#""sensor":"hp-ssh-01","uuid":"8711eb1c-eacc-11f1-b723-02fc00000001","timestamp":"2026-11-28T01:40:33.000000Z","message":"#;

    #[test]
    fn upload_and_failed_download_and_redirect_save() {
        let file = FileInfo {
            url: None,
            filename: Some("/tmp/.x/bot".into()),
            sha256: Some("ab".repeat(32)),
            md5: None,
            sha1: None,
            size: 5,
            mime: None,
            stored: true,
            reason: None,
        };
        let sha = "ab".repeat(32);
        assert_eq!(
            lines(&sample(Kind::FileUpload(file.clone())), &ctx()),
            [format!(
                r#"{HEAD}"dst_ip":"198.51.100.10","dst_port":2222,"filename":"bot","outfile":"var/lib/cowrie/downloads/{sha}","shasum":"{sha}","eventid":"cowrie.session.file_upload",{TAIL}"SFTP Uploaded file \"bot\" to var/lib/cowrie/downloads/{sha}"}}"#
            )]
        );
        assert_eq!(
            lines(&sample(Kind::FileDownload(file.clone())), &ctx()),
            [format!(
                r#"{HEAD}"dst_ip":"198.51.100.10","dst_port":2222,"duplicate":false,"outfile":"var/lib/cowrie/downloads/{sha}","shasum":"{sha}","destfile":"/tmp/.x/bot","eventid":"cowrie.session.file_download",{TAIL}"Saved redir contents with SHA-256 {sha} to var/lib/cowrie/downloads/{sha}"}}"#
            )]
        );
        let failed = FileInfo {
            url: Some("http://192.0.2.77/x".into()),
            sha256: None,
            stored: false,
            reason: Some("timeout".into()),
            ..file
        };
        assert_eq!(
            lines(&sample(Kind::FileDownload(failed)), &ctx()),
            [format!(
                r#"{HEAD}"dst_ip":"198.51.100.10","dst_port":2222,"url":"http://192.0.2.77/x","eventid":"cowrie.session.file_download.failed",{TAIL}"Attempt to download file(s) from URL (http://192.0.2.77/x) failed"}}"#
            )]
        );
    }

    #[test]
    fn direct_tcpip_request_and_data() {
        let got = lines(
            &sample(Kind::TcpipRequest {
                target_host: "example.org".into(),
                target_port: 80,
                first_bytes: "GET / HTTP/1.1\r\n".into(),
                origin_host: Some("127.0.0.1".into()),
                origin_port: Some(51000),
            }),
            &ctx(),
        );
        assert_eq!(
            got,
            [
                format!(
                    r#"{HEAD}"dst_ip":"example.org","dst_port":80,"orig_ip":"127.0.0.1","orig_port":51000,"eventid":"cowrie.direct-tcpip.request",{TAIL}"direct-tcp connection request to example.org:80 from 127.0.0.1:51000"}}"#
                ),
                format!(
                    r#"{HEAD}"dst_ip":"example.org","dst_port":80,"data":"b'GET / HTTP/1.1\\r\\n'","id":0,"eventid":"cowrie.direct-tcpip.data",{TAIL}"discarded direct-tcp forward request 0 to example.org:80 with data b'GET / HTTP/1.1\\r\\n'"}}"#
                ),
            ]
        );
    }

    #[test]
    fn publickey_none_and_escaped_credentials() {
        let key = lines(
            &sample(Kind::Auth {
                username: "root".into(),
                password: None,
                key_fingerprint: Some("ssh-ed25519 SHA256:abc".into()),
                method: AuthMethod::Publickey,
                success: false,
            }),
            &ctx(),
        );
        assert_eq!(
            key,
            [
                format!(
                    r#"{HEAD}"dst_ip":"198.51.100.10","dst_port":2222,"username":"root","fingerprint":"SHA256:abc","type":"ssh-ed25519","eventid":"cowrie.client.fingerprint",{TAIL}"public key attempt for user root of type ssh-ed25519 with fingerprint SHA256:abc"}}"#
                ),
                format!(
                    r#"{HEAD}"dst_ip":"198.51.100.10","dst_port":2222,"username":"root","fingerprint":"SHA256:abc","type":"ssh-ed25519","eventid":"cowrie.login.failed",{TAIL}"public key login attempt for [root] failed"}}"#
                ),
            ]
        );
        let none = Kind::Auth {
            username: "root".into(),
            password: None,
            key_fingerprint: None,
            method: AuthMethod::None,
            success: false,
        };
        assert!(lines(&sample(none), &ctx()).is_empty());
        let odd = lines(
            &sample(Kind::Auth {
                username: "ад\"мин".into(),
                password: Some("p\x1b[1".into()),
                key_fingerprint: None,
                method: AuthMethod::KeyboardInteractive,
                success: true,
            }),
            &ctx(),
        );
        assert_eq!(
            odd,
            [format!(
                r#"{HEAD}"dst_ip":"198.51.100.10","dst_port":2222,"username":"\\xd0\\xb0\\xd0\\xb4\"\\xd0\\xbc\\xd0\\xb8\\xd0\\xbd","password":"p\\x1b[1","eventid":"cowrie.login.success",{TAIL}"login attempt [\\xd0\\xb0\\xd0\\xb4\"\\xd0\\xbc\\xd0\\xb8\\xd0\\xbd/p\\x1b[1] succeeded"}}"#
            )]
        );
    }

    #[test]
    fn telnet_start_is_connect_only_and_commands_escape_like_python() {
        let mut e = sample(Kind::SessionStart {
            client_version: None,
            hassh: None,
            hassh_algorithms: None,
        });
        e.proto = "telnet".into();
        e.dst_port = 2223;
        assert_eq!(
            lines(&e, &ctx()),
            [
                r#"{"session":"9f40e0f9120e","protocol":"telnet","src_ip":"203.0.113.67","src_port":40421,"dst_ip":"198.51.100.10","dst_port":2223,"eventid":"cowrie.session.connect","sensor":"hp-ssh-01","uuid":"8711eb1c-eacc-11f1-b723-02fc00000001","timestamp":"2026-11-28T01:40:33.000000Z","message":"New connection: 203.0.113.67:40421 (198.51.100.10:2223) [session: 9f40e0f9120e]"}"#
            ]
        );
        let cmd = lines(
            &sample(Kind::Command {
                input: "  ëcho\t😀  ".into(),
                recognized: false,
            }),
            &ctx(),
        );
        assert_eq!(
            cmd,
            [
                format!(
                    r#"{HEAD}"dst_ip":"198.51.100.10","dst_port":2222,"input":"  \u00ebcho\t\ud83d\ude00  ","eventid":"cowrie.command.input",{TAIL}"CMD:   \u00ebcho\t\ud83d\ude00  "}}"#
                ),
                format!(
                    r#"{HEAD}"dst_ip":"198.51.100.10","dst_port":2222,"input":"\u00ebcho \ud83d\ude00","eventid":"cowrie.command.failed",{TAIL}"Command not found: \u00ebcho \ud83d\ude00"}}"#
                ),
            ]
        );
        let mut http = sample(Kind::SessionStart {
            client_version: Some("curl/8.0".into()),
            hassh: None,
            hassh_algorithms: None,
        });
        http.proto = "http".into();
        assert!(lines(&http, &ctx()).is_empty());
        assert!(lines(
            &sample(Kind::Scan {
                ports: vec![22],
                window_ms: 1,
                scan_type: "syn".into()
            }),
            &ctx()
        )
        .is_empty());
    }
}

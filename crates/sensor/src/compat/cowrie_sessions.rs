//! The `cowrie.sessions` hpfeeds payload: one JSON summary per session, published when it closes, exactly as
//! Cowrie's `output_hpfeeds3` plugin builds it (what an old MHN consumes).
//!
//! Cowrie fills a dict from its own log events and dumps it with `json.dumps(meta)`: default `", "` / `": "`
//! separators, ASCII escapes, keys in the dict's order. [`SessionSummary`] does the same from our events, taking the
//! values through the same mapping as [`super::cowrie_json`] (so the two outputs agree):
//!
//! - `startTime`: the `session.start` event's timestamp (Cowrie's `cowrie.session.connect`); `endTime`: the
//!   `session.end` event's, `""` until then.
//! - `loggedin`: `null`, or `[user, pass]` of the last successful password-like login; `credentials`: the failed
//!   password-like pairs only. Public-key and `none` attempts count in neither (Cowrie's plugin reads `password`).
//! - `commands`: every input line; `unknownCommands`: the `cowrie.command.failed` input of unrecognized lines
//!   (see [`super::cowrie_json`] for how it differs from Cowrie's per-simple-command value).
//! - `urls`: downloads that got content; `hashes`: their SHA-256 and those of uploads. Cowrie keeps hashes in a Python
//!   `set`, so its order is arbitrary; ours is first-seen order, without duplicates.
//! - `version`: the SSH client version (`null` for Telnet); `ttylog`: hex of the Cowrie-format tty log given to
//!   [`SessionSummary::set_ttylog`], else `null`.
//!
//! Each list holds at most [`MAX_ITEMS`] entries and the tty log at most [`MAX_TTYLOG`] bytes, so one session's
//! summary stays bounded whatever the attacker does. Feed it SSH and Telnet sessions only
//! ([`super::cowrie_json::applies_to`]), as Cowrie has no others.

use std::fmt::Write;

use chrono::{DateTime, Utc};
use event::{Event, Kind};

use super::cowrie_json::{dst_ip, failed_input, password_pair, timestamp};
use super::pyjson::{escape_nonprintable, Item, Obj, Style};

/// The hpfeeds channel Cowrie publishes these summaries on.
pub const CHANNEL: &str = "cowrie.sessions";

/// Most entries kept in each list (credentials, commands, unknown commands, URLs, hashes); later ones are dropped.
pub const MAX_ITEMS: usize = 10_000;

/// Largest tty log carried (raw bytes, before hex); a larger one is left out (`ttylog: null`) rather than cut.
pub const MAX_TTYLOG: usize = 8 * 1024 * 1024;

/// The `cowrie.sessions` summary of one session, fed every event of that session in order.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SessionSummary {
    /// Whether the identity fields were taken (from `session.start`, or the first event if it came first).
    begun: bool,
    /// Whether `session.start` was seen.
    started: bool,
    /// Session id.
    session: String,
    /// `startTime`.
    start: Option<DateTime<Utc>>,
    /// `endTime`, once `session.end` arrived.
    end: Option<DateTime<Utc>>,
    /// Attacker address.
    peer_ip: String,
    /// Attacker port.
    peer_port: u16,
    /// Honeypot address.
    host_ip: String,
    /// Honeypot port.
    host_port: u16,
    /// The last successful login.
    loggedin: Option<(String, String)>,
    /// Failed logins.
    credentials: Vec<(String, String)>,
    /// Input lines.
    commands: Vec<String>,
    /// Unrecognized lines, in Cowrie's `command.failed` form.
    unknown: Vec<String>,
    /// Download URLs.
    urls: Vec<String>,
    /// SSH client version.
    version: Option<String>,
    /// Hex of the tty log.
    ttylog: Option<String>,
    /// Sample hashes, first-seen order.
    hashes: Vec<String>,
    /// `ssh` or `telnet`.
    protocol: String,
}

/// Appends `v` unless the list is full.
fn push<T>(list: &mut Vec<T>, v: T) {
    if list.len() < MAX_ITEMS {
        list.push(v);
    }
}

impl SessionSummary {
    /// An empty summary, waiting for the session's first event.
    pub fn new() -> SessionSummary {
        SessionSummary::default()
    }

    /// Folds one event of the session in; events of other kinds than Cowrie records are ignored.
    pub fn add(&mut self, e: &Event) {
        let is_start = matches!(e.kind, Kind::SessionStart { .. });
        if !self.begun || (is_start && !self.started) {
            self.begun = true;
            self.session.clone_from(&e.session);
            self.start = Some(e.ts);
            self.peer_ip = e.src_ip.to_string();
            self.peer_port = e.src_port;
            self.host_ip = dst_ip(e);
            self.host_port = e.dst_port;
            self.protocol.clone_from(&e.proto);
        }
        match &e.kind {
            Kind::SessionStart { client_version, .. } => {
                self.started = true;
                if let Some(v) = client_version.as_ref().filter(|_| e.proto == "ssh") {
                    self.version = Some(escape_nonprintable(v));
                }
            }
            Kind::Auth {
                username,
                password,
                method,
                success,
                ..
            } => {
                if let Some(pair) = password_pair(*method, username, password.as_deref()) {
                    if *success {
                        self.loggedin = Some(pair);
                    } else {
                        push(&mut self.credentials, pair);
                    }
                }
            }
            Kind::Command { input, recognized } => {
                push(&mut self.commands, input.clone());
                if !recognized {
                    if let Some(failed) = failed_input(input) {
                        push(&mut self.unknown, failed);
                    }
                }
            }
            Kind::FileDownload(f) => {
                if let Some(sha) = &f.sha256 {
                    if let Some(url) = &f.url {
                        push(&mut self.urls, url.clone());
                    }
                    self.add_hash(sha);
                }
            }
            Kind::FileUpload(f) => {
                if let Some(sha) = &f.sha256 {
                    self.add_hash(sha);
                }
            }
            Kind::SessionEnd { .. } => self.end = Some(e.ts),
            Kind::TcpipRequest { .. }
            | Kind::HttpRequest { .. }
            | Kind::Scan { .. }
            | Kind::Alert { .. }
            | Kind::Fingerprint(_)
            | Kind::Request { .. }
            | Kind::Raw { .. } => {}
        }
    }

    /// Records a hash once.
    fn add_hash(&mut self, sha: &str) {
        if !self.hashes.iter().any(|h| h == sha) {
            push(&mut self.hashes, sha.to_owned());
        }
    }

    /// Sets the session's tty log: the bytes of a Cowrie-format (`ttylog.py`) recording, sent as hex like Cowrie.
    /// A log over [`MAX_TTYLOG`] bytes leaves `ttylog` null.
    pub fn set_ttylog(&mut self, bytes: &[u8]) {
        if bytes.len() > MAX_TTYLOG {
            self.ttylog = None;
            return;
        }
        let mut hex = String::with_capacity(bytes.len() * 2);
        for b in bytes {
            let _ = write!(hex, "{b:02x}");
        }
        self.ttylog = Some(hex);
    }

    /// Whether `session.end` was seen, the moment Cowrie publishes.
    pub fn is_ended(&self) -> bool {
        self.end.is_some()
    }

    /// The payload, byte for byte as Cowrie's `json.dumps(meta)` (no trailing newline).
    pub fn finish(&self) -> String {
        let start = self.start.as_ref().map(timestamp).unwrap_or_default();
        let end = self.end.as_ref().map(timestamp).unwrap_or_default();
        let mut o = Obj::new(Style::Spaced);
        o.str("session", &self.session)
            .str("startTime", &start)
            .str("endTime", &end)
            .str("peerIP", &self.peer_ip)
            .int("peerPort", u64::from(self.peer_port))
            .str("hostIP", &self.host_ip)
            .int("hostPort", u64::from(self.host_port));
        match &self.loggedin {
            Some((u, p)) => o.str_list("loggedin", [u.as_str(), p.as_str()]),
            None => o.null("loggedin"),
        };
        o.list("credentials", self.credentials.iter().map(|(u, p)| Item::Pair(u, p)))
            .str_list("commands", self.commands.iter().map(String::as_str))
            .str_list("unknownCommands", self.unknown.iter().map(String::as_str))
            .str_list("urls", self.urls.iter().map(String::as_str))
            .opt_str("version", self.version.as_deref())
            .opt_str("ttylog", self.ttylog.as_deref())
            .str_list("hashes", self.hashes.iter().map(String::as_str))
            .str("protocol", &self.protocol)
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::compat::cowrie_json::tests::{sample_at, session, Step, FIXTURES};
    use event::{AuthMethod, FileInfo};

    /// The raw tty log bytes inside a fixture payload (what our recorder would hand over).
    fn ttylog_of(payload: &str) -> Option<Vec<u8>> {
        let v: serde_json::Value = serde_json::from_str(payload).unwrap();
        v["ttylog"].as_str().map(|h| hex::decode(h).unwrap())
    }

    #[test]
    fn every_fixture_byte_for_byte() {
        for (jsonl, payload) in FIXTURES {
            let (steps, _) = session(jsonl);
            let mut sum = SessionSummary::new();
            for st in &steps {
                if let Step::Ev(e) = st {
                    sum.add(e);
                }
            }
            if let Some(tty) = ttylog_of(payload) {
                sum.set_ttylog(&tty);
            }
            assert!(sum.is_ended());
            assert_eq!(sum.finish(), payload);
        }
    }

    fn sample(kind: Kind) -> Event {
        sample_at("2026-11-28T01:40:33.5Z", "0123456789ab", kind)
    }

    #[test]
    fn uploads_keys_and_escapes() {
        let mut sum = SessionSummary::new();
        sum.add(&sample(Kind::SessionStart {
            client_version: Some("SSH-2.0-é".into()),
            hassh: None,
            hassh_algorithms: None,
        }));
        sum.add(&sample(Kind::Auth {
            username: "root".into(),
            password: None,
            key_fingerprint: Some("ssh-ed25519 SHA256:abc".into()),
            method: AuthMethod::Publickey,
            success: true,
        }));
        sum.add(&sample(Kind::Auth {
            username: "ü".into(),
            password: Some("\"\n".into()),
            key_fingerprint: None,
            method: AuthMethod::Password,
            success: false,
        }));
        let file = FileInfo {
            url: None,
            filename: Some("a".into()),
            sha256: Some("cd".repeat(32)),
            md5: None,
            sha1: None,
            size: 1,
            mime: None,
            stored: true,
            reason: None,
        };
        sum.add(&sample(Kind::FileUpload(file.clone())));
        sum.add(&sample(Kind::FileUpload(file)));
        sum.add(&sample(Kind::Command {
            input: "ls ü".into(),
            recognized: true,
        }));
        assert!(!sum.is_ended());
        let h = "cd".repeat(32);
        assert_eq!(
            sum.finish(),
            format!(
                r#"{{"session": "0123456789ab", "startTime": "2026-11-28T01:40:33.500000Z", "endTime": "", "peerIP": "203.0.113.67", "peerPort": 40421, "hostIP": "198.51.100.10", "hostPort": 2222, "loggedin": null, "credentials": [["\\xc3\\xbc", "\"\\x0a"]], "commands": ["ls \u00fc"], "unknownCommands": [], "urls": [], "version": "SSH-2.0-\\xc3\\xa9", "ttylog": null, "hashes": ["{h}"], "protocol": "ssh"}}"#
            )
        );
    }

    #[test]
    fn lists_and_ttylog_are_bounded() {
        let mut sum = SessionSummary::new();
        for _ in 0..MAX_ITEMS + 5 {
            sum.add(&sample(Kind::Command {
                input: "x".into(),
                recognized: false,
            }));
        }
        assert_eq!(sum.commands.len(), MAX_ITEMS);
        assert_eq!(sum.unknown.len(), MAX_ITEMS);
        sum.set_ttylog(&[0x01, 0xab]);
        assert_eq!(sum.ttylog.as_deref(), Some("01ab"));
        sum.set_ttylog(&vec![0; MAX_TTYLOG + 1]);
        assert_eq!(sum.ttylog, None);
    }
}

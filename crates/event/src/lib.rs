//! The normalized event model every Apiary component speaks: one envelope, one `kind` per event type.
//!
//! This crate is an API boundary: it does no I/O and depends on no other Apiary crate.
//! Its JSON form (one object, `kind` flattened into the envelope) is a published contract: sensors write it to
//! their JSONL log and publish it on `apiary.events`, and the collector reads it back.
//!
//! # Layout
//! - this file: the envelope ([`Event`]) and its JSON helpers.
//! - [`kind`]: one enum variant per kind, with its fields.
//! - [`id`]: UUIDv7 event ids.
//! - [`heartbeat`]: the sensor heartbeat published on [`CHANNEL_HEARTBEAT`] (not an event).

pub mod heartbeat;
pub mod id;
pub mod kind;

use std::net::IpAddr;

use chrono::{DateTime, SubsecRound, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

pub use kind::{AuthMethod, FileInfo, Fingerprint, Kind};

/// hpfeeds channel our sensors publish events on, one JSON event per message.
pub const CHANNEL_EVENTS: &str = "apiary.events";
/// hpfeeds channel for captured file bytes (capped).
pub const CHANNEL_FILES: &str = "apiary.files";
/// hpfeeds channel for finished session recordings: a JSON header line, `\n`, then the asciicast v2 bytes (capped).
pub const CHANNEL_TTYLOG: &str = "apiary.ttylog";
/// hpfeeds channel for sensor liveness: one JSON [`heartbeat::Heartbeat`] per message, at start and every minute.
pub const CHANNEL_HEARTBEAT: &str = "apiary.heartbeat";

/// One normalized event: who, where, when, and what (`kind`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Event {
    /// UUIDv7, made once at the sensor; every later insert is idempotent on it.
    pub id: Uuid,
    /// When it happened, UTC, microsecond precision (RFC 3339 in JSON).
    #[serde(with = "ts_micros")]
    pub ts: DateTime<Utc>,
    /// The sensor id that saw it.
    pub sensor: String,
    /// Which honeypot produced it (`apiary-ssh`, `cowrie`, `dionaea`, ...).
    pub honeypot: String,
    /// The session (connection) id it belongs to.
    pub session: String,
    /// Application protocol (`ssh`, `telnet`, `http`, `smb`, ...).
    pub proto: String,
    /// The attacker's address (IPv4 or IPv6).
    pub src_ip: IpAddr,
    /// The attacker's port.
    pub src_port: u16,
    /// The honeypot's address, when known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dst_ip: Option<IpAddr>,
    /// The honeypot's port.
    pub dst_port: u16,
    /// What happened.
    #[serde(flatten)]
    pub kind: Kind,
}

impl Event {
    /// Serializes to one line of JSON (no trailing newline), the form of the JSONL log and of `apiary.events`.
    pub fn to_json(&self) -> String {
        // Serializing plain data with string keys cannot fail.
        serde_json::to_string(self).unwrap_or_default()
    }

    /// Parses one event from JSON, as the collector does with `apiary.events` payloads.
    pub fn from_json(s: &[u8]) -> Result<Event, serde_json::Error> {
        serde_json::from_slice(s)
    }

    /// The current time at the precision events carry (microseconds), so a round trip compares equal.
    pub fn now() -> DateTime<Utc> {
        Utc::now().trunc_subsecs(6)
    }
}

/// RFC 3339 with exactly six fractional digits and `Z`, as the design fixes it.
mod ts_micros {
    use chrono::{DateTime, SecondsFormat, Utc};
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(ts: &DateTime<Utc>, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&ts.to_rfc3339_opts(SecondsFormat::Micros, true))
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<DateTime<Utc>, D::Error> {
        let s = String::deserialize(d)?;
        DateTime::parse_from_rfc3339(&s)
            .map(|t| t.with_timezone(&Utc))
            .map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample(kind: Kind) -> Event {
        Event {
            id: Uuid::parse_str("019a0000-0000-7000-8000-000000000001").unwrap(),
            ts: DateTime::parse_from_rfc3339("2026-11-28T01:40:32.487445Z")
                .unwrap()
                .with_timezone(&Utc),
            sensor: "s1".into(),
            honeypot: "apiary-ssh".into(),
            session: "9f40e0f9120e".into(),
            proto: "ssh".into(),
            src_ip: "2001:db8::1".parse().unwrap(),
            src_port: 40421,
            dst_ip: None,
            dst_port: 2222,
            kind,
        }
    }

    #[test]
    fn auth_json_is_the_published_shape() {
        let e = sample(Kind::Auth {
            username: "<script>".into(),
            password: Some("123456".into()),
            key_fingerprint: None,
            method: AuthMethod::Password,
            success: false,
        });
        assert_eq!(
            e.to_json(),
            r#"{"id":"019a0000-0000-7000-8000-000000000001","ts":"2026-11-28T01:40:32.487445Z","sensor":"s1","honeypot":"apiary-ssh","session":"9f40e0f9120e","proto":"ssh","src_ip":"2001:db8::1","src_port":40421,"dst_port":2222,"kind":"auth","username":"<script>","password":"123456","method":"password","success":false}"#
        );
    }

    #[test]
    fn every_kind_round_trips() {
        let file = FileInfo {
            url: Some("http://203.0.113.5/x.sh".into()),
            filename: None,
            sha256: Some("ab".repeat(32)),
            md5: None,
            sha1: None,
            size: 10,
            mime: Some("text/x-shellscript".into()),
            stored: true,
            reason: None,
        };
        let kinds = vec![
            Kind::SessionStart {
                client_version: Some("SSH-2.0-Go".into()),
                hassh: None,
                hassh_algorithms: Some("curve25519-sha256;aes128-ctr;hmac-sha2-256;none".into()),
            },
            Kind::SessionEnd {
                duration_ms: 5,
                bytes_in: 1,
                bytes_out: 2,
                reason: "client closed".into(),
                recordings: Vec::new(),
            },
            Kind::Command {
                input: "uname -a".into(),
                recognized: true,
            },
            Kind::FileDownload(file.clone()),
            Kind::FileUpload(file),
            Kind::TcpipRequest {
                target_host: "example.org".into(),
                target_port: 80,
                first_bytes: "GET /".into(),
                origin_host: Some("127.0.0.1".into()),
                origin_port: Some(0),
            },
            Kind::HttpRequest {
                method: "GET".into(),
                path: "/".into(),
                query: String::new(),
                headers: vec![("Host".into(), "x".into())],
                body: String::new(),
                classification: vec!["scanner".into()],
            },
            Kind::Scan {
                ports: vec![22, 23],
                window_ms: 1000,
                scan_type: "syn".into(),
            },
            Kind::Alert {
                signature_id: 1,
                message: "m".into(),
                severity: 2,
                category: "c".into(),
            },
            Kind::Fingerprint(Fingerprint {
                tool: "p0f".into(),
                os: Some("Linux 2.2.x-3.x".into()),
                distance: Some(13),
                ..Fingerprint::default()
            }),
            Kind::Request {
                request: "modbus read coils".into(),
                response: None,
            },
            Kind::Raw {
                channel: "x.events".into(),
                payload: "{}".into(),
                reason: "unknown channel".into(),
            },
        ];
        for k in kinds {
            let name = k.name();
            let e = sample(k);
            let json = e.to_json();
            assert!(json.contains(&format!(r#""kind":"{name}""#)), "{json}");
            assert_eq!(Event::from_json(json.as_bytes()).unwrap(), e);
        }
    }

    #[test]
    fn now_round_trips_through_json() {
        let mut e = sample(Kind::Command {
            input: "id".into(),
            recognized: true,
        });
        e.ts = Event::now();
        assert_eq!(Event::from_json(e.to_json().as_bytes()).unwrap(), e);
    }
}

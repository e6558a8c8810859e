//! In-memory aggregation of one batch's newly inserted events: rollups, series, totals, sessions, sensors.
//!
//! Backend-independent; `write` turns each map into one multi-row upsert.

use std::collections::HashMap;

use event::{Event, Kind};

use crate::sql::micros;
use crate::Record;

/// Microseconds in an hour and a minute.
const HOUR: i64 = 3_600_000_000;
/// Microseconds in a minute.
const MINUTE: i64 = 60_000_000;

/// Start of the hour containing `us`.
pub(crate) fn hour(us: i64) -> i64 {
    us.div_euclid(HOUR) * HOUR
}

/// Start of the minute containing `us`.
pub(crate) fn minute(us: i64) -> i64 {
    us.div_euclid(MINUTE) * MINUTE
}

/// Per-hour counters.
#[derive(Debug, Default, Clone, Copy)]
pub(crate) struct Tot {
    /// Events.
    pub events: i64,
    /// Sessions started.
    pub sessions: i64,
    /// Successful logins.
    pub logins: i64,
    /// Downloads and uploads.
    pub downloads: i64,
}

/// What one batch adds to a session row.
#[derive(Debug, Clone)]
pub(crate) struct SessionDelta {
    /// An event of the session (envelope fields and geo come from the first one).
    pub first: Record,
    /// Earliest event time.
    pub start: i64,
    /// End time, if a session.end was in the batch.
    pub end: Option<i64>,
    /// Client version.
    pub client_version: Option<String>,
    /// HASSH.
    pub hassh: Option<String>,
    /// Auth attempts.
    pub auth: i64,
    /// First successful login.
    pub login: Option<(String, Option<String>)>,
    /// Commands.
    pub commands: i64,
    /// Files.
    pub downloads: i64,
    /// Usernames tried.
    pub users: Vec<String>,
    /// (duration ms, bytes in, bytes out, reason) from session.end.
    pub ended: Option<(i64, i64, i64, String)>,
}

/// A sensor's counters in the batch.
#[derive(Debug, Clone)]
pub(crate) struct SensorDelta {
    /// Publishing ident.
    pub ident: String,
    /// Earliest event.
    pub first: i64,
    /// Latest event.
    pub last: i64,
    /// Events.
    pub events: i64,
    /// Honeypots seen.
    pub honeypots: Vec<String>,
}

/// Everything one batch adds.
#[derive(Debug, Default)]
pub(crate) struct Agg {
    /// (dim, hour, key) → count.
    pub rollups: HashMap<(&'static str, i64, String), i64>,
    /// (minute, proto) → count.
    pub series: HashMap<(i64, String), i64>,
    /// hour → counters.
    pub totals: HashMap<i64, Tot>,
    /// session id → delta.
    pub sessions: HashMap<String, SessionDelta>,
    /// sensor id → delta.
    pub sensors: HashMap<String, SensorDelta>,
}

/// The store-wide id of an event's session, if it has one.
pub(crate) fn session_id(e: &Event) -> Option<String> {
    (!e.session.is_empty()).then(|| format!("{}/{}", e.sensor, e.session))
}

impl Agg {
    /// Counts one newly inserted record.
    pub fn add(&mut self, r: &Record) {
        let e = &r.event;
        let ts = micros(e.ts);
        let h = hour(ts);
        let mut roll = |dim: &'static str, key: String| *self.rollups.entry((dim, h, key)).or_default() += 1;
        roll("src_ip", e.src_ip.to_string());
        if let Some(c) = &r.geo.country {
            roll("country", c.clone());
        }
        if let Some(a) = r.geo.asn {
            roll("asn", a.to_string());
        }
        roll("port", e.dst_port.to_string());
        roll("proto", e.proto.clone());
        roll("honeypot", e.honeypot.clone());
        roll("sensor", e.sensor.clone());
        let tot = self.totals.entry(h).or_default();
        tot.events += 1;
        match &e.kind {
            Kind::Auth {
                username,
                password,
                success,
                ..
            } => {
                roll("username", username.clone());
                if let Some(p) = password {
                    roll("password", p.clone());
                }
                let cred = serde_json::json!([username, password]).to_string();
                roll("credential", cred);
                if *success {
                    tot.logins += 1;
                }
            }
            Kind::Command { input, .. } => roll("command", input.clone()),
            Kind::FileDownload(f) | Kind::FileUpload(f) => {
                if let Some(u) = &f.url {
                    roll("url", u.clone());
                }
                if let Some(k) = f.sha256.as_ref().or(f.md5.as_ref()) {
                    roll("hash", k.to_ascii_lowercase());
                }
                tot.downloads += 1;
            }
            Kind::SessionStart { .. } => tot.sessions += 1,
            _ => {}
        }
        *self.series.entry((minute(ts), e.proto.clone())).or_default() += 1;
        let s = self.sensors.entry(e.sensor.clone()).or_insert_with(|| SensorDelta {
            ident: r.ident.clone(),
            first: ts,
            last: ts,
            events: 0,
            honeypots: Vec::new(),
        });
        s.first = s.first.min(ts);
        s.last = s.last.max(ts);
        s.events += 1;
        if !s.honeypots.contains(&e.honeypot) {
            s.honeypots.push(e.honeypot.clone());
        }
        if let Some(id) = session_id(e) {
            self.add_session(id, r, ts);
        }
    }

    /// Folds one event into its session's delta.
    fn add_session(&mut self, id: String, r: &Record, ts: i64) {
        let d = self.sessions.entry(id).or_insert_with(|| SessionDelta {
            first: r.clone(),
            start: ts,
            end: None,
            client_version: None,
            hassh: None,
            auth: 0,
            login: None,
            commands: 0,
            downloads: 0,
            users: Vec::new(),
            ended: None,
        });
        d.start = d.start.min(ts);
        match &r.event.kind {
            Kind::SessionStart {
                client_version, hassh, ..
            } => {
                d.client_version = d.client_version.take().or(client_version.clone());
                d.hassh = d.hassh.take().or(hassh.clone());
            }
            Kind::SessionEnd {
                duration_ms,
                bytes_in,
                bytes_out,
                reason,
                ..
            } => {
                d.end = Some(ts);
                let n = |v: u64| i64::try_from(v).unwrap_or(i64::MAX);
                d.ended = Some((n(*duration_ms), n(*bytes_in), n(*bytes_out), reason.clone()));
            }
            Kind::Auth {
                username,
                password,
                success,
                ..
            } => {
                d.auth += 1;
                if *success && d.login.is_none() {
                    d.login = Some((username.clone(), password.clone()));
                }
                if !d.users.contains(username) {
                    d.users.push(username.clone());
                }
            }
            Kind::Command { .. } => d.commands += 1,
            Kind::FileDownload(_) | Kind::FileUpload(_) => d.downloads += 1,
            _ => {}
        }
    }
}

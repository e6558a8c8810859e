//! In-memory aggregation of one batch's newly inserted events: rollups, series, totals, sessions, sensors, and
//! per-address daily aggregates for the attacker detail.
//!
//! Backend-independent; `write` turns each map into one multi-row upsert.

use std::collections::{HashMap, HashSet};
use std::net::IpAddr;

use event::Kind;

use crate::sql::micros;
use crate::{Geo, Record};

/// Microseconds in an hour and a minute.
const HOUR: i64 = 3_600_000_000;
/// Microseconds in a minute.
const MINUTE: i64 = 60_000_000;

/// Start of the hour containing `us`.
pub(crate) fn hour(us: i64) -> i64 {
    us.div_euclid(HOUR) * HOUR
}

/// Microseconds in a UTC day.
const DAY: i64 = 24 * HOUR;

/// Start of the UTC day containing `us` (attacker aggregates are kept per day).
pub(crate) fn day(us: i64) -> i64 {
    us.div_euclid(DAY) * DAY
}

/// Start of the minute containing `us`.
pub(crate) fn minute(us: i64) -> i64 {
    us.div_euclid(MINUTE) * MINUTE
}

/// Per-hour counters.
#[derive(Debug, Default, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
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

/// The attacker detail's dimensions as stored in `attacker_keys.dim`, in the order of `Attacker`'s lists
/// (sensors, ports, protocols, credentials, commands, files).
pub(crate) const ATTACKER_DIMS: [&str; 6] = ["sensor", "port", "proto", "credential", "command", "file"];

/// A rollup or attacker key, kept borrowed (or as a number) while aggregating and turned into text once per
/// distinct key when written.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub(crate) enum Key<'a> {
    /// Text taken from the event.
    S(&'a str),
    /// Text computed from the event (lowercased hashes).
    Owned(String),
    /// An address (rollups' `src_ip`).
    Ip(IpAddr),
    /// A port or an ASN.
    N(u32),
    /// A credential for the rollups: the JSON array `[user, password]`.
    CredJson(&'a str, Option<&'a str>),
    /// A credential for `session_values`: see [`session_credential`].
    CredByPassword(&'a str, Option<&'a str>),
}

impl Key<'_> {
    /// The stored text.
    pub fn render(&self) -> String {
        match self {
            Key::S(s) => (*s).to_owned(),
            Key::Owned(s) => s.clone(),
            Key::Ip(a) => a.to_string(),
            Key::N(n) => n.to_string(),
            Key::CredJson(u, p) => serde_json::json!([u, p]).to_string(),
            Key::CredByPassword(u, p) => session_credential(u, *p),
        }
    }
}

/// A credential as `session_values` keeps it: the password as JSON (`null` for none), a tab, the username as JSON.
/// Password first, so one row per credential serves both searches: by pair (equality) and by password (the range
/// [`password_range`] gives). JSON text never holds a raw tab or newline, so the prefix is unambiguous.
pub(crate) fn session_credential(user: &str, password: Option<&str>) -> String {
    let mut s = serde_json::to_string(&password).unwrap_or_default();
    s.push('\t');
    s.push_str(&serde_json::to_string(user).unwrap_or_default());
    s
}

/// The `session_values` credential range `[lo, hi)` holding exactly the credentials with `password`: every value
/// that starts with the password's JSON and a tab (`\t` and `\n` are adjacent bytes; both compare bytewise).
pub(crate) fn password_range(password: &str) -> (String, String) {
    let json = serde_json::to_string(password).unwrap_or_default();
    (format!("{json}\t"), format!("{json}\n"))
}

/// The `session_values` form of a credentials top-list key (`["user","password"]`, password possibly `null`), or
/// `None` when `key` is not such a pair.
pub(crate) fn session_credential_of_key(key: &str) -> Option<String> {
    let (user, password): (String, Option<String>) = serde_json::from_str(key).ok()?;
    Some(session_credential(&user, password.as_deref()))
}

/// What one batch adds to a session row.
#[derive(Debug, Clone)]
pub(crate) struct SessionDelta<'a> {
    /// An event of the session (envelope fields and geo come from the first one).
    pub first: &'a Record,
    /// Earliest event time.
    pub start: i64,
    /// End time, if a session.end was in the batch.
    pub end: Option<i64>,
    /// Client version.
    pub client_version: Option<&'a str>,
    /// HASSH.
    pub hassh: Option<&'a str>,
    /// Auth attempts.
    pub auth: i64,
    /// First successful login.
    pub login: Option<(&'a str, Option<&'a str>)>,
    /// Commands.
    pub commands: i64,
    /// Files.
    pub downloads: i64,
    /// Usernames tried.
    pub users: Vec<&'a str>,
    /// Credentials (password first, see [`session_credential`]), commands and URLs seen (session search by any
    /// value a top list shows; hashes are found through `file_sessions`).
    pub values: HashSet<(&'static str, Key<'a>)>,
    /// (duration ms, bytes in, bytes out, reason) from session.end.
    pub ended: Option<(i64, i64, i64, &'a str)>,
}

/// A sensor's counters in the batch.
#[derive(Debug, Clone)]
pub(crate) struct SensorDelta<'a> {
    /// Publishing ident.
    pub ident: &'a str,
    /// Earliest event.
    pub first: i64,
    /// Latest event.
    pub last: i64,
    /// Events.
    pub events: i64,
    /// Honeypots seen.
    pub honeypots: Vec<&'a str>,
}

/// One address's counters for one UTC day in the batch.
#[derive(Debug, Clone)]
pub(crate) struct AttackerDelta<'a> {
    /// Earliest event.
    pub first: i64,
    /// Latest event.
    pub last: i64,
    /// Events.
    pub events: i64,
    /// Sessions this batch creates (filled by `write` once it knows which sessions are new).
    pub sessions: i64,
    /// Geo of the latest event.
    pub geo: &'a Geo,
}

/// A credential as an attacker's detail shows it: `user:password`. Kept as that text, not as the pair, because
/// different pairs render alike (`("root", None)` and `("root", Some(""))`, or `("a:b", "c")` and `("a", "b:c")`) and
/// must merge here: PostgreSQL refuses an upsert that hits one row twice.
pub(crate) fn attacker_cred(user: &str, pass: Option<&str>) -> String {
    format!("{user}:{}", pass.unwrap_or_default())
}

/// The stored id of a session: `sensor/session`.
pub(crate) fn session_id(sensor: &str, session: &str) -> String {
    format!("{sensor}/{session}")
}

/// Everything one batch adds; keys borrow from the batch's records. Every map is keyed by what its table's key
/// stores (addresses in canonical form, session ids and credentials as their stored text), so two entries never
/// become the same row of one multi-row upsert.
#[derive(Debug, Default)]
pub(crate) struct Agg<'a> {
    /// (dim, hour, key) → count.
    pub rollups: HashMap<(&'static str, i64, Key<'a>), i64>,
    /// (minute, proto) → count.
    pub series: HashMap<(i64, &'a str), i64>,
    /// hour → counters.
    pub totals: HashMap<i64, Tot>,
    /// Stored session id (`sensor/session`) → delta.
    pub sessions: HashMap<String, SessionDelta<'a>>,
    /// sensor id → delta.
    pub sensors: HashMap<&'a str, SensorDelta<'a>>,
    /// (address, day) → counters.
    pub attackers: HashMap<(IpAddr, i64), AttackerDelta<'a>>,
    /// (day, address, dim, key) → count, for the attacker detail's lists.
    pub attacker_keys: HashMap<(i64, IpAddr, &'static str, Key<'a>), i64>,
}

impl<'a> Agg<'a> {
    /// Counts one newly inserted record.
    pub fn add(&mut self, r: &'a Record) {
        let e = &r.event;
        let ts = micros(e.ts);
        let h = hour(ts);
        let d = day(ts);
        // `::ffff:192.0.2.1` is stored as `192.0.2.1`: one address, one key.
        let ip = e.src_ip.to_canonical();
        let mut roll = |dim: &'static str, key: Key<'a>| *self.rollups.entry((dim, h, key)).or_default() += 1;
        roll("src_ip", Key::Ip(ip));
        if let Some(c) = &r.geo.country {
            roll("country", Key::S(c));
        }
        if let Some(a) = r.geo.asn {
            roll("asn", Key::N(a));
        }
        roll("port", Key::N(u32::from(e.dst_port)));
        roll("proto", Key::S(&e.proto));
        roll("honeypot", Key::S(&e.honeypot));
        roll("sensor", Key::S(&e.sensor));
        let mut akey = |dim: &'static str, key: Key<'a>| {
            *self.attacker_keys.entry((d, ip, dim, key)).or_default() += 1;
        };
        akey(ATTACKER_DIMS[0], Key::S(&e.sensor));
        akey(ATTACKER_DIMS[1], Key::N(u32::from(e.dst_port)));
        akey(ATTACKER_DIMS[2], Key::S(&e.proto));
        let tot = self.totals.entry(h).or_default();
        tot.events += 1;
        match &e.kind {
            Kind::Auth {
                username,
                password,
                success,
                ..
            } => {
                let pw = password.as_deref();
                roll("username", Key::S(username));
                if let Some(p) = pw {
                    roll("password", Key::S(p));
                }
                roll("credential", Key::CredJson(username, pw));
                akey(ATTACKER_DIMS[3], Key::Owned(attacker_cred(username, pw)));
                if *success {
                    tot.logins += 1;
                }
            }
            Kind::Command { input, .. } => {
                roll("command", Key::S(input));
                akey(ATTACKER_DIMS[4], Key::S(input));
            }
            Kind::FileDownload(f) | Kind::FileUpload(f) => {
                if let Some(u) = &f.url {
                    roll("url", Key::S(u));
                }
                if let Some(k) = f.sha256.as_ref().or(f.md5.as_ref()) {
                    let k = k.to_ascii_lowercase();
                    roll("hash", Key::Owned(k.clone()));
                    akey(ATTACKER_DIMS[5], Key::Owned(k));
                }
                tot.downloads += 1;
            }
            Kind::SessionStart { .. } => tot.sessions += 1,
            _ => {}
        }
        *self.series.entry((minute(ts), &e.proto)).or_default() += 1;
        let s = self.sensors.entry(&e.sensor).or_insert_with(|| SensorDelta {
            ident: &r.ident,
            first: ts,
            last: ts,
            events: 0,
            honeypots: Vec::new(),
        });
        s.first = s.first.min(ts);
        s.last = s.last.max(ts);
        s.events += 1;
        if !s.honeypots.contains(&e.honeypot.as_str()) {
            s.honeypots.push(&e.honeypot);
        }
        let a = self.attackers.entry((ip, d)).or_insert_with(|| AttackerDelta {
            first: ts,
            last: ts,
            events: 0,
            sessions: 0,
            geo: &r.geo,
        });
        a.first = a.first.min(ts);
        if ts >= a.last {
            a.last = ts;
            a.geo = &r.geo;
        }
        a.events += 1;
        if !e.session.is_empty() {
            self.add_session(r, ts);
        }
    }

    /// Folds one event into its session's delta.
    fn add_session(&mut self, r: &'a Record, ts: i64) {
        let e = &r.event;
        let d = self
            .sessions
            .entry(session_id(&e.sensor, &e.session))
            .or_insert_with(|| SessionDelta {
                first: r,
                start: ts,
                end: None,
                client_version: None,
                hassh: None,
                auth: 0,
                login: None,
                commands: 0,
                downloads: 0,
                users: Vec::new(),
                values: HashSet::new(),
                ended: None,
            });
        d.start = d.start.min(ts);
        match &e.kind {
            Kind::SessionStart {
                client_version, hassh, ..
            } => {
                d.client_version = d.client_version.or(client_version.as_deref());
                d.hassh = d.hassh.or(hassh.as_deref());
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
                d.ended = Some((n(*duration_ms), n(*bytes_in), n(*bytes_out), reason));
            }
            Kind::Auth {
                username,
                password,
                success,
                ..
            } => {
                d.auth += 1;
                if *success && d.login.is_none() {
                    d.login = Some((username, password.as_deref()));
                }
                if !d.users.contains(&username.as_str()) {
                    d.users.push(username);
                }
                // One row serves the password search too (see `session_credential`).
                d.values
                    .insert(("credential", Key::CredByPassword(username, password.as_deref())));
            }
            Kind::Command { input, .. } => {
                d.commands += 1;
                d.values.insert(("command", Key::S(input)));
            }
            Kind::FileDownload(f) | Kind::FileUpload(f) => {
                d.downloads += 1;
                if let Some(u) = &f.url {
                    d.values.insert(("url", Key::S(u)));
                }
            }
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::{day, Agg, Key, ATTACKER_DIMS};
    use crate::{Geo, Record};
    use chrono::{TimeZone, Utc};
    use event::{AuthMethod, Event, Kind};

    fn auth(ip: &str, session: &str, user: &str, pass: Option<&str>) -> Record {
        Record {
            event: Event {
                id: uuid::Uuid::now_v7(),
                ts: Utc.with_ymd_and_hms(2026, 11, 1, 23, 59, 0).unwrap(),
                sensor: "s1".into(),
                honeypot: "ssh".into(),
                session: session.into(),
                proto: "ssh".into(),
                src_ip: ip.parse().unwrap(),
                src_port: 1,
                dst_ip: None,
                dst_port: 22,
                kind: Kind::Auth {
                    username: user.into(),
                    password: pass.map(Into::into),
                    key_fingerprint: None,
                    method: AuthMethod::Password,
                    success: false,
                },
            },
            received: Utc::now(),
            channel: "c".into(),
            ident: "i".into(),
            geo: Geo::default(),
        }
    }

    #[test]
    fn credentials_render_per_table() {
        assert_eq!(Key::CredJson("root", Some("a\"b")).render(), r#"["root","a\"b"]"#);
        assert_eq!(Key::CredJson("root", None).render(), r#"["root",null]"#);
        assert_eq!(super::attacker_cred("root", Some("x")), "root:x");
        assert_eq!(super::attacker_cred("root", None), "root:");
    }

    #[test]
    fn attacker_keys_are_per_day_address_and_value() {
        let recs = [
            auth("192.0.2.1", "a", "root", Some("x")),
            auth("192.0.2.1", "a", "root", Some("x")),
            auth("192.0.2.1", "b", "admin", None),
            auth("192.0.2.2", "", "root", Some("x")),
        ];
        let mut agg = Agg::default();
        for r in &recs {
            agg.add(r);
        }
        let d = day(crate::sql::micros(recs[0].event.ts));
        let ip1 = "192.0.2.1".parse().unwrap();
        let cred = |k| agg.attacker_keys.get(&(d, ip1, ATTACKER_DIMS[3], k)).copied();
        assert_eq!(cred(Key::Owned("root:x".into())), Some(2));
        assert_eq!(cred(Key::Owned("admin:".into())), Some(1));
        assert_eq!(agg.attackers[&(ip1, d)].events, 3);
        assert_eq!(agg.attackers.len(), 2);
        assert_eq!(agg.sessions.len(), 2, "the sessionless event has no session");
        assert_eq!(
            agg.rollups[&(
                "credential",
                super::hour(crate::sql::micros(recs[0].event.ts)),
                Key::CredJson("root", Some("x"))
            )],
            3
        );
    }

    #[test]
    fn pairs_that_store_alike_merge() {
        // Each of these pairs is two rows in memory but one row in the database; PostgreSQL would refuse the
        // batch's upsert (and the collector would retry it forever) if they stayed apart.
        let mut mapped = auth("::ffff:192.0.2.1", "a/b", "root", None);
        mapped.event.sensor = "s1".into();
        let mut other = auth("192.0.2.1", "b", "root", Some(""));
        other.event.sensor = "s1/a".into();
        let recs = [
            mapped,
            other,
            auth("192.0.2.1", "c", "a:b", Some("c")),
            auth("192.0.2.1", "c", "a", Some("b:c")),
        ];
        let mut agg = Agg::default();
        for r in &recs {
            agg.add(r);
        }
        let d = day(crate::sql::micros(recs[0].event.ts));
        let ip: std::net::IpAddr = "192.0.2.1".parse().unwrap();
        assert_eq!(agg.attackers.len(), 1, "mapped and plain IPv4 are one attacker");
        assert_eq!(agg.attackers[&(ip, d)].events, 4);
        let cred = |k: &str| {
            agg.attacker_keys
                .get(&(d, ip, ATTACKER_DIMS[3], Key::Owned(k.into())))
                .copied()
        };
        assert_eq!(cred("root:"), Some(2));
        assert_eq!(cred("a:b:c"), Some(2));
        assert_eq!(agg.sessions.len(), 2, "s1 + a/b and s1/a + b are one stored session");
        assert_eq!(agg.sessions["s1/a/b"].auth, 2);
    }
}

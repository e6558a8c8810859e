//! Upserts of session rows and their usernames, and which sessions a batch creates.

use std::net::IpAddr;

use super::fold::Delta;
use crate::bulk::{self, Col, Spec, Tx};
use crate::rollup::{day, Agg};
use crate::sql::micros;
use crate::{ip, StoreError};

/// Sessions: one row per session, merged across batches.
static SESSIONS: Spec = Spec {
    table: "sessions",
    cols: "id, sensor, honeypot, proto, src_ip, src_port, dst_ip, dst_port, start_ts, end_ts, country, asn, geo, \
           client_version, hassh, auth_attempts, login_user, login_pass, commands, downloads, duration_ms, bytes_in, \
           bytes_out, end_reason",
    tail: "ON CONFLICT (id) DO UPDATE SET \
           start_ts = CASE WHEN excluded.start_ts < sessions.start_ts THEN excluded.start_ts ELSE sessions.start_ts END, \
           end_ts = COALESCE(excluded.end_ts, sessions.end_ts), \
           client_version = COALESCE(sessions.client_version, excluded.client_version), \
           hassh = COALESCE(sessions.hassh, excluded.hassh), \
           auth_attempts = sessions.auth_attempts + excluded.auth_attempts, \
           login_pass = CASE WHEN sessions.login_user IS NULL THEN excluded.login_pass ELSE sessions.login_pass END, \
           login_user = COALESCE(sessions.login_user, excluded.login_user), \
           commands = sessions.commands + excluded.commands, downloads = sessions.downloads + excluded.downloads, \
           duration_ms = COALESCE(excluded.duration_ms, sessions.duration_ms), \
           bytes_in = COALESCE(excluded.bytes_in, sessions.bytes_in), \
           bytes_out = COALESCE(excluded.bytes_out, sessions.bytes_out), \
           end_reason = COALESCE(excluded.end_reason, sessions.end_reason)",
    returning: false,
};

/// Usernames tried per session (session search by username), keyed by time within a username (migration 0014).
static SESSION_USERS: Spec = Spec {
    table: "session_users",
    cols: "username, ts, session_id",
    tail: "ON CONFLICT DO NOTHING",
    returning: false,
};

/// Passwords, credentials, commands and URLs per session (session search by a top list's value), keyed by time
/// within a value (migration 0014: a value's new rows go to its end of the index).
static SESSION_VALUES: Spec = Spec {
    table: "session_values",
    cols: "dim, value, ts, session_id",
    tail: "ON CONFLICT DO NOTHING",
    returning: false,
};

/// [`SESSION_USERS`] on PostgreSQL, which keeps no unique key there (migration 0016): a plain insert, no conflict
/// check.
static SESSION_USERS_PG: Spec = Spec {
    tail: "",
    ..SESSION_USERS
};

/// [`SESSION_VALUES`] on PostgreSQL (see [`SESSION_USERS_PG`]).
static SESSION_VALUES_PG: Spec = Spec {
    tail: "",
    ..SESSION_VALUES
};

/// A batch's session rows, usernames and values, and where each session's first event came from, ready to write.
pub(super) struct SessionRows {
    /// [`SESSIONS`]' columns.
    sessions: Vec<Col>,
    /// [`SESSION_USERS`]' columns.
    users: Vec<Col>,
    /// [`SESSION_VALUES`]' columns.
    values: Vec<Col>,
    /// Per session: its stored id and its first event's (address, day), the attacker row a new session counts in.
    firsts: Vec<(String, IpAddr, i64)>,
}

impl SessionRows {
    /// Counts, per (address, day) in `delta`, the sessions this batch creates (those without a row yet).
    pub async fn count_new(&self, tx: &mut Tx, delta: &mut Delta) -> Result<(), StoreError> {
        let ids = self.firsts.iter().map(|f| f.0.clone()).collect();
        let old = bulk::existing_sessions(tx, ids).await?;
        for (sid, addr, d) in &self.firsts {
            if old.contains(sid) {
                continue;
            }
            if let Some(a) = delta.attackers.get_mut(&(*addr, *d)) {
                a.sessions += 1;
            }
        }
        Ok(())
    }

    /// Session rows, then their usernames and values.
    pub async fn write(self, tx: &mut Tx) -> Result<(), StoreError> {
        let (users, values) = match tx {
            Tx::Sqlite(_) => (&SESSION_USERS, &SESSION_VALUES),
            Tx::Pg(_) => (&SESSION_USERS_PG, &SESSION_VALUES_PG),
        };
        bulk::write(tx, &SESSIONS, self.sessions).await?;
        bulk::write(tx, users, self.users).await?;
        bulk::write(tx, values, self.values).await?;
        Ok(())
    }
}

/// The session rows of `agg`'s sessions.
pub(super) fn rows(agg: &Agg<'_>) -> SessionRows {
    let mut firsts = Vec::with_capacity(agg.sessions.len());
    let mut id = Vec::new();
    let (mut sensor, mut honeypot, mut proto, mut src_ip, mut src_port) =
        (Vec::new(), Vec::new(), Vec::new(), Vec::new(), Vec::new());
    let (mut dst_ip, mut dst_port, mut start, mut end, mut country) =
        (Vec::new(), Vec::new(), Vec::new(), Vec::new(), Vec::new());
    let (mut asn, mut geo, mut client, mut hassh, mut auth) =
        (Vec::new(), Vec::new(), Vec::new(), Vec::new(), Vec::new());
    let (mut luser, mut lpass, mut commands, mut downloads, mut dur) =
        (Vec::new(), Vec::new(), Vec::new(), Vec::new(), Vec::new());
    let (mut bin, mut bout, mut reason) = (Vec::new(), Vec::new(), Vec::new());
    let (mut uu, mut ut, mut us) = (Vec::new(), Vec::new(), Vec::new());
    let (mut vd, mut vv, mut vt, mut vs) = (Vec::new(), Vec::new(), Vec::new(), Vec::new());
    for (sid, d) in &agg.sessions {
        let e = &d.first.event;
        let sid = sid.clone();
        firsts.push((sid.clone(), e.src_ip.to_canonical(), day(micros(e.ts))));
        for u in &d.users {
            uu.push(Some((*u).to_owned()));
            ut.push(Some(d.start));
            us.push(Some(sid.clone()));
        }
        for (dim, v) in &d.values {
            vd.push(Some((*dim).to_owned()));
            vv.push(Some(v.render()));
            vt.push(Some(d.start));
            vs.push(Some(sid.clone()));
        }
        id.push(Some(sid));
        sensor.push(Some(e.sensor.clone()));
        honeypot.push(Some(e.honeypot.clone()));
        proto.push(Some(e.proto.clone()));
        src_ip.push(ip::encode(e.src_ip));
        src_port.push(Some(i64::from(e.src_port)));
        dst_ip.push(e.dst_ip.map(|a| a.to_string()));
        dst_port.push(Some(i64::from(e.dst_port)));
        start.push(Some(d.start));
        end.push(d.end);
        country.push(d.first.geo.country.clone());
        asn.push(d.first.geo.asn.map(i64::from));
        geo.push(Some(serde_json::to_string(&d.first.geo).unwrap_or_default()));
        client.push(d.client_version.map(str::to_owned));
        hassh.push(d.hassh.map(str::to_owned));
        auth.push(Some(d.auth));
        luser.push(d.login.map(|l| l.0.to_owned()));
        lpass.push(d.login.and_then(|l| l.1.map(str::to_owned)));
        commands.push(Some(d.commands));
        downloads.push(Some(d.downloads));
        dur.push(d.ended.map(|x| x.0));
        bin.push(d.ended.map(|x| x.1));
        bout.push(d.ended.map(|x| x.2));
        reason.push(d.ended.map(|x| x.3.to_owned()));
    }
    let sessions = vec![
        Col::T(id),
        Col::T(sensor),
        Col::T(honeypot),
        Col::T(proto),
        Col::B(src_ip),
        Col::I(src_port),
        Col::T(dst_ip),
        Col::I(dst_port),
        Col::I(start),
        Col::I(end),
        Col::T(country),
        Col::I(asn),
        Col::T(geo),
        Col::T(client),
        Col::T(hassh),
        Col::I(auth),
        Col::T(luser),
        Col::T(lpass),
        Col::I(commands),
        Col::I(downloads),
        Col::I(dur),
        Col::I(bin),
        Col::I(bout),
        Col::T(reason),
    ];
    SessionRows {
        sessions,
        users: vec![Col::T(uu), Col::I(ut), Col::T(us)],
        values: vec![Col::T(vd), Col::T(vv), Col::I(vt), Col::T(vs)],
        firsts,
    }
}

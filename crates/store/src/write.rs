//! `Store::insert`: one transaction, multi-row `INSERT ... ON CONFLICT DO NOTHING RETURNING id`, then aggregates
//! of only the newly inserted events.

use std::collections::HashSet;
use std::path::Path;

use event::Kind;
use sqlx::{Any, Row, Transaction};

use crate::rollup::{session_id, Agg};
use crate::sql::{db, dialect, micros, query, Binds, Val};
use crate::{blob, ip, Batch, InsertReport, StoreError};

/// Rows per multi-row statement (keeps binds under SQLite's 32766 and PostgreSQL's 65535).
const CHUNK: usize = 1000;

/// Runs one statement inside the transaction.
async fn run(tx: &mut Transaction<'static, Any>, sq: bool, sql: &str, b: Binds) -> Result<(), StoreError> {
    query(&dialect(sql, sq), b.vals).execute(&mut **tx).await.map_err(db)?;
    Ok(())
}

/// Writes a batch; see the module doc.
pub(crate) async fn insert(
    tx: &mut Transaction<'static, Any>,
    sq: bool,
    dir: &Path,
    batch: &Batch,
) -> Result<InsertReport, StoreError> {
    let mut seen = HashSet::new();
    let fresh: Vec<_> = batch.records.iter().filter(|r| seen.insert(r.event.id)).collect();
    let mut inserted = HashSet::new();
    for chunk in fresh.chunks(CHUNK) {
        let mut b = Binds::default();
        let mut rows = Vec::with_capacity(chunk.len());
        for r in chunk {
            let e = &r.event;
            let geo = serde_json::to_string(&r.geo).unwrap_or_default();
            let cols = [
                b.t(&e.id.to_string()),
                b.i(micros(e.ts)),
                b.i(micros(r.received)),
                b.t(&e.sensor),
                b.t(&e.honeypot),
                b.t(&session_id(e).unwrap_or_default()),
                b.t(e.kind.name()),
                b.t(&e.proto),
                b.push(Val::B(ip::encode(e.src_ip))),
                b.i(i64::from(e.dst_port)),
                b.t(&r.channel),
                b.t(&r.ident),
                b.t(&geo),
                b.t(&e.to_json()),
            ];
            rows.push(format!("({})", cols.join(",")));
        }
        let sql = format!(
            "INSERT INTO events (id, ts, received, sensor, honeypot, session_id, kind, proto, src_ip, dst_port, \
             channel, ident, geo, body) VALUES {} ON CONFLICT (id) DO NOTHING RETURNING id",
            rows.join(",")
        );
        for row in query(&dialect(&sql, sq), b.vals)
            .fetch_all(&mut **tx)
            .await
            .map_err(db)?
        {
            inserted.insert(row.try_get::<String, _>(0).map_err(db)?);
        }
    }
    let mut agg = Agg::default();
    let mut fps = Vec::new();
    let mut files = Vec::new();
    for r in &batch.records {
        if inserted.remove(&r.event.id.to_string()) {
            agg.add(r);
            match &r.event.kind {
                Kind::Fingerprint(f) => fps.push((r.event.src_ip, micros(r.event.ts), f.clone())),
                Kind::FileDownload(f) | Kind::FileUpload(f) => files.push((micros(r.event.ts), f.clone())),
                _ => {}
            }
        }
    }
    let n = u64::try_from(agg.totals.values().map(|t| t.events).sum::<i64>()).unwrap_or(0);
    write_agg(tx, sq, &agg).await?;
    write_sessions(tx, sq, &agg).await?;
    for (src, ts, f) in fps {
        let mut b = Binds::default();
        let v = [
            b.push(Val::B(ip::encode(src))),
            b.push(Val::T(f.os)),
            b.push(Val::T(f.link)),
            b.push(Val::T(f.uptime)),
            b.push(Val::I(f.distance.map(i64::from))),
            b.push(Val::T(f.app)),
            b.i(ts),
        ];
        let sql = format!(
            "INSERT INTO ip_meta (ip, os, link, uptime, distance, app, updated) VALUES ({}) ON CONFLICT (ip) DO UPDATE \
             SET os = COALESCE(excluded.os, ip_meta.os), link = COALESCE(excluded.link, ip_meta.link), \
             uptime = COALESCE(excluded.uptime, ip_meta.uptime), distance = COALESCE(excluded.distance, ip_meta.distance), \
             app = COALESCE(excluded.app, ip_meta.app), \
             updated = CASE WHEN excluded.updated > ip_meta.updated THEN excluded.updated ELSE ip_meta.updated END",
            v.join(",")
        );
        run(tx, sq, &sql, b).await?;
    }
    for (ts, f) in files {
        let Some(key) = f.sha256.clone().or(f.md5.clone()).or(f.sha1.clone()) else {
            continue;
        };
        let key = key.to_ascii_lowercase();
        let size = i64::try_from(f.size).ok();
        upsert_file(tx, sq, &key, [f.sha256, f.sha1, f.md5], size, f.mime, ts, 1, 0).await?;
        if let Some(u) = f.url {
            let mut b = Binds::default();
            let sql = format!(
                "INSERT INTO file_urls (key, url) VALUES ({}, {}) ON CONFLICT DO NOTHING",
                b.t(&key),
                b.t(&u)
            );
            run(tx, sq, &sql, b).await?;
        }
    }
    for bl in &batch.blobs {
        let h = blob::hashes(&bl.bytes);
        blob::write(dir, &h.sha256, &bl.bytes)?;
        let size = i64::try_from(bl.bytes.len()).ok();
        let ts = micros(bl.received);
        let key = h.sha256.clone();
        upsert_file(
            tx,
            sq,
            &key,
            [Some(h.sha256), Some(h.sha1), Some(h.md5)],
            size,
            bl.mime.clone(),
            ts,
            0,
            1,
        )
        .await?;
    }
    let total = u64::try_from(batch.records.len()).unwrap_or(0);
    Ok(InsertReport {
        inserted: n,
        duplicates: total - n,
    })
}

/// Inserts or merges a files row.
#[allow(clippy::too_many_arguments)]
async fn upsert_file(
    tx: &mut Transaction<'static, Any>,
    sq: bool,
    key: &str,
    [sha256, sha1, md5]: [Option<String>; 3],
    size: Option<i64>,
    mime: Option<String>,
    ts: i64,
    count: i64,
    stored: i64,
) -> Result<(), StoreError> {
    let lower = |s: Option<String>| s.map(|s| s.to_ascii_lowercase());
    let mut b = Binds::default();
    let v = [
        b.t(key),
        b.push(Val::T(lower(sha256))),
        b.push(Val::T(lower(sha1))),
        b.push(Val::T(lower(md5))),
        b.push(Val::I(size)),
        b.push(Val::T(mime)),
        b.i(ts),
        b.i(ts),
        b.i(count),
        b.i(stored),
    ];
    let sql = format!(
        "INSERT INTO files (key, sha256, sha1, md5, size, mime, first_seen, last_seen, count, stored) VALUES ({}) \
         ON CONFLICT (key) DO UPDATE SET sha256 = COALESCE(files.sha256, excluded.sha256), \
         sha1 = COALESCE(files.sha1, excluded.sha1), md5 = COALESCE(files.md5, excluded.md5), \
         size = COALESCE(files.size, excluded.size), mime = COALESCE(files.mime, excluded.mime), \
         first_seen = CASE WHEN excluded.first_seen < files.first_seen THEN excluded.first_seen ELSE files.first_seen END, \
         last_seen = CASE WHEN excluded.last_seen > files.last_seen THEN excluded.last_seen ELSE files.last_seen END, \
         count = files.count + excluded.count, \
         stored = CASE WHEN files.stored > excluded.stored THEN files.stored ELSE excluded.stored END",
        v.join(",")
    );
    run(tx, sq, &sql, b).await
}

/// Upserts rollups, series, totals and sensors, each as chunked multi-row statements.
async fn write_agg(tx: &mut Transaction<'static, Any>, sq: bool, agg: &Agg) -> Result<(), StoreError> {
    let roll: Vec<_> = agg.rollups.iter().collect();
    for c in roll.chunks(CHUNK) {
        let mut b = Binds::default();
        let rows: Vec<_> = c
            .iter()
            .map(|((d, h, k), n)| format!("({},{},{},{})", b.t(d), b.i(*h), b.t(k), b.i(**n)))
            .collect();
        let sql = format!(
            "INSERT INTO rollups (dim, hour, key, count) VALUES {} ON CONFLICT (dim, hour, key) \
             DO UPDATE SET count = rollups.count + excluded.count",
            rows.join(",")
        );
        run(tx, sq, &sql, b).await?;
    }
    let ser: Vec<_> = agg.series.iter().collect();
    for c in ser.chunks(CHUNK) {
        let mut b = Binds::default();
        let rows: Vec<_> = c
            .iter()
            .map(|((m, p), n)| format!("({},{},{})", b.i(*m), b.t(p), b.i(**n)))
            .collect();
        let sql = format!(
            "INSERT INTO series (minute, proto, count) VALUES {} ON CONFLICT (minute, proto) \
             DO UPDATE SET count = series.count + excluded.count",
            rows.join(",")
        );
        run(tx, sq, &sql, b).await?;
    }
    for (h, t) in &agg.totals {
        let mut b = Binds::default();
        let v = [b.i(*h), b.i(t.events), b.i(t.sessions), b.i(t.logins), b.i(t.downloads)];
        let sql = format!(
            "INSERT INTO totals (hour, events, sessions, logins, downloads) VALUES ({}) ON CONFLICT (hour) DO UPDATE \
             SET events = totals.events + excluded.events, sessions = totals.sessions + excluded.sessions, \
             logins = totals.logins + excluded.logins, downloads = totals.downloads + excluded.downloads",
            v.join(",")
        );
        run(tx, sq, &sql, b).await?;
    }
    for (id, s) in &agg.sensors {
        let mut b = Binds::default();
        let v = [b.t(id), b.t(&s.ident), b.i(s.first), b.i(s.last), b.i(s.events)];
        let sql = format!(
            "INSERT INTO sensors (id, ident, first_seen, last_seen, events) VALUES ({}) ON CONFLICT (id) DO UPDATE \
             SET ident = excluded.ident, events = sensors.events + excluded.events, \
             first_seen = CASE WHEN excluded.first_seen < sensors.first_seen THEN excluded.first_seen ELSE sensors.first_seen END, \
             last_seen = CASE WHEN excluded.last_seen > sensors.last_seen THEN excluded.last_seen ELSE sensors.last_seen END",
            v.join(",")
        );
        run(tx, sq, &sql, b).await?;
        for hp in &s.honeypots {
            let mut b = Binds::default();
            let sql = format!(
                "INSERT INTO sensor_honeypots (sensor, honeypot) VALUES ({},{}) ON CONFLICT DO NOTHING",
                b.t(id),
                b.t(hp)
            );
            run(tx, sq, &sql, b).await?;
        }
    }
    Ok(())
}

/// Upserts session rows and their usernames.
async fn write_sessions(tx: &mut Transaction<'static, Any>, sq: bool, agg: &Agg) -> Result<(), StoreError> {
    let all: Vec<_> = agg.sessions.iter().collect();
    for c in all.chunks(500) {
        let mut b = Binds::default();
        let mut rows = Vec::new();
        let mut users = Vec::new();
        for (id, d) in c {
            let e = &d.first.event;
            let (dur, bin, bout, reason) = match &d.ended {
                Some((a, b2, c2, r)) => (Some(*a), Some(*b2), Some(*c2), Some(r.clone())),
                None => (None, None, None, None),
            };
            let v = [
                b.t(id),
                b.t(&e.sensor),
                b.t(&e.honeypot),
                b.t(&e.proto),
                b.push(Val::B(ip::encode(e.src_ip))),
                b.i(i64::from(e.src_port)),
                b.push(Val::T(e.dst_ip.map(|i| i.to_string()))),
                b.i(i64::from(e.dst_port)),
                b.i(d.start),
                b.push(Val::I(d.end)),
                b.push(Val::T(d.first.geo.country.clone())),
                b.push(Val::I(d.first.geo.asn.map(i64::from))),
                b.t(&serde_json::to_string(&d.first.geo).unwrap_or_default()),
                b.push(Val::T(d.client_version.clone())),
                b.push(Val::T(d.hassh.clone())),
                b.i(d.auth),
                b.push(Val::T(d.login.as_ref().map(|l| l.0.clone()))),
                b.push(Val::T(d.login.as_ref().and_then(|l| l.1.clone()))),
                b.i(d.commands),
                b.i(d.downloads),
                b.push(Val::I(dur)),
                b.push(Val::I(bin)),
                b.push(Val::I(bout)),
                b.push(Val::T(reason)),
            ];
            rows.push(format!("({})", v.join(",")));
            for u in &d.users {
                users.push(((*id).clone(), u.clone()));
            }
        }
        let sql = format!(
            "INSERT INTO sessions (id, sensor, honeypot, proto, src_ip, src_port, dst_ip, dst_port, start_ts, end_ts, \
             country, asn, geo, client_version, hassh, auth_attempts, login_user, login_pass, commands, downloads, \
             duration_ms, bytes_in, bytes_out, end_reason) VALUES {} ON CONFLICT (id) DO UPDATE SET \
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
            rows.join(",")
        );
        run(tx, sq, &sql, b).await?;
        for uc in users.chunks(CHUNK) {
            let mut b = Binds::default();
            let rows: Vec<_> = uc.iter().map(|(s, u)| format!("({},{})", b.t(u), b.t(s))).collect();
            let sql = format!(
                "INSERT INTO session_users (username, session_id) VALUES {} ON CONFLICT DO NOTHING",
                rows.join(",")
            );
            run(tx, sq, &sql, b).await?;
        }
    }
    Ok(())
}

//! The API's reads: sessions, timelines, attackers, top-N, series, files, sensors, feed, ip metadata, totals.

use std::collections::HashMap;
use std::net::IpAddr;

use event::Kind;
use sqlx::any::AnyRow;
use sqlx::{AnyPool, Row};

use crate::rollup::{hour, ATTACKER_DIMS};
use crate::sql::{count, db, micros, query, time, Binds, Val};
use crate::{cursor, ip};
use crate::{
    Attacker, Bucket, Counted, Dim, FileMeta, FileSession, IpMeta, NewHeartbeat, Page, Paged, SensorRow, SeriesPoint,
    SessionDetail, SessionFilter, SessionRow, StoreError, TimeRange, TopEntry, Totals,
};

/// Gets a column.
pub(crate) fn col<'r, T: sqlx::Decode<'r, sqlx::Any> + sqlx::Type<sqlx::Any>>(
    r: &'r AnyRow,
    c: &str,
) -> Result<T, StoreError> {
    r.try_get(c).map_err(db)
}

/// Rows wanted, at least 1.
pub(crate) fn lim(p: &Page) -> usize {
    p.limit.max(1) as usize
}

/// Cuts the extra row and makes the next cursor.
pub(crate) fn page<T>(mut items: Vec<T>, p: &Page, key: impl Fn(&T) -> (i64, String)) -> Paged<T> {
    let next = if items.len() > lim(p) {
        items.truncate(lim(p));
        items.last().map(|l| {
            let (t, id) = key(l);
            cursor::encode(t, &id)
        })
    } else {
        None
    };
    Paged { items, next }
}

/// Keyset condition `(tcol, idcol) < cursor`.
fn after(b: &mut Binds, w: &mut Vec<String>, p: &Page, tcol: &str, idcol: &str) -> Result<(), StoreError> {
    if let Some(c) = &p.after {
        let (t, id) = cursor::decode(c)?;
        let (t1, t2, i) = (b.i(t), b.i(t), b.t(&id));
        w.push(format!("({tcol} < {t1} OR ({tcol} = {t2} AND {idcol} < {i}))"));
    }
    Ok(())
}

/// `WHERE ...` or nothing.
pub(crate) fn clause(w: &[String]) -> String {
    if w.is_empty() {
        String::new()
    } else {
        format!("WHERE {}", w.join(" AND "))
    }
}

/// Session columns.
const SCOLS: &str = "id, sensor, honeypot, proto, src_ip, src_port, dst_ip, dst_port, start_ts, end_ts, geo, \
                     client_version, hassh, auth_attempts, login_user, login_pass, commands, downloads";

/// Decodes a sessions row.
fn session_row(r: &AnyRow) -> Result<SessionRow, StoreError> {
    let ipb: Vec<u8> = col(r, "src_ip")?;
    let geo: String = col(r, "geo")?;
    let u32c = |c: &str| -> Result<u32, StoreError> { Ok(u32::try_from(col::<i64>(r, c)?).unwrap_or(u32::MAX)) };
    let login_user: Option<String> = col(r, "login_user")?;
    Ok(SessionRow {
        id: col(r, "id")?,
        sensor: col(r, "sensor")?,
        honeypot: col(r, "honeypot")?,
        proto: col(r, "proto")?,
        src_ip: ip::decode(&ipb).ok_or_else(|| StoreError::Db("bad src_ip in sessions".into()))?,
        src_port: u16::try_from(col::<i64>(r, "src_port")?).unwrap_or(0),
        dst_ip: col::<Option<String>>(r, "dst_ip")?.and_then(|s| s.parse().ok()),
        dst_port: u16::try_from(col::<i64>(r, "dst_port")?).unwrap_or(0),
        start: time(col(r, "start_ts")?),
        end: col::<Option<i64>>(r, "end_ts")?.map(time),
        geo: serde_json::from_str(&geo).unwrap_or_default(),
        client_version: col(r, "client_version")?,
        hassh: col(r, "hassh")?,
        auth_attempts: u32c("auth_attempts")?,
        login: login_user
            .map(|u| Ok::<_, StoreError>((u, col(r, "login_pass")?)))
            .transpose()?,
        commands: u32c("commands")?,
        downloads: u32c("downloads")?,
    })
}

/// Session search, newest first, on `backend` ("sqlite" or "postgres").
pub(crate) async fn sessions(
    pool: &AnyPool,
    backend: &str,
    f: &SessionFilter,
    p: &Page,
) -> Result<Paged<SessionRow>, StoreError> {
    let mut b = Binds::default();
    let mut w = Vec::new();
    if let Some(r) = f.range {
        w.push(format!(
            "start_ts >= {} AND start_ts < {}",
            b.i(micros(r.from)),
            b.i(micros(r.to))
        ));
    }
    for (c, v) in [
        ("sensor", &f.sensor),
        ("honeypot", &f.honeypot),
        ("proto", &f.proto),
        ("country", &f.country),
    ] {
        if let Some(v) = v {
            w.push(format!("{c} = {}", b.t(v)));
        }
    }
    if let Some(port) = f.port {
        w.push(format!("dst_port = {}", b.i(i64::from(port))));
    }
    if let Some(asn) = f.asn {
        w.push(format!("asn = {}", b.i(i64::from(asn))));
    }
    w.extend(crate::values::conditions(pool, backend, f, &mut b).await?);
    match f.has_download {
        Some(true) => w.push("downloads > 0".into()),
        Some(false) => w.push("downloads = 0".into()),
        None => {}
    }
    after(&mut b, &mut w, p, "start_ts", "id")?;
    let order = format!("ORDER BY start_ts DESC, id DESC LIMIT {}", lim(p) + 1);
    let sql = match &f.src {
        None => format!("SELECT {SCOLS} FROM sessions {} {order}", clause(&w)),
        Some(net) => {
            let (lo, hi) = ip::range(net);
            let few = if lo == hi {
                Some(vec![lo.clone()])
            } else {
                addresses_in(pool, &lo, &hi).await?
            };
            match few {
                // One index range per address, each already in time order: no sort of the network's sessions.
                Some(addrs) if addrs.is_empty() => {
                    return Ok(Paged {
                        items: Vec::new(),
                        next: None,
                    })
                }
                Some(addrs) => {
                    addrs
                        .into_iter()
                        .enumerate()
                        .map(|(n, a)| {
                            let mut w = w.clone();
                            w.push(format!("src_ip = {}", b.push(Val::B(a))));
                            format!(
                                "SELECT * FROM (SELECT {SCOLS} FROM sessions {} {order}) AS q{n}",
                                clause(&w)
                            )
                        })
                        .collect::<Vec<_>>()
                        .join(" UNION ALL ")
                        + " "
                        + &order
                }
                None => {
                    w.push(format!(
                        "src_ip BETWEEN {} AND {}",
                        b.push(Val::B(lo)),
                        b.push(Val::B(hi))
                    ));
                    format!("SELECT {SCOLS} FROM sessions {} {order}", clause(&w))
                }
            }
        }
    };
    let rows = query(&sql, b.vals).fetch_all(pool).await.map_err(db)?;
    let items = rows.iter().map(session_row).collect::<Result<Vec<_>, _>>()?;
    Ok(page(items, p, |s| (micros(s.start), s.id.clone())))
}

/// Most addresses a network search reads one by one: each is one `UNION ALL` arm, and SQLite allows at most 500 arms
/// in one compound select.
const FEW_ADDRESSES: usize = 64;

/// The stored addresses in `[lo, hi]` if there are at most [`FEW_ADDRESSES`], walking the address index one
/// distinct value at a time (a loose index scan), so a network holding one busy attacker costs a few seeks.
async fn addresses_in(pool: &AnyPool, lo: &[u8], hi: &[u8]) -> Result<Option<Vec<Vec<u8>>>, StoreError> {
    let sql = format!(
        "WITH RECURSIVE a(ip, n) AS ( \
           SELECT (SELECT src_ip FROM sessions WHERE src_ip >= $1 AND src_ip <= $2 ORDER BY src_ip LIMIT 1), 1 \
           UNION ALL \
           SELECT (SELECT src_ip FROM sessions WHERE src_ip > a.ip AND src_ip <= $2 ORDER BY src_ip LIMIT 1), n + 1 \
           FROM a WHERE a.ip IS NOT NULL AND n <= {FEW_ADDRESSES} \
         ) SELECT ip FROM a WHERE ip IS NOT NULL"
    );
    let rows = query(&sql, vec![Val::B(lo.to_vec()), Val::B(hi.to_vec())])
        .fetch_all(pool)
        .await
        .map_err(db)?;
    if rows.len() > FEW_ADDRESSES {
        return Ok(None);
    }
    rows.iter()
        .map(|r| col::<Vec<u8>>(r, "ip"))
        .collect::<Result<Vec<_>, _>>()
        .map(Some)
}

/// One session with its timeline.
pub(crate) async fn session(pool: &AnyPool, id: &str) -> Result<Option<SessionDetail>, StoreError> {
    let sql = format!("SELECT {SCOLS} FROM sessions WHERE id = $1");
    let Some(row) = query(&sql, vec![Val::T(Some(id.into()))])
        .fetch_optional(pool)
        .await
        .map_err(db)?
    else {
        return Ok(None);
    };
    let session = session_row(&row)?;
    let sql = "SELECT body FROM event_groups WHERE session_id = $1";
    let rows = query(sql, vec![Val::T(Some(id.into()))])
        .fetch_all(pool)
        .await
        .map_err(db)?;
    let mut timeline = Vec::new();
    for r in &rows {
        let body: String = col(r, "body")?;
        timeline.extend(crate::write::unpack(&body)?.into_iter().map(|(_, e)| e));
    }
    timeline.sort_by_key(|e| (e.ts, e.id));
    let recordings = timeline
        .iter()
        .flat_map(|e| match &e.kind {
            Kind::SessionEnd { recordings, .. } => recordings.clone(),
            _ => Vec::new(),
        })
        .collect();
    Ok(Some(SessionDetail {
        session,
        timeline,
        recordings,
    }))
}

/// Longest list per dimension in an attacker's detail.
const ATTACKER_TOP: usize = 50;

/// Sorted, counted values, the most frequent first.
fn counted(m: HashMap<String, u64>) -> Vec<Counted> {
    let mut v: Vec<_> = m.into_iter().map(|(value, count)| Counted { value, count }).collect();
    v.sort_by(|a, b| b.count.cmp(&a.count).then_with(|| a.value.cmp(&b.value)));
    v.truncate(ATTACKER_TOP);
    v
}

/// Everything about one address, from its per-day aggregates (`attackers`, `attacker_keys`), never from events:
/// the address's days (with the fingerprint, read at the same time), then its lists for exactly those days.
pub(crate) async fn attacker(pool: &AnyPool, addr: IpAddr) -> Result<Option<Attacker>, StoreError> {
    let k = ip::encode(addr);
    let sql = "SELECT day, first_seen, last_seen, events, sessions, geo FROM attackers WHERE ip = $1 ORDER BY day";
    let days = query(sql, vec![Val::B(k.clone())]).fetch_all(pool);
    let fp = ip_meta(pool, Some(addr), &Page { after: None, limit: 1 });
    let (days, mut fp) = tokio::try_join!(async { days.await.map_err(db) }, fp)?;
    let (Some(first_row), Some(last_row)) = (days.first(), days.last()) else {
        return Ok(None);
    };
    let (mut events, mut sessions) = (0, 0);
    let mut b = Binds::default();
    let ip_ph = b.push(Val::B(k));
    let mut day_ph = Vec::with_capacity(days.len());
    for r in &days {
        events += count(col(r, "events")?);
        sessions += count(col(r, "sessions")?);
        day_ph.push(b.i(col(r, "day")?));
    }
    // The key's leading `day` column is matched by the list of the address's days, so each day is one seek.
    let sql = format!(
        "SELECT dim, key, CAST(SUM(count) AS BIGINT) AS n FROM attacker_keys WHERE day IN ({}) AND ip = {ip_ph} \
         GROUP BY dim, key",
        day_ph.join(",")
    );
    let rows = query(&sql, b.vals).fetch_all(pool).await.map_err(db)?;
    let mut maps: [HashMap<String, u64>; 6] = Default::default();
    for r in &rows {
        let dim: String = col(r, "dim")?;
        if let Some(i) = ATTACKER_DIMS.iter().position(|d| *d == dim) {
            maps[i].insert(col(r, "key")?, count(col(r, "n")?));
        }
    }
    let [sensors, ports, protocols, credentials, commands, files] = maps.map(counted);
    let geo: String = col(last_row, "geo")?;
    Ok(Some(Attacker {
        ip: addr,
        first_seen: time(col(first_row, "first_seen")?),
        last_seen: time(col(last_row, "last_seen")?),
        events,
        sessions,
        sensors,
        ports,
        protocols,
        credentials,
        commands,
        files,
        geo: serde_json::from_str(&geo).unwrap_or_default(),
        fingerprint: fp.items.pop(),
    }))
}

/// Hour-aligned bounds of a window: hours overlapping `[from, to)`.
fn hours(r: TimeRange) -> (i64, i64) {
    (hour(micros(r.from)), micros(r.to))
}

/// Top-N of a dimension from the hourly rollups.
pub(crate) async fn top(pool: &AnyPool, dim: Dim, range: TimeRange, limit: u32) -> Result<Vec<TopEntry>, StoreError> {
    let (from, to) = hours(range);
    let sql = format!(
        "SELECT key, CAST(SUM(count) AS BIGINT) AS n FROM rollups WHERE dim = $1 AND hour >= $2 AND hour < $3 \
         GROUP BY key ORDER BY n DESC, key LIMIT {}",
        limit.max(1)
    );
    let vals = vec![Val::T(Some(dim.as_str().into())), Val::I(Some(from)), Val::I(Some(to))];
    let rows = query(&sql, vals).fetch_all(pool).await.map_err(db)?;
    rows.iter()
        .map(|r| {
            Ok(TopEntry {
                key: col(r, "key")?,
                count: count(col(r, "n")?),
            })
        })
        .collect()
}

/// Events per bucket and protocol.
pub(crate) async fn timeseries(
    pool: &AnyPool,
    range: TimeRange,
    bucket: Bucket,
) -> Result<Vec<SeriesPoint>, StoreError> {
    let sql = match bucket {
        Bucket::Minute => {
            "SELECT minute AS t, proto, count AS n FROM series WHERE minute >= $1 AND minute < $2 \
                           ORDER BY t, proto"
        }
        Bucket::Hour => {
            "SELECT hour AS t, key AS proto, count AS n FROM rollups WHERE dim = 'proto' AND hour >= $1 \
                         AND hour < $2 ORDER BY t, proto"
        }
    };
    let (from, to) = match bucket {
        Bucket::Minute => (crate::rollup::minute(micros(range.from)), micros(range.to)),
        Bucket::Hour => hours(range),
    };
    let rows = query(sql, vec![Val::I(Some(from)), Val::I(Some(to))])
        .fetch_all(pool)
        .await
        .map_err(db)?;
    rows.iter()
        .map(|r| {
            Ok(SeriesPoint {
                t: time(col(r, "t")?),
                proto: col(r, "proto")?,
                count: count(col(r, "n")?),
            })
        })
        .collect()
}

/// File columns.
const FCOLS: &str = "key, sha256, sha1, md5, size, mime, first_seen, last_seen, count, stored";

/// Decodes a files row and its URLs.
async fn file_row(pool: &AnyPool, r: &AnyRow) -> Result<FileMeta, StoreError> {
    let key: String = col(r, "key")?;
    let urls = query(
        "SELECT url FROM file_urls WHERE key = $1 ORDER BY url LIMIT 100",
        vec![Val::T(Some(key))],
    )
    .fetch_all(pool)
    .await
    .map_err(db)?
    .iter()
    .map(|u| col(u, "url"))
    .collect::<Result<Vec<String>, _>>()?;
    Ok(FileMeta {
        sha256: col(r, "sha256")?,
        sha1: col(r, "sha1")?,
        md5: col(r, "md5")?,
        size: col::<Option<i64>>(r, "size")?.map(count),
        mime: col(r, "mime")?,
        first_seen: time(col(r, "first_seen")?),
        last_seen: time(col(r, "last_seen")?),
        count: count(col(r, "count")?),
        stored: col::<i64>(r, "stored")? != 0,
        urls,
    })
}

/// Files seen, newest first.
pub(crate) async fn files(pool: &AnyPool, range: Option<TimeRange>, p: &Page) -> Result<Paged<FileMeta>, StoreError> {
    let mut b = Binds::default();
    let mut w = Vec::new();
    if let Some(r) = range {
        w.push(format!(
            "last_seen >= {} AND last_seen < {}",
            b.i(micros(r.from)),
            b.i(micros(r.to))
        ));
    }
    after(&mut b, &mut w, p, "last_seen", "key")?;
    let sql = format!(
        "SELECT {FCOLS} FROM files {} ORDER BY last_seen DESC, key DESC LIMIT {}",
        clause(&w),
        lim(p) + 1
    );
    let rows = query(&sql, b.vals).fetch_all(pool).await.map_err(db)?;
    let mut items = Vec::new();
    let mut keys = Vec::new();
    for r in &rows {
        keys.push(col::<String>(r, "key")?);
        items.push(file_row(pool, r).await?);
    }
    let mut it = keys.into_iter();
    let with: Vec<_> = items.into_iter().map(|f| (it.next().unwrap_or_default(), f)).collect();
    let pg = page(with, p, |(k, f)| (micros(f.last_seen), k.clone()));
    Ok(Paged {
        items: pg.items.into_iter().map(|(_, f)| f).collect(),
        next: pg.next,
    })
}

/// One file by SHA-256, SHA-1 or MD5 (chosen by length).
pub(crate) async fn file(pool: &AnyPool, hash: &str) -> Result<Option<FileMeta>, StoreError> {
    let c = match hash.len() {
        64 => "sha256",
        40 => "sha1",
        32 => "md5",
        _ => return Ok(None),
    };
    let sql = format!("SELECT {FCOLS} FROM files WHERE {c} = $1 ORDER BY stored DESC LIMIT 1");
    match query(&sql, vec![Val::T(Some(hash.to_ascii_lowercase()))])
        .fetch_optional(pool)
        .await
        .map_err(db)?
    {
        Some(r) => Ok(Some(file_row(pool, &r).await?)),
        None => Ok(None),
    }
}

/// Every sensor.
pub(crate) async fn sensors(pool: &AnyPool) -> Result<Vec<SensorRow>, StoreError> {
    let rows = query(
        "SELECT sensor, honeypot FROM sensor_honeypots ORDER BY sensor, honeypot",
        vec![],
    )
    .fetch_all(pool)
    .await
    .map_err(db)?;
    let mut hp: HashMap<String, Vec<String>> = HashMap::new();
    for r in &rows {
        hp.entry(col(r, "sensor")?).or_default().push(col(r, "honeypot")?);
    }
    let rows = query(
        "SELECT id, ident, first_seen, last_seen, events, version, address, listen, started, heartbeat \
         FROM sensors ORDER BY id",
        vec![],
    )
    .fetch_all(pool)
    .await
    .map_err(db)?;
    rows.iter()
        .map(|r| {
            let id: String = col(r, "id")?;
            let listen: Option<String> = col(r, "listen")?;
            Ok(SensorRow {
                honeypots: hp.remove(&id).unwrap_or_default(),
                id,
                ident: col(r, "ident")?,
                first_seen: time(col(r, "first_seen")?),
                last_seen: time(col(r, "last_seen")?),
                events: count(col(r, "events")?),
                version: col(r, "version")?,
                address: col(r, "address")?,
                // Written by `put_heartbeat` only; a value it cannot read back is shown as no listeners.
                listen: listen.and_then(|l| serde_json::from_str(&l).ok()).unwrap_or_default(),
                started: col::<Option<i64>>(r, "started")?.map(time),
                heartbeat: col::<Option<i64>>(r, "heartbeat")?.map(time),
            })
        })
        .collect()
}

impl crate::Store {
    /// Records a sensor's heartbeat on its row, making the row when the sensor has sent no event yet (so it is
    /// listed); an older heartbeat than the one stored changes nothing. Never touches event counts or rollups.
    pub async fn put_heartbeat(&self, h: &NewHeartbeat) -> Result<(), StoreError> {
        if h.sensor.is_empty() {
            return Err(StoreError::Invalid("a heartbeat needs a sensor id".into()));
        }
        let listen = serde_json::to_string(&h.listen).map_err(|e| StoreError::Invalid(e.to_string()))?;
        let at = micros(h.received);
        let _w = self.write.write().await;
        query(
            "INSERT INTO sensors (id, ident, first_seen, last_seen, events, version, address, listen, started, \
             heartbeat) VALUES ($1, $2, $3, $4, 0, $5, $6, $7, $8, $9) \
             ON CONFLICT (id) DO UPDATE SET ident = excluded.ident, version = excluded.version, \
             address = COALESCE(excluded.address, sensors.address), listen = excluded.listen, \
             started = excluded.started, heartbeat = excluded.heartbeat \
             WHERE sensors.heartbeat IS NULL OR sensors.heartbeat <= excluded.heartbeat",
            vec![
                Val::T(Some(h.sensor.clone())),
                Val::T(Some(h.ident.clone())),
                Val::I(Some(at)),
                Val::I(Some(at)),
                Val::T(Some(h.version.clone())),
                Val::T(h.address.clone()),
                Val::T(Some(listen)),
                Val::I(h.started.map(micros)),
                Val::I(Some(at)),
            ],
        )
        .execute(&self.pool)
        .await
        .map_err(db)?;
        Ok(())
    }
}

/// Per-address metadata (p0f fingerprint, reverse DNS), one address or all (latest update first).
pub(crate) async fn ip_meta(pool: &AnyPool, addr: Option<IpAddr>, p: &Page) -> Result<Paged<IpMeta>, StoreError> {
    let mut b = Binds::default();
    let mut w = Vec::new();
    if let Some(a) = addr {
        w.push(format!("ip = {}", b.push(Val::B(ip::encode(a)))));
    }
    if let Some(c) = &p.after {
        let (t, id) = cursor::decode(c)?;
        let raw = hex::decode(id).map_err(|_| StoreError::Invalid("bad page cursor".into()))?;
        let (t1, t2, i) = (b.i(t), b.i(t), b.push(Val::B(raw)));
        w.push(format!("(updated < {t1} OR (updated = {t2} AND ip < {i}))"));
    }
    let sql = format!(
        "SELECT ip, os, link, uptime, distance, app, hostname, hostname_confirmed, updated FROM ip_meta {} \
         ORDER BY updated DESC, ip DESC LIMIT {}",
        clause(&w),
        lim(p) + 1
    );
    let rows = query(&sql, b.vals).fetch_all(pool).await.map_err(db)?;
    let mut items = Vec::new();
    for r in &rows {
        let ipb: Vec<u8> = col(r, "ip")?;
        items.push(IpMeta {
            ip: ip::decode(&ipb),
            os: col(r, "os")?,
            link: col(r, "link")?,
            uptime: col(r, "uptime")?,
            distance: col::<Option<i64>>(r, "distance")?.and_then(|d| u32::try_from(d).ok()),
            app: col(r, "app")?,
            hostname: col(r, "hostname")?,
            hostname_confirmed: col::<Option<i64>>(r, "hostname_confirmed")?.unwrap_or(0) != 0,
            updated: Some(time(col(r, "updated")?)),
        });
    }
    Ok(page(items, p, |m| {
        (
            m.updated.map(micros).unwrap_or(0),
            m.ip.map(|a| hex::encode(ip::encode(a))).unwrap_or_default(),
        )
    }))
}

/// Headline counters from the totals and the `src_ip` rollup.
pub(crate) async fn totals(pool: &AnyPool, range: TimeRange) -> Result<Totals, StoreError> {
    let (from, to) = hours(range);
    let v = || vec![Val::I(Some(from)), Val::I(Some(to))];
    let sql = "SELECT CAST(COALESCE(SUM(events), 0) AS BIGINT) AS e, CAST(COALESCE(SUM(sessions), 0) AS BIGINT) AS s, \
               CAST(COALESCE(SUM(logins), 0) AS BIGINT) AS l, CAST(COALESCE(SUM(downloads), 0) AS BIGINT) AS d \
               FROM totals WHERE hour >= $1 AND hour < $2";
    let r = query(sql, v()).fetch_one(pool).await.map_err(db)?;
    // The window as asked, not its hour-aligned bounds: `hours=48` is exact.
    let estimated = micros(range.to) - micros(range.from) > crate::distinct::EXACT_HOURS * 3_600_000_000;
    let attackers = if estimated {
        crate::distinct::estimate(pool, from, to).await?
    } else {
        let sql = "SELECT COUNT(DISTINCT key) AS n FROM rollups WHERE dim = 'src_ip' AND hour >= $1 AND hour < $2";
        count(col(&query(sql, v()).fetch_one(pool).await.map_err(db)?, "n")?)
    };
    Ok(Totals {
        events: count(col(&r, "e")?),
        attackers,
        attackers_estimated: estimated,
        sessions: count(col(&r, "s")?),
        logins: count(col(&r, "l")?),
        downloads: count(col(&r, "d")?),
    })
}

/// Most `files` rows one hash can name (an MD5-only mention and the stored blob, say, are two rows).
const FILE_KEYS_MAX: usize = 16;

/// The sessions that dropped a file (any of its `files` rows), newest first; `None` when no file has the hash.
/// A session listed under two rows of the same file appears once per page.
pub(crate) async fn file_sessions(
    pool: &AnyPool,
    hash: &str,
    p: &Page,
) -> Result<Option<Paged<FileSession>>, StoreError> {
    let c = match hash.len() {
        64 => "sha256",
        40 => "sha1",
        32 => "md5",
        _ => return Ok(None),
    };
    let sql = format!("SELECT key FROM files WHERE {c} = $1 ORDER BY key LIMIT {FILE_KEYS_MAX}");
    let keys = query(&sql, vec![Val::T(Some(hash.to_ascii_lowercase()))])
        .fetch_all(pool)
        .await
        .map_err(db)?
        .iter()
        .map(|r| col::<String>(r, "key"))
        .collect::<Result<Vec<_>, _>>()?;
    if keys.is_empty() {
        return Ok(None);
    }
    let mut b = Binds::default();
    let ph: Vec<_> = keys.iter().map(|k| b.t(k)).collect();
    let mut w = vec![format!("key IN ({})", ph.join(","))];
    after(&mut b, &mut w, p, "ts", "session_id")?;
    let sql = format!(
        "SELECT session_id, ts, src_ip, sensor FROM file_sessions {} ORDER BY ts DESC, session_id DESC LIMIT {}",
        clause(&w),
        lim(p) + 1
    );
    let rows = query(&sql, b.vals).fetch_all(pool).await.map_err(db)?;
    let mut items = Vec::with_capacity(rows.len());
    for r in &rows {
        let ipb: Vec<u8> = col(r, "src_ip")?;
        let src = ip::decode(&ipb).ok_or_else(|| StoreError::Db("bad src_ip in file_sessions".into()))?;
        items.push(FileSession {
            session_id: col(r, "session_id")?,
            ts: time(col(r, "ts")?),
            src_ip: src,
            sensor: col(r, "sensor")?,
        });
    }
    let mut pg = page(items, p, |f| (micros(f.ts), f.session_id.clone()));
    let mut seen = std::collections::HashSet::new();
    pg.items.retain(|f| seen.insert(f.session_id.clone()));
    Ok(Some(pg))
}

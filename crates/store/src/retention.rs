//! Retention: deletes old rows in chunks so the writer is never held long.

use std::path::Path;

use chrono::{DateTime, Duration, Utc};
use sqlx::{AnyPool, Row};

use crate::sql::{db, exec, micros, query, Binds, Val};
use crate::{blob, Retention, RetentionReport, StoreError};

/// Rows per delete.
const CHUNK: i64 = 1000;

/// The cutoff (µs) for a setting.
fn cutoff(now: DateTime<Utc>, days: Option<u32>) -> Option<i64> {
    days.map(|d| micros(now - Duration::days(i64::from(d))))
}

/// Selects up to CHUNK keys with `sel` (one `$1` = cutoff) and deletes them from each `(table, column)`.
async fn chunked(pool: &AnyPool, sel: &str, cut: i64, dels: &[(&str, &str)]) -> Result<Vec<String>, StoreError> {
    let mut all = Vec::new();
    loop {
        let sql = format!("{sel} LIMIT {CHUNK}");
        let rows = query(&sql, vec![Val::I(Some(cut))]).fetch_all(pool).await.map_err(db)?;
        let keys: Vec<String> = rows
            .iter()
            .map(|r| r.try_get(0))
            .collect::<Result<_, _>>()
            .map_err(db)?;
        if keys.is_empty() {
            return Ok(all);
        }
        for (t, c) in dels {
            let mut b = Binds::default();
            let ph: Vec<_> = keys.iter().map(|k| b.t(k)).collect();
            exec(
                pool,
                &format!("DELETE FROM {t} WHERE {c} IN ({})", ph.join(",")),
                b.vals,
            )
            .await?;
        }
        all.extend(keys);
    }
}

/// Deletes event groups matching `cond` (one `$1` = cutoff), CHUNK groups at a time; returns how many events
/// they held.
async fn delete_groups(pool: &AnyPool, cond: &str, cut: i64) -> Result<u64, StoreError> {
    let sql = format!("SELECT gid, n FROM event_groups WHERE {cond} LIMIT {CHUNK}");
    let mut total = 0;
    loop {
        let rows = query(&sql, vec![Val::I(Some(cut))]).fetch_all(pool).await.map_err(db)?;
        if rows.is_empty() {
            return Ok(total);
        }
        let mut gids = Vec::with_capacity(rows.len());
        for r in &rows {
            let (gid, n): (i64, i64) = (r.try_get(0).map_err(db)?, r.try_get(1).map_err(db)?);
            gids.push(gid.to_string());
            total += u64::try_from(n).unwrap_or(0);
        }
        // The gids are integers just read from the table, never input: listing them inline is safe.
        exec(
            pool,
            &format!("DELETE FROM event_groups WHERE gid IN ({})", gids.join(",")),
            Vec::new(),
        )
        .await?;
    }
}

/// Deletes the ids of events older than `cut` (µs), CHUNK at a time. Ids are UUIDv7-shaped: their first 48 bits
/// are the event's time in ms. Ids with time 0 (a foreign payload that gave no time) are kept.
async fn delete_event_ids(pool: &AnyPool, cut: i64) -> Result<(), StoreError> {
    let ms = u64::try_from(cut.div_euclid(1000)).unwrap_or(0);
    let mut hi = vec![0u8; 16];
    hi[..6].copy_from_slice(&ms.to_be_bytes()[2..]);
    let mut lo = vec![0u8; 16];
    lo[5] = 1;
    let sql = format!(
        "DELETE FROM event_ids WHERE id IN (SELECT id FROM event_ids WHERE id >= $1 AND id < $2 LIMIT {CHUNK})"
    );
    while exec(pool, &sql, vec![Val::B(lo.clone()), Val::B(hi.clone())]).await? > 0 {}
    Ok(())
}

/// One pass.
pub(crate) async fn enforce(
    pool: &AnyPool,
    dir: &Path,
    r: &Retention,
    now: DateTime<Utc>,
) -> Result<RetentionReport, StoreError> {
    let mut rep = RetentionReport::default();
    let n = |v: Vec<String>| u64::try_from(v.len()).unwrap_or(0);
    if let Some(c) = cutoff(now, r.raw_days) {
        rep.raw = delete_groups(pool, "kind = 'raw' AND ts_max < $1", c).await?;
    }
    if let Some(c) = cutoff(now, r.sessions_days) {
        let sel = "SELECT id FROM sessions WHERE start_ts < $1";
        let dels = [
            ("event_groups", "session_id"),
            ("session_users", "session_id"),
            ("session_values", "session_id"),
            ("file_sessions", "session_id"),
            ("sessions", "id"),
        ];
        rep.sessions = n(chunked(pool, sel, c, &dels).await?);
        delete_groups(pool, "session_id = '' AND kind <> 'raw' AND ts_max < $1", c).await?;
    }
    // An event's id goes once no retention setting can keep the event: then a redelivery of it is stored again.
    if let (Some(raw), Some(sessions)) = (r.raw_days, r.sessions_days) {
        if let Some(c) = cutoff(now, Some(raw.max(sessions))) {
            delete_event_ids(pool, c).await?;
        }
    }
    if let Some(c) = cutoff(now, r.files_days) {
        let rows = query(
            "SELECT sha256 FROM files WHERE last_seen < $1 AND sha256 IS NOT NULL",
            vec![Val::I(Some(c))],
        )
        .fetch_all(pool)
        .await
        .map_err(db)?;
        for row in rows {
            let s: String = row.try_get(0).map_err(db)?;
            blob::remove(dir, &s);
        }
        let sel = "SELECT key FROM files WHERE last_seen < $1";
        rep.files = n(chunked(
            pool,
            sel,
            c,
            &[("file_urls", "key"), ("file_sessions", "key"), ("files", "key")],
        )
        .await?);
    }
    if let Some(c) = cutoff(now, r.rollups_days) {
        let v = || vec![Val::I(Some(c))];
        rep.rollups = exec(pool, "DELETE FROM rollups WHERE hour < $1", v()).await?;
        exec(pool, "DELETE FROM rollup_sums WHERE hour < $1", v()).await?;
        exec(pool, "DELETE FROM ip_sketches WHERE hour < $1", v()).await?;
        exec(pool, "DELETE FROM series WHERE minute < $1", v()).await?;
        exec(pool, "DELETE FROM totals WHERE hour < $1", v()).await?;
        // Attacker aggregates are per UTC day: a day goes once all of it is older than the cutoff.
        let d = || vec![Val::I(Some(crate::rollup::day(c)))];
        exec(pool, "DELETE FROM attacker_keys WHERE day < $1", d()).await?;
        exec(pool, "DELETE FROM attackers WHERE day < $1", d()).await?;
    }
    Ok(rep)
}

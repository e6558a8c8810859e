//! Top-N over any window without summing every key of every hour.
//!
//! A day of `src_ip` rollups holds hundreds of thousands of (hour, address) rows, most of them addresses seen
//! once; summing them all for every "top attackers, last 24 h" request costs 100+ ms. Instead the window is cut
//! into *parts* (whole UTC days inside it, single hours at its edges) and each part's leaders — its
//! [`HOUR_LEADERS`] or [`DAY_LEADERS`] biggest keys, plus the count the next key has, its *floor* — are kept in
//! memory. A key missing from a part's leaders counted at most that floor there, so a key missing from every
//! list counted at most the sum of the floors over the window. The listed keys are candidates: their exact
//! totals are read by key (point lookups), strongest bound first, until the N-th exact total is above every
//! unresolved bound and above that sum; if it never is (flat distributions), the plain `GROUP BY` answers.
//!
//! Leaders stay valid while their part's `rollup_sums` total is unchanged: counts only grow, so an unchanged sum
//! means an unchanged part (checked on every request, so several processes may write the same database).

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};

use sqlx::AnyPool;

use crate::rollup::{day, hour};
use crate::sql::{db, micros, query, Binds, Val};
use crate::{Dim, StoreError, TimeRange, TopEntry};

/// Microseconds in an hour.
const HOUR: i64 = 3_600_000_000;
/// Microseconds in a day.
const DAY: i64 = 24 * HOUR;
/// Leaders kept per hour.
pub(crate) const HOUR_LEADERS: usize = 64;
/// Leaders kept per day.
pub(crate) const DAY_LEADERS: usize = 256;
/// Most bytes of keys the leaders keep in all (keys are attacker text: a part of long commands is large, so the
/// bound is on bytes, not parts; 13 dimensions × 31 days and 48 edge hours of short keys take a few MiB).
const MAX_BYTES: usize = 32 << 20;
/// Candidates whose exact totals are read in one statement.
const RESOLVE_BATCH: usize = 32;

/// One part's biggest keys.
#[derive(Debug)]
struct Leaders {
    /// The part's `rollup_sums` total when these were read.
    sum: i64,
    /// Keys and counts, biggest first.
    top: Vec<(String, i64)>,
    /// Highest count a key not in `top` can have in this part (0: `top` holds every key).
    floor: i64,
}

impl Leaders {
    /// Bytes its keys take (what the cache's bound counts).
    fn bytes(&self) -> usize {
        self.top.iter().map(|(k, _)| k.len() + 32).sum()
    }
}

/// The parts and the bytes their keys take.
type Parts = (HashMap<(Dim, i64, i64), Arc<Leaders>>, usize);

/// Leaders per (dimension, part start, part end), shared by every clone of the store.
#[derive(Debug, Default)]
pub(crate) struct TopCache {
    /// The parts, and their size in bytes.
    parts: Mutex<Parts>,
}

impl TopCache {
    /// Cached leaders of a part if its sum still matches.
    fn get(&self, k: (Dim, i64, i64), sum: i64) -> Option<Arc<Leaders>> {
        let m = self.parts.lock().unwrap_or_else(PoisonError::into_inner);
        m.0.get(&k).filter(|l| l.sum == sum).cloned()
    }

    /// Remembers a part's leaders, dropping the oldest parts while over [`MAX_BYTES`].
    fn put(&self, k: (Dim, i64, i64), l: Arc<Leaders>) {
        let mut g = self.parts.lock().unwrap_or_else(PoisonError::into_inner);
        let (m, bytes) = &mut *g;
        *bytes += l.bytes();
        if let Some(old) = m.insert(k, l) {
            *bytes -= old.bytes();
        }
        while *bytes > MAX_BYTES {
            let Some(oldest) = m.keys().min_by_key(|k| k.1).copied() else {
                break;
            };
            if let Some(gone) = m.remove(&oldest) {
                *bytes -= gone.bytes();
            }
        }
    }
}

/// A slice of the window: `[start, end)`, the hours in it that have data, and their summed counts.
#[derive(Debug)]
struct Part {
    /// First hour.
    start: i64,
    /// End (exclusive).
    end: i64,
    /// Hours with data.
    hours: Vec<i64>,
    /// Their `rollup_sums` total.
    sum: i64,
}

/// Cuts the hours that have data (sorted) into whole days inside `[from, to)` and single hours elsewhere.
fn parts(sums: &[(i64, i64)], from: i64, to: i64) -> Vec<Part> {
    let mut out: Vec<Part> = Vec::new();
    for &(h, n) in sums {
        let d = day(h);
        let (start, end) = if d >= from && d + DAY <= to {
            (d, d + DAY)
        } else {
            (h, h + HOUR)
        };
        match out.last_mut() {
            Some(p) if p.start == start => {
                p.hours.push(h);
                p.sum += n;
            }
            _ => out.push(Part {
                start,
                end,
                hours: vec![h],
                sum: n,
            }),
        }
    }
    out
}

/// Reads a part's leaders from the rollups.
async fn leaders(pool: &AnyPool, dim: Dim, p: &Part) -> Result<Leaders, StoreError> {
    let (sql, k) = if p.end - p.start == HOUR {
        (
            format!(
                "SELECT key, count AS n FROM rollups WHERE dim = $1 AND hour = $2 ORDER BY n DESC, key LIMIT {}",
                HOUR_LEADERS + 1
            ),
            HOUR_LEADERS,
        )
    } else {
        (
            format!(
                "SELECT key, CAST(SUM(count) AS BIGINT) AS n FROM rollups WHERE dim = $1 AND hour >= $2 \
                 AND hour < $3 GROUP BY key ORDER BY n DESC, key LIMIT {}",
                DAY_LEADERS + 1
            ),
            DAY_LEADERS,
        )
    };
    let mut vals = vec![Val::T(Some(dim.as_str().into())), Val::I(Some(p.start))];
    if p.end - p.start != HOUR {
        vals.push(Val::I(Some(p.end)));
    }
    let rows = query(&sql, vals).fetch_all(pool).await.map_err(db)?;
    let mut top = rows
        .iter()
        .map(|r| Ok((crate::query::col(r, "key")?, crate::query::col::<i64>(r, "n")?)))
        .collect::<Result<Vec<_>, StoreError>>()?;
    // The query returned at most k + 1 rows: the extra one, if any, is the floor.
    let floor = if top.len() > k {
        top.pop().map_or(0, |(_, n)| n)
    } else {
        0
    };
    Ok(Leaders { sum: p.sum, top, floor })
}

/// A key listed by some part.
#[derive(Debug)]
struct Cand<'a> {
    /// The key.
    key: &'a str,
    /// Its count in the parts that list it.
    known: i64,
    /// Indexes of the parts that list it.
    listed: Vec<usize>,
    /// Highest total it can have.
    upper: i64,
}

/// Top-N from the parts' leaders, or `None` when they cannot decide it (the caller then sums everything).
pub(crate) async fn top(
    pool: &AnyPool,
    cache: &TopCache,
    dim: Dim,
    range: TimeRange,
    limit: usize,
) -> Result<Option<Vec<TopEntry>>, StoreError> {
    if limit == 0 || limit > HOUR_LEADERS / 2 {
        return Ok(None);
    }
    let (from, to) = (hour(micros(range.from)), micros(range.to));
    let sql = "SELECT hour, count FROM rollup_sums WHERE dim = $1 AND hour >= $2 AND hour < $3 ORDER BY hour";
    let vals = vec![Val::T(Some(dim.as_str().into())), Val::I(Some(from)), Val::I(Some(to))];
    let rows = query(sql, vals).fetch_all(pool).await.map_err(db)?;
    let sums = rows
        .iter()
        .map(|r| Ok((crate::query::col(r, "hour")?, crate::query::col(r, "count")?)))
        .collect::<Result<Vec<(i64, i64)>, StoreError>>()?;
    // A window that ends inside an hour still counts that whole hour (rollups are hourly).
    let parts = parts(&sums, from, hour(to - 1) + HOUR);
    let mut lead = Vec::with_capacity(parts.len());
    for p in &parts {
        let k = (dim, p.start, p.end);
        let l = match cache.get(k, p.sum) {
            Some(l) => l,
            None => {
                let l = Arc::new(leaders(pool, dim, p).await?);
                cache.put(k, l.clone());
                l
            }
        };
        lead.push(l);
    }
    let bound: i64 = lead.iter().map(|l| l.floor).sum();
    let mut by_key: HashMap<&str, Cand> = HashMap::new();
    for (i, l) in lead.iter().enumerate() {
        for (key, n) in &l.top {
            let c = by_key.entry(key.as_str()).or_insert_with(|| Cand {
                key,
                known: 0,
                listed: Vec::new(),
                upper: 0,
            });
            c.known += n;
            c.listed.push(i);
        }
    }
    let mut cands: Vec<Cand> = by_key.into_values().collect();
    for c in &mut cands {
        let covered: i64 = c.listed.iter().map(|&i| lead[i].floor).sum();
        c.upper = c.known + bound - covered;
    }
    cands.sort_by(|a, b| b.upper.cmp(&a.upper).then_with(|| a.key.cmp(b.key)));
    let mut exact: Vec<(&str, i64)> = Vec::new();
    let mut next = 0;
    while next < cands.len() {
        let nth = nth_best(&mut exact, limit);
        if nth.is_some_and(|n| cands[next].upper < n) {
            break;
        }
        let end = (next + RESOLVE_BATCH).min(cands.len());
        resolve(pool, dim, &parts, &lead, &cands[next..end], &mut exact).await?;
        next = end;
    }
    exact.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(b.0)));
    if bound > 0 && exact.get(limit - 1).is_none_or(|&(_, n)| n <= bound) {
        // A key no part lists could tie or beat the N-th: only the full sum can tell.
        return Ok(None);
    }
    exact.truncate(limit);
    Ok(Some(
        exact
            .into_iter()
            .map(|(k, n)| TopEntry {
                key: k.to_owned(),
                count: crate::sql::count(n),
            })
            .collect(),
    ))
}

/// The `limit`-th biggest exact total so far (sorts `exact`).
fn nth_best(exact: &mut [(&str, i64)], limit: usize) -> Option<i64> {
    if exact.len() < limit {
        return None;
    }
    exact.sort_unstable_by_key(|e| std::cmp::Reverse(e.1));
    Some(exact[limit - 1].1)
}

/// Exact totals of some candidates: their listed counts plus, read by key, their counts in the hours of the
/// parts that do not list them.
async fn resolve<'a>(
    pool: &AnyPool,
    dim: Dim,
    parts: &[Part],
    lead: &[Arc<Leaders>],
    cands: &[Cand<'a>],
    exact: &mut Vec<(&'a str, i64)>,
) -> Result<(), StoreError> {
    let mut hours: Vec<i64> = Vec::new();
    let mut ask: Vec<&Cand> = Vec::new();
    for c in cands {
        let unlisted: Vec<usize> = (0..parts.len())
            .filter(|i| lead[*i].floor > 0 && !c.listed.contains(i))
            .collect();
        if unlisted.is_empty() {
            exact.push((c.key, c.known));
            continue;
        }
        hours.extend(unlisted.iter().flat_map(|&i| parts[i].hours.iter().copied()));
        ask.push(c);
    }
    if ask.is_empty() {
        return Ok(());
    }
    hours.sort_unstable();
    hours.dedup();
    let mut b = Binds::default();
    let d = b.t(dim.as_str());
    let hs: Vec<String> = hours.iter().map(|h| b.i(*h)).collect();
    let ks: Vec<String> = ask.iter().map(|c| b.t(c.key)).collect();
    let sql = format!(
        "SELECT key, hour, count FROM rollups WHERE dim = {d} AND hour IN ({}) AND key IN ({})",
        hs.join(","),
        ks.join(",")
    );
    let rows = query(&sql, b.vals).fetch_all(pool).await.map_err(db)?;
    let mut add: HashMap<String, i64> = HashMap::new();
    let by_key: HashMap<&str, &Cand> = ask.iter().map(|c| (c.key, *c)).collect();
    for r in &rows {
        let key: String = crate::query::col(r, "key")?;
        let h: i64 = crate::query::col(r, "hour")?;
        let n: i64 = crate::query::col(r, "count")?;
        let Some(c) = by_key.get(key.as_str()) else {
            continue;
        };
        // The part holding this hour: counted already if that part lists the key.
        let i = parts.partition_point(|p| p.end <= h);
        if i < parts.len() && !c.listed.contains(&i) {
            *add.entry(key).or_default() += n;
        }
    }
    for c in ask {
        exact.push((c.key, c.known + add.get(c.key).copied().unwrap_or(0)));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_cache_is_bounded_by_bytes_and_drops_the_oldest_parts() {
        let c = TopCache::default();
        let long = "x".repeat(64 << 10);
        let part = |n: i64| Leaders {
            sum: n,
            top: (0..4).map(|i| (format!("{long}{i}"), 1)).collect(),
            floor: 0,
        };
        for h in 0..1000 {
            c.put((Dim::Command, h * HOUR, (h + 1) * HOUR), Arc::new(part(h)));
        }
        let g = c.parts.lock().unwrap();
        assert!(g.1 <= MAX_BYTES, "{} bytes kept", g.1);
        assert_eq!(g.1, g.0.values().map(|l| l.bytes()).sum::<usize>());
        assert!(g.0.contains_key(&(Dim::Command, 999 * HOUR, 1000 * HOUR)));
        assert!(!g.0.contains_key(&(Dim::Command, 0, HOUR)));
        drop(g);
        assert!(c.get((Dim::Command, 999 * HOUR, 1000 * HOUR), 999).is_some());
        assert!(
            c.get((Dim::Command, 999 * HOUR, 1000 * HOUR), 5).is_none(),
            "a changed sum is a miss"
        );
    }

    #[test]
    fn whole_days_inside_the_window_are_one_part_and_edges_are_hours() {
        let from = 2 * DAY + 20 * HOUR;
        let to = 5 * DAY + 3 * HOUR;
        let sums: Vec<(i64, i64)> = (0..((to - from) / HOUR)).map(|i| (from + i * HOUR, 1)).collect();
        let p = parts(&sums, from, to);
        let spans: Vec<(i64, i64)> = p.iter().map(|p| (p.start, p.end)).collect();
        let mut want: Vec<(i64, i64)> = (20..24)
            .map(|h| (2 * DAY + h * HOUR, 2 * DAY + (h + 1) * HOUR))
            .collect();
        want.push((3 * DAY, 4 * DAY));
        want.push((4 * DAY, 5 * DAY));
        want.extend((0..3).map(|h| (5 * DAY + h * HOUR, 5 * DAY + (h + 1) * HOUR)));
        assert_eq!(spans, want);
        assert_eq!(p[4].sum, 24);
        assert_eq!(p[4].hours.len(), 24);
    }
}

//! Shared aggregates folded across batches. Under sustained ingest most of a batch's writes are upserts of rows
//! that the next batches change again: the same hours' rollups, the same busy addresses' attacker rows. A batch
//! written while another waits (`Store::insert_folding`) therefore *parks* its [`Delta`] instead: one JSON row in
//! `parked_aggregates`, inserted by the batch's own transaction, with a copy kept in memory ([`Parked`]). The next
//! batch written with nothing behind it (or once the oldest parked delta is [`MAX_AGE`] old) deletes the parked rows,
//! merges their deltas into its own and upserts the sum: each changed page is written once for several batches.
//!
//! **Exactly once.** A parked delta counts when, and only when, a transaction deletes its row: the flushing
//! transaction merges only the deltas whose rows its `DELETE ... RETURNING` removed. A crash before that leaves the
//! rows, and the next start merges them from their JSON ([`claim`] with [`Sweep::All`]); a row another process (or a
//! periodic sweep of rows older than [`ORPHAN_AGE`]) already took is not returned, so is not counted again.
//! When the collector is idle nothing stays parked: its last batch has nothing behind it and flushes.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::net::IpAddr;
use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};

use crate::bulk::Tx;
use crate::rollup::{Agg, Tot};
use crate::sql::db;
use crate::{Geo, StoreError};

/// Longest a delta stays parked while batches keep coming; the dashboard's counts lag the events by at most this.
const MAX_AGE: Duration = Duration::from_secs(2);
/// Most deltas parked at once (each is about one batch's distinct keys).
const MAX_PARKED: usize = 16;
/// Rows older than this are taken by any flush, whoever parked them (a process that died under load); a live
/// process flushes its own well before.
const ORPHAN_AGE: Duration = Duration::from_secs(60);

/// One address's counters for one UTC day, owned (see `rollup::AttackerDelta`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(crate) struct Attacker {
    /// Earliest event.
    pub first: i64,
    /// Latest event.
    pub last: i64,
    /// Events.
    pub events: i64,
    /// Sessions created.
    pub sessions: i64,
    /// Geo of the latest event.
    pub geo: Geo,
}

/// The foldable part of one or more batches' aggregates, keys as stored: rollups, series, totals and the attacker
/// detail's rows (sensors, fingerprints and files stay with each batch; the hourly sketches take their addresses
/// from the `src_ip` rollups here).
#[derive(Debug, Default, Clone, PartialEq, Serialize, Deserialize)]
pub(crate) struct Delta {
    /// (dim, hour, key) → count.
    #[serde(with = "pairs")]
    pub rollups: HashMap<(String, i64, String), i64>,
    /// (minute, proto) → count.
    #[serde(with = "pairs")]
    pub series: HashMap<(i64, String), i64>,
    /// hour → counters.
    #[serde(with = "pairs")]
    pub totals: HashMap<i64, Tot>,
    /// (address, day) → counters.
    #[serde(with = "pairs")]
    pub attackers: HashMap<(IpAddr, i64), Attacker>,
    /// (day, address, dim, key) → count.
    #[serde(with = "pairs")]
    pub attacker_keys: HashMap<(i64, IpAddr, String, String), i64>,
}

impl Delta {
    /// The foldable part of one batch's aggregates (its new sessions are counted in when it is written:
    /// `SessionRows::count_new`).
    pub fn of(agg: &Agg<'_>) -> Delta {
        Delta {
            rollups: agg
                .rollups
                .iter()
                .map(|((d, h, k), c)| (((*d).to_owned(), *h, k.render()), *c))
                .collect(),
            series: agg
                .series
                .iter()
                .map(|((m, p), c)| ((*m, (*p).to_owned()), *c))
                .collect(),
            totals: agg.totals.clone(),
            attackers: agg
                .attackers
                .iter()
                .map(|(k, a)| {
                    let v = Attacker {
                        first: a.first,
                        last: a.last,
                        events: a.events,
                        sessions: a.sessions,
                        geo: a.geo.clone(),
                    };
                    (*k, v)
                })
                .collect(),
            attacker_keys: agg
                .attacker_keys
                .iter()
                .map(|((d, ip, dim, k), c)| ((*d, *ip, (*dim).to_owned(), k.render()), *c))
                .collect(),
        }
    }

    /// Adds `o` (the sum of both batches' aggregates).
    pub fn merge(&mut self, o: Delta) {
        for (k, c) in o.rollups {
            *self.rollups.entry(k).or_default() += c;
        }
        for (k, c) in o.series {
            *self.series.entry(k).or_default() += c;
        }
        for (h, t) in o.totals {
            let x = self.totals.entry(h).or_default();
            x.events += t.events;
            x.sessions += t.sessions;
            x.logins += t.logins;
            x.downloads += t.downloads;
        }
        for (k, a) in o.attackers {
            match self.attackers.entry(k) {
                std::collections::hash_map::Entry::Vacant(v) => {
                    v.insert(a);
                }
                std::collections::hash_map::Entry::Occupied(mut v) => {
                    let x = v.get_mut();
                    x.first = x.first.min(a.first);
                    x.events += a.events;
                    x.sessions += a.sessions;
                    // The geo of the latest event, as the upsert keeps it.
                    if a.last >= x.last {
                        x.last = a.last;
                        x.geo = a.geo;
                    }
                }
            }
        }
        for (k, c) in o.attacker_keys {
            *self.attacker_keys.entry(k).or_default() += c;
        }
    }

    /// Whether there is nothing to write.
    pub fn is_empty(&self) -> bool {
        self.rollups.is_empty()
            && self.series.is_empty()
            && self.totals.is_empty()
            && self.attackers.is_empty()
            && self.attacker_keys.is_empty()
    }

    /// The addresses per hour of the `src_ip` rollups (what the hourly sketches take in).
    pub fn addresses(&self) -> BTreeMap<i64, HashSet<IpAddr>> {
        let mut out: BTreeMap<i64, HashSet<IpAddr>> = BTreeMap::new();
        for (d, h, k) in self.rollups.keys() {
            if d == "src_ip" {
                if let Ok(a) = k.parse() {
                    out.entry(*h).or_default().insert(a);
                }
            }
        }
        out
    }
}

/// Maps with tuple keys as JSON: a list of `[key, value]` pairs.
mod pairs {
    use std::collections::HashMap;
    use std::hash::Hash;

    use serde::{Deserialize, Deserializer, Serialize, Serializer};

    /// Writes the map as a sequence of pairs.
    pub fn serialize<K: Serialize, V: Serialize, S: Serializer>(m: &HashMap<K, V>, s: S) -> Result<S::Ok, S::Error> {
        s.collect_seq(m.iter())
    }

    /// Reads a sequence of pairs (a key seen twice keeps its last value; [`super::Delta`] never writes one twice).
    pub fn deserialize<'de, K, V, D>(d: D) -> Result<HashMap<K, V>, D::Error>
    where
        K: Deserialize<'de> + Eq + Hash,
        V: Deserialize<'de>,
        D: Deserializer<'de>,
    {
        Ok(Vec::<(K, V)>::deserialize(d)?.into_iter().collect())
    }
}

/// This process's parked deltas, shared by its writers.
#[derive(Debug)]
pub(crate) struct Parked {
    /// (row id, delta), oldest first.
    deltas: Vec<(i64, Delta)>,
    /// When the oldest of them was parked.
    since: Option<Instant>,
    /// Last sweep for orphaned rows.
    swept: Instant,
    /// The next flush takes every parked row from its JSON: set at start (rows a crash left) and after a failed
    /// flush (whose rows its rollback kept, while their deltas were used up).
    recover: bool,
}

impl Default for Parked {
    fn default() -> Self {
        Parked {
            deltas: Vec::new(),
            since: None,
            swept: Instant::now(),
            recover: true,
        }
    }
}

impl Parked {
    /// Whether the next batch may park its delta (young and few enough parked so far).
    pub fn room(&self) -> bool {
        self.deltas.len() < MAX_PARKED && self.since.is_none_or(|t| t.elapsed() < MAX_AGE)
    }

    /// Whether a flush has nothing to do: nothing parked and nothing to recover.
    pub fn idle(&self) -> bool {
        self.deltas.is_empty() && !self.recover
    }

    /// Keeps a delta whose row `id` was committed.
    pub fn keep(&mut self, id: i64, d: Delta) {
        self.since.get_or_insert_with(Instant::now);
        self.deltas.push((id, d));
    }

    /// Takes every delta for a flush, and which other rows the flush should take ([`claim`]).
    pub fn take(&mut self) -> (Vec<(i64, Delta)>, Sweep) {
        self.since = None;
        let sweep = if std::mem::take(&mut self.recover) {
            Sweep::All
        } else if self.swept.elapsed() >= ORPHAN_AGE {
            Sweep::Orphans
        } else {
            Sweep::None
        };
        if sweep != Sweep::None {
            self.swept = Instant::now();
        }
        (std::mem::take(&mut self.deltas), sweep)
    }

    /// A flush failed: its rows are still stored; the next flush reads them back.
    pub fn failed(&mut self) {
        self.recover = true;
    }
}

/// Microseconds since the epoch, now.
fn now_us() -> i64 {
    chrono::Utc::now().timestamp_micros()
}

/// Parks `d` in this transaction; returns its row id.
pub(crate) async fn park(tx: &mut Tx, d: &Delta) -> Result<i64, StoreError> {
    let json = serde_json::to_string(d).map_err(|e| StoreError::Db(format!("internal: cannot encode a delta: {e}")))?;
    let sql = "INSERT INTO parked_aggregates (created, delta) VALUES ($1, $2) RETURNING id";
    let id: (i64,) = match tx {
        Tx::Sqlite(t) => sqlx::query_as(sql).bind(now_us()).bind(json).fetch_one(&mut **t).await,
        Tx::Pg(t) => sqlx::query_as(sql).bind(now_us()).bind(json).fetch_one(&mut **t).await,
    }
    .map_err(db)?;
    Ok(id.0)
}

/// Which rows [`claim`] takes besides the caller's own.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Sweep {
    /// Only the caller's.
    None,
    /// Also rows older than [`ORPHAN_AGE`].
    Orphans,
    /// Every row (a start after a crash).
    All,
}

/// Deletes the rows of `taken` (and, per `sweep`, others) and adds to `into` the delta of each row this transaction
/// deleted: from memory for `taken`, from its JSON for others. Call under `bulk::lock_aggregates`.
pub(crate) async fn claim(
    tx: &mut Tx,
    taken: Vec<(i64, Delta)>,
    sweep: Sweep,
    into: &mut Delta,
) -> Result<(), StoreError> {
    let cutoff = match sweep {
        Sweep::None => None,
        Sweep::Orphans => Some(now_us() - i64::try_from(ORPHAN_AGE.as_micros()).unwrap_or(i64::MAX)),
        Sweep::All => Some(i64::MAX),
    };
    if let Some(cutoff) = cutoff {
        let sql = "DELETE FROM parked_aggregates WHERE created < $1 RETURNING id, delta";
        let rows: Vec<(i64, String)> = match tx {
            Tx::Sqlite(t) => sqlx::query_as(sql).bind(cutoff).fetch_all(&mut **t).await,
            Tx::Pg(t) => sqlx::query_as(sql).bind(cutoff).fetch_all(&mut **t).await,
        }
        .map_err(db)?;
        for (id, json) in rows {
            match serde_json::from_str::<Delta>(&json) {
                Ok(d) => into.merge(d),
                // A row this build cannot read (another version's?) is dropped, loudly, rather than retried forever.
                Err(e) => tracing::error!(
                    id,
                    error = %e,
                    "a parked aggregate row cannot be read (written by another apiary version?); its counts are dropped"
                ),
            }
        }
    }
    if taken.is_empty() {
        return Ok(());
    }
    // Row ids are integers the database gave us, never input: listing them inline keeps one text for both drivers.
    let list = taken.iter().map(|(id, _)| id.to_string()).collect::<Vec<_>>().join(",");
    let sql = format!("DELETE FROM parked_aggregates WHERE id IN ({list}) RETURNING id");
    let gone: HashSet<i64> = match tx {
        Tx::Sqlite(t) => {
            sqlx::query_as::<_, (i64,)>(sqlx::AssertSqlSafe(sql))
                .fetch_all(&mut **t)
                .await
        }
        Tx::Pg(t) => {
            sqlx::query_as::<_, (i64,)>(sqlx::AssertSqlSafe(sql))
                .fetch_all(&mut **t)
                .await
        }
    }
    .map_err(db)?
    .into_iter()
    .map(|r| r.0)
    .collect();
    for (id, d) in taken {
        if gone.contains(&id) {
            into.merge(d);
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn delta(ip: &str, n: i64, last: i64, country: &str) -> Delta {
        let ip: IpAddr = ip.parse().unwrap();
        let mut d = Delta::default();
        d.rollups.insert(("src_ip".into(), 0, ip.to_string()), n);
        d.series.insert((0, "ssh".into()), n);
        d.totals.insert(
            0,
            Tot {
                events: n,
                sessions: 1,
                logins: 0,
                downloads: 0,
            },
        );
        let geo = Geo {
            country: Some(country.into()),
            ..Geo::default()
        };
        d.attackers.insert(
            (ip, 0),
            Attacker {
                first: last - 10,
                last,
                events: n,
                sessions: 1,
                geo,
            },
        );
        d.attacker_keys.insert((0, ip, "port".into(), "22".into()), n);
        d
    }

    #[test]
    fn deltas_round_trip_through_json() {
        let d = delta("2001:db8::1", 3, 100, "NL");
        let back: Delta = serde_json::from_str(&serde_json::to_string(&d).unwrap()).unwrap();
        assert_eq!(back, d);
    }

    #[test]
    fn merging_adds_counts_and_keeps_the_latest_geo() {
        let mut a = delta("192.0.2.1", 2, 100, "NL");
        a.merge(delta("192.0.2.1", 3, 50, "DE"));
        a.merge(delta("192.0.2.2", 1, 10, "FR"));
        let ip: IpAddr = "192.0.2.1".parse().unwrap();
        assert_eq!(a.rollups[&("src_ip".into(), 0, "192.0.2.1".into())], 5);
        assert_eq!(a.series[&(0, "ssh".into())], 6);
        assert_eq!(a.totals[&0].events, 6);
        assert_eq!(a.totals[&0].sessions, 3);
        let x = &a.attackers[&(ip, 0)];
        assert_eq!((x.first, x.last, x.events, x.sessions), (40, 100, 5, 2));
        assert_eq!(x.geo.country.as_deref(), Some("NL"), "the later event's geo stays");
        assert_eq!(a.attacker_keys[&(0, ip, "port".into(), "22".into())], 5);
        assert_eq!(a.addresses()[&0].len(), 2);
    }

    #[test]
    fn parked_deltas_are_bounded_and_a_failed_flush_recovers_from_the_rows() {
        let mut p = Parked::default();
        assert!(p.room());
        for i in 0..MAX_PARKED {
            p.keep(i as i64, Delta::default());
        }
        assert!(!p.room(), "at most MAX_PARKED");
        let (taken, sweep) = p.take();
        assert_eq!(taken.len(), MAX_PARKED);
        assert_eq!(sweep, Sweep::All, "the first flush takes what an earlier run left");
        assert_eq!(p.take().1, Sweep::None, "then only its own, and orphans once a minute");
        p.failed();
        assert_eq!(p.take().1, Sweep::All, "after a failure, every row again");
    }
}

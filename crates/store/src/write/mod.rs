//! `Store::insert`: one transaction; event ids go into `event_ids` in a savepoint (SQLite skips stored ones and
//! counts the rest, PostgreSQL inserts them as plain rows, which fails on a stored one); only when some were
//! stored is the savepoint undone and the new ones found (SQLite looks the stored ones up, PostgreSQL learns them
//! from `ON CONFLICT (id) DO NOTHING RETURNING id`). The new events go in as event groups
//! (`groups`), and only they are aggregated (`rollup`) and upserted, one bulk statement per table (`bulk`). The
//! rollups, totals, sketches and attacker rows ([`fold::Delta`]) go in with the batch ([`apply`]) or are parked and
//! folded into a later transaction's (`fold`).
//!
//! On PostgreSQL several inserts run at once (`Store::writers`). The caller keeps each source address's events (and
//! so each session's) in one writer's batches, so the first part (events, session rows, their usernames and values)
//! touches rows no other running insert of this process touches. The attacker rows come next, each statement's rows
//! in key order, so two transactions that share some wait for each other in one order ([`apply_attackers`]); the
//! last part (sensors, fingerprints, files ([`Shared`]), rollups, totals and sketches: rows every batch may share)
//! runs under one advisory lock, so only one transaction at a time holds locks there and no two can deadlock.
//!
//! The CPU-only part (event groups rendered, aggregates, session rows: [`Rows`]) can be computed before the
//! transaction ([`prepare`], `Store::prepare`), on the bet that every event is new; the collector prepares the next
//! batch on another thread while the current one is written (`bench store`: 36.7k -> 39.8k events/s, 5 of 5 pairs,
//! though the process spends 14 % more CPU per event, the blocks being freed on another thread than made them).
//! Tried and not kept (30-s ingest A/B on 2 cores, 3 pairs each, medians): the collector's writer on a thread of
//! its own (measured with the savepoint below, then without it: +2 % and +6 % on SQLite, noise, -7 % on
//! PostgreSQL); each upsert's rows sorted by key, +2 %; rendering groups and aggregating on a second thread
//! while the same batch's statements run, -3 % and -6 %.
//! Upper bounds (throwaway builds, 3 runs each, medians, noise about ±15 %): without the `session_id` indexes of
//! `session_users`/`session_values`, SQLite 35.9k → 35.9k events/s; without `event_ids` (no dedup), 35.9k → 39.7k;
//! without the attacker upserts, SQLite 35.9k → 42.0k and PostgreSQL 32.9k → 45.7k (3 of 3 pairs). Folding (`fold`)
//! takes part of the first on SQLite; on PostgreSQL it measured even, because one batch's attacker rows rarely
//! repeat in the next few, so several batches' worth are about as many rows.
//!
//! Where a SQLite batch's time goes (throwaway timers around each step, 30-s ingest, 60 batches of 16,384 events,
//! 23 s of writing in all; µs per event): rendering the groups' JSON 4.9 (CPU, this thread), `session_values` 3.1,
//! aggregating 2.7 (CPU), looking up stored ids 2.5 (now done only for a batch holding a redelivered event), the
//! `event_ids` insert 1.9, commit 1.7, `attacker_keys` 1.6, `sessions` 1.5, `event_groups` 1.4, `session_users`
//! 1.1, the delta 0.4, the rest under 0.4 each. No one step is the bottleneck: 100k events/s (10 µs per event)
//! needed the CPU steps (8 µs) off this thread, which [`prepare`] now does, as well as fewer index rows per event.

mod agg;
mod files;
pub(crate) mod fold;
mod groups;
mod sessions;

pub(crate) use groups::unpack;

use fold::Delta;

use std::collections::HashSet;
use std::path::Path;

use event::Kind;
use uuid::Uuid;

use crate::bulk::{self, Col, Spec, Tx};
use crate::rollup::Agg;
use crate::sql::micros;
use crate::{Batch, InsertReport, Record, StoreError};

/// Event ids, where PostgreSQL says which ones are new.
static EVENT_IDS: Spec = Spec {
    table: "event_ids",
    cols: "id",
    tail: "ON CONFLICT (id) DO NOTHING RETURNING id",
    returning: true,
};

/// Event ids, skipping stored ones (SQLite, which counts the rows it inserted: see [`insert`]).
static EVENT_IDS_KNOWN: Spec = Spec {
    table: "event_ids",
    cols: "id",
    tail: "ON CONFLICT (id) DO NOTHING",
    returning: false,
};

/// Text column of owned values.
pub(super) fn t(v: Vec<String>) -> Col {
    Col::T(v.into_iter().map(Some).collect())
}

/// Integer column.
pub(super) fn i(v: Vec<i64>) -> Col {
    Col::I(v.into_iter().map(Some).collect())
}

/// Everything a batch's new events write, computed from the events alone (CPU only, no database): event groups,
/// session rows, sensors, fingerprints, files, and the batch's [`Delta`].
struct Rows {
    /// [`groups::GROUPS`]' columns.
    groups: Vec<Col>,
    /// Sessions, their usernames and values.
    sessions: sessions::SessionRows,
    /// Sensors and their honeypots.
    sensors: agg::SensorRows,
    /// Passive fingerprints.
    fps: files::Fingerprints,
    /// Files mentioned (the batch's blobs are added when written).
    files: files::Files,
    /// Rollups, series, totals and attacker rows (new sessions are counted when written).
    delta: Delta,
    /// Events counted.
    events: u64,
}

impl Rows {
    /// The rows of `new` (each a new event, each once).
    fn of(new: &[&Record]) -> Rows {
        let groups = groups::columns(new);
        let mut agg = Agg::default();
        let mut fps = files::Fingerprints::default();
        let mut files = files::Files::default();
        for &r in new {
            agg.add(r);
            match &r.event.kind {
                Kind::Fingerprint(f) => fps.add(r.event.src_ip.to_canonical(), micros(r.event.ts), f),
                Kind::FileDownload(f) | Kind::FileUpload(f) => files.seen(&r.event, f),
                _ => {}
            }
        }
        Rows {
            groups,
            sessions: sessions::rows(&agg),
            sensors: agg::SensorRows::of(&agg),
            fps,
            files,
            delta: Delta::of(&agg),
            events: u64::try_from(agg.totals.values().map(|t| t.events).sum::<i64>()).unwrap_or(0),
        }
    }
}

/// A batch's rows computed ahead of its transaction ([`prepare`]), on the bet that all its events are new (they are,
/// but for a sensor's replayed spool): the collector prepares the next batch while the current one is written.
pub struct Prepared {
    /// The batch's distinct event ids, in first-seen order.
    ids: Vec<Vec<u8>>,
    /// The rows, if every one of `ids` is new.
    rows: Rows,
}

/// The batch's records without repeats of an event id, in first-seen order.
fn distinct(batch: &Batch) -> Vec<&Record> {
    let mut seen = HashSet::with_capacity(batch.records.len());
    batch.records.iter().filter(|r| seen.insert(r.event.id)).collect()
}

/// The event ids of `records`, as stored (16 bytes each).
fn ids_of(records: &[&Record]) -> Vec<Vec<u8>> {
    records.iter().map(|r| r.event.id.as_bytes().to_vec()).collect()
}

/// Computes what `batch` writes if all its events are new (see [`Prepared`]).
pub(crate) fn prepare(batch: &Batch) -> Prepared {
    let fresh = distinct(batch);
    Prepared {
        ids: ids_of(&fresh),
        rows: Rows::of(&fresh),
    }
}

/// Writes a batch's events and sessions (see the module doc), from `prepared` when all its events are new; returns
/// the report, the batch's rollups and attacker rows, which the caller applies ([`apply_attackers`], [`apply`]) or
/// parks (`fold`), and its shared rows, which the caller writes under `bulk::lock_aggregates` ([`Shared`]).
pub(crate) async fn insert(
    tx: &mut Tx,
    dir: &Path,
    batch: &Batch,
    prepared: Prepared,
) -> Result<(InsertReport, Delta, Shared), StoreError> {
    let Prepared { ids, rows } = prepared;
    let n = ids.len();
    let rows = if matches!(tx, Tx::Sqlite(_)) {
        // SQLite: the ids go in skipping stored ones, in a savepoint. When every id was new (all batches but
        // redeliveries), that is all; otherwise the savepoint is undone and the stored ids are looked up first
        // (SQLite has one writer, so the lookup is exact).
        tx.execute("SAVEPOINT event_ids").await?;
        let done = bulk::write(tx, &EVENT_IDS_KNOWN, vec![Col::B(ids)]).await?;
        if done.affected == n as u64 {
            tx.execute("RELEASE event_ids").await?;
            rows
        } else {
            tx.execute("ROLLBACK TO event_ids").await?;
            tx.execute("RELEASE event_ids").await?;
            let fresh = distinct(batch);
            let ids = ids_of(&fresh);
            let old = bulk::existing_events(tx, &ids).await?;
            let new: Vec<&Record> = fresh
                .into_iter()
                .filter(|r| !old.contains(r.event.id.as_bytes().as_slice()))
                .collect();
            bulk::write(tx, &EVENT_IDS_KNOWN, vec![Col::B(ids)]).await?;
            Rows::of(&new)
        }
    } else if pg_all_new(tx, ids).await? {
        rows
    } else {
        // PostgreSQL, a batch holding a stored event: `RETURNING` says which ids are new.
        let ids = ids_of(&distinct(batch));
        let inserted: HashSet<Uuid> = bulk::write(tx, &EVENT_IDS, vec![Col::B(ids)])
            .await?
            .returned
            .iter()
            .filter_map(|b| Uuid::from_slice(b).ok())
            .collect();
        if inserted.len() == n {
            rows
        } else {
            let new: Vec<&Record> = distinct(batch)
                .into_iter()
                .filter(|r| inserted.contains(&r.event.id))
                .collect();
            Rows::of(&new)
        }
    };
    let Rows {
        groups,
        sessions,
        sensors,
        fps,
        mut files,
        mut delta,
        events,
    } = rows;
    bulk::write(tx, &groups::GROUPS, groups).await?;
    for bl in &batch.blobs {
        files.blob(dir, bl)?;
    }
    // Rows of this batch's sessions: no concurrent writer has the same ones (the caller's contract). A session's
    // first batch counts it in its attacker row.
    sessions.count_new(tx, &mut delta).await?;
    sessions.write(tx).await?;
    let total = u64::try_from(batch.records.len()).unwrap_or(0);
    let report = InsertReport {
        inserted: events,
        duplicates: total - events,
    };
    Ok((report, delta, Shared { sensors, fps, files }))
}

/// PostgreSQL: inserts `ids` as plain rows in a savepoint (see [`bulk::insert_new_ids`]); false, with the savepoint
/// undone, when one is stored already. Not on SQLite, which has its own way ([`insert`]).
async fn pg_all_new(tx: &mut Tx, ids: Vec<Vec<u8>>) -> Result<bool, StoreError> {
    tx.execute("SAVEPOINT event_ids").await?;
    let new = match tx {
        Tx::Pg(t) => bulk::insert_new_ids(t, ids).await?,
        Tx::Sqlite(_) => false,
    };
    if !new {
        tx.execute("ROLLBACK TO event_ids").await?;
    }
    tx.execute("RELEASE event_ids").await?;
    Ok(new)
}

/// A batch's rows that any writer may share (sensors, fingerprints, files), written under
/// `bulk::lock_aggregates` ([`Shared::write`]).
pub(crate) struct Shared {
    /// Sensors and their honeypots.
    sensors: agg::SensorRows,
    /// Passive fingerprints.
    fps: files::Fingerprints,
    /// Files, with the batch's blobs.
    files: files::Files,
}

impl Shared {
    /// Writes the rows; the caller holds `bulk::lock_aggregates`, so one transaction at a time locks them.
    pub(crate) async fn write(self, tx: &mut Tx) -> Result<(), StoreError> {
        self.sensors.write(tx).await?;
        self.fps.write(tx).await?;
        self.files.write(tx).await
    }
}

/// Upserts the attacker rows of one or more batches, before `bulk::lock_aggregates` is taken: each statement's rows
/// are in key order, so two transactions upserting some of the same rows (a flush holding another writer's parked
/// addresses, or two server processes) lock them in the same order, and this transaction takes no lock another can
/// hold while it waits for `lock_aggregates` (the tables written under it are written only under it). On
/// PostgreSQL this was most of the time under the lock: the other writer waited for it (49 of 213 samples of
/// `pg_stat_activity` during ingest).
pub(crate) async fn apply_attackers(tx: &mut Tx, d: &mut Delta) -> Result<(), StoreError> {
    agg::attackers(tx, d).await
}

/// Upserts the rollups, series, totals and sketches of one or more batches; the caller holds
/// `bulk::lock_aggregates`, so each statement's rows (in key order) are locked by one transaction at a time.
pub(crate) async fn apply(tx: &mut Tx, d: Delta) -> Result<(), StoreError> {
    let addresses = d.addresses();
    agg::rollups(tx, d).await?;
    crate::distinct::update(tx, &addresses).await
}

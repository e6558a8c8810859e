//! `Store::insert`: one transaction; events go in with `ON CONFLICT (id) DO NOTHING RETURNING id`, then only the
//! newly inserted events are aggregated (`rollup`) and upserted, one bulk statement per table (`bulk`).
//!
//! On PostgreSQL several inserts run at once (`Store::writers`). The caller keeps each session's events in one
//! writer's batches, so the first part (events, session rows, their usernames and values) touches rows no other
//! running insert touches; the second part (rollups, totals, sensors, sketches, attackers, files: rows any batch
//! may share) runs under one advisory lock, so only one transaction at a time holds locks there and no two can
//! deadlock.

mod agg;
mod files;
mod sessions;

use std::collections::{BTreeMap, HashSet};
use std::net::IpAddr;
use std::path::Path;

use event::Kind;
use uuid::Uuid;

use crate::bulk::{self, Col, Spec, Tx};
use crate::rollup::Agg;
use crate::sql::micros;
use crate::{ip, Batch, Geo, InsertReport, Record, StoreError};

/// The events table.
static EVENTS: Spec = Spec {
    table: "events",
    cols: "id, ts, received, sensor, honeypot, session_id, kind, proto, src_ip, dst_port, channel, ident, geo, body",
    tail: "ON CONFLICT (id) DO NOTHING RETURNING id",
    returning: true,
};

/// The events table where the caller already knows which ids are new (SQLite; see `bulk::existing_events`).
static EVENTS_KNOWN: Spec = Spec {
    table: "events",
    cols: "id, ts, received, sensor, honeypot, session_id, kind, proto, src_ip, dst_port, channel, ident, geo, body",
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

/// Aggregates, fingerprints and files of newly inserted records.
fn aggregate<'a>(recs: impl Iterator<Item = &'a Record>) -> (Agg<'a>, files::Fingerprints, files::Files) {
    let mut agg = Agg::default();
    let mut fps = files::Fingerprints::default();
    let mut fl = files::Files::default();
    for r in recs {
        agg.add(r);
        match &r.event.kind {
            Kind::Fingerprint(f) => fps.add(r.event.src_ip.to_canonical(), micros(r.event.ts), f),
            Kind::FileDownload(f) | Kind::FileUpload(f) => fl.seen(&r.event, f),
            _ => {}
        }
    }
    (agg, fps, fl)
}

/// Writes a batch; see the module doc.
pub(crate) async fn insert(tx: &mut Tx, dir: &Path, batch: &Batch) -> Result<InsertReport, StoreError> {
    let mut seen = HashSet::with_capacity(batch.records.len());
    let fresh: Vec<_> = batch.records.iter().filter(|r| seen.insert(r.event.id)).collect();
    let n = fresh.len();
    let (mut id, mut ts, mut rcv, mut sensor, mut hp, mut sid, mut kind, mut proto) = (
        Vec::with_capacity(n),
        Vec::with_capacity(n),
        Vec::with_capacity(n),
        Vec::with_capacity(n),
        Vec::with_capacity(n),
        Vec::with_capacity(n),
        Vec::with_capacity(n),
        Vec::with_capacity(n),
    );
    let (mut src, mut port, mut chan, mut ident, mut geo, mut body) = (
        Vec::with_capacity(n),
        Vec::with_capacity(n),
        Vec::with_capacity(n),
        Vec::with_capacity(n),
        Vec::with_capacity(n),
        Vec::with_capacity(n),
    );
    // Consecutive events mostly share an address and so a geo: serialize it once per run.
    let mut last_geo: Option<(&Geo, String)> = None;
    for r in &fresh {
        let e = &r.event;
        id.push(e.id.as_bytes().to_vec());
        ts.push(micros(e.ts));
        rcv.push(micros(r.received));
        sensor.push(e.sensor.clone());
        hp.push(e.honeypot.clone());
        sid.push(if e.session.is_empty() {
            String::new()
        } else {
            crate::rollup::session_id(&e.sensor, &e.session)
        });
        kind.push(e.kind.name().to_owned());
        proto.push(e.proto.clone());
        src.push(ip::encode(e.src_ip));
        port.push(i64::from(e.dst_port));
        chan.push(r.channel.clone());
        ident.push(r.ident.clone());
        let g = match &last_geo {
            Some((g, s)) if **g == r.geo => s.clone(),
            _ => {
                let s = serde_json::to_string(&r.geo).unwrap_or_default();
                last_geo = Some((&r.geo, s.clone()));
                s
            }
        };
        geo.push(g);
        body.push(e.to_json());
    }
    let known = bulk::existing_events(tx, &id).await?;
    let cols = vec![
        Col::B(id),
        i(ts),
        i(rcv),
        t(sensor),
        t(hp),
        t(sid),
        t(kind),
        t(proto),
        Col::B(src),
        i(port),
        t(chan),
        t(ident),
        t(geo),
        t(body),
    ];
    let (mut agg, fps, mut fl) = if let Some(old) = known {
        // SQLite: the new events are known before the insert; aggregate them while it runs.
        let new = || {
            aggregate(
                fresh
                    .iter()
                    .copied()
                    .filter(|r| !old.contains(r.event.id.as_bytes().as_slice())),
            )
        };
        let (done, aggs) = bulk::overlap(bulk::write(tx, &EVENTS_KNOWN, cols), new).await;
        done?;
        aggs
    } else {
        // PostgreSQL: aggregate every fresh event while the events go in (nearly all are new); redo it only if
        // `RETURNING` says some were not.
        let (ids, guess) = bulk::overlap(bulk::write(tx, &EVENTS, cols), || aggregate(fresh.iter().copied())).await;
        let inserted: HashSet<Uuid> = ids?.iter().filter_map(|b| Uuid::from_slice(b).ok()).collect();
        if inserted.len() == fresh.len() {
            guess
        } else {
            drop(guess);
            aggregate(fresh.iter().copied().filter(|r| inserted.contains(&r.event.id)))
        }
    };
    for bl in &batch.blobs {
        fl.blob(dir, bl)?;
    }
    let added = u64::try_from(agg.totals.values().map(|t| t.events).sum::<i64>()).unwrap_or(0);
    // Rows of this batch's sessions first: no concurrent writer has the same sessions (the caller's contract).
    sessions::count_new(tx, &mut agg).await?;
    sessions::sessions(tx, &agg).await?;
    // Then rows that any writer may share, one transaction at a time.
    bulk::lock_aggregates(tx).await?;
    agg::rollups(tx, &agg).await?;
    let mut ips: BTreeMap<i64, HashSet<IpAddr>> = BTreeMap::new();
    for (d, h, k) in agg.rollups.keys() {
        if let (&"src_ip", crate::rollup::Key::Ip(a)) = (d, k) {
            ips.entry(*h).or_default().insert(*a);
        }
    }
    crate::distinct::update(tx, &ips).await?;
    agg::attackers(tx, &agg).await?;
    fps.write(tx).await?;
    fl.write(tx).await?;
    let total = u64::try_from(batch.records.len()).unwrap_or(0);
    Ok(InsertReport {
        inserted: added,
        duplicates: total - added,
    })
}

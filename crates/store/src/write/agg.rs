//! Upserts of aggregates: one batch's sensors, and the rollups, series, totals and per-address daily attacker rows
//! of one or more batches (a `fold::Delta`).

use std::collections::HashMap;

use super::fold::Delta;
use super::{i, t};
use crate::bulk::{self, Col, Spec, Tx};
use crate::rollup::Agg;
use crate::{ip, StoreError};

/// Hourly counts per dimension.
static ROLLUPS: Spec = Spec {
    table: "rollups",
    cols: "dim, hour, key, count",
    tail: "ON CONFLICT (dim, hour, key) DO UPDATE SET count = rollups.count + excluded.count",
    returning: false,
};

/// Each dimension's rollup counts summed per hour (top-N's check that an hour is unchanged; see `top`).
static ROLLUP_SUMS: Spec = Spec {
    table: "rollup_sums",
    cols: "dim, hour, count",
    tail: "ON CONFLICT (dim, hour) DO UPDATE SET count = rollup_sums.count + excluded.count",
    returning: false,
};

/// Per-minute counts per protocol.
static SERIES: Spec = Spec {
    table: "series",
    cols: "minute, proto, count",
    tail: "ON CONFLICT (minute, proto) DO UPDATE SET count = series.count + excluded.count",
    returning: false,
};

/// Hourly headline counters.
static TOTALS: Spec = Spec {
    table: "totals",
    cols: "hour, events, sessions, logins, downloads",
    tail: "ON CONFLICT (hour) DO UPDATE SET events = totals.events + excluded.events, \
           sessions = totals.sessions + excluded.sessions, logins = totals.logins + excluded.logins, \
           downloads = totals.downloads + excluded.downloads",
    returning: false,
};

/// Sensors. A row a heartbeat made (0 events) takes its first events' times as they are: first and last seen are
/// events' times, never the heartbeat's.
static SENSORS: Spec = Spec {
    table: "sensors",
    cols: "id, ident, first_seen, last_seen, events",
    tail: "ON CONFLICT (id) DO UPDATE SET ident = excluded.ident, events = sensors.events + excluded.events, \
           first_seen = CASE WHEN sensors.events = 0 OR excluded.first_seen < sensors.first_seen \
           THEN excluded.first_seen ELSE sensors.first_seen END, \
           last_seen = CASE WHEN sensors.events = 0 OR excluded.last_seen > sensors.last_seen \
           THEN excluded.last_seen ELSE sensors.last_seen END",
    returning: false,
};

/// Which honeypots each sensor runs.
static SENSOR_HONEYPOTS: Spec = Spec {
    table: "sensor_honeypots",
    cols: "sensor, honeypot",
    tail: "ON CONFLICT DO NOTHING",
    returning: false,
};

/// Per-address, per-day summary.
static ATTACKERS: Spec = Spec {
    table: "attackers",
    cols: "ip, day, first_seen, last_seen, events, sessions, geo",
    tail: "ON CONFLICT (ip, day) DO UPDATE SET events = attackers.events + excluded.events, \
           sessions = attackers.sessions + excluded.sessions, \
           first_seen = CASE WHEN excluded.first_seen < attackers.first_seen THEN excluded.first_seen \
           ELSE attackers.first_seen END, \
           geo = CASE WHEN excluded.last_seen >= attackers.last_seen THEN excluded.geo ELSE attackers.geo END, \
           last_seen = CASE WHEN excluded.last_seen > attackers.last_seen THEN excluded.last_seen \
           ELSE attackers.last_seen END",
    returning: false,
};

/// Per-address, per-day counts of sensors, ports, protocols, credentials, commands and files.
static ATTACKER_KEYS: Spec = Spec {
    table: "attacker_keys",
    cols: "day, ip, dim, key, count",
    tail: "ON CONFLICT (day, ip, dim, key) DO UPDATE SET count = attacker_keys.count + excluded.count",
    returning: false,
};

/// Rollups (and their per-hour sums), series and totals.
pub(super) async fn rollups(tx: &mut Tx, d: Delta) -> Result<(), StoreError> {
    let n = d.rollups.len();
    let (mut dim, mut hour, mut key, mut count) = (
        Vec::with_capacity(n),
        Vec::with_capacity(n),
        Vec::with_capacity(n),
        Vec::with_capacity(n),
    );
    let mut sums: HashMap<(String, i64), i64> = HashMap::new();
    for ((dm, h, k), c) in d.rollups {
        *sums.entry((dm.clone(), h)).or_default() += c;
        dim.push(dm);
        hour.push(h);
        key.push(k);
        count.push(c);
    }
    bulk::write(tx, &ROLLUPS, vec![t(dim), i(hour), t(key), i(count)]).await?;
    let (mut dim, mut hour, mut count) = (Vec::new(), Vec::new(), Vec::new());
    for ((dm, h), c) in sums {
        dim.push(dm);
        hour.push(h);
        count.push(c);
    }
    bulk::write(tx, &ROLLUP_SUMS, vec![t(dim), i(hour), i(count)]).await?;

    let (mut minute, mut proto, mut count) = (Vec::new(), Vec::new(), Vec::new());
    for ((m, p), c) in d.series {
        minute.push(m);
        proto.push(p);
        count.push(c);
    }
    bulk::write(tx, &SERIES, vec![i(minute), t(proto), i(count)]).await?;

    let (mut hour, mut ev, mut se, mut lo, mut dl) = (Vec::new(), Vec::new(), Vec::new(), Vec::new(), Vec::new());
    for (h, x) in d.totals {
        hour.push(h);
        ev.push(x.events);
        se.push(x.sessions);
        lo.push(x.logins);
        dl.push(x.downloads);
    }
    bulk::write(tx, &TOTALS, vec![i(hour), i(ev), i(se), i(lo), i(dl)])
        .await
        .map(drop)
}

/// One batch's sensors and the honeypots they run, ready to write.
pub(super) struct SensorRows {
    /// [`SENSORS`]' columns.
    sensors: Vec<Col>,
    /// [`SENSOR_HONEYPOTS`]' columns.
    honeypots: Vec<Col>,
}

impl SensorRows {
    /// The rows of `agg`'s sensors.
    pub fn of(agg: &Agg<'_>) -> SensorRows {
        let (mut id, mut ident, mut first, mut last, mut ev) =
            (Vec::new(), Vec::new(), Vec::new(), Vec::new(), Vec::new());
        let (mut hs, mut hh) = (Vec::new(), Vec::new());
        for (s, d) in &agg.sensors {
            id.push((*s).to_owned());
            ident.push(d.ident.to_owned());
            first.push(d.first);
            last.push(d.last);
            ev.push(d.events);
            for h in &d.honeypots {
                hs.push((*s).to_owned());
                hh.push((*h).to_owned());
            }
        }
        SensorRows {
            sensors: vec![t(id), t(ident), i(first), i(last), i(ev)],
            honeypots: vec![t(hs), t(hh)],
        }
    }

    /// Upserts them.
    pub async fn write(self, tx: &mut Tx) -> Result<(), StoreError> {
        bulk::write(tx, &SENSORS, self.sensors).await?;
        bulk::write(tx, &SENSOR_HONEYPOTS, self.honeypots).await?;
        Ok(())
    }
}

/// The attacker detail's aggregates: one row per (address, day) and per (day, address, dim, key), each statement's
/// rows in primary-key order, so two transactions upserting some of the same rows (two writers given one address,
/// or two server processes) lock them in the same order: one waits for the other, neither deadlocks.
pub(super) async fn attackers(tx: &mut Tx, d: &mut Delta) -> Result<(), StoreError> {
    let mut rows: Vec<_> = d
        .attackers
        .drain()
        .map(|((addr, day), a)| (ip::encode(addr), day, a))
        .collect();
    rows.sort_unstable_by(|x, y| (&x.0, x.1).cmp(&(&y.0, y.1)));
    let n = rows.len();
    let mut cols: [Vec<i64>; 5] = Default::default();
    let (mut ipc, mut geo) = (Vec::with_capacity(n), Vec::with_capacity(n));
    for (addr, day, a) in rows {
        for (c, v) in cols.iter_mut().zip([day, a.first, a.last, a.events, a.sessions]) {
            c.push(v);
        }
        ipc.push(addr);
        geo.push(serde_json::to_string(&a.geo).unwrap_or_default());
    }
    let [day, first, last, events, sessions] = cols;
    let c = vec![Col::B(ipc), i(day), i(first), i(last), i(events), i(sessions), t(geo)];
    bulk::write(tx, &ATTACKERS, c).await?;

    let mut rows: Vec<_> = d
        .attacker_keys
        .drain()
        .map(|((day, addr, dm, k), c)| (day, ip::encode(addr), dm, k, c))
        .collect();
    rows.sort_unstable_by(|x, y| (x.0, &x.1, &x.2, &x.3).cmp(&(y.0, &y.1, &y.2, &y.3)));
    let n = rows.len();
    let (mut day, mut ipc, mut dim, mut key, mut count) = (
        Vec::with_capacity(n),
        Vec::with_capacity(n),
        Vec::with_capacity(n),
        Vec::with_capacity(n),
        Vec::with_capacity(n),
    );
    for (dy, addr, dm, k, c) in rows {
        day.push(dy);
        ipc.push(addr);
        dim.push(dm);
        key.push(k);
        count.push(c);
    }
    let c = vec![i(day), Col::B(ipc), t(dim), t(key), i(count)];
    bulk::write(tx, &ATTACKER_KEYS, c).await?;
    Ok(())
}

//! The raw feed: every stored event, newest first, read from event groups (`write::groups`).
//!
//! Groups are walked by their newest event, newest first, a few hundred per query. An event is placed once no
//! unread group can hold a newer one: every unread group's newest event is at most the last read group's.

use sqlx::AnyPool;
use uuid::Uuid;

use crate::query::{clause, col, lim, page};
use crate::sql::{db, micros, query, time, Binds, Val};
use crate::{cursor, ip, FeedFilter, FeedRow, Page, Paged, StoreError};

/// Groups read per query.
const GROUPS_PER_READ: usize = 256;

/// One page of the feed.
pub(crate) async fn feed(pool: &AnyPool, f: &FeedFilter, p: &Page) -> Result<Paged<FeedRow>, StoreError> {
    let want = lim(p) + 1;
    let after = match &p.after {
        Some(c) => {
            let (t, id) = cursor::decode(c)?;
            let id = Uuid::parse_str(&id).map_err(|_| StoreError::Invalid("bad page cursor".into()))?;
            Some((t, id))
        }
        None => None,
    };
    let range = f.range.map(|r| (micros(r.from), micros(r.to)));
    let mut found: Vec<FeedRow> = Vec::new();
    // The (newest event, gid) of the last group read; None before the first read.
    let mut last: Option<(i64, i64)> = None;
    let mut exhausted = false;
    while !exhausted {
        let mut b = Binds::default();
        let mut w = Vec::new();
        if let Some((from, to)) = range {
            w.push(format!("ts_max >= {} AND ts_min < {}", b.i(from), b.i(to)));
        }
        if let Some(c) = &f.channel {
            w.push(format!("channel = {}", b.t(c)));
        }
        if let Some(k) = &f.kind {
            // A group's kind is its events' one kind, or '' when they differ.
            w.push(format!("(kind = {} OR kind = '')", b.t(k)));
        }
        if let Some(a) = f.src_ip {
            w.push(format!("src_ip = {}", b.push(Val::B(ip::encode(a)))));
        }
        if let Some((t, _)) = after {
            w.push(format!("ts_min <= {}", b.i(t)));
        }
        if let Some((m, g)) = last {
            // A row comparison, which both databases take as an index bound.
            w.push(format!("(ts_max, gid) < ({}, {})", b.i(m), b.i(g)));
        }
        let sql = format!(
            "SELECT gid, ts_max, channel, ident, geo, body FROM event_groups {} \
             ORDER BY ts_max DESC, gid DESC LIMIT {GROUPS_PER_READ}",
            clause(&w)
        );
        let rows = query(&sql, b.vals).fetch_all(pool).await.map_err(db)?;
        exhausted = rows.len() < GROUPS_PER_READ;
        for r in &rows {
            let (gid, ts_max): (i64, i64) = (col(r, "gid")?, col(r, "ts_max")?);
            let (channel, ident): (String, String) = (col(r, "channel")?, col(r, "ident")?);
            let geo: String = col(r, "geo")?;
            let geo: crate::Geo = serde_json::from_str(&geo).unwrap_or_default();
            let body: String = col(r, "body")?;
            for (rcv, e) in crate::write::unpack(&body)? {
                let ts = micros(e.ts);
                let in_range = range.is_none_or(|(from, to)| ts >= from && ts < to);
                let of_kind = f.kind.as_deref().is_none_or(|k| e.kind.name() == k);
                let before = after.is_none_or(|(t, id)| (ts, e.id) < (t, id));
                if in_range && of_kind && before {
                    found.push(FeedRow {
                        event: e,
                        channel: channel.clone(),
                        ident: ident.clone(),
                        received: time(rcv),
                        geo: geo.clone(),
                    });
                }
            }
            last = Some((ts_max, gid));
        }
        if !exhausted {
            let bound = last.map_or(i64::MAX, |(m, _)| m);
            if found.iter().filter(|r| micros(r.event.ts) > bound).count() >= want {
                break;
            }
        }
    }
    // Unless every group was read, `want` placed events come first and the truncation drops all unplaced ones.
    found.sort_by_key(|r| std::cmp::Reverse((r.event.ts, r.event.id)));
    found.truncate(want);
    Ok(page(found, p, |r| (micros(r.event.ts), r.event.id.to_string())))
}

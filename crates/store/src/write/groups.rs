//! Raw events as groups (migration 0012): a batch's events of one session, or without a session of one source,
//! that arrived on one channel from one ident with one geo, become one `event_groups` row. Its body has one line
//! per event, in (time, id) order: the receipt time in µs, a space, the event's JSON (which never holds a raw
//! newline). Raw events (`kind = 'raw'`) keep groups of their own: their retention differs.

use std::collections::HashMap;
use std::fmt::Write;
use std::net::IpAddr;

use event::{Event, Kind};

use super::{i, t};
use crate::bulk::{Col, Spec};
use crate::sql::micros;
use crate::{ip, Record, StoreError};

/// The groups table.
pub(super) static GROUPS: Spec = Spec {
    table: "event_groups",
    cols: "ts_min, ts_max, session_id, src_ip, channel, ident, geo, kind, n, body",
    tail: "",
    returning: false,
};

/// What every event of one group shares.
#[derive(Clone, PartialEq, Eq, Hash)]
struct Key<'a> {
    session: String,
    src: IpAddr,
    channel: &'a str,
    ident: &'a str,
    geo: String,
    raw: bool,
}

/// The stored session id of an event ("" without a session).
fn session_of(e: &Event) -> String {
    if e.session.is_empty() {
        String::new()
    } else {
        crate::rollup::session_id(&e.sensor, &e.session)
    }
}

/// Columns of [`GROUPS`] for `records` (new events only), groups in the order their first event came.
pub(super) fn columns(records: &[&Record]) -> Vec<Col> {
    let mut index: HashMap<Key<'_>, usize> = HashMap::new();
    let mut groups: Vec<(Key<'_>, Vec<&Record>)> = Vec::new();
    // Consecutive events mostly share an address and so a geo: serialize it once per run.
    let mut last_geo: Option<(&crate::Geo, String)> = None;
    for &r in records {
        let e = &r.event;
        let geo = match &last_geo {
            Some((g, s)) if **g == r.geo => s.clone(),
            _ => {
                let s = serde_json::to_string(&r.geo).unwrap_or_default();
                last_geo = Some((&r.geo, s.clone()));
                s
            }
        };
        let key = Key {
            session: session_of(e),
            src: e.src_ip.to_canonical(),
            channel: &r.channel,
            ident: &r.ident,
            geo,
            raw: matches!(e.kind, Kind::Raw { .. }),
        };
        match index.get(&key) {
            Some(&at) => groups[at].1.push(r),
            None => {
                index.insert(key.clone(), groups.len());
                groups.push((key, vec![r]));
            }
        }
    }
    let n = groups.len();
    let (mut lo, mut hi, mut sid, mut src, mut chan, mut ident, mut geo, mut kind, mut count, mut body) = (
        Vec::with_capacity(n),
        Vec::with_capacity(n),
        Vec::with_capacity(n),
        Vec::with_capacity(n),
        Vec::with_capacity(n),
        Vec::with_capacity(n),
        Vec::with_capacity(n),
        Vec::with_capacity(n),
        Vec::with_capacity(n),
        Vec::with_capacity(n),
    );
    for (k, mut members) in groups {
        members.sort_by_key(|r| (r.event.ts, r.event.id));
        let first = members.first().map(|r| r.event.kind.name());
        let same = members.iter().all(|r| Some(r.event.kind.name()) == first);
        let mut text = String::new();
        for r in &members {
            if !text.is_empty() {
                text.push('\n');
            }
            let _ = write!(text, "{} ", micros(r.received));
            text.push_str(&r.event.to_json());
        }
        lo.push(members.first().map_or(0, |r| micros(r.event.ts)));
        hi.push(members.last().map_or(0, |r| micros(r.event.ts)));
        sid.push(k.session);
        src.push(ip::encode(k.src));
        chan.push(k.channel.to_owned());
        ident.push(k.ident.to_owned());
        geo.push(k.geo);
        kind.push(if same {
            first.unwrap_or_default().to_owned()
        } else {
            String::new()
        });
        count.push(i64::try_from(members.len()).unwrap_or(i64::MAX));
        body.push(text);
    }
    vec![
        i(lo),
        i(hi),
        t(sid),
        Col::B(src),
        t(chan),
        t(ident),
        t(geo),
        t(kind),
        i(count),
        t(body),
    ]
}

/// The events of a stored group body with their receipt times (µs), in stored order.
pub(crate) fn unpack(body: &str) -> Result<Vec<(i64, Event)>, StoreError> {
    let bad = |why: String| StoreError::Db(format!("stored event group is damaged: {why}"));
    body.split('\n')
        .filter(|l| !l.is_empty())
        .map(|line| {
            let (rcv, json) = line
                .split_once(' ')
                .ok_or_else(|| bad("a line has no receipt time".into()))?;
            let rcv = rcv.parse::<i64>().map_err(|e| bad(format!("receipt time: {e}")))?;
            let e = Event::from_json(json.as_bytes()).map_err(|e| bad(format!("event JSON: {e}")))?;
            Ok((rcv, e))
        })
        .collect()
}

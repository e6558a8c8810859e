//! Session search by network: a network with few addresses is read address by address and merged, one with
//! many by the plain range; both must page through exactly the sessions the filter names, newest first, on
//! SQLite and PostgreSQL.

mod common;

use chrono::{DateTime, Duration, TimeZone, Utc};
use event::Kind;
use store::*;

fn t0() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 1, 0, 0, 0).unwrap()
}

fn start(session: &str, ip: &str, ts: DateTime<Utc>, proto: &str) -> Record {
    let kind = Kind::SessionStart {
        client_version: None,
        hassh: None,
        hassh_algorithms: None,
    };
    let mut r = common::record(session, ip, ts, kind);
    r.event.proto = proto.into();
    r
}

/// (session id, address, start, proto) of everything inserted.
type Row = (String, String, DateTime<Utc>, String);

fn sessions() -> Vec<Row> {
    let mut v = Vec::new();
    // Few addresses: 3 in 203.0.113.0/24 with interleaved times (and equal times across addresses), 2 in
    // 2001:db8::/120.
    for i in 0..40i64 {
        let ip = ["203.0.113.7", "203.0.113.9", "203.0.113.200"][(i % 3) as usize];
        let proto = if i % 4 == 0 { "telnet" } else { "ssh" };
        v.push((
            format!("few{i:02}"),
            ip.into(),
            t0() + Duration::seconds(i / 2),
            proto.into(),
        ));
    }
    for i in 0..10i64 {
        let ip = ["2001:db8::5", "2001:db8::ff"][(i % 2) as usize];
        v.push((
            format!("v6{i:02}"),
            ip.into(),
            t0() + Duration::seconds(i),
            "ssh".into(),
        ));
    }
    // Many addresses: 150 in 198.51.100.0/24 (past the per-address limit).
    for i in 0..150i64 {
        let ip = format!("198.51.100.{}", i + 1);
        v.push((
            format!("many{i:03}"),
            ip,
            t0() + Duration::seconds(i % 37),
            "ssh".into(),
        ));
    }
    // Neighbours just outside both networks.
    v.push(("out1".into(), "203.0.114.0".into(), t0(), "ssh".into()));
    v.push(("out2".into(), "203.0.112.255".into(), t0(), "ssh".into()));
    v.push(("out3".into(), "198.51.101.1".into(), t0(), "ssh".into()));
    v
}

/// Every page of a search, concatenated.
async fn walk(s: &Store, f: &SessionFilter, size: u32) -> Vec<String> {
    let mut out = Vec::new();
    let mut after = None;
    for _ in 0..1000 {
        let p = s.sessions(f, &Page { after, limit: size }).await.unwrap();
        out.extend(p.items.into_iter().map(|r| r.id));
        match p.next {
            Some(n) => after = Some(n),
            None => return out,
        }
    }
    panic!("paging did not end");
}

async fn suite(s: Store) {
    let rows = sessions();
    let records = rows
        .iter()
        .map(|(id, ip, ts, proto)| start(id, ip, *ts, proto))
        .collect();
    s.insert(&Batch {
        records,
        blobs: Vec::new(),
    })
    .await
    .unwrap();
    let window = TimeRange {
        from: t0() + Duration::seconds(3),
        to: t0() + Duration::seconds(15),
    };
    let cases: Vec<(&str, Option<&str>, Option<TimeRange>)> = vec![
        ("203.0.113.0/24", None, None),
        ("203.0.113.0/24", Some("ssh"), Some(window)),
        ("203.0.113.9/32", None, None),
        ("203.0.113.0/25", None, None),
        ("2001:db8::/120", None, None),
        ("198.51.100.0/24", None, None),
        ("198.51.100.0/24", Some("ssh"), Some(window)),
        ("198.51.0.0/16", None, None),
        ("192.0.2.0/24", None, None),
    ];
    for (net, proto, range) in cases {
        let n: ipnet::IpNet = net.parse().unwrap();
        let mut want: Vec<&Row> = rows
            .iter()
            .filter(|(_, ip, ts, p)| {
                n.contains(&ip.parse::<std::net::IpAddr>().unwrap())
                    && proto.is_none_or(|x| x == p)
                    && range.is_none_or(|r| *ts >= r.from && *ts < r.to)
            })
            .collect();
        want.sort_by(|a, b| {
            b.2.cmp(&a.2)
                .then_with(|| format!("s1/{}", b.0).cmp(&format!("s1/{}", a.0)))
        });
        let want: Vec<String> = want.iter().map(|r| format!("s1/{}", r.0)).collect();
        let f = SessionFilter {
            src: Some(n),
            proto: proto.map(str::to_owned),
            range,
            ..SessionFilter::default()
        };
        for size in [1, 7, 50] {
            assert_eq!(walk(&s, &f, size).await, want, "{net} {proto:?} page size {size}");
        }
    }
}

#[tokio::test]
async fn sqlite_network_search_pages_in_time_order() {
    let (s, _dir) = common::sqlite_store().await;
    suite(s).await;
}

#[tokio::test]
async fn postgres_network_search_pages_in_time_order() {
    let Some((s, _dir, db)) = common::postgres_store("apiary_net").await else {
        return;
    };
    suite(s).await;
    db.drop_now().await;
}

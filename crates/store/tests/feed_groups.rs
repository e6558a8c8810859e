//! The feed and session timelines over event groups (migration 0012): sessions split across batches, groups whose
//! time spans overlap (an event replayed from long ago beside new ones), sessionless events, and more groups than
//! one read takes (256). Every page size and filter must give exactly the events a plain sort gives, newest first;
//! a redelivered batch changes nothing; a store from before the groups is converted to the same answers. On SQLite
//! and PostgreSQL, where a group past the TOAST threshold is compressed with LZ4.

mod common;

use chrono::{DateTime, Duration, TimeZone, Utc};
use event::{AuthMethod, Kind};
use store::{FeedFilter, Page, Record, Store, TimeRange};
use uuid::Uuid;

/// Sessions in the data set.
const SESSIONS: usize = 600;

fn t0() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 20, 0, 0, 0).unwrap()
}

fn auth(i: usize) -> Kind {
    Kind::Auth {
        username: format!("u{}", i % 3),
        password: Some("x".into()),
        key_fingerprint: None,
        method: AuthMethod::Password,
        success: false,
    }
}

fn command() -> Kind {
    Kind::Command {
        input: "id".into(),
        recognized: true,
    }
}

/// Three batches: each session's start and first auth in the first, a command in the second, a second auth at the
/// command's time in the third; every 10th "session" is sessionless. Two sessions in three replay their command
/// from an hour before they started, in the first batch: 400 groups (more than one read takes) whose time spans
/// cover the whole data set, so that a page's first read can hold only old events while the groups it has not
/// read yet hold newer ones. Sources: 7 addresses.
fn batches() -> Vec<Vec<Record>> {
    let mut out = vec![Vec::new(), Vec::new(), Vec::new()];
    for i in 0..SESSIONS {
        let sid = if i % 10 == 0 { String::new() } else { format!("s{i}") };
        let ip = format!("198.51.100.{}", i % 7);
        let at = t0() + Duration::seconds(i as i64 * 3);
        let start = Kind::SessionStart {
            client_version: None,
            hassh: None,
            hassh_algorithms: None,
        };
        out[0].push(common::record(&sid, &ip, at, start));
        out[0].push(common::record(&sid, &ip, at + Duration::milliseconds(400), auth(i)));
        let replayed = i % 3 != 0;
        let late = if replayed {
            at - Duration::hours(1)
        } else {
            at + Duration::seconds(1)
        };
        out[usize::from(!replayed)].push(common::record(&sid, &ip, late, command()));
        // Same time as the command: ties are broken by id.
        out[2].push(common::record(&sid, &ip, late, auth(i + 1)));
    }
    out
}

/// Every page of `f` at `size`, concatenated: ids in order.
async fn walk(s: &Store, f: &FeedFilter, size: u32) -> Vec<Uuid> {
    let (mut out, mut after) = (Vec::new(), None);
    for _ in 0..10_000 {
        let p = s.feed(f, &Page { after, limit: size }).await.unwrap();
        assert!(p.items.len() <= size as usize);
        out.extend(p.items.iter().map(|r| r.event.id));
        match p.next {
            Some(n) => after = Some(n),
            None => return out,
        }
    }
    panic!("the feed never ended");
}

async fn suite(s: Store, url: &str, dir: &std::path::Path) {
    let batches = batches();
    let all: Vec<Record> = batches.iter().flatten().cloned().collect();
    for b in batches {
        let rep = common::insert(&s, b).await;
        assert_eq!(rep.duplicates, 0);
    }
    // Redelivered: nothing new.
    let again = common::insert(&s, all[..50].to_vec()).await;
    assert_eq!((again.inserted, again.duplicates), (0, 50));

    let expect = |keep: &dyn Fn(&Record) -> bool| {
        let mut v: Vec<&Record> = all.iter().filter(|r| keep(r)).collect();
        v.sort_by_key(|r| std::cmp::Reverse((r.event.ts, r.event.id)));
        v.into_iter().map(|r| r.event.id).collect::<Vec<_>>()
    };
    let every = FeedFilter::default();
    let want = expect(&|_| true);
    assert_eq!(want.len(), SESSIONS * 4);
    for size in [1000, 333, 37, 5] {
        assert_eq!(walk(&s, &every, size).await, want, "page size {size}");
    }
    let auths = FeedFilter {
        kind: Some("auth".into()),
        ..FeedFilter::default()
    };
    assert_eq!(walk(&s, &auths, 50).await, expect(&|r| r.event.kind.name() == "auth"));
    let one = "198.51.100.3".parse().unwrap();
    let from_one = FeedFilter {
        src_ip: Some(one),
        ..FeedFilter::default()
    };
    assert_eq!(walk(&s, &from_one, 20).await, expect(&|r| r.event.src_ip == one));
    let range = TimeRange {
        from: t0() + Duration::seconds(300),
        to: t0() + Duration::seconds(600),
    };
    let window = FeedFilter {
        range: Some(range),
        ..FeedFilter::default()
    };
    let inside = |r: &Record| r.event.ts >= range.from && r.event.ts < range.to;
    assert_eq!(walk(&s, &window, 25).await, expect(&inside));

    // A session split over three batches: its timeline is in time order, then id order.
    let timeline = |s: Store| async move {
        let d = s.session("s1/s5").await.unwrap().expect("session s5");
        d.timeline.iter().map(|e| e.id).collect::<Vec<Uuid>>()
    };
    let mut mine: Vec<&Record> = all.iter().filter(|r| r.event.session == "s5").collect();
    mine.sort_by_key(|r| (r.event.ts, r.event.id));
    let mine: Vec<Uuid> = mine.iter().map(|r| r.event.id).collect();
    assert_eq!(timeline(s.clone()).await, mine);

    // A store from before 0012 (one `events` row per event) is converted when it is opened: same feed, same
    // timeline, and its ids still make a redelivery a duplicate.
    drop(s);
    back_to_event_rows(url).await;
    let s = Store::open(url, dir).await.unwrap();
    assert_eq!(walk(&s, &every, 333).await, want, "after the conversion");
    assert_eq!(walk(&s, &auths, 50).await, expect(&|r| r.event.kind.name() == "auth"));
    assert_eq!(timeline(s.clone()).await, mine);
    let again = common::insert(&s, all[..50].to_vec()).await;
    assert_eq!((again.inserted, again.duplicates), (0, 50));
}

/// Puts the store back in the layout before migration 0012: the `events` table of 0001 (one row per event, made
/// from the groups' lines), no groups or ids, and 0012 not yet applied.
async fn back_to_event_rows(url: &str) {
    common::legacy_events_table(url).await;
    let after = "DROP TABLE event_groups; DROP TABLE event_ids; \
                 DELETE FROM apiary_migrations WHERE name = '0012_event_groups'";
    common::exec_raw(url, after).await;
}

#[tokio::test]
async fn feed_over_groups_on_sqlite() {
    let (s, dir) = common::sqlite_store().await;
    suite(s, &common::sqlite_url(dir.path()), dir.path()).await;
}

#[tokio::test]
async fn feed_over_groups_on_postgres() {
    let Some((s, dir, scratch)) = common::postgres_store("feed_groups").await else {
        return;
    };
    suite(s, &scratch.url(), dir.path()).await;
    scratch.drop_now().await;
}

/// A session's group past PostgreSQL's TOAST threshold is compressed with LZ4 (migration 0015), and its events read
/// back whole, in order.
#[tokio::test]
async fn big_groups_are_lz4_on_postgres() {
    let Some((s, _dir, scratch)) = common::postgres_store("feed_lz4").await else {
        return;
    };
    let events: Vec<Record> = (0..60)
        .map(|i| common::record("big", "198.51.100.9", t0() + Duration::seconds(i), command()))
        .collect();
    let mut want: Vec<Uuid> = events.iter().map(|r| r.event.id).collect();
    common::insert(&s, events).await;
    let db = sqlx::PgPool::connect(&scratch.url()).await.unwrap();
    let (method, raw): (Option<String>, i64) =
        sqlx::query_as("SELECT pg_column_compression(body), length(body)::int8 FROM event_groups")
            .fetch_one(&db)
            .await
            .unwrap();
    db.close().await;
    assert!(raw > 2048, "the group ({raw} bytes) is past the TOAST threshold");
    assert_eq!(method.as_deref(), Some("lz4"));
    want.reverse();
    assert_eq!(
        walk(&s, &FeedFilter::default(), 100).await,
        want,
        "newest first, all 60"
    );
    drop(s);
    scratch.drop_now().await;
}

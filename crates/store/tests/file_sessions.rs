//! The sessions that dropped a file: found by SHA-256, MD5 and SHA-1, one row per (file, session) whatever is
//! redelivered or repeated, newest first through every page, gone with their session or file under retention, and
//! rebuilt from stored events by the migration; on SQLite and PostgreSQL.

mod common;

use chrono::{DateTime, Duration, TimeZone, Utc};
use event::{FileInfo, Kind};
use store::*;

const SHA256: &str = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08";
const SHA1: &str = "a94a8fe5ccb19ba61c4c0873d391e987982fbbd3";
const MD5: &str = "098f6bcd4621d373cade4e832627b4f6";

fn t0() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 1, 0, 0, 0).unwrap()
}

fn rec(sensor: &str, session: &str, ip: &str, ts: DateTime<Utc>, kind: Kind) -> Record {
    let mut r = common::record(session, ip, ts, kind);
    r.event.sensor = sensor.into();
    r.event.honeypot = "hp".into();
    r
}

fn start() -> Kind {
    Kind::SessionStart {
        client_version: None,
        hassh: None,
        hassh_algorithms: None,
    }
}

fn sample() -> FileInfo {
    FileInfo {
        url: Some("http://203.0.113.99/bins/x86".into()),
        sha256: Some(SHA256.into()),
        sha1: Some(SHA1.into()),
        md5: Some(MD5.into()),
        size: 4,
        ..FileInfo::default()
    }
}

/// A session that starts at `ts` and drops the sample 5 s later (download or upload).
fn dropping(sensor: &str, session: &str, ip: &str, ts: DateTime<Utc>, upload: bool) -> Vec<Record> {
    let f = if upload {
        Kind::FileUpload(sample())
    } else {
        Kind::FileDownload(sample())
    };
    vec![
        rec(sensor, session, ip, ts, start()),
        rec(sensor, session, ip, ts + Duration::seconds(5), f),
    ]
}

async fn insert(s: &Store, records: Vec<Record>) -> InsertReport {
    s.insert(&Batch {
        records,
        blobs: Vec::new(),
    })
    .await
    .unwrap()
}

type Row = (String, DateTime<Utc>, std::net::IpAddr, String);

/// Every page, concatenated.
async fn walk(s: &Store, hash: &str, size: u32) -> Vec<Row> {
    let mut out = Vec::new();
    let mut after = None;
    for _ in 0..1000 {
        let p = s
            .file_sessions(hash, &Page { after, limit: size })
            .await
            .unwrap()
            .expect("file known");
        assert!(p.items.len() <= size as usize);
        out.extend(p.items.into_iter().map(|f| (f.session_id, f.ts, f.src_ip, f.sensor)));
        match p.next {
            Some(n) => after = Some(n),
            None => return out,
        }
    }
    panic!("paging did not end");
}

fn ids(rows: &[Row]) -> Vec<&str> {
    rows.iter().map(|r| r.0.as_str()).collect()
}

async fn suite(s: Store, url: &str, dir: &std::path::Path) {
    // Two sessions drop the same sample: a download over IPv4 on s1, an upload over IPv6 on s2.
    let mut first = dropping("s1", "a", "203.0.113.7", t0(), false);
    first.extend(dropping("s2", "b", "2001:db8::5", t0() + Duration::seconds(10), true));
    // A session without a file, and a sessionless mention of the sample (neither adds a row).
    first.push(rec("s1", "c", "203.0.113.8", t0(), start()));
    first.push(rec(
        "s3",
        "",
        "198.51.100.1",
        t0() + Duration::seconds(30),
        Kind::FileDownload(sample()),
    ));
    insert(&s, first.clone()).await;
    let want: Vec<Row> = vec![
        (
            "s2/b".into(),
            t0() + Duration::seconds(15),
            "2001:db8::5".parse().unwrap(),
            "s2".into(),
        ),
        (
            "s1/a".into(),
            t0() + Duration::seconds(5),
            "203.0.113.7".parse().unwrap(),
            "s1".into(),
        ),
    ];
    for h in [SHA256, MD5, SHA1, &SHA256.to_ascii_uppercase()] {
        assert_eq!(walk(&s, h, 50).await, want, "by {h}");
    }
    assert!(s
        .file_sessions(&"0".repeat(64), &Page::default())
        .await
        .unwrap()
        .is_none());
    assert!(s.file_sessions("nothash", &Page::default()).await.unwrap().is_none());

    // Redelivery adds nothing; a later drop by the same session keeps its first time; an earlier one (arriving
    // late) moves it back.
    let rep = insert(&s, first).await;
    assert_eq!(rep.inserted, 0);
    insert(
        &s,
        vec![rec(
            "s1",
            "a",
            "203.0.113.7",
            t0() + Duration::seconds(40),
            Kind::FileDownload(sample()),
        )],
    )
    .await;
    assert_eq!(walk(&s, SHA256, 50).await, want);
    insert(
        &s,
        vec![rec(
            "s2",
            "b",
            "2001:db8::5",
            t0() + Duration::seconds(12),
            Kind::FileDownload(sample()),
        )],
    )
    .await;
    let mut want = want;
    want[0].1 = t0() + Duration::seconds(12);
    assert_eq!(walk(&s, SHA256, 50).await, want);

    // Paging: 23 more sessions, several at the same time (ties go by session id, descending).
    let mut more = Vec::new();
    for i in 0..23i64 {
        more.extend(dropping(
            "s1",
            &format!("p{i:02}"),
            "203.0.113.9",
            t0() + Duration::seconds(100 + i / 3),
            i % 2 == 0,
        ));
    }
    insert(&s, more).await;
    let all = walk(&s, MD5, 500).await;
    assert_eq!(all.len(), 25);
    for w in all.windows(2) {
        assert!((w[0].1, &w[0].0) > (w[1].1, &w[1].0), "newest first: {w:?}");
    }
    assert_eq!(ids(&all[23..]), ["s2/b", "s1/a"]);
    for size in [1, 4, 7, 25, 26] {
        assert_eq!(walk(&s, SHA1, size).await, all, "page size {size}");
    }
    let bad = s
        .file_sessions(
            SHA256,
            &Page {
                after: Some("!!".into()),
                limit: 5,
            },
        )
        .await;
    assert!(matches!(bad, Err(StoreError::Invalid(_))), "{bad:?}");

    // The migration's backfill rebuilds the same rows from the stored events.
    drop(s);
    rerun_migration(url).await;
    let s = Store::open(url, dir).await.unwrap();
    common::exec_raw(url, "DROP TABLE events").await;
    assert_eq!(walk(&s, SHA256, 500).await, all, "after backfill");

    // Session retention removes the dropped-by rows of the sessions it deletes (s1/a and s2/b started at t0).
    let now = t0() + Duration::days(10) + Duration::seconds(50);
    let only_sessions = Retention {
        raw_days: None,
        sessions_days: Some(10),
        files_days: None,
        rollups_days: None,
    };
    let rep = s.enforce_retention(&only_sessions, now).await.unwrap();
    assert_eq!(rep.sessions, 3, "{rep:?}");
    assert_eq!(walk(&s, SHA256, 500).await, all[..23].to_vec());

    // File retention removes the file with every row left.
    let only_files = Retention {
        raw_days: None,
        sessions_days: None,
        files_days: Some(1),
        rollups_days: None,
    };
    let rep = s.enforce_retention(&only_files, now).await.unwrap();
    assert_eq!(rep.files, 1, "{rep:?}");
    assert!(s.file_sessions(SHA256, &Page::default()).await.unwrap().is_none());
    // The same file seen again (without a session) lists no leftover sessions.
    insert(
        &s,
        vec![rec("s3", "", "198.51.100.1", now, Kind::FileDownload(sample()))],
    )
    .await;
    assert_eq!(walk(&s, SHA256, 50).await, Vec::<Row>::new());
}

/// Forgets migration 0006 and its table, as if the store predated it. 0006 read the per-event `events` table,
/// which 0012 turned into event groups: it is put back, from the groups' lines, for the rerun.
async fn rerun_migration(url: &str) {
    let sql = "DROP TABLE file_sessions; DELETE FROM apiary_migrations WHERE name = '0006_file_sessions'";
    common::exec_raw(url, sql).await;
    common::legacy_events_table(url).await;
}

#[tokio::test]
async fn sqlite_file_sessions() {
    let (s, dir) = common::sqlite_store().await;
    suite(s, &common::sqlite_url(dir.path()), dir.path()).await;
}

#[tokio::test]
async fn postgres_file_sessions() {
    let Some((s, dir, scratch)) = common::postgres_store("apiary_filesess").await else {
        return;
    };
    suite(s, &scratch.url(), dir.path()).await;
    scratch.drop_now().await;
}

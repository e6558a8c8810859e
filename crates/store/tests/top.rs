//! Top-N from the per-hour and per-day leaders must equal the plain sum over every rollup row, on SQLite and
//! PostgreSQL, for windows of every shape, skewed and flat distributions, and after late events change an hour
//! whose leaders are already cached.

mod common;

use std::collections::HashMap;

use chrono::{DateTime, Duration, TimeZone, Utc};
use event::{AuthMethod, Kind};
use store::*;

/// Hours of data.
const HOURS: i64 = 80;

fn t0() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 1, 0, 0, 0).unwrap()
}

fn auth(ip: String, pass: String, ts: DateTime<Utc>) -> Record {
    let kind = Kind::Auth {
        username: "root".into(),
        password: Some(pass),
        key_fingerprint: None,
        method: AuthMethod::Password,
        success: false,
    };
    common::record("", &ip, ts, kind)
}

/// A small deterministic generator (the test must not depend on luck).
struct Lcg(u64);

impl Lcg {
    fn next(&mut self, n: u64) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (self.0 >> 33) % n
    }
}

/// Per hour: a heavy tail of 150 addresses (the same heavy hitters every hour, in an order that drifts) plus 40
/// addresses seen once; passwords drawn evenly from 60 (a flat distribution, full of ties).
fn hour_batch(h: i64, rng: &mut Lcg) -> Batch {
    let mut records = Vec::new();
    let at = t0() + Duration::hours(h);
    for r in 0..150u64 {
        let rank = (r + rng.next(5)) % 150;
        let n = (60 / (rank + 1)).max(1);
        for i in 0..n {
            let ip = format!("10.0.{}.{}", r / 200, r % 200 + 1);
            let pass = format!("pw{}", rng.next(60));
            records.push(auth(ip, pass, at + Duration::seconds(i as i64 % 3600)));
        }
    }
    for _ in 0..40 {
        let ip = format!("10.9.{}.{}", rng.next(250), rng.next(250) + 1);
        records.push(auth(ip, "once".into(), at + Duration::seconds(30)));
    }
    Batch {
        records,
        blobs: Vec::new(),
    }
}

fn window(from_h: i64, to_h: i64) -> TimeRange {
    TimeRange {
        from: t0() + Duration::hours(from_h) + Duration::minutes(17),
        to: t0() + Duration::hours(to_h) + Duration::minutes(5),
    }
}

/// The plain sum: every key's total in the window (limit far above the leaders' reach), sorted as top-N is.
async fn truth(s: &Store, dim: Dim, w: TimeRange) -> Vec<TopEntry> {
    s.top(dim, w, 100_000).await.unwrap()
}

async fn check(s: &Store, label: &str) {
    let windows = [(0, 1), (5, 9), (10, 34), (3, 60), (0, HOURS), (-30, HOURS + 30)];
    for (a, b) in windows {
        let w = window(a, b);
        for dim in [Dim::SrcIp, Dim::Password, Dim::Username] {
            let all = truth(s, dim, w).await;
            for limit in [1u32, 3, 10, 25, 32] {
                let got = s.top(dim, w, limit).await.unwrap();
                let want: Vec<TopEntry> = all.iter().take(limit as usize).cloned().collect();
                assert_eq!(got, want, "{label}: {dim:?} hours {a}..{b} limit {limit}");
            }
        }
    }
}

async fn suite(s: Store) {
    let mut rng = Lcg(7);
    let mut sent: HashMap<String, u64> = HashMap::new();
    for h in 0..HOURS {
        let b = hour_batch(h, &mut rng);
        for r in &b.records {
            *sent.entry(r.event.src_ip.to_string()).or_default() += 1;
        }
        s.insert(&b).await.unwrap();
    }
    // The plain sum itself agrees with what was sent.
    let all = truth(&s, Dim::SrcIp, window(-1, HOURS + 1)).await;
    let stored: HashMap<String, u64> = all.iter().map(|e| (e.key.clone(), e.count)).collect();
    assert_eq!(stored, sent);
    distinct_attackers(&s, sent.len() as u64).await;
    check(&s, "first pass").await;
    // Cached now; asking again must not change anything.
    check(&s, "cached").await;
    // Late events: an address seen once in hour 12 becomes the busiest of a whole day already cached.
    let late: Vec<Record> = (0..5000)
        .map(|i| {
            auth(
                "10.7.7.7".into(),
                "late".into(),
                t0() + Duration::hours(12) + Duration::seconds(i % 3600),
            )
        })
        .collect();
    s.insert(&Batch {
        records: late,
        blobs: Vec::new(),
    })
    .await
    .unwrap();
    let top = s.top(Dim::SrcIp, window(0, HOURS), 1).await.unwrap();
    assert_eq!(top[0].key, "10.7.7.7");
    assert_eq!(top[0].count, 5000);
    check(&s, "after late events").await;
}

/// Distinct attackers: exact up to 48 h, a sketch estimate within 5 % past that.
async fn distinct_attackers(s: &Store, sent: u64) {
    let short = s.totals(window(0, 10)).await.unwrap();
    assert!(!short.attackers_estimated);
    // 48 hours as asked (not hour-aligned) are still counted exactly.
    let two_days = TimeRange {
        from: t0() + Duration::minutes(17),
        to: t0() + Duration::minutes(17) + Duration::hours(48),
    };
    assert!(!s.totals(two_days).await.unwrap().attackers_estimated);
    let all = s.totals(window(-1, HOURS + 1)).await.unwrap();
    assert!(all.attackers_estimated);
    let err = (all.attackers as f64 - sent as f64).abs() / sent as f64;
    assert!(err < 0.05, "{} estimated for {sent} addresses", all.attackers);
}

#[tokio::test]
async fn sqlite_top_n_equals_the_plain_sum() {
    let (s, dir) = common::sqlite_store().await;
    suite(s.clone()).await;
    // A store from before the sketches: the estimate reads those hours' rollups, and a late batch into such an
    // hour rebuilds its sketch from them, not from the batch alone.
    let db = sqlx::SqlitePool::connect(&format!("sqlite://{}", dir.path().join("apiary.db").display()))
        .await
        .unwrap();
    let count = || async {
        let (n,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM ip_sketches")
            .fetch_one(&db)
            .await
            .unwrap();
        n
    };
    sqlx::query("DELETE FROM ip_sketches").execute(&db).await.unwrap();
    let before = s.totals(window(-1, HOURS + 1)).await.unwrap().attackers;
    assert_eq!(count().await, HOURS, "the first estimate kept every hour's sketch");
    assert_eq!(s.totals(window(-1, HOURS + 1)).await.unwrap().attackers, before);
    sqlx::query("DELETE FROM ip_sketches").execute(&db).await.unwrap();
    let late = vec![auth("10.8.8.8".into(), "x".into(), t0() + Duration::hours(3))];
    s.insert(&Batch {
        records: late,
        blobs: Vec::new(),
    })
    .await
    .unwrap();
    assert_eq!(count().await, 1, "the late batch's hour got its sketch");
    let after = s.totals(window(-1, HOURS + 1)).await.unwrap().attackers;
    // One more address: the estimate grows by about one register's worth (m / empty registers), never shrinks.
    assert!(after >= before && after <= before + 8, "{before} then {after}");
    let hour3 = s.totals(window(-30, 25)).await.unwrap();
    let exact = s.totals(window(3, 4)).await.unwrap();
    assert!(hour3.attackers >= exact.attackers, "{hour3:?} vs {exact:?}");
}

#[tokio::test]
async fn postgres_top_n_equals_the_plain_sum() {
    let Some((s, _dir, db)) = common::postgres_store("apiary_top").await else {
        return;
    };
    suite(s).await;
    db.drop_now().await;
}

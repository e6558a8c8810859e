//! Rollups and attacker rows folded across batches (`Store::insert_folding`, `write/fold.rs`): counts equal those of
//! batches written one by one, a crash while deltas are parked loses none, and a parked delta that another store
//! (another process) recovered first is not counted a second time. On SQLite and PostgreSQL.

mod common;

use chrono::{DateTime, Duration, DurationRound, Utc};
use event::{AuthMethod, Kind};
use store::{Batch, Bucket, Dim, Record, Store, TimeRange};

/// Batches in a run.
const BATCHES: usize = 6;
/// Sessions per batch; each session's events are split over two consecutive batches.
const SESSIONS: usize = 12;
/// Source addresses, shared across batches.
const IPS: usize = 7;

fn at() -> DateTime<Utc> {
    Utc::now().duration_trunc(Duration::hours(1)).unwrap() + Duration::minutes(5)
}

fn window(t: DateTime<Utc>) -> TimeRange {
    TimeRange {
        from: t - Duration::hours(1),
        to: t + Duration::hours(1),
    }
}

fn ip(i: usize) -> String {
    format!("198.51.100.{}", 1 + i % IPS)
}

/// The run's batches: batch `b` opens sessions `b-*` (start, a login) and closes those `b-1` opened (commands).
fn batches(t: DateTime<Utc>) -> Vec<Batch> {
    let mut out = Vec::new();
    for b in 0..=BATCHES {
        let mut records: Vec<Record> = Vec::new();
        for k in 0..SESSIONS {
            if b < BATCHES {
                let sid = format!("{b}-{k}");
                let start = Kind::SessionStart {
                    client_version: Some("SSH-2.0-Go".into()),
                    hassh: None,
                    hassh_algorithms: None,
                };
                let auth = Kind::Auth {
                    username: format!("user{}", k % 4),
                    password: Some(format!("pw{}", (b + k) % 5)),
                    key_fingerprint: None,
                    method: AuthMethod::Password,
                    success: k % 3 == 0,
                };
                for kind in [start, auth] {
                    records.push(common::record(
                        &sid,
                        &ip(b * SESSIONS + k),
                        t + Duration::seconds(b as i64),
                        kind,
                    ));
                }
            }
            if b > 0 {
                let sid = format!("{}-{k}", b - 1);
                let cmd = Kind::Command {
                    input: format!("cat /proc/cpuinfo #{}", k % 3),
                    recognized: true,
                };
                let when = t + Duration::seconds(b as i64 + 30);
                records.push(common::record(&sid, &ip((b - 1) * SESSIONS + k), when, cmd));
            }
        }
        out.push(Batch {
            records,
            blobs: Vec::new(),
        });
    }
    out
}

/// Every aggregate a dashboard reads, as text.
async fn snapshot(s: &Store, t: DateTime<Utc>) -> String {
    let r = window(t);
    let mut out = Vec::new();
    for d in [
        Dim::SrcIp,
        Dim::Username,
        Dim::Password,
        Dim::Credential,
        Dim::Command,
        Dim::Port,
        Dim::Sensor,
    ] {
        out.push(serde_json::to_string(&s.top(d, r, 100).await.unwrap()).unwrap());
    }
    out.push(serde_json::to_string(&s.totals(r).await.unwrap()).unwrap());
    out.push(serde_json::to_string(&s.timeseries(r, Bucket::Minute).await.unwrap()).unwrap());
    for i in 0..IPS {
        let a = s.attacker(ip(i).parse().unwrap()).await.unwrap();
        out.push(serde_json::to_string(&a).unwrap());
    }
    out.join("\n")
}

/// Stores every batch one by one into `reference`, and into `s` folded (each with more coming), then checks that
/// nothing was upserted yet; returns the reference snapshot.
async fn reference_and_parked(reference: &Store, s: &Store, t: DateTime<Utc>) -> String {
    for b in batches(t) {
        reference.insert(&b).await.unwrap();
        let rep = s.insert_folding(&b, true).await.unwrap();
        assert_eq!(rep.duplicates, 0);
    }
    let want = snapshot(reference, t).await;
    assert!(want.contains("user1"), "the reference counts something: {want}");
    // (A batch that finds the oldest parked delta two seconds old writes them all: only a slow machine's last.)
    let (got, all) = (
        s.totals(window(t)).await.unwrap(),
        reference.totals(window(t)).await.unwrap(),
    );
    assert!(got.events < all.events, "folded batches park their counts: {got:?}");
    let page = store::Page {
        limit: 1000,
        after: None,
    };
    let sessions = s.sessions(&Default::default(), &page).await.unwrap();
    assert_eq!(
        sessions.items.len(),
        BATCHES * SESSIONS,
        "while their sessions are stored at once"
    );
    want
}

async fn folded_counts_equal_batch_by_batch(reference: &Store, s: &Store) {
    let t = at();
    let want = reference_and_parked(reference, s, t).await;
    s.flush_parked().await.unwrap();
    assert_eq!(snapshot(s, t).await, want);
    // A batch with nothing behind it writes what is parked along with its own.
    let last = batches(t + Duration::minutes(1)).remove(0);
    reference.insert(&last).await.unwrap();
    s.insert_folding(&last, true).await.unwrap();
    s.insert_folding(&Batch::default(), false).await.unwrap();
    assert_eq!(snapshot(s, t).await, snapshot(reference, t).await);
}

async fn a_crash_loses_no_parked_count(
    reference: &Store,
    crashed: Store,
    open: impl std::future::Future<Output = Store>,
) {
    let t = at();
    let want = reference_and_parked(reference, &crashed, t).await;
    drop(crashed); // no flush: the process died
    let s = open.await;
    s.flush_parked().await.unwrap();
    assert_eq!(snapshot(&s, t).await, want);
}

async fn a_parked_delta_counts_once(reference: &Store, first: &Store, second: &Store) {
    let t = at();
    let want = reference_and_parked(reference, first, t).await;
    // Another process starting on the same database takes every parked row ...
    second.flush_parked().await.unwrap();
    assert_eq!(snapshot(second, t).await, want);
    // ... so the one that parked them finds them gone and adds nothing.
    first.flush_parked().await.unwrap();
    assert_eq!(snapshot(first, t).await, want);
}

#[tokio::test]
async fn folding_on_sqlite() {
    let (reference, _r) = common::sqlite_store().await;
    let (s, _d) = common::sqlite_store().await;
    folded_counts_equal_batch_by_batch(&reference, &s).await;

    let (reference, _r) = common::sqlite_store().await;
    let (s, dir) = common::sqlite_store().await;
    let url = common::sqlite_url(dir.path());
    a_crash_loses_no_parked_count(&reference, s, async { Store::open(&url, dir.path()).await.unwrap() }).await;

    let (reference, _r) = common::sqlite_store().await;
    let (first, dir) = common::sqlite_store().await;
    let second = Store::open(&common::sqlite_url(dir.path()), dir.path()).await.unwrap();
    a_parked_delta_counts_once(&reference, &first, &second).await;
}

#[tokio::test]
async fn folding_on_postgres() {
    let Some((reference, _r, rs)) = common::postgres_store("fold_ref").await else {
        return;
    };
    let Some((s, _dir, scratch)) = common::postgres_store("fold").await else {
        return;
    };
    folded_counts_equal_batch_by_batch(&reference, &s).await;
    drop((reference, s));
    rs.drop_now().await;
    scratch.drop_now().await;

    let (reference, _r, rs) = common::postgres_store("fold_ref2").await.unwrap();
    let (s, dir, scratch) = common::postgres_store("fold2").await.unwrap();
    let url = scratch.url();
    a_crash_loses_no_parked_count(&reference, s, async { Store::open(&url, dir.path()).await.unwrap() }).await;
    drop(reference);
    rs.drop_now().await;
    scratch.drop_now().await;

    let (reference, _r, rs) = common::postgres_store("fold_ref3").await.unwrap();
    let (first, dir, scratch) = common::postgres_store("fold3").await.unwrap();
    let second = Store::open(&scratch.url(), dir.path()).await.unwrap();
    a_parked_delta_counts_once(&reference, &first, &second).await;
    drop((reference, first, second));
    rs.drop_now().await;
    scratch.drop_now().await;
}

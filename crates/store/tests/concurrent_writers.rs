//! Concurrent inserts, as the collector runs them on PostgreSQL (`Store::writers`): several tasks insert batches
//! at once, each task with sessions of its own but all sharing addresses, usernames, the hour and the sensor, so
//! their shared-aggregate rows collide, and so do their per-address attacker rows (which the collector keeps apart
//! by giving each address to one writer, but two server processes could not). Every insert must succeed (no
//! deadlock: with the attacker rows upserted in random order it deadlocked in every run; no serialization failure)
//! and every count must be exact afterwards. On SQLite the same calls simply take turns.

mod common;

use std::net::IpAddr;

use chrono::{Duration, DurationRound, Utc};
use event::{AuthMethod, Kind};
use store::{Batch, Dim, Store, StoreOptions, TimeRange, MAX_PG_WRITERS, PG_WRITERS};

/// Tasks inserting at once (more than [`PG_WRITERS`] and [`PG_MORE`], so some also wait for a connection).
const TASKS: usize = 6;
/// The writers of the second PostgreSQL run: more than the default, as `[store] pg_writers` sets on a larger host.
const PG_MORE: usize = 5;
/// Batches per task.
const BATCHES: usize = 25;
/// Sessions per batch (3 events each).
const SESSIONS: usize = 40;
/// Shared source addresses.
const IPS: usize = 37;

fn ip(i: usize) -> String {
    format!("203.0.113.{}", 10 + i % IPS)
}

async fn run(s: &Store) {
    let at = Utc::now().duration_trunc(Duration::hours(1)).unwrap() + Duration::minutes(5);
    let mut tasks = Vec::new();
    for t in 0..TASKS {
        let s = s.clone();
        tasks.push(tokio::spawn(async move {
            for b in 0..BATCHES {
                let mut records = Vec::new();
                for k in 0..SESSIONS {
                    let sid = format!("t{t}-b{b}-s{k}");
                    let addr = ip(t + b + k);
                    let start = Kind::SessionStart {
                        client_version: Some("SSH-2.0-Go".into()),
                        hassh: None,
                        hassh_algorithms: None,
                    };
                    let auth = Kind::Auth {
                        username: format!("user{}", k % 5),
                        password: Some("123456".into()),
                        key_fingerprint: None,
                        method: AuthMethod::Password,
                        success: false,
                    };
                    let cmd = Kind::Command {
                        input: "uname -a".into(),
                        recognized: true,
                    };
                    for kind in [start, auth, cmd] {
                        records.push(common::record(&sid, &addr, at, kind));
                    }
                }
                let rep = s
                    .insert(&Batch {
                        records,
                        blobs: Vec::new(),
                    })
                    .await
                    .unwrap_or_else(|e| panic!("task {t} batch {b}: {e}"));
                assert_eq!(rep.duplicates, 0);
            }
        }));
    }
    for t in tasks {
        t.await.unwrap();
    }
    let sessions = (TASKS * BATCHES * SESSIONS) as u64;
    let range = TimeRange {
        from: at - Duration::hours(1),
        to: at + Duration::hours(1),
    };
    let totals = s.totals(range).await.unwrap();
    assert_eq!((totals.events, totals.sessions), (3 * sessions, sessions));
    assert_eq!(totals.attackers, IPS as u64);
    let (mut events, mut per_ip_sessions) = (0, 0);
    for i in 0..IPS {
        let a: IpAddr = ip(i).parse().unwrap();
        let d = s.attacker(a).await.unwrap().expect("every address was seen");
        events += d.events;
        per_ip_sessions += d.sessions;
    }
    assert_eq!((events, per_ip_sessions), (3 * sessions, sessions));
    let users = s.top(Dim::Username, range, 10).await.unwrap();
    assert_eq!(users.len(), 5);
    assert_eq!(users.iter().map(|u| u.count).sum::<u64>(), sessions);
    let ips = s.top(Dim::SrcIp, range, 50).await.unwrap();
    assert_eq!(ips.len(), IPS);
    assert_eq!(ips.iter().map(|u| u.count).sum::<u64>(), 3 * sessions);
}

#[tokio::test]
async fn concurrent_inserts_on_sqlite() {
    let (s, _dir) = common::sqlite_store().await;
    assert_eq!(s.writers(), 1);
    run(&s).await;
}

#[tokio::test]
async fn concurrent_inserts_on_postgres() {
    let Some((s, _dir, scratch)) = common::postgres_store("concurrent").await else {
        return;
    };
    assert_eq!(s.writers(), PG_WRITERS, "PostgreSQL takes concurrent writers");
    run(&s).await;
    drop(s);
    scratch.drop_now().await;
}

#[tokio::test]
async fn more_concurrent_inserts_on_postgres_when_configured() {
    let Some((s, dir, scratch)) = common::postgres_store("concurrent_more").await else {
        return;
    };
    drop(s);
    let options = StoreOptions { pg_writers: PG_MORE };
    let s = Store::open_with(&scratch.url(), dir.path(), &options).await.unwrap();
    assert_eq!(s.writers(), PG_MORE);
    run(&s).await;
    drop(s);
    scratch.drop_now().await;
}

#[tokio::test]
async fn writer_counts_out_of_range_are_refused_and_sqlite_keeps_one() {
    let dir = tempfile::tempdir().unwrap();
    let url = common::sqlite_url(dir.path());
    for bad in [0, MAX_PG_WRITERS + 1] {
        let err = Store::open_with(&url, dir.path(), &StoreOptions { pg_writers: bad })
            .await
            .err()
            .expect("out of range");
        assert!(err.to_string().contains("pg_writers"), "{err}");
    }
    let s = Store::open_with(&url, dir.path(), &StoreOptions { pg_writers: 4 })
        .await
        .unwrap();
    assert_eq!(s.writers(), 1, "SQLite has one writer whatever pg_writers says");
}

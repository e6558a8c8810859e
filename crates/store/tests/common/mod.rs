//! Shared by the store's test files: a throwaway PostgreSQL database on the machine's server, fresh stores on
//! either backend, and events with the fields a test does not care about filled in.
#![allow(dead_code)] // each test file uses part of this

use chrono::{DateTime, Utc};
use event::{Event, Kind};
use store::{Geo, Record, Store};

/// The server's admin URL (CI runs PostgreSQL there with trust auth).
pub const ADMIN: &str = "postgres://postgres@127.0.0.1:5432/postgres";

/// A database made for one test and dropped by [`Scratch::drop_now`].
pub struct Scratch {
    /// The admin connection that made it.
    admin: sqlx::PgPool,
    /// Its name.
    pub name: String,
}

impl Scratch {
    /// A fresh database named `<prefix>_<random>`; `None` (skip) when PostgreSQL is unreachable, a panic instead
    /// when `CI` is set.
    pub async fn new(prefix: &str) -> Option<Scratch> {
        let Ok(admin) = sqlx::PgPool::connect(ADMIN).await else {
            assert!(
                std::env::var_os("CI").is_none(),
                "PostgreSQL unreachable at {ADMIN} and CI is set"
            );
            eprintln!("skipping: PostgreSQL unreachable at {ADMIN}");
            return None;
        };
        let name = format!("{prefix}_{}", rand::random::<u32>());
        sqlx::raw_sql(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")))
            .execute(&admin)
            .await
            .unwrap();
        Some(Scratch { admin, name })
    }

    /// Its connection URL.
    pub fn url(&self) -> String {
        format!("postgres://postgres@127.0.0.1:5432/{}", self.name)
    }

    /// Drops it (connections still open to it are closed by force).
    pub async fn drop_now(self) {
        sqlx::raw_sql(sqlx::AssertSqlSafe(format!("DROP DATABASE {} WITH (FORCE)", self.name)))
            .execute(&self.admin)
            .await
            .unwrap();
    }
}

/// The URL of the SQLite store a test keeps in `dir` (the one [`sqlite_store`] opens).
#[allow(dead_code)] // each test binary compiles this module; not all of them need the URL
pub fn sqlite_url(dir: &std::path::Path) -> String {
    format!("sqlite://{}", dir.join("apiary.db").display())
}

/// A fresh SQLite store in a temporary folder (the folder lives as long as the returned guard); its URL is
/// [`sqlite_url`] of the folder.
pub async fn sqlite_store() -> (Store, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    (Store::open(&sqlite_url(dir.path()), dir.path()).await.unwrap(), dir)
}

/// A fresh PostgreSQL store on a database of its own: `None` (skip) when PostgreSQL is unreachable, a panic
/// when `CI` is set. Drop the store, then the database with [`Scratch::drop_now`].
pub async fn postgres_store(prefix: &str) -> Option<(Store, tempfile::TempDir, Scratch)> {
    let scratch = Scratch::new(prefix).await?;
    let dir = tempfile::tempdir().unwrap();
    let s = Store::open(&scratch.url(), dir.path()).await.unwrap();
    assert_eq!(s.backend(), "postgres");
    Some((s, dir, scratch))
}

/// Stores `records` as one batch with no file bytes, failing the test if the store refuses it.
pub async fn insert(s: &Store, records: Vec<Record>) -> store::InsertReport {
    s.insert(&store::Batch {
        records,
        blobs: Vec::new(),
    })
    .await
    .unwrap()
}

/// An event of sensor `s1` (honeypot `ssh`, port 22, channel `apiary.events`) with a fresh id and no geo.
pub fn record(session: &str, ip: &str, ts: DateTime<Utc>, kind: Kind) -> Record {
    Record {
        event: Event {
            id: uuid::Uuid::now_v7(),
            ts,
            sensor: "s1".into(),
            honeypot: "ssh".into(),
            session: session.into(),
            proto: "ssh".into(),
            src_ip: ip.parse().unwrap(),
            src_port: 40000,
            dst_ip: None,
            dst_port: 22,
            kind,
        },
        received: ts,
        channel: "apiary.events".into(),
        ident: "sensor1".into(),
        geo: Geo::default(),
    }
}

/// Runs `sql` (statements separated by `;`) on the store database at `url`, SQLite or PostgreSQL.
pub async fn exec_raw(url: &str, sql: &'static str) {
    sqlx::any::install_default_drivers();
    let pool = sqlx::AnyPool::connect(url).await.unwrap();
    sqlx::raw_sql(sql).execute(&pool).await.unwrap();
    pool.close().await;
}

/// Adds back migration 0001's `events` table (one row per event), filled from the stored event groups' lines, as
/// a store from before migration 0012 held it; the groups stay.
pub async fn legacy_events_table(url: &str) {
    exec_raw(
        url,
        "CREATE TABLE events (id BYTEA PRIMARY KEY, ts BIGINT NOT NULL, received BIGINT NOT NULL, \
         sensor TEXT NOT NULL, honeypot TEXT NOT NULL, session_id TEXT NOT NULL, kind TEXT NOT NULL, \
         proto TEXT NOT NULL, src_ip BYTEA NOT NULL, dst_port BIGINT NOT NULL, channel TEXT NOT NULL, \
         ident TEXT NOT NULL, geo TEXT NOT NULL, body TEXT NOT NULL)",
    )
    .await;
    let pool = sqlx::AnyPool::connect(url).await.unwrap();
    type Group = (String, Vec<u8>, String, String, String, String);
    let read = "SELECT session_id, src_ip, channel, ident, geo, body FROM event_groups";
    let groups: Vec<Group> = sqlx::query_as(read).fetch_all(&pool).await.unwrap();
    let insert = "INSERT INTO events VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)";
    for (sid, ip, channel, ident, geo, body) in groups {
        for line in body.lines() {
            let (rcv, json) = line.split_once(' ').unwrap();
            let e = Event::from_json(json.as_bytes()).unwrap();
            sqlx::query(insert)
                .bind(e.id.as_bytes().to_vec())
                .bind(e.ts.timestamp_micros())
                .bind(rcv.parse::<i64>().unwrap())
                .bind(e.sensor.clone())
                .bind(e.honeypot.clone())
                .bind(sid.clone())
                .bind(e.kind.name())
                .bind(e.proto.clone())
                .bind(ip.clone())
                .bind(i64::from(e.dst_port))
                .bind(channel.clone())
                .bind(ident.clone())
                .bind(geo.clone())
                .bind(json)
                .execute(&pool)
                .await
                .unwrap();
        }
    }
    pool.close().await;
}

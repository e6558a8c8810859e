//! Insert throughput with a realistic mix (per session: start, 3 auth, 2 commands, 0.1 download, end).
//! Run: `cargo test -p store --release --test throughput -- --ignored --nocapture` (PostgreSQL part skips if down).

use std::time::Instant;

use chrono::{Duration, Utc};
use event::{AuthMethod, Event, FileInfo, Kind};
use store::{Batch, Geo, Record, Store};

fn rec(i: u64, k: u32, kind: Kind) -> Record {
    let ts = Utc::now() + Duration::milliseconds(i64::from(k));
    Record {
        event: Event {
            id: uuid::Uuid::now_v7(),
            ts,
            sensor: format!("s{}", i % 10),
            honeypot: "ssh".into(),
            session: format!("{i:x}"),
            proto: "ssh".into(),
            src_ip: std::net::IpAddr::from([10, (i >> 16) as u8, (i >> 8) as u8, i as u8]),
            src_port: 40000,
            dst_ip: None,
            dst_port: 22,
            kind,
        },
        received: ts,
        channel: "apiary.events".into(),
        ident: "s".into(),
        geo: Geo {
            country: Some("NL".into()),
            asn: Some(64500),
            ..Geo::default()
        },
    }
}

fn session(i: u64, out: &mut Vec<Record>) {
    let start = Kind::SessionStart {
        client_version: Some("SSH-2.0-Go".into()),
        hassh: None,
        hassh_algorithms: None,
    };
    out.push(rec(i, 0, start));
    for k in 0..3 {
        let a = Kind::Auth {
            username: "root".into(),
            password: Some(format!("pw{}", (i + k) % 1000)),
            key_fingerprint: None,
            method: AuthMethod::Password,
            success: k == 2,
        };
        out.push(rec(i, 1 + k as u32, a));
    }
    for k in 0..2 {
        out.push(rec(
            i,
            4 + k,
            Kind::Command {
                input: format!("cmd {}", i % 50),
                recognized: true,
            },
        ));
    }
    if i.is_multiple_of(10) {
        let f = FileInfo {
            url: Some(format!("http://x/{}", i % 20)),
            sha256: Some(format!("{:064x}", i % 20)),
            ..FileInfo::default()
        };
        out.push(rec(i, 6, Kind::FileDownload(f)));
    }
    let end = Kind::SessionEnd {
        duration_ms: 5,
        bytes_in: 1,
        bytes_out: 1,
        reason: "closed".into(),
        recordings: vec![],
    };
    out.push(rec(i, 7, end));
}

async fn run(s: &Store) -> f64 {
    let mut batches = Vec::new();
    for b in 0..20u64 {
        let mut recs = Vec::new();
        for i in 0..700u64 {
            session(b * 700 + i, &mut recs);
        }
        batches.push(Batch {
            records: recs,
            blobs: vec![],
        });
    }
    let n: usize = batches.iter().map(|b| b.records.len()).sum();
    let t = Instant::now();
    for b in &batches {
        s.insert(b).await.unwrap();
    }
    n as f64 / t.elapsed().as_secs_f64()
}

#[tokio::test]
#[ignore = "throughput measurement; run in release"]
async fn insert_throughput() {
    let dir = tempfile::tempdir().unwrap();
    let s = Store::open(&format!("sqlite://{}", dir.path().join("t.db").display()), dir.path())
        .await
        .unwrap();
    println!("sqlite: {:.0} events/s", run(&s).await);
    let admin = "postgres://postgres@127.0.0.1:5432/postgres";
    let Ok(pool) = sqlx::PgPool::connect(admin).await else {
        return;
    };
    let name = format!("apiary_bench_{}", rand::random::<u32>());
    sqlx::raw_sql(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")))
        .execute(&pool)
        .await
        .unwrap();
    let s = Store::open(&format!("postgres://postgres@127.0.0.1:5432/{name}"), dir.path())
        .await
        .unwrap();
    println!("postgres: {:.0} events/s", run(&s).await);
    drop(s);
    sqlx::raw_sql(sqlx::AssertSqlSafe(format!("DROP DATABASE {name} WITH (FORCE)")))
        .execute(&pool)
        .await
        .unwrap();
}

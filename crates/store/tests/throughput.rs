//! Insert throughput with a realistic mix (per session: start, 3 auth, 2 commands, 0.1 download, end), then the
//! attacker detail's latency for one heavy address (30 days of sessions).
//! Run: `cargo test -p store --release --test throughput -- --ignored --nocapture` (PostgreSQL part skips if down;
//! `THROUGHPUT_SQLITE_ONLY=1` skips it always).

mod common;

use std::time::Instant;

use chrono::{Duration, Utc};
use event::{AuthMethod, FileInfo, Kind};
use store::{Batch, Geo, Record, Store};

fn rec(i: u64, k: u32, kind: Kind) -> Record {
    rec_at(i, Utc::now() + Duration::milliseconds(i64::from(k)), kind)
}

fn rec_at(i: u64, ts: chrono::DateTime<Utc>, kind: Kind) -> Record {
    let ip = std::net::IpAddr::from([10, (i >> 16) as u8, (i >> 8) as u8, i as u8]);
    let mut r = common::record(&format!("{i:x}"), &ip.to_string(), ts, kind);
    r.event.sensor = format!("s{}", i % 10);
    r.ident = "s".into();
    r.geo = Geo {
        country: Some("NL".into()),
        asn: Some(64500),
        ..Geo::default()
    };
    r
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

/// This process's CPU time (user + system) in seconds, from `/proc/self/stat`; `None` off Linux.
fn cpu_secs() -> Option<f64> {
    let stat = std::fs::read_to_string("/proc/self/stat").ok()?;
    let rest = stat.rsplit_once(')')?.1;
    let f: Vec<&str> = rest.split_whitespace().collect();
    let ticks: f64 = f.get(11)?.parse::<f64>().ok()? + f.get(12)?.parse::<f64>().ok()?;
    Some(ticks / 100.0)
}

/// Inserts 20 batches of ~5,000 events; returns (events per wall-clock second, this process's CPU µs per event).
async fn run(s: &Store) -> (f64, Option<f64>) {
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
    let (t, c) = (Instant::now(), cpu_secs());
    for b in &batches {
        s.insert(b).await.unwrap();
    }
    let cpu = c.zip(cpu_secs()).map(|(a, b)| (b - a) * 1e6 / n as f64);
    (n as f64 / t.elapsed().as_secs_f64(), cpu)
}

/// The heavy address of the latency measurement.
const HEAVY: [u8; 4] = [192, 0, 2, 200];

/// 30 days x 300 sessions from [`HEAVY`] (start, 3 auth over 200 passwords, 2 commands over 50, end); then
/// returns the attacker detail's p50 and p99 over 50 calls.
async fn attacker_latency(s: &Store) -> (std::time::Duration, std::time::Duration) {
    let day0 = Utc::now() - Duration::days(30);
    for d in 0..30u64 {
        let mut records = Vec::new();
        for k in 0..300u64 {
            let i = d * 300 + k;
            let at = |n: i64| day0 + Duration::days(d as i64) + Duration::seconds(k as i64 * 60 + n);
            let mut r = |n: i64, kind: Kind| {
                let mut x = rec_at(i, at(n), kind);
                x.event.src_ip = HEAVY.into();
                x.event.session = format!("heavy-{i}");
                records.push(x);
            };
            r(
                0,
                Kind::SessionStart {
                    client_version: None,
                    hassh: None,
                    hassh_algorithms: None,
                },
            );
            for a in 0..3 {
                r(
                    1 + a,
                    Kind::Auth {
                        username: "root".into(),
                        password: Some(format!("pw{}", (i * 3 + a as u64) % 200)),
                        key_fingerprint: None,
                        method: AuthMethod::Password,
                        success: a == 2,
                    },
                );
            }
            for c in 0..2 {
                r(
                    4 + c,
                    Kind::Command {
                        input: format!("cmd {}", (i + c as u64) % 50),
                        recognized: true,
                    },
                );
            }
            r(
                6,
                Kind::SessionEnd {
                    duration_ms: 5,
                    bytes_in: 1,
                    bytes_out: 1,
                    reason: "closed".into(),
                    recordings: vec![],
                },
            );
        }
        s.insert(&Batch { records, blobs: vec![] }).await.unwrap();
    }
    let mut times = Vec::new();
    for _ in 0..50 {
        let t = Instant::now();
        let a = s.attacker(HEAVY.into()).await.unwrap().unwrap();
        times.push(t.elapsed());
        assert_eq!((a.sessions, a.credentials.len()), (9000, 50));
    }
    times.sort();
    (times[25], times[49])
}

/// Both measurements on one store, printed.
async fn measure(backend: &str, s: &Store) {
    report(backend, run(s).await);
    let (p50, p99) = attacker_latency(s).await;
    println!("{backend}: attacker detail of a 30-day, 9000-session address: p50 {p50:.1?}, p99 {p99:.1?}");
}

/// One line of the report.
fn report(backend: &str, (rate, cpu): (f64, Option<f64>)) {
    let cpu = cpu
        .map(|c| format!(", {c:.1} CPU µs/event in this process"))
        .unwrap_or_default();
    println!("{backend}: {rate:.0} events/s{cpu}");
}

#[tokio::test]
#[ignore = "throughput measurement; run in release"]
async fn insert_throughput() {
    let dir = tempfile::tempdir().unwrap();
    let s = Store::open(&format!("sqlite://{}", dir.path().join("t.db").display()), dir.path())
        .await
        .unwrap();
    measure("sqlite", &s).await;
    if std::env::var_os("THROUGHPUT_SQLITE_ONLY").is_some() {
        return;
    }
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
    measure("postgres", &s).await;
    drop(s);
    sqlx::raw_sql(sqlx::AssertSqlSafe(format!("DROP DATABASE {name} WITH (FORCE)")))
        .execute(&pool)
        .await
        .unwrap();
}

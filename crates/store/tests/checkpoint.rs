//! The SQLite writer never checkpoints on its commits; its checkpointer copies every committed WAL frame back into
//! the database file on its own connection. Checked from outside, without checkpointing ourselves: after a burst of
//! batches the database file itself (not only its WAL) grows to hold them, within a bounded wait.

mod common;

use std::time::{Duration, Instant};

use event::Kind;
use sqlx::Connection;
use store::Store;

/// Inserts one batch of `n` commands from `ip`: command `i` is `input(i)` in session `session(i)`.
async fn insert_commands(
    s: &Store,
    n: usize,
    ip: &str,
    session: impl Fn(usize) -> String,
    input: impl Fn(usize) -> String,
) {
    let t0 = chrono::Utc::now();
    let records = (0..n)
        .map(|i| {
            let kind = Kind::Command {
                input: input(i),
                recognized: true,
            };
            common::record(&session(i), ip, t0, kind)
        })
        .collect();
    common::insert(s, records).await;
}

#[tokio::test]
async fn committed_frames_are_copied_back_by_the_checkpointer() {
    let (s, dir) = common::sqlite_store().await;
    for b in 0..20 {
        let session = |i| format!("s{b}-{}", i % 50);
        insert_commands(&s, 500, "198.51.100.9", session, |i| format!("echo {b} {i}")).await;
    }
    let db = dir.path().join("apiary.db");
    let wal = dir.path().join("apiary.db-wal");
    let size = |p: &std::path::Path| std::fs::metadata(p).map(|m| m.len()).unwrap_or(0);
    let deadline = Instant::now() + Duration::from_secs(20);
    // 10,000 events of about 200 bytes each: at least 2 MB once copied back.
    while size(&db) < 2_000_000 && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(
        size(&db) >= 2_000_000,
        "after 20 s the database file holds {} bytes (WAL {}): nothing checkpointed it",
        size(&db),
        size(&wal)
    );
    let url = format!("sqlite://{}", db.display());
    let mut probe = sqlx::SqliteConnection::connect(&url).await.unwrap();
    let (n,): (i64,) = sqlx::query_as("SELECT SUM(n) FROM event_groups")
        .fetch_one(&mut probe)
        .await
        .unwrap();
    assert_eq!(n, 20 * 500);
}

/// The WAL file size past which the checkpointer empties the file once ingest is light again (64 MiB).
const WAL_KEEP: u64 = 64 << 20;

/// A burst does not leave a big WAL file behind: after one transaction larger than the kept size, a trickle of
/// small commits (light ingest) gets the file emptied by the checkpointer.
#[tokio::test]
async fn the_wal_file_shrinks_back_after_a_burst() {
    let (s, dir) = common::sqlite_store().await;
    let wal = dir.path().join("apiary.db-wal");
    let size = |p: &std::path::Path| std::fs::metadata(p).map(|m| m.len()).unwrap_or(0);
    let big = "x".repeat(8192);
    // About 90 MiB of event rows in one transaction.
    let session = |i| format!("burst-{}", i % 100);
    insert_commands(&s, 11_000, "198.51.100.10", session, |i| format!("{big}{i}")).await;
    let after_burst = size(&wal);
    assert!(
        after_burst > WAL_KEEP,
        "the burst's WAL is {after_burst} bytes; the test needs more than {WAL_KEEP}"
    );
    // A trickle of small commits, as a quiet sensor sends: the log starts over, stays short, and is copied back.
    let deadline = Instant::now() + Duration::from_secs(30);
    let mut i = 0;
    while size(&wal) > WAL_KEEP && Instant::now() < deadline {
        i += 1;
        insert_commands(&s, 1, "198.51.100.11", |_| "trickle".into(), |_| format!("trickle {i}")).await;
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(
        size(&wal) <= WAL_KEEP,
        "the WAL file is still {} bytes after {i} small commits (was {after_burst})",
        size(&wal)
    );
}

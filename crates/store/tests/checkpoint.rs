//! The SQLite writer never checkpoints on its commits; its checkpointer copies every committed WAL frame back into
//! the database file on its own connection. Checked from outside, without checkpointing ourselves: after a burst of
//! batches the database file itself (not only its WAL) grows to hold them, within a bounded wait.

mod common;

use std::time::{Duration, Instant};

use event::Kind;
use sqlx::Connection;
use store::Batch;

#[tokio::test]
async fn committed_frames_are_copied_back_by_the_checkpointer() {
    let (s, dir) = common::sqlite_store().await;
    let t0 = chrono::Utc::now();
    for b in 0..20 {
        let records = (0..500)
            .map(|i| {
                let kind = Kind::Command {
                    input: format!("echo {b} {i}"),
                    recognized: true,
                };
                common::record(&format!("s{b}-{}", i % 50), "198.51.100.9", t0, kind)
            })
            .collect();
        s.insert(&Batch {
            records,
            blobs: Vec::new(),
        })
        .await
        .unwrap();
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
    let (n,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM events")
        .fetch_one(&mut probe)
        .await
        .unwrap();
    assert_eq!(n, 20 * 500);
}

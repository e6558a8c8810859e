//! Session recordings: put (idempotent, blob by SHA-256), list, get, and pruning once the session is gone; on SQLite
//! (tempdir) and PostgreSQL (a fresh database per run; skipped when unreachable, failing when `CI` is set).

mod common;

use chrono::{Duration, Utc};
use event::{Event, Kind};
use sha2::Digest;
use store::{Batch, Geo, NewRecording, Record, Store};

const CAST: &str = "{\"version\": 2, \"width\": 80, \"height\": 24}\n[0.1, \"o\", \"root@srv:~# \"]\n[0.5, \"o\", \"uid=0(root)\\r\\n\"]\n";

/// A `session.start` for `s1/<session>`, so the sessions table has the row.
fn start(session: &str) -> Batch {
    let now = Utc::now();
    Batch {
        records: vec![Record {
            event: Event {
                id: event::id::new_id(),
                ts: now,
                sensor: "s1".into(),
                honeypot: "apiary-ssh".into(),
                session: session.into(),
                proto: "ssh".into(),
                src_ip: "192.0.2.7".parse().unwrap(),
                src_port: 40000,
                dst_ip: None,
                dst_port: 22,
                kind: Kind::SessionStart {
                    client_version: None,
                    hassh: None,
                    hassh_algorithms: None,
                },
            },
            received: now,
            channel: "apiary.events".into(),
            ident: "s1".into(),
            geo: Geo::default(),
        }],
        blobs: Vec::new(),
    }
}

fn rec(session_id: &str, name: &str, body: &str, received: chrono::DateTime<Utc>) -> NewRecording {
    NewRecording {
        session_id: session_id.into(),
        name: name.into(),
        bytes: bytes::Bytes::copy_from_slice(body.as_bytes()),
        size: body.len() as u64,
        truncated: false,
        received,
    }
}

async fn suite(s: &Store, dir: &std::path::Path) {
    s.insert(&start("aaaa")).await.unwrap();
    let now = Utc::now();
    let r = rec("s1/aaaa", "recordings/aaaa-0.cast", CAST, now);
    assert!(s.put_recording(&r).await.unwrap(), "first put stores the row");
    assert!(
        !s.put_recording(&r).await.unwrap(),
        "a redelivered recording changes nothing"
    );
    let list = s.recordings("s1/aaaa").await.unwrap();
    assert_eq!(list.len(), 1);
    let sha = hex::encode(sha2::Sha256::digest(CAST.as_bytes()));
    assert_eq!(list[0].sha256, sha);
    assert_eq!((list[0].size, list[0].truncated), (CAST.len() as u64, false));
    let (meta, bytes) = s.recording("s1/aaaa", "recordings/aaaa-0.cast").await.unwrap().unwrap();
    assert_eq!(meta.name, "recordings/aaaa-0.cast");
    assert_eq!(bytes, CAST.as_bytes());
    assert!(s.recording("s1/aaaa", "recordings/other.cast").await.unwrap().is_none());
    let (by_sha, bytes) = s.recording_by_sha256(&sha.to_ascii_uppercase()).await.unwrap().unwrap();
    assert_eq!(
        (by_sha.name.as_str(), &bytes[..]),
        ("recordings/aaaa-0.cast", CAST.as_bytes())
    );
    assert!(s.recording_by_sha256(&"0".repeat(64)).await.unwrap().is_none());
    assert_eq!(s.recent_recordings(10).await.unwrap(), list);
    assert!(s.recordings("s1/none").await.unwrap().is_empty());
    assert!(
        s.put_recording(&rec("", "x", CAST, now)).await.is_err(),
        "an empty session id is refused"
    );
    assert!(
        s.put_recording(&rec("s1/a", "a\nb", CAST, now)).await.is_err(),
        "control characters are refused"
    );

    // An orphan (its session is gone, e.g. by retention) goes with its blob once old enough; a recent one stays.
    let old = now - Duration::hours(3);
    let orphan = "{\"version\": 2, \"width\": 80, \"height\": 24}\n[0.1, \"o\", \"orphan\"]\n";
    s.put_recording(&rec("s1/gone", "recordings/gone-0.cast", orphan, old))
        .await
        .unwrap();
    s.put_recording(&rec("s1/early", "recordings/early-0.cast", orphan, now))
        .await
        .unwrap();
    let orphan_sha = hex::encode(sha2::Sha256::digest(orphan.as_bytes()));
    let blob = |sha: &str| dir.join("files").join(&sha[0..2]).join(&sha[2..4]).join(sha);
    assert!(blob(&orphan_sha).is_file());
    assert_eq!(s.prune_recordings(now - Duration::hours(1)).await.unwrap(), 1);
    assert!(s.recordings("s1/gone").await.unwrap().is_empty());
    assert_eq!(
        s.recordings("s1/early").await.unwrap().len(),
        1,
        "a recent orphan is kept"
    );
    assert!(blob(&orphan_sha).is_file(), "a blob still referred to is kept");
    assert_eq!(
        s.recordings("s1/aaaa").await.unwrap().len(),
        1,
        "a recording with its session is kept"
    );
    assert_eq!(s.prune_recordings(now + Duration::hours(1)).await.unwrap(), 1);
    assert!(!blob(&orphan_sha).exists(), "the last reference gone, the blob goes");
    assert!(blob(&sha).is_file());
}

#[tokio::test]
async fn sqlite_recordings() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("a.db");
    let s = Store::open(&format!("sqlite://{}", db.display()), dir.path())
        .await
        .unwrap();
    suite(&s, dir.path()).await;
}

#[tokio::test]
async fn postgres_recordings() {
    let Some(db) = common::Scratch::new("apiary_rec").await else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let s = Store::open(&db.url(), dir.path()).await.unwrap();
    suite(&s, dir.path()).await;
    drop(s);
    db.drop_now().await;
}

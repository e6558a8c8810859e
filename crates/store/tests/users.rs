//! Dashboard users, web sessions and the retention setting, on SQLite (tempdir) and PostgreSQL (a fresh database per
//! run; skipped when unreachable, failing when `CI` is set).

mod common;

use std::time::Duration;

use store::{Retention, Role, Store};

async fn suite(s: &Store) {
    // Create, verify, refuse duplicates and bad input.
    s.create_user("alice", "correct horse", Role::Admin).await.unwrap();
    s.create_user("bob", "battery staple", Role::ReadOnly).await.unwrap();
    assert!(s.create_user("alice", "another pass", Role::Admin).await.is_err());
    assert!(s.create_user("carol", "short", Role::Admin).await.is_err());
    assert!(s.create_user("<b>x</b>", "long enough", Role::Admin).await.is_err());
    let u = s.verify_user("alice", "correct horse").await.unwrap().unwrap();
    assert_eq!((u.username.as_str(), u.role), ("alice", Role::Admin));
    assert!(s.verify_user("alice", "wrong horse").await.unwrap().is_none());
    assert!(s.verify_user("nobody", "correct horse").await.unwrap().is_none());
    let names: Vec<_> = s
        .list_users()
        .await
        .unwrap()
        .into_iter()
        .map(|u| (u.username, u.role))
        .collect();
    assert_eq!(
        names,
        vec![("alice".to_owned(), Role::Admin), ("bob".to_owned(), Role::ReadOnly)]
    );
    assert_eq!(s.count_admins().await.unwrap(), 1);

    // Sessions: looked up by token, carry the role and CSRF token, end at logout.
    let ws = s.create_web_session("bob", Duration::from_secs(3600)).await.unwrap();
    assert_eq!(ws.token.len(), 43);
    assert_ne!(ws.token, ws.csrf);
    let found = s.web_session(&ws.token).await.unwrap().unwrap();
    assert_eq!((found.username.as_str(), found.role), ("bob", Role::ReadOnly));
    assert_eq!(found.csrf, ws.csrf);
    assert!(s.web_session("not-a-token").await.unwrap().is_none());
    assert!(s.delete_web_session(&ws.token).await.unwrap());
    assert!(s.web_session(&ws.token).await.unwrap().is_none());

    // Expiry: an expired session is refused and purged.
    let short = s.create_web_session("alice", Duration::from_millis(1)).await.unwrap();
    tokio::time::sleep(Duration::from_millis(20)).await;
    assert!(s.web_session(&short.token).await.unwrap().is_none());
    assert!(s.purge_web_sessions(chrono::Utc::now()).await.unwrap() >= 1);

    // A new password works, the old one stops, and open sessions end.
    let live = s.create_web_session("alice", Duration::from_secs(3600)).await.unwrap();
    assert!(s.set_password("alice", "new password 1").await.unwrap());
    assert!(s.verify_user("alice", "correct horse").await.unwrap().is_none());
    assert!(s.verify_user("alice", "new password 1").await.unwrap().is_some());
    assert!(s.web_session(&live.token).await.unwrap().is_none());
    assert!(!s.set_password("nobody", "whatever123").await.unwrap());

    // Removing a user ends their sessions.
    let b = s.create_web_session("bob", Duration::from_secs(3600)).await.unwrap();
    assert!(s.remove_user("bob").await.unwrap());
    assert!(!s.remove_user("bob").await.unwrap());
    assert!(s.web_session(&b.token).await.unwrap().is_none());

    // The last admin is never removed.
    let err = s.remove_user("alice").await.unwrap_err();
    assert!(err.to_string().contains("last admin"), "{err}");
    assert_eq!(s.count_admins().await.unwrap(), 1);
    assert!(s.verify_user("alice", "new password 1").await.unwrap().is_some());

    // Retention setting: absent, then stored; 0 means forever.
    assert!(s.retention_setting().await.unwrap().is_none());
    let r = Retention {
        raw_days: Some(7),
        sessions_days: None,
        files_days: Some(30),
        rollups_days: Some(365),
    };
    s.put_retention_setting(&r).await.unwrap();
    s.put_retention_setting(&r).await.unwrap();
    let got = s.retention_setting().await.unwrap().unwrap();
    assert_eq!(
        (got.raw_days, got.sessions_days, got.files_days, got.rollups_days),
        (Some(7), None, Some(30), Some(365))
    );
}

/// Two admins removed at once, many times over: exactly one removal wins each time, and one admin is left.
async fn last_admin_race(s: &Store) {
    for round in 0..20 {
        let (a, b) = (format!("race-a{round}"), format!("race-b{round}"));
        s.create_user(&a, "race password", Role::Admin).await.unwrap();
        s.create_user(&b, "race password", Role::Admin).await.unwrap();
        let admins = s.count_admins().await.unwrap();
        // Every earlier admin goes first, so the two new ones are the last two.
        for u in s.list_users().await.unwrap() {
            if u.role == Role::Admin && u.username != a && u.username != b {
                assert!(s.remove_user(&u.username).await.unwrap());
            }
        }
        assert!(admins >= 2);
        let (ra, rb) = tokio::join!(s.remove_user(&a), s.remove_user(&b));
        let removed = [&ra, &rb].iter().filter(|r| matches!(r, Ok(true))).count();
        let refused = [&ra, &rb]
            .iter()
            .filter(|r| matches!(r, Err(store::StoreError::Invalid(_))))
            .count();
        assert_eq!((removed, refused), (1, 1), "round {round}: {ra:?} {rb:?}");
        assert_eq!(s.count_admins().await.unwrap(), 1, "round {round}");
    }
}

#[tokio::test]
async fn sqlite_users() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("a.db");
    let s = Store::open(&format!("sqlite://{}", db.display()), dir.path())
        .await
        .unwrap();
    suite(&s).await;
    // Passwords and cookie tokens never reach the disk in plaintext.
    let t = s.create_web_session("alice", Duration::from_secs(60)).await.unwrap();
    drop(s);
    let mut bytes = std::fs::read(&db).unwrap();
    bytes.extend(std::fs::read(dir.path().join("a.db-wal")).unwrap_or_default());
    let has = |needle: &[u8]| bytes.windows(needle.len()).any(|w| w == needle);
    assert!(!has(b"new password 1"));
    assert!(!has(t.token.as_bytes()));
    // Migrations are applied once: reopening keeps the users.
    let s = Store::open(&format!("sqlite://{}", db.display()), dir.path())
        .await
        .unwrap();
    assert_eq!(s.list_users().await.unwrap().len(), 1);
    last_admin_race(&s).await;
}

#[tokio::test]
async fn postgres_users() {
    let Some(db) = common::Scratch::new("apiary_users").await else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let s = Store::open(&db.url(), dir.path()).await.unwrap();
    assert_eq!(s.backend(), "postgres");
    suite(&s).await;
    last_admin_race(&s).await;
    drop(s);
    db.drop_now().await;
}

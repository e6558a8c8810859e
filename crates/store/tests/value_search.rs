//! Session search by a value seen in a session. Password and credential pair, from the one password-first row per
//! credential that `session_values` keeps (migration 0011): passwords that are prefixes of others, quotes, tabs,
//! empty and absent passwords; stores written before 0011 are converted on open. And values held by more sessions
//! than the search collects (it walks sessions newest first instead) find the same sessions, in order, page by
//! page. Value rows are keyed by time within a value (migration 0014): a row holds its session's start, stores
//! keyed by session id are converted on open, and a value a later batch repeats finds its session once. SQLite and
//! PostgreSQL (skipped when unreachable, failing when `CI` is set).

mod common;

use chrono::{DateTime, TimeZone, Utc};
use event::{AuthMethod, Kind};
use store::*;

fn t0() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 2, 8, 0, 0).unwrap()
}

fn auth(user: &str, pass: Option<&str>) -> Kind {
    Kind::Auth {
        username: user.into(),
        password: pass.map(Into::into),
        key_fingerprint: pass.is_none().then(|| "SHA256:abc".into()),
        method: if pass.is_some() {
            AuthMethod::Password
        } else {
            AuthMethod::Publickey
        },
        success: false,
    }
}

/// A (username, password) tried; `None` is a public-key attempt.
type Try = (&'static str, Option<&'static str>);

/// Session `s1/<name>` tried each (user, password) once, one second apart, sessions a minute apart.
fn sessions() -> Vec<(&'static str, Vec<Try>)> {
    vec![
        ("p1", vec![("root", Some("ab")), ("admin", Some("x"))]),
        ("p2", vec![("root", Some("abc"))]),
        ("p3", vec![("root", Some("ab\t")), ("ro\tot", Some("ab"))]),
        ("p4", vec![("a\"b", Some("a\"b")), ("root", Some(""))]),
        ("p5", vec![("root", None), ("ü", Some("pässword"))]),
    ]
}

async fn fill(s: &Store) {
    let mut records = Vec::new();
    for (i, (name, tries)) in sessions().into_iter().enumerate() {
        let at = t0() + chrono::Duration::minutes(i64::try_from(i).unwrap());
        for (k, (u, p)) in tries.into_iter().enumerate() {
            let ts = at + chrono::Duration::seconds(i64::try_from(k).unwrap());
            records.push(common::record(name, "203.0.113.9", ts, auth(u, p)));
        }
    }
    common::insert(s, records).await;
}

async fn found(s: &Store, f: SessionFilter) -> Vec<String> {
    let page = Page { limit: 50, after: None };
    let mut ids: Vec<String> = s
        .sessions(&f, &page)
        .await
        .unwrap()
        .items
        .into_iter()
        .map(|r| r.id)
        .collect();
    ids.sort();
    ids
}

fn by_password(p: &str) -> SessionFilter {
    SessionFilter {
        password: Some(p.into()),
        ..SessionFilter::default()
    }
}

fn by_credential(key: &str) -> SessionFilter {
    SessionFilter {
        credential: Some(key.into()),
        ..SessionFilter::default()
    }
}

async fn searches(s: &Store) {
    let cases: Vec<(SessionFilter, Vec<&str>)> = vec![
        (by_password("ab"), vec!["s1/p1", "s1/p3"]),
        (by_password("abc"), vec!["s1/p2"]),
        (by_password("ab\t"), vec!["s1/p3"]),
        (by_password("a"), vec![]),
        (by_password("a\"b"), vec!["s1/p4"]),
        (by_password(""), vec!["s1/p4"]),
        (by_password("null"), vec![]),
        (by_password("pässword"), vec!["s1/p5"]),
        (by_credential(r#"["root","ab"]"#), vec!["s1/p1"]),
        (by_credential(r#"["ro\tot","ab"]"#), vec!["s1/p3"]),
        (by_credential(r#"["a\"b","a\"b"]"#), vec!["s1/p4"]),
        (by_credential(r#"["root",null]"#), vec!["s1/p5"]),
        (by_credential(r#"["root",""]"#), vec!["s1/p4"]),
        (by_credential("root:ab"), vec![]),
        (by_credential(r#"["root"]"#), vec![]),
    ];
    for (f, want) in cases {
        assert_eq!(found(s, f.clone()).await, want, "{f:?}");
    }
    // Every entry of the password and credential top lists opens its sessions.
    for (dim, f) in [
        (Dim::Password, by_password as fn(&str) -> SessionFilter),
        (Dim::Credential, by_credential),
    ] {
        let range = TimeRange {
            from: t0() - chrono::Duration::hours(1),
            to: t0() + chrono::Duration::hours(1),
        };
        let top = s.top(dim, range, 50).await.unwrap();
        assert!(!top.is_empty(), "{dim:?}");
        for e in top {
            assert!(
                !found(s, f(&e.key)).await.is_empty(),
                "{dim:?} {:?} finds no session",
                e.key
            );
        }
    }
}

/// Puts `session_values` back as migrations 0007 to 0010 wrote it (credentials user first as JSON arrays, one
/// more row per password) and forgets 0011, so the next open converts it again.
async fn back_to_old_rows(url: &str) {
    let db = sqlx::AnyPool::connect(url).await.unwrap();
    sqlx::query("DELETE FROM session_values WHERE dim = 'credential'")
        .execute(&db)
        .await
        .unwrap();
    for (name, tries) in sessions() {
        let sid = format!("s1/{name}");
        for (u, p) in tries {
            let pair = serde_json::json!([u, p]).to_string();
            let mut rows = vec![("credential", pair)];
            rows.extend(p.map(|p| ("password", p.to_owned())));
            for (dim, value) in rows {
                sqlx::query(
                    "INSERT INTO session_values (dim, value, session_id) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING",
                )
                .bind(dim)
                .bind(value)
                .bind(sid.clone())
                .execute(&db)
                .await
                .unwrap();
            }
        }
    }
    sqlx::query("DELETE FROM apiary_migrations WHERE name = '0011_session_credentials'")
        .execute(&db)
        .await
        .unwrap();
    db.close().await;
}

/// Every `session_values` and `session_users` row whose `ts` is not its session's start, as (table, session, ts).
async fn rows_off_their_start(url: &str) -> Vec<(String, String, i64)> {
    let db = sqlx::AnyPool::connect(url).await.unwrap();
    let sql = "SELECT 'session_values' AS t, v.session_id, v.ts FROM session_values v \
               JOIN sessions s ON s.id = v.session_id WHERE v.ts <> s.start_ts \
               UNION ALL SELECT 'session_users' AS t, u.session_id, u.ts FROM session_users u \
               JOIN sessions s ON s.id = u.session_id WHERE u.ts <> s.start_ts";
    let off = sqlx::query_as(sql).fetch_all(&db).await.unwrap();
    db.close().await;
    off
}

/// Puts `session_values` and `session_users` back as migrations before 0014 keyed them (by session id, no time)
/// and forgets 0014 (and on PostgreSQL 0016, which drops those keys), so the next open converts them again.
async fn back_to_id_keys(url: &str) {
    let sql = if url.starts_with("sqlite") {
        "CREATE TABLE v_old (dim TEXT NOT NULL, value TEXT NOT NULL, session_id TEXT NOT NULL, \
         PRIMARY KEY (dim, value, session_id)) WITHOUT ROWID; \
         INSERT OR IGNORE INTO v_old SELECT dim, value, session_id FROM session_values; \
         DROP TABLE session_values; ALTER TABLE v_old RENAME TO session_values; \
         CREATE INDEX session_values_session ON session_values (session_id); \
         CREATE TABLE u_old (username TEXT NOT NULL, session_id TEXT NOT NULL, \
         PRIMARY KEY (username, session_id)) WITHOUT ROWID; \
         INSERT OR IGNORE INTO u_old SELECT username, session_id FROM session_users; \
         DROP TABLE session_users; ALTER TABLE u_old RENAME TO session_users; \
         CREATE INDEX session_users_session ON session_users (session_id); \
         DELETE FROM apiary_migrations WHERE name = '0014_values_by_time'"
    } else {
        "DROP INDEX session_values_by_value; \
         ALTER TABLE session_values DROP COLUMN ts; \
         ALTER TABLE session_values ADD PRIMARY KEY (dim, value, session_id); \
         DROP INDEX session_users_by_name; \
         ALTER TABLE session_users DROP COLUMN ts; \
         ALTER TABLE session_users ADD PRIMARY KEY (username, session_id); \
         DELETE FROM apiary_migrations WHERE name IN ('0014_values_by_time', '0016_values_unkeyed')"
    };
    common::exec_raw(url, sql).await;
}

/// Session `s1/p1` comes back in a later batch, trying `root`/`ab` again and a new pair: the repeated value gets a
/// row of its own (the later batch's time), and every search still finds the session once.
async fn repeated_by_a_later_batch(s: &Store, url: &str) {
    let at = t0() + chrono::Duration::minutes(30);
    let again = vec![
        common::record("p1", "203.0.113.9", at, auth("root", Some("ab"))),
        common::record("p1", "203.0.113.9", at, auth("later", Some("ab"))),
    ];
    common::insert(s, again).await;
    let db = sqlx::AnyPool::connect(url).await.unwrap();
    let (rows,): (i64,) =
        sqlx::query_as("SELECT COUNT(*) FROM session_users WHERE username = 'root' AND session_id = 's1/p1'")
            .fetch_one(&db)
            .await
            .unwrap();
    db.close().await;
    assert_eq!(rows, 2, "one row per batch that saw root in s1/p1");
    let user = |u: &str| SessionFilter {
        username: Some(u.into()),
        ..SessionFilter::default()
    };
    assert_eq!(
        found(s, user("root")).await,
        vec!["s1/p1", "s1/p2", "s1/p3", "s1/p4", "s1/p5"]
    );
    assert_eq!(found(s, user("later")).await, vec!["s1/p1"]);
    assert_eq!(found(s, by_password("ab")).await, vec!["s1/p1", "s1/p3"]);
    assert_eq!(found(s, by_credential(r#"["root","ab"]"#)).await, vec!["s1/p1"]);
}

/// Two batches of session `s1/twin` whose first events share a microsecond: both store the same (username, time,
/// session) row. SQLite skips the second (its tables are keyed); PostgreSQL keeps no key there (migration 0016) and
/// stores it again. Either way both batches go in and every search finds the session once.
async fn same_row_twice(s: &Store, url: &str) {
    let at = t0() + chrono::Duration::minutes(45);
    for pass in ["tw1", "tw2"] {
        let batch = vec![common::record("twin", "203.0.113.77", at, auth("twin", Some(pass)))];
        common::insert(s, batch).await;
    }
    let db = sqlx::AnyPool::connect(url).await.unwrap();
    let (rows,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM session_users WHERE username = 'twin'")
        .fetch_one(&db)
        .await
        .unwrap();
    db.close().await;
    let keyed = url.starts_with("sqlite");
    assert_eq!(
        rows,
        if keyed { 1 } else { 2 },
        "one row per batch unless the table is keyed"
    );
    let user = SessionFilter {
        username: Some("twin".into()),
        ..SessionFilter::default()
    };
    assert_eq!(found(s, user).await, vec!["s1/twin"]);
    assert_eq!(found(s, by_password("tw2")).await, vec!["s1/twin"]);
}

/// Fill, search, rewind the rows to the layout before 0011, reopen (it runs), search again; then rewind the keys
/// to those before 0014, reopen (it runs), search again, have a later batch repeat a value, and two batches store
/// the same row.
async fn suite(url: &str, dir: &std::path::Path) {
    let s = Store::open(url, dir).await.unwrap();
    fill(&s).await;
    searches(&s).await;
    assert_eq!(
        rows_off_their_start(url).await,
        vec![],
        "rows hold their session's start"
    );
    drop(s);
    back_to_old_rows(url).await;
    let s = Store::open(url, dir).await.unwrap();
    searches(&s).await;
    let db = sqlx::AnyPool::connect(url).await.unwrap();
    let (pw,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM session_values WHERE dim = 'password'")
        .fetch_one(&db)
        .await
        .unwrap();
    assert_eq!(pw, 0, "the migration removes the password rows");
    db.close().await;
    drop(s);
    back_to_id_keys(url).await;
    let s = Store::open(url, dir).await.unwrap();
    searches(&s).await;
    assert_eq!(
        rows_off_their_start(url).await,
        vec![],
        "converted rows take their session's start"
    );
    repeated_by_a_later_batch(&s, url).await;
    same_row_twice(&s, url).await;
}

/// Sessions `s1/c00000`.. one second apart, each trying root/123456 and dropping file A; every thousandth also
/// tries rare/zz and drops file B.
const MANY: usize = 10_050;

/// SHA-256 of the file every session drops, and of the one every thousandth drops.
const FILE_A: &str = "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";
const FILE_B: &str = "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb";

fn drop_file(sha256: &str) -> Kind {
    Kind::FileDownload(event::FileInfo {
        sha256: Some(sha256.into()),
        ..event::FileInfo::default()
    })
}

async fn fill_many(s: &Store) {
    let mut records = Vec::new();
    for i in 0..MANY {
        let at = t0() + chrono::Duration::seconds(i64::try_from(i).unwrap());
        let name = format!("c{i:05}");
        records.push(common::record(&name, "198.51.100.3", at, auth("root", Some("123456"))));
        records.push(common::record(&name, "198.51.100.3", at, drop_file(FILE_A)));
        if i % 1000 == 0 {
            records.push(common::record(&name, "198.51.100.3", at, auth("rare", Some("zz"))));
            records.push(common::record(&name, "198.51.100.3", at, drop_file(FILE_B)));
        }
    }
    common::insert(s, records).await;
}

/// Ids of sessions `i` (newest first), as `s1/c<i>`.
fn named(i: impl Iterator<Item = usize>) -> Vec<String> {
    i.map(|i| format!("s1/c{i:05}")).collect()
}

async fn common_and_rare(s: &Store) {
    let two_pages = |f: SessionFilter| async move {
        let page = Page { limit: 50, after: None };
        let p1 = s.sessions(&f, &page).await.unwrap();
        let ids = |p: Paged<SessionRow>| p.items.into_iter().map(|r| r.id).collect::<Vec<_>>();
        let Some(next) = p1.next.clone() else {
            return (ids(p1), Vec::new());
        };
        let p2 = s
            .sessions(
                &f,
                &Page {
                    limit: 50,
                    after: Some(next),
                },
            )
            .await
            .unwrap();
        (ids(p1), ids(p2))
    };
    let newest = (named((MANY - 50..MANY).rev()), named((MANY - 100..MANY - 50).rev()));
    let rare = (named((0..MANY).rev().filter(|i| i % 1000 == 0)), vec![]);
    let user = |u: &str| SessionFilter {
        username: Some(u.into()),
        ..SessionFilter::default()
    };
    let hash = |h: &str| SessionFilter {
        hash: Some(h.to_ascii_uppercase()),
        ..SessionFilter::default()
    };
    let cases = [
        (by_password("123456"), &newest),
        (hash(FILE_A), &newest),
        (hash(FILE_B), &rare),
        (user("root"), &newest),
        (by_credential(r#"["root","123456"]"#), &newest),
        (by_password("zz"), &rare),
        (user("rare"), &rare),
        (by_credential(r#"["rare","zz"]"#), &rare),
        (
            SessionFilter {
                username: Some("rare".into()),
                password: Some("123456".into()),
                ..SessionFilter::default()
            },
            &rare,
        ),
    ];
    for (f, want) in cases {
        assert_eq!(&two_pages(f.clone()).await, want, "{f:?}");
    }
}

#[tokio::test]
async fn sqlite_common_and_rare_values() {
    let (s, _dir) = common::sqlite_store().await;
    fill_many(&s).await;
    common_and_rare(&s).await;
}

#[tokio::test]
async fn postgres_common_and_rare_values() {
    let Some((s, _dir, scratch)) = common::postgres_store("apiary_values").await else {
        return;
    };
    fill_many(&s).await;
    common_and_rare(&s).await;
    drop(s);
    scratch.drop_now().await;
}

#[tokio::test]
async fn sqlite_password_and_credential_search() {
    let dir = tempfile::tempdir().unwrap();
    suite(&common::sqlite_url(dir.path()), dir.path()).await;
}

#[tokio::test]
async fn postgres_password_and_credential_search() {
    let Some(scratch) = common::Scratch::new("apiary_creds").await else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    suite(&scratch.url(), dir.path()).await;
    scratch.drop_now().await;
}

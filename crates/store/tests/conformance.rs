//! One suite, run on SQLite (tempdir) and PostgreSQL (a fresh database per run; skipped when unreachable, failing
//! when `CI` is set).

mod common;

use std::net::IpAddr;

use chrono::{DateTime, Duration, TimeZone, Utc};
use event::{AuthMethod, FileInfo, Fingerprint, Kind};
use store::*;

fn t0() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 1, 10, 0, 0).unwrap()
}

fn ev(session: &str, ip: &str, ts: DateTime<Utc>, kind: Kind) -> Record {
    let mut r = common::record(session, ip, ts, kind);
    r.geo = Geo {
        country: Some("NL".into()),
        asn: Some(64500),
        ..Geo::default()
    };
    r
}

fn auth(user: &str, pass: &str, ok: bool) -> Kind {
    Kind::Auth {
        username: user.into(),
        password: Some(pass.into()),
        key_fingerprint: None,
        method: AuthMethod::Password,
        success: ok,
    }
}

fn sec(at: DateTime<Utc>, s: i64) -> DateTime<Utc> {
    at + Duration::seconds(s)
}

/// 16 events: session a (v4, login, command, download), session b (v6, every other session kind), a
/// fingerprint, a scan and a raw event; plus one blob.
fn batch(at: DateTime<Utc>) -> Batch {
    let start = Kind::SessionStart {
        client_version: Some("SSH-2.0-Go".into()),
        hassh: None,
        hassh_algorithms: None,
    };
    let file = FileInfo {
        url: Some("http://x/a.sh".into()),
        sha256: Some("ab".repeat(32)),
        ..FileInfo::default()
    };
    let upload = FileInfo {
        md5: Some("cd".repeat(16)),
        ..FileInfo::default()
    };
    let fp = Fingerprint {
        tool: "p0f".into(),
        os: Some("Linux 3.x".into()),
        ..Fingerprint::default()
    };
    let (v4, v6, other) = ("203.0.113.7", "2001:db8::5", "198.51.100.1");
    let tcpip = Kind::TcpipRequest {
        target_host: "1.1.1.1".into(),
        target_port: 80,
        first_bytes: String::new(),
        origin_host: None,
        origin_port: None,
    };
    let http = Kind::HttpRequest {
        method: "GET".into(),
        path: "/".into(),
        query: String::new(),
        headers: vec![],
        body: String::new(),
        classification: vec![],
    };
    let alert = Kind::Alert {
        signature_id: 1,
        message: "m".into(),
        severity: 2,
        category: String::new(),
    };
    let end = Kind::SessionEnd {
        duration_ms: 13000,
        bytes_in: 1,
        bytes_out: 2,
        reason: "closed".into(),
        recordings: vec!["r/b.cast".into()],
    };
    let scan = Kind::Scan {
        ports: vec![22, 23],
        window_ms: 1000,
        scan_type: "syn".into(),
    };
    let raw = Kind::Raw {
        channel: "x".into(),
        payload: "?".into(),
        reason: "unknown channel".into(),
    };
    Batch {
        records: vec![
            ev("a", v4, at, start.clone()),
            ev("a", v4, sec(at, 1), auth("root", "123456", false)),
            ev("a", v4, sec(at, 2), auth("root", "admin", true)),
            ev(
                "a",
                v4,
                sec(at, 3),
                Kind::Command {
                    input: "uname -a".into(),
                    recognized: true,
                },
            ),
            ev("a", v4, sec(at, 4), Kind::FileDownload(file)),
            ev("b", v6, sec(at, 5), start),
            ev("b", v6, sec(at, 6), auth("admin", "admin", false)),
            ev("", v6, sec(at, 7), Kind::Fingerprint(fp)),
            ev("b", v6, sec(at, 8), Kind::FileUpload(upload)),
            ev("b", v6, sec(at, 9), tcpip),
            ev("b", v6, sec(at, 10), http),
            ev("b", v6, sec(at, 11), alert),
            ev(
                "b",
                v6,
                sec(at, 12),
                Kind::Request {
                    request: "read coils".into(),
                    response: None,
                },
            ),
            ev("b", v6, sec(at, 13), end),
            ev("", other, sec(at, 14), scan),
            ev("", other, sec(at, 15), raw),
        ],
        blobs: vec![Blob {
            bytes: bytes::Bytes::from_static(b"#!/bin/sh\necho hi\n"),
            received: at,
            mime: None,
        }],
    }
}

fn day() -> TimeRange {
    TimeRange {
        from: t0() - Duration::hours(1),
        to: t0() + Duration::hours(2),
    }
}

fn ids(p: Paged<SessionRow>) -> Vec<String> {
    p.items.into_iter().map(|s| s.id).collect()
}

fn page(limit: u32, after: Option<String>) -> Page {
    Page { after, limit }
}

async fn inserts_are_idempotent(s: &Store) {
    let b = batch(t0());
    assert_eq!(
        s.insert(&b).await.unwrap(),
        InsertReport {
            inserted: 16,
            duplicates: 0
        }
    );
    assert_eq!(
        s.insert(&b).await.unwrap(),
        InsertReport {
            inserted: 0,
            duplicates: 16
        }
    );
    // A batch mixing new events (session c: a start and an auth from the v4 address) with a redelivered one.
    let mut partial = batch(t0());
    partial.records.truncate(2);
    for r in &mut partial.records {
        r.event.session = "c".into();
    }
    partial.records.push(b.records[0].clone());
    assert_eq!(
        s.insert(&partial).await.unwrap(),
        InsertReport {
            inserted: 2,
            duplicates: 1
        }
    );
    let tot = s.totals(day()).await.unwrap();
    assert_eq!(
        tot,
        Totals {
            events: 18,
            attackers: 3,
            attackers_estimated: false,
            sessions: 3,
            logins: 1,
            downloads: 2
        }
    );
}

async fn sessions_filters_and_paging(s: &Store) {
    let all = s.sessions(&SessionFilter::default(), &page(10, None)).await.unwrap();
    assert_eq!(
        all.items.iter().map(|s| s.id.as_str()).collect::<Vec<_>>(),
        ["s1/b", "s1/c", "s1/a"]
    );
    let a = &all.items[2];
    assert_eq!((a.auth_attempts, a.commands, a.downloads), (2, 1, 1));
    assert_eq!(a.login, Some(("root".into(), Some("admin".into()))));
    assert_eq!(a.client_version.as_deref(), Some("SSH-2.0-Go"));
    let p1 = s.sessions(&SessionFilter::default(), &page(1, None)).await.unwrap();
    let p2 = s
        .sessions(&SessionFilter::default(), &page(1, p1.next.clone()))
        .await
        .unwrap();
    let p3 = s
        .sessions(&SessionFilter::default(), &page(1, p2.next.clone()))
        .await
        .unwrap();
    assert_eq!([&p1, &p2, &p3].map(|p| p.items[0].id.clone()), ["s1/b", "s1/c", "s1/a"]);
    assert!(p3.next.is_none());
    assert!(s
        .sessions(&SessionFilter::default(), &page(1, Some("junk".into())))
        .await
        .is_err());
    let base = SessionFilter::default();
    let src = |n: &str| SessionFilter {
        src: Some(n.parse().unwrap()),
        ..SessionFilter::default()
    };
    let early = TimeRange {
        from: sec(t0(), 5),
        to: t0() + Duration::hours(1),
    };
    let cases: Vec<(SessionFilter, Vec<&str>)> = vec![
        (src("2001:db8::/32"), vec!["s1/b"]),
        (src("2001:db8::5/128"), vec!["s1/b"]),
        (src("203.0.113.0/24"), vec!["s1/c", "s1/a"]),
        (src("198.51.100.0/24"), vec![]),
        (
            SessionFilter {
                username: Some("admin".into()),
                ..base.clone()
            },
            vec!["s1/b"],
        ),
        (
            SessionFilter {
                username: Some("root".into()),
                ..base.clone()
            },
            vec!["s1/c", "s1/a"],
        ),
        (
            SessionFilter {
                has_download: Some(true),
                ..base.clone()
            },
            vec!["s1/b", "s1/a"],
        ),
        (
            SessionFilter {
                has_download: Some(false),
                ..base.clone()
            },
            vec!["s1/c"],
        ),
        (
            SessionFilter {
                sensor: Some("s1".into()),
                ..base.clone()
            },
            vec!["s1/b", "s1/c", "s1/a"],
        ),
        (
            SessionFilter {
                sensor: Some("zz".into()),
                ..base.clone()
            },
            vec![],
        ),
        (
            SessionFilter {
                honeypot: Some("web".into()),
                ..base.clone()
            },
            vec![],
        ),
        (
            SessionFilter {
                proto: Some("ssh".into()),
                ..base.clone()
            },
            vec!["s1/b", "s1/c", "s1/a"],
        ),
        (
            SessionFilter {
                port: Some(23),
                ..base.clone()
            },
            vec![],
        ),
        (
            SessionFilter {
                country: Some("NL".into()),
                ..base.clone()
            },
            vec!["s1/b", "s1/c", "s1/a"],
        ),
        (
            SessionFilter {
                asn: Some(1),
                ..base.clone()
            },
            vec![],
        ),
        (
            SessionFilter {
                range: Some(early),
                ..base.clone()
            },
            vec!["s1/b"],
        ),
    ];
    for (f, want) in cases {
        assert_eq!(ids(s.sessions(&f, &page(10, None)).await.unwrap()), want, "{f:?}");
    }
    // Every value a top list shows finds its sessions, keyed exactly as the top list keys it.
    let v = |f: fn(&mut SessionFilter, String), x: &str| {
        let mut q = SessionFilter::default();
        f(&mut q, x.to_owned());
        q
    };
    let ab = "AB".repeat(32);
    let cd = "cd".repeat(16);
    let cases: Vec<(SessionFilter, Vec<&str>)> = vec![
        (v(|q, x| q.password = Some(x), "123456"), vec!["s1/c", "s1/a"]),
        (v(|q, x| q.password = Some(x), "admin"), vec!["s1/b", "s1/a"]),
        (v(|q, x| q.password = Some(x), "nope"), vec![]),
        (
            v(|q, x| q.credential = Some(x), r#"["root","123456"]"#),
            vec!["s1/c", "s1/a"],
        ),
        (v(|q, x| q.credential = Some(x), r#"["admin","admin"]"#), vec!["s1/b"]),
        (v(|q, x| q.command = Some(x), "uname -a"), vec!["s1/a"]),
        (v(|q, x| q.command = Some(x), "uname"), vec![]),
        (v(|q, x| q.url = Some(x), "http://x/a.sh"), vec!["s1/a"]),
        (v(|q, x| q.hash = Some(x), &ab), vec!["s1/a"]),
        (v(|q, x| q.hash = Some(x), &cd), vec!["s1/b"]),
    ];
    for (f, want) in cases {
        assert_eq!(ids(s.sessions(&f, &page(10, None)).await.unwrap()), want, "{f:?}");
    }
    // The keys really are the top lists' keys.
    for (dim, f) in [
        (
            Dim::Password,
            (|q: &mut SessionFilter, x| q.password = Some(x)) as fn(&mut SessionFilter, String),
        ),
        (Dim::Credential, |q, x| q.credential = Some(x)),
        (Dim::Command, |q, x| q.command = Some(x)),
        (Dim::Url, |q, x| q.url = Some(x)),
        (Dim::Hash, |q, x| q.hash = Some(x)),
    ] {
        for e in s.top(dim, day(), 10).await.unwrap() {
            let found = s.sessions(&v(f, &e.key), &page(10, None)).await.unwrap();
            assert!(!found.items.is_empty(), "{dim:?} {} finds no session", e.key);
        }
    }
}

async fn timeline_and_feed_show_every_kind(s: &Store) {
    assert_eq!(s.session("s1/a").await.unwrap().unwrap().timeline.len(), 5);
    let det = s.session("s1/b").await.unwrap().unwrap();
    let kinds: Vec<_> = det.timeline.iter().map(|e| e.kind.name()).collect();
    let want = [
        "session.start",
        "auth",
        "file.upload",
        "tcpip.request",
        "http.request",
        "alert",
        "request",
    ];
    assert_eq!(kinds[..7], want);
    assert_eq!(kinds[7], "session.end");
    assert_eq!(det.recordings, ["r/b.cast"]);
    assert!(det.session.end.is_some());
    assert!(s.session("s1/nope").await.unwrap().is_none());
    let feed = s.feed(&FeedFilter::default(), &page(100, None)).await.unwrap();
    let mut kinds: Vec<_> = feed.items.iter().map(|r| r.event.kind.name()).collect();
    kinds.sort_unstable();
    kinds.dedup();
    assert_eq!(kinds.len(), 13, "every kind is in the feed: {kinds:?}");
    assert_eq!(
        (feed.items[0].channel.as_str(), feed.items[0].ident.as_str()),
        ("apiary.events", "sensor1")
    );
    let f1 = s.feed(&FeedFilter::default(), &page(10, None)).await.unwrap();
    let f2 = s
        .feed(&FeedFilter::default(), &page(10, f1.next.clone()))
        .await
        .unwrap();
    assert_eq!((f1.items.len(), f2.items.len(), f2.next), (10, 8, None));
    let auth = s
        .feed(
            &FeedFilter {
                kind: Some("auth".into()),
                ..FeedFilter::default()
            },
            &page(10, None),
        )
        .await;
    assert_eq!(auth.unwrap().items.len(), 4);
    let v6: IpAddr = "2001:db8::5".parse().unwrap();
    let by_ip = s
        .feed(
            &FeedFilter {
                src_ip: Some(v6),
                ..FeedFilter::default()
            },
            &page(100, None),
        )
        .await;
    assert_eq!(by_ip.unwrap().items.len(), 9);
}

async fn rollups_answer_top_and_series(s: &Store) {
    let ab = "ab".repeat(32);
    let cases = [
        (Dim::SrcIp, "2001:db8::5", 9),
        (Dim::Country, "NL", 18),
        (Dim::Asn, "64500", 18),
        (Dim::Port, "22", 18),
        (Dim::Proto, "ssh", 18),
        (Dim::Honeypot, "ssh", 18),
        (Dim::Sensor, "s1", 18),
        (Dim::Username, "root", 3),
        (Dim::Password, "123456", 2),
        (Dim::Credential, r#"["root","123456"]"#, 2),
        (Dim::Command, "uname -a", 1),
        (Dim::Url, "http://x/a.sh", 1),
        (Dim::Hash, ab.as_str(), 1),
    ];
    for (dim, key, n) in cases {
        let t = s.top(dim, day(), 1).await.unwrap();
        assert_eq!(
            t,
            [TopEntry {
                key: key.to_owned(),
                count: n
            }],
            "{dim:?}"
        );
    }
    let later = TimeRange {
        from: t0() + Duration::hours(1),
        to: t0() + Duration::hours(2),
    };
    assert!(s.top(Dim::SrcIp, later, 5).await.unwrap().is_empty());
    let ts = s.timeseries(day(), Bucket::Minute).await.unwrap();
    assert_eq!(ts.iter().map(|p| p.count).sum::<u64>(), 18);
    assert_eq!(ts[0].t, t0());
    let th = s.timeseries(day(), Bucket::Hour).await.unwrap();
    assert_eq!(
        th,
        [SeriesPoint {
            t: t0(),
            proto: "ssh".into(),
            count: 18
        }]
    );
    let sensors = s.sensors().await.unwrap();
    assert_eq!(
        (sensors[0].events, sensors[0].honeypots.clone()),
        (18, vec!["ssh".to_owned()])
    );
}

async fn attacker_and_ip_meta(s: &Store) {
    let at = s.attacker("203.0.113.7".parse().unwrap()).await.unwrap().unwrap();
    assert_eq!((at.events, at.sessions), (7, 2));
    assert_eq!(
        at.credentials[0],
        Counted {
            value: "root:123456".into(),
            count: 2
        }
    );
    assert_eq!(at.commands[0].value, "uname -a");
    assert_eq!(at.files[0].value, "ab".repeat(32));
    assert_eq!(at.geo.country.as_deref(), Some("NL"));
    let one = |v: &str, n: u64| {
        vec![Counted {
            value: v.into(),
            count: n,
        }]
    };
    assert_eq!(
        (at.sensors, at.ports, at.protocols),
        (one("s1", 7), one("22", 7), one("ssh", 7))
    );
    assert_eq!((at.first_seen, at.last_seen), (t0(), sec(t0(), 4)));
    assert_eq!(at.credentials.len(), 2, "root:123456 and root:admin");
    assert!(s.attacker("192.0.2.99".parse().unwrap()).await.unwrap().is_none());
    let v6: IpAddr = "2001:db8::5".parse().unwrap();
    let meta = s.ip_meta(Some(v6), &page(10, None)).await.unwrap();
    assert_eq!(
        (meta.items[0].ip, meta.items[0].os.as_deref()),
        (Some(v6), Some("Linux 3.x"))
    );
    assert_eq!(
        s.attacker(v6)
            .await
            .unwrap()
            .unwrap()
            .fingerprint
            .unwrap()
            .os
            .as_deref(),
        Some("Linux 3.x")
    );
    assert_eq!(s.ip_meta(None, &page(10, None)).await.unwrap().items.len(), 1);
}

async fn files_by_every_hash(s: &Store, dir: &std::path::Path) -> String {
    let h = sha2_hex(b"#!/bin/sh\necho hi\n");
    let file = s.file(&h).await.unwrap().unwrap();
    assert!(file.stored);
    assert_eq!(file.size, Some(18));
    let by_md5 = s.file(file.md5.as_deref().unwrap()).await.unwrap().unwrap();
    assert_eq!(by_md5.sha256.as_deref(), Some(h.as_str()));
    assert!(s.file(file.sha1.as_deref().unwrap()).await.unwrap().is_some());
    assert!(s.blob_path(&h).unwrap().starts_with(dir));
    assert!(s.blob_path("../../etc/passwd").is_none());
    let dl = s.file(&"ab".repeat(32)).await.unwrap().unwrap();
    assert_eq!(
        (dl.urls, dl.count, dl.stored),
        (vec!["http://x/a.sh".to_owned()], 1, false)
    );
    assert_eq!(s.file(&"cd".repeat(16)).await.unwrap().unwrap().count, 1);
    let f1 = s.files(None, &page(2, None)).await.unwrap();
    let f2 = s.files(None, &page(2, f1.next.clone())).await.unwrap();
    assert_eq!((f1.items.len(), f2.items.len(), f2.next), (2, 1, None));
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(s.blob_path(&h).unwrap())
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o111, 0, "blob must not be executable");
    }
    h
}

async fn idents_and_api_keys(s: &Store) {
    let id = IdentRow {
        name: "s1".into(),
        owner: "o".into(),
        secret: "x".into(),
        publish: vec!["c".into()],
        subscribe: vec![],
    };
    s.put_ident(&id).await.unwrap();
    assert_eq!(s.get_ident("s1").await.unwrap(), Some(id.clone()));
    let changed = IdentRow {
        secret: "y".into(),
        ..id
    };
    s.put_ident(&changed).await.unwrap();
    assert_eq!(s.list_idents().await.unwrap(), [changed]);
    assert!(s.remove_ident("s1").await.unwrap());
    assert!(!s.remove_ident("s1").await.unwrap());
    assert!(s.get_ident("s1").await.unwrap().is_none());

    let key = s.create_api_key("ops", true).await.unwrap();
    assert!(key.starts_with("apiary_") && key.len() == 7 + 43);
    assert!(s.create_api_key("ops", false).await.is_err(), "names are unique");
    assert!(s.check_api_key(&key).await.unwrap().unwrap().read_only);
    assert!(s.check_api_key("apiary_nope").await.unwrap().is_none());
    assert_eq!(s.list_api_keys().await.unwrap().len(), 2, "probe and ops");
    assert!(s.remove_api_key("ops").await.unwrap());
    assert!(s.check_api_key(&key).await.unwrap().is_none());
}

/// Within one batch, mentions of the same file and fingerprints of the same address are merged as if written
/// one by one.
async fn one_batch_merges_files_and_fingerprints(s: &Store) {
    let at = t0() + Duration::days(50);
    let ip = "192.0.2.50";
    let dl = |url: &str| {
        Kind::FileDownload(FileInfo {
            url: Some(url.into()),
            sha256: Some("EF".repeat(32)),
            size: 10,
            ..FileInfo::default()
        })
    };
    let fp = |os: Option<&str>, app: Option<&str>| {
        Kind::Fingerprint(Fingerprint {
            tool: "p0f".into(),
            os: os.map(Into::into),
            app: app.map(Into::into),
            ..Fingerprint::default()
        })
    };
    let b = Batch {
        records: vec![
            ev("", ip, at, dl("http://x/1")),
            ev("", ip, sec(at, 1), dl("http://x/2")),
            ev("", ip, sec(at, 2), fp(Some("Linux"), None)),
            ev("", ip, sec(at, 3), fp(None, Some("curl"))),
        ],
        blobs: vec![],
    };
    s.insert(&b).await.unwrap();
    let f = s.file(&"ef".repeat(32)).await.unwrap().unwrap();
    assert_eq!(
        (f.count, f.size, f.first_seen, f.last_seen),
        (2, Some(10), at, sec(at, 1))
    );
    assert_eq!(f.urls, ["http://x/1", "http://x/2"]);
    let addr: IpAddr = ip.parse().unwrap();
    let m = s.ip_meta(Some(addr), &page(10, None)).await.unwrap().items.remove(0);
    assert_eq!((m.os.as_deref(), m.app.as_deref()), (Some("Linux"), Some("curl")));
    let a = s.attacker(addr).await.unwrap().unwrap();
    assert_eq!((a.events, a.sessions, a.files[0].count), (4, 0, 2));
}

async fn retention_deletes_old_keeps_new(s: &Store, blob: &str) {
    let mut newer = batch(t0() + Duration::days(100));
    for r in &mut newer.records {
        if !r.event.session.is_empty() {
            r.event.session = format!("new-{}", r.event.session);
        }
    }
    newer.blobs.clear();
    s.insert(&newer).await.unwrap();
    let r = Retention {
        raw_days: Some(30),
        sessions_days: Some(30),
        files_days: Some(30),
        rollups_days: Some(30),
    };
    let rep = s.enforce_retention(&r, t0() + Duration::days(101)).await.unwrap();
    assert_eq!((rep.raw, rep.sessions), (1, 3));
    assert!(rep.rollups > 0);
    assert!(s.blob_path(blob).is_none());
    assert!(s.file(blob).await.unwrap().is_none());
    assert!(s.session("s1/a").await.unwrap().is_none());
    // Attacker aggregates follow the rollups: the old days are gone, the new day stays.
    let at = s.attacker("203.0.113.7".parse().unwrap()).await.unwrap().unwrap();
    assert_eq!((at.events, at.sessions), (5, 1));
    assert_eq!(at.first_seen, t0() + Duration::days(100));
    assert_eq!(at.credentials.len(), 2);
    assert!(s.attacker("192.0.2.50".parse().unwrap()).await.unwrap().is_none());
    assert_eq!(s.totals(day()).await.unwrap(), Totals::default());
    assert_eq!(
        ids(s.sessions(&SessionFilter::default(), &page(10, None)).await.unwrap()),
        ["s1/new-b", "s1/new-a"]
    );
    assert_eq!(s.session("s1/new-a").await.unwrap().unwrap().timeline.len(), 5);
    assert!(
        s.file(&"ab".repeat(32)).await.unwrap().is_some(),
        "a file seen recently is kept"
    );
    assert_eq!(
        s.feed(&FeedFilter::default(), &page(100, None))
            .await
            .unwrap()
            .items
            .len(),
        16
    );
}

/// Events that differ in memory but land on one row (an IPv4 address and its IPv6-mapped form; credentials and
/// session ids that render alike) go in one batch: PostgreSQL refuses an upsert that touches a row twice, and the
/// collector would retry such a batch forever.
async fn rows_that_store_alike_go_in_one_batch(s: &Store) {
    let at = sec(t0(), 3 * 86_400);
    let keyless = Kind::Auth {
        username: "root".into(),
        password: None,
        key_fingerprint: Some("SHA256:x".into()),
        method: AuthMethod::Publickey,
        success: false,
    };
    let mut split = ev("y", "198.51.100.77", sec(at, 1), auth("root", "", false));
    split.event.sensor = "s1/x".into();
    let records = vec![
        ev("x/y", "::ffff:198.51.100.77", at, keyless),
        split,
        ev("z", "198.51.100.77", sec(at, 2), auth("a:b", "c", false)),
        ev("z", "198.51.100.77", sec(at, 3), auth("a", "b:c", false)),
    ];
    let rep = s.insert(&Batch { records, blobs: vec![] }).await.unwrap();
    assert_eq!(rep.inserted, 4);
    let a = s.attacker("198.51.100.77".parse().unwrap()).await.unwrap().unwrap();
    assert_eq!(a.events, 4);
    let cred = |v: &str| a.credentials.iter().find(|c| c.value == v).map(|c| c.count);
    assert_eq!(cred("root:"), Some(2), "{:?}", a.credentials);
    assert_eq!(cred("a:b:c"), Some(2), "{:?}", a.credentials);
    let d = s.session("s1/x/y").await.unwrap().expect("the merged session");
    assert_eq!(d.session.auth_attempts, 2);
}

async fn suite(s: Store, dir: &std::path::Path) {
    inserts_are_idempotent(&s).await;
    sessions_filters_and_paging(&s).await;
    timeline_and_feed_show_every_kind(&s).await;
    rollups_answer_top_and_series(&s).await;
    attacker_and_ip_meta(&s).await;
    let blob = files_by_every_hash(&s, dir).await;
    idents_and_api_keys(&s).await;
    one_batch_merges_files_and_fingerprints(&s).await;
    retention_deletes_old_keeps_new(&s, &blob).await;
    rows_that_store_alike_go_in_one_batch(&s).await;
}

/// Rows of `session_users` and `session_values` whose session is gone, and rows whose session is kept (retention
/// deletes a session's usernames and values with it).
async fn value_rows(url: &str) -> (i64, i64) {
    sqlx::any::install_default_drivers();
    let db = sqlx::AnyPool::connect(url).await.unwrap();
    let mut out = (0, 0);
    for t in ["session_users", "session_values"] {
        let sql = format!(
            "SELECT CAST(COALESCE(SUM(CASE WHEN s.id IS NULL THEN 1 ELSE 0 END), 0) AS BIGINT), \
             CAST(COALESCE(SUM(CASE WHEN s.id IS NULL THEN 0 ELSE 1 END), 0) AS BIGINT) \
             FROM {t} v LEFT JOIN sessions s ON s.id = v.session_id"
        );
        let (gone, kept): (i64, i64) = sqlx::query_as(sqlx::AssertSqlSafe(sql)).fetch_one(&db).await.unwrap();
        out = (out.0 + gone, out.1 + kept);
    }
    db.close().await;
    out
}

fn sha2_hex(b: &[u8]) -> String {
    use sha2::Digest;
    hex::encode(sha2::Sha256::digest(b))
}

#[tokio::test]
async fn sqlite_conformance() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("sub").join("a.db");
    let s = Store::open(&format!("sqlite://{}", db.display()), dir.path())
        .await
        .unwrap();
    assert_eq!(s.backend(), "sqlite");
    let key = s.create_api_key("probe", false).await.unwrap();
    suite(s.clone(), dir.path()).await;
    drop(s);
    let (gone, kept) = value_rows(&format!("sqlite://{}", db.display())).await;
    assert_eq!(gone, 0, "usernames and values of sessions that retention deleted");
    assert!(kept > 0);
    let raw = std::fs::read(&db).unwrap();
    let wal = std::fs::read(dir.path().join("sub").join("a.db-wal")).unwrap_or_default();
    let has = |hay: &[u8]| hay.windows(key.len()).any(|w| w == key.as_bytes());
    assert!(!has(&raw) && !has(&wal), "the plaintext API key must never be stored");
}

#[tokio::test]
async fn postgres_conformance() {
    let Some(scratch) = common::Scratch::new("apiary_test").await else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let s = Store::open(&scratch.url(), dir.path()).await.unwrap();
    assert_eq!(s.backend(), "postgres");
    let key = s.create_api_key("probe", false).await.unwrap();
    suite(s.clone(), dir.path()).await;
    drop(s);
    let (gone, kept) = value_rows(&scratch.url()).await;
    assert_eq!(gone, 0, "usernames and values of sessions that retention deleted");
    assert!(kept > 0);
    let db = sqlx::PgPool::connect(&scratch.url()).await.unwrap();
    let (n,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM api_keys WHERE hash = $1 OR name = $1")
        .bind(&key)
        .fetch_one(&db)
        .await
        .unwrap();
    assert_eq!(n, 0, "the plaintext API key must never be stored");
    db.close().await;
    scratch.drop_now().await;
}

//! Reverse DNS results in `ip_meta` (`Store::set_hostnames`) on both backends: beside p0f columns, newest check
//! wins, bad names refused.

mod common;

use std::net::IpAddr;

use chrono::{Duration, Utc};
use event::{Fingerprint, Kind};
use store::{Batch, HostnameResult, IpMeta, Page, Store, StoreError};

fn ip(s: &str) -> IpAddr {
    s.parse().unwrap()
}

async fn meta(s: &Store, addr: IpAddr) -> Option<IpMeta> {
    let page = Page { after: None, limit: 1 };
    s.ip_meta(Some(addr), &page).await.unwrap().items.pop()
}

fn result(addr: &str, hostname: Option<&str>, confirmed: bool, ago_s: i64) -> HostnameResult {
    HostnameResult {
        ip: ip(addr),
        hostname: hostname.map(str::to_owned),
        confirmed,
        checked: Utc::now() - Duration::seconds(ago_s),
    }
}

async fn suite(s: &Store) {
    // A p0f row first: the hostname joins it and its columns stay.
    let t = Utc::now() - Duration::hours(1);
    let fp = Kind::Fingerprint(Fingerprint {
        tool: "p0f".into(),
        os: Some("Linux 3.x".into()),
        ..Fingerprint::default()
    });
    let records = vec![common::record("", "2001:db8::5", t, fp.clone())];
    s.insert(&Batch { records, blobs: vec![] }).await.unwrap();
    s.set_hostnames(&[]).await.unwrap();
    s.set_hostnames(&[
        result("2001:db8::5", Some("scanner6.example.net"), true, 10),
        result("198.51.100.8", None, false, 10),
        result("198.51.100.11", Some("mismatch.example.net"), false, 10),
    ])
    .await
    .unwrap();
    let v6 = meta(s, ip("2001:db8::5")).await.unwrap();
    assert_eq!(v6.os.as_deref(), Some("Linux 3.x"));
    assert_eq!(
        (v6.hostname.as_deref(), v6.hostname_confirmed),
        (Some("scanner6.example.net"), true)
    );
    assert!(v6.updated.unwrap() > t, "a later check moves `updated` forward");
    let none = meta(s, ip("198.51.100.8")).await.expect("a negative answer has a row");
    assert_eq!((none.hostname, none.hostname_confirmed, none.os), (None, false, None));
    let mm = meta(s, ip("198.51.100.11")).await.unwrap();
    assert_eq!(
        (mm.hostname.as_deref(), mm.hostname_confirmed),
        (Some("mismatch.example.net"), false)
    );

    // An older check does not overwrite a newer one; a newer one does (a name can go away).
    s.set_hostnames(&[result("2001:db8::5", Some("old.example.net"), false, 3600)])
        .await
        .unwrap();
    assert_eq!(
        meta(s, ip("2001:db8::5")).await.unwrap().hostname.as_deref(),
        Some("scanner6.example.net")
    );
    s.set_hostnames(&[result("198.51.100.11", None, false, 0)])
        .await
        .unwrap();
    assert_eq!(meta(s, ip("198.51.100.11")).await.unwrap().hostname, None);

    // Later p0f facts keep the hostname.
    let records = vec![common::record("", "2001:db8::5", Utc::now(), fp)];
    s.insert(&Batch { records, blobs: vec![] }).await.unwrap();
    let v6 = meta(s, ip("2001:db8::5")).await.unwrap();
    assert_eq!(
        (v6.hostname.as_deref(), v6.os.as_deref()),
        (Some("scanner6.example.net"), Some("Linux 3.x"))
    );

    // The attacker detail carries it.
    let a = s.attacker(ip("2001:db8::5")).await.unwrap().unwrap();
    assert_eq!(a.fingerprint.unwrap().hostname.as_deref(), Some("scanner6.example.net"));

    // Names the collector should never have passed on are refused, and nothing of the batch is written.
    let long = "a".repeat(254);
    for bad in [long.as_str(), "evil\n.example.net"] {
        let err = s
            .set_hostnames(&[
                result("192.0.2.1", Some("fine.example.net"), true, 0),
                result("192.0.2.2", Some(bad), false, 0),
            ])
            .await
            .unwrap_err();
        assert!(
            matches!(err, StoreError::Invalid(ref m) if m.contains("192.0.2.2")),
            "{err}"
        );
    }
    assert_eq!(meta(s, ip("192.0.2.1")).await, None);
}

#[tokio::test]
async fn hostnames_on_sqlite() {
    let (s, _dir) = common::sqlite_store().await;
    suite(&s).await;
}

#[tokio::test]
async fn hostnames_on_postgres() {
    let Some((s, _dir, scratch)) = common::postgres_store("apiary_hostnames").await else {
        return;
    };
    suite(&s).await;
    drop(s);
    scratch.drop_now().await;
}

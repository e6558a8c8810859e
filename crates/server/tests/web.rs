//! The dashboard's server side over real sockets on 127.0.0.1: logins (cookie flags, throttling), CSRF, roles for
//! users and keys, settings, security headers on pages and assets, the live stream (delivery, slow readers cut
//! off, the anonymized public view), the map, and HTTPS with a self-signed certificate.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::Utc;
use event::{AuthMethod, Event, Kind};
use reqwest::StatusCode;
use rustls::pki_types::pem::PemObject;
use serde_json::{json, Value};
use server::{LiveHub, WebOptions};
use store::{Geo, Record, Role, Store};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

const ADMIN_PW: &str = "admin password 1";
const READER_PW: &str = "reader password 1";
const CSP: &str = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; \
font-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

struct Web {
    base: String,
    addr: SocketAddr,
    http: reqwest::Client,
    hub: Arc<LiveHub>,
    store: Store,
    _dir: tempfile::TempDir,
}

async fn start_with(opts: WebOptions, tls: Option<Arc<rustls::ServerConfig>>) -> Web {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("apiary.db").display());
    let st = Store::open(&url, dir.path()).await.unwrap();
    st.create_user("alice", ADMIN_PW, Role::Admin).await.unwrap();
    st.create_user("rita", READER_PW, Role::ReadOnly).await.unwrap();
    let hub = LiveHub::new();
    let app = server::router(server::ApiState::with_web(st.clone(), opts, hub.clone()));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(server::web::serve(listener, app, tls, std::future::pending()));
    Web {
        base: format!("http://{addr}"),
        addr,
        http: reqwest::Client::new(),
        hub,
        store: st,
        _dir: dir,
    }
}

async fn start() -> Web {
    start_with(WebOptions::default(), None).await
}

/// A logged-in browser: its cookie and CSRF token.
struct Browser {
    cookie: String,
    csrf: String,
}

impl Web {
    async fn login_raw(&self, user: &str, pw: &str) -> reqwest::Response {
        self.http
            .post(format!("{}/api/v1/login", self.base))
            .json(&json!({ "username": user, "password": pw }))
            .send()
            .await
            .unwrap()
    }

    async fn login(&self, user: &str, pw: &str) -> Browser {
        let r = self.login_raw(user, pw).await;
        assert_eq!(r.status(), StatusCode::OK);
        let set = r.headers()["set-cookie"].to_str().unwrap().to_owned();
        let cookie = set.split(';').next().unwrap().to_owned();
        let body: Value = r.json().await.unwrap();
        Browser {
            cookie,
            csrf: body["csrf"].as_str().unwrap().to_owned(),
        }
    }

    /// A request with the browser's cookie, and its CSRF token when `csrf` is true.
    fn req(&self, m: reqwest::Method, path: &str, b: &Browser, csrf: bool) -> reqwest::RequestBuilder {
        let r = self
            .http
            .request(m, format!("{}{path}", self.base))
            .header("cookie", &b.cookie);
        if csrf {
            r.header("x-csrf-token", &b.csrf)
        } else {
            r
        }
    }
}

fn record(ip: &str, user: &str, pass: &str) -> Record {
    Record {
        event: Event {
            id: event::id::new_id(),
            ts: Utc::now(),
            sensor: "s1".into(),
            honeypot: "apiary-ssh".into(),
            session: "abc".into(),
            proto: "ssh".into(),
            src_ip: ip.parse().unwrap(),
            src_port: 40000,
            dst_ip: None,
            dst_port: 22,
            kind: Kind::Auth {
                username: user.into(),
                password: Some(pass.into()),
                key_fingerprint: None,
                method: AuthMethod::Password,
                success: false,
            },
        },
        received: Utc::now(),
        channel: "apiary.events".into(),
        ident: "s1-ident".into(),
        geo: Geo {
            country: Some("NL".into()),
            lat: Some(52.0),
            lon: Some(4.0),
            ..Geo::default()
        },
    }
}

/// Reads an SSE response until `pred` holds for the text so far (or 10 s pass); returns the text.
async fn read_until(mut r: reqwest::Response, pred: impl Fn(&str) -> bool) -> String {
    let mut text = String::new();
    let deadline = Instant::now() + Duration::from_secs(10);
    while Instant::now() < deadline && !pred(&text) {
        match tokio::time::timeout(Duration::from_secs(2), r.chunk()).await {
            Ok(Ok(Some(c))) => text.push_str(&String::from_utf8_lossy(&c)),
            Ok(_) => break,
            Err(_) => continue,
        }
    }
    text
}

#[tokio::test]
async fn login_sets_a_strict_cookie_and_me_answers() {
    let w = start().await;
    let r = w.login_raw("alice", "wrong password").await;
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    assert!(r.headers().get("set-cookie").is_none());
    let r = w.login_raw("nobody", ADMIN_PW).await;
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);

    let r = w.login_raw("alice", ADMIN_PW).await;
    assert_eq!(r.status(), StatusCode::OK);
    let set = r.headers()["set-cookie"].to_str().unwrap().to_owned();
    assert!(set.starts_with("apiary_session="), "{set}");
    for flag in ["HttpOnly", "SameSite=Strict", "Path=/"] {
        assert!(set.contains(flag), "{flag} missing in {set}");
    }
    assert!(!set.contains("Secure"), "no Secure flag over plain HTTP: {set}");
    let token = set.split(';').next().unwrap().trim_start_matches("apiary_session=");
    assert_eq!(token.len(), 43, "256 random bits, base64url");
    let body: Value = r.json().await.unwrap();
    assert_eq!(body["username"], "alice");
    assert_eq!(body["role"], "admin");
    let b = Browser {
        cookie: format!("apiary_session={token}"),
        csrf: body["csrf"].as_str().unwrap().to_owned(),
    };

    let me: Value = w
        .req(reqwest::Method::GET, "/api/v1/me", &b, false)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(me, json!({ "username": "alice", "role": "admin", "csrf": b.csrf }));
    // The cookie opens every API read.
    let r = w
        .req(reqwest::Method::GET, "/api/v1/sessions", &b, false)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let r = w.http.get(format!("{}/api/v1/me", w.base)).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    // The cookie is not accepted on MHN paths (keys only there).
    let r = w
        .req(reqwest::Method::GET, "/api/session/", &b, false)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);

    // Logout needs the CSRF token, then the cookie stops working.
    let r = w
        .req(reqwest::Method::POST, "/api/v1/logout", &b, false)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    let r = w
        .req(reqwest::Method::POST, "/api/v1/logout", &b, true)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::NO_CONTENT);
    assert!(r.headers()["set-cookie"].to_str().unwrap().contains("Max-Age=0"));
    let r = w
        .req(reqwest::Method::GET, "/api/v1/me", &b, false)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    // A malformed body is a 400 with a JSON error, not a panic.
    let r = w
        .http
        .post(format!("{}/api/v1/login", w.base))
        .header("content-type", "application/json")
        .body("{\"username\": 1}")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn failed_logins_are_throttled_per_user_and_per_ip() {
    let w = start().await;
    // The server listens on 127.0.0.1; every 127/8 address is this machine, so a client bound to 127.0.0.2 is
    // "another address".
    let elsewhere = reqwest::Client::builder()
        .local_address(std::net::IpAddr::from([127, 0, 0, 2]))
        .build()
        .unwrap();
    let login_from = |c: &reqwest::Client, user: &str, pw: &str| {
        c.post(format!("{}/api/v1/login", w.base))
            .json(&json!({ "username": user, "password": pw }))
            .send()
    };
    for _ in 0..5 {
        assert_eq!(
            w.login_raw("rita", "guess guess").await.status(),
            StatusCode::UNAUTHORIZED
        );
    }
    // Now even the right password is refused from that address, before it is checked.
    let r = w.login_raw("rita", READER_PW).await;
    assert_eq!(r.status(), StatusCode::TOO_MANY_REQUESTS);
    let body: Value = r.json().await.unwrap();
    assert!(body["error"].as_str().unwrap().contains("wait"));
    // The name's owner, from another address, still logs in: failures from elsewhere cannot lock them out.
    let r = login_from(&elsewhere, "rita", READER_PW).await.unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(
        w.login_raw("rita", READER_PW).await.status(),
        StatusCode::TOO_MANY_REQUESTS,
        "the guessing address stays refused"
    );
    // Another user from the same address still logs in (the address is under its limit).
    assert_eq!(w.login_raw("alice", ADMIN_PW).await.status(), StatusCode::OK);
    // Spraying names from one address hits the address limit (20 failures).
    for i in 0..15 {
        let s = w.login_raw(&format!("spray{i}"), "guess guess").await.status();
        assert_eq!(s, StatusCode::UNAUTHORIZED, "attempt {i}");
    }
    assert_eq!(
        w.login_raw("alice", ADMIN_PW).await.status(),
        StatusCode::TOO_MANY_REQUESTS
    );
    // The other address is untouched by that address's spray.
    let r = login_from(&elsewhere, "alice", ADMIN_PW).await.unwrap();
    assert_eq!(r.status(), StatusCode::OK);
}

#[tokio::test]
async fn oversized_logins_are_refused_before_the_throttle_and_concurrent_guesses_stay_bounded() {
    let w = start().await;
    // A huge name is a 400 (never a throttle entry), a huge body is refused unread.
    let long = "n".repeat(65);
    assert_eq!(
        w.login_raw(&long, "guess guess").await.status(),
        StatusCode::BAD_REQUEST
    );
    let r = w
        .http
        .post(format!("{}/api/v1/login", w.base))
        .header("content-type", "application/json")
        .body(format!(
            "{{\"username\":\"rita\",\"password\":\"guess guess\"{}}}",
            " ".repeat(64 * 1024)
        ))
        .send()
        .await
        .unwrap();
    // Valid JSON padded with blanks: read whole, it would be a wrong password (401).
    assert!(
        matches!(r.status(), StatusCode::BAD_REQUEST | StatusCode::PAYLOAD_TOO_LARGE),
        "{}",
        r.status()
    );
    // 30 wrong guesses for one name at once: the limit is 5 per name, and at most one check per hashing slot
    // may run past it, so no more than 5 + 4 are answered 401; the rest are 429.
    let guesses = (0..30).map(|_| w.login_raw("rita", "guess guess"));
    let answers = futures_util::future::join_all(guesses).await;
    let checked = answers
        .iter()
        .filter(|r| r.status() == StatusCode::UNAUTHORIZED)
        .count();
    assert!(checked <= 9, "{checked} guesses were checked");
    assert!(answers
        .iter()
        .all(|r| matches!(r.status(), StatusCode::UNAUTHORIZED | StatusCode::TOO_MANY_REQUESTS)));
}

#[tokio::test]
async fn writes_need_csrf_and_an_admin() {
    let w = start().await;
    let admin = w.login("alice", ADMIN_PW).await;
    let reader = w.login("rita", READER_PW).await;
    let new_user = json!({ "username": "carol", "password": "carol password", "role": "read-only" });
    let post = |b: &Browser, csrf: bool| w.req(reqwest::Method::POST, "/api/v1/users", b, csrf).json(&new_user);
    // No token, a wrong token: 403, nothing created.
    assert_eq!(
        post(&admin, false).send().await.unwrap().status(),
        StatusCode::FORBIDDEN
    );
    let r = w
        .req(reqwest::Method::POST, "/api/v1/users", &admin, false)
        .header("x-csrf-token", "wrong")
        .json(&new_user)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    // Another session's token does not do either.
    let r = w
        .req(reqwest::Method::POST, "/api/v1/users", &admin, false)
        .header("x-csrf-token", &reader.csrf)
        .json(&new_user)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    assert_eq!(w.store.list_users().await.unwrap().len(), 2);
    // The right one does.
    let r = post(&admin, true).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::CREATED);
    assert_eq!(w.store.list_users().await.unwrap().len(), 3);
    let users: Value = w
        .req(reqwest::Method::GET, "/api/v1/users", &admin, false)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(users.as_array().unwrap().len(), 3);
    assert!(!users.to_string().contains("argon2"), "hashes never leave the store");

    // A read-only user: reads work; every write, the admin lists and sample downloads are 403.
    let get = |p: &str| w.req(reqwest::Method::GET, p, &reader, false).send();
    assert_eq!(get("/api/v1/sessions").await.unwrap().status(), StatusCode::OK);
    assert_eq!(
        get("/api/v1/settings/retention").await.unwrap().status(),
        StatusCode::OK
    );
    assert_eq!(get("/api/v1/users").await.unwrap().status(), StatusCode::FORBIDDEN);
    assert_eq!(get("/api/v1/apikeys").await.unwrap().status(), StatusCode::FORBIDDEN);
    let dl = format!("/api/v1/files/{}/download", "ab".repeat(32));
    assert_eq!(get(&dl).await.unwrap().status(), StatusCode::FORBIDDEN);
    let r = w
        .req(reqwest::Method::POST, "/api/v1/users", &reader, true)
        .json(&json!({ "username": "eve", "password": "eve password", "role": "admin" }))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    let r = w
        .req(reqwest::Method::PUT, "/api/v1/settings/retention", &reader, true)
        .json(&json!({ "raw_days": 1, "sessions_days": 1, "files_days": 1, "rollups_days": 1 }))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    let r = w
        .req(reqwest::Method::DELETE, "/api/v1/users/alice", &reader, true)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    // Logging out is the one write a reader may do.
    let r = w
        .req(reqwest::Method::POST, "/api/v1/logout", &reader, true)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::NO_CONTENT);

    // API keys: made by the admin (shown once), read-only keys refused writes, keys need no CSRF.
    let r = w
        .req(reqwest::Method::POST, "/api/v1/apikeys", &admin, true)
        .json(&json!({ "name": "script", "read_only": true }))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::CREATED);
    let ro_key = r.json::<Value>().await.unwrap()["key"].as_str().unwrap().to_owned();
    let admin_key = w.store.create_api_key("ops", false).await.unwrap();
    let key_post = |key: &str, name: &str| {
        w.http
            .post(format!("{}/api/v1/apikeys", w.base))
            .bearer_auth(key)
            .json(&json!({ "name": name }))
            .send()
    };
    assert_eq!(key_post(&ro_key, "x").await.unwrap().status(), StatusCode::FORBIDDEN);
    assert_eq!(key_post(&admin_key, "y").await.unwrap().status(), StatusCode::CREATED);
    let keys: Value = w
        .http
        .get(format!("{}/api/v1/apikeys", w.base))
        .bearer_auth(&admin_key)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(keys.as_array().unwrap().len(), 3);
    assert!(!keys.to_string().contains(&ro_key));
    // A removed key stops working at once (no stale cache).
    let me = |k: String| w.http.get(format!("{}/api/v1/me", w.base)).bearer_auth(k).send();
    assert_eq!(me(ro_key.clone()).await.unwrap().status(), StatusCode::OK);
    let r = w
        .req(reqwest::Method::DELETE, "/api/v1/apikeys/script", &admin, true)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::NO_CONTENT);
    assert_eq!(me(ro_key).await.unwrap().status(), StatusCode::UNAUTHORIZED);

    // Retention: the admin's setting is stored where the server's retention loop reads it.
    let days = json!({ "raw_days": 7, "sessions_days": 0, "files_days": 30, "rollups_days": 400 });
    let r = w
        .req(reqwest::Method::PUT, "/api/v1/settings/retention", &admin, true)
        .json(&days)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let got: Value = w
        .req(reqwest::Method::GET, "/api/v1/settings/retention", &admin, false)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(got, days);
    let stored = w.store.retention_setting().await.unwrap().unwrap();
    assert_eq!((stored.raw_days, stored.sessions_days), (Some(7), None));
    let r = w
        .req(reqwest::Method::PUT, "/api/v1/settings/retention", &admin, true)
        .json(&json!({ "raw_days": 99999, "sessions_days": 0, "files_days": 0, "rollups_days": 0 }))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);

    // The last admin cannot be removed; a read-only user can.
    let del = |n: &str| {
        w.req(reqwest::Method::DELETE, &format!("/api/v1/users/{n}"), &admin, true)
            .send()
    };
    assert_eq!(del("alice").await.unwrap().status(), StatusCode::BAD_REQUEST);
    assert_eq!(del("carol").await.unwrap().status(), StatusCode::NO_CONTENT);
    assert_eq!(del("carol").await.unwrap().status(), StatusCode::NOT_FOUND);
}

#[test]
fn query_strings_are_built_in_one_place() {
    // `dom.js`'s `pathWith` builds every query string, for links and for API calls (`api.js`'s `get` uses it).
    let app = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("web/app");
    let mut builders = Vec::new();
    let mut stack = vec![app.clone()];
    while let Some(dir) = stack.pop() {
        for e in std::fs::read_dir(&dir).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                stack.push(p);
            } else if p.extension().is_some_and(|x| x == "js")
                && std::fs::read_to_string(&p).unwrap().contains("searchParams.set(")
            {
                builders.push(p.strip_prefix(&app).unwrap().display().to_string());
            }
        }
    }
    assert_eq!(builders, ["dom.js"]);
    let api = std::fs::read_to_string(app.join("api.js")).unwrap();
    assert!(
        api.contains("pathWith(path, query)"),
        "api.js get() builds its query through pathWith"
    );
}

#[tokio::test]
async fn pages_and_assets_carry_the_policy_and_types() {
    let w = start().await;
    let check = |h: &reqwest::header::HeaderMap| {
        assert_eq!(h["content-security-policy"], CSP);
        assert_eq!(h["x-content-type-options"], "nosniff");
        assert_eq!(h.get_all("x-content-type-options").iter().count(), 1);
        assert_eq!(h["referrer-policy"], "no-referrer");
        assert_eq!(h["x-frame-options"], "DENY");
    };
    // The page for `/` and every client-side route.
    for p in [
        "/",
        "/overview",
        "/map",
        "/sessions/s1%2Fabc",
        "/attackers/203.0.113.7",
        "/settings",
        "/login",
        "/public/map",
    ] {
        let r = w.http.get(format!("{}{p}", w.base)).send().await.unwrap();
        assert_eq!(r.status(), StatusCode::OK, "{p}");
        check(r.headers());
        assert_eq!(r.headers()["content-type"], "text/html; charset=utf-8", "{p}");
        let body = r.text().await.unwrap();
        assert!(body.to_lowercase().contains("<!doctype html"), "{p}");
    }
    // Every file of web/ under /assets/, with its type; JS and CSS are what the page loads.
    let web = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("web");
    let mut seen = 0;
    for (dir, ext, ct) in [
        ("app", "js", "text/javascript; charset=utf-8"),
        ("app", "css", "text/css; charset=utf-8"),
    ] {
        for e in std::fs::read_dir(web.join(dir)).unwrap() {
            let name = e.unwrap().file_name().to_string_lossy().to_string();
            if !name.ends_with(&format!(".{ext}")) {
                continue;
            }
            let r = w
                .http
                .get(format!("{}/assets/{dir}/{name}", w.base))
                .send()
                .await
                .unwrap();
            assert_eq!(r.status(), StatusCode::OK, "{name}");
            check(r.headers());
            assert_eq!(r.headers()["content-type"], ct, "{name}");
            assert!(r.headers().contains_key("etag"));
            seen += 1;
        }
    }
    assert!(seen >= 1, "web/app holds no .js or .css file");
    // ETag revalidation and gzip.
    let r = w
        .http
        .get(format!("{}/assets/index.html", w.base))
        .send()
        .await
        .unwrap();
    let etag = r.headers()["etag"].to_str().unwrap().to_owned();
    let full = r.bytes().await.unwrap();
    let r = w
        .http
        .get(format!("{}/assets/index.html", w.base))
        .header("if-none-match", &etag)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::NOT_MODIFIED);
    let big = std::fs::read_dir(web.join("app"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "js"))
        .max_by_key(|p| std::fs::metadata(p).unwrap().len())
        .unwrap();
    let name = big.file_name().unwrap().to_string_lossy().to_string();
    let plain = std::fs::read(&big).unwrap();
    let r = w
        .http
        .get(format!("{}/assets/app/{name}", w.base))
        .header("accept-encoding", "gzip")
        .send()
        .await
        .unwrap();
    if plain.len() >= 1024 {
        assert_eq!(r.headers()["content-encoding"], "gzip");
        let z = r.bytes().await.unwrap();
        let mut out = Vec::new();
        std::io::Read::read_to_end(&mut flate2::read::GzDecoder::new(&z[..]), &mut out).unwrap();
        assert_eq!(out, plain);
    }
    assert!(!full.is_empty());
    // Missing assets, traversal and unknown API paths are JSON 404s; files with extensions are not the page.
    for p in [
        "/assets/nope.js",
        "/assets/app%2F..%2F..%2FCargo.toml",
        "/assets/..%2FCargo.toml",
        "/assets/app//main.js",
        "/api/v1/nope",
        "/favicon.ico",
    ] {
        let r = w.http.get(format!("{}{p}", w.base)).send().await.unwrap();
        assert_eq!(r.status(), StatusCode::NOT_FOUND, "{p}");
        check(r.headers());
    }
}

#[tokio::test]
async fn live_stream_delivers_stored_events_and_counters() {
    let w = start().await;
    let b = w.login("rita", READER_PW).await;
    let r = w
        .req(reqwest::Method::GET, "/api/v1/live", &b, false)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(r.headers()["content-type"], "text/event-stream");
    let deadline = Instant::now() + Duration::from_secs(5);
    while w.hub.subscribers() == 0 && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    w.hub.publish(&[record("203.0.113.7", "root", "hunter2")]);
    // Counters go out every second; the first one (sent before the event) says 0, a later one 1.
    let text = read_until(r, |t| t.contains("hunter2") && t.contains("\"minute\":1")).await;
    let line = text
        .lines()
        .find(|l| l.starts_with("data: [") && l.contains("hunter2"))
        .unwrap_or_else(|| panic!("no events message in {text}"));
    let events: Value = serde_json::from_str(line.trim_start_matches("data: ")).unwrap();
    let e = &events[0];
    assert_eq!(e["src_ip"], "203.0.113.7");
    assert_eq!(e["username"], "root");
    assert_eq!(e["kind"], "auth");
    assert_eq!(e["sensor"], "s1");
    assert_eq!(e["country"], "NL");
    assert!(e.get("input").is_none(), "absent fields are omitted");
    assert!(text.contains("\"minute\":1"), "{text}");
    // Without a login there is no stream.
    let r = w.http.get(format!("{}/api/v1/live", w.base)).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn public_live_is_off_by_default_and_anonymized_when_on() {
    let w = start().await;
    let r = w.http.get(format!("{}/api/public/live", w.base)).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::NOT_FOUND);

    let opts = WebOptions {
        public_map: true,
        ..WebOptions::default()
    };
    let w = start_with(opts, None).await;
    let r = w.http.get(format!("{}/api/public/live", w.base)).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let deadline = Instant::now() + Duration::from_secs(5);
    while w.hub.subscribers() == 0 && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    w.hub.publish(&[
        record("203.0.113.7", "root", "hunter2"),
        record("2001:db8:aa:bb::5", "<script>alert(1)</script>", "pw"),
    ]);
    let text = read_until(r, |t| t.contains("2001:db8:x")).await;
    assert!(text.contains("\"src_ip\":\"203.0.x.x\""), "{text}");
    assert!(text.contains("\"src_ip\":\"2001:db8:x:x:x:x:x:x\""), "{text}");
    for secret in ["203.0.113.7", "hunter2", "root", "script", "\"sensor\"", "aa:bb"] {
        assert!(!text.contains(secret), "{secret} leaked: {text}");
    }
    assert!(text.contains("\"country\":\"NL\""));
}

#[tokio::test]
async fn a_slow_live_reader_is_cut_off() {
    let w = start().await;
    let key = w.store.create_api_key("slow", true).await.unwrap();
    // A client with a tiny receive window that never reads after the headers.
    let sock = tokio::net::TcpSocket::new_v4().unwrap();
    sock.set_recv_buffer_size(4096).unwrap();
    let mut s = sock.connect(w.addr).await.unwrap();
    let req = format!("GET /api/v1/live HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {key}\r\n\r\n");
    s.write_all(req.as_bytes()).await.unwrap();
    let mut head = [0u8; 256];
    let n = s.read(&mut head).await.unwrap();
    assert!(String::from_utf8_lossy(&head[..n]).starts_with("HTTP/1.1 200"));
    let deadline = Instant::now() + Duration::from_secs(5);
    while w.hub.subscribers() == 0 && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert_eq!(w.hub.subscribers(), 1);
    // Flood: every batch is large; frames pile up until the server gives up on this reader.
    let long = "p".repeat(250);
    let batch: Vec<Record> = (0..1000).map(|_| record("203.0.113.7", &long, &long)).collect();
    let start = Instant::now();
    while w.hub.subscribers() > 0 && start.elapsed() < Duration::from_secs(60) {
        w.hub.publish(&batch);
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    assert_eq!(w.hub.subscribers(), 0, "the slow reader was never cut off");
    eprintln!("slow reader cut after {:?}", start.elapsed());
    // Draining what is buffered ends in a closed connection, not an endless stream.
    let mut buf = vec![0u8; 1 << 16];
    let mut total = 0usize;
    let drained = tokio::time::timeout(Duration::from_secs(20), async {
        loop {
            match s.read(&mut buf).await {
                Ok(0) | Err(_) => break,
                Ok(n) => total += n,
            }
        }
    })
    .await;
    assert!(drained.is_ok(), "the connection stayed open after {total} bytes");
    // A well-behaved reader still gets events afterwards.
    let b = w.login("alice", ADMIN_PW).await;
    let r = w
        .req(reqwest::Method::GET, "/api/v1/live", &b, false)
        .send()
        .await
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(5);
    while w.hub.subscribers() == 0 && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    w.hub.publish(&[record("198.51.100.1", "after", "x")]);
    assert!(read_until(r, |t| t.contains("\"after\"")).await.contains("\"after\""));
}

#[tokio::test]
async fn map_answers_the_configured_location() {
    let w = start().await;
    let key = w.store.create_api_key("k", true).await.unwrap();
    let get = |w: &Web, key: &str| {
        w.http
            .get(format!("{}/api/v1/map", w.base))
            .bearer_auth(key.to_owned())
            .send()
    };
    let v: Value = get(&w, &key).await.unwrap().json().await.unwrap();
    assert_eq!(v, json!({ "sensors": [] }));
    let w = start_with(
        WebOptions {
            sensor_location: Some((52.37, 4.9)),
            ..WebOptions::default()
        },
        None,
    )
    .await;
    let key = w.store.create_api_key("k", true).await.unwrap();
    let v: Value = get(&w, &key).await.unwrap().json().await.unwrap();
    assert_eq!(v, json!({ "sensors": [{ "id": "default", "lat": 52.37, "lon": 4.9 }] }));
}

#[tokio::test]
async fn https_with_a_self_signed_certificate_sets_secure_cookies() {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let certs = tempfile::tempdir().unwrap();
    let src = server::web::TlsSource::SelfSigned {
        dir: certs.path().to_path_buf(),
    };
    let cfg = server::web::tls_config(&src).unwrap();
    // The pair is kept: a second start reuses it.
    let pem = std::fs::read(certs.path().join("web-cert.pem")).unwrap();
    server::web::tls_config(&src).unwrap();
    assert_eq!(std::fs::read(certs.path().join("web-cert.pem")).unwrap(), pem);
    let opts = WebOptions {
        secure_cookies: true,
        ..WebOptions::default()
    };
    let w = start_with(opts, Some(cfg)).await;

    let mut roots = rustls::RootCertStore::empty();
    for c in rustls::pki_types::CertificateDer::pem_slice_iter(&pem) {
        roots.add(c.unwrap()).unwrap();
    }
    let client = rustls::ClientConfig::builder()
        .with_root_certificates(roots)
        .with_no_client_auth();
    let conn = tokio_rustls::TlsConnector::from(Arc::new(client));
    let tcp = tokio::net::TcpStream::connect(w.addr).await.unwrap();
    let name = rustls::pki_types::ServerName::try_from("localhost").unwrap();
    let mut tls = conn.connect(name, tcp).await.unwrap();
    let body = format!("{{\"username\":\"alice\",\"password\":\"{ADMIN_PW}\"}}");
    let req = format!(
        "POST /api/v1/login HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    tls.write_all(req.as_bytes()).await.unwrap();
    let mut out = Vec::new();
    let _ = tokio::time::timeout(Duration::from_secs(10), tls.read_to_end(&mut out)).await;
    let text = String::from_utf8_lossy(&out);
    assert!(text.starts_with("HTTP/1.1 200"), "{text}");
    let cookie = text
        .lines()
        .find(|l| l.to_ascii_lowercase().starts_with("set-cookie:"))
        .unwrap();
    assert!(cookie.contains("; Secure"), "{cookie}");
    // Plain HTTP on the TLS port gets nowhere.
    let r = w.http.get(format!("{}/", w.base)).send().await;
    assert!(r.is_err());
}

#[tokio::test]
async fn live_streams_are_capped() {
    let w = start_with(
        WebOptions {
            public_map: true,
            ..WebOptions::default()
        },
        None,
    )
    .await;
    let mut open = Vec::new();
    for _ in 0..server::web::live::MAX_PUBLIC_STREAMS {
        let r = w.http.get(format!("{}/api/public/live", w.base)).send().await.unwrap();
        assert_eq!(r.status(), StatusCode::OK);
        open.push(r);
    }
    let r = w.http.get(format!("{}/api/public/live", w.base)).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::SERVICE_UNAVAILABLE);
    // Strangers filling the public places leave the signed-in users theirs.
    let admin = w.login("alice", ADMIN_PW).await;
    let r = w
        .req(reqwest::Method::GET, "/api/v1/live", &admin, false)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    drop(r);
    // Closing one frees its place.
    open.pop();
    let freed = async {
        loop {
            let r = w.http.get(format!("{}/api/public/live", w.base)).send().await.unwrap();
            if r.status() == StatusCode::OK {
                return;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    };
    assert!(tokio::time::timeout(Duration::from_secs(10), freed).await.is_ok());
}

//! `apiary server` end to end with a real foreign publisher: the reference Python hpfeeds 3.1.0 client publishes
//! every fixture payload (Cowrie, Dionaea, Conpot, Glastopf, p0f, Suricata, ...) into a running server, twice, and
//! the test reads every resulting event back through the REST API, for SQLite and for PostgreSQL.
//!
//! The expected events come from the collector's own normalizers run on the same bytes, so the test checks the
//! whole path (broker, in-process collector, store, API), redelivery (the second copy adds nothing) and that no
//! payload is dropped (each yields at least one event, a `raw` one if nothing else).
//! Needs the venv from `.ci/run` and, for the PostgreSQL half, a server on 127.0.0.1:5432 (CI has both): without
//! them the halves skip, unless `CI` is set, when they fail.

mod common;

use std::collections::BTreeSet;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use common::{free_port, wait_listening};

/// The ident the "foreign sensor" publishes as.
const IDENT: &str = "foreign";
const SECRET: &str = "foreign-secret";
/// The day the fixtures were recorded (2026-11-28), as an API window.
const WINDOW: &str = "from=2026-11-27T00:00:00Z&to=2026-11-30T00:00:00Z";

fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn fixtures_dir() -> PathBuf {
    workspace_root().join("crates/collector/tests/fixtures")
}

/// The venv's python, or `None` (skip) when it is missing outside CI.
fn python() -> Option<PathBuf> {
    let venv = std::env::var_os("APIARY_PYTHON_VENV")
        .map(PathBuf::from)
        .unwrap_or_else(|| workspace_root().join(".venv"));
    let py = venv.join("bin/python");
    let ok = Command::new(&py)
        .args(["-c", "import hpfeeds"])
        .output()
        .is_ok_and(|o| o.status.success());
    if ok {
        return Some(py);
    }
    assert!(
        std::env::var_os("CI").is_none(),
        "{} cannot import hpfeeds: run .ci/run (it creates the venv with hpfeeds==3.1.0)",
        py.display()
    );
    eprintln!("skipping: no Python hpfeeds venv; run .ci/run to create it");
    None
}

/// Every fixture as (channel, path), in a stable order.
fn fixtures() -> Vec<(String, PathBuf)> {
    let mut out = Vec::new();
    let mut channels: Vec<_> = std::fs::read_dir(fixtures_dir())
        .expect("fixtures folder")
        .map(|e| e.expect("entry").path())
        // One folder per hpfeeds channel; `cowrie/` holds Cowrie's own log files, not hpfeeds payloads.
        .filter(|p| p.is_dir() && p.file_name().is_some_and(|n| n != "cowrie"))
        .collect();
    channels.sort();
    for dir in channels {
        let channel = dir
            .file_name()
            .and_then(|n| n.to_str())
            .expect("channel name")
            .to_owned();
        let mut files: Vec<_> = std::fs::read_dir(&dir)
            .expect("channel folder")
            .map(|e| e.expect("entry").path())
            .filter(|p| p.is_file())
            .collect();
        files.sort();
        out.extend(files.into_iter().map(|f| (channel.clone(), f)));
    }
    assert!(out.len() >= 50, "expected the fixture set, found {}", out.len());
    out
}

/// The event ids the collector's normalizers make of the fixtures (ids are deterministic per payload).
fn expected_ids(items: &[(String, PathBuf)]) -> BTreeSet<String> {
    let mut ids = BTreeSet::new();
    for (channel, path) in items {
        let bytes = std::fs::read(path).expect("fixture");
        let n = collector::normalize::normalize(channel, IDENT, &bytes, event::Event::now());
        assert!(!n.events.is_empty(), "{} yields no event", path.display());
        ids.extend(n.events.iter().map(|e| e.id.to_string()));
    }
    ids
}

fn apiary(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_apiary"))
        .args(args)
        .output()
        .expect("run apiary")
}

/// A running `apiary server`, killed when dropped.
struct Server {
    child: Child,
    api: SocketAddr,
    broker: SocketAddr,
    metrics: SocketAddr,
    key: String,
    config: String,
    _dir: tempfile::TempDir,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn start_server(store_url: Option<&str>) -> Server {
    let dir = tempfile::tempdir().expect("tempdir");
    let broker: SocketAddr = format!("127.0.0.1:{}", free_port()).parse().expect("addr");
    let api: SocketAddr = format!("127.0.0.1:{}", free_port()).parse().expect("addr");
    let metrics: SocketAddr = format!("127.0.0.1:{}", free_port()).parse().expect("addr");
    // Reverse DNS asks only this loopback port, where nothing answers: lookups time out, nothing leaves the host.
    let dns: SocketAddr = format!("127.0.0.1:{}", free_port()).parse().expect("addr");
    let mut toml = format!(
        "data_dir = {:?}\n[broker]\nlisten = [\"{broker}\"]\n[api]\nlisten = \"{api}\"\n\
         [metrics]\nlisten = \"{metrics}\"\n\
         [enrich]\nreverse_dns = true\ndns_servers = [\"{dns}\"]\nreverse_dns_timeout_ms = 200\n",
        dir.path().join("data")
    );
    if let Some(url) = store_url {
        toml.push_str(&format!("[store]\nurl = \"{url}\"\n"));
    }
    let config = dir.path().join("server.toml");
    std::fs::write(&config, toml).expect("write config");
    let config = config.to_str().expect("utf-8").to_owned();
    let channels: Vec<String> = fixtures().into_iter().map(|(c, _)| c).collect();
    let out = apiary(&[
        "ident",
        "add",
        IDENT,
        "--secret",
        SECRET,
        "--publish",
        &channels.join(","),
        "--config",
        &config,
    ]);
    assert!(
        out.status.success(),
        "ident add: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let out = apiary(&["apikey", "create", "e2e", "--config", &config]);
    assert!(
        out.status.success(),
        "apikey create: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let key = String::from_utf8(out.stdout).expect("utf-8").trim().to_owned();
    assert!(
        !key.is_empty() && !key.contains('\n'),
        "the key alone on stdout: {key:?}"
    );
    let mut child = Command::new(env!("CARGO_BIN_EXE_apiary"))
        .args(["server", "--config", &config])
        .stdout(Stdio::null())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("start apiary server");
    wait_listening(broker, &mut child);
    wait_listening(api, &mut child);
    wait_listening(metrics, &mut child);
    Server {
        child,
        api,
        broker,
        metrics,
        key,
        config,
        _dir: dir,
    }
}

/// GETs `path` with the server's key and parses the JSON.
async fn get(s: &Server, path: &str) -> serde_json::Value {
    let url = format!("http://{}{path}", s.api);
    let resp = reqwest::Client::new()
        .get(&url)
        .bearer_auth(&s.key)
        .timeout(Duration::from_secs(10))
        .send()
        .await
        .unwrap_or_else(|e| panic!("GET {url}: {e}"));
    let status = resp.status();
    let text = resp.text().await.expect("body");
    assert!(status.is_success(), "GET {url}: {status}: {text}");
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("GET {url}: not JSON ({e}): {text}"))
}

/// One scrape of `[metrics] listen`: the text, checked to be one OpenMetrics exposition.
async fn scrape(s: &Server) -> String {
    let url = format!("http://{}/metrics", s.metrics);
    let resp = reqwest::Client::new()
        .get(&url)
        .timeout(Duration::from_secs(10))
        .send()
        .await
        .unwrap_or_else(|e| panic!("GET {url}: {e}"));
    assert!(resp.status().is_success(), "GET {url}: {}", resp.status());
    let ctype = resp.headers()[reqwest::header::CONTENT_TYPE]
        .to_str()
        .expect("ascii")
        .to_owned();
    assert!(ctype.starts_with("application/openmetrics-text"), "{ctype}");
    let text = resp.text().await.expect("body");
    assert!(text.ends_with("# EOF\n"), "ends with # EOF: {text}");
    assert_eq!(text.matches("# EOF").count(), 1, "one exposition: {text}");
    text
}

/// The value of the sample `name` (with its labels, if any) in a scrape; 0 when absent.
fn sample(text: &str, name: &str) -> u64 {
    text.lines()
        .find_map(|l| l.strip_prefix(name)?.strip_prefix(' ')?.trim().parse().ok())
        .unwrap_or(0)
}

/// Every event id in the raw feed, following the cursor to the end.
async fn feed_ids(s: &Server) -> Vec<String> {
    let mut ids = Vec::new();
    let mut after: Option<String> = None;
    for _ in 0..1000 {
        let path = match &after {
            Some(c) => format!("/api/v1/feed?limit=500&after={c}"),
            None => "/api/v1/feed?limit=500".to_owned(),
        };
        let page = get(s, &path).await;
        for item in page["items"].as_array().expect("items") {
            ids.push(item["event"]["id"].as_str().expect("event id").to_owned());
        }
        match page["next"].as_str() {
            Some(c) => after = Some(c.to_owned()),
            None => return ids,
        }
    }
    panic!("feed paging did not end");
}

fn publish(py: &Path, s: &Server, items: &[(String, PathBuf)]) {
    publish_as(py, s, IDENT, SECRET, items);
}

/// Publishes `items` with the reference client as `ident`.
fn publish_as(py: &Path, s: &Server, ident: &str, secret: &str, items: &[(String, PathBuf)]) {
    let listing = tempfile::NamedTempFile::new().expect("temp file");
    let json: Vec<(String, String)> = items
        .iter()
        .map(|(c, p)| (c.clone(), p.to_str().expect("utf-8").to_owned()))
        .collect();
    std::fs::write(listing.path(), serde_json::to_vec(&json).expect("json")).expect("write listing");
    let script = workspace_root().join("crates/apiary/tests/peers/publish_fixtures.py");
    let out = Command::new(py)
        .arg(script)
        .args([
            "127.0.0.1",
            &s.broker.port().to_string(),
            ident,
            secret,
            listing.path().to_str().expect("utf-8"),
        ])
        .output()
        .expect("run the Python publisher");
    assert!(
        out.status.success(),
        "publisher: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("publisher output");
    assert_eq!(v["published"].as_u64(), Some(items.len() as u64));
}

async fn fixtures_round_trip(store_url: Option<&str>) {
    let Some(py) = python() else { return };
    let items = fixtures();
    let want = expected_ids(&items);
    let s = start_server(store_url);
    publish(&py, &s, &items);
    let deadline = Instant::now() + Duration::from_secs(30);
    let mut got = feed_ids(&s).await;
    while got.len() < want.len() && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(200)).await;
        got = feed_ids(&s).await;
    }
    let got_set: BTreeSet<String> = got.iter().cloned().collect();
    assert_eq!(got.len(), got_set.len(), "the feed repeats an event");
    assert_eq!(got_set, want, "every fixture's events, and nothing else, are stored");

    // The server's metrics count what the collector did.
    let m = scrape(&s).await;
    let n = want.len() as u64;
    assert_eq!(sample(&m, "apiary_collector_inserted_events_total"), n, "{m}");
    assert_eq!(sample(&m, "apiary_collector_duplicate_events_total"), 0, "{m}");
    assert_eq!(sample(&m, "apiary_collector_messages_total"), items.len() as u64, "{m}");
    assert!(
        sample(&m, "hpfeeds_publishes_received_total{channel=\"cowrie.sessions\"}") >= 1,
        "{m}"
    );
    assert!(
        sample(&m, "apiary_reverse_dns_queued_total") >= 1,
        "source addresses offered to reverse DNS: {m}"
    );
    assert!(
        sample(&m, "apiary_collector_write_seconds_count") >= 1,
        "batch writes are timed: {m}"
    );

    // Redelivery: the same payloads again add nothing; the metrics show when the collector has seen them all.
    publish(&py, &s, &items);
    let deadline = Instant::now() + Duration::from_secs(30);
    while sample(&scrape(&s).await, "apiary_collector_duplicate_events_total") < n && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    let m = scrape(&s).await;
    assert_eq!(sample(&m, "apiary_collector_duplicate_events_total"), n, "{m}");
    assert_eq!(sample(&m, "apiary_collector_inserted_events_total"), n, "{m}");
    assert_eq!(
        feed_ids(&s).await.len(),
        want.len(),
        "a redelivered payload is not stored twice"
    );

    // The normalized views answer too.
    let cowrie = get(&s, &format!("/api/v1/sessions?honeypot=cowrie&{WINDOW}")).await;
    assert!(
        !cowrie["items"].as_array().expect("items").is_empty(),
        "Cowrie sessions are searchable: {cowrie}"
    );
    let v6 = get(&s, &format!("/api/v1/sessions?src=2001:db8:beef::/48&{WINDOW}")).await;
    assert!(
        !v6["items"].as_array().expect("items").is_empty(),
        "an IPv6 CIDR filter finds the IPv6 Cowrie session: {v6}"
    );
    let mhn = get(&s, "/api/session/?hours_ago=24").await;
    assert!(mhn["data"].as_array().is_some(), "MHN envelope: {mhn}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_fixture_published_by_the_reference_client_is_stored_once_in_sqlite() {
    fixtures_round_trip(None).await;
}

#[cfg(target_os = "linux")]
#[test]
fn the_server_reexecutes_itself_onto_jemalloc_and_keeps_its_name() {
    let s = start_server(None);
    let pid = s.child.id();
    let environ = std::fs::read(format!("/proc/{pid}/environ")).expect("read the server's environment");
    let env: Vec<String> = environ
        .split(|b| *b == 0)
        .map(|v| String::from_utf8_lossy(v).into_owned())
        .collect();
    assert!(
        env.iter().any(|v| v == "APIARY_ALLOCATOR=jemalloc"),
        "the re-executed server (same pid) asks for jemalloc: {env:?}"
    );
    // jemalloc runs with the server's options: its purging thread exists.
    let threads: Vec<String> = std::fs::read_dir(format!("/proc/{pid}/task"))
        .expect("list the server's threads")
        .filter_map(|t| std::fs::read_to_string(t.ok()?.path().join("comm")).ok())
        .map(|c| c.trim().to_owned())
        .collect();
    assert!(
        threads.iter().any(|t| t.starts_with("jemalloc_bg")),
        "threads: {threads:?}"
    );
    let name = std::fs::read_to_string(format!("/proc/{pid}/comm")).expect("read the server's name");
    assert_eq!(
        name.trim(),
        "apiary",
        "the re-executed server keeps its name for ps and pgrep"
    );
}

/// A fresh PostgreSQL database for one test, dropped afterwards; `None` (skip) when the server is unreachable
/// outside CI.
struct PgDb {
    name: String,
}

impl PgDb {
    const ADMIN: &'static str = "postgres://postgres@127.0.0.1:5432/postgres";

    fn create() -> Option<PgDb> {
        let name = format!("apiary_e2e_{}", std::process::id());
        let out = Command::new("psql")
            .args([Self::ADMIN, "-qc", &format!("CREATE DATABASE {name}")])
            .output();
        match out {
            Ok(o) if o.status.success() => Some(PgDb { name }),
            other => {
                let why = match other {
                    Ok(o) => String::from_utf8_lossy(&o.stderr).into_owned(),
                    Err(e) => e.to_string(),
                };
                assert!(
                    std::env::var_os("CI").is_none(),
                    "PostgreSQL on 127.0.0.1:5432 is needed in CI: {why}"
                );
                eprintln!("skipping: no PostgreSQL on 127.0.0.1:5432 ({why})");
                None
            }
        }
    }

    fn url(&self) -> String {
        format!("postgres://postgres@127.0.0.1:5432/{}", self.name)
    }
}

impl Drop for PgDb {
    fn drop(&mut self) {
        let _ = Command::new("psql")
            .args([
                Self::ADMIN,
                "-qc",
                &format!("DROP DATABASE IF EXISTS {} WITH (FORCE)", self.name),
            ])
            .output();
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_fixture_published_by_the_reference_client_is_stored_once_in_postgres() {
    let Some(db) = PgDb::create() else { return };
    fixtures_round_trip(Some(&db.url())).await;
}

/// The sensors the API lists, by id: (ident, events).
async fn sensors(s: &Server) -> std::collections::BTreeMap<String, (String, u64)> {
    let v = get(s, "/api/v1/sensors").await;
    v["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|i| {
            let id = i["id"].as_str().expect("id").to_owned();
            let ident = i["ident"].as_str().unwrap_or_default().to_owned();
            (id, (ident, i["events"].as_u64().expect("events")))
        })
        .collect()
}

/// Polls the sensor list until `id` is in it (10 s at most).
async fn wait_sensor(s: &Server, id: &str) -> std::collections::BTreeMap<String, (String, u64)> {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let list = sensors(s).await;
        if list.contains_key(id) || Instant::now() > deadline {
            return list;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_ident_cannot_publish_into_another_idents_sensor() {
    let Some(py) = python() else { return };
    let s = start_server(None);
    let out = apiary(&[
        "ident",
        "add",
        "intruder",
        "--secret",
        "intruder-secret",
        "--publish",
        "suricata.events",
        "--config",
        &s.config,
    ]);
    assert!(
        out.status.success(),
        "ident add: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    // A Suricata alert names its sensor in the payload.
    let item = fixtures()
        .into_iter()
        .find(|(c, _)| c == "suricata.events")
        .expect("a suricata.events fixture");
    let sensor = "2c1f5e0a-8d47-11f1-a3b2-0242c0a80a14";
    assert!(std::fs::read_to_string(&item.1).expect("fixture").contains(sensor));

    publish(&py, &s, std::slice::from_ref(&item));
    let list = wait_sensor(&s, sensor).await;
    assert_eq!(list.get(sensor), Some(&(IDENT.to_owned(), 1)), "{list:?}");

    // The same payload from another ident is kept, under a name of its own; the sensor's record is unchanged.
    publish_as(&py, &s, "intruder", "intruder-secret", std::slice::from_ref(&item));
    let own = format!("{sensor}@intruder");
    let list = wait_sensor(&s, &own).await;
    assert_eq!(list.get(&own), Some(&("intruder".to_owned(), 1)), "{list:?}");
    assert_eq!(list.get(sensor), Some(&(IDENT.to_owned(), 1)), "{list:?}");
}

//! Reverse DNS against a real DNS server (Debian's `dnsmasq`, on a loopback port): events through the pipeline,
//! hostnames in `ip_meta` on SQLite and PostgreSQL; off means no query; a dead server never slows ingest.
//!
//! Every query goes to 127.0.0.1 only. Without `dnsmasq` (package `dnsmasq-base`) the tests skip, unless `CI` is
//! set, where they fail.

use std::net::{IpAddr, UdpSocket};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use collector::enrich::{EnrichConfig, Enricher, ReverseDns};
use collector::pipeline::{self, CollectorConfig, CollectorMetrics};
use event::{Event, Kind};
use hpfeeds::broker::{Broker, BrokerConfig, MemoryStore};
use store::{IpMeta, Page, Store};
use tokio_util::sync::CancellationToken;

/// A dnsmasq serving fixed records on a loopback port, killed on drop.
struct Dnsmasq {
    child: Child,
    port: u16,
    log: PathBuf,
    _dir: tempfile::TempDir,
}

impl Drop for Dnsmasq {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The dnsmasq binary, or `None` (skip) when it is not installed; a panic instead when `CI` is set.
fn dnsmasq_binary() -> Option<PathBuf> {
    let found = ["/usr/sbin/dnsmasq", "/usr/bin/dnsmasq", "/sbin/dnsmasq"]
        .into_iter()
        .map(PathBuf::from)
        .find(|p| p.exists());
    if found.is_none() {
        assert!(
            std::env::var_os("CI").is_none(),
            "dnsmasq is needed in CI: apt-get install dnsmasq-base"
        );
        eprintln!("skipping: dnsmasq not installed (apt-get install dnsmasq-base)");
    }
    found
}

/// The test zone: A/AAAA with their PTRs, a hostile name, an overlong one, a PTR whose name points elsewhere, and
/// nothing at all for 198.51.100.8. Only local data is served: other names are NXDOMAIN, never forwarded.
fn zone_args() -> Vec<String> {
    let label = "a".repeat(63);
    let long = [label.as_str(); 4].join(".");
    [
        "--ptr-record=7.100.51.198.in-addr.arpa,scanner.example.net",
        "--host-record=scanner.example.net,198.51.100.7",
        "--host-record=scanner6.example.net,2001:db8::7",
        "--ptr-record=9.100.51.198.in-addr.arpa,bad<b>.example.net",
        &format!("--ptr-record=10.100.51.198.in-addr.arpa,{long}"),
        "--ptr-record=11.100.51.198.in-addr.arpa,mismatch.example.net",
        "--host-record=mismatch.example.net,198.51.100.12",
        "--local=/in-addr.arpa/",
        "--local=/ip6.arpa/",
        "--local=/example.net/",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect()
}

impl Dnsmasq {
    /// Starts dnsmasq on a free loopback port with [`zone_args`], logging queries; `None` to skip.
    fn start() -> Option<Dnsmasq> {
        let bin = dnsmasq_binary()?;
        for _ in 0..5 {
            let port = UdpSocket::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
            let dir = tempfile::tempdir().unwrap();
            let log = dir.path().join("dnsmasq.log");
            let child = Command::new(&bin)
                .args([
                    "--no-daemon",
                    "--no-resolv",
                    "--no-hosts",
                    "--bind-interfaces",
                    "--log-queries",
                ])
                .args(["--listen-address=127.0.0.1", "--user=root", "--pid-file="])
                .arg(format!("--port={port}"))
                .arg(format!("--log-facility={}", log.display()))
                .args(zone_args())
                .stdin(Stdio::null())
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .spawn()
                .expect("cannot run dnsmasq");
            let mut d = Dnsmasq {
                child,
                port,
                log,
                _dir: dir,
            };
            if d.ready() {
                return Some(d);
            }
        }
        panic!("dnsmasq did not start on a free loopback port in 5 tries");
    }

    /// Waits until the server answers a query (false if it exited, e.g. the port was taken meanwhile).
    fn ready(&mut self) -> bool {
        let sock = UdpSocket::bind("127.0.0.1:0").unwrap();
        sock.set_read_timeout(Some(Duration::from_millis(100))).unwrap();
        // A minimal query: id 0x4242, RD, one question "example.net. A IN".
        let mut q = vec![0x42, 0x42, 1, 0, 0, 1, 0, 0, 0, 0, 0, 0];
        q.extend_from_slice(b"\x07example\x03net\x00\x00\x01\x00\x01");
        for _ in 0..100 {
            if self.child.try_wait().unwrap().is_some() {
                return false;
            }
            let _ = sock.send_to(&q, ("127.0.0.1", self.port));
            let mut buf = [0u8; 512];
            if sock.recv_from(&mut buf).is_ok() {
                return true;
            }
        }
        false
    }

    /// The whole log, for failure messages.
    fn log_text(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    /// Queries logged so far (the readiness probe for example.net excluded).
    fn queries(&self) -> Vec<String> {
        let text = std::fs::read_to_string(&self.log).unwrap_or_default();
        text.lines()
            .filter(|l| l.contains("query[") && !l.contains(" example.net from"))
            .map(str::to_owned)
            .collect()
    }
}

/// Reverse DNS on, asking only `server`, with a short timeout.
fn rdns_config(server: String) -> EnrichConfig {
    EnrichConfig {
        reverse_dns: true,
        dns_servers: vec![server],
        reverse_dns_timeout_ms: 1000,
        ..EnrichConfig::default()
    }
}

/// One `apiary.events` payload from `ip`.
fn payload(ip: IpAddr, n: usize) -> bytes::Bytes {
    let e = Event {
        id: uuid::Uuid::now_v7(),
        ts: chrono::Utc::now(),
        sensor: "s1".into(),
        honeypot: "ssh".into(),
        session: format!("sess{n}"),
        proto: "ssh".into(),
        src_ip: ip,
        src_port: 40000,
        dst_ip: None,
        dst_port: 22,
        kind: Kind::SessionStart {
            client_version: None,
            hassh: None,
            hassh_algorithms: None,
        },
    };
    bytes::Bytes::from(e.to_json())
}

/// Runs the pipeline over one event per entry of `ips` and returns once all are stored, with how long that took.
async fn ingest(store: &Store, enricher: Enricher, ips: &[IpAddr]) -> Duration {
    let broker = Broker::new(BrokerConfig::default(), Arc::new(MemoryStore::default())).unwrap();
    let sub = broker.subscribe_local_all();
    let metrics = CollectorMetrics::default();
    let stop = CancellationToken::new();
    let config = CollectorConfig {
        batch_events: Some(512),
        flush_ms: 20,
    };
    let run = tokio::spawn(pipeline::run(
        sub,
        store.clone(),
        enricher,
        config,
        metrics.clone(),
        stop.clone(),
    ));
    let started = Instant::now();
    for (n, ip) in ips.iter().enumerate() {
        broker
            .publish_local("s1", event::CHANNEL_EVENTS, payload(*ip, n))
            .await
            .unwrap();
    }
    let deadline = Instant::now() + Duration::from_secs(60);
    while metrics.inserted.get() < ips.len() as u64 {
        assert!(Instant::now() < deadline, "events not stored within 60 s");
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    let took = started.elapsed();
    stop.cancel();
    run.await.unwrap();
    took
}

fn ip(s: &str) -> IpAddr {
    s.parse().unwrap()
}

/// `ip`'s `ip_meta` row, if any.
async fn meta(store: &Store, addr: IpAddr) -> Option<IpMeta> {
    let page = Page { after: None, limit: 1 };
    store.ip_meta(Some(addr), &page).await.unwrap().items.pop()
}

/// The zone's addresses and what each must end up as: (hostname, confirmed).
fn expected() -> Vec<(IpAddr, Option<&'static str>, bool)> {
    vec![
        (ip("198.51.100.7"), Some("scanner.example.net"), true),
        (ip("2001:db8::7"), Some("scanner6.example.net"), true),
        (ip("198.51.100.8"), None, false),
        (ip("198.51.100.9"), None, false),
        (ip("198.51.100.10"), None, false),
        (ip("198.51.100.11"), Some("mismatch.example.net"), false),
    ]
}

/// Events from the zone's addresses (several each) give each address one lookup and the expected `ip_meta` row.
async fn resolves_into_ip_meta(store: Store) {
    let Some(dns) = Dnsmasq::start() else { return };
    let rdns = ReverseDns::start(&rdns_config(format!("127.0.0.1:{}", dns.port)), store.clone())
        .unwrap()
        .expect("reverse_dns = true starts the task");
    let enricher = Enricher::new(&EnrichConfig::default())
        .unwrap()
        .with_reverse_dns(Some(rdns.clone()));
    let want = expected();
    let ips: Vec<IpAddr> = (0..3).flat_map(|_| want.iter().map(|w| w.0)).collect();
    ingest(&store, enricher, &ips).await;
    let deadline = Instant::now() + Duration::from_secs(20);
    while rdns.counts().stored < want.len() as u64 {
        assert!(
            Instant::now() < deadline,
            "results not stored in 20 s: {:?} {:#?}",
            rdns.counts(),
            dns.log_text()
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    for (addr, hostname, confirmed) in want {
        let m = meta(&store, addr)
            .await
            .unwrap_or_else(|| panic!("no ip_meta row for {addr}"));
        assert_eq!(m.hostname.as_deref(), hostname, "{addr}");
        assert_eq!(m.hostname_confirmed, confirmed, "{addr}");
        assert!(m.updated.is_some() && m.os.is_none(), "{addr}: {m:?}");
    }
    let c = rdns.counts();
    assert_eq!((c.lookups, c.resolved, c.failed, c.stored), (6, 3, 0, 6), "{c:?}");
    // One lookup per address, though three events came from each. (hickory asks again over TCP when an answer does
    // not decode, so the overlong name's PTR query shows twice in the log.)
    let ptr_names: std::collections::BTreeSet<String> = dns
        .queries()
        .iter()
        .filter_map(|q| q.split("query[PTR] ").nth(1).map(str::to_owned))
        .collect();
    assert_eq!(ptr_names.len(), 6, "{:#?}", dns.queries());
    let ptr_queries = dns.queries().iter().filter(|q| q.contains("query[PTR]")).count();
    assert!(ptr_queries <= 7, "each address looked up once: {:#?}", dns.queries());
}

#[tokio::test]
async fn resolves_into_ip_meta_on_sqlite() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("apiary.db").display());
    resolves_into_ip_meta(Store::open(&url, dir.path()).await.unwrap()).await;
}

#[tokio::test]
async fn resolves_into_ip_meta_on_postgres() {
    const ADMIN: &str = "postgres://postgres@127.0.0.1:5432/postgres";
    let Ok(admin) = sqlx::PgPool::connect(ADMIN).await else {
        assert!(
            std::env::var_os("CI").is_none(),
            "PostgreSQL unreachable at {ADMIN} and CI is set"
        );
        eprintln!("skipping: PostgreSQL unreachable at {ADMIN}");
        return;
    };
    let name = format!("rdns_{}_{}", std::process::id(), chrono::Utc::now().timestamp_micros());
    let sql = |s: String| sqlx::raw_sql(sqlx::AssertSqlSafe(s));
    sql(format!("CREATE DATABASE {name}")).execute(&admin).await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(&format!("postgres://postgres@127.0.0.1:5432/{name}"), dir.path())
        .await
        .unwrap();
    assert_eq!(store.backend(), "postgres");
    resolves_into_ip_meta(store).await;
    sql(format!("DROP DATABASE {name} WITH (FORCE)"))
        .execute(&admin)
        .await
        .unwrap();
}

#[tokio::test]
async fn off_by_default_sends_no_query() {
    assert!(!EnrichConfig::default().reverse_dns);
    let Some(dns) = Dnsmasq::start() else { return };
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(&format!("sqlite://{}", dir.path().join("a.db").display()), dir.path())
        .await
        .unwrap();
    let config = EnrichConfig {
        reverse_dns: false,
        ..rdns_config(format!("127.0.0.1:{}", dns.port))
    };
    let rdns = ReverseDns::start(&config, store.clone()).unwrap();
    assert!(rdns.is_none(), "reverse_dns = false starts nothing");
    let enricher = Enricher::new(&config).unwrap().with_reverse_dns(rdns);
    assert!(enricher.reverse_dns().is_none());
    let ips: Vec<IpAddr> = expected().into_iter().map(|w| w.0).collect();
    ingest(&store, enricher, &ips).await;
    tokio::time::sleep(Duration::from_millis(1500)).await;
    assert_eq!(dns.queries(), Vec::<String>::new());
    for addr in ips {
        assert_eq!(meta(&store, addr).await, None, "{addr}");
    }
}

#[tokio::test]
async fn a_server_that_never_answers_does_not_slow_ingest() {
    // Bound and never read: queries to it vanish, as with a dead resolver.
    let silent = UdpSocket::bind("127.0.0.1:0").unwrap();
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(&format!("sqlite://{}", dir.path().join("a.db").display()), dir.path())
        .await
        .unwrap();
    let config = EnrichConfig {
        reverse_dns_timeout_ms: 2000,
        ..rdns_config(silent.local_addr().unwrap().to_string())
    };
    let rdns = ReverseDns::start(&config, store.clone()).unwrap().unwrap();
    let enricher = Enricher::new(&config).unwrap().with_reverse_dns(Some(rdns.clone()));
    // 4,000 distinct addresses: at 16 lookups per 2 s, resolving them in line would take over 8 minutes.
    let ips: Vec<IpAddr> = (0..4000u32)
        .map(|n| IpAddr::from([198, 18, (n >> 8) as u8, n as u8]))
        .collect();
    let took = ingest(&store, enricher, &ips).await;
    assert!(took < Duration::from_secs(20), "ingest took {took:?}");
    let c = rdns.counts();
    assert!(c.skipped > 0, "a full queue skips offers: {c:?}");
    assert_eq!(c.queued + c.skipped, 4000, "{c:?}");
    assert_eq!(c.resolved, 0, "{c:?}");
}

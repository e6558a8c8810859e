//! Operating the broker: connection cap, failed-login throttling, TLS listener, idents reload, metrics and
//! graceful shutdown.

mod broker_support;

use std::sync::Arc;
use std::time::Duration;

use broker_support::{metric, start, start_with_store, wait_subscribers, Client, Next, WAIT};
use bytes::{Bytes, BytesMut};
use hpfeeds::broker::{self, identfile, Broker, BrokerConfig, FileStore, Ident, Listener, MemoryStore};
use hpfeeds::wire::{self, Frame, DEFAULT_MAX_FRAME};
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio_util::sync::CancellationToken;

#[tokio::test]
async fn connections_over_the_cap_are_closed_at_once_and_admitted_when_a_slot_frees() {
    let b = start(BrokerConfig {
        max_connections: 2,
        ..BrokerConfig::default()
    })
    .await;
    let first = Client::login(b.addr, "sub", "subsecret").await;
    let _second = Client::connect(b.addr).await;
    let mut third = tokio::net::TcpStream::connect(b.addr).await.unwrap();
    let mut byte = [0u8; 1];
    let n = tokio::time::timeout(WAIT, third.read(&mut byte))
        .await
        .expect("closed promptly")
        .unwrap_or(0);
    assert_eq!(n, 0, "a connection over the cap must get no INFO");
    assert_eq!(
        metric(&b.broker.metrics_text(), "hpfeeds_connections_refused_total"),
        1.0
    );
    drop(first);
    let mut admitted = false;
    for _ in 0..200 {
        let mut s = tokio::net::TcpStream::connect(b.addr).await.unwrap();
        if tokio::time::timeout(WAIT, s.read(&mut byte))
            .await
            .unwrap()
            .unwrap_or(0)
            == 1
        {
            admitted = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert!(admitted, "a freed slot must admit a new connection");
}

#[tokio::test]
async fn repeated_failed_logins_from_one_address_are_throttled() {
    let b = start(BrokerConfig {
        auth_failure_limit: 2,
        ..BrokerConfig::default()
    })
    .await;
    for _ in 0..2 {
        let mut c = Client::login(b.addr, "pub", "guess").await;
        c.expect_error_then_close("Authentication failed for pub").await;
    }
    // Even the right secret is refused now, with the same text, so a guesser learns nothing.
    let mut c = Client::login(b.addr, "pub", "pubsecret").await;
    c.expect_error_then_close("Authentication failed for pub").await;
    let m = b.broker.metrics_text();
    assert_eq!(
        metric(&m, "hpfeeds_auth_failures_total{reason=\"throttled\"}"),
        1.0,
        "{m}"
    );
    assert_eq!(
        metric(&m, "hpfeeds_auth_failures_total{reason=\"bad_secret\"}"),
        2.0,
        "{m}"
    );
}

/// Reads one frame from any stream.
async fn read_frame<S: AsyncRead + Unpin>(s: &mut S, buf: &mut BytesMut) -> Frame {
    loop {
        if let Some(n) = wire::check(buf, DEFAULT_MAX_FRAME).unwrap() {
            return wire::decode(buf.split_to(n).freeze()).unwrap();
        }
        let n = tokio::time::timeout(WAIT, s.read_buf(buf))
            .await
            .expect("frame in time")
            .unwrap();
        assert!(n > 0, "closed while waiting for a frame");
    }
}

async fn write_frame<S: AsyncWrite + Unpin>(s: &mut S, f: &Frame) {
    s.write_all(&f.to_bytes().unwrap()).await.unwrap();
    s.flush().await.unwrap();
}

#[tokio::test]
async fn tls_listener_serves_hpfeeds_alongside_plain_tcp() {
    let ck = rcgen::generate_simple_self_signed(vec!["localhost".to_string()]).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let (cert_path, key_path) = (dir.path().join("cert.pem"), dir.path().join("key.pem"));
    std::fs::write(&cert_path, ck.cert.pem()).unwrap();
    std::fs::write(&key_path, ck.signing_key.serialize_pem()).unwrap();
    let acceptor = broker::tls::acceptor_from_pem_files(&cert_path, &key_path).unwrap();

    let broker = Broker::new(
        BrokerConfig::default(),
        Arc::new(MemoryStore::new(broker_support::idents())),
    )
    .unwrap();
    let tcp = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let tls = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let (tcp_addr, tls_addr) = (tcp.local_addr().unwrap(), tls.local_addr().unwrap());
    let shutdown = CancellationToken::new();
    let (b, s) = (broker.clone(), shutdown.clone());
    let server =
        tokio::spawn(async move { broker::run(&b, vec![Listener::Tcp(tcp), Listener::Tls(tls, acceptor)], s).await });

    let mut roots = rustls::RootCertStore::empty();
    roots.add(ck.cert.der().clone()).unwrap();
    let config = rustls::ClientConfig::builder_with_provider(Arc::new(rustls::crypto::ring::default_provider()))
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_root_certificates(roots)
        .with_no_client_auth();
    let connector = tokio_rustls::TlsConnector::from(Arc::new(config));
    let tcp = tokio::net::TcpStream::connect(tls_addr).await.unwrap();
    let name = rustls::pki_types::ServerName::try_from("localhost").unwrap();
    let mut s = connector.connect(name, tcp).await.expect("TLS handshake");
    let mut buf = BytesMut::new();
    let Frame::Info { nonce, .. } = read_frame(&mut s, &mut buf).await else {
        panic!("expected INFO over TLS")
    };
    let digest = wire::auth_digest(&nonce, b"subsecret");
    write_frame(
        &mut s,
        &Frame::Auth {
            ident: Bytes::from_static(b"sub"),
            digest: Bytes::copy_from_slice(&digest),
        },
    )
    .await;
    write_frame(
        &mut s,
        &Frame::Subscribe {
            ident: Bytes::from_static(b"sub"),
            channel: Bytes::from_static(b"events"),
        },
    )
    .await;
    wait_subscribers(&broker, "events", 1).await;
    let mut p = Client::login(tcp_addr, "pub", "pubsecret").await;
    p.publish("pub", "events", "over tls").await;
    assert_eq!(
        read_frame(&mut s, &mut buf).await,
        Frame::publish("pub", "events", "over tls")
    );
    let m = broker.metrics_text();
    assert_eq!(
        metric(&m, "hpfeeds_connections_accepted_total{listener=\"tls\"}"),
        1.0,
        "{m}"
    );
    shutdown.cancel();
    tokio::time::timeout(WAIT, server).await.unwrap().unwrap();
}

#[tokio::test]
async fn tls_files_without_a_key_are_refused_with_a_clear_error() {
    let ck = rcgen::generate_simple_self_signed(vec!["localhost".to_string()]).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let cert_path = dir.path().join("cert.pem");
    std::fs::write(&cert_path, ck.cert.pem()).unwrap();
    let err = broker::tls::acceptor_from_pem_files(&cert_path, &cert_path)
        .err()
        .expect("no key");
    assert!(err.to_string().contains("no PEM private key"), "{err}");
}

fn newbie() -> Ident {
    Ident {
        name: "newbie".into(),
        owner: "ops".into(),
        secret: "fresh".into(),
        pubchans: vec![],
        subchans: vec!["events".into()],
    }
}

/// Regression: the reference reloads on any inotify event in the file's folder, so a busy sibling file made it
/// reload in a loop. Ours reloads when the file's content changes, and only then.
#[tokio::test]
async fn idents_reload_on_content_change_and_not_on_sibling_changes_or_touch() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("idents.json");
    std::fs::write(
        &path,
        r#"{"sub": {"owner": "o", "secret": "subsecret", "pubchans": [], "subchans": []}}"#,
    )
    .unwrap();
    let store = FileStore::open(&path).unwrap();
    let watching = CancellationToken::new();
    let _watch = store.watch(Duration::from_millis(20), watching.clone());
    let b = start_with_store(BrokerConfig::default(), store.clone()).await;

    let mut c = Client::login(b.addr, "newbie", "fresh").await;
    c.expect_error_then_close("Authentication failed for newbie").await;
    identfile::add(&path, &newbie()).unwrap();
    let deadline = tokio::time::Instant::now() + WAIT;
    while store.reloads() == 0 {
        assert!(tokio::time::Instant::now() < deadline, "the change was never picked up");
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    let mut c = Client::login(b.addr, "newbie", "fresh").await;
    c.subscribe("newbie", "events").await;
    wait_subscribers(&b.broker, "events", 1).await;

    let content = std::fs::read(&path).unwrap();
    for i in 0..10 {
        std::fs::write(dir.path().join("sibling.log"), format!("line {i}\n")).unwrap();
        std::fs::write(
            dir.path()
                .parent()
                .unwrap()
                .join(format!("apiary-test-{}", std::process::id())),
            "x",
        )
        .unwrap();
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    let _ = std::fs::remove_file(
        dir.path()
            .parent()
            .unwrap()
            .join(format!("apiary-test-{}", std::process::id())),
    );
    identfile::write_atomic(&path, &content).unwrap();
    let later = std::time::SystemTime::now() + Duration::from_secs(5);
    std::fs::File::options()
        .write(true)
        .open(&path)
        .unwrap()
        .set_modified(later)
        .unwrap();
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert_eq!(store.reloads(), 1, "only the real change may reload");
    assert_eq!(store.reload_errors(), 0);
    watching.cancel();
    let m = b.broker.metrics_text();
    assert_eq!(metric(&m, "hpfeeds_ident_reloads_total"), 1.0, "{m}");
}

#[tokio::test]
async fn invalid_idents_change_keeps_serving_the_previous_idents() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("idents.json");
    identfile::add(&path, &newbie()).unwrap();
    let store = FileStore::open(&path).unwrap();
    let watching = CancellationToken::new();
    let _watch = store.watch(Duration::from_millis(20), watching.clone());
    let b = start_with_store(BrokerConfig::default(), store.clone()).await;
    identfile::write_atomic(&path, br#"{"newbie": {"owner": "o"}}"#).unwrap();
    let deadline = tokio::time::Instant::now() + WAIT;
    while store.reload_errors() == 0 {
        assert!(
            tokio::time::Instant::now() < deadline,
            "the bad change was never noticed"
        );
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    let mut c = Client::login(b.addr, "newbie", "fresh").await;
    c.subscribe("newbie", "events").await;
    wait_subscribers(&b.broker, "events", 1).await;
    watching.cancel();
}

#[tokio::test]
async fn metrics_text_counts_connections_auth_failures_publishes_and_bytes_without_addresses() {
    let b = start(BrokerConfig::default()).await;
    let mut s = Client::login(b.addr, "sub", "subsecret").await;
    s.subscribe("sub", "events").await;
    wait_subscribers(&b.broker, "events", 1).await;
    let mut bad = Client::login(b.addr, "pub", "wrong").await;
    bad.expect_error_then_close("Authentication failed for pub").await;
    let mut p = Client::login(b.addr, "pub", "pubsecret").await;
    p.publish("pub", "events", "hello").await;
    s.expect_publish().await;
    let mut denied = Client::login(b.addr, "pub", "pubsecret").await;
    denied.publish("pub", "nope", "x").await;
    denied
        .expect_error_then_close("Authkey not allowed to pub here. ident=pub, chan=nope")
        .await;
    tokio::time::sleep(Duration::from_millis(50)).await;

    let m = b.broker.metrics_text();
    let expect = [
        ("hpfeeds_connections_accepted_total{listener=\"tcp\"}", 4.0),
        ("hpfeeds_connections_open", 2.0),
        ("hpfeeds_authenticated_connections", 2.0),
        ("hpfeeds_auth_failures_total{reason=\"bad_secret\"}", 1.0),
        ("hpfeeds_publishes_received_total{channel=\"events\"}", 1.0),
        ("hpfeeds_deliveries_total{channel=\"events\"}", 1.0),
        ("hpfeeds_disconnects_total{reason=\"publish_denied\"}", 1.0),
        ("hpfeeds_subscriptions", 1.0),
    ];
    for (name, want) in expect {
        assert_eq!(metric(&m, name), want, "{name} in:\n{m}");
    }
    assert!(metric(&m, "hpfeeds_received_bytes_total") > 0.0);
    assert!(metric(&m, "hpfeeds_sent_bytes_total") > 0.0);
    assert!(m.contains("hpfeeds_subscriber_queue_bytes "), "{m}");
    assert!(!m.contains("127.0.0.1"), "no client address may appear in metrics");
    assert!(!m.contains("nope"), "a denied channel must not become a label");
}

#[tokio::test]
async fn shutdown_closes_connections_and_run_returns() {
    let mut b = start(BrokerConfig::default()).await;
    let mut s = Client::login(b.addr, "sub", "subsecret").await;
    s.subscribe("sub", "events").await;
    wait_subscribers(&b.broker, "events", 1).await;
    let mut idle = Client::connect(b.addr).await;
    b.shutdown.cancel();
    s.expect_closed().await;
    assert_eq!(idle.next().await, Next::Closed);
    let task = std::mem::replace(&mut b.task, tokio::spawn(async {}));
    tokio::time::timeout(WAIT, task)
        .await
        .expect("run returns after shutdown")
        .unwrap();
}

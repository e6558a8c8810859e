//! Interoperability with the Python reference broker (hpfeeds 3.1.0, `.venv/bin/hpfeeds-broker`, or the venv
//! named by `APIARY_PYTHON_VENV`): publish/subscribe, its refusal texts, TLS, spooling across a broker crash and
//! restart, and a throughput figure. Skipped with a note when the venv is missing, unless `CI` is set.

mod client_support;

use std::path::PathBuf;
use std::time::{Duration, Instant};

use bytes::Bytes;
use client_support::{free_port, reference_venv, Proxy, RefBroker, WAIT};
use hpfeeds::client::{Client, ClientConfig, ClientError, Message, SpoolConfig, TlsConfig};
use tempfile::TempDir;

const AUTH: &str = r#"{
  "pub": {"owner": "apiary", "secret": "s1", "pubchans": ["ch", "probe"], "subchans": []},
  "sub": {"owner": "apiary", "secret": "s2", "pubchans": [], "subchans": ["ch", "probe"]}
}"#;

/// A venv plus private directories for the broker's auth file (alone, as its watcher wants) and its logs.
struct Env {
    venv: PathBuf,
    auth_dir: TempDir,
    log_dir: TempDir,
}

impl Env {
    fn new() -> Option<Env> {
        Some(Env {
            venv: reference_venv()?,
            auth_dir: tempfile::tempdir().expect("tempdir"),
            log_dir: tempfile::tempdir().expect("tempdir"),
        })
    }

    async fn broker(&self, port: u16, extra: &[String]) -> RefBroker {
        RefBroker::start(&self.venv, port, self.auth_dir.path(), AUTH, self.log_dir.path(), extra).await
    }
}

fn cfg(addr: &str, ident: &str, secret: &str) -> ClientConfig {
    let mut c = ClientConfig::new(addr, ident, secret);
    c.reconnect_min = Duration::from_millis(50);
    c.reconnect_max = Duration::from_millis(400);
    c.confirm_delay = Duration::from_millis(100);
    c
}

fn numbered(i: usize) -> Bytes {
    Bytes::from(format!("m{i:05}"))
}

/// Receives until `n` messages on "ch" have arrived (probes are skipped).
async fn recv_ch(sub: &Client, n: usize) -> Vec<Message> {
    let got = tokio::time::timeout(WAIT, async {
        let mut v = Vec::new();
        while v.len() < n {
            let m = sub.recv().await.expect("subscriber closed");
            if m.channel == "ch" {
                v.push(m);
            }
        }
        v
    })
    .await;
    got.unwrap_or_else(|_| panic!("fewer than {n} messages on ch within {WAIT:?}"))
}

/// Publishes probes until `sub` receives one: then its subscriptions (made before) are live at the broker.
async fn wait_subscribed(sub: &Client, prober: &Client) {
    let start = Instant::now();
    loop {
        assert!(start.elapsed() < WAIT, "subscription never became live");
        prober.publish("probe", "probe").await.expect("probe publish");
        if let Ok(Some(m)) = tokio::time::timeout(Duration::from_millis(200), sub.recv()).await {
            if m.channel == "probe" {
                return;
            }
        }
    }
}

async fn subscriber(addr: &str) -> Client {
    let sub = Client::connect(cfg(addr, "sub", "s2"))
        .await
        .expect("subscriber connects");
    sub.subscribe("ch").await.unwrap();
    sub.subscribe("probe").await.unwrap();
    sub
}

#[tokio::test]
async fn interop_publish_and_subscribe() {
    let Some(env) = Env::new() else { return };
    let port = free_port();
    let broker = env.broker(port, &[]).await;
    let addr = format!("127.0.0.1:{port}");
    let sub = subscriber(&addr).await;
    let publisher = Client::connect(cfg(&addr, "pub", "s1"))
        .await
        .expect("publisher connects");
    wait_subscribed(&sub, &publisher).await;
    for i in 0..200 {
        publisher.publish("ch", numbered(i)).await.unwrap();
    }
    let got = recv_ch(&sub, 200).await;
    for (i, m) in got.iter().enumerate() {
        assert_eq!((m.ident.as_str(), &m.payload), ("pub", &numbered(i)), "message {i}");
    }
    // The reference closes when it reads our FIN, which confirms everything.
    publisher.close().await.expect("reference broker confirmed all");
    sub.close().await.unwrap();
    drop(broker);
}

#[tokio::test]
async fn interop_wrong_secret_and_unknown_ident_get_the_reference_text() {
    let Some(env) = Env::new() else { return };
    let port = free_port();
    let broker = env.broker(port, &[]).await;
    let addr = format!("127.0.0.1:{port}");
    for (ident, secret) in [("pub", "wrong"), ("nobody", "s1")] {
        match Client::connect(cfg(&addr, ident, secret)).await {
            Err(e @ ClientError::AuthFailed { .. }) => {
                assert_eq!(
                    e.broker_message(),
                    Some(format!("Authentication failed for {ident}").as_str())
                );
                assert!(e.to_string().contains("check the ident and secret"), "{e}");
            }
            other => panic!("expected AuthFailed for {ident}, got {other:?}\n{}", broker.log_text()),
        }
    }
}

#[tokio::test]
async fn interop_publishing_on_a_forbidden_channel_is_remembered() {
    let Some(env) = Env::new() else { return };
    let port = free_port();
    let _broker = env.broker(port, &[]).await;
    let addr = format!("127.0.0.1:{port}");
    let publisher = Client::connect(cfg(&addr, "pub", "s1")).await.unwrap();
    publisher.publish("forbidden", "x").await.unwrap();
    let start = Instant::now();
    let err = loop {
        assert!(start.elapsed() < WAIT, "the refusal never came back");
        match publisher.publish("forbidden", "y").await {
            Err(e) => break e,
            Ok(()) => tokio::time::sleep(Duration::from_millis(50)).await,
        }
    };
    match err {
        ClientError::Rejected { channel, message } => {
            assert_eq!(channel, "forbidden");
            assert_eq!(message, "Authkey not allowed to pub here. ident=pub, chan=forbidden");
        }
        other => panic!("expected Rejected, got {other:?}"),
    }
    // Allowed channels keep working after the broker dropped us for the forbidden one.
    publisher.publish("ch", "fine").await.unwrap();
    tokio::time::timeout(WAIT, publisher.flush())
        .await
        .expect("flushed")
        .unwrap();
    publisher.close().await.expect("the allowed message was confirmed");
}

#[tokio::test]
async fn interop_spool_delivers_across_a_reference_broker_crash() {
    let Some(env) = Env::new() else { return };
    let port = free_port();
    let mut broker = env.broker(port, &[]).await;
    let addr = format!("127.0.0.1:{port}");
    // The publisher reaches the broker through a proxy that stays unplugged until the subscriber is back: the
    // reference keeps nothing for absent subscribers, so this ordering is what makes the test deterministic.
    let proxy = Proxy::start(([127, 0, 0, 1], port).into()).await;
    let spool_dir = tempfile::tempdir().unwrap();
    let mut pc = cfg(&proxy.addr.to_string(), "pub", "s1");
    pc.spool = Some(SpoolConfig::new(spool_dir.path()));
    let publisher = Client::connect(pc).await.expect("publisher connects through the proxy");
    let sub = subscriber(&addr).await;
    wait_subscribed(&sub, &publisher).await;
    for i in 0..10 {
        publisher.publish("ch", numbered(i)).await.unwrap();
    }
    recv_ch(&sub, 10).await;
    tokio::time::sleep(Duration::from_millis(300)).await;

    proxy.set_open(false);
    broker.kill();
    for i in 10..210 {
        publisher
            .publish("ch", numbered(i))
            .await
            .expect("spooled while the broker is down");
    }
    assert_eq!(publisher.stats().queued, 200, "{:?}", publisher.stats());

    let broker = env.broker(port, &[]).await;
    let prober = Client::connect(cfg(&addr, "pub", "s1")).await.unwrap();
    wait_subscribed(&sub, &prober).await;
    proxy.set_open(true);
    let got = recv_ch(&sub, 200).await;
    let payloads: Vec<Bytes> = got.into_iter().map(|m| m.payload).collect();
    assert_eq!(
        payloads,
        (10..210).map(numbered).collect::<Vec<_>>(),
        "in order, none lost"
    );
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert!(
        tokio::time::timeout(Duration::from_millis(200), sub.recv())
            .await
            .is_err(),
        "nothing repeated"
    );
    publisher.close().await.expect("all confirmed");
    assert_eq!(publisher.stats().queued, 0);
    prober.close().await.unwrap();
    sub.close().await.unwrap();
    drop(broker);
}

#[tokio::test]
async fn interop_tls_with_a_self_signed_certificate() {
    let Some(env) = Env::new() else { return };
    let certs = tempfile::tempdir().unwrap();
    let ck = rcgen::generate_simple_self_signed(vec!["localhost".to_string()]).unwrap();
    let (cert, key) = (certs.path().join("cert.pem"), certs.path().join("key.pem"));
    std::fs::write(&cert, ck.cert.pem()).unwrap();
    std::fs::write(&key, ck.signing_key.serialize_pem()).unwrap();
    let port = free_port();
    let extra = [
        "--tlscert".to_string(),
        cert.display().to_string(),
        "--tlskey".to_string(),
        key.display().to_string(),
    ];
    let broker = env.broker(port, &extra).await;
    let tls = TlsConfig {
        ca_file: Some(cert.clone()),
        server_name: Some("localhost".into()),
    };
    let addr = format!("127.0.0.1:{port}");
    let mut sc = cfg(&addr, "sub", "s2");
    sc.tls = Some(tls.clone());
    let sub = match Client::connect(sc).await {
        Ok(sub) => sub,
        // FIXME: hpfeeds 3.1.0 on Python >= 3.11 crashes on AUTH over TLS (it reaches into asyncio's removed
        // `SSLProtocol._sslpipe`). Our side has then verified the certificate, completed the handshake and read
        // INFO over TLS; the rest of this test runs only against a reference that works (e.g. Python 3.10).
        Err(ClientError::ConnectionLost(_)) if broker.log_text().contains("no attribute '_sslpipe'") => {
            eprintln!("NOTE: reference broker's TLS is broken on this Python; checked handshake and INFO only");
            return;
        }
        Err(e) => panic!("{e}\n{}", broker.log_text()),
    };
    sub.subscribe("ch").await.unwrap();
    sub.subscribe("probe").await.unwrap();
    let mut pc = cfg(&addr, "pub", "s1");
    pc.tls = Some(tls);
    let publisher = match Client::connect(pc).await {
        Ok(p) => p,
        // The same Python-side TLS bug can hit the second connection instead of the first.
        Err(ClientError::ConnectionLost(_)) if broker.log_text().contains("no attribute '_sslpipe'") => {
            eprintln!("NOTE: reference broker's TLS is broken on this Python; checked handshake and INFO only");
            return;
        }
        Err(e) => panic!("{e}\n{}", broker.log_text()),
    };
    wait_subscribed(&sub, &publisher).await;
    for i in 0..50 {
        publisher.publish("ch", numbered(i)).await.unwrap();
    }
    let got = recv_ch(&sub, 50).await;
    assert_eq!(
        got.into_iter().map(|m| m.payload).collect::<Vec<_>>(),
        (0..50).map(numbered).collect::<Vec<_>>()
    );
    publisher.close().await.expect("confirmed over TLS");
    sub.close().await.unwrap();
}

/// Not a benchmark gate: prints how fast this client pushes messages through the reference broker, with and
/// without a spool, and checks that every one arrived in order.
#[tokio::test]
async fn interop_throughput_figures() {
    let Some(env) = Env::new() else { return };
    const N: usize = 20_000;
    let port = free_port();
    let _broker = env.broker(port, &[]).await;
    let addr = format!("127.0.0.1:{port}");
    let spool_dir = tempfile::tempdir().unwrap();
    for spool in [false, true] {
        let sub = subscriber(&addr).await;
        let mut pc = cfg(&addr, "pub", "s1");
        pc.queue_len = N;
        if spool {
            pc.spool = Some(SpoolConfig::new(spool_dir.path()));
        }
        let publisher = Client::connect(pc).await.unwrap();
        wait_subscribed(&sub, &publisher).await;
        let payload = vec![b'e'; 100];
        let t = Instant::now();
        for i in 0..N {
            let mut p = payload.clone();
            p[..8].copy_from_slice(&(i as u64).to_be_bytes());
            publisher.publish("ch", p).await.unwrap();
        }
        let queued = t.elapsed();
        let got = recv_ch(&sub, N).await;
        let delivered = t.elapsed();
        for (i, m) in got.iter().enumerate() {
            assert_eq!(m.payload[..8], (i as u64).to_be_bytes(), "message {i}");
        }
        eprintln!(
            "THROUGHPUT spool={spool}: {N} x 100 B published in {queued:?} ({:.0}/s accepted), delivered via the reference broker in {delivered:?} ({:.0}/s end to end)",
            N as f64 / queued.as_secs_f64(),
            N as f64 / delivered.as_secs_f64()
        );
        publisher.close().await.expect("all confirmed");
        sub.close().await.unwrap();
    }
}

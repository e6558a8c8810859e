//! The client over TLS, against the in-test broker behind a rustls acceptor with a throwaway rcgen certificate.

mod client_support;

use std::sync::Arc;
use std::time::Duration;

use client_support::{eventually, BrokerOpts, TestBroker, WAIT};
use hpfeeds::client::{Client, ClientConfig, ClientError, TlsConfig};
use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};
use tokio_rustls::TlsAcceptor;

/// A self-signed certificate for `localhost`: its PEM (the client's CA file) and a server acceptor using it.
fn cert() -> (String, TlsAcceptor) {
    let ck = rcgen::generate_simple_self_signed(vec!["localhost".to_string()]).expect("generate certificate");
    let chain: Vec<CertificateDer<'static>> = vec![ck.cert.der().clone()];
    let key = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(ck.signing_key.serialize_der()));
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let server = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .expect("protocol versions")
        .with_no_client_auth()
        .with_single_cert(chain, key)
        .expect("server config");
    (ck.cert.pem(), TlsAcceptor::from(Arc::new(server)))
}

fn tls_cfg(addr: &str, ident: &str, secret: &str, ca: &std::path::Path, name: &str) -> ClientConfig {
    let mut c = ClientConfig::new(addr, ident, secret);
    c.confirm_delay = Duration::from_millis(100);
    c.reconnect_min = Duration::from_millis(50);
    c.reconnect_max = Duration::from_millis(200);
    c.tls = Some(TlsConfig {
        ca_file: Some(ca.to_path_buf()),
        server_name: Some(name.to_string()),
    });
    c
}

#[tokio::test]
async fn publish_and_subscribe_over_tls() {
    let dir = tempfile::tempdir().unwrap();
    let (pem, acceptor) = cert();
    let ca = dir.path().join("ca.pem");
    std::fs::write(&ca, pem).unwrap();
    let mut opts = BrokerOpts::with_users(&[("pub", "s1"), ("sub", "s2")]);
    opts.tls = Some(acceptor);
    let broker = TestBroker::start(0, opts).await;
    let addr = broker.addr_string();
    // Dialled by IP, verified as "localhost": the server-name override.
    let sub = Client::connect(tls_cfg(&addr, "sub", "s2", &ca, "localhost"))
        .await
        .expect("TLS connect");
    sub.subscribe("ch").await.unwrap();
    eventually("subscribed", WAIT, || {
        !broker.state.subscribes.lock().unwrap().is_empty()
    })
    .await;
    let publisher = Client::connect(tls_cfg(&addr, "pub", "s1", &ca, "localhost"))
        .await
        .unwrap();
    for i in 0..50 {
        publisher.publish("ch", format!("tls-{i}")).await.unwrap();
    }
    for i in 0..50 {
        let m = tokio::time::timeout(WAIT, sub.recv())
            .await
            .expect("message in time")
            .expect("open");
        assert_eq!(m.payload, format!("tls-{i}"));
    }
    // The half-close handshake works through TLS (close_notify, then the broker's EOF).
    publisher.close().await.expect("all confirmed");
    assert_eq!(publisher.stats().confirmed, 50);
    sub.close().await.unwrap();
}

#[tokio::test]
async fn an_untrusted_certificate_or_wrong_name_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let (_, acceptor) = cert();
    let (other_pem, _) = cert();
    let other = dir.path().join("other.pem");
    std::fs::write(&other, other_pem).unwrap();
    let mut opts = BrokerOpts::with_users(&[("pub", "s1")]);
    opts.tls = Some(acceptor);
    let broker = TestBroker::start(0, opts).await;
    match Client::connect(tls_cfg(&broker.addr_string(), "pub", "s1", &other, "localhost")).await {
        Err(ClientError::Tls(why)) => assert!(why.contains("certificate"), "{why}"),
        other => panic!("expected a TLS error, got {other:?}"),
    }

    let (right_pem, acceptor) = cert();
    let right = dir.path().join("right.pem");
    std::fs::write(&right, right_pem).unwrap();
    let mut opts = BrokerOpts::with_users(&[("pub", "s1")]);
    opts.tls = Some(acceptor);
    let broker = TestBroker::start(0, opts).await;
    match Client::connect(tls_cfg(&broker.addr_string(), "pub", "s1", &right, "broker.example")).await {
        Err(ClientError::Tls(why)) => assert!(why.contains("certificate"), "{why}"),
        other => panic!("expected a name mismatch, got {other:?}"),
    }
}

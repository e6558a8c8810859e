//! The sensor publishing over hpfeeds: events reach an Apiary broker on `apiary.events` (and a Cowrie-style
//! `cowrie.sessions` summary, for old MHN servers) through the client's spool. Everything runs on 127.0.0.1.

mod common;

use std::sync::Arc;
use std::time::Duration;

use common::start;
use hpfeeds::broker::{Broker, BrokerConfig, Ident, Listener, MemoryStore};
use hpfeeds::client::{Client, ClientConfig};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio_util::sync::CancellationToken;

/// An ident for `name` with the given channels.
fn ident(name: &str, publish: &[&str], subscribe: &[&str]) -> Ident {
    Ident {
        name: name.into(),
        owner: "test".into(),
        secret: format!("{name}-secret"),
        pubchans: publish.iter().map(|c| c.to_string()).collect(),
        subchans: subscribe.iter().map(|c| c.to_string()).collect(),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn events_and_cowrie_sessions_reach_the_broker() {
    let channels = ["apiary.events", "apiary.files", "cowrie.sessions"];
    let store = MemoryStore::new([ident("sensor1", &channels, &[]), ident("reader", &[], &channels)]);
    let broker = Broker::new(BrokerConfig::default(), Arc::new(store)).expect("broker");
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let stop = CancellationToken::new();
    let serving = {
        let (broker, stop) = (broker.clone(), stop.clone());
        tokio::spawn(async move { hpfeeds::broker::serve(&broker, Listener::Tcp(listener), stop).await })
    };
    let reader = Client::connect(ClientConfig::new(addr.to_string(), "reader", "reader-secret"))
        .await
        .unwrap();
    for c in channels {
        reader.subscribe(c).await.unwrap();
    }
    let s = start(|c| {
        c.server = Some(sensor::config::ServerConfig {
            addr: addr.to_string(),
            ident: "sensor1".into(),
            secret: "sensor1-secret".into(),
            cowrie_sessions: true,
        });
    })
    .await;

    // One Telnet session: login, one command, exit.
    let mut t = TcpStream::connect(("127.0.0.1", s.telnet_port())).await.unwrap();
    let mut buf = vec![0u8; 8192];
    let mut seen = Vec::new();
    for (wait_for, send) in [
        (&b"login: "[..], &b"root\r\n"[..]),
        (b"Password: ", b"pw\r\n"),
        (b"# ", b"uname -n\r\nexit\r\n"),
    ] {
        while !seen.windows(wait_for.len()).any(|w| w == wait_for) {
            let n = tokio::time::timeout(Duration::from_secs(10), t.read(&mut buf))
                .await
                .unwrap()
                .unwrap();
            assert!(n > 0);
            seen.extend_from_slice(&buf[..n]);
        }
        seen.clear();
        t.write_all(send).await.unwrap();
    }

    let mut kinds = Vec::new();
    let mut summary = None;
    let deadline = tokio::time::Instant::now() + Duration::from_secs(15);
    while summary.is_none() {
        let msg = tokio::time::timeout_at(deadline, reader.recv())
            .await
            .expect("messages in time")
            .expect("open");
        assert_eq!(msg.ident, "sensor1");
        match msg.channel.as_str() {
            "apiary.events" => {
                let e = event::Event::from_json(&msg.payload).expect("our event JSON");
                assert_eq!(e.sensor, "test-sensor");
                kinds.push(e.kind.name().to_owned());
            }
            "cowrie.sessions" => summary = Some(msg.payload),
            _ => {}
        }
    }
    assert_eq!(kinds.first().map(String::as_str), Some("session.start"));
    assert!(
        kinds.contains(&"auth".to_owned()) && kinds.contains(&"command".to_owned()),
        "{kinds:?}"
    );
    let summary: serde_json::Value = serde_json::from_slice(&summary.unwrap()).unwrap();
    assert_eq!(summary["protocol"], "telnet");
    assert_eq!(summary["loggedin"], serde_json::json!(["root", "pw"]));
    assert_eq!(summary["commands"], serde_json::json!(["uname -n", "exit"]));
    stop.cancel();
    let _ = serving.await;
}

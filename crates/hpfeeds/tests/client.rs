//! Client behaviour against the in-test broker: round trip, refused login, reconnect and re-subscribe, spooling
//! across broker and client restarts, re-sending what a dying broker never read, graceful close, refused channels,
//! receive backpressure, the spool cap, `flush` and `local_addr`.

mod client_support;

use std::time::{Duration, Instant};

use bytes::Bytes;
use client_support::{eventually, free_port, BrokerOpts, TestBroker, WAIT};
use hpfeeds::client::{Client, ClientConfig, ClientError, Message, SpoolConfig, Status};

fn opts() -> BrokerOpts {
    BrokerOpts::with_users(&[("pub", "s1"), ("sub", "s2")])
}

/// Fast timings so restarts and confirmations take a fraction of a second.
fn cfg(addr: &str, ident: &str, secret: &str) -> ClientConfig {
    let mut c = ClientConfig::new(addr, ident, secret);
    c.reconnect_min = Duration::from_millis(50);
    c.reconnect_max = Duration::from_millis(400);
    c.confirm_delay = Duration::from_millis(100);
    c
}

fn spooled(addr: &str, dir: &std::path::Path) -> ClientConfig {
    let mut c = cfg(addr, "pub", "s1");
    c.spool = Some(SpoolConfig::new(dir));
    c
}

fn numbered(i: usize) -> Bytes {
    Bytes::from(format!("m{i:05}"))
}

async fn recv_n(c: &Client, n: usize) -> Vec<Message> {
    let got = tokio::time::timeout(WAIT, async {
        let mut v = Vec::new();
        while v.len() < n {
            v.push(c.recv().await.expect("client closed while receiving"));
        }
        v
    })
    .await;
    got.unwrap_or_else(|_| panic!("did not receive {n} messages within {WAIT:?}"))
}

#[tokio::test]
async fn publish_and_subscribe_round_trip() {
    let broker = TestBroker::start(0, opts()).await;
    let addr = broker.addr_string();
    let sub = Client::connect(cfg(&addr, "sub", "s2")).await.expect("sub connects");
    sub.subscribe("ch").await.unwrap();
    eventually("subscription reaches broker", WAIT, || {
        broker.state.subscribes.lock().unwrap().contains(&"ch".to_string())
    })
    .await;
    let publisher = Client::connect(cfg(&addr, "pub", "s1")).await.expect("pub connects");
    assert!(matches!(publisher.status(), Status::Connected));
    for i in 0..100 {
        publisher.publish("ch", numbered(i)).await.unwrap();
    }
    let got = recv_n(&sub, 100).await;
    for (i, m) in got.iter().enumerate() {
        assert_eq!((m.ident.as_str(), m.channel.as_str()), ("pub", "ch"));
        assert_eq!(m.payload, numbered(i), "message {i} out of order");
    }
    publisher.close().await.expect("everything delivered");
    let st = publisher.stats();
    assert_eq!(
        (st.published, st.sent, st.confirmed, st.queued, st.dropped),
        (100, 100, 100, 0, 0)
    );
    assert_eq!(sub.stats().received, 100);
    sub.close().await.unwrap();
    assert!(sub.recv().await.is_none(), "recv ends after close");
}

#[tokio::test]
async fn wrong_secret_reports_the_broker_text_and_backs_off() {
    let broker = TestBroker::start(0, opts()).await;
    let addr = broker.addr_string();
    match Client::connect(cfg(&addr, "pub", "wrong")).await {
        Err(ClientError::AuthFailed { message }) => assert_eq!(message, "Authentication failed for pub"),
        other => panic!("expected AuthFailed, got {other:?}"),
    }
    let before = broker.state.auth_failures.load(std::sync::atomic::Ordering::SeqCst);
    let mut c = cfg(&addr, "pub", "wrong");
    c.reconnect_min = Duration::from_millis(100);
    c.reconnect_max = Duration::from_millis(800);
    c.close_timeout = Duration::from_millis(200);
    let client = Client::start(c).await.unwrap();
    let mut status = client.watch_status();
    let seen = tokio::time::timeout(WAIT, status.wait_for(|s| matches!(s, Status::Backoff { .. })))
        .await
        .expect("status changes")
        .expect("status channel open")
        .clone();
    match seen {
        Status::Backoff { error, .. } => {
            assert_eq!(error.broker_message(), Some("Authentication failed for pub"), "{error}")
        }
        other => panic!("{other:?}"),
    }
    tokio::time::sleep(Duration::from_millis(1500)).await;
    let attempts = broker.state.auth_failures.load(std::sync::atomic::Ordering::SeqCst) - before;
    // Delays of 50-100, 100-200, 200-400, 400-800 ms: about five attempts in 1.5 s; a tight loop makes hundreds.
    assert!((2..=10).contains(&attempts), "{attempts} attempts in 1.5 s");
    client.publish("ch", "x").await.unwrap();
    match client.close().await {
        Err(e @ ClientError::Undelivered { pending: 1, .. }) => {
            assert_eq!(e.broker_message(), Some("Authentication failed for pub"))
        }
        other => panic!("expected Undelivered, got {other:?}"),
    }
}

#[tokio::test]
async fn reconnects_and_resubscribes_after_a_broker_restart() {
    let broker = TestBroker::start(0, opts()).await;
    let (port, state) = (broker.addr.port(), broker.state.clone());
    let addr = broker.addr_string();
    let sub = Client::connect(cfg(&addr, "sub", "s2")).await.unwrap();
    for ch in ["a", "b", "c"] {
        sub.subscribe(ch).await.unwrap();
    }
    sub.unsubscribe("b").await.unwrap();
    eventually("three subscriptions", WAIT, || {
        state.subscribes.lock().unwrap().len() == 3
    })
    .await;
    broker.stop().await;
    let broker = TestBroker::start_with(port, opts(), state.clone()).await;
    eventually("re-subscription after restart", WAIT, || {
        state.subscribes.lock().unwrap().len() >= 5
    })
    .await;
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert_eq!(
        *state.subscribes.lock().unwrap(),
        ["a", "b", "c", "a", "c"],
        "b was unsubscribed"
    );
    let publisher = Client::connect(cfg(&addr, "pub", "s1")).await.unwrap();
    publisher.publish("c", "after-restart").await.unwrap();
    let got = recv_n(&sub, 1).await;
    assert_eq!(got[0].payload, "after-restart");
    assert_eq!(sub.stats().reconnects, 1);
    publisher.close().await.unwrap();
    sub.close().await.unwrap();
    broker.stop().await;
}

#[tokio::test]
async fn local_addr_follows_the_connection() {
    let broker = TestBroker::start(0, opts()).await;
    let (port, state) = (broker.addr.port(), broker.state.clone());
    let addr = broker.addr_string();
    let client = Client::connect(cfg(&addr, "pub", "s1")).await.unwrap();
    let first = client.local_addr().expect("connected, so the local address is known");
    assert_eq!(first.ip(), std::net::IpAddr::from([127, 0, 0, 1]));
    assert_ne!(first.port(), 0);
    broker.stop().await;
    eventually("local address cleared while disconnected", WAIT, || {
        client.local_addr().is_none()
    })
    .await;
    let broker = TestBroker::start_with(port, opts(), state).await;
    eventually("local address back after reconnecting", WAIT, || {
        client.local_addr().is_some()
    })
    .await;
    let second = client.local_addr().unwrap_or(first);
    assert_eq!(second.ip(), first.ip());
    client.close().await.unwrap();
    assert_eq!(client.local_addr(), None, "closed");
    broker.stop().await;
}

#[tokio::test]
async fn spool_delivers_in_order_once_the_broker_comes_up() {
    let dir = tempfile::tempdir().unwrap();
    let port = free_port();
    let addr = format!("127.0.0.1:{port}");
    let client = Client::start(spooled(&addr, dir.path())).await.unwrap();
    for i in 0..500 {
        client.publish("ch", numbered(i)).await.unwrap();
    }
    assert_eq!(client.stats().queued, 500);
    assert!(matches!(client.status(), Status::Connecting | Status::Backoff { .. }));
    let broker = TestBroker::start(port, opts()).await;
    eventually("500 messages at the broker", WAIT, || {
        broker.state.payloads("ch").len() >= 500
    })
    .await;
    let want: Vec<Bytes> = (0..500).map(numbered).collect();
    assert_eq!(broker.state.payloads("ch"), want, "in order, none lost, none repeated");
    client.flush().await.unwrap();
    eventually("all confirmed", WAIT, || client.stats().confirmed == 500).await;
    assert_eq!(client.stats().queued, 0);
    client.close().await.unwrap();
}

#[tokio::test]
async fn spool_survives_a_client_restart() {
    let dir = tempfile::tempdir().unwrap();
    let port = free_port();
    let addr = format!("127.0.0.1:{port}");
    let mut c = spooled(&addr, dir.path());
    c.close_timeout = Duration::from_millis(300);
    let first = Client::start(c.clone()).await.unwrap();
    for i in 0..50 {
        first.publish("ch", numbered(i)).await.unwrap();
    }
    match first.close().await {
        Err(ClientError::Undelivered { pending: 50, .. }) => {}
        other => panic!("expected 50 undelivered, got {other:?}"),
    }
    // Same spool directory, as a restarted sensor would have.
    let second = Client::start(c.clone()).await.expect("spool released by close");
    assert_eq!(second.stats().queued, 50);
    for i in 50..100 {
        second.publish("ch", numbered(i)).await.unwrap();
    }
    let broker = TestBroker::start(port, opts()).await;
    eventually("100 messages", WAIT, || broker.state.payloads("ch").len() >= 100).await;
    assert_eq!(broker.state.payloads("ch"), (0..100).map(numbered).collect::<Vec<_>>());
    second.close().await.unwrap();
    let third = Client::start(c).await.unwrap();
    assert_eq!(third.stats().queued, 0, "delivered messages are not sent again");
    third.close().await.unwrap();
}

#[tokio::test]
async fn what_a_dying_broker_never_read_is_sent_again() {
    let mut o = opts();
    o.crash_after = Some(100);
    let broker = TestBroker::start(0, o).await;
    let dir = tempfile::tempdir().unwrap();
    let client = Client::connect(spooled(&broker.addr_string(), dir.path()))
        .await
        .unwrap();
    for i in 0..1000 {
        client.publish("ch", numbered(i)).await.unwrap();
    }
    // The broker reads 100 messages, then drops the connection with the rest unread in its socket buffer:
    // TCP accepted those bytes, but only the client's unconfirmed window can bring them back.
    eventually("every message delivered at least once", WAIT, || {
        let got = broker.state.payloads("ch");
        (0..1000).all(|i| got.contains(&numbered(i)))
    })
    .await;
    let got = broker.state.payloads("ch");
    let mut max = None;
    let mut repeats = 0;
    for p in &got {
        let i: usize = std::str::from_utf8(&p[1..]).unwrap().parse().unwrap();
        match max {
            Some(m) if i <= m => repeats += 1,
            _ => {
                assert_eq!(i, max.map_or(0, |m| m + 1), "gap before message {i}");
                max = Some(i);
            }
        }
    }
    let stats = client.stats();
    assert!(stats.resent > 0 && stats.reconnects == 1, "{stats:?}");
    assert!(
        repeats as u64 <= stats.resent,
        "{repeats} repeats but only {} re-sent",
        stats.resent
    );
    client.close().await.unwrap();
}

#[tokio::test]
async fn close_confirms_through_the_half_close_without_waiting() {
    let broker = TestBroker::start(0, opts()).await;
    let mut c = cfg(&broker.addr_string(), "pub", "s1");
    // Confirmation by time alone would take a minute: only the half-close handshake can finish in time.
    c.confirm_delay = Duration::from_secs(60);
    c.close_timeout = Duration::from_secs(10);
    let client = Client::start(c).await.unwrap();
    for i in 0..20 {
        client.publish("ch", numbered(i)).await.unwrap();
    }
    let t = Instant::now();
    client.close().await.expect("broker closed after reading everything");
    assert!(t.elapsed() < Duration::from_secs(5), "close took {:?}", t.elapsed());
    assert_eq!(broker.state.payloads("ch").len(), 20);
    assert_eq!(client.stats().confirmed, 20);
    assert!(matches!(client.publish("ch", "late").await, Err(ClientError::Closed)));
}

#[tokio::test]
async fn a_refused_channel_is_skipped_and_then_fails_fast() {
    let mut o = opts();
    o.deny_pub = vec!["bad".into()];
    let broker = TestBroker::start(0, o).await;
    let client = Client::connect(cfg(&broker.addr_string(), "pub", "s1")).await.unwrap();
    client.publish("good", "g1").await.unwrap();
    client.publish("bad", "b1").await.unwrap();
    client.publish("good", "g2").await.unwrap();
    eventually("g2 delivered after the refusal", WAIT, || {
        broker.state.payloads("good").contains(&Bytes::from("g2"))
    })
    .await;
    assert!(broker.state.payloads("bad").is_empty());
    match client.publish("bad", "b2").await {
        Err(ClientError::Rejected { channel, message }) => {
            assert_eq!(channel, "bad");
            assert_eq!(message, "Authkey not allowed to pub here. ident=pub, chan=bad");
        }
        other => panic!("expected Rejected, got {other:?}"),
    }
    assert_eq!(
        client.stats().rejected,
        2,
        "one skipped from the queue, one refused at once"
    );
    client.close().await.unwrap();
}

#[tokio::test]
async fn a_slow_subscriber_gets_backpressure_not_drops() {
    let broker = TestBroker::start(0, opts()).await;
    let addr = broker.addr_string();
    let mut c = cfg(&addr, "sub", "s2");
    c.queue_len = 4;
    let sub = Client::connect(c).await.unwrap();
    sub.subscribe("ch").await.unwrap();
    eventually("subscribed", WAIT, || {
        !broker.state.subscribes.lock().unwrap().is_empty()
    })
    .await;
    let publisher = Client::connect(cfg(&addr, "pub", "s1")).await.unwrap();
    for i in 0..300 {
        publisher.publish("ch", numbered(i)).await.unwrap();
    }
    eventually("broker got all", WAIT, || broker.state.payloads("ch").len() == 300).await;
    tokio::time::sleep(Duration::from_millis(200)).await;
    let got = recv_n(&sub, 300).await;
    assert_eq!(
        got.iter().map(|m| m.payload.clone()).collect::<Vec<_>>(),
        (0..300).map(numbered).collect::<Vec<_>>()
    );
    publisher.close().await.unwrap();
    sub.close().await.unwrap();
}

#[tokio::test]
async fn a_full_spool_refuses_and_counts_every_drop() {
    let dir = tempfile::tempdir().unwrap();
    let port = free_port();
    let addr = format!("127.0.0.1:{port}");
    let mut c = spooled(&addr, dir.path());
    // PUBLISH "pub"/"ch"/"m00000" is 5 + 1 + 3 + 1 + 2 + 6 = 18 bytes; 8 more on disk: room for ten.
    c.spool.as_mut().unwrap().max_bytes = 10 * 26;
    let client = Client::start(c).await.unwrap();
    let mut refused = 0;
    for i in 0..30 {
        match client.publish("ch", numbered(i)).await {
            Ok(()) => {}
            Err(ClientError::SpoolFull { .. }) => refused += 1,
            Err(e) => panic!("{e}"),
        }
    }
    let st = client.stats();
    assert_eq!((refused, st.dropped, st.queued, st.published), (20, 20, 10, 10));
    let broker = TestBroker::start(port, opts()).await;
    eventually("the ten accepted", WAIT, || broker.state.payloads("ch").len() >= 10).await;
    assert_eq!(broker.state.payloads("ch"), (0..10).map(numbered).collect::<Vec<_>>());
    client.close().await.unwrap();
}

#[tokio::test]
async fn flush_returns_once_everything_is_written() {
    let broker = TestBroker::start(0, opts()).await;
    let client = Client::connect(cfg(&broker.addr_string(), "pub", "s1")).await.unwrap();
    for i in 0..1000 {
        client.publish("ch", numbered(i)).await.unwrap();
    }
    tokio::time::timeout(WAIT, client.flush())
        .await
        .expect("flush finishes")
        .unwrap();
    assert_eq!(client.stats().sent, 1000);
    client.close().await.unwrap();
}

#[tokio::test]
async fn messages_that_can_never_be_sent_are_refused_up_front() {
    let broker = TestBroker::start(0, opts()).await;
    let mut c = cfg(&broker.addr_string(), "pub", "s1");
    c.max_frame = 64;
    let client = Client::connect(c).await.unwrap();
    assert!(matches!(
        client.publish(&"x".repeat(256), "p").await,
        Err(ClientError::Frame(_))
    ));
    assert!(matches!(
        client.publish("ch", vec![0u8; 64]).await,
        Err(ClientError::Frame(_))
    ));
    assert_eq!(client.stats().dropped, 0, "caller errors are not drops");
    client.close().await.unwrap();
}

#[tokio::test]
async fn a_hung_broker_is_detected_and_what_it_never_acknowledged_stays_queued() {
    let mut o = opts();
    o.freeze_after_auth = true;
    o.recv_buffer = Some(4096);
    let broker = TestBroker::start(0, o).await;
    let mut c = cfg(&broker.addr_string(), "pub", "s1");
    c.stall_timeout = Duration::from_secs(1);
    c.queue_len = 4096;
    let client = Client::start(c).await.unwrap();
    let mut status = client.watch_status();
    // 2 MiB in 1 KiB messages: the broker's kernel takes a few KiB, the rest waits in ours, written but unacknowledged.
    for _ in 0..2048 {
        client.publish("ch", vec![b'x'; 1024]).await.unwrap();
    }
    let seen = tokio::time::timeout(
        WAIT,
        status.wait_for(|s| {
            matches!(
                s,
                Status::Backoff {
                    error: ClientError::Stalled(_) | ClientError::ConnectionLost(_),
                    ..
                }
            )
        }),
    )
    .await
    .expect("the stall is detected")
    .expect("status channel open")
    .clone();
    let st = client.stats();
    // Only what the broker's kernel acknowledged (its small receive buffer) may count as confirmed; the time
    // rule alone would confirm everything that reached our own send buffer.
    assert!(
        st.confirmed <= 64,
        "confirmed {} KiB the broker never acknowledged: {st:?} ({seen:?})",
        st.confirmed
    );
    assert!(st.sent > st.confirmed, "{st:?}");
    assert_eq!(st.queued, 2048 - st.confirmed, "everything unconfirmed is still queued");
}

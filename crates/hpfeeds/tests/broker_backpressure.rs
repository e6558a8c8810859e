//! Backpressure: a slow subscriber slows its publishers and loses nothing; a subscriber that stops reading is
//! cut off after the deadline while the others keep receiving. Over sockets (short real deadlines) and with
//! in-process subscribers (paused time).

mod broker_support;

use std::sync::Arc;
use std::time::Duration;

use broker_support::{metric, start, wait_subscribers, Client, Next, WAIT};
use bytes::Bytes;
use hpfeeds::broker::{Broker, BrokerConfig, MemoryStore};

/// Messages per socket test: 30 MB of 1 KiB payloads, more than every kernel buffer on the path can hide.
const N: u32 = 30_000;

fn payload(i: u32) -> Bytes {
    let mut v = vec![0u8; 1000];
    v[..4].copy_from_slice(&i.to_be_bytes());
    Bytes::from(v)
}

fn index(p: &[u8]) -> u32 {
    u32::from_be_bytes([p[0], p[1], p[2], p[3]])
}

/// Waits until the broker stops reading (its received-bytes counter holds still), and returns the count.
async fn wait_until_broker_stops_reading(broker: &Broker) -> f64 {
    let deadline = tokio::time::Instant::now() + WAIT;
    let mut last = -1.0;
    loop {
        let now = metric(&broker.metrics_text(), "hpfeeds_received_bytes_total");
        if now == last {
            return now;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "the broker never stopped reading"
        );
        last = now;
        tokio::time::sleep(Duration::from_millis(300)).await;
    }
}

#[tokio::test]
async fn slow_subscriber_slows_the_publisher_and_loses_nothing() {
    let b = start(BrokerConfig {
        queue_bytes: 64 * 1024,
        subscriber_deadline: Duration::from_secs(30),
        ..BrokerConfig::default()
    })
    .await;
    let mut s = Client::connect_small(b.addr, 4096).await;
    s.auth("sub", "subsecret").await;
    s.subscribe("sub", "events").await;
    wait_subscribers(&b.broker, "events", 1).await;
    let mut p = Client::connect_small(b.addr, 4096).await;
    p.auth("pub", "pubsecret").await;
    let publisher = tokio::spawn(async move {
        for i in 0..N {
            p.publish("pub", "events", payload(i)).await;
        }
        p
    });
    // The subscriber reads nothing yet: the broker must stop reading the publisher rather than buffer or drop.
    let read = wait_until_broker_stops_reading(&b.broker).await;
    assert!(
        read < f64::from(N) * 1000.0,
        "the broker read everything ({read} bytes) instead of pushing back"
    );
    assert!(!publisher.is_finished(), "the publisher was not slowed down");
    for i in 0..N {
        let (_, _, p) = s.expect_publish().await;
        assert_eq!(index(&p), i, "lost or reordered message");
    }
    let _p = tokio::time::timeout(WAIT, publisher)
        .await
        .expect("publisher finishes")
        .unwrap();
    let m = b.broker.metrics_text();
    assert_eq!(metric(&m, "hpfeeds_slow_subscriber_disconnects_total"), 0.0);
    for reason in ["subscriber_evicted", "subscriber_gone"] {
        let name = format!("hpfeeds_messages_dropped_total{{reason=\"{reason}\"}}");
        assert_eq!(metric(&m, &name), 0.0, "{m}");
    }
}

#[tokio::test]
async fn subscriber_that_stops_reading_is_cut_off_after_the_deadline_and_others_keep_receiving() {
    let b = start(BrokerConfig {
        queue_bytes: 64 * 1024,
        subscriber_deadline: Duration::from_millis(500),
        ..BrokerConfig::default()
    })
    .await;
    let mut stuck = Client::connect_small(b.addr, 4096).await;
    stuck.auth("sub", "subsecret").await;
    stuck.subscribe("sub", "events").await;
    let mut good = Client::login(b.addr, "both", "bothsecret").await;
    good.subscribe("both", "events").await;
    wait_subscribers(&b.broker, "events", 2).await;
    let reader = tokio::spawn(async move {
        for i in 0..N {
            let (_, _, p) = good.expect_publish().await;
            assert_eq!(index(&p), i, "lost or reordered message at the good subscriber");
        }
    });
    let mut p = Client::login(b.addr, "pub", "pubsecret").await;
    for i in 0..N {
        p.publish("pub", "events", payload(i)).await;
    }
    tokio::time::timeout(Duration::from_secs(30), reader)
        .await
        .expect("good subscriber got everything")
        .unwrap();
    wait_subscribers(&b.broker, "events", 1).await;
    // The stuck client gets what the kernel already held, then the close.
    let mut closed = false;
    for _ in 0..N {
        match stuck.next().await {
            Next::Frame(_) => {}
            Next::Closed => {
                closed = true;
                break;
            }
            Next::Timeout => break,
        }
    }
    assert!(closed, "the stuck subscriber was not disconnected");
    let m = b.broker.metrics_text();
    assert_eq!(metric(&m, "hpfeeds_slow_subscriber_disconnects_total"), 1.0, "{m}");
    assert_eq!(
        metric(&m, "hpfeeds_disconnects_total{reason=\"slow_subscriber\"}"),
        1.0,
        "{m}"
    );
}

fn local_broker(queue_bytes: usize) -> Broker {
    let config = BrokerConfig {
        queue_bytes,
        ..BrokerConfig::default()
    };
    Broker::new(config, Arc::new(MemoryStore::default())).unwrap()
}

#[tokio::test(start_paused = true)]
async fn local_subscriber_behind_slows_publish_local_and_then_gets_everything() {
    let b = local_broker(1000);
    let mut sub = b.subscribe_local(["events"]);
    let pb = b.clone();
    let publisher = tokio::spawn(async move {
        for i in 0..100u32 {
            assert_eq!(
                pb.publish_local("collector", "events", Bytes::from(vec![i as u8; 100]))
                    .await
                    .unwrap(),
                1
            );
        }
    });
    tokio::time::sleep(Duration::from_secs(5)).await;
    assert!(
        !publisher.is_finished(),
        "a full local queue must make publish_local wait"
    );
    for i in 0..100u32 {
        let m = sub.recv().await.expect("message");
        assert_eq!(
            (&m.ident[..], &m.channel[..], m.payload[0]),
            (&b"collector"[..], &b"events"[..], i as u8)
        );
    }
    publisher.await.unwrap();
    assert!(!sub.is_cut_off());
}

#[tokio::test(start_paused = true)]
async fn catch_all_local_subscriber_gets_every_channel_and_is_never_cut_off() {
    let b = local_broker(1000);
    let mut all = b.subscribe_local_all();
    let pb = b.clone();
    let publisher = tokio::spawn(async move {
        for i in 0..100u32 {
            let channel = ["a.events", "b.events", "never.subscribed"][i as usize % 3];
            assert_eq!(
                pb.publish_local("s", channel, Bytes::from(vec![i as u8; 100]))
                    .await
                    .unwrap(),
                1
            );
        }
    });
    // Ten deadlines without reading: a normal subscriber would have been cut off long ago.
    let deadline = b.config().subscriber_deadline;
    tokio::time::sleep(deadline * 10).await;
    assert!(!publisher.is_finished(), "publishers wait for the collector");
    assert!(!all.is_cut_off());
    for i in 0..100u32 {
        let m = all.recv().await.expect("message");
        let channel = ["a.events", "b.events", "never.subscribed"][i as usize % 3];
        assert_eq!((&m.channel[..], m.payload[0]), (channel.as_bytes(), i as u8));
    }
    publisher.await.unwrap();
    drop(all);
    assert_eq!(
        b.publish_local("s", "a.events", Bytes::from_static(b"x"))
            .await
            .unwrap(),
        0,
        "dropping the subscription unsubscribes it"
    );
}

#[tokio::test(start_paused = true)]
async fn local_subscriber_that_stops_reading_is_cut_off_at_the_deadline() {
    let b = local_broker(1000);
    let stuck = b.subscribe_local(["events"]);
    let mut good = b.subscribe_local(["events"]);
    let reader = tokio::spawn(async move {
        for i in 0..100u32 {
            assert_eq!(good.recv().await.expect("message").payload[0], i as u8);
        }
        good
    });
    let pb = b.clone();
    let publisher = tokio::spawn(async move {
        for i in 0..100u32 {
            pb.publish_local("collector", "events", Bytes::from(vec![i as u8; 100]))
                .await
                .unwrap();
        }
    });
    let deadline = b.config().subscriber_deadline;
    tokio::time::sleep(deadline - Duration::from_secs(1)).await;
    assert!(
        !publisher.is_finished(),
        "publishers wait for a stuck subscriber until the deadline"
    );
    tokio::time::sleep(Duration::from_secs(2)).await;
    publisher.await.unwrap();
    let _good = reader.await.unwrap();
    assert!(stuck.is_cut_off());
    assert_eq!(b.subscriber_count("events"), 1);
    drop(stuck);
    let m = b.metrics_text();
    assert_eq!(metric(&m, "hpfeeds_slow_subscriber_disconnects_total"), 1.0, "{m}");
    assert!(
        metric(&m, "hpfeeds_messages_dropped_total{reason=\"subscriber_evicted\"}") >= 1.0,
        "{m}"
    );
}

#[tokio::test]
async fn network_publish_reaches_a_local_subscriber() {
    let b = start(BrokerConfig::default()).await;
    let mut local = b.broker.subscribe_local(["events"]);
    let mut p = Client::login(b.addr, "pub", "pubsecret").await;
    for i in 0..100u32 {
        p.publish("pub", "events", payload(i)).await;
    }
    for i in 0..100u32 {
        let m = tokio::time::timeout(WAIT, local.recv()).await.unwrap().unwrap();
        assert_eq!((&m.ident[..], index(&m.payload)), (&b"pub"[..], i));
    }
    drop(local);
    assert_eq!(b.broker.subscriber_count("events"), 0);
}

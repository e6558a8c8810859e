//! Socket-level tests of the broker's protocol behaviour: handshake, ACLs, fan-out, malformed input.
//!
//! Each test starts its own broker on 127.0.0.1:0 and speaks raw frames; error texts are the reference's.

mod broker_support;

use std::time::Duration;

use broker_support::{start, wait_subscribers, Client};
use bytes::Bytes;
use hpfeeds::broker::BrokerConfig;
use hpfeeds::wire::Frame;

fn config() -> BrokerConfig {
    BrokerConfig::default()
}

#[tokio::test]
async fn info_carries_name_and_four_byte_nonce() {
    let b = start(BrokerConfig {
        name: "apiary-test".into(),
        ..config()
    })
    .await;
    let c1 = Client::connect(b.addr).await;
    let c2 = Client::connect(b.addr).await;
    assert_eq!(&c1.name[..], b"apiary-test");
    assert_eq!(c1.nonce.len(), 4);
    assert_ne!(c1.nonce, c2.nonce, "every connection gets a fresh nonce");
}

#[tokio::test]
async fn good_login_gets_no_reply_and_stays_open() {
    let b = start(config()).await;
    let mut c = Client::login(b.addr, "sub", "subsecret").await;
    c.expect_silence(Duration::from_millis(200)).await;
}

#[tokio::test]
async fn wrong_secret_gets_reference_error_and_close() {
    let b = start(config()).await;
    let mut c = Client::login(b.addr, "pub", "not-the-secret").await;
    c.expect_error_then_close("Authentication failed for pub").await;
}

#[tokio::test]
async fn unknown_ident_gets_the_same_error_as_a_wrong_secret() {
    let b = start(config()).await;
    let mut c = Client::login(b.addr, "mallory", "x").await;
    c.expect_error_then_close("Authentication failed for mallory").await;
}

#[tokio::test]
async fn first_frame_not_auth_is_refused() {
    let b = start(config()).await;
    let mut c = Client::connect(b.addr).await;
    c.publish("pub", "events", "early").await;
    c.expect_error_then_close("First message was not AUTH").await;
    // A large non-AUTH frame is refused from its header, without buffering its body.
    let mut c = Client::connect(b.addr).await;
    #[rustfmt::skip]
    c.send_raw(&[
        0x00, 0x10, 0x00, 0x00, 0x03, // len 1 MiB, PUBLISH
    ]).await;
    c.expect_error_then_close("First message was not AUTH").await;
}

#[tokio::test]
async fn no_auth_within_timeout_is_closed() {
    let b = start(BrokerConfig {
        auth_timeout: Duration::from_millis(200),
        ..config()
    })
    .await;
    let mut c = Client::connect(b.addr).await;
    let started = std::time::Instant::now();
    c.expect_error_then_close("Authentication timed out").await;
    assert!(started.elapsed() < Duration::from_secs(3));
}

#[tokio::test]
async fn fan_out_delivers_every_message_in_order_to_every_subscriber() {
    let b = start(config()).await;
    let mut s1 = Client::login(b.addr, "sub", "subsecret").await;
    let mut s2 = Client::login(b.addr, "both", "bothsecret").await;
    s1.subscribe("sub", "events").await;
    s2.subscribe("both", "events").await;
    wait_subscribers(&b.broker, "events", 2).await;
    let mut p = Client::login(b.addr, "pub", "pubsecret").await;
    const N: u32 = 2000;
    let sender = tokio::spawn(async move {
        for i in 0..N {
            p.publish("pub", "events", i.to_be_bytes().to_vec()).await;
        }
        p
    });
    for s in [&mut s1, &mut s2] {
        for i in 0..N {
            let (ident, channel, payload) = s.expect_publish().await;
            assert_eq!((&ident[..], &channel[..]), (&b"pub"[..], &b"events"[..]));
            assert_eq!(
                payload,
                Bytes::copy_from_slice(&i.to_be_bytes()),
                "message {i} out of order"
            );
        }
    }
    let _p = sender.await.unwrap();
    s1.expect_silence(Duration::from_millis(100)).await;
}

#[tokio::test]
async fn publisher_subscribed_to_its_channel_gets_its_own_messages_like_the_reference() {
    let b = start(config()).await;
    let mut c = Client::login(b.addr, "both", "bothsecret").await;
    c.subscribe("both", "events").await;
    wait_subscribers(&b.broker, "events", 1).await;
    c.publish("both", "events", "echo").await;
    assert_eq!(&c.expect_publish().await.2[..], b"echo");
}

#[tokio::test]
async fn pipelined_auth_and_subscribe_in_one_write_are_both_handled() {
    let b = start(config()).await;
    let mut c = Client::connect(b.addr).await;
    let digest = hpfeeds::wire::auth_digest(&c.nonce, b"subsecret");
    let mut bytes = Frame::Auth {
        ident: Bytes::from_static(b"sub"),
        digest: Bytes::copy_from_slice(&digest),
    }
    .to_bytes()
    .unwrap()
    .to_vec();
    bytes.extend_from_slice(
        &Frame::Subscribe {
            ident: Bytes::from_static(b"sub"),
            channel: Bytes::from_static(b"events"),
        }
        .to_bytes()
        .unwrap(),
    );
    c.send_raw(&bytes).await;
    wait_subscribers(&b.broker, "events", 1).await;
}

#[tokio::test]
async fn publish_on_a_channel_not_allowed_gets_reference_error() {
    let b = start(config()).await;
    let mut c = Client::login(b.addr, "pub", "pubsecret").await;
    c.publish("pub", "secret-channel", "x").await;
    c.expect_error_then_close("Authkey not allowed to pub here. ident=pub, chan=secret-channel")
        .await;
}

#[tokio::test]
async fn subscribe_to_a_channel_not_allowed_gets_reference_error_and_no_subscription() {
    let b = start(config()).await;
    let mut c = Client::login(b.addr, "sub", "subsecret").await;
    c.subscribe("sub", "other").await;
    c.expect_error_then_close("Authkey not allowed to sub here. ident=sub, chan=other")
        .await;
    assert_eq!(b.broker.subscriber_count("other"), 0);
}

#[tokio::test]
async fn publish_with_a_spoofed_ident_is_refused_and_never_forwarded() {
    let b = start(config()).await;
    let mut s = Client::login(b.addr, "sub", "subsecret").await;
    s.subscribe("sub", "events").await;
    wait_subscribers(&b.broker, "events", 1).await;
    let mut liar = Client::login(b.addr, "pub", "pubsecret").await;
    liar.publish("pub2", "events", "forged").await;
    liar.expect_error_then_close("Invalid authkey in message, ident=pub2")
        .await;
    let mut honest = Client::login(b.addr, "pub2", "pub2secret").await;
    honest.publish("pub2", "events", "genuine").await;
    let (ident, _, payload) = s.expect_publish().await;
    assert_eq!(
        (&ident[..], &payload[..]),
        (&b"pub2"[..], &b"genuine"[..]),
        "the forged message must not arrive"
    );
}

#[tokio::test]
async fn length_zero_frame_closes_promptly_instead_of_hanging() {
    // The reference spins forever on these five bytes.
    let b = start(config()).await;
    let mut c = Client::login(b.addr, "pub", "pubsecret").await;
    #[rustfmt::skip]
    c.send_raw(&[
        0x00, 0x00, 0x00, 0x00, 0x03, // len 0, PUBLISH
    ]).await;
    let t = std::time::Instant::now();
    c.expect_closed().await;
    assert!(t.elapsed() < Duration::from_secs(2));
    // Before AUTH as well.
    let mut c = Client::connect(b.addr).await;
    c.send_raw(&[0, 0, 0, 0, 2]).await;
    c.expect_closed().await;
}

#[tokio::test]
async fn bad_lengths_and_opcodes_close_cleanly_without_huge_allocation() {
    let b = start(config()).await;
    #[rustfmt::skip]
    let cases: [&[u8]; 3] = [
        &[0x00, 0x00, 0x00, 0x04, 0x03], // len 4 < header, PUBLISH
        &[0xff, 0xff, 0xff, 0xff, 0x03], // len 4 GiB, PUBLISH
        &[0x00, 0x00, 0x00, 0x05, 0x09], // len 5, unknown opcode 9
    ];
    for bytes in cases {
        let mut c = Client::login(b.addr, "pub", "pubsecret").await;
        c.send_raw(bytes).await;
        c.expect_closed().await;
    }
    // The broker is still healthy.
    let mut c = Client::login(b.addr, "sub", "subsecret").await;
    c.subscribe("sub", "events").await;
    wait_subscribers(&b.broker, "events", 1).await;
}

#[tokio::test]
async fn frame_above_max_frame_closes_the_publisher() {
    let b = start(BrokerConfig {
        max_frame: 1000,
        ..config()
    })
    .await;
    let mut c = Client::login(b.addr, "pub", "pubsecret").await;
    c.publish("pub", "events", vec![0u8; 990]).await;
    c.expect_closed().await;
}

#[tokio::test]
async fn second_auth_on_an_authenticated_connection_closes_it() {
    let b = start(config()).await;
    let mut c = Client::login(b.addr, "sub", "subsecret").await;
    c.auth("pub", "pubsecret").await;
    c.expect_closed().await;
}

/// Regression: the reference keeps a list per channel, so subscribe twice + unsubscribe once left an entry, and
/// a stale entry after disconnect made every later publisher on that channel get disconnected.
#[tokio::test]
async fn regression_subscribe_twice_unsubscribe_once_then_disconnect_leaves_no_stale_entry() {
    let b = start(config()).await;
    let mut s = Client::login(b.addr, "sub", "subsecret").await;
    s.subscribe("sub", "events").await;
    s.subscribe("sub", "events").await;
    wait_subscribers(&b.broker, "events", 1).await;
    s.unsubscribe("sub", "events").await;
    wait_subscribers(&b.broker, "events", 0).await;
    let mut p = Client::login(b.addr, "pub", "pubsecret").await;
    p.publish("pub", "events", "after-unsubscribe").await;
    s.expect_silence(Duration::from_millis(200)).await;

    s.subscribe("sub", "events").await;
    s.subscribe("sub", "events").await;
    wait_subscribers(&b.broker, "events", 1).await;
    drop(s);
    wait_subscribers(&b.broker, "events", 0).await;
    // Publishers on the channel are unaffected, and a new subscriber gets exactly one copy.
    let mut s2 = Client::login(b.addr, "both", "bothsecret").await;
    s2.subscribe("both", "events").await;
    wait_subscribers(&b.broker, "events", 1).await;
    for i in 0..3u8 {
        p.publish("pub", "events", vec![i]).await;
    }
    for i in 0..3u8 {
        assert_eq!(&s2.expect_publish().await.2[..], &[i]);
    }
    s2.expect_silence(Duration::from_millis(100)).await;
    p.expect_silence(Duration::from_millis(10)).await;
}

/// The reference leaves Nagle on, which holds small messages behind delayed ACKs for 40 ms.
#[tokio::test]
async fn accepted_sockets_get_tcp_nodelay_and_keepalive() {
    let l = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = l.local_addr().unwrap();
    let client = tokio::net::TcpStream::connect(addr).await.unwrap();
    assert!(!client.nodelay().unwrap(), "precondition: Nagle is on by default");
    let (server_side, peer) = hpfeeds::broker::accept_configured(&l).await.unwrap();
    assert_eq!(peer, client.local_addr().unwrap());
    assert!(server_side.nodelay().unwrap());
    assert!(socket2::SockRef::from(&server_side).keepalive().unwrap());
}

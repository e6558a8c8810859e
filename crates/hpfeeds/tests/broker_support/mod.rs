//! Shared helpers for the broker's socket-level tests: start a broker on 127.0.0.1:0, and a raw-frame client.
//!
//! The client speaks bytes through [`hpfeeds::wire`] only, so these tests check the broker's wire behaviour,
//! not a client library's. Every wait is bounded by [`WAIT`].

#![allow(dead_code)]

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use bytes::{Bytes, BytesMut};
use hpfeeds::broker::{self, Broker, BrokerConfig, Ident, IdentStore, Listener, MemoryStore};
use hpfeeds::wire::{self, Frame, DEFAULT_MAX_FRAME};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio_util::sync::CancellationToken;

/// Longest any single expectation waits before the test fails.
pub const WAIT: Duration = Duration::from_secs(10);

/// The idents every test uses.
pub fn idents() -> Vec<Ident> {
    let ident = |name: &str, secret: &str, pubs: &[&str], subs: &[&str]| Ident {
        name: name.into(),
        owner: "tests".into(),
        secret: secret.into(),
        pubchans: pubs.iter().map(|s| s.to_string()).collect(),
        subchans: subs.iter().map(|s| s.to_string()).collect(),
    };
    vec![
        ident("pub", "pubsecret", &["events", "other"], &[]),
        ident("pub2", "pub2secret", &["events"], &[]),
        ident("sub", "subsecret", &[], &["events"]),
        ident("both", "bothsecret", &["events"], &["events"]),
    ]
}

/// A broker serving one plain listener on an ephemeral loopback port.
pub struct TestBroker {
    pub broker: Broker,
    pub addr: SocketAddr,
    pub shutdown: CancellationToken,
    pub task: tokio::task::JoinHandle<()>,
}

impl Drop for TestBroker {
    fn drop(&mut self) {
        self.shutdown.cancel();
    }
}

/// Starts a broker with `config` and the test idents.
pub async fn start(config: BrokerConfig) -> TestBroker {
    start_with_store(config, Arc::new(MemoryStore::new(idents()))).await
}

/// Starts a broker with `config` and `store`.
pub async fn start_with_store(config: BrokerConfig, store: Arc<dyn IdentStore>) -> TestBroker {
    let broker = Broker::new(config, store).expect("valid config");
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind loopback");
    let addr = listener.local_addr().unwrap();
    let shutdown = CancellationToken::new();
    let (b, s) = (broker.clone(), shutdown.clone());
    let task = tokio::spawn(async move { broker::run(&b, vec![Listener::Tcp(listener)], s).await });
    TestBroker {
        broker,
        addr,
        shutdown,
        task,
    }
}

/// Waits until `channel` has `n` subscribers, so a publish cannot overtake a SUBSCRIBE.
pub async fn wait_subscribers(broker: &Broker, channel: &str, n: usize) {
    let deadline = tokio::time::Instant::now() + WAIT;
    while broker.subscriber_count(channel) != n {
        assert!(
            tokio::time::Instant::now() < deadline,
            "{channel} has {} subscribers, want {n}",
            broker.subscriber_count(channel)
        );
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
}

/// The value of the first sample named exactly `name` (labels included) in a metrics text, or 0 if absent.
pub fn metric(text: &str, name: &str) -> f64 {
    text.lines()
        .find_map(|l| l.strip_prefix(name).and_then(|rest| rest.strip_prefix(' ')))
        .map_or(0.0, |v| v.trim().parse().expect("numeric sample"))
}

/// A raw hpfeeds client over one TCP connection.
pub struct Client {
    pub stream: TcpStream,
    buf: BytesMut,
    pub nonce: Bytes,
    pub name: Bytes,
}

/// What reading the next frame found.
#[derive(Debug, PartialEq, Eq)]
pub enum Next {
    Frame(Frame),
    /// The broker closed the connection (EOF or reset).
    Closed,
    /// Nothing arrived within the wait.
    Timeout,
}

impl Client {
    /// Connects and reads INFO.
    pub async fn connect(addr: SocketAddr) -> Client {
        let stream = TcpStream::connect(addr).await.expect("connect to broker");
        Client::over(stream).await
    }

    /// Connects with small kernel buffers (bytes), so backpressure shows after little data.
    pub async fn connect_small(addr: SocketAddr, buffer: u32) -> Client {
        let sock = tokio::net::TcpSocket::new_v4().unwrap();
        sock.set_recv_buffer_size(buffer).unwrap();
        sock.set_send_buffer_size(buffer).unwrap();
        let stream = sock.connect(addr).await.expect("connect to broker");
        Client::over(stream).await
    }

    /// Reads INFO on an already connected stream.
    pub async fn over(stream: TcpStream) -> Client {
        let mut c = Client {
            stream,
            buf: BytesMut::new(),
            nonce: Bytes::new(),
            name: Bytes::new(),
        };
        match c.next().await {
            Next::Frame(Frame::Info { name, nonce }) => {
                c.name = name;
                c.nonce = nonce;
            }
            other => panic!("expected INFO, got {other:?}"),
        }
        c
    }

    /// Connects and authenticates (without waiting for an answer: hpfeeds sends none on success).
    pub async fn login(addr: SocketAddr, ident: &str, secret: &str) -> Client {
        let mut c = Client::connect(addr).await;
        c.auth(ident, secret).await;
        c
    }

    /// Sends AUTH for `ident` with `secret`.
    pub async fn auth(&mut self, ident: &str, secret: &str) {
        let digest = wire::auth_digest(&self.nonce, secret.as_bytes());
        self.send(&Frame::Auth {
            ident: Bytes::copy_from_slice(ident.as_bytes()),
            digest: Bytes::copy_from_slice(&digest),
        })
        .await;
    }

    /// Sends one frame.
    pub async fn send(&mut self, f: &Frame) {
        self.send_raw(&f.to_bytes().unwrap()).await;
    }

    /// Sends bytes as they are.
    pub async fn send_raw(&mut self, b: &[u8]) {
        self.stream.write_all(b).await.expect("write to broker");
    }

    /// Sends SUBSCRIBE.
    pub async fn subscribe(&mut self, ident: &str, channel: &str) {
        let f = Frame::Subscribe {
            ident: Bytes::copy_from_slice(ident.as_bytes()),
            channel: Bytes::copy_from_slice(channel.as_bytes()),
        };
        self.send(&f).await;
    }

    /// Sends UNSUBSCRIBE.
    pub async fn unsubscribe(&mut self, ident: &str, channel: &str) {
        let f = Frame::Unsubscribe {
            ident: Bytes::copy_from_slice(ident.as_bytes()),
            channel: Bytes::copy_from_slice(channel.as_bytes()),
        };
        self.send(&f).await;
    }

    /// Sends PUBLISH.
    pub async fn publish(&mut self, ident: &str, channel: &str, payload: impl Into<Bytes>) {
        self.send(&Frame::publish(ident, channel, payload)).await;
    }

    /// The next frame, waiting at most `wait`.
    pub async fn next_within(&mut self, wait: Duration) -> Next {
        let deadline = tokio::time::Instant::now() + wait;
        loop {
            match wire::check(&self.buf, DEFAULT_MAX_FRAME) {
                Ok(Some(n)) => {
                    let raw = self.buf.split_to(n).freeze();
                    return Next::Frame(wire::decode(raw).expect("broker sent a valid frame"));
                }
                Ok(None) => {}
                Err(e) => panic!("broker sent a bad header: {e}"),
            }
            match tokio::time::timeout_at(deadline, self.stream.read_buf(&mut self.buf)).await {
                Err(_) => return Next::Timeout,
                Ok(Ok(0)) | Ok(Err(_)) => return Next::Closed,
                Ok(Ok(_)) => {}
            }
        }
    }

    /// The next frame, waiting at most [`WAIT`].
    pub async fn next(&mut self) -> Next {
        self.next_within(WAIT).await
    }

    /// The next frame, which must be a PUBLISH: (ident, channel, payload).
    pub async fn expect_publish(&mut self) -> (Bytes, Bytes, Bytes) {
        match self.next().await {
            Next::Frame(Frame::Publish {
                ident,
                channel,
                payload,
            }) => (ident, channel, payload),
            other => panic!("expected PUBLISH, got {other:?}"),
        }
    }

    /// The next frame must be ERROR with exactly `text`, followed by close.
    pub async fn expect_error_then_close(&mut self, text: &str) {
        match self.next().await {
            Next::Frame(Frame::Error { message }) => assert_eq!(String::from_utf8_lossy(&message), text),
            other => panic!("expected ERROR {text:?}, got {other:?}"),
        }
        self.expect_closed().await;
    }

    /// The broker must close the connection (after at most [`WAIT`]) without sending anything more.
    pub async fn expect_closed(&mut self) {
        match self.next().await {
            Next::Closed => {}
            other => panic!("expected close, got {other:?}"),
        }
    }

    /// Nothing must arrive within `wait`.
    pub async fn expect_silence(&mut self, wait: Duration) {
        match self.next_within(wait).await {
            Next::Timeout => {}
            other => panic!("expected nothing, got {other:?}"),
        }
    }
}

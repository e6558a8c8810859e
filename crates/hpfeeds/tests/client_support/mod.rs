//! Test helpers for the client tests: a tiny in-test broker built on the codec (plain or TLS), a TCP proxy that
//! can be unplugged, and a launcher for the Python reference broker. Everything listens on 127.0.0.1 only.
#![allow(dead_code)]

use std::collections::HashMap;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use bytes::Bytes;
use futures_util::{SinkExt, StreamExt};
use hpfeeds::wire::{auth_digest, Frame};
use hpfeeds::Codec;
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::mpsc;
use tokio::task::{JoinHandle, JoinSet};
use tokio_rustls::TlsAcceptor;
use tokio_util::codec::Framed;

/// Upper bound for any wait in these tests; generous for a loaded 2-core CI machine.
pub const WAIT: Duration = Duration::from_secs(20);

/// Polls `cond` every 10 ms until it holds; panics with `what` after `limit`.
pub async fn eventually(what: &str, limit: Duration, mut cond: impl FnMut() -> bool) {
    let start = Instant::now();
    while !cond() {
        assert!(start.elapsed() < limit, "timed out after {limit:?} waiting for: {what}");
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

pub use testkit::free_port;

/// One message as the broker received it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Received {
    pub ident: String,
    pub channel: String,
    pub payload: Bytes,
}

/// What the in-test broker accepts and how it misbehaves.
#[derive(Clone, Default)]
pub struct BrokerOpts {
    /// ident → secret.
    pub secrets: HashMap<String, String>,
    /// Channels no one may publish on (answered like the reference: ERROR, then close).
    pub deny_pub: Vec<String>,
    /// Drop the connection abruptly right after recording this many publishes (once per state).
    pub crash_after: Option<usize>,
    /// Serve TLS with this acceptor.
    pub tls: Option<TlsAcceptor>,
    /// After a good AUTH, stop reading (a hung broker): the client's writes back up.
    pub freeze_after_auth: bool,
    /// SO_RCVBUF for accepted connections, so a hung broker's kernel acknowledges only this much.
    pub recv_buffer: Option<u32>,
}

impl BrokerOpts {
    /// Accepts exactly these ident/secret pairs.
    pub fn with_users(users: &[(&str, &str)]) -> Self {
        BrokerOpts {
            secrets: users.iter().map(|(i, s)| (i.to_string(), s.to_string())).collect(),
            ..Default::default()
        }
    }
}

/// Everything the in-test broker saw; survives restarts when handed to the next instance.
#[derive(Default)]
pub struct BrokerState {
    pub published: Mutex<Vec<Received>>,
    pub subscribes: Mutex<Vec<String>>,
    pub connections: AtomicUsize,
    pub auth_failures: AtomicUsize,
    crashed: AtomicBool,
    subs: Mutex<HashMap<String, Vec<mpsc::UnboundedSender<Bytes>>>>,
}

impl BrokerState {
    /// Payloads received on `channel`, in arrival order.
    pub fn payloads(&self, channel: &str) -> Vec<Bytes> {
        self.published
            .lock()
            .unwrap()
            .iter()
            .filter(|m| m.channel == channel)
            .map(|m| m.payload.clone())
            .collect()
    }
}

/// The in-test broker: INFO/AUTH like the reference, records every publish, fans out to subscribers.
pub struct TestBroker {
    pub addr: SocketAddr,
    pub state: Arc<BrokerState>,
    task: JoinHandle<()>,
}

impl TestBroker {
    /// Starts on 127.0.0.1:`port` (0: any) with fresh state.
    pub async fn start(port: u16, opts: BrokerOpts) -> TestBroker {
        Self::start_with(port, opts, Arc::new(BrokerState::default())).await
    }

    /// Starts on 127.0.0.1:`port` continuing `state` (a restarted broker that keeps the test's record).
    pub async fn start_with(port: u16, opts: BrokerOpts, state: Arc<BrokerState>) -> TestBroker {
        let sock = tokio::net::TcpSocket::new_v4().expect("socket");
        sock.set_reuseaddr(true).expect("SO_REUSEADDR");
        if let Some(n) = opts.recv_buffer {
            // Set before listen so that accepted sockets inherit it and the window scale matches.
            sock.set_recv_buffer_size(n).expect("SO_RCVBUF");
        }
        sock.bind(SocketAddr::from(([127, 0, 0, 1], port)))
            .expect("bind test broker");
        let listener = sock.listen(128).expect("listen");
        let addr = listener.local_addr().expect("local addr");
        let st = state.clone();
        let task = tokio::spawn(async move {
            let mut conns = JoinSet::new();
            loop {
                let Ok((tcp, _)) = listener.accept().await else {
                    continue;
                };
                st.connections.fetch_add(1, Ordering::SeqCst);
                let (st, opts) = (st.clone(), opts.clone());
                conns.spawn(async move {
                    match opts.tls.clone() {
                        None => serve(tcp, st, opts).await,
                        Some(acceptor) => {
                            if let Ok(tls) = acceptor.accept(tcp).await {
                                serve(tls, st, opts).await
                            }
                        }
                    }
                });
            }
        });
        TestBroker { addr, state, task }
    }

    /// Kills the broker: the listener and every connection close at once.
    pub async fn stop(self) {
        self.task.abort();
        let _ = self.task.await;
    }

    /// `host:port` for a client config.
    pub fn addr_string(&self) -> String {
        self.addr.to_string()
    }
}

async fn serve<S: AsyncRead + AsyncWrite + Unpin>(stream: S, st: Arc<BrokerState>, opts: BrokerOpts) {
    let mut framed = Framed::new(stream, Codec::default());
    let nonce = Bytes::from_static(b"\x01\x02\x03\x04");
    let info = Frame::Info {
        name: Bytes::from_static(b"test-broker"),
        nonce: nonce.clone(),
    };
    if framed.send(info).await.is_err() {
        return;
    }
    let Some(Ok(Frame::Auth { ident, digest })) = framed.next().await else {
        return;
    };
    let ident = String::from_utf8_lossy(&ident).into_owned();
    let ok = opts
        .secrets
        .get(&ident)
        .is_some_and(|s| auth_digest(&nonce, s.as_bytes())[..] == digest[..]);
    if !ok {
        st.auth_failures.fetch_add(1, Ordering::SeqCst);
        let _ = framed
            .send(Frame::error(format!("Authentication failed for {ident}")))
            .await;
        return;
    }
    if opts.freeze_after_auth {
        std::future::pending::<()>().await;
    }
    let (tx, mut rx) = mpsc::unbounded_channel::<Bytes>();
    loop {
        tokio::select! {
            f = framed.next() => match f {
                Some(Ok(Frame::Publish { ident: pi, channel, payload })) => {
                    let channel = String::from_utf8_lossy(&channel).into_owned();
                    if opts.deny_pub.contains(&channel) {
                        let text = format!("Authkey not allowed to pub here. ident={ident}, chan={channel}");
                        let _ = framed.send(Frame::error(text)).await;
                        return;
                    }
                    let n = {
                        let mut p = st.published.lock().unwrap();
                        p.push(Received { ident: ident.clone(), channel: channel.clone(), payload: payload.clone() });
                        p.len()
                    };
                    let frame = Frame::Publish { ident: pi, channel: Bytes::from(channel.clone()), payload }
                        .to_bytes()
                        .expect("re-encode");
                    if let Some(list) = st.subs.lock().unwrap().get(&channel) {
                        for s in list {
                            let _ = s.send(frame.clone());
                        }
                    }
                    if opts.crash_after.is_some_and(|k| n >= k) && !st.crashed.swap(true, Ordering::SeqCst) {
                        // Die with whatever is still unread in the socket: the kernel answers with RST.
                        return;
                    }
                }
                Some(Ok(Frame::Subscribe { channel, .. })) => {
                    let channel = String::from_utf8_lossy(&channel).into_owned();
                    st.subscribes.lock().unwrap().push(channel.clone());
                    st.subs.lock().unwrap().entry(channel).or_default().push(tx.clone());
                }
                Some(Ok(Frame::Unsubscribe { channel, .. })) => {
                    let channel = String::from_utf8_lossy(&channel).into_owned();
                    if let Some(list) = st.subs.lock().unwrap().get_mut(&channel) {
                        list.retain(|s| !s.same_channel(&tx));
                    }
                }
                _ => return,
            },
            Some(b) = rx.recv() => {
                if framed.send(b).await.is_err() {
                    return;
                }
            }
        }
    }
}

/// A TCP forwarder that can be unplugged: while unplugged it accepts and immediately closes connections.
pub struct Proxy {
    pub addr: SocketAddr,
    open: Arc<AtomicBool>,
    task: JoinHandle<()>,
}

impl Proxy {
    /// Forwards 127.0.0.1:(any) to `target`.
    pub async fn start(target: SocketAddr) -> Proxy {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind proxy");
        let addr = listener.local_addr().expect("local addr");
        let open = Arc::new(AtomicBool::new(true));
        let o = open.clone();
        let task = tokio::spawn(async move {
            let mut conns = JoinSet::new();
            loop {
                let Ok((mut inbound, _)) = listener.accept().await else {
                    continue;
                };
                if !o.load(Ordering::SeqCst) {
                    continue;
                }
                conns.spawn(async move {
                    if let Ok(mut out) = TcpStream::connect(target).await {
                        let _ = tokio::io::copy_bidirectional(&mut inbound, &mut out).await;
                    }
                });
            }
        });
        Proxy { addr, open, task }
    }

    /// Plugs or unplugs the path for new connections.
    pub fn set_open(&self, open: bool) {
        self.open.store(open, Ordering::SeqCst);
    }
}

impl Drop for Proxy {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// Where the reference broker lives: `$APIARY_PYTHON_VENV` or the repository's `.venv`. `None` (with a printed
/// note) if absent; panics instead when `CI` is set, so CI never skips interop silently.
pub fn reference_venv() -> Option<PathBuf> {
    let venv = std::env::var_os("APIARY_PYTHON_VENV")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../../.venv"));
    if venv.join("bin/hpfeeds-broker").exists() {
        return Some(venv);
    }
    let msg = format!(
        "reference broker not found at {}/bin/hpfeeds-broker (set APIARY_PYTHON_VENV or create the venv with `pip install hpfeeds==3.1.0`)",
        venv.display()
    );
    if std::env::var_os("CI").is_some() {
        panic!("{msg}; CI must run the interop tests");
    }
    eprintln!("SKIPPED: {msg}");
    None
}

/// A running Python reference broker (`hpfeeds-broker`), killed on drop.
pub struct RefBroker {
    child: Child,
    pub port: u16,
    pub log: PathBuf,
}

impl RefBroker {
    /// Starts it on 127.0.0.1:`port` with `auth_json` (plus `extra` arguments) and waits until it accepts
    /// connections. The auth file gets a directory of its own (the broker reloads on any change in the file's
    /// ancestor directories).
    pub async fn start(
        venv: &Path,
        port: u16,
        auth_dir: &Path,
        auth_json: &str,
        log_dir: &Path,
        extra: &[String],
    ) -> RefBroker {
        let auth = auth_dir.join("auth.json");
        if std::fs::read_to_string(&auth).ok().as_deref() != Some(auth_json) {
            std::fs::write(&auth, auth_json).expect("write auth.json");
        }
        static STARTS: AtomicUsize = AtomicUsize::new(0);
        let log = log_dir.join(format!("broker-{port}-{}.log", STARTS.fetch_add(1, Ordering::SeqCst)));
        let out = std::fs::File::create(&log).expect("create broker log");
        let child = Command::new(venv.join("bin/hpfeeds-broker"))
            .arg("--bind")
            .arg(format!("127.0.0.1:{port}"))
            .arg("--auth")
            .arg(&auth)
            .arg("--exporter")
            .arg(format!("127.0.0.1:{}", free_port()))
            .args(extra)
            .stdin(Stdio::null())
            .stdout(out.try_clone().expect("dup log"))
            .stderr(out)
            .spawn()
            .expect("spawn hpfeeds-broker");
        let mut b = RefBroker { child, port, log };
        let start = Instant::now();
        loop {
            if TcpStream::connect(("127.0.0.1", port)).await.is_ok() {
                return b;
            }
            if let Ok(Some(status)) = b.child.try_wait() {
                panic!("reference broker exited with {status}; log:\n{}", b.log_text());
            }
            assert!(
                start.elapsed() < WAIT,
                "reference broker did not listen within {WAIT:?}; log:\n{}",
                b.log_text()
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// The broker's output so far, for failure messages.
    pub fn log_text(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    /// Kills it (SIGKILL: a crash, not a shutdown) and reaps it.
    pub fn kill(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for RefBroker {
    fn drop(&mut self) {
        self.kill();
    }
}

//! `apiary broker`: the hpfeeds broker as a process, with its flags, a `/metrics` endpoint and signal handling.
//!
//! Everything that can fail at start-up (idents file, binds, TLS files) is checked before the first
//! connection is accepted, so a typo exits at once with a message instead of half-starting.
//! SIGTERM or Ctrl-C stops accepting, gives every connection a few seconds to flush, and exits 0.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use anyhow::{Context, Result};
use clap::Args;
use hpfeeds::broker::{self, config, filestore, Broker, BrokerConfig, FileStore, Listener};
use tokio::net::TcpListener;
use tokio_util::sync::CancellationToken;

/// Flags of `apiary broker`.
#[derive(Debug, Args)]
pub struct BrokerArgs {
    /// Address for plain hpfeeds; repeat for several.
    #[arg(long = "listen", value_name = "ADDR", default_value = "0.0.0.0:10000")]
    listen: Vec<SocketAddr>,
    /// Idents file in the reference broker's JSON format; reloaded within a second when its content changes.
    /// Without this flag, `apiary-data/idents.json` is used, and created on first start with one ident.
    #[arg(long, value_name = "FILE")]
    auth: Option<PathBuf>,
    /// Address for hpfeeds over TLS; repeat for several. Needs --tls-cert and --tls-key.
    #[arg(long = "tls-listen", value_name = "ADDR", requires_all = ["tls_cert", "tls_key"])]
    tls_listen: Vec<SocketAddr>,
    /// PEM certificate chain for the TLS listeners, leaf first.
    #[arg(long, value_name = "FILE", requires = "tls_listen")]
    tls_cert: Option<PathBuf>,
    /// PEM private key for the TLS listeners.
    #[arg(long, value_name = "FILE", requires = "tls_listen")]
    tls_key: Option<PathBuf>,
    /// Serve Prometheus metrics at http://ADDR/metrics. Off by default; keep it off the public interface.
    #[arg(long, value_name = "ADDR")]
    metrics: Option<SocketAddr>,
    /// Broker name sent to clients in INFO.
    #[arg(long, default_value = config::DEFAULT_NAME)]
    name: String,
    /// Largest frame accepted, in bytes, header included (the reference's is 1 MiB + 5).
    #[arg(long, value_name = "BYTES", default_value_t = hpfeeds::wire::DEFAULT_MAX_FRAME)]
    max_frame: usize,
    /// Most simultaneous connections; more are closed at once.
    #[arg(long, value_name = "N", default_value_t = config::DEFAULT_MAX_CONNECTIONS)]
    max_connections: usize,
    /// Seconds a subscriber may make no progress before it is disconnected (publishers wait at most this long).
    #[arg(long, value_name = "SECS", default_value_t = config::DEFAULT_SUBSCRIBER_DEADLINE.as_secs_f64())]
    subscriber_deadline: f64,
    /// Seconds a new connection has to authenticate (TLS handshake included).
    #[arg(long, value_name = "SECS", default_value_t = config::DEFAULT_AUTH_TIMEOUT.as_secs_f64())]
    auth_timeout: f64,
    /// Worker threads of the async runtime; 0 means one per CPU core.
    #[arg(long, value_name = "N", default_value_t = 0)]
    workers: usize,
    /// Bytes that may wait for one subscriber before its publishers are slowed.
    #[arg(long, value_name = "BYTES", default_value_t = config::DEFAULT_QUEUE_BYTES)]
    queue_bytes: usize,
}

/// Turns a seconds flag into a duration, refusing what `Duration` cannot hold.
fn seconds(flag: &str, v: f64) -> Result<Duration> {
    Duration::try_from_secs_f64(v).with_context(|| format!("--{flag} {v}: give a positive number of seconds"))
}

/// Runs the broker until SIGTERM or Ctrl-C.
pub fn run(args: BrokerArgs) -> Result<()> {
    let mut builder = tokio::runtime::Builder::new_multi_thread();
    if args.workers > 0 {
        builder.worker_threads(args.workers);
    }
    let rt = builder.enable_all().build().context("cannot start the async runtime")?;
    rt.block_on(serve(args))
}

async fn serve(args: BrokerArgs) -> Result<()> {
    let shutdown = CancellationToken::new();
    // Handlers first, so a SIGTERM that arrives while we bind is a clean stop, not a kill.
    let signals = stop_on_signal(shutdown.clone()).context("cannot install signal handlers")?;

    let auth = match &args.auth {
        Some(path) => path.clone(),
        None => first_start_idents()?,
    };
    let store = FileStore::open(&auth).with_context(|| {
        format!(
            "cannot load idents (create the file with `apiary ident add NAME --auth {}`)",
            auth.display()
        )
    })?;
    let config = BrokerConfig {
        name: args.name,
        max_frame: args.max_frame,
        max_connections: args.max_connections,
        auth_timeout: seconds("auth-timeout", args.auth_timeout)?,
        subscriber_deadline: seconds("subscriber-deadline", args.subscriber_deadline)?,
        queue_bytes: args.queue_bytes,
        ..BrokerConfig::default()
    };
    let broker = Broker::new(config, store.clone()).context("invalid broker settings")?;

    let mut listeners = Vec::new();
    for addr in &args.listen {
        let l = TcpListener::bind(addr)
            .await
            .with_context(|| format!("cannot listen on {addr}"))?;
        listeners.push(Listener::Tcp(l));
    }
    if let (Some(cert), Some(key)) = (&args.tls_cert, &args.tls_key) {
        let acceptor = broker::tls::acceptor_from_pem_files(cert, key).context("cannot set up TLS")?;
        for addr in &args.tls_listen {
            let l = TcpListener::bind(addr)
                .await
                .with_context(|| format!("cannot listen for TLS on {addr}"))?;
            listeners.push(Listener::Tls(l, acceptor.clone()));
        }
    }
    let metrics = match args.metrics {
        Some(addr) => {
            let l = TcpListener::bind(addr)
                .await
                .with_context(|| format!("cannot serve metrics on {addr}"))?;
            tracing::info!(%addr, "Serving metrics at /metrics.");
            let b = broker.clone();
            Some(tokio::spawn(serve_metrics(
                l,
                move || b.metrics_text(),
                shutdown.clone(),
            )))
        }
        None => None,
    };

    let watcher = store.watch(filestore::DEFAULT_POLL_INTERVAL, shutdown.clone());
    broker::run(&broker, listeners, shutdown.clone()).await;
    shutdown.cancel();
    let _ = watcher.await;
    if let Some(m) = metrics {
        m.await
            .context("metrics server panicked")?
            .context("metrics server failed")?;
    }
    signals.abort();
    Ok(())
}

/// Channels the first-start ident may publish and subscribe: everything an Apiary sensor sends.
const FIRST_START_CHANNELS: [&str; 4] = ["apiary.events", "apiary.files", "apiary.heartbeat", "apiary.ttylog"];

/// The default idents file, created with one ident (`apiary`, random secret, printed once) if it is missing, so
/// `apiary broker` alone works on a fresh machine. An explicit `--auth` path is never created: a typo should fail.
fn first_start_idents() -> Result<PathBuf> {
    use super::ident::{generate_secret, DEFAULT_IDENTS_FILE};
    let path = PathBuf::from(DEFAULT_IDENTS_FILE);
    if path.exists() {
        return Ok(path);
    }
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    }
    let channels: Vec<String> = FIRST_START_CHANNELS.iter().map(|c| c.to_string()).collect();
    let ident = hpfeeds::broker::Ident {
        name: "apiary".into(),
        owner: "apiary".into(),
        secret: generate_secret(),
        pubchans: channels.clone(),
        subchans: channels,
    };
    broker::identfile::add(&path, &ident).with_context(|| format!("cannot create {}", path.display()))?;
    eprintln!(
        "First start: created {} with ident `apiary`, secret `{}` (channels {}). Add more with `apiary ident add`.",
        path.display(),
        ident.secret,
        FIRST_START_CHANNELS.join(", ")
    );
    Ok(path)
}

/// Cancels `shutdown` on SIGTERM or Ctrl-C (SIGINT).
pub(super) fn stop_on_signal(shutdown: CancellationToken) -> std::io::Result<tokio::task::JoinHandle<()>> {
    use tokio::signal::unix::{signal, SignalKind};
    let mut term = signal(SignalKind::terminate())?;
    let mut int = signal(SignalKind::interrupt())?;
    Ok(tokio::spawn(async move {
        let which = tokio::select! {
            _ = term.recv() => "SIGTERM",
            _ = int.recv() => "SIGINT",
        };
        tracing::info!(
            signal = which,
            "Shutting down: no new connections, flushing the open ones."
        );
        shutdown.cancel();
    }))
}

/// Serves `GET /metrics` (OpenMetrics text made by `render` at each scrape) until shutdown.
pub(crate) async fn serve_metrics<F>(
    listener: TcpListener,
    render: F,
    shutdown: CancellationToken,
) -> std::io::Result<()>
where
    F: Fn() -> String + Clone + Send + Sync + 'static,
{
    use axum::http::header::CONTENT_TYPE;
    let app = axum::Router::new().route(
        "/metrics",
        axum::routing::get(move || {
            let text = render();
            async move {
                (
                    [(
                        CONTENT_TYPE,
                        "application/openmetrics-text; version=1.0.0; charset=utf-8",
                    )],
                    text,
                )
            }
        }),
    );
    axum::serve(listener, app)
        .with_graceful_shutdown(shutdown.cancelled_owned())
        .await
}

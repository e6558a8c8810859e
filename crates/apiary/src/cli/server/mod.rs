//! `apiary server`: the broker, the collector, the store, the HTTP API and the dashboard in one process.
//!
//! Start-up order matters for "no event lost": the store opens (and migrates) first, then the collector subscribes
//! to every channel in-process, and only then do the broker's listeners accept publishers. Shutdown runs the other
//! way: listeners stop, the collector writes what it holds, the process exits.

pub mod config;
pub mod idents;
pub mod metrics;

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use anyhow::{Context, Result};
use clap::Args;
use hpfeeds::broker::{self, Broker, BrokerConfig, Listener};
use tokio::net::TcpListener;
use tokio_util::sync::CancellationToken;

use self::config::ServerConfig;

/// Flags of `apiary server`.
#[derive(Debug, Args)]
pub struct ServerArgs {
    /// Configuration file (TOML; every key optional, see server.example.toml). Without it: broker on
    /// 0.0.0.0:10000, API and dashboard on 0.0.0.0:8080 (plain HTTP), SQLite and files in ./apiary-data.
    #[arg(long, short)]
    pub config: Option<PathBuf>,
}

/// Channels the internal `collector` ident may subscribe to, for a collector run on another host.
const COLLECTOR_CHANNELS: &[&str] = &[
    "apiary.events",
    "apiary.files",
    "apiary.heartbeat",
    "apiary.ttylog",
    "cowrie.sessions",
    "cowrie.events",
    "dionaea.connections",
    "dionaea.capture",
    "mwbinary.dionaea.sensorunique",
    "conpot.events",
    "glastopf.events",
    "wordpot.events",
    "shockpot.events",
    "elastichoney.events",
    "p0f.events",
    "snort.alerts",
    "suricata.events",
    "heralding.auth",
    "heralding.session",
];

/// Runs the server until SIGTERM or Ctrl-C.
pub fn run(args: ServerArgs) -> Result<()> {
    crate::alloc::reexec_for_server();
    tracing::debug!(jemalloc = crate::alloc::is_jemalloc(), "allocator");
    let config = ServerConfig::load_or_default(args.config.as_deref())?;
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("cannot start the async runtime")?;
    rt.block_on(serve(config))
}

async fn serve(config: ServerConfig) -> Result<()> {
    let shutdown = CancellationToken::new();
    let signals = super::broker::stop_on_signal(shutdown.clone()).context("cannot install signal handlers")?;
    let running = start(config, shutdown.clone()).await?;
    let r = running.wait().await;
    signals.abort();
    r
}

/// A server started by [`start`]: where it listens, and the task that ends after shutdown.
pub(crate) struct Running {
    /// The dashboard/API address actually bound.
    pub api_addr: std::net::SocketAddr,
    /// The hpfeeds addresses actually bound.
    pub broker_addrs: Vec<std::net::SocketAddr>,
    /// True when the dashboard is served over HTTPS.
    pub https: bool,
    /// The open store (shared with the collector and the API).
    pub store: store::Store,
    /// Runs the broker until shutdown, then stops the rest.
    task: tokio::task::JoinHandle<Result<()>>,
}

impl Running {
    /// Waits until the server has stopped (after the shutdown token fires).
    pub async fn wait(self) -> Result<()> {
        self.task.await.context("the server task panicked")?
    }
}

/// Starts everything and returns once every listener is bound; `shutdown` stops it.
pub(crate) async fn start(config: ServerConfig, shutdown: CancellationToken) -> Result<Running> {
    // Two malloc arenas instead of up to 16: the collector's batches are built on one thread and freed on another,
    // and per-thread arenas kept the freed memory (peak RSS under the ingest benchmark 358 → 310 MiB).
    sensor::memory::init();
    let store = config.open_store().await?;
    ensure_internal_idents(&store).await?;
    let enricher = collector::enrich::Enricher::new(&config.enrich).context("cannot load the GeoIP databases")?;
    let rdns = collector::enrich::ReverseDns::start(&config.enrich, store.clone())
        .context("cannot start reverse DNS ([enrich] reverse_dns)")?;
    let enricher = enricher.with_reverse_dns(rdns.clone());
    let tls = match config.web.tls_source(&config.data_dir)? {
        Some(src) => Some(server::web::tls_config(&src).context("cannot set up HTTPS for the dashboard")?),
        None => None,
    };
    let web = server::WebOptions {
        public_map: config.web.public_map,
        sensor_location: config.web.sensor_location()?,
        secure_cookies: tls.is_some(),
        retention_default: config.retention.to_store(),
        ..server::WebOptions::default()
    };

    let broker = Broker::new(
        BrokerConfig {
            max_connections: config.broker.max_connections,
            ..BrokerConfig::default()
        },
        Arc::new(idents::StoreIdents(store.clone())),
    )
    .context("invalid broker settings")?;

    // The live stream sees only committed batches; the collector never waits for it.
    let hub = server::LiveHub::new();
    if let Err(err) = hub.seed(&store).await {
        tracing::warn!(%err, "cannot read recent counts for the live counters; starting from zero");
    }
    let feed = hub.clone();
    let hook: collector::pipeline::StoredHook = Arc::new(move |records: &[store::Record]| feed.publish(records));

    // The collector subscribes before any publisher can connect.
    let collector_stop = CancellationToken::new();
    let collector_metrics = collector::pipeline::CollectorMetrics::default();
    let collector = tokio::spawn(collector::pipeline::run_with_hook(
        broker.subscribe_local_all(),
        store.clone(),
        enricher,
        config.collector.clone(),
        collector_metrics.clone(),
        collector_stop.clone(),
        Some(hook),
    ));

    let mut listeners = Vec::new();
    let mut broker_addrs = Vec::new();
    for addr in &config.broker.listen {
        let l = TcpListener::bind(addr)
            .await
            .with_context(|| format!("cannot listen for hpfeeds on {addr}"))?;
        tracing::info!(addr = %l.local_addr()?, "hpfeeds broker listening");
        broker_addrs.push(l.local_addr()?);
        listeners.push(Listener::Tcp(l));
    }
    let metrics = match config.metrics.listen {
        Some(addr) => {
            let l = TcpListener::bind(addr)
                .await
                .with_context(|| format!("cannot serve metrics on {addr} ([metrics] listen)"))?;
            let addr = l.local_addr()?;
            tracing::info!(%addr, "Prometheus metrics at /metrics");
            let m = metrics::ServerMetrics {
                broker: broker.clone(),
                collector: collector_metrics,
                rdns,
            };
            Some(tokio::spawn(super::broker::serve_metrics(
                l,
                move || m.render(),
                shutdown.clone(),
            )))
        }
        None => None,
    };
    let api_listener = TcpListener::bind(config.api.listen)
        .await
        .with_context(|| format!("cannot listen for the API on {}", config.api.listen))?;
    let api_addr = api_listener.local_addr()?;
    let https = tls.is_some();
    tracing::info!(addr = %api_addr, https, store = store.backend(), "API and dashboard listening");
    if !https && !api_addr.ip().is_loopback() {
        tracing::warn!(
            addr = %api_addr,
            "The dashboard is served over plain HTTP on a public address: passwords and session cookies travel \
             unencrypted. Set [web] tls = \"self-signed\" (or tls_cert/tls_key), or listen on 127.0.0.1 behind a TLS proxy."
        );
    }
    let app = server::router(server::ApiState::with_web(store.clone(), web, hub));
    let api_stop = shutdown.clone();
    let api = tokio::spawn(server::web::serve(api_listener, app, tls, async move {
        api_stop.cancelled().await
    }));
    let retention = tokio::spawn(retention_loop(
        store.clone(),
        config.retention.to_store(),
        Duration::from_secs(config.retention.every_minutes.max(1) * 60),
        shutdown.clone(),
    ));

    let st = store.clone();
    let task = tokio::spawn(async move {
        broker::run(&broker, listeners, shutdown.clone()).await;
        shutdown.cancel();
        collector_stop.cancel();
        let _ = collector.await;
        let _ = retention.await;
        api.await
            .context("the API task panicked")?
            .context("the API server failed")?;
        if let Some(m) = metrics {
            m.await
                .context("the metrics task panicked")?
                .context("the metrics server failed")?;
        }
        drop(st);
        Ok(())
    });
    Ok(Running {
        api_addr,
        broker_addrs,
        https,
        store,
        task,
    })
}

/// Creates the `collector` ident (for a collector on another host) on first start; its secret stays in the store
/// (`apiary ident list --config` shows it exists; re-add it with `--secret` to choose one).
async fn ensure_internal_idents(store: &store::Store) -> Result<()> {
    if store.get_ident("collector").await?.is_some() {
        return Ok(());
    }
    let channels: Vec<String> = COLLECTOR_CHANNELS.iter().map(|c| c.to_string()).collect();
    store
        .put_ident(&store::IdentRow {
            name: "collector".into(),
            owner: "apiary".into(),
            secret: super::ident::generate_secret(),
            publish: Vec::new(),
            subscribe: channels,
        })
        .await?;
    Ok(())
}

/// Enforces retention now and then every `every`, until shutdown; the dashboard's setting (kept in the store)
/// overrides `server.toml`'s and is read again on every pass.
async fn retention_loop(
    store: store::Store,
    configured: store::Retention,
    every: Duration,
    shutdown: CancellationToken,
) {
    loop {
        let retention = match store.retention_setting().await {
            Ok(Some(r)) => Some(r),
            Ok(None) => Some(configured),
            Err(err) => {
                // server.toml's setting may be shorter than the dashboard's: deleting by it could lose data
                // the operator chose to keep, so this pass deletes nothing.
                tracing::warn!(%err, "cannot read the retention setting; skipping this retention pass");
                None
            }
        };
        let Some(retention) = retention else {
            tokio::select! {
                _ = shutdown.cancelled() => return,
                _ = tokio::time::sleep(every) => {}
            }
            continue;
        };
        match store.enforce_retention(&retention, chrono::Utc::now()).await {
            Ok(r) => tracing::debug!(?r, "retention pass done"),
            Err(err) => tracing::warn!(%err, "retention pass failed; will retry"),
        }
        // Recordings go with their sessions; a day's grace keeps one that arrived before its session's events
        // (its batch may wait on a database that was down for a while).
        match store
            .prune_recordings(chrono::Utc::now() - chrono::Duration::days(1))
            .await
        {
            Ok(n) => tracing::debug!(recordings = n, "orphaned session recordings pruned"),
            Err(err) => tracing::warn!(%err, "cannot prune orphaned session recordings; will retry"),
        }
        if let Err(err) = store.analyze().await {
            tracing::warn!(%err, "cannot refresh the planner's statistics; will retry");
        }
        tokio::select! {
            _ = shutdown.cancelled() => return,
            _ = tokio::time::sleep(every) => {}
        }
    }
}

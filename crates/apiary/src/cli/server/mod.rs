//! `apiary server`: the broker, the collector, the store and the HTTP API in one process.
//!
//! Start-up order matters for "no event lost": the store opens (and migrates) first, then the collector subscribes
//! to every channel in-process, and only then do the broker's listeners accept publishers. Shutdown runs the other
//! way: listeners stop, the collector writes what it holds, the process exits.

pub mod config;
pub mod idents;

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
    /// 0.0.0.0:10000, API on 0.0.0.0:8080, SQLite and files in ./apiary-data.
    #[arg(long, short)]
    pub config: Option<PathBuf>,
}

/// Channels the internal `collector` ident may subscribe to, for a collector run on another host.
const COLLECTOR_CHANNELS: &[&str] = &[
    "apiary.events",
    "apiary.files",
    "apiary.heartbeat",
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

    let store = config.open_store().await?;
    ensure_internal_idents(&store).await?;
    let enricher = collector::enrich::Enricher::new(&config.enrich).context("cannot load the GeoIP databases")?;

    let broker = Broker::new(
        BrokerConfig {
            max_connections: config.broker.max_connections,
            ..BrokerConfig::default()
        },
        Arc::new(idents::StoreIdents(store.clone())),
    )
    .context("invalid broker settings")?;

    // The collector subscribes before any publisher can connect.
    let collector_stop = CancellationToken::new();
    let collector = tokio::spawn(collector::pipeline::run(
        broker.subscribe_local_all(),
        store.clone(),
        enricher,
        config.collector.clone(),
        collector::pipeline::CollectorMetrics::default(),
        collector_stop.clone(),
    ));

    let mut listeners = Vec::new();
    for addr in &config.broker.listen {
        let l = TcpListener::bind(addr)
            .await
            .with_context(|| format!("cannot listen for hpfeeds on {addr}"))?;
        tracing::info!(addr = %l.local_addr()?, "hpfeeds broker listening");
        listeners.push(Listener::Tcp(l));
    }
    let api_listener = TcpListener::bind(config.api.listen)
        .await
        .with_context(|| format!("cannot listen for the API on {}", config.api.listen))?;
    tracing::info!(addr = %api_listener.local_addr()?, store = store.backend(), "API listening");
    let app = server::router(server::ApiState::new(store.clone()));
    let api_stop = shutdown.clone();
    let api = tokio::spawn(async move {
        axum::serve(api_listener, app)
            .with_graceful_shutdown(async move { api_stop.cancelled().await })
            .await
    });
    let retention = tokio::spawn(retention_loop(
        store.clone(),
        config.retention.to_store(),
        Duration::from_secs(config.retention.every_minutes.max(1) * 60),
        shutdown.clone(),
    ));

    broker::run(&broker, listeners, shutdown.clone()).await;
    shutdown.cancel();
    collector_stop.cancel();
    let _ = collector.await;
    let _ = retention.await;
    api.await
        .context("the API task panicked")?
        .context("the API server failed")?;
    signals.abort();
    Ok(())
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

/// Enforces retention now and then every `every`, until shutdown.
async fn retention_loop(
    store: store::Store,
    retention: store::Retention,
    every: Duration,
    shutdown: CancellationToken,
) {
    loop {
        match store.enforce_retention(&retention, chrono::Utc::now()).await {
            Ok(r) => tracing::debug!(?r, "retention pass done"),
            Err(err) => tracing::warn!(%err, "retention pass failed; will retry"),
        }
        tokio::select! {
            _ = shutdown.cancelled() => return,
            _ = tokio::time::sleep(every) => {}
        }
    }
}

//! `apiary up`: a whole honeynet in one process, for a first look. The server (broker, collector, SQLite store,
//! API and dashboard) plus a local sensor (SSH and Telnet honeypots) that publishes to the in-process broker
//! through an ident created on first start (its secret stays in the store, in the data folder).
//!
//! The first start creates the dashboard user `admin` with a random password and prints it once with the
//! dashboard's URL; later starts print the URL only. Everything lives under `--data` (default `./apiary-data`).

use std::net::SocketAddr;
use std::path::PathBuf;

use anyhow::{Context, Result};
use clap::Args;
use tokio_util::sync::CancellationToken;

use super::server::config::ServerConfig;

/// The local sensor's hpfeeds ident.
const SENSOR_IDENT: &str = "local-sensor";
/// Channels the local sensor publishes.
const SENSOR_CHANNELS: &[&str] = &["apiary.events", "apiary.files", "apiary.heartbeat", "apiary.ttylog"];
/// The dashboard user made on first start.
const ADMIN: &str = "admin";

/// Flags of `apiary up`.
#[derive(Debug, Args)]
pub struct UpArgs {
    /// Folder for the database, captured files, keys and logs (default ./apiary-data, or data_dir of --config).
    #[arg(long, value_name = "DIR")]
    data: Option<PathBuf>,
    /// A server.toml for everything else (retention, GeoIP, [web]); flags below override it.
    #[arg(long, short, value_name = "FILE")]
    config: Option<PathBuf>,
    /// Dashboard and API address (default 127.0.0.1:8080: this machine only).
    #[arg(long, value_name = "ADDR")]
    http: Option<SocketAddr>,
    /// hpfeeds broker address, for more sensors (default 127.0.0.1:10000).
    #[arg(long, value_name = "ADDR")]
    broker: Option<SocketAddr>,
    /// SSH honeypot address.
    #[arg(long, value_name = "ADDR", default_value = "0.0.0.0:2222")]
    ssh: SocketAddr,
    /// Telnet honeypot address.
    #[arg(long, value_name = "ADDR", default_value = "0.0.0.0:2323")]
    telnet: SocketAddr,
}

/// Starts everything and runs until SIGINT or SIGTERM.
pub fn run(args: UpArgs) -> Result<()> {
    // The sensor's heap tuning (see `apiary sensor`): a re-exec, so it must come before any thread.
    sensor::memory::reexec_tuned();
    let mut config = ServerConfig::load_or_default(args.config.as_deref())?;
    if args.config.is_none() {
        config.api.listen = SocketAddr::from(([127, 0, 0, 1], 8080));
        config.broker.listen = vec![SocketAddr::from(([127, 0, 0, 1], 10000))];
    }
    if let Some(d) = args.data.clone() {
        config.data_dir = d;
    }
    if let Some(h) = args.http {
        config.api.listen = h;
    }
    if let Some(b) = args.broker {
        config.broker.listen = vec![b];
    }
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("cannot start the async runtime")?;
    rt.block_on(up(config, args))
}

/// The ident the local sensor publishes as, created with a random secret on first start.
async fn sensor_ident(store: &store::Store) -> Result<store::IdentRow> {
    if let Some(mut i) = store.get_ident(SENSOR_IDENT).await? {
        // An ident made by an older version lacks the channels added since (`apiary.ttylog`): grant them.
        let missing: Vec<String> = SENSOR_CHANNELS
            .iter()
            .filter(|c| !i.publish.iter().any(|p| p == *c))
            .map(|c| c.to_string())
            .collect();
        if !missing.is_empty() {
            i.publish.extend(missing);
            store.put_ident(&i).await?;
        }
        return Ok(i);
    }
    let ident = store::IdentRow {
        name: SENSOR_IDENT.into(),
        owner: "apiary up".into(),
        secret: super::ident::generate_secret(),
        publish: SENSOR_CHANNELS.iter().map(|c| c.to_string()).collect(),
        subscribe: Vec::new(),
    };
    store.put_ident(&ident).await?;
    Ok(ident)
}

/// The admin's password if this start created the admin (first start), `None` otherwise.
async fn first_admin(store: &store::Store) -> Result<Option<String>> {
    if !store.list_users().await?.is_empty() {
        return Ok(None);
    }
    let pw = super::user::generate_password();
    store
        .create_user(ADMIN, &pw, store::Role::Admin)
        .await
        .context("cannot create the dashboard's admin user")?;
    Ok(Some(pw))
}

/// `host:port` a local client uses for a bound address (an unspecified address becomes loopback).
fn local(addr: SocketAddr) -> SocketAddr {
    match addr {
        SocketAddr::V4(a) if a.ip().is_unspecified() => SocketAddr::from(([127, 0, 0, 1], a.port())),
        SocketAddr::V6(a) if a.ip().is_unspecified() => SocketAddr::from(([0u16, 0, 0, 0, 0, 0, 0, 1], a.port())),
        a => a,
    }
}

async fn up(config: ServerConfig, args: UpArgs) -> Result<()> {
    let shutdown = CancellationToken::new();
    let signals = super::broker::stop_on_signal(shutdown.clone()).context("cannot install signal handlers")?;
    let data_dir = config.data_dir.clone();
    let server = super::server::start(config, shutdown.clone()).await?;
    let ident = sensor_ident(&server.store).await?;
    let admin_password = first_admin(&server.store).await?;
    let broker = *server
        .broker_addrs
        .first()
        .context("no hpfeeds listener is configured: set [broker] listen or --broker")?;

    let mut sc = sensor::config::SensorConfig {
        name: "local".into(),
        server: Some(sensor::config::ServerConfig {
            addr: local(broker).to_string(),
            ident: ident.name,
            secret: ident.secret,
            cowrie_sessions: false,
        }),
        ..sensor::config::SensorConfig::default()
    };
    sc.ssh.listen = vec![args.ssh];
    sc.telnet.listen = vec![args.telnet];
    sc.log.dir = data_dir.join("sensor");
    let sensor = match sensor::Sensor::start(sc).await {
        Ok(s) => s,
        Err(e) => {
            shutdown.cancel();
            let _ = server.wait().await;
            return Err(
                e.context("cannot start the local sensor (is the SSH or Telnet port taken? use --ssh/--telnet)")
            );
        }
    };

    let scheme = if server.https { "https" } else { "http" };
    let url = format!("{scheme}://{}/", local(server.api_addr));
    println!("Apiary is up.");
    println!("  Dashboard: {url}");
    match &admin_password {
        Some(pw) => {
            println!("  Login:     {ADMIN} {pw}");
            println!("             (shown once; add users with `apiary user add` or in Settings)");
        }
        None => println!(
            "  Login:     your existing dashboard users (new admin password: apiary user passwd admin --data {})",
            data_dir.display()
        ),
    }
    for a in &sensor.ssh_addrs {
        println!("  SSH honeypot:    {a}   try: ssh -p {} root@127.0.0.1", a.port());
    }
    for a in &sensor.telnet_addrs {
        println!("  Telnet honeypot: {a}");
    }
    println!("  hpfeeds broker:  {broker}   data: {}", data_dir.display());

    shutdown.cancelled().await;
    sensor.shutdown(std::time::Duration::from_secs(2)).await;
    let r = server.wait().await;
    signals.abort();
    r
}

//! `apiary sensor`: the SSH and Telnet honeypots as a process, configured by `sensor.toml` (every setting has a
//! default), until SIGINT or SIGTERM.

use std::path::PathBuf;

use anyhow::Context;
use clap::Args;
use sensor::config::SensorConfig;

/// Flags of `apiary sensor`.
#[derive(Debug, Args)]
pub struct SensorArgs {
    /// Configuration file (TOML); without it: SSH on 0.0.0.0:2222, Telnet on 0.0.0.0:2323, data in ./apiary-data.
    #[arg(long, short)]
    config: Option<PathBuf>,
    /// Override `[log] dir`: where host keys, persona, logs, recordings and captured files go.
    #[arg(long)]
    data_dir: Option<PathBuf>,
}

/// Threads for blocking work: enough for dozens of concurrent downloads, few enough to give memory back.
const BLOCKING_THREADS: usize = 32;

/// Starts the sensor and runs it until a signal.
pub fn run(args: SensorArgs) -> anyhow::Result<()> {
    sensor::memory::reexec_tuned();
    let mut config = match &args.config {
        Some(path) => SensorConfig::load(path)?,
        None => SensorConfig::default(),
    };
    if let Some(dir) = args.data_dir {
        config.log.dir = dir;
    }
    // Blocking work (fetches for wget/curl, storing captures at session end) gets a small pool whose idle threads
    // leave soon: each idle thread keeps glibc's per-thread cache of freed chunks, which pins heap pages that the
    // trim after a burst of sessions would otherwise give back.
    let rt = tokio::runtime::Builder::new_multi_thread()
        .max_blocking_threads(BLOCKING_THREADS)
        .thread_keep_alive(std::time::Duration::from_secs(1))
        .enable_all()
        .build()
        .context("cannot start the async runtime")?;
    rt.block_on(async move {
        // Handlers first, so a SIGTERM that arrives while the listeners come up is a clean stop, not a kill.
        let stop = signals()?;
        let dir = config.log.dir.clone();
        let sensor = sensor::Sensor::start(config).await?;
        for addr in &sensor.ssh_addrs {
            tracing::info!(%addr, "SSH honeypot listening");
        }
        for addr in &sensor.telnet_addrs {
            tracing::info!(%addr, "Telnet honeypot listening");
        }
        tracing::info!(log = %sensor::events::log_path(&dir).display(), "writing events");
        stop.await;
        tracing::info!("shutting down");
        sensor.shutdown(std::time::Duration::from_secs(2)).await;
        Ok(())
    })
}

/// Installs the SIGINT and SIGTERM handlers; the future resolves at the first of either.
fn signals() -> anyhow::Result<impl std::future::Future<Output = ()>> {
    use tokio::signal::unix::{signal, SignalKind};
    let mut term = signal(SignalKind::terminate()).context("cannot install the SIGTERM handler")?;
    let mut int = signal(SignalKind::interrupt()).context("cannot install the SIGINT handler")?;
    Ok(async move {
        tokio::select! {
            _ = term.recv() => {}
            _ = int.recv() => {}
        }
    })
}

//! Apiary benchmarks: our components against their real peers, side by side, printing ratios.
//!
//! `cargo run --release -p bench -- hpfeeds --help` for the hpfeeds broker benchmark, `-- server --help` for the
//! server's ingest and API latency benchmark, `-- store --help` for the store's write path alone.

mod common;
mod hpfeeds;
mod server;
mod ssh;
mod store;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

/// Command line.
#[derive(Debug, Parser)]
#[command(about = "Apiary benchmarks against their real peers")]
struct Cli {
    #[command(subcommand)]
    cmd: Cmd,
}

/// Benchmarks.
#[derive(Debug, Subcommand)]
enum Cmd {
    /// hpfeeds broker: apiary against the Python reference broker.
    Hpfeeds(hpfeeds::Args),
    /// SSH honeypot: apiary sensor against Cowrie 3.1.4.
    Ssh(ssh::Args),
    /// apiary server: ingest rate and RSS, then API latency on a big prefilled store (SQLite and PostgreSQL).
    Server(server::Args),
    /// The store's write path alone, as the collector drives it: events/s and CPU per event (callgrind-friendly).
    Store(store::Args),
    /// The latency-floor relay the hpfeeds benchmark starts itself (not a broker: no auth, no limits).
    #[command(hide = true)]
    FloorRelay {
        /// Loopback address to listen on.
        #[arg(long)]
        listen: std::net::SocketAddr,
    },
}

#[tokio::main]
async fn main() -> ExitCode {
    let cli = Cli::parse();
    let run = async {
        match cli.cmd {
            Cmd::Hpfeeds(args) => hpfeeds::run(args).await,
            Cmd::Ssh(args) => ssh::run(args).await,
            Cmd::Server(args) => server::run(args).await,
            Cmd::Store(args) => store::run(args).await,
            Cmd::FloorRelay { listen } => tokio::task::spawn_blocking(move || hpfeeds::floor::serve(listen))
                .await
                .map_err(anyhow::Error::from)
                .and_then(|r| r.map(|()| true)),
        }
    };
    // Ctrl-C drops the run, and with it every broker child (kill_on_drop).
    let r = tokio::select! {
        r = run => r,
        _ = tokio::signal::ctrl_c() => Err(anyhow::anyhow!("interrupted")),
    };
    match r {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::FAILURE,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::from(2)
        }
    }
}

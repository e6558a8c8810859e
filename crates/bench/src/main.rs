//! Apiary benchmarks: our components against their real peers, side by side, printing ratios.
//!
//! `cargo run --release -p bench -- hpfeeds --help` for the hpfeeds broker benchmark.

mod hpfeeds;

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
}

#[tokio::main]
async fn main() -> ExitCode {
    let cli = Cli::parse();
    let run = async {
        match cli.cmd {
            Cmd::Hpfeeds(args) => hpfeeds::run(args).await,
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

//! Publishes messages to an hpfeeds broker, like mini-redis' `examples/pub.rs`.
//!
//! ```text
//! cargo run -p hpfeeds --example publish -- --host 127.0.0.1 --port 10000 \
//!     --ident sensor1 --secret s3cret --channel apiary.events 'hello' 'world'
//! ```
//! Each MESSAGE argument is one message; with none (or `-`), each line of standard input is one. Add `--spool DIR`
//! to keep what cannot be delivered on disk for the next run, `--tls-ca FILE` (and `--tls-name NAME`) for TLS.
//! Exits non-zero, with the broker's own words where it gave any, if not everything was confirmed.

mod common;

use std::io::BufRead;
use std::process::ExitCode;

use clap::Parser;
use hpfeeds::client::{Client, SpoolConfig};

/// Flags of the publish example.
#[derive(Debug, Parser)]
struct Cli {
    #[command(flatten)]
    connect: common::Connect,
    /// Channel to publish to.
    #[arg(long)]
    channel: String,
    /// Keep what cannot be delivered in this folder, for the next run.
    #[arg(long, value_name = "DIR")]
    spool: Option<String>,
    /// Messages, one per argument; none or `-` reads one per line from standard input.
    messages: Vec<String>,
}

#[tokio::main]
async fn main() -> ExitCode {
    common::init_logging();
    common::exit_code("publish", run(Cli::parse()).await)
}

async fn run(cli: Cli) -> Result<(), String> {
    let Cli {
        connect,
        channel,
        spool,
        mut messages,
    } = cli;
    let mut cfg = connect.config();
    cfg.spool = spool.map(SpoolConfig::new);
    if messages.is_empty() || messages == ["-"] {
        messages = std::io::stdin()
            .lock()
            .lines()
            .collect::<Result<_, _>>()
            .map_err(|e| format!("reading standard input: {e}"))?;
    }
    let durable = cfg.spool.is_some();
    // With a spool, start even if the broker is down: the messages wait on disk.
    let client = if durable {
        Client::start(cfg).await
    } else {
        Client::connect(cfg).await
    };
    let client = client.map_err(|e| e.to_string())?;
    for m in messages {
        client.publish(&channel, m).await.map_err(|e| e.to_string())?;
    }
    let stats = client.stats();
    if let Err(e) = client.close().await {
        if durable {
            return Err(format!("{e}; they stay in the spool and go out on the next run"));
        }
        return Err(e.to_string());
    }
    eprintln!("published {} messages to {channel}", stats.published);
    Ok(())
}

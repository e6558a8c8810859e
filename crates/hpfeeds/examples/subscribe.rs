//! Prints the messages of one or more hpfeeds channels, like mini-redis' `examples/sub.rs`.
//!
//! ```text
//! cargo run -p hpfeeds --example subscribe -- --host 127.0.0.1 --port 10000 \
//!     --ident collector --secret s3cret --channel apiary.events --channel cowrie.sessions
//! ```
//! One line per message: `channel ident payload` (payload as UTF-8, invalid bytes replaced). Runs until Ctrl-C,
//! or until `--count N` messages arrived. Reconnects and re-subscribes by itself if the broker restarts.

mod common;

use std::process::ExitCode;

use clap::Parser;
use hpfeeds::client::Client;

/// Flags of the subscribe example.
#[derive(Debug, Parser)]
struct Cli {
    #[command(flatten)]
    connect: common::Connect,
    /// Channel to subscribe to; repeat for several.
    #[arg(long, required = true)]
    channel: Vec<String>,
    /// Stop after this many messages.
    #[arg(long, value_name = "N")]
    count: Option<u64>,
}

#[tokio::main]
async fn main() -> ExitCode {
    common::init_logging();
    common::exit_code("subscribe", run(Cli::parse()).await)
}

async fn run(cli: Cli) -> Result<(), String> {
    let count = cli.count;
    let channels = cli.channel;
    let client = Client::connect(cli.connect.config()).await.map_err(|e| e.to_string())?;
    for ch in &channels {
        client.subscribe(ch).await.map_err(|e| e.to_string())?;
    }
    let mut seen = 0u64;
    while count.is_none_or(|n| seen < n) {
        tokio::select! {
            m = client.recv() => match m {
                Some(m) => {
                    println!("{} {} {}", m.channel, m.ident, String::from_utf8_lossy(&m.payload));
                    seen += 1;
                }
                None => break,
            },
            _ = tokio::signal::ctrl_c() => break,
        }
    }
    let _ = client.close().await;
    Ok(())
}

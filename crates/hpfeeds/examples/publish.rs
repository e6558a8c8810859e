//! Publishes messages to an hpfeeds broker, like mini-redis' `examples/pub.rs`.
//!
//! ```text
//! cargo run -p hpfeeds --example publish -- --host 127.0.0.1 --port 10000 \
//!     --ident sensor1 --secret s3cret --channel apiary.events 'hello' 'world'
//! ```
//! Each MESSAGE argument is one message; with none (or `-`), each line of standard input is one. Add `--spool DIR`
//! to keep what cannot be delivered on disk for the next run, `--tls-ca FILE` (and `--tls-name NAME`) for TLS.
//! Exits non-zero, with the broker's own words where it gave any, if not everything was confirmed.

use std::io::BufRead;
use std::process::ExitCode;

use hpfeeds::client::{Client, ClientConfig, SpoolConfig, TlsConfig};

const USAGE: &str = "usage: publish --ident ID --secret S --channel CH [--host H] [--port P] [--tls-ca FILE] \
[--tls-name NAME] [--spool DIR] [MESSAGE...|-]";

#[tokio::main]
async fn main() -> ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "warn".into()))
        .with_writer(std::io::stderr)
        .init();
    match run().await {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("publish: {e}");
            ExitCode::FAILURE
        }
    }
}

async fn run() -> Result<(), String> {
    let (mut host, mut port) = ("127.0.0.1".to_string(), "10000".to_string());
    let (mut ident, mut secret, mut channel) = (None, None, None);
    let (mut tls_ca, mut tls_name, mut spool) = (None, None, None);
    let mut messages = Vec::new();
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        let mut value = || args.next().ok_or(format!("{arg} needs a value\n{USAGE}"));
        match arg.as_str() {
            "--host" => host = value()?,
            "--port" => port = value()?,
            "--ident" => ident = Some(value()?),
            "--secret" => secret = Some(value()?),
            "--channel" => channel = Some(value()?),
            "--tls-ca" => tls_ca = Some(value()?),
            "--tls-name" => tls_name = Some(value()?),
            "--spool" => spool = Some(value()?),
            "-h" | "--help" => return Err(USAGE.into()),
            s if s.starts_with("--") => return Err(format!("unknown flag {s}\n{USAGE}")),
            _ => messages.push(arg),
        }
    }
    let missing = |what: &str| format!("{what} is required\n{USAGE}");
    let mut cfg = ClientConfig::new(
        format!("{host}:{port}"),
        ident.ok_or_else(|| missing("--ident"))?,
        secret.ok_or_else(|| missing("--secret"))?,
    );
    let channel = channel.ok_or_else(|| missing("--channel"))?;
    if tls_ca.is_some() || tls_name.is_some() {
        cfg.tls = Some(TlsConfig {
            ca_file: tls_ca.map(Into::into),
            server_name: tls_name,
        });
    }
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

//! Prints the messages of one or more hpfeeds channels, like mini-redis' `examples/sub.rs`.
//!
//! ```text
//! cargo run -p hpfeeds --example subscribe -- --host 127.0.0.1 --port 10000 \
//!     --ident collector --secret s3cret --channel apiary.events --channel cowrie.sessions
//! ```
//! One line per message: `channel ident payload` (payload as UTF-8, invalid bytes replaced). Runs until Ctrl-C,
//! or until `--count N` messages arrived. Reconnects and re-subscribes by itself if the broker restarts.

use std::process::ExitCode;

use hpfeeds::client::{Client, ClientConfig, TlsConfig};

const USAGE: &str = "usage: subscribe --ident ID --secret S --channel CH [--channel CH...] [--host H] [--port P] \
[--tls-ca FILE] [--tls-name NAME] [--count N]";

#[tokio::main]
async fn main() -> ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "warn".into()))
        .with_writer(std::io::stderr)
        .init();
    match run().await {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("subscribe: {e}");
            ExitCode::FAILURE
        }
    }
}

async fn run() -> Result<(), String> {
    let (mut host, mut port) = ("127.0.0.1".to_string(), "10000".to_string());
    let (mut ident, mut secret, mut channels) = (None, None, Vec::new());
    let (mut tls_ca, mut tls_name, mut count) = (None, None, None);
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        let mut value = || args.next().ok_or(format!("{arg} needs a value\n{USAGE}"));
        match arg.as_str() {
            "--host" => host = value()?,
            "--port" => port = value()?,
            "--ident" => ident = Some(value()?),
            "--secret" => secret = Some(value()?),
            "--channel" => channels.push(value()?),
            "--tls-ca" => tls_ca = Some(value()?),
            "--tls-name" => tls_name = Some(value()?),
            "--count" => count = Some(value()?.parse::<u64>().map_err(|e| format!("--count: {e}"))?),
            "-h" | "--help" => return Err(USAGE.into()),
            other => return Err(format!("unexpected argument {other}\n{USAGE}")),
        }
    }
    let missing = |what: &str| format!("{what} is required\n{USAGE}");
    let mut cfg = ClientConfig::new(
        format!("{host}:{port}"),
        ident.ok_or_else(|| missing("--ident"))?,
        secret.ok_or_else(|| missing("--secret"))?,
    );
    if channels.is_empty() {
        return Err(missing("--channel"));
    }
    if tls_ca.is_some() || tls_name.is_some() {
        cfg.tls = Some(TlsConfig {
            ca_file: tls_ca.map(Into::into),
            server_name: tls_name,
        });
    }
    let client = Client::connect(cfg).await.map_err(|e| e.to_string())?;
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

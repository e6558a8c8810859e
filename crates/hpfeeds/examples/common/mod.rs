//! What the `publish` and `subscribe` examples share: the broker connection flags and logging set-up.

use clap::Args;
use hpfeeds::client::{ClientConfig, TlsConfig};

/// Where the broker is and who we are.
#[derive(Debug, Args)]
pub struct Connect {
    /// Broker host.
    #[arg(long, default_value = "127.0.0.1")]
    pub host: String,
    /// Broker port.
    #[arg(long, default_value_t = 10000)]
    pub port: u16,
    /// Ident to authenticate as.
    #[arg(long)]
    pub ident: String,
    /// The ident's secret.
    #[arg(long)]
    pub secret: String,
    /// PEM CA file to verify a TLS broker with (turns TLS on).
    #[arg(long, value_name = "FILE")]
    pub tls_ca: Option<String>,
    /// Name to verify the broker's certificate against (turns TLS on).
    #[arg(long, value_name = "NAME")]
    pub tls_name: Option<String>,
}

impl Connect {
    /// The client configuration these flags describe.
    pub fn config(self) -> ClientConfig {
        let mut cfg = ClientConfig::new(format!("{}:{}", self.host, self.port), self.ident, self.secret);
        if self.tls_ca.is_some() || self.tls_name.is_some() {
            cfg.tls = Some(TlsConfig {
                ca_file: self.tls_ca.map(Into::into),
                server_name: self.tls_name,
            });
        }
        cfg
    }
}

/// Logs to standard error, `warn` unless `RUST_LOG` says otherwise, so standard output stays the data.
pub fn init_logging() {
    tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "warn".into()))
        .with_writer(std::io::stderr)
        .init();
}

/// The process exit code for an example's result, printing the error prefixed with the example's name.
pub fn exit_code(name: &str, result: Result<(), String>) -> std::process::ExitCode {
    match result {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("{name}: {e}");
            std::process::ExitCode::FAILURE
        }
    }
}

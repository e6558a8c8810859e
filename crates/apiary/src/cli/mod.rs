//! The command line: one clap definition per subcommand file, and the one place errors become exit codes.
//!
//! Each subcommand file owns its flags (with their help text) and its `run`; this file only dispatches.
//! Only what works is listed: more subcommands arrive with the crates that implement them.

mod apikey;
mod broker;
mod ident;
mod replay;
mod sensor;
mod server;
mod up;
mod user;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

/// Apiary: a honeynet platform. Sensors publish over hpfeeds; the broker authenticates and fans out.
#[derive(Debug, Parser)]
#[command(name = "apiary", version, propagate_version = true)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Manage REST API keys (kept hashed in the server's store).
    #[command(subcommand)]
    Apikey(apikey::ApikeyCommand),
    /// Run the hpfeeds broker alone (wire-compatible with the reference hpfeeds-broker).
    Broker(broker::BrokerArgs),
    /// Manage hpfeeds idents (credentials and channel permissions): the server's (--config) or an idents.json file.
    #[command(subcommand)]
    Ident(ident::IdentCommand),
    /// Play a session recording (asciicast v2) with its timing, or dump it with --raw.
    Replay(replay::ReplayArgs),
    /// Run the server: hpfeeds broker, collector, store (SQLite by default), REST API and dashboard in one process.
    Server(server::ServerArgs),
    /// Run the SSH and Telnet honeypots (a fake Debian 12 machine), logging to ./apiary-data.
    Sensor(sensor::SensorArgs),
    /// Run a whole honeynet in one process: server, dashboard on 127.0.0.1:8080, and SSH/Telnet honeypots.
    Up(up::UpArgs),
    /// Manage dashboard users (kept hashed in the server's store).
    #[command(subcommand)]
    User(user::UserCommand),
}

/// Logs to stderr, `info` by default; `RUST_LOG` overrides (e.g. `RUST_LOG=hpfeeds=debug`).
fn init_logging() {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    // Colours only for a terminal: journald and log files get plain text.
    let ansi = std::io::IsTerminal::is_terminal(&std::io::stderr());
    tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_ansi(ansi)
        .with_env_filter(filter)
        .init();
}

/// Parses the command line, runs the subcommand, and turns an error into a message and exit code 1.
pub fn main() -> ExitCode {
    let cli = Cli::parse();
    init_logging();
    // One process-wide TLS crypto provider, chosen explicitly; an error only means one is already installed.
    let _ = rustls::crypto::ring::default_provider().install_default();
    let result = match cli.command {
        Command::Apikey(cmd) => apikey::run(cmd),
        Command::Broker(args) => broker::run(args),
        Command::Ident(cmd) => ident::run(cmd),
        Command::Replay(args) => replay::run(args),
        Command::Sensor(args) => sensor::run(args),
        Command::Server(args) => server::run(args),
        Command::Up(args) => up::run(args),
        Command::User(cmd) => user::run(cmd),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cli_definition_is_consistent() {
        use clap::CommandFactory;
        Cli::command().debug_assert();
    }
}

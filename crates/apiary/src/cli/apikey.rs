//! `apiary apikey create|list|remove`: API keys for the REST API, kept hashed in the server's store.
//!
//! `create` prints the key once, alone on standard output, so a script can capture it; it cannot be shown again.

use std::path::PathBuf;

use anyhow::Result;
use clap::Subcommand;

use super::ident::in_store;

/// The `apikey` subcommands.
#[derive(Debug, Subcommand)]
pub enum ApikeyCommand {
    /// Create a key and print it once on standard output.
    Create {
        /// A name to recognise the key by (who or what uses it).
        name: String,
        /// The key may read everything but cannot change anything nor download captured samples.
        #[arg(long)]
        read_only: bool,
        /// The server's configuration file (where its store is).
        #[arg(long, value_name = "FILE")]
        config: PathBuf,
    },
    /// List keys (names, roles, creation times; never the keys).
    List {
        /// The server's configuration file.
        #[arg(long, value_name = "FILE")]
        config: PathBuf,
    },
    /// Remove a key by name; it stops working at once.
    Remove {
        /// The key's name.
        name: String,
        /// The server's configuration file.
        #[arg(long, value_name = "FILE")]
        config: PathBuf,
    },
}

/// Runs one `apikey` subcommand.
pub fn run(cmd: ApikeyCommand) -> Result<()> {
    match cmd {
        ApikeyCommand::Create {
            name,
            read_only,
            config,
        } => {
            let n = name.clone();
            let key = in_store(&config, |store| async move {
                Ok(store.create_api_key(&n, read_only).await?)
            })?;
            let role = if read_only { "read-only" } else { "admin" };
            eprintln!("created {role} API key {name:?}; it is shown once, below");
            println!("{key}");
        }
        ApikeyCommand::List { config } => {
            let keys = in_store(&config, |store| async move { Ok(store.list_api_keys().await?) })?;
            println!("NAME\tROLE\tCREATED");
            for k in keys {
                let role = if k.read_only { "read-only" } else { "admin" };
                println!("{}\t{role}\t{}", k.name, k.created.to_rfc3339());
            }
        }
        ApikeyCommand::Remove { name, config } => {
            let n = name.clone();
            let found = in_store(&config, |store| async move { Ok(store.remove_api_key(&n).await?) })?;
            anyhow::ensure!(found, "no API key named {name:?}");
            eprintln!("removed API key {name:?}");
        }
    }
    Ok(())
}

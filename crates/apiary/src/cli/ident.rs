//! `apiary ident add|list|remove`: edit an idents.json file that both our broker and the reference read.
//!
//! Edits are atomic (the running broker never sees half a file) and keep fields we do not know. `list` never
//! prints secrets; `add` prints a generated secret once, on stdout alone, so scripts can capture it.

use std::path::PathBuf;

use anyhow::{Context, Result};
use clap::Subcommand;
use hpfeeds::broker::{identfile, Ident};
use rand::Rng;

/// Length of a generated secret: 32 alphanumeric characters, about 190 bits.
const GENERATED_SECRET_LEN: usize = 32;

/// The `ident` subcommands.
#[derive(Debug, Subcommand)]
pub enum IdentCommand {
    /// Add an ident; prints a generated secret if --secret is not given.
    Add {
        /// The ident name clients authenticate with.
        name: String,
        /// The shared secret; omit to generate a strong one.
        #[arg(long)]
        secret: Option<String>,
        /// Who the ident belongs to (informational); defaults to the ident name.
        #[arg(long)]
        owner: Option<String>,
        /// Channels it may publish to, comma-separated or repeated.
        #[arg(long, value_name = "CH[,CH..]", value_delimiter = ',')]
        publish: Vec<String>,
        /// Channels it may subscribe to, comma-separated or repeated.
        #[arg(long, value_name = "CH[,CH..]", value_delimiter = ',')]
        subscribe: Vec<String>,
        #[command(flatten)]
        at: Where,
    },
    /// List idents and their channels (secrets are never printed).
    List {
        #[command(flatten)]
        at: Where,
    },
    /// Remove an ident (on a server: the sensor names it owned go to the next ident that publishes for them).
    Remove {
        /// The ident to remove.
        name: String,
        #[command(flatten)]
        at: Where,
    },
}

/// Where the idents are: the server's store (`--config server.toml`) or a reference-format file (`--auth`).
#[derive(Debug, clap::Args)]
pub struct Where {
    /// The idents file of `apiary broker` (reference format); created (mode 0600) by `add` if missing.
    #[arg(long, value_name = "FILE", default_value = DEFAULT_IDENTS_FILE, conflicts_with = "config")]
    auth: PathBuf,
    /// Edit the idents of `apiary server` (kept in its store) as configured by this file instead.
    #[arg(long, value_name = "FILE")]
    config: Option<PathBuf>,
}

/// Where idents live unless `--auth` says otherwise: beside the rest of Apiary's data.
pub const DEFAULT_IDENTS_FILE: &str = "apiary-data/idents.json";

/// A random alphanumeric secret from the OS-seeded CSPRNG.
pub fn generate_secret() -> String {
    random_alphanumeric(GENERATED_SECRET_LEN)
}

/// `len` random letters and digits: secrets and passwords the CLI makes up and prints once.
pub fn random_alphanumeric(len: usize) -> String {
    rand::rng()
        .sample_iter(rand::distr::Alphanumeric)
        .take(len)
        .map(char::from)
        .collect()
}

/// Runs one `ident` subcommand.
pub fn run(cmd: IdentCommand) -> Result<()> {
    match cmd {
        IdentCommand::Add {
            name,
            secret,
            owner,
            publish,
            subscribe,
            at,
        } => {
            let generated = secret.is_none();
            let ident = Ident {
                owner: owner.unwrap_or_else(|| name.clone()),
                secret: secret.unwrap_or_else(generate_secret),
                pubchans: publish,
                subchans: subscribe,
                name,
            };
            match &at.config {
                Some(config) => {
                    let row = super::server::idents::to_row(&ident);
                    in_store(config, |store| async move {
                        store.put_ident(&row).await?;
                        Ok(())
                    })?
                }
                None => identfile::add(&at.auth, &ident)
                    .with_context(|| format!("cannot add ident to {}", at.auth.display()))?,
            }
            eprintln!("added ident {} to {}", ident.name, at.describe());
            if generated {
                println!("{}", ident.secret);
            }
        }
        IdentCommand::List { at } => {
            let idents = match &at.config {
                Some(config) => in_store(config, |store| async move {
                    let rows = store.list_idents().await?;
                    Ok(rows
                        .into_iter()
                        .map(|r| std::sync::Arc::new(super::server::idents::to_ident(r)))
                        .collect::<Vec<_>>())
                })?,
                None => {
                    identfile::list(&at.auth).with_context(|| format!("cannot list idents in {}", at.auth.display()))?
                }
            };
            println!("IDENT\tOWNER\tPUBLISH\tSUBSCRIBE");
            for i in idents {
                println!(
                    "{}\t{}\t{}\t{}",
                    i.name,
                    i.owner,
                    i.pubchans.join(","),
                    i.subchans.join(",")
                );
            }
        }
        IdentCommand::Remove { name, at } => {
            match &at.config {
                Some(config) => {
                    let n = name.clone();
                    let found = in_store(config, |store| async move { Ok(store.remove_ident(&n).await?) })?;
                    anyhow::ensure!(found, "no ident named {name:?} in {}", at.describe());
                }
                None => identfile::remove(&at.auth, &name)
                    .with_context(|| format!("cannot remove ident from {}", at.auth.display()))?,
            }
            eprintln!("removed ident {name} from {}", at.describe());
        }
    }
    Ok(())
}

impl Where {
    /// Names the place for messages.
    fn describe(&self) -> String {
        match &self.config {
            Some(c) => format!("the server store of {}", c.display()),
            None => self.auth.display().to_string(),
        }
    }
}

/// Opens the store `config` names and runs `f` on it, on a runtime of its own (the CLI is otherwise synchronous).
pub fn in_store<T, F, Fut>(config: &std::path::Path, f: F) -> Result<T>
where
    F: FnOnce(store::Store) -> Fut,
    Fut: std::future::Future<Output = Result<T>>,
{
    let config = super::server::config::ServerConfig::load(config)?;
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .context("cannot start the async runtime")?;
    rt.block_on(async move {
        let store = config.open_store().await?;
        f(store).await
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_secrets_are_long_alphanumeric_and_distinct() {
        let (a, b) = (generate_secret(), generate_secret());
        assert_eq!(a.len(), GENERATED_SECRET_LEN);
        assert!(a.chars().all(|c| c.is_ascii_alphanumeric()));
        assert_ne!(a, b);
    }
}

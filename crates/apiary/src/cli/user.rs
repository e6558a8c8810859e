//! `apiary user add|list|remove|passwd`: dashboard users, kept in the server's store with argon2id hashes
//! (`--config server.toml`, or `--data DIR` for `apiary up`'s folder).
//!
//! `add` and `passwd` read the password from standard input when it is piped (first line), and otherwise generate
//! one and print it once, alone on standard output, so a script can capture it.

use std::io::{IsTerminal, Read};
use std::path::PathBuf;

use anyhow::{Context, Result};
use clap::Subcommand;

use super::server::config::ServerConfig;

/// Length of a generated password (alphanumeric: about 119 bits).
const GENERATED_LEN: usize = 20;
/// Most bytes read from standard input for a password.
const STDIN_MAX: u64 = 4096;

/// The `user` subcommands.
#[derive(Debug, Subcommand)]
pub enum UserCommand {
    /// Create a dashboard user; the password comes from piped standard input or is generated and printed once.
    Add {
        /// Login name (letters, digits, '.', '_', '-', '@').
        name: String,
        /// `admin` (everything) or `read-only` (sees everything, changes nothing, downloads no samples).
        #[arg(long, default_value = "admin")]
        role: String,
        /// Where the users are kept.
        #[command(flatten)]
        at: StoreAt,
    },
    /// List users (names, roles, creation times).
    List {
        /// Where the users are kept.
        #[command(flatten)]
        at: StoreAt,
    },
    /// Remove a user; their browsers are logged out at once.
    Remove {
        /// The user's name.
        name: String,
        /// Where the users are kept.
        #[command(flatten)]
        at: StoreAt,
    },
    /// Set a new password (piped on standard input, or generated and printed once); logs the user out everywhere.
    Passwd {
        /// The user's name.
        name: String,
        /// Where the users are kept.
        #[command(flatten)]
        at: StoreAt,
    },
}

/// Where the users are kept: the server's store, found through its config file or `apiary up`'s data folder.
#[derive(Debug, clap::Args)]
pub struct StoreAt {
    /// The server's configuration file (where its store is).
    #[arg(long, value_name = "FILE", required_unless_present = "data")]
    config: Option<PathBuf>,
    /// Or the data folder of `apiary up` (default there: ./apiary-data).
    #[arg(long, value_name = "DIR", conflicts_with = "config")]
    data: Option<PathBuf>,
}

impl StoreAt {
    /// Opens the store and runs `f` on it.
    fn run<T, F, Fut>(&self, f: F) -> Result<T>
    where
        F: FnOnce(store::Store) -> Fut,
        Fut: std::future::Future<Output = Result<T>>,
    {
        let config = match (&self.config, &self.data) {
            (Some(path), _) => ServerConfig::load(path)?,
            (None, Some(dir)) => ServerConfig {
                data_dir: dir.clone(),
                ..ServerConfig::default()
            },
            (None, None) => anyhow::bail!("say where the users are: --config server.toml or --data DIR"),
        };
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .context("cannot start the async runtime")?;
        rt.block_on(async move {
            let store = config.open_store().await?;
            f(store).await
        })
    }
}

/// A random alphanumeric password.
pub fn generate_password() -> String {
    super::ident::random_alphanumeric(GENERATED_LEN)
}

/// The piped password (first line), or `None` when standard input is a terminal or empty.
fn piped_password() -> Result<Option<String>> {
    let stdin = std::io::stdin();
    if stdin.is_terminal() {
        return Ok(None);
    }
    let mut text = String::new();
    stdin
        .lock()
        .take(STDIN_MAX)
        .read_to_string(&mut text)
        .context("cannot read the password from standard input")?;
    let line = text.lines().next().unwrap_or("").to_owned();
    Ok((!line.is_empty()).then_some(line))
}

/// The password to set and whether it was generated (then it is printed).
fn password() -> Result<(String, bool)> {
    Ok(match piped_password()? {
        Some(p) => (p, false),
        None => (generate_password(), true),
    })
}

/// Runs one `user` subcommand.
pub fn run(cmd: UserCommand) -> Result<()> {
    match cmd {
        UserCommand::Add { name, role, at } => {
            let role = store::Role::parse(&role)?;
            let (pw, generated) = password()?;
            let (n, p) = (name.clone(), pw.clone());
            at.run(|store| async move { Ok(store.create_user(&n, &p, role).await?) })?;
            eprintln!("created {} user {name:?}", role.as_str());
            if generated {
                eprintln!("its password is shown once, below");
                println!("{pw}");
            }
        }
        UserCommand::List { at } => {
            let users = at.run(|store| async move { Ok(store.list_users().await?) })?;
            println!("NAME\tROLE\tCREATED");
            for u in users {
                println!("{}\t{}\t{}", u.username, u.role.as_str(), u.created.to_rfc3339());
            }
        }
        UserCommand::Remove { name, at } => {
            let n = name.clone();
            let found = at.run(|store| async move { Ok(store.remove_user(&n).await?) })?;
            anyhow::ensure!(found, "no user named {name:?}");
            eprintln!("removed user {name:?}");
        }
        UserCommand::Passwd { name, at } => {
            let (pw, generated) = password()?;
            let (n, p) = (name.clone(), pw.clone());
            let found = at.run(|store| async move { Ok(store.set_password(&n, &p).await?) })?;
            anyhow::ensure!(found, "no user named {name:?}");
            eprintln!("password of {name:?} changed; their browsers are logged out");
            if generated {
                println!("{pw}");
            }
        }
    }
    Ok(())
}

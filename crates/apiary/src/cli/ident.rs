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
        /// The idents file; created (mode 0600) if missing.
        #[arg(long, value_name = "FILE", default_value = DEFAULT_IDENTS_FILE)]
        auth: PathBuf,
    },
    /// List idents and their channels (secrets are never printed).
    List {
        /// The idents file.
        #[arg(long, value_name = "FILE", default_value = DEFAULT_IDENTS_FILE)]
        auth: PathBuf,
    },
    /// Remove an ident.
    Remove {
        /// The ident to remove.
        name: String,
        /// The idents file.
        #[arg(long, value_name = "FILE", default_value = DEFAULT_IDENTS_FILE)]
        auth: PathBuf,
    },
}

/// Where idents live unless `--auth` says otherwise: beside the rest of Apiary's data.
pub const DEFAULT_IDENTS_FILE: &str = "apiary-data/idents.json";

/// A random alphanumeric secret from the OS-seeded CSPRNG.
pub fn generate_secret() -> String {
    rand::rng()
        .sample_iter(rand::distr::Alphanumeric)
        .take(GENERATED_SECRET_LEN)
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
            auth,
        } => {
            let generated = secret.is_none();
            let ident = Ident {
                owner: owner.unwrap_or_else(|| name.clone()),
                secret: secret.unwrap_or_else(generate_secret),
                pubchans: publish,
                subchans: subscribe,
                name,
            };
            identfile::add(&auth, &ident).with_context(|| format!("cannot add ident to {}", auth.display()))?;
            eprintln!("added ident {} to {}", ident.name, auth.display());
            if generated {
                println!("{}", ident.secret);
            }
        }
        IdentCommand::List { auth } => {
            let idents = identfile::list(&auth).with_context(|| format!("cannot list idents in {}", auth.display()))?;
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
        IdentCommand::Remove { name, auth } => {
            identfile::remove(&auth, &name).with_context(|| format!("cannot remove ident from {}", auth.display()))?;
            eprintln!("removed ident {name} from {}", auth.display());
        }
    }
    Ok(())
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

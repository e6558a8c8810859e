//! Why enrichment could not start.

use std::path::PathBuf;

/// A configured database could not be loaded, or reverse DNS could not start; the message names the setting and
/// the fix.
#[derive(Debug, thiserror::Error)]
pub enum EnrichError {
    /// The file is missing, unreadable, or not a MaxMind-format database.
    #[error("cannot load {setting} = {path:?}: {source}; {remedy}")]
    Database {
        /// The config key that named the file, e.g. `enrich.city_db`.
        setting: &'static str,
        /// The file as configured.
        path: PathBuf,
        /// What to do about it.
        remedy: &'static str,
        /// What the reader reported.
        #[source]
        source: Box<maxminddb::MaxMindDbError>,
    },
    /// `reverse_dns = true`, but its settings are unusable or the system resolver configuration cannot be read.
    #[error("cannot start reverse DNS: {problem}; {remedy}")]
    ReverseDns {
        /// What is wrong.
        problem: String,
        /// What to do about it.
        remedy: &'static str,
    },
}

//! Enrichment: which country, city and network a source address belongs to, as far as the configured data knows.
//!
//! Country works with no files at all (a registry table built into the binary); city, coordinates and ASN come
//! from MaxMind-format `.mmdb` files the operator points `[enrich]` at (GeoLite2 or DB-IP Lite). Reverse DNS, off
//! by default, runs beside the pipeline and writes to `ip_meta` on its own.
//!
//! # Layout
//! - [`config`]: the `[enrich]` section of `server.toml`.
//! - [`geo`]: the result of a lookup, every field optional.
//! - [`registry`]: the built-in country of registration (RIR allocation data), public addresses only.
//! - [`mmdb`]: opening MaxMind-format databases and reading the few fields Apiary keeps.
//! - [`enricher`]: the lookup that combines them, in order of precision.
//! - [`rdns`]: reverse DNS (PTR, forward-confirmed) in a background task fed by a bounded queue.
//! - [`error`]: why a database could not be loaded, and what to do about it.

mod config;
mod enricher;
mod error;
mod geo;
mod mmdb;
mod rdns;
mod registry;

pub use config::EnrichConfig;
pub use enricher::Enricher;
pub use error::EnrichError;
pub use geo::Geo;
pub use rdns::{clean_hostname, ReverseDns, ReverseDnsCounts, MAX_HOSTNAME};

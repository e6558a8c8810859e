//! The collector: one normalizer per foreign hpfeeds channel, GeoIP/ASN enrichment, batching into the store.
//!
//! # Layout
//! - [`normalize`]: channel → normalizer table, one file per feed; anything unknown becomes a `raw` event.
//! - [`enrich`]: country (embedded registry table), city/coordinates/ASN from MaxMind-format databases.
//! - [`claims`]: which ident may publish for which sensor (another ident's events go under `sensor@ident`).
//! - [`pipeline`]: the run loop: broker messages in, batches out to the store, retried until stored.

pub mod claims;
pub mod enrich;
pub mod normalize;
pub mod pipeline;

//! The collector: one normalizer per foreign hpfeeds channel, GeoIP/ASN enrichment, batching into the store.
//!
//! It is filled in by the server data-side issue; see `ARCHITECTURE.md`.

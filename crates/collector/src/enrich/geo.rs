//! The result of one lookup: the store's [`Geo`], so an enriched record goes to the store as it is.
//!
//! A field is `None` when no configured source knows it. `country` is the ISO 3166-1 alpha-2 code, upper case:
//! the located country from a City/Country database, else the country of registration from the built-in registry
//! table. `lat` and `lon` are set together or not at all.

pub use store::Geo;

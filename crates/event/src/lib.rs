//! The normalized event model every Apiary component speaks: one envelope, one `kind` per event type.
//!
//! This crate is an API boundary: it does no I/O and depends on no other Apiary crate.
//! It is filled in by the sensor and server issues; see `ARCHITECTURE.md`.

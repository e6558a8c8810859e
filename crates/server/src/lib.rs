//! The only crate that speaks HTTP and JSON to the outside: REST API (MHN paths too), web UI, live stream, exports.
//!
//! It is filled in by the server and dashboard issues; see `ARCHITECTURE.md`.

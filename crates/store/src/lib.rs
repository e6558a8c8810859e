//! Storage behind one trait: SQLite (embedded default) and PostgreSQL, migrations, hourly rollups, retention.
//!
//! Architecture invariant: the store never imports a protocol crate.
//! It is filled in by the server data-side issue; see `ARCHITECTURE.md`.

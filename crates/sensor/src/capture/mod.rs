//! What attackers download: the real, policy-checked network access behind the fake `wget`/`curl`/`tftp`
//! (`fetch.rs`, a [`shell::net::Fetcher`]) and the content-addressed store the captured files land in (`store.rs`).
//!
//! The lead wires them: `session.set_fetcher(Arc::new(NetFetcher::new(policy)?))` once per session, and after each
//! line `for d in session.take_downloads() { store.put(&d.body)? ... }`.

pub mod fetch;
pub mod store;

pub use fetch::{is_public, FetchPolicy, NetFetcher, TlsSetupError};
pub use store::{FileStore, StoredFile};

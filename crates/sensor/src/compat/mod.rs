//! Cowrie compatibility for the SSH/Telnet sensor, so pipelines built for Cowrie keep working unchanged.
//!
//! - [`cowrie_json`]: our events as lines of Cowrie's JSON log (`output_jsonlog`), for ELK/Splunk readers.
//! - [`cowrie_sessions`]: the per-session summary Cowrie's hpfeeds plugin publishes on `cowrie.sessions`, for MHN.
//! - [`cowrie_ttylog`]: Cowrie's binary tty log, for `cowrie.log.closed` and the summary's `ttylog`.
//! - `pyjson.rs`: the JSON writer both use, byte-compatible with CPython's `json.dumps`.
//!
//! The reference is Cowrie 3.1.4's real output, kept in `testdata/` (copied from `shared/fixtures`; see its README
//! for how it was captured); every test compares against those bytes.

pub mod cowrie_json;
pub mod cowrie_sessions;
pub mod cowrie_ttylog;
mod pyjson;

pub use cowrie_json::{applies_to, lines, log_closed, CowrieCtx, TtyLog};
pub use cowrie_sessions::SessionSummary;
pub use cowrie_ttylog::{ClosedTtyLog, TtyLogWriter};

//! The copy-on-write fake filesystem: an immutable base tree shared by all sessions, and one overlay per connection.
//!
//! Architecture invariant: pure code. Nothing here can reach the real file system; every byte lives in memory.
//!
//! - `node.rs`: typed nodes (kind, mode, owner, size, mtime, content or size only).
//! - `path.rs`: path syntax and its limits.
//! - `base.rs`: the shared base tree, its builder and a minimal Debian skeleton for tests.
//! - `overlay.rs`: a session's writable view, listings, and the changed-files capture.
//! - `error.rs`: the errno-like error.

mod base;
mod error;
mod node;
mod overlay;
pub mod path;

pub use base::{debian_skeleton, Base, BaseBuilder};
pub use error::Errno;
pub use node::{Content, Kind, Meta, Node, Payload, Stat, DEFAULT_MTIME};
pub use overlay::{
    ChangedFile, DirEntry, Overlay, Usage, WriteMode, MAX_ENTRIES_CREATED, MAX_FILE_BYTES, MAX_OVERLAY_BYTES,
};

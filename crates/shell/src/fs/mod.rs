//! The copy-on-write fake filesystem: an immutable base tree shared by all sessions, and one overlay per connection.
//!
//! Architecture invariant: pure code. Nothing here can reach the real file system; every byte lives in memory.
//!
//! - `node.rs`: typed nodes (kind, mode, owner, size, mtime, content or size only).
//! - `path.rs`: path syntax and its limits.
//! - `base.rs`: the shared base tree, its builder and a minimal Debian skeleton for tests.
//! - `debian/`: the realistic Debian 12 tree generated from a persona, and the `/proc` files rendered at read time.
//! - `overlay.rs`: a session's writable view, listings, and the changed-files capture.
//! - `error.rs`: the errno-like error.

mod base;
mod debian;
mod error;
mod node;
mod overlay;
pub mod path;

pub use base::{debian_skeleton, Base, BaseBuilder};
pub use debian::debian_tree;
pub(crate) use debian::proc_file;
pub use error::Errno;
pub use node::{Content, Kind, Meta, Node, Payload, Stat, DEFAULT_MTIME};
pub use overlay::{
    ChangedFile, DirEntry, Overlay, Usage, WriteMode, MAX_ENTRIES_CREATED, MAX_FILE_BYTES, MAX_OVERLAY_BYTES,
};

//! hpfeeds: the honeypot world's authenticated publish/subscribe protocol, wire-compatible with the reference
//! implementation (Python `hpfeeds` 3.1.0).
//!
//! # Layout
//! - [`wire`]: the six frames, `check`/`decode`/`encode`, size limits. No I/O.
//! - [`codec`]: framing over any async stream, used by both ends.

pub mod codec;
pub mod wire;

pub use codec::{Codec, CodecError};
pub use wire::{Frame, Opcode, WireError};

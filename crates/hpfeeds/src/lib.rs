//! hpfeeds: the honeypot world's authenticated publish/subscribe protocol, wire-compatible with the reference
//! implementation (Python `hpfeeds` 3.1.0).
//!
//! # Layout
//! - [`wire`]: the six frames, `check`/`decode`/`encode`, size limits. No I/O.
//! - [`codec`]: framing over any async stream, used by both ends.
//! - [`client`]: the async client: reconnect with backoff, re-subscription, and an on-disk spool so publishes
//!   survive broker outages and client restarts.
//! - [`broker`]: the broker: ident store (JSON file watched for changes), ACL, fan-out with byte-bounded
//!   per-subscriber queues that slow publishers instead of dropping, limits, metrics, TLS.
//! - [`throttle`]: failure counting per key in fixed windows with a bounded map (the broker's AUTH throttle;
//!   the dashboard's login throttle uses it too).

pub mod broker;
pub mod client;
pub mod codec;
pub mod throttle;
pub mod wire;

pub use codec::{Codec, CodecError};
pub use wire::{Frame, Opcode, WireError};

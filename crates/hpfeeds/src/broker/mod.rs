//! The hpfeeds broker: authenticates idents, enforces their channel ACLs and fans publishes out, wire-compatible
//! with the reference Python broker (hpfeeds 3.1.0).
//!
//! # Layout
//! - [`config`]: every setting and limit, with defaults.
//! - [`auth`]: the [`Ident`] record and the [`IdentStore`] trait; [`identfile`]: the reference's JSON format and
//!   safe editing; [`filestore`]: a store on that file that reloads on content change.
//! - `acl`: channel permissions and the reference's exact ERROR texts.
//! - `handshake`: INFO, AUTH, throttling (`throttle`); `session`: the authenticated read loop;
//!   `writer`: each connection's batching writer task; `reader`: raw frame reads.
//! - `queue` and `fanout`: the byte-bounded subscriber queues and the channel table (the backpressure design).
//! - `hub`: the [`Broker`] handle; `local`: in-process subscribers; `metrics`: Prometheus text.
//! - [`server`]: accept loops ([`serve`], [`run`]); [`tls`]: rustls configuration.

mod acl;
pub mod auth;
pub mod config;
mod fanout;
pub mod filestore;
mod handshake;
mod hub;
pub mod identfile;
mod local;
mod metrics;
mod queue;
mod reader;
pub mod server;
mod session;
mod throttle;
pub mod tls;
mod writer;

pub use acl::{AUTH_TIMEOUT, FIRST_NOT_AUTH};
pub use auth::{Ident, IdentStore, LookupFuture, MemoryStore, StoreError};
pub use config::BrokerConfig;
pub use filestore::{FileStore, PollOutcome};
pub use hub::{Broker, ConfigError};
pub use identfile::IdentFileError;
pub use local::{LocalSubscription, Message};
pub use server::{accept_configured, configure_accepted, run, serve, Listener};
pub use tls::TlsError;

//! The only crate that speaks HTTP and JSON to the outside: the REST API (MHN-compatible paths too) and the
//! dashboard (embedded pages, logins, settings, the live stream).
//!
//! # Layout
//! - [`api`]: the router ([`router`]), one file per `/api/v1/` resource, and `api/mhn/` for MHN's paths.
//! - `auth`: who is asking: API keys (Bearer everywhere; `?api_key=` and `apikey:` on MHN paths) or the dashboard's
//!   session cookie (with CSRF), and the read-only rule for writes.
//! - `error`: JSON errors with status codes; never SQL.
//! - `openapi`: the OpenAPI 3.1 document served at `/api/openapi.json`.
//! - [`web`]: the dashboard's server side (assets, headers, login, settings, live stream, TLS).

pub mod api;
mod auth;
mod error;
mod openapi;
pub mod web;

pub use api::{router, ApiState};
pub use error::ApiError;
pub use web::{LiveHub, WebOptions};

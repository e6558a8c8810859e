//! The only crate that speaks HTTP and JSON to the outside: the REST API (MHN-compatible paths too).
//!
//! # Layout
//! - [`api`]: the router ([`router`]), one file per `/api/v1/` resource, and `api/mhn/` for MHN's paths.
//! - `auth`: API key extraction and checking (Bearer everywhere; `?api_key=` and `apikey:` on MHN paths).
//! - `error`: JSON errors with status codes; never SQL.
//! - `openapi`: the OpenAPI 3.1 document served at `/api/openapi.json`.

pub mod api;
mod auth;
mod error;
mod openapi;

pub use api::{router, ApiState};
pub use error::ApiError;

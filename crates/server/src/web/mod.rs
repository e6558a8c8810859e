//! The dashboard's server side: embedded pages and assets, security headers, users and cookie sessions (CSRF,
//! login throttling, roles), settings, the live stream (SSE) and the sensor map; HTTPS when configured.
//!
//! # Layout
//! - `assets`: `web/` embedded in the binary; `/` and client-side routes answer `index.html`, `/assets/*` the files.
//! - `headers`: the Content-Security-Policy and friends, on every response.
//! - `session`: the `apiary_session` cookie, its CSRF token, and who is asking ([`crate::auth::Principal`]).
//! - `login`: `POST /api/v1/login`, `/logout`, `GET /api/v1/me`; `throttle` bounds failed logins per IP and per
//!   (IP, user) pair.
//! - `settings`: users, API keys and retention (admins only).
//! - [`live`]: the stored-event fan-out ([`LiveHub`]) and `GET /api/v1/live`, `/api/public/live` (SSE).
//! - `map`: `GET /api/v1/map`, the sensors' configured location.
//! - [`tls`]: certificate loading or self-signing, and [`serve`] for plain HTTP or HTTPS.

mod assets;
pub(crate) mod headers;
pub mod live;
pub(crate) mod login;
pub(crate) mod map;
pub(crate) mod session;
pub(crate) mod settings;
mod throttle;
pub mod tls;

use std::time::Duration;

pub use live::LiveHub;
pub use tls::{serve, tls_config, TlsError, TlsSource};

pub(crate) use assets::{asset, fallback};
pub(crate) use throttle::LoginThrottle;

/// Dashboard settings that come from `server.toml` (the `[web]` section) and the TLS choice.
#[derive(Debug, Clone)]
pub struct WebOptions {
    /// Serve the anonymized `/api/public/live` without login (`[web] public_map`).
    pub public_map: bool,
    /// Where the sensors are drawn on the map (`[web] sensor_lat`, `sensor_lon`); none: no location.
    pub sensor_location: Option<(f64, f64)>,
    /// Mark cookies `Secure` (set when the dashboard is served over HTTPS).
    pub secure_cookies: bool,
    /// Retention from `server.toml`, shown until an admin changes it from the dashboard.
    pub retention_default: store::Retention,
    /// How long a login lasts.
    pub session_ttl: Duration,
}

impl Default for WebOptions {
    fn default() -> Self {
        WebOptions {
            public_map: false,
            sensor_location: None,
            secure_cookies: false,
            retention_default: store::Retention::default(),
            session_ttl: Duration::from_secs(12 * 3600),
        }
    }
}

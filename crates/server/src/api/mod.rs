//! The router: every path in one table, so the OpenAPI document can be checked against it.

mod attackers;
mod feed;
mod files;
pub(crate) mod mhn;
pub(crate) mod params;
mod recordings;
mod sensors;
mod series;
mod sessions;
mod top;

use std::sync::Arc;

use axum::http::header;
use axum::response::{IntoResponse, Response};
use axum::routing::{delete, get, post, MethodRouter};
use axum::Router;

use crate::auth::KeyCache;
use crate::web::{self, LiveHub, LoginThrottle, WebOptions};

/// What every handler needs: the store, the API key cache, and the dashboard's shared parts.
#[derive(Clone)]
pub struct ApiState {
    /// The store every answer comes from.
    pub store: store::Store,
    /// Recently checked keys (internal; made by [`ApiState::new`]).
    pub(crate) keys: Arc<KeyCache>,
    /// Dashboard settings, login throttle and live hub.
    pub(crate) web: Arc<WebShared>,
}

/// The dashboard's parts every handler may need.
pub(crate) struct WebShared {
    /// Settings from `server.toml`.
    pub opts: WebOptions,
    /// Failed-login counters.
    pub throttle: LoginThrottle,
    /// The live stream's fan-out.
    pub hub: Arc<LiveHub>,
    /// Password checks running at once (argon2id takes 19 MiB and tens of milliseconds each).
    pub hashing: tokio::sync::Semaphore,
}

impl ApiState {
    /// Wraps a store for the router, with default dashboard settings and a live hub nobody publishes to.
    pub fn new(store: store::Store) -> ApiState {
        ApiState::with_web(store, WebOptions::default(), LiveHub::new())
    }

    /// Wraps a store with the dashboard's settings and the hub the collector publishes stored events to.
    pub fn with_web(store: store::Store, opts: WebOptions, hub: Arc<LiveHub>) -> ApiState {
        ApiState {
            store,
            keys: Arc::new(KeyCache::default()),
            web: Arc::new(WebShared {
                opts,
                throttle: LoginThrottle::default(),
                hub,
                hashing: tokio::sync::Semaphore::new(web::login::HASHING_MAX),
            }),
        }
    }
}

/// Every keyed path (axum syntax) with its handler; the OpenAPI test compares this list with the document.
pub(crate) fn routes() -> Vec<(&'static str, MethodRouter<ApiState>)> {
    vec![
        ("/api/v1/sessions", get(sessions::list)),
        ("/api/v1/sessions/{*id}", get(sessions::detail)),
        ("/api/v1/recordings", get(recordings::list)),
        ("/api/v1/recordings/{hash}", get(recordings::cast)),
        ("/api/v1/attackers/{ip}", get(attackers::detail)),
        ("/api/v1/top/{dim}", get(top::top)),
        ("/api/v1/series", get(series::series)),
        ("/api/v1/totals", get(series::totals)),
        ("/api/v1/files", get(files::list)),
        ("/api/v1/files/{hash}", get(files::one)),
        ("/api/v1/files/{hash}/sessions", get(files::sessions)),
        ("/api/v1/files/{hash}/download", get(files::download)),
        ("/api/v1/sensors", get(sensors::list)),
        ("/api/v1/feed", get(feed::list)),
        ("/api/v1/metadata", get(feed::metadata)),
        ("/api/v1/logout", post(web::login::logout)),
        ("/api/v1/me", get(web::login::me)),
        ("/api/v1/live", get(web::live::live)),
        ("/api/v1/map", get(web::map::map)),
        (
            "/api/v1/users",
            get(web::settings::list_users).post(web::settings::create_user),
        ),
        ("/api/v1/users/{name}", delete(web::settings::remove_user)),
        (
            "/api/v1/apikeys",
            get(web::settings::list_keys).post(web::settings::create_key),
        ),
        ("/api/v1/apikeys/{name}", delete(web::settings::remove_key)),
        (
            "/api/v1/settings/retention",
            get(web::settings::get_retention).put(web::settings::put_retention),
        ),
        ("/api/session/", get(mhn::session::list)),
        ("/api/feed/", get(mhn::feed::list)),
        ("/api/file/", get(mhn::files::file)),
        ("/api/url/", get(mhn::files::url)),
        ("/api/metadata/", get(mhn::metadata::list)),
        ("/api/top_attackers/", get(mhn::attackers::top_attackers)),
        ("/api/attacker_stats/{ip}/", get(mhn::attackers::attacker_stats)),
        ("/api/intel_feed/", get(mhn::intel::json)),
        ("/api/intel_feed.csv/", get(mhn::intel::csv)),
        ("/api/credentials/", get(mhn::credentials::list)),
    ]
}

/// Paths that need no key nor login, with their handlers (also checked against the OpenAPI document).
pub(crate) fn open_routes() -> Vec<(&'static str, MethodRouter<ApiState>)> {
    vec![
        (OPENAPI_PATH, get(crate::openapi::serve)),
        (
            "/api/v1/login",
            post(web::login::login).layer(axum::extract::DefaultBodyLimit::max(web::login::LOGIN_BODY_MAX)),
        ),
        ("/api/public/live", get(web::live::public_live)),
    ]
}

/// The public path (no key needed).
pub(crate) const OPENAPI_PATH: &str = "/api/openapi.json";

/// The whole HTTP side as one router: the API, the dashboard's pages and assets, the live stream. Serve it with
/// [`crate::web::serve`] so login throttling sees client addresses.
pub fn router(state: ApiState) -> Router {
    let mut keyed = Router::new();
    for (path, handler) in routes() {
        keyed = keyed.route(path, handler);
    }
    let keyed = keyed.layer(axum::middleware::from_fn_with_state(
        state.clone(),
        crate::auth::require_key,
    ));
    let mut open = Router::new();
    for (path, handler) in open_routes() {
        open = open.route(path, handler);
    }
    open.merge(keyed)
        .route("/assets/{*path}", get(web::asset))
        .fallback(web::fallback)
        .layer(axum::middleware::map_response(safe_headers))
        .layer(axum::middleware::map_response(web::headers::security))
        .with_state(state)
}

/// Longest plain-text rejection body turned into a JSON error.
const REJECTION_MAX: usize = 4096;

/// Turns axum's plain-text rejections (a malformed query string, say) into our JSON error form, and adds `nosniff`
/// and (unless a handler chose otherwise) `no-store` through [`web::headers::no_sniff_no_store`].
async fn safe_headers(resp: Response) -> Response {
    let plain = resp
        .headers()
        .get(header::CONTENT_TYPE)
        .is_some_and(|v| v.as_bytes().starts_with(b"text/plain"));
    let mut resp = if resp.status().is_client_error() && plain {
        let status = resp.status();
        let text = axum::body::to_bytes(resp.into_body(), REJECTION_MAX)
            .await
            .unwrap_or_default();
        let msg = format!("{}; fix the request and retry", String::from_utf8_lossy(&text).trim());
        (status, axum::Json(serde_json::json!({ "error": msg }))).into_response()
    } else {
        resp
    };
    web::headers::no_sniff_no_store(resp.headers_mut());
    resp
}

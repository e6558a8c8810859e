//! The router: every path in one table, so the OpenAPI document can be checked against it.

mod attackers;
mod feed;
mod files;
pub(crate) mod mhn;
pub(crate) mod params;
mod sensors;
mod series;
mod sessions;
mod top;

use std::sync::Arc;

use axum::http::{header, HeaderValue};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, MethodRouter};
use axum::Router;

use crate::auth::KeyCache;

/// What every handler needs: the store and the API key cache.
#[derive(Clone)]
pub struct ApiState {
    /// The store every answer comes from.
    pub store: store::Store,
    /// Recently checked keys (internal; made by [`ApiState::new`]).
    pub(crate) keys: Arc<KeyCache>,
}

impl ApiState {
    /// Wraps a store for the router.
    pub fn new(store: store::Store) -> ApiState {
        ApiState {
            store,
            keys: Arc::new(KeyCache::default()),
        }
    }
}

/// Every keyed path (axum syntax) with its handler; the OpenAPI test compares this list with the document.
pub(crate) fn routes() -> Vec<(&'static str, MethodRouter<ApiState>)> {
    vec![
        ("/api/v1/sessions", get(sessions::list)),
        ("/api/v1/sessions/{*id}", get(sessions::detail)),
        ("/api/v1/attackers/{ip}", get(attackers::detail)),
        ("/api/v1/top/{dim}", get(top::top)),
        ("/api/v1/series", get(series::series)),
        ("/api/v1/totals", get(series::totals)),
        ("/api/v1/files", get(files::list)),
        ("/api/v1/files/{hash}", get(files::one)),
        ("/api/v1/files/{hash}/download", get(files::download)),
        ("/api/v1/sensors", get(sensors::list)),
        ("/api/v1/feed", get(feed::list)),
        ("/api/v1/metadata", get(feed::metadata)),
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

/// The public path (no key needed).
pub(crate) const OPENAPI_PATH: &str = "/api/openapi.json";

/// The whole HTTP API as one router (the dashboard issue will nest its pages beside it).
pub fn router(state: ApiState) -> Router {
    let mut keyed = Router::new();
    for (path, handler) in routes() {
        keyed = keyed.route(path, handler);
    }
    let keyed = keyed.layer(axum::middleware::from_fn_with_state(
        state.clone(),
        crate::auth::require_key,
    ));
    Router::new()
        .route(OPENAPI_PATH, get(crate::openapi::serve))
        .merge(keyed)
        .layer(axum::middleware::map_response(safe_headers))
        .with_state(state)
}

/// Longest plain-text rejection body turned into a JSON error.
const REJECTION_MAX: usize = 4096;

/// Adds `nosniff` and `no-store` to every answer (attacker strings are data, answers go stale fast), and turns
/// axum's plain-text rejections (a malformed query string, say) into our JSON error form.
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
    let h = resp.headers_mut();
    h.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    resp
}

//! API keys: `Authorization: Bearer <key>` on every path; MHN paths also take `?api_key=` and CHN's `apikey:` header.
//!
//! Positive answers are cached for a few seconds (bounded) so a busy script does not hash a key per request.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use axum::extract::{Request, State};
use axum::http::HeaderMap;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use crate::api::ApiState;
use crate::error::ApiError;

/// How long a checked key is trusted without asking the store again.
const CACHE_TTL: Duration = Duration::from_secs(5);
/// Most keys cached at once; beyond that the cache is cleared (keys are few; garbage keys are never cached).
const CACHE_MAX: usize = 256;
/// Longest key accepted before asking the store (ours are far shorter).
const KEY_MAX: usize = 256;

/// Recently accepted keys and when they were checked.
#[derive(Default)]
pub(crate) struct KeyCache(Mutex<HashMap<String, (Instant, store::ApiKey)>>);

impl KeyCache {
    fn get(&self, key: &str) -> Option<store::ApiKey> {
        let map = self.0.lock().ok()?;
        map.get(key)
            .filter(|(at, _)| at.elapsed() < CACHE_TTL)
            .map(|(_, k)| k.clone())
    }

    fn put(&self, key: &str, val: &store::ApiKey) {
        if let Ok(mut map) = self.0.lock() {
            if map.len() >= CACHE_MAX {
                map.clear();
            }
            map.insert(key.to_owned(), (Instant::now(), val.clone()));
        }
    }
}

/// Finds the presented key: Bearer always, `apikey` header and `api_key` query on MHN paths.
fn presented(headers: &HeaderMap, uri: &axum::http::Uri) -> Option<String> {
    if let Some(v) = headers.get(axum::http::header::AUTHORIZATION) {
        let v = v.to_str().ok()?;
        return v.strip_prefix("Bearer ").map(|k| k.trim().to_owned());
    }
    if uri.path().starts_with("/api/v1/") {
        return None;
    }
    if let Some(v) = headers.get("apikey") {
        return v.to_str().ok().map(|k| k.trim().to_owned());
    }
    let q = axum::extract::Query::<HashMap<String, String>>::try_from_uri(uri).ok()?;
    q.0.get("api_key").cloned()
}

/// Middleware: rejects with 401 unless a valid key is presented; the key goes into the request's extensions.
pub(crate) async fn require_key(State(st): State<ApiState>, mut req: Request, next: Next) -> Response {
    let Some(key) = presented(req.headers(), req.uri()).filter(|k| !k.is_empty() && k.len() <= KEY_MAX) else {
        return ApiError::Unauthorized.into_response();
    };
    let found = match st.keys.get(&key) {
        Some(k) => Some(k),
        None => match st.store.check_api_key(&key).await {
            Ok(Some(k)) => {
                st.keys.put(&key, &k);
                Some(k)
            }
            Ok(None) => None,
            Err(e) => return ApiError::from(e).into_response(),
        },
    };
    match found {
        Some(k) => {
            req.extensions_mut().insert(k);
            next.run(req).await
        }
        None => ApiError::Unauthorized.into_response(),
    }
}

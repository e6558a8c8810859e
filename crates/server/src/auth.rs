//! Who is asking: `Authorization: Bearer <key>` on every path (MHN paths also take `?api_key=` and CHN's `apikey:`
//! header), or the dashboard's session cookie on `/api/v1/` (with `X-CSRF-Token` on every write).
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

    /// Forgets every cached key (after a key is removed, so it stops working at once).
    pub(crate) fn clear(&self) {
        if let Ok(mut map) = self.0.lock() {
            map.clear();
        }
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

/// Who is asking, as the auth middleware found out; handlers read it from the request's extensions.
#[derive(Debug, Clone)]
pub(crate) struct Principal {
    /// The API key's name or the user's name.
    pub name: String,
    /// True for read-only keys and read-only users.
    pub read_only: bool,
    /// How the request was authenticated.
    pub via: Via,
}

/// The credential a request carried.
#[derive(Debug, Clone)]
pub(crate) enum Via {
    /// An API key (scripts, MHN tools).
    Key,
    /// A dashboard session cookie, with the session's CSRF token and the cookie token (for logout).
    Cookie {
        /// What `X-CSRF-Token` must say.
        csrf: String,
        /// The cookie's token.
        token: String,
    },
}

impl Principal {
    /// The role's name as the API shows it.
    pub fn role(&self) -> &'static str {
        if self.read_only {
            "read-only"
        } else {
            "admin"
        }
    }

    /// 403 unless this is an admin.
    pub fn require_admin(&self) -> Result<(), ApiError> {
        if self.read_only {
            Err(ApiError::Forbidden(
                "this needs an admin; you are signed in (or keyed) read-only".into(),
            ))
        } else {
            Ok(())
        }
    }
}

/// Paths a read-only principal may still POST to (it changes nothing but its own login).
const READ_ONLY_WRITES: &[&str] = &["/api/v1/logout"];

/// Checks an API key, through the cache.
async fn key_principal(st: &ApiState, key: &str) -> Result<Option<Principal>, ApiError> {
    let found = match st.keys.get(key) {
        Some(k) => Some(k),
        None => match st.store.check_api_key(key).await? {
            Some(k) => {
                st.keys.put(key, &k);
                Some(k)
            }
            None => None,
        },
    };
    Ok(found.map(|k| Principal {
        name: k.name,
        read_only: k.read_only,
        via: Via::Key,
    }))
}

/// Middleware: rejects with 401 unless a valid key or (on `/api/v1/`) a session cookie is presented; enforces CSRF
/// on cookie-authenticated writes and refuses writes to read-only principals. The [`Principal`] goes into the
/// request's extensions.
pub(crate) async fn require_key(State(st): State<ApiState>, mut req: Request, next: Next) -> Response {
    let (headers, uri) = (req.headers().clone(), req.uri().clone());
    let principal = match authenticate(&st, &headers, &uri).await {
        Ok(Some(p)) => p,
        Ok(None) => return ApiError::Unauthorized.into_response(),
        Err(e) => return e.into_response(),
    };
    if !req.method().is_safe() {
        if let Via::Cookie { csrf, .. } = &principal.via {
            let sent = req
                .headers()
                .get(crate::web::session::CSRF_HEADER)
                .map(|v| v.as_bytes());
            if !sent.is_some_and(|s| crate::web::session::same(s, csrf.as_bytes())) {
                return ApiError::Forbidden(
                    "missing or wrong X-CSRF-Token header: send the csrf value from /api/v1/me or the login answer"
                        .into(),
                )
                .into_response();
            }
        }
        if principal.read_only && !READ_ONLY_WRITES.contains(&req.uri().path()) {
            return ApiError::Forbidden("read-only users and keys cannot change anything".into()).into_response();
        }
    }
    req.extensions_mut().insert(principal);
    next.run(req).await
}

/// Finds the principal: an API key first, then (on `/api/v1/` only) the session cookie.
async fn authenticate(
    st: &ApiState,
    headers: &HeaderMap,
    uri: &axum::http::Uri,
) -> Result<Option<Principal>, ApiError> {
    if let Some(key) = presented(headers, uri) {
        if key.is_empty() || key.len() > KEY_MAX {
            return Ok(None);
        }
        return key_principal(st, &key).await;
    }
    if !uri.path().starts_with("/api/v1/") {
        return Ok(None);
    }
    let Some(token) = crate::web::session::cookie_token(headers) else {
        return Ok(None);
    };
    Ok(st.store.web_session(&token).await?.map(|s| Principal {
        name: s.username,
        read_only: s.role == store::Role::ReadOnly,
        via: Via::Cookie { csrf: s.csrf, token },
    }))
}

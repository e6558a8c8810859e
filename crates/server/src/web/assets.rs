//! The dashboard's files, embedded in the binary from `crates/server/web/` (read from disk in debug builds).
//!
//! `GET /assets/<path>` answers `web/<path>` with its content type, an ETag (SHA-256 of the content) and gzip when
//! the browser accepts it (compressed once per file, kept for the process's life: the set of files is fixed).
//! `GET /` and any other path outside `/api/` without a file extension answers `index.html`: the page routes by
//! `location.pathname`.

use std::collections::HashMap;
use std::io::Write;
use std::sync::{Arc, Mutex, OnceLock};

use axum::body::Body;
use axum::extract::Path;
use axum::http::{header, HeaderMap, HeaderValue, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};

use crate::error::ApiError;

/// The embedded folder.
#[derive(rust_embed::Embed)]
#[folder = "web/"]
struct Web;

/// Files smaller than this are sent as they are (gzip would not pay).
const GZIP_MIN: usize = 1024;

/// Gzipped bodies by path (`None`: not worth compressing).
type GzCache = Mutex<HashMap<String, Option<Arc<Vec<u8>>>>>;

/// The process-wide [`GzCache`].
fn gz_cache() -> &'static GzCache {
    static CACHE: OnceLock<GzCache> = OnceLock::new();
    CACHE.get_or_init(Default::default)
}

/// The content type for a file name.
fn content_type(path: &str) -> &'static str {
    let ext = path.rsplit_once('.').map(|(_, e)| e.to_ascii_lowercase());
    match ext.as_deref() {
        Some("html") => "text/html; charset=utf-8",
        Some("js" | "mjs") => "text/javascript; charset=utf-8",
        Some("css") => "text/css; charset=utf-8",
        Some("json" | "map") => "application/json",
        Some("svg") => "image/svg+xml",
        Some("png") => "image/png",
        Some("ico") => "image/x-icon",
        Some("woff2") => "font/woff2",
        Some("txt" | "md") => "text/plain; charset=utf-8",
        Some("LICENSE") | None => "text/plain; charset=utf-8",
        _ => "application/octet-stream",
    }
}

/// True if the type is text-like and worth compressing.
fn compressible(ct: &str) -> bool {
    ct.starts_with("text/") || ct.starts_with("application/json") || ct.starts_with("image/svg")
}

/// Gzip of a file's bytes, cached.
fn gzipped(path: &str, data: &[u8]) -> Option<Arc<Vec<u8>>> {
    if let Some(hit) = gz_cache().lock().ok()?.get(path) {
        return hit.clone();
    }
    let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    let out = enc.write_all(data).ok().and_then(|()| enc.finish().ok());
    let out = out.filter(|o| o.len() < data.len()).map(Arc::new);
    if let Ok(mut c) = gz_cache().lock() {
        c.insert(path.to_owned(), out.clone());
    }
    out
}

/// True if the request accepts gzip.
fn accepts_gzip(h: &HeaderMap) -> bool {
    h.get_all(header::ACCEPT_ENCODING)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .any(|e| {
            let mut parts = e.trim().split(';');
            let name = parts.next().unwrap_or("").trim();
            let q0 = parts.any(|p| matches!(p.trim(), "q=0" | "q=0.0" | "q=0.00" | "q=0.000"));
            (name.eq_ignore_ascii_case("gzip") || name == "*") && !q0
        })
}

/// Answers one embedded file, honouring `If-None-Match` and `Accept-Encoding`.
fn file(path: &str, req: &HeaderMap) -> Option<Response> {
    let f = Web::get(path)?;
    let hash = f.metadata.sha256_hash();
    let etag = format!(
        "\"{}\"",
        hash[..16].iter().map(|b| format!("{b:02x}")).collect::<String>()
    );
    let ct = content_type(path);
    let mut builder = Response::builder()
        .header(header::ETAG, &etag)
        .header(header::CONTENT_TYPE, ct)
        .header(header::CACHE_CONTROL, "no-cache")
        .header(header::VARY, "accept-encoding");
    let matched = req
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.split(',').any(|t| t.trim() == etag || t.trim() == "*"));
    if matched {
        return builder.status(StatusCode::NOT_MODIFIED).body(Body::empty()).ok();
    }
    let gz = (compressible(ct) && f.data.len() >= GZIP_MIN && accepts_gzip(req))
        .then(|| gzipped(path, &f.data))
        .flatten();
    let body = match gz {
        Some(z) => {
            builder = builder.header(header::CONTENT_ENCODING, "gzip");
            Body::from(z.as_ref().clone())
        }
        None => Body::from(f.data.into_owned()),
    };
    builder.body(body).ok()
}

/// Extensions that mark a path as a file request (a miss is a 404, not the page); an address such as
/// `/attackers/203.0.113.7` has dots but is a page.
const FILE_EXTENSIONS: &[&str] = &[
    "html",
    "htm",
    "js",
    "mjs",
    "css",
    "json",
    "map",
    "png",
    "jpg",
    "jpeg",
    "gif",
    "svg",
    "ico",
    "txt",
    "xml",
    "woff",
    "woff2",
    "ttf",
    "webmanifest",
    "wasm",
];

/// True if the last path segment ends in a file extension.
fn is_file(path: &str) -> bool {
    let last = path.rsplit('/').next().unwrap_or("");
    last.rsplit_once('.')
        .is_some_and(|(_, ext)| FILE_EXTENSIONS.contains(&ext.to_ascii_lowercase().as_str()))
}

/// `GET /assets/<path>`.
pub(crate) async fn asset(Path(path): Path<String>, headers: HeaderMap) -> Response {
    let clean = !path.split('/').any(|s| s.is_empty() || s == "." || s == "..");
    match clean.then(|| file(&path, &headers)).flatten() {
        Some(r) => r,
        None => ApiError::NotFound(format!("no asset {path:?}")).into_response(),
    }
}

/// Everything no route matched: the page for client-side routes, JSON 404 otherwise.
pub(crate) async fn fallback(method: Method, uri: Uri, headers: HeaderMap) -> Response {
    let path = uri.path();
    let page =
        matches!(method, Method::GET | Method::HEAD) && !path.starts_with("/api/") && path != "/api" && !is_file(path);
    if page {
        if let Some(r) = file("index.html", &headers) {
            return r;
        }
        let mut r = (
            StatusCode::SERVICE_UNAVAILABLE,
            "the dashboard files are missing from this build",
        )
            .into_response();
        r.headers_mut().insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("text/plain; charset=utf-8"),
        );
        return r;
    }
    ApiError::NotFound(format!("no such path {path:?}; the API is listed at /api/openapi.json")).into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn types_and_encodings() {
        assert_eq!(content_type("app/main.js"), "text/javascript; charset=utf-8");
        assert_eq!(content_type("vendor/x/countries-110m.json"), "application/json");
        let mut h = HeaderMap::new();
        h.insert(header::ACCEPT_ENCODING, HeaderValue::from_static("br, gzip;q=0.8"));
        assert!(accepts_gzip(&h));
        h.insert(header::ACCEPT_ENCODING, HeaderValue::from_static("gzip;q=0"));
        assert!(!accepts_gzip(&h));
        assert!(is_file("/favicon.ico") && is_file("/x/app.JS"));
        assert!(!is_file("/attackers/203.0.113.7") && !is_file("/sessions") && !is_file("/attackers/2001:db8::1"));
    }
}

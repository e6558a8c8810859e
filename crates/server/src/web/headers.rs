//! Security headers on every response: a strict Content-Security-Policy (no inline script or style, nothing from
//! another origin), no sniffing, no referrer, no framing. Attackers type `<script>` into user names on purpose; the
//! pages render such strings as text, and this policy is the second wall.

use axum::http::{header, HeaderName, HeaderValue};
use axum::response::Response;

/// The page's policy: only our own scripts, styles, fonts and API; images also as `data:` URLs.
pub(crate) const CSP: &str = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; \
connect-src 'self'; font-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

/// Adds the headers (keeping a `Cache-Control` a handler chose; `no-store` otherwise).
pub(crate) async fn security(mut resp: Response) -> Response {
    let h = resp.headers_mut();
    h.insert(header::CONTENT_SECURITY_POLICY, HeaderValue::from_static(CSP));
    h.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    h.insert(header::REFERRER_POLICY, HeaderValue::from_static("no-referrer"));
    h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    h.insert(
        HeaderName::from_static("cross-origin-opener-policy"),
        HeaderValue::from_static("same-origin"),
    );
    h.entry(header::CACHE_CONTROL)
        .or_insert(HeaderValue::from_static("no-store"));
    resp
}

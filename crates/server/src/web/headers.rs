//! Security headers on every response: a strict Content-Security-Policy (no inline script or style, nothing from
//! another origin), no sniffing, no referrer, no framing. Attackers type `<script>` into user names on purpose; the
//! pages render such strings as text, and this policy is the second wall.

use axum::http::{header, HeaderMap, HeaderName, HeaderValue};
use axum::response::Response;

/// The page's policy: only our own scripts, styles, fonts and API; images also as `data:` URLs.
pub(crate) const CSP: &str = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; \
connect-src 'self'; font-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

/// Sets `X-Content-Type-Options: nosniff` (replacing any, so there is exactly one) and, unless a handler chose
/// another, `Cache-Control: no-store`: attacker strings are data, never to be sniffed as HTML, and answers go stale
/// fast. Every answer gets these, pages and API alike.
pub(crate) fn no_sniff_no_store(h: &mut HeaderMap) {
    h.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    h.entry(header::CACHE_CONTROL)
        .or_insert(HeaderValue::from_static("no-store"));
}

/// Adds the headers (keeping a `Cache-Control` a handler chose; `no-store` otherwise).
pub(crate) async fn security(mut resp: Response) -> Response {
    let h = resp.headers_mut();
    no_sniff_no_store(h);
    h.insert(header::CONTENT_SECURITY_POLICY, HeaderValue::from_static(CSP));
    h.insert(header::REFERRER_POLICY, HeaderValue::from_static("no-referrer"));
    h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    h.insert(
        HeaderName::from_static("cross-origin-opener-policy"),
        HeaderValue::from_static("same-origin"),
    );
    resp
}

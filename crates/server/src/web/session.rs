//! The dashboard's session cookie and CSRF token.
//!
//! The cookie carries 256 random bits (only their SHA-256 is stored); it is `HttpOnly` (no script can read it),
//! `SameSite=Strict` (no other site's page can send it) and `Secure` over HTTPS. Each session also has a CSRF token
//! that the page reads from the login answer or `/api/v1/me` and echoes in `X-CSRF-Token` on every write.

use axum::http::{header, HeaderMap, HeaderValue};

/// The cookie's name.
pub(crate) const COOKIE: &str = "apiary_session";
/// The header every cookie-authenticated write must carry.
pub(crate) const CSRF_HEADER: &str = "x-csrf-token";
/// Longest cookie token looked up (ours are 43 characters).
const TOKEN_MAX: usize = 128;

/// The session token from the `Cookie` header(s), if any.
pub(crate) fn cookie_token(headers: &HeaderMap) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|kv| kv.trim().split_once('='))
        .find(|(k, _)| *k == COOKIE)
        .map(|(_, v)| v.trim().to_owned())
        .filter(|v| !v.is_empty() && v.len() <= TOKEN_MAX)
}

/// The `Set-Cookie` value that logs a browser in for `max_age` seconds.
pub(crate) fn set_cookie(token: &str, max_age: u64, secure: bool) -> Option<HeaderValue> {
    let secure = if secure { "; Secure" } else { "" };
    HeaderValue::from_str(&format!(
        "{COOKIE}={token}; HttpOnly; SameSite=Strict; Path=/; Max-Age={max_age}{secure}"
    ))
    .ok()
}

/// The `Set-Cookie` value that logs a browser out.
pub(crate) fn clear_cookie(secure: bool) -> HeaderValue {
    if secure {
        HeaderValue::from_static("apiary_session=; HttpOnly; SameSite=Strict; Path=/; Max-Age=0; Secure")
    } else {
        HeaderValue::from_static("apiary_session=; HttpOnly; SameSite=Strict; Path=/; Max-Age=0")
    }
}

/// Compares two secrets in time that depends only on their lengths.
pub(crate) fn same(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_the_cookie_among_others() {
        let mut h = HeaderMap::new();
        h.append(header::COOKIE, HeaderValue::from_static("a=1; apiary_session=tok; b=2"));
        assert_eq!(cookie_token(&h).as_deref(), Some("tok"));
        let mut h = HeaderMap::new();
        h.append(header::COOKIE, HeaderValue::from_static("xapiary_session=tok"));
        assert_eq!(cookie_token(&h), None);
        assert!(same(b"abc", b"abc") && !same(b"abc", b"abd") && !same(b"abc", b"ab"));
    }
}

//! `POST /api/v1/login`, `POST /api/v1/logout`, `GET /api/v1/me`.
//!
//! Login checks the throttle before the password, so a throttled guess costs no hashing; every failure answers the
//! same 401 whether the name exists or not.

use std::net::{IpAddr, SocketAddr};

use axum::extract::{ConnectInfo, Extension, Request, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::Deserialize;
use serde_json::json;

use super::session;
use crate::api::ApiState;
use crate::auth::{Principal, Via};
use crate::error::{ApiError, ApiResult};

/// Password checks at once; more logins wait (up to [`HASHING_WAIT`]) so a flood cannot exhaust memory.
pub(crate) const HASHING_MAX: usize = 4;
/// Longest login body read: a name and a password fit many times over; nothing bigger is buffered.
pub(crate) const LOGIN_BODY_MAX: usize = 8 * 1024;
/// Longest user name looked at (the store's names are at most 64 bytes); longer ones are refused before they can
/// reach the throttle's table.
const NAME_MAX: usize = 64;
/// Longest password hashed (the store accepts at most 1024 bytes when setting one).
const PASSWORD_MAX: usize = 1024;

/// Longest a login waits for a free password check before a 503.
const HASHING_WAIT: std::time::Duration = std::time::Duration::from_secs(10);

/// The login form.
#[derive(Debug, Deserialize)]
pub(crate) struct Login {
    /// User name.
    username: String,
    /// Password.
    password: String,
}

/// The client's address, when the server was started with connect info.
pub(crate) fn client_ip(req: &Request) -> Option<IpAddr> {
    req.extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map(|ConnectInfo(a)| a.ip())
}

/// Checks the credentials; on success sets the session cookie and answers the user, role and CSRF token.
pub(crate) async fn login(State(st): State<ApiState>, req: Request) -> ApiResult<Response> {
    let ip = client_ip(&req);
    let Json(form) = <Json<Login> as axum::extract::FromRequest<()>>::from_request(req, &())
        .await
        .map_err(|e: axum::extract::rejection::JsonRejection| {
            ApiError::BadRequest(format!(
                "{}: send JSON {{\"username\": ..., \"password\": ...}}",
                e.body_text()
            ))
        })?;
    let Login { username, password } = form;
    if username.len() > NAME_MAX || password.len() > PASSWORD_MAX {
        return Err(ApiError::BadRequest(format!(
            "user names are at most {NAME_MAX} bytes and passwords at most {PASSWORD_MAX}"
        )));
    }
    if st.web.throttle.blocked(ip, &username) {
        tracing::warn!(ip = ?ip, "Login refused: too many failures.");
        return Ok(ApiError::TooManyRequests.into_response());
    }
    let slot = tokio::time::timeout(HASHING_WAIT, st.web.hashing.acquire()).await;
    let Ok(Ok(_slot)) = slot else {
        let body = Json(json!({ "error": "the server is busy checking passwords; retry in a few seconds" }));
        return Ok((StatusCode::SERVICE_UNAVAILABLE, body).into_response());
    };
    // Again now that a check is ours: failures recorded while this request waited count, so a burst of
    // concurrent guesses gets at most one check per slot past the limit, not one per request.
    if st.web.throttle.blocked(ip, &username) {
        return Ok(ApiError::TooManyRequests.into_response());
    }
    let Some(user) = st.store.verify_user(&username, &password).await? else {
        st.web.throttle.fail(ip, &username);
        return Ok((
            StatusCode::UNAUTHORIZED,
            Json(json!({ "error": "wrong user name or password" })),
        )
            .into_response());
    };
    st.web.throttle.succeed(ip, &username);
    let ttl = st.web.opts.session_ttl;
    let _ = st.store.purge_web_sessions(chrono::Utc::now()).await;
    let s = st.store.create_web_session(&user.username, ttl).await?;
    let cookie = session::set_cookie(&s.token, ttl.as_secs(), st.web.opts.secure_cookies).ok_or(ApiError::Internal)?;
    let body = json!({ "username": user.username, "role": user.role.as_str(), "csrf": s.csrf });
    Ok(([(header::SET_COOKIE, cookie)], Json(body)).into_response())
}

/// Ends the cookie's session (a key's logout changes nothing) and clears the cookie.
pub(crate) async fn logout(State(st): State<ApiState>, Extension(p): Extension<Principal>) -> ApiResult<Response> {
    if let Via::Cookie { token, .. } = &p.via {
        st.store.delete_web_session(token).await?;
    }
    let clear = session::clear_cookie(st.web.opts.secure_cookies);
    Ok((StatusCode::NO_CONTENT, [(header::SET_COOKIE, clear)]).into_response())
}

/// Who is signed in, with the CSRF token the page must echo (none for API keys).
pub(crate) async fn me(Extension(p): Extension<Principal>) -> Json<serde_json::Value> {
    let csrf = match &p.via {
        Via::Cookie { csrf, .. } => Some(csrf.clone()),
        Via::Key => None,
    };
    Json(json!({ "username": p.name, "role": p.role(), "csrf": csrf }))
}

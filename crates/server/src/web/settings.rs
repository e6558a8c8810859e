//! Admin settings: dashboard users, API keys, retention. Listing and changing both need an admin (retention can be
//! read by anyone signed in).

use axum::extract::{Extension, Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::Deserialize;
use serde_json::json;
use store::Role;

use crate::api::ApiState;
use crate::auth::Principal;
use crate::error::{ApiError, ApiResult};

/// Most days a retention setting may say (100 years; 0 = forever).
const DAYS_MAX: u32 = 36_500;

/// `POST /api/v1/users`.
#[derive(Debug, Deserialize)]
pub(crate) struct NewUser {
    /// Login name.
    username: String,
    /// Initial password (at least 8 characters).
    password: String,
    /// `admin` or `read-only` (default read-only).
    #[serde(default)]
    role: Option<String>,
}

/// Every user (never a hash).
pub(crate) async fn list_users(
    State(st): State<ApiState>,
    Extension(p): Extension<Principal>,
) -> ApiResult<Json<Vec<store::User>>> {
    p.require_admin()?;
    Ok(Json(st.store.list_users().await?))
}

/// Creates a user.
pub(crate) async fn create_user(
    State(st): State<ApiState>,
    Extension(p): Extension<Principal>,
    Json(u): Json<NewUser>,
) -> ApiResult<Response> {
    p.require_admin()?;
    let role = Role::parse(u.role.as_deref().unwrap_or("read-only"))?;
    st.store.create_user(&u.username, &u.password, role).await?;
    tracing::info!(by = %p.name, user = %u.username, role = role.as_str(), "Dashboard user created.");
    let body = json!({ "username": u.username, "role": role.as_str() });
    Ok((StatusCode::CREATED, Json(body)).into_response())
}

/// Removes a user (never the last admin: the store checks and deletes atomically, so concurrent removals of the
/// last two admins leave one; the refused one is a 400).
pub(crate) async fn remove_user(
    State(st): State<ApiState>,
    Extension(p): Extension<Principal>,
    Path(name): Path<String>,
) -> ApiResult<StatusCode> {
    p.require_admin()?;
    if !st.store.remove_user(&name).await? {
        return Err(ApiError::NotFound(format!("no user named {name:?}")));
    }
    tracing::info!(by = %p.name, user = %name, "Dashboard user removed.");
    Ok(StatusCode::NO_CONTENT)
}

/// `POST /api/v1/apikeys`.
#[derive(Debug, Deserialize)]
pub(crate) struct NewKey {
    /// A name to recognise the key by.
    name: String,
    /// Read-only key (default false).
    #[serde(default)]
    read_only: bool,
}

/// Every API key (names and rights, never secrets).
pub(crate) async fn list_keys(
    State(st): State<ApiState>,
    Extension(p): Extension<Principal>,
) -> ApiResult<Json<Vec<store::ApiKey>>> {
    p.require_admin()?;
    Ok(Json(st.store.list_api_keys().await?))
}

/// Creates a key and answers it once.
pub(crate) async fn create_key(
    State(st): State<ApiState>,
    Extension(p): Extension<Principal>,
    Json(k): Json<NewKey>,
) -> ApiResult<Response> {
    p.require_admin()?;
    let name = k.name.trim();
    if name.is_empty() || name.len() > 64 || name.chars().any(char::is_control) {
        return Err(ApiError::BadRequest(
            "the key name must have 1 to 64 printable characters".into(),
        ));
    }
    if st.store.list_api_keys().await?.iter().any(|x| x.name == name) {
        return Err(ApiError::BadRequest(format!("a key named {name:?} exists already")));
    }
    let key = st.store.create_api_key(name, k.read_only).await?;
    tracing::info!(by = %p.name, key = %name, read_only = k.read_only, "API key created.");
    let body = json!({ "name": name, "key": key, "read_only": k.read_only });
    Ok((StatusCode::CREATED, Json(body)).into_response())
}

/// Removes a key; it stops working at once.
pub(crate) async fn remove_key(
    State(st): State<ApiState>,
    Extension(p): Extension<Principal>,
    Path(name): Path<String>,
) -> ApiResult<StatusCode> {
    p.require_admin()?;
    if !st.store.remove_api_key(&name).await? {
        return Err(ApiError::NotFound(format!("no API key named {name:?}")));
    }
    st.keys.clear();
    tracing::info!(by = %p.name, key = %name, "API key removed.");
    Ok(StatusCode::NO_CONTENT)
}

/// The retention in force: the dashboard's setting, else `server.toml`'s.
pub(crate) async fn get_retention(State(st): State<ApiState>) -> ApiResult<Json<store::RetentionDays>> {
    let r = st.store.retention_setting().await?;
    let r = r.unwrap_or_else(|| st.web.opts.retention_default);
    Ok(Json(store::RetentionDays::from(&r)))
}

/// Sets the retention; the server's next retention pass applies it.
pub(crate) async fn put_retention(
    State(st): State<ApiState>,
    Extension(p): Extension<Principal>,
    Json(d): Json<store::RetentionDays>,
) -> ApiResult<Json<store::RetentionDays>> {
    p.require_admin()?;
    let all = [d.raw_days, d.sessions_days, d.files_days, d.rollups_days];
    if all.iter().any(|&v| v > DAYS_MAX) {
        return Err(ApiError::BadRequest(format!(
            "retention days must be 0 (forever) to {DAYS_MAX}"
        )));
    }
    let r = store::Retention::from(d);
    st.store.put_retention_setting(&r).await?;
    tracing::info!(by = %p.name, ?r, "Retention changed.");
    Ok(Json(d))
}

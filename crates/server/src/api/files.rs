//! `GET /api/v1/files`, `/files/{hash}` (metadata), `/files/{hash}/sessions` (the sessions that dropped it) and
//! `/files/{sha256}/download` (the sample; admin keys only).

use axum::body::Body;
use axum::extract::{Extension, Path, Query, State};
use axum::http::{header, HeaderValue};
use axum::response::{IntoResponse, Response};
use axum::Json;
use store::{FileMeta, Paged};

use super::params::{self, Params};
use super::ApiState;
use crate::auth::Principal;
use crate::error::{ApiError, ApiResult};

/// File metadata, newest first; window optional.
pub(crate) async fn list(State(st): State<ApiState>, Query(q): Query<Params>) -> ApiResult<Json<Paged<FileMeta>>> {
    let range = params::opt_window(&q, "hours")?;
    let page = params::page(&q, params::PAGE_DEFAULT, params::PAGE_MAX)?;
    Ok(Json(st.store.files(range, &page).await?))
}

/// Checks a hash is hex of an MD5, SHA-1 or SHA-256 length.
fn hex_hash(h: &str) -> ApiResult<String> {
    if matches!(h.len(), 32 | 40 | 64) && h.bytes().all(|b| b.is_ascii_hexdigit()) {
        Ok(h.to_ascii_lowercase())
    } else {
        Err(ApiError::BadRequest(format!(
            "{h:?} is not a hash: give the MD5, SHA-1 or SHA-256 in hex"
        )))
    }
}

/// One file's metadata by any of its hashes.
pub(crate) async fn one(State(st): State<ApiState>, Path(hash): Path<String>) -> ApiResult<Json<FileMeta>> {
    let h = hex_hash(&hash)?;
    st.store
        .file(&h)
        .await?
        .map(Json)
        .ok_or_else(|| ApiError::NotFound(format!("no file with hash {h}")))
}

/// The sessions that dropped a file (by any of its hashes), newest first, cursor-paged.
pub(crate) async fn sessions(
    State(st): State<ApiState>,
    Path(hash): Path<String>,
    Query(q): Query<Params>,
) -> ApiResult<Json<Paged<store::FileSession>>> {
    let h = hex_hash(&hash)?;
    let page = params::page(&q, params::PAGE_DEFAULT, params::PAGE_MAX)?;
    let p = st
        .store
        .file_sessions(&h, &page)
        .await?
        .ok_or_else(|| ApiError::NotFound(format!("no file with hash {h}")))?;
    Ok(Json(p))
}

/// Streams the stored sample as an attachment; read-only keys and users get 403.
pub(crate) async fn download(
    State(st): State<ApiState>,
    Extension(who): Extension<Principal>,
    Path(hash): Path<String>,
) -> ApiResult<Response> {
    if who.read_only {
        return Err(ApiError::Forbidden(
            "samples can be downloaded by admins only; this key or user is read-only".into(),
        ));
    }
    let h = hex_hash(&hash)?;
    if h.len() != 64 {
        return Err(ApiError::BadRequest("downloads are by SHA-256 (64 hex digits)".into()));
    }
    let missing = || ApiError::NotFound(format!("no stored sample with SHA-256 {h}"));
    let path = st.store.blob_path(&h).ok_or_else(missing)?;
    let file = tokio::fs::File::open(&path).await.map_err(|_| missing())?;
    let body = Body::from_stream(tokio_util::io::ReaderStream::new(file));
    let mut resp = body.into_response();
    let hd = resp.headers_mut();
    hd.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/octet-stream"),
    );
    let disp = format!("attachment; filename=\"{h}.bin\"");
    if let Ok(v) = HeaderValue::from_str(&disp) {
        hd.insert(header::CONTENT_DISPOSITION, v);
    }
    Ok(resp)
}

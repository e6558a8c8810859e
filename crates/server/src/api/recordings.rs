//! `GET /api/v1/recordings` (a session's TTY recordings with `?session=ID`, else the latest) and
//! `GET /api/v1/recordings/{sha256}` (one recording as `application/x-asciicast`). Read-only keys and users may view
//! them: a recording is what the attacker saw, not a sample, and the hash route serves only blobs that some recording
//! has (never a captured file). Session ids hold a `/` (`sensor/session`), so the session goes in the query string.

use axum::extract::{Path, Query, State};
use axum::http::{header, HeaderValue};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::Serialize;
use store::RecordingRow;

use super::params::{self, Params};
use super::ApiState;
use crate::error::{ApiError, ApiResult};

/// Recordings listed when no session is given, by default.
const RECENT_DEFAULT: u32 = 50;

/// Recordings, as `/api/v1/recordings` answers.
#[derive(Debug, Serialize)]
pub(crate) struct RecordingList {
    /// The session asked for, if one was.
    session: Option<String>,
    /// Its recordings by name, or the latest received.
    recordings: Vec<RecordingRow>,
}

/// Lists the recordings the server holds for `session`, or the latest ones.
pub(crate) async fn list(State(st): State<ApiState>, Query(q): Query<Params>) -> ApiResult<Json<RecordingList>> {
    let recordings = match q.get("session") {
        Some(s) if s.is_empty() || s.len() > store::MAX_RECORDING_KEY => {
            return Err(ApiError::BadRequest(format!(
                "`session` must be 1 to {} bytes: take it from /api/v1/sessions",
                store::MAX_RECORDING_KEY
            )))
        }
        Some(s) => st.store.recordings(s).await?,
        None => {
            let limit = params::int(&q, "limit", 1, 1000)?.map_or(RECENT_DEFAULT, |l| l as u32);
            st.store.recent_recordings(limit).await?
        }
    };
    Ok(Json(RecordingList {
        session: q.get("session").cloned(),
        recordings,
    }))
}

/// One recording's asciicast bytes, by the SHA-256 that `/api/v1/recordings` lists.
pub(crate) async fn cast(State(st): State<ApiState>, Path(hash): Path<String>) -> ApiResult<Response> {
    if hash.len() != 64 || !hash.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(ApiError::BadRequest(format!(
            "{hash:?} is not a SHA-256: take it from /api/v1/recordings"
        )));
    }
    let Some((meta, bytes)) = st.store.recording_by_sha256(&hash).await? else {
        return Err(ApiError::NotFound(format!(
            "no recording with SHA-256 {hash}: list them with /api/v1/recordings?session=ID"
        )));
    };
    let mut resp = bytes.into_response();
    let h = resp.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/x-asciicast"),
    );
    if let Ok(v) = HeaderValue::from_str(&format!("\"{}\"", meta.sha256)) {
        h.insert(header::ETAG, v);
    }
    h.insert(
        header::HeaderName::from_static("x-apiary-truncated"),
        HeaderValue::from_static(if meta.truncated { "true" } else { "false" }),
    );
    Ok(resp)
}

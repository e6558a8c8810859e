//! `/api/file/` (captured files' metadata) and `/api/url/` (download URLs seen).

use axum::extract::{Query, State};
use axum::Json;
use serde_json::{json, Value};
use store::{Dim, Page};

use super::envelope::{self, envelope};
use crate::api::params::Params;
use crate::api::ApiState;
use crate::error::{ApiError, ApiResult};

/// Files, newest first: `_id` (SHA-256 or MD5), hashes, size, mime, times, urls.
pub(crate) async fn file(State(st): State<ApiState>, Query(q): Query<Params>) -> ApiResult<Json<Value>> {
    envelope::only(&q, &["hours_ago", "limit"])?;
    let range = envelope::hours_ago(&q, None)?;
    let page = Page {
        after: None,
        limit: envelope::limit(&q, envelope::LIMIT_DEFAULT)?,
    };
    let rows = st.store.files(range, &page).await?;
    let data = rows
        .items
        .iter()
        .map(|f| {
            json!({
                "_id": f.sha256.clone().or_else(|| f.md5.clone()),
                "sha256": f.sha256, "sha1": f.sha1, "md5": f.md5, "size": f.size, "mime": f.mime,
                "count": f.count, "urls": f.urls, "stored": f.stored,
                "first_seen": envelope::ts(f.first_seen), "timestamp": envelope::ts(f.last_seen),
            })
        })
        .collect();
    Ok(envelope(data, &q))
}

/// URLs attackers fetched in the window (default 24 h), most frequent first.
pub(crate) async fn url(State(st): State<ApiState>, Query(q): Query<Params>) -> ApiResult<Json<Value>> {
    envelope::only(&q, &["hours_ago", "limit"])?;
    let range = envelope::hours_ago(&q, Some(24))?.ok_or(ApiError::Internal)?;
    let rows = st
        .store
        .top(Dim::Url, range, envelope::limit(&q, envelope::LIMIT_DEFAULT)?)
        .await?;
    let data = rows.iter().map(|e| json!({ "url": e.key, "count": e.count })).collect();
    Ok(envelope(data, &q))
}

//! `GET /api/v1/series` (events per minute or hour by protocol) and `GET /api/v1/totals` (headline counters).

use axum::extract::{Query, State};
use axum::Json;
use store::{Bucket, Totals};

use super::params::{self, Params};
use super::ApiState;
use crate::error::{ApiError, ApiResult};

/// Per-minute series may cover at most this many hours (a week of minutes is already 10k points per protocol).
const MINUTE_MAX_HOURS: i64 = 24 * 7;

/// Events per bucket and protocol, `{"items": [{"t", "proto", "count"}]}`.
pub(crate) async fn series(State(st): State<ApiState>, Query(q): Query<Params>) -> ApiResult<Json<serde_json::Value>> {
    let bucket = match q.get("bucket").map(String::as_str) {
        None | Some("hour") => Bucket::Hour,
        Some("minute") => Bucket::Minute,
        Some(b) => {
            return Err(ApiError::BadRequest(format!(
                "`bucket` must be minute or hour, got {b:?}"
            )))
        }
    };
    let range = params::window(&q, "hours", 24)?;
    if bucket == Bucket::Minute && range.to - range.from > chrono::Duration::hours(MINUTE_MAX_HOURS) {
        return Err(ApiError::BadRequest(format!(
            "per-minute series cover at most {MINUTE_MAX_HOURS} hours: use bucket=hour or a shorter window"
        )));
    }
    let items = st.store.timeseries(range, bucket).await?;
    Ok(Json(serde_json::json!({ "items": items })))
}

/// Events, attackers, sessions, logins and downloads in the window (default 24 h).
pub(crate) async fn totals(State(st): State<ApiState>, Query(q): Query<Params>) -> ApiResult<Json<Totals>> {
    let range = params::window(&q, "hours", 24)?;
    Ok(Json(st.store.totals(range).await?))
}

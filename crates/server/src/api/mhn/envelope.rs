//! MHN's response envelope and the parameter handling every MHN path shares.

use axum::Json;
use chrono::{DateTime, Duration, Utc};
use serde_json::{json, Value};
use store::TimeRange;

use crate::api::params::{self, Params};
use crate::error::{ApiError, ApiResult};

/// Default `limit` of MHN paths.
pub(crate) const LIMIT_DEFAULT: i64 = 1000;
/// Largest `limit` of MHN paths.
pub(crate) const LIMIT_MAX: i64 = 1000;

/// Rejects parameters the path does not take (the key is always allowed).
pub(crate) fn only(q: &Params, allowed: &[&str]) -> ApiResult<()> {
    for k in q.keys() {
        let field = ["ne__", "gte__", "lte__", "gt__", "lt__"]
            .iter()
            .find_map(|p| k.strip_prefix(p))
            .unwrap_or(k);
        if k != "api_key" && !allowed.contains(&k.as_str()) && !allowed.contains(&field) {
            return Err(ApiError::BadRequest(format!(
                "unknown parameter {k:?}: this path takes {}",
                allowed.join(", ")
            )));
        }
    }
    Ok(())
}

/// `hours_ago` as a window ending now, or `None`.
pub(crate) fn hours_ago(q: &Params, default: Option<i64>) -> ApiResult<Option<TimeRange>> {
    let h = params::int(q, "hours_ago", 1, params::MAX_WINDOW_DAYS * 24)?.or(default);
    let now = Utc::now();
    Ok(h.map(|h| TimeRange {
        from: now - Duration::hours(h),
        to: now,
    }))
}

/// `limit` with MHN's default and our cap.
pub(crate) fn limit(q: &Params, default: i64) -> ApiResult<u32> {
    Ok(params::int(q, "limit", 1, LIMIT_MAX)?.unwrap_or(default) as u32)
}

/// MHN's time form, fixed to say UTC.
pub(crate) fn ts(t: DateTime<Utc>) -> String {
    t.format("%Y-%m-%dT%H:%M:%S%.6fZ").to_string()
}

/// `{"data": [...], "meta": {"size", "query", "options"}}`; the query echoes the parameters without the key.
pub(crate) fn envelope(data: Vec<Value>, q: &Params) -> Json<Value> {
    let query: serde_json::Map<String, Value> = q
        .iter()
        .filter(|(k, _)| k.as_str() != "api_key")
        .map(|(k, v)| (k.clone(), Value::String(v.clone())))
        .collect();
    Json(json!({ "data": data, "meta": { "size": data.len(), "query": query } }))
}

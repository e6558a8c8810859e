//! `GET /api/v1/top/{dim}`: top-N over a window, from the hourly rollups.

use axum::extract::{Path, Query, State};
use axum::Json;
use store::{Dim, TopEntry};

use super::params::{self, Params};
use super::ApiState;
use crate::error::{ApiError, ApiResult};

/// Path names of the dimensions and the rollup each reads.
pub(crate) const DIMS: [(&str, Dim); 13] = [
    ("attackers", Dim::SrcIp),
    ("countries", Dim::Country),
    ("asns", Dim::Asn),
    ("ports", Dim::Port),
    ("usernames", Dim::Username),
    ("passwords", Dim::Password),
    ("credentials", Dim::Credential),
    ("commands", Dim::Command),
    ("urls", Dim::Url),
    ("hashes", Dim::Hash),
    ("protocols", Dim::Proto),
    ("honeypots", Dim::Honeypot),
    ("sensors", Dim::Sensor),
];

/// Default and largest `limit`.
const LIMIT: (i64, i64) = (10, 1000);

/// The top entries of one dimension, `{"items": [{"key", "count"}]}`.
pub(crate) async fn top(
    State(st): State<ApiState>,
    Path(dim): Path<String>,
    Query(q): Query<Params>,
) -> ApiResult<Json<serde_json::Value>> {
    let Some((_, d)) = DIMS.iter().find(|(n, _)| *n == dim) else {
        let names: Vec<&str> = DIMS.iter().map(|(n, _)| *n).collect();
        return Err(ApiError::NotFound(format!(
            "unknown dimension {dim:?}: use one of {}",
            names.join(", ")
        )));
    };
    let range = params::window(&q, "hours", 24)?;
    let limit = params::int(&q, "limit", 1, LIMIT.1)?.unwrap_or(LIMIT.0) as u32;
    let items: Vec<TopEntry> = st.store.top(*d, range, limit).await?;
    Ok(Json(
        serde_json::json!({ "items": items, "from": range.from, "to": range.to }),
    ))
}

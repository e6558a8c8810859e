//! `GET /api/v1/feed` (every stored event with how it arrived) and `GET /api/v1/metadata` (p0f per-IP facts).

use axum::extract::{Query, State};
use axum::Json;
use store::{FeedFilter, FeedRow, IpMeta, Paged};

use super::params::{self, Params};
use super::ApiState;
use crate::error::ApiResult;

/// The raw feed, newest first, filtered by `channel`, `kind`, `src` and window.
pub(crate) async fn list(State(st): State<ApiState>, Query(q): Query<Params>) -> ApiResult<Json<Paged<FeedRow>>> {
    let f = FeedFilter {
        range: params::opt_window(&q, "hours")?,
        channel: params::text(&q, "channel")?,
        kind: params::text(&q, "kind")?,
        src_ip: q.get("src").map(|v| params::ip("src", v)).transpose()?,
    };
    let page = params::page(&q, params::PAGE_DEFAULT, params::PAGE_MAX)?;
    Ok(Json(st.store.feed(&f, &page).await?))
}

/// Passive fingerprints, all or of one `ip`.
pub(crate) async fn metadata(State(st): State<ApiState>, Query(q): Query<Params>) -> ApiResult<Json<Paged<IpMeta>>> {
    let ip = q.get("ip").map(|v| params::ip("ip", v)).transpose()?;
    let page = params::page(&q, params::PAGE_DEFAULT, params::PAGE_MAX)?;
    Ok(Json(st.store.ip_meta(ip, &page).await?))
}

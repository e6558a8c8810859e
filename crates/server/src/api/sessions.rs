//! `GET /api/v1/sessions` (filtered, cursor-paged search) and `GET /api/v1/sessions/{id}` (detail with timeline).

use axum::extract::{Path, Query, State};
use axum::Json;
use store::{Paged, SessionDetail, SessionFilter, SessionRow};

use super::params::{self, Params};
use super::ApiState;
use crate::error::{ApiError, ApiResult};

/// Builds the store filter from `/api/v1/sessions` parameters.
pub(crate) fn filter(q: &Params) -> ApiResult<SessionFilter> {
    Ok(SessionFilter {
        range: params::opt_window(q, "hours")?,
        src: q.get("src").map(|v| params::cidr("src", v)).transpose()?,
        sensor: params::text(q, "sensor")?,
        honeypot: params::text(q, "honeypot")?,
        proto: params::text(q, "proto")?,
        port: params::int(q, "port", 0, 65535)?.map(|p| p as u16),
        country: params::text(q, "country")?,
        asn: params::int(q, "asn", 0, i64::from(u32::MAX))?.map(|a| a as u32),
        username: params::text(q, "username")?,
        password: params::text(q, "password")?,
        credential: params::text(q, "credential")?,
        command: params::text(q, "command")?,
        url: params::text(q, "url")?,
        hash: params::text(q, "hash")?,
        has_download: params::boolean(q, "has_download")?,
    })
}

/// Lists sessions, newest first.
pub(crate) async fn list(State(st): State<ApiState>, Query(q): Query<Params>) -> ApiResult<Json<Paged<SessionRow>>> {
    let f = filter(&q)?;
    let page = params::page(&q, params::PAGE_DEFAULT, params::PAGE_MAX)?;
    Ok(Json(st.store.sessions(&f, &page).await?))
}

/// One session (`sensor/session`, the slash plain or as `%2F`) with its timeline.
pub(crate) async fn detail(State(st): State<ApiState>, Path(id): Path<String>) -> ApiResult<Json<SessionDetail>> {
    if id.len() > 512 {
        return Err(ApiError::BadRequest("session id is too long".into()));
    }
    let mut d = st
        .store
        .session(&id)
        .await?
        .ok_or_else(|| ApiError::NotFound(format!("no session {id:?}: take ids from /api/v1/sessions")))?;
    // The recordings the server holds (sent on `apiary.ttylog`), not merely those the sensor named.
    d.recordings = st.store.recordings(&id).await?.into_iter().map(|r| r.name).collect();
    Ok(Json(d))
}

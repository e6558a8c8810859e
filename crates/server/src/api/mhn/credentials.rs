//! `/api/credentials/` (CHN): login attempts with their username and password.

use axum::extract::{Query, State};
use axum::Json;
use event::Kind;
use serde_json::{json, Value};
use store::{FeedFilter, Page};

use super::envelope::{self, envelope};
use crate::api::params::{self, Params};
use crate::api::ApiState;
use crate::error::ApiResult;

/// Login attempts, newest first (default window 24 h).
pub(crate) async fn list(State(st): State<ApiState>, Query(q): Query<Params>) -> ApiResult<Json<Value>> {
    envelope::only(&q, &["hours_ago", "limit", "source_ip"])?;
    let f = FeedFilter {
        range: envelope::hours_ago(&q, Some(24))?,
        kind: Some("auth".into()),
        src_ip: q.get("source_ip").map(|v| params::ip("source_ip", v)).transpose()?,
        ..FeedFilter::default()
    };
    let page = Page {
        after: None,
        limit: envelope::limit(&q, envelope::LIMIT_DEFAULT)?,
    };
    let rows = st.store.feed(&f, &page).await?;
    let data = rows
        .items
        .iter()
        .filter_map(|r| match &r.event.kind {
            Kind::Auth {
                username,
                password,
                success,
                ..
            } => Some(json!({
                "_id": r.event.id.to_string(),
                "source_ip": r.event.src_ip.to_string(),
                "username": username, "password": password, "success": success,
                "honeypot": r.event.honeypot, "identifier": r.event.sensor,
                "timestamp": envelope::ts(r.event.ts),
            })),
            _ => None,
        })
        .collect();
    Ok(envelope(data, &q))
}

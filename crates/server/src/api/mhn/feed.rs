//! `/api/feed/`: stored hpfeeds messages in MHN's shape.

use axum::extract::{Query, State};
use axum::Json;
use serde_json::{json, Value};
use store::{FeedFilter, Page};

use super::envelope::{self, envelope};
use crate::api::params::{self, Params};
use crate::api::ApiState;
use crate::error::ApiResult;

/// Messages, newest first; `ident` is matched within the page read.
pub(crate) async fn list(State(st): State<ApiState>, Query(q): Query<Params>) -> ApiResult<Json<Value>> {
    envelope::only(&q, &["channel", "ident", "hours_ago", "limit"])?;
    let f = FeedFilter {
        range: envelope::hours_ago(&q, None)?,
        channel: params::text(&q, "channel")?,
        ..FeedFilter::default()
    };
    let ident = params::text(&q, "ident")?;
    let page = Page {
        after: None,
        limit: envelope::limit(&q, envelope::LIMIT_DEFAULT)?,
    };
    let rows = st.store.feed(&f, &page).await?;
    let data = rows
        .items
        .iter()
        .filter(|r| ident.as_ref().is_none_or(|i| *i == r.ident))
        .map(|r| {
            json!({
                "_id": r.event.id.to_string(),
                "channel": r.channel,
                "ident": r.ident,
                "timestamp": envelope::ts(r.received),
                "normalized": true,
                "payload": r.event.to_json(),
            })
        })
        .collect();
    Ok(envelope(data, &q))
}

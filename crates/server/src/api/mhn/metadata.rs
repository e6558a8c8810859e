//! `/api/metadata/`: p0f facts and reverse DNS per address.

use axum::extract::{Query, State};
use axum::Json;
use serde_json::{json, Value};
use store::Page;

use super::envelope::{self, envelope};
use crate::api::params::{self, Params};
use crate::api::ApiState;
use crate::error::ApiResult;

/// Fingerprints and hostnames, all or of one `ip` (`source_ip` also accepted).
pub(crate) async fn list(State(st): State<ApiState>, Query(q): Query<Params>) -> ApiResult<Json<Value>> {
    envelope::only(&q, &["ip", "source_ip", "limit"])?;
    let ip = match q
        .get("ip")
        .map(|v| ("ip", v))
        .or_else(|| q.get("source_ip").map(|v| ("source_ip", v)))
    {
        Some((n, v)) => Some(params::ip(n, v)?),
        None => None,
    };
    let page = Page {
        after: None,
        limit: envelope::limit(&q, envelope::LIMIT_DEFAULT)?,
    };
    let rows = st.store.ip_meta(ip, &page).await?;
    let data = rows
        .items
        .iter()
        .map(|m| {
            json!({
                "_id": m.ip.map(|i| i.to_string()), "ip": m.ip.map(|i| i.to_string()),
                "os": m.os, "link": m.link, "uptime": m.uptime, "distance": m.distance, "app": m.app,
                "hostname": m.hostname, "hostname_confirmed": m.hostname_confirmed,
                "timestamp": m.updated.map(envelope::ts),
            })
        })
        .collect();
    Ok(envelope(data, &q))
}

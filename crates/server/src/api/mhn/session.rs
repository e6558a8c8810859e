//! `/api/session/`: sessions in MHN's field names.

use axum::extract::{Query, State};
use axum::Json;
use serde_json::{json, Value};
use store::{Page, SessionFilter, SessionRow};

use super::envelope::{self, envelope};
use crate::api::params::{self, Params};
use crate::api::ApiState;
use crate::error::ApiResult;

/// One session as MHN shows it.
pub(crate) fn to_mhn(s: &SessionRow) -> Value {
    json!({
        "_id": s.id,
        "source_ip": s.src_ip.to_string(),
        "source_port": s.src_port,
        "destination_ip": s.dst_ip.map(|i| i.to_string()),
        "destination_port": s.dst_port,
        "protocol": s.proto,
        "honeypot": s.honeypot,
        "identifier": s.sensor,
        "timestamp": envelope::ts(s.start),
    })
}

/// Sessions, newest first.
pub(crate) async fn list(State(st): State<ApiState>, Query(q): Query<Params>) -> ApiResult<Json<Value>> {
    envelope::only(
        &q,
        &[
            "hours_ago",
            "limit",
            "source_ip",
            "protocol",
            "honeypot",
            "destination_port",
            "identifier",
        ],
    )?;
    let f = SessionFilter {
        range: envelope::hours_ago(&q, None)?,
        src: q.get("source_ip").map(|v| params::cidr("source_ip", v)).transpose()?,
        honeypot: params::text(&q, "honeypot")?,
        proto: params::text(&q, "protocol")?,
        port: params::int(&q, "destination_port", 0, 65535)?.map(|p| p as u16),
        sensor: params::text(&q, "identifier")?,
        ..SessionFilter::default()
    };
    let page = Page {
        after: None,
        limit: envelope::limit(&q, envelope::LIMIT_DEFAULT)?,
    };
    let rows = st.store.sessions(&f, &page).await?;
    Ok(envelope(rows.items.iter().map(to_mhn).collect(), &q))
}

//! `/api/top_attackers/` and `/api/attacker_stats/<ip>/`.

use std::collections::BTreeSet;

use axum::extract::{Path, Query, State};
use axum::Json;
use serde_json::{json, Value};
use store::{Dim, Page, SessionFilter};

use super::envelope::{self, envelope};
use super::filters;
use crate::api::params::{self, Params};
use crate::api::ApiState;
use crate::error::{ApiError, ApiResult};

/// MHN's default window of top attackers and the intel feed, in hours.
pub(crate) const HOURS_DEFAULT: i64 = 4;

/// Most sessions read to list an attacker's honeypots.
const HONEYPOT_SCAN: u32 = 500;

/// Top source addresses in the window, `ne__/gt__/lt__/gte__/lte__` filters on `source_ip` and `count`.
pub(crate) async fn top_attackers(State(st): State<ApiState>, Query(q): Query<Params>) -> ApiResult<Json<Value>> {
    envelope::only(&q, &["hours_ago", "limit", "source_ip", "count"])?;
    let fs = filters::parse(&q, &["source_ip", "count"]);
    filters::check_numeric(&fs, &["count"])?;
    let range = envelope::hours_ago(&q, Some(HOURS_DEFAULT))?.ok_or(ApiError::Internal)?;
    let limit = envelope::limit(&q, envelope::LIMIT_DEFAULT)?;
    // Filters apply after the top-N read, so read the cap and cut to `limit` afterwards.
    let read = if fs.is_empty() {
        limit
    } else {
        envelope::LIMIT_MAX as u32
    };
    let rows = st.store.top(Dim::SrcIp, range, read).await?;
    let data = rows
        .iter()
        .map(|e| json!({ "source_ip": e.key, "count": e.count }))
        .filter(|r| filters::keep(r, &fs))
        .take(limit as usize)
        .collect();
    Ok(envelope(data, &q))
}

/// The honeypots an address touched, from its most recent sessions.
pub(crate) async fn honeypots(st: &ApiState, ip: std::net::IpAddr) -> ApiResult<Vec<String>> {
    let f = SessionFilter {
        src: Some(ip.into()),
        ..SessionFilter::default()
    };
    let rows = st
        .store
        .sessions(
            &f,
            &Page {
                after: None,
                limit: HONEYPOT_SCAN,
            },
        )
        .await?;
    let set: BTreeSet<String> = rows.items.into_iter().map(|s| s.honeypot).collect();
    Ok(set.into_iter().collect())
}

/// One address's summary: `{"data": {count, first_seen, last_seen, honeypots, ports, protocols}}`.
pub(crate) async fn attacker_stats(State(st): State<ApiState>, Path(ip): Path<String>) -> ApiResult<Json<Value>> {
    let addr = params::ip("ip", &ip)?;
    let Some(a) = st.store.attacker(addr).await? else {
        return Err(ApiError::NotFound(format!("nothing recorded from {addr}")));
    };
    let values = |v: &[store::Counted]| v.iter().map(|c| c.value.clone()).collect::<Vec<_>>();
    Ok(Json(json!({ "data": {
        "count": a.events,
        "first_seen": envelope::ts(a.first_seen),
        "last_seen": envelope::ts(a.last_seen),
        "honeypots": honeypots(&st, addr).await?,
        "ports": a.ports.iter().filter_map(|c| c.value.parse::<u16>().ok()).collect::<Vec<_>>(),
        "protocols": values(&a.protocols),
    }})))
}

//! `/api/intel_feed/` and `/api/intel_feed.csv/`: the window's attackers with what they did, for blocklists.

use axum::extract::{Query, State};
use axum::http::{header, HeaderValue};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::{json, Value};
use store::Dim;

use super::attackers::{honeypots, HOURS_DEFAULT};
use super::envelope::{self, envelope};
use crate::api::params::Params;
use crate::api::ApiState;
use crate::error::{ApiError, ApiResult};

/// Default rows (each one reads the attacker's profile, so fewer than other paths).
const INTEL_DEFAULT: i64 = 100;
/// The CSV header line.
pub(crate) const CSV_HEADER: &str = "source_ip,count,tags,protocols,ports,honeypots";

/// One row per attacker.
async fn rows(st: &ApiState, q: &Params) -> ApiResult<Vec<Value>> {
    envelope::only(q, &["hours_ago", "limit"])?;
    let range = envelope::hours_ago(q, Some(HOURS_DEFAULT))?.ok_or(ApiError::Internal)?;
    let limit = envelope::limit(q, INTEL_DEFAULT)?;
    let mut out = Vec::new();
    for e in st.store.top(Dim::SrcIp, range, limit).await? {
        let Ok(ip) = e.key.parse() else { continue };
        let a = st.store.attacker(ip).await?;
        let (protocols, ports) = a.map_or((vec![], vec![]), |a| {
            let p: Vec<String> = a.protocols.iter().map(|c| c.value.clone()).collect();
            let ports: Vec<u16> = a.ports.iter().filter_map(|c| c.value.parse().ok()).collect();
            (p, ports)
        });
        let tags: Vec<String> = Vec::new();
        out.push(json!({
            "source_ip": e.key, "count": e.count, "tags": tags,
            "protocols": protocols, "ports": ports, "honeypots": honeypots(st, ip).await?,
        }));
    }
    Ok(out)
}

/// JSON form, in MHN's envelope.
pub(crate) async fn json(State(st): State<ApiState>, Query(q): Query<Params>) -> ApiResult<Json<Value>> {
    Ok(envelope(rows(&st, &q).await?, &q))
}

/// Quotes a CSV field when needed (RFC 4180), and defuses spreadsheet formulas.
fn field(s: &str) -> String {
    let s = if s.starts_with(['=', '+', '-', '@']) {
        format!("'{s}")
    } else {
        s.to_owned()
    };
    if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s
    }
}

/// Joins a JSON list with `;`.
fn list(v: &Value) -> String {
    v.as_array()
        .map(|a| {
            a.iter()
                .map(|x| x.as_str().map_or_else(|| x.to_string(), str::to_owned))
                .collect::<Vec<_>>()
                .join(";")
        })
        .unwrap_or_default()
}

/// CSV form: the header line, then one line per attacker.
pub(crate) async fn csv(State(st): State<ApiState>, Query(q): Query<Params>) -> ApiResult<Response> {
    let mut body = format!("{CSV_HEADER}\n");
    for r in rows(&st, &q).await? {
        let cols = [
            r["source_ip"].as_str().unwrap_or_default().to_owned(),
            r["count"].to_string(),
            list(&r["tags"]),
            list(&r["protocols"]),
            list(&r["ports"]),
            list(&r["honeypots"]),
        ];
        body.push_str(&cols.iter().map(|c| field(c)).collect::<Vec<_>>().join(","));
        body.push('\n');
    }
    let mut resp = body.into_response();
    resp.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/csv; charset=utf-8"),
    );
    Ok(resp)
}

#[cfg(test)]
mod tests {
    use super::field;

    #[test]
    fn csv_fields_are_quoted_and_defused() {
        assert_eq!(field("ssh"), "ssh");
        assert_eq!(field("a,\"b\""), "\"a,\"\"b\"\"\"");
        assert_eq!(field("=cmd()"), "'=cmd()");
    }
}

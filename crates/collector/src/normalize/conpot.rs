//! `conpot.events`: Conpot's hpfriends logger, both shapes: 0.6.0 ({id, remote[ip,port], data_type, timestamp,
//! public_ip, data}) and master (adds src/dst fields and `local`). `data.type` NEW_CONNECTION → session.start,
//! CONNECTION_TERMINATED → session.end, anything else → request (PDUs are null in 0.6.0, Python reprs in master).
//! Every event of a session carries the session's start `timestamp`.

use event::Kind;
use serde_json::{Map, Value};

use super::build::{Ctx, Envelope, Out};
use super::parse;

/// Maps one Conpot event.
pub(crate) fn normalize(ctx: &Ctx<'_>, out: &mut Out<'_>) -> Result<(), String> {
    let m = parse::object(ctx.payload)?;
    let ts = parse::time(&m, "timestamp")?;
    let remote = m.get("remote").and_then(Value::as_array);
    let src_ip = match (
        parse::str_field(&m, "src_ip"),
        remote.and_then(|r| r.first()).and_then(Value::as_str),
    ) {
        (Some(ip), _) | (None, Some(ip)) => parse::ip(ip)?,
        (None, None) => return Err("no source address (`src_ip` or `remote`)".to_string()),
    };
    let src_port = match (m.get("src_port"), remote.and_then(|r| r.get(1))) {
        (Some(_), _) => parse::port(&m, "src_port")?,
        (None, Some(p)) => p
            .as_u64()
            .and_then(|p| u16::try_from(p).ok())
            .ok_or("`remote[1]` is not a port")?,
        (None, None) => 0,
    };
    let local = m.get("local").and_then(Value::as_array);
    let dst_port = match (m.get("dst_port"), local.and_then(|l| l.get(1))) {
        (Some(_), _) => parse::port(&m, "dst_port")?,
        (None, Some(p)) => p.as_u64().and_then(|p| u16::try_from(p).ok()).unwrap_or(0),
        (None, None) => 0,
    };
    let dst_ip = parse::str_field(&m, "dst_ip")
        .or_else(|| local.and_then(|l| l.first()).and_then(Value::as_str))
        .or_else(|| parse::str_field(&m, "public_ip"))
        .map(parse::ip)
        .transpose()?;
    let env = Envelope {
        sensor: parse::str_field(&m, "sensor").map_or_else(|| ctx.ident.to_string(), |s| parse::truncate(s, 128)),
        honeypot: "conpot",
        session: match parse::str_field(&m, "id") {
            Some(id) => parse::truncate(id, 128),
            None => parse::conn_session(src_ip, src_port, dst_port, ts),
        },
        proto: parse::str_field(&m, "data_type").map_or_else(
            || "unknown".to_string(),
            |t| parse::truncate(&t.to_ascii_lowercase(), 32),
        ),
        src_ip,
        src_port,
        dst_ip,
        dst_port,
    };
    let empty = Map::new();
    let data = m.get("data").and_then(Value::as_object).unwrap_or(&empty);
    let kind = match parse::str_field(data, "type") {
        Some("NEW_CONNECTION") => Kind::SessionStart {
            client_version: None,
            hassh: None,
            hassh_algorithms: None,
        },
        Some("CONNECTION_TERMINATED") => Kind::SessionEnd {
            duration_ms: 0,
            bytes_in: 0,
            bytes_out: 0,
            reason: "connection terminated".to_string(),
            recordings: Vec::new(),
        },
        _ => Kind::Request {
            request: request_text(data),
            response: data.get("response").and_then(text),
        },
    };
    out.push(&env, ts, kind);
    Ok(())
}

/// The request as text: the `request` string when there is one, else the other fields (`function_code=1 ...`).
fn request_text(data: &Map<String, Value>) -> String {
    if let Some(r) = data.get("request").and_then(text) {
        return r;
    }
    let parts: Vec<String> = data
        .iter()
        .filter(|(k, _)| *k != "request" && *k != "response")
        .take(16)
        .map(|(k, v)| format!("{k}={}", text(v).unwrap_or_else(|| "null".to_string())))
        .collect();
    parse::truncate(&parts.join(" "), 4096)
}

/// A JSON value as text; null is absent.
fn text(v: &Value) -> Option<String> {
    match v {
        Value::Null => None,
        Value::String(s) => Some(parse::truncate(s, 4096)),
        other => Some(parse::truncate(&other.to_string(), 4096)),
    }
}

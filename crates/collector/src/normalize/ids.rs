//! IDS alerts from MHN's hpfeeds forks: `snort.alerts` and `suricata.events` (flat layout with `sensor`) → alert.
//!
//! One publish per packet (Suricata: the last alert's fields win). Suricata's fork prints microseconds with `%d`
//! (not zero-padded: `03.22040` is 22,040 µs), and IPv6 fully expanded; ICMP alerts have no ports (0).

use chrono::{DateTime, NaiveDateTime, Utc};
use event::Kind;
use serde_json::{Map, Value};

use super::build::{Ctx, Envelope, Out};
use super::parse;

/// Snort's stock `classification.config` names, in file order: the fork publishes the 1-based position.
const SNORT_CLASSES: [&str; 34] = [
    "not-suspicious",
    "unknown",
    "bad-unknown",
    "attempted-recon",
    "successful-recon-limited",
    "successful-recon-largescale",
    "attempted-dos",
    "successful-dos",
    "attempted-user",
    "unsuccessful-user",
    "successful-user",
    "attempted-admin",
    "successful-admin",
    "rpc-portmap-decode",
    "shellcode-detect",
    "string-detect",
    "suspicious-filename-detect",
    "suspicious-login",
    "system-call-detect",
    "tcp-connection",
    "trojan-activity",
    "unusual-client-port-detection",
    "network-scan",
    "denial-of-service",
    "non-standard-protocol",
    "protocol-command-decode",
    "web-application-activity",
    "web-application-attack",
    "misc-activity",
    "misc-attack",
    "icmp-event",
    "inappropriate-content",
    "policy-violation",
    "default-login-attempt",
];

/// A Snort alert: `header` is `gid:sid:rev`, `classification` the numeric class id (named from the stock
/// `classification.config`; a local id beyond it stays `class N`), `priority` the severity.
pub(crate) fn normalize_snort(ctx: &Ctx<'_>, out: &mut Out<'_>) -> Result<(), String> {
    let m = parse::object(ctx.payload)?;
    let sid = parse::str_field(&m, "header")
        .and_then(|h| h.split(':').nth(1))
        .and_then(|s| s.parse::<u64>().ok())
        .ok_or("field `header` is not `gid:sid:rev`")?;
    let category = match m.get("classification") {
        Some(Value::Number(n)) => n
            .as_u64()
            .and_then(|i| usize::try_from(i).ok()?.checked_sub(1))
            .and_then(|i| SNORT_CLASSES.get(i))
            .map_or_else(|| format!("class {n}"), |c| c.to_string()),
        Some(Value::String(s)) => parse::truncate(s, 256),
        _ => String::new(),
    };
    alert(ctx, out, &m, "snort", sid, category)
}

/// A Suricata alert from the fork's flat record.
pub(crate) fn normalize_suricata(ctx: &Ctx<'_>, out: &mut Out<'_>) -> Result<(), String> {
    let m = parse::object(ctx.payload)?;
    let sid = m
        .get("signature_id")
        .and_then(Value::as_u64)
        .ok_or("field `signature_id` is missing or not a number")?;
    let category = parse::str_field(&m, "category")
        .map(|c| parse::truncate(c, 256))
        .unwrap_or_default();
    alert(ctx, out, &m, "suricata", sid, category)
}

/// The shared envelope and alert.
fn alert(
    ctx: &Ctx<'_>,
    out: &mut Out<'_>,
    m: &Map<String, Value>,
    honeypot: &'static str,
    signature_id: u64,
    category: String,
) -> Result<(), String> {
    let ts = match parse::str_field(m, "timestamp") {
        Some(s) => Some(
            ts_unpadded(s).ok_or_else(|| format!("field `timestamp` is not a time: {:?}", parse::truncate(s, 64)))?,
        ),
        None => None,
    };
    let src_ip = parse::need_ip(m, "source_ip")?;
    let src_port = parse::port(m, "source_port")?;
    let dst_port = parse::port(m, "destination_port")?;
    let transport = parse::str_field(m, "proto").unwrap_or("ip");
    let env = Envelope {
        sensor: parse::str_field(m, "sensor").map_or_else(|| ctx.ident.to_string(), |s| parse::truncate(s, 128)),
        honeypot,
        session: parse::conn_session(src_ip, src_port, dst_port, ts),
        proto: parse::by_port(dst_port, transport),
        src_ip,
        src_port,
        dst_ip: parse::str_field(m, "destination_ip").map(parse::ip).transpose()?,
        dst_port,
    };
    let severity = m
        .get("priority")
        .and_then(Value::as_u64)
        .map_or(0, |p| p.min(255) as u8);
    let message = parse::str_field(m, "signature")
        .map(|s| parse::truncate(s, 1024))
        .unwrap_or_default();
    out.push(
        &env,
        ts,
        Kind::Alert {
            signature_id,
            message,
            severity,
            category,
        },
    );
    Ok(())
}

/// `YYYY/MM/DD HH:MM:SS.u` where `u` is microseconds printed without zero padding (UTC, the sensors run in UTC).
pub(crate) fn ts_unpadded(s: &str) -> Option<DateTime<Utc>> {
    let s = s.trim();
    let Some((whole, frac)) = s.rsplit_once('.') else {
        return parse::ts_str(s);
    };
    if frac.is_empty() || frac.len() > 6 || !frac.bytes().all(|b| b.is_ascii_digit()) {
        return parse::ts_str(s);
    }
    let micros: i64 = frac.parse().ok()?;
    let base = NaiveDateTime::parse_from_str(whole, "%Y/%m/%d %H:%M:%S")
        .or_else(|_| NaiveDateTime::parse_from_str(whole, "%Y-%m-%d %H:%M:%S"))
        .ok()?;
    base.and_utc()
        .checked_add_signed(chrono::TimeDelta::microseconds(micros))
}

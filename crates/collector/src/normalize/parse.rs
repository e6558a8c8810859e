//! Parsing helpers for foreign payloads: JSON objects, addresses (IPv6, IPv4-mapped), ports as numbers or strings,
//! every timestamp format the feeds use, and connection-derived session ids.

use std::net::IpAddr;

use chrono::{DateTime, NaiveDateTime, Utc};
use serde_json::{Map, Value};
use sha2::{Digest, Sha256};

/// The payload as one JSON object, or why not.
pub(crate) fn object(payload: &[u8]) -> Result<Map<String, Value>, String> {
    match serde_json::from_slice::<Value>(payload) {
        Ok(Value::Object(m)) => Ok(m),
        Ok(_) => Err("payload is JSON but not an object".to_string()),
        Err(e) => Err(format!("payload is not JSON: {e}")),
    }
}

/// A string field, if present and a string.
pub(crate) fn str_field<'a>(m: &'a Map<String, Value>, key: &str) -> Option<&'a str> {
    m.get(key).and_then(Value::as_str)
}

/// A required string field.
pub(crate) fn need_str<'a>(m: &'a Map<String, Value>, key: &str) -> Result<&'a str, String> {
    str_field(m, key).ok_or_else(|| format!("field `{key}` is missing or not a string"))
}

/// An address: IPv4, IPv6 (compressed or not), IPv4-mapped IPv6 becomes the IPv4 address.
pub(crate) fn ip(s: &str) -> Result<IpAddr, String> {
    s.trim()
        .parse::<IpAddr>()
        .map(|a| a.to_canonical())
        .map_err(|_| format!("unparseable address {:?}", truncate(s, 64)))
}

/// A required address field.
pub(crate) fn need_ip(m: &Map<String, Value>, key: &str) -> Result<IpAddr, String> {
    ip(need_str(m, key)?)
}

/// A port given as a number or a numeric string; absent or null is 0.
pub(crate) fn port(m: &Map<String, Value>, key: &str) -> Result<u16, String> {
    match m.get(key) {
        None | Some(Value::Null) => Ok(0),
        Some(Value::Number(n)) => n
            .as_u64()
            .and_then(|n| u16::try_from(n).ok())
            .ok_or_else(|| format!("field `{key}` is not a port: {n}")),
        Some(Value::String(s)) if s.is_empty() => Ok(0),
        Some(Value::String(s)) => s
            .trim()
            .parse::<u16>()
            .map_err(|_| format!("field `{key}` is not a port: {:?}", truncate(s, 32))),
        Some(_) => Err(format!("field `{key}` is not a port")),
    }
}

/// A time field in any format the feeds use; absent or null is `Ok(None)`, unparseable is an error.
pub(crate) fn time(m: &Map<String, Value>, key: &str) -> Result<Option<DateTime<Utc>>, String> {
    match m.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => ts_str(s)
            .map(Some)
            .ok_or_else(|| format!("field `{key}` is not a known time format: {:?}", truncate(s, 64))),
        Some(Value::Number(n)) => n
            .as_f64()
            .and_then(epoch)
            .map(Some)
            .ok_or_else(|| format!("field `{key}` is not a time: {n}")),
        Some(_) => Err(format!("field `{key}` is not a time")),
    }
}

/// Epoch seconds (or milliseconds, when too large to be seconds) to UTC.
fn epoch(x: f64) -> Option<DateTime<Utc>> {
    if !x.is_finite() || x < 0.0 {
        return None;
    }
    let micros = if x > 1e11 { x * 1e3 } else { x * 1e6 };
    if micros > 1e17 {
        return None;
    }
    DateTime::from_timestamp_micros(micros as i64)
}

/// Parses the text formats: RFC 3339, `… UTC +0000` (Dionaea), `YYYY/MM/DD HH:MM:SS[.f]` (p0f, Suricata), and naive
/// ISO with a space or `T` (UTC, as the sensors write UTC).
pub(crate) fn ts_str(s: &str) -> Option<DateTime<Utc>> {
    let s = s.trim();
    if let Ok(t) = DateTime::parse_from_rfc3339(s) {
        return Some(t.with_timezone(&Utc));
    }
    if let Ok(t) = DateTime::parse_from_str(s, "%Y-%m-%d %H:%M:%S%.f UTC %z") {
        return Some(t.with_timezone(&Utc));
    }
    ["%Y-%m-%d %H:%M:%S%.f", "%Y-%m-%dT%H:%M:%S%.f", "%Y/%m/%d %H:%M:%S%.f"]
        .iter()
        .find_map(|f| NaiveDateTime::parse_from_str(s, f).ok())
        .map(|n| n.and_utc())
}

/// A session id for feeds without one: the same connection (src ip, src port, dst port, start) always gets the
/// same id, so its events group together.
pub(crate) fn conn_session(src: IpAddr, src_port: u16, dst_port: u16, ts: Option<DateTime<Utc>>) -> String {
    let mut h = Sha256::new();
    h.update(src.to_string());
    h.update(src_port.to_be_bytes());
    h.update(dst_port.to_be_bytes());
    h.update(ts.map_or(0, |t| t.timestamp_micros()).to_be_bytes());
    hex::encode(&h.finalize()[..6])
}

/// The usual application protocol of a honeypot port, else `fallback` (the transport) lowercased.
pub(crate) fn by_port(port: u16, fallback: &str) -> String {
    let p = match port {
        21 => "ftp",
        22 => "ssh",
        23 | 2323 => "telnet",
        25 => "smtp",
        69 => "tftp",
        80 | 8080 | 8800 => "http",
        102 | 10201 => "s7comm",
        135 => "epmap",
        443 => "tls",
        445 => "smb",
        502 | 5020 => "modbus",
        1433 => "mssql",
        3306 => "mysql",
        3389 => "rdp",
        5060 => "sip",
        5900 => "vnc",
        9200 => "elasticsearch",
        _ => return truncate(&fallback.to_ascii_lowercase(), 16),
    };
    p.to_string()
}

/// Path and query (without `?`) of an absolute or relative URL.
pub(crate) fn split_url(url: &str) -> (String, String) {
    let rest = match url.split_once("://") {
        Some((_, r)) if !url.starts_with('/') => r.find(['/', '?']).map_or("/", |i| &r[i..]),
        _ => url,
    };
    let (path, query) = rest.split_once('?').unwrap_or((rest, ""));
    let path = if path.is_empty() { "/" } else { path };
    (truncate(path, 4096), truncate(query, 4096))
}

/// At most `n` characters of `s`, for error messages about hostile input.
pub(crate) fn truncate(s: &str, n: usize) -> String {
    s.chars().take(n).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_fixture_time_format_parses_to_utc() {
        let want = |s: &str| DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc);
        assert_eq!(
            ts_str("2026/11/28 02:00:01.187584"),
            Some(want("2026-11-28T02:00:01.187584Z"))
        );
        assert_eq!(
            ts_str("2026-11-28 02:21:07.418223 UTC +0000"),
            Some(want("2026-11-28T02:21:07.418223Z"))
        );
        assert_eq!(
            ts_str("2026-11-28 01:44:04.283647"),
            Some(want("2026-11-28T01:44:04.283647Z"))
        );
        assert_eq!(
            ts_str("2026-11-28T01:40:32.487445Z"),
            Some(want("2026-11-28T01:40:32.487445Z"))
        );
        assert_eq!(ts_str("2026/11/28 02:00:01"), Some(want("2026-11-28T02:00:01Z")));
        assert_eq!(
            epoch(1_795_000_000.5).map(|t| t.timestamp_millis()),
            Some(1_795_000_000_500)
        );
        assert_eq!(ts_str("yesterday"), None);
    }

    #[test]
    fn mapped_and_uncompressed_ipv6_parse() {
        assert_eq!(ip("::ffff:203.0.113.121").unwrap().to_string(), "203.0.113.121");
        assert_eq!(
            ip("2001:0db8:beef:0000:0000:0000:0000:0066").unwrap().to_string(),
            "2001:db8:beef::66"
        );
        assert!(ip("not-an-ip").is_err());
    }

    #[test]
    fn urls_split_into_path_and_query() {
        let q = |u: &str| split_url(u);
        assert_eq!(q("http://h/wp-login.php"), ("/wp-login.php".into(), "".into()));
        assert_eq!(q("/a?page=http://x/y?"), ("/a".into(), "page=http://x/y?".into()));
        assert_eq!(q("http://h?x=1"), ("/".into(), "x=1".into()));
    }
}

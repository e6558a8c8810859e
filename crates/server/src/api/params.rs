//! Query parameters shared by the handlers: time windows, paging, addresses; every one bounded, every error a 400.

use std::collections::HashMap;
use std::net::IpAddr;

use chrono::{DateTime, Duration, Utc};
use store::{Page, TimeRange};

use crate::error::ApiError;

/// Raw query parameters (names and values as sent).
pub(crate) type Params = HashMap<String, String>;

/// Longest window any query may cover.
pub(crate) const MAX_WINDOW_DAYS: i64 = 400;
/// Default page size of `/api/v1/` lists.
pub(crate) const PAGE_DEFAULT: u32 = 50;
/// Largest page size of `/api/v1/` lists.
pub(crate) const PAGE_MAX: u32 = 500;

fn bad(msg: String) -> ApiError {
    ApiError::BadRequest(msg)
}

/// Parses an integer parameter within `[min, max]`.
pub(crate) fn int(q: &Params, name: &str, min: i64, max: i64) -> Result<Option<i64>, ApiError> {
    let Some(v) = q.get(name) else { return Ok(None) };
    match v.trim().parse::<i64>() {
        Ok(n) if (min..=max).contains(&n) => Ok(Some(n)),
        _ => Err(bad(format!(
            "`{name}` must be a whole number from {min} to {max}, got {v:?}"
        ))),
    }
}

fn time(q: &Params, name: &str) -> Result<Option<DateTime<Utc>>, ApiError> {
    let Some(v) = q.get(name) else { return Ok(None) };
    DateTime::parse_from_rfc3339(v.trim())
        .map(|t| Some(t.with_timezone(&Utc)))
        .map_err(|_| {
            bad(format!(
                "`{name}` must be an RFC 3339 time such as 2026-11-28T17:00:00Z, got {v:?}"
            ))
        })
}

/// The window `from`/`to` (RFC 3339) or the last `hours_param` hours; `None` when neither is given.
pub(crate) fn opt_window(q: &Params, hours_param: &str) -> Result<Option<TimeRange>, ApiError> {
    let now = Utc::now();
    let max_hours = MAX_WINDOW_DAYS * 24;
    let (from, to) = (time(q, "from")?, time(q, "to")?);
    let hours = int(q, hours_param, 1, max_hours)?;
    let range = match (from, to, hours) {
        (None, None, None) => return Ok(None),
        (None, None, Some(h)) => TimeRange {
            from: now - Duration::hours(h),
            to: now,
        },
        (f, t, None) => {
            let to = t.unwrap_or(now);
            let from = f.unwrap_or(to - Duration::hours(24));
            TimeRange { from, to }
        }
        _ => return Err(bad(format!("give either `from`/`to` or `{hours_param}`, not both"))),
    };
    if range.from >= range.to {
        return Err(bad("`from` must be before `to`".into()));
    }
    if range.to - range.from > Duration::days(MAX_WINDOW_DAYS) {
        return Err(bad(format!(
            "the window may cover at most {MAX_WINDOW_DAYS} days; narrow `from`/`to`"
        )));
    }
    Ok(Some(range))
}

/// Like [`opt_window`], defaulting to the last `default_hours` hours.
pub(crate) fn window(q: &Params, hours_param: &str, default_hours: i64) -> Result<TimeRange, ApiError> {
    let now = Utc::now();
    Ok(opt_window(q, hours_param)?.unwrap_or(TimeRange {
        from: now - Duration::hours(default_hours),
        to: now,
    }))
}

/// `after` and `limit` (default and cap given).
pub(crate) fn page(q: &Params, default: u32, max: u32) -> Result<Page, ApiError> {
    let limit = int(q, "limit", 1, i64::from(max))?.map_or(default, |n| n as u32);
    let after = q.get("after").filter(|a| !a.is_empty()).cloned();
    if after.as_ref().is_some_and(|a| a.len() > 512) {
        return Err(bad(
            "`after` is too long: pass the `next` value of the previous page".into()
        ));
    }
    Ok(Page { after, limit })
}

/// One address, IPv4 or IPv6.
pub(crate) fn ip(name: &str, v: &str) -> Result<IpAddr, ApiError> {
    v.trim()
        .parse()
        .map_err(|_| bad(format!("`{name}` must be an IPv4 or IPv6 address, got {v:?}")))
}

/// An address or network (`203.0.113.0/24`, `2001:db8::/32`, `198.51.100.7`).
pub(crate) fn cidr(name: &str, v: &str) -> Result<ipnet::IpNet, ApiError> {
    let v = v.trim();
    if let Ok(n) = v.parse::<ipnet::IpNet>() {
        return Ok(n);
    }
    v.parse::<IpAddr>().map(ipnet::IpNet::from).map_err(|_| {
        bad(format!(
            "`{name}` must be an IP address or CIDR network such as 203.0.113.0/24 or 2001:db8::/32, got {v:?}"
        ))
    })
}

/// A `true`/`false` parameter.
pub(crate) fn boolean(q: &Params, name: &str) -> Result<Option<bool>, ApiError> {
    match q.get(name).map(|s| s.trim()) {
        None => Ok(None),
        Some("true") | Some("1") => Ok(Some(true)),
        Some("false") | Some("0") => Ok(Some(false)),
        Some(v) => Err(bad(format!("`{name}` must be true or false, got {v:?}"))),
    }
}

/// A short text parameter (names, ids), bounded.
pub(crate) fn text(q: &Params, name: &str) -> Result<Option<String>, ApiError> {
    match q.get(name) {
        Some(v) if v.len() > 256 => Err(bad(format!("`{name}` is longer than 256 bytes"))),
        Some(v) => Ok(Some(v.clone())),
        None => Ok(None),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn q(pairs: &[(&str, &str)]) -> Params {
        pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
    }

    #[test]
    fn window_from_hours_and_bounds() {
        let w = window(&q(&[("hours", "2")]), "hours", 24).unwrap();
        assert_eq!(w.to - w.from, Duration::hours(2));
        assert!(window(&q(&[("hours", "0")]), "hours", 24).is_err());
        assert!(window(&q(&[("hours", "9601")]), "hours", 24).is_err());
        let long = q(&[("from", "2020-01-01T00:00:00Z"), ("to", "2026-01-01T00:00:00Z")]);
        assert!(window(&long, "hours", 24).is_err());
        let both = q(&[("from", "2026-01-01T00:00:00Z"), ("hours", "3")]);
        assert!(window(&both, "hours", 24).is_err());
    }

    #[test]
    fn cidr_accepts_v4_v6_and_explains_errors() {
        assert_eq!(cidr("src", "203.0.113.0/24").unwrap().to_string(), "203.0.113.0/24");
        assert_eq!(cidr("src", "2001:db8::5").unwrap().to_string(), "2001:db8::5/128");
        let ApiError::BadRequest(m) = cidr("src", "10.0.0.0/33").unwrap_err() else {
            panic!()
        };
        assert!(m.contains("CIDR"), "{m}");
    }

    #[test]
    fn page_limits() {
        assert_eq!(page(&q(&[]), 50, 500).unwrap().limit, 50);
        assert!(page(&q(&[("limit", "501")]), 50, 500).is_err());
        assert_eq!(
            page(&q(&[("limit", "7"), ("after", "x")]), 50, 500)
                .unwrap()
                .after
                .as_deref(),
            Some("x")
        );
    }
}

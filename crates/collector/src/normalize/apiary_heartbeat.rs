//! `apiary.heartbeat`: a sensor's [`event::heartbeat::Heartbeat`] (version, listeners, start time). It yields no
//! event: a heartbeat is not an attack, so it never counts in events, rollups or sessions; the store records it on
//! the sensor's row. A payload that is too large, not a heartbeat, or has out-of-bounds fields becomes a `raw` event
//! with the reason, as every bad payload does. Unknown fields are ignored, so newer sensors may add some.
//!
//! The optional `address` is what the sensor reports as its broker connection's local IP (the in-process
//! subscription does not see the publisher's peer address). It is kept only if it parses as an IP address, in
//! canonical form; anything else is dropped without rejecting the heartbeat, so the sensor's row keeps its last
//! good address.

use std::net::IpAddr;

use event::heartbeat::Heartbeat;

use super::build::{Ctx, Out};

/// Largest heartbeat payload read; real ones are a few hundred bytes.
pub(crate) const MAX_PAYLOAD: usize = 16 * 1024;
/// Longest sensor id accepted.
const MAX_SENSOR: usize = 256;
/// Longest version string accepted.
const MAX_VERSION: usize = 64;
/// Longest honeypot name accepted.
const MAX_HONEYPOT: usize = 64;
/// Most listening sockets accepted in one heartbeat.
pub(crate) const MAX_LISTENERS: usize = 64;
/// Longest reported address looked at (the longest IPv6 text form is 45 bytes).
const MAX_ADDRESS: usize = 64;

/// Checks one text field: 1 to `max` bytes, no control characters.
fn field(what: &str, v: &str, max: usize) -> Result<(), String> {
    if v.is_empty() || v.len() > max || v.chars().any(char::is_control) {
        return Err(format!(
            "apiary.heartbeat: {what:?} must be 1 to {max} bytes without control characters"
        ));
    }
    Ok(())
}

/// The reported address in canonical form (IPv4-mapped IPv6 as IPv4), or `None` if it is not an IP address.
fn address(reported: Option<&str>) -> Option<String> {
    let text = reported?;
    if text.len() > MAX_ADDRESS {
        return None;
    }
    text.parse::<IpAddr>().ok().map(|ip| ip.to_canonical().to_string())
}

/// Parses and checks the one heartbeat in the payload.
pub(crate) fn normalize(ctx: &Ctx<'_>, out: &mut Out<'_>) -> Result<(), String> {
    if ctx.payload.len() > MAX_PAYLOAD {
        return Err(format!(
            "apiary.heartbeat: payload is {} bytes, more than {MAX_PAYLOAD}",
            ctx.payload.len()
        ));
    }
    let mut hb = Heartbeat::from_json(ctx.payload).map_err(|e| format!("apiary.heartbeat: not a heartbeat: {e}"))?;
    field("sensor", &hb.sensor, MAX_SENSOR)?;
    field("version", &hb.version, MAX_VERSION)?;
    if hb.honeypots.len() > MAX_LISTENERS {
        return Err(format!(
            "apiary.heartbeat: {} listeners, more than {MAX_LISTENERS}",
            hb.honeypots.len()
        ));
    }
    for l in &hb.honeypots {
        field("honeypot", &l.honeypot, MAX_HONEYPOT)?;
    }
    hb.address = address(hb.address.as_deref());
    out.heartbeats.push(hb);
    Ok(())
}

#[cfg(test)]
mod tests {
    use chrono::{DateTime, Utc};
    use event::Kind;

    use crate::normalize::{normalize, Normalized};

    fn now() -> DateTime<Utc> {
        DateTime::parse_from_rfc3339("2026-12-06T14:05:00Z")
            .unwrap()
            .with_timezone(&Utc)
    }

    fn run(payload: &[u8]) -> Normalized {
        normalize(event::CHANNEL_HEARTBEAT, "sensor-ident", payload, now())
    }

    fn reason(n: &Normalized) -> String {
        assert!(n.heartbeats.is_empty());
        assert_eq!(n.events.len(), 1);
        match &n.events[0].kind {
            Kind::Raw { reason, channel, .. } => {
                assert_eq!(channel, event::CHANNEL_HEARTBEAT);
                reason.clone()
            }
            k => panic!("expected raw, got {k:?}"),
        }
    }

    /// What `apiary sensor` 0.1 publishes (one SSH and one Telnet listener, IPv4 and IPv6).
    const REAL: &str = r#"{"sensor":"edge-fra-1","version":"0.1.0","honeypots":[{"honeypot":"apiary-ssh","addr":"0.0.0.0:22"},{"honeypot":"apiary-telnet","addr":"[::]:23"}],"started":"2026-12-06T13:59:58.123456Z","sent":"2026-12-06T14:04:58.200001Z"}"#;

    #[test]
    fn a_real_heartbeat_yields_no_event() {
        let n = run(REAL.as_bytes());
        assert!(n.events.is_empty(), "a heartbeat is not an event: {:?}", n.events);
        assert!(n.files.is_empty() && n.recordings.is_empty());
        assert_eq!(n.heartbeats.len(), 1);
        let hb = &n.heartbeats[0];
        assert_eq!(hb.sensor, "edge-fra-1");
        assert_eq!(hb.version, "0.1.0");
        assert_eq!(hb.honeypots.len(), 2);
        assert_eq!(hb.honeypots[0].honeypot, "apiary-ssh");
        assert_eq!(hb.honeypots[1].addr.to_string(), "[::]:23");
        assert_eq!(hb.started.to_rfc3339(), "2026-12-06T13:59:58.123456+00:00");
        assert_eq!(hb.address, None, "0.1.0 sensors report no address");
    }

    fn with_address(json_value: &str) -> Normalized {
        run(REAL
            .replacen('{', &format!(r#"{{"address":{json_value},"#), 1)
            .as_bytes())
    }

    #[test]
    fn a_reported_address_is_kept_when_it_is_an_ip() {
        for (sent, kept) in [
            (r#""127.0.0.1""#, "127.0.0.1"),
            (r#""192.0.2.7""#, "192.0.2.7"),
            (r#""2001:DB8:0:0::7""#, "2001:db8::7"),
            (r#""::ffff:192.0.2.7""#, "192.0.2.7"),
        ] {
            let n = with_address(sent);
            assert!(n.events.is_empty(), "{sent}: {:?}", n.events);
            assert_eq!(n.heartbeats.len(), 1);
            assert_eq!(n.heartbeats[0].address.as_deref(), Some(kept), "{sent}");
        }
    }

    #[test]
    fn a_reported_address_that_is_not_an_ip_is_ignored_not_fatal() {
        let long = format!(r#""{}""#, "1".repeat(10_000));
        for sent in [
            r#""""#,
            r#""localhost""#,
            r#""192.0.2.7:50123""#,
            r#""fe80::1%eth0""#,
            r#""<script>alert(1)</script>""#,
            r#""127.0.0.1\u0000""#,
            "null",
            long.as_str(),
        ] {
            let n = with_address(sent);
            assert!(n.events.is_empty(), "{sent}: {:?}", n.events);
            assert_eq!(n.heartbeats.len(), 1, "{sent}");
            assert_eq!(n.heartbeats[0].address, None, "{sent}");
        }
        // A non-string address is a malformed document, like any other mistyped field.
        assert!(reason(&with_address("42")).contains("not a heartbeat"));
    }

    #[test]
    fn unknown_fields_are_ignored_and_honeypots_may_be_missing() {
        let p = r#"{"future":{"nested":[1,2,3]},"sensor":"s","version":"9.9.9","started":"2026-12-06T13:00:00Z",
                    "sent":"2026-12-06T14:00:00Z","load":0.5}"#;
        let n = run(p.as_bytes());
        assert_eq!(n.heartbeats.len(), 1);
        assert!(n.heartbeats[0].honeypots.is_empty());
        assert!(n.events.is_empty());
    }

    #[test]
    fn bad_payloads_become_raw_with_the_reason() {
        assert!(reason(&run(b"")).contains("not a heartbeat"));
        assert!(reason(&run(b"\xff\xfe{")).contains("not a heartbeat"));
        assert!(reason(&run(b"[1,2]")).contains("not a heartbeat"));
        let no_version = REAL.replace(r#""version":"0.1.0","#, "");
        assert!(reason(&run(no_version.as_bytes())).contains("version"));
        let bad_addr = REAL.replace("0.0.0.0:22", "not-an-address");
        assert!(reason(&run(bad_addr.as_bytes())).contains("not a heartbeat"));
        let bad_time = REAL.replace("2026-12-06T14:04:58.200001Z", "yesterday");
        assert!(reason(&run(bad_time.as_bytes())).contains("not a heartbeat"));
        let empty_sensor = REAL.replace(r#""sensor":"edge-fra-1""#, r#""sensor":"""#);
        assert!(reason(&run(empty_sensor.as_bytes())).contains("sensor"));
        let control = REAL.replace("0.1.0", "0.1.0\\u001b[31m");
        assert!(reason(&run(control.as_bytes())).contains("version"));
        let long_version = REAL.replace("0.1.0", &"9".repeat(65));
        assert!(reason(&run(long_version.as_bytes())).contains("version"));
        let long_sensor = REAL.replace("edge-fra-1", &"s".repeat(257));
        assert!(reason(&run(long_sensor.as_bytes())).contains("sensor"));
        let bad_hp = REAL.replace("apiary-telnet", "");
        assert!(reason(&run(bad_hp.as_bytes())).contains("honeypot"));
    }

    #[test]
    fn sizes_are_capped() {
        let one = r#"{"honeypot":"apiary-ssh","addr":"127.0.0.1:22"}"#;
        let many = vec![one; super::MAX_LISTENERS + 1].join(",");
        let p = format!(
            r#"{{"sensor":"s","version":"1","honeypots":[{many}],"started":"2026-12-06T13:00:00Z","sent":"2026-12-06T14:00:00Z"}}"#
        );
        assert!(p.len() <= super::MAX_PAYLOAD);
        assert!(reason(&run(p.as_bytes())).contains("listeners"));
        let huge = format!(
            r#"{{"sensor":"s","version":"1","started":"2026-12-06T13:00:00Z","sent":"2026-12-06T14:00:00Z","pad":"{}"}}"#,
            "x".repeat(super::MAX_PAYLOAD)
        );
        let n = run(huge.as_bytes());
        assert!(reason(&n).contains("more than"));
        // The raw event keeps a capped prefix only.
        match &n.events[0].kind {
            Kind::Raw { payload, .. } => assert!(payload.len() <= crate::normalize::RAW_CAP),
            _ => unreachable!(),
        }
        // Deeply nested unknown fields are skipped without recursion: no stack overflow, no event.
        let deep = format!(
            r#"{{"sensor":"s","version":"1","started":"2026-12-06T13:00:00Z","sent":"2026-12-06T14:00:00Z","x":{}{}}}"#,
            "[".repeat(5000),
            "]".repeat(5000)
        );
        let n = run(deep.as_bytes());
        assert!(n.events.is_empty() && n.heartbeats.len() == 1);
    }

    #[test]
    fn the_same_payload_twice_is_two_heartbeats_not_events() {
        let a = run(REAL.as_bytes());
        let b = run(REAL.as_bytes());
        assert_eq!(a, b);
        assert!(a.events.is_empty());
    }
}

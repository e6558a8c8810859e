//! The sensor heartbeat: a small JSON document a sensor publishes on [`crate::CHANNEL_HEARTBEAT`] at start and then
//! every minute, so the server knows each sensor's version and listeners even while no attacker calls.
//!
//! It is not an event: the collector records it on the sensor's row and never counts it. Its JSON is a published
//! contract like the event's; readers ignore fields they do not know, so later versions may add some.

use std::net::SocketAddr;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// How often a sensor sends a heartbeat, in seconds (and once at start).
pub const HEARTBEAT_SECS: u64 = 60;

/// One heartbeat: who is alive, which version it runs, and where its honeypots listen.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Heartbeat {
    /// The sensor id, as stamped on its events.
    pub sensor: String,
    /// The Apiary version the sensor runs (`CARGO_PKG_VERSION`).
    pub version: String,
    /// The honeypots it runs, one entry per listening socket.
    #[serde(default)]
    pub honeypots: Vec<Listener>,
    /// When the sensor process started, UTC.
    pub started: DateTime<Utc>,
    /// When this heartbeat was sent, UTC (the sensor's clock).
    pub sent: DateTime<Utc>,
    /// The IP address the sensor's broker connection has on its side, as text (`192.0.2.7`, `2001:db8::7`);
    /// absent while disconnected and from sensors before this field. Self-reported: behind NAT it is the private
    /// address, and nothing stops a sensor from lying.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub address: Option<String>,
}

/// One listening socket of a honeypot.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Listener {
    /// The honeypot name, as on its events (`apiary-ssh`, `apiary-telnet`).
    pub honeypot: String,
    /// The bound address (`0.0.0.0:2222`, `[::]:23`).
    pub addr: SocketAddr,
}

impl Heartbeat {
    /// Serializes to one line of JSON, the form published on `apiary.heartbeat`.
    pub fn to_json(&self) -> String {
        // Serializing plain data with string keys cannot fail.
        serde_json::to_string(self).unwrap_or_default()
    }

    /// Parses a heartbeat from JSON, ignoring unknown fields; the caller bounds the payload's size first.
    pub fn from_json(s: &[u8]) -> Result<Heartbeat, serde_json::Error> {
        serde_json::from_slice(s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_and_ignores_unknown_fields() {
        let t = DateTime::parse_from_rfc3339("2026-12-06T14:00:00Z")
            .unwrap()
            .with_timezone(&Utc);
        let hb = Heartbeat {
            sensor: "s1".into(),
            version: "0.1.0".into(),
            honeypots: vec![Listener {
                honeypot: "apiary-ssh".into(),
                addr: "0.0.0.0:2222".parse().unwrap(),
            }],
            started: t,
            sent: t,
            address: None,
        };
        let json = hb.to_json();
        assert_eq!(
            json,
            r#"{"sensor":"s1","version":"0.1.0","honeypots":[{"honeypot":"apiary-ssh","addr":"0.0.0.0:2222"}],"started":"2026-12-06T14:00:00Z","sent":"2026-12-06T14:00:00Z"}"#
        );
        assert_eq!(Heartbeat::from_json(json.as_bytes()).unwrap(), hb);
        let extra = json.replacen('{', r#"{"future":[1,2],"#, 1);
        assert_eq!(Heartbeat::from_json(extra.as_bytes()).unwrap(), hb);
    }

    #[test]
    fn address_is_optional_both_ways() {
        let old = r#"{"sensor":"s1","version":"0.1.0","started":"2026-12-06T14:00:00Z","sent":"2026-12-06T14:00:00Z"}"#;
        let mut hb = Heartbeat::from_json(old.as_bytes()).unwrap();
        assert_eq!(hb.address, None);
        assert_eq!(
            hb.to_json(),
            r#"{"sensor":"s1","version":"0.1.0","honeypots":[],"started":"2026-12-06T14:00:00Z","sent":"2026-12-06T14:00:00Z"}"#
        );
        hb.address = Some("127.0.0.1".into());
        let json = hb.to_json();
        assert!(json.ends_with(r#","address":"127.0.0.1"}"#), "{json}");
        assert_eq!(Heartbeat::from_json(json.as_bytes()).unwrap(), hb);
    }
}

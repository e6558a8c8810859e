//! Property: whatever arrives on whatever channel, `normalize` never panics and yields at least one event.

use chrono::{DateTime, Utc};
use collector::normalize::{channels, normalize, MAX_EVENTS};
use proptest::prelude::*;

fn json_value() -> impl Strategy<Value = serde_json::Value> {
    let leaf = prop_oneof![
        Just(serde_json::Value::Null),
        any::<bool>().prop_map(serde_json::Value::from),
        any::<i64>().prop_map(serde_json::Value::from),
        any::<f64>().prop_map(serde_json::Value::from),
        ".{0,12}".prop_map(serde_json::Value::from),
        Just(serde_json::Value::from("::ffff:1.2.3.4")),
        Just(serde_json::Value::from("2026-11-28 01:44:04.283647")),
    ];
    leaf.prop_recursive(3, 32, 6, |inner| {
        let keys = prop_oneof![
            Just("peerIP".to_string()),
            Just("remote_host".to_string()),
            Just("source_ip".to_string()),
            Just("saddr".to_string()),
            Just("commands".to_string()),
            Just("credentials".to_string()),
            Just("auth_attempts".to_string()),
            Just("session_ended".to_string()),
            Just("timestamp".to_string()),
            "[a-z_]{1,8}",
        ];
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(serde_json::Value::from),
            prop::collection::btree_map(keys, inner, 0..8)
                .prop_map(|m| serde_json::Value::Object(m.into_iter().collect())),
        ]
    })
}

fn channel() -> impl Strategy<Value = String> {
    let known: Vec<String> = channels()
        .map(str::to_string)
        .chain(["unknown.x".to_string()])
        .collect();
    prop::sample::select(known)
}

fn check(channel: &str, payload: &[u8]) {
    let now: DateTime<Utc> = DateTime::from_timestamp(1_795_000_000, 0).unwrap();
    let n = normalize(channel, "prop", payload, now);
    assert!(!n.events.is_empty());
    assert!(n.events.len() <= MAX_EVENTS);
}

proptest! {
    #[test]
    fn arbitrary_bytes_never_panic(channel in channel(), payload in prop::collection::vec(any::<u8>(), 0..512)) {
        check(&channel, &payload);
    }

    #[test]
    fn arbitrary_json_never_panics(channel in channel(), value in json_value()) {
        check(&channel, value.to_string().as_bytes());
    }
}

#[test]
fn a_huge_session_is_capped_at_max_events() {
    let commands: Vec<String> = (0..20_000).map(|i| format!("echo {i}")).collect();
    let payload = serde_json::json!({
        "session": "abc", "peerIP": "::ffff:203.0.113.9", "peerPort": 1, "hostPort": 22,
        "startTime": "2026-11-28T01:40:32.487445Z", "commands": commands,
    });
    let now: DateTime<Utc> = DateTime::from_timestamp(1_795_000_000, 0).unwrap();
    let n = normalize("cowrie.sessions", "prop", payload.to_string().as_bytes(), now);
    assert_eq!(n.events.len(), MAX_EVENTS);
    assert_eq!(n.events[0].src_ip.to_string(), "203.0.113.9");
    assert!(matches!(&n.events[1].kind, event::Kind::Command { input, .. } if input == "echo 0"));
}

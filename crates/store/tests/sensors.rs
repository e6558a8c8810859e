//! Sensor heartbeats on the sensors list: a sensor heard only by heartbeat is listed with no events, a heartbeat
//! never changes event counts, totals or sessions, and an older heartbeat does not overwrite a newer one; on SQLite
//! and PostgreSQL.

mod common;

use chrono::{DateTime, Duration, TimeZone, Utc};
use event::Kind;
use store::*;

fn t0() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 12, 1, 0, 0, 0).unwrap()
}

fn start(sensor: &str, session: &str, ts: DateTime<Utc>) -> Record {
    let kind = Kind::SessionStart {
        client_version: None,
        hassh: None,
        hassh_algorithms: None,
    };
    let mut r = common::record(session, "203.0.113.7", ts, kind);
    r.event.sensor = sensor.into();
    r.event.honeypot = "apiary-ssh".into();
    r.ident = "ident-a".into();
    r
}

fn beat(sensor: &str, version: &str, received: DateTime<Utc>, address: Option<&str>) -> NewHeartbeat {
    NewHeartbeat {
        sensor: sensor.into(),
        ident: "ident-a".into(),
        version: version.into(),
        address: address.map(Into::into),
        listen: vec![
            SensorListen {
                honeypot: "apiary-ssh".into(),
                addr: "0.0.0.0:2222".into(),
            },
            SensorListen {
                honeypot: "apiary-telnet".into(),
                addr: "[::]:2323".into(),
            },
        ],
        started: Some(t0() - Duration::hours(1)),
        received,
    }
}

fn find<'a>(rows: &'a [SensorRow], id: &str) -> &'a SensorRow {
    rows.iter()
        .find(|r| r.id == id)
        .unwrap_or_else(|| panic!("{id} not listed"))
}

async fn suite(s: Store) {
    let all = TimeRange {
        from: t0() - Duration::days(1),
        to: t0() + Duration::days(1),
    };
    // An event-sending sensor, then heartbeats for it and for a quiet one.
    s.insert(&Batch {
        records: vec![
            start("busy", "a1", t0()),
            start("busy", "a2", t0() + Duration::seconds(5)),
        ],
        blobs: Vec::new(),
    })
    .await
    .unwrap();
    let before = s.totals(all).await.unwrap();
    s.put_heartbeat(&beat(
        "busy",
        "0.2.0",
        t0() + Duration::seconds(30),
        Some("198.51.100.4"),
    ))
    .await
    .unwrap();
    s.put_heartbeat(&beat("quiet", "0.2.0", t0() + Duration::seconds(40), None))
        .await
        .unwrap();

    let rows = s.sensors().await.unwrap();
    let busy = find(&rows, "busy");
    assert_eq!(busy.events, 2);
    assert_eq!(busy.first_seen, t0());
    assert_eq!(busy.last_seen, t0() + Duration::seconds(5));
    assert_eq!(busy.version.as_deref(), Some("0.2.0"));
    assert_eq!(busy.address.as_deref(), Some("198.51.100.4"));
    assert_eq!(busy.heartbeat, Some(t0() + Duration::seconds(30)));
    assert_eq!(busy.started, Some(t0() - Duration::hours(1)));
    assert_eq!(busy.listen.len(), 2);
    assert_eq!(busy.listen[1].addr, "[::]:2323");
    let quiet = find(&rows, "quiet");
    assert_eq!(quiet.events, 0);
    assert_eq!(quiet.ident.as_deref(), Some("ident-a"));
    assert_eq!(quiet.version.as_deref(), Some("0.2.0"));
    assert_eq!(quiet.address, None);
    assert_eq!(quiet.heartbeat, Some(t0() + Duration::seconds(40)));
    assert_eq!(quiet.first_seen, t0() + Duration::seconds(40));

    // Heartbeats are not events: totals and sessions are unchanged.
    assert_eq!(s.totals(all).await.unwrap(), before);
    let sessions = s
        .sessions(
            &SessionFilter::default(),
            &Page {
                after: None,
                limit: 100,
            },
        )
        .await
        .unwrap();
    assert_eq!(sessions.items.len(), 2);

    // A newer heartbeat replaces the version; an unknown address keeps the known one.
    s.put_heartbeat(&beat("busy", "0.3.0", t0() + Duration::seconds(90), None))
        .await
        .unwrap();
    // A stale one (a spool replayed out of order) changes nothing.
    s.put_heartbeat(&beat("busy", "0.1.0", t0() + Duration::seconds(60), Some("192.0.2.1")))
        .await
        .unwrap();
    let rows = s.sensors().await.unwrap();
    let busy = find(&rows, "busy");
    assert_eq!(busy.version.as_deref(), Some("0.3.0"));
    assert_eq!(busy.address.as_deref(), Some("198.51.100.4"));
    assert_eq!(busy.heartbeat, Some(t0() + Duration::seconds(90)));
    assert_eq!(busy.events, 2);

    // Events after heartbeats still count, and keep the heartbeat fields.
    s.insert(&Batch {
        records: vec![start("quiet", "q1", t0() + Duration::seconds(100))],
        blobs: Vec::new(),
    })
    .await
    .unwrap();
    let rows = s.sensors().await.unwrap();
    let quiet = find(&rows, "quiet");
    assert_eq!(quiet.events, 1);
    assert_eq!(quiet.last_seen, t0() + Duration::seconds(100));
    assert_eq!(
        quiet.first_seen,
        t0() + Duration::seconds(100),
        "first and last seen are events' times"
    );
    // Events older than the heartbeat that listed the sensor (a spool delivered late): still the events' times.
    s.put_heartbeat(&beat("late", "0.2.0", t0() + Duration::seconds(200), None))
        .await
        .unwrap();
    s.insert(&Batch {
        records: vec![start("late", "l1", t0() + Duration::seconds(10))],
        blobs: Vec::new(),
    })
    .await
    .unwrap();
    let rows = s.sensors().await.unwrap();
    let late = find(&rows, "late");
    assert_eq!(
        (late.first_seen, late.last_seen),
        (t0() + Duration::seconds(10), t0() + Duration::seconds(10))
    );
    assert_eq!(quiet.version.as_deref(), Some("0.2.0"));
    assert_eq!(quiet.heartbeat, Some(t0() + Duration::seconds(40)));

    assert!(matches!(
        s.put_heartbeat(&beat("", "0.2.0", t0(), None)).await,
        Err(StoreError::Invalid(_))
    ));
}

#[tokio::test]
async fn sqlite_heartbeats_list_sensors_without_counting() {
    let (s, _dir) = common::sqlite_store().await;
    suite(s).await;
}

#[tokio::test]
async fn postgres_heartbeats_list_sensors_without_counting() {
    let Some((s, _dir, db)) = common::postgres_store("apiary_sensors").await else {
        return;
    };
    suite(s).await;
    db.drop_now().await;
}

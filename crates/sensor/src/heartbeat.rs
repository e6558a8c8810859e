//! The heartbeat task: publishes an [`event::heartbeat::Heartbeat`] on `apiary.heartbeat` at start and every
//! [`event::heartbeat::HEARTBEAT_SECS`], so the server shows this sensor's version and listeners even when no
//! attacker calls. With no server configured there is nowhere to send it, and no task runs. Each heartbeat carries
//! the IP of the broker connection's local end at the time it is queued (none while disconnected).

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};
use event::heartbeat::{Heartbeat, Listener, HEARTBEAT_SECS};
use hpfeeds::client::Status;

/// Builds the heartbeat document for this sensor as of `sent`; `local` is its broker connection's local address
/// (only the IP goes out).
pub fn document(
    sensor: &str,
    honeypots: &[Listener],
    started: DateTime<Utc>,
    sent: DateTime<Utc>,
    local: Option<SocketAddr>,
) -> Heartbeat {
    Heartbeat {
        sensor: sensor.to_owned(),
        version: env!("CARGO_PKG_VERSION").to_owned(),
        honeypots: honeypots.to_vec(),
        started,
        sent,
        address: local.map(|a| a.ip().to_canonical().to_string()),
    }
}

/// Publishes a heartbeat now, every [`HEARTBEAT_SECS`], and each time the broker connection comes up (so the
/// reported address is known at once, and current after a reconnect) until aborted; publish errors are logged,
/// never fatal.
pub async fn run(client: Arc<hpfeeds::client::Client>, sensor: String, honeypots: Vec<Listener>) {
    let started = event::Event::now();
    let mut tick = tokio::time::interval(Duration::from_secs(HEARTBEAT_SECS));
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let mut status = Some(client.watch_status());
    let mut refused = false;
    loop {
        let connected = async {
            match status.as_mut() {
                Some(rx) => rx
                    .changed()
                    .await
                    .map(|()| matches!(*rx.borrow_and_update(), Status::Connected)),
                None => std::future::pending().await,
            }
        };
        tokio::select! {
            _ = tick.tick() => {}
            changed = connected => match changed {
                Ok(true) => {}
                Ok(false) => continue,
                // The client is gone; keep to the timer.
                Err(_) => {
                    status = None;
                    continue;
                }
            },
        }
        let hb = document(&sensor, &honeypots, started, event::Event::now(), client.local_addr());
        match client
            .publish(event::CHANNEL_HEARTBEAT, hb.to_json().into_bytes())
            .await
        {
            Ok(()) => {}
            // Said once: an ident made before heartbeats were sent may lack the channel.
            Err(hpfeeds::client::ClientError::Rejected { .. }) => {
                if !refused {
                    refused = true;
                    tracing::warn!(
                        "the server refuses apiary.heartbeat from this sensor's ident; the dashboard will not show \
                         this sensor's version until the ident may publish on that channel"
                    );
                }
            }
            Err(err) => tracing::warn!(%err, "cannot queue a heartbeat for the server"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn document_carries_the_crate_version_and_listeners() {
        let l = vec![Listener {
            honeypot: "apiary-ssh".into(),
            addr: "127.0.0.1:2222".parse().unwrap(),
        }];
        let t = Utc::now();
        let hb = document("s1", &l, t, t, None);
        assert_eq!(hb.version, env!("CARGO_PKG_VERSION"));
        assert_eq!(hb.sensor, "s1");
        assert_eq!(hb.honeypots, l);
        assert_eq!(hb.address, None);
        let back = Heartbeat::from_json(hb.to_json().as_bytes()).unwrap();
        assert_eq!(back.honeypots, l);
    }

    #[test]
    fn document_reports_the_connection_ip_without_the_port() {
        let t = Utc::now();
        let hb = document("s1", &[], t, t, Some("127.0.0.1:50123".parse().unwrap()));
        assert_eq!(hb.address.as_deref(), Some("127.0.0.1"));
        let hb = document("s1", &[], t, t, Some("[::ffff:192.0.2.7]:50123".parse().unwrap()));
        assert_eq!(hb.address.as_deref(), Some("192.0.2.7"), "v4-mapped shown as IPv4");
        let hb = document("s1", &[], t, t, Some("[2001:db8::7]:50123".parse().unwrap()));
        assert_eq!(hb.address.as_deref(), Some("2001:db8::7"));
    }
}

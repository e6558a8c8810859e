//! The Telnet honeypot: option negotiation as Debian's BusyBox telnetd does it, `login:` and `Password:` prompts
//! with `login`'s messages and delays, then the same fake shell as SSH.
//!
//! - `negotiate.rs`: the Telnet option state machine (pure, fuzzed).
//! - `session.rs`: one connection's login dialogue and shell.

pub mod negotiate;
mod session;

use std::sync::Arc;

use tokio::net::TcpListener;

use crate::Shared;

/// Accepts connections until the listener fails; each runs in its own task within the sensor's limits.
pub async fn serve(listener: TcpListener, shared: Arc<Shared>) {
    loop {
        let (stream, peer) = match listener.accept().await {
            Ok(x) => x,
            Err(e) => {
                tracing::warn!(error = %e, "telnet accept failed");
                tokio::time::sleep(std::time::Duration::from_millis(100)).await;
                continue;
            }
        };
        let Some(admission) = shared.limits.admit(peer.ip()) else {
            drop(stream);
            continue;
        };
        let _ = stream.set_nodelay(true);
        let local = stream.local_addr().unwrap_or(peer);
        tokio::spawn(session::run(stream, peer, local, shared.clone(), admission));
    }
}

//! The client's error type: one variant per thing a caller can act on, each saying what went wrong and what to do.
//!
//! It is `Clone` (OS errors are shared behind `Arc`) because the same error is both reported to the caller that
//! waits for a connection and kept in [`super::Status`] for anyone who looks later.

use std::io;
use std::sync::Arc;
use std::time::Duration;

use super::spool::SpoolError;
use crate::wire::WireError;

/// Why a client operation or connection attempt failed.
#[derive(Debug, Clone, thiserror::Error)]
pub enum ClientError {
    /// The configuration cannot work; nothing was started.
    #[error("invalid client configuration: {0}")]
    Config(String),
    /// TLS could not be set up or the handshake failed.
    #[error("TLS: {0}")]
    Tls(String),
    /// The TCP connection could not be made.
    #[error("cannot connect to {addr}: {source}; is the broker running and reachable?")]
    Connect {
        /// The address dialled.
        addr: String,
        /// The OS error.
        source: Arc<io::Error>,
    },
    /// A connection step took too long.
    #[error("{stage} with {addr} timed out after {after:?}; the broker may be overloaded or a firewall drops packets")]
    Timeout {
        /// The address dialled.
        addr: String,
        /// Which step: connect, TLS handshake, broker greeting.
        stage: &'static str,
        /// The limit that expired.
        after: Duration,
    },
    /// The peer did not greet like an hpfeeds broker.
    #[error("{addr} did not greet like an hpfeeds broker: {reason}; check host, port and whether TLS is required")]
    Handshake {
        /// The address dialled.
        addr: String,
        /// What was wrong.
        reason: String,
    },
    /// The broker refused our ident or secret. Retried with growing backoff, since the broker may reload its keys.
    #[error("broker refused authentication: {message:?}; check the ident and secret")]
    AuthFailed {
        /// The broker's text, verbatim.
        message: String,
    },
    /// The broker refused to let this ident publish on a channel; further publishes to it fail fast.
    #[error("broker refused publishing on {channel:?}: {message:?}; add the channel to this ident's pubchans")]
    Rejected {
        /// The channel.
        channel: String,
        /// The broker's text.
        message: String,
    },
    /// The broker refused a subscription; the channel was dropped from the subscription list.
    #[error("broker refused subscribing to {channel:?}: {message:?}; add the channel to this ident's subchans")]
    SubscribeRejected {
        /// The channel.
        channel: String,
        /// The broker's text.
        message: String,
    },
    /// The broker sent another ERROR frame and closed the connection.
    #[error("broker error: {message:?}")]
    Broker {
        /// The broker's text.
        message: String,
    },
    /// The connection broke; the client reconnects by itself.
    #[error("connection lost: {0}; reconnecting")]
    ConnectionLost(String),
    /// The broker did not acknowledge written data for too long; the connection was dropped and will be redialled.
    #[error("broker acknowledged nothing for {0:?}; dropped the connection as dead")]
    Stalled(Duration),
    /// A message could not be encoded (ident or channel over 255 bytes, frame above `max_frame`). Not retried.
    #[error("message cannot be sent: {0}")]
    Frame(#[from] WireError),
    /// The spool is at its size cap; this message was dropped and counted in `Stats::dropped`.
    #[error("spool full ({pending} of {max} bytes pending); message dropped — raise the spool's max_bytes or restore the broker")]
    SpoolFull {
        /// Bytes pending.
        pending: u64,
        /// The cap.
        max: u64,
    },
    /// The on-disk spool failed.
    #[error("{0}")]
    Spool(Arc<SpoolError>),
    /// The client was closed; create a new one.
    #[error("client is closed")]
    Closed,
    /// `close` finished with messages still undelivered (with a spool they stay on disk for the next start).
    #[error("{pending} messages not confirmed by the broker at close{}", last_error.as_ref().map(|e| format!(" (last error: {e})")).unwrap_or_default())]
    Undelivered {
        /// Messages not confirmed.
        pending: u64,
        /// Why, if known.
        last_error: Option<Box<ClientError>>,
    },
}

impl From<SpoolError> for ClientError {
    fn from(e: SpoolError) -> Self {
        match e {
            SpoolError::Full { pending, max, .. } => ClientError::SpoolFull { pending, max },
            other => ClientError::Spool(Arc::new(other)),
        }
    }
}

/// Text the reference broker (and ours) sends when the ident or secret is wrong.
const AUTH_FAILED_PREFIX: &str = "Authentication failed";
/// Marker of the reference broker's publish-permission error.
const PUB_DENIED: &str = "not allowed to pub";
/// Marker of the reference broker's subscribe-permission error.
const SUB_DENIED: &str = "not allowed to sub";
/// The reference broker names the channel last, after this.
const CHAN_FIELD: &str = ", chan=";

impl ClientError {
    /// Classifies the text of a broker ERROR frame, so a wrong secret or a missing permission is told apart.
    pub(crate) fn from_broker(message: String) -> ClientError {
        let channel = || {
            message
                .rfind(CHAN_FIELD)
                .map(|i| message[i + CHAN_FIELD.len()..].to_string())
        };
        if message.starts_with(AUTH_FAILED_PREFIX) {
            ClientError::AuthFailed { message }
        } else if message.contains(PUB_DENIED) {
            match channel() {
                Some(channel) => ClientError::Rejected { channel, message },
                None => ClientError::Broker { message },
            }
        } else if message.contains(SUB_DENIED) {
            match channel() {
                Some(channel) => ClientError::SubscribeRejected { channel, message },
                None => ClientError::Broker { message },
            }
        } else {
            ClientError::Broker { message }
        }
    }

    /// The broker's own words, when this error came from an ERROR frame.
    pub fn broker_message(&self) -> Option<&str> {
        match self {
            ClientError::AuthFailed { message }
            | ClientError::Rejected { message, .. }
            | ClientError::SubscribeRejected { message, .. }
            | ClientError::Broker { message } => Some(message),
            ClientError::Undelivered {
                last_error: Some(e), ..
            } => e.broker_message(),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reference_broker_texts_are_classified() {
        let e = ClientError::from_broker("Authentication failed for sensor1".into());
        assert!(matches!(e, ClientError::AuthFailed { .. }));
        let e = ClientError::from_broker("Authkey not allowed to pub here. ident=s1, chan=a.b, c".into());
        match e {
            ClientError::Rejected { channel, .. } => assert_eq!(channel, "a.b, c"),
            other => panic!("{other:?}"),
        }
        let e = ClientError::from_broker("Authkey not allowed to sub here. ident=s1, chan=x".into());
        assert!(matches!(e, ClientError::SubscribeRejected { channel, .. } if channel == "x"));
        let e = ClientError::from_broker("Backpressure deadline timer expired".into());
        assert_eq!(e.broker_message(), Some("Backpressure deadline timer expired"));
    }
}

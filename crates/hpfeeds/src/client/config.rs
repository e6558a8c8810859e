//! The client's configuration: the user contract, with every default, unit and risk stated on its field.

use std::fmt;
use std::path::PathBuf;
use std::time::Duration;

use super::error::ClientError;
use super::spool::SpoolConfig;
use crate::wire::{DEFAULT_MAX_FRAME, HEADER_LEN, MAX_PREFIXED};

/// Default first reconnect delay: quick enough that a broker restart costs well under a second.
pub const DEFAULT_RECONNECT_MIN: Duration = Duration::from_millis(100);

/// Default longest reconnect delay: a broker that is down for hours is retried twice a minute.
pub const DEFAULT_RECONNECT_MAX: Duration = Duration::from_secs(30);

/// Default length of the receive queue and of the in-memory send queue (messages).
pub const DEFAULT_QUEUE_LEN: usize = 1024;

/// Default time a connection must stay up after the broker's TCP acknowledged data before that data is
/// taken as delivered (see "Delivery guarantee" in `client/mod.rs`).
pub const DEFAULT_CONFIRM_DELAY: Duration = Duration::from_millis(250);

/// Default limit for each of: TCP connect, TLS handshake, the broker's greeting.
pub const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

/// Default time the broker may leave written data unacknowledged before the connection is declared dead.
pub const DEFAULT_STALL_TIMEOUT: Duration = Duration::from_secs(60);

/// Default time `close` spends sending what is queued and waiting for the broker to confirm it.
pub const DEFAULT_CLOSE_TIMEOUT: Duration = Duration::from_secs(5);

/// CA bundle used when TLS is on and no `ca_file` is given (Debian, Ubuntu, Alpine and Arch put it here).
pub const DEFAULT_CA_BUNDLE: &str = "/etc/ssl/certs/ca-certificates.crt";

/// TLS settings for brokers that listen with TLS.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TlsConfig {
    /// PEM file with the CA certificate(s) to trust. `None`: [`DEFAULT_CA_BUNDLE`]. For a self-signed broker, point
    /// this at the broker's certificate or its CA; never disable verification instead.
    pub ca_file: Option<PathBuf>,
    /// Name to verify the broker's certificate against. `None`: the host part of `addr`. Set it when dialling by IP
    /// address a broker whose certificate names a host.
    pub server_name: Option<String>,
}

/// Everything a [`super::Client`] needs. Build with [`ClientConfig::new`] and override fields as needed.
#[derive(Clone, PartialEq, Eq)]
pub struct ClientConfig {
    /// Broker address, `host:port`. Resolved again at every connection attempt, so DNS changes are followed.
    pub addr: String,
    /// The ident (user name) to authenticate as; at most 255 bytes.
    pub ident: String,
    /// The ident's secret. Never logged; `Debug` prints it redacted.
    pub secret: String,
    /// TLS settings; `None` (the default) speaks plain TCP, as the reference broker does by default.
    pub tls: Option<TlsConfig>,
    /// On-disk spool. `None` (the default): publishes wait in memory (at most `queue_len`, `publish` waits when
    /// full) and are lost if the process exits. With a spool, every publish is on disk before `publish` returns.
    pub spool: Option<SpoolConfig>,
    /// First reconnect delay. Default [`DEFAULT_RECONNECT_MIN`]; it doubles per failed attempt, with jitter.
    pub reconnect_min: Duration,
    /// Longest reconnect delay. Default [`DEFAULT_RECONNECT_MAX`].
    pub reconnect_max: Duration,
    /// Largest frame sent or accepted, header included. Default: the reference's 1 MiB + 5 bytes.
    pub max_frame: usize,
    /// Capacity of the receive queue (messages); when full, the client stops reading the socket (backpressure,
    /// never drops). The reference broker disconnects a subscriber that stays blocked for 60 s. Also the capacity
    /// of the in-memory send queue when there is no spool. Default [`DEFAULT_QUEUE_LEN`].
    pub queue_len: usize,
    /// How long a connection must survive after the broker's TCP acknowledged data before that data is deleted
    /// from the queue. Default [`DEFAULT_CONFIRM_DELAY`]. Larger is safer against broker crashes; the spool must
    /// hold `publish rate × confirm_delay` in addition to any backlog.
    pub confirm_delay: Duration,
    /// Limit for each of TCP connect, TLS handshake and the broker's greeting. Default [`DEFAULT_CONNECT_TIMEOUT`].
    pub connect_timeout: Duration,
    /// How long written data may stay unacknowledged before the connection is dropped as dead.
    /// Default [`DEFAULT_STALL_TIMEOUT`].
    pub stall_timeout: Duration,
    /// How long `close` may take to send and confirm what is queued. Default [`DEFAULT_CLOSE_TIMEOUT`].
    pub close_timeout: Duration,
}

impl fmt::Debug for ClientConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ClientConfig")
            .field("addr", &self.addr)
            .field("ident", &self.ident)
            .field("secret", &"<redacted>")
            .field("tls", &self.tls)
            .field("spool", &self.spool)
            .field("reconnect_min", &self.reconnect_min)
            .field("reconnect_max", &self.reconnect_max)
            .field("max_frame", &self.max_frame)
            .field("queue_len", &self.queue_len)
            .field("confirm_delay", &self.confirm_delay)
            .field("connect_timeout", &self.connect_timeout)
            .field("stall_timeout", &self.stall_timeout)
            .field("close_timeout", &self.close_timeout)
            .finish()
    }
}

impl ClientConfig {
    /// A plain-TCP configuration without spool and with every default.
    pub fn new(addr: impl Into<String>, ident: impl Into<String>, secret: impl Into<String>) -> Self {
        ClientConfig {
            addr: addr.into(),
            ident: ident.into(),
            secret: secret.into(),
            tls: None,
            spool: None,
            reconnect_min: DEFAULT_RECONNECT_MIN,
            reconnect_max: DEFAULT_RECONNECT_MAX,
            max_frame: DEFAULT_MAX_FRAME,
            queue_len: DEFAULT_QUEUE_LEN,
            confirm_delay: DEFAULT_CONFIRM_DELAY,
            connect_timeout: DEFAULT_CONNECT_TIMEOUT,
            stall_timeout: DEFAULT_STALL_TIMEOUT,
            close_timeout: DEFAULT_CLOSE_TIMEOUT,
        }
    }

    /// Rejects settings that cannot work, before anything is started.
    pub(crate) fn validate(&self) -> Result<(), ClientError> {
        let bad = |m: String| Err(ClientError::Config(m));
        if self.ident.is_empty() || self.ident.len() > MAX_PREFIXED {
            return bad(format!(
                "ident must be 1 to {MAX_PREFIXED} bytes, got {}",
                self.ident.len()
            ));
        }
        if self.reconnect_min.is_zero() || self.reconnect_min > self.reconnect_max {
            return bad(format!(
                "reconnect_min ({:?}) must be above zero and at most reconnect_max ({:?})",
                self.reconnect_min, self.reconnect_max
            ));
        }
        if self.queue_len == 0 {
            return bad("queue_len must be at least 1".into());
        }
        let smallest = HEADER_LEN + 2 + self.ident.len() + 1;
        if self.max_frame < smallest {
            return bad(format!(
                "max_frame {} cannot hold a one-byte message for this ident; use at least {smallest}",
                self.max_frame
            ));
        }
        if self.connect_timeout.is_zero() || self.stall_timeout.is_zero() {
            return bad("connect_timeout and stall_timeout must be above zero".into());
        }
        if let Some(spool) = &self.spool {
            if spool.max_bytes == 0 || spool.segment_bytes == 0 {
                return bad("spool max_bytes and segment_bytes must be above zero".into());
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_never_shows_the_secret() {
        let c = ClientConfig::new("127.0.0.1:10000", "id", "hunter2");
        assert!(!format!("{c:?}").contains("hunter2"));
    }

    #[test]
    fn impossible_settings_are_refused() {
        let ok = ClientConfig::new("h:1", "id", "s");
        assert!(ok.validate().is_ok());
        for c in [
            ClientConfig {
                ident: "x".repeat(256),
                ..ok.clone()
            },
            ClientConfig {
                reconnect_min: Duration::from_secs(60),
                ..ok.clone()
            },
            ClientConfig {
                queue_len: 0,
                ..ok.clone()
            },
            ClientConfig {
                max_frame: 8,
                ..ok.clone()
            },
        ] {
            assert!(matches!(c.validate(), Err(ClientError::Config(_))), "{c:?}");
        }
    }
}

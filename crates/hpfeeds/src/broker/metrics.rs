//! The broker's Prometheus metrics, in the text exposition format.
//!
//! Labels are typed enums or channel names, and a channel is counted only after the ACL allowed it, so label
//! cardinality is bounded by the idents file. No client address or unauthenticated ident ever becomes a label:
//! an attacker must not be able to grow the registry. Hot-path counters are cloned into connection-local caches
//! so a publish never builds a label set.

use prometheus_client::encoding::{EncodeLabelSet, EncodeLabelValue, LabelValueEncoder};
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::registry::Registry;

/// Which kind of listener accepted a connection.
#[derive(Debug, Clone, Copy, Hash, PartialEq, Eq)]
pub enum ListenerKind {
    /// Plain TCP.
    Tcp,
    /// TLS over TCP.
    Tls,
}

/// Why a connection did not authenticate.
#[derive(Debug, Clone, Copy, Hash, PartialEq, Eq)]
pub enum AuthFailure {
    /// No AUTH (or no TLS handshake) within the auth timeout.
    Timeout,
    /// The first frame was not AUTH.
    NotAuth,
    /// The ident is not in the store.
    UnknownIdent,
    /// The digest did not match the secret.
    BadSecret,
    /// The store failed to answer.
    StoreError,
    /// The source address had too many recent failures.
    Throttled,
    /// The peer sent bytes that are not hpfeeds, or the TLS handshake failed.
    Protocol,
    /// The peer closed before authenticating.
    Closed,
}

/// Why an authenticated connection ended.
#[derive(Debug, Clone, Copy, Hash, PartialEq, Eq)]
pub enum Disconnect {
    /// The client closed its side.
    ClientClosed,
    /// The client sent bytes that are not hpfeeds (bad length, unknown opcode, a frame a client must not send).
    Protocol,
    /// The socket failed.
    Io,
    /// A PUBLISH carried another ident than the authenticated one.
    SpoofedIdent,
    /// A PUBLISH on a channel the ident may not publish to.
    PublishDenied,
    /// A SUBSCRIBE to a channel the ident may not read.
    SubscribeDenied,
    /// The subscriber made no progress within the subscriber deadline.
    SlowSubscriber,
    /// The broker is shutting down.
    Shutdown,
}

/// Why a message was not delivered to one subscriber.
#[derive(Debug, Clone, Copy, Hash, PartialEq, Eq)]
pub enum DropReason {
    /// The subscriber disconnected while the message was on its way.
    SubscriberGone,
    /// The subscriber was disconnected for making no progress; its queued messages were freed.
    SubscriberEvicted,
}

/// Implements `EncodeLabelValue` with snake_case values, the Prometheus convention (the derive keeps CamelCase).
macro_rules! snake_label {
    ($t:ty { $($v:ident => $s:literal),+ $(,)? }) => {
        impl EncodeLabelValue for $t {
            fn encode(&self, encoder: &mut LabelValueEncoder) -> Result<(), std::fmt::Error> {
                use std::fmt::Write;
                encoder.write_str(match self { $(Self::$v => $s),+ })
            }
        }
    };
}

snake_label!(ListenerKind { Tcp => "tcp", Tls => "tls" });
snake_label!(AuthFailure {
    Timeout => "timeout",
    NotAuth => "not_auth",
    UnknownIdent => "unknown_ident",
    BadSecret => "bad_secret",
    StoreError => "store_error",
    Throttled => "throttled",
    Protocol => "protocol",
    Closed => "closed",
});
snake_label!(Disconnect {
    ClientClosed => "client_closed",
    Protocol => "protocol",
    Io => "io",
    SpoofedIdent => "spoofed_ident",
    PublishDenied => "publish_denied",
    SubscribeDenied => "subscribe_denied",
    SlowSubscriber => "slow_subscriber",
    Shutdown => "shutdown",
});
snake_label!(DropReason { SubscriberGone => "subscriber_gone", SubscriberEvicted => "subscriber_evicted" });

/// Label set for auth failures.
#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct AuthFailureLabel {
    /// Why.
    pub reason: AuthFailure,
}

/// Label set for disconnects.
#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct DisconnectLabel {
    /// Why.
    pub reason: Disconnect,
}

/// Label set for dropped messages.
#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct DropLabel {
    /// Why.
    pub reason: DropReason,
}

/// Label set naming a listener kind.
#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct ListenerLabel {
    /// tcp or tls.
    pub listener: ListenerKind,
}

/// Label set naming a channel (only channels an ACL allowed).
#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct ChannelLabel {
    /// The channel name, lossily decoded.
    pub channel: String,
}

/// Per-channel counters, cloned once per connection and channel so the hot path only does atomic adds.
#[derive(Debug, Clone)]
pub(crate) struct ChannelCounters {
    /// Publishes accepted on the channel.
    pub received: Counter,
    /// Copies handed to subscribers' queues.
    pub delivered: Counter,
}

/// Every metric the broker keeps, and the registry that renders them.
#[derive(Debug)]
pub(crate) struct Metrics {
    /// The registry every metric below is registered in (help texts live there).
    registry: Registry,
    /// `hpfeeds_connections_open`: sockets being served, authenticated or not.
    pub connections_open: Gauge,
    /// `hpfeeds_connections_accepted_total{listener}`.
    pub connections_accepted: Family<ListenerLabel, Counter>,
    /// `hpfeeds_connections_refused_total`: closed at once over the cap.
    pub connections_refused: Counter,
    /// `hpfeeds_authenticated_connections`.
    pub authenticated: Gauge,
    /// `hpfeeds_auth_failures_total{reason}`.
    pub auth_failures: Family<AuthFailureLabel, Counter>,
    /// `hpfeeds_disconnects_total{reason}`: authenticated connections that ended.
    pub disconnects: Family<DisconnectLabel, Counter>,
    /// `hpfeeds_publishes_received_total{channel}`.
    pub publishes_received: Family<ChannelLabel, Counter>,
    /// `hpfeeds_deliveries_total{channel}`: copies queued to subscribers.
    pub deliveries: Family<ChannelLabel, Counter>,
    /// `hpfeeds_received_bytes_total`.
    pub bytes_received: Counter,
    /// `hpfeeds_sent_bytes_total`.
    pub bytes_sent: Counter,
    /// `hpfeeds_messages_dropped_total{reason}`.
    pub dropped: Family<DropLabel, Counter>,
    /// `hpfeeds_slow_subscriber_disconnects_total`.
    pub evictions: Counter,
    /// `hpfeeds_subscriptions`, refreshed at scrape time.
    pub subscriptions: Gauge,
    /// `hpfeeds_subscriber_queue_bytes`, refreshed at scrape time.
    pub queue_bytes: Gauge,
    /// `hpfeeds_subscriber_queue_bytes_max`, refreshed at scrape time.
    pub queue_bytes_max: Gauge,
}

impl Metrics {
    /// Creates and registers every metric under the `hpfeeds_` prefix.
    pub(crate) fn new() -> Metrics {
        let mut registry = Registry::with_prefix("hpfeeds");
        let m = Metrics {
            registry: Registry::default(),
            connections_open: Gauge::default(),
            connections_accepted: Family::default(),
            connections_refused: Counter::default(),
            authenticated: Gauge::default(),
            auth_failures: Family::default(),
            disconnects: Family::default(),
            publishes_received: Family::default(),
            deliveries: Family::default(),
            bytes_received: Counter::default(),
            bytes_sent: Counter::default(),
            dropped: Family::default(),
            evictions: Counter::default(),
            subscriptions: Gauge::default(),
            queue_bytes: Gauge::default(),
            queue_bytes_max: Gauge::default(),
        };
        let r = &mut registry;
        r.register(
            "connections_open",
            "Connections currently open",
            m.connections_open.clone(),
        );
        r.register(
            "connections_accepted",
            "Connections accepted",
            m.connections_accepted.clone(),
        );
        r.register(
            "connections_refused",
            "Connections closed at once because the connection cap was reached",
            m.connections_refused.clone(),
        );
        r.register(
            "authenticated_connections",
            "Connections currently authenticated",
            m.authenticated.clone(),
        );
        r.register(
            "auth_failures",
            "Connections that failed to authenticate",
            m.auth_failures.clone(),
        );
        r.register(
            "disconnects",
            "Authenticated connections that ended",
            m.disconnects.clone(),
        );
        r.register(
            "publishes_received",
            "PUBLISH frames accepted",
            m.publishes_received.clone(),
        );
        r.register(
            "deliveries",
            "PUBLISH frames queued to subscribers",
            m.deliveries.clone(),
        );
        r.register("received_bytes", "Bytes read from clients", m.bytes_received.clone());
        r.register("sent_bytes", "Bytes written to clients", m.bytes_sent.clone());
        r.register(
            "messages_dropped",
            "Messages not delivered to a subscriber",
            m.dropped.clone(),
        );
        r.register(
            "slow_subscriber_disconnects",
            "Subscribers disconnected for making no progress within the deadline",
            m.evictions.clone(),
        );
        r.register(
            "subscriptions",
            "Channel subscriptions currently held",
            m.subscriptions.clone(),
        );
        r.register(
            "subscriber_queue_bytes",
            "Bytes waiting in all subscriber queues",
            m.queue_bytes.clone(),
        );
        r.register(
            "subscriber_queue_bytes_max",
            "Bytes waiting in the fullest subscriber queue",
            m.queue_bytes_max.clone(),
        );
        Metrics { registry, ..m }
    }

    /// The registry, so an ident store can add its own metrics while the broker is built.
    pub(crate) fn registry_mut(&mut self) -> &mut Registry {
        &mut self.registry
    }

    /// The counters for one (allowed) channel.
    pub(crate) fn channel(&self, channel: &[u8]) -> ChannelCounters {
        let label = ChannelLabel {
            channel: String::from_utf8_lossy(channel).into_owned(),
        };
        ChannelCounters {
            received: self.publishes_received.get_or_create_owned(&label),
            delivered: self.deliveries.get_or_create_owned(&label),
        }
    }

    /// Counts one failed authentication.
    pub(crate) fn auth_failed(&self, reason: AuthFailure) {
        self.auth_failures.get_or_create(&AuthFailureLabel { reason }).inc();
    }

    /// Counts one ended authenticated connection.
    pub(crate) fn disconnected(&self, reason: Disconnect) {
        self.disconnects.get_or_create(&DisconnectLabel { reason }).inc();
    }

    /// Counts `n` undelivered messages.
    pub(crate) fn dropped(&self, reason: DropReason, n: u64) {
        if n > 0 {
            self.dropped.get_or_create(&DropLabel { reason }).inc_by(n);
        }
    }

    /// Renders the text exposition (OpenMetrics text, which Prometheus scrapes).
    pub(crate) fn render(&self) -> String {
        let mut out = String::new();
        // Writing to a String cannot fail.
        let _ = prometheus_client::encoding::text::encode(&mut out, &self.registry);
        out
    }
}

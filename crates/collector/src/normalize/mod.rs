//! Normalizers: one file per foreign hpfeeds feed, each turning one message into Apiary [`Event`]s.
//!
//! [`normalize`] is the one entry point. It looks the channel up in [`TABLE`] (like a command table) and runs that
//! feed's normalizer. It never panics and never fails: a channel no normalizer knows, or a payload that fails to
//! parse, becomes one `raw` event that keeps the payload and says why.

mod apiary_events;
mod apiary_files;
mod apiary_heartbeat;
mod apiary_ttylog;
mod build;
mod conpot;
mod cowrie_json;
mod cowrie_sessions;
mod dionaea_capture;
mod dionaea_connections;
mod heralding;
mod http_feeds;
pub mod id;
mod ids;
mod mwbinary;
mod p0f;
mod parse;
mod wordpot;

use std::net::{IpAddr, Ipv4Addr};

use chrono::{DateTime, SubsecRound, Utc};
use event::{Event, Kind};

pub use apiary_ttylog::RecordingBytes;
use build::{Ctx, Out};

/// At most this many events come out of one message, whatever the payload claims.
pub const MAX_EVENTS: usize = 10_000;
/// A `raw` event keeps at most this many bytes of the payload.
pub const RAW_CAP: usize = 64 * 1024;

/// What one hpfeeds message became.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Normalized {
    /// The events, in the order they happened in the message.
    pub events: Vec<Event>,
    /// Captured file bytes carried by the message, for the blob store.
    pub files: Vec<FileBytes>,
    /// Session recordings carried by the message (`apiary.ttylog`), for the store.
    pub recordings: Vec<RecordingBytes>,
    /// Sensor heartbeats (`apiary.heartbeat`), checked, for the sensor's row; never events.
    pub heartbeats: Vec<event::heartbeat::Heartbeat>,
}

/// Bytes of a captured file that arrived in a message (`apiary.files`, `mwbinary.dionaea.sensorunique`).
#[derive(Debug, Clone, PartialEq)]
pub struct FileBytes {
    /// The content, verbatim.
    pub bytes: bytes::Bytes,
    /// The MIME type, when the producer gave one.
    pub mime: Option<String>,
}

/// A feed's normalizer: reads the payload in `ctx`, pushes events and files into `out`, or says why it cannot.
type Normalizer = fn(&Ctx<'_>, &mut Out<'_>) -> Result<(), String>;

/// Channel → normalizer. Channels not listed become `raw` events.
const TABLE: &[(&str, Normalizer)] = &[
    (event::CHANNEL_EVENTS, apiary_events::normalize),
    (event::CHANNEL_FILES, apiary_files::normalize),
    (event::CHANNEL_TTYLOG, apiary_ttylog::normalize),
    (event::CHANNEL_HEARTBEAT, apiary_heartbeat::normalize),
    ("cowrie.sessions", cowrie_sessions::normalize),
    ("dionaea.connections", dionaea_connections::normalize),
    ("dionaea.capture", dionaea_capture::normalize),
    ("mwbinary.dionaea.sensorunique", mwbinary::normalize),
    ("heralding.auth", heralding::normalize_auth),
    ("heralding.session", heralding::normalize_session),
    ("conpot.events", conpot::normalize),
    ("wordpot.events", wordpot::normalize),
    ("p0f.events", p0f::normalize),
    ("snort.alerts", ids::normalize_snort),
    ("suricata.events", ids::normalize_suricata),
    ("glastopf.events", http_feeds::normalize_glastopf),
    ("shockpot.events", http_feeds::normalize_shockpot),
    ("elastichoney.events", http_feeds::normalize_elastichoney),
    ("cowrie", cowrie_json::normalize),
    ("cowrie.events", cowrie_json::normalize),
    ("cowrie.json", cowrie_json::normalize),
];

/// The channels a normalizer knows, for subscriptions and tests.
pub fn channels() -> impl Iterator<Item = &'static str> {
    TABLE.iter().map(|(name, _)| *name)
}

/// Turns one hpfeeds message into events (and file bytes); never panics, never fails.
pub fn normalize(channel: &str, ident: &str, payload: &[u8], received: DateTime<Utc>) -> Normalized {
    let ctx = Ctx {
        channel,
        ident,
        payload,
        received: received.trunc_subsecs(6),
    };
    let Some((_, normalizer)) = TABLE.iter().find(|(name, _)| *name == channel) else {
        return raw(&ctx, "unknown channel: no normalizer for it");
    };
    let mut out = Out::new(&ctx);
    match normalizer(&ctx, &mut out) {
        Ok(()) if !out.events.is_empty() || !out.recordings.is_empty() || !out.heartbeats.is_empty() => Normalized {
            events: out.events,
            files: out.files,
            recordings: out.recordings,
            heartbeats: out.heartbeats,
        },
        Ok(()) => raw(&ctx, "the payload held no events"),
        Err(reason) => raw(&ctx, &reason),
    }
}

/// The one `raw` event for a message that could not be normalized: payload kept (lossy UTF-8, capped).
fn raw(ctx: &Ctx<'_>, reason: &str) -> Normalized {
    let kept = &ctx.payload[..ctx.payload.len().min(RAW_CAP)];
    let event = Event {
        id: id::derive(ctx.channel, ctx.ident, ctx.payload, 0, None),
        ts: ctx.received,
        sensor: ctx.ident.to_string(),
        honeypot: "unknown".to_string(),
        session: String::new(),
        proto: "unknown".to_string(),
        src_ip: IpAddr::V4(Ipv4Addr::UNSPECIFIED),
        src_port: 0,
        dst_ip: None,
        dst_port: 0,
        kind: Kind::Raw {
            channel: ctx.channel.to_string(),
            payload: String::from_utf8_lossy(kept).into_owned(),
            reason: reason.to_string(),
        },
    };
    Normalized {
        events: vec![event],
        files: Vec::new(),
        recordings: Vec::new(),
        heartbeats: Vec::new(),
    }
}

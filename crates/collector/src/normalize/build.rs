//! What every normalizer shares: the message being read ([`Ctx`]), the envelope of a foreign event
//! ([`Envelope`]), and the bounded output ([`Out`]) that gives each event its deterministic id.

use std::net::IpAddr;

use chrono::{DateTime, SubsecRound, Utc};
use event::{Event, Kind};

use super::{id, FileBytes, RecordingBytes, MAX_EVENTS};

/// The message being normalized.
pub(crate) struct Ctx<'a> {
    /// hpfeeds channel.
    pub channel: &'a str,
    /// hpfeeds ident of the publisher (the sensor id when the payload has none).
    pub ident: &'a str,
    /// The payload, verbatim.
    pub payload: &'a [u8],
    /// When the collector received it, used when the payload has no time.
    pub received: DateTime<Utc>,
}

/// Who, where and how, shared by the events of one foreign message.
pub(crate) struct Envelope {
    /// Sensor id.
    pub sensor: String,
    /// Honeypot name (`cowrie`, `dionaea`, ...).
    pub honeypot: &'static str,
    /// Session id.
    pub session: String,
    /// Application protocol, lowercase.
    pub proto: String,
    /// Attacker address.
    pub src_ip: IpAddr,
    /// Attacker port.
    pub src_port: u16,
    /// Honeypot address.
    pub dst_ip: Option<IpAddr>,
    /// Honeypot port.
    pub dst_port: u16,
}

/// The events and files a normalizer produced, bounded to [`MAX_EVENTS`].
pub(crate) struct Out<'a> {
    ctx: &'a Ctx<'a>,
    ids: id::Message,
    /// Events so far.
    pub events: Vec<Event>,
    /// File bytes so far.
    pub files: Vec<FileBytes>,
    /// Session recordings so far (`apiary.ttylog`).
    pub recordings: Vec<RecordingBytes>,
    /// Sensor heartbeats so far (`apiary.heartbeat`).
    pub heartbeats: Vec<event::heartbeat::Heartbeat>,
}

impl<'a> Out<'a> {
    /// An empty output for `ctx`.
    pub fn new(ctx: &'a Ctx<'a>) -> Self {
        Out {
            ctx,
            ids: id::Message::new(ctx.channel, ctx.ident, ctx.payload),
            events: Vec::new(),
            files: Vec::new(),
            recordings: Vec::new(),
            heartbeats: Vec::new(),
        }
    }

    /// Adds one event; `ts` is the payload's time (None: use the receive time, and 0 in the id's time field).
    /// Events past [`MAX_EVENTS`] are dropped.
    pub fn push(&mut self, env: &Envelope, ts: Option<DateTime<Utc>>, kind: Kind) {
        if self.events.len() >= MAX_EVENTS {
            return;
        }
        let ts = ts.map(|t| t.trunc_subsecs(6));
        let index = self.events.len() as u64;
        self.events.push(Event {
            id: self.ids.id(index, ts),
            ts: ts.unwrap_or(self.ctx.received),
            sensor: env.sensor.clone(),
            honeypot: env.honeypot.to_string(),
            session: env.session.clone(),
            proto: env.proto.clone(),
            src_ip: env.src_ip,
            src_port: env.src_port,
            dst_ip: env.dst_ip,
            dst_port: env.dst_port,
            kind,
        });
    }

    /// Adds an event that already has its id (our own `apiary.*` events).
    pub fn push_own(&mut self, event: Event) {
        if self.events.len() < MAX_EVENTS {
            self.events.push(event);
        }
    }
}

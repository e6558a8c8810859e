//! The live stream: stored events fanned out to browsers as Server-Sent Events.
//!
//! The collector calls [`LiveHub::publish`] after each batch is committed, so the stream shows only what is in the
//! store (and a reload finds it in `/api/v1/feed`). Publishing never waits: the hub is a `tokio::sync::broadcast`
//! of whole batches, so the collector's "no drops" guarantee is untouched by browsers.
//!
//! Each browser gets one task that gathers batches and sends at most one `events` message every
//! [`FRAME_EVERY`] (at most [`FRAME_MAX_EVENTS`] events; a flood is sampled, never queued), plus a `counters`
//! message every second. Frames wait in a queue of [`QUEUE_FRAMES`]; a browser that lets it fill (or falls
//! [`HUB_BATCHES`] batches behind the hub) is cut off: its stream ends with an error, which closes the connection.

use std::collections::VecDeque;
use std::net::IpAddr;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::extract::State;
use axum::response::sse::{Event as SseEvent, KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, Utc};
use serde::Serialize;
use tokio::sync::{broadcast, mpsc};

use crate::api::ApiState;
use crate::error::ApiError;

/// Batches the hub keeps for subscribers that are briefly behind.
pub const HUB_BATCHES: usize = 1024;
/// How often a browser gets an `events` message at most.
pub const FRAME_EVERY: Duration = Duration::from_millis(250);
/// Most events in one message (1,000 a second); beyond that a frame is sampled (the map cannot draw more anyway).
pub const FRAME_MAX_EVENTS: usize = 250;
/// Messages queued for one browser before it counts as too slow and is cut off (about 2 s of frames).
pub const QUEUE_FRAMES: usize = 10;
/// Most live streams open at once for signed-in users; more get 503. With the per-stream bounds above this caps
/// what slow browsers can make the server hold.
pub const MAX_STREAMS: usize = 128;
/// Most anonymous streams of the public map at once, counted apart so strangers cannot take the users' places.
pub const MAX_PUBLIC_STREAMS: usize = 64;
/// Minutes the counters remember (one day).
const DAY_MINUTES: usize = 1440;

/// One event as the live map needs it: small, flat, absent fields omitted.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct LiveEvent {
    /// Event id (UUIDv7).
    pub id: String,
    /// When it happened (sensor time).
    pub ts: DateTime<Utc>,
    /// Sensor id (omitted on the public stream).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sensor: Option<String>,
    /// Honeypot.
    pub honeypot: String,
    /// Protocol.
    pub proto: String,
    /// Event kind (`auth`, `command`, ...).
    pub kind: &'static str,
    /// Source address (masked on the public stream).
    pub src_ip: String,
    /// Destination port.
    pub dst_port: u16,
    /// Country code.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub country: Option<String>,
    /// City.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub city: Option<String>,
    /// Latitude.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub lat: Option<f64>,
    /// Longitude.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub lon: Option<f64>,
    /// Autonomous system number.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub asn: Option<u32>,
    /// Login name tried.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub username: Option<String>,
    /// Password tried.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub password: Option<String>,
    /// Command line typed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub input: Option<String>,
    /// URL fetched or requested.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
}

/// Longest attacker string carried on the stream (the full text is in the store).
const FIELD_MAX: usize = 256;

/// Cuts a string to [`FIELD_MAX`] bytes on a character boundary.
fn cap(s: &str) -> String {
    let mut end = s.len().min(FIELD_MAX);
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    s[..end].to_owned()
}

impl LiveEvent {
    /// The compact form of a stored record.
    pub fn from_record(r: &store::Record) -> LiveEvent {
        use event::Kind;
        let e = &r.event;
        let (mut username, mut password, mut input, mut url) = (None, None, None, None);
        match &e.kind {
            Kind::Auth {
                username: u,
                password: p,
                ..
            } => {
                username = Some(cap(u));
                password = p.as_deref().map(cap);
            }
            Kind::Command { input: i, .. } => input = Some(cap(i)),
            Kind::FileDownload(f) | Kind::FileUpload(f) => url = f.url.as_deref().or(f.filename.as_deref()).map(cap),
            Kind::HttpRequest { path, .. } => url = Some(cap(path)),
            _ => {}
        }
        LiveEvent {
            id: e.id.to_string(),
            ts: e.ts,
            sensor: Some(e.sensor.clone()),
            honeypot: e.honeypot.clone(),
            proto: e.proto.clone(),
            kind: e.kind.name(),
            src_ip: e.src_ip.to_string(),
            dst_port: e.dst_port,
            country: r.geo.country.clone(),
            city: r.geo.city.clone(),
            lat: r.geo.lat,
            lon: r.geo.lon,
            asn: r.geo.asn,
            username,
            password,
            input,
            url,
        }
    }

    /// The public form: address masked (IPv4 to /16, IPv6 to /32), no sensor, no credentials, inputs or URLs.
    pub fn anonymized(&self) -> LiveEvent {
        LiveEvent {
            sensor: None,
            src_ip: mask(&self.src_ip),
            username: None,
            password: None,
            input: None,
            url: None,
            ..self.clone()
        }
    }
}

/// `a.b.x.x` for IPv4, the first two groups and `x:…` for IPv6.
pub fn mask(ip: &str) -> String {
    match ip.parse::<IpAddr>() {
        Ok(IpAddr::V4(v4)) => {
            let o = v4.octets();
            format!("{}.{}.x.x", o[0], o[1])
        }
        Ok(IpAddr::V6(v6)) => match v6.to_ipv4_mapped() {
            Some(v4) => mask(&v4.to_string()),
            None => {
                let s = v6.segments();
                format!("{:x}:{:x}:x:x:x:x:x:x", s[0], s[1])
            }
        },
        Err(_) => "x".into(),
    }
}

/// Events stored per second (last minute) and per minute (last day), for the `counters` message.
#[derive(Debug)]
struct Counts {
    /// (unix second, events) for the last 60 seconds.
    seconds: VecDeque<(i64, u64)>,
    /// (unix minute, events) for the last day.
    minutes: VecDeque<(i64, u64)>,
}

impl Counts {
    fn add(&mut self, now: DateTime<Utc>, n: u64) {
        let (sec, min) = (now.timestamp(), now.timestamp().div_euclid(60));
        match self.seconds.back_mut() {
            Some((s, c)) if *s == sec => *c += n,
            _ => self.seconds.push_back((sec, n)),
        }
        match self.minutes.back_mut() {
            Some((m, c)) if *m == min => *c += n,
            _ => self.minutes.push_back((min, n)),
        }
        self.trim(now);
    }

    fn trim(&mut self, now: DateTime<Utc>) {
        let (sec, min) = (now.timestamp(), now.timestamp().div_euclid(60));
        while self.seconds.front().is_some_and(|(s, _)| *s <= sec - 60) {
            self.seconds.pop_front();
        }
        let day = i64::try_from(DAY_MINUTES).unwrap_or(1440);
        while self.minutes.front().is_some_and(|(m, _)| *m <= min - day) {
            self.minutes.pop_front();
        }
    }

    fn totals(&mut self, now: DateTime<Utc>) -> Counters {
        self.trim(now);
        let min = now.timestamp().div_euclid(60);
        Counters {
            minute: self.seconds.iter().map(|(_, c)| c).sum(),
            hour: self.minutes.iter().filter(|(m, _)| *m > min - 60).map(|(_, c)| c).sum(),
            day: self.minutes.iter().map(|(_, c)| c).sum(),
        }
    }
}

/// Events stored in the last minute, hour and day.
#[derive(Debug, Clone, Copy, Serialize, PartialEq, Eq)]
pub struct Counters {
    /// Last 60 seconds.
    pub minute: u64,
    /// Last 60 minutes.
    pub hour: u64,
    /// Last 24 hours.
    pub day: u64,
}

/// The fan-out point between the collector and the browsers.
pub struct LiveHub {
    /// Stored batches in compact form.
    tx: broadcast::Sender<Arc<Vec<LiveEvent>>>,
    /// Rolling counts of stored events.
    counts: Mutex<Counts>,
    /// One permit per open signed-in stream.
    streams: Arc<tokio::sync::Semaphore>,
    /// One permit per open public stream.
    public_streams: Arc<tokio::sync::Semaphore>,
}

impl std::fmt::Debug for LiveHub {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LiveHub")
            .field("subscribers", &self.subscribers())
            .finish()
    }
}

impl LiveHub {
    /// An empty hub.
    pub fn new() -> Arc<LiveHub> {
        let (tx, _) = broadcast::channel(HUB_BATCHES);
        Arc::new(LiveHub {
            tx,
            counts: Mutex::new(Counts {
                seconds: VecDeque::new(),
                minutes: VecDeque::new(),
            }),
            streams: Arc::new(tokio::sync::Semaphore::new(MAX_STREAMS)),
            public_streams: Arc::new(tokio::sync::Semaphore::new(MAX_PUBLIC_STREAMS)),
        })
    }

    /// Publishes stored records; never waits (called by the collector after each commit).
    pub fn publish(&self, records: &[store::Record]) {
        if records.is_empty() {
            return;
        }
        if let Ok(mut c) = self.counts.lock() {
            c.add(Utc::now(), u64::try_from(records.len()).unwrap_or(u64::MAX));
        }
        if self.tx.receiver_count() > 0 {
            let batch: Vec<LiveEvent> = records.iter().map(LiveEvent::from_record).collect();
            let _ = self.tx.send(Arc::new(batch));
        }
    }

    /// Seeds the hour and day counters from the store's per-minute series (at start-up).
    pub async fn seed(&self, store: &store::Store) -> Result<(), store::StoreError> {
        let now = Utc::now();
        let range = store::TimeRange {
            from: now - chrono::Duration::days(1),
            to: now,
        };
        let points = store.timeseries(range, store::Bucket::Minute).await?;
        if let Ok(mut c) = self.counts.lock() {
            let mut minutes = std::collections::BTreeMap::<i64, u64>::new();
            for p in points {
                *minutes.entry(p.t.timestamp().div_euclid(60)).or_default() += p.count;
            }
            let current = now.timestamp().div_euclid(60);
            c.minutes = minutes.into_iter().filter(|(m, _)| *m < current).collect();
        }
        Ok(())
    }

    /// Events stored in the last minute, hour and day.
    pub fn counters(&self) -> Counters {
        self.counts.lock().map_or(
            Counters {
                minute: 0,
                hour: 0,
                day: 0,
            },
            |mut c| c.totals(Utc::now()),
        )
    }

    /// Browsers currently subscribed.
    pub fn subscribers(&self) -> usize {
        self.tx.receiver_count()
    }
}

/// Why a live stream ended with an error (the connection is then closed).
#[derive(Debug, thiserror::Error)]
pub enum LiveError {
    /// The browser did not read its frames in time.
    #[error("the client reads too slowly; disconnected")]
    TooSlow,
}

/// Builds one `events` message.
fn events_message(batches: &[Arc<Vec<LiveEvent>>], public: bool) -> Option<SseEvent> {
    let total: usize = batches.iter().map(|b| b.len()).sum();
    let step = total.div_ceil(FRAME_MAX_EVENTS).max(1);
    let picked = batches
        .iter()
        .flat_map(|b| b.iter())
        .step_by(step)
        .take(FRAME_MAX_EVENTS);
    let events: Vec<LiveEvent> = if public {
        picked.map(LiveEvent::anonymized).collect()
    } else {
        picked.cloned().collect()
    };
    SseEvent::default().event("events").json_data(&events).ok()
}

/// One browser's feeder: gathers batches, sends frames, cuts the browser off when it falls behind.
async fn feed(
    hub: Arc<LiveHub>,
    mut rx: broadcast::Receiver<Arc<Vec<LiveEvent>>>,
    out: mpsc::Sender<SseEvent>,
    cut: Arc<AtomicBool>,
    public: bool,
    _permit: tokio::sync::OwnedSemaphorePermit,
) {
    let mut pending: Vec<Arc<Vec<LiveEvent>>> = Vec::new();
    let mut pending_events = 0usize;
    let mut frame = tokio::time::interval(FRAME_EVERY);
    let mut second = tokio::time::interval(Duration::from_secs(1));
    let slow = |cut: &AtomicBool| cut.store(true, Ordering::Release);
    loop {
        tokio::select! {
            _ = out.closed() => return,
            r = rx.recv() => match r {
                Ok(batch) => {
                    // Keep at most a few frames' worth; a flood is sampled at send time.
                    if pending_events < FRAME_MAX_EVENTS * 4 {
                        pending_events += batch.len();
                        pending.push(batch);
                    }
                }
                Err(broadcast::error::RecvError::Lagged(_)) => return slow(&cut),
                Err(broadcast::error::RecvError::Closed) => return,
            },
            _ = frame.tick() => {
                if pending.is_empty() {
                    continue;
                }
                let msg = events_message(&pending, public);
                pending.clear();
                pending_events = 0;
                if let Some(m) = msg {
                    if out.try_send(m).is_err() {
                        return slow(&cut);
                    }
                }
            }
            _ = second.tick() => {
                if let Ok(m) = SseEvent::default().event("counters").json_data(hub.counters()) {
                    if out.try_send(m).is_err() {
                        return slow(&cut);
                    }
                }
            }
        }
    }
}

/// The SSE response for one browser, or 503 when [`MAX_STREAMS`] (or, public, [`MAX_PUBLIC_STREAMS`]) are open.
fn stream(hub: Arc<LiveHub>, public: bool) -> Response {
    let pool = if public { &hub.public_streams } else { &hub.streams };
    let Ok(permit) = pool.clone().try_acquire_owned() else {
        let msg = "too many live viewers right now; retry in a minute";
        let body = axum::Json(serde_json::json!({ "error": msg }));
        return (axum::http::StatusCode::SERVICE_UNAVAILABLE, body).into_response();
    };
    let rx = hub.tx.subscribe();
    let (out_tx, out_rx) = mpsc::channel(QUEUE_FRAMES);
    let cut = Arc::new(AtomicBool::new(false));
    tokio::spawn(feed(hub, rx, out_tx, cut.clone(), public, permit));
    let s = futures_util::stream::unfold((out_rx, cut, false), |(mut rx, cut, done)| async move {
        if done {
            return None;
        }
        if cut.load(Ordering::Acquire) {
            return Some((Err(LiveError::TooSlow), (rx, cut, true)));
        }
        match rx.recv().await {
            Some(ev) => Some((Ok(ev), (rx, cut, false))),
            None if cut.load(Ordering::Acquire) => Some((Err(LiveError::TooSlow), (rx, cut, true))),
            None => None,
        }
    });
    Sse::new(s).keep_alive(KeepAlive::default()).into_response()
}

/// `GET /api/v1/live`: every stored event (signed-in users and API keys).
pub(crate) async fn live(State(st): State<ApiState>) -> Response {
    stream(st.web.hub.clone(), false)
}

/// `GET /api/public/live`: the anonymized stream, only when `[web] public_map = true`.
pub(crate) async fn public_live(State(st): State<ApiState>) -> Response {
    if !st.web.opts.public_map {
        return ApiError::NotFound("the public map is off; set [web] public_map = true in server.toml".into())
            .into_response();
    }
    stream(st.web.hub.clone(), true)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn masks_addresses() {
        assert_eq!(mask("203.0.113.7"), "203.0.x.x");
        assert_eq!(mask("2001:db8:1:2::5"), "2001:db8:x:x:x:x:x:x");
        assert_eq!(mask("::ffff:198.51.100.9"), "198.51.x.x");
    }

    #[test]
    fn counters_roll() {
        let mut c = Counts {
            seconds: VecDeque::new(),
            minutes: VecDeque::new(),
        };
        let t = Utc::now();
        c.add(t - chrono::Duration::minutes(90), 5);
        c.add(t - chrono::Duration::minutes(2), 3);
        c.add(t, 2);
        assert_eq!(
            c.totals(t),
            Counters {
                minute: 2,
                hour: 5,
                day: 10
            }
        );
        assert_eq!(c.totals(t + chrono::Duration::days(2)).day, 0);
    }
}

//! What goes into the store and what comes out: the types the collector writes and the API reads.
//!
//! Both backends (SQLite, PostgreSQL) take and return exactly these, so the collector and the server never see SQL.

use std::net::IpAddr;

use chrono::{DateTime, Utc};
use event::Event;
use serde::{Deserialize, Serialize};

/// One normalized event as the collector hands it over: the event, where and when it arrived, and its enrichment.
#[derive(Debug, Clone, PartialEq)]
pub struct Record {
    /// The event; its `id` makes the insert idempotent.
    pub event: Event,
    /// When the server received it (UTC); the event's own `ts` is the sensor's time.
    pub received: DateTime<Utc>,
    /// The hpfeeds channel it arrived on.
    pub channel: String,
    /// The authenticated hpfeeds ident that published it.
    pub ident: String,
    /// Geo/ASN of `event.src_ip`, filled by the collector's enrichment.
    pub geo: Geo,
}

/// Where an address is, as far as the configured databases know; every field optional.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Geo {
    /// ISO 3166-1 alpha-2 country code.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub country: Option<String>,
    /// City name (English), from a City database.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub city: Option<String>,
    /// Latitude in degrees.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub lat: Option<f64>,
    /// Longitude in degrees.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub lon: Option<f64>,
    /// Autonomous system number.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub asn: Option<u32>,
    /// Autonomous system organisation.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub as_org: Option<String>,
}

/// The bytes of a captured file, stored on disk by SHA-256 with its other hashes in SQL.
#[derive(Debug, Clone, PartialEq)]
pub struct Blob {
    /// The content.
    pub bytes: bytes::Bytes,
    /// When it was received.
    pub received: DateTime<Utc>,
    /// MIME type guess, if the producer gave one.
    pub mime: Option<String>,
}

/// What one call to `Store::insert` writes: events and file contents, in one transaction.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Batch {
    /// Normalized, enriched events.
    pub records: Vec<Record>,
    /// File contents that arrived with them.
    pub blobs: Vec<Blob>,
}

impl Batch {
    /// Whether there is nothing to write (no event and no file), so a writer can skip it.
    pub fn is_empty(&self) -> bool {
        self.records.is_empty() && self.blobs.is_empty()
    }
}

/// What an insert did: redelivered events are counted, not stored twice.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct InsertReport {
    /// Events written for the first time.
    pub inserted: u64,
    /// Events whose id was already stored.
    pub duplicates: u64,
}

/// An hpfeeds credential as the server keeps it (the broker's `Ident`, owned by the store).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct IdentRow {
    /// Ident name.
    pub name: String,
    /// Owner (informational).
    pub owner: String,
    /// Shared secret (hpfeeds needs it in clear to check the nonce digest).
    pub secret: String,
    /// Channels it may publish to.
    pub publish: Vec<String>,
    /// Channels it may subscribe to.
    pub subscribe: Vec<String>,
}

/// An API key as the API sees it after checking a presented key (the key itself is stored hashed).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ApiKey {
    /// Key name given at creation.
    pub name: String,
    /// A read-only key cannot change anything nor download samples.
    pub read_only: bool,
    /// When it was made.
    pub created: DateTime<Utc>,
}

/// How long each kind of data is kept; `None` keeps it forever.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Retention {
    /// Raw (unnormalized) events, in days.
    pub raw_days: Option<u32>,
    /// Sessions and their events (auth, commands, requests, alerts), in days.
    pub sessions_days: Option<u32>,
    /// File metadata and blobs not seen within this many days.
    pub files_days: Option<u32>,
    /// Hourly rollups, in days.
    pub rollups_days: Option<u32>,
}

impl Default for Retention {
    fn default() -> Self {
        Retention {
            raw_days: Some(30),
            sessions_days: Some(90),
            files_days: Some(365),
            rollups_days: Some(730),
        }
    }
}

/// What one retention pass deleted.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct RetentionReport {
    /// Raw events deleted.
    pub raw: u64,
    /// Sessions deleted (their events with them).
    pub sessions: u64,
    /// Files deleted (blobs removed from disk too).
    pub files: u64,
    /// Rollup rows deleted.
    pub rollups: u64,
}

/// A half-open time window `[from, to)`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct TimeRange {
    /// Start, inclusive.
    pub from: DateTime<Utc>,
    /// End, exclusive.
    pub to: DateTime<Utc>,
}

/// The dimensions rollups are kept for; each is a top-N endpoint.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Dim {
    /// Source IP.
    SrcIp,
    /// Country code of the source.
    Country,
    /// ASN of the source.
    Asn,
    /// Destination port.
    Port,
    /// Protocol.
    Proto,
    /// Honeypot.
    Honeypot,
    /// Sensor.
    Sensor,
    /// Username tried.
    Username,
    /// Password tried.
    Password,
    /// `username:password` pair (JSON array in `key`).
    Credential,
    /// Command input.
    Command,
    /// Download URL.
    Url,
    /// Downloaded file SHA-256 (or MD5 where the feed gives no SHA-256).
    Hash,
}

impl Dim {
    /// Every dimension, for loops and the OpenAPI enum.
    pub const ALL: [Dim; 13] = [
        Dim::SrcIp,
        Dim::Country,
        Dim::Asn,
        Dim::Port,
        Dim::Proto,
        Dim::Honeypot,
        Dim::Sensor,
        Dim::Username,
        Dim::Password,
        Dim::Credential,
        Dim::Command,
        Dim::Url,
        Dim::Hash,
    ];

    /// The stable name stored in the rollup table and used in API paths.
    pub fn as_str(self) -> &'static str {
        match self {
            Dim::SrcIp => "src_ip",
            Dim::Country => "country",
            Dim::Asn => "asn",
            Dim::Port => "port",
            Dim::Proto => "proto",
            Dim::Honeypot => "honeypot",
            Dim::Sensor => "sensor",
            Dim::Username => "username",
            Dim::Password => "password",
            Dim::Credential => "credential",
            Dim::Command => "command",
            Dim::Url => "url",
            Dim::Hash => "hash",
        }
    }

    /// Parses [`Dim::as_str`]'s form.
    pub fn parse(s: &str) -> Option<Dim> {
        Dim::ALL.into_iter().find(|d| d.as_str() == s)
    }
}

/// One row of a top-N answer.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TopEntry {
    /// The value (an IP, a country code, a port as text, a password, ...).
    pub key: String,
    /// How many events counted it in the window.
    pub count: u64,
}

/// Time-series bucket size.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Bucket {
    /// One point per minute.
    Minute,
    /// One point per hour.
    Hour,
}

/// One point of a time series: events in a bucket for one protocol.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SeriesPoint {
    /// Bucket start.
    pub t: DateTime<Utc>,
    /// Protocol.
    pub proto: String,
    /// Events in the bucket.
    pub count: u64,
}

/// Filters of a session search; every field optional, all given ones must match.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct SessionFilter {
    /// Sessions that started in this window.
    pub range: Option<TimeRange>,
    /// Source address or network (`203.0.113.0/24`, `2001:db8::/32`, or a single address).
    pub src: Option<ipnet::IpNet>,
    /// Sensor id.
    pub sensor: Option<String>,
    /// Honeypot name.
    pub honeypot: Option<String>,
    /// Protocol.
    pub proto: Option<String>,
    /// Destination port.
    pub port: Option<u16>,
    /// Source country code.
    pub country: Option<String>,
    /// Source ASN.
    pub asn: Option<u32>,
    /// A username tried in the session.
    pub username: Option<String>,
    /// A password tried in the session.
    pub password: Option<String>,
    /// A credential pair tried, as the credentials top list keys it (`["user","password"]`).
    pub credential: Option<String>,
    /// A command typed in the session (the whole line).
    pub command: Option<String>,
    /// A URL the session downloaded from.
    pub url: Option<String>,
    /// A hash (SHA-256, SHA-1 or MD5) of a file the session dropped.
    pub hash: Option<String>,
    /// Only sessions with (true) or without (false) a download.
    pub has_download: Option<bool>,
}

/// Keyset paging: newest first; `after` is the `next` cursor of the previous page.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Page {
    /// Opaque cursor from the previous page.
    pub after: Option<String>,
    /// Rows wanted (the API caps it).
    pub limit: u32,
}

/// One page of results and the cursor of the next, if any.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Paged<T> {
    /// The rows.
    pub items: Vec<T>,
    /// Pass as `Page::after` to get the next page; `None` on the last.
    pub next: Option<String>,
}

/// A session (one connection) as listed by a search.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SessionRow {
    /// Store-wide session key (`sensor/session`).
    pub id: String,
    /// Sensor id.
    pub sensor: String,
    /// Honeypot.
    pub honeypot: String,
    /// Protocol.
    pub proto: String,
    /// Source address.
    pub src_ip: IpAddr,
    /// Source port.
    pub src_port: u16,
    /// Destination address, when known.
    pub dst_ip: Option<IpAddr>,
    /// Destination port.
    pub dst_port: u16,
    /// First event time.
    pub start: DateTime<Utc>,
    /// End time, once ended.
    pub end: Option<DateTime<Utc>>,
    /// Geo/ASN of the source.
    pub geo: Geo,
    /// Client version string (SSH banner, ...).
    pub client_version: Option<String>,
    /// Client HASSH.
    pub hassh: Option<String>,
    /// Login attempts.
    pub auth_attempts: u32,
    /// The credentials that logged in, if any.
    pub login: Option<(String, Option<String>)>,
    /// Commands run.
    pub commands: u32,
    /// Files downloaded or uploaded.
    pub downloads: u32,
}

/// One entry of a session's timeline: any event, in time order.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TimelineEntry {
    /// The event, as stored.
    pub event: Event,
}

/// A session with everything that happened in it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SessionDetail {
    /// The summary row.
    pub session: SessionRow,
    /// Every event of the session in time order (auth, commands, downloads, requests, alerts, start, end).
    pub timeline: Vec<Event>,
    /// Recordings (asciicast paths relative to the sensor's data folder) named by the session's end event.
    pub recordings: Vec<String>,
}

/// A value and how often it was seen, for attacker details.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Counted {
    /// The value.
    pub value: String,
    /// Times seen.
    pub count: u64,
}

/// Everything known about one source address.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Attacker {
    /// The address.
    pub ip: IpAddr,
    /// First event.
    pub first_seen: DateTime<Utc>,
    /// Last event.
    pub last_seen: DateTime<Utc>,
    /// Events counted.
    pub events: u64,
    /// Sessions.
    pub sessions: u64,
    /// Sensors that saw it.
    pub sensors: Vec<Counted>,
    /// Destination ports touched.
    pub ports: Vec<Counted>,
    /// Protocols spoken.
    pub protocols: Vec<Counted>,
    /// Credentials tried, as `user:password`.
    pub credentials: Vec<Counted>,
    /// Commands run.
    pub commands: Vec<Counted>,
    /// Files fetched or dropped (SHA-256, or MD5 when only that is known).
    pub files: Vec<Counted>,
    /// Geo/ASN.
    pub geo: Geo,
    /// Passive fingerprint (p0f): OS, link, uptime, distance, as last seen.
    pub fingerprint: Option<IpMeta>,
}

/// Per-IP metadata: passive fingerprint (p0f) and reverse DNS.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct IpMeta {
    /// The address.
    pub ip: Option<IpAddr>,
    /// OS guess.
    pub os: Option<String>,
    /// Link type (MTU guess).
    pub link: Option<String>,
    /// Uptime text as the tool gives it.
    pub uptime: Option<String>,
    /// Network distance in hops.
    pub distance: Option<u32>,
    /// Application guess.
    pub app: Option<String>,
    /// Reverse DNS name (validated PTR, lower case, no trailing dot); `None` if never resolved or refused.
    pub hostname: Option<String>,
    /// Whether `hostname`'s A/AAAA records include the address (forward-confirmed reverse DNS).
    #[serde(default)]
    pub hostname_confirmed: bool,
    /// Last update.
    pub updated: Option<DateTime<Utc>>,
}

/// A session that dropped (downloaded or uploaded) a file, for the file's page.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FileSession {
    /// Store-wide session id (`sensor/session`), for `/api/v1/sessions/{id}`.
    pub session_id: String,
    /// When the session first dropped the file.
    pub ts: DateTime<Utc>,
    /// The session's source address, for `/api/v1/attackers/{ip}`.
    pub src_ip: IpAddr,
    /// The sensor it happened on.
    pub sensor: String,
}

/// A stored (or only referenced) file.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FileMeta {
    /// SHA-256 (lowercase hex), when known.
    pub sha256: Option<String>,
    /// SHA-1, when known.
    pub sha1: Option<String>,
    /// MD5, when known.
    pub md5: Option<String>,
    /// Size in bytes.
    pub size: Option<u64>,
    /// MIME guess.
    pub mime: Option<String>,
    /// First time seen.
    pub first_seen: DateTime<Utc>,
    /// Last time seen.
    pub last_seen: DateTime<Utc>,
    /// Times seen (downloads and uploads referring to it).
    pub count: u64,
    /// Whether the bytes are on disk.
    pub stored: bool,
    /// Source URLs seen for it.
    pub urls: Vec<String>,
}

/// A sensor as the server knows it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SensorRow {
    /// Sensor id.
    pub id: String,
    /// Honeypots that reported under it.
    pub honeypots: Vec<String>,
    /// hpfeeds ident it publishes as.
    pub ident: Option<String>,
    /// First event or heartbeat.
    pub first_seen: DateTime<Utc>,
    /// Last event (the first heartbeat while it has sent no event).
    pub last_seen: DateTime<Utc>,
    /// Events received (heartbeats are not events).
    pub events: u64,
    /// Apiary version of its last heartbeat.
    pub version: Option<String>,
    /// The IP the sensor last reported for its end of its hpfeeds connection (behind NAT, the private one).
    pub address: Option<String>,
    /// Its honeypots' listening sockets, from its last heartbeat.
    pub listen: Vec<SensorListen>,
    /// When its process started, from its last heartbeat.
    pub started: Option<DateTime<Utc>>,
    /// When the server received its last heartbeat.
    pub heartbeat: Option<DateTime<Utc>>,
}

/// One listening socket a sensor reported in its heartbeat.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SensorListen {
    /// Honeypot name (`apiary-ssh`).
    pub honeypot: String,
    /// Bound address (`0.0.0.0:2222`).
    pub addr: String,
}

/// A heartbeat to record on a sensor's row ([`crate::Store::put_heartbeat`]); not an event, never counted.
#[derive(Debug, Clone, PartialEq)]
pub struct NewHeartbeat {
    /// Sensor id.
    pub sensor: String,
    /// hpfeeds ident it arrived from.
    pub ident: String,
    /// Apiary version the sensor runs.
    pub version: String,
    /// The IP the sensor reports for its end of its hpfeeds connection (behind NAT, the private one).
    pub address: Option<String>,
    /// Its honeypots' listening sockets.
    pub listen: Vec<SensorListen>,
    /// When the sensor process started (its clock).
    pub started: Option<DateTime<Utc>>,
    /// When the server received the heartbeat.
    pub received: DateTime<Utc>,
}

/// Filters of the raw feed (every stored event, newest first).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct FeedFilter {
    /// Events in this window.
    pub range: Option<TimeRange>,
    /// hpfeeds channel.
    pub channel: Option<String>,
    /// Event kind (`auth`, `raw`, ...).
    pub kind: Option<String>,
    /// Source address.
    pub src_ip: Option<IpAddr>,
}

/// One event of the raw feed, with how it arrived.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FeedRow {
    /// The event.
    pub event: Event,
    /// Channel it arrived on.
    pub channel: String,
    /// Publishing ident.
    pub ident: String,
    /// Server receipt time.
    pub received: DateTime<Utc>,
    /// Geo/ASN of the source.
    pub geo: Geo,
}

/// Headline counters over a window, read from the hourly totals and the `src_ip` rollup.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Totals {
    /// Events.
    pub events: u64,
    /// Distinct source addresses (exact up to 48 hours; past that a HyperLogLog estimate, ±1.6 %).
    pub attackers: u64,
    /// Whether `attackers` is an estimate.
    pub attackers_estimated: bool,
    /// Sessions started.
    pub sessions: u64,
    /// Successful logins.
    pub logins: u64,
    /// Files downloaded or uploaded.
    pub downloads: u64,
}

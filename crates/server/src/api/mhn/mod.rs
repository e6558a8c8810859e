//! MHN's (and CHN's) API paths, with their parameters and `{"data": [...], "meta": {...}}` envelope, so scripts
//! written for MHN work unchanged.
//!
//! # Mapping
//! - `/api/session/`: one object per session: `_id` (our `sensor/session` id), `source_ip`, `source_port`,
//!   `destination_ip`, `destination_port`, `protocol`, `honeypot`, `identifier` (sensor id), `timestamp`.
//!   Parameters: `hours_ago`, `limit`, `source_ip` (address or CIDR), `protocol`, `honeypot`, `destination_port`,
//!   `identifier`.
//! - `/api/feed/`: `_id` (event id), `channel`, `ident`, `timestamp` (receipt), `normalized` (always true),
//!   `payload` (our normalized event as a JSON string). Parameters: `channel`, `ident`, `hours_ago`, `limit`.
//! - `/api/top_attackers/`: `source_ip`, `count`; `hours_ago` (default 4), `limit`, and `source_ip`/`count` with
//!   the `ne__`, `gt__`, `lt__`, `gte__`, `lte__` prefixes (`gte__count=5`, `ne__source_ip=198.51.100.1`).
//! - `/api/attacker_stats/<ip>/`: `{"data": {count, first_seen, last_seen, honeypots, ports, protocols}}`.
//! - `/api/intel_feed/` and `/api/intel_feed.csv/`: `source_ip`, `count`, `tags`, `protocols`, `ports`,
//!   `honeypots`; the CSV has that header line and `;`-joined lists.
//! - `/api/file/`, `/api/url/`, `/api/metadata/` (p0f), `/api/credentials/` (CHN).
//!
//! # Differences from MHN
//! - Times are UTC with an explicit zone (`2026-11-28T17:00:00.000000Z`); MHN sent naive local-or-UTC times.
//! - Address filters accept IPv6 and CIDR networks; MHN's were IPv4 only.
//! - Unknown parameters are a 400 naming the accepted ones, instead of being passed to the database.
//! - `top_attackers` counts events per source address from the rollups; it has no per-honeypot split.
//! - `limit` is capped at 1000 everywhere (intel feed: default 100), so one request cannot scan the store.
//! - The field shapes were written from MHN's documentation as remembered, not checked against its source.

pub(crate) mod attackers;
pub(crate) mod credentials;
pub(crate) mod envelope;
pub(crate) mod feed;
pub(crate) mod files;
pub(crate) mod filters;
pub(crate) mod intel;
pub(crate) mod metadata;
pub(crate) mod session;

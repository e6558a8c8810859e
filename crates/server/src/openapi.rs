//! The OpenAPI 3.1 document of every path and method, served without a key at `/api/openapi.json`.

use axum::Json;
use serde_json::{json, Value};

/// A group of query parameters: name and description.
type Params = &'static [(&'static str, &'static str)];

/// Window parameters of `/api/v1/`.
const WINDOW: &[(&str, &str)] = &[
    ("from", "Start, RFC 3339 (UTC if no offset)."),
    ("to", "End, RFC 3339; default now."),
    ("hours", "Last N hours instead of from/to (max 9600)."),
];
/// Paging parameters of `/api/v1/` lists.
const PAGING: &[(&str, &str)] = &[
    ("after", "The `next` cursor of the previous page."),
    ("limit", "Rows per page (default 50, max 500)."),
];

/// Every path: OpenAPI form, summary, and its query parameters (path parameters are derived from the braces).
const PATHS: &[(&str, &str, &[Params])] = &[
    ("/api/v1/sessions", "Search sessions, newest first.", &[WINDOW, PAGING, &[
        ("src", "Source IP or CIDR (IPv4 or IPv6)."), ("sensor", "Sensor id."), ("honeypot", "Honeypot."),
        ("proto", "Protocol."), ("port", "Destination port."), ("country", "ISO country code."),
        ("asn", "Source ASN."), ("username", "A username tried."), ("password", "A password tried."),
        ("credential", "A credential pair tried, as /api/v1/top/credentials keys it: [\"user\",\"password\"]."),
        ("command", "A command line typed."), ("url", "A URL downloaded from."),
        ("hash", "A dropped file's SHA-256, SHA-1 or MD5."), ("has_download", "true or false."),
    ]]),
    ("/api/v1/sessions/{id}", "One session with its timeline (id `sensor/session`, slash plain or %2F); `recordings` names the TTY recordings the server holds.", &[]),
    ("/api/v1/recordings", "TTY recordings (asciicast v2 sent by sensors) of one session, or the latest: {session, recordings: [{session_id, name, sha256, size, truncated, received}]}; size is the sensor's file, truncated says only a prefix was sent.", &[&[
        ("session", "Session id `sensor/session`."), ("limit", "Without session: how many (default 50, max 1000)."),
    ]]),
    ("/api/v1/recordings/{hash}", "One recording by the SHA-256 listed above, application/x-asciicast (read-only users may view; only recordings, never samples).", &[]),
    ("/api/v1/attackers/{ip}", "Everything known about one source address; `fingerprint` holds the p0f guess and reverse DNS: hostname (validated PTR name, null if none or not looked up) and hostname_confirmed (its A/AAAA records include the address).", &[]),
    ("/api/v1/top/{dim}", "Top-N of a dimension: attackers, countries, asns, ports, usernames, passwords, credentials, commands, urls, hashes, protocols, honeypots, sensors.", &[WINDOW, &[("limit", "Entries (default 10, max 1000).")]]),
    ("/api/v1/series", "Events per bucket and protocol.", &[WINDOW, &[("bucket", "minute or hour (default).")]]),
    ("/api/v1/totals", "Headline counters over the window (default 24 h): {events, attackers, attackers_estimated, sessions, logins, downloads}; attackers (distinct source addresses) is exact up to 48 h and a HyperLogLog estimate (±1.6 %) past that, flagged by attackers_estimated.", &[WINDOW]),
    ("/api/v1/files", "Captured files' metadata.", &[WINDOW, PAGING]),
    ("/api/v1/files/{hash}", "One file's metadata by MD5, SHA-1 or SHA-256.", &[]),
    ("/api/v1/files/{hash}/sessions", "The sessions that downloaded or uploaded a file (by MD5, SHA-1 or SHA-256), newest first: {items: [{session_id, ts, src_ip, sensor}], next}; 404 for an unknown file.", &[PAGING]),
    ("/api/v1/files/{hash}/download", "The stored sample (admin keys only), application/octet-stream.", &[]),
    ("/api/v1/sensors", "Every sensor heard from, by event or heartbeat: {items: [{id, honeypots, ident, first_seen, last_seen, events, version, address, listen: [{honeypot, addr}], started, heartbeat}]}; version, listen, started and heartbeat (server receive time) come from the sensor's last `apiary.heartbeat` and are null (listen empty) before its first; address is the IP the sensor reports for its own end of its hpfeeds connection (behind NAT, the private one), null until reported.", &[]),
    ("/api/v1/feed", "Every stored event with its channel, newest first.", &[WINDOW, PAGING, &[
        ("channel", "hpfeeds channel."), ("kind", "Event kind."), ("src", "Source IP."),
    ]]),
    ("/api/v1/metadata", "Per-address metadata: passive fingerprint (p0f: os, link, uptime, distance, app) and reverse DNS (hostname, hostname_confirmed).", &[PAGING, &[("ip", "One address.")]]),
    ("/api/v1/me", "Who is signed in: {username, role, csrf} (csrf is null for API keys).", &[]),
    ("/api/v1/live", "Server-Sent Events: `events` (a JSON array of compact stored events, at most every 250 ms) and `counters` ({minute, hour, day}, every second). Slow readers are disconnected.", &[]),
    ("/api/public/live", "The live stream anonymized (IPv4 /16, IPv6 /32, no sensor, no credentials, inputs or URLs); no login; 404 unless `[web] public_map = true`.", &[]),
    ("/api/v1/map", "Sensor locations {sensors: [{id, lat, lon}]} from `[web] sensor_lat`/`sensor_lon`.", &[]),
    ("/api/v1/users", "Dashboard users (admins only).", &[]),
    ("/api/v1/apikeys", "API keys: names and rights, never secrets (admins only).", &[]),
    ("/api/v1/settings/retention", "Retention in force {raw_days, sessions_days, files_days, rollups_days}; 0 = forever.", &[]),
    ("/api/session/", "MHN: sessions.", &[MHN, &[
        ("source_ip", "IP or CIDR."), ("protocol", "Protocol."), ("honeypot", "Honeypot."),
        ("destination_port", "Port."), ("identifier", "Sensor id."),
    ]]),
    ("/api/feed/", "MHN: stored hpfeeds messages.", &[MHN, &[("channel", "Channel."), ("ident", "Publisher.")]]),
    ("/api/file/", "MHN: captured files.", &[MHN]),
    ("/api/url/", "MHN: downloaded URLs.", &[MHN]),
    ("/api/metadata/", "MHN: p0f metadata, plus hostname and hostname_confirmed (reverse DNS).", &[MHN, &[("ip", "Address."), ("source_ip", "Address.")]]),
    ("/api/top_attackers/", "MHN: top source addresses; ne__/gt__/lt__/gte__/lte__ prefixes on source_ip and count.", &[MHN, &[("source_ip", "Address."), ("count", "Event count.")]]),
    ("/api/attacker_stats/{ip}/", "MHN: one address's summary.", &[]),
    ("/api/intel_feed/", "MHN: attackers with protocols, ports, honeypots.", &[MHN]),
    ("/api/intel_feed.csv/", "MHN: the intel feed as CSV.", &[MHN]),
    ("/api/credentials/", "CHN: login attempts.", &[MHN, &[("source_ip", "Address.")]]),
];

/// Operations other than the GETs above: path, method, summary. Cookie-authenticated ones need `X-CSRF-Token`;
/// read-only users and keys get 403.
const WRITES: &[(&str, &str, &str)] = &[
    ("/api/v1/login", "post", "Sign in with {username, password}: sets the `apiary_session` cookie (HttpOnly, SameSite=Strict) and answers {username, role, csrf}; 401 on bad credentials, 429 when throttled. No key needed."),
    ("/api/v1/logout", "post", "Sign out (204) and clear the cookie."),
    ("/api/v1/users", "post", "Create a user {username, password, role: admin|read-only} (admins only)."),
    ("/api/v1/users/{name}", "delete", "Remove a user and end their sessions (not the last admin)."),
    ("/api/v1/apikeys", "post", "Create an API key {name, read_only}; answers {name, key} once."),
    ("/api/v1/apikeys/{name}", "delete", "Remove an API key; it stops working at once."),
    ("/api/v1/settings/retention", "put", "Set retention {raw_days, sessions_days, files_days, rollups_days} (0 = forever); the next retention pass applies it."),
];

/// Parameters every MHN path takes.
const MHN: &[(&str, &str)] = &[
    ("hours_ago", "Window ending now, in hours."),
    ("limit", "Rows (max 1000)."),
    ("api_key", "The API key (instead of the Authorization header)."),
];

/// The OpenAPI paths in the document (for the router test).
#[cfg(test)]
pub(crate) fn paths() -> Vec<&'static str> {
    let mut all: Vec<&str> = PATHS.iter().map(|p| p.0).chain(WRITES.iter().map(|w| w.0)).collect();
    all.push(crate::api::OPENAPI_PATH);
    all.sort_unstable();
    all.dedup();
    all
}

/// Path parameters from the braces of an OpenAPI path.
fn path_params(path: &str) -> Vec<Value> {
    path.split('/')
        .filter_map(|seg| seg.strip_prefix('{').and_then(|s| s.strip_suffix('}')))
        .map(|n| json!({ "name": n, "in": "path", "required": true, "schema": { "type": "string" } }))
        .collect()
}

/// Builds the document.
pub(crate) fn document() -> Value {
    let mut paths = serde_json::Map::new();
    for (path, summary, groups) in PATHS {
        let mut ps = path_params(path);
        for (name, desc) in groups.iter().flat_map(|g| g.iter()) {
            ps.push(json!({ "name": name, "in": "query", "description": desc, "schema": { "type": "string" } }));
        }
        let ok = json!({ "description": "OK" });
        paths.insert(
            (*path).to_owned(),
            json!({ "get": { "summary": summary, "parameters": ps, "responses": {
                "200": ok, "400": { "description": "Bad parameter" }, "401": { "description": "No or invalid key" },
                "403": { "description": "Read-only key" }, "404": { "description": "Not found" } } } }),
        );
    }
    for (path, method, summary) in WRITES {
        let op = json!({ "summary": summary, "parameters": path_params(path), "responses": {
            "200": { "description": "OK" }, "201": { "description": "Created" }, "204": { "description": "Done" },
            "400": { "description": "Bad input" }, "401": { "description": "Not signed in" },
            "403": { "description": "Read-only, or missing X-CSRF-Token" }, "404": { "description": "Not found" } } });
        let entry = paths.entry((*path).to_owned()).or_insert_with(|| json!({}));
        if let Some(obj) = entry.as_object_mut() {
            obj.insert((*method).to_owned(), op);
        }
    }
    paths.insert(
        crate::api::OPENAPI_PATH.to_owned(),
        json!({ "get": { "summary": "This document (no key needed).", "security": [], "responses": { "200": { "description": "OK" } } } }),
    );
    json!({
        "openapi": "3.1.0",
        "info": { "title": "Apiary API", "version": env!("CARGO_PKG_VERSION") },
        "components": { "securitySchemes": {
            "bearer": { "type": "http", "scheme": "bearer" },
            "apikey": { "type": "apiKey", "in": "header", "name": "apikey" },
            "api_key": { "type": "apiKey", "in": "query", "name": "api_key" },
            "session": { "type": "apiKey", "in": "cookie", "name": "apiary_session",
                "description": "The dashboard's login cookie (/api/v1/ paths); writes also need X-CSRF-Token." } } },
        "security": [{ "bearer": [] }, { "session": [] }],
        "paths": paths,
    })
}

/// Serves the document.
pub(crate) async fn serve() -> Json<Value> {
    Json(document())
}

#[cfg(test)]
mod tests {
    #[test]
    fn document_lists_exactly_the_routers_paths() {
        let mut routed: Vec<String> = crate::api::routes()
            .into_iter()
            .chain(crate::api::open_routes())
            .map(|(p, _)| p.replace("{*", "{"))
            .collect();
        let mut documented: Vec<String> = super::paths().into_iter().map(str::to_owned).collect();
        routed.sort();
        documented.sort();
        assert_eq!(routed, documented);
        let doc = super::document();
        assert!(doc["paths"]["/api/openapi.json"].is_object());
        let params = &doc["paths"]["/api/v1/sessions"]["get"]["parameters"];
        assert!(params.as_array().unwrap().iter().any(|p| p["name"] == "has_download"));
        assert!(doc["paths"]["/api/v1/users"]["post"].is_object());
        assert!(doc["paths"]["/api/v1/users/{name}"]["delete"].is_object());
    }
}

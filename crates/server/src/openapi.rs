//! The OpenAPI 3.1 document of every path, served without a key at `/api/openapi.json`.

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
        ("asn", "Source ASN."), ("username", "A username tried."), ("has_download", "true or false."),
    ]]),
    ("/api/v1/sessions/{id}", "One session with its timeline (id `sensor/session`, slash plain or %2F).", &[]),
    ("/api/v1/attackers/{ip}", "Everything known about one source address.", &[]),
    ("/api/v1/top/{dim}", "Top-N of a dimension: attackers, countries, asns, ports, usernames, passwords, credentials, commands, urls, hashes, protocols, honeypots, sensors.", &[WINDOW, &[("limit", "Entries (default 10, max 1000).")]]),
    ("/api/v1/series", "Events per bucket and protocol.", &[WINDOW, &[("bucket", "minute or hour (default).")]]),
    ("/api/v1/totals", "Headline counters over the window (default 24 h).", &[WINDOW]),
    ("/api/v1/files", "Captured files' metadata.", &[WINDOW, PAGING]),
    ("/api/v1/files/{hash}", "One file's metadata by MD5, SHA-1 or SHA-256.", &[]),
    ("/api/v1/files/{hash}/download", "The stored sample (admin keys only), application/octet-stream.", &[]),
    ("/api/v1/sensors", "Every sensor heard from.", &[]),
    ("/api/v1/feed", "Every stored event with its channel, newest first.", &[WINDOW, PAGING, &[
        ("channel", "hpfeeds channel."), ("kind", "Event kind."), ("src", "Source IP."),
    ]]),
    ("/api/v1/metadata", "Passive fingerprints (p0f) per address.", &[PAGING, &[("ip", "One address.")]]),
    ("/api/session/", "MHN: sessions.", &[MHN, &[
        ("source_ip", "IP or CIDR."), ("protocol", "Protocol."), ("honeypot", "Honeypot."),
        ("destination_port", "Port."), ("identifier", "Sensor id."),
    ]]),
    ("/api/feed/", "MHN: stored hpfeeds messages.", &[MHN, &[("channel", "Channel."), ("ident", "Publisher.")]]),
    ("/api/file/", "MHN: captured files.", &[MHN]),
    ("/api/url/", "MHN: downloaded URLs.", &[MHN]),
    ("/api/metadata/", "MHN: p0f metadata.", &[MHN, &[("ip", "Address."), ("source_ip", "Address.")]]),
    ("/api/top_attackers/", "MHN: top source addresses; ne__/gt__/lt__/gte__/lte__ prefixes on source_ip and count.", &[MHN, &[("source_ip", "Address."), ("count", "Event count.")]]),
    ("/api/attacker_stats/{ip}/", "MHN: one address's summary.", &[]),
    ("/api/intel_feed/", "MHN: attackers with protocols, ports, honeypots.", &[MHN]),
    ("/api/intel_feed.csv/", "MHN: the intel feed as CSV.", &[MHN]),
    ("/api/credentials/", "CHN: login attempts.", &[MHN, &[("source_ip", "Address.")]]),
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
    PATHS.iter().map(|p| p.0).collect()
}

/// Builds the document.
pub(crate) fn document() -> Value {
    let mut paths = serde_json::Map::new();
    for (path, summary, groups) in PATHS {
        let mut ps: Vec<Value> = path
            .split('/')
            .filter_map(|seg| seg.strip_prefix('{').and_then(|s| s.strip_suffix('}')))
            .map(|n| json!({ "name": n, "in": "path", "required": true, "schema": { "type": "string" } }))
            .collect();
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
            "api_key": { "type": "apiKey", "in": "query", "name": "api_key" } } },
        "security": [{ "bearer": [] }],
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
    }
}

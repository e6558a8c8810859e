//! The `[enrich]` section of `server.toml`.

use std::path::PathBuf;

use serde::Deserialize;

/// Which GeoIP/ASN databases to read, and whether to look up source addresses' reverse DNS; with nothing
/// configured, country still comes from the built-in registry table and no DNS query is ever sent.
///
/// ```toml
/// [enrich]
/// city_db = "/var/lib/GeoIP/GeoLite2-City.mmdb"
/// asn_db = "/var/lib/GeoIP/GeoLite2-ASN.mmdb"
/// reverse_dns = true
/// dns_servers = ["127.0.0.53:53"]
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct EnrichConfig {
    /// City database (GeoLite2-City or DB-IP City Lite `.mmdb`): city, coordinates and located country.
    /// Default: none.
    pub city_db: Option<PathBuf>,
    /// ASN database (GeoLite2-ASN or DB-IP ASN Lite `.mmdb`): AS number and organisation. Default: none.
    pub asn_db: Option<PathBuf>,
    /// Country database (GeoLite2-Country or DB-IP Country Lite `.mmdb`): located country, for when no City
    /// database is configured or it has no country for an address. Default: none.
    pub country_db: Option<PathBuf>,
    /// Reverse DNS (PTR, forward-confirmed) of source addresses, looked up in the background and kept in
    /// `ip_meta`. Default: false (no DNS query is sent; attackers can see PTR queries for their addresses arrive at
    /// their own name servers).
    pub reverse_dns: bool,
    /// Resolvers to ask, each "IP:port" ("[v6]:port" for IPv6; a bare IP means port 53). Default: empty, meaning
    /// the system's `/etc/resolv.conf`.
    pub dns_servers: Vec<String>,
    /// How long one query (the PTR, then the A/AAAA that confirms it) may take, in milliseconds. Default: 2000.
    pub reverse_dns_timeout_ms: u64,
    /// Lookups in flight at once. Default: 16.
    pub reverse_dns_concurrency: usize,
    /// Addresses whose answer (positive or negative) is remembered. Default: 65536.
    pub reverse_dns_cache_size: usize,
    /// Hours before an address seen again is looked up again. Default: 24.
    pub reverse_dns_recheck_hours: u64,
}

impl Default for EnrichConfig {
    fn default() -> Self {
        EnrichConfig {
            city_db: None,
            asn_db: None,
            country_db: None,
            reverse_dns: false,
            dns_servers: Vec::new(),
            reverse_dns_timeout_ms: 2000,
            reverse_dns_concurrency: 16,
            reverse_dns_cache_size: 65536,
            reverse_dns_recheck_hours: 24,
        }
    }
}

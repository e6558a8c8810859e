//! The `[enrich]` section of `server.toml`.

use std::path::PathBuf;

use serde::Deserialize;

/// Which GeoIP/ASN databases to read; with none configured, country still comes from the built-in registry table.
///
/// ```toml
/// [enrich]
/// city_db = "/var/lib/GeoIP/GeoLite2-City.mmdb"
/// asn_db = "/var/lib/GeoIP/GeoLite2-ASN.mmdb"
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
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
    /// Reverse DNS of source addresses. Default: false. Not available yet: `true` is accepted, logged, and ignored.
    pub reverse_dns: bool,
}

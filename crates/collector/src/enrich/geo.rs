//! The result of one lookup.

/// What enrichment knows about one address; a field is `None` when no configured source knows it.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Geo {
    /// ISO 3166-1 alpha-2 code, upper case: located country from a City/Country database, else the country of
    /// registration from the built-in registry table.
    pub country: Option<String>,
    /// City name in English, from a City database.
    pub city: Option<String>,
    /// Latitude in degrees (−90..=90), from a City database; set together with `lon` or not at all.
    pub lat: Option<f64>,
    /// Longitude in degrees (−180..=180), from a City database; set together with `lat` or not at all.
    pub lon: Option<f64>,
    /// Autonomous system number, from an ASN database.
    pub asn: Option<u32>,
    /// Organisation that holds the autonomous system, from an ASN database.
    pub as_org: Option<String>,
}

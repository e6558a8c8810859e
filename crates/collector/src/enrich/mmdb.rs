//! MaxMind-format databases (GeoLite2, DB-IP Lite): opening one, and reading the few fields Apiary keeps.
//!
//! Files are memory-mapped, not read into memory: a City database is 60–130 MB, and only the pages lookups touch
//! become resident (and the kernel may drop them again). Records are decoded into small borrowed structs that name
//! only the fields we keep, so a lookup allocates nothing but the strings it returns.

use std::net::IpAddr;
use std::path::Path;

use maxminddb::{Mmap, Reader};
use serde::Deserialize;

use super::error::EnrichError;

/// Longest city name kept, in bytes; longer names are cut at a character boundary.
const MAX_CITY_LEN: usize = 128;
/// Longest AS organisation kept, in bytes; longer names are cut at a character boundary.
const MAX_ORG_LEN: usize = 256;

/// An open, memory-mapped database.
pub(crate) type Db = Reader<Mmap>;

/// Which kind of database a setting expects: names the setting and the fix in errors and warnings.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Kind {
    /// `enrich.city_db`.
    City,
    /// `enrich.asn_db`.
    Asn,
    /// `enrich.country_db`.
    Country,
}

impl Kind {
    /// The config key that names this file.
    fn setting(self) -> &'static str {
        match self {
            Kind::City => "enrich.city_db",
            Kind::Asn => "enrich.asn_db",
            Kind::Country => "enrich.country_db",
        }
    }

    /// What the operator should do when the file cannot be loaded.
    fn remedy(self) -> &'static str {
        match self {
            Kind::City => {
                "download GeoLite2-City.mmdb from MaxMind or DB-IP's City Lite (dbip-city-lite.mmdb) and point \
                 enrich.city_db at it, or remove enrich.city_db"
            }
            Kind::Asn => {
                "download GeoLite2-ASN.mmdb from MaxMind or DB-IP's ASN Lite (dbip-asn-lite.mmdb) and point \
                 enrich.asn_db at it, or remove enrich.asn_db"
            }
            Kind::Country => {
                "download GeoLite2-Country.mmdb from MaxMind or DB-IP's Country Lite (dbip-country-lite.mmdb) and \
                 point enrich.country_db at it, or remove enrich.country_db"
            }
        }
    }

    /// Words one of which a matching file's `database_type` contains (MaxMind and DB-IP names, any case).
    fn type_words(self) -> &'static [&'static str] {
        match self {
            Kind::City => &["city", "enterprise"],
            Kind::Asn => &["asn", "isp"],
            Kind::Country => &["country", "city", "enterprise"],
        }
    }
}

/// Opens `path` as a `kind` database; warns (without failing) when its declared type looks like another kind.
pub(crate) fn open(path: &Path, kind: Kind) -> Result<Db, EnrichError> {
    // SAFETY: the map is read-only and the reader bounds-checks every offset against it. What a map cannot
    // protect against is the file being truncated or rewritten in place while mapped; geoipupdate and the usual
    // cron scripts replace the file by renaming a new one over it, which leaves this mapping intact.
    let db = unsafe { Reader::open_mmap(path) }.map_err(|source| EnrichError::Database {
        setting: kind.setting(),
        path: path.to_path_buf(),
        remedy: kind.remedy(),
        source: Box::new(source),
    })?;
    let declared = db.metadata().database_type.to_ascii_lowercase();
    if !kind.type_words().iter().any(|word| declared.contains(word)) {
        tracing::warn!(
            setting = kind.setting(),
            path = %path.display(),
            database_type = %db.metadata().database_type,
            "this database does not say it is of the kind this setting expects; lookups may find nothing in it"
        );
    }
    Ok(db)
}

/// The fields of a City or Country record that Apiary keeps (MaxMind's layout, which DB-IP Lite follows).
#[derive(Deserialize, Default)]
struct PlaceRecord<'a> {
    #[serde(borrow, default)]
    country: Option<CountryField<'a>>,
    #[serde(borrow, default)]
    city: Option<CityField<'a>>,
    #[serde(default)]
    location: Option<LocationField>,
}

/// `country` of a City/Country record.
#[derive(Deserialize)]
struct CountryField<'a> {
    #[serde(borrow, default)]
    iso_code: Option<&'a str>,
}

/// `city` of a City record.
#[derive(Deserialize)]
struct CityField<'a> {
    #[serde(borrow, default)]
    names: Option<Names<'a>>,
}

/// `city.names`: only the English name is kept.
#[derive(Deserialize)]
struct Names<'a> {
    #[serde(borrow, default)]
    en: Option<&'a str>,
}

/// `location` of a City record.
#[derive(Deserialize)]
struct LocationField {
    #[serde(default)]
    latitude: Option<f64>,
    #[serde(default)]
    longitude: Option<f64>,
}

/// The fields of an ASN (or ISP) record that Apiary keeps.
#[derive(Deserialize)]
struct AsnRecord<'a> {
    #[serde(default)]
    autonomous_system_number: Option<u32>,
    #[serde(borrow, default)]
    autonomous_system_organization: Option<&'a str>,
}

/// Where an address is, from a City or Country database.
#[derive(Debug, Default)]
pub(crate) struct Place {
    /// Upper-case ISO 3166-1 alpha-2 code.
    pub(crate) country: Option<String>,
    /// English city name.
    pub(crate) city: Option<String>,
    /// Latitude and longitude, both valid, or nothing.
    pub(crate) coords: Option<(f64, f64)>,
}

/// Looks `ip` up in a City or Country database; anything missing, malformed or out of range stays `None`.
pub(crate) fn place(db: &Db, ip: IpAddr) -> Place {
    let Some(record) = decode::<PlaceRecord<'_>>(db, ip) else {
        return Place::default();
    };
    Place {
        country: record.country.and_then(|c| c.iso_code).and_then(iso_code),
        city: record
            .city
            .and_then(|c| c.names)
            .and_then(|n| n.en)
            .and_then(|name| bounded(name, MAX_CITY_LEN)),
        coords: record.location.and_then(|l| coords(l.latitude?, l.longitude?)),
    }
}

/// Looks `ip` up in an ASN database: the AS number (0, "no AS", counts as none) and its organisation.
pub(crate) fn asn(db: &Db, ip: IpAddr) -> (Option<u32>, Option<String>) {
    match decode::<AsnRecord<'_>>(db, ip) {
        Some(record) => (
            record.autonomous_system_number.filter(|&n| n != 0),
            record
                .autonomous_system_organization
                .and_then(|org| bounded(org, MAX_ORG_LEN)),
        ),
        None => (None, None),
    }
}

/// The record for `ip`, or `None` when the database has none, cannot hold that family, or the record is malformed.
fn decode<'de, T: Deserialize<'de>>(db: &'de Db, ip: IpAddr) -> Option<T> {
    db.lookup(ip).ok()?.decode::<T>().ok().flatten()
}

/// `code` as an upper-case ISO 3166-1 alpha-2 code, if it has that shape.
fn iso_code(code: &str) -> Option<String> {
    (code.len() == 2 && code.bytes().all(|b| b.is_ascii_alphabetic())).then(|| code.to_ascii_uppercase())
}

/// `(lat, lon)` if both are finite and on the globe.
fn coords(lat: f64, lon: f64) -> Option<(f64, f64)> {
    ((-90.0..=90.0).contains(&lat) && (-180.0..=180.0).contains(&lon)).then_some((lat, lon))
}

/// `text` trimmed, without control characters, cut to at most `max` bytes at a character boundary; `None` if empty.
fn bounded(text: &str, max: usize) -> Option<String> {
    let mut out = String::with_capacity(text.len().min(max));
    for c in text.trim().chars().filter(|c| !c.is_control()) {
        if out.len() + c.len_utf8() > max {
            break;
        }
        out.push(c);
    }
    (!out.is_empty()).then_some(out)
}

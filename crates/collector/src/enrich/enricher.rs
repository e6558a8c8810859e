//! The lookup: every configured source, most precise first, for one address.

use std::fmt;
use std::net::IpAddr;

use super::config::EnrichConfig;
use super::error::EnrichError;
use super::geo::Geo;
use super::mmdb::{self, Db, Kind};
use super::rdns::ReverseDns;
use super::registry;

/// Enriches source addresses; built once at start-up, then shared read-only (it is `Send + Sync`).
///
/// Holds no cache: every lookup is a walk of memory-mapped trees plus a binary search of a static table. Reverse
/// DNS, when on, is not a lookup but an offer to a background task ([`Enricher::offer_reverse_dns`]).
pub struct Enricher {
    /// City database: located country, city, coordinates.
    city: Option<Db>,
    /// Country database: located country when the City database has none.
    country: Option<Db>,
    /// ASN database.
    asn: Option<Db>,
    /// The reverse DNS task's handle; `None` when `reverse_dns` is off.
    rdns: Option<ReverseDns>,
}

impl Enricher {
    /// Opens every database `config` names; fails, naming the file and the fix, if one cannot be loaded.
    pub fn new(config: &EnrichConfig) -> Result<Enricher, EnrichError> {
        let open = |path: &Option<std::path::PathBuf>, kind| path.as_deref().map(|p| mmdb::open(p, kind)).transpose();
        let enricher = Enricher {
            city: open(&config.city_db, Kind::City)?,
            country: open(&config.country_db, Kind::Country)?,
            asn: open(&config.asn_db, Kind::Asn)?,
            rdns: None,
        };
        tracing::info!(
            city_db = enricher.city.is_some(),
            country_db = enricher.country.is_some(),
            asn_db = enricher.asn.is_some(),
            "enrichment ready (country of registration is built in)"
        );
        Ok(enricher)
    }

    /// This enricher, also offering every looked-up source address to `rdns` (from [`ReverseDns::start`]; `None`
    /// leaves reverse DNS off).
    pub fn with_reverse_dns(mut self, rdns: Option<ReverseDns>) -> Enricher {
        self.rdns = rdns;
        self
    }

    /// The reverse DNS handle, if on (for its counts).
    pub fn reverse_dns(&self) -> Option<&ReverseDns> {
        self.rdns.as_ref()
    }

    /// Offers `ip` to the reverse DNS task, if on; never waits (see [`ReverseDns::offer`]).
    pub fn offer_reverse_dns(&self, ip: IpAddr) {
        if let Some(rdns) = &self.rdns {
            rdns.offer(ip);
        }
    }

    /// Everything the configured sources know about `ip`; never fails (unknown fields stay `None`).
    ///
    /// Country comes from the City database, else the Country database, else the built-in registry table (country
    /// of registration, public addresses only). An IPv4-mapped IPv6 address is looked up as IPv4.
    pub fn lookup(&self, ip: IpAddr) -> Geo {
        let ip = ip.to_canonical();
        let mut geo = Geo::default();
        if let Some(db) = &self.city {
            let place = mmdb::place(db, ip);
            geo.country = place.country;
            geo.city = place.city;
            if let Some((lat, lon)) = place.coords {
                geo.lat = Some(lat);
                geo.lon = Some(lon);
            }
        }
        if geo.country.is_none() {
            if let Some(db) = &self.country {
                geo.country = mmdb::place(db, ip).country;
            }
        }
        if geo.country.is_none() {
            geo.country = registry::country(ip).map(str::to_owned);
        }
        if let Some(db) = &self.asn {
            (geo.asn, geo.as_org) = mmdb::asn(db, ip);
        }
        geo
    }
}

impl fmt::Debug for Enricher {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let kind = |db: &Option<Db>| db.as_ref().map(|d| d.metadata().database_type.clone());
        f.debug_struct("Enricher")
            .field("city", &kind(&self.city))
            .field("country", &kind(&self.country))
            .field("asn", &kind(&self.asn))
            .field("reverse_dns", &self.rdns)
            .finish()
    }
}

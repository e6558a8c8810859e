//! Enrichment against small MaxMind-format databases built in the test, and the built-in registry table.

use std::collections::BTreeMap;
use std::net::IpAddr;
use std::path::{Path, PathBuf};

use collector::enrich::{EnrichConfig, Enricher, Geo};
use mmdb_writer::ipnet::IpNet;
use mmdb_writer::{IpVersion, Ipv4Aliasing, Writer};
use serde::Serialize;
use tempfile::TempDir;

/// A City record in MaxMind's layout (DB-IP City Lite uses the same).
#[derive(Serialize)]
struct CityRecord {
    country: IsoCode,
    city: Names,
    location: Location,
}

#[derive(Serialize)]
struct IsoCode {
    iso_code: String,
    names: BTreeMap<String, String>,
}

#[derive(Serialize)]
struct Names {
    geoname_id: u32,
    names: BTreeMap<String, String>,
}

#[derive(Serialize)]
struct Location {
    accuracy_radius: u16,
    latitude: f64,
    longitude: f64,
    time_zone: String,
}

/// A Country record: only `country`.
#[derive(Serialize)]
struct CountryRecord {
    country: IsoCode,
}

/// An ASN record in MaxMind's layout.
#[derive(Serialize)]
struct AsnRecord {
    autonomous_system_number: u32,
    autonomous_system_organization: String,
}

fn names(en: &str) -> BTreeMap<String, String> {
    BTreeMap::from([
        ("en".to_owned(), en.to_owned()),
        ("de".to_owned(), format!("{en} (de)")),
    ])
}

fn city(iso: &str, name: &str, lat: f64, lon: f64) -> CityRecord {
    CityRecord {
        country: IsoCode {
            iso_code: iso.to_owned(),
            names: names(iso),
        },
        city: Names {
            geoname_id: 42,
            names: names(name),
        },
        location: Location {
            accuracy_radius: 20,
            latitude: lat,
            longitude: lon,
            time_zone: "Europe/Zurich".into(),
        },
    }
}

fn net(s: &str) -> IpNet {
    s.parse().unwrap()
}

fn ip(s: &str) -> IpAddr {
    s.parse().unwrap()
}

/// Writes `writer`'s database to `dir/name` and returns the path.
fn save(dir: &TempDir, name: &str, writer: &Writer) -> PathBuf {
    let path = dir.path().join(name);
    std::fs::write(&path, writer.to_bytes().unwrap()).unwrap();
    path
}

/// An IPv6 City database (IPv4 aliasing off, so mapped addresses only work if the enricher converts them).
fn city_db(dir: &TempDir) -> PathBuf {
    let mut w = Writer::builder("GeoLite2-City")
        .ip_version(IpVersion::V6)
        .ipv4_aliasing(Ipv4Aliasing::Disabled)
        .build();
    // 8.8.8.8 is registered to the US; the database placing it in Zurich must win.
    w.insert(net("8.8.8.0/24"), &city("CH", "Zurich", 47.3769, 8.5417))
        .unwrap();
    w.insert(net("81.2.69.0/24"), &city("GB", "London", 51.5142, -0.0931))
        .unwrap();
    w.insert(net("2a02:ff0::/32"), &city("SE", "Stockholm", 59.3294, 18.0686))
        .unwrap();
    save(dir, "GeoLite2-City.mmdb", &w)
}

/// An IPv6 ASN database.
fn asn_db(dir: &TempDir) -> PathBuf {
    let mut w = Writer::builder("GeoLite2-ASN").ip_version(IpVersion::V6).build();
    let cloudflare = AsnRecord {
        autonomous_system_number: 13335,
        autonomous_system_organization: "CLOUDFLARENET".into(),
    };
    w.insert(net("1.1.1.0/24"), &cloudflare).unwrap();
    w.insert(net("2606:4700::/32"), &cloudflare).unwrap();
    let google = AsnRecord {
        autonomous_system_number: 15169,
        autonomous_system_organization: "GOOGLE".into(),
    };
    w.insert(net("8.8.8.0/24"), &google).unwrap();
    save(dir, "GeoLite2-ASN.mmdb", &w)
}

fn enricher(config: EnrichConfig) -> Enricher {
    Enricher::new(&config).unwrap()
}

fn error_of(config: EnrichConfig) -> String {
    Enricher::new(&config).unwrap_err().to_string()
}

#[test]
fn city_database_gives_country_city_and_coordinates_for_v4_and_v6() {
    let dir = TempDir::new().unwrap();
    let e = enricher(EnrichConfig {
        city_db: Some(city_db(&dir)),
        ..Default::default()
    });

    let london = e.lookup(ip("81.2.69.160"));
    assert_eq!(london.country.as_deref(), Some("GB"));
    assert_eq!(london.city.as_deref(), Some("London"));
    assert_eq!((london.lat, london.lon), (Some(51.5142), Some(-0.0931)));
    assert_eq!((london.asn, london.as_org), (None, None));

    let stockholm = e.lookup(ip("2a02:ff0:1234::1"));
    assert_eq!(stockholm.country.as_deref(), Some("SE"));
    assert_eq!(stockholm.city.as_deref(), Some("Stockholm"));
    assert_eq!((stockholm.lat, stockholm.lon), (Some(59.3294), Some(18.0686)));
}

#[test]
fn city_database_country_wins_over_the_registry() {
    let dir = TempDir::new().unwrap();
    let without = enricher(EnrichConfig::default());
    assert_eq!(without.lookup(ip("8.8.8.8")).country.as_deref(), Some("US"));
    let with = enricher(EnrichConfig {
        city_db: Some(city_db(&dir)),
        ..Default::default()
    });
    assert_eq!(with.lookup(ip("8.8.8.8")).country.as_deref(), Some("CH"));
}

#[test]
fn address_missing_from_the_city_database_keeps_the_registry_country_only() {
    let dir = TempDir::new().unwrap();
    let e = enricher(EnrichConfig {
        city_db: Some(city_db(&dir)),
        ..Default::default()
    });
    // 193.0.6.139 (RIPE NCC) is registered in the Netherlands, and absent from the test database.
    assert_eq!(
        e.lookup(ip("193.0.6.139")),
        Geo {
            country: Some("NL".into()),
            ..Geo::default()
        }
    );
}

#[test]
fn asn_database_gives_number_and_organisation_for_v4_and_v6() {
    let dir = TempDir::new().unwrap();
    let e = enricher(EnrichConfig {
        asn_db: Some(asn_db(&dir)),
        ..Default::default()
    });

    let v4 = e.lookup(ip("1.1.1.1"));
    assert_eq!((v4.asn, v4.as_org.as_deref()), (Some(13335), Some("CLOUDFLARENET")));
    // No City database: country still comes from the registry (1.1.1.0/24 is APNIC's, registered in Australia).
    assert_eq!(v4.country.as_deref(), Some("AU"));
    assert_eq!((v4.city, v4.lat, v4.lon), (None, None, None));

    let v6 = e.lookup(ip("2606:4700:4700::1111"));
    assert_eq!((v6.asn, v6.as_org.as_deref()), (Some(13335), Some("CLOUDFLARENET")));

    let unknown = e.lookup(ip("193.0.6.139"));
    assert_eq!((unknown.asn, unknown.as_org), (None, None));
}

#[test]
fn city_and_asn_together() {
    let dir = TempDir::new().unwrap();
    let e = enricher(EnrichConfig {
        city_db: Some(city_db(&dir)),
        asn_db: Some(asn_db(&dir)),
        ..Default::default()
    });
    assert_eq!(
        e.lookup(ip("8.8.8.8")),
        Geo {
            country: Some("CH".into()),
            city: Some("Zurich".into()),
            lat: Some(47.3769),
            lon: Some(8.5417),
            asn: Some(15169),
            as_org: Some("GOOGLE".into()),
        }
    );
}

#[test]
fn ipv4_mapped_ipv6_is_looked_up_as_ipv4() {
    let dir = TempDir::new().unwrap();
    let e = enricher(EnrichConfig {
        city_db: Some(city_db(&dir)),
        asn_db: Some(asn_db(&dir)),
        ..Default::default()
    });
    let mapped = e.lookup(ip("::ffff:8.8.8.8"));
    assert_eq!(mapped.city.as_deref(), Some("Zurich"));
    assert_eq!(mapped.asn, Some(15169));
    assert_eq!(mapped, e.lookup(ip("8.8.8.8")));

    // The registry table alone, too.
    let bare = enricher(EnrichConfig::default());
    assert_eq!(bare.lookup(ip("::ffff:193.0.6.139")).country.as_deref(), Some("NL"));
}

#[test]
fn country_database_fills_country_when_the_city_database_has_none() {
    let dir = TempDir::new().unwrap();
    let mut w = Writer::builder("GeoLite2-Country").ip_version(IpVersion::V6).build();
    let country = |iso: &str| CountryRecord {
        country: IsoCode {
            iso_code: iso.into(),
            names: names(iso),
        },
    };
    w.insert(net("193.0.0.0/21"), &country("DE")).unwrap();
    w.insert(net("81.2.69.0/24"), &country("FR")).unwrap();
    let country_db = save(&dir, "GeoLite2-Country.mmdb", &w);
    let e = enricher(EnrichConfig {
        city_db: Some(city_db(&dir)),
        country_db: Some(country_db),
        ..Default::default()
    });

    // Not in the City database: the Country database's answer beats the registry's NL.
    assert_eq!(
        e.lookup(ip("193.0.6.139")),
        Geo {
            country: Some("DE".into()),
            ..Geo::default()
        }
    );
    // In both: the City database wins.
    assert_eq!(e.lookup(ip("81.2.69.160")).country.as_deref(), Some("GB"));
}

#[test]
fn registry_gives_a_country_for_public_addresses_with_no_files() {
    let e = enricher(EnrichConfig::default());
    for (addr, country) in [
        ("8.8.8.8", "US"),
        ("193.0.6.139", "NL"),
        ("1.0.16.1", "JP"),
        ("200.160.0.1", "BR"),
        ("41.0.0.1", "ZA"),
        ("2001:4860:4860::8888", "US"),
        ("2001:67c:18::1", "NL"),
    ] {
        assert_eq!(
            e.lookup(ip(addr)),
            Geo {
                country: Some(country.into()),
                ..Geo::default()
            },
            "{addr}"
        );
    }
}

#[test]
fn non_public_addresses_get_no_country() {
    let e = enricher(EnrichConfig::default());
    for addr in [
        "0.0.0.0",
        "10.1.2.3",
        "100.64.0.1",
        "127.0.0.1",
        "169.254.10.20",
        "172.16.0.1",
        "192.0.2.1",
        "192.168.1.1",
        "198.18.0.1",
        "198.51.100.7",
        "203.0.113.9",
        "224.0.0.1",
        "255.255.255.255",
        "::",
        "::1",
        "::ffff:10.0.0.1",
        "2001:db8::1",
        "3fff::1",
        "fd12:3456::1",
        "fe80::1",
        "ff02::1",
    ] {
        assert_eq!(e.lookup(ip(addr)), Geo::default(), "{addr}");
    }
}

#[test]
fn malformed_records_leave_fields_empty() {
    let dir = TempDir::new().unwrap();
    let mut w = Writer::builder("GeoLite2-City").ip_version(IpVersion::V6).build();
    let long_name = "Ω".repeat(500);
    w.insert(net("81.2.69.0/24"), &city("GBR", &long_name, 200.0, -0.1))
        .unwrap();
    // Wrong types where strings and numbers belong.
    w.insert_value(
        net("2a02:ff0::/32"),
        mmdb_writer::Value::map([
            ("country", mmdb_writer::Value::from(7_u32)),
            ("location", mmdb_writer::Value::from("north")),
        ]),
    )
    .unwrap();
    let city_path = save(&dir, "GeoLite2-City.mmdb", &w);
    let mut w = Writer::builder("GeoLite2-ASN").ip_version(IpVersion::V4).build();
    w.insert(
        net("81.2.69.0/24"),
        &AsnRecord {
            autonomous_system_number: 0,
            autonomous_system_organization: " ".into(),
        },
    )
    .unwrap();
    let asn_path = save(&dir, "GeoLite2-ASN.mmdb", &w);
    let e = enricher(EnrichConfig {
        city_db: Some(city_path),
        asn_db: Some(asn_path),
        ..Default::default()
    });

    let g = e.lookup(ip("81.2.69.160"));
    assert_eq!(
        g.country.as_deref(),
        Some("GB"),
        "a three-letter code is no ISO alpha-2: the registry answers"
    );
    let kept = g.city.unwrap();
    assert_eq!(kept.len(), 128, "city names are cut to 128 bytes");
    assert!(kept.chars().all(|c| c == 'Ω'), "cut at a character boundary");
    assert_eq!((g.lat, g.lon), (None, None), "latitude 200 is off the globe");
    assert_eq!(
        (g.asn, g.as_org),
        (None, None),
        "AS 0 and a blank organisation are no answer"
    );

    // A record of the wrong shape decodes to nothing; an IPv6 address in an IPv4-only ASN database finds nothing.
    let v6 = e.lookup(ip("2a02:ff0::1"));
    assert_eq!((v6.city, v6.lat, v6.asn), (None, None, None));
}

#[test]
fn missing_file_error_names_the_setting_the_file_and_the_fix() {
    let dir = TempDir::new().unwrap();
    let path = dir.path().join("nowhere").join("GeoLite2-City.mmdb");
    let err = error_of(EnrichConfig {
        city_db: Some(path.clone()),
        ..Default::default()
    });
    assert!(err.contains("enrich.city_db"), "{err}");
    assert!(err.contains(&path.display().to_string()), "{err}");
    assert!(
        err.contains("download GeoLite2-City.mmdb from MaxMind or DB-IP's City Lite"),
        "{err}"
    );
    assert!(err.to_lowercase().contains("no such file"), "{err}");
}

fn corrupt(dir: &Path, name: &str, bytes: &[u8]) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, bytes).unwrap();
    path
}

#[test]
fn corrupt_or_empty_file_error_names_the_setting_and_the_fix() {
    let dir = TempDir::new().unwrap();
    for (name, bytes) in [
        ("garbage.mmdb", &b"this is not a MaxMind database at all"[..]),
        ("empty.mmdb", &b""[..]),
    ] {
        let path = corrupt(dir.path(), name, bytes);
        let err = error_of(EnrichConfig {
            asn_db: Some(path),
            ..Default::default()
        });
        assert!(err.contains("enrich.asn_db"), "{err}");
        assert!(err.contains(name), "{err}");
        assert!(
            err.contains("download GeoLite2-ASN.mmdb from MaxMind or DB-IP's ASN Lite"),
            "{err}"
        );
    }
    let path = corrupt(dir.path(), "country.mmdb", b"\xab\xcd\xefMaxMind.com");
    let err = error_of(EnrichConfig {
        country_db: Some(path),
        ..Default::default()
    });
    assert!(
        err.contains("enrich.country_db") && err.contains("GeoLite2-Country.mmdb"),
        "{err}"
    );
}

#[derive(serde::Deserialize)]
struct ServerToml {
    #[serde(default)]
    enrich: EnrichConfig,
}

#[test]
fn config_parses_from_toml_with_defaults_and_rejects_unknown_keys() {
    let empty: ServerToml = toml::from_str("").unwrap();
    assert_eq!(empty.enrich, EnrichConfig::default());
    assert_eq!((empty.enrich.city_db, empty.enrich.reverse_dns), (None, false));

    let full: ServerToml = toml::from_str(
        "[enrich]\ncity_db = \"/var/lib/GeoIP/GeoLite2-City.mmdb\"\nasn_db = \"a.mmdb\"\ncountry_db = \"c.mmdb\"\n\
         reverse_dns = true\ndns_servers = [\"127.0.0.1:5353\", \"[::1]:53\"]\nreverse_dns_timeout_ms = 500\n\
         reverse_dns_concurrency = 4\nreverse_dns_cache_size = 100\nreverse_dns_recheck_hours = 2\n",
    )
    .unwrap();
    assert_eq!(
        full.enrich,
        EnrichConfig {
            city_db: Some("/var/lib/GeoIP/GeoLite2-City.mmdb".into()),
            asn_db: Some("a.mmdb".into()),
            country_db: Some("c.mmdb".into()),
            reverse_dns: true,
            dns_servers: vec!["127.0.0.1:5353".into(), "[::1]:53".into()],
            reverse_dns_timeout_ms: 500,
            reverse_dns_concurrency: 4,
            reverse_dns_cache_size: 100,
            reverse_dns_recheck_hours: 2,
        }
    );

    let typo = toml::from_str::<ServerToml>("[enrich]\ncitydb = \"x.mmdb\"\n")
        .err()
        .unwrap()
        .to_string();
    assert!(typo.contains("citydb"), "{typo}");
}

#[test]
fn reverse_dns_defaults_are_off_and_bounded() {
    let d = EnrichConfig::default();
    assert!(!d.reverse_dns);
    assert!(d.dns_servers.is_empty(), "empty means /etc/resolv.conf");
    assert_eq!(
        (
            d.reverse_dns_timeout_ms,
            d.reverse_dns_concurrency,
            d.reverse_dns_cache_size,
            d.reverse_dns_recheck_hours
        ),
        (2000, 16, 65536, 24)
    );
    // Off: the enricher has no resolver and looks up as before.
    let e = enricher(d);
    assert!(e.reverse_dns().is_none());
    assert_eq!(e.lookup(ip("8.8.8.8")).country.as_deref(), Some("US"));
}

#[tokio::test]
async fn reverse_dns_with_a_bad_server_entry_fails_naming_the_setting_and_the_fix() {
    let dir = TempDir::new().unwrap();
    let url = format!("sqlite://{}", dir.path().join("a.db").display());
    let store = store::Store::open(&url, dir.path()).await.unwrap();
    let config = EnrichConfig {
        reverse_dns: true,
        dns_servers: vec!["resolver.example:53".into()],
        ..Default::default()
    };
    let err = collector::enrich::ReverseDns::start(&config, store)
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("enrich.dns_servers") && err.contains("resolver.example:53"),
        "{err}"
    );
    assert!(err.contains("enrich.reverse_dns = false"), "{err}");
}

#[test]
fn enricher_can_be_shared_across_tasks() {
    fn shareable<T: Send + Sync + 'static>() {}
    shareable::<Enricher>();
}

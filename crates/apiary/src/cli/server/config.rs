//! `server.toml`: every setting of `apiary server`, each with a default, so the server runs with no file at all.
//!
//! `server.example.toml` (next to this crate's Cargo.toml) lists every key with its default; a test keeps the two in
//! step. Each section is the config type of the crate it configures, so the docs live beside the code they steer.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use serde::Deserialize;

/// The whole file.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ServerConfig {
    /// Where the SQLite database, captured files and generated secrets live (default `./apiary-data`).
    pub data_dir: PathBuf,
    /// The hpfeeds broker.
    pub broker: BrokerSection,
    /// The HTTP API and the dashboard (one listener).
    pub api: ApiSection,
    /// The dashboard: public map, sensor location, HTTPS.
    pub web: WebSection,
    /// Which database.
    pub store: StoreSection,
    /// How long each kind of data is kept.
    pub retention: RetentionSection,
    /// GeoIP/ASN databases.
    pub enrich: collector::enrich::EnrichConfig,
    /// Batching of the collector.
    pub collector: collector::pipeline::CollectorConfig,
    /// Prometheus metrics (off unless `listen` is set).
    pub metrics: MetricsSection,
}

impl Default for ServerConfig {
    fn default() -> Self {
        ServerConfig {
            data_dir: PathBuf::from("apiary-data"),
            broker: BrokerSection::default(),
            api: ApiSection::default(),
            web: WebSection::default(),
            store: StoreSection::default(),
            retention: RetentionSection::default(),
            enrich: collector::enrich::EnrichConfig::default(),
            collector: collector::pipeline::CollectorConfig::default(),
            metrics: MetricsSection::default(),
        }
    }
}

/// `[broker]`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct BrokerSection {
    /// hpfeeds listen addresses (default `["0.0.0.0:10000"]`).
    pub listen: Vec<SocketAddr>,
    /// Most simultaneous hpfeeds connections (default 10,000).
    pub max_connections: usize,
}

impl Default for BrokerSection {
    fn default() -> Self {
        BrokerSection {
            listen: vec![SocketAddr::from(([0, 0, 0, 0], 10000))],
            max_connections: hpfeeds::broker::config::DEFAULT_MAX_CONNECTIONS,
        }
    }
}

/// `[metrics]`: Prometheus metrics of the broker, the collector and reverse DNS, on a listener of their own.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct MetricsSection {
    /// Serve `GET /metrics` (OpenMetrics text, no authentication) on this address; off when unset. Keep it on
    /// loopback or a management network: it names channels and counts.
    pub listen: Option<SocketAddr>,
}

/// `[api]`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ApiSection {
    /// HTTP listen address of the API and the dashboard (default `0.0.0.0:8080`).
    pub listen: SocketAddr,
}

impl Default for ApiSection {
    fn default() -> Self {
        ApiSection {
            listen: SocketAddr::from(([0, 0, 0, 0], 8080)),
        }
    }
}

/// `[web]`: the dashboard served on `[api] listen`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct WebSection {
    /// Serve the anonymized live map at `/public/map` without login (default false). Masks attacker addresses to
    /// /16 (IPv4) or /32 (IPv6) and hides sensor names, credentials, commands and URLs.
    pub public_map: bool,
    /// Latitude the map draws the sensors at (degrees; default none: the map pulses at the attacker).
    pub sensor_lat: Option<f64>,
    /// Longitude the map draws the sensors at (degrees; default none).
    pub sensor_lon: Option<f64>,
    /// `"self-signed"`: serve HTTPS with a certificate generated on first start and kept in the data folder
    /// (browsers warn). Default none: plain HTTP unless `tls_cert` and `tls_key` are set.
    pub tls: Option<String>,
    /// PEM certificate chain for HTTPS (with `tls_key`).
    pub tls_cert: Option<PathBuf>,
    /// PEM private key for HTTPS (with `tls_cert`).
    pub tls_key: Option<PathBuf>,
}

impl WebSection {
    /// The TLS choice, or an error that says which keys to fix.
    pub fn tls_source(&self, data_dir: &Path) -> Result<Option<server::web::TlsSource>> {
        match (&self.tls, &self.tls_cert, &self.tls_key) {
            (Some(t), None, None) if t == "self-signed" => Ok(Some(server::web::TlsSource::SelfSigned {
                dir: data_dir.to_path_buf(),
            })),
            (Some(t), _, _) if t != "self-signed" => {
                anyhow::bail!("[web] tls = {t:?} is unknown: use \"self-signed\", or set tls_cert and tls_key")
            }
            (Some(_), _, _) => anyhow::bail!("[web] use either tls = \"self-signed\" or tls_cert/tls_key, not both"),
            (None, Some(c), Some(k)) => Ok(Some(server::web::TlsSource::Files {
                cert: c.clone(),
                key: k.clone(),
            })),
            (None, None, None) => Ok(None),
            (None, _, _) => anyhow::bail!("[web] tls_cert and tls_key go together: set both or neither"),
        }
    }

    /// The sensors' map location, if both coordinates are set and in range.
    pub fn sensor_location(&self) -> Result<Option<(f64, f64)>> {
        match (self.sensor_lat, self.sensor_lon) {
            (Some(lat), Some(lon)) => {
                anyhow::ensure!(
                    (-90.0..=90.0).contains(&lat) && (-180.0..=180.0).contains(&lon),
                    "[web] sensor_lat must be within -90..90 and sensor_lon within -180..180"
                );
                Ok(Some((lat, lon)))
            }
            (None, None) => Ok(None),
            _ => anyhow::bail!("[web] sensor_lat and sensor_lon go together: set both or neither"),
        }
    }
}

/// `[store]`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct StoreSection {
    /// `sqlite://PATH` or `postgres://USER@HOST:PORT/DB`; default: SQLite at `<data_dir>/apiary.db`.
    pub url: Option<String>,
    /// PostgreSQL only: batches written at once, one connection each (default 2, at most 16); a database host
    /// with more cores takes more.
    pub pg_writers: Option<usize>,
}

/// `[retention]`: days to keep each kind of data; 0 keeps it forever.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct RetentionSection {
    /// Raw (unnormalized) events (default 30).
    pub raw_days: u32,
    /// Sessions and their events (default 90).
    pub sessions_days: u32,
    /// Captured files not seen again within this many days (default 365).
    pub files_days: u32,
    /// Hourly rollups behind the statistics (default 730).
    pub rollups_days: u32,
    /// Minutes between retention passes (default 10).
    pub every_minutes: u64,
}

impl Default for RetentionSection {
    fn default() -> Self {
        let d = store::Retention::default();
        RetentionSection {
            raw_days: d.raw_days.unwrap_or(0),
            sessions_days: d.sessions_days.unwrap_or(0),
            files_days: d.files_days.unwrap_or(0),
            rollups_days: d.rollups_days.unwrap_or(0),
            every_minutes: 10,
        }
    }
}

impl RetentionSection {
    /// The store's form: 0 becomes "forever".
    pub fn to_store(&self) -> store::Retention {
        let keep = |d: u32| (d > 0).then_some(d);
        store::Retention {
            raw_days: keep(self.raw_days),
            sessions_days: keep(self.sessions_days),
            files_days: keep(self.files_days),
            rollups_days: keep(self.rollups_days),
        }
    }
}

impl ServerConfig {
    /// Reads `path`; a missing file or an unknown key is an error that names it.
    pub fn load(path: &Path) -> Result<ServerConfig> {
        let text = std::fs::read_to_string(path).with_context(|| format!("cannot read {}", path.display()))?;
        Self::parse(&text).with_context(|| format!("in {}", path.display()))
    }

    /// Parses the TOML text.
    pub fn parse(text: &str) -> Result<ServerConfig> {
        toml::from_str(text).map_err(|e| anyhow::anyhow!("invalid server config: {e}"))
    }

    /// The given file, or every default when there is none.
    pub fn load_or_default(path: Option<&Path>) -> Result<ServerConfig> {
        path.map_or_else(|| Ok(ServerConfig::default()), Self::load)
    }

    /// The store URL, defaulting to SQLite inside the data folder.
    pub fn store_url(&self) -> String {
        match &self.store.url {
            Some(u) => u.clone(),
            None => format!("sqlite://{}", self.data_dir.join("apiary.db").display()),
        }
    }

    /// Opens (creating if needed) the configured store.
    pub async fn open_store(&self) -> Result<store::Store> {
        std::fs::create_dir_all(&self.data_dir)
            .with_context(|| format!("cannot create the data folder {}", self.data_dir.display()))?;
        let url = self.store_url();
        let mut options = store::StoreOptions::default();
        if let Some(n) = self.store.pg_writers {
            options.pg_writers = n;
        }
        store::Store::open_with(&url, &self.data_dir, &options)
            .await
            .with_context(|| format!("cannot open the store {}", redact(&url)))
    }
}

/// The URL without a password, for messages.
fn redact(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(s), Some(at)) if at > s => {
            let creds = &url[s + 3..at];
            match creds.find(':') {
                Some(c) => format!("{}{}:***{}", &url[..s + 3], &creds[..c], &url[at..]),
                None => url.to_string(),
            }
        }
        _ => url.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn example_file_parses_and_equals_the_defaults() {
        let example = ServerConfig::parse(include_str!("../../../server.example.toml")).unwrap();
        let d = ServerConfig::default();
        assert_eq!(format!("{example:?}"), format!("{d:?}"));
    }

    #[test]
    fn unknown_keys_are_refused() {
        assert!(ServerConfig::parse("[api]\nlisten = \"127.0.0.1:1\"\nport = 2\n").is_err());
    }

    #[test]
    fn web_tls_and_location_are_checked() {
        let dir = Path::new("/d");
        let c = ServerConfig::parse("[web]\ntls = \"self-signed\"\nsensor_lat = 52.4\nsensor_lon = 4.9\n").unwrap();
        assert!(matches!(
            c.web.tls_source(dir).unwrap(),
            Some(server::web::TlsSource::SelfSigned { .. })
        ));
        assert_eq!(c.web.sensor_location().unwrap(), Some((52.4, 4.9)));
        assert!(ServerConfig::parse("[web]\ntls_cert = \"/c.pem\"\n")
            .unwrap()
            .web
            .tls_source(dir)
            .is_err());
        assert!(ServerConfig::parse("[web]\ntls = \"yes\"\n")
            .unwrap()
            .web
            .tls_source(dir)
            .is_err());
        assert!(ServerConfig::parse("[web]\nsensor_lat = 95.0\nsensor_lon = 0.0\n")
            .unwrap()
            .web
            .sensor_location()
            .is_err());
        assert!(ServerConfig::default().web.tls_source(dir).unwrap().is_none());
    }

    #[test]
    fn store_url_defaults_to_sqlite_in_the_data_dir() {
        let c = ServerConfig::parse("data_dir = \"/var/lib/apiary\"\n").unwrap();
        assert_eq!(c.store_url(), "sqlite:///var/lib/apiary/apiary.db");
    }

    #[tokio::test]
    async fn pg_writers_reaches_the_store_and_is_checked() {
        let dir = tempfile::tempdir().unwrap();
        let at = |n: usize| {
            format!(
                "data_dir = {:?}\n[store]\npg_writers = {n}\n",
                dir.path().display().to_string()
            )
        };
        let c = ServerConfig::parse(&at(3)).unwrap();
        assert_eq!(c.store.pg_writers, Some(3));
        assert_eq!(c.open_store().await.unwrap().writers(), 1, "SQLite: one writer");
        let err = ServerConfig::parse(&at(0))
            .unwrap()
            .open_store()
            .await
            .err()
            .expect("0 writers");
        assert!(
            format!("{err:#}").contains("pg_writers is 0; set it between 1 and 16"),
            "{err:#}"
        );
    }

    #[test]
    fn passwords_are_not_shown_in_messages() {
        assert_eq!(redact("postgres://u:secret@h/db"), "postgres://u:***@h/db");
        assert_eq!(redact("postgres://u@h/db"), "postgres://u@h/db");
    }
}

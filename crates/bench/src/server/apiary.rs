//! One `apiary server` under test: its temporary data folder and config, the PostgreSQL database made for it,
//! the bench ident and API key made with the apiary CLI, the child process, and an HTTP client for its API.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use anyhow::{bail, Context, Result};
use tokio::process::{Child, Command};

use crate::common::{check_alive, free_port, spawn_logged, stop, tail, vmrss_kib};

/// Ident the publishers authenticate as.
pub const IDENT: &str = "bench";
/// Its secret.
pub const SECRET: &str = "bench-server-secret";
/// Longest the server may take to answer its API after start (a store kept by `--keep` may first run the
/// migrations added since, over millions of rows).
const START_TIMEOUT: Duration = Duration::from_secs(900);

/// Which store the server uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Backend {
    /// Embedded SQLite in the data folder.
    Sqlite,
    /// PostgreSQL on 127.0.0.1 ([`Pg::port`]).
    Postgres,
}

/// The PostgreSQL server under the store and the server's setting for it.
#[derive(Debug, Clone, Copy)]
pub struct Pg {
    /// Port on 127.0.0.1 (5432; another for a private server with statement statistics).
    pub port: u16,
    /// `[store] pg_writers` for the server under test, when given.
    pub writers: Option<u32>,
}

impl Pg {
    /// The URL of `db` as the trusted `postgres` user.
    fn url(self, db: &str) -> String {
        format!("postgres://postgres@127.0.0.1:{}/{db}", self.port)
    }
}

impl Backend {
    /// Its name in reports.
    pub fn name(self) -> &'static str {
        match self {
            Backend::Sqlite => "sqlite",
            Backend::Postgres => "postgres",
        }
    }
}

/// A data folder, config and (for PostgreSQL) database; the database is dropped by [`Setup::cleanup`].
#[derive(Debug)]
pub struct Setup {
    /// Which backend.
    pub backend: Backend,
    /// Folder holding data, config and logs: temporary (removed on drop) unless kept with `--keep`.
    dir: Folder,
    /// The store URL the server and the prefill use.
    pub url: String,
    /// The config file.
    pub config: PathBuf,
    /// hpfeeds listener.
    pub broker: SocketAddr,
    /// API listener.
    pub api: SocketAddr,
    /// Prometheus metrics listener (the collector's committed-events counter).
    pub metrics: SocketAddr,
    /// The PostgreSQL database name, to drop.
    pg_db: Option<String>,
    /// Where that database is.
    pg: Pg,
    /// Kept for the next run (`--keep`): nothing is dropped.
    kept: bool,
}

/// A temporary folder, or one kept between runs.
#[derive(Debug)]
enum Folder {
    /// Removed on drop.
    Temp(tempfile::TempDir),
    /// Kept.
    Kept(PathBuf),
}

impl Folder {
    /// Its path.
    fn path(&self) -> &Path {
        match self {
            Folder::Temp(t) => t.path(),
            Folder::Kept(p) => p,
        }
    }
}

impl Setup {
    /// Makes the folder, database and config; `tag` keeps the PostgreSQL databases of one run apart. With
    /// `keep`, the folder is `keep/<backend>` and the database `apiary_bench_keep`, both left for the next run;
    /// `pg.writers` goes into the config's `[store]`.
    pub async fn new(backend: Backend, tag: &str, keep: Option<&Path>, pg: Pg) -> Result<Setup> {
        let dir = match keep {
            Some(k) => {
                let d = k.join(backend.name());
                std::fs::create_dir_all(&d).with_context(|| format!("creating {}", d.display()))?;
                Folder::Kept(d)
            }
            None => Folder::Temp(
                tempfile::Builder::new()
                    .prefix(&format!("bench-server-{}-", backend.name()))
                    .tempdir()
                    .context("creating a temporary data folder")?,
            ),
        };
        let data = dir.path().join("data");
        let (url, pg_db) = match backend {
            Backend::Sqlite => (format!("sqlite://{}", data.join("apiary.db").display()), None),
            Backend::Postgres => {
                let db = match keep {
                    Some(_) => "apiary_bench_keep".to_owned(),
                    None => format!("apiary_bench_{}_{tag}", std::process::id()),
                };
                let made = psql(pg, &format!("CREATE DATABASE {db}")).await.with_context(|| {
                    format!(
                        "creating the PostgreSQL database (is PostgreSQL on 127.0.0.1:{} with a trusted postgres user?)",
                        pg.port
                    )
                });
                if keep.is_none() {
                    made?;
                }
                (pg.url(&db), Some(db))
            }
        };
        let broker = SocketAddr::from(([127, 0, 0, 1], free_port()?));
        let api = SocketAddr::from(([127, 0, 0, 1], free_port()?));
        let metrics = SocketAddr::from(([127, 0, 0, 1], free_port()?));
        let config = dir.path().join("server.toml");
        let toml = format!(
            "data_dir = {data:?}\n\n[broker]\nlisten = [\"{broker}\"]\n\n[api]\nlisten = \"{api}\"\n\n\
             [metrics]\nlisten = \"{metrics}\"\n\n[store]\nurl = {url:?}\n{w}",
            data = data.display().to_string(),
            w = pg.writers.map(|n| format!("pg_writers = {n}\n")).unwrap_or_default(),
        );
        std::fs::write(&config, toml).with_context(|| format!("writing {}", config.display()))?;
        Ok(Setup {
            backend,
            dir,
            url,
            config,
            broker,
            api,
            metrics,
            pg_db,
            pg,
            kept: keep.is_some(),
        })
    }

    /// The folder holding data, config and logs.
    pub fn dir(&self) -> &Path {
        self.dir.path()
    }

    /// The data folder.
    pub fn data_dir(&self) -> PathBuf {
        self.dir.path().join("data")
    }

    /// Adds the publishing ident and creates an API key (returned) with the apiary CLI.
    pub async fn credentials(&self, apiary: &Path) -> Result<String> {
        let cfg = self.config.display().to_string();
        cli(
            apiary,
            &[
                "ident",
                "add",
                IDENT,
                "--secret",
                SECRET,
                "--publish",
                event::CHANNEL_EVENTS,
                "--config",
                &cfg,
            ],
        )
        .await?;
        // A new key name per run: a kept store already holds the earlier runs' keys.
        let name = format!("bench-{}", std::process::id());
        let key = cli(apiary, &["apikey", "create", &name, "--config", &cfg]).await?;
        let key = key.trim().to_string();
        if key.is_empty() || key.contains(char::is_whitespace) {
            bail!("`apiary apikey create` printed {key:?}, not one key");
        }
        Ok(key)
    }

    /// Drops the PostgreSQL database, if one was made.
    pub async fn cleanup(self) -> Result<()> {
        if self.kept {
            return Ok(());
        }
        if let Some(db) = &self.pg_db {
            psql(self.pg, &format!("DROP DATABASE IF EXISTS {db} WITH (FORCE)"))
                .await
                .with_context(|| format!("dropping {db}: drop it by hand"))?;
        }
        Ok(())
    }
}

/// Runs one statement on the PostgreSQL admin database.
async fn psql(pg: Pg, sql: &str) -> Result<()> {
    let out = tokio::time::timeout(
        Duration::from_secs(60),
        Command::new("psql")
            .args([pg.url("postgres").as_str(), "-v", "ON_ERROR_STOP=1", "-qAtc", sql])
            .output(),
    )
    .await
    .context("psql took over 60 s")?
    .context("running psql (is it installed?)")?;
    if !out.status.success() {
        bail!("psql {sql:?} failed: {}", String::from_utf8_lossy(&out.stderr).trim());
    }
    Ok(())
}

/// Runs an apiary subcommand and returns its stdout.
async fn cli(apiary: &Path, args: &[&str]) -> Result<String> {
    let out = tokio::time::timeout(Duration::from_secs(60), Command::new(apiary).args(args).output())
        .await
        .with_context(|| format!("apiary {} took over 60 s", args.join(" ")))?
        .with_context(|| format!("running {}", apiary.display()))?;
    if !out.status.success() {
        bail!(
            "apiary {} failed: {}",
            args.join(" "),
            String::from_utf8_lossy(&out.stderr).trim()
        );
    }
    Ok(String::from_utf8_lossy(&out.stdout).into_owned())
}

/// A running `apiary server`.
#[derive(Debug)]
pub struct Server {
    child: Child,
    /// Its pid, for RSS.
    pub pid: u32,
    log: PathBuf,
    /// API client with the key set.
    pub api: Api,
}

impl Server {
    /// Starts the server and waits until its API answers with the key.
    pub async fn start(apiary: &Path, setup: &Setup, key: &str) -> Result<Server> {
        let stamp = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos());
        let log = setup.dir.path().join(format!("server-{stamp}.log"));
        let logf = std::fs::File::create(&log).with_context(|| format!("creating {}", log.display()))?;
        let mut cmd = Command::new(apiary);
        cmd.args(["server", "--config"]).arg(&setup.config);
        cmd.env("RUST_LOG", "warn");
        let (child, pid) = spawn_logged(cmd, logf, "apiary server")?;
        let mut s = Server {
            child,
            pid,
            log,
            api: Api::new(setup.api, setup.metrics, key)?,
        };
        let deadline = Instant::now() + START_TIMEOUT;
        loop {
            s.check_alive()?;
            if s.api.totals_events().await.is_ok() && tokio::net::TcpStream::connect(setup.broker).await.is_ok() {
                return Ok(s);
            }
            if Instant::now() > deadline {
                bail!(
                    "apiary server did not answer within {START_TIMEOUT:?}; log:\n{}",
                    tail(&s.log, 20)
                );
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// Its RSS in KiB.
    pub fn rss_kib(&self) -> Result<u64> {
        vmrss_kib(self.pid)
    }

    /// Fails, with its log's end, if it has exited.
    pub fn check_alive(&mut self) -> Result<()> {
        check_alive(&mut self.child, &self.log, "apiary server")
    }

    /// Kills and reaps it.
    pub async fn stop(mut self) -> Result<()> {
        stop(&mut self.child, "apiary server").await
    }
}

/// The server's REST API, as the bench uses it.
#[derive(Debug, Clone)]
pub struct Api {
    http: reqwest::Client,
    base: String,
    key: String,
    /// `GET /metrics` of the server's metrics listener.
    metrics: String,
}

impl Api {
    fn new(addr: SocketAddr, metrics: SocketAddr, key: &str) -> Result<Api> {
        let http = reqwest::Client::builder()
            .no_proxy()
            .timeout(Duration::from_secs(30))
            .build()
            .context("building the HTTP client")?;
        Ok(Api {
            http,
            base: format!("http://{addr}"),
            key: key.to_string(),
            metrics: format!("http://{metrics}/metrics"),
        })
    }

    /// GETs `path_query` and returns the status and body.
    pub async fn fetch(&self, path_query: &str) -> Result<(u16, bytes::Bytes)> {
        let r = self
            .http
            .get(format!("{}{path_query}", self.base))
            .bearer_auth(&self.key)
            .send()
            .await
            .with_context(|| format!("GET {path_query}"))?;
        let status = r.status().as_u16();
        let body = r.bytes().await.with_context(|| format!("reading GET {path_query}"))?;
        Ok((status, body))
    }

    /// GETs `path_query` and returns the body; fails on a non-2xx status.
    pub async fn get(&self, path_query: &str) -> Result<bytes::Bytes> {
        let (status, body) = self.fetch(path_query).await?;
        if !(200..300).contains(&status) {
            bail!("GET {path_query}: {status}: {}", String::from_utf8_lossy(&body));
        }
        Ok(body)
    }

    /// Events the collector has committed to the store (`apiary_collector_inserted_events_total`). Unlike the
    /// API's totals, which move when a batch's aggregates are folded in (on SQLite every few batches), it moves with
    /// every commit, so it gives the per-second rates.
    pub async fn inserted_events(&self) -> Result<u64> {
        let text = self
            .http
            .get(&self.metrics)
            .send()
            .await
            .context("GET /metrics")?
            .text()
            .await
            .context("reading GET /metrics")?;
        inserted_in(&text).context("/metrics has no apiary_collector_inserted_events_total")
    }

    /// `events` of `GET /api/v1/totals?hours=49`. Past 48 hours the totals' distinct attackers are estimated from
    /// the hourly sketches; over 24 they were counted exactly from every address rollup row, 22 ms on PostgreSQL
    /// under ingest, which the sampler asked twice a second: 3.5 % of the server's statement time was the bench's.
    pub async fn totals_events(&self) -> Result<u64> {
        let body = self.get("/api/v1/totals?hours=49").await?;
        let v: serde_json::Value = serde_json::from_slice(&body).context("totals is not JSON")?;
        v.get("events")
            .and_then(serde_json::Value::as_u64)
            .context("totals has no `events` number")
    }
}

/// The value of `apiary_collector_inserted_events_total` in an OpenMetrics text.
fn inserted_in(text: &str) -> Option<u64> {
    text.lines()
        .find_map(|l| l.strip_prefix("apiary_collector_inserted_events_total "))
        .and_then(|v| v.trim().parse::<f64>().ok())
        .map(|v| v as u64)
}

#[cfg(test)]
mod tests {
    use super::inserted_in;

    #[test]
    fn the_committed_events_counter_is_read_from_openmetrics_text() {
        let text = "# HELP apiary_collector_inserted_events Events written\n\
                    # TYPE apiary_collector_inserted_events counter\n\
                    apiary_collector_inserted_events_total 12345\n\
                    apiary_collector_inserted_events_created 1.7e9\n# EOF\n";
        assert_eq!(inserted_in(text), Some(12345));
        assert_eq!(inserted_in("# EOF\n"), None);
    }
}

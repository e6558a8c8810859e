//! Storage behind one type: SQLite (embedded default) and PostgreSQL, migrations, hourly rollups, retention.
//!
//! Architecture invariant: the store never imports a protocol crate; it takes [`model::Batch`]es of normalized
//! events and answers the queries the API asks, each from rollups or indexed tables, never by scanning raw rows.
//!
//! # Layout
//! - [`model`]: what goes in and comes out (records, filters, rows).
//! - [`Store`]: the façade; reads share one SQL dialect (`$N` placeholders) through sqlx's `Any` driver, while
//!   inserts go through the native driver (`bulk`: cached multi-row statements on SQLite, `UNNEST` on PostgreSQL).
//! - `write` (batched idempotent insert), `rollup` (per-batch aggregation, including per-address daily aggregates
//!   for the attacker detail), `query` (reads), `feed` (the raw feed over event groups), `admin` (idents,
//!   API keys), `hostnames` (reverse DNS results into `ip_meta`), `users` (dashboard users and web sessions),
//!   `settings` (dashboard-set retention), `retention`,
//!   `blob` (files on disk), `ip` (16-byte IP form), `cursor` (keyset cursors).

mod admin;
mod blob;
mod bulk;
mod cursor;
mod distinct;
mod feed;
mod hostnames;
mod ip;
pub mod model;
mod query;
mod recordings;
mod retention;
mod rollup;
mod settings;
mod sql;
mod top;
mod users;
mod values;
mod write;

pub use hostnames::{HostnameResult, MAX_HOSTNAME};
pub use model::*;
pub use recordings::{NewRecording, RecordingRow, MAX_RECORDING_KEY};
pub use settings::RetentionDays;
pub use users::{NewWebSession, Role, User, WebSession, PASSWORD_MIN};
pub use write::Prepared;

use std::net::IpAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use chrono::{DateTime, Utc};
use sqlx::any::AnyPoolOptions;
use sqlx::AnyPool;

/// The store: a connection pool, the blob folder, and a lock that keeps writes one at a time.
#[derive(Clone)]
pub struct Store {
    /// Connections (readers, admin writes, retention).
    pool: AnyPool,
    /// The native connection `insert` writes through (skips the `Any` driver's value conversions).
    writer: bulk::Writer,
    /// "sqlite" or "postgres".
    backend: &'static str,
    /// Data folder (blobs under `files/`).
    dir: PathBuf,
    /// Top-N's per-hour and per-day leaders (see `top`).
    tops: Arc<top::TopCache>,
    /// Serializes writes: every write but `insert` takes it exclusively; `insert` does too on SQLite (one writer),
    /// and shares it on PostgreSQL, where up to `pg_writers` batches (of different sessions) go in at once.
    write: Arc<tokio::sync::RwLock<()>>,
    /// Concurrent batch writers on PostgreSQL ([`StoreOptions::pg_writers`]).
    pg_writers: usize,
    /// Rollups and attacker rows of batches written under load, not yet upserted (see `write/fold.rs`).
    parked: Arc<std::sync::Mutex<write::fold::Parked>>,
}

/// Concurrent batch writers on PostgreSQL: one batch's events, sessions and index entries go in while another's
/// shared aggregates are upserted, so both cores (and PostgreSQL's own processes) stay busy. Two is what a
/// small machine gains from; each is one connection. The default of [`StoreOptions::pg_writers`].
pub const PG_WRITERS: usize = 2;

/// Most concurrent batch writers [`StoreOptions::pg_writers`] accepts: each holds a PostgreSQL connection and a
/// batch in memory, and past the database host's cores they only queue for the shared-rows lock.
pub const MAX_PG_WRITERS: usize = 16;

/// Settings of [`Store::open_with`] that are not part of the URL.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StoreOptions {
    /// Batches written at once on PostgreSQL (1 to [`MAX_PG_WRITERS`]); a database host with more cores than the
    /// default's two takes more. SQLite always has one writer.
    pub pg_writers: usize,
}

impl Default for StoreOptions {
    fn default() -> Self {
        StoreOptions { pg_writers: PG_WRITERS }
    }
}

/// Embedded schema per backend, applied in order by `open` and recorded in `apiary_migrations` (a small runner
/// instead of `sqlx::migrate!`, which would build sqlx's proc-macro crate with both drivers a second time).
const MIGRATIONS: [(&str, &str, &str); 29] = [
    (
        "sqlite",
        "0001_init",
        include_str!("../migrations/sqlite/0001_init.sql"),
    ),
    (
        "postgres",
        "0001_init",
        include_str!("../migrations/postgres/0001_init.sql"),
    ),
    (
        "sqlite",
        "0002_users",
        include_str!("../migrations/sqlite/0002_users.sql"),
    ),
    (
        "postgres",
        "0002_users",
        include_str!("../migrations/postgres/0002_users.sql"),
    ),
    (
        "sqlite",
        "0003_recordings",
        include_str!("../migrations/sqlite/0003_recordings.sql"),
    ),
    (
        "postgres",
        "0003_recordings",
        include_str!("../migrations/postgres/0003_recordings.sql"),
    ),
    (
        "sqlite",
        "0004_rollup_sums",
        include_str!("../migrations/sqlite/0004_rollup_sums.sql"),
    ),
    (
        "postgres",
        "0004_rollup_sums",
        include_str!("../migrations/postgres/0004_rollup_sums.sql"),
    ),
    (
        "sqlite",
        "0005_sensor_heartbeat",
        include_str!("../migrations/sqlite/0005_sensor_heartbeat.sql"),
    ),
    (
        "postgres",
        "0005_sensor_heartbeat",
        include_str!("../migrations/postgres/0005_sensor_heartbeat.sql"),
    ),
    (
        "sqlite",
        "0006_file_sessions",
        include_str!("../migrations/sqlite/0006_file_sessions.sql"),
    ),
    (
        "postgres",
        "0006_file_sessions",
        include_str!("../migrations/postgres/0006_file_sessions.sql"),
    ),
    (
        "sqlite",
        "0007_session_values",
        include_str!("../migrations/sqlite/0007_session_values.sql"),
    ),
    (
        "postgres",
        "0007_session_values",
        include_str!("../migrations/postgres/0007_session_values.sql"),
    ),
    (
        "sqlite",
        "0008_ip_sketches",
        include_str!("../migrations/sqlite/0008_ip_sketches.sql"),
    ),
    (
        "postgres",
        "0008_ip_sketches",
        include_str!("../migrations/postgres/0008_ip_sketches.sql"),
    ),
    (
        "sqlite",
        "0009_ip_hostname",
        include_str!("../migrations/sqlite/0009_ip_hostname.sql"),
    ),
    (
        "postgres",
        "0009_ip_hostname",
        include_str!("../migrations/postgres/0009_ip_hostname.sql"),
    ),
    (
        "postgres",
        "0010_attacker_keys_covering",
        include_str!("../migrations/postgres/0010_attacker_keys_covering.sql"),
    ),
    (
        "sqlite",
        "0011_session_credentials",
        include_str!("../migrations/sqlite/0011_session_credentials.sql"),
    ),
    (
        "postgres",
        "0011_session_credentials",
        include_str!("../migrations/postgres/0011_session_credentials.sql"),
    ),
    (
        "sqlite",
        "0012_event_groups",
        include_str!("../migrations/sqlite/0012_event_groups.sql"),
    ),
    (
        "postgres",
        "0012_event_groups",
        include_str!("../migrations/postgres/0012_event_groups.sql"),
    ),
    (
        "sqlite",
        "0013_parked_aggregates",
        include_str!("../migrations/sqlite/0013_parked_aggregates.sql"),
    ),
    (
        "postgres",
        "0013_parked_aggregates",
        include_str!("../migrations/postgres/0013_parked_aggregates.sql"),
    ),
    (
        "sqlite",
        "0014_values_by_time",
        include_str!("../migrations/sqlite/0014_values_by_time.sql"),
    ),
    (
        "postgres",
        "0014_values_by_time",
        include_str!("../migrations/postgres/0014_values_by_time.sql"),
    ),
    (
        "postgres",
        "0015_groups_lz4",
        include_str!("../migrations/postgres/0015_groups_lz4.sql"),
    ),
    (
        "postgres",
        "0016_values_unkeyed",
        include_str!("../migrations/postgres/0016_values_unkeyed.sql"),
    ),
];

impl Store {
    /// Opens (creating if needed) the database at `url` (`sqlite://PATH` or `postgres://...`) and runs migrations;
    /// blobs go under `data_dir/files/`.
    pub async fn open(url: &str, data_dir: &Path) -> Result<Store, StoreError> {
        Store::open_with(url, data_dir, &StoreOptions::default()).await
    }

    /// [`Store::open`] with non-default [`StoreOptions`]; an option out of its range is an error naming it.
    pub async fn open_with(url: &str, data_dir: &Path, options: &StoreOptions) -> Result<Store, StoreError> {
        let pg_writers = options.pg_writers;
        if !(1..=MAX_PG_WRITERS).contains(&pg_writers) {
            return Err(StoreError::Invalid(format!(
                "pg_writers is {pg_writers}; set it between 1 and {MAX_PG_WRITERS}"
            )));
        }
        sqlx::any::install_default_drivers();
        let (backend, conn_url) = if let Some(rest) = url.strip_prefix("sqlite://") {
            let file = Path::new(rest.split('?').next().unwrap_or(rest));
            if let Some(parent) = file.parent().filter(|p| !p.as_os_str().is_empty()) {
                std::fs::create_dir_all(parent).map_err(|source| StoreError::Io {
                    path: parent.to_path_buf(),
                    source,
                })?;
            }
            let sep = if rest.contains('?') { '&' } else { '?' };
            ("sqlite", format!("sqlite://{rest}{sep}mode=rwc"))
        } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            ("postgres", url.to_owned())
        } else {
            return Err(StoreError::Url(url.to_owned()));
        };
        let opts = AnyPoolOptions::new().max_connections(if backend == "sqlite" { 4 } else { 8 });
        let opts = opts.after_connect(move |conn, _| {
            Box::pin(async move {
                if backend == "sqlite" {
                    // 8 KiB pages (set before the file's first table; fewer B-tree splits for event rows).
                    // Readers get an 8 MiB page cache each (the OS caches the file too); the writer's own
                    // connection has 32 MiB (see `bulk`): at most 64 MiB of page cache in all.
                    let pragmas = "PRAGMA page_size=8192; PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; \
                                   PRAGMA busy_timeout=10000; PRAGMA cache_size=-8192;";
                    sqlx::raw_sql(pragmas).execute(conn).await?;
                } else {
                    // Dashboard and API reads are short index lookups; PostgreSQL's JIT would compile one whenever
                    // its estimated cost passes `jit_above_cost` (a heavy attacker's detail does), spending more
                    // time compiling than running it.
                    sqlx::raw_sql("SET jit = off").execute(conn).await?;
                }
                Ok(())
            })
        });
        let pool = opts.connect(&conn_url).await.map_err(|e| {
            StoreError::Db(format!(
                "cannot open {backend} store (check the url, that the server runs, and rights): {e}"
            ))
        })?;
        let sql = "CREATE TABLE IF NOT EXISTS apiary_migrations (name TEXT PRIMARY KEY)";
        sqlx::raw_sql(sql).execute(&pool).await.map_err(sql::db)?;
        for (b, name, body) in MIGRATIONS {
            if b != backend {
                continue;
            }
            let done = sql::query(
                "SELECT name FROM apiary_migrations WHERE name = $1",
                vec![sql::Val::T(Some(name.into()))],
            )
            .fetch_optional(&pool)
            .await
            .map_err(sql::db)?;
            if done.is_none() {
                let mut tx = pool.begin().await.map_err(sql::db)?;
                sqlx::raw_sql(body).execute(&mut *tx).await.map_err(sql::db)?;
                sql::query(
                    "INSERT INTO apiary_migrations (name) VALUES ($1)",
                    vec![sql::Val::T(Some(name.into()))],
                )
                .execute(&mut *tx)
                .await
                .map_err(sql::db)?;
                tx.commit().await.map_err(sql::db)?;
            }
        }
        let writer = bulk::Writer::open(backend, &conn_url, pg_writers).await?;
        Ok(Store {
            pool,
            writer,
            backend,
            dir: data_dir.to_path_buf(),
            tops: Arc::default(),
            write: Arc::new(tokio::sync::RwLock::new(())),
            pg_writers,
            parked: Arc::default(),
        })
    }

    /// Which backend this is: "sqlite" or "postgres".
    pub fn backend(&self) -> &'static str {
        self.backend
    }

    /// How many [`Store::insert`] calls may run at once: 1 on SQLite; on PostgreSQL [`StoreOptions::pg_writers`],
    /// provided that the events of one source address are always in the same caller's batches (see `write`'s module
    /// doc).
    pub fn writers(&self) -> usize {
        match self.backend {
            "postgres" => self.pg_writers,
            _ => 1,
        }
    }

    /// Writes a batch in one transaction; redelivered events are counted as duplicates and change nothing. Its
    /// rollups and attacker rows go in with it, with those that earlier batches parked.
    pub async fn insert(&self, batch: &Batch) -> Result<InsertReport, StoreError> {
        self.insert_folding(batch, false).await
    }

    /// [`Store::insert`] for a caller with more batches already waiting (`more_coming`): the batch's rollups and
    /// attacker rows may be parked and upserted with a later batch's, at most two seconds later, so rows that
    /// every batch changes are written once for several (see `write/fold.rs`). A batch with nothing behind it
    /// writes everything parked. Counts stay exact either way, across crashes.
    pub async fn insert_folding(&self, batch: &Batch, more_coming: bool) -> Result<InsertReport, StoreError> {
        self.insert_prepared(batch, Store::prepare(batch), more_coming).await
    }

    /// The CPU-only part of inserting `batch` (event groups, session rows, aggregates), done ahead so that a caller
    /// with a stream of batches can prepare the next one while the current one is written ([`Store::insert_prepared`]).
    pub fn prepare(batch: &Batch) -> Prepared {
        write::prepare(batch)
    }

    /// [`Store::insert_folding`] with the batch's rows computed ahead by [`Store::prepare`] (on failure, prepare it
    /// again to retry: the rows are moved into the statements).
    pub async fn insert_prepared(
        &self,
        batch: &Batch,
        prepared: Prepared,
        more_coming: bool,
    ) -> Result<InsertReport, StoreError> {
        let (_shared, _only) = if self.backend == "postgres" {
            (Some(self.write.read().await), None)
        } else {
            (None, Some(self.write.write().await))
        };
        let defer = more_coming && self.parked().room();
        let (taken, sweep) = if defer {
            (Vec::new(), write::fold::Sweep::None)
        } else {
            self.parked().take()
        };
        match self.write_batch(batch, prepared, defer, taken, sweep).await {
            Ok((report, parked)) => {
                if let Some((id, d)) = parked {
                    self.parked().keep(id, d);
                }
                Ok(report)
            }
            Err(e) => {
                if !defer {
                    self.parked().failed();
                }
                Err(e)
            }
        }
    }

    /// Upserts every parked delta, this process's and any a crash left behind (the collector calls it at start).
    pub async fn flush_parked(&self) -> Result<(), StoreError> {
        if self.parked().idle() {
            return Ok(());
        }
        self.insert_folding(&Batch::default(), false).await.map(drop)
    }

    /// The parked deltas (a poisoned lock still holds consistent data: every change to it is one push or swap).
    fn parked(&self) -> std::sync::MutexGuard<'_, write::fold::Parked> {
        self.parked.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// One transaction: the batch, then its delta parked (`defer`) or upserted with the `taken` ones.
    async fn write_batch(
        &self,
        batch: &Batch,
        prepared: Prepared,
        defer: bool,
        taken: Vec<(i64, write::fold::Delta)>,
        sweep: write::fold::Sweep,
    ) -> Result<(InsertReport, Option<(i64, write::fold::Delta)>), StoreError> {
        let mut tx = self.writer.begin().await?;
        let (report, mut delta, shared) = if batch.is_empty() {
            (InsertReport::default(), write::fold::Delta::default(), None)
        } else {
            let (r, d, s) = write::insert(&mut tx, &self.dir, batch, prepared).await?;
            (r, d, Some(s))
        };
        // Parked, or claimed and the attacker rows upserted, before the lock (see `write::apply_attackers`).
        let parked = if defer && !delta.is_empty() {
            let id = write::fold::park(&mut tx, &delta).await?;
            Some((id, std::mem::take(&mut delta)))
        } else if defer {
            None
        } else {
            write::fold::claim(&mut tx, taken, sweep, &mut delta).await?;
            write::apply_attackers(&mut tx, &mut delta).await?;
            None
        };
        // Then the rows any writer may share, one transaction at a time.
        bulk::lock_aggregates(&mut tx).await?;
        if let Some(s) = shared {
            s.write(&mut tx).await?;
        }
        if !defer {
            write::apply(&mut tx, delta).await?;
        }
        tx.commit().await?;
        self.writer.committed();
        Ok((report, parked))
    }

    /// Inserts or replaces an hpfeeds ident.
    pub async fn put_ident(&self, ident: &IdentRow) -> Result<(), StoreError> {
        admin::put_ident(&self.pool, ident).await
    }

    /// One ident by name (the broker's lookup).
    pub async fn get_ident(&self, name: &str) -> Result<Option<IdentRow>, StoreError> {
        admin::get_ident(&self.pool, name).await
    }

    /// Every ident, by name.
    pub async fn list_idents(&self) -> Result<Vec<IdentRow>, StoreError> {
        admin::list_idents(&self.pool).await
    }

    /// Deletes an ident; false if there was none.
    pub async fn remove_ident(&self, name: &str) -> Result<bool, StoreError> {
        admin::remove_ident(&self.pool, name).await
    }

    /// Makes an API key and returns its plaintext (`apiary_` + 43 base64url chars); only its SHA-256 is stored.
    pub async fn create_api_key(&self, name: &str, read_only: bool) -> Result<String, StoreError> {
        admin::create_api_key(&self.pool, name, read_only).await
    }

    /// The key's record if the presented key is valid.
    pub async fn check_api_key(&self, key: &str) -> Result<Option<ApiKey>, StoreError> {
        admin::check_api_key(&self.pool, key).await
    }

    /// Every API key (names and rights, never secrets).
    pub async fn list_api_keys(&self) -> Result<Vec<ApiKey>, StoreError> {
        admin::list_api_keys(&self.pool).await
    }

    /// Deletes an API key by name; false if there was none.
    pub async fn remove_api_key(&self, name: &str) -> Result<bool, StoreError> {
        admin::remove_api_key(&self.pool, name).await
    }

    /// Deletes what is older than the retention settings, in chunks.
    pub async fn enforce_retention(&self, r: &Retention, now: DateTime<Utc>) -> Result<RetentionReport, StoreError> {
        let _w = self.write.write().await;
        retention::enforce(&self.pool, &self.dir, r, now).await
    }

    /// Refreshes the query planner's statistics (PostgreSQL: `VACUUM (ANALYZE)`; SQLite: `PRAGMA optimize`), so
    /// plans stay right after bulk loads. On PostgreSQL the vacuum also marks pages all-visible, which lets the
    /// attacker detail read `attacker_keys` from its index alone, and reclaims rows the upserts replaced; it is
    /// done here because a server may run with autovacuum off (it only visits pages changed since the last one).
    pub async fn analyze(&self) -> Result<(), StoreError> {
        let sql = if self.backend == "postgres" {
            "VACUUM (ANALYZE)"
        } else {
            "PRAGMA optimize"
        };
        sqlx::raw_sql(sql).execute(&self.pool).await.map_err(sql::db)?;
        Ok(())
    }

    /// Session search, newest first, keyset-paged.
    pub async fn sessions(&self, f: &SessionFilter, page: &Page) -> Result<Paged<SessionRow>, StoreError> {
        query::sessions(&self.pool, self.backend, f, page).await
    }

    /// One session (`sensor/session`) with its timeline.
    pub async fn session(&self, id: &str) -> Result<Option<SessionDetail>, StoreError> {
        query::session(&self.pool, id).await
    }

    /// Everything known about one source address.
    pub async fn attacker(&self, ip: IpAddr) -> Result<Option<Attacker>, StoreError> {
        query::attacker(&self.pool, ip).await
    }

    /// Top-N values of a dimension over a window, from the hourly rollups.
    pub async fn top(&self, dim: Dim, range: TimeRange, limit: u32) -> Result<Vec<TopEntry>, StoreError> {
        let n = limit.max(1) as usize;
        if let Some(v) = top::top(&self.pool, &self.tops, dim, range, n).await? {
            return Ok(v);
        }
        query::top(&self.pool, dim, range, limit).await
    }

    /// Events per protocol per minute or hour, from the rollups.
    pub async fn timeseries(&self, range: TimeRange, bucket: Bucket) -> Result<Vec<SeriesPoint>, StoreError> {
        query::timeseries(&self.pool, range, bucket).await
    }

    /// Files seen (optionally within a window), newest first.
    pub async fn files(&self, range: Option<TimeRange>, page: &Page) -> Result<Paged<FileMeta>, StoreError> {
        query::files(&self.pool, range, page).await
    }

    /// The sessions that dropped (downloaded or uploaded) a file, found by any of its hashes, newest first and
    /// keyset-paged; `None` when no file has that hash.
    pub async fn file_sessions(&self, hash: &str, page: &Page) -> Result<Option<Paged<FileSession>>, StoreError> {
        query::file_sessions(&self.pool, hash, page).await
    }

    /// One file by SHA-256, SHA-1 or MD5 (told apart by length).
    pub async fn file(&self, hash: &str) -> Result<Option<FileMeta>, StoreError> {
        query::file(&self.pool, hash).await
    }

    /// The blob's path, only if `sha256` is 64 hex digits and the file is on disk.
    pub fn blob_path(&self, sha256: &str) -> Option<PathBuf> {
        blob::path(&self.dir, sha256).filter(|p| p.is_file())
    }

    /// Every sensor that has sent events.
    pub async fn sensors(&self) -> Result<Vec<SensorRow>, StoreError> {
        query::sensors(&self.pool).await
    }

    /// Every stored event, newest first, filtered.
    pub async fn feed(&self, f: &FeedFilter, page: &Page) -> Result<Paged<FeedRow>, StoreError> {
        feed::feed(&self.pool, f, page).await
    }

    /// Passive-fingerprint metadata for one address or all.
    pub async fn ip_meta(&self, ip: Option<IpAddr>, page: &Page) -> Result<Paged<IpMeta>, StoreError> {
        query::ip_meta(&self.pool, ip, page).await
    }

    /// Headline counters over a window, from the rollups.
    pub async fn totals(&self, range: TimeRange) -> Result<Totals, StoreError> {
        query::totals(&self.pool, range).await
    }
}

/// Why the store failed; the message says what to check.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The database refused or could not be reached.
    #[error("database error: {0}")]
    Db(String),
    /// A file (blob or database folder) could not be read or written.
    #[error("storage i/o error on {path}: {source}")]
    Io {
        /// The path concerned.
        path: std::path::PathBuf,
        /// The cause.
        source: std::io::Error,
    },
    /// The store URL is not one we know.
    #[error("unsupported store url {0:?}: use sqlite://PATH or postgres://USER@HOST/DB")]
    Url(String),
    /// A value given by the caller is invalid (a bad cursor, say).
    #[error("invalid input: {0}")]
    Invalid(String),
}

//! The native pool and transaction behind the write path (SQLite or PostgreSQL).

use std::str::FromStr;
use std::time::Duration;

use sqlx::postgres::{PgConnectOptions, PgPool, PgPoolOptions, Postgres};
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteSynchronous};
use sqlx::{Sqlite, Transaction};

use super::CHUNK;
use crate::sql::db;
use crate::StoreError;

/// The native pool behind the write path: one connection, since writes are serialized anyway.
#[derive(Clone, Debug)]
pub(crate) enum Writer {
    /// SQLite, with a larger page cache than the readers.
    Sqlite(SqlitePool),
    /// PostgreSQL.
    Pg(PgPool),
}

/// SQLite page cache of the writer connection, in KiB (negative `cache_size` means KiB): big enough that index
/// pages of a day's inserts stay in memory, small enough to keep the server far under its memory budget.
const WRITER_CACHE_KIB: i64 = 65_536;

impl Writer {
    /// Opens the native pool for `backend` ("sqlite" or "postgres") at the connection `url` used for the readers.
    pub async fn open(backend: &str, url: &str) -> Result<Writer, StoreError> {
        let err = |e: sqlx::Error| StoreError::Db(format!("cannot open the {backend} write connection: {e}"));
        if backend == "sqlite" {
            let opts = SqliteConnectOptions::from_str(url)
                .map_err(err)?
                .journal_mode(SqliteJournalMode::Wal)
                .synchronous(SqliteSynchronous::Normal)
                .busy_timeout(Duration::from_secs(10))
                .pragma("cache_size", format!("-{WRITER_CACHE_KIB}"))
                .pragma("temp_store", "MEMORY")
                // Checkpoint every ~32 MB of WAL rather than 4 MB: hot pages (rollups, index interiors) are
                // copied back to the database file eight times less often.
                .pragma("wal_autocheckpoint", "8192")
                .statement_cache_capacity(256)
                // `RETURNING id` yields a row per new event: let the worker hand over a whole chunk without
                // waiting for this task to drain its default 50-row buffer.
                .row_buffer_size(2 * CHUNK);
            let pool = SqlitePoolOptions::new()
                .max_connections(1)
                .connect_with(opts)
                .await
                .map_err(err)?;
            Ok(Writer::Sqlite(pool))
        } else {
            let opts = PgConnectOptions::from_str(url)
                .map_err(err)?
                .statement_cache_capacity(256);
            let pool = PgPoolOptions::new()
                .max_connections(1)
                .connect_with(opts)
                .await
                .map_err(err)?;
            Ok(Writer::Pg(pool))
        }
    }

    /// Starts a write transaction.
    pub async fn begin(&self) -> Result<Tx, StoreError> {
        Ok(match self {
            // IMMEDIATE: take the write lock first, so reading ids before inserting cannot meet a snapshot that
            // another connection's commit made stale (SQLITE_BUSY_SNAPSHOT); waits like any writer otherwise.
            Writer::Sqlite(p) => Tx::Sqlite(p.begin_with("BEGIN IMMEDIATE").await.map_err(db)?),
            Writer::Pg(p) => Tx::Pg(p.begin().await.map_err(db)?),
        })
    }
}

/// The write transaction on whichever backend this store uses.
pub(crate) enum Tx {
    /// SQLite.
    Sqlite(Transaction<'static, Sqlite>),
    /// PostgreSQL.
    Pg(Transaction<'static, Postgres>),
}

impl Tx {
    /// Commits.
    pub async fn commit(self) -> Result<(), StoreError> {
        match self {
            Tx::Sqlite(t) => t.commit().await.map_err(db),
            Tx::Pg(t) => t.commit().await.map_err(db),
        }
    }
}

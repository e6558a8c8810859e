//! The native pool and transaction behind the write path (SQLite or PostgreSQL).

use std::path::PathBuf;
use std::str::FromStr;
use std::time::Duration;

use sqlx::postgres::{PgConnectOptions, PgPool, PgPoolOptions, Postgres};
use sqlx::sqlite::{
    SqliteConnectOptions, SqliteConnection, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteSynchronous,
};
use sqlx::{Connection, Sqlite, Transaction};
use tokio::sync::mpsc;

use super::CHUNK;
use crate::sql::db;
use crate::StoreError;

/// The native pool behind the write path: one connection on SQLite (one writer at a time anyway), one per
/// concurrent writer on PostgreSQL.
#[derive(Clone, Debug)]
pub(crate) enum Writer {
    /// SQLite, with a larger page cache than the readers, and the checkpointer its commits wake.
    Sqlite(SqlitePool, Checkpointer),
    /// PostgreSQL.
    Pg(PgPool),
}

/// SQLite page cache of the writer connection, in KiB (negative `cache_size` means KiB): index interiors and the
/// hot leaves stay in memory; a transaction's further dirty pages spill to the WAL. 32 MiB ingested as fast as
/// 64 MiB (34.0k vs 34.5k events/s) with 75 MiB less peak RSS; 16 MiB was 8 % slower.
const WRITER_CACHE_KIB: i64 = 32_768;

impl Writer {
    /// Opens the native pool for `backend` ("sqlite" or "postgres") at the connection `url` used for the readers;
    /// on PostgreSQL with one connection per concurrent writer.
    pub async fn open(backend: &str, url: &str, pg_writers: usize) -> Result<Writer, StoreError> {
        let err = |e: sqlx::Error| StoreError::Db(format!("cannot open the {backend} write connection: {e}"));
        if backend == "sqlite" {
            let opts = SqliteConnectOptions::from_str(url)
                .map_err(err)?
                .journal_mode(SqliteJournalMode::Wal)
                .synchronous(SqliteSynchronous::Normal)
                .busy_timeout(Duration::from_secs(10))
                .pragma("cache_size", format!("-{WRITER_CACHE_KIB}"))
                .pragma("temp_store", "MEMORY")
                // Never checkpoint on a commit: the `Checkpointer` copies WAL pages back on its own connection
                // (and so its own thread) while this one writes the next batch.
                .pragma("wal_autocheckpoint", "0")
                .statement_cache_capacity(256)
                // `RETURNING id` yields a row per new event: let the worker hand over a whole chunk without
                // waiting for this task to drain its default 50-row buffer.
                .row_buffer_size(2 * CHUNK);
            let checkpointer = Checkpointer::start(&opts).await.map_err(err)?;
            let pool = SqlitePoolOptions::new()
                .max_connections(1)
                .connect_with(opts)
                .await
                .map_err(err)?;
            Ok(Writer::Sqlite(pool, checkpointer))
        } else {
            let opts = PgConnectOptions::from_str(url)
                .map_err(err)?
                .statement_cache_capacity(256);
            let pool = PgPoolOptions::new()
                .max_connections(u32::try_from(pg_writers).unwrap_or(1).max(1))
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
            Writer::Sqlite(p, _) => Tx::Sqlite(p.begin_with("BEGIN IMMEDIATE").await.map_err(db)?),
            Writer::Pg(p) => Tx::Pg(p.begin().await.map_err(db)?),
        })
    }

    /// Tells the checkpointer (SQLite) that a transaction was committed.
    pub fn committed(&self) {
        if let Writer::Sqlite(_, c) = self {
            c.wake();
        }
    }
}

/// A WAL file larger than this is emptied once ingest is light again (see [`checkpoints`]), so a burst does not
/// leave hundreds of MiB of disk (a Raspberry Pi's SD card) taken for good: SQLite reuses a WAL file from its
/// start but never shrinks it.
const WAL_KEEP_BYTES: u64 = 64 << 20;

/// "Light ingest": the log, copied back in full, holds at most this many frames (8 MiB) since it last started over.
const LIGHT_FRAMES: i64 = 1024;

/// WAL length, in frames (pages of 8 KiB), past which a checkpoint also rewinds the log: it waits for the writer's
/// current transaction and blocks the next one while it copies what is left, so the WAL file stays near 512 MiB
/// under sustained ingest (the writer can only rewind a log that was wholly copied back when it begins).
const WAL_RESTART_FRAMES: i64 = 65_536;

/// Copies the WAL back into the database file on a connection of its own, woken after each commit, so the writer
/// thread spends its time on inserts; SQLite allows one checkpoint to run beside one writer.
#[derive(Clone, Debug)]
pub(crate) struct Checkpointer {
    /// A pending wake-up (capacity 1: several commits during one checkpoint need one more pass, not several).
    wake: mpsc::Sender<()>,
}

impl Checkpointer {
    /// Opens the checkpoint connection with the writer's options and starts its task; the task ends when the last
    /// writer handle is dropped.
    async fn start(opts: &SqliteConnectOptions) -> Result<Checkpointer, sqlx::Error> {
        let conn = SqliteConnection::connect_with(opts).await?;
        let (wake, rx) = mpsc::channel(1);
        let mut wal = opts.get_filename().as_os_str().to_owned();
        wal.push("-wal");
        tokio::spawn(checkpoints(conn, rx, PathBuf::from(wal)));
        Ok(Checkpointer { wake })
    }

    /// Asks for a checkpoint pass (never waits).
    fn wake(&self) {
        let _ = self.wake.try_send(());
    }
}

/// The checkpointer's loop: a passive checkpoint per wake-up (it copies what it can without waiting for anyone),
/// a restarting one when the log has grown past [`WAL_RESTART_FRAMES`], and a truncating one when the file is
/// bigger than [`WAL_KEEP_BYTES`] but the log is short and wholly copied back (ingest is light again). Truncating
/// waits for the writer and costs it a moment, so it is never done under heavy ingest (`journal_size_limit`, which
/// trims on the writer's commits, stalled the ingest benchmark for a second).
async fn checkpoints(mut conn: SqliteConnection, mut wake: mpsc::Receiver<()>, wal: PathBuf) {
    while wake.recv().await.is_some() {
        let pass = sqlx::query_as::<_, (i64, i64, i64)>("PRAGMA wal_checkpoint(PASSIVE)")
            .fetch_one(&mut conn)
            .await;
        let then = match pass {
            Ok((_, log, _)) if log >= WAL_RESTART_FRAMES => Some("PRAGMA wal_checkpoint(RESTART)"),
            Ok((0, log, copied)) if log == copied && log <= LIGHT_FRAMES => {
                let size = tokio::fs::metadata(&wal).await.map_or(0, |m| m.len());
                (size > WAL_KEEP_BYTES).then_some("PRAGMA wal_checkpoint(TRUNCATE)")
            }
            Ok(_) => None,
            Err(e) => {
                tracing::warn!(error = %e, "WAL checkpoint failed; will retry after the next commit");
                None
            }
        };
        if let Some(sql) = then {
            if let Err(e) = sqlx::query(sql).execute(&mut conn).await {
                tracing::warn!(error = %e, sql, "WAL checkpoint failed; will retry after the next commit");
            }
        }
    }
    let _ = conn.close().await;
}

/// The write transaction on whichever backend this store uses.
pub(crate) enum Tx {
    /// SQLite.
    Sqlite(Transaction<'static, Sqlite>),
    /// PostgreSQL.
    Pg(Transaction<'static, Postgres>),
}

impl Tx {
    /// Runs one statement that takes no arguments and returns no rows (savepoints).
    pub async fn execute(&mut self, sql: &'static str) -> Result<(), StoreError> {
        match self {
            Tx::Sqlite(t) => sqlx::query(sql).execute(&mut **t).await.map(drop),
            Tx::Pg(t) => sqlx::query(sql).execute(&mut **t).await.map(drop),
        }
        .map_err(db)
    }

    /// Commits.
    pub async fn commit(self) -> Result<(), StoreError> {
        match self {
            Tx::Sqlite(t) => t.commit().await.map_err(db),
            Tx::Pg(t) => t.commit().await.map_err(db),
        }
    }
}

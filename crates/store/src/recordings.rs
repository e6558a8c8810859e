//! Session recordings (asciicast v2) sent by sensors: one row per `(session, name)`, the bytes a blob by SHA-256.
//!
//! Rows are written apart from [`Store::insert`]'s batches: a recording names its session but needs no event of it,
//! and a redelivered recording changes nothing (the key already exists, the blob is already on disk). Recordings
//! go with their sessions: [`Store::prune_recordings`] drops those whose session row is gone (retention), with the
//! blob when nothing else refers to it.

use bytes::Bytes;
use chrono::{DateTime, Utc};
use serde::Serialize;
use sqlx::any::AnyRow;
use sqlx::Row;

use crate::sql::{db, micros, query, time, Val};
use crate::{blob, Store, StoreError};

/// Longest session id or recording name accepted (the sensor's are far shorter).
pub const MAX_RECORDING_KEY: usize = 512;

/// A recording as the collector received it.
#[derive(Debug, Clone, PartialEq)]
pub struct NewRecording {
    /// The session it belongs to, as the sessions table keys it (`sensor/session`).
    pub session_id: String,
    /// The sensor's relative file name (`recordings/<session>-0.cast`).
    pub name: String,
    /// The asciicast bytes (possibly a truncated prefix of the sensor's file).
    pub bytes: Bytes,
    /// The file's size on the sensor, in bytes.
    pub size: u64,
    /// Whether `bytes` is only a prefix of the sensor's file.
    pub truncated: bool,
    /// When the collector received it.
    pub received: DateTime<Utc>,
}

/// A stored recording's metadata, as the API lists it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RecordingRow {
    /// The session (`sensor/session`).
    pub session_id: String,
    /// The sensor's relative file name.
    pub name: String,
    /// SHA-256 of the stored bytes.
    pub sha256: String,
    /// The file's size on the sensor, in bytes.
    pub size: u64,
    /// Whether only a prefix was sent (the sensor's file was over the publish cap).
    pub truncated: bool,
    /// When the server received it.
    pub received: DateTime<Utc>,
}

/// The columns [`row`] reads, in order.
const COLS: &str = "session_id, name, sha256, size, truncated, received";

/// Decodes one `recordings` row.
fn row(r: &AnyRow) -> Result<RecordingRow, StoreError> {
    Ok(RecordingRow {
        session_id: r.try_get(0).map_err(db)?,
        name: r.try_get(1).map_err(db)?,
        sha256: r.try_get(2).map_err(db)?,
        size: u64::try_from(r.try_get::<i64, _>(3).map_err(db)?).unwrap_or(0),
        truncated: r.try_get::<i64, _>(4).map_err(db)? != 0,
        received: time(r.try_get(5).map_err(db)?),
    })
}

/// Checks a session id or name: non-empty, bounded, no control characters.
fn key(what: &str, v: &str) -> Result<(), StoreError> {
    if v.is_empty() || v.len() > MAX_RECORDING_KEY || v.chars().any(char::is_control) {
        return Err(StoreError::Invalid(format!(
            "recording {what} must be 1 to {MAX_RECORDING_KEY} bytes without control characters"
        )));
    }
    Ok(())
}

impl Store {
    /// Stores a recording's bytes (by SHA-256) and its row; false when `(session_id, name)` was already stored.
    pub async fn put_recording(&self, r: &NewRecording) -> Result<bool, StoreError> {
        key("session id", &r.session_id)?;
        key("name", &r.name)?;
        let sha = blob::hashes(&r.bytes).sha256;
        let (dir, bytes, s) = (self.dir.clone(), r.bytes.clone(), sha.clone());
        tokio::task::spawn_blocking(move || blob::write(&dir, &s, &bytes))
            .await
            .map_err(|e| StoreError::Db(format!("the blob writer task failed: {e}")))??;
        let _w = self.write.write().await;
        let done = query(
            "INSERT INTO recordings (session_id, name, sha256, size, truncated, received) \
             VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (session_id, name) DO NOTHING",
            vec![
                Val::T(Some(r.session_id.clone())),
                Val::T(Some(r.name.clone())),
                Val::T(Some(sha)),
                Val::I(Some(i64::try_from(r.size).unwrap_or(i64::MAX))),
                Val::I(Some(i64::from(r.truncated))),
                Val::I(Some(micros(r.received))),
            ],
        )
        .execute(&self.pool)
        .await
        .map_err(db)?;
        Ok(done.rows_affected() > 0)
    }

    /// The recordings of one session (`sensor/session`), by name.
    pub async fn recordings(&self, session_id: &str) -> Result<Vec<RecordingRow>, StoreError> {
        let sql = format!("SELECT {COLS} FROM recordings WHERE session_id = $1 ORDER BY name LIMIT 1000");
        let rows = query(&sql, vec![Val::T(Some(session_id.into()))])
            .fetch_all(&self.pool)
            .await
            .map_err(db)?;
        rows.iter().map(row).collect()
    }

    /// The latest recordings received, newest first (at most `limit`, capped at 1000).
    pub async fn recent_recordings(&self, limit: u32) -> Result<Vec<RecordingRow>, StoreError> {
        let sql = format!(
            "SELECT {COLS} FROM recordings ORDER BY received DESC, session_id, name LIMIT {}",
            limit.clamp(1, 1000)
        );
        let rows = query(&sql, Vec::new()).fetch_all(&self.pool).await.map_err(db)?;
        rows.iter().map(row).collect()
    }

    /// One recording's metadata and bytes; `None` when there is no such row or its blob is gone.
    pub async fn recording(&self, session_id: &str, name: &str) -> Result<Option<(RecordingRow, Vec<u8>)>, StoreError> {
        let sql = format!("SELECT {COLS} FROM recordings WHERE session_id = $1 AND name = $2");
        let found = query(&sql, vec![Val::T(Some(session_id.into())), Val::T(Some(name.into()))])
            .fetch_optional(&self.pool)
            .await
            .map_err(db)?;
        self.with_bytes(found).await
    }

    /// A recording's bytes by their SHA-256 (lowercase hex), only if some recording has them: never another blob
    /// (captured samples are for admins only). `None` when no recording has that hash or its blob is gone.
    pub async fn recording_by_sha256(&self, sha256: &str) -> Result<Option<(RecordingRow, Vec<u8>)>, StoreError> {
        let sql = format!("SELECT {COLS} FROM recordings WHERE sha256 = $1 ORDER BY received LIMIT 1");
        let found = query(&sql, vec![Val::T(Some(sha256.to_ascii_lowercase()))])
            .fetch_optional(&self.pool)
            .await
            .map_err(db)?;
        self.with_bytes(found).await
    }

    /// Reads the blob of a found row.
    async fn with_bytes(&self, found: Option<AnyRow>) -> Result<Option<(RecordingRow, Vec<u8>)>, StoreError> {
        let Some(found) = found else { return Ok(None) };
        let meta = row(&found)?;
        let Some(path) = blob::path(&self.dir, &meta.sha256) else {
            return Ok(None);
        };
        match tokio::fs::read(&path).await {
            Ok(bytes) => Ok(Some((meta, bytes))),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(source) => Err(StoreError::Io { path, source }),
        }
    }

    /// Deletes recordings received before `before` whose session row is gone (retention took it), and their blobs
    /// when no other recording or file refers to them; returns how many rows went. The age guard keeps a recording
    /// that arrived before its session's events were committed.
    pub async fn prune_recordings(&self, before: DateTime<Utc>) -> Result<u64, StoreError> {
        let _w = self.write.write().await;
        let mut gone = 0u64;
        // Bounded: each round deletes what it selected, at most 100 rounds of 500 per call.
        for _ in 0..100 {
            let rows = query(
                "SELECT session_id, name, sha256 FROM recordings r WHERE received < $1 \
                 AND NOT EXISTS (SELECT 1 FROM sessions s WHERE s.id = r.session_id) LIMIT 500",
                vec![Val::I(Some(micros(before)))],
            )
            .fetch_all(&self.pool)
            .await
            .map_err(db)?;
            if rows.is_empty() {
                break;
            }
            for r in &rows {
                let (sid, name, sha): (String, String, String) = (
                    r.try_get(0).map_err(db)?,
                    r.try_get(1).map_err(db)?,
                    r.try_get(2).map_err(db)?,
                );
                query(
                    "DELETE FROM recordings WHERE session_id = $1 AND name = $2",
                    vec![Val::T(Some(sid)), Val::T(Some(name))],
                )
                .execute(&self.pool)
                .await
                .map_err(db)?;
                gone += 1;
                let used = query(
                    "SELECT 1 FROM recordings WHERE sha256 = $1 UNION ALL SELECT 1 FROM files WHERE sha256 = $2",
                    vec![Val::T(Some(sha.clone())), Val::T(Some(sha.clone()))],
                )
                .fetch_optional(&self.pool)
                .await
                .map_err(db)?;
                if used.is_none() {
                    blob::remove(&self.dir, &sha);
                }
            }
        }
        Ok(gone)
    }
}

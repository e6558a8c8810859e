//! Settings changed from the dashboard, kept in the store so they survive restarts and override `server.toml`.
//!
//! One row per setting name with a JSON value; today only retention lives here.

use serde::{Deserialize, Serialize};
use sqlx::Row;

use crate::sql::{db, exec, query, Val};
use crate::{Retention, Store, StoreError};

/// The row name of the retention setting.
const RETENTION: &str = "retention";

/// Retention as the dashboard shows it and the store keeps it: days per kind, 0 = forever.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RetentionDays {
    /// Raw events.
    pub raw_days: u32,
    /// Sessions and their events.
    pub sessions_days: u32,
    /// Captured files.
    pub files_days: u32,
    /// Rollups and attacker aggregates.
    pub rollups_days: u32,
}

impl From<&Retention> for RetentionDays {
    fn from(r: &Retention) -> Self {
        RetentionDays {
            raw_days: r.raw_days.unwrap_or(0),
            sessions_days: r.sessions_days.unwrap_or(0),
            files_days: r.files_days.unwrap_or(0),
            rollups_days: r.rollups_days.unwrap_or(0),
        }
    }
}

impl From<RetentionDays> for Retention {
    fn from(d: RetentionDays) -> Self {
        let keep = |v: u32| (v > 0).then_some(v);
        Retention {
            raw_days: keep(d.raw_days),
            sessions_days: keep(d.sessions_days),
            files_days: keep(d.files_days),
            rollups_days: keep(d.rollups_days),
        }
    }
}

impl Store {
    /// The retention set from the dashboard, if any (otherwise `server.toml`'s applies).
    pub async fn retention_setting(&self) -> Result<Option<Retention>, StoreError> {
        let row = query(
            "SELECT value FROM settings WHERE name = $1",
            vec![Val::T(Some(RETENTION.into()))],
        )
        .fetch_optional(&self.pool)
        .await
        .map_err(db)?;
        let Some(row) = row else { return Ok(None) };
        let text: String = row.try_get(0).map_err(db)?;
        let d: RetentionDays = serde_json::from_str(&text)
            .map_err(|e| StoreError::Db(format!("the stored retention setting is not valid JSON: {e}")))?;
        Ok(Some(d.into()))
    }

    /// Stores the retention setting (`None` days = forever); the server's retention loop reads it each pass.
    pub async fn put_retention_setting(&self, r: &Retention) -> Result<(), StoreError> {
        let d = RetentionDays::from(r);
        let text = serde_json::to_string(&d).map_err(|e| StoreError::Invalid(e.to_string()))?;
        exec(
            &self.pool,
            "INSERT INTO settings (name, value) VALUES ($1, $2) ON CONFLICT (name) DO UPDATE SET value = excluded.value",
            vec![Val::T(Some(RETENTION.into())), Val::T(Some(text))],
        )
        .await
        .map(|_| ())
    }
}

//! Reverse DNS results (`[enrich] reverse_dns`) kept on the address's `ip_meta` row, beside its p0f fingerprint.
//!
//! The collector's resolver validates names before they get here (attacker-controlled PTR data); the store only
//! refuses what it could not show safely anyway (too long, control characters).

use std::net::IpAddr;

use chrono::{DateTime, Utc};

use crate::sql::{db, micros, query, Val};
use crate::{ip, Store, StoreError};

/// Longest hostname kept, in bytes: RFC 1035's 255-byte wire limit in text form, without the trailing dot (the
/// collector's validation and this store's backstop share it).
pub const MAX_HOSTNAME: usize = 253;

/// One address's reverse DNS answer, as [`Store::set_hostnames`] records it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HostnameResult {
    /// The source address looked up.
    pub ip: IpAddr,
    /// Its validated PTR name (lower case, no trailing dot), or `None`: no PTR record, or a name refused.
    pub hostname: Option<String>,
    /// Whether the name's A/AAAA records include `ip` (forward-confirmed reverse DNS); false without a name.
    pub confirmed: bool,
    /// When the lookup finished.
    pub checked: DateTime<Utc>,
}

/// Upsert of one result: a new row gets `updated` = the check time (the column is NOT NULL); an existing row keeps
/// its p0f columns, takes the newer check only, and moves `updated` forward if the check is later.
const UPSERT: &str = "INSERT INTO ip_meta (ip, hostname, hostname_confirmed, hostname_checked, updated) \
                      VALUES ($1, $2, $3, $4, $4) \
                      ON CONFLICT (ip) DO UPDATE SET hostname = excluded.hostname, \
                      hostname_confirmed = excluded.hostname_confirmed, hostname_checked = excluded.hostname_checked, \
                      updated = CASE WHEN excluded.updated > ip_meta.updated THEN excluded.updated \
                      ELSE ip_meta.updated END \
                      WHERE ip_meta.hostname_checked IS NULL OR ip_meta.hostname_checked <= excluded.hostname_checked";

impl Store {
    /// Records reverse DNS results in one transaction, so the collector writes them in batches, not per lookup.
    ///
    /// Refuses the whole batch (`Invalid`) if a hostname is longer than 253 bytes or holds control characters:
    /// the caller validates names first, so that is a bug there, not bad input to retry.
    pub async fn set_hostnames(&self, results: &[HostnameResult]) -> Result<(), StoreError> {
        if let Some(bad) = results.iter().find(|r| {
            r.hostname
                .as_deref()
                .is_some_and(|h| h.len() > MAX_HOSTNAME || h.chars().any(char::is_control))
        }) {
            return Err(StoreError::Invalid(format!(
                "the hostname for {} is longer than {MAX_HOSTNAME} bytes or holds control characters; validate \
                 PTR names before storing them",
                bad.ip
            )));
        }
        if results.is_empty() {
            return Ok(());
        }
        let _w = self.write.write().await;
        let mut tx = self.pool.begin().await.map_err(db)?;
        for r in results {
            let vals = vec![
                Val::B(ip::encode(r.ip)),
                Val::T(r.hostname.clone()),
                Val::I(Some(i64::from(r.hostname.is_some() && r.confirmed))),
                Val::I(Some(micros(r.checked))),
            ];
            query(UPSERT, vals).execute(&mut *tx).await.map_err(db)?;
        }
        tx.commit().await.map_err(db)
    }
}

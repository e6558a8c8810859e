//! hpfeeds idents and API keys (only the SHA-256 of a key is stored).

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use sha2::{Digest, Sha256};
use sqlx::any::AnyRow;
use sqlx::{AnyPool, Row};

use crate::sql::{db, exec, micros, query, time, Binds, Val};
use crate::{ApiKey, IdentRow, StoreError};

/// Inserts or replaces an ident.
pub(crate) async fn put_ident(pool: &AnyPool, i: &IdentRow) -> Result<(), StoreError> {
    let mut b = Binds::default();
    let j = |v: &Vec<String>| serde_json::to_string(v).unwrap_or_else(|_| "[]".into());
    let v = [
        b.t(&i.name),
        b.t(&i.owner),
        b.t(&i.secret),
        b.t(&j(&i.publish)),
        b.t(&j(&i.subscribe)),
    ];
    let sql = format!(
        "INSERT INTO idents (name, owner, secret, publish, subscribe) VALUES ({}) ON CONFLICT (name) DO UPDATE SET \
         owner = excluded.owner, secret = excluded.secret, publish = excluded.publish, subscribe = excluded.subscribe",
        v.join(",")
    );
    exec(pool, &sql, b.vals).await.map(|_| ())
}

/// Decodes an idents row.
fn ident(r: &AnyRow) -> Result<IdentRow, StoreError> {
    let list = |c: &str| -> Result<Vec<String>, StoreError> {
        let s: String = r.try_get(c).map_err(db)?;
        serde_json::from_str(&s).map_err(|e| StoreError::Db(format!("ident {c} column is not a JSON list: {e}")))
    };
    Ok(IdentRow {
        name: r.try_get("name").map_err(db)?,
        owner: r.try_get("owner").map_err(db)?,
        secret: r.try_get("secret").map_err(db)?,
        publish: list("publish")?,
        subscribe: list("subscribe")?,
    })
}

/// One ident by name.
pub(crate) async fn get_ident(pool: &AnyPool, name: &str) -> Result<Option<IdentRow>, StoreError> {
    let sql = "SELECT name, owner, secret, publish, subscribe FROM idents WHERE name = $1";
    let row = query(sql, vec![Val::T(Some(name.into()))])
        .fetch_optional(pool)
        .await
        .map_err(db)?;
    row.as_ref().map(ident).transpose()
}

/// Every ident, by name.
pub(crate) async fn list_idents(pool: &AnyPool) -> Result<Vec<IdentRow>, StoreError> {
    let sql = "SELECT name, owner, secret, publish, subscribe FROM idents ORDER BY name";
    query(sql, vec![])
        .fetch_all(pool)
        .await
        .map_err(db)?
        .iter()
        .map(ident)
        .collect()
}

/// Deletes an ident; false if there was none.
pub(crate) async fn remove_ident(pool: &AnyPool, name: &str) -> Result<bool, StoreError> {
    Ok(exec(
        pool,
        "DELETE FROM idents WHERE name = $1",
        vec![Val::T(Some(name.into()))],
    )
    .await?
        > 0)
}

/// Hex SHA-256 of a presented key.
fn key_hash(key: &str) -> String {
    hex::encode(Sha256::digest(key.as_bytes()))
}

/// Makes a key and returns its plaintext (shown once).
pub(crate) async fn create_api_key(pool: &AnyPool, name: &str, read_only: bool) -> Result<String, StoreError> {
    let secret: [u8; 32] = rand::random();
    let key = format!("apiary_{}", URL_SAFE_NO_PAD.encode(secret));
    let mut b = Binds::default();
    let v = [
        b.t(name),
        b.t(&key_hash(&key)),
        b.i(i64::from(read_only)),
        b.i(micros(chrono::Utc::now())),
    ];
    let sql = format!(
        "INSERT INTO api_keys (name, hash, read_only, created) VALUES ({})",
        v.join(",")
    );
    exec(pool, &sql, b.vals).await.map_err(|e| match e {
        StoreError::Db(m) => StoreError::Db(format!("could not create key {name:?} (name taken?): {m}")),
        o => o,
    })?;
    Ok(key)
}

/// Decodes an api_keys row.
fn api_key(r: &AnyRow) -> Result<ApiKey, StoreError> {
    Ok(ApiKey {
        name: r.try_get("name").map_err(db)?,
        read_only: r.try_get::<i64, _>("read_only").map_err(db)? != 0,
        created: time(r.try_get("created").map_err(db)?),
    })
}

/// The key's record if the presented key is known.
pub(crate) async fn check_api_key(pool: &AnyPool, key: &str) -> Result<Option<ApiKey>, StoreError> {
    let sql = "SELECT name, read_only, created FROM api_keys WHERE hash = $1";
    let row = query(sql, vec![Val::T(Some(key_hash(key)))])
        .fetch_optional(pool)
        .await
        .map_err(db)?;
    row.as_ref().map(api_key).transpose()
}

/// Every key (never the secret), by name.
pub(crate) async fn list_api_keys(pool: &AnyPool) -> Result<Vec<ApiKey>, StoreError> {
    let sql = "SELECT name, read_only, created FROM api_keys ORDER BY name";
    query(sql, vec![])
        .fetch_all(pool)
        .await
        .map_err(db)?
        .iter()
        .map(api_key)
        .collect()
}

/// Deletes a key by name; false if there was none.
pub(crate) async fn remove_api_key(pool: &AnyPool, name: &str) -> Result<bool, StoreError> {
    Ok(exec(
        pool,
        "DELETE FROM api_keys WHERE name = $1",
        vec![Val::T(Some(name.into()))],
    )
    .await?
        > 0)
}

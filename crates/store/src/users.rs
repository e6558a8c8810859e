//! Dashboard users (argon2id password hashes) and their web sessions (only the SHA-256 of the cookie token is kept).
//!
//! Hashing and verifying run on a blocking thread: argon2id is slow on purpose (tens of milliseconds, 19 MiB) and
//! must not stall the async workers. An unknown user costs the same verification as a known one, so timing does
//! not tell which names exist.

use std::time::Duration;

use argon2::password_hash::{PasswordHasher, PasswordVerifier};
use argon2::Argon2;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use sqlx::any::AnyRow;
use sqlx::Row;

use crate::sql::{db, exec, micros, query, time, Binds, Val};
use crate::{Store, StoreError};

/// Longest user name accepted (names appear in logs and the settings page).
pub const USERNAME_MAX: usize = 64;
/// Shortest password accepted for a dashboard user.
pub const PASSWORD_MIN: usize = 8;
/// Longest password accepted (argon2 takes any length; this bounds the work a request can ask for).
pub const PASSWORD_MAX: usize = 1024;

/// What a dashboard user may do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Role {
    /// Everything: users, API keys, retention, sample downloads.
    Admin,
    /// Reads every page; changes nothing and downloads no samples.
    ReadOnly,
}

impl Role {
    /// The stored and displayed form: `admin` or `read-only`.
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Admin => "admin",
            Role::ReadOnly => "read-only",
        }
    }

    /// Parses `admin` or `read-only`.
    pub fn parse(s: &str) -> Result<Role, StoreError> {
        match s {
            "admin" => Ok(Role::Admin),
            "read-only" | "readonly" | "read_only" => Ok(Role::ReadOnly),
            o => Err(StoreError::Invalid(format!(
                "unknown role {o:?}: use \"admin\" or \"read-only\""
            ))),
        }
    }
}

/// A dashboard user as listed (never the hash).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct User {
    /// Login name.
    pub username: String,
    /// What the user may do.
    pub role: Role,
    /// When the user was created.
    pub created: DateTime<Utc>,
}

/// A logged-in browser: who, with which CSRF token, until when.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WebSession {
    /// The user it belongs to.
    pub username: String,
    /// The user's role (read at lookup, so a changed role applies at once).
    pub role: Role,
    /// The token every state-changing request must echo in `X-CSRF-Token`.
    pub csrf: String,
    /// When it stops being accepted.
    pub expires: DateTime<Utc>,
}

/// A new web session's secrets: the cookie token (shown to the browser only) and the CSRF token.
#[derive(Debug, Clone)]
pub struct NewWebSession {
    /// 256 random bits, base64url; only its SHA-256 is stored.
    pub token: String,
    /// 256 random bits, base64url.
    pub csrf: String,
    /// When it expires.
    pub expires: DateTime<Utc>,
}

/// 256 random bits as base64url (43 characters).
fn random_token() -> String {
    let b: [u8; 32] = rand::random();
    URL_SAFE_NO_PAD.encode(b)
}

/// Hex SHA-256 of a cookie token.
fn token_hash(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

/// Checks a user name: 1..=64 characters of letters, digits, `.`, `_`, `-`, `@`.
fn check_name(name: &str) -> Result<(), StoreError> {
    let ok = !name.is_empty()
        && name.len() <= USERNAME_MAX
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-' | '@'));
    if ok {
        Ok(())
    } else {
        Err(StoreError::Invalid(format!(
            "invalid user name {name:?}: use 1 to {USERNAME_MAX} letters, digits, '.', '_', '-' or '@'"
        )))
    }
}

/// Checks a password's length.
fn check_password(password: &str) -> Result<(), StoreError> {
    let n = password.chars().count();
    if (PASSWORD_MIN..=PASSWORD_MAX).contains(&n) {
        Ok(())
    } else {
        Err(StoreError::Invalid(format!(
            "the password must have {PASSWORD_MIN} to {PASSWORD_MAX} characters"
        )))
    }
}

/// argon2id with the crate's defaults (19 MiB, 2 passes), on a blocking thread.
async fn hash_password(password: &str) -> Result<String, StoreError> {
    let pw = password.to_owned();
    tokio::task::spawn_blocking(move || {
        Argon2::default()
            .hash_password(pw.as_bytes())
            .map(|h| h.to_string())
            .map_err(|e| StoreError::Invalid(format!("cannot hash the password: {e}")))
    })
    .await
    .map_err(|e| StoreError::Db(format!("password hashing task failed: {e}")))?
}

/// A valid argon2id hash of a password nobody knows, verified against when the user does not exist.
const DUMMY_HASH: &str =
    "$argon2id$v=19$m=19456,t=2,p=1$c29tZXNhbHRzb21lc2FsdA$WZIDrT6IT3wFfT0jvj6E4Gm5hrF8B4IgBP0nX0bAgAo";

/// True if `password` matches the PHC `hash` (on a blocking thread).
async fn verify_password(password: &str, hash: &str) -> bool {
    let (pw, h) = (password.to_owned(), hash.to_owned());
    tokio::task::spawn_blocking(move || Argon2::default().verify_password(pw.as_bytes(), h.as_str()).is_ok())
        .await
        .unwrap_or(false)
}

/// Run first in a transaction that may remove or demote an admin: it serializes such transactions, so the admin
/// count read after it includes every one that committed before. On SQLite a write takes the database's one write
/// lock at once (with a fresh snapshot); on PostgreSQL it row-locks every admin, so a concurrent remover waits and
/// then, under READ COMMITTED, its next statement sees the committed removal.
const LOCK_ADMINS: &str = "UPDATE users SET role = role WHERE role = 'admin'";

/// Decodes a users row.
fn user(r: &AnyRow) -> Result<User, StoreError> {
    let role: String = r.try_get("role").map_err(db)?;
    Ok(User {
        username: r.try_get("name").map_err(db)?,
        role: Role::parse(&role)?,
        created: time(r.try_get("created").map_err(db)?),
    })
}

impl Store {
    /// Creates a dashboard user; fails if the name is taken or the password too short.
    pub async fn create_user(&self, name: &str, password: &str, role: Role) -> Result<(), StoreError> {
        check_name(name)?;
        check_password(password)?;
        let hash = hash_password(password).await?;
        let mut b = Binds::default();
        let v = [b.t(name), b.t(&hash), b.t(role.as_str()), b.i(micros(Utc::now()))];
        let sql = format!(
            "INSERT INTO users (name, hash, role, created) VALUES ({}) ON CONFLICT (name) DO NOTHING",
            v.join(",")
        );
        if exec(&self.pool, &sql, b.vals).await? == 0 {
            return Err(StoreError::Invalid(format!(
                "a user named {name:?} exists already: remove it first or pick another name"
            )));
        }
        Ok(())
    }

    /// The user if the name and password match; `None` otherwise (same cost either way).
    pub async fn verify_user(&self, name: &str, password: &str) -> Result<Option<User>, StoreError> {
        if name.len() > USERNAME_MAX || password.len() > PASSWORD_MAX * 4 {
            return Ok(None);
        }
        let sql = "SELECT name, hash, role, created FROM users WHERE name = $1";
        let row = query(sql, vec![Val::T(Some(name.into()))])
            .fetch_optional(&self.pool)
            .await
            .map_err(db)?;
        let Some(row) = row else {
            verify_password(password, DUMMY_HASH).await;
            return Ok(None);
        };
        let hash: String = row.try_get("hash").map_err(db)?;
        if verify_password(password, &hash).await {
            Ok(Some(user(&row)?))
        } else {
            Ok(None)
        }
    }

    /// Every user, by name.
    pub async fn list_users(&self) -> Result<Vec<User>, StoreError> {
        query("SELECT name, role, created FROM users ORDER BY name", vec![])
            .fetch_all(&self.pool)
            .await
            .map_err(db)?
            .iter()
            .map(user)
            .collect()
    }

    /// Removes a user and logs out every browser of theirs; false if there was none. The last admin is never
    /// removed ([`StoreError::Invalid`]), even by concurrent removals: the check and the delete are one transaction
    /// that first locks the admins' rows (`LOCK_ADMINS`).
    pub async fn remove_user(&self, name: &str) -> Result<bool, StoreError> {
        let v = || vec![Val::T(Some(name.into()))];
        let mut tx = self.pool.begin().await.map_err(db)?;
        query(LOCK_ADMINS, vec![]).execute(&mut *tx).await.map_err(db)?;
        let sql = "DELETE FROM users WHERE name = $1 \
                   AND (role <> 'admin' OR (SELECT COUNT(*) FROM users WHERE role = 'admin') > 1)";
        let removed = query(sql, v()).execute(&mut *tx).await.map_err(db)?.rows_affected() > 0;
        if !removed {
            let exists = query("SELECT 1 FROM users WHERE name = $1", v())
                .fetch_optional(&mut *tx)
                .await
                .map_err(db)?
                .is_some();
            tx.rollback().await.map_err(db)?;
            return if exists {
                Err(StoreError::Invalid(format!(
                    "{name:?} is the last admin: create another admin first"
                )))
            } else {
                Ok(false)
            };
        }
        query("DELETE FROM web_sessions WHERE username = $1", v())
            .execute(&mut *tx)
            .await
            .map_err(db)?;
        tx.commit().await.map_err(db)?;
        Ok(true)
    }

    /// Sets a new password and logs out every browser of the user; false if there is no such user.
    pub async fn set_password(&self, name: &str, password: &str) -> Result<bool, StoreError> {
        check_password(password)?;
        let hash = hash_password(password).await?;
        let vals = vec![Val::T(Some(hash)), Val::T(Some(name.into()))];
        let found = exec(&self.pool, "UPDATE users SET hash = $1 WHERE name = $2", vals).await? > 0;
        let v = vec![Val::T(Some(name.into()))];
        exec(&self.pool, "DELETE FROM web_sessions WHERE username = $1", v).await?;
        Ok(found)
    }

    /// Number of users with the admin role (the last one cannot be removed).
    pub async fn count_admins(&self) -> Result<u64, StoreError> {
        let row = query("SELECT COUNT(*) FROM users WHERE role = 'admin'", vec![])
            .fetch_one(&self.pool)
            .await
            .map_err(db)?;
        Ok(crate::sql::count(row.try_get(0).map_err(db)?))
    }

    /// Starts a web session for `username`, valid for `ttl`.
    pub async fn create_web_session(&self, username: &str, ttl: Duration) -> Result<NewWebSession, StoreError> {
        let now = Utc::now();
        let ttl = chrono::Duration::from_std(ttl).unwrap_or(chrono::Duration::hours(12));
        let s = NewWebSession {
            token: random_token(),
            csrf: random_token(),
            expires: now + ttl,
        };
        let mut b = Binds::default();
        let v = [
            b.t(&token_hash(&s.token)),
            b.t(username),
            b.t(&s.csrf),
            b.i(micros(now)),
            b.i(micros(s.expires)),
        ];
        let sql = format!(
            "INSERT INTO web_sessions (token_hash, username, csrf, created, expires) VALUES ({})",
            v.join(",")
        );
        exec(&self.pool, &sql, b.vals).await?;
        Ok(s)
    }

    /// The live session for a cookie token, with the user's current role; `None` if unknown or expired.
    pub async fn web_session(&self, token: &str) -> Result<Option<WebSession>, StoreError> {
        if token.is_empty() || token.len() > 128 {
            return Ok(None);
        }
        let sql = "SELECT s.username, s.csrf, s.expires, u.role FROM web_sessions s \
                   JOIN users u ON u.name = s.username WHERE s.token_hash = $1 AND s.expires > $2";
        let vals = vec![Val::T(Some(token_hash(token))), Val::I(Some(micros(Utc::now())))];
        let row = query(sql, vals).fetch_optional(&self.pool).await.map_err(db)?;
        let Some(r) = row else { return Ok(None) };
        let role: String = r.try_get("role").map_err(db)?;
        Ok(Some(WebSession {
            username: r.try_get("username").map_err(db)?,
            role: Role::parse(&role)?,
            csrf: r.try_get("csrf").map_err(db)?,
            expires: time(r.try_get("expires").map_err(db)?),
        }))
    }

    /// Ends the session of a cookie token (logout); false if there was none.
    pub async fn delete_web_session(&self, token: &str) -> Result<bool, StoreError> {
        let v = vec![Val::T(Some(token_hash(token)))];
        Ok(exec(&self.pool, "DELETE FROM web_sessions WHERE token_hash = $1", v).await? > 0)
    }

    /// Deletes expired web sessions; returns how many.
    pub async fn purge_web_sessions(&self, now: DateTime<Utc>) -> Result<u64, StoreError> {
        let v = vec![Val::I(Some(micros(now)))];
        exec(&self.pool, "DELETE FROM web_sessions WHERE expires <= $1", v).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn dummy_hash_is_a_valid_argon2id_hash() {
        assert!(!verify_password("x", DUMMY_HASH).await);
        assert!(argon2::password_hash::phc::PasswordHash::new(DUMMY_HASH).is_ok());
    }

    #[test]
    fn names_and_roles_are_checked() {
        assert!(check_name("alice.b-c_d@x").is_ok());
        assert!(check_name("").is_err());
        assert!(check_name("<script>").is_err());
        assert!(check_name(&"a".repeat(65)).is_err());
        assert_eq!(Role::parse("read-only").ok(), Some(Role::ReadOnly));
        assert!(Role::parse("root").is_err());
        assert!(check_password("short").is_err());
    }
}

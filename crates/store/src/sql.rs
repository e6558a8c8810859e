//! Backend-neutral SQL helpers: one dialect (`$N` placeholders) that both SQLite and PostgreSQL accept.

use chrono::{DateTime, TimeZone, Utc};
use sqlx::any::AnyArguments;
use sqlx::{Any, AnyPool};

use crate::StoreError;

/// A bound value; the store only uses these four SQL types so both backends decode them the same way.
#[derive(Debug, Clone)]
pub(crate) enum Val {
    /// BIGINT.
    I(Option<i64>),
    /// TEXT.
    T(Option<String>),
    /// BLOB / BYTEA.
    B(Vec<u8>),
}

/// Collects values and hands out their `$N` placeholders, so statements are built without counting by hand.
#[derive(Debug, Default)]
pub(crate) struct Binds {
    /// Values in placeholder order.
    pub vals: Vec<Val>,
}

impl Binds {
    /// Adds a value and returns its placeholder.
    pub fn push(&mut self, v: Val) -> String {
        self.vals.push(v);
        format!("${}", self.vals.len())
    }
    /// Adds an integer.
    pub fn i(&mut self, v: i64) -> String {
        self.push(Val::I(Some(v)))
    }
    /// Adds text.
    pub fn t(&mut self, v: &str) -> String {
        self.push(Val::T(Some(v.to_owned())))
    }
}

/// Builds a query with every value bound.
pub(crate) fn query(sql: &str, vals: Vec<Val>) -> sqlx::query::Query<'static, Any, AnyArguments> {
    let mut q = sqlx::query(sqlx::AssertSqlSafe(sql.to_owned()));
    for v in vals {
        q = match v {
            Val::I(x) => q.bind(x),
            Val::T(x) => q.bind(x),
            Val::B(x) => q.bind(x),
        };
    }
    q
}

/// Runs a statement, returning rows affected.
pub(crate) async fn exec(pool: &AnyPool, sql: &str, vals: Vec<Val>) -> Result<u64, StoreError> {
    Ok(query(sql, vals).execute(pool).await.map_err(db)?.rows_affected())
}

/// Turns a sqlx error into a store error.
pub(crate) fn db(e: sqlx::Error) -> StoreError {
    StoreError::Db(e.to_string())
}

/// Time to stored microseconds.
pub(crate) fn micros(t: DateTime<Utc>) -> i64 {
    t.timestamp_micros()
}

/// Stored microseconds to time (the epoch if out of range, which only a corrupted row could give).
pub(crate) fn time(us: i64) -> DateTime<Utc> {
    Utc.timestamp_micros(us).single().unwrap_or_default()
}

/// An integer column to an unsigned count (negative never happens; clamp to 0).
pub(crate) fn count(v: i64) -> u64 {
    u64::try_from(v).unwrap_or(0)
}

//! Session search by a value seen in a session: a username, password, credential pair, command, URL or file hash.
//!
//! "The newest sessions holding X" has two plans. Collecting every session that holds X and sorting them costs
//! as many rows as hold X (a password in a tenth of 1 M sessions: 325 ms). Walking sessions newest first and
//! checking each for X costs as many sessions as it takes to meet enough holders (a value held once: every
//! session). SQLite picks from the SQL's shape, not from how common X is, so a capped count of X's rows picks
//! here: fewer than [`FEW_MATCHES`] rows, collect; more, walk (such a value is met every few hundred sessions
//! unless all its sessions are old). PostgreSQL plans both shapes alike from its statistics, so it gets the
//! collecting shape and no count (the count cost it 3 ms and gained nothing: password search p50 2.8 ms without,
//! 6.6 ms with, on 1 M sessions).

use sqlx::{AnyPool, Row};

use crate::sql::{db, query, Binds};
use crate::{SessionFilter, StoreError};

/// Rows of a value below which a search collects its sessions instead of walking all sessions newest first.
const FEW_MATCHES: i64 = 10_000;

/// How a value table's rows (alias `v`) match.
enum Match {
    /// `column` equals the value.
    Eq(&'static str, String),
    /// `column` lies in `[lo, hi)`.
    Range(&'static str, String, String),
    /// The row's file has this SHA-256, SHA-1 or MD5 (lowercase hex).
    FileHash(String),
}

/// One value to find: rows of `table` (alias `v`, with `v.session_id`) that match, within `dim` when the table
/// holds several kinds.
struct ValueFilter {
    /// `session_values`, `session_users` or `file_sessions`.
    table: &'static str,
    /// The kind of value (`session_values.dim`).
    dim: Option<&'static str>,
    /// The match.
    m: Match,
}

impl ValueFilter {
    /// The condition on `v`'s rows, binding the values into `b`.
    fn cond(&self, b: &mut Binds) -> String {
        let mut out = Vec::new();
        if let Some(d) = self.dim {
            out.push(format!("v.dim = '{d}'"));
        }
        out.push(match &self.m {
            Match::Eq(c, v) => format!("v.{c} = {}", b.t(v)),
            Match::Range(c, lo, hi) => format!("v.{c} >= {} AND v.{c} < {}", b.t(lo), b.t(hi)),
            Match::FileHash(h) => {
                let h = b.t(h);
                format!("v.key IN (SELECT f.key FROM files f WHERE f.sha256 = {h} OR f.md5 = {h} OR f.sha1 = {h})")
            }
        });
        out.join(" AND ")
    }
}

/// The value filters `f` asks for. Credentials are kept password first (`rollup::session_credential`): a pair is
/// one value, a password a range.
fn filters(f: &SessionFilter) -> Vec<ValueFilter> {
    let value = |dim, m| ValueFilter {
        table: "session_values",
        dim: Some(dim),
        m,
    };
    let mut out = Vec::new();
    if let Some(u) = &f.username {
        out.push(ValueFilter {
            table: "session_users",
            dim: None,
            m: Match::Eq("username", u.clone()),
        });
    }
    if let Some(p) = &f.password {
        let (lo, hi) = crate::rollup::password_range(p);
        out.push(value("credential", Match::Range("value", lo, hi)));
    }
    if let Some(c) = &f.credential {
        // A value that is not a `["user","password"]` pair matches no session.
        let v = crate::rollup::session_credential_of_key(c).unwrap_or_else(|| c.clone());
        out.push(value("credential", Match::Eq("value", v)));
    }
    if let Some(c) = &f.command {
        out.push(value("command", Match::Eq("value", c.clone())));
    }
    if let Some(u) = &f.url {
        out.push(value("url", Match::Eq("value", u.clone())));
    }
    if let Some(h) = &f.hash {
        out.push(ValueFilter {
            table: "file_sessions",
            dim: None,
            m: Match::FileHash(h.to_ascii_lowercase()),
        });
    }
    out
}

/// The `WHERE` conditions on `sessions` for `f`'s value filters, each in the shape that suits how common its value
/// is on SQLite (see the module doc); values are bound into `b`.
pub(crate) async fn conditions(
    pool: &AnyPool,
    backend: &str,
    f: &SessionFilter,
    b: &mut Binds,
) -> Result<Vec<String>, StoreError> {
    let mut out = Vec::new();
    for v in filters(f) {
        let collect = backend != "sqlite" || rows_capped(pool, &v).await? < FEW_MATCHES;
        let (table, cond) = (v.table, v.cond(b));
        out.push(if collect {
            format!("sessions.id IN (SELECT v.session_id FROM {table} v WHERE {cond})")
        } else {
            format!("EXISTS (SELECT 1 FROM {table} v WHERE v.session_id = sessions.id AND {cond})")
        });
    }
    Ok(out)
}

/// How many rows `v` matches, counting at most [`FEW_MATCHES`].
async fn rows_capped(pool: &AnyPool, v: &ValueFilter) -> Result<i64, StoreError> {
    let mut b = Binds::default();
    let sql = format!(
        "SELECT COUNT(*) AS n FROM (SELECT 1 FROM {} v WHERE {} LIMIT {FEW_MATCHES}) AS m",
        v.table,
        v.cond(&mut b)
    );
    query(&sql, b.vals)
        .fetch_one(pool)
        .await
        .map_err(db)?
        .try_get("n")
        .map_err(db)
}

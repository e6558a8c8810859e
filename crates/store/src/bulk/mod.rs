//! Column-wise bulk upserts on the native drivers, for the write path only (reads stay on the `Any` pool).
//!
//! SQLite gets multi-row `VALUES` statements whose text is built once per (table, row count) and whose row counts
//! are a full chunk or a power of two, so sqlx's per-connection statement cache prepares each only once.
//! PostgreSQL gets one statement per table per batch: `INSERT ... SELECT * FROM UNNEST($1::text[], ...)`.
//! Values are moved into the drivers' argument buffers, never cloned.

mod lookup;
mod writer;

pub(crate) use lookup::{existing_events, existing_sessions, insert_new_ids, lock_aggregates, rollup_keys, sketches};
pub(crate) use writer::{Tx, Writer};

use std::collections::HashMap;
use std::future::Future;
use std::sync::{Arc, LazyLock, Mutex};
use std::task::Poll;

use sqlx::sqlite::SqliteArguments;
use sqlx::{Arguments, AssertSqlSafe, Row};

use crate::sql::db;
use crate::StoreError;

/// One column of values, in row order.
#[derive(Debug)]
pub(crate) enum Col {
    /// BIGINT.
    I(Vec<Option<i64>>),
    /// TEXT.
    T(Vec<Option<String>>),
    /// BLOB / BYTEA.
    B(Vec<Vec<u8>>),
}

impl Col {
    /// Rows held.
    fn len(&self) -> usize {
        match self {
            Col::I(v) => v.len(),
            Col::T(v) => v.len(),
            Col::B(v) => v.len(),
        }
    }

    /// PostgreSQL array type for `UNNEST`.
    fn pg_array(&self) -> &'static str {
        match self {
            Col::I(_) => "int8[]",
            Col::T(_) => "text[]",
            Col::B(_) => "bytea[]",
        }
    }
}

/// A column being moved, row by row, into SQLite arguments.
enum Drain {
    /// BIGINT.
    I(std::vec::IntoIter<Option<i64>>),
    /// TEXT.
    T(std::vec::IntoIter<Option<String>>),
    /// BLOB.
    B(std::vec::IntoIter<Vec<u8>>),
}

impl Drain {
    /// Adds this column's next value.
    fn add_next(&mut self, args: &mut SqliteArguments) -> Result<(), StoreError> {
        let r = match self {
            Drain::I(it) => args.add(it.next().flatten()),
            Drain::T(it) => args.add(it.next().flatten()),
            Drain::B(it) => args.add(it.next().unwrap_or_default()),
        };
        r.map_err(|e| StoreError::Db(format!("cannot bind a value: {e}")))
    }
}

/// A target table: its columns (in [`Col`] order) and what follows the rows (`ON CONFLICT ...`, `RETURNING ...`).
#[derive(Debug)]
pub(crate) struct Spec {
    /// Table name.
    pub table: &'static str,
    /// Column names, comma-separated.
    pub cols: &'static str,
    /// Conflict clause and optional `RETURNING` of one BLOB column.
    pub tail: &'static str,
    /// Whether `tail` returns a column that [`write`] should collect.
    pub returning: bool,
}

/// Most rows per SQLite statement (a power of two; binds stay under SQLite's 32766).
const CHUNK: usize = 1024;
/// SQLite's bound-parameter limit.
const SQLITE_MAX_BINDS: usize = 32766;

/// Statement texts by (spec address, rows); rows is 0 for the PostgreSQL form.
type SqlCache = Mutex<HashMap<(usize, usize), Arc<str>>>;

/// Statement texts built so far.
static SQL: LazyLock<SqlCache> = LazyLock::new(Default::default);

/// The statement text for `spec` and `rows` (0 = PostgreSQL `UNNEST` with the given column types).
fn sql_for(spec: &'static Spec, rows: usize, cols: &[Col]) -> Arc<str> {
    let key = (std::ptr::from_ref(spec) as usize, rows);
    let mut cache = SQL.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
    cache
        .entry(key)
        .or_insert_with(|| {
            // SQLite: a statement that may abort on a constraint keeps a statement journal (a copy of every page
            // it changes); `OR IGNORE` cannot abort, so plain "skip the duplicate" inserts are written without one.
            let ignore = rows > 0 && !spec.returning && spec.tail.ends_with("DO NOTHING");
            let (verb, tail) = if ignore {
                ("INSERT OR IGNORE", "")
            } else {
                ("INSERT", spec.tail)
            };
            let head = format!("{verb} INTO {} ({}) ", spec.table, spec.cols);
            let body = if rows == 0 {
                let arrays: Vec<_> = cols
                    .iter()
                    .enumerate()
                    .map(|(i, c)| format!("${}::{}", i + 1, c.pg_array()))
                    .collect();
                format!("SELECT * FROM UNNEST({})", arrays.join(","))
            } else {
                let row = format!("({})", vec!["?"; cols.len()].join(","));
                format!("VALUES {}", vec![row.as_str(); rows].join(","))
            };
            format!("{head}{body} {tail}").into()
        })
        .clone()
}

/// Row counts for SQLite statements: full chunks, then the remainder as powers of two (so at most a dozen
/// distinct statement texts per table ever exist).
fn chunk_sizes(rows: usize, ncols: usize) -> Vec<usize> {
    let cap = (SQLITE_MAX_BINDS / ncols.max(1)).clamp(1, CHUNK);
    let full = 1usize << cap.ilog2();
    let mut out = vec![full; rows / full];
    let mut rest = rows % full;
    while rest > 0 {
        let p = 1usize << rest.ilog2();
        out.push(p);
        rest -= p;
    }
    out
}

/// What [`write`] did.
#[derive(Debug, Default)]
pub(crate) struct Written {
    /// The `RETURNING` column, when the spec returns one.
    pub returned: Vec<Vec<u8>>,
    /// Rows inserted or updated (a skipped duplicate is not counted).
    pub affected: u64,
}

/// Writes all rows of `cols` into `spec`'s table.
pub(crate) async fn write(tx: &mut Tx, spec: &'static Spec, cols: Vec<Col>) -> Result<Written, StoreError> {
    let rows = cols.first().map_or(0, Col::len);
    if rows == 0 {
        return Ok(Written::default());
    }
    if cols.iter().any(|c| c.len() != rows) {
        return Err(StoreError::Db(format!("internal: ragged columns for {}", spec.table)));
    }
    let mut out = Vec::new();
    let mut affected = 0;
    match tx {
        Tx::Sqlite(t) => {
            let sizes = chunk_sizes(rows, cols.len());
            let mut drains: Vec<Drain> = Vec::with_capacity(cols.len());
            let ncols = cols.len();
            let texts: Vec<_> = sizes.iter().map(|&n| sql_for(spec, n, &cols)).collect();
            for c in cols {
                drains.push(match c {
                    Col::I(v) => Drain::I(v.into_iter()),
                    Col::T(v) => Drain::T(v.into_iter()),
                    Col::B(v) => Drain::B(v.into_iter()),
                });
            }
            // Chunk k+1's arguments are built while the worker thread runs chunk k.
            let build = |drains: &mut Vec<Drain>, n: usize| -> Result<SqliteArguments, StoreError> {
                let mut args = SqliteArguments::default();
                args.reserve(n * ncols, 0);
                for _ in 0..n {
                    for d in drains.iter_mut() {
                        d.add_next(&mut args)?;
                    }
                }
                Ok(args)
            };
            let mut next = Some(build(&mut drains, sizes[0])?);
            for (k, text) in texts.into_iter().enumerate() {
                let args = next.take().unwrap_or_default();
                let q = sqlx::query_with(AssertSqlSafe(text), args);
                let following = sizes.get(k + 1).copied();
                let then = || following.map(|n| build(&mut drains, n)).transpose();
                if spec.returning {
                    let (rows, nx) = overlap(q.fetch_all(&mut **t), then).await;
                    next = nx?;
                    for r in rows.map_err(db)? {
                        out.push(r.try_get::<Vec<u8>, _>(0).map_err(db)?);
                    }
                } else {
                    let (done, nx) = overlap(q.execute(&mut **t), then).await;
                    next = nx?;
                    affected += done.map_err(db)?.rows_affected();
                }
            }
        }
        Tx::Pg(t) => {
            let text = sql_for(spec, 0, &cols);
            let mut q = sqlx::query(AssertSqlSafe(text));
            for c in cols {
                q = match c {
                    Col::I(v) => q.bind(v),
                    Col::T(v) => q.bind(v),
                    Col::B(v) => q.bind(v),
                };
            }
            if spec.returning {
                for r in q.fetch_all(&mut **t).await.map_err(db)? {
                    out.push(r.try_get::<Vec<u8>, _>(0).map_err(db)?);
                }
            } else {
                affected = q.execute(&mut **t).await.map_err(db)?.rows_affected();
            }
        }
    }
    if spec.returning {
        affected = out.len() as u64;
    }
    Ok(Written {
        returned: out,
        affected,
    })
}

/// Runs `work` while `fut` is in flight: polls `fut` once (which hands a statement to the database), does the
/// work, then waits for `fut`. Lets this task prepare the next statement while SQLite's thread runs this one.
async fn overlap<F: Future, W>(fut: F, work: impl FnOnce() -> W) -> (F::Output, W) {
    let mut fut = std::pin::pin!(fut);
    let early = std::future::poll_fn(|cx| {
        Poll::Ready(match fut.as_mut().poll(cx) {
            Poll::Ready(v) => Some(v),
            Poll::Pending => None,
        })
    })
    .await;
    let w = work();
    let out = match early {
        Some(v) => v,
        None => fut.await,
    };
    (out, w)
}

#[cfg(test)]
mod tests {
    use super::chunk_sizes;

    #[test]
    fn chunks_are_full_then_powers_of_two() {
        assert_eq!(chunk_sizes(2500, 14), vec![1024, 1024, 256, 128, 64, 4]);
        assert_eq!(chunk_sizes(3, 24), vec![2, 1]);
        assert_eq!(chunk_sizes(0, 5), Vec::<usize>::new());
        // 24 columns: 32766 / 24 = 1365, so chunks of 1024.
        assert_eq!(chunk_sizes(1024, 24), vec![1024]);
        assert!(chunk_sizes(5000, 40).iter().all(|&n| n * 40 <= 32766));
    }
}

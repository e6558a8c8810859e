//! Shared by the store's test files: a throwaway PostgreSQL database on the machine's server.

/// The server's admin URL (CI runs PostgreSQL there with trust auth).
pub const ADMIN: &str = "postgres://postgres@127.0.0.1:5432/postgres";

/// A database made for one test and dropped by [`Scratch::drop_now`].
pub struct Scratch {
    /// The admin connection that made it.
    admin: sqlx::PgPool,
    /// Its name.
    pub name: String,
}

impl Scratch {
    /// A fresh database named `<prefix>_<random>`; `None` (skip) when PostgreSQL is unreachable, a panic instead
    /// when `CI` is set.
    pub async fn new(prefix: &str) -> Option<Scratch> {
        let Ok(admin) = sqlx::PgPool::connect(ADMIN).await else {
            assert!(
                std::env::var_os("CI").is_none(),
                "PostgreSQL unreachable at {ADMIN} and CI is set"
            );
            eprintln!("skipping: PostgreSQL unreachable at {ADMIN}");
            return None;
        };
        let name = format!("{prefix}_{}", rand::random::<u32>());
        sqlx::raw_sql(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")))
            .execute(&admin)
            .await
            .unwrap();
        Some(Scratch { admin, name })
    }

    /// Its connection URL.
    pub fn url(&self) -> String {
        format!("postgres://postgres@127.0.0.1:5432/{}", self.name)
    }

    /// Drops it (connections still open to it are closed by force).
    pub async fn drop_now(self) {
        sqlx::raw_sql(sqlx::AssertSqlSafe(format!("DROP DATABASE {} WITH (FORCE)", self.name)))
            .execute(&self.admin)
            .await
            .unwrap();
    }
}

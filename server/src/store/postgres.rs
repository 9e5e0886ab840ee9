//! PostgreSQL adapter: one database shared by every portal instance. The queries are the SQLite adapter's
//! (see [`super::on_each_backend`]); what differs is here: the pool, the migrations
//! (`migrations/postgres`, applied under sqlx's advisory lock, so instances starting together migrate once)
//! and write transactions.

use super::unavailable;
use app::ssr::ports::StoreError;
use sqlx::postgres::PgPoolOptions;
use sqlx::PgPool;
use std::time::Duration;

static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/postgres");

/// The advisory lock every write transaction takes first (`pg_advisory_xact_lock`, released at commit or
/// rollback). Like SQLite's `BEGIN IMMEDIATE`, writers — on every instance — take turns, so a transaction's
/// reads stay true until it commits (rate limits, code attempts, first-come uniqueness); readers never wait.
const WRITE_LOCK: i64 = 0x6775_616e_6365; // "guance"

#[derive(Clone)]
pub struct PgStore {
    pool: PgPool,
}

impl PgStore {
    /// Connects to `url` and migrates the database.
    pub async fn connect(url: &str) -> Result<Self, StoreError> {
        let max = std::env::var("PORTAL_DATABASE_MAX_CONNECTIONS").ok().and_then(|v| v.parse().ok()).unwrap_or(10);
        let pool = PgPoolOptions::new()
            .max_connections(max)
            .acquire_timeout(Duration::from_secs(10))
            .connect(url)
            .await
            .map_err(unavailable)?;
        MIGRATOR.run(&pool).await.map_err(unavailable)?;
        let store = Self { pool };
        super::LoginSessions::login_sessions(&store).migrate().await.map_err(unavailable)?;
        Ok(store)
    }

    /// Direct access for tests that inspect rows.
    pub fn pool(&self) -> &PgPool {
        &self.pool
    }

    /// A write transaction: read committed, after the store-wide write lock.
    pub(super) async fn begin_write(&self) -> Result<sqlx::Transaction<'static, sqlx::Postgres>, StoreError> {
        let mut tx = self.pool.begin().await.map_err(unavailable)?;
        sqlx::query("SELECT pg_advisory_xact_lock($1)")
            .bind(WRITE_LOCK)
            .execute(&mut *tx)
            .await
            .map_err(unavailable)?;
        Ok(tx)
    }
}

impl super::LoginSessions for PgStore {
    fn login_sessions(&self) -> super::SessionBackend {
        let store = tower_sessions_sqlx_store::PostgresStore::new(self.pool.clone());
        super::SessionBackend::Postgres(store.clone().with_table_name("login_sessions").unwrap_or(store))
    }
}

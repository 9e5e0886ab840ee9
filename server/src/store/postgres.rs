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

/// The store-wide advisory lock (`pg_advisory_xact_lock`, released at commit or rollback). A transaction that
/// decides on the whole store takes it exclusively ([`PgStore::begin_write`]): like SQLite's `BEGIN
/// IMMEDIATE`, it waits for every other writer, so its reads stay true until it commits. A transaction that
/// decides only on some entities ([`PgStore::begin_write_on`]) takes it shared, then an exclusive lock per
/// entity: it waits for store-wide writers and for writers of the same entities only. Readers never wait.
const WRITE_LOCK: i64 = 0x6775_616e_6365; // "guance"
/// The first key of the entity locks (`pg_advisory_xact_lock(int, int)`: a key space apart from
/// [`WRITE_LOCK`]'s).
const ENTITY_LOCKS: i32 = 0x6775; // "gu"

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

    /// A write transaction on `entities` only (see [`WRITE_LOCK`]): their locks are taken in one order, so two
    /// such transactions never wait for each other in a circle.
    pub(super) async fn begin_write_on(
        &self,
        entities: &[super::Entity<'_>],
    ) -> Result<sqlx::Transaction<'static, sqlx::Postgres>, StoreError> {
        let mut tx = self.pool.begin().await.map_err(unavailable)?;
        sqlx::query("SELECT pg_advisory_xact_lock_shared($1)")
            .bind(WRITE_LOCK)
            .execute(&mut *tx)
            .await
            .map_err(unavailable)?;
        let mut keys: Vec<i32> = entities.iter().map(super::Entity::key).collect();
        keys.sort_unstable();
        keys.dedup();
        for key in keys {
            sqlx::query("SELECT pg_advisory_xact_lock($1, $2)")
                .bind(ENTITY_LOCKS)
                .bind(key)
                .execute(&mut *tx)
                .await
                .map_err(unavailable)?;
        }
        Ok(tx)
    }
}

impl super::LoginSessions for PgStore {
    fn login_sessions(&self) -> super::SessionBackend {
        let store = tower_sessions_sqlx_store::PostgresStore::new(self.pool.clone());
        super::SessionBackend::Postgres(store.clone().with_table_name("login_sessions").unwrap_or(store))
    }
}

#[cfg(test)]
mod tests {
    use super::PgStore;
    use crate::store::test_support::temp_store;
    use crate::store::Entity;
    use app::domain::codes::CodePurpose;
    use app::ssr::ports::VerificationCodes;
    use app::ssr::session::SessionId;
    use std::time::Duration;

    /// Writers of different sessions and addresses no longer take turns across the fleet; writers of the same
    /// address still do, and a store-wide writer still waits for everyone.
    #[tokio::test]
    async fn code_writers_wait_only_for_their_own_session_and_address() {
        let (store, _guard) = temp_store::<PgStore>().await;
        let (s1, s2, s3) = (SessionId::generate().key(), SessionId::generate().key(), SessionId::generate().key());
        let held = store.begin_write_on(&[Entity::Session(&s1), Entity::Address("a@example.com")]).await.expect("tx");
        let other = store.record_code(&s2, CodePurpose::Register, "b@example.com", b"mac", 100);
        let other = tokio::time::timeout(Duration::from_secs(3), other).await;
        assert!(matches!(other, Ok(Ok(Ok(())))), "another session and address waited: {other:?}");
        let same_address = store.record_code(&s3, CodePurpose::Register, "a@example.com", b"mac", 100);
        assert!(
            tokio::time::timeout(Duration::from_millis(300), same_address).await.is_err(),
            "a second writer of one address must wait for the first"
        );
        let whole = tokio::time::timeout(Duration::from_millis(300), store.begin_write()).await;
        assert!(whole.is_err(), "a store-wide writer must wait for an entity writer");
        drop(held);
        let after = store.record_code(&s3, CodePurpose::Register, "a@example.com", b"mac", 100);
        assert!(matches!(tokio::time::timeout(Duration::from_secs(3), after).await, Ok(Ok(Ok(())))));
    }
}

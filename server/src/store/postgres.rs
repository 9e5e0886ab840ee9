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

/// The first key of the entity locks (`pg_advisory_xact_lock(int, int)`, released at commit or rollback): a
/// key space of its own. See [`super::Entity`] for what is locked and in which order.
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

    /// A write transaction (read committed) that decides on `entities`: it waits only for writers of the same
    /// entities (see [`super::Entity`]); readers never wait. What no lock covers is the database's: unique
    /// indexes with `ON CONFLICT`, and conditional updates re-checked under the row's lock.
    pub(super) async fn begin_write_on(
        &self,
        entities: &[super::Entity<'_>],
    ) -> Result<sqlx::Transaction<'static, sqlx::Postgres>, StoreError> {
        let mut tx = self.pool.begin().await.map_err(unavailable)?;
        Self::lock_also(&mut tx, entities).await?;
        Ok(tx)
    }

    /// Takes the locks of `entities` inside `tx`, once it has read which they are: each of a rank above every
    /// lock `tx` holds already (see [`super::Entity`]).
    pub(super) async fn lock_also(
        tx: &mut sqlx::Transaction<'_, sqlx::Postgres>,
        entities: &[super::Entity<'_>],
    ) -> Result<(), StoreError> {
        for (_, key, shared) in super::Entity::ordered(entities) {
            let lock = if shared {
                "SELECT pg_advisory_xact_lock_shared($1, $2)"
            } else {
                "SELECT pg_advisory_xact_lock($1, $2)"
            };
            sqlx::query(lock).bind(ENTITY_LOCKS).bind(key).execute(&mut **tx).await.map_err(unavailable)?;
        }
        Ok(())
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

    /// Writers of different sessions and addresses do not take turns across the fleet; writers of the same
    /// address do.
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
        drop(held);
        let after = store.record_code(&s3, CodePurpose::Register, "a@example.com", b"mac", 100);
        assert!(matches!(tokio::time::timeout(Duration::from_secs(3), after).await, Ok(Ok(Ok(())))));
    }
}

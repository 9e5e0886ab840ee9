//! SQLite adapter (the embedded default). Writes take the database lock up front (`BEGIN IMMEDIATE`), so
//! two writers never deadlock upgrading a read lock; uniqueness is the database's job (`ON CONFLICT`).

use super::unavailable;
use app::ssr::ports::StoreError;
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use sqlx::SqlitePool;
use std::str::FromStr;
use std::time::Duration;

static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/sqlite");

#[derive(Clone)]
pub struct SqliteStore {
    pool: SqlitePool,
}

impl SqliteStore {
    /// Opens (creating if needed, along with its folder) the database at `url` and migrates it.
    pub async fn connect(url: &str) -> Result<Self, StoreError> {
        let options = SqliteConnectOptions::from_str(url)
            .map_err(unavailable)?
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Normal)
            .foreign_keys(true)
            .busy_timeout(Duration::from_secs(5));
        let file = options.get_filename();
        if let Some(dir) = file.parent().filter(|d| !d.as_os_str().is_empty()) {
            if file.as_os_str() != ":memory:" {
                std::fs::create_dir_all(dir).map_err(|e| unavailable(format!("{}: {e}", dir.display())))?;
            }
        }
        let pool = SqlitePoolOptions::new().max_connections(8).connect_with(options).await.map_err(unavailable)?;
        migrate(&pool).await?;
        let store = Self { pool };
        super::LoginSessions::login_sessions(&store).migrate().await.map_err(unavailable)?;
        Ok(store)
    }

    /// Direct access for tests that inspect rows.
    pub fn pool(&self) -> &SqlitePool {
        &self.pool
    }

    /// A write transaction: SQLite takes the database's write lock up front (`BEGIN IMMEDIATE`), so two
    /// writers never deadlock upgrading a read lock and each one's reads stay true until it commits.
    async fn begin_write(&self) -> Result<sqlx::Transaction<'static, sqlx::Sqlite>, StoreError> {
        self.pool.begin_with("BEGIN IMMEDIATE").await.map_err(unavailable)
    }

    /// SQLite has one writer at a time whatever the entities: [`Self::begin_write`].
    pub(super) async fn begin_write_on(
        &self,
        _entities: &[super::Entity<'_>],
    ) -> Result<sqlx::Transaction<'static, sqlx::Sqlite>, StoreError> {
        self.begin_write().await
    }

    /// Nothing more to take: a write transaction holds the database's one write lock from its start.
    #[allow(clippy::unused_async)]
    pub(super) async fn lock_also(
        _tx: &mut sqlx::Transaction<'_, sqlx::Sqlite>,
        _entities: &[super::Entity<'_>],
    ) -> Result<(), StoreError> {
        Ok(())
    }
}

impl super::LoginSessions for SqliteStore {
    fn login_sessions(&self) -> super::SessionBackend {
        let store = tower_sessions_sqlx_store::SqliteStore::new(self.pool.clone());
        super::SessionBackend::Sqlite(store.clone().with_table_name("login_sessions").unwrap_or(store))
    }
}

/// Runs the migrations on one connection with foreign keys off, as SQLite's table rebuilds need (a migration
/// runs in a transaction, where the pragma cannot change), then checks every foreign key before the pool
/// serves anything.
async fn migrate(pool: &SqlitePool) -> Result<(), StoreError> {
    let mut conn = pool.acquire().await.map_err(unavailable)?;
    sqlx::query("PRAGMA foreign_keys = OFF").execute(&mut *conn).await.map_err(unavailable)?;
    let migrated = MIGRATOR.run(&mut *conn).await.map_err(unavailable);
    let dangling = sqlx::query("PRAGMA foreign_key_check").fetch_all(&mut *conn).await.map_err(unavailable);
    sqlx::query("PRAGMA foreign_keys = ON").execute(&mut *conn).await.map_err(unavailable)?;
    migrated?;
    if !dangling?.is_empty() {
        conn.detach();
        return Err(StoreError::Unavailable("migrations left rows referring to missing rows".into()));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::test_support::{count, customer};
    use app::ssr::ports::{ActivationStore, ResolvedCustomer};
    use app::ssr::session::SessionId;

    fn licensed(account: &str, license: &str) -> ResolvedCustomer {
        let mut resolved = customer(account);
        resolved.license_arn = Some(format!("arn:aws:license-manager::{account}:license:{license}"));
        resolved
    }

    #[tokio::test]
    async fn the_per_license_rebuild_keeps_every_row_and_every_reference() {
        // A database as the previous release left it (migrations 1–12), with a customer, a session, a
        // settled workspace and an entitlement.
        let dir = tempfile::tempdir().expect("tempdir");
        let old = dir.path().join("old-migrations");
        std::fs::create_dir(&old).expect("dir");
        for entry in std::fs::read_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/migrations/sqlite")).expect("read") {
            let path = entry.expect("entry").path();
            let name = path.file_name().and_then(|n| n.to_str()).unwrap_or_default().to_owned();
            if name.as_str() < "0013" {
                std::fs::copy(&path, old.join(&name)).expect("copy");
            }
        }
        let url = format!("sqlite://{}/portal.db?mode=rwc", dir.path().display());
        let pool = SqlitePool::connect(&url).await.expect("pool");
        sqlx::migrate::Migrator::new(old.as_path()).await.expect("old").run(&pool).await.expect("old schema");
        for statement in [
            "INSERT INTO marketplace_customers (id, aws_account_id, product_code, customer_identifier, license_arn, license_id, created_at, updated_at)
             VALUES (7, '123456789012', 'guance-dev', 'cust-1', 'arn:aws:license-manager::123456789012:license:l-1', 'l-1', 0, 0)",
            "INSERT INTO activation_sessions (id_hash, customer_id, created_at, last_seen_at) VALUES (x'00', 7, 0, 0)",
            "INSERT INTO guance_accounts (id, username, username_key, email, password_hash, created_at) VALUES (1, 'u', 'u', 'e@x.com', 'x', 0)",
            "INSERT INTO billing_accounts (id, username, username_key, email, owner_account_id, created_at) VALUES (1, 'u', 'u', 'e@x.com', 1, 0)",
            "INSERT INTO workspaces (id, billing_account_id, owner_account_id, name, name_key, site, language, created_at) VALUES (1, 1, 1, 'w', 'w', 'us1', 'en', 0)",
            "INSERT INTO workspace_settlements (workspace_id, customer_id, linked_at) VALUES (1, 7, 0)",
            "INSERT INTO entitlements (customer_id, dimension, value_kind, value_text) VALUES (7, 'hosts', 'integer', '5')",
            "UPDATE marketplace_customers SET billing_account_id = 1, subscription_state = 'cancelled', lock_at = 99",
        ] {
            sqlx::query(statement).execute(&pool).await.expect(statement);
        }
        pool.close().await;

        let store = SqliteStore::connect(&url).await.expect("upgrade");
        for table in ["activation_sessions", "workspace_settlements", "entitlements", "marketplace_customers"] {
            assert_eq!(count(&store, table).await, 1, "{table} kept");
        }
        let kept: (i64, Option<i64>, String, Option<i64>) =
            sqlx::query_as("SELECT id, billing_account_id, subscription_state, lock_at FROM marketplace_customers")
                .fetch_one(store.pool())
                .await
                .expect("customer");
        assert_eq!(kept, (7, Some(1), "cancelled".to_owned(), Some(99)));
        // Foreign keys are on again for the pool's work.
        let refused =
            sqlx::query("INSERT INTO workspace_settlements (workspace_id, customer_id, linked_at) VALUES (2, 8, 0)")
                .execute(store.pool())
                .await;
        assert!(refused.is_err(), "a dangling reference is refused");
        // The same license is the same customer; another license of the account is another.
        let same =
            store.record_fulfillment(&customer("123456789012"), &SessionId::generate().key(), 1).await.expect("same");
        assert_eq!(same.id, 7);
        let other = store
            .record_fulfillment(&licensed("123456789012", "l-2"), &SessionId::generate().key(), 2)
            .await
            .expect("other");
        assert_ne!(other.id, 7);
    }
}

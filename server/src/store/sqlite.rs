//! SQLite adapter (the embedded default). Writes take the database lock up front (`BEGIN IMMEDIATE`), so
//! two writers never deadlock upgrading a read lock; uniqueness is the database's job (`ON CONFLICT`).

use app::api::ActivationSummary;
use app::domain::{AwsAccountId, Branch, ProductCode};
use app::ports::{ActivationStore, CustomerRecord, ResolvedCustomer, SessionLookup, StoreError};
use app::session::{SessionKey, IDLE_TIMEOUT_SECS};
use async_trait::async_trait;
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use sqlx::{Row, SqlitePool};
use std::str::FromStr;
use std::time::Duration;

static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/sqlite");

#[derive(Clone)]
pub struct SqliteStore {
    pool: SqlitePool,
}

pub(super) fn unavailable(err: impl std::fmt::Display) -> StoreError {
    StoreError::Unavailable(err.to_string())
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
        MIGRATOR.run(&pool).await.map_err(unavailable)?;
        let store = Self { pool };
        super::LoginSessions::login_sessions(&store).migrate().await.map_err(unavailable)?;
        Ok(store)
    }

    /// Direct access for tests that inspect rows.
    pub fn pool(&self) -> &SqlitePool {
        &self.pool
    }

    /// Finds the session in `tx`, ends it if idle too long, otherwise restarts its idle timer and (when
    /// `branch` is given) records the branch choice.
    async fn touch(&self, session: &SessionKey, now: i64, branch: Option<Branch>) -> Result<SessionLookup, StoreError> {
        let mut tx = self.pool.begin_with("BEGIN IMMEDIATE").await.map_err(unavailable)?;
        let row = sqlx::query(
            "SELECT s.last_seen_at, s.branch, c.aws_account_id, c.product_code, c.subscription_state,
                    b.username AS billing_username
               FROM activation_sessions s JOIN marketplace_customers c ON c.id = s.customer_id
               LEFT JOIN billing_accounts b ON b.id = c.billing_account_id
              WHERE s.id_hash = ?",
        )
        .bind(session.as_bytes())
        .fetch_optional(&mut *tx)
        .await
        .map_err(unavailable)?;
        let Some(row) = row else {
            return Ok(SessionLookup::Unknown);
        };
        let last_seen: i64 = row.try_get("last_seen_at").map_err(unavailable)?;
        if now - last_seen > IDLE_TIMEOUT_SECS {
            sqlx::query("DELETE FROM activation_sessions WHERE id_hash = ?")
                .bind(session.as_bytes())
                .execute(&mut *tx)
                .await
                .map_err(unavailable)?;
            tx.commit().await.map_err(unavailable)?;
            return Ok(SessionLookup::Ended);
        }
        let stored_branch: Option<String> = row.try_get("branch").map_err(unavailable)?;
        let branch = match branch {
            Some(branch) => Some(branch),
            None => stored_branch.map(|b| Branch::parse(&b).map_err(|_| corrupt("branch", &b))).transpose()?,
        };
        sqlx::query("UPDATE activation_sessions SET last_seen_at = ?, branch = ? WHERE id_hash = ?")
            .bind(now)
            .bind(branch.map(Branch::code))
            .bind(session.as_bytes())
            .execute(&mut *tx)
            .await
            .map_err(unavailable)?;
        tx.commit().await.map_err(unavailable)?;
        let account: String = row.try_get("aws_account_id").map_err(unavailable)?;
        let product: String = row.try_get("product_code").map_err(unavailable)?;
        Ok(SessionLookup::Active(ActivationSummary {
            aws_account_id: AwsAccountId::parse(&account).map_err(|_| corrupt("aws_account_id", &account))?,
            product_code: ProductCode::parse(&product).map_err(|_| corrupt("product_code", &product))?,
            branch,
            billing_username: row.try_get("billing_username").map_err(unavailable)?,
            payment_failed: row.try_get::<String, _>("subscription_state").map_err(unavailable)? == "payment_failed",
        }))
    }
}

impl super::LoginSessions for SqliteStore {
    fn login_sessions(&self) -> tower_sessions_sqlx_store::SqliteStore {
        tower_sessions_sqlx_store::SqliteStore::new(self.pool.clone())
            .with_table_name("login_sessions")
            .unwrap_or_else(|_| tower_sessions_sqlx_store::SqliteStore::new(self.pool.clone()))
    }
}

fn corrupt(column: &str, value: &str) -> StoreError {
    StoreError::Corrupt(format!("{column} = {value:?}"))
}

#[async_trait]
impl ActivationStore for SqliteStore {
    async fn record_fulfillment(
        &self,
        customer: &ResolvedCustomer,
        session: &SessionKey,
        now: i64,
    ) -> Result<CustomerRecord, StoreError> {
        let mut tx = self.pool.begin_with("BEGIN IMMEDIATE").await.map_err(unavailable)?;
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO marketplace_customers
                    (aws_account_id, product_code, customer_identifier, license_arn, license_id, created_at, updated_at)
             VALUES (?, ?, ?, ?, ?, ?, ?)
             ON CONFLICT (aws_account_id, product_code) DO UPDATE SET
                    customer_identifier = COALESCE(excluded.customer_identifier, customer_identifier),
                    license_arn = COALESCE(excluded.license_arn, license_arn),
                    license_id = COALESCE(excluded.license_id, license_id),
                    updated_at = excluded.updated_at
             RETURNING id",
        )
        .bind(customer.aws_account_id.as_str())
        .bind(customer.product_code.as_str())
        .bind(customer.customer_identifier.as_deref())
        .bind(customer.license_arn.as_deref())
        .bind(customer.license_arn.as_deref().map(crate::lifecycle::license_id))
        .bind(now)
        .bind(now)
        .fetch_one(&mut *tx)
        .await
        .map_err(unavailable)?;
        sqlx::query(
            "INSERT INTO activation_sessions (id_hash, customer_id, branch, created_at, last_seen_at)
             VALUES (?, ?, NULL, ?, ?)",
        )
        .bind(session.as_bytes())
        .bind(id)
        .bind(now)
        .bind(now)
        .execute(&mut *tx)
        .await
        .map_err(unavailable)?;
        tx.commit().await.map_err(unavailable)?;
        Ok(CustomerRecord {
            id,
            aws_account_id: customer.aws_account_id.clone(),
            product_code: customer.product_code.clone(),
        })
    }

    async fn activation(&self, session: &SessionKey, now: i64) -> Result<SessionLookup, StoreError> {
        self.touch(session, now, None).await
    }

    async fn choose_branch(&self, session: &SessionKey, branch: Branch, now: i64) -> Result<SessionLookup, StoreError> {
        self.touch(session, now, Some(branch)).await
    }

    async fn draft(&self, session: &SessionKey) -> Result<Option<String>, StoreError> {
        sqlx::query_scalar("SELECT draft FROM activation_sessions WHERE id_hash = ?")
            .bind(session.as_bytes())
            .fetch_optional(&self.pool)
            .await
            .map_err(unavailable)
    }

    async fn save_draft(&self, session: &SessionKey, draft: &str) -> Result<bool, StoreError> {
        let done = sqlx::query("UPDATE activation_sessions SET draft = ? WHERE id_hash = ?")
            .bind(draft)
            .bind(session.as_bytes())
            .execute(&self.pool)
            .await
            .map_err(unavailable)?;
        Ok(done.rows_affected() == 1)
    }

    async fn ping(&self) -> Result<(), StoreError> {
        sqlx::query("SELECT 1").execute(&self.pool).await.map_err(unavailable)?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use app::session::SessionId;
    use std::sync::Arc;

    async fn store() -> (SqliteStore, tempfile::TempDir) {
        let dir = tempfile::tempdir().expect("tempdir");
        let url = format!("sqlite://{}/nested/portal.db?mode=rwc", dir.path().display());
        (SqliteStore::connect(&url).await.expect("connect"), dir)
    }

    fn customer(account: &str) -> ResolvedCustomer {
        ResolvedCustomer {
            aws_account_id: AwsAccountId::parse(account).expect("account"),
            product_code: ProductCode::parse("guance-dev").expect("product"),
            customer_identifier: Some("cust-1".into()),
            license_arn: Some("arn:aws:license-manager::123456789012:license:l-1".into()),
        }
    }

    async fn count(store: &SqliteStore, table: &str) -> i64 {
        sqlx::query_scalar(&format!("SELECT COUNT(*) FROM {table}")).fetch_one(store.pool()).await.expect("count")
    }

    #[tokio::test]
    async fn fulfillment_creates_folder_customer_and_session() {
        let (store, _dir) = store().await;
        let session = SessionId::generate().key();
        let record = store.record_fulfillment(&customer("123456789012"), &session, 1_000).await.expect("record");
        assert_eq!(record.aws_account_id.as_str(), "123456789012");
        match store.activation(&session, 1_001).await.expect("lookup") {
            SessionLookup::Active(summary) => {
                assert_eq!(summary.aws_account_id.as_str(), "123456789012");
                assert_eq!(summary.branch, None);
            }
            other => panic!("expected an active session, got {other:?}"),
        }
        store.ping().await.expect("ping");
    }

    #[tokio::test]
    async fn the_same_account_twice_is_one_customer_with_two_sessions() {
        let (store, _dir) = store().await;
        let first =
            store.record_fulfillment(&customer("123456789012"), &SessionId::generate().key(), 1).await.expect("first");
        let mut again = customer("123456789012");
        again.customer_identifier = None;
        let second = store.record_fulfillment(&again, &SessionId::generate().key(), 2).await.expect("second");
        assert_eq!(first.id, second.id);
        assert_eq!(count(&store, "marketplace_customers").await, 1);
        assert_eq!(count(&store, "activation_sessions").await, 2);
        let kept: Option<String> = sqlx::query_scalar("SELECT customer_identifier FROM marketplace_customers")
            .fetch_one(store.pool())
            .await
            .expect("row");
        assert_eq!(kept.as_deref(), Some("cust-1"), "a missing identifier does not erase a known one");
    }

    #[tokio::test]
    async fn concurrent_fulfillments_of_one_account_make_one_customer() {
        let (store, _dir) = store().await;
        let store = Arc::new(store);
        let barrier = Arc::new(tokio::sync::Barrier::new(8));
        let tasks: Vec<_> = (0..8)
            .map(|_| {
                let (store, barrier) = (store.clone(), barrier.clone());
                tokio::spawn(async move {
                    barrier.wait().await;
                    store.record_fulfillment(&customer("123456789012"), &SessionId::generate().key(), 5).await
                })
            })
            .collect();
        let mut ids = std::collections::HashSet::new();
        for task in tasks {
            ids.insert(task.await.expect("join").expect("record").id);
        }
        assert_eq!(ids.len(), 1);
        assert_eq!(count(&store, "marketplace_customers").await, 1);
        assert_eq!(count(&store, "activation_sessions").await, 8);
    }

    #[tokio::test]
    async fn idle_sessions_end_after_four_hours_and_activity_keeps_them_alive() {
        let (store, _dir) = store().await;
        let session = SessionId::generate().key();
        store.record_fulfillment(&customer("123456789012"), &session, 0).await.expect("record");
        // Activity just inside the limit restarts the timer.
        assert!(matches!(store.activation(&session, IDLE_TIMEOUT_SECS).await, Ok(SessionLookup::Active(_))));
        assert!(matches!(store.activation(&session, 2 * IDLE_TIMEOUT_SECS).await, Ok(SessionLookup::Active(_))));
        // Then a gap longer than the limit ends it, and it stays ended.
        assert!(matches!(store.activation(&session, 3 * IDLE_TIMEOUT_SECS + 1).await, Ok(SessionLookup::Ended)));
        assert!(matches!(store.activation(&session, 3 * IDLE_TIMEOUT_SECS + 2).await, Ok(SessionLookup::Unknown)));
        assert_eq!(count(&store, "activation_sessions").await, 0);
    }

    #[tokio::test]
    async fn drafts_are_kept_per_session() {
        let (store, _dir) = store().await;
        let session = SessionId::generate().key();
        store.record_fulfillment(&customer("123456789012"), &session, 0).await.expect("record");
        assert_eq!(store.draft(&session).await.expect("db").as_deref(), Some("{}"));
        assert!(store.save_draft(&session, r#"{"username":"alice"}"#).await.expect("db"));
        assert_eq!(store.draft(&session).await.expect("db").as_deref(), Some(r#"{"username":"alice"}"#));
    }

    #[tokio::test]
    async fn branch_choice_is_kept_and_unknown_sessions_change_nothing() {
        let (store, _dir) = store().await;
        let session = SessionId::generate().key();
        store.record_fulfillment(&customer("123456789012"), &session, 0).await.expect("record");
        store.choose_branch(&session, Branch::Link, 1).await.expect("choose");
        match store.activation(&session, 2).await.expect("lookup") {
            SessionLookup::Active(summary) => assert_eq!(summary.branch, Some(Branch::Link)),
            other => panic!("expected active, got {other:?}"),
        }
        let stranger = SessionId::generate().key();
        assert!(matches!(store.choose_branch(&stranger, Branch::Register, 3).await, Ok(SessionLookup::Unknown)));
        assert_eq!(store.draft(&stranger).await.expect("db"), None);
        assert!(!store.save_draft(&stranger, "{}").await.expect("db"));
        assert_eq!(count(&store, "activation_sessions").await, 1);
    }
}

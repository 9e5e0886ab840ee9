//! Fixtures shared by the store's tests, for either backend: a fresh store (SQLite in a temporary folder, or
//! a fresh database in this process's throwaway PostgreSQL), and what ResolveCustomer would say.

use super::{PgStore, SqliteStore};
use app::domain::{AwsAccountId, ProductCode};
use app::ssr::ports::{ActivationStore, ResolvedCustomer};
use app::ssr::session::{SessionId, SessionKey};

/// Keeps a test's store alive (its folder, or nothing for a PostgreSQL database).
pub struct Guard(#[allow(dead_code)] Option<tempfile::TempDir>);

/// A store a test can make from nothing and count rows in.
pub trait TestStore: Sized {
    async fn temp() -> (Self, Guard);
    async fn count_rows(&self, table: &str) -> i64;
}

impl TestStore for SqliteStore {
    async fn temp() -> (Self, Guard) {
        let dir = tempfile::tempdir().expect("tempdir");
        let url = format!("sqlite://{}/nested/portal.db?mode=rwc", dir.path().display());
        (SqliteStore::connect(&url).await.expect("connect"), Guard(Some(dir)))
    }

    async fn count_rows(&self, table: &str) -> i64 {
        sqlx::query_scalar(&format!("SELECT COUNT(*) FROM {table}")).fetch_one(self.pool()).await.expect("count")
    }
}

impl TestStore for PgStore {
    async fn temp() -> (Self, Guard) {
        let url = crate::throwaway_pg::fresh_database().await.expect("a throwaway PostgreSQL");
        (PgStore::connect(&url).await.expect("connect"), Guard(None))
    }

    async fn count_rows(&self, table: &str) -> i64 {
        sqlx::query_scalar(&format!("SELECT COUNT(*) FROM {table}")).fetch_one(self.pool()).await.expect("count")
    }
}

impl<S: TestStore> TestStore for std::sync::Arc<S> {
    async fn temp() -> (Self, Guard) {
        let (store, guard) = S::temp().await;
        (std::sync::Arc::new(store), guard)
    }

    async fn count_rows(&self, table: &str) -> i64 {
        self.as_ref().count_rows(table).await
    }
}

/// A fresh, migrated store of type `S`.
pub async fn temp_store<S: TestStore>() -> (S, Guard) {
    S::temp().await
}

pub async fn count<S: TestStore>(store: &S, table: &str) -> i64 {
    store.count_rows(table).await
}

/// What ResolveCustomer would say about `account` subscribing to `guance-dev`.
pub fn customer(account: &str) -> ResolvedCustomer {
    ResolvedCustomer {
        aws_account_id: AwsAccountId::parse(account).expect("account"),
        product_code: ProductCode::parse("guance-dev").expect("product"),
        customer_identifier: Some("cust-1".into()),
        license_arn: Some(format!("arn:aws:license-manager::{account}:license:l-1")),
    }
}

/// An activation session for `account`, opened at time 0.
pub async fn new_session<S: ActivationStore>(store: &S, account: &str) -> SessionKey {
    let key = SessionId::generate().key();
    store.record_fulfillment(&customer(account), &key, 0).await.expect("session");
    key
}

/// Records a fulfillment of `account` with license `l-…` `license` at time 0; returns the customer's id.
pub async fn register<S: ActivationStore>(store: &S, account: &str, license: &str) -> i64 {
    let mut resolved = customer(account);
    resolved.license_arn = Some(format!("arn:aws:license-manager::{account}:license:{license}"));
    store.record_fulfillment(&resolved, &SessionId::generate().key(), 0).await.expect("fulfillment").id
}

/// Guance accounts 1 (`a`) and 2 (`b`); billing account 1 of `a`, which the recorded customer's billing
/// account is; workspace 1 (`w`, us1) in it, billed to that customer. Run after [`new_session`].
pub const ACCOUNTS_FIXTURE: [&str; 6] = [
    "INSERT INTO guance_accounts (id, username, username_key, email, password_hash, created_at) VALUES (1, 'a', 'a', 'a@x.com', 'x', 0)",
    "INSERT INTO guance_accounts (id, username, username_key, email, password_hash, created_at) VALUES (2, 'b', 'b', 'b@x.com', 'x', 0)",
    "INSERT INTO billing_accounts (id, username, username_key, email, owner_account_id, created_at) VALUES (1, 'a', 'a', 'a@x.com', 1, 0)",
    "UPDATE marketplace_customers SET billing_account_id = 1",
    "INSERT INTO workspaces (id, billing_account_id, owner_account_id, name, name_key, site, language, created_at) VALUES (1, 1, 1, 'w', 'w', 'us1', 'en', 0)",
    "INSERT INTO workspace_settlements (workspace_id, customer_id, linked_at) SELECT 1, id, 0 FROM marketplace_customers",
];

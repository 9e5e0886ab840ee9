//! Fixtures shared by the store's tests (and the services built on it).

use super::SqliteStore;
use app::domain::{AwsAccountId, ProductCode};
use app::ports::{ActivationStore, ResolvedCustomer};
use app::session::{SessionId, SessionKey};

/// A fresh database in a temporary folder (kept alive by the returned guard).
pub async fn temp_store() -> (SqliteStore, tempfile::TempDir) {
    let dir = tempfile::tempdir().expect("tempdir");
    let url = format!("sqlite://{}/nested/portal.db?mode=rwc", dir.path().display());
    (SqliteStore::connect(&url).await.expect("connect"), dir)
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
pub async fn new_session(store: &SqliteStore, account: &str) -> SessionKey {
    let key = SessionId::generate().key();
    store.record_fulfillment(&customer(account), &key, 0).await.expect("session");
    key
}

/// Records a fulfillment of `account` with license `l-…` `license` at time 0; returns the customer's id.
pub async fn register(store: &SqliteStore, account: &str, license: &str) -> i64 {
    let mut resolved = customer(account);
    resolved.license_arn = Some(format!("arn:aws:license-manager::{account}:license:{license}"));
    store.record_fulfillment(&resolved, &SessionId::generate().key(), 0).await.expect("fulfillment").id
}

pub async fn count(store: &SqliteStore, table: &str) -> i64 {
    sqlx::query_scalar(&format!("SELECT COUNT(*) FROM {table}")).fetch_one(store.pool()).await.expect("count")
}

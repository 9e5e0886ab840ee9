//! Ports: what the pages and server functions need from the outside world. The `server` crate implements
//! them (SQLite today, PostgreSQL later) and provides them through Leptos context.

use crate::domain::{AwsAccountId, Branch, ProductCode};
use crate::session::SessionKey;
use async_trait::async_trait;
use std::sync::Arc;

/// What AWS told us about the buyer (ResolveCustomer), after our checks.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResolvedCustomer {
    pub aws_account_id: AwsAccountId,
    pub product_code: ProductCode,
    /// Deprecated by AWS for new listings; kept when AWS returns it.
    pub customer_identifier: Option<String>,
    pub license_arn: Option<String>,
}

/// A marketplace customer as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CustomerRecord {
    pub id: i64,
    pub aws_account_id: AwsAccountId,
    pub product_code: ProductCode,
}

/// The state of an activation session, as the wizard needs it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SessionLookup {
    /// No such session (never existed, or already removed).
    Unknown,
    /// The session existed but was idle for longer than the timeout; it is now removed.
    Ended,
    Active(crate::api::ActivationSummary),
}

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("the database is unavailable: {0}")]
    Unavailable(String),
    #[error("stored data is inconsistent: {0}")]
    Corrupt(String),
}

/// Storage of marketplace customers and activation sessions. Every method is one transaction.
#[async_trait]
pub trait ActivationStore: Send + Sync + 'static {
    /// Records (or refreshes) the customer and opens a new activation session for it, atomically.
    /// The same AWS account and product twice is one customer.
    async fn record_fulfillment(
        &self,
        customer: &ResolvedCustomer,
        session: &SessionKey,
        now: i64,
    ) -> Result<CustomerRecord, StoreError>;

    /// Looks a session up; an active one is kept alive (its idle timer restarts), an expired one is removed.
    async fn activation(&self, session: &SessionKey, now: i64) -> Result<SessionLookup, StoreError>;

    /// Records the buyer's branch choice on an active session.
    async fn choose_branch(&self, session: &SessionKey, branch: Branch, now: i64) -> Result<SessionLookup, StoreError>;

    /// Answers when the database does.
    async fn ping(&self) -> Result<(), StoreError>;
}

/// What the server puts in Leptos context for server functions.
#[derive(Clone)]
pub struct Ports {
    pub store: Arc<dyn ActivationStore>,
    /// The product code of this listing (for the dev simulator's form defaults).
    pub product_code: ProductCode,
    /// Whether the dev tools (simulator, mailbox, `/dev`) are mounted.
    pub dev_mode: bool,
}

/// Seconds since the Unix epoch.
pub fn now() -> i64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_secs() as i64).unwrap_or(0)
}

//! The operator console's port (issue 20): what the console reads (customers, one customer with its
//! timeline) and the operators' own accounts. The store implements it on both backends; every change an
//! operator makes through it is audited in the change's transaction (actor `operator:NAME`).

use super::store_error::StoreError;
use crate::domain::console::{
    CustomerDetail, CustomerFilter, CustomerRow, DeliveryRow, DeliveryState, MeteringFilter, MeteringRow,
    WebhookEndpoint,
};
use async_trait::async_trait;

/// An operator as log in finds one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OperatorAccount {
    pub id: i64,
    pub username: String,
    pub password_hash: String,
}

/// The session key of an operator's log in (the buyers' log in is `account`'s `user`: one or the other).
pub const OPERATOR_SESSION_KEY: &str = "operator";

/// The audit log's actor for an operator.
pub fn actor_operator(username: &str) -> String {
    format!("operator:{username}")
}

#[async_trait]
pub trait Console: Send + Sync + 'static {
    /// The operator with this username (case-insensitively).
    async fn operator_login(&self, username: &str) -> Result<Option<OperatorAccount>, StoreError>;
    /// The username of operator `id`, while the operator exists.
    async fn operator_name(&self, id: i64) -> Result<Option<String>, StoreError>;
    /// Appends an audit entry for an operator's own event (log in, log out) that changes nothing else.
    async fn audit_operator(
        &self,
        username: &str,
        action: &'static str,
        detail: &str,
        now: i64,
    ) -> Result<(), StoreError>;
    /// The customers the filter matches, newest first, at most `limit`.
    async fn customers(&self, filter: &CustomerFilter, limit: i64) -> Result<Vec<CustomerRow>, StoreError>;
    /// One customer, whole, with the newest `timeline` entries of its timeline.
    async fn customer(&self, id: i64, timeline: i64) -> Result<Option<CustomerDetail>, StoreError>;
    /// The metering records the filter matches, newest first, at most `limit`.
    async fn metering_records(&self, filter: &MeteringFilter, limit: i64) -> Result<Vec<MeteringRow>, StoreError>;
    /// **Retry now**: puts record `id` back to be sent when [`MeteringRow::retryable`] holds for it at `now`
    /// (checked in the write), audited as the operator's; `false` (nothing changed) otherwise.
    ///
    /// [`MeteringRow::retryable`]: crate::domain::console::MeteringRow::retryable
    async fn retry_metering(&self, id: i64, operator: &str, now: i64) -> Result<bool, StoreError>;
    /// Every webhook endpoint, oldest first.
    async fn webhook_endpoints(&self) -> Result<Vec<WebhookEndpoint>, StoreError>;
    /// Adds an endpoint for `event_types` with a new signing secret (audited); `None` when there are
    /// [`MAX_WEBHOOK_ENDPOINTS`] already.
    ///
    /// [`MAX_WEBHOOK_ENDPOINTS`]: crate::domain::console::MAX_WEBHOOK_ENDPOINTS
    async fn add_webhook_endpoint(
        &self,
        url: &str,
        event_types: &[&str],
        operator: &str,
        now: i64,
    ) -> Result<Option<i64>, StoreError>;
    /// The deliveries in `state` (any when `None`), newest first, at most `limit`.
    async fn webhook_deliveries(
        &self,
        state: Option<DeliveryState>,
        limit: i64,
    ) -> Result<Vec<DeliveryRow>, StoreError>;
    /// **Replay**: a dead or delivered delivery is queued again now with a new 24-hour window, the same event id
    /// and body (audited); `false` (nothing changed) for a pending one, an unknown one, or one whose endpoint
    /// is disabled.
    async fn replay_delivery(&self, id: i64, operator: &str, now: i64) -> Result<bool, StoreError>;
}

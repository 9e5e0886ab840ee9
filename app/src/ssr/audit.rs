//! The audit log's port (issue 20): an append-only record of every state change — when, by whom (the
//! actor), of what (an AWS customer, a billing account, a workspace) and what changed. The store writes an
//! entry in the same transaction as the change it records, so the two stand or fall together; nothing ever
//! updates or deletes one (the store has no such statement and the database refuses it).

use super::session::SessionKey;
use super::store_error::StoreError;
use async_trait::async_trait;

/// One entry to append.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditEntry {
    pub at: i64,
    /// Who made the change: [`actor_buyer`], `aws-event:SOURCE:ID`, `job:NAME`, `operator:NAME`, `account:ID`.
    pub actor: String,
    /// What happened, a fixed name (`customer.resolved`, `billing.linked`, `workspace.bound`, …).
    pub action: &'static str,
    pub customer_id: Option<i64>,
    pub billing_account_id: Option<i64>,
    pub workspace_id: Option<i64>,
    /// What changed, in words for an operator (never a secret).
    pub detail: String,
}

impl AuditEntry {
    /// An entry `action` by `actor` at `at` about the AWS customer `customer_id`.
    pub fn about_customer(at: i64, actor: String, action: &'static str, customer_id: i64, detail: String) -> Self {
        AuditEntry {
            at,
            actor,
            action,
            customer_id: Some(customer_id),
            billing_account_id: None,
            workspace_id: None,
            detail,
        }
    }

    /// The same entry, also about a billing account and a workspace.
    pub fn on(self, billing_account_id: Option<i64>, workspace_id: Option<i64>) -> Self {
        AuditEntry { billing_account_id, workspace_id, ..self }
    }
}

/// An entry as stored, with its place in the log.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct AuditRecord {
    pub id: i64,
    pub at: i64,
    pub actor: String,
    pub action: String,
    pub customer_id: Option<i64>,
    pub billing_account_id: Option<i64>,
    pub workspace_id: Option<i64>,
    pub detail: String,
}

/// A buyer's activation session as an actor: `buyer:` and the first 8 hex digits of its key (the key is a
/// SHA-256 of the cookie, so this says which session without being able to act as it).
pub fn actor_buyer(session: &SessionKey) -> String {
    let hex: String = session.as_bytes().iter().take(4).map(|b| format!("{b:02x}")).collect();
    format!("buyer:{hex}")
}

/// Reading the audit log.
#[async_trait]
pub trait AuditTrail: Send + Sync + 'static {
    /// An AWS customer's entries, newest first (at most `limit`): those about the customer, and those about its
    /// billing account or the workspaces it settles that name no other customer.
    async fn customer_timeline(&self, customer_id: i64, limit: i64) -> Result<Vec<AuditRecord>, StoreError>;
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_buyer_is_named_by_a_short_prefix_of_its_session_key() {
        let key = crate::ssr::session::SessionId::generate().key();
        let actor = super::actor_buyer(&key);
        assert!(actor.starts_with("buyer:") && actor.len() == "buyer:".len() + 8, "{actor}");
    }
}

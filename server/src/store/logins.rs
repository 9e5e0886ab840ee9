//! Logins and the billing center on SQLite.

use super::sqlite::{unavailable, SqliteStore};
use crate::lifecycle::{Subscription, SubscriptionState};
use app::billing::{BillingCenter, BillingState, BillingWorkspace, Settlement, WorkspaceStart};
use app::ports::{Logins, StoreError};
use async_trait::async_trait;
use sqlx::Row;

#[async_trait]
impl Logins for SqliteStore {
    async fn login_account(&self, username: &str) -> Result<Option<(i64, String)>, StoreError> {
        let row = sqlx::query("SELECT id, password_hash FROM guance_accounts WHERE username_key = ?")
            .bind(username.trim().to_lowercase())
            .fetch_optional(self.pool())
            .await
            .map_err(unavailable)?;
        row.map(|r| Ok((r.try_get("id")?, r.try_get("password_hash")?)))
            .transpose()
            .map_err(|e: sqlx::Error| unavailable(e))
    }

    async fn login_failures(&self, key: &str, since: i64) -> Result<i64, StoreError> {
        sqlx::query_scalar("SELECT COUNT(*) FROM login_failures WHERE key = ? AND at >= ?")
            .bind(key)
            .bind(since)
            .fetch_one(self.pool())
            .await
            .map_err(unavailable)
    }

    async fn record_login_failure(&self, keys: &[String], now: i64) -> Result<(), StoreError> {
        let mut tx = self.pool().begin_with("BEGIN IMMEDIATE").await.map_err(unavailable)?;
        for key in keys {
            sqlx::query("INSERT INTO login_failures (key, at) VALUES (?, ?)")
                .bind(key)
                .bind(now)
                .execute(&mut *tx)
                .await
                .map_err(unavailable)?;
        }
        sqlx::query("DELETE FROM login_failures WHERE at < ?")
            .bind(now - 86_400)
            .execute(&mut *tx)
            .await
            .map_err(unavailable)?;
        tx.commit().await.map_err(unavailable)
    }

    async fn clear_login_failures(&self, key: &str) -> Result<(), StoreError> {
        sqlx::query("DELETE FROM login_failures WHERE key = ?")
            .bind(key)
            .execute(self.pool())
            .await
            .map_err(unavailable)?;
        Ok(())
    }

    async fn billing_center(&self, account_id: i64, now: i64) -> Result<Option<BillingCenter>, StoreError> {
        let billing: Option<(i64, String)> =
            sqlx::query_as("SELECT id, username FROM billing_accounts WHERE owner_account_id = ? ORDER BY id LIMIT 1")
                .bind(account_id)
                .fetch_optional(self.pool())
                .await
                .map_err(unavailable)?;
        let Some((billing_id, billing_username)) = billing else {
            return Ok(None);
        };
        let rows = sqlx::query(
            "SELECT w.id, w.name, w.site, w.created_at, w.locked_at, o.username AS owner,
                    s.linked_at, c.aws_account_id, c.subscription_state, c.subscription_changed_at, c.lock_at
               FROM workspaces w
               JOIN guance_accounts o ON o.id = w.owner_account_id
               LEFT JOIN workspace_settlements s ON s.workspace_id = w.id
               LEFT JOIN marketplace_customers c ON c.id = s.customer_id
              WHERE w.billing_account_id = ?
              ORDER BY w.created_at, w.id",
        )
        .bind(billing_id)
        .fetch_all(self.pool())
        .await
        .map_err(unavailable)?;
        let mut workspaces = Vec::with_capacity(rows.len());
        for row in rows {
            let read = || -> Result<BillingWorkspace, sqlx::Error> {
                let account: Option<String> = row.try_get("aws_account_id")?;
                let (settlement, since) = match account {
                    Some(aws_account_id) => {
                        (Settlement::AwsMarketplace { aws_account_id }, row.try_get::<Option<i64>, _>("linked_at")?)
                    }
                    None => (Settlement::BillingCenter, Some(row.try_get::<i64, _>("created_at")?)),
                };
                Ok(BillingWorkspace {
                    id: row.try_get("id")?,
                    name: row.try_get("name")?,
                    site_code: row.try_get("site")?,
                    owner: row.try_get("owner")?,
                    settlement,
                    since,
                    state: billing_state(&row, now)?,
                })
            };
            workspaces.push(read().map_err(unavailable)?);
        }
        Ok(Some(BillingCenter { billing_username, workspaces }))
    }

    async fn workspace_start(
        &self,
        account_id: i64,
        workspace_id: i64,
        now: i64,
    ) -> Result<Option<WorkspaceStart>, StoreError> {
        let mut tx = self.pool().begin_with("BEGIN IMMEDIATE").await.map_err(unavailable)?;
        let row = sqlx::query(
            "SELECT w.id, w.name, w.site, w.language, w.token, w.locked_at, c.aws_account_id, c.subscription_state,
                    c.subscription_changed_at, c.lock_at
               FROM workspaces w
               JOIN billing_accounts b ON b.id = w.billing_account_id
               LEFT JOIN workspace_settlements s ON s.workspace_id = w.id
               LEFT JOIN marketplace_customers c ON c.id = s.customer_id
              WHERE w.id = ?1 AND (w.owner_account_id = ?2 OR b.owner_account_id = ?2)",
        )
        .bind(workspace_id)
        .bind(account_id)
        .fetch_optional(&mut *tx)
        .await
        .map_err(unavailable)?;
        let Some(row) = row else {
            return Ok(None);
        };
        let mut token: Option<String> = row.try_get("token").map_err(unavailable)?;
        if token.is_none() {
            let fresh: String = sqlx::query_scalar(
                "UPDATE workspaces SET token = 'tkn_' || lower(hex(randomblob(16))) WHERE id = ? RETURNING token",
            )
            .bind(workspace_id)
            .fetch_one(&mut *tx)
            .await
            .map_err(unavailable)?;
            token = Some(fresh);
        }
        tx.commit().await.map_err(unavailable)?;
        let account: Option<String> = row.try_get("aws_account_id").map_err(unavailable)?;
        let state = billing_state(&row, now).map_err(unavailable)?;
        Ok(Some(WorkspaceStart {
            id: row.try_get("id").map_err(unavailable)?,
            name: row.try_get("name").map_err(unavailable)?,
            site_code: row.try_get("site").map_err(unavailable)?,
            language_code: row.try_get("language").map_err(unavailable)?,
            settlement: account
                .map_or(Settlement::BillingCenter, |aws_account_id| Settlement::AwsMarketplace { aws_account_id }),
            state,
            token: token.unwrap_or_default(),
        }))
    }
}

/// The state the billing center shows for a workspace row (its lock, else its customer's subscription).
fn billing_state(row: &sqlx::sqlite::SqliteRow, now: i64) -> Result<BillingState, sqlx::Error> {
    let account: Option<String> = row.try_get("aws_account_id")?;
    if account.is_none() {
        return Ok(BillingState::Active);
    }
    let locked_at: Option<i64> = row.try_get("locked_at")?;
    let state_text: Option<String> = row.try_get("subscription_state")?;
    let subscription = Subscription {
        state: state_text.as_deref().and_then(SubscriptionState::parse).unwrap_or(SubscriptionState::Active),
        changed_at: row.try_get("subscription_changed_at")?,
        lock_at: row.try_get("lock_at")?,
    };
    Ok(match (locked_at, subscription.state) {
        (Some(_), _) | (None, SubscriptionState::Locked) => BillingState::Locked,
        (None, SubscriptionState::Cancelled) => {
            BillingState::LockedIn { days: subscription.days_to_lock(now).unwrap_or(0) }
        }
        (None, SubscriptionState::CancellationPending) => BillingState::CancellationPending,
        (None, SubscriptionState::PaymentFailed) => BillingState::PaymentFailed,
        (None, SubscriptionState::Active) => BillingState::Active,
    })
}

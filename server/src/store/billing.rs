//! The billing center on either backend: its workspaces and their states, a workspace's start page, and
//! settlement changes (at most one per workspace and calendar month).

crate::store::on_each_backend! {

use crate::store::{unavailable, Entity};
use crate::lifecycle::{Subscription, SubscriptionState};
use app::domain::billing::{
    month_key, next_month_start, BillingCenter, BillingState, BillingWorkspace, Settlement, SettlementMethod,
    SettlementRefusal, WorkspaceLink, WorkspaceStart, YourWorkspaces,
};
use app::ssr::audit::AuditEntry;
use app::ssr::ports::{Billing, StoreError};
use async_trait::async_trait;
use sqlx::Row;

#[async_trait]
impl Billing for Store {
    async fn billing_center(&self, account_id: i64, now: i64) -> Result<Option<BillingCenter>, StoreError> {
        let billing: Option<(i64, String)> =
            sqlx::query_as("SELECT id, username FROM billing_accounts WHERE owner_account_id = $1 ORDER BY id LIMIT 1")
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
              WHERE w.billing_account_id = $1
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
        Ok(Some(BillingCenter { billing_username, workspaces, two_step: false }))
    }

    async fn change_settlement(
        &self,
        account_id: i64,
        workspace_id: i64,
        to: SettlementMethod,
        now: i64,
    ) -> Result<Result<(), SettlementRefusal>, StoreError> {
        // The workspace's turn (with Bind); a settlement is what metering reads, so not during a freeze.
        let mut tx = self.begin_write_on(&[Entity::Workspace(workspace_id), Entity::Usage { freezing: false }]).await?;
        let row = sqlx::query(
            "SELECT w.billing_account_id, w.locked_at, s.customer_id
               FROM workspaces w
               JOIN billing_accounts b ON b.id = w.billing_account_id
               LEFT JOIN workspace_settlements s ON s.workspace_id = w.id
              WHERE w.id = $1 AND b.owner_account_id = $2",
        )
        .bind(workspace_id)
        .bind(account_id)
        .fetch_optional(&mut *tx)
        .await
        .map_err(unavailable)?;
        let Some(row) = row else {
            return Ok(Err(SettlementRefusal::NotFound));
        };
        let billing_account: i64 = row.try_get("billing_account_id").map_err(unavailable)?;
        let locked: Option<i64> = row.try_get("locked_at").map_err(unavailable)?;
        let customer: Option<i64> = row.try_get("customer_id").map_err(unavailable)?;
        if locked.is_some() {
            return Ok(Err(SettlementRefusal::Locked));
        }
        let from = if customer.is_some() { SettlementMethod::AwsMarketplace } else { SettlementMethod::BillingCenter };
        if from == to {
            return Ok(Err(SettlementRefusal::Unchanged));
        }
        let recorded = sqlx::query(
            "INSERT INTO settlement_changes (workspace_id, from_method, to_method, month, changed_at)
             VALUES ($1, $2, $3, $4, $5) ON CONFLICT (workspace_id, month) DO NOTHING",
        )
        .bind(workspace_id)
        .bind(from.code())
        .bind(to.code())
        .bind(month_key(now))
        .bind(now)
        .execute(&mut *tx)
        .await
        .map_err(unavailable)?;
        if recorded.rows_affected() == 0 {
            return Ok(Err(SettlementRefusal::ThisMonth { from: next_month_start(now) }));
        }
        // The AWS customer the workspace was or now is billed to.
        let involved = match to {
            SettlementMethod::BillingCenter => {
                sqlx::query("DELETE FROM workspace_settlements WHERE workspace_id = $1")
                    .bind(workspace_id)
                    .execute(&mut *tx)
                    .await
                    .map_err(unavailable)?;
                customer
            }
            SettlementMethod::AwsMarketplace => {
                // The billing account's latest active agreement (license) bills the workspace.
                let customers: Vec<(i64, String)> = sqlx::query_as(
                    "SELECT id, subscription_state FROM marketplace_customers WHERE billing_account_id = $1
                      ORDER BY id DESC",
                )
                .bind(billing_account)
                .fetch_all(&mut *tx)
                .await
                .map_err(unavailable)?;
                // Dropping the transaction forgets the change row too.
                if customers.is_empty() {
                    return Ok(Err(SettlementRefusal::NoAwsAccount));
                }
                let Some((customer, _)) = customers.into_iter().find(|(_, state)| state == "active") else {
                    return Ok(Err(SettlementRefusal::NoActiveSubscription));
                };
                sqlx::query(
                    "INSERT INTO workspace_settlements (workspace_id, customer_id, linked_at) VALUES ($1, $2, $3)",
                )
                .bind(workspace_id)
                .bind(customer)
                .bind(now)
                .execute(&mut *tx)
                .await
                .map_err(unavailable)?;
                Some(customer)
            }
        };
        let entry = AuditEntry {
            at: now,
            actor: format!("account:{account_id}"),
            action: "settlement.changed",
            customer_id: involved,
            billing_account_id: Some(billing_account),
            workspace_id: Some(workspace_id),
            detail: format!("from {} to {}", from.code(), to.code()),
        };
        audit::append(&mut tx, &entry).await?;
        tx.commit().await.map_err(unavailable)?;
        Ok(Ok(()))
    }

    async fn your_workspaces(&self, account_id: i64) -> Result<YourWorkspaces, StoreError> {
        let owned: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM billing_accounts WHERE owner_account_id = $1")
            .bind(account_id)
            .fetch_one(self.pool())
            .await
            .map_err(unavailable)?;
        let workspaces: Vec<(i64, String, String)> = sqlx::query_as(
            "SELECT w.id, w.name, w.site
               FROM workspaces w
               JOIN billing_accounts b ON b.id = w.billing_account_id
              WHERE w.owner_account_id = $1 OR b.owner_account_id = $1
              ORDER BY w.created_at, w.id",
        )
        .bind(account_id)
        .fetch_all(self.pool())
        .await
        .map_err(unavailable)?;
        Ok(YourWorkspaces {
            owns_billing_account: owned > 0,
            workspaces: workspaces.into_iter().map(|(id, name, site_code)| WorkspaceLink { id, name, site_code }).collect(),
        })
    }

    async fn workspace_start(
        &self,
        account_id: i64,
        workspace_id: i64,
        now: i64,
    ) -> Result<Option<WorkspaceStart>, StoreError> {
        // Decides nothing: the token is set once, by whichever view comes first (re-checked under the row's lock).
        let mut tx = self.begin_write_on(&[]).await?;
        let row = sqlx::query(
            "SELECT w.id, w.name, w.site, w.language, w.token, w.locked_at, c.aws_account_id, c.subscription_state,
                    c.subscription_changed_at, c.lock_at
               FROM workspaces w
               JOIN billing_accounts b ON b.id = w.billing_account_id
               LEFT JOIN workspace_settlements s ON s.workspace_id = w.id
               LEFT JOIN marketplace_customers c ON c.id = s.customer_id
              WHERE w.id = $1 AND (w.owner_account_id = $2 OR b.owner_account_id = $2)",
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
            let fresh: String = sqlx::query_scalar("UPDATE workspaces SET token = COALESCE(token, $1) WHERE id = $2 RETURNING token")
                .bind(rows::workspace_token())
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
fn billing_state(row: &DbRow, now: i64) -> Result<BillingState, sqlx::Error> {
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::test_support::{new_session, register, temp_store, ACCOUNTS_FIXTURE};

    const NOV_28: i64 = 1_795_867_200; // 2026-11-28T12:00:00Z
    const DEC_1: i64 = 1_796_083_200; // 2026-12-01T00:00:00Z

    async fn fixture(store: &Store) {
        new_session(store, "123456789012").await;
        for sql in ACCOUNTS_FIXTURE {
            sqlx::query(sql).execute(store.pool()).await.expect("fixture");
        }
    }

    async fn settled(store: &Store) -> bool {
        let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM workspace_settlements WHERE workspace_id = 1")
            .fetch_one(store.pool())
            .await
            .expect("count");
        n == 1
    }

    #[tokio::test]
    async fn the_settlement_method_changes_at_most_once_per_calendar_month() {
        let (store, _dir) = temp_store::<Store>().await;
        fixture(&store).await;
        let to_center = SettlementMethod::BillingCenter;
        let to_aws = SettlementMethod::AwsMarketplace;
        assert_eq!(
            store.change_settlement(2, 1, to_center, NOV_28).await.expect("db"),
            Err(SettlementRefusal::NotFound),
            "not the owner"
        );
        assert_eq!(store.change_settlement(1, 1, to_aws, NOV_28).await.expect("db"), Err(SettlementRefusal::Unchanged));
        assert_eq!(store.change_settlement(1, 1, to_center, NOV_28).await.expect("db"), Ok(()));
        assert!(!settled(&store).await, "billed by the billing center now");
        assert_eq!(
            store.change_settlement(1, 1, to_aws, NOV_28 + 3600).await.expect("db"),
            Err(SettlementRefusal::ThisMonth { from: DEC_1 }),
            "once a month, and the reason says from when"
        );
        assert!(!settled(&store).await, "the refusal changed nothing");
        assert_eq!(store.change_settlement(1, 1, to_aws, DEC_1).await.expect("db"), Ok(()), "a new month");
        assert!(settled(&store).await);
    }

    #[tokio::test]
    async fn back_to_aws_marketplace_needs_an_active_subscription_and_takes_the_latest() {
        let (store, _dir) = temp_store::<Store>().await;
        fixture(&store).await;
        store.change_settlement(1, 1, SettlementMethod::BillingCenter, NOV_28).await.expect("db").expect("changed");
        // The only agreement has ended: nothing to bill the workspace to, and the refusal says why.
        sqlx::query("UPDATE marketplace_customers SET subscription_state = 'cancelled'")
            .execute(store.pool())
            .await
            .expect("cancel");
        assert_eq!(
            store.change_settlement(1, 1, SettlementMethod::AwsMarketplace, DEC_1).await.expect("db"),
            Err(SettlementRefusal::NoActiveSubscription)
        );
        assert!(!settled(&store).await, "the refusal changed nothing");
        // A new agreement (license) of the same AWS account keeps the billing account and bills it.
        let second = register(&store, "123456789012", "l-2").await;
        assert_eq!(store.change_settlement(1, 1, SettlementMethod::AwsMarketplace, DEC_1).await.expect("db"), Ok(()));
        let to: i64 = sqlx::query_scalar("SELECT customer_id FROM workspace_settlements WHERE workspace_id = 1")
            .fetch_one(store.pool())
            .await
            .expect("settlement");
        assert_eq!(to, second);
    }

    #[tokio::test]
    async fn two_tabs_changing_at_once_make_one_change() {
        let (store, _dir) = temp_store::<Store>().await;
        fixture(&store).await;
        let store = std::sync::Arc::new(store);
        let barrier = std::sync::Arc::new(tokio::sync::Barrier::new(4));
        let mut tasks = Vec::new();
        for _ in 0..4 {
            let (store, barrier) = (store.clone(), barrier.clone());
            tasks.push(tokio::spawn(async move {
                barrier.wait().await;
                store.change_settlement(1, 1, SettlementMethod::BillingCenter, NOV_28).await.expect("db")
            }));
        }
        let mut ok = 0;
        for task in tasks {
            ok += usize::from(task.await.expect("task").is_ok());
        }
        assert_eq!(ok, 1);
    }
}

}

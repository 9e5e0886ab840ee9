//! Fulfillment and activation sessions: the customer AWS resolved, the session the buyer's cookie names (idle
//! after four hours), its branch and its draft.

crate::store::on_each_backend! {

use crate::store::{corrupt, unavailable, Entity};
use app::domain::ActivationSummary;
use app::domain::{AwsAccountId, Branch, ProductCode};
use app::ssr::ports::{ActivationStore, CustomerRecord, ResolvedCustomer, SessionLookup, StoreError};
use app::ssr::audit::{actor_buyer, AuditEntry};
use app::ssr::session::{session_ended, SessionKey, RESUME_WITHIN_SECS, TOUCH_EVERY_SECS};
use async_trait::async_trait;
use sqlx::Row;

/// An ended session is gone with its codes (the customer stays).
async fn delete_session(tx: &mut Tx<'_>, session: &SessionKey) -> Result<(), StoreError> {
    for ended in [
        "DELETE FROM verification_codes WHERE session_hash = $1",
        "DELETE FROM activation_sessions WHERE id_hash = $1",
    ] {
        sqlx::query(ended).bind(session.as_bytes()).execute(&mut **tx).await.map_err(unavailable)?;
    }
    Ok(())
}

impl Store {
    /// The session's summary for a page view, read without a write transaction: the idle timer moves at most
    /// once every [`TOUCH_EVERY_SECS`], by a conditional update outside the writers' queue (the first of
    /// concurrent views moves it, the others change nothing). Only an ended session is written: removed once.
    async fn lookup(&self, session: &SessionKey, now: i64) -> Result<SessionLookup, StoreError> {
        let row = sqlx::query(SESSION)
            .bind(session.as_bytes())
            .fetch_optional(self.pool())
            .await
            .map_err(unavailable)?;
        let Some(row) = row else {
            return Ok(SessionLookup::Unknown);
        };
        let last_seen: i64 = row.try_get("last_seen_at").map_err(unavailable)?;
        if ended(&row, now)? {
            let mut tx = self.begin_write_on(&[Entity::Session(session)]).await?;
            delete_session(&mut tx, session).await?;
            tx.commit().await.map_err(unavailable)?;
            return Ok(SessionLookup::Ended);
        }
        if now - last_seen >= TOUCH_EVERY_SECS {
            sqlx::query("UPDATE activation_sessions SET last_seen_at = $1 WHERE id_hash = $2 AND last_seen_at <= $3")
                .bind(now)
                .bind(session.as_bytes())
                .bind(now - TOUCH_EVERY_SECS)
                .execute(self.pool())
                .await
                .map_err(unavailable)?;
        }
        let stored: Option<String> = row.try_get("branch").map_err(unavailable)?;
        let branch = stored.map(|b| Branch::parse(&b).map_err(|_| corrupt("branch", &b))).transpose()?;
        summary(&row, branch).map(SessionLookup::Active)
    }

    /// Records the branch choice (a form post) in a write transaction on this session alone, restarting the
    /// idle timer; ends the session instead if it was idle too long.
    async fn choose(&self, session: &SessionKey, now: i64, branch: Branch) -> Result<SessionLookup, StoreError> {
        let mut tx = self.begin_write_on(&[Entity::Session(session)]).await?;
        let row = sqlx::query(SESSION)
            .bind(session.as_bytes())
            .fetch_optional(&mut *tx)
            .await
            .map_err(unavailable)?;
        let Some(row) = row else {
            return Ok(SessionLookup::Unknown);
        };
        if ended(&row, now)? {
            delete_session(&mut tx, session).await?;
            tx.commit().await.map_err(unavailable)?;
            return Ok(SessionLookup::Ended);
        }
        sqlx::query("UPDATE activation_sessions SET last_seen_at = $1, branch = $2 WHERE id_hash = $3")
            .bind(now)
            .bind(branch.code())
            .bind(session.as_bytes())
            .execute(&mut *tx)
            .await
            .map_err(unavailable)?;
        tx.commit().await.map_err(unavailable)?;
        summary(&row, Some(branch)).map(SessionLookup::Active)
    }
}

/// A session with what the wizard shows about it.
const SESSION: &str = "SELECT s.created_at, s.last_seen_at, s.branch, c.aws_account_id, c.product_code, c.subscription_state,
        b.username AS billing_username
   FROM activation_sessions s JOIN marketplace_customers c ON c.id = s.customer_id
   LEFT JOIN billing_accounts b ON b.id = c.billing_account_id
  WHERE s.id_hash = $1";

/// The session of `row` has ended by `now` (idle too long, or a day old).
fn ended(row: &DbRow, now: i64) -> Result<bool, StoreError> {
    let last_seen: i64 = row.try_get("last_seen_at").map_err(unavailable)?;
    let created: i64 = row.try_get("created_at").map_err(unavailable)?;
    Ok(session_ended(created, last_seen, now))
}

fn summary(row: &DbRow, branch: Option<Branch>) -> Result<ActivationSummary, StoreError> {
    let account: String = row.try_get("aws_account_id").map_err(unavailable)?;
    let product: String = row.try_get("product_code").map_err(unavailable)?;
    Ok(ActivationSummary {
        aws_account_id: AwsAccountId::parse(&account).map_err(|_| corrupt("aws_account_id", &account))?,
        product_code: ProductCode::parse(&product).map_err(|_| corrupt("product_code", &product))?,
        branch,
        billing_username: row.try_get("billing_username").map_err(unavailable)?,
        payment_failed: row.try_get::<String, _>("subscription_state").map_err(unavailable)? == "payment_failed",
    })
}

/// The customer AWS resolved, keyed on its account and license (`l-…` id); a customer without a license
/// (legacy listings) on its account and product. A license first seen on a legacy row is adopted by it. A new
/// license of an account already known for this product is a new customer that keeps the billing account;
/// when the earlier customer's agreement has ended (cancelled or locked: the buyer subscribed again), its
/// workspaces move to the new customer and are unlocked.
async fn upsert_customer(
    tx: &mut Tx<'_>,
    customer: &ResolvedCustomer,
    now: i64,
) -> Result<i64, StoreError> {
    let account = customer.aws_account_id.as_str();
    let product = customer.product_code.as_str();
    let license = customer.license_arn.as_deref().map(crate::lifecycle::license_id);
    let known: Option<i64> = sqlx::query_scalar(
        "SELECT id FROM marketplace_customers
          WHERE aws_account_id = $1 AND ((CAST($2 AS TEXT) IS NOT NULL AND license_id = $2)
                                         OR (product_code = $3 AND license_id IS NULL))
          ORDER BY license_id IS NULL LIMIT 1",
    )
    .bind(account)
    .bind(license)
    .bind(product)
    .fetch_optional(&mut **tx)
    .await
    .map_err(unavailable)?;
    if let Some(id) = known {
        sqlx::query(
            "UPDATE marketplace_customers
                SET customer_identifier = COALESCE($1, customer_identifier), license_arn = COALESCE($2, license_arn),
                    license_id = COALESCE($3, license_id), updated_at = $4
              WHERE id = $5",
        )
        .bind(customer.customer_identifier.as_deref())
        .bind(customer.license_arn.as_deref())
        .bind(license)
        .bind(now)
        .bind(id)
        .execute(&mut **tx)
        .await
        .map_err(unavailable)?;
        return Ok(id);
    }
    let earlier = sqlx::query(
        "SELECT id, billing_account_id, subscription_state FROM marketplace_customers
          WHERE aws_account_id = $1 AND product_code = $2 ORDER BY id DESC LIMIT 1",
    )
    .bind(account)
    .bind(product)
    .fetch_optional(&mut **tx)
    .await
    .map_err(unavailable)?;
    let billing: Option<i64> =
        earlier.as_ref().map(|r| r.try_get("billing_account_id")).transpose().map_err(unavailable)?.flatten();
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO marketplace_customers
                (aws_account_id, product_code, customer_identifier, license_arn, license_id, billing_account_id,
                 created_at, updated_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id",
    )
    .bind(account)
    .bind(product)
    .bind(customer.customer_identifier.as_deref())
    .bind(customer.license_arn.as_deref())
    .bind(license)
    .bind(billing)
    .bind(now)
    .bind(now)
    .fetch_one(&mut **tx)
    .await
    .map_err(unavailable)?;
    if let Some(earlier) = earlier {
        let state: String = earlier.try_get("subscription_state").map_err(unavailable)?;
        if matches!(state.as_str(), "cancelled" | "locked") {
            let earlier: i64 = earlier.try_get("id").map_err(unavailable)?;
            sqlx::query(
                "UPDATE workspaces SET locked_at = NULL
                  WHERE id IN (SELECT workspace_id FROM workspace_settlements WHERE customer_id = $1)",
            )
            .bind(earlier)
            .execute(&mut **tx)
            .await
            .map_err(unavailable)?;
            sqlx::query("UPDATE workspace_settlements SET customer_id = $1 WHERE customer_id = $2")
                .bind(id)
                .bind(earlier)
                .execute(&mut **tx)
                .await
                .map_err(unavailable)?;
        }
    }
    Ok(id)
}

#[async_trait]
impl ActivationStore for Store {
    async fn record_fulfillment(
        &self,
        customer: &ResolvedCustomer,
        session: &SessionKey,
        now: i64,
    ) -> Result<CustomerRecord, StoreError> {
        // The subscriber's turn, which its lifecycle events take too (the session is new: nobody else has it).
        let mut subscriber = vec![Entity::Subscriber(customer.aws_account_id.as_str())];
        subscriber.extend(customer.customer_identifier.as_deref().map(Entity::Subscriber));
        let mut tx = self.begin_write_on(&subscriber).await?;
        let id = upsert_customer(&mut tx, customer, now).await?;
        let detail = format!("AWS account {}, product {}", customer.aws_account_id.as_str(), customer.product_code.as_str());
        let entry = AuditEntry::about_customer(now, actor_buyer(session), "customer.resolved", id, detail);
        audit::append(&mut tx, &entry).await?;
        // The first time this customer is resolved is its subscription as the vendor's systems hear of it.
        let resolved: i64 =
            sqlx::query_scalar("SELECT COUNT(*) FROM audit_log WHERE customer_id = $1 AND action = 'customer.resolved'")
                .bind(id)
                .fetch_one(&mut *tx)
                .await
                .map_err(unavailable)?;
        if resolved == 1 {
            webhooks::publish(&mut tx, "customer.subscribed", &entry).await?;
        }
        // A customer coming back within 30 days resumes its kept draft and branch.
        sqlx::query(
            "INSERT INTO activation_sessions (id_hash, customer_id, branch, created_at, last_seen_at, draft)
             VALUES ($1, $2, (SELECT branch FROM customer_drafts WHERE customer_id = $2 AND saved_at >= $5), $3, $4,
                     COALESCE((SELECT draft FROM customer_drafts WHERE customer_id = $2 AND saved_at >= $5), '{}'))",
        )
        .bind(session.as_bytes())
        .bind(id)
        .bind(now)
        .bind(now)
        .bind(now - RESUME_WITHIN_SECS)
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
        self.lookup(session, now).await
    }

    async fn choose_branch(&self, session: &SessionKey, branch: Branch, now: i64) -> Result<SessionLookup, StoreError> {
        self.choose(session, now, branch).await
    }

    async fn draft(&self, session: &SessionKey) -> Result<Option<String>, StoreError> {
        sqlx::query_scalar("SELECT draft FROM activation_sessions WHERE id_hash = $1")
            .bind(session.as_bytes())
            .fetch_optional(self.pool())
            .await
            .map_err(unavailable)
    }

    async fn save_draft(&self, session: &SessionKey, draft: &str) -> Result<bool, StoreError> {
        let done = sqlx::query("UPDATE activation_sessions SET draft = $1 WHERE id_hash = $2")
            .bind(draft)
            .bind(session.as_bytes())
            .execute(self.pool())
            .await
            .map_err(unavailable)?;
        Ok(done.rows_affected() == 1)
    }

    async fn keep_draft(&self, session: &SessionKey, draft: Option<&str>, now: i64) -> Result<(), StoreError> {
        let query = match draft {
            Some(draft) => sqlx::query(
                "INSERT INTO customer_drafts (customer_id, branch, draft, saved_at)
                 SELECT customer_id, branch, $2, $3 FROM activation_sessions WHERE id_hash = $1
                 ON CONFLICT (customer_id) DO UPDATE
                    SET branch = excluded.branch, draft = excluded.draft, saved_at = excluded.saved_at",
            )
            .bind(session.as_bytes())
            .bind(draft)
            .bind(now),
            None => sqlx::query(
                "DELETE FROM customer_drafts
                  WHERE customer_id = (SELECT customer_id FROM activation_sessions WHERE id_hash = $1)",
            )
            .bind(session.as_bytes()),
        };
        query.execute(self.pool()).await.map_err(unavailable)?;
        Ok(())
    }

    async fn start_over(&self, session: &SessionKey) -> Result<(), StoreError> {
        let mut tx = self.begin_write_on(&[Entity::Session(session)]).await?;
        for statement in [
            "DELETE FROM customer_drafts WHERE customer_id = (SELECT customer_id FROM activation_sessions WHERE id_hash = $1)",
            "UPDATE activation_sessions SET branch = NULL, draft = '{}' WHERE id_hash = $1",
        ] {
            sqlx::query(statement).bind(session.as_bytes()).execute(&mut *tx).await.map_err(unavailable)?;
        }
        tx.commit().await.map_err(unavailable)
    }

    async fn forget_old_drafts(&self, before: i64) -> Result<u64, StoreError> {
        let done = sqlx::query("DELETE FROM customer_drafts WHERE saved_at < $1")
            .bind(before)
            .execute(self.pool())
            .await
            .map_err(unavailable)?;
        Ok(done.rows_affected())
    }

    async fn end_session(&self, session: &SessionKey) -> Result<(), StoreError> {
        let mut tx = self.begin_write_on(&[Entity::Session(session)]).await?;
        delete_session(&mut tx, session).await?;
        tx.commit().await.map_err(unavailable)
    }

    async fn ping(&self) -> Result<(), StoreError> {
        sqlx::query("SELECT 1").execute(self.pool()).await.map_err(unavailable)?;
        Ok(())
    }
}

// The tests, compiled on each backend, live in a file of their own.
#[cfg(test)]
mod tests {
    include!("tests/activation.rs");
}

}

//! Fulfillment and activation sessions: the customer AWS resolved, the session the buyer's cookie names (idle
//! after four hours), its branch and its draft.

crate::store::on_each_backend! {

use crate::store::{corrupt, unavailable, Entity};
use app::domain::ActivationSummary;
use app::domain::{AwsAccountId, Branch, ProductCode};
use app::ssr::ports::{ActivationStore, CustomerRecord, ResolvedCustomer, SessionLookup, StoreError};
use app::ssr::session::{session_ended, SessionKey, TOUCH_EVERY_SECS};
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
        sqlx::query(
            "INSERT INTO activation_sessions (id_hash, customer_id, branch, created_at, last_seen_at)
             VALUES ($1, $2, NULL, $3, $4)",
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::test_support::{count, temp_store};
    use app::ssr::session::{SessionId, ABSOLUTE_TIMEOUT_SECS, IDLE_TIMEOUT_SECS, TOUCH_EVERY_SECS};
    use std::sync::Arc;

    async fn store() -> (Store, crate::store::test_support::Guard) {
        temp_store::<Store>().await
    }

    fn customer(account: &str) -> ResolvedCustomer {
        crate::store::test_support::customer(account)
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

    fn licensed(account: &str, license: &str) -> ResolvedCustomer {
        let mut resolved = customer(account);
        resolved.license_arn = Some(format!("arn:aws:license-manager::{account}:license:{license}"));
        resolved
    }

    #[tokio::test]
    async fn a_customer_is_an_account_and_license_and_a_legacy_row_adopts_its_license() {
        let (store, _dir) = store().await;
        let session = || SessionId::generate().key();
        let l1 = store.record_fulfillment(&licensed("123456789012", "l-1"), &session(), 1).await.expect("l-1");
        let l2 = store.record_fulfillment(&licensed("123456789012", "l-2"), &session(), 2).await.expect("l-2");
        let again = store.record_fulfillment(&licensed("123456789012", "l-1"), &session(), 3).await.expect("again");
        assert_ne!(l1.id, l2.id, "two agreements of one account are two customers");
        assert_eq!(l1.id, again.id);
        // A legacy customer (CustomerIdentifier only) is one per account and product, and keeps its row when
        // AWS later names its license.
        let mut legacy = customer("210987654321");
        legacy.license_arn = None;
        let old = store.record_fulfillment(&legacy, &session(), 4).await.expect("legacy");
        assert_eq!(store.record_fulfillment(&legacy, &session(), 5).await.expect("legacy again").id, old.id);
        let adopted = store.record_fulfillment(&licensed("210987654321", "l-9"), &session(), 6).await.expect("l-9");
        assert_eq!(adopted.id, old.id);
        assert_eq!(count(&store, "marketplace_customers").await, 3);
    }

    #[tokio::test]
    async fn a_new_license_after_the_old_agreement_ended_takes_over_its_workspaces() {
        let (store, _dir) = store().await;
        let pool = store.pool();
        let old = store
            .record_fulfillment(&licensed("123456789012", "l-1"), &SessionId::generate().key(), 1)
            .await
            .expect("old");
        sqlx::query("INSERT INTO guance_accounts (id, username, username_key, email, password_hash, created_at) VALUES (1, 'u', 'u', 'e@x.com', 'x', 0)")
            .execute(pool).await.expect("account");
        sqlx::query("INSERT INTO billing_accounts (id, username, username_key, email, owner_account_id, created_at) VALUES (1, 'u', 'u', 'e@x.com', 1, 0)")
            .execute(pool).await.expect("billing");
        sqlx::query("INSERT INTO workspaces (id, billing_account_id, owner_account_id, name, name_key, site, language, created_at, locked_at) VALUES (1, 1, 1, 'w', 'w', 'us1', 'en', 0, 50)")
            .execute(pool).await.expect("workspace");
        sqlx::query("INSERT INTO workspace_settlements (workspace_id, customer_id, linked_at) VALUES (1, $1, 0)")
            .bind(old.id)
            .execute(pool)
            .await
            .expect("settlement");
        sqlx::query(
            "UPDATE marketplace_customers SET billing_account_id = 1, subscription_state = 'active' WHERE id = $1",
        )
        .bind(old.id)
        .execute(pool)
        .await
        .expect("linked");
        let settled_to = || async {
            sqlx::query_scalar::<_, i64>("SELECT customer_id FROM workspace_settlements WHERE workspace_id = 1")
                .fetch_one(pool)
                .await
                .expect("settlement")
        };
        // A second, concurrent agreement: it shares the billing account, the workspace stays where it is.
        let second = store
            .record_fulfillment(&licensed("123456789012", "l-2"), &SessionId::generate().key(), 2)
            .await
            .expect("second");
        assert_eq!(settled_to().await, old.id);
        let billing: Option<i64> =
            sqlx::query_scalar("SELECT billing_account_id FROM marketplace_customers WHERE id = $1")
                .bind(second.id)
                .fetch_one(pool)
                .await
                .expect("billing");
        assert_eq!(billing, Some(1), "the AWS account's billing account is kept");
        // The latest agreement ends and its workspaces are locked; subscribing again brings them back.
        sqlx::query("UPDATE workspace_settlements SET customer_id = $1")
            .bind(second.id)
            .execute(pool)
            .await
            .expect("move");
        sqlx::query("UPDATE marketplace_customers SET subscription_state = 'locked' WHERE id = $1")
            .bind(second.id)
            .execute(pool)
            .await
            .expect("locked");
        let third = store
            .record_fulfillment(&licensed("123456789012", "l-3"), &SessionId::generate().key(), 3)
            .await
            .expect("third");
        assert_eq!(settled_to().await, third.id);
        let locked: Option<i64> =
            sqlx::query_scalar("SELECT locked_at FROM workspaces WHERE id = 1").fetch_one(pool).await.expect("ws");
        assert_eq!(locked, None);
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
    async fn a_page_view_moves_the_idle_timer_at_most_once_a_minute_and_the_rule_holds_to_the_minute() {
        let (store, _dir) = store().await;
        let session = SessionId::generate().key();
        store.record_fulfillment(&customer("123456789012"), &session, 0).await.expect("record");
        let last_seen = || async {
            let seen: i64 = sqlx::query_scalar("SELECT last_seen_at FROM activation_sessions")
                .fetch_one(store.pool())
                .await
                .expect("row");
            seen
        };
        // Views within a minute of the last move write nothing.
        for at in [1, 30, TOUCH_EVERY_SECS - 1] {
            assert!(matches!(store.activation(&session, at).await, Ok(SessionLookup::Active(_))));
            assert_eq!(last_seen().await, 0, "a view {at} s later wrote");
        }
        assert!(matches!(store.activation(&session, TOUCH_EVERY_SECS).await, Ok(SessionLookup::Active(_))));
        assert_eq!(last_seen().await, TOUCH_EVERY_SECS);
        // The idle limit counts from that view: still there at the limit, ended one second after.
        let seen = TOUCH_EVERY_SECS + 30;
        assert!(matches!(store.activation(&session, seen).await, Ok(SessionLookup::Active(_))));
        assert_eq!(last_seen().await, TOUCH_EVERY_SECS, "30 s after the move: unchanged");
        // The view at 90 s did not move it: the session ends at most a minute early, never late.
        let limit = TOUCH_EVERY_SECS + IDLE_TIMEOUT_SECS;
        assert!(matches!(store.activation(&session, limit + 1).await, Ok(SessionLookup::Ended)));
    }

    #[tokio::test]
    async fn a_page_view_does_not_wait_for_a_writer() {
        let (store, _dir) = store().await;
        let session = SessionId::generate().key();
        store.record_fulfillment(&customer("123456789012"), &session, 0).await.expect("record");
        // A writer holds the session (SQLite's single writer, PostgreSQL's lock on the session).
        let writer = store.begin_write_on(&[Entity::Session(&session)]).await.expect("writer");
        let view = tokio::time::timeout(std::time::Duration::from_secs(2), store.activation(&session, 10)).await;
        assert!(matches!(view, Ok(Ok(SessionLookup::Active(_)))), "a page view queued behind a writer: {view:?}");
        drop(writer);
    }

    #[tokio::test]
    async fn a_busy_session_still_ends_a_day_after_it_started() {
        let (store, _dir) = store().await;
        let session = SessionId::generate().key();
        store.record_fulfillment(&customer("123456789012"), &session, 0).await.expect("record");
        let mut at = 0;
        while at + IDLE_TIMEOUT_SECS / 2 <= ABSOLUTE_TIMEOUT_SECS {
            at += IDLE_TIMEOUT_SECS / 2;
            assert!(matches!(store.activation(&session, at).await, Ok(SessionLookup::Active(_))), "at {at}");
        }
        assert!(matches!(store.activation(&session, ABSOLUTE_TIMEOUT_SECS + 1).await, Ok(SessionLookup::Ended)));
        assert_eq!(count(&store, "activation_sessions").await, 0);
    }

    #[tokio::test]
    async fn an_ended_session_is_gone_with_its_codes() {
        let (store, _dir) = store().await;
        let session = SessionId::generate().key();
        store.record_fulfillment(&customer("123456789012"), &session, 0).await.expect("record");
        store.end_session(&session).await.expect("end");
        assert!(matches!(store.activation(&session, 1).await, Ok(SessionLookup::Unknown)));
        assert_eq!(count(&store, "activation_sessions").await, 0);
        assert_eq!(count(&store, "marketplace_customers").await, 1, "the customer stays");
        store.end_session(&session).await.expect("ending twice is fine");
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

}

//! Subscription events, on either backend: each kept once (`UNIQUE (source, source_id)`), applied to its
//! customer in the same write transaction (`BEGIN IMMEDIATE` on SQLite, the subscriber's and the customer's locks on PostgreSQL), or left waiting for the customer's
//! registration.

crate::store::on_each_backend! {

use crate::store::{unavailable, Entity};
use crate::lifecycle::{
    Action, LifecycleStore, MarketplaceEvent, Recorded, Subscription, SubscriptionState, MAX_WAITING,
    MAX_WAITING_PER_ACCOUNT, WAITING_TTL_SECS,
};
use crate::reconcile::{KnownLicense, ReconcileStore, ACTOR};
use app::ssr::audit::AuditEntry;
use app::ssr::ports::StoreError;
use async_trait::async_trait;
use sqlx::Row;

struct CustomerRow {
    id: i64,
    aws_account_id: String,
    product_code: String,
    subscription: Subscription,
}

fn customer_row(row: &DbRow) -> Result<CustomerRow, sqlx::Error> {
    let state: String = row.try_get("subscription_state")?;
    Ok(CustomerRow {
        id: row.try_get("id")?,
        aws_account_id: row.try_get("aws_account_id")?,
        product_code: row.try_get("product_code")?,
        subscription: Subscription {
            state: SubscriptionState::parse(&state).unwrap_or(SubscriptionState::Active),
            changed_at: row.try_get("subscription_changed_at")?,
            lock_at: row.try_get("lock_at")?,
        },
    })
}

const CUSTOMER_FIELDS: &str = "id, aws_account_id, product_code, customer_identifier, license_id, subscription_state,
     subscription_changed_at, lock_at";

/// The customer an event is about: by license when the event names one (EventBridge), else the account's
/// latest customer for the product (SNS notifications name no license); a legacy customer by identifier.
async fn find_customer(tx: &mut Tx<'_>, event: &MarketplaceEvent) -> Result<Option<CustomerRow>, StoreError> {
    let row = if let Some(account) = &event.aws_account_id {
        sqlx::query(&format!(
            "SELECT {CUSTOMER_FIELDS} FROM marketplace_customers
              WHERE aws_account_id = $1 AND product_code = COALESCE($2, product_code)
                AND (CAST($3 AS TEXT) IS NULL OR license_id IS NULL OR license_id = $3)
              ORDER BY license_id = $3 DESC, id DESC LIMIT 1"
        ))
        .bind(account)
        .bind(&event.product_code)
        .bind(&event.license_id)
        .fetch_optional(&mut **tx)
        .await
    } else if let Some(identifier) = &event.customer_identifier {
        sqlx::query(&format!(
            "SELECT {CUSTOMER_FIELDS} FROM marketplace_customers WHERE customer_identifier = $1 AND product_code = COALESCE($2, product_code)
              ORDER BY id DESC LIMIT 1"
        ))
        .bind(identifier)
        .bind(&event.product_code)
        .fetch_optional(&mut **tx)
        .await
    } else {
        return Ok(None);
    };
    row.map_err(unavailable)?.as_ref().map(customer_row).transpose().map_err(unavailable)
}

/// [`find_customer`] under the customer's lock (taken after the event's subscriber locks), read again under it.
async fn find_locked_customer(tx: &mut Tx<'_>, event: &MarketplaceEvent) -> Result<Option<CustomerRow>, StoreError> {
    let Some(customer) = find_customer(tx, event).await? else { return Ok(None) };
    Store::lock_also(tx, &[Entity::Customer(customer.id)]).await?;
    find_customer(tx, event).await
}

/// The lifecycle's one state change, whoever asks for it (an event, the reconciliation): the customer's
/// subscription after `action` (happened at `at`), stored; `None` when the state machine changes nothing.
async fn move_subscription(
    tx: &mut Tx<'_>,
    customer: &CustomerRow,
    action: Action,
    at: i64,
) -> Result<Option<Subscription>, StoreError> {
    let moved = customer.subscription.after(action, at);
    if let Some(next) = moved {
        sqlx::query(
            "UPDATE marketplace_customers SET subscription_state = $1, subscription_changed_at = $2, lock_at = $3
              WHERE id = $4",
        )
        .bind(next.state.as_str())
        .bind(next.changed_at)
        .bind(next.lock_at)
        .bind(customer.id)
        .execute(&mut **tx)
        .await
        .map_err(unavailable)?;
    }
    Ok(moved)
}

/// Tells the vendor's systems of a move that matters to them (webhooks), about what `entry` records.
async fn publish_move(
    tx: &mut Tx<'_>,
    before: SubscriptionState,
    moved: Option<Subscription>,
    entry: &AuditEntry,
) -> Result<(), StoreError> {
    let published = match moved.map(|next| next.state) {
        Some(SubscriptionState::CancellationPending) => Some("subscription.cancel_pending"),
        Some(SubscriptionState::Cancelled) => Some("subscription.ended"),
        Some(SubscriptionState::Active) if before != SubscriptionState::Active => Some("customer.subscribed"),
        _ => None,
    };
    if let Some(event_type) = published {
        webhooks::publish(tx, event_type, entry).await?;
    }
    Ok(())
}

/// Applies `action` (happened at `at`) to the customer and marks the event applied.
async fn apply(
    tx: &mut Tx<'_>,
    event_id: i64,
    customer: &CustomerRow,
    action: Action,
    at: i64,
    now: i64,
) -> Result<Recorded, StoreError> {
    let moved = move_subscription(tx, customer, action, at).await?;
    let detail = match &moved {
        Some(next) => format!("{} (event at {at}): subscription now {}", action.as_str(), next.state.as_str()),
        None => format!("{} (event at {at}): no change", action.as_str()),
    };
    let entry = AuditEntry::about_customer(now, format!("aws-event:{event_id}"), "subscription.event", customer.id, detail);
    audit::append(tx, &entry).await?;
    publish_move(tx, customer.subscription.state, moved, &entry).await?;
    sqlx::query("UPDATE marketplace_events SET customer_id = $1, applied_at = $2 WHERE id = $3")
        .bind(customer.id)
        .bind(now)
        .bind(event_id)
        .execute(&mut **tx)
        .await
        .map_err(unavailable)?;
    Ok(Recorded::Applied {
        customer_id: customer.id,
        aws_account_id: customer.aws_account_id.clone(),
        product_code: customer.product_code.clone(),
        moved,
    })
}

/// Forgets waiting events past their time, then says whether one more may wait for the event's account (or
/// customer identifier): at most [`MAX_WAITING_PER_ACCOUNT`] each and [`MAX_WAITING`] altogether.
async fn room_to_wait(tx: &mut Tx<'_>, event: &MarketplaceEvent, now: i64) -> Result<bool, StoreError> {
    sqlx::query("DELETE FROM marketplace_events WHERE customer_id IS NULL AND received_at < $1")
        .bind(now - WAITING_TTL_SECS)
        .execute(&mut **tx)
        .await
        .map_err(unavailable)?;
    let (column, value) = match (&event.aws_account_id, &event.customer_identifier) {
        (Some(account), _) => ("aws_account_id", account),
        (None, Some(identifier)) => ("customer_identifier", identifier),
        // Nobody it could ever apply to.
        (None, None) => return Ok(false),
    };
    let for_account: i64 = sqlx::query_scalar(&format!(
        "SELECT COUNT(*) FROM marketplace_events WHERE customer_id IS NULL AND {column} = $1"
    ))
    .bind(value)
    .fetch_one(&mut **tx)
    .await
    .map_err(unavailable)?;
    if for_account >= MAX_WAITING_PER_ACCOUNT {
        return Ok(false);
    }
    let all: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM marketplace_events WHERE customer_id IS NULL")
        .fetch_one(&mut **tx)
        .await
        .map_err(unavailable)?;
    Ok(all < MAX_WAITING)
}

#[async_trait]
impl LifecycleStore for Store {
    async fn record_event(&self, event: &MarketplaceEvent, now: i64) -> Result<Recorded, StoreError> {
        // The subscriber's turn (with its fulfillment: an event waits for a customer or applies to it, never
        // both), then its customer's.
        let subscriber: Vec<Entity<'_>> =
            [&event.aws_account_id, &event.customer_identifier].into_iter().flatten().map(|id| Entity::Subscriber(id)).collect();
        let mut tx = self.begin_write_on(&subscriber).await?;
        let customer = find_locked_customer(&mut tx, event).await?;
        if customer.is_none() && !room_to_wait(&mut tx, event, now).await? {
            let seen: bool = sqlx::query_scalar(
                "SELECT EXISTS (SELECT 1 FROM marketplace_events WHERE source = $1 AND source_id = $2)",
            )
            .bind(event.source)
            .bind(&event.source_id)
            .fetch_one(&mut *tx)
            .await
            .map_err(unavailable)?;
            tx.commit().await.map_err(unavailable)?;
            return Ok(if seen { Recorded::Replay } else { Recorded::Dropped });
        }
        let id: Option<i64> = sqlx::query_scalar(
            "INSERT INTO marketplace_events (source, source_id, action, aws_account_id, customer_identifier,
                                             license_id, product_code, occurred_at, received_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
             ON CONFLICT (source, source_id) DO NOTHING RETURNING id",
        )
        .bind(event.source)
        .bind(&event.source_id)
        .bind(event.action.as_str())
        .bind(&event.aws_account_id)
        .bind(&event.customer_identifier)
        .bind(&event.license_id)
        .bind(&event.product_code)
        .bind(event.occurred_at)
        .bind(now)
        .fetch_optional(&mut *tx)
        .await
        .map_err(unavailable)?;
        let Some(id) = id else {
            return Ok(Recorded::Replay);
        };
        let outcome = match customer {
            Some(customer) => apply(&mut tx, id, &customer, event.action, event.occurred_at, now).await?,
            None => Recorded::Waiting,
        };
        tx.commit().await.map_err(unavailable)?;
        Ok(outcome)
    }

    async fn apply_waiting_events(&self, customer_id: i64, now: i64) -> Result<Vec<Recorded>, StoreError> {
        let read = format!("SELECT {CUSTOMER_FIELDS} FROM marketplace_customers WHERE id = $1");
        let row = sqlx::query(&read).bind(customer_id).fetch_optional(self.pool()).await.map_err(unavailable)?;
        let Some(row) = row else {
            return Ok(Vec::new());
        };
        // The subscriber's turn (with events arriving for it), then the customer's; read again under them.
        let account: String = row.try_get("aws_account_id").map_err(unavailable)?;
        let identifier: Option<String> = row.try_get("customer_identifier").map_err(unavailable)?;
        let mut locks = vec![Entity::Subscriber(&account), Entity::Customer(customer_id)];
        locks.extend(identifier.as_deref().map(Entity::Subscriber));
        let mut tx = self.begin_write_on(&locks).await?;
        let row = sqlx::query(&read).bind(customer_id).fetch_one(&mut *tx).await.map_err(unavailable)?;
        let mut customer = customer_row(&row).map_err(unavailable)?;
        let (aws_account_id, product_code) = (customer.aws_account_id.clone(), customer.product_code.clone());
        let identifier: Option<String> = row.try_get("customer_identifier").map_err(unavailable)?;
        let license: Option<String> = row.try_get("license_id").map_err(unavailable)?;
        let waiting = sqlx::query(
            "SELECT id, action, occurred_at FROM marketplace_events
              WHERE customer_id IS NULL AND (aws_account_id = $1 OR (aws_account_id IS NULL AND customer_identifier = $2))
                AND COALESCE(product_code, $3) = $4
                AND (license_id IS NULL OR CAST($5 AS TEXT) IS NULL OR license_id = $6)
              ORDER BY occurred_at, id",
        )
        .bind(&aws_account_id)
        .bind(identifier)
        .bind(&product_code)
        .bind(&product_code)
        .bind(&license)
        .bind(&license)
        .fetch_all(&mut *tx)
        .await
        .map_err(unavailable)?;
        let mut applied = Vec::new();
        for event in waiting {
            let id: i64 = event.try_get("id").map_err(unavailable)?;
            let action: String = event.try_get("action").map_err(unavailable)?;
            let at: i64 = event.try_get("occurred_at").map_err(unavailable)?;
            let Some(action) = Action::parse(&action) else { continue };
            let outcome = apply(&mut tx, id, &customer, action, at, now).await?;
            if let Recorded::Applied { moved: Some(next), .. } = &outcome {
                customer.subscription = *next;
            }
            applied.push(outcome);
        }
        tx.commit().await.map_err(unavailable)?;
        Ok(applied)
    }

    async fn subscription(&self, aws_account_id: &str, product_code: &str) -> Result<Option<Subscription>, StoreError> {
        let row = sqlx::query(&format!(
            "SELECT {CUSTOMER_FIELDS} FROM marketplace_customers WHERE aws_account_id = $1 AND product_code = $2
              ORDER BY id DESC LIMIT 1"
        ))
        .bind(aws_account_id)
        .bind(product_code)
        .fetch_optional(self.pool())
        .await
        .map_err(unavailable)?;
        Ok(row.as_ref().map(customer_row).transpose().map_err(unavailable)?.map(|c| c.subscription))
    }

    async fn lock_due(&self, now: i64) -> Result<u64, StoreError> {
        let due: Vec<i64> = sqlx::query_scalar(
            "SELECT id FROM marketplace_customers WHERE subscription_state = 'cancelled' AND lock_at <= $1 ORDER BY id",
        )
        .bind(now)
        .fetch_all(self.pool())
        .await
        .map_err(unavailable)?;
        let mut locked = 0;
        // One customer at a time, in its turn: an event that resubscribes it meanwhile wins (re-checked here).
        for customer in due {
            let mut tx = self.begin_write_on(&[Entity::Customer(customer)]).await?;
            let moved = sqlx::query(
                "UPDATE marketplace_customers SET subscription_state = 'locked'
                  WHERE id = $1 AND subscription_state = 'cancelled' AND lock_at <= $2",
            )
            .bind(customer)
            .bind(now)
            .execute(&mut *tx)
            .await
            .map_err(unavailable)?
            .rows_affected();
            if moved == 0 {
                continue;
            }
            sqlx::query(
                "UPDATE workspaces SET locked_at = $1
                  WHERE locked_at IS NULL
                    AND id IN (SELECT workspace_id FROM workspace_settlements WHERE customer_id = $2)",
            )
            .bind(now)
            .bind(customer)
            .execute(&mut *tx)
            .await
            .map_err(unavailable)?;
            let detail = "the subscription ended and its grace period is over: its workspaces are locked".to_owned();
            let entry = AuditEntry::about_customer(now, "job:lifecycle".to_owned(), "subscription.locked", customer, detail);
            audit::append(&mut tx, &entry).await?;
            tx.commit().await.map_err(unavailable)?;
            locked += 1;
        }
        Ok(locked)
    }
}

#[async_trait]
impl ReconcileStore for Store {
    async fn known_licenses(&self, product_code: &str) -> Result<Vec<KnownLicense>, StoreError> {
        let rows = sqlx::query(&format!(
            "SELECT {CUSTOMER_FIELDS} FROM marketplace_customers
              WHERE product_code = $1 AND license_id IS NOT NULL AND subscription_state <> 'locked' ORDER BY id"
        ))
        .bind(product_code)
        .fetch_all(self.pool())
        .await
        .map_err(unavailable)?;
        rows.iter()
            .map(|row| {
                let customer = customer_row(row)?;
                Ok(KnownLicense {
                    customer_id: customer.id,
                    license_id: row.try_get("license_id")?,
                    subscription: customer.subscription,
                })
            })
            .collect::<Result<_, sqlx::Error>>()
            .map_err(unavailable)
    }

    async fn reconcile(
        &self,
        customer_id: i64,
        expected: SubscriptionState,
        action: Action,
        at: i64,
        detail: &str,
        now: i64,
    ) -> Result<Option<Subscription>, StoreError> {
        // In the customer's turn, read again: an event applied meanwhile wins (the state is no longer `expected`).
        let mut tx = self.begin_write_on(&[Entity::Customer(customer_id)]).await?;
        let row = sqlx::query(&format!("SELECT {CUSTOMER_FIELDS} FROM marketplace_customers WHERE id = $1"))
            .bind(customer_id)
            .fetch_optional(&mut *tx)
            .await
            .map_err(unavailable)?;
        let Some(customer) = row.as_ref().map(customer_row).transpose().map_err(unavailable)? else {
            return Ok(None);
        };
        if customer.subscription.state != expected {
            return Ok(None);
        }
        let Some(next) = move_subscription(&mut tx, &customer, action, at).await? else {
            return Ok(None);
        };
        let detail = format!("{detail}; subscription now {}", next.state.as_str());
        let entry = AuditEntry::about_customer(now, ACTOR.to_owned(), "subscription.reconciled", customer.id, detail);
        audit::append(&mut tx, &entry).await?;
        publish_move(&mut tx, customer.subscription.state, Some(next), &entry).await?;
        tx.commit().await.map_err(unavailable)?;
        Ok(Some(next))
    }
}

// The tests, compiled on each backend, live in files of their own.
#[cfg(test)]
mod tests {
    include!("tests/lifecycle.rs");
}

#[cfg(test)]
mod reconcile_tests {
    include!("tests/reconcile.rs");
}

}

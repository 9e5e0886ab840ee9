//! Webhook endpoints and the delivery queue on either backend (see `crate::webhooks`). [`publish`] queues an
//! event inside the transaction of the change it reports (they commit or roll back together); the worker
//! claims due rows under a lease (the outbox's pattern: a conditional UPDATE decides, and PostgreSQL re-checks it
//! under the row's lock, so of two instances exactly one takes a row) and records each attempt, audited.

crate::store::on_each_backend! {

use crate::store::unavailable;
use crate::webhooks::{Claimed, Outcome, WebhookStore};
use app::domain::console::{DeliveryRow, DeliveryState, WebhookEndpoint, MAX_WEBHOOK_ENDPOINTS, WEBHOOK_EVENT_TYPES};
use app::ssr::audit::AuditEntry;
use app::ssr::console::actor_operator;
use app::ssr::ports::StoreError;
use async_trait::async_trait;
use sqlx::Row;

/// Queues `event_type` about what `entry` records — one delivery per enabled endpoint that asked for it —
/// within `tx`. The body: `{"id", "type", "created_at", "data": {"customer_id", "aws_account_id",
/// "license_id", "product_code", "billing_account_id", "workspace_id", "detail"}}`.
pub(crate) async fn publish(tx: &mut Tx<'_>, event_type: &'static str, entry: &AuditEntry) -> Result<u64, StoreError> {
    debug_assert!(WEBHOOK_EVENT_TYPES.contains(&event_type), "{event_type}");
    let endpoints: Vec<i64> = sqlx::query_scalar(
        "SELECT id FROM webhook_endpoints WHERE disabled_at IS NULL AND (',' || event_types || ',') LIKE $1 ORDER BY id",
    )
    .bind(format!("%,{event_type},%"))
    .fetch_all(&mut **tx)
    .await
    .map_err(unavailable)?;
    if endpoints.is_empty() {
        return Ok(0);
    }
    let customer = match entry.customer_id {
        Some(id) => sqlx::query("SELECT aws_account_id, license_id, product_code FROM marketplace_customers WHERE id = $1")
            .bind(id)
            .fetch_optional(&mut **tx)
            .await
            .map_err(unavailable)?,
        None => None,
    };
    let text = |column: &str| customer.as_ref().and_then(|row| row.try_get::<Option<String>, _>(column).ok().flatten());
    let event_id = crate::webhooks::new_event_id();
    let body = serde_json::json!({
        "id": event_id,
        "type": event_type,
        "created_at": entry.at,
        "data": {
            "customer_id": entry.customer_id,
            "aws_account_id": text("aws_account_id"),
            "license_id": text("license_id"),
            "product_code": text("product_code"),
            "billing_account_id": entry.billing_account_id,
            "workspace_id": entry.workspace_id,
            "detail": entry.detail,
        }
    })
    .to_string();
    for endpoint in &endpoints {
        sqlx::query(
            "INSERT INTO webhook_deliveries (endpoint_id, event_id, event_type, customer_id, body, created_at,
                                             window_start, next_attempt_at)
             VALUES ($1, $2, $3, $4, $5, $6, $6, $6)",
        )
        .bind(endpoint)
        .bind(&event_id)
        .bind(event_type)
        .bind(entry.customer_id)
        .bind(&body)
        .bind(entry.at)
        .execute(&mut **tx)
        .await
        .map_err(unavailable)?;
    }
    Ok(endpoints.len() as u64)
}

fn endpoint_row(row: &DbRow) -> Result<WebhookEndpoint, sqlx::Error> {
    let types: String = row.try_get("event_types")?;
    Ok(WebhookEndpoint {
        id: row.try_get("id")?,
        url: row.try_get("url")?,
        event_types: types.split(',').filter(|t| !t.is_empty()).map(str::to_owned).collect(),
        secret: row.try_get("secret")?,
        created_at: row.try_get("created_at")?,
        created_by: row.try_get("created_by")?,
        disabled_at: row.try_get("disabled_at")?,
        disabled_reason: row.try_get("disabled_reason")?,
    })
}

/// The deliveries in `state` (any when `None`), newest first, at most `limit`.
pub(crate) fn deliveries_query<'q>(
    state: Option<DeliveryState>,
    limit: i64,
) -> sqlx::query::Query<'q, Db, <Db as sqlx::Database>::Arguments<'q>> {
    sqlx::query(
        "SELECT d.id, d.endpoint_id, e.url, d.event_id, d.event_type, d.customer_id, d.state, d.attempts,
                d.created_at, d.next_attempt_at, d.last_status, d.last_error, d.delivered_at
           FROM webhook_deliveries d JOIN webhook_endpoints e ON e.id = d.endpoint_id
          WHERE ($1 = '' OR d.state = $1) ORDER BY d.id DESC LIMIT $2",
    )
    .bind(state.map(DeliveryState::code).unwrap_or_default())
    .bind(limit)
}

pub(crate) fn delivery_row(row: &DbRow) -> Result<DeliveryRow, sqlx::Error> {
    let state: String = row.try_get("state")?;
    Ok(DeliveryRow {
        id: row.try_get("id")?,
        endpoint_id: row.try_get("endpoint_id")?,
        url: row.try_get("url")?,
        event_id: row.try_get("event_id")?,
        event_type: row.try_get("event_type")?,
        customer_id: row.try_get("customer_id")?,
        state: DeliveryState::parse(&state).unwrap_or(DeliveryState::Pending),
        attempts: row.try_get("attempts")?,
        created_at: row.try_get("created_at")?,
        next_attempt_at: row.try_get("next_attempt_at")?,
        last_status: row.try_get("last_status")?,
        last_error: row.try_get("last_error")?,
        delivered_at: row.try_get("delivered_at")?,
    })
}

/// The audit entry for something that happened to `delivery`.
fn delivery_entry(delivery: &Claimed, now: i64, actor: String, action: &'static str, what: &str) -> AuditEntry {
    AuditEntry {
        at: now,
        actor,
        action,
        customer_id: delivery.customer_id,
        billing_account_id: None,
        workspace_id: None,
        detail: format!(
            "delivery {} of {} {} to endpoint {} ({}): {what}",
            delivery.id, delivery.event_type, delivery.event_id, delivery.endpoint_id, delivery.url
        ),
    }
}

#[async_trait]
impl WebhookStore for Store {
    async fn claim_deliveries(&self, now: i64, lease_secs: i64, limit: i64) -> Result<Vec<Claimed>, StoreError> {
        // The worker asks every second: a read first, so that an empty queue never takes the write lock.
        let due: Option<i64> = sqlx::query_scalar(
            "SELECT id FROM webhook_deliveries
              WHERE state = 'pending' AND next_attempt_at <= $1 AND (lease_until IS NULL OR lease_until < $1) LIMIT 1",
        )
        .bind(now)
        .fetch_optional(self.pool())
        .await
        .map_err(unavailable)?;
        if due.is_none() {
            return Ok(Vec::new());
        }
        let mut tx = self.begin_write_on(&[]).await?;
        let due = sqlx::query(
            "SELECT d.id, d.endpoint_id, e.url, e.secret, d.event_id, d.event_type, d.body, d.attempts, d.window_start,
                    d.customer_id
               FROM webhook_deliveries d JOIN webhook_endpoints e ON e.id = d.endpoint_id
              WHERE d.state = 'pending' AND d.next_attempt_at <= $1 AND (d.lease_until IS NULL OR d.lease_until < $1)
              ORDER BY d.next_attempt_at, d.id LIMIT $2",
        )
        .bind(now)
        .bind(limit)
        .fetch_all(&mut *tx)
        .await
        .map_err(unavailable)?;
        let mut claimed = Vec::with_capacity(due.len());
        for row in due {
            let id: i64 = row.try_get("id").map_err(unavailable)?;
            // Conditional: a claim made meanwhile by another instance wins and this one skips the row.
            let taken = sqlx::query(
                "UPDATE webhook_deliveries SET lease_until = $1
                  WHERE id = $2 AND state = 'pending' AND (lease_until IS NULL OR lease_until < $3)",
            )
            .bind(now + lease_secs)
            .bind(id)
            .bind(now)
            .execute(&mut *tx)
            .await
            .map_err(unavailable)?;
            if taken.rows_affected() == 1 {
                claimed.push(Claimed {
                    id,
                    endpoint_id: row.try_get("endpoint_id").map_err(unavailable)?,
                    url: row.try_get("url").map_err(unavailable)?,
                    secret: row.try_get("secret").map_err(unavailable)?,
                    event_id: row.try_get("event_id").map_err(unavailable)?,
                    event_type: row.try_get("event_type").map_err(unavailable)?,
                    body: row.try_get("body").map_err(unavailable)?,
                    attempts: row.try_get("attempts").map_err(unavailable)?,
                    window_start: row.try_get("window_start").map_err(unavailable)?,
                    customer_id: row.try_get("customer_id").map_err(unavailable)?,
                });
            }
        }
        tx.commit().await.map_err(unavailable)?;
        Ok(claimed)
    }

    async fn record_attempt(
        &self,
        delivery: &Claimed,
        outcome: &Outcome,
        retry_at: Option<i64>,
        now: i64,
    ) -> Result<(), StoreError> {
        let mut tx = self.begin_write_on(&[]).await?;
        let actor = "job:webhooks".to_owned();
        let (state, status, error, next) = match outcome {
            Outcome::Delivered { status } => ("delivered", Some(i64::from(*status)), None, now),
            Outcome::Gone => ("dead", Some(410), Some("the receiver answered 410 Gone".to_owned()), now),
            Outcome::Failed { status, error } => match retry_at {
                Some(at) => ("pending", status.map(i64::from), Some(error.clone()), at),
                None => ("dead", status.map(i64::from), Some(error.clone()), now),
            },
        };
        sqlx::query(
            "UPDATE webhook_deliveries
                SET state = $1, attempts = attempts + 1, last_status = $2, last_error = $3, next_attempt_at = $4,
                    lease_until = NULL, delivered_at = CASE WHEN $1 = 'delivered' THEN $5 ELSE delivered_at END
              WHERE id = $6",
        )
        .bind(state)
        .bind(status)
        .bind(&error)
        .bind(next)
        .bind(now)
        .bind(delivery.id)
        .execute(&mut *tx)
        .await
        .map_err(unavailable)?;
        let entry = match (outcome, state) {
            (Outcome::Delivered { status }, _) => {
                delivery_entry(delivery, now, actor, "webhook.delivered", &format!("delivered ({status})"))
            }
            (Outcome::Gone, _) => {
                sqlx::query(
                    "UPDATE webhook_endpoints SET disabled_at = $1, disabled_reason = 'the receiver answered 410 Gone'
                      WHERE id = $2 AND disabled_at IS NULL",
                )
                .bind(now)
                .bind(delivery.endpoint_id)
                .execute(&mut *tx)
                .await
                .map_err(unavailable)?;
                let disabled = AuditEntry { customer_id: None, ..delivery_entry(delivery, now, actor.clone(), "webhook.endpoint_disabled", "the receiver answered 410 Gone: the endpoint is disabled") };
                audit::append(&mut tx, &disabled).await?;
                delivery_entry(delivery, now, actor, "webhook.dead_lettered", "410 Gone: not retried")
            }
            (Outcome::Failed { error, .. }, "pending") => {
                delivery_entry(delivery, now, actor, "webhook.failed", &format!("{error}; next attempt at {next}"))
            }
            (Outcome::Failed { error, .. }, _) => delivery_entry(
                delivery,
                now,
                actor,
                "webhook.dead_lettered",
                &format!("{error}; no 2xx within 24 hours: kept for Replay"),
            ),
        };
        audit::append(&mut tx, &entry).await?;
        tx.commit().await.map_err(unavailable)
    }
}

/// The console's side of webhooks (the rest of `Console` is in `console.rs`).
impl Store {
    pub(crate) async fn list_webhook_endpoints(&self) -> Result<Vec<WebhookEndpoint>, StoreError> {
        let rows = sqlx::query(
            "SELECT id, url, event_types, secret, created_at, created_by, disabled_at, disabled_reason
               FROM webhook_endpoints ORDER BY id",
        )
        .fetch_all(self.pool())
        .await
        .map_err(unavailable)?;
        rows.iter().map(|row| endpoint_row(row).map_err(unavailable)).collect()
    }

    pub(crate) async fn insert_webhook_endpoint(
        &self,
        url: &str,
        event_types: &[&str],
        operator: &str,
        now: i64,
    ) -> Result<Option<i64>, StoreError> {
        let mut tx = self.begin_write_on(&[]).await?;
        let count: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM webhook_endpoints")
            .fetch_one(&mut *tx)
            .await
            .map_err(unavailable)?;
        if count >= MAX_WEBHOOK_ENDPOINTS {
            return Ok(None);
        }
        let types: Vec<&str> = WEBHOOK_EVENT_TYPES.into_iter().filter(|t| event_types.contains(t)).collect();
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO webhook_endpoints (url, event_types, secret, created_at, created_by)
             VALUES ($1, $2, $3, $4, $5) RETURNING id",
        )
        .bind(url)
        .bind(types.join(","))
        .bind(crate::webhooks::new_secret())
        .bind(now)
        .bind(operator)
        .fetch_one(&mut *tx)
        .await
        .map_err(unavailable)?;
        let entry = AuditEntry {
            at: now,
            actor: actor_operator(operator),
            action: "webhook.endpoint_added",
            customer_id: None,
            billing_account_id: None,
            workspace_id: None,
            detail: format!("endpoint {id}: {url} for {}", types.join(", ")),
        };
        audit::append(&mut tx, &entry).await?;
        tx.commit().await.map_err(unavailable)?;
        Ok(Some(id))
    }

    pub(crate) async fn list_webhook_deliveries(
        &self,
        state: Option<DeliveryState>,
        limit: i64,
    ) -> Result<Vec<DeliveryRow>, StoreError> {
        let rows = deliveries_query(state, limit.clamp(1, 10_000)).fetch_all(self.pool()).await.map_err(unavailable)?;
        rows.iter().map(|row| delivery_row(row).map_err(unavailable)).collect()
    }

    pub(crate) async fn replay_webhook_delivery(&self, id: i64, operator: &str, now: i64) -> Result<bool, StoreError> {
        let mut tx = self.begin_write_on(&[]).await?;
        let found = sqlx::query(
            "SELECT d.id, d.endpoint_id, e.url, e.secret, d.event_id, d.event_type, d.body, d.attempts, d.window_start,
                    d.customer_id
               FROM webhook_deliveries d JOIN webhook_endpoints e ON e.id = d.endpoint_id
              WHERE d.id = $1 AND d.state IN ('dead', 'delivered') AND e.disabled_at IS NULL",
        )
        .bind(id)
        .fetch_optional(&mut *tx)
        .await
        .map_err(unavailable)?;
        let Some(row) = found else { return Ok(false) };
        let delivery = Claimed {
            id,
            endpoint_id: row.try_get("endpoint_id").map_err(unavailable)?,
            url: row.try_get("url").map_err(unavailable)?,
            secret: String::new(),
            event_id: row.try_get("event_id").map_err(unavailable)?,
            event_type: row.try_get("event_type").map_err(unavailable)?,
            body: String::new(),
            attempts: row.try_get("attempts").map_err(unavailable)?,
            window_start: row.try_get("window_start").map_err(unavailable)?,
            customer_id: row.try_get("customer_id").map_err(unavailable)?,
        };
        sqlx::query(
            "UPDATE webhook_deliveries
                SET state = 'pending', attempts = 0, window_start = $1, next_attempt_at = $1, lease_until = NULL
              WHERE id = $2",
        )
        .bind(now)
        .bind(id)
        .execute(&mut *tx)
        .await
        .map_err(unavailable)?;
        let entry = delivery_entry(&delivery, now, actor_operator(operator), "webhook.replayed", "queued again (same event id and body)");
        audit::append(&mut tx, &entry).await?;
        tx.commit().await.map_err(unavailable)?;
        Ok(true)
    }
}

#[cfg(test)]
mod tests {
    include!("tests/webhooks.rs");
}

}

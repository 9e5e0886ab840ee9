//! The operator console's reads and the operators' log in on either backend (issue 20). A customer's
//! activation progress is worked out in SQL from what exists (a settled workspace, a linked billing account,
//! an activation session on a branch), so a filter by progress is one query.

crate::store::on_each_backend! {

use crate::store::unavailable;
use app::domain::Username;
use app::domain::console::{
    CustomerDetail, CustomerFilter, CustomerRow, DeliveryRow, DeliveryState, EntitlementRow, MeteringFilter,
    MeteringRow, Progress, RecordState, SettledWorkspace, TimelineEntry, WebhookEndpoint,
};
use app::ssr::audit::{AuditEntry, AuditTrail};
use app::ssr::console::{actor_operator, Console, OperatorAccount};
use app::ssr::ports::StoreError;
use async_trait::async_trait;
use sqlx::Row;

/// The customers with what the list shows; `progress` computed from what exists. Its parameters: `$1` the
/// search as a `LIKE` pattern (`''` for none), `$2` a subscription state (`''` for any), `$3` a progress code
/// (`''` for any), `$4` a customer id (0 for any), `$5` the row limit.
pub(crate) const CUSTOMERS: &str = "
    SELECT * FROM (
        SELECT c.id, c.aws_account_id, c.customer_identifier, c.license_id, c.subscription_state, c.lock_at,
               c.created_at, c.product_code, c.entitlements_checked_at, b.username AS billing_account,
               (SELECT COUNT(*) FROM workspace_settlements s WHERE s.customer_id = c.id) AS workspaces,
               CASE WHEN EXISTS (SELECT 1 FROM workspace_settlements s WHERE s.customer_id = c.id) THEN 'activated'
                    WHEN c.billing_account_id IS NOT NULL THEN 'billing_linked'
                    WHEN EXISTS (SELECT 1 FROM activation_sessions a WHERE a.customer_id = c.id AND a.branch IS NOT NULL)
                         THEN 'in_progress'
                    ELSE 'not_started' END AS progress
          FROM marketplace_customers c LEFT JOIN billing_accounts b ON b.id = c.billing_account_id
    ) AS listed
    WHERE ($1 = '' OR lower(aws_account_id) LIKE $1 ESCAPE '\\' OR lower(COALESCE(license_id, '')) LIKE $1 ESCAPE '\\'
           OR lower(COALESCE(customer_identifier, '')) LIKE $1 ESCAPE '\\'
           OR lower(COALESCE(billing_account, '')) LIKE $1 ESCAPE '\\')
      AND ($2 = '' OR subscription_state = $2)
      AND ($3 = '' OR progress = $3)
      AND ($4 = 0 OR id = $4)
    ORDER BY id DESC LIMIT $5";

/// The metering records with their console state. Parameters: `$1` a state code (`''` for any), `$2` an AWS
/// account `LIKE` pattern (`''` for any), `$3` a record id (0 for any), `$4` the row limit.
pub(crate) const RECORDS: &str = "
    SELECT * FROM (
        SELECT r.id, r.customer_id, c.aws_account_id, r.dimension, r.usage_hour, r.quantity, r.status,
               r.metering_record_id, r.attempts, r.last_error, r.sent_at,
               CASE WHEN r.state = 'stale' THEN 'stale'
                    WHEN r.state = 'pending' THEN 'pending'
                    WHEN r.status = 'CustomerNotSubscribed' THEN 'refused'
                    ELSE 'sent' END AS console_state
          FROM metering_records r JOIN marketplace_customers c ON c.id = r.customer_id
    ) AS listed
    WHERE ($1 = '' OR console_state = $1)
      AND ($2 = '' OR lower(aws_account_id) LIKE $2 ESCAPE '\\')
      AND ($3 = 0 OR id = $3)
    ORDER BY id DESC LIMIT $4";

pub(crate) fn record_row(row: &DbRow) -> Result<MeteringRow, sqlx::Error> {
    let state: String = row.try_get("console_state")?;
    Ok(MeteringRow {
        id: row.try_get("id")?,
        customer_id: row.try_get("customer_id")?,
        aws_account_id: row.try_get("aws_account_id")?,
        dimension: row.try_get("dimension")?,
        usage_hour: row.try_get("usage_hour")?,
        quantity: row.try_get("quantity")?,
        state: RecordState::parse(&state).unwrap_or(RecordState::Pending),
        status: row.try_get("status")?,
        metering_record_id: row.try_get("metering_record_id")?,
        attempts: row.try_get("attempts")?,
        last_error: row.try_get("last_error")?,
        sent_at: row.try_get("sent_at")?,
    })
}

pub(crate) fn records_query<'q>(
    filter: &MeteringFilter,
    only: i64,
    limit: i64,
) -> sqlx::query::Query<'q, Db, <Db as sqlx::Database>::Arguments<'q>> {
    sqlx::query(RECORDS)
        .bind(filter.state.map(RecordState::code).unwrap_or_default())
        .bind(like_pattern(&filter.search))
        .bind(only)
        .bind(limit)
}

/// The search text as a case-insensitive `LIKE` pattern matching it anywhere (`%` and `_` taken literally).
pub(crate) fn like_pattern(search: &str) -> String {
    if search.is_empty() {
        return String::new();
    }
    let escaped: String = search
        .to_lowercase()
        .chars()
        .flat_map(|c| match c {
            '\\' | '%' | '_' => vec!['\\', c],
            c => vec![c],
        })
        .collect();
    format!("%{escaped}%")
}

pub(crate) fn customer_row(row: &DbRow) -> Result<CustomerRow, sqlx::Error> {
    let progress: String = row.try_get("progress")?;
    Ok(CustomerRow {
        id: row.try_get("id")?,
        aws_account_id: row.try_get("aws_account_id")?,
        customer_identifier: row.try_get("customer_identifier")?,
        license_id: row.try_get("license_id")?,
        subscription: row.try_get("subscription_state")?,
        lock_at: row.try_get("lock_at")?,
        billing_account: row.try_get("billing_account")?,
        workspaces: row.try_get("workspaces")?,
        progress: Progress::parse(&progress).unwrap_or(Progress::NotStarted),
        created_at: row.try_get("created_at")?,
    })
}

/// The customers query with `filter`'s parameters bound (and `only`: one customer, or 0 for any).
pub(crate) fn customers_query<'q>(
    filter: &CustomerFilter,
    only: i64,
    limit: i64,
) -> sqlx::query::Query<'q, Db, <Db as sqlx::Database>::Arguments<'q>> {
    sqlx::query(CUSTOMERS)
        .bind(like_pattern(&filter.search))
        .bind(filter.state.clone().unwrap_or_default())
        .bind(filter.progress.map(Progress::code).unwrap_or_default())
        .bind(only)
        .bind(limit)
}

#[async_trait]
impl Console for Store {
    async fn operator_login(&self, username: &str) -> Result<Option<OperatorAccount>, StoreError> {
        let Ok(username) = Username::parse(username) else { return Ok(None) };
        let row = sqlx::query("SELECT id, username, password_hash FROM operators WHERE username_key = $1")
            .bind(username.key())
            .fetch_optional(self.pool())
            .await
            .map_err(unavailable)?;
        row.map(|row| {
            Ok(OperatorAccount {
                id: row.try_get("id").map_err(unavailable)?,
                username: row.try_get("username").map_err(unavailable)?,
                password_hash: row.try_get("password_hash").map_err(unavailable)?,
            })
        })
        .transpose()
    }

    async fn operator_name(&self, id: i64) -> Result<Option<String>, StoreError> {
        sqlx::query_scalar("SELECT username FROM operators WHERE id = $1")
            .bind(id)
            .fetch_optional(self.pool())
            .await
            .map_err(unavailable)
    }

    async fn audit_operator(&self, username: &str, action: &'static str, detail: &str, now: i64)
        -> Result<(), StoreError> {
        let mut tx = self.begin_write_on(&[]).await?;
        let entry = AuditEntry {
            at: now,
            actor: actor_operator(username),
            action,
            customer_id: None,
            billing_account_id: None,
            workspace_id: None,
            detail: detail.to_owned(),
        };
        audit::append(&mut tx, &entry).await?;
        tx.commit().await.map_err(unavailable)
    }

    async fn customers(&self, filter: &CustomerFilter, limit: i64) -> Result<Vec<CustomerRow>, StoreError> {
        let rows = customers_query(filter, 0, limit.clamp(1, 10_000))
            .fetch_all(self.pool())
            .await
            .map_err(unavailable)?;
        rows.iter().map(|row| customer_row(row).map_err(unavailable)).collect()
    }

    async fn customer(&self, id: i64, timeline: i64) -> Result<Option<CustomerDetail>, StoreError> {
        if id <= 0 {
            return Ok(None);
        }
        let Some(found) = customers_query(&CustomerFilter::default(), id, 1)
            .fetch_optional(self.pool())
            .await
            .map_err(unavailable)?
        else {
            return Ok(None);
        };
        let row = customer_row(&found).map_err(unavailable)?;
        let product_code: String = found.try_get("product_code").map_err(unavailable)?;
        let entitlements_checked_at: Option<i64> = found.try_get("entitlements_checked_at").map_err(unavailable)?;
        let entitlements = sqlx::query(
            "SELECT dimension, value_text, expires_at FROM entitlements WHERE customer_id = $1 ORDER BY dimension",
        )
        .bind(id)
        .fetch_all(self.pool())
        .await
        .map_err(unavailable)?
        .iter()
        .map(|r| {
            Ok(EntitlementRow {
                dimension: r.try_get("dimension")?,
                value: r.try_get::<Option<String>, _>("value_text")?.unwrap_or_default(),
                expires_at: r.try_get("expires_at")?,
            })
        })
        .collect::<Result<Vec<_>, sqlx::Error>>()
        .map_err(unavailable)?;
        let workspaces = sqlx::query(
            "SELECT w.id, w.name, w.site, s.linked_at, w.locked_at FROM workspace_settlements s
               JOIN workspaces w ON w.id = s.workspace_id WHERE s.customer_id = $1 ORDER BY s.linked_at, w.id",
        )
        .bind(id)
        .fetch_all(self.pool())
        .await
        .map_err(unavailable)?
        .iter()
        .map(|r| {
            Ok(SettledWorkspace {
                id: r.try_get("id")?,
                name: r.try_get("name")?,
                site: r.try_get("site")?,
                linked_at: r.try_get("linked_at")?,
                locked_at: r.try_get("locked_at")?,
            })
        })
        .collect::<Result<Vec<_>, sqlx::Error>>()
        .map_err(unavailable)?;
        let timeline = self
            .customer_timeline(id, timeline)
            .await?
            .into_iter()
            .map(|e| TimelineEntry { id: e.id, at: e.at, actor: e.actor, action: e.action, detail: e.detail })
            .collect();
        Ok(Some(CustomerDetail { row, product_code, entitlements, entitlements_checked_at, workspaces, timeline }))
    }

    async fn metering_records(&self, filter: &MeteringFilter, limit: i64) -> Result<Vec<MeteringRow>, StoreError> {
        let rows = records_query(filter, 0, limit.clamp(1, 10_000)).fetch_all(self.pool()).await.map_err(unavailable)?;
        rows.iter().map(|row| record_row(row).map_err(unavailable)).collect()
    }

    async fn retry_metering(&self, id: i64, operator: &str, now: i64) -> Result<bool, StoreError> {
        let mut tx = self.begin_write_on(&[]).await?;
        // Decided in the write: the record is still one to retry (another operator or the job may have moved it).
        let Some(found) = records_query(&MeteringFilter::default(), id, 1)
            .fetch_optional(&mut *tx)
            .await
            .map_err(unavailable)?
        else {
            return Ok(false);
        };
        let record = record_row(&found).map_err(unavailable)?;
        if id <= 0 || !record.retryable(now) {
            return Ok(false);
        }
        sqlx::query(
            "UPDATE metering_records
                SET state = 'pending', status = NULL, metering_record_id = NULL, sent_at = NULL, last_error = NULL
              WHERE id = $1",
        )
        .bind(id)
        .execute(&mut *tx)
        .await
        .map_err(unavailable)?;
        let was = match record.state {
            RecordState::Refused => "refused by AWS (CustomerNotSubscribed)".to_owned(),
            _ => format!("not sent: {}", record.last_error.as_deref().unwrap_or_default()),
        };
        let entry = AuditEntry::about_customer(
            now,
            actor_operator(operator),
            "metering.retried",
            record.customer_id,
            format!(
                "record {id}: {}, hour {}, quantity {}: {was}; to be sent again now",
                record.dimension, record.usage_hour, record.quantity
            ),
        );
        audit::append(&mut tx, &entry).await?;
        tx.commit().await.map_err(unavailable)?;
        Ok(true)
    }

    async fn webhook_endpoints(&self) -> Result<Vec<WebhookEndpoint>, StoreError> {
        self.list_webhook_endpoints().await
    }

    async fn add_webhook_endpoint(
        &self,
        url: &str,
        event_types: &[&str],
        operator: &str,
        now: i64,
    ) -> Result<Option<i64>, StoreError> {
        self.insert_webhook_endpoint(url, event_types, operator, now).await
    }

    async fn webhook_deliveries(&self, state: Option<DeliveryState>, limit: i64) -> Result<Vec<DeliveryRow>, StoreError> {
        self.list_webhook_deliveries(state, limit).await
    }

    async fn replay_delivery(&self, id: i64, operator: &str, now: i64) -> Result<bool, StoreError> {
        self.replay_webhook_delivery(id, operator, now).await
    }
}

#[async_trait]
impl crate::console::ConsoleExport for Store {
    async fn export_customers(
        &self,
        filter: &CustomerFilter,
        out: tokio::sync::mpsc::Sender<Vec<u8>>,
    ) -> Result<u64, StoreError> {
        use app::domain::console::utc;
        let rows = customers_query(filter, 0, i64::MAX).fetch(self.pool());
        stream_csv(rows, &CUSTOMER_COLUMNS, |row| {
            let c = customer_row(row)?;
            Ok(crate::console::csv_line([
                c.id.to_string().as_str(),
                &c.aws_account_id,
                c.customer_identifier.as_deref().unwrap_or_default(),
                c.license_id.as_deref().unwrap_or_default(),
                &c.subscription,
                &c.lock_at.map(utc).unwrap_or_default(),
                c.billing_account.as_deref().unwrap_or_default(),
                &c.workspaces.to_string(),
                c.progress.code(),
                &utc(c.created_at),
            ]))
        }, out)
        .await
    }

    async fn export_metering(
        &self,
        filter: &MeteringFilter,
        out: tokio::sync::mpsc::Sender<Vec<u8>>,
    ) -> Result<u64, StoreError> {
        use app::domain::console::utc;
        let rows = records_query(filter, 0, i64::MAX).fetch(self.pool());
        stream_csv(rows, &RECORD_COLUMNS, |row| {
            let r = record_row(row)?;
            Ok(crate::console::csv_line([
                r.id.to_string().as_str(),
                &r.aws_account_id,
                &r.dimension,
                &utc(r.usage_hour),
                &r.quantity.to_string(),
                r.state.code(),
                r.status.as_deref().unwrap_or_default(),
                r.metering_record_id.as_deref().unwrap_or_default(),
                &r.attempts.to_string(),
                r.last_error.as_deref().unwrap_or_default(),
                &r.sent_at.map(utc).unwrap_or_default(),
                &r.customer_id.to_string(),
            ]))
        }, out)
        .await
    }

    async fn export_deliveries(
        &self,
        state: Option<DeliveryState>,
        out: tokio::sync::mpsc::Sender<Vec<u8>>,
    ) -> Result<u64, StoreError> {
        use app::domain::console::utc;
        let rows = webhooks::deliveries_query(state, i64::MAX).fetch(self.pool());
        stream_csv(rows, &DELIVERY_COLUMNS, |row| {
            let d = webhooks::delivery_row(row)?;
            Ok(crate::console::csv_line([
                d.id.to_string().as_str(),
                &d.event_id,
                &d.event_type,
                &d.endpoint_id.to_string(),
                &d.url,
                &d.customer_id.map(|id| id.to_string()).unwrap_or_default(),
                d.state.code(),
                &d.attempts.to_string(),
                &utc(d.created_at),
                &utc(d.next_attempt_at),
                &d.last_status.map(|s| s.to_string()).unwrap_or_default(),
                d.last_error.as_deref().unwrap_or_default(),
                &d.delivered_at.map(utc).unwrap_or_default(),
            ]))
        }, out)
        .await
    }
}

/// The webhook deliveries export's columns.
pub(crate) const DELIVERY_COLUMNS: [&str; 13] = [
    "delivery_id",
    "event_id",
    "event_type",
    "endpoint_id",
    "url",
    "customer_id",
    "state",
    "attempts",
    "created_at",
    "next_attempt_at",
    "last_status",
    "last_error",
    "delivered_at",
];

/// Sends every row of `rows`, made a CSV line by `line`, after `header`; stops when the receiver is gone.
async fn stream_csv<'e>(
    mut rows: futures::stream::BoxStream<'e, Result<DbRow, sqlx::Error>>,
    header: &[&str],
    line: impl Fn(&DbRow) -> Result<Vec<u8>, sqlx::Error> + Send,
    out: tokio::sync::mpsc::Sender<Vec<u8>>,
) -> Result<u64, StoreError> {
    use futures::TryStreamExt;
    if out.send(crate::console::csv_line(header.iter().copied())).await.is_err() {
        return Ok(0);
    }
    let mut sent = 0;
    while let Some(row) = rows.try_next().await.map_err(unavailable)? {
        if out.send(line(&row).map_err(unavailable)?).await.is_err() {
            break;
        }
        sent += 1;
    }
    Ok(sent)
}

/// The metering export's columns.
pub(crate) const RECORD_COLUMNS: [&str; 12] = [
    "record_id",
    "aws_account_id",
    "dimension",
    "usage_hour",
    "quantity",
    "state",
    "aws_status",
    "metering_record_id",
    "attempts",
    "last_error",
    "sent_at",
    "customer_id",
];

/// The customers export's columns.
pub(crate) const CUSTOMER_COLUMNS: [&str; 10] = [
    "customer_id",
    "aws_account_id",
    "customer_identifier",
    "license_id",
    "subscription",
    "workspaces_lock_at",
    "billing_account",
    "workspaces",
    "activation",
    "subscribed_at",
];

#[cfg(test)]
mod tests {
    include!("tests/console.rs");
}

}

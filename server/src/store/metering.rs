//! The metering job's storage, on either backend: usage events, frozen metering records and the job lease.
//! Every write runs in one write transaction (`BEGIN IMMEDIATE` on SQLite, the usage lock on PostgreSQL: shared by reports, exclusive for a freeze).

crate::store::on_each_backend! {

use crate::store::{corrupt, unavailable, Entity};
use crate::metering::{
    aggregate_allocations, heartbeat_hours, Allocation, Frozen, MeteringStore, PendingRecord, RecordStatus,
    UsageAccepted, UsagePart, UsageRefusal, UsageReport, FINAL_USAGE_SECS, HEARTBEATS_SINCE, MAX_ALLOCATIONS,
};
use app::ssr::audit::AuditEntry;
use app::ssr::ports::StoreError;
use async_trait::async_trait;
use sqlx::Row;

impl Store {
    /// Freezes open usage into metering records in one transaction: of hours that ended by `closed_before`
    /// (when given), of one customer's workspaces (when given). Events of a frozen hour that come later are
    /// marked late. Returns (records created, late events).
    async fn freeze_where(
        &self,
        closed_before: Option<i64>,
        customer: Option<i64>,
        now: i64,
        heartbeat_dimensions: &[String],
    ) -> Result<Frozen, StoreError> {
        // The events in scope of workspaces billed to an AWS customer.
        const IN_SCOPE: &str = "metering_record_id IS NULL AND late = 0 AND (CAST($1 AS BIGINT) IS NULL OR usage_hour + 3600 <= $1)
             AND workspace_id IN (SELECT workspace_id FROM workspace_settlements WHERE CAST($3 AS BIGINT) IS NULL OR customer_id = $3)";
        // Alone with the usage and settlements it reads: reports and settlement changes wait for the freeze.
        let mut tx = self.begin_write_on(&[Entity::Usage { freezing: true }]).await?;
        let before: i64 = sqlx::query_scalar("SELECT COALESCE(MAX(id), 0) FROM metering_records")
            .fetch_one(&mut *tx)
            .await
            .map_err(unavailable)?;
        // Usage of workspaces billed to an AWS customer; a workspace settled in the billing center is not
        // metered to AWS (its events stay open).
        let created = sqlx::query(
            "INSERT INTO metering_records (customer_id, dimension, usage_hour, quantity, created_at)
             SELECT s.customer_id, e.dimension, e.usage_hour, CAST(SUM(e.quantity) AS BIGINT), $2
               FROM usage_events e JOIN workspace_settlements s ON s.workspace_id = e.workspace_id
              WHERE e.metering_record_id IS NULL AND e.late = 0
                AND (CAST($1 AS BIGINT) IS NULL OR e.usage_hour + 3600 <= $1) AND (CAST($3 AS BIGINT) IS NULL OR s.customer_id = $3)
              GROUP BY s.customer_id, e.dimension, e.usage_hour
             ON CONFLICT (customer_id, dimension, usage_hour) DO NOTHING",
        )
        .bind(closed_before)
        .bind(now)
        .bind(customer)
        .execute(&mut *tx)
        .await
        .map_err(unavailable)?
        .rows_affected();
        sqlx::query(&format!(
            "UPDATE usage_events SET metering_record_id = (
                 SELECT m.id FROM metering_records m JOIN workspace_settlements s ON s.customer_id = m.customer_id
                  WHERE s.workspace_id = usage_events.workspace_id AND m.dimension = usage_events.dimension
                    AND m.usage_hour = usage_events.usage_hour AND m.id > $2)
              WHERE {IN_SCOPE}"
        ))
        .bind(closed_before)
        .bind(before)
        .bind(customer)
        .execute(&mut *tx)
        .await
        .map_err(unavailable)?;
        allocate(&mut tx, before).await?;
        // Still open: their hour was frozen by an earlier run, so they come too late to count.
        let late = sqlx::query(&format!("UPDATE usage_events SET late = 1 WHERE {IN_SCOPE}"))
            .bind(closed_before)
            .bind(before)
            .bind(customer)
            .execute(&mut *tx)
            .await
            .map_err(unavailable)?
            .rows_affected();
        let heartbeats = match closed_before {
            Some(closed_before) if !heartbeat_dimensions.is_empty() => {
                heartbeats(&mut tx, heartbeat_dimensions, closed_before, now).await?
            }
            _ => 0,
        };
        tx.commit().await.map_err(unavailable)?;
        Ok(Frozen { records: created, late, heartbeats })
    }
}

fn parse_allocations(text: Option<String>) -> Result<Option<Vec<Allocation>>, StoreError> {
    text.map(|json| serde_json::from_str(&json).map_err(|_| corrupt("allocations", &json))).transpose()
}

/// Zero-quantity records, in each of `dimensions` and each hour of [`heartbeat_hours`], for every customer
/// with a license whose subscription is `active` or `cancellation_pending` (still subscribed: AWS takes its
/// records) and who registered by the hour's start, unless the customer has a record for it already (the
/// unique customer + dimension + hour). `payment_failed`, `cancelled` and `locked` customers get none: AWS
/// would answer CustomerNotSubscribed. Returns how many were created.
async fn heartbeats(tx: &mut Tx<'_>, dimensions: &[String], closed_before: i64, now: i64) -> Result<u64, StoreError> {
    // The first run with heartbeats on fixes the hour they start with: never backfilled.
    sqlx::query("INSERT INTO job_marks (name, value) VALUES ($1, $2) ON CONFLICT (name) DO NOTHING")
        .bind(HEARTBEATS_SINCE)
        .bind(now - now.rem_euclid(3600))
        .execute(&mut **tx)
        .await
        .map_err(unavailable)?;
    let since: i64 = sqlx::query_scalar("SELECT value FROM job_marks WHERE name = $1")
        .bind(HEARTBEATS_SINCE)
        .fetch_one(&mut **tx)
        .await
        .map_err(unavailable)?;
    let mut created = 0;
    for hour in heartbeat_hours(since, closed_before, now) {
        for dimension in dimensions {
            created += sqlx::query(
                "INSERT INTO metering_records (customer_id, dimension, usage_hour, quantity, created_at)
                 SELECT id, $1, $2, 0, $3 FROM marketplace_customers
                  WHERE license_arn IS NOT NULL AND subscription_state IN ('active', 'cancellation_pending')
                    AND created_at <= $2
                 ON CONFLICT (customer_id, dimension, usage_hour) DO NOTHING",
            )
            .bind(dimension)
            .bind(hour)
            .bind(now)
            .execute(&mut **tx)
            .await
            .map_err(unavailable)?
            .rows_affected();
        }
    }
    Ok(created)
}

/// Gives the records created after `before` whose events carry allocations their shares: summed per
/// identical tag set (events without allocations in the untagged share). More tag sets than AWS takes in one
/// record: the record goes without them (its quantity is right either way) and says why in `last_error`.
async fn allocate(tx: &mut Tx<'_>, before: i64) -> Result<(), StoreError> {
    let rows = sqlx::query(
        "SELECT metering_record_id, quantity, allocations FROM usage_events
          WHERE metering_record_id IN (SELECT metering_record_id FROM usage_events
                                        WHERE metering_record_id > $1 AND allocations IS NOT NULL)
          ORDER BY metering_record_id, id",
    )
    .bind(before)
    .fetch_all(&mut **tx)
    .await
    .map_err(unavailable)?;
    let mut records: Vec<(i64, Vec<UsagePart>)> = Vec::new();
    for row in rows {
        let record: i64 = row.try_get("metering_record_id").map_err(unavailable)?;
        let quantity: i64 = row.try_get("quantity").map_err(unavailable)?;
        let allocations = parse_allocations(row.try_get("allocations").map_err(unavailable)?)?;
        match records.last_mut() {
            Some((id, parts)) if *id == record => parts.push((quantity, allocations)),
            _ => records.push((record, vec![(quantity, allocations)])),
        }
    }
    for (id, parts) in records {
        let Some(shares) = aggregate_allocations(&parts) else { continue };
        let (allocations, note) = if shares.len() > MAX_ALLOCATIONS {
            tracing::warn!(record = id, tag_sets = shares.len(), "metering record sent without its allocations");
            let note = format!("allocations not sent: {} tag sets, AWS takes at most {MAX_ALLOCATIONS}", shares.len());
            (None, Some(note))
        } else {
            (Some(serde_json::to_string(&shares).map_err(unavailable)?), None)
        };
        sqlx::query("UPDATE metering_records SET allocations = $1, last_error = $2 WHERE id = $3")
            .bind(allocations)
            .bind(note)
            .bind(id)
            .execute(&mut **tx)
            .await
            .map_err(unavailable)?;
    }
    Ok(())
}

/// Publishes `event_type` about metering record `id` (its customer, dimension, hour and quantity) within `tx`.
async fn publish_record(tx: &mut Tx<'_>, event_type: &'static str, id: i64, outcome: &str, now: i64) -> Result<(), StoreError> {
    let row = sqlx::query("SELECT customer_id, dimension, usage_hour, quantity FROM metering_records WHERE id = $1")
        .bind(id)
        .fetch_one(&mut **tx)
        .await
        .map_err(unavailable)?;
    let customer: i64 = row.try_get("customer_id").map_err(unavailable)?;
    let dimension: String = row.try_get("dimension").map_err(unavailable)?;
    let hour: i64 = row.try_get("usage_hour").map_err(unavailable)?;
    let quantity: i64 = row.try_get("quantity").map_err(unavailable)?;
    let detail = format!("record {id}: {dimension}, hour {hour}, quantity {quantity}: {outcome}");
    let entry = AuditEntry::about_customer(now, "job:metering".to_owned(), event_type, customer, detail);
    webhooks::publish(tx, event_type, &entry).await?;
    Ok(())
}

#[async_trait]
impl MeteringStore for Store {
    async fn record_usage(
        &self,
        rows: &[UsageReport],
        now: i64,
    ) -> Result<Result<UsageAccepted, UsageRefusal>, StoreError> {
        // Reports run at once with each other (an event is stored once by its unique id), not during a freeze.
        let mut tx = self.begin_write_on(&[Entity::Usage { freezing: false }]).await?;
        let mut unknown: Vec<i64> = Vec::new();
        let mut known: Vec<i64> = Vec::new();
        for row in rows {
            if known.contains(&row.workspace_id) || unknown.contains(&row.workspace_id) {
                continue;
            }
            let exists: Option<i64> = sqlx::query_scalar("SELECT id FROM workspaces WHERE id = $1")
                .bind(row.workspace_id)
                .fetch_optional(&mut *tx)
                .await
                .map_err(unavailable)?;
            if exists.is_some() {
                known.push(row.workspace_id);
            } else {
                unknown.push(row.workspace_id);
            }
        }
        if !unknown.is_empty() {
            unknown.sort_unstable();
            return Ok(Err(UsageRefusal::UnknownWorkspaces(unknown)));
        }
        // A deprovisioned license's usage is taken for one hour after its end (AWS's final-usage window).
        let mut ended: Vec<(i64, Option<i64>)> = Vec::new();
        for workspace in known {
            let row = sqlx::query(
                "SELECT c.subscription_state, c.subscription_changed_at
                   FROM workspace_settlements s JOIN marketplace_customers c ON c.id = s.customer_id
                  WHERE s.workspace_id = $1 AND c.subscription_state IN ('cancelled', 'locked')",
            )
            .bind(workspace)
            .fetch_optional(&mut *tx)
            .await
            .map_err(unavailable)?;
            if let Some(row) = row {
                ended.push((workspace, row.try_get("subscription_changed_at").map_err(unavailable)?));
            }
        }
        for (index, row) in rows.iter().enumerate() {
            if let Some((_, deprovisioned_at)) = ended.iter().find(|(w, _)| *w == row.workspace_id) {
                // An ended subscription without its time is treated as ended long ago.
                let deprovisioned_at = deprovisioned_at.unwrap_or(i64::MIN / 2);
                if row.usage_hour() >= deprovisioned_at + FINAL_USAGE_SECS {
                    return Ok(Err(UsageRefusal::AfterFinalWindow {
                        row: index,
                        hour: row.usage_hour(),
                        deprovisioned_at,
                    }));
                }
            }
        }
        let mut accepted = UsageAccepted::default();
        for row in rows {
            let allocations = row.allocations.as_ref().map(serde_json::to_string).transpose().map_err(unavailable)?;
            let inserted = sqlx::query(
                "INSERT INTO usage_events
                        (event_id, workspace_id, dimension, usage_hour, quantity, received_at, allocations)
                 VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (event_id) DO NOTHING",
            )
            .bind(&row.event_id)
            .bind(row.workspace_id)
            .bind(&row.dimension)
            .bind(row.usage_hour())
            .bind(row.quantity)
            .bind(now)
            .bind(allocations)
            .execute(&mut *tx)
            .await
            .map_err(unavailable)?;
            if inserted.rows_affected() == 1 {
                accepted.accepted += 1;
            } else {
                accepted.repeated += 1;
            }
        }
        tx.commit().await.map_err(unavailable)?;
        Ok(Ok(accepted))
    }

    async fn acquire_lease(&self, name: &str, holder: &str, now: i64, ttl: i64) -> Result<bool, StoreError> {
        let taken = sqlx::query(
            "INSERT INTO job_leases (name, holder, expires_at) VALUES ($1, $2, $3)
             ON CONFLICT (name) DO UPDATE SET holder = $2, expires_at = $3
              WHERE job_leases.holder = $2 OR job_leases.expires_at <= $4",
        )
        .bind(name)
        .bind(holder)
        .bind(now + ttl)
        .bind(now)
        .execute(self.pool())
        .await
        .map_err(unavailable)?;
        Ok(taken.rows_affected() == 1)
    }

    async fn release_lease(&self, name: &str, holder: &str) -> Result<(), StoreError> {
        sqlx::query("DELETE FROM job_leases WHERE name = $1 AND holder = $2")
            .bind(name)
            .bind(holder)
            .execute(self.pool())
            .await
            .map_err(unavailable)?;
        Ok(())
    }

    async fn freeze(&self, closed_before: i64, now: i64, heartbeats: &[String]) -> Result<Frozen, StoreError> {
        self.freeze_where(Some(closed_before), None, now, heartbeats).await
    }

    async fn freeze_customer(&self, customer_id: i64, now: i64) -> Result<u64, StoreError> {
        Ok(self.freeze_where(None, Some(customer_id), now, &[]).await?.records)
    }

    async fn mark_stale(&self, oldest_hour: i64, now: i64) -> Result<u64, StoreError> {
        let mut tx = self.begin_write_on(&[]).await?;
        let outcome = "too old for AWS to take: not sent";
        audit::append_for_metering(&mut tx, now, "metering.stale", outcome, "state = 'pending' AND usage_hour < $4", oldest_hour)
            .await?;
        let going_stale: Vec<i64> =
            sqlx::query_scalar("SELECT id FROM metering_records WHERE state = 'pending' AND usage_hour < $1 ORDER BY id")
                .bind(oldest_hour)
                .fetch_all(&mut *tx)
                .await
                .map_err(unavailable)?;
        for id in going_stale {
            publish_record(&mut tx, "metering.stale", id, outcome, now).await?;
        }
        let stale =
            sqlx::query("UPDATE metering_records SET state = 'stale' WHERE state = 'pending' AND usage_hour < $1")
                .bind(oldest_hour)
                .execute(&mut *tx)
                .await
                .map_err(unavailable)?;
        tx.commit().await.map_err(unavailable)?;
        Ok(stale.rows_affected())
    }

    async fn pending(&self, after: i64, limit: i64) -> Result<Vec<PendingRecord>, StoreError> {
        let rows = sqlx::query(
            "SELECT m.id, c.aws_account_id, c.license_arn, c.customer_identifier, c.product_code,
                    m.dimension, m.usage_hour, m.quantity, m.allocations
               FROM metering_records m JOIN marketplace_customers c ON c.id = m.customer_id
              WHERE m.state = 'pending' AND m.id > $1
              ORDER BY m.id LIMIT $2",
        )
        .bind(after)
        .bind(limit)
        .fetch_all(self.pool())
        .await
        .map_err(unavailable)?;
        rows.iter()
            .map(|row| {
                let allocations = parse_allocations(row.try_get("allocations").map_err(unavailable)?)?;
                Ok(PendingRecord {
                    id: row.try_get("id").map_err(unavailable)?,
                    aws_account_id: row.try_get("aws_account_id").map_err(unavailable)?,
                    license_arn: row.try_get("license_arn").map_err(unavailable)?,
                    customer_identifier: row.try_get("customer_identifier").map_err(unavailable)?,
                    product_code: row.try_get("product_code").map_err(unavailable)?,
                    dimension: row.try_get("dimension").map_err(unavailable)?,
                    usage_hour: row.try_get("usage_hour").map_err(unavailable)?,
                    quantity: row.try_get("quantity").map_err(unavailable)?,
                    allocations: allocations.unwrap_or_default(),
                })
            })
            .collect()
    }

    async fn mark_sent(&self, answers: &[(i64, RecordStatus)], now: i64) -> Result<(), StoreError> {
        if answers.is_empty() {
            return Ok(());
        }
        // The lease's holder records what AWS answered: nothing to decide.
        let mut tx = self.begin_write_on(&[]).await?;
        for (id, status) in answers {
            let record_id = match status {
                RecordStatus::Success { metering_record_id } => Some(metering_record_id.as_str()),
                _ => None,
            };
            sqlx::query(
                "UPDATE metering_records
                    SET state = 'sent', status = $1, metering_record_id = $2, sent_at = $3, attempts = attempts + 1
                  WHERE id = $4",
            )
            .bind(status.as_str())
            .bind(record_id)
            .bind(now)
            .bind(id)
            .execute(&mut *tx)
            .await
            .map_err(unavailable)?;
            let (action, outcome) = match status {
                RecordStatus::Success { metering_record_id } => {
                    ("metering.sent", format!("AWS accepted it ({metering_record_id})"))
                }
                RecordStatus::DuplicateRecord => ("metering.sent", "AWS had it already (DuplicateRecord)".to_owned()),
                RecordStatus::CustomerNotSubscribed => {
                    ("metering.refused", "AWS refused it: CustomerNotSubscribed".to_owned())
                }
            };
            audit::append_for_metering(&mut tx, now, action, &outcome, "id = $4", *id).await?;
            if matches!(status, RecordStatus::CustomerNotSubscribed) {
                publish_record(&mut tx, "metering.refused", *id, &outcome, now).await?;
            }
        }
        tx.commit().await.map_err(unavailable)?;
        Ok(())
    }

    async fn mark_failed(&self, ids: &[i64], error: &str, now: i64) -> Result<(), StoreError> {
        if ids.is_empty() {
            return Ok(());
        }
        // The lease's holder records what AWS answered: nothing to decide.
        let mut tx = self.begin_write_on(&[]).await?;
        for id in ids {
            sqlx::query("UPDATE metering_records SET attempts = attempts + 1, last_error = $1 WHERE id = $2")
                .bind(error)
                .bind(id)
                .execute(&mut *tx)
                .await
                .map_err(unavailable)?;
            let outcome = format!("not sent this time: {error}");
            audit::append_for_metering(&mut tx, now, "metering.failed", &outcome, "id = $4", *id).await?;
        }
        tx.commit().await.map_err(unavailable)?;
        Ok(())
    }
}

// The tests, compiled on each backend, live in a file of their own.
#[cfg(test)]
mod tests {
    include!("tests/metering.rs");
}

}

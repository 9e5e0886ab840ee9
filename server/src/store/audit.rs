//! The audit log on either backend (issue 20): [`append`] writes an entry inside the transaction of the change
//! it records; [`AuditTrail`] reads an AWS customer's timeline. There is no statement here (or anywhere in the
//! store) that updates or deletes an entry, and the database refuses one (`migrations/*/…audit_log.sql`).

crate::store::on_each_backend! {

use crate::store::unavailable;
use app::ssr::audit::{AuditEntry, AuditRecord, AuditTrail};
use app::ssr::ports::StoreError;
use async_trait::async_trait;
use sqlx::Row;

/// Appends `entry` within `tx` (it commits or rolls back with the change it records).
pub(crate) async fn append(tx: &mut Tx<'_>, entry: &AuditEntry) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO audit_log (at, actor, action, customer_id, billing_account_id, workspace_id, detail)
         VALUES ($1, $2, $3, $4, $5, $6, $7)",
    )
    .bind(entry.at)
    .bind(&entry.actor)
    .bind(entry.action)
    .bind(entry.customer_id)
    .bind(entry.billing_account_id)
    .bind(entry.workspace_id)
    .bind(&entry.detail)
    .execute(&mut **tx)
    .await
    .map_err(unavailable)?;
    Ok(())
}

/// Appends, within `tx`, one entry per metering record chosen by `records` (a `WHERE` on `metering_records`
/// whose only parameter is `$4`): `action` by the metering job, about the record's customer, saying which record
/// (dimension, hour, quantity) and `outcome`.
pub(crate) async fn append_for_metering(
    tx: &mut Tx<'_>,
    at: i64,
    action: &'static str,
    outcome: &str,
    records: &str,
    parameter: i64,
) -> Result<(), StoreError> {
    sqlx::query(&format!(
        "INSERT INTO audit_log (at, actor, action, customer_id, billing_account_id, workspace_id, detail)
         SELECT $1, 'job:metering', $2, customer_id, NULL, NULL,
                'record ' || CAST(id AS TEXT) || ': ' || dimension || ', hour ' || CAST(usage_hour AS TEXT)
                || ', quantity ' || CAST(quantity AS TEXT) || ': ' || $3
           FROM metering_records WHERE {records}"
    ))
    .bind(at)
    .bind(action)
    .bind(outcome)
    .bind(parameter)
    .execute(&mut **tx)
    .await
    .map_err(unavailable)?;
    Ok(())
}

#[async_trait]
impl AuditTrail for Store {
    async fn customer_timeline(&self, customer_id: i64, limit: i64) -> Result<Vec<AuditRecord>, StoreError> {
        // The customer's own entries, and those about its billing account or the workspaces it settles that
        // name no customer (another AWS customer's entries stay in that customer's timeline).
        let rows = sqlx::query(
            "SELECT id, at, actor, action, customer_id, billing_account_id, workspace_id, detail FROM audit_log
              WHERE customer_id = $1
                 OR (customer_id IS NULL
                     AND (billing_account_id = (SELECT billing_account_id FROM marketplace_customers WHERE id = $1)
                          OR workspace_id IN (SELECT workspace_id FROM workspace_settlements WHERE customer_id = $1)))
              ORDER BY id DESC LIMIT $2",
        )
        .bind(customer_id)
        .bind(limit.clamp(1, 1000))
        .fetch_all(self.pool())
        .await
        .map_err(unavailable)?;
        rows.iter()
            .map(|row| {
                Ok(AuditRecord {
                    id: row.try_get("id").map_err(unavailable)?,
                    at: row.try_get("at").map_err(unavailable)?,
                    actor: row.try_get("actor").map_err(unavailable)?,
                    action: row.try_get("action").map_err(unavailable)?,
                    customer_id: row.try_get("customer_id").map_err(unavailable)?,
                    billing_account_id: row.try_get("billing_account_id").map_err(unavailable)?,
                    workspace_id: row.try_get("workspace_id").map_err(unavailable)?,
                    detail: row.try_get("detail").map_err(unavailable)?,
                })
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    include!("tests/audit.rs");
}

}

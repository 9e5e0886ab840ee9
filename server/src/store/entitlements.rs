//! Entitlements, on either backend: replaced as a whole per customer in one write transaction (`BEGIN IMMEDIATE` on SQLite, the customer's lock on PostgreSQL).

crate::store::on_each_backend! {

use crate::store::{unavailable, Entity};
use crate::entitlements::{Entitlement, EntitlementStore, EntitlementValue};
use app::ssr::audit::AuditEntry;
use app::ssr::ports::StoreError;
use async_trait::async_trait;
use sqlx::Row;

#[async_trait]
impl EntitlementStore for Store {
    async fn replace_entitlements(
        &self,
        customer: i64,
        entitlements: &[Entitlement],
        now: i64,
    ) -> Result<bool, StoreError> {
        let mut tx = self.begin_write_on(&[Entity::Customer(customer)]).await?;
        let known: bool = sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM marketplace_customers WHERE id = $1)")
            .bind(customer)
            .fetch_one(&mut *tx)
            .await
            .map_err(unavailable)?;
        if !known {
            return Ok(false);
        }
        sqlx::query("DELETE FROM entitlements WHERE customer_id = $1")
            .bind(customer)
            .execute(&mut *tx)
            .await
            .map_err(unavailable)?;
        for e in entitlements {
            let (kind, text) = e.value.to_row();
            sqlx::query(
                "INSERT INTO entitlements (customer_id, dimension, value_kind, value_text, expires_at)
                 VALUES ($1, $2, $3, $4, $5)
                 ON CONFLICT (customer_id, dimension) DO UPDATE
                    SET value_kind = excluded.value_kind, value_text = excluded.value_text,
                        expires_at = excluded.expires_at",
            )
            .bind(customer)
            .bind(&e.dimension)
            .bind(kind)
            .bind(text)
            .bind(e.expires_at)
            .execute(&mut *tx)
            .await
            .map_err(unavailable)?;
        }
        let detail = format!("{} entitlement(s) from AWS", entitlements.len());
        let entry = AuditEntry::about_customer(now, "aws:entitlements".to_owned(), "entitlements.updated", customer, detail);
        audit::append(&mut tx, &entry).await?;
        webhooks::publish(&mut tx, "entitlements.updated", &entry).await?;
        sqlx::query("UPDATE marketplace_customers SET entitlements_checked_at = $1 WHERE id = $2")
            .bind(now)
            .bind(customer)
            .execute(&mut *tx)
            .await
            .map_err(unavailable)?;
        tx.commit().await.map_err(unavailable)?;
        Ok(true)
    }

    async fn entitlements(&self, customer: i64) -> Result<Vec<Entitlement>, StoreError> {
        let rows = sqlx::query(
            "SELECT dimension, value_kind, value_text, expires_at FROM entitlements WHERE customer_id = $1 ORDER BY dimension",
        )
        .bind(customer)
        .fetch_all(self.pool())
        .await
        .map_err(unavailable)?;
        rows.iter()
            .map(|row| {
                let kind: String = row.try_get("value_kind")?;
                let text: Option<String> = row.try_get("value_text")?;
                Ok(Entitlement {
                    dimension: row.try_get("dimension")?,
                    value: EntitlementValue::from_row(&kind, text.as_deref()),
                    expires_at: row.try_get("expires_at")?,
                })
            })
            .collect::<Result<_, sqlx::Error>>()
            .map_err(unavailable)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::test_support::{register, temp_store};

    fn entitlement(dimension: &str, value: EntitlementValue) -> Entitlement {
        Entitlement { dimension: dimension.into(), value, expires_at: Some(2_000_000_000) }
    }

    #[tokio::test]
    async fn a_refresh_replaces_the_whole_set_and_empty_means_no_contract() {
        let (store, _dir) = temp_store::<Store>().await;
        let customer = register(&store, "123456789012", "l-1").await;
        let other_license = register(&store, "123456789012", "l-2").await;
        let first = vec![
            entitlement("hosts", EntitlementValue::Integer(50)),
            entitlement("tier", EntitlementValue::String("gold".into())),
        ];
        assert!(store.replace_entitlements(customer, &first, 10).await.expect("store"));
        assert_eq!(store.entitlements(customer).await.expect("read"), first);
        assert!(store.entitlements(other_license).await.expect("read").is_empty(), "per license");
        let second = vec![entitlement("hosts", EntitlementValue::Integer(80))];
        store.replace_entitlements(customer, &second, 20).await.expect("store");
        assert_eq!(store.entitlements(customer).await.expect("read"), second);
        store.replace_entitlements(customer, &[], 30).await.expect("store");
        assert!(store.entitlements(customer).await.expect("read").is_empty());
        let checked: Option<i64> =
            sqlx::query_scalar("SELECT entitlements_checked_at FROM marketplace_customers WHERE id = $1")
                .bind(customer)
                .fetch_one(store.pool())
                .await
                .expect("checked");
        assert_eq!(checked, Some(30));
        assert!(
            !store.replace_entitlements(customer + 100, &second, 40).await.expect("store"),
            "an unknown customer is not invented"
        );
    }
}

}

//! Entitlements on SQLite: replaced as a whole per customer in one `BEGIN IMMEDIATE` transaction.

use super::sqlite::{unavailable, SqliteStore};
use crate::entitlements::{Entitlement, EntitlementStore, EntitlementValue};
use app::ports::StoreError;
use async_trait::async_trait;
use sqlx::Row;

#[async_trait]
impl EntitlementStore for SqliteStore {
    async fn replace_entitlements(
        &self,
        aws_account_id: &str,
        product_code: &str,
        entitlements: &[Entitlement],
        now: i64,
    ) -> Result<bool, StoreError> {
        let mut tx = self.pool().begin_with("BEGIN IMMEDIATE").await.map_err(unavailable)?;
        let customer: Option<i64> =
            sqlx::query_scalar("SELECT id FROM marketplace_customers WHERE aws_account_id = ? AND product_code = ?")
                .bind(aws_account_id)
                .bind(product_code)
                .fetch_optional(&mut *tx)
                .await
                .map_err(unavailable)?;
        let Some(customer) = customer else {
            return Ok(false);
        };
        sqlx::query("DELETE FROM entitlements WHERE customer_id = ?")
            .bind(customer)
            .execute(&mut *tx)
            .await
            .map_err(unavailable)?;
        for e in entitlements {
            let (kind, text) = e.value.to_row();
            sqlx::query(
                "INSERT INTO entitlements (customer_id, dimension, value_kind, value_text, expires_at)
                 VALUES (?, ?, ?, ?, ?)
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
        sqlx::query("UPDATE marketplace_customers SET entitlements_checked_at = ? WHERE id = ?")
            .bind(now)
            .bind(customer)
            .execute(&mut *tx)
            .await
            .map_err(unavailable)?;
        tx.commit().await.map_err(unavailable)?;
        Ok(true)
    }

    async fn entitlements(&self, aws_account_id: &str, product_code: &str) -> Result<Vec<Entitlement>, StoreError> {
        let rows = sqlx::query(
            "SELECT e.dimension, e.value_kind, e.value_text, e.expires_at
               FROM entitlements e JOIN marketplace_customers c ON c.id = e.customer_id
              WHERE c.aws_account_id = ? AND c.product_code = ? ORDER BY e.dimension",
        )
        .bind(aws_account_id)
        .bind(product_code)
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
    use crate::store::test_support::{new_session, temp_store};

    fn entitlement(dimension: &str, value: EntitlementValue) -> Entitlement {
        Entitlement { dimension: dimension.into(), value, expires_at: Some(2_000_000_000) }
    }

    #[tokio::test]
    async fn a_refresh_replaces_the_whole_set_and_empty_means_no_contract() {
        let (store, _dir) = temp_store().await;
        new_session(&store, "123456789012").await;
        let first = vec![
            entitlement("hosts", EntitlementValue::Integer(50)),
            entitlement("tier", EntitlementValue::String("gold".into())),
        ];
        assert!(store.replace_entitlements("123456789012", "guance-dev", &first, 10).await.expect("store"));
        assert_eq!(store.entitlements("123456789012", "guance-dev").await.expect("read"), first);
        let second = vec![entitlement("hosts", EntitlementValue::Integer(80))];
        store.replace_entitlements("123456789012", "guance-dev", &second, 20).await.expect("store");
        assert_eq!(store.entitlements("123456789012", "guance-dev").await.expect("read"), second);
        store.replace_entitlements("123456789012", "guance-dev", &[], 30).await.expect("store");
        assert!(store.entitlements("123456789012", "guance-dev").await.expect("read").is_empty());
        let checked: Option<i64> = sqlx::query_scalar("SELECT entitlements_checked_at FROM marketplace_customers")
            .fetch_one(store.pool())
            .await
            .expect("checked");
        assert_eq!(checked, Some(30));
        assert!(
            !store.replace_entitlements("999999999999", "guance-dev", &second, 40).await.expect("store"),
            "an unknown customer is not invented"
        );
    }
}

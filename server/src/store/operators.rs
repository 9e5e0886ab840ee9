//! Operators on either backend: one row per operator, the username unique case-insensitively (the index
//! decides a race), each addition audited in its transaction.

crate::store::on_each_backend! {

use crate::operators::OperatorStore;
use crate::store::{unavailable, Entity};
use app::domain::Username;
use app::ssr::audit::AuditEntry;
use app::ssr::ports::StoreError;
use async_trait::async_trait;

#[async_trait]
impl OperatorStore for Store {
    async fn add_operator(&self, username: &Username, password_hash: &str, now: i64) -> Result<bool, StoreError> {
        let mut tx = self.begin_write_on(&[]).await?;
        let id: Option<i64> = sqlx::query_scalar(
            "INSERT INTO operators (username, username_key, password_hash, created_at) VALUES ($1, $2, $3, $4)
             ON CONFLICT (username_key) DO NOTHING RETURNING id",
        )
        .bind(username.as_str())
        .bind(username.key())
        .bind(password_hash)
        .bind(now)
        .fetch_optional(&mut *tx)
        .await
        .map_err(unavailable)?;
        if id.is_none() {
            return Ok(false);
        }
        let entry = AuditEntry {
            at: now,
            actor: "cli".to_owned(),
            action: "operator.added",
            customer_id: None,
            billing_account_id: None,
            workspace_id: None,
            detail: format!("operator {} added on the command line", username.as_str()),
        };
        audit::append(&mut tx, &entry).await?;
        tx.commit().await.map_err(unavailable)?;
        Ok(true)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::test_support::{count, temp_store};

    const PASSWORD: &str = "a long and unusual passphrase 42";

    #[tokio::test]
    async fn an_operator_is_added_once_by_the_buyers_rules_and_audited() {
        let (store, _dir) = temp_store::<Store>().await;
        let added = crate::operators::add(&store, "Olivia", PASSWORD, 5).await;
        assert_eq!(added.as_deref(), Ok("operator Olivia added"));
        let again = crate::operators::add(&store, "olivia", PASSWORD, 6).await;
        assert!(again.is_err_and(|e| e.contains("exists already")), "case-insensitively unique");
        let weak = crate::operators::add(&store, "oscar", "passwordpassword", 7).await;
        assert!(weak.is_err_and(|e| e.starts_with("password refused")), "a weak password is refused");
        let short = crate::operators::add(&store, "oscar", "short", 7).await;
        assert!(short.is_err_and(|e| e.contains("15 characters")));
        let bad = crate::operators::add(&store, "1x", PASSWORD, 7).await;
        assert!(bad.is_err_and(|e| e.contains("start with a letter")), "the username's rules");
        assert_eq!(count(&store, "operators").await, 1);
        let hash: String =
            sqlx::query_scalar("SELECT password_hash FROM operators").fetch_one(store.pool()).await.expect("row");
        assert!(hash.starts_with("$argon2id$") && !hash.contains(PASSWORD), "only an argon2id hash is kept");
        let audited: String = sqlx::query_scalar("SELECT action FROM audit_log WHERE actor = 'cli'")
            .fetch_one(store.pool())
            .await
            .expect("entry");
        assert_eq!(audited, "operator.added");
    }
}

}

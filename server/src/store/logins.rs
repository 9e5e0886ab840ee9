//! Logins, password resets and two-step verification, on either backend.

crate::store::on_each_backend! {

use crate::store::unavailable;
use app::ssr::ports::{LoginAccount, Logins, ResetAccount, StoreError, TwoStep};
use async_trait::async_trait;
use sqlx::Row;

#[async_trait]
impl Logins for Store {
    async fn login_account(&self, username: &str) -> Result<Option<LoginAccount>, StoreError> {
        let row: Option<(i64, String, i64)> =
            sqlx::query_as("SELECT id, password_hash, session_epoch FROM guance_accounts WHERE username_key = $1")
                .bind(username.trim().to_lowercase())
                .fetch_optional(self.pool())
                .await
                .map_err(unavailable)?;
        Ok(row.map(|(id, password_hash, session_epoch)| LoginAccount { id, password_hash, session_epoch }))
    }

    async fn reset_account(&self, identifier: &str) -> Result<Option<ResetAccount>, StoreError> {
        let key = identifier.trim().to_lowercase();
        let by_username: Option<(i64, String, String)> =
            sqlx::query_as("SELECT id, username, email FROM guance_accounts WHERE username_key = $1")
                .bind(&key)
                .fetch_optional(self.pool())
                .await
                .map_err(unavailable)?;
        let found = match by_username {
            Some(found) => Some(found),
            None => {
                let mut by_email: Vec<(i64, String, String)> =
                    sqlx::query_as("SELECT id, username, email FROM guance_accounts WHERE email_key = $1 LIMIT 2")
                        .bind(&key)
                        .fetch_all(self.pool())
                        .await
                        .map_err(unavailable)?;
                // An address shared by several accounts names none of them: the username must.
                if by_email.len() == 1 {
                    by_email.pop()
                } else {
                    None
                }
            }
        };
        Ok(found.map(|(id, username, email)| ResetAccount { id, username, email }))
    }

    async fn two_step(&self, account_id: i64) -> Result<Option<TwoStep>, StoreError> {
        let found: Option<(Option<String>, i64)> =
            sqlx::query_as("SELECT totp_secret, totp_last_step FROM guance_accounts WHERE id = $1")
                .bind(account_id)
                .fetch_optional(self.pool())
                .await
                .map_err(unavailable)?;
        Ok(found.and_then(|(secret, last_step)| secret.map(|secret| TwoStep { secret, last_step })))
    }

    async fn enable_two_step(&self, account_id: i64, secret: &str, step: i64) -> Result<(), StoreError> {
        sqlx::query("UPDATE guance_accounts SET totp_secret = $1, totp_last_step = $2 WHERE id = $3")
            .bind(secret)
            .bind(step)
            .bind(account_id)
            .execute(self.pool())
            .await
            .map_err(unavailable)?;
        Ok(())
    }

    async fn disable_two_step(&self, account_id: i64) -> Result<(), StoreError> {
        sqlx::query("UPDATE guance_accounts SET totp_secret = NULL WHERE id = $1")
            .bind(account_id)
            .execute(self.pool())
            .await
            .map_err(unavailable)?;
        Ok(())
    }

    async fn use_two_step(&self, account_id: i64, step: i64) -> Result<bool, StoreError> {
        // One conditional write: of two requests with the same code, on any instance, one wins.
        let done = sqlx::query(
            "UPDATE guance_accounts SET totp_last_step = $1
              WHERE id = $2 AND totp_secret IS NOT NULL AND totp_last_step < $1",
        )
        .bind(step)
        .bind(account_id)
        .execute(self.pool())
        .await
        .map_err(unavailable)?;
        Ok(done.rows_affected() == 1)
    }

    async fn account_by_id(&self, id: i64) -> Result<Option<ResetAccount>, StoreError> {
        let found: Option<(i64, String, String)> =
            sqlx::query_as("SELECT id, username, email FROM guance_accounts WHERE id = $1")
                .bind(id)
                .fetch_optional(self.pool())
                .await
                .map_err(unavailable)?;
        Ok(found.map(|(id, username, email)| ResetAccount { id, username, email }))
    }

    async fn session_epoch(&self, account_id: i64) -> Result<Option<i64>, StoreError> {
        sqlx::query_scalar("SELECT session_epoch FROM guance_accounts WHERE id = $1")
            .bind(account_id)
            .fetch_optional(self.pool())
            .await
            .map_err(unavailable)
    }

    async fn set_password(&self, account_id: i64, password_hash: &str) -> Result<(), StoreError> {
        // Decides nothing on what it reads.
        let mut tx = self.begin_write_on(&[]).await?;
        let username: Option<String> = sqlx::query_scalar(
            "UPDATE guance_accounts SET password_hash = $1, session_epoch = session_epoch + 1 WHERE id = $2
             RETURNING username_key",
        )
        .bind(password_hash)
        .bind(account_id)
        .fetch_optional(&mut *tx)
        .await
        .map_err(unavailable)?;
        if let Some(username) = username {
            sqlx::query("DELETE FROM login_failures WHERE key = $1")
                .bind(format!("account:{username}"))
                .execute(&mut *tx)
                .await
                .map_err(unavailable)?;
        }
        tx.commit().await.map_err(unavailable)
    }

    async fn login_failures(&self, key: &str, since: i64) -> Result<i64, StoreError> {
        sqlx::query_scalar("SELECT COUNT(*) FROM login_failures WHERE key = $1 AND at >= $2")
            .bind(key)
            .bind(since)
            .fetch_one(self.pool())
            .await
            .map_err(unavailable)
    }

    async fn record_login_failure(&self, keys: &[String], now: i64) -> Result<(), StoreError> {
        // Appends and prunes; it decides nothing on what it reads, so it takes no turn with other writers.
        let mut tx = self.begin_write_on(&[]).await?;
        for key in keys {
            sqlx::query("INSERT INTO login_failures (key, at) VALUES ($1, $2)")
                .bind(key)
                .bind(now)
                .execute(&mut *tx)
                .await
                .map_err(unavailable)?;
        }
        sqlx::query("DELETE FROM login_failures WHERE at < $1")
            .bind(now - 86_400)
            .execute(&mut *tx)
            .await
            .map_err(unavailable)?;
        tx.commit().await.map_err(unavailable)
    }

    async fn clear_login_failures(&self, key: &str) -> Result<(), StoreError> {
        sqlx::query("DELETE FROM login_failures WHERE key = $1")
            .bind(key)
            .execute(self.pool())
            .await
            .map_err(unavailable)?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::test_support::{new_session, register, temp_store, ACCOUNTS_FIXTURE};

    async fn fixture(store: &Store) {
        new_session(store, "123456789012").await;
        for sql in ACCOUNTS_FIXTURE {
            sqlx::query(sql).execute(store.pool()).await.expect("fixture");
        }
    }

    #[tokio::test]
    async fn a_two_step_code_is_accepted_once_and_never_an_older_one() {
        let (store, _dir) = temp_store::<Store>().await;
        fixture(&store).await;
        assert_eq!(store.two_step(1).await.expect("read"), None);
        assert!(!store.use_two_step(1, 100).await.expect("use"), "off: nothing is accepted");
        store.enable_two_step(1, "JBSWY3DPEHPK3PXP", 100).await.expect("on");
        assert_eq!(
            store.two_step(1).await.expect("read"),
            Some(TwoStep { secret: "JBSWY3DPEHPK3PXP".into(), last_step: 100 })
        );
        assert!(!store.use_two_step(1, 100).await.expect("use"), "the enrolment code's step is used");
        let (a, b) = tokio::join!(store.use_two_step(1, 101), store.use_two_step(1, 101));
        assert_eq!([a.expect("a"), b.expect("b")].iter().filter(|won| **won).count(), 1, "one of two wins");
        assert!(!store.use_two_step(1, 100).await.expect("use"), "never an older step");
        assert_eq!(store.two_step(2).await.expect("read"), None, "another account's is its own");
        store.disable_two_step(1).await.expect("off");
        assert_eq!(store.two_step(1).await.expect("read"), None);
    }

    #[tokio::test]
    async fn a_forgotten_password_finds_its_account_and_a_reset_ends_its_sessions() {
        let (store, _dir) = temp_store::<Store>().await;
        for sql in [
            "INSERT INTO guance_accounts (id, username, username_key, email, email_key, password_hash, created_at) VALUES (1, 'Alice', 'alice', 'A@x.com', 'a@x.com', 'old', 0)",
            "INSERT INTO guance_accounts (id, username, username_key, email, email_key, password_hash, created_at) VALUES (2, 'bob', 'bob', 'shared@x.com', 'shared@x.com', 'x', 0)",
            "INSERT INTO guance_accounts (id, username, username_key, email, email_key, password_hash, created_at) VALUES (3, 'carol', 'carol', 'shared@x.com', 'shared@x.com', 'x', 0)",
            "INSERT INTO login_failures (key, at) VALUES ('account:alice', 5)",
        ] {
            sqlx::query(sql).execute(store.pool()).await.expect("fixture");
        }
        let alice = Some(ResetAccount { id: 1, username: "Alice".into(), email: "A@x.com".into() });
        assert_eq!(store.reset_account(" ALICE ").await.expect("db"), alice);
        assert_eq!(store.reset_account("a@X.com").await.expect("db"), alice);
        assert_eq!(
            store.reset_account("shared@x.com").await.expect("db"),
            None,
            "an address of two accounts names none"
        );
        assert_eq!(store.reset_account("bob").await.expect("db").map(|a| a.id), Some(2));
        assert_eq!(store.reset_account("nobody").await.expect("db"), None);

        assert_eq!(store.session_epoch(1).await.expect("db"), Some(0));
        store.set_password(1, "new").await.expect("reset");
        let account = store.login_account("alice").await.expect("db").expect("account");
        assert_eq!((account.password_hash.as_str(), account.session_epoch), ("new", 1));
        assert_eq!(store.login_failures("account:alice", 0).await.expect("db"), 0, "failures forgotten");
        assert_eq!(store.session_epoch(2).await.expect("db"), Some(0), "other accounts untouched");
        assert_eq!(store.session_epoch(99).await.expect("db"), None);
    }

}

}

//! The mail outbox's storage (see `crate::outbox`): queued sealed mails, claimed by a delivery worker under a
//! lease so that two instances never send the same row at once, deleted once delivered.

crate::store::on_each_backend! {

use crate::outbox::{OutboxStore, QueuedMail, DOWN};
use crate::store::unavailable;
use app::ssr::ports::StoreError;
use async_trait::async_trait;
use sqlx::Row;

#[async_trait]
impl OutboxStore for Store {
    async fn enqueue_mail(
        &self,
        origin: &str,
        sealed: Option<&[u8]>,
        now: i64,
        not_after: i64,
    ) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO mail_outbox (origin, sealed, created_at, not_after, next_attempt_at)
             VALUES ($1, $2, $3, $4, $3)",
        )
        .bind(origin)
        .bind(sealed)
        .bind(now)
        .bind(not_after)
        .execute(self.pool())
        .await
        .map_err(unavailable)?;
        Ok(())
    }

    async fn claim_due_mail(
        &self,
        now: i64,
        lease_secs: i64,
        limit: i64,
        only_origin: Option<&str>,
    ) -> Result<Vec<QueuedMail>, StoreError> {
        // No entity's turn: each row is claimed by a conditional UPDATE, which PostgreSQL re-checks under the
        // row's lock, so of two instances claiming one row exactly one wins.
        let mut tx = self.begin_write_on(&[]).await?;
        let due = sqlx::query(
            "SELECT id, sealed, attempts FROM mail_outbox
              WHERE next_attempt_at <= $1 AND not_after >= $1 AND (lease_until IS NULL OR lease_until < $1)
                AND origin = COALESCE($3, origin)
              ORDER BY id LIMIT $2",
        )
        .bind(now)
        .bind(limit)
        .bind(only_origin)
        .fetch_all(&mut *tx)
        .await
        .map_err(unavailable)?;
        let mut claimed = Vec::with_capacity(due.len());
        for row in due {
            let id: i64 = row.try_get("id").map_err(unavailable)?;
            // Conditional, so that a claim made meanwhile by another instance wins and this one skips the row.
            let taken = sqlx::query(
                "UPDATE mail_outbox SET lease_until = $1
                  WHERE id = $2 AND (lease_until IS NULL OR lease_until < $3)",
            )
            .bind(now + lease_secs)
            .bind(id)
            .bind(now)
            .execute(&mut *tx)
            .await
            .map_err(unavailable)?;
            if taken.rows_affected() == 1 {
                claimed.push(QueuedMail {
                    id,
                    sealed: row.try_get("sealed").map_err(unavailable)?,
                    attempts: row.try_get("attempts").map_err(unavailable)?,
                });
            }
        }
        tx.commit().await.map_err(unavailable)?;
        Ok(claimed)
    }

    async fn mail_done(&self, id: i64) -> Result<(), StoreError> {
        sqlx::query("DELETE FROM mail_outbox WHERE id = $1").bind(id).execute(self.pool()).await.map_err(unavailable)?;
        Ok(())
    }

    async fn mail_failed(&self, id: i64, next_attempt_at: i64, error: &str) -> Result<(), StoreError> {
        sqlx::query(
            "UPDATE mail_outbox SET attempts = attempts + 1, next_attempt_at = $1, lease_until = NULL, last_error = $2
              WHERE id = $3",
        )
        .bind(next_attempt_at)
        .bind(error)
        .bind(id)
        .execute(self.pool())
        .await
        .map_err(unavailable)?;
        Ok(())
    }

    async fn drop_stale_mail(&self, now: i64) -> Result<u64, StoreError> {
        let done = sqlx::query("DELETE FROM mail_outbox WHERE not_after < $1")
            .bind(now)
            .execute(self.pool())
            .await
            .map_err(unavailable)?;
        Ok(done.rows_affected())
    }

    async fn mail_failing(&self, now: i64) -> Result<bool, StoreError> {
        let failing: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM mail_outbox
              WHERE attempts > 0 AND not_after >= $1 AND sealed IS NOT NULL AND last_error LIKE $2",
        )
        .bind(now)
        .bind(format!("{DOWN}%"))
        .fetch_one(self.pool())
        .await
        .map_err(unavailable)?;
        Ok(failing > 0)
    }

    async fn queued_mail(&self) -> Result<i64, StoreError> {
        sqlx::query_scalar("SELECT COUNT(*) FROM mail_outbox").fetch_one(self.pool()).await.map_err(unavailable)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::test_support::temp_store;

    #[tokio::test]
    async fn a_queued_mail_is_claimed_once_retried_after_its_backoff_and_forgotten_when_stale() {
        let (store, _guard) = temp_store::<Store>().await;
        store.enqueue_mail("a", Some(b"sealed one"), 100, 700).await.expect("enqueue");
        store.enqueue_mail("a", None, 100, 700).await.expect("enqueue nowhere");
        assert!(!store.mail_failing(100).await.expect("failing"));

        let claimed = store.claim_due_mail(100, 60, 10, None).await.expect("claim");
        assert_eq!(claimed.len(), 2);
        assert_eq!(claimed[0].sealed.as_deref(), Some(&b"sealed one"[..]));
        assert_eq!(claimed[1].sealed, None);
        assert!(store.claim_due_mail(120, 60, 10, None).await.expect("claim").is_empty(), "leased to the first worker");

        store.mail_done(claimed[1].id).await.expect("done");
        store.mail_failed(claimed[0].id, 200, &format!("{DOWN}connection refused")).await.expect("failed");
        assert!(store.mail_failing(150).await.expect("failing"), "a mail waits for the mail service");
        assert!(store.claim_due_mail(150, 60, 10, None).await.expect("claim").is_empty(), "not before its next attempt");
        let again = store.claim_due_mail(200, 60, 10, None).await.expect("claim");
        assert_eq!((again.len(), again[0].attempts), (1, 1));

        // A lease that ran out (its worker died) is taken over; a worker that delivers only its own mail
        // (the dev mailbox) leaves another instance's.
        assert!(store.claim_due_mail(261, 60, 10, Some("b")).await.expect("claim").is_empty());
        assert_eq!(store.claim_due_mail(261, 60, 10, None).await.expect("claim").len(), 1);

        // Deferred (the service answered, for this one message) is not "down".
        store.mail_failed(again[0].id, 300, "the mail service deferred the message: 452").await.expect("failed");
        assert!(!store.mail_failing(300).await.expect("failing"));

        assert_eq!(store.drop_stale_mail(700).await.expect("drop"), 0);
        assert_eq!(store.drop_stale_mail(701).await.expect("drop"), 1);
        assert_eq!(store.queued_mail().await.expect("count"), 0);
        assert!(!store.mail_failing(701).await.expect("failing"));
    }
}

}

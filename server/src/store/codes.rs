//! Verification codes, on either backend: each operation is one write transaction on its session and address
//! (`BEGIN IMMEDIATE` on SQLite; on PostgreSQL the two entities' locks), so concurrent sends and checks for one
//! session or one address are serialised by the database, while other sessions' and addresses' go on at once.

crate::store::on_each_backend! {

use crate::store::{unavailable, Entity};
use app::domain::codes::{
    CodePurpose, CodeRejection, SendRefusal, CODE_TTL_SECS, MAX_ADDRESSES_PER_SESSION, MAX_ATTEMPTS,
    MAX_FAILED_CHECKS_PER_DAY, RESEND_AFTER_SECS, SENDS_PER_HOUR,
};
use app::ssr::ports::{StoreError, VerificationCodes};
use app::ssr::session::SessionKey;
use async_trait::async_trait;
use sqlx::Row;

/// Compares two MACs in time independent of where they differ.
fn same_mac(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

#[async_trait]
impl VerificationCodes for Store {
    async fn record_code(
        &self,
        session: &SessionKey,
        purpose: CodePurpose,
        address: &str,
        code_mac: &[u8],
        now: i64,
    ) -> Result<Result<(), SendRefusal>, StoreError> {
        let mut tx = self.begin_write_on(&[Entity::Session(session), Entity::Address(address)]).await?;
        let (others, this): (i64, i64) = sqlx::query_as(
            "SELECT COUNT(DISTINCT address), COUNT(DISTINCT CASE WHEN address = $2 THEN address END)
               FROM verification_codes WHERE session_hash = $1",
        )
        .bind(session.as_bytes())
        .bind(address)
        .fetch_one(&mut *tx)
        .await
        .map_err(unavailable)?;
        if this == 0 && others >= MAX_ADDRESSES_PER_SESSION {
            return Ok(Err(SendRefusal::TooManyAddresses));
        }
        let last: Option<i64> = sqlx::query_scalar(
            "SELECT MAX(created_at) FROM verification_codes WHERE session_hash = $1 AND purpose = $2 AND address = $3",
        )
        .bind(session.as_bytes())
        .bind(purpose.code())
        .bind(address)
        .fetch_one(&mut *tx)
        .await
        .map_err(unavailable)?;
        if let Some(last) = last.filter(|last| now - last < RESEND_AFTER_SECS) {
            return Ok(Err(SendRefusal::TooSoon { retry_after_secs: RESEND_AFTER_SECS - (now - last) }));
        }
        let window = sqlx::query(
            "SELECT COUNT(*) AS sent, MIN(created_at) AS oldest FROM verification_codes
              WHERE address = $1 AND created_at > $2",
        )
        .bind(address)
        .bind(now - 3600)
        .fetch_one(&mut *tx)
        .await
        .map_err(unavailable)?;
        let sent: i64 = window.try_get("sent").map_err(unavailable)?;
        let oldest: Option<i64> = window.try_get("oldest").map_err(unavailable)?;
        if sent >= SENDS_PER_HOUR {
            let retry_after_secs = oldest.map_or(3600, |oldest| oldest + 3600 - now).max(1);
            return Ok(Err(SendRefusal::HourlyLimit { retry_after_secs }));
        }
        sqlx::query(
            "UPDATE verification_codes SET voided_at = $1
              WHERE session_hash = $2 AND purpose = $3 AND address = $4 AND voided_at IS NULL",
        )
        .bind(now)
        .bind(session.as_bytes())
        .bind(purpose.code())
        .bind(address)
        .execute(&mut *tx)
        .await
        .map_err(unavailable)?;
        sqlx::query(
            "INSERT INTO verification_codes (session_hash, purpose, address, code_mac, created_at, expires_at)
             VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(session.as_bytes())
        .bind(purpose.code())
        .bind(address)
        .bind(code_mac)
        .bind(now)
        .bind(now + CODE_TTL_SECS)
        .execute(&mut *tx)
        .await
        .map_err(unavailable)?;
        tx.commit().await.map_err(unavailable)?;
        Ok(Ok(()))
    }

    async fn expire_codes(&self, address: &str, now: i64) -> Result<u64, StoreError> {
        let done = sqlx::query(
            "UPDATE verification_codes SET expires_at = $1
              WHERE address = $2 AND expires_at > $3 AND consumed_at IS NULL AND voided_at IS NULL",
        )
        .bind(now)
        .bind(address)
        .bind(now)
        .execute(self.pool())
        .await
        .map_err(unavailable)?;
        Ok(done.rows_affected())
    }

    async fn check_code(
        &self,
        session: &SessionKey,
        purpose: CodePurpose,
        address: &str,
        code_mac: &[u8],
        now: i64,
    ) -> Result<Result<(), CodeRejection>, StoreError> {
        let mut tx = self.begin_write_on(&[Entity::Session(session), Entity::Address(address)]).await?;
        let row = sqlx::query(
            "SELECT id, code_mac, expires_at, attempts, consumed_at FROM verification_codes
              WHERE session_hash = $1 AND purpose = $2 AND address = $3 AND voided_at IS NULL
              ORDER BY created_at DESC, id DESC LIMIT 1",
        )
        .bind(session.as_bytes())
        .bind(purpose.code())
        .bind(address)
        .fetch_optional(&mut *tx)
        .await
        .map_err(unavailable)?;
        let Some(row) = row else {
            return Ok(Err(CodeRejection::NoCode));
        };
        // Wrong codes for this address in the last 24 hours, from every session.
        let failed_today: i64 = sqlx::query_scalar(
            "SELECT CAST(COALESCE(SUM(attempts), 0) AS BIGINT) FROM verification_codes
              WHERE address = $1 AND created_at > $2",
        )
        .bind(address)
        .bind(now - 86_400)
        .fetch_one(&mut *tx)
        .await
        .map_err(unavailable)?;
        if failed_today >= MAX_FAILED_CHECKS_PER_DAY {
            return Ok(Err(CodeRejection::DailyLimit { reached: false }));
        }
        let id: i64 = row.try_get("id").map_err(unavailable)?;
        let stored: Vec<u8> = row.try_get("code_mac").map_err(unavailable)?;
        let expires_at: i64 = row.try_get("expires_at").map_err(unavailable)?;
        let attempts: i64 = row.try_get("attempts").map_err(unavailable)?;
        let consumed_at: Option<i64> = row.try_get("consumed_at").map_err(unavailable)?;
        let verdict = if consumed_at.is_some() {
            Err(CodeRejection::Used)
        } else if attempts >= MAX_ATTEMPTS {
            Err(CodeRejection::Locked)
        } else if now >= expires_at {
            Err(CodeRejection::Expired)
        } else if same_mac(&stored, code_mac) {
            sqlx::query("UPDATE verification_codes SET consumed_at = $1 WHERE id = $2")
                .bind(now)
                .bind(id)
                .execute(&mut *tx)
                .await
                .map_err(unavailable)?;
            Ok(())
        } else {
            sqlx::query("UPDATE verification_codes SET attempts = attempts + 1 WHERE id = $1")
                .bind(id)
                .execute(&mut *tx)
                .await
                .map_err(unavailable)?;
            let remaining_attempts = MAX_ATTEMPTS - attempts - 1;
            Err(if failed_today + 1 >= MAX_FAILED_CHECKS_PER_DAY {
                CodeRejection::DailyLimit { reached: true }
            } else if remaining_attempts == 0 {
                CodeRejection::Locked
            } else {
                CodeRejection::Wrong { remaining_attempts }
            })
        };
        tx.commit().await.map_err(unavailable)?;
        Ok(verdict)
    }

    async fn live_code_address(&self, session: &SessionKey, purpose: CodePurpose) -> Result<Option<String>, StoreError> {
        sqlx::query_scalar(
            "SELECT address FROM verification_codes WHERE session_hash = $1 AND purpose = $2 AND voided_at IS NULL
              ORDER BY created_at DESC, id DESC LIMIT 1",
        )
        .bind(session.as_bytes())
        .bind(purpose.code())
        .fetch_optional(self.pool())
        .await
        .map_err(unavailable)
    }

    async fn code_address_owner(&self, address: &str) -> Result<Option<String>, StoreError> {
        let query = if let Some(username) = address.strip_prefix("billing-account:") {
            sqlx::query_scalar("SELECT email FROM billing_accounts WHERE username_key = $1").bind(username.to_owned())
        } else if let Some(id) = address.strip_prefix("account:") {
            sqlx::query_scalar("SELECT email FROM guance_accounts WHERE CAST(id AS TEXT) = $1").bind(id.to_owned())
        } else if address.contains(':') || !address.contains('@') {
            // `reset:…` (no such account) and anything else: nobody to tell.
            return Ok(None);
        } else {
            return Ok(Some(address.to_owned()));
        };
        query.fetch_optional(self.pool()).await.map_err(unavailable)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::test_support::{new_session as open_session, temp_store};
    use std::sync::Arc;

    const ADDR: &str = "buyer@example.com";
    const P: CodePurpose = CodePurpose::Register;

    async fn setup() -> (Store, SessionKey, crate::store::test_support::Guard) {
        let (store, dir) = temp_store::<Store>().await;
        let session = new_session(&store).await;
        (store, session, dir)
    }

    async fn new_session(store: &Store) -> SessionKey {
        open_session(store, "123456789012").await
    }

    #[tokio::test]
    async fn a_code_is_single_use_and_valid_ten_minutes() {
        let (store, s, _dir) = setup().await;
        assert_eq!(store.record_code(&s, P, ADDR, b"mac-1", 1000).await.expect("db"), Ok(()));
        assert_eq!(store.check_code(&s, P, ADDR, b"mac-1", 1000 + CODE_TTL_SECS - 1).await.expect("db"), Ok(()));
        assert_eq!(store.check_code(&s, P, ADDR, b"mac-1", 1001).await.expect("db"), Err(CodeRejection::Used));

        let later = 5000;
        store.record_code(&s, P, ADDR, b"mac-2", later).await.expect("db").expect("sent");
        assert_eq!(
            store.check_code(&s, P, ADDR, b"mac-2", later + CODE_TTL_SECS).await.expect("db"),
            Err(CodeRejection::Expired)
        );
    }

    #[tokio::test]
    async fn expiring_an_address_ends_its_live_codes_only() {
        let (store, s, _dir) = setup().await;
        store.record_code(&s, P, ADDR, b"mac", 1000).await.expect("db").expect("recorded");
        store.record_code(&s, P, "other@example.com", b"mac-o", 1000).await.expect("db").expect("recorded");
        assert_eq!(store.expire_codes(ADDR, 1001).await.expect("db"), 1);
        assert_eq!(store.check_code(&s, P, ADDR, b"mac", 1001).await.expect("db"), Err(CodeRejection::Expired));
        assert_eq!(store.check_code(&s, P, "other@example.com", b"mac-o", 1001).await.expect("db"), Ok(()));
    }

    #[tokio::test]
    async fn a_code_is_bound_to_session_purpose_and_address() {
        let (store, s, _dir) = setup().await;
        let other = new_session(&store).await;
        store.record_code(&s, P, ADDR, b"mac", 0).await.expect("db").expect("sent");
        assert_eq!(store.check_code(&other, P, ADDR, b"mac", 1).await.expect("db"), Err(CodeRejection::NoCode));
        assert_eq!(
            store.check_code(&s, CodePurpose::LinkBillingAccount, ADDR, b"mac", 1).await.expect("db"),
            Err(CodeRejection::NoCode)
        );
        assert_eq!(
            store.check_code(&s, P, "other@example.com", b"mac", 1).await.expect("db"),
            Err(CodeRejection::NoCode)
        );
        assert_eq!(store.check_code(&s, P, ADDR, b"mac", 1).await.expect("db"), Ok(()));
    }

    #[tokio::test]
    async fn five_wrong_tries_void_the_code() {
        let (store, s, _dir) = setup().await;
        store.record_code(&s, P, ADDR, b"right", 0).await.expect("db").expect("sent");
        for remaining in (1..MAX_ATTEMPTS).rev() {
            assert_eq!(
                store.check_code(&s, P, ADDR, b"wrong", 1).await.expect("db"),
                Err(CodeRejection::Wrong { remaining_attempts: remaining })
            );
        }
        assert_eq!(store.check_code(&s, P, ADDR, b"wrong", 1).await.expect("db"), Err(CodeRejection::Locked));
        assert_eq!(store.check_code(&s, P, ADDR, b"right", 2).await.expect("db"), Err(CodeRejection::Locked));
    }

    #[tokio::test]
    async fn ten_wrong_codes_a_day_per_address_across_sessions_then_none_is_checked() {
        let (store, _s, _dir) = setup().await;
        let mut t = 0;
        let mut wrong = 0;
        // Two sessions, fresh codes (the hourly limit allows five): ten wrong tries in all.
        let mut last = None;
        while wrong < MAX_FAILED_CHECKS_PER_DAY {
            let session = new_session(&store).await;
            store.record_code(&session, P, ADDR, b"right", t).await.expect("db").expect("sent");
            for _ in 0..4 {
                if wrong == MAX_FAILED_CHECKS_PER_DAY {
                    break;
                }
                last = Some(store.check_code(&session, P, ADDR, b"wrong", t + 1).await.expect("db"));
                wrong += 1;
            }
            t += 3600;
            if wrong < MAX_FAILED_CHECKS_PER_DAY {
                continue;
            }
            assert_eq!(last, Some(Err(CodeRejection::DailyLimit { reached: true })), "the tenth tells the owner");
            // Even the right code is not checked now, in this session or a new one.
            assert_eq!(
                store.check_code(&session, P, ADDR, b"right", t).await.expect("db"),
                Err(CodeRejection::DailyLimit { reached: false })
            );
        }
        let fresh = new_session(&store).await;
        store.record_code(&fresh, P, ADDR, b"right", t).await.expect("db").expect("sent");
        assert_eq!(
            store.check_code(&fresh, P, ADDR, b"right", t + 1).await.expect("db"),
            Err(CodeRejection::DailyLimit { reached: false })
        );
        // Other addresses are untouched; a day after the wrong codes' codes were sent, the address is heard.
        store.record_code(&fresh, P, "other@example.com", b"o", t).await.expect("db").expect("sent");
        assert_eq!(store.check_code(&fresh, P, "other@example.com", b"o", t + 1).await.expect("db"), Ok(()));
        let tomorrow = t + 86_400;
        let next = new_session(&store).await;
        store.record_code(&next, P, ADDR, b"right", tomorrow).await.expect("db").expect("sent");
        assert_eq!(store.check_code(&next, P, ADDR, b"right", tomorrow + 1).await.expect("db"), Ok(()));
    }

    #[tokio::test]
    async fn one_session_mails_codes_to_at_most_five_addresses() {
        let (store, s, _dir) = setup().await;
        for i in 0..MAX_ADDRESSES_PER_SESSION {
            store.record_code(&s, P, &format!("a{i}@example.com"), b"m", 0).await.expect("db").expect("sent");
        }
        assert_eq!(
            store.record_code(&s, P, "one-more@example.com", b"m", 100).await.expect("db"),
            Err(SendRefusal::TooManyAddresses)
        );
        // An address it already used may have a new code.
        store.record_code(&s, P, "a0@example.com", b"m2", 100).await.expect("db").expect("sent");
        let other = new_session(&store).await;
        store.record_code(&other, P, "one-more@example.com", b"m", 100).await.expect("db").expect("another session");
    }

    #[tokio::test]
    async fn the_owner_of_a_codes_address_is_found_by_its_kind() {
        let (store, _s, _dir) = setup().await;
        sqlx::query("INSERT INTO guance_accounts (id, username, username_key, email, password_hash, created_at) VALUES (7, 'Owner', 'owner', 'owner@example.com', 'x', 0)")
            .execute(store.pool()).await.expect("account");
        sqlx::query("INSERT INTO billing_accounts (id, username, username_key, email, owner_account_id, created_at) VALUES (1, 'Owner', 'owner', 'billing@example.com', 7, 0)")
            .execute(store.pool()).await.expect("billing");
        let owner = |address: &'static str| {
            let store = store.clone();
            async move { store.code_address_owner(address).await.expect("db") }
        };
        assert_eq!(owner("buyer@example.com").await.as_deref(), Some("buyer@example.com"));
        assert_eq!(owner("billing-account:owner").await.as_deref(), Some("billing@example.com"));
        assert_eq!(owner("billing-account:nobody").await, None);
        assert_eq!(owner("account:7").await.as_deref(), Some("owner@example.com"));
        assert_eq!(owner("account:8").await, None);
        assert_eq!(owner("reset:someone").await, None);
    }

    #[tokio::test]
    async fn a_newer_code_voids_the_older_and_resend_waits_sixty_seconds() {
        let (store, s, _dir) = setup().await;
        store.record_code(&s, P, ADDR, b"old", 0).await.expect("db").expect("sent");
        assert_eq!(
            store.record_code(&s, P, ADDR, b"new", RESEND_AFTER_SECS - 15).await.expect("db"),
            Err(SendRefusal::TooSoon { retry_after_secs: 15 })
        );
        store.record_code(&s, P, ADDR, b"new", RESEND_AFTER_SECS).await.expect("db").expect("sent");
        assert_eq!(
            store.check_code(&s, P, ADDR, b"old", RESEND_AFTER_SECS + 1).await.expect("db"),
            Err(CodeRejection::Wrong { remaining_attempts: MAX_ATTEMPTS - 1 })
        );
        assert_eq!(store.check_code(&s, P, ADDR, b"new", RESEND_AFTER_SECS + 2).await.expect("db"), Ok(()));
    }

    #[tokio::test]
    async fn at_most_five_sends_per_address_per_hour_across_sessions() {
        let (store, s, _dir) = setup().await;
        let mut t = 0;
        for _ in 0..SENDS_PER_HOUR {
            let session = new_session(&store).await;
            store.record_code(&session, P, ADDR, b"m", t).await.expect("db").expect("sent");
            t += 10;
        }
        assert_eq!(
            store.record_code(&s, P, ADDR, b"m", t).await.expect("db"),
            Err(SendRefusal::HourlyLimit { retry_after_secs: 3600 - t })
        );
        // Another address is not affected; an hour after the first send, the address may be sent to again.
        store.record_code(&s, P, "other@example.com", b"m", t).await.expect("db").expect("sent");
        store.record_code(&s, P, ADDR, b"m", 3601).await.expect("db").expect("sent");
    }

    #[tokio::test]
    async fn concurrent_checks_of_the_right_code_succeed_once() {
        let (store, s, _dir) = setup().await;
        store.record_code(&s, P, ADDR, b"right", 0).await.expect("db").expect("sent");
        let store = Arc::new(store);
        let barrier = Arc::new(tokio::sync::Barrier::new(8));
        let tasks: Vec<_> = (0..8)
            .map(|_| {
                let (store, barrier, s) = (store.clone(), barrier.clone(), s.clone());
                tokio::spawn(async move {
                    barrier.wait().await;
                    store.check_code(&s, P, ADDR, b"right", 1).await.expect("db")
                })
            })
            .collect();
        let mut ok = 0;
        for task in tasks {
            match task.await.expect("join") {
                Ok(()) => ok += 1,
                Err(rejection) => assert_eq!(rejection, CodeRejection::Used),
            }
        }
        assert_eq!(ok, 1);
    }
}

}

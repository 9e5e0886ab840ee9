//! Accounts, billing accounts, workspaces and settlements, on either backend. Activate is one
//! write transaction (`BEGIN IMMEDIATE` on SQLite, the session's and its customer's locks on PostgreSQL): either everything exists afterwards or nothing does; uniqueness is the
//! database's (unique indexes), never a check-then-insert.

crate::store::on_each_backend! {

use rows::{insert_account, insert_settlement, insert_workspace, is_unique_violation, AccountRow};
use crate::store::{unavailable, Entity};
use app::domain::AwsAccountId;
use app::ssr::ports::{Accounts, ActivateOutcome, ActivateRefusal, Activated, NewAccount, NewWorkspace, StoreError};
use app::ssr::audit::{actor_buyer, AuditEntry};
use app::ssr::session::{session_ended, SessionKey};
use async_trait::async_trait;
use sqlx::Row;

/// Maps an insert's error: a unique violation on a username is the buyer's refusal, anything else is ours.
fn taken_or_unavailable(err: sqlx::Error) -> Result<ActivateRefusal, StoreError> {
    if is_unique_violation(&err) {
        Ok(ActivateRefusal::UsernameTaken)
    } else {
        Err(unavailable(err))
    }
}

async fn load_activated(tx: &mut Tx<'_>, workspace_id: i64) -> Result<Activated, StoreError> {
    let row = sqlx::query(
        "SELECT w.id AS workspace_id, w.name, w.site, w.language, b.id AS billing_id, a.id AS account_id, a.username,
                c.aws_account_id
           FROM workspaces w
           JOIN billing_accounts b ON b.id = w.billing_account_id
           JOIN guance_accounts a ON a.id = w.owner_account_id
           JOIN workspace_settlements s ON s.workspace_id = w.id
           JOIN marketplace_customers c ON c.id = s.customer_id
          WHERE w.id = $1",
    )
    .bind(workspace_id)
    .fetch_one(&mut **tx)
    .await
    .map_err(unavailable)?;
    let account: String = row.try_get("aws_account_id").map_err(unavailable)?;
    Ok(Activated {
        account_id: row.try_get("account_id").map_err(unavailable)?,
        billing_account_id: row.try_get("billing_id").map_err(unavailable)?,
        workspace_id: row.try_get("workspace_id").map_err(unavailable)?,
        username: row.try_get("username").map_err(unavailable)?,
        workspace_name: row.try_get("name").map_err(unavailable)?,
        site_code: row.try_get("site").map_err(unavailable)?,
        language_code: row.try_get("language").map_err(unavailable)?,
        aws_account_id: AwsAccountId::parse(&account)
            .map_err(|_| StoreError::Corrupt(format!("aws_account_id = {account:?}")))?,
    })
}

#[async_trait]
impl Accounts for Store {
    async fn username_available(&self, username: &app::domain::Username) -> Result<bool, StoreError> {
        let taken: bool = sqlx::query_scalar(
            "SELECT EXISTS (SELECT 1 FROM guance_accounts WHERE username_key = $1)
                 OR EXISTS (SELECT 1 FROM billing_accounts WHERE username_key = $1)",
        )
        .bind(username.key())
        .fetch_one(self.pool())
        .await
        .map_err(unavailable)?;
        Ok(!taken)
    }

    async fn activate_register(
        &self,
        session: &SessionKey,
        account: &NewAccount,
        workspace: &NewWorkspace,
        now: i64,
    ) -> Result<Result<ActivateOutcome, ActivateRefusal>, StoreError> {
        // The session's turn (one Activate per session), then its customer's (one billing account per customer);
        // one username is the unique index's.
        let mut tx = self.begin_write_on(&[Entity::Session(session)]).await?;
        let row = sqlx::query(
            "SELECT customer_id, created_at, last_seen_at, activated_workspace_id FROM activation_sessions
              WHERE id_hash = $1",
        )
        .bind(session.as_bytes())
        .fetch_optional(&mut *tx)
        .await
        .map_err(unavailable)?;
        let Some(row) = row else {
            return Ok(Err(ActivateRefusal::SessionGone));
        };
        let customer_id: i64 = row.try_get("customer_id").map_err(unavailable)?;
        Store::lock_also(&mut tx, &[Entity::Customer(customer_id)]).await?;
        let last_seen: i64 = row.try_get("last_seen_at").map_err(unavailable)?;
        let created: i64 = row.try_get("created_at").map_err(unavailable)?;
        if let Some(done) = row.try_get::<Option<i64>, _>("activated_workspace_id").map_err(unavailable)? {
            let activated = load_activated(&mut tx, done).await?;
            tx.commit().await.map_err(unavailable)?;
            return Ok(Ok(ActivateOutcome { activated, first: false }));
        }
        if session_ended(created, last_seen, now) {
            return Ok(Err(ActivateRefusal::SessionGone));
        }
        // An AWS customer keeps the billing account it has (another session may have set it).
        let billing: Option<i64> =
            sqlx::query_scalar("SELECT billing_account_id FROM marketplace_customers WHERE id = $1")
                .bind(customer_id)
                .fetch_one(&mut *tx)
                .await
                .map_err(unavailable)?;
        if billing.is_some() {
            return Ok(Err(ActivateRefusal::AlreadyActivated));
        }

        let row = AccountRow {
            username: &account.username,
            email: &account.email,
            phone: account.phone.as_ref(),
            password_hash: &account.password_hash,
            company_name: Some(account.company_name.as_str()),
            industry: account.industry.as_deref(),
            company_size: account.company_size.as_deref(),
        };
        let account_id = match insert_account(&mut tx, &row, now).await {
            Ok(id) => id,
            Err(err) => return taken_or_unavailable(err).map(Err),
        };
        let billing_id: i64 = match sqlx::query_scalar(
            "INSERT INTO billing_accounts (username, username_key, email, owner_account_id, created_at)
             VALUES ($1, $2, $3, $4, $5) RETURNING id",
        )
        .bind(account.username.as_str())
        .bind(account.username.key())
        .bind(account.email.as_str())
        .bind(account_id)
        .bind(now)
        .fetch_one(&mut *tx)
        .await
        {
            Ok(id) => id,
            Err(err) => return taken_or_unavailable(err).map(Err),
        };
        let workspace_id =
            insert_workspace(&mut tx, billing_id, account_id, workspace, now).await.map_err(unavailable)?;
        insert_settlement(&mut tx, workspace_id, customer_id, now).await?;
        sqlx::query("UPDATE activation_sessions SET activated_workspace_id = $1, last_seen_at = $2 WHERE id_hash = $3")
            .bind(workspace_id)
            .bind(now)
            .bind(session.as_bytes())
            .execute(&mut *tx)
            .await
            .map_err(unavailable)?;
        sqlx::query("UPDATE marketplace_customers SET billing_account_id = $1, updated_at = $2 WHERE id = $3")
            .bind(billing_id)
            .bind(now)
            .bind(customer_id)
            .execute(&mut *tx)
            .await
            .map_err(unavailable)?;
        let entry = AuditEntry::about_customer(
                now,
                actor_buyer(session),
                "activation.completed",
                customer_id,
                format!(
                    "registered: Guance account and billing account {}, workspace {} on {}",
                    account.username.as_str(),
                    workspace.name.as_str(),
                    workspace.site.code()
                ),
            )
        .on(Some(billing_id), Some(workspace_id));
        audit::append(&mut tx, &entry).await?;
        webhooks::publish(&mut tx, "activation.completed", &entry).await?;
        webhooks::publish(&mut tx, "workspace.linked", &entry).await?;
        let activated = load_activated(&mut tx, workspace_id).await?;
        tx.commit().await.map_err(unavailable)?;
        Ok(Ok(ActivateOutcome { activated, first: true }))
    }

    async fn activated(&self, session: &SessionKey) -> Result<Option<Activated>, StoreError> {
        let mut tx = self.pool().begin().await.map_err(unavailable)?;
        let done: Option<Option<i64>> =
            sqlx::query_scalar("SELECT activated_workspace_id FROM activation_sessions WHERE id_hash = $1")
                .bind(session.as_bytes())
                .fetch_optional(&mut *tx)
                .await
                .map_err(unavailable)?;
        let activated = match done.flatten() {
            Some(workspace) => Some(load_activated(&mut tx, workspace).await?),
            None => None,
        };
        tx.commit().await.map_err(unavailable)?;
        Ok(activated)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::test_support::{count, new_session as session, temp_store as setup};
    use app::domain::{CompanyName, Email, Site, Username, WorkspaceLanguage, WorkspaceName};
    use app::ssr::session::SessionId;
    use std::sync::Arc;

    fn account(username: &str) -> NewAccount {
        NewAccount {
            username: Username::parse(username).expect("username"),
            email: Email::parse("buyer@example.com").expect("email"),
            phone: None,
            password_hash: "$argon2id$v=19$m=19456,t=2,p=1$c2FsdA$aGFzaA".into(),
            company_name: CompanyName::parse("Acme Ltd").expect("company"),
            industry: None,
            company_size: None,
        }
    }

    fn workspace() -> NewWorkspace {
        NewWorkspace {
            name: WorkspaceName::parse("Production").expect("name"),
            site: Site::Us1,
            language: WorkspaceLanguage::English,
        }
    }

    #[tokio::test]
    async fn activate_creates_account_billing_workspace_and_settlement() {
        let (store, _dir) = setup::<Store>().await;
        let s = session(&store, "123456789012").await;
        assert!(store.username_available(&Username::parse("alice").expect("u")).await.expect("db"));
        let outcome = store.activate_register(&s, &account("Alice"), &workspace(), 10).await.expect("db").expect("ok");
        assert!(outcome.first);
        let done = outcome.activated;
        assert_eq!(store.activated(&s).await.expect("db"), Some(done.clone()));
        assert_eq!(done.language_code, "en");
        assert_eq!(done.username, "Alice");
        assert_eq!(done.workspace_name, "Production");
        assert_eq!(done.site_code, "us1");
        assert_eq!(done.aws_account_id.as_str(), "123456789012");
        for table in ["guance_accounts", "billing_accounts", "workspaces", "workspace_settlements"] {
            assert_eq!(count(&store, table).await, 1, "{table}");
        }
        assert!(!store.username_available(&Username::parse("ALICE").expect("u")).await.expect("db"));
    }

    #[tokio::test]
    async fn a_repeated_activate_returns_the_first_outcome() {
        let (store, _dir) = setup::<Store>().await;
        let s = session(&store, "123456789012").await;
        let first = store.activate_register(&s, &account("alice"), &workspace(), 10).await.expect("db").expect("ok");
        let again = store.activate_register(&s, &account("alice"), &workspace(), 11).await.expect("db").expect("ok");
        assert!(first.first && !again.first, "only the first call created (and mails)");
        assert_eq!(first.activated, again.activated);
        assert_eq!(count(&store, "guance_accounts").await, 1);
    }

    #[tokio::test]
    async fn concurrent_activates_of_one_session_create_one_account() {
        let (store, _dir) = setup::<Store>().await;
        let s = session(&store, "123456789012").await;
        let store = Arc::new(store);
        let barrier = Arc::new(tokio::sync::Barrier::new(8));
        let tasks: Vec<_> = (0..8)
            .map(|_| {
                let (store, barrier, s) = (store.clone(), barrier.clone(), s.clone());
                tokio::spawn(async move {
                    barrier.wait().await;
                    store.activate_register(&s, &account("alice"), &workspace(), 10).await.expect("db")
                })
            })
            .collect();
        let mut outcomes = Vec::new();
        for task in tasks {
            outcomes.push(task.await.expect("join").expect("activated"));
        }
        assert_eq!(outcomes.iter().filter(|o| o.first).count(), 1, "exactly one click created");
        assert!(outcomes.windows(2).all(|w| w[0].activated == w[1].activated), "every click sees the same account");
        for table in ["guance_accounts", "billing_accounts", "workspaces", "workspace_settlements"] {
            assert_eq!(count(&store, table).await, 1, "{table}");
        }
    }

    #[tokio::test]
    async fn one_username_across_racing_sessions_has_exactly_one_winner() {
        let (store, _dir) = setup::<Store>().await;
        let mut sessions = Vec::new();
        for i in 0..6 {
            sessions.push(session(&store, &format!("1234567890{i:02}")).await);
        }
        let store = Arc::new(store);
        let barrier = Arc::new(tokio::sync::Barrier::new(sessions.len()));
        let tasks: Vec<_> = sessions
            .into_iter()
            .enumerate()
            .map(|(i, s)| {
                let (store, barrier) = (store.clone(), barrier.clone());
                // Same name, different case: unique case-insensitively.
                let name = if i % 2 == 0 { "Alice" } else { "alice" };
                tokio::spawn(async move {
                    barrier.wait().await;
                    store.activate_register(&s, &account(name), &workspace(), 10).await.expect("db")
                })
            })
            .collect();
        let mut winners = 0;
        for task in tasks {
            match task.await.expect("join") {
                Ok(_) => winners += 1,
                Err(refusal) => assert_eq!(refusal, ActivateRefusal::UsernameTaken),
            }
        }
        assert_eq!(winners, 1);
        assert_eq!(count(&store, "guance_accounts").await, 1);
        assert_eq!(count(&store, "workspaces").await, 1);
    }

    #[tokio::test]
    async fn an_activated_aws_account_keeps_its_billing_account() {
        let (store, _dir) = setup::<Store>().await;
        let first = session(&store, "123456789012").await;
        let done = store.activate_register(&first, &account("alice"), &workspace(), 10).await.expect("db").expect("ok");
        // A second browser session of the same AWS account registers again: refused, nothing created.
        let second = session(&store, "123456789012").await;
        let refused = store.activate_register(&second, &account("mallory"), &workspace(), 11).await.expect("db");
        assert_eq!(refused, Err(ActivateRefusal::AlreadyActivated));
        for table in ["guance_accounts", "billing_accounts", "workspaces", "workspace_settlements"] {
            assert_eq!(count(&store, table).await, 1, "{table}");
        }
        let billing: Vec<Option<i64>> = sqlx::query_scalar("SELECT billing_account_id FROM marketplace_customers")
            .fetch_all(store.pool())
            .await
            .expect("customer");
        assert_eq!(billing, [Some(done.activated.billing_account_id)]);
        // The first session's own repeat still answers what it created.
        let again = store.activate_register(&first, &account("alice"), &workspace(), 12).await.expect("db");
        assert_eq!(again.map(|o| o.activated), Ok(done.activated));
    }

    #[tokio::test]
    async fn a_failed_activate_leaves_nothing_behind() {
        let (store, _dir) = setup::<Store>().await;
        // A billing account already holds the name (e.g. created elsewhere): the Guance account insert
        // succeeds inside the transaction, the billing insert fails, and the whole transaction rolls back.
        let owner: i64 = sqlx::query_scalar(
            "INSERT INTO guance_accounts (username, username_key, email, password_hash, created_at)
             VALUES ('someone', 'someone', 'x@example.com', 'h', 0) RETURNING id",
        )
        .fetch_one(store.pool())
        .await
        .expect("owner");
        sqlx::query(
            "INSERT INTO billing_accounts (username, username_key, email, owner_account_id, created_at)
             VALUES ('Bob', 'bob', 'x@example.com', $1, 0)",
        )
        .bind(owner)
        .execute(store.pool())
        .await
        .expect("billing");
        let s = session(&store, "123456789012").await;
        let refused = store.activate_register(&s, &account("bob"), &workspace(), 10).await.expect("db");
        assert_eq!(refused, Err(ActivateRefusal::UsernameTaken));
        assert_eq!(count(&store, "guance_accounts").await, 1, "the new Guance account was rolled back");
        assert_eq!(count(&store, "workspaces").await, 0);
        assert_eq!(count(&store, "workspace_settlements").await, 0);
        let activated: Option<i64> = sqlx::query_scalar("SELECT activated_workspace_id FROM activation_sessions")
            .fetch_one(store.pool())
            .await
            .expect("session");
        assert_eq!(activated, None);
        let linked: Option<i64> = sqlx::query_scalar("SELECT billing_account_id FROM marketplace_customers")
            .fetch_one(store.pool())
            .await
            .expect("customer");
        assert_eq!(linked, None, "the AWS customer is not linked to anything");
    }

    #[tokio::test]
    async fn an_unknown_or_idle_session_cannot_activate() {
        let (store, _dir) = setup::<Store>().await;
        let stranger = SessionId::generate().key();
        assert_eq!(
            store.activate_register(&stranger, &account("alice"), &workspace(), 10).await.expect("db"),
            Err(ActivateRefusal::SessionGone)
        );
        let s = session(&store, "123456789012").await;
        assert_eq!(
            store.activate_register(&s, &account("alice"), &workspace(), app::ssr::session::IDLE_TIMEOUT_SECS + 1).await.expect("db"),
            Err(ActivateRefusal::SessionGone)
        );
        assert_eq!(count(&store, "guance_accounts").await, 0);
    }
}

}

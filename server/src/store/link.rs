//! The link branch, on either backend: a billing account proven by a code is linked to the AWS customer; its
//! workspaces are bound (one settlement per workspace: the primary key decides who wins a race) or created
//! (one write transaction (`BEGIN IMMEDIATE` on SQLite, the session's and its customer's locks on PostgreSQL): the owner if new, the workspace, its settlement).

crate::store::on_each_backend! {

use rows::{insert_account, insert_settlement, insert_workspace, is_unique_violation, AccountRow};
use crate::store::{unavailable, Entity};
use app::domain::{Email, Username};
use app::ssr::ports::{
    BindOutcome, BindRefusal, CreateRefusal, Created, LinkRefusal, NewWorkspace, StoreError, UnlinkRefusal, WorkspaceOwner,
    Workspaces,
};
use app::ssr::audit::{actor_buyer, AuditEntry};
use app::ssr::session::{session_ended, SessionKey};
use app::domain::workspace::{WorkspaceRow, WorkspaceState};
use async_trait::async_trait;
use sqlx::Row;

/// The session's customer and the billing account linked to it, for an active session.
/// [`session_customer`] once its customer's lock is held (taken after the session's), read again under it.
async fn locked_session_customer(
    tx: &mut Tx<'_>,
    session: &SessionKey,
    now: i64,
) -> Result<Option<(i64, Option<i64>)>, StoreError> {
    let Some((customer, _)) = session_customer(tx, session, now).await? else { return Ok(None) };
    Store::lock_also(tx, &[Entity::Customer(customer)]).await?;
    session_customer(tx, session, now).await
}

async fn session_customer(
    tx: &mut Tx<'_>,
    session: &SessionKey,
    now: i64,
) -> Result<Option<(i64, Option<i64>)>, StoreError> {
    let row = sqlx::query(
        "SELECT c.id AS customer_id, c.billing_account_id, s.created_at, s.last_seen_at
           FROM activation_sessions s JOIN marketplace_customers c ON c.id = s.customer_id
          WHERE s.id_hash = $1",
    )
    .bind(session.as_bytes())
    .fetch_optional(&mut **tx)
    .await
    .map_err(unavailable)?;
    let Some(row) = row else { return Ok(None) };
    let last_seen: i64 = row.try_get("last_seen_at").map_err(unavailable)?;
    let created: i64 = row.try_get("created_at").map_err(unavailable)?;
    if session_ended(created, last_seen, now) {
        return Ok(None);
    }
    Ok(Some((
        row.try_get("customer_id").map_err(unavailable)?,
        row.try_get("billing_account_id").map_err(unavailable)?,
    )))
}

#[async_trait]
impl Workspaces for Store {
    async fn billing_account_email(&self, username: &Username) -> Result<Option<Email>, StoreError> {
        let email: Option<String> = sqlx::query_scalar("SELECT email FROM billing_accounts WHERE username_key = $1")
            .bind(username.key())
            .fetch_optional(self.pool())
            .await
            .map_err(unavailable)?;
        email
            .map(|e| Email::parse(&e).map_err(|_| StoreError::Corrupt(format!("billing_accounts.email = {e:?}"))))
            .transpose()
    }

    async fn guance_account_exists(&self, email: &Email) -> Result<bool, StoreError> {
        sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM guance_accounts WHERE email_key = $1)")
            .bind(email.key())
            .fetch_one(self.pool())
            .await
            .map_err(unavailable)
    }

    async fn link_billing_account(
        &self,
        session: &SessionKey,
        username: &Username,
        now: i64,
    ) -> Result<Result<String, LinkRefusal>, StoreError> {
        let mut tx = self.begin_write_on(&[Entity::Session(session)]).await?;
        let Some((customer, linked)) = locked_session_customer(&mut tx, session, now).await? else {
            return Ok(Err(LinkRefusal::SessionGone));
        };
        let billing = sqlx::query("SELECT id, username FROM billing_accounts WHERE username_key = $1")
            .bind(username.key())
            .fetch_optional(&mut *tx)
            .await
            .map_err(unavailable)?;
        let Some(billing) = billing else {
            return Ok(Err(LinkRefusal::NoSuchAccount));
        };
        let id: i64 = billing.try_get("id").map_err(unavailable)?;
        // An AWS customer keeps the billing account it has; linking the same one again is a repeat.
        if linked.is_some_and(|linked| linked != id) {
            return Ok(Err(LinkRefusal::AlreadyLinked));
        }
        sqlx::query("UPDATE marketplace_customers SET billing_account_id = $1, updated_at = $2 WHERE id = $3")
            .bind(id)
            .bind(now)
            .bind(customer)
            .execute(&mut *tx)
            .await
            .map_err(unavailable)?;
        let username: String = billing.try_get("username").map_err(unavailable)?;
        if linked.is_none() {
            let detail = format!("billing account {username} linked, proven by a code to its email");
            let entry = AuditEntry::about_customer(now, actor_buyer(session), "billing.linked", customer, detail)
                .on(Some(id), None);
            audit::append(&mut tx, &entry).await?;
        }
        tx.commit().await.map_err(unavailable)?;
        Ok(Ok(username))
    }

    async fn unlink_billing_account(&self, session: &SessionKey, now: i64) -> Result<Result<(), UnlinkRefusal>, StoreError> {
        let mut tx = self.begin_write_on(&[Entity::Session(session)]).await?;
        let Some((customer, linked)) = locked_session_customer(&mut tx, session, now).await? else {
            return Ok(Err(UnlinkRefusal::SessionGone));
        };
        if linked.is_none() {
            return Ok(Ok(()));
        }
        let settled: bool =
            sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM workspace_settlements WHERE customer_id = $1)")
                .bind(customer)
                .fetch_one(&mut *tx)
                .await
                .map_err(unavailable)?;
        if settled {
            return Ok(Err(UnlinkRefusal::WorkspaceLinked));
        }
        sqlx::query("UPDATE marketplace_customers SET billing_account_id = NULL, updated_at = $1 WHERE id = $2")
            .bind(now)
            .bind(customer)
            .execute(&mut *tx)
            .await
            .map_err(unavailable)?;
        let detail = "the buyer started again before any workspace was linked".to_owned();
        let entry = AuditEntry::about_customer(now, actor_buyer(session), "billing.unlinked", customer, detail)
            .on(linked, None);
        audit::append(&mut tx, &entry).await?;
        tx.commit().await.map_err(unavailable)?;
        Ok(Ok(()))
    }

    async fn linked_workspaces(&self, session: &SessionKey, now: i64) -> Result<Option<Vec<WorkspaceRow>>, StoreError> {
        let mut tx = self.pool().begin().await.map_err(unavailable)?;
        let Some((customer, Some(billing))) = session_customer(&mut tx, session, now).await? else {
            return Ok(None);
        };
        let rows = sqlx::query(
            "SELECT w.id, w.name, w.site, w.language, s.customer_id AS settled_by
               FROM workspaces w LEFT JOIN workspace_settlements s ON s.workspace_id = w.id
              WHERE w.billing_account_id = $1
              ORDER BY w.created_at, w.id",
        )
        .bind(billing)
        .fetch_all(&mut *tx)
        .await
        .map_err(unavailable)?;
        tx.commit().await.map_err(unavailable)?;
        rows.into_iter()
            .map(|row| {
                let settled_by: Option<i64> = row.try_get("settled_by").map_err(unavailable)?;
                Ok(WorkspaceRow {
                    id: row.try_get("id").map_err(unavailable)?,
                    name: row.try_get("name").map_err(unavailable)?,
                    site_code: row.try_get("site").map_err(unavailable)?,
                    language_code: row.try_get("language").map_err(unavailable)?,
                    state: match settled_by {
                        Some(c) if c == customer => WorkspaceState::Linked,
                        Some(_) => WorkspaceState::SettledByOther,
                        None => WorkspaceState::Unlinked,
                    },
                })
            })
            .collect::<Result<Vec<_>, StoreError>>()
            .map(Some)
    }

    async fn bind_workspace(
        &self,
        session: &SessionKey,
        workspace_id: i64,
        now: i64,
    ) -> Result<Result<BindOutcome, BindRefusal>, StoreError> {
        // This session's and this workspace's turn: its one settlement is the unique index's (ON CONFLICT below),
        // and a customer's billing account never changes once set. Not during a metering freeze (it reads
        // settlements).
        let mut tx = self
            .begin_write_on(&[Entity::Session(session), Entity::Workspace(workspace_id), Entity::Usage { freezing: false }])
            .await?;
        let Some((customer, Some(billing))) = session_customer(&mut tx, session, now).await? else {
            return Ok(Err(BindRefusal::NotLinked));
        };
        let ours: bool =
            sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM workspaces WHERE id = $1 AND billing_account_id = $2)")
                .bind(workspace_id)
                .bind(billing)
                .fetch_one(&mut *tx)
                .await
                .map_err(unavailable)?;
        if !ours {
            return Ok(Err(BindRefusal::NotFound));
        }
        let inserted = sqlx::query(
            "INSERT INTO workspace_settlements (workspace_id, customer_id, linked_at) VALUES ($1, $2, $3)
             ON CONFLICT (workspace_id) DO NOTHING",
        )
        .bind(workspace_id)
        .bind(customer)
        .bind(now)
        .execute(&mut *tx)
        .await
        .map_err(unavailable)?
        .rows_affected();
        let outcome = if inserted == 1 {
            let entry = AuditEntry::about_customer(
                    now,
                    actor_buyer(session),
                    "workspace.bound",
                    customer,
                    "an existing workspace is billed to this AWS account".to_owned(),
                )
            .on(Some(billing), Some(workspace_id));
            audit::append(&mut tx, &entry).await?;
            webhooks::publish(&mut tx, "workspace.linked", &entry).await?;
            Ok(BindOutcome::Bound)
        } else {
            let holder: i64 =
                sqlx::query_scalar("SELECT customer_id FROM workspace_settlements WHERE workspace_id = $1")
                    .bind(workspace_id)
                    .fetch_one(&mut *tx)
                    .await
                    .map_err(unavailable)?;
            if holder == customer {
                Ok(BindOutcome::AlreadyLinked)
            } else {
                Err(BindRefusal::SettledByOther)
            }
        };
        tx.commit().await.map_err(unavailable)?;
        Ok(outcome)
    }

    async fn create_billing_center_workspace(
        &self,
        billing_username: &Username,
        workspace: &NewWorkspace,
        now: i64,
    ) -> Result<Option<Option<i64>>, StoreError> {
        // One name per site is the unique index's.
        let mut tx = self.begin_write_on(&[]).await?;
        let billing = sqlx::query("SELECT id, owner_account_id FROM billing_accounts WHERE username_key = $1")
            .bind(billing_username.key())
            .fetch_optional(&mut *tx)
            .await
            .map_err(unavailable)?;
        let Some(billing) = billing else { return Ok(None) };
        let billing_id: i64 = billing.try_get("id").map_err(unavailable)?;
        let owner: i64 = billing.try_get("owner_account_id").map_err(unavailable)?;
        let inserted = insert_workspace(&mut tx, billing_id, owner, workspace, now).await;
        let id = match inserted {
            Ok(id) => id,
            Err(e) if is_unique_violation(&e) => return Ok(Some(None)),
            Err(e) => return Err(unavailable(e)),
        };
        tx.commit().await.map_err(unavailable)?;
        Ok(Some(Some(id)))
    }

    async fn create_workspace(
        &self,
        session: &SessionKey,
        owner: &WorkspaceOwner,
        workspace: &NewWorkspace,
        now: i64,
    ) -> Result<Result<Created, CreateRefusal>, StoreError> {
        // The session's and its customer's turn: a repeat from another tab finds what the first one created.
        let mut tx = self.begin_write_on(&[Entity::Session(session)]).await?;
        let Some((customer, Some(billing))) = locked_session_customer(&mut tx, session, now).await? else {
            return Ok(Err(CreateRefusal::NotLinked));
        };
        // A repeat (double click, retry, second tab) finds the workspace it created, linked here.
        let existing = sqlx::query(
            "SELECT w.id, w.name, s.customer_id AS settled_by
               FROM workspaces w LEFT JOIN workspace_settlements s ON s.workspace_id = w.id
              WHERE w.billing_account_id = $1 AND w.site = $2 AND w.name_key = $3",
        )
        .bind(billing)
        .bind(workspace.site.code())
        .bind(workspace.name.key())
        .fetch_optional(&mut *tx)
        .await
        .map_err(unavailable)?;
        if let Some(row) = existing {
            let settled_by: Option<i64> = row.try_get("settled_by").map_err(unavailable)?;
            if settled_by != Some(customer) {
                return Ok(Err(CreateRefusal::NameTaken));
            }
            return Ok(Ok(Created {
                workspace_id: row.try_get("id").map_err(unavailable)?,
                name: row.try_get("name").map_err(unavailable)?,
                first: false,
            }));
        }
        let owner_id: i64 = match owner {
            WorkspaceOwner::Existing(email, username) => {
                // Never a guess among accounts that share the email: the username says which.
                let ids: Vec<i64> = sqlx::query_scalar(
                    "SELECT id FROM guance_accounts WHERE email_key = $1 AND ($2 IS NULL OR username_key = $2)
                      ORDER BY id LIMIT 2",
                )
                .bind(email.key())
                .bind(username.as_ref().map(Username::key))
                .fetch_all(&mut *tx)
                .await
                .map_err(unavailable)?;
                match ids.as_slice() {
                    [id] => *id,
                    [] => return Ok(Err(CreateRefusal::NoSuchAccount)),
                    _ => return Ok(Err(CreateRefusal::SeveralAccounts)),
                }
            }
            WorkspaceOwner::New(user) => {
                let row = AccountRow {
                    username: &user.username,
                    email: &user.email,
                    phone: user.phone.as_ref(),
                    password_hash: &user.password_hash,
                    company_name: None,
                    industry: None,
                    company_size: None,
                };
                let inserted = insert_account(&mut tx, &row, now).await;
                match inserted {
                    Ok(id) => id,
                    Err(e) if is_unique_violation(&e) => return Ok(Err(CreateRefusal::UsernameTaken)),
                    Err(e) => return Err(unavailable(e)),
                }
            }
        };
        // Another AWS customer of the same billing account may have taken the name meanwhile.
        let workspace_id = match insert_workspace(&mut tx, billing, owner_id, workspace, now).await {
            Ok(id) => id,
            Err(e) if is_unique_violation(&e) => return Ok(Err(CreateRefusal::NameTaken)),
            Err(e) => return Err(unavailable(e)),
        };
        insert_settlement(&mut tx, workspace_id, customer, now).await?;
        let owner_words = match owner {
            WorkspaceOwner::Existing(..) => "an existing Guance account",
            WorkspaceOwner::New(_) => "a new Guance account",
        };
        let entry = AuditEntry::about_customer(
                now,
                actor_buyer(session),
                "workspace.created",
                customer,
                format!("workspace {} on {}, owned by {owner_words}", workspace.name.as_str(), workspace.site.code()),
            )
        .on(Some(billing), Some(workspace_id));
        audit::append(&mut tx, &entry).await?;
        webhooks::publish(&mut tx, "workspace.linked", &entry).await?;
        tx.commit().await.map_err(unavailable)?;
        Ok(Ok(Created { workspace_id, name: workspace.name.as_str().to_owned(), first: true }))
    }
}

// The tests, compiled on each backend, live in a file of their own.
#[cfg(test)]
mod tests {
    include!("tests/link.rs");
}

}

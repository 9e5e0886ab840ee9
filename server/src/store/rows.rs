//! The inserts that several transactions share (register's Activate, the link branch's Create workspace, the
//! billing center's workspaces). Each runs inside the caller's transaction; a unique violation comes back as
//! the `sqlx::Error` so the caller can say which name was taken.

crate::store::on_each_backend! {

use crate::store::unavailable;
use app::domain::{Email, Phone, Username};
use app::ssr::ports::{NewWorkspace, StoreError};


/// A workspace's DataKit token: `tkn_` and 32 hex digits from the OS CSPRNG.
pub(crate) fn workspace_token() -> String {
    use rand::RngCore;
    let mut bytes = [0u8; 16];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    format!("tkn_{}", bytes.iter().map(|b| format!("{b:02x}")).collect::<String>())
}

pub(crate) fn is_unique_violation(err: &sqlx::Error) -> bool {
    err.as_database_error().is_some_and(|e| e.is_unique_violation())
}

/// A Guance account's row.
pub(crate) struct AccountRow<'a> {
    pub username: &'a Username,
    pub email: &'a Email,
    pub phone: Option<&'a Phone>,
    pub password_hash: &'a str,
    pub company_name: Option<&'a str>,
    pub industry: Option<&'a str>,
    pub company_size: Option<&'a str>,
}

pub(crate) async fn insert_account(tx: &mut Tx<'_>, row: &AccountRow<'_>, now: i64) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar(
        "INSERT INTO guance_accounts (username, username_key, email, email_key, phone, password_hash,
                                      company_name, industry, company_size, created_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING id",
    )
    .bind(row.username.as_str())
    .bind(row.username.key())
    .bind(row.email.as_str())
    .bind(row.email.key())
    .bind(row.phone.map(|p| p.as_str()))
    .bind(row.password_hash)
    .bind(row.company_name)
    .bind(row.industry)
    .bind(row.company_size)
    .bind(now)
    .fetch_one(&mut **tx)
    .await
}

pub(crate) async fn insert_workspace(
    tx: &mut Tx<'_>,
    billing_account: i64,
    owner: i64,
    workspace: &NewWorkspace,
    now: i64,
) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar(
        "INSERT INTO workspaces (billing_account_id, owner_account_id, name, name_key, site, language, created_at, token)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id",
    )
    .bind(billing_account)
    .bind(owner)
    .bind(workspace.name.as_str())
    .bind(workspace.name.key())
    .bind(workspace.site.code())
    .bind(workspace.language.code())
    .bind(now)
    .bind(workspace_token())
    .fetch_one(&mut **tx)
    .await
}

/// Bills `workspace` to the AWS customer (a new workspace: nobody else can hold its settlement yet).
pub(crate) async fn insert_settlement(
    tx: &mut Tx<'_>,
    workspace: i64,
    customer: i64,
    now: i64,
) -> Result<(), StoreError> {
    sqlx::query("INSERT INTO workspace_settlements (workspace_id, customer_id, linked_at) VALUES ($1, $2, $3)")
        .bind(workspace)
        .bind(customer)
        .bind(now)
        .execute(&mut **tx)
        .await
        .map_err(unavailable)?;
    Ok(())
}

}

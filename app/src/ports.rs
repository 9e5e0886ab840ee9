//! Ports: what the pages and server functions need from the outside world. The `server` crate implements
//! them (SQLite today, PostgreSQL later) and provides them through Leptos context.

use crate::domain::codes::{CodePurpose, CodeRejection, SendRefusal};
use crate::domain::{AwsAccountId, Branch, ProductCode};
use crate::session::SessionKey;
use async_trait::async_trait;
use std::sync::Arc;

/// What AWS told us about the buyer (ResolveCustomer), after our checks.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResolvedCustomer {
    pub aws_account_id: AwsAccountId,
    pub product_code: ProductCode,
    /// Deprecated by AWS for new listings; kept when AWS returns it.
    pub customer_identifier: Option<String>,
    pub license_arn: Option<String>,
}

/// A marketplace customer as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CustomerRecord {
    pub id: i64,
    pub aws_account_id: AwsAccountId,
    pub product_code: ProductCode,
}

/// The state of an activation session, as the wizard needs it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SessionLookup {
    /// No such session (never existed, or already removed).
    Unknown,
    /// The session existed but was idle for longer than the timeout; it is now removed.
    Ended,
    Active(crate::api::ActivationSummary),
}

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("the database is unavailable: {0}")]
    Unavailable(String),
    #[error("stored data is inconsistent: {0}")]
    Corrupt(String),
}

/// Storage of marketplace customers and activation sessions. Every method is one transaction.
#[async_trait]
pub trait ActivationStore: Send + Sync + 'static {
    /// Records (or refreshes) the customer and opens a new activation session for it, atomically.
    /// The same AWS account and product twice is one customer.
    async fn record_fulfillment(
        &self,
        customer: &ResolvedCustomer,
        session: &SessionKey,
        now: i64,
    ) -> Result<CustomerRecord, StoreError>;

    /// Looks a session up; an active one is kept alive (its idle timer restarts), an expired one is removed.
    async fn activation(&self, session: &SessionKey, now: i64) -> Result<SessionLookup, StoreError>;

    /// Records the buyer's branch choice on an active session.
    async fn choose_branch(&self, session: &SessionKey, branch: Branch, now: i64) -> Result<SessionLookup, StoreError>;

    /// The wizard's draft of the session (JSON, `{}` when nothing was saved); `None` for no session.
    async fn draft(&self, session: &SessionKey) -> Result<Option<String>, StoreError>;

    /// Replaces the wizard's draft; false when the session does not exist.
    async fn save_draft(&self, session: &SessionKey, draft: &str) -> Result<bool, StoreError>;

    /// Answers when the database does.
    async fn ping(&self) -> Result<(), StoreError>;
}

/// What the server puts in Leptos context for server functions.
#[derive(Clone)]
pub struct Ports {
    pub store: Arc<dyn Store>,
    pub codes: Arc<dyn Codes>,
    /// Notices that are not codes (e.g. "activated").
    pub mailer: Arc<dyn Mailer>,
    /// Where buyers reach the portal (`PORTAL_PUBLIC_URL`), for links in emails; no trailing slash.
    pub public_url: String,
    /// The product code of this listing (for the dev simulator's form defaults).
    pub product_code: ProductCode,
    /// Whether the dev tools (simulator, mailbox, `/dev`) are mounted.
    pub dev_mode: bool,
}

/// Seconds since the Unix epoch.
pub fn now() -> i64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_secs() as i64).unwrap_or(0)
}

/// An email to send: plain text, one recipient.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutgoingMail {
    pub to: String,
    pub subject: String,
    pub text: String,
}

#[derive(Debug, thiserror::Error)]
pub enum MailError {
    /// The message itself is unacceptable (e.g. the address); retrying will not help.
    #[error("the message was refused: {0}")]
    Rejected(String),
    /// The mail service failed; a later retry may work.
    #[error("the mail service is unavailable: {0}")]
    Unavailable(String),
}

/// Sends email (SMTP, or the embedded dev mailbox).
#[async_trait]
pub trait Mailer: Send + Sync + 'static {
    async fn send(&self, mail: OutgoingMail) -> Result<(), MailError>;
}

/// Storage of emailed verification codes; each method is one transaction that enforces the rules of
/// [`crate::domain::codes`]. Only a MAC of each code is stored.
#[async_trait]
pub trait VerificationCodes: Send + Sync + 'static {
    /// Records a code just generated for `address` (voiding older ones for the same session, purpose and
    /// address), unless the resend delay or the hourly limit refuses it.
    async fn record_code(
        &self,
        session: &SessionKey,
        purpose: CodePurpose,
        address: &str,
        code_mac: &[u8],
        now: i64,
    ) -> Result<Result<(), SendRefusal>, StoreError>;

    /// Checks a code typed by the buyer; a correct one is used up, a wrong one counts as a try.
    async fn check_code(
        &self,
        session: &SessionKey,
        purpose: CodePurpose,
        address: &str,
        code_mac: &[u8],
        now: i64,
    ) -> Result<Result<(), CodeRejection>, StoreError>;
}

/// Emailed verification codes as the wizard uses them: generate, remember (as a MAC), mail, check.
#[async_trait]
pub trait Codes: Send + Sync + 'static {
    /// Sends a fresh code to `email` unless a limit refuses; the message after Send code is the same
    /// whatever the address, so the caller decides what to say.
    async fn send_code(
        &self,
        session: &SessionKey,
        purpose: CodePurpose,
        email: &crate::domain::Email,
        now: i64,
    ) -> Result<Result<(), SendRefusal>, CodeError>;

    async fn check_code(
        &self,
        session: &SessionKey,
        purpose: CodePurpose,
        email: &crate::domain::Email,
        code: &crate::domain::VerificationCode,
        now: i64,
    ) -> Result<Result<(), CodeRejection>, CodeError>;
}

#[derive(Debug, thiserror::Error)]
pub enum CodeError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Mail(#[from] MailError),
}

/// Everything the database provides; one adapter (SQLite, later PostgreSQL) implements it all.
pub trait Store: ActivationStore + VerificationCodes + Accounts {}
impl<T: ActivationStore + VerificationCodes + Accounts> Store for T {}

/// A new Guance account (and its billing account, of the same username), as the register branch collects it.
#[derive(Debug, Clone)]
pub struct NewAccount {
    pub username: crate::domain::Username,
    pub email: crate::domain::Email,
    pub phone: Option<crate::domain::Phone>,
    /// argon2id PHC string; the password itself never reaches the store.
    pub password_hash: String,
    pub company_name: crate::domain::CompanyName,
    pub industry: Option<String>,
    pub company_size: Option<String>,
}

/// A workspace to create.
#[derive(Debug, Clone)]
pub struct NewWorkspace {
    pub name: crate::domain::WorkspaceName,
    pub site: crate::domain::Site,
    pub language: crate::domain::WorkspaceLanguage,
}

/// What Activate created (or, on a repeat, had created).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Activated {
    pub account_id: i64,
    pub billing_account_id: i64,
    pub workspace_id: i64,
    pub username: String,
    pub workspace_name: String,
    pub site_code: String,
    pub language_code: String,
    pub aws_account_id: AwsAccountId,
}

/// Activate's answer: what exists, and whether this call created it (a repeat did not, and sends no mail).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ActivateOutcome {
    pub activated: Activated,
    pub first: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ActivateRefusal {
    /// Someone registered this username (case-insensitively) first.
    UsernameTaken,
    /// The activation session is unknown or has ended.
    SessionGone,
}

/// Accounts, billing accounts, workspaces and their settlements.
#[async_trait]
pub trait Accounts: Send + Sync + 'static {
    /// Whether a username is free (for early feedback; Activate is what decides, through the database).
    async fn username_available(&self, username: &crate::domain::Username) -> Result<bool, StoreError>;

    /// The register branch's Activate, in one transaction: the Guance account, the billing account of the
    /// same username, the workspace, and its settlement by the session's AWS customer. Idempotent per
    /// session: a repeat (double click, retry, second tab) returns what the first created.
    async fn activate_register(
        &self,
        session: &SessionKey,
        account: &NewAccount,
        workspace: &NewWorkspace,
        now: i64,
    ) -> Result<Result<ActivateOutcome, ActivateRefusal>, StoreError>;

    /// What the session's Activate created, once it has.
    async fn activated(&self, session: &SessionKey) -> Result<Option<Activated>, StoreError>;
}

//! Ports: what the pages and server functions need from the outside world. The `server` crate implements
//! them (SQLite today, PostgreSQL later) and provides them through Leptos context.

use crate::domain::codes::{CodePurpose, CodeRejection, SendRefusal};
use crate::domain::{AwsAccountId, Branch, ProductCode};
use crate::ssr::session::SessionKey;
use async_trait::async_trait;
use std::sync::Arc;

/// The address a request comes from: the TCP peer's, or behind trusted proxies the one they saw (the server
/// puts it on every request).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ClientAddr(pub std::net::IpAddr);

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
    Active(crate::domain::ActivationSummary),
}

pub use super::store_error::StoreError;

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

    /// Keeps `draft` (what may be resumed: `Draft::resumable`) for the session's AWS customer, with the
    /// session's branch, as of `now`; `None` forgets the customer's kept draft. A new session of the customer
    /// within [`crate::ssr::session::RESUME_WITHIN_SECS`] starts from it (`record_fulfillment`).
    async fn keep_draft(&self, session: &SessionKey, draft: Option<&str>, now: i64) -> Result<(), StoreError>;

    /// "Start over": the session's draft and branch are cleared and its customer's kept draft forgotten.
    async fn start_over(&self, session: &SessionKey) -> Result<(), StoreError>;

    /// Forgets kept drafts saved before `before` (the scheduled job); how many.
    async fn forget_old_drafts(&self, before: i64) -> Result<u64, StoreError>;

    /// Answers when the database does.
    /// Ends the session (the buyer finished): it and its codes are gone; the customer stays.
    async fn end_session(&self, session: &SessionKey) -> Result<(), StoreError>;

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
    /// Addresses the vendor configures (the introductory video, DataKit's install guide).
    pub links: crate::domain::links::SiteLinks,
    /// Wakes this instance's metering job now (the console's **Retry now**), instead of at its next tick.
    pub metering_wake: Arc<tokio::sync::Notify>,
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
    /// When the mail is worth nothing any more (a code mail: its code's expiry); `None` for a notice, which the
    /// outbox keeps trying for days.
    pub valid_until: Option<i64>,
}

#[derive(Debug, thiserror::Error)]
pub enum MailError {
    /// The message itself is unacceptable (e.g. the address); retrying will not help.
    #[error("the message was refused: {0}")]
    Rejected(String),
    /// The mail service is down or refuses us (no connection, a timeout, TLS, 421, authentication); a later
    /// retry may work, and meanwhile no new code is made.
    #[error("the mail service is unavailable: {0}")]
    Unavailable(String),
    /// The mail service is up but put this one message off (a 4xx for it, e.g. the mailbox is full): it is
    /// retried; other mail is not held back.
    #[error("the mail service deferred the message: {0}")]
    Deferred(String),
}

/// Sends email (SMTP, or the embedded dev mailbox).
#[async_trait]
pub trait Mailer: Send + Sync + 'static {
    async fn send(&self, mail: OutgoingMail) -> Result<(), MailError>;

    /// Does what [`Mailer::send`] does for a mail that has nobody to go to, delivering nothing: a code for an
    /// unknown billing account costs the same time as one for a known account.
    async fn send_nowhere(&self) -> Result<(), MailError> {
        Ok(())
    }

    /// Whether mail already waiting could not be delivered (the mail service is down): a new code is then not
    /// made, and the buyer is told.
    async fn failing(&self) -> Result<bool, MailError> {
        Ok(false)
    }
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

    /// Makes every live code for `address` expire at `now` (the dev mailbox's way of letting ten minutes
    /// pass); returns how many there were.
    async fn expire_codes(&self, address: &str, now: i64) -> Result<u64, StoreError>;

    /// Checks a code typed by the buyer; a correct one is used up, a wrong one counts as a try.
    async fn check_code(
        &self,
        session: &SessionKey,
        purpose: CodePurpose,
        address: &str,
        code_mac: &[u8],
        now: i64,
    ) -> Result<Result<(), CodeRejection>, StoreError>;

    /// The address of the newest live (not voided) code of `session` for `purpose`: where a reset link's
    /// secret is checked, since the link names only its flow.
    async fn live_code_address(&self, session: &SessionKey, purpose: CodePurpose)
        -> Result<Option<String>, StoreError>;

    /// Where the owner of a code's address is mailed: the address itself when it is an email, the email on
    /// file of a `billing-account:…` or an `account:…`; `None` when nobody is known.
    async fn code_address_owner(&self, address: &str) -> Result<Option<String>, StoreError>;
}

/// What a code is about: the address its rules (resend delay, hourly limit) count against, and the
/// mailbox it goes to. The message after Send code never tells whether a mailbox was found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CodeSubject {
    pub address: String,
    /// `None` when there is nobody to send to (an unknown billing account): the code is recorded all the
    /// same, so the limits and the answer are identical, and nothing is mailed.
    pub deliver_to: Option<crate::domain::Email>,
}

impl CodeSubject {
    /// A code to prove an email address.
    pub fn email(email: &crate::domain::Email) -> Self {
        Self { address: email.key(), deliver_to: Some(email.clone()) }
    }

    /// A code to prove ownership of a billing account, mailed to the address on file for it (if any).
    pub fn billing_account(username: &crate::domain::Username, on_file: Option<crate::domain::Email>) -> Self {
        Self { address: format!("billing-account:{}", username.key()), deliver_to: on_file }
    }

    /// A code to prove an existing Guance account by its email, mailed only when such an account exists.
    pub fn guance_account(email: &crate::domain::Email, exists: bool) -> Self {
        Self { address: email.key(), deliver_to: exists.then(|| email.clone()) }
    }
}

/// Emailed verification codes as the wizard uses them: generate, remember (as a MAC), mail, check.
#[async_trait]
pub trait Codes: Send + Sync + 'static {
    /// Records a fresh code for `subject` and mails it (when there is a mailbox, in `locale`) unless a limit
    /// refuses.
    async fn send_code(
        &self,
        session: &SessionKey,
        purpose: CodePurpose,
        subject: &CodeSubject,
        locale: crate::i18n::Locale,
        now: i64,
    ) -> Result<Result<(), SendRefusal>, CodeError>;

    /// Records a long random secret for `subject` under the same rules and limits as a code, and mails the
    /// link `link_prefix` + secret (when there is a mailbox, in `locale`): a password reset.
    async fn send_link(
        &self,
        session: &SessionKey,
        purpose: CodePurpose,
        subject: &CodeSubject,
        link_prefix: &str,
        locale: crate::i18n::Locale,
        now: i64,
    ) -> Result<Result<(), SendRefusal>, CodeError>;

    /// Checks a link's secret as [`Codes::check_code`] checks a code.
    async fn check_secret(
        &self,
        session: &SessionKey,
        purpose: CodePurpose,
        address: &str,
        secret: &str,
        locale: crate::i18n::Locale,
        now: i64,
    ) -> Result<Result<(), CodeRejection>, CodeError>;

    /// Checks a typed code against the last one recorded for `address` (see [`CodeSubject`]). When wrong codes
    /// reach the daily limit, the address's owner is told (in `locale`).
    async fn check_code(
        &self,
        session: &SessionKey,
        purpose: CodePurpose,
        address: &str,
        code: &crate::domain::VerificationCode,
        locale: crate::i18n::Locale,
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
pub trait Store:
    ActivationStore
    + VerificationCodes
    + Accounts
    + Workspaces
    + Logins
    + Billing
    + super::audit::AuditTrail
    + super::console::Console
{
}
impl<
        T: ActivationStore
            + VerificationCodes
            + Accounts
            + Workspaces
            + Logins
            + Billing
            + super::audit::AuditTrail
            + super::console::Console,
    > Store for T
{
}

/// Logging in, password resets and two-step verification.
#[async_trait]
pub trait Logins: Send + Sync + 'static {
    /// The Guance account's id, password hash and session epoch, by username (case-insensitive).
    async fn login_account(&self, username: &str) -> Result<Option<LoginAccount>, StoreError>;
    /// The account a forgotten password is about: by username (case-insensitive), else by email when exactly
    /// one account has it.
    async fn reset_account(&self, identifier: &str) -> Result<Option<ResetAccount>, StoreError>;
    /// The account's two-step verification, when it is on.
    async fn two_step(&self, account_id: i64) -> Result<Option<TwoStep>, StoreError>;
    /// Turns two-step verification on with `secret` (base32); `step`, the enrolment code's, counts as used.
    async fn enable_two_step(&self, account_id: i64, secret: &str, step: i64) -> Result<(), StoreError>;
    async fn disable_two_step(&self, account_id: i64) -> Result<(), StoreError>;
    /// Accepts time step `step` of the account's codes once: `false` when it, or a later one, was accepted
    /// already (a code is never good twice, across instances too).
    async fn use_two_step(&self, account_id: i64, step: i64) -> Result<bool, StoreError>;
    /// An account by its id (the one a reset link proves; the one two-step verification names).
    async fn account_by_id(&self, id: i64) -> Result<Option<ResetAccount>, StoreError>;
    /// The account's session epoch: a login session made in another epoch has ended.
    async fn session_epoch(&self, account_id: i64) -> Result<Option<i64>, StoreError>;
    /// Sets a new password hash and moves the session epoch on (ending every login session of the account),
    /// and forgets the account's failed logins; one transaction.
    async fn set_password(&self, account_id: i64, password_hash: &str) -> Result<(), StoreError>;
    /// Failed logins recorded under `key` since `since`.
    async fn login_failures(&self, key: &str, since: i64) -> Result<i64, StoreError>;
    async fn record_login_failure(&self, keys: &[String], now: i64) -> Result<(), StoreError>;
    async fn clear_login_failures(&self, key: &str) -> Result<(), StoreError>;
}

/// The billing center: its workspaces, their start pages, and settlement changes.
#[async_trait]
pub trait Billing: Send + Sync + 'static {
    /// The billing center of the billing account `account_id` owns, if it owns one.
    async fn billing_center(
        &self,
        account_id: i64,
        now: i64,
    ) -> Result<Option<crate::domain::billing::BillingCenter>, StoreError>;
    /// "Your workspaces": every workspace `account_id` owns or whose billing account it owns, oldest first.
    async fn your_workspaces(&self, account_id: i64) -> Result<crate::domain::billing::YourWorkspaces, StoreError>;
    /// The workspace's start page, if `account_id` may open it (its owner, or the owner of its billing
    /// account); `None` alike for a workspace that does not exist.
    async fn workspace_start(
        &self,
        account_id: i64,
        workspace_id: i64,
        now: i64,
    ) -> Result<Option<crate::domain::billing::WorkspaceStart>, StoreError>;
    /// Switches a workspace of `account_id`'s billing account to `to`, at most once per calendar month, in
    /// one transaction.
    async fn change_settlement(
        &self,
        account_id: i64,
        workspace_id: i64,
        to: crate::domain::billing::SettlementMethod,
        now: i64,
    ) -> Result<Result<(), crate::domain::billing::SettlementRefusal>, StoreError>;
}

/// What logging in needs of a Guance account.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LoginAccount {
    pub id: i64,
    pub password_hash: String,
    pub session_epoch: i64,
}

/// A Guance account found by a forgotten-password request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResetAccount {
    pub id: i64,
    pub username: String,
    pub email: String,
}

/// An account's two-step verification: its TOTP secret (base32, RFC 4648) and the last 30-second step
/// accepted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TwoStep {
    pub secret: String,
    pub last_step: i64,
}

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
    /// The session's AWS customer already has a billing account (set by another session): it keeps it.
    AlreadyActivated,
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

/// Why a billing account was not linked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LinkRefusal {
    NoSuchAccount,
    SessionGone,
    /// The session's AWS customer is linked to another billing account already: it keeps it.
    AlreadyLinked,
}

/// Why a link was not undone.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UnlinkRefusal {
    SessionGone,
    /// A workspace is billed to the AWS customer already: the billing account stays (an operator's change).
    WorkspaceLinked,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BindOutcome {
    /// The workspace is now billed to this AWS account.
    Bound,
    /// It already was (a double click, a retry, a second tab).
    AlreadyLinked,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BindRefusal {
    /// The session has no linked billing account (or has ended).
    NotLinked,
    /// Not a workspace of the linked billing account.
    NotFound,
    /// Billed to another AWS account: a workspace has one settlement at a time.
    SettledByOther,
}

/// A new Guance account created along with a workspace (link branch, "I don't have a Guance account").
#[derive(Debug, Clone)]
pub struct NewUser {
    pub username: crate::domain::Username,
    pub email: crate::domain::Email,
    pub phone: Option<crate::domain::Phone>,
    /// argon2id PHC string.
    pub password_hash: String,
}

/// Who owns a workspace created in the link branch.
#[derive(Debug, Clone)]
pub enum WorkspaceOwner {
    /// An existing Guance account, found by its (code-proven) email — and by its username when several
    /// accounts share the email.
    Existing(crate::domain::Email, Option<crate::domain::Username>),
    New(NewUser),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Created {
    pub workspace_id: i64,
    pub name: String,
    /// False when the workspace already existed, linked to this AWS account (a repeat).
    pub first: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CreateRefusal {
    NotLinked,
    /// The billing account has a workspace of this name on this site (not linked here).
    NameTaken,
    UsernameTaken,
    /// No Guance account has this email (and this username, when one was given).
    NoSuchAccount,
    /// Several Guance accounts have this email: which one is to own the workspace needs its username.
    SeveralAccounts,
}

/// The link branch: billing accounts proven by a code, their workspaces, binding and creating. Every write
/// is one transaction; bindings and names are unique by the database.
#[async_trait]
pub trait Workspaces: Send + Sync + 'static {
    /// The email on file for a billing account, if it exists (to mail a code to).
    async fn billing_account_email(
        &self,
        username: &crate::domain::Username,
    ) -> Result<Option<crate::domain::Email>, StoreError>;

    /// Whether a Guance account has this email.
    async fn guance_account_exists(&self, email: &crate::domain::Email) -> Result<bool, StoreError>;

    /// Links the session's AWS customer to the billing account (its ownership proven by a code); returns
    /// the billing account's username as stored.
    async fn link_billing_account(
        &self,
        session: &SessionKey,
        username: &crate::domain::Username,
        now: i64,
    ) -> Result<Result<String, LinkRefusal>, StoreError>;

    /// Undoes the session's link while nothing is billed to its AWS customer yet (the buyer's "Not your
    /// billing account? Start again"): no workspace settled by the customer, or it is refused and nothing
    /// changes. Unlinking a customer with no billing account is a repeat.
    async fn unlink_billing_account(
        &self,
        session: &SessionKey,
        now: i64,
    ) -> Result<Result<(), UnlinkRefusal>, StoreError>;

    /// The workspaces of the billing account linked to the session's AWS customer, with their state seen
    /// from that customer; `None` when none is linked (or the session is gone).
    async fn linked_workspaces(
        &self,
        session: &SessionKey,
        now: i64,
    ) -> Result<Option<Vec<crate::domain::workspace::WorkspaceRow>>, StoreError>;

    /// Bills a workspace of the linked billing account to the session's AWS customer.
    async fn bind_workspace(
        &self,
        session: &SessionKey,
        workspace_id: i64,
        now: i64,
    ) -> Result<Result<BindOutcome, BindRefusal>, StoreError>;

    /// A workspace created in Guance's billing center (billed there, bound to no AWS account), owned by the
    /// billing account's owner. The dev simulator of the billing center uses it; `None` when the billing
    /// account does not exist, `Some(None)` when it has a workspace of that name on that site.
    async fn create_billing_center_workspace(
        &self,
        billing_username: &crate::domain::Username,
        workspace: &NewWorkspace,
        now: i64,
    ) -> Result<Option<Option<i64>>, StoreError>;

    /// Creates a workspace in the linked billing account, owned by an existing or a new Guance account, and
    /// bills it to the session's AWS customer; all or nothing, idempotent (a repeat returns the workspace).
    async fn create_workspace(
        &self,
        session: &SessionKey,
        owner: &WorkspaceOwner,
        workspace: &NewWorkspace,
        now: i64,
    ) -> Result<Result<Created, CreateRefusal>, StoreError>;
}

//! Structured security events (issue 14): one `tracing` event per outcome an operator must be able to see —
//! target `security`, fields `event` (a fixed name), `subject` (`account:ID`, `username:NAME`, `aws:ACCOUNT`
//! or `-`), `client` (the client address the rate limits use) and `detail` — written as JSON lines with
//! `PORTAL_LOG_FORMAT=json`. Never a code, a reset secret or a password.

/// What happened.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Event {
    LoginSucceeded,
    LoginFailed,
    ResetRequested,
    ResetLinkRefused,
    PasswordReset,
    CodeSendRefused,
    CodeRefused,
    SecondActivationRefused,
    Activated,
    BillingLinked,
    BillingUnlinked,
    WorkspaceBound,
    SettlementChanged,
    SettlementRefused,
    TwoStepOn,
    TwoStepOff,
    TwoStepRefused,
    OperatorLoginSucceeded,
    OperatorLoginFailed,
}

impl Event {
    pub fn name(self) -> &'static str {
        match self {
            Event::LoginSucceeded => "login_succeeded",
            Event::LoginFailed => "login_failed",
            Event::ResetRequested => "reset_requested",
            Event::ResetLinkRefused => "reset_link_refused",
            Event::PasswordReset => "password_reset",
            Event::CodeSendRefused => "code_send_refused",
            Event::CodeRefused => "code_refused",
            Event::SecondActivationRefused => "second_activation_refused",
            Event::Activated => "activated",
            Event::BillingLinked => "billing_linked",
            Event::BillingUnlinked => "billing_unlinked",
            Event::WorkspaceBound => "workspace_bound",
            Event::SettlementChanged => "settlement_changed",
            Event::SettlementRefused => "settlement_refused",
            Event::TwoStepOn => "two_step_on",
            Event::TwoStepOff => "two_step_off",
            Event::TwoStepRefused => "two_step_refused",
            Event::OperatorLoginSucceeded => "operator_login_succeeded",
            Event::OperatorLoginFailed => "operator_login_failed",
        }
    }

    /// Refusals and failures are warnings; what went through is information.
    fn is_refusal(self) -> bool {
        matches!(
            self,
            Event::LoginFailed
                | Event::ResetLinkRefused
                | Event::CodeSendRefused
                | Event::CodeRefused
                | Event::SecondActivationRefused
                | Event::SettlementRefused
                | Event::TwoStepRefused
                | Event::OperatorLoginFailed
        )
    }
}

/// Whom it is about.
#[derive(Debug, Clone, Copy)]
pub enum Subject<'a> {
    Account(i64),
    Username(&'a str),
    AwsAccount(&'a str),
    Operator(&'a str),
    Nobody,
}

impl std::fmt::Display for Subject<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Subject::Account(id) => write!(f, "account:{id}"),
            Subject::Username(name) => write!(f, "username:{}", name.to_lowercase()),
            Subject::AwsAccount(id) => write!(f, "aws:{id}"),
            Subject::Operator(name) => write!(f, "operator:{}", name.to_lowercase()),
            Subject::Nobody => f.write_str("-"),
        }
    }
}

/// The request's client address (as the rate limits see it), when known.
async fn client() -> Option<std::net::IpAddr> {
    leptos_axum::extract::<axum::Extension<crate::ssr::ports::ClientAddr>>().await.ok().map(|addr| addr.0 .0)
}

/// Records `event` about `subject`, with the request's client address and a `detail` that never holds a
/// secret.
pub async fn record(event: Event, subject: Subject<'_>, detail: impl std::fmt::Display) {
    let client = client().await.map_or_else(|| "-".to_owned(), |ip| ip.to_string());
    if event.is_refusal() {
        tracing::warn!(target: "security", event = event.name(), subject = %subject, client = %client, detail = %detail);
    } else {
        tracing::info!(target: "security", event = event.name(), subject = %subject, client = %client, detail = %detail);
    }
}

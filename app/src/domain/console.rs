//! What the operator console shows and how its lists are filtered: plain data, the same in the browser and on the
//! server (the store fills it; the pages render it; the CSV exports write it).

use serde::{Deserialize, Serialize};

/// How far an AWS customer has come with activation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Progress {
    /// Subscribed (the fulfillment POST resolved it) but no activation session chose a way yet.
    NotStarted,
    /// An activation session is on the register or the link branch.
    InProgress,
    /// A billing account is linked, no workspace is billed to the AWS account yet.
    BillingLinked,
    /// At least one workspace is billed to the AWS account.
    Activated,
}

impl Progress {
    pub const ALL: [Progress; 4] =
        [Progress::NotStarted, Progress::InProgress, Progress::BillingLinked, Progress::Activated];

    pub fn code(self) -> &'static str {
        match self {
            Progress::NotStarted => "not_started",
            Progress::InProgress => "in_progress",
            Progress::BillingLinked => "billing_linked",
            Progress::Activated => "activated",
        }
    }

    pub fn parse(code: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|p| p.code() == code)
    }
}

/// The subscription states a customer can be in (the lifecycle's names).
pub const SUBSCRIPTION_STATES: [&str; 5] = ["active", "payment_failed", "cancellation_pending", "cancelled", "locked"];

/// The longest search text kept.
pub const MAX_SEARCH: usize = 100;
/// At most this many rows on one page of a list (the CSV export has no such limit: it streams).
pub const PAGE_ROWS: i64 = 200;

/// The customers list's filters, from the page's query (`q`, `state`, `progress`); anything unknown is
/// ignored, the search is trimmed and cut at [`MAX_SEARCH`] characters.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CustomerFilter {
    /// Part of an AWS account id, license id, customer identifier or billing account (any case).
    pub search: String,
    pub state: Option<String>,
    pub progress: Option<Progress>,
}

impl CustomerFilter {
    pub fn from_query(q: Option<&str>, state: Option<&str>, progress: Option<&str>) -> Self {
        CustomerFilter {
            search: q.unwrap_or_default().trim().chars().take(MAX_SEARCH).collect(),
            state: state.filter(|s| SUBSCRIPTION_STATES.contains(s)).map(str::to_owned),
            progress: progress.and_then(Progress::parse),
        }
    }

    /// The filter as a query string (`q=…&state=…&progress=…`, empty parts left out).
    pub fn to_query(&self) -> String {
        let mut parts = Vec::new();
        if !self.search.is_empty() {
            parts.push(format!("q={}", crate::paths::query_value(&self.search)));
        }
        if let Some(state) = &self.state {
            parts.push(format!("state={state}"));
        }
        if let Some(progress) = self.progress {
            parts.push(format!("progress={}", progress.code()));
        }
        parts.join("&")
    }
}

/// One AWS customer in the list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CustomerRow {
    pub id: i64,
    pub aws_account_id: String,
    pub customer_identifier: Option<String>,
    pub license_id: Option<String>,
    /// The lifecycle's state name ([`SUBSCRIPTION_STATES`]).
    pub subscription: String,
    /// When its workspaces lock (a cancelled subscription's countdown).
    pub lock_at: Option<i64>,
    pub billing_account: Option<String>,
    /// How many workspaces are billed to it.
    pub workspaces: i64,
    pub progress: Progress,
    pub created_at: i64,
}

/// A workspace billed to a customer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SettledWorkspace {
    pub id: i64,
    pub name: String,
    pub site: String,
    pub linked_at: i64,
    pub locked_at: Option<i64>,
}

/// An entitlement as AWS last told us (`value` in words: a number, true/false, text, or empty).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EntitlementRow {
    pub dimension: String,
    pub value: String,
    pub expires_at: Option<i64>,
}

/// One entry of a customer's timeline (the audit log).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TimelineEntry {
    pub id: i64,
    pub at: i64,
    pub actor: String,
    pub action: String,
    pub detail: String,
}

/// One customer, whole.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CustomerDetail {
    pub row: CustomerRow,
    pub product_code: String,
    pub entitlements: Vec<EntitlementRow>,
    pub entitlements_checked_at: Option<i64>,
    pub workspaces: Vec<SettledWorkspace>,
    pub timeline: Vec<TimelineEntry>,
}

/// How far back AWS accepts a usage record (BatchMeterUsage takes timestamps up to 6 hours old): a record
/// older than this can no longer be sent, so it is not offered for a retry.
pub const METERING_WINDOW_SECS: i64 = 6 * 3600;

/// A metering record's state as the console groups them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum RecordState {
    /// Not sent yet (maybe tried: see its last error).
    Pending,
    /// AWS took it (Success, or DuplicateRecord: it had it already).
    Sent,
    /// AWS answered CustomerNotSubscribed.
    Refused,
    /// Not sent within AWS's window: flagged, never sent.
    Stale,
}

impl RecordState {
    pub const ALL: [RecordState; 4] =
        [RecordState::Pending, RecordState::Sent, RecordState::Refused, RecordState::Stale];

    pub fn code(self) -> &'static str {
        match self {
            RecordState::Pending => "pending",
            RecordState::Sent => "sent",
            RecordState::Refused => "refused",
            RecordState::Stale => "stale",
        }
    }

    pub fn parse(code: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|s| s.code() == code)
    }
}

/// The metering list's filters (`state`, `q`: part of an AWS account id).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct MeteringFilter {
    pub state: Option<RecordState>,
    pub search: String,
}

impl MeteringFilter {
    pub fn from_query(state: Option<&str>, q: Option<&str>) -> Self {
        MeteringFilter {
            state: state.and_then(RecordState::parse),
            search: q.unwrap_or_default().trim().chars().take(MAX_SEARCH).collect(),
        }
    }

    /// The filter as a query string (`state=…&q=…`, empty parts left out).
    pub fn to_query(&self) -> String {
        let mut parts = Vec::new();
        if let Some(state) = self.state {
            parts.push(format!("state={}", state.code()));
        }
        if !self.search.is_empty() {
            parts.push(format!("q={}", crate::paths::query_value(&self.search)));
        }
        parts.join("&")
    }
}

/// One metering record with AWS's answer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MeteringRow {
    pub id: i64,
    pub customer_id: i64,
    pub aws_account_id: String,
    pub dimension: String,
    /// The hour's first second.
    pub usage_hour: i64,
    pub quantity: i64,
    pub state: RecordState,
    /// AWS's answer: Success, DuplicateRecord or CustomerNotSubscribed.
    pub status: Option<String>,
    pub metering_record_id: Option<String>,
    pub attempts: i64,
    pub last_error: Option<String>,
    pub sent_at: Option<i64>,
}

impl MeteringRow {
    /// Whether **Retry now** is offered at `now`: refused by AWS, or not sent after a failed attempt — and
    /// still inside AWS's window.
    pub fn retryable(&self, now: i64) -> bool {
        let failed = match self.state {
            RecordState::Refused => true,
            RecordState::Pending => self.last_error.is_some(),
            RecordState::Sent | RecordState::Stale => false,
        };
        failed && self.usage_hour >= now - METERING_WINDOW_SECS
    }
}

/// The events a webhook endpoint can ask for, in the order the console lists them.
pub const WEBHOOK_EVENT_TYPES: [&str; 8] = [
    "customer.subscribed",
    "activation.completed",
    "workspace.linked",
    "subscription.cancel_pending",
    "subscription.ended",
    "entitlements.updated",
    "metering.refused",
    "metering.stale",
];

/// The longest endpoint URL kept.
pub const MAX_WEBHOOK_URL: usize = 2048;
/// At most this many endpoints (each event is queued once per endpoint that wants it).
pub const MAX_WEBHOOK_ENDPOINTS: i64 = 20;

/// Why an endpoint URL is refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum UrlProblem {
    Missing,
    TooLong,
    /// Not `https://` (nor `http://` where plain HTTP is allowed: dev mode), or not a URL with a host.
    NotHttps,
    /// `user:password@` in the URL: a secret in a place that gets logged.
    Credentials,
}

/// An endpoint URL as an operator typed it, trimmed: `https://host[:port][/path][?query]` — `http://` too when
/// `allow_http` (dev mode, for a receiver on this machine); no credentials, no whitespace or control
/// characters, no fragment.
pub fn check_webhook_url(url: &str, allow_http: bool) -> Result<String, UrlProblem> {
    let url = url.trim();
    if url.is_empty() {
        return Err(UrlProblem::Missing);
    }
    if url.len() > MAX_WEBHOOK_URL {
        return Err(UrlProblem::TooLong);
    }
    let rest = match (url.strip_prefix("https://"), url.strip_prefix("http://")) {
        (Some(rest), _) => rest,
        (None, Some(rest)) if allow_http => rest,
        _ => return Err(UrlProblem::NotHttps),
    };
    if url.chars().any(|c| c.is_whitespace() || c.is_control()) || url.contains('#') {
        return Err(UrlProblem::NotHttps);
    }
    let authority = rest.split(['/', '?']).next().unwrap_or_default();
    if authority.contains('@') {
        return Err(UrlProblem::Credentials);
    }
    let host = authority.rsplit_once(':').map_or(authority, |(host, port)| {
        if port.bytes().all(|b| b.is_ascii_digit()) && !port.is_empty() {
            host
        } else {
            ""
        }
    });
    if host.is_empty() || host.starts_with('.') || authority.contains("\\") {
        return Err(UrlProblem::NotHttps);
    }
    Ok(url.to_owned())
}

/// A webhook endpoint as the console lists it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WebhookEndpoint {
    pub id: i64,
    pub url: String,
    pub event_types: Vec<String>,
    /// The HMAC-SHA256 key its deliveries are signed with (the receiver needs it to verify them).
    pub secret: String,
    pub created_at: i64,
    pub created_by: String,
    /// When a 410 answer disabled it, and why.
    pub disabled_at: Option<i64>,
    pub disabled_reason: Option<String>,
}

/// A delivery's state.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum DeliveryState {
    /// Queued, or waiting for its next attempt.
    Pending,
    Delivered,
    /// No 2xx within the retry window (or the endpoint is gone): kept for **Replay**.
    Dead,
}

impl DeliveryState {
    pub const ALL: [DeliveryState; 3] = [DeliveryState::Pending, DeliveryState::Delivered, DeliveryState::Dead];

    pub fn code(self) -> &'static str {
        match self {
            DeliveryState::Pending => "pending",
            DeliveryState::Delivered => "delivered",
            DeliveryState::Dead => "dead",
        }
    }

    pub fn parse(code: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|s| s.code() == code)
    }
}

/// One delivery of an event to an endpoint.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeliveryRow {
    pub id: i64,
    pub endpoint_id: i64,
    pub url: String,
    pub event_id: String,
    pub event_type: String,
    pub customer_id: Option<i64>,
    pub state: DeliveryState,
    pub attempts: i64,
    pub created_at: i64,
    pub next_attempt_at: i64,
    /// The receiver's last HTTP status, if it answered.
    pub last_status: Option<i64>,
    pub last_error: Option<String>,
    pub delivered_at: Option<i64>,
}

/// A time as an operator reads it: UTC, to the second (`2026-12-02 16:04:05 UTC`).
pub fn utc(at: i64) -> String {
    let Ok(t) = time::OffsetDateTime::from_unix_timestamp(at) else { return at.to_string() };
    format!(
        "{:04}-{:02}-{:02} {:02}:{:02}:{:02} UTC",
        t.year(),
        u8::from(t.month()),
        t.day(),
        t.hour(),
        t.minute(),
        t.second()
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn filters_keep_only_what_they_know() {
        let f = CustomerFilter::from_query(Some("  1234 "), Some("cancelled"), Some("in_progress"));
        assert_eq!(f.search, "1234");
        assert_eq!(f.state.as_deref(), Some("cancelled"));
        assert_eq!(f.progress, Some(Progress::InProgress));
        assert_eq!(f.to_query(), "q=1234&state=cancelled&progress=in_progress");
        let odd = CustomerFilter::from_query(Some(&"x".repeat(500)), Some("'; DROP"), Some("bogus"));
        assert_eq!((odd.search.len(), odd.state, odd.progress), (MAX_SEARCH, None, None));
        assert_eq!(CustomerFilter::default().to_query(), "");
        assert_eq!(CustomerFilter::from_query(Some("a b&c"), None, None).to_query(), "q=a%20b%26c");
    }

    #[test]
    fn a_record_is_retried_only_when_it_failed_and_aws_would_still_take_it() {
        let row = |state, last_error: Option<&str>, usage_hour| MeteringRow {
            id: 1,
            customer_id: 1,
            aws_account_id: "111111111111".into(),
            dimension: "hosts".into(),
            usage_hour,
            quantity: 3,
            state,
            status: None,
            metering_record_id: None,
            attempts: 1,
            last_error: last_error.map(str::to_owned),
            sent_at: None,
        };
        let now = 100_000;
        assert!(row(RecordState::Refused, None, now - 3600).retryable(now));
        assert!(row(RecordState::Pending, Some("throttled"), now - 3600).retryable(now));
        assert!(!row(RecordState::Pending, None, now - 3600).retryable(now), "not tried yet: the job sends it");
        assert!(!row(RecordState::Sent, None, now - 3600).retryable(now));
        assert!(!row(RecordState::Stale, None, now - 3600).retryable(now));
        assert!(!row(RecordState::Refused, None, now - METERING_WINDOW_SECS - 1).retryable(now), "too old for AWS");
        let f = MeteringFilter::from_query(Some("refused"), Some(" 1111 "));
        assert_eq!(f.to_query(), "state=refused&q=1111");
        assert_eq!(MeteringFilter::from_query(Some("bogus"), None), MeteringFilter::default());
    }

    #[test]
    fn webhook_urls_are_https_with_a_host_and_no_credentials() {
        assert_eq!(
            check_webhook_url(" https://hooks.example.com/in?x=1 ", false).as_deref(),
            Ok("https://hooks.example.com/in?x=1")
        );
        assert!(check_webhook_url("https://hooks.example.com:8443", false).is_ok());
        assert_eq!(check_webhook_url("http://127.0.0.1:9000/in", false), Err(UrlProblem::NotHttps));
        assert!(check_webhook_url("http://127.0.0.1:9000/in", true).is_ok(), "plain HTTP where allowed (dev)");
        assert_eq!(check_webhook_url("", false), Err(UrlProblem::Missing));
        assert_eq!(
            check_webhook_url(&format!("https://a.example/{}", "x".repeat(MAX_WEBHOOK_URL)), false),
            Err(UrlProblem::TooLong)
        );
        assert_eq!(check_webhook_url("https://user:pw@hooks.example.com/", false), Err(UrlProblem::Credentials));
        for bad in [
            "ftp://x.example",
            "https://",
            "https:///path",
            "https://:443/",
            "https://a.example:x/",
            "https://a b.example/",
            "javascript:alert(1)",
            "https://a.example/#frag",
            "https://a.example/\nx",
        ] {
            assert!(check_webhook_url(bad, true).is_err(), "{bad}");
        }
    }

    #[test]
    fn times_read_in_utc() {
        assert_eq!(utc(0), "1970-01-01 00:00:00 UTC");
        assert_eq!(utc(1_796_227_445), "2026-12-02 16:04:05 UTC");
        assert_eq!(utc(951_782_400), "2000-02-29 00:00:00 UTC");
        assert_eq!(utc(i64::MAX), i64::MAX.to_string(), "out of range: the number itself");
    }
}

//! Reconciliation with AWS Marketplace's Agreement API: a scheduled job (one instance at a time, by a lease)
//! reads the seller's purchase agreements (`SearchAgreements` as the proposer, every page; the licenses of an
//! agreement whose summary names none with `GetAgreementEntitlements`), finds the agreement of every license we
//! know, and where AWS and our state disagree confirms the agreement with `DescribeAgreement` and applies the
//! difference through the lifecycle's state machine ([`Subscription::after`]), audited as
//! `subscription.reconciled` by `job:reconcile`. An event AWS never delivered is healed this way; a run that
//! agrees with our state writes nothing.
//!
//! Fail closed: a license AWS names in no agreement, an agreement in a status we do not know (or one that was
//! renewed, replaced, archived or rolled back) changes nothing and is only counted and logged. Throttling and
//! 5xx answers are retried with exponential backoff and full jitter, up to a cap; a run that still fails stops
//! and the next run starts again from the beginning (each change is its own transaction).

use crate::lifecycle::{Action, Subscription, SubscriptionState};
use crate::metering::MeteringStore;
use app::ssr::ports::StoreError;
use async_trait::async_trait;
use futures_util::stream::{self, StreamExt, TryStreamExt};
use serde::Serialize;
use std::collections::HashMap;
use std::time::Duration;

pub const LEASE_NAME: &str = "reconcile";
/// The lease outlives a crashed holder by at most this long; renewed after every page.
pub const LEASE_SECS: i64 = 5 * 60;
/// The audit actor of a reconciled change.
pub const ACTOR: &str = "job:reconcile";
/// AWS calls in flight at once (GetAgreementEntitlements of a page's agreements, confirmations).
pub const CONCURRENCY: usize = 8;
/// SearchAgreements page size (AWS's maximum is 50).
pub const PAGE_SIZE: i32 = 50;
/// At most this many pages in one run: a NextToken that never ends cannot keep the job forever.
pub const MAX_PAGES: usize = 100_000;

/// An agreement's status as AWS names it, in the classes the job acts on.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub enum AgreementStatus {
    /// `ACTIVE`.
    Active,
    /// `CANCELLED`, `EXPIRED`, `TERMINATED`: the subscription ended.
    Ended(String),
    /// `RENEWED`, `REPLACED`, `SUPERSEDED`, `ARCHIVED`, `ROLLED_BACK`, or a status we do not know: another
    /// agreement (or a person) decides; nothing is changed on its account.
    Other(String),
}

impl AgreementStatus {
    pub fn parse(status: &str) -> Self {
        match status {
            "ACTIVE" => AgreementStatus::Active,
            "CANCELLED" | "EXPIRED" | "TERMINATED" => AgreementStatus::Ended(status.to_owned()),
            other => AgreementStatus::Other(other.to_owned()),
        }
    }

    pub fn as_str(&self) -> &str {
        match self {
            AgreementStatus::Active => "ACTIVE",
            AgreementStatus::Ended(s) | AgreementStatus::Other(s) => s,
        }
    }
}

/// An agreement as the seller sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AgreementView {
    pub agreement_id: String,
    pub status: AgreementStatus,
    /// Unix seconds.
    pub end_time: Option<i64>,
    /// The `l-…` ids of the licenses it grants (empty: not named in the summary; ask GetAgreementEntitlements).
    pub license_ids: Vec<String>,
}

/// One SearchAgreements page.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AgreementPage {
    pub agreements: Vec<AgreementView>,
    pub next_token: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AgreementError {
    /// ThrottlingException.
    #[error("throttled: {0}")]
    Throttled(String),
    /// 5xx, timeouts, connection failures.
    #[error("unavailable: {0}")]
    Unavailable(String),
    /// Validation, access denied, not found: retrying the same request cannot help.
    #[error("refused: {0}")]
    Refused(String),
}

impl AgreementError {
    fn retryable(&self) -> bool {
        !matches!(self, AgreementError::Refused(_))
    }
}

/// The Agreement API as the seller calls it (the AWS SDK in the portal; fakes in tests).
#[async_trait]
pub trait AgreementSource: Send + Sync {
    /// One page of the seller's purchase agreements (`PartyType=Proposer`, `AgreementType=PurchaseAgreement`).
    async fn search_agreements(&self, next_token: Option<String>) -> Result<AgreementPage, AgreementError>;
    /// One agreement (`DescribeAgreement`).
    async fn describe_agreement(&self, agreement_id: &str) -> Result<AgreementView, AgreementError>;
    /// The `l-…` ids of the licenses an agreement grants (`GetAgreementEntitlements`, every page).
    async fn agreement_licenses(&self, agreement_id: &str) -> Result<Vec<String>, AgreementError>;
}

/// A license we hold, with our state of it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KnownLicense {
    pub customer_id: i64,
    pub license_id: String,
    pub subscription: Subscription,
}

#[async_trait]
pub trait ReconcileStore: Send + Sync {
    /// Every customer of `product_code` with a license whose workspaces are not locked.
    async fn known_licenses(&self, product_code: &str) -> Result<Vec<KnownLicense>, StoreError>;
    /// Applies `action` (happened at `at`) to the customer through the lifecycle's state machine if its state is
    /// still `expected`, audited as `subscription.reconciled` with `detail`; returns the new subscription, or
    /// `None` when nothing changed.
    async fn reconcile(
        &self,
        customer_id: i64,
        expected: SubscriptionState,
        action: Action,
        at: i64,
        detail: &str,
        now: i64,
    ) -> Result<Option<Subscription>, StoreError>;
}

/// What AWS says of one license, from every agreement that grants it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AwsView<'a> {
    Active(&'a AgreementView),
    /// The latest-ending of the ended agreements (none active).
    Ended(&'a AgreementView),
    /// No agreement names it, or only agreements in other statuses.
    Unclear,
}

pub fn aws_view(agreements: &[AgreementView]) -> AwsView<'_> {
    if let Some(active) = agreements.iter().find(|a| a.status == AgreementStatus::Active) {
        return AwsView::Active(active);
    }
    agreements
        .iter()
        .filter(|a| matches!(a.status, AgreementStatus::Ended(_)))
        .max_by_key(|a| a.end_time)
        .map_or(AwsView::Unclear, AwsView::Ended)
}

/// The difference to apply: what our subscription needs to agree with AWS, and when it happened.
pub fn difference(ours: Subscription, aws: &AwsView<'_>, now: i64) -> Option<(Action, i64)> {
    let since = ours.changed_at.unwrap_or(i64::MIN);
    match (ours.state, aws) {
        // AWS has a live agreement and we hold the license as ended within its grace period: resubscribed.
        (SubscriptionState::Cancelled, AwsView::Active(_)) => Some((Action::Subscribed, now.max(since))),
        // The agreement ended and we still bill the license: the cancellation we never heard of, from the
        // agreement's end (never before what we applied last).
        (
            SubscriptionState::Active | SubscriptionState::PaymentFailed | SubscriptionState::CancellationPending,
            AwsView::Ended(agreement),
        ) => Some((Action::Unsubscribed, agreement.end_time.unwrap_or(now).min(now).max(since))),
        _ => None,
    }
}

/// How hard one run tries an AWS call.
#[derive(Debug, Clone, Copy)]
pub struct Backoff {
    pub attempts: u32,
    pub first: Duration,
    pub max: Duration,
}

impl Default for Backoff {
    fn default() -> Self {
        Self { attempts: 6, first: Duration::from_millis(250), max: Duration::from_secs(20) }
    }
}

impl Backoff {
    /// The ceiling of the wait before retry `attempt` (0-based): doubling from `first` up to `max`.
    pub fn ceiling(&self, attempt: u32) -> Duration {
        self.first.saturating_mul(2u32.saturating_pow(attempt)).min(self.max)
    }

    /// Full jitter: a uniformly random wait up to the ceiling (callers retrying at once spread out).
    fn delay(&self, attempt: u32) -> Duration {
        let ceiling = self.ceiling(attempt).as_millis() as u64;
        Duration::from_millis(rand::Rng::gen_range(&mut rand::thread_rng(), 0..=ceiling))
    }
}

/// What one run did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct ReconcileReport {
    /// False when another instance held the lease (nothing was done).
    pub ran: bool,
    pub licenses: u64,
    pub agreements: u64,
    /// Changes applied (each audited).
    pub healed: u64,
    /// Licenses left as they were: AWS agrees with us (or no longer showed the difference when asked again).
    pub unchanged: u64,
    /// Licenses no agreement (or only an agreement in another status) accounts for: left alone.
    pub unclear: u64,
    /// AWS calls made, and how many were retried after throttling or a 5xx.
    pub calls: u64,
    pub retries: u64,
}

/// Why a run stopped.
#[derive(Debug, thiserror::Error)]
pub enum ReconcileError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("AWS: {0}")]
    Aws(AgreementError),
    #[error("another instance took the lease")]
    LeaseLost,
}

struct Calls<'a> {
    source: &'a dyn AgreementSource,
    backoff: Backoff,
    calls: std::sync::atomic::AtomicU64,
    retries: std::sync::atomic::AtomicU64,
}

impl Calls<'_> {
    async fn retry<T, F, Fut>(&self, what: &str, call: F) -> Result<T, ReconcileError>
    where
        F: Fn() -> Fut,
        Fut: std::future::Future<Output = Result<T, AgreementError>>,
    {
        use std::sync::atomic::Ordering::Relaxed;
        let mut attempt = 0;
        loop {
            self.calls.fetch_add(1, Relaxed);
            match call().await {
                Ok(value) => return Ok(value),
                Err(e) if e.retryable() && attempt + 1 < self.backoff.attempts => {
                    let wait = self.backoff.delay(attempt);
                    tracing::info!(error = %e, attempt, ?wait, what, "Agreement API call will be retried");
                    self.retries.fetch_add(1, Relaxed);
                    tokio::time::sleep(wait).await;
                    attempt += 1;
                }
                Err(e) => return Err(ReconcileError::Aws(e)),
            }
        }
    }
}

/// One run of the reconciliation at `now` by `holder` (this instance's id) for the listing `product_code`.
pub async fn run_once<S>(
    store: &S,
    source: &dyn AgreementSource,
    product_code: &str,
    holder: &str,
    now: i64,
    backoff: Backoff,
) -> Result<ReconcileReport, ReconcileError>
where
    S: ReconcileStore + MeteringStore + ?Sized,
{
    let mut report = ReconcileReport::default();
    if !store.acquire_lease(LEASE_NAME, holder, now, LEASE_SECS).await? {
        return Ok(report);
    }
    report.ran = true;
    let calls = Calls { source, backoff, calls: Default::default(), retries: Default::default() };
    let outcome = reconcile_all(store, &calls, product_code, holder, now, &mut report).await;
    report.calls = calls.calls.into_inner();
    report.retries = calls.retries.into_inner();
    store.release_lease(LEASE_NAME, holder).await?;
    outcome?;
    metrics::counter!("portal_reconcile_healed_total").increment(report.healed);
    metrics::counter!("portal_reconcile_unclear_total").increment(report.unclear);
    metrics::counter!("portal_reconcile_retries_total").increment(report.retries);
    if report.unclear > 0 {
        tracing::warn!(unclear = report.unclear, "licenses no agreement accounts for were left as they are");
    }
    Ok(report)
}

async fn reconcile_all<S>(
    store: &S,
    calls: &Calls<'_>,
    product_code: &str,
    holder: &str,
    now: i64,
    report: &mut ReconcileReport,
) -> Result<(), ReconcileError>
where
    S: ReconcileStore + MeteringStore + ?Sized,
{
    let known = store.known_licenses(product_code).await?;
    report.licenses = known.len() as u64;
    let wanted: std::collections::HashSet<&str> = known.iter().map(|k| k.license_id.as_str()).collect();
    // license id → the agreements that grant it.
    let mut by_license: HashMap<String, Vec<AgreementView>> = HashMap::new();
    let mut next: Option<String> = None;
    for _ in 0..MAX_PAGES {
        let token = next.clone();
        let page = calls.retry("SearchAgreements", || calls.source.search_agreements(token.clone())).await?;
        report.agreements += page.agreements.len() as u64;
        // Agreements whose summary names no license: their licenses from GetAgreementEntitlements.
        let named: Vec<AgreementView> = stream::iter(page.agreements)
            .map(|mut agreement| async move {
                if agreement.license_ids.is_empty() {
                    let id = agreement.agreement_id.clone();
                    agreement.license_ids =
                        calls.retry("GetAgreementEntitlements", || calls.source.agreement_licenses(&id)).await?;
                }
                Ok::<_, ReconcileError>(agreement)
            })
            .buffer_unordered(CONCURRENCY)
            .try_collect()
            .await?;
        for agreement in named {
            for license in agreement.license_ids.iter().filter(|l| wanted.contains(l.as_str())) {
                by_license.entry(license.clone()).or_default().push(agreement.clone());
            }
        }
        // Keep the lease while a long run goes on.
        if !store.acquire_lease(LEASE_NAME, holder, app::ssr::ports::now(), LEASE_SECS).await? {
            return Err(ReconcileError::LeaseLost);
        }
        match page.next_token {
            Some(t) if !t.is_empty() && next.as_deref() != Some(t.as_str()) => next = Some(t),
            _ => break,
        }
    }
    let mut differing = Vec::new();
    for license in &known {
        let agreements = by_license.get(&license.license_id).map_or(&[][..], Vec::as_slice);
        let view = aws_view(agreements);
        if view == AwsView::Unclear {
            tracing::info!(customer_id = license.customer_id, "no agreement accounts for the license: left as it is");
            report.unclear += 1;
            continue;
        }
        let (AwsView::Active(seen) | AwsView::Ended(seen)) = &view else { continue };
        match difference(license.subscription, &view, now) {
            Some(_) => differing.push((license.clone(), seen.agreement_id.clone())),
            None => report.unchanged += 1,
        }
    }
    // Each difference is confirmed with the agreement itself before anything changes.
    let applied: Vec<bool> = stream::iter(differing)
        .map(|(license, agreement_id)| heal(store, calls, license, agreement_id, now))
        .buffer_unordered(CONCURRENCY)
        .try_collect()
        .await?;
    report.healed += applied.iter().filter(|a| **a).count() as u64;
    report.unchanged += applied.iter().filter(|a| !**a).count() as u64;
    Ok(())
}

/// Confirms one difference with DescribeAgreement of the agreement that showed it and applies it; true when
/// our state changed.
async fn heal<S>(
    store: &S,
    calls: &Calls<'_>,
    license: KnownLicense,
    agreement_id: String,
    now: i64,
) -> Result<bool, ReconcileError>
where
    S: ReconcileStore + ?Sized,
{
    let confirmed = calls.retry("DescribeAgreement", || calls.source.describe_agreement(&agreement_id)).await?;
    let confirmed_view = match confirmed.status {
        AgreementStatus::Active => AwsView::Active(&confirmed),
        AgreementStatus::Ended(_) => AwsView::Ended(&confirmed),
        AgreementStatus::Other(_) => AwsView::Unclear,
    };
    let Some((action, at)) = difference(license.subscription, &confirmed_view, now) else {
        return Ok(false);
    };
    let detail = format!(
        "AWS says agreement {} is {} (ended {}); {} applied: subscription was {}",
        confirmed.agreement_id,
        confirmed.status.as_str(),
        confirmed.end_time.map_or("-".to_owned(), |t| t.to_string()),
        action.as_str(),
        license.subscription.state.as_str(),
    );
    let moved = store.reconcile(license.customer_id, license.subscription.state, action, at, &detail, now).await?;
    if let Some(next) = moved {
        tracing::info!(customer_id = license.customer_id, state = next.state.as_str(), "reconciled with AWS");
    }
    Ok(moved.is_some())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn agreement(status: &str, end: Option<i64>) -> AgreementView {
        AgreementView {
            agreement_id: format!("agmt-{status}"),
            status: AgreementStatus::parse(status),
            end_time: end,
            license_ids: vec!["l-1".into()],
        }
    }

    fn ours(state: SubscriptionState, changed_at: Option<i64>) -> Subscription {
        Subscription { state, changed_at, lock_at: None }
    }

    #[test]
    fn statuses_fall_into_the_classes_the_job_acts_on() {
        assert_eq!(AgreementStatus::parse("ACTIVE"), AgreementStatus::Active);
        for ended in ["CANCELLED", "EXPIRED", "TERMINATED"] {
            assert_eq!(AgreementStatus::parse(ended), AgreementStatus::Ended(ended.into()));
        }
        for other in ["RENEWED", "REPLACED", "SUPERSEDED", "ARCHIVED", "ROLLED_BACK", "SOMETHING_NEW", ""] {
            assert_eq!(AgreementStatus::parse(other), AgreementStatus::Other(other.into()));
        }
    }

    #[test]
    fn an_active_agreement_wins_over_ended_ones_and_others_say_nothing() {
        let active = agreement("ACTIVE", None);
        let ended = agreement("EXPIRED", Some(50));
        let later = agreement("CANCELLED", Some(90));
        assert_eq!(aws_view(&[ended.clone(), active.clone()]), AwsView::Active(&active));
        assert_eq!(aws_view(&[ended.clone(), later.clone()]), AwsView::Ended(&later));
        assert_eq!(aws_view(&[agreement("RENEWED", Some(10)), agreement("BOGUS", None)]), AwsView::Unclear);
        assert_eq!(aws_view(&[]), AwsView::Unclear);
    }

    #[test]
    fn only_differences_are_applied_and_never_before_our_last_change() {
        let ended = agreement("CANCELLED", Some(100));
        let active = agreement("ACTIVE", None);
        let now = 500;
        // Missed cancellation: from the agreement's end.
        assert_eq!(
            difference(ours(SubscriptionState::Active, Some(10)), &AwsView::Ended(&ended), now),
            Some((Action::Unsubscribed, 100))
        );
        // Never earlier than what we applied last (the state machine would refuse an older change).
        assert_eq!(
            difference(ours(SubscriptionState::CancellationPending, Some(200)), &AwsView::Ended(&ended), now),
            Some((Action::Unsubscribed, 200))
        );
        // An end in the future (AWS's clock) counts from now.
        let future = agreement("EXPIRED", Some(9_000));
        assert_eq!(
            difference(ours(SubscriptionState::PaymentFailed, None), &AwsView::Ended(&future), now),
            Some((Action::Unsubscribed, now))
        );
        // Missed resubscription.
        assert_eq!(
            difference(ours(SubscriptionState::Cancelled, Some(100)), &AwsView::Active(&active), now),
            Some((Action::Subscribed, now))
        );
        // Agreement: nothing.
        assert_eq!(difference(ours(SubscriptionState::Active, Some(1)), &AwsView::Active(&active), now), None);
        assert_eq!(difference(ours(SubscriptionState::Cancelled, Some(1)), &AwsView::Ended(&ended), now), None);
        // Pending (AWS still shows the agreement while the final usage is sent), locked, unclear: nothing.
        assert_eq!(
            difference(ours(SubscriptionState::CancellationPending, None), &AwsView::Active(&active), now),
            None
        );
        assert_eq!(difference(ours(SubscriptionState::Locked, None), &AwsView::Active(&active), now), None);
        assert_eq!(difference(ours(SubscriptionState::Active, None), &AwsView::Unclear, now), None);
    }

    #[test]
    fn backoff_doubles_up_to_its_ceiling_and_jitters_below_it() {
        let b = Backoff { attempts: 5, first: Duration::from_millis(100), max: Duration::from_millis(500) };
        assert_eq!(b.ceiling(0), Duration::from_millis(100));
        assert_eq!(b.ceiling(1), Duration::from_millis(200));
        assert_eq!(b.ceiling(3), Duration::from_millis(500));
        assert!((0..50).all(|_| b.delay(2) <= Duration::from_millis(400)));
        assert!((0..50).map(|_| b.delay(3)).collect::<std::collections::HashSet<_>>().len() > 1, "jittered");
    }
}

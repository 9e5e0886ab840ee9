use super::*;
use crate::lifecycle::{LifecycleStore, MarketplaceEvent, LOCK_AFTER_SECS};
use crate::reconcile::{
    run_once, AgreementError, AgreementPage, AgreementSource, AgreementStatus, AgreementView, Backoff,
};
use crate::store::test_support::{register, temp_store};
use app::ssr::audit::AuditTrail;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::Mutex;
use std::time::Duration;

/// AWS's agreements as a test sets them: one page per `page_size`, licenses named in the summaries or only
/// through GetAgreementEntitlements, and `throttle` ThrottlingExceptions before each operation answers.
struct FakeAws {
    agreements: Mutex<Vec<AgreementView>>,
    page_size: usize,
    licenses_in_summary: bool,
    throttle: AtomicU32,
    throttled: AtomicU32,
}

impl FakeAws {
    fn new(agreements: Vec<AgreementView>) -> Self {
        Self {
            agreements: Mutex::new(agreements),
            page_size: 2,
            licenses_in_summary: true,
            throttle: AtomicU32::new(0),
            throttled: AtomicU32::new(0),
        }
    }

    fn throttled(&self) -> Result<(), AgreementError> {
        if self.throttle.load(Ordering::SeqCst) > 0 {
            self.throttle.fetch_sub(1, Ordering::SeqCst);
            self.throttled.fetch_add(1, Ordering::SeqCst);
            return Err(AgreementError::Throttled("ThrottlingException".into()));
        }
        Ok(())
    }

    fn all(&self) -> Vec<AgreementView> {
        self.agreements.lock().expect("fake").clone()
    }
}

#[async_trait]
impl AgreementSource for FakeAws {
    async fn search_agreements(&self, next_token: Option<String>) -> Result<AgreementPage, AgreementError> {
        self.throttled()?;
        let start: usize = next_token.map_or(0, |t| t.parse().expect("token"));
        let all = self.all();
        let mut agreements: Vec<AgreementView> = all.iter().skip(start).take(self.page_size).cloned().collect();
        if !self.licenses_in_summary {
            agreements.iter_mut().for_each(|a| a.license_ids.clear());
        }
        let next = start + self.page_size;
        Ok(AgreementPage { agreements, next_token: (next < all.len()).then(|| next.to_string()) })
    }

    async fn describe_agreement(&self, agreement_id: &str) -> Result<AgreementView, AgreementError> {
        self.throttled()?;
        self.all()
            .into_iter()
            .find(|a| a.agreement_id == agreement_id)
            .ok_or_else(|| AgreementError::Refused("ResourceNotFoundException".into()))
    }

    async fn agreement_licenses(&self, agreement_id: &str) -> Result<Vec<String>, AgreementError> {
        Ok(self.describe_agreement(agreement_id).await?.license_ids)
    }
}

fn agreement(id: &str, status: &str, end: Option<i64>, license: &str) -> AgreementView {
    AgreementView {
        agreement_id: id.into(),
        status: AgreementStatus::parse(status),
        end_time: end,
        license_ids: vec![license.into()],
    }
}

fn quick() -> Backoff {
    Backoff { attempts: 6, first: Duration::from_millis(1), max: Duration::from_millis(5) }
}

async fn state(store: &Store, account: &str) -> Subscription {
    store.subscription(account, "guance-dev").await.expect("read").expect("customer")
}

async fn reconciled_entries(store: &Store, customer: i64) -> Vec<(String, String, String)> {
    let timeline = store.customer_timeline(customer, 50).await.expect("db");
    timeline
        .into_iter()
        .filter(|e| e.action == "subscription.reconciled")
        .map(|e| (e.actor, e.action, e.detail))
        .collect()
}

/// Three licenses, AWS agreeing with all of them; then AWS ends one agreement and no event arrives.
async fn three_customers(store: &Store) -> [i64; 3] {
    [
        register(store, "111111111111", "l-a").await,
        register(store, "222222222222", "l-b").await,
        register(store, "333333333333", "l-c").await,
    ]
}

#[tokio::test]
async fn a_cancellation_whose_event_never_came_is_applied_by_the_next_reconciliation() {
    let (store, _dir) = temp_store::<Store>().await;
    let [a, b, c] = three_customers(&store).await;
    // The vendor's systems asked to hear of ended subscriptions.
    app::ssr::console::Console::add_webhook_endpoint(&store, "https://hooks.example/", &["subscription.ended"], "olivia", 1)
        .await
        .expect("db")
        .expect("added");
    let aws = FakeAws::new(vec![
        agreement("agmt-a", "ACTIVE", None, "l-a"),
        agreement("agmt-other", "ACTIVE", None, "l-of-another-product"),
        agreement("agmt-b", "CANCELLED", Some(1_000), "l-b"),
        agreement("agmt-c", "ACTIVE", None, "l-c"),
    ]);
    let report = run_once(&store, &aws, "guance-dev", "test", 2_000, quick()).await.expect("run");
    assert!(report.ran);
    assert_eq!((report.licenses, report.agreements, report.healed, report.unchanged), (3, 4, 1, 2));
    // The missed cancellation, with its 14-day countdown from the agreement's end.
    let cancelled = state(&store, "222222222222").await;
    assert_eq!(
        (cancelled.state, cancelled.changed_at, cancelled.lock_at),
        (SubscriptionState::Cancelled, Some(1_000), Some(1_000 + LOCK_AFTER_SECS))
    );
    let entries = reconciled_entries(&store, b).await;
    assert_eq!(entries.len(), 1);
    assert_eq!((entries[0].0.as_str(), entries[0].1.as_str()), ("job:reconcile", "subscription.reconciled"));
    assert!(entries[0].2.contains("agmt-b is CANCELLED"), "{}", entries[0].2);
    assert!(entries[0].2.ends_with("subscription now cancelled"), "{}", entries[0].2);
    assert!(reconciled_entries(&store, a).await.is_empty());
    assert!(reconciled_entries(&store, c).await.is_empty());
    let published: Vec<(String, Option<i64>)> =
        sqlx::query_as("SELECT event_type, customer_id FROM webhook_deliveries").fetch_all(store.pool()).await.expect("rows");
    assert_eq!(published, [("subscription.ended".to_owned(), Some(b))], "the healed cancellation reaches the webhooks");
    assert_eq!(state(&store, "111111111111").await.state, SubscriptionState::Active);

    // The next run agrees with everything: nothing changes, nothing is written.
    let audit_before = count(&store, "audit_log").await;
    let again = run_once(&store, &aws, "guance-dev", "test", 3_000, quick()).await.expect("run");
    assert_eq!((again.healed, again.unchanged), (0, 3));
    assert_eq!(count(&store, "audit_log").await, audit_before);
    assert_eq!(state(&store, "222222222222").await, cancelled);
}

#[tokio::test]
async fn a_reconciliation_agreeing_with_our_state_changes_nothing() {
    let (store, _dir) = temp_store::<Store>().await;
    three_customers(&store).await;
    // Our cancelled customer matches an ended agreement; an unknown status and a renewal say nothing.
    let ended = event("e1", Action::Unsubscribed, "333333333333", 500);
    store.record_event(&ended, 500).await.expect("event");
    let mut aws = FakeAws::new(vec![
        agreement("agmt-a", "ACTIVE", None, "l-a"),
        agreement("agmt-b", "SOMETHING_NEW", Some(10), "l-b"),
        agreement("agmt-b0", "RENEWED", Some(10), "l-b"),
        agreement("agmt-c", "EXPIRED", Some(400), "l-c"),
    ]);
    aws.licenses_in_summary = false; // every license read through GetAgreementEntitlements
    let before = (
        state(&store, "111111111111").await,
        state(&store, "222222222222").await,
        state(&store, "333333333333").await,
        count(&store, "audit_log").await,
    );
    let report = run_once(&store, &aws, "guance-dev", "test", 2_000, quick()).await.expect("run");
    assert_eq!((report.healed, report.unchanged, report.unclear), (0, 2, 1));
    let after = (
        state(&store, "111111111111").await,
        state(&store, "222222222222").await,
        state(&store, "333333333333").await,
        count(&store, "audit_log").await,
    );
    assert_eq!(after, before, "no state and no audit entry changed");
}

#[tokio::test]
async fn a_resubscription_whose_event_never_came_clears_the_countdown() {
    let (store, _dir) = temp_store::<Store>().await;
    let customer = register(&store, "111111111111", "l-a").await;
    store.record_event(&event("e1", Action::Unsubscribed, "111111111111", 100), 100).await.expect("event");
    let aws = FakeAws::new(vec![agreement("agmt-a", "ACTIVE", None, "l-a")]);
    let report = run_once(&store, &aws, "guance-dev", "test", 2_000, quick()).await.expect("run");
    assert_eq!(report.healed, 1);
    let back = state(&store, "111111111111").await;
    assert_eq!((back.state, back.lock_at), (SubscriptionState::Active, None));
    assert_eq!(reconciled_entries(&store, customer).await.len(), 1);
}

#[tokio::test]
async fn throttling_is_retried_with_backoff_and_the_run_completes() {
    let (store, _dir) = temp_store::<Store>().await;
    three_customers(&store).await;
    let aws = FakeAws::new(vec![
        agreement("agmt-a", "ACTIVE", None, "l-a"),
        agreement("agmt-b", "TERMINATED", Some(1_000), "l-b"),
        agreement("agmt-c", "ACTIVE", None, "l-c"),
    ]);
    aws.throttle.store(4, Ordering::SeqCst);
    let report = run_once(&store, &aws, "guance-dev", "test", 2_000, quick()).await.expect("run");
    assert_eq!(aws.throttled.load(Ordering::SeqCst), 4);
    assert_eq!((report.retries, report.healed), (4, 1));
    assert_eq!(state(&store, "222222222222").await.state, SubscriptionState::Cancelled);

    // Past the cap the run stops without changing anything; the lease is free for the next run.
    let (store, _dir) = temp_store::<Store>().await;
    three_customers(&store).await;
    aws.throttle.store(100, Ordering::SeqCst);
    let stopped = run_once(&store, &aws, "guance-dev", "test", 2_000, quick()).await;
    assert!(matches!(stopped, Err(crate::reconcile::ReconcileError::Aws(AgreementError::Throttled(_)))));
    assert_eq!(state(&store, "222222222222").await.state, SubscriptionState::Active);
    aws.throttle.store(0, Ordering::SeqCst);
    let report = run_once(&store, &aws, "guance-dev", "test", 2_001, quick()).await.expect("run");
    assert_eq!(report.healed, 1);
}

#[tokio::test]
async fn one_instance_reconciles_at_a_time_and_an_event_applied_meanwhile_wins() {
    let (store, _dir) = temp_store::<Store>().await;
    let customer = register(&store, "111111111111", "l-a").await;
    assert!(crate::metering::MeteringStore::acquire_lease(&store, "reconcile", "other", 0, 600).await.expect("lease"));
    let aws = FakeAws::new(vec![agreement("agmt-a", "CANCELLED", Some(100), "l-a")]);
    let report = run_once(&store, &aws, "guance-dev", "test", 10, quick()).await.expect("run");
    assert!(!report.ran);
    assert_eq!(state(&store, "111111111111").await.state, SubscriptionState::Active);
    // A change decided on a state that moved since is not applied.
    store.record_event(&event("e1", Action::Unsubscribed, "111111111111", 50), 50).await.expect("event");
    let moved = store
        .reconcile(customer, SubscriptionState::Active, Action::Unsubscribed, 100, "stale decision", 200)
        .await
        .expect("db");
    assert_eq!(moved, None);
    assert!(reconciled_entries(&store, customer).await.is_empty());
}

fn event(id: &str, action: Action, account: &str, at: i64) -> MarketplaceEvent {
    MarketplaceEvent {
        source: "sns",
        source_id: id.into(),
        action,
        aws_account_id: Some(account.into()),
        customer_identifier: None,
        license_id: None,
        product_code: Some("guance-dev".into()),
        occurred_at: at,
    }
}

async fn count(store: &Store, table: &str) -> i64 {
    crate::store::test_support::count(store, table).await
}

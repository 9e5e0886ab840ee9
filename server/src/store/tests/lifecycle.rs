use super::*;
use app::ssr::audit::AuditTrail;
use crate::lifecycle::LOCK_AFTER_SECS;
use crate::store::test_support::{new_session, register, temp_store};

const DAY: i64 = 86_400;

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

async fn state(store: &Store, account: &str) -> Subscription {
    store.subscription(account, "guance-dev").await.expect("read").expect("customer")
}

async fn workspace_locked(store: &Store) -> bool {
    let locked: Option<i64> = sqlx::query_scalar("SELECT locked_at FROM workspaces LIMIT 1")
        .fetch_one(store.pool())
        .await
        .expect("workspace");
    locked.is_some()
}

async fn settled_workspace(store: &Store, account: &str) {
    let pool = store.pool();
    sqlx::query("INSERT INTO guance_accounts (id, username, username_key, email, password_hash, created_at) VALUES (1, 'u', 'u', 'e@x.com', 'x', 0)")
        .execute(pool).await.expect("account");
    sqlx::query("INSERT INTO billing_accounts (id, username, username_key, email, owner_account_id, created_at) VALUES (1, 'u', 'u', 'e@x.com', 1, 0)")
        .execute(pool).await.expect("billing");
    sqlx::query("INSERT INTO workspaces (id, billing_account_id, owner_account_id, name, name_key, site, language, created_at) VALUES (1, 1, 1, 'w', 'w', 'us1', 'en', 0)")
        .execute(pool).await.expect("workspace");
    sqlx::query("INSERT INTO workspace_settlements (workspace_id, customer_id, linked_at) SELECT 1, id, 0 FROM marketplace_customers WHERE aws_account_id = $1")
        .bind(account).execute(pool).await.expect("settlement");
}

#[tokio::test]
async fn subscribe_cancel_lock_and_a_resubscribe_in_time_with_a_clock_we_control() {
    let (store, _dir) = temp_store::<Store>().await;
    let account = "123456789012";
    new_session(&store, account).await;
    settled_workspace(&store, account).await;
    store.record_event(&event("1", Action::Subscribed, account, 10), 10).await.expect("event");
    assert_eq!(state(&store, account).await.state, SubscriptionState::Active);
    store.record_event(&event("2", Action::UnsubscribePending, account, 20), 20).await.expect("event");
    assert_eq!(state(&store, account).await.state, SubscriptionState::CancellationPending);
    store.record_event(&event("3", Action::Unsubscribed, account, 30), 30).await.expect("event");
    let cancelled = state(&store, account).await;
    assert_eq!((cancelled.state, cancelled.lock_at), (SubscriptionState::Cancelled, Some(30 + LOCK_AFTER_SECS)));
    assert_eq!(store.lock_due(30 + 13 * DAY).await.expect("job"), 0, "day 13: not yet");
    assert!(!workspace_locked(&store).await);
    // A resubscribe before the end of the countdown clears it.
    store.record_event(&event("4", Action::Subscribed, account, 30 + 13 * DAY), 30 + 13 * DAY).await.expect("event");
    assert_eq!(store.lock_due(30 + 15 * DAY).await.expect("job"), 0);
    assert_eq!(state(&store, account).await.state, SubscriptionState::Active);
    // Cancel again and let the 14 days pass: the daily job locks the workspaces.
    store.record_event(&event("5", Action::Unsubscribed, account, 30 + 16 * DAY), 30 + 16 * DAY).await.expect("event");
    assert_eq!(store.lock_due(30 + 30 * DAY).await.expect("job"), 1);
    assert_eq!(state(&store, account).await.state, SubscriptionState::Locked);
    assert!(workspace_locked(&store).await);
    assert_eq!(store.lock_due(30 + 31 * DAY).await.expect("job"), 0, "the job is idempotent");
    // The audit timeline tells the story: five events (each with the state it moved to) and the lock.
    let customer: i64 = sqlx::query_scalar("SELECT id FROM marketplace_customers WHERE aws_account_id = $1")
        .bind(account)
        .fetch_one(store.pool())
        .await
        .expect("customer");
    let timeline = store.customer_timeline(customer, 50).await.expect("db");
    let actions: Vec<&str> = timeline.iter().map(|e| e.action.as_str()).collect();
    assert_eq!(
        actions[..6],
        [
            "subscription.locked",
            "subscription.event",
            "subscription.event",
            "subscription.event",
            "subscription.event",
            "subscription.event"
        ]
    );
    assert_eq!(timeline[0].actor, "job:lifecycle");
    assert!(
        timeline[1].actor.starts_with("aws-event:") && timeline[1].detail.contains("now cancelled"),
        "{:?}",
        timeline[1]
    );
}

#[tokio::test]
async fn replays_and_late_arrivals_change_nothing_they_should_not() {
    let (store, _dir) = temp_store::<Store>().await;
    let account = "123456789012";
    new_session(&store, account).await;
    let cancel = event("a", Action::Unsubscribed, account, 100);
    assert!(matches!(store.record_event(&cancel, 100).await.expect("event"), Recorded::Applied { moved: Some(_), .. }));
    assert_eq!(store.record_event(&cancel, 200).await.expect("replay"), Recorded::Replay);
    // A subscribe-success that happened before the cancellation arrives late: it does not resurrect.
    let late = event("b", Action::Subscribed, account, 50);
    assert!(matches!(store.record_event(&late, 300).await.expect("event"), Recorded::Applied { moved: None, .. }));
    assert_eq!(state(&store, account).await.state, SubscriptionState::Cancelled);
    let events: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM marketplace_events").fetch_one(store.pool()).await.expect("n");
    assert_eq!(events, 2);
}

#[tokio::test]
async fn events_match_the_customer_by_license_id_across_arn_formats() {
    let (store, _dir) = temp_store::<Store>().await;
    let account = "123456789012";
    new_session(&store, account).await; // licensed `arn:aws:license-manager::…:license:l-1`
    let mut old_license = event("e-old", Action::Unsubscribed, account, 10);
    old_license.source = "eventbridge";
    old_license.license_id = Some("l-0".into());
    assert_eq!(store.record_event(&old_license, 10).await.expect("event"), Recorded::Waiting, "another license");
    assert_eq!(state(&store, account).await.state, SubscriptionState::Active);
    let mut this_license = event("e-this", Action::Unsubscribed, account, 20);
    this_license.source = "eventbridge";
    this_license.license_id =
        Some(crate::lifecycle::license_id("aws:license-manager:us-east-1:123456789012:l-1").into());
    assert!(matches!(store.record_event(&this_license, 20).await.expect("event"), Recorded::Applied { .. }));
    assert_eq!(state(&store, account).await.state, SubscriptionState::Cancelled);
}

#[tokio::test]
async fn with_two_licenses_an_event_reaches_its_own_and_a_notification_without_one_the_latest() {
    let (store, _dir) = temp_store::<Store>().await;
    let account = "123456789012";
    let first = register(&store, account, "l-1").await;
    let second = register(&store, account, "l-2").await;
    let state_of = |id: i64| {
        let pool = store.pool().clone();
        async move {
            sqlx::query_scalar::<_, String>("SELECT subscription_state FROM marketplace_customers WHERE id = $1")
                .bind(id)
                .fetch_one(&pool)
                .await
                .expect("state")
        }
    };
    let mut ended = event("eb-1", Action::Unsubscribed, account, 10);
    ended.source = "eventbridge";
    ended.license_id = Some("l-1".into());
    assert!(matches!(store.record_event(&ended, 10).await.expect("event"),
        Recorded::Applied { customer_id, .. } if customer_id == first));
    assert_eq!((state_of(first).await.as_str(), state_of(second).await.as_str()), ("cancelled", "active"));
    // SNS names no license: the account's latest agreement.
    let failed = event("sns-1", Action::SubscribeFailed, account, 20);
    assert!(matches!(store.record_event(&failed, 20).await.expect("event"),
        Recorded::Applied { customer_id, .. } if customer_id == second));
    assert_eq!(state_of(second).await, "payment_failed");
}

#[tokio::test]
async fn an_event_before_registration_waits_and_is_applied_at_registration() {
    let (store, _dir) = temp_store::<Store>().await;
    let account = "123456789012";
    let fail = event("x", Action::SubscribeFailed, account, 10);
    assert_eq!(store.record_event(&fail, 10).await.expect("event"), Recorded::Waiting);
    assert!(store.subscription(account, "guance-dev").await.expect("read").is_none());
    let customer = register(&store, account, "l-1").await;
    let applied = store.apply_waiting_events(customer, 20).await.expect("apply");
    assert_eq!(applied.len(), 1);
    assert_eq!(state(&store, account).await.state, SubscriptionState::PaymentFailed);
    assert!(store.apply_waiting_events(customer, 30).await.expect("again").is_empty(), "applied once");
}

#[tokio::test]
async fn waiting_events_are_capped_per_account_and_altogether_and_expire() {
    use crate::lifecycle::{MAX_WAITING, MAX_WAITING_PER_ACCOUNT, WAITING_TTL_SECS};
    let (store, _dir) = temp_store::<Store>().await;
    let waiting = |store: &Store| {
        let pool = store.pool().clone();
        async move {
            sqlx::query_scalar::<_, i64>("SELECT COUNT(*) FROM marketplace_events WHERE customer_id IS NULL")
                .fetch_one(&pool)
                .await
                .expect("count")
        }
    };
    let stranger = "210987654321";
    for i in 0..MAX_WAITING_PER_ACCOUNT {
        let e = event(&format!("w{i}"), Action::Unsubscribed, stranger, 10);
        assert_eq!(store.record_event(&e, 10).await.expect("event"), Recorded::Waiting);
    }
    let over = event("w-over", Action::Unsubscribed, stranger, 10);
    assert_eq!(store.record_event(&over, 10).await.expect("event"), Recorded::Dropped, "the account's cap");
    assert_eq!(
        store.record_event(&event("w0", Action::Unsubscribed, stranger, 10), 11).await.expect("e"),
        Recorded::Replay
    );
    assert_eq!(waiting(&store).await, MAX_WAITING_PER_ACCOUNT);
    // Past their time they are forgotten, and the account may wait again.
    let later = 10 + WAITING_TTL_SECS + 1;
    assert_eq!(store.record_event(&over, later).await.expect("event"), Recorded::Waiting);
    assert_eq!(waiting(&store).await, 1);
    // Altogether: fill the waiting room with other accounts' events.
    sqlx::query(
        "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < $1)
         INSERT INTO marketplace_events (source, source_id, action, aws_account_id, occurred_at, received_at)
         SELECT 'sns', 'bulk-' || i, 'unsubscribe-success', 'acct-' || i, $2, $3 FROM n",
    )
    .bind(MAX_WAITING - 1)
    .bind(later)
    .bind(later)
    .execute(store.pool())
    .await
    .expect("bulk");
    let another = event("x-1", Action::Unsubscribed, "123123123123", later);
    assert_eq!(store.record_event(&another, later).await.expect("event"), Recorded::Dropped, "the overall cap");
    assert_eq!(waiting(&store).await, MAX_WAITING);
    // A registered customer's events are never dropped.
    let account = "123456789012";
    new_session(&store, account).await;
    let known = event("k-1", Action::Unsubscribed, account, later);
    assert!(matches!(store.record_event(&known, later).await.expect("event"), Recorded::Applied { .. }));
}

/// An event and the fulfillment of its subscriber racing (several instances): each event is applied once,
/// either at once or from the waiting room when the customer arrives, never lost and never waiting forever.
#[tokio::test]
async fn events_racing_their_subscribers_fulfillment_are_applied_exactly_once() {
    let (store, _dir) = temp_store::<std::sync::Arc<Store>>().await;
    let accounts: Vec<String> = (0..6).map(|i| format!("5555555555{i:02}")).collect();
    let barrier = std::sync::Arc::new(tokio::sync::Barrier::new(accounts.len() * 2));
    let mut tasks = Vec::new();
    for account in &accounts {
        let (fulfil, fulfil_barrier, fulfil_account) = (store.clone(), barrier.clone(), account.clone());
        tasks.push(tokio::spawn(async move {
            fulfil_barrier.wait().await;
            let customer = register(&*fulfil, &fulfil_account, "l-1").await;
            fulfil.apply_waiting_events(customer, 20).await.expect("waiting").len()
        }));
        let (notify, notify_barrier, account) = (store.clone(), barrier.clone(), account.clone());
        tasks.push(tokio::spawn(async move {
            notify_barrier.wait().await;
            match notify.record_event(&event(&account, Action::UnsubscribePending, &account, 10), 20).await {
                Ok(Recorded::Applied { .. }) => 1,
                Ok(Recorded::Waiting) => 0,
                other => panic!("{other:?}"),
            }
        }));
    }
    let mut applied = 0;
    for task in tasks {
        applied += task.await.expect("join");
    }
    assert_eq!(applied, accounts.len(), "each event applied once, at once or from the waiting room");
    for account in &accounts {
        assert_eq!(state(&store, account).await.state, SubscriptionState::CancellationPending, "{account}");
    }
    let waiting: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM marketplace_events WHERE customer_id IS NULL")
        .fetch_one(store.pool())
        .await
        .expect("count");
    assert_eq!(waiting, 0);
}

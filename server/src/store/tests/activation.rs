use super::*;
use crate::store::test_support::{count, temp_store};
use app::ssr::session::{SessionId, ABSOLUTE_TIMEOUT_SECS, IDLE_TIMEOUT_SECS, RESUME_WITHIN_SECS, TOUCH_EVERY_SECS};
use std::sync::Arc;

async fn store() -> (Store, crate::store::test_support::Guard) {
    temp_store::<Store>().await
}

fn customer(account: &str) -> ResolvedCustomer {
    crate::store::test_support::customer(account)
}

#[tokio::test]
async fn fulfillment_creates_folder_customer_and_session() {
    let (store, _dir) = store().await;
    let session = SessionId::generate().key();
    let record = store.record_fulfillment(&customer("123456789012"), &session, 1_000).await.expect("record");
    assert_eq!(record.aws_account_id.as_str(), "123456789012");
    match store.activation(&session, 1_001).await.expect("lookup") {
        SessionLookup::Active(summary) => {
            assert_eq!(summary.aws_account_id.as_str(), "123456789012");
            assert_eq!(summary.branch, None);
        }
        other => panic!("expected an active session, got {other:?}"),
    }
    store.ping().await.expect("ping");
}

#[tokio::test]
async fn the_same_account_twice_is_one_customer_with_two_sessions() {
    let (store, _dir) = store().await;
    let first =
        store.record_fulfillment(&customer("123456789012"), &SessionId::generate().key(), 1).await.expect("first");
    let mut again = customer("123456789012");
    again.customer_identifier = None;
    let second = store.record_fulfillment(&again, &SessionId::generate().key(), 2).await.expect("second");
    assert_eq!(first.id, second.id);
    assert_eq!(count(&store, "marketplace_customers").await, 1);
    assert_eq!(count(&store, "activation_sessions").await, 2);
    let kept: Option<String> = sqlx::query_scalar("SELECT customer_identifier FROM marketplace_customers")
        .fetch_one(store.pool())
        .await
        .expect("row");
    assert_eq!(kept.as_deref(), Some("cust-1"), "a missing identifier does not erase a known one");
}

fn licensed(account: &str, license: &str) -> ResolvedCustomer {
    let mut resolved = customer(account);
    resolved.license_arn = Some(format!("arn:aws:license-manager::{account}:license:{license}"));
    resolved
}

#[tokio::test]
async fn a_customer_is_an_account_and_license_and_a_legacy_row_adopts_its_license() {
    let (store, _dir) = store().await;
    let session = || SessionId::generate().key();
    let l1 = store.record_fulfillment(&licensed("123456789012", "l-1"), &session(), 1).await.expect("l-1");
    let l2 = store.record_fulfillment(&licensed("123456789012", "l-2"), &session(), 2).await.expect("l-2");
    let again = store.record_fulfillment(&licensed("123456789012", "l-1"), &session(), 3).await.expect("again");
    assert_ne!(l1.id, l2.id, "two agreements of one account are two customers");
    assert_eq!(l1.id, again.id);
    // A legacy customer (CustomerIdentifier only) is one per account and product, and keeps its row when
    // AWS later names its license.
    let mut legacy = customer("210987654321");
    legacy.license_arn = None;
    let old = store.record_fulfillment(&legacy, &session(), 4).await.expect("legacy");
    assert_eq!(store.record_fulfillment(&legacy, &session(), 5).await.expect("legacy again").id, old.id);
    let adopted = store.record_fulfillment(&licensed("210987654321", "l-9"), &session(), 6).await.expect("l-9");
    assert_eq!(adopted.id, old.id);
    assert_eq!(count(&store, "marketplace_customers").await, 3);
}

#[tokio::test]
async fn a_new_license_after_the_old_agreement_ended_takes_over_its_workspaces() {
    let (store, _dir) = store().await;
    let pool = store.pool();
    let old =
        store.record_fulfillment(&licensed("123456789012", "l-1"), &SessionId::generate().key(), 1).await.expect("old");
    sqlx::query("INSERT INTO guance_accounts (id, username, username_key, email, password_hash, created_at) VALUES (1, 'u', 'u', 'e@x.com', 'x', 0)")
        .execute(pool).await.expect("account");
    sqlx::query("INSERT INTO billing_accounts (id, username, username_key, email, owner_account_id, created_at) VALUES (1, 'u', 'u', 'e@x.com', 1, 0)")
        .execute(pool).await.expect("billing");
    sqlx::query("INSERT INTO workspaces (id, billing_account_id, owner_account_id, name, name_key, site, language, created_at, locked_at) VALUES (1, 1, 1, 'w', 'w', 'us1', 'en', 0, 50)")
        .execute(pool).await.expect("workspace");
    sqlx::query("INSERT INTO workspace_settlements (workspace_id, customer_id, linked_at) VALUES (1, $1, 0)")
        .bind(old.id)
        .execute(pool)
        .await
        .expect("settlement");
    sqlx::query("UPDATE marketplace_customers SET billing_account_id = 1, subscription_state = 'active' WHERE id = $1")
        .bind(old.id)
        .execute(pool)
        .await
        .expect("linked");
    let settled_to = || async {
        sqlx::query_scalar::<_, i64>("SELECT customer_id FROM workspace_settlements WHERE workspace_id = 1")
            .fetch_one(pool)
            .await
            .expect("settlement")
    };
    // A second, concurrent agreement: it shares the billing account, the workspace stays where it is.
    let second = store
        .record_fulfillment(&licensed("123456789012", "l-2"), &SessionId::generate().key(), 2)
        .await
        .expect("second");
    assert_eq!(settled_to().await, old.id);
    let billing: Option<i64> = sqlx::query_scalar("SELECT billing_account_id FROM marketplace_customers WHERE id = $1")
        .bind(second.id)
        .fetch_one(pool)
        .await
        .expect("billing");
    assert_eq!(billing, Some(1), "the AWS account's billing account is kept");
    // The latest agreement ends and its workspaces are locked; subscribing again brings them back.
    sqlx::query("UPDATE workspace_settlements SET customer_id = $1").bind(second.id).execute(pool).await.expect("move");
    sqlx::query("UPDATE marketplace_customers SET subscription_state = 'locked' WHERE id = $1")
        .bind(second.id)
        .execute(pool)
        .await
        .expect("locked");
    let third = store
        .record_fulfillment(&licensed("123456789012", "l-3"), &SessionId::generate().key(), 3)
        .await
        .expect("third");
    assert_eq!(settled_to().await, third.id);
    let locked: Option<i64> =
        sqlx::query_scalar("SELECT locked_at FROM workspaces WHERE id = 1").fetch_one(pool).await.expect("ws");
    assert_eq!(locked, None);
}

#[tokio::test]
async fn concurrent_fulfillments_of_one_account_make_one_customer() {
    let (store, _dir) = store().await;
    let store = Arc::new(store);
    let barrier = Arc::new(tokio::sync::Barrier::new(8));
    let tasks: Vec<_> = (0..8)
        .map(|_| {
            let (store, barrier) = (store.clone(), barrier.clone());
            tokio::spawn(async move {
                barrier.wait().await;
                store.record_fulfillment(&customer("123456789012"), &SessionId::generate().key(), 5).await
            })
        })
        .collect();
    let mut ids = std::collections::HashSet::new();
    for task in tasks {
        ids.insert(task.await.expect("join").expect("record").id);
    }
    assert_eq!(ids.len(), 1);
    assert_eq!(count(&store, "marketplace_customers").await, 1);
    assert_eq!(count(&store, "activation_sessions").await, 8);
}

#[tokio::test]
async fn idle_sessions_end_after_four_hours_and_activity_keeps_them_alive() {
    let (store, _dir) = store().await;
    let session = SessionId::generate().key();
    store.record_fulfillment(&customer("123456789012"), &session, 0).await.expect("record");
    // Activity just inside the limit restarts the timer.
    assert!(matches!(store.activation(&session, IDLE_TIMEOUT_SECS).await, Ok(SessionLookup::Active(_))));
    assert!(matches!(store.activation(&session, 2 * IDLE_TIMEOUT_SECS).await, Ok(SessionLookup::Active(_))));
    // Then a gap longer than the limit ends it, and it stays ended.
    assert!(matches!(store.activation(&session, 3 * IDLE_TIMEOUT_SECS + 1).await, Ok(SessionLookup::Ended)));
    assert!(matches!(store.activation(&session, 3 * IDLE_TIMEOUT_SECS + 2).await, Ok(SessionLookup::Unknown)));
    assert_eq!(count(&store, "activation_sessions").await, 0);
}

#[tokio::test]
async fn a_page_view_moves_the_idle_timer_at_most_once_a_minute_and_the_rule_holds_to_the_minute() {
    let (store, _dir) = store().await;
    let session = SessionId::generate().key();
    store.record_fulfillment(&customer("123456789012"), &session, 0).await.expect("record");
    let last_seen = || async {
        let seen: i64 = sqlx::query_scalar("SELECT last_seen_at FROM activation_sessions")
            .fetch_one(store.pool())
            .await
            .expect("row");
        seen
    };
    // Views within a minute of the last move write nothing.
    for at in [1, 30, TOUCH_EVERY_SECS - 1] {
        assert!(matches!(store.activation(&session, at).await, Ok(SessionLookup::Active(_))));
        assert_eq!(last_seen().await, 0, "a view {at} s later wrote");
    }
    assert!(matches!(store.activation(&session, TOUCH_EVERY_SECS).await, Ok(SessionLookup::Active(_))));
    assert_eq!(last_seen().await, TOUCH_EVERY_SECS);
    // The idle limit counts from that view: still there at the limit, ended one second after.
    let seen = TOUCH_EVERY_SECS + 30;
    assert!(matches!(store.activation(&session, seen).await, Ok(SessionLookup::Active(_))));
    assert_eq!(last_seen().await, TOUCH_EVERY_SECS, "30 s after the move: unchanged");
    // The view at 90 s did not move it: the session ends at most a minute early, never late.
    let limit = TOUCH_EVERY_SECS + IDLE_TIMEOUT_SECS;
    assert!(matches!(store.activation(&session, limit + 1).await, Ok(SessionLookup::Ended)));
}

#[tokio::test]
async fn a_page_view_does_not_wait_for_a_writer() {
    let (store, _dir) = store().await;
    let session = SessionId::generate().key();
    store.record_fulfillment(&customer("123456789012"), &session, 0).await.expect("record");
    // A writer holds the session (SQLite's single writer, PostgreSQL's lock on the session).
    let writer = store.begin_write_on(&[Entity::Session(&session)]).await.expect("writer");
    let view = tokio::time::timeout(std::time::Duration::from_secs(2), store.activation(&session, 10)).await;
    assert!(matches!(view, Ok(Ok(SessionLookup::Active(_)))), "a page view queued behind a writer: {view:?}");
    drop(writer);
}

#[tokio::test]
async fn a_busy_session_still_ends_a_day_after_it_started() {
    let (store, _dir) = store().await;
    let session = SessionId::generate().key();
    store.record_fulfillment(&customer("123456789012"), &session, 0).await.expect("record");
    let mut at = 0;
    while at + IDLE_TIMEOUT_SECS / 2 <= ABSOLUTE_TIMEOUT_SECS {
        at += IDLE_TIMEOUT_SECS / 2;
        assert!(matches!(store.activation(&session, at).await, Ok(SessionLookup::Active(_))), "at {at}");
    }
    assert!(matches!(store.activation(&session, ABSOLUTE_TIMEOUT_SECS + 1).await, Ok(SessionLookup::Ended)));
    assert_eq!(count(&store, "activation_sessions").await, 0);
}

#[tokio::test]
async fn an_ended_session_is_gone_with_its_codes() {
    let (store, _dir) = store().await;
    let session = SessionId::generate().key();
    store.record_fulfillment(&customer("123456789012"), &session, 0).await.expect("record");
    store.end_session(&session).await.expect("end");
    assert!(matches!(store.activation(&session, 1).await, Ok(SessionLookup::Unknown)));
    assert_eq!(count(&store, "activation_sessions").await, 0);
    assert_eq!(count(&store, "marketplace_customers").await, 1, "the customer stays");
    store.end_session(&session).await.expect("ending twice is fine");
}

#[tokio::test]
async fn drafts_are_kept_per_session() {
    let (store, _dir) = store().await;
    let session = SessionId::generate().key();
    store.record_fulfillment(&customer("123456789012"), &session, 0).await.expect("record");
    assert_eq!(store.draft(&session).await.expect("db").as_deref(), Some("{}"));
    assert!(store.save_draft(&session, r#"{"username":"alice"}"#).await.expect("db"));
    assert_eq!(store.draft(&session).await.expect("db").as_deref(), Some(r#"{"username":"alice"}"#));
}

#[tokio::test]
async fn branch_choice_is_kept_and_unknown_sessions_change_nothing() {
    let (store, _dir) = store().await;
    let session = SessionId::generate().key();
    store.record_fulfillment(&customer("123456789012"), &session, 0).await.expect("record");
    store.choose_branch(&session, Branch::Link, 1).await.expect("choose");
    match store.activation(&session, 2).await.expect("lookup") {
        SessionLookup::Active(summary) => assert_eq!(summary.branch, Some(Branch::Link)),
        other => panic!("expected active, got {other:?}"),
    }
    let stranger = SessionId::generate().key();
    assert!(matches!(store.choose_branch(&stranger, Branch::Register, 3).await, Ok(SessionLookup::Unknown)));
    assert_eq!(store.draft(&stranger).await.expect("db"), None);
    assert!(!store.save_draft(&stranger, "{}").await.expect("db"));
    assert_eq!(count(&store, "activation_sessions").await, 1);
}

#[tokio::test]
async fn a_customer_coming_back_within_thirty_days_resumes_its_kept_draft_and_branch() {
    let (store, _dir) = store().await;
    let day = 24 * 3600;
    let first = SessionId::generate().key();
    store.record_fulfillment(&customer("123456789012"), &first, 0).await.expect("first");
    store.choose_branch(&first, Branch::Register, 1).await.expect("branch");
    store.save_draft(&first, r#"{"register":{"username":"alice","password_hash":"x"}}"#).await.expect("save");
    store.keep_draft(&first, Some(r#"{"register":{"username":"alice"},"resumed_from":2}"#), 2).await.expect("keep");
    // 29 days later, through Set Up Your Account again: the kept answers and branch, not the session's own.
    let back = SessionId::generate().key();
    store.record_fulfillment(&customer("123456789012"), &back, 29 * day).await.expect("back");
    assert_eq!(
        store.draft(&back).await.expect("draft").as_deref(),
        Some(r#"{"register":{"username":"alice"},"resumed_from":2}"#)
    );
    match store.activation(&back, 29 * day).await.expect("lookup") {
        SessionLookup::Active(summary) => assert_eq!(summary.branch, Some(Branch::Register)),
        other => panic!("{other:?}"),
    }
    // Another AWS account resumes nothing of it.
    let other = SessionId::generate().key();
    store.record_fulfillment(&customer("210987654321"), &other, 29 * day).await.expect("other");
    assert_eq!(store.draft(&other).await.expect("draft").as_deref(), Some("{}"));
    // Start over: this session's answers and branch go, and so does what was kept.
    store.start_over(&back).await.expect("start over");
    assert_eq!(store.draft(&back).await.expect("draft").as_deref(), Some("{}"));
    match store.activation(&back, 29 * day).await.expect("lookup") {
        SessionLookup::Active(summary) => assert_eq!(summary.branch, None),
        other => panic!("{other:?}"),
    }
    assert_eq!(count(&store, "customer_drafts").await, 0);
}

#[tokio::test]
async fn a_draft_older_than_thirty_days_is_neither_resumed_nor_kept() {
    let (store, _dir) = store().await;
    let day = 24 * 3600;
    let first = SessionId::generate().key();
    store.record_fulfillment(&customer("123456789012"), &first, 0).await.expect("first");
    store.keep_draft(&first, Some(r#"{"register":{"username":"alice"}}"#), 0).await.expect("keep");
    let late = SessionId::generate().key();
    store.record_fulfillment(&customer("123456789012"), &late, 31 * day).await.expect("late");
    assert_eq!(store.draft(&late).await.expect("draft").as_deref(), Some("{}"), "too old to resume");
    assert_eq!(store.forget_old_drafts(31 * day - RESUME_WITHIN_SECS).await.expect("forget"), 1);
    assert_eq!(count(&store, "customer_drafts").await, 0);
    // Nothing to keep (a finished activation) forgets what was kept.
    store.keep_draft(&late, Some("{}"), 31 * day).await.expect("keep");
    store.keep_draft(&late, None, 31 * day).await.expect("forget");
    assert_eq!(count(&store, "customer_drafts").await, 0);
}

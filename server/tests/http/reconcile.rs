//! Reconciliation with AWS's agreements end to end: the simulator's Agreement API (RPCv2-CBOR) through the real
//! `aws-sdk-marketplaceagreement` client. A cancellation whose event was lost is applied by the next run; a run
//! agreeing with our state changes nothing; throttling is waited out.

use crate::common;

use reqwest::StatusCode;
use serde_json::{json, Value};
use server::lifecycle::{LifecycleStore, Subscription, SubscriptionState, LOCK_AFTER_SECS};

type Portal = common::Server;

async fn post(portal: &Portal, path: &str, body: Value) -> (StatusCode, Value) {
    let res = portal.http.post(format!("{}{path}", portal.base)).json(&body).send().await.expect("post");
    let status = res.status();
    (status, res.json().await.unwrap_or(Value::Null))
}

async fn reconcile(portal: &Portal) -> Value {
    let (status, report) = post(portal, "/_dev/reconcile/run", json!({})).await;
    assert_eq!(status, StatusCode::OK, "{report}");
    report
}

async fn subscription(portal: &Portal, account: &str) -> Subscription {
    portal.store.subscription(account, "guance-dev").await.expect("read").expect("customer")
}

async fn reconciled(portal: &Portal) -> Vec<(String, String, Option<i64>)> {
    sqlx::query_as(
        "SELECT actor, action, customer_id FROM audit_log WHERE action = 'subscription.reconciled' ORDER BY id",
    )
    .fetch_all(portal.store.pool())
    .await
    .expect("audit")
}

#[tokio::test]
async fn reconciliation_applies_a_lost_cancellation_once_and_then_changes_nothing() {
    let portal = common::start(&[]).await;
    let (kept, lost) = ("210000000001", "210000000002");
    portal.subscribe(kept).await;
    portal.subscribe(lost).await;
    let lost_customer = portal.customer_id(lost).await;

    // A run agreeing with our state: nothing changes, nothing is audited.
    let audit_before: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM audit_log").fetch_one(portal.store.pool()).await.expect("count");
    let report = reconcile(&portal).await;
    assert_eq!((report["ran"].as_bool(), report["licenses"].as_u64()), (Some(true), Some(2)), "{report}");
    assert_eq!((report["healed"].as_u64(), report["unchanged"].as_u64()), (Some(0), Some(2)), "{report}");
    let audit_after: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM audit_log").fetch_one(portal.store.pool()).await.expect("count");
    assert_eq!(audit_after, audit_before);

    // The buyer cancels; AWS's SNS notification never arrives.
    let (status, sent) = post(
        &portal,
        "/_sim/aws/sns/send",
        json!({ "aws_account_id": lost, "action": "unsubscribe-success", "drop": true }),
    )
    .await;
    assert_eq!((status, sent["dropped"].as_bool()), (StatusCode::OK, Some(true)), "{sent}");
    assert_eq!(subscription(&portal, lost).await.state, SubscriptionState::Active, "nothing was delivered");

    // AWS throttles the first calls; the job backs off and finishes.
    let (status, _) =
        post(&portal, "/_sim/aws/faults", json!({ "operation": "SearchAgreements", "kind": "throttle", "times": 2 }))
            .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let before = app::ssr::ports::now();
    let report = reconcile(&portal).await;
    assert_eq!((report["healed"].as_u64(), report["unchanged"].as_u64()), (Some(1), Some(1)), "{report}");
    assert!(report["retries"].as_u64() >= Some(2), "{report}");
    let cancelled = subscription(&portal, lost).await;
    assert_eq!(cancelled.state, SubscriptionState::Cancelled);
    let ended = cancelled.changed_at.expect("when");
    assert!(ended >= before - 5 && ended <= app::ssr::ports::now(), "the agreement's end: {ended}");
    assert_eq!(cancelled.lock_at, Some(ended + LOCK_AFTER_SECS), "the 14-day countdown");
    assert_eq!(subscription(&portal, kept).await.state, SubscriptionState::Active);
    assert_eq!(
        reconciled(&portal).await,
        vec![("job:reconcile".to_owned(), "subscription.reconciled".to_owned(), Some(lost_customer))]
    );

    // The next run agrees: nothing new.
    let report = reconcile(&portal).await;
    assert_eq!((report["healed"].as_u64(), report["unchanged"].as_u64()), (Some(0), Some(2)), "{report}");
    assert_eq!(subscription(&portal, lost).await, cancelled);
    assert_eq!(reconciled(&portal).await.len(), 1);
}

#[tokio::test]
async fn reconciliation_gives_up_after_its_retries_and_changes_nothing() {
    let portal = common::start(&[]).await;
    let account = "210000000003";
    portal.subscribe(account).await;
    post(
        &portal,
        "/_sim/aws/sns/send",
        json!({ "aws_account_id": account, "action": "unsubscribe-success", "drop": true }),
    )
    .await;
    let (status, _) =
        post(&portal, "/_sim/aws/faults", json!({ "operation": "DescribeAgreement", "kind": "throttle", "times": 50 }))
            .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let (status, answer) = post(&portal, "/_dev/reconcile/run", json!({})).await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE, "{answer}");
    assert!(answer["error"].as_str().is_some_and(|e| e.contains("throttled")), "{answer}");
    assert_eq!(subscription(&portal, account).await.state, SubscriptionState::Active);
    assert!(reconciled(&portal).await.is_empty());
    // Once AWS answers again, the next run heals it.
    let res = portal.http.delete(format!("{}/_sim/aws/faults", portal.base)).send().await.expect("clear");
    assert_eq!(res.status(), StatusCode::NO_CONTENT);
    assert_eq!(reconcile(&portal).await["healed"].as_u64(), Some(1));
    assert_eq!(subscription(&portal, account).await.state, SubscriptionState::Cancelled);
}

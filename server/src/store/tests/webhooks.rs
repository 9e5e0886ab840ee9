use super::*;
use crate::store::test_support::{register, temp_store};
use app::ssr::audit::AuditTrail;
use app::ssr::console::Console;

async fn endpoint(store: &Store, url: &str, types: &[&str]) -> i64 {
    store.add_webhook_endpoint(url, types, "olivia", 1).await.expect("db").expect("added")
}

async fn publish_now(store: &Store, event_type: &'static str, customer: i64, at: i64) -> u64 {
    let mut tx = store.begin_write_on(&[]).await.expect("tx");
    let entry = AuditEntry::about_customer(at, "test".to_owned(), "test", customer, "what happened".to_owned());
    let queued = publish(&mut tx, event_type, &entry).await.expect("published");
    tx.commit().await.expect("commit");
    queued
}

async fn states(store: &Store) -> Vec<(i64, String)> {
    sqlx::query_as("SELECT id, state FROM webhook_deliveries ORDER BY id").fetch_all(store.pool()).await.expect("rows")
}

#[tokio::test]
async fn an_event_is_queued_once_for_each_endpoint_that_wants_it_with_a_signed_body_to_be() {
    let (store, _dir) = temp_store::<Store>().await;
    let customer = register(&store, "111111111111", "l-1").await;
    let all = endpoint(&store, "https://a.example/in", &["metering.refused", "subscription.ended"]).await;
    let other = endpoint(&store, "https://b.example/in", &["customer.subscribed"]).await;
    let gone = endpoint(&store, "https://c.example/in", &["subscription.ended"]).await;
    sqlx::query("UPDATE webhook_endpoints SET disabled_at = 5 WHERE id = $1")
        .bind(gone)
        .execute(store.pool())
        .await
        .expect("off");
    assert_eq!(
        publish_now(&store, "subscription.ended", customer, 10).await,
        1,
        "only the enabled endpoint asking for it"
    );
    assert_eq!(publish_now(&store, "entitlements.updated", customer, 11).await, 0, "nobody asked");
    let (endpoint_id, event_id, body): (i64, String, String) =
        sqlx::query_as("SELECT endpoint_id, event_id, body FROM webhook_deliveries")
            .fetch_one(store.pool())
            .await
            .expect("row");
    assert_eq!(endpoint_id, all);
    let body: serde_json::Value = serde_json::from_str(&body).expect("json");
    assert_eq!(body["id"], event_id.as_str());
    assert!(event_id.starts_with("evt_"));
    assert_eq!(body["type"], "subscription.ended");
    assert_eq!(body["created_at"], 10);
    assert_eq!(body["data"]["customer_id"], customer);
    assert_eq!(body["data"]["aws_account_id"], "111111111111");
    assert_eq!(body["data"]["license_id"], "l-1");
    assert_eq!(body["data"]["detail"], "what happened");
    let listed = store.webhook_endpoints().await.expect("db");
    assert_eq!(listed.iter().map(|e| e.id).collect::<Vec<_>>(), [all, other, gone]);
    assert_eq!(listed[0].event_types, ["subscription.ended", "metering.refused"], "kept in the catalogue's order");
    assert!(listed[0].secret.starts_with("whsec_") && listed[0].secret != listed[1].secret);
    let added: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM audit_log WHERE action = 'webhook.endpoint_added' AND actor = 'operator:olivia'",
    )
    .fetch_one(store.pool())
    .await
    .expect("count");
    assert_eq!(added, 3, "adding an endpoint is audited");
}

#[tokio::test]
async fn a_delivery_is_claimed_by_one_holder_until_its_lease_ends_and_each_outcome_is_kept() {
    let (store, _dir) = temp_store::<Store>().await;
    let customer = register(&store, "111111111111", "l-1").await;
    let ep = endpoint(&store, "https://a.example/in", &["metering.refused"]).await;
    for at in [10, 11, 12] {
        publish_now(&store, "metering.refused", customer, at).await;
    }
    let first = store.claim_deliveries(20, 60, 10).await.expect("db");
    assert_eq!(first.len(), 3);
    assert!(store.claim_deliveries(20, 60, 10).await.expect("db").is_empty(), "leased: nobody else takes them");
    assert_eq!(first[0].url, "https://a.example/in");
    assert!(first[0].secret.starts_with("whsec_"));
    // 1 delivered; 2 failed, retried later; 3 failed past its window: dead.
    store.record_attempt(&first[0], &Outcome::Delivered { status: 204 }, None, 21).await.expect("db");
    let failed = Outcome::Failed { status: Some(503), error: "answered 503".into() };
    store.record_attempt(&first[1], &failed, Some(500), 21).await.expect("db");
    store.record_attempt(&first[2], &failed, None, 21).await.expect("db");
    assert_eq!(
        states(&store).await,
        [(first[0].id, "delivered".into()), (first[1].id, "pending".into()), (first[2].id, "dead".into())]
    );
    assert!(store.claim_deliveries(100, 60, 10).await.expect("db").is_empty(), "the retry is not due yet");
    let again = store.claim_deliveries(500, 60, 10).await.expect("db");
    assert_eq!(again.iter().map(|d| (d.id, d.attempts)).collect::<Vec<_>>(), [(first[1].id, 1)]);
    // A holder that crashed: its lease runs out and another takes the row.
    assert_eq!(store.claim_deliveries(561, 60, 10).await.expect("db").len(), 1);

    // 410: the endpoint is disabled (audited), the delivery dead, nothing more is queued for it.
    store.record_attempt(&again[0], &Outcome::Gone, None, 600).await.expect("db");
    let disabled: Option<i64> = sqlx::query_scalar("SELECT disabled_at FROM webhook_endpoints WHERE id = $1")
        .bind(ep)
        .fetch_one(store.pool())
        .await
        .expect("row");
    assert_eq!(disabled, Some(600));
    assert_eq!(publish_now(&store, "metering.refused", customer, 700).await, 0);
    let actions: Vec<String> =
        sqlx::query_scalar("SELECT action FROM audit_log WHERE actor = 'job:webhooks' ORDER BY id")
            .fetch_all(store.pool())
            .await
            .expect("audit");
    assert_eq!(
        actions,
        [
            "webhook.delivered",
            "webhook.failed",
            "webhook.dead_lettered",
            "webhook.endpoint_disabled",
            "webhook.dead_lettered"
        ]
    );
    let on_timeline = store.customer_timeline(customer, 50).await.expect("db");
    assert!(on_timeline.iter().any(|e| e.action == "webhook.delivered"), "deliveries are on the customer's timeline");
}

#[tokio::test]
async fn replay_queues_a_dead_or_delivered_delivery_again_with_the_same_event_and_a_new_window() {
    let (store, _dir) = temp_store::<Store>().await;
    let customer = register(&store, "111111111111", "l-1").await;
    endpoint(&store, "https://a.example/in", &["metering.stale"]).await;
    publish_now(&store, "metering.stale", customer, 10).await;
    publish_now(&store, "metering.stale", customer, 11).await;
    let claimed = store.claim_deliveries(20, 60, 10).await.expect("db");
    let failed = Outcome::Failed { status: None, error: "not reached".into() };
    store.record_attempt(&claimed[0], &failed, None, 30).await.expect("db");
    let (dead, pending) = (claimed[0].id, claimed[1].id);
    store.record_attempt(&claimed[1], &failed, Some(40), 30).await.expect("db");
    assert!(!store.replay_delivery(pending, "olivia", 50).await.expect("db"), "a pending one is on its way already");
    assert!(!store.replay_delivery(999, "olivia", 50).await.expect("db"));
    assert!(store.replay_delivery(dead, "olivia", 100_000).await.expect("db"));
    let (state, attempts, window, next): (String, i64, i64, i64) =
        sqlx::query_as("SELECT state, attempts, window_start, next_attempt_at FROM webhook_deliveries WHERE id = $1")
            .bind(dead)
            .fetch_one(store.pool())
            .await
            .expect("row");
    assert_eq!((state.as_str(), attempts, window, next), ("pending", 0, 100_000, 100_000));
    let replayed = store.claim_deliveries(100_000, 60, 10).await.expect("db");
    let again = replayed.iter().find(|d| d.id == dead).expect("due again");
    assert_eq!(
        (&again.event_id, &again.body),
        (&claimed[0].event_id, &claimed[0].body),
        "the same event: repeats are harmless"
    );
    let listed = store.webhook_deliveries(Some(DeliveryState::Pending), 10).await.expect("db");
    assert_eq!(listed.len(), 2);
    let audited: String = sqlx::query_scalar("SELECT actor FROM audit_log WHERE action = 'webhook.replayed'")
        .fetch_one(store.pool())
        .await
        .expect("audited");
    assert_eq!(audited, "operator:olivia");
    // At most MAX_WEBHOOK_ENDPOINTS endpoints.
    for i in 1..MAX_WEBHOOK_ENDPOINTS {
        store
            .add_webhook_endpoint(&format!("https://{i}.example/"), &["metering.stale"], "olivia", 1)
            .await
            .expect("db")
            .expect("room");
    }
    assert_eq!(
        store.add_webhook_endpoint("https://full.example/", &["metering.stale"], "olivia", 1).await.expect("db"),
        None
    );
}

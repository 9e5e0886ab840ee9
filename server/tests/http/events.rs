//! Subscription events end to end: the simulator publishes signed SNS notifications and EventBridge
//! deliveries to the portal, which verifies, keeps once and applies them.

use crate::common;

use reqwest::StatusCode;
use serde_json::{json, Value};
use server::config::DEV_INTERNAL_TOKEN;
use server::lifecycle::{LifecycleStore, SubscriptionState, LOCK_AFTER_SECS};
use std::time::Duration;

type Portal = common::Server;

async fn start() -> Portal {
    common::start(&[]).await
}

/// What these tests ask of a portal.
trait Events {
    async fn post(&self, path: &str, body: Value) -> Value;
    async fn sns(&self, account: &str, action: &str) -> Value;
    async fn state(&self, account: &str) -> SubscriptionState;
    async fn deliver_sns(&self, message: &Value) -> (StatusCode, Value);
    async fn usage(&self, event_id: &str, workspace: i64, hour: i64, quantity: i64);
    async fn billed(&self) -> Value;
}

impl Events for Portal {
    async fn post(&self, path: &str, body: Value) -> Value {
        let res = self.http.post(format!("{}{path}", self.base)).json(&body).send().await.expect("post");
        assert_eq!(res.status(), StatusCode::OK, "{path}");
        res.json().await.expect("json")
    }

    async fn sns(&self, account: &str, action: &str) -> Value {
        self.post("/_sim/aws/sns/send", json!({ "aws_account_id": account, "action": action })).await
    }

    async fn state(&self, account: &str) -> SubscriptionState {
        self.store.subscription(account, "guance-dev").await.expect("read").expect("customer").state
    }

    async fn deliver_sns(&self, message: &Value) -> (StatusCode, Value) {
        let res = self
            .http
            .post(format!("{}/marketplace/aws/sns", self.base))
            .header("content-type", "text/plain; charset=UTF-8")
            .body(message.to_string())
            .send()
            .await
            .expect("deliver");
        let status = res.status();
        (status, res.json().await.unwrap_or(Value::Null))
    }

    /// Reports `quantity` hosts of `workspace` in `hour` to `/internal/usage`.
    async fn usage(&self, event_id: &str, workspace: i64, hour: i64, quantity: i64) {
        let res = self
            .http
            .post(format!("{}/internal/usage", self.base))
            .bearer_auth(DEV_INTERNAL_TOKEN)
            .json(&json!({ "records": [{ "event_id": event_id, "workspace_id": workspace, "dimension": "hosts", "hour": hour, "quantity": quantity }] }))
            .send()
            .await
            .expect("usage");
        assert_eq!(res.status(), StatusCode::ACCEPTED);
    }

    /// What the simulator's BatchMeterUsage received.
    async fn billed(&self) -> Value {
        let res = self.http.get(format!("{}/_sim/aws/metering", self.base)).send().await.expect("list");
        res.json().await.expect("json")
    }
}

/// `message` changed by `change` and signed again with the simulator's key: a validly signed SNS message, as
/// anyone who owns a topic of their own can publish.
fn resigned(message: &Value, change: impl FnOnce(&mut server::sns::SnsMessage)) -> Value {
    let mut m = server::sns::SnsMessage::parse(message.to_string().as_bytes()).expect("parse");
    change(&mut m);
    m.signature = server::sns::sign_v2(&m, server::sns::SIMULATOR_KEY_PKCS8).expect("sign");
    let mut out = message.clone();
    for (key, value) in [
        ("Type", &m.kind),
        ("MessageId", &m.message_id),
        ("TopicArn", &m.topic_arn),
        ("Message", &m.message),
        ("Signature", &m.signature),
    ] {
        out[key] = json!(value);
    }
    if let Some(url) = &m.subscribe_url {
        out["SubscribeURL"] = json!(url);
    }
    if let Some(token) = &m.token {
        out["Token"] = json!(token);
    }
    out
}

async fn events_stored(portal: &Portal) -> i64 {
    sqlx::query_scalar("SELECT COUNT(*) FROM marketplace_events").fetch_one(portal.store.pool()).await.expect("n")
}

#[tokio::test]
async fn only_the_listings_own_topics_and_product_code_are_heard() {
    let portal = start().await;
    portal.subscribe("123456789012").await;
    let sent = portal.sns("123456789012", "subscribe-success").await;
    assert_eq!(outcome(&sent), (200, "applied".to_owned()));
    let message = sent["message"].clone();
    let attack = |topic: &'static str, product: &'static str| {
        resigned(&message, move |m| {
            m.message_id = format!("{topic}-{product}");
            m.topic_arn = topic.to_owned();
            m.message = m.message.replace("subscribe-success", "unsubscribe-success").replace("guance-dev", product);
        })
    };
    // A stranger's own topic, validly signed by SNS: refused before anything is stored.
    let stranger = "arn:aws:sns:us-east-1:999999999999:aws-mp-subscription-notification-guance-dev";
    assert_eq!(portal.deliver_sns(&attack(stranger, "guance-dev")).await.0, StatusCode::FORBIDDEN);
    // The listing's topic but another product code (a message of another listing), or none at all.
    let ours = "arn:aws:sns:us-east-1:287250355862:aws-mp-subscription-notification-guance-dev";
    assert_eq!(portal.deliver_sns(&attack(ours, "another-product")).await.0, StatusCode::FORBIDDEN);
    let no_code = resigned(&message, |m| {
        m.message_id = "no-code".into();
        m.message = m.message.replace("\"product-code\"", "\"product\"");
    });
    assert_eq!(portal.deliver_sns(&no_code).await.0, StatusCode::FORBIDDEN);
    assert_eq!(portal.state("123456789012").await, SubscriptionState::Active);
    assert_eq!(events_stored(&portal).await, 1, "only the genuine event");
    // A subscription confirmation from a stranger's topic is not confirmed.
    let confirmation = portal.post("/_sim/aws/sns/subscribe", json!({})).await;
    assert_eq!(confirmation["confirmed"], true);
    let foreign = resigned(&message, |m| {
        m.kind = "SubscriptionConfirmation".into();
        m.message_id = "confirm-foreign".into();
        m.topic_arn = stranger.to_owned();
        m.subscribe_url = Some(format!("{}/_sim/aws/sns/confirm?Token=stranger", "http://127.0.0.1:9"));
        m.token = Some("stranger".into());
    });
    assert_eq!(portal.deliver_sns(&foreign).await.0, StatusCode::FORBIDDEN);
    // The genuine entitlement topic is heard.
    let sent = portal.sns("123456789012", "entitlement-updated").await;
    assert_eq!(outcome(&sent).0, 200);
    assert_eq!(events_stored(&portal).await, 2);
}

fn outcome(sent: &Value) -> (u64, String) {
    let delivered = &sent["delivered"];
    (delivered["status"].as_u64().unwrap_or(0), delivered["answer"]["outcome"].as_str().unwrap_or("").to_owned())
}

#[tokio::test]
async fn sns_notifications_are_verified_confirmed_and_kept_once() {
    let portal = start().await;
    let confirmation = portal.post("/_sim/aws/sns/subscribe", json!({})).await;
    assert_eq!(confirmation["confirmed"], true, "the portal visited the SubscribeURL: {confirmation}");

    portal.subscribe("123456789012").await;
    let sent = portal.sns("123456789012", "subscribe-fail").await;
    assert_eq!(outcome(&sent), (200, "applied".to_owned()));
    assert_eq!(portal.state("123456789012").await, SubscriptionState::PaymentFailed);

    // A replay of the very same message changes nothing.
    let message = sent["message"].clone();
    assert_eq!(portal.deliver_sns(&message).await, (StatusCode::OK, json!({ "outcome": "duplicate" })));
    // Tampered body: the signature no longer verifies.
    let mut tampered = message.clone();
    tampered["Message"] =
        json!(message["Message"].as_str().expect("message").replace("subscribe-fail", "subscribe-success"));
    tampered["MessageId"] = json!("another-id");
    assert_eq!(portal.deliver_sns(&tampered).await.0, StatusCode::FORBIDDEN);
    // A certificate from anywhere but SNS (or the dev simulator) is not even fetched.
    let mut foreign = message.clone();
    foreign["SigningCertURL"] = json!("https://sns.us-east-1.amazonaws.com.evil.example/cert.pem");
    assert_eq!(portal.deliver_sns(&foreign).await.0, StatusCode::FORBIDDEN);
    // A validly signed message that is days old is a replay too.
    let mut old = server::sns::SnsMessage::parse(message.to_string().as_bytes()).expect("parse");
    old.message_id = "old-one".into();
    old.timestamp = "2020-01-01T00:00:00Z".into();
    old.signature = server::sns::sign_v2(&old, server::sns::SIMULATOR_KEY_PKCS8).expect("sign");
    let mut old_json = message.clone();
    old_json["MessageId"] = json!(old.message_id);
    old_json["Timestamp"] = json!(old.timestamp);
    old_json["Signature"] = json!(old.signature);
    assert_eq!(portal.deliver_sns(&old_json).await.0, StatusCode::FORBIDDEN);
    assert_eq!(portal.deliver_sns(&json!({ "Type": "Notification" })).await.0, StatusCode::BAD_REQUEST);
    assert_eq!(portal.state("123456789012").await, SubscriptionState::PaymentFailed);
    let events: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM marketplace_events").fetch_one(portal.store.pool()).await.expect("n");
    assert_eq!(events, 1);
}

#[tokio::test]
async fn subscribe_cancel_lock_and_resubscribe_with_the_final_usage_sent() {
    let portal = start().await;
    let account = "123456789012";
    portal.subscribe(account).await;
    // A workspace billed to the customer, with usage in the current (open) hour.
    let ws = portal.settled_workspace(account, "u", "x", "w").await;
    let pool = portal.store.pool();
    let now = app::ssr::ports::now();
    portal.usage("final", ws, now, 7).await;

    assert_eq!(outcome(&portal.sns(account, "subscribe-success").await).1, "applied");
    assert_eq!(portal.state(account).await, SubscriptionState::Active);
    assert_eq!(outcome(&portal.sns(account, "unsubscribe-pending").await).1, "applied");
    assert_eq!(portal.state(account).await, SubscriptionState::CancellationPending);
    // The final usage — of an hour that has not even ended — reaches AWS.
    let mut billed = Value::Null;
    for _ in 0..50 {
        billed = portal.billed().await;
        if billed["records"].as_array().is_some_and(|r| !r.is_empty()) {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(billed["records"][0]["quantity"], 7, "{billed}");
    assert_eq!(billed["records"][0]["status"], "Success");

    assert_eq!(outcome(&portal.sns(account, "unsubscribe-success").await).1, "applied");
    let cancelled = portal.store.subscription(account, "guance-dev").await.expect("read").expect("customer");
    assert_eq!(cancelled.state, SubscriptionState::Cancelled);
    let lock_at = cancelled.lock_at.expect("countdown");
    assert!((lock_at - now - LOCK_AFTER_SECS).abs() < 60, "14 days from the cancellation");
    assert_eq!(cancelled.days_to_lock(now), Some(14));
    // Day 13: nothing locked; a resubscribe (EventBridge this time) clears the countdown.
    assert_eq!(portal.store.lock_due(now + 13 * 86_400).await.expect("job"), 0);
    let resubscribed = portal
        .post(
            "/_sim/aws/eventbridge/send",
            json!({ "aws_account_id": account, "detail_type": "Purchase Agreement Created - Manufacturer" }),
        )
        .await;
    assert_eq!(outcome(&resubscribed), (200, "applied".to_owned()));
    assert_eq!(portal.state(account).await, SubscriptionState::Active);
    assert_eq!(portal.store.lock_due(now + 20 * 86_400).await.expect("job"), 0);
    // Ended again (license deprovisioned), and the 14 days pass: the job locks the workspace.
    let ended = portal
        .post(
            "/_sim/aws/eventbridge/send",
            json!({ "aws_account_id": account, "detail_type": "License Deprovisioned - Manufacturer" }),
        )
        .await;
    assert_eq!(outcome(&ended).1, "applied");
    assert_eq!(portal.store.lock_due(now + 15 * 86_400).await.expect("job"), 1);
    assert_eq!(portal.state(account).await, SubscriptionState::Locked);
    let locked: Option<i64> = sqlx::query_scalar("SELECT locked_at FROM workspaces WHERE id = $1")
        .bind(ws)
        .fetch_one(pool)
        .await
        .expect("workspace");
    assert!(locked.is_some());
    // The same EventBridge event delivered twice is kept once.
    let event = ended["event"].clone();
    let again = portal
        .http
        .post(format!("{}/marketplace/aws/eventbridge", portal.base))
        .header("x-api-key", server::config::DEV_EVENTBRIDGE_API_KEY)
        .body(event.to_string())
        .send()
        .await
        .expect("deliver");
    assert_eq!(again.json::<Value>().await.expect("json"), json!({ "outcome": "duplicate" }));
}

#[tokio::test]
async fn eventbridge_needs_its_key_and_early_events_wait_for_registration() {
    let portal = start().await;
    let url = format!("{}/marketplace/aws/eventbridge", portal.base);
    let event = json!({ "id": "e1", "detail-type": "License Deprovisioned - Manufacturer", "source": "aws.agreement-marketplace",
                        "time": "2026-11-28T10:00:00Z", "detail": { "acceptor": { "accountId": "123456789012" } } });
    let none = portal.http.post(&url).body(event.to_string()).send().await.expect("post");
    assert_eq!(none.status(), StatusCode::UNAUTHORIZED);
    let wrong = portal.http.post(&url).header("x-api-key", "guess").body(event.to_string()).send().await.expect("post");
    assert_eq!(wrong.status(), StatusCode::UNAUTHORIZED);
    let key = server::config::DEV_EVENTBRIDGE_API_KEY;
    let mut other_source = event.clone();
    other_source["source"] = json!("aws.ec2");
    let res =
        portal.http.post(&url).header("x-api-key", key).body(other_source.to_string()).send().await.expect("post");
    assert_eq!(res.status(), StatusCode::BAD_REQUEST);

    // A failed payment announced over SNS before the buyer registered waits, then applies at registration.
    let early = portal.sns("210987654321", "subscribe-fail").await;
    assert_eq!(outcome(&early), (200, "kept until the customer registers".to_owned()));
    let cookie = portal.subscribe("210987654321").await;
    assert_eq!(portal.state("210987654321").await, SubscriptionState::PaymentFailed);
    // …and the buyer is told, on the wizard's first page.
    let page = portal
        .http
        .get(format!("{}/activate", portal.base))
        .header("cookie", cookie)
        .send()
        .await
        .expect("page")
        .text()
        .await
        .expect("html");
    assert!(page.contains("AWS Marketplace could not take payment"), "{page}");
}

#[tokio::test]
async fn subscribing_again_under_a_new_license_brings_the_locked_workspace_back() {
    let portal = start().await;
    let account = "123456789012";
    portal.subscribe(account).await;
    let ws = portal.settled_workspace(account, "u", "x", "w").await;
    let first = portal.customer_id(account).await;
    assert_eq!(outcome(&portal.sns(account, "unsubscribe-success").await).1, "applied");
    let now = app::ssr::ports::now();
    assert_eq!(portal.store.lock_due(now + 15 * 86_400).await.expect("job"), 1);
    // The buyer subscribes again: AWS makes a new agreement with a new license, and the buyer follows
    // "Set Up Your Account" once more.
    portal.subscribe_minting(&portal, json!({ "aws_account_id": account, "new_agreement": true })).await;
    let second = portal.customer_id(account).await;
    assert_ne!(first, second, "a new license is a new customer");
    let pool = portal.store.pool();
    let (settled_to, locked): (i64, Option<i64>) = sqlx::query_as(
        "SELECT s.customer_id, w.locked_at FROM workspaces w JOIN workspace_settlements s ON s.workspace_id = w.id
          WHERE w.id = $1",
    )
    .bind(ws)
    .fetch_one(pool)
    .await
    .expect("workspace");
    assert_eq!((settled_to, locked), (second, None), "billed to the new license and unlocked");
    assert_eq!(portal.state(account).await, SubscriptionState::Active);
    // Its usage is metered under the new license, which AWS accepts.
    portal.usage("after", ws, now - 7_200, 3).await;
    portal.post("/_dev/metering/run", json!({})).await;
    let billed = portal.billed().await;
    let license: String = sqlx::query_scalar("SELECT license_arn FROM marketplace_customers WHERE id = $1")
        .bind(second)
        .fetch_one(pool)
        .await
        .expect("license");
    assert_eq!(billed["records"][0]["license_arn"], license.as_str(), "{billed}");
    assert_eq!(billed["records"][0]["status"], "Success", "{billed}");
}

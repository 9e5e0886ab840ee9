//! Outbound webhooks end to end (issue 20): an operator adds an endpoint in the console, events the portal
//! publishes reach a receiver on this machine signed as the README says, failures are retried and then
//! dead-lettered, **Replay** sends the same event again, a 410 disables the endpoint, and an attempt never
//! holds the worker past 10 seconds.

use crate::common;

use axum::http::{HeaderMap, StatusCode as AxumStatus};
use reqwest::header::LOCATION;
use reqwest::StatusCode;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

type Portal = common::Server;

const PASSWORD: &str = "a long and unusual passphrase 42";

/// What the receiver got, and what it answers next.
#[derive(Default)]
struct Receiver {
    got: Vec<(HeaderMap, String)>,
    answer: u16,
    delay: Duration,
}

/// A receiver on a free port: `(its URL, its state)`.
async fn receiver() -> (String, Arc<Mutex<Receiver>>) {
    let state = Arc::new(Mutex::new(Receiver { answer: 200, ..Receiver::default() }));
    let shared = state.clone();
    let app = axum::Router::new().route(
        "/hook",
        axum::routing::post(move |headers: HeaderMap, body: String| {
            let shared = shared.clone();
            async move {
                let (answer, delay) = {
                    let mut r = shared.lock().expect("lock");
                    r.got.push((headers, body));
                    (r.answer, r.delay)
                };
                tokio::time::sleep(delay).await;
                let status = AxumStatus::from_u16(answer).expect("status");
                if status.is_redirection() {
                    (status, [("location", "https://elsewhere.example/")]).into_response_parts()
                } else {
                    (status, [("x-received", "yes")]).into_response_parts()
                }
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let url = format!("http://{}/hook", listener.local_addr().expect("addr"));
    tokio::spawn(async move { axum::serve(listener, app).await.expect("receiver") });
    (url, state)
}

/// `(status, headers)` as a response, whatever the status.
trait IntoParts {
    fn into_response_parts(self) -> axum::response::Response;
}
impl<const N: usize> IntoParts for (AxumStatus, [(&'static str, &'static str); N]) {
    fn into_response_parts(self) -> axum::response::Response {
        axum::response::IntoResponse::into_response(self)
    }
}

async fn operator_session(portal: &Portal) -> String {
    server::operators::add(&portal.store, "olivia", PASSWORD, 1).await.expect("operator added");
    let res = common::browser_form(
        &portal.http,
        &portal.base,
        "/api/operator_login",
        "",
        &[("username", "olivia"), ("password", PASSWORD)],
    )
    .await;
    common::login_session(&res).expect("a session")
}

/// Waits (up to 15 s) until `query` (a single integer) answers `want`.
async fn wait_for(portal: &Portal, query: &str, want: i64) {
    let start = Instant::now();
    loop {
        let got: i64 = sqlx::query_scalar(query).fetch_one(portal.store.pool()).await.expect("query");
        if got == want {
            return;
        }
        assert!(start.elapsed() < Duration::from_secs(15), "{query}: {got}, not {want}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

#[tokio::test]
async fn events_reach_the_receiver_signed_failures_are_retried_dead_lettered_and_replayed() {
    let portal = common::start(&[]).await;
    let (url, receiver) = receiver().await;
    let operator = operator_session(&portal).await;
    let add = |fields: Vec<(&'static str, String)>| {
        let (portal, operator) = (&portal, operator.clone());
        async move {
            let fields: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
            common::browser_form(&portal.http, &portal.base, "/api/operator_add_webhook", &operator, &fields).await
        }
    };
    // Refusals in words, nothing added.
    for (fields, error) in [
        (vec![("url", String::new()), ("customer_subscribed", "yes".into())], "url_missing"),
        (vec![("url", "ftp://x.example/".into()), ("customer_subscribed", "yes".into())], "url_https"),
        (vec![("url", "https://u:p@x.example/".into()), ("customer_subscribed", "yes".into())], "url_credentials"),
        (vec![("url", url.clone())], "types"),
    ] {
        let res = add(fields).await;
        assert_eq!(res.headers()[LOCATION], format!("/operator/webhooks?error={error}"));
    }
    let (_, _, body) =
        common::browser_page(&portal.http, &portal.base, "/operator/webhooks?error=types", &operator).await;
    assert!(body.contains("Select at least one event type"));
    let count: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM webhook_endpoints").fetch_one(portal.store.pool()).await.expect("n");
    assert_eq!(count, 0);
    let res =
        add(vec![("url", url.clone()), ("customer_subscribed", "yes".into()), ("subscription_ended", "yes".into())])
            .await;
    assert_eq!(res.headers()[LOCATION], "/operator/webhooks?added=1");
    let secret: String = sqlx::query_scalar("SELECT secret FROM webhook_endpoints")
        .fetch_one(portal.store.pool())
        .await
        .expect("secret");
    let (status, _, body) = common::browser_page(&portal.http, &portal.base, "/operator/webhooks", &operator).await;
    assert_eq!(status, StatusCode::OK);
    assert!(body.contains(&url) && body.contains("customer.subscribed, subscription.ended") && body.contains(&secret));

    // A buyer subscribing is published; the worker delivers it, signed.
    portal.subscribe("123456789012").await;
    wait_for(&portal, "SELECT COUNT(*) FROM webhook_deliveries WHERE state = 'delivered'", 1).await;
    let (headers, body) = receiver.lock().expect("lock").got[0].clone();
    let signature = headers["portal-signature"].to_str().expect("header");
    assert!(server::webhooks::verify(signature, &secret, &body, common_now()), "{signature}");
    assert!(!server::webhooks::verify(signature, "whsec_other", &body, common_now()));
    let event: serde_json::Value = serde_json::from_str(&body).expect("json");
    assert_eq!(event["type"], "customer.subscribed");
    assert_eq!(event["data"]["aws_account_id"], "123456789012");
    assert_eq!(headers["portal-event-id"].to_str().expect("id"), event["id"].as_str().expect("id"));
    assert_eq!(headers["portal-event-type"], "customer.subscribed");

    // The receiver fails: retried later, then — its 24 hours over — dead-lettered.
    receiver.lock().expect("lock").answer = 503;
    portal.subscribe("210987654321").await;
    wait_for(&portal, "SELECT COUNT(*) FROM webhook_deliveries WHERE attempts = 1 AND state = 'pending'", 1).await;
    let (next, created): (i64, i64) =
        sqlx::query_as("SELECT next_attempt_at, created_at FROM webhook_deliveries WHERE state = 'pending'")
            .fetch_one(portal.store.pool())
            .await
            .expect("row");
    assert!(next - created >= 30, "backed off: {}", next - created);
    sqlx::query("UPDATE webhook_deliveries SET window_start = window_start - 86400, next_attempt_at = 0 WHERE state = 'pending'")
        .execute(portal.store.pool())
        .await
        .expect("a day later");
    wait_for(&portal, "SELECT COUNT(*) FROM webhook_deliveries WHERE state = 'dead'", 1).await;
    let (_, _, body) =
        common::browser_page(&portal.http, &portal.base, "/operator/webhooks?state=dead", &operator).await;
    assert!(body.contains("Dead-lettered") && body.contains("answered 503") && body.contains("Replay"));
    let dead: i64 = sqlx::query_scalar("SELECT id FROM webhook_deliveries WHERE state = 'dead'")
        .fetch_one(portal.store.pool())
        .await
        .expect("id");

    // Replay: the same event again, delivered once the receiver is back.
    receiver.lock().expect("lock").answer = 204;
    let res = common::browser_form(
        &portal.http,
        &portal.base,
        "/api/operator_replay_webhook",
        &operator,
        &[("id", &dead.to_string())],
    )
    .await;
    assert_eq!(res.headers()[LOCATION], format!("/operator/webhooks?replayed={dead}"));
    wait_for(&portal, "SELECT COUNT(*) FROM webhook_deliveries WHERE state = 'delivered'", 2).await;
    let got = receiver.lock().expect("lock").got.clone();
    let ids: Vec<String> = got.iter().map(|(h, _)| h["portal-event-id"].to_str().expect("id").to_owned()).collect();
    assert_eq!(ids.len(), 4, "delivered, failed, dead-lettered attempt, replayed");
    assert_eq!(ids[1], ids[3], "the replay carries the same event id");
    assert_eq!(got[1].1, got[3].1, "and the same body");

    // The deliveries export, filtered as the page is.
    let csv = portal
        .http
        .get(format!("{}/operator/webhooks.csv?state=delivered", portal.base))
        .header("cookie", &operator)
        .send()
        .await
        .expect("export")
        .text()
        .await
        .expect("csv");
    let lines: Vec<&str> = csv.lines().collect();
    assert_eq!(lines.len(), 3, "the header and both delivered: {csv}");
    assert!(lines[0].starts_with("delivery_id,event_id,event_type,endpoint_id,url,"));
    assert!(lines[1].contains(",customer.subscribed,1,") && lines[1].contains(",delivered,"), "{}", lines[1]);

    // 410 Gone: the endpoint is disabled and hears nothing more.
    receiver.lock().expect("lock").answer = 410;
    sqlx::query("UPDATE webhook_deliveries SET state = 'dead' WHERE id = $1")
        .bind(dead)
        .execute(portal.store.pool())
        .await
        .expect("dead");
    common::browser_form(
        &portal.http,
        &portal.base,
        "/api/operator_replay_webhook",
        &operator,
        &[("id", &dead.to_string())],
    )
    .await;
    wait_for(&portal, "SELECT COUNT(*) FROM webhook_endpoints WHERE disabled_at IS NOT NULL", 1).await;
    let (_, _, body) = common::browser_page(&portal.http, &portal.base, "/operator/webhooks", &operator).await;
    assert!(body.contains("Disabled") && body.contains("410 Gone"));
    let actions: Vec<String> =
        sqlx::query_scalar("SELECT action FROM audit_log WHERE action LIKE 'webhook.%' ORDER BY id")
            .fetch_all(portal.store.pool())
            .await
            .expect("audit");
    assert_eq!(
        actions,
        [
            "webhook.endpoint_added",
            "webhook.delivered",
            "webhook.failed",
            "webhook.dead_lettered",
            "webhook.replayed",
            "webhook.delivered",
            "webhook.replayed",
            "webhook.endpoint_disabled",
            "webhook.dead_lettered",
        ]
    );
}

fn common_now() -> i64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).expect("clock").as_secs() as i64
}

#[tokio::test]
async fn an_attempt_ends_within_ten_seconds_whatever_the_receiver_does() {
    let (url, receiver) = receiver().await;
    let store = Arc::new(common::start(&[]).await.store);
    let webhooks = server::webhooks::Webhooks::new(store as Arc<dyn server::webhooks::WebhookStore>).expect("client");
    let delivery = |url: &str| server::webhooks::Claimed {
        id: 1,
        endpoint_id: 1,
        url: url.to_owned(),
        secret: "whsec_x".into(),
        event_id: "evt_1".into(),
        event_type: "metering.stale".into(),
        body: "{}".into(),
        attempts: 0,
        window_start: 0,
        customer_id: None,
    };
    receiver.lock().expect("lock").delay = Duration::from_secs(30);
    let start = Instant::now();
    let outcome = webhooks.attempt(&delivery(&url), common_now()).await;
    assert!(start.elapsed() < Duration::from_secs(11), "{:?}", start.elapsed());
    assert_eq!(
        outcome,
        server::webhooks::Outcome::Failed { status: None, error: "no answer within 10 seconds".into() }
    );
    receiver.lock().expect("lock").delay = Duration::ZERO;
    receiver.lock().expect("lock").answer = 302;
    let outcome = webhooks.attempt(&delivery(&url), common_now()).await;
    assert!(
        matches!(outcome, server::webhooks::Outcome::Failed { status: Some(302), .. }),
        "a redirect is not followed: {outcome:?}"
    );
    let closed = std::net::TcpListener::bind("127.0.0.1:0").expect("port").local_addr().expect("addr");
    let outcome = webhooks.attempt(&delivery(&format!("http://{closed}/hook")), common_now()).await;
    assert!(matches!(outcome, server::webhooks::Outcome::Failed { status: None, .. }), "unreachable: {outcome:?}");
    receiver.lock().expect("lock").answer = 500;
    let outcome = webhooks.attempt(&delivery(&url), common_now()).await;
    assert!(matches!(outcome, server::webhooks::Outcome::Failed { status: Some(500), .. }));
}

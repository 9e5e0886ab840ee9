//! The fulfillment endpoint end to end over HTTP: the real server on a free port, the portal calling the
//! simulator through the real `aws-sdk-marketplacemetering` client, and a fresh SQLite database per test.

use crate::common;

use reqwest::header::{CONTENT_TYPE, LOCATION, SET_COOKIE};
use reqwest::StatusCode;
use serde_json::{json, Value};

type Portal = common::Server;

async fn start(extra: &[(&str, &str)]) -> Portal {
    common::start(extra).await
}

/// What these tests ask of a portal.
trait Fulfillment {
    async fn mint(&self, body: Value) -> String;
    async fn fulfill(&self, form: &[(&str, &str)]) -> reqwest::Response;
    async fn count(&self, table: &str) -> i64;
    async fn get(&self, path: &str, cookie: Option<&str>) -> (StatusCode, String);
}

impl Fulfillment for Portal {
    async fn mint(&self, body: Value) -> String {
        let res = self.http.post(format!("{}/_sim/aws/tokens", self.base)).json(&body).send().await.expect("mint");
        assert_eq!(res.status(), StatusCode::CREATED);
        let body: Value = res.json().await.expect("json");
        body["token"].as_str().expect("token").to_owned()
    }

    async fn fulfill(&self, form: &[(&str, &str)]) -> reqwest::Response {
        self.http.post(format!("{}/marketplace/aws", self.base)).form(form).send().await.expect("fulfill")
    }

    async fn count(&self, table: &str) -> i64 {
        sqlx::query_scalar(&format!("SELECT COUNT(*) FROM {table}")).fetch_one(self.store.pool()).await.expect("count")
    }

    async fn get(&self, path: &str, cookie: Option<&str>) -> (StatusCode, String) {
        let mut req = self.http.get(format!("{}{path}", self.base));
        if let Some(cookie) = cookie {
            req = req.header("cookie", cookie);
        }
        let res = req.send().await.expect("get");
        (res.status(), res.text().await.expect("body"))
    }
}

/// Asserts a refusal: the status, the plain-words page, no cookie, and nothing stored.
async fn assert_refused(portal: &Portal, res: reqwest::Response, status: StatusCode, reason: &str) {
    assert_eq!(res.status(), status);
    assert!(res.headers().get(SET_COOKIE).is_none(), "a refusal sets no cookie");
    assert!(res.headers().get(CONTENT_TYPE).is_some_and(|v| v.to_str().unwrap_or("").starts_with("text/html")));
    let body = res.text().await.expect("body");
    assert!(body.contains("Set Up Your Account"), "the page tells the buyer what to do: {body}");
    assert!(body.contains(reason), "expected {reason:?} in {body}");
    assert_eq!(portal.count("marketplace_customers").await, 0, "nothing stored");
    assert_eq!(portal.count("activation_sessions").await, 0, "nothing stored");
}

#[tokio::test]
async fn a_valid_token_starts_an_activation_session() {
    let portal = start(&[]).await;
    let token = portal.mint(json!({"aws_account_id": "123456789012"})).await;
    let res = portal.fulfill(&[("x-amzn-marketplace-token", &token)]).await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    assert_eq!(res.headers()[LOCATION], "/activate");
    let set_cookie = res.headers()[SET_COOKIE].to_str().expect("cookie").to_owned();
    assert!(set_cookie.starts_with("portal_activation="), "{set_cookie}");
    assert!(set_cookie.contains("HttpOnly") && set_cookie.contains("SameSite=Lax"), "{set_cookie}");
    assert!(!set_cookie.contains("Secure"), "dev serves plain HTTP");
    let cookie = set_cookie.split(';').next().expect("pair").to_owned();
    assert!(!cookie.contains(&token), "the cookie never holds the token");
    assert_eq!(portal.count("marketplace_customers").await, 1);
    assert_eq!(portal.count("activation_sessions").await, 1);
    let (license, identifier): (Option<String>, Option<String>) =
        sqlx::query_as("SELECT license_arn, customer_identifier FROM marketplace_customers")
            .fetch_one(portal.store.pool())
            .await
            .expect("row");
    assert!(license.is_some_and(|l| l.contains(":license:l-")));
    assert!(identifier.is_some());

    let (status, page) = portal.get("/activate", Some(&cookie)).await;
    assert_eq!(status, StatusCode::OK);
    assert!(page.contains("1234-5678-9012"), "the page shows the AWS account: {page}");
    assert!(page.contains("No billing account") && page.contains("I have a billing account"));
}

#[tokio::test]
async fn the_same_account_twice_is_one_customer_and_a_resubmitted_token_still_works() {
    let portal = start(&[]).await;
    let first = portal.mint(json!({"aws_account_id": "1234-5678-9012"})).await;
    let second = portal.mint(json!({"aws_account_id": "123456789012", "product_code": "guance-dev"})).await;
    for token in [&first, &second, &first] {
        let res = portal.fulfill(&[("x-amzn-marketplace-token", token)]).await;
        assert_eq!(res.status(), StatusCode::SEE_OTHER);
    }
    assert_eq!(portal.count("marketplace_customers").await, 1);
    assert_eq!(portal.count("activation_sessions").await, 3);
}

#[tokio::test]
async fn an_unknown_token_is_refused_in_plain_words() {
    let portal = start(&[]).await;
    let res = portal.fulfill(&[("x-amzn-marketplace-token", "not-a-token-aws-ever-issued")]).await;
    assert_refused(&portal, res, StatusCode::BAD_REQUEST, "is not valid").await;
}

#[tokio::test]
async fn an_expired_token_is_refused() {
    let portal = start(&[]).await;
    let token = portal.mint(json!({"aws_account_id": "123456789012", "ttl_seconds": 0})).await;
    let res = portal.fulfill(&[("x-amzn-marketplace-token", &token)]).await;
    assert_refused(&portal, res, StatusCode::BAD_REQUEST, "has expired").await;
}

#[tokio::test]
async fn a_token_for_another_product_is_refused() {
    let portal = start(&[]).await;
    let token = portal.mint(json!({"aws_account_id": "123456789012", "product_code": "someone-else"})).await;
    let res = portal.fulfill(&[("x-amzn-marketplace-token", &token)]).await;
    assert_refused(&portal, res, StatusCode::FORBIDDEN, "different product").await;
}

#[tokio::test]
async fn missing_empty_oversized_and_malformed_posts_are_refused() {
    let portal = start(&[]).await;
    let res = portal.fulfill(&[("something-else", "x")]).await;
    assert_refused(&portal, res, StatusCode::BAD_REQUEST, "did not include a registration token").await;
    let res = portal.fulfill(&[("x-amzn-marketplace-token", "   ")]).await;
    assert_refused(&portal, res, StatusCode::BAD_REQUEST, "did not include a registration token").await;
    let long = "x".repeat(3000);
    let res = portal.fulfill(&[("x-amzn-marketplace-token", &long)]).await;
    assert_refused(&portal, res, StatusCode::BAD_REQUEST, "is not valid").await;
    let huge = "x".repeat(100_000);
    let res = portal.fulfill(&[("x-amzn-marketplace-token", &huge)]).await;
    assert_refused(&portal, res, StatusCode::BAD_REQUEST, "is not valid").await;
    let res = portal
        .http
        .post(format!("{}/marketplace/aws", portal.base))
        .json(&json!({"x-amzn-marketplace-token": "abc"}))
        .send()
        .await
        .expect("post");
    assert_refused(&portal, res, StatusCode::BAD_REQUEST, "is not valid").await;
}

#[tokio::test]
async fn aws_being_unreachable_is_an_honest_503_that_stores_nothing() {
    // Port 9 (discard) on loopback: nothing listens there.
    let portal = start(&[("AWS_MARKETPLACE_ENDPOINT", "http://127.0.0.1:9/")]).await;
    let token = portal.mint(json!({"aws_account_id": "123456789012"})).await;
    let res = portal.fulfill(&[("x-amzn-marketplace-token", &token)]).await;
    assert_refused(&portal, res, StatusCode::SERVICE_UNAVAILABLE, "could not reach AWS Marketplace").await;
}

#[tokio::test]
async fn without_a_session_activate_explains_where_activation_starts() {
    let portal = start(&[]).await;
    let (status, page) = portal.get("/activate", None).await;
    assert_eq!(status, StatusCode::OK);
    assert!(page.contains("Activation starts from AWS Marketplace"), "{page}");
    let forged = "portal_activation=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA";
    let (status, page) = portal.get("/activate", Some(forged)).await;
    assert_eq!(status, StatusCode::OK);
    assert!(page.contains("Activation starts from AWS Marketplace"), "{page}");
}

#[tokio::test]
async fn the_simulator_speaks_aws_json_and_refuses_unsigned_calls() {
    let portal = start(&[]).await;
    let res = portal
        .http
        .post(format!("{}/_sim/aws/", portal.base))
        .header("x-amz-target", "AWSMPMeteringService.ResolveCustomer")
        .header(CONTENT_TYPE, "application/x-amz-json-1.1")
        .body(r#"{"RegistrationToken":"x"}"#)
        .send()
        .await
        .expect("post");
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    let body: Value = res.json().await.expect("json");
    assert_eq!(body["__type"], "MissingAuthenticationTokenException");

    let bad =
        portal.http.post(format!("{}/_sim/aws/tokens", portal.base)).json(&json!({"aws_account_id": "12"})).send();
    assert_eq!(bad.await.expect("mint").status(), StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn health_and_metrics_answer() {
    let portal = start(&[]).await;
    let (status, body) = portal.get("/healthz", None).await;
    assert_eq!((status, body.as_str()), (StatusCode::OK, "ok"));
    let res = portal.fulfill(&[("x-amzn-marketplace-token", "nope")]).await;
    assert_eq!(res.status(), StatusCode::BAD_REQUEST);
    let (status, body) = portal.get("/metrics", None).await;
    assert_eq!(status, StatusCode::OK);
    assert!(body.contains("portal_fulfillment_total"), "{body}");
    assert!(body.contains("portal_http_requests_total"), "{body}");
}

#[tokio::test]
async fn prod_mounts_no_dev_routes() {
    let portal = start(&common::PROD).await;
    for path in ["/dev", "/gallery", "/_dev/mailbox", "/_dev/mailbox.json", "/_sim/aws/metering"] {
        let (status, _) = portal.get(path, None).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{path}");
    }
    for path in ["/_sim/aws/tokens", "/_sim/aws/faults", "/_sim/aws/entitlements", "/_dev/metering/run"] {
        let res = portal.http.post(format!("{}{path}", portal.base)).json(&json!({})).send().await;
        assert_eq!(res.expect("post").status(), StatusCode::NOT_FOUND, "{path}");
    }
    let (status, _) = portal.get("/healthz", None).await;
    assert_eq!(status, StatusCode::OK);
}

#[tokio::test]
async fn the_dev_mailbox_answers_as_json_and_html() {
    let portal = start(&[]).await;
    let (status, body) = portal.get("/_dev/mailbox.json?to=nobody@example.com", None).await;
    assert_eq!((status, body.as_str()), (StatusCode::OK, "[]"));
    let (status, body) = portal.get("/_dev/mailbox", None).await;
    assert_eq!(status, StatusCode::OK);
    assert!(body.contains("No email has been sent yet."), "{body}");
}

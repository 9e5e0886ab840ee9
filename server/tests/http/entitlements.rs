//! Entitlements end to end: the simulator holds a contract, fulfillment reads it through the real
//! `aws-sdk-marketplaceentitlement` client (AWS JSON 1.1, every page) and stores it.

use crate::common;

use reqwest::StatusCode;
use serde_json::{json, Value};
use server::entitlements::{EntitlementStore, EntitlementValue};

async fn start() -> common::Server {
    common::start(&[]).await
}

#[tokio::test]
async fn registration_reads_every_page_of_the_contract_and_an_empty_one_is_no_contract() {
    let portal = start().await;
    let (base, store) = (portal.base.clone(), portal.store.clone());
    let http = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().expect("client");
    // 30 dimensions: two pages of GetEntitlements (25 + 5).
    let mut entitlements: Vec<Value> = (0..28)
        .map(|i| json!({ "dimension": format!("dim_{i:02}"), "integer_value": i, "expiration_date": 2_000_000_000 }))
        .collect();
    entitlements.push(json!({ "dimension": "tier", "string_value": "enterprise" }));
    entitlements.push(json!({ "dimension": "sso", "boolean_value": true }));
    let set = http
        .post(format!("{base}/_sim/aws/entitlements"))
        .json(&json!({ "aws_account_id": "123456789012", "entitlements": entitlements }))
        .send()
        .await
        .expect("set");
    assert_eq!(set.status(), StatusCode::OK);
    // Another customer's contract is not read for this one.
    http.post(format!("{base}/_sim/aws/entitlements"))
        .json(&json!({ "aws_account_id": "999999999999", "entitlements": [{ "dimension": "hosts", "integer_value": 1 }] }))
        .send()
        .await
        .expect("set");

    portal.subscribe("123456789012").await;
    let stored = store.entitlements(portal.customer_id("123456789012").await).await.expect("read");
    assert_eq!(stored.len(), 30, "both pages");
    assert!(stored.iter().any(|e| e.dimension == "dim_27"
        && e.value == EntitlementValue::Integer(27)
        && e.expires_at == Some(2_000_000_000)));
    assert!(stored.iter().any(|e| e.dimension == "tier" && e.value == EntitlementValue::String("enterprise".into())));
    assert!(stored.iter().any(|e| e.dimension == "sso" && e.value == EntitlementValue::Boolean(true)));
    assert!(!stored.iter().any(|e| e.dimension == "hosts"));

    // No contract at all: registration goes on and nothing is stored.
    portal.subscribe("210987654321").await;
    assert!(store.entitlements(portal.customer_id("210987654321").await).await.expect("read").is_empty());
    let checked: Option<i64> =
        sqlx::query_scalar("SELECT entitlements_checked_at FROM marketplace_customers WHERE aws_account_id = $1")
            .bind("210987654321")
            .fetch_one(store.pool())
            .await
            .expect("checked");
    assert!(checked.is_some(), "an empty answer is a successful read");
}

#[tokio::test]
async fn get_entitlements_refusals_follow_aws() {
    let portal = start().await;
    let base = portal.base.clone();
    let http = reqwest::Client::new();
    let call = |body: Value| {
        http.post(format!("{base}/_sim/aws/"))
            .header("x-amz-target", "AWSMPEntitlementService.GetEntitlements")
            .header("authorization", "AWS4-HMAC-SHA256 Credential=dev/20260101/us-east-1/aws-marketplace/aws4_request")
            .header("content-type", "application/x-amz-json-1.1")
            .body(body.to_string())
            .send()
    };
    for (body, kind) in [
        (json!({}), "InvalidParameterException"),
        (json!({ "ProductCode": "guance-dev", "MaxResults": 26 }), "InvalidParameterException"),
        (json!({ "ProductCode": "guance-dev", "NextToken": "forged" }), "InvalidParameterException"),
        (json!({ "ProductCode": "guance-dev", "Filter": { "COLOR": ["x"] } }), "InvalidParameterException"),
        (json!({ "ProductCode": 7 }), "SerializationException"),
    ] {
        let res = call(body.clone()).await.expect("call");
        assert_eq!(res.status(), StatusCode::BAD_REQUEST, "{body}");
        assert_eq!(res.headers()["x-amzn-errortype"], kind, "{body}");
    }
    let empty: Value = call(json!({ "ProductCode": "guance-dev" })).await.expect("call").json().await.expect("json");
    assert_eq!(empty, json!({ "Entitlements": [] }));
}

#[tokio::test]
async fn throttling_and_outages_of_get_entitlements_reach_the_portal_as_unavailable() {
    use server::entitlements::{EntitlementError, EntitlementSource};
    let portal = start().await;
    let base = portal.base.clone();
    let http = reqwest::Client::new();
    let endpoint = format!("{base}/_sim/aws/");
    let aws = server::aws::Marketplace::new(&server::aws::AwsSettings {
        region: "us-east-1".into(),
        endpoint: Some(endpoint),
        static_credentials: true,
    })
    .await;
    for kind in ["throttle", "internal"] {
        let res = http
            .post(format!("{base}/_sim/aws/faults"))
            .json(&json!({ "operation": "GetEntitlements", "kind": kind, "times": 5 }))
            .send()
            .await
            .expect("fault");
        assert_eq!(res.status(), StatusCode::NO_CONTENT);
        let answer = aws.get_entitlements("guance-dev", "123456789012").await;
        assert!(matches!(answer, Err(EntitlementError::Unavailable(_))), "{kind}: {answer:?}");
        http.delete(format!("{base}/_sim/aws/faults")).send().await.expect("clear");
    }
    assert_eq!(aws.get_entitlements("guance-dev", "123456789012").await, Ok(vec![]), "no contract");
}

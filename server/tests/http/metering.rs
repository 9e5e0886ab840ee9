//! Metering end to end: usage reported over HTTP, the job sending it through the real
//! `aws-sdk-marketplacemetering` client to the simulator (a second server, as AWS would be), with injected
//! throttling, lost answers and a portal instance that dies mid-run.

use crate::common;

use common::{start, Server};
use reqwest::redirect::Policy;
use reqwest::StatusCode;
use serde_json::{json, Value};
use server::aws::{AwsSettings, Marketplace};
use server::config::{simulator_url, DEV_INTERNAL_TOKEN};
use server::metering::{
    run_once, run_with_heartbeats, Backoff, Meter, MeterError, PendingRecord, RecordStatus, LEASE_SECS,
};
use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

const H: i64 = 3600;

fn http() -> reqwest::Client {
    reqwest::Client::builder().redirect(Policy::none()).build().expect("client")
}

async fn marketplace(aws: &Server) -> Marketplace {
    Marketplace::new(&AwsSettings {
        region: "us-east-1".into(),
        endpoint: Some(simulator_url(aws.addr)),
        static_credentials: true,
    })
    .await
}

/// A customer of the listing at the simulator and in the portal (through fulfillment), with one workspace
/// billed to it. Returns the workspace id.
async fn customer_with_workspace(aws: &Server, portal: &Server, account: &str) -> i64 {
    portal.subscribe_via(aws, account).await;
    portal.settled_workspace(account, &format!("u{account}"), "x", "w").await
}

async fn fault(aws: &Server, kind: &str, times: u32) {
    let res = http()
        .post(format!("{}/_sim/aws/faults", aws.base))
        .json(&json!({ "operation": "BatchMeterUsage", "kind": kind, "times": times, "delay_ms": 1500 }))
        .send()
        .await
        .expect("fault");
    assert_eq!(res.status(), StatusCode::NO_CONTENT);
}

fn now() -> i64 {
    app::ssr::ports::now()
}

/// The start of the newest hour the job treats as closed at `now`.
fn last_closed_hour(now: i64) -> i64 {
    let closed_before = now - server::metering::CLOSE_AFTER_SECS;
    closed_before - closed_before.rem_euclid(H) - H
}

fn quick() -> Backoff {
    Backoff { attempts: 4, first: Duration::from_millis(10), max: Duration::from_millis(50) }
}

#[tokio::test]
async fn usage_reports_need_the_token_and_are_all_or_nothing() {
    let portal = start(&[]).await;
    let ws = customer_with_workspace(&portal, &portal, "123456789012").await;
    let http = http();
    let url = format!("{}/internal/usage", portal.base);
    let hour = last_closed_hour(now());
    let body = json!({ "records": [{ "event_id": "e1", "workspace_id": ws, "dimension": "hosts", "hour": hour, "quantity": 3 }] });
    assert_eq!(http.post(&url).json(&body).send().await.expect("post").status(), StatusCode::UNAUTHORIZED);
    let wrong = http.post(&url).bearer_auth("not-the-token").json(&body).send().await.expect("post");
    assert_eq!(wrong.status(), StatusCode::UNAUTHORIZED);
    let ok = http.post(&url).bearer_auth(DEV_INTERNAL_TOKEN).json(&body).send().await.expect("post");
    assert_eq!(ok.status(), StatusCode::ACCEPTED);
    assert_eq!(ok.json::<Value>().await.expect("json"), json!({ "accepted": 1, "repeated": 0 }));
    let again = http.post(&url).bearer_auth(DEV_INTERNAL_TOKEN).json(&body).send().await.expect("post");
    assert_eq!(again.json::<Value>().await.expect("json"), json!({ "accepted": 0, "repeated": 1 }));
    for bad in [
        json!({ "records": [] }),
        json!({ "records": [{ "event_id": "e2", "workspace_id": ws, "dimension": "gpus", "hour": hour, "quantity": 1 }] }),
        json!({ "records": [{ "event_id": "e3", "workspace_id": ws, "dimension": "hosts", "hour": now() + H, "quantity": 1 }] }),
        json!({ "records": [{ "event_id": "e4", "workspace_id": ws, "dimension": "hosts", "hour": hour, "quantity": -1 }] }),
        json!({ "records": [
            { "event_id": "e5", "workspace_id": ws, "dimension": "hosts", "hour": hour, "quantity": 1 },
            { "event_id": "e6", "workspace_id": 4242, "dimension": "hosts", "hour": hour, "quantity": 1 }
        ] }),
        json!({ "rows": [] }),
    ] {
        let res = http.post(&url).bearer_auth(DEV_INTERNAL_TOKEN).json(&bad).send().await.expect("post");
        assert!(res.status().is_client_error(), "{bad}: {}", res.status());
    }
    let stored: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM usage_events").fetch_one(portal.store.pool()).await.expect("n");
    assert_eq!(stored, 1, "a refused report stores nothing");
}

#[tokio::test]
async fn batch_meter_usage_answers_as_aws_documents_through_the_sdk() {
    let aws = start(&[]).await;
    let portal = start(&[("AWS_MARKETPLACE_ENDPOINT", &simulator_url(aws.addr))]).await;
    customer_with_workspace(&aws, &portal, "123456789012").await;
    let meter = marketplace(&aws).await;
    let license: String = sqlx::query_scalar("SELECT license_arn FROM marketplace_customers")
        .fetch_one(portal.store.pool())
        .await
        .expect("license");
    let hour = last_closed_hour(now());
    let record = |account: &str, dimension: &str, usage_hour: i64, quantity: i64| PendingRecord {
        id: 1,
        aws_account_id: account.into(),
        license_arn: Some(license.clone()),
        customer_identifier: None,
        product_code: "guance-dev".into(),
        dimension: dimension.into(),
        usage_hour,
        quantity,
        allocations: Vec::new(),
    };
    let first = meter.batch_meter_usage(None, &[record("123456789012", "hosts", hour, 5)]).await.expect("call");
    let Some((_, RecordStatus::Success { metering_record_id })) = first.results.first().cloned() else {
        panic!("{first:?}")
    };
    let same = meter.batch_meter_usage(None, &[record("123456789012", "hosts", hour, 5)]).await.expect("call");
    assert_eq!(same.results[0].1, RecordStatus::Success { metering_record_id }, "identical → identical answer");
    let other = meter.batch_meter_usage(None, &[record("123456789012", "hosts", hour, 6)]).await.expect("call");
    assert_eq!(other.results[0].1, RecordStatus::DuplicateRecord, "same hour, another quantity");
    let stranger = meter.batch_meter_usage(None, &[record("210987654321", "hosts", hour, 1)]).await.expect("call");
    assert_eq!(stranger.results[0].1, RecordStatus::CustomerNotSubscribed);
    let mut other_license = record("123456789012", "hosts", hour - H, 1);
    other_license.license_arn = Some("arn:aws:license-manager::123456789012:license:l-not-this-one".into());
    let other = meter.batch_meter_usage(None, &[other_license]).await.expect("call");
    assert_eq!(other.results[0].1, RecordStatus::CustomerNotSubscribed, "a license the customer does not hold");
    let too_old = meter.batch_meter_usage(None, &[record("123456789012", "hosts", now() - 7 * H, 1)]).await;
    assert!(matches!(too_old, Err(MeterError::Refused(ref e)) if e.contains("TimestampOutOfBounds")), "{too_old:?}");
    let future = meter.batch_meter_usage(None, &[record("123456789012", "hosts", now() + 2 * H, 1)]).await;
    assert!(matches!(future, Err(MeterError::Refused(ref e)) if e.contains("TimestampOutOfBounds")), "{future:?}");
    let dimension = meter.batch_meter_usage(None, &[record("123456789012", "gpus", hour, 1)]).await;
    assert!(
        matches!(dimension, Err(MeterError::Refused(ref e)) if e.contains("InvalidUsageDimension")),
        "{dimension:?}"
    );
    let many: Vec<PendingRecord> = (0..26).map(|i| record("123456789012", "hosts", hour - i * H / 10, 1)).collect();
    assert!(matches!(meter.batch_meter_usage(None, &many).await, Err(MeterError::Refused(_))), "more than 25");
    let product = meter.batch_meter_usage(Some("not a product!"), &[record("123456789012", "hosts", hour, 5)]).await;
    assert!(matches!(product, Err(MeterError::Refused(ref e)) if e.contains("InvalidProductCode")), "{product:?}");
    fault(&aws, "throttle", 10).await;
    let throttled = meter.batch_meter_usage(None, &[record("123456789012", "log_gb", hour, 1)]).await;
    assert!(matches!(throttled, Err(MeterError::Retryable(ref e)) if e.contains("Throttling")), "{throttled:?}");
    let _ = http().delete(format!("{}/_sim/aws/faults", aws.base)).send().await;
    fault(&aws, "internal", 10).await;
    let internal = meter.batch_meter_usage(None, &[record("123456789012", "log_gb", hour, 1)]).await;
    assert!(matches!(internal, Err(MeterError::Retryable(_))), "{internal:?}");
    let _ = http().delete(format!("{}/_sim/aws/faults", aws.base)).send().await;
    fault(&aws, "unprocessed", 1).await;
    let unprocessed = meter.batch_meter_usage(None, &[record("123456789012", "log_gb", hour, 1)]).await.expect("call");
    assert_eq!((unprocessed.results.len(), unprocessed.unprocessed.len()), (0, 1));
    aws.task.abort();
    portal.task.abort();
}

#[tokio::test]
async fn a_thousand_usage_rows_reach_aws_exactly_once_through_throttling_and_a_crash() {
    let aws = start(&[]).await;
    let endpoint = simulator_url(aws.addr);
    let portal = start(&[("AWS_MARKETPLACE_ENDPOINT", &endpoint)]).await;
    let mut workspaces = Vec::new();
    for i in 0..40 {
        let account = format!("{:012}", 100_000_000_000_i64 + i);
        workspaces.push((account.clone(), customer_with_workspace(&aws, &portal, &account).await));
    }
    // 1,000 rows over 3 closed hours, 40 customers and the 5 dimensions.
    let newest = last_closed_hour(now());
    let dimensions = server::metering::DIMENSIONS;
    let mut expected: BTreeMap<(String, String, i64), i64> = BTreeMap::new();
    let mut rows = Vec::new();
    for i in 0..1000_i64 {
        let (account, ws) = &workspaces[(i % 40) as usize];
        let hour = newest - ((i / 40) % 3) * H;
        let dimension = dimensions[((i / 120) % 5) as usize];
        let quantity = i % 7 + 1;
        *expected.entry((account.clone(), dimension.to_owned(), hour)).or_default() += quantity;
        rows.push(json!({ "event_id": format!("row-{i}"), "workspace_id": ws, "dimension": dimension,
                          "hour": hour + i % 3600, "quantity": quantity }));
    }
    for chunk in rows.chunks(400) {
        let res = http()
            .post(format!("{}/internal/usage", portal.base))
            .bearer_auth(DEV_INTERNAL_TOKEN)
            .json(&json!({ "records": chunk }))
            .send()
            .await
            .expect("usage");
        assert_eq!(res.status(), StatusCode::ACCEPTED);
    }

    // Instance A dies while the answer to its first batch is on its way (AWS has recorded it); then AWS
    // loses two answers, leaves a batch unprocessed and throttles.
    fault(&aws, "slow", 1).await;
    fault(&aws, "lost", 2).await;
    fault(&aws, "unprocessed", 1).await;
    fault(&aws, "throttle", 3).await;
    let store = Arc::new(portal.store.clone());
    let meter = Arc::new(marketplace(&aws).await);
    let started = now();
    let crashed = {
        let (store, meter) = (store.clone(), meter.clone());
        tokio::spawn(async move { run_once(store.as_ref(), meter.as_ref(), "instance-a", started, quick()).await })
    };
    tokio::time::sleep(Duration::from_millis(400)).await;
    crashed.abort();
    let _ = crashed.await;

    // Instance B, after the restart: the lease of the dead instance blocks it until it expires.
    let blocked = run_once(store.as_ref(), meter.as_ref(), "instance-b", started + 1, quick()).await.expect("run");
    assert!(!blocked.ran || blocked.frozen == 0, "the dead instance's lease is respected: {blocked:?}");
    let mut at = started + LEASE_SECS + 1;
    for _ in 0..5 {
        let report = run_once(store.as_ref(), meter.as_ref(), "instance-b", at, quick()).await.expect("run");
        assert!(report.ran);
        if report.left_pending == 0 {
            break;
        }
        at += 60;
    }

    // Every customer, dimension and hour reached AWS once, with the full sum, and is stored as sent.
    let states: Vec<(String, Option<String>, i64)> =
        sqlx::query_as("SELECT state, status, COUNT(*) FROM metering_records GROUP BY state, status ORDER BY state")
            .fetch_all(portal.store.pool())
            .await
            .expect("states");
    assert_eq!(states, vec![("sent".to_owned(), Some("Success".to_owned()), expected.len() as i64)]);
    let received: Value =
        http().get(format!("{}/_sim/aws/metering", aws.base)).send().await.expect("list").json().await.expect("json");
    let mut billed: BTreeMap<(String, String, i64), (i64, String)> = BTreeMap::new();
    let answered = received["records"].as_array().expect("records");
    assert!(
        answered.len() >= expected.len() + 25,
        "the batch the dead instance sent, and the lost answers, were sent again: {} answers for {} records",
        answered.len(),
        expected.len()
    );
    for r in answered {
        assert_eq!(r["status"], "Success", "no duplicate and no unknown customer: {r}");
        let key = (
            r["customer"].as_str().expect("customer").to_owned(),
            r["dimension"].as_str().expect("dimension").to_owned(),
            r["timestamp"].as_i64().expect("timestamp"),
        );
        let value = (r["quantity"].as_i64().expect("quantity"), r["metering_record_id"].to_string());
        if let Some(previous) = billed.insert(key.clone(), value.clone()) {
            assert_eq!(previous, value, "a resend is identical and gets the identical answer: {key:?}");
        }
    }
    let billed: BTreeMap<_, _> = billed.into_iter().map(|(k, (q, _))| (k, q)).collect();
    assert_eq!(billed, expected);
    aws.task.abort();
    portal.task.abort();
}

/// The BatchMeterUsage errors the portal's own requests never provoke (allocations, tags, a malformed
/// CustomerIdentifier, a disabled API), through the SDK client itself.
#[tokio::test]
async fn the_remaining_batch_meter_usage_errors_reach_the_sdk_typed() {
    use aws_sdk_marketplacemetering::operation::batch_meter_usage::BatchMeterUsageError;
    use aws_sdk_marketplacemetering::primitives::DateTime;
    use aws_sdk_marketplacemetering::types::{Tag, UsageAllocation, UsageRecord};
    let aws = start(&[]).await;
    let config = aws_sdk_marketplacemetering::Config::builder()
        .behavior_version(aws_sdk_marketplacemetering::config::BehaviorVersion::latest())
        .region(aws_sdk_marketplacemetering::config::Region::new("us-east-1"))
        .credentials_provider(aws_sdk_marketplacemetering::config::Credentials::new("dev", "dev", None, None, "test"))
        .endpoint_url(simulator_url(aws.addr))
        .build();
    let client = aws_sdk_marketplacemetering::Client::from_conf(config);
    let hour = last_closed_hour(now());
    let record = |quantity: i32, allocations: Option<Vec<UsageAllocation>>, customer: &str| {
        UsageRecord::builder()
            .timestamp(DateTime::from_secs(hour))
            .customer_identifier(customer)
            .dimension("hosts")
            .quantity(quantity)
            .set_usage_allocations(allocations)
            .build()
            .expect("record")
    };
    let tag = |i: usize| Tag::builder().key(format!("k{i}")).value("v").build().expect("tag");
    let allocation = |quantity: i32, tags: usize| {
        UsageAllocation::builder()
            .allocated_usage_quantity(quantity)
            .set_tags((tags > 0).then(|| (0..tags).map(tag).collect()))
            .build()
            .expect("allocation")
    };
    let call = |record: UsageRecord| client.batch_meter_usage().product_code("guance-dev").usage_records(record).send();
    let err = call(record(5, Some(vec![allocation(2, 1), allocation(2, 1)]), "CUSTOMER1")).await.expect_err("sum");
    assert!(matches!(err.into_service_error(), BatchMeterUsageError::InvalidUsageAllocationsException(_)));
    let err = call(record(5, Some(vec![allocation(5, 6)]), "CUSTOMER1")).await.expect_err("tags");
    assert!(matches!(err.into_service_error(), BatchMeterUsageError::InvalidTagException(_)));
    let err = call(record(5, None, "not a customer id!")).await.expect_err("identifier");
    assert!(matches!(err.into_service_error(), BatchMeterUsageError::InvalidCustomerIdentifierException(_)));
    let fine = call(record(5, Some(vec![allocation(3, 2), allocation(2, 0)]), "CUSTOMER1")).await.expect("ok");
    assert_eq!(fine.results().len(), 1, "allocations that add up are accepted");
    fault(&aws, "disabled", 1).await;
    let err = call(record(5, None, "CUSTOMER1")).await.expect_err("disabled");
    assert!(matches!(err.into_service_error(), BatchMeterUsageError::DisabledApiException(_)));
}

async fn report(portal: &Server, records: Value) -> (StatusCode, Value) {
    let res = http()
        .post(format!("{}/internal/usage", portal.base))
        .bearer_auth(DEV_INTERNAL_TOKEN)
        .json(&json!({ "records": records }))
        .send()
        .await
        .expect("usage");
    (res.status(), res.json().await.unwrap_or(Value::Null))
}

#[tokio::test]
async fn allocations_reported_over_http_reach_aws_summed_per_tag_set() {
    let portal = start(&[]).await;
    let ws = customer_with_workspace(&portal, &portal, "123456789012").await;
    let hour = last_closed_hour(now());
    let team = |t: &str| json!([{ "key": "team", "value": t }]);
    let row = |id: &str, quantity: i64, allocations: Value| {
        json!({ "event_id": id, "workspace_id": ws, "dimension": "hosts", "hour": hour, "quantity": quantity,
                "allocations": allocations })
    };
    let six_tags: Vec<Value> = (0..6).map(|i| json!({ "key": format!("k{i}"), "value": "v" })).collect();
    for (records, reason) in [
        (
            json!([
                row("a", 4, json!([{ "quantity": 4 }])),
                row("b", 4, json!([{ "quantity": 3, "tags": team("x") }]))
            ]),
            "row 1: the allocations' quantities sum to 3, not to the row's quantity 4",
        ),
        (json!([row("c", 1, json!([{ "quantity": 1, "tags": six_tags }]))]), "row 0: allocation 0: at most 5 tags"),
        (
            json!([row("d", 1, json!([{ "quantity": 1, "tags": team("a&b") }]))]),
            "row 0: allocation 0: the value of tag",
        ),
        (json!([row("e", 1, json!([]))]), "row 0: allocations must hold 1 to 2500 entries"),
    ] {
        let (status, body) = report(&portal, records).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
        assert!(body["error"].as_str().is_some_and(|e| e.starts_with(reason)), "{body} should say {reason}");
    }
    let (status, _) = report(&portal, json!([row("f", 1, json!([{ "quantity": 1, "labels": [] }]))])).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "an unknown field in an allocation");
    let stored: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM usage_events").fetch_one(portal.store.pool()).await.expect("n");
    assert_eq!(stored, 0, "a refused report stores nothing");

    let both = json!([{ "key": "team", "value": "b" }, { "key": "env", "value": "prod" }]);
    let reversed = json!([{ "key": "env", "value": "prod" }, { "key": "team", "value": "b" }]);
    let records = json!([
        row("g", 5, json!([{ "quantity": 3, "tags": team("a") }, { "quantity": 2, "tags": both }])),
        row("h", 4, json!([{ "quantity": 4, "tags": reversed }])),
    ]);
    assert_eq!(report(&portal, records).await.0, StatusCode::ACCEPTED);
    let sent = run_once(&portal.store, &marketplace(&portal).await, "me", now(), quick()).await.expect("run");
    assert_eq!((sent.frozen, sent.sent), (1, 1));
    let received: Value = http()
        .get(format!("{}/_sim/aws/metering", portal.base))
        .send()
        .await
        .expect("list")
        .json()
        .await
        .expect("json");
    let record = &received["records"][0];
    assert_eq!((record["status"].as_str(), record["quantity"].as_i64()), (Some("Success"), Some(9)));
    assert_eq!(
        record["allocations"],
        json!([
            { "quantity": 6, "tags": [{ "key": "env", "value": "prod" }, { "key": "team", "value": "b" }] },
            { "quantity": 3, "tags": [{ "key": "team", "value": "a" }] }
        ]),
        "summed per identical tag set, whatever the order of the tags"
    );
    portal.task.abort();
}

#[tokio::test]
async fn a_deprovisioned_license_is_metered_for_its_final_hour_and_no_later() {
    let portal = start(&[]).await;
    let account = "123456789012";
    let ws = customer_with_workspace(&portal, &portal, account).await;
    // The license was deprovisioned at half past, two hours before the last closed hour.
    let newest = last_closed_hour(now());
    let deprovisioned_at = newest - 2 * H + 1800;
    let ended: Value = http()
        .post(format!("{}/_sim/aws/eventbridge/send", portal.base))
        .json(&json!({ "aws_account_id": account, "detail_type": "License Deprovisioned - Manufacturer",
                       "at": deprovisioned_at }))
        .send()
        .await
        .expect("send")
        .json()
        .await
        .expect("json");
    assert_eq!(ended["delivered"]["answer"]["outcome"], "applied", "{ended}");
    let row = |id: &str, hour: i64| json!({ "event_id": id, "workspace_id": ws, "dimension": "hosts", "hour": hour, "quantity": 2 });
    // The hour starting 30 minutes after the end is within the window; the next one is not.
    let within = newest - H;
    let (status, body) = report(&portal, json!([row("a", within), row("b", newest)])).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    let reason = body["error"].as_str().unwrap_or_default();
    assert!(
        reason.starts_with(&format!("row 1: the subscription ended (license deprovisioned) at {deprovisioned_at}"))
            && reason.contains(&format!("hour {newest} is later")),
        "{reason}"
    );
    assert_eq!(report(&portal, json!([row("a", within)])).await.0, StatusCode::ACCEPTED);
    let meter = marketplace(&portal).await;
    let sent = run_once(&portal.store, &meter, "me", now(), quick()).await.expect("run");
    assert_eq!(sent.sent, 1);
    let status: Option<String> =
        sqlx::query_scalar("SELECT status FROM metering_records").fetch_one(portal.store.pool()).await.expect("row");
    assert_eq!(status.as_deref(), Some("Success"), "AWS takes the final hour's usage");
    // AWS's side of the boundary, through the SDK: the hour after the window is refused.
    let license: String = sqlx::query_scalar("SELECT license_arn FROM marketplace_customers")
        .fetch_one(portal.store.pool())
        .await
        .expect("license");
    let record = |usage_hour: i64| PendingRecord {
        id: 1,
        aws_account_id: account.into(),
        license_arn: Some(license.clone()),
        customer_identifier: None,
        product_code: "guance-dev".into(),
        dimension: "log_gb".into(),
        usage_hour,
        quantity: 1,
        allocations: Vec::new(),
    };
    let late = meter.batch_meter_usage(None, &[record(newest)]).await.expect("call");
    assert_eq!(late.results[0].1, RecordStatus::CustomerNotSubscribed, "an hour after the deprovisioning");
    let last = meter.batch_meter_usage(None, &[record(deprovisioned_at + H - 1)]).await.expect("call");
    assert!(matches!(last.results[0].1, RecordStatus::Success { .. }), "the window's last second");
    portal.task.abort();
}

#[tokio::test]
async fn quiet_hours_send_zero_heartbeats_that_aws_accepts() {
    let portal = start(&[]).await;
    let ws = customer_with_workspace(&portal, &portal, "123456789012").await;
    customer_with_workspace(&portal, &portal, "210987654321").await;
    // Both registered long before these hours.
    sqlx::query("UPDATE marketplace_customers SET created_at = 0").execute(portal.store.pool()).await.expect("age");
    let at = now();
    let newest = last_closed_hour(at);
    let meter = marketplace(&portal).await;
    let hosts = vec!["hosts".to_owned()];
    // The first run, two hours ago, fixed the first hour of heartbeats.
    let first = run_with_heartbeats(&portal.store, &meter, "me", at - 2 * H, quick(), &hosts).await.expect("run");
    assert_eq!(first.heartbeats, 0);
    let row = json!({ "event_id": "u", "workspace_id": ws, "dimension": "hosts", "hour": newest, "quantity": 5 });
    assert_eq!(report(&portal, json!([row])).await.0, StatusCode::ACCEPTED);
    let run = run_with_heartbeats(&portal.store, &meter, "me", at, quick(), &hosts).await.expect("run");
    let hours = (newest - (at - 2 * H - (at - 2 * H).rem_euclid(H))) / H + 1;
    assert_eq!((run.frozen, run.heartbeats as i64), (1, 2 * hours - 1), "every quiet hour since the first run, once");
    let received: Value = http()
        .get(format!("{}/_sim/aws/metering", portal.base))
        .send()
        .await
        .expect("list")
        .json()
        .await
        .expect("json");
    let records = received["records"].as_array().expect("records");
    assert_eq!(records.len() as i64, 2 * hours);
    for r in records {
        assert_eq!(r["status"], "Success", "AWS takes a zero quantity: {r}");
        let busy = r["customer"] == "123456789012" && r["timestamp"] == newest;
        assert_eq!(r["quantity"], if busy { 5 } else { 0 }, "{r}");
    }
    portal.task.abort();
}

#[tokio::test]
async fn the_job_starts_heartbeats_as_configured() {
    for (setting, started) in [(None, true), (Some("none"), false)] {
        let extra: Vec<(&str, &str)> =
            setting.map(|v| ("PORTAL_METERING_HEARTBEAT_DIMENSIONS", v)).into_iter().collect();
        let portal = start(&extra).await;
        let res = http().post(format!("{}/_dev/metering/run", portal.base)).send().await.expect("run");
        assert_eq!(res.status(), StatusCode::OK);
        let marks: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM job_marks WHERE name = 'metering.heartbeats_since'")
            .fetch_one(portal.store.pool())
            .await
            .expect("marks");
        assert_eq!(marks == 1, started, "{setting:?}");
        portal.task.abort();
    }
}

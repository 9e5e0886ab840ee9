//! Two portal processes on two ports sharing one PostgreSQL (a throwaway cluster): every piece of state that
//! must be shared lives in the database, so a buyer may be served by either instance at any step.

use crate::common;

use common::process::{basic_info, Process, PASSWORD};
use reqwest::StatusCode;
use serde_json::{json, Value};

type Instance = Process;

/// Starts the portal binary in dev mode on `database_url`; `aws` (a simulator URL) makes it call another
/// instance's simulator, so both meter to the same AWS.
async fn spawn(database_url: &str, aws: Option<&str>) -> Instance {
    match aws {
        Some(aws) => Process::spawn(database_url, &[("AWS_MARKETPLACE_ENDPOINT", aws)]).await,
        None => Process::spawn(database_url, &[]).await,
    }
}

#[tokio::test]
async fn two_instances_share_sessions_codes_races_the_metering_job_and_the_reconciliation() {
    let url = server::throwaway_pg::fresh_database().await.expect("PostgreSQL");
    let a = spawn(&url, None).await;
    let b = spawn(&url, Some(&format!("{}/_sim/aws/", a.base))).await;
    let pool = sqlx::PgPool::connect(&url).await.expect("pool");

    // 1. An activation started on A is finished on B, step by step alternating.
    let cookie = b.subscribe(&a, "123456789012").await;
    assert!(a.page("/activate", &cookie).await.contains("1234-5678-9012"), "A sees the session B started");
    b.form("/api/choose_branch", &cookie, &[("branch", "register")]).await;
    let email = "alice@example.com";
    a.form("/api/register_basic", &cookie, &[("email", email), ("intent", "send_code")]).await;
    let code = a.code_for(email).await;
    let (next, _) = b.form("/api/register_basic", &cookie, &basic_info("alice", email, &code)).await;
    assert_eq!(next, "/activate/register/company", "the code A mailed verifies on B");
    a.form(
        "/api/register_company",
        &cookie,
        &[("company_name", "Example Ltd"), ("industry", ""), ("company_size", "")],
    )
    .await;
    b.form(
        "/api/register_workspace",
        &cookie,
        &[("workspace_name", "Production"), ("language", "en"), ("terms", "yes")],
    )
    .await;
    let (done, _) = a.form("/api/register_activate", &cookie, &[]).await;
    assert_eq!(done, "/activate/register/done");
    assert!(b.page("/activate/register/done", &cookie).await.contains("Production"));
    let accounts: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM guance_accounts").fetch_one(&pool).await.expect("n");
    assert_eq!(accounts, 1);

    // 2. Code attempts count across both: three wrong tries on A and two on B void the code.
    let other = a.subscribe(&a, "210987654321").await;
    a.form("/api/choose_branch", &other, &[("branch", "register")]).await;
    let mail = "bob@example.com";
    b.form("/api/register_basic", &other, &[("email", mail), ("intent", "send_code")]).await;
    let right = b.code_for(mail).await;
    let wrong = if right == "000000" { "111111" } else { "000000" };
    let attempt = |code: &str| {
        [
            ("site", "us1"),
            ("username", "bob"),
            ("password", PASSWORD),
            ("confirm_password", PASSWORD),
            ("email", mail),
            ("code", code),
            ("phone", ""),
            ("intent", "continue"),
        ]
        .map(|(k, v)| (k, v.to_owned()))
    };
    for (i, instance) in [&a, &a, &a, &b, &b].into_iter().enumerate() {
        let fields = attempt(wrong);
        let fields: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
        let (next, _) = instance.form("/api/register_basic", &other, &fields).await;
        assert_eq!(next, "/activate/register", "try {i}");
    }
    let fields = attempt(&right);
    let fields: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let (next, _) = a.form("/api/register_basic", &other, &fields).await;
    assert_eq!(next, "/activate/register", "five wrong tries on two instances voided the code");
    assert!(a.page("/activate/register", &other).await.contains("wrong code too many times"));

    // 3. One workspace bound from both instances at once, by two AWS accounts linked to the same billing
    //    account: exactly one wins.
    let created = a
        .json(
            reqwest::Method::POST,
            "/_dev/billing-center/workspaces",
            json!({ "billing_username": "alice", "name": "Shared", "site": "us1", "language": "en" }),
        )
        .await;
    let shared = created["id"].as_i64().expect("workspace id").to_string();
    let mut linked = Vec::new();
    for (instance, account) in [(&a, "333333333333"), (&b, "444444444444")] {
        let session = instance.subscribe(&a, account).await;
        instance.form("/api/choose_branch", &session, &[("branch", "link")]).await;
        instance.form("/api/link_billing", &session, &[("username", "alice"), ("intent", "send_code")]).await;
        let code = instance.code_for(email).await;
        instance.form("/api/link_billing", &session, &[("username", "alice"), ("code", &code)]).await;
        let (next, _) = instance.form("/api/link_billing", &session, &[("intent", "confirm")]).await;
        assert_eq!(next, "/activate/link/workspaces", "{account} linked");
        linked.push(session);
    }
    let bind = [("workspace_id", shared.as_str())];
    let (from_a, from_b) = tokio::join!(
        a.form("/api/bind_workspace", &linked[0], &bind),
        b.form("/api/bind_workspace", &linked[1], &bind),
    );
    let settled: Vec<String> = sqlx::query_scalar(
        "SELECT c.aws_account_id FROM workspace_settlements s JOIN marketplace_customers c ON c.id = s.customer_id
          WHERE s.workspace_id = $1",
    )
    .bind(shared.parse::<i64>().expect("id"))
    .fetch_all(&pool)
    .await
    .expect("settlements");
    assert_eq!(settled.len(), 1, "exactly one winner: {from_a:?} {from_b:?}");

    // 4. The metering job, asked for on both at once, runs on exactly one; AWS gets each record once.
    let workspace: i64 = sqlx::query_scalar("SELECT id FROM workspaces WHERE name = 'Production'")
        .fetch_one(&pool)
        .await
        .expect("workspace");
    let hour = (app::ssr::ports::now() / 3600 - 2) * 3600;
    let records: Vec<Value> = (0..60)
        .map(|i| {
            json!({ "event_id": format!("e{i}"), "workspace_id": workspace, "dimension": "hosts",
                          "hour": hour - (i % 3) * 3600, "quantity": 1 })
        })
        .collect();
    let usage = a
        .http
        .post(format!("{}/internal/usage", a.base))
        .bearer_auth(server::config::DEV_INTERNAL_TOKEN)
        .json(&json!({ "records": records }))
        .send()
        .await
        .expect("usage");
    assert_eq!(usage.status(), StatusCode::ACCEPTED);
    let (run_a, run_b) = tokio::join!(
        a.json(reqwest::Method::POST, "/_dev/metering/run", json!({})),
        b.json(reqwest::Method::POST, "/_dev/metering/run", json!({})),
    );
    let sent = run_a["sent"].as_i64().unwrap_or(0) + run_b["sent"].as_i64().unwrap_or(0);
    assert_eq!(sent, 3, "three hours, sent once between them: {run_a} {run_b}");
    let billed = a.json(reqwest::Method::GET, "/_sim/aws/metering", Value::Null).await;
    let received = billed["records"].as_array().expect("records");
    assert_eq!(received.len(), 3, "{billed}");
    assert!(received.iter().all(|r| r["quantity"] == 20 && r["status"] == "Success"), "{billed}");

    // 5. AWS ends the agreement and the event is lost; the reconciliation, asked for on both at once, applies
    // the cancellation once.
    let lost = json!({ "aws_account_id": "123456789012", "action": "unsubscribe-success", "drop": true });
    assert_eq!(a.json(reqwest::Method::POST, "/_sim/aws/sns/send", lost).await["dropped"], true);
    let (run_a, run_b) = tokio::join!(
        a.json(reqwest::Method::POST, "/_dev/reconcile/run", json!({})),
        b.json(reqwest::Method::POST, "/_dev/reconcile/run", json!({})),
    );
    let healed = run_a["healed"].as_i64().unwrap_or(0) + run_b["healed"].as_i64().unwrap_or(0);
    assert_eq!(healed, 1, "healed once between them: {run_a} {run_b}");
    let state: String = sqlx::query_scalar(
        "SELECT subscription_state FROM marketplace_customers WHERE aws_account_id = '123456789012'",
    )
    .fetch_one(&pool)
    .await
    .expect("state");
    assert_eq!(state, "cancelled");
    let reconciled: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM audit_log WHERE action = 'subscription.reconciled'")
        .fetch_one(&pool)
        .await
        .expect("audit");
    assert_eq!(reconciled, 1);
}

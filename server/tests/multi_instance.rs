//! Two portal processes on two ports sharing one PostgreSQL (a throwaway cluster): every piece of state that
//! must be shared lives in the database, so a buyer may be served by either instance at any step.

mod common;

use reqwest::header::{LOCATION, SET_COOKIE};
use reqwest::StatusCode;
use serde_json::{json, Value};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

const SECRET: &str = "multi-instance-test-secret-0123456789abcdef";
const PASSWORD: &str = "amber lanterns drift over seven quiet bridges";

/// One `server` process.
struct Instance {
    child: Child,
    base: String,
    http: reqwest::Client,
    _site: tempfile::TempDir,
}

impl Drop for Instance {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").and_then(|l| l.local_addr()).expect("port").port()
}

/// Starts the portal binary in dev mode on `database_url`; `aws` (a simulator URL) makes it call another
/// instance's simulator, so both meter to the same AWS.
async fn spawn(database_url: &str, aws: Option<&str>) -> Instance {
    server::install_crypto_provider();
    let http = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().expect("client");
    let port = free_port();
    let site = tempfile::tempdir().expect("site root");
    let mut command = Command::new(env!("CARGO_BIN_EXE_server"));
    command
        .env("PORTAL_ENV", "dev")
        .env("PORTAL_RATE_LIMIT_PER_MINUTE", "100000")
        .env("LEPTOS_SITE_ADDR", format!("127.0.0.1:{port}"))
        .env("LEPTOS_OUTPUT_NAME", "portal")
        .env("LEPTOS_SITE_ROOT", site.path())
        .env("DATABASE_URL", database_url)
        .env("PORTAL_SECRET_KEY", SECRET)
        .env("PORTAL_PUBLIC_URL", format!("http://127.0.0.1:{port}"))
        .env("PORTAL_METERING_INTERVAL_SECS", "3600")
        .env("AWS_EC2_METADATA_DISABLED", "true")
        .env("RUST_LOG", "warn")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null());
    if let Some(aws) = aws {
        command.env("AWS_MARKETPLACE_ENDPOINT", aws);
    }
    let child = command.spawn().expect("server binary");
    let base = format!("http://127.0.0.1:{port}");
    let instance = Instance { child, base, http, _site: site };
    for _ in 0..200 {
        let up = instance.http.get(format!("{}/healthz", instance.base)).send().await;
        if up.is_ok_and(|r| r.status() == StatusCode::OK) {
            return instance;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("the portal on {} did not come up", instance.base);
}

impl Instance {
    /// A same-origin form post, as a browser without JavaScript sends it; returns (Location, new cookie).
    async fn form(&self, path: &str, cookie: &str, fields: &[(&str, &str)]) -> (String, Option<String>) {
        let res = common::browser_form(&self.http, &self.base, path, cookie, fields).await;
        let location = res.headers().get(LOCATION).and_then(|v| v.to_str().ok()).unwrap_or_default().to_owned();
        let set = res
            .headers()
            .get(SET_COOKIE)
            .and_then(|v| v.to_str().ok())
            .map(|c| c.split(';').next().unwrap_or_default().to_owned());
        (location, set)
    }

    async fn page(&self, path: &str, cookie: &str) -> String {
        let res = self.http.get(format!("{}{path}", self.base)).header("cookie", cookie).send().await.expect("get");
        res.text().await.expect("body")
    }

    async fn json(&self, method: reqwest::Method, path: &str, body: Value) -> Value {
        let res = self.http.request(method, format!("{}{path}", self.base)).json(&body).send().await.expect("call");
        res.json().await.unwrap_or(Value::Null)
    }

    /// A buyer of `account` arrives from AWS Marketplace (a token of `aws`'s simulator); the activation cookie.
    async fn subscribe(&self, aws: &Instance, account: &str) -> String {
        common::fulfill(&self.http, &aws.base, &self.base, json!({ "aws_account_id": account })).await
    }

    /// The 6-digit code in the newest mail this instance sent to `to`.
    async fn code_for(&self, to: &str) -> String {
        let mails = self.json(reqwest::Method::GET, &format!("/_dev/mailbox.json?to={to}"), Value::Null).await;
        common::code_in(mails[0]["text"].as_str().expect("a mail"))
    }
}

#[tokio::test]
async fn two_instances_share_sessions_codes_races_and_the_metering_job() {
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
    let (next, _) = b
        .form(
            "/api/register_basic",
            &cookie,
            &[
                ("site", "us1"),
                ("username", "alice"),
                ("password", PASSWORD),
                ("confirm_password", PASSWORD),
                ("email", email),
                ("code", &code),
                ("phone", ""),
                ("intent", "continue"),
            ],
        )
        .await;
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
        let (next, _) = instance.form("/api/link_billing", &session, &[("username", "alice"), ("code", &code)]).await;
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
    let hour = (app::ports::now() / 3600 - 2) * 3600;
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
}

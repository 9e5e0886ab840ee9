//! The operator console over HTTP (issue 20): who reaches it (an operator's session only — 404 to everyone
//! else, a buyer's session included), the operator's log in by the buyers' rules, what the pages show, and the
//! streamed CSV export.

use crate::common;

use reqwest::header::LOCATION;
use reqwest::StatusCode;

type Portal = common::Server;

const PASSWORD: &str = "a long and unusual passphrase 42";
const BUYER_PASSWORD: &str = "correct horse battery staple";

/// An operator `olivia` of `portal`.
async fn olivia(portal: &Portal) {
    server::operators::add(&portal.store, "olivia", PASSWORD, 1).await.expect("operator added");
}

/// Posts the operator log in form; returns the response.
async fn operator_login(portal: &Portal, username: &str, password: &str, cookie: &str) -> reqwest::Response {
    common::browser_form(
        &portal.http,
        &portal.base,
        "/api/operator_login",
        cookie,
        &[("username", username), ("password", password)],
    )
    .await
}

/// Olivia's session cookie after a successful log in.
async fn olivia_session(portal: &Portal) -> String {
    let res = operator_login(portal, "Olivia", PASSWORD, "").await;
    assert_eq!(res.headers()[LOCATION], "/operator", "logged in, to the customers");
    common::login_session(&res).expect("a session")
}

/// A buyer logged in (Guance account `alice`, billed to AWS account 123456789012): the session cookie.
async fn buyer_session(portal: &Portal) -> String {
    portal.subscribe("123456789012").await;
    let password = app::domain::Password::parse(BUYER_PASSWORD).expect("password");
    let hash = app::ssr::checks::hash_password(&password).expect("hash");
    portal.settled_workspace("123456789012", "alice", &hash, "Production").await;
    sqlx::query("UPDATE marketplace_customers SET billing_account_id = (SELECT id FROM billing_accounts)")
        .execute(portal.store.pool())
        .await
        .expect("billing account linked");
    let res = common::browser_form(
        &portal.http,
        &portal.base,
        "/api/login",
        "",
        &[("username", "alice"), ("password", BUYER_PASSWORD)],
    )
    .await;
    assert_eq!(res.headers()[LOCATION], "/workspaces", "the buyer is logged in");
    common::login_session(&res).expect("a session")
}

/// Every console address but log in: pages, an export and a server function.
const GUARDED: [&str; 8] = [
    "/operator",
    "/operator/customers/1",
    "/operator/customers.csv",
    "/operator/customers/x",
    "/operator/nowhere",
    // Spellings a router might decode to a console page: the pages check again.
    "/%6Fperator",
    "/operator/%63ustomers/1",
    "/operator/metering?state=refused",
];

async fn assert_not_found(portal: &Portal, cookie: &str, who: &str) {
    for path in GUARDED {
        let (status, location, body) = common::browser_page(&portal.http, &portal.base, path, cookie).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{who}: {path}");
        assert!(location.is_empty(), "{who}: {path} is not a redirect to a log in page");
        assert!(body.contains("Page not found"), "{who}: {path} is the site's own 404 page");
        assert!(!body.contains("Customers") && !body.contains("customer_id"), "{who}: {path} shows nothing");
    }
    let res = common::browser_form(&portal.http, &portal.base, "/api/operator_customers", cookie, &[]).await;
    assert_eq!(res.status(), StatusCode::NOT_FOUND, "{who}: a console server function");
    let res = common::browser_form(&portal.http, &portal.base, "/api/operator_logout", cookie, &[]).await;
    assert_eq!(res.status(), StatusCode::NOT_FOUND, "{who}: log out");
}

#[tokio::test]
async fn only_an_operator_reaches_the_console_and_everyone_else_gets_the_404_page() {
    let portal = common::start(&[]).await;
    olivia(&portal).await;
    // The log in page is open, with the contract's words.
    let (status, _, body) = common::browser_page(&portal.http, &portal.base, "/operator/login", "").await;
    assert_eq!(status, StatusCode::OK);
    for words in ["Username", "Password", "Log in"] {
        assert!(body.contains(words), "{words}");
    }
    assert_not_found(&portal, "", "nobody").await;
    assert_not_found(&portal, "portal_session=forged", "a made-up session").await;
    let buyer = buyer_session(&portal).await;
    assert_not_found(&portal, &buyer, "a buyer").await;
    // A buyer's own pages still work with that session.
    let (status, _, _) = common::browser_page(&portal.http, &portal.base, "/workspaces", &buyer).await;
    assert_eq!(status, StatusCode::OK);

    let operator = olivia_session(&portal).await;
    let (status, _, body) = common::browser_page(&portal.http, &portal.base, "/operator", &operator).await;
    assert_eq!(status, StatusCode::OK);
    assert!(body.contains("Customers") && body.contains("123456789012") && body.contains("olivia"), "{body}");
    // An operator is not a buyer: the buyer's pages ask for a buyer's log in.
    let (status, location, _) = common::browser_page(&portal.http, &portal.base, "/workspaces", &operator).await;
    assert_eq!((status, location.as_str()), (StatusCode::FOUND, "/login?next=/workspaces"));

    // Logging out ends it: the console is 404 again with the same cookie.
    let res = common::browser_form(&portal.http, &portal.base, "/api/operator_logout", &operator, &[]).await;
    assert_eq!(res.headers()[LOCATION], "/operator/login");
    assert_not_found(&portal, &operator, "a logged-out operator").await;
    let actions: Vec<String> =
        sqlx::query_scalar("SELECT action FROM audit_log WHERE actor = 'operator:olivia' ORDER BY id")
            .fetch_all(portal.store.pool())
            .await
            .expect("audit");
    assert_eq!(actions, ["operator.logged_in", "operator.logged_out"], "log in and log out are audited");
}

#[tokio::test]
async fn an_operator_log_in_fails_one_way_and_a_buyer_cannot_use_it() {
    let portal = common::start(&[]).await;
    olivia(&portal).await;
    buyer_session(&portal).await;
    for (username, password) in [
        ("olivia", "not the password at all"),
        ("nobody", PASSWORD),
        ("alice", BUYER_PASSWORD),
        (&*"x".repeat(40), PASSWORD),
    ] {
        let res = operator_login(&portal, username, password, "").await;
        assert_eq!(res.headers()[LOCATION], "/operator/login?error=credentials", "{username}");
        assert!(common::login_session(&res).is_none(), "{username}: no session for a failure");
    }
    let (_, _, body) = common::browser_page(&portal.http, &portal.base, "/operator/login?error=credentials", "").await;
    assert!(body.contains("Incorrect username or password"));
    // An operator's credentials do not log in a buyer either.
    let res = common::browser_form(
        &portal.http,
        &portal.base,
        "/api/login",
        "",
        &[("username", "olivia"), ("password", PASSWORD)],
    )
    .await;
    assert_eq!(res.headers()[LOCATION], "/login?error=credentials");
    // The failures count against the operator's name (not a buyer's) and slow the next answers down.
    let failures: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM login_failures WHERE key = 'operator:olivia'")
        .fetch_one(portal.store.pool())
        .await
        .expect("count");
    assert_eq!(failures, 1);
}

#[tokio::test]
async fn the_console_finds_a_customer_shows_its_timeline_and_exports_the_filtered_list() {
    let portal = common::start(&[]).await;
    olivia(&portal).await;
    buyer_session(&portal).await;
    portal.subscribe("210987654321").await;
    let operator = olivia_session(&portal).await;
    let page = |path: &'static str| common::browser_page(&portal.http, &portal.base, path, &operator);

    let (_, _, body) = page("/operator?q=2109&state=active").await;
    assert!(body.contains("210987654321") && !body.contains(">123456789012<"), "the search narrows the list");
    assert!(body.contains(r#"href="/operator/customers.csv?q=2109&amp;state=active""#), "the export keeps the filters");
    let (_, _, body) = page("/operator?progress=activated").await;
    assert!(body.contains("123456789012") && !body.contains("210987654321"), "filtered by activation progress");
    let (_, _, body) = page("/operator?q=nothing-like-it").await;
    assert!(body.contains("No customer matches."));

    let id = portal.customer_id("123456789012").await;
    let (status, _, body) =
        common::browser_page(&portal.http, &portal.base, &format!("/operator/customers/{id}"), &operator).await;
    assert_eq!(status, StatusCode::OK);
    for shown in ["123456789012", "Production", "alice", "Activated", "Timeline", "customer.resolved"] {
        assert!(body.contains(shown), "{shown}");
    }
    let (status, _, body) =
        common::browser_page(&portal.http, &portal.base, &format!("/operator/customers/{}", id + 100), &operator).await;
    assert_eq!(status, StatusCode::NOT_FOUND, "an unknown customer");
    assert!(body.contains("Page not found"));

    let res = portal
        .http
        .get(format!("{}/operator/customers.csv?state=active", portal.base))
        .header("cookie", &operator)
        .send()
        .await
        .expect("export");
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(res.headers()["content-type"], "text/csv; charset=utf-8");
    assert!(res.headers()["content-disposition"].to_str().expect("header").contains("customers.csv"));
    let csv = res.text().await.expect("csv");
    let lines: Vec<&str> = csv.lines().collect();
    assert_eq!(lines.len(), 3, "a header and both customers: {csv}");
    assert!(lines[0].starts_with("customer_id,aws_account_id,"));
    assert!(lines[1].contains(",210987654321,") && lines[1].contains(",not_started,"));
    assert!(lines[2].contains(",123456789012,") && lines[2].contains(",alice,1,activated,"));
    let exported: String = sqlx::query_scalar(
        "SELECT detail FROM audit_log WHERE action = 'operator.exported' AND actor = 'operator:olivia'",
    )
    .fetch_one(portal.store.pool())
    .await
    .expect("the export is audited");
    assert_eq!(exported, "exported customers.csv (state=active)");
}

#[tokio::test]
async fn an_export_of_a_hundred_thousand_customers_streams() {
    let portal = common::start(&[]).await;
    olivia(&portal).await;
    // 100,000 customers in one statement (a recursive count), as many as a large listing might hold.
    sqlx::query(
        "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 100000)
         INSERT INTO marketplace_customers (aws_account_id, product_code, license_id, created_at, updated_at)
         SELECT printf('%012d', i), 'guance-dev', 'l-' || i, i, i FROM n",
    )
    .execute(portal.store.pool())
    .await
    .expect("customers");
    let operator = olivia_session(&portal).await;
    let mut res = portal
        .http
        .get(format!("{}/operator/customers.csv", portal.base))
        .header("cookie", &operator)
        .send()
        .await
        .expect("export");
    assert_eq!(res.status(), StatusCode::OK);
    assert!(res.headers().get("content-length").is_none(), "streamed (chunked), not sized up front in memory");
    let (mut lines, mut chunks) = (0usize, 0usize);
    while let Some(chunk) = res.chunk().await.expect("chunk") {
        chunks += 1;
        lines += chunk.iter().filter(|b| **b == b'\n').count();
    }
    assert_eq!(lines, 100_001, "a header and every customer");
    assert!(chunks > 1, "the body came in pieces");
}

/// Seconds since the epoch.
fn now() -> i64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).expect("clock").as_secs() as i64
}

#[tokio::test]
async fn a_refused_record_is_retried_now_and_sent_and_the_list_exports() {
    let portal = common::start(&[]).await;
    olivia(&portal).await;
    portal.subscribe("123456789012").await;
    let customer = portal.customer_id("123456789012").await;
    let hour = (now() - 3600) / 3600 * 3600;
    // What AWS answered to two records of the last hour: one refused (the buyer had not subscribed yet), one
    // taken; and one record far older than AWS's window, refused too.
    for (dimension, usage_hour, status) in [
        ("hosts", hour, "CustomerNotSubscribed"),
        ("hosts", hour - 3600, "Success"),
        ("hosts", hour - 86_400, "CustomerNotSubscribed"),
    ] {
        sqlx::query(
            "INSERT INTO metering_records (customer_id, dimension, usage_hour, quantity, state, status, attempts, created_at, sent_at)
             VALUES ($1, $2, $3, 3, 'sent', $4, 1, $3, $3)",
        )
        .bind(customer)
        .bind(dimension)
        .bind(usage_hour)
        .bind(status)
        .execute(portal.store.pool())
        .await
        .expect("record");
    }
    let refused: i64 = sqlx::query_scalar("SELECT id FROM metering_records WHERE usage_hour = $1")
        .bind(hour)
        .fetch_one(portal.store.pool())
        .await
        .expect("id");
    let too_old = refused + 2;
    let operator = olivia_session(&portal).await;

    let (status, _, body) =
        common::browser_page(&portal.http, &portal.base, "/operator/metering?state=refused", &operator).await;
    assert_eq!(status, StatusCode::OK);
    assert!(body.contains("CustomerNotSubscribed") && !body.contains(">Success<"), "only the refused ones");
    assert_eq!(body.matches("Retry now").count(), 1, "offered for the record AWS would still take, not the old one");

    // A record that cannot be retried is refused in words and left as it was.
    let res = common::browser_form(
        &portal.http,
        &portal.base,
        "/api/operator_retry_metering",
        &operator,
        &[("id", &too_old.to_string()), ("state", "refused")],
    )
    .await;
    assert_eq!(res.headers()[LOCATION], format!("/operator/metering?state=refused&not_retried={too_old}"));
    let res = common::browser_form(
        &portal.http,
        &portal.base,
        "/api/operator_retry_metering",
        &operator,
        &[("id", &refused.to_string()), ("state", "refused")],
    )
    .await;
    let back = res.headers()[LOCATION].to_str().expect("location").to_owned();
    assert_eq!(back, format!("/operator/metering?state=refused&retried={refused}"));
    let (_, _, body) = common::browser_page(&portal.http, &portal.base, &back, &operator).await;
    assert!(body.contains("Record to be sent again now"), "the operator is told");
    let state: (String, Option<String>) = sqlx::query_as("SELECT state, status FROM metering_records WHERE id = $1")
        .bind(refused)
        .fetch_one(portal.store.pool())
        .await
        .expect("row");
    assert_eq!(state, ("pending".to_owned(), None), "to be sent again");
    // Retrying it again changes nothing (it is no longer refused).
    let res = common::browser_form(
        &portal.http,
        &portal.base,
        "/api/operator_retry_metering",
        &operator,
        &[("id", &refused.to_string())],
    )
    .await;
    assert_eq!(res.headers()[LOCATION], format!("/operator/metering?not_retried={refused}"));

    // The job sends it (in this test the job is run by hand) and AWS takes it now.
    let run = portal.http.post(format!("{}/_dev/metering/run", portal.base)).json(&serde_json::json!({})).send().await;
    assert!(run.expect("run").status().is_success());
    let (state, status): (String, Option<String>) =
        sqlx::query_as("SELECT state, status FROM metering_records WHERE id = $1")
            .bind(refused)
            .fetch_one(portal.store.pool())
            .await
            .expect("row");
    assert_eq!((state.as_str(), status.as_deref()), ("sent", Some("Success")));
    let detail: String = sqlx::query_scalar(
        "SELECT detail FROM audit_log WHERE action = 'metering.retried' AND actor = 'operator:olivia'",
    )
    .fetch_one(portal.store.pool())
    .await
    .expect("the retry is audited");
    assert!(detail.contains(&format!("record {refused}")) && detail.contains("CustomerNotSubscribed"), "{detail}");

    let csv = portal
        .http
        .get(format!("{}/operator/metering.csv?state=sent", portal.base))
        .header("cookie", &operator)
        .send()
        .await
        .expect("export")
        .text()
        .await
        .expect("csv");
    let lines: Vec<&str> = csv.lines().collect();
    assert_eq!(lines.len(), 3, "the header and the two sent records: {csv}");
    assert!(lines[0].starts_with("record_id,aws_account_id,dimension,usage_hour,quantity,state,aws_status"));
    assert!(lines[2].starts_with(&format!("{refused},123456789012,hosts,")), "newest first: {csv}");
    assert!(lines[2].contains(",sent,Success,mr-"), "the retried record with AWS's record id: {}", lines[2]);
}

#[tokio::test]
async fn the_simulator_can_refuse_a_run_so_that_retry_now_has_something_to_retry() {
    let portal = common::start(&[]).await;
    portal.subscribe("123456789012").await;
    let workspace = portal.settled_workspace("123456789012", "alice", "x", "Production").await;
    let post = |path: &'static str, body: serde_json::Value| {
        let portal = &portal;
        async move { portal.http.post(format!("{}{path}", portal.base)).json(&body).send().await.expect("post").status() }
    };
    assert!(post("/_dev/usage/generate", serde_json::json!({ "workspace_id": workspace, "hours": 3 }))
        .await
        .is_success());
    assert_eq!(
        post("/_sim/aws/faults", serde_json::json!({ "operation": "BatchMeterUsage", "kind": "not_subscribed" })).await,
        StatusCode::NO_CONTENT
    );
    assert!(post("/_dev/metering/run", serde_json::json!({})).await.is_success());
    let refused: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM metering_records WHERE status = 'CustomerNotSubscribed'")
            .fetch_one(portal.store.pool())
            .await
            .expect("count");
    assert!(refused > 0, "the run was refused");
    let any_other: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM metering_records WHERE status IS DISTINCT FROM 'CustomerNotSubscribed'",
    )
    .fetch_one(portal.store.pool())
    .await
    .unwrap_or(0);
    assert_eq!(any_other, 0, "every record of that run");
}

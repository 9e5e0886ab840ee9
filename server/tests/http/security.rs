//! The security review's fixes over HTTP (issue 14): forms posted directly, as an attacker or a second
//! browser session would, not only through the pages.

use crate::common;

use reqwest::header::LOCATION;
use reqwest::StatusCode;
use serde_json::Value;

type Portal = common::Server;

const ACCOUNT: &str = "123456789012";

async fn count(portal: &Portal, table: &str) -> i64 {
    sqlx::query_scalar(&format!("SELECT COUNT(*) FROM {table}")).fetch_one(portal.store.pool()).await.expect("count")
}

async fn billing_of(portal: &Portal, account: &str) -> Vec<Option<i64>> {
    sqlx::query_scalar("SELECT billing_account_id FROM marketplace_customers WHERE aws_account_id = $1")
        .bind(account)
        .fetch_all(portal.store.pool())
        .await
        .expect("customers")
}

async fn form(portal: &Portal, path: &str, cookie: &str, fields: &[(&str, &str)]) -> (StatusCode, String) {
    let res = common::browser_form(&portal.http, &portal.base, path, cookie, fields).await;
    let location = res.headers().get(LOCATION).and_then(|v| v.to_str().ok()).unwrap_or_default().to_owned();
    (res.status(), location)
}

/// A page as a browser asks for it.
async fn page(portal: &Portal, path: &str, cookie: &str) -> (StatusCode, String, String) {
    common::browser_page(&portal.http, &portal.base, path, cookie).await
}

#[tokio::test]
async fn an_activated_aws_account_keeps_its_billing_account_whatever_is_posted() {
    let portal = common::start(&[]).await;
    // AWS account 123456789012 is activated: billing account "owner" with a workspace billed to it.
    portal.subscribe(ACCOUNT).await;
    portal.settled_workspace(ACCOUNT, "owner", "x", "Production").await;
    sqlx::query(
        "UPDATE marketplace_customers SET billing_account_id = (SELECT id FROM billing_accounts WHERE username_key = 'owner')
          WHERE aws_account_id = $1",
    )
    .bind(ACCOUNT)
    .execute(portal.store.pool())
    .await
    .expect("linked");
    let linked = billing_of(&portal, ACCOUNT).await;
    // Another billing account exists, which the attacker would like to move the AWS account to.
    portal.subscribe("210987654321").await;
    portal.settled_workspace("210987654321", "other", "x", "Theirs").await;
    let before: Vec<i64> = {
        let mut v = Vec::new();
        for table in ["guance_accounts", "billing_accounts", "workspaces", "workspace_settlements"] {
            v.push(count(&portal, table).await);
        }
        v
    };

    // A second browser session of the activated AWS account.
    let second = portal.subscribe(ACCOUNT).await;
    let workspaces = "/activate/link/workspaces";
    let (status, location) = form(&portal, "/api/choose_branch", &second, &[("branch", "register")]).await;
    assert!(status.is_redirection(), "{status}");
    assert_eq!(location, workspaces, "the register branch is not opened");
    let branch: Option<String> = sqlx::query_scalar(
        "SELECT s.branch FROM activation_sessions s JOIN marketplace_customers c ON c.id = s.customer_id
          WHERE c.aws_account_id = $1 ORDER BY s.created_at DESC, s.last_seen_at DESC LIMIT 1",
    )
    .bind(ACCOUNT)
    .fetch_one(portal.store.pool())
    .await
    .expect("session");
    assert_ne!(branch.as_deref(), Some("register"));

    let register_fields = [
        ("site", "us1"),
        ("username", "mallory"),
        ("password", "a long and unusual passphrase 42"),
        ("confirm_password", "a long and unusual passphrase 42"),
        ("email", "mallory@example.com"),
        ("code", "123456"),
        ("phone", ""),
        ("intent", "send_code"),
    ];
    for (path, fields) in [
        ("/api/register_basic", &register_fields[..]),
        ("/api/register_basic", &register_fields[..7]),
        ("/api/register_company", &[("company_name", "Mallory Ltd")][..]),
        ("/api/register_workspace", &[("workspace_name", "Stolen"), ("language", "en"), ("terms", "on")][..]),
        ("/api/register_activate", &[][..]),
        ("/api/link_billing", &[("username", "other"), ("intent", "send_code")][..]),
        ("/api/link_billing", &[("username", "other"), ("code", "123456"), ("intent", "link")][..]),
    ] {
        let (status, location) = form(&portal, path, &second, fields).await;
        assert!(status.is_redirection(), "{path}: {status}");
        assert_eq!(location, workspaces, "{path} {fields:?}");
    }
    for path in ["/activate/register", "/activate/register/company", "/activate/register/check", "/activate/link"] {
        let (status, location, body) = page(&portal, path, &second).await;
        let main = body.split("<main").nth(1).unwrap_or_default().chars().take(400).collect::<String>();
        assert!(status.is_redirection(), "{path}: {status} {main}");
        assert_eq!(location, workspaces, "{path}");
    }
    // The page says why, in plain words.
    let (status, _, body) = page(&portal, workspaces, &second).await;
    assert_eq!(status, StatusCode::OK);
    assert!(body.contains("already activated"), "{body}");

    // Nothing changed: no account, billing account, workspace or settlement; the same billing account; no
    // code mailed to the other billing account.
    let mut after = Vec::new();
    for table in ["guance_accounts", "billing_accounts", "workspaces", "workspace_settlements"] {
        after.push(count(&portal, table).await);
    }
    assert_eq!(after, before);
    assert_eq!(billing_of(&portal, ACCOUNT).await, linked);
    let mails = common::mails_to(&portal.http, &portal.base, "a@example.com").await;
    assert!(mails.is_empty(), "{mails:?}");
}

#[tokio::test]
async fn pages_carry_a_csp_whose_nonce_is_on_their_scripts_and_are_not_stored() {
    let portal = common::start(&[]).await;
    let res = portal.http.get(format!("{}/activate", portal.base)).send().await.expect("get");
    assert_eq!(res.status(), StatusCode::OK);
    let headers = res.headers().clone();
    let csp = headers["content-security-policy"].to_str().expect("csp").to_owned();
    let nonce = csp.split("'nonce-").nth(1).and_then(|rest| rest.split('\'').next()).expect("a nonce");
    assert!(nonce.len() >= 16, "{csp}");
    assert_eq!(headers["cache-control"], "no-store");
    assert_eq!(headers["x-content-type-options"], "nosniff");
    assert_eq!(headers["referrer-policy"], "no-referrer");
    assert!(headers.get("strict-transport-security").is_none(), "dev serves plain http");
    let body = res.text().await.expect("body");
    // Every script with content carries the nonce (Leptos leaves an empty `<script></script>` after `<main>`).
    let scripts = body.matches("<script").count() - body.matches("<script></script>").count();
    assert!(scripts > 0, "the page hydrates");
    assert_eq!(body.matches(&format!("nonce=\"{nonce}\"")).count(), scripts, "every script carries the nonce: {body}");
    // Server-function answers are not stored either, and a 404 page has its nonce too.
    let res = common::browser_form(&portal.http, &portal.base, "/api/choose_branch", "", &[("branch", "link")]).await;
    assert_eq!(res.headers()["cache-control"], "no-store");
    let res = portal.http.get(format!("{}/no-such-page", portal.base)).send().await.expect("get");
    assert_eq!(res.status(), StatusCode::NOT_FOUND);
    let csp = res.headers()["content-security-policy"].to_str().expect("csp").to_owned();
    let nonce = csp.split("'nonce-").nth(1).and_then(|rest| rest.split('\'').next()).expect("a nonce").to_owned();
    let body = res.text().await.expect("body");
    let scripts = body.matches("<script").count() - body.matches("<script></script>").count();
    assert_eq!(body.matches(&format!("nonce=\"{nonce}\"")).count(), scripts, "{body}");
}

#[tokio::test]
async fn prod_sets_hsts_and_secure_cookies_the_language_one_too() {
    let portal = common::start(&common::PROD).await;
    let res = portal.http.get(format!("{}/login", portal.base)).send().await.expect("get");
    assert_eq!(res.headers()["strict-transport-security"], "max-age=63072000; includeSubDomains");
    let res = common::browser_form(
        &portal.http,
        &portal.base,
        "/api/set_language",
        "",
        &[("lang", "zh"), ("back", "/login")],
    )
    .await;
    let cookies: Vec<String> =
        res.headers().get_all("set-cookie").iter().filter_map(|v| v.to_str().ok()).map(str::to_owned).collect();
    let language = cookies.iter().find(|c| c.starts_with("i18n_pref_locale=")).expect("the language cookie");
    assert!(language.contains("; Secure"), "{language}");
}

#[tokio::test]
async fn the_language_switch_goes_back_only_to_this_sites_pages() {
    let portal = common::start(&[]).await;
    for (back, to) in [
        ("/login?reset=done", "/login?reset=done"),
        ("/workspaces/3", "/workspaces/3"),
        ("/%01", "/activate"),
        ("/%09/evil.example", "/activate"),
        ("//evil.example", "/activate"),
        ("/\\evil.example", "/activate"),
        ("https://evil.example/", "/activate"),
        ("/unknown", "/activate"),
    ] {
        let res = common::browser_form(
            &portal.http,
            &portal.base,
            "/api/set_language",
            "",
            &[("lang", "en"), ("back", back)],
        )
        .await;
        assert!(res.status().is_redirection(), "{back}: {}", res.status());
        assert_eq!(res.headers()[LOCATION], to, "{back}");
    }
}

#[tokio::test]
async fn server_function_bodies_are_capped_at_64_kib() {
    let portal = common::start(&[]).await;
    let big = "x".repeat(server::SERVER_FN_BODY_LIMIT + 1);
    let res = common::browser_form(&portal.http, &portal.base, "/api/login", "", &[("username", big.as_str())]).await;
    assert_eq!(res.status(), StatusCode::PAYLOAD_TOO_LARGE);
    let small = common::browser_form(&portal.http, &portal.base, "/api/login", "", &[("username", "alice")]).await;
    assert!(small.status().is_redirection() || small.status().is_success(), "{}", small.status());
}

#[tokio::test]
async fn a_client_that_trickles_its_headers_is_disconnected() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let limits = server::net::Limits { header_read: std::time::Duration::from_secs(1), ..Default::default() };
    let portal = common::start_limited(&[], limits).await;
    let mut slow = tokio::net::TcpStream::connect(portal.addr).await.expect("connect");
    slow.write_all(b"GET /activate HTTP/1.1\r\nHost: 127.0.0.1\r\n").await.expect("write");
    let started = std::time::Instant::now();
    let mut buf = Vec::new();
    // The server gives up on the headers and closes (after a 408, or at once); never waits for the rest.
    let read = tokio::time::timeout(std::time::Duration::from_secs(10), slow.read_to_end(&mut buf)).await;
    assert!(read.is_ok(), "still open after 10 s");
    assert!(started.elapsed() < std::time::Duration::from_secs(5), "closed after {:?}", started.elapsed());
    // A prompt client is served meanwhile.
    let res = portal.http.get(format!("{}/healthz", portal.base)).send().await.expect("get");
    assert_eq!(res.status(), StatusCode::OK);
}

#[tokio::test]
async fn a_token_is_taken_only_from_aws_marketplaces_pages() {
    let portal = common::start(&[]).await;
    let post = |origin: Option<&'static str>, referer: Option<&'static str>| {
        let portal = &portal;
        async move {
            let minted: Value = portal
                .http
                .post(format!("{}/_sim/aws/tokens", portal.base))
                .json(&serde_json::json!({ "aws_account_id": ACCOUNT }))
                .send()
                .await
                .expect("mint")
                .json()
                .await
                .expect("json");
            let mut request = portal
                .http
                .post(format!("{}/marketplace/aws", portal.base))
                .form(&[("x-amzn-marketplace-token", minted["token"].as_str().expect("token"))]);
            if let Some(origin) = origin {
                request = request.header("origin", origin).header("sec-fetch-site", "cross-site");
            }
            if let Some(referer) = referer {
                request = request.header("referer", referer);
            }
            request.send().await.expect("post")
        }
    };
    for (origin, referer) in [
        (Some("https://evil.example"), None),
        (Some("null"), None),
        (None, Some("https://evil.example/plant-a-session")),
    ] {
        let res = post(origin, referer).await;
        assert_eq!(res.status(), StatusCode::FORBIDDEN, "{origin:?} {referer:?}");
        assert!(res.headers().get("set-cookie").is_none());
        assert!(res.text().await.expect("body").contains("did not come from AWS Marketplace"));
    }
    assert_eq!(count(&portal, "activation_sessions").await, 0, "nothing stored");
    for (origin, referer) in [
        (Some("https://aws.amazon.com"), None),
        (Some("https://us-west-2.console.aws.amazon.com"), None),
        (None, Some("https://aws.amazon.com/marketplace/saas/setup")),
        (None, None),
    ] {
        let res = post(origin, referer).await;
        assert_eq!(res.status(), StatusCode::SEE_OTHER, "{origin:?} {referer:?}");
    }
}

#[tokio::test]
async fn the_final_confirm_ends_the_activation_session() {
    let portal = common::start(&[]).await;
    let cookie = portal.subscribe(ACCOUNT).await;
    assert_eq!(count(&portal, "activation_sessions").await, 1);
    let res = common::browser_form(&portal.http, &portal.base, "/api/finish_activation", &cookie, &[]).await;
    assert!(res.status().is_redirection());
    assert_eq!(
        res.headers()[LOCATION],
        "/login?next=/workspaces",
        "no workspace of its own: log in, then Your workspaces"
    );
    let cleared = res.headers()["set-cookie"].to_str().expect("cookie").to_owned();
    assert!(cleared.starts_with("portal_activation=;") && cleared.contains("Max-Age=0"), "{cleared}");
    assert_eq!(count(&portal, "activation_sessions").await, 0);
    // The old cookie opens nothing any more.
    let (status, _, body) = page(&portal, "/activate/link", &cookie).await;
    assert_eq!(status, StatusCode::OK);
    assert!(body.contains("AWS Marketplace"), "{body}");
    assert_eq!(count(&portal, "marketplace_customers").await, 1, "the customer stays");
}

#[tokio::test]
async fn metrics_need_their_token_and_prod_without_one_serves_none() {
    let get = |portal: &Portal, bearer: Option<&str>| {
        let mut request = portal.http.get(format!("{}/metrics", portal.base));
        if let Some(token) = bearer {
            request = request.bearer_auth(token);
        }
        request.send()
    };
    let prod = common::start(&common::PROD).await;
    assert_eq!(get(&prod, None).await.expect("get").status(), StatusCode::NOT_FOUND);
    let token = "a-metrics-token-of-32-characters!!";
    let guarded = common::start(&[("PORTAL_METRICS_TOKEN", token)]).await;
    assert_eq!(get(&guarded, None).await.expect("get").status(), StatusCode::UNAUTHORIZED);
    assert_eq!(
        get(&guarded, Some("a-wrong-token-of-32-characters!!!!")).await.expect("get").status(),
        StatusCode::UNAUTHORIZED
    );
    let res = get(&guarded, Some(token)).await.expect("get");
    assert_eq!(res.status(), StatusCode::OK);
    assert!(res.text().await.expect("body").contains("portal_http_requests_total"));
}

/// A failed log in posted by a browser behind `forwarded` (its `X-Forwarded-For`).
fn failed_login(
    portal: &Portal,
    forwarded: &'static str,
) -> impl std::future::Future<Output = reqwest::Result<reqwest::Response>> {
    portal
        .http
        .post(format!("{}/api/login", portal.base))
        .header("sec-fetch-site", "same-origin")
        .header("x-forwarded-for", forwarded)
        .form(&[("username", "nobody"), ("password", "whatever it is they typed")])
        .send()
}

#[tokio::test]
async fn repeated_posts_from_one_client_are_told_to_wait_and_forwarded_addresses_are_not_believed() {
    let portal = common::start(&[("PORTAL_RATE_LIMIT_PER_MINUTE", "3")]).await;
    let login = |forwarded: &'static str| failed_login(&portal, forwarded);
    for i in 0..3 {
        let res = login("198.51.100.1").await.expect("post");
        assert_ne!(res.status(), StatusCode::TOO_MANY_REQUESTS, "attempt {i}");
    }
    // A new X-Forwarded-For does not make a new client: no proxy is trusted by default.
    let res = login("198.51.100.2").await.expect("post");
    assert_eq!(res.status(), StatusCode::TOO_MANY_REQUESTS);
    let wait: u64 = res.headers()["retry-after"].to_str().expect("header").parse().expect("seconds");
    assert!((1..=60).contains(&wait), "{wait}");
    // Pages and other posts are not limited.
    let res = portal.http.get(format!("{}/login", portal.base)).send().await.expect("get");
    assert_eq!(res.status(), StatusCode::OK);
    // The fulfillment POST has its own budget.
    let res = portal
        .http
        .post(format!("{}/marketplace/aws", portal.base))
        .form(&[("x-amzn-marketplace-token", "nope")])
        .send()
        .await
        .expect("post");
    assert_eq!(res.status(), StatusCode::BAD_REQUEST);

    // Behind one trusted proxy, the proxy's entry is the client.
    let proxied = common::start(&[("PORTAL_RATE_LIMIT_PER_MINUTE", "1"), ("PORTAL_TRUSTED_PROXY_HOPS", "1")]).await;
    let login = |forwarded: &'static str| failed_login(&proxied, forwarded);
    assert_ne!(login("6.6.6.6, 198.51.100.1").await.expect("post").status(), StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(login("7.7.7.7, 198.51.100.1").await.expect("post").status(), StatusCode::TOO_MANY_REQUESTS);
    assert_ne!(
        login("6.6.6.6, 198.51.100.2").await.expect("post").status(),
        StatusCode::TOO_MANY_REQUESTS,
        "another client"
    );
}

#[tokio::test]
async fn a_server_function_that_cannot_read_its_input_answers_400_not_500() {
    let portal = common::start(&[]).await;
    for (path, body) in [("/api/billing_page", "["), ("/api/bind_workspace", "workspace_id=1&workspace_id=2")] {
        let res = portal
            .http
            .post(format!("{}{path}", portal.base))
            .header("content-type", "application/x-www-form-urlencoded")
            .body(body)
            .send()
            .await
            .expect("post");
        assert_eq!(res.status(), StatusCode::BAD_REQUEST, "{path} {body}");
    }
}

#[tokio::test]
async fn when_the_store_fails_a_form_post_gets_a_503_page_in_plain_words() {
    let portal = common::start(&[]).await;
    // The table log in needs is gone: the store answers errors, as a database that is down would.
    sqlx::query("DROP TABLE login_failures").execute(portal.store.pool()).await.expect("drop");
    let res = portal
        .http
        .post(format!("{}/api/login", portal.base))
        .header("sec-fetch-site", "same-origin")
        .header("accept", "text/html")
        .header("accept-language", "zh-CN,zh;q=0.9")
        .form(&[("username", "alice"), ("password", "whatever it is they typed")])
        .send()
        .await
        .expect("post");
    assert_eq!(res.status(), StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(res.headers()["retry-after"], "30");
    let body = res.text().await.expect("body");
    assert!(body.contains("服务繁忙或暂不可用"), "{body}");
    let res = portal
        .http
        .post(format!("{}/api/login", portal.base))
        .form(&[("username", "alice"), ("password", "whatever it is they typed")])
        .send()
        .await
        .expect("post");
    assert_eq!(res.status(), StatusCode::SERVICE_UNAVAILABLE, "a script's call too");
}

/// The login session cookie a response set, or the one we had.
fn session_of(res: &reqwest::Response, had: &str) -> String {
    common::login_session(res).unwrap_or_else(|| had.to_owned())
}

#[tokio::test]
async fn smtp_down_the_buyer_is_told_and_no_code_is_used_up() {
    // Nothing listens on this port: the mail service is down.
    let port = std::net::TcpListener::bind("127.0.0.1:0").expect("port").local_addr().expect("addr").port();
    let smtp = format!("smtp://user:pass@127.0.0.1:{port}");
    let portal = common::start(&[("SMTP_URL", smtp.as_str())]).await;
    for (name, email) in [("alice", "alice@example.com"), ("bob", "bob@example.com")] {
        sqlx::query(
            "INSERT INTO guance_accounts (username, username_key, email, password_hash, created_at)
             VALUES ($1, $1, $2, 'x', 0)",
        )
        .bind(name)
        .bind(email)
        .execute(portal.store.pool())
        .await
        .expect("account");
    }
    // Alice asks for a code: the answer comes at once (the mail is queued), and the worker cannot deliver it.
    let res =
        common::browser_form(&portal.http, &portal.base, "/api/forgot_password", "", &[("identifier", "alice")]).await;
    assert!(res.status().is_redirection(), "{}", res.status());
    let mut attempts = 0i64;
    for _ in 0..100 {
        attempts = sqlx::query_scalar("SELECT COALESCE(MAX(attempts), 0) FROM mail_outbox")
            .fetch_one(portal.store.pool())
            .await
            .expect("outbox");
        if attempts > 0 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    assert!(attempts > 0, "the worker tried and failed");
    let codes = count(&portal, "verification_codes").await;

    // Bob asks now: he is told in plain words, and no code is made for him.
    let res =
        common::browser_form(&portal.http, &portal.base, "/api/forgot_password", "", &[("identifier", "bob")]).await;
    assert!(res.status().is_redirection(), "{}", res.status());
    let bob = session_of(&res, "");
    let (status, _, body) = page(&portal, "/forgot-password/reset", &bob).await;
    assert_eq!(status, StatusCode::OK);
    assert!(body.contains("our email service is not answering"), "{body}");
    assert_eq!(count(&portal, "verification_codes").await, codes, "no code was used up");
    let queued: i64 = count(&portal, "mail_outbox").await;
    assert_eq!(queued, 1, "Alice's mail waits for the mail service; Bob's was never made");
}

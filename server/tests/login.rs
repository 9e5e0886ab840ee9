//! Login, sessions and the billing center over HTTP (forms posted as a browser without JavaScript would).

mod common;

use reqwest::header::{LOCATION, SET_COOKIE};
use reqwest::StatusCode;
use serde_json::{json, Value};

type Portal = common::Server;

async fn start() -> Portal {
    common::start(&[]).await
}

/// What these tests ask of a portal.
trait Logins {
    async fn alice(&self);
    async fn login(&self, username: &str, password: &str, cookie: Option<&str>) -> reqwest::Response;
    async fn page(&self, path: &str, cookie: &str) -> (StatusCode, Option<String>, String);
}

const PASSWORD: &str = "correct horse battery staple";

impl Logins for Portal {
    /// A registered buyer: Guance account `alice`, her billing account and a workspace billed to AWS account
    /// 123456789012 through AWS Marketplace.
    async fn alice(&self) {
        self.subscribe("123456789012").await;
        let password = app::domain::Password::parse(PASSWORD).expect("password");
        let hash = app::server_checks::hash_password(&password).expect("hash");
        let pool = self.store.pool();
        sqlx::query("INSERT INTO guance_accounts (id, username, username_key, email, password_hash, created_at) VALUES (1, 'Alice', 'alice', 'a@example.com', ?, 0)")
            .bind(hash).execute(pool).await.expect("account");
        for sql in [
            "INSERT INTO billing_accounts (id, username, username_key, email, owner_account_id, created_at) VALUES (1, 'Alice', 'alice', 'a@example.com', 1, 0)",
            "INSERT INTO workspaces (id, billing_account_id, owner_account_id, name, name_key, site, language, created_at) VALUES (1, 1, 1, 'Production', 'production', 'us1', 'en', 0)",
            "INSERT INTO workspace_settlements (workspace_id, customer_id, linked_at) SELECT 1, id, 1764000000 FROM marketplace_customers",
        ] {
            sqlx::query(sql).execute(pool).await.expect("fixture");
        }
    }

    async fn login(&self, username: &str, password: &str, cookie: Option<&str>) -> reqwest::Response {
        let mut request = self
            .http
            .post(format!("{}/api/login", self.base))
            .header("sec-fetch-site", "same-origin")
            .form(&[("username", username), ("password", password)]);
        if let Some(cookie) = cookie {
            request = request.header("cookie", cookie);
        }
        request.send().await.expect("login")
    }

    async fn page(&self, path: &str, cookie: &str) -> (StatusCode, Option<String>, String) {
        let res = self.http.get(format!("{}{path}", self.base)).header("cookie", cookie).send().await.expect("get");
        let location = res.headers().get(LOCATION).and_then(|v| v.to_str().ok()).map(str::to_owned);
        (res.status(), location, res.text().await.expect("body"))
    }
}

fn session_cookie(res: &reqwest::Response) -> Option<String> {
    res.headers()
        .get_all(SET_COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|c| c.starts_with("portal_session="))
        .map(|c| c.split(';').next().unwrap_or_default().to_owned())
}

#[tokio::test]
async fn one_answer_for_every_failure_and_a_new_session_at_login() {
    let portal = start().await;
    portal.alice().await;
    let unknown = portal.login("nobody", "whatever it is that they typed", None).await;
    let wrong = portal.login("alice", "not the password at all, no", None).await;
    assert_eq!(unknown.status(), wrong.status());
    let strip = |res: &reqwest::Response| {
        let location = res.headers()[LOCATION].to_str().expect("location").to_owned();
        location.split("&username=").next().unwrap_or_default().to_owned()
    };
    assert_eq!(strip(&unknown), "/login?error=credentials");
    assert_eq!(strip(&unknown), strip(&wrong));
    assert!(session_cookie(&unknown).is_none() && session_cookie(&wrong).is_none(), "no session for a failure");
    let (_, _, page) = portal.page("/login?error=credentials&username=alice", "").await;
    assert!(page.contains("Incorrect username or password"));

    let first = portal.login("Alice", PASSWORD, None).await;
    assert_eq!(first.headers()[LOCATION], "/billing");
    let first_cookie = session_cookie(&first).expect("session");
    let second = portal.login("alice", PASSWORD, Some(&first_cookie)).await;
    let second_cookie = session_cookie(&second).expect("session");
    assert_ne!(first_cookie, second_cookie, "a new session id at every login");
    let (status, _, billing) = portal.page("/billing", &second_cookie).await;
    assert_eq!(status, StatusCode::OK);
    assert!(billing.contains("Production") && billing.contains("AWS Marketplace, account …9012"), "{billing}");
    assert!(billing.contains("Active"));

    // Logout ends the session on the server: the old cookie no longer opens the billing center.
    let logout = portal
        .http
        .post(format!("{}/api/logout", portal.base))
        .header("cookie", &second_cookie)
        .header("sec-fetch-site", "same-origin")
        .send()
        .await
        .expect("logout");
    assert_eq!(logout.headers()[LOCATION], "/login");
    let (_, location, _) = portal.page("/billing", &second_cookie).await;
    assert_eq!(location.as_deref(), Some("/login"));
}

#[tokio::test]
async fn a_cross_site_post_is_refused_and_failures_are_counted() {
    let portal = start().await;
    portal.alice().await;
    let forged = portal
        .http
        .post(format!("{}/api/login", portal.base))
        .header("origin", "https://evil.example")
        .form(&[("username", "alice"), ("password", PASSWORD)])
        .send()
        .await
        .expect("post");
    assert_eq!(forged.status(), StatusCode::FORBIDDEN);
    let cross = portal
        .http
        .post(format!("{}/api/login", portal.base))
        .header("sec-fetch-site", "cross-site")
        .form(&[("username", "alice"), ("password", PASSWORD)])
        .send()
        .await
        .expect("post");
    assert_eq!(cross.status(), StatusCode::FORBIDDEN);
    for _ in 0..2 {
        portal.login("alice", "a wrong password of some length", None).await;
    }
    let failures: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM login_failures WHERE key = 'account:alice'")
        .fetch_one(portal.store.pool())
        .await
        .expect("count");
    assert_eq!(failures, 2);
    let clients: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM login_failures WHERE key LIKE 'client:%'")
        .fetch_one(portal.store.pool())
        .await
        .expect("count");
    assert_eq!(clients, 2, "counted per client address too");
    // The right password still works (no lockout) and clears the account's count.
    assert_eq!(portal.login("alice", PASSWORD, None).await.headers()[LOCATION], "/billing");
}

#[tokio::test]
async fn the_billing_center_shows_a_cancelled_subscriptions_countdown() {
    let portal = start().await;
    portal.alice().await;
    let cookie = session_cookie(&portal.login("alice", PASSWORD, None).await).expect("session");
    let sent: Value = portal
        .http
        .post(format!("{}/_sim/aws/sns/send", portal.base))
        .json(&json!({ "aws_account_id": "123456789012", "action": "unsubscribe-success" }))
        .send()
        .await
        .expect("sns")
        .json()
        .await
        .expect("json");
    assert_eq!(sent["delivered"]["answer"]["outcome"], "applied");
    let (_, _, billing) = portal.page("/billing", &cookie).await;
    assert!(billing.contains("Locked in 14 days"), "{billing}");
}

#[tokio::test]
async fn only_members_open_a_workspace_and_others_get_the_same_404_as_for_none() {
    let portal = start().await;
    portal.alice().await;
    let password = app::domain::Password::parse(PASSWORD).expect("password");
    let hash = app::server_checks::hash_password(&password).expect("hash");
    sqlx::query("INSERT INTO guance_accounts (id, username, username_key, email, password_hash, created_at) VALUES (2, 'Bob', 'bob', 'b@example.com', ?, 0)")
        .bind(hash)
        .execute(portal.store.pool())
        .await
        .expect("bob");
    let alice = session_cookie(&portal.login("alice", PASSWORD, None).await).expect("alice");
    let bob = session_cookie(&portal.login("bob", PASSWORD, None).await).expect("bob");

    let (status, _, page) = portal.page("/workspaces/1", &alice).await;
    assert_eq!(status, StatusCode::OK);
    assert!(page.contains("Start by installing DataKit"), "{page}");
    assert!(page.contains("https://us1-openway.guance.com?token=tkn_"), "the site's endpoint and the token: {page}");
    assert!(page.contains("AWS Marketplace, account …9012"));

    let (theirs, _, theirs_page) = portal.page("/workspaces/1", &bob).await;
    let (none, _, none_page) = portal.page("/workspaces/999", &bob).await;
    assert_eq!(theirs, StatusCode::NOT_FOUND);
    assert_eq!(none, StatusCode::NOT_FOUND);
    let main = |page: &str| page.split("<main").nth(1).and_then(|m| m.split("</main>").next()).map(str::to_owned);
    assert_eq!(main(&theirs_page), main(&none_page), "not a member and no such workspace look the same");
    assert!(!theirs_page.contains("tkn_"));
    let (_, location, _) = portal.page("/workspaces/1", "portal_session=forged").await;
    assert_eq!(location.as_deref(), Some("/login"));
}

#[tokio::test]
async fn the_owner_changes_a_settlement_once_a_month_after_confirming() {
    let portal = start().await;
    portal.alice().await;
    sqlx::query("UPDATE marketplace_customers SET billing_account_id = 1")
        .execute(portal.store.pool())
        .await
        .expect("link");
    let cookie = session_cookie(&portal.login("alice", PASSWORD, None).await).expect("session");
    let (_, _, confirm) = portal.page("/billing?confirm=1", &cookie).await;
    assert!(confirm.contains("Change how “Production” is billed?"), "{confirm}");
    let change = |to: &'static str| {
        portal
            .http
            .post(format!("{}/api/change_settlement", portal.base))
            .header("cookie", &cookie)
            .header("sec-fetch-site", "same-origin")
            .form(&[("workspace_id", "1"), ("to", to)])
            .send()
    };
    let first = change("billing_center").await.expect("change");
    assert_eq!(first.headers()[LOCATION], "/billing?changed=1");
    let (_, _, billing) = portal.page("/billing?changed=1", &cookie).await;
    assert!(billing.contains("The settlement method is changed."));
    assert!(billing.contains("Billing center</td>"), "{billing}");
    let second = change("aws_marketplace").await.expect("change");
    let location = second.headers()[LOCATION].to_str().expect("location").to_owned();
    assert!(location.starts_with("/billing?refused=month&from="), "{location}");
    let (_, _, refused) = portal.page(&location, &cookie).await;
    assert!(refused.contains("already changed this month. You can change it again from "), "{refused}");
    assert!(refused.contains("Billing center</td>"), "nothing changed");
}

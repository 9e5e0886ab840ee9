//! Login, sessions and the billing center over HTTP (forms posted as a browser without JavaScript would).

use crate::common;

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
    async fn form(&self, path: &str, cookie: &str, fields: &[(&str, &str)]) -> reqwest::Response;
    async fn mails_to(&self, address: &str) -> Vec<Value>;
}

const PASSWORD: &str = "correct horse battery staple";
/// How a workspace billed to AWS account …9012 reads: the masked number kept on one line.
const ACCOUNT_TAIL: &str = r#"AWS Marketplace, account <span class="aws-account">…9012</span>"#;

impl Logins for Portal {
    /// A registered buyer: Guance account `alice`, her billing account and a workspace billed to AWS account
    /// 123456789012 through AWS Marketplace.
    async fn alice(&self) {
        self.subscribe("123456789012").await;
        let password = app::domain::Password::parse(PASSWORD).expect("password");
        let hash = app::ssr::checks::hash_password(&password).expect("hash");
        let pool = self.store.pool();
        sqlx::query("INSERT INTO guance_accounts (id, username, username_key, email, email_key, password_hash, created_at) VALUES (1, 'Alice', 'alice', 'a@example.com', 'a@example.com', $1, 0)")
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

    /// Posts a same-origin form (as the browser does without JavaScript).
    async fn form(&self, path: &str, cookie: &str, fields: &[(&str, &str)]) -> reqwest::Response {
        common::browser_form(&self.http, &self.base, path, cookie, fields).await
    }

    async fn mails_to(&self, address: &str) -> Vec<Value> {
        common::mails_to(&self.http, &self.base, address).await
    }
}

/// The page's `<main>`: what differs between visitors (not the per-response nonces).
fn main_of(page: &str) -> &str {
    let start = page.find("<main").unwrap_or(0);
    let end = page.find("</main>").map_or(page.len(), |e| e + 7);
    &page[start..end]
}

/// The login session to use next: the newly set one, or the one we had.
fn keep(res: &reqwest::Response, cookie: &str) -> String {
    session_cookie(res).unwrap_or_else(|| cookie.to_owned())
}

fn session_cookie(res: &reqwest::Response) -> Option<String> {
    common::login_session(res)
}

#[tokio::test]
async fn one_answer_for_every_failure_and_a_new_session_at_login() {
    let portal = start().await;
    portal.alice().await;
    let unknown = portal.login("nobody", "whatever it is that they typed", None).await;
    let wrong = portal.login("alice", "not the password at all, no", None).await;
    assert_eq!(unknown.status(), wrong.status());
    // The same address for both, and the username never in it.
    assert_eq!(unknown.headers()[LOCATION], "/login?error=credentials");
    assert_eq!(wrong.headers()[LOCATION], "/login?error=credentials");
    assert!(session_cookie(&unknown).is_none() && session_cookie(&wrong).is_none(), "no session for a failure");
    // The form comes back with the typed username, once, from a minute-long cookie for /login.
    let typed = wrong
        .headers()
        .get_all(SET_COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|c| c.starts_with("login_typed="))
        .expect("the typed username's cookie")
        .to_owned();
    assert!(typed.contains("Path=/login") && typed.contains("Max-Age=60") && typed.contains("HttpOnly"), "{typed}");
    let pair = typed.split(';').next().expect("pair");
    let (_, _, page) = portal.page("/login?error=credentials", pair).await;
    assert!(page.contains("Incorrect username or password"));
    assert!(page.contains("value=\"alice\""), "{}", main_of(&page));

    let first = portal.login("Alice", PASSWORD, None).await;
    assert_eq!(first.headers()[LOCATION], "/workspaces");
    let first_cookie = session_cookie(&first).expect("session");
    let second = portal.login("alice", PASSWORD, Some(&first_cookie)).await;
    let second_cookie = session_cookie(&second).expect("session");
    assert_ne!(first_cookie, second_cookie, "a new session id at every login");
    let (status, _, billing) = portal.page("/billing", &second_cookie).await;
    assert_eq!(status, StatusCode::OK);
    assert!(billing.contains("Production") && billing.contains(ACCOUNT_TAIL), "{billing}");
    assert!(billing.contains("Active"));
    // Where log in lands: "Your workspaces", each to its start page, and the billing center for its owner.
    let (status, _, yours) = portal.page("/workspaces", &second_cookie).await;
    assert_eq!(status, StatusCode::OK);
    assert!(main_of(&yours).contains(r#"<a href="/workspaces/1">Production</a>"#), "{}", main_of(&yours));
    assert!(main_of(&yours).contains(r#"href="/billing""#));

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
    let (status, location, _) = portal.page("/billing", &second_cookie).await;
    assert_eq!(status, StatusCode::FOUND);
    assert_eq!(location.as_deref(), Some("/login?next=/billing"));
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
    assert_eq!(portal.login("alice", PASSWORD, None).await.headers()[LOCATION], "/workspaces");
}

#[tokio::test]
async fn nobody_locks_the_owner_out_and_overlong_usernames_are_refused_unread() {
    let portal = start().await;
    portal.alice().await;
    // A stranger has failed 150 times this hour as alice (more than the old hard limit of 100).
    for i in 0..150 {
        sqlx::query("INSERT INTO login_failures (key, at) VALUES ('account:alice', $1)")
            .bind(app::ssr::ports::now() - i)
            .execute(portal.store.pool())
            .await
            .expect("failure");
    }
    let started = std::time::Instant::now();
    assert_eq!(portal.login("alice", PASSWORD, None).await.headers()[LOCATION], "/workspaces", "only slowed down");
    assert!(started.elapsed() < std::time::Duration::from_secs(10));
    // A username longer than any account's: the same answer, and nothing is counted for it.
    let long = "a".repeat(app::domain::Username::MAX + 1);
    let res = portal.login(&long, "whatever it is", None).await;
    assert_eq!(res.headers()[LOCATION], "/login?error=credentials");
    let counted: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM login_failures WHERE key = $1")
        .bind(format!("account:{long}"))
        .fetch_one(portal.store.pool())
        .await
        .expect("count");
    assert_eq!(counted, 0);
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
    let hash = app::ssr::checks::hash_password(&password).expect("hash");
    sqlx::query("INSERT INTO guance_accounts (id, username, username_key, email, password_hash, created_at) VALUES (2, 'Bob', 'bob', 'b@example.com', $1, 0)")
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
    assert!(page.contains(ACCOUNT_TAIL));

    let (theirs, _, theirs_page) = portal.page("/workspaces/1", &bob).await;
    let (none, _, none_page) = portal.page("/workspaces/999", &bob).await;
    assert_eq!(theirs, StatusCode::NOT_FOUND);
    assert_eq!(none, StatusCode::NOT_FOUND);
    let main = |page: &str| page.split("<main").nth(1).and_then(|m| m.split("</main>").next()).map(str::to_owned);
    assert_eq!(main(&theirs_page), main(&none_page), "not a member and no such workspace look the same");
    assert!(!theirs_page.contains("tkn_"));
    let (_, location, _) = portal.page("/workspaces/1", "portal_session=forged").await;
    assert_eq!(location.as_deref(), Some("/login?next=/workspaces/1"));
}

/// Alice, whose billing account is the AWS customer's, logged in: her session cookie.
async fn linked_alice(portal: &Portal) -> String {
    portal.alice().await;
    sqlx::query("UPDATE marketplace_customers SET billing_account_id = 1")
        .execute(portal.store.pool())
        .await
        .expect("link");
    session_cookie(&portal.login("alice", PASSWORD, None).await).expect("session")
}

#[tokio::test]
async fn the_owner_changes_a_settlement_once_a_month_after_confirming() {
    let portal = start().await;
    let cookie = linked_alice(&portal).await;
    let (_, _, confirm) = portal.page("/billing?confirm=1", &cookie).await;
    assert!(confirm.contains("Change how “Production” is billed?"), "{confirm}");
    // Issue 19: the consequence as a sentence.
    assert!(
        confirm.contains("It is billed through AWS Marketplace, account …9012 now, and will be billed through the billing center once you confirm."),
        "{confirm}"
    );
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

/// What an authenticator app shows for `key` (base32, as the page prints it) at `at` (Unix seconds).
fn authenticator(key: &str, at: i64) -> String {
    let secret = totp_rs::Secret::try_from_base32(key.replace(' ', "")).expect("a base32 key");
    let totp = totp_rs::Builder::new().with_secret(secret).build().expect("totp");
    totp.generate(u64::try_from(at).expect("time")).to_string()
}

async fn two_step(portal: &Portal, cookie: &str, intent: &str, code: &str) -> reqwest::Response {
    portal.form("/api/two_step", cookie, &[("intent", intent), ("totp", code)]).await
}

/// Workspace 1 to the billing center, with two-step code `code`.
async fn change(portal: &Portal, cookie: &str, code: &str) -> reqwest::Response {
    portal
        .form("/api/change_settlement", cookie, &[("workspace_id", "1"), ("to", "billing_center"), ("totp", code)])
        .await
}

#[tokio::test]
async fn two_step_verification_guards_a_settlement_change_with_each_code_once() {
    let portal = start().await;
    let cookie = linked_alice(&portal).await;
    let (_, _, billing) = portal.page("/billing", &cookie).await;
    assert!(billing.contains("Two-step verification: off."), "{}", main_of(&billing));
    assert!(!portal.page("/billing?confirm=1", &cookie).await.2.contains("Authenticator code"));

    // The page offers a key (and its QR code); a wrong code does not turn it on.
    let (_, _, page) = portal.page("/billing/two-step", &cookie).await;
    assert!(page.contains("<svg"), "a QR code: {}", main_of(&page));
    let key = page
        .split("data-testid=\"two-step-key\"")
        .nth(1)
        .and_then(|rest| rest.split_once('>'))
        .and_then(|(_, rest)| rest.split('<').next())
        .unwrap_or_else(|| panic!("the key: {}", main_of(&page)))
        .to_owned();
    assert_eq!(key.replace(' ', "").len(), 32, "160 bits in base32: {key}");
    assert!(page.contains("otpauth://totp/Guance:Alice?"), "{}", main_of(&page));
    let now = app::ssr::ports::now();
    let right = authenticator(&key, now);
    let wrong = if right == "000000" { "111111" } else { "000000" };
    let refused = two_step(&portal, &cookie, "on", wrong).await;
    assert_eq!(refused.headers()[LOCATION], "/billing/two-step?error=wrong");
    let (_, _, page) = portal.page("/billing/two-step?error=wrong", &cookie).await;
    assert!(page.contains("That code is not right or was already used"), "{}", main_of(&page));
    assert!(page.contains(&key), "the same key is offered until it is confirmed");
    let on = two_step(&portal, &cookie, "on", &right).await;
    assert_eq!(on.headers()[LOCATION], "/billing?two_step=on");
    let (_, _, billing) = portal.page("/billing?two_step=on", &cookie).await;
    assert!(billing.contains("Two-step verification: on."), "{}", main_of(&billing));

    // A settlement change now asks for a code: none, or the one used to turn it on, changes nothing.
    let (_, _, confirm) = portal.page("/billing?confirm=1", &cookie).await;
    assert!(confirm.contains("Authenticator code"), "{}", main_of(&confirm));
    assert_eq!(change(&portal, &cookie, "").await.headers()[LOCATION], "/billing?confirm=1&totp=required");
    assert_eq!(change(&portal, &cookie, &right).await.headers()[LOCATION], "/billing?confirm=1&totp=wrong", "a replay");
    let (_, _, refused) = portal.page("/billing?confirm=1&totp=wrong", &cookie).await;
    assert!(refused.contains("There is a problem"), "{}", main_of(&refused));
    assert!(!refused.contains("Billing center</td>"), "nothing changed");
    // The next 30-second step's code (the app a little ahead of the server) is taken, once.
    let next = authenticator(&key, now + 30);
    assert_eq!(change(&portal, &cookie, &next).await.headers()[LOCATION], "/billing?changed=1");
    let (_, _, billing) = portal.page("/billing?changed=1", &cookie).await;
    assert!(billing.contains("Billing center</td>"), "{}", main_of(&billing));

    // Turning it off asks for a code too; ten wrong codes in a day and none is checked.
    let off = two_step(&portal, &cookie, "off", &next).await;
    assert_eq!(off.headers()[LOCATION], "/billing/two-step?error=wrong", "a used code does not turn it off");
    for _ in 0..9 {
        two_step(&portal, &cookie, "off", wrong).await;
    }
    // Time passes (the steps used so far are forgotten), but the wrong codes still count.
    sqlx::query("UPDATE guance_accounts SET totp_last_step = 0").execute(portal.store.pool()).await.expect("clock");
    let locked = two_step(&portal, &cookie, "off", &authenticator(&key, app::ssr::ports::now())).await;
    assert_eq!(locked.headers()[LOCATION], "/billing/two-step?error=locked");
    sqlx::query("DELETE FROM login_failures").execute(portal.store.pool()).await.expect("a day later");
    let off = two_step(&portal, &cookie, "off", &authenticator(&key, app::ssr::ports::now())).await;
    assert_eq!(off.headers()[LOCATION], "/billing?two_step=off");
    let (_, _, billing) = portal.page("/billing?two_step=off", &cookie).await;
    assert!(billing.contains("Two-step verification is off."), "{}", main_of(&billing));
}

/// The path and query of the reset link in a reset mail.
fn link_in(mail: &Value) -> String {
    let text = mail["text"].as_str().expect("text");
    let at = text.find("/forgot-password/reset?link=").expect("a reset link");
    text[at..].split_whitespace().next().expect("link").to_owned()
}

#[tokio::test]
async fn forgot_password_answers_alike_resets_by_a_link_in_any_browser_and_ends_every_session() {
    let portal = start().await;
    portal.alice().await;
    let logged_in = session_cookie(&portal.login("alice", PASSWORD, None).await).expect("session");

    // Unknown and known identifiers get the same answer, and only the known one is mailed.
    let unknown = portal.form("/api/forgot_password", "", &[("identifier", "nobody@example.com")]).await;
    let known = portal.form("/api/forgot_password", "", &[("identifier", "A@Example.com")]).await;
    assert!(unknown.status().is_redirection(), "{}", unknown.status());
    assert_eq!(unknown.status(), known.status());
    assert_eq!(unknown.headers()[LOCATION], "/forgot-password/reset");
    assert_eq!(known.headers()[LOCATION], unknown.headers()[LOCATION]);
    let (unknown_cookie, cookie) = (keep(&unknown, ""), keep(&known, ""));
    let (_, _, unknown_page) = portal.page("/forgot-password/reset", &unknown_cookie).await;
    let (_, _, known_page) = portal.page("/forgot-password/reset", &cookie).await;
    assert_eq!(
        main_of(&unknown_page).replace("nobody@example.com", "X"),
        main_of(&known_page).replace("A@Example.com", "X")
    );
    assert!(known_page.contains("we sent a link"), "{known_page}");
    assert!(!known_page.contains("New password"), "no password is taken before the link is opened");
    assert!(portal.mails_to("nobody@example.com").await.is_empty());
    let mails = portal.mails_to("a@example.com").await;
    assert_eq!(mails.len(), 1);
    let link = link_in(&mails[0]);
    let secret = link.rsplit('.').next().expect("secret");
    assert_eq!(secret.len(), 32, "192 bits, not 6 digits: {link}");

    // A link with the right flow and another secret opens nothing (and costs the flow a try).
    let forged = format!("{}{}", &link[..link.len() - 1], if link.ends_with('A') { 'B' } else { 'A' });
    let (status, _, page) = portal.page(&forged, "").await;
    assert_eq!(status, StatusCode::OK);
    assert!(page.contains("This link no longer works"), "{}", main_of(&page));

    // Opened in another browser (no cookie): the secret leaves the address bar at once.
    let opened =
        portal.http.get(format!("{}{link}", portal.base)).header("accept", "text/html").send().await.expect("open");
    assert!(opened.status().is_redirection(), "{}", opened.status());
    assert_eq!(opened.headers()[LOCATION], "/forgot-password/reset");
    let phone = session_cookie(&opened).expect("the opener's session");
    let (_, _, page) = portal.page("/forgot-password/reset", &phone).await;
    assert!(page.contains("Choose a new password for Alice"), "{}", main_of(&page));
    // The link works once.
    let (_, _, page) = portal.page(&link, "").await;
    assert!(page.contains("This link no longer works"), "{}", main_of(&page));

    // A weak password is refused, and the proof stays.
    let weak = portal
        .form(
            "/api/reset_password",
            &phone,
            &[("password", "passwordpassword"), ("confirm_password", "passwordpassword")],
        )
        .await;
    assert_eq!(weak.headers()[LOCATION], "/forgot-password/reset");
    let phone = keep(&weak, &phone);
    let (_, _, page) = portal.page("/forgot-password/reset", &phone).await;
    assert!(page.contains("There is a problem"), "{}", main_of(&page));
    assert_eq!(portal.login("alice", PASSWORD, None).await.headers()[LOCATION], "/workspaces", "not changed yet");
    // The browser that asked, without opening the link, cannot set a password.
    let new_password = "seven purple kites above the quiet harbour";
    let unproven = portal
        .form("/api/reset_password", &cookie, &[("password", new_password), ("confirm_password", new_password)])
        .await;
    assert_eq!(unproven.headers()[LOCATION], "/forgot-password/reset");
    assert_eq!(portal.login("alice", PASSWORD, None).await.headers()[LOCATION], "/workspaces", "not changed");

    let done = portal
        .form("/api/reset_password", &phone, &[("password", new_password), ("confirm_password", new_password)])
        .await;
    assert_eq!(done.headers()[LOCATION], "/login?reset=done");
    let (_, _, login) = portal.page("/login?reset=done", "").await;
    assert!(login.contains("Your password has been changed"));
    // The owner is told by email (a reset they did not make means someone reads their mailbox).
    let mails = portal.mails_to("a@example.com").await;
    assert_eq!(mails.len(), 2, "the link, then the notice");
    assert_eq!(mails[0]["subject"], "Your Guance password was changed");
    assert!(mails[0]["text"].as_str().expect("text").contains("Every session that was logged in has ended"));
    // Every session of the account has ended; the old password no longer works, the new one does.
    let (_, location, _) = portal.page("/billing", &logged_in).await;
    assert_eq!(location.as_deref(), Some("/login?next=/billing"));
    assert!(portal.login("alice", PASSWORD, None).await.headers()[LOCATION]
        .to_str()
        .expect("loc")
        .starts_with("/login?error"));
    assert_eq!(portal.login("alice", new_password, None).await.headers()[LOCATION], "/workspaces");
    // The flow is over.
    let again = portal
        .form("/api/reset_password", &phone, &[("password", new_password), ("confirm_password", new_password)])
        .await;
    assert_eq!(again.headers()[LOCATION], "/forgot-password");
}

#[tokio::test]
async fn reset_codes_follow_the_wizards_limits() {
    let portal = start().await;
    portal.alice().await;
    let first = portal.form("/api/forgot_password", "", &[("identifier", "alice")]).await;
    let cookie = keep(&first, "");
    // At once again: the 60-second rule, said on the reset page.
    let soon = portal.form("/api/forgot_password", &cookie, &[("identifier", "alice")]).await;
    let cookie = keep(&soon, &cookie);
    let (_, _, page) = portal.page("/forgot-password/reset", &cookie).await;
    assert!(page.contains("You can ask for a new link in"), "{}", main_of(&page));
    assert_eq!(portal.mails_to("a@example.com").await.len(), 1);
    // Other visitors asking for the same account share its hourly limit of five.
    for _ in 0..4 {
        portal.form("/api/forgot_password", "", &[("identifier", "ALICE")]).await;
    }
    let limited = portal.form("/api/forgot_password", "", &[("identifier", "a@example.com")]).await;
    let (_, _, page) = portal.page("/forgot-password/reset", &keep(&limited, "")).await;
    assert!(page.contains("There is a problem"), "{}", main_of(&page));
    assert_eq!(portal.mails_to("a@example.com").await.len(), 5);
    // An empty request is the visitor's mistake, said in their words.
    let empty = portal.form("/api/forgot_password", "", &[("identifier", "  ")]).await;
    assert_eq!(empty.headers()[LOCATION], "/forgot-password?error=required");
    let (_, _, page) = portal.page("/forgot-password?error=required", "").await;
    assert!(page.contains("Enter your username or email address"));
}

#[tokio::test]
async fn sessions_end_after_thirty_idle_minutes_or_twelve_hours_with_a_clock_we_control() {
    use server::store::LoginSessions;
    use tower_sessions::session::{Id, Record};
    use tower_sessions::SessionStore;
    let portal = start().await;
    portal.alice().await;
    let pool = portal.store.pool();
    // Idle: each request moves the expiry 30 minutes on; a session whose 30 minutes have passed is gone.
    let cookie = session_cookie(&portal.login("alice", PASSWORD, None).await).expect("session");
    let before = time::OffsetDateTime::now_utc().unix_timestamp();
    assert_eq!(portal.page("/billing", &cookie).await.0, StatusCode::OK);
    let expiry: time::OffsetDateTime =
        sqlx::query_scalar("SELECT expiry_date FROM login_sessions").fetch_one(pool).await.expect("row");
    let expiry = expiry.unix_timestamp();
    assert!((expiry - (before + 30 * 60)).abs() <= 5, "30 minutes from the last request: {expiry} vs {before}");
    let past = time::OffsetDateTime::now_utc() - time::Duration::seconds(1);
    sqlx::query("UPDATE login_sessions SET expiry_date = $1").bind(past).execute(pool).await.expect("age");
    let (_, location, _) = portal.page("/billing", &cookie).await;
    assert_eq!(location.as_deref(), Some("/login?next=/billing"), "30 idle minutes end it");

    // Absolute: a session logged in 12 hours ago ends however active it was; one just short of it lives.
    let store = portal.store.login_sessions();
    let now = app::ssr::ports::now();
    let opened = |logged_in_at: i64| {
        let mut data = std::collections::HashMap::new();
        data.insert("user".to_owned(), json!({ "account_id": 1, "logged_in_at": logged_in_at, "epoch": 0 }));
        Record { id: Id::default(), data, expiry_date: time::OffsetDateTime::now_utc() + time::Duration::minutes(30) }
    };
    let mut fresh = opened(now - 12 * 3600 + 120);
    let mut old = opened(now - 12 * 3600);
    store.create(&mut fresh).await.expect("fresh");
    store.create(&mut old).await.expect("old");
    let fresh_cookie = format!("portal_session={}", fresh.id);
    let old_cookie = format!("portal_session={}", old.id);
    assert_eq!(portal.page("/billing", &fresh_cookie).await.0, StatusCode::OK, "11 h 58 min: still in");
    let (_, location, _) = portal.page("/billing", &old_cookie).await;
    assert_eq!(location.as_deref(), Some("/login?next=/billing"), "12 hours: out");
    assert!(store.load(&old.id).await.expect("load").is_none(), "ended on the server too");
}

#[tokio::test]
async fn a_visitor_sent_to_log_in_comes_back_to_the_page_asked_for() {
    let portal = start().await;
    portal.alice().await;
    let (status, location, _) = portal.page("/workspaces/1", "").await;
    assert_eq!(status, StatusCode::FOUND, "a redirect every browser follows");
    assert_eq!(location.as_deref(), Some("/login?next=/workspaces/1"));
    let (status, _, page) = portal.page("/login?next=/workspaces/1", "").await;
    assert_eq!(status, StatusCode::OK);
    assert!(page.contains(r#"name="next" value="/workspaces/1""#), "{}", main_of(&page));
    let login = |next: &'static str| {
        portal
            .http
            .post(format!("{}/api/login", portal.base))
            .header("sec-fetch-site", "same-origin")
            .form(&[("username", "alice"), ("password", PASSWORD), ("next", next)])
            .send()
    };
    assert_eq!(login("/workspaces/1").await.expect("login").headers()[LOCATION], "/workspaces/1");
    // Anywhere else is not ours to send a visitor to: "Your workspaces", as without `next`.
    for elsewhere in ["//evil.example/", "https://evil.example/", "/\\evil.example", "/nowhere"] {
        assert_eq!(login(elsewhere).await.expect("login").headers()[LOCATION], "/workspaces", "{elsewhere}");
        let (_, _, page) = portal.page(&format!("/login?next={elsewhere}"), "").await;
        assert!(!page.contains(r#"name="next""#), "{elsewhere}");
    }
    // A refusal keeps where the visitor was going.
    let refused = portal
        .http
        .post(format!("{}/api/login", portal.base))
        .header("sec-fetch-site", "same-origin")
        .form(&[("username", "alice"), ("password", "not the password at all, no"), ("next", "/billing?x=1")])
        .send()
        .await
        .expect("login");
    assert_eq!(refused.headers()[LOCATION], "/login?error=credentials&next=/billing%3Fx%3D1");
}

#[tokio::test]
async fn an_owner_without_a_billing_account_lands_on_their_workspaces_not_on_an_empty_billing_center() {
    let portal = start().await;
    portal.alice().await;
    // Bob owns a workspace that Alice's billing account pays for ("I have a Guance account" on Create).
    let password = app::domain::Password::parse(PASSWORD).expect("password");
    let hash = app::ssr::checks::hash_password(&password).expect("hash");
    let pool = portal.store.pool();
    sqlx::query("INSERT INTO guance_accounts (id, username, username_key, email, email_key, password_hash, created_at) VALUES (2, 'Bob', 'bob', 'b@example.com', 'b@example.com', $1, 0)")
        .bind(hash).execute(pool).await.expect("account");
    sqlx::query("INSERT INTO workspaces (id, billing_account_id, owner_account_id, name, name_key, site, language, created_at) VALUES (2, 1, 2, 'Bob''s', 'bob''s', 'cn2', 'zh', 1)")
        .execute(pool).await.expect("workspace");
    let login = portal.login("bob", PASSWORD, None).await;
    assert_eq!(login.headers()[LOCATION], "/workspaces");
    let cookie = session_cookie(&login).expect("session");
    let (status, _, page) = portal.page("/workspaces", &cookie).await;
    assert_eq!(status, StatusCode::OK);
    let main = main_of(&page);
    assert!(
        main.contains(r#"<a href="/workspaces/2">Bob&#x27;s</a>"#) || main.contains("/workspaces/2\">Bob"),
        "{main}"
    );
    assert!(!main.contains("/workspaces/1\""), "Alice's own workspace is not his");
    assert!(!main.contains(r#"href="/billing""#), "the billing center is its owner's");
    let (status, _, start) = portal.page("/workspaces/2", &cookie).await;
    assert_eq!(status, StatusCode::OK);
    assert!(main_of(&start).contains("Start using Guance") && main_of(&start).contains("docs.guance.com"));
    // Alice, who owns the billing account, sees both.
    let alice = session_cookie(&portal.login("alice", PASSWORD, None).await).expect("session");
    let (_, _, page) = portal.page("/workspaces", &alice).await;
    assert!(main_of(&page).contains("/workspaces/1\"") && main_of(&page).contains("/workspaces/2\""));
}

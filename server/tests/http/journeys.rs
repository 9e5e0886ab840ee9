//! Buyers' journeys that must end somewhere (issue 18), over HTTP: forms posted as a browser without
//! JavaScript would, and as an attacker would.

use crate::common;

use reqwest::header::LOCATION;
use reqwest::StatusCode;

type Portal = common::Server;

const ACCOUNT: &str = "123456789012";

/// A page as a browser asks for it: (status, body).
async fn page(portal: &Portal, path: &str, cookie: &str) -> (StatusCode, String) {
    let (status, _, body) = common::browser_page(&portal.http, &portal.base, path, cookie).await;
    (status, body)
}

/// The AWS customer of `ACCOUNT` linked to billing account "owner" (one workspace, "Production", on us1,
/// billed to it) which also owns `Frankfurt` on eu1 — a site AWS Marketplace does not offer. Returns a new
/// activation session's cookie and Frankfurt's id.
async fn owner_with_a_workspace_in_frankfurt(portal: &Portal) -> (String, i64) {
    portal.subscribe(ACCOUNT).await;
    portal.settled_workspace(ACCOUNT, "owner", "x", "Production").await;
    let pool = portal.store.pool();
    sqlx::query(
        "UPDATE marketplace_customers SET billing_account_id = (SELECT id FROM billing_accounts WHERE username_key = 'owner')",
    )
    .execute(pool)
    .await
    .expect("linked");
    let frankfurt: i64 = sqlx::query_scalar(
        "INSERT INTO workspaces (billing_account_id, owner_account_id, name, name_key, site, language, created_at)
         SELECT id, owner_account_id, 'Frankfurt', 'frankfurt', 'eu1', 'en', 0 FROM billing_accounts RETURNING id",
    )
    .fetch_one(pool)
    .await
    .expect("workspace");
    (portal.subscribe(ACCOUNT).await, frankfurt)
}

#[tokio::test]
async fn a_workspace_on_a_site_aws_does_not_offer_is_shown_with_the_reason_and_cannot_be_bound() {
    let portal = common::start(&[]).await;
    let (cookie, frankfurt) = owner_with_a_workspace_in_frankfurt(&portal).await;
    let workspaces = "/activate/link/workspaces";
    let (status, body) = page(&portal, workspaces, &cookie).await;
    assert_eq!(status, StatusCode::OK);
    let row = body.split("Frankfurt</th>").nth(1).and_then(|r| r.split("</tr>").next()).expect("Frankfurt's row");
    assert!(row.contains("Site not offered"), "{row}");
    assert!(row.contains("AWS Marketplace bills only workspaces in Ningxia or Oregon"), "the reason: {row}");
    assert!(!row.contains("Bind"), "no Bind button: {row}");

    // Posted anyway, as a crafted form would: refused in plain words, nothing settled.
    let settlements = || async {
        let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM workspace_settlements WHERE workspace_id = $1")
            .bind(frankfurt)
            .fetch_one(portal.store.pool())
            .await
            .expect("count");
        n
    };
    let id = frankfurt.to_string();
    let res =
        common::browser_form(&portal.http, &portal.base, "/api/bind_workspace", &cookie, &[("workspace_id", &id)])
            .await;
    assert!(res.status().is_redirection(), "{}", res.status());
    assert_eq!(res.headers()[LOCATION], workspaces);
    assert_eq!(settlements().await, 0);
    let (_, body) = page(&portal, workspaces, &cookie).await;
    assert!(body.contains("That workspace is on a site AWS Marketplace does not offer"), "{body}");
}

#[tokio::test]
async fn an_activated_aws_account_coming_back_is_told_so_with_its_workspaces_and_where_to_go() {
    let portal = common::start(&[]).await;
    let (cookie, _) = owner_with_a_workspace_in_frankfurt(&portal).await;
    let (status, body) = page(&portal, "/activate", &cookie).await;
    assert_eq!(status, StatusCode::OK, "the page itself, not a redirect");
    let main = body.split("<main").nth(1).expect("main");
    assert!(main.contains("This AWS account is already activated"), "{main}");
    assert!(main.contains("1234-5678-9012"));
    assert!(main.contains("o***r"), "the billing account, masked: {main}");
    assert!(!main.contains("owner"), "never in clear to whoever holds the session");
    let workspaces = main.split(r#"data-testid="linked-workspaces""#).nth(1).expect("the linked workspaces");
    let workspaces = workspaces.split("</ul>").next().unwrap_or_default();
    assert!(workspaces.contains("Production – International Region 1 (Oregon)"), "{workspaces}");
    assert!(!workspaces.contains("Frankfurt"), "billed to this AWS account only");
    assert!(main.contains(r#"href="/login""#) && main.contains(r#"href="/activate/link/workspaces""#));
    assert!(main.contains("Registering a new billing account or linking another one is not offered"));
    assert!(!main.contains(r#"name="branch""#), "no branch choice");

    // In Chinese too.
    let res = portal
        .http
        .get(format!("{}/activate", portal.base))
        .header("cookie", format!("{cookie}; i18n_pref_locale=zh"))
        .send()
        .await
        .expect("get");
    let body = res.text().await.expect("body");
    assert!(body.contains("此 AWS 账号已激活"), "{body}");
}

#[tokio::test]
async fn the_billing_accounts_owner_is_told_when_one_of_its_workspaces_is_bound_to_an_aws_account() {
    let portal = common::start(&[]).await;
    let (cookie, _) = owner_with_a_workspace_in_frankfurt(&portal).await;
    let staging: i64 = sqlx::query_scalar(
        "INSERT INTO workspaces (billing_account_id, owner_account_id, name, name_key, site, language, created_at)
         SELECT id, owner_account_id, 'Staging', 'staging', 'us1', 'en', 0 FROM billing_accounts RETURNING id",
    )
    .fetch_one(portal.store.pool())
    .await
    .expect("workspace");
    let id = staging.to_string();
    let fields = [("workspace_id", id.as_str())];
    let bind = || common::browser_form(&portal.http, &portal.base, "/api/bind_workspace", &cookie, &fields);
    assert!(bind().await.status().is_redirection());
    let mails = common::mails_to(&portal.http, &portal.base, "a@example.com").await;
    assert_eq!(mails.len(), 1, "{mails:?}");
    assert_eq!(mails[0]["subject"], "Your Guance workspace “Staging” is now billed through AWS Marketplace");
    let text = mails[0]["text"].as_str().expect("text");
    assert!(text.contains("The workspace Staging of your billing account owner"), "{text}");
    assert!(text.contains("to AWS account …9012, from "), "the AWS account, masked, and the date: {text}");
    assert!(!text.contains("123456789012"));
    // Bound again (a double click): no second mail.
    assert!(bind().await.status().is_redirection());
    assert_eq!(common::mails_to(&portal.http, &portal.base, "a@example.com").await.len(), 1);
}

#[tokio::test]
async fn the_seeds_words_what_a_billing_account_is_and_the_terms_behind_i_agree() {
    let portal = common::start(&[]).await;
    let cookie = portal.subscribe(ACCOUNT).await;
    let (_, body) = page(&portal, "/activate", &cookie).await;
    let main = body.split("<main").nth(1).expect("main");
    let details =
        main.split(r#"<details class="details">"#).nth(1).expect("the explanation").split("</details>").next();
    let details = details.unwrap_or_default();
    assert!(details.contains("<summary>What is a billing account?</summary>"), "{details}");
    // Issue 19: the product's name, not its code alone, and how usage is charged.
    assert!(main.contains("Guance Commercial Plan"), "{main}");
    assert!(main.contains("metered by the hour and charged to your AWS bill"));
    // The process picture: AWS account → billing account → workspaces, as a list read in order.
    let steps: Vec<&str> =
        details.split("<li><strong>").skip(1).filter_map(|li| li.split("</strong>").next()).collect();
    assert_eq!(steps, ["AWS account", "Billing account", "Workspaces"]);

    // "I agree to the terms" links to them (dev: the sample page), in a new tab so nothing typed is lost.
    let fields = [("branch", "register")];
    common::browser_form(&portal.http, &portal.base, "/api/choose_branch", &cookie, &fields).await;
    sqlx::query("UPDATE activation_sessions SET draft = $1")
        .bind(r#"{"register":{"basic_done":true,"company_done":true}}"#)
        .execute(portal.store.pool())
        .await
        .expect("steps 1 and 2 done");
    let (status, body) = page(&portal, "/activate/register/workspace", &cookie).await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        body.contains(r#"I agree to the <a href="/terms" target="_blank" rel="noopener">terms<span class="visually-hidden"> (opens in a new tab)</span></a>"#),
        "{body}"
    );
    let (status, body) = page(&portal, "/terms", "").await;
    assert_eq!(status, StatusCode::OK);
    assert!(body.contains("Terms (sample)"));
}

#[tokio::test]
async fn coming_back_through_set_up_your_account_resumes_the_answers_and_start_over_clears_them() {
    let portal = common::start(&[]).await;
    let first = portal.subscribe(ACCOUNT).await;
    let form = |cookie: String, path: &'static str, fields: Vec<(&'static str, &'static str)>| {
        let portal = &portal;
        async move { common::browser_form(&portal.http, &portal.base, path, &cookie, &fields).await }
    };
    form(first.clone(), "/api/choose_branch", vec![("branch", "register")]).await;
    let typed = vec![
        ("site", "us1"),
        ("username", "returning_buyer"),
        ("password", "a long and unusual passphrase 42"),
        ("confirm_password", "a long and unusual passphrase 42"),
        ("email", "returning@example.com"),
        ("code", ""),
        ("phone", ""),
        ("intent", "send_code"),
    ];
    assert!(form(first.clone(), "/api/register_basic", typed).await.status().is_redirection());

    // Days later (another session: the first one's cookie is gone), through Set Up Your Account again.
    let back = portal.subscribe(ACCOUNT).await;
    let (_, page_) = page(&portal, "/activate", &back).await;
    let main = page_.split("<main").nth(1).expect("main");
    assert!(main.contains("Welcome back") && main.contains("never passwords or codes"), "{main}");
    assert!(main.contains(r#"value="register" checked"#), "the chosen branch: {main}");
    let (_, step1) = page(&portal, "/activate/register", &back).await;
    assert!(step1.contains(r#"value="returning_buyer""#), "the typed username");
    assert!(step1.contains(r#"value="returning@example.com""#), "the typed email");
    assert!(!step1.contains("passphrase"), "never a password");

    // Start over: nothing kept, in this session or the next.
    let res = form(back.clone(), "/api/start_over", vec![]).await;
    assert_eq!(res.headers()[LOCATION], "/activate");
    let (_, page_) = page(&portal, "/activate", &back).await;
    assert!(!page_.contains("Welcome back") && !page_.contains(r#"value="register" checked"#));
    let again = portal.subscribe(ACCOUNT).await;
    let (_, page_) = page(&portal, "/activate", &again).await;
    assert!(!page_.contains("Welcome back"));
}

#[tokio::test]
async fn the_china_marketplace_is_a_setting_events_topics_and_links_follow_it() {
    let china = common::start(&[("PORTAL_AWS_PARTITION", "aws-cn")]).await;
    // The simulator plays AWS China's Marketplace: its SNS topics are the listing's in aws-cn.
    let cookie = china.subscribe(ACCOUNT).await;
    let sent: serde_json::Value = china
        .http
        .post(format!("{}/_sim/aws/sns/send", china.base))
        .json(&serde_json::json!({ "aws_account_id": ACCOUNT, "action": "unsubscribe-pending" }))
        .send()
        .await
        .expect("send")
        .json()
        .await
        .expect("json");
    assert_eq!(sent["delivered"]["status"], 200, "accepted from the aws-cn topic: {sent}");
    assert!(sent["message"]["TopicArn"].as_str().is_some_and(|t| t.starts_with("arn:aws-cn:sns:cn-northwest-1:")));
    assert_eq!(sent["delivered"]["answer"]["outcome"], "applied");
    let state = server::lifecycle::LifecycleStore::subscription(&china.store, ACCOUNT, "guance-dev")
        .await
        .expect("read")
        .expect("customer")
        .state;
    assert_eq!(state, server::lifecycle::SubscriptionState::CancellationPending);
    let _ = cookie;
    // A buyer without a session and a refused token are sent to the China marketplace.
    let (_, start) = page(&china, "/activate", "").await;
    assert!(start.contains(r#"href="https://awsmarketplace.amazonaws.cn/marketplace/library""#), "{start}");
    let refused = china
        .http
        .post(format!("{}/marketplace/aws", china.base))
        .form(&[("x-amzn-marketplace-token", "not-a-token")])
        .send()
        .await
        .expect("post");
    assert_eq!(refused.status(), StatusCode::BAD_REQUEST);
    assert!(refused.text().await.expect("body").contains("https://awsmarketplace.amazonaws.cn/marketplace/library"));

    // The global marketplace by default.
    let global = common::start(&[]).await;
    let (_, start) = page(&global, "/activate", "").await;
    assert!(start.contains(r#"href="https://aws.amazon.com/marketplace/library""#));
}

/// Issue 19: an error elsewhere on step 1 never uses up a try of the code, and the page says the code is
/// still to be checked.
#[tokio::test]
async fn errors_elsewhere_on_the_step_use_up_no_try_of_the_code() {
    let portal = common::start(&[]).await;
    let cookie = portal.subscribe(ACCOUNT).await;
    let post = |fields: Vec<(&'static str, String)>| {
        let (portal, cookie) = (&portal, cookie.clone());
        async move {
            let fields: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
            common::browser_form(&portal.http, &portal.base, "/api/register_basic", &cookie, &fields).await
        }
    };
    common::browser_form(&portal.http, &portal.base, "/api/choose_branch", &cookie, &[("branch", "register")]).await;
    let email = "no-try-used@example.com";
    post(vec![("email", email.into()), ("intent", "send_code".into())]).await;
    let mails = common::mails_to(&portal.http, &portal.base, email).await;
    let code = common::code_in(mails[0]["text"].as_str().expect("text"));
    let wrong = if code == "000000" { "111111" } else { "000000" };
    let step = |password: &str, code: &str| {
        vec![
            ("site", "us1".to_owned()),
            ("username", "no_try_used".to_owned()),
            ("password", password.to_owned()),
            ("confirm_password", password.to_owned()),
            ("email", email.to_owned()),
            ("code", code.to_owned()),
            ("phone", String::new()),
            ("intent", "continue".to_owned()),
        ]
    };
    // Six rounds with a short password and a wrong code: more than the code's five tries, none used.
    for _ in 0..6 {
        let res = post(step("too short", wrong)).await;
        assert_eq!(res.headers()[LOCATION], "/activate/register");
        let (_, body) = page(&portal, "/activate/register", &cookie).await;
        assert!(body.contains("Password must be 15 characters or more"));
        assert!(body.contains("The code has not been checked yet, so it is still good"), "said so");
        assert!(!body.contains("is not correct"), "the wrong code was not tried");
    }
    // Everything else right: the code is checked now, and it is still good.
    let res = post(step("a long and unusual passphrase 42", &code)).await;
    assert_eq!(res.headers()[LOCATION], "/activate/register/company", "the code still worked");
}

/// Issue 19: no dead ends — without a session, after it ended, and on "not found", a way forward.
#[tokio::test]
async fn pages_that_cannot_go_on_offer_a_way_forward() {
    let portal = common::start(&[]).await;
    for path in ["/activate", "/activate/register", "/no-such-page"] {
        let (_, body) = page(&portal, path, "").await;
        let ways = body.split(r#"data-testid="ways-forward""#).nth(1).unwrap_or_else(|| panic!("{path}: {body}"));
        let ways = ways.split("</ul>").next().unwrap_or_default();
        assert!(ways.contains("Go to your AWS Marketplace subscriptions"), "{path}: {ways}");
        assert!(ways.contains("Already activated?") && ways.contains(r#"href="/login""#), "{path}: {ways}");
    }
    // An ended session says the answers are kept.
    let cookie = portal.subscribe(ACCOUNT).await;
    sqlx::query("UPDATE activation_sessions SET last_seen_at = 0, created_at = 0")
        .execute(portal.store.pool())
        .await
        .expect("age");
    let (_, body) = page(&portal, "/activate", &cookie).await;
    assert!(body.contains("Your answers are kept for 30 days"), "{body}");
}

/// Issue 19: a taken username on step 1 may be the buyer's own: the link branch is offered.
#[tokio::test]
async fn a_taken_username_offers_to_link_the_billing_account_instead() {
    let portal = common::start(&[]).await;
    portal.subscribe("210987654321").await;
    portal.settled_workspace("210987654321", "owner", "x", "Theirs").await;
    let cookie = portal.subscribe(ACCOUNT).await;
    let form = |path: &'static str, fields: &'static [(&'static str, &'static str)]| {
        common::browser_form(&portal.http, &portal.base, path, &cookie, fields)
    };
    form("/api/choose_branch", &[("branch", "register")]).await;
    form("/api/register_basic", &[("site", "us1"), ("username", "Owner"), ("intent", "continue")]).await;
    let (_, body) = page(&portal, "/activate/register", &cookie).await;
    let offer = body.split(r#"data-testid="other-branch""#).nth(1).expect("the offer");
    assert!(offer.contains("Is this you?") && offer.contains(r#"name="branch" value="link""#), "{offer}");
    let res = form("/api/choose_branch", &[("branch", "link")]).await;
    assert_eq!(res.headers()[LOCATION], "/activate/link");
    // Any other error does not offer it.
    form("/api/choose_branch", &[("branch", "register")]).await;
    form("/api/register_basic", &[("site", "us1"), ("username", "ab"), ("intent", "continue")]).await;
    let (_, body) = page(&portal, "/activate/register", &cookie).await;
    assert!(!body.contains(r#"data-testid="other-branch""#));
}

/// Issue 19: "Choose" on Create workspace with nothing chosen shows the error summary like every other page.
#[tokio::test]
async fn choose_with_nothing_chosen_says_what_is_missing() {
    let portal = common::start(&[]).await;
    let (cookie, _) = owner_with_a_workspace_in_frankfurt(&portal).await;
    let (status, body) = page(&portal, "/activate/link/create?choose=1", &cookie).await;
    assert_eq!(status, StatusCode::OK);
    let main = body.split("<main").nth(1).expect("main");
    assert!(main.contains(r#"class="error-summary""#) && main.contains(r##"href="#account-existing""##), "{main}");
    assert!(main.contains(r#"id="account-error""#) && main.contains("Select who will own the workspace"));
    // Before anything is pressed, no error.
    let (_, body) = page(&portal, "/activate/link/create", &cookie).await;
    assert!(!body.contains(r#"class="error-summary""#));
}

/// Posts a form as a browser without JavaScript would; returns where it sends the browser.
async fn post(portal: &Portal, cookie: &str, path: &str, fields: &[(&str, &str)]) -> String {
    let res = common::browser_form(&portal.http, &portal.base, path, cookie, fields).await;
    assert!(res.status().is_redirection(), "{path}: {}", res.status());
    res.headers()[LOCATION].to_str().expect("location").to_owned()
}

/// Issue 19: a right code does not link yet — the page asks "Link billing account X to AWS account Y?" —, and
/// "Not your billing account? Start again" undoes the link until a workspace is linked; after that, or from
/// another session of the AWS account, it is refused and nothing changes.
#[tokio::test]
async fn linking_asks_once_more_and_can_be_undone_until_a_workspace_is_linked() {
    let portal = common::start(&[]).await;
    portal.subscribe("210987654321").await;
    portal.settled_workspace("210987654321", "owner", "x", "Theirs").await;
    let pool = portal.store.pool();
    let spare: i64 = sqlx::query_scalar(
        "INSERT INTO workspaces (billing_account_id, owner_account_id, name, name_key, site, language, created_at)
         SELECT id, owner_account_id, 'Spare', 'spare', 'us1', 'en', 0 FROM billing_accounts RETURNING id",
    )
    .fetch_one(pool)
    .await
    .expect("workspace");
    let linked = || async {
        let id: Option<i64> = sqlx::query_scalar(
            "SELECT billing_account_id FROM marketplace_customers WHERE aws_account_id = $1 ORDER BY id DESC LIMIT 1",
        )
        .bind(ACCOUNT)
        .fetch_one(pool)
        .await
        .expect("customer");
        id.is_some()
    };
    let cookie = portal.subscribe(ACCOUNT).await;
    post(&portal, &cookie, "/api/choose_branch", &[("branch", "link")]).await;
    let (p, c) = (&portal, cookie.as_str());
    let link = move |code: String| async move {
        post(p, c, "/api/link_billing", &[("username", "Owner"), ("code", &code), ("intent", "link")]).await
    };
    // Send code, past the minute before another code may be sent.
    let send = move || async move {
        sqlx::query("UPDATE verification_codes SET created_at = created_at - 120").execute(pool).await.expect("aged");
        post(p, c, "/api/link_billing", &[("username", "Owner"), ("intent", "send_code")]).await
    };
    send().await;
    let code = common::code_in(
        common::mails_to(&portal.http, &portal.base, "a@example.com").await[0]["text"].as_str().expect("mail"),
    );
    assert_eq!(link(code).await, "/activate/link", "asked once more");
    assert!(!linked().await, "nothing linked before the buyer confirms");
    let (_, body) = page(&portal, "/activate/link", &cookie).await;
    let main = body.split("<main").nth(1).expect("main");
    let question = r#"Link billing account Owner to AWS account <span class="aws-account">1234-5678-9012</span>?"#;
    assert!(main.contains(question), "the number on one line: {main}");
    assert!(main.contains(r#"value="confirm""#) && main.contains("Not your billing account? Start again"));
    assert!(!main.contains(r#"name="code""#), "the code is not asked again");

    // Start again from the question: an empty form, nothing linked.
    assert_eq!(post(&portal, &cookie, "/api/link_start_again", &[]).await, "/activate/link#main");
    let (_, body) = page(&portal, "/activate/link", &cookie).await;
    assert!(body.contains(r#"name="code""#) && !body.contains(r#"value="Owner""#), "an empty form");
    // A stale Confirm (from another tab) links nothing.
    assert_eq!(post(&portal, &cookie, "/api/link_billing", &[("intent", "confirm")]).await, "/activate/link#main");
    assert!(!linked().await);

    // Proven and confirmed: linked; until a workspace is linked the link can be undone.
    send().await;
    let code = common::code_in(
        common::mails_to(&portal.http, &portal.base, "a@example.com").await[0]["text"].as_str().expect("mail"),
    );
    link(code).await;
    let confirm = [("intent", "confirm")];
    assert_eq!(post(&portal, &cookie, "/api/link_billing", &confirm).await, "/activate/link/workspaces");
    assert!(linked().await);
    let (_, body) = page(&portal, "/activate/link/workspaces", &cookie).await;
    assert!(body.contains("Not your billing account? Start again"), "offered until a workspace is linked");
    // Another session of the same AWS account may not undo it.
    let other = portal.subscribe(ACCOUNT).await;
    assert_eq!(post(&portal, &other, "/api/link_start_again", &[]).await, "/activate/link/workspaces");
    assert!(linked().await, "another session's start again changes nothing");
    let (_, body) = page(&portal, "/activate/link/workspaces", &other).await;
    assert!(!body.contains("Not your billing account? Start again"));
    assert_eq!(post(&portal, &cookie, "/api/link_start_again", &[]).await, "/activate/link#main");
    assert!(!linked().await, "undone");
    let (_, body) = page(&portal, "/activate/link", &cookie).await;
    assert!(body.contains("Billing account owner is no longer linked to this AWS account"), "said so");

    // Linked again and a workspace bound: start again is no longer offered, and refused when posted.
    send().await;
    let code = common::code_in(
        common::mails_to(&portal.http, &portal.base, "a@example.com").await[0]["text"].as_str().expect("mail"),
    );
    link(code).await;
    post(&portal, &cookie, "/api/link_billing", &confirm).await;
    let id = spare.to_string();
    post(&portal, &cookie, "/api/bind_workspace", &[("workspace_id", id.as_str())]).await;
    let (_, body) = page(&portal, "/activate/link/workspaces", &cookie).await;
    assert!(!body.contains("Not your billing account? Start again"));
    assert_eq!(post(&portal, &cookie, "/api/link_start_again", &[]).await, "/activate/link/workspaces");
    assert!(linked().await, "the billing account stays");
    let (_, body) = page(&portal, "/activate/link/workspaces", &cookie).await;
    assert!(body.contains("its billing account stays"), "said so");
}

/// Issue 19: the language switch on a wizard page sends the page's form along (`form="page-form"`), and the
/// page comes back in the other language with what was typed — never a password.
#[tokio::test]
async fn switching_language_keeps_what_was_typed() {
    let portal = common::start(&[]).await;
    let cookie = portal.subscribe(ACCOUNT).await;
    post(&portal, &cookie, "/api/choose_branch", &[("branch", "register")]).await;
    let (_, body) = page(&portal, "/activate/register", &cookie).await;
    assert!(body.contains(r#"id="page-form""#) && body.contains(r#"form="page-form""#), "the switch sends the form");
    assert!(body.contains(r#"formaction="/api/set_language?back=/activate/register""#));
    let typed = [
        ("site", "us1"),
        ("username", "typed-name"),
        ("password", "a long and unusual passphrase 42"),
        ("email", "typed@example.com"),
        ("code", "123456"),
        ("intent", "continue"),
        ("lang", "zh"),
    ];
    assert_eq!(post(&portal, &cookie, "/api/set_language?back=/activate/register", &typed).await, "/activate/register");
    let res = portal
        .http
        .get(format!("{}/activate/register", portal.base))
        .header("cookie", format!("{cookie}; i18n_pref_locale=zh"))
        .header("sec-fetch-site", "same-origin")
        .send()
        .await
        .expect("page");
    let body = res.text().await.expect("body");
    assert!(body.contains(r#"lang="zh""#), "in Chinese");
    assert!(body.contains(r#"value="typed-name""#) && body.contains(r#"value="typed@example.com""#), "kept");
    assert!(!body.contains("a long and unusual passphrase"), "never a password");
    assert!(!body.contains(r#"class="error-summary""#), "nothing was checked");
    // Another page's path keeps nothing there, and a foreign `back` goes to /activate.
    let evil =
        post(&portal, &cookie, "/api/set_language?back=//evil.example/", &[("lang", "en"), ("username", "x")]).await;
    assert_eq!(evil, "/activate");
}

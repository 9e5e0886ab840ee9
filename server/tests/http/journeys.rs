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

//! Faults (issue 14): the portal killed with `SIGKILL` between every pair of steps and in the middle of
//! Activate leaves nothing half-made and the buyer resumes where they were; the database going away answers
//! a 503 page in plain words, and the portal recovers without a restart when it comes back.
//! (SMTP down — the buyer told, no code used up, the mail delivered once SMTP returns — is proven in
//! `server/src/outbox.rs` and `server/tests/security.rs`.)

use crate::common;

use common::process::{basic_info, Process};
use reqwest::StatusCode;
use std::time::Duration;

const ACCOUNT: &str = "123456789012";

/// (Guance accounts, billing accounts, workspaces, settlements, AWS customers with a billing account).
async fn made(pool: &sqlx::SqlitePool) -> [i64; 5] {
    let mut counts = [0; 5];
    for (i, sql) in [
        "SELECT COUNT(*) FROM guance_accounts",
        "SELECT COUNT(*) FROM billing_accounts",
        "SELECT COUNT(*) FROM workspaces",
        "SELECT COUNT(*) FROM workspace_settlements",
        "SELECT COUNT(*) FROM marketplace_customers WHERE billing_account_id IS NOT NULL",
    ]
    .into_iter()
    .enumerate()
    {
        counts[i] = sqlx::query_scalar(sql).fetch_one(pool).await.expect("count");
    }
    counts
}

/// After a restart, the buyer's page `path` is there, with `shows` on it.
async fn resumes(portal: &Process, cookie: &str, path: &str, shows: &[&str]) {
    let (status, body) = portal.page_status(path, cookie).await;
    assert_eq!(status, StatusCode::OK, "{path} after a restart");
    for text in shows {
        assert!(body.contains(text), "{path} shows {text:?} after a restart: {body}");
    }
}

/// Posts a form as a browser would and `kill -9`s the portal `delay_ms` later, whatever the post is doing;
/// then starts it again. The post's own outcome (often a reset connection) does not matter.
async fn post_then_kill(portal: &mut Process, path: &str, cookie: &str, fields: &[(&str, &str)], delay_ms: u64) {
    let post = portal
        .http
        .post(format!("{}{path}", portal.base))
        .header("sec-fetch-site", "same-origin")
        .header("accept", "text/html")
        .header("cookie", cookie)
        .form(fields)
        .send();
    let request = tokio::spawn(post);
    tokio::time::sleep(Duration::from_millis(delay_ms)).await;
    portal.kill_9_and_restart().await;
    let _ = request.await;
}

#[tokio::test]
async fn killed_between_every_step_and_during_activate_nothing_is_half_made_and_the_buyer_resumes() {
    let dir = tempfile::tempdir().expect("tempdir");
    let url = format!("sqlite://{}/portal.db?mode=rwc", dir.path().display());
    let mut portal = Process::spawn(&url, &[]).await;
    let pool = sqlx::SqlitePool::connect(&url).await.expect("pool");

    let cookie = portal.subscribe(&portal, ACCOUNT).await;
    portal.kill_9_and_restart().await;
    resumes(&portal, &cookie, "/activate", &["1234-5678-9012"]).await;

    portal.form("/api/choose_branch", &cookie, &[("branch", "register")]).await;
    portal.kill_9_and_restart().await;
    resumes(&portal, &cookie, "/activate/register", &["Basic information"]).await;

    let email = "alice@example.com";
    portal.form("/api/register_basic", &cookie, &[("email", email), ("intent", "send_code")]).await;
    let code = portal.code_for(email).await;
    portal.kill_9_and_restart().await;
    // The code sent before the crash is still the one that counts.
    let (next, _) = portal.form("/api/register_basic", &cookie, &basic_info("alice", email, &code)).await;
    assert_eq!(next, "/activate/register/company");
    portal.kill_9_and_restart().await;
    resumes(&portal, &cookie, "/activate/register", &["alice", email]).await;
    resumes(&portal, &cookie, "/activate/register/company", &["Company information"]).await;

    let company = [("company_name", "Example Ltd"), ("industry", ""), ("company_size", "")];
    let (next, _) = portal.form("/api/register_company", &cookie, &company).await;
    assert_eq!(next, "/activate/register/workspace");
    portal.kill_9_and_restart().await;
    resumes(&portal, &cookie, "/activate/register/company", &["Example Ltd"]).await;

    let workspace = [("workspace_name", "Production"), ("language", "en"), ("terms", "yes")];
    let (next, _) = portal.form("/api/register_workspace", &cookie, &workspace).await;
    assert_eq!(next, "/activate/register/check");
    portal.kill_9_and_restart().await;
    resumes(&portal, &cookie, "/activate/register/check", &["alice", "Example Ltd", "Production"]).await;
    assert_eq!(made(&pool).await, [0; 5], "nothing is made before Activate");

    // Activate, killed at moments from "as the request arrives" to "after it should have finished": every
    // time, either all of it exists or none of it; the buyer then activates (again) and finishes.
    let mut outcomes = Vec::new();
    for delay_ms in [0u64, 2, 5, 10, 20, 40, 80, 160] {
        post_then_kill(&mut portal, "/api/register_activate", &cookie, &[], delay_ms).await;
        let counts = made(&pool).await;
        assert!(counts == [0; 5] || counts == [1; 5], "killed {delay_ms} ms into Activate: {counts:?}");
        outcomes.push((delay_ms, counts[0]));
        if counts == [1; 5] {
            break;
        }
        resumes(&portal, &cookie, "/activate/register/check", &["Production"]).await;
    }
    eprintln!("Activate killed after (ms, accounts made): {outcomes:?}");
    let (next, _) = portal.form("/api/register_activate", &cookie, &[]).await;
    assert_eq!(next, "/activate/register/done", "after {outcomes:?}");
    resumes(&portal, &cookie, "/activate/register/done", &["Production"]).await;
    assert_eq!(made(&pool).await, [1; 5], "one of everything, whatever the crashes: {outcomes:?}");
}

#[tokio::test]
async fn the_database_away_is_a_503_page_in_plain_words_and_the_portal_recovers_without_a_restart() {
    let url = server::throwaway_pg::fresh_database().await.expect("PostgreSQL");
    let name = url.rsplit('/').next().expect("database name").to_owned();
    let admin = server::throwaway_pg::admin_url().expect("admin");
    let portal = Process::spawn(&url, &[]).await;
    let cookie = portal.subscribe(&portal, ACCOUNT).await;
    portal.form("/api/choose_branch", &cookie, &[("branch", "register")]).await;

    // The database goes away: no new connections, and the pool's are cut.
    let mut conn = <sqlx::PgConnection as sqlx::Connection>::connect(&admin).await.expect("admin connection");
    for sql in [
        format!("ALTER DATABASE {name} ALLOW_CONNECTIONS false"),
        format!("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '{name}'"),
    ] {
        sqlx::query(&sql).execute(&mut conn).await.expect("take the database away");
    }
    let res = portal.http.get(format!("{}/healthz", portal.base)).send().await.expect("healthz");
    assert_eq!(res.status(), StatusCode::SERVICE_UNAVAILABLE);
    let (status, body) = portal.page_status("/activate/register", &cookie).await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE, "{body}");
    assert!(body.contains("The service is unavailable. Try again in a few minutes."), "{body}");
    let res = common::browser_form(
        &portal.http,
        &portal.base,
        "/api/register_basic",
        &cookie,
        &[("email", "alice@example.com"), ("intent", "send_code")],
    )
    .await;
    assert_eq!(res.status(), StatusCode::SERVICE_UNAVAILABLE);
    assert!(res.text().await.expect("body").contains("Nothing you entered was lost or changed"));

    // It comes back: the same process serves the buyer where they were.
    sqlx::query(&format!("ALTER DATABASE {name} ALLOW_CONNECTIONS true")).execute(&mut conn).await.expect("back");
    let res = portal.http.get(format!("{}/healthz", portal.base)).send().await.expect("healthz");
    assert_eq!(res.status(), StatusCode::OK);
    let (status, body) = portal.page_status("/activate/register", &cookie).await;
    assert_eq!(status, StatusCode::OK);
    assert!(body.contains("Basic information"), "{body}");
}

#[tokio::test]
async fn killed_between_every_step_of_linking_and_during_bind_the_buyer_resumes_and_binds_once() {
    let dir = tempfile::tempdir().expect("tempdir");
    let url = format!("sqlite://{}/portal.db?mode=rwc", dir.path().display());
    let mut portal = Process::spawn(&url, &[]).await;
    let pool = sqlx::SqlitePool::connect(&url).await.expect("pool");
    // Billing account "owner" (mail to owner@example.com) with one workspace billed in the billing center.
    for sql in [
        "INSERT INTO guance_accounts (id, username, username_key, email, password_hash, created_at)
         VALUES (1, 'owner', 'owner', 'owner@example.com', 'x', 0)",
        "INSERT INTO billing_accounts (id, username, username_key, email, owner_account_id, created_at)
         VALUES (1, 'owner', 'owner', 'owner@example.com', 1, 0)",
        "INSERT INTO workspaces (id, billing_account_id, owner_account_id, name, name_key, site, language, created_at)
         VALUES (1, 1, 1, 'Production', 'production', 'us1', 'en', 0)",
    ] {
        sqlx::query(sql).execute(&pool).await.expect("fixture");
    }
    let settlements = || async {
        let n: i64 =
            sqlx::query_scalar("SELECT COUNT(*) FROM workspace_settlements").fetch_one(&pool).await.expect("n");
        n
    };

    let cookie = portal.subscribe(&portal, ACCOUNT).await;
    portal.form("/api/choose_branch", &cookie, &[("branch", "link")]).await;
    portal.kill_9_and_restart().await;
    resumes(&portal, &cookie, "/activate/link", &["Link billing account"]).await;

    portal.form("/api/link_billing", &cookie, &[("username", "owner"), ("intent", "send_code")]).await;
    let code = portal.code_for("owner@example.com").await;
    portal.kill_9_and_restart().await;
    let (next, _) = portal.form("/api/link_billing", &cookie, &[("username", "owner"), ("code", &code)]).await;
    assert_eq!(next, "/activate/link", "the code sent before the crash is right");
    portal.kill_9_and_restart().await;
    let (next, _) = portal.form("/api/link_billing", &cookie, &[("intent", "confirm")]).await;
    assert_eq!(next, "/activate/link/workspaces", "and the question survives a crash");
    portal.kill_9_and_restart().await;
    resumes(&portal, &cookie, "/activate/link/workspaces", &["owner", "Production"]).await;

    let mut outcomes = Vec::new();
    for delay_ms in [0u64, 2, 5, 10, 20, 40, 80] {
        post_then_kill(&mut portal, "/api/bind_workspace", &cookie, &[("workspace_id", "1")], delay_ms).await;
        let bound = settlements().await;
        outcomes.push((delay_ms, bound));
        if bound == 1 {
            break;
        }
    }
    eprintln!("Bind killed after (ms, settlements): {outcomes:?}");
    let (next, _) = portal.form("/api/bind_workspace", &cookie, &[("workspace_id", "1")]).await;
    assert_eq!(next, "/activate/link/workspaces", "Bind again after {outcomes:?}: a repeat, not an error");
    resumes(&portal, &cookie, "/activate/link/workspaces", &["Linked"]).await;
    assert_eq!(settlements().await, 1, "bound once: {outcomes:?}");
    portal.kill_9_and_restart().await;

    let (next, _) = portal.form("/api/finish_activation", &cookie, &[]).await;
    assert_eq!(next, "/login?next=/workspaces");
    portal.kill_9_and_restart().await;
    let (status, body) = portal.page_status("/activate/link/workspaces", &cookie).await;
    assert!(status == StatusCode::OK && !body.contains("Production"), "the session ended at Confirm: {body}");
}

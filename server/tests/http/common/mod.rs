//! What the HTTP test suites share: a portal (dev mode, its simulator inside) on a free port with a fresh
//! SQLite database, and the fixtures that put a customer and a workspace in it.
// Each test crate uses a different part of this module.
#![allow(dead_code)]

pub mod process;

use leptos::prelude::LeptosOptions;
use reqwest::StatusCode;
use serde_json::{json, Value};
use server::config::Config;
use server::store::SqliteStore;
use std::collections::HashMap;
use std::sync::Arc;

pub struct Server {
    pub base: String,
    pub addr: std::net::SocketAddr,
    pub store: SqliteStore,
    /// Redirects are not followed: tests look at them.
    pub http: reqwest::Client,
    pub task: tokio::task::JoinHandle<()>,
    _dir: tempfile::TempDir,
}

/// Settings of a prod portal on this machine (TLS everywhere it is asked for; nothing is contacted by the
/// tests that use it).
pub const PROD: [(&str, &str); 7] = [
    ("PORTAL_ENV", "prod"),
    ("SMTP_URL", "smtps://user:pass@127.0.0.1:2525"),
    ("AWS_MARKETPLACE_PRODUCT_CODE", "guance-dev"),
    ("AWS_MARKETPLACE_ENDPOINT", "https://127.0.0.1:9/"),
    ("PORTAL_SECRET_KEY", "an-e2e-secret-key-of-32-characters!"),
    ("PORTAL_PUBLIC_URL", "https://activate.example.com"),
    ("PORTAL_INTERNAL_TOKEN", "an-internal-token-of-32-characters!"),
];

/// Starts a portal with `extra` settings on top of the dev defaults.
pub async fn start(extra: &[(&str, &str)]) -> Server {
    start_limited(extra, server::net::Limits::default()).await
}

/// [`start`], its connections held to `limits`.
pub async fn start_limited(extra: &[(&str, &str)], limits: server::net::Limits) -> Server {
    start_site(extra, limits, false).await
}

/// A portal whose assets carry content hashes in their names (cargo-leptos `hash-files`), as a release is.
pub async fn start_hashed(extra: &[(&str, &str)]) -> Server {
    start_site(extra, server::net::Limits::default(), true).await
}

async fn start_site(extra: &[(&str, &str)], limits: server::net::Limits, hash_files: bool) -> Server {
    std::env::set_var("AWS_EC2_METADATA_DISABLED", "true");
    let dir = tempfile::tempdir().expect("tempdir");
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let addr = listener.local_addr().expect("addr");
    let mut env: HashMap<String, String> = HashMap::from([
        ("PORTAL_ENV".to_owned(), "dev".to_owned()),
        // The suites post far more often from 127.0.0.1 than a buyer would; the limits have their own test.
        ("PORTAL_RATE_LIMIT_PER_MINUTE".to_owned(), "100000".to_owned()),
        ("LEPTOS_SITE_ADDR".to_owned(), addr.to_string()),
        ("DATABASE_URL".to_owned(), format!("sqlite://{}/portal.db?mode=rwc", dir.path().display())),
    ]);
    env.extend(extra.iter().map(|(k, v)| (k.to_string(), v.to_string())));
    let config = Config::from_lookup(|k| env.get(k).cloned()).expect("config");
    let store = SqliteStore::connect(&config.database_url).await.expect("store");
    let options = LeptosOptions::builder()
        .output_name("portal")
        .site_root(dir.path().display().to_string())
        .hash_files(hash_files)
        .build();
    let app = server::router(&config, options, Arc::new(store.clone())).await.expect("router");
    let task = tokio::spawn(server::net::serve(listener, app, limits, std::future::pending()));
    let http = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().expect("client");
    Server { base: format!("http://{addr}"), addr, store, http, task, _dir: dir }
}

impl Server {
    /// The site root the portal serves `/pkg` from (empty until a test writes files there).
    pub fn site_root(&self) -> &std::path::Path {
        self._dir.path()
    }

    /// A buyer of `account` comes through AWS Marketplace: a token minted at `aws`'s simulator, posted to
    /// this portal's `/marketplace/aws`. Returns the activation session cookie (`name=value`).
    pub async fn subscribe_via(&self, aws: &Server, account: &str) -> String {
        self.subscribe_minting(aws, json!({ "aws_account_id": account })).await
    }

    /// The buyer comes through AWS Marketplace with a token minted at `aws` as `mint` asks (the body of
    /// `POST /_sim/aws/tokens`). Returns the activation session cookie.
    pub async fn subscribe_minting(&self, aws: &Server, mint: Value) -> String {
        fulfill(&self.http, &aws.base, &self.base, mint).await
    }

    /// The id of `account`'s latest recorded customer (license).
    pub async fn customer_id(&self, account: &str) -> i64 {
        sqlx::query_scalar("SELECT id FROM marketplace_customers WHERE aws_account_id = $1 ORDER BY id DESC LIMIT 1")
            .bind(account)
            .fetch_one(self.store.pool())
            .await
            .expect("customer")
    }

    /// [`Server::subscribe_via`] with this portal's own simulator.
    pub async fn subscribe(&self, account: &str) -> String {
        self.subscribe_via(self, account).await
    }

    /// A Guance account `username` (password hash `hash`) owning a billing account of the same name and a
    /// workspace `workspace`, billed to the recorded customer of `account`. Returns the workspace id.
    pub async fn settled_workspace(&self, account: &str, username: &str, hash: &str, workspace: &str) -> i64 {
        let pool = self.store.pool();
        let user: i64 = sqlx::query_scalar(
            "INSERT INTO guance_accounts (username, username_key, email, password_hash, created_at)
             VALUES ($1, lower($1), 'a@example.com', $2, 0) RETURNING id",
        )
        .bind(username)
        .bind(hash)
        .fetch_one(pool)
        .await
        .expect("account");
        let billing: i64 = sqlx::query_scalar(
            "INSERT INTO billing_accounts (username, username_key, email, owner_account_id, created_at)
             VALUES ($1, lower($1), 'a@example.com', $2, 0) RETURNING id",
        )
        .bind(username)
        .bind(user)
        .fetch_one(pool)
        .await
        .expect("billing");
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO workspaces (billing_account_id, owner_account_id, name, name_key, site, language, created_at)
             VALUES ($1, $2, $3, lower($3), 'us1', 'en', 0) RETURNING id",
        )
        .bind(billing)
        .bind(user)
        .bind(workspace)
        .fetch_one(pool)
        .await
        .expect("workspace");
        sqlx::query(
            "INSERT INTO workspace_settlements (workspace_id, customer_id, linked_at)
             SELECT $1, id, 1764000000 FROM marketplace_customers WHERE aws_account_id = $2",
        )
        .bind(id)
        .bind(account)
        .execute(pool)
        .await
        .expect("settlement");
        id
    }
}

/// Mints a registration token at the simulator of `aws` (the body of `POST /_sim/aws/tokens`) and posts it to
/// `portal`'s `/marketplace/aws`, as AWS's Set Up Your Account does. Returns the activation cookie (`name=value`).
pub async fn fulfill(http: &reqwest::Client, aws: &str, portal: &str, mint: Value) -> String {
    let minted: Value =
        http.post(format!("{aws}/_sim/aws/tokens")).json(&mint).send().await.expect("mint").json().await.expect("json");
    let res = http
        .post(format!("{portal}/marketplace/aws"))
        .form(&[("x-amzn-marketplace-token", minted["token"].as_str().expect("token"))])
        .send()
        .await
        .expect("fulfill");
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let cookie = res.headers()["set-cookie"].to_str().expect("cookie");
    cookie.split(';').next().expect("pair").to_owned()
}

/// A same-origin form post to `base` + `path`, as a browser without JavaScript sends it.
pub async fn browser_form(
    http: &reqwest::Client,
    base: &str,
    path: &str,
    cookie: &str,
    fields: &[(&str, &str)],
) -> reqwest::Response {
    http.post(format!("{base}{path}"))
        .header("sec-fetch-site", "same-origin")
        .header("accept", "text/html")
        .header("cookie", cookie)
        .form(fields)
        .send()
        .await
        .expect("post")
}

/// A page as a browser asks for it: (status, `Location` or empty, body).
pub async fn browser_page(
    http: &reqwest::Client,
    base: &str,
    path: &str,
    cookie: &str,
) -> (StatusCode, String, String) {
    let res = http
        .get(format!("{base}{path}"))
        .header("cookie", cookie)
        .header("accept", "text/html")
        .send()
        .await
        .expect("get");
    let location = res.headers().get("location").and_then(|v| v.to_str().ok()).unwrap_or_default().to_owned();
    (res.status(), location, res.text().await.expect("body"))
}

/// The login session cookie (`portal_session=…`) a response set, if any.
pub fn login_session(res: &reqwest::Response) -> Option<String> {
    res.headers()
        .get_all(reqwest::header::SET_COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|c| c.starts_with("portal_session="))
        .map(|c| c.split(';').next().unwrap_or_default().to_owned())
}

/// Every mail the dev mailbox of the portal at `base` holds for `to`, newest first.
pub async fn mails_to(http: &reqwest::Client, base: &str, to: &str) -> Vec<Value> {
    let res = http.get(format!("{base}/_dev/mailbox.json?to={to}")).send().await.expect("mailbox");
    res.json().await.expect("json")
}

/// The 6-digit code in a code mail's text.
pub fn code_in(text: &str) -> String {
    let at = text.find(|c: char| c.is_ascii_digit()).expect("a code");
    text[at..at + 6].to_owned()
}

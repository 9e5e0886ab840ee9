//! The portal binary as a process of its own, for tests that run two side by side or kill one (`SIGKILL`, as
//! `kill -9` does) and start it again on the same port and database.

use reqwest::header::{LOCATION, SET_COOKIE};
use reqwest::StatusCode;
use serde_json::{json, Value};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

pub const SECRET: &str = "process-test-secret-0123456789abcdef-xyz";
pub const PASSWORD: &str = "amber lanterns drift over seven quiet bridges";

/// Register step 1 with Continue pressed, as the no-JavaScript page posts it (site us1, no phone).
pub fn basic_info<'a>(username: &'a str, email: &'a str, code: &'a str) -> [(&'static str, &'a str); 8] {
    [
        ("site", "us1"),
        ("username", username),
        ("password", PASSWORD),
        ("confirm_password", PASSWORD),
        ("email", email),
        ("code", code),
        ("phone", ""),
        ("intent", "continue"),
    ]
}

pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").and_then(|l| l.local_addr()).expect("port").port()
}

/// One `server` process, in dev mode, on its own port.
pub struct Process {
    child: Child,
    env: Vec<(String, String)>,
    pub base: String,
    pub http: reqwest::Client,
    _site: tempfile::TempDir,
}

impl Drop for Process {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Redirects are not followed: tests look at them.
fn client() -> reqwest::Client {
    reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().expect("client")
}

fn start(env: &[(String, String)]) -> Child {
    let mut command = Command::new(env!("CARGO_BIN_EXE_server"));
    command.envs(env.iter().map(|(k, v)| (k, v))).stdin(Stdio::null()).stdout(Stdio::null()).stderr(Stdio::null());
    command.spawn().expect("server binary")
}

impl Process {
    /// Starts the portal on `database_url`, with `extra` settings on top of the dev defaults.
    pub async fn spawn(database_url: &str, extra: &[(&str, &str)]) -> Self {
        server::install_crypto_provider();
        let http = client();
        let port = free_port();
        let site = tempfile::tempdir().expect("site root");
        let mut env: Vec<(String, String)> = [
            ("PORTAL_ENV", "dev"),
            ("PORTAL_RATE_LIMIT_PER_MINUTE", "100000"),
            ("LEPTOS_OUTPUT_NAME", "portal"),
            ("PORTAL_SECRET_KEY", SECRET),
            ("PORTAL_METERING_INTERVAL_SECS", "3600"),
            ("AWS_EC2_METADATA_DISABLED", "true"),
            ("RUST_LOG", "warn"),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_owned(), v.to_owned()))
        .collect();
        env.push(("LEPTOS_SITE_ADDR".into(), format!("127.0.0.1:{port}")));
        env.push(("LEPTOS_SITE_ROOT".into(), site.path().display().to_string()));
        env.push(("DATABASE_URL".into(), database_url.to_owned()));
        env.push(("PORTAL_PUBLIC_URL".into(), format!("http://127.0.0.1:{port}")));
        env.extend(extra.iter().map(|(k, v)| (k.to_string(), v.to_string())));
        let child = start(&env);
        let process = Process { child, env, base: format!("http://127.0.0.1:{port}"), http, _site: site };
        process.until_up().await;
        process
    }

    async fn until_up(&self) {
        for _ in 0..400 {
            let up = self.http.get(format!("{}/healthz", self.base)).send().await;
            if up.is_ok_and(|r| r.status() == StatusCode::OK) {
                return;
            }
            tokio::time::sleep(Duration::from_millis(25)).await;
        }
        panic!("the portal on {} did not come up", self.base);
    }

    /// `kill -9`: the process ends at once, whatever it was doing.
    pub fn kill_9(&mut self) {
        self.child.kill().expect("SIGKILL");
        self.child.wait().expect("reaped");
    }

    /// `kill -9`, then the same binary with the same settings on the same port.
    pub async fn kill_9_and_restart(&mut self) {
        self.kill_9();
        // A new client: the old one's kept-alive connections went down with the process.
        self.http = client();
        self.child = start(&self.env);
        self.until_up().await;
    }

    /// A same-origin form post, as a browser without JavaScript sends it; returns (Location, new cookie).
    pub async fn form(&self, path: &str, cookie: &str, fields: &[(&str, &str)]) -> (String, Option<String>) {
        let res = super::browser_form(&self.http, &self.base, path, cookie, fields).await;
        let location = res.headers().get(LOCATION).and_then(|v| v.to_str().ok()).unwrap_or_default().to_owned();
        let set = res
            .headers()
            .get(SET_COOKIE)
            .and_then(|v| v.to_str().ok())
            .map(|c| c.split(';').next().unwrap_or_default().to_owned());
        (location, set)
    }

    /// A page as a browser asks for it: (status, body).
    pub async fn page_status(&self, path: &str, cookie: &str) -> (StatusCode, String) {
        let res = self
            .http
            .get(format!("{}{path}", self.base))
            .header("cookie", cookie)
            .header("accept", "text/html")
            .send()
            .await
            .expect("get");
        (res.status(), res.text().await.expect("body"))
    }

    pub async fn page(&self, path: &str, cookie: &str) -> String {
        let res = self.http.get(format!("{}{path}", self.base)).header("cookie", cookie).send().await.expect("get");
        res.text().await.expect("body")
    }

    pub async fn json(&self, method: reqwest::Method, path: &str, body: Value) -> Value {
        let res = self.http.request(method, format!("{}{path}", self.base)).json(&body).send().await.expect("call");
        res.json().await.unwrap_or(Value::Null)
    }

    /// A buyer of `account` arrives from AWS Marketplace (a token of `aws`'s simulator); the activation cookie.
    pub async fn subscribe(&self, aws: &Process, account: &str) -> String {
        super::fulfill(&self.http, &aws.base, &self.base, json!({ "aws_account_id": account })).await
    }

    /// The 6-digit code in the newest mail this process sent to `to`.
    pub async fn code_for(&self, to: &str) -> String {
        let mails = self.json(reqwest::Method::GET, &format!("/_dev/mailbox.json?to={to}"), Value::Null).await;
        super::code_in(mails[0]["text"].as_str().expect("a mail"))
    }
}

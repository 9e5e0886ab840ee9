//! Structured security events (issue 14): what an operator reads in the logs — target `security`, an event
//! name, whom it is about and the client address — and what never appears there (passwords, codes, reset
//! secrets).

use crate::common;

use reqwest::header::LOCATION;
use serde_json::Value;
use std::io::Write;
use std::sync::{Arc, Mutex};

const PASSWORD: &str = "correct horse battery staple";
const WRONG: &str = "a wrong password, typed on purpose";
const NEW: &str = "seven purple kites above the quiet harbour";

#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap_or_else(|p| p.into_inner()).extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl Captured {
    fn text(&self) -> String {
        String::from_utf8_lossy(&self.0.lock().unwrap_or_else(|p| p.into_inner())).into_owned()
    }

    /// The `security` events, as JSON objects.
    fn events(&self) -> Vec<Value> {
        self.text()
            .lines()
            .filter_map(|line| serde_json::from_str::<Value>(line).ok())
            .filter(|line| line["target"] == "security")
            .collect()
    }
}

/// The log of this test binary, as JSON lines: a global subscriber, set once (a thread's own subscriber
/// misses events whose callsites other threads registered first). Every suite's events land in it, so this
/// test looks only for its own subjects.
fn capture() -> Captured {
    static LOGS: std::sync::OnceLock<Captured> = std::sync::OnceLock::new();
    LOGS.get_or_init(|| {
        let logs = Captured::default();
        let writer = logs.clone();
        let subscriber = tracing_subscriber::fmt()
            .json()
            .flatten_event(true)
            .with_target(true)
            .with_max_level(tracing::Level::INFO)
            .with_writer(move || writer.clone())
            .finish();
        tracing::subscriber::set_global_default(subscriber).expect("the only global subscriber of this binary");
        logs
    })
    .clone()
}

#[tokio::test]
async fn security_events_name_the_outcome_the_subject_and_the_client_and_never_a_secret() {
    let logs = capture();
    let portal = common::start(&[]).await;
    let hash =
        app::ssr::checks::hash_password(&app::domain::Password::parse(PASSWORD).expect("password")).expect("hash");
    sqlx::query(
        "INSERT INTO guance_accounts (id, username, username_key, email, email_key, password_hash, created_at)
         VALUES (4242, 'EventualEve', 'eventualeve', 'eve@example.com', 'eve@example.com', $1, 0)",
    )
    .bind(hash)
    .execute(portal.store.pool())
    .await
    .expect("account");
    let login = |password: &'static str| {
        let (http, base) = (portal.http.clone(), portal.base.clone());
        async move {
            http.post(format!("{base}/api/login"))
                .header("sec-fetch-site", "same-origin")
                .form(&[("username", "eventualeve"), ("password", password)])
                .send()
                .await
                .expect("login")
        }
    };
    login(WRONG).await;
    login(PASSWORD).await;

    // A reset by link, asked for twice at once (the second is refused by the 60-second rule).
    let asked =
        common::browser_form(&portal.http, &portal.base, "/api/forgot_password", "", &[("identifier", "eventualeve")])
            .await;
    let cookie = common::login_session(&asked).expect("a session");
    common::browser_form(&portal.http, &portal.base, "/api/forgot_password", &cookie, &[("identifier", "eventualeve")])
        .await;
    let mails = common::mails_to(&portal.http, &portal.base, "eve@example.com").await;
    let text = mails[0]["text"].as_str().expect("text");
    let at = text.find("/forgot-password/reset?link=").expect("a link");
    let link = text[at..].split_whitespace().next().expect("link").to_owned();
    let secret = link.rsplit('.').next().expect("secret").to_owned();
    let opened =
        portal.http.get(format!("{}{link}", portal.base)).header("accept", "text/html").send().await.expect("open");
    assert_eq!(opened.headers()[LOCATION], "/forgot-password/reset");
    let phone = common::login_session(&opened).expect("the opener's session");
    let done = common::browser_form(
        &portal.http,
        &portal.base,
        "/api/reset_password",
        &phone,
        &[("password", NEW), ("confirm_password", NEW)],
    )
    .await;
    assert_eq!(done.headers()[LOCATION], "/login?reset=done");
    // The used link again.
    portal.http.get(format!("{}{link}", portal.base)).header("accept", "text/html").send().await.expect("open");

    let events = logs.events();
    let find = |name: &str, subject: &str| {
        events
            .iter()
            .find(|e| {
                e["event"] == name
                    && (e["subject"] == subject || e["detail"].as_str().unwrap_or_default().contains(subject))
            })
            .unwrap_or_else(|| panic!("a {name} event about {subject}"))
            .clone()
    };
    let failed = find("login_failed", "username:eventualeve");
    assert_eq!((failed["client"].as_str(), failed["level"].as_str()), (Some("127.0.0.1"), Some("WARN")));
    assert_eq!(find("login_succeeded", "account:4242")["level"], "INFO");
    find("reset_requested", "account:4242");
    assert!(find("code_send_refused", "account:4242")["detail"].as_str().unwrap_or_default().contains("TooSoon"));
    find("password_reset", "account:4242");
    assert!(events.iter().any(|e| e["event"] == "reset_link_refused" && e["level"] == "WARN"));

    let all = logs.text();
    for secret in [PASSWORD, WRONG, NEW, secret.as_str()] {
        assert!(!all.contains(secret), "{secret:?} is in the logs");
    }
}

//! Page changes in the browser ask with `Portal-Navigation: 1` and get a redirect's target in
//! `Portal-Location` (204), with its `#fragment` and its cookies; the browser's own requests still get 3xx.

use super::common;
use reqwest::header::{LOCATION, SET_COOKIE, VARY};
use reqwest::StatusCode;

const ACCOUNT: &str = "123456789012";

#[tokio::test]
async fn a_redirect_reaches_a_page_change_in_a_header_with_its_fragment_and_cookies() {
    let portal = common::start(&[]).await;
    let cookie = portal.subscribe(ACCOUNT).await;
    let post = |fields: &'static [(&'static str, &'static str)], path: &'static str, navigation: bool| {
        let mut req = portal
            .http
            .post(format!("{}{path}", portal.base))
            .header("sec-fetch-site", "same-origin")
            .header("accept", "text/html")
            .header("cookie", &cookie)
            .form(fields);
        if navigation {
            req = req.header("portal-navigation", "1");
        }
        req.send()
    };

    // The browser's own form post: a 3xx, as without JavaScript.
    let plain = post(&[("branch", "register")], "/api/choose_branch", false).await.expect("post");
    assert!(plain.status().is_redirection(), "{}", plain.status());
    assert_eq!(plain.headers()[LOCATION], "/activate/register");
    assert!(plain.headers().get("portal-location").is_none());

    // The same post from a page change: 204 and the target in the header.
    let fetched = post(&[("branch", "register")], "/api/choose_branch", true).await.expect("post");
    assert_eq!(fetched.status(), StatusCode::NO_CONTENT);
    assert_eq!(fetched.headers()["portal-location"], "/activate/register");
    assert!(fetched.headers().get(LOCATION).is_none(), "no 3xx for fetch to follow on its own");
    assert!(fetched.headers().get_all(VARY).iter().any(|v| v.to_str().is_ok_and(|v| v.contains("portal-navigation"))));

    // Send code sends the buyer back to the code field: the fragment survives.
    let fields = &[("intent", "send_code"), ("email", "buyer@example.com")];
    let sent = post(fields, "/api/register_basic", true).await.expect("post");
    assert_eq!(sent.status(), StatusCode::NO_CONTENT);
    assert_eq!(sent.headers()["portal-location"], "/activate/register#code");

    // The language switch's cookie comes along with the header.
    let switched = post(&[("lang", "zh"), ("back", "/activate")], "/api/set_language", true).await.expect("post");
    assert_eq!(switched.status(), StatusCode::NO_CONTENT);
    assert_eq!(switched.headers()["portal-location"], "/activate");
    assert!(switched
        .headers()
        .get_all(SET_COOKIE)
        .iter()
        .any(|v| v.to_str().is_ok_and(|v| v.starts_with("i18n_pref_locale=zh"))));

    // A page's own gate redirect too (a later step asked for too early).
    let page = portal
        .http
        .get(format!("{}/activate/register/check", portal.base))
        .header("accept", "text/html")
        .header("cookie", &cookie)
        .header("portal-navigation", "1")
        .send()
        .await
        .expect("get");
    assert_eq!(page.status(), StatusCode::NO_CONTENT);
    assert_eq!(page.headers()["portal-location"], "/activate/register");
}

/// Every page, asked for by an anonymous visitor with any `Accept`: a page (200), a redirect every browser
/// follows (3xx with `Location`), or "not found" (404 without one) — never a `Location` on a 200 or a 404.
#[tokio::test]
async fn every_page_answers_an_anonymous_visitor_with_a_page_a_redirect_or_not_found() {
    let portal = common::start(&[]).await;
    let expected: &[(&str, StatusCode, Option<&str>)] = &[
        ("/activate", StatusCode::OK, None),
        ("/activate/register", StatusCode::OK, None),
        ("/activate/register/company", StatusCode::OK, None),
        ("/activate/register/workspace", StatusCode::OK, None),
        ("/activate/register/check", StatusCode::OK, None),
        ("/activate/register/done", StatusCode::OK, None),
        ("/activate/link", StatusCode::OK, None),
        ("/activate/link/workspaces", StatusCode::OK, None),
        ("/activate/link/create", StatusCode::OK, None),
        ("/login", StatusCode::OK, None),
        ("/forgot-password", StatusCode::OK, None),
        ("/forgot-password/reset", StatusCode::FOUND, Some("/forgot-password")),
        ("/billing", StatusCode::FOUND, Some("/login?next=/billing")),
        ("/billing/two-step", StatusCode::FOUND, Some("/login?next=/billing/two-step")),
        ("/workspaces/1", StatusCode::FOUND, Some("/login?next=/workspaces/1")),
        ("/workspaces", StatusCode::FOUND, Some("/login?next=/workspaces")),
        // Not one of our addresses to come back to: log in, then "Your workspaces".
        ("/workspaces/99999999999999999999", StatusCode::FOUND, Some("/login")),
        ("/dev", StatusCode::OK, None),
        ("/gallery", StatusCode::OK, None),
        ("/no-such-page", StatusCode::NOT_FOUND, None),
    ];
    for accept in ["*/*", "text/html", "application/json"] {
        for (path, status, location) in expected {
            let res =
                portal.http.get(format!("{}{path}", portal.base)).header("accept", accept).send().await.expect("get");
            let got = res.headers().get(LOCATION).and_then(|v| v.to_str().ok()).map(str::to_owned);
            assert_eq!((res.status(), got.as_deref()), (*status, *location), "{path} (Accept: {accept})");
        }
    }
}

//! Hostile input over HTTP (issue 14): random bodies, content types, encodings and sizes sent to every
//! server function and every endpoint of a running portal, and random paths and queries to the pages. The
//! property: an answer below 500 every time — a buyer's (or an attacker's) mistake is never our error — and
//! the portal still answers afterwards (no handler panicked its way out, no connection was dropped).

use crate::common;

use proptest::prelude::*;
use proptest::test_runner::{Config, TestRunner};
use std::sync::atomic::{AtomicU64, Ordering};

/// Every server function (as registered) and the endpoints outside Leptos.
fn endpoints() -> Vec<(String, reqwest::Method)> {
    let mut all: Vec<(String, reqwest::Method)> = leptos::server_fn::axum::server_fn_paths()
        .map(|(path, method)| {
            (path.to_owned(), reqwest::Method::from_bytes(method.as_str().as_bytes()).expect("method"))
        })
        .collect();
    all.sort();
    assert!(all.len() >= 20, "the server functions are registered: {all:?}");
    for path in ["/marketplace/aws", "/marketplace/aws/sns", "/marketplace/aws/eventbridge", "/internal/usage"] {
        all.push((path.to_owned(), reqwest::Method::POST));
    }
    all
}

/// The field names the forms use, so that random bodies reach the parsers, not only the decoder.
const FIELDS: [&str; 22] = [
    "username",
    "password",
    "confirm_password",
    "email",
    "code",
    "phone",
    "site",
    "intent",
    "company_name",
    "industry",
    "company_size",
    "workspace_name",
    "language",
    "terms",
    "branch",
    "account",
    "workspace_id",
    "to",
    "back",
    "lang",
    "x-amzn-marketplace-token",
    "identifier",
];

#[derive(Debug, Clone)]
enum Body {
    Bytes(Vec<u8>),
    Form(Vec<(usize, String)>),
    Json(String),
    Huge(usize),
}

fn body() -> impl Strategy<Value = Body> {
    prop_oneof![
        4 => proptest::collection::vec(any::<u8>(), 0..512).prop_map(Body::Bytes),
        6 => proptest::collection::vec((0..FIELDS.len(), any::<String>()), 0..8).prop_map(Body::Form),
        2 => "\\PC{0,200}".prop_map(Body::Json),
        1 => (64 * 1024..200 * 1024usize).prop_map(Body::Huge),
    ]
}

fn content_type() -> impl Strategy<Value = Option<&'static str>> {
    prop_oneof![
        Just(None),
        Just(Some("application/x-www-form-urlencoded")),
        Just(Some("application/json")),
        Just(Some("text/plain; charset=UTF-8")),
        Just(Some("multipart/form-data; boundary=x")),
        Just(Some("application/cbor")),
        Just(Some("garbage;;=\"\"")),
    ]
}

fn encode(body: &Body) -> Vec<u8> {
    match body {
        Body::Bytes(bytes) => bytes.clone(),
        Body::Form(fields) => {
            let mut out = url::form_urlencoded::Serializer::new(String::new());
            for (field, value) in fields {
                out.append_pair(FIELDS[*field], value);
            }
            out.finish().into_bytes()
        }
        Body::Json(text) => {
            serde_json::json!({ "username": text, "Type": text, "records": [text] }).to_string().into_bytes()
        }
        Body::Huge(n) => vec![b'a'; *n],
    }
}

#[test]
fn no_input_is_answered_with_a_5xx() {
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build().expect("runtime");
    let portal = runtime.block_on(common::start(&[]));
    let cookie = runtime.block_on(portal.subscribe("123456789012"));
    let endpoints = endpoints();
    // A fresh connection per request: a refused oversized body closes its connection (the body is not read),
    // and a pooled client could send the next case on it as it closes.
    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .pool_max_idle_per_host(0)
        .build()
        .expect("client");
    let runs = AtomicU64::new(0);
    let cases = std::env::var("PORTAL_FUZZ_CASES").ok().and_then(|n| n.parse().ok()).unwrap_or(800);
    let mut runner = TestRunner::new(Config { cases, failure_persistence: None, ..Config::default() });
    let strategy = (0..endpoints.len(), body(), content_type(), any::<bool>(), any::<bool>(), any::<bool>());
    let result = runner.run(&strategy, |(endpoint, body, ctype, with_cookie, gzip, browser)| {
        runs.fetch_add(1, Ordering::Relaxed);
        let (path, method) = &endpoints[endpoint];
        let mut request = http.request(method.clone(), format!("{}{path}", portal.base)).body(encode(&body));
        if let Some(ctype) = ctype {
            request = request.header("content-type", ctype);
        }
        if with_cookie {
            request = request.header("cookie", cookie.as_str());
        }
        if gzip {
            // Claims an encoding the body does not have.
            request = request.header("content-encoding", "gzip");
        }
        if browser {
            request = request.header("sec-fetch-site", "same-origin").header("accept", "text/html");
        }
        let started = std::time::Instant::now();
        let status = runtime.block_on(request.send()).map(|r| r.status());
        let status = status.map_err(|e| TestCaseError::fail(format!("{method} {path}: no answer: {e}")))?;
        if started.elapsed() > std::time::Duration::from_secs(2) {
            println!("slow: {method} {path} {status} in {:?} with {ctype:?}", started.elapsed());
        }
        prop_assert!(status.as_u16() < 500, "{} {} with {:?} ({:?}): {}", method, path, body, ctype, status);
        Ok(())
    });
    if let Err(e) = result {
        panic!("{e}");
    }
    // Pages with hostile paths and queries.
    let mut pages = TestRunner::new(Config { cases: cases / 3, failure_persistence: None, ..Config::default() });
    let page = (
        prop_oneof![
            Just("/activate"),
            Just("/login"),
            Just("/workspaces/"),
            Just("/activate/link/workspaces"),
            Just("/forgot-password/reset"),
            Just("/billing"),
        ],
        "[ -~]{0,60}",
    );
    let result = pages.run(&page, |(path, tail)| {
        runs.fetch_add(1, Ordering::Relaxed);
        let encoded: String = url::form_urlencoded::byte_serialize(tail.as_bytes()).collect();
        let url = format!("{}{path}?confirm={encoded}&error={encoded}&username={encoded}", portal.base);
        let status = runtime.block_on(http.get(&url).header("cookie", cookie.as_str()).send()).map(|r| r.status());
        let status = status.map_err(|e| TestCaseError::fail(format!("{url}: no answer: {e}")))?;
        prop_assert!(status.as_u16() < 500, "{url}: {status}");
        Ok(())
    });
    if let Err(e) = result {
        panic!("{e}");
    }
    let health = runtime.block_on(portal.http.get(format!("{}/healthz", portal.base)).send()).expect("healthz");
    assert_eq!(health.status(), reqwest::StatusCode::OK, "still serving");
    println!("fuzz: {} requests, none answered 5xx", runs.load(Ordering::Relaxed));
}

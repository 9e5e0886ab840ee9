//! What every request passes through before any handler, and how connections are served: security headers
//! (a CSP with a per-request nonce, HSTS in prod, `nosniff`, no referrer, `no-store` on pages), the limits
//! of time and concurrency (slowloris, floods), and panics turned into a plain 500.

use axum::body::Body;
use axum::extract::{ConnectInfo, Request, State};
use axum::http::header::{
    CACHE_CONTROL, CONTENT_SECURITY_POLICY, CONTENT_TYPE, REFERRER_POLICY, RETRY_AFTER, STRICT_TRANSPORT_SECURITY,
    X_CONTENT_TYPE_OPTIONS,
};
use axum::http::{HeaderValue, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::Router;
use leptos::nonce::Nonce;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::Semaphore;

/// The limits of time, size and number every connection and request is held to.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// From a connection's first byte (or the end of the previous request) to the end of the request's
    /// headers: a client that trickles headers (slowloris) is disconnected after this.
    pub header_read: Duration,
    /// To receive a request's body.
    pub body_read: Duration,
    /// To answer a request, body included (`408` after it).
    pub request: Duration,
    /// Open connections at once; the next ones are closed at once until one ends.
    pub connections: usize,
    /// Requests being handled at once; the next ones are answered `503` with `Retry-After`.
    pub in_flight: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            header_read: Duration::from_secs(10),
            body_read: Duration::from_secs(15),
            request: Duration::from_secs(30),
            connections: 2048,
            in_flight: 512,
        }
    }
}

/// The CSP of every response: scripts only with this request's nonce (and what they load: the wasm
/// bundle), no plugins, no `<base>`, never framed, forms post only to this site.
pub fn content_security_policy(nonce: &str) -> String {
    format!(
        "script-src 'nonce-{nonce}' 'strict-dynamic' 'wasm-unsafe-eval'; object-src 'none'; base-uri 'none'; \
         frame-ancestors 'none'; form-action 'self'"
    )
}

/// Whether responses say `Strict-Transport-Security` (prod: the public URL is `https://`).
#[derive(Debug, Clone, Copy)]
pub struct HeaderPolicy {
    pub hsts: bool,
}

/// Gives each request a fresh CSP nonce (in its extensions, for Leptos's scripts: see [`nonce_of`]) and
/// puts the security headers on its response.
pub async fn security_headers(State(policy): State<HeaderPolicy>, mut req: Request, next: Next) -> Response {
    let nonce = Nonce::new();
    req.extensions_mut().insert(nonce.clone());
    let api = req.uri().path().starts_with("/api/");
    let mut res = next.run(req).await;
    let headers = res.headers_mut();
    if let Ok(csp) = HeaderValue::from_str(&content_security_policy(&nonce)) {
        headers.entry(CONTENT_SECURITY_POLICY).or_insert(csp);
    }
    headers.insert(X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    headers.insert(REFERRER_POLICY, HeaderValue::from_static("no-referrer"));
    if policy.hsts {
        headers.insert(STRICT_TRANSPORT_SECURITY, HeaderValue::from_static("max-age=63072000; includeSubDomains"));
    }
    // Pages (the workspace page shows a DataKit token) and server-function answers are never stored.
    let html = headers.get(CONTENT_TYPE).and_then(|v| v.to_str().ok()).is_some_and(|t| t.starts_with("text/html"));
    if html || api {
        headers.entry(CACHE_CONTROL).or_insert(HeaderValue::from_static("no-store"));
    }
    res
}

/// The request's CSP nonce, for Leptos's context (its hydration scripts carry it).
pub fn nonce_of(parts: &axum::http::request::Parts) -> Option<Nonce> {
    parts.extensions.get::<Nonce>().cloned()
}

/// At most `limits.in_flight` requests are handled at once; beyond that, `503` with `Retry-After: 1`.
pub async fn in_flight_limit(State(permits): State<Arc<Semaphore>>, req: Request, next: Next) -> Response {
    match permits.try_acquire_owned() {
        Ok(_permit) => next.run(req).await,
        Err(_) => {
            metrics::counter!("portal_overload_refusals_total").increment(1);
            let mut res =
                (StatusCode::SERVICE_UNAVAILABLE, "The service is busy. Try again in a moment.").into_response();
            res.headers_mut().insert(RETRY_AFTER, HeaderValue::from_static("1"));
            res
        }
    }
}

/// A server function that could not decode its input (malformed body, missing or repeated field, wrong
/// encoding) was the caller's mistake: `400`, not the `500` server_fn answers. Our own `Unavailable` (the
/// store or mail is down, every hashing slot busy) is `503` with `Retry-After` — for a browser's form post a
/// page in plain words in the buyer's language, instead of the redirect server_fn makes. Only answers marked
/// `serverfnerror` are read.
pub async fn server_fn_status(req: Request, next: Next) -> Response {
    let html = req
        .headers()
        .get(axum::http::header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.contains("text/html"));
    let language =
        req.headers().get(axum::http::header::ACCEPT_LANGUAGE).and_then(|v| v.to_str().ok()).map(str::to_owned);
    let res = next.run(req).await;
    if !res.headers().contains_key("serverfnerror") {
        return res;
    }
    let (mut parts, body) = res.into_parts();
    let Ok(bytes) = axum::body::to_bytes(body, 64 * 1024).await else {
        return (StatusCode::INTERNAL_SERVER_ERROR, "The answer could not be read.").into_response();
    };
    let text = String::from_utf8_lossy(&bytes);
    if text.trim() == "\"Unavailable\"" {
        if html {
            let locale = app::messages::locale_from_accept_language(language.as_deref());
            return busy_page(locale);
        }
        parts.status = StatusCode::SERVICE_UNAVAILABLE;
        parts.headers.insert(RETRY_AFTER, HeaderValue::from_static("30"));
    } else if parts.status == StatusCode::INTERNAL_SERVER_ERROR
        && ["Args", "MissingArg", "Deserialization", "UnsupportedRequestMethod"]
            .iter()
            .any(|kind| text.starts_with(&format!("{{\"Transport\":{{\"{kind}\"")))
    {
        parts.status = StatusCode::BAD_REQUEST;
    }
    Response::from_parts(parts, Body::from(bytes))
}

/// `503` in plain words: nothing was lost, try again in a minute.
fn busy_page(locale: app::i18n::Locale) -> Response {
    use app::i18n::td_string;
    use leptos::prelude::*;
    let heading = td_string!(locale, busy_heading);
    let body = crate::html::page(
        heading,
        view! {
            <h1>{heading}</h1>
            <p>{td_string!(locale, busy_text)}</p>
            <p><a href=app::paths::ACTIVATE>{td_string!(locale, busy_back)}</a></p>
        },
    );
    let mut res = (StatusCode::SERVICE_UNAVAILABLE, axum::response::Html(body)).into_response();
    res.headers_mut().insert(RETRY_AFTER, HeaderValue::from_static("30"));
    res
}

/// A panic in a handler is logged and answered `500` in plain words; the process goes on.
fn panic_response(_: Box<dyn std::any::Any + Send + 'static>) -> Response {
    tracing::error!("a request handler panicked");
    let mut res = Response::new(Body::from("Something went wrong on our side. Try again in a few minutes."));
    *res.status_mut() = StatusCode::INTERNAL_SERVER_ERROR;
    res.headers_mut().insert(CONTENT_TYPE, HeaderValue::from_static("text/plain; charset=utf-8"));
    res
}

/// Wraps the application in the limits and the security headers (outermost first: panics caught, headers
/// set, concurrency limited, whole-request and body timeouts).
pub fn harden(app: Router, limits: Limits, policy: HeaderPolicy) -> Router {
    use tower_http::timeout::{RequestBodyTimeoutLayer, TimeoutLayer};
    app.layer(RequestBodyTimeoutLayer::new(limits.body_read))
        .layer(TimeoutLayer::with_status_code(StatusCode::REQUEST_TIMEOUT, limits.request))
        .layer(axum::middleware::from_fn_with_state(Arc::new(Semaphore::new(limits.in_flight)), in_flight_limit))
        .layer(axum::middleware::from_fn(server_fn_status))
        .layer(axum::middleware::from_fn_with_state(policy, security_headers))
        .layer(tower_http::catch_panic::CatchPanicLayer::custom(panic_response))
}

/// Serves `app` on `listener` until `shutdown` completes, then lets open requests finish. Unlike
/// `axum::serve`, headers must arrive within `limits.header_read` (hyper's timer is set) and at most
/// `limits.connections` connections are open at once. Each request carries `ConnectInfo<SocketAddr>`.
pub async fn serve(
    listener: tokio::net::TcpListener,
    app: Router,
    limits: Limits,
    shutdown: impl std::future::Future<Output = ()>,
) {
    use hyper_util::rt::{TokioExecutor, TokioIo, TokioTimer};
    use hyper_util::server::conn::auto::Builder;
    let mut builder = Builder::new(TokioExecutor::new());
    builder.http1().timer(TokioTimer::new()).header_read_timeout(limits.header_read);
    builder.http2().timer(TokioTimer::new()).keep_alive_interval(Some(Duration::from_secs(20)));
    let connections = Arc::new(Semaphore::new(limits.connections));
    let graceful = hyper_util::server::graceful::GracefulShutdown::new();
    tokio::pin!(shutdown);
    loop {
        let (stream, remote) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                Err(e) => {
                    // Out of file descriptors and the like: wait a little rather than spin.
                    tracing::warn!(error = %e, "accept failed");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
            () = &mut shutdown => break,
        };
        let Ok(permit) = connections.clone().try_acquire_owned() else {
            metrics::counter!("portal_overload_refusals_total").increment(1);
            drop(stream);
            continue;
        };
        let app = app.clone();
        let service = hyper::service::service_fn(move |mut req: Request<hyper::body::Incoming>| {
            req.extensions_mut().insert(ConnectInfo::<SocketAddr>(remote));
            tower::ServiceExt::oneshot(app.clone(), req.map(Body::new))
        });
        let connection = builder.serve_connection_with_upgrades(TokioIo::new(stream), service).into_owned();
        let connection = graceful.watch(connection);
        tokio::spawn(async move {
            if let Err(e) = connection.await {
                tracing::debug!(error = %e, "connection ended with an error");
            }
            drop(permit);
        });
    }
    drop(listener);
    graceful.shutdown().await;
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::routing::get;
    use tower::ServiceExt;

    fn request(path: &str) -> Request {
        Request::builder().uri(path).body(Body::empty()).expect("request")
    }

    #[tokio::test]
    async fn a_panicking_handler_is_a_plain_500_and_headers_are_still_set() {
        let app = Router::new().route(
            "/boom",
            get(|| async {
                let empty: Vec<String> = Vec::new();
                empty[1].clone()
            }),
        );
        let app = harden(app, Limits::default(), HeaderPolicy { hsts: true });
        let res = app.oneshot(request("/boom")).await.expect("answer");
        assert_eq!(res.status(), StatusCode::INTERNAL_SERVER_ERROR);
        let body = axum::body::to_bytes(res.into_body(), 1024).await.expect("body");
        assert!(String::from_utf8_lossy(&body).contains("Try again"));
    }

    #[tokio::test]
    async fn pages_get_the_security_headers_with_a_fresh_nonce_each() {
        let page = || async { axum::response::Html("<p>hi</p>") };
        let app = harden(Router::new().route("/p", get(page)), Limits::default(), HeaderPolicy { hsts: false });
        let first = app.clone().oneshot(request("/p")).await.expect("answer");
        let second = app.oneshot(request("/p")).await.expect("answer");
        let csp = |res: &Response| res.headers()[CONTENT_SECURITY_POLICY].to_str().expect("csp").to_owned();
        assert!(csp(&first).starts_with("script-src 'nonce-"), "{}", csp(&first));
        assert!(csp(&first).contains("'strict-dynamic' 'wasm-unsafe-eval'; object-src 'none'; base-uri 'none'"));
        assert!(csp(&first).contains("frame-ancestors 'none'; form-action 'self'"));
        assert_ne!(csp(&first), csp(&second), "one nonce per request");
        assert_eq!(first.headers()[X_CONTENT_TYPE_OPTIONS], "nosniff");
        assert_eq!(first.headers()[REFERRER_POLICY], "no-referrer");
        assert_eq!(first.headers()[CACHE_CONTROL], "no-store");
        assert!(first.headers().get(STRICT_TRANSPORT_SECURITY).is_none(), "no HSTS in dev");
    }

    #[tokio::test]
    async fn beyond_the_in_flight_limit_requests_are_told_to_retry() {
        let slow = || async {
            tokio::time::sleep(Duration::from_millis(300)).await;
            "done"
        };
        let limits = Limits { in_flight: 1, ..Limits::default() };
        let app = harden(Router::new().route("/slow", get(slow)), limits, HeaderPolicy { hsts: false });
        let (a, b) = tokio::join!(app.clone().oneshot(request("/slow")), async {
            tokio::time::sleep(Duration::from_millis(50)).await;
            app.clone().oneshot(request("/slow")).await
        });
        assert_eq!(a.expect("a").status(), StatusCode::OK);
        let b = b.expect("b");
        assert_eq!(b.status(), StatusCode::SERVICE_UNAVAILABLE);
        assert_eq!(b.headers()[RETRY_AFTER], "1");
    }

    #[tokio::test]
    async fn a_request_that_takes_too_long_is_answered_408() {
        let slow = || async {
            tokio::time::sleep(Duration::from_secs(5)).await;
            "done"
        };
        let limits = Limits { request: Duration::from_millis(100), ..Limits::default() };
        let app = harden(Router::new().route("/slow", get(slow)), limits, HeaderPolicy { hsts: true });
        let res = app.oneshot(request("/slow")).await.expect("answer");
        assert_eq!(res.status(), StatusCode::REQUEST_TIMEOUT);
        assert!(res.headers().get(STRICT_TRANSPORT_SECURITY).is_some());
    }
}

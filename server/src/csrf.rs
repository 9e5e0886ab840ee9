//! Cross-site request forgery: a state-changing request from a browser must come from our own pages. Browsers
//! say where a request comes from (`Sec-Fetch-Site`, else `Origin`); a request with neither is not a
//! browser's form post and passes. The endpoints AWS and Guance's services call are exempt, as is AWS's
//! fulfillment POST, which comes from AWS Marketplace's site by design.

use axum::extract::Request;
use axum::http::{header, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

/// Paths other sites (or services) post to on purpose.
const EXEMPT: [&str; 4] =
    ["/marketplace/aws", "/marketplace/aws/sns", "/marketplace/aws/eventbridge", "/internal/usage"];

pub async fn guard(request: Request, next: Next) -> Response {
    if matches!(*request.method(), Method::GET | Method::HEAD | Method::OPTIONS) || allowed(&request) {
        return next.run(request).await;
    }
    tracing::warn!(path = %request.uri().path(), "cross-site request refused");
    (StatusCode::FORBIDDEN, "Cross-site requests are not accepted.").into_response()
}

fn allowed(request: &Request) -> bool {
    let path = request.uri().path();
    if EXEMPT.contains(&path) || path.starts_with("/_sim/") {
        return true;
    }
    let headers = request.headers();
    if let Some(site) = headers.get("sec-fetch-site").and_then(|v| v.to_str().ok()) {
        return matches!(site, "same-origin" | "none");
    }
    let Some(origin) = headers.get(header::ORIGIN).and_then(|v| v.to_str().ok()) else {
        return true;
    };
    let host = headers.get(header::HOST).and_then(|v| v.to_str().ok()).unwrap_or_default();
    ["http://", "https://"].iter().any(|scheme| origin.strip_prefix(scheme) == Some(host))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn post(path: &str, headers: &[(&str, &str)]) -> Request {
        let mut builder = Request::builder().method(Method::POST).uri(path).header(header::HOST, "portal.example");
        for (k, v) in headers {
            builder = builder.header(*k, *v);
        }
        builder.body(axum::body::Body::empty()).expect("request")
    }

    #[test]
    fn only_our_own_pages_may_post_from_a_browser() {
        assert!(allowed(&post("/api/login", &[("sec-fetch-site", "same-origin")])));
        assert!(!allowed(&post("/api/login", &[("sec-fetch-site", "cross-site")])));
        assert!(!allowed(&post("/api/login", &[("sec-fetch-site", "same-site")])));
        assert!(allowed(&post("/api/login", &[("origin", "https://portal.example")])));
        assert!(!allowed(&post("/api/login", &[("origin", "https://evil.example")])));
        assert!(!allowed(&post("/api/login", &[("origin", "null")])));
        assert!(allowed(&post("/api/login", &[])), "not a browser");
        assert!(allowed(&post("/marketplace/aws", &[("sec-fetch-site", "cross-site")])), "AWS's fulfillment POST");
    }
}

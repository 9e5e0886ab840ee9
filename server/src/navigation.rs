//! Page changes in the browser (`app/src/ui/navigation.rs`) fetch the next page with `Portal-Navigation: 1`.
//! A redirect is answered to them as `204 No Content` with the target in `Portal-Location` instead of a 3xx:
//! `fetch` would follow a 3xx itself and drop the target's `#fragment` (the field an error summary points at);
//! the browser then asks for the target, as it would have. Cookies set by the redirect come along unchanged.

use axum::extract::Request;
use axum::http::{header, HeaderValue, StatusCode};
use axum::middleware::Next;
use axum::response::Response;

/// The request header a page change in the browser sends.
pub const NAVIGATION: &str = "portal-navigation";
/// The response header that carries a redirect's target to it.
pub const LOCATION: &str = "portal-location";

/// Also: a page that sends its visitor elsewhere (Leptos' `redirect` sets `Location`, but a 3xx only for a
/// request that accepts HTML) answers a `302` whatever the request accepted — a `Location` on a 200 or a 404
/// is followed by no browser.
pub async fn redirects(request: Request, next: Next) -> Response {
    let asked = request.headers().contains_key(NAVIGATION);
    let page = matches!(*request.method(), axum::http::Method::GET | axum::http::Method::HEAD)
        && !request.uri().path().starts_with("/api/");
    let mut response = next.run(request).await;
    if page && !response.status().is_redirection() && response.headers().contains_key(header::LOCATION) {
        *response.status_mut() = StatusCode::FOUND;
    }
    // A redirect answers differently with and without the header (pages and assets do not).
    if response.status().is_redirection() {
        response.headers_mut().append(header::VARY, HeaderValue::from_static(NAVIGATION));
    }
    if asked && response.status().is_redirection() {
        if let Some(target) = response.headers_mut().remove(header::LOCATION) {
            *response.status_mut() = StatusCode::NO_CONTENT;
            response.headers_mut().insert(LOCATION, target);
        }
    }
    response
}

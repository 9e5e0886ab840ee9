//! The operator console's server side (issue 20): the guard in front of every console page and server
//! function, and the CSV exports.
//!
//! **The guard** answers 404 — the site's own "Page not found" — to every `/operator…` page and
//! `/api/operator_…` function unless the request's session holds a logged-in operator; `/operator/login` and its
//! server function are the only exceptions. It runs inside the session layer, before Leptos sees the request,
//! so a page or function that forgot its own check still could not be reached (they check again).
//!
//! **Exports** (`/operator/customers.csv`, `/operator/metering.csv`, `/operator/webhooks.csv`, the list's own filters) stream: the store
//! sends the rows, written as CSV one at a time, through a bounded channel into the response body, so an export
//! of 100,000 rows never holds more than a few of them in memory. A cell that a spreadsheet would read as a
//! formula (`=`, `+`, `-`, `@`, tab, carriage return) is prefixed with `'`. Each export is audited before it
//! starts (`operator.exported`, with its filters): data leaving the portal says who took what.

use app::domain::console::{CustomerFilter, DeliveryState, MeteringFilter};
use app::operator::OperatorSession;
use app::paths::{OPERATOR, OPERATOR_LOGIN};
use app::ssr::ports::StoreError;
use async_trait::async_trait;
use axum::body::Body;
use axum::extract::{Extension, Query, Request, State};
use axum::http::{header, StatusCode, Uri};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use std::collections::HashMap;
use std::sync::Arc;
use tokio::sync::mpsc;

/// The server function of `/operator/login`: reachable without a session.
const LOGIN_FUNCTION: &str = "/api/operator_login";
/// Where a refused console page is sent inside the server: no route serves it, so the site's 404 page does.
const NOT_FOUND: &str = "/operator/-";
/// Rows in flight between the store and the response body.
pub const EXPORT_BUFFER: usize = 64;

/// Whether `path` belongs to the console (and so needs an operator), log in excepted.
pub fn guarded(path: &str) -> bool {
    let console = path == OPERATOR || path.starts_with("/operator/") || path.starts_with("/api/operator_");
    console && path != OPERATOR_LOGIN && path != LOGIN_FUNCTION
}

/// See the module's documentation.
pub async fn guard(State(store): State<Arc<dyn app::ssr::ports::Store>>, mut req: Request, next: Next) -> Response {
    if !guarded(req.uri().path()) {
        return next.run(req).await;
    }
    let session = req.extensions().get::<tower_sessions::Session>().cloned();
    let operator = match session {
        Some(session) => {
            app::operator::ssr::current(&session, store.as_ref(), app::ssr::ports::now()).await.ok().flatten()
        }
        None => None,
    };
    if let Some(operator) = operator {
        // What the exports name as their actor.
        req.extensions_mut().insert(operator);
        return next.run(req).await;
    }
    if req.uri().path().starts_with("/api/") {
        return StatusCode::NOT_FOUND.into_response();
    }
    // The page a visitor would see at any unknown address, with its 404 status.
    *req.uri_mut() = Uri::from_static(NOT_FOUND);
    *req.method_mut() = axum::http::Method::GET;
    next.run(req).await
}

/// The store's side of the exports: each sends its rows, as CSV lines, until the list ends or the receiver
/// is gone (the download was abandoned).
#[async_trait]
pub trait ConsoleExport: Send + Sync {
    /// The customers `filter` matches, newest first, a header line first; returns the rows sent.
    async fn export_customers(&self, filter: &CustomerFilter, out: mpsc::Sender<Vec<u8>>) -> Result<u64, StoreError>;
    /// The metering records `filter` matches, newest first, a header line first; returns the rows sent.
    async fn export_metering(&self, filter: &MeteringFilter, out: mpsc::Sender<Vec<u8>>) -> Result<u64, StoreError>;
    /// The webhook deliveries in `state` (any when `None`), newest first, a header line first.
    async fn export_deliveries(
        &self,
        state: Option<DeliveryState>,
        out: mpsc::Sender<Vec<u8>>,
    ) -> Result<u64, StoreError>;
}

/// One CSV line of `cells`, each made safe for a spreadsheet.
pub fn csv_line<'a>(cells: impl IntoIterator<Item = &'a str>) -> Vec<u8> {
    let mut writer = csv::WriterBuilder::new().terminator(csv::Terminator::CRLF).from_writer(Vec::new());
    let safe: Vec<String> = cells
        .into_iter()
        .map(
            |cell| {
                if cell.starts_with(['=', '+', '-', '@', '\t', '\r']) {
                    format!("'{cell}")
                } else {
                    cell.to_owned()
                }
            },
        )
        .collect();
    // Writing to a Vec cannot fail; a record that did would leave the line empty.
    if writer.write_record(&safe).is_err() {
        return Vec::new();
    }
    writer.into_inner().unwrap_or_default()
}

/// A streamed CSV download called `name`, fed by `produce` through a bounded channel.
fn csv_download<F>(name: &str, produce: F) -> Response
where
    F: FnOnce(mpsc::Sender<Vec<u8>>) -> futures::future::BoxFuture<'static, Result<u64, StoreError>> + Send + 'static,
{
    let (tx, rx) = mpsc::channel::<Vec<u8>>(EXPORT_BUFFER);
    tokio::spawn(async move {
        if let Err(e) = produce(tx).await {
            // The body ends early; the operator sees a cut-off download and the log says why.
            tracing::error!(error = %e, "a console export failed");
        }
    });
    let body =
        Body::from_stream(tokio_stream::StreamExt::map(tokio_stream::wrappers::ReceiverStream::new(rx), |chunk| {
            Ok::<_, std::convert::Infallible>(chunk)
        }));
    (
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_owned()),
            (header::CONTENT_DISPOSITION, format!("attachment; filename=\"{name}\"")),
            (header::CACHE_CONTROL, "no-store".to_owned()),
        ],
        body,
    )
        .into_response()
}

/// What the exports use: the store's export, and the store to audit each export in.
#[derive(Clone)]
pub struct Exports {
    pub export: Arc<dyn ConsoleExport>,
    pub store: Arc<dyn app::ssr::ports::Store>,
}

/// Audits an export by the operator the guard found (an export is data leaving the portal: who took what).
async fn audited(exports: &Exports, operator: &OperatorSession, what: &str, query: &str) -> Result<(), StoreError> {
    let detail = if query.is_empty() { format!("exported {what}") } else { format!("exported {what} ({query})") };
    exports.store.audit_operator(&operator.username, "operator.exported", &detail, app::ssr::ports::now()).await
}

/// `GET /operator/customers.csv` (behind the guard): the customers list with the page's filters.
pub async fn customers_csv(
    State(exports): State<Exports>,
    Extension(operator): Extension<OperatorSession>,
    Query(query): Query<HashMap<String, String>>,
) -> Response {
    let get = |key: &str| query.get(key).map(String::as_str);
    let filter = CustomerFilter::from_query(get("q"), get("state"), get("progress"));
    if let Err(e) = audited(&exports, &operator, "customers.csv", &filter.to_query()).await {
        tracing::error!(error = %e, "an export could not be audited: not sent");
        return StatusCode::SERVICE_UNAVAILABLE.into_response();
    }
    let store = exports.export;
    csv_download("customers.csv", move |tx| Box::pin(async move { store.export_customers(&filter, tx).await }))
}

/// `GET /operator/metering.csv` (behind the guard): the metering records with the page's filters.
pub async fn metering_csv(
    State(exports): State<Exports>,
    Extension(operator): Extension<OperatorSession>,
    Query(query): Query<HashMap<String, String>>,
) -> Response {
    let filter = MeteringFilter::from_query(query.get("state").map(String::as_str), query.get("q").map(String::as_str));
    if let Err(e) = audited(&exports, &operator, "metering.csv", &filter.to_query()).await {
        tracing::error!(error = %e, "an export could not be audited: not sent");
        return StatusCode::SERVICE_UNAVAILABLE.into_response();
    }
    let store = exports.export;
    csv_download("metering.csv", move |tx| Box::pin(async move { store.export_metering(&filter, tx).await }))
}

/// `GET /operator/webhooks.csv` (behind the guard): the webhook deliveries with the page's state filter.
pub async fn deliveries_csv(
    State(exports): State<Exports>,
    Extension(operator): Extension<OperatorSession>,
    Query(query): Query<HashMap<String, String>>,
) -> Response {
    let state = query.get("state").and_then(|s| DeliveryState::parse(s));
    let filter = state.map(|s| format!("state={}", s.code())).unwrap_or_default();
    if let Err(e) = audited(&exports, &operator, "webhooks.csv", &filter).await {
        tracing::error!(error = %e, "an export could not be audited: not sent");
        return StatusCode::SERVICE_UNAVAILABLE.into_response();
    }
    let store = exports.export;
    csv_download("webhooks.csv", move |tx| Box::pin(async move { store.export_deliveries(state, tx).await }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_console_address_but_log_in_is_guarded() {
        for path in
            ["/operator", "/operator/", "/operator/customers/1", "/operator/metering.csv", "/api/operator_customers"]
        {
            assert!(guarded(path), "{path}");
        }
        for path in ["/operator/login", "/api/operator_login", "/operators", "/login", "/api/login", "/activate"] {
            assert!(!guarded(path), "{path}");
        }
    }

    #[test]
    fn cells_are_quoted_and_never_read_as_formulas() {
        let line = csv_line(["a,b", "say \"hi\"", "=HYPERLINK(\"x\")", "-1", "@x", "plain"]);
        assert_eq!(
            String::from_utf8(line).expect("utf-8"),
            "\"a,b\",\"say \"\"hi\"\"\",\"'=HYPERLINK(\"\"x\"\")\",'-1,'@x,plain\r\n"
        );
    }
}

//! `POST /internal/usage` (usage from the workspaces, for metering; bearer-token authenticated), the metering
//! job's schedule, and its dev-mode controls (`POST /_dev/metering/run`, `POST /_dev/usage/generate`).

use crate::aws::Marketplace;
use crate::metering::{run_with_heartbeats, Backoff, MeteringStore, UsageRefusal, UsageReport, DIMENSIONS};
use crate::reconcile;
use crate::store::ServerStore;
use app::ssr::ports::now;
use axum::extract::rejection::JsonRejection;
use axum::extract::State;
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::Deserialize;
use serde_json::json;
use std::sync::Arc;
use std::time::Duration;
use subtle::ConstantTimeEq;

/// Most rows one usage report may carry.
pub const MAX_ROWS: usize = 5000;

#[derive(Clone)]
pub struct MeteringState {
    pub store: Arc<dyn ServerStore>,
    pub marketplace: Marketplace,
    pub internal_token: Arc<Vec<u8>>,
    /// This instance's name in the job lease.
    pub holder: Arc<str>,
    /// The listing whose licenses the reconciliation compares with AWS's agreements.
    pub product_code: Arc<str>,
    /// The dimensions of the job's heartbeats (`PORTAL_METERING_HEARTBEAT_DIMENSIONS`; empty: none).
    pub heartbeat_dimensions: Arc<[String]>,
}

impl MeteringState {
    fn authorized(&self, headers: &HeaderMap) -> bool {
        let presented = headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "))
            .unwrap_or_default();
        bool::from(presented.as_bytes().ct_eq(self.internal_token.as_slice()))
    }

    /// One run of the metering job now.
    pub async fn run(&self, backoff: Backoff) -> Result<crate::metering::RunReport, app::ssr::ports::StoreError> {
        let store: &dyn MeteringStore = self.store.as_ref();
        run_with_heartbeats(store, &self.marketplace, &self.holder, now(), backoff, &self.heartbeat_dimensions).await
    }
}

impl MeteringState {
    /// One run of the reconciliation with AWS's agreements now.
    pub async fn reconcile(
        &self,
        backoff: reconcile::Backoff,
    ) -> Result<reconcile::ReconcileReport, reconcile::ReconcileError> {
        let store: &dyn ServerStore = self.store.as_ref();
        reconcile::run_once(store, &self.marketplace, &self.product_code, &self.holder, now(), backoff).await
    }
}

/// Runs the reconciliation every `interval`, the first one `interval` after start (each instance tries; the
/// lease lets one of them work).
pub fn spawn_reconcile(state: MeteringState, interval: Duration) {
    tokio::spawn(async move {
        let mut ticks = tokio::time::interval_at(tokio::time::Instant::now() + interval, interval);
        ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            ticks.tick().await;
            match state.reconcile(reconcile::Backoff::default()).await {
                Ok(report) if report.ran => tracing::info!(?report, "reconciliation with AWS's agreements ran"),
                Ok(_) => tracing::debug!("reconciliation: another instance holds the lease"),
                Err(e) => tracing::error!(error = %e, "reconciliation with AWS's agreements failed"),
            }
        }
    });
}

/// `POST /_dev/reconcile/run` (dev): runs the reconciliation now (short backoff) and answers with what it did.
pub async fn dev_reconcile(State(state): State<MeteringState>) -> Response {
    let backoff = reconcile::Backoff { attempts: 6, first: Duration::from_millis(20), max: Duration::from_millis(200) };
    match state.reconcile(backoff).await {
        Ok(report) => Json(report).into_response(),
        Err(e) => problem(StatusCode::SERVICE_UNAVAILABLE, e.to_string()),
    }
}

/// A random name for this process in the job lease.
pub fn instance_name() -> String {
    let mut bytes = [0u8; 8];
    rand::RngCore::fill_bytes(&mut rand::rngs::OsRng, &mut bytes);
    let suffix: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
    format!("portal-{}-{suffix}", std::process::id())
}

fn problem(status: StatusCode, message: impl Into<String>) -> Response {
    (status, Json(json!({ "error": message.into() }))).into_response()
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UsageBody {
    pub records: Vec<UsageReport>,
}

/// `POST /internal/usage` with `Authorization: Bearer $PORTAL_INTERNAL_TOKEN` and
/// `{"records":[{"event_id","workspace_id","dimension","hour","quantity","allocations"?}]}`: all rows or none
/// are stored; a row whose `event_id` was reported before is counted once. Refused with 422 naming the row:
/// a bad row (its allocations included), an unknown workspace, an hour after a deprovisioned license's final
/// hour.
pub async fn usage(
    State(state): State<MeteringState>,
    headers: HeaderMap,
    body: Result<Json<UsageBody>, JsonRejection>,
) -> Response {
    if !state.authorized(&headers) {
        return problem(StatusCode::UNAUTHORIZED, "a valid bearer token is required");
    }
    let Json(body) = match body {
        Ok(body) => body,
        Err(rejection) => return problem(StatusCode::BAD_REQUEST, rejection.body_text()),
    };
    if body.records.is_empty() || body.records.len() > MAX_ROWS {
        return problem(StatusCode::BAD_REQUEST, format!("records must hold 1 to {MAX_ROWS} rows"));
    }
    let at = now();
    for (row, record) in body.records.iter().enumerate() {
        if let Err(reason) = record.check(at) {
            return problem(StatusCode::UNPROCESSABLE_ENTITY, UsageRefusal::Invalid { row, reason }.to_string());
        }
    }
    match state.store.record_usage(&body.records, at).await {
        Ok(Ok(accepted)) => (StatusCode::ACCEPTED, Json(accepted)).into_response(),
        Ok(Err(refusal)) => problem(StatusCode::UNPROCESSABLE_ENTITY, refusal.to_string()),
        Err(e) => {
            tracing::error!(error = %e, "usage report not stored");
            problem(StatusCode::SERVICE_UNAVAILABLE, "usage could not be stored; send the same report again")
        }
    }
}

/// Runs the metering job every `interval` (each instance tries; the lease lets one of them work), forgets
/// kept drafts older than 30 days, and runs the lock job for subscriptions whose countdown has run out.
/// What wakes this process's metering job before its next tick (the console's **Retry now**): one per
/// process, as the job is.
pub fn metering_wake() -> Arc<tokio::sync::Notify> {
    static WAKE: std::sync::OnceLock<Arc<tokio::sync::Notify>> = std::sync::OnceLock::new();
    WAKE.get_or_init(|| Arc::new(tokio::sync::Notify::new())).clone()
}

pub fn spawn_job(state: MeteringState, interval: Duration) {
    tokio::spawn(async move {
        let mut ticks = tokio::time::interval(interval);
        ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        let wake = metering_wake();
        loop {
            tokio::select! {
                _ = ticks.tick() => {}
                () = wake.notified() => {}
            }
            match state.run(Backoff::default()).await {
                Ok(report) if report.ran => tracing::info!(?report, "metering job ran"),
                Ok(_) => tracing::debug!("metering job: another instance holds the lease"),
                Err(e) => tracing::error!(error = %e, "metering job failed"),
            }
            // Unfinished activations kept for their customers longer than 30 days are forgotten.
            let before = now() - app::ssr::session::RESUME_WITHIN_SECS;
            match app::ssr::ports::ActivationStore::forget_old_drafts(state.store.as_ref(), before).await {
                Ok(0) => {}
                Ok(forgotten) => tracing::info!(forgotten, "kept drafts older than 30 days forgotten"),
                Err(e) => tracing::error!(error = %e, "forgetting old drafts failed"),
            }
            // Cancelled subscriptions whose 14 days have passed: lock their workspaces (idempotent).
            match crate::lifecycle::LifecycleStore::lock_due(state.store.as_ref(), now()).await {
                Ok(0) => {}
                Ok(locked) => tracing::info!(locked, "workspaces of ended subscriptions locked"),
                Err(e) => tracing::error!(error = %e, "lock job failed"),
            }
        }
    });
}

/// `POST /_dev/metering/run` (dev): runs the job now and answers with what it did.
pub async fn dev_run(State(state): State<MeteringState>) -> Response {
    let backoff = Backoff { attempts: 5, first: Duration::from_millis(20), max: Duration::from_millis(200) };
    match state.run(backoff).await {
        Ok(report) => Json(report).into_response(),
        Err(e) => problem(StatusCode::SERVICE_UNAVAILABLE, e.to_string()),
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GenerateBody {
    pub workspace_id: i64,
    /// How many closed hours back from the last one (default 3, at most 6).
    pub hours: Option<i64>,
}

/// `POST /_dev/usage/generate` (dev): usage in every dimension for one workspace over its last closed hours.
pub async fn dev_generate(
    State(state): State<MeteringState>,
    body: Result<Json<GenerateBody>, JsonRejection>,
) -> Response {
    let Json(body) = match body {
        Ok(body) => body,
        Err(rejection) => return problem(StatusCode::BAD_REQUEST, rejection.body_text()),
    };
    let hours = body.hours.unwrap_or(3).clamp(1, 6);
    let at = now();
    let last_closed = at - at.rem_euclid(3600) - 3600;
    let mut rows = Vec::new();
    for h in 0..hours {
        let hour = last_closed - h * 3600;
        for (i, dimension) in DIMENSIONS.iter().enumerate() {
            rows.push(UsageReport {
                event_id: format!("dev-{}-{hour}-{dimension}-{at}", body.workspace_id),
                workspace_id: body.workspace_id,
                dimension: (*dimension).to_owned(),
                hour,
                quantity: (i as i64 + 1) * (h + 1),
                allocations: None,
            });
        }
    }
    match state.store.record_usage(&rows, at).await {
        Ok(Ok(accepted)) => (StatusCode::ACCEPTED, Json(accepted)).into_response(),
        Ok(Err(refusal)) => problem(StatusCode::UNPROCESSABLE_ENTITY, refusal.to_string()),
        Err(e) => problem(StatusCode::SERVICE_UNAVAILABLE, e.to_string()),
    }
}

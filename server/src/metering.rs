//! Metering for subscription listings: usage arrives per workspace, dimension and hour (`POST /internal/usage`);
//! the job freezes each AWS customer's total per dimension and usage hour into one metering record (its
//! quantity never changes afterwards; its allocations summed per tag set), adds zero-quantity heartbeats for
//! subscribed customers' quiet hours in the heartbeat dimensions, sends pending records with `BatchMeterUsage` in batches of at most 25
//! with the usage hour as the timestamp, stores each answer, retries what AWS left unprocessed or refused
//! with throttling / 5xx (with backoff), and flags records that reached the 6-hour window unsent. A lease in
//! the database lets exactly one portal instance run the job at a time.
//!
//! A crash between sending and storing is safe: the record stays pending and the next run sends the very same
//! request (same customer, dimension, hour and quantity), which AWS answers as it did the first time.

use app::ssr::ports::StoreError;
use async_trait::async_trait;
use serde::{Deserialize, Serialize};
use std::time::Duration;

/// AWS accepts records at most this old (the strict reading of the BatchMeterUsage reference); a pending
/// record older than this is flagged `stale` instead of being sent.
pub const WINDOW_SECS: i64 = app::domain::console::METERING_WINDOW_SECS;
/// At most 25 usage records per BatchMeterUsage call.
pub const BATCH_SIZE: usize = 25;
/// An hour is frozen this long after it ended: reporters have that long to deliver its usage.
pub const CLOSE_AFTER_SECS: i64 = 10 * 60;
/// The lease outlives a crashed holder by at most this long.
pub const LEASE_SECS: i64 = 5 * 60;
pub const LEASE_NAME: &str = "metering";

/// The listing's base dimension: heartbeats go out in it unless `PORTAL_METERING_HEARTBEAT_DIMENSIONS` says
/// otherwise.
pub const BASE_DIMENSION: &str = "hosts";
/// Where the hour heartbeats started with is kept.
pub const HEARTBEATS_SINCE: &str = "metering.heartbeats_since";

/// The listing's metering dimensions (what a Guance workspace is billed by). Usage in any other dimension
/// is refused when it is reported, so one bad row can never fail a whole batch at AWS.
pub const DIMENSIONS: [&str; 5] =
    ["hosts", "log_gb", "apm_traces_million", "rum_sessions_thousand", "metric_series_thousand"];

/// After a license is deprovisioned AWS takes its usage for this long more: usage hours that start before
/// the deprovisioning time plus this are accepted, later ones refused.
pub const FINAL_USAGE_SECS: i64 = 3600;

mod allocations;
pub use allocations::*;

/// One usage report row, as `POST /internal/usage` takes it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UsageReport {
    /// The reporter's id for this row: a retried report with the same id is counted once.
    pub event_id: String,
    pub workspace_id: i64,
    pub dimension: String,
    /// The hour the usage happened in, as Unix seconds; any second inside the hour is accepted.
    pub hour: i64,
    pub quantity: i64,
    /// The quantity split by tags (AWS's `UsageAllocations`); the shares sum to `quantity`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub allocations: Option<Vec<Allocation>>,
}

/// Why a usage report was refused (nothing of it is stored).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum UsageRefusal {
    #[error("row {row}: {reason}")]
    Invalid { row: usize, reason: String },
    #[error("unknown workspaces: {0:?}")]
    UnknownWorkspaces(Vec<i64>),
    /// The row's hour starts an hour or more after its customer's license was deprovisioned.
    #[error(
        "row {row}: the subscription ended (license deprovisioned) at {deprovisioned_at}; AWS takes usage for one hour after that, and hour {hour} is later"
    )]
    AfterFinalWindow { row: usize, hour: i64, deprovisioned_at: i64 },
}

impl UsageReport {
    /// Checks one row; `now` bounds the hour (no future usage).
    pub fn check(&self, now: i64) -> Result<(), String> {
        if self.event_id.trim().is_empty() || self.event_id.len() > 128 {
            return Err("event_id must be 1 to 128 characters".to_owned());
        }
        if !DIMENSIONS.contains(&self.dimension.as_str()) {
            return Err(format!("dimension must be one of {}", DIMENSIONS.join(", ")));
        }
        if !(0..=i64::from(i32::MAX)).contains(&self.quantity) {
            return Err(format!("quantity must be between 0 and {}", i32::MAX));
        }
        if self.hour < 0 || self.hour > now {
            return Err("hour must not be in the future".to_owned());
        }
        if let Some(allocations) = &self.allocations {
            check_allocations(allocations, self.quantity)?;
        }
        Ok(())
    }

    /// The start of the usage hour.
    pub fn usage_hour(&self) -> i64 {
        self.hour - self.hour.rem_euclid(3600)
    }
}

/// What a stored report changed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
pub struct UsageAccepted {
    pub accepted: usize,
    /// Rows whose `event_id` had been reported before.
    pub repeated: usize,
}

/// A frozen record waiting to be sent, with the identity AWS knows its customer by.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PendingRecord {
    pub id: i64,
    pub aws_account_id: String,
    pub license_arn: Option<String>,
    pub customer_identifier: Option<String>,
    pub product_code: String,
    pub dimension: String,
    pub usage_hour: i64,
    pub quantity: i64,
    /// Sent as `UsageAllocations` when not empty; the shares sum to `quantity`.
    pub allocations: Vec<Allocation>,
}

impl PendingRecord {
    /// New listings meter by account + license (no ProductCode: sending both double-bills); older customers
    /// without a license by CustomerIdentifier + ProductCode.
    pub fn by_license(&self) -> bool {
        self.license_arn.is_some()
    }

    /// How AWS echoes the record back: identity, dimension and hour.
    pub fn key(&self) -> RecordKey {
        RecordKey {
            customer: if self.by_license() {
                self.aws_account_id.clone()
            } else {
                self.customer_identifier.clone().unwrap_or_default()
            },
            dimension: self.dimension.clone(),
            usage_hour: self.usage_hour,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct RecordKey {
    pub customer: String,
    pub dimension: String,
    pub usage_hour: i64,
}

/// AWS's answer for one record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RecordStatus {
    Success { metering_record_id: String },
    CustomerNotSubscribed,
    DuplicateRecord,
}

impl RecordStatus {
    pub fn as_str(&self) -> &'static str {
        match self {
            RecordStatus::Success { .. } => "Success",
            RecordStatus::CustomerNotSubscribed => "CustomerNotSubscribed",
            RecordStatus::DuplicateRecord => "DuplicateRecord",
        }
    }
}

/// One BatchMeterUsage answer.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct BatchAnswer {
    pub results: Vec<(RecordKey, RecordStatus)>,
    pub unprocessed: Vec<RecordKey>,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MeterError {
    /// Throttling, 5xx, timeouts: try again later.
    #[error("retryable: {0}")]
    Retryable(String),
    /// AWS refused the batch itself (validation): retrying the same request cannot help.
    #[error("refused: {0}")]
    Refused(String),
}

/// The BatchMeterUsage call (the AWS SDK in the portal; a fake in unit tests).
#[async_trait]
pub trait Meter: Send + Sync {
    /// `product_code` is set only for legacy (CustomerIdentifier) batches.
    async fn batch_meter_usage(
        &self,
        product_code: Option<&str>,
        records: &[PendingRecord],
    ) -> Result<BatchAnswer, MeterError>;
}

/// The job's storage.
#[async_trait]
pub trait MeteringStore: Send + Sync {
    /// Stores a checked report in one transaction; unknown workspaces refuse all of it.
    async fn record_usage(
        &self,
        rows: &[UsageReport],
        now: i64,
    ) -> Result<Result<UsageAccepted, UsageRefusal>, StoreError>;
    /// Takes (or renews) the named lease for `holder` until `now + ttl`; false while another holds it.
    async fn acquire_lease(&self, name: &str, holder: &str, now: i64, ttl: i64) -> Result<bool, StoreError>;
    async fn release_lease(&self, name: &str, holder: &str) -> Result<(), StoreError>;
    /// Freezes every closed hour's usage (hours that ended at or before `closed_before`) into metering records;
    /// usage for an hour frozen earlier is marked late. In the same transaction, every subscribed customer
    /// with a license and no record in a `heartbeats` dimension for a closed hour gets a zero-quantity one
    /// (see [`heartbeat_hours`]).
    async fn freeze(&self, closed_before: i64, now: i64, heartbeats: &[String]) -> Result<Frozen, StoreError>;
    /// Freezes all of one customer's open usage now, the current hour included (the final usage before a
    /// subscription ends); returns the records created.
    async fn freeze_customer(&self, customer_id: i64, now: i64) -> Result<u64, StoreError>;
    /// Marks pending records older than `oldest_hour` stale; returns how many.
    async fn mark_stale(&self, oldest_hour: i64, now: i64) -> Result<u64, StoreError>;
    /// Up to `limit` pending records with ids above `after`, oldest hour first.
    async fn pending(&self, after: i64, limit: i64) -> Result<Vec<PendingRecord>, StoreError>;
    /// Stores AWS's answers (record id → status) in one transaction.
    async fn mark_sent(&self, answers: &[(i64, RecordStatus)], now: i64) -> Result<(), StoreError>;
    /// Counts a failed attempt for these records.
    async fn mark_failed(&self, ids: &[i64], error: &str, now: i64) -> Result<(), StoreError>;
}

/// What a freeze created.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Frozen {
    /// Records of reported usage.
    pub records: u64,
    /// Events of hours frozen earlier (never counted).
    pub late: u64,
    /// Zero-quantity heartbeat records.
    pub heartbeats: u64,
}

/// The closed hours that get heartbeats in a freeze at `now`: each hour that starts at or after `since` (the
/// hour the job first ran with heartbeats on) and that AWS still takes (not over 6 hours old), up to the last
/// hour that ended by `closed_before`.
pub fn heartbeat_hours(since: i64, closed_before: i64, now: i64) -> Vec<i64> {
    let oldest = now - WINDOW_SECS;
    let first = since.max(oldest + (3600 - oldest.rem_euclid(3600)) % 3600);
    let first = first + (3600 - first.rem_euclid(3600)) % 3600;
    (0..).map(|i| first + i * 3600).take_while(|hour| hour + 3600 <= closed_before).collect()
}

/// How hard one run tries a batch before leaving it to the next run.
#[derive(Debug, Clone, Copy)]
pub struct Backoff {
    pub attempts: u32,
    pub first: Duration,
    pub max: Duration,
}

impl Default for Backoff {
    fn default() -> Self {
        Self { attempts: 5, first: Duration::from_millis(200), max: Duration::from_secs(5) }
    }
}

impl Backoff {
    fn delay(&self, attempt: u32) -> Duration {
        self.first.saturating_mul(2u32.saturating_pow(attempt)).min(self.max)
    }
}

/// What one run did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct RunReport {
    /// False when another instance held the lease (nothing was done).
    pub ran: bool,
    pub frozen: u64,
    /// Zero-quantity records for customers without usage in a heartbeat dimension.
    pub heartbeats: u64,
    pub late_events: u64,
    pub stale: u64,
    pub sent: u64,
    pub calls: u64,
    /// Records still pending after this run (retried next time).
    pub left_pending: u64,
}

/// One run of the metering job at `now` by `holder` (this instance's id), without heartbeats.
pub async fn run_once(
    store: &dyn MeteringStore,
    meter: &dyn Meter,
    holder: &str,
    now: i64,
    backoff: Backoff,
) -> Result<RunReport, StoreError> {
    run_with_heartbeats(store, meter, holder, now, backoff, &[]).await
}

/// One run of the metering job at `now` by `holder`, with heartbeats in `heartbeats` (dimensions).
pub async fn run_with_heartbeats(
    store: &dyn MeteringStore,
    meter: &dyn Meter,
    holder: &str,
    now: i64,
    backoff: Backoff,
    heartbeats: &[String],
) -> Result<RunReport, StoreError> {
    let mut report = RunReport::default();
    if !store.acquire_lease(LEASE_NAME, holder, now, LEASE_SECS).await? {
        return Ok(report);
    }
    report.ran = true;
    let outcome = send_all(store, meter, holder, now, backoff, heartbeats, &mut report).await;
    store.release_lease(LEASE_NAME, holder).await?;
    outcome?;
    if report.stale > 0 {
        tracing::warn!(stale = report.stale, "metering records reached 6 hours old unsent");
    }
    metrics::counter!("portal_metering_stale_total").increment(report.stale);
    metrics::counter!("portal_metering_sent_total").increment(report.sent);
    metrics::counter!("portal_metering_late_events_total").increment(report.late_events);
    metrics::counter!("portal_metering_heartbeats_total").increment(report.heartbeats);
    metrics::gauge!("portal_metering_left_pending").set(report.left_pending as f64);
    Ok(report)
}

async fn send_all(
    store: &dyn MeteringStore,
    meter: &dyn Meter,
    holder: &str,
    now: i64,
    backoff: Backoff,
    heartbeats: &[String],
    report: &mut RunReport,
) -> Result<(), StoreError> {
    let frozen = store.freeze(now - CLOSE_AFTER_SECS, now, heartbeats).await?;
    report.frozen = frozen.records;
    report.heartbeats = frozen.heartbeats;
    report.late_events = frozen.late;
    report.stale = store.mark_stale(now - WINDOW_SECS, now).await?;
    let mut after = 0;
    loop {
        let page = store.pending(after, 1000).await?;
        let Some(last) = page.last() else {
            return Ok(());
        };
        after = last.id;
        // Keep the lease while a long run goes on.
        if !store.acquire_lease(LEASE_NAME, holder, now, LEASE_SECS).await? {
            return Ok(());
        }
        let (by_license, legacy): (Vec<_>, Vec<_>) = page.into_iter().partition(PendingRecord::by_license);
        for batch in by_license.chunks(BATCH_SIZE) {
            send_batch(store, meter, None, batch, backoff, report).await?;
        }
        for (product, records) in group_by_product(legacy) {
            for batch in records.chunks(BATCH_SIZE) {
                send_batch(store, meter, Some(&product), batch, backoff, report).await?;
            }
        }
    }
}

fn group_by_product(records: Vec<PendingRecord>) -> Vec<(String, Vec<PendingRecord>)> {
    let mut groups: Vec<(String, Vec<PendingRecord>)> = Vec::new();
    for record in records {
        match groups.iter_mut().find(|(p, _)| *p == record.product_code) {
            Some((_, list)) => list.push(record),
            None => groups.push((record.product_code.clone(), vec![record])),
        }
    }
    groups
}

/// Sends one batch, retrying throttling / 5xx and unprocessed records with backoff; what is still unsent
/// after the last attempt stays pending for the next run.
async fn send_batch(
    store: &dyn MeteringStore,
    meter: &dyn Meter,
    product: Option<&str>,
    batch: &[PendingRecord],
    backoff: Backoff,
    report: &mut RunReport,
) -> Result<(), StoreError> {
    let mut todo: Vec<PendingRecord> = batch.to_vec();
    let mut last_error = String::new();
    for attempt in 0..backoff.attempts {
        if attempt > 0 {
            tokio::time::sleep(backoff.delay(attempt - 1)).await;
        }
        report.calls += 1;
        let answer = match meter.batch_meter_usage(product, &todo).await {
            Ok(answer) => answer,
            Err(MeterError::Retryable(e)) => {
                tracing::info!(error = %e, attempt, "BatchMeterUsage will be retried");
                last_error = e;
                continue;
            }
            Err(MeterError::Refused(e)) => {
                tracing::error!(error = %e, "BatchMeterUsage refused a batch");
                last_error = e;
                break;
            }
        };
        let mut answered = Vec::new();
        for (key, status) in answer.results {
            if let Some(record) = todo.iter().find(|r| r.key() == key) {
                answered.push((record.id, status));
            }
        }
        store.mark_sent(&answered, app::ssr::ports::now()).await?;
        report.sent += answered.len() as u64;
        let done: Vec<i64> = answered.iter().map(|(id, _)| *id).collect();
        todo.retain(|r| !done.contains(&r.id));
        if todo.is_empty() {
            return Ok(());
        }
        last_error = format!("{} records unprocessed", todo.len());
    }
    let ids: Vec<i64> = todo.iter().map(|r| r.id).collect();
    store.mark_failed(&ids, &last_error, app::ssr::ports::now()).await?;
    report.left_pending += ids.len() as u64;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(hour: i64, quantity: i64) -> UsageReport {
        UsageReport {
            event_id: "e1".into(),
            workspace_id: 1,
            dimension: "hosts".into(),
            hour,
            quantity,
            allocations: None,
        }
    }

    #[test]
    fn a_usage_row_is_checked_before_anything_is_stored() {
        let now = 10 * 3600 + 5;
        assert_eq!(row(3 * 3600 + 59, 5).check(now), Ok(()));
        assert_eq!(row(3 * 3600 + 59, 5).usage_hour(), 3 * 3600);
        assert!(row(now + 1, 5).check(now).is_err(), "future");
        assert!(row(3600, -1).check(now).is_err(), "negative");
        assert!(row(3600, i64::from(i32::MAX) + 1).check(now).is_err(), "beyond AWS's Quantity");
        let mut unknown = row(3600, 1);
        unknown.dimension = "gpus".into();
        assert!(unknown.check(now).is_err());
        let mut no_id = row(3600, 1);
        no_id.event_id = " ".into();
        assert!(no_id.check(now).is_err());
    }

    #[test]
    fn a_row_is_checked_with_its_allocations() {
        let share = |quantity| Allocation { quantity, tags: vec![Tag { key: "team".into(), value: "a".into() }] };
        let with = |quantity| UsageReport { allocations: Some(vec![share(quantity)]), ..row(3600, 10) };
        assert_eq!(with(10).check(10 * 3600), Ok(()));
        assert!(with(9).check(10 * 3600).is_err_and(|e| e.contains("sum to 9")));
    }

    #[test]
    fn heartbeats_cover_closed_hours_from_the_first_run_within_aws_window() {
        let h = 3600;
        // First run at 10:20: heartbeats start with the 10:00 hour, once it has closed.
        assert_eq!(heartbeat_hours(10 * h, 10 * h + 1200 - CLOSE_AFTER_SECS, 10 * h + 1200), Vec::<i64>::new());
        assert_eq!(heartbeat_hours(10 * h, 11 * h + 600 - CLOSE_AFTER_SECS, 11 * h + 600), vec![10 * h]);
        assert_eq!(
            heartbeat_hours(10 * h, 13 * h + 600 - CLOSE_AFTER_SECS, 13 * h + 600),
            vec![10 * h, 11 * h, 12 * h]
        );
        // A job that was off for a day: only hours AWS still takes (within 6 hours), never older.
        let now = 40 * h + 900;
        assert_eq!(heartbeat_hours(10 * h, now - CLOSE_AFTER_SECS, now), (35..40).map(|i| i * h).collect::<Vec<_>>());
        assert_eq!(heartbeat_hours(10 * h, 40 * h, 40 * h), (34..40).map(|i| i * h).collect::<Vec<_>>());
    }

    #[test]
    fn backoff_doubles_up_to_its_ceiling() {
        let b = Backoff { attempts: 5, first: Duration::from_millis(100), max: Duration::from_millis(500) };
        assert_eq!(b.delay(0), Duration::from_millis(100));
        assert_eq!(b.delay(1), Duration::from_millis(200));
        assert_eq!(b.delay(3), Duration::from_millis(500));
    }
}

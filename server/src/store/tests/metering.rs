use super::*;
use crate::metering::{
    run_once, run_with_heartbeats, Allocation, Backoff, BatchAnswer, Meter, MeterError, RecordKey, Tag,
};
use crate::store::test_support::{count, new_session, temp_store};
use app::ssr::audit::AuditTrail;
use std::sync::Mutex;
use std::time::Duration;

const H: i64 = 3600;

/// A workspace settled by the AWS customer of `account` (a session's fulfillment creates the customer).
async fn settled_workspace(store: &Store, account: &str, name: &str) -> i64 {
    new_session(store, account).await;
    let pool = store.pool();
    let user: i64 = sqlx::query_scalar(
        "INSERT INTO guance_accounts (username, username_key, email, password_hash, created_at)
         VALUES ($1, $1, 'a@example.com', 'x', 0) RETURNING id",
    )
    .bind(name)
    .fetch_one(pool)
    .await
    .expect("account");
    let billing: i64 = sqlx::query_scalar(
        "INSERT INTO billing_accounts (username, username_key, email, owner_account_id, created_at)
         VALUES ($1, $1, 'a@example.com', $2, 0) RETURNING id",
    )
    .bind(name)
    .bind(user)
    .fetch_one(pool)
    .await
    .expect("billing");
    let workspace: i64 = sqlx::query_scalar(
        "INSERT INTO workspaces (billing_account_id, owner_account_id, name, name_key, site, language, created_at)
         VALUES ($1, $2, $3, $3, 'us1', 'en', 0) RETURNING id",
    )
    .bind(billing)
    .bind(user)
    .bind(name)
    .fetch_one(pool)
    .await
    .expect("workspace");
    sqlx::query(
        "INSERT INTO workspace_settlements (workspace_id, customer_id, linked_at)
         SELECT $1, id, 0 FROM marketplace_customers WHERE aws_account_id = $2",
    )
    .bind(workspace)
    .bind(account)
    .execute(pool)
    .await
    .expect("settlement");
    workspace
}

fn usage(event: &str, workspace: i64, hour: i64, quantity: i64) -> UsageReport {
    UsageReport {
        event_id: event.into(),
        workspace_id: workspace,
        dimension: "hosts".into(),
        hour,
        quantity,
        allocations: None,
    }
}

/// Answers like AWS and remembers every batch; fails the first `failures` calls with throttling.
#[derive(Default)]
struct FakeMeter {
    calls: Mutex<Vec<Vec<(RecordKey, i64)>>>,
    /// Every record sent, as sent.
    sent: Mutex<Vec<PendingRecord>>,
    failures: Mutex<u32>,
    unprocessed_once: Mutex<bool>,
}

#[async_trait]
impl Meter for FakeMeter {
    async fn batch_meter_usage(
        &self,
        product: Option<&str>,
        records: &[PendingRecord],
    ) -> Result<BatchAnswer, MeterError> {
        assert!(records.len() <= 25, "at most 25 records per call");
        assert!(product.is_none(), "licensed customers are metered without ProductCode");
        {
            let mut failures = self.failures.lock().expect("lock");
            if *failures > 0 {
                *failures -= 1;
                return Err(MeterError::Retryable("ThrottlingException".into()));
            }
        }
        self.calls.lock().expect("lock").push(records.iter().map(|r| (r.key(), r.quantity)).collect());
        self.sent.lock().expect("lock").extend(records.iter().cloned());
        let mut answer = BatchAnswer::default();
        let mut unprocessed = self.unprocessed_once.lock().expect("lock");
        for (i, r) in records.iter().enumerate() {
            if *unprocessed && i == 0 {
                answer.unprocessed.push(r.key());
            } else {
                let status = RecordStatus::Success { metering_record_id: format!("mr-{}", r.id) };
                answer.results.push((r.key(), status));
            }
        }
        *unprocessed = false;
        Ok(answer)
    }
}

fn quick() -> Backoff {
    Backoff { attempts: 5, first: Duration::from_millis(1), max: Duration::from_millis(4) }
}

#[tokio::test]
async fn a_report_is_stored_once_and_refused_whole_for_unknown_workspaces() {
    let (store, _dir) = temp_store::<Store>().await;
    let ws = settled_workspace(&store, "123456789012", "alpha").await;
    let rows = vec![usage("a", ws, 10 * H + 5, 3), usage("b", ws, 10 * H + 99, 4)];
    assert_eq!(store.record_usage(&rows, 20 * H).await.expect("store"), Ok(UsageAccepted { accepted: 2, repeated: 0 }));
    assert_eq!(store.record_usage(&rows, 20 * H).await.expect("store"), Ok(UsageAccepted { accepted: 0, repeated: 2 }));
    let with_unknown = vec![usage("c", ws, 10 * H, 1), usage("d", 999, 10 * H, 1)];
    assert_eq!(
        store.record_usage(&with_unknown, 20 * H).await.expect("store"),
        Err(UsageRefusal::UnknownWorkspaces(vec![999]))
    );
    assert_eq!(count(&store, "usage_events").await, 2, "nothing of a refused report is stored");
}

#[tokio::test]
async fn one_instance_holds_the_lease_until_it_expires_or_is_released() {
    let (store, _dir) = temp_store::<Store>().await;
    assert!(store.acquire_lease("metering", "a", 100, 60).await.expect("a"));
    assert!(!store.acquire_lease("metering", "b", 120, 60).await.expect("b"), "a holds it");
    assert!(store.acquire_lease("metering", "a", 130, 60).await.expect("renew"), "the holder renews");
    assert!(store.acquire_lease("metering", "b", 190, 60).await.expect("expired"), "a crashed: it expired");
    store.release_lease("metering", "b").await.expect("release");
    assert!(store.acquire_lease("metering", "a", 191, 60).await.expect("a again"));
}

#[tokio::test]
async fn racing_instances_run_the_job_exactly_once() {
    let (store, _dir) = temp_store::<Store>().await;
    let store = std::sync::Arc::new(store);
    let barrier = std::sync::Arc::new(tokio::sync::Barrier::new(6));
    let mut tasks = Vec::new();
    for i in 0..6 {
        let (store, barrier) = (store.clone(), barrier.clone());
        tasks.push(tokio::spawn(async move {
            barrier.wait().await;
            store.acquire_lease("metering", &format!("instance-{i}"), 1000, 60).await.expect("lease")
        }));
    }
    let mut winners = 0;
    for task in tasks {
        winners += usize::from(task.await.expect("task"));
    }
    assert_eq!(winners, 1);
}

#[tokio::test]
async fn closed_hours_are_summed_per_customer_and_sent_once_with_their_hour() {
    let (store, _dir) = temp_store::<Store>().await;
    let a1 = settled_workspace(&store, "111111111111", "a1").await;
    let a2 = settled_workspace(&store, "111111111111", "a2").await;
    let b = settled_workspace(&store, "222222222222", "b").await;
    let now = 20 * H;
    let rows = vec![
        usage("1", a1, 17 * H + 1, 2),
        usage("2", a2, 17 * H + 2, 3), // same customer, same hour: summed
        usage("3", a1, 18 * H, 1),
        usage("4", b, 18 * H + 10, 7),
        usage("5", b, 19 * H + 1, 100), // the current hour-ish: 19:00–20:00 is not closed until 20:10
    ];
    store.record_usage(&rows, now).await.expect("store").expect("accepted");
    let meter = FakeMeter::default();
    let report = run_once(&store, &meter, "me", now, quick()).await.expect("run");
    assert_eq!((report.ran, report.frozen, report.sent, report.left_pending), (true, 3, 3, 0));
    let calls = meter.calls.lock().expect("lock").clone();
    let mut sent: Vec<(String, i64, i64)> =
        calls.concat().into_iter().map(|(k, q)| (k.customer, k.usage_hour, q)).collect();
    sent.sort();
    assert_eq!(
        sent,
        vec![
            ("111111111111".into(), 17 * H, 5),
            ("111111111111".into(), 18 * H, 1),
            ("222222222222".into(), 18 * H, 7)
        ]
    );
    // Nothing new: a second run sends nothing.
    let again = run_once(&store, &meter, "me", now + 60, quick()).await.expect("run");
    assert_eq!((again.frozen, again.sent), (0, 0));
    // Late usage for a frozen hour never changes what was sent; the open hour goes out once it closes.
    store.record_usage(&[usage("6", a1, 17 * H + 5, 50)], now + 120).await.expect("store").expect("ok");
    let later = run_once(&store, &meter, "me", 21 * H, quick()).await.expect("run");
    assert_eq!((later.frozen, later.late_events, later.sent), (1, 1, 1));
    let quantity: i64 = sqlx::query_scalar(
        "SELECT quantity FROM metering_records WHERE usage_hour = $1 AND dimension = 'hosts' ORDER BY id LIMIT 1",
    )
    .bind(17 * H)
    .fetch_one(store.pool())
    .await
    .expect("quantity");
    assert_eq!(quantity, 5, "the hour keeps the quantity it was sent with");
}

#[tokio::test]
async fn throttling_and_unprocessed_records_are_retried_and_old_ones_are_flagged() {
    let (store, _dir) = temp_store::<Store>().await;
    let mut rows = Vec::new();
    for i in 0..30 {
        let ws = settled_workspace(&store, &format!("{:012}", 300_000_000_000_i64 + i), &format!("w{i}")).await;
        rows.push(usage(&format!("e{i}"), ws, 10 * H, i + 1));
    }
    let old_ws = settled_workspace(&store, "999999999999", "old").await;
    rows.push(usage("old", old_ws, 3 * H, 1));
    let now = 11 * H + 900;
    store.record_usage(&rows, now).await.expect("store").expect("ok");
    let meter = FakeMeter { failures: Mutex::new(2), unprocessed_once: Mutex::new(true), ..Default::default() };
    let report = run_once(&store, &meter, "me", now, quick()).await.expect("run");
    assert_eq!(report.stale, 1, "3:00 is more than 6 hours before 11:15");
    assert_eq!(report.sent, 30);
    assert_eq!(report.left_pending, 0);
    let calls = meter.calls.lock().expect("lock").clone();
    assert!(calls.iter().all(|c| c.len() <= 25));
    let mut keys: Vec<RecordKey> = calls.concat().into_iter().map(|(k, _)| k).collect();
    let total = keys.len();
    keys.sort_by(|a, b| a.customer.cmp(&b.customer));
    keys.dedup();
    assert_eq!(total, 31, "30 records and one unprocessed resend");
    assert_eq!(keys.len(), 30);
    let states: Vec<(String, i64)> =
        sqlx::query_as("SELECT state, COUNT(*) FROM metering_records GROUP BY state ORDER BY state")
            .fetch_all(store.pool())
            .await
            .expect("states");
    assert_eq!(states, vec![("sent".to_owned(), 30), ("stale".to_owned(), 1)]);
    // Each record's outcome is in the audit log, by the metering job, about its customer.
    let audited: Vec<(String, i64)> = sqlx::query_as(
        "SELECT action, COUNT(*) FROM audit_log WHERE actor = 'job:metering' GROUP BY action ORDER BY action",
    )
    .fetch_all(store.pool())
    .await
    .expect("audit");
    assert_eq!(audited, vec![("metering.sent".to_owned(), 30), ("metering.stale".to_owned(), 1)]);
    let old_customer: i64 =
        sqlx::query_scalar("SELECT id FROM marketplace_customers WHERE aws_account_id = '999999999999'")
            .fetch_one(store.pool())
            .await
            .expect("customer");
    let timeline = store.customer_timeline(old_customer, 10).await.expect("timeline");
    assert_eq!(timeline[0].action, "metering.stale");
    assert!(timeline[0].detail.contains("hosts, hour") && timeline[0].detail.contains("not sent"), "{:?}", timeline[0]);
}

#[tokio::test]
async fn a_batch_still_failing_after_its_attempts_waits_for_the_next_run() {
    let (store, _dir) = temp_store::<Store>().await;
    let ws = settled_workspace(&store, "123456789012", "w").await;
    store.record_usage(&[usage("e", ws, 10 * H, 4)], 11 * H).await.expect("store").expect("ok");
    let meter = FakeMeter { failures: Mutex::new(5), ..Default::default() };
    let first = run_once(&store, &meter, "me", 11 * H + 900, quick()).await.expect("run");
    assert_eq!((first.sent, first.left_pending, first.calls), (0, 1, 5));
    let second = run_once(&store, &meter, "me", 11 * H + 1500, quick()).await.expect("run");
    assert_eq!((second.sent, second.left_pending), (1, 0));
    let attempts: i64 =
        sqlx::query_scalar("SELECT attempts FROM metering_records").fetch_one(store.pool()).await.expect("n");
    assert_eq!(attempts, 2);
    let failed: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM audit_log WHERE action = 'metering.failed'")
        .fetch_one(store.pool())
        .await
        .expect("audit");
    assert_eq!(failed, 1, "the run that gave up on the batch says so once");
}

/// Reports racing a freeze (another instance's job): every reported quantity ends up exactly once — in a
/// record of its hour, or still open, or marked late — never summed twice and never lost.
#[tokio::test]
async fn usage_reported_during_a_freeze_is_counted_exactly_once() {
    let (store, _dir) = temp_store::<std::sync::Arc<Store>>().await;
    let workspace = settled_workspace(&store, "111111111111", "w").await;
    let now = 20 * H;
    let barrier = std::sync::Arc::new(tokio::sync::Barrier::new(9));
    let mut reports = Vec::new();
    for i in 0..8_i64 {
        let (store, barrier) = (store.clone(), barrier.clone());
        reports.push(tokio::spawn(async move {
            barrier.wait().await;
            let rows: Vec<UsageReport> =
                (0..10).map(|j| usage(&format!("{i}-{j}"), workspace, 17 * H + j, 1 + i)).collect();
            store.record_usage(&rows, now).await.expect("store").expect("accepted").accepted
        }));
    }
    let freezer = {
        let (store, barrier) = (store.clone(), barrier.clone());
        tokio::spawn(async move {
            barrier.wait().await;
            store.freeze(now, now, &[]).await.expect("freeze")
        })
    };
    for report in reports {
        assert_eq!(report.await.expect("join"), 10);
    }
    freezer.await.expect("join");
    store.freeze(now, now + 1, &[]).await.expect("second freeze");
    let reported: i64 = (0..8).map(|i| 10 * (1 + i)).sum();
    let metered: i64 = sqlx::query_scalar("SELECT CAST(COALESCE(SUM(quantity), 0) AS BIGINT) FROM metering_records")
        .fetch_one(store.pool())
        .await
        .expect("sum");
    let summed: i64 = sqlx::query_scalar(
        "SELECT CAST(COALESCE(SUM(quantity), 0) AS BIGINT) FROM usage_events WHERE metering_record_id IS NOT NULL",
    )
    .fetch_one(store.pool())
    .await
    .expect("sum");
    let late: i64 =
        sqlx::query_scalar("SELECT CAST(COALESCE(SUM(quantity), 0) AS BIGINT) FROM usage_events WHERE late = 1")
            .fetch_one(store.pool())
            .await
            .expect("sum");
    assert_eq!(metered, summed, "a record carries exactly the events linked to it");
    assert_eq!(summed + late, reported, "every event is in a record or late, once");
}

fn tagged(shares: &[(i64, &str)]) -> Option<Vec<Allocation>> {
    Some(
        shares
            .iter()
            .map(|(quantity, team)| Allocation {
                quantity: *quantity,
                tags: if team.is_empty() { vec![] } else { vec![Tag { key: "team".into(), value: (*team).into() }] },
            })
            .collect(),
    )
}

#[tokio::test]
async fn allocations_are_summed_per_tag_set_into_their_record_and_sent_with_it() {
    let (store, _dir) = temp_store::<Store>().await;
    let a1 = settled_workspace(&store, "111111111111", "a1").await;
    let a2 = settled_workspace(&store, "111111111111", "a2").await;
    let rows = vec![
        UsageReport { allocations: tagged(&[(2, "a"), (3, "b")]), ..usage("1", a1, 17 * H, 5) },
        UsageReport { allocations: tagged(&[(4, "a")]), ..usage("2", a2, 17 * H + 9, 4) },
        usage("3", a1, 17 * H + 60, 7), // no allocations: counted in the untagged share
        usage("4", a1, 18 * H, 1),      // an hour without any: sent without allocations
    ];
    store.record_usage(&rows, 20 * H).await.expect("store").expect("accepted");
    let meter = FakeMeter::default();
    let report = run_once(&store, &meter, "me", 20 * H, quick()).await.expect("run");
    assert_eq!((report.frozen, report.sent), (2, 2));
    let mut sent = meter.sent.lock().expect("lock").clone();
    sent.sort_by_key(|r| r.usage_hour);
    assert_eq!((sent[0].usage_hour, sent[0].quantity), (17 * H, 16));
    assert_eq!(sent[0].allocations, tagged(&[(7, ""), (6, "a"), (3, "b")]).unwrap_or_default());
    assert_eq!(sent[0].allocations.iter().map(|a| a.quantity).sum::<i64>(), sent[0].quantity);
    assert_eq!((sent[1].usage_hour, sent[1].allocations.len()), (18 * H, 0));
}

#[tokio::test]
async fn a_record_with_more_tag_sets_than_aws_takes_is_sent_without_them_and_says_why() {
    let (store, _dir) = temp_store::<Store>().await;
    let ws = settled_workspace(&store, "111111111111", "w").await;
    let teams: Vec<String> = (0..2500).map(|i| format!("t{i}")).collect();
    let shares: Vec<(i64, &str)> = teams.iter().map(|t| (1, t.as_str())).collect();
    let rows = vec![
        UsageReport { allocations: tagged(&shares), ..usage("1", ws, 17 * H, 2500) },
        UsageReport { allocations: tagged(&[(1, "another")]), ..usage("2", ws, 17 * H, 1) },
    ];
    store.record_usage(&rows, 20 * H).await.expect("store").expect("accepted");
    let meter = FakeMeter::default();
    run_once(&store, &meter, "me", 20 * H, quick()).await.expect("run");
    let sent = meter.sent.lock().expect("lock").clone();
    assert_eq!((sent.len(), sent[0].quantity, sent[0].allocations.len()), (1, 2501, 0));
    let error: Option<String> =
        sqlx::query_scalar("SELECT last_error FROM metering_records").fetch_one(store.pool()).await.expect("row");
    assert_eq!(error.as_deref(), Some("allocations not sent: 2501 tag sets, AWS takes at most 2500"));
}

#[tokio::test]
async fn usage_of_a_deprovisioned_license_is_taken_for_one_hour_after_its_end() {
    let (store, _dir) = temp_store::<Store>().await;
    let ws = settled_workspace(&store, "111111111111", "ended").await;
    let other = settled_workspace(&store, "222222222222", "active").await;
    // Deprovisioned at 10:30: hours starting before 11:30 are still AWS's to take.
    sqlx::query(
        "UPDATE marketplace_customers SET subscription_state = 'cancelled', subscription_changed_at = $1
          WHERE aws_account_id = '111111111111'",
    )
    .bind(10 * H + 1800)
    .execute(store.pool())
    .await
    .expect("cancel");
    let within = vec![usage("a", ws, 10 * H + 5, 1), usage("b", ws, 11 * H + 3599, 2), usage("c", other, 12 * H, 3)];
    assert_eq!(
        store.record_usage(&within, 20 * H).await.expect("store"),
        Ok(UsageAccepted { accepted: 3, repeated: 0 })
    );
    let after = vec![usage("d", other, 13 * H, 1), usage("e", ws, 12 * H, 1)];
    assert_eq!(
        store.record_usage(&after, 20 * H).await.expect("store"),
        Err(UsageRefusal::AfterFinalWindow { row: 1, hour: 12 * H, deprovisioned_at: 10 * H + 1800 })
    );
    assert_eq!(count(&store, "usage_events").await, 3, "nothing of a refused report is stored");
    // Locked later: the same window, counted from the deprovisioning.
    sqlx::query("UPDATE marketplace_customers SET subscription_state = 'locked' WHERE aws_account_id = '111111111111'")
        .execute(store.pool())
        .await
        .expect("lock");
    assert!(store.record_usage(&[usage("f", ws, 14 * H, 1)], 20 * H).await.expect("store").is_err());
    assert!(store.record_usage(&[usage("g", ws, 11 * H, 1)], 20 * H).await.expect("store").is_ok());
    let message = UsageRefusal::AfterFinalWindow { row: 1, hour: 12 * H, deprovisioned_at: 10 * H + 1800 }.to_string();
    assert!(message.starts_with("row 1: the subscription ended") && message.contains("one hour"), "{message}");
}

async fn set_customer(store: &Store, account: &str, assignment: &str) {
    sqlx::query(&format!("UPDATE marketplace_customers SET {assignment} WHERE aws_account_id = $1"))
        .bind(account)
        .execute(store.pool())
        .await
        .expect("customer");
}

#[tokio::test]
async fn heartbeats_fill_subscribed_customers_quiet_hours_once_from_the_first_run_on() {
    let (store, _dir) = temp_store::<Store>().await;
    let busy = settled_workspace(&store, "111111111111", "busy").await;
    let quiet = settled_workspace(&store, "222222222222", "quiet").await;
    for account in ["333333333333", "444444444444", "555555555555", "666666666666", "777777777777", "888888888888"] {
        new_session(&store, account).await;
    }
    set_customer(&store, "333333333333", "subscription_state = 'cancellation_pending'").await; // still subscribed
    set_customer(&store, "444444444444", "subscription_state = 'payment_failed'").await;
    set_customer(&store, "555555555555", "subscription_state = 'cancelled'").await;
    set_customer(&store, "666666666666", "subscription_state = 'locked'").await;
    set_customer(&store, "777777777777", "license_arn = NULL").await; // a legacy customer without a license
    set_customer(&store, "888888888888", &format!("created_at = {}", 11 * H + 1)).await; // registered at 11:00:01
    let meter = FakeMeter::default();
    let hosts = vec!["hosts".to_owned()];
    // The first run (10:20) fixes the first hour of heartbeats: 10:00, not closed yet; nothing older.
    let first = run_with_heartbeats(&store, &meter, "me", 10 * H + 1200, quick(), &hosts).await.expect("run");
    assert_eq!((first.heartbeats, first.sent), (0, 0));
    let rows = vec![
        usage("1", busy, 11 * H, 3),
        UsageReport { dimension: "log_gb".into(), ..usage("2", quiet, 11 * H, 4) }, // not a heartbeat dimension
    ];
    store.record_usage(&rows, 12 * H).await.expect("store").expect("accepted");
    let run = run_with_heartbeats(&store, &meter, "me", 13 * H + 600, quick(), &hosts).await.expect("run");
    // busy: 10 and 12 (11 has usage); quiet and pending: 10, 11, 12; the late registrant: 12.
    assert_eq!((run.frozen, run.heartbeats, run.sent), (2, 9, 11));
    let mut beats: Vec<(String, i64)> = meter
        .sent
        .lock()
        .expect("lock")
        .iter()
        .filter(|r| r.quantity == 0)
        .map(|r| {
            assert_eq!(r.dimension, "hosts");
            (r.aws_account_id.clone(), r.usage_hour / H)
        })
        .collect();
    beats.sort();
    let expected: Vec<(String, i64)> = [
        ("111111111111", 10),
        ("111111111111", 12),
        ("222222222222", 10),
        ("222222222222", 11),
        ("222222222222", 12),
        ("333333333333", 10),
        ("333333333333", 11),
        ("333333333333", 12),
        ("888888888888", 12),
    ]
    .iter()
    .map(|(a, h)| ((*a).to_owned(), *h))
    .collect();
    assert_eq!(beats, expected);
    // Never twice for an hour; the next closed hour gets its own.
    let again = run_with_heartbeats(&store, &meter, "me", 13 * H + 700, quick(), &hosts).await.expect("run");
    assert_eq!((again.heartbeats, again.sent), (0, 0));
    let next = run_with_heartbeats(&store, &meter, "me", 14 * H + 600, quick(), &hosts).await.expect("run");
    assert_eq!(next.heartbeats, 4);
    // Off (no dimensions): none.
    let off = run_with_heartbeats(&store, &meter, "me", 15 * H + 600, quick(), &[]).await.expect("run");
    assert_eq!(off.heartbeats, 0);
}

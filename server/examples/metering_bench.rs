//! Benchmark (prints figures, asserts nothing): how long the metering job takes for 100,000 usage rows.
//! A dev portal with its simulator on loopback; 500 AWS customers (through fulfillment), one workspace each;
//! 100,000 rows over 4 closed hours and the 5 dimensions, reported through `POST /internal/usage`; then one job
//! run through the real SDK. Run: `cargo run --release -p server --example metering_bench` (`make bench`).

use leptos::prelude::LeptosOptions;
use serde_json::{json, Value};
use server::aws::{AwsSettings, Marketplace};
use server::config::{simulator_url, Config, DEV_INTERNAL_TOKEN};
use server::metering::{run_once, Backoff, BatchAnswer, Meter, MeterError, PendingRecord};
use server::store::SqliteStore;
use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

const CUSTOMERS: usize = 500;
const ROWS: usize = 100_000;
const HOURS: i64 = 4;

/// Times the calls to AWS, to tell the job's own work from the round trips.
struct Timed {
    inner: Marketplace,
    nanos: AtomicU64,
}

#[async_trait::async_trait]
impl Meter for Timed {
    async fn batch_meter_usage(
        &self,
        product: Option<&str>,
        records: &[PendingRecord],
    ) -> Result<BatchAnswer, MeterError> {
        let start = Instant::now();
        let answer = self.inner.batch_meter_usage(product, records).await;
        self.nanos.fetch_add(start.elapsed().as_nanos() as u64, Ordering::Relaxed);
        answer
    }
}

/// Customer `i` arrives through the fulfillment POST; a billing account of its own with one workspace is billed
/// to it. Returns the workspace id.
async fn customer_with_a_workspace(
    http: &reqwest::Client,
    base: &str,
    store: &SqliteStore,
    i: usize,
) -> Result<i64, Box<dyn std::error::Error>> {
    let account = format!("{:012}", 500_000_000_000_u64 + i as u64);
    let minted: Value = http
        .post(format!("{base}/_sim/aws/tokens"))
        .json(&json!({ "aws_account_id": account }))
        .send()
        .await?
        .json()
        .await?;
    let token = minted["token"].as_str().ok_or("no token")?;
    http.post(format!("{base}/marketplace/aws")).form(&[("x-amzn-marketplace-token", token)]).send().await?;
    let pool = store.pool();
    let user: i64 = sqlx::query_scalar(
        "INSERT INTO guance_accounts (username, username_key, email, password_hash, created_at)
         VALUES ($1, $1, 'a@example.com', 'x', 0) RETURNING id",
    )
    .bind(format!("u{i}"))
    .fetch_one(pool)
    .await?;
    let billing: i64 = sqlx::query_scalar(
        "INSERT INTO billing_accounts (username, username_key, email, owner_account_id, created_at)
         VALUES ($1, $1, 'a@example.com', $2, 0) RETURNING id",
    )
    .bind(format!("u{i}"))
    .bind(user)
    .fetch_one(pool)
    .await?;
    let workspace: i64 = sqlx::query_scalar(
        "INSERT INTO workspaces (billing_account_id, owner_account_id, name, name_key, site, language, created_at)
         VALUES ($1, $2, 'w', 'w', 'us1', 'en', 0) RETURNING id",
    )
    .bind(billing)
    .bind(user)
    .fetch_one(pool)
    .await?;
    sqlx::query(
        "INSERT INTO workspace_settlements (workspace_id, customer_id, linked_at)
         SELECT $1, id, 0 FROM marketplace_customers WHERE aws_account_id = $2",
    )
    .bind(workspace)
    .bind(&account)
    .execute(pool)
    .await?;
    Ok(workspace)
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    std::env::set_var("AWS_EC2_METADATA_DISABLED", "true");
    let dir = tempfile::tempdir()?;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let addr = listener.local_addr()?;
    let env: HashMap<&str, String> = HashMap::from([
        ("PORTAL_ENV", "dev".to_owned()),
        ("LEPTOS_SITE_ADDR", addr.to_string()),
        ("DATABASE_URL", format!("sqlite://{}/bench.db?mode=rwc", dir.path().display())),
    ]);
    let config = Config::from_lookup(|k| env.get(k).cloned())?;
    let store = SqliteStore::connect(&config.database_url).await?;
    let options = LeptosOptions::builder().output_name("portal").site_root(dir.path().display().to_string()).build();
    let app = server::router(&config, options, Arc::new(store.clone())).await?;
    tokio::spawn(async move { axum::serve(listener, app).await });
    let base = format!("http://{addr}");
    let http = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build()?;

    let setup = Instant::now();
    let mut workspaces = Vec::with_capacity(CUSTOMERS);
    for i in 0..CUSTOMERS {
        workspaces.push(customer_with_a_workspace(&http, &base, &store, i).await?);
    }
    let setup = setup.elapsed();

    let now = app::ssr::ports::now();
    let closed_before = now - server::metering::CLOSE_AFTER_SECS;
    let newest = closed_before - closed_before.rem_euclid(3600) - 3600;
    let ingest = Instant::now();
    let dims = server::metering::DIMENSIONS;
    for chunk_start in (0..ROWS).step_by(5000) {
        let records: Vec<Value> = (chunk_start..chunk_start + 5000)
            .map(|i| {
                json!({
                    "event_id": format!("bench-{i}"),
                    "workspace_id": workspaces[i % CUSTOMERS],
                    "dimension": dims[(i / CUSTOMERS) % dims.len()],
                    "hour": newest - ((i / (CUSTOMERS * dims.len())) as i64 % HOURS) * 3600,
                    "quantity": (i % 9 + 1),
                })
            })
            .collect();
        let res = http
            .post(format!("{base}/internal/usage"))
            .bearer_auth(DEV_INTERNAL_TOKEN)
            .json(&json!({ "records": records }))
            .send()
            .await?;
        if !res.status().is_success() {
            return Err(format!("usage refused: {}", res.text().await?).into());
        }
    }
    let ingest = ingest.elapsed();

    let meter = Timed {
        inner: Marketplace::new(&AwsSettings {
            region: "us-east-1".into(),
            endpoint: Some(simulator_url(addr)),
            static_credentials: true,
        })
        .await,
        nanos: AtomicU64::new(0),
    };
    let job = Instant::now();
    let report = run_once(&store, &meter, "bench", now, Backoff::default()).await?;
    let job = job.elapsed();
    let aws = Duration::from_nanos(meter.nanos.load(Ordering::Relaxed));
    println!("Metering job (release build, SQLite, simulator on loopback through the SDK)");
    println!("setup: {CUSTOMERS} customers via fulfillment + workspaces   {:>8.2} s", setup.as_secs_f64());
    println!("ingest: {ROWS} usage rows via POST /internal/usage (20 × 5000) {:>8.2} s", ingest.as_secs_f64());
    println!(
        "job: {} records frozen, {} sent in {} BatchMeterUsage calls      {:>8.2} s",
        report.frozen,
        report.sent,
        report.calls,
        job.as_secs_f64()
    );
    println!("  of which waiting for AWS (simulator round trips)              {:>8.2} s", aws.as_secs_f64());
    println!("  the job's own work                                            {:>8.2} s", (job - aws).as_secs_f64());
    Ok(())
}

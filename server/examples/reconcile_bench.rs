//! Benchmark (prints figures, asserts nothing): how long the reconciliation with AWS's agreements takes for
//! 10,000 licenses. The simulator alone on loopback (its Agreement API in RPCv2-CBOR through the real SDK);
//! 10,000 customers with a license each in SQLite, 1 % of whose agreements AWS ended without an event; then one
//! run that heals them and one that finds nothing to change. Run:
//! `cargo run --release -p server --example reconcile_bench` (`make bench`).

use app::domain::{AwsAccountId, ProductCode};
use server::aws::{AwsSettings, Marketplace};
use server::config::simulator_url;
use server::reconcile::{run_once, Backoff};
use server::simulator::Simulator;
use server::store::SqliteStore;
use std::time::Instant;

const LICENSES: usize = 10_000;
const LOST_CANCELLATIONS: usize = 100;

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    std::env::set_var("AWS_EC2_METADATA_DISABLED", "true");
    let dir = tempfile::tempdir()?;
    let product = ProductCode::parse("guance-dev")?;
    let sim = Simulator::new(product.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let addr = listener.local_addr()?;
    let routes = server::simulator::routes(sim.clone());
    tokio::spawn(async move { axum::serve(listener, routes).await });
    let store = SqliteStore::connect(&format!("sqlite://{}/bench.db?mode=rwc", dir.path().display())).await?;

    let setup = Instant::now();
    let mut tx = store.pool().begin().await?;
    for i in 0..LICENSES {
        let account = AwsAccountId::parse(&format!("{:012}", 600_000_000_000_u64 + i as u64))?;
        let license = sim.license_of(&account, &product);
        sqlx::query(
            "INSERT INTO marketplace_customers (aws_account_id, product_code, license_arn, license_id, created_at, updated_at)
             VALUES ($1, $2, $3, $4, 0, 0)",
        )
        .bind(account.as_str())
        .bind(product.as_str())
        .bind(&license)
        .bind(server::lifecycle::license_id(&license))
        .execute(&mut *tx)
        .await?;
        if i % (LICENSES / LOST_CANCELLATIONS) == 0 {
            sim.set_agreement_status(&account, &product, "CANCELLED");
        }
    }
    tx.commit().await?;
    let setup = setup.elapsed();

    let aws = Marketplace::new(&AwsSettings {
        region: "us-east-1".into(),
        endpoint: Some(simulator_url(addr)),
        static_credentials: true,
    })
    .await;
    let now = app::ssr::ports::now();
    let first = Instant::now();
    let healed = run_once(&store, &aws, product.as_str(), "bench", now, Backoff::default()).await?;
    let first = first.elapsed();
    let second = Instant::now();
    let unchanged = run_once(&store, &aws, product.as_str(), "bench", now + 1, Backoff::default()).await?;
    let second = second.elapsed();
    let build = if cfg!(debug_assertions) { "debug" } else { "release" };
    println!("Reconciliation with AWS's agreements ({build} build, SQLite, simulator on loopback through the SDK)");
    println!(
        "setup: {LICENSES} licenses, {LOST_CANCELLATIONS} agreements ended without an event {:>8.2} s",
        setup.as_secs_f64()
    );
    println!(
        "reconciliation: {} licenses in {:.2} s ({} agreements, {} AWS calls, {} healed, {} unchanged)",
        healed.licenses,
        first.as_secs_f64(),
        healed.agreements,
        healed.calls,
        healed.healed,
        healed.unchanged
    );
    println!(
        "reconciliation again: {} licenses in {:.2} s ({} AWS calls, {} healed, {} unchanged)",
        unchanged.licenses,
        second.as_secs_f64(),
        unchanged.calls,
        unchanged.healed,
        unchanged.unchanged
    );
    Ok(())
}

//! Benchmark (prints figures, asserts nothing): how many webhook deliveries per second one instance sends to a
//! receiver on this machine. 5,000 queued deliveries in SQLite, a receiver on loopback answering 204, the
//! portal's own worker pass (`Webhooks::deliver_due`: claim under a lease, sign, send 16 at a time, record each
//! outcome with its audit entry) until the queue is empty. Run:
//! `cargo run --release -p server --example webhooks_bench` (`make bench`).

use server::store::SqliteStore;
use server::webhooks::{WebhookStore, Webhooks};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Instant;

const DELIVERIES: usize = 5_000;

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let received = Arc::new(AtomicUsize::new(0));
    let counter = received.clone();
    let receiver = axum::Router::new().route(
        "/hook",
        axum::routing::post(move |_body: String| {
            let counter = counter.clone();
            async move {
                counter.fetch_add(1, Ordering::Relaxed);
                axum::http::StatusCode::NO_CONTENT
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let url = format!("http://{}/hook", listener.local_addr()?);
    tokio::spawn(async move { axum::serve(listener, receiver).await });

    let dir = tempfile::tempdir()?;
    let store = SqliteStore::connect(&format!("sqlite://{}/bench.db?mode=rwc", dir.path().display())).await?;
    let now = app::ssr::ports::now();
    sqlx::query(
        "INSERT INTO webhook_endpoints (id, url, event_types, secret, created_at, created_by)
         VALUES (1, $1, 'metering.refused', $2, $3, 'bench')",
    )
    .bind(&url)
    .bind(server::webhooks::new_secret())
    .bind(now)
    .execute(store.pool())
    .await?;
    let mut tx = store.pool().begin().await?;
    for i in 0..DELIVERIES {
        let event = server::webhooks::new_event_id();
        let body = serde_json::json!({
            "id": event, "type": "metering.refused", "created_at": now,
            "data": { "customer_id": i, "aws_account_id": format!("{:012}", 600_000_000_000_u64 + i as u64),
                      "detail": "record 1: hosts, hour 0, quantity 3: AWS refused it: CustomerNotSubscribed" }
        });
        sqlx::query(
            "INSERT INTO webhook_deliveries (endpoint_id, event_id, event_type, body, created_at, window_start, next_attempt_at)
             VALUES (1, $1, 'metering.refused', $2, $3, $3, $3)",
        )
        .bind(&event)
        .bind(body.to_string())
        .bind(now)
        .execute(&mut *tx)
        .await?;
    }
    tx.commit().await?;

    let webhooks = Webhooks::new(Arc::new(store.clone()) as Arc<dyn WebhookStore>)?;
    let start = Instant::now();
    let mut attempts = 0;
    loop {
        let sent = webhooks.deliver_due(app::ssr::ports::now()).await?;
        if sent == 0 {
            break;
        }
        attempts += sent;
    }
    let elapsed = start.elapsed();
    let delivered: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM webhook_deliveries WHERE state = 'delivered'")
        .fetch_one(store.pool())
        .await?;
    println!(
        "webhooks: {DELIVERIES} deliveries to a local receiver in {:.2} s = {:.0} deliveries/s \
         (attempts {attempts}, delivered {delivered}, received {}; SQLite, one instance, {} in flight)",
        elapsed.as_secs_f64(),
        DELIVERIES as f64 / elapsed.as_secs_f64(),
        received.load(Ordering::Relaxed),
        server::webhooks::CONCURRENCY,
    );
    Ok(())
}

//! Benchmark (prints figures, asserts nothing): the wizard's Activate on each backend — the one transaction
//! that creates the Guance account, billing account, workspace and its settlement (`Accounts::activate_register`,
//! what `POST /api/register_activate` commits; the argon2 hash was made at step 1). 1,000 activation sessions of
//! 1,000 AWS accounts, activated by 16 concurrent tasks, on SQLite (a file) and on PostgreSQL (a throwaway
//! local cluster, as the tests start one). Run: `cargo run --release -p server --example activate_bench`
//! (`make bench`).

use app::domain::{AwsAccountId, CompanyName, Email, ProductCode, Site, Username, WorkspaceLanguage, WorkspaceName};
use app::ssr::ports::{Accounts, ActivationStore, NewAccount, NewWorkspace, ResolvedCustomer};
use app::ssr::session::{SessionId, SessionKey};
use std::sync::Arc;
use std::time::{Duration, Instant};

const SESSIONS: usize = 1_000;
const CONCURRENCY: usize = 16;

trait Bench: Accounts + ActivationStore + Send + Sync + 'static {}
impl<T: Accounts + ActivationStore + Send + Sync + 'static> Bench for T {}

async fn run(name: &str, store: Arc<dyn Bench>) -> Result<f64, Box<dyn std::error::Error>> {
    let mut sessions: Vec<(SessionKey, usize)> = Vec::with_capacity(SESSIONS);
    for i in 0..SESSIONS {
        let account = format!("{:012}", 100_000_000_000u64 + i as u64);
        let customer = ResolvedCustomer {
            aws_account_id: AwsAccountId::parse(&account)?,
            product_code: ProductCode::parse("guance-dev")?,
            customer_identifier: None,
            license_arn: Some(format!("arn:aws:license-manager::{account}:license:l-{i:08x}")),
        };
        let key = SessionId::generate().key();
        store.record_fulfillment(&customer, &key, 0).await?;
        sessions.push((key, i));
    }
    let queue = Arc::new(std::sync::Mutex::new(sessions));
    let started = Instant::now();
    let mut tasks = Vec::new();
    for _ in 0..CONCURRENCY {
        let (store, queue) = (store.clone(), queue.clone());
        tasks.push(tokio::spawn(async move {
            let mut latencies = Vec::new();
            loop {
                let next = queue.lock().map(|mut q| q.pop()).unwrap_or(None);
                let Some((key, i)) = next else { break };
                let account = NewAccount {
                    username: Username::parse(&format!("buyer{i}")).expect("username"),
                    email: Email::parse(&format!("buyer{i}@example.com")).expect("email"),
                    phone: None,
                    password_hash: "$argon2id$v=19$m=19456,t=2,p=1$c2FsdA$aGFzaA".into(),
                    company_name: CompanyName::parse("Example Ltd").expect("company"),
                    industry: None,
                    company_size: None,
                };
                let workspace = NewWorkspace {
                    name: WorkspaceName::parse("Production").expect("name"),
                    site: Site::Us1,
                    language: WorkspaceLanguage::English,
                };
                let one = Instant::now();
                let outcome = store.activate_register(&key, &account, &workspace, 10).await;
                latencies.push(one.elapsed());
                assert!(matches!(outcome, Ok(Ok(_))), "activation {i}: {outcome:?}");
            }
            latencies
        }));
    }
    let mut latencies: Vec<Duration> = Vec::new();
    for task in tasks {
        latencies.extend(task.await?);
    }
    let elapsed = started.elapsed();
    latencies.sort();
    let rate = SESSIONS as f64 / elapsed.as_secs_f64();
    let pct = |p: f64| latencies[((latencies.len() as f64 * p) as usize).min(latencies.len() - 1)];
    println!(
        "{name:<10} {SESSIONS} activations, {CONCURRENCY} concurrent: {:.2} s → {rate:.0} activations/s \
         (p50 {:.1} ms, p99 {:.1} ms)",
        elapsed.as_secs_f64(),
        pct(0.5).as_secs_f64() * 1e3,
        pct(0.99).as_secs_f64() * 1e3
    );
    Ok(rate)
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let dir = tempfile::tempdir()?;
    let sqlite =
        server::store::SqliteStore::connect(&format!("sqlite://{}/bench.db?mode=rwc", dir.path().display())).await?;
    let on_sqlite = run("SQLite", Arc::new(sqlite)).await?;
    let url = server::throwaway_pg::fresh_database().await?;
    let postgres = server::store::PgStore::connect(&url).await?;
    let on_postgres = run("PostgreSQL", Arc::new(postgres)).await?;
    println!("PostgreSQL / SQLite: {:.2}×", on_postgres / on_sqlite);
    Ok(())
}

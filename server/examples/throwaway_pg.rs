//! For `scripts/bench.sh`: starts a throwaway PostgreSQL cluster (as the tests do: `initdb` in a temporary
//! folder, a free loopback port), prints one fresh database's URL on stdout, then waits to be killed; the
//! cluster's watchdog stops and removes it once this process is gone.

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), String> {
    let url = server::throwaway_pg::fresh_database().await?;
    println!("{url}");
    std::future::pending::<()>().await;
    Ok(())
}

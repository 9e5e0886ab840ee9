//! A throwaway PostgreSQL for tests and benchmarks: `PORTAL_TEST_POSTGRES` (an admin URL) when set, else a
//! cluster this process starts once — `initdb` in a temporary folder, a free loopback port, run as the
//! `postgres` user when we are root — and a watchdog stops and removes when the process ends. Each caller
//! gets a fresh database in it.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::OnceLock;

static CLUSTER: OnceLock<Result<String, String>> = OnceLock::new();
static NEXT: AtomicU32 = AtomicU32::new(0);

/// The admin URL of this process's PostgreSQL (started on first use).
pub fn admin_url() -> Result<String, String> {
    CLUSTER.get_or_init(|| std::env::var("PORTAL_TEST_POSTGRES").or_else(|_| start())).clone()
}

/// A new, empty database; its URL.
pub async fn fresh_database() -> Result<String, String> {
    let admin = tokio::task::spawn_blocking(admin_url).await.map_err(|e| e.to_string())??;
    let name = format!("portal_{}_{}", std::process::id(), NEXT.fetch_add(1, Ordering::Relaxed));
    let mut conn = <sqlx::PgConnection as sqlx::Connection>::connect(&admin).await.map_err(|e| e.to_string())?;
    sqlx::query(&format!("CREATE DATABASE {name}")).execute(&mut conn).await.map_err(|e| e.to_string())?;
    let base = admin.rsplit_once('/').map_or(admin.as_str(), |(base, _)| base);
    Ok(format!("{base}/{name}"))
}

/// Where the PostgreSQL programs are: on `PATH`, else Debian's newest `/usr/lib/postgresql/N/bin`.
fn bin(program: &str) -> PathBuf {
    let on_path = Command::new("sh")
        .args(["-c", &format!("command -v {program}")])
        .output()
        .ok()
        .filter(|o| o.status.success())
        .map(|o| PathBuf::from(String::from_utf8_lossy(&o.stdout).trim()));
    if let Some(found) = on_path {
        return found;
    }
    let mut versions: Vec<PathBuf> = std::fs::read_dir("/usr/lib/postgresql")
        .map(|dir| dir.filter_map(|e| e.ok().map(|e| e.path().join("bin"))).collect())
        .unwrap_or_default();
    versions.sort();
    versions.pop().map_or_else(|| PathBuf::from(program), |dir| dir.join(program))
}

fn is_root() -> bool {
    Command::new("id").arg("-u").output().is_ok_and(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
}

/// `program args…`, as the `postgres` user when we are root (PostgreSQL refuses to run as root).
fn run_as_postgres(program: &Path, args: &[&str]) -> Result<(), String> {
    let mut command = if is_root() {
        let mut c = Command::new("runuser");
        c.args(["-u", "postgres", "--"]).arg(program);
        c
    } else {
        Command::new(program)
    };
    let out = command.args(args).stdin(Stdio::null()).output().map_err(|e| format!("{}: {e}", program.display()))?;
    if out.status.success() {
        Ok(())
    } else {
        Err(format!("{} failed: {}", program.display(), String::from_utf8_lossy(&out.stderr)))
    }
}

fn start() -> Result<String, String> {
    let dir = std::env::temp_dir().join(format!("portal-pg-{}-{:016x}", std::process::id(), rand::random::<u64>()));
    std::fs::create_dir_all(&dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    let data = dir.join("data");
    let dir_text = dir.display().to_string();
    if is_root() {
        let status = Command::new("chown").args(["-R", "postgres:postgres", &dir_text]).status();
        if !status.is_ok_and(|s| s.success()) {
            return Err(format!("chown {dir_text} to postgres failed"));
        }
    }
    let data_text = data.display().to_string();
    run_as_postgres(&bin("initdb"), &["-D", &data_text, "-U", "postgres", "--auth=trust", "-E", "UTF8", "--no-sync"])?;
    let port =
        std::net::TcpListener::bind("127.0.0.1:0").and_then(|l| l.local_addr()).map_err(|e| e.to_string())?.port();
    let options = format!(
        "-p {port} -k {dir_text} -c listen_addresses=127.0.0.1 -c max_connections=400 -c fsync=off \
         -c synchronous_commit=off -c full_page_writes=off"
    );
    let log = dir.join("postgres.log").display().to_string();
    let pg_ctl = bin("pg_ctl");
    run_as_postgres(&pg_ctl, &["-D", &data_text, "-o", &options, "-l", &log, "-w", "start"])?;
    // The watchdog: when this process is gone, stop the cluster and remove its folder.
    let stop = if is_root() {
        format!("runuser -u postgres -- {} -D {data_text} -m immediate stop", pg_ctl.display())
    } else {
        format!("{} -D {data_text} -m immediate stop", pg_ctl.display())
    };
    let watchdog = format!(
        "while kill -0 {pid} 2>/dev/null; do sleep 1; done; {stop} >/dev/null 2>&1; rm -rf {dir_text}",
        pid = std::process::id()
    );
    Command::new("setsid")
        .args(["sh", "-c", &watchdog])
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .map_err(|e| format!("watchdog: {e}"))?;
    Ok(format!("postgres://postgres@127.0.0.1:{port}/postgres"))
}

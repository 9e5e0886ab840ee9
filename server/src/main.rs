use leptos::prelude::get_configuration;
use server::config::Config;
use tracing_subscriber::EnvFilter;

/// glibc serves a large allocation with mmap and, after the first large free, raises its threshold so the
/// next ones come from the heap — which it keeps. Each argon2 hash needs 19 MiB: under a login flood the
/// process grew from 30 to 340 MB and stayed there (measured with `make bench`). A fixed threshold keeps
/// every such buffer on mmap, given back to the system when freed.
#[cfg(all(target_os = "linux", target_env = "gnu"))]
fn return_large_buffers_to_the_system() {
    // SAFETY: mallopt only sets an allocator parameter; it is called before any other thread exists.
    unsafe {
        libc::mallopt(libc::M_MMAP_THRESHOLD, 1024 * 1024);
    }
}

fn main() -> std::process::ExitCode {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    return_large_buffers_to_the_system();
    match tokio::runtime::Builder::new_multi_thread().enable_all().build() {
        Ok(runtime) => runtime.block_on(serve_main()),
        Err(e) => {
            eprintln!("portal: cannot start the runtime: {e}");
            std::process::ExitCode::FAILURE
        }
    }
}

async fn serve_main() -> std::process::ExitCode {
    // `server operator add NAME`: an operator command, not a start.
    let args: Vec<String> = std::env::args().skip(1).collect();
    if let Some(outcome) = operator_command(&args).await {
        return match outcome {
            Ok(said) => {
                println!("{said}");
                std::process::ExitCode::SUCCESS
            }
            Err(message) => {
                eprintln!("portal: {message}");
                std::process::ExitCode::FAILURE
            }
        };
    }
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info,sqlx=warn"));
    match server::observability::LogFormat::parse(std::env::var("PORTAL_LOG_FORMAT").ok().as_deref()) {
        Ok(server::observability::LogFormat::Json) => tracing_subscriber::fmt().json().with_env_filter(filter).init(),
        Ok(server::observability::LogFormat::Text) => tracing_subscriber::fmt().with_env_filter(filter).init(),
        Err(message) => {
            eprintln!("portal: {message}");
            return std::process::ExitCode::FAILURE;
        }
    }
    match run().await {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(message) => {
            tracing::error!("{message}");
            eprintln!("portal: {message}");
            std::process::ExitCode::FAILURE
        }
    }
}

async fn run() -> Result<(), String> {
    let config = Config::from_env().map_err(|e| e.to_string())?;
    let mut leptos_options = get_configuration(None).map_err(|e| format!("Leptos configuration: {e}"))?.leptos_options;
    leptos_options.site_addr = config.site_addr;
    server::assets::hashed_build(&mut leptos_options);
    let app = server::build(&config, leptos_options).await.map_err(|e| e.to_string())?;
    let listener = tokio::net::TcpListener::bind(config.site_addr)
        .await
        .map_err(|e| format!("cannot listen on {}: {e}", config.site_addr))?;
    tracing::info!(mode = ?config.mode, addr = %config.site_addr, "portal listening on http://{}", config.site_addr);
    // The client's address (one of the keys login throttling counts failures by) is in each request's
    // ConnectInfo; headers must arrive in time and connections are capped (see `server::net`).
    server::net::serve(listener, app, server::net::Limits::default(), shutdown()).await;
    Ok(())
}

async fn shutdown() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        if let Ok(mut sig) = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            sig.recv().await;
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = terminate => {},
    }
}

/// `server operator …`: the arguments after the binary's name. `Some` when they ask for an operator command
/// (its outcome, to print), `None` for the ordinary start.
async fn operator_command(args: &[String]) -> Option<Result<String, String>> {
    match args {
        [first, ..] if first != "operator" => None,
        [] => None,
        [_, add, name] if add == "add" => Some(add_from_terminal_or_stdin(name).await),
        _ => Some(Err("usage: server operator add NAME (the password on standard input, or asked for)".to_owned())),
    }
}

async fn add_from_terminal_or_stdin(name: &str) -> Result<String, String> {
    use std::io::IsTerminal;
    let password = if std::io::stdin().is_terminal() {
        let first = rpassword::prompt_password(format!("Password for operator {name}: ")).map_err(|e| e.to_string())?;
        let again = rpassword::prompt_password("The same password again: ").map_err(|e| e.to_string())?;
        if first != again {
            return Err("the passwords do not match".to_owned());
        }
        first
    } else {
        let mut line = String::new();
        std::io::BufRead::read_line(&mut std::io::stdin().lock(), &mut line)
            .map_err(|e| format!("cannot read the password: {e}"))?;
        line.trim_end_matches(['\r', '\n']).to_owned()
    };
    let url = std::env::var("DATABASE_URL").unwrap_or_else(|_| server::config::DEFAULT_DATABASE_URL.to_owned());
    let store = server::store::connect(&url).await.map_err(|e| e.to_string())?;
    server::operators::add(store.as_ref(), name, &password, app::ssr::ports::now()).await
}

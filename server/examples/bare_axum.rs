//! The baseline of `make bench` (prints nothing, asserts nothing): bare axum on the same runtime serving the
//! bytes of a file for every request, so the portal's `/activate` (SSR, a session read, the layers) can be set
//! beside the cheapest answer of the same size. Run: `cargo run --release -p server --example bare_axum --
//! ADDR FILE`.

use axum::http::header;
use axum::Router;

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let (Some(addr), Some(file)) = (args.next(), args.next()) else {
        return Err("usage: bare_axum ADDR FILE".into());
    };
    let body: &'static [u8] = std::fs::read(file)?.leak();
    let app =
        Router::new().fallback(move || async move { ([(header::CONTENT_TYPE, "text/html; charset=utf-8")], body) });
    let listener = tokio::net::TcpListener::bind(&addr).await?;
    axum::serve(listener, app).await?;
    Ok(())
}

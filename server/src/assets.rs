//! The browser's assets under `/pkg`: cargo-leptos names them with a hash of their content (`hash-files`) and
//! writes `.br` and `.gz` beside each (`--precompress`, `make release`), so they are served precompressed to a
//! client that accepts it and cached for a year (`immutable`: a new build is a new name). Pages and
//! server-function answers keep their own rule (`no-store`, `server::net`) and are compressed on the fly.

use axum::http::{header, HeaderValue, StatusCode};
use axum::middleware::Next;
use axum::Router;
use leptos::prelude::LeptosOptions;
use std::sync::OnceLock;
use tower_http::services::ServeDir;

/// A year, and never revalidated: the name changes with the content.
pub const IMMUTABLE: &str = "public, max-age=31536000, immutable";

/// Set once at start by [`init`] (a process serves one portal; tests that build several routers share it).
static STYLESHEET: OnceLock<String> = OnceLock::new();

/// The stylesheet's address (`/pkg/portal.<hash>.css`), for pages rendered outside Leptos (`server::html`).
pub fn stylesheet_href() -> &'static str {
    STYLESHEET.get().map_or("/pkg/portal.css", String::as_str)
}

/// Whether this binary's assets carry hashes in their names: cargo-leptos says so when it builds the server
/// (`hash-files = true`), so a release needs no setting for it; `LEPTOS_HASH_FILES` still decides when set.
pub fn hashed_build(options: &mut LeptosOptions) {
    if std::env::var_os("LEPTOS_HASH_FILES").is_none() && option_env!("LEPTOS_HASH_FILES") == Some("true") {
        options.hash_files = true;
    }
}

/// Reads the hashes cargo-leptos wrote (`hash.txt` beside the server binary, where Leptos reads them too)
/// once, at start. Without them every page would fail (Leptos cannot name its scripts): the portal does not
/// start.
pub fn init(options: &LeptosOptions) -> Result<(), String> {
    let css = match options.hash_files {
        false => format!("{}.css", options.output_name),
        true => hashed_name(options, "css")?,
    };
    let _ = STYLESHEET.set(format!("/{}/{css}", options.site_pkg_dir));
    Ok(())
}

/// `<output>.<hash>.<kind>` from the hash file beside the binary.
fn hashed_name(options: &LeptosOptions, kind: &str) -> Result<String, String> {
    let path = hash_file(options);
    let hashes = std::fs::read_to_string(&path).map_err(|e| {
        format!(
            "asset names carry hashes, but {} cannot be read ({e}): ship it beside the server binary",
            path.display()
        )
    })?;
    hashes
        .lines()
        .find_map(|line| {
            let (file, hash) = line.trim().split_once(':')?;
            (file == kind).then(|| format!("{}.{}.{kind}", options.output_name, hash.trim()))
        })
        .ok_or_else(|| format!("{} names no {kind} file", path.display()))
}

/// Where Leptos reads the hashes: beside the running binary.
pub fn hash_file(options: &LeptosOptions) -> std::path::PathBuf {
    let dir = std::env::current_exe().ok().and_then(|exe| exe.parent().map(std::path::Path::to_path_buf));
    dir.unwrap_or_default().join(options.hash_file.as_ref())
}

/// `/pkg/*` from the site root: the precompressed file when the client accepts it, cached for a year when the
/// names carry hashes (otherwise revalidated every time: `no-cache`).
pub fn pkg_routes<S: Clone + Send + Sync + 'static>(options: &LeptosOptions) -> Router<S> {
    let pkg = format!("/{}", options.site_pkg_dir);
    let dir = std::path::Path::new(options.site_root.as_ref()).join(options.site_pkg_dir.as_ref());
    let cache = HeaderValue::from_static(if options.hash_files { IMMUTABLE } else { "no-cache" });
    let files = ServeDir::new(dir).precompressed_br().precompressed_gzip();
    Router::new().nest_service(&pkg, files).layer(axum::middleware::from_fn(move |req, next: Next| {
        let cache = cache.clone();
        async move {
            let mut res = next.run(req).await;
            // Only a file found is kept: a missing one may appear with the next deploy.
            if res.status().is_success() || res.status() == StatusCode::NOT_MODIFIED {
                res.headers_mut().insert(header::CACHE_CONTROL, cache);
            }
            res
        }
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hashed_assets_without_their_hash_file_stop_the_start_with_the_reason() {
        let options = LeptosOptions::builder()
            .output_name("portal")
            .hash_files(true)
            .hash_file(std::sync::Arc::from("no-such-hash.txt"))
            .build();
        let refused = init(&options).expect_err("no hash file");
        assert!(refused.contains("no-such-hash.txt") && refused.contains("beside the server binary"), "{refused}");
        let plain = LeptosOptions::builder().output_name("portal").build();
        assert_eq!(init(&plain), Ok(()));
    }
}
